// A real siyu-server for the end-to-end tests: a fresh SQLite file, the two demo brands with
// their published campaigns, the built site at /. Typed helpers talk to its HTTP API.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..', '..');
export const SERVER = process.env.SIYU_SERVER || join(root, 'target/debug/siyu-server');
export const WWW = process.env.SIYU_WWW || join(root, 'www/dist');
export const ARTIFACTS = process.env.SIYU_ARTIFACTS || join(root, 'target/artifacts/screenshots');

const BRANDS = { glow: 'campaigns/glow-skin.json', nest: 'campaigns/nest-room.json' };

/** Starts a server; `stop()` ends it and removes its database. */
export async function startServer({ www = WWW } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-e2e-'));
  const db = `sqlite://${join(dir, 'siyu.db')}`;
  const tenants = {};
  for (const [tenant, campaign] of Object.entries(BRANDS)) {
    tenants[tenant] = JSON.parse(execFileSync(SERVER, ['tenant', 'create', tenant, '--db', db], { encoding: 'utf8' }));
    execFileSync(SERVER, ['campaign', 'publish', join(root, campaign), '--db', db], { encoding: 'utf8' });
  }
  const child = spawn(SERVER, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--www', www,
    // The tests make many sessions and syncs from one address in little time.
    '--sync-rate', '1000', '--session-rate', '1000'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } });
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`siyu-server exited (${code}) before listening`)));
    lines.once('line', (line) => {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      match ? ok(match[1]) : fail(new Error(`unexpected first line: ${line}`));
    });
  });
  lines.on('line', () => {});
  return new Server(base, tenants, child, dir);
}

/** An HS256 JWT, as a brand's back end signs member tokens. */
function jwt(claims, secret) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export class Server {
  constructor(base, tenants, child, dir) {
    Object.assign(this, { base, tenants, child, dir });
  }

  async stop() {
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.kill('SIGTERM');
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }

  async call(method, path, { token, body } = {}) {
    const response = await fetch(this.base + path, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return json;
  }

  /** A member token the brand's back end would sign. */
  memberToken(tenant, member, validSeconds = 3600) {
    const exp = Math.floor(Date.now() / 1000) + validSeconds;
    return jwt({ tenant, member, exp }, this.tenants[tenant].member_secret);
  }

  session(campaign, { memberToken, deviceToken } = {}) {
    return this.call('POST', '/v1/sessions', {
      body: { campaign, ...(memberToken ? { member_token: memberToken } : {}), ...(deviceToken ? { device_token: deviceToken } : {}) },
    });
  }

  /**
   * A member whose check-in at `at` (in the past) reached the server, as from a phone that was
   * offline then and signed in afterwards: sent by an anonymous device, which is then bound to
   * the member. (A device signed in as the member claims no time before it signed in.)
   * Resolves to the member's session and the check-in's result.
   */
  async memberCheckedInAt(campaign, memberToken, at, id) {
    const device = await this.session(campaign);
    const pushed = await this.sync(device.token, campaign, [{ id, occurred_at: at, op: { type: 'checkin' } }]);
    const session = await this.session(campaign, { memberToken, deviceToken: device.token });
    return { session, result: pushed.results[0] };
  }

  /** Runs `siyu-server <args> --db <this server's database>` (it reaches the running server). */
  cli(...args) {
    return execFileSync(SERVER, [...args, '--db', `sqlite://${join(this.dir, 'siyu.db')}`], { encoding: 'utf8' });
  }

  sync(token, campaign, ops = []) {
    return this.call('POST', '/v1/sync', { token, body: { version: 1, campaign, ops } });
  }

  /** Everything the server holds about the session's member. */
  exportMe(token) {
    return this.call('GET', '/v1/me/export', { token });
  }

  credit(tenant, member, campaign, reference, amountMinor) {
    return this.call('POST', `/v1/admin/members/${member}/points`, {
      token: this.tenants[tenant].admin_key,
      body: { campaign, reference, amount_minor: amountMinor },
    });
  }
}

/** The balance a state's ledger adds up to. */
export function balance(state) {
  return state.ledger.reduce((sum, e) => sum + (e.movement.kind === 'earn' ? e.points : -e.points), 0);
}
