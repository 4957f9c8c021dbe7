//! Disruptions move the KPIs they should, in the direction they should, against the undisturbed
//! baseline on the same random numbers; at neutral intensity they change nothing, bit for bit.

use sim::{Scenario, run_replication};

use crate::repo;

fn tiny_plus(extra: &str) -> Scenario {
    let text = std::fs::read_to_string(repo("scenarios/tiny.toml")).unwrap() + "\n" + extra;
    Scenario::from_str(&repo("scenarios/tiny.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Mean of a KPI over 8 seeds, invariants checked.
fn mean(s: &Scenario, kpi: &str) -> f64 {
    (0..8).map(|seed| run_replication(s, seed, 0, true).unwrap().kpis.get(kpi).unwrap()).sum::<f64>() / 8.0
}

const SURGE: &str = "[[disruption]]\nkind = \"demand_surge\"\nstart_h = 6\nduration_h = 4\nmultiplier = 1.8\n";
const OUTAGE: &str =
    "[[disruption]]\nkind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nstart_h = 6\nduration_h = 6\n";

#[test]
fn neutral_disruptions_change_nothing_bit_for_bit() {
    let base = tiny_plus("");
    let neutral =
        tiny_plus(&format!("{}\n{}", SURGE.replace("1.8", "1.0"), OUTAGE.replace("doors_down = 1", "doors_down = 0")));
    assert!(neutral.disruptions.is_empty(), "neutral disruptions are dropped at load");
    for seed in 0..3 {
        assert_eq!(run_replication(&base, seed, 0, false).unwrap(), run_replication(&neutral, seed, 0, false).unwrap());
    }
}

#[test]
fn a_demand_surge_brings_more_orders_and_fewer_on_time() {
    let (base, surge) = (tiny_plus(""), tiny_plus(SURGE));
    assert!(mean(&surge, "orders_created") > mean(&base, "orders_created") + 10.0);
    assert!(mean(&surge, "on_time_rate") < mean(&base, "on_time_rate"));
    assert!(mean(&surge, "lateness_min_mean") > mean(&base, "lateness_min_mean"));
}

#[test]
fn a_dock_outage_makes_vehicles_wait_for_doors() {
    let (base, outage) = (tiny_plus(""), tiny_plus(OUTAGE));
    assert!(mean(&outage, "dock_wait_min_mean") > mean(&base, "dock_wait_min_mean"));
    assert_eq!(mean(&outage, "orders_created"), mean(&base, "orders_created"), "demand is untouched");
}

#[test]
fn disruptions_leave_their_trace_in_the_log() {
    let s = tiny_plus(OUTAGE);
    let mut sink = sim::log::JsonLines::new(Vec::new());
    sim::Engine::new(&s, 1, 0, vec![&mut sink]).run().unwrap();
    let log = String::from_utf8(sink.finish().unwrap()).unwrap();
    let at = |kind: &str| log.lines().find(|l| l.contains(kind)).map(|l| l.to_string()).unwrap_or_default();
    assert!(at("disruption_started").starts_with("{\"t_ms\":21600000,"), "{}", at("disruption_started"));
    assert!(at("disruption_ended").starts_with("{\"t_ms\":43200000,"), "{}", at("disruption_ended"));
}

#[test]
fn a_disruption_naming_an_unknown_site_is_an_error_at_its_line() {
    let text = std::fs::read_to_string(repo("scenarios/tiny.toml")).unwrap();
    let line = text.lines().count() + 2;
    let err = Scenario::from_str(
        std::path::Path::new("t.toml"),
        &format!("{text}\n{}", OUTAGE.replace("\"depot\"", "\"nowhere\"")),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(&format!("t.toml:{line}:")) && err.contains("disruption[0].site: unknown site \"nowhere\""),
        "{err}"
    );
}
