//! Which mechanism a run uses, and its parameters.
//!
//! ```toml
//! [mechanism]
//! kind = "fba"                       # clob | fba | rfq
//! batch_interval_ns = 100_000_000    # FBA: τ, the batch length
//! rationing = "pro_rata"             # FBA: pro_rata | time_priority | pro_rata_lottery
//! rfq_dealers = 3                    # RFQ: dealers asked per request
//! rfq_window_ns = 50_000_000         # RFQ: how long dealers have to answer
//! rfq_two_way = false                # RFQ: ask for two-way quotes, hiding the client's side
//! ```
//!
//! On the command line a mechanism is written `clob`, `fba:100ms` (τ) or `rfq:3` (dealers).
//!
//! The table ([`MechanismSettings`]) keeps the parameters of every mechanism, so that an arm of
//! `--mechanisms clob,fba` takes τ from it whichever `kind` the file chose; a run builds from it
//! the [`MechanismConfig`] of its one mechanism ([`MechanismSettings::config`]).

use crate::core::config_error::{ConfigError, require};
use crate::core::{Duration, MechanismKind, duration_label, parse_duration};
use crate::mechanisms::{ClobConfig, FbaConfig, MechanismConfig, Rationing, RfqConfig, RfqRound};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
/// The `[mechanism]` table: `kind` chooses the mechanism; the parameters of every mechanism are
/// kept whichever it is (its serialised form is part of every bundle's manifest).
pub struct MechanismSettings {
    pub kind: MechanismKind,
    pub batch_interval_ns: u64,
    pub rationing: Rationing,
    pub rfq_dealers: u32,
    pub rfq_window_ns: u64,
    pub rfq_two_way: bool,
}

impl Default for MechanismSettings {
    fn default() -> Self {
        MechanismSettings {
            kind: MechanismKind::Clob,
            batch_interval_ns: 100_000_000,
            rationing: Rationing::ProRata,
            rfq_dealers: 2,
            rfq_window_ns: 50_000_000,
            rfq_two_way: false,
        }
    }
}

/// Shortest batch interval and RFQ window: 1 µs; longest: one hour.
const MIN_NS: u64 = 1_000;
const MAX_NS: u64 = 3_600_000_000_000;

impl MechanismSettings {
    /// The mechanism `kind` chooses, with its parameters from this table and the tick and lot
    /// of `market` (the CLOB takes `market` whole).
    pub fn config(&self, market: &ClobConfig) -> MechanismConfig {
        match self.kind {
            MechanismKind::Clob => MechanismConfig::Clob(*market),
            MechanismKind::Fba => MechanismConfig::Fba {
                config: FbaConfig {
                    tick_size: market.tick_size,
                    lot_size: market.lot_size,
                    rationing: self.rationing,
                },
                batch_interval: Duration(self.batch_interval_ns),
            },
            MechanismKind::Rfq => MechanismConfig::Rfq {
                config: RfqConfig {
                    tick_size: market.tick_size,
                    lot_size: market.lot_size,
                },
                round: RfqRound {
                    dealers: self.rfq_dealers,
                    window: Duration(self.rfq_window_ns),
                    two_way: self.rfq_two_way,
                },
            },
        }
    }

    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        require(
            (MIN_NS..=MAX_NS).contains(&self.batch_interval_ns),
            &format!("{path}.batch_interval_ns"),
            self.batch_interval_ns,
            "must be in [1000, 3600000000000] (1 µs to 1 h)",
        )?;
        require(
            (1..=1000).contains(&self.rfq_dealers),
            &format!("{path}.rfq_dealers"),
            self.rfq_dealers,
            "must be in [1, 1000]",
        )?;
        require(
            (MIN_NS..=MAX_NS).contains(&self.rfq_window_ns),
            &format!("{path}.rfq_window_ns"),
            self.rfq_window_ns,
            "must be in [1000, 3600000000000] (1 µs to 1 h)",
        )
    }

    /// A short label: `clob`, `fba:100ms`, `rfq:3`.
    pub fn label(&self) -> String {
        match self.kind {
            MechanismKind::Clob => "clob".to_owned(),
            MechanismKind::Fba => {
                format!("fba:{}", duration_label(Duration(self.batch_interval_ns)))
            }
            MechanismKind::Rfq => format!("rfq:{}", self.rfq_dealers),
        }
    }

    /// This configuration with a command-line spec applied: `clob`, `fba`, `fba:250ms`,
    /// `fba:1s`, `rfq`, `rfq:5`.
    pub fn with_spec(&self, spec: &str) -> Result<MechanismSettings, MechanismSpecError> {
        let err = |why: &str| MechanismSpecError {
            spec: spec.to_owned(),
            why: why.to_owned(),
        };
        let (name, arg) = match spec.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (spec, None),
        };
        let mut m = *self;
        match (name, arg) {
            ("clob", None) => m.kind = MechanismKind::Clob,
            ("clob", Some(_)) => return Err(err("clob takes no parameter")),
            ("fba", a) => {
                m.kind = MechanismKind::Fba;
                if let Some(a) = a {
                    m.batch_interval_ns = parse_duration(a).map(|d| d.0).ok_or_else(|| {
                        err("the batch interval must be a number with a unit: ns, us, ms or s (e.g. fba:100ms)")
                    })?;
                }
            }
            ("rfq", a) => {
                m.kind = MechanismKind::Rfq;
                if let Some(a) = a {
                    m.rfq_dealers = a.parse().map_err(|_| {
                        err("the number of dealers must be a whole number (e.g. rfq:3)")
                    })?;
                }
            }
            _ => {
                return Err(err(
                    "unknown mechanism; allowed: clob, fba[:INTERVAL], rfq[:DEALERS]",
                ));
            }
        }
        m.validate("mechanism").map_err(|e| err(&e.to_string()))?;
        Ok(m)
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid mechanism \"{}\": {why}", crate::core::config_error::echo(.spec))]
pub struct MechanismSpecError {
    pub spec: String,
    pub why: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_label() {
        let base = MechanismSettings::default();
        assert_eq!(base.with_spec("clob").unwrap().label(), "clob");
        let f = base.with_spec("fba:250ms").unwrap();
        assert_eq!(
            (f.kind, f.batch_interval_ns, f.label()),
            (MechanismKind::Fba, 250_000_000, "fba:250ms".into())
        );
        assert_eq!(
            base.with_spec("fba:1s").unwrap().batch_interval_ns,
            1_000_000_000
        );
        assert_eq!(
            base.with_spec("fba:1.5ms").unwrap().batch_interval_ns,
            1_500_000
        );
        assert_eq!(
            base.with_spec("fba").unwrap().batch_interval_ns,
            100_000_000
        );
        let r = base.with_spec("rfq:5").unwrap();
        assert_eq!(
            (r.kind, r.rfq_dealers, r.label()),
            (MechanismKind::Rfq, 5, "rfq:5".into())
        );
        assert_eq!(base.with_spec("rfq").unwrap().rfq_dealers, 2);
    }

    #[test]
    fn the_config_holds_only_the_chosen_mechanism() {
        let market = ClobConfig {
            tick_size: 5,
            lot_size: 10,
            ..ClobConfig::default()
        };
        let base = MechanismSettings::default();
        assert_eq!(base.config(&market), MechanismConfig::Clob(market));
        let f = base.with_spec("fba:250ms").unwrap().config(&market);
        assert_eq!(f.batch_interval(), Some(Duration::from_millis(250)));
        assert_eq!(f.rfq_round(), None);
        assert_eq!(f.kind(), MechanismKind::Fba);
        let r = base.with_spec("rfq:5").unwrap().config(&market);
        assert_eq!(
            r,
            MechanismConfig::Rfq {
                config: RfqConfig {
                    tick_size: 5,
                    lot_size: 10,
                },
                round: RfqRound {
                    dealers: 5,
                    window: Duration(base.rfq_window_ns),
                    two_way: false,
                },
            }
        );
        assert_eq!(r.batch_interval(), None);
    }

    #[test]
    fn bad_specs_say_what_is_allowed() {
        let base = MechanismSettings::default();
        for (spec, needle) in [
            (
                "cda",
                "unknown mechanism; allowed: clob, fba[:INTERVAL], rfq[:DEALERS]",
            ),
            ("fba:100", "must be a number with a unit"),
            ("fba:10h", "must be a number with a unit"),
            ("fba:1ns", "batch_interval_ns"),
            ("rfq:0", "rfq"),
            ("rfq:x", "whole number"),
            ("clob:3", "clob takes no parameter"),
        ] {
            let e = base.with_spec(spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }
}
