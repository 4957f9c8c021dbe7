//! Disruptions: declared in the scenario, each over a window. Their start and end are in the
//! event log, so their effect can be followed; what they change lives with the domain it touches
//! (arrival rates in `orders`, doors in `docks`, capacity in `carriers`, which hear of each start
//! and end by a [`Signal::Disruption`]). The lowest domain: it imports none, and the others ask it
//! what is under way (weather at a point, closures on a leg, attendance, breakdowns, stale feeds).

use bevy_ecs::prelude::*;
use policies::{Duration, Instant, MS_PER_DAY, Point, TravelModel};

use crate::kernel::log::Record;
use crate::kernel::rng::{Rng, Stream, stream_rng};
use crate::scenario::{Effect, Region, Scenario, When};
use crate::world::{Event, Signal, Sim};

/// One occurrence of a disruption in a replication: its index, start and end.
pub(crate) type Occurrence = (u32, Instant, Instant);

/// When each disruption happens in replication `replication`: fixed ones at their window, random
/// ones drawn from their own stream, which nothing else reads, so every policy run on the same
/// seeds meets the same disruptions.
pub(crate) fn occurrences(scenario: &Scenario, seed: u64, replication: u64) -> Vec<Occurrence> {
    use rand::RngExt;
    let mut out = Vec::new();
    for (i, d) in scenario.disruptions.iter().enumerate() {
        match &d.when {
            When::Fixed { start, end } => out.push((i as u32, *start, *end)),
            When::Random { chance, per_day, start_h, duration_h } => {
                let mut rng = stream_rng(seed, replication, Stream::Occurrence(i as u32));
                let days = if *per_day { scenario.horizon.0.div_ceil(MS_PER_DAY) } else { 1 };
                for day in 0..days {
                    let happens = rng.random::<f64>() < *chance;
                    let start = Instant(day * MS_PER_DAY) + Duration::from_hours(start_h.sample(&mut rng));
                    let duration = Duration::from_hours(duration_h.sample(&mut rng));
                    if happens && duration > Duration::ZERO && start < scenario.horizon {
                        out.push((i as u32, start, start + duration));
                    }
                }
            }
        }
    }
    out
}

/// Demand surges (start, end, multiplier) by site, for the order generator.
pub(crate) fn surges(scenario: &Scenario, occurrences: &[Occurrence]) -> Vec<Vec<(Instant, Instant, f64)>> {
    let mut by_site = vec![Vec::new(); scenario.sites.len()];
    for &(i, start, end) in occurrences {
        if let Effect::DemandSurge { multiplier, sites, region } = &scenario.disruptions[i as usize].effect {
            // A regional surge generates at the higher rate and thins (`keeps_arrival`).
            let rate = if region.is_some() { multiplier.max(1.0) } else { *multiplier };
            for &s in sites {
                by_site[s as usize].push((start, end, rate));
            }
        }
    }
    by_site
}

/// The disruptions of the replication: when each happens, those under way, and their own random
/// streams (driver no-shows, breakdowns, thinning of regional surges, stale inventory).
#[derive(Resource)]
pub(crate) struct Disruptions {
    pub occurrences: Vec<Occurrence>,
    pub active: Active,
    streams: Vec<Rng>,
}

/// Disruptions under way, and what the engine asks of them.
#[derive(Default)]
pub(crate) struct Active {
    pub indices: Vec<u32>,
    /// When each occurrence under way ends, in the order of `indices`.
    pub ends: Vec<Instant>,
    /// Weather regions by disruption index, ready for `weather_at`.
    pub regions: Vec<Option<Area>>,
    /// The slowest driving and longest unloading any weather can bring, for the drivers' guard
    /// (all the scenario's weather at once: overlapping regions multiply).
    pub worst_speed: f64,
    pub worst_service: f64,
}

impl Active {
    pub(crate) fn new(scenario: &Scenario) -> Active {
        let (mut worst_speed, mut worst_service) = (1.0f64, 1.0f64);
        let regions = scenario
            .disruptions
            .iter()
            .map(|d| {
                let region = match d.effect {
                    Effect::Weather { ref region, speed_multiplier, service_multiplier, .. } => {
                        worst_speed *= speed_multiplier.min(1.0);
                        worst_service *= service_multiplier.max(1.0);
                        Some(region)
                    }
                    Effect::DemandSurge { ref region, .. } => region.as_ref(),
                    _ => None,
                };
                region.map(|r| match r {
                    Region::Circle { center, radius_km } => {
                        Area::Circle(scenario.travel.prepare(*center), radius_km * scenario.travel.circuity)
                    }
                    Region::Polygon(points) => Area::Polygon(points.clone()),
                })
            })
            .collect();
        Active { indices: Vec::new(), ends: Vec::new(), regions, worst_speed, worst_service }
    }
}

/// A region ready for membership tests: a circle as a prepared centre and road-distance radius.
pub(crate) enum Area {
    Circle([f64; 3], f64),
    Polygon(Vec<Point>),
}

impl Area {
    fn contains(&self, travel: &TravelModel, point: &[f64; 3]) -> bool {
        match self {
            Area::Circle(center, radius) => travel.distance_prepared(center, point) <= *radius,
            Area::Polygon(vertices) => inside(vertices, travel.unprepare(point)),
        }
    }
}

/// Whether `p` is inside the polygon (even-odd rule: a ray to the right crosses an odd number of
/// edges). In longitude and latitude this is exact enough for regions of a country's size.
fn inside(vertices: &[Point], p: Point) -> bool {
    let mut odd = false;
    let mut j = vertices.len() - 1;
    for (i, a) in vertices.iter().enumerate() {
        let b = vertices[j];
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y) {
            odd = !odd;
        }
        j = i;
    }
    odd
}

/// The disruptions under way, each once however many of its occurrences overlap.
fn under_way(active: &Active) -> impl Iterator<Item = u32> + '_ {
    let indices = &active.indices;
    indices.iter().enumerate().filter(|&(k, i)| !indices[..k].contains(i)).map(|(_, &i)| i)
}

/// What is under way in a scenario without disruptions: nothing, ever (what [`Active::new`] gives
/// for none, without a lookup in the world at every leg and every order).
static NONE: Active =
    Active { indices: Vec::new(), ends: Vec::new(), regions: Vec::new(), worst_speed: 1.0, worst_service: 1.0 };

/// The disruptions under way.
pub(crate) fn active_now<'s>(sim: &'s Sim) -> &'s Active {
    if sim.scenario.disruptions.is_empty() {
        return &NONE;
    }
    &sim.world.resource::<Disruptions>().active
}

/// Speed and unloading-time multipliers of the weather under way at `point` (prepared).
pub(crate) fn weather_at(sim: &Sim, point: &[f64; 3]) -> (f64, f64) {
    let mut factors = (1.0, 1.0);
    let active = active_now(sim);
    for i in under_way(active) {
        if let (Some(area), Effect::Weather { speed_multiplier, service_multiplier, .. }) =
            (&active.regions[i as usize], &sim.scenario.disruptions[i as usize].effect)
            && area.contains(&sim.scenario.travel, point)
        {
            factors.0 *= speed_multiplier;
            factors.1 *= service_multiplier;
        }
    }
    factors
}

/// Draws when each disruption happens in this replication and inserts the domain's state.
pub(crate) fn spawn(sim: &mut Sim) {
    let (scenario, seed, rep) = (sim.scenario, sim.seed, sim.replication as u64);
    let streams =
        (0..scenario.disruptions.len() as u32).map(|i| stream_rng(seed, rep, Stream::Disruption(i))).collect();
    let occurrences = occurrences(scenario, seed, rep);
    sim.world.insert_resource(Disruptions { occurrences, active: Active::new(scenario), streams });
}

/// Schedules every occurrence's start and end.
pub(crate) fn start(sim: &mut Sim) {
    for &(index, start, end) in &sim.world.resource::<Disruptions>().occurrences {
        sim.cal.schedule(start, Event::Disruption { index, begins: true, end });
        sim.cal.schedule(end, Event::Disruption { index, begins: false, end });
    }
}

pub(crate) fn on_disruption(sim: &mut Sim, index: u32, begins: bool, end: Instant) {
    let now = sim.now();
    let disruption = index;
    sim.log.push(
        now,
        if begins { Record::DisruptionStarted { disruption } } else { Record::DisruptionEnded { disruption } },
    );
    let active = &mut sim.world.resource_mut::<Disruptions>().into_inner().active;
    if begins {
        active.indices.push(index);
        active.ends.push(end);
    } else if let Some(at) = (0..active.indices.len()).find(|&k| (active.indices[k], active.ends[k]) == (index, end)) {
        // Occurrences of one disruption may overlap (one per day, lasting over a day): end this one.
        active.indices.remove(at);
        active.ends.remove(at);
    }
    sim.signal(Signal::Disruption { index, begins });
}

/// Points at which a leg is checked against weather regions: evenly along the straight line.
const LEG_SAMPLES: usize = 16;

/// Points along the straight leg from `from` to `to` (prepared), at the middles of
/// `LEG_SAMPLES` equal parts (back on the sphere for great circles).
fn along(sim: &Sim, from: &[f64; 3], to: &[f64; 3]) -> impl Iterator<Item = [f64; 3]> {
    let sphere = sim.scenario.travel.metric == policies::Metric::GreatCircle;
    let (from, to) = (*from, *to);
    (0..LEG_SAMPLES).map(move |s| {
        let f = (s as f64 + 0.5) / LEG_SAMPLES as f64;
        let p = [0, 1, 2].map(|c| from[c] + (to[c] - from[c]) * f);
        let norm = if sphere { (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() } else { 1.0 };
        p.map(|c| c / norm)
    })
}

/// How much longer than in fair weather a leg takes: each part of it driven at the speed of the
/// weather over that part (1 when no weather is under way).
pub(crate) fn leg_slowdown(sim: &Sim, from: &[f64; 3], to: &[f64; 3]) -> f64 {
    if !active(sim, |d| matches!(d, Effect::Weather { .. })) {
        return 1.0;
    }
    along(sim, from, to).map(|p| 1.0 / weather_at(sim, &p).0).sum::<f64>() / LEG_SAMPLES as f64
}

/// How long a leg from `from` to `to` (prepared points) must wait before it may start: until
/// the last closure under way of a region it starts in, ends in or crosses is over (zero when none).
pub(crate) fn closure_wait(sim: &Sim, from: &[f64; 3], to: &[f64; 3]) -> Duration {
    let now = sim.now();
    let mut until = now;
    let active = active_now(sim);
    for (k, &i) in active.indices.iter().enumerate() {
        if let (Some(area), Effect::Weather { closed: true, .. }) =
            (&active.regions[i as usize], &sim.scenario.disruptions[i as usize].effect)
            && [*from, *to].into_iter().chain(along(sim, from, to)).any(|p| area.contains(&sim.scenario.travel, &p))
        {
            until = until.max(active.ends[k]);
        }
    }
    until.since(now)
}

/// Whether an order generated at `site` for `point` (prepared) is kept: regional surges under
/// way generate at `max(multiplier, 1)` times the rate and keep an order with probability
/// `multiplier / max(multiplier, 1)` inside their region and `1 / max(multiplier, 1)` outside,
/// so only the region's demand changes (thinning of a Poisson process).
pub(crate) fn keeps_arrival(sim: &mut Sim, site: u32, point: &[f64; 3]) -> bool {
    use rand::RngExt;
    if active_now(sim).indices.is_empty() {
        return true;
    }
    let scenario = sim.scenario;
    let Disruptions { active, streams, .. } = sim.world.resource_mut::<Disruptions>().into_inner();
    let mut keep = true;
    for i in under_way(active) {
        if let (Some(area), Effect::DemandSurge { multiplier, sites, region: Some(_) }) =
            (&active.regions[i as usize], &scenario.disruptions[i as usize].effect)
            && sites.contains(&site)
        {
            let inside = area.contains(&scenario.travel, point);
            let p = if inside { *multiplier } else { 1.0 } / multiplier.max(1.0);
            if p < 1.0 {
                keep &= streams[i as usize].random::<f64>() < p;
            }
        }
    }
    keep
}

/// Carrier `carrier`'s capacity multiplier and acceptance drop from the shortages under way.
pub(crate) fn carrier_shortage(sim: &Sim, carrier: u32) -> (f64, f64) {
    let (mut capacity, mut drop) = (1.0, 0.0);
    for &i in &active_now(sim).indices {
        if let Effect::CarrierShortage { carriers, capacity_multiplier, acceptance_drop } =
            &sim.scenario.disruptions[i as usize].effect
            && carriers.contains(&carrier)
        {
            capacity *= capacity_multiplier;
            drop += acceptance_drop;
        }
    }
    (capacity, drop)
}

/// How a driver due to start a shift turns up.
pub(crate) enum Attendance {
    OnTime,
    Late(Duration),
    Absent,
}

/// Whether a driver of `site` due to start a shift now turns up, and when: absent if any
/// absence under way says so, else late by the longest delay drawn.
pub(crate) fn attendance(sim: &mut Sim, site: u32) -> Attendance {
    use rand::RngExt;
    if active_now(sim).indices.is_empty() {
        return Attendance::OnTime;
    }
    let scenario = sim.scenario;
    let Disruptions { active, streams, .. } = sim.world.resource_mut::<Disruptions>().into_inner();
    let (mut absent, mut late) = (false, Duration::ZERO);
    for &i in &active.indices {
        if let Effect::DriverAbsence { sites, no_show_prob, late_prob, late_min } =
            &scenario.disruptions[i as usize].effect
            && sites.contains(&site)
        {
            let rng = &mut streams[i as usize];
            absent |= rng.random::<f64>() < *no_show_prob;
            if *late_prob > 0.0 && rng.random::<f64>() < *late_prob {
                late = late.max(Duration::from_min(late_min.sample(rng)));
            }
        }
    }
    match (absent, late) {
        (true, _) => Attendance::Absent,
        (false, Duration::ZERO) => Attendance::OnTime,
        (false, late) => Attendance::Late(late),
    }
}

/// Whether a vehicle starting a leg of `driving` breaks down on it: after how long, and for how
/// long it stands (the earliest failure of the breakdown disruptions under way).
pub(crate) fn breakdown(sim: &mut Sim, driving: Duration) -> Option<(Duration, Duration)> {
    use rand_distr::{Distribution, Exp1};
    if active_now(sim).indices.is_empty() {
        return None;
    }
    let scenario = sim.scenario;
    let Disruptions { active, streams, .. } = sim.world.resource_mut::<Disruptions>().into_inner();
    let mut first: Option<(Duration, Duration)> = None;
    for &i in &active.indices {
        if let Effect::Breakdowns { rate_per_hour, repair_min } = &scenario.disruptions[i as usize].effect {
            let rng = &mut streams[i as usize];
            let hours: f64 = Exp1.sample(rng);
            let after = Duration::from_hours(hours / rate_per_hour);
            if after < driving && first.is_none_or(|(f, _)| after < f) {
                first = Some((after, Duration::from_min(repair_min.sample(rng))));
            }
        }
    }
    first
}

/// Whether an effect matching `is` is under way.
pub(crate) fn active(sim: &Sim, is: impl Fn(&Effect) -> bool) -> bool {
    active_now(sim).indices.iter().any(|&i| is(&sim.scenario.disruptions[i as usize].effect))
}

/// How much later an order reported ready now really is ready, if the inventory feed is stale.
pub(crate) fn not_ready_for(sim: &mut Sim) -> Option<Duration> {
    use rand::RngExt;
    if active_now(sim).indices.is_empty() {
        return None;
    }
    let scenario = sim.scenario;
    let Disruptions { active, streams, .. } = sim.world.resource_mut::<Disruptions>().into_inner();
    for &i in &active.indices {
        if let Effect::InventoryStale { stale_prob, delay_min } = &scenario.disruptions[i as usize].effect {
            let rng = &mut streams[i as usize];
            if rng.random::<f64>() < *stale_prob {
                return Some(Duration::from_min(delay_min.sample(rng)));
            }
        }
    }
    None
}

#[cfg(test)]
#[path = "tests/disruptions.rs"]
mod tests;
