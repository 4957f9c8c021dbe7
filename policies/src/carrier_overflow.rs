//! Carrier overflow: the own fleet first (`greedy_edd`), and third-party carriers as premium
//! freight for the orders it cannot take in time.
//!
//! After `greedy_edd` has decided, every order it left unrouted is considered for the cheapest
//! carrier that has capacity left today, costs at most `max_price`, and can still deliver by the
//! due time (pickup lead plus the direct drive at its speed); it is tendered once waiting longer
//! would leave less than `tender_slack_min` before that carrier is too late. Orders no carrier can
//! take stay with the own fleet. A carrier may reject a tender
//! (its acceptance probability); the order then stays open and may be tendered again.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::greedy::{GreedyEdd, GreedyEddConfig};
use crate::params::{Param, ParamError, Tunable, checked};
use crate::time::Duration;
use crate::view::{AllocationRequest, Decision, OrderView, Tender};
use crate::{AllocationPolicy, Epochs};

/// Parameters of [`CarrierOverflow`]; the own-fleet part is a nested `greedy_edd` configuration,
/// `greedy`, whose parameters are named `greedy.NAME`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CarrierOverflowConfig {
    pub max_price: f64,
    pub tender_slack_min: f64,
    pub greedy: GreedyEddConfig,
}

impl Default for CarrierOverflowConfig {
    fn default() -> Self {
        CarrierOverflowConfig {
            max_price: Self::PARAMS[0].default,
            tender_slack_min: Self::PARAMS[1].default,
            greedy: GreedyEddConfig::default(),
        }
    }
}

impl Tunable for CarrierOverflowConfig {
    const PARAMS: &'static [Param] = &[
        Param::real("max_price", 0.0, 1e9, 100.0, "most a tender may cost, per order"),
        Param::real(
            "tender_slack_min",
            0.0,
            10_080.0,
            45.0,
            "tender an unrouted order once a carrier collecting now would arrive less than this many minutes before its due time",
        ),
    ];

    fn get(&self, name: &str) -> Option<f64> {
        match name {
            "max_price" => Some(self.max_price),
            "tender_slack_min" => Some(self.tender_slack_min),
            _ => name.strip_prefix("greedy.").and_then(|n| self.greedy.get(n)),
        }
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        match name {
            "max_price" | "tender_slack_min" => checked(Self::PARAMS, name, value)?,
            _ => {
                return name
                    .strip_prefix("greedy.")
                    .map_or_else(|| checked(Self::PARAMS, name, value), |n| self.greedy.set(n, value));
            }
        }
        if name == "max_price" {
            self.max_price = value;
        } else {
            self.tender_slack_min = value;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ParamError> {
        for p in Self::PARAMS {
            p.check(self.get(p.name).expect("listed"))?;
        }
        self.greedy.validate().map_err(|e| e.nested("greedy"))
    }
}

pub struct CarrierOverflow {
    config: CarrierOverflowConfig,
    own_fleet: GreedyEdd,
}

impl CarrierOverflow {
    pub fn new(config: CarrierOverflowConfig) -> Self {
        CarrierOverflow { own_fleet: GreedyEdd::new(config.greedy.clone()), config }
    }
}

impl AllocationPolicy for CarrierOverflow {
    fn epochs(&self) -> Epochs {
        Epochs { needs_free_fleet: false, ..self.own_fleet.epochs() }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let mut decision = self.own_fleet.allocate(req);
        let routed: HashSet<_> = decision.routes.iter().flat_map(|r| r.stops.iter().copied()).collect();
        let mut unrouted: Vec<&OrderView> = req.orders.iter().filter(|o| !routed.contains(&o.id)).collect();
        unrouted.sort_by_key(|o| (o.due, std::cmp::Reverse(o.priority), o.id));
        let slack = Duration::from_min(self.config.tender_slack_min);
        let mut capacity: Vec<u32> = req.carriers.iter().map(|c| c.capacity_left_today).collect();
        for order in unrouted {
            let Some(site) = req.sites.get(order.site.0 as usize) else { continue };
            let km = req.travel.distance_km(site.location, order.destination);
            // When a carrier collecting now would deliver.
            let arrival = |c: &crate::view::CarrierView| {
                let transit = req.travel.expected_leg_floor(km, c.speed_kmh);
                (req.now + c.pickup_lead + transit).max(order.earliest)
            };
            let best = req
                .carriers
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    capacity[*i] > 0 && c.price_per_order <= self.config.max_price && arrival(c) <= order.due
                })
                .min_by(|(_, a), (_, b)| a.price_per_order.total_cmp(&b.price_per_order).then(a.id.cmp(&b.id)));
            // Tender only once waiting longer would leave less than the slack before the carrier is too late.
            if let Some((i, carrier)) = best
                && arrival(carrier) + slack >= order.due
            {
                capacity[i] -= 1;
                decision.tenders.push(Tender { order: order.id, carrier: carrier.id });
            }
        }
        decision
    }
}
