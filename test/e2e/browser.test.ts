/**
 * A person's path through the hub, in Debian's Chromium driven by playwright-core (headless, no
 * sandbox, background networking off, a fresh profile): log in, see the profiles of
 * test/e2e/config.ts on the spawn page, pick one and an option, watch the progress bar, arrive at
 * the running server — the mock one, then the REAL jupyterhub-singleuser (OAuth with the hub,
 * JupyterLab loads), where a new notebook runs code in the pod's ipykernel over the kernel's
 * websocket (browser → configurable-http-proxy → the bed's ingress → the pod). Second path: an
 * image that cannot be pulled shows Kubernetes' reason on the progress page. Screenshots:
 * test-output/screenshots/.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowser, logIn, shot, type Browser } from "./chromium.ts";
import { clusterOfIp, ingressOf, kernelProbe, managedObjects, objectsAfterStop, routeTarget, startHubStack, waitStopped, type HubStack } from "./hub-stack.ts";

const run = randomBytes(2).toString("hex");
const dana = `dana-${run}`;
const erin = `erin-${run}`;
const frank = `frank-${run}`;

// On the progress page, report every change of the bar and the message to the test.
const watchProgress = `
  window.addEventListener("DOMContentLoaded", () => {
    const bar = document.getElementById("progress-bar");
    const msg = document.getElementById("progress-message");
    if (!bar || !window.__mcksProgress) return;
    const report = () => window.__mcksProgress(bar.getAttribute("aria-valuenow"), msg ? msg.textContent : "");
    new MutationObserver(report).observe(bar, { attributes: true });
    if (msg) new MutationObserver(report).observe(msg, { childList: true, characterData: true, subtree: true });
  });
`;

interface Seen {
  readonly progress: number;
  readonly message: string;
}

async function newPage(ctx: BrowserContext, urls: string[]): Promise<Page> {
  const page = await ctx.newPage();
  page.on("request", (r) => urls.push(r.url()));
  page.on("websocket", (ws) => urls.push(ws.url()));
  page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
  return page;
}

/** Waits (bounded) until `expression` holds in the page; on time-out a screenshot `<name>-failed` and `what` in the error. */
async function waitInPage(page: Page, expression: string, name: string, what: () => Promise<string>): Promise<void> {
  await page.waitForFunction(expression, undefined, { timeout: 120_000 }).catch(async (err: unknown) => {
    await shot(page, `${name}-failed`);
    throw new Error(`${await what()} (screenshot ${name}-failed.png): ${String(err)}`);
  });
}

describe("the spawn page in a real browser", { timeout: 600_000 }, () => {
  let stack: HubStack;
  let browser: Browser;
  let ctx: BrowserContext;
  const seen: Seen[] = [];

  before(async () => {
    stack = await startHubStack("browser");
    browser = await launchBrowser();
    ctx = browser.ctx;
    await ctx.exposeFunction("__mcksProgress", (progress: string | null, message: string) => {
      seen.push({ progress: Number(progress ?? 0), message });
    });
    await ctx.addInitScript(watchProgress);
  });

  after(async () => {
    await browser?.close();
    if (stack) {
      for (const u of [dana, erin, frank]) await stack.api("DELETE", `/users/${u}/server`).catch(() => undefined);
      for (const u of [dana, erin, frank]) await waitStopped(stack, u, "", 60_000).catch(() => undefined);
      await stack.close();
    }
  });

  it("log in, pick a profile and an option, watch the progress, arrive at the server", async () => {
    const urls: string[] = [];
    const page = await newPage(ctx, urls);
    await logIn(page, stack.url, dana);

    // The profiles of test/e2e/config.ts this user may use, the default one checked.
    const slugs = await page.$$eval("input[name=profile]", (els) => els.map((e) => (e as unknown as { value: string }).value));
    assert.deepEqual(slugs, ["mock-1", "mock-2", "real", "broken", "direct-1"]);
    assert.equal(await page.isChecked("#profile-mock-1"), true);
    assert.equal(await page.textContent("label[data-slug=mock-2] h3"), "Small server on testbed-2");
    assert.match((await page.textContent("label[data-slug=real] p")) ?? "", /real jupyterhub-singleuser/);
    // Only the chosen profile's option is enabled.
    assert.equal(await page.isEnabled("#option--mock-1--memory"), true);
    await shot(page, "spawn-page");

    // The free-text choice: hidden until chosen, then checked against the profile's pattern.
    const other = "#unlisted--mock-1--memory";
    assert.equal(await page.isVisible(other), false);
    await page.selectOption("#option--mock-1--memory", "--unlisted--");
    assert.equal(await page.isVisible(other), true);
    await page.fill(other, "lots");
    assert.equal(await page.$eval(other, (e) => (e as unknown as { checkValidity(): boolean }).checkValidity()), false);
    await page.fill(other, "96M");
    assert.equal(await page.$eval(other, (e) => (e as unknown as { checkValidity(): boolean }).checkValidity()), true);
    // In the end pick a listed choice.
    await page.selectOption("#option--mock-1--memory", "large");
    assert.equal(await page.isVisible(other), false);
    await shot(page, "spawn-page-option");

    seen.length = 0;
    await page.click("#spawn_form button[type=submit]");
    // mock-1's pod spends 2 s in ContainerCreating: the bar is part-way there.
    await page.waitForFunction('Number(document.getElementById("progress-bar")?.getAttribute("aria-valuenow")) >= 40', undefined, { timeout: 60_000 });
    await shot(page, "progress-mock");
    await page.waitForURL(new RegExp(`/user/${dana}/`), { timeout: 120_000 });
    const answer = JSON.parse((await page.textContent("body")) ?? "{}") as { pod?: string; ip?: string; path?: string };
    assert.equal(answer.pod, `jupyter-${dana}`);
    assert.equal(clusterOfIp(stack, answer.ip ?? ""), "testbed-1", "testbed-1's pod answered");
    await shot(page, "server-mock");

    // The bar moved through the daemon's steps, up to 100.
    const values = seen.map((s) => s.progress).filter((v) => v > 0);
    assert.ok(values.length >= 3, `progress seen: ${JSON.stringify(seen)}`);
    assert.equal(Math.max(...values), 100);
    assert.ok(seen.some((s) => /testbed-1/.test(s.message)), JSON.stringify(seen));
    await page.close();
  });

  it("the real single-user server: OAuth with the hub, then JupyterLab loads", async () => {
    const urls: string[] = [];
    const page = await newPage(ctx, urls);
    await logIn(page, stack.url, erin);
    await page.check("#profile-real");
    assert.equal(await page.isEnabled("#option--mock-1--memory"), false);
    seen.length = 0;
    await page.click("#spawn_form button[type=submit]");
    await page.waitForURL(/\/hub\/spawn-pending\//, { timeout: 30_000 }).catch(() => undefined);
    await shot(page, "progress-real");
    await page.waitForURL(new RegExp(`/user/${erin}/lab`), { timeout: 150_000 });
    await page.waitForSelector("#jp-main-dock-panel", { timeout: 120_000 });
    await page.waitForSelector(".jp-LauncherCard", { timeout: 60_000 }).catch(() => undefined);
    await shot(page, "server-real-lab");
    // The handshake really went through the hub's OAuth provider and back to the server.
    assert.ok(urls.some((u) => u.includes("/hub/api/oauth2/authorize")), "authorize request");
    assert.ok(urls.some((u) => u.includes(`/user/${erin}/oauth_callback`)), "oauth_callback request");
    assert.ok(managedObjects(stack, "testbed-3", erin).length >= 3, "erin's objects are in testbed-3");
    await page.close();
  });

  it("a notebook on that server runs code in the pod's kernel, over websockets through the proxy and the ingress", async () => {
    // erin's server from the test above; the browser still holds her cookies.
    assert.equal(await routeTarget(stack, erin), ingressOf(stack, "testbed-3"), "the proxy sends erin's traffic to testbed-3's ingress");
    const urls: string[] = [];
    const page = await newPage(ctx, urls);
    await page.goto(`${stack.url}/user/${erin}/lab`);
    await page.click('.jp-LauncherCard[data-category="Notebook"]', { timeout: 120_000 });
    // The new notebook's kernel is idle once its kernel_info_reply came back over the websocket;
    // a cell run before the session exists would ask for a kernel instead of running.
    const panel = ".jp-NotebookPanel:not(.lm-mod-hidden)";
    const kernelIdle = `/Python 3/.test(document.querySelector(${JSON.stringify(`${panel} .jp-Toolbar-kernelName`)})?.textContent ?? "")
      && document.querySelector(${JSON.stringify(`${panel} .jp-Notebook-ExecutionIndicator`)})?.getAttribute("data-status") === "idle"`;
    await waitInPage(page, kernelIdle, "server-real-kernel", async () => `the notebook's kernel did not become idle`);
    const editor = `${panel} .jp-Cell .cm-content`;
    await page.click(editor);
    // insertText, not key presses: the editor's bracket closing would double the brackets.
    await page.keyboard.insertText(kernelProbe.code);
    assert.equal(await page.textContent(editor), kernelProbe.code);
    await page.keyboard.press("Shift+Enter");
    const output = `${panel} .jp-OutputArea-output`;
    const want = kernelProbe.output(erin);
    const printed = `document.querySelector(${JSON.stringify(output)})?.textContent?.trim() === ${JSON.stringify(want)}`;
    await waitInPage(page, printed, "server-real-notebook", async () => `no "${want}" in the cell's output (got ${JSON.stringify(await page.textContent(output).catch(() => null))})`);
    await shot(page, "server-real-notebook");
    assert.match((await page.textContent(`${panel} .jp-InputPrompt`)) ?? "", /\[1\]/, "the cell ran once");
    // The kernel's websocket went to the hub's public URL, i.e. through configurable-http-proxy.
    const kernels = `${stack.url.replace(/^http/, "ws")}/user/${erin}/api/kernels/`;
    assert.ok(urls.some((u) => u.startsWith(kernels) && u.includes("/channels")), `a kernel websocket through the proxy: ${urls.filter((u) => u.startsWith("ws")).join(", ")}`);
    await page.close();
  });

  it("an image that cannot be pulled shows Kubernetes' reason on the progress page", async () => {
    const urls: string[] = [];
    const page = await newPage(ctx, urls);
    await logIn(page, stack.url, frank);
    await page.check("#profile-broken");
    await page.click("#spawn_form button[type=submit]");
    await page.waitForFunction('/Spawn failed/.test(document.getElementById("progress-message")?.textContent ?? "")', undefined, { timeout: 120_000 });
    const message = (await page.textContent("#progress-message")) ?? "";
    assert.match(message, /ErrImagePull/);
    assert.match(message, /testbed\/fail-pull/);
    // The event log shows the same reason (and the daemon's steps when the page was there in time).
    assert.match((await page.textContent("#progress-log")) ?? "", /ErrImagePull/);
    assert.equal(await page.getAttribute("#progress-bar", "class").then((c) => /bg-danger/.test(c ?? "")), true);
    await shot(page, "progress-failed");
    await waitStopped(stack, frank, "", 60_000);
    assert.deepEqual(await objectsAfterStop(stack, "testbed-2", frank), []);
    await page.close();
  });
});
