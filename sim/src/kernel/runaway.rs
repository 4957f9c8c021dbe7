//! The engine refuses to run away: a replication in which time stops moving on — decision epochs
//! that keep triggering each other at one instant, or a storm of events at one millisecond — is
//! stopped with an error that names the replication, the time and the records that repeat,
//! instead of spinning (and growing) until the machine gives out.
//!
//! Legitimate instants are far below the bounds: event-triggered epochs at one instant are
//! coalesced into one, so a few epochs at the same millisecond is already unusual, and the busiest
//! instants (every shift of a large network starting at 06:00, a CSV with all orders at midnight)
//! hold a few events per entity.

use policies::Instant;

use crate::kernel::log::Record;

/// Decision epochs at one instant beyond which the replication is stopped.
pub const MAX_DECISIONS_AT_ONE_INSTANT: u32 = 1_000;
/// Events at one instant beyond which the replication is stopped.
pub const MAX_EVENTS_AT_ONE_INSTANT: u64 = 20_000_000;
/// Records kept for the error message once the guard trips: enough to show a cycle.
const TRACE_RECORDS: usize = 16;

/// Counts what happens at the current instant.
#[derive(Debug, Default)]
pub(crate) struct Guard {
    instant: Instant,
    events: u64,
    decisions: u32,
    /// Why the guard tripped, while it gathers the records that repeat.
    tripped: Option<Overrun>,
    /// The records logged since it tripped.
    trace: Vec<(Instant, Record)>,
}

impl Guard {
    /// Counts an event about to be handled at `t` (`decision`: it is a decision epoch).
    #[inline]
    pub fn observe(&mut self, t: Instant, decision: bool) {
        if t != self.instant {
            (self.instant, self.events, self.decisions) = (t, 0, 0);
        }
        self.events += 1;
        self.decisions += decision as u32;
        if self.tripped.is_none()
            && (self.decisions > MAX_DECISIONS_AT_ONE_INSTANT || self.events > MAX_EVENTS_AT_ONE_INSTANT)
        {
            self.tripped = Some(if self.events > MAX_EVENTS_AT_ONE_INSTANT {
                Overrun::Events
            } else {
                Overrun::Decisions { events: self.events }
            });
        }
    }

    /// Whether the records should be traced (the guard has tripped).
    #[inline]
    pub fn tracing(&self) -> bool {
        self.tripped.is_some()
    }

    pub fn trace(&mut self, t: Instant, record: &Record) {
        if self.trace.len() < TRACE_RECORDS {
            self.trace.push((t, record.clone()));
        }
    }

    /// The error, once enough of the repeating records have been gathered (or time moved on).
    pub fn verdict(&self, replication: u32, seed: u64, next: Option<Instant>) -> Option<Runaway> {
        let why = self.tripped?;
        if self.trace.len() < TRACE_RECORDS && next == Some(self.instant) {
            return None;
        }
        let records: Vec<String> = self
            .trace
            .iter()
            .map(|(t, r)| {
                let json = serde_json::to_value(r).map(|v| v.to_string()).unwrap_or_else(|_| format!("{r:?}"));
                format!("t = {} ms: {json}", t.0)
            })
            .collect();
        Some(Runaway { replication, seed, at: self.instant, why, records })
    }
}

/// What a replication did too much of at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Overrun {
    /// More than [`MAX_DECISIONS_AT_ONE_INSTANT`] decision epochs (among `events` events).
    #[error(
        "more than {MAX_DECISIONS_AT_ONE_INSTANT} decision epochs at this one instant ({events} events): \
         each decision triggers the next and time does not move on"
    )]
    Decisions { events: u64 },
    /// More than [`MAX_EVENTS_AT_ONE_INSTANT`] events.
    #[error("more than {MAX_EVENTS_AT_ONE_INSTANT} events at this one instant")]
    Events,
}

/// A replication in which time stopped moving on, stopped: a bug in the engine or the policy,
/// to report with the scenario, seed and replication it names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "replication {replication} (seed {seed}) ran away at {}.{:03} (t = {} ms): {why}; stopped. \
     This is a bug in the engine or the policy: please report it with the scenario, seed and \
     replication. The records that repeat:\n  {}",
    crate::process::clock(*at),
    at.0 % 1000,
    at.0,
    records.join("\n  ")
)]
#[non_exhaustive]
pub struct Runaway {
    pub replication: u32,
    pub seed: u64,
    /// The instant time stopped at.
    pub at: Instant,
    /// What tripped the guard.
    pub why: Overrun,
    /// The records logged after it tripped, `t = MS ms: JSON` each.
    pub records: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_on_decisions_at_one_instant_and_names_them() {
        let mut guard = Guard::default();
        let t = Instant(47_678_494);
        for _ in 0..=MAX_DECISIONS_AT_ONE_INSTANT {
            assert!(!guard.tracing());
            guard.observe(t, true);
            guard.observe(t, false);
        }
        assert!(guard.tracing());
        assert_eq!(guard.verdict(1, 5, Some(t)), None, "still gathering the repeating records");
        for _ in 0..TRACE_RECORDS {
            guard.trace(t, &Record::Decision { open_orders: 3, routes: 1 });
        }
        let runaway = guard.verdict(1, 5, Some(t)).expect("tripped");
        assert_eq!((runaway.replication, runaway.seed, runaway.at, runaway.records.len()), (1, 5, t, TRACE_RECORDS));
        let message = runaway.to_string();
        assert!(message.starts_with("replication 1 (seed 5) ran away at 13:14:38.494 (t = 47678494 ms)"), "{message}");
        assert!(message.contains("decision epochs") && message.contains(r#""kind":"decision""#), "{message}");
    }

    #[test]
    fn many_decisions_spread_over_time_are_fine() {
        let mut guard = Guard::default();
        for ms in 0..10 * MAX_DECISIONS_AT_ONE_INSTANT as u64 {
            guard.observe(Instant(ms / 2), true);
        }
        assert!(!guard.tracing());
        assert_eq!(guard.verdict(0, 1, None), None);
    }
}
