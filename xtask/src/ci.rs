use anyhow::{Context, Result, bail};
use clap::Args;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Proptest cases per property when CI runs (the default elsewhere is 256).
const CI_PROPTEST_CASES: &str = "2048";

#[derive(Args)]
pub struct Ci {
    /// Skip fmt and clippy (tests only).
    #[arg(long)]
    tests_only: bool,
}

/// `1.89`, `1.89.0` as comparable numbers.
fn version_key(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.trim().split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The workspace's `rust-version` must be at least every dependency's: otherwise a newcomer on
/// the version the README names meets a dependency that refuses to build. Reads
/// `cargo metadata`; fails naming the packages that need a newer Rust.
fn check_rust_version(root: &std::path::Path) -> Result<()> {
    eprintln!("==> rust-version: cargo metadata --format-version 1 --locked");
    let out = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed ({})", out.status);
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata's JSON")?;
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .map(|m| m.iter().filter_map(|id| id.as_str()).collect())
        .unwrap_or_default();
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let version_of = |p: &serde_json::Value| p["rust_version"].as_str().map(str::to_owned);
    let workspace = packages
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(&id)))
        .find_map(version_of)
        .context("the workspace declares no rust-version")?;
    let ours = version_key(&workspace)
        .with_context(|| format!("unreadable workspace rust-version {workspace:?}"))?;
    let mut newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let v = version_of(p)?;
            (version_key(&v)? > ours).then(|| {
                format!(
                    "{} {} (rust-version {v})",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                )
            })
        })
        .collect();
    newer.sort();
    newer.dedup();
    if !newer.is_empty() {
        bail!(
            "the workspace's rust-version {workspace} (Cargo.toml, and the README) is older than \
             what these dependencies declare: {}; raise it to the highest",
            newer.join(", ")
        );
    }
    eprintln!("    ok: rust-version {workspace} covers every dependency");
    Ok(())
}

/// Passed and failed counts summed over every `test result:` line a step printed.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    fn read(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match label {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                _ => {}
            }
        }
    }
}

impl Ci {
    pub fn run(&self) -> Result<()> {
        let root = crate::project_root();
        let started = Instant::now();
        let mut steps: Vec<(&str, Vec<&str>)> = Vec::new();
        if !self.tests_only {
            steps.push(("format", vec!["fmt", "--all", "--", "--check"]));
            steps.push((
                "clippy",
                vec![
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ],
            ));
        }
        steps.push((
            "doc tests",
            vec!["test", "--workspace", "--doc", "--locked"],
        ));
        steps.push((
            "tests (snapshots in check mode, unreferenced snapshots rejected)",
            vec![
                "insta",
                "test",
                "--workspace",
                "--all-targets",
                "--check",
                "--unreferenced=reject",
            ],
        ));
        // The optional `parquet` feature (not in the default build): its code linted and its
        // read-back test run, so that it cannot rot unseen.
        if !self.tests_only {
            steps.push((
                "clippy, feature parquet",
                vec![
                    "clippy",
                    "--package",
                    "proteus",
                    "--features",
                    "parquet",
                    "--lib",
                    "--test",
                    "parquet",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ],
            ));
        }
        steps.push((
            "Parquet tables read back (feature parquet)",
            vec![
                "test",
                "--package",
                "proteus",
                "--features",
                "parquet",
                "--test",
                "parquet",
                "--locked",
            ],
        ));
        // A quick run of the built-in empirical game (the BCS speed race): the whole
        // `equilibrium` path, from the strategies file to the bundle and its report.
        steps.push((
            "equilibrium (quick: 4 repetitions per profile)",
            xtask_command(&[
                "equilibrium",
                "--repetitions",
                "4",
                "--out",
                "target/ci-equilibrium",
                "--force",
            ]),
        ));
        steps.push(("golden artifacts", xtask_command(&["golden", "--check"])));

        check_rust_version(&root)?;
        let insta_ok = || {
            Command::new("cargo")
                .args(["insta", "--version"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !insta_ok() {
            // The snapshot checks need cargo-insta; installing it here keeps the README's two
            // commands all a newcomer runs.
            eprintln!(
                "==> installing cargo-insta (snapshot checks): cargo install --locked cargo-insta"
            );
            let status = Command::new("cargo")
                .args(["install", "--locked", "cargo-insta"])
                .status()
                .context("running cargo install --locked cargo-insta")?;
            if !status.success() || !insta_ok() {
                bail!(
                    "installing cargo-insta failed ({status}); install it by hand with \
                     `cargo install --locked cargo-insta` and re-run `cargo xtask ci`"
                );
            }
        }
        let cases =
            std::env::var("PROPTEST_CASES").unwrap_or_else(|_| CI_PROPTEST_CASES.to_owned());
        let mut tally = Tally::default();
        for (name, args) in steps {
            let t = Instant::now();
            eprintln!("==> {name}: cargo {}", args.join(" "));
            let mut child = Command::new("cargo")
                .args(&args)
                .current_dir(&root)
                .env("PROPTEST_CASES", &cases)
                .env("INSTA_UPDATE", "no")
                .stdout(Stdio::piped())
                .spawn()
                .with_context(|| format!("running cargo {}", args.join(" ")))?;
            let stdout = child.stdout.take().expect("piped");
            for line in BufReader::new(stdout).lines() {
                let line = line.context("reading the step's output")?;
                tally.read(&line);
                println!("{line}");
            }
            let status = child.wait()?;
            if !status.success() {
                bail!(
                    "step `{name}` failed ({status}); run `cargo {}` to reproduce",
                    args.join(" ")
                );
            }
            eprintln!("    ok in {:.1}s", t.elapsed().as_secs_f64());
        }
        eprintln!(
            "ci: all steps passed in {:.1}s (PROPTEST_CASES={cases})",
            started.elapsed().as_secs_f64()
        );
        println!("{} passed, {} failed", tally.passed, tally.failed);
        Ok(())
    }
}

/// The cargo arguments that run `cargo xtask ARGS` (quiet, with the locked dependencies).
fn xtask_command<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["run", "--quiet", "--locked", "--package", "xtask", "--"];
    v.extend_from_slice(args);
    v
}
