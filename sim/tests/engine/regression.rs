//! One test per bug found, named after what went wrong.

use policies::{Duration, Instant};
use sim::Engine;
use sim::log::{LogSink, Record};

use crate::fixture::{Derived, TINY};

struct Decisions(Vec<(Instant, u32, u32)>);

impl LogSink for Decisions {
    fn record(&mut self, t: Instant, record: &Record) {
        if let Record::Decision { open_orders, routes } = record {
            self.0.push((t, *open_orders, *routes));
        }
    }
}

/// Orders created at the same instant used to reach the policy one by one: the event-triggered
/// epoch fired between them, so a plan of the day was cut into single-stop routes.
#[test]
fn a_decision_epoch_sees_everything_that_happened_at_its_instant() {
    let csv = "id,site,created,due,size,x,y,service_min\na,depot,06:00,12:00,1,1,1,5\nb,depot,06:00,12:00,1,1,2,5\nc,depot,06:00,12:00,1,2,1,5\n";
    // The inline [orders] replaces tiny's whole: replayed orders only.
    let overlay = "orders = { csv = \"orders.csv\" }\n\n[policy]\nepoch_min = 1440\non_events = true\nmin_fill = 0\n";
    let overlay = Derived::overlay(TINY, overlay);
    std::fs::write(overlay.dir().join("orders.csv"), csv).unwrap();
    let scenario = overlay.scenario();
    let mut decisions = Decisions(Vec::new());
    Engine::new(&scenario, 1, 0, vec![&mut decisions]).run().unwrap();
    let at_six: Vec<_> = decisions.0.iter().filter(|(t, _, _)| *t == Instant::at(Duration::from_hours(6.0))).collect();
    assert_eq!(at_six, [&(Instant::at(Duration::from_hours(6.0)), 3, 1)], "{:?}", decisions.0);
}
