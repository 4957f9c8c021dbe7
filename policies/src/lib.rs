#![doc = include_str!("../README.md")]

pub mod carrier_overflow;
pub mod exceptions;
pub mod geo;
pub mod greedy;
pub mod improve;
mod nearest;
pub mod params;
pub mod plan;
pub mod plan_replay;
pub mod single;
pub mod time;
pub mod view;

pub use carrier_overflow::{CarrierOverflow, CarrierOverflowConfig};
pub use exceptions::{
    Action, Approval, EtaCheck, ExceptionKind, ExceptionPolicy, ExceptionPolicyConfig, ExceptionView, Severity, Triage,
};
pub use geo::{Metric, Point, TravelModel};
pub use greedy::{GreedyEdd, GreedyEddConfig};
pub use params::{Param, ParamError, ParamKind, Tunable};
pub use plan_replay::{Plan, PlanError, PlanReplay, PlanReplayConfig, PlannedRoute};
pub use single::{Sequence, SingleOrder, SingleOrderConfig};
pub use time::{DailyWindow, Duration, Instant, MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN};
pub use view::*;

use serde::{Deserialize, Serialize};

/// Decides which vehicle and driver take which open orders, in which sequence.
///
/// A policy is a function of the request (and its own configuration); it keeps no clock and
/// draws no randomness of its own, and it always decides.
pub trait AllocationPolicy: Send {
    /// When the caller should call [`AllocationPolicy::allocate`].
    fn epochs(&self) -> Epochs;
    fn allocate(&mut self, request: &AllocationRequest) -> Decision;
}

/// Built-in policies, chosen by `kind` (`{"kind": "greedy_edd", "min_fill": 0.6}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicyConfig {
    NearestVehicle(SingleOrderConfig),
    EarliestDue(SingleOrderConfig),
    GreedyEdd(GreedyEddConfig),
    CarrierOverflow(CarrierOverflowConfig),
    PlanReplay(PlanReplayConfig),
}

/// A policy as a catalogue lists it (`dtwin policies`).
#[derive(Clone, Copy, Debug)]
pub struct PolicyInfo {
    /// The `kind` that selects it.
    pub kind: &'static str,
    pub summary: &'static str,
    /// Tunable parameters.
    pub params: &'static [Param],
    /// Settings that are not tunable numbers, as `(name, what it takes, meaning)`.
    pub settings: &'static [(&'static str, &'static str, &'static str)],
}

/// Every built-in policy.
pub const CATALOG: &[PolicyInfo] = &[
    PolicyInfo {
        kind: "nearest_vehicle",
        summary: "first come first served: each ready order alone on a free vehicle of its site",
        params: SingleOrderConfig::PARAMS,
        settings: &[],
    },
    PolicyInfo {
        kind: "earliest_due",
        summary: "earliest due date first: each order alone on a free vehicle of its site, most urgent first",
        params: SingleOrderConfig::PARAMS,
        settings: &[],
    },
    PolicyInfo {
        kind: "greedy_edd",
        summary: "earliest due date first; greedy multi-stop routes by cheapest feasible insertion, held back until full or urgent",
        params: GreedyEddConfig::PARAMS,
        settings: &[],
    },
    PolicyInfo {
        kind: "carrier_overflow",
        summary: "greedy_edd for the own fleet; orders it cannot take in time tendered to the cheapest able carrier within a price cap",
        params: CarrierOverflowConfig::PARAMS,
        settings: &[(
            "greedy",
            "table",
            "a nested greedy_edd configuration for the own fleet; its parameters are named greedy.NAME",
        )],
    },
    PolicyInfo {
        kind: "plan_replay",
        summary: "execute a fixed plan of routes (the production plan of the day, or a published solution)",
        params: &[],
        settings: &[(
            "plan",
            "table",
            "the routes to execute: {\"routes\": [{\"stops\": [...]}]}, each stop an order's reference, or its id when it has none",
        )],
    },
];

/// Every built-in exception policy, chosen by `kind` ([`ExceptionPolicyConfig`]).
pub const EXCEPTION_CATALOG: &[PolicyInfo] = &[
    PolicyInfo {
        kind: "rule_based",
        summary: "classify by predicted lateness, priority and value; resolve below `escalate_from` at once, escalate the rest",
        params: exceptions::RuleBasedConfig::PARAMS,
        settings: &[],
    },
    PolicyInfo {
        kind: "always_escalate",
        summary: "every exception to the dispatchers, who apply the rule-based actions: the manual baseline",
        params: exceptions::RuleBasedConfig::PARAMS,
        settings: &[],
    },
];

/// Why a built-in policy's configuration is refused: a parameter out of its range, or a plan
/// that cannot be replayed. Fix what the message names.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    Param(ParamError),
    Plan(PlanError),
}

impl ConfigError {
    /// The parameter the error is about, if it is about one ([`ParamError::param`]).
    pub fn param(&self) -> Option<&str> {
        match self {
            ConfigError::Param(e) => e.param(),
            ConfigError::Plan(_) => None,
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Param(e) => e.fmt(f),
            ConfigError::Plan(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<ParamError> for ConfigError {
    fn from(e: ParamError) -> Self {
        ConfigError::Param(e)
    }
}

impl From<PlanError> for ConfigError {
    fn from(e: PlanError) -> Self {
        ConfigError::Plan(e)
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::GreedyEdd(GreedyEddConfig::default())
    }
}

impl PolicyConfig {
    /// Checks every parameter's range (and a plan's routes); the error names the parameter.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            PolicyConfig::NearestVehicle(c) | PolicyConfig::EarliestDue(c) => c.validate()?,
            PolicyConfig::GreedyEdd(c) => c.validate()?,
            PolicyConfig::CarrierOverflow(c) => c.validate()?,
            PolicyConfig::PlanReplay(c) => c.plan.validate()?,
        }
        Ok(())
    }

    /// Sets a named parameter (checked against its range), as sweeps do.
    pub fn set_param(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        match self {
            PolicyConfig::NearestVehicle(c) | PolicyConfig::EarliestDue(c) => c.set(name, value),
            PolicyConfig::GreedyEdd(c) => c.set(name, value),
            PolicyConfig::CarrierOverflow(c) => c.set(name, value),
            PolicyConfig::PlanReplay(_) => {
                Err(ParamError::NotSettable { policy: "plan_replay", name: name.to_string() })
            }
        }
    }

    /// The policy, ready to decide.
    pub fn build(&self) -> Box<dyn AllocationPolicy> {
        match self {
            PolicyConfig::NearestVehicle(c) => Box::new(SingleOrder::new(c.clone(), Sequence::Ready)),
            PolicyConfig::EarliestDue(c) => Box::new(SingleOrder::new(c.clone(), Sequence::Due)),
            PolicyConfig::GreedyEdd(c) => Box::new(GreedyEdd::new(c.clone())),
            PolicyConfig::CarrierOverflow(c) => Box::new(CarrierOverflow::new(c.clone())),
            PolicyConfig::PlanReplay(c) => Box::new(PlanReplay::new(c.clone())),
        }
    }
}
