//! What a scenario may ask for: generous bounds, far above any real network, that keep a
//! mistyped number (`count = 4294967295`, `horizon_h = 1e300`) from taking the machine's memory
//! or running for ever. Each is checked when the scenario is loaded, before anything is allocated
//! from it, and exceeding one is an error naming the field (docs/scenario.md, "Limits").

/// `[[site]]` entries.
pub const SITES: usize = 10_000;
/// `doors` of one site.
pub const DOORS_PER_SITE: u32 = 10_000;
/// Vehicles, all `[[fleet]]` entries together.
pub const VEHICLES: u32 = 100_000;
/// Drivers, all `[[drivers]]` entries together.
pub const DRIVERS: u32 = 100_000;
/// `[[orders.class]]` entries.
pub const ORDER_CLASSES: usize = 1_000;
/// `horizon_h`: a leap year.
pub const HORIZON_H: f64 = 24.0 * 366.0;
/// Expected orders an hour at one site, its `[[orders.rate]]` entries together and times every
/// demand surge that could be under way at once. Arrival times are whole milliseconds; at this
/// rate (one order every 36 ms) rounding them up makes about 1.4% fewer orders than asked.
pub const ORDERS_PER_HOUR: f64 = 100_000.0;
/// A demand surge's `multiplier`.
pub const SURGE_MULTIPLIER: f64 = 1_000.0;
/// Bytes of a TOML or text file dtwin reads whole: a scenario, its base, a policy file, gate
/// rules, a Solomon instance. Parsed TOML takes about 50 times its size in memory (a 15 MiB file
/// of customer points 760 MB; benches/README.md, "Biggest accepted inputs").
pub const TEXT_FILE_BYTES: u64 = 16 << 20;
/// Bytes of an order CSV (about seven million orders) or of a plan.
pub const DATA_FILE_BYTES: u64 = 256 << 20;
