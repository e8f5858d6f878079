//! A population of identical agents in a scenario file: `count`, a `latency` profile, and the
//! agent type's own parameters, all in one TOML table (`[agents.noise]`), so the field paths a
//! user sees are `agents.noise.rate_per_s`, `agents.noise.latency.submit.ns`, ...

use crate::execution::LatencyProfile;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Population<C> {
    pub count: u32,
    pub latency: LatencyProfile,
    /// The simulator tells each agent of the population the true value at time 0 and at every
    /// change, after its market-data latency (`knows_value = true`; only where the agent type
    /// uses it: market makers and informed traders). Left out of a serialised scenario when
    /// false, so manifests without it are unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub knows_value: bool,
    /// How the population's arrivals (its agents' Poisson wakes, orders or observations) come:
    /// independent Poisson clocks (the default; left out of a serialised scenario), or one
    /// Hawkes process for the whole population (`arrivals = { kind = "hawkes", ... }`), each
    /// event given to one of its agents at random. Only where the agent type arrives at
    /// Poisson times.
    #[serde(default, skip_serializing_if = "ArrivalLaw::is_poisson")]
    pub arrivals: ArrivalLaw,
    #[serde(flatten)]
    pub params: C,
}

/// The arrival process of a population (`arrivals` in its table).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ArrivalLaw {
    /// Each agent on its own Poisson clock, at the rate its parameters set.
    #[default]
    Poisson,
    /// One self-exciting process for the population (`core::hawkes`), of the same mean rate as
    /// the Poisson clocks together (`count` × the agent's rate): each arrival raises the rate by
    /// `branching_ratio / decay_s`, decaying with time constant `decay_s` seconds. `decay_s`
    /// may be a list (a kernel of several exponentials, sharing the branching ratio by
    /// `weights`, equal shares by default): time constants over decades approximate a
    /// power-law kernel.
    Hawkes {
        branching_ratio: f64,
        decay_s: Decays,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        weights: Option<Vec<f64>>,
    },
}

/// One decay time or a list of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Decays {
    One(f64),
    Many(Vec<f64>),
}

impl Decays {
    pub fn values(&self) -> Vec<f64> {
        match self {
            Decays::One(d) => vec![*d],
            Decays::Many(v) => v.clone(),
        }
    }
}

impl ArrivalLaw {
    pub fn is_poisson(&self) -> bool {
        matches!(self, ArrivalLaw::Poisson)
    }

    pub fn validate(&self, path: &str) -> Result<(), crate::core::ConfigError> {
        match self {
            ArrivalLaw::Poisson => Ok(()),
            ArrivalLaw::Hawkes {
                branching_ratio,
                decay_s,
                weights,
            } => {
                let d = decay_s.values();
                let w = weights.clone().unwrap_or_else(|| equal_weights(d.len()));
                crate::core::hawkes::validate(path, *branching_ratio, &d, &w)
            }
        }
    }

    /// The process of mean rate `rate_per_s` this law gives a population; `None` if Poisson.
    pub fn hawkes(&self, rate_per_s: f64) -> Option<crate::core::hawkes::HawkesParams> {
        match self {
            ArrivalLaw::Poisson => None,
            ArrivalLaw::Hawkes {
                branching_ratio,
                decay_s,
                weights,
            } => {
                let d = decay_s.values();
                let w = weights.clone().unwrap_or_else(|| equal_weights(d.len()));
                Some(crate::core::hawkes::HawkesParams::with_mean_rate(
                    rate_per_s,
                    *branching_ratio,
                    &d,
                    &w,
                ))
            }
        }
    }
}

fn equal_weights(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

// serde's `flatten` cannot be combined with `deny_unknown_fields`, so the table is split by
// hand: `count` and `latency` are taken out and the rest must be exactly the agent's parameters
// (whose own `deny_unknown_fields` then rejects any stray key).
impl<'de, C: DeserializeOwned> Deserialize<'de> for Population<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(deserializer)?;
        let count = table
            .remove("count")
            .ok_or_else(|| D::Error::missing_field("count"))?;
        let count = u32::try_from(
            count
                .as_integer()
                .ok_or_else(|| D::Error::custom("`count`: expected an integer"))?,
        )
        .map_err(|_| D::Error::custom("`count`: must be in [0, 4294967295]"))?;
        let latency = table
            .remove("latency")
            .ok_or_else(|| D::Error::missing_field("latency"))?;
        let latency = LatencyProfile::deserialize(latency)
            .map_err(|e| D::Error::custom(format!("in `latency`: {}", e.message())))?;
        let knows_value = match table.remove("knows_value") {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or_else(|| D::Error::custom("`knows_value`: expected true or false"))?,
        };
        let arrivals = match table.remove("arrivals") {
            None => ArrivalLaw::Poisson,
            Some(v) => ArrivalLaw::deserialize(v)
                .map_err(|e| D::Error::custom(format!("in `arrivals`: {}", e.message())))?,
        };
        let params =
            C::deserialize(toml::Value::Table(table)).map_err(|e| D::Error::custom(e.message()))?;
        Ok(Population {
            count,
            latency,
            knows_value,
            arrivals,
            params,
        })
    }
}

/// One or more populations of the same agent type: `[agents.noise]` (a table) or
/// `[[agents.noise]]` (an array of tables, e.g. fast and slow arbitrageurs). Agents are indexed
/// within their role across the populations, in file order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Populations<C> {
    pub groups: Vec<Population<C>>,
    #[serde(skip)]
    pub(crate) written_as_array: bool,
}

impl<C> Populations<C> {
    pub fn single(p: Population<C>) -> Self {
        Populations {
            groups: vec![p],
            written_as_array: false,
        }
    }

    /// Total agents over all groups.
    pub fn count(&self) -> u64 {
        self.groups.iter().map(|g| u64::from(g.count)).sum()
    }

    /// The field path of group `i` under `base`, as the user wrote it.
    pub fn path(&self, base: &str, i: usize) -> String {
        if self.written_as_array {
            format!("{base}[{i}]")
        } else {
            base.to_owned()
        }
    }
}

impl<'de, C: DeserializeOwned> Deserialize<'de> for Populations<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Array(items) => {
                let groups = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        Population::deserialize(v)
                            .map_err(|e| D::Error::custom(format!("in group {i}: {}", e.message())))
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Populations {
                    groups,
                    written_as_array: true,
                })
            }
            v @ toml::Value::Table(_) => {
                let p = Population::deserialize(v).map_err(|e| D::Error::custom(e.message()))?;
                Ok(Populations::single(p))
            }
            other => Err(D::Error::custom(format!(
                "expected a table or an array of tables, found {}",
                other.type_str()
            ))),
        }
    }
}
