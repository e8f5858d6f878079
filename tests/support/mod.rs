//! Support shared by every test binary: each `tests/<name>/main.rs` includes it with
//! `#[path = "../support/mod.rs"] mod support;`. No binary uses every helper, hence the
//! `#[allow(dead_code)]` on those `mod support` lines.
//!
//! - [`builders`]: venue requests, outputs and resting orders by hand, the line-by-line
//!   comparison of expected and actual outputs, the quantity ledger of the model tests.
//! - [`scratch`]: a unique temporary folder, removed on drop.
//! - [`scenarios`]: the default scenario shortened, under another mechanism, small calibration
//!   grids, the TOML pieces of the hand-built markets, and what a run log says of one agent.
//! - [`bundles`]: a bundle's files, its manifest and the digests it lists, pack executions.
//! - [`stats`]: the Kolmogorov–Smirnov distance from the unit exponential and time rescaling.
//! - [`strategies`]: proptest strategies of the model tests (side, quantity, time in force).

pub mod builders;
pub mod bundles;
pub mod scenarios;
pub mod scratch;
pub mod stats;
pub mod strategies;

/// `rel` in the repository (the folder above `proteus/`): `repo_path("scenarios")`.
pub fn repo_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

/// The number of property cases: `PROPTEST_CASES` when set, 256 otherwise.
pub fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}
