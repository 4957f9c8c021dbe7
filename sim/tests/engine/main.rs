//! Integration tests of the engine, one module per behaviour.

mod determinism;
mod disruptions;
mod exceptions;
mod fixture;
mod golden;
mod invariants;
mod kpis;
mod overlays;
mod process;
mod queueing;
mod reach;
mod regression;
mod replay;
mod scenario_errors;
mod shipped;
mod solomon;
mod timeline;

use std::path::{Path, PathBuf};

use sim::Scenario;

/// A path under the repository root (tests run with the crate folder as working directory).
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

pub fn load(path: &str) -> Scenario {
    Scenario::load(&repo(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// The scenario at `path` with the policy of the policy file `policy`.
pub fn with_policy(path: &str, policy: &Path) -> Scenario {
    let mut scenario = load(path);
    scenario.use_policy_file(policy).unwrap_or_else(|e| panic!("{e}"));
    scenario
}
