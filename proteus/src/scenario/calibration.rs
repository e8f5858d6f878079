//! The calibration search a scenario declares (`[calibration]`): which market-maker regimes to
//! try, under what informed intensity, and the objective's targets.
//!
//! ```toml
//! [calibration]
//! informed_count = 1                      # low informed intensity during the search
//! repetitions = 8                         # per candidate
//! risk_aversion = [0.03, 0.1, 0.3]        # the grid: every combination is a candidate
//! half_spread_ticks = [1.0, 2.0, 4.0]
//! quote_size = [3, 5, 10]
//! target_quoted_spread_ticks = [1.0, 4.0]
//! target_mm_fill_rate = [0.02, 1.0]
//! max_spread_ci_halfwidth_ticks = 3.0
//! sensitivity_informed_count = [0, 2, 5, 10, 20]
//! sensitivity_latency_scale = [0.25, 1.0, 4.0, 16.0]
//! ```

use crate::core::config_error::{
    ConfigError, number, require, require_coefficient, require_non_negative,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalibrationConfig {
    pub informed_count: u32,
    pub repetitions: u64,
    pub risk_aversion: Vec<f64>,
    pub half_spread_ticks: Vec<f64>,
    pub quote_size: Vec<i64>,
    #[serde(deserialize_with = "band")]
    pub target_quoted_spread_ticks: [f64; 2],
    #[serde(deserialize_with = "band")]
    pub target_mm_fill_rate: [f64; 2],
    pub max_spread_ci_halfwidth_ticks: f64,
    pub sensitivity_informed_count: Vec<u32>,
    pub sensitivity_latency_scale: Vec<f64>,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            informed_count: 1,
            repetitions: 8,
            // Around the default's γ = 0.1 (inventory skew γσ²τ = 0.25 tick per lot): with weaker
            // skew the inventory limit binds again (docs/experiments.md).
            risk_aversion: vec![0.03, 0.1, 0.3],
            half_spread_ticks: vec![1.0, 2.0, 4.0],
            quote_size: vec![3, 5, 10],
            // Competing market makers and a noise book put the default's quoted spread near
            // 1.3 ticks; the band rules out a one-tick-locked or a deserted book.
            target_quoted_spread_ticks: [1.0, 4.0],
            target_mm_fill_rate: [0.02, 1.0],
            max_spread_ci_halfwidth_ticks: 3.0,
            sensitivity_informed_count: vec![0, 2, 5, 10, 20],
            sensitivity_latency_scale: vec![0.25, 1.0, 4.0, 16.0],
        }
    }
}

impl CalibrationConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f: &str| format!("{path}.{f}");
        require(
            (2..=10_000).contains(&self.repetitions),
            &p("repetitions"),
            self.repetitions,
            "must be in [2, 10000]",
        )?;
        for (name, len) in [
            ("risk_aversion", self.risk_aversion.len()),
            ("half_spread_ticks", self.half_spread_ticks.len()),
            ("quote_size", self.quote_size.len()),
            (
                "sensitivity_informed_count",
                self.sensitivity_informed_count.len(),
            ),
            (
                "sensitivity_latency_scale",
                self.sensitivity_latency_scale.len(),
            ),
        ] {
            require(len > 0, &p(name), "[]", "give at least one value")?;
        }
        // Counted before any candidate is built (each candidate's runs clone the scenario).
        let candidates = self
            .risk_aversion
            .len()
            .saturating_mul(self.half_spread_ticks.len())
            .saturating_mul(self.quote_size.len());
        require(
            candidates <= super::grid::MAX_CELLS,
            path,
            candidates,
            &format!(
                "the candidates (risk_aversion × half_spread_ticks × quote_size values) must be \
                 at most {}",
                super::grid::MAX_CELLS
            ),
        )?;
        let sensitivity = self
            .sensitivity_informed_count
            .len()
            .saturating_mul(self.sensitivity_latency_scale.len());
        require(
            sensitivity <= super::grid::MAX_CELLS,
            path,
            sensitivity,
            &format!(
                "the sensitivity cells (sensitivity_informed_count × sensitivity_latency_scale \
                 values) must be at most {}",
                super::grid::MAX_CELLS
            ),
        )?;
        for (i, x) in self.risk_aversion.iter().enumerate() {
            require_risk_aversion(&format!("{path}.risk_aversion[{i}]"), *x)?;
        }
        for (i, x) in self.half_spread_ticks.iter().enumerate() {
            require_half_spread(&format!("{path}.half_spread_ticks[{i}]"), *x)?;
        }
        for (i, x) in self.quote_size.iter().enumerate() {
            require_quote_size(&format!("{path}.quote_size[{i}]"), *x)?;
        }
        for (i, x) in self.sensitivity_latency_scale.iter().enumerate() {
            require(
                x.is_finite() && *x > 0.0 && *x <= 1000.0,
                &format!("{path}.sensitivity_latency_scale[{i}]"),
                x,
                "must be in (0, 1000]",
            )?;
        }
        for (name, [lo, hi]) in [
            (
                "target_quoted_spread_ticks",
                self.target_quoted_spread_ticks,
            ),
            ("target_mm_fill_rate", self.target_mm_fill_rate),
        ] {
            require(
                lo.is_finite() && hi.is_finite() && lo >= 0.0 && lo <= hi,
                &p(name),
                format!("[{lo}, {hi}]"),
                "must be [low, high] with 0 <= low <= high",
            )?;
        }
        require_non_negative(
            &p("max_spread_ci_halfwidth_ticks"),
            self.max_spread_ci_halfwidth_ticks,
        )
    }

    /// Every candidate regime, in a fixed order (risk aversion outer, then half-spread, then size).
    pub fn candidates(&self) -> Vec<MarketMakerRegime> {
        let mut v = Vec::new();
        for &risk_aversion in &self.risk_aversion {
            for &half_spread_ticks in &self.half_spread_ticks {
                for &quote_size in &self.quote_size {
                    v.push(MarketMakerRegime {
                        risk_aversion,
                        half_spread_ticks,
                        quote_size,
                    });
                }
            }
        }
        v
    }
}

/// A `[low, high]` band: exactly two numbers. (A fixed-size array alone would let the TOML
/// reader drop a third value unseen.)
fn band<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f64; 2], D::Error> {
    let v = Vec::<f64>::deserialize(d)?;
    <[f64; 2]>::try_from(v.as_slice()).map_err(|_| {
        serde::de::Error::custom(format!(
            "expected a band [low, high] of exactly 2 numbers, found {} values",
            v.len()
        ))
    })
}

/// A candidate's (or a selected regime's) risk aversion: a market maker's coefficient range.
fn require_risk_aversion(path: &str, x: f64) -> Result<(), ConfigError> {
    require_coefficient(path, x)
}

/// A candidate's base half-spread, in ticks.
fn require_half_spread(path: &str, x: f64) -> Result<(), ConfigError> {
    require(
        x.is_finite() && x > 0.0 && x <= 1e6,
        path,
        number(x),
        "must be in (0, 1e6]",
    )
}

/// A candidate's quote size, in lots.
fn require_quote_size(path: &str, x: i64) -> Result<(), ConfigError> {
    require(
        (1..=1_000_000).contains(&x),
        path,
        x,
        "must be in [1, 1000000]",
    )
}

/// The market-maker parameters calibration chooses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketMakerRegime {
    pub risk_aversion: f64,
    pub half_spread_ticks: f64,
    pub quote_size: i64,
}

impl MarketMakerRegime {
    /// The ranges of a `[calibration]` candidate (`risk_aversion` in [0, 1e6], `half_spread_ticks`
    /// in (0, 1e6], `quote_size` in [1, 1000000]), for a regime read from a calibration file.
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        require_risk_aversion(&format!("{path}.risk_aversion"), self.risk_aversion)?;
        require_half_spread(&format!("{path}.half_spread_ticks"), self.half_spread_ticks)?;
        require_quote_size(&format!("{path}.quote_size"), self.quote_size)
    }

    pub fn label(&self) -> String {
        format!(
            "risk_aversion={},half_spread_ticks={},quote_size={}",
            self.risk_aversion, self.half_spread_ticks, self.quote_size
        )
    }
}

impl super::Scenario {
    /// This scenario with every market maker using `regime` (the inventory limit is raised to
    /// the quote size if needed, so the regime is always valid).
    pub fn with_regime(&self, regime: &MarketMakerRegime) -> super::Scenario {
        let mut sc = self.clone();
        for g in sc
            .agents
            .market_maker
            .iter_mut()
            .flat_map(|p| p.groups.iter_mut())
        {
            let c = &mut g.params;
            c.risk_aversion = regime.risk_aversion;
            c.half_spread_ticks = regime.half_spread_ticks;
            c.min_half_spread_ticks = c.min_half_spread_ticks.min(regime.half_spread_ticks);
            c.max_half_spread_ticks = c.max_half_spread_ticks.max(regime.half_spread_ticks);
            c.quote_size = regime.quote_size;
            c.inventory_limit = c.inventory_limit.max(regime.quote_size);
        }
        sc
    }
}
