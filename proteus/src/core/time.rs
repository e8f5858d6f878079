//! Simulated time: integer nanoseconds since the start of a run.
//!
//! Architecture invariant: nothing inside a run reads the wall clock. All time is `SimTime`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// A point in simulated time, in nanoseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Duration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds as a float, for reporting only (never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }

    /// `self + d`, saturating at `u64::MAX` rather than wrapping.
    pub const fn saturating_add(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_nanos(n: u64) -> Self {
        Duration(n)
    }
    pub const fn from_micros(us: u64) -> Self {
        Duration(us * 1_000)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * 1_000_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1_000_000_000)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        SimTime(self.0 + d.0)
    }
}

impl Sub for SimTime {
    type Output = Duration;
    fn sub(self, earlier: SimTime) -> Duration {
        Duration(self.0 - earlier.0)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, o: Duration) -> Duration {
        Duration(self.0 + o.0)
    }
}

/// A duration as it appears in metric names and mechanism labels (`fba:100ms`): `1s`, `250ms`,
/// `500us` or `7ns`, the largest unit that divides it.
pub fn duration_label(d: Duration) -> String {
    let n = d.0;
    if n > 0 && n.is_multiple_of(1_000_000_000) {
        format!("{}s", n / 1_000_000_000)
    } else if n > 0 && n.is_multiple_of(1_000_000) {
        format!("{}ms", n / 1_000_000)
    } else if n > 0 && n.is_multiple_of(1_000) {
        format!("{}us", n / 1_000)
    } else {
        format!("{n}ns")
    }
}

/// A duration written as a number with a unit, `ns`, `us` (or `µs`), `ms` or `s` (`250ms`,
/// `1.5ms`), as on the command line (`--mechanisms fba:250ms`); `None` unless it is a whole,
/// non-negative number of nanoseconds. Reads every [`duration_label`].
pub fn parse_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let x: f64 = num.parse().ok()?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    let ns = x * scale;
    (ns.is_finite() && ns >= 0.0 && ns.fract() == 0.0).then_some(Duration(ns as u64))
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ns", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_constructors_are_exact() {
        assert_eq!(Duration::from_micros(1).as_nanos(), 1_000);
        assert_eq!(Duration::from_millis(3).as_nanos(), 3_000_000);
        assert_eq!(Duration::from_secs(2).as_nanos(), 2_000_000_000);
        assert_eq!(SimTime(5) + Duration(7), SimTime(12));
        assert_eq!(SimTime(12) - SimTime(5), Duration(7));
        assert_eq!(
            SimTime(u64::MAX).saturating_add(Duration(1)),
            SimTime(u64::MAX)
        );
    }

    #[test]
    fn labels_parse_back() {
        for d in [
            Duration(7),
            Duration::from_micros(500),
            Duration::from_millis(250),
            Duration::from_secs(60),
        ] {
            assert_eq!(parse_duration(&duration_label(d)), Some(d));
        }
        assert_eq!(parse_duration("100"), None);
        assert_eq!(parse_duration("10h"), None);
    }
}
