//! Scenarios: read raw from TOML, then resolved into a validated model with defaults and units.
//!
//! Every error names the file, line, column and field (see [`ScenarioError`]). The field
//! reference is `docs/scenario.md`.

mod error;
mod orders_csv;
mod overlay;
mod raw;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use policies::{DailyWindow, MS_PER_DAY, Point, PolicyConfig, TimeMs, TravelModel};
use toml::Spanned;

pub use error::ScenarioError;
pub use orders_csv::OrderRow;
pub use raw::ClockTime;

use crate::dist::{Dist, DistSpec};
use crate::hash::StableHasher;
use error::line_col;
use raw::{RawDestinations, RawScenario};

/// A validated scenario. Durations are [`TimeMs`]; distributions of durations sample minutes.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    /// [`StableHasher`] hash of the scenario file and any order CSV it reads: identifies the inputs of a run.
    pub hash: u64,
    pub horizon: TimeMs,
    /// Seed and replications used when the command line gives none.
    pub seed: u64,
    pub replications: u32,
    /// The start of the horizon excluded from the KPIs (see [`crate::kpi::KpiCollector`]).
    pub warmup: TimeMs,
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
    pub cancel_after_due: Option<TimeMs>,
    pub policy: PolicyConfig,
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
    Fixed { start: TimeMs, end: TimeMs },
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
    pub handover: TimeMs,
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
    pub shift_len: TimeMs,
    pub overtime_max: TimeMs,
    pub max_duty: TimeMs,
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
    pub pickup_lead: TimeMs,
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
    pub fn set_warmup(&mut self, hours: f64) -> Result<(), String> {
        let horizon = self.horizon.as_hours();
        if !(0.0..horizon).contains(&hours) {
            return Err(format!("warm-up must be at least 0 and less than the horizon ({horizon} h), got {hours}"));
        }
        self.warmup = TimeMs::from_hours(hours);
        Ok(())
    }

    /// Reads and validates a scenario file (and the order CSV it may name).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
        Scenario::from_str(path, &text)
    }

    /// Replaces the scenario's policy with the one in a policy file: a TOML table with `kind` and
    /// the policy's parameters, as the scenario's `[policy]` table. Paths in it are relative to it.
    pub fn use_policy_file(&mut self, path: &Path) -> Result<(), ScenarioError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
        let policy: Spanned<PolicyConfig> = toml::from_str(&text).map_err(|e| error::from_toml(path, &text, e))?;
        let mut hash = StableHasher::default();
        std::hash::Hasher::write_u64(&mut hash, self.hash);
        std::hash::Hasher::write(&mut hash, text.as_bytes());
        self.policy = Resolver { path, text: &text }.policy(policy, &mut hash, "")?;
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
        let raw: RawScenario = toml::from_str(text).map_err(|e| error::from_toml(path, text, e))?;
        Resolver { path, text }.resolve(raw)
    }
}

struct Resolver<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Resolver<'_> {
    fn err(
        &self,
        span: Option<std::ops::Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let (line, column) = span.map_or((1, 1), |s| line_col(self.text, s.start));
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A daily window from `["HH:MM", "HH:MM"]`.
    fn window(&self, [open, close]: &[Spanned<ClockTime>; 2], field: &str) -> Result<DailyWindow, ScenarioError> {
        let (o, c) = (open.get_ref().0, close.get_ref().0);
        if o == c % MS_PER_DAY && !(o == 0 && c == MS_PER_DAY) {
            return Err(self.err(Some(open.span()), field, "opening and closing times are equal"));
        }
        Ok(DailyWindow { open_ms: o, close_ms: c })
    }

    fn dist(&self, spec: &Spanned<DistSpec>, field: &str) -> Result<Dist, ScenarioError> {
        Dist::new(spec.get_ref()).map_err(|m| self.err(Some(spec.span()), field, m))
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
        let site_names = self.unique(&raw.site.iter().map(|s| &s.name).collect::<Vec<_>>(), "site")?;
        let mut sites = Vec::new();
        for (i, s) in raw.site.iter().enumerate() {
            let hours = match &s.hours {
                None => DailyWindow::ALWAYS,
                Some(h) => self.window(h, &format!("site[{i}].hours"))?,
            };
            sites.push(Site {
                name: s.name.get_ref().clone(),
                location: Point { x: s.location[0], y: s.location[1] },
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
                handover: TimeMs::from_min(t.handover_min),
            })
            .collect();

        if raw.fleet.is_empty() {
            return Err(self.err(None, "fleet", "the fleet is empty: at least one [[fleet]] entry is required"));
        }
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
        let mut drivers = Vec::new();
        for (i, d) in raw.drivers.iter().enumerate() {
            let site = self.lookup(&site_names, &d.site, &format!("drivers[{i}].site"), "site")?;
            let [start, end] = d.shift;
            let shift_len = if start.0 == 0 && end.0 == MS_PER_DAY {
                TimeMs(MS_PER_DAY)
            } else if end.0 % MS_PER_DAY == start.0 {
                return Err(self.err(
                    Some(d.site.span()),
                    format!("drivers[{i}].shift"),
                    "shift start and end are equal",
                ));
            } else {
                TimeMs((end.0 + MS_PER_DAY - start.0) % MS_PER_DAY)
            };
            let overtime_max = TimeMs::from_min(d.overtime_max_min);
            let max_duty = match d.max_duty_h {
                // A round-the-clock shift never restarts, so a duty limit per shift would be for the whole run.
                Some(_) if shift_len.0 >= MS_PER_DAY => {
                    return Err(self.err(
                        Some(d.site.span()),
                        format!("drivers[{i}].max_duty_h"),
                        "needs a shift shorter than a day",
                    ));
                }
                Some(h) => TimeMs::from_hours(h),
                None if shift_len.0 >= MS_PER_DAY => TimeMs::MAX,
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
                pickup_lead: TimeMs::from_min(c.pickup_lead_min),
                price_per_order: c.price_per_order,
                speed_kmh: c.speed_kmh,
            })
            .collect();

        let mut hash = StableHasher::default();
        std::hash::Hasher::write(&mut hash, self.text.as_bytes());
        let (demand, cancel_after_due) = self.demand(&raw.orders, &site_names, &mut hash)?;

        let disruptions = self.disruptions(&raw.disruption, &site_names, &carriers)?;
        let exceptions = match raw.exceptions {
            None => policies::ExceptionPolicyConfig::default(),
            Some(x) => {
                x.get_ref().validate().map_err(|m| self.err(Some(x.span()), "exceptions", m))?;
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
            None => TimeMs::ZERO,
            Some(w) => {
                let h = *w.get_ref();
                if !(0.0..raw.horizon_h).contains(&h) {
                    let m = format!("must be at least 0 and less than horizon_h ({}), got {h}", raw.horizon_h);
                    return Err(self.err(Some(w.span()), "warmup_h", m));
                }
                TimeMs::from_hours(h)
            }
        };
        let policy = match raw.policy {
            None => PolicyConfig::default(),
            Some(p) => self.policy(p, &mut hash, "policy")?,
        };

        Ok(Scenario {
            name: raw.name,
            description: raw.description,
            path: self.path.to_path_buf(),
            hash: std::hash::Hasher::finish(&hash),
            horizon: TimeMs::from_hours(raw.horizon_h),
            seed: raw.seed.unwrap_or(1),
            replications: raw.replications.unwrap_or(10),
            warmup,
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
        site_names: &[String],
        carriers: &[CarrierSpec],
    ) -> Result<Vec<Disruption>, ScenarioError> {
        use raw::RawEffect as R;
        let mut out = Vec::new();
        for (i, d) in raw.iter().enumerate() {
            let site = |name: &str, field: &str| {
                site_names.iter().position(|s| s == name).map(|p| p as u32).ok_or_else(|| {
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
                        .map_err(|m| self.err(Some(d.span()), format!("disruption[{i}].repair_min"), m))?;
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
                        let delay_min = Dist::new(spec).map_err(|m| self.err(Some(d.span()), field, m))?;
                        (*stale_prob > 0.0).then_some(Effect::InventoryStale { stale_prob: *stale_prob, delay_min })
                    }
                },
                R::DriverAbsence { sites: names, no_show_prob, late_prob, late_min, .. } => {
                    let sites = names.iter().map(|n| site(n, "sites")).collect::<Result<Vec<_>, _>>()?;
                    let sites = if sites.is_empty() { (0..site_names.len() as u32).collect() } else { sites };
                    let field = format!("disruption[{i}].late_min");
                    let late_min = match late_min {
                        Some(spec) => Dist::new(spec).map_err(|m| self.err(Some(d.span()), field, m))?,
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
        center: &Option<[f64; 2]>,
        radius_km: &Option<f64>,
        polygon: &[[f64; 2]],
    ) -> Result<Option<Region>, ScenarioError> {
        let point = |p: &[f64; 2]| Point { x: p[0], y: p[1] };
        Ok(match (center, radius_km) {
            (None, None) if polygon.is_empty() => None,
            (Some(c), Some(r)) if polygon.is_empty() => Some(Region::Circle { center: point(c), radius_km: *r }),
            (None, None) if polygon.len() >= 3 => Some(Region::Polygon(polygon.iter().map(point).collect())),
            _ => {
                let m = "a region is either `center` and `radius_km`, or a `polygon` of 3 or more points";
                return Err(self.err(Some(d.span()), format!("disruption[{i}].polygon"), m));
            }
        })
    }

    /// When disruption `i` happens; `None` when it never does (`chance = 0`).
    fn when(&self, d: &Spanned<raw::RawDisruption>, i: usize) -> Result<Option<When>, ScenarioError> {
        use raw::Hours;
        let raw::RawDisruption { start_h, duration_h, chance, per, .. } = d.get_ref();
        let (chance, per) = (*chance, *per);
        let hours = |h: &Hours, field: &str, positive: bool| {
            let err = |m: String| self.err(Some(d.span()), format!("disruption[{i}].{field}"), m);
            match h {
                Hours::Fixed(v) if v.is_finite() && (*v > 0.0 || !positive && *v == 0.0) => Ok(Dist::fixed(*v)),
                Hours::Fixed(v) => {
                    Err(err(format!("must be a number {}, got {v}", if positive { "> 0" } else { ">= 0" })))
                }
                Hours::Dist(spec) => Dist::new(spec).map_err(err),
            }
        };
        if !(0.0..=1.0).contains(&chance) {
            let m = format!("must be a probability in [0, 1], got {chance}");
            return Err(self.err(Some(d.span()), format!("disruption[{i}].chance"), m));
        }
        let start = hours(start_h, "start_h", false)?;
        let duration = hours(duration_h, "duration_h", true)?;
        Ok(match (start_h, duration_h, per) {
            _ if chance == 0.0 => None,
            (Hours::Fixed(s), Hours::Fixed(len), raw::Per::Replication) if chance == 1.0 => {
                Some(When::Fixed { start: TimeMs::from_hours(*s), end: TimeMs::from_hours(s + len) })
            }
            _ => Some(When::Random { chance, per_day: per == raw::Per::Day, start_h: start, duration_h: duration }),
        })
    }

    /// Validates the policy's parameters and reads the files it names.
    /// Validates the policy's parameters and reads the files it names. `field` is where the policy
    /// table is (`policy` in a scenario, empty in a policy file).
    fn policy(
        &self,
        spanned: Spanned<PolicyConfig>,
        hash: &mut StableHasher,
        field: &str,
    ) -> Result<PolicyConfig, ScenarioError> {
        let span = spanned.span();
        let mut policy = spanned.into_inner();
        let name = |key: &str| if field.is_empty() { key.to_string() } else { format!("{field}.{key}") };
        if let PolicyConfig::PlanReplay(c) = &mut policy {
            let file = self.path.parent().unwrap_or(Path::new(".")).join(&c.file);
            let text = std::fs::read_to_string(&file).map_err(|e| {
                self.err(Some(span.clone()), name("file"), format!("cannot read {}: {e}", file.display()))
            })?;
            std::hash::Hasher::write(hash, text.as_bytes());
            c.plan = if text.trim_start().starts_with('{') {
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
            } else {
                policies::Plan::from_cvrplib(&text).map_err(|e| format!("{}: {e}", file.display()))
            }
            .map_err(|m| self.err(Some(span.clone()), name("file"), m))?;
        }
        policy.validate().map_err(|m| self.err(Some(span), if field.is_empty() { "(policy)" } else { field }, m))?;
        Ok(policy)
    }

    fn demand(
        &self,
        orders: &Spanned<raw::RawOrders>,
        site_names: &[String],
        hash: &mut StableHasher,
    ) -> Result<(Demand, Option<TimeMs>), ScenarioError> {
        let span = orders.span();
        let o = orders.get_ref();
        let cancel = o.cancel_after_due_min.map(TimeMs::from_min);
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
            let bytes = std::fs::read(&file).map_err(|e| {
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
                name: c.name.clone(),
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
                if !(x[0] < x[1] && y[0] < y[1]) {
                    return Err(self.err(
                        Some(span),
                        "orders.destinations",
                        "region needs x = [min, max] and y = [min, max] with min < max",
                    ));
                }
                Destinations::Region { x: *x, y: *y }
            }
            Some(RawDestinations::Customers { points }) => {
                if points.is_empty() {
                    return Err(self.err(Some(span), "orders.destinations.points", "no customer locations"));
                }
                Destinations::Customers(points.iter().map(|p| Point { x: p[0], y: p[1] }).collect())
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
