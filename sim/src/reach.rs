//! Disruptions that reach nothing run silently and leave a stress column of zeros that looks
//! like resilience. Two checks say so instead, as warnings for stderr and the result files:
//! - before the run, a weather region or a regional surge that lies outside the network (no
//!   site, no customer, no route between them), e.g. with longitude and latitude swapped;
//! - after the run, a disruption that never happened in any replication, and a carrier
//!   disruption (shortage, booking down) under way while nothing was tendered, because the
//!   policy never tenders.

use policies::{Duration, Instant, Metric, Point};

use crate::kernel::log::{LogSink, Record};
use crate::scenario::{Demand, Destinations, Effect, Region, Scenario};

/// Kilometres per degree of latitude (and of longitude at the equator).
const KM_PER_DEG: f64 = 111.32;

/// What carries a replication's [`Trace`] (a replication's result), so that this module needs
/// nothing of the engine.
pub trait Traced {
    fn trace(&self) -> &Trace;
}

/// Warnings about the scenario's disruptions before and after running `results`.
pub fn warnings<R: Traced>(scenario: &Scenario, results: &[R]) -> Vec<String> {
    let mut out = region_warnings(scenario);
    let n = results.len();
    for (i, d) in scenario.disruptions.iter().enumerate() {
        let i = i as u32;
        let happened: Vec<&Trace> =
            results.iter().map(Traced::trace).filter(|t| !t.never_started.contains(&i)).collect();
        let name = format!("disruption {} ({})", i + 1, d.describe());
        if n > 0 && happened.is_empty() {
            out.push(format!("{name}: did not happen in any of the {n} replications, so it changed nothing"));
        } else if !happened.is_empty() && happened.iter().all(|t| t.untouched.contains(&i)) {
            out.push(format!(
                "{name}: nothing was tendered to a carrier it hits while it was under way, in any of the {n} \
                 replications (does the policy tender?), so it changed nothing"
            ));
        }
    }
    out
}

/// A weather region or regional surge that reaches no site, customer or route between them.
pub fn region_warnings(scenario: &Scenario) -> Vec<String> {
    let Some(origin) = scenario.sites.first().map(|s| s.location) else { return Vec::new() };
    let plane = Plane { origin, metric: scenario.travel.metric };
    let hull = convex_hull(network_points(scenario, &plane));
    let extent = hull.iter().flat_map(|a| hull.iter().map(move |b| dist(*a, *b))).fold(0.0, f64::max);
    // A little slack: a region grazing the network's edge is not reported.
    let margin = 1.0 + 0.01 * extent;
    let mut out = Vec::new();
    for (i, d) in scenario.disruptions.iter().enumerate() {
        let region = match &d.effect {
            Effect::Weather { region, .. } => region,
            Effect::DemandSurge { region: Some(region), .. } => region,
            _ => continue,
        };
        let reaches = match region {
            Region::Circle { center, radius_km } => distance_to_hull(plane.km(*center), &hull) <= radius_km + margin,
            Region::Polygon(vertices) => {
                let polygon: Vec<(f64, f64)> = vertices.iter().map(|p| plane.km(*p)).collect();
                polygons_meet(&polygon, &hull, margin)
            }
        };
        if !reaches {
            let (lo, hi) = bounds(scenario);
            out.push(format!(
                "disruption {} ({}): its region reaches no site, customer or route (the network lies within \
                 x {:.4}..{:.4}, y {:.4}..{:.4}; are x and y, or longitude and latitude, swapped?)",
                i + 1,
                d.describe(),
                lo.x,
                hi.x,
                lo.y,
                hi.y
            ));
        }
    }
    out
}

/// Coordinates in km on a plane around `origin` (equirectangular for longitude and latitude).
struct Plane {
    origin: Point,
    metric: Metric,
}

impl Plane {
    fn km(&self, p: Point) -> (f64, f64) {
        match self.metric {
            Metric::Euclidean => (p.x, p.y),
            Metric::GreatCircle => (
                (p.x - self.origin.x) * KM_PER_DEG * self.origin.y.to_radians().cos(),
                (p.y - self.origin.y) * KM_PER_DEG,
            ),
        }
    }
}

/// The sites and every place their orders can go that is a point: replayed destinations,
/// customers, the corners of a destination region (a disk around each site is not a point).
fn places(scenario: &Scenario) -> Vec<Point> {
    let mut points: Vec<Point> = scenario.sites.iter().map(|s| s.location).collect();
    match &scenario.demand {
        Demand::Replay(replay) => points.extend(replay.rows.iter().map(|r| r.destination)),
        Demand::Generated(g) => match &g.destinations {
            Destinations::Customers(c) => points.extend(c.iter().copied()),
            Destinations::Region { x, y } => {
                points.extend([(x[0], y[0]), (x[1], y[0]), (x[1], y[1]), (x[0], y[1])].map(|(x, y)| Point { x, y }))
            }
            Destinations::Disk { .. } => {}
        },
    }
    points
}

/// Sites and where their orders can go, in km: every route lies in their convex hull.
fn network_points(scenario: &Scenario, plane: &Plane) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = places(scenario).into_iter().map(|p| plane.km(p)).collect();
    if let Demand::Generated(g) = &scenario.demand
        && let Destinations::Disk { radius_km } = g.destinations
    {
        // A 32-gon around each site that contains its disk.
        let r = radius_km / (std::f64::consts::PI / 32.0).cos();
        for s in &scenario.sites {
            let (x, y) = plane.km(s.location);
            points.extend((0..32).map(|k| {
                let a = std::f64::consts::TAU * k as f64 / 32.0;
                (x + r * a.cos(), y + r * a.sin())
            }));
        }
    }
    points
}

/// The smallest box holding the sites and destinations, in the scenario's coordinates.
fn bounds(scenario: &Scenario) -> (Point, Point) {
    let points = places(scenario);
    let lo = points
        .iter()
        .fold(Point { x: f64::INFINITY, y: f64::INFINITY }, |a, p| Point { x: a.x.min(p.x), y: a.y.min(p.y) });
    let hi = points
        .iter()
        .fold(Point { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY }, |a, p| Point { x: a.x.max(p.x), y: a.y.max(p.y) });
    (lo, hi)
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// Convex hull, counter-clockwise (Andrew's monotone chain); fewer than three points stay as they are.
fn convex_hull(mut points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(points.len() + 1);
    for pass in [false, true] {
        let start = hull.len();
        let ordered: Box<dyn Iterator<Item = &(f64, f64)>> =
            if pass { Box::new(points.iter().rev()) } else { Box::new(points.iter()) };
        for &p in ordered {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// Distance from `p` to the segment `a`-`b`.
fn to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    dist(p, (a.0 + t * dx, a.1 + t * dy))
}

fn edges(polygon: &[(f64, f64)]) -> impl Iterator<Item = ((f64, f64), (f64, f64))> + '_ {
    (0..polygon.len()).map(move |i| (polygon[i], polygon[(i + 1) % polygon.len()]))
}

/// Whether `p` is inside `polygon` (even-odd rule).
fn inside(polygon: &[(f64, f64)], p: (f64, f64)) -> bool {
    polygon.len() >= 3
        && edges(polygon)
            .filter(|(a, b)| (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (p.1 - a.1) / (b.1 - a.1) * (b.0 - a.0))
            .count()
            % 2
            == 1
}

/// 0 inside the convex `hull`, else the distance to its boundary.
fn distance_to_hull(p: (f64, f64), hull: &[(f64, f64)]) -> f64 {
    if inside(hull, p) {
        return 0.0;
    }
    edges(hull).map(|(a, b)| to_segment(p, a, b)).fold(f64::INFINITY, f64::min)
}

/// Whether two polygons overlap or come within `margin` of each other.
fn polygons_meet(a: &[(f64, f64)], b: &[(f64, f64)], margin: f64) -> bool {
    a.iter().any(|p| inside(b, *p))
        || b.iter().any(|p| inside(a, *p))
        || edges(a).any(|(p, q)| {
            edges(b).any(|(r, s)| {
                [to_segment(p, r, s), to_segment(q, r, s), to_segment(r, p, q), to_segment(s, p, q)]
                    .iter()
                    .any(|d| *d <= margin)
                    || (cross(p, q, r) * cross(p, q, s) < 0.0 && cross(r, s, p) * cross(r, s, q) < 0.0)
            })
        })
}

/// What a replication's disruptions did: which never started, which carrier disruptions were
/// under way while nothing was tendered to the carriers they hit, and when each was under way.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub never_started: Vec<u32>,
    pub untouched: Vec<u32>,
    /// (disruption, start, end) of every occurrence, in the order they started; one still under
    /// way at the horizon ends there.
    pub spells: Vec<(u32, Instant, Instant)>,
}

/// A log sink, so it adds no events.
pub(crate) struct Reach {
    /// Per disruption: (started, under way now, reached something).
    state: Vec<(bool, bool, bool)>,
    /// Per disruption: the carriers it hits (all for booking down); `None` for other kinds.
    carriers: Vec<Option<Vec<u32>>>,
    spells: Vec<(u32, Instant, Instant)>,
}

impl Reach {
    pub fn new(scenario: &Scenario) -> Reach {
        let carriers = scenario
            .disruptions
            .iter()
            .map(|d| match &d.effect {
                Effect::CarrierShortage { carriers, .. } => Some(carriers.clone()),
                Effect::BookingDown => Some((0..scenario.carriers.len() as u32).collect()),
                _ => None,
            })
            .collect();
        Reach { state: vec![(false, false, false); scenario.disruptions.len()], carriers, spells: Vec::new() }
    }

    pub fn finish(&self, horizon: Instant) -> Trace {
        let mut trace = Trace::default();
        for (i, &(started, _, reached)) in self.state.iter().enumerate() {
            if !started {
                trace.never_started.push(i as u32);
            } else if self.carriers[i].is_some() && !reached {
                trace.untouched.push(i as u32);
            }
        }
        trace.spells = self.spells.iter().map(|&(i, start, end)| (i, start, end.min(horizon))).collect();
        trace
    }
}

impl LogSink for Reach {
    fn record(&mut self, t: Instant, record: &Record) {
        match *record {
            Record::DisruptionStarted { disruption } => {
                let state = &mut self.state[disruption as usize];
                (state.0, state.1) = (true, true);
                self.spells.push((disruption, t, Instant::MAX));
            }
            Record::DisruptionEnded { disruption } => {
                self.state[disruption as usize].1 = false;
                if let Some(spell) = self.spells.iter_mut().rev().find(|s| s.0 == disruption) {
                    spell.2 = t;
                }
            }
            Record::TenderAccepted { carrier, .. }
            | Record::TenderRejected { carrier, .. }
            | Record::TenderRefused { carrier, .. } => {
                for (state, hits) in self.state.iter_mut().zip(&self.carriers) {
                    if state.1 && hits.as_ref().is_some_and(|c| c.contains(&carrier.0)) {
                        state.2 = true;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Per disruption, the share of each interval `[i step, (i + 1) step)` (`samples` of them) it was
/// under way, averaged over `results`: 1 where it was under way throughout in every replication.
pub fn under_way<R: Traced>(disruptions: usize, results: &[R], step: Duration, samples: usize) -> Vec<Vec<f64>> {
    let mut share = vec![vec![0.0; samples]; disruptions];
    let step_ms = step.0.max(1);
    for r in results {
        for &(i, start, end) in &r.trace().spells {
            let first = (start.0 / step_ms) as usize;
            for (k, s) in share[i as usize].iter_mut().enumerate().take(samples).skip(first) {
                let (a, b) = (k as u64 * step_ms, (k as u64 + 1) * step_ms);
                if a >= end.0 {
                    break;
                }
                let overlap = b.min(end.0).saturating_sub(a.max(start.0));
                *s += overlap as f64 / step_ms as f64 / results.len() as f64;
            }
        }
    }
    // Rounding must not take a share past 1 (the files are checked when read back).
    share.iter_mut().flatten().for_each(|s| *s = s.min(1.0));
    share
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_and_distances() {
        let square = convex_hull(vec![(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (1.0, 1.0)]);
        assert_eq!(square.len(), 4);
        assert_eq!(distance_to_hull((1.0, 1.0), &square), 0.0);
        assert!((distance_to_hull((5.0, 1.0), &square) - 3.0).abs() < 1e-12);
        let far = [(10.0, 10.0), (11.0, 10.0), (11.0, 11.0)];
        assert!(!polygons_meet(&far, &square, 0.5));
        let crossing = [(-1.0, 1.0), (3.0, 1.0), (3.0, 1.5)];
        assert!(polygons_meet(&crossing, &square, 0.0));
    }
}
