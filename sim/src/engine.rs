//! The engine: one replication of a scenario, from an empty world to the end of the horizon.
//!
//! The main loop pops the next event from the [`Calendar`] and hands it to the domain that owns
//! it (orders, docks, fleet, drivers, dispatch). Each domain lives in its own module under
//! `domain/`, owning its components and its handlers; handlers change the bevy_ecs [`World`]
//! directly and schedule follow-up events. Decision epochs build the policy's view through a
//! chained bevy schedule on the single-threaded executor (see `domain::dispatch`).

use std::collections::HashMap;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::Schedule;
use policies::{AllocationPolicy, Epochs, OrderId, TimeMs};

use crate::calendar::Calendar;
use crate::domain::{carriers, dispatch, disruptions, docks, drivers, exceptions, fleet, orders};
use crate::kpi::{KpiCollector, Kpis};
use crate::log::{Fingerprint, LogSink, Record};
use crate::rng::{Rng, Stream, stream_rng};
use crate::runaway;
use crate::scenario::Scenario;

/// The closed set of things that can be scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Next generated order at a site (Poisson process).
    OrderArrival {
        site: u32,
    },
    /// Next replayed order from the CSV.
    OrderReplay,
    OrderReady {
        order: Entity,
    },
    /// The customer cancels if the order is still not routed.
    OrderCancel {
        order: Entity,
    },
    /// A site's doors open for the day.
    DocksOpen {
        site: u32,
    },
    LoadingDone {
        vehicle: Entity,
    },
    /// A queued vehicle's last chance to start loading in time for its driver's hours.
    DockGiveUp {
        vehicle: Entity,
    },
    StopArrive {
        vehicle: Entity,
    },
    ServiceDone {
        vehicle: Entity,
    },
    VehicleBack {
        vehicle: Entity,
    },
    ShiftStart {
        driver: Entity,
    },
    ShiftEnd {
        driver: Entity,
    },
    /// A driver who started late turns up, for a shift ending at `shift_end`.
    DriverArrives {
        driver: Entity,
        shift_end: TimeMs,
    },
    /// A carrier delivers a tendered order.
    CarrierDelivery {
        order: Entity,
        carrier: u32,
    },
    /// Check the trips on the road for ETAs at risk (periodic).
    EtaCheck,
    /// The dispatchers' working hours begin.
    DeskOpen,
    /// A dispatcher is done with an escalated exception.
    ExceptionHandled {
        exception: Entity,
    },
    /// A premium tender's approval arrives.
    TenderApproved {
        order: OrderId,
        carrier: u32,
    },
    /// A rescue vehicle has reached a broken-down vehicle and taken over its goods.
    Handover {
        vehicle: Entity,
    },
    /// A vehicle breaks down on the road and stands for `repair`.
    Breakdown {
        vehicle: Entity,
        repair: TimeMs,
    },
    /// An occurrence of a disruption, ending at `end`, begins or ends.
    Disruption {
        index: u32,
        begins: bool,
        end: TimeMs,
    },
    /// A decision whose latency is charged to simulated time takes effect.
    ApplyDecision {
        id: u64,
    },
    /// A decision epoch: periodic ones schedule the next.
    Decide {
        periodic: bool,
    },
}

/// Per-replication random streams, one per concern and index.
pub(crate) struct Rngs {
    pub demand: Vec<Rng>,
    pub travel: Vec<Rng>,
    pub dock: Vec<Rng>,
    pub carrier: Vec<Rng>,
    /// Failed delivery attempts, per site.
    pub delivery: Vec<Rng>,
    /// Dispatchers' handling times.
    pub desk: Rng,
    /// One per disruption (driver no-shows).
    pub disruption: Vec<Rng>,
}

/// Where the log goes: always the fingerprint and the KPIs, plus optional sinks (files, checks).
pub(crate) struct Log<'a> {
    pub fingerprint: Fingerprint,
    pub kpis: KpiCollector,
    pub extra: Vec<&'a mut dyn LogSink>,
    /// Watches for time that stops moving on, and traces the records once it has.
    pub guard: runaway::Guard,
    /// Which disruptions reached something.
    pub reach: crate::reach::Reach,
}

impl Log<'_> {
    #[inline]
    pub fn push(&mut self, t: TimeMs, record: Record) {
        if self.guard.tracing() {
            self.guard.trace(t, &record);
        }
        self.fingerprint.record(t, &record);
        self.kpis.record(t, &record);
        self.reach.record(t, &record);
        for sink in &mut self.extra {
            sink.record(t, &record);
        }
    }
}

/// Why a replication stopped before its horizon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Halt {
    /// The policy could not decide (an external program crashed, timed out or answered nonsense).
    #[error("{0}")]
    Policy(String),
    /// Time stopped moving on: decisions or events without end at one instant ([`crate::runaway`]).
    #[error("{0}")]
    Runaway(String),
}

/// What one replication produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationResult {
    pub replication: u32,
    pub kpis: Kpis,
    /// Hash of the whole event log.
    pub fingerprint: u64,
    pub records: u64,
    /// Events popped from the calendar.
    pub events: u64,
    /// The state through the day, when asked for ([`crate::RunOptions::timeline`]).
    pub timeline: Option<crate::timeline::Timeline>,
    /// When the disruptions were under way, and those that did not happen or reached nothing
    /// ([`crate::reach`]).
    pub disruptions: crate::reach::Trace,
}

pub struct Engine<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) world: World,
    pub(crate) cal: Calendar<Event>,
    pub(crate) log: Log<'a>,
    pub(crate) rng: Rngs,
    pub(crate) policy: crate::policy::RunPolicy,
    pub(crate) exception_policy: Box<dyn policies::ExceptionPolicy>,
    /// The dispatcher team's entity (its queue).
    pub(crate) desk: Entity,
    pub(crate) next_exception_id: u64,
    pub(crate) epochs: Epochs,
    pub(crate) decide_pending: bool,
    pub(crate) snapshot: Schedule,
    /// Site locations prepared for `TravelModel::distance_prepared`, by site index.
    pub(crate) site_points: Vec<[f64; 3]>,
    /// Entities by index (the ids policies see).
    pub(crate) sites: Vec<Entity>,
    pub(crate) vehicles: Vec<Entity>,
    pub(crate) drivers: Vec<Entity>,
    pub(crate) carriers: Vec<Entity>,
    /// Live orders only: delivered and cancelled ones are despawned.
    pub(crate) orders: HashMap<OrderId, Entity>,
    pub(crate) next_order_id: u64,
    pub(crate) replay_cursor: usize,
    /// Demand surges (start, end, multiplier) by site.
    pub(crate) surges: Vec<Vec<(TimeMs, TimeMs, f64)>>,
    /// Disruptions under way.
    pub(crate) active: disruptions::Active,
    /// Decisions waiting for their latency to pass, by id.
    pub(crate) pending_decisions: HashMap<u64, policies::Decision>,
    pub(crate) next_decision_id: u64,
    /// Set when the policy could not decide; the run stops.
    pub(crate) failure: Option<String>,
    events: u64,
    seed: u64,
    replication: u32,
}

impl<'a> Engine<'a> {
    /// Builds replication `replication` of `scenario` with master seed `seed`. `sinks` receive
    /// every log record besides the built-in KPI and fingerprint consumers.
    pub fn new(scenario: &'a Scenario, seed: u64, replication: u32, sinks: Vec<&'a mut dyn LogSink>) -> Self {
        let policy = scenario.policy.start(&scenario.policy_dir, &scenario.name, replication);
        Self::with_run_policy(scenario, seed, replication, sinks, policy)
    }

    /// Like [`Engine::new`], with `policy` instead of the scenario's.
    pub fn with_policy(
        scenario: &'a Scenario,
        seed: u64,
        replication: u32,
        sinks: Vec<&'a mut dyn LogSink>,
        policy: Box<dyn AllocationPolicy>,
    ) -> Self {
        Self::with_run_policy(scenario, seed, replication, sinks, crate::policy::RunPolicy::Builtin(policy))
    }

    /// Like [`Engine::new`], with `policy` (built in, or a program) instead of the scenario's.
    pub fn with_run_policy(
        scenario: &'a Scenario,
        seed: u64,
        replication: u32,
        sinks: Vec<&'a mut dyn LogSink>,
        policy: crate::policy::RunPolicy,
    ) -> Self {
        let rep = replication as u64;
        let n_sites = scenario.sites.len() as u32;
        let rng = Rngs {
            demand: (0..n_sites).map(|i| stream_rng(seed, rep, Stream::Demand(i))).collect(),
            travel: (0..scenario.vehicles.len() as u32).map(|i| stream_rng(seed, rep, Stream::Travel(i))).collect(),
            dock: (0..n_sites).map(|i| stream_rng(seed, rep, Stream::Dock(i))).collect(),
            carrier: (0..scenario.carriers.len() as u32).map(|i| stream_rng(seed, rep, Stream::Carrier(i))).collect(),
            delivery: (0..n_sites).map(|i| stream_rng(seed, rep, Stream::Delivery(i))).collect(),
            desk: stream_rng(seed, rep, Stream::Desk),
            disruption: (0..scenario.disruptions.len() as u32)
                .map(|i| stream_rng(seed, rep, Stream::Disruption(i)))
                .collect(),
        };
        let epochs = policy.epochs();
        let occurrences = disruptions::occurrences(scenario, seed, rep);
        let mut engine = Engine {
            scenario,
            world: World::new(),
            cal: Calendar::new(),
            log: Log {
                fingerprint: Fingerprint::default(),
                kpis: KpiCollector::new(scenario),
                extra: sinks,
                guard: runaway::Guard::default(),
                reach: crate::reach::Reach::new(scenario),
            },
            rng,
            policy,
            exception_policy: scenario.exceptions.build(),
            desk: Entity::PLACEHOLDER,
            next_exception_id: 0,
            epochs,
            decide_pending: false,
            snapshot: dispatch::snapshot_schedule(),
            site_points: scenario.sites.iter().map(|s| scenario.travel.prepare(s.location)).collect(),
            sites: Vec::new(),
            vehicles: Vec::new(),
            drivers: Vec::new(),
            carriers: Vec::new(),
            orders: HashMap::new(),
            next_order_id: 0,
            replay_cursor: 0,
            surges: disruptions::surges(scenario, &occurrences),
            active: disruptions::Active::new(scenario),
            pending_decisions: HashMap::new(),
            next_decision_id: 0,
            failure: None,
            events: 0,
            seed,
            replication,
        };
        docks::spawn(&mut engine);
        fleet::spawn(&mut engine);
        drivers::spawn(&mut engine);
        carriers::spawn(&mut engine);
        dispatch::insert_snapshot(&mut engine);
        orders::start(&mut engine);
        dispatch::start(&mut engine);
        exceptions::start(&mut engine);
        disruptions::start(&mut engine, &occurrences);
        engine
    }

    pub fn now(&self) -> TimeMs {
        self.cal.now()
    }

    /// Runs to the end of the horizon and returns the KPIs, or why the replication stopped.
    pub fn run(self) -> Result<ReplicationResult, Halt> {
        self.run_counting_live().map(|(r, _)| r)
    }

    /// Like [`Engine::run`], also returning how many orders are still live at the end.
    pub fn run_counting_live(mut self) -> Result<(ReplicationResult, usize), Halt> {
        let horizon = self.scenario.horizon;
        while self.cal.peek_time().is_some_and(|t| t <= horizon) {
            let Some((t, event)) = self.cal.pop() else { break };
            self.events += 1;
            self.log.guard.observe(t, matches!(event, Event::Decide { .. }));
            self.handle(event);
            if let Some(failure) = self.failure.take() {
                return Err(Halt::Policy(failure));
            }
            if self.log.guard.tracing()
                && let Some(message) = self.log.guard.verdict(self.replication, self.seed, self.cal.peek_time())
            {
                return Err(Halt::Runaway(message));
            }
        }
        let kpis = self.log.kpis.finish(horizon);
        let result = ReplicationResult {
            replication: 0,
            kpis,
            fingerprint: self.log.fingerprint.value(),
            records: self.log.fingerprint.records,
            events: self.events,
            timeline: None,
            disruptions: self.log.reach.finish(horizon),
        };
        Ok((result, self.orders.len()))
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::OrderArrival { site } => orders::on_arrival(self, site),
            Event::OrderReplay => orders::on_replay(self),
            Event::OrderReady { order } => orders::on_ready(self, order),
            Event::OrderCancel { order } => orders::on_cancel(self, order),
            Event::DocksOpen { site } => docks::on_open(self, site),
            Event::LoadingDone { vehicle } => docks::on_loading_done(self, vehicle),
            Event::DockGiveUp { vehicle } => docks::on_give_up(self, vehicle),
            Event::StopArrive { vehicle } => fleet::on_stop_arrive(self, vehicle),
            Event::ServiceDone { vehicle } => fleet::on_service_done(self, vehicle),
            Event::VehicleBack { vehicle } => fleet::on_back(self, vehicle),
            Event::ShiftStart { driver } => drivers::on_shift_start(self, driver),
            Event::ShiftEnd { driver } => drivers::on_shift_end(self, driver),
            Event::DriverArrives { driver, shift_end } => drivers::on_arrival(self, driver, shift_end),
            Event::CarrierDelivery { order, carrier } => carriers::on_delivery(self, order, carrier),
            Event::EtaCheck => exceptions::on_eta_check(self),
            Event::DeskOpen => exceptions::on_desk_open(self),
            Event::ExceptionHandled { exception } => exceptions::on_handled(self, exception),
            Event::TenderApproved { order, carrier } => exceptions::on_tender_approved(self, order, carrier),
            Event::ApplyDecision { id } => dispatch::on_apply(self, id),
            Event::Disruption { index, begins, end } => disruptions::on_disruption(self, index, begins, end),
            Event::Breakdown { vehicle, repair } => fleet::on_breakdown(self, vehicle, repair),
            Event::Handover { vehicle } => fleet::on_handover(self, vehicle),
            Event::Decide { periodic } => dispatch::on_decide(self, periodic),
        }
    }

    /// Asks for a decision epoch now, after everything else that happens now (event-triggered epochs).
    pub(crate) fn request_decision(&mut self) {
        if !self.decide_pending {
            self.decide_pending = true;
            self.cal.schedule_last(self.now(), Event::Decide { periodic: false });
        }
    }
}
