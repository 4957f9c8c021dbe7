//! Why an experiment could not run or finish.

use std::path::PathBuf;

/// Why an experiment could not run or finish. The messages are the ones `dtwin` prints: where a
/// value comes from one of its options, they name the option. [`ExperimentError::is_bad_input`]
/// tells a mistake in what was asked (fix the input) from a run that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentError {
    /// A KPI name that is not one of `sim::KPIS` (`dtwin kpis` lists them); `role` says where it
    /// was named.
    #[error("unknown KPI {kpi:?}{}", role.context())]
    UnknownKpi { kpi: String, role: KpiRole },
    /// Too few replications for what is asked: paired intervals need two.
    #[error("{n} replications: paired intervals need at least {min}")]
    TooFewReplications { n: u32, min: u32 },
    /// Nothing to run.
    #[error("no alternative to run")]
    NoAlternatives,
    /// A comparison of policies needs two at least.
    #[error("compare needs at least two --policy files")]
    TooFewPolicies,
    /// Two alternatives with one name could not be told apart in the results: rename one.
    #[error("two policy files are called {name:?}; rename one")]
    SameName { name: String },
    /// The alternatives exclude different hours at the start from their KPIs: give them one
    /// warm-up.
    #[error(
        "{first} has a warm-up of {first_h} h and {other} of {other_h} h: KPIs would cover different periods; give --warmup"
    )]
    DifferentWarmups { first: String, first_h: f64, other: String, other_h: f64 },
    /// The KPI a precision is asked of is undefined in every replication so far (a share or mean
    /// of nothing): no number of replications reaches it.
    #[error(
        "--precision {kpi}: the KPI is undefined in every replication so far (a share or mean of nothing): no number of replications reaches a precision"
    )]
    PrecisionUndefined { kpi: String },
    /// A policy parameter the search cannot set (unknown, or a value out of its range).
    #[error("--param: {0}")]
    Param(policies::ParamError),
    /// A grid search with more than [`crate::tune::MAX_CANDIDATES`] points: take larger steps,
    /// or sample.
    #[error("{}", grid_too_large(levels, *max))]
    GridTooLarge {
        /// How many values each parameter takes.
        levels: Vec<f64>,
        /// The most candidates a search may have.
        max: u64,
    },
    /// A tune journal of another search (scenarios, policy, parameters, seed or replications
    /// differ): start over, or resume it with the search that wrote it.
    #[error(
        "{} holds another search (scenarios, policy, parameters, seed or replications differ); pass --force to start over",
        journal.display()
    )]
    OtherSearch { journal: PathBuf },
    /// A line of a tune journal that is not a candidate of this search: `place` is `FILE:LINE`.
    #[error("{place}: {message}")]
    JournalLine { place: String, message: String },
    /// A file named by the experiment could not be read (a rules file).
    #[error(transparent)]
    Input(#[from] sim::ScenarioError),
    /// A gate's rules or saved results are not usable.
    #[error(transparent)]
    Gate(#[from] reports::gate::GateError),
    /// A replication could not finish (its message names it).
    #[error(transparent)]
    Run(#[from] sim::RunError),
    #[error("starting worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    #[error("describing the policy")]
    DescribePolicy(#[source] serde_json::Error),
    #[error("writing the policy as TOML")]
    PolicyToml(#[source] toml::ser::Error),
    #[error("serialising the event log")]
    EventLog(#[source] std::io::Error),
    /// A file of the experiment (a tune journal) could not be written: `action` and `path` say
    /// which, the source why.
    #[error("{action} {}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Where a KPI was named, for [`ExperimentError::UnknownKpi`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KpiRole {
    /// Among the KPIs to show.
    Shown,
    /// As the objective.
    Objective,
    /// In a constraint.
    Constraint,
    /// As a Pareto axis.
    Pareto,
    /// As the KPI of a precision target.
    Precision,
}

impl KpiRole {
    fn context(self) -> &'static str {
        match self {
            KpiRole::Shown => "; `dtwin kpis` lists them",
            KpiRole::Objective => " in --objective",
            KpiRole::Constraint => " in --constraint",
            KpiRole::Pareto => " in --pareto",
            KpiRole::Precision => " in --precision",
        }
    }
}

impl ExperimentError {
    /// Whether the input was at fault (what was asked, or the files it named), not the run:
    /// `dtwin` exits with 2 for these, 1 for the others.
    pub fn is_bad_input(&self) -> bool {
        use ExperimentError::*;
        match self {
            UnknownKpi { .. }
            | TooFewReplications { .. }
            | NoAlternatives
            | TooFewPolicies
            | SameName { .. }
            | DifferentWarmups { .. }
            | PrecisionUndefined { .. }
            | Param(_)
            | GridTooLarge { .. }
            | OtherSearch { .. }
            | JournalLine { .. }
            | Input(_)
            | Gate(_) => true,
            Run(_) | Threads(_) | DescribePolicy(_) | PolicyToml(_) | EventLog(_) | File { .. } | Io(_) | Json(_) => {
                false
            }
        }
    }
}

/// The index of KPI `name` in `sim::KPIS`, or [`ExperimentError::UnknownKpi`].
pub(crate) fn kpi(name: &str, role: KpiRole) -> Result<usize, ExperimentError> {
    crate::kpi_index(name).ok_or_else(|| ExperimentError::UnknownKpi { kpi: name.to_string(), role })
}

/// The message of [`ExperimentError::GridTooLarge`].
fn grid_too_large(levels: &[f64], max: u64) -> String {
    let total = levels.iter().product::<f64>();
    let count = |x: f64| match x {
        _ if x < 1e15 => format!("{x:.0}"),
        _ if x.is_finite() => format!("{x:e}"),
        _ => "too many".to_string(),
    };
    let product = if levels.len() > 1 {
        format!(" ({})", levels.iter().map(|l| count(*l)).collect::<Vec<_>>().join(" x "))
    } else {
        String::new()
    };
    format!(
        "--param: the grid has {} candidates{product}, at most {max}: take a larger STEP, or --search random or lhs with --samples",
        count(total)
    )
}
