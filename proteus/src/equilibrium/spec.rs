//! The strategies file of an empirical game (`--strategies FILE`, TOML; the built-in default is
//! `scenarios/equilibrium/bcs_speed.toml`): the roles, their players and strategies, the
//! mechanisms, repetitions and bootstrap draws. A strategy is a named population of one of the
//! scenario's agent types (`agent`, the key under `[agents]`, and `population`, that
//! population's table without `count`), or `agent = "none"` (the player stays out), with a
//! cost per second of simulated time (`cost_per_s`, in ticks: e.g. what speed costs).
//!
//! A profile's scenario is the base scenario with, for every strategy that has players, one
//! population group of that many agents appended under its agent key.

use crate::core::config_error::ConfigError;
use crate::scenario::{MechanismSettings, Scenario};
use serde::Deserialize;
use thiserror::Error;

/// The agent keys a strategy may name (every population key of `[agents]`).
pub const AGENT_KEYS: [&str; 12] = [
    "market_maker",
    "informed",
    "noise",
    "arbitrageur",
    "bayesian_dealer",
    "sequential_trader",
    "fixed_spread",
    "poisson_taker",
    "value",
    "momentum",
    "ladder_market_maker",
    "metaorder",
];

/// The most full-game profiles one game may simulate per mechanism.
pub const MAX_PROFILES: usize = 2_000;

#[derive(Debug, Error)]
pub enum SpecError {
    #[error("strategies file {file}: {message}")]
    Parse { file: String, message: String },
    #[error("strategies file {file}: {cause}")]
    Invalid { file: String, cause: ConfigError },
    #[error(
        "strategies file {file}: {path} ({strategy}): the scenario it makes is invalid: {cause}"
    )]
    Strategy {
        file: String,
        path: String,
        strategy: String,
        cause: String,
    },
    #[error("scenario {file}: {message}")]
    Scenario { file: String, message: String },
}

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GameSpec {
    /// The game's name (letters, digits, `_`, `-`).
    pub game: String,
    /// The base scenario, relative to the strategies file (`--scenario` overrides it).
    #[serde(default)]
    pub scenario: Option<String>,
    /// Mechanism specs (`clob`, `fba:100ms`, `rfq:3`); `--mechanisms` overrides them.
    pub mechanisms: Vec<String>,
    /// Runs per simulated profile and mechanism (`--repetitions` overrides it).
    pub repetitions: u64,
    /// Runs per equilibrium and mechanism that measure its welfare.
    pub welfare_repetitions: u64,
    /// Bootstrap draws over the payoff runs (0: none).
    pub bootstrap: u64,
    pub roles: Vec<RoleFile>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoleFile {
    pub name: String,
    /// Players of the full game.
    pub players: u32,
    /// Players of the reduced game (deviation-preserving reduction); `players` when absent.
    #[serde(default)]
    pub reduced_players: Option<u32>,
    pub strategies: Vec<StrategyFile>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrategyFile {
    pub name: String,
    /// An agent key of `[agents]` ([`AGENT_KEYS`]) or `none`.
    pub agent: String,
    /// Ticks per second of simulated time the strategy costs (e.g. speed).
    #[serde(default)]
    pub cost_per_s: f64,
    /// The population's table, without `count`.
    #[serde(default)]
    pub population: toml::Table,
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn invalid(file: &str, field: &str, value: impl std::fmt::Display, allowed: &str) -> SpecError {
    SpecError::Invalid {
        file: file.to_owned(),
        cause: ConfigError::new(field, value, allowed),
    }
}

impl RoleFile {
    pub fn reduced(&self) -> u32 {
        self.reduced_players.unwrap_or(self.players)
    }
}

impl GameSpec {
    pub fn from_toml(text: &str, file: &str) -> Result<GameSpec, SpecError> {
        let spec: GameSpec = toml::from_str(text).map_err(|e| SpecError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        Ok(spec)
    }

    /// Every field's range (the scenario-dependent checks are in [`GameSpec::check_against`]).
    pub fn check(&self, file: &str) -> Result<(), SpecError> {
        if !name_ok(&self.game) {
            return Err(invalid(
                file,
                "game",
                &self.game,
                "1 to 64 of a-z, 0-9, _ and -",
            ));
        }
        if self.mechanisms.is_empty() || self.mechanisms.len() > 8 {
            return Err(invalid(
                file,
                "mechanisms",
                format!("{:?}", self.mechanisms),
                "must list 1 to 8 mechanisms",
            ));
        }
        for (i, m) in self.mechanisms.iter().enumerate() {
            MechanismSettings::default()
                .with_spec(m)
                .map_err(|e| invalid(file, &format!("mechanisms[{i}]"), m, &e.why))?;
        }
        for (field, v, lo) in [
            ("repetitions", self.repetitions, 2),
            ("welfare_repetitions", self.welfare_repetitions, 2),
            ("bootstrap", self.bootstrap, 0),
        ] {
            if !(lo..=100_000).contains(&v) {
                return Err(invalid(
                    file,
                    field,
                    v,
                    &format!("must be in [{lo}, 100000]"),
                ));
            }
        }
        if self.roles.is_empty() || self.roles.len() > 4 {
            return Err(invalid(
                file,
                "roles",
                self.roles.len(),
                "must list 1 to 4 roles",
            ));
        }
        let several = self.roles.len() > 1;
        for (r, role) in self.roles.iter().enumerate() {
            let p = |f: &str| format!("roles[{r}].{f}");
            if !name_ok(&role.name) || self.roles[..r].iter().any(|o| o.name == role.name) {
                return Err(invalid(
                    file,
                    &p("name"),
                    &role.name,
                    "1 to 64 of a-z, 0-9, _ and -, unique among roles",
                ));
            }
            if !(1..=100).contains(&role.players) {
                return Err(invalid(
                    file,
                    &p("players"),
                    role.players,
                    "must be in [1, 100]",
                ));
            }
            let (n, m) = (role.players, role.reduced());
            let dpr = (1..=n).contains(&m)
                && (m == n || (m > 1 && (n - 1) % (m - 1) == 0 && (!several || n % m == 0)));
            if !dpr {
                return Err(invalid(
                    file,
                    &p("reduced_players"),
                    m,
                    &format!(
                        "must be in [1, players = {n}] with (players - 1) divisible by \
                         (reduced_players - 1){} (deviation-preserving reduction), or equal \
                         to players",
                        if several {
                            " and players divisible by reduced_players (several roles)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            if role.strategies.is_empty() || role.strategies.len() > 8 {
                return Err(invalid(
                    file,
                    &p("strategies"),
                    role.strategies.len(),
                    "must list 1 to 8 strategies",
                ));
            }
            for (s, st) in role.strategies.iter().enumerate() {
                let q = |f: &str| format!("roles[{r}].strategies[{s}].{f}");
                if !name_ok(&st.name) || role.strategies[..s].iter().any(|o| o.name == st.name) {
                    return Err(invalid(
                        file,
                        &q("name"),
                        &st.name,
                        "1 to 64 of a-z, 0-9, _ and -, unique within the role",
                    ));
                }
                if st.agent != "none" && !AGENT_KEYS.contains(&st.agent.as_str()) {
                    return Err(invalid(
                        file,
                        &q("agent"),
                        &st.agent,
                        &format!("one of none, {}", AGENT_KEYS.join(", ")),
                    ));
                }
                if !(st.cost_per_s.is_finite() && (0.0..=1e12).contains(&st.cost_per_s)) {
                    return Err(invalid(
                        file,
                        &q("cost_per_s"),
                        st.cost_per_s,
                        "must be in [0, 1e12] ticks per second",
                    ));
                }
                if st.population.contains_key("count") {
                    return Err(invalid(
                        file,
                        &q("population.count"),
                        "set",
                        "must be left out: the profile sets how many agents play it",
                    ));
                }
                if st.agent == "none" && st.cost_per_s != 0.0 {
                    return Err(invalid(
                        file,
                        &q("cost_per_s"),
                        st.cost_per_s,
                        "must be 0 for agent = \"none\" (a player who stays out pays nothing)",
                    ));
                }
                if st.agent == "none" && !st.population.is_empty() {
                    return Err(invalid(
                        file,
                        &q("population"),
                        "a table",
                        "must be empty for agent = \"none\" (a player who stays out)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Each strategy's population, played by one agent in the base scenario, must make a
    /// valid scenario: the error names the strategy.
    pub fn check_against(&self, base: &BaseScenario, file: &str) -> Result<(), SpecError> {
        for (r, role) in self.roles.iter().enumerate() {
            for (s, st) in role.strategies.iter().enumerate() {
                if st.agent == "none" {
                    continue;
                }
                let mut profile: Vec<Vec<u32>> = self
                    .roles
                    .iter()
                    .map(|ro| vec![0; ro.strategies.len()])
                    .collect();
                profile[r][s] = 1;
                base.scenario_for(self, &profile, None)
                    .map_err(|cause| SpecError::Strategy {
                        file: file.to_owned(),
                        path: format!("roles[{r}].strategies[{s}]"),
                        strategy: st.name.clone(),
                        cause,
                    })?;
            }
        }
        Ok(())
    }
}

/// The base scenario of a game, as its TOML table (profiles append groups to it).
#[derive(Clone, Debug)]
pub struct BaseScenario {
    pub file: String,
    pub table: toml::Table,
    pub scenario: Scenario,
}

/// Where each strategy's agents are in a profile's scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// `ids[r][s]`: the agent ids playing strategy `s` of role `r`.
    pub ids: Vec<Vec<std::ops::Range<u32>>>,
}

impl BaseScenario {
    pub fn from_toml(text: &str, file: &str) -> Result<BaseScenario, SpecError> {
        let scenario = Scenario::from_toml(text, file).map_err(|e| SpecError::Scenario {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let table: toml::Table = toml::from_str(text).map_err(|e| SpecError::Scenario {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        Ok(BaseScenario {
            file: file.to_owned(),
            table,
            scenario,
        })
    }

    /// Overrides the master seed (`--seed`).
    pub fn set_seed(&mut self, seed: u64) {
        self.scenario.seed = seed;
    }

    /// The scenario of a full-game profile (module docs) under `mechanism` (the base's when
    /// `None`), and where each strategy's agents are.
    pub fn scenario_for(
        &self,
        spec: &GameSpec,
        profile: &[Vec<u32>],
        mechanism: Option<&str>,
    ) -> Result<(Scenario, Placement), String> {
        let mut t = self.table.clone();
        let agents = t
            .entry("agents")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or("`agents` is not a table")?;
        // (key, index of the group within the key) of each strategy that has players.
        let mut groups: Vec<Vec<Option<(String, usize)>>> = Vec::new();
        for (r, role) in spec.roles.iter().enumerate() {
            let mut row = Vec::new();
            for (s, st) in role.strategies.iter().enumerate() {
                let count = profile[r][s];
                if count == 0 || st.agent == "none" {
                    row.push(None);
                    continue;
                }
                let entry = agents
                    .entry(st.agent.clone())
                    .or_insert_with(|| toml::Value::Array(Vec::new()));
                if let toml::Value::Table(single) = entry {
                    *entry = toml::Value::Array(vec![toml::Value::Table(single.clone())]);
                }
                let list = entry.as_array_mut().ok_or_else(|| {
                    format!("agents.{} is neither a table nor an array", st.agent)
                })?;
                let mut group = st.population.clone();
                group.insert("count".to_owned(), toml::Value::Integer(i64::from(count)));
                row.push(Some((st.agent.clone(), list.len())));
                list.push(toml::Value::Table(group));
            }
            groups.push(row);
        }
        let text = toml::to_string(&t).map_err(|e| e.to_string())?;
        let mut sc = Scenario::from_toml(&text, &self.file).map_err(|e| e.to_string())?;
        sc.seed = self.scenario.seed;
        if let Some(m) = mechanism {
            sc.mechanism = sc.mechanism.with_spec(m).map_err(|e| e.to_string())?;
        }
        let ranges = sc.group_ranges();
        let ids = groups
            .iter()
            .map(|row| {
                row.iter()
                    .map(|g| match g {
                        None => 0..0,
                        Some((key, i)) => ranges
                            .iter()
                            .find(|(k, j, _)| k == key && j == i)
                            .map(|(_, _, r)| r.clone())
                            .expect("the group was just added"),
                    })
                    .collect()
            })
            .collect();
        Ok((sc, Placement { ids }))
    }
}
