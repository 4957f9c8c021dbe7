//! Simulated (or wall) time as integer milliseconds.

use serde::{Deserialize, Serialize};
use std::ops::{Add, Sub};

/// Milliseconds since the start of the horizon (or a duration in milliseconds).
///
/// Integer time keeps event ordering exact: no epsilon comparisons anywhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeMs(pub u64);

pub const MS_PER_MIN: u64 = 60_000;
pub const MS_PER_HOUR: u64 = 60 * MS_PER_MIN;
pub const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

impl TimeMs {
    pub const ZERO: TimeMs = TimeMs(0);
    pub const MAX: TimeMs = TimeMs(u64::MAX);

    pub fn from_min(min: f64) -> TimeMs {
        TimeMs((min * MS_PER_MIN as f64).round().max(0.0) as u64)
    }
    pub fn from_hours(h: f64) -> TimeMs {
        TimeMs((h * MS_PER_HOUR as f64).round().max(0.0) as u64)
    }
    pub fn as_min(self) -> f64 {
        self.0 as f64 / MS_PER_MIN as f64
    }
    pub fn as_hours(self) -> f64 {
        self.0 as f64 / MS_PER_HOUR as f64
    }
    /// This duration times `factor` (rounded up); exactly itself for a factor of 1.
    pub fn scale(self, factor: f64) -> TimeMs {
        if factor == 1.0 { self } else { TimeMs((self.0 as f64 * factor).ceil() as u64) }
    }

    pub fn saturating_sub(self, other: TimeMs) -> TimeMs {
        TimeMs(self.0.saturating_sub(other.0))
    }
}

impl Add for TimeMs {
    type Output = TimeMs;
    fn add(self, rhs: TimeMs) -> TimeMs {
        TimeMs(self.0.saturating_add(rhs.0))
    }
}

impl Sub for TimeMs {
    type Output = TimeMs;
    /// Saturating: a duration is never negative.
    fn sub(self, rhs: TimeMs) -> TimeMs {
        self.saturating_sub(rhs)
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
    pub fn contains(&self, t: TimeMs) -> bool {
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
    pub fn next_open(&self, t: TimeMs) -> TimeMs {
        if self.contains(t) {
            return t;
        }
        let day = t.0 - t.0 % MS_PER_DAY;
        let tod = t.0 % MS_PER_DAY;
        if tod < self.open_ms { TimeMs(day + self.open_ms) } else { TimeMs(day + MS_PER_DAY + self.open_ms) }
    }

    /// The end of the open period containing `t` (`t` must be inside the window).
    pub fn closes_after(&self, t: TimeMs) -> TimeMs {
        if self.is_always() {
            return TimeMs::MAX;
        }
        let day = t.0 - t.0 % MS_PER_DAY;
        let tod = t.0 % MS_PER_DAY;
        if self.open_ms <= self.close_ms || tod < self.close_ms {
            TimeMs(day + self.close_ms)
        } else {
            TimeMs(day + MS_PER_DAY + self.close_ms)
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
        assert_eq!(w.next_open(TimeMs(MS_PER_HOUR)), TimeMs(6 * MS_PER_HOUR));
        assert_eq!(w.next_open(TimeMs(7 * MS_PER_HOUR)), TimeMs(7 * MS_PER_HOUR));
        assert_eq!(w.next_open(TimeMs(23 * MS_PER_HOUR)), TimeMs(MS_PER_DAY + 6 * MS_PER_HOUR));
        assert_eq!(w.closes_after(TimeMs(7 * MS_PER_HOUR)), TimeMs(22 * MS_PER_HOUR));
        let night = DailyWindow { open_ms: 22 * MS_PER_HOUR, close_ms: 6 * MS_PER_HOUR };
        assert!(night.contains(TimeMs(23 * MS_PER_HOUR)));
        assert!(night.contains(TimeMs(MS_PER_HOUR)));
        assert!(!night.contains(TimeMs(12 * MS_PER_HOUR)));
        assert_eq!(night.closes_after(TimeMs(23 * MS_PER_HOUR)), TimeMs(MS_PER_DAY + 6 * MS_PER_HOUR));
        assert_eq!(DailyWindow::ALWAYS.closes_after(TimeMs(5)), TimeMs::MAX);
        assert_eq!((w.to_string(), DailyWindow::ALWAYS.to_string()), ("06:00-22:00".into(), "always".into()));
    }
}
