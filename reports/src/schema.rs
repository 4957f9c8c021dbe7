//! What the result files hold: `summary.json` ([`Summary`]), `stress.json` and `compare.json`
//! ([`Matrix`]), a row of `replications.csv` ([`ReplicationRow`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{PairedDiff, Stat, Timeline, compare};

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

/// One row of `replications.csv`.
pub struct ReplicationRow {
    pub replication: u32,
    pub fingerprint: u64,
    pub values: Vec<f64>,
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
