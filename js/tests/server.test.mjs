// The package against the real server, in the WeChat stand-in: wx.request over real HTTP to
// `siyu-server serve` on a fresh SQLite file. Offline actions, then sync, converge with the
// server; the server's word wins where it differs; the outbox and session survive a restart.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { importPackage, installWxEnv } from './wx-env.mjs';
import { memberToken, parseExact, startServer, withStringFingerprints } from './real-server.mjs';

const env = installWxEnv();
const siyu = await importPackage();
const adapters = siyu.wxAdapters(env.wx);
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  if (server) await server.stop();
});

/** A client as a mini-program page makes one; `storageKey` keeps devices apart in one store. */
function client(storageKey, extra = {}) {
  return siyu.createClient({ baseUrl: server.baseUrl, campaignId: 'glow-skin', storageKey, ...adapters, ...extra });
}

/** The member's state as the server stores it (GET /v1/me/export), fingerprints exact. */
async function serverState(storageKey) {
  const session = JSON.parse(env.wx.getStorageSync(`${storageKey}session`));
  const res = await adapters.request({
    url: `${server.baseUrl}/v1/me/export`,
    method: 'GET',
    headers: { authorization: `Bearer ${session.token}` },
  });
  assert.equal(res.status, 200, res.body);
  return withStringFingerprints(parseExact(res.body).state);
}

/** Answers every question the quiz asks with its first option (or the top of a scale). */
function answerQuiz(campaign) {
  const answers = {};
  for (let q = campaign.nextQuestion(answers); q; q = campaign.nextQuestion(answers)) {
    if (q.kind === 'scale') answers[q.id] = { scale: q.scale.max };
    else if (q.kind === 'multiple_choice') answers[q.id] = { choices: [q.options[0].id] };
    else answers[q.id] = { choice: q.options[0].id };
  }
  return answers;
}

test('offline actions, then a sync, converge with the server', async () => {
  const app = await client('a:');
  assert.equal(app.campaign.id, 'glow-skin');
  assert.equal(app.campaignDoc.name.en, 'Glow Skin Club');

  env.setOffline(true);
  const checkin = app.checkin();
  assert.equal(checkin.kind, 'checkin');
  app.submitQuiz(answerQuiz(app.campaign));
  const local = app.wallet();
  assert.equal(local.balance, 55, 'a first check-in (5) and the quiz (50), at once');
  assert.equal(app.calendar().checked_today, true);
  await assert.rejects(app.sync(), (error) => error.code === 'network');
  assert.equal(app.pending.length, 2, 'still waiting after a failed sync');

  env.setOffline(false);
  const outcome = await app.sync();
  assert.deepEqual(outcome.results.map((r) => r.status), ['accepted', 'accepted']);
  assert.equal(outcome.pending, 0);
  assert.deepEqual(outcome.conflicts, []);
  assert.deepEqual(app.pending, []);
  assert.match(app.session.member, /^device:/);
  // The same state on both sides, fingerprints and all.
  assert.deepEqual(app.state, await serverState('a:'));
  assert.equal(app.wallet().balance, local.balance);
  // Every request went through wx.request, keeping the answer as text.
  assert.ok(env.requests.length >= 4);
  assert.ok(env.requests.every((r) => r.url.startsWith(server.baseUrl)));
});

test('a restarted app resumes its outbox, session and cached campaign', async () => {
  const before = await client('a:');
  const session = before.session;
  const state = before.state;
  const sessionsOpened = env.requests.filter((r) => r.url.endsWith('/v1/sessions')).length;

  const app = await client('a:');
  assert.deepEqual(app.session, session, 'the saved session');
  assert.deepEqual(app.state, state, 'the saved state, before any sync');
  const campaignFetch = env.requests.filter((r) => r.url.endsWith('/v1/campaigns/glow-skin')).pop();
  assert.ok(campaignFetch.header['if-none-match'], 'the cached campaign is revalidated with its ETag');
  const pulled = await app.sync();
  assert.deepEqual(pulled.results, [], 'an empty batch is a pull');
  assert.deepEqual(app.state, state);
  assert.equal(
    env.requests.filter((r) => r.url.endsWith('/v1/sessions')).length,
    sessionsOpened,
    'no new session: the saved one is still valid',
  );
  // Offline, the cached campaign is enough to start.
  env.setOffline(true);
  const offline = await client('a:');
  assert.equal(offline.wallet().balance, 55);
  env.setOffline(false);
});

test('where the server refuses a claim, its word wins and the outbox moves on', async () => {
  // A phone whose clock is a day ahead checks in "tomorrow": fine locally, refused by the server.
  const app = await client('b:', { now: () => Date.now() + 86_400_000 });
  app.checkin();
  assert.equal(app.wallet().balance, 5);
  const outcome = await app.sync();
  assert.equal(outcome.results.length, 1);
  assert.equal(outcome.results[0].status, 'rejected');
  assert.equal(outcome.results[0].code, 'claimed_time_in_future');
  assert.equal(outcome.pending, 0);
  assert.equal(app.wallet().balance, 0);
  assert.deepEqual(app.state, await serverState('b:'));
});

test('an expired session is renewed with the device token, keeping the device', async () => {
  const first = await client('c:');
  first.checkin();
  await first.sync();
  const saved = JSON.parse(env.wx.getStorageSync('c:session'));
  env.wx.setStorageSync('c:session', JSON.stringify({ ...saved, expires_at: Date.now() - 1000 }));

  const app = await client('c:');
  const outcome = await app.sync();
  assert.deepEqual(outcome.results, []);
  const renewal = env.requests.filter((r) => r.url.endsWith('/v1/sessions')).pop();
  assert.equal(JSON.parse(renewal.data).device_token, saved.token, 'renewed with the old token');
  assert.equal(app.session.device, saved.device);
  assert.ok(app.session.expires_at > Date.now());
});

test('a member token binds the device; the brand\'s credit arrives; stock comes back', async () => {
  const app = await client('d:');
  env.setOffline(true);
  app.checkin();
  env.setOffline(false);
  const sent = env.requests.length;
  const outcome = await app.bindMember(memberToken(server.tenant, 'vip-1'));
  assert.equal(app.session.member, 'member:vip-1');
  assert.deepEqual(outcome.results.map((r) => r.status), ['accepted']);
  // The check-in went as the device, before it signed in.
  const calls = env.requests.slice(sent).map((r) => (r.url.endsWith('/v1/sync')
    ? `sync ${JSON.parse(r.data).ops.length}`
    : (JSON.parse(r.data).member_token ? 'sign in' : 'session')));
  assert.deepEqual(calls.filter((c) => c !== 'session'), ['sync 1', 'sign in', 'sync 0'], calls.join(', '));
  assert.equal(app.wallet().balance, 5);
  assert.deepEqual(app.state, await serverState('d:'));

  // The brand credits a purchase (100 points) from its back end; the next sync brings it.
  const credit = await adapters.request({
    url: `${server.baseUrl}/v1/admin/members/vip-1/points`,
    method: 'POST',
    headers: { authorization: `Bearer ${server.tenant.admin_key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'glow-skin', reference: 'order-1', amount_minor: 10000 }),
  });
  assert.equal(credit.status, 200, credit.body);
  await app.sync();
  assert.equal(app.wallet().balance, 105);

  env.setOffline(true);
  app.redeem('sample-serum');
  assert.equal(app.wallet().balance, 5);
  env.setOffline(false);
  const redeemed = await app.sync();
  assert.equal(redeemed.results[0].status, 'accepted');
  const serum = app.wallet().rewards.find((r) => r.reward === 'sample-serum');
  assert.equal(serum.stock_left, 499, 'the stock taken comes back with the sync');
  assert.equal(serum.member_left, 0);
  assert.deepEqual(app.state, await serverState('d:'));
});

test('a campaign the server does not have is a clear error', async () => {
  await assert.rejects(
    siyu.createClient({ baseUrl: server.baseUrl, campaignId: 'no-such-campaign', storageKey: 'e:', ...adapters }),
    (error) => error.status === 404 && typeof error.code === 'string' && /loading the campaign/.test(error.message),
  );
});

test('a refused member token is forgotten: bindMember rejects, and the device syncs on', async () => {
  const app = await client('f:');
  await app.sync();
  await assert.rejects(app.bindMember(undefined), (error) => error.code === 'invalid_input');
  await assert.rejects(
    app.bindMember(memberToken(server.tenant, 'vip-2', -60)),
    (error) => error.code === 'member_token_expired' && /signing in/.test(error.message),
  );
  app.checkin();
  const outcome = await app.sync();
  assert.deepEqual(outcome.results.map((r) => r.status), ['accepted']);
  assert.equal(outcome.pending, 0);
  assert.match(app.session.member, /^device:/);
});

test('an app restarted with a member token signs in, though its anonymous session is still valid', async () => {
  const anonymous = await client('g:');
  anonymous.checkin();
  await anonymous.sync();
  assert.match(anonymous.session.member, /^device:/);
  const signedIn = await client('g:', { memberToken: memberToken(server.tenant, 'vip-3') });
  await signedIn.sync();
  assert.equal(signedIn.session.member, 'member:vip-3');
  assert.equal(signedIn.wallet().balance, 5, 'the device\'s check-in came along');
});

test('an app restarted as another member switches before it sends what the new member did', async () => {
  const first = await client('h:', { memberToken: memberToken(server.tenant, 'vip-4') });
  await first.sync();
  assert.equal(first.session.member, 'member:vip-4');
  const second = await client('h:', { memberToken: memberToken(server.tenant, 'vip-5') });
  env.setOffline(true);
  second.checkin();
  env.setOffline(false);
  await second.sync();
  assert.equal(second.session.member, 'member:vip-5');
  assert.equal(Object.keys((await serverState('h:')).checkins.days).length, 1, 'the check-in is vip-5\'s');
  const back = await client('h:', { memberToken: memberToken(server.tenant, 'vip-4') });
  await back.sync();
  assert.equal(back.session.member, 'member:vip-4');
  assert.equal(back.wallet().balance, 0, 'nothing of it on vip-4');
});

test('a stored campaign or session that no longer reads is fetched or opened anew', async () => {
  env.wx.setStorageSync('k:campaign', '{"etag": "x", "body": ');
  env.wx.setStorageSync('k:session', 'not json');
  const app = await client('k:');
  app.checkin();
  const outcome = await app.sync();
  assert.deepEqual(outcome.results.map((r) => r.status), ['accepted']);
  assert.match(app.session.member, /^device:/);
});
