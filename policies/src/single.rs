//! One order per trip: the baselines `nearest_vehicle` (first come, first served) and
//! `earliest_due` (most urgent first). They show what consolidation into multi-stop routes
//! (`greedy_edd`) is worth.
//!
//! Orders are taken in sequence (by ready time, or by due time then priority); each goes alone on
//! the smallest free vehicle at its site that can carry it (vehicles wait at their site, so the
//! site's are the nearest), with the free driver whose shift ends first among those who can be
//! back by shift end within their duty time. Orders no pair can take wait for the next epoch.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

use crate::params::{MIN_EPOCH_MIN, Param, ParamError, Tunable, checked};
use crate::plan::plan_route;
use crate::time::Duration;
use crate::view::{AllocationRequest, Decision, OrderView, Route};
use crate::{AllocationPolicy, Epochs};

fn dispatch_one_by_one(req: &AllocationRequest, sequence: &[&OrderView]) -> Decision {
    let mut vehicles: Vec<_> = req.vehicles.iter().collect();
    vehicles.sort_by_key(|v| (v.capacity, v.id));
    let mut drivers: Vec<_> = req.drivers.iter().collect();
    drivers.sort_by_key(|d| (d.shift_end, d.id));
    let mut decision = Decision::default();
    for order in sequence {
        let Some(site) = req.sites.get(order.site.0 as usize) else { continue };
        let Some(v) = vehicles.iter().position(|v| v.site == order.site && v.capacity >= order.size) else {
            continue;
        };
        let plan = plan_route(&req.travel, site, vehicles[v].speed_kmh, req.now, &[order]);
        let duty = plan.back.since(req.now);
        let Some(d) =
            drivers.iter().position(|d| d.site == order.site && plan.back <= d.shift_end && duty <= d.duty_left)
        else {
            continue;
        };
        decision.routes.push(Route {
            vehicle: vehicles.remove(v).id,
            driver: drivers.remove(d).id,
            stops: vec![order.id],
        });
    }
    decision
}

/// Parameters of the single-order baselines. Ranges: [`SingleOrderConfig::PARAMS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SingleOrderConfig {
    pub epoch_min: f64,
}

impl Default for SingleOrderConfig {
    fn default() -> Self {
        SingleOrderConfig { epoch_min: Self::PARAMS[0].default }
    }
}

impl Tunable for SingleOrderConfig {
    const PARAMS: &'static [Param] = &[Param::real(
        "epoch_min",
        MIN_EPOCH_MIN,
        1440.0,
        15.0,
        "minutes between decision epochs, besides deciding whenever an order is ready or a vehicle or driver frees up",
    )];

    fn get(&self, name: &str) -> Option<f64> {
        (name == "epoch_min").then_some(self.epoch_min)
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        checked(Self::PARAMS, name, value)?;
        self.epoch_min = value;
        Ok(())
    }
}

/// In which order the orders are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sequence {
    /// First come, first served (`nearest_vehicle`).
    Ready,
    /// Earliest due date first, then priority (`earliest_due`).
    Due,
}

pub struct SingleOrder {
    config: SingleOrderConfig,
    sequence: Sequence,
}

impl SingleOrder {
    pub fn new(config: SingleOrderConfig, sequence: Sequence) -> Self {
        SingleOrder { config, sequence }
    }
}

impl AllocationPolicy for SingleOrder {
    fn epochs(&self) -> Epochs {
        Epochs {
            every: Some(Duration::from_min(self.config.epoch_min).max(Duration(1))),
            on_order_ready: true,
            on_resource_free: true,
            needs_free_fleet: true,
            needs_busy_vehicles: false,
        }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let mut orders: Vec<&OrderView> = req.orders.iter().collect();
        match self.sequence {
            Sequence::Ready => orders.sort_unstable_by_key(|o| (o.ready, o.id)),
            Sequence::Due => orders.sort_unstable_by_key(|o| (o.due, Reverse(o.priority), o.id)),
        }
        dispatch_one_by_one(req, &orders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    fn request() -> AllocationRequest {
        let order = |id: u64, ready_min: f64, due_min: f64| OrderView {
            id: OrderId(id),
            reference: None,
            site: SiteId(0),
            destination: Point { x: 10.0, y: 0.0 },
            size: 1,
            created: Instant::START,
            ready: Instant::at(Duration::from_min(ready_min)),
            earliest: Instant::START,
            due: Instant::at(Duration::from_min(due_min)),
            priority: 0,
            value: 0.0,
            service: Duration::from_min(5.0),
        };
        AllocationRequest {
            now: Instant::at(Duration::from_min(30.0)),
            travel: TravelModel { metric: Metric::Euclidean, circuity: 1.0, noise_mean: 1.0, truncate_decimals: None },
            sites: vec![SiteView {
                id: SiteId(0),
                location: Point { x: 0.0, y: 0.0 },
                doors: 1,
                doors_busy: 0,
                queue_len: 0,
                hours: DailyWindow::ALWAYS,
                load_fixed_mean: Duration::from_min(5.0),
                load_per_unit_mean_ms: 0.0,
            }],
            // Ready first, due last; and ready last, due first.
            orders: vec![order(1, 0.0, 300.0), order(2, 20.0, 90.0)],
            vehicles: vec![VehicleView {
                id: VehicleId(0),
                site: SiteId(0),
                capacity: 5,
                speed_kmh: 60.0,
                cost_per_km: 1.0,
                cost_per_hour: 1.0,
            }],
            drivers: vec![DriverView {
                id: DriverId(0),
                site: SiteId(0),
                shift_end: Instant::at(Duration::from_hours(8.0)),
                latest_return: Instant::at(Duration::from_hours(9.0)),
                duty_left: Duration::from_hours(8.0),
            }],
            busy_vehicles: vec![],
            carriers: vec![],
        }
    }

    #[test]
    fn fifo_serves_the_first_ready_and_edd_the_first_due() {
        let req = request();
        let fifo = SingleOrder::new(SingleOrderConfig::default(), Sequence::Ready).allocate(&req);
        let edd = SingleOrder::new(SingleOrderConfig::default(), Sequence::Due).allocate(&req);
        assert_eq!(fifo.routes, [Route { vehicle: VehicleId(0), driver: DriverId(0), stops: vec![OrderId(1)] }]);
        assert_eq!(edd.routes, [Route { vehicle: VehicleId(0), driver: DriverId(0), stops: vec![OrderId(2)] }]);
    }

    #[test]
    fn nobody_goes_who_cannot_be_back_by_shift_end() {
        let mut req = request();
        req.drivers[0].shift_end = Instant::at(Duration::from_min(40.0)); // the trip takes 5 + 10 + 5 + 10 minutes
        assert!(SingleOrder::new(SingleOrderConfig::default(), Sequence::Due).allocate(&req).routes.is_empty());
    }
}
