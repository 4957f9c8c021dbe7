//! `dtwin tune` end to end: what the table, tune.csv, tune.json and the report say of each
//! candidate under constraints, and the thresholds of a policy written in another language tuned
//! like the built-ins' (its `params`, sent to the program in `hello`).

mod common;

use std::path::Path;

use common::{dtwin, json, s, text};

const GREEDY: &str = "scenarios/policies/greedy_edd.toml";
const PYTHON: &str = "examples/policies/edd_fill.toml";

/// Three fill thresholds for greedy_edd on tiny, 2 replications, under a cost cap the emptiest
/// vans break and an on-time floor the middle one breaks: only #2 is feasible.
#[test]
fn every_constrained_kpi_and_why_a_candidate_is_infeasible_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tune");
    let o = dtwin(&[
        "tune",
        "scenarios/tiny.toml",
        "-p",
        GREEDY,
        "--param",
        "min_fill=0.3..0.9:0.3",
        "-r",
        "2",
        "--constraint",
        "cost_total_per_order<=22",
        "--constraint",
        "on_time_rate>=0.865",
        "--report",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // The objective is a constrained KPI too: its mean has a column already.
    assert!(
        lines[1].contains("  on_time_rate                 95% CI  cost_total_per_order  feasible")
            && lines[1].ends_with("pareto  why_infeasible"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("0 ")
            && lines[2].contains("22.7881")
            && lines[2].ends_with("cost_total_per_order 22.79 > 22"),
        "{stdout}"
    );
    assert!(lines[3].starts_with("1 ") && lines[3].ends_with("on_time_rate 0.86 < 0.865"), "{stdout}");
    assert!(
        lines[4].starts_with("2*")
            && lines[4].contains("true")
            && !lines[4].contains(" > ")
            && !lines[4].contains(" < "),
        "{stdout}"
    );

    let csv = std::fs::read_to_string(out.join("tune.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "candidate,min_fill,on_time_rate_mean,on_time_rate_ci95_low,on_time_rate_ci95_high,cost_total_per_order_mean,feasible,tied_with_best,pareto,why_infeasible"
    );
    assert!(rows[1].ends_with(",false,false,true,cost_total_per_order 22.79 > 22"), "{csv}");
    assert!(rows[2].ends_with(",false,false,false,on_time_rate 0.86 < 0.865"), "{csv}");
    assert!(rows[3].contains(",true,true,") && rows[3].ends_with(','), "a feasible candidate has no reason: {csv}");

    let t = json(&out.join("tune.json"));
    let c = &t["candidates"];
    assert_eq!(c[0]["why_infeasible"], "cost_total_per_order 22.79 > 22");
    assert_eq!(c[1]["why_infeasible"], "on_time_rate 0.86 < 0.865");
    assert!(c[2].get("why_infeasible").is_none(), "{}", c[2]);
    for (i, row) in rows[1..].iter().enumerate() {
        let cost = c[i]["constrained_kpis"]["cost_total_per_order"].as_f64().unwrap();
        assert_eq!(row.split(',').nth(5).unwrap().parse::<f64>().unwrap(), cost);
        assert_eq!(c[i]["constrained_kpis"]["on_time_rate"], c[i]["objective"]["mean"]);
    }
    assert_eq!(t["best"], 2);

    // The report, and the same re-rendered from tune.json alone.
    for _ in 0..2 {
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains("| feasible | tied | pareto | why infeasible |"), "{md}");
        assert!(
            md.contains("| cost_total_per_order 22.79 > 22 |") && md.contains("| on_time_rate 0.86 < 0.865 |"),
            "{md}"
        );
        std::fs::remove_file(out.join("report.md")).unwrap();
        let o = dtwin(&["report", s(&out)]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    // A hand-edited reason that the constrained KPIs contradict is refused.
    let mut edited = t.clone();
    edited["candidates"][2]["feasible"] = false.into();
    edited["candidates"][2]["tied_with_best"] = false.into();
    edited["best"] = serde_json::Value::Null;
    std::fs::write(out.join("tune.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
    let o = dtwin(&["report", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(
            "tune.json: candidates[2].feasible: false, but its constrained KPIs say it meets every constraint"
        ),
        "{}",
        text(&o.stderr)
    );
}

/// The Python example's own `fill` threshold is tuned: the program receives each candidate's
/// value in `hello` and dispatches differently, and the recommendation keeps the `params`.
#[test]
fn a_python_policys_own_params_are_tuned_like_the_builtins() {
    let o = dtwin(&["check", "scenarios/tiny.toml", "-p", PYTHON]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("  params        fill = 0.6, slack_min = 45 (the program's own"),
        "{}",
        text(&o.stdout)
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tune");
    let tune = |param: &str| {
        dtwin(&["tune", "scenarios/tiny.toml", "-p", PYTHON, "--param", param, "-r", "2", "--out", s(&out)])
    };
    let o = tune("fil=0.2..0.8:0.6");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains(
            "unknown parameter \"fil\"; known: timeout_ms, epoch_min, on_events, max_reply_mib, fill, slack_min"
        ),
        "{err}"
    );

    let o = tune("fill=0.2..0.8:0.6");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = json(&out.join("tune.json"));
    let c = t["candidates"].as_array().unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!((c[0]["params"]["fill"].as_f64(), c[1]["params"]["fill"].as_f64()), (Some(0.2), Some(0.8)));
    assert_ne!(c[0]["pareto_kpis"], c[1]["pareto_kpis"], "the program used the values it was sent");
    assert_eq!(t["search"]["policy"]["params"], serde_json::json!({"fill": 0.6, "slack_min": 45.0}));

    let best = t["best"].as_u64().unwrap() as usize;
    let file = std::fs::read_to_string(out.join("best-policy.toml")).unwrap();
    assert!(file.contains("Its command runs in the folder of the policy file tuned (examples/policies)"), "{file}");
    let policy: toml::Table = file.parse().unwrap();
    assert_eq!(policy["params"]["fill"].as_float(), c[best]["params"]["fill"].as_f64(), "{file}");
    assert_eq!(policy["params"]["slack_min"].as_float(), Some(45.0), "{file}");
    // Beside its program, the recommendation runs.
    let beside = dir.path().join("policy");
    std::fs::create_dir(&beside).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies/edd_fill.py"),
        beside.join("edd_fill.py"),
    )
    .unwrap();
    std::fs::copy(out.join("best-policy.toml"), beside.join("best-policy.toml")).unwrap();
    let o = dtwin(&["run", "scenarios/tiny.toml", "-p", s(&beside.join("best-policy.toml")), "-r", "1", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}
