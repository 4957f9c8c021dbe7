//! The engine's invariants (every order accounted for exactly once, capacities, door counts,
//! drivers' hours, time order) checked on the event log over many seeds.

use sim::run_replication;

use crate::load;

fn check_many(path: &str, seeds: std::ops::Range<u64>, replications: u32) {
    let scenario = load(path);
    for seed in seeds {
        for rep in 0..replications {
            if let Err(e) = run_replication(&scenario, seed, rep, true) {
                panic!("{path}: {e}");
            }
        }
    }
}

#[test]
fn tiny_over_many_seeds() {
    check_many("scenarios/tiny.toml", 0..40, 2);
}

#[test]
fn stressed_network_over_many_seeds() {
    // Doors shut at night, a night shift across midnight, short overtime, cancellations, three days.
    check_many("sim/tests/fixtures/stressed.toml", 0..25, 2);
}

#[test]
fn regional_over_a_few_seeds() {
    check_many("scenarios/regional.toml", 0..3, 1);
}

#[test]
fn stressed_network_exercises_what_the_invariants_guard() {
    // The invariant checks above are only meaningful if the fixture really hits the limits.
    let scenario = load("sim/tests/fixtures/stressed.toml");
    let kpi = |name: &str| -> f64 {
        (0..10).map(|s| run_replication(&scenario, s, 0, true).unwrap().kpis.get(name).unwrap()).sum()
    };
    assert!(kpi("orders_cancelled") > 0.0, "no cancellations");
    assert!(kpi("dock_wait_min_mean") > 0.0, "doors never busy");
    assert!(kpi("stops_aborted") > 0.0, "the drivers' hours guard never acted");
    assert!(kpi("orders_delivered") > 100.0, "hardly any deliveries");
}

#[test]
fn every_built_in_policy_keeps_the_invariants() {
    let tiny = std::fs::read_to_string(crate::repo("scenarios/tiny.toml")).unwrap();
    let base = &tiny[..tiny.find("[policy]").unwrap()];
    for info in policies::CATALOG.iter().filter(|p| p.settings.is_empty()) {
        let text = format!("{base}[policy]\nkind = \"{}\"\n", info.kind);
        let scenario = sim::Scenario::from_str(&crate::repo("scenarios/tiny.toml"), &text).unwrap();
        for seed in 0..5 {
            let r = run_replication(&scenario, seed, 0, true).unwrap_or_else(|e| panic!("{}: {e}", info.kind));
            assert!(r.kpis.get("orders_delivered").unwrap() > 50.0, "{}: hardly any deliveries", info.kind);
        }
    }
}
