//! Scenarios: read raw from TOML, then resolved into a validated model with defaults and units.
//!
//! Every error names the file, line, column and field (see [`ScenarioError`]). The field
//! reference is `docs/scenario.md`.

mod de;
mod error;
mod files;
pub mod limits;
mod orders_csv;
mod overlay;
mod raw;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use policies::{DailyWindow, Duration, Instant, MS_PER_DAY, Point, PolicyConfig, TravelModel};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use error::{ScenarioError, TimeError, WarmupError};
pub use files::{read_input, read_text};
pub use orders_csv::OrderRow;
pub use raw::ClockTime;

use crate::dist::{Dist, DistSpec};
use crate::kernel::hash::StableHasher;
use crate::policy::{PlanFile, PolicyChoice};
use error::line_col;
use raw::{Coord, Pair, RawDestinations, RawScenario};

/// A validated scenario. Times are [`Instant`]s, lengths of time [`Duration`]s; distributions of durations sample minutes.
/// 2026-01-01, the day a scenario starts on unless it gives a `start_date`.
pub const DEFAULT_START_DAY: i64 = 20_454;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    /// [`StableHasher`] hash of the scenario file and any order CSV it reads: identifies the inputs of a run.
    pub hash: u64,
    pub horizon: Instant,
    /// Seed and replications used when the command line gives none.
    pub seed: u64,
    pub replications: u32,
    /// The start of the horizon excluded from the KPIs (see [`crate::kpi::KpiCollector`]).
    pub warmup: Instant,
    /// The calendar day of time 0 (UTC midnight), in days since 1970-01-01: `start_date`, by
    /// default [`DEFAULT_START_DAY`].
    pub start_day: i64,
    pub travel: TravelModel,
    /// Multiplicative travel-time noise factor.
    pub travel_noise: Dist,
    pub sites: Vec<Site>,
    pub vehicle_types: Vec<VehicleType>,
    /// One entry per vehicle; the index is its `VehicleId`.
    pub vehicles: Vec<VehicleSpec>,
    /// One entry per driver; the index is its `DriverId`.
    pub drivers: Vec<DriverSpec>,
    pub carriers: Vec<CarrierSpec>,
    pub demand: Demand,
    /// Unrouted orders are cancelled by the customer this long after their due time.
    pub cancel_after_due: Option<Duration>,
    pub policy: PolicyChoice,
    /// Folder of the file that defined the policy: where its relative paths start.
    pub policy_dir: PathBuf,
    pub exceptions: policies::ExceptionPolicyConfig,
    pub dispatchers: Dispatchers,
    /// Chance that a delivery attempt fails (the customer cannot take it).
    pub failed_delivery_prob: f64,
    /// Disruptions that change something (neutral ones are dropped when loading: bit-identical runs).
    pub disruptions: Vec<Disruption>,
}

/// A disruption: when it happens and what it does.
#[derive(Clone, Debug)]
pub struct Disruption {
    pub when: When,
    pub effect: Effect,
}

#[derive(Clone, Debug)]
pub enum When {
    /// Over `[start, end)` in every replication.
    Fixed { start: Instant, end: Instant },
    /// With probability `chance` once per replication (or each day when `per_day`), starting
    /// `start_h` hours after time zero (or the day's midnight), lasting `duration_h` hours.
    Random { chance: f64, per_day: bool, start_h: Dist, duration_h: Dist },
}

#[derive(Clone, Debug)]
pub enum Effect {
    /// Arrival rates multiplied at these sites; with a region, only of orders for destinations in it.
    DemandSurge { multiplier: f64, sites: Vec<u32>, region: Option<Region> },
    /// Doors of a site out of service.
    DockOutage { site: u32, doors_down: u32 },
    /// Legs to or from the region are driven at `speed_multiplier` times the speed; unloading
    /// there takes `service_multiplier` times as long.
    /// With `closed`, no leg that starts or ends in the region may start while it lasts.
    Weather { region: Region, speed_multiplier: f64, service_multiplier: f64, closed: bool },
    /// These carriers' daily capacity multiplied and acceptance probability lowered.
    CarrierShortage { carriers: Vec<u32>, capacity_multiplier: f64, acceptance_drop: f64 },
    /// Each shift starting at these sites is missed with probability `no_show_prob`, else
    /// started `late_min` late with probability `late_prob`.
    DriverAbsence { sites: Vec<u32>, no_show_prob: f64, late_prob: f64, late_min: Dist },
    /// Vehicles break down at this rate per hour of driving, and stand for a repair time (minutes).
    Breakdowns { rate_per_hour: f64, repair_min: Dist },
    /// Carrier booking down: every tender fails.
    BookingDown,
    /// Telematics down: no ETA checks, so risks are detected late.
    TelematicsDown,
    /// Inventory feed stale: an order reported ready is, with this probability, found not ready
    /// and becomes ready `delay_min` later.
    InventoryStale { stale_prob: f64, delay_min: Dist },
}

/// Where a disruption acts.
#[derive(Clone, Debug)]
pub enum Region {
    Circle {
        center: Point,
        radius_km: f64,
    },
    /// Vertices in order, in the scenario's coordinates (longitude, latitude for great circles).
    Polygon(Vec<Point>),
}

impl Disruption {
    /// Its kind and when it happens, in a line (means for the random parts).
    pub fn describe(&self) -> String {
        let when = match &self.when {
            When::Fixed { start, end } => {
                format!("from {:.1} h to {:.1} h", start.as_min() / 60.0, end.as_min() / 60.0)
            }
            When::Random { chance, per_day, start_h, duration_h } => format!(
                "chance {chance} per {}, starting about {:.1} h after {}, for about {:.1} h",
                if *per_day { "day" } else { "replication" },
                start_h.mean(),
                if *per_day { "each midnight" } else { "time zero" },
                duration_h.mean()
            ),
        };
        format!("{} {when}", self.kind())
    }

    pub fn kind(&self) -> &'static str {
        match self.effect {
            Effect::DemandSurge { .. } => "demand_surge",
            Effect::DockOutage { .. } => "dock_outage",
            Effect::Weather { .. } => "weather",
            Effect::CarrierShortage { .. } => "carrier_shortage",
            Effect::DriverAbsence { .. } => "driver_absence",
            Effect::Breakdowns { .. } => "breakdowns",
            Effect::BookingDown | Effect::TelematicsDown | Effect::InventoryStale { .. } => "integration_outage",
        }
    }
}

/// The dispatcher team that handles escalated exceptions.
#[derive(Clone, Debug)]
pub struct Dispatchers {
    pub count: u32,
    pub hours: DailyWindow,
    pub handling_min: Dist,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub name: String,
    pub location: Point,
    pub doors: u32,
    pub hours: DailyWindow,
    /// Minutes per loading, plus `load_per_unit_min` times the units loaded.
    pub load_fixed_min: Dist,
    pub load_per_unit_min: Dist,
}

#[derive(Clone, Debug)]
pub struct VehicleType {
    pub name: String,
    pub capacity: u32,
    pub speed_kmh: f64,
    pub cost_per_km: f64,
    pub cost_per_hour: f64,
    /// Time to take over a broken-down vehicle's goods as its rescue.
    pub handover: Duration,
}

#[derive(Clone, Copy, Debug)]
pub struct VehicleSpec {
    pub site: u32,
    pub vehicle_type: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct DriverSpec {
    pub site: u32,
    /// Daily shift start, after midnight.
    pub shift_start_ms: u64,
    /// Shift length; a full day or more means always on shift.
    pub shift_len: Duration,
    pub overtime_max: Duration,
    pub max_duty: Duration,
    /// Kept for rescues: never offered to the allocation policy.
    pub standby: bool,
}

impl DriverSpec {
    pub fn always_on(&self) -> bool {
        self.shift_len.0 >= MS_PER_DAY
    }
}

#[derive(Clone, Debug)]
pub struct CarrierSpec {
    pub name: String,
    pub daily_capacity: u32,
    pub acceptance: f64,
    pub pickup_lead: Duration,
    pub price_per_order: f64,
    pub speed_kmh: f64,
}

#[derive(Clone, Debug)]
pub enum Demand {
    Generated(Box<Generator>),
    Replay(Replay),
}

/// Orders from a CSV file, sorted by creation time.
#[derive(Clone, Debug)]
pub struct Replay {
    pub rows: Arc<[OrderRow]>,
    /// Unloading minutes for rows that give none.
    pub service_min: Option<Dist>,
}

/// How orders are generated: a Poisson process per site with an hourly rate profile.
#[derive(Clone, Debug)]
pub struct Generator {
    /// Per site, mean orders per hour for each hour of the day (all zero: no orders).
    pub rates_per_hour: Vec<[f64; 24]>,
    pub classes: Vec<OrderClass>,
    pub size: Dist,
    pub ready_after_min: Dist,
    pub window_start_after_min: Dist,
    pub service_min: Dist,
    pub destinations: Destinations,
}

#[derive(Clone, Debug)]
pub struct OrderClass {
    pub name: String,
    /// Cumulative share, the last class ending at 1.
    pub cumulative_share: f64,
    pub priority: u8,
    pub value: Dist,
    pub window_width_min: Dist,
}

#[derive(Clone, Debug)]
pub enum Destinations {
    Disk { radius_km: f64 },
    Region { x: [f64; 2], y: [f64; 2] },
    Customers(Arc<[Point]>),
}

impl Scenario {
    /// Sets the warm-up period excluded from the KPIs (`warmup_h` in the file): `hours` in
    /// `[0, horizon)`.
    pub fn set_warmup(&mut self, hours: f64) -> Result<(), WarmupError> {
        let horizon = self.horizon.as_hours();
        if !(0.0..horizon).contains(&hours) {
            return Err(WarmupError::OutOfRange { hours, horizon_h: horizon });
        }
        self.warmup = Instant::at(Duration::from_hours(hours));
        Ok(())
    }

    /// Reads and validates a scenario file (and the order CSV it may name).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = files::read_text(path)?;
        Scenario::from_str(path, &text)
    }

    /// Replaces the scenario's policy with the one in a policy file: a TOML table with `kind` and
    /// the policy's parameters, as the scenario's `[policy]` table. Paths in it are relative to it.
    pub fn use_policy_file(&mut self, path: &Path) -> Result<(), ScenarioError> {
        let text = files::read_text(path)?;
        let doc = DeTable::parse(&text).map_err(|e| error::from_toml(path, &text, e))?;
        let resolver = Resolver { path, text: &text, doc: &doc };
        let span = doc.span();
        let table = Spanned::new(span.clone(), DeValue::Table(doc.get_ref().clone()));
        let policy: raw::RawPolicy = resolver.tagged(table, "")?;
        let mut hash = StableHasher::default();
        std::hash::Hasher::write_u64(&mut hash, self.hash);
        std::hash::Hasher::write(&mut hash, text.as_bytes());
        self.policy = resolver.policy(Spanned::new(span, policy), &mut hash, "")?;
        self.policy_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        self.hash = std::hash::Hasher::finish(&hash);
        Ok(())
    }

    /// Validates scenario text; `path` is used in messages and to find relative files.
    pub fn from_str(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        if let Some((merged, sources)) = overlay::merged(path, text)? {
            return Self::parse(path, &merged).map_err(|e| sources.relocate(e));
        }
        Self::parse(path, text)
    }

    fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let doc = DeTable::parse(text).map_err(|e| error::from_toml(path, text, e))?;
        let resolver = Resolver { path, text, doc: &doc };
        let raw = resolver.raw(doc.clone())?;
        resolver.resolve(raw)
    }
}

struct Resolver<'a> {
    path: &'a Path,
    text: &'a str,
    /// The parsed text, where errors find their field's position.
    doc: &'a Spanned<DeTable<'a>>,
}

impl<'a> Resolver<'a> {
    /// An error at `field`: where the file writes it, else at `span` (else line 1).
    fn err(
        &self,
        span: Option<std::ops::Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let field = field.into();
        let span = de::span_of(self.doc, &field).or(span);
        let (line, column) = span.map_or((1, 1), |s| line_col(self.text, s.start));
        ScenarioError::Invalid { path: self.path.to_path_buf(), line, column, field, message: message.into() }
    }

    /// The raw scenario; the tagged tables are read apart, each from its own part of `doc`.
    fn raw(&self, mut doc: Spanned<DeTable<'a>>) -> Result<RawScenario, ScenarioError> {
        let root = doc.get_mut();
        let policy = root.remove("policy");
        let exceptions = root.remove("exceptions");
        let disruptions = root.remove("disruption");
        let destinations = match root.get_mut("orders").map(Spanned::get_mut) {
            Some(DeValue::Table(orders)) => orders.remove("destinations"),
            _ => None,
        };
        let mut raw = RawScenario::deserialize(toml::de::Deserializer::from(doc))
            .map_err(|e| error::from_toml(self.path, self.text, e))?;
        raw.orders.get_mut().destinations =
            destinations.map(|d| self.tagged::<RawDestinations>(d, "orders.destinations")).transpose()?;
        raw.policy =
            policy.map(|p| Ok(Spanned::new(p.span(), self.tagged::<raw::RawPolicy>(p, "policy")?))).transpose()?;
        raw.exceptions = exceptions
            .map(|x| Ok(Spanned::new(x.span(), self.tagged::<raw::RawExceptions>(x, "exceptions")?.into())))
            .transpose()?;
        raw.disruption = match disruptions.map(|d| (d.span(), d.into_inner())) {
            None => Vec::new(),
            Some((_, DeValue::Array(tables))) => {
                tables.into_iter().enumerate().map(|(i, d)| self.disruption(d, i)).collect::<Result<_, _>>()?
            }
            Some((span, _)) => return Err(self.err(Some(span), "disruption", "must be [[disruption]] tables")),
        };
        Ok(raw)
    }

    /// A table tagged by `kind` at `field` (empty: the whole file), as the externally tagged `T`.
    fn tagged<T: serde::de::DeserializeOwned>(
        &self,
        value: Spanned<DeValue<'a>>,
        field: &str,
    ) -> Result<T, ScenarioError> {
        let kind = if field.is_empty() { "kind".to_string() } else { format!("{field}.kind") };
        let value = de::untag(value, "kind").map_err(|(span, m)| self.err(Some(span), kind.clone(), m))?;
        de::value(self.path, self.text, value, field).map_err(|e| match e {
            ScenarioError::Invalid { path, line, column, field: f, message }
                if (f == field || field.is_empty() && f == "(document)") && message.starts_with("unknown variant") =>
            {
                ScenarioError::Invalid { path, line, column, field: kind, message }
            }
            e => e,
        })
    }

    /// Disruption `i`: the keys every kind takes, then its kind's own.
    fn disruption(&self, value: Spanned<DeValue<'a>>, i: usize) -> Result<Spanned<raw::RawDisruption>, ScenarioError> {
        let field = format!("disruption[{i}]");
        let span = value.span();
        let DeValue::Table(table) = value.into_inner() else {
            return Err(self.err(Some(span), field, "must be a table"));
        };
        let (when, effect): (Vec<_>, Vec<_>) =
            table.into_iter().partition(|(k, _)| raw::RawWhen::KEYS.contains(&k.get_ref().as_ref()));
        let table = |entries: Vec<_>| Spanned::new(span.clone(), DeValue::Table(entries.into_iter().collect()));
        let effect: raw::RawEffect = self.tagged(table(effect), &field).map_err(|e| match e {
            // Name the keys of every disruption too, not only the kind's own.
            ScenarioError::Invalid { path, line, column, field, message } if message.starts_with("unknown field") => {
                let common: Vec<String> = raw::RawWhen::KEYS.iter().map(|k| format!("`{k}`")).collect();
                let message = format!("{message}; or one of every disruption's: `kind`, {}", common.join(", "));
                ScenarioError::Invalid { path, line, column, field, message }
            }
            e => e,
        })?;
        let when: raw::RawWhen = de::value(self.path, self.text, table(when), &field)?;
        Ok(Spanned::new(span, raw::RawDisruption { when, effect }))
    }

    /// A daily window from `["HH:MM", "HH:MM"]`.
    fn window(
        &self,
        Pair([open, close]): &Pair<Spanned<ClockTime>>,
        field: &str,
    ) -> Result<DailyWindow, ScenarioError> {
        let (o, c) = (open.get_ref().0, close.get_ref().0);
        // 24:00 is 00:00 of the next day: ["24:00", "24:00"] is as empty as ["06:00", "06:00"].
        if o % MS_PER_DAY == c % MS_PER_DAY && !(o == 0 && c == MS_PER_DAY) {
            return Err(self.err(Some(open.span()), field, "opening and closing times are equal"));
        }
        Ok(DailyWindow { open_ms: o, close_ms: c })
    }

    /// A location whose numbers are finite.
    fn point(&self, Pair([x, y]): &Coord, field: &str) -> Result<Point, ScenarioError> {
        if !(x.is_finite() && y.is_finite()) {
            return Err(self.err(None, field, format!("coordinates must be finite numbers, got [{x}, {y}]")));
        }
        Ok(Point { x: *x, y: *y })
    }

    fn dist(&self, spec: &Spanned<DistSpec>, field: &str) -> Result<Dist, ScenarioError> {
        Dist::new(spec.get_ref()).map_err(|e| self.err(Some(spec.span()), field, e.to_string()))
    }

    fn opt_dist(&self, spec: &Option<Spanned<DistSpec>>, field: &str, default: Dist) -> Result<Dist, ScenarioError> {
        spec.as_ref().map_or(Ok(default), |s| self.dist(s, field))
    }

    fn required_dist(
        &self,
        spec: &Option<Spanned<DistSpec>>,
        field: &str,
        table: &std::ops::Range<usize>,
    ) -> Result<Dist, ScenarioError> {
        match spec {
            Some(s) => self.dist(s, field),
            None => Err(self.err(Some(table.clone()), field, "missing; required when orders are generated")),
        }
    }

    fn lookup(&self, names: &[String], name: &Spanned<String>, field: &str, what: &str) -> Result<u32, ScenarioError> {
        names.iter().position(|n| n == name.get_ref()).map(|i| i as u32).ok_or_else(|| {
            self.err(
                Some(name.span()),
                field,
                format!("unknown {what} {:?}; known: {}", name.get_ref(), names.join(", ")),
            )
        })
    }

    fn unique(&self, names: &[&Spanned<String>], field: &str) -> Result<Vec<String>, ScenarioError> {
        let mut out: Vec<String> = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if out.contains(n.get_ref()) {
                return Err(self.err(
                    Some(n.span()),
                    format!("{field}[{i}].name"),
                    format!("duplicate name {:?}", n.get_ref()),
                ));
            }
            out.push(n.get_ref().clone());
        }
        Ok(out)
    }

    fn resolve(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let travel_noise = self.opt_dist(&raw.network.travel_noise, "network.travel_noise", Dist::fixed(1.0))?;
        let travel = TravelModel {
            metric: raw.network.metric,
            circuity: raw.network.circuity,
            noise_mean: travel_noise.mean(),
            truncate_decimals: raw.network.truncate_decimals,
        };

        if raw.site.is_empty() {
            return Err(self.err(None, "site", "at least one [[site]] is required"));
        }
        if raw.site.len() > limits::SITES {
            let m = format!("at most {} sites, got {}", limits::SITES, raw.site.len());
            return Err(self.err(None, format!("site[{}]", limits::SITES), m));
        }
        let site_names = self.unique(&raw.site.iter().map(|s| &s.name).collect::<Vec<_>>(), "site")?;
        let mut sites = Vec::new();
        for (i, s) in raw.site.iter().enumerate() {
            let hours = match &s.hours {
                None => DailyWindow::ALWAYS,
                Some(h) => self.window(h, &format!("site[{i}].hours"))?,
            };
            sites.push(Site {
                name: s.name.get_ref().clone(),
                location: self.point(&s.location, &format!("site[{i}].location"))?,
                doors: s.doors,
                hours,
                load_fixed_min: self.dist(&s.load_fixed_min, &format!("site[{i}].load_fixed_min"))?,
                load_per_unit_min: self.opt_dist(
                    &s.load_per_unit_min,
                    &format!("site[{i}].load_per_unit_min"),
                    Dist::fixed(0.0),
                )?,
            });
        }

        if raw.vehicle_type.is_empty() {
            return Err(self.err(None, "vehicle_type", "at least one [[vehicle_type]] is required"));
        }
        let type_names = self.unique(&raw.vehicle_type.iter().map(|t| &t.name).collect::<Vec<_>>(), "vehicle_type")?;
        let vehicle_types = raw
            .vehicle_type
            .iter()
            .map(|t| VehicleType {
                name: t.name.get_ref().clone(),
                capacity: t.capacity,
                speed_kmh: t.speed_kmh,
                cost_per_km: t.cost_per_km,
                cost_per_hour: t.cost_per_hour,
                handover: Duration::from_min(t.handover_min),
            })
            .collect();

        if raw.fleet.is_empty() {
            return Err(self.err(None, "fleet", "the fleet is empty: at least one [[fleet]] entry is required"));
        }
        // Counted before anything is allocated from them.
        self.at_most(raw.fleet.iter().map(|f| f.count), limits::VEHICLES, "fleet", "vehicles")?;
        let mut vehicles = Vec::new();
        for (i, f) in raw.fleet.iter().enumerate() {
            let site = self.lookup(&site_names, &f.site, &format!("fleet[{i}].site"), "site")?;
            let vehicle_type =
                self.lookup(&type_names, &f.vehicle_type, &format!("fleet[{i}].type"), "vehicle type")?;
            vehicles.extend(std::iter::repeat_n(VehicleSpec { site, vehicle_type }, f.count as usize));
        }

        if raw.drivers.is_empty() {
            return Err(self.err(None, "drivers", "no drivers: at least one [[drivers]] entry is required"));
        }
        self.at_most(raw.drivers.iter().map(|d| d.count), limits::DRIVERS, "drivers", "drivers")?;
        let mut drivers = Vec::new();
        for (i, d) in raw.drivers.iter().enumerate() {
            let site = self.lookup(&site_names, &d.site, &format!("drivers[{i}].site"), "site")?;
            let Pair([start, end]) = d.shift;
            let shift_len = if start.0 == 0 && end.0 == MS_PER_DAY {
                Duration::DAY
            } else if end.0 % MS_PER_DAY == start.0 % MS_PER_DAY {
                return Err(self.err(
                    Some(d.site.span()),
                    format!("drivers[{i}].shift"),
                    "shift start and end are equal",
                ));
            } else {
                Duration((end.0 + MS_PER_DAY - start.0) % MS_PER_DAY)
            };
            let overtime_max = Duration::from_min(d.overtime_max_min);
            let max_duty = match d.max_duty_h {
                // A round-the-clock shift never restarts, so a duty limit per shift would be for the whole run.
                Some(_) if shift_len.0 >= MS_PER_DAY => {
                    return Err(self.err(
                        Some(d.site.span()),
                        format!("drivers[{i}].max_duty_h"),
                        "needs a shift shorter than a day",
                    ));
                }
                Some(h) => Duration::from_hours(h),
                None if shift_len.0 >= MS_PER_DAY => Duration::MAX,
                None => shift_len + overtime_max,
            };
            drivers.extend(std::iter::repeat_n(
                DriverSpec {
                    site,
                    shift_start_ms: start.0 % MS_PER_DAY,
                    shift_len,
                    overtime_max,
                    max_duty,
                    standby: d.standby,
                },
                d.count as usize,
            ));
        }

        let carrier_names = self.unique(&raw.carrier.iter().map(|c| &c.name).collect::<Vec<_>>(), "carrier")?;
        let carriers: Vec<CarrierSpec> = raw
            .carrier
            .iter()
            .zip(carrier_names)
            .map(|(c, name)| CarrierSpec {
                name,
                daily_capacity: c.daily_capacity,
                acceptance: c.acceptance,
                pickup_lead: Duration::from_min(c.pickup_lead_min),
                price_per_order: c.price_per_order,
                speed_kmh: c.speed_kmh,
            })
            .collect();

        let mut hash = StableHasher::default();
        std::hash::Hasher::write(&mut hash, self.text.as_bytes());
        let (demand, cancel_after_due) = self.demand(&raw.orders, &site_names, &mut hash)?;

        let disruptions = self.disruptions(&raw.disruption, &sites, &carriers)?;
        if let Demand::Generated(g) = &demand {
            self.peak_rates(&raw.disruption, &sites, g, raw.horizon_h)?;
        }
        let exceptions = match raw.exceptions {
            None => policies::ExceptionPolicyConfig::default(),
            Some(x) => {
                x.get_ref()
                    .validate()
                    .map_err(|e| self.err(Some(x.span()), param_field("exceptions", e.param()), e.to_string()))?;
                x.into_inner()
            }
        };
        let dispatchers = match &raw.dispatchers {
            // One dispatcher, always there, 10 minutes an exception on average.
            None => Dispatchers {
                count: 1,
                hours: DailyWindow::ALWAYS,
                handling_min: Dist::new(&DistSpec::Exponential { mean: 10.0, max: None }).expect("valid"),
            },
            Some(d) => Dispatchers {
                count: d.count,
                hours: match &d.hours {
                    None => DailyWindow::ALWAYS,
                    Some(h) => self.window(h, "dispatchers.hours")?,
                },
                handling_min: self.dist(&d.handling_min, "dispatchers.handling_min")?,
            },
        };
        let warmup = match &raw.warmup_h {
            None => Instant::START,
            Some(w) => {
                let h = *w.get_ref();
                if !(0.0..raw.horizon_h).contains(&h) {
                    let m = format!("must be at least 0 and less than horizon_h ({}), got {h}", raw.horizon_h);
                    return Err(self.err(Some(w.span()), "warmup_h", m));
                }
                Instant::at(Duration::from_hours(h))
            }
        };
        let start_day = match &raw.start_date {
            None => DEFAULT_START_DAY,
            Some(d) => match d.get_ref() {
                toml::value::Datetime { date: Some(date), time: None, offset: None } => {
                    let day = chrono::NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into());
                    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
                    day.map(|d| (d - epoch).num_days()).ok_or_else(|| {
                        self.err(Some(d.span()), "start_date", format!("{} is not a date", d.get_ref()))
                    })?
                }
                other => {
                    let m = format!("expected a date such as 2026-01-05 (no time of day), got {other}");
                    return Err(self.err(Some(d.span()), "start_date", m));
                }
            },
        };
        let policy = match raw.policy {
            None => PolicyChoice::default(),
            Some(p) => self.policy(p, &mut hash, "policy")?,
        };

        Ok(Scenario {
            name: raw.name,
            description: raw.description,
            path: self.path.to_path_buf(),
            hash: std::hash::Hasher::finish(&hash),
            horizon: Instant::at(Duration::from_hours(raw.horizon_h)),
            seed: raw.seed.unwrap_or(1),
            replications: raw.replications.unwrap_or(10),
            warmup,
            start_day,
            travel,
            travel_noise,
            sites,
            vehicle_types,
            vehicles,
            drivers,
            carriers,
            demand,
            cancel_after_due,
            policy,
            policy_dir: self.path.parent().unwrap_or(Path::new("")).to_path_buf(),
            exceptions,
            dispatchers,
            failed_delivery_prob: raw.orders.get_ref().failed_delivery_prob,
            disruptions,
        })
    }

    /// Resolves disruptions, dropping those with neutral intensity.
    fn disruptions(
        &self,
        raw: &[Spanned<raw::RawDisruption>],
        sites: &[Site],
        carriers: &[CarrierSpec],
    ) -> Result<Vec<Disruption>, ScenarioError> {
        use raw::RawEffect as R;
        let site_names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
        let mut out = Vec::new();
        for (i, d) in raw.iter().enumerate() {
            let site = |name: &str, field: &str| {
                site_names.iter().position(|s| *s == name).map(|p| p as u32).ok_or_else(|| {
                    let known = site_names.join(", ");
                    self.err(
                        Some(d.span()),
                        format!("disruption[{i}].{field}"),
                        format!("unknown site {name:?}; known: {known}"),
                    )
                })
            };
            let when = self.when(d, i)?;
            let effect = match &d.get_ref().effect {
                R::DemandSurge { multiplier, sites: names, center, radius_km, polygon, .. } => {
                    let sites = names.iter().map(|n| site(n, "sites")).collect::<Result<Vec<_>, _>>()?;
                    let sites = if sites.is_empty() { (0..site_names.len() as u32).collect() } else { sites };
                    let region = self.region(d, i, center, radius_km, polygon)?;
                    (*multiplier != 1.0).then_some(Effect::DemandSurge { multiplier: *multiplier, sites, region })
                }
                R::Weather { center, radius_km, polygon, speed_multiplier, service_multiplier, closed, .. } => {
                    let neutral = *speed_multiplier == 1.0 && *service_multiplier == 1.0 && !closed;
                    let Some(region) = self.region(d, i, center, radius_km, polygon)? else {
                        let m = "weather needs a region: `center` and `radius_km`, or a `polygon`";
                        return Err(self.err(Some(d.span()), format!("disruption[{i}].center"), m));
                    };
                    let effect = Effect::Weather {
                        region,
                        closed: *closed,
                        speed_multiplier: *speed_multiplier,
                        service_multiplier: *service_multiplier,
                    };
                    (!neutral).then_some(effect)
                }
                R::CarrierShortage { carriers: names, capacity_multiplier, acceptance_drop, .. } => {
                    let known: Vec<&str> = carriers.iter().map(|c| c.name.as_str()).collect();
                    let mut ids = Vec::new();
                    for n in names {
                        let id = known.iter().position(|k| k == n).ok_or_else(|| {
                            let list = known.join(", ");
                            self.err(
                                Some(d.span()),
                                format!("disruption[{i}].carriers"),
                                format!("unknown carrier {n:?}; known: {list}"),
                            )
                        })?;
                        ids.push(id as u32);
                    }
                    let ids = if ids.is_empty() { (0..known.len() as u32).collect() } else { ids };
                    let neutral = *capacity_multiplier == 1.0 && *acceptance_drop == 0.0;
                    let effect = Effect::CarrierShortage {
                        carriers: ids,
                        capacity_multiplier: *capacity_multiplier,
                        acceptance_drop: *acceptance_drop,
                    };
                    (!neutral).then_some(effect)
                }
                R::Breakdowns { rate_per_hour, repair_min, .. } => {
                    let repair_min = Dist::new(repair_min)
                        .map_err(|e| self.err(Some(d.span()), format!("disruption[{i}].repair_min"), e.to_string()))?;
                    (*rate_per_hour > 0.0).then_some(Effect::Breakdowns { rate_per_hour: *rate_per_hour, repair_min })
                }
                R::IntegrationOutage { system, stale_prob, delay_min, .. } => match system {
                    raw::System::CarrierBooking => Some(Effect::BookingDown),
                    raw::System::Telematics => Some(Effect::TelematicsDown),
                    raw::System::Inventory => {
                        let field = format!("disruption[{i}].delay_min");
                        let spec = delay_min.as_ref().ok_or_else(|| {
                            self.err(Some(d.span()), field.clone(), "an inventory outage needs `delay_min`")
                        })?;
                        let delay_min = Dist::new(spec).map_err(|e| self.err(Some(d.span()), field, e.to_string()))?;
                        (*stale_prob > 0.0).then_some(Effect::InventoryStale { stale_prob: *stale_prob, delay_min })
                    }
                },
                R::DriverAbsence { sites: names, no_show_prob, late_prob, late_min, .. } => {
                    let sites = names.iter().map(|n| site(n, "sites")).collect::<Result<Vec<_>, _>>()?;
                    let sites = if sites.is_empty() { (0..site_names.len() as u32).collect() } else { sites };
                    let field = format!("disruption[{i}].late_min");
                    let late_min = match late_min {
                        Some(spec) => Dist::new(spec).map_err(|e| self.err(Some(d.span()), field, e.to_string()))?,
                        None if *late_prob > 0.0 => {
                            return Err(self.err(Some(d.span()), field, "late starts (`late_prob`) need `late_min`"));
                        }
                        None => Dist::fixed(0.0),
                    };
                    let (no_show_prob, late_prob) = (*no_show_prob, *late_prob);
                    (no_show_prob > 0.0 || late_prob > 0.0).then_some(Effect::DriverAbsence {
                        sites,
                        no_show_prob,
                        late_prob,
                        late_min,
                    })
                }
                R::DockOutage { site: name, doors_down, .. } => {
                    let site = site(name, "site")?;
                    let doors = sites[site as usize].doors;
                    if *doors_down > doors {
                        let m = format!("{name:?} has {doors} doors, so at most {doors} can be down, got {doors_down}");
                        return Err(self.err(Some(d.span()), format!("disruption[{i}].doors_down"), m));
                    }
                    (*doors_down > 0).then_some(Effect::DockOutage { site, doors_down: *doors_down })
                }
            };
            if let (Some(effect), Some(when)) = (effect, when) {
                out.push(Disruption { when, effect });
            }
        }
        Ok(out)
    }

    /// The region of disruption `i`: a circle, a polygon, or none when neither is given.
    fn region(
        &self,
        d: &Spanned<raw::RawDisruption>,
        i: usize,
        center: &Option<Coord>,
        radius_km: &Option<f64>,
        polygon: &[Coord],
    ) -> Result<Option<Region>, ScenarioError> {
        let center = center.as_ref().map(|c| self.point(c, &format!("disruption[{i}].center"))).transpose()?;
        let polygon: Vec<Point> = polygon
            .iter()
            .enumerate()
            .map(|(j, p)| self.point(p, &format!("disruption[{i}].polygon[{j}]")))
            .collect::<Result<_, _>>()?;
        Ok(match (center, radius_km) {
            (None, None) if polygon.is_empty() => None,
            (Some(center), Some(r)) if polygon.is_empty() => Some(Region::Circle { center, radius_km: *r }),
            (None, None) if polygon.len() >= 3 => Some(Region::Polygon(polygon)),
            _ => {
                let m = "a region is either `center` and `radius_km`, or a `polygon` of 3 or more points";
                return Err(self.err(Some(d.span()), format!("disruption[{i}].polygon"), m));
            }
        })
    }

    /// When disruption `i` happens; `None` when it never does (`chance = 0`).
    fn when(&self, d: &Spanned<raw::RawDisruption>, i: usize) -> Result<Option<When>, ScenarioError> {
        use raw::Hours;
        let raw::RawWhen { start_h, duration_h, chance, per } = &d.get_ref().when;
        let (chance, per) = (*chance, *per);
        let hours = |h: &Hours, field: &str, positive: bool| {
            let err = |m: String| self.err(Some(d.span()), format!("disruption[{i}].{field}"), m);
            match h {
                Hours::Fixed(v) if v.is_finite() && (*v > 0.0 || !positive && *v == 0.0) => Ok(Dist::fixed(*v)),
                Hours::Fixed(v) => {
                    Err(err(format!("must be a number {}, got {v}", if positive { "> 0" } else { ">= 0" })))
                }
                Hours::Dist(spec) => Dist::new(spec).map_err(|e| err(e.to_string())),
            }
        };
        let start = hours(start_h, "start_h", false)?;
        let duration = hours(duration_h, "duration_h", true)?;
        Ok(match (start_h, duration_h, per) {
            _ if chance == 0.0 => None,
            (Hours::Fixed(s), Hours::Fixed(len), raw::Per::Replication) if chance == 1.0 => Some(When::Fixed {
                start: Instant::at(Duration::from_hours(*s)),
                end: Instant::at(Duration::from_hours(s + len)),
            }),
            _ => Some(When::Random { chance, per_day: per == raw::Per::Day, start_h: start, duration_h: duration }),
        })
    }

    /// Checks that no site is asked for more than [`limits::ORDERS_PER_HOUR`]: its peak hourly rate
    /// times every surge that may be under way at once (overlapping surges multiply). A surge with
    /// a fixed window counts where it overlaps another; a random one as always under way, as
    /// often as its occurrences can overlap (once, or for `per = "day"`, as many days as its
    /// latest end spans).
    fn peak_rates(
        &self,
        raw: &[Spanned<raw::RawDisruption>],
        sites: &[Site],
        g: &Generator,
        horizon_h: f64,
    ) -> Result<(), ScenarioError> {
        // (index in the file, window if fixed, multiplier, sites, occurrences that can overlap)
        let mut surges = Vec::new();
        for (i, d) in raw.iter().enumerate() {
            let raw::RawEffect::DemandSurge { multiplier, sites: names, .. } = &d.get_ref().effect else { continue };
            let Some(when) = self.when(d, i)? else { continue };
            if *multiplier <= 1.0 {
                continue;
            }
            let on: Vec<u32> = if names.is_empty() {
                (0..sites.len() as u32).collect()
            } else {
                (0..sites.len() as u32).filter(|s| names.contains(&sites[*s as usize].name)).collect()
            };
            let (window, copies) = match &when {
                When::Fixed { start, end } => (Some((*start, *end)), 1.0),
                When::Random { per_day: false, .. } => (None, 1.0),
                When::Random { per_day: true, start_h, duration_h, .. } => {
                    let latest_end = start_h.upper_bound().zip(duration_h.upper_bound()).map(|(s, d)| s + d);
                    let days = latest_end.map_or(horizon_h / 24.0, |h| h / 24.0).min(horizon_h / 24.0);
                    (None, days.floor() + 1.0)
                }
            };
            surges.push((i, window, *multiplier, on, copies));
        }
        for (site, rates) in g.rates_per_hour.iter().enumerate() {
            let peak = rates.iter().copied().fold(0.0, f64::max);
            let on_site: Vec<_> = surges.iter().filter(|s| s.3.contains(&(site as u32))).collect();
            // The worst moment is when some fixed surge starts, or any moment if none.
            let moments: Vec<Option<Instant>> =
                std::iter::once(None).chain(on_site.iter().filter_map(|s| s.1.map(|(start, _)| Some(start)))).collect();
            for moment in moments {
                let mut rate = peak;
                for (i, window, multiplier, _, copies) in &on_site {
                    let under_way = match (window, moment) {
                        (None, _) => true,
                        (Some((start, end)), Some(t)) => *start <= t && t < *end,
                        (Some(_), None) => false,
                    };
                    if !under_way {
                        continue;
                    }
                    rate *= multiplier.powf(*copies);
                    if rate > limits::ORDERS_PER_HOUR {
                        let m = format!(
                            "would take {:?} to {rate:.0} orders an hour (its peak rate {peak} times the surges under way at once); at most {} an hour per site",
                            sites[site].name,
                            limits::ORDERS_PER_HOUR
                        );
                        return Err(self.err(Some(raw[*i].span()), format!("disruption[{i}].multiplier"), m));
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that the counts of `table` entries add up to at most `max`; the error is at the
    /// entry that goes past it.
    fn at_most(
        &self,
        counts: impl Iterator<Item = u32>,
        max: u32,
        table: &str,
        what: &str,
    ) -> Result<(), ScenarioError> {
        let mut total = 0u64;
        for (i, count) in counts.enumerate() {
            total += u64::from(count);
            if total > u64::from(max) {
                let m = format!("{total} {what} in all, at most {max}");
                return Err(self.err(None, format!("{table}[{i}].count"), m));
            }
        }
        Ok(())
    }

    /// Validates the policy's parameters and reads the files it names. `field` is where the policy
    /// table is (`policy` in a scenario, empty in a policy file).
    fn policy(
        &self,
        spanned: Spanned<raw::RawPolicy>,
        hash: &mut StableHasher,
        field: &str,
    ) -> Result<PolicyChoice, ScenarioError> {
        use raw::RawPolicy as R;
        let span = spanned.span();
        let name = |key: &str| if field.is_empty() { key.to_string() } else { format!("{field}.{key}") };
        let policy = match spanned.into_inner() {
            R::NearestVehicle(c) => PolicyChoice::Builtin(PolicyConfig::NearestVehicle(c)),
            R::EarliestDue(c) => PolicyChoice::Builtin(PolicyConfig::EarliestDue(c)),
            R::GreedyEdd(c) => PolicyChoice::Builtin(PolicyConfig::GreedyEdd(c)),
            R::CarrierOverflow(c) => PolicyChoice::Builtin(PolicyConfig::CarrierOverflow(c)),
            R::Process(c) => PolicyChoice::Process(c),
            R::PlanReplay(raw::RawPlanFile { file: written }) => {
                let file = self.path.parent().unwrap_or(Path::new(".")).join(&written);
                let bytes = files::read_input(&file, limits::DATA_FILE_BYTES).map_err(|e| {
                    self.err(Some(span.clone()), name("file"), format!("cannot read {}: {e}", file.display()))
                })?;
                let text = files::utf8(&file, bytes)?;
                std::hash::Hasher::write(hash, text.as_bytes());
                let plan = if text.trim_start().starts_with('{') {
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
                } else {
                    policies::Plan::from_cvrplib(&text).map_err(|e| format!("{}: {e}", file.display()))
                }
                .map_err(|m| self.err(Some(span.clone()), name("file"), m))?;
                PolicyChoice::PlanFile(PlanFile { file: written, plan })
            }
        };
        policy.validate().map_err(|e| self.err(Some(span), param_field(field, e.param().as_deref()), e.to_string()))?;
        Ok(policy)
    }

    fn demand(
        &self,
        orders: &Spanned<raw::RawOrders>,
        site_names: &[String],
        hash: &mut StableHasher,
    ) -> Result<(Demand, Option<Duration>), ScenarioError> {
        let span = orders.span();
        let o = orders.get_ref();
        let cancel = o.cancel_after_due_min.map(Duration::from_min);
        if let Some(csv) = &o.csv {
            if !o.rate.is_empty() || !o.class.is_empty() {
                return Err(self.err(
                    Some(csv.span()),
                    "orders.csv",
                    "orders are either replayed from `csv` or generated from `rate`/`class`, not both",
                ));
            }
            let file = self.path.parent().unwrap_or(Path::new(".")).join(csv.get_ref());
            let service = o.service_min.as_ref().map(|s| self.dist(s, "orders.service_min")).transpose()?;
            let bytes = files::read_input(&file, limits::DATA_FILE_BYTES).map_err(|e| {
                self.err(Some(csv.span()), "orders.csv", format!("cannot read {}: {e}", file.display()))
            })?;
            std::hash::Hasher::write(hash, &bytes);
            let rows = orders_csv::read(&file, &bytes, site_names, service.as_ref())?;
            return Ok((Demand::Replay(Replay { rows: rows.into(), service_min: service }), cancel));
        }

        if o.rate.is_empty() {
            return Err(self.err(Some(span), "orders.rate", "no demand: give [[orders.rate]] per site, or `csv`"));
        }
        let mut rates = vec![[0.0; 24]; site_names.len()];
        for (i, r) in o.rate.iter().enumerate() {
            let site = self.lookup(site_names, &r.site, &format!("orders.rate[{i}].site"), "site")?;
            let field = format!("orders.rate[{i}].per_hour");
            let per_hour = r.per_hour.get_ref();
            if per_hour.len() != 24 {
                return Err(self.err(
                    Some(r.per_hour.span()),
                    field,
                    format!("need 24 hourly rates, got {}", per_hour.len()),
                ));
            }
            if let Some(bad) = per_hour.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(self.err(Some(r.per_hour.span()), field, format!("rates must be >= 0, got {bad}")));
            }
            for (h, v) in per_hour.iter().enumerate() {
                rates[site as usize][h] += v;
                // Never capped silently: an arrival process this fast is refused.
                if rates[site as usize][h] > limits::ORDERS_PER_HOUR {
                    let m = format!(
                        "{} orders an hour at {:?} in hour {h}; at most {} an hour per site",
                        rates[site as usize][h],
                        r.site.get_ref(),
                        limits::ORDERS_PER_HOUR
                    );
                    return Err(self.err(Some(r.per_hour.span()), field, m));
                }
            }
        }

        let window_width = o.window_width_min.as_ref().map(|s| self.dist(s, "orders.window_width_min")).transpose()?;
        let mut classes = Vec::new();
        if o.class.is_empty() {
            let Some(width) = window_width.clone() else {
                return Err(self.err(
                    Some(span),
                    "orders.window_width_min",
                    "missing; required unless every [[orders.class]] sets it",
                ));
            };
            classes.push(OrderClass {
                name: "standard".into(),
                cumulative_share: 1.0,
                priority: 0,
                value: Dist::fixed(0.0),
                window_width_min: width,
            });
        }
        if o.class.len() > limits::ORDER_CLASSES {
            let m = format!("at most {} order classes, got {}", limits::ORDER_CLASSES, o.class.len());
            return Err(self.err(Some(span.clone()), format!("orders.class[{}]", limits::ORDER_CLASSES), m));
        }
        self.unique(&o.class.iter().map(|c| &c.name).collect::<Vec<_>>(), "orders.class")?;
        let total: f64 = o.class.iter().map(|c| c.share).sum();
        let mut cumulative = 0.0;
        for (i, c) in o.class.iter().enumerate() {
            cumulative += c.share / total;
            let width = match (&c.window_width_min, &window_width) {
                (Some(s), _) => self.dist(s, &format!("orders.class[{i}].window_width_min"))?,
                (None, Some(w)) => w.clone(),
                (None, None) => {
                    return Err(self.err(
                        Some(span.clone()),
                        format!("orders.class[{i}].window_width_min"),
                        "missing, and no orders.window_width_min default",
                    ));
                }
            };
            classes.push(OrderClass {
                name: c.name.get_ref().clone(),
                cumulative_share: if i + 1 == o.class.len() { 1.0 } else { cumulative },
                priority: c.priority,
                value: self.opt_dist(&c.value, &format!("orders.class[{i}].value"), Dist::fixed(0.0))?,
                window_width_min: width,
            });
        }

        let destinations = match &o.destinations {
            None => {
                return Err(self.err(Some(span), "orders.destinations", "missing; required when orders are generated"));
            }
            Some(RawDestinations::Disk { radius_km }) => Destinations::Disk { radius_km: *radius_km },
            Some(RawDestinations::Region { x, y }) => {
                let x = self.point(x, "orders.destinations.x")?;
                let y = self.point(y, "orders.destinations.y")?;
                if !(x.x < x.y && y.x < y.y) {
                    return Err(self.err(
                        Some(span),
                        "orders.destinations",
                        "region needs x = [min, max] and y = [min, max] with min < max",
                    ));
                }
                Destinations::Region { x: [x.x, x.y], y: [y.x, y.y] }
            }
            Some(RawDestinations::Customers { points }) => {
                if points.is_empty() {
                    return Err(self.err(Some(span), "orders.destinations.points", "no customer locations"));
                }
                let field = |j: usize| format!("orders.destinations.points[{j}]");
                let points: Vec<Point> =
                    points.iter().enumerate().map(|(j, p)| self.point(p, &field(j))).collect::<Result<_, _>>()?;
                Destinations::Customers(points.into())
            }
        };

        let generator = Generator {
            rates_per_hour: rates,
            classes,
            size: self.required_dist(&o.size, "orders.size", &span)?,
            ready_after_min: self.opt_dist(&o.ready_after_min, "orders.ready_after_min", Dist::fixed(0.0))?,
            window_start_after_min: self.opt_dist(
                &o.window_start_after_min,
                "orders.window_start_after_min",
                Dist::fixed(0.0),
            )?,
            service_min: self.required_dist(&o.service_min, "orders.service_min", &span)?,
            destinations,
        };
        Ok((Demand::Generated(Box::new(generator)), cancel))
    }
}

/// The field of a policy parameter its validation refused (`policy.min_fill`), `param` as the
/// error names it. `table` is where the policy is (empty in a policy file); other errors (and a
/// parameter whose name has a space, not a field one can write bare) are the table's.
fn param_field(table: &str, param: Option<&str>) -> String {
    match param {
        Some(name) if !name.is_empty() && !name.contains(' ') && table.is_empty() => name.to_string(),
        Some(name) if !name.is_empty() && !name.contains(' ') => format!("{table}.{name}"),
        _ if table.is_empty() => "(policy)".to_string(),
        _ => table.to_string(),
    }
}
