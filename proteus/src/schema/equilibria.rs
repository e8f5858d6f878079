//! `equilibria.json` of the equilibrium bundle as types: [`EquilibriaDoc`], built by the bundle
//! writer (`equilibrium::bundle::equilibria_doc`) and deserialized by the equilibrium report, so
//! a field is named and typed once (`docs/equilibrium.md`).
//!
//! Plain owned types, not the solver's own (`equilibrium::empirical::Bootstrap`, `Percentiles`,
//! `solve::SolverOptions`): `schema` sits below `equilibrium` in the module order, and the file
//! lists each object's keys in alphabetical order (it was first written from `serde_json::Map`s,
//! which sort their keys), while those types declare theirs in another order. So every struct
//! here declares its fields alphabetically, and name-keyed objects (a role's mixture, the welfare
//! metrics) are `BTreeMap`s: the bytes are those the `Map`s gave.

use crate::stats::{Estimate, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole of `equilibria.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EquilibriaDoc {
    /// Full-game profiles simulated per mechanism.
    pub full_profiles_per_mechanism: u64,
    /// The game's name (the strategies file's `game`).
    pub game: String,
    pub master_seed: u64,
    /// Per mechanism, in the order of the manifest's `mechanisms`.
    pub mechanisms: Vec<MechanismEquilibria>,
    /// Payoff runs per profile and mechanism.
    pub repetitions: u64,
    pub scenario_id: String,
    pub solver: SolverSettings,
}

/// One mechanism's equilibria (none when the solver found none within tolerance).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MechanismEquilibria {
    pub equilibria: Vec<EquilibriumEntry>,
    pub mechanism: String,
}

/// One equilibrium of one mechanism.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EquilibriumEntry {
    /// `None` when the game's `bootstrap` is 0.
    pub bootstrap: Option<EquilibriumBootstrap>,
    /// Its index within the mechanism (0-based, as in `welfare.csv`).
    pub equilibrium: u64,
    /// Each role's expected payoff, in role order.
    pub payoffs: Vec<f64>,
    pub regret: f64,
    /// Per role, in role order, its mixture.
    pub roles: Vec<RoleMixture>,
    /// Per welfare metric, its summary over the welfare runs; `None` for equilibria past the
    /// first few of a mechanism (`docs/equilibrium.md`).
    pub welfare: Option<BTreeMap<String, WelfareSummary>>,
}

/// One role's mixture: `{strategy: weight}` (keys sorted by name; the strategies' order is the
/// manifest's `game`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleMixture {
    pub mixture: BTreeMap<String, f64>,
    pub role: String,
}

/// An equilibrium's bootstrap over resampled payoff tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EquilibriumBootstrap {
    pub draws: u64,
    /// Per role and strategy (in the manifest's order), the weight of the nearest equilibrium
    /// of each resampled game that had one.
    pub mixture: Vec<Vec<PercentileInterval>>,
    /// The equilibrium's regret in the resampled games.
    pub regret: PercentileInterval,
    /// Resampled games that had an equilibrium.
    pub solved: u64,
}

/// A 2.5–97.5% percentile interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PercentileInterval {
    pub high: f64,
    pub low: f64,
}

/// The solver's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolverSettings {
    pub iterations: u64,
    pub max_supports: u64,
    pub random_starts: u64,
    pub seed: u64,
    pub tolerance: f64,
}

/// A [`Summary`] with its fields in alphabetical order (the order of the file).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WelfareSummary {
    pub ci95_high: Estimate,
    pub ci95_low: Estimate,
    pub max: Estimate,
    pub mean: Estimate,
    pub min: Estimate,
    pub n: u64,
    pub sd: Estimate,
    pub se: Estimate,
}

impl From<&Summary> for WelfareSummary {
    fn from(s: &Summary) -> Self {
        WelfareSummary {
            ci95_high: s.ci95_high,
            ci95_low: s.ci95_low,
            max: s.max,
            mean: s.mean,
            min: s.min,
            n: s.n as u64,
            sd: s.sd,
            se: s.se,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::MissingReason;

    fn doc() -> EquilibriaDoc {
        let welfare: BTreeMap<String, WelfareSummary> = [
            (
                "investor_cost_per_s".to_owned(),
                WelfareSummary::from(&Summary::of(&[1.0, 2.5, 4.0]).unwrap()),
            ),
            (
                "sniping_gain_per_s".to_owned(),
                WelfareSummary::from(&Summary::of(&[]).unwrap()),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            welfare["sniping_gain_per_s"].mean,
            Estimate::missing(MissingReason::EmptySample)
        );
        let mixture = |w: f64| RoleMixture {
            mixture: [("out".to_owned(), 1.0 - w), ("snipe".to_owned(), w)]
                .into_iter()
                .collect(),
            role: "firm".to_owned(),
        };
        let interval = PercentileInterval {
            high: 0.75,
            low: 0.125,
        };
        EquilibriaDoc {
            full_profiles_per_mechanism: 9,
            game: "toy".to_owned(),
            master_seed: 2015,
            mechanisms: vec![
                MechanismEquilibria {
                    equilibria: vec![
                        EquilibriumEntry {
                            bootstrap: Some(EquilibriumBootstrap {
                                draws: 5,
                                mixture: vec![vec![interval, interval]],
                                regret: interval,
                                solved: 4,
                            }),
                            equilibrium: 0,
                            payoffs: vec![497.763_576_307_148_87],
                            regret: 5.684_341_886_080_802e-14,
                            roles: vec![mixture(0.377_749_311_857_109_7)],
                            welfare: Some(welfare),
                        },
                        EquilibriumEntry {
                            bootstrap: None,
                            equilibrium: 1,
                            payoffs: vec![0.0],
                            regret: 0.0,
                            roles: vec![mixture(1.0)],
                            welfare: None,
                        },
                    ],
                    mechanism: "clob".to_owned(),
                },
                MechanismEquilibria {
                    equilibria: vec![],
                    mechanism: "fba:100ms".to_owned(),
                },
            ],
            repetitions: 3,
            scenario_id: "small".to_owned(),
            solver: SolverSettings {
                iterations: 20_000,
                max_supports: 4096,
                random_starts: 8,
                seed: 0,
                tolerance: 1e-6,
            },
        }
    }

    #[test]
    fn a_document_round_trips() {
        let d = doc();
        let bytes = serde_json::to_vec_pretty(&d).unwrap();
        let back: EquilibriaDoc = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, d);
        // The same bytes as the untyped `serde_json::Value` of the same document: every
        // object's keys in alphabetical order.
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(serde_json::to_vec_pretty(&value).unwrap(), bytes);
    }

    #[test]
    fn a_missing_field_is_an_error_naming_it() {
        let mut value = serde_json::to_value(doc()).unwrap();
        value["mechanisms"][0]["equilibria"][0]
            .as_object_mut()
            .unwrap()
            .remove("regret");
        let err = serde_json::from_slice::<EquilibriaDoc>(&serde_json::to_vec(&value).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `regret`"), "{err}");
    }
}
