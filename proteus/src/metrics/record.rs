//! The metric record of one run, as written to `metrics.json`.

use crate::core::Role;
use crate::sim::Account;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `metrics.json` layout and metric names. Bumped only on purpose, when a name
/// already written changes meaning or disappears, with a note in `docs/metrics.md`. Adding a
/// metric does not bump it.
pub const METRICS_SCHEMA_VERSION: u32 = 2;

/// `metrics.json` (written by the run bundle, read back by the run report): a flat map of metric name to number, the reason for every metric that is
/// undefined in this run, and each agent's account marked to the final fundamental.
///
/// Invariant: every value in `metrics` is finite, and no name is in both maps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricRecord {
    pub schema_version: u32,
    pub metrics: BTreeMap<String, f64>,
    pub missing: BTreeMap<String, String>,
    pub pnl_by_agent: Vec<AgentPnl>,
}

/// One agent's final account, marked to the final fundamental.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentPnl {
    pub agent: u32,
    pub role: Role,
    pub index: u32,
    pub position: i64,
    pub cash_ticks: i128,
    pub pnl_ticks: f64,
}

impl AgentPnl {
    pub fn account(&self) -> Account {
        Account {
            cash: self.cash_ticks,
            position: self.position,
        }
    }
}

impl MetricRecord {
    pub(crate) fn new() -> Self {
        MetricRecord {
            schema_version: METRICS_SCHEMA_VERSION,
            metrics: BTreeMap::new(),
            missing: BTreeMap::new(),
            pnl_by_agent: Vec::new(),
        }
    }

    /// The value of `name`, if it is defined in this run.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).copied()
    }

    /// Why `name` is undefined in this run, if it is.
    pub fn missing_reason(&self, name: &str) -> Option<&str> {
        self.missing.get(name).map(String::as_str)
    }

    /// Records a value. A non-finite value is a bug in a metric's edge cases; in release builds
    /// it is reported as missing rather than written as NaN or infinity.
    pub(crate) fn set(&mut self, name: impl Into<String>, value: f64) {
        let name = name.into();
        debug_assert!(value.is_finite(), "metric {name} = {value}");
        if value.is_finite() {
            self.missing.remove(&name);
            self.metrics.insert(name, value);
        } else {
            self.set_missing(name, "numerically undefined (non-finite value)");
        }
    }

    pub(crate) fn set_missing(&mut self, name: impl Into<String>, reason: &str) {
        let name = name.into();
        self.metrics.remove(&name);
        self.missing.insert(name, reason.to_owned());
    }

    /// `numerator / denominator`, or missing with `reason` when the denominator is zero.
    pub(crate) fn set_ratio(
        &mut self,
        name: impl Into<String>,
        numerator: f64,
        denominator: f64,
        reason: &str,
    ) {
        if denominator == 0.0 {
            self.set_missing(name, reason);
        } else {
            self.set(name, numerator / denominator);
        }
    }
}
