#![doc = include_str!("../README.md")]

pub mod geo;
pub mod greedy;
pub mod plan;
pub mod plan_replay;
pub mod time;
pub mod view;

pub use geo::{Metric, Point, TravelModel};
pub use greedy::{GreedyEdd, GreedyEddConfig};
pub use plan_replay::{Plan, PlanReplay, PlanReplayConfig, PlannedRoute};
pub use time::{DailyWindow, MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, TimeMs};
pub use view::*;

use serde::{Deserialize, Serialize};

/// Decides which vehicle and driver take which open orders, in which sequence.
///
/// A policy is a function of the request (and its own configuration); it keeps no clock and
/// draws no randomness of its own.
pub trait AllocationPolicy: Send {
    /// When the engine should call [`AllocationPolicy::allocate`].
    fn epochs(&self) -> Epochs;
    fn allocate(&mut self, request: &AllocationRequest) -> Decision;
}

/// Built-in policies, chosen in a scenario's `[policy]` table by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicyConfig {
    GreedyEdd(GreedyEddConfig),
    PlanReplay(PlanReplayConfig),
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::GreedyEdd(GreedyEddConfig::default())
    }
}

impl PolicyConfig {
    /// Checks every parameter's range; the message names the parameter.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            PolicyConfig::GreedyEdd(c) => c.validate(),
            PolicyConfig::PlanReplay(c) => c.plan.validate(),
        }
    }

    pub fn build(&self) -> Box<dyn AllocationPolicy> {
        match self {
            PolicyConfig::GreedyEdd(c) => Box::new(GreedyEdd::new(c.clone())),
            PolicyConfig::PlanReplay(c) => Box::new(PlanReplay::new(c.plan.clone())),
        }
    }
}
