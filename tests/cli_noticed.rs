//! What dtwin tells a planner besides the numbers: which way each KPI is better, and
//! disruptions that reached nothing (on stderr and in the result files and reports).

mod common;

use std::process::Command;

use common::{dtwin, json, overlay, s, text};

#[test]
fn kpis_lists_each_kpis_direction() {
    let o = dtwin(&["kpis"]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    let row = |kpi: &str| out.lines().find(|l| l.split_whitespace().next() == Some(kpi)).unwrap().to_string();
    assert!(row("on_time_rate").split_whitespace().nth(1) == Some("higher"), "{out}");
    assert!(row("eta_risk_lead_min_mean").split_whitespace().nth(1) == Some("higher"), "{out}");
    assert!(row("lateness_min_mean").split_whitespace().nth(1) == Some("lower"), "{out}");
    assert!(row("vehicle_utilisation").split_whitespace().nth(1) == Some("neither"), "{out}");
    assert!(row("cost_per_order").contains("own fleet delivered"), "{out}");
}

#[test]
fn a_carrier_shortage_that_reaches_nothing_is_warned_about_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // Its greedy_edd policy never tenders: the shortage changes nothing.
    let o = dtwin(&[
        "run",
        "scenarios/regional-carrier-shortage.toml",
        "-r",
        "2",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--report",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("warning: regional-carrier-shortage: disruption 1 (carrier_shortage"), "{stderr}");
    let summary = json(&out.join("summary.json"));
    let warnings = summary["warnings"].as_array().expect("warnings recorded");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains("nothing was tendered"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Warnings</h2>") && html.contains("nothing was tendered"));

    // Under a policy that tenders, no warning and no `warnings` in the file.
    let quiet = dir.path().join("quiet");
    let o = dtwin(&[
        "run",
        "scenarios/regional-carrier-shortage.toml",
        "-r",
        "2",
        "-q",
        "--policy",
        "scenarios/policies/carrier_overflow.toml",
        "--out",
        quiet.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
    let summary = std::fs::read_to_string(quiet.join("summary.json")).unwrap();
    assert!(!summary.contains("\"warnings\""));
}

#[test]
fn stress_records_the_warnings_of_each_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stress");
    let o = dtwin(&[
        "stress",
        "scenarios/regional.toml",
        "scenarios/regional-carrier-shortage.toml",
        "-r",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let m = json(&out.join("stress.json"));
    assert!(m["columns"][0].get("warnings").is_none());
    assert_eq!(m["columns"][1]["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn check_warns_of_a_weather_region_outside_the_network() {
    let dir = tempfile::tempdir().unwrap();
    // regional-storm's storm with longitude and latitude swapped: a storm in the Indian Ocean.
    let storm = "[[disruption]]\nkind = \"weather\"\ncenter = [52.4862, -1.8904]\nradius_km = 25\nspeed_multiplier = 0.6\nservice_multiplier = 1.3\nstart_h = 6\nduration_h = 5\n";
    let path = overlay(dir.path(), "swapped.toml", "scenarios/regional.toml", storm);
    let o = dtwin(&["check", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("its region reaches no site, customer or route"), "{}", text(&o.stderr));
    let o = dtwin(&["check", "scenarios/regional-storm.toml"]);
    assert!(o.status.success() && !text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
}

/// The progress bar as a terminal shows it (`script` gives dtwin a pseudo-terminal).
#[test]
fn stress_shows_one_progress_bar_over_the_whole_experiment() {
    let bin = env!("CARGO_BIN_EXE_dtwin");
    let command =
        format!("{bin} stress scenarios/tiny.toml scenarios/tiny.toml scenarios/tiny.toml -r 3 -t 1 >/dev/null");
    let o = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("script (util-linux) runs a command on a pseudo-terminal");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let screen = text(&o.stdout).replace('\r', "\n");
    // Three scenarios x three replications on one bar, never a bar per scenario.
    assert!(screen.contains("9/9 replications"), "{screen}");
    assert!(!screen.contains("/3 replications"), "{screen}");
}

#[test]
fn the_timeline_records_when_each_disruption_was_under_way() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o =
        dtwin(&["run", "scenarios/regional-storm.toml", "-r", "2", "-q", "--out", out.to_str().unwrap(), "--report"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary = json(&out.join("summary.json"));
    let storm = &summary["timeline"]["disruptions"][0];
    assert_eq!(storm["name"], "weather (disruption 1)");
    // 06:00 to 11:00 in quarter hours: samples 24 to 43 throughout, none outside.
    let share: Vec<f64> = storm["share"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(share.len(), 96);
    assert!(share[24..44].iter().all(|s| *s == 1.0), "{share:?}");
    assert!(share[..24].iter().chain(&share[44..]).all(|s| *s == 0.0), "{share:?}");
    // Re-rendered from the saved result, the page is the same.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = dtwin(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), page);
}

#[test]
fn an_undefined_kpi_is_null_in_json_empty_in_csv_a_dash_in_tables_and_left_out_of_statistics() {
    let dir = tempfile::tempdir().unwrap();
    // One hour from midnight: no order is due, none is delivered.
    let scenario = overlay(dir.path(), "night.toml", "scenarios/tiny.toml", "horizon_h = 1\n");
    let out = dir.path().join("out");
    let o = dtwin(&["run", scenario.to_str().unwrap(), "-r", "3", "-q", "--out", out.to_str().unwrap(), "--report"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let table = text(&o.stdout);
    let row = table.lines().find(|l| l.starts_with("on_time_rate")).unwrap();
    assert_eq!(row.split_whitespace().collect::<Vec<_>>(), ["on_time_rate", "-", "-", "-", "-"], "{table}");
    let summary = json(&out.join("summary.json"));
    let on_time = &summary["kpis"]["on_time_rate"];
    assert!(on_time["mean"].is_null() && on_time["p50"].is_null(), "{on_time}");
    assert_eq!(on_time["undefined"], 3);
    assert_eq!(summary["kpis"]["trips"]["mean"], 0.0);
    let csv = std::fs::read_to_string(out.join("replications.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "on_time_rate").unwrap();
    assert!(csv.lines().skip(1).all(|l| l.split(',').nth(col) == Some("")), "{csv}");
    // The saved result reads back: the report re-renders and a gate sees the undefined mean.
    let o = dtwin(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rules = dir.path().join("gate.toml");
    std::fs::write(&rules, "[[rule]]\nkpi = \"on_time_rate\"\nmin = 0.5\n").unwrap();
    let o = dtwin(&[
        "gate",
        "--rules",
        rules.to_str().unwrap(),
        "--baseline",
        out.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("| **FAIL** | tiny | on_time_rate >= 0.5 | undefined |"), "{}", text(&o.stdout));
    let junit = dir.path().join("gate.xml");
    let o = dtwin(&[
        "gate",
        "--rules",
        rules.to_str().unwrap(),
        "--baseline",
        out.to_str().unwrap(),
        out.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(std::fs::read_to_string(&junit).unwrap().contains("undefined in every replication"));
    // Compare and tune on it: no best of nothing, nothing drawn at NaN (a chart of NaN panicked).
    let o = dtwin(&[
        "compare",
        s(&scenario),
        "-p",
        "scenarios/policies/greedy_edd.toml",
        "-p",
        "scenarios/policies/nearest_vehicle.toml",
        "-r",
        "2",
        "--out",
        s(&dir.path().join("c")),
        "--report",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("undefined in every replication"), "{}", text(&o.stdout));
    let o = dtwin(&[
        "tune",
        s(&scenario),
        "-p",
        "scenarios/policies/greedy_edd.toml",
        "--param",
        "min_fill=0.4..0.8:0.4",
        "-r",
        "2",
        "--out",
        s(&dir.path().join("t")),
        "--report",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stdout).contains("NaN") && !dir.path().join("t/best-policy.toml").exists(), "{}", text(&o.stdout));
}

#[test]
fn policies_lists_every_setting_aligned_with_paths_relative_to_the_policys_file() {
    let o = dtwin(&["policies"]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    assert!(out.contains("charge_latency"), "{out}");
    assert!(!out.contains("relative to the scenario"), "{out}");
    assert!(out.contains("relative to the file that holds it"), "{out}");
    // Every parameter row has its range and default in the same columns, long names included.
    let columns: std::collections::BTreeSet<usize> =
        out.lines().filter_map(|l| l.find(" default ")).filter(|at| *at < 60).collect();
    assert_eq!(columns.len(), 1, "{out}");
    assert!(out.contains("critical_late_min"));
}
