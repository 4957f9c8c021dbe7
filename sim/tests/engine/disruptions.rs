//! Disruptions move the KPIs they should, in the direction they should, against the undisturbed
//! baseline on the same random numbers; at neutral intensity they change nothing, bit for bit.

use sim::{Scenario, run_replication};

use crate::fixture::{Derived, FEWER_DRIVERS, OVERFLOW, TINY, tiny};

/// The error tiny with `overlay` gives.
fn tiny_error(overlay: &str) -> String {
    crate::fixture::tiny_error(overlay).to_string()
}

/// Mean of a KPI over 8 seeds, invariants checked.
fn mean(s: &Scenario, kpi: &str) -> f64 {
    (0..8).map(|seed| run_replication(s, seed, 0, true).unwrap().kpis.get(kpi).unwrap()).sum::<f64>() / 8.0
}

const SURGE: &str = "[[disruption]]\nkind = \"demand_surge\"\nstart_h = 6\nduration_h = 4\nmultiplier = 1.8\n";
const OUTAGE: &str =
    "[[disruption]]\nkind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nstart_h = 6\nduration_h = 6\n";
const STORM: &str = "[[disruption]]\nkind = \"weather\"\ncenter = [0.0, 0.0]\nradius_km = 30\nspeed_multiplier = 0.5\nservice_multiplier = 1.5\nstart_h = 6\nduration_h = 8\n";
const SHORTAGE: &str = "[[disruption]]\nkind = \"carrier_shortage\"\ncapacity_multiplier = 0.3\nacceptance_drop = 0.5\nstart_h = 0\nduration_h = 24\n";
const ABSENCE: &str = "[[disruption]]\nkind = \"driver_absence\"\nno_show_prob = 0.4\nstart_h = 0\nduration_h = 24\n";
const CLOSURE: &str = "[[disruption]]\nkind = \"weather\"\ncenter = [5.0, 0.0]\nradius_km = 8\nclosed = true\nstart_h = 9\nduration_h = 2\n";
const LATE: &str = "[[disruption]]\nkind = \"driver_absence\"\nlate_prob = 0.6\nlate_min = { dist = \"triangular\", min = 20, mode = 60, max = 150 }\nstart_h = 0\nduration_h = 24\n";
const BREAKDOWNS: &str = "[[disruption]]\nkind = \"breakdowns\"\nrate_per_hour = 0.3\nrepair_min = { dist = \"triangular\", min = 20, mode = 45, max = 120 }\nstart_h = 0\nduration_h = 24\n";

#[test]
fn neutral_disruptions_change_nothing_bit_for_bit() {
    let base = tiny("");
    let neutral = tiny(
        &[
            SURGE.replace("1.8", "1.0"),
            OUTAGE.replace("doors_down = 1", "doors_down = 0"),
            STORM
                .replace("speed_multiplier = 0.5", "speed_multiplier = 1")
                .replace("service_multiplier = 1.5", "service_multiplier = 1"),
            SHORTAGE
                .replace("capacity_multiplier = 0.3", "capacity_multiplier = 1")
                .replace("acceptance_drop = 0.5", "acceptance_drop = 0"),
            ABSENCE.replace("0.4", "0.0"),
            BREAKDOWNS.replace("rate_per_hour = 0.3", "rate_per_hour = 0"),
            INVENTORY_STALE.replace("stale_prob = 0.3", "stale_prob = 0"),
        ]
        .join("\n"),
    );
    assert!(neutral.disruptions.is_empty(), "neutral disruptions are dropped at load");
    for seed in 0..3 {
        assert_eq!(run_replication(&base, seed, 0, false).unwrap(), run_replication(&neutral, seed, 0, false).unwrap());
    }
}

#[test]
fn a_demand_surge_brings_more_orders_and_fewer_on_time() {
    let (base, surge) = (tiny(""), tiny(SURGE));
    assert!(mean(&surge, "orders_created") > mean(&base, "orders_created") + 10.0);
    assert!(mean(&surge, "on_time_rate") < mean(&base, "on_time_rate"));
    assert!(mean(&surge, "lateness_min_mean") > mean(&base, "lateness_min_mean"));
}

#[test]
fn a_regional_surge_changes_only_the_demand_for_its_region() {
    let east = "polygon = [[0.0, -20.0], [20.0, -20.0], [20.0, 20.0], [0.0, 20.0]]\n";
    let (base, all) = (tiny(""), tiny(SURGE));
    let regional = tiny(&(SURGE.to_string() + east));
    let drop = tiny(&(SURGE.replace("1.8", "0.0") + east));
    let n = |s: &Scenario| mean(s, "orders_created");
    // The surge's window holds about 50 of tiny's orders, half of them for the east: +40 for all,
    // +20 for the east only; no orders for the east: -25 (measured over 40 seeds: +40.4, +19.8, -24.1).
    assert!(n(&base) + 8.0 < n(&regional) && n(&regional) + 8.0 < n(&all), "{} {} {}", n(&base), n(&regional), n(&all));
    assert!(n(&drop) + 8.0 < n(&base), "{} {}", n(&drop), n(&base));
}

#[test]
fn a_dock_outage_makes_vehicles_wait_for_doors() {
    let (base, outage) = (tiny(""), tiny(OUTAGE));
    assert!(mean(&outage, "dock_wait_min_mean") > mean(&base, "dock_wait_min_mean"));
    assert_eq!(mean(&outage, "orders_created"), mean(&base, "orders_created"), "demand is untouched");
}

#[test]
fn disruptions_leave_their_trace_in_the_log() {
    let s = tiny(OUTAGE);
    let mut sink = sim::eventlog::JsonLines::new(Vec::new());
    sim::Engine::new(&s, 1, 0, vec![&mut sink]).run().unwrap();
    let log = String::from_utf8(sink.finish().unwrap()).unwrap();
    let at = |kind: &str| log.lines().find(|l| l.contains(kind)).map(|l| l.to_string()).unwrap_or_default();
    assert!(
        at("disruption_started").starts_with("{\"replication\":0,\"t_ms\":21600000,"),
        "{}",
        at("disruption_started")
    );
    assert!(at("disruption_ended").starts_with("{\"replication\":0,\"t_ms\":43200000,"), "{}", at("disruption_ended"));
}

#[test]
fn a_disruption_naming_an_unknown_site_is_an_error_at_its_line() {
    let overlay = Derived::overlay(TINY, &OUTAGE.replace("\"depot\"", "\"nowhere\""));
    let line = overlay.text().lines().position(|l| l.starts_with("site = ")).unwrap() + 1;
    let err = overlay.error().to_string();
    let at = format!("{}:{line}:1: disruption[0].site: unknown site \"nowhere\"", overlay.path().display());
    assert!(err.starts_with(&at), "{err}");
}

#[test]
fn a_storm_slows_driving_and_unloading_in_its_region() {
    let (base, storm) = (tiny(""), tiny(STORM));
    assert!(mean(&storm, "on_time_rate") < mean(&base, "on_time_rate"));
    assert!(mean(&storm, "lateness_min_mean") > mean(&base, "lateness_min_mean"));
    assert!(mean(&storm, "vehicle_utilisation") > mean(&base, "vehicle_utilisation"), "trips take longer");
}

#[test]
fn a_storm_between_the_depot_and_its_customers_slows_the_legs_through_it() {
    // One customer 14 km east; the storm covers the middle 6 km of the road, not either end.
    let customer = "[orders]\ndestinations = { kind = \"customers\", points = [[14.0, 0.0]] }\n";
    let scenario = |extra: &str| tiny(&format!("{customer}\n{extra}"));
    let storm = "[[disruption]]\nkind = \"weather\"\ncenter = [7.0, 0.0]\nradius_km = 3\nspeed_multiplier = 0.5\nstart_h = 0\nduration_h = 24\n";
    let (base, through) = (scenario(""), scenario(storm));
    assert!(mean(&through, "vehicle_utilisation") > mean(&base, "vehicle_utilisation"), "trips take longer");
    assert!(mean(&through, "lateness_min_mean") >= mean(&base, "lateness_min_mean"));
    // Closed, it holds every leg through it until the end of the day: nothing is delivered.
    let closed = scenario(&(storm.to_string() + "closed = true\n"));
    assert!(mean(&closed, "legs_held") > 0.0);
    assert_eq!(mean(&closed, "orders_delivered"), mean(&closed, "premium_orders"));
}

#[test]
fn a_storm_over_a_polygon_slows_only_what_is_inside() {
    let polygon = |square: &str| STORM.replace("center = [0.0, 0.0]\nradius_km = 30", &format!("polygon = {square}"));
    // The disk of orders (15 km) inside the square, then only its eastern half: less lateness.
    let all = tiny(&polygon("[[-20.0, -20.0], [20.0, -20.0], [20.0, 20.0], [-20.0, 20.0]]"));
    let east = tiny(&polygon("[[0.5, -20.0], [20.0, -20.0], [20.0, 20.0], [0.5, 20.0]]"));
    let base = tiny("");
    let (l_all, l_east, l_base) =
        (mean(&all, "lateness_min_mean"), mean(&east, "lateness_min_mean"), mean(&base, "lateness_min_mean"));
    assert!(l_all > l_east && l_east > l_base, "{l_all} > {l_east} > {l_base}");
    // A region must be one or the other.
    let both = STORM.replace("radius_km = 30", "radius_km = 30\npolygon = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]");
    let err = tiny_error(&both);
    assert!(err.contains("disruption[0].polygon"), "{err}");
}

#[test]
fn a_carrier_shortage_cuts_premium_freight_and_raises_rejections() {
    // Short of drivers, carrier_overflow leans on the carrier; the shortage takes it away.
    let (calm, short) = (strained(""), strained(SHORTAGE));
    assert!(mean(&short, "premium_orders") < mean(&calm, "premium_orders"));
    assert!(mean(&short, "tenders_rejected") > mean(&calm, "tenders_rejected"));
}

#[test]
fn absent_drivers_leave_orders_behind() {
    let (base, absent) = (tiny(""), tiny(ABSENCE));
    assert!(mean(&absent, "driver_no_shows") > 1.0);
    assert_eq!(mean(&base, "driver_no_shows"), 0.0);
    assert!(mean(&absent, "on_time_rate") < mean(&base, "on_time_rate"));
}

#[test]
fn a_closed_region_holds_the_legs_into_and_out_of_it_until_it_reopens() {
    let (base, closed) = (tiny(""), tiny(CLOSURE));
    assert!(mean(&closed, "legs_held") > 2.0);
    let hold = mean(&closed, "leg_hold_min_mean");
    assert!(hold > 0.0 && hold <= 120.0, "{hold}");
    assert_eq!(mean(&base, "legs_held"), 0.0);
    assert!(mean(&closed, "lateness_min_mean") > mean(&base, "lateness_min_mean"));
    // Nothing leaves for the region or comes out of it while it is closed.
    let mut sink = sim::eventlog::JsonLines::new(Vec::new());
    sim::Engine::new(&closed, 3, 0, vec![&mut sink]).run().unwrap();
    let log = String::from_utf8(sink.finish().unwrap()).unwrap();
    let held: Vec<&str> = log.lines().filter(|l| l.contains("leg_held")).collect();
    assert!(!held.is_empty());
    const H: u64 = 3_600_000;
    for l in held {
        let t: u64 = l["{\"replication\":0,\"t_ms\":".len()..].split(',').next().unwrap().parse().unwrap();
        let wait: u64 = l.split("\"wait\":").nth(1).unwrap().split(['}', ',']).next().unwrap().parse().unwrap();
        assert!((9 * H..11 * H).contains(&t) && t + wait == 11 * H, "{l}");
    }
}

#[test]
fn late_drivers_start_late_and_still_end_on_time() {
    let (base, late) = (tiny(""), tiny(LATE));
    assert!(mean(&late, "driver_late_starts") > 2.0);
    assert_eq!(mean(&late, "driver_no_shows"), 0.0, "no late start here is past its shift's end");
    let delay = mean(&late, "driver_late_min_mean");
    assert!((20.0..=150.0).contains(&delay), "{delay}");
    assert_eq!(mean(&base, "driver_late_starts"), 0.0);
    assert!(mean(&late, "on_time_rate") < mean(&base, "on_time_rate"));
    assert!(mean(&late, "dispatch_delay_min_mean") > mean(&base, "dispatch_delay_min_mean"));
    let err = tiny_error(&LATE.replace("late_min", "#"));
    assert!(err.contains("disruption[0].late_min"), "{err}");
}

#[test]
fn invariants_and_determinism_hold_with_every_disruption_on() {
    // The last is random: half the replications get a second surge at some time in the morning.
    let random_surge = "[[disruption]]\nkind = \"demand_surge\"\nstart_h = { dist = \"uniform\", min = 5, max = 11 }\nchance = 0.5\nduration_h = 4\nmultiplier = 1.8\n";
    let all = [
        SURGE,
        OUTAGE,
        STORM,
        SHORTAGE,
        ABSENCE,
        BREAKDOWNS,
        BOOKING_DOWN,
        TELEMATICS_DOWN,
        INVENTORY_STALE,
        LATE,
        CLOSURE,
        random_surge,
    ]
    .join("\n");
    let s = tiny(&format!("{OVERFLOW}\n{all}"));
    assert_eq!(s.disruptions.len(), 12);
    for seed in 0..10 {
        run_replication(&s, seed, 0, true).unwrap_or_else(|e| panic!("{e}"));
    }
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| sim::run_replications(&s, 5, 4, true, &|| {})).unwrap()
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn breakdowns_hold_vehicles_up_and_raise_exceptions_for_the_orders_on_board() {
    let (base, broken) = (tiny(""), tiny(BREAKDOWNS));
    assert!(mean(&broken, "breakdowns") > 1.0);
    assert!(mean(&broken, "exceptions_breakdown") > 0.0);
    assert!(mean(&broken, "lateness_min_mean") > mean(&base, "lateness_min_mean"));
    assert_eq!(mean(&base, "breakdowns"), 0.0);
}

#[test]
fn a_rescue_vehicle_takes_over_the_orders_of_a_broken_down_one() {
    // Long repairs, spare vans, and every exception handled at once by the rules.
    let long = "[[disruption]]\nkind = \"breakdowns\"\nrate_per_hour = 0.3\nrepair_min = { dist = \"fixed\", value = 240 }\nstart_h = 0\nduration_h = 24\n";
    let rules = |reassign: f64| {
        let extra =
            format!("{long}[exceptions]\nkind = \"rule_based\"\nescalate_from = 4\nreassign_late_min = {reassign}\n");
        tiny(&format!("[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 10\n\n{extra}"))
    };
    let (rescue, stand) = (rules(0.0), rules(100_000.0));
    assert!(mean(&rescue, "reassignments") > 1.0);
    assert!(mean(&rescue, "reassignment_rate") > 0.0);
    assert_eq!(mean(&stand, "reassignments"), 0.0);
    // The rescued orders are less late.
    assert!(mean(&rescue, "lateness_min_mean") < mean(&stand, "lateness_min_mean"));
}

#[test]
fn standby_drivers_are_never_given_routes_by_the_policy() {
    let standby = "[[drivers]]\nsite = \"depot\"\ncount = 5\nshift = [\"05:30\", \"14:00\"]\novertime_max_min = 90\nstandby = true\n\n[[drivers]]\nsite = \"depot\"\ncount = 5\nshift = [\"13:00\", \"21:30\"]\novertime_max_min = 90\nstandby = true\n";
    let s = tiny(standby);
    assert_eq!(mean(&s, "trips"), 0.0);
    assert_eq!(mean(&s, "decisions_rejected"), 0.0);
    assert!(mean(&s, "orders_created") > 100.0);
}

const BOOKING_DOWN: &str =
    "[[disruption]]\nkind = \"integration_outage\"\nsystem = \"carrier_booking\"\nstart_h = 0\nduration_h = 25\n";
const TELEMATICS_DOWN: &str =
    "[[disruption]]\nkind = \"integration_outage\"\nsystem = \"telematics\"\nstart_h = 0\nduration_h = 25\n";
const INVENTORY_STALE: &str = "[[disruption]]\nkind = \"integration_outage\"\nsystem = \"inventory\"\nstale_prob = 0.3\ndelay_min = { dist = \"fixed\", value = 45 }\nstart_h = 0\nduration_h = 24\n";

/// tiny, short of drivers, with carrier_overflow, plus `extra`.
fn strained(extra: &str) -> Scenario {
    tiny(&[FEWER_DRIVERS, OVERFLOW, extra].join("\n"))
}

#[test]
fn integration_outages_fail_tenders_blind_eta_checks_and_hide_unready_orders() {
    let base = strained("");
    assert!(mean(&base, "premium_orders") > 0.0 && mean(&base, "exceptions_eta_risk") > 0.0);
    let booking = strained(BOOKING_DOWN);
    assert_eq!(mean(&booking, "premium_orders"), 0.0, "no tender gets through");
    assert!(mean(&booking, "tenders_rejected") > mean(&base, "tenders_rejected"));
    let blind = strained(TELEMATICS_DOWN);
    assert_eq!(mean(&blind, "exceptions_eta_risk"), 0.0, "no positions, no ETA risks");
    let stale = strained(INVENTORY_STALE);
    assert!(mean(&stale, "exceptions_not_ready") > 5.0);
    assert!(mean(&stale, "dispatch_delay_min_mean") > mean(&base, "dispatch_delay_min_mean") - 1.0);
    assert!(mean(&stale, "order_cycle_min_mean") > mean(&base, "order_cycle_min_mean"));
}

/// The `disruption_started` times of one replication.
fn started_at(s: &Scenario, seed: u64) -> Vec<u64> {
    let mut sink = sim::eventlog::JsonLines::new(Vec::new());
    sim::Engine::new(s, seed, 0, vec![&mut sink]).run().unwrap();
    let log = String::from_utf8(sink.finish().unwrap()).unwrap();
    let t = |l: &str| l["{\"replication\":0,\"t_ms\":".len()..].split(',').next().unwrap().parse::<u64>().unwrap();
    log.lines().filter(|l| l.contains("disruption_started")).map(t).collect()
}

#[test]
fn a_random_disruption_that_is_certain_and_fixed_is_the_fixed_one() {
    let fixed = tiny(OUTAGE);
    // OUTAGE, its start drawn from a fixed distribution, with certainty.
    let random = tiny(
        "[[disruption]]\nkind = \"dock_outage\"\nsite = \"depot\"\ndoors_down = 1\nstart_h = { dist = \"fixed\", value = 6 }\nchance = 1.0\nduration_h = 6\n",
    );
    let never = tiny(&(OUTAGE.to_string() + "chance = 0\n"));
    assert!(never.disruptions.is_empty(), "a disruption with chance 0 is dropped");
    for seed in 0..3 {
        assert_eq!(run_replication(&fixed, seed, 0, false).unwrap(), run_replication(&random, seed, 0, false).unwrap());
    }
}

#[test]
fn daily_disruptions_follow_their_chance_and_start_window_on_common_random_numbers() {
    const H: u64 = 3_600_000;
    let daily = OUTAGE.replace(
        "start_h = 6\nduration_h = 6\n",
        "start_h = { dist = \"uniform\", min = 5, max = 9 }\nduration_h = { dist = \"triangular\", min = 1, mode = 2, max = 4 }\nchance = 0.4\nper = \"day\"\n",
    );
    let ten_days = |extra: &str, policy: &str| tiny(&format!("horizon_h = 240\n{policy}\n{extra}"));
    let s = ten_days(&daily, "");
    let other_policy = ten_days(&daily, "[policy]\nimprove_passes = 2\n");
    let mut count = 0;
    for seed in 0..10 {
        let starts = started_at(&s, seed);
        assert!(starts.iter().all(|t| (5 * H..9 * H).contains(&(t % (24 * H)))), "{starts:?}");
        assert_eq!(starts, started_at(&other_policy, seed), "every policy meets the same disruptions");
        count += starts.len();
    }
    // 100 days at 0.4: 40 expected, standard deviation 4.9.
    assert!((25..=55).contains(&count), "{count} outages in 100 days");
    // The outages lengthen the dock waits of the days they hit, on average.
    let mean10 = |s: &Scenario| {
        (0..10)
            .map(|seed| run_replication(s, seed, 0, true).unwrap().kpis.get("dock_wait_min_mean").unwrap())
            .sum::<f64>()
    };
    assert!(mean10(&s) > mean10(&ten_days("", "")));
}

#[test]
fn bad_disruption_timing_is_an_error_naming_the_field() {
    for (bad, field) in [
        ("start_h = -1", "disruption[0].start_h"),
        ("duration_h = 0", "disruption[0].duration_h"),
        ("duration_h = { dist = \"uniform\", min = 3, max = 1 }", "disruption[0].duration_h"),
    ] {
        let key = bad.split(' ').next().unwrap();
        let line = OUTAGE.lines().find(|l| l.starts_with(key)).unwrap();
        let err = tiny_error(&OUTAGE.replace(line, bad));
        assert!(err.contains(field), "{bad}: {err}");
    }
    let err = tiny_error(&(OUTAGE.to_string() + "chance = 1.5\n"));
    assert!(err.contains("chance"), "{err}");
}
