//! The engine: one replication of a scenario, from an empty world to the end of the horizon.
//!
//! The top of the world: it builds the domains in order, pops the next event from the calendar
//! and hands it to the domain that owns it (`handle`), and delivers each [`Signal`] a domain
//! sends to the domains above it that handle it (`route`). It holds no state of its own
//! besides the replication's [`Sim`]; each domain's state lives in the World as the components and
//! resources that domain owns (see `domain/`).

use bevy_ecs::prelude::*;
use policies::AllocationPolicy;

use crate::domain::{carriers, dispatch, disruptions, docks, drivers, exceptions, fleet, orders};
use crate::invariants::InvariantChecker;
use crate::kernel::calendar::Calendar;
use crate::kernel::log::{Fingerprint, LogSink};
use crate::kernel::runaway;
use crate::kpi::{KpiCollector, Kpis};
use crate::live::LiveState;
use crate::scenario::Scenario;
use crate::timeline::TimelineSampler;
pub use crate::world::Event;
use crate::world::{Log, Policies, Signal, Sim};

/// Why a replication gave no result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The log broke an invariant: a bug in the engine or a policy, never a user error.
    #[error("replication {replication} (seed {seed}) broke invariants:\n  {}", violations.join("\n  "))]
    Invariants { replication: u32, seed: u64, violations: Vec<String> },
    /// The policy program could not decide (it crashed, timed out or answered nonsense): it names
    /// the replication, the decision epoch and the request.
    #[error(transparent)]
    Policy(crate::process::ProgramFailure),
    /// Time stopped moving on: decisions or events without end at one instant
    /// ([`crate::kernel::runaway`]); a bug in the engine or a policy.
    #[error(transparent)]
    Runaway(runaway::Runaway),
}

/// What to collect besides the KPIs.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Check the invariants on the log (slower); a violation is an error.
    pub check: bool,
    /// Sample the state through the day ([`crate::timeline`]).
    pub timeline: bool,
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

impl crate::reach::Traced for ReplicationResult {
    fn trace(&self) -> &crate::reach::Trace {
        &self.disruptions
    }
}

pub struct Engine<'a> {
    sim: Sim<'a>,
    events: u64,
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
        let mut sim = Sim {
            scenario,
            world: World::new(),
            cal: Calendar::new(),
            log: Log {
                fingerprint: Fingerprint::default(),
                live: LiveState::new(scenario.vehicles.len()),
                kpis: KpiCollector::new(scenario),
                timeline: None,
                checker: None,
                extra: sinks,
                guard: runaway::Guard::default(),
                reach: crate::reach::Reach::new(scenario),
            },
            policies: Policies { allocation: policy, exceptions: scenario.exceptions.build() },
            view_schedule: dispatch::view_schedule(),
            seed,
            replication,
            halt: None,
            router: route,
        };
        // The order matters: each step schedules events, and events at one instant fire in the
        // order they were scheduled.
        disruptions::spawn(&mut sim);
        docks::spawn(&mut sim);
        fleet::spawn(&mut sim);
        drivers::spawn(&mut sim);
        carriers::spawn(&mut sim);
        dispatch::spawn(&mut sim);
        orders::spawn(&mut sim);
        orders::start(&mut sim);
        dispatch::start(&mut sim);
        exceptions::start(&mut sim);
        disruptions::start(&mut sim);
        Engine { sim, events: 0 }
    }

    pub fn now(&self) -> policies::Instant {
        self.sim.now()
    }

    /// Also samples the state through the day, or checks the invariants on the log, as `opts` asks.
    pub fn observe(mut self, opts: RunOptions) -> Self {
        let log = &mut self.sim.log;
        log.timeline = opts.timeline.then(|| TimelineSampler::new(self.sim.scenario.horizon));
        log.checker = opts.check.then(|| InvariantChecker::new(self.sim.scenario));
        self
    }

    /// How many events between two clearings of the World's change trackers and removal
    /// messages: memory then follows what is live, not the length of the run.
    const CLEAR_TRACKERS_EVERY: u64 = 4096;

    /// Runs to the end of the horizon and returns the KPIs, or why the replication stopped (or,
    /// checked, broke an invariant).
    pub fn run(mut self) -> Result<ReplicationResult, RunError> {
        let sim = &mut self.sim;
        let horizon = sim.scenario.horizon;
        while sim.cal.peek_time().is_some_and(|t| t <= horizon) {
            let Some((t, event)) = sim.cal.pop() else { break };
            self.events += 1;
            sim.log.guard.observe(t, matches!(event, Event::Decide { .. }));
            handle(sim, event);
            if self.events.is_multiple_of(Self::CLEAR_TRACKERS_EVERY) {
                // bevy keeps a message for every component removed or despawned until trackers
                // are cleared (an app does it every frame); nothing here reads them.
                sim.world.clear_trackers();
            }
            if let Some(failure) = sim.halt.take() {
                return Err(RunError::Policy(failure));
            }
            if sim.log.guard.tracing()
                && let Some(message) = sim.log.guard.verdict(sim.replication, sim.seed, sim.cal.peek_time())
            {
                return Err(RunError::Runaway(message));
            }
        }
        let (replication, seed) = (sim.replication, sim.seed);
        if let Some(checker) = sim.log.checker.take() {
            let engine_orders = orders::live(sim);
            checker.finish(&sim.log.live, engine_orders).map_err(|violations| RunError::Invariants {
                replication,
                seed,
                violations,
            })?;
        }
        let log = &mut sim.log;
        Ok(ReplicationResult {
            replication,
            kpis: log.kpis.finish(horizon, &log.live),
            fingerprint: log.fingerprint.value(),
            records: log.fingerprint.records,
            events: self.events,
            timeline: log.timeline.take().map(|sampler| sampler.finish(&log.live)),
            disruptions: log.reach.finish(horizon),
        })
    }
}

/// Builds replication 0 of `scenario` (seed `seed`, its own policy, no sinks) and hands its
/// world to `f`, before any event has fired: for the domains' unit tests.
#[cfg(test)]
pub(crate) fn with_sim<R>(scenario: &Scenario, seed: u64, f: impl FnOnce(&mut Sim) -> R) -> R {
    f(&mut Engine::new(scenario, seed, 0, Vec::new()).sim)
}

/// Hands `event` to the domain that owns it.
fn handle(sim: &mut Sim, event: Event) {
    match event {
        Event::OrderArrival { site } => orders::on_arrival(sim, site),
        Event::OrderReplay => orders::on_replay(sim),
        Event::OrderReady { order } => orders::on_ready(sim, order),
        Event::OrderCancel { order } => orders::on_cancel(sim, order),
        Event::DocksOpen { site } => docks::on_open(sim, site),
        Event::LoadingDone { vehicle, site, door } => {
            docks::on_loading_done(sim, site, door);
            fleet::depart(sim, vehicle);
        }
        Event::DockGiveUp { vehicle } => fleet::on_dock_give_up(sim, vehicle),
        Event::StopArrive { vehicle } => fleet::on_stop_arrive(sim, vehicle),
        Event::ServiceDone { vehicle } => fleet::on_service_done(sim, vehicle),
        Event::VehicleBack { vehicle } => fleet::on_back(sim, vehicle),
        Event::ShiftStart { driver } => drivers::on_shift_start(sim, driver),
        Event::ShiftEnd { driver } => drivers::on_shift_end(sim, driver),
        Event::DriverArrives { driver, shift_end } => drivers::on_arrival(sim, driver, shift_end),
        Event::CarrierDelivery { order, carrier } => carriers::on_delivery(sim, order, carrier),
        Event::EtaCheck => exceptions::on_eta_check(sim),
        Event::DeskOpen => exceptions::on_desk_open(sim),
        Event::ExceptionHandled { exception } => exceptions::on_handled(sim, exception),
        Event::TenderApproved { order, carrier } => exceptions::on_tender_approved(sim, order, carrier),
        Event::ApplyDecision { id } => dispatch::on_apply(sim, id),
        Event::Disruption { index, begins, end } => disruptions::on_disruption(sim, index, begins, end),
        Event::Breakdown { vehicle, repair } => fleet::on_breakdown(sim, vehicle, repair),
        Event::Handover { vehicle } => fleet::on_handover(sim, vehicle),
        Event::Decide { periodic } => dispatch::on_decide(sim, periodic),
    }
}

/// Delivers a domain's signal to the domains above it that handle it, at once.
fn route(sim: &mut Sim, signal: Signal) {
    match signal {
        Signal::Exception { kind, order, late_min } => exceptions::raise(sim, kind, order, late_min),
        Signal::OrderReady => dispatch::on_order_ready(sim),
        Signal::ResourceFree => dispatch::on_resource_free(sim),
        Signal::LoadingStarted { vehicle } => fleet::on_loading_started(sim, vehicle),
        Signal::Disruption { index, begins } => {
            docks::on_disruption(sim, index, begins);
            carriers::on_disruption(sim, index);
        }
    }
}
