// Starts the real endpoint (`siyu-server`, built by `cargo xtask test`) on a fresh SQLite file
// for the tests that sync against it: creates the beauty brand's tenant, publishes its
// campaign, serves on 127.0.0.1 with a port the server picks, and stops it afterwards.

import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
/** The binary: `SIYU_SERVER_BIN` (xtask sets it), else the debug build. */
export const SERVER_BIN = process.env.SIYU_SERVER_BIN || join(repo, 'target', 'debug', 'siyu-server');
/** How long the server may take to print its address. */
const START_TIMEOUT_MS = 30_000;

function run(args) {
  try {
    return execFileSync(SERVER_BIN, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`\`siyu-server ${args.join(' ')}\` failed (${error.status}): ${error.stderr || error.message}`);
  }
}

/**
 * A running server with the beauty campaign (`glow-skin`) published for the tenant `glow`.
 * Resolves to `{ baseUrl, tenant, stop() }`; `tenant` is what `tenant create` printed
 * (`{tenant, admin_key, member_secret}`).
 */
export async function startServer() {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(
      `the server binary ${SERVER_BIN} does not exist: build it (\`cargo build -p siyu-server\`; \`cargo xtask test\` does)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'siyu-js-'));
  const db = `sqlite://${join(dir, 'siyu.db')}`;
  const tenant = JSON.parse(run(['tenant', 'create', 'glow', '--db', db]));
  if (typeof tenant.member_secret !== 'string' || typeof tenant.admin_key !== 'string') {
    throw new Error(`\`siyu-server tenant create\` printed no admin_key / member_secret: ${JSON.stringify(tenant)}`);
  }
  const published = JSON.parse(run(['campaign', 'publish', join(repo, 'campaigns', 'glow-skin.json'), '--db', db]));
  if (published.id !== 'glow-skin') throw new Error(`publish printed ${JSON.stringify(published)}`);

  const child = spawn(
    SERVER_BIN,
    ['serve', '--db', db, '--listen', '127.0.0.1:0', '--www', join(dir, 'no-site'), '--session-rate', '1000', '--sync-rate', '1000'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const baseUrl = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`siyu-server printed no "listening on" line in ${START_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`siyu-server exited (${code}) before listening:\n${stdout}\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    baseUrl,
    tenant,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A member token as a brand's back end signs it: an HS256 JWT with the tenant's secret. */
export function memberToken(tenant, member, expiresInSeconds = 3600) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const claims = encode({
    tenant: tenant.tenant,
    member,
    exp: Math.floor(Date.now() / 1000) + expiresInSeconds,
  });
  const signature = createHmac('sha256', tenant.member_secret).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

/** Parses JSON keeping integers of 16 digits or more (64-bit fingerprints) exact, as strings. */
export function parseExact(text) {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
}

/** A member state with every fingerprint as a decimal string (as the package gives them). */
export function withStringFingerprints(state) {
  const applied = {};
  for (const [op, fingerprint] of Object.entries(state.applied || {})) applied[op] = String(fingerprint);
  return { ...state, applied };
}
