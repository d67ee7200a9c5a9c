// Bad input is a thrown Error with a code and a clear message: never a wasm trap
// (`unreachable`), never a silent undefined. Run in the WeChat stand-in, so the errors' text
// also crosses the UTF-8 polyfill.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { URL } from 'node:url';

import { importPackage } from './wx-env.mjs';

const campaignText = readFileSync(new URL('../../campaigns/glow-skin.json', import.meta.url), 'utf8');
const { Campaign, Outbox } = await importPackage();
const campaign = Campaign.load(campaignText);
const NOW = Date.UTC(2026, 10, 29, 2); // 2026-11-29 10:00 in Shanghai
const checkin = (id, at = NOW) => ({ id, occurred_at: at, op: { type: 'checkin' } });
const fresh = () => campaign.newMember('m-1');

/** Runs `fn`, which must throw a SiyuError with `code` and a message matching `message`. */
function refuses(fn, code, message) {
  let thrown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error, `threw an Error (got ${thrown})`);
  assert.equal(thrown.name, 'SiyuError');
  assert.equal(thrown.code, code, thrown.message);
  if (message instanceof RegExp) assert.match(thrown.message, message);
  else assert.equal(thrown.message, message);
  return thrown;
}

test('a campaign that is not one is refused with every problem', () => {
  refuses(() => Campaign.load(42), 'invalid_input', 'campaign: must be a campaign object or its JSON text');
  refuses(() => Campaign.load(undefined), 'invalid_input', 'campaign: must be a campaign object or its JSON text');
  refuses(() => Campaign.load('{'), 'invalid_campaign', /^the campaign document is not valid: EOF/);
  refuses(() => Campaign.load({ id: 'x' }), 'invalid_campaign', /missing field `schema_version`/);
  // A wrong type in an object says what is wrong, without a position in text the host never saw.
  const wrongType = JSON.parse(campaignText);
  wrongType.checkin.daily.base = 'five';
  refuses(() => Campaign.load(wrongType), 'invalid_campaign',
    'the campaign document is not valid: invalid type: string "five", expected u64');
  refuses(() => Campaign.load(JSON.stringify(wrongType)), 'invalid_campaign', / at line 1 column \d+$/);
  const doc = JSON.parse(campaignText);
  doc.rewards[1].id = doc.rewards[0].id;
  doc.checkin.milestones[0].checkins = 99;
  const error = refuses(() => Campaign.load(doc), 'invalid_campaign', /^the campaign has 2 problem\(s\)/);
  assert.deepEqual(
    error.problems.map((p) => p.path),
    ['checkin.milestones[0].checkins', 'rewards[1].id'].sort(),
  );
});

test('operations of the wrong shape name the place of the problem', () => {
  const state = fresh();
  const ctx = { now: NOW };
  const op = (value) => () => campaign.apply(state, value, ctx);
  refuses(op(undefined), 'invalid_input', 'op: is required');
  // A field of another operation type is found once `op.op` is read whole, so the place is the
  // operation; a bad value inside it is named by its own path (core/src/op/read.rs).
  refuses(op({ id: 'a', occurred_at: NOW, op: { type: 'checkin', points: 500 } }), 'invalid_input',
    'op: unknown field `points`, there are no fields');
  refuses(op({ id: 'a', occurred_at: NOW, op: { type: 'teleport' } }), 'invalid_input',
    /^op\.op\.type: unknown variant `teleport`, expected one of `checkin`/);
  refuses(op({ id: 'a b', occurred_at: NOW, op: { type: 'checkin' } }), 'invalid_input',
    /^op\.id: an id may only contain letters/);
  refuses(op({ id: 'a', occurred_at: 'yesterday', op: { type: 'checkin' } }), 'invalid_input',
    'op.occurred_at: invalid type: string "yesterday", expected i64');
  refuses(op({ id: 'a', occurred_at: 1.5, op: { type: 'checkin' } }), 'invalid_input',
    /^op\.occurred_at: invalid type: floating point/);
  refuses(op({ id: 'a', op: { type: 'checkin' } }), 'invalid_input', 'op: missing field `occurred_at`');
  refuses(op({ id: 'a', occurred_at: NOW, op: { type: 'redeem', reward: 7 } }), 'invalid_input',
    'op.op.reward: invalid type: integer `7`, expected a string');
  refuses(op({ id: 'a', occurred_at: BigInt(NOW), op: { type: 'checkin' } }), 'invalid_input',
    /^op: cannot be written as JSON/);
  const cyclic = { id: 'a', occurred_at: NOW, op: { type: 'checkin' } };
  cyclic.self = cyclic;
  refuses(op(cyclic), 'invalid_input', /^op: cannot be written as JSON/);
  refuses(op(() => 1), 'invalid_input', /^op: must be a JSON value/);
});

test('contexts, times and states of the wrong shape are refused', () => {
  const state = fresh();
  refuses(() => campaign.apply(state, checkin('a'), undefined), 'invalid_input', 'ctx: is required');
  refuses(() => campaign.apply(state, checkin('a'), {}), 'invalid_input', 'ctx: missing field `now`');
  refuses(() => campaign.apply(state, checkin('a'), { now: NOW, clock: 1 }), 'invalid_input',
    /^ctx: unknown field `clock`/);
  refuses(() => campaign.apply(state, checkin('a'), { now: NOW, actor: 'admin' }), 'invalid_input',
    /^ctx\.actor: unknown variant `admin`/);
  for (const now of ['soon', Number.NaN, 1.5, Infinity, undefined]) {
    refuses(() => campaign.calendar(state, now), 'invalid_input', /^now: must be/);
    refuses(() => campaign.wallet(state, now), 'invalid_input', /^now: must be/);
  }
  refuses(() => campaign.wallet(42, NOW), 'invalid_input', /^state: invalid type: integer `42`/);
  refuses(() => campaign.wallet({ ...state, ledger: 'none' }, NOW), 'invalid_input', /^state\.ledger: invalid type/);
  refuses(() => campaign.wallet({ ...state, applied: { x: 'not-a-number' } }, NOW), 'invalid_input',
    /^state\.applied\.x: invalid type: string "not-a-number", expected u64/);
  const other = Campaign.load(readFileSync(new URL('../../campaigns/nest-room.json', import.meta.url), 'utf8'));
  refuses(() => campaign.wallet(other.newMember('m-1'), NOW), 'invalid_state',
    'state: it belongs to campaign "nest-room", not "glow-skin"');
  refuses(() => campaign.newMember('not an id'), 'invalid_input', /^member: an id may only contain/);
  refuses(() => campaign.wallet(state, NOW, { sample: -1 }), 'invalid_input', /^stockTaken\.sample: invalid value/);
});

test('refused operations throw their rule as the code, with its details', () => {
  const { state } = campaign.apply(fresh(), checkin('op-1'), { now: NOW });
  const again = refuses(() => campaign.apply(state, checkin('op-2'), { now: NOW }), 'already_checked_in_today',
    'already checked in on 2026-11-29');
  assert.deepEqual(again.rejection, { rule: 'already_checked_in_today', day: '2026-11-29' });
  refuses(() => campaign.apply(state, checkin('op-1'), { now: NOW }), 'already_applied', 'operation op-1 was already applied');
  refuses(
    () => campaign.apply(state, { id: 'op-3', occurred_at: NOW, op: { type: 'adjust', points: 100, note: 'gift' } }, { now: NOW }),
    'not_permitted',
    'not permitted: only the brand\'s back end may credit purchases or correct balances',
  );
  const broke = refuses(
    () => campaign.apply(state, { id: 'op-4', occurred_at: NOW, op: { type: 'redeem', reward: 'sample-serum' } }, { now: NOW }),
    'insufficient_balance',
    /^not enough points: 5 available/,
  );
  assert.equal(broke.rejection.balance, 5);
  refuses(() => campaign.apply(state, checkin('op-5', NOW + 86_400_000), { now: NOW }), 'claimed_time_in_future',
    'the operation claims a time 86400 s ahead of the server\'s clock');
});

test('quiz answers of the wrong shape are refused with the rule they break', () => {
  refuses(() => campaign.nextQuestion(5), 'invalid_input', /^answers: invalid type: integer `5`, expected a map/);
  refuses(() => campaign.progress({ q: { pick: 'a' } }), 'invalid_input',
    /^answers\.q: unknown field `pick`, expected one of `choice`, `choices`, `scale`/);
  refuses(() => campaign.progress({ q: {} }), 'invalid_input', /^answers\.q: an answer is an object with exactly one key/);
  const unknown = refuses(() => campaign.checkAnswers({ q9: { choice: 'a' } }), 'invalid_answers',
    'invalid answers: the quiz has no question "q9"');
  assert.deepEqual(unknown.problem, { problem: 'unknown_question', question: 'q9' });
  refuses(() => campaign.scoreQuiz({}), 'invalid_answers', 'invalid answers: question "after-cleanse" is required');
  refuses(() => campaign.scoreQuiz({ 'after-cleanse': { scale: 3 } }), 'invalid_answers',
    /^invalid answers: question "after-cleanse" takes one option/);
  const furniture = Campaign.load(readFileSync(new URL('../../campaigns/nest-room.json', import.meta.url), 'utf8'));
  assert.ok(furniture.nextQuestion({}), 'the furniture campaign has a quiz too');
});

test('a state that disagrees with itself is refused, not a trap', () => {
  const { state } = campaign.apply(fresh(), checkin('op-1'), { now: NOW });
  // The ledger says the day is paid, the check-ins say it is not: commit would panic.
  const forged = structuredClone(state);
  forged.checkins.days = {};
  forged.checkins.cycles = [];
  forged.checkins.milestones = [];
  refuses(() => campaign.apply(forged, checkin('op-2'), { now: NOW }), 'invalid_state',
    /^state: its ledger disagrees with its history \(entry "checkin:2026-11-29" is already booked\)/);
  const longCycle = structuredClone(state);
  longCycle.checkins.cycles[0].end = '2999-01-01';
  refuses(() => campaign.calendar(longCycle, NOW), 'invalid_state', /^state: checkins\.cycles\[0\] spans \d+ days/);
  refuses(() => campaign.wallet({ ...state, ledger: [{ ...state.ledger[0], seq: 3 }] }, NOW), 'invalid_input',
    'state.ledger: entry 0 has seq 3');
  // And the engine goes on working.
  assert.equal(campaign.apply(state, checkin('op-9', NOW + 86_400_000), { now: NOW + 86_400_000 }).result.kind, 'checkin');
});

test('the outbox refuses bad options, operations and server answers, and stays usable', () => {
  refuses(() => Outbox.open(campaign, { now: NOW }), 'invalid_input', 'options: missing field `device`');
  refuses(() => Outbox.open(campaign, { device: 'has-dash', now: NOW }), 'invalid_input', /^device: a device tag is/);
  refuses(() => Outbox.open(campaign, { device: 'd1', now: NOW, saved: '{"nope":1}' }), 'invalid_saved_outbox',
    /^the saved outbox cannot be read: saved outbox: unknown field `nope`/);
  const outbox = Outbox.open(campaign, { device: 'd1', now: NOW });
  refuses(() => outbox.record({ type: 'checkin', points: 1 }, NOW), 'invalid_input', 'op: unknown field `points`, there are no fields');
  refuses(() => outbox.record({ type: 'adjust', points: 1, note: 'x' }, NOW), 'not_permitted', /^not permitted/);
  outbox.record({ type: 'checkin' }, NOW);
  refuses(() => outbox.record({ type: 'checkin' }, NOW), 'already_checked_in_today', 'already checked in on 2026-11-29');
  refuses(() => outbox.receive('<html>502</html>', NOW), 'invalid_response', /^not a SyncResponse: sync answer: expected value/);
  refuses(() => outbox.receive({ version: 1 }, NOW), 'invalid_response', 'the sync answer must be the response\'s text');
  refuses(() => outbox.receive('{"version":2,"results":[],"state":null,"cursor":0,"server_time":0}', NOW), 'invalid_response',
    /^not a SyncResponse/);
  assert.equal(outbox.pendingCount, 1, 'refused answers change nothing');
  assert.equal(outbox.wallet(NOW).balance, 5);
});
