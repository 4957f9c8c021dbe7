//! Distances and travel times, shared by policies and their caller (dtwin's engine) so that both
//! see the same geometry.

use serde::{Deserialize, Serialize};

use crate::time::{Duration, MS_PER_HOUR};

/// A location. With [`Metric::Euclidean`] `x`/`y` are kilometres on a plane; with
/// [`Metric::GreatCircle`] `x` is longitude and `y` latitude, in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Euclidean,
    GreatCircle,
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

/// See [`TravelModel::local_plane`].
#[derive(Clone, Copy, Debug)]
pub struct LocalPlane {
    x_scale: f64,
}

impl LocalPlane {
    pub fn project(&self, p: Point) -> (f64, f64) {
        (p.x * self.x_scale, p.y)
    }
}

/// How the network turns straight-line distance into road distance and time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TravelModel {
    pub metric: Metric,
    /// Road distance / straight-line distance (typically 1.2-1.4).
    pub circuity: f64,
    /// Mean of the multiplicative travel-time noise; planners multiply nominal times by it.
    pub noise_mean: f64,
    /// Road distances are truncated to this many decimals, for networks whose distances are
    /// defined at that resolution; `None` keeps exact distances.
    #[serde(default)]
    pub truncate_decimals: Option<u32>,
}

impl TravelModel {
    /// Road distance in km.
    pub fn distance_km(&self, a: Point, b: Point) -> f64 {
        self.distance_prepared(&self.prepare(a), &self.prepare(b))
    }

    /// A point in the form [`TravelModel::distance_prepared`] takes: compute once per point when
    /// many distances are needed (the trigonometry is then paid per point, not per pair).
    pub fn prepare(&self, p: Point) -> [f64; 3] {
        match self.metric {
            Metric::Euclidean => [p.x, p.y, 0.0],
            // Unit vector on the sphere.
            Metric::GreatCircle => {
                let (lat, lon) = (p.y.to_radians(), p.x.to_radians());
                [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
            }
        }
    }

    /// The point `prepare` made `p` from (up to rounding).
    pub fn unprepare(&self, p: &[f64; 3]) -> Point {
        match self.metric {
            Metric::Euclidean => Point { x: p[0], y: p[1] },
            Metric::GreatCircle => {
                Point { x: p[1].atan2(p[0]).to_degrees(), y: p[2].clamp(-1.0, 1.0).asin().to_degrees() }
            }
        }
    }

    /// Planar coordinates around `origin`, for ranking nearby points cheaply: exact up to scale
    /// for [`Metric::Euclidean`]; an equirectangular projection (good within a region) for great circles.
    pub fn local_plane(&self, origin: Point) -> LocalPlane {
        LocalPlane {
            x_scale: match self.metric {
                Metric::Euclidean => 1.0,
                Metric::GreatCircle => origin.y.to_radians().cos(),
            },
        }
    }

    /// Road distance in km between prepared points.
    pub fn distance_prepared(&self, a: &[f64; 3], b: &[f64; 3]) -> f64 {
        let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        let chord = (dx * dx + dy * dy + dz * dz).sqrt();
        let straight = match self.metric {
            Metric::Euclidean => chord,
            // Great-circle arc from the chord between unit vectors.
            Metric::GreatCircle => 2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin(),
        };
        let road = straight * self.circuity;
        match self.truncate_decimals {
            None => road,
            Some(d) => {
                let scale = 10f64.powi(d as i32);
                (road * scale).floor() / scale
            }
        }
    }
}

/// Driving times, one function per estimate. Every time on a leg, in the policies and in the
/// engine, comes from here; each function names how it rounds, because the estimates round
/// differently and a change of rounding changes results.
///
/// | function | factor on the nominal time | rounding | used for |
/// |---|---|---|---|
/// | [`TravelModel::nominal_leg_floor`] | none | down | a carrier's leg in exception triage |
/// | [`TravelModel::expected_leg_floor`] | noise mean | down | one leg expected: a trip's legs, the way home, a rescue, a carrier's leg when tendering |
/// | [`TravelModel::sampled_leg_round`] | slowdown × drawn noise | nearest | the time a leg takes (vehicles, carriers) |
/// | [`TravelModel::leg_bound_ceil`] | worst factor | up | the longest a leg can take |
/// | [`Pace::expected_round`] | noise mean, per km | nearest | route plans ([`crate::plan`]) |
/// | [`Pace::expected_floor`] | noise mean, per km | down | a trip's remaining stops predicted, a direct leg in insertion checks |
///
/// [`Pace`] multiplies the distance by a rate computed once per vehicle (`km × (h / speed × noise
/// mean)`), where [`TravelModel::expected_leg_floor`] scales the nominal time (`km / speed × h ×
/// noise mean`); the two differ in their last bits, so neither can replace the other without
/// changing results.
impl TravelModel {
    /// Nominal (noise-free) driving time for `km` at `speed_kmh`, in ms, unrounded.
    pub fn nominal_ms(km: f64, speed_kmh: f64) -> f64 {
        km / speed_kmh * MS_PER_HOUR as f64
    }

    /// Nominal driving time for `km` at `speed_kmh`, rounded down to whole ms.
    pub fn nominal_leg_floor(km: f64, speed_kmh: f64) -> Duration {
        Duration(Self::nominal_ms(km, speed_kmh) as u64)
    }

    /// Expected driving time for `km` at `speed_kmh`: the nominal time times the noise mean,
    /// rounded down to whole ms.
    pub fn expected_leg_floor(&self, km: f64, speed_kmh: f64) -> Duration {
        Duration((Self::nominal_ms(km, speed_kmh) * self.noise_mean) as u64)
    }

    /// The time a leg takes: the nominal time times `slowdown` (1 when nothing slows it) and a
    /// drawn `noise` factor, rounded to the nearest ms.
    pub fn sampled_leg_round(km: f64, speed_kmh: f64, slowdown: f64, noise: f64) -> Duration {
        Duration((Self::nominal_ms(km, speed_kmh) * slowdown * noise).round() as u64)
    }

    /// The longest a leg can take: the nominal time times the `worst` factor, rounded up.
    pub fn leg_bound_ceil(km: f64, speed_kmh: f64, worst: f64) -> Duration {
        Duration((Self::nominal_ms(km, speed_kmh) * worst).ceil() as u64)
    }

    /// The expected pace of a vehicle at `speed_kmh`, noise mean included: for estimates over
    /// many legs (see [`Pace`]).
    pub fn pace(&self, speed_kmh: f64) -> Pace {
        Pace { ms_per_km: MS_PER_HOUR as f64 / speed_kmh * self.noise_mean }
    }
}

/// Expected ms per km of one vehicle, noise mean included ([`TravelModel::pace`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    pub ms_per_km: f64,
}

impl Pace {
    /// Expected driving time for `km`, rounded to the nearest ms.
    pub fn expected_round(&self, km: f64) -> Duration {
        Duration((km * self.ms_per_km).round() as u64)
    }

    /// Expected driving time for `km`, rounded down to whole ms.
    pub fn expected_floor(&self, km: f64) -> Duration {
        Duration((km * self.ms_per_km) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euclidean_and_great_circle() {
        let m = TravelModel { metric: Metric::Euclidean, circuity: 1.0, noise_mean: 1.0, truncate_decimals: None };
        assert_eq!(m.distance_km(Point { x: 0.0, y: 0.0 }, Point { x: 3.0, y: 4.0 }), 5.0);
        let g = TravelModel { metric: Metric::GreatCircle, circuity: 1.0, noise_mean: 1.0, truncate_decimals: None };
        // Paris -> London, about 344 km.
        let d = g.distance_km(Point { x: 2.3522, y: 48.8566 }, Point { x: -0.1276, y: 51.5072 });
        assert!((d - 343.5).abs() < 2.0, "{d}");
        let t = TravelModel { truncate_decimals: Some(1), ..m };
        assert_eq!(t.distance_km(Point { x: 0.0, y: 0.0 }, Point { x: 1.0, y: 1.0 }), 1.4);
        assert_eq!(t.distance_km(Point { x: 0.0, y: 0.0 }, Point { x: 3.0, y: 4.0 }), 5.0);
    }

    #[test]
    fn leg_times_round_as_their_names_say() {
        let m = TravelModel { metric: Metric::Euclidean, circuity: 1.0, noise_mean: 1.1, truncate_decimals: None };
        // 1 km at 60 km/h is 60,000 ms; 0.00001 km more is 0.6 ms more.
        let km = 1.00001;
        assert_eq!(TravelModel::nominal_leg_floor(km, 60.0), Duration(60_000));
        assert_eq!(m.expected_leg_floor(km, 60.0), Duration(66_000));
        assert_eq!(TravelModel::sampled_leg_round(km, 60.0, 1.0, 1.0), Duration(60_001));
        assert_eq!(TravelModel::sampled_leg_round(km, 60.0, 2.0, 1.5), Duration(180_002));
        assert_eq!(TravelModel::leg_bound_ceil(1.0, 60.0, 1.00001), Duration(60_001));
        assert_eq!(TravelModel::leg_bound_ceil(1.0, 60.0, 1.0), Duration(60_000));
        let pace = m.pace(60.0);
        assert_eq!((pace.expected_floor(km), pace.expected_round(km)), (Duration(66_000), Duration(66_001)));
        assert_eq!(pace.expected_round(60.0), Duration(MS_PER_HOUR * 11 / 10));
    }
}
