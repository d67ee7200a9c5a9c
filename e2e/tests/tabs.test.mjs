// Two tabs of one browser share the member: each shows the other's actions, and no
// operation is sent twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, balance } from '../lib/server.mjs';
import { launch, phone, ready, synced, sessionToken } from '../lib/browser.mjs';
import { SKIN_PATH, answerByTapping } from '../lib/quiz.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Two tabs of the beauty page in `context`, each loaded and synced. */
async function twoSyncedTabs(context) {
  const tabs = [await context.newPage(), await context.newPage()];
  for (const page of tabs) {
    await page.goto(`${server.base}/beauty.html?lang=en`);
    await ready(page, 'siyu-checkin');
  }
  for (const page of tabs) await synced(page);
  return tabs;
}

test('two tabs see each other at once and never send an operation twice', async () => {
  const context = await phone(browser);
  const pushed = [];
  // Only requests that reached the server count (offline attempts fail before it).
  context.on('requestfinished', (request) => {
    if (request.url().endsWith('/v1/sync')) pushed.push(...JSON.parse(request.postData()).ops.map((op) => op.id));
  });
  const [a, b] = await twoSyncedTabs(context);

  await a.locator('siyu-checkin button.primary.big').click();
  await b.locator('siyu-checkin .streak[data-streak="1"]').waitFor();
  await b.locator('siyu-wallet .amount[data-balance="5"]').waitFor();

  await answerByTapping(b, SKIN_PATH);
  await a.locator('siyu-quiz .outcome').waitFor();
  await a.locator('siyu-wallet .amount[data-balance="55"]').waitFor();

  // Offline, both tabs act; back online, each operation goes out once.
  await context.setOffline(true);
  await a.locator('siyu-wallet li[data-reward="sample-serum"] button').isDisabled();
  await context.setOffline(false);
  await synced(a);
  await synced(b);
  const { state } = await server.exportMe(await sessionToken(a, 'glow-skin'));
  assert.equal(balance(state), 55);
  assert.equal(pushed.length, 2, `pushed: ${pushed}`);
  assert.equal(new Set(pushed).size, 2);
  assert.deepEqual(Object.keys(state.applied).sort(), [...pushed].sort());
  await context.close();
});

test('two tabs offline take turns backing off instead of waking each other', async () => {
  const context = await phone(browser);
  const [a, b] = await twoSyncedTabs(context);
  const attempts = [];
  context.on('request', (request) => {
    if (request.url().endsWith('/v1/sync')) attempts.push(Date.now());
  });
  await context.setOffline(true);
  await a.locator('siyu-checkin button.primary.big').click();
  await new Promise((done) => setTimeout(done, 8_000));
  // One tab backing off 1, 2, 4 s tries about four times in 8 s; the two tabs used to wake
  // each other on every failure, ~100 attempts a second.
  assert.ok(attempts.length <= 8, `${attempts.length} sync attempts in 8 s offline`);
  assert.ok(attempts.length >= 1, 'the pending check-in was tried');
  await context.setOffline(false);
  await synced(a);
  await synced(b);
  assert.equal(await b.locator('siyu-wallet .amount').getAttribute('data-balance'), '5');
  await context.close();
});
