//! Distances and expected travel times, shared by policies and the engine so both see the same geometry.

use serde::{Deserialize, Serialize};

use crate::time::{MS_PER_HOUR, TimeMs};

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
    /// Truncate every arc's road distance to this many decimals (the DIMACS convention for
    /// benchmark instances uses 1); `None` keeps exact distances.
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

    /// Nominal (noise-free) driving time for `km` at `speed_kmh`.
    pub fn nominal_ms(km: f64, speed_kmh: f64) -> f64 {
        km / speed_kmh * MS_PER_HOUR as f64
    }

    /// Expected driving time between two points, noise mean included.
    pub fn expected_time(&self, a: Point, b: Point, speed_kmh: f64) -> TimeMs {
        TimeMs((Self::nominal_ms(self.distance_km(a, b), speed_kmh) * self.noise_mean).round() as u64)
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
        assert_eq!(m.expected_time(Point { x: 0.0, y: 0.0 }, Point { x: 60.0, y: 0.0 }, 60.0), TimeMs(MS_PER_HOUR));
        let t = TravelModel { truncate_decimals: Some(1), ..m };
        assert_eq!(t.distance_km(Point { x: 0.0, y: 0.0 }, Point { x: 1.0, y: 1.0 }), 1.4);
        assert_eq!(t.distance_km(Point { x: 0.0, y: 0.0 }, Point { x: 3.0, y: 4.0 }), 5.0);
    }
}
