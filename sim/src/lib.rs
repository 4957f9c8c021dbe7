#![doc = include_str!("../README.md")]

pub mod dist;
pub mod domain;
pub mod engine;
pub mod eventlog;
pub mod invariants;
pub mod kernel;
pub mod kpi;
pub mod live;
pub mod policy;
pub mod process;
pub mod reach;
pub mod replicate;
pub mod scenario;
pub mod solomon;
pub mod timeline;
pub mod world;

// The kernel's modules at the crate root too, where the crate's users name them.
pub use kernel::{calendar, hash, log, rng, runaway};

pub use engine::{Engine, Event, ReplicationResult, RunError, RunOptions};
pub use kpi::{Better, Group, HEADLINE, KPIS, KpiDef, KpiId, Kpis, Unit, kpi_def};
pub use live::{Level, LiveState};
pub use policy::{PolicyChoice, PolicyError, RunPolicy};
pub use replicate::{run_replication, run_replications, run_replications_with};
pub use scenario::{Scenario, ScenarioError};
