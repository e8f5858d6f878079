//! A number that is either a finite value or missing with a stated reason.

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// Why an estimate could not be given. Serialized as its short description (`"n < 2"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MissingReason {
    /// The sample is empty.
    EmptySample,
    /// A spread (sd, interval, test) needs at least two observations.
    TooFewObservations,
    /// Hedges' correction `J = 1 − 3/(4·df − 1)` is 0 at `df = 1` (and undefined below), so a
    /// corrected effect size needs `df ≥ 2`.
    TooFewForCorrection,
    /// A ratio whose denominator is a standard deviation (or variance) that is exactly zero.
    ZeroVariance,
    /// The value exists mathematically but does not fit in an `f64` (finite inputs near `1e308`).
    Overflow,
}

impl MissingReason {
    /// Every reason, in declaration order.
    pub const ALL: [MissingReason; 5] = [
        MissingReason::EmptySample,
        MissingReason::TooFewObservations,
        MissingReason::TooFewForCorrection,
        MissingReason::ZeroVariance,
        MissingReason::Overflow,
    ];

    /// The short description written to JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingReason::EmptySample => "n = 0",
            MissingReason::TooFewObservations => "n < 2",
            MissingReason::TooFewForCorrection => "df < 2: small-sample correction undefined",
            MissingReason::ZeroVariance => "zero variance",
            MissingReason::Overflow => "overflow",
        }
    }
}

impl fmt::Display for MissingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MissingReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Reads the short description back ([`MissingReason::as_str`]).
impl<'de> Deserialize<'de> for MissingReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MissingReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| de::Error::custom(format!("unknown missing reason {s:?}")))
    }
}

/// A statistic: a finite value, or missing with a reason. Never NaN, never infinite.
///
/// JSON: a value is a plain number (`2.5`); a missing one is `{"missing": "n < 2"}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Estimate {
    Value(f64),
    Missing { reason: MissingReason },
}

impl Estimate {
    /// `Value(x)` when `x` is finite, otherwise `Missing { reason: Overflow }`.
    ///
    /// Every value this module reports goes through here; the inputs are checked finite, so a
    /// non-finite result can only come from overflow of an intermediate.
    pub fn finite(x: f64) -> Estimate {
        if x.is_finite() {
            Estimate::Value(x)
        } else {
            Estimate::missing(MissingReason::Overflow)
        }
    }

    pub fn missing(reason: MissingReason) -> Estimate {
        Estimate::Missing { reason }
    }

    /// The value, if there is one.
    pub fn value(self) -> Option<f64> {
        match self {
            Estimate::Value(x) => Some(x),
            Estimate::Missing { .. } => None,
        }
    }

    /// The reason, if missing.
    pub fn reason(self) -> Option<MissingReason> {
        match self {
            Estimate::Value(_) => None,
            Estimate::Missing { reason } => Some(reason),
        }
    }

    pub fn is_missing(self) -> bool {
        matches!(self, Estimate::Missing { .. })
    }

    /// Applies `f` to a value (the result is checked finite); a missing estimate stays missing.
    pub fn map(self, f: impl FnOnce(f64) -> f64) -> Estimate {
        match self {
            Estimate::Value(x) => Estimate::finite(f(x)),
            missing => missing,
        }
    }

    /// Like [`Estimate::map`], for a function that may itself decline to give a value.
    pub fn and_then(self, f: impl FnOnce(f64) -> Estimate) -> Estimate {
        match self {
            Estimate::Value(x) => f(x),
            missing => missing,
        }
    }
}

impl From<Result<f64, MissingReason>> for Estimate {
    fn from(r: Result<f64, MissingReason>) -> Self {
        match r {
            Ok(x) => Estimate::finite(x),
            Err(reason) => Estimate::missing(reason),
        }
    }
}

impl Serialize for Estimate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Estimate::Value(x) => s.serialize_f64(x),
            Estimate::Missing { reason } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("missing", &reason)?;
                m.end()
            }
        }
    }
}

/// Reads what [`Serialize`] writes: a number, or `{"missing": reason}`.
impl<'de> Deserialize<'de> for Estimate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged, expecting = "a number or {\"missing\": reason}")]
        enum Repr {
            Value(f64),
            Missing { missing: MissingReason },
        }
        Ok(match Repr::deserialize(d)? {
            Repr::Value(x) => Estimate::finite(x),
            Repr::Missing { missing } => Estimate::missing(missing),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_read_back_what_they_write() {
        let all = MissingReason::ALL
            .into_iter()
            .map(Estimate::missing)
            .chain([Estimate::Value(2.5), Estimate::Value(-3.0)]);
        for e in all {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(
                serde_json::from_str::<Estimate>(&json).unwrap(),
                e,
                "{json}"
            );
        }
        assert_eq!(
            serde_json::from_str::<Estimate>("4").unwrap(),
            Estimate::Value(4.0)
        );
        assert!(serde_json::from_str::<Estimate>(r#"{"missing": "tired"}"#).is_err());
        assert!(serde_json::from_str::<Estimate>(r#""2.5""#).is_err());
    }

    #[test]
    fn non_finite_becomes_overflow() {
        assert_eq!(Estimate::finite(1.5), Estimate::Value(1.5));
        for x in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            assert_eq!(
                Estimate::finite(x).reason(),
                Some(MissingReason::Overflow),
                "{x}"
            );
        }
        assert!(Estimate::Value(1e308).map(|x| x * 10.0).is_missing());
    }

    #[test]
    fn json_shape() {
        assert_eq!(serde_json::to_string(&Estimate::Value(2.5)).unwrap(), "2.5");
        assert_eq!(
            serde_json::to_string(&Estimate::missing(MissingReason::TooFewObservations)).unwrap(),
            r#"{"missing":"n < 2"}"#
        );
    }
}
