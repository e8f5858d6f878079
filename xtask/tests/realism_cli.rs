//! `cargo xtask realism` as a user meets it: the files and columns it writes, the table it
//! prints, and bad flags refused with the flag and its range named, exit 1, nothing written.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("proteus-realism-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn realism_on_the_default_scenario_writes_its_files_and_prints_the_facts() {
    let root = scratch("ok");
    let out = root.join("out");
    let o = xtask(&[
        "realism",
        "--repetitions",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for text in [
        "absence of autocorrelation",
        "hill_tail_index",
        "sign_acf_gamma",
        "facts pass",
        "2 repetitions of `rmsc04-like`",
    ] {
        assert!(stdout.contains(text), "missing {text}: {stdout}");
    }
    for f in [
        "realism.json",
        "realism.csv",
        "manifest.json",
        "report.html",
        "return_distribution.svg",
        "acf_returns.svg",
        "acf_abs_returns.svg",
        "acf_trade_signs.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let csv = fs::read_to_string(out.join("realism.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "fact,statistic,mean,ci95_low,ci95_high,n,published_range,source,verdict,rule"
    );
    assert!(csv.lines().count() > 40, "{csv}");
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| ["pass", "fail", "inconclusive", "info"]
                .iter()
                .any(|v| l.contains(&format!(",{v},")))),
        "every row has a verdict"
    );

    // A second run into the non-empty folder is refused and leaves it as it was.
    let before = fs::read(out.join("realism.json")).unwrap();
    let o = xtask(&[
        "realism",
        "--repetitions",
        "2",
        "--seed",
        "9",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(fs::read(out.join("realism.json")).unwrap(), before);

    // `cargo xtask report` regenerates the realism report.
    fs::remove_file(out.join("report.html")).unwrap();
    let o = xtask(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("report.html").is_file());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn bad_flags_name_the_flag_and_write_nothing() {
    let root = scratch("bad");
    let out = root.join("out");
    let missing = root.join("no-such-scenario.toml");
    let bad_toml = root.join("bad.toml");
    fs::write(&bad_toml, "id = \"x\"\nseed = 1\nduration_s = -5.0\n").unwrap();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--repetitions", "0"],
            vec!["--repetitions 0", "2..=10000", "nothing was run or written"],
        ),
        (
            vec!["--interval-s", "0"],
            vec!["--interval-s 0", "1..=3600"],
        ),
        (
            vec!["--interval-s", "3600"],
            vec!["--interval-s 3600", "at least 240"],
        ),
        (
            vec!["--threads", "100000"],
            vec!["--threads 100000", "0..=1024"],
        ),
        (
            vec!["--scenario", missing.to_str().unwrap()],
            vec![
                "--scenario",
                "no-such-scenario.toml",
                "nothing was run or written",
            ],
        ),
        (
            vec!["--scenario", bad_toml.to_str().unwrap()],
            vec!["--scenario", "bad.toml"],
        ),
        (vec!["--repetitions", "many"], vec!["--repetitions"]),
    ];
    for (args, expected) in cases {
        let mut all = vec!["realism", "--out", out.to_str().unwrap()];
        all.extend(&args);
        let o = xtask(&all);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(0), "{args:?} succeeded");
        for text in expected {
            assert!(
                stderr.contains(text),
                "{args:?}: missing {text:?} in {stderr}"
            );
        }
        assert!(!out.exists(), "{args:?}: output written");
    }
    let left: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "only bad.toml remains: {left:?}");
    fs::remove_dir_all(root).unwrap();
}
