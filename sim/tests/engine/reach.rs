//! Disruptions that reach nothing are reported, not run silently: a weather region outside the
//! network (longitude and latitude swapped), a carrier shortage under a policy that never
//! tenders, a random disruption that never happened.

use sim::{Scenario, reach, run_replications};

use crate::fixture::{Derived, FEWER_DRIVERS, OVERFLOW, TINY, tiny, value};
use crate::load;

fn warnings(s: &Scenario, n: u32) -> Vec<String> {
    reach::warnings(s, &run_replications(s, 1, n, false, &|| ()).unwrap())
}

#[test]
fn a_storm_with_longitude_and_latitude_swapped_reaches_nothing_and_says_so() {
    let storm = load("scenarios/regional-storm.toml");
    assert_eq!(reach::region_warnings(&storm), Vec::<String>::new(), "Birmingham's storm reaches the network");
    // regional-storm's storm, longitude and latitude swapped, over regional.
    let swapped = "[[disruption]]\nkind = \"weather\"\ncenter = [52.4862, -1.8904]\nradius_km = 25\nspeed_multiplier = 0.6\nservice_multiplier = 1.3\nstart_h = 6\nduration_h = 5\n";
    let swapped = Derived::overlay("scenarios/regional.toml", swapped).scenario();
    let w = reach::region_warnings(&swapped);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("disruption 1 (weather from 6.0 h to 11.0 h): its region reaches no site, customer or route"),
        "{w:?}"
    );
    assert!(w[0].contains("longitude and latitude, swapped?"), "{w:?}");
}

#[test]
fn a_region_beside_the_network_is_not_reported_but_one_far_away_is() {
    // tiny: one depot at the origin, customers within its disk; a storm grazing the disk reaches routes.
    let storm = |x: f64| {
        format!(
            "[[disruption]]\nkind = \"weather\"\ncenter = [{x}, 0.0]\nradius_km = 5\nspeed_multiplier = 0.5\nstart_h = 6\nduration_h = 4\n"
        )
    };
    let radius = value(TINY, "orders.destinations.radius_km");
    let radius = radius.as_float().or(radius.as_integer().map(|r| r as f64)).expect("a radius");
    assert!(reach::region_warnings(&tiny(&storm(radius + 4.0))).is_empty());
    assert_eq!(reach::region_warnings(&tiny(&storm(radius + 50.0))).len(), 1);
    let polygon = "[[disruption]]\nkind = \"weather\"\npolygon = [[500, 500], [510, 500], [510, 510]]\nspeed_multiplier = 0.5\nstart_h = 6\nduration_h = 4\n";
    assert_eq!(reach::region_warnings(&tiny(polygon)).len(), 1);
}

const SHORTAGE: &str = "[[disruption]]\nkind = \"carrier_shortage\"\ncapacity_multiplier = 0.3\nacceptance_drop = 0.5\nstart_h = 0\nduration_h = 24\n";

#[test]
fn a_carrier_shortage_under_a_policy_that_never_tenders_is_reported() {
    // tiny's greedy_edd never tenders.
    let w = warnings(&tiny(SHORTAGE), 3);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("carrier_shortage") && w[0].contains("nothing was tendered"), "{w:?}");
    // Short of drivers, carrier_overflow tenders: the shortage bites, no warning.
    let tendering = tiny(&[FEWER_DRIVERS, OVERFLOW, SHORTAGE].join("\n"));
    assert_eq!(warnings(&tendering, 3), Vec::<String>::new());
}

#[test]
fn a_disruption_that_never_happened_is_reported() {
    let rare = "[[disruption]]\nkind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nchance = 0.000001\nstart_h = 6\nduration_h = 2\n";
    let w = warnings(&tiny(rare), 2);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("did not happen in any of the 2 replications"), "{w:?}");
}
