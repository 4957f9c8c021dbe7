//! Rule-based exception handling with named thresholds.
//!
//! Severity: an exception starts `low`; predicted lateness of `high_late_min` makes it `high`, of
//! `critical_late_min` `critical`; otherwise any lateness makes it `medium`; a priority order or
//! one worth at least `high_value` is one level higher (at most `critical`).
//! Triage: exceptions below `escalate_from` are resolved at once, the rest go to the dispatchers.
//! Action (automatic or the dispatcher's): an ETA at risk is notified to the customer (with
//! `resequence`, when it is at least `high_late_min` late, the vehicle's remaining stops are also
//! re-ordered by due time if that makes fewer of them late); an order on a broken-down vehicle
//! expected `reassign_late_min` late or more is reassigned to a rescue vehicle; an order
//! waiting at its site that would be late by more than `cancel_late_min` is cancelled; otherwise it
//! is tendered to the cheapest carrier with capacity within `premium_cost_cap` that can deliver by
//! the due time (or, failing that, at all) unless carriers rejected it `max_tenders` times, or else
//! left for the own fleet.

use serde::{Deserialize, Serialize};

use super::{Action, Approval, EtaCheck, ExceptionKind, ExceptionPolicy, ExceptionView, Severity, Triage};
use crate::geo::TravelModel;
use crate::params::{MIN_ETA_CHECK_MIN, Param, ParamError, Tunable, checked};
use crate::time::Duration;
use crate::view::CarrierView;

/// Parameters of [`RuleBased`]. Ranges: [`RuleBasedConfig::PARAMS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleBasedConfig {
    pub eta_risk_min: f64,
    pub eta_check_min: f64,
    pub high_late_min: f64,
    pub critical_late_min: f64,
    pub high_value: f64,
    /// Severity level from which exceptions are escalated: 0 low, 1 medium, 2 high, 3 critical, 4 none.
    pub escalate_from: u32,
    pub premium_cost_cap: f64,
    pub approval_above: f64,
    pub approval_delay_min: f64,
    pub cancel_late_min: f64,
    pub max_tenders: u32,
    pub resequence: bool,
    pub reassign_late_min: f64,
}

impl Default for RuleBasedConfig {
    fn default() -> Self {
        let d = |name| Self::PARAMS.iter().find(|p| p.name == name).expect("listed").default;
        RuleBasedConfig {
            eta_risk_min: d("eta_risk_min"),
            eta_check_min: d("eta_check_min"),
            high_late_min: d("high_late_min"),
            critical_late_min: d("critical_late_min"),
            high_value: d("high_value"),
            escalate_from: d("escalate_from") as u32,
            premium_cost_cap: d("premium_cost_cap"),
            approval_above: d("approval_above"),
            approval_delay_min: d("approval_delay_min"),
            cancel_late_min: d("cancel_late_min"),
            max_tenders: d("max_tenders") as u32,
            resequence: d("resequence") == 1.0,
            reassign_late_min: d("reassign_late_min"),
        }
    }
}

impl Tunable for RuleBasedConfig {
    const PARAMS: &'static [Param] = &[
        Param::real(
            "eta_risk_min",
            0.0,
            1440.0,
            30.0,
            "raise eta_risk when a stop is predicted this many minutes past its due time",
        ),
        Param::real("eta_check_min", MIN_ETA_CHECK_MIN, 1440.0, 10.0, "minutes between ETA checks"),
        Param::real("high_late_min", 0.0, 10_080.0, 60.0, "predicted lateness (minutes) that makes an exception high"),
        Param::real(
            "critical_late_min",
            0.0,
            10_080.0,
            180.0,
            "predicted lateness (minutes) that makes an exception critical",
        ),
        Param::real(
            "high_value",
            0.0,
            1e12,
            1000.0,
            "order value from which an exception is one severity level higher",
        ),
        Param::integer(
            "escalate_from",
            0.0,
            4.0,
            2.0,
            "severity from which exceptions go to the dispatchers: 0 low .. 3 critical, 4 never",
        ),
        Param::real("premium_cost_cap", 0.0, 1e9, 100.0, "most a premium tender may cost"),
        Param::real("approval_above", 0.0, 1e9, 60.0, "tenders above this price need an approval"),
        Param::real("approval_delay_min", 0.0, 1440.0, 20.0, "how long an approval takes, minutes"),
        Param::real(
            "cancel_late_min",
            0.0,
            100_000.0,
            720.0,
            "cancel an order waiting at its site that would be this many minutes late",
        ),
        Param::integer("max_tenders", 0.0, 100.0, 2.0, "stop tendering an order after this many rejections"),
        Param::boolean(
            "resequence",
            false,
            "on a high or critical ETA risk, re-order the vehicle's remaining stops by due time when that makes fewer stops late",
        ),
        Param::real(
            "reassign_late_min",
            0.0,
            100_000.0,
            60.0,
            "send a rescue vehicle for an order on a broken-down vehicle expected this many minutes late",
        ),
    ];

    fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "eta_risk_min" => self.eta_risk_min,
            "eta_check_min" => self.eta_check_min,
            "high_late_min" => self.high_late_min,
            "critical_late_min" => self.critical_late_min,
            "high_value" => self.high_value,
            "escalate_from" => self.escalate_from as f64,
            "premium_cost_cap" => self.premium_cost_cap,
            "approval_above" => self.approval_above,
            "approval_delay_min" => self.approval_delay_min,
            "cancel_late_min" => self.cancel_late_min,
            "max_tenders" => self.max_tenders as f64,
            "resequence" => self.resequence as u8 as f64,
            "reassign_late_min" => self.reassign_late_min,
            _ => return None,
        })
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        checked(Self::PARAMS, name, value)?;
        let field = match name {
            "eta_risk_min" => &mut self.eta_risk_min,
            "eta_check_min" => &mut self.eta_check_min,
            "high_late_min" => &mut self.high_late_min,
            "critical_late_min" => &mut self.critical_late_min,
            "high_value" => &mut self.high_value,
            "premium_cost_cap" => &mut self.premium_cost_cap,
            "approval_above" => &mut self.approval_above,
            "approval_delay_min" => &mut self.approval_delay_min,
            "cancel_late_min" => &mut self.cancel_late_min,
            "reassign_late_min" => &mut self.reassign_late_min,
            "max_tenders" => {
                self.max_tenders = value as u32;
                return Ok(());
            }
            "resequence" => {
                self.resequence = value == 1.0;
                return Ok(());
            }
            _ => {
                self.escalate_from = value as u32;
                return Ok(());
            }
        };
        *field = value;
        Ok(())
    }
}

pub struct RuleBased {
    pub(super) config: RuleBasedConfig,
}

impl RuleBased {
    pub fn new(config: RuleBasedConfig) -> Self {
        RuleBased { config }
    }

    /// The action the rules prescribe, whoever applies it.
    pub(super) fn action(&self, e: &ExceptionView, carriers: &[CarrierView]) -> Action {
        if e.kind == ExceptionKind::EtaRisk {
            // Severe enough to be worth changing the route, not just the customer's expectation.
            let severe = e.late_min >= self.config.high_late_min;
            return if self.config.resequence && severe { Action::Resequence } else { Action::Notify };
        }
        if e.stranded && e.late_min >= self.config.reassign_late_min {
            return Action::Reassign;
        }
        if !e.order_open {
            return Action::Notify;
        }
        if e.late_min > self.config.cancel_late_min {
            return Action::Cancel;
        }
        if e.rejected_tenders >= self.config.max_tenders {
            return Action::Wait;
        }
        let arrival =
            |c: &CarrierView| e.detected + c.pickup_lead + TravelModel::nominal_leg_floor(e.distance_km, c.speed_kmh);
        let able =
            carriers.iter().filter(|c| c.capacity_left_today > 0 && c.price_per_order <= self.config.premium_cost_cap);
        let cheapest = |cs: &mut dyn Iterator<Item = &CarrierView>| {
            cs.min_by(|a, b| a.price_per_order.total_cmp(&b.price_per_order).then(a.id.cmp(&b.id))).map(|c| c.id)
        };
        let in_time = cheapest(&mut able.clone().filter(|c| arrival(c) <= e.due));
        match in_time.or_else(|| cheapest(&mut able.clone())) {
            Some(carrier) => Action::Tender { carrier },
            None => Action::Wait,
        }
    }
}

impl ExceptionPolicy for RuleBased {
    fn eta_check(&self) -> EtaCheck {
        EtaCheck {
            every: Duration::from_min(self.config.eta_check_min).max(Duration(1)),
            risk_after: Duration::from_min(self.config.eta_risk_min),
        }
    }

    fn classify(&self, e: &ExceptionView) -> Severity {
        let c = &self.config;
        let mut level = if e.late_min >= c.critical_late_min {
            3
        } else if e.late_min >= c.high_late_min {
            2
        } else if e.late_min > 0.0 {
            1
        } else {
            0
        };
        if e.priority > 0 || e.value >= c.high_value {
            level += 1;
        }
        [Severity::Low, Severity::Medium, Severity::High, Severity::Critical][level.min(3)]
    }

    fn triage(&mut self, e: &ExceptionView, severity: Severity, carriers: &[CarrierView]) -> Triage {
        if severity as u32 >= self.config.escalate_from {
            Triage::Escalate
        } else {
            Triage::Auto(self.action(e, carriers))
        }
    }

    fn resolve(&mut self, e: &ExceptionView, _severity: Severity, carriers: &[CarrierView]) -> Action {
        self.action(e, carriers)
    }

    fn approval(&self) -> Approval {
        Approval { above_price: self.config.approval_above, delay: Duration::from_min(self.config.approval_delay_min) }
    }
}
