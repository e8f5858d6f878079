//! Reading a bundle's files for a report: each file parsed strictly, every error naming the
//! file (and the CSV line), and each file checked against its SHA-256 in the manifest.

use crate::artifacts::sha256_hex;
use crate::report::ReportError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, ReportError> {
    let path = dir.join(name);
    fs::read(&path).map_err(|cause| {
        if cause.kind() == io::ErrorKind::NotFound {
            ReportError::Missing { path }
        } else {
            ReportError::Read { path, cause }
        }
    })
}

/// `manifest.json` of the bundle in `dir`, as JSON.
pub fn read_manifest(dir: &Path) -> Result<Value, ReportError> {
    let bytes = read(dir, "manifest.json")?;
    serde_json::from_slice(&bytes).map_err(|e| ReportError::Malformed {
        path: dir.join("manifest.json"),
        why: e.to_string(),
    })
}

/// Whether the manifest lists file `name` among its hashed files.
pub(crate) fn listed(manifest: &Value, name: &str) -> bool {
    manifest["files"]
        .as_array()
        .is_some_and(|files| files.iter().any(|f| f["name"] == name))
}

/// Checks every hashed file the manifest lists against its SHA-256 (a missing file is named).
pub(crate) fn check_all(dir: &Path, manifest: &Value) -> Result<(), ReportError> {
    for f in manifest["files"].as_array().into_iter().flatten() {
        if let Some(name) = f["name"].as_str() {
            read_checked(dir, manifest, name)?;
        }
    }
    Ok(())
}

/// Reads file `name`, checking it against the manifest's SHA-256 when the manifest lists it.
pub(crate) fn read_checked(
    dir: &Path,
    manifest: &Value,
    name: &str,
) -> Result<Vec<u8>, ReportError> {
    let bytes = read(dir, name)?;
    let listed = manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == name);
    if let Some(f) = listed
        && f["sha256"].as_str() != Some(sha256_hex(&bytes).as_str())
    {
        return Err(ReportError::HashMismatch {
            path: dir.join(name),
        });
    }
    Ok(bytes)
}

pub(crate) fn csv_rows<T: DeserializeOwned>(
    dir: &Path,
    manifest: &Value,
    name: &str,
) -> Result<Vec<T>, ReportError> {
    let bytes = read_checked(dir, manifest, name)?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let mut rows = Vec::new();
    for (i, row) in r.deserialize().enumerate() {
        rows.push(row.map_err(|e: csv::Error| ReportError::Malformed {
            path: dir.join(name),
            // Line 1 is the header.
            why: format!("line {}: {e}", i + 2),
        })?);
    }
    Ok(rows)
}

/// One row of `fills.csv` (the columns a report needs).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FillRow {
    pub time_ns: u64,
    pub price: i64,
    pub qty: i64,
    pub taker_side: String,
}

/// One row of `quotes.csv`: the venue's top of book from `time_ns` on (empty side: `None`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct QuoteRow {
    pub time_ns: u64,
    pub bid_price: Option<i64>,
    pub bid_qty: Option<i64>,
    pub ask_price: Option<i64>,
    pub ask_qty: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
struct FundamentalRow {
    time_ns: u64,
    value_ticks: f64,
}

/// One agent's line of `metrics.json`'s `pnl_by_agent`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PnlRow {
    pub role: String,
    pub position: i64,
    pub pnl_ticks: f64,
}

/// `metrics.json` (`docs/metrics.md`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MetricsFile {
    pub metrics: BTreeMap<String, f64>,
    pub missing: BTreeMap<String, String>,
    #[serde(default)]
    pub pnl_by_agent: Vec<PnlRow>,
}

/// Everything a run report reads from a run bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFiles {
    pub manifest: Value,
    pub metrics: MetricsFile,
    pub fills: Vec<FillRow>,
    /// `(time_ns, value in ticks from then on)`.
    pub fundamental: Vec<(u64, f64)>,
    pub quotes: Vec<QuoteRow>,
}

impl RunFiles {
    pub fn load(dir: &Path) -> Result<RunFiles, ReportError> {
        let manifest = read_manifest(dir)?;
        let metrics_bytes = read_checked(dir, &manifest, "metrics.json")?;
        let metrics =
            serde_json::from_slice(&metrics_bytes).map_err(|e| ReportError::Malformed {
                path: dir.join("metrics.json"),
                why: e.to_string(),
            })?;
        let fundamental: Vec<FundamentalRow> = csv_rows(dir, &manifest, "fundamental.csv")?;
        Ok(RunFiles {
            metrics,
            fills: csv_rows(dir, &manifest, "fills.csv")?,
            fundamental: fundamental
                .into_iter()
                .map(|r| (r.time_ns, r.value_ticks))
                .collect(),
            quotes: csv_rows(dir, &manifest, "quotes.csv")?,
            manifest,
        })
    }

    /// The run's horizon in nanoseconds, from the manifest's scenario.
    pub fn horizon_ns(&self) -> Option<u64> {
        let s = self.manifest["scenario"]["duration_s"].as_f64()?;
        Some((s * 1e9).round() as u64)
    }
}
