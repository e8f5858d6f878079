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
    #[serde(flatten)]
    pub params: C,
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
        let params =
            C::deserialize(toml::Value::Table(table)).map_err(|e| D::Error::custom(e.message()))?;
        Ok(Population {
            count,
            latency,
            params,
        })
    }
}
