//! Rate limits: per device for syncs, per address for new sessions (where abuse would create
//! devices). Exceeding one answers 429 with `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// The limiters.
#[derive(Debug)]
pub struct RateLimits {
    sync_per_device: DefaultKeyedRateLimiter<String>,
    sessions_per_address: DefaultKeyedRateLimiter<IpAddr>,
}

/// Limits, per second, with a burst of twice the rate.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitConfig {
    /// Syncs per second per device.
    pub sync_per_device: u32,
    /// New sessions per second per address.
    pub sessions_per_address: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            sync_per_device: 20,
            sessions_per_address: 20,
        }
    }
}

fn quota(per_second: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).expect("at least 1");
    Quota::per_second(rate).allow_burst(rate.saturating_mul(NonZeroU32::new(2).expect("2")))
}

impl RateLimits {
    /// Limiters for a configuration.
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            sync_per_device: RateLimiter::keyed(quota(config.sync_per_device)),
            sessions_per_address: RateLimiter::keyed(quota(config.sessions_per_address)),
        }
    }

    /// Counts a sync by `device`.
    pub fn check_sync(&self, device: &str) -> Result<(), AppError> {
        self.sync_per_device
            .check_key(&device.to_owned())
            .map_err(|not_until| too_many(not_until.wait_time_from(DefaultClock::default().now())))
    }

    /// Counts a new session from `address`.
    pub fn check_session(&self, address: IpAddr) -> Result<(), AppError> {
        self.sessions_per_address
            .check_key(&address)
            .map_err(|not_until| too_many(not_until.wait_time_from(DefaultClock::default().now())))
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::new(RateLimitConfig::default())
    }
}

fn too_many(wait: std::time::Duration) -> AppError {
    AppError::TooManyRequests {
        retry_after_seconds: wait.as_secs().max(1),
    }
}
