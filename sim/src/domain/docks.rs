//! Sites and their dock doors: vehicles queue first-come first-served for a free door, and loading
//! starts only while the doors are open. Loads that started before closing time are finished.
//! Dock outages take doors out of service (a [`Signal::Disruption`] from `disruptions`).

use std::collections::VecDeque;

use bevy_ecs::prelude::*;
use policies::{DailyWindow, Duration, Instant, MS_PER_DAY, MS_PER_MIN, Point, SiteId, SiteView, VehicleId};

use crate::kernel::log::{Record, TripId};
use crate::kernel::rng::{Rng, Stream, stream_rng};
use crate::scenario::Effect;
use crate::world::{Event, Signal, Sim};

#[derive(Component, Clone, Debug)]
pub struct Site {
    pub index: u32,
    pub location: Point,
    pub doors: u32,
    pub hours: DailyWindow,
    pub load_fixed_mean: Duration,
    pub load_per_unit_mean_ms: f64,
    /// Doors out of service (dock outages).
    pub down: u32,
}

#[derive(Component, Default, Debug)]
pub struct Dock {
    /// Doors loading right now; never more than `Site::doors`.
    pub busy: u32,
    /// Per door, the vehicle and trip loading at it: a vehicle takes the lowest free door (a
    /// dock outage takes no door in particular, only the count in service).
    pub loading: Vec<Option<(VehicleId, TripId)>>,
    /// Vehicles waiting for a door, first come first served.
    pub queue: VecDeque<Queued>,
}

/// A vehicle waiting for a door with `load` units to load, since `since`.
#[derive(Clone, Copy, Debug)]
pub struct Queued {
    pub vehicle: Entity,
    pub id: VehicleId,
    pub trip: TripId,
    pub since: Instant,
    pub load: u32,
}

/// The sites by index, their locations prepared for `TravelModel::distance_prepared`, and their
/// loading-time streams.
#[derive(Resource)]
pub(crate) struct Sites {
    entities: Vec<Entity>,
    points: Vec<[f64; 3]>,
    loading: Vec<Rng>,
}

/// Site `site`'s location, prepared for `TravelModel::distance_prepared`.
#[inline]
pub(crate) fn point(sim: &Sim, site: u32) -> [f64; 3] {
    sim.world.resource::<Sites>().points[site as usize]
}

fn dock_mut<'w>(sim: &'w mut Sim, site: u32) -> Mut<'w, Dock> {
    let entity = sim.world.resource::<Sites>().entities[site as usize];
    sim.world.get_mut::<Dock>(entity).expect("every site has a dock")
}

pub(crate) fn spawn(sim: &mut Sim) {
    sim.world.init_resource::<SiteViews>();
    let (scenario, seed, rep) = (sim.scenario, sim.seed, sim.replication as u64);
    let sites = Sites {
        entities: Vec::with_capacity(scenario.sites.len()),
        points: scenario.sites.iter().map(|s| scenario.travel.prepare(s.location)).collect(),
        loading: (0..scenario.sites.len() as u32).map(|i| stream_rng(seed, rep, Stream::Dock(i))).collect(),
    };
    sim.world.insert_resource(sites);
    for (i, s) in sim.scenario.sites.iter().enumerate() {
        let site = Site {
            index: i as u32,
            location: s.location,
            doors: s.doors,
            hours: s.hours,
            load_fixed_mean: Duration::from_min(s.load_fixed_min.mean()),
            load_per_unit_mean_ms: s.load_per_unit_min.mean() * MS_PER_MIN as f64,
            down: 0,
        };
        let dock = Dock { loading: vec![None; s.doors as usize], ..Dock::default() };
        let entity = sim.world.spawn((site, dock)).id();
        sim.world.resource_mut::<Sites>().entities.push(entity);
        if !s.hours.is_always() {
            // The first opening after time zero (at time zero nothing is queued yet).
            let first = if s.hours.open_ms == 0 { MS_PER_DAY } else { s.hours.open_ms };
            sim.cal.schedule(Instant(first), Event::DocksOpen { site: i as u32 });
        }
    }
}

/// A vehicle with its route arrives at its site's doors.
pub(crate) fn arrive(sim: &mut Sim, site: u32, queued: Queued) {
    let now = sim.now();
    sim.log.push(now, Record::DockArrived { trip: queued.trip, vehicle: queued.id, site: SiteId(site) });
    dock_mut(sim, site).queue.push_back(queued);
    start_loads(sim, site);
}

/// Starts loading queued vehicles while doors are free and open.
pub(crate) fn start_loads(sim: &mut Sim, site: u32) {
    let now = sim.now();
    let entity = sim.world.resource::<Sites>().entities[site as usize];
    let (doors, hours) = {
        let s = sim.world.get::<Site>(entity).expect("site");
        (s.doors.saturating_sub(s.down), s.hours)
    };
    if !hours.contains(now) {
        return;
    }
    loop {
        let mut dock = sim.world.get_mut::<Dock>(entity).expect("dock");
        if dock.busy >= doors {
            return;
        }
        let Some(queued) = dock.queue.pop_front() else {
            return;
        };
        dock.busy += 1;
        assert!(dock.busy <= doors, "more vehicles loading than doors at site {site}");
        let door = dock.loading.iter().position(Option::is_none).expect("fewer loading than doors: one is free");
        dock.loading[door] = Some((queued.id, queued.trip));
        let door = door as u32;
        sim.signal(Signal::LoadingStarted { vehicle: queued.vehicle });
        let spec = &sim.scenario.sites[site as usize];
        let rng = &mut sim.world.resource_mut::<Sites>().into_inner().loading[site as usize];
        let minutes = spec.load_fixed_min.sample(rng) + spec.load_per_unit_min.sample(rng) * queued.load as f64;
        let waited = now.since(queued.since);
        let (vehicle, id, trip) = (queued.vehicle, queued.id, queued.trip);
        sim.log.push(now, Record::LoadingStarted { trip, vehicle: id, site: SiteId(site), door, waited });
        sim.cal.schedule_in(Duration::from_min(minutes), Event::LoadingDone { vehicle, site, door });
    }
}

pub(crate) fn on_open(sim: &mut Sim, site: u32) {
    let now = sim.now();
    sim.log.push(now, Record::DocksOpened { site: SiteId(site) });
    start_loads(sim, site);
    sim.cal.schedule(now + Duration::DAY, Event::DocksOpen { site });
}

/// Longest loading of `units` can take at `site` (means where a distribution is unbounded).
pub(crate) fn load_bound(sim: &Sim, site: u32, units: u32) -> Duration {
    let s = &sim.scenario.sites[site as usize];
    let bound = |d: &crate::dist::Dist| d.upper_bound().unwrap_or(d.mean());
    Duration::from_min(bound(&s.load_fixed_min) + bound(&s.load_per_unit_min) * units as f64)
}

/// A vehicle that waited too long for a door leaves the queue.
pub(crate) fn leave_queue(sim: &mut Sim, site: u32, vehicle: Entity) {
    let mut dock = dock_mut(sim, site);
    let at = dock.queue.iter().position(|q| q.vehicle == vehicle).expect("a give-up is withdrawn when loading starts");
    dock.queue.remove(at);
}

/// A door is free again (the vehicle leaves: see `fleet::depart`).
pub(crate) fn on_loading_done(sim: &mut Sim, site: u32, door: u32) {
    let mut dock = dock_mut(sim, site);
    dock.busy -= 1;
    let (id, trip) = dock.loading[door as usize].take().expect("a vehicle loads at the door");
    sim.log.push(sim.now(), Record::LoadingDone { trip, vehicle: id, site: SiteId(site), door });
    start_loads(sim, site);
}

/// A dock outage takes doors out of service at its start and gives them back at its end.
pub(crate) fn on_disruption(sim: &mut Sim, index: u32, begins: bool) {
    if let Effect::DockOutage { site, doors_down } = sim.scenario.disruptions[index as usize].effect {
        let entity = sim.world.resource::<Sites>().entities[site as usize];
        let mut s = sim.world.get_mut::<Site>(entity).expect("site");
        if begins {
            s.down += doors_down;
        } else {
            s.down -= doors_down;
            start_loads(sim, site);
        }
    }
}

/// The sites as the allocation policy sees them, indexed by `SiteId` (written by [`site_views`]).
#[derive(Resource, Default)]
pub struct SiteViews(pub Vec<SiteView>);

/// View system: each site's doors in service, doors busy, queue and hours.
pub(crate) fn site_views(mut out: ResMut<SiteViews>, sites: Query<(&Site, &Dock)>) {
    let views = &mut out.0;
    views.clear();
    views.extend(sites.iter().map(|(s, d)| SiteView {
        id: SiteId(s.index),
        location: s.location,
        doors: s.doors.saturating_sub(s.down),
        doors_busy: d.busy,
        queue_len: d.queue.len() as u32,
        hours: s.hours,
        load_fixed_mean: s.load_fixed_mean,
        load_per_unit_mean_ms: s.load_per_unit_mean_ms,
    }));
    views.sort_unstable_by_key(|s| s.id);
}

#[cfg(test)]
#[path = "tests/docks.rs"]
mod tests;
