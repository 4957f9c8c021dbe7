//! What every domain of the logistics world shares, and nothing of any domain: the replication's
//! context ([`Sim`]: the bevy_ecs [`World`] that holds the domains' components and resources, the
//! calendar, the log, the policies consulted), the closed set of scheduled [`Event`](enum@Event)s, and the
//! [`Signal`]s by which a domain tells a higher one, at once, that something happened.
//!
//! **Architecture Invariant:** this module names no domain. Domains import it; it imports none.
//!
//! Why signals, and not bevy observers: a handler needs the calendar, the log and its sinks, which
//! are the kernel's and borrow the replication's sinks (not `'static`), so they cannot live in the
//! World an observer sees. A signal is delivered synchronously, like an observer's trigger, by the
//! router the engine installs: the effects happen in the same order as a direct call would make
//! them, and the lower domain does not import the higher one.

use bevy_ecs::prelude::*;
use policies::{Duration, ExceptionKind, ExceptionPolicy, Instant, OrderId};

use crate::invariants::InvariantChecker;
use crate::kernel::calendar::Calendar;
use crate::kernel::log::{Fingerprint, LogSink, Record};
use crate::kernel::runaway;
use crate::kpi::KpiCollector;
use crate::live::{LiveSink, LiveState};
use crate::scenario::Scenario;
use crate::timeline::TimelineSampler;

/// The closed set of things that can be scheduled; each is handled by exactly one domain.
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
    /// Vehicle `vehicle` is loaded at door `door` of `site`.
    LoadingDone {
        vehicle: Entity,
        site: u32,
        door: u32,
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
        shift_end: Instant,
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
        repair: Duration,
    },
    /// An occurrence of a disruption, ending at `end`, begins or ends.
    Disruption {
        index: u32,
        begins: bool,
        end: Instant,
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

/// What a domain tells the domains above it, delivered at once (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    /// Something went wrong with `order` (raised by orders, carriers, fleet; handled by exceptions):
    /// expected `late_min` minutes late if nothing is done, when the raiser knows.
    Exception { kind: ExceptionKind, order: Entity, late_min: Option<f64> },
    /// An order became ready at its site (dispatch may open a decision epoch).
    OrderReady,
    /// A vehicle or a driver became free (dispatch may open a decision epoch).
    ResourceFree,
    /// A door took `vehicle` from the queue (fleet withdraws its give-up).
    LoadingStarted { vehicle: Entity },
    /// An occurrence of disruption `index` began or ended (docks and carriers adjust).
    Disruption { index: u32, begins: bool },
}

/// Where the log goes: always the fingerprint, the live state and the KPIs; the timeline and the
/// invariant checks when asked for; plus optional sinks (files, tests). The one [`LiveState`] is
/// read by its consumers before it takes each record.
pub(crate) struct Log<'a> {
    pub fingerprint: Fingerprint,
    pub live: LiveState,
    pub kpis: KpiCollector,
    pub timeline: Option<TimelineSampler>,
    pub checker: Option<InvariantChecker>,
    pub extra: Vec<&'a mut dyn LogSink>,
    /// Watches for time that stops moving on, and traces the records once it has.
    pub guard: runaway::Guard,
    /// Which disruptions reached something.
    pub reach: crate::reach::Reach,
}

impl Log<'_> {
    #[inline]
    pub fn push(&mut self, t: Instant, record: Record) {
        if self.guard.tracing() {
            self.guard.trace(t, &record);
        }
        self.fingerprint.record(t, &record);
        self.kpis.record(t, &record, &self.live);
        if let Some(timeline) = &mut self.timeline {
            timeline.record(t, &record, &self.live);
        }
        if let Some(checker) = &mut self.checker {
            checker.record(t, &record, &self.live);
        }
        self.live.record(t, &record);
        self.reach.record(t, &record);
        for sink in &mut self.extra {
            sink.record(t, &record);
        }
    }
}

/// The decision makers the world consults: a built-in policy or a program for allocation, the
/// `policies` crate's trait for exceptions; they see plain views, never the world's types.
pub(crate) struct Policies {
    pub allocation: crate::policy::RunPolicy,
    pub exceptions: Box<dyn ExceptionPolicy>,
}

/// How a signal reaches the domains that handle it (installed by the engine).
pub(crate) type Router = for<'s, 'a> fn(&'s mut Sim<'a>, Signal);

/// The instant the systems building the policies' view see as now: set by [`Sim::run_view`]
/// before the view schedule runs, read by the domains' view systems.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct ViewClock(pub Instant);

/// One replication's context: the World of the domains, and the kernel's calendar and log.
pub struct Sim<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) world: World,
    pub(crate) cal: Calendar<Event>,
    pub(crate) log: Log<'a>,
    pub(crate) policies: Policies,
    /// The systems that build the policies' view of the world: one or two per domain, each writing
    /// its own domain's view resource (ordered by dispatch, which assembles the request).
    pub(crate) view_schedule: bevy_ecs::schedule::Schedule,
    pub(crate) seed: u64,
    pub(crate) replication: u32,
    /// Why the replication cannot go on (the policy could not decide), once it cannot.
    pub(crate) halt: Option<crate::process::ProgramFailure>,
    pub(crate) router: Router,
}

impl Sim<'_> {
    #[inline]
    pub fn now(&self) -> Instant {
        self.cal.now()
    }

    /// Runs the view schedule on the world, as of now.
    pub(crate) fn run_view(&mut self) {
        let now = self.now();
        self.world.insert_resource(ViewClock(now));
        self.view_schedule.run(&mut self.world);
    }

    /// Delivers `signal` to the domains that handle it, now.
    #[inline]
    pub(crate) fn signal(&mut self, signal: Signal) {
        (self.router)(self, signal)
    }

    /// Raises an exception of `kind` about `order` (a [`Signal::Exception`]).
    pub(crate) fn raise(&mut self, kind: ExceptionKind, order: Entity, late_min: Option<f64>) {
        self.signal(Signal::Exception { kind, order, late_min });
    }

    /// Stops the replication after the event being handled: it cannot go on.
    pub(crate) fn stop(&mut self, why: crate::process::ProgramFailure) {
        self.halt.get_or_insert(why);
    }
}
