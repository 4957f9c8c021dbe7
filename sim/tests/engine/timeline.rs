//! The state through the day and the warm-up period.

use sim::timeline::{SERIES, Timeline};
use sim::{RunOptions, run_replications, run_replications_with};

use crate::load;

const WITH_TIMELINE: RunOptions = RunOptions { check: true, timeline: true };

#[test]
fn sampling_the_timeline_leaves_the_run_unchanged() {
    let s = load("scenarios/regional.toml");
    let plain = run_replications(&s, 3, 2, false, &|| {}).unwrap();
    let sampled = run_replications_with(&s, 3, 0..2, WITH_TIMELINE, &|| {}).unwrap();
    for (a, b) in plain.iter().zip(&sampled) {
        assert_eq!((a.fingerprint, &a.kpis), (b.fingerprint, &b.kpis));
        assert!(a.timeline.is_none());
    }
}

#[test]
fn timeline_agrees_with_the_kpis() {
    let s = load("scenarios/regional.toml");
    let series = |name: &str| SERIES.iter().position(|x| *x == name).unwrap();
    for r in run_replications_with(&s, 11, 0..4, WITH_TIMELINE, &|| {}).unwrap() {
        let t = r.timeline.unwrap();
        assert_eq!(t.step, Timeline::step_for(s.horizon));
        assert_eq!(t.samples.len() as u64, s.horizon.0.div_ceil(t.step.0), "an average per interval to the horizon");
        // Equal intervals: the mean of the samples is the exact time average the KPIs report.
        let mean = |k: &str| t.samples.iter().map(|x| x[series(k)]).sum::<f64>() / t.samples.len() as f64;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        let queue = r.kpis.get("dock_queue_mean").unwrap();
        assert!(close(mean("dock_queue"), queue), "{} against {queue}", mean("dock_queue"));
        let utilisation = r.kpis.get("vehicle_utilisation").unwrap();
        assert!(close(mean("vehicles_busy") / s.vehicles.len() as f64, utilisation));
        assert!(t.samples.iter().all(|x| x[series("vehicles_busy")] <= s.vehicles.len() as f64));
        // The last interval ends at the horizon with the orders and exceptions still open there.
        let last = t.samples.last().unwrap();
        assert!(last[series("open_orders")] >= r.kpis.get("orders_open_end").unwrap() * 0.5);
        assert!(t.samples.iter().any(|x| x[series("exceptions_open")] > 0.0));
    }
}

#[test]
fn warm_up_excludes_the_start_and_keeps_the_history() {
    let s = load("scenarios/regional.toml");
    let mut warm = s.clone();
    warm.set_warmup(6.0).unwrap();
    let (a, b) =
        (run_replications(&s, 5, 3, true, &|| {}).unwrap(), run_replications(&warm, 5, 3, true, &|| {}).unwrap());
    for (a, b) in a.iter().zip(&b) {
        let (ka, kb) = (|k| a.kpis.get(k).unwrap(), |k| b.kpis.get(k).unwrap());
        assert_eq!(a.fingerprint, b.fingerprint, "the warm-up changes what is measured, not what happens");
        assert!(kb("orders_created") < ka("orders_created") && kb("orders_created") > 0.0);
        assert!(kb("orders_delivered") <= ka("orders_delivered"));
        assert!(kb("trips") <= ka("trips") && kb("cost_fleet") <= ka("cost_fleet"));
        assert_eq!(ka("orders_open_end"), kb("orders_open_end"), "state at the end is the same");
        // Fewer hours in the denominator: the empty early morning no longer dilutes utilisation.
        assert!(kb("vehicle_utilisation") >= ka("vehicle_utilisation"));
        let share = kb("on_time_rate");
        assert!((0.0..=1.0).contains(&share));
    }
    assert!(warm.set_warmup(24.0).is_err() && warm.set_warmup(-1.0).is_err());
}

#[test]
fn littles_law_holds_after_a_warm_up() {
    let mut s = load("sim/tests/fixtures/dock_mmc.toml");
    let w = s.horizon.as_hours() / 4.0;
    s.set_warmup(w).unwrap();
    for r in run_replications(&s, s.seed, 8, true, &|| {}).unwrap() {
        let k = |name| r.kpis.get(name).unwrap();
        let (l, lambda_per_min, wait) =
            (k("dock_queue_mean"), k("dock_arrivals_per_hour") / 60.0, k("dock_wait_min_mean"));
        // Vehicles queued across the warm-up boundary make a small edge effect.
        assert!((l - lambda_per_min * wait).abs() <= 0.03 * l, "L = {l:.4}, lambda W = {:.4}", lambda_per_min * wait);
    }
}
