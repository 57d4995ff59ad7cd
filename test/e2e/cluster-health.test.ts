/**
 * The spawn page knows which clusters are up. A real hub and daemon (test/e2e/config-health.ts)
 * on the bed, Chromium on the spawn page; then testbed-2's API server is SIGKILLed:
 *   - its profiles are shown disabled with since when and why (a few words, no URL);
 *   - `fallback` stays enabled, says it starts on testbed-1, and does;
 *   - `home` (a home volume on testbed-2) is disabled and says it does not fall back because of it;
 *   - a REST start on testbed-2 fails at once, with the reason;
 *   - the daemon's metrics say so too (reachable 0, watch restarts, requests without answer);
 * and once the API server is back, everything is enabled again. The bed is restored even when an
 * assertion fails.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { apiServerRunning, killApiServer, restoreBed } from "../fault/apiserver.ts";
import { delta, metricsUrlIn, scrape, value, type Scrape } from "../integration/metrics-scrape.ts";
import { launchBrowser, logIn, shot, type Browser } from "./chromium.ts";
import { clusterOfIp, objectsAfterStop, repo, serverOf, startHubStack, waitStopped, type HubStack } from "./hub-stack.ts";

const run = randomBytes(2).toString("hex");
const gail = `gail-${run}`;
const hank = `hank-${run}`;
const DOWN = 2; // testbed-2

let stack: HubStack;
let browser: Browser;
let metricsUrl: string;
let killed = false;

async function eventually<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Radio disabled? and the card's cluster notice, per profile slug. */
async function cards(page: Page): Promise<Record<string, { disabled: boolean; notice: string }>> {
  return page.$$eval("label.mcks-profile", (labels) =>
    Object.fromEntries(
      labels.map((l) => {
        const el = l as unknown as { dataset: { slug: string }; querySelector(s: string): { disabled?: boolean; textContent: string | null } | null };
        return [el.dataset.slug, { disabled: Boolean(el.querySelector("input[name=profile]")?.disabled), notice: el.querySelector(".mcks-cluster")?.textContent?.trim() ?? "" }];
      }),
    ),
  );
}

/** The final event of the hub's progress stream for a user's default server. */
async function progressOutcome(user: string): Promise<{ failed?: boolean; ready?: boolean; message: string }> {
  const res = await fetch(`${stack.url}/hub/api/users/${user}/server/progress`, { headers: { Authorization: `token ${stack.token}` }, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  const events = text.split("\n").filter((l) => l.startsWith("data:")).map((l) => JSON.parse(l.slice(5)) as { failed?: boolean; ready?: boolean; message: string });
  const last = events.at(-1);
  assert.ok(last, `progress stream of ${user}: ${text}`);
  return last;
}

before(async () => {
  stack = await startHubStack("cluster-health", { mcksConfig: join(repo, "test/e2e/config-health.ts"), serveArgs: ["--metrics-listen", "127.0.0.1:0"] });
  metricsUrl = metricsUrlIn(readFileSync(join(stack.dir, "serve.log"), "utf8"));
  const r = await stack.api("POST", "/users", { usernames: [hank] });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (killed && !apiServerRunning(DOWN)) await restoreBed();
  if (stack) {
    for (const u of [gail, hank]) await stack.api("DELETE", `/users/${u}/server`).catch(() => undefined);
    for (const u of [gail, hank]) await waitStopped(stack, u, "", 60_000).catch(() => undefined);
    await stack.close();
  }
});

describe("the spawn page when a cluster is down", { timeout: 600_000 }, () => {
  it("all up: every profile enabled; profiles with a fallback say where and when it applies", async () => {
    const page = await browser.ctx.newPage();
    await logIn(page, stack.url, gail);
    const c = await cards(page);
    assert.deepEqual(Object.keys(c), ["mock-1", "mock-2", "real", "broken", "direct-1", "fallback", "home"]);
    for (const [slug, card] of Object.entries(c)) assert.equal(card.disabled, false, slug);
    assert.equal(c["mock-2"]!.notice, "");
    assert.equal(c.fallback!.notice, "Runs on testbed-2; while testbed-2 is unreachable, on testbed-1 (never when your home volume lives on testbed-2).");
    assert.equal(c.home!.notice, "Runs on testbed-2. Your home volume lives there, so it never moves to testbed-1.");
    await page.close();
  });

  it("testbed-2 down: its profiles disabled with why, the fallback used, a REST start refused at once", async () => {
    const before = await scrape(metricsUrl);
    const killedAt = Date.now();
    killApiServer(DOWN);
    killed = true;
    const during = await eventually("the daemon sees testbed-2 unreachable", () => scrape(metricsUrl), (s: Scrape) => value(s, "mcks_cluster_reachable", { cluster: "testbed-2" }) === 0);
    assert.equal(value(during, "mcks_cluster_reachable", { cluster: "testbed-1" }), 1);
    assert.ok(delta(before, during, "mcks_watch_restarts_total", { cluster: "testbed-2", reason: "error" }) >= 1, "the watch restarts after the error");
    assert.ok(value(during, "mcks_cluster_last_seen_timestamp_seconds", { cluster: "testbed-2" }) * 1000 <= killedAt + 1000, "testbed-2 not seen since the kill");

    const page = await browser.ctx.newPage();
    await logIn(page, stack.url, gail);
    const c = await cards(page);
    const down = /^Unavailable: Cluster testbed-2 is unreachable since \d\d:\d\d UTC \((connection refused|connection reset|no answer in time)\)\.$/;
    for (const slug of ["mock-2", "broken"]) {
      assert.equal(c[slug]!.disabled, true, slug);
      assert.match(c[slug]!.notice, down, slug);
    }
    assert.equal(c.home!.disabled, true);
    assert.match(c.home!.notice, /^Cluster testbed-2 is unreachable since .*\. Your home volume lives on testbed-2, so this profile does not start on testbed-1\.$/);
    assert.equal(c.fallback!.disabled, false);
    assert.match(c.fallback!.notice, /^Cluster testbed-2 is unreachable since .*\. Servers start on testbed-1 until it is back\.$/);
    for (const slug of ["mock-1", "real"]) assert.deepEqual(c[slug], { disabled: false, notice: "" }, slug);
    assert.doesNotMatch(JSON.stringify(c), /127\.0\.0\.1|https?:/, "no address of the API server on the page");
    assert.equal(await page.isChecked("#profile-mock-1"), true);
    await shot(page, "spawn-page-cluster-down");

    // The fallback profile starts, on testbed-1.
    await page.check("#profile-fallback");
    await page.click("#spawn_form button[type=submit]");
    await page.waitForURL(new RegExp(`/user/${gail}/`), { timeout: 120_000 });
    const answer = JSON.parse((await page.textContent("body")) ?? "{}") as { ip?: string };
    assert.equal(clusterOfIp(stack, answer.ip ?? ""), "testbed-1", "the fallback cluster's pod answered");
    await page.close();
    // Where JupyterHub shows a spawner's view of a server: its stored state names cluster and profile.
    const state = (await serverOf(stack, gail))?.state as { mcks?: Record<string, string> } | undefined;
    assert.deepEqual([state?.mcks?.cluster, state?.mcks?.profile], ["testbed-1", "fallback"], JSON.stringify(state));

    // A REST start on testbed-2 fails at once, with the reason.
    const t0 = Date.now();
    const r = await stack.api("POST", `/users/${hank}/server`, { profile: "mock-2" });
    let message: string;
    if (r.status === 202 || r.status === 201) {
      const end = await progressOutcome(hank);
      assert.equal(end.failed, true, JSON.stringify(end));
      message = end.message;
    } else {
      message = JSON.stringify(r.json);
    }
    assert.ok(Date.now() - t0 < 15_000, `failed within ${Date.now() - t0} ms`);
    assert.match(message, /cluster "testbed-2" is unreachable since /);
    assert.match(message, /connection refused|connection reset|no answer in time/);
    assert.doesNotMatch(message, /127\.0\.0\.1/, "the user's message names no address");
    assert.equal((await serverOf(stack, hank))?.ready ?? false, false);

    const after = await scrape(metricsUrl);
    assert.ok(delta(before, after, "mcks_spawn_failures_total", { cluster: "testbed-2", reason: "ClusterUnreachable" }) >= 1, "the refused start is counted");
    assert.equal(delta(before, after, "mcks_spawn_duration_seconds_count", { cluster: "testbed-1", profile: "fallback", outcome: "success" }), 1, "the fallback start counts on testbed-1");
  });

  it("testbed-2 back: every profile enabled again", async () => {
    await restoreBed();
    killed = false;
    await eventually("the daemon sees testbed-2 again", () => scrape(metricsUrl), (s: Scrape) => value(s, "mcks_cluster_reachable", { cluster: "testbed-2" }) === 1);
    const page = await browser.ctx.newPage();
    await logIn(page, stack.url, hank);
    const c = await cards(page);
    for (const [slug, card] of Object.entries(c)) assert.equal(card.disabled, false, slug);
    assert.equal(c["mock-2"]!.notice, "");
    await page.close();
  });

  it("the server started on the fallback is still polled and stopped where it runs, testbed-1", async () => {
    assert.equal((await serverOf(stack, gail))?.ready, true);
    const r = await stack.api("DELETE", `/users/${gail}/server`);
    assert.ok(r.status === 202 || r.status === 204, `DELETE /users/${gail}/server: ${r.status} ${JSON.stringify(r.json)}`);
    await waitStopped(stack, gail);
    assert.deepEqual(await objectsAfterStop(stack, "testbed-1", gail), [], "nothing of the fallback server left on testbed-1");
    assert.doesNotMatch(readFileSync(join(stack.dir, "hub.log"), "utf8"), /does not match that server/);
  });
});
