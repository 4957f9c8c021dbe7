//! Replayed orders: a CSV file of a real day's orders.
//!
//! Columns (header required, any order): `site`, `created`, `due`, `size`, `x`, `y`, and optionally
//! `id` (the order's own reference, unique), `ready` (default `created`), `earliest` (default `ready`), `priority` (default 0), `value`
//! (default 0), `service_min` (default: sampled from `[orders].service_min`). Times are minutes
//! after the start of the horizon (`90`, `1530.5`) or times of day on the first day (`"06:30"`).
//! Lines starting with `#` are comments; blank lines are skipped. An unknown column is an error.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use policies::{Duration, Instant, Point};
use serde::Deserialize;

use super::{ClockTime, ScenarioError, TimeError};
use crate::dist::Dist;

/// One order from the file, resolved. `service` is `None` when it is to be sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderRow {
    pub reference: Option<Arc<str>>,
    pub site: u32,
    pub created: Instant,
    pub ready: Instant,
    pub earliest: Instant,
    pub due: Instant,
    pub size: u32,
    pub destination: Point,
    pub priority: u8,
    pub value: f64,
    pub service: Option<Duration>,
}

/// Every column the file may have.
const COLUMNS: &[&str] =
    &["id", "site", "created", "ready", "earliest", "due", "size", "x", "y", "priority", "value", "service_min"];
const REQUIRED: &[&str] = &["site", "created", "due", "size", "x", "y"];

/// A row as written; times are read after, so that their errors name their column.
#[derive(Deserialize)]
struct Row {
    id: Option<String>,
    site: String,
    created: String,
    ready: Option<String>,
    earliest: Option<String>,
    due: String,
    size: u32,
    x: f64,
    y: f64,
    priority: Option<u8>,
    value: Option<f64>,
    service_min: Option<f64>,
}

/// Minutes after time zero (`90`, `1530.5`) or a time of day on day 0 (`"06:30"`).
fn time(s: &str) -> Result<Instant, TimeError> {
    if s.contains(':') {
        return ClockTime::parse(s).map(|c| Instant(c.0));
    }
    match s.trim().parse::<f64>() {
        Ok(min) if min.is_finite() && min >= 0.0 => Ok(Instant::at(Duration::from_min(min))),
        _ => Err(TimeError::Minutes { text: s.to_string() }),
    }
}

pub(super) fn read(
    path: &Path,
    bytes: &[u8],
    sites: &[String],
    service: Option<&Dist>,
) -> Result<Vec<OrderRow>, ScenarioError> {
    let invalid = |line: usize, column: usize, field: &str, message: String| ScenarioError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        field: field.to_string(),
        message,
    };
    // Lines counted from the bytes: csv skips blank and comment lines (a record's position is
    // before them), and a quoted field may hold line breaks.
    // Records come in file order: the count goes on from the last position asked, so the file
    // is read once (from its start again only for a position before it).
    let counted = std::cell::Cell::new((0usize, 0usize)); // (byte offset, line breaks before it)
    let line_at = |pos: Option<&csv::Position>| {
        let Some(p) = pos else { return 1 };
        let mut at = (p.byte() as usize).min(bytes.len());
        loop {
            match bytes.get(at) {
                Some(b'\n' | b'\r') => at += 1,
                Some(b'#') => at += bytes[at..].iter().position(|b| *b == b'\n').map_or(bytes.len() - at, |n| n + 1),
                _ => break,
            }
        }
        let (from, before) = if counted.get().0 <= at { counted.get() } else { (0, 0) };
        let breaks = before + bytes[from..at].iter().filter(|b| **b == b'\n').count();
        counted.set((at, breaks));
        breaks + 1
    };
    // Trimmed by hand, after the line breaks in the fields are counted.
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(bytes);
    let mut headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(csv_error(&e, &csv::StringRecord::new(), line_at(e.position()), &invalid)),
    };
    let header_line = line_at(headers.position());
    headers.trim();
    for (i, h) in headers.iter().enumerate() {
        if !COLUMNS.contains(&h) {
            return Err(invalid(header_line, i + 1, h, format!("unknown column; known: {}", COLUMNS.join(", "))));
        }
        if headers.iter().take(i).any(|earlier| earlier == h) {
            return Err(invalid(header_line, i + 1, h, "duplicate column".into()));
        }
    }
    for required in REQUIRED {
        if !headers.iter().any(|h| h == *required) {
            return Err(invalid(header_line, 1, required, "required column is missing".into()));
        }
    }
    let column_of = |name: &str| headers.iter().position(|h| h == name).map_or(1, |i| i + 1);
    let mut rows = Vec::new();
    let mut ids = HashSet::new();
    // The first site of each name, as a search from the start would find.
    let mut site_index = HashMap::new();
    for (i, s) in sites.iter().enumerate() {
        site_index.entry(s.as_str()).or_insert(i as u32);
    }
    for record in reader.records() {
        let mut record = record.map_err(|e| csv_error(&e, &headers, line_at(e.position()), &invalid))?;
        let start = line_at(record.position());
        // The line of each column: the row's first, plus the line breaks quoted before it.
        let breaks: Vec<usize> = record
            .iter()
            .scan(0, |before, f| {
                let at = *before;
                *before += f.matches('\n').count();
                Some(at)
            })
            .collect();
        let line = |name: &str| start + breaks.get(column_of(name) - 1).copied().unwrap_or(0);
        record.trim();
        let r: Row = record.deserialize(Some(&headers)).map_err(|e| {
            let line = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    start + err.field().and_then(|i| breaks.get(i as usize)).copied().unwrap_or(0)
                }
                _ => start,
            };
            csv_error(&e, &headers, line, &invalid)
        })?;
        let at = |name: &str, message: String| invalid(line(name), column_of(name), name, message);
        let time = |name: &str, value: &str| time(value).map_err(|e| at(name, e.to_string()));
        let created = time("created", &r.created)?;
        let due = time("due", &r.due)?;
        let ready = r.ready.as_deref().map(|v| time("ready", v)).transpose()?;
        let earliest = r.earliest.as_deref().map(|v| time("earliest", v)).transpose()?;
        let site = *site_index
            .get(r.site.as_str())
            .ok_or_else(|| at("site", format!("unknown site {:?}; known: {}", r.site, sites.join(", "))))?;
        for (name, v) in [("x", r.x), ("y", r.y)] {
            if !v.is_finite() {
                return Err(at(name, format!("must be a finite number, got {v}")));
            }
        }
        let ready = ready.unwrap_or(created);
        let earliest = earliest.unwrap_or(ready);
        if ready < created {
            return Err(at("ready", "is before `created`".into()));
        }
        if due < earliest {
            return Err(at("due", "is before `earliest` (or `ready`)".into()));
        }
        if r.size == 0 {
            return Err(at("size", "must be >= 1".into()));
        }
        let service = match (r.service_min, service) {
            (Some(m), _) if m.is_finite() && m >= 0.0 => Some(Duration::from_min(m)),
            (Some(m), _) => return Err(at("service_min", format!("must be >= 0, got {m}"))),
            (None, Some(_)) => None,
            (None, None) => {
                return Err(invalid(
                    start,
                    1,
                    "service_min",
                    "no `service_min` column value and no [orders].service_min distribution".into(),
                ));
            }
        };
        if let Some(id) = &r.id
            && !ids.insert(id.clone())
        {
            return Err(at("id", format!("duplicate order id {id:?}")));
        }
        rows.push(OrderRow {
            reference: r.id.map(Arc::from),
            site,
            created,
            ready,
            earliest,
            due,
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

/// A csv error in words, at `line` and the column it names.
fn csv_error(
    e: &csv::Error,
    headers: &csv::StringRecord,
    line: usize,
    invalid: &impl Fn(usize, usize, &str, String) -> ScenarioError,
) -> ScenarioError {
    let named = |i: usize| headers.get(i).unwrap_or("(row)");
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => invalid(line, i as usize + 1, named(i as usize), err.kind().to_string()),
            None => invalid(line, 1, "(row)", err.kind().to_string()),
        },
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            invalid(line, 1, "(row)", format!("{len} fields, but the header has {expected_len}"))
        }
        csv::ErrorKind::Utf8 { err, .. } => {
            let field = if headers.is_empty() { "(header)" } else { named(err.field()) };
            invalid(line, err.field() + 1, field, "not UTF-8 text".into())
        }
        _ => invalid(line, 1, "(file)", e.to_string()),
    }
}
