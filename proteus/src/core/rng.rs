//! The seed protocol: master seed → repetition seed → named random streams.
//!
//! `docs/seed-protocol.md` is the normative description; the pinned values in
//! `tests/simulation/seed_protocol.rs` are checked against it. In short:
//!
//! * [`RepetitionSeed::derive`]: SHA-256 of a fixed domain tag, the master seed, the scenario id
//!   and the repetition index; the first 8 bytes of the digest, little-endian, are the seed.
//!   The mechanism is deliberately **not** an input, so repetition *r* of CLOB, FBA and RFQ draws
//!   the same fundamental path, news and arrivals (common random numbers).
//! * [`RepetitionSeed::stream`]: SHA-256 of another domain tag, the repetition seed and the
//!   stream's name; the 32-byte digest seeds a ChaCha8 generator.
//!
//! Architecture invariant: every random draw in a run comes from a named [`Stream`]; no two
//! components share one, so adding a component never shifts another component's draws.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Infallible, SeedableRng, TryRng};
use sha2::{Digest, Sha256};
use std::fmt;

use super::error::CoreError;

const REPETITION_TAG: &[u8] = b"proteus/repetition-seed/v1\0";
const STREAM_TAG: &[u8] = b"proteus/stream/v1\0";

/// The seed of one repetition of one scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RepetitionSeed(pub u64);

impl RepetitionSeed {
    /// Derives the seed of repetition `repetition` of scenario `scenario_id` under `master_seed`.
    pub fn derive(master_seed: u64, scenario_id: &str, repetition: u64) -> Self {
        let mut h = Sha256::new();
        h.update(REPETITION_TAG);
        h.update(master_seed.to_le_bytes());
        h.update((scenario_id.len() as u64).to_le_bytes());
        h.update(scenario_id.as_bytes());
        h.update(repetition.to_le_bytes());
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        RepetitionSeed(u64::from_le_bytes(first))
    }

    /// The 32-byte ChaCha8 key of stream `name`: SHA-256 of the stream tag, this seed
    /// (little-endian) and the name's UTF-8 bytes.
    pub fn stream_key(self, name: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(STREAM_TAG);
        h.update(self.0.to_le_bytes());
        h.update(name.as_bytes());
        h.finalize().into()
    }

    /// Opens the stream called `name`, positioned at its start.
    ///
    /// Panics if `name` is not a valid stream name (see [`validate_stream_name`]); stream names
    /// are written by the program, not by users, so an invalid one is a bug.
    pub fn stream(self, name: &str) -> Stream {
        if let Err(e) = validate_stream_name(name) {
            panic!("{e}");
        }
        Stream::open(self, name.to_owned())
    }
}

/// Checks a stream name: one or more `/`-separated segments of `[a-z0-9_.-]`.
pub fn validate_stream_name(name: &str) -> Result<(), CoreError> {
    // One pass over the bytes (a run opens thousands of streams): every byte allowed, and no
    // empty segment (no leading, trailing or doubled `/`).
    let mut previous = b'/';
    let mut ok = !name.is_empty();
    for b in name.bytes() {
        let allowed = matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'/');
        ok &= allowed && !(b == b'/' && previous == b'/');
        previous = b;
    }
    ok &= previous != b'/';
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidStreamName(name.to_owned()))
    }
}

/// A named, reproducible random stream. Implements `rand_core::Rng`, so every `rand` and
/// `rand_distr` distribution can draw from it.
#[derive(Clone)]
pub struct Stream {
    seed: RepetitionSeed,
    name: String,
    rng: ChaCha8Rng,
}

impl Stream {
    fn open(seed: RepetitionSeed, name: String) -> Self {
        let rng = ChaCha8Rng::from_seed(seed.stream_key(&name));
        Stream { seed, name, rng }
    }

    /// The full name of this stream, e.g. `agent/noise/3/arrivals`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child stream `"{self.name}/{segment}"`, at its start. Identical to opening that full
    /// name directly from the repetition seed; independent of how far `self` has been drawn.
    pub fn child(&self, segment: &str) -> Stream {
        self.seed.stream(&format!("{}/{}", self.name, segment))
    }

    /// Rewinds the stream to its first value.
    pub fn reset(&mut self) {
        self.rng = ChaCha8Rng::from_seed(self.seed.stream_key(&self.name));
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("seed", &self.seed)
            .field("name", &self.name)
            .finish()
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.rng.try_next_u32()
    }
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.rng.try_next_u64()
    }
    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.rng.try_fill_bytes(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn draws(s: &mut Stream, n: usize) -> Vec<u64> {
        (0..n).map(|_| s.random::<u64>()).collect()
    }

    #[test]
    fn same_inputs_same_values() {
        let a = RepetitionSeed::derive(7, "default", 3);
        let b = RepetitionSeed::derive(7, "default", 3);
        assert_eq!(a, b);
        assert_eq!(
            draws(&mut a.stream("fundamental"), 5),
            draws(&mut b.stream("fundamental"), 5)
        );
    }

    #[test]
    fn every_input_of_the_repetition_seed_matters() {
        let base = RepetitionSeed::derive(7, "default", 3);
        assert_ne!(base, RepetitionSeed::derive(8, "default", 3));
        assert_ne!(base, RepetitionSeed::derive(7, "defaulT", 3));
        assert_ne!(base, RepetitionSeed::derive(7, "default", 4));
    }

    #[test]
    fn scenario_id_is_length_prefixed() {
        // Without the length prefix, ("ab", rep) and ("a", ...) could collide on shifted bytes.
        assert_ne!(
            RepetitionSeed::derive(1, "ab", 0),
            RepetitionSeed::derive(1, "a", 0)
        );
    }

    #[test]
    fn streams_are_isolated() {
        let seed = RepetitionSeed::derive(1, "s", 0);
        let alone = draws(&mut seed.stream("b"), 10);
        let mut a = seed.stream("a");
        let mut b = seed.stream("b");
        let mut interleaved = Vec::new();
        for _ in 0..10 {
            let _ = draws(&mut a, 3);
            interleaved.push(b.random::<u64>());
        }
        assert_eq!(alone, interleaved);
        assert_ne!(draws(&mut seed.stream("a"), 10), alone);
    }

    #[test]
    fn child_equals_full_name_and_ignores_parent_position() {
        let seed = RepetitionSeed::derive(1, "s", 0);
        let mut parent = seed.stream("agent/noise");
        let _ = draws(&mut parent, 17);
        let mut child = parent.child("3");
        assert_eq!(child.name(), "agent/noise/3");
        assert_eq!(
            draws(&mut child, 4),
            draws(&mut seed.stream("agent/noise/3"), 4)
        );
    }

    #[test]
    fn reset_rewinds() {
        let seed = RepetitionSeed::derive(1, "s", 0);
        let mut s = seed.stream("news");
        let first = draws(&mut s, 6);
        s.reset();
        assert_eq!(draws(&mut s, 6), first);
    }

    #[test]
    fn stream_names_are_validated() {
        for ok in [
            "fundamental",
            "agent/noise/3/arrivals",
            "latency/agent/7",
            "a.b-c_d",
        ] {
            assert!(validate_stream_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/a", "a/", "a//b", "Agent", "a b", "é", "/", "//"] {
            assert!(validate_stream_name(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        /// The one-pass check accepts exactly what the definition does: one or more
        /// `/`-separated, non-empty segments of `[a-z0-9_.-]`.
        #[test]
        fn the_stream_name_check_is_its_definition(name in "[a-c0-1_./A é-]{0,8}") {
            let definition = !name.is_empty()
                && name.split('/').all(|seg| {
                    !seg.is_empty()
                        && seg.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b)
                        })
                });
            proptest::prop_assert_eq!(validate_stream_name(&name).is_ok(), definition);
        }
    }
}
