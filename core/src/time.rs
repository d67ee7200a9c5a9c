//! Instants, the campaign's local calendar day, and the zone rules that map one to the other.
//!
//! The core never reads a clock: every instant is an argument. A [`LocalDay`] is a day of the
//! campaign's own calendar (its IANA zone, daylight saving included), computed with the
//! [`ZoneRules`] that a published campaign carries. Carrying the transitions in the config is
//! what lets the browser build know a zone without shipping the whole tz database.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds in one second.
const MILLIS_PER_SECOND: i64 = 1_000;
/// Seconds in one (civil) day; local days are counted on the zone's wall clock.
pub const SECONDS_PER_DAY: i64 = 86_400;
/// The largest |UTC offset| a zone may have (tzdb's extremes are ±15:56).
pub const ZONE_OFFSET_SECONDS_MAX: i32 = 18 * 3_600;
/// How many transitions a campaign may carry for its zone.
pub const ZONE_TRANSITIONS_MAX: usize = 400;

/// An instant: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded towards the past).
    pub const fn as_seconds(self) -> i64 {
        self.0.div_euclid(MILLIS_PER_SECOND)
    }

    /// This instant moved by `seconds` (saturating at the ends of time).
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(
            self.0
                .saturating_add(seconds.saturating_mul(MILLIS_PER_SECOND)),
        )
    }

    /// This instant moved by whole days of 86,400 s (not calendar days).
    pub const fn plus_days(self, days: i64) -> Self {
        self.plus_seconds(days.saturating_mul(SECONDS_PER_DAY))
    }
}

/// A proleptic-Gregorian calendar date, written `YYYY-MM-DD` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of month, 1–31.
    pub day: u8,
}

/// Why a date string is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a date of the form YYYY-MM-DD")]
pub struct DateParseError {
    input: String,
}

impl CivilDate {
    /// A checked date.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && (0..=9_999).contains(&year))
        .then_some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<Self, DateParseError> {
        let error = || DateParseError {
            input: input.chars().take(40).collect(),
        };
        let bytes = input.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(error());
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = input.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        match (year, month, day) {
            (Some(y), Some(m), Some(d)) => Self::new(y as i32, m as u8, d as u8).ok_or_else(error),
            _ => Err(error()),
        }
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl CivilDate {
    /// `YYYY-MM-DD` in ASCII, for years 0–9999 (every date `new` and `parse` make).
    ///
    /// Dates are most of what a member's state writes (ledger days, expiries, the calendar):
    /// written digit by digit they skip the formatting machinery, which showed up in the
    /// endpoint's profile.
    fn to_ascii(self) -> Option<[u8; 10]> {
        let year = u32::try_from(self.year).ok().filter(|y| *y <= 9_999)?;
        let (month, day) = (u32::from(self.month), u32::from(self.day));
        if month > 99 || day > 99 {
            return None;
        }
        let digit = |n: u32| b'0' + (n % 10) as u8;
        Some([
            digit(year / 1_000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ])
    }
}

impl Serialize for CivilDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.to_ascii() {
            Some(ascii) => serializer.serialize_str(
                std::str::from_utf8(&ascii).unwrap_or_else(|_| unreachable!("ASCII")),
            ),
            None => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Reads the text where it lies (no copy into a `String` first).
        struct DateVisitor;
        impl serde::de::Visitor<'_> for DateVisitor {
            type Value = CivilDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date of the form YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<CivilDate, E> {
                CivilDate::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DateVisitor)
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A day of the campaign's local calendar, counted from 1970-01-01 (day 0).
///
/// Serialised as its date, `YYYY-MM-DD`, so that logs and exports read naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDay(pub i32);

impl LocalDay {
    /// The day of a calendar date (Howard Hinnant's `days_from_civil`).
    pub fn from_date(date: CivilDate) -> Self {
        let year = i64::from(date.year) - i64::from(date.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(date.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(date.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        Self((era * 146_097 + day_of_era - 719_468) as i32)
    }

    /// The calendar date of this day (Howard Hinnant's `civil_from_days`).
    pub fn date(self) -> CivilDate {
        let z = i64::from(self.0) + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
        CivilDate { year, month, day }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<Self, DateParseError> {
        CivilDate::parse(input).map(Self::from_date)
    }

    /// The day `days` later (earlier when negative).
    pub const fn plus(self, days: i32) -> Self {
        Self(self.0.saturating_add(days))
    }

    /// Days from `earlier` to `self`.
    pub const fn days_since(self, earlier: LocalDay) -> i32 {
        self.0 - earlier.0
    }

    /// The first day of this day's month.
    pub fn first_of_month(self) -> Self {
        let date = self.date();
        Self::from_date(CivilDate { day: 1, ..date })
    }

    /// The first day of the next month.
    pub fn first_of_next_month(self) -> Self {
        let date = self.date();
        let (year, month) = if date.month == 12 {
            (date.year + 1, 1)
        } else {
            (date.year, date.month + 1)
        };
        Self::from_date(CivilDate {
            year,
            month,
            day: 1,
        })
    }
}

impl fmt::Display for LocalDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.date().fmt(f)
    }
}

impl Serialize for LocalDay {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.date().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LocalDay {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        CivilDate::deserialize(deserializer).map(Self::from_date)
    }
}

/// One change of a zone's UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZoneTransition {
    /// The instant of the change, in seconds since the Unix epoch.
    pub at: i64,
    /// The offset from UTC in force from `at` on, in seconds.
    pub offset: i32,
}

/// A time zone's offsets over the years a campaign can live, small enough to ship in a
/// published campaign config.
///
/// `offset` before the first transition is `initial_offset`; after the last transition the
/// last offset holds (campaigns outlive a generated range only by design mistake: the range
/// is chosen when publishing and can be regenerated with every revision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ZoneRules {
    /// Offset from UTC, in seconds, before the first transition.
    pub initial_offset: i32,
    /// Transitions, strictly increasing by `at`.
    #[serde(default)]
    pub transitions: Vec<ZoneTransition>,
}

/// Why zone rules cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneRulesError {
    /// An offset beyond ±18 h.
    #[error("offset {0} s is beyond ±18 h")]
    OffsetOutOfRange(i32),
    /// Transitions not strictly increasing.
    #[error("transitions must be strictly increasing in time (index {0})")]
    TransitionsOutOfOrder(usize),
    /// More transitions than [`ZONE_TRANSITIONS_MAX`].
    #[error("{0} transitions exceed the maximum of {ZONE_TRANSITIONS_MAX}")]
    TooManyTransitions(usize),
    /// A zone name the tz database does not know.
    #[error("unknown IANA time zone \"{0}\"")]
    UnknownZone(String),
}

impl ZoneRules {
    /// A zone with one fixed offset, e.g. `Asia/Shanghai` since 1991 (UTC+8, no DST).
    pub const fn fixed(offset_seconds: i32) -> Self {
        Self {
            initial_offset: offset_seconds,
            transitions: Vec::new(),
        }
    }

    /// Checks the rules are usable: offsets in range, transitions ordered, bounded.
    pub fn check(&self) -> Result<(), ZoneRulesError> {
        if self.transitions.len() > ZONE_TRANSITIONS_MAX {
            return Err(ZoneRulesError::TooManyTransitions(self.transitions.len()));
        }
        let offsets =
            std::iter::once(self.initial_offset).chain(self.transitions.iter().map(|t| t.offset));
        if let Some(bad) = offsets
            .into_iter()
            .find(|o| o.unsigned_abs() > ZONE_OFFSET_SECONDS_MAX as u32)
        {
            return Err(ZoneRulesError::OffsetOutOfRange(bad));
        }
        if let Some(index) = self
            .transitions
            .windows(2)
            .position(|pair| pair[0].at >= pair[1].at)
        {
            return Err(ZoneRulesError::TransitionsOutOfOrder(index + 1));
        }
        Ok(())
    }

    /// The UTC offset in force at `instant`, in seconds.
    pub fn offset_at(&self, instant: Timestamp) -> i32 {
        let seconds = instant.as_seconds();
        // Number of transitions at or before `seconds`.
        let passed = self.transitions.partition_point(|t| t.at <= seconds);
        match passed {
            0 => self.initial_offset,
            n => self.transitions[n - 1].offset,
        }
    }

    /// The campaign-local calendar day that contains `instant`.
    pub fn local_day(&self, instant: Timestamp) -> LocalDay {
        let local_seconds = instant.as_seconds() + i64::from(self.offset_at(instant));
        LocalDay(local_seconds.div_euclid(SECONDS_PER_DAY) as i32)
    }

    /// The first instant of `day` in this zone (midnight, or the first existing instant when a
    /// transition skips midnight).
    pub fn start_of_day(&self, day: LocalDay) -> Timestamp {
        // Try the offsets in force around that day; the earliest instant whose local day is
        // `day` is the start. A day has at most a couple of offsets, so this stays tiny.
        let naive = i64::from(day.0) * SECONDS_PER_DAY;
        let guess = Timestamp::from_millis(
            (naive - i64::from(self.offset_at(Timestamp(naive * 1_000)))) * 1_000,
        );
        let mut start = guess;
        // Walk back while the previous hour is still the same local day; forward while the
        // guess is in the previous day. Offsets change by at most a few hours a day.
        for _ in 0..48 {
            let earlier = start.plus_seconds(-1_800);
            if self.local_day(earlier) == day {
                start = earlier
            } else {
                break;
            }
        }
        for _ in 0..48 {
            if self.local_day(start) < day {
                start = start.plus_seconds(1_800)
            } else {
                break;
            }
        }
        // Refine to the second with a binary search between a time in the previous day and start.
        let (mut low, mut high) = (start.as_seconds() - 1_800, start.as_seconds());
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if self.local_day(Timestamp(mid * 1_000)) >= day {
                high = mid
            } else {
                low = mid
            }
        }
        Timestamp(high * 1_000)
    }

    /// Rules for an IANA zone from the compiled-in tz database, covering the years
    /// `from_year..to_year` (plus the offset in force before).
    #[cfg(feature = "tzdb")]
    pub fn from_iana(name: &str, from_year: i16, to_year: i16) -> Result<Self, ZoneRulesError> {
        use jiff::civil::date;
        let unknown = || ZoneRulesError::UnknownZone(name.chars().take(64).collect());
        let zone = jiff::tz::TimeZone::get(name).map_err(|_| unknown())?;
        let start = date(from_year, 1, 1)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|_| unknown())?
            .timestamp();
        let end = date(to_year, 1, 1)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|_| unknown())?
            .timestamp();
        let initial_offset = zone.to_offset(start).seconds();
        let mut transitions = Vec::new();
        let mut last = initial_offset;
        for transition in zone.following(start) {
            if transition.timestamp() >= end {
                break;
            }
            let offset = transition.offset().seconds();
            // tzdb also records abbreviation-only changes; keep offset changes only.
            if offset != last {
                transitions.push(ZoneTransition {
                    at: transition.timestamp().as_second(),
                    offset,
                });
                last = offset;
            }
        }
        let rules = Self {
            initial_offset,
            transitions,
        };
        rules.check()?;
        Ok(rules)
    }
}
