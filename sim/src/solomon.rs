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

impl Instance {
    /// Parses the original Solomon text format. The error names the line.
    pub fn parse(text: &str) -> Result<Instance, String> {
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let name = lines.iter().find(|l| !l.is_empty()).ok_or("empty file")?.to_string();
        let header = lines.iter().position(|l| l.starts_with("NUMBER")).ok_or("no VEHICLE NUMBER/CAPACITY header")?;
        let fleet: Vec<u32> = lines
            .get(header + 1)
            .ok_or("no vehicle line")?
            .split_whitespace()
            .map(|n| n.parse().map_err(|_| format!("line {}: expected two integers", header + 2)))
            .collect::<Result<_, _>>()?;
        let [vehicles, capacity] = fleet[..] else {
            return Err(format!("line {}: expected vehicle number and capacity", header + 2));
        };
        let table = lines.iter().position(|l| l.starts_with("CUST NO.")).ok_or("no customer table")?;
        let mut all = Vec::new();
        for (i, line) in lines.iter().enumerate().skip(table + 1).filter(|(_, l)| !l.is_empty()) {
            let f: Vec<f64> = line
                .split_whitespace()
                .map(|n| n.parse::<f64>().map_err(|_| format!("line {}: not a number: {n:?}", i + 1)))
                .collect::<Result<_, _>>()?;
            let [id, x, y, demand, ready, due, service] = f[..] else {
                return Err(format!("line {}: expected 7 columns, got {}", i + 1, f.len()));
            };
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
