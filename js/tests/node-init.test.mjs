// Outside a mini-program (Node, a browser, a React Native or Electron app) the package loads
// from the wasm's bytes or a compiled module, and uses the host's own TextEncoder/TextDecoder.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const wasm = readFileSync(new URL('../pkg/engine_bg.wasm', import.meta.url));
const campaignText = readFileSync(new URL('../../campaigns/glow-skin.json', import.meta.url), 'utf8');

test('init() without the wasm, and without WXWebAssembly, says what it needs', async () => {
  const siyu = await import('../pkg/siyu.js');
  await assert.rejects(siyu.init(), (error) => error.code === 'invalid_input' && /needs the wasm/.test(error.message));
  await assert.rejects(siyu.initWx(), (error) => error.code === 'no_wasm_runtime');
});

test('init({ wasm }) loads the engine from its bytes, once', async () => {
  const siyu = await import('../pkg/siyu.js');
  await siyu.init({ wasm });
  await siyu.init({ wasm: new Uint8Array(0) });
  const campaign = siyu.loadCampaign(campaignText);
  const state = campaign.newMember('m-1');
  const now = Date.UTC(2026, 10, 29, 2);
  const { state: after } = campaign.apply(state, { id: 'a', occurred_at: now, op: { type: 'checkin' } }, { now });
  assert.equal(campaign.wallet(after, now).balance, 5);
});

test('the package declares its entry, types and files', () => {
  const manifest = JSON.parse(readFileSync(new URL('../pkg/package.json', import.meta.url), 'utf8'));
  assert.equal(manifest.name, 'siyu');
  assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
  assert.notEqual(manifest.version, '0.0.0');
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.exports['.'].types, './siyu.d.ts');
  for (const file of manifest.files) {
    assert.ok(readFileSync(new URL(`../pkg/${file}`, import.meta.url)).length > 0, file);
  }
});
