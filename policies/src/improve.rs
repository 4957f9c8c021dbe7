//! Local search on the routes a policy dispatches together from one site: move a stop to another
//! position (in its route or another), swap stops between routes, and reverse stretches of a
//! route (2-opt), keeping only moves
//! that shorten the total distance and keep every rule: capacity, drivers back by shift end within
//! duty time, no stop that was on time becoming late and no late stop getting later. A route
//! emptied by the moves is dropped, freeing its vehicle.

use std::collections::HashMap;

use crate::geo::TravelModel;
use crate::plan::{RoutePlan, plan_route};
use crate::time::Instant;
use crate::view::{DriverView, OrderId, OrderView, SiteView, VehicleView};

/// A route being improved.
pub struct RouteDraft<'a> {
    pub vehicle: &'a VehicleView,
    pub driver: &'a DriverView,
    pub stops: Vec<&'a OrderView>,
}

struct Ctx<'a> {
    travel: &'a TravelModel,
    site: &'a SiteView,
    now: Instant,
    /// Latest allowed start per order: its due time, or its start before the search if already late.
    limit: HashMap<OrderId, Instant>,
}

impl Ctx<'_> {
    /// The plan of `stops` on `route`'s vehicle if it keeps every rule.
    fn plan(&self, route: &RouteDraft, stops: &[&OrderView]) -> Option<RoutePlan> {
        if stops.iter().map(|o| o.size).sum::<u32>() > route.vehicle.capacity {
            return None;
        }
        let plan = plan_route(self.travel, self.site, route.vehicle.speed_kmh, self.now, stops);
        let d = route.driver;
        let ok = plan.back <= d.shift_end
            && plan.back.since(self.now) <= d.duty_left
            && stops.iter().zip(&plan.starts).all(|(o, s)| *s <= self.limit[&o.id]);
        ok.then_some(plan)
    }

    fn distance(&self, route: &RouteDraft, stops: &[&OrderView]) -> f64 {
        if stops.is_empty() {
            0.0
        } else {
            plan_route(self.travel, self.site, route.vehicle.speed_kmh, self.now, stops).distance_km
        }
    }
}

/// Improves `routes` in place for at most `passes` rounds of moves; routes left empty are removed.
pub fn improve(routes: &mut Vec<RouteDraft>, travel: &TravelModel, site: &SiteView, now: Instant, passes: u32) {
    let mut limit = HashMap::new();
    for r in routes.iter() {
        let plan = plan_route(travel, site, r.vehicle.speed_kmh, now, &r.stops);
        for (o, start) in r.stops.iter().zip(&plan.starts) {
            limit.insert(o.id, o.due.max(*start));
        }
    }
    let ctx = Ctx { travel, site, now, limit };
    let mut length: Vec<f64> = routes.iter().map(|r| ctx.distance(r, &r.stops)).collect();
    const EPS: f64 = 1e-9;
    for _ in 0..passes {
        let mut improved = false;
        // Relocate one stop.
        for a in 0..routes.len() {
            let mut i = 0;
            while i < routes[a].stops.len() {
                let moved = relocate(routes, &mut length, &ctx, a, i, EPS);
                improved |= moved;
                if !moved {
                    i += 1;
                }
            }
        }
        // Swap two stops of different routes.
        for a in 0..routes.len() {
            for b in a + 1..routes.len() {
                improved |= exchange(routes, &mut length, &ctx, a, b, EPS);
            }
        }
        // Reverse a stretch of one route.
        for a in 0..routes.len() {
            let n = routes[a].stops.len();
            for i in 0..n {
                for j in i + 1..n {
                    let mut stops = routes[a].stops.clone();
                    stops[i..=j].reverse();
                    if let Some(plan) = ctx.plan(&routes[a], &stops)
                        && plan.distance_km < length[a] - EPS
                    {
                        routes[a].stops = stops;
                        length[a] = plan.distance_km;
                        improved = true;
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    routes.retain(|r| !r.stops.is_empty());
}

/// Swaps the pair of stops between routes `a` and `b` that shortens them most, if any (each stop
/// takes the other's place); whether it swapped.
fn exchange(routes: &mut [RouteDraft], length: &mut [f64], ctx: &Ctx, a: usize, b: usize, eps: f64) -> bool {
    // (gain, route a's new stops and length, route b's)
    type Swap<'o> = (f64, Vec<&'o OrderView>, f64, Vec<&'o OrderView>, f64);
    let mut best: Option<Swap> = None;
    for i in 0..routes[a].stops.len() {
        for j in 0..routes[b].stops.len() {
            let (mut ra, mut rb) = (routes[a].stops.clone(), routes[b].stops.clone());
            std::mem::swap(&mut ra[i], &mut rb[j]);
            let (Some(pa), Some(pb)) = (ctx.plan(&routes[a], &ra), ctx.plan(&routes[b], &rb)) else { continue };
            let gain = length[a] + length[b] - pa.distance_km - pb.distance_km;
            if gain > eps && best.as_ref().is_none_or(|(g, ..)| gain > *g) {
                best = Some((gain, ra, pa.distance_km, rb, pb.distance_km));
            }
        }
    }
    let Some((_, ra, la, rb, lb)) = best else { return false };
    (routes[a].stops, length[a], routes[b].stops, length[b]) = (ra, la, rb, lb);
    true
}

/// Moves stop `i` of route `a` to its best improving position, if any; whether it moved.
fn relocate(routes: &mut [RouteDraft], length: &mut [f64], ctx: &Ctx, a: usize, i: usize, eps: f64) -> bool {
    let mut from = routes[a].stops.clone();
    let order = from.remove(i);
    let from_len = ctx.distance(&routes[a], &from);
    if !from.is_empty() && ctx.plan(&routes[a], &from).is_none() {
        return false;
    }
    // (gain, route, its new length, its new stops)
    let mut best: Option<(f64, usize, f64, Vec<&OrderView>)> = None;
    for b in 0..routes.len() {
        let base = if b == a { &from } else { &routes[b].stops };
        for j in 0..=base.len() {
            if b == a && j == i {
                continue;
            }
            let mut to = base.clone();
            to.insert(j, order);
            let Some(plan) = ctx.plan(&routes[b], &to) else { continue };
            let gain =
                if b == a { length[a] - plan.distance_km } else { length[a] + length[b] - from_len - plan.distance_km };
            if gain > eps && best.as_ref().is_none_or(|(g, ..)| gain > *g) {
                best = Some((gain, b, plan.distance_km, to));
            }
        }
    }
    let Some((_, b, to_len, to)) = best else { return false };
    if b != a {
        routes[a].stops = from;
        length[a] = from_len;
    }
    routes[b].stops = to;
    length[b] = to_len;
    true
}
