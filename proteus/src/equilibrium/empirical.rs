//! The empirical game: strategy profiles simulated on common random numbers, payoffs with
//! their standard errors, the reduced game's equilibria with bootstrap intervals, and welfare
//! measured at each equilibrium (`docs/equilibrium.md`).
//!
//! * **Payoffs.** A player's payoff in one run is its trading gain against the value in force
//!   at each of its fills (the fundamental's latest change point: `price − y` per lot sold,
//!   `y − price` per lot bought, in ticks), per second of simulated time, minus its
//!   strategy's `cost_per_s`; a strategy's payoff in a profile is the mean over the players
//!   playing it. Repetition `k` of every profile under every mechanism is `sim::run(…, k)` of
//!   the base scenario's id and seed: the mechanism and the profile are not inputs of the
//!   seed, so investors' orders and the news are the same draws everywhere (common random
//!   numbers).
//! * **Deviation-preserving reduction** (Wiedenbeck and Wellman 2012). A role of `N` players
//!   is reduced to `n`: in a reduced profile, the payoff of a player of role `r` playing `s`
//!   is read from the full profile in which one player of role `r` plays `s` and each of the
//!   other `n_r − 1` reduced players of that role stands for `(N_r − 1)/(n_r − 1)` players,
//!   each reduced player of another role `r'` for `N_r'/n_r'`.
//! * **Equilibria** of the reduced game of each mechanism ([`super::solve`]); each with a
//!   bootstrap over repetitions (the same resampled repetition indices for every profile, so
//!   the common random numbers stay paired): the regret of the equilibrium in each resampled
//!   game and the nearest equilibrium of each resampled game, as 2.5–97.5% percentiles.
//! * **Welfare at an equilibrium** is measured on fresh runs (repetitions from
//!   [`WELFARE_OFFSET`]), each a full-game profile drawn from the mixture: every player draws
//!   its strategy by inverting its role's mixture at a uniform from the stream
//!   `equilibrium/profile` of `RepetitionSeed::derive(seed, "equilibrium/welfare", k)`. The
//!   uniforms are the same under every mechanism, so welfare is paired across mechanisms.

use super::game::{Game, Mixture, Profile, RoleSpec, all_profiles, profile_label};
use super::solve::{Equilibrium, SolverOptions, equilibria};
use super::spec::{BaseScenario, GameSpec, Placement};
use crate::core::RepetitionSeed;
use crate::mechanisms::Side;
use crate::scenario::Scenario;
use crate::sim::{self, RunLog, RunOptions};
use crate::stats::Summary;
use rand::RngExt;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// Welfare runs use repetitions `WELFARE_OFFSET + k`, apart from the payoff runs `0..R`.
pub const WELFARE_OFFSET: u64 = 1 << 32;

/// The most equilibria per mechanism whose welfare is measured (lowest regret first).
pub const MAX_WELFARE_EQUILIBRIA: usize = 3;

/// The welfare measures of one run, in this order (`docs/equilibrium.md`).
pub const WELFARE_METRICS: [&str; 8] = [
    "investor_cost_per_s",
    "speed_spending_per_s",
    "player_surplus_per_s",
    "total_surplus_per_s",
    "sniping_gain_per_s",
    "investor_half_spread_ticks",
    "costly_players",
    "investor_lots_per_s",
];

#[derive(Debug, Error)]
pub enum EquilibriumError {
    #[error("{0}")]
    Spec(#[from] super::spec::SpecError),
    #[error("building the scenario of profile {profile} under {mechanism}: {cause}")]
    Profile {
        profile: String,
        mechanism: String,
        cause: String,
    },
    #[error(
        "the game needs {profiles} full-game profiles per mechanism, more than the {max} allowed; \
         reduce the players (reduced_players) or the strategies"
    )]
    TooManyProfiles { profiles: usize, max: usize },
    #[error("the payoff table: {0}")]
    Game(#[from] super::game::GameError),
    #[error("{0}")]
    Artifact(#[from] crate::artifacts::ArtifactError),
    #[error("the report: {0}")]
    Report(#[from] crate::report::ReportError),
    #[error("shard {path}: {why}")]
    Shard {
        path: std::path::PathBuf,
        why: String,
    },
    #[error("--threads {threads}: {cause}")]
    Threads { threads: usize, cause: String },
}

/// What one run gives: every strategy's payoff (NaN where nobody plays it) and the welfare
/// measures ([`WELFARE_METRICS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutcome {
    pub payoffs: Mixture,
    pub welfare: [f64; 8],
}

/// The settings of one game run.
#[derive(Clone, Debug)]
pub struct GameOptions {
    pub mechanisms: Vec<String>,
    pub repetitions: u64,
    pub threads: usize,
}

/// The reduced roles (reduced player counts).
pub fn reduced_roles(spec: &GameSpec) -> Vec<RoleSpec> {
    spec.roles
        .iter()
        .map(|r| RoleSpec {
            name: r.name.clone(),
            players: r.reduced(),
            strategies: r.strategies.iter().map(|s| s.name.clone()).collect(),
        })
        .collect()
}

/// The full roles.
pub fn full_roles(spec: &GameSpec) -> Vec<RoleSpec> {
    spec.roles
        .iter()
        .map(|r| RoleSpec {
            name: r.name.clone(),
            players: r.players,
            strategies: r.strategies.iter().map(|s| s.name.clone()).collect(),
        })
        .collect()
}

/// The full-game profile whose payoff to role `r`, strategy `s` is that of the reduced profile
/// (module docs).
pub fn dpr_full(spec: &GameSpec, reduced: &Profile, r: usize, s: usize) -> Profile {
    spec.roles
        .iter()
        .enumerate()
        .map(|(q, role)| {
            let (n, m) = (role.players, role.reduced());
            if q == r {
                let f = if m > 1 { (n - 1) / (m - 1) } else { 0 };
                reduced[q]
                    .iter()
                    .enumerate()
                    .map(|(t, &c)| if t == s { 1 + (c - 1) * f } else { c * f })
                    .collect()
            } else {
                reduced[q].iter().map(|&c| c * (n / m)).collect()
            }
        })
        .collect()
}

/// Every full profile the reduced game reads, in order.
pub fn needed_profiles(spec: &GameSpec) -> Vec<Profile> {
    let mut out = std::collections::BTreeSet::new();
    for p in all_profiles(&reduced_roles(spec)) {
        for (r, counts) in p.iter().enumerate() {
            for (s, &c) in counts.iter().enumerate() {
                if c > 0 {
                    out.insert(dpr_full(spec, &p, r, s));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The value in force at each fill, walking the fundamental's change points.
fn fill_gains(log: &RunLog) -> Vec<f64> {
    let mut gain = vec![0.0; log.agents.len()];
    let mut k = 0;
    for f in &log.fills {
        while k + 1 < log.fundamental.len() && log.fundamental[k + 1].0 <= f.time {
            k += 1;
        }
        let y = log.fundamental.get(k).map_or(0.0, |c| c.1);
        let edge = (f.price as f64 - y) * f.qty as f64; // the seller's gain
        let (buyer, seller) = match f.taker_side {
            Side::Buy => (f.taker, f.maker),
            Side::Sell => (f.maker, f.taker),
        };
        gain[seller.0 as usize] += edge;
        gain[buyer.0 as usize] -= edge;
    }
    gain
}

/// Measures one run (module docs).
pub fn measure(
    log: &RunLog,
    spec: &GameSpec,
    placement: &Placement,
    duration_s: f64,
) -> RunOutcome {
    let gain = fill_gains(log);
    let mut lots = vec![0.0; log.agents.len()];
    for f in &log.fills {
        lots[f.taker.0 as usize] += f.qty as f64;
        lots[f.maker.0 as usize] += f.qty as f64;
    }
    let mut player = vec![false; log.agents.len()];
    let mut payoffs = Vec::new();
    let (mut spending, mut surplus, mut sniping, mut costly) = (0.0, 0.0, 0.0, 0.0);
    for (role, ids) in spec.roles.iter().zip(&placement.ids) {
        let mut row = Vec::new();
        for (st, range) in role.strategies.iter().zip(ids) {
            let n = range.len();
            if n == 0 {
                row.push(f64::NAN);
                continue;
            }
            let mut total = 0.0;
            for id in range.clone() {
                player[id as usize] = true;
                let g = gain[id as usize] / duration_s;
                total += g - st.cost_per_s;
                if st.agent == "arbitrageur" {
                    sniping += g;
                }
            }
            spending += st.cost_per_s * n as f64;
            if st.cost_per_s > 0.0 {
                costly += n as f64;
            }
            surplus += total;
            row.push(total / n as f64);
        }
        payoffs.push(row);
    }
    // Players of `none` have no agent: their payoff is 0 whenever the profile has them.
    for ((role, ids), row) in spec
        .roles
        .iter()
        .zip(&placement.ids)
        .zip(payoffs.iter_mut())
    {
        for ((st, range), v) in role.strategies.iter().zip(ids).zip(row.iter_mut()) {
            if st.agent == "none" && range.is_empty() {
                *v = -st.cost_per_s;
            }
        }
    }
    let (mut investor_gain, mut investor_lots) = (0.0, 0.0);
    for (i, &is_player) in player.iter().enumerate() {
        if !is_player {
            investor_gain += gain[i];
            investor_lots += lots[i];
        }
    }
    let investor_cost = -investor_gain / duration_s;
    RunOutcome {
        payoffs,
        welfare: [
            investor_cost,
            spending,
            surplus,
            surplus - investor_cost,
            sniping,
            if investor_lots > 0.0 {
                -investor_gain / investor_lots
            } else {
                f64::NAN
            },
            costly,
            investor_lots / duration_s,
        ],
    }
}

/// Payoff samples of every simulated full profile, per mechanism.
#[derive(Debug)]
pub struct EmpiricalGame {
    pub spec: GameSpec,
    pub mechanisms: Vec<String>,
    pub profiles: Vec<Profile>,
    /// `samples[m][p][k]`: mechanism `m`, profile `profiles[p]`, repetition `k`.
    pub samples: Vec<Vec<Vec<RunOutcome>>>,
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, EquilibriumError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EquilibriumError::Threads {
            threads,
            cause: e.to_string(),
        })
}

/// The scenario of a full profile under a mechanism.
fn profile_scenario(
    base: &BaseScenario,
    spec: &GameSpec,
    profile: &Profile,
    mechanism: &str,
) -> Result<(Scenario, Placement), EquilibriumError> {
    base.scenario_for(spec, profile, Some(mechanism))
        .map_err(|cause| EquilibriumError::Profile {
            profile: profile_label(&full_roles(spec), profile),
            mechanism: mechanism.to_owned(),
            cause,
        })
}

/// The full profiles the game simulates, checked against [`super::spec::MAX_PROFILES`].
pub fn checked_profiles(spec: &GameSpec) -> Result<Vec<Profile>, EquilibriumError> {
    let profiles = needed_profiles(spec);
    if profiles.len() > super::spec::MAX_PROFILES {
        return Err(EquilibriumError::TooManyProfiles {
            profiles: profiles.len(),
            max: super::spec::MAX_PROFILES,
        });
    }
    Ok(profiles)
}

/// Payoff runs in all: mechanisms × profiles × repetitions. Run `job` is mechanism
/// `job / (P·R)`, profile `(job / R) mod P`, repetition `job mod R`.
pub fn job_count(spec: &GameSpec, opts: &GameOptions) -> Result<u64, EquilibriumError> {
    Ok(opts.mechanisms.len() as u64 * checked_profiles(spec)?.len() as u64 * opts.repetitions)
}

/// Runs the payoff runs `jobs` (a range of the flat index of [`job_count`]) on `opts.threads`
/// threads, `progress(done, total)` after each; their outcomes in job order.
pub fn run_jobs(
    base: &BaseScenario,
    spec: &GameSpec,
    opts: &GameOptions,
    jobs: std::ops::Range<u64>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Vec<RunOutcome>, EquilibriumError> {
    let profiles = checked_profiles(spec)?;
    let reps = opts.repetitions;
    let per_mechanism = profiles.len() as u64 * reps;
    // Only the (mechanism, profile) scenarios this range touches are built.
    let first = jobs.start / reps;
    let last = jobs.end.div_ceil(reps);
    let mut scenarios = Vec::new();
    for k in first..last {
        let (m, p) = (
            (k * reps / per_mechanism) as usize,
            (k % profiles.len() as u64) as usize,
        );
        scenarios.push(profile_scenario(
            base,
            spec,
            &profiles[p],
            &opts.mechanisms[m],
        )?);
    }
    let total = jobs.end - jobs.start;
    let done = AtomicU64::new(0);
    Ok(pool(opts.threads)?.install(|| {
        jobs.into_par_iter()
            .map(|job| {
                let (sc, place) = &scenarios[(job / reps - first) as usize];
                let log = sim::run(sc, job % reps, RunOptions::default());
                let out = measure(&log, spec, place, sc.duration_s);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                out
            })
            .collect()
    }))
}

/// The empirical game from the outcomes of every payoff run, in job order.
pub fn assemble(
    spec: &GameSpec,
    opts: &GameOptions,
    outcomes: Vec<RunOutcome>,
) -> Result<EmpiricalGame, EquilibriumError> {
    let profiles = checked_profiles(spec)?;
    let reps = opts.repetitions as usize;
    assert_eq!(
        outcomes.len(),
        opts.mechanisms.len() * profiles.len() * reps
    );
    let mut it = outcomes.into_iter();
    let samples = opts
        .mechanisms
        .iter()
        .map(|_| {
            profiles
                .iter()
                .map(|_| it.by_ref().take(reps).collect())
                .collect()
        })
        .collect();
    Ok(EmpiricalGame {
        spec: spec.clone(),
        mechanisms: opts.mechanisms.clone(),
        profiles,
        samples,
    })
}

/// Simulates every profile the reduced game needs (module docs), `progress(done, total)`
/// after each run. The same bytes on any number of threads.
pub fn simulate(
    base: &BaseScenario,
    spec: &GameSpec,
    opts: &GameOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<EmpiricalGame, EquilibriumError> {
    let total = job_count(spec, opts)?;
    let outcomes = run_jobs(base, spec, opts, 0..total, progress)?;
    assemble(spec, opts, outcomes)
}

/// Mean, standard error and 95% interval of a strategy's payoff in a reduced profile.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PayoffCell {
    pub mechanism: String,
    pub profile: String,
    pub role: String,
    pub strategy: String,
    /// Players of the reduced profile playing it.
    pub players: u32,
    /// The full profile simulated for it.
    pub full_profile: String,
    pub summary: Summary,
}

impl EmpiricalGame {
    fn index(&self, full: &Profile) -> usize {
        self.profiles
            .binary_search(full)
            .expect("every needed profile was simulated")
    }

    /// The reduced game of mechanism `m`, its payoffs the means over the repetitions `reps`
    /// (all of them when `None`).
    pub fn game(&self, m: usize, reps: Option<&[usize]>) -> Result<Game, EquilibriumError> {
        let roles = reduced_roles(&self.spec);
        let mut table = BTreeMap::new();
        for p in all_profiles(&roles) {
            let mut u: Mixture = roles
                .iter()
                .map(|r| vec![f64::NAN; r.strategies.len()])
                .collect();
            for (r, counts) in p.iter().enumerate() {
                for (s, &c) in counts.iter().enumerate() {
                    if c == 0 {
                        continue;
                    }
                    let runs = &self.samples[m][self.index(&dpr_full(&self.spec, &p, r, s))];
                    let (sum, n) = match reps {
                        None => (
                            runs.iter().map(|o| o.payoffs[r][s]).sum::<f64>(),
                            runs.len(),
                        ),
                        Some(idx) => (idx.iter().map(|&k| runs[k].payoffs[r][s]).sum(), idx.len()),
                    };
                    u[r][s] = sum / n as f64;
                }
            }
            table.insert(p, u);
        }
        Ok(Game::new(roles, table)?)
    }

    /// Every cell of the reduced payoff table of every mechanism.
    pub fn payoff_cells(&self) -> Vec<PayoffCell> {
        let roles = reduced_roles(&self.spec);
        let full = full_roles(&self.spec);
        let mut out = Vec::new();
        for (m, mech) in self.mechanisms.iter().enumerate() {
            for p in all_profiles(&roles) {
                for (r, counts) in p.iter().enumerate() {
                    for (s, &c) in counts.iter().enumerate() {
                        if c == 0 {
                            continue;
                        }
                        let f = dpr_full(&self.spec, &p, r, s);
                        let sample: Vec<f64> = self.samples[m][self.index(&f)]
                            .iter()
                            .map(|o| o.payoffs[r][s])
                            .collect();
                        out.push(PayoffCell {
                            mechanism: mech.clone(),
                            profile: profile_label(&roles, &p),
                            role: roles[r].name.clone(),
                            strategy: roles[r].strategies[s].clone(),
                            players: c,
                            full_profile: profile_label(&full, &f),
                            summary: Summary::of(&sample)
                                .expect("payoffs are finite (checked by Game::new)"),
                        });
                    }
                }
            }
        }
        out
    }
}

/// A 2.5–97.5% percentile interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Percentiles {
    pub low: f64,
    pub high: f64,
}

fn percentiles(mut v: Vec<f64>) -> Option<Percentiles> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    Some(Percentiles {
        low: at(0.025),
        high: at(0.975),
    })
}

/// An equilibrium's bootstrap (module docs).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Bootstrap {
    pub draws: u64,
    /// The equilibrium's regret in the resampled games.
    pub regret: Percentiles,
    /// Per role and strategy, the weight of the nearest equilibrium of each resampled game.
    pub mixture: Vec<Vec<Percentiles>>,
    /// Resampled games that had an equilibrium (the others are left out of `mixture`).
    pub solved: u64,
}

/// One equilibrium of one mechanism with its bootstrap and welfare.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EquilibriumResult {
    pub equilibrium: Equilibrium,
    pub bootstrap: Option<Bootstrap>,
    /// Per welfare metric ([`WELFARE_METRICS`]), its summary over the welfare runs (`None`
    /// for equilibria past [`MAX_WELFARE_EQUILIBRIA`]).
    pub welfare: Option<Vec<Summary>>,
    /// Per welfare run, the measures (for paired contrasts).
    #[serde(skip)]
    pub welfare_runs: Vec<[f64; 8]>,
}

/// The resampled repetition indices of bootstrap draw `b`.
fn resample(seed: u64, b: u64, reps: usize) -> Vec<usize> {
    let mut s = RepetitionSeed::derive(seed, "equilibrium/bootstrap", b).stream("repetitions");
    (0..reps).map(|_| s.random_range(0..reps)).collect()
}

/// Equilibria of mechanism `m`'s reduced game with their bootstraps.
pub fn solve_mechanism(
    g: &EmpiricalGame,
    m: usize,
    seed: u64,
    draws: u64,
    solver: &SolverOptions,
) -> Result<Vec<(Equilibrium, Option<Bootstrap>)>, EquilibriumError> {
    let game = g.game(m, None)?;
    let found = equilibria(&game, solver);
    let reps = g.samples[m].first().map_or(0, Vec::len);
    let quick = SolverOptions {
        random_starts: 0,
        iterations: 2_000,
        ..*solver
    };
    let games: Vec<Game> = (0..draws)
        .into_par_iter()
        .map(|b| g.game(m, Some(&resample(seed, b, reps))))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for eq in found {
        let boot = (draws > 0).then(|| {
            let regrets: Vec<f64> = games.iter().map(|gb| gb.regret(&eq.mixture)).collect();
            let nearest: Vec<Equilibrium> = games
                .par_iter()
                .filter_map(|gb| super::solve::nearest(gb, &eq.mixture, &quick))
                .collect();
            let mixture = eq
                .mixture
                .iter()
                .enumerate()
                .map(|(r, xr)| {
                    (0..xr.len())
                        .map(|s| {
                            percentiles(nearest.iter().map(|e| e.mixture[r][s]).collect())
                                .unwrap_or(Percentiles {
                                    low: f64::NAN,
                                    high: f64::NAN,
                                })
                        })
                        .collect()
                })
                .collect();
            Bootstrap {
                draws,
                regret: percentiles(regrets).expect("draws > 0"),
                mixture,
                solved: nearest.len() as u64,
            }
        });
        out.push((eq, boot));
    }
    Ok(out)
}

/// The full profile of welfare run `k` drawn from `mix` (module docs).
pub fn draw_profile(spec: &GameSpec, mix: &Mixture, seed: u64, k: u64) -> Profile {
    let mut s =
        RepetitionSeed::derive(seed, "equilibrium/welfare", k).stream("equilibrium/profile");
    spec.roles
        .iter()
        .zip(mix)
        .map(|(role, x)| {
            let mut counts = vec![0u32; x.len()];
            for _ in 0..role.players {
                let u: f64 = s.random::<f64>();
                let mut acc = 0.0;
                let mut pick = x.len() - 1;
                for (t, &w) in x.iter().enumerate() {
                    acc += w;
                    if u < acc {
                        pick = t;
                        break;
                    }
                }
                // Never a strategy of weight 0 (rounding at the top of the CDF).
                while x[pick] == 0.0 && pick > 0 {
                    pick -= 1;
                }
                counts[pick] += 1;
            }
            counts
        })
        .collect()
}

/// The welfare runs of one equilibrium under one mechanism.
pub fn welfare_runs(
    base: &BaseScenario,
    spec: &GameSpec,
    mechanism: &str,
    mix: &Mixture,
    seed: u64,
    runs: u64,
) -> Result<Vec<[f64; 8]>, EquilibriumError> {
    (0..runs)
        .into_par_iter()
        .map(|k| {
            let profile = draw_profile(spec, mix, seed, k);
            let (sc, place) = profile_scenario(base, spec, &profile, mechanism)?;
            let log = sim::run(&sc, WELFARE_OFFSET + k, RunOptions::default());
            Ok(measure(&log, spec, &place, sc.duration_s).welfare)
        })
        .collect()
}

/// Summaries of each welfare metric over runs (a metric undefined in a run, e.g. the
/// investors' half-spread with no investor fill, is left out of that metric's sample).
pub fn summarise_welfare(runs: &[[f64; 8]]) -> Vec<Summary> {
    (0..WELFARE_METRICS.len())
        .map(|i| {
            let v: Vec<f64> = runs
                .iter()
                .map(|r| r[i])
                .filter(|x| x.is_finite())
                .collect();
            Summary::of(&v).expect("finite by construction")
        })
        .collect()
}

/// Everything `cargo xtask equilibrium` reports.
pub struct Outcome {
    pub spec: GameSpec,
    pub mechanisms: Vec<String>,
    pub seed: u64,
    pub scenario_id: String,
    pub repetitions: u64,
    pub profiles: usize,
    pub payoffs: Vec<PayoffCell>,
    /// Per mechanism, its equilibria.
    pub equilibria: Vec<Vec<EquilibriumResult>>,
    pub solver: SolverOptions,
}

/// Runs the whole analysis: profiles, payoffs, equilibria with bootstraps, welfare.
pub fn analyse(
    base: &BaseScenario,
    spec: &GameSpec,
    opts: &GameOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Outcome, EquilibriumError> {
    let game = simulate(base, spec, opts, progress)?;
    analyse_game(base, spec, opts, game)
}

/// The analysis of an empirical game already simulated (by [`simulate`], or merged from
/// shards): equilibria with bootstraps, welfare.
pub fn analyse_game(
    base: &BaseScenario,
    spec: &GameSpec,
    opts: &GameOptions,
    game: EmpiricalGame,
) -> Result<Outcome, EquilibriumError> {
    let seed = base.scenario.seed;
    let solver = SolverOptions {
        tolerance: 1e-5,
        seed,
        ..SolverOptions::default()
    };
    let threads = pool(opts.threads)?;
    let mut all = Vec::new();
    for (m, mech) in opts.mechanisms.iter().enumerate() {
        let solved =
            threads.install(|| solve_mechanism(&game, m, seed, spec.bootstrap, &solver))?;
        let mut results = Vec::new();
        for (i, (eq, boot)) in solved.into_iter().enumerate() {
            let runs = if i < MAX_WELFARE_EQUILIBRIA {
                threads.install(|| {
                    welfare_runs(
                        base,
                        spec,
                        mech,
                        &eq.mixture,
                        seed,
                        spec.welfare_repetitions,
                    )
                })?
            } else {
                Vec::new()
            };
            results.push(EquilibriumResult {
                welfare: (!runs.is_empty()).then(|| summarise_welfare(&runs)),
                welfare_runs: runs,
                equilibrium: eq,
                bootstrap: boot,
            });
        }
        all.push(results);
    }
    Ok(Outcome {
        spec: spec.clone(),
        mechanisms: opts.mechanisms.clone(),
        seed,
        scenario_id: base.scenario.id.clone(),
        repetitions: opts.repetitions,
        profiles: game.profiles.len(),
        payoffs: game.payoff_cells(),
        equilibria: all,
        solver,
    })
}
