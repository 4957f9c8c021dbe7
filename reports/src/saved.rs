//! Results read back (`dtwin report`, `dtwin gate`): parsed, then checked once, here, for the
//! consistency the renderers and the gate rely on — columns, KPI names, lengths, finite numbers.
//! A hand-edited or truncated file is an error naming the file and the place in it (a JSON path,
//! or a CSV line and column), never a panic, a hang or a quietly wrong answer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::tune::TuneResult;
use crate::{Matrix, PairedDiff, Precision, Stat, Summary, Timeline};

/// The largest magnitude of a number read back: far beyond any KPI, and small enough that a
/// chart's range (the difference of two of them) stays finite.
pub const MAGNITUDE_MAX: f64 = 1e15;

/// Why a saved result cannot be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be read: check the path.
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
    /// Not JSON or CSV of the expected shape (the message names the line), or rows that do not
    /// fit the summary beside them.
    #[error("{file}: {message}")]
    Malformed { file: String, message: String },
    /// Well-formed but inconsistent at `place`, a JSON path such as `columns[1].kpis.on_time_rate`.
    #[error("{file}: {place}: {message}")]
    Invalid { file: String, place: String, message: String },
    /// A CSV cell (or header, line 1) that is wrong.
    #[error("{file}:{line}: {field}: {message}")]
    Line { file: String, line: u64, field: String, message: String },
}

/// A place in a file and what is wrong there.
type Bad = (String, String);

fn bad<T>(place: impl Into<String>, message: impl Into<String>) -> Result<T, Bad> {
    Err((place.into(), message.into()))
}

/// Whether `x` is a number a report can show and a chart can scale to.
pub fn usable(x: f64) -> bool {
    x.is_finite() && x.abs() <= MAGNITUDE_MAX
}

fn number(place: &str, x: f64) -> Result<(), Bad> {
    if usable(x) { Ok(()) } else { bad(place, format!("{x:e} is not a finite number of magnitude at most 1e15")) }
}

fn numbers<'a>(place: &str, xs: impl IntoIterator<Item = (&'a str, Option<f64>)>) -> Result<(), Bad> {
    for (field, x) in xs {
        if let Some(x) = x {
            number(&format!("{place}.{field}"), x)?;
        }
    }
    Ok(())
}

fn stat(place: &str, s: &Stat) -> Result<(), Bad> {
    // Undefined in every replication: every statistic is (null in the file).
    if !s.defined() {
        let defined = [s.sd, s.p5, s.p50, s.p95, s.min, s.max].iter().any(|x| !x.is_nan())
            || [s.ci95_half_width, s.ci95_low, s.ci95_high, s.p25, s.p75].iter().any(Option::is_some);
        return if defined { bad(format!("{place}.mean"), "null, but other statistics are not") } else { Ok(()) };
    }
    numbers(
        place,
        [
            ("mean", Some(s.mean)),
            ("sd", Some(s.sd)),
            ("ci95_half_width", s.ci95_half_width),
            ("ci95_low", s.ci95_low),
            ("ci95_high", s.ci95_high),
            ("p5", Some(s.p5)),
            ("p25", s.p25),
            ("p50", Some(s.p50)),
            ("p75", s.p75),
            ("p95", Some(s.p95)),
            ("min", Some(s.min)),
            ("max", Some(s.max)),
        ],
    )
}

fn diff(place: &str, d: &PairedDiff) -> Result<(), Bad> {
    let mean = (!d.mean.is_nan()).then_some(d.mean);
    if mean.is_none() && (d.ci95_low.is_some() || d.ci95_high.is_some() || d.significant) {
        return bad(format!("{place}.mean"), "null, but the interval is not");
    }
    numbers(place, [("mean", mean), ("ci95_low", d.ci95_low), ("ci95_high", d.ci95_high)])
}

fn precision(p: &Option<Precision>) -> Result<(), Bad> {
    let Some(p) = p else { return Ok(()) };
    numbers("precision", [("target", Some(p.target)), ("half_width", Some(p.half_width))])
}

fn timeline(place: &str, t: &Timeline) -> Result<(), Bad> {
    if !(usable(t.step_min) && t.step_min > 0.0) {
        return bad(format!("{place}.step_min"), format!("{} is not a positive number of minutes", t.step_min));
    }
    let samples = t.series.first().map_or(0, |s| s.mean.len());
    for (i, s) in t.series.iter().enumerate() {
        let at = format!("{place}.series[{i}]");
        if t.series[..i].iter().any(|o| o.name == s.name) {
            return bad(format!("{at}.name"), format!("{} appears twice", s.name));
        }
        for (field, values) in [("mean", &s.mean), ("p10", &s.p10), ("p90", &s.p90)] {
            if values.len() != samples {
                return bad(
                    format!("{at}.{field}"),
                    format!("{} values, {place}.series[0].mean has {samples}", values.len()),
                );
            }
            for (j, x) in values.iter().enumerate() {
                number(&format!("{at}.{field}[{j}]"), *x)?;
            }
        }
    }
    for (i, d) in t.disruptions.iter().enumerate() {
        let at = format!("{place}.disruptions[{i}].share");
        if d.share.len() != samples {
            return bad(at, format!("{} values, {place}.series[0].mean has {samples}", d.share.len()));
        }
        if let Some(j) = d.share.iter().position(|x| !(0.0..=1.0).contains(x)) {
            return bad(format!("{at}[{j}]"), format!("{} is not a share from 0 to 1", d.share[j]));
        }
    }
    Ok(())
}

/// Checks a `summary.json`.
pub fn check_summary(s: &Summary) -> Result<(), (String, String)> {
    if s.replications == 0 {
        return bad("replications", "must be at least 1");
    }
    if s.kpis.is_empty() {
        return bad("kpis", "no KPI");
    }
    number("warmup_h", s.warmup_h)?;
    for (k, st) in &s.kpis {
        stat(&format!("kpis.{k}"), st)?;
    }
    precision(&s.precision)?;
    s.timeline.as_ref().map_or(Ok(()), |t| timeline("timeline", t))
}

/// Checks a `stress.json` or `compare.json`.
pub fn check_matrix(m: &Matrix) -> Result<(), (String, String)> {
    if m.replications == 0 {
        return bad("replications", "must be at least 1");
    }
    if m.columns.len() < 2 {
        return bad("columns", format!("a baseline and at least one alternative needed, found {}", m.columns.len()));
    }
    if m.kpis.is_empty() {
        return bad("kpis", "no KPI");
    }
    for (i, k) in m.kpis.iter().enumerate() {
        if m.kpis[..i].contains(k) {
            return bad(format!("kpis[{i}]"), format!("{k} appears twice"));
        }
    }
    number("warmup_h", m.warmup_h)?;
    precision(&m.precision)?;
    let series = |t: &Timeline| t.series.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    for (j, c) in m.columns.iter().enumerate() {
        let at = format!("columns[{j}]");
        if let Some(k) = m.kpis.iter().find(|k| !c.kpis.contains_key(*k)) {
            return bad(format!("{at}.kpis"), format!("no {k}, which kpis lists"));
        }
        if let Some(k) = c.kpis.keys().find(|k| !m.kpis.contains(k)) {
            return bad(format!("{at}.kpis.{k}"), "not in kpis");
        }
        for (k, (s, d)) in &c.kpis {
            stat(&format!("{at}.kpis.{k}[0]"), s)?;
            match (j, d) {
                (0, Some(_)) => return bad(format!("{at}.kpis.{k}[1]"), "the baseline has no paired difference"),
                (0, None) => {}
                (_, None) => return bad(format!("{at}.kpis.{k}[1]"), "no paired difference with the baseline"),
                (_, Some(d)) => diff(&format!("{at}.kpis.{k}[1]"), d)?,
            }
        }
        match (&c.timeline, &m.columns[0].timeline) {
            (Some(t), Some(first)) => {
                timeline(&format!("{at}.timeline"), t)?;
                if series(t) != series(first) {
                    let names = series(first).join(", ");
                    return bad(format!("{at}.timeline.series"), format!("not the series of columns[0] ({names})"));
                }
            }
            (None, None) => {}
            _ => return bad(format!("{at}.timeline"), "in some columns only"),
        }
    }
    if let Some(r) = &m.ranking {
        if r.columns.len() != m.columns.len() {
            return bad("ranking.columns", format!("{} entries for {} columns", r.columns.len(), m.columns.len()));
        }
        if r.best >= m.columns.len() {
            return bad("ranking.best", format!("{} is not a column (0 to {})", r.best, m.columns.len() - 1));
        }
        if !(r.alpha > 0.0 && r.alpha < 1.0) {
            return bad("ranking.alpha", format!("{} is not in (0, 1)", r.alpha));
        }
        for (j, a) in r.columns.iter().enumerate() {
            numbers(
                &format!("ranking.columns[{j}]"),
                [
                    // Undefined (null) when the KPI is undefined in every replication.
                    ("mean", (!a.mean.is_nan()).then_some(a.mean)),
                    ("shortfall", (!a.shortfall.is_nan()).then_some(a.shortfall)),
                    ("shortfall_low", a.shortfall_low),
                    ("shortfall_high", a.shortfall_high),
                ],
            )?;
        }
    }
    Ok(())
}

/// Checks a `tune.json`.
pub fn check_tune(t: &TuneResult) -> Result<(), (String, String)> {
    let Some(first) = t.candidates.first() else { return bad("candidates", "none") };
    let names: Vec<&String> = first.params.keys().collect();
    for (i, c) in t.candidates.iter().enumerate() {
        let at = format!("candidates[{i}]");
        if c.params.keys().collect::<Vec<_>>() != names {
            let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            return bad(format!("{at}.params"), format!("not the parameters of candidates[0] ({})", names.join(", ")));
        }
        for (k, v) in &c.params {
            number(&format!("{at}.params.{k}"), *v)?;
        }
        stat(&format!("{at}.objective"), &c.objective)?;
        let defined = |x: f64| (!x.is_nan()).then_some(x);
        numbers(&format!("{at}.pareto_kpis"), [("0", defined(c.pareto_kpis.0)), ("1", defined(c.pareto_kpis.1))])?;
    }
    constrained(t)?;
    match t.best {
        Some(b) if b >= t.candidates.len() => {
            bad("best", format!("{b} is not a candidate (0 to {})", t.candidates.len() - 1))
        }
        Some(b) if !(t.candidates[b].feasible && t.candidates[b].tied_with_best) => {
            bad("best", format!("candidates[{b}] is not both feasible and tied_with_best (with itself)"))
        }
        None => match t.candidates.iter().position(|c| c.feasible || c.tied_with_best) {
            Some(i) => bad("best", format!("null, but candidates[{i}] is feasible or tied with a best")),
            None => Ok(()),
        },
        Some(_) => Ok(()),
    }
}

/// A `tune.json`'s constrained KPIs and reasons: absent from every candidate (a file written
/// before they were kept), or in every candidate the KPIs the constraints name, finite, with
/// `feasible` and `why_infeasible` as the constraints say of them.
fn constrained(t: &TuneResult) -> Result<(), Bad> {
    let recorded = t.candidates.iter().any(|c| !c.constrained_kpis.is_empty() || c.why_infeasible.is_some());
    if !recorded {
        return Ok(());
    }
    let kpis: BTreeSet<&str> = crate::tune::constrained_kpis(&t.constraints).into_iter().collect();
    for (i, c) in t.candidates.iter().enumerate() {
        let at = format!("candidates[{i}]");
        if c.constrained_kpis.keys().map(String::as_str).collect::<BTreeSet<_>>() != kpis {
            let names: Vec<&str> = kpis.iter().copied().collect();
            let names = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            return bad(
                format!("{at}.constrained_kpis"),
                format!("{} KPI(s), not those the constraints name ({names})", c.constrained_kpis.len()),
            );
        }
        for (k, v) in &c.constrained_kpis {
            number(&format!("{at}.constrained_kpis.{k}"), *v)?;
        }
        let why = crate::tune::why_infeasible(&t.constraints, &c.constrained_kpis);
        if c.feasible != why.is_none() {
            let said = why.unwrap_or_else(|| "it meets every constraint".into());
            return bad(format!("{at}.feasible"), format!("{}, but its constrained KPIs say {said}", c.feasible));
        }
        match (&c.why_infeasible, c.feasible) {
            (Some(_), true) => return bad(format!("{at}.why_infeasible"), "given for a feasible candidate"),
            (None, false) => return bad(format!("{at}.why_infeasible"), "missing for an infeasible candidate"),
            (Some(w), false) if w.trim().is_empty() => return bad(format!("{at}.why_infeasible"), "empty"),
            _ => {}
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, ReadError> {
    std::fs::read_to_string(path)
        .map_err(|e| ReadError::Io { file: path.display().to_string(), message: e.to_string() })
}

/// Reads and checks a saved JSON result.
fn read_json<T: DeserializeOwned>(path: &Path, check: fn(&T) -> Result<(), Bad>) -> Result<T, ReadError> {
    let file = path.display().to_string();
    let value: T = serde_json::from_str(&read_text(path)?)
        .map_err(|e| ReadError::Malformed { file: file.clone(), message: e.to_string() })?;
    check(&value).map_err(|(place, message)| ReadError::Invalid { file, place, message })?;
    Ok(value)
}

/// Reads and checks `summary.json`.
pub fn read_summary(path: &Path) -> Result<Summary, ReadError> {
    read_json(path, check_summary)
}

/// Reads and checks `stress.json` or `compare.json`.
pub fn read_matrix(path: &Path) -> Result<Matrix, ReadError> {
    read_json(path, check_matrix)
}

/// Reads and checks `tune.json`.
pub fn read_tune(path: &Path) -> Result<TuneResult, ReadError> {
    read_json(path, check_tune)
}

/// `replications.csv` read back, in the order of the replication index.
#[derive(Debug)]
pub struct Replications {
    /// Replication indices, ascending.
    pub indices: Vec<u32>,
    /// Per KPI, its value in each replication of `indices`.
    pub values: BTreeMap<String, Vec<f64>>,
}

/// Reads `replications.csv` and checks it against the `summary.json` beside it: the columns
/// `replication`, `fingerprint` and one per KPI of the summary, each once; a row per
/// replication, each index once; finite numbers.
pub fn read_replications(path: &Path, summary: &Summary) -> Result<Replications, ReadError> {
    let file = path.display().to_string();
    let text = read_text(path)?;
    let malformed = |e: csv::Error| ReadError::Malformed { file: file.clone(), message: e.to_string() };
    let at = |line: u64, field: &str, message: String| ReadError::Line {
        file: file.clone(),
        line,
        field: field.to_string(),
        message,
    };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().map_err(malformed)?.iter().map(str::to_string).collect();
    if header.len() < 2 || header[0] != "replication" || header[1] != "fingerprint" {
        return Err(at(1, "header", "expected replication,fingerprint,KPI,...".into()));
    }
    let kpis = &header[2..];
    for (i, k) in kpis.iter().enumerate() {
        if kpis[..i].contains(k) {
            return Err(at(1, k, "appears twice".into()));
        }
        if !summary.kpis.contains_key(k) {
            return Err(at(1, k, "not a KPI of the summary.json beside it".into()));
        }
    }
    let named: BTreeSet<&String> = kpis.iter().collect();
    if let Some(k) = summary.kpis.keys().find(|k| !named.contains(k)) {
        return Err(at(1, "header", format!("no column for {k}, which the summary.json beside it has")));
    }
    let mut rows: Vec<(u32, Vec<f64>)> = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(malformed)?;
        let line = row.position().map_or(i as u64 + 2, |p| p.line());
        let index =
            row[0].parse::<u32>().map_err(|_| at(line, "replication", format!("{:?} is not an index", &row[0])))?;
        if rows.iter().any(|(r, _)| *r == index) {
            return Err(at(line, "replication", format!("{index} appears twice")));
        }
        if u64::from_str_radix(&row[1], 16).is_err() {
            return Err(at(line, "fingerprint", format!("{:?} is not a hexadecimal fingerprint", &row[1])));
        }
        let mut values = Vec::with_capacity(kpis.len());
        for (k, cell) in kpis.iter().zip(row.iter().skip(2)) {
            match cell.parse::<f64>() {
                // Empty: undefined in this replication.
                _ if cell.is_empty() => values.push(f64::NAN),
                Ok(v) if usable(v) => values.push(v),
                _ => return Err(at(line, k, format!("{cell:?} is not a finite number (or empty: undefined)"))),
            }
        }
        rows.push((index, values));
    }
    if rows.len() != summary.replications as usize {
        let message =
            format!("{} rows, but the summary.json beside it has {} replications", rows.len(), summary.replications);
        return Err(ReadError::Malformed { file, message });
    }
    rows.sort_by_key(|(r, _)| *r);
    let values = kpis.iter().enumerate().map(|(j, k)| (k.clone(), rows.iter().map(|(_, v)| v[j]).collect())).collect();
    Ok(Replications { indices: rows.iter().map(|(r, _)| *r).collect(), values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ScenarioInfo, Timeline};

    fn summary() -> Summary {
        Summary {
            tool: "dtwin".into(),
            version: "0".into(),
            scenario: ScenarioInfo { name: "t".into(), path: "t.toml".into(), hash: "00".into() },
            policy: serde_json::json!({"kind": "greedy_edd"}),
            policy_hash: "01".into(),
            seed: 1,
            replications: 2,
            warmup_h: 0.0,
            precision: None,
            fingerprint: "00".into(),
            kpis: BTreeMap::from([("on_time_rate".to_string(), Stat::of(&[1.0, 0.5]))]),
            timeline: Some(Timeline::of(15.0, ["open_orders", "busy"], &[&[[0.0, 1.0], [3.0, 2.0]]])),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn disruption_shades_must_match_the_series_and_be_shares() {
        let mut s = summary();
        let t = s.timeline.as_mut().unwrap();
        t.disruptions = vec![crate::UnderWay { name: "weather".into(), share: vec![0.0, 1.0] }];
        assert_eq!(check_summary(&s), Ok(()));
        s.timeline.as_mut().unwrap().disruptions[0].share = vec![0.0, 1.5];
        assert_eq!(check_summary(&s).unwrap_err().0, "timeline.disruptions[0].share[1]");
        s.timeline.as_mut().unwrap().disruptions[0].share = vec![0.0];
        assert_eq!(check_summary(&s).unwrap_err().0, "timeline.disruptions[0].share");
    }

    #[test]
    fn a_summary_as_written_passes_and_each_inconsistency_names_its_place() {
        assert_eq!(check_summary(&summary()), Ok(()));
        let mut s = summary();
        s.timeline.as_mut().unwrap().series[1].p90.pop();
        assert_eq!(check_summary(&s).unwrap_err().0, "timeline.series[1].p90");
        let mut s = summary();
        s.kpis.get_mut("on_time_rate").unwrap().p75 = Some(f64::INFINITY);
        assert_eq!(check_summary(&s).unwrap_err().0, "kpis.on_time_rate.p75");
        let mut s = summary();
        s.timeline.as_mut().unwrap().series[1].name = "open_orders".into();
        assert_eq!(
            check_summary(&s).unwrap_err(),
            ("timeline.series[1].name".into(), "open_orders appears twice".into())
        );
    }

    fn tune_result() -> TuneResult {
        let candidate = |x: f64, cost: f64| crate::tune::Candidate {
            params: BTreeMap::from([("fill".to_string(), x)]),
            objective: Stat::of(&[0.9, 0.8]),
            feasible: cost <= 9.2,
            tied_with_best: cost <= 9.2,
            pareto: true,
            pareto_kpis: (0.85, cost),
            constrained_kpis: BTreeMap::from([("cost_total_per_order".to_string(), cost)]),
            why_infeasible: (cost > 9.2).then(|| format!("cost_total_per_order {cost} > 9.2")),
        };
        TuneResult {
            tool: "dtwin".into(),
            version: "0".into(),
            search: serde_json::json!({}),
            objective: "on_time_rate".parse().unwrap(),
            constraints: vec!["cost_total_per_order<=9.2".parse().unwrap()],
            pareto: ["on_time_rate".parse().unwrap(), "min:cost_total_per_order".parse().unwrap()],
            best: Some(0),
            candidates: vec![candidate(0.4, 9.0), candidate(0.6, 9.31)],
        }
    }

    #[test]
    fn constrained_kpis_and_reasons_are_checked_and_old_files_without_them_read() {
        assert_eq!(check_tune(&tune_result()), Ok(()));
        let mut old = tune_result();
        for c in &mut old.candidates {
            c.constrained_kpis.clear();
            c.why_infeasible = None;
        }
        assert_eq!(check_tune(&old), Ok(()), "written before these fields were kept");
        let place = |f: &dyn Fn(&mut TuneResult)| {
            let mut t = tune_result();
            f(&mut t);
            check_tune(&t).unwrap_err()
        };
        assert_eq!(place(&|t| t.candidates[1].constrained_kpis.clear()).0, "candidates[1].constrained_kpis");
        let e = place(&|t| {
            t.candidates[0].constrained_kpis.insert("on_time_rate".into(), 0.9);
        });
        assert_eq!(e.0, "candidates[0].constrained_kpis");
        assert!(e.1.contains("not those the constraints name (cost_total_per_order)"), "{}", e.1);
        let e = place(&|t| *t.candidates[1].constrained_kpis.get_mut("cost_total_per_order").unwrap() = f64::NAN);
        assert_eq!(e.0, "candidates[1].constrained_kpis.cost_total_per_order");
        let e = place(&|t| *t.candidates[0].constrained_kpis.get_mut("cost_total_per_order").unwrap() = 9.5);
        assert_eq!(
            e,
            (
                "candidates[0].feasible".into(),
                "true, but its constrained KPIs say cost_total_per_order 9.5 > 9.2".into()
            )
        );
        assert_eq!(place(&|t| t.candidates[1].why_infeasible = None).0, "candidates[1].why_infeasible");
        assert_eq!(place(&|t| t.candidates[0].why_infeasible = Some("x".into())).0, "candidates[0].why_infeasible");
    }

    #[test]
    fn replications_are_read_in_index_order_and_checked_against_the_summary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replications.csv");
        let read = |csv: &str| {
            std::fs::write(&path, csv).unwrap();
            read_replications(&path, &summary()).map_err(|e| e.to_string())
        };
        let r = read("replication,fingerprint,on_time_rate\n1,00000000000000aa,0.5\n0,00000000000000bb,1\n").unwrap();
        assert_eq!((r.indices, &r.values["on_time_rate"]), (vec![0, 1], &vec![1.0, 0.5]));
        let file = path.display();
        let e = read("replication,fingerprint,on_time_rate\n0,aa,0.5\n0,bb,1\n").unwrap_err();
        assert_eq!(e, format!("{file}:3: replication: 0 appears twice"));
        let e = read("replication,fingerprint,on_time_rate\n0,aa,inf\n1,bb,1\n").unwrap_err();
        assert_eq!(e, format!("{file}:2: on_time_rate: \"inf\" is not a finite number (or empty: undefined)"));
        // An empty cell is a KPI undefined in that replication.
        let r = read("replication,fingerprint,on_time_rate\n0,aa,\n1,bb,1\n").unwrap();
        assert!(r.values["on_time_rate"][0].is_nan() && r.values["on_time_rate"][1] == 1.0);
        let e = read("replication,fingerprint,on_time_rate\n0,aa,1\n").unwrap_err();
        assert_eq!(e, format!("{file}: 1 rows, but the summary.json beside it has 2 replications"));
        let e = read("replication,fingerprint,cost\n0,aa,1\n1,bb,1\n").unwrap_err();
        assert_eq!(e, format!("{file}:1: cost: not a KPI of the summary.json beside it"));
    }
}
