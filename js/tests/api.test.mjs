// The engine's API through the package, in the WeChat stand-in: the quiz walk, apply and
// decide, rebase, the calendar and wallet read models, and the outbox.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { URL } from 'node:url';

import { importPackage, installWxEnv, REMOVED_GLOBALS } from './wx-env.mjs';

const campaignText = readFileSync(new URL('../../campaigns/glow-skin.json', import.meta.url), 'utf8');
const siyu = await importPackage();
const { Campaign, Outbox } = siyu;
const campaign = siyu.loadCampaign(campaignText);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 2); // 2026-11-29 10:00 in Shanghai

test('the stand-in has no browser globals, and the package loaded through WXWebAssembly', async () => {
  for (const name of REMOVED_GLOBALS) assert.equal(typeof globalThis[name], 'undefined', name);
  assert.equal(typeof globalThis.WXWebAssembly.instantiate, 'function');
  // Loading twice is one load.
  await siyu.initWx();
  await siyu.init();
  assert.equal(campaign.id, 'glow-skin');
  assert.equal(campaign.revision, 1);
  // The document as the engine reads it (defaults filled in), loadable again.
  const doc = campaign.toJSON();
  assert.equal(doc.name.en, JSON.parse(campaignText).name.en);
  assert.deepEqual(Campaign.load(doc).toJSON(), doc);
});

test('WXWebAssembly reads the wasm from a path inside the package, nothing else', async () => {
  const { WXWebAssembly } = globalThis;
  await assert.rejects(WXWebAssembly.instantiate('https://cdn.example/engine_bg.wasm', {}), /not a \.wasm path/);
  await assert.rejects(WXWebAssembly.instantiate('/elsewhere/engine_bg.wasm', {}), /no file/);
  assert.equal(installWxEnv(), installWxEnv(), 'installed once');
});

test('the quiz: next question, progress, pruning, checking and scoring', () => {
  const answers = {};
  const asked = [];
  for (let question = campaign.nextQuestion(answers); question; question = campaign.nextQuestion(answers)) {
    asked.push(question.id);
    const progress = campaign.progress(answers);
    assert.equal(progress.answered, asked.length - 1);
    assert.ok(progress.shown >= asked.length);
    if (question.kind === 'scale') answers[question.id] = { scale: question.scale.max };
    else if (question.kind === 'multiple_choice') answers[question.id] = { choices: [question.options[0].id] };
    else answers[question.id] = { choice: question.options[0].id };
  }
  assert.ok(asked.length >= 5, `asked ${asked.join(', ')}`);
  assert.equal(campaign.checkAnswers(answers), undefined);
  const result = campaign.scoreQuiz(answers);
  assert.equal(typeof result.outcome, 'string');
  assert.ok(result.tags.length > 0);
  assert.deepEqual(campaign.pruneAnswers(answers), answers, 'nothing hidden to prune');
  const { result: applied, state } = campaign.apply(
    campaign.newMember('m-1'),
    { id: 'quiz-1', occurred_at: NOW, op: { type: 'submit_quiz', answers } },
    { now: NOW },
  );
  assert.equal(applied.kind, 'submit_quiz');
  assert.deepEqual(state.quiz.result, result);
  assert.match(applied.fingerprint, /^\d+$/);
});

test('apply returns a new state and leaves its argument alone; decide only decides', () => {
  const before = campaign.newMember('m-1');
  const copy = structuredClone(before);
  const op = { id: 'c-1', occurred_at: NOW, op: { type: 'checkin' } };
  const decided = campaign.decide(before, op, { now: NOW });
  const { result, state } = campaign.apply(before, op, { now: NOW });
  assert.deepEqual(before, copy);
  assert.deepEqual(decided, result);
  assert.deepEqual(result.events.map((e) => e.event), ['cycle_started', 'checked_in', 'badge_earned']);
  assert.equal(state.ledger.length, 1);
  assert.equal(state.applied['c-1'], result.fingerprint);
});

test('rebase drops what the server applied and re-applies the rest', () => {
  const server = campaign.apply(campaign.newMember('m-1'), { id: 'a', occurred_at: NOW, op: { type: 'checkin' } }, { now: NOW }).state;
  const pending = [
    { id: 'a', occurred_at: NOW, op: { type: 'checkin' } },
    { id: 'b', occurred_at: NOW + DAY, op: { type: 'checkin' } },
    { id: 'c', occurred_at: NOW + DAY, op: { type: 'redeem', reward: 'sample-serum' } },
  ];
  const rebased = campaign.rebase(server, pending, { now: NOW + DAY });
  assert.deepEqual(rebased.pending.map((op) => op.id), ['b', 'c']);
  assert.deepEqual(rebased.conflicts.map((c) => [c.id, c.code]), [['c', 'insufficient_balance']]);
  assert.equal(rebased.conflicts[0].rejection.rule, 'insufficient_balance');
  assert.ok(rebased.state.applied.b && !rebased.state.applied.c);
});

test('the calendar and the wallet read the state as of a time', () => {
  let state = campaign.newMember('m-1');
  for (let day = 0; day < 7; day++) {
    if (day === 3) continue; // missed
    const at = NOW + day * DAY;
    state = campaign.apply(state, { id: `c-${day}`, occurred_at: at, op: { type: 'checkin' } }, { now: at }).state;
  }
  const later = NOW + 6 * DAY;
  const calendar = campaign.calendar(state, later);
  assert.equal(calendar.cycle_start, '2026-11-29');
  assert.deepEqual(calendar.days.map((d) => d.status), ['done', 'done', 'done', 'missed', 'done', 'done', 'done']);
  assert.equal(calendar.days[3].can_make_up, true);
  assert.equal(calendar.checked_today, true);
  const wallet = campaign.wallet(state, later, { 'sample-serum': 3 });
  assert.equal(wallet.balance, wallet.history.reduce((sum, line) => sum + line.points, 0));
  assert.deepEqual(wallet.history[wallet.history.length - 1].reason, { why: 'checkin', day: '2026-11-29' });
  assert.equal(wallet.expiring[0].last_day, '2027-11-29');
  assert.ok(wallet.rewards.some((r) => r.reward === 'sample-serum'));
  assert.equal(wallet.stage, 'new');
  // A year later the lots have expired: the wallet says so without an operation.
  assert.equal(campaign.wallet(state, later + 400 * DAY).balance, 0);
});

test('the outbox applies at once, queues, batches, saves and restores', () => {
  const outbox = Outbox.open(campaign, { device: 'dev1', now: NOW });
  assert.equal(outbox.serverTime, undefined);
  const applied = outbox.record({ type: 'checkin' }, NOW);
  assert.equal(applied.op, 'dev1-1');
  outbox.record({ type: 'checkin' }, NOW + DAY);
  assert.equal(outbox.pendingCount, 2);
  assert.deepEqual(outbox.pending.map((op) => op.id), ['dev1-1', 'dev1-2']);
  assert.equal(outbox.state.member, 'local');
  const batch = JSON.parse(outbox.nextBatch());
  assert.deepEqual(Object.keys(batch).sort(), ['campaign', 'ops', 'version']);
  assert.equal(batch.ops.length, 2);
  const restored = Outbox.open(campaign, { device: 'ignored', now: NOW + DAY, saved: outbox.save() });
  assert.deepEqual(restored.state, outbox.state);
  assert.deepEqual(restored.pending, outbox.pending);
  assert.equal(restored.record({ type: 'checkin' }, NOW + 2 * DAY).op, 'dev1-3', 'ids go on from the saved counter');
  assert.equal(outbox.calendar(NOW + DAY).checkins_in_cycle, 2);
  assert.equal(outbox.wallet(NOW + DAY).balance, outbox.state.ledger.reduce((s, e) => s + e.points, 0));
  assert.deepEqual(outbox.stockTaken, {});
  assert.deepEqual(outbox.conflicts, []);
});

test('text crosses the polyfilled boundary intact', () => {
  // Chinese, emoji (surrogate pairs) and escapes, through JSON.stringify → wasm → JSON.parse.
  const note = '补签 🌸 "quoted" \\ \u0007 end';
  const state = campaign.apply(
    campaign.newMember('m-1'),
    { id: 'adj-1', occurred_at: NOW, op: { type: 'adjust', points: 10, note } },
    { now: NOW, actor: 'brand' },
  ).state;
  assert.equal(state.ledger[0].reason.note, note);
  assert.equal(campaign.toJSON().name['zh-CN'], '光研 · 肌肤测试与会员中心');
});
