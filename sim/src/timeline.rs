//! The state of a replication through the day — open orders, vehicles out, vehicles queuing at
//! the doors, exceptions open — sampled at regular times from the event log.
//!
//! The sampler is a [`LogSink`]: it adds no events to the calendar, so a run with it logs the
//! same history (the same fingerprint) as a run without.

use std::collections::HashSet;

use policies::{MS_PER_MIN, TimeMs};

use crate::log::{LogSink, Record};

/// What is sampled, in [`Timeline::samples`] order.
pub const SERIES: [&str; 4] = ["open_orders", "vehicles_busy", "dock_queue", "exceptions_open"];

/// Samples taken at `0, step, 2 step, ...` up to the horizon; sample `i` counts every record up
/// to and including time `i * step`.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub step: TimeMs,
    pub samples: Vec<[u32; SERIES.len()]>,
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
    next: TimeMs,
    timeline: Timeline,
    open_orders: u32,
    /// Per vehicle: on a trip (from its route to back home, as `vehicle_utilisation`).
    busy: Vec<bool>,
    busy_count: u32,
    queue: u32,
    exceptions: HashSet<u64>,
}

impl TimelineSampler {
    /// A sampler for a run to `horizon` with `vehicles` vehicles.
    pub fn new(horizon: TimeMs, vehicles: usize) -> Self {
        TimelineSampler {
            horizon,
            next: TimeMs::ZERO,
            timeline: Timeline { step: Timeline::step_for(horizon), samples: Vec::new() },
            open_orders: 0,
            busy: vec![false; vehicles],
            busy_count: 0,
            queue: 0,
            exceptions: HashSet::new(),
        }
    }

    /// Takes the samples due strictly before `t`.
    fn sample_before(&mut self, t: TimeMs) {
        while self.next < t && self.next <= self.horizon {
            let state = [self.open_orders, self.busy_count, self.queue, self.exceptions.len() as u32];
            self.timeline.samples.push(state);
            self.next = self.next + self.timeline.step;
        }
    }

    fn set_busy(&mut self, vehicle: policies::VehicleId, busy: bool) {
        let v = &mut self.busy[vehicle.0 as usize];
        if *v != busy {
            *v = busy;
            if busy { self.busy_count += 1 } else { self.busy_count -= 1 }
        }
    }

    /// The samples up to the horizon.
    pub fn finish(mut self) -> Timeline {
        self.sample_before(TimeMs(self.horizon.0 + 1));
        self.timeline
    }
}

impl LogSink for TimelineSampler {
    fn record(&mut self, t: TimeMs, record: &Record) {
        if t > self.next {
            self.sample_before(t);
        }
        match *record {
            Record::OrderCreated { .. } => self.open_orders += 1,
            Record::Delivered { .. } | Record::CarrierDelivered { .. } | Record::OrderCancelled { .. } => {
                self.open_orders -= 1
            }
            Record::RouteAssigned { vehicle, .. } => self.set_busy(vehicle, true),
            Record::TripEnded { vehicle, .. } => self.set_busy(vehicle, false),
            Record::DockArrived { .. } => self.queue += 1,
            Record::LoadingStarted { .. } => self.queue -= 1,
            Record::DockGaveUp { vehicle, .. } => {
                self.queue -= 1;
                self.set_busy(vehicle, false);
            }
            Record::ExceptionRaised { exception, .. } => {
                self.exceptions.insert(exception);
            }
            Record::ExceptionResolved { exception, .. } => {
                self.exceptions.remove(&exception);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policies::{OrderId, SiteId, VehicleId};

    #[test]
    fn each_sample_counts_the_records_up_to_its_time() {
        let min = |m: f64| TimeMs::from_min(m);
        let mut s = TimelineSampler::new(TimeMs::from_hours(1.0), 2);
        let created = |o| Record::OrderCreated { order: OrderId(o), site: SiteId(0), size: 1, due: min(60.0) };
        let arrived = |v| Record::DockArrived { vehicle: VehicleId(v), site: SiteId(0) };
        s.record(min(0.0), &created(0));
        s.record(min(10.0), &created(1));
        s.record(min(15.0), &arrived(0)); // at a sample time: counted in that sample
        s.record(min(20.0), &Record::LoadingStarted { vehicle: VehicleId(0), site: SiteId(0), waited: min(5.0) });
        s.record(min(44.0), &Record::OrderCancelled { order: OrderId(1) });
        s.record(min(44.0), &arrived(1));
        let t = s.finish();
        assert_eq!(t.step, min(15.0));
        // open orders, vehicles busy, dock queue, exceptions open at 0, 15, 30, 45 and 60 minutes
        assert_eq!(t.samples, [[1, 0, 0, 0], [2, 0, 1, 0], [2, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]]);
    }

    #[test]
    fn steps_are_quarter_hours_up_to_three_days() {
        assert_eq!(Timeline::step_for(TimeMs::from_hours(24.0)), TimeMs::from_min(15.0));
        assert_eq!(Timeline::step_for(TimeMs::from_hours(72.0)), TimeMs::from_min(15.0));
        assert_eq!(Timeline::step_for(TimeMs::from_hours(24.0 * 30.0)), TimeMs::from_min(150.0));
    }
}
