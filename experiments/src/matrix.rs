//! Alternatives side by side on common random numbers: scenarios (`dtwin stress`) or policies
//! (`dtwin compare`), each KPI against the first's, and for policies a ranking on an objective.

use std::path::Path;

use reports::compare::{Objective, compare_with_best};
use reports::{Matrix, Ranking};
use sim::{ReplicationResult, RunOptions, Scenario};

use crate::error::{ExperimentError, KpiRole, kpi};
use crate::summary::{Alternative, matrix};
use crate::{Paired, Progress, Target, replicate, values};

/// A stress test or a comparison: the alternatives (the first is the baseline), the KPIs to
/// compare, and how to replicate them.
#[derive(Clone, Debug)]
pub struct MatrixSpec<'a> {
    pub alternatives: Vec<Alternative<'a>>,
    /// KPIs in display order (see [`shown_kpis`]).
    pub kpis: Vec<String>,
    pub paired: Paired,
    pub precision: Option<&'a Target>,
    pub options: RunOptions,
}

/// A comparison of policies: the alternatives, and the objective they are ranked on.
#[derive(Clone, Debug)]
pub struct CompareSpec<'a> {
    pub matrix: MatrixSpec<'a>,
    pub objective: Objective,
    /// Family-wise error rate of the comparisons with the best.
    pub alpha: f64,
}

/// The alternatives' replications and the matrix of them.
#[derive(Clone, Debug)]
pub struct MatrixResult {
    /// `stress.json` or `compare.json` (with its ranking).
    pub matrix: Matrix,
    /// `runs[a][i]`: alternative `a`, replication `i`.
    pub runs: Vec<Vec<ReplicationResult>>,
}

/// The KPIs asked for (each checked), or the headline KPIs when none were.
pub fn shown_kpis(asked: &[String]) -> Result<Vec<String>, ExperimentError> {
    let kpis: Vec<String> = if asked.is_empty() {
        reports::report::HEADLINE_KPIS.iter().map(|k| k.to_string()).collect()
    } else {
        asked.to_vec()
    };
    for k in &kpis {
        kpi(k, KpiRole::Shown)?;
    }
    Ok(kpis)
}

/// The alternatives must measure the same period: the same warm-up.
pub fn same_warmup(scenarios: &[&Scenario]) -> Result<(), ExperimentError> {
    let Some(first) = scenarios.first() else { return Ok(()) };
    match scenarios.iter().find(|s| s.warmup != first.warmup) {
        None => Ok(()),
        Some(s) => Err(ExperimentError::DifferentWarmups {
            first: first.name.clone(),
            first_h: first.warmup.as_hours(),
            other: s.name.clone(),
            other_h: s.warmup.as_hours(),
        }),
    }
}

/// Runs the scenarios of a stress test on the same seeds: each KPI with its paired difference to
/// the first scenario's.
pub fn stress(spec: &MatrixSpec, progress: &dyn Progress) -> Result<MatrixResult, ExperimentError> {
    let scenarios: Vec<&Scenario> = spec.alternatives.iter().map(|a| a.scenario).collect();
    same_warmup(&scenarios)?;
    for k in &spec.kpis {
        kpi(k, KpiRole::Shown)?;
    }
    let r = replicate(&scenarios, &spec.paired, 2, spec.precision, spec.options, progress)?;
    let matrix = matrix(r.seed, spec.kpis.clone(), &spec.alternatives, &r.runs, r.precision)?;
    Ok(MatrixResult { matrix, runs: r.runs })
}

/// What a comparison of `policies` alternatives ranked on `objective` needs: two alternatives,
/// and an objective that is a KPI.
pub fn check_compare(policies: usize, objective: &Objective) -> Result<(), ExperimentError> {
    if policies < 2 {
        return Err(ExperimentError::TooFewPolicies);
    }
    kpi(&objective.kpi, KpiRole::Objective)?;
    Ok(())
}

/// Each policy file's stem: the names of a comparison's columns, which must tell them apart.
pub fn policy_names(paths: &[impl AsRef<Path>]) -> Result<Vec<String>, ExperimentError> {
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.as_ref().file_stem().map_or("policy".into(), |s| s.to_string_lossy().into_owned()))
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(ExperimentError::SameName { name: name.clone() });
        }
    }
    Ok(names)
}

/// The KPIs a comparison shows ([`shown_kpis`]), the objective first unless among them.
pub fn compared_kpis(asked: &[String], objective: &Objective) -> Result<Vec<String>, ExperimentError> {
    let mut kpis = shown_kpis(asked)?;
    if !kpis.contains(&objective.kpi) {
        kpis.insert(0, objective.kpi.clone());
    }
    Ok(kpis)
}

/// Runs the policies of a comparison on the same seeds: the matrix against the first policy, and
/// the ranking on the objective by multiple comparisons with the best.
pub fn compare(spec: &CompareSpec, progress: &dyn Progress) -> Result<MatrixResult, ExperimentError> {
    let m = &spec.matrix;
    check_compare(m.alternatives.len(), &spec.objective)?;
    for (i, a) in m.alternatives.iter().enumerate() {
        if m.alternatives[..i].iter().any(|b| b.name == a.name) {
            return Err(ExperimentError::SameName { name: a.name.to_string() });
        }
    }
    let objective = kpi(&spec.objective.kpi, KpiRole::Objective)?;
    for k in &m.kpis {
        kpi(k, KpiRole::Shown)?;
    }
    let scenarios: Vec<&Scenario> = m.alternatives.iter().map(|a| a.scenario).collect();
    let r = replicate(&scenarios, &m.paired, 2, m.precision, m.options, progress)?;
    let per_policy: Vec<Vec<f64>> = r.runs.iter().map(|r| values(r, objective)).collect();
    let (best, columns) = compare_with_best(&per_policy, spec.objective.direction, spec.alpha);
    let mut matrix = matrix(r.seed, m.kpis.clone(), &m.alternatives, &r.runs, r.precision)?;
    matrix.ranking = Some(Ranking { objective: spec.objective.clone(), alpha: spec.alpha, best, columns });
    Ok(MatrixResult { matrix, runs: r.runs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Counted, tiny};

    fn spec<'a>(alternatives: Vec<Alternative<'a>>, replications: u32) -> MatrixSpec<'a> {
        MatrixSpec {
            alternatives,
            kpis: shown_kpis(&[]).unwrap(),
            paired: Paired { seed: Some(11), replications: Some(replications), threads: Some(2) },
            precision: None,
            options: RunOptions::default(),
        }
    }

    #[test]
    fn a_policy_compared_with_itself_differs_by_nothing_and_is_tied_with_itself() {
        let (a, b) = (tiny(), tiny());
        let path = Path::new("tiny.toml");
        let alternatives =
            vec![Alternative { name: "a", scenario: &a, path }, Alternative { name: "b", scenario: &b, path }];
        let spec =
            CompareSpec { matrix: spec(alternatives, 4), objective: "on_time_rate".parse().unwrap(), alpha: 0.05 };
        let progress = Counted::default();
        let r = compare(&spec, &progress).unwrap();
        assert_eq!(progress.counts(), (8, 8, 1), "two alternatives of four replications on one bar");
        assert_eq!(r.runs[0], r.runs[1], "common random numbers: the same replications");
        let m = &r.matrix;
        assert_eq!((m.seed, m.replications, m.columns.len()), (11, 4, 2));
        for k in &m.kpis {
            let (stat, diff) = &m.columns[1].kpis[k];
            assert_eq!(*stat, m.columns[0].kpis[k].0, "{k}");
            let diff = diff.as_ref().expect("against the baseline");
            if stat.defined() {
                assert_eq!((diff.mean, diff.significant), (0.0, false), "{k}: {diff:?}");
            }
            assert!(m.columns[0].kpis[k].1.is_none(), "the baseline has no difference");
        }
        let ranking = m.ranking.as_ref().unwrap();
        assert!(ranking.columns.iter().all(|c| c.tied_with_best && c.shortfall == 0.0), "{ranking:?}");
    }

    #[test]
    fn a_stress_test_pairs_each_scenario_with_the_first() {
        let base = tiny();
        let mut busier = tiny();
        busier.name = "busier".into();
        busier.vehicles.truncate(3);
        let path = Path::new("tiny.toml");
        let alternatives = vec![
            Alternative { name: &base.name, scenario: &base, path },
            Alternative { name: &busier.name, scenario: &busier, path },
        ];
        let r = stress(&spec(alternatives, 3), &()).unwrap();
        let one = sim::run_replications(&busier, 11, 3, false, &|| {}).unwrap();
        assert_eq!(r.runs[1], one);
        let i = crate::kpi_index("on_time_rate").unwrap();
        let (_, diff) = &r.matrix.columns[1].kpis["on_time_rate"];
        let expected = reports::PairedDiff::of(&values(&r.runs[0], i), &values(&one, i));
        assert_eq!(diff.as_ref(), Some(&expected));
        assert!(expected.mean < 0.0, "half the vans are later: {expected:?}");
    }

    #[test]
    fn alternatives_must_be_told_apart_measure_the_same_period_and_pair_two_replications() {
        let (a, mut b) = (tiny(), tiny());
        let path = Path::new("tiny.toml");
        let same = vec![Alternative { name: "a", scenario: &a, path }, Alternative { name: "a", scenario: &a, path }];
        let objective: Objective = "on_time_rate".parse().unwrap();
        let e = compare(&CompareSpec { matrix: spec(same, 2), objective: objective.clone(), alpha: 0.05 }, &());
        assert!(matches!(e, Err(ExperimentError::SameName { .. })), "{e:?}");
        let e = stress(&spec(vec![Alternative { name: "a", scenario: &a, path }; 2], 1), &()).unwrap_err();
        assert!(matches!(e, ExperimentError::TooFewReplications { n: 1, min: 2 }) && e.is_bad_input(), "{e}");
        b.set_warmup(2.0).unwrap();
        let e = same_warmup(&[&a, &b]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tiny has a warm-up of 0 h and tiny of 2 h: KPIs would cover different periods; give --warmup"
        );
        let e = compared_kpis(&["bogus".into()], &objective).unwrap_err();
        assert_eq!(e.to_string(), "unknown KPI \"bogus\"; `dtwin kpis` lists them");
        assert_eq!(compared_kpis(&["orders_late".into()], &objective).unwrap(), ["on_time_rate", "orders_late"]);
    }
}
