//! Every exception goes to the dispatchers, who apply the rule-based actions: the manual baseline
//! against which automation is measured.

use super::rule_based::{RuleBased, RuleBasedConfig};
use super::{Action, Approval, EtaCheck, ExceptionPolicy, ExceptionView, Severity, Triage};
use crate::view::CarrierView;

pub struct AlwaysEscalate(RuleBased);

impl AlwaysEscalate {
    pub fn new(config: RuleBasedConfig) -> Self {
        AlwaysEscalate(RuleBased::new(config))
    }
}

impl ExceptionPolicy for AlwaysEscalate {
    fn eta_check(&self) -> EtaCheck {
        self.0.eta_check()
    }
    fn classify(&self, e: &ExceptionView) -> Severity {
        self.0.classify(e)
    }
    fn triage(&mut self, _: &ExceptionView, _: Severity, _: &[CarrierView]) -> Triage {
        Triage::Escalate
    }
    fn resolve(&mut self, e: &ExceptionView, _: Severity, carriers: &[CarrierView]) -> Action {
        self.0.action(e, carriers)
    }
    fn approval(&self) -> Approval {
        self.0.approval()
    }
}
