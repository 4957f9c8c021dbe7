#![doc = include_str!("../README.md")]

mod chart;
pub mod compare;
pub mod gate;
pub mod report;
pub mod saved;
pub mod tune;

pub use chart::{box_plots_svg, heatmap_svg, matrix_svg, pareto_svg, timeline_svg};

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// `null` in a file reads as NaN: an undefined value (a KPI undefined in every replication).
/// NaN is written as `null` by serde_json.
pub fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// [`nullable`] for a pair of numbers.
pub fn nullable_pair<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(f64, f64), D::Error> {
    let (a, b) = <(Option<f64>, Option<f64>)>::deserialize(d)?;
    Ok((a.unwrap_or(f64::NAN), b.unwrap_or(f64::NAN)))
}

/// [`nullable`] for rows of numbers (per replication, per KPI).
pub fn nullable_rows<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
    let rows = Vec::<Vec<Option<f64>>>::deserialize(d)?;
    Ok(rows.into_iter().map(|r| r.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()).collect())
}

/// One KPI across replications. Replications in which the KPI is undefined (NaN: a share or a
/// mean of nothing) are left out; when it is undefined in all, every statistic is (NaN, written
/// as `null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    #[serde(deserialize_with = "nullable")]
    pub mean: f64,
    /// Sample standard deviation (n - 1).
    #[serde(deserialize_with = "nullable")]
    pub sd: f64,
    /// Half-width of the Student-t 95% confidence interval of the mean; null with one replication.
    pub ci95_half_width: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub p5: f64,
    /// Quartiles (absent in files written before version 0.1 had box plots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p25: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub p50: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p75: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub p95: f64,
    #[serde(deserialize_with = "nullable")]
    pub min: f64,
    #[serde(deserialize_with = "nullable")]
    pub max: f64,
    /// Replications in which the KPI was undefined, and left out (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undefined: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Percentile `q` in [0, 1] of sorted values, linear interpolation between order statistics.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "percentile of nothing");
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).expect("df > 0").inverse_cdf(0.975)
}

impl Stat {
    /// Summarises `values` (at least one), leaving out the undefined ones (NaN).
    pub fn of(all: &[f64]) -> Stat {
        assert!(!all.is_empty(), "no values");
        let values: Vec<f64> = all.iter().copied().filter(|v| !v.is_nan()).collect();
        let undefined = (all.len() - values.len()) as u32;
        let n = values.len();
        if n == 0 {
            let none = f64::NAN;
            return Stat {
                mean: none,
                sd: none,
                ci95_half_width: None,
                ci95_low: None,
                ci95_high: None,
                p5: none,
                p25: None,
                p50: none,
                p75: None,
                p95: none,
                min: none,
                max: none,
                undefined,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd =
            if n > 1 { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        let half = (n > 1).then(|| t_975((n - 1) as f64) * sd / (n as f64).sqrt());
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Stat {
            mean,
            sd,
            ci95_half_width: half,
            ci95_low: half.map(|h| mean - h),
            ci95_high: half.map(|h| mean + h),
            p5: percentile(&sorted, 0.05),
            p25: Some(percentile(&sorted, 0.25)),
            p50: percentile(&sorted, 0.5),
            p75: Some(percentile(&sorted, 0.75)),
            p95: percentile(&sorted, 0.95),
            min: sorted[0],
            max: sorted[n - 1],
            undefined,
        }
    }

    /// Whether the KPI was defined in at least one replication.
    pub fn defined(&self) -> bool {
        !self.mean.is_nan()
    }
}

/// The difference `b - a` of paired samples (replication i of `a` with replication i of `b`, which
/// share their random streams: common random numbers), with its Student-t 95% confidence interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedDiff {
    /// Undefined (NaN, `null`) when no pair has both values defined.
    #[serde(deserialize_with = "nullable")]
    pub mean: f64,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// The interval excludes zero.
    pub significant: bool,
}

impl PairedDiff {
    /// `a` and `b` must have the same length (at least one). Pairs in which either is undefined
    /// (NaN) are left out; with none left, the difference is undefined too.
    pub fn of(a: &[f64], b: &[f64]) -> PairedDiff {
        assert_eq!(a.len(), b.len(), "paired samples");
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        let s = Stat::of(&d);
        let significant = match (s.ci95_low, s.ci95_high) {
            (Some(lo), Some(hi)) => lo > 0.0 || hi < 0.0,
            _ => false,
        };
        PairedDiff { mean: s.mean, ci95_low: s.ci95_low, ci95_high: s.ci95_high, significant }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub path: String,
    /// Stable 64-bit hash of the scenario file and the files it reads, hex.
    pub hash: String,
}

/// `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub tool: String,
    pub version: String,
    pub scenario: ScenarioInfo,
    /// The policy that decided, as configured (`kind` and parameters).
    pub policy: serde_json::Value,
    /// Stable hash of the policy configuration (allocation and exception policies), hex.
    #[serde(default)]
    pub policy_hash: String,
    pub seed: u64,
    pub replications: u32,
    /// Hours at the start excluded from the KPIs.
    #[serde(default)]
    pub warmup_h: f64,
    /// How the number of replications was chosen, when it was adaptive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Hash over every replication's event-log fingerprint, hex: equal runs have equal values.
    pub fingerprint: String,
    pub kpis: BTreeMap<String, Stat>,
    /// Open orders, vehicles busy, dock queue and exceptions open through the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    /// What the run noticed and a planner should know: disruptions that reached nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// An adaptive number of replications: run until the 95% half-width of `kpi` (of the mean, or of
/// every paired difference with the baseline) is at most `target`, or `max` replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Precision {
    pub kpi: String,
    pub target: f64,
    pub max: u32,
    /// The half-width reached with the replications run.
    pub half_width: f64,
    pub reached: bool,
}

/// Quantities through the day across replications: sample `i` is each replication's time
/// average over `[i step_min, (i + 1) step_min)` minutes; per sample, the mean over replications
/// and the 10th and 90th percentiles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub step_min: f64,
    pub series: Vec<Series>,
    /// When the disruptions were under way: per disruption, the share of each interval (averaged
    /// over the replications), on the same steps as the series.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disruptions: Vec<UnderWay>,
}

/// A disruption through the day: `share[i]` of interval `i` it was under way (0 to 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnderWay {
    pub name: String,
    pub share: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub mean: Vec<f64>,
    pub p10: Vec<f64>,
    pub p90: Vec<f64>,
}

impl Timeline {
    /// From each replication's samples (`runs[r][i][k]`: replication r, sample i, quantity k);
    /// every replication must have the same number of samples.
    pub fn of<const N: usize>(step_min: f64, names: [&str; N], runs: &[&[[f64; N]]]) -> Timeline {
        let samples = runs.first().map_or(0, |r| r.len());
        assert!(runs.iter().all(|r| r.len() == samples), "replications sampled alike");
        let series = names
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let mut s = Series { name: name.to_string(), mean: vec![], p10: vec![], p90: vec![] };
                for i in 0..samples {
                    let mut at: Vec<f64> = runs.iter().map(|r| r[i][k]).collect();
                    at.sort_by(f64::total_cmp);
                    s.mean.push(at.iter().sum::<f64>() / at.len() as f64);
                    s.p10.push(percentile(&at, 0.1));
                    s.p90.push(percentile(&at, 0.9));
                }
                s
            })
            .collect();
        Timeline { step_min, series, disruptions: Vec::new() }
    }
}

/// One row of `replications.csv`.
pub struct ReplicationRow {
    pub replication: u32,
    pub fingerprint: u64,
    pub values: Vec<f64>,
}

/// The KPI table, in `names` order.
pub fn render_table(summary: &Summary, names: &[&str]) -> String {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(3);
    let mut out = format!("{:<width$}  {:>12}  {:>25}  {:>12}  {:>12}\n", "kpi", "mean", "95% CI", "p5", "p95");
    for name in names {
        let s = &summary.kpis[*name];
        let ci = ci_text(s);
        out += &format!("{name:<width$}  {:>12}  {ci:>25}  {:>12}  {:>12}\n", num(s.mean), num(s.p5), num(s.p95));
    }
    out
}

/// The 95% interval of the mean, `[low, high]`, or `-` with one replication.
fn ci_text(s: &Stat) -> String {
    match (s.ci95_low, s.ci95_high) {
        (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
        _ => "-".to_string(),
    }
}

/// A matrix cell: the mean and, against the baseline, the change with its 95% interval, `*` when
/// significant.
fn matrix_cell(stat: &Stat, diff: Option<&PairedDiff>) -> String {
    let Some(d) = diff else { return num(stat.mean) };
    let ci = match (d.ci95_low, d.ci95_high) {
        (Some(lo), Some(hi)) => format!(" [{}, {}]", signed(lo), signed(hi)),
        _ => String::new(),
    };
    format!("{} ({}{ci}){}", num(stat.mean), signed(d.mean), if d.significant { "*" } else { "" })
}

/// Four significant digits, no exponent for everyday magnitudes; `-` when undefined.
fn num(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.digits$}")
}

/// One alternative's column in a [`Matrix`]: a scenario (stress) or a policy (compare).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// What the column is called: the scenario's name, or the policy file's stem.
    pub name: String,
    pub scenario: ScenarioInfo,
    /// The policy that decided, as configured.
    pub policy: serde_json::Value,
    #[serde(default)]
    pub policy_hash: String,
    /// Per KPI: its statistics, and (for all but the baseline) the paired difference to the baseline.
    pub kpis: BTreeMap<String, (Stat, Option<PairedDiff>)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    /// Disruptions of this alternative that reached nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `stress.json` and `compare.json`: KPIs by alternative (scenario or policy), each against the
/// first (the baseline), on common random numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    pub replications: u32,
    #[serde(default)]
    pub warmup_h: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// KPIs in display order.
    pub kpis: Vec<String>,
    pub columns: Vec<Column>,
    /// Which alternative is best on an objective and which are tied with it (compare).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Ranking>,
}

/// The result of [`compare::compare_with_best`] on an objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    pub objective: compare::Objective,
    /// Family-wise error rate of the comparisons with the best.
    pub alpha: f64,
    /// Index of the best column.
    pub best: usize,
    /// One entry per column.
    pub columns: Vec<compare::AgainstBest>,
}

/// The matrix as a table: a row per KPI, a column per scenario; after the baseline, each cell is
/// the mean and its change against the baseline with the 95% interval, `*` when significant.
pub fn render_matrix_table(m: &Matrix) -> String {
    let width = m.kpis.iter().map(|n| n.len()).max().unwrap_or(3).max(3);
    let cells: Vec<Vec<String>> = m
        .kpis
        .iter()
        .map(|k| {
            m.columns
                .iter()
                .map(|c| {
                    let (stat, diff) = &c.kpis[k];
                    matrix_cell(stat, diff.as_ref())
                })
                .collect()
        })
        .collect();
    let col: Vec<usize> = (0..m.columns.len())
        .map(|j| cells.iter().map(|r| r[j].len()).chain([m.columns[j].scenario.name.len()]).max().unwrap_or(0))
        .collect();
    let mut out = format!("{:<width$}", "kpi");
    for (c, w) in m.columns.iter().zip(&col) {
        out += &format!("  {:>w$}", c.name);
    }
    out.push('\n');
    for (k, row) in m.kpis.iter().zip(&cells) {
        out += &format!("{k:<width$}");
        for (cell, w) in row.iter().zip(&col) {
            out += &format!("  {cell:>w$}");
        }
        out.push('\n');
    }
    out
}

fn signed(x: f64) -> String {
    if x >= 0.0 { format!("+{}", num(x)) } else { num(x) }
}

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
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut row = |r: [String; 9]| csv.write_record(r).expect("writing CSV to memory");
    row(["kpi", "column", "mean", "ci95_low", "ci95_high", "diff", "diff_ci95_low", "diff_ci95_high", "significant"]
        .map(String::from));
    let opt = |x: Option<f64>| x.map_or(String::new(), cell);
    for k in &m.kpis {
        for c in &m.columns {
            let (s, d) = &c.kpis[k];
            row([
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
    let csv = csv.into_inner().expect("in-memory writer");
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

/// `timeline.csv`: a row per alternative, quantity and interval (from its first hour).
fn timeline_csv(columns: &[(&str, &Timeline)]) -> Vec<u8> {
    let mut out = String::from("column,quantity,from_hour,mean,p10,p90\n");
    for (name, t) in columns {
        for s in &t.series {
            for i in 0..s.mean.len() {
                let hour = i as f64 * t.step_min / 60.0;
                out += &format!("{},{},{hour},{},{},{}\n", csv_field(name), s.name, s.mean[i], s.p10[i], s.p90[i]);
            }
        }
    }
    out.into_bytes()
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
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

/// A file or folder could not be written. `path` names it; the OS error is the source (so an
/// error chain prints it once).
#[derive(Debug, thiserror::Error)]
#[error("{path}")]
pub struct WriteError {
    pub path: String,
    pub source: std::io::Error,
}

impl WriteError {
    fn at(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
        move |source| WriteError { path: path.display().to_string(), source }
    }
}

/// Staging folders beside a destination folder `NAME` are `.NAME.dtwin-staging.PID`; inside it
/// (when the folder beside cannot be used) `.dtwin-staging.PID`; a staged file `NAME` is
/// `.NAME.dtwin-staging.PID` beside it. A write removes those an interrupted one left.
const STAGING: &str = ".dtwin-staging.";

/// Files written completely, somewhere they are not seen, and moved into place by
/// [`Staged::commit`]. Dropped without a commit (an error, or a panic), it removes what it
/// wrote and the folders it created. A process killed before the commit leaves its staging
/// beside the destination, never in it, and the next write to the same destination removes it.
#[must_use = "nothing is in place until commit"]
pub struct Staged {
    /// Renames done by the commit, in order.
    moves: Vec<(PathBuf, PathBuf)>,
    /// Files removed after the renames (results of an earlier write not written this time).
    stale: Vec<PathBuf>,
    /// The staging folder or file, removed after the commit or when dropped.
    staging: PathBuf,
    /// Folders created for the staging, innermost last: removed (if empty) unless committed.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Staged {
    /// Stages `files` (name, contents) for folder `dir`. When `dir` does not exist, the commit
    /// renames the staging folder to `dir`, so it appears with every file in it or not at all;
    /// when it does, each file is renamed into it. Names in `kind` (the files this kind of result
    /// may hold) not among `files` are removed by the commit: they belonged to earlier results.
    pub fn folder(dir: &Path, files: Vec<(String, Vec<u8>)>, kind: &[&str]) -> Result<Staged, WriteError> {
        let exists = match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => true,
            Ok(_) => return Err(WriteError::at(dir)(std::io::Error::from(std::io::ErrorKind::NotADirectory))),
            Err(_) => false,
        };
        let real = if exists { dir.canonicalize().map_err(WriteError::at(dir))? } else { dir.to_path_buf() };
        let (Some(name), Some(parent)) = (real.file_name(), real.parent()) else {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder for results");
            return Err(WriteError::at(dir)(e));
        };
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        let beside = format!(".{}{STAGING}", name.to_string_lossy());
        let created = create_missing(parent)?;
        let mut staged =
            Staged { moves: Vec::new(), stale: Vec::new(), staging: PathBuf::new(), created, committed: false };
        remove_staging(parent, &beside);
        if exists {
            remove_staging(&real, STAGING);
        }
        let pid = std::process::id();
        // Beside the folder: a rename from there into it stays on one file system, unless the
        // folder is a mount point (or its parent is not writable): then inside it, hidden.
        let mut staging = parent.join(format!("{beside}{pid}"));
        let mut made = (!exists || same_device(parent, &real)).then(|| std::fs::create_dir(&staging));
        if exists && !matches!(made, Some(Ok(()))) {
            staging = real.join(format!("{STAGING}{pid}"));
            made = Some(std::fs::create_dir(&staging));
        }
        // Errors name what the user asked for, not the staging.
        made.expect("tried one place at least").map_err(WriteError::at(dir))?;
        staged.staging = staging.clone();
        for (file, bytes) in &files {
            write_synced(&staging.join(file), bytes).map_err(|e| WriteError::at(&dir.join(file))(e.source))?;
        }
        if exists {
            staged.moves = files.iter().map(|(f, _)| (staging.join(f), real.join(f))).collect();
            staged.stale = kind.iter().filter(|k| !files.iter().any(|(f, _)| f == *k)).map(|k| real.join(k)).collect();
        } else {
            staged.moves = vec![(staging, real)];
        }
        Ok(staged)
    }

    /// Stages `bytes` for file `path`, whose folder must exist.
    pub fn file(path: &Path, bytes: &[u8]) -> Result<Staged, WriteError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let Some(name) = path.file_name() else {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name");
            return Err(WriteError::at(path)(e));
        };
        let prefix = format!(".{}{STAGING}", name.to_string_lossy());
        remove_staging(dir, &prefix);
        let staging = dir.join(format!("{prefix}{}", std::process::id()));
        let staged = Staged {
            moves: vec![(staging.clone(), path.to_path_buf())],
            stale: Vec::new(),
            staging: staging.clone(),
            created: Vec::new(),
            committed: false,
        };
        write_synced(&staging, bytes).map_err(|e| WriteError::at(path)(e.source))?;
        Ok(staged)
    }

    /// Moves the staged files into place and removes stale ones.
    pub fn commit(mut self) -> Result<(), WriteError> {
        for (from, to) in &self.moves {
            std::fs::rename(from, to).map_err(WriteError::at(to))?;
        }
        for path in &self.stale {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(WriteError::at(path)(e)),
                _ => {}
            }
        }
        self.committed = true;
        // A folder staged for files moved into an existing folder is empty now.
        let _ = std::fs::remove_dir(&self.staging);
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = if self.staging.is_dir() {
            std::fs::remove_dir_all(&self.staging)
        } else {
            std::fs::remove_file(&self.staging)
        };
        for dir in self.created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Creates `dir` and its missing parents, returning those it created, outermost first.
fn create_missing(dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let missing: Vec<PathBuf> =
        dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).map(Path::to_path_buf).collect();
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        if let Err(e) = std::fs::create_dir(&d) {
            for c in created.iter().rev() {
                let _ = std::fs::remove_dir(c);
            }
            return Err(WriteError::at(&d)(e));
        }
        created.push(d);
    }
    Ok(created)
}

/// Removes what interrupted writes left in `dir`: entries named `prefix` and a process id.
fn remove_staging(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else { continue };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let _ = if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(e.path())
        } else {
            std::fs::remove_file(e.path())
        };
    }
}

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    true
}

/// Writes a new file and syncs it to disk (like any new file: 0666 less the umask).
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = WriteError::at(path);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create_new(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    write().map_err(err)
}

/// Writes `bytes` to `path` atomically: staged beside it, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    Staged::file(path, bytes)?.commit()
}

/// What `dir/summary.json`, `dir/replications.csv`, with a timeline `timeline.csv`, and with
/// `report` `report.html` and `report.md` hold.
pub fn run_files(summary: &Summary, names: &[&str], rows: &[ReplicationRow], report: bool) -> Vec<(String, Vec<u8>)> {
    let json = serde_json::to_vec_pretty(summary).expect("summary serialises");
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["replication".to_string(), "fingerprint".to_string()];
    header.extend(names.iter().map(|n| n.to_string()));
    csv.write_record(&header).expect("writing CSV to memory");
    for r in rows {
        let mut rec = vec![r.replication.to_string(), format!("{:016x}", r.fingerprint)];
        rec.extend(r.values.iter().map(|v| cell(*v)));
        csv.write_record(&rec).expect("writing CSV to memory");
    }
    let csv = csv.into_inner().expect("in-memory writer");
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

/// Writes files into `dir` (created if missing) so that none is replaced before all are fully
/// written.
pub fn write_together(dir: &Path, files: Vec<(String, Vec<u8>)>) -> Result<(), WriteError> {
    Staged::folder(dir, files, &[])?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn results_are_readable_by_others_like_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        write_atomic(&path, b"{}").unwrap();
        std::fs::write(dir.path().join("plain"), b"{}").unwrap();
        let mode = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode();
        assert_eq!(mode("x.json"), mode("plain"), "as a plain write under the same umask, not 0600");
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        n.sort();
        n
    }

    fn one(name: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        vec![(name.to_string(), bytes.to_vec())]
    }

    #[test]
    fn a_write_killed_before_its_commit_leaves_nothing_in_the_folder_and_the_next_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // Killed after staging: no destructor runs.
        std::mem::forget(Staged::folder(&out, one("a.json", b"1"), &[]).unwrap());
        assert!(!out.exists(), "a new folder appears only with its files");
        let left = names(dir.path());
        assert!(left.len() == 1 && left[0].starts_with(".out.dtwin-staging."), "{left:?}");
        write_together(&out, one("a.json", b"2")).unwrap();
        assert_eq!(names(dir.path()), ["out"], "the next write clears the staging beside");
        // Into a folder that exists: staged beside it too, never in it.
        std::mem::forget(Staged::folder(&out, one("a.json", b"3"), &[]).unwrap());
        assert_eq!(names(&out), ["a.json"]);
        assert_eq!(std::fs::read(out.join("a.json")).unwrap(), b"2");
        write_together(&out, one("a.json", b"4")).unwrap();
        assert_eq!(
            (names(dir.path()), std::fs::read(out.join("a.json")).unwrap()),
            (vec!["out".into()], b"4".to_vec())
        );
        // A single file: staged beside it, cleared by the next write of it.
        let file = dir.path().join("f.txt");
        std::mem::forget(Staged::file(&file, b"x").unwrap());
        assert!(!file.exists());
        write_atomic(&file, b"y").unwrap();
        assert_eq!(names(dir.path()), ["f.txt", "out"]);
    }

    #[test]
    fn a_write_given_up_removes_its_staging_and_the_folders_it_created() {
        let dir = tempfile::tempdir().unwrap();
        drop(Staged::folder(&dir.path().join("a/b/out"), one("a.json", b"1"), &[]).unwrap());
        assert_eq!(names(dir.path()), Vec::<String>::new());
        // A failure on the way (a file name no file system takes) does the same.
        let long = "x".repeat(300);
        assert!(write_together(&dir.path().join("c/out"), one(&long, b"1")).is_err());
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn files_of_the_kind_not_written_again_are_removed_as_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let both = vec![("a".to_string(), b"1".to_vec()), ("b".to_string(), b"1".to_vec())];
        Staged::folder(&out, both, &["a", "b"]).unwrap().commit().unwrap();
        std::fs::write(out.join("mine"), b"").unwrap();
        Staged::folder(&out, one("a", b"2"), &["a", "b"]).unwrap().commit().unwrap();
        assert_eq!(names(&out), ["a", "mine"]);
    }

    #[test]
    fn stat_matches_hand_computation() {
        let s = Stat::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.mean, 3.0);
        assert!((s.sd - 2.5f64.sqrt()).abs() < 1e-12);
        // t(0.975, 4) = 2.776445
        assert!((s.ci95_half_width.unwrap() - 2.776445 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-5);
        assert_eq!((s.p5, s.p50, s.p95, s.min, s.max), (1.2, 3.0, 4.8, 1.0, 5.0));
    }

    #[test]
    fn paired_differences_use_the_pairs() {
        // Large spread across replications, constant shift within pairs: clearly significant.
        let a = [10.0, 50.0, 90.0, 30.0];
        let b = [11.0, 51.2, 90.8, 31.0];
        let d = PairedDiff::of(&a, &b);
        assert!((d.mean - 1.0).abs() < 1e-12 && d.significant, "{d:?}");
        let same = PairedDiff::of(&a, &a);
        assert_eq!((same.mean, same.significant), (0.0, false));
    }

    #[test]
    fn timeline_bands_are_across_replications_at_each_time() {
        let t = Timeline::of(15.0, ["a", "b"], &[&[[0.0, 1.0], [4.0, 1.0]], &[[0.0, 3.0], [8.0, 1.0]]]);
        assert_eq!(t.series[0].mean, [0.0, 6.0]);
        assert_eq!(t.series[1].mean, [2.0, 1.0]);
        assert_eq!((t.series[0].p10[1], t.series[0].p90[1]), (4.4, 7.6));
    }

    #[test]
    fn one_replication_has_no_interval() {
        let s = Stat::of(&[7.0]);
        assert_eq!((s.mean, s.ci95_half_width, s.p95), (7.0, None, 7.0));
    }

    #[test]
    fn t_quantile_approaches_normal() {
        assert!((t_975(30.0) - 2.042272).abs() < 1e-5);
        // statrs inverts the CDF numerically: good to about 1e-4 for huge df.
        assert!((t_975(1e6) - 1.959964).abs() < 5e-4);
        assert!((t_975(9.0) - 2.262157).abs() < 1e-5);
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
