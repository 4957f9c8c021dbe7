//! Earliest due date first: each order, most urgent first (due time, then priority), goes alone on
//! a free vehicle of its site. A baseline that shows what consolidation into multi-stop routes
//! (`greedy_edd`) is worth.

use std::cmp::Reverse;

use crate::fifo::NearestVehicleConfig;
use crate::single::dispatch_one_by_one;
use crate::time::TimeMs;
use crate::view::{AllocationRequest, Decision, OrderView};
use crate::{AllocationPolicy, Epochs};

/// Parameters of [`EarliestDue`]: the same as [`NearestVehicleConfig`].
pub type EarliestDueConfig = NearestVehicleConfig;

pub struct EarliestDue {
    config: EarliestDueConfig,
}

impl EarliestDue {
    pub fn new(config: EarliestDueConfig) -> Self {
        EarliestDue { config }
    }
}

impl AllocationPolicy for EarliestDue {
    fn epochs(&self) -> Epochs {
        Epochs {
            every: Some(TimeMs::from_min(self.config.epoch_min).max(TimeMs(1))),
            on_order_ready: true,
            on_resource_free: true,
            needs_free_fleet: true,
        }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let mut orders: Vec<&OrderView> = req.orders.iter().collect();
        orders.sort_unstable_by_key(|o| (o.due, Reverse(o.priority), o.id));
        dispatch_one_by_one(req, &orders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fifo::NearestVehicle;
    use crate::*;

    fn request() -> AllocationRequest {
        let order = |id: u64, ready_min: f64, due_min: f64| OrderView {
            id: OrderId(id),
            reference: None,
            site: SiteId(0),
            destination: Point { x: 10.0, y: 0.0 },
            size: 1,
            created: TimeMs::ZERO,
            ready: TimeMs::from_min(ready_min),
            earliest: TimeMs::ZERO,
            due: TimeMs::from_min(due_min),
            priority: 0,
            value: 0.0,
            service: TimeMs::from_min(5.0),
        };
        AllocationRequest {
            now: TimeMs::from_min(30.0),
            travel: TravelModel { metric: Metric::Euclidean, circuity: 1.0, noise_mean: 1.0, truncate_decimals: None },
            sites: vec![SiteView {
                id: SiteId(0),
                location: Point { x: 0.0, y: 0.0 },
                doors: 1,
                doors_busy: 0,
                queue_len: 0,
                hours: DailyWindow::ALWAYS,
                load_fixed_mean: TimeMs::from_min(5.0),
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
                shift_end: TimeMs::from_hours(8.0),
                latest_return: TimeMs::from_hours(9.0),
                duty_left: TimeMs::from_hours(8.0),
            }],
            carriers: vec![],
        }
    }

    #[test]
    fn fifo_serves_the_first_ready_and_edd_the_first_due() {
        let req = request();
        let fifo = NearestVehicle::new(NearestVehicleConfig::default()).allocate(&req);
        let edd = EarliestDue::new(EarliestDueConfig::default()).allocate(&req);
        assert_eq!(fifo.routes, [Route { vehicle: VehicleId(0), driver: DriverId(0), stops: vec![OrderId(1)] }]);
        assert_eq!(edd.routes, [Route { vehicle: VehicleId(0), driver: DriverId(0), stops: vec![OrderId(2)] }]);
    }

    #[test]
    fn nobody_goes_who_cannot_be_back_by_shift_end() {
        let mut req = request();
        req.drivers[0].shift_end = TimeMs::from_min(40.0); // the trip takes 5 + 10 + 5 + 10 minutes
        assert!(EarliestDue::new(EarliestDueConfig::default()).allocate(&req).routes.is_empty());
    }
}
