use sim::run_replications;

use crate::load;

/// Golden fingerprint of the event log of `scenarios/tiny.toml`, seed 7, replications 0..3.
///
/// If this fails after an intended change of behaviour (engine, policy, scenario, generator),
/// check that the change is meant to alter results, then update the constants with the values
/// printed in the failure message.
#[test]
fn golden_event_log_fingerprint() {
    let scenario = load("scenarios/tiny.toml");
    let results = run_replications(&scenario, 7, 3, true, &|| {}).unwrap();
    let got: Vec<String> = results.iter().map(|r| format!("{:016x}", r.fingerprint)).collect();
    let want = ["4851918ff707503d", "d3f9078a00b8d7d1", "433ff14386985616"];
    assert_eq!(
        got, want,
        "the event log of tiny.toml changed. If intended, update `want` in sim/tests/engine/determinism.rs to {got:?}"
    );
}

#[test]
fn same_results_with_one_and_two_threads() {
    let scenario = load("scenarios/regional.toml");
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| run_replications(&scenario, 99, 6, false, &|| {})).unwrap()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    assert!(one.iter().all(|r| r.events > 5_000), "regional replications should be busy");
}

#[test]
fn replications_and_seeds_differ() {
    let scenario = load("scenarios/tiny.toml");
    let a = run_replications(&scenario, 1, 2, false, &|| {}).unwrap();
    let b = run_replications(&scenario, 2, 2, false, &|| {}).unwrap();
    assert_ne!(a[0].fingerprint, a[1].fingerprint);
    assert_ne!(a[0].fingerprint, b[0].fingerprint);
    // Replication i does not depend on how many replications run.
    let c = run_replications(&scenario, 1, 1, false, &|| {}).unwrap();
    assert_eq!(a[0], c[0]);
}
