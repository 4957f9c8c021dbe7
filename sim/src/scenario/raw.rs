//! The scenario file exactly as written: serde structs with no defaults filled in and no cross-references
//! checked. Range checks that concern a single value happen here, so that toml reports their position.
//! Tagged tables (`[policy]`, `[exceptions]`, `[[disruption]]`, `orders.destinations`) are read
//! apart, as externally tagged enums (see `de.rs`), and put in their fields after.

use serde::{Deserialize, Deserializer, de::Error as _};
use toml::Spanned;

use super::error::TimeError;
use super::limits;
use crate::dist::DistSpec;

pub type SDist = Spanned<DistSpec>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(deserialize_with = "horizon")]
    pub horizon_h: f64,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default, deserialize_with = "opt_at_least_one")]
    pub replications: Option<u32>,
    /// Hours at the start excluded from the KPIs.
    #[serde(default)]
    pub warmup_h: Option<Spanned<f64>>,
    /// The calendar date (UTC) of the run's time 0, for the event log's absolute times.
    #[serde(default)]
    pub start_date: Option<Spanned<toml::value::Datetime>>,
    pub network: RawNetwork,
    #[serde(default)]
    pub site: Vec<RawSite>,
    #[serde(default)]
    pub vehicle_type: Vec<RawVehicleType>,
    #[serde(default)]
    pub fleet: Vec<RawFleet>,
    #[serde(default)]
    pub drivers: Vec<RawDrivers>,
    #[serde(default)]
    pub carrier: Vec<RawCarrier>,
    pub orders: Spanned<RawOrders>,
    #[serde(skip)]
    pub policy: Option<Spanned<RawPolicy>>,
    #[serde(skip)]
    pub exceptions: Option<Spanned<policies::ExceptionPolicyConfig>>,
    #[serde(default)]
    pub dispatchers: Option<RawDispatchers>,
    #[serde(skip)]
    pub disruption: Vec<Spanned<RawDisruption>>,
}

/// `[policy]` or a policy file, tagged by `kind`: a [`crate::PolicyChoice`] as toml reads it with
/// every key's position.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawPolicy {
    NearestVehicle(policies::SingleOrderConfig),
    EarliestDue(policies::SingleOrderConfig),
    GreedyEdd(policies::GreedyEddConfig),
    CarrierOverflow(policies::CarrierOverflowConfig),
    PlanReplay(RawPlanFile),
    Process(crate::process::ProcessConfig),
}

/// `kind = "plan_replay"`: the plan's file, relative to the file that holds the policy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlanFile {
    pub file: String,
}

/// `[exceptions]`, tagged by `kind`, as [`RawPolicy`].
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawExceptions {
    RuleBased(policies::exceptions::RuleBasedConfig),
    AlwaysEscalate(policies::exceptions::RuleBasedConfig),
}

impl From<RawExceptions> for policies::ExceptionPolicyConfig {
    fn from(raw: RawExceptions) -> Self {
        match raw {
            RawExceptions::RuleBased(c) => policies::ExceptionPolicyConfig::RuleBased(c),
            RawExceptions::AlwaysEscalate(c) => policies::ExceptionPolicyConfig::AlwaysEscalate(c),
        }
    }
}

/// Two values, exactly: a location `[x, y]`, a window `["HH:MM", "HH:MM"]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair<T>(pub [T; 2]);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Pair<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let values = Vec::<T>::deserialize(d)?;
        let n = values.len();
        <[T; 2]>::try_from(values).map(Pair).map_err(|_| D::Error::custom(format!("expected 2 values, got {n}")))
    }
}

/// A location as written; its numbers are checked finite when resolved (the message names which).
pub type Coord = Pair<f64>;

/// A disruption over a window: `start_h` hours after time zero (or after the start of each day
/// with `per = "day"`), for `duration_h` hours, each a number or a distribution; it happens with
/// probability `chance`.
pub struct RawDisruption {
    pub when: RawWhen,
    /// What it does: `kind` and its fields.
    pub effect: RawEffect,
}

/// The keys every disruption takes, whatever its kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWhen {
    pub start_h: Hours,
    pub duration_h: Hours,
    #[serde(default = "one", deserialize_with = "probability")]
    pub chance: f64,
    #[serde(default)]
    pub per: Per,
}

impl RawWhen {
    pub const KEYS: &[&str] = &["start_h", "duration_h", "chance", "per"];
}

/// What a disruption does, by `kind` (read as `{ KIND = { ... } }`, see `de.rs`).
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawEffect {
    /// Order arrival rates multiplied, at some sites (all when `sites` is empty).
    DemandSurge {
        #[serde(deserialize_with = "surge")]
        multiplier: f64,
        #[serde(default)]
        sites: Vec<String>,
        /// Only orders for destinations in this region (a circle or a polygon), when given.
        center: Option<Coord>,
        #[serde(default, deserialize_with = "opt_positive")]
        radius_km: Option<f64>,
        #[serde(default)]
        polygon: Vec<Coord>,
    },
    /// Slower driving and unloading in a region: a circle or a polygon.
    Weather {
        center: Option<Coord>,
        #[serde(default, deserialize_with = "opt_positive")]
        radius_km: Option<f64>,
        #[serde(default)]
        polygon: Vec<Coord>,
        #[serde(default = "one", deserialize_with = "positive")]
        speed_multiplier: f64,
        #[serde(default = "one", deserialize_with = "positive")]
        service_multiplier: f64,
        #[serde(default)]
        closed: bool,
    },
    /// Carriers short of trucks: less capacity, more rejections.
    CarrierShortage {
        #[serde(default)]
        carriers: Vec<String>,
        #[serde(default = "one", deserialize_with = "non_negative")]
        capacity_multiplier: f64,
        #[serde(default, deserialize_with = "probability")]
        acceptance_drop: f64,
    },
    /// Vehicles breaking down on the road.
    Breakdowns {
        #[serde(deserialize_with = "non_negative")]
        rate_per_hour: f64,
        repair_min: DistSpec,
    },
    /// An IT system down: carrier booking (tenders fail), telematics (no ETA checks), or the
    /// inventory feed (orders reported ready are found not ready).
    IntegrationOutage {
        system: System,
        #[serde(default, deserialize_with = "probability")]
        stale_prob: f64,
        delay_min: Option<DistSpec>,
    },
    /// Drivers not showing up for their shifts, or starting them late.
    DriverAbsence {
        #[serde(default)]
        sites: Vec<String>,
        #[serde(default, deserialize_with = "probability")]
        no_show_prob: f64,
        #[serde(default, deserialize_with = "probability")]
        late_prob: f64,
        late_min: Option<DistSpec>,
    },
    /// Some doors of a site out of service.
    DockOutage { site: String, doors_down: u32 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDispatchers {
    pub count: u32,
    pub hours: Option<Pair<Spanned<ClockTime>>>,
    pub handling_min: SDist,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub metric: policies::Metric,
    #[serde(default = "one", deserialize_with = "at_least_one_f")]
    pub circuity: f64,
    pub travel_noise: Option<SDist>,
    #[serde(default, deserialize_with = "opt_decimals")]
    pub truncate_decimals: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub name: Spanned<String>,
    pub location: Coord,
    #[serde(deserialize_with = "doors")]
    pub doors: u32,
    pub hours: Option<Pair<Spanned<ClockTime>>>,
    pub load_fixed_min: SDist,
    pub load_per_unit_min: Option<SDist>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVehicleType {
    pub name: Spanned<String>,
    #[serde(deserialize_with = "at_least_one")]
    pub capacity: u32,
    #[serde(deserialize_with = "positive")]
    pub speed_kmh: f64,
    #[serde(deserialize_with = "non_negative")]
    pub cost_per_km: f64,
    #[serde(deserialize_with = "non_negative")]
    pub cost_per_hour: f64,
    #[serde(default = "handover_min", deserialize_with = "non_negative")]
    pub handover_min: f64,
}

fn handover_min() -> f64 {
    15.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFleet {
    pub site: Spanned<String>,
    #[serde(rename = "type")]
    pub vehicle_type: Spanned<String>,
    #[serde(deserialize_with = "vehicle_count")]
    pub count: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDrivers {
    pub site: Spanned<String>,
    #[serde(deserialize_with = "driver_count")]
    pub count: u32,
    pub shift: Pair<ClockTime>,
    #[serde(default, deserialize_with = "non_negative")]
    pub overtime_max_min: f64,
    #[serde(default, deserialize_with = "opt_positive")]
    pub max_duty_h: Option<f64>,
    #[serde(default)]
    pub standby: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCarrier {
    pub name: Spanned<String>,
    pub daily_capacity: u32,
    #[serde(deserialize_with = "probability")]
    pub acceptance: f64,
    #[serde(deserialize_with = "non_negative")]
    pub pickup_lead_min: f64,
    #[serde(deserialize_with = "non_negative")]
    pub price_per_order: f64,
    #[serde(default = "fifty", deserialize_with = "positive")]
    pub speed_kmh: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrders {
    /// Replay orders from this CSV file (relative to the scenario file) instead of generating them.
    pub csv: Option<Spanned<String>>,
    #[serde(default)]
    pub rate: Vec<RawRate>,
    #[serde(default)]
    pub class: Vec<RawClass>,
    pub size: Option<SDist>,
    pub ready_after_min: Option<SDist>,
    pub window_start_after_min: Option<SDist>,
    pub window_width_min: Option<SDist>,
    pub service_min: Option<SDist>,
    #[serde(skip)]
    pub destinations: Option<RawDestinations>,
    #[serde(default, deserialize_with = "opt_non_negative")]
    pub cancel_after_due_min: Option<f64>,
    #[serde(default, deserialize_with = "probability")]
    pub failed_delivery_prob: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRate {
    pub site: Spanned<String>,
    /// Mean orders per hour for each of the 24 hours of the day.
    pub per_hour: Spanned<Vec<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub name: Spanned<String>,
    #[serde(deserialize_with = "positive")]
    pub share: f64,
    #[serde(default)]
    pub priority: u8,
    pub value: Option<SDist>,
    pub window_width_min: Option<SDist>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDestinations {
    /// Uniform over a disk around the order's origin site.
    Disk {
        #[serde(deserialize_with = "positive")]
        radius_km: f64,
    },
    /// Uniform over a rectangle.
    Region { x: Coord, y: Coord },
    /// Uniform choice among customer locations.
    Customers { points: Vec<Coord> },
}

/// What a disruption's `chance` is per.
#[derive(Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// At most once in a replication, `start_h` after time zero.
    #[default]
    Replication,
    /// Each simulated day independently, `start_h` after that day's midnight.
    Day,
}

/// A number of hours, or a distribution of hours (`{ dist = "uniform", min = 5, max = 9 }`).
#[derive(Clone, Debug, PartialEq)]
pub enum Hours {
    Fixed(f64),
    Dist(DistSpec),
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Hours;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of hours or a distribution table")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Hours, E> {
                Ok(Hours::Fixed(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Hours, E> {
                Ok(Hours::Fixed(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Hours, E> {
                Ok(Hours::Fixed(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Hours, A::Error> {
                DistSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Hours::Dist)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum System {
    CarrierBooking,
    Telematics,
    Inventory,
}

/// A time of day, `"HH:MM"` or `"HH:MM:SS"`, from 00:00 to 24:00, as milliseconds after midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockTime(pub u64);

impl ClockTime {
    pub fn parse(s: &str) -> Result<ClockTime, TimeError> {
        let bad = || TimeError::ClockTime { text: s.to_string() };
        let parts: Vec<&str> = s.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let nums: Vec<u64> = parts.iter().map(|p| p.parse::<u64>().map_err(|_| bad())).collect::<Result<_, _>>()?;
        let (h, m, sec) = (nums[0], nums[1], nums.get(2).copied().unwrap_or(0));
        if m >= 60 || sec >= 60 || h > 24 || (h == 24 && (m, sec) != (0, 0)) {
            return Err(bad());
        }
        Ok(ClockTime(((h * 60 + m) * 60 + sec) * 1000))
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClockTime::parse(&s).map_err(D::Error::custom)
    }
}

fn one() -> f64 {
    1.0
}
fn fifty() -> f64 {
    50.0
}

fn check<'de, D: Deserializer<'de>, T: Deserialize<'de> + Copy + std::fmt::Display + std::fmt::LowerExp>(
    d: D,
    ok: impl Fn(T) -> bool,
    what: &str,
) -> Result<T, D::Error> {
    let v = T::deserialize(d)?;
    if ok(v) {
        return Ok(v);
    }
    // 1e300 as written, not its 301 digits.
    let shown = v.to_string();
    let shown = if shown.len() > 10 { format!("{v:e}") } else { shown };
    Err(D::Error::custom(format!("must be {what}, got {shown}")))
}

fn horizon<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let max = limits::HORIZON_H;
    check(
        d,
        |v: f64| v.is_finite() && v > 0.0 && v <= max,
        &format!("a number of hours > 0 and at most {max} (a year)"),
    )
}
fn surge<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let max = limits::SURGE_MULTIPLIER;
    check(d, |v: f64| v.is_finite() && (0.0..=max).contains(&v), &format!("a number from 0 to {max}"))
}
fn count_up_to<'de, D: Deserializer<'de>>(d: D, min: u32, max: u32) -> Result<u32, D::Error> {
    // Read as a u64 so that any integer gets this message, not toml's overflow.
    let v = u64::deserialize(d)?;
    match u32::try_from(v) {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(D::Error::custom(format!("must be an integer from {min} to {max}, got {v}"))),
    }
}
fn vehicle_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    count_up_to(d, 1, limits::VEHICLES)
}
fn driver_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    count_up_to(d, 1, limits::DRIVERS)
}
fn doors<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    count_up_to(d, 1, limits::DOORS_PER_SITE)
}
fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v: f64| v.is_finite() && v > 0.0, "a number > 0")
}
fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v: f64| v.is_finite() && v >= 0.0, "a number >= 0")
}
fn at_least_one_f<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v: f64| v.is_finite() && v >= 1.0, "a number >= 1")
}
fn probability<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v: f64| (0.0..=1.0).contains(&v), "a probability in [0, 1]")
}
fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    check(d, |v: u32| v >= 1, "an integer >= 1")
}
fn opt_at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    at_least_one(d).map(Some)
}
fn opt_positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    positive(d).map(Some)
}
fn opt_decimals<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    check(d, |v: u32| v <= 6, "an integer from 0 to 6").map(Some)
}
fn opt_non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    non_negative(d).map(Some)
}
