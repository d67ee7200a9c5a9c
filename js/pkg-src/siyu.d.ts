// Types of siyu.js, the package's entry. The engine's classes (Campaign, Outbox) and every
// object shape are declared in engine.d.ts, which wasm-bindgen generates from js/src/lib.rs
// and js/pkg-src/types.d.ts.

import { Campaign, Outbox } from './engine.js';
import type {
  Applied,
  Answers,
  Calendar,
  CampaignDoc,
  ClientOp,
  Conflict,
  LocalDay,
  MemberState,
  Millis,
  Op,
  OpResult,
  Wallet,
} from './engine.js';

export * from './engine.js';
export { Campaign, Outbox };

/** Where a brand's mini-program keeps the package's wasm: `/siyu/engine_bg.wasm`. */
export const WX_WASM_PATH: string;
/** A session is renewed this long before it expires (ms). */
export const SESSION_RENEW_MARGIN_MS: number;
/** Batches (of up to 100 operations) one `sync()` sends at most. */
export const SYNC_ROUNDS_MAX: number;

/** The wasm: its bytes, a compiled module, a fetch Response, or a promise of one. */
export type WasmSource =
  | BufferSource
  | WebAssembly.Module
  | Response
  | PromiseLike<Response>;

/** Loads the engine once; without a source, uses `WXWebAssembly` when the host has it. */
export function init(source?: { wasm: WasmSource } | WasmSource): Promise<void>;
/** Loads the engine synchronously from its bytes or a compiled module. */
export function initSync(source: { wasm: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): void;

/** The part of a WeChat-style `WXWebAssembly` the package uses. */
export interface WXWebAssemblyLike {
  instantiate(
    path: string,
    imports: object,
  ): PromiseLike<{ instance: { exports: object }; module?: unknown } | { exports: object }>;
}
/** Loads the engine through `WXWebAssembly.instantiate(path)` (default `/siyu/engine_bg.wasm`). */
export function initWx(options?: { path?: string; WXWebAssembly?: WXWebAssemblyLike }): Promise<void>;

/** `Campaign.load`: a published campaign, as an object or its JSON text. */
export function loadCampaign(doc: CampaignDoc | string): Campaign;

/** How the package makes an HTTP request (the host's own: `wx.request`, a native bridge …). */
export type HostRequest = (request: {
  url: string;
  method: 'GET' | 'POST' | 'DELETE';
  headers: { [name: string]: string };
  /** JSON text, or undefined for a GET. */
  body?: string;
}) => Promise<{
  status: number;
  /** The response's text, unparsed: fingerprints in it may be 64-bit (older operations). */
  body: string;
  headers?: { [name: string]: string };
}>;
/** How the package stores strings (`wx.setStorageSync`, AsyncStorage mirrored in memory …). */
export interface HostStorage {
  getItem(key: string): string | null | undefined;
  setItem(key: string, value: string): void;
}

/** The `wx` methods `wxAdapters` uses. */
export interface WxLike {
  request(options: {
    url: string;
    method: string;
    header: { [name: string]: string };
    data?: string;
    dataType: string;
    responseType: string;
    success(res: { statusCode: number; data: unknown; header: { [name: string]: string } }): void;
    fail(err: { errMsg: string }): void;
  }): unknown;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: string): void;
}
/** `request`, `storage` and `now` over a WeChat-style `wx`. */
export function wxAdapters(wx: WxLike): { request: HostRequest; storage: HostStorage; now: () => Millis };

export interface ClientOptions {
  /** The endpoint, e.g. `https://siyu.brand.example` (no trailing `/v1`). */
  baseUrl: string;
  request: HostRequest;
  storage: HostStorage;
  /** The device's clock (default `Date.now`). */
  now?: () => Millis;
  /** The published campaign; or give `campaignId` to fetch (and cache) it. */
  campaign?: Campaign | CampaignDoc | string;
  campaignId?: string;
  /** A member token the brand's back end signed, to act as the brand's member. */
  memberToken?: string;
  /** Prefix of the storage keys (default `siyu:<campaign id>:`). */
  storageKey?: string;
  /** This device's tag in operation ids (default: random, kept in the saved outbox). */
  device?: string;
  /** The wasm, when `init` has not been called (and there is no WXWebAssembly). */
  wasm?: WasmSource;
}

export interface SyncOutcome {
  /** The server's answer for each operation sent, in order. */
  results: OpResult[];
  /** Pending operations that no longer apply on the server's state. */
  conflicts: Conflict[];
  /** Operations still pending. */
  pending: number;
  /** The local state after the sync. */
  state: MemberState;
}

export interface SessionInfo {
  device: string;
  member: string;
  expires_at: Millis;
}

/** Loads the engine and the campaign, restores the outbox, and returns the member's client. */
export function createClient(options: ClientOptions): Promise<Client>;

export class Client {
  private constructor();
  readonly campaign: Campaign;
  /** The campaign document (names, rewards, quiz texts for the UI). */
  readonly campaignDoc: CampaignDoc;
  readonly state: MemberState;
  readonly pending: ClientOp[];
  readonly conflicts: Conflict[];
  readonly session: SessionInfo | null;
  wallet(): Wallet;
  calendar(): Calendar | null;
  record(op: Op): Applied;
  checkin(): Applied;
  makeup(day: LocalDay): Applied;
  submitQuiz(answers: Answers): Applied;
  redeem(reward: string): Applied;
  bindMember(memberToken: string): Promise<SyncOutcome>;
  sync(): Promise<SyncOutcome>;
}
