// A WeChat-style mini-program, as closely as Node can stand in for one. No such runtime exists
// on these machines, so this removes what a mini-program lacks and adds what it has:
//
// - gone: fetch (and Request, Response, Headers), localStorage, TextEncoder, TextDecoder,
//   WebAssembly, URL: a mini-program has none of them (TextEncoder/TextDecoder only on some
//   base library versions);
// - added: WXWebAssembly, whose instantiate(path, imports) reads the .wasm from a file path
//   inside the mini-program package (never a URL, never bytes), as WeChat's does;
// - added: wx.request / wx.getStorageSync / wx.setStorageSync / wx.removeStorageSync, with
//   WeChat's calling conventions (callbacks, `header`, `statusCode`, `dataType: 'json'`
//   parsing the answer unless told otherwise, '' for a missing key), backed by real HTTP
//   (node:http) and an in-memory store.
//
// Import this module before the package: `await installWxEnv()` then `await import(...)`.

import { readFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, URL as NodeURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built package (`cargo xtask test` writes it). */
export const PKG_DIR = join(here, '..', 'pkg');
/** What a mini-program lacks. */
export const REMOVED_GLOBALS = [
  'fetch',
  'Request',
  'Response',
  'Headers',
  'localStorage',
  'TextEncoder',
  'TextDecoder',
  'WebAssembly',
  'URL',
  'URLSearchParams',
];

let installed = null;

/**
 * Turns this Node process into the stand-in. `packageRoot` maps the mini-program package's
 * folders to real ones; by default the package lives at `/siyu/` as README.md describes.
 * Returns the stand-in's handles: `wx`, its `storage` Map, `requests` (a log of every
 * wx.request) and `setOffline(bool)` to make wx.request fail as with no network.
 */
export function installWxEnv({ packageRoot = { '/siyu/': `${PKG_DIR}/` } } = {}) {
  if (installed) return installed;
  if (!existsSync(join(PKG_DIR, 'engine_bg.wasm'))) {
    throw new Error(`${PKG_DIR} is not built: run \`cargo xtask test\` (its "js package" step builds it)`);
  }
  const realWebAssembly = globalThis.WebAssembly;
  for (const name of REMOVED_GLOBALS) {
    delete globalThis[name];
    if (name in globalThis) throw new Error(`could not remove globalThis.${name}`);
  }

  globalThis.WXWebAssembly = Object.freeze({
    instantiate(path, imports) {
      if (typeof path !== 'string' || !path.startsWith('/') || !/\.wasm(\.br)?$/.test(path)) {
        return Promise.reject(new Error(`WXWebAssembly.instantiate: "${path}" is not a .wasm path inside the package`));
      }
      const prefix = Object.keys(packageRoot).find((p) => path.startsWith(p));
      if (!prefix) return Promise.reject(new Error(`WXWebAssembly.instantiate: no file at ${path}`));
      let bytes;
      try {
        bytes = readFileSync(packageRoot[prefix] + path.slice(prefix.length));
      } catch (error) {
        return Promise.reject(new Error(`WXWebAssembly.instantiate: no file at ${path}`));
      }
      return realWebAssembly.instantiate(bytes, imports).then(({ instance, module }) => ({ instance, module }));
    },
  });

  const storage = new Map();
  const requests = [];
  let offline = false;
  const wx = {
    request({ url, method = 'GET', header = {}, data, dataType = 'json', success, fail, complete }) {
      const done = (callback, value) => {
        if (callback) callback(value);
        if (complete) complete(value);
      };
      requests.push({ url, method, header, data });
      if (offline) {
        setTimeout(() => done(fail, { errMsg: 'request:fail offline' }), 0);
        return { abort() {} };
      }
      const target = new NodeURL(url);
      const body = data === undefined ? undefined : typeof data === 'string' ? data : JSON.stringify(data);
      const req = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method,
          headers: body === undefined ? header : { ...header, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = text;
            // WeChat parses the answer as JSON unless dataType says otherwise.
            if (dataType === 'json') {
              try {
                parsed = JSON.parse(text);
              } catch (_) {
                parsed = text;
              }
            }
            done(success, { data: parsed, statusCode: res.statusCode, header: res.headers });
          });
        },
      );
      req.on('error', (error) => done(fail, { errMsg: `request:fail ${error.message}` }));
      if (body !== undefined) req.write(body);
      req.end();
      return { abort: () => req.destroy() };
    },
    getStorageSync(key) {
      return storage.has(key) ? storage.get(key) : '';
    },
    setStorageSync(key, value) {
      // WeChat keeps what it is given (JSON-able values); strings stay strings.
      storage.set(key, typeof value === 'string' ? value : JSON.parse(JSON.stringify(value)));
    },
    removeStorageSync(key) {
      storage.delete(key);
    },
  };
  globalThis.wx = wx;
  installed = {
    wx,
    storage,
    requests,
    setOffline(value) {
      offline = value;
    },
  };
  return installed;
}

/** The package's entry, loaded the way a mini-program loads it (after installWxEnv()). */
export async function importPackage() {
  installWxEnv();
  const siyu = await import(join(PKG_DIR, 'siyu.js'));
  await siyu.initWx();
  return siyu;
}
