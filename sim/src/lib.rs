#![doc = include_str!("../README.md")]

pub mod calendar;
pub mod dist;
pub mod domain;
pub mod engine;
pub mod hash;
pub mod invariants;
pub mod kpi;
pub mod live;
pub mod log;
pub mod process;
pub mod reach;
pub mod replicate;
pub mod rng;
pub mod runaway;
pub mod scenario;
pub mod solomon;
pub mod timeline;

pub use engine::{Engine, Event, Halt, ReplicationResult};
pub use kpi::{Better, Group, HEADLINE, KPIS, KpiDef, KpiId, Kpis, Unit, kpi_def};
pub use live::{Level, LiveState};
pub use replicate::{RunError, RunOptions, run_replication, run_replications, run_replications_with};
pub use scenario::{Scenario, ScenarioError};
