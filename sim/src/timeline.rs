//! The state of a replication through the day — the levels of its [`LiveState`]: open orders,
//! vehicles out, vehicles queuing at the doors, exceptions open — as time averages over
//! consecutive intervals, from the event log.
//!
//! The sampler is a [`LiveSink`]: it adds no events to the calendar, so a run with it logs the
//! same history (the same fingerprint) as a run without.

use policies::{Duration, Instant, MS_PER_MIN};

use crate::kernel::log::Record;
use crate::live::{Level, LiveSink, LiveState};

/// What is sampled, in [`Timeline::samples`] order: the names of the live state's [`Level`]s.
pub const SERIES: [&str; Level::ALL.len()] = Level::NAMES;

/// Sample `i` is the time average of each quantity over `[i step, (i + 1) step)` (the last
/// interval ends at the horizon), so the mean of the samples is the exact time average over the
/// horizon when `step` divides it — as the KPIs compute it.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub step: Duration,
    pub samples: Vec<[f64; SERIES.len()]>,
}

impl Timeline {
    /// The sampling step for a horizon: 15 minutes, longer for horizons over three days so that
    /// there are at most 289 samples.
    pub fn step_for(horizon: Instant) -> Duration {
        let minutes = (horizon.0.div_ceil(288 * MS_PER_MIN)).max(15);
        Duration(minutes * MS_PER_MIN)
    }
}

/// Consumes the log of one replication and produces its [`Timeline`].
pub struct TimelineSampler {
    horizon: Instant,
    /// The interval being averaged starts here; the state is integrated up to `last`.
    start: Instant,
    last: Instant,
    /// Integral of each quantity over `[start, last]`, in units x ms.
    area: [u128; SERIES.len()],
    timeline: Timeline,
}

impl TimelineSampler {
    /// A sampler for a run to `horizon`.
    pub fn new(horizon: Instant) -> Self {
        TimelineSampler {
            horizon,
            start: Instant::START,
            last: Instant::START,
            area: [0; SERIES.len()],
            timeline: Timeline { step: Timeline::step_for(horizon), samples: Vec::new() },
        }
    }

    /// Integrates the state, unchanged since `last`, up to `t`.
    fn integrate(&mut self, t: Instant, live: &LiveState) {
        let dt = t.since(self.last).0 as u128;
        for (a, x) in self.area.iter_mut().zip(live.levels()) {
            *a += x as u128 * dt;
        }
        self.last = t;
    }

    /// Closes the intervals that end at or before `t` (and at or before the horizon).
    fn close_until(&mut self, t: Instant, live: &LiveState) {
        while self.start < self.horizon {
            let end = (self.start + self.timeline.step).min(self.horizon);
            if end > t {
                break;
            }
            self.integrate(end, live);
            let width = end.since(self.start).0 as f64;
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
    fn record(&mut self, t: Instant, _: &Record, live: &LiveState) {
        self.close_until(t, live);
        self.integrate(t, live); // the state changes from `t` on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::log::TripId;
    use policies::{OrderId, SiteId, VehicleId};

    #[test]
    fn each_sample_is_the_time_average_over_its_interval() {
        let min = |m: f64| Duration::from_min(m);
        let (mut s, mut live) = (TimelineSampler::new(Instant::at(Duration::from_hours(1.0))), LiveState::new(2));
        let mut at = |m: f64, r: &Record| crate::live::feed(&mut s, &mut live, Instant::at(min(m)), r);
        let created =
            |o| Record::OrderCreated { order: OrderId(o), site: SiteId(0), size: 1, due: Instant::at(min(60.0)) };
        let arrived = |v| Record::DockArrived { trip: TripId(v), vehicle: VehicleId(v), site: SiteId(0) };
        at(0.0, &created(0));
        at(10.0, &created(1));
        at(15.0, &arrived(0)); // at an interval's start: counts in that interval
        at(
            20.0,
            &Record::LoadingStarted {
                trip: TripId(0),
                vehicle: VehicleId(0),
                site: SiteId(0),
                door: 0,
                waited: min(5.0),
            },
        );
        at(42.0, &Record::OrderCancelled { order: OrderId(1) });
        at(42.0, &arrived(1));
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
        assert_eq!(Timeline::step_for(Instant::at(Duration::from_hours(24.0))), Duration::from_min(15.0));
        assert_eq!(Timeline::step_for(Instant::at(Duration::from_hours(72.0))), Duration::from_min(15.0));
        assert_eq!(Timeline::step_for(Instant::at(Duration::from_hours(24.0 * 30.0))), Duration::from_min(150.0));
    }
}
