//! The command line as a user meets it: exit codes, messages, and no half-written output.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("proteus-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/orders_sample.csv")
}

#[test]
fn replay_writes_the_bundle_and_reports() {
    let root = scratch("ok");
    let out = root.join("out");
    let o = xtask(&[
        "replay",
        "--orders",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("7 fills (37 lots), 5 rejects, 2 orders resting"),
        "{stdout}"
    );
    for f in [
        "fills.csv",
        "book.csv",
        "rejects.csv",
        "events.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // A second run into the same non-empty folder is refused, and leaves it as it was.
    let o = xtask(&[
        "replay",
        "--orders",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let o = xtask(&[
        "replay",
        "--orders",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn malformed_files_are_refused_with_line_numbers() {
    let root = scratch("bad");
    let cases = [
        (
            "0,1,jump,1,buy,100,5,gtc\n",
            "bad.csv:2: column `action`: unknown action \"jump\"",
        ),
        (
            "0,1,limit,1,buy,100,5,gtc\n1,1,limit,1,buy,100,5,gtc\n",
            "bad.csv:3: duplicate order id 1",
        ),
        (
            "0,1,limit,1,buy,ten,5,gtc\n",
            "bad.csv:2: column `price`: expected an integer",
        ),
    ];
    for (body, needle) in cases {
        let orders = root.join("bad.csv");
        fs::write(
            &orders,
            format!("time_ns,trader,action,order_id,side,price,qty,tif\n{body}"),
        )
        .unwrap();
        let out = root.join("out");
        let o = xtask(&[
            "replay",
            "--orders",
            orders.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(needle), "{stderr} lacks {needle}");
        assert!(!out.exists(), "no output folder for {body:?}");
    }
    let o = xtask(&[
        "replay",
        "--orders",
        root.join("missing.csv").to_str().unwrap(),
        "--out",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.csv"));
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn run_writes_a_bundle_and_refuses_bad_scenarios() {
    let root = scratch("run");
    let out = root.join("out");
    let o = xtask(&[
        "run",
        "--seed",
        "9",
        "--out",
        out.to_str().unwrap(),
        "--events",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("scenario `default` seed 9 under clob:"),
        "{stdout}"
    );
    for f in [
        "events.csv",
        "fills.csv",
        "fundamental.csv",
        "metrics.json",
        "manifest.json",
        "quotes.csv",
        "report.html",
        "price_path.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }

    let shipped =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/default.toml"))
            .unwrap();
    let cases = [
        (
            "rate_per_s = 0.5",
            "rate_per_s = -1.0",
            "`agents.noise.rate_per_s` = -1: must be in (0, 1e6]",
        ),
        ("seed = 42", "seed = 42\nsede = 1", "unknown field `sede`"),
        ("duration_s = 300.0", "duration_s = \"long\"", "duration_s"),
    ];
    for (from, to, needle) in cases {
        let bad = root.join("bad.toml");
        fs::write(&bad, shipped.replace(from, to)).unwrap();
        let never = root.join("never");
        let o = xtask(&[
            "run",
            "--scenario",
            bad.to_str().unwrap(),
            "--out",
            never.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(needle) && stderr.contains("bad.toml"),
            "{stderr}"
        );
        assert!(!never.exists());
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn report_regenerates_a_run_report_and_refuses_other_kinds() {
    let root = scratch("report");
    let out = root.join("out");
    let o = xtask(&["run", "--seed", "3", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = fs::read(out.join("report.html")).unwrap();
    fs::remove_file(out.join("report.html")).unwrap();
    fs::remove_file(out.join("price_path.svg")).unwrap();

    let o = xtask(&["report", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("report.html") && stdout.contains("price_path.svg"),
        "{stdout}"
    );
    assert_eq!(fs::read(out.join("report.html")).unwrap(), page);

    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    fs::write(
        out.join("manifest.json"),
        manifest.replace("\"kind\": \"run\"", "\"kind\": \"dark_pool\""),
    )
    .unwrap();
    let o = xtask(&["report", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("report for kind `dark_pool` is not supported"),
        "{stderr}"
    );

    let o = xtask(&["report", root.join("nowhere").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("manifest.json is missing"), "{stderr}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn run_lobster_writes_both_files_and_refuses_batch_auctions() {
    let root = scratch("lobster");
    let out = root.join("out");
    let o = xtask(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        "--lobster",
        "--lobster-levels",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let messages = fs::read_to_string(out.join("lobster_message_3.csv")).unwrap();
    let books = fs::read_to_string(out.join("lobster_orderbook_3.csv")).unwrap();
    assert_eq!(messages.lines().count(), books.lines().count());
    assert_eq!(books.lines().next().unwrap().split(',').count(), 12);

    let never = root.join("never");
    let o = xtask(&[
        "run",
        "--mechanism",
        "fba:100ms",
        "--out",
        never.to_str().unwrap(),
        "--lobster",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("LOBSTER export needs the continuous order book"),
        "{stderr}"
    );
    assert!(!never.exists());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn validate_quick_glosten_milgrom_passes_and_writes_its_files() {
    let root = scratch("validate");
    let out = root.join("v");
    let o = xtask(&[
        "validate",
        "--quick",
        "--case",
        "glosten_milgrom",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(
            "| glosten_milgrom | theta=0.5 mu=0.1 | first ask | 101.0 | 101.0 | — | 1 | pass |"
        ),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 fail,"), "{stdout}");
    assert!(out.join("validation.json").is_file() && out.join("validation.csv").is_file());
    let bad = xtask(&[
        "validate",
        "--quick",
        "--case",
        "nope",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown case"));
    fs::remove_dir_all(&root).unwrap();
}

/// `--points FILE`: a points file runs the case at its points; a bad one (an out-of-range
/// value, an unknown key) is an error naming the field, exit 1, and nothing is written.
#[test]
fn validate_points_runs_a_users_points_and_refuses_a_bad_file() {
    let root = scratch("validate-points");
    fs::create_dir_all(&root).unwrap();
    let points = root.join("points.toml");
    fs::write(
        &points,
        "[[points]]\nv_low = 90.0\nv_high = 110.0\ntheta = 0.5\nmu = 0.2\n",
    )
    .unwrap();
    let out = root.join("good");
    let args = |file: &Path, out: &Path| {
        vec![
            "validate".to_owned(),
            "--quick".to_owned(),
            "--case".to_owned(),
            "glosten_milgrom".to_owned(),
            "--points".to_owned(),
            file.to_str().unwrap().to_owned(),
            "--out".to_owned(),
            out.to_str().unwrap().to_owned(),
        ]
    };
    let run = |a: Vec<String>| xtask(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run(args(&points, &out));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("| glosten_milgrom | theta=0.5 mu=0.2 | first ask | 102.0 | 102.0 |"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("mu=0.1"),
        "only the file's point runs: {stdout}"
    );
    for (name, text, field) in [
        (
            "mu.toml",
            "[[points]]\nv_low = 90.0\nv_high = 110.0\ntheta = 0.5\nmu = 1.5\n",
            "mu",
        ),
        ("key.toml", "sed = 1\n", "sed"),
    ] {
        let file = root.join(name);
        fs::write(&file, text).unwrap();
        let out = root.join(name.replace(".toml", ""));
        let o = run(args(&file, &out));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains(field) && stderr.contains(name),
            "{name}: {stderr}"
        );
        assert!(!out.exists(), "{name} wrote {}", out.display());
    }
    fs::remove_dir_all(&root).unwrap();
}

/// `--mutants` (one case's): each planted defect fails a line; the table, the tally and
/// `mutants.json` come out.
#[test]
fn validate_mutants_catches_the_glosten_milgrom_defects() {
    let root = scratch("validate-mutants");
    let o = xtask(&[
        "validate",
        "--quick",
        "--mutants",
        "--case",
        "glosten_milgrom",
        "--out",
        root.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("mutants caught: 2/2"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("mutants.json")).unwrap()).unwrap();
    let mutants = json["mutants"].as_array().unwrap();
    assert_eq!(mutants.len(), 2);
    assert!(
        mutants
            .iter()
            .all(|m| m["caught"] == true && m["failing_lines"].as_u64() > Some(0))
    );
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn format_parquet_without_the_feature_is_refused_before_anything_runs() {
    let root = scratch("parquet");
    for cmd in ["run", "compare"] {
        let out = root.join(cmd);
        let o = xtask(&[cmd, "--format", "parquet", "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        if cfg!(feature = "parquet") {
            // A build with the feature writes the Parquet twins instead.
            assert!(o.status.success(), "{stderr}");
            continue;
        }
        assert_eq!(o.status.code(), Some(1), "{cmd}: {stderr}");
        assert!(
            stderr.contains("without the `parquet` feature")
                && stderr.contains("cargo xtask-parquet"),
            "{cmd}: {stderr}"
        );
        assert!(!out.exists(), "{cmd} wrote {}", out.display());
    }
    let o = xtask(&[
        "run",
        "--format",
        "arrow",
        "--out",
        root.join("x").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("allowed: csv, parquet"), "{stderr}");
    fs::remove_dir_all(root).unwrap();
}
