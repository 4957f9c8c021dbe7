//! The live state of a replication — orders open, vehicles queuing at the doors, vehicles out on
//! a trip, exceptions open — followed on the event log in one place, so that the KPIs, the
//! timeline and the invariant checks read the same state instead of each deriving it.
//!
//! [`LiveState`] is a log consumer: records in, answers out. It knows the log, not the engine's
//! domains, and adds nothing to a run (no events, the same fingerprint).
//!
//! A consumer that integrates the state over time reads it *before* passing it the record at `t`:
//! the old state held up to `t`, the new one holds from `t` on.

use rustc_hash::{FxHashMap, FxHashSet};

use policies::{Duration, Instant, OrderId, VehicleId};

use crate::kernel::log::{LogSink, Record};

/// A level of the live state, as the timeline samples it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Level {
    /// Orders created and neither delivered nor cancelled.
    OpenOrders,
    /// Vehicles on a trip: from their route to back home (as `vehicle_utilisation`).
    VehiclesBusy,
    /// Vehicles waiting for a door, all sites.
    DockQueue,
    /// Exceptions raised and not yet resolved.
    ExceptionsOpen,
}

impl Level {
    /// Every level, in the order of [`LiveState::levels`] and of the timeline's series.
    pub const ALL: [Level; 4] = [Level::OpenOrders, Level::VehiclesBusy, Level::DockQueue, Level::ExceptionsOpen];
    /// Their names, in [`Level::ALL`] order: the timeline's series in result files.
    pub const NAMES: [&'static str; 4] = ["open_orders", "vehicles_busy", "dock_queue", "exceptions_open"];

    /// The name of this level in result files.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// The state of one replication as its log has told it so far.
#[derive(Clone, Debug)]
pub struct LiveState {
    open_orders: FxHashSet<OrderId>,
    dock_queue: u32,
    /// Per vehicle: on a trip since when (set by its route, cleared back home or on giving up at
    /// the doors).
    busy_since: Vec<Option<Instant>>,
    vehicles_busy: u32,
    /// Detection time of each exception not yet resolved.
    open_exceptions: FxHashMap<u64, Instant>,
}

impl LiveState {
    /// Nothing open, nobody out, for a network of `vehicles` vehicles.
    pub fn new(vehicles: usize) -> Self {
        LiveState {
            open_orders: FxHashSet::default(),
            dock_queue: 0,
            busy_since: vec![None; vehicles],
            vehicles_busy: 0,
            open_exceptions: FxHashMap::default(),
        }
    }

    /// Orders created and neither delivered nor cancelled.
    pub fn open_orders(&self) -> usize {
        self.open_orders.len()
    }

    /// Whether `order` has been created and is neither delivered nor cancelled.
    pub fn is_open(&self, order: OrderId) -> bool {
        self.open_orders.contains(&order)
    }

    /// Vehicles waiting for a door, all sites.
    pub fn dock_queue(&self) -> u32 {
        self.dock_queue
    }

    /// Vehicles on a trip.
    pub fn vehicles_busy(&self) -> u32 {
        self.vehicles_busy
    }

    /// When `vehicle`'s trip began, if it is on one.
    pub fn busy_since(&self, vehicle: VehicleId) -> Option<Instant> {
        self.busy_since[vehicle.0 as usize]
    }

    /// When each trip under way began, in vehicle order.
    pub fn trips_under_way(&self) -> impl Iterator<Item = Instant> + '_ {
        self.busy_since.iter().flatten().copied()
    }

    /// Exceptions raised and not yet resolved.
    pub fn open_exceptions(&self) -> usize {
        self.open_exceptions.len()
    }

    /// The ages at `at` of the exceptions open, summed in whole milliseconds: exact, so the
    /// map's iteration order cannot change it.
    pub fn open_exception_ages(&self, at: Instant) -> Duration {
        Duration(self.open_exceptions.values().map(|detected| at.since(*detected).0).sum())
    }

    /// Every level, in [`Level::ALL`] order.
    pub fn levels(&self) -> [u32; Level::ALL.len()] {
        Level::ALL.map(|level| self.level(level))
    }

    pub fn level(&self, level: Level) -> u32 {
        match level {
            Level::OpenOrders => self.open_orders.len() as u32,
            Level::VehiclesBusy => self.vehicles_busy,
            Level::DockQueue => self.dock_queue,
            Level::ExceptionsOpen => self.open_exceptions.len() as u32,
        }
    }

    /// `vehicle` starts a trip at `t` (a new route restarts the spell), or ends it.
    fn set_busy(&mut self, vehicle: VehicleId, since: Option<Instant>) {
        let spell = &mut self.busy_since[vehicle.0 as usize];
        match (spell.is_some(), since.is_some()) {
            (false, true) => self.vehicles_busy += 1,
            (true, false) => self.vehicles_busy -= 1,
            _ => {}
        }
        *spell = since;
    }
}

/// A consumer of the log that reads the live state as it was before each record (the KPIs, the
/// timeline, the invariant checks): the log keeps one [`LiveState`], hands each record to these
/// consumers with it, then to it.
pub trait LiveSink {
    fn record(&mut self, t: Instant, record: &Record, live: &LiveState);
}

/// Hands `record` to `sink`, then to `live`, as the log does: for the consumers' unit tests.
#[cfg(test)]
pub(crate) fn feed(sink: &mut impl LiveSink, live: &mut LiveState, t: Instant, record: &Record) {
    sink.record(t, record, live);
    live.record(t, record);
}

impl LogSink for LiveState {
    fn record(&mut self, t: Instant, record: &Record) {
        match *record {
            Record::OrderCreated { order, .. } => {
                self.open_orders.insert(order);
            }
            Record::Delivered { order, .. }
            | Record::CarrierDelivered { order, .. }
            | Record::OrderCancelled { order } => {
                self.open_orders.remove(&order);
            }
            Record::RouteAssigned { vehicle, .. } => self.set_busy(vehicle, Some(t)),
            Record::TripEnded { vehicle, .. } => self.set_busy(vehicle, None),
            Record::DockArrived { .. } => self.dock_queue += 1,
            Record::LoadingStarted { .. } => self.dock_queue -= 1,
            Record::DockGaveUp { vehicle, .. } => {
                self.dock_queue -= 1;
                self.set_busy(vehicle, None);
            }
            Record::ExceptionRaised { exception, .. } => {
                self.open_exceptions.insert(exception, t);
            }
            Record::ExceptionResolved { exception, .. } => {
                self.open_exceptions.remove(&exception);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::log::{Money, TripId};
    use policies::{Action, DriverId, ExceptionKind, Severity, SiteId};

    fn min(m: f64) -> Duration {
        Duration::from_min(m)
    }

    /// The clock `m` minutes into the run.
    fn at(m: f64) -> Instant {
        Instant::at(min(m))
    }

    fn route(v: u32) -> Record {
        Record::RouteAssigned {
            trip: TripId(v),
            vehicle: VehicleId(v),
            driver: DriverId(v),
            site: SiteId(0),
            orders: vec![OrderId(0)],
            load: 1,
            capacity: 1,
        }
    }

    fn raised(exception: u64) -> Record {
        Record::ExceptionRaised {
            exception,
            exception_kind: ExceptionKind::EtaRisk,
            order: OrderId(0),
            severity: Severity::Low,
            due: at(60.0),
        }
    }

    #[test]
    fn orders_open_from_creation_to_delivery_or_cancellation() {
        let mut s = LiveState::new(1);
        let created = |o| Record::OrderCreated { order: OrderId(o), site: SiteId(0), size: 1, due: at(60.0) };
        for o in 0..3 {
            s.record(at(o as f64), &created(o));
        }
        let delivered = Record::Delivered {
            order: OrderId(0),
            trip: TripId(0),
            vehicle: VehicleId(0),
            created: at(0.0),
            due: at(9.0),
            service_start: at(5.0),
        };
        s.record(at(5.0), &delivered);
        s.record(at(6.0), &Record::OrderCancelled { order: OrderId(2) });
        assert_eq!(s.open_orders(), 1);
        assert!(s.is_open(OrderId(1)) && !s.is_open(OrderId(0)) && !s.is_open(OrderId(2)));
        // Closing an order twice (a broken log, for the invariant checker to report) changes nothing.
        s.record(at(7.0), &Record::OrderCancelled { order: OrderId(2) });
        assert_eq!(s.level(Level::OpenOrders), 1);
    }

    #[test]
    fn a_trip_lasts_from_its_route_to_back_home_or_giving_up_at_the_doors() {
        let mut s = LiveState::new(3);
        s.record(at(1.0), &route(0));
        s.record(at(2.0), &route(2));
        s.record(at(2.0), &Record::DockArrived { trip: TripId(0), vehicle: VehicleId(0), site: SiteId(0) });
        s.record(at(2.0), &Record::DockArrived { trip: TripId(2), vehicle: VehicleId(2), site: SiteId(0) });
        assert_eq!((s.vehicles_busy(), s.dock_queue()), (2, 2));
        assert_eq!(s.trips_under_way().collect::<Vec<_>>(), [at(1.0), at(2.0)]);
        s.record(
            at(3.0),
            &Record::LoadingStarted {
                trip: TripId(0),
                vehicle: VehicleId(0),
                site: SiteId(0),
                door: 0,
                waited: min(1.0),
            },
        );
        let gave_up = Record::DockGaveUp {
            trip: TripId(2),
            vehicle: VehicleId(2),
            driver: DriverId(2),
            site: SiteId(0),
            waited: min(2.0),
            orders: vec![OrderId(5)],
        };
        s.record(at(4.0), &gave_up);
        assert_eq!((s.vehicles_busy(), s.dock_queue()), (1, 0));
        assert_eq!((s.busy_since(VehicleId(0)), s.busy_since(VehicleId(2))), (Some(at(1.0)), None));
        // A new route restarts the spell without counting the vehicle twice.
        s.record(at(5.0), &route(0));
        assert_eq!((s.vehicles_busy(), s.busy_since(VehicleId(0))), (1, Some(at(5.0))));
        let back = Record::TripEnded {
            trip: TripId(3),
            vehicle: VehicleId(0),
            driver: DriverId(0),
            started: at(5.0),
            distance_mm: 0,
            cost: Money(0.0),
        };
        s.record(at(9.0), &back);
        assert_eq!(s.levels(), [0, 0, 0, 0]);
    }

    #[test]
    fn open_exceptions_and_their_ages_are_exact() {
        let mut s = LiveState::new(0);
        for e in 0..5 {
            s.record(Instant(e * 7), &raised(e));
        }
        let resolved = Record::ExceptionResolved {
            exception: 3,
            order: OrderId(3),
            action: Action::Wait,
            manual: false,
            detected: Instant(21),
        };
        s.record(Instant(30), &resolved);
        assert_eq!(s.open_exceptions(), 4);
        assert_eq!(s.level(Level::ExceptionsOpen), 4);
        // Ages at 100 ms of the exceptions raised at 0, 7, 14 and 28 ms.
        assert_eq!(s.open_exception_ages(Instant(100)), Duration(100 + 93 + 86 + 72));
    }

    #[test]
    fn levels_are_named_in_their_order() {
        assert_eq!(Level::ALL.map(Level::name), Level::NAMES);
        assert_eq!(Level::DockQueue.name(), "dock_queue");
        let mut s = LiveState::new(1);
        s.record(Instant(0), &route(0));
        s.record(Instant(0), &raised(1));
        s.record(Instant(0), &raised(2));
        assert_eq!(s.levels(), [0, 1, 0, 2]);
    }
}
