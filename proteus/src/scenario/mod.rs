//! Scenario files: everything a run needs, in TOML, validated before anything runs.
//!
//! Unknown keys are refused; every number is range-checked; an error names the file, the field
//! path (e.g. `agents.noise.rate_per_s`), the bad value and what is allowed.

mod budget;
mod calibration;
mod grid;
mod mechanism;
mod population;

pub use budget::{EVENTS_PER_ACTION, EventEstimate, EventTerm, events_label};
pub use calibration::{CalibrationConfig, MarketMakerRegime};
pub use grid::{Cell, FACTOR_COLUMNS, GridConfig, MAX_CELLS};
pub use mechanism::{MechanismSettings, MechanismSpecError};
pub use population::{ArrivalLaw, Decays, Population, Populations};

use crate::agents::{
    ArbitrageurConfig, BayesianDealerConfig, FixedSpreadConfig, InformedConfig, LadderMakerConfig,
    MarketMakerConfig, MetaorderConfig, MomentumConfig, NoiseConfig, PoissonTakerConfig,
    SequentialTraderConfig, ValueConfig,
};
use crate::artifacts::{MAX_CONFIG_FILE_BYTES, ReadLimitError, read_limited};
use crate::core::config_error::{ConfigError, echo, require};
use crate::core::{Duration, SimTime};
use crate::execution::LeakageConfig;
use crate::info::{FundamentalConfig, NewsConfig};
use crate::mechanisms::{ClobConfig, MechanismConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;
use thiserror::Error;

/// The built-in default scenario (the same file as `scenarios/default.toml`).
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../../scenarios/default.toml");

/// Longest run a scenario may ask for: one week of simulated time.
pub const MAX_DURATION_S: f64 = 7.0 * 86_400.0;
/// Most agents one run may hold.
pub const MAX_AGENTS: u64 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name; an input of the seed protocol.
    pub id: String,
    /// The master seed (`--seed` overrides it).
    pub seed: u64,
    /// Simulated duration of one run, in seconds.
    pub duration_s: f64,
    #[serde(default)]
    pub market: ClobConfig,
    #[serde(default)]
    pub mechanism: MechanismSettings,
    pub fundamental: FundamentalConfig,
    #[serde(default = "NewsConfig::none")]
    pub news: NewsConfig,
    pub agents: Agents,
    /// Overrides of the default leakage (visibility) policy, per mechanism and field.
    #[serde(default)]
    pub leakage: LeakageConfig,
    /// The cells a baseline pack runs (one cell, the scenario itself, when absent).
    #[serde(default)]
    pub grid: GridConfig,
    /// The market-maker regimes `cargo xtask calibrate` searches (built-in defaults when absent).
    #[serde(default)]
    pub calibration: CalibrationConfig,
}

/// The agent populations. Agent ids are assigned in this order: market makers, informed traders,
/// noise traders, arbitrageurs, Bayesian (Glosten–Milgrom) dealers, sequential traders,
/// fixed-spread providers (so a new field at the end never moves the ids of existing scenarios).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agents {
    pub market_maker: Option<Populations<MarketMakerConfig>>,
    pub informed: Option<Populations<InformedConfig>>,
    pub noise: Option<Populations<NoiseConfig>>,
    pub arbitrageur: Option<Populations<ArbitrageurConfig>>,
    // The populations added after the original four are left out of a serialised scenario when
    // absent, so manifests of scenarios without them stay byte-identical.
    /// Glosten–Milgrom dealers (role `market_maker`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bayesian_dealer: Option<Populations<BayesianDealerConfig>>,
    /// Glosten–Milgrom traders, one arrival per period (role `informed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_trader: Option<Populations<SequentialTraderConfig>>,
    /// Budish–Cramton–Shim fixed-spread providers (role `market_maker`; streams
    /// `agent/fixed_spread/{i}`, `latency/fixed_spread/{i}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_spread: Option<Populations<FixedSpreadConfig>>,
    /// Avellaneda–Stoikov liquidity takers (role `noise`; streams `agent/poisson_taker/{i}`,
    /// `latency/poisson_taker/{i}`): told the true value (the mid) at every change, they take
    /// the best quotes with probability `min(1, A·e^(−kδ)·Δt)` per side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poisson_taker: Option<Populations<PoissonTakerConfig>>,
    /// ABIDES-style value agents (role `informed`; streams `agent/value/{i}`): noisy
    /// observations of the fundamental at Poisson times, a Kalman estimate of a mean-reverting
    /// value, one limit order per observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Populations<ValueConfig>>,
    /// ABIDES-style momentum agents (role `noise`; streams `agent/momentum/{i}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<Populations<MomentumConfig>>,
    /// ABIDES-style ladder market makers (role `market_maker`; streams
    /// `agent/ladder_market_maker/{i}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder_market_maker: Option<Populations<LadderMakerConfig>>,
    /// Metaorder traders (role `noise`; streams `agent/metaorder/{i}`): power-law parent
    /// orders split into market-order children, the source of long memory in order signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metaorder: Option<Populations<MetaorderConfig>>,
}

#[derive(Debug, Error)]
pub enum ScenarioError {
    /// Reading the scenario file failed (`reading scenario PATH: why`).
    #[error(transparent)]
    Read(#[from] crate::artifacts::IoError),
    #[error(
        "scenario {file} is larger than {limit} bytes ({} MiB), the most a scenario file may \
         hold; nothing past that was read",
        .limit >> 20
    )]
    TooLarge { file: String, limit: u64 },
    #[error("scenario {file}: {message}")]
    Parse { file: String, message: String },
    #[error("scenario {file}: {cause}")]
    Invalid { file: String, cause: ConfigError },
}

impl Scenario {
    /// The built-in default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::from_toml(DEFAULT_SCENARIO_TOML, "<built-in default>")
            .expect("the built-in scenario is valid (tested)")
    }

    /// Reads and validates a scenario file of at most [`MAX_CONFIG_FILE_BYTES`].
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let read = |cause| {
            ScenarioError::from(crate::artifacts::IoError::new(
                "reading scenario",
                path,
                cause,
            ))
        };
        let bytes = read_limited(path, MAX_CONFIG_FILE_BYTES).map_err(|e| match e {
            ReadLimitError::Io(cause) => read(cause),
            ReadLimitError::TooLarge { limit } => ScenarioError::TooLarge {
                file: file.clone(),
                limit,
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            read(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 text ({e})"),
            ))
        })?;
        Scenario::from_toml(&text, &file)
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            file: file.to_owned(),
            // toml quotes the offending line: at most 80 characters of each.
            message: e
                .to_string()
                .trim_end()
                .lines()
                .map(echo)
                .collect::<Vec<_>>()
                .join("\n"),
        })?;
        scenario
            .validate()
            .map_err(|cause| ScenarioError::Invalid {
                file: file.to_owned(),
                cause,
            })?;
        Ok(scenario)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        require(
            !self.id.is_empty() && self.id.len() <= 200,
            "id",
            format!("{:?}", self.id),
            "must be 1 to 200 characters",
        )?;
        // The id is printed to the console and written into file headers: no escape sequences.
        require(
            !self.id.chars().any(char::is_control),
            "id",
            format!("{:?}", self.id),
            "must not hold control characters (newlines, tabs, escape sequences)",
        )?;
        require(
            self.duration_s.is_finite()
                && self.duration_s > 0.0
                && self.duration_s <= MAX_DURATION_S,
            "duration_s",
            self.duration_s,
            "must be in (0, 604800] seconds",
        )?;
        require(
            (1..=1_000_000).contains(&self.market.tick_size),
            "market.tick_size",
            self.market.tick_size,
            "must be in [1, 1000000]",
        )?;
        require(
            (1..=1_000_000).contains(&self.market.lot_size),
            "market.lot_size",
            self.market.lot_size,
            "must be in [1, 1000000]",
        )?;
        require(
            self.market.cancel_delay_ns <= 3_600_000_000_000,
            "market.cancel_delay_ns",
            self.market.cancel_delay_ns,
            "must be in [0, 3600000000000] (0 = off, at most 1 h)",
        )?;
        self.mechanism.validate("mechanism")?;
        self.fundamental.validate("fundamental")?;
        self.news.validate("news")?;
        let a = &self.agents;
        validate_populations(
            &a.market_maker,
            "agents.market_maker",
            MarketMakerConfig::validate,
            VALUE,
        )?;
        validate_populations(
            &a.informed,
            "agents.informed",
            InformedConfig::validate,
            VALUE,
        )?;
        validate_populations(&a.noise, "agents.noise", NoiseConfig::validate, HAWKES)?;
        validate_populations(
            &a.arbitrageur,
            "agents.arbitrageur",
            ArbitrageurConfig::validate,
            NEITHER,
        )?;
        validate_populations(
            &a.bayesian_dealer,
            "agents.bayesian_dealer",
            BayesianDealerConfig::validate,
            NEITHER,
        )?;
        validate_populations(
            &a.sequential_trader,
            "agents.sequential_trader",
            SequentialTraderConfig::validate,
            NEITHER,
        )?;
        validate_populations(
            &a.fixed_spread,
            "agents.fixed_spread",
            FixedSpreadConfig::validate,
            NEITHER,
        )?;
        validate_populations(
            &a.poisson_taker,
            "agents.poisson_taker",
            PoissonTakerConfig::validate,
            NEITHER,
        )?;
        validate_populations(&a.value, "agents.value", ValueConfig::validate, HAWKES)?;
        validate_populations(
            &a.momentum,
            "agents.momentum",
            MomentumConfig::validate,
            HAWKES,
        )?;
        validate_populations(
            &a.ladder_market_maker,
            "agents.ladder_market_maker",
            LadderMakerConfig::validate,
            HAWKES,
        )?;
        validate_populations(
            &a.metaorder,
            "agents.metaorder",
            MetaorderConfig::validate,
            HAWKES,
        )?;
        let total = self.agent_count();
        require(
            (1..=MAX_AGENTS).contains(&total),
            "agents",
            total,
            "the total count must be in [1, 1000000]",
        )?;
        self.leakage.validate("leakage")?;
        self.grid.validate("grid", self)?;
        self.calibration.validate("calibration")
    }

    /// Total number of agents.
    pub fn agent_count(&self) -> u64 {
        let a = &self.agents;
        [
            a.market_maker.as_ref().map(Populations::count),
            a.informed.as_ref().map(Populations::count),
            a.noise.as_ref().map(Populations::count),
            a.arbitrageur.as_ref().map(Populations::count),
            a.bayesian_dealer.as_ref().map(Populations::count),
            a.sequential_trader.as_ref().map(Populations::count),
            a.fixed_spread.as_ref().map(Populations::count),
            a.poisson_taker.as_ref().map(Populations::count),
            a.value.as_ref().map(Populations::count),
            a.momentum.as_ref().map(Populations::count),
            a.ladder_market_maker.as_ref().map(Populations::count),
            a.metaorder.as_ref().map(Populations::count),
        ]
        .into_iter()
        .flatten()
        .sum()
    }

    /// Every population group in agent id order: its TOML key under `[agents]`, its index among
    /// that key's groups, and the ids of its agents (`sim::run` numbers agents in this order, key
    /// by key, group by group; `tests/science/equilibrium.rs` holds it to the simulator).
    pub fn group_ranges(&self) -> Vec<(&'static str, usize, std::ops::Range<u32>)> {
        fn counts<C>(p: &Option<Populations<C>>) -> Vec<u32> {
            p.iter()
                .flat_map(|p| p.groups.iter().map(|g| g.count))
                .collect()
        }
        let a = &self.agents;
        let keys = [
            ("market_maker", counts(&a.market_maker)),
            ("informed", counts(&a.informed)),
            ("noise", counts(&a.noise)),
            ("arbitrageur", counts(&a.arbitrageur)),
            ("bayesian_dealer", counts(&a.bayesian_dealer)),
            ("sequential_trader", counts(&a.sequential_trader)),
            ("fixed_spread", counts(&a.fixed_spread)),
            ("poisson_taker", counts(&a.poisson_taker)),
            ("value", counts(&a.value)),
            ("momentum", counts(&a.momentum)),
            ("ladder_market_maker", counts(&a.ladder_market_maker)),
            ("metaorder", counts(&a.metaorder)),
        ];
        let mut next = 0u32;
        let mut out = Vec::new();
        for (key, groups) in keys {
            for (i, c) in groups.into_iter().enumerate() {
                out.push((key, i, next..next + c));
                next += c;
            }
        }
        out
    }

    /// The end of a run.
    pub fn horizon(&self) -> SimTime {
        SimTime::ZERO + Duration((self.duration_s * 1e9).round() as u64)
    }

    /// The mechanism of a run of this scenario: `[mechanism]`'s `kind` with its parameters, on
    /// the grid of `[market]`.
    pub fn mechanism_config(&self) -> MechanismConfig {
        self.mechanism.config(&self.market)
    }
}

/// What a population's own table may hold besides its agent's parameters.
#[derive(Clone, Copy)]
struct Allows {
    /// `knows_value = true` (the agent type uses the value).
    value: bool,
    /// `arrivals = { kind = "hawkes", … }` (the agent type arrives at Poisson times).
    hawkes: bool,
}

const NEITHER: Allows = Allows {
    value: false,
    hawkes: false,
};
const VALUE: Allows = Allows {
    value: true,
    hawkes: false,
};
const HAWKES: Allows = Allows {
    value: false,
    hawkes: true,
};

fn validate_populations<C>(
    populations: &Option<Populations<C>>,
    base: &str,
    validate: fn(&C, &str) -> Result<(), ConfigError>,
    allows: Allows,
) -> Result<(), ConfigError> {
    let uses_value = allows.value;
    for (i, group) in populations.iter().flat_map(|p| p.groups.iter().enumerate()) {
        let path = populations
            .as_ref()
            .expect("iterating its groups")
            .path(base, i);
        group.latency.validate(&format!("{path}.latency"))?;
        require(
            uses_value || !group.knows_value,
            &format!("{path}.knows_value"),
            group.knows_value,
            "only market makers and informed traders use the value (sequential traders and \
             Poisson takers are always told it); must be false or left out",
        )?;
        require(
            allows.hawkes || group.arrivals.is_poisson(),
            &format!("{path}.arrivals"),
            "hawkes",
            "only noise, value, momentum, ladder market maker and metaorder populations arrive \
             at Poisson times; must be poisson or left out",
        )?;
        group.arrivals.validate(&format!("{path}.arrivals"))?;
        validate(&group.params, &path)?;
    }
    Ok(())
}
