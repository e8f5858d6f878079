//! The bundle format as types: the body of each kind's `manifest.json`, the rows of its tables
//! and the equilibrium bundle's `equilibria.json`, shared by the code that writes a bundle and the
//! code that reads it back (reports, audits), so a field is named once (`docs/bundle-format.md`).
//!
//! The frame of a manifest (header, files, derived) and [`BundleKind`] live in
//! [`crate::artifacts::manifest`]; the bodies here name the scenario and the seeds, so they sit
//! above `scenario` in the module order (`artifacts` ← `scenario` ← `schema` ← writers and
//! `report`).

pub mod calibration;
pub mod equilibria;
pub mod manifest;
pub mod pack_rows;
pub mod realism;
pub mod rows;

pub use crate::artifacts::manifest::{AnyManifest, BundleKind, Manifest, NoTail};
pub use equilibria::{
    EquilibriaDoc, EquilibriumBootstrap, EquilibriumEntry, MechanismEquilibria, PercentileInterval,
    RoleMixture, SolverSettings, WelfareSummary,
};
pub use manifest::{
    LobsterRecord, PackBody, PackManifest, PackSeeds, PlanRecord, RealismBody, RealismManifest,
    RunBody, RunManifest, RunSeeds, RunTail, SEED_PROTOCOL, SEED_PROTOCOL_PACK,
};
pub use pack_rows::{
    CANDIDATE_COLUMNS, CONTRAST_COLUMNS, CandidateRow, ContrastRow, PAYOFF_COLUMNS, PayoffRow,
    RUN_COLUMNS, RunRow, SENSITIVITY_COLUMNS, SUMMARY_COLUMNS, SensitivityRow, SummaryRow,
    WELFARE_COLUMNS, WELFARE_CONTRAST_COLUMNS, WelfareContrastRow, WelfareRow,
};
pub use rows::{
    FILL_COLUMNS, FUNDAMENTAL_COLUMNS, FillRow, FundamentalRow, QUOTE_COLUMNS, QuoteRow,
    REPLAY_FILL_COLUMNS, ReplayFillRow,
};
