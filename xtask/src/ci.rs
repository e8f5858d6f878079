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
        steps.push((
            "golden artifacts",
            vec![
                "run",
                "--quiet",
                "--locked",
                "--package",
                "xtask",
                "--",
                "golden",
                "--check",
            ],
        ));

        let insta_ok = Command::new("cargo")
            .args(["insta", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !insta_ok {
            bail!(
                "cargo-insta is not installed; install it with `cargo install --locked cargo-insta` \
                 (`.ci/run` does this for you)"
            );
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
