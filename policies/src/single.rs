//! One order per trip: the shared core of the baseline policies [`crate::fifo`] and [`crate::edd`].
//!
//! Orders are taken in the given sequence; each goes alone on the smallest free vehicle at its
//! site that can carry it, with the free driver whose shift ends first among those who can be back
//! by shift end within their duty time. Orders no pair can take wait for the next epoch.

use crate::plan::plan_route;
use crate::time::TimeMs;
use crate::view::{AllocationRequest, Decision, OrderView, Route};

pub(crate) fn dispatch_one_by_one(req: &AllocationRequest, sequence: &[&OrderView]) -> Decision {
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
        let duty: TimeMs = plan.back - req.now;
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
