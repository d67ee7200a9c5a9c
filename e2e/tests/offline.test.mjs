// Offline: act, reload while still offline, come back: nothing lost, nothing doubled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, balance } from '../lib/server.mjs';
import { launch, watch, ready, synced, sessionToken } from '../lib/browser.mjs';
import { SKIN_PATH, answerByTapping } from '../lib/quiz.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('offline actions survive a reload and reach the server once when back online', async () => {
  // The demo page's service worker serves the page and the widgets while offline.
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, serviceWorkers: 'allow' });
  const page = await context.newPage();
  const problems = watch(page);
  const pushed = [];
  // Only requests that reached the server count (offline attempts fail before it).
  context.on('requestfinished', (request) => {
    if (request.url().endsWith('/v1/sync')) pushed.push(...JSON.parse(request.postData()).ops.map((op) => op.id));
  });
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await ready(page, 'siyu-quiz');
  await synced(page);

  await context.setOffline(true);
  await answerByTapping(page, SKIN_PATH);
  await page.locator('siyu-checkin button.primary.big').click();
  const wallet = page.locator('siyu-wallet');
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '55');
  await wallet.locator('.sync.offline[data-pending="2"]').waitFor();

  await page.reload();
  await ready(page, 'siyu-wallet');
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '55');
  assert.equal(await wallet.locator('.sync').last().getAttribute('data-pending'), '2');
  await page.locator('siyu-quiz .outcome').waitFor();
  assert.equal(await page.locator('siyu-checkin .streak').getAttribute('data-streak'), '1');

  await context.setOffline(false);
  await synced(page);
  const { state } = await server.exportMe(await sessionToken(page, 'glow-skin'));
  assert.equal(balance(state), 55);
  assert.equal(Object.keys(state.applied).length, 2, 'exactly the two operations');
  assert.equal(Object.keys(state.checkins.days).length, 1);
  assert.equal(state.quiz.result.outcome, 'oily');
  const keys = state.ledger.map((e) => e.key);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(pushed.length, new Set(pushed).size, `no operation was pushed twice: ${pushed}`);
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '55');
  assert.deepEqual(problems, []);
  await context.close();
});
