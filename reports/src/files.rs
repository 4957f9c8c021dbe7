//! The bytes of each result file, and the names a results folder may hold.

use std::path::Path;

use crate::staged::STAGING;
use crate::table::tune_extra_kpis;
use crate::tune::TuneResult;
use crate::{Matrix, ReplicationRow, Staged, Summary, Timeline, WriteError, matrix_svg, report};

/// A number in a CSV cell: empty when undefined (NaN).
pub fn cell(x: f64) -> String {
    if x.is_nan() { String::new() } else { x.to_string() }
}

/// What `NAME.json`, `NAME.csv` (a row per KPI and column), `NAME.svg` (the chart), with a
/// timeline `timeline.csv`, and with `report` `report.html` and `report.md` hold; `NAME` is
/// `stress` or `compare`.
pub fn matrix_files(name: &str, m: &Matrix, report: bool) -> Vec<(String, Vec<u8>)> {
    let json = serde_json::to_vec_pretty(m).expect("matrix serialises");
    let file = |ext: &str| format!("{name}.{ext}");
    let mut csv = Csv::new();
    csv.row([
        "kpi",
        "column",
        "mean",
        "ci95_low",
        "ci95_high",
        "diff",
        "diff_ci95_low",
        "diff_ci95_high",
        "significant",
    ]);
    let opt = |x: Option<f64>| x.map_or(String::new(), cell);
    for k in &m.kpis {
        for c in &m.columns {
            let (s, d) = &c.kpis[k];
            csv.row([
                k.clone(),
                c.name.clone(),
                cell(s.mean),
                opt(s.ci95_low),
                opt(s.ci95_high),
                opt(d.as_ref().map(|d| d.mean)),
                opt(d.as_ref().and_then(|d| d.ci95_low)),
                opt(d.as_ref().and_then(|d| d.ci95_high)),
                d.as_ref().map_or(String::new(), |d| d.significant.to_string()),
            ]);
        }
    }
    let csv = csv.bytes();
    let svg = matrix_svg(m).into_bytes();
    let mut files = vec![(file("json"), json), (file("csv"), csv), (file("svg"), svg)];
    let timelines: Option<Vec<(&str, &Timeline)>> =
        m.columns.iter().map(|c| c.timeline.as_ref().map(|t| (c.name.as_str(), t))).collect();
    if let Some(t) = timelines {
        files.push(("timeline.csv".into(), timeline_csv(&t)));
    }
    if report {
        files.extend(report_files(report::matrix(name, m)));
    }
    files
}

/// Writes [`matrix_files`] into `dir` together ([`Staged::folder`]).
pub fn write_matrix(dir: &Path, name: &str, m: &Matrix, report: bool) -> Result<(), WriteError> {
    let kind = if name == "compare" { COMPARE_FILES } else { STRESS_FILES };
    Staged::folder(dir, matrix_files(name, m, report), kind)?.commit()
}

/// What `tune.json`, `tune.csv` (a row per candidate: `values[i]`, its values of the parameters
/// `params`, then the objective and each constrained KPI), `best-policy.toml` (when there is a
/// best: `best_policy`) and with `report` `report.html` and `report.md` hold.
pub fn tune_files(
    t: &TuneResult,
    params: &[&str],
    values: &[Vec<f64>],
    best_policy: Option<String>,
    report: bool,
) -> Vec<(String, Vec<u8>)> {
    let json = serde_json::to_vec_pretty(t).expect("tune result serialises");
    let mut files = vec![("tune.json".to_string(), json), ("tune.csv".to_string(), tune_csv(t, params, values))];
    if let Some(policy) = best_policy {
        files.push(("best-policy.toml".into(), policy.into_bytes()));
    }
    if report {
        files.extend(report_files(report::tune(t)));
    }
    files
}

/// `tune.csv`. Undefined means are written `NaN` here (an empty cell in the other files).
fn tune_csv(t: &TuneResult, params: &[&str], values: &[Vec<f64>]) -> Vec<u8> {
    let extra = tune_extra_kpis(t);
    let constrained = !t.constraints.is_empty();
    let kpi = &t.objective.kpi;
    let mut csv = Csv::new();
    let mut header = vec!["candidate".to_string()];
    header.extend(params.iter().map(|p| p.to_string()));
    header.extend([format!("{kpi}_mean"), format!("{kpi}_ci95_low"), format!("{kpi}_ci95_high")]);
    header.extend(extra.iter().map(|k| format!("{k}_mean")));
    header.extend(["feasible", "tied_with_best", "pareto"].map(String::from));
    if constrained {
        header.push("why_infeasible".into());
    }
    csv.row(&header);
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    for (i, (c, values)) in t.candidates.iter().zip(values).enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(values.iter().map(f64::to_string));
        row.extend([c.objective.mean.to_string(), opt(c.objective.ci95_low), opt(c.objective.ci95_high)]);
        row.extend(extra.iter().map(|k| c.constrained_kpis[*k].to_string()));
        row.extend([c.feasible, c.tied_with_best, c.pareto].map(|b| b.to_string()));
        if constrained {
            row.push(c.why_infeasible.clone().unwrap_or_default());
        }
        csv.row(&row);
    }
    csv.bytes()
}

/// `timeline.csv`: a row per alternative, quantity and interval (from its first hour).
fn timeline_csv(columns: &[(&str, &Timeline)]) -> Vec<u8> {
    let mut csv = Csv::new();
    csv.row(["column", "quantity", "from_hour", "mean", "p10", "p90"]);
    for &(name, t) in columns {
        for s in &t.series {
            for i in 0..s.mean.len() {
                let hour = i as f64 * t.step_min / 60.0;
                let [hour, mean, p10, p90] = [hour, s.mean[i], s.p10[i], s.p90[i]].map(|x| x.to_string());
                csv.row([name, s.name.as_str(), &hour, &mean, &p10, &p90]);
            }
        }
    }
    csv.bytes()
}

/// A CSV file in memory: `csv` quotes a field only where it must (a comma, a quote, a line end).
pub(crate) struct Csv(csv::Writer<Vec<u8>>);

impl Csv {
    pub(crate) fn new() -> Csv {
        Csv(csv::Writer::from_writer(Vec::new()))
    }

    /// Appends a record; every record has as many fields as the first.
    pub(crate) fn row<T: AsRef<[u8]>>(&mut self, fields: impl IntoIterator<Item = T>) {
        self.0.write_record(fields).expect("writing CSV to memory");
    }

    pub(crate) fn bytes(self) -> Vec<u8> {
        self.0.into_inner().expect("in-memory writer")
    }
}

/// `report.html` and `report.md`.
pub fn report_files(r: report::Report) -> [(String, Vec<u8>); 2] {
    [("report.html".into(), r.html.into_bytes()), ("report.md".into(), r.markdown.into_bytes())]
}

/// The files a `dtwin run --out` folder may hold.
pub const RUN_FILES: &[&str] = &["summary.json", "replications.csv", "timeline.csv", "report.html", "report.md"];
/// The files a `dtwin stress --out` folder may hold.
pub const STRESS_FILES: &[&str] =
    &["stress.json", "stress.csv", "stress.svg", "timeline.csv", "report.html", "report.md"];
/// The files a `dtwin compare --out` folder may hold.
pub const COMPARE_FILES: &[&str] =
    &["compare.json", "compare.csv", "compare.svg", "timeline.csv", "report.html", "report.md"];
/// The files a `dtwin tune --out` folder may hold, besides its journal `tune.jsonl`.
pub const TUNE_FILES: &[&str] = &["tune.json", "tune.csv", "best-policy.toml", "report.html", "report.md"];

/// Whether `name` is a file dtwin writes into a results folder (or its journal, or a staging
/// folder an interrupted write left there).
pub fn is_result_file(name: &str) -> bool {
    [RUN_FILES, STRESS_FILES, COMPARE_FILES, TUNE_FILES].iter().any(|k| k.contains(&name))
        || name == "tune.jsonl"
        || name.starts_with(STAGING)
}

/// What `dir/summary.json`, `dir/replications.csv`, with a timeline `timeline.csv`, and with
/// `report` `report.html` and `report.md` hold.
pub fn run_files(summary: &Summary, names: &[&str], rows: &[ReplicationRow], report: bool) -> Vec<(String, Vec<u8>)> {
    let json = serde_json::to_vec_pretty(summary).expect("summary serialises");
    let mut csv = Csv::new();
    csv.row(["replication", "fingerprint"].into_iter().chain(names.iter().copied()));
    for r in rows {
        let mut rec = vec![r.replication.to_string(), format!("{:016x}", r.fingerprint)];
        rec.extend(r.values.iter().map(|v| cell(*v)));
        csv.row(&rec);
    }
    let csv = csv.bytes();
    let mut files = vec![("summary.json".to_string(), json), ("replications.csv".to_string(), csv)];
    if let Some(t) = &summary.timeline {
        files.push(("timeline.csv".into(), timeline_csv(&[(&summary.scenario.name, t)])));
    }
    if report {
        files.extend(report_files(report::run(summary)));
    }
    files
}

/// Writes [`run_files`] into `dir` together ([`Staged::folder`]).
pub fn write_run(
    dir: &Path,
    summary: &Summary,
    names: &[&str],
    rows: &[ReplicationRow],
    report: bool,
) -> Result<(), WriteError> {
    Staged::folder(dir, run_files(summary, names, rows, report), RUN_FILES)?.commit()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{ScenarioInfo, Stat};

    #[test]
    fn a_column_name_a_csv_reader_would_split_is_quoted_in_timeline_csv() {
        let t = Timeline::of(30.0, ["open_orders"], &[&[[1.0], [2.5]]]);
        let csv = String::from_utf8(timeline_csv(&[("a, \"b\"", &t), ("c", &t)])).unwrap();
        assert_eq!(
            csv,
            "column,quantity,from_hour,mean,p10,p90\n\"a, \"\"b\"\"\",open_orders,0,1,1,1\n\"a, \"\"b\"\"\",open_orders,0.5,2.5,2.5,2.5\n\
             c,open_orders,0,1,1,1\nc,open_orders,0.5,2.5,2.5,2.5\n"
        );
    }

    #[test]
    fn write_run_leaves_both_files_and_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let summary = Summary {
            tool: "dtwin".into(),
            version: "0".into(),
            scenario: ScenarioInfo { name: "t".into(), path: "t.toml".into(), hash: "00".into() },
            policy: serde_json::json!({"kind": "greedy_edd"}),
            policy_hash: "01".into(),
            seed: 1,
            replications: 1,
            warmup_h: 2.0,
            precision: None,
            fingerprint: "00".into(),
            kpis: BTreeMap::from([("on_time_rate".to_string(), Stat::of(&[1.0]))]),
            timeline: Some(Timeline::of(15.0, ["open_orders"], &[&[[0.0], [3.0], [1.5]]])),
            warnings: Vec::new(),
        };
        let rows = [ReplicationRow { replication: 0, fingerprint: 1, values: vec![1.0] }];
        write_run(&out, &summary, &["on_time_rate"], &rows, true).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        files.sort();
        assert_eq!(files, ["replications.csv", "report.html", "report.md", "summary.json", "timeline.csv"]);
        assert_eq!(
            std::fs::read_to_string(out.join("timeline.csv")).unwrap(),
            "column,quantity,from_hour,mean,p10,p90\nt,open_orders,0,0,0,0\nt,open_orders,0.25,3,3,3\nt,open_orders,0.5,1.5,1.5,1.5\n"
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert_eq!(html.matches("<svg").count(), 2, "box plots and the timeline inline");
        assert!(html.contains("on_time_rate") && html.contains("warm-up") && !html.contains("src=\""));
        let back: Summary = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(back, summary);
        assert_eq!(
            std::fs::read_to_string(out.join("replications.csv")).unwrap(),
            "replication,fingerprint,on_time_rate\n0,0000000000000001,1\n"
        );
    }
}
