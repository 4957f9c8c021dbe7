//! Expected timing of a route, as a dispatcher would estimate it before the vehicle leaves.

use crate::geo::TravelModel;
use crate::time::{Duration, Instant};
use crate::view::{OrderView, SiteView};

/// Expected times of one route. `starts[i]` is when service at stop `i` begins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutePlan {
    pub depart: Instant,
    pub starts: Vec<Instant>,
    pub back: Instant,
    pub distance_km: f64,
    pub load: u32,
}

impl RoutePlan {
    /// Smallest `due - start` over the stops, in ms (negative when some stop is planned late).
    pub fn min_slack_ms(&self, stops: &[&OrderView]) -> i64 {
        stops.iter().zip(&self.starts).map(|(o, s)| o.due.0 as i64 - s.0 as i64).min().unwrap_or(i64::MAX)
    }
}

/// Expected wait for a door at `site` for a vehicle arriving at `now`: the vehicles ahead
/// of it beyond the free doors, each taking a mean load time, spread over the doors.
pub fn expected_dock_start(site: &SiteView, now: Instant) -> Instant {
    let open = site.hours.next_open(now);
    let ahead = (site.queue_len + site.doors_busy + 1).saturating_sub(site.doors) as u64;
    let wait = ahead * site.load_fixed_mean.0 / site.doors.max(1) as u64;
    open + Duration(wait)
}

/// Expected timing of delivering `stops` in order from `site` with a vehicle of `speed_kmh`,
/// starting to queue at the dock at `now`.
pub fn plan_route(
    travel: &TravelModel,
    site: &SiteView,
    speed_kmh: f64,
    now: Instant,
    stops: &[&OrderView],
) -> RoutePlan {
    let point = |i: Option<usize>| i.map_or(site.location, |i| stops[i].destination);
    plan_route_by(travel, site, speed_kmh, now, stops, |a, b| travel.distance_km(point(a), point(b)))
}

/// [`plan_route`] with road distances from `leg_km(from, to)`, where `None` is the site and
/// `Some(i)` is `stops[i]`: lets a caller use a precomputed distance matrix.
pub fn plan_route_by(
    travel: &TravelModel,
    site: &SiteView,
    speed_kmh: f64,
    now: Instant,
    stops: &[&OrderView],
    leg_km: impl Fn(Option<usize>, Option<usize>) -> f64,
) -> RoutePlan {
    let mut plan = RoutePlan::default();
    plan_route_into(&mut plan, travel, site, speed_kmh, now, stops, leg_km);
    plan
}

/// [`plan_route_by`] into `plan`, reusing its allocation: for callers that evaluate many routes.
pub fn plan_route_into(
    plan: &mut RoutePlan,
    travel: &TravelModel,
    site: &SiteView,
    speed_kmh: f64,
    now: Instant,
    stops: &[&OrderView],
    leg_km: impl Fn(Option<usize>, Option<usize>) -> f64,
) {
    let pace = travel.pace(speed_kmh);
    let load: u32 = stops.iter().map(|o| o.size).sum();
    let depart = expected_dock_start(site, now) + site.expected_load(load);
    let mut t = depart;
    let mut at = None;
    let mut distance_km = 0.0;
    let starts = &mut plan.starts;
    starts.clear();
    for (i, o) in stops.iter().enumerate() {
        let km = leg_km(at, Some(i));
        distance_km += km;
        t = (t + pace.expected_round(km)).max(o.earliest);
        starts.push(t);
        t += o.service;
        at = Some(i);
    }
    let km = leg_km(at, None);
    distance_km += km;
    plan.back = t + pace.expected_round(km);
    plan.depart = depart;
    plan.distance_km = distance_km;
    plan.load = load;
}
