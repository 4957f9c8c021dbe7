#![doc = include_str!("../README.md")]

mod error;
pub mod gate;
mod matrix;
mod progress;
mod replicate;
mod run;
pub mod summary;
pub mod tune;

pub use error::{ExperimentError, KpiRole};
pub use gate::{GateResult, GateSpec, gate};
pub use matrix::{
    CompareSpec, MatrixResult, MatrixSpec, check_compare, compare, compared_kpis, policy_names, same_warmup,
    shown_kpis, stress,
};
pub use progress::Progress;
pub use replicate::{Paired, Replicated, Target, replicate};
pub use run::{RunResult, RunSpec, run, write_event_log};
pub use summary::Alternative;

use sim::{KPIS, ReplicationResult};

/// The index of KPI `name` in `sim::KPIS`.
pub fn kpi_index(name: &str) -> Option<usize> {
    KPIS.iter().position(|d| d.name == name)
}

/// Values of KPI `index`, one per replication.
pub fn values(results: &[ReplicationResult], index: usize) -> Vec<f64> {
    results.iter().map(|r| r.kpis.0[index]).collect()
}

/// Statistics of KPI `index` over the replications.
pub fn stat(results: &[ReplicationResult], index: usize) -> reports::Stat {
    reports::Stat::of(&values(results, index))
}

/// What the tests share: the tiny scenario, and a [`Progress`] that counts.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::{AtomicU64, Ordering};

    /// `scenarios/tiny.toml`: one depot, six vans, about 150 orders a day.
    pub fn tiny() -> sim::Scenario {
        sim::Scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/tiny.toml")).unwrap()
    }

    /// Counts what it is told.
    #[derive(Default)]
    pub struct Counted {
        pub planned: AtomicU64,
        pub steps: AtomicU64,
        pub finished: AtomicU64,
    }

    impl crate::Progress for Counted {
        fn planned(&self, steps: u64) {
            self.planned.fetch_add(steps, Ordering::Relaxed);
        }
        fn step(&self) {
            self.steps.fetch_add(1, Ordering::Relaxed);
        }
        fn finish(&self) {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
    }

    impl Counted {
        /// (planned, steps, finished).
        pub fn counts(&self) -> (u64, u64, u64) {
            let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
            (get(&self.planned), get(&self.steps), get(&self.finished))
        }
    }
}
