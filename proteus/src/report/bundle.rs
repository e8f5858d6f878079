//! Reading a bundle's files for a report: each file parsed strictly, every error naming the
//! file (and the CSV line), and each file checked against its SHA-256 in the manifest.

use crate::artifacts::{IoError, sha256_hex};
use crate::metrics::{METRICS_SCHEMA_VERSION, MetricRecord};
use crate::report::ReportError;
use crate::schema::FundamentalRow;
pub use crate::schema::{FillRow, QuoteRow};
use crate::schema::{Manifest, RunManifest};
use serde::de::DeserializeOwned;
use std::fs;
use std::io;
use std::path::Path;

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, ReportError> {
    let path = dir.join(name);
    fs::read(&path).map_err(|cause| {
        if cause.kind() == io::ErrorKind::NotFound {
            ReportError::Missing { path }
        } else {
            IoError::new("reading", path, cause).into()
        }
    })
}

/// `manifest.json` of the bundle in `dir`, parsed as the manifest type `M` of its kind (errors
/// name the file).
pub fn read_manifest<M: DeserializeOwned>(dir: &Path) -> Result<M, ReportError> {
    let bytes = read(dir, "manifest.json")?;
    serde_json::from_slice(&bytes).map_err(|e| ReportError::Malformed {
        path: dir.join("manifest.json"),
        why: e.to_string(),
    })
}

/// Checks every hashed file the manifest lists against its SHA-256 (a missing file is named).
pub(crate) fn check_all<B, T>(dir: &Path, manifest: &Manifest<B, T>) -> Result<(), ReportError> {
    for f in &manifest.files {
        read_checked(dir, manifest, &f.name)?;
    }
    Ok(())
}

/// Reads file `name`, checking it against the manifest's SHA-256 when the manifest lists it.
pub(crate) fn read_checked<B, T>(
    dir: &Path,
    manifest: &Manifest<B, T>,
    name: &str,
) -> Result<Vec<u8>, ReportError> {
    let bytes = read(dir, name)?;
    if let Some(f) = manifest.file(name)
        && f.sha256 != sha256_hex(&bytes)
    {
        return Err(ReportError::HashMismatch {
            path: dir.join(name),
        });
    }
    Ok(bytes)
}

pub(crate) fn csv_rows<R: DeserializeOwned, B, T>(
    dir: &Path,
    manifest: &Manifest<B, T>,
    name: &str,
) -> Result<Vec<R>, ReportError> {
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

/// Everything a run report reads from a run bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFiles {
    pub manifest: RunManifest,
    /// `metrics.json` (`docs/metrics.md`): the writer's own record type.
    pub metrics: MetricRecord,
    pub fills: Vec<FillRow>,
    /// `(time_ns, value in ticks from then on)`.
    pub fundamental: Vec<(u64, f64)>,
    pub quotes: Vec<QuoteRow>,
}

impl RunFiles {
    pub fn load(dir: &Path) -> Result<RunFiles, ReportError> {
        let manifest = read_manifest(dir)?;
        let metrics_bytes = read_checked(dir, &manifest, "metrics.json")?;
        let malformed = |why: String| ReportError::Malformed {
            path: dir.join("metrics.json"),
            why,
        };
        let metrics: MetricRecord =
            serde_json::from_slice(&metrics_bytes).map_err(|e| malformed(e.to_string()))?;
        if metrics.schema_version != METRICS_SCHEMA_VERSION {
            return Err(malformed(format!(
                "`schema_version` is {}, this build reads {METRICS_SCHEMA_VERSION}",
                metrics.schema_version
            )));
        }
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
        let s = self.manifest.body.scenario.duration_s;
        s.is_finite().then(|| (s * 1e9).round() as u64)
    }
}
