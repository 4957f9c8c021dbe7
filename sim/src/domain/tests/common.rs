//! What the domains' unit tests share: tiny.toml and variations of it, a clock that fires only
//! the events of the domain under test, and a look at the log. Included by each test module
//! (`#[path = "common.rs"] mod common;`), so each uses only some of it.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use policies::{Duration, Instant};

use crate::kernel::log::{LogSink, Record};
use crate::scenario::Scenario;
use crate::world::{Event, Sim};

/// tiny.toml (unit tests run in sim/).
pub fn tiny() -> Scenario {
    Scenario::load(Path::new("../scenarios/tiny.toml")).unwrap()
}

/// tiny.toml with `overlay` on top: the text of a scenario that `extends` it, minus that line.
/// Read as if it were a file beside tiny.toml; nothing is written.
pub fn tiny_with(overlay: &str) -> Scenario {
    let text = format!("extends = \"tiny.toml\"\n{overlay}");
    Scenario::from_str(Path::new("../scenarios/unit-test.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// An event no scenario here schedules (their policies answer at once): where [`advance`] stops.
const MARKER: Event = Event::ApplyDecision { id: u64::MAX };

/// Fires the events due up to and including `t` through `handle` (which drops those of the
/// domains not under test), and leaves the clock at `t`.
pub fn advance(sim: &mut Sim, t: Instant, mut handle: impl FnMut(&mut Sim, Event)) {
    sim.cal.schedule(t, MARKER);
    while let Some((_, event)) = sim.cal.pop() {
        if event == MARKER {
            return;
        }
        handle(sim, event);
    }
}

/// The records the world logs from now on. The world's sinks must outlive it, so this one is
/// leaked: a few bytes a test.
pub fn records(sim: &mut Sim) -> Rc<RefCell<Vec<Record>>> {
    struct Sink(Rc<RefCell<Vec<Record>>>);
    impl LogSink for Sink {
        fn record(&mut self, _: Instant, record: &Record) {
            self.0.borrow_mut().push(record.clone());
        }
    }
    let records = Rc::new(RefCell::new(Vec::new()));
    sim.log.extra.push(Box::leak(Box::new(Sink(Rc::clone(&records)))));
    records
}

pub fn min(m: f64) -> Duration {
    Duration::from_min(m)
}

pub fn hours(h: f64) -> Duration {
    Duration::from_hours(h)
}

/// The clock `h` hours after the start of the horizon.
pub fn at_h(h: f64) -> Instant {
    Instant::at(hours(h))
}
