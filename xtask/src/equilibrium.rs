//! `cargo xtask equilibrium`: mechanisms compared at equilibrium by empirical game-theoretic
//! analysis (`docs/equilibrium.md`).

use crate::progress::Progress;
use anyhow::{Context, Result, bail};
use clap::Args;
use proteus::equilibrium::bundle::{text_table, write_bundle};
use proteus::equilibrium::shard::{merge_shards, write_shard};
use proteus::equilibrium::{
    BaseScenario, DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE, DEFAULT_STRATEGIES,
    DEFAULT_STRATEGIES_FILE, GameOptions, GameSpec, analyse, analyse_game,
};
use proteus::scenario::MechanismSettings;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct Equilibrium {
    /// Base scenario (TOML); the strategies file's `scenario` when omitted.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Strategies file (TOML); the built-in BCS speed game when omitted.
    #[arg(long, value_name = "FILE")]
    strategies: Option<PathBuf>,
    /// Mechanisms, comma-separated (clob, fba[:INTERVAL], rfq[:DEALERS]); the strategies
    /// file's when omitted.
    #[arg(long, value_name = "LIST")]
    mechanisms: Option<String>,
    /// Runs per profile and mechanism, 2 to 100000; the strategies file's when omitted.
    #[arg(long, value_name = "N")]
    repetitions: Option<u64>,
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (0: all cores, at most 1024). Results are identical for any count.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Output folder (created atomically; must not exist or be empty unless --force).
    #[arg(long, value_name = "DIR", default_value = "out/equilibrium")]
    out: PathBuf,
    /// Replace an existing output folder that holds a Proteus bundle (never a folder of other files).
    #[arg(long)]
    force: bool,
    /// Run only shard K of N of the payoff runs (0 <= K < N) and write them as a shard folder
    /// (for a Slurm job array; docs/equilibrium.md). The same flags must go to every shard and
    /// to the merge.
    #[arg(long, value_name = "K/N", conflicts_with = "merge")]
    shard: Option<String>,
    /// Merge shard folders (every one of the N) into the bundle one process would write: the
    /// payoff runs are read from them, the rest runs here.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    merge: Vec<PathBuf>,
}

/// `K/N` of `--shard`.
fn parse_shard(text: &str) -> Result<(u64, u64)> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((k, n)) if n >= 1 && k < n => Ok((k, n)),
        _ => bail!(
            "--shard {text}: must be K/N with whole numbers, N >= 1 and 0 <= K < N (e.g. 0/8)"
        ),
    }
}

fn read(path: &Path, what: &str) -> Result<String> {
    let bytes = proteus::artifacts::read_limited(path, proteus::artifacts::MAX_CONFIG_FILE_BYTES)
        .with_context(|| format!("{what} {}: cannot be read", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{what} {}: not UTF-8", path.display()))
}

impl Equilibrium {
    pub fn run(&self) -> Result<()> {
        if self.threads > 1024 {
            bail!(
                "--threads {}: must be in [0, 1024] (0: all cores)",
                self.threads
            );
        }
        let (spec_text, spec_file, spec_dir) = match &self.strategies {
            Some(p) => (
                read(p, "--strategies")?,
                p.display().to_string(),
                p.parent().map(Path::to_owned),
            ),
            None => (
                DEFAULT_STRATEGIES.to_owned(),
                DEFAULT_STRATEGIES_FILE.to_owned(),
                None,
            ),
        };
        let mut spec = GameSpec::from_toml(&spec_text, &spec_file)?;
        if let Some(list) = &self.mechanisms {
            spec.mechanisms = list.split(',').map(|s| s.trim().to_owned()).collect();
            for m in &spec.mechanisms {
                MechanismSettings::default()
                    .with_spec(m)
                    .with_context(|| format!("--mechanisms {list}"))?;
            }
        }
        if let Some(r) = self.repetitions {
            if !(2..=100_000).contains(&r) {
                bail!("--repetitions {r}: must be in [2, 100000]");
            }
            spec.repetitions = r;
        }
        spec.check(&spec_file)?;
        let (scenario_text, scenario_file) = match (&self.scenario, &spec.scenario, &spec_dir) {
            (Some(p), _, _) => (read(p, "--scenario")?, p.display().to_string()),
            (None, Some(rel), Some(dir)) => {
                let p = dir.join(rel);
                (
                    read(&p, &format!("the strategies file's scenario ({rel})"))?,
                    p.display().to_string(),
                )
            }
            (None, Some(_), None) | (None, None, None) => (
                DEFAULT_SCENARIO.to_owned(),
                DEFAULT_SCENARIO_FILE.to_owned(),
            ),
            (None, None, Some(_)) => bail!(
                "--strategies {spec_file}: names no `scenario`; give one there or pass --scenario FILE"
            ),
        };
        let mut base = BaseScenario::from_toml(&scenario_text, &scenario_file)?;
        if let Some(seed) = self.seed {
            base.set_seed(seed);
        }
        spec.check_against(&base, &spec_file)?;
        let opts = GameOptions {
            mechanisms: spec.mechanisms.clone(),
            repetitions: spec.repetitions,
            threads: self.threads,
        };
        let shard = self.shard.as_deref().map(parse_shard).transpose()?;
        let started = Instant::now();
        let progress = Progress::new();
        let update = |done: u64, total: u64| progress.update("equilibrium", done, total);
        if let Some((k, n)) = shard {
            let out = write_shard(&base, &spec, &opts, k, n, &self.out, self.force, &update)
                .with_context(|| {
                    format!(
                        "shard {k}/{n} of game `{}` failed; nothing was written to {}",
                        spec.game,
                        self.out.display()
                    )
                })?;
            println!(
                "shard {k}/{n} of game `{}` in {:.1}s; wrote {} (merge every shard with --merge)",
                spec.game,
                started.elapsed().as_secs_f64(),
                out.display()
            );
            return Ok(());
        }
        let outcome = if self.merge.is_empty() {
            analyse(&base, &spec, &opts, &update)
        } else {
            merge_shards(&base, &spec, &opts, &self.merge)
                .and_then(|game| analyse_game(&base, &spec, &opts, game))
        }
        .with_context(|| {
            format!(
                "equilibrium of game `{}` failed; nothing was written",
                spec.game
            )
        })?;
        let out = write_bundle(&outcome, &self.out, self.force).with_context(|| {
            format!(
                "writing the equilibrium bundle failed; nothing was written to {}",
                self.out.display()
            )
        })?;
        print!("{}", text_table(&outcome));
        println!(
            "\ngame `{}`: {} full profiles x {} mechanisms x {} repetitions, seed {}, in {:.1}s; wrote {}",
            spec.game,
            outcome.profiles,
            outcome.mechanisms.len(),
            outcome.repetitions,
            outcome.seed,
            started.elapsed().as_secs_f64(),
            out.display()
        );
        Ok(())
    }
}
