//! `tune.json`: the candidates of a threshold search and how they were judged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Stat;
use crate::compare::Objective;

/// A bound on a KPI's mean: `KPI>=X` or `KPI<=X`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub kpi: String,
    pub at_least: bool,
    pub bound: f64,
}

impl std::str::FromStr for Constraint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kpi, at_least, bound) = if let Some((k, b)) = s.split_once(">=") {
            (k, true, b)
        } else if let Some((k, b)) = s.split_once("<=") {
            (k, false, b)
        } else {
            return Err(format!("{s:?}: expected KPI>=X or KPI<=X"));
        };
        let bound = bound.trim().parse::<f64>().map_err(|_| format!("{s:?}: {bound:?} is not a number"))?;
        Ok(Constraint { kpi: kpi.trim().to_string(), at_least, bound })
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.kpi, if self.at_least { ">=" } else { "<=" }, self.bound)
    }
}

impl Constraint {
    pub fn holds(&self, value: f64) -> bool {
        if self.at_least { value >= self.bound } else { value <= self.bound }
    }
}

/// One candidate setting and how it did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub params: BTreeMap<String, f64>,
    /// The objective KPI over the replications (each the mean over the scenarios).
    pub objective: Stat,
    pub feasible: bool,
    pub tied_with_best: bool,
    /// On the Pareto front of the two `pareto` KPIs.
    pub pareto: bool,
    /// Means of the two `pareto` KPIs (`null` where undefined).
    #[serde(deserialize_with = "crate::nullable_pair")]
    pub pareto_kpis: (f64, f64),
}

/// `tune.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TuneResult {
    pub tool: String,
    pub version: String,
    /// What identifies the search: scenario hashes, policy, parameter ranges, search, seed,
    /// replications, warm-up.
    pub search: serde_json::Value,
    pub objective: Objective,
    pub constraints: Vec<Constraint>,
    pub pareto: [Objective; 2],
    /// Index of the best feasible candidate.
    pub best: Option<usize>,
    pub candidates: Vec<Candidate>,
}
