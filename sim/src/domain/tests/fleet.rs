//! Unit tests of the fleet domain: what a trip answers in each phase.

use bevy_ecs::entity::Entity;
use policies::{DriverId, OrderId, TimeMs};

use super::{Leg, Phase, Stranded, Trip};

fn trip(phase: Phase, next: usize) -> Trip {
    let stops = (0..3).map(|i| (Entity::from_raw_u32(i + 10).unwrap(), OrderId(i as u64))).collect();
    let mut t = Trip::new(Entity::PLACEHOLDER, DriverId(0), stops, 3, TimeMs::ZERO, [0.0; 3], phase);
    t.next = next;
    t
}

fn ids(stops: &[(Entity, OrderId)]) -> Vec<u64> {
    stops.iter().map(|(_, id)| id.0).collect()
}

#[test]
fn the_stops_ahead_in_each_phase() {
    let driving = Phase::Driving { to: Leg::Stop, breaks_down_at: None };
    let serving = Phase::Serving { service: TimeMs(60_000), fails: false };
    let home = Phase::Driving { to: Leg::Home, breaks_down_at: None };
    assert_eq!(ids(trip(Phase::Loading, 0).ahead()), [0, 1, 2]);
    assert_eq!(ids(trip(driving, 1).ahead()), [1, 2], "the stop driven to is ahead");
    assert_eq!(ids(trip(serving, 1).ahead()), [2], "the stop being served is not");
    assert_eq!(ids(trip(serving, 1).remaining()), [1, 2], "but it remains");
    assert_eq!(ids(trip(serving, 2).ahead()), Vec::<u64>::new());
    assert!(trip(home, 1).ahead().is_empty() && trip(home, 1).remaining().is_empty(), "given up: they ride back");
}

#[test]
fn departed_rescue_and_stranded() {
    assert!(!trip(Phase::Loading, 0).departed());
    let from = Entity::from_raw_u32(99).unwrap();
    let rescue = trip(Phase::Driving { to: Leg::Rescue(from), breaks_down_at: None }, 0);
    assert!(rescue.departed());
    assert_eq!(rescue.rescue_of(), Some(from));
    assert_eq!(trip(Phase::Driving { to: Leg::Stop, breaks_down_at: None }, 0).rescue_of(), None);
    let mut t = trip(Phase::Driving { to: Leg::Stop, breaks_down_at: None }, 0);
    t.stranded = Some(Stranded { until: TimeMs(1_000), at: [1.0, 0.0, 0.0] });
    assert!(t.stranded_at(TimeMs(999)).is_some());
    assert!(t.stranded_at(TimeMs(1_000)).is_none(), "repaired at `until`");
}
