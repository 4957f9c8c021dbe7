//! Simulated time as integer milliseconds: instants on the clock and durations between them, kept apart.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Sub};

/// A point on the simulated clock: milliseconds since the start of the horizon.
///
/// Integer time keeps event ordering exact: no epsilon comparisons anywhere. An instant moves by a
/// [`Duration`]; two instants give a duration only through [`Instant::since`] (which says the order is
/// known) or [`Instant::saturating_since`] (which says "zero if not yet").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub u64);

/// A length of simulated time in milliseconds; never negative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Duration(pub u64);

pub const MS_PER_MIN: u64 = 60_000;
pub const MS_PER_HOUR: u64 = 60 * MS_PER_MIN;
pub const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

impl Instant {
    /// The start of the horizon.
    pub const START: Instant = Instant(0);
    /// Never: later than any instant a run reaches.
    pub const MAX: Instant = Instant(u64::MAX);

    /// The instant `offset` after the start of the horizon.
    pub const fn at(offset: Duration) -> Instant {
        Instant(offset.0)
    }
    /// Minutes since the start of the horizon.
    pub fn as_min(self) -> f64 {
        self.0 as f64 / MS_PER_MIN as f64
    }
    /// Hours since the start of the horizon.
    pub fn as_hours(self) -> f64 {
        self.0 as f64 / MS_PER_HOUR as f64
    }
    /// The time from `earlier` to this instant; `earlier` must not be later (checked in debug builds).
    pub fn since(self, earlier: Instant) -> Duration {
        debug_assert!(earlier <= self, "{earlier:?} is after {self:?}");
        Duration(self.0.saturating_sub(earlier.0))
    }
    /// The time from `earlier` to this instant, zero if `earlier` is later (lateness, time left).
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);
    pub const DAY: Duration = Duration(MS_PER_DAY);
    /// Forever: longer than any horizon.
    pub const MAX: Duration = Duration(u64::MAX);

    pub fn from_min(min: f64) -> Duration {
        Duration((min * MS_PER_MIN as f64).round().max(0.0) as u64)
    }
    pub fn from_hours(h: f64) -> Duration {
        Duration((h * MS_PER_HOUR as f64).round().max(0.0) as u64)
    }
    pub fn as_min(self) -> f64 {
        self.0 as f64 / MS_PER_MIN as f64
    }
    pub fn as_hours(self) -> f64 {
        self.0 as f64 / MS_PER_HOUR as f64
    }
    /// This duration times `factor` (rounded up); exactly itself for a factor of 1.
    pub fn scale(self, factor: f64) -> Duration {
        if factor == 1.0 { self } else { Duration((self.0 as f64 * factor).ceil() as u64) }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturating: an instant past the end of time is [`Instant::MAX`].
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_add(rhs.0))
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Saturating: nothing is before the start of the horizon.
    fn sub(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_sub(rhs.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Duration {
    type Output = Duration;
    /// Saturating: a duration is never negative.
    fn sub(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_sub(rhs.0))
    }
}

impl AddAssign for Duration {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

/// A daily window, e.g. dock opening hours, as offsets from midnight.
/// `open_ms == 0 && close_ms == MS_PER_DAY` means always open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyWindow {
    pub open_ms: u64,
    pub close_ms: u64,
}

impl DailyWindow {
    pub const ALWAYS: DailyWindow = DailyWindow { open_ms: 0, close_ms: MS_PER_DAY };

    pub fn is_always(&self) -> bool {
        self.open_ms == 0 && self.close_ms >= MS_PER_DAY
    }

    /// Whether `t` falls inside the window on its day. Windows that cross midnight
    /// (`open_ms > close_ms`, e.g. 22:00-06:00) are supported.
    pub fn contains(&self, t: Instant) -> bool {
        let tod = t.0 % MS_PER_DAY;
        if self.is_always() {
            true
        } else if self.open_ms <= self.close_ms {
            tod >= self.open_ms && tod < self.close_ms
        } else {
            tod >= self.open_ms || tod < self.close_ms
        }
    }

    /// The earliest time at or after `t` inside the window.
    pub fn next_open(&self, t: Instant) -> Instant {
        if self.contains(t) {
            return t;
        }
        let day = t.0 - t.0 % MS_PER_DAY;
        let tod = t.0 % MS_PER_DAY;
        if tod < self.open_ms { Instant(day + self.open_ms) } else { Instant(day + MS_PER_DAY + self.open_ms) }
    }

    /// The end of the open period containing `t` (`t` must be inside the window).
    pub fn closes_after(&self, t: Instant) -> Instant {
        if self.is_always() {
            return Instant::MAX;
        }
        let day = t.0 - t.0 % MS_PER_DAY;
        let tod = t.0 % MS_PER_DAY;
        if self.open_ms <= self.close_ms || tod < self.close_ms {
            Instant(day + self.close_ms)
        } else {
            Instant(day + MS_PER_DAY + self.close_ms)
        }
    }
}

impl std::fmt::Display for DailyWindow {
    /// `06:00-22:00`, or `always`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_always() {
            return f.write_str("always");
        }
        let hm = |ms: u64| (ms / MS_PER_HOUR, ms / MS_PER_MIN % 60);
        let ((oh, om), (ch, cm)) = (hm(self.open_ms), hm(self.close_ms));
        write!(f, "{oh:02}:{om:02}-{ch:02}:{cm:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_next_open_and_close() {
        let w = DailyWindow { open_ms: 6 * MS_PER_HOUR, close_ms: 22 * MS_PER_HOUR };
        assert_eq!(w.next_open(Instant(MS_PER_HOUR)), Instant(6 * MS_PER_HOUR));
        assert_eq!(w.next_open(Instant(7 * MS_PER_HOUR)), Instant(7 * MS_PER_HOUR));
        assert_eq!(w.next_open(Instant(23 * MS_PER_HOUR)), Instant(MS_PER_DAY + 6 * MS_PER_HOUR));
        assert_eq!(w.closes_after(Instant(7 * MS_PER_HOUR)), Instant(22 * MS_PER_HOUR));
        let night = DailyWindow { open_ms: 22 * MS_PER_HOUR, close_ms: 6 * MS_PER_HOUR };
        assert!(night.contains(Instant(23 * MS_PER_HOUR)));
        assert!(night.contains(Instant(MS_PER_HOUR)));
        assert!(!night.contains(Instant(12 * MS_PER_HOUR)));
        assert_eq!(night.closes_after(Instant(23 * MS_PER_HOUR)), Instant(MS_PER_DAY + 6 * MS_PER_HOUR));
        assert_eq!(DailyWindow::ALWAYS.closes_after(Instant(5)), Instant::MAX);
        assert_eq!((w.to_string(), DailyWindow::ALWAYS.to_string()), ("06:00-22:00".into(), "always".into()));
    }
}
