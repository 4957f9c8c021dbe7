//! Saved runs judged against KPI rules, for CI: `dtwin gate`.

use std::path::{Path, PathBuf};

use reports::gate::{Outcome, Rules, SavedRun, evaluate};
use sim::KPIS;

use crate::ExperimentError;

/// What a gate judges: a rules file (`[[rule]]` entries), the baseline's saved runs (a `dtwin
/// run --out` folder, or a folder of them) for rules against a baseline, and the candidates'.
#[derive(Clone, Copy, Debug)]
pub struct GateSpec<'a> {
    pub rules: &'a Path,
    pub baseline: Option<&'a Path>,
    pub candidates: &'a [PathBuf],
}

/// Each rule judged on each scenario.
#[derive(Clone, Debug)]
pub struct GateResult {
    pub outcomes: Vec<Outcome>,
}

impl GateResult {
    /// Whether every rule held.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }
}

/// Reads the rules and the saved runs, and judges every rule.
pub fn gate(spec: &GateSpec) -> Result<GateResult, ExperimentError> {
    let text = sim::scenario::read_text(spec.rules)?;
    let names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
    let rules = Rules::parse(spec.rules, &text, &names)?;
    let mut candidates = Vec::new();
    for dir in spec.candidates {
        candidates.extend(SavedRun::load_all(dir)?);
    }
    let baseline = match spec.baseline {
        Some(dir) => SavedRun::load_all(dir)?,
        None => Vec::new(),
    };
    Ok(GateResult { outcomes: evaluate(&rules, &baseline, &candidates)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_judges_each_rule_on_the_saved_runs() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = crate::testing::tiny();
        let paired = crate::Paired { seed: Some(2), replications: Some(2), threads: Some(1) };
        let spec = crate::RunSpec {
            scenario: &scenario,
            path: Path::new("tiny.toml"),
            paired,
            precision: None,
            options: Default::default(),
        };
        let run = crate::run(&spec, &()).unwrap();
        let names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
        let out = dir.path().join("run");
        reports::write_run(&out, &run.summary, &names, &run.rows(), false).unwrap();
        let rules = dir.path().join("rules.toml");
        let judge = |text: &str| {
            std::fs::write(&rules, text).unwrap();
            let candidates = [out.clone()];
            gate(&GateSpec { rules: &rules, baseline: Some(&out), candidates: &candidates })
        };
        let passed = judge("[[rule]]\nkpi = \"on_time_rate\"\nmax_worse = 0.01\n").unwrap();
        assert_eq!(passed.outcomes.len(), 1);
        assert!(passed.passed(), "{:?}", passed.outcomes);
        let failed = judge("[[rule]]\nkpi = \"on_time_rate\"\nmin = 1.01\n").unwrap();
        assert!(!failed.passed());
        let e = judge("[[rule]]\nkpi = \"bogus\"\nmin = 1\n").unwrap_err();
        assert!(matches!(e, ExperimentError::Gate(_)) && e.is_bad_input(), "{e}");
    }
}
