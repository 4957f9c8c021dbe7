//! The writers against the log they write, and `docs/events.md` against the records.

use std::collections::{BTreeMap, BTreeSet};

use policies::{Action, CarrierId, DriverId, Duration, ExceptionKind, Instant, OrderId, Severity, SiteId, VehicleId};
use serde_json::Value;

use super::*;
use crate::kernel::log::{Money, Rejection, TripId};

/// One record of every kind. The match in [`index`] has no catch-all: a new kind does not
/// compile until it is listed there, and the test then asks for a sample of it here.
fn samples() -> Vec<Record> {
    let (o, t, v, d, s, c) = (OrderId(7), TripId(3), VehicleId(2), DriverId(1), SiteId(0), CarrierId(0));
    let (at, ms) = (Instant(60_000), Duration(30_000));
    vec![
        Record::OrderCreated { order: o, site: s, size: 2, due: at },
        Record::OrderReady { order: o },
        Record::OrderCancelled { order: o },
        Record::Decision { open_orders: 4, routes: 1 },
        Record::DecisionRejected { vehicle: v, driver: d, reason: Rejection::VehicleBusy },
        Record::RouteAssigned { trip: t, vehicle: v, driver: d, site: s, orders: vec![o], load: 2, capacity: 10 },
        Record::DockArrived { trip: t, vehicle: v, site: s },
        Record::LoadingStarted { trip: t, vehicle: v, site: s, door: 1, waited: ms },
        Record::DockGaveUp { trip: t, vehicle: v, driver: d, site: s, waited: ms, orders: vec![o] },
        Record::LoadingDone { trip: t, vehicle: v, site: s, door: 1 },
        Record::OrderDeparted { order: o, trip: t, vehicle: v, ready: at },
        Record::StopArrived { trip: t, vehicle: v, order: o },
        Record::Delivered { order: o, trip: t, vehicle: v, created: at, due: at, service_start: at },
        Record::StopsAborted { trip: t, vehicle: v, driver: d, orders: vec![o] },
        Record::OrderReturned { order: o },
        Record::TripEnded { trip: t, vehicle: v, driver: d, started: at, distance_mm: 5, cost: Money(1.5) },
        Record::ShiftStarted { driver: d },
        Record::ShiftEnded { driver: d, scheduled_end: at },
        Record::DocksOpened { site: s },
        Record::TenderRefused { order: o, carrier: c, reason: Rejection::CarrierFull },
        Record::TenderAccepted { order: o, carrier: c, price: Money(40.0) },
        Record::TenderRejected { order: o, carrier: c },
        Record::CarrierDelivered { order: o, carrier: c, created: at, due: at, service_start: at },
        Record::DeliveryFailed { order: o, trip: t, vehicle: v },
        Record::ExceptionRaised {
            exception: 9,
            exception_kind: ExceptionKind::EtaRisk,
            order: o,
            severity: Severity::High,
            due: at,
        },
        Record::ExceptionEscalated { exception: 9, order: o },
        Record::ExceptionResolved {
            exception: 9,
            order: o,
            action: Action::Tender { carrier: c },
            manual: true,
            detected: at,
        },
        Record::CustomerNotified { order: o },
        Record::RouteResequenced { trip: t, vehicle: v, saved_ms: 100 },
        Record::ApprovalRequested { order: o, carrier: c, price: Money(40.0) },
        Record::CancellationRefused { order: o, reason: Rejection::OrderNotOpen },
        Record::DisruptionStarted { disruption: 0 },
        Record::DisruptionEnded { disruption: 0 },
        Record::DriverNoShow { driver: d },
        Record::VehicleBrokeDown { trip: t, vehicle: v, driver: d, repair: ms },
        Record::OrderNotReady { order: o, delay: ms },
        Record::DriverLate { driver: d, late: ms },
        Record::LegHeld { trip: t, vehicle: v, driver: d, wait: ms },
        Record::OrderReassigned { order: o, from: v, from_trip: t, to: VehicleId(4), to_trip: TripId(5), load: 2 },
        Record::HandedOver { trip: TripId(5), vehicle: VehicleId(4), from: v, from_trip: t, orders: vec![o] },
    ]
}

/// The kind's place in the enum: exhaustive, so that a new kind must be added to [`samples`].
fn index(r: &Record) -> usize {
    match r {
        Record::OrderCreated { .. } => 0,
        Record::OrderReady { .. } => 1,
        Record::OrderCancelled { .. } => 2,
        Record::Decision { .. } => 3,
        Record::DecisionRejected { .. } => 4,
        Record::RouteAssigned { .. } => 5,
        Record::DockArrived { .. } => 6,
        Record::LoadingStarted { .. } => 7,
        Record::DockGaveUp { .. } => 8,
        Record::LoadingDone { .. } => 9,
        Record::OrderDeparted { .. } => 10,
        Record::StopArrived { .. } => 11,
        Record::Delivered { .. } => 12,
        Record::StopsAborted { .. } => 13,
        Record::OrderReturned { .. } => 14,
        Record::TripEnded { .. } => 15,
        Record::ShiftStarted { .. } => 16,
        Record::ShiftEnded { .. } => 17,
        Record::DocksOpened { .. } => 18,
        Record::TenderRefused { .. } => 19,
        Record::TenderAccepted { .. } => 20,
        Record::TenderRejected { .. } => 21,
        Record::CarrierDelivered { .. } => 22,
        Record::DeliveryFailed { .. } => 23,
        Record::ExceptionRaised { .. } => 24,
        Record::ExceptionEscalated { .. } => 25,
        Record::ExceptionResolved { .. } => 26,
        Record::CustomerNotified { .. } => 27,
        Record::RouteResequenced { .. } => 28,
        Record::ApprovalRequested { .. } => 29,
        Record::CancellationRefused { .. } => 30,
        Record::DisruptionStarted { .. } => 31,
        Record::DisruptionEnded { .. } => 32,
        Record::DriverNoShow { .. } => 33,
        Record::VehicleBrokeDown { .. } => 34,
        Record::OrderNotReady { .. } => 35,
        Record::DriverLate { .. } => 36,
        Record::LegHeld { .. } => 37,
        Record::OrderReassigned { .. } => 38,
        Record::HandedOver { .. } => 39,
    }
}

/// What `docs/events.md` says a field holds.
fn holds(f: Field) -> String {
    match f {
        Field::Object(t) => t.name().to_string(),
        Field::Objects(t) => format!("{}s", t.name()),
        Field::Time => "time".into(),
        Field::Ms => "ms".into(),
        Field::Money => "money".into(),
        Field::Count => "count".into(),
        Field::Label => "label".into(),
        Field::Action => "action".into(),
        Field::Flag => "flag".into(),
    }
}

/// `docs/events.md`'s record kinds: per `### \`kind\`` heading, its table's (field, holds).
fn documented() -> BTreeMap<String, Vec<(String, String)>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events.md")).unwrap();
    let mut kinds: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(kind) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            current = Some(kind.to_string());
            kinds.entry(kind.to_string()).or_default();
        } else if line.starts_with("## ") {
            current = None;
        } else if let (Some(kind), Some(row)) = (&current, line.strip_prefix("| `")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let name = cells[0].trim_end_matches('`');
            kinds.get_mut(kind).unwrap().push((name.to_string(), cells[1].to_string()));
        }
    }
    kinds
}

#[test]
fn every_record_kind_has_a_sample_every_field_is_known_and_all_are_documented() {
    let samples = samples();
    let indices: BTreeSet<usize> = samples.iter().map(index).collect();
    assert_eq!(indices, (0..samples.len()).collect(), "one sample per kind");
    assert_eq!(samples.iter().map(index).max(), Some(39), "a new kind needs its sample");
    let docs = documented();
    let mut kinds = BTreeSet::new();
    for r in &samples {
        let f = Fields::of(r);
        let want: Vec<(String, String)> = f
            .fields
            .keys()
            .map(|name| {
                let what = field(name).unwrap_or_else(|| panic!("{}: field {name} is not in FIELDS", f.kind));
                (name.clone(), holds(what))
            })
            .collect();
        let mut got = docs.get(&f.kind).unwrap_or_else(|| panic!("{} is not in docs/events.md", f.kind)).clone();
        got.sort();
        assert_eq!(got, want, "docs/events.md: the fields of {}", f.kind);
        kinds.insert(f.kind);
    }
    let extra: Vec<_> = docs.keys().filter(|k| !kinds.contains(*k)).collect();
    assert!(extra.is_empty(), "docs/events.md documents kinds the log does not have: {extra:?}");
}

#[test]
fn a_record_relates_to_the_objects_its_fields_name_with_qualifiers() {
    let route = Fields::of(&Record::RouteAssigned {
        trip: TripId(3),
        vehicle: VehicleId(2),
        driver: DriverId(1),
        site: SiteId(0),
        orders: vec![OrderId(7), OrderId(8)],
        load: 2,
        capacity: 10,
    });
    let related: Vec<(String, &str)> = route.relations().into_iter().map(|(_, _, id, q)| (id, q)).collect();
    let want = [
        ("driver:1", "assigned_driver"),
        ("order:7", "routed_order"),
        ("order:8", "routed_order"),
        ("site:0", "from_site"),
        ("trip:3", "trip"),
        ("vehicle:2", "assigned_vehicle"),
    ];
    assert_eq!(related, want.map(|(id, q)| (id.to_string(), q)));
    let loading = Fields::of(&Record::LoadingStarted {
        trip: TripId(3),
        vehicle: VehicleId(2),
        site: SiteId(4),
        door: 1,
        waited: Duration(0),
    });
    assert!(loading.relations().iter().any(|(_, t, id, q)| *t == ObjectType::Door && id == "door:4/1" && *q == "door"));
    let resolved = Fields::of(&Record::ExceptionResolved {
        exception: 9,
        order: OrderId(7),
        action: Action::Tender { carrier: CarrierId(2) },
        manual: false,
        detected: Instant(0),
    });
    let q: Vec<_> = resolved.relations().into_iter().map(|(_, _, id, q)| format!("{id} {q}")).collect();
    assert_eq!(q, ["carrier:2 tender_to", "exception:9 resolves", "order:7 affected_order"]);
}

#[test]
fn absolute_times_start_at_midnight_of_the_start_date() {
    let clock = Clock::new(crate::scenario::DEFAULT_START_DAY);
    assert_eq!(clock.format(Instant(0)), "2026-01-01T00:00:00.000Z");
    assert_eq!(clock.format(Instant(policies::MS_PER_DAY + 3_600_000 + 1)), "2026-01-02T01:00:00.001Z");
    let path = std::path::Path::new("../scenarios/tiny.toml");
    let text = format!("start_date = 2024-02-29\n{}", std::fs::read_to_string(path).unwrap());
    let s = crate::Scenario::from_str(path, &text).unwrap();
    assert_eq!(Clock::new(s.start_day).format(Instant(0)), "2024-02-29T00:00:00.000Z");
}

/// Keeps every record.
#[derive(Default)]
struct Recorder(Vec<Record>);

impl LogSink for Recorder {
    fn record(&mut self, _: Instant, record: &Record) {
        self.0.push(record.clone());
    }
}

/// A scenario's replication `r`, logged by `format`, and the records themselves.
fn export(scenario: &str, r: u32, format: Format) -> (Vec<u8>, Vec<Record>) {
    export_with(scenario, None, r, format)
}

/// As [`export`], under the policy file `policy` of `scenarios/policies/` if given.
fn export_with(scenario: &str, policy: Option<&str>, r: u32, format: Format) -> (Vec<u8>, Vec<Record>) {
    let mut s = crate::Scenario::load(std::path::Path::new(&format!("../scenarios/{scenario}"))).unwrap();
    if let Some(p) = policy {
        s.use_policy_file(std::path::Path::new(&format!("../scenarios/policies/{p}"))).unwrap();
    }
    let mut records = Recorder::default();
    let mut w = EventWriter::new(format, Vec::new(), Clock::new(s.start_day), false).unwrap();
    w.start_replication(r);
    crate::Engine::new(&s, 2026, r, vec![&mut w, &mut records]).run().unwrap();
    (w.finish().unwrap(), records.0)
}

#[test]
fn the_ocel_log_holds_every_record_and_every_object_it_names_once() {
    // Breakdowns: rescues, reassignments and hand-overs are in it.
    let (bytes, records) = export("regional-breakdowns.toml", 0, Format::Ocel);
    let log: Value = serde_json::from_slice(&bytes).unwrap();
    let events = log["events"].as_array().unwrap();
    assert_eq!(events.len(), records.len());
    let objects = log["objects"].as_array().unwrap();
    let ids: BTreeSet<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), objects.len(), "object ids are unique");
    let declared = |key: &str| -> BTreeSet<String> {
        log[key].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
    };
    let (event_types, object_types) = (declared("eventTypes"), declared("objectTypes"));
    for e in events {
        assert!(event_types.contains(e["type"].as_str().unwrap()));
        for rel in e["relationships"].as_array().unwrap() {
            assert!(ids.contains(rel["objectId"].as_str().unwrap()), "{e}");
        }
    }
    for o in objects {
        assert!(object_types.contains(o["type"].as_str().unwrap()));
        for rel in o["relationships"].as_array().unwrap() {
            assert!(ids.contains(rel["objectId"].as_str().unwrap()), "{o}");
        }
    }
    let count = |kind: &str| objects.iter().filter(|o| o["type"] == kind).count();
    let created = records.iter().filter(|r| matches!(r, Record::OrderCreated { .. })).count();
    let trips = records.iter().filter(|r| matches!(r, Record::RouteAssigned { .. })).count();
    assert_eq!((count("order"), count("trip")), (created, trips));
    assert!(records.iter().any(|r| matches!(r, Record::HandedOver { .. })), "a rescue to export");
    // An order's status over time: created first, delivered last for one that was.
    let delivered =
        records.iter().find_map(|r| if let Record::Delivered { order, .. } = r { Some(*order) } else { None });
    let order = objects.iter().find(|o| o["id"] == format!("order:{}", delivered.unwrap().0)).unwrap();
    let status: Vec<&str> = order["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "status")
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!((status.first(), status.last()), (Some(&"created"), Some(&"delivered")), "{status:?}");
}

#[test]
fn the_case_table_has_one_row_per_order_and_their_outcomes_add_up() {
    let (bytes, records) = export_with("regional-peak-surge.toml", Some("carrier_overflow.toml"), 1, Format::Cases);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let count = |pred: fn(&Record) -> bool| records.iter().filter(|r| pred(r)).count();
    assert_eq!(rows.len(), count(|r| matches!(r, Record::OrderCreated { .. })));
    let orders: BTreeSet<&str> = rows.iter().map(|r| &r[col("order")]).collect();
    assert_eq!(orders.len(), rows.len(), "each order once");
    let outcome = |o: &str| rows.iter().filter(|r| &r[col("outcome")] == o).count();
    assert_eq!(outcome("own"), count(|r| matches!(r, Record::Delivered { .. })));
    assert_eq!(outcome("carrier"), count(|r| matches!(r, Record::CarrierDelivered { .. })));
    assert_eq!(outcome("cancelled"), count(|r| matches!(r, Record::OrderCancelled { .. })));
    assert!(outcome("carrier") > 0, "a carrier delivery to show");
    // The fleet's cost is shared out among the orders it delivered: the rows' costs add up to
    // the trips' that delivered something, and the carriers' prices.
    let cost: f64 = rows.iter().filter_map(|r| r[col("cost")].parse::<f64>().ok()).sum();
    let premium: f64 =
        records.iter().map(|r| if let Record::TenderAccepted { price, .. } = r { price.0 } else { 0.0 }).sum();
    let delivering: BTreeSet<TripId> = records
        .iter()
        .filter_map(|r| if let Record::Delivered { trip, .. } = r { Some(*trip) } else { None })
        .collect();
    let fleet: f64 = records
        .iter()
        .map(|r| match r {
            Record::TripEnded { trip, cost, .. } if delivering.contains(trip) => cost.0,
            _ => 0.0,
        })
        .sum();
    let carried: f64 =
        rows.iter().filter(|r| &r[col("outcome")] != "own").filter_map(|r| r[col("cost")].parse::<f64>().ok()).sum();
    assert!((carried - premium).abs() < 1e-6, "{carried} {premium}");
    assert!((cost - premium - fleet).abs() < 1e-6 * fleet.max(1.0), "{cost} {premium} {fleet}");
}

#[test]
fn the_event_csv_has_a_row_per_record_and_the_jsonl_a_line() {
    let (csv_bytes, records) = export("tiny.toml", 0, Format::Csv);
    let rows = csv::Reader::from_reader(csv_bytes.as_slice()).records().count();
    assert_eq!(rows, records.len());
    let (jsonl, _) = export("tiny.toml", 0, Format::Jsonl);
    let lines: Vec<Value> =
        jsonl.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    assert_eq!(lines.len(), records.len());
    assert_eq!(lines[0]["replication"], 0);
}
