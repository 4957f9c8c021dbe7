//! The event calendar: a priority queue of future events in a total order.
//!
//! Events are ordered by (time, class, insertion sequence): two events at the same millisecond
//! fire in the order they were scheduled (FIFO), so a run never depends on heap internals. Events
//! scheduled with [`Calendar::schedule_last`] fire after every ordinary event at their time, even
//! ones scheduled later: decision epochs see everything that happened at that instant.

use rustc_hash::FxHashSet;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use policies::{Duration, Instant};

/// Handle to a scheduled event, for [`Calendar::cancel`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventId(u64);

struct Entry<E> {
    /// Time in the high 64 bits, then the class bit, then the insertion sequence: one comparison
    /// orders all three.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> Instant {
        Instant((self.key >> 64) as u64)
    }
    fn seq(&self) -> u64 {
        self.key as u64 & !LAST
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The class bit of events that fire after the ordinary ones at their time.
const LAST: u64 = 1 << 63;

pub struct Calendar<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: Instant,
    /// Sequence numbers of pending events that were cancelled; skipped when popped.
    cancelled: FxHashSet<u64>,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Calendar { heap: BinaryHeap::new(), next_seq: 0, now: Instant::START, cancelled: FxHashSet::default() }
    }
}

impl<E> Calendar<E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Time of the last event popped.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past.
    pub fn schedule(&mut self, time: Instant, event: E) -> EventId {
        self.push(time, 0, event)
    }

    /// Schedules `event` at `time`, to fire after every ordinary event at that time.
    pub fn schedule_last(&mut self, time: Instant, event: E) -> EventId {
        self.push(time, LAST, event)
    }

    fn push(&mut self, time: Instant, class: u64, event: E) -> EventId {
        assert!(time >= self.now, "event scheduled in the past: {time:?} < now {:?}", self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { key: (time.0 as u128) << 64 | (class | seq) as u128, event });
        EventId(seq)
    }

    /// Schedules `event` `delay` after now.
    pub fn schedule_in(&mut self, delay: Duration, event: E) -> EventId {
        self.schedule(self.now + delay, event)
    }

    /// Cancels a pending event. `id` must not have been popped yet.
    pub fn cancel(&mut self, id: EventId) {
        debug_assert!(id.0 < self.next_seq);
        self.cancelled.insert(id.0);
    }

    /// Removes and returns the next event that was not cancelled, advancing the clock.
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        while let Some(entry) = self.heap.pop() {
            if !self.cancelled.is_empty() && self.cancelled.remove(&entry.seq()) {
                continue;
            }
            debug_assert!(entry.time() >= self.now);
            self.now = entry.time();
            return Some((self.now, entry.event));
        }
        None
    }

    /// Time of the next event, cancelled ones included.
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.time())
    }

    /// Pending events, cancelled ones not counted.
    pub fn len(&self) -> usize {
        self.heap.len() - self.cancelled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(cal: &mut Calendar<&'static str>) -> Vec<(u64, &'static str)> {
        std::iter::from_fn(|| cal.pop().map(|(t, e)| (t.0, e))).collect()
    }

    #[test]
    fn pops_in_time_order() {
        let mut cal = Calendar::new();
        cal.schedule(Instant(30), "c");
        cal.schedule(Instant(10), "a");
        cal.schedule(Instant(20), "b");
        assert_eq!(drain(&mut cal), vec![(10, "a"), (20, "b"), (30, "c")]);
        assert_eq!(cal.now(), Instant(30));
    }

    #[test]
    fn ties_fire_in_insertion_order() {
        let mut cal = Calendar::new();
        for name in ["first", "second", "third", "fourth"] {
            cal.schedule(Instant(5), name);
        }
        cal.schedule(Instant(4), "earlier");
        let order: Vec<_> = drain(&mut cal).into_iter().map(|(_, e)| e).collect();
        assert_eq!(order, vec!["earlier", "first", "second", "third", "fourth"]);
    }

    #[test]
    fn events_scheduled_now_go_after_pending_ties() {
        let mut cal = Calendar::new();
        cal.schedule(Instant(5), "a");
        cal.schedule(Instant(5), "b");
        assert_eq!(cal.pop(), Some((Instant(5), "a")));
        cal.schedule_in(Duration(0), "zero-delay");
        assert_eq!(drain(&mut cal), vec![(5, "b"), (5, "zero-delay")]);
    }

    #[test]
    fn last_events_fire_after_ordinary_ones_scheduled_even_later() {
        let mut cal = Calendar::new();
        cal.schedule(Instant(5), "a");
        cal.schedule_last(Instant(5), "epoch");
        cal.schedule_last(Instant(5), "epoch 2");
        cal.schedule(Instant(6), "next");
        assert_eq!(cal.pop(), Some((Instant(5), "a")));
        cal.schedule_in(Duration(0), "caused by a");
        assert_eq!(drain(&mut cal), vec![(5, "caused by a"), (5, "epoch"), (5, "epoch 2"), (6, "next")]);
    }

    #[test]
    fn cancelled_events_never_fire() {
        let mut cal = Calendar::new();
        let a = cal.schedule(Instant(1), "a");
        cal.schedule(Instant(2), "b");
        let c = cal.schedule(Instant(2), "c");
        cal.schedule(Instant(3), "d");
        cal.cancel(a);
        cal.cancel(c);
        assert_eq!(cal.len(), 2);
        assert_eq!(drain(&mut cal), vec![(2, "b"), (3, "d")]);
        assert!(cal.is_empty());
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut cal = Calendar::new();
        cal.schedule(Instant(10), "a");
        cal.pop();
        cal.schedule(Instant(9), "b");
    }
}
