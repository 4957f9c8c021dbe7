//! CI gates on saved runs: rules on KPIs, absolute or relative to a baseline run on the same
//! seeds (judged on the paired confidence interval), reported as JUnit XML and Markdown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::compare::Direction;
use crate::saved::ReadError;
use crate::{PairedDiff, Stat, Summary};

/// A rules file (`gate.toml`): `[[rule]]` entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub rule: Vec<Spanned<Rule>>,
}

/// One rule: exactly one of `min`, `max` (bounds on the candidate's mean) or `max_worse` (no worse
/// than the baseline by more than this, in the KPI's unit, judged on the paired 95% interval).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub kpi: Spanned<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_worse: Option<f64>,
    /// Which way is better for `max_worse`: "higher" or "lower" [default: the KPI's own direction;
    /// required for neutral KPIs].
    pub better: Option<Better>,
    /// Scenarios (by name) the rule applies to [default: all].
    #[serde(default)]
    pub scenarios: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateError(pub String);

/// What a rule checks, resolved.
#[derive(Clone, Copy, Debug)]
enum Check {
    Min(f64),
    Max(f64),
    NoWorse { by: f64, direction: Direction },
}

impl Rules {
    /// Parses and checks a rules file; errors name the file, line and field. `kpis` are the known KPI names.
    pub fn parse(path: &Path, text: &str, kpis: &[&str]) -> Result<Rules, GateError> {
        let at = |span: std::ops::Range<usize>| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{}:{line}", path.display())
        };
        let rules: Rules = toml::from_str(text).map_err(|e| {
            let place = e.span().map_or(path.display().to_string(), at);
            GateError(format!("{place}: {}", e.message()))
        })?;
        if rules.rule.is_empty() {
            return Err(GateError(format!("{}: no [[rule]]", path.display())));
        }
        for r in &rules.rule {
            let kpi = &r.get_ref().kpi;
            if !kpis.contains(&kpi.get_ref().as_str()) {
                let msg = format!("{}: kpi: unknown KPI {:?} (`dtwin kpis` lists them)", at(kpi.span()), kpi.get_ref());
                return Err(GateError(msg));
            }
            let rule = r.get_ref();
            if rule.max_worse.is_some() && rule.better.is_none() && Direction::of(kpi.get_ref()).is_none() {
                let msg = format!(
                    "{}: better: {:?} is better neither higher nor lower (`dtwin kpis`): say better = \"higher\" or \"lower\"",
                    at(r.span()),
                    kpi.get_ref()
                );
                return Err(GateError(msg));
            }
            let set = [rule.min.is_some(), rule.max.is_some(), rule.max_worse.is_some()];
            if set.iter().filter(|x| **x).count() != 1 {
                let msg = format!("{}: rule: give exactly one of min, max and max_worse", at(r.span()));
                return Err(GateError(msg));
            }
            for (field, x) in [("min", rule.min), ("max", rule.max), ("max_worse", rule.max_worse)] {
                if x.is_some_and(|x| !x.is_finite()) {
                    return Err(GateError(format!("{}: {field}: must be a finite number", at(r.span()))));
                }
            }
            if rule.max_worse.is_some_and(|m| m < 0.0) {
                return Err(GateError(format!("{}: max_worse: must be a number >= 0", at(r.span()))));
            }
        }
        Ok(rules)
    }
}

impl Rule {
    fn check(&self) -> Check {
        match (self.min, self.max, self.max_worse) {
            (Some(x), _, _) => Check::Min(x),
            (_, Some(x), _) => Check::Max(x),
            (_, _, Some(by)) => {
                let direction = match self.better {
                    Some(Better::Higher) => Direction::Max,
                    Some(Better::Lower) => Direction::Min,
                    None => {
                        Direction::of(self.kpi.get_ref()).expect("neutral KPIs need `better`: checked by Rules::parse")
                    }
                };
                Check::NoWorse { by, direction }
            }
            _ => unreachable!("checked by Rules::parse"),
        }
    }

    fn describe(&self) -> String {
        let kpi = self.kpi.get_ref();
        match self.check() {
            Check::Min(x) => format!("{kpi} >= {x}"),
            Check::Max(x) => format!("{kpi} <= {x}"),
            Check::NoWorse { by, direction } => {
                let way = if direction == Direction::Max { "below" } else { "above" };
                format!("{kpi} at most {by} {way} baseline (paired 95% CI)")
            }
        }
    }

    fn applies_to(&self, scenario: &str) -> bool {
        self.scenarios.is_empty() || self.scenarios.iter().any(|s| s == scenario)
    }
}

/// A saved run: `summary.json` and the per-replication values of `replications.csv`, in the
/// order of their replication index, both checked ([`crate::saved`]).
pub struct SavedRun {
    pub dir: PathBuf,
    pub summary: Summary,
    /// Replication indices, ascending: a relative rule pairs replications with equal indices.
    pub replications: Vec<u32>,
    pub values: BTreeMap<String, Vec<f64>>,
}

impl SavedRun {
    pub fn load(dir: &Path) -> Result<SavedRun, GateError> {
        let hint = |e: ReadError| match e {
            ReadError::Io { .. } => GateError(format!("{e} (is it a `dtwin run --out` folder?)")),
            e => GateError(e.to_string()),
        };
        let summary = crate::saved::read_summary(&dir.join("summary.json")).map_err(hint)?;
        let rows = crate::saved::read_replications(&dir.join("replications.csv"), &summary).map_err(hint)?;
        Ok(SavedRun { dir: dir.to_path_buf(), summary, replications: rows.indices, values: rows.values })
    }

    /// A run folder, or a folder of run folders.
    pub fn load_all(dir: &Path) -> Result<Vec<SavedRun>, GateError> {
        if dir.join("summary.json").exists() {
            return Ok(vec![SavedRun::load(dir)?]);
        }
        let entries = std::fs::read_dir(dir).map_err(|e| GateError(format!("{}: {e}", dir.display())))?;
        let mut dirs: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.join("summary.json").exists()).collect();
        dirs.sort();
        if dirs.is_empty() {
            return Err(GateError(format!("{}: no summary.json in it or in its folders", dir.display())));
        }
        dirs.iter().map(|d| SavedRun::load(d)).collect()
    }

    fn scenario(&self) -> &str {
        &self.summary.scenario.name
    }
}

/// A rule judged on one scenario.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub scenario: String,
    pub rule: String,
    pub passed: bool,
    pub candidate: Stat,
    pub baseline: Option<Stat>,
    /// Candidate minus baseline, paired.
    pub change: Option<PairedDiff>,
    pub detail: String,
}

/// Judges every rule on every candidate it applies to. Configuration errors (a rule naming a
/// scenario no candidate ran, no baseline or an unpaired one for a relative rule) are errors.
pub fn evaluate(rules: &Rules, baseline: &[SavedRun], candidates: &[SavedRun]) -> Result<Vec<Outcome>, GateError> {
    for r in &rules.rule {
        if let Some(s) = r.get_ref().scenarios.iter().find(|s| !candidates.iter().any(|c| c.scenario() == *s)) {
            return Err(GateError(format!(
                "a rule on {} names scenario {s:?}, which no candidate ran",
                r.get_ref().kpi.get_ref()
            )));
        }
    }
    let mut out = Vec::new();
    for c in candidates {
        for rule in rules.rule.iter().map(Spanned::get_ref).filter(|r| r.applies_to(c.scenario())) {
            let kpi = rule.kpi.get_ref();
            let values = c.values.get(kpi).ok_or_else(|| GateError(format!("{}: no KPI {kpi}", c.dir.display())))?;
            let candidate = Stat::of(values);
            let outcome = |passed, baseline, change, detail| Outcome {
                scenario: c.scenario().to_string(),
                rule: rule.describe(),
                passed,
                candidate: candidate.clone(),
                baseline,
                change,
                detail,
            };
            out.push(match rule.check() {
                // An undefined mean (NaN) holds no bound: the rule fails and says so.
                Check::Min(x) => {
                    outcome(candidate.mean >= x, None, None, format!("mean {} (needs >= {x})", mean_text(&candidate)))
                }
                Check::Max(x) => {
                    outcome(candidate.mean <= x, None, None, format!("mean {} (needs <= {x})", mean_text(&candidate)))
                }
                Check::NoWorse { by, direction } => {
                    let base = paired_baseline(baseline, c)?;
                    let before = base
                        .values
                        .get(kpi)
                        .ok_or_else(|| GateError(format!("{}: no KPI {kpi}", base.dir.display())))?;
                    let change = PairedDiff::of(before, values);
                    // The pessimistic end of the interval must be within the margin (non-inferiority).
                    let worst = match direction {
                        Direction::Max => change.ci95_low.map(|l| -l),
                        Direction::Min => change.ci95_high,
                    }
                    .unwrap_or(f64::INFINITY);
                    let detail = format!(
                        "change {:+.4} [{}, {}] against {}; worst case {worst:.4} worse, allowed {by}",
                        change.mean,
                        change.ci95_low.map_or("-".into(), |x| format!("{x:+.4}")),
                        change.ci95_high.map_or("-".into(), |x| format!("{x:+.4}")),
                        base.dir.display()
                    );
                    outcome(worst <= by, Some(Stat::of(before)), Some(change), detail)
                }
            });
        }
    }
    Ok(out)
}

fn mean_text(s: &Stat) -> String {
    if s.defined() { format!("{:.4}", s.mean) } else { "undefined in every replication".into() }
}

/// The baseline run of the candidate's scenario, on the same seed and replications.
fn paired_baseline<'a>(baseline: &'a [SavedRun], c: &SavedRun) -> Result<&'a SavedRun, GateError> {
    let b = baseline.iter().find(|b| b.scenario() == c.scenario()).ok_or_else(|| {
        GateError(format!("no baseline run of scenario {:?} (for {})", c.scenario(), c.dir.display()))
    })?;
    let (bs, cs) = (&b.summary, &c.summary);
    if bs.seed != cs.seed || bs.replications != cs.replications || bs.replications < 2 {
        return Err(GateError(format!(
            "{} (seed {}, {} replications) and {} (seed {}, {} replications) are not paired: run both with the same --seed and --replications (at least 2)",
            b.dir.display(),
            bs.seed,
            bs.replications,
            c.dir.display(),
            cs.seed,
            cs.replications
        )));
    }
    let unpaired = |x: &SavedRun, y: &SavedRun| x.replications.iter().find(|r| !y.replications.contains(r)).copied();
    if let Some((r, has, lacks)) = unpaired(b, c).map(|r| (r, b, c)).or_else(|| unpaired(c, b).map(|r| (r, c, b))) {
        return Err(GateError(format!(
            "{} has replication {r} and {} does not: a relative rule pairs the same replication indices; run both with the same --seed and --replications",
            has.dir.display(),
            lacks.dir.display()
        )));
    }
    if bs.warmup_h != cs.warmup_h {
        return Err(GateError(format!(
            "{} (warm-up {} h) and {} (warm-up {} h) measure different periods: run both with the same --warmup",
            b.dir.display(),
            bs.warmup_h,
            c.dir.display(),
            cs.warmup_h
        )));
    }
    Ok(b)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// JUnit XML: a test suite per scenario, a test case per rule.
pub fn junit(outcomes: &[Outcome]) -> String {
    let failures = outcomes.iter().filter(|o| !o.passed).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dtwin gate\" tests=\"{}\" failures=\"{failures}\">\n",
        outcomes.len()
    );
    let mut scenarios: Vec<&str> = outcomes.iter().map(|o| o.scenario.as_str()).collect();
    scenarios.dedup();
    for s in scenarios {
        let cases: Vec<&Outcome> = outcomes.iter().filter(|o| o.scenario == s).collect();
        let failed = cases.iter().filter(|o| !o.passed).count();
        out += &format!("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">\n", xml_escape(s), cases.len());
        for o in cases {
            let name = format!("<testcase classname=\"dtwin.gate.{}\" name=\"{}\"", xml_escape(s), xml_escape(&o.rule));
            if o.passed {
                out += &format!("    {name}/>\n");
            } else {
                let msg = xml_escape(&o.detail);
                out += &format!("    {name}>\n      <failure message=\"{msg}\">{msg}</failure>\n    </testcase>\n");
            }
        }
        out += "  </testsuite>\n";
    }
    out + "</testsuites>\n"
}

/// A Markdown summary for a pull request comment or a CI job summary.
pub fn markdown(outcomes: &[Outcome]) -> String {
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let verdict =
        if failed == 0 { "passed".to_string() } else { format!("FAILED ({failed} of {} rules)", outcomes.len()) };
    let mut out = format!(
        "## dtwin gate: {verdict}\n\n| | scenario | rule | candidate (95% CI) | baseline | change (paired 95% CI) |\n|---|---|---|---|---|---|\n"
    );
    let ci = |s: &Stat| match (s.ci95_low, s.ci95_high) {
        _ if !s.defined() => "undefined".to_string(),
        (Some(l), Some(h)) => format!("{:.4} ({l:.4} to {h:.4})", s.mean),
        _ => format!("{:.4}", s.mean),
    };
    for o in outcomes {
        let change = o.change.as_ref().map_or(String::new(), |d| match (d.ci95_low, d.ci95_high) {
            _ if d.mean.is_nan() => "undefined".to_string(),
            (Some(l), Some(h)) => format!("{:+.4} ({l:+.4} to {h:+.4})", d.mean),
            _ => format!("{:+.4}", d.mean),
        });
        out += &format!(
            "| {} | {} | {} | {} | {} | {change} |\n",
            if o.passed { "pass" } else { "**FAIL**" },
            o.scenario,
            o.rule.replace('|', "\\|"),
            ci(&o.candidate),
            o.baseline.as_ref().map_or(String::new(), |b| if b.defined() {
                format!("{:.4}", b.mean)
            } else {
                "undefined".into()
            }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KPIS: &[&str] = &["on_time_rate", "cost_per_order"];

    fn parse(text: &str) -> Result<Rules, GateError> {
        Rules::parse(Path::new("gate.toml"), text, KPIS)
    }

    #[test]
    fn rules_errors_name_the_file_and_line() {
        let e = parse("[[rule]]\nkpi = \"on_time_rate\"\nmin = 0.9\n\n[[rule]]\nkpi = \"on_tme_rate\"\nmin = 1\n")
            .unwrap_err();
        assert!(e.0.starts_with("gate.toml:6: kpi: unknown KPI \"on_tme_rate\""), "{e}");
        let e = parse("[[rule]]\nkpi = \"on_time_rate\"\nmin = 0.9\nmax = 1.0\n").unwrap_err();
        assert!(e.0.contains("gate.toml:1: rule: give exactly one"), "{e}");
        let e = parse("[[rule]]\nkpi = \"on_time_rate\"\nminimum = 0.9\n").unwrap_err();
        assert!(e.0.starts_with("gate.toml:3: unknown field `minimum`"), "{e}");
        assert!(parse("").is_err());
    }

    #[test]
    fn max_worse_on_a_neutral_kpi_must_say_which_way_is_better() {
        let e = parse("[[rule]]\nkpi = \"cost_per_order\"\nmax_worse = 0.2\n").unwrap_err();
        assert!(e.0.starts_with("gate.toml:1: better: \"cost_per_order\" is better neither"), "{e}");
        let rules = parse("[[rule]]\nkpi = \"cost_per_order\"\nmax_worse = 0.2\nbetter = \"lower\"\n").unwrap();
        assert!(rules.rule[0].get_ref().describe().contains("above baseline"));
        // Bounds need no direction.
        assert!(parse("[[rule]]\nkpi = \"cost_per_order\"\nmax = 9\n").is_ok());
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let stat = Stat::of(&[1.0, 2.0]);
        let o = |passed| Outcome {
            scenario: "a<b".into(),
            rule: "x >= 1".into(),
            passed,
            candidate: stat.clone(),
            baseline: None,
            change: None,
            detail: "mean \"1.5\"".into(),
        };
        let xml = junit(&[o(true), o(false)]);
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("name=\"a&lt;b\""));
        assert!(xml.contains("name=\"x &gt;= 1\""));
        assert!(xml.contains("<failure message=\"mean &quot;1.5&quot;\">"));
        assert!(markdown(&[o(true), o(false)]).starts_with("## dtwin gate: FAILED (1 of 2 rules)"));
    }
}
