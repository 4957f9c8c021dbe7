//! The engine's invariants (every order accounted for exactly once, capacities, door counts,
//! drivers' hours, time order) checked on the event log over many seeds.

use sim::run_replication;

use crate::fixture::{FEWER_DRIVERS, tiny};
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
    // Those that need files are checked in their own modules (solomon, process).
    for info in policies::CATALOG.iter().filter(|p| !["plan_replay", "process"].contains(&p.kind)) {
        // Inline, the policy replaces tiny's whole, parameters and all: each with its defaults.
        let scenario = tiny(&format!("policy = {{ kind = \"{}\" }}\n", info.kind));
        for seed in 0..5 {
            let r = run_replication(&scenario, seed, 0, true).unwrap_or_else(|e| panic!("{}: {e}", info.kind));
            assert!(r.kpis.get("orders_delivered").unwrap() > 50.0, "{}: hardly any deliveries", info.kind);
        }
    }
}

/// Short of drivers, the own fleet leaves urgent orders behind; carrier overflow sends them by
/// carrier instead, within the daily capacity, and serves more orders on time (same seeds).
#[test]
fn carrier_overflow_rescues_urgent_orders_within_carrier_capacity() {
    let with = |policy: &str| {
        let s = tiny(&format!("policy = {{ {policy} }}\n{FEWER_DRIVERS}"));
        let runs: Vec<_> = (0..8).map(|seed| run_replication(&s, seed, 0, true).unwrap()).collect();
        let mean = |k: &str| runs.iter().map(|r| r.kpis.get(k).unwrap()).sum::<f64>() / runs.len() as f64;
        (mean("on_time_rate"), mean("premium_orders"), mean("premium_cost"))
    };
    let (own_on_time, own_premium, _) = with("kind = \"greedy_edd\"");
    let (overflow_on_time, premium, cost) = with("kind = \"carrier_overflow\", max_price = 60");
    assert_eq!(own_premium, 0.0);
    // The daily capacity (10) is checked by the invariant checker on every run above.
    assert!(premium > 1.0, "premium orders {premium}");
    assert_eq!(cost, premium * 45.0, "tiny's carrier charges 45");
    assert!(overflow_on_time > own_on_time, "on time {overflow_on_time} vs own fleet {own_on_time}");
    let (_, none, _) = with("kind = \"carrier_overflow\", max_price = 40");
    assert_eq!(none, 0.0, "no tender above the price cap");
}
