//! Every shipped scenario with every shipped policy file finishes, with its invariants intact;
//! and a replication in which time stops moving on is stopped with an error, never a hang.

use policies::{AllocationPolicy, AllocationRequest, Decision, Duration, Epochs};
use rayon::prelude::*;
use sim::{RunError, Scenario, run_replication};

use crate::{load, repo, with_policy};

/// The `.toml` files of a folder under the repository root, in name order.
fn tomls(folder: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repo(folder))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".toml"))
        .map(|name| format!("{folder}/{name}"))
        .collect();
    files.sort();
    files
}

fn finishes(scenario: &Scenario, label: &str, seed: u64, replications: std::ops::Range<u32>) {
    for rep in replications {
        if let Err(e) = run_replication(scenario, seed, rep, true) {
            panic!("{label}, seed {seed}, replication {rep}: {e}");
        }
    }
}

/// The benchmarks' scenarios (the SimPy peer model, the scaled regional networks) are valid.
#[test]
fn every_benchmark_scenario_loads() {
    let files: Vec<String> = ["benches/peers", "benches/scale"].iter().flat_map(|folder| tomls(folder)).collect();
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        Scenario::load(&repo(&file)).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The shipped policy files under every shipped scenario are pinned (and their invariants
/// checked) by the golden test; the Python example policy, a program per replication, here.
#[test]
fn every_shipped_scenario_with_the_python_example_policy() {
    let scenarios = tomls("scenarios");
    assert!(scenarios.len() >= 9, "{scenarios:?}");
    scenarios.par_iter().for_each(|scenario| {
        let policy = "examples/policies/edd_fill.toml";
        finishes(&with_policy(scenario, &repo(policy)), &format!("{scenario} with {policy}"), 2026, 0..2)
    });
}

/// Found in the field: at a driver's last loading start, nearest_vehicle proposed a route the
/// vehicle gave up on at once (no slack to wait for a busy door), which re-opened the order, which
/// was proposed again at the same millisecond, without end (and 11.7 GB after 20 minutes).
#[test]
fn a_route_without_slack_is_refused_not_proposed_forever() {
    let policy = "scenarios/policies/nearest_vehicle.toml";
    for scenario in ["scenarios/regional-storm.toml", "scenarios/regional-storm-forecast.toml"] {
        let s = with_policy(scenario, &repo(policy));
        finishes(&s, scenario, 3, 0..1);
        finishes(&s, scenario, 5, 1..2);
    }
}

/// A policy whose periodic epochs come every 0 ms: each epoch schedules the next at the same instant.
struct ZeroInterval(Box<dyn AllocationPolicy>);

impl AllocationPolicy for ZeroInterval {
    fn epochs(&self) -> Epochs {
        Epochs { every: Some(Duration::ZERO), ..self.0.epochs() }
    }
    fn allocate(&mut self, request: &AllocationRequest) -> Decision {
        self.0.allocate(request)
    }
}

#[test]
fn time_that_stops_moving_on_is_an_error_naming_replication_time_and_decision() {
    let scenario = load("scenarios/tiny.toml");
    let policy = ZeroInterval(scenario.policy.builtin().expect("a built-in policy").build());
    let halt = sim::Engine::with_policy(&scenario, 7, 3, vec![], Box::new(policy)).run().unwrap_err();
    let message = halt.to_string();
    let RunError::Runaway(runaway) = &halt else { panic!("{halt:?}") };
    assert_eq!((runaway.replication, runaway.seed, runaway.at), (3, 7, policies::Instant::START));
    assert!(matches!(runaway.why, sim::runaway::Overrun::Decisions { .. }), "{:?}", runaway.why);
    assert!(message.starts_with("replication 3 (seed 7) ran away at 00:00:00.000 (t = 0 ms)"), "{message}");
    assert!(message.contains("decision epochs at this one instant"), "{message}");
    assert!(message.contains(r#""kind":"decision""#), "the repeating records are named: {message}");
}
