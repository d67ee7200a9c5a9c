// The example mini-program (examples/mini-program) laid out as a brand ships it (the package
// copied to /siyu/ inside it), run in the WeChat stand-in against the real server: App(),
// Page(), getApp() and setData() as WeChat gives them, taps as method calls.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { installWxEnv, PKG_DIR } from './wx-env.mjs';
import { startServer } from './real-server.mjs';

const example = fileURLToPath(new URL('../../examples/mini-program/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'siyu-miniprogram-'));
cpSync(example, root, { recursive: true });
cpSync(PKG_DIR, join(root, 'siyu'), { recursive: true });
const env = installWxEnv({ packageRoot: { '/': `${root}/` } });

let app;
let pageDefinition;
globalThis.App = (definition) => {
  app = definition;
};
globalThis.getApp = () => app;
globalThis.Page = (definition) => {
  pageDefinition = definition;
};

/** A page instance as WeChat makes one: the definition's methods, its data, and setData. */
function openPage() {
  const page = { ...pageDefinition, data: structuredClone(pageDefinition.data) };
  page.setData = (patch) => Object.assign(page.data, patch);
  return page;
}

const tap = (dataset) => ({ currentTarget: { dataset } });
let server;

before(async () => {
  server = await startServer();
  await import(join(root, 'app.js'));
  app.globalData.baseUrl = server.baseUrl;
  await import(join(root, 'pages/checkin/index.js'));
});

after(async () => {
  if (server) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

test('the page loads, checks in, syncs and shows the wallet', async () => {
  const page = openPage();
  await page.onLoad();
  assert.equal(page.data.loading, false);
  assert.equal(page.data.message, '');
  assert.equal(page.data.calendar.checkedToday, false);
  assert.equal(page.data.calendar.pointsToday, 5);
  assert.equal(page.data.wallet.balance, 0);

  await page.onCheckin();
  assert.equal(page.data.message, '签到成功 +5 积分');
  assert.equal(page.data.pending, 0, 'synced');
  assert.equal(page.data.calendar.checkedToday, true);
  assert.equal(page.data.calendar.streak, 1);
  assert.equal(page.data.wallet.balance, 5);
  assert.match(page.data.wallet.history[0].text, /^签到 \d{4}-\d{2}-\d{2}$/);
  assert.match(page.data.wallet.expiring, /^5 积分将于 \d{4}-\d{2}-\d{2} 后过期$/);
  assert.deepEqual(
    page.data.wallet.rewards.map((r) => [r.name, r.affordable]),
    [
      ['精华小样（5ml）', false],
      ['补水面膜 3 片装', false],
      ['正装氨基酸洁面（120g）', false],
      ['门店 VIP 专属护理（60 分钟）', false],
    ],
  );

  await page.onCheckin();
  assert.equal(page.data.message, '今天已经签过到啦');
  env.setOffline(true);
  await page.onRedeem(tap({ reward: 'sample-serum' }));
  assert.equal(page.data.message, '积分不够');
  env.setOffline(false);
});

test('offline, a check-in shows at once and waits; the next sync sends it', async () => {
  // A second member's phone: a new app with its own storage.
  env.storage.clear();
  app.client = null;
  const page = openPage();
  env.setOffline(true);
  await page.onLoad();
  assert.match(page.data.message, /^加载失败/, 'the first start needs the network for the campaign');
  env.setOffline(false);
  await page.onLoad();
  env.setOffline(true);
  await page.onCheckin();
  assert.equal(page.data.message, '网络不可用，稍后自动同步');
  assert.equal(page.data.pending, 1);
  assert.equal(page.data.wallet.balance, 5);
  env.setOffline(false);
  await page.sync();
  assert.equal(page.data.pending, 0);
  assert.equal(page.data.wallet.balance, 5);
});

test('the WXML binds only what the page puts in its data', () => {
  const wxml = readFileSync(join(example, 'pages/checkin/index.wxml'), 'utf8');
  const page = openPage();
  const known = new Set([...Object.keys(page.data), 'item', 'index']);
  const roots = [...wxml.matchAll(/\{\{([^}]*)\}\}/g)]
    .flatMap((m) => m[1].match(/(?<![.'\w])[A-Za-z_]\w*/g) || []);
  for (const name of roots) assert.ok(known.has(name), `{{${name}}} is not in the page's data`);
  for (const handler of wxml.matchAll(/bindtap="(\w+)"/g)) {
    assert.equal(typeof pageDefinition[handler[1]], 'function', handler[1]);
  }
});
