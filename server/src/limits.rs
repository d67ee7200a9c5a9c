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

    /// Forgets devices and addresses whose allowance is full again. Without it every device
    /// ever seen keeps an entry: memory that only grows, and a slower map to look up.
    pub fn forget_idle(&self) {
        self.sync_per_device.retain_recent();
        self.sync_per_device.shrink_to_fit();
        self.sessions_per_address.retain_recent();
        self.sessions_per_address.shrink_to_fit();
    }

    /// Devices and addresses currently tracked.
    pub fn tracked(&self) -> usize {
        self.sync_per_device.len() + self.sessions_per_address.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(sync_per_device: u32, sessions_per_address: u32) -> RateLimits {
        RateLimits::new(RateLimitConfig {
            sync_per_device,
            sessions_per_address,
        })
    }

    #[test]
    fn idle_devices_are_forgotten_and_busy_ones_kept() {
        let limits = limits(1_000, 1);
        limits.check_sync("d-idle").expect("within the limit");
        limits
            .check_session(IpAddr::from([127, 0, 0, 1]))
            .expect("within the limit");
        assert_eq!(limits.tracked(), 2);
        // One sync at 1,000/s is paid back within a millisecond; one session at 1/s is not.
        std::thread::sleep(std::time::Duration::from_millis(20));
        limits.forget_idle();
        assert_eq!(
            limits.tracked(),
            1,
            "the idle device is forgotten, the address kept"
        );
    }

    #[test]
    fn a_device_over_its_limit_is_not_forgotten() {
        let limits = limits(1, 1);
        limits.check_sync("d-1").expect("1st");
        limits.check_sync("d-1").expect("2nd: the burst is 2");
        assert!(limits.check_sync("d-1").is_err(), "3rd is over the limit");
        limits.forget_idle();
        assert!(
            limits.check_sync("d-1").is_err(),
            "a device still over its limit is not forgotten"
        );
    }
}
