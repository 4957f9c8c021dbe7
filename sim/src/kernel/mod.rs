//! The kernel: what any discrete-event model needs and no logistics domain adds to. The event
//! calendar (total order by time, then insertion), seeded random streams, the stable hasher, the
//! append-only log with its sinks and fingerprint, and the guard against time that stops moving on.
//!
//! **Architecture Invariant:** the kernel knows no domain, no World and no bevy type: its files
//! import only each other and the `policies` vocabulary (a test in `domain/mod.rs` reads them).

pub mod calendar;
pub mod hash;
pub mod log;
pub mod rng;
pub mod runaway;
