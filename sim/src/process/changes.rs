//! Protocol `dtwin-policy/2`: a decision epoch's request as what changed since the last one.
//!
//! The program keeps every collection of the request as a map by `id`; each `decide` lists, per
//! collection, the items that are new or differ from what it was sent last (`set`, whole
//! items) and the ids that are gone (`removed`). Applying them to its maps gives exactly the
//! request protocol 1 would have sent, as maps (`docs/policy-protocol.md`).

use std::hash::Hash;

use policies::{
    AllocationRequest, BusyVehicleView, CarrierId, CarrierView, DriverId, DriverView, Instant, OrderId, OrderView,
    SiteId, SiteView, TravelModel, VehicleId, VehicleView,
};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// An item of a request collection, known to the program by its id.
pub(crate) trait Keyed: Clone + PartialEq {
    type Key: Copy + Eq + Hash + Ord + Serialize;
    fn key(&self) -> Self::Key;
}

macro_rules! keyed {
    ($($view:ty => $key:ty),* $(,)?) => {$(
        impl Keyed for $view {
            type Key = $key;
            fn key(&self) -> $key {
                self.id
            }
        }
    )*};
}
keyed!(SiteView => SiteId, OrderView => OrderId, VehicleView => VehicleId, BusyVehicleView => VehicleId,
    DriverView => DriverId, CarrierView => CarrierId);

/// One collection's changes: items new or changed, and ids gone.
#[derive(Serialize)]
pub(crate) struct Upserts<'a, T: Keyed> {
    set: Vec<&'a T>,
    removed: Vec<T::Key>,
}

/// What the program holds of one collection: the items last sent, by id.
pub(crate) struct Known<T: Keyed> {
    items: FxHashMap<T::Key, T>,
    present: FxHashSet<T::Key>,
}

impl<T: Keyed> Default for Known<T> {
    fn default() -> Self {
        Known { items: FxHashMap::default(), present: FxHashSet::default() }
    }
}

impl<T: Keyed> Known<T> {
    /// The changes that take the program from what it holds to `now`, and holds `now` from here on.
    fn update<'a>(&mut self, now: &'a [T]) -> Upserts<'a, T> {
        self.present.clear();
        let mut set = Vec::new();
        for item in now {
            self.present.insert(item.key());
            if self.items.get(&item.key()) != Some(item) {
                set.push(item);
            }
        }
        let mut removed: Vec<T::Key> = self.items.keys().filter(|k| !self.present.contains(k)).copied().collect();
        removed.sort_unstable();
        for key in &removed {
            self.items.remove(key);
        }
        for item in &set {
            self.items.insert(item.key(), (*item).clone());
        }
        Upserts { set, removed }
    }
}

/// The request of one epoch as changes: `travel` only when it differs from the last one sent.
#[derive(Serialize)]
pub(crate) struct Changes<'a> {
    now: Instant,
    #[serde(skip_serializing_if = "Option::is_none")]
    travel: Option<&'a TravelModel>,
    sites: Upserts<'a, SiteView>,
    orders: Upserts<'a, OrderView>,
    vehicles: Upserts<'a, VehicleView>,
    busy_vehicles: Upserts<'a, BusyVehicleView>,
    drivers: Upserts<'a, DriverView>,
    carriers: Upserts<'a, CarrierView>,
}

/// Everything sent to the program so far, to send only what changed.
#[derive(Default)]
pub(crate) struct Sent {
    travel: Option<TravelModel>,
    sites: Known<SiteView>,
    orders: Known<OrderView>,
    vehicles: Known<VehicleView>,
    busy_vehicles: Known<BusyVehicleView>,
    drivers: Known<DriverView>,
    carriers: Known<CarrierView>,
}

impl Sent {
    /// The changes from the last request sent to `request`, which counts as sent from here on.
    pub(crate) fn changes<'a>(&mut self, request: &'a AllocationRequest) -> Changes<'a> {
        let travel = (self.travel.as_ref() != Some(&request.travel)).then(|| {
            self.travel = Some(request.travel);
            &request.travel
        });
        Changes {
            now: request.now,
            travel,
            sites: self.sites.update(&request.sites),
            orders: self.orders.update(&request.orders),
            vehicles: self.vehicles.update(&request.vehicles),
            busy_vehicles: self.busy_vehicles.update(&request.busy_vehicles),
            drivers: self.drivers.update(&request.drivers),
            carriers: self.carriers.update(&request.carriers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    /// What a program does with `changes`: apply them to its maps by id.
    fn apply(held: &mut Map<String, Value>, changes: &Value) {
        let changes = changes.as_object().unwrap();
        for (name, value) in changes {
            if name == "now" || name == "travel" {
                held.insert(name.clone(), value.clone());
                continue;
            }
            let map = held.entry(name.clone()).or_insert_with(|| json!({})).as_object_mut().unwrap();
            for id in value["removed"].as_array().unwrap() {
                assert!(map.remove(&id.to_string()).is_some(), "{name}: removed {id} was not held");
            }
            for item in value["set"].as_array().unwrap() {
                map.insert(item["id"].to_string(), item.clone());
            }
        }
    }

    /// A protocol 1 request as the maps a protocol 2 program holds.
    fn as_maps(request: &AllocationRequest) -> Map<String, Value> {
        let mut maps = serde_json::to_value(request).unwrap().as_object().unwrap().clone();
        for value in maps.values_mut() {
            if let Value::Array(items) = value {
                *value = Value::Object(items.iter().map(|i| (i["id"].to_string(), i.clone())).collect());
            }
        }
        maps
    }

    fn order(id: u64, due: u64) -> OrderView {
        OrderView {
            id: OrderId(id),
            reference: id.is_multiple_of(2).then(|| format!("SO-{id}")),
            site: SiteId(0),
            destination: policies::Point { x: id as f64, y: 1.0 },
            size: 1,
            created: Instant(0),
            ready: Instant(0),
            earliest: Instant(0),
            due: Instant(due),
            priority: 0,
            value: 0.0,
            service: policies::Duration(60_000),
        }
    }

    #[test]
    fn applying_the_changes_gives_the_request_protocol_1_sends() {
        let base = policies::AllocationRequest {
            now: Instant(0),
            travel: TravelModel {
                metric: policies::Metric::Euclidean,
                circuity: 1.0,
                noise_mean: 1.0,
                truncate_decimals: None,
            },
            sites: vec![],
            orders: vec![],
            vehicles: vec![],
            busy_vehicles: vec![],
            drivers: vec![],
            carriers: vec![],
        };
        let mut epochs = Vec::new();
        let mut request = base.clone();
        request.orders = (0..5).map(|i| order(i, 1000)).collect();
        epochs.push(request.clone());
        // One order gone, one changed, two new; time moves.
        request.now = Instant(300_000);
        request.orders.remove(1);
        request.orders[2].due = Instant(9);
        request.orders.extend([order(7, 5), order(6, 5)]);
        epochs.push(request.clone());
        // Nothing changed but the time; then the travel model.
        request.now = Instant(600_000);
        epochs.push(request.clone());
        request.travel.circuity = 1.3;
        request.orders.clear();
        epochs.push(request.clone());

        let mut sent = Sent::default();
        let mut held = Map::new();
        let mut sizes = Vec::new();
        for r in &epochs {
            let changes = serde_json::to_value(sent.changes(r)).unwrap();
            sizes.push((changes["orders"]["set"].as_array().unwrap().len(), changes.get("travel").is_some()));
            apply(&mut held, &changes);
            assert_eq!(held, as_maps(r));
        }
        assert_eq!(sizes, [(5, true), (3, false), (0, false), (0, true)]);
    }
}
