//! Budish, Cramton and Shim (2015): sniping in the continuous market and its removal by batch
//! auctions.
//!
//! Setting in Proteus terms: the scenario `scenarios/validation/bcs_scenario.toml` run by the
//! simulator itself ([`crate::sim::run`]: its agent wires, leakage policy, quote board, news
//! delivery and venue), with each point's N, half-spread δ, jump law and mechanism, and the
//! rates, latencies and batch interval of the case file `scenarios/validation/bcs.toml`, set in
//! code. The firms: one [`FixedSpreadProvider`](crate::agents::FixedSpreadProvider) (`[agents.fixed_spread]`, one lot a side at
//! y ± δ) and N − 1 [`LatencyArbitrageur`](crate::agents::LatencyArbitrageur)s (`[agents.arbitrageur]`, threshold 0, one lot) as
//! snipers. The public value y jumps at Poisson times (`[news]`, the fundamental has no
//! diffusion); news reaches every firm at once (market-data latency 0) and fills are reported at
//! once (ack latency 0). Every message a firm sends reaches the venue after its own draw of
//! `latency_min + U(0, latency_gap)` (the simulator draws per message; a firm's channel is
//! FIFO). The provider cancels the side a jump makes stale first, so that cancel is one draw,
//! as each sniper's single order is: the firms are symmetric and each is first with probability
//! 1/N, which is the theory's assumption. Investors: one noise trader (`[agents.noise]`) sending
//! one-lot market orders at Poisson times (rate λ_invest), buy or sell with probability 1/2.
//!
//! Measured per repetition from the run's [`RunLog`], in price units per second: every fill's
//! gain to each party (its price against the value y in force at the fill, from
//! `RunLog::fundamental`), summed for the provider (split by counterparty: investors and
//! snipers) and per sniper; races (news on which the snipers fire: the first sniper's orders
//! in `RunLog::venue_requests`) and the lots the snipers take from the provider's stale quotes
//! (its orders that reached the venue before the latest news at the fill). Under FBA a
//! sniper's order waits in the batch until it ends, and a second, opposite jump in the same
//! batch can bring the provider's fresh quote across it: that trade is between them but not on
//! a stale quote, so it counts in the sniper's "all fills" line only.
//!
//! Theory, with L(δ) = E[(|J| − δ)⁺]:
//! * CLOB: provider `λ_invest·δ − λ_jump·L(δ)·(N−1)/N`, each sniper `λ_jump·L(δ)/N`, stale
//!   fraction `(N−1)/N`; δ0 root-found from `λ_invest·δ0 = λ_jump·L(δ0)·(N−1)/N`. At N = 2 the
//!   one sniper's profit is, fill for fill, the provider's loss to snipers, so that line is
//!   reported once (as the provider's loss).
//! * FBA (interval τ, latency gap g, the jump uniform in its batch): the stale quote trades only
//!   if the provider's cancel misses the batch and at least one sniper's order makes it:
//!   probability `(g/τ)·(N−1)/(2(N+1))` per race; each sniper `λ_jump·L(δ)·(g/τ)/(2(N+1))`.
//! * FBA rationing (the `[rationing]` point): the provider rests `lots` a side, two snipers of
//!   constant latencies a_f < a_s (both well inside τ) each ask for all of it, the provider's
//!   cancel takes a_p > a_s. With the jump R before its batch end (uniform on [0, τ)), the stale
//!   quote trades when R ∈ (a_f, a_p]; both snipers are in the batch when R ∈ (a_s, a_p], and
//!   then pro-rata rationing at the margin splits the lots (⌈lots/2⌉ to the earlier order:
//!   largest remainder): speed within the batch buys nothing. The fast sniper's share of the
//!   stale lots is `[(a_s − a_f) + (a_p − a_s)·⌈lots/2⌉/lots] / (a_p − a_f)`; time priority at
//!   the margin would give it all of them (share 1).
//!
//! Planted defects (`validate --mutants`, [`Mutant`]): `clob_take_beats_cancel` sets
//! `[market] cancel_delay_ns` = latency_min + latency_gap in every scenario of the case (every
//! cancel acts after every sniper's order arrives: the stale fraction goes to 1);
//! `fba_time_at_margin` sets `[mechanism] rationing = "time_priority"` (the fast sniper's share
//! goes to 1).

use super::mutants::Mutant;
use super::{Check, Lines, Repetitions, ValidationError, parse, require};
use crate::agents::ArbitrageurConfig;
use crate::core::{AgentId, MechanismKind, Role};
use crate::execution::{LatencyDist, LatencyProfile};
use crate::info::JumpSizeLaw;
use crate::mechanisms::Rationing;
use crate::scenario::{Population, Populations, Scenario};
use crate::sim::{RequestKind, RunLog, RunOptions};
use rayon::prelude::*;
use serde::Deserialize;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

pub const CASE: &str = "bcs";
pub(crate) const FILE: &str = "scenarios/validation/bcs.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/bcs.toml");
/// The scenario every point runs (a normal scenario file).
pub const SCENARIO_FILE: &str = "scenarios/validation/bcs_scenario.toml";
pub const SCENARIO_TEXT: &str = include_str!("../../../scenarios/validation/bcs_scenario.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[allow(dead_code)]
    case: String,
    seed: u64,
    duration_s: f64,
    tick: f64,
    jump_rate_per_s: f64,
    invest_rate_per_s: f64,
    latency_min_ns: u64,
    latency_gap_ns: u64,
    batch_interval_ns: u64,
    half_spreads: Vec<f64>,
    n_firms: Vec<usize>,
    repetitions: Repetitions,
    jump_laws: Vec<JumpSizeLaw>,
    rationing: RationingPoint,
}

/// The FBA rationing point (module docs).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RationingPoint {
    /// Lots the provider rests a side, and each sniper asks for.
    lots: i64,
    /// δ in price units (the first jump law is used).
    half_spread: f64,
    provider_latency_ns: u64,
    fast_latency_ns: u64,
    slow_latency_ns: u64,
}

/// One price unit in ticks is `1 / tick`; times in ns; the most of anything, 1 h.
const MAX_NS: u64 = 3_600_000_000_000;

impl CaseFile {
    /// Every field's range, so a bad `--points` file names the field.
    fn check(&self, file: &str) -> Result<(), ValidationError> {
        let pos = |x: f64| x.is_finite() && x > 0.0;
        require(
            file,
            pos(self.duration_s) && self.duration_s <= crate::scenario::MAX_DURATION_S,
            "duration_s",
            self.duration_s,
            "must be in (0, 604800] seconds",
        )?;
        require(
            file,
            pos(self.tick) && self.tick <= 1.0,
            "tick",
            self.tick,
            "must be in (0, 1]",
        )?;
        require(
            file,
            pos(self.jump_rate_per_s) && self.jump_rate_per_s <= 1e4,
            "jump_rate_per_s",
            self.jump_rate_per_s,
            "must be in (0, 10000]",
        )?;
        require(
            file,
            pos(self.invest_rate_per_s) && self.invest_rate_per_s <= 1e4,
            "invest_rate_per_s",
            self.invest_rate_per_s,
            "must be in (0, 10000]",
        )?;
        require(
            file,
            (1..=MAX_NS).contains(&self.latency_min_ns),
            "latency_min_ns",
            self.latency_min_ns,
            "must be in [1, 3600000000000]",
        )?;
        require(
            file,
            (1..=MAX_NS).contains(&self.latency_gap_ns),
            "latency_gap_ns",
            self.latency_gap_ns,
            "must be in [1, 3600000000000]",
        )?;
        require(
            file,
            (1_000..=MAX_NS).contains(&self.batch_interval_ns)
                && self.batch_interval_ns >= self.latency_min_ns + self.latency_gap_ns,
            "batch_interval_ns",
            self.batch_interval_ns,
            "must be in [1000, 3600000000000] and at least latency_min_ns + latency_gap_ns \
             (the FBA law assumes every order reaches the batch after its jump's or the next)",
        )?;
        require(
            file,
            !self.half_spreads.is_empty() && self.half_spreads.len() <= 16,
            "half_spreads",
            format!("{:?}", self.half_spreads),
            "must list 1 to 16 values",
        )?;
        for (i, &d) in self.half_spreads.iter().enumerate() {
            require(
                file,
                pos(d) && d / self.tick <= 1e6,
                &format!("half_spreads[{i}]"),
                d,
                "must be > 0 and at most 1e6 ticks",
            )?;
        }
        require(
            file,
            !self.n_firms.is_empty() && self.n_firms.len() <= 16,
            "n_firms",
            format!("{:?}", self.n_firms),
            "must list 1 to 16 values",
        )?;
        for (i, &n) in self.n_firms.iter().enumerate() {
            require(
                file,
                (2..=100).contains(&n),
                &format!("n_firms[{i}]"),
                n,
                "must be in [2, 100] (one provider and at least one sniper)",
            )?;
        }
        for (name, r) in [
            ("repetitions.quick", self.repetitions.quick),
            ("repetitions.full", self.repetitions.full),
        ] {
            require(
                file,
                (2..=100_000).contains(&r),
                name,
                r,
                "must be in [2, 100000]",
            )?;
        }
        require(
            file,
            !self.jump_laws.is_empty() && self.jump_laws.len() <= 8,
            "jump_laws",
            self.jump_laws.len(),
            "must list 1 to 8 laws",
        )?;
        for (i, law) in self.jump_laws.iter().enumerate() {
            let (name, ok, value) = match *law {
                JumpSizeLaw::Normal { mean, std } => {
                    require(
                        file,
                        mean == 0.0,
                        &format!("jump_laws[{i}].mean"),
                        mean,
                        "must be 0 (the theory's jumps are symmetric)",
                    )?;
                    ("std", pos(std), std)
                }
                JumpSizeLaw::Laplace { scale } => ("scale", pos(scale), scale),
                JumpSizeLaw::Fixed { size } => ("size", pos(size), size),
            };
            require(
                file,
                ok && value / self.tick <= 1e9,
                &format!("jump_laws[{i}].{name}"),
                value,
                "must be > 0 and at most 1e9 ticks",
            )?;
        }
        let r = &self.rationing;
        require(
            file,
            (2..=1_000_000).contains(&r.lots),
            "rationing.lots",
            r.lots,
            "must be in [2, 1000000]",
        )?;
        require(
            file,
            pos(r.half_spread) && r.half_spread / self.tick <= 1e6,
            "rationing.half_spread",
            r.half_spread,
            "must be > 0 and at most 1e6 ticks",
        )?;
        require(
            file,
            r.fast_latency_ns >= 1,
            "rationing.fast_latency_ns",
            r.fast_latency_ns,
            "must be >= 1",
        )?;
        require(
            file,
            r.slow_latency_ns > r.fast_latency_ns,
            "rationing.slow_latency_ns",
            r.slow_latency_ns,
            "must be > rationing.fast_latency_ns",
        )?;
        require(
            file,
            r.provider_latency_ns > r.slow_latency_ns
                && r.provider_latency_ns < self.batch_interval_ns,
            "rationing.provider_latency_ns",
            r.provider_latency_ns,
            "must be > rationing.slow_latency_ns and < batch_interval_ns",
        )
    }
}

/// `L(δ) = Pr(|J| > δ)·E[|J| − δ | |J| > δ] = E[(|J| − δ)⁺]` for a symmetric jump law with mean
/// zero (normal or Laplace; a fixed size s gives `(s − δ)⁺`).
pub fn expected_excess(law: JumpSizeLaw, delta: f64) -> f64 {
    match law {
        JumpSizeLaw::Normal { std, .. } => {
            if std == 0.0 {
                return 0.0;
            }
            let n = Normal::standard();
            let z = delta / std;
            2.0 * (std * n.pdf(z) - delta * (1.0 - n.cdf(z)))
        }
        JumpSizeLaw::Laplace { scale } => scale * (-delta / scale).exp(),
        JumpSizeLaw::Fixed { size } => (size - delta).max(0.0),
    }
}

/// The root of `λ_invest·δ = λ_jump·L(δ)·share` by bisection (share = (N−1)/N for δ0, 1 for δ*).
pub fn break_even_half_spread(law: JumpSizeLaw, invest: f64, jump: f64, share: f64) -> f64 {
    let f = |d: f64| invest * d - jump * expected_excess(law, d) * share;
    let (mut lo, mut hi) = (0.0, 1.0);
    while f(hi) < 0.0 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn law_label(law: JumpSizeLaw) -> String {
    match law {
        JumpSizeLaw::Normal { mean, std } => format!("normal({mean},{std})"),
        JumpSizeLaw::Laplace { scale } => format!("laplace({scale})"),
        JumpSizeLaw::Fixed { size } => format!("fixed({size})"),
    }
}

/// The jump law in ticks.
fn in_ticks(law: JumpSizeLaw, tick: f64) -> JumpSizeLaw {
    match law {
        JumpSizeLaw::Normal { mean, std } => JumpSizeLaw::Normal {
            mean: mean / tick,
            std: std / tick,
        },
        JumpSizeLaw::Laplace { scale } => JumpSizeLaw::Laplace {
            scale: scale / tick,
        },
        JumpSizeLaw::Fixed { size } => JumpSizeLaw::Fixed { size: size / tick },
    }
}

/// One point's scenario: the scenario file with the point's settings (module docs).
struct Point<'a> {
    cf: &'a CaseFile,
    label: String,
    law: JumpSizeLaw,
    n: usize,
    delta_ticks: i64,
    mechanism: MechanismKind,
    mutant: Option<Mutant>,
}

impl Point<'_> {
    fn scenario(&self) -> Result<Scenario, ValidationError> {
        let cf = self.cf;
        let mut sc = Scenario::from_toml(SCENARIO_TEXT, SCENARIO_FILE).map_err(|e| {
            ValidationError::Parse {
                file: SCENARIO_FILE.to_owned(),
                message: e.to_string(),
            }
        })?;
        // The seed protocol of the case: repetition r of this point draws from
        // `derive(seed, "validation/bcs/{point}", r)`.
        sc.id = format!("validation/{CASE}/{}", self.label);
        sc.seed = cf.seed;
        sc.duration_s = cf.duration_s;
        sc.news.rate_per_s = cf.jump_rate_per_s;
        sc.news.jump_size = in_ticks(self.law, cf.tick);
        sc.mechanism.kind = self.mechanism;
        sc.mechanism.batch_interval_ns = cf.batch_interval_ns;
        let latency = LatencyProfile {
            submit: LatencyDist::Uniform {
                min_ns: cf.latency_min_ns,
                max_ns: cf.latency_min_ns + cf.latency_gap_ns,
            },
            ack: LatencyDist::Constant { ns: 0 },
            market_data: LatencyDist::Constant { ns: 0 },
        };
        let a = &mut sc.agents;
        for g in a.noise.iter_mut().flat_map(|p| p.groups.iter_mut()) {
            g.params.rate_per_s = cf.invest_rate_per_s;
            g.latency = latency;
        }
        for g in a.arbitrageur.iter_mut().flat_map(|p| p.groups.iter_mut()) {
            g.count = (self.n - 1) as u32;
            g.latency = latency;
        }
        for g in a.fixed_spread.iter_mut().flat_map(|p| p.groups.iter_mut()) {
            g.params.half_spread_ticks = self.delta_ticks;
            g.latency = latency;
        }
        self.switch_mutant(&mut sc);
        sc.validate().map_err(|cause| ValidationError::Config {
            file: SCENARIO_FILE.to_owned(),
            cause,
        })?;
        Ok(sc)
    }

    /// The planted defect's switch, as a researcher would set it in the scenario file.
    fn switch_mutant(&self, sc: &mut Scenario) {
        match self.mutant {
            Some(Mutant::ClobTakeBeatsCancel) => {
                sc.market.cancel_delay_ns = self.cf.latency_min_ns + self.cf.latency_gap_ns;
            }
            Some(Mutant::FbaTimeAtMargin) => sc.mechanism.rationing = Rationing::TimePriority,
            _ => {}
        }
    }

    /// The rationing point's scenario: no investors; a provider of `lots` a side; a fast and a
    /// slow sniper (constant latencies); under FBA.
    fn rationing_scenario(&self) -> Result<Scenario, ValidationError> {
        let r = self.cf.rationing;
        let mut sc = self.scenario()?;
        let constant = |ns| LatencyProfile {
            submit: LatencyDist::Constant { ns },
            ack: LatencyDist::Constant { ns: 0 },
            market_data: LatencyDist::Constant { ns: 0 },
        };
        let a = &mut sc.agents;
        a.noise = None;
        for g in a.fixed_spread.iter_mut().flat_map(|p| p.groups.iter_mut()) {
            g.params.size = r.lots;
            g.latency = constant(r.provider_latency_ns);
        }
        let sniper = |ns| Population {
            count: 1,
            latency: constant(ns),
            knows_value: false,
            arrivals: Default::default(),
            params: ArbitrageurConfig {
                threshold_ticks: 0.0,
                max_size: r.lots,
            },
        };
        a.arbitrageur = Some(Populations {
            groups: vec![sniper(r.fast_latency_ns), sniper(r.slow_latency_ns)],
            written_as_array: true,
        });
        sc.validate().map_err(|cause| ValidationError::Config {
            file: SCENARIO_FILE.to_owned(),
            cause,
        })?;
        Ok(sc)
    }
}

/// What one run leaves, in price units per second where a rate.
#[derive(Clone, Debug, Default)]
struct RunOut {
    provider_rate: f64,
    /// The provider's gain on investors' trades (λ_invest·δ in theory).
    provider_investor_rate: f64,
    /// The provider's loss to snipers (λ_jump·L(δ)·(N−1)/N in theory).
    provider_sniped_rate: f64,
    /// Every sniper gain, per sniper.
    sniper_rate: f64,
    /// Sniper gains on the provider's stale quotes, per sniper.
    sniper_stale_rate: f64,
    /// Lots each sniper (in id order) took from the provider's stale quotes.
    sniper_stale_lots: Vec<f64>,
    races: f64,
    stale_lots: f64,
    /// Investors' orders that reached the venue, and the lots they traded; the rest traded
    /// with nobody (no quote on their side).
    investors: f64,
    investor_fills: f64,
}

impl RunOut {
    fn stale_fraction(&self) -> f64 {
        if self.races > 0.0 {
            self.stale_lots / self.races
        } else {
            0.0
        }
    }
}

/// Reads one run's log (module docs). `tick` is the price unit per tick.
fn measure(log: &RunLog, tick: f64, duration_s: f64) -> RunOut {
    let role = |r: Role| -> Vec<AgentId> {
        log.agents
            .iter()
            .filter(|a| a.role == r)
            .map(|a| a.id)
            .collect()
    };
    let provider = role(Role::MarketMaker);
    let snipers = role(Role::Arbitrageur);
    let investors = role(Role::Noise);
    let sniper_index = |id: AgentId| snipers.iter().position(|&s| s == id);
    let mut out = RunOut {
        sniper_stale_lots: vec![0.0; snipers.len()],
        ..RunOut::default()
    };
    let mut sniper_gain = vec![0.0; snipers.len()];
    let mut sniper_stale_gain = vec![0.0; snipers.len()];
    // When each of the provider's orders reached the venue: an order is a stale quote at a
    // fill if it reached the venue before the latest news at or before the fill (the
    // provider has sent its cancel; the theory's sniped quote). Under FBA a sniper's order
    // waits in the batch, and a second jump in the same batch can bring the provider's fresh
    // quote across it: a trade between them, but not on a stale quote.
    let posted: std::collections::BTreeMap<crate::core::OrderId, crate::core::SimTime> = log
        .venue_requests
        .iter()
        .filter(|r| provider.contains(&r.agent) && r.kind != RequestKind::Cancel)
        .map(|r| (r.order, r.time))
        .collect();
    let news: Vec<crate::core::SimTime> = log.news.iter().map(|n| n.public_time).collect();
    let stale_quote = |order: crate::core::OrderId, at: crate::core::SimTime| {
        let last_news = news.partition_point(|&t| t <= at);
        match (
            posted.get(&order),
            last_news.checked_sub(1).map(|i| news[i]),
        ) {
            (Some(&p), Some(n)) => p < n,
            _ => false,
        }
    };
    // The value in force at each fill: the fundamental's change points, walked in time order.
    let mut k = 0;
    for f in &log.fills {
        while k + 1 < log.fundamental.len() && log.fundamental[k + 1].0 <= f.time {
            k += 1;
        }
        let y = log.fundamental[k].1;
        let taker_gain = f.taker_side.sign() as f64 * (y - f.price as f64) * f.qty as f64 * tick;
        let q = f.qty as f64;
        for (me, other, other_order, gain) in [
            (f.taker, f.maker, f.maker_order, taker_gain),
            (f.maker, f.taker, f.taker_order, -taker_gain),
        ] {
            if provider.contains(&me) {
                out.provider_rate += gain;
                if sniper_index(other).is_some() {
                    out.provider_sniped_rate -= gain;
                } else if investors.contains(&other) {
                    out.provider_investor_rate += gain;
                }
            }
            if let Some(i) = sniper_index(me) {
                sniper_gain[i] += gain;
                if provider.contains(&other) && stale_quote(other_order, f.time) {
                    sniper_stale_gain[i] += gain;
                    out.sniper_stale_lots[i] += q;
                    out.stale_lots += q;
                }
            }
            if investors.contains(&me) {
                out.investor_fills += q;
            }
        }
    }
    for r in &log.venue_requests {
        let new = matches!(r.kind, RequestKind::Market | RequestKind::Limit { .. });
        if new && snipers.first() == Some(&r.agent) {
            // Every sniper holds the same estimate and sees the same book, so the first fires
            // exactly when all do: one race.
            out.races += 1.0;
        }
        if new && investors.contains(&r.agent) {
            out.investors += 1.0;
        }
    }
    let per_sniper = snipers.len().max(1) as f64 * duration_s;
    RunOut {
        provider_rate: out.provider_rate / duration_s,
        provider_investor_rate: out.provider_investor_rate / duration_s,
        provider_sniped_rate: out.provider_sniped_rate / duration_s,
        sniper_rate: sniper_gain.iter().sum::<f64>() / per_sniper,
        sniper_stale_rate: sniper_stale_gain.iter().sum::<f64>() / per_sniper,
        ..out
    }
}

/// Every repetition of `sc` through the simulator, in parallel, measured, in repetition order.
fn runs(sc: &Scenario, reps: u64, tick: f64) -> Vec<RunOut> {
    (0..reps)
        .into_par_iter()
        .map(|rep| {
            let log = crate::sim::run(sc, rep, RunOptions::default());
            measure(&log, tick, sc.duration_s)
        })
        .collect()
}

fn column(runs: &[RunOut], f: impl Fn(&RunOut) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
    cf.check(&r.file)?;
    let reps = cf.repetitions.for_mode(mode);
    let (lj, li) = (cf.jump_rate_per_s, cf.invest_rate_per_s);
    let mut lines = Lines::new(CASE);
    for &law in &cf.jump_laws {
        // BCS's equilibrium half-spread with a cost of speed (independent of the simulation).
        let dstar = break_even_half_spread(law, li, lj, 1.0);
        lines.exact(
            &law_label(law),
            "delta*: lambda_invest d = lambda_jump L(d) (root residual)",
            0.0,
            li * dstar - lj * expected_excess(law, dstar),
            1e-9,
        );
        for &n in &cf.n_firms {
            let share = (n - 1) as f64 / n as f64;
            let d0 = break_even_half_spread(law, li, lj, share);
            let mut deltas: Vec<(String, f64)> = cf
                .half_spreads
                .iter()
                .map(|&d| (format!("{d}"), d))
                .collect();
            deltas.insert(1.min(deltas.len()), (format!("d0={d0:.4}"), d0));
            for (dl, d) in deltas {
                let dt = (d / cf.tick).round() as i64;
                let de = dt as f64 * cf.tick;
                let l = expected_excess(law, de);
                let point = format!("{} N={n} delta={dl}", law_label(law));
                let mut p = Point {
                    cf: &cf,
                    label: point.clone(),
                    law,
                    n,
                    delta_ticks: dt,
                    mechanism: MechanismKind::Clob,
                    mutant: r.mutant,
                };
                let clob = runs(&p.scenario()?, reps, cf.tick);
                let col = |f: &dyn Fn(&RunOut) -> f64| column(&clob, f);
                let at = format!("CLOB {point}");
                lines.sample(
                    &at,
                    "provider PnL rate",
                    Some(li * de - lj * l * share),
                    &col(&|r| r.provider_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &at,
                    "provider income from investors (lambda_invest delta)",
                    Some(li * de),
                    &col(&|r| r.provider_investor_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &at,
                    "provider loss to snipers (lambda_jump L (N-1)/N)",
                    Some(lj * l * share),
                    &col(&|r| r.provider_sniped_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &at,
                    "investors who traded with nobody (fraction)",
                    None,
                    &col(&|r| (r.investors - r.investor_fills) / r.investors.max(1.0)),
                    Check::Info,
                )?;
                if n > 2 {
                    // At N = 2 this is the line above: the one sniper's every fill is against
                    // the provider.
                    lines.sample(
                        &at,
                        "profit rate per sniper",
                        Some(lj * l / n as f64),
                        &col(&|r| r.sniper_rate),
                        Check::Ci,
                    )?;
                }
                lines.sample(
                    &at,
                    "races lost by the provider",
                    Some(share),
                    &col(&|r| r.stale_fraction()),
                    Check::Ci,
                )?;
                if dl.starts_with("d0") {
                    // The same repetitions (same seeds: common random numbers) under FBA.
                    p.mechanism = MechanismKind::Fba;
                    let fba = runs(&p.scenario()?, reps, cf.tick);
                    let fcol = |f: &dyn Fn(&RunOut) -> f64| column(&fba, f);
                    let at = format!("FBA {point}");
                    let window = cf.latency_gap_ns as f64 / cf.batch_interval_ns as f64;
                    let exposed = window * (n - 1) as f64 / (2.0 * (n + 1) as f64);
                    lines.sample(
                        &at,
                        "races with a stale-quote trade (window/tau law)",
                        Some(exposed),
                        &fcol(&|r| r.stale_fraction()),
                        Check::Ci,
                    )?;
                    let fba_theory = lj * l * window / (2.0 * (n + 1) as f64);
                    lines.sample(
                        &at,
                        "profit rate per sniper on stale quotes (window/tau law)",
                        Some(fba_theory),
                        &fcol(&|r| r.sniper_stale_rate),
                        Check::Ci,
                    )?;
                    lines.sample(
                        &at,
                        "profit rate per sniper, all fills (incl. crossing investors)",
                        Some(fba_theory),
                        &fcol(&|r| r.sniper_rate),
                        Check::Info,
                    )?;
                    let diff: Vec<f64> = fba
                        .iter()
                        .zip(&clob)
                        .map(|(f, c)| f.sniper_rate - c.sniper_rate)
                        .collect();
                    lines.sample(
                        &format!("FBA - CLOB {point}"),
                        "profit rate per sniper (paired)",
                        None,
                        &diff,
                        Check::Directional { below: true },
                    )?;
                }
            }
        }
    }
    rationing_lines(&cf, r.mutant, reps, &mut lines)?;
    Ok(lines.out)
}

/// The fast sniper's expected share of the stale lots under pro-rata rationing (module docs).
fn fast_share_theory(r: &RationingPoint) -> f64 {
    let (af, as_, ap) = (
        r.fast_latency_ns as f64,
        r.slow_latency_ns as f64,
        r.provider_latency_ns as f64,
    );
    let both = ((r.lots + 1) / 2) as f64 / r.lots as f64;
    ((as_ - af) + (ap - as_) * both) / (ap - af)
}

fn rationing_lines(
    cf: &CaseFile,
    mutant: Option<Mutant>,
    reps: u64,
    lines: &mut Lines,
) -> Result<(), ValidationError> {
    let r = cf.rationing;
    let law = cf.jump_laws[0];
    let point = format!(
        "{} N=3 delta={} lots={} latency fast/slow/provider={}/{}/{} us",
        law_label(law),
        r.half_spread,
        r.lots,
        r.fast_latency_ns / 1_000,
        r.slow_latency_ns / 1_000,
        r.provider_latency_ns / 1_000,
    );
    let p = Point {
        cf,
        label: format!("rationing {point}"),
        law,
        n: 3,
        delta_ticks: (r.half_spread / cf.tick).round() as i64,
        mechanism: MechanismKind::Fba,
        mutant,
    };
    let out = runs(&p.rationing_scenario()?, reps, cf.tick);
    let share: Vec<f64> = out
        .iter()
        .map(|o| {
            let total: f64 = o.sniper_stale_lots.iter().sum();
            if total > 0.0 {
                o.sniper_stale_lots[0] / total
            } else {
                f64::NAN
            }
        })
        .filter(|s| s.is_finite())
        .collect();
    lines.sample(
        &format!("FBA rationing {point}"),
        "fast sniper's share of the stale lots (pro rata at the margin)",
        Some(fast_share_theory(&r)),
        &share,
        Check::Ci,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Result<(), ValidationError> {
        let cf: CaseFile = parse(text, "points.toml")?;
        cf.check("points.toml")
    }

    #[test]
    fn the_case_file_is_in_range_and_a_bad_field_is_named() {
        checked(TEXT).unwrap();
        let bad = |from: &str, to: &str| {
            let text = TEXT.replace(from, to);
            assert_ne!(text, TEXT, "{from}");
            checked(&text).unwrap_err().to_string()
        };
        let e = bad("n_firms = [2, 5]", "n_firms = [1, 5]");
        assert!(
            e.contains("points.toml") && e.contains("`n_firms[0]` = 1"),
            "{e}"
        );
        let e = bad("latency_gap_ns = 100_000", "latency_gap_ns = 0");
        assert!(e.contains("`latency_gap_ns` = 0"), "{e}");
        let e = bad("std = 0.5", "std = -0.5");
        assert!(e.contains("`jump_laws[0].std`"), "{e}");
        let e = bad("slow_latency_ns = 200_000", "slow_latency_ns = 50_000");
        assert!(e.contains("`rationing.slow_latency_ns`"), "{e}");
        let e = bad("quick = 60", "quick = 1");
        assert!(e.contains("`repetitions.quick`"), "{e}");
    }

    #[test]
    fn every_point_scenario_is_a_valid_scenario_with_the_points_settings() {
        let cf: CaseFile = parse(TEXT, FILE).unwrap();
        let p = Point {
            cf: &cf,
            label: "x".into(),
            law: cf.jump_laws[0],
            n: 3,
            delta_ticks: 7,
            mechanism: MechanismKind::Fba,
            mutant: Some(Mutant::ClobTakeBeatsCancel),
        };
        let sc = p.scenario().unwrap();
        let a = &sc.agents;
        assert_eq!(a.arbitrageur.as_ref().unwrap().count(), 2);
        assert_eq!(
            a.fixed_spread.as_ref().unwrap().groups[0]
                .params
                .half_spread_ticks,
            7
        );
        assert_eq!(sc.market.cancel_delay_ns, 200_000);
        assert_eq!(sc.mechanism.kind, MechanismKind::Fba);
        let r = p.rationing_scenario().unwrap();
        assert!(r.agents.noise.is_none());
        assert_eq!(r.agents.arbitrageur.as_ref().unwrap().groups.len(), 2);
        assert!((fast_share_theory(&cf.rationing) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn expected_excess_normal_by_quadrature() {
        // E[(|J| − δ)⁺] for J ~ N(0, 0.5²) by a midpoint rule on the density.
        let (s, d) = (0.5, 0.2);
        let n = 200_000;
        let hi = 10.0 * s;
        let h = (hi - d) / n as f64;
        let mut sum = 0.0;
        for i in 0..n {
            let x = d + (i as f64 + 0.5) * h;
            let pdf = (-(x * x) / (2.0 * s * s)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt());
            sum += 2.0 * (x - d) * pdf * h;
        }
        let l = expected_excess(JumpSizeLaw::Normal { mean: 0.0, std: s }, d);
        assert!((l - sum).abs() < 1e-9, "{l} vs {sum}");
        // At δ = 0 it is E|J| = s·√(2/π).
        let l0 = expected_excess(JumpSizeLaw::Normal { mean: 0.0, std: s }, 0.0);
        assert!((l0 - s * (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn root_finding() {
        let law = JumpSizeLaw::Laplace { scale: 0.3 };
        // Laplace: λ_i·δ = λ_j·b·e^{−δ/b}·share; check the residual and monotone comparisons.
        let d0 = break_even_half_spread(law, 3.0, 4.0, 0.5);
        let r = 3.0 * d0 - 4.0 * 0.3 * (-d0 / 0.3f64).exp() * 0.5;
        assert!(r.abs() < 1e-12, "{r}");
        let dstar = break_even_half_spread(law, 3.0, 4.0, 1.0);
        assert!(dstar > d0);
        // δ* rises with the jump rate and falls with the investor rate.
        assert!(break_even_half_spread(law, 3.0, 8.0, 1.0) > dstar);
        assert!(break_even_half_spread(law, 6.0, 4.0, 1.0) < dstar);
        // A fixed jump size s and δ0: λ_i δ = λ_j (s − δ)·share, solved by hand.
        let f = break_even_half_spread(JumpSizeLaw::Fixed { size: 1.0 }, 3.0, 4.0, 0.5);
        assert!((f - 2.0 / 5.0).abs() < 1e-12, "{f}");
    }
}
