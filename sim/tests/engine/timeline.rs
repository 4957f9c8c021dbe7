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
    let series = |name| SERIES.iter().position(|x| *x == name).unwrap();
    for r in run_replications_with(&s, 11, 0..4, WITH_TIMELINE, &|| {}).unwrap() {
        let t = r.timeline.unwrap();
        assert_eq!(t.step, Timeline::step_for(s.horizon));
        assert_eq!(t.samples.len() as u64, s.horizon.0 / t.step.0 + 1, "a sample at 0, every step, and at the horizon");
        assert_eq!(t.samples[0], [0; 4], "nothing has happened at time zero");
        let last = t.samples.last().unwrap();
        assert_eq!(last[series("open_orders")] as f64, r.kpis.get("orders_open_end").unwrap());
        assert_eq!(last[series("exceptions_open")] as f64, r.kpis.get("exceptions_open_end").unwrap());
        assert!(t.samples.iter().any(|x| x[series("vehicles_busy")] > 0));
        assert!(t.samples.iter().all(|x| x[series("vehicles_busy")] as usize <= s.vehicles.len()));
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
