//! Monte Carlo replications on all cores: each replication owns its World and its random streams,
//! so results are the same whatever the number of threads.

use rayon::prelude::*;

use crate::engine::{Engine, ReplicationResult, RunError};
use crate::invariants::InvariantChecker;
use crate::kernel::log::LogSink;
use crate::scenario::Scenario;
use crate::timeline::TimelineSampler;

/// What to collect besides the KPIs.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Check the invariants on the log (slower); a violation is an error.
    pub check: bool,
    /// Sample the state through the day ([`crate::timeline`]).
    pub timeline: bool,
}

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
    let mut checker = opts.check.then(|| InvariantChecker::new(scenario));
    let mut sampler = opts.timeline.then(|| TimelineSampler::new(scenario.horizon, scenario.vehicles.len()));
    let mut sinks: Vec<&mut dyn LogSink> = Vec::new();
    if let Some(c) = &mut checker {
        sinks.push(c);
    }
    if let Some(s) = &mut sampler {
        sinks.push(s);
    }
    let engine = Engine::new(scenario, seed, replication, sinks);
    let (mut result, live) = engine.run_counting_live()?;
    result.replication = replication;
    result.timeline = sampler.map(TimelineSampler::finish);
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
