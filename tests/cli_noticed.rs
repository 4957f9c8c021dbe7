//! What dtwin tells a planner besides the numbers: which way each KPI is better, and
//! disruptions that reached nothing (on stderr and in the result files and reports).

use std::process::{Command, Output};

fn dtwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtwin")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

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
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
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
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("stress.json")).unwrap()).unwrap();
    assert!(m["columns"][0].get("warnings").is_none());
    assert_eq!(m["columns"][1]["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn check_warns_of_a_weather_region_outside_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let text_of = |p: &str| std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap();
    // Longitude and latitude swapped: a storm in the Indian Ocean.
    let storm =
        text_of("scenarios/regional-storm.toml").replace("center = [-1.8904, 52.4862]", "center = [52.4862, -1.8904]");
    let base = dir.path().join("regional.toml");
    std::fs::write(&base, text_of("scenarios/regional.toml")).unwrap();
    let path = dir.path().join("swapped.toml");
    std::fs::write(&path, storm).unwrap();
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
