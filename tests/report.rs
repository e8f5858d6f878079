//! Reports: every run bundle has one, made from its files alone, byte-identical when
//! regenerated, and every broken input is refused with the file named.

use proteus::experiments::{RunBundleOptions, write_run_bundle};
use proteus::report::{RUN_REPORT_FILES, ReportError, regenerate};
use proteus::scenario::Scenario;
use std::fs;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("proteus-report-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn short_default() -> Scenario {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 10.0;
    sc
}

fn bundle(root: &std::path::Path, name: &str) -> PathBuf {
    let out = root.join(name);
    write_run_bundle(&short_default(), &out, &RunBundleOptions::default()).unwrap();
    out
}

#[test]
fn a_run_bundle_has_its_report_and_regenerating_it_changes_no_byte() {
    let root = scratch("regen");
    let out = bundle(&root, "run");
    let before: Vec<Vec<u8>> = RUN_REPORT_FILES
        .iter()
        .map(|f| fs::read(out.join(f)).unwrap())
        .collect();
    let html = String::from_utf8(before[1].clone()).unwrap();
    for needle in [
        "<figure data-figure=\"price_path\">",
        "<table data-table=\"scenario\">",
        "<table data-table=\"metrics\">",
        "<table data-table=\"pnl\">",
        "effective_spread_vw_ticks",
        // A missing metric shows its reason (no news happens in the first 10 s).
        "class=\"missing\"",
        "continuous limit order book",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    assert!(!html.contains("NaN") && !html.contains("inf<"));
    assert!(!html.contains("<script") && !html.contains("https://"));
    let svg = String::from_utf8(before[0].clone()).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("best bid") && svg.contains("fundamental"));
    assert!(html.contains(svg.trim()), "the page inlines the same SVG");

    // Remove the report and regenerate it from the files.
    for f in RUN_REPORT_FILES {
        fs::remove_file(out.join(f)).unwrap();
    }
    let written = regenerate(&out).unwrap();
    assert_eq!(written.len(), 2);
    for (f, old) in RUN_REPORT_FILES.iter().zip(&before) {
        assert_eq!(&fs::read(out.join(f)).unwrap(), old, "{f} differs");
    }
    // A second bundle of the same manifest has the same report bytes.
    let other = bundle(&root, "again");
    for (f, old) in RUN_REPORT_FILES.iter().zip(&before) {
        assert_eq!(&fs::read(other.join(f)).unwrap(), old, "{f} differs");
    }
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "no temporary files left: {names:?}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn the_manifest_lists_the_report_as_derived_and_unhashed() {
    let root = scratch("derived");
    let out = bundle(&root, "run");
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["derived"],
        serde_json::json!(["price_path.svg", "report.html"])
    );
    let hashed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        hashed,
        ["fills.csv", "fundamental.csv", "metrics.json", "quotes.csv"]
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn broken_bundles_are_refused_with_the_file_named() {
    let root = scratch("broken");

    let out = bundle(&root, "missing");
    fs::remove_file(out.join("quotes.csv")).unwrap();
    let e = regenerate(&out).unwrap_err();
    assert!(matches!(e, ReportError::Missing { .. }), "{e}");
    assert!(e.to_string().contains("quotes.csv"), "{e}");

    let out = bundle(&root, "tampered");
    let mut fills = fs::read_to_string(out.join("fills.csv")).unwrap();
    fills.push_str("1,2,3,buy,0,noise,1,noise,5,6\n");
    fs::write(out.join("fills.csv"), fills).unwrap();
    let e = regenerate(&out).unwrap_err();
    assert!(matches!(e, ReportError::HashMismatch { .. }), "{e}");
    assert!(e.to_string().contains("fills.csv"), "{e}");

    // A malformed CSV whose hash was updated too: the line is named.
    let out = bundle(&root, "malformed");
    let text = fs::read_to_string(out.join("fundamental.csv")).unwrap();
    let bad = text.replacen('\n', "\nnot-a-time,1.0\n", 1);
    fs::write(out.join("fundamental.csv"), &bad).unwrap();
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    let old = proteus::artifacts::sha256_hex(text.as_bytes());
    let new = proteus::artifacts::sha256_hex(bad.as_bytes());
    fs::write(out.join("manifest.json"), manifest.replace(&old, &new)).unwrap();
    let e = regenerate(&out).unwrap_err().to_string();
    assert!(e.contains("fundamental.csv") && e.contains("line 2"), "{e}");

    let out = bundle(&root, "kind");
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    fs::write(
        out.join("manifest.json"),
        manifest.replace("\"kind\": \"run\"", "\"kind\": \"baseline\""),
    )
    .unwrap();
    let e = regenerate(&out).unwrap_err();
    assert_eq!(
        e.to_string(),
        "report for kind `baseline` is not supported yet (only `run` bundles have reports)"
    );

    let empty = root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let e = regenerate(&empty).unwrap_err().to_string();
    assert!(e.contains("manifest.json is missing"), "{e}");
    fs::remove_dir_all(root).unwrap();
}
