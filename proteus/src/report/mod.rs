//! Reports: a self-contained HTML page (`report.html`) and each figure as its own SVG file,
//! for run bundles (`run_report.rs`) and pack bundles: baseline, compare, calibration
//! (`pack_report.rs`), made from a bundle's files alone, so `cargo xtask report DIR` can regenerate them at any
//! time without re-running anything (`docs/report.md`).
//!
//! Building blocks, each in its own file, shared by every kind of report: [`HtmlPage`] (the
//! page: escaped text, inline CSS and SVG, no scripts, no network), [`Table`], [`LineChart`]
//! (lines, steps and points: the price path), [`ForestPlot`] (paired differences with their
//! confidence intervals) and [`Heatmap`] (a metric over a grid, with a colour bar). Charts are
//! drawn by plotters' SVG backend with fixed formatting, so a report's bytes depend only on the
//! bundle's files and the crate version.
//!
//! Report files are *derived* artifacts: the manifest lists their names under `derived` but
//! does not hash them (they can be regenerated from the hashed files, and a newer Proteus may
//! draw them differently). Before drawing, the files a report reads are checked against the
//! manifest's hashes.

mod bundle;
pub(crate) mod chart;
pub(crate) mod equilibrium_report;
mod error;
pub(crate) mod forest;
pub mod format;
mod heatmap;
pub(crate) mod html;
mod line_chart;
mod pack_report;
mod realism_report;
mod run_report;
mod table;
mod text_table;

pub use bundle::{FillRow, QuoteRow, RunFiles, read_manifest};
pub use chart::{Colour, PlotError};
pub use equilibrium_report::{EQUILIBRIUM_REPORT_FILES, build_equilibrium_report};
pub use error::ReportError;
pub use forest::{ForestPlot, ForestRow};
pub use heatmap::{ColourScale, Heatmap, Mark};
pub use html::{HtmlPage, escape};
pub use line_chart::{LineChart, Series, SeriesKind};
pub use pack_report::{REPORT_PAGE, build_pack_report, pack_report_names};
pub use realism_report::{REALISM_REPORT_FILES, build_realism_report};
pub use run_report::{
    RUN_REPORT_FILES, build_run_report, price_path_svg, run_report_of, run_report_with,
};
pub use table::{Cell, Table};
pub use text_table::{Align, TextTable};

use crate::artifacts::IoError;
use crate::schema::BundleKind;
use std::path::{Path, PathBuf};

/// The files of a report, in the order they are written (figures first, the page last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFiles {
    pub files: Vec<(String, Vec<u8>)>,
}

/// Refuses a manifest whose `crate_version` is not this build's: the report states it as the
/// bundle's producer, and the manifest (unlike the files it lists) is not hashed, so a changed
/// version could only be repeated, not checked.
fn check_crate_version(dir: &Path, manifest: &serde_json::Value) -> Result<(), ReportError> {
    let this = env!("CARGO_PKG_VERSION");
    match manifest.get("crate_version") {
        None => Ok(()),
        Some(v) if v.as_str() == Some(this) => Ok(()),
        Some(v) => Err(ReportError::VersionMismatch {
            path: dir.join("manifest.json"),
            found: crate::core::config_error::echo(&v.to_string()),
            this,
        }),
    }
}

/// Regenerates the report of the bundle in `dir` from its files, whatever its kind, and writes
/// each file atomically (a temporary file, then a rename). Returns the paths written.
///
/// The manifest is first read untyped, so a bundle of another version or of a kind without a
/// report is refused with a message that says so, before its body is parsed by its kind's type.
pub fn regenerate(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let manifest: serde_json::Value = read_manifest(dir)?;
    check_crate_version(dir, &manifest)?;
    let name = manifest
        .get("kind")
        .and_then(|k| k.as_str())
        .ok_or_else(|| ReportError::Malformed {
            path: dir.join("manifest.json"),
            why: "no `kind` (expected \"run\", \"baseline\", \"compare\", \"calibration\", \"realism\" or \"equilibrium\")"
                .to_owned(),
        })?;
    let report = match BundleKind::from_name(name) {
        Some(BundleKind::Run) => build_run_report(dir)?,
        Some(k) if k.is_pack() => build_pack_report(dir)?,
        Some(BundleKind::Realism) => build_realism_report(dir)?,
        Some(BundleKind::Equilibrium) => build_equilibrium_report(dir)?,
        _ => {
            return Err(ReportError::UnsupportedKind {
                kind: name.to_owned(),
            });
        }
    };
    let mut written = Vec::new();
    for (name, bytes) in &report.files {
        let target = dir.join(name);
        crate::artifacts::write_file_atomically(&target, bytes)
            .map_err(IoError::at("writing", &target))?;
        written.push(target);
    }
    Ok(written)
}
