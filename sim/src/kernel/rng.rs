//! Seeded random streams, one per concern, so that a change in one domain does not shift the
//! draws of another, and two policies run on the same seeds see the same demand.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream: portable and value-stable across platforms and releases.
pub type Rng = Xoshiro256PlusPlus;

/// What a stream is used for. The index keeps sites (or vehicles) independent of each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Order arrivals and order attributes at a site.
    Demand(u32),
    /// Travel-time noise of a vehicle.
    Travel(u32),
    /// Loading times at a site's doors.
    Dock(u32),
    /// A carrier's acceptance of tenders and its transit times.
    Carrier(u32),
    /// Failed delivery attempts at a site's customers.
    Delivery(u32),
    /// The dispatchers' handling times.
    Desk,
    /// Randomised policy decisions.
    Policy,
    /// What a disruption draws while under way (no-shows, breakdowns, stale orders).
    Disruption(u32),
    /// Whether and when a random disruption happens.
    Occurrence(u32),
}

impl Stream {
    fn id(self) -> u64 {
        let (kind, index) = match self {
            Stream::Demand(i) => (1, i),
            Stream::Travel(i) => (2, i),
            Stream::Dock(i) => (3, i),
            Stream::Policy => (4, 0),
            Stream::Disruption(i) => (5, i),
            Stream::Carrier(i) => (6, i),
            Stream::Delivery(i) => (7, i),
            Stream::Desk => (8, 0),
            Stream::Occurrence(i) => (9, i),
        };
        (kind << 32) | index as u64
    }
}

/// SplitMix64's finaliser: a bijective, well-mixing map of 64-bit values.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for `stream` in replication `replication` of a run with `master_seed`.
pub fn stream_rng(master_seed: u64, replication: u64, stream: Stream) -> Rng {
    Rng::seed_from_u64(mix(mix(mix(master_seed) ^ replication) ^ stream.id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn generator_is_value_stable() {
        // Pins rand_xoshiro's stream: if this changes, every golden result changes.
        assert_eq!(Rng::seed_from_u64(42).next_u64(), 15021278609987233951);
    }

    #[test]
    fn streams_differ_by_concern_replication_and_index() {
        let draw = |seed, rep, s| stream_rng(seed, rep, s).next_u64();
        let base = draw(1, 0, Stream::Demand(0));
        assert_eq!(base, draw(1, 0, Stream::Demand(0)));
        for other in [
            draw(2, 0, Stream::Demand(0)),
            draw(1, 1, Stream::Demand(0)),
            draw(1, 0, Stream::Demand(1)),
            draw(1, 0, Stream::Travel(0)),
        ] {
            assert_ne!(base, other);
        }
    }
}
