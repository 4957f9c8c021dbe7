//! The exception workflow: detection, classification, triage, the dispatcher team, actions.

use policies::Instant;
use sim::log::{LogSink, Record};
use sim::{Engine, Scenario, run_replication};

use crate::fixture::{Derived, FEWER_DRIVERS, OVERFLOW, TINY, tiny};

fn mean(s: &Scenario, kpi: &str) -> f64 {
    (0..6).map(|seed| run_replication(s, seed, 0, true).unwrap().kpis.get(kpi).unwrap()).sum::<f64>() / 6.0
}

#[test]
fn failed_deliveries_ride_back_raise_exceptions_and_are_delivered_later() {
    let s = tiny("[orders]\nfailed_delivery_prob = 0.1\n");
    let failed = mean(&s, "deliveries_failed");
    assert!(failed > 3.0, "{failed}");
    assert_eq!(mean(&s, "exceptions_failed_delivery"), failed, "one exception per failed attempt");
    // Invariants hold (every order still accounted for), and most failed orders come back out.
    let none = tiny("[orders]\nfailed_delivery_prob = 0.0\n");
    assert!(mean(&s, "orders_delivered") > mean(&none, "orders_delivered") - failed);
    assert_eq!(mean(&none, "exceptions_failed_delivery"), 0.0);
}

#[test]
fn always_escalate_is_all_manual_and_a_small_team_makes_exceptions_wait() {
    let failing = "[orders]\nfailed_delivery_prob = 0.15\n";
    let team =
        "[dispatchers]\ncount = 1\nhours = [\"08:00\", \"16:00\"]\nhandling_min = { dist = \"fixed\", value = 20 }\n";
    let rules = tiny(&format!("{failing}\n[exceptions]\nkind = \"rule_based\"\nescalate_from = 3\n\n{team}"));
    let manual = tiny(&format!("{failing}\n[exceptions]\nkind = \"always_escalate\"\n\n{team}"));
    let (auto_touches, manual_touches) =
        (mean(&rules, "manual_touches_per_order"), mean(&manual, "manual_touches_per_order"));
    assert!(manual_touches > auto_touches, "{manual_touches} vs {auto_touches}");
    assert_eq!(mean(&manual, "exceptions_escalated"), mean(&manual, "exceptions"));
    assert!(mean(&manual, "exception_resolve_min_mean") > mean(&rules, "exception_resolve_min_mean"));
    // One dispatcher on a day shift, 20 minutes each: some exceptions are still waiting at the end.
    assert!(mean(&manual, "exceptions_open_end") > 0.0);
    assert!(mean(&manual, "exception_open_age_min_mean") > 0.0);
}

/// Approvals requested, and tenders answered.
struct Count(usize, usize);
impl LogSink for Count {
    fn record(&mut self, _: Instant, r: &Record) {
        match r {
            Record::ApprovalRequested { .. } => self.0 += 1,
            Record::TenderAccepted { .. } | Record::TenderRejected { .. } => self.1 += 1,
            _ => {}
        }
    }
}

#[test]
fn rejected_tenders_are_retried_through_an_approval_above_the_threshold() {
    // Short of drivers, carrier_overflow tenders urgent orders; tiny's carrier (45 per order) now
    // rejects most. Each rejection is an exception; the rules tender again, and above a 40
    // threshold that tender first waits 30 minutes for an approval.
    let carrier = "[[carrier]]\nname = \"local-courier\"\ndaily_capacity = 10\nacceptance = 0.3\npickup_lead_min = 60\nprice_per_order = 45\n";
    let rules =
        "[exceptions]\nkind = \"rule_based\"\nescalate_from = 4\napproval_above = 40\napproval_delay_min = 30\n";
    let s = tiny(&[FEWER_DRIVERS, carrier, OVERFLOW, rules].join("\n"));
    let (mut approvals, mut rejected) = (0, 0.0);
    for seed in 0..6 {
        let mut count = Count(0, 0);
        Engine::new(&s, seed, 0, vec![&mut count]).run().unwrap();
        approvals += count.0;
        rejected += run_replication(&s, seed, 0, true).unwrap().kpis.get("exceptions_tender_rejected").unwrap();
    }
    assert!(rejected > 0.0 && approvals > 0, "rejections {rejected}, approvals {approvals}");
}

#[test]
fn exception_policy_errors_name_the_field() {
    let overlay = Derived::overlay(TINY, "[exceptions]\nkind = \"rule_based\"\neta_check_min = 0\n");
    let err = overlay.error().to_string();
    let line = overlay.text().lines().count();
    assert!(
        err.contains(&format!("overlay.toml:{line}:1: exceptions.eta_check_min: eta_check_min must be in [1, 1440]")),
        "{err}"
    );
}

#[test]
fn resequencing_reorders_routes_on_the_road_only_when_asked() {
    // Three drivers on the early shift instead of five.
    let short = "[[drivers]]\nsite = \"depot\"\ncount = 3\nshift = [\"05:30\", \"14:00\"]\novertime_max_min = 90\n\n[[drivers]]\nsite = \"depot\"\ncount = 5\nshift = [\"13:00\", \"21:30\"]\novertime_max_min = 90\n";
    let off = tiny(&format!("{short}\n[exceptions]\nkind = \"rule_based\"\nhigh_late_min = 20\n"));
    let on = tiny(&format!("{short}\n[exceptions]\nkind = \"rule_based\"\nhigh_late_min = 20\nresequence = true\n"));
    assert_eq!(mean(&off, "routes_resequenced"), 0.0);
    assert!(mean(&on, "routes_resequenced") > 0.0);
    // `mean` runs with the invariant checks: re-ordered routes still deliver every order once.
    assert!(mean(&on, "exceptions_eta_risk") > 0.0);
}
