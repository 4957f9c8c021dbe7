//! The logistics world, one module per domain. Each owns its components and the handlers of the
//! events it is responsible for.

pub mod carriers;
pub mod dispatch;
pub mod disruptions;
pub mod docks;
pub mod drivers;
pub mod exceptions;
pub mod fleet;
pub mod orders;
