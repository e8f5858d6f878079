use anyhow::{Context, Result, bail};
use clap::Args;
use std::process::Command;
use std::time::Instant;

/// Proptest cases per property when CI runs (the default elsewhere is 256).
const CI_PROPTEST_CASES: &str = "2048";

#[derive(Args)]
pub struct Ci {
    /// Skip fmt and clippy (tests only).
    #[arg(long)]
    tests_only: bool,
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
        steps.push((
            "doc tests",
            vec!["test", "--workspace", "--doc", "--locked"],
        ));

        if Command::new("cargo")
            .args(["insta", "--version"])
            .output()
            .map_or(true, |o| !o.status.success())
        {
            bail!(
                "cargo-insta is not installed; install it with `cargo install --locked cargo-insta` \
                 (`.ci/run` does this for you)"
            );
        }
        let cases =
            std::env::var("PROPTEST_CASES").unwrap_or_else(|_| CI_PROPTEST_CASES.to_owned());
        for (name, args) in steps {
            let t = Instant::now();
            eprintln!("==> {name}: cargo {}", args.join(" "));
            let status = Command::new("cargo")
                .args(&args)
                .current_dir(&root)
                .env("PROPTEST_CASES", &cases)
                .env("INSTA_UPDATE", "no")
                .status()
                .with_context(|| format!("running cargo {}", args.join(" ")))?;
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
        Ok(())
    }
}
