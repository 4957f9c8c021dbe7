//! KPIs of one replication, computed from the event log as it is appended.
//!
//! Names are stable snake_case with their unit last: CI gates and scripts depend on them.
//! Percentiles come from HDR histograms (3 significant digits), so memory stays constant
//! however long the horizon.

use hdrhistogram::Histogram;
use std::collections::HashMap;

use policies::{ExceptionKind, MS_PER_HOUR, MS_PER_MIN, Severity, TimeMs};

use crate::log::{LogSink, Record};
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

/// A KPI's name, which way it is better, and what it measures.
#[derive(Clone, Copy, Debug)]
pub struct KpiDef {
    pub name: &'static str,
    pub better: Better,
    pub description: &'static str,
}

/// The KPI called `name`, if there is one.
pub fn kpi_def(name: &str) -> Option<&'static KpiDef> {
    KPIS.iter().find(|k| k.name == name)
}

macro_rules! kpis {
    ($($idx:ident = $name:literal, $better:ident : $desc:literal),* $(,)?) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        #[repr(usize)]
        enum K { $($idx),* }
        /// Every KPI, in report order.
        pub const KPIS: &[KpiDef] = &[$(KpiDef { name: $name, better: Better::$better, description: $desc }),*];
    };
}

kpis! {
    OnTime = "on_time_rate", Higher: "share of orders due within the horizon that were served by their due time",
    Created = "orders_created", Neutral: "orders created",
    Delivered = "orders_delivered", Higher: "orders delivered",
    Cancelled = "orders_cancelled", Lower: "orders cancelled by the customer before being routed",
    OpenEnd = "orders_open_end", Lower: "orders neither delivered nor cancelled at the end of the horizon",
    Late = "orders_late", Lower: "orders delivered after their due time (time-window violations)",
    LateMean = "lateness_min_mean", Lower: "mean lateness of delivered orders (0 when on time), minutes",
    LateP95 = "lateness_min_p95", Lower: "95th percentile of lateness of delivered orders, minutes",
    CycleMean = "order_cycle_min_mean", Lower: "mean time from order creation to delivery, minutes",
    CycleP95 = "order_cycle_min_p95", Lower: "95th percentile of order cycle time, minutes",
    DispatchMean = "dispatch_delay_min_mean", Lower: "mean time from ready at the dock to departed on a vehicle, minutes",
    DispatchP95 = "dispatch_delay_min_p95", Lower: "95th percentile of dispatch delay, minutes",
    DockWaitMean = "dock_wait_min_mean", Lower: "mean wait of a vehicle for a free door, minutes",
    DockWaitP95 = "dock_wait_min_p95", Lower: "95th percentile of dock wait, minutes",
    DockQueue = "dock_queue_mean", Lower: "time-average number of vehicles waiting for a door, all sites",
    DockRate = "dock_arrivals_per_hour", Neutral: "vehicles arriving at the doors per hour, all sites",
    VehicleUtil = "vehicle_utilisation", Neutral: "share of vehicle time on a trip (routed to back home)",
    DriverUtil = "driver_utilisation", Neutral: "share of drivers' on-shift time spent on trips",
    Trips = "trips", Neutral: "trips completed",
    StopsPerTrip = "stops_per_trip_mean", Neutral: "mean number of stops per routed trip",
    Distance = "distance_km", Neutral: "distance driven on completed trips, km",
    Cost = "cost_fleet", Lower: "fleet cost of completed trips: km and hours at each vehicle type's rates",
    CostPerOrder = "cost_per_order", Neutral: "fleet cost per order the own fleet delivered (carrier deliveries are not in it: see cost_total_per_order)",
    Overtime = "driver_overtime_min", Lower: "minutes drivers worked past their scheduled shift end, total",
    Aborted = "stops_aborted", Lower: "stops given up because the driver would have run out of hours",
    Rejected = "decisions_rejected", Lower: "routes and cancellations proposed by the policy and refused by the engine",
    GiveUps = "dock_give_ups", Lower: "routes released unloaded because the driver would have run out of hours waiting for a door",
    Premium = "premium_orders", Neutral: "orders carried by third-party carriers (tenders accepted)",
    PremiumCost = "premium_cost", Lower: "price of the tenders accepted",
    TendersRejected = "tenders_rejected", Lower: "tenders the carrier said no to (or could not take)",
    CostTotal = "cost_total", Lower: "fleet cost plus premium freight",
    CostTotalPerOrder = "cost_total_per_order", Neutral: "all-in cost (fleet plus premium freight) per delivered order, own fleet and carriers",
    Failed = "deliveries_failed", Lower: "delivery attempts the customer could not take (the order rides back)",
    Exceptions = "exceptions", Lower: "exceptions raised",
    ExcEta = "exceptions_eta_risk", Lower: "exceptions: predicted arrival past due by more than the policy's threshold",
    ExcTender = "exceptions_tender_rejected", Lower: "exceptions: a carrier rejected a tender",
    ExcFailed = "exceptions_failed_delivery", Lower: "exceptions: a delivery attempt failed",
    ExcDock = "exceptions_missed_dock_slot", Lower: "exceptions: a route given up at the doors",
    ExcSevere = "exceptions_high_or_critical", Lower: "exceptions classified high or critical",
    Escalated = "exceptions_escalated", Lower: "exceptions handed to the dispatchers",
    Resolve = "exception_resolve_min_mean", Lower: "mean time from detection to resolution, minutes",
    ResolveP95 = "exception_resolve_min_p95", Lower: "95th percentile of exception resolution time, minutes",
    ExcOpen = "exceptions_open_end", Lower: "exceptions still unresolved at the end of the horizon",
    ExcAge = "exception_open_age_min_mean", Lower: "mean age of the exceptions unresolved at the end, minutes",
    Touches = "manual_touches_per_order", Lower: "exceptions resolved by a dispatcher, per order created",
    Notified = "customer_notifications", Neutral: "customers told of a new ETA",
    EtaLead = "eta_risk_lead_min_mean", Higher: "time to detect, as lead: minutes from an ETA-risk detection to the order's due time (negative: detected after it)",
    Resequenced = "routes_resequenced", Neutral: "routes re-ordered on the road to cut expected lateness",
    NoShows = "driver_no_shows", Lower: "shifts drivers did not turn up for",
    Breakdowns = "breakdowns", Lower: "vehicles broken down on the road",
    ExcBreakdown = "exceptions_breakdown", Lower: "exceptions: an order on a vehicle that broke down",
    ExcNotReady = "exceptions_not_ready", Lower: "exceptions: an order found not ready at the dock",
    LateStarts = "driver_late_starts", Lower: "shifts drivers started late",
    LateMin = "driver_late_min_mean", Lower: "mean delay of the late shift starts, minutes",
    LegsHeld = "legs_held", Lower: "legs that waited for a closed region to reopen",
    HoldMin = "leg_hold_min_mean", Lower: "mean wait of the legs held by a closure, minutes",
    Reassigned = "reassignments", Neutral: "orders moved from a broken-down vehicle to a rescue vehicle",
    ReassignRate = "reassignment_rate", Neutral: "orders reassigned per order created",
}

/// KPI values of one replication, in [`KPIS`] order. A KPI that is undefined in a replication
/// — a share or mean of nothing: no order due within the horizon, no trip, no late start — is
/// NaN here; result files write it as `null` (JSON) or an empty cell (CSV), tables as `-`, and
/// statistics across replications leave it out.
#[derive(Clone, Debug)]
pub struct Kpis(pub Vec<f64>);

/// Bit for bit: an undefined KPI (NaN) equals itself, as runs that must be identical require.
impl PartialEq for Kpis {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Kpis {
    /// The value of KPI `name` (NaN when undefined); `None` when there is no such KPI.
    pub fn get(&self, name: &str) -> Option<f64> {
        KPIS.iter().position(|k| k.name == name).map(|i| self.0[i])
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

impl Durations {
    fn new() -> Self {
        Durations { sum_ms: 0, count: 0, hist: histogram() }
    }
    fn add(&mut self, d: TimeMs) {
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

/// Consumes the log of one replication and produces its [`Kpis`].
///
/// With a warm-up period `[0, W)`, statistics start afresh at `W`, as in a simulation run from a
/// loaded network: counts, costs and durations are of what happens from `W` on; time averages
/// and utilisations cover `[W, horizon]`; the outcomes of orders (on time, lateness, cycle time)
/// are of orders created from `W` on. State carries over: the vehicles out, the queue, the open
/// orders and exceptions (so `orders_open_end` counts every order still open).
pub struct KpiCollector {
    horizon: TimeMs,
    warmup: TimeMs,
    /// Statistics are being collected: the warm-up is over.
    measuring: bool,
    open_orders: u64,
    /// (cost per km, cost per hour) by vehicle id.
    vehicle_rates: Vec<(f64, f64)>,
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
    queue_len: u64,
    queue_since: TimeMs,
    queue_area: u128,
    vehicle_busy_since: Vec<Option<TimeMs>>,
    vehicle_busy_ms: u128,
    driver_shift_since: Vec<Option<TimeMs>>,
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
    /// Price per order by carrier id.
    carrier_prices: Vec<f64>,
    premium: u64,
    premium_cost: f64,
    tenders_rejected: u64,
    failed: u64,
    exceptions_by_kind: [u64; 6],
    severe: u64,
    escalated: u64,
    resolve: Durations,
    manual: u64,
    notified: u64,
    resequenced: u64,
    no_shows: u64,
    late_starts: (u64, TimeMs),
    holds: (u64, TimeMs),
    breakdowns: u64,
    reassigned: u64,
    /// Sum and count of (due - detection) over ETA risks, ms.
    eta_lead_ms: (i128, u64),
    /// Detection time of exceptions not yet resolved.
    open_exceptions: HashMap<u64, TimeMs>,
}

impl KpiCollector {
    pub fn new(scenario: &Scenario) -> Self {
        let vehicle_rates = scenario
            .vehicles
            .iter()
            .map(|v| {
                let t = &scenario.vehicle_types[v.vehicle_type as usize];
                (t.cost_per_km, t.cost_per_hour)
            })
            .collect();
        let carrier_prices = scenario.carriers.iter().map(|c| c.price_per_order).collect();
        let mut kpis =
            Self::empty(scenario.horizon, scenario.warmup, vehicle_rates, carrier_prices, scenario.drivers.len());
        kpis.measuring = scenario.warmup == TimeMs::ZERO;
        kpis
    }

    /// A collector with nothing counted yet.
    fn empty(
        horizon: TimeMs,
        warmup: TimeMs,
        vehicle_rates: Vec<(f64, f64)>,
        carrier_prices: Vec<f64>,
        drivers: usize,
    ) -> Self {
        KpiCollector {
            horizon,
            warmup,
            measuring: true,
            open_orders: 0,
            vehicle_busy_since: vec![None; vehicle_rates.len()],
            driver_shift_since: vec![None; drivers],
            vehicle_rates,
            created: 0,
            delivered: 0,
            delivered_own: 0,
            cancelled: 0,
            due_in_horizon: 0,
            on_time_in_horizon: 0,
            late: 0,
            lateness: Durations::new(),
            cycle: Durations::new(),
            dispatch_delay: Durations::new(),
            dock_wait: Durations::new(),
            dock_arrivals: 0,
            queue_len: 0,
            queue_since: TimeMs::ZERO,
            queue_area: 0,
            vehicle_busy_ms: 0,
            driver_shift_ms: 0,
            routes: 0,
            routed_stops: 0,
            trips: 0,
            distance_mm: 0,
            cost: 0.0,
            overtime_ms: 0,
            aborted: 0,
            rejected: 0,
            give_ups: 0,
            carrier_prices,
            premium: 0,
            premium_cost: 0.0,
            tenders_rejected: 0,
            failed: 0,
            exceptions_by_kind: [0; 6],
            severe: 0,
            escalated: 0,
            resolve: Durations::new(),
            manual: 0,
            notified: 0,
            resequenced: 0,
            no_shows: 0,
            late_starts: (0, TimeMs::ZERO),
            holds: (0, TimeMs::ZERO),
            breakdowns: 0,
            reassigned: 0,
            eta_lead_ms: (0, 0),
            open_exceptions: HashMap::new(),
        }
    }

    /// The end of the warm-up: statistics start afresh, state carries over.
    fn start_measuring(&mut self) {
        let w = self.warmup;
        let fresh = Self::empty(
            self.horizon,
            w,
            self.vehicle_rates.clone(),
            self.carrier_prices.clone(),
            self.driver_shift_since.len(),
        );
        let old = std::mem::replace(self, fresh);
        let from_w = |spells: &[Option<TimeMs>]| spells.iter().map(|s| s.map(|_| w)).collect();
        self.vehicle_busy_since = from_w(&old.vehicle_busy_since);
        self.driver_shift_since = from_w(&old.driver_shift_since);
        (self.open_orders, self.queue_len, self.queue_since) = (old.open_orders, old.queue_len, w);
        self.open_exceptions = old.open_exceptions;
    }

    fn end_busy(&mut self, vehicle: policies::VehicleId, t: TimeMs) {
        if let Some(since) = self.vehicle_busy_since[vehicle.0 as usize].take() {
            self.vehicle_busy_ms += (t - since).0 as u128;
        }
    }

    fn queue_change(&mut self, t: TimeMs, up: bool) {
        self.queue_area += self.queue_len as u128 * (t - self.queue_since).0 as u128;
        self.queue_since = t;
        if up { self.queue_len += 1 } else { self.queue_len -= 1 }
    }

    /// KPI values at the end of the horizon; busy and on-shift spells still open are cut there.
    pub fn finish(&mut self, horizon: TimeMs) -> Kpis {
        if !self.measuring {
            self.start_measuring();
        }
        let h = (horizon - self.warmup).0 as u128;
        let open_spells = |spells: &[Option<TimeMs>]| -> u128 {
            spells.iter().flatten().map(|since| (horizon - *since).0 as u128).sum()
        };
        let vehicle_busy = self.vehicle_busy_ms + open_spells(&self.vehicle_busy_since);
        let on_shift = self.driver_shift_ms + open_spells(&self.driver_shift_since);
        let queue_area = self.queue_area + self.queue_len as u128 * (horizon - self.queue_since).0 as u128;
        let mut v = vec![0.0; KPIS.len()];
        let mut set = |k: K, x: f64| v[k as usize] = x;
        set(K::OnTime, ratio(self.on_time_in_horizon as f64, self.due_in_horizon as f64));
        set(K::Created, self.created as f64);
        set(K::Delivered, self.delivered as f64);
        set(K::Cancelled, self.cancelled as f64);
        set(K::OpenEnd, self.open_orders as f64);
        set(K::Late, self.late as f64);
        set(K::LateMean, self.lateness.mean_min());
        set(K::LateP95, self.lateness.p95_min());
        set(K::CycleMean, self.cycle.mean_min());
        set(K::CycleP95, self.cycle.p95_min());
        set(K::DispatchMean, self.dispatch_delay.mean_min());
        set(K::DispatchP95, self.dispatch_delay.p95_min());
        set(K::DockWaitMean, self.dock_wait.mean_min());
        set(K::DockWaitP95, self.dock_wait.p95_min());
        set(K::DockQueue, ratio(queue_area as f64, h as f64));
        set(K::DockRate, ratio(self.dock_arrivals as f64, (horizon - self.warmup).as_hours()));
        set(K::VehicleUtil, ratio(vehicle_busy as f64, (h * self.vehicle_rates.len() as u128) as f64));
        set(K::DriverUtil, ratio(vehicle_busy as f64, on_shift as f64));
        set(K::Trips, self.trips as f64);
        set(K::StopsPerTrip, ratio(self.routed_stops as f64, self.routes as f64));
        set(K::Distance, self.distance_mm as f64 / 1e6);
        set(K::Cost, self.cost);
        set(K::CostPerOrder, ratio(self.cost, self.delivered_own as f64));
        set(K::Overtime, self.overtime_ms as f64 / MS_PER_MIN as f64);
        set(K::Aborted, self.aborted as f64);
        set(K::Rejected, self.rejected as f64);
        set(K::GiveUps, self.give_ups as f64);
        set(K::Premium, self.premium as f64);
        set(K::PremiumCost, self.premium_cost);
        set(K::TendersRejected, self.tenders_rejected as f64);
        set(K::CostTotal, self.cost + self.premium_cost);
        set(K::CostTotalPerOrder, ratio(self.cost + self.premium_cost, self.delivered as f64));
        set(K::Failed, self.failed as f64);
        set(K::Exceptions, self.exceptions_by_kind.iter().sum::<u64>() as f64);
        let kinds = [K::ExcEta, K::ExcTender, K::ExcFailed, K::ExcDock, K::ExcBreakdown, K::ExcNotReady];
        for (k, n) in kinds.into_iter().zip(self.exceptions_by_kind) {
            set(k, n as f64);
        }
        set(K::ExcSevere, self.severe as f64);
        set(K::Escalated, self.escalated as f64);
        set(K::Resolve, self.resolve.mean_min());
        set(K::ResolveP95, self.resolve.p95_min());
        set(K::ExcOpen, self.open_exceptions.len() as f64);
        // Summed in whole milliseconds: exact, so the map's iteration order cannot change the bits.
        let ages = TimeMs(self.open_exceptions.values().map(|d| (horizon - *d).0).sum());
        set(K::ExcAge, ratio(ages.as_min(), self.open_exceptions.len() as f64));
        set(K::Touches, ratio(self.manual as f64, self.created as f64));
        set(K::Notified, self.notified as f64);
        set(K::Resequenced, self.resequenced as f64);
        set(K::NoShows, self.no_shows as f64);
        set(K::LateStarts, self.late_starts.0 as f64);
        set(K::LateMin, ratio(self.late_starts.1.as_min(), self.late_starts.0 as f64));
        set(K::LegsHeld, self.holds.0 as f64);
        set(K::HoldMin, ratio(self.holds.1.as_min(), self.holds.0 as f64));
        set(K::Breakdowns, self.breakdowns as f64);
        set(K::Reassigned, self.reassigned as f64);
        set(K::ReassignRate, ratio(self.reassigned as f64, self.created as f64));
        set(K::EtaLead, ratio(self.eta_lead_ms.0 as f64 / MS_PER_MIN as f64, self.eta_lead_ms.1 as f64));
        Kpis(v)
    }
}

impl LogSink for KpiCollector {
    fn record(&mut self, t: TimeMs, record: &Record) {
        if !self.measuring && t >= self.warmup {
            self.start_measuring();
        }
        match *record {
            Record::OrderCreated { due, .. } => {
                self.open_orders += 1;
                self.created += 1;
                if due <= self.horizon {
                    self.due_in_horizon += 1;
                }
            }
            Record::OrderCancelled { .. } => {
                self.open_orders -= 1;
                self.cancelled += 1;
            }
            Record::Delivered { created, due, service_start, .. }
            | Record::CarrierDelivered { created, due, service_start, .. } => {
                self.open_orders -= 1;
                self.delivered += 1;
                self.delivered_own += matches!(record, Record::Delivered { .. }) as u64;
                if created < self.warmup {
                    return; // an order of the warm-up: its outcome is not measured
                }
                if service_start <= due && due <= self.horizon {
                    self.on_time_in_horizon += 1;
                }
                if service_start > due {
                    self.late += 1;
                }
                self.lateness.add(service_start - due);
                self.cycle.add(t - created);
            }
            Record::OrderDeparted { ready, .. } => self.dispatch_delay.add(t - ready),
            Record::DecisionRejected { .. } | Record::CancellationRefused { .. } => self.rejected += 1,
            Record::TenderAccepted { carrier, .. } => {
                self.premium += 1;
                self.premium_cost += self.carrier_prices[carrier.0 as usize];
            }
            Record::TenderRejected { .. } | Record::TenderRefused { .. } => self.tenders_rejected += 1,
            Record::DeliveryFailed { .. } => self.failed += 1,
            Record::ExceptionRaised { exception, exception_kind, severity, due, .. } => {
                if exception_kind == ExceptionKind::EtaRisk {
                    self.eta_lead_ms.0 += due.0 as i128 - t.0 as i128;
                    self.eta_lead_ms.1 += 1;
                }
                let kind = ExceptionKind::ALL.iter().position(|k| *k == exception_kind).expect("every kind listed");
                self.exceptions_by_kind[kind] += 1;
                if severity >= Severity::High {
                    self.severe += 1;
                }
                self.open_exceptions.insert(exception, t);
            }
            Record::ExceptionEscalated { .. } => self.escalated += 1,
            Record::ExceptionResolved { exception, manual, detected, .. } => {
                self.open_exceptions.remove(&exception);
                self.resolve.add(t - detected);
                self.manual += manual as u64;
            }
            Record::CustomerNotified { .. } => self.notified += 1,
            Record::RouteResequenced { .. } => self.resequenced += 1,
            Record::DriverNoShow { .. } => self.no_shows += 1,
            Record::DriverLate { late, .. } => self.late_starts = (self.late_starts.0 + 1, self.late_starts.1 + late),
            Record::LegHeld { wait, .. } => self.holds = (self.holds.0 + 1, self.holds.1 + wait),
            Record::VehicleBrokeDown { .. } => self.breakdowns += 1,
            Record::OrderReassigned { .. } => self.reassigned += 1,
            Record::RouteAssigned { vehicle, stops, .. } => {
                self.routes += 1;
                self.routed_stops += stops as u64;
                self.vehicle_busy_since[vehicle.0 as usize] = Some(t);
            }
            Record::DockArrived { .. } => {
                self.dock_arrivals += 1;
                self.queue_change(t, true);
            }
            Record::LoadingStarted { waited, .. } => {
                self.dock_wait.add(waited);
                self.queue_change(t, false);
            }
            Record::DockGaveUp { vehicle, waited, .. } => {
                self.give_ups += 1;
                self.dock_wait.add(waited);
                self.queue_change(t, false);
                self.end_busy(vehicle, t);
            }
            Record::StopsAborted { orders, .. } => self.aborted += orders as u64,
            Record::TripEnded { vehicle, started, distance_mm, .. } => {
                self.trips += 1;
                self.distance_mm += distance_mm;
                let (per_km, per_hour) = self.vehicle_rates[vehicle.0 as usize];
                self.cost += per_km * distance_mm as f64 / 1e6 + per_hour * (t - started).0 as f64 / MS_PER_HOUR as f64;
                self.end_busy(vehicle, t);
            }
            Record::ShiftStarted { driver } => self.driver_shift_since[driver.0 as usize] = Some(t),
            Record::ShiftEnded { driver, scheduled_end } => {
                self.overtime_ms += (t - scheduled_end).0;
                if let Some(since) = self.driver_shift_since[driver.0 as usize].take() {
                    self.driver_shift_ms += (t - since).0 as u128;
                }
            }
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
