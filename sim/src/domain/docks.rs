//! Sites and their dock doors: vehicles queue first-come first-served for a free door, and loading
//! starts only while the doors are open. Loads that started before closing time are finished.

use std::collections::VecDeque;

use bevy_ecs::prelude::*;
use policies::{DailyWindow, MS_PER_DAY, MS_PER_MIN, Point, SiteId, TimeMs};

use crate::engine::{Engine, Event};
use crate::log::Record;

#[derive(Component, Clone, Debug)]
pub struct Site {
    pub index: u32,
    pub location: Point,
    pub doors: u32,
    pub hours: DailyWindow,
    pub load_fixed_mean: TimeMs,
    pub load_per_unit_mean_ms: f64,
    /// Doors out of service (dock outages).
    pub down: u32,
}

#[derive(Component, Default, Debug)]
pub struct Dock {
    /// Doors loading right now; never more than `Site::doors`.
    pub busy: u32,
    /// Vehicles waiting for a door, first come first served.
    pub queue: VecDeque<Entity>,
}

pub(crate) fn spawn(e: &mut Engine) {
    for (i, s) in e.scenario.sites.iter().enumerate() {
        let site = Site {
            index: i as u32,
            location: s.location,
            doors: s.doors,
            hours: s.hours,
            load_fixed_mean: TimeMs::from_min(s.load_fixed_min.mean()),
            load_per_unit_mean_ms: s.load_per_unit_min.mean() * MS_PER_MIN as f64,
            down: 0,
        };
        e.sites.push(e.world.spawn((site, Dock::default())).id());
        if !s.hours.is_always() {
            // The first opening after time zero (at time zero nothing is queued yet).
            let first = if s.hours.open_ms == 0 { MS_PER_DAY } else { s.hours.open_ms };
            e.cal.schedule(TimeMs(first), Event::DocksOpen { site: i as u32 });
        }
    }
}

/// A vehicle with its route arrives at its site's doors.
pub(crate) fn arrive(e: &mut Engine, site: u32, vehicle: Entity) {
    let now = e.now();
    let vehicle_id = e.world.get::<super::fleet::Vehicle>(vehicle).expect("vehicle").id;
    e.log.push(now, Record::DockArrived { vehicle: vehicle_id, site: SiteId(site) });
    e.world.get_mut::<Dock>(e.sites[site as usize]).expect("dock").queue.push_back(vehicle);
    start_loads(e, site);
}

/// Starts loading queued vehicles while doors are free and open.
pub(crate) fn start_loads(e: &mut Engine, site: u32) {
    let now = e.now();
    let entity = e.sites[site as usize];
    let (doors, hours) = {
        let s = e.world.get::<Site>(entity).expect("site");
        (s.doors.saturating_sub(s.down), s.hours)
    };
    if !hours.contains(now) {
        return;
    }
    loop {
        let mut dock = e.world.get_mut::<Dock>(entity).expect("dock");
        if dock.busy >= doors {
            return;
        }
        let Some(vehicle) = dock.queue.pop_front() else {
            return;
        };
        dock.busy += 1;
        assert!(dock.busy <= doors, "more vehicles loading than doors at site {site}");
        let (vehicle_id, queued_at, load) = super::fleet::start_loading(e, vehicle);
        let spec = &e.scenario.sites[site as usize];
        let rng = &mut e.rng.dock[site as usize];
        let minutes = spec.load_fixed_min.sample(rng) + spec.load_per_unit_min.sample(rng) * load as f64;
        e.log.push(now, Record::LoadingStarted { vehicle: vehicle_id, site: SiteId(site), waited: now - queued_at });
        e.cal.schedule_in(TimeMs::from_min(minutes), Event::LoadingDone { vehicle });
    }
}

pub(crate) fn on_open(e: &mut Engine, site: u32) {
    let now = e.now();
    e.log.push(now, Record::DocksOpened { site: SiteId(site) });
    start_loads(e, site);
    e.cal.schedule(now + TimeMs(MS_PER_DAY), Event::DocksOpen { site });
}

/// Longest loading of `units` can take at `site` (means where a distribution is unbounded).
pub(crate) fn load_bound(e: &Engine, site: u32, units: u32) -> TimeMs {
    let s = &e.scenario.sites[site as usize];
    let bound = |d: &crate::dist::Dist| d.upper_bound().unwrap_or(d.mean());
    TimeMs::from_min(bound(&s.load_fixed_min) + bound(&s.load_per_unit_min) * units as f64)
}

/// The vehicle waited too long for a door: it leaves the queue and its route is released.
pub(crate) fn on_give_up(e: &mut Engine, vehicle: Entity) {
    let site = e.world.get::<super::fleet::Vehicle>(vehicle).expect("vehicle").site;
    let mut dock = e.world.get_mut::<Dock>(e.sites[site as usize]).expect("dock");
    let at = dock.queue.iter().position(|v| *v == vehicle).expect("a give-up is withdrawn when loading starts");
    dock.queue.remove(at);
    super::fleet::release_unloaded(e, vehicle);
}

pub(crate) fn on_loading_done(e: &mut Engine, vehicle: Entity) {
    let site = e.world.get::<super::fleet::Vehicle>(vehicle).expect("vehicle").site;
    e.world.get_mut::<Dock>(e.sites[site as usize]).expect("dock").busy -= 1;
    let vehicle_id = e.world.get::<super::fleet::Vehicle>(vehicle).expect("vehicle").id;
    e.log.push(e.now(), Record::LoadingDone { vehicle: vehicle_id, site: SiteId(site) });
    start_loads(e, site);
    super::fleet::depart(e, vehicle);
}
