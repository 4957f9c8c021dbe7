#![doc = include_str!("../README.md")]

pub mod calendar;
pub mod dist;
pub mod domain;
pub mod engine;
pub mod hash;
pub mod invariants;
pub mod kpi;
pub mod log;
pub mod policy;
pub mod process;
pub mod reach;
pub mod replicate;
pub mod rng;
pub mod runaway;
pub mod scenario;
pub mod solomon;
pub mod timeline;

pub use engine::{Engine, Event, Halt, ReplicationResult};
pub use kpi::{Better, KPIS, KpiDef, Kpis, kpi_def};
pub use policy::{PolicyChoice, RunPolicy};
pub use replicate::{RunError, RunOptions, run_replication, run_replications, run_replications_with};
pub use scenario::{Scenario, ScenarioError};
