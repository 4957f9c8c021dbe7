//! The `dtwin` command line, end to end.

mod common;

use std::path::{Path, PathBuf};

use common::{FEWER_DRIVERS, dtwin, overlay, single_file, text};

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    (dir, out)
}

#[test]
fn run_prints_the_kpi_table_and_writes_summary_and_replications() {
    let (_dir, out) = tmp();
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "4", "--seed", "3", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("tiny: 4 replications, seed 3"), "{stdout}");
    for kpi in ["on_time_rate", "lateness_min_p95", "dock_wait_min_mean", "vehicle_utilisation", "cost_fleet"] {
        assert!(stdout.lines().any(|l| l.starts_with(kpi)), "{kpi} missing from\n{stdout}");
    }
    let s = summary(&out);
    assert_eq!(s["scenario"]["name"], "tiny");
    assert_eq!(s["seed"], 3);
    assert_eq!(s["replications"], 4);
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(s["scenario"]["hash"].as_str().unwrap().len(), 16);
    assert_eq!(s["policy"]["kind"], "greedy_edd");
    assert_eq!(s["policy"]["min_fill"], 0.7);
    let on_time = &s["kpis"]["on_time_rate"];
    for field in ["mean", "ci95_low", "ci95_high", "p5", "p95"] {
        assert!(on_time[field].is_f64(), "{field}: {on_time}");
    }
    assert!(on_time["ci95_low"].as_f64() <= on_time["mean"].as_f64());
    let csv = std::fs::read_to_string(out.join("replications.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("replication,fingerprint,on_time_rate,"));
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (_d1, one) = tmp();
    let (_d2, two) = tmp();
    for (out, threads) in [(&one, "1"), (&two, "2")] {
        let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "6", "-t", threads, "-q", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert_eq!(summary(&one), summary(&two));
    assert_eq!(
        std::fs::read(one.join("replications.csv")).unwrap(),
        std::fs::read(two.join("replications.csv")).unwrap()
    );
}

#[test]
fn bad_scenario_exits_2_names_the_place_and_writes_nothing() {
    let (dir, out) = tmp();
    let depot = "[[site]]\nname = \"depot\"\nlocation = [0.0, 0.0]\ndoors = -2\nload_fixed_min = { dist = \"fixed\", value = 10 }\n";
    let bad = single_file(dir.path(), "bad.toml", "scenarios/tiny.toml", depot);
    let o = dtwin(&["run", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    let line = std::fs::read_to_string(&bad).unwrap().lines().position(|l| l == "doors = -2").unwrap() + 1;
    assert!(err.contains(&format!("{}:{line}:9: site[0].doors:", bad.display())), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "output written for a bad scenario");
}

#[test]
fn check_refuses_counts_past_the_limits_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    // Was a 171 GB allocation and an abort.
    let fleet = "[[fleet]]\nsite = \"depot\"\ntype = \"van\"\ncount = 4294967295\n";
    let bad = single_file(dir.path(), "big.toml", "scenarios/tiny.toml", fleet);
    let o = dtwin(&["check", bad.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let line = std::fs::read_to_string(&bad).unwrap().lines().position(|l| l == "count = 4294967295").unwrap() + 1;
    assert!(err.contains(&format!("big.toml:{line}:9: fleet[0].count: must be an integer from 1 to 100000")), "{err}");
}

#[test]
fn existing_results_are_kept_unless_forced() {
    let (_dir, out) = tmp();
    let args = ["run", "scenarios/tiny.toml", "-r", "2", "-q", "--out", out.to_str().unwrap()];
    assert!(dtwin(&args).status.success());
    std::fs::write(out.join("summary.json"), "precious").unwrap();
    let o = dtwin(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(out.join("summary.json")).unwrap(), "precious");
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(dtwin(&forced).status.success());
    assert_eq!(summary(&out)["replications"], 2);
}

#[test]
fn event_log_of_replication_zero_is_written_as_json_lines() {
    let (dir, _) = tmp();
    let events = dir.path().join("events.jsonl");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--events", events.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(&events).unwrap();
    let records: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(records.iter().any(|r| r["kind"] == "delivered"));
    let times: Vec<u64> = records.iter().map(|r| r["t_ms"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time went back in the log");
}

#[test]
fn event_logs_in_every_format_for_the_chosen_replications() {
    let (dir, _) = tmp();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let run = |file: &str, format: &str, reps: &str| {
        let args = ["run", "scenarios/tiny.toml", "-r", "3", "-q", "--events", &path(file)];
        let o = dtwin(&[&args[..], &["--events-format", format, "--events-replications", reps]].concat());
        assert!(o.status.success(), "{}", text(&o.stderr));
        std::fs::read_to_string(path(file)).unwrap()
    };
    let jsonl = run("e.jsonl", "jsonl", "0,2");
    let reps: std::collections::BTreeSet<u64> = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["replication"].as_u64().unwrap())
        .collect();
    assert_eq!(reps, [0, 2].into());
    let ocel: serde_json::Value = serde_json::from_str(&run("e.ocel.json", "ocel", "all")).unwrap();
    let events = ocel["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["id"] == "r2:e0")
            && events.iter().all(|e| e["time"].as_str().unwrap().starts_with("2026-"))
    );
    let cases = run("cases.csv", "cases", "1");
    assert!(cases.starts_with("replication,order,site,size,outcome,path,"), "{cases}");
    assert!(cases.lines().skip(1).all(|l| l.starts_with("1,")), "{cases}");
    let csv = run("e.csv", "csv", "0");
    assert_eq!(csv.lines().count(), jsonl.lines().filter(|l| l.starts_with("{\"replication\":0,")).count() + 1);
    // Replications that did not run, and formats that do not exist, are usage errors.
    let o =
        dtwin(&["run", "scenarios/tiny.toml", "-r", "3", "-q", "--events", &path("x"), "--events-replications", "1-3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not within the 3 replications"), "{}", text(&o.stderr));
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--events", &path("x"), "--events-format", "xes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("x").exists(), "nothing written on a usage error");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".dtwin-events")), "no staging file left: {names:?}");
}

#[test]
fn usage_errors_exit_2_and_help_explains_every_flag() {
    assert_eq!(dtwin(&["run"]).status.code(), Some(2));
    assert_eq!(dtwin(&["run", "scenarios/tiny.toml", "-r", "0"]).status.code(), Some(2));
    assert_eq!(dtwin(&["run", "no/such.toml"]).status.code(), Some(2));
    let help = text(&dtwin(&["run", "--help"]).stdout);
    for flag in [
        "--replications",
        "--seed",
        "--threads",
        "--out",
        "--force",
        "--events",
        "--events-format",
        "--events-replications",
        "--check",
        "--quiet",
    ] {
        assert!(help.contains(flag), "{flag} not in help:\n{help}");
    }
}

#[test]
fn check_validates_and_describes() {
    let o = dtwin(&["check", "scenarios/regional.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("sites         3 (18 doors)") && out.contains("vehicles      80"), "{out}");
    let o = dtwin(&["check", "scenarios/regional-storm-forecast.toml"]);
    let out = text(&o.stdout);
    let line =
        "disruptions   weather chance 0.4 per replication, starting about 7.5 h after time zero, for about 4.7 h";
    assert!(out.contains(line), "{out}");
    let out = text(&dtwin(&["check", "scenarios/regional-storm.toml"]).stdout);
    assert!(out.contains("disruptions   weather from 6.0 h to 11.0 h"), "{out}");
    let kpis = text(&dtwin(&["kpis"]).stdout);
    assert!(kpis.lines().count() >= 20 && kpis.contains("on_time_rate"));
    let policies = text(&dtwin(&["policies"]).stdout);
    assert!(policies.contains("greedy_edd:") && policies.contains("plan_replay:"), "{policies}");
    assert!(
        policies.lines().any(|l| l.trim_start().starts_with("epoch_min") && l.contains("[0.1, 1440]")),
        "{policies}"
    );
}

#[test]
fn a_policy_file_replaces_the_scenarios_policy() {
    let (dir, out) = tmp();
    let policy = dir.path().join("edd.toml");
    std::fs::write(&policy, "kind = \"earliest_due\"\nepoch_min = 30\n").unwrap();
    let o = dtwin(&[
        "run",
        "scenarios/tiny.toml",
        "-r",
        "2",
        "-q",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = summary(&out);
    assert_eq!(s["policy"]["kind"], "earliest_due");
    assert_eq!(s["kpis"]["stops_per_trip_mean"]["mean"], 1.0);
    std::fs::write(&policy, "kind = \"earliest_due\"\nepoch_min = -1\n").unwrap();
    let o = dtwin(&["run", "scenarios/tiny.toml", "--policy", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("edd.toml:2:1: epoch_min: epoch_min must be in [0.1, 1440], got -1"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn stress_compares_scenarios_on_common_random_numbers() {
    let (dir, out) = tmp();
    let short = overlay(dir.path(), "short.toml", "scenarios/tiny.toml", &format!("name = \"short\"\n{FEWER_DRIVERS}"));
    let same = overlay(dir.path(), "same.toml", "scenarios/tiny.toml", "name = \"same\"\n");
    let o = dtwin(&[
        "stress",
        "scenarios/tiny.toml",
        short.to_str().unwrap(),
        same.to_str().unwrap(),
        "-r",
        "6",
        "--kpi",
        "on_time_rate",
        "--kpi",
        "orders_open_end",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.lines().next().unwrap().contains("3 scenarios x 6 replications"), "{stdout}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("stress.json")).unwrap()).unwrap();
    let cell = |j: usize, k: &str| &m["columns"][j]["kpis"][k];
    assert!(cell(0, "on_time_rate")[1].is_null(), "the baseline has no difference");
    // Fewer drivers: fewer orders on time, significantly, on the same random numbers.
    assert!(cell(1, "on_time_rate")[1]["mean"].as_f64().unwrap() < 0.0);
    assert_eq!(cell(1, "on_time_rate")[1]["significant"], true);
    // The same scenario under another name: identical, difference exactly zero.
    assert_eq!(cell(2, "on_time_rate")[1]["mean"], 0.0);
    assert_eq!(cell(2, "on_time_rate")[1]["significant"], false);
    let csv = std::fs::read_to_string(out.join("stress.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 3);
    // The chart: a dot per KPI and disrupted scenario, filled red where significant, hollow where not.
    let svg = std::fs::read_to_string(out.join("stress.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(["on_time_rate", "orders_open_end", "short", "same"].iter().all(|t| svg.contains(t)), "{svg}");
    assert_eq!(svg.matches("<circle").count(), 4);
    assert!(svg.contains("<circle") && svg.contains("fill=\"#C82828\""), "a significant change is drawn");
    assert!(svg.contains("fill=\"none\" stroke=\"#828282\""), "the zero change is drawn hollow");
    // Unknown KPIs are a usage error.
    let o = dtwin(&["stress", "scenarios/tiny.toml", short.to_str().unwrap(), "--kpi", "happiness"]);
    assert_eq!(o.status.code(), Some(2));
}

const GREEDY: &str = "scenarios/policies/greedy_edd.toml";
const NEAREST: &str = "scenarios/policies/nearest_vehicle.toml";

#[test]
fn compare_ranks_policies_on_common_random_numbers() {
    let (dir, out) = tmp();
    // greedy_edd under another name: the same decisions, so exactly tied with it.
    let twin = dir.path().join("twin.toml");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(GREEDY), &twin).unwrap();
    let o = dtwin(&[
        "compare",
        "scenarios/tiny.toml",
        "-p",
        NEAREST,
        "-p",
        GREEDY,
        "-p",
        twin.to_str().unwrap(),
        "-r",
        "6",
        "--kpi",
        "cost_per_order",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("ranking on max:on_time_rate"), "{stdout}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(m["kpis"][0], "on_time_rate", "the objective is shown first");
    let names: Vec<&str> = m["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["nearest_vehicle", "greedy_edd", "twin"]);
    let r = &m["ranking"];
    let best = r["best"].as_u64().unwrap() as usize;
    assert!(best == 1 || best == 2, "a greedy_edd copy is best: {r}");
    assert_eq!(r["columns"][0]["tied_with_best"], false, "nearest_vehicle is worse: {r}");
    assert_eq!(r["columns"][3 - best]["tied_with_best"], true);
    assert_eq!(r["columns"][3 - best]["shortfall"], 0.0);
    assert_eq!(m["columns"][1]["kpis"]["on_time_rate"][1]["significant"], true);
    assert!(out.join("compare.csv").exists() && out.join("compare.svg").exists());
    // One policy is not a comparison; two files with one name cannot be told apart.
    assert_eq!(dtwin(&["compare", "scenarios/tiny.toml", "-p", GREEDY]).status.code(), Some(2));
    assert_eq!(dtwin(&["compare", "scenarios/tiny.toml", "-p", GREEDY, "-p", GREEDY]).status.code(), Some(2));
    let o = dtwin(&["compare", "scenarios/tiny.toml", "-p", GREEDY, "-p", NEAREST, "--objective", "max:joy"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `dtwin run` of tiny with a policy file, 5 replications, seed 11, into `out`.
fn saved_run(policy: &str, out: &Path) {
    let o = dtwin(&[
        "run",
        "scenarios/tiny.toml",
        "-p",
        policy,
        "-r",
        "5",
        "--seed",
        "11",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn gate_passes_an_unchanged_policy_and_fails_a_worse_one() {
    let (dir, _) = tmp();
    let d = dir.path();
    saved_run(GREEDY, &d.join("baseline/tiny"));
    saved_run(GREEDY, &d.join("same"));
    saved_run(NEAREST, &d.join("worse"));
    let rules = d.join("gate.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nkpi = \"on_time_rate\"\nmax_worse = 0.01\n\n[[rule]]\nkpi = \"orders_created\"\nmin = 1\n",
    )
    .unwrap();
    let baseline = d.join("baseline");
    let gate = |candidate: &str| {
        let (junit, md, cand) =
            (d.join(format!("{candidate}.xml")), d.join(format!("{candidate}.md")), d.join(candidate));
        let path = |p: &Path| p.to_str().unwrap().to_string();
        let o = dtwin(&[
            "gate",
            "--rules",
            &path(&rules),
            "--baseline",
            &path(&baseline),
            &path(&cand),
            "--junit",
            &path(&junit),
            "--markdown",
            &path(&md),
        ]);
        (o, std::fs::read_to_string(junit).unwrap_or_default(), std::fs::read_to_string(md).unwrap_or_default())
    };
    let (o, junit, md) = gate("same");
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(junit.contains("tests=\"2\" failures=\"0\""), "{junit}");
    assert!(md.starts_with("## dtwin gate: passed"), "{md}");
    assert_eq!(text(&o.stdout), md);
    let (o, junit, md) = gate("worse");
    assert_eq!(o.status.code(), Some(1), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(junit.contains("tests=\"2\" failures=\"1\"") && junit.contains("<failure message=\"change -"), "{junit}");
    assert!(md.contains("| **FAIL** | tiny | on_time_rate at most 0.01 below baseline"), "{md}");
    // Configuration errors exit 2: a bad rule, a baseline on other seeds.
    std::fs::write(&rules, "[[rule]]\nkpi = \"on_time\"\nmin = 1\n").unwrap();
    let (o, _, _) = gate("same");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("gate.toml:2: kpi: unknown KPI \"on_time\""), "{}", text(&o.stderr));
    std::fs::write(&rules, "[[rule]]\nkpi = \"on_time_rate\"\nmax_worse = 0\n").unwrap();
    let o = dtwin(&[
        "run",
        "scenarios/tiny.toml",
        "-r",
        "5",
        "--seed",
        "12",
        "-q",
        "--out",
        d.join("other").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let (o, _, _) = gate("other");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("are not paired"), "{}", text(&o.stderr));
}

#[test]
fn tune_finds_a_feasible_best_writes_a_policy_and_resumes_after_an_interruption() {
    let (dir, out) = tmp();
    let tune = |extra: &[&str]| {
        let args = ["tune", "scenarios/tiny.toml", "-p", GREEDY, "--param", "min_fill=0.3..0.9:0.3", "-r", "3"];
        dtwin(&[&args[..], &["--constraint", "orders_created>=1", "--out", out.to_str().unwrap()], extra].concat())
    };
    let first = tune(&[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(stdout.contains("3 candidates x 3 replications") && stdout.contains("best feasible: #"), "{stdout}");
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("tune.json")).unwrap()).unwrap();
    let best = result["best"].as_u64().unwrap() as usize;
    let cands = result["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 3);
    assert_eq!(cands[best]["tied_with_best"], true);
    let best_mean = cands[best]["objective"]["mean"].as_f64().unwrap();
    assert!(cands.iter().all(|c| c["objective"]["mean"].as_f64().unwrap() <= best_mean));
    // The recommended policy is a policy file `run` takes.
    let policy = out.join("best-policy.toml");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-p", policy.to_str().unwrap(), "-r", "2", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Interrupted after one candidate, in the middle of writing the second: resumes from there.
    let journal = out.join("tune.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&journal).unwrap().lines().map(String::from).collect();
    assert_eq!(lines.len(), 4);
    std::fs::write(&journal, format!("{}\n{}\n{}", lines[0], lines[1], &lines[2][..20])).unwrap();
    let again = tune(&[]);
    assert!(text(&again.stderr).contains("resuming: 1 of 3 candidates done"), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), stdout, "the same result as without the interruption");
    // Another search does not silently reuse the journal.
    let other = dtwin(&[
        "tune",
        "scenarios/tiny.toml",
        "-p",
        NEAREST,
        "--param",
        "epoch_min=5..15:5",
        "-r",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(other.status.code(), Some(2), "{}", text(&other.stderr));
    assert!(text(&other.stderr).contains("holds another search"));
    // A parameter the policy does not have, or out of its range, is a usage error.
    let bad = dtwin(&[
        "tune",
        "scenarios/tiny.toml",
        "-p",
        GREEDY,
        "--param",
        "min_fill=0.5..1.5",
        "--out",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

fn svgs(html: &str) -> usize {
    html.matches("<svg").count()
}

#[test]
fn reports_are_self_contained_and_rerendered_from_the_saved_results() {
    let (dir, out) = tmp();
    let run = out.join("run");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "4", "-q", "--out", run.to_str().unwrap(), "--report"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(svgs(&html), 2, "box plots and the day's timeline, inline");
    assert!(!html.contains(" src=") && !html.contains("href=\"http"), "nothing to fetch");
    assert!(html.contains(&summary(&run)["fingerprint"].as_str().unwrap().to_string()), "provenance");
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(md.starts_with("# dtwin run: tiny") && md.contains("| on_time_rate |"), "{md}");
    let csv = std::fs::read_to_string(run.join("timeline.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 24 * 4, "a row per quantity and quarter hour");
    let timeline = &summary(&run)["timeline"];
    assert_eq!(timeline["series"].as_array().unwrap().len(), 4);
    assert_eq!(timeline["series"][0]["mean"].as_array().unwrap().len(), 24 * 4);
    // Re-rendered from summary.json alone: the same page.
    std::fs::remove_file(run.join("report.html")).unwrap();
    let o = dtwin(&["report", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(run.join("report.html")).unwrap(), html);

    let stress = out.join("stress");
    let short = overlay(dir.path(), "short.toml", "scenarios/tiny.toml", &format!("name = \"short\"\n{FEWER_DRIVERS}"));
    let o = dtwin(&[
        "stress",
        "scenarios/tiny.toml",
        short.to_str().unwrap(),
        "-r",
        "4",
        "--out",
        stress.to_str().unwrap(),
        "--report",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(stress.join("report.html")).unwrap();
    assert_eq!(svgs(&html), 4, "heatmap, intervals, box plots, timeline");
    assert!(html.contains("Heatmap") && html.contains("short"));

    let compare = out.join("compare");
    let o = dtwin(&[
        "compare",
        "scenarios/tiny.toml",
        "-p",
        GREEDY,
        "-p",
        NEAREST,
        "-r",
        "4",
        "--out",
        compare.to_str().unwrap(),
        "--report",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(compare.join("report.html")).unwrap();
    assert_eq!(svgs(&html), 3, "intervals, box plots, timeline");
    assert!(html.contains("Ranking") && html.contains("nearest_vehicle"));
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(compare.join("compare.json")).unwrap()).unwrap();
    let hashes: Vec<&str> =
        c["columns"].as_array().unwrap().iter().map(|c| c["policy_hash"].as_str().unwrap()).collect();
    assert!(hashes[0].len() == 16 && hashes[0] != hashes[1], "each policy has its own hash: {hashes:?}");

    // No result, or no --out to write into: usage errors.
    assert_eq!(dtwin(&["report", dir.path().to_str().unwrap()]).status.code(), Some(2));
    assert_eq!(dtwin(&["run", "scenarios/tiny.toml", "--report"]).status.code(), Some(2));
}

#[test]
fn adaptive_replications_reach_the_precision_and_equal_a_plain_run() {
    let (_dir, out) = tmp();
    let adaptive = out.join("adaptive");
    let o = dtwin(&[
        "run",
        "scenarios/tiny.toml",
        "-r",
        "3",
        "-q",
        "--precision",
        "on_time_rate=0.03",
        "--max-replications",
        "60",
        "--out",
        adaptive.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = summary(&adaptive);
    let n = s["replications"].as_u64().unwrap();
    let p = &s["precision"];
    assert!(n > 3 && n <= 60, "{n}");
    assert_eq!(p["reached"], true, "{p}");
    assert!(p["half_width"].as_f64().unwrap() <= 0.03);
    assert_eq!(s["kpis"]["on_time_rate"]["ci95_half_width"], p["half_width"]);
    // The same replications as a plain run of that many.
    let plain = out.join("plain");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", &n.to_string(), "-q", "--out", plain.to_str().unwrap()]);
    assert!(o.status.success());
    assert_eq!(summary(&plain)["fingerprint"], s["fingerprint"]);
    // A maximum too low: stopped there, and said so.
    let capped = out.join("capped");
    let o = dtwin(&[
        "run",
        "scenarios/tiny.toml",
        "-r",
        "2",
        "-q",
        "--precision",
        "on_time_rate=0.0001",
        "--max-replications",
        "5",
        "--out",
        capped.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(text(&o.stderr).contains("not reached"));
    assert_eq!(
        (summary(&capped)["replications"].as_u64(), &summary(&capped)["precision"]["reached"]),
        (Some(5), &false.into())
    );
    assert_eq!(dtwin(&["run", "scenarios/tiny.toml", "--precision", "joy=1"]).status.code(), Some(2));
}

#[test]
fn warm_up_is_recorded_and_checked() {
    let (_dir, out) = tmp();
    let (cold, warm) = (out.join("cold"), out.join("warm"));
    for (dir, extra) in [(&cold, None), (&warm, Some("6"))] {
        let mut args = vec!["run", "scenarios/tiny.toml", "-r", "3", "-q", "--out", dir.to_str().unwrap()];
        args.extend(extra.map(|h| ["--warmup", h]).into_iter().flatten());
        assert!(dtwin(&args).status.success());
    }
    let created = |d: &Path| summary(d)["kpis"]["orders_created"]["mean"].as_f64().unwrap();
    assert!(created(&warm) < created(&cold));
    assert_eq!((summary(&cold)["warmup_h"].as_f64(), summary(&warm)["warmup_h"].as_f64()), (Some(0.0), Some(6.0)));
    assert_eq!(summary(&cold)["fingerprint"], summary(&warm)["fingerprint"], "the same history, measured later");
    let o = dtwin(&["run", "scenarios/tiny.toml", "--warmup", "24"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("less than the horizon"), "{}", text(&o.stderr));
}
