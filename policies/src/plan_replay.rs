//! Plan replay: execute a fixed plan of routes (the production plan of the day, or a published
//! benchmark solution) instead of deciding.
//!
//! A route is proposed as soon as all its orders are open at one site and a vehicle that can carry
//! them and a driver are free there: the smallest-id vehicle with enough capacity, the free driver
//! whose shift ends first. The policy keeps no state: a route the engine refused is proposed again
//! while its orders stay open.
//!
//! Plans are JSON (`{"routes": [{"stops": ["17", "4"]}, ...]}`, deserialised into [`Plan`]) or
//! CVRPLIB text (`Route #1: 17 4 9`, other lines ignored; [`Plan::from_cvrplib`]). Stops name orders by their reference (the
//! `id` column of an order CSV), or by their numeric order id when they have none.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::view::{AllocationRequest, Decision, OrderView, Route};
use crate::{AllocationPolicy, Epochs};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub routes: Vec<PlannedRoute>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedRoute {
    pub stops: Vec<String>,
}

impl Plan {
    /// CVRPLIB solution text: `Route #k: a b c` lines; `Cost ...` and other lines are ignored.
    /// (JSON plans deserialise with serde into [`Plan`] directly.) The error names the line.
    pub fn from_cvrplib(text: &str) -> Result<Plan, String> {
        let mut routes = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim().strip_prefix("Route #") else { continue };
            let Some((_, stops)) = rest.split_once(':') else {
                return Err(format!("line {}: expected `Route #k: stop stop ...`", i + 1));
            };
            let stops: Vec<String> = stops.split_whitespace().map(str::to_string).collect();
            if stops.is_empty() {
                return Err(format!("line {}: route without stops", i + 1));
            }
            routes.push(PlannedRoute { stops });
        }
        Ok(Plan { routes })
    }

    /// A plan needs routes, each order at most once.
    pub fn validate(&self) -> Result<(), String> {
        if self.routes.is_empty() {
            return Err("the plan has no routes".into());
        }
        let mut seen = std::collections::HashSet::new();
        for stop in self.routes.iter().flat_map(|r| &r.stops) {
            if !seen.insert(stop) {
                return Err(format!("order {stop:?} is in the plan twice"));
            }
        }
        Ok(())
    }
}

/// Parameters of [`PlanReplay`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReplayConfig {
    /// The plan file, relative to the scenario file.
    pub file: String,
    /// The plan, read from `file` when the scenario is loaded.
    #[serde(skip)]
    pub plan: Plan,
}

pub struct PlanReplay {
    plan: Plan,
}

impl PlanReplay {
    pub fn new(plan: Plan) -> Self {
        PlanReplay { plan }
    }
}

impl AllocationPolicy for PlanReplay {
    fn epochs(&self) -> Epochs {
        Epochs { every: None, on_order_ready: true, on_resource_free: true, needs_free_fleet: true }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let key = |o: &OrderView| o.reference.clone().unwrap_or_else(|| o.id.0.to_string());
        let open: HashMap<String, &OrderView> = req.orders.iter().map(|o| (key(o), o)).collect();
        let mut vehicles: Vec<_> = req.vehicles.iter().collect();
        vehicles.sort_by_key(|v| v.id);
        let mut drivers: Vec<_> = req.drivers.iter().collect();
        drivers.sort_by_key(|d| (d.shift_end, d.id));
        let mut decision = Decision::default();
        for planned in &self.plan.routes {
            let Some(stops) = planned.stops.iter().map(|s| open.get(s.as_str()).copied()).collect::<Option<Vec<_>>>()
            else {
                continue; // not all open (yet, or any more)
            };
            let site = stops[0].site;
            if stops.iter().any(|o| o.site != site) {
                continue;
            }
            let load: u32 = stops.iter().map(|o| o.size).sum();
            let Some(v) = vehicles.iter().position(|v| v.site == site && v.capacity >= load) else { continue };
            let Some(d) = drivers.iter().position(|d| d.site == site) else { continue };
            decision.routes.push(Route {
                vehicle: vehicles.remove(v).id,
                driver: drivers.remove(d).id,
                stops: stops.iter().map(|o| o.id).collect(),
            });
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cvrplib_routes() {
        let plan = Plan::from_cvrplib("Route #1: 5 3 7\nRoute #2: 13\nCost 827.3\n").unwrap();
        assert_eq!(plan.routes.len(), 2);
        assert_eq!(plan.routes[0].stops, ["5", "3", "7"]);
        assert!(plan.validate().is_ok());
        assert!(Plan::from_cvrplib("Route #1 5 3").unwrap_err().starts_with("line 1:"));
        assert!(Plan::from_cvrplib("Route #1: 5\nRoute #2: 5").unwrap().validate().unwrap_err().contains("twice"));
        assert!(Plan::from_cvrplib("Cost 1").unwrap().validate().is_err());
    }
}
