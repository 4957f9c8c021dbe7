//! What a policy sees and what it answers: plain data, no simulator types.

use serde::{Deserialize, Serialize};

use crate::geo::{Point, TravelModel};
use crate::time::{DailyWindow, Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SiteId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VehicleId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DriverId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CarrierId(pub u32);

/// A distribution centre as a dispatcher sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteView {
    pub id: SiteId,
    pub location: Point,
    pub doors: u32,
    /// Doors loading right now.
    pub doors_busy: u32,
    /// Vehicles waiting for a door.
    pub queue_len: u32,
    pub hours: DailyWindow,
    /// Mean loading time of a vehicle: fixed part plus a part per unit of load.
    pub load_fixed_mean: Duration,
    pub load_per_unit_mean_ms: f64,
}

impl SiteView {
    pub fn expected_load(&self, units: u32) -> Duration {
        self.load_fixed_mean + Duration((self.load_per_unit_mean_ms * units as f64).round() as u64)
    }
}

/// An order that is ready at its origin and not yet given to a vehicle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: OrderId,
    /// The order's own reference (e.g. the order system's id), if it has one.
    pub reference: Option<String>,
    pub site: SiteId,
    pub destination: Point,
    /// Load units (e.g. pallets).
    pub size: u32,
    pub created: Instant,
    pub ready: Instant,
    /// Delivery window: service may not start before `earliest`; it is on time if it starts by `due`.
    pub earliest: Instant,
    pub due: Instant,
    /// Service class; higher is more urgent.
    pub priority: u8,
    pub value: f64,
    /// Expected unloading time at the customer.
    pub service: Duration,
}

/// A vehicle idle at its home site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VehicleView {
    pub id: VehicleId,
    pub site: SiteId,
    pub capacity: u32,
    pub speed_kmh: f64,
    pub cost_per_km: f64,
    pub cost_per_hour: f64,
}

/// A vehicle on a trip: queued or loading at its site, or out on the road.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BusyVehicleView {
    pub id: VehicleId,
    pub site: SiteId,
    pub capacity: u32,
    /// Where it is, or the stop (or site) it is driving to.
    pub position: Point,
    /// Loaded and gone from the doors.
    pub departed: bool,
    /// Orders still to deliver, in visiting order.
    pub stops_left: Vec<OrderId>,
    /// When it is expected back at its site (known once it has left the doors).
    pub back_expected: Option<Instant>,
}

/// A driver on shift and idle at their home site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriverView {
    pub id: DriverId,
    pub site: SiteId,
    pub shift_end: Instant,
    /// Shift end plus the allowed overtime: the driver must be back by then.
    pub latest_return: Instant,
    /// Duty time left in this shift.
    pub duty_left: Duration,
}

/// Third-party capacity on offer today.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CarrierView {
    pub id: CarrierId,
    pub name: String,
    pub capacity_left_today: u32,
    pub acceptance_probability: f64,
    pub pickup_lead: Duration,
    pub price_per_order: f64,
    /// Average road speed from pickup to the customer.
    pub speed_kmh: f64,
}

/// Everything a dispatcher knows at a decision epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllocationRequest {
    pub now: Instant,
    pub travel: TravelModel,
    /// Indexed by `SiteId`.
    pub sites: Vec<SiteView>,
    pub orders: Vec<OrderView>,
    pub vehicles: Vec<VehicleView>,
    /// Vehicles on trips, with their remaining stops: for policies that plan ahead.
    pub busy_vehicles: Vec<BusyVehicleView>,
    pub drivers: Vec<DriverView>,
    pub carriers: Vec<CarrierView>,
}

/// One trip: load all `stops` at the vehicle's site, deliver them in this order, return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub vehicle: VehicleId,
    pub driver: DriverId,
    pub stops: Vec<OrderId>,
}

/// Offer one order to a carrier as premium freight; the carrier accepts or rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tender {
    pub order: OrderId,
    pub carrier: CarrierId,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub routes: Vec<Route>,
    #[serde(default)]
    pub tenders: Vec<Tender>,
    /// Open orders to cancel (e.g. no longer worth serving). Orders a policy neither routes,
    /// tenders nor cancels are held: they stay open for later epochs.
    #[serde(default)]
    pub cancellations: Vec<OrderId>,
}

/// When the caller asks the policy for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Epochs {
    /// Decide periodically at this interval (from time zero).
    pub every: Option<Duration>,
    /// Decide as soon as an order becomes ready.
    pub on_order_ready: bool,
    /// Decide as soon as a vehicle comes back or a driver starts a shift.
    pub on_resource_free: bool,
    /// Only worth asking when a vehicle and a driver are free somewhere (policies that only route
    /// the own fleet); `false` for policies that also tender to carriers.
    pub needs_free_fleet: bool,
    /// Whether the policy reads [`AllocationRequest::busy_vehicles`] (the vehicles on trips); when
    /// `false` the caller may leave it empty and spare building it every epoch.
    #[serde(default = "yes")]
    pub needs_busy_vehicles: bool,
}

fn yes() -> bool {
    true
}
