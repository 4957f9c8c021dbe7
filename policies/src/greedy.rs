//! Earliest due date first, greedy multi-stop routes by cheapest insertion, held back until full or urgent.
//!
//! At each epoch, per site: open orders are taken in due-date order; the most urgent order not yet
//! routed seeds a route on the largest free vehicle and the free driver whose shift ends first but
//! can still do it. Its nearest `neighbours` orders are then inserted one at a time where they
//! add the least distance, keeping capacity, the driver's shift end and duty time, and never making a
//! stop late that was on time (stops already late may be delayed further). The route is dispatched when it is at least `min_fill` full or when
//! waiting longer would make a stop late (slack below `slack_min`); otherwise its orders wait for
//! the next epoch, where more orders may fill it.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

use crate::geo::Point;
use crate::plan::{RoutePlan, plan_route};
use crate::time::{MS_PER_MIN, TimeMs};
use crate::view::{AllocationRequest, Decision, DriverView, OrderView, Route, SiteView, VehicleView};
use crate::{AllocationPolicy, Epochs};

/// Parameters of [`GreedyEdd`]; every field has a default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GreedyEddConfig {
    /// Minutes between decision epochs (0 < x <= 1440). Default 5.
    pub epoch_min: f64,
    /// Also decide when an order becomes ready or a vehicle or driver frees up. Default false.
    pub on_events: bool,
    /// Dispatch a route once its load reaches this share of capacity (0..=1). Default 0.7.
    pub min_fill: f64,
    /// Dispatch a route anyway once a stop's expected slack to its due time is below this (minutes, >= 0). Default 60.
    pub slack_min: f64,
    /// How many nearest orders to the seed are candidates for its route (>= 1). Default 24.
    pub neighbours: u32,
}

impl Default for GreedyEddConfig {
    fn default() -> Self {
        GreedyEddConfig { epoch_min: 5.0, on_events: false, min_fill: 0.7, slack_min: 60.0, neighbours: 24 }
    }
}

impl GreedyEddConfig {
    /// Checks each parameter's range; the error names the parameter.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.epoch_min > 0.0 && self.epoch_min <= 1440.0) {
            return Err(format!("epoch_min must be in (0, 1440], got {}", self.epoch_min));
        }
        if !(0.0..=1.0).contains(&self.min_fill) {
            return Err(format!("min_fill must be in [0, 1], got {}", self.min_fill));
        }
        if !(self.slack_min >= 0.0 && self.slack_min.is_finite()) {
            return Err(format!("slack_min must be >= 0, got {}", self.slack_min));
        }
        if self.neighbours == 0 {
            return Err("neighbours must be >= 1".into());
        }
        Ok(())
    }
}

pub struct GreedyEdd {
    config: GreedyEddConfig,
}

impl GreedyEdd {
    pub fn new(config: GreedyEddConfig) -> Self {
        GreedyEdd { config }
    }
}

impl AllocationPolicy for GreedyEdd {
    fn epochs(&self) -> Epochs {
        Epochs {
            every: Some(TimeMs::from_min(self.config.epoch_min).max(TimeMs(1))),
            on_order_ready: self.config.on_events,
            on_resource_free: self.config.on_events,
        }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let mut decision = Decision::default();
        for site in &req.sites {
            let mut orders: Vec<&OrderView> = req.orders.iter().filter(|o| o.site == site.id).collect();
            let mut vehicles: Vec<&VehicleView> = req.vehicles.iter().filter(|v| v.site == site.id).collect();
            let mut drivers: Vec<&DriverView> = req.drivers.iter().filter(|d| d.site == site.id).collect();
            if orders.is_empty() || vehicles.is_empty() || drivers.is_empty() {
                continue;
            }
            orders.sort_by_key(|o| (o.due, Reverse(o.priority), o.id));
            vehicles.sort_by_key(|v| (Reverse(v.capacity), v.id));
            drivers.sort_by_key(|d| (d.shift_end, d.id));
            SiteRouter { cfg: &self.config, req, site, orders, taken: Vec::new() }.route(
                &mut vehicles,
                &mut drivers,
                &mut decision,
            );
        }
        decision
    }
}

struct SiteRouter<'a> {
    cfg: &'a GreedyEddConfig,
    req: &'a AllocationRequest,
    site: &'a SiteView,
    /// Open orders of this site in due-date order.
    orders: Vec<&'a OrderView>,
    /// Orders already routed (dispatched or held back) in this epoch.
    taken: Vec<bool>,
}

impl<'a> SiteRouter<'a> {
    fn route(&mut self, vehicles: &mut Vec<&VehicleView>, drivers: &mut Vec<&'a DriverView>, decision: &mut Decision) {
        self.taken = vec![false; self.orders.len()];
        for seed in 0..self.orders.len() {
            if vehicles.is_empty() || drivers.is_empty() {
                break;
            }
            if self.taken[seed] {
                continue;
            }
            let vehicle = vehicles[0];
            if self.orders[seed].size > vehicle.capacity {
                continue; // no free vehicle can carry it now; a larger one may come back later
            }
            let Some(d) = drivers.iter().position(|d| self.fits_driver(vehicle, d, &[self.orders[seed]]).is_some())
            else {
                continue;
            };
            let (stops, plan) = self.grow(seed, vehicle, drivers[d]);
            for &i in &stops {
                self.taken[i] = true;
            }
            let views: Vec<&OrderView> = stops.iter().map(|&i| self.orders[i]).collect();
            let full = plan.load as f64 >= self.cfg.min_fill * vehicle.capacity as f64;
            let urgent = plan.min_slack_ms(&views) <= (self.cfg.slack_min * MS_PER_MIN as f64) as i64;
            if full || urgent {
                decision.routes.push(Route {
                    vehicle: vehicle.id,
                    driver: drivers[d].id,
                    stops: views.iter().map(|o| o.id).collect(),
                });
                vehicles.remove(0);
                drivers.remove(d);
            }
        }
    }

    /// The plan if `driver` can do `stops` with `vehicle` and be back by shift end within duty time.
    fn fits_driver(&self, vehicle: &VehicleView, driver: &DriverView, stops: &[&OrderView]) -> Option<RoutePlan> {
        let plan = plan_route(&self.req.travel, self.site, vehicle.speed_kmh, self.req.now, stops);
        let duty = plan.back - self.req.now;
        (plan.back <= driver.shift_end && duty <= driver.duty_left).then_some(plan)
    }

    /// Builds a route from `seed` by cheapest feasible insertion among its nearest open orders.
    fn grow(&self, seed: usize, vehicle: &VehicleView, driver: &DriverView) -> (Vec<usize>, RoutePlan) {
        let travel = &self.req.travel;
        let origin = self.orders[seed].destination;
        let mut candidates: Vec<(f64, usize)> = (0..self.orders.len())
            .filter(|&j| j != seed && !self.taken[j])
            .map(|j| (travel.distance_km(origin, self.orders[j].destination), j))
            .collect();
        let k = (self.cfg.neighbours as usize).min(candidates.len());
        if k < candidates.len() {
            candidates.select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            candidates.truncate(k);
        }
        let mut candidates: Vec<usize> = candidates.into_iter().map(|(_, j)| j).collect();
        candidates.sort_unstable();

        let mut stops = vec![seed];
        let mut plan = self.fits_driver(vehicle, driver, &[self.orders[seed]]).expect("seed checked by caller");
        let mut moves: Vec<(f64, usize, usize)> = Vec::new();
        loop {
            moves.clear();
            let point = |p: usize, stops: &[usize]| -> Point {
                if p == usize::MAX { self.site.location } else { self.orders[stops[p]].destination }
            };
            for (ci, &c) in candidates.iter().enumerate() {
                let o = self.orders[c];
                if plan.load + o.size > vehicle.capacity {
                    continue;
                }
                for pos in 0..=stops.len() {
                    let prev = point(if pos == 0 { usize::MAX } else { pos - 1 }, &stops);
                    let next = point(if pos == stops.len() { usize::MAX } else { pos }, &stops);
                    let delta = travel.distance_km(prev, o.destination) + travel.distance_km(o.destination, next)
                        - travel.distance_km(prev, next);
                    moves.push((delta, ci, pos));
                }
            }
            moves.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            let mut inserted = false;
            let mut trial: Vec<&OrderView> = Vec::with_capacity(stops.len() + 1);
            for &(_, ci, pos) in &moves {
                let c = candidates[ci];
                trial.clear();
                trial.extend(stops[..pos].iter().map(|&i| self.orders[i]));
                trial.push(self.orders[c]);
                trial.extend(stops[pos..].iter().map(|&i| self.orders[i]));
                let Some(new_plan) = self.fits_driver(vehicle, driver, &trial) else { continue };
                // No stop that was on time may become late; stops already late may wait (they are
                // late anyway, and capacity bounds how long). The new stop must be on time unless
                // it would be late even driven to directly.
                let keeps_windows = trial.iter().zip(&new_plan.starts).enumerate().all(|(k, (o, start))| {
                    let before = match k.cmp(&pos) {
                        std::cmp::Ordering::Less => plan.starts[k],
                        std::cmp::Ordering::Equal => {
                            new_plan.depart + travel.expected_time(self.site.location, o.destination, vehicle.speed_kmh)
                        }
                        std::cmp::Ordering::Greater => plan.starts[k - 1],
                    };
                    *start <= o.due || before > o.due
                });
                if keeps_windows {
                    stops.insert(pos, c);
                    candidates.remove(ci);
                    plan = new_plan;
                    inserted = true;
                    break;
                }
            }
            if !inserted {
                return (stops, plan);
            }
        }
    }
}
