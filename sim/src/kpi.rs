//! KPIs of one replication, computed from the event log as it is appended.
//!
//! Every KPI is defined once, in [`KPIS`]: its name, unit, direction, group, whether it is a
//! headline KPI, and what it measures. [`KpiId`] indexes that table; reports, `compare`, `gate`,
//! the heatmap and `dtwin kpis` read it. Names are stable snake_case with their unit last: CI
//! gates and scripts depend on them. Percentiles come from HDR histograms (3 significant digits),
//! so memory stays constant however long the horizon.

use hdrhistogram::Histogram;
use std::ops::Index;

use policies::{DriverId, Duration, ExceptionKind, Instant, MS_PER_MIN, Severity, VehicleId};

use crate::kernel::log::{Money, Record};
use crate::live::{LiveSink, LiveState};
use crate::scenario::Scenario;

/// Which way a KPI is better: what reports colour green, what `compare`, `tune` and `gate`
/// take as the direction when none is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither: the amount of work done (trips, km), use of resources, ratios to deliveries that
    /// fall when orders are left undelivered. A comparison on one must say which way it wants.
    Neutral,
}

impl Better {
    /// As `dtwin kpis` lists it: "higher", "lower" or "neither".
    pub fn word(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neutral => "neither",
        }
    }
}

/// What a KPI's value counts or measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A share, from 0 to 1.
    Share,
    /// A number of things: orders, trips, exceptions.
    Count,
    /// Minutes (names say `_min`).
    Min,
    /// Kilometres (names end in `_km`).
    Km,
    /// Money, in the unit of the scenario's rates and prices.
    Money,
    /// Money per order.
    MoneyPerOrder,
    /// Vehicles, as a time average.
    Vehicles,
    /// Per hour (names end in `_per_hour`).
    PerHour,
    /// Per order.
    PerOrder,
    /// Per trip.
    PerTrip,
}

impl Unit {
    /// A short symbol for tables.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Share => "share",
            Unit::Count => "count",
            Unit::Min => "min",
            Unit::Km => "km",
            Unit::Money => "cost",
            Unit::MoneyPerOrder => "cost/order",
            Unit::Vehicles => "vehicles",
            Unit::PerHour => "/h",
            Unit::PerOrder => "/order",
            Unit::PerTrip => "/trip",
        }
    }
}

/// The part of the network a KPI is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Orders,
    Docks,
    Fleet,
    Drivers,
    Dispatch,
    Costs,
    Carriers,
    Exceptions,
    Disruptions,
}

/// A KPI's definition: one row of [`KPIS`].
#[derive(Clone, Copy, Debug)]
pub struct KpiDef {
    pub id: KpiId,
    pub name: &'static str,
    pub unit: Unit,
    pub better: Better,
    pub group: Group,
    /// Its place among the headline KPIs ([`HEADLINE`]: what a planner looks at first, the
    /// default KPIs of `stress` and `compare`, the box plots of a report), if it is one.
    pub headline: Option<u8>,
    pub description: &'static str,
}

/// The KPI called `name`, if there is one.
pub fn kpi_def(name: &str) -> Option<&'static KpiDef> {
    KpiId::of(name).map(KpiId::def)
}

macro_rules! kpis {
    ($($id:ident = $name:literal, $unit:ident, $better:ident, $group:ident, $headline:expr, $desc:literal;)*) => {
        /// A KPI, by its row in [`KPIS`] (report order).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum KpiId { $($id),* }

        /// Every KPI, in report order: `KPIS[id as usize]` defines `id`. Result files and tables
        /// list KPIs in this order, so new ones go at the end of their group or the end.
        pub const KPIS: &[KpiDef] = &[$(KpiDef {
            id: KpiId::$id,
            name: $name,
            unit: Unit::$unit,
            better: Better::$better,
            group: Group::$group,
            headline: $headline,
            description: $desc,
        }),*];

        impl KpiId {
            /// Every KPI, in [`KPIS`] order.
            pub const ALL: [KpiId; KPIS.len()] = [$(KpiId::$id),*];
        }
    };
}

kpis! {
    OnTimeRate = "on_time_rate", Share, Higher, Orders, Some(0),
        "share of orders due within the horizon that were served by their due time";
    OrdersCreated = "orders_created", Count, Neutral, Orders, None,
        "orders created";
    OrdersDelivered = "orders_delivered", Count, Higher, Orders, None,
        "orders delivered";
    OrdersCancelled = "orders_cancelled", Count, Lower, Orders, None,
        "orders cancelled by the customer before being routed";
    OrdersOpenEnd = "orders_open_end", Count, Lower, Orders, Some(3),
        "orders neither delivered nor cancelled at the end of the horizon";
    OrdersLate = "orders_late", Count, Lower, Orders, Some(2),
        "orders delivered after their due time (time-window violations)";
    LatenessMinMean = "lateness_min_mean", Min, Lower, Orders, Some(1),
        "mean lateness of delivered orders (0 when on time), minutes";
    LatenessMinP95 = "lateness_min_p95", Min, Lower, Orders, None,
        "95th percentile of lateness of delivered orders, minutes";
    OrderCycleMinMean = "order_cycle_min_mean", Min, Lower, Orders, None,
        "mean time from order creation to delivery, minutes";
    OrderCycleMinP95 = "order_cycle_min_p95", Min, Lower, Orders, None,
        "95th percentile of order cycle time, minutes";
    DispatchDelayMinMean = "dispatch_delay_min_mean", Min, Lower, Orders, None,
        "mean time from ready at the dock to departed on a vehicle, minutes";
    DispatchDelayMinP95 = "dispatch_delay_min_p95", Min, Lower, Orders, None,
        "95th percentile of dispatch delay, minutes";
    DockWaitMinMean = "dock_wait_min_mean", Min, Lower, Docks, Some(4),
        "mean wait of a vehicle for a free door, minutes";
    DockWaitMinP95 = "dock_wait_min_p95", Min, Lower, Docks, None,
        "95th percentile of dock wait, minutes";
    DockQueueMean = "dock_queue_mean", Vehicles, Lower, Docks, None,
        "time-average number of vehicles waiting for a door, all sites";
    DockArrivalsPerHour = "dock_arrivals_per_hour", PerHour, Neutral, Docks, None,
        "vehicles arriving at the doors per hour, all sites";
    VehicleUtilisation = "vehicle_utilisation", Share, Neutral, Fleet, None,
        "share of vehicle time on a trip (routed to back home)";
    DriverUtilisation = "driver_utilisation", Share, Neutral, Drivers, Some(5),
        "share of drivers' on-shift time spent on trips";
    Trips = "trips", Count, Neutral, Fleet, None,
        "trips completed";
    StopsPerTripMean = "stops_per_trip_mean", PerTrip, Neutral, Fleet, None,
        "mean number of stops per routed trip";
    DistanceKm = "distance_km", Km, Neutral, Fleet, None,
        "distance driven on completed trips, km";
    CostFleet = "cost_fleet", Money, Lower, Costs, None,
        "fleet cost of completed trips: km and hours at each vehicle type's rates";
    CostPerOrder = "cost_per_order", MoneyPerOrder, Neutral, Costs, None,
        "fleet cost per order the own fleet delivered (carrier deliveries are not in it: see cost_total_per_order)";
    DriverOvertimeMin = "driver_overtime_min", Min, Lower, Drivers, None,
        "minutes drivers worked past their scheduled shift end, total";
    StopsAborted = "stops_aborted", Count, Lower, Drivers, None,
        "stops given up because the driver would have run out of hours";
    DecisionsRejected = "decisions_rejected", Count, Lower, Dispatch, None,
        "routes and cancellations proposed by the policy and refused by the engine";
    DockGiveUps = "dock_give_ups", Count, Lower, Docks, None,
        "routes released unloaded because the driver would have run out of hours waiting for a door";
    PremiumOrders = "premium_orders", Count, Neutral, Carriers, Some(7),
        "orders carried by third-party carriers (tenders accepted)";
    PremiumCost = "premium_cost", Money, Lower, Costs, None,
        "price of the tenders accepted";
    TendersRejected = "tenders_rejected", Count, Lower, Carriers, Some(8),
        "tenders the carrier said no to (or could not take)";
    CostTotal = "cost_total", Money, Lower, Costs, None,
        "fleet cost plus premium freight";
    CostTotalPerOrder = "cost_total_per_order", MoneyPerOrder, Neutral, Costs, Some(6),
        "all-in cost (fleet plus premium freight) per delivered order, own fleet and carriers";
    DeliveriesFailed = "deliveries_failed", Count, Lower, Fleet, None,
        "delivery attempts the customer could not take (the order rides back)";
    Exceptions = "exceptions", Count, Lower, Exceptions, Some(9),
        "exceptions raised";
    ExceptionsEtaRisk = "exceptions_eta_risk", Count, Lower, Exceptions, None,
        "exceptions: predicted arrival past due by more than the policy's threshold";
    ExceptionsTenderRejected = "exceptions_tender_rejected", Count, Lower, Exceptions, None,
        "exceptions: a carrier rejected a tender";
    ExceptionsFailedDelivery = "exceptions_failed_delivery", Count, Lower, Exceptions, None,
        "exceptions: a delivery attempt failed";
    ExceptionsMissedDockSlot = "exceptions_missed_dock_slot", Count, Lower, Exceptions, None,
        "exceptions: a route given up at the doors";
    ExceptionsHighOrCritical = "exceptions_high_or_critical", Count, Lower, Exceptions, None,
        "exceptions classified high or critical";
    ExceptionsEscalated = "exceptions_escalated", Count, Lower, Exceptions, None,
        "exceptions handed to the dispatchers";
    ExceptionResolveMinMean = "exception_resolve_min_mean", Min, Lower, Exceptions, None,
        "mean time from detection to resolution, minutes";
    ExceptionResolveMinP95 = "exception_resolve_min_p95", Min, Lower, Exceptions, None,
        "95th percentile of exception resolution time, minutes";
    ExceptionsOpenEnd = "exceptions_open_end", Count, Lower, Exceptions, None,
        "exceptions still unresolved at the end of the horizon";
    ExceptionOpenAgeMinMean = "exception_open_age_min_mean", Min, Lower, Exceptions, None,
        "mean age of the exceptions unresolved at the end, minutes";
    ManualTouchesPerOrder = "manual_touches_per_order", PerOrder, Lower, Exceptions, Some(10),
        "exceptions resolved by a dispatcher, per order created";
    CustomerNotifications = "customer_notifications", Count, Neutral, Exceptions, None,
        "customers told of a new ETA";
    EtaRiskLeadMinMean = "eta_risk_lead_min_mean", Min, Higher, Exceptions, None,
        "time to detect, as lead: minutes from an ETA-risk detection to the order's due time (negative: detected after it)";
    RoutesResequenced = "routes_resequenced", Count, Neutral, Exceptions, None,
        "routes re-ordered on the road to cut expected lateness";
    DriverNoShows = "driver_no_shows", Count, Lower, Disruptions, None,
        "shifts drivers did not turn up for";
    Breakdowns = "breakdowns", Count, Lower, Disruptions, None,
        "vehicles broken down on the road";
    ExceptionsBreakdown = "exceptions_breakdown", Count, Lower, Exceptions, None,
        "exceptions: an order on a vehicle that broke down";
    ExceptionsNotReady = "exceptions_not_ready", Count, Lower, Exceptions, None,
        "exceptions: an order found not ready at the dock";
    DriverLateStarts = "driver_late_starts", Count, Lower, Disruptions, None,
        "shifts drivers started late";
    DriverLateMinMean = "driver_late_min_mean", Min, Lower, Disruptions, None,
        "mean delay of the late shift starts, minutes";
    LegsHeld = "legs_held", Count, Lower, Disruptions, None,
        "legs that waited for a closed region to reopen";
    LegHoldMinMean = "leg_hold_min_mean", Min, Lower, Disruptions, None,
        "mean wait of the legs held by a closure, minutes";
    Reassignments = "reassignments", Count, Neutral, Disruptions, None,
        "orders moved from a broken-down vehicle to a rescue vehicle";
    ReassignmentRate = "reassignment_rate", PerOrder, Neutral, Disruptions, None,
        "orders reassigned per order created";
}

impl KpiId {
    /// How many KPIs there are.
    pub const COUNT: usize = KPIS.len();

    /// The KPI called `name`, if there is one.
    pub fn of(name: &str) -> Option<KpiId> {
        KPIS.iter().find(|k| k.name == name).map(|k| k.id)
    }

    pub fn def(self) -> &'static KpiDef {
        &KPIS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.def().name
    }
}

/// How many KPIs have a headline place.
const fn headline_count() -> usize {
    let (mut n, mut i) = (0, 0);
    while i < KPIS.len() {
        n += KPIS[i].headline.is_some() as usize;
        i += 1;
    }
    n
}

/// The headline KPIs in their places; a place taken twice or left empty does not compile.
const fn headline<const N: usize>() -> [KpiId; N] {
    let mut out = [KpiId::OnTimeRate; N];
    let mut place = 0;
    while place < N {
        let (mut found, mut i) = (0, 0);
        while i < KPIS.len() {
            if let Some(p) = KPIS[i].headline
                && p as usize == place
            {
                out[place] = KPIS[i].id;
                found += 1;
            }
            i += 1;
        }
        assert!(found == 1, "every headline place is taken by exactly one KPI");
        place += 1;
    }
    out
}

const fn names<const N: usize>(ids: [KpiId; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = KPIS[ids[i] as usize].name;
        i += 1;
    }
    out
}

/// What a planner looks at first, in this order: the KPIs with a [`KpiDef::headline`] place.
pub const HEADLINE: [KpiId; headline_count()] = headline::<{ headline_count() }>();

/// The names of the [`HEADLINE`] KPIs, in their order.
pub const HEADLINE_NAMES: &[&str] = &names(HEADLINE);

/// KPI values of one replication, in [`KPIS`] order, indexed by [`KpiId`]. A KPI that is undefined
/// in a replication — a share or mean of nothing: no order due within the horizon, no trip, no
/// late start — is NaN here; result files write it as `null` (JSON) or an empty cell (CSV),
/// tables as `-`, and statistics across replications leave it out.
#[derive(Clone, Debug)]
pub struct Kpis(pub [f64; KpiId::COUNT]);

/// Bit for bit: an undefined KPI (NaN) equals itself, as runs that must be identical require.
impl PartialEq for Kpis {
    fn eq(&self, other: &Self) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Index<KpiId> for Kpis {
    type Output = f64;
    fn index(&self, id: KpiId) -> &f64 {
        &self.0[id as usize]
    }
}

impl Kpis {
    /// The value of KPI `name` (NaN when undefined); `None` when there is no such KPI. For names
    /// from the command line and files; code indexes by [`KpiId`].
    pub fn get(&self, name: &str) -> Option<f64> {
        KpiId::of(name).map(|id| self[id])
    }
}

/// `a / b`, undefined (NaN) when there is nothing to divide by.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

fn histogram() -> Histogram<u32> {
    // Seconds, up to about 30 years.
    Histogram::new_with_max(1_000_000_000, 3).expect("valid histogram bounds")
}

/// Running mean and distribution of a duration.
struct Durations {
    sum_ms: u128,
    count: u64,
    hist: Histogram<u32>,
}

impl Default for Durations {
    fn default() -> Self {
        Durations { sum_ms: 0, count: 0, hist: histogram() }
    }
}

impl Durations {
    fn add(&mut self, d: Duration) {
        self.sum_ms += d.0 as u128;
        self.count += 1;
        self.hist.saturating_record(d.0 / 1000);
    }
    /// Undefined (NaN) with nothing measured.
    fn mean_min(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.sum_ms as f64 / self.count as f64 / MS_PER_MIN as f64 }
    }
    fn p95_min(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.hist.value_at_quantile(0.95) as f64 / 60.0 }
    }
}

/// What is counted, summed and timed: everything the KPIs measure, started afresh at the end of
/// the warm-up. Sums are of integers, except the costs: those add prices and rates in log order,
/// which is fixed by the run.
#[derive(Default)]
struct Tally {
    created: u64,
    delivered: u64,
    /// Delivered by the own fleet (not by a carrier).
    delivered_own: u64,
    cancelled: u64,
    due_in_horizon: u64,
    on_time_in_horizon: u64,
    late: u64,
    lateness: Durations,
    cycle: Durations,
    dispatch_delay: Durations,
    dock_wait: Durations,
    dock_arrivals: u64,
    /// Integral of the dock queue over `[start, queue_since]`, vehicles x ms.
    queue_area: u128,
    queue_since: Instant,
    /// Vehicle time on trips ended, and driver time on shifts ended, ms.
    vehicle_busy_ms: u128,
    driver_shift_ms: u128,
    routes: u64,
    routed_stops: u64,
    trips: u64,
    distance_mm: u64,
    cost: f64,
    overtime_ms: u64,
    aborted: u64,
    rejected: u64,
    give_ups: u64,
    premium: u64,
    premium_cost: f64,
    tenders_rejected: u64,
    failed: u64,
    /// In [`ExceptionKind::ALL`] order.
    exceptions_by_kind: [u64; ExceptionKind::ALL.len()],
    severe: u64,
    escalated: u64,
    resolve: Durations,
    manual: u64,
    notified: u64,
    resequenced: u64,
    no_shows: u64,
    late_starts: (u64, Instant),
    holds: (u64, Instant),
    breakdowns: u64,
    reassigned: u64,
    /// Sum and count of (due - detection) over ETA risks, ms.
    eta_lead_ms: (i128, u64),
}

/// The KPIs that count exceptions of each kind, in [`ExceptionKind::ALL`] order.
const EXCEPTION_KPIS: [KpiId; ExceptionKind::ALL.len()] = [
    KpiId::ExceptionsEtaRisk,
    KpiId::ExceptionsTenderRejected,
    KpiId::ExceptionsFailedDelivery,
    KpiId::ExceptionsMissedDockSlot,
    KpiId::ExceptionsBreakdown,
    KpiId::ExceptionsNotReady,
];

/// Consumes the log of one replication and produces its [`Kpis`].
///
/// With a warm-up period `[0, W)`, statistics start afresh at `W`, as in a simulation run from a
/// loaded network: counts, costs and durations are of what happens from `W` on; time averages
/// and utilisations cover `[W, horizon]`; the outcomes of orders (on time, lateness, cycle time)
/// are of orders created from `W` on. State carries over: the vehicles out, the queue, the open
/// orders and exceptions (so `orders_open_end` counts every order still open).
pub struct KpiCollector {
    horizon: Instant,
    warmup: Instant,
    /// Statistics are being collected: the warm-up is over.
    measuring: bool,
    /// Vehicles in the network (costs and prices come with the records).
    vehicles: usize,
    /// Per driver: on shift since when (state too).
    on_shift_since: Vec<Option<Instant>>,
    tally: Tally,
}

impl KpiCollector {
    pub fn new(scenario: &Scenario) -> Self {
        Self::for_network(scenario.horizon, scenario.warmup, scenario.vehicles.len(), scenario.drivers.len())
    }

    /// A collector for a run to `horizon` with a warm-up to `warmup`, of `vehicles` vehicles and
    /// `drivers` drivers.
    fn for_network(horizon: Instant, warmup: Instant, vehicles: usize, drivers: usize) -> Self {
        KpiCollector {
            horizon,
            warmup,
            measuring: warmup == Instant::START,
            vehicles,
            on_shift_since: vec![None; drivers],
            tally: Tally::default(),
        }
    }

    /// The end of the warm-up: statistics start afresh, state carries over.
    fn start_measuring(&mut self) {
        self.measuring = true;
        self.tally = Tally { queue_since: self.warmup, ..Tally::default() };
    }

    /// Where a spell under way since `since` starts to count: not before the warm-up's end.
    fn counted_from(&self, since: Instant) -> Instant {
        since.max(self.warmup)
    }

    // Orders.

    fn order_created(&mut self, due: Instant) {
        self.tally.created += 1;
        if due <= self.horizon {
            self.tally.due_in_horizon += 1;
        }
    }

    fn order_delivered(&mut self, t: Instant, created: Instant, due: Instant, service_start: Instant, own: bool) {
        let m = &mut self.tally;
        m.delivered += 1;
        m.delivered_own += own as u64;
        if created < self.warmup {
            return; // an order of the warm-up: its outcome is not measured
        }
        if service_start <= due && due <= self.horizon {
            m.on_time_in_horizon += 1;
        }
        if service_start > due {
            m.late += 1;
        }
        m.lateness.add(service_start.saturating_since(due));
        m.cycle.add(t.since(created));
    }

    // Docks.

    /// The dock queue changes at `t`: integrate it, unchanged since the last change, up to `t`.
    fn queue_changes(&mut self, t: Instant, live: &LiveState) {
        let m = &mut self.tally;
        m.queue_area += live.dock_queue() as u128 * t.since(m.queue_since).0 as u128;
        m.queue_since = t;
    }

    fn dock_arrived(&mut self, t: Instant, live: &LiveState) {
        self.tally.dock_arrivals += 1;
        self.queue_changes(t, live);
    }

    /// A vehicle left the door queue, to load or giving up, after waiting `waited`.
    fn dock_left(&mut self, t: Instant, waited: Duration, live: &LiveState) {
        self.tally.dock_wait.add(waited);
        self.queue_changes(t, live);
    }

    // Fleet.

    fn route_assigned(&mut self, stops: usize) {
        self.tally.routes += 1;
        self.tally.routed_stops += stops as u64;
    }

    /// `vehicle`'s trip is over at `t` (back home, or given up at the doors).
    fn trip_over(&mut self, vehicle: VehicleId, t: Instant, live: &LiveState) {
        if let Some(since) = live.busy_since(vehicle) {
            self.tally.vehicle_busy_ms += t.saturating_since(self.counted_from(since)).0 as u128;
        }
    }

    fn trip_ended(&mut self, t: Instant, vehicle: VehicleId, distance_mm: u64, cost: Money, live: &LiveState) {
        let m = &mut self.tally;
        m.trips += 1;
        m.distance_mm += distance_mm;
        m.cost += cost.0;
        self.trip_over(vehicle, t, live);
    }

    // Drivers.

    fn shift_ended(&mut self, t: Instant, driver: DriverId, scheduled_end: Instant) {
        self.tally.overtime_ms += t.since(scheduled_end).0;
        if let Some(since) = self.on_shift_since[driver.0 as usize].take() {
            self.tally.driver_shift_ms += t.saturating_since(self.counted_from(since)).0 as u128;
        }
    }

    // Carriers.

    fn tender_accepted(&mut self, price: Money) {
        self.tally.premium += 1;
        self.tally.premium_cost += price.0;
    }

    // Exceptions.

    fn exception_raised(&mut self, t: Instant, kind: ExceptionKind, severity: Severity, due: Instant) {
        let m = &mut self.tally;
        if kind == ExceptionKind::EtaRisk {
            m.eta_lead_ms.0 += due.0 as i128 - t.0 as i128;
            m.eta_lead_ms.1 += 1;
        }
        let k = ExceptionKind::ALL.iter().position(|x| *x == kind).expect("every kind listed");
        m.exceptions_by_kind[k] += 1;
        if severity >= Severity::High {
            m.severe += 1;
        }
    }

    fn exception_resolved(&mut self, t: Instant, manual: bool, detected: Instant) {
        self.tally.resolve.add(t.since(detected));
        self.tally.manual += manual as u64;
    }

    /// The time counted of the spells under way since `spells`, cut at `end`, ms.
    fn cut_at(&self, end: Instant, spells: impl Iterator<Item = Instant>) -> u128 {
        spells.map(|since| end.saturating_since(self.counted_from(since)).0 as u128).sum()
    }

    /// KPI values at the end of the horizon; busy and on-shift spells still open are cut there.
    pub fn finish(&mut self, horizon: Instant, live: &LiveState) -> Kpis {
        if !self.measuring {
            self.start_measuring();
        }
        let end = End {
            horizon,
            measured_ms: horizon.since(self.warmup).0 as u128,
            vehicle_busy_ms: self.tally.vehicle_busy_ms + self.cut_at(horizon, live.trips_under_way()),
            on_shift_ms: self.tally.driver_shift_ms
                + self.cut_at(horizon, self.on_shift_since.iter().flatten().copied()),
            queue_area: self.tally.queue_area
                + live.dock_queue() as u128 * horizon.since(self.tally.queue_since).0 as u128,
        };
        Kpis(KpiId::ALL.map(|id| self.value(id, &end, live)))
    }

    /// The value of KPI `id` at the end: one arm per KPI, so a KPI added to the table without its
    /// formula does not compile.
    fn value(&self, id: KpiId, end: &End, live: &LiveState) -> f64 {
        use KpiId::*;
        let m = &self.tally;
        let count = |n: u64| n as f64;
        match id {
            OnTimeRate => ratio(m.on_time_in_horizon as f64, m.due_in_horizon as f64),
            OrdersCreated => count(m.created),
            OrdersDelivered => count(m.delivered),
            OrdersCancelled => count(m.cancelled),
            OrdersOpenEnd => live.open_orders() as f64,
            OrdersLate => count(m.late),
            LatenessMinMean => m.lateness.mean_min(),
            LatenessMinP95 => m.lateness.p95_min(),
            OrderCycleMinMean => m.cycle.mean_min(),
            OrderCycleMinP95 => m.cycle.p95_min(),
            DispatchDelayMinMean => m.dispatch_delay.mean_min(),
            DispatchDelayMinP95 => m.dispatch_delay.p95_min(),
            DockWaitMinMean => m.dock_wait.mean_min(),
            DockWaitMinP95 => m.dock_wait.p95_min(),
            DockQueueMean => ratio(end.queue_area as f64, end.measured_ms as f64),
            DockArrivalsPerHour => ratio(m.dock_arrivals as f64, end.horizon.since(self.warmup).as_hours()),
            VehicleUtilisation => ratio(end.vehicle_busy_ms as f64, (end.measured_ms * self.vehicles as u128) as f64),
            DriverUtilisation => ratio(end.vehicle_busy_ms as f64, end.on_shift_ms as f64),
            Trips => count(m.trips),
            StopsPerTripMean => ratio(m.routed_stops as f64, m.routes as f64),
            DistanceKm => m.distance_mm as f64 / 1e6,
            CostFleet => m.cost,
            CostPerOrder => ratio(m.cost, m.delivered_own as f64),
            DriverOvertimeMin => m.overtime_ms as f64 / MS_PER_MIN as f64,
            StopsAborted => count(m.aborted),
            DecisionsRejected => count(m.rejected),
            DockGiveUps => count(m.give_ups),
            PremiumOrders => count(m.premium),
            PremiumCost => m.premium_cost,
            TendersRejected => count(m.tenders_rejected),
            CostTotal => m.cost + m.premium_cost,
            CostTotalPerOrder => ratio(m.cost + m.premium_cost, m.delivered as f64),
            DeliveriesFailed => count(m.failed),
            Exceptions => count(m.exceptions_by_kind.iter().sum()),
            ExceptionsEtaRisk
            | ExceptionsTenderRejected
            | ExceptionsFailedDelivery
            | ExceptionsMissedDockSlot
            | ExceptionsBreakdown
            | ExceptionsNotReady => {
                let kind = EXCEPTION_KPIS.iter().position(|k| *k == id).expect("a KPI per kind");
                count(m.exceptions_by_kind[kind])
            }
            ExceptionsHighOrCritical => count(m.severe),
            ExceptionsEscalated => count(m.escalated),
            ExceptionResolveMinMean => m.resolve.mean_min(),
            ExceptionResolveMinP95 => m.resolve.p95_min(),
            ExceptionsOpenEnd => live.open_exceptions() as f64,
            ExceptionOpenAgeMinMean => {
                ratio(live.open_exception_ages(end.horizon).as_min(), live.open_exceptions() as f64)
            }
            ManualTouchesPerOrder => ratio(m.manual as f64, m.created as f64),
            CustomerNotifications => count(m.notified),
            EtaRiskLeadMinMean => ratio(m.eta_lead_ms.0 as f64 / MS_PER_MIN as f64, m.eta_lead_ms.1 as f64),
            RoutesResequenced => count(m.resequenced),
            DriverNoShows => count(m.no_shows),
            Breakdowns => count(m.breakdowns),
            DriverLateStarts => count(m.late_starts.0),
            DriverLateMinMean => ratio(m.late_starts.1.as_min(), m.late_starts.0 as f64),
            LegsHeld => count(m.holds.0),
            LegHoldMinMean => ratio(m.holds.1.as_min(), m.holds.0 as f64),
            Reassignments => count(m.reassigned),
            ReassignmentRate => ratio(m.reassigned as f64, m.created as f64),
        }
    }
}

/// The time integrals at the end of the horizon, open spells cut there.
struct End {
    horizon: Instant,
    /// Length of `[warm-up end, horizon]`, ms.
    measured_ms: u128,
    vehicle_busy_ms: u128,
    on_shift_ms: u128,
    queue_area: u128,
}

impl LiveSink for KpiCollector {
    /// Each record to the handler of its concern, reading the live state as it was up to `t`.
    fn record(&mut self, t: Instant, record: &Record, live: &LiveState) {
        if !self.measuring && t >= self.warmup {
            self.start_measuring();
        }
        let m = &mut self.tally;
        match *record {
            Record::RouteAssigned { ref orders, .. } => self.route_assigned(orders.len()),
            Record::StopsAborted { ref orders, .. } => m.aborted += orders.len() as u64,
            // Orders.
            Record::OrderCreated { due, .. } => self.order_created(due),
            Record::OrderCancelled { .. } => m.cancelled += 1,
            Record::Delivered { created, due, service_start, .. } => {
                self.order_delivered(t, created, due, service_start, true)
            }
            Record::CarrierDelivered { created, due, service_start, .. } => {
                self.order_delivered(t, created, due, service_start, false)
            }
            Record::OrderDeparted { ready, .. } => m.dispatch_delay.add(t.since(ready)),
            Record::DecisionRejected { .. } | Record::CancellationRefused { .. } => m.rejected += 1,
            // Docks.
            Record::DockArrived { .. } => self.dock_arrived(t, live),
            Record::LoadingStarted { waited, .. } => self.dock_left(t, waited, live),
            Record::DockGaveUp { vehicle, waited, .. } => {
                m.give_ups += 1;
                self.dock_left(t, waited, live);
                self.trip_over(vehicle, t, live);
            }
            // Fleet.
            Record::TripEnded { vehicle, distance_mm, cost, .. } => {
                self.trip_ended(t, vehicle, distance_mm, cost, live)
            }
            Record::DeliveryFailed { .. } => m.failed += 1,
            Record::RouteResequenced { .. } => m.resequenced += 1,
            Record::VehicleBrokeDown { .. } => m.breakdowns += 1,
            Record::OrderReassigned { .. } => m.reassigned += 1,
            Record::LegHeld { wait, .. } => m.holds = (m.holds.0 + 1, m.holds.1 + wait),
            // Drivers.
            Record::ShiftStarted { driver } => self.on_shift_since[driver.0 as usize] = Some(t),
            Record::ShiftEnded { driver, scheduled_end } => self.shift_ended(t, driver, scheduled_end),
            Record::DriverNoShow { .. } => m.no_shows += 1,
            Record::DriverLate { late, .. } => m.late_starts = (m.late_starts.0 + 1, m.late_starts.1 + late),
            // Carriers.
            Record::TenderAccepted { price, .. } => self.tender_accepted(price),
            Record::TenderRejected { .. } | Record::TenderRefused { .. } => m.tenders_rejected += 1,
            // Exceptions.
            Record::ExceptionRaised { exception_kind, severity, due, .. } => {
                self.exception_raised(t, exception_kind, severity, due)
            }
            Record::ExceptionEscalated { .. } => m.escalated += 1,
            Record::ExceptionResolved { manual, detected, .. } => self.exception_resolved(t, manual, detected),
            Record::CustomerNotified { .. } => m.notified += 1,
            Record::OrderReady { .. }
            | Record::Decision { .. }
            | Record::LoadingDone { .. }
            | Record::StopArrived { .. }
            | Record::OrderReturned { .. }
            | Record::DocksOpened { .. }
            | Record::ApprovalRequested { .. }
            | Record::DisruptionStarted { .. }
            | Record::OrderNotReady { .. }
            | Record::DisruptionEnded { .. }
            | Record::HandedOver { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::log::TripId;
    use policies::{Action, CarrierId, OrderId, SiteId};

    fn min(m: f64) -> Duration {
        Duration::from_min(m)
    }

    /// The clock `m` minutes into the run.
    fn at(m: f64) -> Instant {
        Instant::at(min(m))
    }

    #[test]
    fn the_table_is_indexed_by_its_ids_and_names_are_unique_snake_case() {
        assert_eq!(KPIS.len(), KpiId::COUNT);
        for (i, def) in KPIS.iter().enumerate() {
            assert_eq!((def.id as usize, KpiId::ALL[i]), (i, def.id), "{}", def.name);
            assert_eq!(KpiId::of(def.name), Some(def.id));
            assert_eq!(def.id.name(), def.name);
            assert!(
                def.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                def.name
            );
            assert!(!def.description.is_empty());
        }
        let mut names: Vec<&str> = KPIS.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KPIS.len(), "a name twice");
        assert!(KpiId::of("nope").is_none() && kpi_def("nope").is_none());
        assert_eq!(kpi_def("trips").map(|d| d.id), Some(KpiId::Trips));
    }

    #[test]
    fn units_agree_with_the_names() {
        for def in KPIS {
            let n = def.name;
            assert_eq!(def.unit == Unit::Min, n.contains("_min"), "{n}");
            assert_eq!(def.unit == Unit::Km, n.ends_with("_km"), "{n}");
            assert_eq!(def.unit == Unit::PerHour, n.ends_with("_per_hour"), "{n}");
            if n.ends_with("_per_order") {
                assert!(matches!(def.unit, Unit::PerOrder | Unit::MoneyPerOrder), "{n}");
            }
        }
        assert_eq!(KpiId::DockQueueMean.def().unit, Unit::Vehicles);
        assert_eq!(KpiId::CostTotal.def().group, Group::Costs);
    }

    #[test]
    fn the_headline_kpis_keep_their_order() {
        // Reports, box plots and the default KPIs of `stress` and `compare` show them in this order.
        let want = [
            "on_time_rate",
            "lateness_min_mean",
            "orders_late",
            "orders_open_end",
            "dock_wait_min_mean",
            "driver_utilisation",
            "cost_total_per_order",
            "premium_orders",
            "tenders_rejected",
            "exceptions",
            "manual_touches_per_order",
        ];
        assert_eq!(HEADLINE_NAMES, want);
        assert_eq!(HEADLINE.map(|id| id.def().headline), std::array::from_fn(|i| Some(i as u8)));
    }

    #[test]
    fn kpis_are_read_by_id_and_by_name_and_compared_bit_for_bit() {
        let mut values = std::array::from_fn(|i| i as f64);
        values[KpiId::OnTimeRate as usize] = f64::NAN;
        let k = Kpis(values);
        assert_eq!(k[KpiId::Trips], KPIS.iter().position(|d| d.name == "trips").unwrap() as f64);
        assert_eq!(k.get("trips"), Some(k[KpiId::Trips]));
        assert!(k.get("on_time_rate").unwrap().is_nan() && k.get("nope").is_none());
        assert_eq!(k, k.clone(), "NaN equals itself");
        let mut other = k.clone();
        other.0[KpiId::Trips as usize] = -0.0;
        assert_ne!(k, other);
    }

    /// One vehicle, one driver; to 3 h.
    fn collector(warmup: Instant) -> KpiCollector {
        KpiCollector::for_network(at(180.0), warmup, 1, 1)
    }

    /// The live state the records leave, as the log would keep it beside the collector.
    fn feed(c: &mut KpiCollector, records: &[(f64, Record)]) -> LiveState {
        let mut live = LiveState::new(1);
        for (t, r) in records {
            crate::live::feed(c, &mut live, at(*t), r);
        }
        live
    }

    fn created(order: u64, due: f64) -> Record {
        Record::OrderCreated { order: OrderId(order), site: SiteId(0), size: 1, due: at(due) }
    }

    fn delivered(order: u64, created: f64, due: f64, service_start: f64) -> Record {
        let (created, due, service_start) = (at(created), at(due), at(service_start));
        Record::Delivered { order: OrderId(order), trip: TripId(0), vehicle: VehicleId(0), created, due, service_start }
    }

    fn route() -> Record {
        Record::RouteAssigned {
            trip: TripId(0),
            vehicle: VehicleId(0),
            driver: DriverId(0),
            site: SiteId(0),
            orders: vec![OrderId(1), OrderId(2)],
            load: 1,
            capacity: 1,
        }
    }

    #[test]
    fn after_a_warm_up_counts_start_afresh_and_spells_under_way_count_from_its_end() {
        let mut c = collector(at(60.0));
        let (v, d, s, trip) = (VehicleId(0), DriverId(0), SiteId(0), TripId(0));
        let trip_ended = |started, distance_mm, cost| Record::TripEnded {
            trip,
            vehicle: v,
            driver: d,
            started,
            distance_mm,
            cost: Money(cost),
        };
        let live = feed(
            &mut c,
            &[
                (0.0, Record::ShiftStarted { driver: d }),
                (30.0, route()),
                (40.0, created(1, 100.0)),
                // Delivered after the warm-up: counted, but an order of the warm-up, so its
                // lateness is not measured.
                (70.0, delivered(1, 40.0, 65.0, 70.0)),
                // 10 km at 2 per km and an hour at 60 per hour.
                (90.0, trip_ended(at(30.0), 10_000_000, 80.0)),
                (100.0, created(2, 130.0)),
                (120.0, route()),
                (140.0, delivered(2, 100.0, 130.0, 135.0)),
                (150.0, Record::ShiftEnded { driver: d, scheduled_end: at(140.0) }),
                (160.0, Record::DockArrived { trip, vehicle: v, site: s }),
                (170.0, Record::LoadingStarted { trip, vehicle: v, site: s, door: 0, waited: min(10.0) }),
                (175.0, Record::TenderAccepted { order: OrderId(3), carrier: CarrierId(0), price: Money(7.0) }),
            ],
        );
        let k = c.finish(at(180.0), &live);
        assert_eq!((k[KpiId::OrdersCreated], k[KpiId::OrdersDelivered], k[KpiId::OrdersOpenEnd]), (1.0, 2.0, 0.0));
        assert_eq!((k[KpiId::OnTimeRate], k[KpiId::OrdersLate], k[KpiId::LatenessMinMean]), (0.0, 1.0, 5.0));
        assert_eq!(k[KpiId::OrderCycleMinMean], 40.0);
        // Busy from 60 (the warm-up's end) to 90, and from 120 to the horizon: 90 of 120 minutes.
        assert_eq!(k[KpiId::VehicleUtilisation], 0.75);
        // On shift from 60 to 150: 90 minutes, all of them with the vehicle out.
        assert_eq!(k[KpiId::DriverUtilisation], 1.0);
        assert_eq!(k[KpiId::DriverOvertimeMin], 10.0);
        // The trip ended after the warm-up: all its km and hours are paid, 2 x 10 + 60 x 1.
        assert_eq!((k[KpiId::Trips], k[KpiId::DistanceKm], k[KpiId::CostFleet]), (1.0, 10.0, 80.0));
        assert_eq!((k[KpiId::CostPerOrder], k[KpiId::CostTotal]), (40.0, 87.0));
        assert_eq!((k[KpiId::StopsPerTripMean], k[KpiId::PremiumOrders], k[KpiId::PremiumCost]), (2.0, 1.0, 7.0));
        assert_eq!(k[KpiId::DockQueueMean], 10.0 / 120.0);
        assert_eq!((k[KpiId::DockArrivalsPerHour], k[KpiId::DockWaitMinMean]), (0.5, 10.0));
    }

    #[test]
    fn exceptions_by_kind_open_at_the_end_and_their_ages() {
        let mut c = collector(Instant::START);
        let raised = |exception, exception_kind, severity, due| Record::ExceptionRaised {
            exception,
            exception_kind,
            order: OrderId(exception),
            severity,
            due: at(due),
        };
        let resolved = |exception, manual, detected| Record::ExceptionResolved {
            exception,
            order: OrderId(exception),
            action: Action::Wait,
            manual,
            detected: at(detected),
        };
        let live = feed(
            &mut c,
            &[
                (0.0, created(0, 60.0)),
                (10.0, raised(1, ExceptionKind::EtaRisk, Severity::Low, 40.0)),
                (20.0, raised(2, ExceptionKind::EtaRisk, Severity::High, 10.0)),
                (30.0, raised(3, ExceptionKind::Breakdown, Severity::Critical, 90.0)),
                (31.0, Record::ExceptionEscalated { exception: 3, order: OrderId(3) }),
                (50.0, resolved(1, true, 10.0)),
            ],
        );
        let k = c.finish(at(180.0), &live);
        assert_eq!((k[KpiId::Exceptions], k[KpiId::ExceptionsEtaRisk], k[KpiId::ExceptionsBreakdown]), (3.0, 2.0, 1.0));
        assert_eq!((k[KpiId::ExceptionsTenderRejected], k[KpiId::ExceptionsHighOrCritical]), (0.0, 2.0));
        assert_eq!((k[KpiId::ExceptionsEscalated], k[KpiId::ExceptionResolveMinMean]), (1.0, 40.0));
        // Open at 180: the ones raised at 20 and 30.
        assert_eq!((k[KpiId::ExceptionsOpenEnd], k[KpiId::ExceptionOpenAgeMinMean]), (2.0, 155.0));
        assert_eq!(k[KpiId::ManualTouchesPerOrder], 1.0);
        // Lead of the ETA risks: 40 - 10 and 10 - 20 minutes.
        assert_eq!(k[KpiId::EtaRiskLeadMinMean], 10.0);
        assert_eq!(k[KpiId::OrdersOpenEnd], 1.0);
    }

    #[test]
    fn a_share_or_mean_of_nothing_is_undefined_and_a_count_zero() {
        let k = collector(at(60.0)).finish(at(180.0), &LiveState::new(1));
        for undefined in [KpiId::OnTimeRate, KpiId::LatenessMinMean, KpiId::DriverUtilisation, KpiId::CostPerOrder] {
            assert!(k[undefined].is_nan(), "{}", undefined.name());
        }
        for zero in [KpiId::OrdersCreated, KpiId::Trips, KpiId::DockQueueMean, KpiId::VehicleUtilisation] {
            assert_eq!(k[zero], 0.0, "{}", zero.name());
        }
    }
}
