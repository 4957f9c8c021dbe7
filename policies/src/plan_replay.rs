//! Plan replay: execute a fixed plan of routes (the production plan of the day, or a published
//! benchmark solution) instead of deciding.
//!
//! A route is proposed as soon as all its orders are open at one site and a vehicle that can carry
//! them and a driver are free there: the smallest-id vehicle with enough capacity, the free driver
//! whose shift ends first. The policy keeps no state: a route the caller refused is proposed again
//! while its orders stay open.
//!
//! Plans are JSON (`{"routes": [{"stops": ["17", "4"]}, ...]}`, deserialised into [`Plan`]) or
//! CVRPLIB text (`Route #1: 17 4 9`, other lines ignored; [`Plan::from_cvrplib`]). Stops name
//! orders by their reference ([`OrderView::reference`]), or by their numeric id when they have none.
//! The plan is part of the configuration ([`PlanReplayConfig`]): whoever reads it from a file does
//! so before building the policy.

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
    pub fn from_cvrplib(text: &str) -> Result<Plan, PlanError> {
        let mut routes = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim().strip_prefix("Route #") else { continue };
            let Some((_, stops)) = rest.split_once(':') else {
                return Err(PlanError::RouteSyntax { line: i + 1 });
            };
            let stops: Vec<String> = stops.split_whitespace().map(str::to_string).collect();
            if stops.is_empty() {
                return Err(PlanError::NoStops { line: i + 1 });
            }
            routes.push(PlannedRoute { stops });
        }
        Ok(Plan { routes })
    }

    /// A plan needs routes, each order at most once.
    pub fn validate(&self) -> Result<(), PlanError> {
        if self.routes.is_empty() {
            return Err(PlanError::NoRoutes);
        }
        let mut seen = std::collections::HashSet::new();
        for stop in self.routes.iter().flat_map(|r| &r.stops) {
            if !seen.insert(stop) {
                return Err(PlanError::Twice { order: stop.clone() });
            }
        }
        Ok(())
    }
}

/// Why a plan cannot be read or replayed; fix the plan file where the message says.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// A CVRPLIB `Route #` line (1-based) without the `:` before its stops.
    RouteSyntax { line: usize },
    /// A CVRPLIB route (1-based line) that names no order.
    NoStops { line: usize },
    /// The plan holds no route at all (a CVRPLIB file without `Route #` lines reads as one).
    NoRoutes,
    /// An order (by its reference or id) is in two routes, or twice in one: keep one.
    Twice { order: String },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::RouteSyntax { line } => write!(f, "line {line}: expected `Route #k: stop stop ...`"),
            PlanError::NoStops { line } => write!(f, "line {line}: route without stops"),
            PlanError::NoRoutes => f.write_str("the plan has no routes"),
            PlanError::Twice { order } => write!(f, "order {order:?} is in the plan twice"),
        }
    }
}

impl std::error::Error for PlanError {}

/// `kind = "plan_replay"`: the plan itself (`{"kind": "plan_replay", "plan": {"routes": [...]}}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReplayConfig {
    pub plan: Plan,
}

pub struct PlanReplay {
    plan: Plan,
}

impl PlanReplay {
    pub fn new(config: PlanReplayConfig) -> Self {
        PlanReplay { plan: config.plan }
    }
}

impl AllocationPolicy for PlanReplay {
    fn epochs(&self) -> Epochs {
        Epochs {
            every: None,
            on_order_ready: true,
            on_resource_free: true,
            needs_free_fleet: true,
            needs_busy_vehicles: false,
        }
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
        assert_eq!(
            Plan::from_cvrplib("Route #1 5 3").unwrap_err().to_string(),
            "line 1: expected `Route #k: stop stop ...`"
        );
        assert_eq!(Plan::from_cvrplib("x\nRoute #2:").unwrap_err(), PlanError::NoStops { line: 2 });
        assert_eq!(
            Plan::from_cvrplib("Route #1: 5\nRoute #2: 5").unwrap().validate().unwrap_err().to_string(),
            "order \"5\" is in the plan twice"
        );
        assert!(Plan::from_cvrplib("Cost 1").unwrap().validate().is_err());
    }

    /// A service configures plan replay in full from JSON: the plan is the configuration.
    #[test]
    fn the_plan_is_part_of_the_configuration() {
        use crate::*;
        let json = r#"{"kind": "plan_replay", "plan": {"routes": [{"stops": ["SO-2", "9"]}]}}"#;
        let config: PolicyConfig = serde_json::from_str(json).unwrap();
        config.validate().unwrap();
        let order = |id: u64, reference: Option<&str>| OrderView {
            id: OrderId(id),
            reference: reference.map(str::to_string),
            site: SiteId(0),
            destination: Point { x: 1.0, y: 0.0 },
            size: 1,
            created: Instant::START,
            ready: Instant::START,
            earliest: Instant::START,
            due: Instant::at(Duration::from_hours(1.0)),
            priority: 0,
            value: 1.0,
            service: Duration::ZERO,
        };
        let request = AllocationRequest {
            now: Instant::START,
            travel: TravelModel { metric: Metric::Euclidean, circuity: 1.0, noise_mean: 1.0, truncate_decimals: None },
            sites: vec![],
            orders: vec![order(2, Some("SO-2")), order(9, None)],
            vehicles: vec![VehicleView {
                id: VehicleId(3),
                site: SiteId(0),
                capacity: 2,
                speed_kmh: 60.0,
                cost_per_km: 1.0,
                cost_per_hour: 1.0,
            }],
            busy_vehicles: vec![],
            drivers: vec![DriverView {
                id: DriverId(5),
                site: SiteId(0),
                shift_end: Instant::at(Duration::from_hours(8.0)),
                latest_return: Instant::at(Duration::from_hours(8.0)),
                duty_left: Duration::from_hours(8.0),
            }],
            carriers: vec![],
        };
        let decision = config.build().allocate(&request);
        assert_eq!(
            decision.routes,
            [Route { vehicle: VehicleId(3), driver: DriverId(5), stops: vec![OrderId(2), OrderId(9)] }]
        );
        let no_plan = serde_json::from_str::<PolicyConfig>(r#"{"kind": "plan_replay", "file": "plan.json"}"#);
        assert!(no_plan.unwrap_err().to_string().contains("unknown field `file`"));
    }
}
