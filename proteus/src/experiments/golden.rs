//! Golden artifacts: small committed bundles that any change to matching, agents, latency, RNG
//! use or metrics shows up in, and a reviewer-friendly diff when they change.
//!
//! `cargo xtask golden --check` regenerates every bundle of [`golden_specs`] into a temporary
//! folder and compares it, file by file, with `golden/`; `--bless` rewrites `golden/`.

use crate::experiments::execution::Execution;
use crate::experiments::packs::{ExperimentError, baseline_pack, calibration_pack, compare_pack};
use crate::experiments::{RunBundleError, RunBundleOptions, write_run_bundle};
use crate::scenario::Scenario;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Why a golden bundle could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    #[error(transparent)]
    Run(#[from] RunBundleError),
    #[error(transparent)]
    Pack(#[from] Box<ExperimentError>),
}

impl From<ExperimentError> for GoldenError {
    fn from(e: ExperimentError) -> Self {
        GoldenError::Pack(Box::new(e))
    }
}

/// One golden bundle: its folder name under `golden/` and how to make it.
pub struct GoldenSpec {
    pub name: &'static str,
    pub describe: &'static str,
    pub make: fn(&Path) -> Result<(), GoldenError>,
}

fn default_10s() -> Scenario {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 10.0;
    sc
}

/// 10 s of the default scenario under mechanism `spec`, with the event log.
fn default_10s_under(spec: &str, out: &Path) -> Result<(), GoldenError> {
    let mut sc = default_10s();
    sc.mechanism = sc
        .mechanism
        .with_spec(spec)
        .expect("golden mechanism specs are valid");
    let opts = RunBundleOptions {
        events: true,
        force: true,
        repetition: 0,
        lobster: None,
        tables: Default::default(),
    };
    write_run_bundle(&sc, out, &opts)?;
    Ok(())
}

/// The default scenario, 10 s per run, with a small calibration grid: short packs.
fn short_packs() -> Scenario {
    let mut sc = default_10s();
    let c = &mut sc.calibration;
    c.repetitions = 2;
    c.risk_aversion = vec![0.01];
    c.half_spread_ticks = vec![1.0, 3.0];
    c.quote_size = vec![5];
    c.sensitivity_informed_count = vec![0, 5];
    c.sensitivity_latency_scale = vec![1.0, 10.0];
    sc
}

fn quiet() -> Execution<'static> {
    Execution {
        threads: 0,
        progress: &|_, _, _| {},
        checkpoint: None,
        resume: false,
        tables: Default::default(),
    }
}

/// Every golden bundle, in a fixed order.
pub fn golden_specs() -> Vec<GoldenSpec> {
    vec![
        GoldenSpec {
            name: "run-clob-default-10s",
            describe: "10 s of the default scenario under the CLOB, with the event log",
            make: |out| default_10s_under("clob", out),
        },
        GoldenSpec {
            name: "run-fba-default-10s",
            describe: "10 s of the default scenario under FBA with 100 ms batches, with the event log",
            make: |out| default_10s_under("fba:100ms", out),
        },
        GoldenSpec {
            name: "run-rfq-default-10s",
            describe: "10 s of the default scenario under RFQ with the default dealers (2), with the event log",
            make: |out| default_10s_under("rfq", out),
        },
        GoldenSpec {
            name: "compare-default-short",
            describe: "CLOB vs FBA (100 ms) vs RFQ (2 dealers), 3 paired repetitions of 10 s",
            make: |out| {
                let sc = short_packs();
                let mechs: Vec<_> = ["clob", "fba:100ms", "rfq:2"]
                    .iter()
                    .map(|s| sc.mechanism.with_spec(s).expect("valid spec"))
                    .collect();
                compare_pack(&sc, &mechs, 3, &quiet(), out, true)?;
                Ok(())
            },
        },
        GoldenSpec {
            name: "calibration-default-short",
            describe: "2 market-maker regimes x 2 repetitions, sensitivity 2 x 2, runs of 10 s",
            make: |out| {
                calibration_pack(&short_packs(), &quiet(), out, true)?;
                Ok(())
            },
        },
        GoldenSpec {
            name: "baseline-default-short",
            describe: "calibrated, then the default grid (6 cells) x 2 repetitions of 10 s",
            make: |out| {
                baseline_pack(&short_packs(), 2, None, &quiet(), out, true)?;
                Ok(())
            },
        },
    ]
}

/// How one file of a bundle differs from its golden copy.
#[derive(Clone, Debug, PartialEq)]
pub enum FileDiff {
    Missing,
    Unexpected,
    Changed(Vec<String>),
}

/// Compares folder `new` with golden folder `old`; an empty map means identical bytes.
pub fn diff_bundles(old: &Path, new: &Path) -> std::io::Result<BTreeMap<String, FileDiff>> {
    let names = |dir: &Path| -> std::io::Result<Vec<String>> {
        if !dir.exists() {
            return Ok(Vec::new());
        }
        let mut v = Vec::new();
        for e in fs::read_dir(dir)? {
            v.push(e?.file_name().to_string_lossy().into_owned());
        }
        v.sort();
        Ok(v)
    };
    let (old_names, new_names) = (names(old)?, names(new)?);
    let mut out = BTreeMap::new();
    for n in &old_names {
        if !new_names.contains(n) {
            out.insert(n.clone(), FileDiff::Missing);
        }
    }
    for n in &new_names {
        if !old_names.contains(n) {
            out.insert(n.clone(), FileDiff::Unexpected);
            continue;
        }
        let (a, b) = (fs::read(old.join(n))?, fs::read(new.join(n))?);
        if a != b {
            out.insert(n.clone(), FileDiff::Changed(describe_change(n, &a, &b)));
        }
    }
    Ok(out)
}

/// Lines a reviewer can use: for JSON, each changed value with old, new and relative change; for
/// anything else, the first differing line and the line counts.
pub fn describe_change(name: &str, old: &[u8], new: &[u8]) -> Vec<String> {
    if name.ends_with(".json")
        && let (Ok(a), Ok(b)) = (serde_json::from_slice(old), serde_json::from_slice(new))
    {
        return json_changes(&a, &b);
    }
    let (a, b) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut lines = Vec::new();
    if let Some(i) = (0..la.len().max(lb.len())).find(|&i| la.get(i) != lb.get(i)) {
        lines.push(format!("first difference at line {}:", i + 1));
        lines.push(format!(
            "  golden: {}",
            la.get(i).unwrap_or(&"<end of file>")
        ));
        lines.push(format!(
            "  now:    {}",
            lb.get(i).unwrap_or(&"<end of file>")
        ));
    }
    if la.len() != lb.len() {
        lines.push(format!("line count {} -> {}", la.len(), lb.len()));
    }
    lines
}

const MAX_JSON_LINES: usize = 30;

fn json_changes(old: &Value, new: &Value) -> Vec<String> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut lines = Vec::new();
    for k in keys {
        match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(Value::Number(x)), Some(Value::Number(y))) => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                let rel = if x != 0.0 {
                    format!("{:+.3}%", (y - x) / x.abs() * 100.0)
                } else {
                    "n/a (was 0)".to_owned()
                };
                lines.push(format!("{k}: {x} -> {y} ({rel})"));
            }
            (Some(x), Some(y)) => lines.push(format!("{k}: {x} -> {y}")),
            (Some(x), None) => lines.push(format!("{k}: {x} -> (removed)")),
            (None, Some(y)) => lines.push(format!("{k}: (new) -> {y}")),
            (None, None) => unreachable!("key comes from one of the maps"),
        }
    }
    if lines.len() > MAX_JSON_LINES {
        let more = lines.len() - MAX_JSON_LINES;
        lines.truncate(MAX_JSON_LINES);
        lines.push(format!("... and {more} more changed values"));
    }
    lines
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_diff_names_the_metric_and_the_relative_change() {
        let old = br#"{"metrics":{"trades":100.0,"volume_lots":10.0},"missing":{}}"#;
        let new = br#"{"metrics":{"trades":110.0,"volume_lots":10.0,"vwap":5.0},"missing":{}}"#;
        assert_eq!(
            describe_change("metrics.json", old, new),
            [
                "metrics.trades: 100 -> 110 (+10.000%)",
                "metrics.vwap: (new) -> 5.0"
            ]
        );
    }

    #[test]
    fn csv_diff_shows_the_first_differing_line() {
        let old = b"h\n1\n2\n3\n";
        let new = b"h\n1\n9\n3\n4\n";
        assert_eq!(
            describe_change("fills.csv", old, new),
            [
                "first difference at line 3:",
                "  golden: 2",
                "  now:    9",
                "line count 4 -> 5"
            ]
        );
    }
}
