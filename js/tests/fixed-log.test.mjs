// The fixed operation log of the core's determinism test (core/tests/fixed_log), replayed
// through the JavaScript API in the WeChat stand-in, gives exactly the state and outcomes the
// native engine committed.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { URL } from 'node:url';

import { importPackage } from './wx-env.mjs';

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');

/** Parses Rust's JSON of a member state keeping its 64-bit fingerprints exact (as strings,
 * which is how the package gives them). */
export function parseExact(text) {
  return JSON.parse(text.replace(/"([A-Za-z0-9_.:-]+)": (\d+)(,?)$/gm, (line, id, digits, comma) =>
    id.startsWith('op-') ? `"${id}": "${digits}"${comma}` : line,
  ));
}

/** `accepted:<points delta>` or the rejection code, as core/tests/fixed_log/mod.rs writes them. */
function delta(applied) {
  return applied.entries.reduce(
    (sum, entry) => sum + (entry.movement.kind === 'earn' ? entry.points : -entry.points),
    0,
  );
}

test('the fixed log replays to the committed state through the JS API', async () => {
  const { Campaign } = await importPackage();
  const campaign = Campaign.load(read('campaigns/glow-skin.json'));
  const log = JSON.parse(read('core/tests/fixed_log/log.json'));
  const expected = parseExact(read('core/tests/fixed_log/expected.json'));
  assert.ok(log.length > 500, `the whole log (${log.length} operations)`);

  let state = campaign.newMember('fixed-log-member');
  const stockTaken = {};
  const outcomes = [];
  for (const logged of log) {
    try {
      const applied = campaign.apply(state, logged.op, { now: logged.now, actor: logged.actor, stockTaken });
      state = applied.state;
      for (const event of applied.result.events) {
        if (event.event === 'redeemed') stockTaken[event.reward] = (stockTaken[event.reward] || 0) + 1;
      }
      outcomes.push(`accepted:${delta(applied.result)}`);
    } catch (error) {
      assert.equal(typeof error.code, 'string', `a coded error, not ${error}`);
      assert.equal(error.rejection.rule, error.code);
      outcomes.push(error.code);
    }
  }
  assert.deepEqual(outcomes, expected.outcomes);
  assert.deepEqual(state, expected.state);
  // Exact 64-bit fingerprints, not their nearest doubles.
  assert.equal(Object.keys(state.applied).length, Object.keys(expected.state.applied).length);
  for (const [op, fingerprint] of Object.entries(state.applied)) {
    assert.equal(fingerprint, expected.state.applied[op], op);
  }
});

test('the replayed state goes on working after a round trip through JSON text', async () => {
  const { Campaign } = await importPackage();
  const campaign = Campaign.load(JSON.parse(read('campaigns/glow-skin.json')));
  const expected = parseExact(read('core/tests/fixed_log/expected.json'));
  // What a host would do to store it: JSON.stringify / JSON.parse (fingerprints are strings).
  const restored = JSON.parse(JSON.stringify(expected.state));
  const now = Date.UTC(2027, 5, 10, 1); // 2027-06-10 09:00 in Shanghai, after the log
  const wallet = campaign.wallet(restored, now, {});
  assert.equal(typeof wallet.balance, 'number');
  const { result, state } = campaign.apply(
    restored,
    { id: 'after-log-1', occurred_at: now, op: { type: 'checkin' } },
    { now },
  );
  assert.equal(result.kind, 'checkin');
  assert.ok(state.applied['after-log-1']);
});
