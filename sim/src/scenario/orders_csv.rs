//! Replayed orders: a CSV file of a real day's orders.
//!
//! Columns (header required, any order): `site`, `created`, `due`, `size`, `x`, `y`, and optionally
//! `id` (the order's own reference, unique), `ready` (default `created`), `earliest` (default `ready`), `priority` (default 0), `value`
//! (default 0), `service_min` (default: sampled from `[orders].service_min`). Times are minutes
//! after the start of the horizon (`90`, `1530.5`) or times of day on the first day (`"06:30"`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use policies::{Point, TimeMs};
use serde::{Deserialize, Deserializer, de::Error as _};

use super::{ClockTime, ScenarioError};
use crate::dist::Dist;

/// One order from the file, resolved. `service` is `None` when it is to be sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderRow {
    pub reference: Option<Arc<str>>,
    pub site: u32,
    pub created: TimeMs,
    pub ready: TimeMs,
    pub earliest: TimeMs,
    pub due: TimeMs,
    pub size: u32,
    pub destination: Point,
    pub priority: u8,
    pub value: f64,
    pub service: Option<TimeMs>,
}

#[derive(Deserialize)]
struct Row {
    id: Option<String>,
    site: String,
    created: CsvTime,
    ready: Option<CsvTime>,
    earliest: Option<CsvTime>,
    due: CsvTime,
    size: u32,
    x: f64,
    y: f64,
    priority: Option<u8>,
    value: Option<f64>,
    service_min: Option<f64>,
}

#[derive(Clone, Copy)]
struct CsvTime(TimeMs);

impl<'de> Deserialize<'de> for CsvTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.contains(':') {
            return ClockTime::parse(&s).map(|c| CsvTime(TimeMs(c.0))).map_err(D::Error::custom);
        }
        match s.trim().parse::<f64>() {
            Ok(min) if min.is_finite() && min >= 0.0 => Ok(CsvTime(TimeMs::from_min(min))),
            _ => Err(D::Error::custom(format!("expected minutes >= 0 or \"HH:MM\", got {s:?}"))),
        }
    }
}

pub(super) fn read(
    path: &Path,
    bytes: &[u8],
    sites: &[String],
    service: Option<&Dist>,
) -> Result<Vec<OrderRow>, ScenarioError> {
    let invalid = |line: u64, column: usize, field: &str, message: String| ScenarioError::Invalid {
        path: path.to_path_buf(),
        line: line as usize,
        column,
        field: field.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers = reader.headers().map_err(|e| invalid(1, 1, "(header)", e.to_string()))?.clone();
    for required in ["site", "created", "due", "size", "x", "y"] {
        if !headers.iter().any(|h| h == required) {
            return Err(invalid(1, 1, required, "required column is missing".into()));
        }
    }
    let column_of = |name: &str| headers.iter().position(|h| h == name).map_or(1, |i| i + 1);
    let mut rows = Vec::new();
    let mut ids = HashSet::new();
    for record in reader.deserialize::<Row>() {
        let r = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    let field = err.field().and_then(|i| headers.get(i as usize)).unwrap_or("(row)");
                    invalid(line, err.field().map_or(1, |i| i as usize + 1), field, err.kind().to_string())
                }
                other => invalid(line, 1, "(row)", format!("{other:?}")),
            }
        })?;
        let line = rows.len() as u64 + 2;
        let site = sites.iter().position(|s| *s == r.site).ok_or_else(|| {
            invalid(line, column_of("site"), "site", format!("unknown site {:?}; known: {}", r.site, sites.join(", ")))
        })? as u32;
        let ready = r.ready.unwrap_or(r.created).0;
        let earliest = r.earliest.map_or(ready, |e| e.0);
        if ready < r.created.0 {
            return Err(invalid(line, column_of("ready"), "ready", "is before `created`".into()));
        }
        if r.due.0 < earliest {
            return Err(invalid(line, column_of("due"), "due", "is before `earliest` (or `ready`)".into()));
        }
        if r.size == 0 {
            return Err(invalid(line, column_of("size"), "size", "must be >= 1".into()));
        }
        let service = match (r.service_min, service) {
            (Some(m), _) if m.is_finite() && m >= 0.0 => Some(TimeMs::from_min(m)),
            (Some(m), _) => {
                return Err(invalid(line, column_of("service_min"), "service_min", format!("must be >= 0, got {m}")));
            }
            (None, Some(_)) => None,
            (None, None) => {
                return Err(invalid(
                    line,
                    1,
                    "service_min",
                    "no `service_min` column value and no [orders].service_min distribution".into(),
                ));
            }
        };
        if let Some(id) = &r.id
            && !ids.insert(id.clone())
        {
            return Err(invalid(line, column_of("id"), "id", format!("duplicate order id {id:?}")));
        }
        rows.push(OrderRow {
            reference: r.id.map(Arc::from),
            site,
            created: r.created.0,
            ready,
            earliest,
            due: r.due.0,
            size: r.size,
            destination: Point { x: r.x, y: r.y },
            priority: r.priority.unwrap_or(0),
            value: r.value.unwrap_or(0.0),
            service,
        });
    }
    if rows.is_empty() {
        return Err(invalid(1, 1, "(file)", "no orders".into()));
    }
    // Stable: ties keep file order.
    rows.sort_by_key(|r| r.created);
    Ok(rows)
}
