//! Disruptions: declared in the scenario, each over a window. Their start and end are in the
//! event log, so their effect can be followed; what they change lives with the domain it touches
//! (arrival rates in `orders`, doors in `docks`).

use policies::TimeMs;

use super::docks::{self, Site};
use crate::engine::{Engine, Event};
use crate::log::Record;
use crate::scenario::{Effect, Scenario};

/// Demand surges (start, end, multiplier) by site, for the order generator.
pub(crate) fn surges(scenario: &Scenario) -> Vec<Vec<(TimeMs, TimeMs, f64)>> {
    let mut by_site = vec![Vec::new(); scenario.sites.len()];
    for d in &scenario.disruptions {
        if let Effect::DemandSurge { multiplier, sites } = &d.effect {
            for &s in sites {
                by_site[s as usize].push((d.start, d.end, *multiplier));
            }
        }
    }
    by_site
}

pub(crate) fn start(e: &mut Engine) {
    for (i, d) in e.scenario.disruptions.iter().enumerate() {
        e.cal.schedule(d.start, Event::Disruption { index: i as u32, begins: true });
        e.cal.schedule(d.end, Event::Disruption { index: i as u32, begins: false });
    }
}

pub(crate) fn on_disruption(e: &mut Engine, index: u32, begins: bool) {
    let now = e.now();
    let disruption = index;
    e.log.push(
        now,
        if begins { Record::DisruptionStarted { disruption } } else { Record::DisruptionEnded { disruption } },
    );
    if let Effect::DockOutage { site, doors_down } = e.scenario.disruptions[index as usize].effect {
        let mut s = e.world.get_mut::<Site>(e.sites[site as usize]).expect("site");
        if begins {
            s.down += doors_down;
        } else {
            s.down -= doors_down;
            docks::start_loads(e, site);
        }
    }
}
