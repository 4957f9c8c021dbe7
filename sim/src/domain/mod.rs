//! The logistics world, one module per domain. Each owns its components and resources (no other
//! module writes them), handles the events it is responsible for, and answers the questions the
//! domains above it ask through a small public API.
//!
//! The domains stand in layers: a domain imports only domains of lower layers, never one of its
//! own layer or above. What a lower domain must tell a higher one (an exception was raised, a
//! vehicle is free, a door took a vehicle, a disruption began) it sends as a
//! [`crate::world::Signal`], which the engine delivers at once.
//!
//! | layer | domains | imports |
//! |---|---|---|
//! | 1 | `disruptions` | - |
//! | 2 | `orders`, `drivers`, `docks` | disruptions |
//! | 3 | `carriers`, `fleet` | layers 1-2 |
//! | 4 | `exceptions` | layers 1-3 |
//! | 5 | `dispatch` | layers 1-4 |
//!
//! **Architecture Invariant:** no domain imports `crate::engine` or a domain of its own layer or
//! above (the test below reads the sources).

pub mod carriers;
pub mod dispatch;
pub mod disruptions;
pub mod docks;
pub mod drivers;
pub mod exceptions;
pub mod fleet;
pub mod orders;

/// Each domain's layer (see the module doc), with its source for the layering test.
#[cfg(test)]
const LAYERS: &[(&str, u8, &str)] = &[
    ("disruptions", 1, include_str!("disruptions.rs")),
    ("orders", 2, include_str!("orders.rs")),
    ("drivers", 2, include_str!("drivers.rs")),
    ("docks", 2, include_str!("docks.rs")),
    ("carriers", 3, include_str!("carriers.rs")),
    ("fleet", 3, include_str!("fleet.rs")),
    ("exceptions", 4, include_str!("exceptions.rs")),
    ("dispatch", 5, include_str!("dispatch.rs")),
];

#[cfg(test)]
mod tests {
    use super::LAYERS;

    /// The domains `source` names: `super::x`, `super::{x, y}`, `crate::domain::x`.
    fn imported(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for prefix in ["super::", "crate::domain::"] {
            for (at, _) in source.match_indices(prefix) {
                let rest = &source[at + prefix.len()..];
                let names = match rest.strip_prefix('{') {
                    Some(group) => &group[..group.find('}').unwrap_or(group.len())],
                    None => &rest[..rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())],
                };
                out.extend(names.split(',').map(|n| n.trim().split("::").next().unwrap_or("").to_string()));
            }
        }
        out
    }

    fn check(name: &str, layer: u8, source: &str) -> Vec<String> {
        let mut wrong = Vec::new();
        if source.contains("crate::engine") {
            wrong.push(format!("{name} imports crate::engine"));
        }
        for other in imported(source) {
            let Some(&(_, other_layer, _)) = LAYERS.iter().find(|(n, _, _)| *n == other) else { continue };
            if other_layer >= layer {
                wrong.push(format!("{name} (layer {layer}) imports {other} (layer {other_layer})"));
            }
        }
        wrong
    }

    #[test]
    fn domains_import_only_lower_layers() {
        let wrong: Vec<String> = LAYERS.iter().flat_map(|(name, layer, source)| check(name, *layer, source)).collect();
        assert!(wrong.is_empty(), "imports against the layering (sim/src/domain/mod.rs):\n{}", wrong.join("\n"));
    }

    /// The kernel (calendar, random streams, hasher, log, runaway guard) knows no domain, no world
    /// and no bevy type; the world layer names no domain.
    #[test]
    fn the_kernel_and_the_world_know_no_domain() {
        let kernel = [
            ("calendar.rs", include_str!("../kernel/calendar.rs")),
            ("rng.rs", include_str!("../kernel/rng.rs")),
            ("hash.rs", include_str!("../kernel/hash.rs")),
            ("log.rs", include_str!("../kernel/log.rs")),
            ("runaway.rs", include_str!("../kernel/runaway.rs")),
        ];
        for (file, source) in kernel {
            for used in source.lines().filter(|l| l.trim_start().starts_with("use ")) {
                let own = [
                    "crate::kernel::calendar",
                    "crate::kernel::rng",
                    "crate::kernel::hash",
                    "crate::kernel::log",
                    "crate::kernel::runaway",
                ];
                let foreign = used.contains("crate::") && !own.iter().any(|k| used.contains(k));
                assert!(!foreign && !used.contains("bevy"), "the kernel's {file} imports {used:?}");
            }
        }
        let world = include_str!("../world.rs");
        assert!(!world.contains("domain::") && !world.contains("crate::engine"), "world.rs names a domain");
    }

    #[test]
    fn the_check_sees_an_import_against_the_layering() {
        assert_eq!(check("docks", 2, "use super::fleet::Vehicle;"), ["docks (layer 2) imports fleet (layer 3)"]);
        assert_eq!(
            check("orders", 2, "use super::{disruptions, drivers};"),
            ["orders (layer 2) imports drivers (layer 2)"]
        );
        assert_eq!(check("fleet", 3, "crate::domain::dispatch::x()"), ["fleet (layer 3) imports dispatch (layer 5)"]);
        assert_eq!(check("fleet", 3, "use crate::engine::Engine;"), ["fleet imports crate::engine"]);
        assert!(check("dispatch", 5, "use super::{carriers, fleet::Trip};").is_empty());
    }
}
