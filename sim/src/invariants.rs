//! Invariants of a run, checked on its event log: every order accounted for exactly once, no
//! vehicle over capacity, no carrier over its daily capacity, never more vehicles loading at a site than it has doors
//! (nor two at one door), no driver
//! working past shift end plus allowed overtime, and time never going back.

use policies::{Duration, Instant};

use crate::kernel::log::Record;
use crate::live::{LiveSink, LiveState};
use crate::scenario::Scenario;

/// A [`LiveSink`] that collects violations (the first 20 in detail) instead of panicking.
pub struct InvariantChecker {
    /// Per site, per door: whether a vehicle is loading at it.
    doors: Vec<Vec<bool>>,
    capacities: Vec<u32>,
    overtime_max: Vec<Duration>,
    /// Time each driver stood with a broken-down vehicle or before a closed region this shift:
    /// force majeure, allowed on top.
    breakdown_allowance: Vec<Duration>,
    /// Per carrier: daily capacity, and (day, tenders accepted that day).
    carrier_capacity: Vec<u32>,
    carrier_accepted: Vec<(u64, u32)>,
    last_t: Instant,
    violations: Vec<String>,
    violation_count: u64,
}

impl InvariantChecker {
    pub fn new(scenario: &Scenario) -> Self {
        InvariantChecker {
            doors: scenario.sites.iter().map(|s| vec![false; s.doors as usize]).collect(),
            capacities: scenario
                .vehicles
                .iter()
                .map(|v| scenario.vehicle_types[v.vehicle_type as usize].capacity)
                .collect(),
            overtime_max: scenario.drivers.iter().map(|d| d.overtime_max).collect(),
            breakdown_allowance: vec![Duration::ZERO; scenario.drivers.len()],
            carrier_capacity: scenario.carriers.iter().map(|c| c.daily_capacity).collect(),
            carrier_accepted: vec![(0, 0); scenario.carriers.len()],
            last_t: Instant::START,
            violations: Vec::new(),
            violation_count: 0,
        }
    }

    fn fail(&mut self, t: Instant, what: String) {
        self.violation_count += 1;
        if self.violations.len() < 20 {
            self.violations.push(format!("t={} ms: {what}", t.0));
        }
    }

    /// Final check of the orders the log leaves open (`live`) against the number the engine
    /// still holds; returns all violations.
    pub fn finish(mut self, live: &LiveState, engine_orders: usize) -> Result<(), Vec<String>> {
        if engine_orders != live.open_orders() {
            let open = live.open_orders();
            let what = format!("engine holds {engine_orders} orders but the log leaves {open} open");
            self.fail(self.last_t, what);
        }
        if self.violation_count == 0 {
            Ok(())
        } else {
            let more = self.violation_count - self.violations.len() as u64;
            if more > 0 {
                self.violations.push(format!("... and {more} more"));
            }
            Err(self.violations)
        }
    }
}

impl LiveSink for InvariantChecker {
    fn record(&mut self, t: Instant, record: &Record, live: &LiveState) {
        if t < self.last_t {
            self.fail(t, format!("time went back from {} ms", self.last_t.0));
        }
        self.last_t = t;
        match *record {
            Record::OrderCreated { order, .. } if live.is_open(order) => {
                self.fail(t, format!("order {} created twice", order.0));
            }
            Record::Delivered { order, .. }
            | Record::CarrierDelivered { order, .. }
            | Record::OrderCancelled { order }
                if !live.is_open(order) =>
            {
                self.fail(t, format!("order {} closed but not open (closed twice, or never created)", order.0));
            }
            Record::RouteAssigned { vehicle, load, capacity, .. } => {
                let cap = self.capacities[vehicle.0 as usize];
                if load > cap || capacity != cap {
                    self.fail(t, format!("vehicle {} loaded {load} over capacity {cap}", vehicle.0));
                }
            }
            Record::OrderReassigned { to, load, .. } if load > self.capacities[to.0 as usize] => {
                let cap = self.capacities[to.0 as usize];
                self.fail(t, format!("rescue vehicle {} loaded {load} over capacity {cap}", to.0));
            }
            Record::LoadingStarted { site, door, vehicle, .. } => {
                let (s, d) = (site.0 as usize, door as usize);
                match self.doors[s].get_mut(d) {
                    None => self.fail(
                        t,
                        format!("site {s}: vehicle {} loading at door {d} of {}", vehicle.0, self.doors[s].len()),
                    ),
                    Some(true) => {
                        self.fail(t, format!("site {s}: vehicle {} loading at door {d}, already in use", vehicle.0))
                    }
                    Some(busy) => *busy = true,
                }
            }
            Record::LoadingDone { site, door, .. } => {
                if let Some(busy) = self.doors[site.0 as usize].get_mut(door as usize) {
                    *busy = false;
                }
            }
            Record::TenderAccepted { carrier, .. } => {
                let (c, day) = (carrier.0 as usize, t.0 / policies::MS_PER_DAY);
                let (d, n) = &mut self.carrier_accepted[c];
                if *d != day {
                    (*d, *n) = (day, 0);
                }
                *n += 1;
                if *n > self.carrier_capacity[c] {
                    let what = format!(
                        "carrier {c} accepted {} orders on day {day}, capacity {}",
                        *n, self.carrier_capacity[c]
                    );
                    self.fail(t, what);
                }
            }
            Record::VehicleBrokeDown { driver, repair: held, .. } | Record::LegHeld { driver, wait: held, .. } => {
                let allowance = &mut self.breakdown_allowance[driver.0 as usize];
                *allowance += held;
            }
            Record::ShiftEnded { driver, scheduled_end } => {
                let allowance = std::mem::take(&mut self.breakdown_allowance[driver.0 as usize]);
                let limit = scheduled_end + self.overtime_max[driver.0 as usize] + allowance;
                if t > limit {
                    self.fail(
                        t,
                        format!("driver {} worked {} ms past shift end plus overtime", driver.0, t.since(limit).0),
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::log::TripId;
    use crate::live::feed;
    use policies::{DriverId, OrderId, SiteId, VehicleId};

    #[test]
    fn a_log_that_breaks_the_rules_is_caught_with_what_and_when() {
        let scenario = Scenario::load(std::path::Path::new("../scenarios/tiny.toml")).unwrap();
        let (mut checker, mut live) = (InvariantChecker::new(&scenario), LiveState::new(scenario.vehicles.len()));
        let capacity = scenario.vehicle_types[scenario.vehicles[0].vehicle_type as usize].capacity;
        let created = Record::OrderCreated { order: OrderId(7), site: SiteId(0), size: 1, due: Instant(9) };
        let trip = TripId(0);
        let delivered = Record::Delivered {
            order: OrderId(7),
            trip,
            vehicle: VehicleId(0),
            created: Instant(0),
            due: Instant(9),
            service_start: Instant(5),
        };
        let route = Record::RouteAssigned {
            trip,
            vehicle: VehicleId(0),
            driver: DriverId(0),
            site: SiteId(0),
            orders: vec![OrderId(7)],
            load: capacity + 1,
            capacity,
        };
        let doors = scenario.sites[0].doors;
        let (site, vehicle) = (SiteId(0), VehicleId(0));
        let loading = |door| Record::LoadingStarted { trip, vehicle, site, door, waited: Duration::ZERO };
        let loaded = Record::LoadingDone { trip, vehicle, site, door: 0 };
        let records = [(0, &created), (5, &delivered), (6, &delivered), (4, &route)];
        let arrived = Record::DockArrived { trip, vehicle, site };
        let doors_used = [
            (7, arrived.clone()),
            (7, arrived.clone()),
            (7, arrived.clone()),
            (7, arrived),
            (7, loading(0)),
            (7, loading(0)),
            (8, loaded),
            (8, loading(0)),
            (9, loading(doors)),
        ];
        for (t, record) in records.into_iter().chain(doors_used.iter().map(|(t, r)| (*t, r))) {
            feed(&mut checker, &mut live, Instant(t), record);
        }
        let violations = checker.finish(&live, 1).unwrap_err();
        assert_eq!(
            violations,
            [
                "t=6 ms: order 7 closed but not open (closed twice, or never created)".to_string(),
                "t=4 ms: time went back from 6 ms".into(),
                format!("t=4 ms: vehicle 0 loaded {} over capacity {capacity}", capacity + 1),
                "t=7 ms: site 0: vehicle 0 loading at door 0, already in use".into(),
                format!("t=9 ms: site 0: vehicle 0 loading at door {doors} of {doors}"),
                "t=9 ms: engine holds 1 orders but the log leaves 0 open".into(),
            ]
        );
        let (mut clean, mut live) = (InvariantChecker::new(&scenario), LiveState::new(scenario.vehicles.len()));
        feed(&mut clean, &mut live, Instant(0), &created);
        assert_eq!(clean.finish(&live, 1), Ok(()));
    }
}
