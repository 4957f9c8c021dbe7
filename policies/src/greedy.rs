//! Earliest due date first, greedy multi-stop routes by cheapest insertion, held back until full or urgent.
//!
//! At each epoch, per site: open orders are taken in due-date order; the most urgent order not yet
//! routed seeds a route on the largest free vehicle and the free driver whose shift ends first but
//! can still do it. Its nearest `neighbours` orders are then inserted one at a time where they
//! add the least distance (less `depot_bonus` times their distance from the site), keeping
//! capacity, the driver's shift end and duty time, and never making a stop late that was on time
//! (stops already late may be delayed further). The route is dispatched when it is at least
//! `min_fill` full or when waiting longer would make a stop late (slack below `slack_min`);
//! otherwise its orders wait for
//! the next epoch, where more orders may fill it. At most as many routes are held back per site as
//! there are free vehicle-driver pairs: a dispatcher plans for the trucks it has.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

use crate::improve::{RouteDraft, improve};
use crate::params::{MIN_EPOCH_MIN, Param, ParamError, Tunable, checked};
use crate::plan::{RoutePlan, plan_route_by, plan_route_into};
use crate::time::{Duration, MS_PER_MIN};
use crate::view::{AllocationRequest, Decision, DriverView, OrderView, Route, SiteView, VehicleView};
use crate::{AllocationPolicy, Epochs};

/// Parameters of [`GreedyEdd`]; every field has a default. Ranges: [`GreedyEddConfig::PARAMS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GreedyEddConfig {
    pub epoch_min: f64,
    pub on_events: bool,
    pub min_fill: f64,
    pub slack_min: f64,
    pub neighbours: u32,
    pub depot_bonus: f64,
    pub improve_passes: u32,
}

impl Default for GreedyEddConfig {
    fn default() -> Self {
        let d = |name| Self::PARAMS.iter().find(|p| p.name == name).expect("listed").default;
        GreedyEddConfig {
            epoch_min: d("epoch_min"),
            on_events: d("on_events") == 1.0,
            min_fill: d("min_fill"),
            slack_min: d("slack_min"),
            neighbours: d("neighbours") as u32,
            depot_bonus: d("depot_bonus"),
            improve_passes: d("improve_passes") as u32,
        }
    }
}

impl Tunable for GreedyEddConfig {
    const PARAMS: &'static [Param] = &[
        Param::real("epoch_min", MIN_EPOCH_MIN, 1440.0, 5.0, "minutes between decision epochs"),
        Param::boolean("on_events", false, "also decide when an order becomes ready or a vehicle or driver frees up"),
        Param::real("min_fill", 0.0, 1.0, 0.7, "dispatch a route once its load reaches this share of capacity"),
        Param::real(
            "slack_min",
            0.0,
            f64::INFINITY,
            60.0,
            "dispatch a route anyway once a stop's expected slack to its due time is below this many minutes",
        ),
        Param::integer("neighbours", 1.0, 100_000.0, 16.0, "nearest open orders considered for a route"),
        Param::real(
            "depot_bonus",
            0.0,
            5.0,
            0.0,
            "insertion-cost bonus per km an order lies from the site (Solomon's lambda): far orders join routes first",
        ),
        Param::integer(
            "improve_passes",
            0.0,
            1000.0,
            0.0,
            "at most this many rounds of local search over the routes dispatched together from a site (move a stop, swap two, reverse a stretch: 2-opt), keeping only moves that shorten the distance within capacity and drivers' hours, make no on-time stop late and no late stop later; 0 is off",
        ),
    ];

    fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "epoch_min" => self.epoch_min,
            "on_events" => self.on_events as u8 as f64,
            "min_fill" => self.min_fill,
            "slack_min" => self.slack_min,
            "neighbours" => self.neighbours as f64,
            "depot_bonus" => self.depot_bonus,
            "improve_passes" => self.improve_passes as f64,
            _ => return None,
        })
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        checked(Self::PARAMS, name, value)?;
        match name {
            "epoch_min" => self.epoch_min = value,
            "on_events" => self.on_events = value == 1.0,
            "min_fill" => self.min_fill = value,
            "slack_min" => self.slack_min = value,
            "neighbours" => self.neighbours = value as u32,
            "depot_bonus" => self.depot_bonus = value,
            "improve_passes" => self.improve_passes = value as u32,
            _ => unreachable!("checked above"),
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
            every: Some(Duration::from_min(self.config.epoch_min).max(Duration(1))),
            on_order_ready: self.config.on_events,
            on_resource_free: self.config.on_events,
            needs_free_fleet: true,
            needs_busy_vehicles: false,
        }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let mut decision = Decision::default();
        for site in &req.sites {
            let mut vehicles: Vec<&VehicleView> = req.vehicles.iter().filter(|v| v.site == site.id).collect();
            let mut drivers: Vec<&DriverView> = req.drivers.iter().filter(|d| d.site == site.id).collect();
            let mut orders: Vec<&OrderView> = req.orders.iter().filter(|o| o.site == site.id).collect();
            if orders.is_empty() || vehicles.is_empty() || drivers.is_empty() {
                continue;
            }
            orders.sort_unstable_by_key(|o| (o.due, Reverse(o.priority), o.id));
            vehicles.sort_by_key(|v| (Reverse(v.capacity), v.id));
            drivers.sort_by_key(|d| (d.shift_end, d.id));
            let plane = req.travel.local_plane(site.location);
            let mut router = SiteRouter {
                cfg: &self.config,
                req,
                site,
                plane: orders.iter().map(|o| plane.project(o.destination)).collect(),
                depot: req.travel.prepare(site.location),
                taken: vec![false; orders.len()],
                orders,
            };
            router.route(&mut vehicles, &mut drivers, &mut decision);
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
    /// Their destinations on a local plane, to find neighbours without trigonometry.
    plane: Vec<(f64, f64)>,
    depot: [f64; 3],
    /// Orders already routed (dispatched or held back) in this epoch.
    taken: Vec<bool>,
}

/// A route under construction over a local distance matrix: node 0 is the seed, nodes 1.. its
/// candidate neighbours, node `n` the site.
struct Draft<'a> {
    nodes: Vec<usize>,
    km: Vec<f64>,
    stops: Vec<usize>,
    views: Vec<&'a OrderView>,
    plan: RoutePlan,
}

impl<'a> SiteRouter<'a> {
    fn route(
        &mut self,
        vehicles: &mut Vec<&'a VehicleView>,
        drivers: &mut Vec<&'a DriverView>,
        decision: &mut Decision,
    ) {
        let mut dispatched: Vec<RouteDraft<'a>> = Vec::new();
        let mut held = 0;
        for seed in 0..self.orders.len() {
            if held >= vehicles.len().min(drivers.len()) {
                break;
            }
            if self.taken[seed] {
                continue;
            }
            let vehicle = vehicles[0];
            if self.orders[seed].size > vehicle.capacity {
                continue; // no free vehicle can carry it now; a larger one may come back later
            }
            let alone = self.plan_alone(seed, vehicle);
            let Some(d) = drivers.iter().position(|d| self.fits(d, &alone)) else {
                continue;
            };
            let draft = self.grow(seed, alone, vehicle, drivers[d]);
            for &n in &draft.stops {
                self.taken[draft.nodes[n]] = true;
            }
            let full = draft.plan.load as f64 >= self.cfg.min_fill * vehicle.capacity as f64;
            let urgent = draft.plan.min_slack_ms(&draft.views) <= (self.cfg.slack_min * MS_PER_MIN as f64) as i64;
            if full || urgent {
                dispatched.push(RouteDraft { vehicle, driver: drivers[d], stops: draft.views });
                vehicles.remove(0);
                drivers.remove(d);
            } else {
                held += 1;
            }
        }
        if self.cfg.improve_passes > 0 {
            improve(&mut dispatched, &self.req.travel, self.site, self.req.now, self.cfg.improve_passes);
        }
        decision.routes.extend(dispatched.into_iter().map(|r| Route {
            vehicle: r.vehicle.id,
            driver: r.driver.id,
            stops: r.stops.iter().map(|o| o.id).collect(),
        }));
    }

    fn plan_alone(&self, seed: usize, vehicle: &VehicleView) -> RoutePlan {
        let km = self.req.travel.distance_km(self.site.location, self.orders[seed].destination);
        plan_route_by(&self.req.travel, self.site, vehicle.speed_kmh, self.req.now, &[self.orders[seed]], |_, _| km)
    }

    /// Whether `driver` is back by shift end and within duty time on `plan`.
    fn fits(&self, driver: &DriverView, plan: &RoutePlan) -> bool {
        plan.back <= driver.shift_end && plan.back.since(self.req.now) <= driver.duty_left
    }

    /// Builds a route from `seed` by cheapest feasible insertion among its nearest open orders.
    fn grow(&self, seed: usize, plan: RoutePlan, vehicle: &VehicleView, driver: &DriverView) -> Draft<'a> {
        let travel = &self.req.travel;
        let (sx, sy) = self.plane[seed];
        let mut near: Vec<(f64, usize)> = (0..self.orders.len())
            .filter(|&j| j != seed && !self.taken[j])
            .map(|j| ((self.plane[j].0 - sx).powi(2) + (self.plane[j].1 - sy).powi(2), j))
            .collect();
        let k = (self.cfg.neighbours as usize).min(near.len());
        if k < near.len() {
            near.select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            near.truncate(k);
        }
        near.sort_unstable_by_key(|&(_, j)| j);
        let nodes: Vec<usize> = std::iter::once(seed).chain(near.iter().map(|&(_, j)| j)).collect();
        let n = nodes.len();
        let prepared: Vec<[f64; 3]> = nodes.iter().map(|&j| travel.prepare(self.orders[j].destination)).collect();
        let point = |i: usize| if i == n { &self.depot } else { &prepared[i] };
        let mut km = vec![0.0; (n + 1) * (n + 1)];
        for a in 0..=n {
            for b in a + 1..=n {
                let d = travel.distance_prepared(point(a), point(b));
                km[a * (n + 1) + b] = d;
                km[b * (n + 1) + a] = d;
            }
        }
        let views = vec![self.orders[seed]];
        let mut draft = Draft { nodes, km, stops: vec![0], views, plan };
        let pace = travel.pace(vehicle.speed_kmh);
        let mut remaining: Vec<usize> = (1..n).collect();
        let mut moves: Vec<(f64, usize, usize)> = Vec::with_capacity(remaining.len());
        let mut trial_stops: Vec<usize> = Vec::new();
        let mut trial_views: Vec<&OrderView> = Vec::new();
        let mut trial_plan = RoutePlan::default();
        let leg =
            |draft: &Draft, a: Option<usize>, b: Option<usize>| draft.km[a.unwrap_or(n) * (n + 1) + b.unwrap_or(n)];
        loop {
            // Every position of every candidate that fits the load, cheapest first: with tight
            // windows the cheapest position is often infeasible while another one is not.
            moves.clear();
            for (ri, &c) in remaining.iter().enumerate() {
                if draft.plan.load + self.orders[draft.nodes[c]].size > vehicle.capacity {
                    continue;
                }
                for pos in 0..=draft.stops.len() {
                    let prev = (pos > 0).then(|| draft.stops[pos - 1]);
                    let next = draft.stops.get(pos).copied();
                    let delta = leg(&draft, prev, Some(c)) + leg(&draft, Some(c), next)
                        - leg(&draft, prev, next)
                        - self.cfg.depot_bonus * leg(&draft, None, Some(c));
                    moves.push((delta, ri, pos));
                }
            }
            moves.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            let mut inserted = None;
            for &(_, ri, pos) in &moves {
                let c = remaining[ri];
                trial_stops.clear();
                trial_stops.extend_from_slice(&draft.stops);
                trial_stops.insert(pos, c);
                trial_views.clear();
                trial_views.extend(trial_stops.iter().map(|&s| self.orders[draft.nodes[s]]));
                let plan = &mut trial_plan;
                plan_route_into(plan, travel, self.site, vehicle.speed_kmh, self.req.now, &trial_views, |a, b| {
                    leg(&draft, a.map(|i| trial_stops[i]), b.map(|i| trial_stops[i]))
                });
                if !self.fits(driver, plan) {
                    continue;
                }
                // No stop that was on time may become late; stops already late may wait (they are
                // late anyway, and capacity bounds how long). The new stop must be on time unless
                // it would be late even driven to directly.
                let keeps_windows = trial_views.iter().zip(&plan.starts).enumerate().all(|(i, (o, start))| {
                    let before = match i.cmp(&pos) {
                        std::cmp::Ordering::Less => draft.plan.starts[i],
                        std::cmp::Ordering::Equal => plan.depart + pace.expected_floor(leg(&draft, None, Some(c))),
                        std::cmp::Ordering::Greater => draft.plan.starts[i - 1],
                    };
                    *start <= o.due || before > o.due
                });
                if keeps_windows {
                    inserted = Some(ri);
                    break;
                }
            }
            let Some(ri) = inserted else {
                return draft;
            };
            std::mem::swap(&mut draft.stops, &mut trial_stops);
            std::mem::swap(&mut draft.views, &mut trial_views);
            std::mem::swap(&mut draft.plan, &mut trial_plan);
            remaining.remove(ri);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip_by_name_and_defaults_are_in_range() {
        let mut c = GreedyEddConfig::default();
        assert!(c.validate().is_ok());
        assert_eq!((c.epoch_min, c.on_events, c.neighbours), (5.0, false, 16));
        c.set("min_fill", 0.5).unwrap();
        c.set("on_events", 1.0).unwrap();
        assert_eq!((c.get("min_fill"), c.on_events), (Some(0.5), true));
        assert!(c.set("min_fill", 1.5).unwrap_err().to_string().contains("min_fill must be in [0, 1]"));
        assert!(c.set("nope", 1.0).is_err());
        for p in GreedyEddConfig::PARAMS {
            assert!(c.get(p.name).is_some_and(|v| p.check(v).is_ok()), "{}", p.name);
        }
    }
}
