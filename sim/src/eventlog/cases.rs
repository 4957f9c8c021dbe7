//! The case table: one CSV row per order (case = order), for pandas, polars or a spreadsheet.
//!
//! A row is written when the order is finished: cancelled, delivered by a carrier, or delivered
//! by the own fleet once its trip is back (the trip's cost is shared equally among the orders it
//! delivered). Orders still open at the end of the run are written then, as `open`.

use std::io::Write;

use policies::{Instant, MS_PER_MIN, OrderId};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{Clock, FirstError};
use crate::kernel::log::{LogSink, Record, TripId};

/// One order's row (see `docs/events.md` for each column).
#[derive(Clone, Debug, Default, Serialize)]
struct Row {
    replication: u32,
    order: u64,
    site: u32,
    size: u32,
    outcome: &'static str,
    path: String,
    created: String,
    ready: String,
    first_assigned: String,
    departed: String,
    finished: String,
    due: String,
    on_time: Option<bool>,
    lateness_min: Option<f64>,
    cycle_min: Option<f64>,
    trips: u32,
    failed_attempts: u32,
    tenders_rejected: u32,
    exceptions: u32,
    escalations: u32,
    vehicle: Option<u32>,
    carrier: Option<u32>,
    cost: Option<f64>,
    #[serde(skip)]
    created_ms: u64,
    #[serde(skip)]
    due_ms: u64,
    /// The trip it is on, if it is.
    #[serde(skip)]
    trip: Option<TripId>,
    #[serde(skip)]
    consolidated: bool,
    #[serde(skip)]
    rescued: bool,
    #[serde(skip)]
    returned: bool,
}

impl Row {
    /// The workflow path: how it was delivered (`own`, `carrier`) or not (`cancelled`, `open`),
    /// then what happened on the way, joined with `+`: `consolidated` (its delivering trip had
    /// other orders), `rescued` (moved to a rescue vehicle), `redelivered` (a failed attempt
    /// first), `returned` (brought back or released before a later trip), `escalated` (an
    /// exception about it went to a dispatcher).
    fn path(&self) -> String {
        let flags = [
            (self.consolidated, "consolidated"),
            (self.rescued, "rescued"),
            (self.failed_attempts > 0, "redelivered"),
            (self.returned, "returned"),
            (self.escalations > 0, "escalated"),
        ];
        let mut path = self.outcome.to_string();
        for (_, name) in flags.iter().filter(|(on, _)| *on) {
            path.push('+');
            path.push_str(name);
        }
        path
    }
}

/// A trip under way: how many orders it has carried, and the rows of those it delivered.
#[derive(Default)]
struct Trip {
    orders: u32,
    delivered: Vec<Row>,
}

pub struct Cases<W: Write> {
    out: csv::Writer<W>,
    clock: Clock,
    replication: u32,
    orders: FxHashMap<OrderId, Row>,
    trips: FxHashMap<TripId, Trip>,
    rows: u64,
    error: FirstError,
}

impl<W: Write> Cases<W> {
    pub fn new(out: W, clock: Clock) -> Self {
        Cases {
            out: csv::Writer::from_writer(out),
            clock,
            replication: 0,
            orders: FxHashMap::default(),
            trips: FxHashMap::default(),
            rows: 0,
            error: FirstError::default(),
        }
    }

    /// Records from now on are of replication `replication`; what is left of the last one is written.
    pub fn start_replication(&mut self, replication: u32) {
        self.flush_open();
        self.replication = replication;
    }

    fn write(&mut self, mut row: Row) {
        row.path = row.path();
        let r = self.out.serialize(&row).map_err(std::io::Error::from);
        self.rows += 1;
        self.error.keep(r);
    }

    /// Writes the orders still open and those delivered on trips not back yet, in order id order.
    fn flush_open(&mut self) {
        let mut rows: Vec<Row> = self.trips.drain().flat_map(|(_, t)| t.delivered).collect();
        rows.extend(self.orders.drain().map(|(_, mut row)| {
            row.outcome = "open";
            row
        }));
        rows.sort_by_key(|r| r.order);
        for row in rows {
            self.write(row);
        }
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush_open();
        if self.rows == 0 && !self.error.failed() {
            // A header even for a run with no orders.
            let r = self.out.write_record(csv_header()).map_err(std::io::Error::from);
            self.error.keep(r);
        }
        self.error.result()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }

    fn row(&mut self, order: OrderId) -> Option<&mut Row> {
        self.orders.get_mut(&order)
    }

    /// The order is finished at `t`: delivered (`service_start`, on time or not) or cancelled.
    fn finished(&mut self, order: OrderId, t: Instant, outcome: &'static str, service_start: Option<Instant>) {
        let Some(mut row) = self.orders.remove(&order) else { return };
        row.outcome = outcome;
        row.finished = self.clock.format(t);
        if let Some(start) = service_start {
            row.on_time = Some(start.0 <= row.due_ms);
            row.lateness_min = Some(start.0.saturating_sub(row.due_ms) as f64 / MS_PER_MIN as f64);
            row.cycle_min = Some((t.0 - row.created_ms) as f64 / MS_PER_MIN as f64);
        }
        match row.trip.filter(|_| outcome == "own").and_then(|t| self.trips.get_mut(&t)) {
            Some(trip) => {
                row.consolidated = trip.orders > 1;
                trip.delivered.push(row);
            }
            None => self.write(row),
        }
    }

    /// The order is on trip `trip` now.
    fn on_trip(&mut self, order: OrderId, trip: TripId, t: Instant) {
        let clock = self.clock;
        if let Some(row) = self.row(order) {
            row.trip = Some(trip);
            row.trips += 1;
            if row.first_assigned.is_empty() {
                row.first_assigned = clock.format(t);
            }
        }
        self.trips.entry(trip).or_default().orders += 1;
    }

    /// The trip is back at `t` with its `cost`, shared among the orders it delivered.
    fn trip_back(&mut self, trip: TripId, cost: Option<f64>) {
        let Some(trip) = self.trips.remove(&trip) else { return };
        let share = cost.map(|c| c / trip.delivered.len().max(1) as f64);
        for mut row in trip.delivered {
            row.cost = share;
            self.write(row);
        }
    }
}

impl<W: Write> LogSink for Cases<W> {
    fn record(&mut self, t: Instant, record: &Record) {
        if self.error.failed() {
            return;
        }
        let clock = self.clock;
        match record {
            Record::OrderCreated { order, site, size, due } => {
                let row = Row {
                    replication: self.replication,
                    order: order.0,
                    site: site.0,
                    size: *size,
                    created: clock.format(t),
                    due: clock.format(*due),
                    created_ms: t.0,
                    due_ms: due.0,
                    ..Row::default()
                };
                self.orders.insert(*order, row);
            }
            Record::OrderReady { order } => {
                if let Some(row) = self.row(*order) {
                    row.ready = clock.format(t);
                }
            }
            Record::RouteAssigned { trip, orders, .. } => {
                self.trips.entry(*trip).or_default();
                for order in orders {
                    self.on_trip(*order, *trip, t);
                }
            }
            Record::OrderReassigned { order, to_trip, .. } => {
                if let Some(row) = self.row(*order) {
                    row.rescued = true;
                }
                self.on_trip(*order, *to_trip, t);
            }
            Record::OrderDeparted { order, vehicle, .. } => {
                if let Some(row) = self.row(*order) {
                    row.departed = clock.format(t);
                    row.vehicle = Some(vehicle.0);
                }
            }
            Record::DeliveryFailed { order, .. } => {
                if let Some(row) = self.row(*order) {
                    row.failed_attempts += 1;
                }
            }
            Record::OrderReturned { order } => {
                if let Some(row) = self.row(*order) {
                    (row.returned, row.trip) = (true, None);
                }
            }
            Record::Delivered { order, service_start, .. } => self.finished(*order, t, "own", Some(*service_start)),
            Record::CarrierDelivered { order, service_start, .. } => {
                self.finished(*order, t, "carrier", Some(*service_start))
            }
            Record::OrderCancelled { order } => self.finished(*order, t, "cancelled", None),
            Record::TenderAccepted { order, carrier, price } => {
                if let Some(row) = self.row(*order) {
                    (row.carrier, row.cost) = (Some(carrier.0), Some(price.0));
                }
            }
            Record::TenderRejected { order, .. } | Record::TenderRefused { order, .. } => {
                if let Some(row) = self.row(*order) {
                    row.tenders_rejected += 1;
                }
            }
            Record::ExceptionRaised { order, .. } => {
                if let Some(row) = self.row(*order) {
                    row.exceptions += 1;
                }
            }
            Record::ExceptionEscalated { order, .. } => {
                if let Some(row) = self.row(*order) {
                    row.escalations += 1;
                }
            }
            Record::TripEnded { trip, cost, .. } => self.trip_back(*trip, Some(cost.0)),
            Record::DockGaveUp { trip, .. } => self.trip_back(*trip, None),
            _ => {}
        }
    }
}

fn csv_header() -> Vec<&'static str> {
    vec![
        "replication",
        "order",
        "site",
        "size",
        "outcome",
        "path",
        "created",
        "ready",
        "first_assigned",
        "departed",
        "finished",
        "due",
        "on_time",
        "lateness_min",
        "cycle_min",
        "trips",
        "failed_attempts",
        "tenders_rejected",
        "exceptions",
        "escalations",
        "vehicle",
        "carrier",
        "cost",
    ]
}
