//! Bad scenario files: every mistake is reported with file, line, column and field, never a panic.

use std::path::Path;

use sim::{Scenario, ScenarioError};

use crate::repo;

/// Replaces the first occurrence of `from` in tiny.toml with `to`.
fn tiny_with(from: &str, to: &str) -> String {
    let tiny = std::fs::read_to_string(repo("scenarios/tiny.toml")).unwrap();
    assert!(tiny.contains(from), "fixture text {from:?} not in tiny.toml");
    tiny.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("{needle:?} not found"))
}

/// (what, edit from, edit to, expected field, text on the expected line)
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    ("warm-up past the horizon", "horizon_h = 24", "horizon_h = 24\nwarmup_h = 30", "warmup_h", "warmup_h = 30"),
    ("unknown key", "doors = 2", "doors = 2\ndoorz = 3", "site[0].doorz", "doorz = 3"),
    ("wrong type", "doors = 2", "doors = \"two\"", "site[0].doors", "doors = \"two\""),
    ("zero doors", "doors = 2", "doors = 0", "site[0].doors", "doors = 0"),
    ("negative speed", "speed_kmh = 40", "speed_kmh = -40", "vehicle_type[0].speed_kmh", "speed_kmh = -40"),
    (
        "unknown site in fleet",
        "site = \"depot\"\ntype = \"van\"",
        "site = \"depoo\"\ntype = \"van\"",
        "fleet[0].site",
        "site = \"depoo\"",
    ),
    ("unknown vehicle type", "type = \"van\"", "type = \"lorry\"", "fleet[0].type", "type = \"lorry\""),
    ("negative rate", "per_hour = [  0,", "per_hour = [ -1,", "orders.rate[0].per_hour", "per_hour = [ -1,"),
    (
        "bad distribution",
        "{ dist = \"triangular\", min = 8, mode = 10, max = 15 }",
        "{ dist = \"triangular\", min = 18, mode = 10, max = 15 }",
        "site[0].load_fixed_min",
        "min = 18",
    ),
    (
        "unknown distribution",
        "{ dist = \"fixed\", value = 1.0 }",
        "{ dist = \"gaussian\", value = 1.0 }",
        "site[0].load_per_unit_min.dist",
        "gaussian",
    ),
    ("bad time of day", "hours = [\"05:00\", \"22:00\"]", "hours = [\"05:00\", \"25:00\"]", "site[0].hours", "25:00"),
    ("probability above one", "acceptance = 0.9", "acceptance = 1.9", "carrier[0].acceptance", "acceptance = 1.9"),
    ("bad policy parameter", "min_fill = 0.7", "min_fill = 1.7", "policy", "[policy]"),
    ("unknown policy", "kind = \"greedy_edd\"", "kind = \"greedy_xyz\"", "policy.kind", "greedy_xyz"),
    ("twenty-three hourly rates", "4,  0,  0,  0,  0]", "4,  0,  0,  0]", "orders.rate[0].per_hour", "per_hour = ["),
];

#[test]
fn each_mistake_names_file_line_column_and_field() {
    let path = Path::new("scenarios/bad.toml");
    for (what, from, to, field, on_line) in CASES {
        let text = tiny_with(from, to);
        let err = match Scenario::from_str(path, &text) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => e,
        };
        let ScenarioError::Invalid { path: p, line, column, field: f, message } = &err else { panic!("{what}: {err}") };
        assert_eq!(p, path, "{what}");
        assert_eq!(f, field, "{what}: {err}");
        assert_eq!(*line, line_of(&text, on_line), "{what}: {err}");
        assert!(*column >= 1 && !message.is_empty(), "{what}: {err}");
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("scenarios/bad.toml:{line}:{column}: {field}: ")), "{what}: {shown}");
    }
}

#[test]
fn missing_sections_are_named() {
    let path = Path::new("x.toml");
    let no_fleet = tiny_with("[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 6\n", "");
    let err = Scenario::from_str(path, &no_fleet).unwrap_err().to_string();
    assert!(err.contains("fleet") && err.contains("empty"), "{err}");
    let no_orders = tiny_with("[orders]", "[orders_typo]");
    let err = Scenario::from_str(path, &no_orders).unwrap_err().to_string();
    assert!(err.contains("orders"), "{err}");
    let syntax = tiny_with("doors = 2", "doors = = 2");
    let err = Scenario::from_str(path, &syntax).unwrap_err().to_string();
    assert!(err.starts_with(&format!("x.toml:{}:", line_of(&syntax, "doors = = 2"))), "{err}");
}

#[test]
fn unreadable_file_is_an_error_not_a_panic() {
    let err = Scenario::load(Path::new("no/such/file.toml")).unwrap_err();
    assert!(matches!(err, ScenarioError::Io { .. }));
    assert!(err.to_string().starts_with("no/such/file.toml: cannot read"));
}

#[test]
fn shipped_scenarios_load() {
    let mut names: Vec<String> = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names.extend(["sim/tests/fixtures/dock_mmc.toml".into(), "sim/tests/fixtures/stressed.toml".into()]);
    for name in names {
        Scenario::load(&repo(&name)).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut policy = Scenario::load(&repo("scenarios/regional.toml")).unwrap();
    policy.use_policy_file(&repo("scenarios/policies/carrier_overflow.toml")).unwrap_or_else(|e| panic!("{e}"));
    let regional = Scenario::load(&repo("scenarios/regional.toml")).unwrap();
    assert_eq!(regional.sites.len(), 3);
    assert!(regional.sites.iter().all(|s| (4..=8).contains(&s.doors)));
    assert_eq!(regional.vehicles.len(), 80);
    assert_eq!(regional.vehicle_types.len(), 2);
    assert_eq!(regional.carriers.len(), 2);
    let sim::scenario::Demand::Generated(g) = &regional.demand else { panic!() };
    let per_day: f64 = g.rates_per_hour.iter().flatten().sum();
    assert!((2800.0..3200.0).contains(&per_day), "{per_day}");
}
