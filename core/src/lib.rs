//! Siyu's rules engine: campaign configs and their validation, quiz scoring, the points
//! ledger, check-in streaks, tiers, badges, lifecycle stages, and the sync protocol's types.
//!
//! **Architecture invariant:** this crate does no I/O: no clock, no randomness, no network, no
//! storage, no async. Time, ids and "today" are arguments. That is why it runs unchanged in the
//! browser (wasm32), in a mini-program and in the server, with the same results.
//!
//! The heart is [`op::decide`] / [`op::apply`]: `(campaign, member state, operation, context)
//! → Applied | Rejection`.
//!
//! ```
//! use siyu_core::{demo, op::{apply, Actor, ClientOp, Context, Op}, MemberState, Timestamp};
//! let campaign = demo::beauty();
//! let mut member = MemberState::new(campaign.id.clone(), "m-1".parse().unwrap());
//! let now = Timestamp::from_millis(1_796_000_000_000); // 2026-11-29, Shanghai
//! let op = ClientOp { id: "op-1".parse().unwrap(), occurred_at: now, op: Op::Checkin {} };
//! let applied = apply(&campaign, &mut member, &op, &Context::new(now, Actor::Customer)).unwrap();
//! assert!(applied.points_delta() > 0);
//! assert_eq!(member.ledger.balance() as i64, applied.points_delta());
//! ```

pub mod campaign;
pub mod checkin;
pub mod demo;
mod flat;
pub mod ids;
pub mod ledger;
pub mod locale;
pub mod member;
pub mod op;
#[cfg(feature = "openapi")]
mod openapi;
pub mod protocol;
pub mod quiz;
mod rendered;
mod sorted;
pub mod sorted_map;
pub mod standing;
pub mod time;
mod validate;
pub mod view;

pub use campaign::Campaign;
pub use member::MemberState;
pub use op::{apply, decide, Applied, ClientOp, Context, Op, Rejection};
pub use time::{LocalDay, Timestamp};
