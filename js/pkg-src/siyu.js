// siyu: Siyu's rules engine for mini-programs and apps. The rules are the same Rust core the
// server runs, compiled to wasm (engine_bg.wasm, glue in engine.js); this file loads it and
// adds the sync client. Nothing here assumes a browser: the host injects how to make an HTTP
// request, how to store a string and what time it is.

import initEngine, {
  initSync as initEngineSync,
  Campaign,
  Outbox,
  __wbg_get_imports as engineImports,
  __wbg_finalize_init as engineFinalize,
} from './engine.js';

export { Campaign, Outbox };

/** Where a brand's mini-program keeps the package (see README.md). */
export const WX_WASM_PATH = '/siyu/engine_bg.wasm';
/** A session is renewed this long before it expires. */
export const SESSION_RENEW_MARGIN_MS = 5 * 60 * 1000;
/** Batches one `sync()` sends at most (100 operations each). */
export const SYNC_ROUNDS_MAX = 20;

let ready = null;

function fail(code, message, extra) {
  const error = new Error(message);
  error.name = 'SiyuError';
  error.code = code;
  return Object.assign(error, extra);
}

function settle(promise) {
  ready = promise.then(
    () => undefined,
    (error) => {
      ready = null;
      throw error;
    },
  );
  return ready;
}

function wxRuntime() {
  return typeof WXWebAssembly === 'object' && WXWebAssembly !== null ? WXWebAssembly : undefined;
}

/**
 * Loads the engine. `source` is `{ wasm }` (or the wasm itself): its bytes, a
 * `WebAssembly.Module`, a `Response` or a promise of one. Without a source, in a mini-program
 * that has `WXWebAssembly`, it is `initWx()`. Resolves once; later calls return the same promise.
 */
export function init(source) {
  if (ready) return ready;
  if (source === undefined) {
    if (wxRuntime()) return initWx();
    return Promise.reject(
      fail('invalid_input', 'init() needs the wasm: init({ wasm: bytes | WebAssembly.Module | Response })'),
    );
  }
  const wasm = source !== null && typeof source === 'object' && 'wasm' in source ? source.wasm : source;
  return settle(initEngine({ module_or_path: wasm }));
}

/** Loads the engine synchronously from its bytes or a compiled `WebAssembly.Module`. */
export function initSync(source) {
  const wasm = source !== null && typeof source === 'object' && 'wasm' in source ? source.wasm : source;
  initEngineSync({ module: wasm });
  ready = Promise.resolve();
}

/**
 * Loads the engine in a WeChat-style mini-program: `WXWebAssembly.instantiate(path, imports)`
 * with the path of the .wasm inside the mini-program package (default `/siyu/engine_bg.wasm`).
 */
export function initWx(options = {}) {
  if (ready) return ready;
  const runtime = options.WXWebAssembly || wxRuntime();
  if (!runtime || typeof runtime.instantiate !== 'function') {
    return Promise.reject(
      fail('no_wasm_runtime', 'WXWebAssembly is not available here; use init({ wasm }) instead'),
    );
  }
  const path = options.path || WX_WASM_PATH;
  return settle(
    Promise.resolve(runtime.instantiate(path, engineImports())).then((loaded) => {
      // `{ instance, module }` as WebAssembly.instantiate gives, or the instance itself.
      const instance = loaded && loaded.instance ? loaded.instance : loaded;
      engineFinalize(instance, loaded && loaded.module);
    }),
  );
}

/** Loads a published campaign (object or JSON text); throws `invalid_campaign` with `.problems`. */
export function loadCampaign(doc) {
  return Campaign.load(doc);
}

/**
 * Adapters over the `wx` object of a WeChat-style mini-program: `wx.request` (answer kept as
 * text, so that nothing is lost to an early JSON.parse), `wx.getStorageSync` /
 * `wx.setStorageSync`, and `Date.now`.
 */
export function wxAdapters(wx) {
  return {
    request: ({ url, method, headers, body }) =>
      new Promise((resolve, reject) => {
        wx.request({
          url,
          method,
          header: headers,
          data: body,
          dataType: 'text',
          responseType: 'text',
          success: (res) =>
            resolve({
              status: res.statusCode,
              body: typeof res.data === 'string' ? res.data : JSON.stringify(res.data),
              headers: res.header,
            }),
          fail: (err) => reject(new Error((err && err.errMsg) || 'wx.request failed')),
        });
      }),
    storage: {
      getItem: (key) => {
        const value = wx.getStorageSync(key);
        return typeof value === 'string' && value !== '' ? value : null;
      },
      setItem: (key, value) => wx.setStorageSync(key, value),
    },
    now: () => Date.now(),
  };
}

function randomDevice() {
  let tag = '';
  while (tag.length < 16) tag += Math.random().toString(36).slice(2);
  return tag.slice(0, 16);
}

function checkHost(options) {
  const missing = [];
  if (!options || typeof options !== 'object') throw fail('invalid_input', 'createClient needs an options object');
  if (typeof options.request !== 'function') missing.push('request({url, method, headers, body}) → Promise<{status, body}>');
  const storage = options.storage;
  if (!storage || typeof storage.getItem !== 'function' || typeof storage.setItem !== 'function') {
    missing.push('storage: {getItem(key), setItem(key, value)}');
  }
  if (options.now !== undefined && typeof options.now !== 'function') missing.push('now(): number');
  if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
    missing.push('baseUrl: "https://…"');
  }
  if (missing.length) {
    throw fail('invalid_input', `createClient: the host must supply ${missing.join('; ')}`);
  }
}

/** Stored JSON text as a value, or null when there is none or it does not read. */
function readJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch (_) {
    return null;
  }
}

function httpError(res, what) {
  let code = 'http_error';
  let message = `${what}: the server answered ${res.status}`;
  try {
    const parsed = JSON.parse(res.body);
    if (parsed && parsed.error && typeof parsed.error.code === 'string') {
      code = parsed.error.code;
      message = `${what}: ${parsed.error.message || code} (${res.status})`;
    }
  } catch (_) {
    // Not our JSON error shape: keep the status.
  }
  return fail(code, message, { status: res.status });
}

/**
 * A member's client: the campaign, the outbox (persisted through `storage` after every change)
 * and the sync with the endpoint at `baseUrl`. See README.md for the options.
 */
export async function createClient(options) {
  checkHost(options);
  await init(options.wasm === undefined ? undefined : { wasm: options.wasm });
  const client = new Client(options);
  await client._open();
  return client;
}

export class Client {
  constructor(options) {
    this._request = options.request;
    this._storage = options.storage;
    this._now = options.now || (() => Date.now());
    this._baseUrl = options.baseUrl.replace(/\/+$/, '');
    this._options = options;
    this._memberToken = options.memberToken;
    this._syncing = null;
  }

  async _open() {
    const options = this._options;
    this.campaign = await this._loadCampaign(options);
    const prefix = options.storageKey || `siyu:${this.campaign.id}:`;
    this._keys = { outbox: `${prefix}outbox`, session: `${prefix}session` };
    const saved = this._storage.getItem(this._keys.outbox);
    this._outbox = Outbox.open(this.campaign, {
      device: options.device || randomDevice(),
      saved: saved || null,
      now: this._now(),
    });
    // A stored session that no longer reads is renewed as a new device (see `_loadCampaign`).
    const session = readJson(this._storage.getItem(this._keys.session));
    this._session = session && typeof session.token === 'string' ? session : null;
    this._save();
  }

  async _loadCampaign(options) {
    const given = options.campaign;
    if (given instanceof Campaign) {
      this.campaignDoc = given.toJSON();
      return given;
    }
    if (given !== undefined) {
      this.campaignDoc = typeof given === 'string' ? JSON.parse(given) : given;
      return Campaign.load(given);
    }
    const id = options.campaignId;
    if (typeof id !== 'string' || id === '') {
      throw fail('invalid_input', 'createClient needs `campaign` (a published campaign) or `campaignId`');
    }
    // The published campaign, cached for offline starts; revalidated with its ETag.
    const key = `${options.storageKey || `siyu:${id}:`}campaign`;
    // A cache that no longer reads (storage corrupted, or written by something else) is
    // ignored and fetched again, never a SyntaxError that stops every start.
    const cache = readJson(this._storage.getItem(key));
    let text = cache && cache.body;
    try {
      const headers = cache && cache.etag ? { 'if-none-match': cache.etag } : {};
      const res = await this._http('GET', `/v1/campaigns/${encodeURIComponent(id)}`, undefined, null, headers);
      if (res.status === 200) {
        text = res.body;
        const etag = res.headers ? res.headers.etag || res.headers.ETag || null : null;
        this._storage.setItem(key, JSON.stringify({ etag, body: text }));
      } else if (res.status !== 304 || !text) {
        throw httpError(res, 'loading the campaign');
      }
    } catch (error) {
      if (!text || error.code !== 'network') throw error;
    }
    this.campaignDoc = JSON.parse(text);
    return Campaign.load(text);
  }

  async _http(method, path, body, token, extraHeaders) {
    const headers = Object.assign({ accept: 'application/json' }, extraHeaders);
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res;
    try {
      res = await this._request({ url: this._baseUrl + path, method, headers, body });
    } catch (error) {
      throw fail('network', `${method} ${path}: ${error && error.message ? error.message : error}`, { cause: error });
    }
    if (!res || typeof res.status !== 'number' || typeof res.body !== 'string') {
      throw fail('invalid_response', `${method} ${path}: request() must resolve to {status: number, body: string}`);
    }
    return res;
  }

  _save() {
    this._storage.setItem(this._keys.outbox, this._outbox.save());
    this._storage.setItem(this._keys.session, this._session ? JSON.stringify(this._session) : '');
  }

  /** The local state: the server's last state with what is still pending applied on top. */
  get state() {
    return this._outbox.state;
  }

  /** Operations not yet answered by the server, oldest first. */
  get pending() {
    return this._outbox.pending;
  }

  /** Pending operations that no longer apply on the server's latest state. */
  get conflicts() {
    return this._outbox.conflicts;
  }

  /** The session: `{device, member, expires_at}` (no token), or null before the first sync. */
  get session() {
    const s = this._session;
    return s ? { device: s.device, member: s.member, expires_at: s.expires_at } : null;
  }

  /** The wallet as of now (with the stock of the last sync). */
  wallet() {
    return this._outbox.wallet(this._now());
  }

  /** The check-in calendar as of now (null when the campaign has no check-in). */
  calendar() {
    return this._outbox.calendar(this._now());
  }

  /** Applies an operation at once and queues it for the next sync; throws the rule it breaks. */
  record(op) {
    const applied = this._outbox.record(op, this._now());
    this._save();
    return applied;
  }

  checkin() {
    return this.record({ type: 'checkin' });
  }

  makeup(day) {
    return this.record({ type: 'makeup_checkin', day });
  }

  submitQuiz(answers) {
    return this.record({ type: 'submit_quiz', answers });
  }

  redeem(reward) {
    return this.record({ type: 'redeem', reward });
  }

  /**
   * Acts as the brand's member from now on (a member token the brand's back end signed), then
   * syncs: what is pending goes as the device first, since signing in counts as the device's
   * contact with the server, which takes no claim as the member from before it. A token the
   * server refuses is forgotten (the client goes on as it was) and the error thrown.
   */
  bindMember(memberToken) {
    if (typeof memberToken !== 'string' || memberToken === '') {
      return Promise.reject(fail('invalid_input', 'bindMember(memberToken): the member token (a JWT string) is required'));
    }
    this._memberToken = memberToken;
    return this.sync();
  }

  /** Whether the session is not yet signed in with the member token the app gave. */
  _mustSignIn() {
    return Boolean(this._memberToken) && (!this._session || this._session.memberToken !== this._memberToken);
  }

  /**
   * Pushes what is pending (oldest first, in batches) and takes the server's truth. Resolves
   * to `{results, conflicts, pending, state}`; throws `network`, an HTTP error's code, or
   * `invalid_response`, leaving the outbox as it was. One sync at a time: a call during a sync
   * gets that sync's promise.
   */
  sync() {
    if (!this._syncing) {
      this._syncing = this._sync().finally(() => {
        this._syncing = null;
      });
    }
    return this._syncing;
  }

  async _sync() {
    const results = [];
    let received = null;
    for (let round = 0; round < SYNC_ROUNDS_MAX; round++) {
      // What is pending from before the sign-in goes as the anonymous device it was made on;
      // the next round signs in. (A device signed in as another member switches first: what
      // is pending is the new member's.)
      const anonymous = !this._session || /^device:/.test(this._session.member);
      const asDevice = this._outbox.pendingCount > 0 && this._mustSignIn() && anonymous;
      let session = await this._renewSession(false, !asDevice);
      const body = this._outbox.nextBatch();
      let res = await this._http('POST', '/v1/sync', body, session.token);
      if (res.status === 401) {
        session = await this._renewSession(true, !asDevice);
        res = await this._http('POST', '/v1/sync', body, session.token);
      }
      if (res.status !== 200) throw httpError(res, 'sync');
      received = this._outbox.receive(res.body, this._now());
      this._save();
      results.push(...JSON.parse(res.body).results);
      if (asDevice) continue;
      if (this._outbox.pendingCount === 0 || received.answered.length === 0) break;
    }
    return {
      results,
      conflicts: received.conflicts,
      pending: received.pending,
      state: this._outbox.state,
    };
  }

  /**
   * A valid session (renewed when `force` or about to expire), signed in with the app's member
   * token when `signIn` and not yet. A renewal alone keeps the device's binding: the server
   * remembers it, and the member token is not sent again (it may have expired meanwhile).
   */
  async _renewSession(force, signIn = true) {
    const current = this._session;
    const signingIn = signIn && this._mustSignIn();
    if (!force && !signingIn && current && current.expires_at - SESSION_RENEW_MARGIN_MS > this._now()) {
      return current;
    }
    const body = { campaign: this.campaign.id };
    if (current && current.token) body.device_token = current.token;
    if (signingIn) body.member_token = this._memberToken;
    let res = await this._http('POST', '/v1/sessions', JSON.stringify(body), null);
    const memberTokenRefused = () => res.status === 401 && /member_token/.test(res.body || '');
    if ((res.status === 401 || res.status === 403) && body.device_token && !memberTokenRefused()) {
      // The old device is past renewal: start again as a new device, signed in as the old one
      // was.
      delete body.device_token;
      if (this._memberToken) body.member_token = this._memberToken;
      res = await this._http('POST', '/v1/sessions', JSON.stringify(body), null);
    }
    if (body.member_token && memberTokenRefused()) {
      // A refused member token is forgotten: the client goes on as the device (or member) it
      // was, and the caller hears why.
      this._memberToken = current ? current.memberToken : undefined;
      throw httpError(res, 'signing in');
    }
    if (res.status !== 201 && res.status !== 200) throw httpError(res, 'opening a session');
    let session;
    try {
      session = JSON.parse(res.body);
    } catch (_) {
      session = null;
    }
    if (!session || typeof session.token !== 'string' || typeof session.expires_at !== 'number') {
      throw fail('invalid_response', 'opening a session: the answer has no token and expires_at');
    }
    if (current && current.member !== session.member) this._outbox.forgetCursor();
    this._session = {
      token: session.token,
      expires_at: session.expires_at,
      device: session.device,
      member: session.member,
      // The member token this device signed in with (kept through renewals).
      memberToken: body.member_token || (current && current.memberToken),
    };
    this._save();
    return this._session;
  }
}
