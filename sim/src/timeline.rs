//! The state of a replication through the day — the levels of its [`LiveState`]: open orders,
//! vehicles out, vehicles queuing at the doors, exceptions open — as time averages over
//! consecutive intervals, from the event log.
//!
//! The sampler is a [`LiveSink`]: it adds no events to the calendar, so a run with it logs the
//! same history (the same fingerprint) as a run without.

use policies::{MS_PER_MIN, TimeMs};

use crate::kernel::log::Record;
use crate::live::{Level, LiveSink, LiveState};

/// What is sampled, in [`Timeline::samples`] order: the names of the live state's [`Level`]s.
pub const SERIES: [&str; Level::ALL.len()] = Level::NAMES;

/// Sample `i` is the time average of each quantity over `[i step, (i + 1) step)` (the last
/// interval ends at the horizon), so the mean of the samples is the exact time average over the
/// horizon when `step` divides it — as the KPIs compute it.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub step: TimeMs,
    pub samples: Vec<[f64; SERIES.len()]>,
}

impl Timeline {
    /// The sampling step for a horizon: 15 minutes, longer for horizons over three days so that
    /// there are at most 289 samples.
    pub fn step_for(horizon: TimeMs) -> TimeMs {
        let minutes = (horizon.0.div_ceil(288 * MS_PER_MIN)).max(15);
        TimeMs(minutes * MS_PER_MIN)
    }
}

/// Consumes the log of one replication and produces its [`Timeline`].
pub struct TimelineSampler {
    horizon: TimeMs,
    /// The interval being averaged starts here; the state is integrated up to `last`.
    start: TimeMs,
    last: TimeMs,
    /// Integral of each quantity over `[start, last]`, in units x ms.
    area: [u128; SERIES.len()],
    timeline: Timeline,
}

impl TimelineSampler {
    /// A sampler for a run to `horizon`.
    pub fn new(horizon: TimeMs) -> Self {
        TimelineSampler {
            horizon,
            start: TimeMs::ZERO,
            last: TimeMs::ZERO,
            area: [0; SERIES.len()],
            timeline: Timeline { step: Timeline::step_for(horizon), samples: Vec::new() },
        }
    }

    /// Integrates the state, unchanged since `last`, up to `t`.
    fn integrate(&mut self, t: TimeMs, live: &LiveState) {
        let dt = (t - self.last).0 as u128;
        for (a, x) in self.area.iter_mut().zip(live.levels()) {
            *a += x as u128 * dt;
        }
        self.last = t;
    }

    /// Closes the intervals that end at or before `t` (and at or before the horizon).
    fn close_until(&mut self, t: TimeMs, live: &LiveState) {
        while self.start < self.horizon {
            let end = (self.start + self.timeline.step).min(self.horizon);
            if end > t {
                break;
            }
            self.integrate(end, live);
            let width = (end - self.start).0 as f64;
            self.timeline.samples.push(self.area.map(|a| a as f64 / width));
            (self.area, self.start) = ([0; SERIES.len()], end);
        }
    }

    /// The samples up to the horizon, where the log left the state at `live`.
    pub fn finish(mut self, live: &LiveState) -> Timeline {
        self.close_until(self.horizon, live);
        self.timeline
    }
}

impl LiveSink for TimelineSampler {
    fn record(&mut self, t: TimeMs, _: &Record, live: &LiveState) {
        self.close_until(t, live);
        self.integrate(t, live); // the state changes from `t` on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policies::{OrderId, SiteId, VehicleId};

    #[test]
    fn each_sample_is_the_time_average_over_its_interval() {
        let min = |m: f64| TimeMs::from_min(m);
        let (mut s, mut live) = (TimelineSampler::new(TimeMs::from_hours(1.0)), LiveState::new(2));
        let mut at = |t, r: &Record| crate::live::feed(&mut s, &mut live, t, r);
        let created = |o| Record::OrderCreated { order: OrderId(o), site: SiteId(0), size: 1, due: min(60.0) };
        let arrived = |v| Record::DockArrived { vehicle: VehicleId(v), site: SiteId(0) };
        at(min(0.0), &created(0));
        at(min(10.0), &created(1));
        at(min(15.0), &arrived(0)); // at an interval's start: counts in that interval
        at(min(20.0), &Record::LoadingStarted { vehicle: VehicleId(0), site: SiteId(0), waited: min(5.0) });
        at(min(42.0), &Record::OrderCancelled { order: OrderId(1) });
        at(min(42.0), &arrived(1));
        let t = s.finish(&live);
        assert_eq!(t.step, min(15.0));
        // open orders, vehicles busy, dock queue, exceptions open over [0,15), [15,30), [30,45), [45,60)
        let want = [
            [(10.0 + 2.0 * 5.0) / 15.0, 0.0, 0.0, 0.0],
            [2.0, 0.0, 5.0 / 15.0, 0.0],
            [(12.0 * 2.0 + 3.0) / 15.0, 0.0, 3.0 / 15.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
        ];
        assert_eq!(t.samples.len(), want.len());
        for (got, want) in t.samples.iter().zip(want) {
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{:?}", t.samples);
            }
        }
    }

    #[test]
    fn steps_are_quarter_hours_up_to_three_days() {
        assert_eq!(Timeline::step_for(TimeMs::from_hours(24.0)), TimeMs::from_min(15.0));
        assert_eq!(Timeline::step_for(TimeMs::from_hours(72.0)), TimeMs::from_min(15.0));
        assert_eq!(Timeline::step_for(TimeMs::from_hours(24.0 * 30.0)), TimeMs::from_min(150.0));
    }
}
