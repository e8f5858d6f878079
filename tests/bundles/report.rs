//! Reports: every run, baseline, comparison and calibration bundle has one, made from its files
//! alone, byte-identical when regenerated, and every broken input is refused with the file named.

use crate::support::bundles::{execution, hashed_names, manifest};
use crate::support::scenarios::{short_default, small_pack};
use crate::support::scratch::Scratch;
use proteus::experiments::{RunBundleOptions, write_run_bundle};
use proteus::report::{RUN_REPORT_FILES, ReportError, regenerate};
use proteus::scenario::Scenario;
use std::fs;
use std::path::PathBuf;

fn bundle(root: &std::path::Path, name: &str) -> PathBuf {
    let out = root.join(name);
    write_run_bundle(&short_default(10.0), &out, &RunBundleOptions::default()).unwrap();
    out
}

#[test]
fn a_run_bundle_has_its_report_and_regenerating_it_changes_no_byte() {
    let root = Scratch::new("report-regen");
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
    let root = Scratch::new("report-derived");
    let out = bundle(&root, "run");
    let m = manifest(&out);
    assert_eq!(
        m["derived"],
        serde_json::json!(["price_path.svg", "report.html"])
    );
    let hashed = hashed_names(&m);
    assert_eq!(
        hashed,
        ["fills.csv", "fundamental.csv", "metrics.json", "quotes.csv"]
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn broken_bundles_are_refused_with_the_file_named() {
    let root = Scratch::new("report-broken");

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
        manifest.replace("\"kind\": \"run\"", "\"kind\": \"sweep\""),
    )
    .unwrap();
    let e = regenerate(&out).unwrap_err();
    assert_eq!(
        e.to_string(),
        "report for kind `sweep` is not supported (reports exist for `run`, `baseline`, \
         `compare`, `calibration`, `realism` and `equilibrium` bundles)"
    );

    let empty = root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let e = regenerate(&empty).unwrap_err().to_string();
    assert!(e.contains("manifest.json is missing"), "{e}");
    fs::remove_dir_all(root).unwrap();
}

// ---- Pack reports (baseline, compare, calibration) ----

use proteus::experiments::packs::{baseline_pack, calibration_pack, compare_pack};

/// The default scenario, shortened, with a small grid and calibration: fast enough for a test.
fn small() -> Scenario {
    small_pack(3, &[0.001, 0.01], &[0, 5], &[1.0, 4.0])
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f.as_str()
                .unwrap_or_else(|| f["name"].as_str().unwrap())
                .to_owned()
        })
        .collect()
}

/// The bundle's report files are exactly the manifest's `derived` list, none of them hashed,
/// each figure of the page is its own SVG, and regenerating gives the same bytes without
/// touching the manifest.
fn check_report_files(dir: &std::path::Path) -> String {
    let m = manifest(dir);
    let derived = names(&m["derived"]);
    let hashed = names(&m["files"]);
    assert_eq!(derived.last().map(String::as_str), Some("report.html"));
    let mut on_disk: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json" && !hashed.contains(n))
        .collect();
    on_disk.sort();
    let mut listed = derived.clone();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every unhashed file is a listed derived file"
    );
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    for svg in derived.iter().filter(|n| n.ends_with(".svg")) {
        let id = svg.trim_end_matches(".svg");
        assert!(
            html.contains(&format!("<figure data-figure=\"{id}\">")),
            "{id} is on the page"
        );
        let text = fs::read_to_string(dir.join(svg)).unwrap();
        assert!(html.contains(text.trim()), "the page inlines {svg}");
    }
    for word in ["NaN", "inf<", "Infinity", "undefined"] {
        assert!(!html.contains(word), "report.html holds {word}");
    }
    assert!(!html.contains("<script") && !html.contains("https://"));

    let before: Vec<Vec<u8>> = derived
        .iter()
        .map(|f| fs::read(dir.join(f)).unwrap())
        .collect();
    let manifest_before = fs::read(dir.join("manifest.json")).unwrap();
    for f in &derived {
        fs::remove_file(dir.join(f)).unwrap();
    }
    let written = regenerate(dir).unwrap();
    assert_eq!(written.len(), derived.len());
    for (f, old) in derived.iter().zip(&before) {
        assert_eq!(
            &fs::read(dir.join(f)).unwrap(),
            old,
            "{f} differs when regenerated"
        );
    }
    assert_eq!(
        fs::read(dir.join("manifest.json")).unwrap(),
        manifest_before
    );
    html
}

#[test]
fn a_comparison_has_a_headline_table_and_a_forest_plot_per_arm() {
    let root = Scratch::new("report-compare");
    let sc = small();
    let mechs: Vec<_> = ["clob", "fba:100ms", "rfq:2"]
        .iter()
        .map(|s| sc.mechanism.with_spec(s).unwrap())
        .collect();
    let out = root.join("c");
    compare_pack(&sc, &mechs, 4, &execution(2, None, false), &out, false).unwrap();
    assert_eq!(
        names(&manifest(&out)["derived"]),
        ["forest_fba_100ms.svg", "forest_rfq_2.svg", "report.html"]
    );
    let html = check_report_files(&out);
    for needle in [
        "<h1>Mechanism comparison: scenario default</h1>",
        "<table data-table=\"scenario\">",
        "<table data-table=\"headline\">",
        "<table data-table=\"files\">",
        "clob, fba:100ms, rfq:2",
        "Cohen&#39;s dz",
        "p (Holm)",
        "variance reduction",
        "quoted_spread_tw_ticks",
        "fba:100ms − clob: paired differences, standardised",
        "rfq:2 − clob",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    assert!(
        !html.contains("data-table=\"candidates\""),
        "no calibration here"
    );
    // Two arms besides the reference, ten headline metrics: 10 reference rows and 20 contrasts.
    let headline = html
        .split("<table data-table=\"headline\">")
        .nth(1)
        .unwrap();
    let headline = headline.split("</table>").next().unwrap();
    assert_eq!(headline.matches("<tr>").count(), 1 + 30);
    assert_eq!(headline.matches("<td>reference</td>").count(), 10);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_baseline_with_its_calibration_shows_the_landscape_and_sensitivity() {
    let root = Scratch::new("report-baseline");
    let out = root.join("b");
    baseline_pack(&small(), 3, None, &execution(2, None, false), &out, false).unwrap();
    let derived = names(&manifest(&out)["derived"]);
    // 6 grid cells, the reference excluded; one quote size; six sensitivity metrics.
    assert_eq!(
        derived.iter().filter(|n| n.starts_with("forest_")).count(),
        5
    );
    assert!(derived.contains(&"forest_informed_count_0_latency_scale_1.svg".to_owned()));
    assert!(derived.contains(&"landscape_spread_q5.svg".to_owned()));
    assert!(derived.contains(&"landscape_mm_pnl_q5.svg".to_owned()));
    assert_eq!(
        derived
            .iter()
            .filter(|n| n.starts_with("sensitivity_"))
            .count(),
        6
    );
    let html = check_report_files(&out);
    for needle in [
        "<h1>Baseline report: scenario default</h1>",
        "<table data-table=\"headline\">",
        "<table data-table=\"selection\">",
        "<table data-table=\"candidates\">",
        "<h2 id=\"landscape\">",
        "<h2 id=\"sensitivity\">",
        "calibrated in this run",
        "informed_count=5,latency_scale=1 (every other cell is paired with it)",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    let landscape = fs::read_to_string(out.join("landscape_spread_q5.svg")).unwrap();
    assert!(landscape.contains('★'), "the selected regime is marked");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_calibration_report_has_no_headline_but_every_calibration_figure() {
    let root = Scratch::new("report-calibration");
    let out = root.join("c");
    calibration_pack(&small(), &execution(2, None, false), &out, false).unwrap();
    let html = check_report_files(&out);
    assert!(html.contains("<h1>Calibration report: scenario default</h1>"));
    assert!(html.contains("<table data-table=\"candidates\">"));
    assert!(html.contains("<figure data-figure=\"landscape_spread_q5\">"));
    assert!(html.contains("<figure data-figure=\"sensitivity_quoted_spread_tw_ticks\">"));
    assert!(!html.contains("data-table=\"headline\""));
    assert!(!html.contains("data-figure=\"forest_"));
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn broken_pack_bundles_are_refused_with_the_file_named() {
    let root = Scratch::new("report-broken-pack");
    let sc = small();
    let mechs: Vec<_> = ["clob", "fba:100ms"]
        .iter()
        .map(|s| sc.mechanism.with_spec(s).unwrap())
        .collect();
    let out = root.join("c");
    compare_pack(&sc, &mechs, 3, &execution(2, None, false), &out, false).unwrap();
    let page = fs::read(out.join("report.html")).unwrap();

    // runs.csv is not drawn, but it is hashed: a modified bundle is refused as a whole.
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    fs::write(out.join("runs.csv"), runs.replacen(',', ";", 3)).unwrap();
    let e = regenerate(&out).unwrap_err();
    assert!(matches!(e, ReportError::HashMismatch { .. }), "{e}");
    assert!(e.to_string().contains("runs.csv"), "{e}");
    fs::write(out.join("runs.csv"), runs).unwrap();

    let contrasts = fs::read(out.join("contrasts.csv")).unwrap();
    fs::remove_file(out.join("contrasts.csv")).unwrap();
    let e = regenerate(&out).unwrap_err();
    assert!(matches!(e, ReportError::Missing { .. }), "{e}");
    assert!(e.to_string().contains("contrasts.csv"), "{e}");
    fs::write(out.join("contrasts.csv"), contrasts).unwrap();

    // Nothing was written by the refused regenerations; a good bundle regenerates again.
    assert_eq!(fs::read(out.join("report.html")).unwrap(), page);
    regenerate(&out).unwrap();
    assert_eq!(fs::read(out.join("report.html")).unwrap(), page);
    fs::remove_dir_all(root).unwrap();
}
