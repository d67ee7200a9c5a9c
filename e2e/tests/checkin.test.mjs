// Check-in, make-up, redeem and member binding against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, balance } from '../lib/server.mjs';
import { launch, phone, watch, ready, synced, sessionToken, recordEvents, events } from '../lib/browser.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;
/** A day as YYYY-MM-DD in Asia/Shanghai (no daylight saving). */
const dayOf = (ms) => new Date(ms + SHANGHAI_MS).toISOString().slice(0, 10);

test('checking in shows streak 1, and the wallet on the page updates at once', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await recordEvents(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  await ready(page, 'siyu-wallet');
  await synced(page);
  // Offline, so that only the local, optimistic change can update the wallet.
  await context.setOffline(true);
  const checkin = page.locator('siyu-checkin');
  await checkin.locator('button.primary.big').click();
  assert.equal(await checkin.locator('.streak').getAttribute('data-streak'), '1');
  assert.equal(await page.locator('siyu-wallet .amount').getAttribute('data-balance'), '5');
  assert.match(await checkin.locator('.celebrate').textContent(), /Checked in! \+5 points/);
  await context.setOffline(false);
  await synced(page);
  const { state } = await server.exportMe(await sessionToken(page, 'glow-skin'));
  const today = dayOf(Date.now());
  assert.deepEqual(Object.keys(state.checkins.days), [today]);
  assert.equal(balance(state), 5);
  const checkins = (await events(page)).filter((e) => e.name === 'siyu:checkin');
  assert.equal(checkins.length, 1);
  assert.equal(checkins[0].target, 'SIYU-CHECKIN');
  assert.equal(checkins[0].detail.streak, 1);
  assert.equal(checkins[0].detail.day, today);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a day the server saw missed is made up for its price, then a reward is redeemed', async (t) => {
  // The brand's member checked in two days ago and bought something since; yesterday was
  // missed. On a server of its own, whose clock is moved two days on.
  const server = await startServer({ clock: true });
  t.after(() => server.stop());
  const member = `m-makeup-${Date.now()}`;
  const { token, session: api, result } = await server.memberCheckedInDaysAgo('glow', 'glow-skin', member, 2);
  assert.equal(result.status, 'accepted', JSON.stringify(result));
  await server.credit('glow', member, 'glow-skin', `order-${member}`, 10_000);

  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await recordEvents(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  await page.evaluate((t) => window.Siyu.identify(t), token);
  const wallet = page.locator('siyu-wallet');
  await wallet.locator('.amount[data-balance="105"]').waitFor();

  const checkin = page.locator('siyu-checkin');
  const yesterday = dayOf(await server.now() - DAY_MS);
  const missed = checkin.locator(`button.day[data-status=missed][data-day="${yesterday}"]`);
  await missed.click();
  const dialog = checkin.locator('.dialog');
  assert.match(await dialog.textContent(), /for 30 points\? You'll have 75 left/);
  await dialog.locator('button.primary').click();
  await checkin.locator(`.day[data-status=made-up][data-day="${yesterday}"]`).waitFor();
  // Its button is gone: focus is on the day's cell, not lost to the top of the page.
  await page.waitForFunction(() => document.querySelector('siyu-checkin').shadowRoot.activeElement?.dataset.day);
  assert.equal(await page.evaluate(() => {
    const active = document.querySelector('siyu-checkin').shadowRoot.activeElement;
    return `${active.className} ${active.dataset.status}|${active.dataset.day}`;
  }), `day made-up|${yesterday}`);
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '75');
  assert.equal(await checkin.locator('.streak').getAttribute('data-streak'), '2');

  // Today makes three in a row: 15 points and the 3-check-in milestone's 20.
  await checkin.locator('button.primary.big').click();
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '110');
  assert.match(await checkin.locator('.celebrate').textContent(), /Milestone reached: 3 check-ins/);

  await wallet.locator('li[data-reward="sample-serum"] button').click();
  await wallet.locator('.dialog button.primary').click();
  await wallet.locator('.celebrate').waitFor();
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '10');
  assert.ok(await wallet.locator('li[data-reward="sample-serum"] button').isDisabled(), 'the per-person limit is reached');
  await synced(page);

  const { state } = await server.exportMe(api.token);
  assert.equal(state.member, `member:${member}`);
  assert.equal(state.checkins.days[yesterday], 'made_up');
  assert.equal(Object.keys(state.checkins.days).length, 3);
  assert.deepEqual(state.redemptions.map((r) => r.reward), ['sample-serum']);
  assert.equal(balance(state), 10);
  const history = await wallet.locator('.history li').allTextContents();
  assert.ok(history.some((line) => /Purchase of ¥100\.00/.test(line)), history.join(' | '));
  assert.ok(history.some((line) => /Make up/.test(line)), history.join(' | '));
  const names = (await events(page)).map((e) => e.name);
  assert.deepEqual(names, ['siyu:checkin', 'siyu:checkin', 'siyu:redeem']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('identifying a member keeps what the device earned anonymously', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  await page.locator('siyu-checkin button.primary.big').click();
  await synced(page);
  const member = `m-bind-${Date.now()}`;
  await page.evaluate((t) => window.Siyu.identify(t), server.memberToken('glow', member));
  await synced(page);
  assert.equal(await page.locator('siyu-wallet .amount').getAttribute('data-balance'), '5');
  const api = await server.session('glow-skin', { memberToken: server.memberToken('glow', member) });
  const { state } = await server.exportMe(api.token);
  assert.equal(state.member, `member:${member}`);
  assert.equal(balance(state), 5);
  await context.close();
});

test('a check-in the server refuses is explained, and its points are taken back', async (t) => {
  // A phone that went offline for three days after checking in: its check-in reaches the
  // server after the campaign's 48-hour grace window. On a server of its own, whose clock is
  // moved three days on while the phone is offline.
  const server = await startServer({ clock: true });
  t.after(() => server.stop());
  const context = await phone(browser);
  const page = await context.newPage();
  await recordEvents(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  await synced(page);
  await context.setOffline(true);
  const checkin = page.locator('siyu-checkin');
  await checkin.locator('button.primary.big').click();
  assert.equal(await page.locator('siyu-wallet .amount').getAttribute('data-balance'), '5');

  await server.advanceDays(3);
  await context.setOffline(false);
  const notice = checkin.locator('.notice');
  await notice.waitFor({ timeout: 20_000 });
  assert.match(await notice.textContent(), /Your check-in for .* wasn't accepted: it reached us more than 48 hours after it happened\. We've undone it\./);
  await page.locator('siyu-wallet .amount[data-balance="0"]').waitFor();
  assert.equal(await checkin.locator('.streak').getAttribute('data-streak'), '0');
  const refused = (await events(page)).filter((e) => e.name === 'siyu:rejected');
  assert.equal(refused.length, 1);
  assert.equal(refused[0].detail.rule, 'claimed_time_outside_grace');
  await notice.locator('button').click();
  assert.equal(await checkin.locator('.notice').count(), 0);
  const { state } = await server.exportMe(await sessionToken(page, 'glow-skin'));
  assert.equal(balance(state), 0);
  await context.close();
});

/** A new brand member credited 2,000 points, signed in on the beauty page of a phone. */
async function memberWith2000Points(prefix) {
  const member = `${prefix}-${Date.now()}`;
  const token = server.memberToken('glow', member);
  await server.session('glow-skin', { memberToken: token });
  await server.credit('glow', member, 'glow-skin', `order-${member}`, 200_000);
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-wallet');
  await page.evaluate((t) => window.Siyu.identify(t), token);
  const wallet = page.locator('siyu-wallet');
  await wallet.locator('.amount[data-balance="2000"]').waitFor();
  return { member, context, page, wallet };
}

test('a redemption the server refuses (the last one taken meanwhile) is undone, not left as a success', async () => {
  const { context, page, wallet } = await memberWith2000Points('m-vip');

  // Offline, the customer redeems the only VIP facial: accepted on the phone at once.
  await page.route('**/v1/s*', (route) => route.abort('internetdisconnected'));
  await wallet.locator('li[data-reward="vip-facial"] button').click();
  await wallet.locator('.dialog button.primary').click();
  await wallet.locator('.celebrate').waitFor();
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '0');

  // Meanwhile another member takes it.
  const rival = `m-rival-${Date.now()}`;
  const rivalToken = server.memberToken('glow', rival);
  const rivalSession = await server.session('glow-skin', { memberToken: rivalToken });
  await server.credit('glow', rival, 'glow-skin', `order-${rival}`, 200_000);
  const taken = await server.sync(rivalSession.token, 'glow-skin', [
    { id: `r-${rival}`, occurred_at: Date.now(), op: { type: 'redeem', reward: 'vip-facial' } },
  ]);
  assert.equal(taken.results[0].status, 'accepted', JSON.stringify(taken.results[0]));

  await page.unroute('**/v1/s*');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  const notice = wallet.locator('.notice');
  await notice.waitFor({ timeout: 20_000 });
  assert.match(await notice.textContent(), /it has run out/);
  await wallet.locator('.amount[data-balance="2000"]').waitFor();
  assert.equal(await wallet.locator('.celebrate').count(), 0, 'the success no longer shows');
  await context.close();
});

test('a check-in the server refuses (the member checked in on another phone meanwhile) is undone, not left as a success', async () => {
  const member = `m-twophones-${Date.now()}`;
  const token = server.memberToken('glow', member);
  const other = await server.session('glow-skin', { memberToken: token });

  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  await page.evaluate((t) => window.Siyu.identify(t), token);
  await synced(page);
  const checkin = page.locator('siyu-checkin');

  // Offline, this phone checks in: accepted on the phone at once.
  await page.route('**/v1/s*', (route) => route.abort('internetdisconnected'));
  await checkin.locator('button.primary.big').click();
  await checkin.locator('.celebrate').waitFor();

  // Meanwhile the member's other phone checks in for today, and reaches the server first.
  const first = await server.sync(other.token, 'glow-skin', [
    { id: `c-${member}`, occurred_at: Date.now(), op: { type: 'checkin' } },
  ]);
  assert.equal(first.results[0].status, 'accepted', JSON.stringify(first.results[0]));

  await page.unroute('**/v1/s*');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  const notice = checkin.locator('.notice');
  await notice.waitFor({ timeout: 20_000 });
  assert.equal(await checkin.locator('.celebrate').count(), 0, 'the success no longer shows');
  assert.equal(await checkin.locator('.streak').getAttribute('data-streak'), '1');
  await context.close();
});

test('checking in with the keyboard keeps the focus on the button, which then says it is done', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  const checkin = page.locator('siyu-checkin');
  await checkin.locator('button.primary.big').focus();
  await page.keyboard.press('Enter');
  await checkin.locator('.celebrate').waitFor();
  const focused = () => page.evaluate(() => {
    const active = document.querySelector('siyu-checkin').shadowRoot.activeElement;
    return active ? `${active.className} aria-disabled=${active.getAttribute('aria-disabled')} ${active.textContent}` : 'nothing';
  });
  assert.equal(await focused(), 'primary big aria-disabled=true ✓ Checked in today');
  // Pressed again, it does nothing.
  await page.keyboard.press('Enter');
  assert.equal(await checkin.locator('.streak').getAttribute('data-streak'), '1');
  assert.equal(await focused(), 'primary big aria-disabled=true ✓ Checked in today');
  await context.close();
});

test('without ?lang the widgets follow the browser, and the page marks that language as current', async () => {
  for (const [locale, shown, title] of [['en-US', 'en', 'Daily check-in'], ['zh-CN', 'zh-CN', null]]) {
    const context = await phone(browser, { locale });
    const page = await context.newPage();
    await page.goto(`${server.base}/beauty.html`);
    await ready(page, 'siyu-checkin');
    const lang = await page.locator('siyu-checkin .siyu').getAttribute('lang');
    assert.equal(lang, shown, locale);
    const current = await page.locator('.lang a[aria-current="true"]').getAttribute('data-lang');
    assert.equal(current, shown, `${locale}: the switcher marks ${current}`);
    if (title) assert.equal(await page.locator('siyu-checkin .title').textContent(), title);
    await context.close();
  }
});

test('the redeem dialog starts on Cancel, keeps Tab inside, and gives focus back to its button', async () => {
  const { context, page, wallet } = await memberWith2000Points('m-keys');
  const focused = () => page.evaluate(() => {
    const active = document.querySelector('siyu-wallet').shadowRoot.activeElement;
    return active ? `${active.className}|${active.closest('[data-reward]')?.dataset.reward ?? ''}` : 'nothing';
  });

  const opener = wallet.locator('li[data-reward="sample-serum"] button');
  await opener.focus();
  // Tagged, to see below that the dialog did not make the widget render its buttons anew.
  await opener.evaluate((button) => { button.tagged = true; });
  await page.keyboard.press('Enter');
  await wallet.locator('.dialog').waitFor();
  assert.equal(await focused(), 'secondary|', 'Cancel first: one Enter spends nothing');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'primary|');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'secondary|', 'Tab stays in the dialog');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'primary|', 'Shift+Tab too');
  await page.keyboard.press('Escape');
  await wallet.locator('.dialog').waitFor({ state: 'detached' });
  assert.equal(await focused(), 'primary small|sample-serum', 'back on the reward\'s button');
  assert.equal(await page.evaluate(() => document.querySelector('siyu-wallet').shadowRoot.activeElement.tagged), true,
    'the very button that opened it, not one rendered anew');
  assert.equal(await wallet.locator('.amount').getAttribute('data-balance'), '2000', 'nothing spent');
  await context.close();
});

test('Siyu.identify rejects with an Error that says why, and a TypeError without a token', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  const outcome = (token) => page.evaluate((t) => window.Siyu.identify(t).then(
    () => 'resolved',
    (e) => `${e instanceof Error ? e.constructor.name : typeof e}: ${e.message ?? e}`,
  ), token);
  const sentMemberTokens = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/v1/sessions') && request.postData()?.includes('member_token')) {
      sentMemberTokens.push(request.postData());
    }
  });
  assert.match(await outcome('not-a-jwt'), /^Error: the server refused: invalid_member_token: /);
  assert.equal(sentMemberTokens.length, 1, 'a refused member token is sent once, not again without the device');
  assert.match(await outcome(undefined), /^TypeError: Siyu\.identify\(memberToken\): the member token/);

  // The refused token is forgotten: the customer's check-in still reaches the server, as the
  // device it was, with no sync error on screen.
  const checkin = page.locator('siyu-checkin');
  await checkin.locator('button.primary.big').click();
  await synced(page);
  assert.equal(await checkin.locator('.sync[data-state=error]').count(), 0, 'no sync error left on screen');
  const { state } = await server.exportMe(await sessionToken(page, 'glow-skin'));
  assert.match(state.member, /^device:/);
  assert.deepEqual(Object.keys(state.checkins.days), [dayOf(Date.now())]);
  assert.equal(sentMemberTokens.length, 1, 'the refused token is never sent again');
  await context.close();
});

test('what the device did before the member was identified is sent as the device, then it signs in', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-checkin');
  await synced(page);
  await context.setOffline(true);
  await page.locator('siyu-checkin button.primary.big').click();
  // Identified while offline: it cannot sign in yet.
  const member = `m-pending-${Date.now()}`;
  const offline = await page.evaluate((t) => window.Siyu.identify(t).then(() => 'resolved', (e) => e.message), server.memberToken('glow', member));
  assert.match(offline, /^offline/);
  const requests = [];
  page.on('request', (request) => {
    const body = request.postData() ?? '';
    if (request.url().endsWith('/v1/sync')) requests.push(`sync ${JSON.parse(body).ops.length}`);
    if (request.url().endsWith('/v1/sessions')) requests.push(body.includes('member_token') ? 'sign in' : 'session');
  });
  await context.setOffline(false);
  await page.locator('siyu-wallet .sync[data-state=ok]').waitFor({ timeout: 20_000 });
  assert.deepEqual(requests.slice(0, 3), ['sync 1', 'sign in', 'sync 0'], requests.join(', '));
  const api = await server.session('glow-skin', { memberToken: server.memberToken('glow', member) });
  const { state } = await server.exportMe(api.token);
  assert.deepEqual(Object.keys(state.checkins.days), [dayOf(Date.now())], 'the check-in came along');
  await context.close();
});
