//! Replications summarised into the result files' records: a run's [`Summary`], the [`Matrix`]
//! of alternatives, and what they share (provenance, timeline, warnings).

use std::path::Path;

use reports::{Column, Matrix, PairedDiff, ScenarioInfo, Summary};
use sim::hash::StableHasher;
use sim::{KPIS, ReplicationResult, Scenario};

use crate::error::{ExperimentError, KpiRole, kpi};
use crate::{stat, values};

/// The scenario's name, the path it was read from and its hash.
pub fn scenario_info(scenario: &Scenario, path: &Path) -> ScenarioInfo {
    ScenarioInfo {
        name: scenario.name.clone(),
        path: path.display().to_string(),
        hash: format!("{:016x}", scenario.hash),
    }
}

/// Stable hash of the allocation and exception policies as configured, hex.
pub fn policy_hash(scenario: &Scenario) -> String {
    let mut h = StableHasher::default();
    let both = serde_json::json!([scenario.policy, scenario.exceptions]);
    std::hash::Hasher::write(&mut h, both.to_string().as_bytes());
    format!("{:016x}", std::hash::Hasher::finish(&h))
}

/// The policy as configured, as the result files describe it.
fn describe_policy(scenario: &Scenario) -> Result<serde_json::Value, ExperimentError> {
    serde_json::to_value(&scenario.policy).map_err(ExperimentError::DescribePolicy)
}

/// Hash over every replication's event-log fingerprint, hex: equal runs have equal values.
pub fn fingerprint(results: &[ReplicationResult]) -> String {
    let mut fingerprint = StableHasher::default();
    for r in results {
        std::hash::Hasher::write_u64(&mut fingerprint, r.fingerprint);
    }
    format!("{:016x}", std::hash::Hasher::finish(&fingerprint))
}

/// The state through the day over the replications (those run with a timeline), with when the
/// disruptions were under way.
pub fn timeline(scenario: &Scenario, runs: &[ReplicationResult]) -> Option<reports::Timeline> {
    let samples: Vec<&sim::timeline::Timeline> = runs.iter().map(|r| r.timeline.as_ref()).collect::<Option<_>>()?;
    let (step, n) = (samples.first()?.step, samples.first()?.samples.len());
    let rows: Vec<&[[f64; 4]]> = samples.iter().map(|t| t.samples.as_slice()).collect();
    let mut timeline = reports::Timeline::of(step.as_min(), sim::timeline::SERIES, &rows);
    let shares = sim::reach::under_way(scenario.disruptions.len(), runs, step, n);
    timeline.disruptions = scenario
        .disruptions
        .iter()
        .zip(shares)
        .enumerate()
        .filter(|(_, (_, share))| share.iter().any(|s| *s > 0.0))
        .map(|(i, (d, share))| reports::UnderWay {
            name: format!("{} (disruption {})", d.kind().replace('_', " "), i + 1),
            share,
        })
        .collect();
    Some(timeline)
}

/// `summary.json` of `results`, the replications of `scenario` (read from `path`) on `seed`.
pub fn summary(
    scenario: &Scenario,
    path: &Path,
    seed: u64,
    results: &[ReplicationResult],
    precision: Option<reports::Precision>,
) -> Result<Summary, ExperimentError> {
    Ok(Summary {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: scenario_info(scenario, path),
        policy: describe_policy(scenario)?,
        policy_hash: policy_hash(scenario),
        seed,
        replications: results.len() as u32,
        warmup_h: scenario.warmup.as_hours(),
        precision,
        fingerprint: fingerprint(results),
        kpis: KPIS.iter().enumerate().map(|(i, k)| (k.name.to_string(), stat(results, i))).collect(),
        timeline: timeline(scenario, results),
        warnings: sim::reach::warnings(scenario, results),
    })
}

/// One alternative of a stress test or comparison: what its column is called, its scenario (with
/// the policy it runs) and the file the scenario was read from.
#[derive(Clone, Copy, Debug)]
pub struct Alternative<'a> {
    pub name: &'a str,
    pub scenario: &'a Scenario,
    pub path: &'a Path,
}

/// A column per alternative with its runs (`runs[a]`), the KPIs in `kpis` each against the first
/// alternative's on the same replications.
pub fn matrix(
    seed: u64,
    kpis: Vec<String>,
    alternatives: &[Alternative],
    runs: &[Vec<ReplicationResult>],
    precision: Option<reports::Precision>,
) -> Result<Matrix, ExperimentError> {
    let first = alternatives.first().ok_or(ExperimentError::NoAlternatives)?;
    let index: Vec<usize> = kpis.iter().map(|k| kpi(k, KpiRole::Shown)).collect::<Result<_, _>>()?;
    let baseline = &runs[0];
    let columns = alternatives
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(j, (a, runs))| {
            Ok(Column {
                name: a.name.to_string(),
                scenario: scenario_info(a.scenario, a.path),
                policy: describe_policy(a.scenario)?,
                policy_hash: policy_hash(a.scenario),
                kpis: kpis
                    .iter()
                    .zip(&index)
                    .map(|(k, &i)| {
                        let diff = (j > 0).then(|| PairedDiff::of(&values(baseline, i), &values(runs, i)));
                        (k.clone(), (stat(runs, i), diff))
                    })
                    .collect(),
                timeline: timeline(a.scenario, runs),
                warnings: sim::reach::warnings(a.scenario, runs),
            })
        })
        .collect::<Result<_, ExperimentError>>()?;
    Ok(Matrix {
        tool: "dtwin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed,
        replications: baseline.len() as u32,
        warmup_h: first.scenario.warmup.as_hours(),
        precision,
        kpis,
        columns,
        ranking: None,
    })
}
