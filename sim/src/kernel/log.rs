//! The append-only log of what happened in a replication: the run's output.
//!
//! Records are streamed to sinks as they are appended (KPIs, the determinism fingerprint,
//! invariant checks, a file), so memory does not grow with the horizon.

use std::hash::{Hash, Hasher};

use policies::{Action, CarrierId, DriverId, Duration, ExceptionKind, Instant, OrderId, Severity, SiteId, VehicleId};
use serde::Serialize;

use crate::kernel::hash::StableHasher;

/// Why the engine refused a route a policy proposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    UnknownVehicle,
    VehicleBusy,
    UnknownDriver,
    DriverUnavailable,
    WrongSite,
    EmptyRoute,
    UnknownOrder,
    OrderNotOpen,
    OrderTwice,
    OverCapacity,
    /// Even at once and at worst, the driver could not serve the first stop and be back in time
    /// (or could only by starting to load this very instant, with no slack to wait for a door).
    DriverOutOfHours,
    UnknownCarrier,
    /// The carrier has taken its daily capacity.
    CarrierFull,
    /// The carrier booking interface is down (integration outage).
    BookingDown,
}

/// A trip: one vehicle's route from leaving the idle set to being back (or giving up at the
/// doors), numbered from 0 in the order trips start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TripId(pub u32);

/// An amount of money, in the unit of the scenario's rates and prices. Equal and hashed by its
/// bits: records are compared and fingerprinted exactly.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(transparent)]
pub struct Money(pub f64);

impl PartialEq for Money {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for Money {}
impl Hash for Money {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

/// New variants go at the end: the fingerprint hashes each variant's index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    OrderCreated {
        order: OrderId,
        site: SiteId,
        size: u32,
        due: Instant,
    },
    OrderReady {
        order: OrderId,
    },
    OrderCancelled {
        order: OrderId,
    },
    /// A decision epoch: how many orders were open and how many routes the policy returned.
    Decision {
        open_orders: u32,
        routes: u32,
    },
    DecisionRejected {
        vehicle: VehicleId,
        driver: DriverId,
        reason: Rejection,
    },
    /// Trip `trip` starts: `orders` in delivery sequence (none for a rescue, which takes its
    /// orders over on the road).
    RouteAssigned {
        trip: TripId,
        vehicle: VehicleId,
        driver: DriverId,
        site: SiteId,
        orders: Vec<OrderId>,
        load: u32,
        capacity: u32,
    },
    DockArrived {
        trip: TripId,
        vehicle: VehicleId,
        site: SiteId,
    },
    LoadingStarted {
        trip: TripId,
        vehicle: VehicleId,
        site: SiteId,
        door: u32,
        waited: Duration,
    },
    /// A queued vehicle left the door queue unloaded: its driver would have run out of hours.
    /// Its `orders` are open again.
    DockGaveUp {
        trip: TripId,
        vehicle: VehicleId,
        driver: DriverId,
        site: SiteId,
        waited: Duration,
        orders: Vec<OrderId>,
    },
    LoadingDone {
        trip: TripId,
        vehicle: VehicleId,
        site: SiteId,
        door: u32,
    },
    OrderDeparted {
        order: OrderId,
        trip: TripId,
        vehicle: VehicleId,
        ready: Instant,
    },
    StopArrived {
        trip: TripId,
        vehicle: VehicleId,
        order: OrderId,
    },
    Delivered {
        order: OrderId,
        trip: TripId,
        vehicle: VehicleId,
        created: Instant,
        due: Instant,
        service_start: Instant,
    },
    /// The driver could not finish the route within shift end plus overtime; `orders` go back to the site.
    StopsAborted {
        trip: TripId,
        vehicle: VehicleId,
        driver: DriverId,
        orders: Vec<OrderId>,
    },
    OrderReturned {
        order: OrderId,
    },
    /// The vehicle is back at its site; `cost` is the trip's distance and hours at the vehicle
    /// type's rates.
    TripEnded {
        trip: TripId,
        vehicle: VehicleId,
        driver: DriverId,
        started: Instant,
        distance_mm: u64,
        cost: Money,
    },
    ShiftStarted {
        driver: DriverId,
    },
    /// The driver went off duty; `scheduled_end` is when the shift was due to end.
    ShiftEnded {
        driver: DriverId,
        scheduled_end: Instant,
    },
    DocksOpened {
        site: SiteId,
    },
    /// A tender the world could not honour (unknown carrier or order, order not open, carrier full).
    TenderRefused {
        order: OrderId,
        carrier: CarrierId,
        reason: Rejection,
    },
    /// The carrier took the order at `price`.
    TenderAccepted {
        order: OrderId,
        carrier: CarrierId,
        price: Money,
    },
    /// The carrier said no; the order stays open.
    TenderRejected {
        order: OrderId,
        carrier: CarrierId,
    },
    CarrierDelivered {
        order: OrderId,
        carrier: CarrierId,
        created: Instant,
        due: Instant,
        service_start: Instant,
    },
    /// The customer could not take the delivery; the order rides back to its site.
    DeliveryFailed {
        order: OrderId,
        trip: TripId,
        vehicle: VehicleId,
    },
    /// `due` is the order's due time: for an ETA risk, how early it was detected.
    ExceptionRaised {
        exception: u64,
        exception_kind: ExceptionKind,
        order: OrderId,
        severity: Severity,
        due: Instant,
    },
    ExceptionEscalated {
        exception: u64,
        order: OrderId,
    },
    /// `manual`: a dispatcher resolved it (else the policy did, at once).
    ExceptionResolved {
        exception: u64,
        order: OrderId,
        action: Action,
        manual: bool,
        detected: Instant,
    },
    CustomerNotified {
        order: OrderId,
    },
    /// The stops ahead of a vehicle were re-ordered: fewer stops expected late, or `saved_ms` less
    /// expected lateness in all.
    RouteResequenced {
        trip: TripId,
        vehicle: VehicleId,
        saved_ms: u64,
    },
    /// A premium tender at `price`, above the approval threshold, waits for its approval.
    ApprovalRequested {
        order: OrderId,
        carrier: CarrierId,
        price: Money,
    },
    /// A cancellation a policy asked for that the world could not honour.
    CancellationRefused {
        order: OrderId,
        reason: Rejection,
    },
    DisruptionStarted {
        disruption: u32,
    },
    DisruptionEnded {
        disruption: u32,
    },
    /// A driver did not turn up for a shift (driver absence).
    DriverNoShow {
        driver: DriverId,
    },
    /// The vehicle broke down and stands for `repair`; the driver's hours run on.
    VehicleBrokeDown {
        trip: TripId,
        vehicle: VehicleId,
        driver: DriverId,
        repair: Duration,
    },
    /// Reported ready, found not ready at the dock (stale inventory); ready `delay` later.
    OrderNotReady {
        order: OrderId,
        delay: Duration,
    },
    /// A driver due to start a shift now will turn up `late` (driver absence); the shift still
    /// ends on time.
    DriverLate {
        driver: DriverId,
        late: Duration,
    },
    /// A leg into or out of a closed region waits `wait` for it to reopen (force majeure).
    LegHeld {
        trip: TripId,
        vehicle: VehicleId,
        driver: DriverId,
        wait: Duration,
    },
    /// An order on broken-down vehicle `from` (trip `from_trip`) is given to rescue vehicle `to`
    /// (trip `to_trip`), whose load it becomes part of (`load`, after the move).
    OrderReassigned {
        order: OrderId,
        from: VehicleId,
        from_trip: TripId,
        to: VehicleId,
        to_trip: TripId,
        load: u32,
    },
    /// Rescue vehicle `vehicle` (trip `trip`) has taken over `orders` from broken-down vehicle
    /// `from` (trip `from_trip`).
    HandedOver {
        trip: TripId,
        vehicle: VehicleId,
        from: VehicleId,
        from_trip: TripId,
        orders: Vec<OrderId>,
    },
}

/// A consumer of the log.
pub trait LogSink {
    fn record(&mut self, t: Instant, record: &Record);
}

impl<T: LogSink + ?Sized> LogSink for &mut T {
    fn record(&mut self, t: Instant, record: &Record) {
        (**self).record(t, record)
    }
}

/// Hash of every record in order: two runs with the same fingerprint logged the same history.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fingerprint {
    hasher: StableHasher,
    pub records: u64,
}

impl Fingerprint {
    pub fn value(&self) -> u64 {
        self.hasher.finish()
    }
}

impl LogSink for Fingerprint {
    fn record(&mut self, t: Instant, record: &Record) {
        t.hash(&mut self.hasher);
        record.hash(&mut self.hasher);
        self.records += 1;
    }
}
