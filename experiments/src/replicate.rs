//! Replications of alternatives side by side on common random numbers, a fixed number of them or
//! as many as a precision needs.

use std::time::{Duration, Instant};

use reports::PairedDiff;
use sim::{ReplicationResult, RunOptions, Scenario};

use crate::error::{ExperimentError, KpiRole, kpi};
use crate::{Progress, stat, values};

/// How alternatives run side by side: replication i of each uses the random streams of
/// (seed, i), so they meet the same orders, breakdowns and weather.
#[derive(Clone, Copy, Debug, Default)]
pub struct Paired {
    /// The master seed [default: the first scenario's `seed`].
    pub seed: Option<u64>,
    /// Replications per alternative [default: the first scenario's `replications`]; the first
    /// round of an adaptive run.
    pub replications: Option<u32>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    pub threads: Option<u32>,
}

impl Paired {
    /// Seed, replications (at least `min`) and worker pool, with defaults from `first`.
    pub(crate) fn resolve(&self, first: &Scenario, min: u32) -> Result<(u64, u32, rayon::ThreadPool), ExperimentError> {
        let n = self.replications.unwrap_or(first.replications);
        if n < min {
            return Err(ExperimentError::TooFewReplications { n, min });
        }
        Ok((self.seed.unwrap_or(first.seed), n, thread_pool(self.threads)?))
    }
}

fn thread_pool(threads: Option<u32>) -> Result<rayon::ThreadPool, ExperimentError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        pool = pool.num_threads(t as usize);
    }
    pool.build().map_err(ExperimentError::Threads)
}

/// An adaptive number of replications: add replications until the 95% half-width of `kpi` is at
/// most `half_width` (of its mean with one alternative, of every paired difference with the first
/// with several), or `max_replications` are run.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub kpi: String,
    pub half_width: f64,
    pub max_replications: u32,
}

/// Every alternative's replications, in replication order.
#[derive(Clone, Debug)]
pub struct Replicated {
    pub seed: u64,
    /// `runs[a][i]`: alternative `a`, replication `i`.
    pub runs: Vec<Vec<ReplicationResult>>,
    /// How the number of replications was chosen, when it was adaptive. `reached` false: the
    /// maximum was run without reaching the target.
    pub precision: Option<reports::Precision>,
    /// Wall-clock time the replications took.
    pub elapsed: Duration,
}

/// Runs the alternatives on common random numbers ([`Paired`]; at least `min` replications),
/// with `target` adding replications until its precision is reached. Replication i is the same
/// however the total was reached, so the result equals a plain run of that many.
pub fn replicate(
    alternatives: &[&Scenario],
    paired: &Paired,
    min: u32,
    target: Option<&Target>,
    opts: RunOptions,
    progress: &dyn Progress,
) -> Result<Replicated, ExperimentError> {
    let first = alternatives.first().ok_or(ExperimentError::NoAlternatives)?;
    if let Some(t) = target {
        kpi(&t.kpi, KpiRole::Precision)?;
    }
    let (seed, n, pool) = paired.resolve(first, min)?;
    let started = Instant::now();
    let (runs, precision) = replicate_all(&pool, alternatives, seed, n, target, opts, progress)?;
    Ok(Replicated { seed, runs, precision, elapsed: started.elapsed() })
}

/// [`replicate`] on a worker pool, with seed and replications resolved.
fn replicate_all(
    pool: &rayon::ThreadPool,
    alternatives: &[&Scenario],
    seed: u64,
    n: u32,
    target: Option<&Target>,
    opts: RunOptions,
    progress: &dyn Progress,
) -> Result<(Vec<Vec<ReplicationResult>>, Option<reports::Precision>), ExperimentError> {
    let mut runs: Vec<Vec<ReplicationResult>> = vec![Vec::new(); alternatives.len()];
    let (mut done, mut want) = (0, n);
    loop {
        progress.planned(alternatives.len() as u64 * (want - done) as u64);
        for (s, r) in alternatives.iter().zip(&mut runs) {
            progress.working_on(&s.name);
            r.extend(pool.install(|| sim::run_replications_with(s, seed, done..want, opts, &|| progress.step()))?);
        }
        done = want;
        let Some(t) = target else {
            progress.finish();
            return Ok((runs, None));
        };
        let i = kpi(&t.kpi, KpiRole::Precision)?;
        if runs.iter().any(|r| !stat(r, i).defined()) {
            progress.finish();
            return Err(ExperimentError::PrecisionUndefined { kpi: t.kpi.clone() });
        }
        let hw = match &runs[..] {
            [one] => stat(one, i).ci95_half_width.unwrap_or(f64::INFINITY),
            [base, rest @ ..] => rest
                .iter()
                .map(|r| match PairedDiff::of(&values(base, i), &values(r, i)) {
                    PairedDiff { ci95_low: Some(lo), ci95_high: Some(hi), .. } => (hi - lo) / 2.0,
                    _ => f64::INFINITY,
                })
                .fold(0.0, f64::max),
            [] => 0.0,
        };
        let reached = hw <= t.half_width;
        if reached || done >= t.max_replications {
            progress.finish();
            let precision = reports::Precision {
                kpi: t.kpi.clone(),
                target: t.half_width,
                max: t.max_replications,
                half_width: hw,
                reached,
            };
            return Ok((runs, Some(precision)));
        }
        // The half-width shrinks as 1/sqrt(n): aim for the total that reaches the target, at most
        // doubling at a time (an estimate from few replications is rough).
        let aim = (done as f64 * (hw / t.half_width).powi(2)).ceil().min(2.0 * done as f64);
        want = (aim as u32).clamp(done + 1, t.max_replications).max(2);
    }
}
