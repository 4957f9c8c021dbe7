//! The dock against queueing theory: an M/M/c queue must show the Erlang C mean wait, and the
//! dock KPIs must satisfy Little's law.

use sim::{Kpis, run_replications};

use crate::load;

/// Erlang C: probability that an arrival waits, for offered load `a` = lambda/mu erlangs on `c` servers.
fn erlang_c(a: f64, c: u32) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    let tail = term * c as f64 / (c as f64 - a);
    tail / (sum + tail)
}

fn kpis() -> Vec<Kpis> {
    let scenario = load("sim/tests/fixtures/dock_mmc.toml");
    run_replications(&scenario, scenario.seed, scenario.replications, true, &|| {})
        .unwrap()
        .into_iter()
        .map(|r| r.kpis)
        .collect()
}

#[test]
fn erlang_c_matches_textbook_value() {
    // Classic table value: 2 servers at a = 1 erlang -> P(wait) = 1/3.
    assert!((erlang_c(1.0, 2) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn dock_wait_matches_erlang_c() {
    let (lambda_h, mu_h, c) = (12.0, 5.0, 4); // fixture: 12 trucks/h, 12 min mean loading, 4 doors
    let wq_min = erlang_c(lambda_h / mu_h, c) / (c as f64 * mu_h - lambda_h) * 60.0;
    let waits: Vec<f64> = kpis().iter().map(|k| k.get("dock_wait_min_mean").unwrap()).collect();
    let stat = reports::Stat::of(&waits);
    let (lo, hi) = (stat.ci95_low.unwrap(), stat.ci95_high.unwrap());
    assert!(
        lo <= wq_min && wq_min <= hi,
        "Erlang C Wq = {wq_min:.3} min outside the simulated 95% CI [{lo:.3}, {hi:.3}]"
    );
    // And the interval is tight enough for the check to mean something.
    assert!(hi - lo < 0.2 * wq_min, "CI too wide: [{lo:.3}, {hi:.3}]");
}

#[test]
fn littles_law_holds_on_the_dock_queue() {
    for k in kpis() {
        let l = k.get("dock_queue_mean").unwrap();
        let lambda_per_min = k.get("dock_arrivals_per_hour").unwrap() / 60.0;
        let w = k.get("dock_wait_min_mean").unwrap();
        assert!((l - lambda_per_min * w).abs() <= 0.01 * l, "L = {l:.4}, lambda W = {:.4}", lambda_per_min * w);
    }
}

/// The SimPy peer model (benches/peers) is the system its README describes: with vehicles always
/// to spare, orders reach the dock as a Poisson stream (60 an hour) and load for an exponential
/// 3 minutes at 4 doors, an M/M/4 queue at 75% load.
#[test]
fn the_simpy_peer_models_dock_is_an_m_m_4_queue() {
    let scenario = load("benches/peers/depot.toml");
    let (lambda_h, mu_h, c) = (60.0, 20.0, 4);
    let wq_min = erlang_c(lambda_h / mu_h, c) / (c as f64 * mu_h - lambda_h) * 60.0;
    let runs = run_replications(&scenario, 2026, 40, true, &|| {}).unwrap();
    let waits: Vec<f64> = runs.iter().map(|r| r.kpis.get("dock_wait_min_mean").unwrap()).collect();
    let stat = reports::Stat::of(&waits);
    let (lo, hi) = (stat.ci95_low.unwrap(), stat.ci95_high.unwrap());
    assert!(lo <= wq_min && wq_min <= hi, "Erlang C Wq = {wq_min:.3} min outside the 95% CI [{lo:.3}, {hi:.3}]");
    assert!(hi - lo < 0.25 * wq_min, "CI too wide: [{lo:.3}, {hi:.3}]");
    for r in &runs {
        let (created, trips) = (r.kpis.get("orders_created").unwrap(), r.kpis.get("trips").unwrap());
        assert!((1440.0 - created).abs() < 4.0 * 1440f64.sqrt(), "{created} orders in a day at 60 an hour");
        assert_eq!(r.kpis.get("stops_per_trip_mean"), Some(1.0), "vehicles of capacity 1 carry one order");
        assert!(trips <= created);
    }
}
