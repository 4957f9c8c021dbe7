//! Monte Carlo replications on all cores: each replication owns its World and its random streams,
//! so results are the same whatever the number of threads.

use rayon::prelude::*;

use crate::engine::{Engine, ReplicationResult};
use crate::invariants::InvariantChecker;
use crate::log::LogSink;
use crate::scenario::Scenario;

/// Why a replication could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The log broke an invariant: a bug in the engine or a policy, never a user error.
    #[error("replication {replication} (seed {seed}) broke invariants:\n  {}", violations.join("\n  "))]
    Invariants { replication: u32, seed: u64, violations: Vec<String> },
    /// The policy could not decide (an external program crashed, timed out or answered nonsense):
    /// the message names the replication, the decision time and the request.
    #[error("{0}")]
    Policy(String),
}

/// Runs replication `replication`; with `check`, also verifies the invariants on its log.
pub fn run_replication(
    scenario: &Scenario,
    seed: u64,
    replication: u32,
    check: bool,
) -> Result<ReplicationResult, RunError> {
    let mut checker = check.then(|| InvariantChecker::new(scenario));
    let sinks: Vec<&mut dyn LogSink> = checker.iter_mut().map(|c| c as &mut dyn LogSink).collect();
    let engine = Engine::new(scenario, seed, replication, sinks);
    let (mut result, live) = engine.run_counting_live().map_err(RunError::Policy)?;
    result.replication = replication;
    if let Some(c) = checker {
        c.finish(live).map_err(|violations| RunError::Invariants { replication, seed, violations })?;
    }
    Ok(result)
}

/// Runs replications `0..n` in parallel on the current rayon pool; results are in replication order.
/// `progress` is called once per finished replication, from any thread.
pub fn run_replications(
    scenario: &Scenario,
    seed: u64,
    n: u32,
    check: bool,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<ReplicationResult>, RunError> {
    (0..n)
        .into_par_iter()
        .map(|rep| {
            let r = run_replication(scenario, seed, rep, check);
            progress();
            r
        })
        .collect()
}
