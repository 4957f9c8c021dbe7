//! Unit tests of the disruptions domain: what is under way without any, regions and polygons.

use super::*;
use crate::engine::with_sim;
use policies::Metric;

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{tiny, tiny_with};

fn fields(a: &Active) -> (usize, usize, usize, f64, f64) {
    (a.indices.len(), a.ends.len(), a.regions.len(), a.worst_speed, a.worst_service)
}

/// Without disruptions the answer is the shared empty state, exactly what the world would hold;
/// with one, the world's own (its weather known in advance for the drivers' guard).
#[test]
fn no_disruptions_means_the_shared_empty_state() {
    assert_eq!(fields(&Active::new(&tiny())), fields(&NONE));
    with_sim(&tiny(), 1, |sim| assert!(std::ptr::eq(active_now(sim), &NONE)));
    let stormy = tiny_with(
        r#"
[[disruption]]
kind = "weather"
start_h = 8
duration_h = 4
speed_multiplier = 0.5
center = [0.0, 0.0]
radius_km = 50
"#,
    );
    with_sim(&stormy, 1, |sim| {
        assert!(!std::ptr::eq(active_now(sim), &NONE));
        assert_eq!(fields(active_now(sim)), (0, 0, 1, 0.5, 1.0), "not under way at time zero");
    });
}

#[test]
fn points_inside_a_polygon() {
    let p = |x, y| Point { x, y };
    // An L shape: the notch at the top right is outside.
    let l = [p(0.0, 0.0), p(4.0, 0.0), p(4.0, 2.0), p(2.0, 2.0), p(2.0, 4.0), p(0.0, 4.0)];
    assert!(inside(&l, p(1.0, 1.0)) && inside(&l, p(3.0, 1.0)) && inside(&l, p(1.0, 3.0)));
    assert!(!inside(&l, p(3.0, 3.0)) && !inside(&l, p(5.0, 1.0)) && !inside(&l, p(-1.0, 1.0)));
}

#[test]
fn a_polygon_on_the_sphere_is_read_in_longitude_and_latitude() {
    let travel = TravelModel { metric: Metric::GreatCircle, circuity: 1.0, noise_mean: 1.0, truncate_decimals: None };
    let birmingham = Point { x: -1.8904, y: 52.4862 };
    let back = travel.unprepare(&travel.prepare(birmingham));
    assert!((back.x - birmingham.x).abs() < 1e-9 && (back.y - birmingham.y).abs() < 1e-9);
    let square = Area::Polygon(vec![
        Point { x: -2.2, y: 52.3 },
        Point { x: -1.6, y: 52.3 },
        Point { x: -1.6, y: 52.7 },
        Point { x: -2.2, y: 52.7 },
    ]);
    assert!(square.contains(&travel, &travel.prepare(birmingham)));
    assert!(!square.contains(&travel, &travel.prepare(Point { x: -1.1506, y: 52.9548 })), "Nottingham");
}
