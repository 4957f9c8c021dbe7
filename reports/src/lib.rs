#![doc = include_str!("../README.md")]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One KPI across replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub mean: f64,
    /// Sample standard deviation (n - 1).
    pub sd: f64,
    /// Half-width of the Student-t 95% confidence interval of the mean; null with one replication.
    pub ci95_half_width: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
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
    /// Summarises `values` (at least one).
    pub fn of(values: &[f64]) -> Stat {
        let n = values.len();
        assert!(n > 0, "no values");
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
            p50: percentile(&sorted, 0.5),
            p95: percentile(&sorted, 0.95),
            min: sorted[0],
            max: sorted[n - 1],
        }
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
    pub seed: u64,
    pub replications: u32,
    /// Hash over every replication's event-log fingerprint, hex: equal runs have equal values.
    pub fingerprint: String,
    pub kpis: BTreeMap<String, Stat>,
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
        let ci = match (s.ci95_low, s.ci95_high) {
            (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
            _ => "-".to_string(),
        };
        out += &format!("{name:<width$}  {:>12}  {ci:>25}  {:>12}  {:>12}\n", num(s.mean), num(s.p5), num(s.p95));
    }
    out
}

/// Four significant digits, no exponent for everyday magnitudes.
fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.digits$}")
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct WriteError {
    pub path: String,
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    stage(path, bytes)?.persist(path).map_err(|e| WriteError { path: path.display().to_string(), source: e.error })?;
    Ok(())
}

fn stage(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, WriteError> {
    let err = |source| WriteError { path: path.display().to_string(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    Ok(tmp)
}

/// Writes `dir/summary.json` and `dir/replications.csv`. Both are staged completely before
/// either is renamed into place.
pub fn write_run(dir: &Path, summary: &Summary, names: &[&str], rows: &[ReplicationRow]) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError { path: dir.display().to_string(), source })?;
    let json = serde_json::to_vec_pretty(summary).expect("summary serialises");
    let mut csv = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| WriteError { path: dir.join("replications.csv").display().to_string(), source: e.into() };
    let mut header = vec!["replication".to_string(), "fingerprint".to_string()];
    header.extend(names.iter().map(|n| n.to_string()));
    csv.write_record(&header).map_err(io)?;
    for r in rows {
        let mut rec = vec![r.replication.to_string(), format!("{:016x}", r.fingerprint)];
        rec.extend(r.values.iter().map(|v| v.to_string()));
        csv.write_record(&rec).map_err(io)?;
    }
    let csv = csv.into_inner().expect("in-memory writer");
    let staged = [
        (dir.join("summary.json"), stage(&dir.join("summary.json"), &json)?),
        (dir.join("replications.csv"), stage(&dir.join("replications.csv"), &csv)?),
    ];
    for (path, tmp) in staged {
        tmp.persist(&path).map_err(|e| WriteError { path: path.display().to_string(), source: e.error })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            seed: 1,
            replications: 1,
            fingerprint: "00".into(),
            kpis: BTreeMap::from([("x".to_string(), Stat::of(&[1.0]))]),
        };
        let rows = [ReplicationRow { replication: 0, fingerprint: 1, values: vec![1.0] }];
        write_run(&out, &summary, &["x"], &rows).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        files.sort();
        assert_eq!(files, ["replications.csv", "summary.json"]);
        let back: Summary = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(back, summary);
        assert_eq!(
            std::fs::read_to_string(out.join("replications.csv")).unwrap(),
            "replication,fingerprint,x\n0,0000000000000001,1\n"
        );
    }
}
