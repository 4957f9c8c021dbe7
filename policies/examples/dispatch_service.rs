//! A dispatch service calling a dtwin policy on its own state, with no simulator.
//!
//! ```text
//!   order system ──► AllocationRequest ──► policy.allocate() ──► Decision (routes) ──► dispatchers
//! ```
//!
//! The service builds the request from its own data (here by hand: one depot, two vans, three
//! drivers, five orders), asks the policy configured exactly as in a scenario file, and gets
//! routes back: one full van now, and one order held back until more orders can join it. Run it with `cargo run -p policies --example dispatch_service`.

use policies::*;

fn order(id: u64, x: f64, y: f64, size: u32, due_h: f64) -> OrderView {
    OrderView {
        id: OrderId(id),
        reference: Some(format!("SO-{id}")),
        site: SiteId(0),
        destination: Point { x, y },
        size,
        created: Instant::at(Duration::from_hours(7.0)),
        ready: Instant::at(Duration::from_hours(7.5)),
        earliest: Instant::at(Duration::from_hours(7.5)),
        due: Instant::at(Duration::from_hours(due_h)),
        priority: 0,
        value: 100.0,
        service: Duration::from_min(6.0),
    }
}

fn main() {
    // The same text a scenario's [policy] table holds.
    let config: PolicyConfig = serde_json::from_str(r#"{"kind": "greedy_edd", "min_fill": 0.6, "slack_min": 45}"#)
        .expect("a valid policy configuration");
    config.validate().expect("parameters in range");
    let mut policy = config.build();

    let request = AllocationRequest {
        now: Instant::at(Duration::from_hours(8.0)),
        travel: TravelModel { metric: Metric::Euclidean, circuity: 1.3, noise_mean: 1.05, truncate_decimals: None },
        sites: vec![SiteView {
            id: SiteId(0),
            location: Point { x: 0.0, y: 0.0 },
            doors: 2,
            doors_busy: 1,
            queue_len: 0,
            hours: DailyWindow { open_ms: 5 * MS_PER_HOUR, close_ms: 22 * MS_PER_HOUR },
            load_fixed_mean: Duration::from_min(12.0),
            load_per_unit_mean_ms: 30_000.0,
        }],
        orders: vec![
            order(1, 5.0, 3.0, 4, 10.0),
            order(2, 6.0, 4.0, 3, 10.5),
            order(3, -8.0, 2.0, 2, 9.0),
            order(4, 4.0, 5.0, 5, 11.0),
            order(5, -7.0, 3.0, 2, 9.5),
        ],
        vehicles: vec![
            VehicleView {
                id: VehicleId(10),
                site: SiteId(0),
                capacity: 12,
                speed_kmh: 40.0,
                cost_per_km: 0.4,
                cost_per_hour: 25.0,
            },
            VehicleView {
                id: VehicleId(11),
                site: SiteId(0),
                capacity: 12,
                speed_kmh: 40.0,
                cost_per_km: 0.4,
                cost_per_hour: 25.0,
            },
        ],
        drivers: (20..23)
            .map(|id| DriverView {
                id: DriverId(id),
                site: SiteId(0),
                shift_end: Instant::at(Duration::from_hours(14.0)),
                latest_return: Instant::at(Duration::from_hours(15.0)),
                duty_left: Duration::from_hours(6.0),
            })
            .collect(),
        busy_vehicles: vec![],
        carriers: vec![],
    };

    let decision = policy.allocate(&request);
    println!("{}", serde_json::to_string_pretty(&decision).expect("decisions serialise"));

    // Orders 2-5 fill a van exactly (12 units) and go now; order 1 (4 units, due at 10:00) is
    // held back for consolidation: a third of a van, and still more than 45 minutes of slack.
    assert_eq!(decision.routes.len(), 1);
    let route = &decision.routes[0];
    let load: u32 = route.stops.iter().map(|id| request.orders.iter().find(|o| o.id == *id).unwrap().size).sum();
    assert_eq!(load, 12);
    assert!(!route.stops.contains(&OrderId(1)));
    assert_eq!((route.vehicle, route.driver), (VehicleId(10), DriverId(20)));
}
