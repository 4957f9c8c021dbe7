//! KPIs that say what they mean: costs per order over the deliveries they pay for, and a
//! direction (better higher, lower, or neither) for every KPI in one place.

use policies::Instant;
use sim::log::{LogSink, Record};
use sim::{Better, KPIS, Scenario};

use crate::fixture::{FEWER_DRIVERS, OVERFLOW, tiny};

/// tiny, short of drivers, with carrier_overflow tendering the urgent orders to its carrier.
fn tendering() -> Scenario {
    tiny(&[FEWER_DRIVERS, OVERFLOW].join("\n"))
}

#[derive(Default)]
struct Deliveries {
    own: u64,
    carrier: u64,
}

impl LogSink for Deliveries {
    fn record(&mut self, _: Instant, record: &Record) {
        match record {
            Record::Delivered { .. } => self.own += 1,
            Record::CarrierDelivered { .. } => self.carrier += 1,
            _ => {}
        }
    }
}

#[test]
fn fleet_cost_per_order_is_per_own_fleet_delivery_and_the_all_in_figure_per_delivery() {
    let scenario = tendering();
    let mut carried = 0;
    for seed in 0..4 {
        let mut log = Deliveries::default();
        let kpis = sim::Engine::new(&scenario, seed, 0, vec![&mut log]).run().unwrap().kpis;
        let k = |name| kpis.get(name).unwrap();
        assert!(log.own > 0);
        assert_eq!(k("orders_delivered"), (log.own + log.carrier) as f64);
        assert!((k("cost_per_order") - k("cost_fleet") / log.own as f64).abs() < 1e-9, "seed {seed}");
        let all_in = (k("cost_fleet") + k("premium_cost")) / (log.own + log.carrier) as f64;
        assert!((k("cost_total_per_order") - all_in).abs() < 1e-9, "seed {seed}");
        carried += log.carrier;
    }
    assert!(carried > 0, "the carrier delivered some: the two definitions differ");
}

#[test]
fn every_kpi_has_a_direction_and_the_known_ones_point_the_right_way() {
    let better = |name: &str| KPIS.iter().find(|k| k.name == name).unwrap().better;
    assert_eq!(better("on_time_rate"), Better::Higher);
    // More lead time between detecting an ETA risk and the due time is better.
    assert_eq!(better("eta_risk_lead_min_mean"), Better::Higher);
    assert_eq!(better("lateness_min_mean"), Better::Lower);
    assert_eq!(better("orders_open_end"), Better::Lower);
    // Work done and use of resources are neither good nor bad in themselves; costs per delivered
    // order fall when orders are left undelivered.
    for neutral in ["vehicle_utilisation", "trips", "distance_km", "cost_per_order", "cost_total_per_order"] {
        assert_eq!(better(neutral), Better::Neutral, "{neutral}");
    }
}

#[test]
fn a_share_or_mean_of_nothing_is_undefined_not_zero() {
    // One hour from midnight: the doors open at 05:00, so no order is due, no trip is made.
    let scenario = tiny("horizon_h = 1\n");
    let kpis = sim::run_replication(&scenario, 1, 0, true).unwrap().kpis;
    for undefined in ["on_time_rate", "lateness_min_mean", "stops_per_trip_mean", "cost_per_order", "leg_hold_min_mean"]
    {
        assert!(kpis.get(undefined).unwrap().is_nan(), "{undefined}: {:?}", kpis.get(undefined));
    }
    // Counts of nothing are 0, not undefined.
    for zero in ["orders_delivered", "trips", "orders_late"] {
        assert_eq!(kpis.get(zero), Some(0.0), "{zero}");
    }
}
