//! Monte Carlo replications on all cores: each replication owns its World and its random streams,
//! so results are the same whatever the number of threads.

use rayon::prelude::*;

use crate::engine::{Engine, ReplicationResult, RunError, RunOptions};
use crate::scenario::Scenario;

/// Runs replication `replication`; with `check`, also verifies the invariants on its log.
pub fn run_replication(
    scenario: &Scenario,
    seed: u64,
    replication: u32,
    check: bool,
) -> Result<ReplicationResult, RunError> {
    run_one(scenario, seed, replication, RunOptions { check, timeline: false })
}

fn run_one(scenario: &Scenario, seed: u64, replication: u32, opts: RunOptions) -> Result<ReplicationResult, RunError> {
    Engine::new(scenario, seed, replication, Vec::new()).observe(opts).run()
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
    run_replications_with(scenario, seed, 0..n, RunOptions { check, timeline: false }, progress)
}

/// Runs the replications in `reps` in parallel on the current rayon pool, in order. Replication
/// `i` is the same whichever range it is run in, so more can be added to a finished run.
pub fn run_replications_with(
    scenario: &Scenario,
    seed: u64,
    reps: std::ops::Range<u32>,
    opts: RunOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<ReplicationResult>, RunError> {
    reps.into_par_iter()
        .map(|rep| {
            let r = run_one(scenario, seed, rep, opts);
            progress();
            r
        })
        .collect()
}
