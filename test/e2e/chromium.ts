/**
 * Debian's Chromium driven by playwright-core for the browser tests: headless, no sandbox,
 * background networking off, a fresh profile; and the hub's login form.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { repo } from "./hub-stack.ts";

const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const shots = join(repo, "test-output/screenshots");

export interface Browser {
  readonly ctx: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run test/setup/chromium.sh (apt-get install chromium)`);
  mkdirSync(shots, { recursive: true });
  const profileDir = mkdtempSync(join(tmpdir(), "mcks-chromium-"));
  const ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1100, height: 900 },
    timeout: 60_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    ctx,
    async close() {
      await ctx.close().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** Logs `user` in with DummyAuthenticator and waits for the spawn page. */
export async function logIn(page: Page, url: string, user: string): Promise<void> {
  // One browser profile for all users: drop the previous user's hub session first.
  await page.context().clearCookies();
  await page.goto(`${url}/hub/login`);
  await page.fill("#username_input", user);
  await page.fill("#password_input", "any password: DummyAuthenticator");
  await page.click("#login_submit");
  await page.waitForURL(/\/hub\/spawn/, { timeout: 60_000 });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
