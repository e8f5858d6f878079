//! Manifest bodies of the run, pack (baseline, comparison, calibration) and realism bundles.

use crate::artifacts::manifest::Manifest;
use crate::lobster::LobsterConfig;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// What a run bundle's `seeds.protocol` says.
pub const SEED_PROTOCOL: &str = "proteus seed protocol v1 (docs/seed-protocol.md)";
/// What a pack's (and a realism bundle's) `seeds.protocol` says.
pub const SEED_PROTOCOL_PACK: &str =
    "proteus seed protocol v1 (docs/seed-protocol.md); the mechanism and the cell are not inputs";

/// The seeds of one run: the master seed, the scenario id and the repetition, and the
/// repetition seed derived from them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSeeds {
    pub master_seed: u64,
    pub scenario_id: String,
    pub repetition: u64,
    pub repetition_seed: u64,
    pub protocol: String,
}

/// A run bundle's body: the resolved scenario and the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunBody {
    pub scenario: Scenario,
    pub seeds: RunSeeds,
}

/// How a run bundle's LOBSTER files were written (`docs/lobster.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LobsterRecord {
    #[serde(flatten)]
    pub config: LobsterConfig,
    pub message_file: String,
    pub orderbook_file: String,
    pub format: String,
}

/// What follows a run manifest's `derived`: the LOBSTER section, when the files were written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lobster: Option<LobsterRecord>,
}

/// `manifest.json` of a run bundle.
pub type RunManifest = Manifest<RunBody, RunTail>;

/// A pack's plan: its cells and mechanisms (labels), the repetitions, and the reference arm
/// every other arm is paired with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    pub cells: Vec<String>,
    pub mechanisms: Vec<String>,
    pub repetitions: u64,
    pub reference_cell: usize,
    pub reference_mechanism: usize,
}

/// The seeds of a pack: every arm runs repetitions `0..n` of one master seed and scenario id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackSeeds {
    pub master_seed: u64,
    pub scenario_id: String,
    /// `0..n`.
    pub repetitions: String,
    pub protocol: String,
}

impl PackSeeds {
    /// Repetitions `0..repetitions` of `scenario`'s seed and id.
    pub fn of(scenario: &Scenario, repetitions: u64) -> PackSeeds {
        PackSeeds {
            master_seed: scenario.seed,
            scenario_id: scenario.id.clone(),
            repetitions: format!("0..{repetitions}"),
            protocol: SEED_PROTOCOL_PACK.to_owned(),
        }
    }
}

/// A pack's body (baseline, comparison, calibration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackBody {
    /// The scenario the runs were made from (the calibrated one for a baseline).
    pub scenario: Scenario,
    /// `None` for a calibration, whose plan is its regime search (`calibration.json`).
    pub plan: Option<PlanRecord>,
    pub seeds: PackSeeds,
    /// Where a baseline's regime came from (`None` otherwise).
    pub calibration_source: Option<String>,
}

/// `manifest.json` of a pack.
pub type PackManifest = Manifest<PackBody>;

/// A realism bundle's body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealismBody {
    pub scenario: Scenario,
    pub seeds: PackSeeds,
    pub repetitions: u64,
    /// The sampling interval of the return series, in seconds.
    pub interval_s: u64,
}

/// `manifest.json` of a realism bundle.
pub type RealismManifest = Manifest<RealismBody>;
