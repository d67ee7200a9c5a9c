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
/**
 * The same server with a clock the tests can move forward (`server/examples/e2e_server.rs`,
 * built by `cargo test`): for a customer who checked in days ago. Only the tests that ask for
 * it run it; every other test runs `siyu-server` itself.
 */
export const CLOCK_SERVER = process.env.SIYU_CLOCK_SERVER || join(root, 'target/debug/examples/e2e_server');
export const WWW = process.env.SIYU_WWW || join(root, 'www/dist');
export const ARTIFACTS = process.env.SIYU_ARTIFACTS || join(root, 'target/artifacts/screenshots');

const BRANDS = { glow: 'campaigns/glow-skin.json', nest: 'campaigns/nest-room.json' };

/**
 * Starts a server; `stop()` ends it and removes its database. With `clock`, the server's time
 * can be moved forward (`advanceDays`).
 */
export async function startServer({ www = WWW, clock = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-e2e-'));
  const db = `sqlite://${join(dir, 'siyu.db')}`;
  const tenants = {};
  for (const [tenant, campaign] of Object.entries(BRANDS)) {
    tenants[tenant] = JSON.parse(execFileSync(SERVER, ['tenant', 'create', tenant, '--db', db], { encoding: 'utf8' }));
    execFileSync(SERVER, ['campaign', 'publish', join(root, campaign), '--db', db], { encoding: 'utf8' });
  }
  const child = spawn(clock ? CLOCK_SERVER : SERVER, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--www', www,
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
  return new Server(base, tenants, child, dir, clock);
}

/** An HS256 JWT, as a brand's back end signs member tokens. */
function jwt(claims, secret) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export class Server {
  constructor(base, tenants, child, dir, clock = false) {
    Object.assign(this, { base, tenants, child, dir, clock, aheadMs: 0 });
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

  /**
   * The server's time, in ms (ahead of `Date.now()` once a clock server was moved forward). A
   * page learns it from its first answer, as a phone with a wrong clock would.
   */
  async now() {
    if (!this.clock) return Date.now();
    return (await this.call('GET', '/test/clock')).now;
  }

  /** Moves a clock server's time forward by `days` (`startServer({ clock: true })`). */
  async advanceDays(days) {
    if (!this.clock) throw new Error('startServer({ clock: true }) to move the server\'s time');
    const { now } = await this.call('POST', '/test/clock', { body: { advance_seconds: days * 86_400 } });
    this.aheadMs += days * 86_400_000;
    return now;
  }

  /** A member token the brand's back end would sign, valid from the server's now. */
  memberToken(tenant, member, validSeconds = 3600) {
    const exp = Math.floor((Date.now() + this.aheadMs) / 1000) + validSeconds;
    return jwt({ tenant, member, exp }, this.tenants[tenant].member_secret);
  }

  session(campaign, { memberToken, deviceToken } = {}) {
    return this.call('POST', '/v1/sessions', {
      body: { campaign, ...(memberToken ? { member_token: memberToken } : {}), ...(deviceToken ? { device_token: deviceToken } : {}) },
    });
  }

  /**
   * A brand's member who checked in `days` days ago (at this time of day) and has done
   * nothing since: signs in and checks in now, then moves the clock server's time `days` days
   * forward. Resolves to a member token signed after that (for `Siyu.identify`), a session made
   * with it, and the check-in's result.
   */
  async memberCheckedInDaysAgo(tenant, campaign, member, days) {
    const then = await this.session(campaign, { memberToken: this.memberToken(tenant, member) });
    const op = { id: `api-${member}`, occurred_at: await this.now(), op: { type: 'checkin' } };
    const pushed = await this.sync(then.token, campaign, [op]);
    await this.advanceDays(days);
    const token = this.memberToken(tenant, member);
    const session = await this.session(campaign, { memberToken: token });
    return { token, session, result: pushed.results[0] };
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
