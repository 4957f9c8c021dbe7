//! The files dtwin writes and reads back: limits on what a command may ask for, checks on
//! hand-edited results and journals, and writes that leave nothing half-done behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{json, s, text};

const GREEDY: &str = "scenarios/policies/greedy_edd.toml";

fn dtwin(args: &[&str]) -> Output {
    dtwin_within(args, 120)
}

/// Runs dtwin, killing it after `secs`: nothing may hang (a killed run fails the test).
fn dtwin_within(args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dtwin"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!("dtwin {args:?} still running after {secs} s; stderr:\n{}", text(&o.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Exit 2 with `needle` in the message and no panic.
fn refused(o: &Output, needle: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stdout:\n{}\nstderr:\n{err}", text(&o.stdout));
    assert!(err.contains(needle), "{needle:?} not in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

// Files named on the command line or in a scenario: plain files of bounded size only.

#[test]
fn a_fifo_or_a_device_named_as_an_input_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let o = dtwin_within(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--policy", s(&fifo)], 20);
    refused(&o, "fifo: cannot read: not a plain file");
    refused(&dtwin_within(&["check", "/dev/zero"], 20), "/dev/zero: cannot read: not a plain file");
    let imported = dir.path().join("imported");
    let o = dtwin_within(&["import", "solomon", s(&fifo), "--out", s(&imported)], 20);
    refused(&o, "fifo: cannot read: not a plain file");
    assert!(!imported.exists());
    let o = dtwin_within(&["gate", "--rules", s(&fifo), s(dir.path())], 20);
    refused(&o, "fifo: cannot read: not a plain file");
}

#[test]
fn an_import_refuses_at_the_instance_line_what_its_scenario_would_refuse_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let instance = concat!(
        "T1\n\nVEHICLE\nNUMBER     CAPACITY\n  2         50\n\nCUSTOMER\n",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n",
        "    0      40         50          0          0       1236          0\n",
        "    1      45         68         10        912        967         90\n",
        "    2      45         70         30        825        870         90\n",
    );
    let out = dir.path().join("imported");
    let import = |text: &str| {
        std::fs::write(dir.path().join("t.txt"), text).unwrap();
        dtwin(&["import", "solomon", s(&dir.path().join("t.txt")), "--out", s(&out)])
    };
    for (from, to, needle) in [
        ("T1", "../T1", "t.txt:1: "),
        ("T1", "a/b", "t.txt:1: "),
        ("    1      45         68         10", "    1      45         68          0", "t.txt:11: demand"),
        ("    2      45", "    1      45", "t.txt:12: "),
        ("  2         50", "  2         x", "t.txt:5: "),
    ] {
        refused(&import(&instance.replacen(from, to, 1)), needle);
        assert!(!out.exists(), "{to:?}");
        assert_eq!(entries(dir.path()), ["t.txt"], "{to:?}");
    }
    let o = import(instance);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(entries(&out), ["T1.orders.csv", "T1.toml"]);
    let o = dtwin(&["check", s(&out.join("T1.toml"))]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

// Item 3: limits on what a command may ask for.

#[test]
fn thread_counts_above_the_limit_are_refused() {
    refused(&dtwin_within(&["run", "scenarios/tiny.toml", "-r", "2", "-q", "-t", "100000"], 30), "1024");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "2", "-q", "-t", "16"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn tune_refuses_more_candidates_than_the_limit_before_allocating_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tune");
    let tune = |extra: &[&str]| {
        let args = ["tune", "scenarios/tiny.toml", "-p", GREEDY, "-r", "2", "--out", s(&out)];
        dtwin_within(&[&args[..], extra].concat(), 30)
    };
    let o = tune(&["--param", "min_fill=0..1:0.0000000001"]);
    refused(&o, "100000");
    assert!(text(&o.stderr).contains("10000000001 candidates"), "{}", text(&o.stderr));
    // Several parameters multiply: 1001 x 1001 levels.
    refused(&tune(&["--param", "min_fill=0..1:0.001", "--param", "slack_min=0..1000:1"]), "100000");
    // A range no float step can cover.
    refused(&tune(&["--param", "slack_min=0..1e300:1e-300"]), "100000");
    refused(&tune(&["--param", "min_fill=0..1", "--search", "lhs", "--samples", "4294967295"]), "100000");
    refused(&tune(&["--param", "min_fill=0..1", "--search", "random", "--samples", "100001"]), "100000");
    assert!(!out.exists(), "nothing written for a refused search");
}

// Item 9: files read back are checked.

/// A saved result of each kind, with its report: run, compare, stress, tune.
fn saved_results(root: &Path) -> [PathBuf; 4] {
    let (run, compare, stress, tune) = (root.join("run"), root.join("cmp"), root.join("str"), root.join("tune"));
    let nearest = "scenarios/policies/nearest_vehicle.toml";
    let commands: [Vec<&str>; 4] = [
        vec!["run", "scenarios/tiny.toml", "-r", "3", "-q", "--out", s(&run), "--report"],
        vec![
            "compare",
            "scenarios/tiny.toml",
            "-p",
            GREEDY,
            "-p",
            nearest,
            "-r",
            "3",
            "--out",
            s(&compare),
            "--report",
        ],
        vec!["stress", "scenarios/tiny.toml", "scenarios/tiny.toml", "-r", "3", "--out", s(&stress), "--report"],
        vec!["tune", "scenarios/tiny.toml", "-p", GREEDY, "--param", "min_fill=0.5..0.9:0.2", "-r", "3", "--out"],
    ];
    for (i, mut args) in commands.into_iter().enumerate() {
        if i == 3 {
            args.extend([s(&tune), "--report"]);
        }
        let o = dtwin(&args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    }
    [run, compare, stress, tune]
}

/// `dtwin report` on a copy of `file` from `from`, changed by `edit`.
fn report_edited(from: &Path, file: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut v = json(&from.join(file));
    edit(&mut v);
    std::fs::write(dir.path().join(file), serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = dtwin_within(&["report", s(dir.path())], 30);
    assert!(!dir.path().join("report.html").exists() || o.status.success(), "a report written for a bad file");
    o
}

#[test]
fn report_refuses_inconsistent_saved_results_naming_the_file_and_place() {
    let root = tempfile::tempdir().unwrap();
    let [run, compare, stress, tune] = saved_results(root.path());
    // The saved results render again as they are.
    for dir in [&run, &compare, &stress, &tune] {
        let html = std::fs::read(dir.join("report.html")).unwrap();
        let o = dtwin(&["report", s(dir)]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), html, "re-rendered byte for byte");
    }

    let o = report_edited(&tune, "tune.json", |v| v["candidates"] = serde_json::json!([]));
    refused(&o, "tune.json: candidates: ");
    let o = report_edited(&tune, "tune.json", |v| v["best"] = 7.into());
    refused(&o, "tune.json: best: ");
    let o = report_edited(&tune, "tune.json", |v| v["candidates"][1]["params"] = serde_json::json!({"x": 1.0}));
    refused(&o, "tune.json: candidates[1].params: ");

    let o = report_edited(&compare, "compare.json", |v| v["columns"] = serde_json::json!([]));
    refused(&o, "compare.json: columns: ");
    let o = report_edited(&compare, "compare.json", |v| {
        v["columns"][1]["kpis"].as_object_mut().unwrap().remove("on_time_rate");
    });
    refused(&o, "compare.json: columns[1].kpis: ");
    let o = report_edited(&compare, "compare.json", |v| {
        let series = v["columns"][0]["timeline"]["series"][0].clone();
        v["columns"][0]["timeline"]["series"].as_array_mut().unwrap().push(series);
    });
    refused(&o, "compare.json: columns[0].timeline.series");
    let o = report_edited(&compare, "compare.json", |v| {
        let baseline = v["columns"][0].clone();
        v["columns"].as_array_mut().unwrap().push(baseline);
    });
    refused(&o, "compare.json: columns[2]");
    let o = report_edited(&compare, "compare.json", |v| v["ranking"]["best"] = 9.into());
    refused(&o, "compare.json: ranking.best: ");
    // Numbers no chart can scale to (this one hung the renderer).
    let o = report_edited(&compare, "compare.json", |v| {
        let diff = &mut v["columns"][1]["kpis"]["on_time_rate"][1];
        (diff["ci95_low"], diff["ci95_high"]) = ((-1e308).into(), 1e308.into());
    });
    refused(&o, "compare.json: columns[1].kpis.on_time_rate");

    let o = report_edited(&stress, "stress.json", |v| {
        v["columns"][1]["timeline"]["series"][2]["p90"].as_array_mut().unwrap().pop();
    });
    refused(&o, "stress.json: columns[1].timeline.series[2].p90: ");

    let o = report_edited(&run, "summary.json", |v| v["kpis"]["on_time_rate"]["p95"] = 1e308.into());
    refused(&o, "summary.json: kpis.on_time_rate.p95: ");
    let o = report_edited(&run, "summary.json", |v| v["timeline"]["step_min"] = 0.into());
    refused(&o, "summary.json: timeline.step_min: ");
    let o = report_edited(&run, "summary.json", |v| v["replications"] = 0.into());
    refused(&o, "summary.json: replications: ");
    let o = report_edited(&run, "summary.json", |v| {
        v.as_object_mut().unwrap().remove("kpis");
    });
    refused(&o, "summary.json: missing field `kpis`");
}

/// A tune of three candidates into `out`, with `extra` arguments.
fn tune(out: &Path, extra: &[&str]) -> Output {
    let args = ["tune", "scenarios/tiny.toml", "-p", GREEDY, "--param", "min_fill=0.3..0.9:0.3", "-r", "3", "--out"];
    dtwin(&[&args[..], &[s(out)], extra].concat())
}

fn journal_lines(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join("tune.jsonl")).unwrap().lines().map(String::from).collect()
}

#[test]
fn a_torn_journal_line_is_dropped_so_the_next_resume_continues_after_the_last_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tune");
    let first = tune(&out, &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let result = std::fs::read(out.join("tune.json")).unwrap();
    let lines = journal_lines(&out);
    assert_eq!(lines.len(), 4);
    // Killed while writing the second candidate, then killed again after the third.
    std::fs::write(out.join("tune.jsonl"), format!("{}\n{}\n{}", lines[0], lines[1], &lines[2][..30])).unwrap();
    let again = tune(&out, &[]);
    assert!(text(&again.stderr).contains("resuming: 1 of 3 candidates done"), "{}", text(&again.stderr));
    assert_eq!(journal_lines(&out), lines, "the torn line is gone, the rest appended after the good ones");
    let third = tune(&out, &[]);
    assert!(text(&third.stderr).contains("resuming: 3 of 3 candidates done"), "{}", text(&third.stderr));
    assert_eq!(std::fs::read(out.join("tune.json")).unwrap(), result);
}

#[test]
fn journal_lines_that_do_not_fit_the_search_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tune");
    assert!(tune(&out, &[]).status.success());
    let lines = journal_lines(&out);
    let edit = |line: usize, f: &dyn Fn(&mut serde_json::Value)| {
        let mut all = lines.clone();
        let mut v: serde_json::Value = serde_json::from_str(&all[line]).unwrap();
        f(&mut v);
        all[line] = v.to_string();
        std::fs::write(out.join("tune.jsonl"), all.join("\n") + "\n").unwrap();
        tune(&out, &[])
    };
    refused(&edit(2, &|v| v["kpis"][1].as_array_mut().unwrap().truncate(5)), "tune.jsonl:3: kpis[1]: ");
    refused(&edit(1, &|v| v["kpis"] = serde_json::json!([])), "tune.jsonl:2: kpis: ");
    refused(&edit(3, &|v| v["candidate"] = 7.into()), "tune.jsonl:4: candidate: ");
    refused(&edit(3, &|v| v["candidate"] = 1.into()), "tune.jsonl:4: candidate: ");
    refused(&edit(2, &|v| v["values"] = serde_json::json!([0.31])), "tune.jsonl:3: values: ");
    refused(&edit(2, &|v| v["kpis"][0][0] = 1e308.into()), "tune.jsonl:3: kpis[0][0]: ");
    let mut garbled = lines.clone();
    garbled[2] = "{\"candidate\": 1,".into();
    std::fs::write(out.join("tune.jsonl"), garbled.join("\n") + "\n").unwrap();
    refused(&tune(&out, &[]), "tune.jsonl:3: ");
}

#[test]
fn a_search_with_no_feasible_candidate_leaves_no_recommended_policy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tune");
    assert!(tune(&out, &["--report"]).status.success());
    assert!(out.join("best-policy.toml").exists());
    // The same search (resumed from its journal) under a constraint nothing meets.
    let o = tune(&out, &["--constraint", "on_time_rate>=2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("no candidate meets the constraints"), "{}", text(&o.stdout));
    assert!(!out.join("best-policy.toml").exists(), "a stale recommendation was left in place");
    assert!(!out.join("report.html").exists(), "a stale report was left in place");
    assert_eq!(json(&out.join("tune.json"))["best"], serde_json::Value::Null);
}

/// A `dtwin run --out` of tiny, 5 replications, seed 11.
fn saved_run(out: &Path) {
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "5", "--seed", "11", "-q", "--out", s(out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

fn gate(d: &Path, rules: &str) -> Output {
    std::fs::write(d.join("gate.toml"), rules).unwrap();
    dtwin(&["gate", "--rules", s(&d.join("gate.toml")), "--baseline", s(&d.join("base")), s(&d.join("cand"))])
}

/// Rewrites `replications.csv` in `dir`: `f` gets the data rows.
fn edit_rows(dir: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("replications.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let mut rows = lines.split_off(1);
    f(&mut rows);
    lines.extend(rows);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn gate_pairs_replications_by_their_index_not_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    saved_run(&d.join("base"));
    saved_run(&d.join("cand"));
    let rules = "[[rule]]\nkpi = \"on_time_rate\"\nmax_worse = 0\n";
    assert_eq!(gate(d, rules).status.code(), Some(0));
    edit_rows(&d.join("cand"), |rows| rows.reverse());
    let o = gate(d, rules);
    assert_eq!(o.status.code(), Some(0), "row order changed the verdict:\n{}{}", text(&o.stdout), text(&o.stderr));
    // Other replication indices cannot be paired.
    edit_rows(&d.join("cand"), |rows| {
        for r in rows.iter_mut() {
            let (index, rest) = r.split_once(',').unwrap();
            *r = format!("{},{rest}", index.parse::<u32>().unwrap() + 10);
        }
    });
    refused(&gate(d, rules), "replication");
    edit_rows(&d.join("cand"), |rows| rows[1] = rows[0].clone());
    refused(&gate(d, rules), "replications.csv:3: replication: ");
}

#[test]
fn gate_refuses_rules_that_are_not_finite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    saved_run(&d.join("base"));
    saved_run(&d.join("cand"));
    refused(&gate(d, "[[rule]]\nkpi = \"on_time_rate\"\nmin = nan\n"), "gate.toml:1: min: ");
    refused(&gate(d, "[[rule]]\nkpi = \"on_time_rate\"\nmax = inf\n"), "gate.toml:1: max: ");
    refused(&gate(d, "[[rule]]\nkpi = \"on_time_rate\"\nmax_worse = inf\n"), "gate.toml:1: max_worse: ");
}

#[test]
fn gate_refuses_replications_that_do_not_fit_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    saved_run(&d.join("base"));
    saved_run(&d.join("cand"));
    let rules = "[[rule]]\nkpi = \"on_time_rate\"\nmin = 0\n";
    edit_rows(&d.join("cand"), |rows| {
        let (index, rest) = rows[0].split_once(',').unwrap();
        let (fingerprint, rest) = rest.split_once(',').unwrap();
        let (_, rest) = rest.split_once(',').unwrap();
        rows[0] = format!("{index},{fingerprint},NaN,{rest}");
    });
    refused(&gate(d, rules), "replications.csv:2: on_time_rate: ");
    saved_run_forced(&d.join("cand"));
    let path = d.join("cand/replications.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, csv.replacen("on_time_rate", "orders_created", 1)).unwrap();
    refused(&gate(d, rules), "replications.csv:1: ");
}

fn saved_run_forced(out: &Path) {
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "5", "--seed", "11", "-q", "--force", "--out", s(out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

// Item 10: writes leave nothing half-done.

/// A path under `root` whose folder can be made but holds no file: longer than PATH_MAX once a
/// file name is joined to it.
fn too_deep(root: &Path) -> PathBuf {
    let mut p = root.to_path_buf();
    while p.as_os_str().len() + 101 < 3990 {
        p = p.join("d".repeat(100));
    }
    p.join("o".repeat(4090 - 1 - p.as_os_str().len()))
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_leaves_no_folder_and_no_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = too_deep(dir.path());
    let events = dir.path().join("events.jsonl");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "2", "-q", "--events", s(&events), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.matches("os error").count(), 1, "the OS error once:\n{err}");
    assert_eq!(entries(dir.path()), Vec::<String>::new(), "left behind after a failed write");
}

#[test]
fn os_errors_are_printed_once() {
    let o = dtwin(&["run", "no/such.toml"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--events", "/no/such/dir/e.jsonl"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/no/such/dir"), "{err}");
    assert!(err.matches("os error").count() <= 1, "{err}");
}

#[test]
fn out_may_not_be_a_root_or_a_folder_of_other_files() {
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--out", "/"]);
    refused(&o, "filesystem root");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--out", "/", "--force"]);
    refused(&o, "filesystem root");
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("mine");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "precious").unwrap();
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--out", s(&other)]);
    refused(&o, "notes.txt");
    assert_eq!(entries(&other), ["notes.txt"]);
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--out", s(&other), "--force"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(entries(&other), ["notes.txt", "replications.csv", "summary.json"]);
    // An empty folder, or one of dtwin's results, is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(dtwin(&["run", "scenarios/tiny.toml", "-r", "1", "-q", "--out", s(&empty)]).status.success());
    let o = dtwin(&["stress", "scenarios/tiny.toml", "scenarios/tiny.toml", "-r", "2", "--out", s(&empty)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // A file is not a folder.
    refused(&dtwin(&["run", "scenarios/tiny.toml", "-q", "--out", s(&other.join("notes.txt"))]), "not a folder");
}

#[test]
fn results_replaced_with_force_leave_no_stale_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert!(dtwin(&["run", "scenarios/tiny.toml", "-r", "2", "-q", "--out", s(&out), "--report"]).status.success());
    assert_eq!(entries(&out), ["replications.csv", "report.html", "report.md", "summary.json", "timeline.csv"]);
    assert!(dtwin(&["run", "scenarios/tiny.toml", "-r", "3", "-q", "--out", s(&out), "--force"]).status.success());
    assert_eq!(entries(&out), ["replications.csv", "summary.json"], "a report of the previous results was kept");
}

#[test]
fn a_write_into_a_new_folder_leaves_nothing_but_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/run");
    let events = dir.path().join("events.jsonl");
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "2", "-q", "--out", s(&out), "--events", s(&events)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(entries(dir.path()), ["a", "events.jsonl"]);
    assert_eq!(entries(&dir.path().join("a/b")), ["run"]);
    assert_eq!(entries(&out), ["replications.csv", "summary.json"]);
}

/// Interrupts runs at random moments: whatever the moment, --out is absent or complete and
/// holds no temporary file, and a later run clears what an interruption left beside it. Slow:
/// `cargo test --test cli_files -- --ignored`.
#[cfg(unix)]
#[test]
#[ignore]
fn interrupted_writes_leave_nothing_in_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_dtwin");
    for trial in 0..200u64 {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = Command::new(bin)
            .args(["run", "scenarios/tiny.toml", "-r", "2", "-q", "--report", "--out", s(&out)])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(30_000 + (trial * 7919) % 130_000));
        let signal = if trial % 2 == 0 { "-INT" } else { "-TERM" };
        let _ = Command::new("kill").args([signal, &child.id().to_string()]).status();
        let _ = child.wait();
        // A new folder appears with every file in it, or not at all.
        if out.exists() {
            let names = entries(&out);
            assert_eq!(names, ["replications.csv", "report.html", "report.md", "summary.json", "timeline.csv"]);
        }
    }
    let o = dtwin(&["run", "scenarios/tiny.toml", "-r", "2", "-q", "--out", s(&out), "--force"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(entries(dir.path()), ["out"], "staging left beside --out is cleared by the next run");
}
