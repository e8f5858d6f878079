//! The run bundle: reproducible bytes, hashes that check out, and pinned excerpts.

use crate::support::bundles::{assert_digests, files, hashed_names, manifest};
use crate::support::scenarios::short_default;
use crate::support::scratch::Scratch;
use proteus::experiments::{RunBundleOptions, write_run_bundle};
use std::fs;

#[test]
fn same_manifest_same_bytes() {
    let root = Scratch::new("run-bytes");
    let opts = RunBundleOptions {
        events: true,
        ..Default::default()
    };
    write_run_bundle(&short_default(10.0), &root.join("a"), &opts).unwrap();
    write_run_bundle(&short_default(10.0), &root.join("b"), &opts).unwrap();
    let (a, b) = (files(&root.join("a")), files(&root.join("b")));
    let names: Vec<_> = a.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "events.csv",
            "fills.csv",
            "fundamental.csv",
            "manifest.json",
            "metrics.json",
            "price_path.svg",
            "quotes.csv",
            "report.html"
        ]
    );
    assert_eq!(a, b);

    let mut other = short_default(10.0);
    other.seed = 43;
    write_run_bundle(&other, &root.join("c"), &opts).unwrap();
    let c = files(&root.join("c"));
    for (x, y) in a.iter().zip(&c) {
        assert_ne!(x.1, y.1, "{} should differ under another seed", x.0);
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn manifest_hashes_every_file_and_records_the_seeds() {
    let root = Scratch::new("run-manifest");
    let out = root.join("run");
    write_run_bundle(&short_default(10.0), &out, &RunBundleOptions::default()).unwrap();
    let m = manifest(&out);
    let listed = hashed_names(&m);
    assert_eq!(
        listed,
        ["fills.csv", "fundamental.csv", "metrics.json", "quotes.csv"]
    );
    assert_digests(&out, &m);
    // docs/seed-protocol.md pins repetition_seed(42, "default", 0).
    assert_eq!(m["seeds"]["repetition_seed"], 3170034154072251074u64);
    assert_eq!(m["scenario"]["duration_s"], 10.0);
    assert_eq!(m["scenario"]["agents"]["noise"][0]["count"], 50);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn existing_output_is_refused_without_force() {
    let root = Scratch::new("run-force");
    let out = root.join("run");
    write_run_bundle(&short_default(10.0), &out, &RunBundleOptions::default()).unwrap();
    let e = write_run_bundle(&short_default(10.0), &out, &RunBundleOptions::default()).unwrap_err();
    assert!(e.to_string().contains("--force"), "{e}");
    let opts = RunBundleOptions {
        force: true,
        ..Default::default()
    };
    write_run_bundle(&short_default(10.0), &out, &opts).unwrap();
    assert_eq!(
        fs::read_dir(&root).unwrap().count(),
        1,
        "no staging folder left"
    );
    fs::remove_dir_all(root).unwrap();
}

/// The first lines of the event log, the fills and the metrics of a 10 s run of the default
/// scenario. Any change to matching, agents, latency, leakage or RNG use shows up here.
#[test]
fn snapshot_of_a_short_seeded_run() {
    let root = Scratch::new("run-snap");
    let out = root.join("run");
    let opts = RunBundleOptions {
        events: true,
        ..Default::default()
    };
    write_run_bundle(&short_default(10.0), &out, &opts).unwrap();
    let head = |name: &str, n: usize| {
        let text = fs::read_to_string(out.join(name)).unwrap();
        text.lines().take(n).collect::<Vec<_>>().join("\n")
    };
    insta::assert_snapshot!("default_10s_events_head", head("events.csv", 40));
    insta::assert_snapshot!("default_10s_fills_head", head("fills.csv", 20));
    insta::assert_snapshot!(
        "default_10s_metrics",
        fs::read_to_string(out.join("metrics.json")).unwrap()
    );
    fs::remove_dir_all(root).unwrap();
}

/// The same excerpts under the batch auction and under RFQ: one pin per mechanism.
#[test]
fn snapshots_of_short_seeded_runs_per_mechanism() {
    for (spec, name) in [("fba:100ms", "fba"), ("rfq:2", "rfq")] {
        let root = Scratch::new(&format!("run-snap-{name}"));
        let out = root.join("run");
        let mut sc = short_default(10.0);
        sc.mechanism = sc.mechanism.with_spec(spec).unwrap();
        let opts = RunBundleOptions {
            events: true,
            ..Default::default()
        };
        write_run_bundle(&sc, &out, &opts).unwrap();
        let text = fs::read_to_string(out.join("events.csv")).unwrap();
        let head = text.lines().take(40).collect::<Vec<_>>().join("\n");
        insta::assert_snapshot!(format!("default_10s_{name}_events_head"), head);
        insta::assert_snapshot!(
            format!("default_10s_{name}_metrics"),
            fs::read_to_string(out.join("metrics.json")).unwrap()
        );
        fs::remove_dir_all(root).unwrap();
    }
}
