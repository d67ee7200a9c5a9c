// Offline: act, reload while still offline, come back: nothing lost, nothing doubled; also on
// a first visit, when the page itself never went through the service worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, balance } from '../lib/server.mjs';
import { launch, watch, ready, synced, sessionToken } from '../lib/browser.mjs';
import { SKIN_PATH, ROOM_PATH, answerByTapping } from '../lib/quiz.mjs';

const WIDGETS = ['siyu-quiz', 'siyu-checkin', 'siyu-wallet'];

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
  await wallet.locator('.sync[data-state=offline][data-pending="2"]').waitFor();

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

test('on a first visit, a reload while offline shows every widget, and pictures load once back online', async () => {
  // Loaded once: the service worker installs (precaching the loader, glue and wasm) and takes
  // control, but nothing the page loaded went through it.
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, serviceWorkers: 'allow' });
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/nest.html?lang=en`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  for (const tag of WIDGETS) await ready(page, tag);
  await synced(page);

  await context.setOffline(true);
  await page.reload();
  for (const tag of WIDGETS) await ready(page, tag);
  const wallet = page.locator('siyu-wallet');
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '0');
  await page.locator('siyu-checkin button.primary.big').click();
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '2');
  // The outcome's pictures were never fetched: offline they cannot show.
  await answerByTapping(page, ROOM_PATH);
  await page.locator('siyu-quiz .outcome').waitFor();
  const pictures = 'siyu-quiz .products img';
  const loaded = () => page.locator(pictures).evaluateAll((imgs) => imgs.map((img) => img.complete && img.naturalWidth > 0));
  await page.waitForFunction((selector) => {
    const imgs = [...document.querySelector('siyu-quiz').shadowRoot.querySelectorAll(selector.replace('siyu-quiz ', ''))];
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth === 0);
  }, pictures);

  await context.setOffline(false);
  await synced(page);
  await page.waitForFunction((selector) => [...document.querySelector('siyu-quiz').shadowRoot.querySelectorAll(selector.replace('siyu-quiz ', ''))]
    .every((img) => img.complete && img.naturalWidth > 0), pictures, { timeout: 10_000 })
    .catch(async () => assert.fail(`pictures still broken once back online: ${await loaded()}`));
  const { state } = await server.exportMe(await sessionToken(page, 'nest-room'));
  assert.equal(balance(state), 32);
  assert.equal(state.quiz.result.outcome, 'nordic');
  assert.deepEqual(problems, []);
  await context.close();
});
