//! Bundle checks: a folder's files, a bundle's manifest and the digests it lists, and the
//! executions packs run under.

use proteus::artifacts::sha256_hex;
use proteus::experiments::execution::Execution;
use std::fs;
use std::path::{Path, PathBuf};

/// Every file directly in `dir` as (name, bytes), sorted by name.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The bundle's `manifest.json`.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The names of the files a manifest hashes (its `files` list), in its order.
pub fn hashed_names(manifest: &serde_json::Value) -> Vec<&str> {
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

/// Asserts that each file the manifest of `dir` lists has the SHA-256 and the size listed.
pub fn assert_digests(dir: &Path, manifest: &serde_json::Value) {
    for f in manifest["files"].as_array().unwrap() {
        let bytes = fs::read(dir.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"], sha256_hex(&bytes));
        assert_eq!(f["bytes"], bytes.len());
    }
}

/// The first line of a CSV file: its header.
pub fn csv_header(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A pack execution with CSV tables and no progress display.
pub fn execution(threads: usize, checkpoint: Option<PathBuf>, resume: bool) -> Execution<'static> {
    Execution {
        threads,
        progress: &|_, _, _| {},
        checkpoint,
        resume,
        tables: Default::default(),
    }
}
