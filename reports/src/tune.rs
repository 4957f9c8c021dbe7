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

/// Why a constraint is refused: write it `KPI>=X` or `KPI<=X`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConstraintError {
    /// Neither `>=` nor `<=` in `text`.
    #[error("{text:?}: expected KPI>=X or KPI<=X")]
    NoOperator { text: String },
    /// The bound, as written in `text`, is not a number.
    #[error("{text:?}: {bound:?} is not a number")]
    NotANumber { text: String, bound: String },
}

impl std::str::FromStr for Constraint {
    type Err = ConstraintError;
    fn from_str(s: &str) -> Result<Self, ConstraintError> {
        let (kpi, at_least, bound) = if let Some((k, b)) = s.split_once(">=") {
            (k, true, b)
        } else if let Some((k, b)) = s.split_once("<=") {
            (k, false, b)
        } else {
            return Err(ConstraintError::NoOperator { text: s.to_string() });
        };
        let bound = bound
            .trim()
            .parse::<f64>()
            .map_err(|_| ConstraintError::NotANumber { text: s.to_string(), bound: bound.to_string() })?;
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

    /// How `value` breaks the constraint, `cost_total_per_order 9.31 > 9.2`; `None` when it
    /// holds. The value is shown with the fewest decimals (two at least) that still break the
    /// bound, so that 0.8673 under `>= 0.87` reads `0.867 < 0.87`, not `0.87 < 0.87`.
    pub fn breach(&self, value: f64) -> Option<String> {
        if self.holds(value) {
            return None;
        }
        let shown = (2..=17)
            .map(|decimals| {
                let s = format!("{value:.decimals$}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            })
            .find(|s| s.parse::<f64>().is_ok_and(|x| !self.holds(x)))
            .unwrap_or_else(|| value.to_string());
        Some(format!("{} {shown} {} {}", self.kpi, if self.at_least { "<" } else { ">" }, self.bound))
    }
}

/// Why a candidate with these means of the constrained KPIs is infeasible: each constraint it
/// breaks (see [`Constraint::breach`]), joined by `; `; `None` when it meets them all. A KPI
/// missing from `means` breaks its constraints.
pub fn why_infeasible(constraints: &[Constraint], means: &BTreeMap<String, f64>) -> Option<String> {
    let broken: Vec<String> = constraints
        .iter()
        .filter_map(|c| match means.get(&c.kpi) {
            Some(v) => c.breach(*v),
            None => Some(format!("{} not measured", c.kpi)),
        })
        .collect();
    (!broken.is_empty()).then(|| broken.join("; "))
}

/// The KPIs the constraints name, each once, in the order first named.
pub fn constrained_kpis(constraints: &[Constraint]) -> Vec<&str> {
    let mut kpis: Vec<&str> = Vec::new();
    for c in constraints {
        if !kpis.contains(&c.kpi.as_str()) {
            kpis.push(&c.kpi);
        }
    }
    kpis
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
    /// Mean of each constrained KPI (none without constraints, and in `tune.json` files written
    /// before these were kept).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constrained_kpis: BTreeMap<String, f64>,
    /// The constraints an infeasible candidate breaks, `KPI MEAN > BOUND` joined by `; `
    /// ([`why_infeasible`]); `None` when feasible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_infeasible: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breach_shows_the_mean_with_the_decimals_that_break_the_bound() {
        let c = |s: &str| s.parse::<Constraint>().unwrap();
        assert_eq!(c("cost_total_per_order<=9.2").breach(9.3123).unwrap(), "cost_total_per_order 9.31 > 9.2");
        assert_eq!(c("on_time_rate>=0.87").breach(0.8673).unwrap(), "on_time_rate 0.867 < 0.87");
        assert_eq!(c("orders_late<=100").breach(120.0).unwrap(), "orders_late 120 > 100");
        assert_eq!(c("on_time_rate>=0.9").breach(0.9), None);
        let cs = [c("on_time_rate>=0.9"), c("cost_total_per_order<=9.2"), c("on_time_rate<=0.99")];
        let means: BTreeMap<String, f64> =
            [("on_time_rate".to_string(), 0.85), ("cost_total_per_order".to_string(), 9.5)].into();
        assert_eq!(why_infeasible(&cs, &means).unwrap(), "on_time_rate 0.85 < 0.9; cost_total_per_order 9.5 > 9.2");
        assert_eq!(constrained_kpis(&cs), ["on_time_rate", "cost_total_per_order"]);
        assert_eq!(why_infeasible(&cs[..1], &[("on_time_rate".to_string(), 0.95)].into()), None);
    }
}
