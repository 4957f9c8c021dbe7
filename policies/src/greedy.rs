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
use std::cell::OnceCell;
use std::cmp::Reverse;

use crate::geo::Pace;
use crate::improve::{RouteDraft, improve};
use crate::nearest::Grid;
use crate::params::{MIN_EPOCH_MIN, Param, ParamError, Tunable, checked};
use crate::plan::{RoutePlan, expected_dock_start, plan_route_by, plan_route_into};
use crate::time::{Duration, Instant, MS_PER_MIN};
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
            let plane: Vec<(f64, f64)> = orders.iter().map(|o| plane.project(o.destination)).collect();
            let mut router = SiteRouter {
                cfg: &self.config,
                req,
                site,
                grid: OnceCell::new(),
                plane,
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
    /// Built at the first route grown: many epochs grow none.
    grid: OnceCell<Grid>,
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
        let mut near = Vec::new();
        self.grid.get_or_init(|| Grid::new(&self.plane)).nearest(
            &self.plane,
            seed,
            self.cfg.neighbours as usize,
            |j| !self.taken[j],
            &mut near,
        );
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
        let dock = expected_dock_start(self.site, self.req.now);
        let back_limit = driver.shift_end.min(self.req.now + driver.duty_left);
        let mut remaining: Vec<usize> = (1..n).collect();
        let mut slack = Slack::default();
        let mut trial_stops: Vec<usize> = Vec::new();
        let mut trial_views: Vec<&OrderView> = Vec::new();
        let mut trial_plan = RoutePlan::default();
        loop {
            slack.measure(&draft, pace, back_limit);
            // The cheapest position of any candidate that fits the load and keeps every window
            // (ties to the earlier candidate, then position): with tight windows the cheapest
            // position is often infeasible while another one is not.
            let mut best: Option<(f64, usize, usize)> = None;
            for (ri, &c) in remaining.iter().enumerate() {
                let order = self.orders[draft.nodes[c]];
                if draft.plan.load + order.size > vehicle.capacity {
                    continue;
                }
                let depart = dock + self.site.expected_load(draft.plan.load + order.size);
                for pos in 0..=draft.stops.len() {
                    let prev = (pos > 0).then(|| draft.stops[pos - 1]);
                    let next = draft.stops.get(pos).copied();
                    let delta = draft.leg(prev, Some(c)) + draft.leg(Some(c), next)
                        - draft.leg(prev, next)
                        - self.cfg.depot_bonus * draft.leg(None, Some(c));
                    if best.is_some_and(|(b, _, _)| delta.total_cmp(&b).is_ge()) {
                        continue;
                    }
                    if slack.admits(&draft, pace, depart, c, order, pos, back_limit) {
                        best = Some((delta, ri, pos));
                    }
                }
            }
            let Some((_, ri, pos)) = best else {
                return draft;
            };
            let c = remaining.remove(ri);
            trial_stops.clear();
            trial_stops.extend_from_slice(&draft.stops);
            trial_stops.insert(pos, c);
            trial_views.clear();
            trial_views.extend(trial_stops.iter().map(|&s| self.orders[draft.nodes[s]]));
            plan_route_into(
                &mut trial_plan,
                travel,
                self.site,
                vehicle.speed_kmh,
                self.req.now,
                &trial_views,
                |a, b| draft.leg(a.map(|i| trial_stops[i]), b.map(|i| trial_stops[i])),
            );
            debug_assert!(
                self.fits(driver, &trial_plan) && keeps_windows(&draft, pace, &trial_plan, &trial_views, c, pos),
                "the slack test admitted an insertion the full plan rejects"
            );
            std::mem::swap(&mut draft.stops, &mut trial_stops);
            std::mem::swap(&mut draft.views, &mut trial_views);
            std::mem::swap(&mut draft.plan, &mut trial_plan);
        }
    }
}

impl Draft<'_> {
    /// Road distance between two nodes of the route; `None` is the site.
    fn leg(&self, a: Option<usize>, b: Option<usize>) -> f64 {
        let n = self.nodes.len();
        self.km[a.unwrap_or(n) * (n + 1) + b.unwrap_or(n)]
    }
}

/// Whether the route `plan` (the draft's stops with node `c` inserted at `pos`) makes no stop late
/// that was on time. Stops already late may wait (they are late anyway, and capacity bounds how
/// long); the new stop must be on time unless it would be late even driven to directly.
fn keeps_windows(draft: &Draft, pace: Pace, plan: &RoutePlan, views: &[&OrderView], c: usize, pos: usize) -> bool {
    views.iter().zip(&plan.starts).enumerate().all(|(i, (o, start))| {
        let before = match i.cmp(&pos) {
            std::cmp::Ordering::Less => draft.plan.starts[i],
            std::cmp::Ordering::Equal => plan.depart + pace.expected_floor(draft.leg(None, Some(c))),
            std::cmp::Ordering::Greater => draft.plan.starts[i - 1],
        };
        *start <= o.due || before > o.due
    })
}

/// How far each stop of a draft's route may be pushed back, for testing an insertion in constant
/// time instead of re-planning the route (Savelsbergh's forward time slack, 1992).
///
/// A stop whose arrival moves `d >= 0` ms later starts `max(0, d - wait)` later, where `wait` is
/// how long it waited for its window to open; composed along the route, the stop `j` after a
/// push of `d` at stop `i` starts `max(0, d - waits(i..=j))` later. In integer milliseconds this
/// is exactly what re-planning gives, so the test admits the very insertions re-planning would.
#[derive(Default)]
struct Slack {
    /// Arrival at each stop, before waiting for its window.
    arrive: Vec<i64>,
    /// Waits summed over stops `0..=i`.
    waits: Vec<i64>,
    /// `ahead[p]`: the largest push at the departure that stops `0..p` absorb, keeping every
    /// stop that is on time on time.
    ahead: Vec<i64>,
    /// `behind[p]`: the largest push at stop `p`'s arrival that stops `p..` and the return by
    /// the driver's limit absorb.
    behind: Vec<i64>,
}

impl Slack {
    fn measure(&mut self, draft: &Draft, pace: Pace, back_limit: Instant) {
        let plan = &draft.plan;
        let m = draft.stops.len();
        self.arrive.clear();
        self.waits.clear();
        self.ahead.clear();
        self.ahead.push(i64::MAX);
        let mut leave = plan.depart;
        let mut prev = None;
        for (i, (&s, o)) in draft.stops.iter().zip(&draft.views).enumerate() {
            let arrive = leave + pace.expected_round(draft.leg(prev, Some(s)));
            let start = plan.starts[i];
            let waited = self.waits.last().copied().unwrap_or(0) + ms(start) - ms(arrive);
            self.arrive.push(ms(arrive));
            self.waits.push(waited);
            let absorbs = if start <= o.due { (ms(o.due) - ms(start)).saturating_add(waited) } else { i64::MAX };
            self.ahead.push(self.ahead[i].min(absorbs));
            leave = start + o.service;
            prev = Some(s);
        }
        self.behind.clear();
        self.behind.resize(m + 1, 0);
        self.behind[m] = ms(back_limit) - ms(plan.back);
        for i in (0..m).rev() {
            let start = plan.starts[i];
            let due = draft.views[i].due;
            let own = if start <= due { ms(due) - ms(start) } else { i64::MAX };
            let wait = ms(start) - self.arrive[i];
            self.behind[i] = own.min(self.behind[i + 1]).saturating_add(wait);
        }
    }

    /// Whether inserting node `c` (`order`) at `pos`, with the loading done by `depart`, keeps
    /// the driver's limit and every window, as [`keeps_windows`] judges them.
    #[allow(clippy::too_many_arguments)]
    fn admits(
        &self,
        draft: &Draft,
        pace: Pace,
        depart: Instant,
        c: usize,
        order: &OrderView,
        pos: usize,
        back_limit: Instant,
    ) -> bool {
        let push = ms(depart) - ms(draft.plan.depart);
        debug_assert!(push >= 0, "more load never loads sooner");
        if push > self.ahead[pos] {
            return false;
        }
        let leave = match pos {
            0 => depart,
            _ => {
                let before = pos - 1;
                let delay = (push - self.waits[before]).max(0) as u64;
                draft.plan.starts[before] + Duration(delay) + draft.views[before].service
            }
        };
        let prev = (pos > 0).then(|| draft.stops[pos - 1]);
        let start = (leave + pace.expected_round(draft.leg(prev, Some(c)))).max(order.earliest);
        if start > order.due && depart + pace.expected_floor(draft.leg(None, Some(c))) <= order.due {
            return false;
        }
        let leave = start + order.service;
        match draft.stops.get(pos) {
            None => leave + pace.expected_round(draft.leg(Some(c), None)) <= back_limit,
            Some(&next) => {
                let push = ms(leave + pace.expected_round(draft.leg(Some(c), Some(next)))) - self.arrive[pos];
                push <= 0 || push <= self.behind[pos]
            }
        }
    }
}

fn ms(t: Instant) -> i64 {
    i64::try_from(t.0).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{Metric, Point, TravelModel};
    use crate::time::DailyWindow;
    use crate::view::{OrderId, SiteId};
    use rand::{RngExt, SeedableRng};

    /// The constant-time slack test against re-planning the route, on every insertion of random
    /// routes with time windows that open late (waits), close early (late stops) and drivers'
    /// limits that bind.
    #[test]
    fn the_slack_test_admits_exactly_the_insertions_that_re_planning_admits() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let travel = TravelModel { metric: Metric::Euclidean, circuity: 1.3, noise_mean: 1.1, truncate_decimals: None };
        let (mut admitted, mut rejected) = (0, 0);
        for _ in 0..3000 {
            let min =
                |rng: &mut rand_xoshiro::Xoshiro256PlusPlus, hi: f64| Duration::from_min(rng.random_range(0.0..hi));
            let now = Instant::at(min(&mut rng, 120.0));
            let site = SiteView {
                id: SiteId(0),
                location: Point { x: 0.0, y: 0.0 },
                doors: 2,
                doors_busy: rng.random_range(0..3),
                queue_len: rng.random_range(0..3),
                hours: DailyWindow::ALWAYS,
                load_fixed_mean: min(&mut rng, 30.0),
                load_per_unit_mean_ms: rng.random_range(0.0..120_000.0),
            };
            let n = rng.random_range(2..9);
            let orders: Vec<OrderView> = (0..n)
                .map(|i| {
                    let opens_late = rng.random_bool(0.5);
                    let earliest = now + min(&mut rng, if opens_late { 240.0 } else { 0.0001 });
                    OrderView {
                        id: OrderId(i as u64),
                        reference: None,
                        site: SiteId(0),
                        destination: Point { x: rng.random_range(-30.0..30.0), y: rng.random_range(-30.0..30.0) },
                        size: rng.random_range(1..4),
                        created: Instant::START,
                        ready: Instant::START,
                        earliest,
                        due: earliest + min(&mut rng, 300.0),
                        priority: 0,
                        value: 0.0,
                        service: min(&mut rng, 20.0),
                    }
                })
                .collect();
            let point = |i: usize| if i == n { site.location } else { orders[i].destination };
            let km: Vec<f64> = (0..=n)
                .flat_map(|a| (0..=n).map(move |b| (a, b)))
                .map(|(a, b)| travel.distance_km(point(a), point(b)))
                .collect();
            let mut stops: Vec<usize> = (0..n).filter(|_| rng.random_bool(0.5)).collect();
            stops.sort_by_key(|_| rng.random_range(0..100));
            if stops.is_empty() || stops.len() == n {
                continue;
            }
            let views: Vec<&OrderView> = stops.iter().map(|&s| &orders[s]).collect();
            let mut draft = Draft { nodes: (0..n).collect(), km, stops, views, plan: RoutePlan::default() };
            let speed = rng.random_range(30.0..90.0);
            draft.plan = plan_route_by(&travel, &site, speed, now, &draft.views, |a, b| {
                draft.leg(a.map(|i| draft.stops[i]), b.map(|i| draft.stops[i]))
            });
            // The draft itself fits its driver, as every draft `grow` keeps does.
            let shift_end = draft.plan.back + min(&mut rng, 120.0);
            let duty_left = draft.plan.back.since(now) + min(&mut rng, 120.0);
            let back_limit = shift_end.min(now + duty_left);
            let pace = travel.pace(speed);
            let mut slack = Slack::default();
            slack.measure(&draft, pace, back_limit);
            for c in (0..n).filter(|c| !draft.stops.contains(c)) {
                let order = &orders[c];
                let depart = expected_dock_start(&site, now) + site.expected_load(draft.plan.load + order.size);
                for pos in 0..=draft.stops.len() {
                    let mut stops = draft.stops.clone();
                    stops.insert(pos, c);
                    let views: Vec<&OrderView> = stops.iter().map(|&s| &orders[s]).collect();
                    let plan = plan_route_by(&travel, &site, speed, now, &views, |a, b| {
                        draft.leg(a.map(|i| stops[i]), b.map(|i| stops[i]))
                    });
                    assert_eq!(plan.depart, depart);
                    let fits = plan.back <= shift_end && plan.back.since(now) <= duty_left;
                    let expected = fits && keeps_windows(&draft, pace, &plan, &views, c, pos);
                    let got = slack.admits(&draft, pace, depart, c, order, pos, back_limit);
                    assert_eq!(got, expected, "stops {:?}, insert {c} at {pos}", draft.stops);
                    if got { admitted += 1 } else { rejected += 1 }
                }
            }
        }
        assert!(admitted > 2000 && rejected > 2000, "{admitted} admitted, {rejected} rejected");
    }

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
