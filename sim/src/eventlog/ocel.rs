//! OCEL 2.0 JSON (<https://www.ocel-standard.org>), streamed.
//!
//! Events go to the output as they come. An object is written once it is finished (an order
//! delivered or cancelled, a trip ended, an exception resolved) to a temporary file that is
//! copied into the output at the end, with the objects still live and the type declarations.
//! Memory holds the live objects and the ids of the finished ones.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::io::{BufWriter, Seek, Write};

use policies::Instant;
use rustc_hash::FxHashSet;
use serde_json::{Value, json};

use super::{Clock, Field, Fields, FirstError, ObjectType, field};
use crate::kernel::log::{LogSink, Record};

/// An object not yet written: its type, its attributes as they changed (name, value, when) and
/// its relations to other objects (id, qualifier).
struct Object {
    kind: ObjectType,
    attributes: Vec<(&'static str, Value, Instant)>,
    relationships: Vec<(String, &'static str)>,
}

impl Object {
    fn relate(&mut self, to: String, qualifier: &'static str) {
        if !self.relationships.iter().any(|(id, q)| *id == to && *q == qualifier) {
            self.relationships.push((to, qualifier));
        }
    }
}

/// The attributes each object type may carry, with their OCEL types.
const OBJECT_ATTRIBUTES: &[(ObjectType, &str, &str)] = &[
    (ObjectType::Order, "status", "string"),
    (ObjectType::Order, "size", "integer"),
    (ObjectType::Order, "due", "time"),
    (ObjectType::Trip, "distance_mm", "integer"),
    (ObjectType::Trip, "cost", "float"),
    (ObjectType::Vehicle, "capacity", "integer"),
    (ObjectType::Exception, "exception_kind", "string"),
    (ObjectType::Exception, "severity", "string"),
    (ObjectType::Exception, "action", "string"),
];

pub struct Ocel<W: Write> {
    out: BufWriter<W>,
    /// Finished objects, written as array items (each preceded by a comma but the first).
    finished: BufWriter<std::fs::File>,
    clock: Clock,
    prefixed: bool,
    prefix: String,
    /// Events written, all replications; and of this replication (its events' ids).
    events: u64,
    replication_events: u64,
    objects_written: u64,
    live: FxHashMap<String, Object>,
    written: FxHashSet<String>,
    /// Per event type, its attributes and their OCEL types.
    event_types: BTreeMap<String, BTreeMap<String, &'static str>>,
    error: FirstError,
}

/// An event attribute's value and OCEL type, from a record field's JSON form.
fn attribute(clock: &Clock, kind: Option<Field>, value: &Value) -> (Value, &'static str) {
    match kind {
        Some(Field::Time) => (Value::String(clock.format(Instant(value.as_u64().unwrap_or(0)))), "time"),
        Some(Field::Ms | Field::Count) => (value.clone(), "integer"),
        Some(Field::Money) => (value.clone(), "float"),
        Some(Field::Flag) => (value.clone(), "boolean"),
        Some(Field::Action) => (value.get("action").cloned().unwrap_or(Value::Null), "string"),
        _ => (value.as_str().map_or_else(|| Value::String(value.to_string()), |s| Value::String(s.into())), "string"),
    }
}

impl<W: Write> Ocel<W> {
    pub fn new(out: W, clock: Clock, prefixed: bool) -> std::io::Result<Self> {
        let mut out = BufWriter::new(out);
        out.write_all(b"{\"events\":[")?;
        Ok(Ocel {
            out,
            finished: BufWriter::new(tempfile::tempfile()?),
            clock,
            prefixed,
            prefix: String::new(),
            events: 0,
            replication_events: 0,
            objects_written: 0,
            live: FxHashMap::default(),
            written: FxHashSet::default(),
            event_types: BTreeMap::new(),
            error: FirstError::default(),
        })
    }

    /// Records from now on are of replication `replication`: the objects of the last one are
    /// written, and ids carry the new one's number where the file holds several.
    pub fn start_replication(&mut self, replication: u32) {
        let r = self.flush_live();
        self.error.keep(r);
        self.written.clear();
        self.replication_events = 0;
        if self.prefixed {
            self.prefix = format!("r{replication}:");
        }
    }

    fn id(&self, local: &str) -> String {
        format!("{}{local}", self.prefix)
    }

    /// The live object `id`, created (of type `kind`) unless it exists or was written.
    fn object(&mut self, id: &str, kind: ObjectType) -> Option<&mut Object> {
        if !self.live.contains_key(id) {
            if self.written.contains(id) {
                return None;
            }
            self.live.insert(id.to_string(), Object { kind, attributes: Vec::new(), relationships: Vec::new() });
        }
        self.live.get_mut(id)
    }

    fn write_object(&mut self, id: &str, o: &Object) -> std::io::Result<()> {
        let attributes: Vec<Value> = o
            .attributes
            .iter()
            .map(|(name, value, t)| json!({"name": name, "value": value, "time": self.clock.format(*t)}))
            .collect();
        let relationships: Vec<Value> =
            o.relationships.iter().map(|(to, q)| json!({"objectId": to, "qualifier": q})).collect();
        let item = json!({"id": id, "type": o.kind.name(), "attributes": attributes, "relationships": relationships});
        if self.objects_written > 0 {
            self.finished.write_all(b",")?;
        }
        self.objects_written += 1;
        serde_json::to_writer(&mut self.finished, &item)?;
        Ok(())
    }

    /// Writes object `id` now: it is finished.
    fn finish_object(&mut self, id: &str) {
        if let Some(o) = self.live.remove(id) {
            let r = self.write_object(id, &o);
            self.error.keep(r);
            self.written.insert(id.to_string());
        }
    }

    fn flush_live(&mut self) -> std::io::Result<()> {
        let mut live: Vec<_> = std::mem::take(&mut self.live).into_iter().collect();
        live.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (id, o) in live {
            self.write_object(&id, &o)?;
        }
        Ok(())
    }

    /// Sets attribute `name` of object `id` (if live) from `t` on.
    fn set(&mut self, id: &str, kind: ObjectType, name: &'static str, value: Value, t: Instant) {
        if let Some(o) = self.object(id, kind) {
            o.attributes.push((name, value, t));
        }
    }

    fn relate(&mut self, from: &str, kind: ObjectType, to: String, qualifier: &'static str) {
        if let Some(o) = self.object(from, kind) {
            o.relate(to, qualifier);
        }
    }

    /// What the record changes in the objects it names.
    fn update_objects(&mut self, t: Instant, f: &Fields, related: &[(&str, ObjectType, String, &'static str)]) {
        let one = |field: &str| related.iter().find(|r| r.0 == field).map(|r| r.2.clone());
        let all = |field: &str| related.iter().filter(|r| r.0 == field).map(|r| r.2.clone()).collect::<Vec<_>>();
        let value = |name: &str| f.fields.get(name).cloned().unwrap_or(Value::Null);
        let status = |s: &str| Value::String(s.into());
        let (order, trip) = (one("order"), one("trip"));
        match f.kind.as_str() {
            "order_created" => {
                let (order, site) = (order.expect("named"), one("site").expect("named"));
                self.set(&order, ObjectType::Order, "status", status("created"), t);
                self.set(&order, ObjectType::Order, "size", value("size"), t);
                let due = Value::String(self.clock.format(Instant(value("due").as_u64().unwrap_or(0))));
                self.set(&order, ObjectType::Order, "due", due, t);
                self.relate(&order, ObjectType::Order, site, "ordered_at");
            }
            "route_assigned" => {
                let trip = trip.expect("named");
                for (field, q) in [("vehicle", "vehicle"), ("driver", "driver"), ("site", "from_site")] {
                    self.relate(&trip, ObjectType::Trip, one(field).expect("named"), q);
                }
                let vehicle = one("vehicle").expect("named");
                if self.live.get(&vehicle).is_none_or(|v| v.attributes.is_empty()) {
                    self.set(&vehicle, ObjectType::Vehicle, "capacity", value("capacity"), t);
                    self.relate(&vehicle, ObjectType::Vehicle, one("site").expect("named"), "home");
                }
                for order in all("orders") {
                    self.relate(&trip, ObjectType::Trip, order.clone(), "carries");
                    self.set(&order, ObjectType::Order, "status", status("assigned"), t);
                }
            }
            "order_reassigned" => {
                let order = order.expect("named");
                self.relate(&one("to_trip").expect("named"), ObjectType::Trip, order.clone(), "carries");
                self.set(&order, ObjectType::Order, "status", status("reassigned"), t);
            }
            "loading_started" => {
                let (door, site) = (one("door").expect("named"), one("site").expect("named"));
                self.relate(&door, ObjectType::Door, site, "at_site");
            }
            "trip_ended" | "dock_gave_up" => {
                let trip = trip.expect("named");
                if let Some(d) = f.fields.get("distance_mm") {
                    self.set(&trip, ObjectType::Trip, "distance_mm", d.clone(), t);
                    self.set(&trip, ObjectType::Trip, "cost", value("cost"), t);
                }
                self.finish_object(&trip);
            }
            "exception_raised" => {
                let exception = one("exception").expect("named");
                self.set(&exception, ObjectType::Exception, "exception_kind", value("exception_kind"), t);
                self.set(&exception, ObjectType::Exception, "severity", value("severity"), t);
                self.relate(&exception, ObjectType::Exception, order.expect("named"), "about");
            }
            "exception_resolved" => {
                let exception = one("exception").expect("named");
                let action = value("action").get("action").cloned().unwrap_or(Value::Null);
                self.set(&exception, ObjectType::Exception, "action", action, t);
                self.finish_object(&exception);
            }
            kind => {
                let new_status = match kind {
                    "order_ready" => "ready",
                    "order_departed" => "on_board",
                    "order_returned" => "open",
                    "tender_accepted" => "tendered",
                    "delivery_failed" => "failed",
                    "delivered" | "carrier_delivered" => "delivered",
                    "order_cancelled" => "cancelled",
                    _ => return,
                };
                let order = order.expect("named");
                self.set(&order, ObjectType::Order, "status", status(new_status), t);
                if matches!(new_status, "delivered" | "cancelled") {
                    self.finish_object(&order);
                }
            }
        }
    }

    fn write_event(&mut self, t: Instant, f: &Fields, related: &[(&str, ObjectType, String, &'static str)]) {
        let types = self.event_types.entry(f.kind.clone()).or_default();
        let mut attributes = Vec::new();
        for (name, value) in &f.fields {
            let kind = field(name);
            if matches!(kind, Some(Field::Object(_) | Field::Objects(_))) {
                continue;
            }
            let (value, ty) = attribute(&self.clock, kind, value);
            types.entry(name.clone()).or_insert(ty);
            attributes.push(json!({"name": name, "value": value}));
        }
        let relationships: Vec<Value> =
            related.iter().map(|(_, _, id, q)| json!({"objectId": id, "qualifier": q})).collect();
        let event = json!({
            "id": format!("{}e{}", self.prefix, self.replication_events),
            "type": f.kind,
            "time": self.clock.format(t),
            "attributes": attributes,
            "relationships": relationships,
        });
        let comma = if self.events > 0 { "," } else { "" };
        self.events += 1;
        self.replication_events += 1;
        let r = self.out.write_all(comma.as_bytes()).and_then(|()| Ok(serde_json::to_writer(&mut self.out, &event)?));
        self.error.keep(r);
    }

    /// Writes the objects and the types, and flushes.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.error.result()?;
        self.flush_live()?;
        self.out.write_all(b"],\"objects\":[")?;
        let mut finished = self.finished.into_inner().map_err(|e| e.into_error())?;
        finished.rewind()?;
        std::io::copy(&mut finished, &mut self.out)?;
        let object_types: Vec<Value> = ObjectType::ALL
            .iter()
            .map(|&kind| {
                let attributes: Vec<Value> = OBJECT_ATTRIBUTES
                    .iter()
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(_, name, ty)| json!({"name": name, "type": ty}))
                    .collect();
                json!({"name": kind.name(), "attributes": attributes})
            })
            .collect();
        let event_types: Vec<Value> = self
            .event_types
            .iter()
            .map(|(name, attrs)| {
                let attributes: Vec<Value> = attrs.iter().map(|(n, ty)| json!({"name": n, "type": ty})).collect();
                json!({"name": name, "attributes": attributes})
            })
            .collect();
        self.out.write_all(b"],\"objectTypes\":")?;
        serde_json::to_writer(&mut self.out, &object_types)?;
        self.out.write_all(b",\"eventTypes\":")?;
        serde_json::to_writer(&mut self.out, &event_types)?;
        self.out.write_all(b"}\n")?;
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

impl<W: Write> LogSink for Ocel<W> {
    fn record(&mut self, t: Instant, record: &Record) {
        if self.error.failed() {
            return;
        }
        let f = Fields::of(record);
        let related: Vec<_> =
            f.relations().into_iter().map(|(field, kind, id, q)| (field, kind, self.id(&id), q)).collect();
        for (_, kind, id, _) in &related {
            self.object(id, *kind);
        }
        self.write_event(t, &f, &related);
        self.update_objects(t, &f, &related);
    }
}
