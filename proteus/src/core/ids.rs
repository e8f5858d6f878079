//! Identifiers shared by every module.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An order's id, unique within a venue for the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);

/// An agent's (trader's) id, unique within a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgentId(pub u32);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The economic role of an agent. Leakage policies grant visibility by role, and the same roles
/// act as clients and dealers in RFQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    MarketMaker,
    Informed,
    Noise,
    Arbitrageur,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::MarketMaker,
        Role::Informed,
        Role::Noise,
        Role::Arbitrageur,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::MarketMaker => "market_maker",
            Role::Informed => "informed",
            Role::Noise => "noise",
            Role::Arbitrageur => "arbitrageur",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The market mechanism a run uses. Deliberately not an input of the repetition seed.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum MechanismKind {
    /// Continuous limit order book.
    #[default]
    Clob,
    /// Frequent batch auction.
    Fba,
    /// Request for quote.
    Rfq,
}

impl MechanismKind {
    pub const ALL: [MechanismKind; 3] =
        [MechanismKind::Clob, MechanismKind::Fba, MechanismKind::Rfq];

    pub fn as_str(self) -> &'static str {
        match self {
            MechanismKind::Clob => "clob",
            MechanismKind::Fba => "fba",
            MechanismKind::Rfq => "rfq",
        }
    }
}

impl fmt::Display for MechanismKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_matches_serde_names() {
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for m in MechanismKind::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
    }
}
