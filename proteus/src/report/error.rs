use crate::artifacts::IoError;
use crate::report::PlotError;
use std::path::PathBuf;
use thiserror::Error;

/// Why a report could not be made. Every variant names the file at fault.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("{path} is missing (is this a Proteus bundle?)")]
    Missing { path: PathBuf },
    /// Reading a bundle file or writing a report file failed.
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("{path} is malformed: {why}")]
    Malformed { path: PathBuf, why: String },
    #[error(
        "{path} does not match its SHA-256 in manifest.json (the bundle was modified); \
         refusing to report on it"
    )]
    HashMismatch { path: PathBuf },
    #[error(
        "report for kind `{kind}` is not supported (reports exist for `run`, `baseline`, \
         `compare`, `calibration`, `realism` and `equilibrium` bundles)"
    )]
    UnsupportedKind { kind: String },
    #[error(
        "{path} records crate_version {found}, but this is Proteus {this}: the manifest carries \
         no digest of its own, so an edited version cannot be told from a bundle of another \
         release, and this build's report would name the wrong producer; regenerate the report \
         with Proteus {found}, or re-run the bundle's command with this build"
    )]
    VersionMismatch {
        path: PathBuf,
        found: String,
        this: &'static str,
    },
    #[error(transparent)]
    Plot(#[from] PlotError),
}
