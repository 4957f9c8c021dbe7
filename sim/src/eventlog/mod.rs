//! The event log as files for other tools: JSON lines, a flat CSV of events, OCEL 2.0 (the
//! object-centric event log that pm4py, Celonis and ProM read) and a one-row-per-order case table.
//! Each writer is a [`LogSink`] that streams: memory grows with what is live (orders open, trips
//! under way), not with the horizon. See `docs/events.md`.
//!
//! The writers read a record through its JSON form (the same as the JSON lines): each field's
//! name says what it is ([`FIELDS`]): an object of the network (an order, a trip, a vehicle, ...),
//! a time, a duration, an amount, a count or a label. A test checks that every field of every
//! record kind is in [`FIELDS`] and in the documentation.

mod cases;
mod ocel;

use std::io::Write;

use policies::Instant;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::kernel::log::{LogSink, Record};

pub use cases::Cases;
pub use ocel::Ocel;

/// The file formats `dtwin run --events-format` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per record and line.
    Jsonl,
    /// One row per record; a column per field of any kind.
    Csv,
    /// OCEL 2.0 JSON.
    Ocel,
    /// One row per order: its path, milestones, lateness and cost.
    Cases,
}

impl Format {
    pub const NAMES: [&'static str; 4] = ["jsonl", "csv", "ocel", "cases"];

    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "jsonl" => Format::Jsonl,
            "csv" => Format::Csv,
            "ocel" => Format::Ocel,
            "cases" => Format::Cases,
            _ => return None,
        })
    }
}

/// The kinds of object records name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectType {
    Order,
    Trip,
    Vehicle,
    Driver,
    Site,
    Door,
    Carrier,
    Exception,
    Disruption,
}

impl ObjectType {
    pub const ALL: [ObjectType; 9] = [
        ObjectType::Order,
        ObjectType::Trip,
        ObjectType::Vehicle,
        ObjectType::Driver,
        ObjectType::Site,
        ObjectType::Door,
        ObjectType::Carrier,
        ObjectType::Exception,
        ObjectType::Disruption,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ObjectType::Order => "order",
            ObjectType::Trip => "trip",
            ObjectType::Vehicle => "vehicle",
            ObjectType::Driver => "driver",
            ObjectType::Site => "site",
            ObjectType::Door => "door",
            ObjectType::Carrier => "carrier",
            ObjectType::Exception => "exception",
            ObjectType::Disruption => "disruption",
        }
    }
}

/// What a record field holds, known by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The id of one object (a door: its number at the record's `site`).
    Object(ObjectType),
    /// A list of ids of objects of one type.
    Objects(ObjectType),
    /// An instant, in ms since the start of the run.
    Time,
    /// A duration in ms.
    Ms,
    /// An amount of money, in the scenario's unit.
    Money,
    /// A whole number (units, counts, millimetres).
    Count,
    /// A label (a reason, a kind, a severity).
    Label,
    /// An exception action: its name, and the carrier of a tender.
    Action,
    Flag,
}

/// Every record field, by name, and what it holds.
pub const FIELDS: &[(&str, Field)] = &[
    ("order", Field::Object(ObjectType::Order)),
    ("orders", Field::Objects(ObjectType::Order)),
    ("trip", Field::Object(ObjectType::Trip)),
    ("from_trip", Field::Object(ObjectType::Trip)),
    ("to_trip", Field::Object(ObjectType::Trip)),
    ("vehicle", Field::Object(ObjectType::Vehicle)),
    ("from", Field::Object(ObjectType::Vehicle)),
    ("to", Field::Object(ObjectType::Vehicle)),
    ("driver", Field::Object(ObjectType::Driver)),
    ("site", Field::Object(ObjectType::Site)),
    ("door", Field::Object(ObjectType::Door)),
    ("carrier", Field::Object(ObjectType::Carrier)),
    ("exception", Field::Object(ObjectType::Exception)),
    ("disruption", Field::Object(ObjectType::Disruption)),
    ("created", Field::Time),
    ("due", Field::Time),
    ("ready", Field::Time),
    ("service_start", Field::Time),
    ("started", Field::Time),
    ("scheduled_end", Field::Time),
    ("detected", Field::Time),
    ("waited", Field::Ms),
    ("repair", Field::Ms),
    ("wait", Field::Ms),
    ("late", Field::Ms),
    ("delay", Field::Ms),
    ("saved_ms", Field::Ms),
    ("cost", Field::Money),
    ("price", Field::Money),
    ("size", Field::Count),
    ("load", Field::Count),
    ("capacity", Field::Count),
    ("open_orders", Field::Count),
    ("routes", Field::Count),
    ("distance_mm", Field::Count),
    ("reason", Field::Label),
    ("exception_kind", Field::Label),
    ("severity", Field::Label),
    ("action", Field::Action),
    ("manual", Field::Flag),
];

/// What the record field `name` holds; `None` for a field no writer knows (a test keeps that
/// from happening).
pub fn field(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The qualifier of the relation from a record of `kind` to the object its field `field`
/// names: the field's name, unless a more telling one is given here.
pub fn qualifier(kind: &str, field: &str) -> &'static str {
    match (kind, field) {
        ("route_assigned", "vehicle") => "assigned_vehicle",
        ("route_assigned", "driver") => "assigned_driver",
        ("route_assigned", "orders") => "routed_order",
        ("route_assigned", "site") => "from_site",
        ("exception_raised" | "exception_escalated" | "exception_resolved", "order") => "affected_order",
        ("exception_resolved", "exception") => "resolves",
        ("exception_raised", "exception") => "raises",
        ("delivered", "vehicle") | ("carrier_delivered", "carrier") => "delivered_by",
        ("tender_accepted", "carrier") => "accepted_by",
        ("tender_rejected", "carrier") => "rejected_by",
        ("dock_gave_up", "orders") => "released_order",
        ("stops_aborted", "orders") => "aborted_order",
        ("handed_over", "orders") => "handed_over_order",
        ("handed_over", "vehicle") => "rescue_vehicle",
        ("vehicle_broke_down", "vehicle") => "broken_down_vehicle",
        ("order_reassigned", "from") | ("handed_over", "from") => "from_vehicle",
        ("order_reassigned", "to") => "to_vehicle",
        (_, "action") => "tender_to",
        _ => FIELDS.iter().find(|(n, _)| *n == field).map_or("related", |(n, _)| n),
    }
}

/// The id of an object in the exported files: `order:12`, `door:3/1` (door 1 of site 3).
pub fn object_id(kind: ObjectType, id: &Value, record: &Map<String, Value>) -> String {
    match kind {
        ObjectType::Door => format!("door:{}/{}", record.get("site").unwrap_or(&Value::Null), id),
        _ => format!("{}:{id}", kind.name()),
    }
}

/// A record as the writers read it: its kind and its fields, in their JSON form.
pub struct Fields {
    pub kind: String,
    pub fields: Map<String, Value>,
}

impl Fields {
    pub fn of(record: &Record) -> Fields {
        let Value::Object(mut fields) = serde_json::to_value(record).expect("records serialise") else {
            unreachable!("a record is a JSON object")
        };
        let Some(Value::String(kind)) = fields.remove("kind") else { unreachable!("records are tagged by kind") };
        Fields { kind, fields }
    }

    /// The objects the record names: (field, object type, object id, qualifier), in field order.
    pub fn relations(&self) -> Vec<(&str, ObjectType, String, &'static str)> {
        let mut out = Vec::new();
        for (name, value) in &self.fields {
            let q = qualifier(&self.kind, name);
            match field(name) {
                Some(Field::Object(t)) => out.push((name.as_str(), t, object_id(t, value, &self.fields), q)),
                Some(Field::Objects(t)) => {
                    for v in value.as_array().into_iter().flatten() {
                        out.push((name.as_str(), t, object_id(t, v, &self.fields), q));
                    }
                }
                Some(Field::Action) => {
                    if let Some(c) = value.get("carrier") {
                        let t = ObjectType::Carrier;
                        out.push((name.as_str(), t, object_id(t, c, &self.fields), q));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Absolute times: the run's instant 0 is midnight (UTC) of the scenario's start date.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Milliseconds from 1970-01-01T00:00:00Z to the run's start.
    epoch_ms: i64,
}

impl Clock {
    /// A clock starting at midnight UTC of day `start_day` (days since 1970-01-01).
    pub fn new(start_day: i64) -> Clock {
        Clock { epoch_ms: start_day * policies::MS_PER_DAY as i64 }
    }

    /// `t` as RFC 3339 with milliseconds: `2026-01-05T08:30:00.000Z`.
    pub fn format(&self, t: Instant) -> String {
        use chrono::{Datelike, Timelike};
        let at = chrono::DateTime::from_timestamp_millis(self.epoch_ms + t.0 as i64).expect("within chrono's range");
        let (d, ms) = (at.naive_utc(), t.0 % 1000);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second()
        )
    }
}

/// An event log writer of any [`Format`], for replications written one after another.
pub enum EventWriter<W: Write> {
    Jsonl(JsonLines<W>),
    Csv(Box<CsvEvents<W>>),
    Ocel(Box<Ocel<W>>),
    Cases(Box<Cases<W>>),
}

impl<W: Write> EventWriter<W> {
    /// A writer of `format` into `out`; `prefixed`: ids carry the replication (`r2:order:12`),
    /// for files that hold several.
    pub fn new(format: Format, out: W, clock: Clock, prefixed: bool) -> std::io::Result<Self> {
        Ok(match format {
            Format::Jsonl => EventWriter::Jsonl(JsonLines::new(out)),
            Format::Csv => EventWriter::Csv(Box::new(CsvEvents::new(out, clock))),
            Format::Ocel => EventWriter::Ocel(Box::new(Ocel::new(out, clock, prefixed)?)),
            Format::Cases => EventWriter::Cases(Box::new(Cases::new(out, clock))),
        })
    }

    /// The records that follow are of replication `replication`.
    pub fn start_replication(&mut self, replication: u32) {
        match self {
            EventWriter::Jsonl(w) => w.replication = replication,
            EventWriter::Csv(w) => w.replication = replication,
            EventWriter::Ocel(w) => w.start_replication(replication),
            EventWriter::Cases(w) => w.start_replication(replication),
        }
    }

    /// Writes what is left (objects still live, the types) and flushes.
    pub fn finish(self) -> std::io::Result<W> {
        match self {
            EventWriter::Jsonl(w) => w.finish(),
            EventWriter::Csv(w) => w.finish(),
            EventWriter::Ocel(w) => w.finish(),
            EventWriter::Cases(w) => w.finish(),
        }
    }
}

impl<W: Write> LogSink for EventWriter<W> {
    fn record(&mut self, t: Instant, record: &Record) {
        match self {
            EventWriter::Jsonl(w) => w.record(t, record),
            EventWriter::Csv(w) => w.record(t, record),
            EventWriter::Ocel(w) => w.record(t, record),
            EventWriter::Cases(w) => w.record(t, record),
        }
    }
}

/// Keeps the first write error of a sink that cannot return one, and skips the rest.
#[derive(Debug, Default)]
pub(crate) struct FirstError(Option<std::io::Error>);

impl FirstError {
    pub fn failed(&self) -> bool {
        self.0.is_some()
    }
    pub fn keep(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            self.0.get_or_insert(e);
        }
    }
    pub fn result(&mut self) -> std::io::Result<()> {
        self.0.take().map_or(Ok(()), Err)
    }
}

/// The log as JSON lines: `{"replication":0,"t_ms":123,"kind":"order_created",...}`.
pub struct JsonLines<W: Write> {
    out: W,
    replication: u32,
    error: FirstError,
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W) -> Self {
        JsonLines { out, replication: 0, error: FirstError::default() }
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.error.result()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> LogSink for JsonLines<W> {
    fn record(&mut self, t: Instant, record: &Record) {
        if self.error.failed() {
            return;
        }
        #[derive(Serialize)]
        struct Line<'a> {
            replication: u32,
            t_ms: u64,
            #[serde(flatten)]
            record: &'a Record,
        }
        let line = Line { replication: self.replication, t_ms: t.0, record };
        let r = serde_json::to_writer(&mut self.out, &line).map_err(std::io::Error::from);
        let r = r.and_then(|()| self.out.write_all(b"\n"));
        self.error.keep(r);
    }
}

/// The log as one CSV: `replication,t_ms,time,kind`, then a column per field of [`FIELDS`]
/// (empty where the kind has no such field; lists joined with `;`, an action as its name, and
/// `name:carrier` for a tender).
pub struct CsvEvents<W: Write> {
    out: csv::Writer<W>,
    clock: Clock,
    replication: u32,
    header: bool,
    error: FirstError,
}

impl<W: Write> CsvEvents<W> {
    pub fn new(out: W, clock: Clock) -> Self {
        CsvEvents {
            out: csv::Writer::from_writer(out),
            clock,
            replication: 0,
            header: false,
            error: FirstError::default(),
        }
    }

    fn write_header(&mut self) -> csv::Result<()> {
        let names = ["replication", "t_ms", "time", "kind"].into_iter().chain(FIELDS.iter().map(|(n, _)| *n));
        self.out.write_record(names)
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        if !self.header && !self.error.failed() {
            let r = self.write_header().map_err(std::io::Error::from);
            self.error.keep(r);
        }
        self.error.result()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// A field's value as one CSV cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        Value::Object(o) => match (o.get("action"), o.get("carrier")) {
            (Some(a), Some(c)) => format!("{}:{}", cell(a), cell(c)),
            (Some(a), None) => cell(a),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

impl<W: Write> LogSink for CsvEvents<W> {
    fn record(&mut self, t: Instant, record: &Record) {
        if self.error.failed() {
            return;
        }
        if !self.header {
            self.header = true;
            let r = self.write_header().map_err(std::io::Error::from);
            self.error.keep(r);
        }
        let f = Fields::of(record);
        let head = [self.replication.to_string(), t.0.to_string(), self.clock.format(t), f.kind.clone()];
        let cells = FIELDS.iter().map(|(name, _)| f.fields.get(*name).map(cell).unwrap_or_default());
        let r = self.out.write_record(head.into_iter().chain(cells)).map_err(std::io::Error::from);
        self.error.keep(r);
    }
}

#[cfg(test)]
mod tests;
