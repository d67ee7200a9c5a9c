// Headless Chromium from Debian's package, driven by playwright-core.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ARTIFACTS } from './server.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A phone-sized context (360 px wide), in `locale`. */
export function phone(browser, { locale = 'en-US', ...options } = {}) {
  return browser.newContext({ viewport: { width: 360, height: 780 }, locale, serviceWorkers: 'block', ...options });
}

/** Fails the test on a page error (a panic in the wasm shows up here). */
export function watch(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed loads are the network's doing (offline tests, pictures), not the widgets'.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** Waits until the widget shows its content (not the loading state). */
export async function ready(page, tag) {
  await page.locator(`${tag} .widget:not(.loading)`).first().waitFor();
}

/** Waits until every change has reached the server. */
export async function synced(page, tag = 'siyu-wallet') {
  await page.locator(`${tag} .sync[data-state=ok]`).waitFor({ timeout: 20_000 });
}

/** The widget's localStorage records for a campaign. */
export function stored(page, campaign, name) {
  return page.evaluate(([campaign, name]) => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(`|${campaign}:${name}`));
    return key ? localStorage.getItem(key) : null;
  }, [campaign, name]);
}

/** The session token the widgets use. */
export async function sessionToken(page, campaign) {
  return JSON.parse(await stored(page, campaign, 'session')).token;
}

/** Collects the page's `siyu:*` events. */
export async function recordEvents(page) {
  await page.addInitScript(() => {
    window.__siyuEvents = [];
    for (const name of ['siyu:checkin', 'siyu:quiz-complete', 'siyu:redeem', 'siyu:rejected']) {
      document.addEventListener(name, (e) => window.__siyuEvents.push({ name, detail: e.detail, target: e.target.tagName }));
    }
  });
}

export function events(page) {
  return page.evaluate(() => window.__siyuEvents);
}

/** axe-core on the page (open shadow roots included): serious and critical violations. */
export async function seriousViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return `${ARTIFACTS}/${name}.png`;
}
