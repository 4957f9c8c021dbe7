//! Solomon VRPTW benchmark instances as dtwin scenarios.
//!
//! An instance becomes: one site (the depot) with a door per vehicle and no loading time; `K`
//! vehicles of capacity `Q` at 60 km/h, so that one distance unit (km) takes one time unit
//! (minute); `K` drivers always on duty; and one order per customer, known and ready at time
//! zero, with the customer's demand, ready time (`earliest`), due date (`due`, latest start of
//! service) and service time. Travel is deterministic. Under [`Convention::Dimacs`] every arc's
//! distance (and so its travel time) is truncated to one decimal, as in CVRPLIB's solutions.

use std::fmt::Write;

/// One line of the instance's customer table (customer 0 is the depot).
#[derive(Clone, Debug, PartialEq)]
pub struct Customer {
    pub id: u32,
    pub x: f64,
    pub y: f64,
    pub demand: u32,
    pub ready: f64,
    pub due: f64,
    pub service: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub name: String,
    pub vehicles: u32,
    pub capacity: u32,
    pub depot: Customer,
    pub customers: Vec<Customer>,
}

/// How arc distances are measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// Exact Euclidean distances (Solomon, SINTEF tables).
    Exact,
    /// Every arc truncated to one decimal (DIMACS 2021, CVRPLIB).
    Dimacs,
}

/// Why an instance could not be read: the line (1-based) when there is one, and what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ParseError {
    pub line: Option<usize>,
    pub message: String,
}

impl ParseError {
    fn at(line: usize, message: impl Into<String>) -> ParseError {
        ParseError { line: Some(line), message: message.into() }
    }
}

impl From<&str> for ParseError {
    fn from(message: &str) -> ParseError {
        ParseError { line: None, message: message.into() }
    }
}

/// A count read as a number: a whole number from `min` to `max`.
fn whole(x: f64, min: f64, max: f64) -> bool {
    x.fract() == 0.0 && (min..=max).contains(&x)
}

impl Instance {
    /// Parses the original Solomon text format, refusing what the scenario made from it would
    /// refuse. The error names the line.
    pub fn parse(text: &str) -> Result<Instance, ParseError> {
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let first = lines.iter().position(|l| !l.is_empty()).ok_or("empty file")?;
        // The name names the files written, and is written into the scenario as a string.
        let name = lines[first].to_string();
        let plain = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
        if name.len() > 100 || name.starts_with('.') || !name.chars().all(plain) {
            let m = format!(
                "the instance name must be letters, digits, `.`, `_` and `-`, at most 100, not starting with `.`; got {name:?}"
            );
            return Err(ParseError::at(first + 1, m));
        }
        let header = lines.iter().position(|l| l.starts_with("NUMBER")).ok_or("no VEHICLE NUMBER/CAPACITY header")?;
        let fleet: Vec<u32> = lines
            .get(header + 1)
            .ok_or("no vehicle line")?
            .split_whitespace()
            .map(|n| n.parse().map_err(|_| ParseError::at(header + 2, "expected two integers")))
            .collect::<Result<_, _>>()?;
        let [vehicles, capacity] = fleet[..] else {
            return Err(ParseError::at(header + 2, "expected vehicle number and capacity"));
        };
        // A door per vehicle at the depot.
        let most = crate::scenario::limits::DOORS_PER_SITE;
        if !(1..=most).contains(&vehicles) || capacity == 0 {
            let m = format!("vehicles must be from 1 to {most} and capacity at least 1, got {vehicles} and {capacity}");
            return Err(ParseError::at(header + 2, m));
        }
        let table = lines.iter().position(|l| l.starts_with("CUST NO.")).ok_or("no customer table")?;
        let mut all: Vec<Customer> = Vec::new();
        // The horizon is twice the depot's due time: it may be at most the limit on horizons.
        let latest = crate::scenario::limits::HORIZON_H * 60.0 / 2.0;
        for (i, line) in lines.iter().enumerate().skip(table + 1).filter(|(_, l)| !l.is_empty()) {
            let at = |m: String| ParseError::at(i + 1, m);
            let f: Vec<f64> = line
                .split_whitespace()
                .map(|n| n.parse::<f64>().map_err(|_| at(format!("not a number: {n:?}"))))
                .collect::<Result<_, _>>()?;
            let [id, x, y, demand, ready, due, service] = f[..] else {
                return Err(at(format!("expected 7 columns, got {}", f.len())));
            };
            if !whole(id, 0.0, f64::from(u32::MAX - 1)) {
                return Err(at(format!("the customer number must be a whole number >= 0, got {id}")));
            }
            if all.iter().any(|c| f64::from(c.id) == id) {
                return Err(at(format!("customer {id} is listed twice")));
            }
            if !(x.is_finite() && y.is_finite()) {
                return Err(at(format!("the coordinates must be finite numbers, got {x} and {y}")));
            }
            let depot = all.is_empty();
            if !whole(demand, if depot { 0.0 } else { 1.0 }, f64::from(u32::MAX)) {
                return Err(at(format!("demand must be a whole number >= 1, got {demand}")));
            }
            if !(ready.is_finite() && ready >= 0.0) {
                return Err(at(format!("the ready time must be a number >= 0, got {ready}")));
            }
            if !(due.is_finite() && due >= ready && (!depot || due <= latest)) {
                let most = if depot { format!(" and at most {latest}") } else { String::new() };
                return Err(at(format!("the due date must be at least the ready time{most}, got {due}")));
            }
            if !(service.is_finite() && service >= 0.0) {
                return Err(at(format!("the service time must be a number >= 0, got {service}")));
            }
            all.push(Customer { id: id as u32, x, y, demand: demand as u32, ready, due, service });
        }
        if all.len() < 2 || all[0].id != 0 {
            return Err("the customer table must start with the depot (customer 0) and list customers".into());
        }
        let depot = all.remove(0);
        Ok(Instance { name, vehicles, capacity, depot, customers: all })
    }

    /// The orders, one per customer, as an order CSV with the customer number as `id`.
    pub fn orders_csv(&self) -> String {
        let mut csv = String::from("id,site,created,ready,earliest,due,size,x,y,service_min\n");
        for c in &self.customers {
            writeln!(csv, "{},depot,0,0,{},{},{},{},{},{}", c.id, c.ready, c.due, c.demand, c.x, c.y, c.service)
                .expect("writing to a String");
        }
        csv
    }

    /// The scenario, reading its orders from `orders_csv` and with `policy` (a TOML `[policy]`
    /// table's body) as its policy; both paths relative to the scenario file.
    pub fn scenario_toml(&self, convention: Convention, orders_csv: &str, policy: &str) -> String {
        let truncate = match convention {
            Convention::Exact => "",
            Convention::Dimacs => "truncate_decimals = 1       # DIMACS: every arc truncated to one decimal\n",
        };
        // Late routes may come back after the depot closes: run well past it.
        let horizon_h = (self.depot.due * 2.0 / 60.0).ceil().max(1.0);
        format!(
            r#"# Solomon VRPTW instance {name}, imported by `dtwin import solomon`.
# One distance unit = 1 km = 1 minute at 60 km/h; everything is known and ready at time zero;
# travel is deterministic. `orders_late` counts time-window violations (service after due).
name = "{name}"
description = "Solomon VRPTW {name}: {k} vehicles of capacity {q}, {n} customers, depot due {due}"
horizon_h = {horizon_h}
seed = 1
replications = 1

[network]
metric = "euclidean"
{truncate}
[[site]]
name = "depot"
location = [{dx}, {dy}]
doors = {k}
load_fixed_min = {{ dist = "fixed", value = 0 }}

[[vehicle_type]]
name = "vehicle"
capacity = {q}
speed_kmh = 60
cost_per_km = 1
cost_per_hour = 0

[[fleet]]
site = "depot"
type = "vehicle"
count = {k}

[[drivers]]
site = "depot"
count = {k}
shift = ["00:00", "24:00"]

[orders]
csv = "{orders_csv}"

[policy]
{policy}
"#,
            name = self.name,
            k = self.vehicles,
            q = self.capacity,
            n = self.customers.len(),
            due = self.depot.due,
            dx = self.depot.x,
            dy = self.depot.y,
        )
    }
}
