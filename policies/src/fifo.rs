//! Nearest free vehicle, first come first served: each order, in the order it became ready, goes
//! alone on a free vehicle of its site (vehicles wait at their site, so the site's are the
//! nearest). The simplest dispatcher; a baseline for the others.

use serde::{Deserialize, Serialize};

use crate::params::{Param, Tunable, checked};
use crate::single::dispatch_one_by_one;
use crate::time::TimeMs;
use crate::view::{AllocationRequest, Decision, OrderView};
use crate::{AllocationPolicy, Epochs};

/// Parameters of [`NearestVehicle`]. Ranges: [`NearestVehicleConfig::PARAMS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NearestVehicleConfig {
    pub epoch_min: f64,
}

impl Default for NearestVehicleConfig {
    fn default() -> Self {
        NearestVehicleConfig { epoch_min: Self::PARAMS[0].default }
    }
}

impl Tunable for NearestVehicleConfig {
    const PARAMS: &'static [Param] = &[Param::real(
        "epoch_min",
        0.0,
        1440.0,
        15.0,
        "minutes between decision epochs, besides deciding whenever an order is ready or a vehicle or driver frees up",
    )
    .above()];

    fn get(&self, name: &str) -> Option<f64> {
        (name == "epoch_min").then_some(self.epoch_min)
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), String> {
        checked(Self::PARAMS, name, value)?;
        self.epoch_min = value;
        Ok(())
    }
}

pub struct NearestVehicle {
    config: NearestVehicleConfig,
}

impl NearestVehicle {
    pub fn new(config: NearestVehicleConfig) -> Self {
        NearestVehicle { config }
    }
}

impl AllocationPolicy for NearestVehicle {
    fn epochs(&self) -> Epochs {
        Epochs {
            every: Some(TimeMs::from_min(self.config.epoch_min).max(TimeMs(1))),
            on_order_ready: true,
            on_resource_free: true,
            needs_free_fleet: true,
        }
    }

    fn allocate(&mut self, req: &AllocationRequest) -> Decision {
        let mut orders: Vec<&OrderView> = req.orders.iter().collect();
        orders.sort_unstable_by_key(|o| (o.ready, o.id));
        dispatch_one_by_one(req, &orders)
    }
}
