// The object shapes that cross the engine's boundary. Wire shapes (campaign, operations,
// member state, sync) are the JSON of docs/http-api.md, snake_case; shapes that exist only in
// JavaScript (ApplyContext, QuizProgress, OutboxOptions) are camelCase. Emitted into the
// generated engine.d.ts by `#[wasm_bindgen(typescript_custom_section)]` in js/src/lib.rs.

/** A calendar day of the campaign's zone, `YYYY-MM-DD`. */
export type LocalDay = string;
/** Milliseconds since the Unix epoch. */
export type Millis = number;
/** Identifiers: 1–64 of `A–Z a–z 0–9 _ - . :`. */
export type Id = string;
/** Customer-facing text per locale. */
export type Text = { "zh-CN"?: string; en?: string };
export type Locale = "zh-CN" | "en";

// ---------------------------------------------------------------------------------------------
// The campaign document (core/src/campaign.rs)

export interface CampaignDoc {
  schema_version: number;
  id: Id;
  tenant: Id;
  revision: number;
  locales: Locale[];
  default_locale: Locale;
  name: Text;
  time_zone: string;
  zone_rules?: ZoneRules;
  starts_on: LocalDay;
  ends_on?: LocalDay;
  theme?: Theme;
  quiz?: Quiz;
  points?: PointsRules;
  checkin?: CheckinRules;
  rewards?: Reward[];
  tiers?: TierRules;
  badges?: Badge[];
  lifecycle?: LifecycleRules;
  offline?: OfflineRules;
}
export interface ZoneRules {
  initial_offset: number;
  transitions?: { at: number; offset: number }[];
}
export interface Theme {
  primary?: string;
  accent?: string;
  radius?: string;
  font?: string;
}
export interface Quiz {
  title: Text;
  dimensions: { id: Id; label: Text }[];
  questions: Question[];
  outcomes: Outcome[];
  fallback_outcome: Id;
  completion_points?: number;
  /** The tags the quiz gives, in the customer's words. */
  tag_labels?: { id: Id; label: Text }[];
}
export type QuestionKind = "single_choice" | "multiple_choice" | "image_choice" | "scale";
export interface Question {
  id: Id;
  kind: QuestionKind;
  prompt: Text;
  help?: Text;
  required?: boolean;
  show_if?: Condition;
  options?: AnswerOption[];
  max_choices?: number;
  scale?: Scale;
}
export interface AnswerOption {
  id: Id;
  label: Text;
  image?: string;
  scores?: { [dimension: string]: number };
  tags?: string[];
  show_if?: Condition;
}
export interface Scale {
  min: number;
  max: number;
  min_label: Text;
  max_label: Text;
  scores?: { [dimension: string]: number };
  tags?: { at_least: number; tag: string }[];
}
export type Condition =
  | { any_of: { question: Id; options: Id[] } }
  | { at_least: { question: Id; value: number } }
  | { at_most: { question: Id; value: number } }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };
export interface Outcome {
  id: Id;
  dimension: Id;
  title: Text;
  description: Text;
  plan?: Text[];
  tags?: string[];
  recommendations?: { name: Text; image: string; url: string }[];
  requires?: Condition;
  excludes?: Condition;
}
export interface PointsRules {
  purchase?: { points: number; per_minor_units: number; rounding?: "floor" | "half_up" };
  expiry?: Expiry;
}
export type Expiry =
  | { kind: "never" }
  | { kind: "after_days"; days: number }
  | { kind: "fixed_date"; month: number; day: number }
  | { kind: "inactivity"; days: number };
export interface CheckinRules {
  cycle: { kind: "days"; length: number } | { kind: "calendar_month" };
  daily: { base: number; step?: number; cap?: number };
  milestones?: Milestone[];
  makeup?: { window_days: number; cost: number; per_cycle_max: number; earns_daily?: boolean };
  freeze?: { per_cycle_max: number };
}
export interface Milestone {
  checkins: number;
  points?: number;
  gift?: Text;
}
export interface Reward {
  id: Id;
  name: Text;
  description?: Text;
  image?: string;
  cost: number;
  stock?: number;
  per_member_limit?: number;
}
export interface TierRules {
  window_days: number;
  levels: { id: Id; name: Text; min_earned: number }[];
}
export interface Badge {
  id: Id;
  name: Text;
  rule:
    | { kind: "first_checkin" }
    | { kind: "streak"; days: number }
    | { kind: "quiz_completed" }
    | { kind: "first_redemption" };
}
export interface LifecycleRules {
  new_days?: number;
  at_risk_days?: number;
  dormant_days?: number;
}
export interface OfflineRules {
  grace_hours?: number;
}

// ---------------------------------------------------------------------------------------------
// Operations and decisions (core/src/op.rs)

/** A fact, never an amount of points. `credit_purchase` and `adjust` are the brand's only. */
export type Op =
  | { type: "checkin" }
  | { type: "makeup_checkin"; day: LocalDay }
  | { type: "submit_quiz"; answers: Answers }
  | { type: "redeem"; reward: Id }
  | { type: "credit_purchase"; reference: Id; amount_minor: number }
  | { type: "adjust"; points: number; note: string };
export type OpKind = Op["type"];
export interface ClientOp {
  id: Id;
  /** When the device says it happened (judged, not trusted). */
  occurred_at: Millis;
  op: Op;
}
export type Actor = "customer" | "brand";
/** Units of each reward taken by all members, from the last sync. */
export type StockTaken = { [reward: string]: number };
export interface ApplyContext {
  /** The authority's clock: the device's for an optimistic apply. */
  now: Millis;
  /** Default "customer". */
  actor?: Actor;
  stockTaken?: StockTaken;
  /** When this device last reached the server; earlier claims are refused. */
  lastContact?: Millis;
}
export interface Applied {
  op: Id;
  kind: OpKind;
  /** A hash of the operation (53-bit; 64-bit for operations recorded before 2026-11-28), as a
   * decimal string. */
  fingerprint: string;
  at: Millis;
  day: LocalDay;
  revision: number;
  entries: EntryDraft[];
  events: Event[];
}
export type Event =
  | { event: "cycle_started"; cycle: CycleRecord }
  | { event: "checked_in"; day: LocalDay; mark: Mark; streak: number; points: number }
  | { event: "milestone_reached"; cycle_start: LocalDay; checkins: number; points: number; gift?: Text }
  | { event: "quiz_completed"; answers: Answers; result: QuizResult; points: number }
  | { event: "redeemed"; reward: Id; cost: number }
  | { event: "purchase_credited"; reference: Id; amount_minor: number; points: number }
  | { event: "adjusted"; points: number }
  | { event: "points_expired"; points: number }
  | { event: "badge_earned"; badge: Id };
/** The rule an operation breaks; `rule` is the error's `.code`. */
export type Rejection =
  | { rule: "already_applied"; op: Id }
  | { rule: "op_id_conflict"; op: Id }
  | { rule: "not_permitted"; what: string }
  | { rule: "claimed_time_in_future"; ahead_seconds: number }
  | { rule: "claimed_time_before_last_contact" }
  | { rule: "claimed_time_outside_grace"; grace_hours: number }
  | { rule: "campaign_not_running"; day: LocalDay }
  | { rule: "no_checkin" }
  | { rule: "already_checked_in_today"; day: LocalDay }
  | { rule: "makeup_not_offered" }
  | { rule: "makeup_for_today_or_future"; day: LocalDay }
  | { rule: "makeup_outside_window"; day: LocalDay; window_days: number }
  | { rule: "makeup_outside_cycle"; day: LocalDay }
  | { rule: "makeup_day_already_checked"; day: LocalDay }
  | { rule: "makeup_limit_reached"; per_cycle_max: number }
  | { rule: "insufficient_balance"; balance: number; needed: number }
  | { rule: "unknown_reward"; reward: Id }
  | { rule: "out_of_stock"; reward: Id }
  | { rule: "redemption_limit_reached"; reward: Id; limit: number }
  | { rule: "no_quiz" }
  | { rule: "quiz_already_completed" }
  | ({ rule: "invalid_answers" } & AnswerProblem)
  | { rule: "no_purchase_rate" }
  | { rule: "purchase_already_credited"; reference: Id }
  | { rule: "invalid_amount"; reason: string };

// ---------------------------------------------------------------------------------------------
// The quiz (core/src/quiz.rs)

export type Answer = { choice: Id } | { choices: Id[] } | { scale: number };
export type Answers = { [question: string]: Answer };
export type AnswerProblem =
  | { problem: "unknown_question"; question: Id }
  | { problem: "answered_hidden_question"; question: Id }
  | { problem: "missing_required"; question: Id }
  | { problem: "wrong_kind"; question: Id; expected: string }
  | { problem: "unknown_option"; question: Id; option: Id }
  | { problem: "choice_count"; question: Id; max: number }
  | { problem: "out_of_scale"; question: Id; value: number; min: number; max: number };
export interface QuizResult {
  outcome: Id;
  scores: { [dimension: string]: number };
  tags: string[];
}
export interface QuizProgress {
  answered: number;
  shown: number;
}

// ---------------------------------------------------------------------------------------------
// Member state (core/src/member.rs, ledger.rs, checkin.rs)

export interface MemberState {
  campaign: Id;
  member: Id;
  /** The ledger's entries, oldest first. */
  ledger: Entry[];
  checkins: CheckinState;
  quiz?: { answers: Answers; result: QuizResult; at: Millis; revision: number };
  redemptions: { op: Id; reward: Id; cost: number; at: Millis }[];
  badges: { [badge: string]: LocalDay };
  /** Applied operation ids and their fingerprints (53-bit, or 64-bit for operations recorded
   * before 2026-11-28; as decimal strings; "0" for those kept through an erasure). */
  applied: { [op: string]: string };
  /** Redemptions per reward the member made before erasing their data (per-person limits
   * still count them). */
  erased_redemptions?: { [reward: string]: number };
  first_active?: LocalDay;
  last_active?: LocalDay;
}
export type Movement =
  | { kind: "earn"; expires_on?: LocalDay }
  | { kind: "spend" }
  | { kind: "expire"; lot: number };
export type Reason =
  | { why: "checkin"; day: LocalDay }
  | { why: "makeup"; day: LocalDay }
  | { why: "milestone"; cycle_start: LocalDay; checkins: number }
  | { why: "quiz_completed" }
  | { why: "purchase"; reference: Id; amount_minor: number }
  | { why: "redemption"; reward: Id }
  | { why: "expired" }
  | { why: "inactive" }
  | { why: "correction"; note: string };
export interface EntryDraft {
  key: string;
  at: Millis;
  day: LocalDay;
  points: number;
  movement: Movement;
  reason: Reason;
}
export interface Entry extends EntryDraft {
  seq: number;
}
export type Mark = "done" | "made_up";
export interface CheckinState {
  days: { [day: string]: Mark };
  cycles: CycleRecord[];
  /** [cycle start, check-ins] of each milestone reached. */
  milestones: [LocalDay, number][];
}
export interface CycleRecord {
  start: LocalDay;
  end: LocalDay;
  revision: number;
  rules: CheckinRules;
}

// ---------------------------------------------------------------------------------------------
// Read models (core/src/view.rs, checkin.rs)

export type DayStatus = "done" | "made_up" | "frozen" | "missed" | "open" | "upcoming";
export interface MilestoneMark {
  checkins: number;
  points: number;
  gift?: Text;
  reached: boolean;
}
export interface Calendar {
  cycle_start: LocalDay;
  cycle_end: LocalDay;
  days: {
    day: LocalDay;
    status: DayStatus;
    today: boolean;
    can_make_up: boolean;
    milestone?: MilestoneMark;
  }[];
  checked_today: boolean;
  streak: number;
  longest_streak: number;
  checkins_in_cycle: number;
  next_milestone?: { checkins_left: number; milestone: MilestoneMark };
  points_today: number;
  makeups_left: number;
  makeup_cost: number;
  freezes_left: number;
}
export type Stage = "prospect" | "new" | "active" | "at_risk" | "dormant";
export interface Wallet {
  balance: number;
  earned: number;
  /** What expires when, soonest first (last day it can be spent). */
  expiring: { points: number; last_day: LocalDay }[];
  /** Newest first. */
  history: { day: LocalDay; at: Millis; points: number; reason: Reason }[];
  tier?: { tier: Id; earned_in_window: number; next?: [Id, number] };
  badges: Id[];
  tags: string[];
  stage: Stage;
  rewards: {
    reward: Id;
    cost: number;
    stock_left?: number;
    member_left?: number;
    affordable: boolean;
  }[];
}

// ---------------------------------------------------------------------------------------------
// Sync (core/src/protocol.rs, js/src/outbox.rs)

export interface SyncRequest {
  version: 1;
  campaign: Id;
  cursor?: number;
  ops: ClientOp[];
}
export type OpStatus =
  | { status: "accepted"; events: Event[]; points_delta: number }
  | { status: "duplicate"; original: OpStatus }
  | { status: "rejected"; code: string; message: string; rejection: Rejection };
export type OpResult = { id: Id } & OpStatus;
export interface Conflict {
  id: Id;
  code: string;
  message: string;
  rejection?: Rejection;
}
export interface Rebased {
  state: MemberState;
  pending: ClientOp[];
  conflicts: Conflict[];
}
export interface Received {
  /** The ids of the operations the server answered, in order (the answers are in its response). */
  answered: Id[];
  conflicts: Conflict[];
  pending: number;
}
export interface OutboxOptions {
  /** Makes op ids unique: `<device>-<n>`; 1–40 of `A–Z a–z 0–9 _ .`. */
  device: string;
  /** The member of a new outbox (default "local" until a session names one). */
  member?: Id;
  /** What `Outbox.save()` returned last time. */
  saved?: string | null;
  now: Millis;
}

/** Every error the engine throws. */
export interface SiyuError extends Error {
  name: "SiyuError";
  /** `invalid_input`, `invalid_campaign`, `invalid_state`, `invalid_answers`,
   * `invalid_response`, `invalid_saved_outbox`, `outbox_full`, `no_quiz`, or a rejection's
   * rule (`already_checked_in_today`, `insufficient_balance`, …). */
  code: string;
  /** With a rejection code: the rule and its details. */
  rejection?: Rejection;
  /** With `invalid_campaign`: every problem and where it is. */
  problems?: { path: string; message: string }[];
  /** With `invalid_answers`: which rule the answers break. */
  problem?: AnswerProblem;
}

/** `stockTaken` may be left out (no stock taken: the catalogue's own figures). */
export interface Campaign {
  wallet(state: MemberState, now: Millis): Wallet;
}
