//! Exception handling: what a dispatch team does when something goes wrong with an order.
//!
//! The caller detects an exception (an ETA at risk, a tender rejected, a failed delivery, a route
//! given up at the doors) and asks the [`ExceptionPolicy`] to classify it and either resolve it at
//! once with an [`Action`] (auto-resolution) or escalate it to the dispatcher team, which works
//! through escalated exceptions in severity order and asks the policy what to do when it takes
//! one.

mod always_escalate;
mod rule_based;

pub use always_escalate::AlwaysEscalate;
pub use rule_based::{RuleBased, RuleBasedConfig};

use serde::{Deserialize, Serialize};

use crate::time::{Duration, Instant};
use crate::view::{CarrierId, CarrierView, OrderId, SiteId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The predicted arrival is past the due time by more than the policy's threshold.
    EtaRisk,
    /// A carrier rejected a tender.
    TenderRejected,
    /// The customer could not take the delivery; the order rides back to its site.
    FailedDelivery,
    /// A route was given up at the doors: the driver would have run out of hours.
    MissedDockSlot,
    /// The vehicle carrying the order broke down on the road.
    Breakdown,
    /// The order was found not ready at the dock when the order system said it was.
    NotReady,
}

impl ExceptionKind {
    pub const ALL: [ExceptionKind; 6] = [
        ExceptionKind::EtaRisk,
        ExceptionKind::TenderRejected,
        ExceptionKind::FailedDelivery,
        ExceptionKind::MissedDockSlot,
        ExceptionKind::Breakdown,
        ExceptionKind::NotReady,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// An exception as the policy sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionView {
    pub id: u64,
    pub kind: ExceptionKind,
    pub detected: Instant,
    pub order: OrderId,
    pub site: SiteId,
    pub due: Instant,
    pub priority: u8,
    pub value: f64,
    /// Expected lateness if nothing is done, in minutes (0 when on time).
    pub late_min: f64,
    /// Whether the order waits at its site (and so can be tendered or cancelled).
    pub order_open: bool,
    /// Whether the order is on a vehicle standing broken down, past the stop it was driving to
    /// (and so can be reassigned).
    pub stranded: bool,
    /// Direct distance from the site to the customer, for carrier choices.
    pub distance_km: f64,
    /// Tenders of this order carriers have rejected so far.
    pub rejected_tenders: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Nothing to do: the plan absorbs it.
    Wait,
    /// Tell the customer the new ETA.
    Notify,
    /// Re-order the stops still ahead of the order's vehicle by due time, if that makes fewer
    /// stops late (or as many, less late), and tell the customer the new ETA (orders on a vehicle).
    Resequence,
    /// Move the order to another vehicle: a rescue vehicle drives out from a site to the vehicle
    /// carrying it, takes the goods over and delivers them (orders on a broken-down vehicle only).
    Reassign,
    /// Send the order as premium freight (open orders only).
    Tender { carrier: CarrierId },
    /// Cancel the order (open orders only).
    Cancel,
}

/// Auto-resolve with an action, or hand to the dispatcher team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Triage {
    Auto(Action),
    Escalate,
}

/// When the caller looks for ETAs at risk ([`ExceptionPolicy::eta_check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EtaCheck {
    /// Time between two checks of every trip's predicted arrivals.
    pub every: Duration,
    /// A stop predicted later than its due time by more than this raises `eta_risk`.
    pub risk_after: Duration,
}

/// Which tenders need an approval ([`ExceptionPolicy::approval`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Approval {
    /// Tenders priced above this wait for an approval before they are sent.
    pub above_price: f64,
    /// How long an approval takes.
    pub delay: Duration,
}

pub trait ExceptionPolicy: Send {
    /// How often ETAs are checked, and how late a predicted arrival must be to raise `eta_risk`.
    fn eta_check(&self) -> EtaCheck;
    fn classify(&self, exception: &ExceptionView) -> Severity;
    fn triage(&mut self, exception: &ExceptionView, severity: Severity, carriers: &[CarrierView]) -> Triage;
    /// What a dispatcher does on taking an escalated exception.
    fn resolve(&mut self, exception: &ExceptionView, severity: Severity, carriers: &[CarrierView]) -> Action;
    /// Which tenders wait for an approval before they are sent, and how long.
    fn approval(&self) -> Approval;
}

/// Exception policies, chosen by `kind` (`{"kind": "rule_based", "escalate_from": 3}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExceptionPolicyConfig {
    RuleBased(RuleBasedConfig),
    /// Every exception to the dispatchers, who then apply the rule-based actions: the manual baseline.
    AlwaysEscalate(RuleBasedConfig),
}

impl Default for ExceptionPolicyConfig {
    fn default() -> Self {
        ExceptionPolicyConfig::RuleBased(RuleBasedConfig::default())
    }
}

impl ExceptionPolicyConfig {
    /// Checks every parameter's range; the error names the parameter.
    pub fn validate(&self) -> Result<(), crate::ParamError> {
        use crate::params::Tunable;
        match self {
            ExceptionPolicyConfig::RuleBased(c) | ExceptionPolicyConfig::AlwaysEscalate(c) => c.validate(),
        }
    }

    pub fn build(&self) -> Box<dyn ExceptionPolicy> {
        match self {
            ExceptionPolicyConfig::RuleBased(c) => Box::new(RuleBased::new(c.clone())),
            ExceptionPolicyConfig::AlwaysEscalate(c) => Box::new(AlwaysEscalate::new(c.clone())),
        }
    }
}
