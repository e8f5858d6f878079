//! Budish, Cramton and Shim (2015): sniping in the continuous market and its removal by batch
//! auctions.
//!
//! Setting in Proteus terms: the real [`Clob`] and the real [`BatchAuction`] behind the
//! simulator's [`Venue`], driven by a small event loop on [`EventQueue`] (simulated nanoseconds)
//! with real agents: one [`FixedSpreadProvider`] (id 0) and N − 1 [`LatencyArbitrageur`]s
//! (threshold 0, one lot) as snipers. The public value y jumps at Poisson times (streams
//! `jumps/times`, `jumps/sizes`); every firm learns each jump at once (`on_news`) and sees the
//! provider's resting quote; each firm's messages reach the venue after its own latency,
//! `latency_min + U·latency_gap`, drawn per message batch from its own stream (its channel is
//! FIFO, as the simulator's `AgentWire`), so the firms are symmetric and each is first with
//! probability 1/N. Investors arrive at Poisson times
//! (`investors/times`), buy or sell with probability 1/2 (`investors/sides`) and send an IOC
//! order for one lot at the provider's quote. Under FBA every firm's messages go into the batch
//! in which they arrive; batches with no arrival are not cleared (clearing an unchanged book is a
//! no-op).
//!
//! Measured per repetition, in price units per second: the provider's trading gains (each
//! fill's price against the value y at that moment) and each sniper's (all its fills); the
//! fraction of races (jumps on which the snipers fire) in which a sniper takes the provider's
//! stale quote.
//!
//! Theory, with L(δ) = E[(|J| − δ)⁺]:
//! * CLOB: provider `λ_invest·δ − λ_jump·L(δ)·(N−1)/N`, each sniper `λ_jump·L(δ)/N`, stale
//!   fraction `(N−1)/N`; δ0 root-found from `λ_invest·δ0 = λ_jump·L(δ0)·(N−1)/N`.
//! * FBA (interval τ, latency gap g, the jump uniform in its batch): the stale quote trades only
//!   if the provider's update misses the batch and at least one sniper's order makes it:
//!   probability `(g/τ)·(N−1)/(2(N+1))` per race; each sniper `λ_jump·L(δ)·(g/τ)/(2(N+1))`.

use super::{Check, Lines, Repetitions, ValidationError, parse, repetitions, uniform};
use crate::agents::{
    Action, Agent, AgentCtx, ArbitrageurConfig, BookDepth, FixedSpreadProvider, LatencyArbitrageur,
    Quote,
};
use crate::core::{AgentId, EventQueue, MechanismKind, RepetitionSeed, Role, SimTime, Stream};
use crate::info::JumpSizeLaw;
use crate::mechanisms::{
    BatchAuction, Clob, ClobConfig, FbaConfig, NewOrder, OrderKind, Output, Request, Side,
    TimeInForce,
};
use crate::sim::Venue;
use rand_distr::{Distribution, Exp};
use serde::Deserialize;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

pub const CASE: &str = "bcs";
pub(crate) const FILE: &str = "scenarios/validation/bcs.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/bcs.toml");

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

enum Firm {
    Provider(FixedSpreadProvider),
    Sniper(LatencyArbitrageur),
}

impl Firm {
    fn agent(&mut self) -> &mut dyn Agent {
        match self {
            Firm::Provider(p) => p,
            Firm::Sniper(s) => s,
        }
    }
}

struct Slot {
    firm: Firm,
    seq: u32,
    latency: Stream,
    /// When its last message reaches the venue: a firm's channel is FIFO, as `AgentWire`'s.
    last_arrival: u64,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Jump(f64),
    Investor,
    Arrive(Request),
    BatchEnd,
}

/// What one run leaves.
#[derive(Clone, Copy, Debug, Default)]
struct RunOut {
    provider_rate: f64,
    /// The provider's gain on investors' trades (λ_invest·δ in theory).
    provider_investor_rate: f64,
    /// The provider's loss to snipers (λ_jump·L(δ)·(N−1)/N in theory).
    provider_sniped_rate: f64,
    /// Every sniper gain, per sniper.
    sniper_rate: f64,
    /// Sniper gains on trades against the provider's quote, per sniper.
    sniper_stale_rate: f64,
    races: f64,
    stale_trades: f64,
    /// Investors who arrived, and the lots they traded (one each at most); the rest traded with
    /// nobody (no quote on their side, or an IOC that did not fill).
    investors: f64,
    investor_fills: f64,
}

impl RunOut {
    fn stale_fraction(&self) -> f64 {
        if self.races > 0.0 {
            self.stale_trades / self.races
        } else {
            0.0
        }
    }
}

struct World<'a> {
    cf: &'a CaseFile,
    q: EventQueue<Ev>,
    venue: Venue,
    mechanism: MechanismKind,
    slots: Vec<Slot>,
    /// The value in ticks.
    y: f64,
    last_batch: u64,
    out: RunOut,
    actions: Vec<Action>,
}

impl World<'_> {
    fn latency(&mut self, firm: usize) -> u64 {
        let u = uniform(&mut self.slots[firm].latency);
        self.cf.latency_min_ns + (u * self.cf.latency_gap_ns as f64) as u64
    }

    /// Runs one callback of firm `i` and sends what it queued after one latency draw.
    fn call(&mut self, i: usize, now: SimTime, f: impl FnOnce(&mut dyn Agent, &mut AgentCtx)) {
        let quote = Quote {
            bid: self.venue.best_bid(),
            ask: self.venue.best_ask(),
        };
        let mut actions = std::mem::take(&mut self.actions);
        let slot = &mut self.slots[i];
        let mut ctx = AgentCtx {
            now,
            id: AgentId(i as u32),
            role: if i == 0 {
                Role::MarketMaker
            } else {
                Role::Arbitrageur
            },
            quote,
            depth: BookDepth::from_levels(quote.bid, quote.ask),
            last_price: None,
            last_volume: None,
            mechanism: self.mechanism,
            rfq_two_way: false,
            tick_size: 1,
            lot_size: 1,
            actions: &mut actions,
            next_order_seq: &mut slot.seq,
        };
        f(slot.firm.agent(), &mut ctx);
        if actions.iter().any(|a| matches!(a, Action::Send(_))) {
            let at = (now.0 + self.latency(i)).max(self.slots[i].last_arrival);
            self.slots[i].last_arrival = at;
            if i == 1 {
                // A sniper fired (snipers only send on news): one race. Every sniper holds the
                // same estimate and sees the same quote, so firm 1 fires exactly when all do.
                self.out.races += 1.0;
            }
            for a in &actions {
                if let Action::Send(r) = *a {
                    self.q.schedule(SimTime(at), Ev::Arrive(r));
                }
            }
        }
        actions.clear();
        self.actions = actions;
    }

    fn apply(&mut self, now: SimTime, outputs: &[Output]) {
        for o in outputs {
            match *o {
                Output::Fill(f) => {
                    let s = f.taker_side.sign() as f64;
                    // The taker's gain against the value now, in price units.
                    let taker_gain = s * (self.y - f.price as f64) * f.qty as f64 * self.cf.tick;
                    let sniper = (1..self.slots.len() as u32).contains(&f.taker.0);
                    if f.maker.0 == 0 {
                        self.out.provider_rate -= taker_gain;
                        if sniper {
                            self.out.provider_sniped_rate += taker_gain;
                        } else {
                            self.out.provider_investor_rate -= taker_gain;
                        }
                    }
                    if f.taker.0 as usize >= self.slots.len() {
                        self.out.investor_fills += f.qty as f64;
                    }
                    if sniper {
                        // Every sniper gain counts in `sniper_rate` (under FBA a sniper's order
                        // can also cross an investor's in the same batch); a stale-quote trade
                        // is one against the provider.
                        self.out.sniper_rate += taker_gain;
                        if f.maker.0 == 0 {
                            self.out.stale_trades += 1.0;
                            self.out.sniper_stale_rate += taker_gain;
                        }
                    }
                    for who in [f.maker.0, f.taker.0] {
                        if (who as usize) < self.slots.len() {
                            self.call(who as usize, now, |a, ctx| a.on_report(o, ctx));
                        }
                    }
                }
                _ => {
                    if let Some(trader) = o.ack_trader()
                        && (trader.0 as usize) < self.slots.len()
                    {
                        self.call(trader.0 as usize, now, |a, ctx| a.on_report(o, ctx));
                    }
                }
            }
        }
    }
}

fn one_run(
    cf: &CaseFile,
    law: JumpSizeLaw,
    n: usize,
    delta_ticks: i64,
    fba: bool,
    seed: RepetitionSeed,
) -> RunOut {
    let horizon = SimTime((cf.duration_s * 1e9).round() as u64);
    let y0 = (100.0 / cf.tick).round();
    let mut slots = vec![Slot {
        firm: Firm::Provider(FixedSpreadProvider::new(delta_ticks, y0)),
        seq: 0,
        latency: seed.stream("latency/provider"),
        last_arrival: 0,
    }];
    for i in 1..n {
        slots.push(Slot {
            firm: Firm::Sniper(LatencyArbitrageur::new(
                ArbitrageurConfig {
                    threshold_ticks: 0.0,
                    max_size: 1,
                },
                y0,
            )),
            seq: 0,
            latency: seed.stream(&format!("latency/sniper/{i}")),
            last_arrival: 0,
        });
    }
    let venue = if fba {
        Venue::Fba(BatchAuction::new(FbaConfig::default()))
    } else {
        Venue::Clob(Clob::new(ClobConfig::default()))
    };
    let mut w = World {
        cf,
        q: EventQueue::new(),
        venue,
        mechanism: if fba {
            MechanismKind::Fba
        } else {
            MechanismKind::Clob
        },
        slots,
        y: y0,
        last_batch: 0,
        out: RunOut::default(),
        actions: Vec::new(),
    };
    let mut jump_times = seed.stream("jumps/times");
    let mut jump_sizes = seed.stream("jumps/sizes");
    let mut invest_times = seed.stream("investors/times");
    let mut invest_sides = seed.stream("investors/sides");
    let mut invest_latency = seed.stream("latency/investor");
    let jump_gap = Exp::new(cf.jump_rate_per_s).expect("positive rate");
    let invest_gap = Exp::new(cf.invest_rate_per_s).expect("positive rate");
    let gap_ns = |d: &Exp<f64>, s: &mut Stream| (d.sample(s) * 1e9).round().max(1.0) as u64;
    let size = |s: &mut Stream| law.sample(s) / cf.tick;
    w.q.schedule(
        SimTime(gap_ns(&jump_gap, &mut jump_times)),
        Ev::Jump(size(&mut jump_sizes)),
    );
    w.q.schedule(
        SimTime(gap_ns(&invest_gap, &mut invest_times)),
        Ev::Investor,
    );
    for i in 0..n {
        w.call(i, SimTime::ZERO, |a, ctx| a.on_start(ctx));
    }
    let mut outputs = Vec::new();
    let mut investor_seq = 0u64;
    while let Some(ev) = w.q.pop() {
        let now = ev.time;
        if now > horizon {
            break;
        }
        match ev.event {
            Ev::Jump(j) => {
                w.y += j;
                for i in 0..n {
                    w.call(i, now, |a, ctx| a.on_news(j, ctx));
                }
                let next = SimTime(now.0 + gap_ns(&jump_gap, &mut jump_times));
                w.q.schedule(next, Ev::Jump(size(&mut jump_sizes)));
            }
            Ev::Investor => {
                let buy = uniform(&mut invest_sides) < 0.5;
                let quote = if buy {
                    w.venue.best_ask()
                } else {
                    w.venue.best_bid()
                };
                let u = uniform(&mut invest_latency);
                w.out.investors += 1.0;
                if let Some((price, _)) = quote {
                    investor_seq += 1;
                    let at = now.0 + cf.latency_min_ns + (u * cf.latency_gap_ns as f64) as u64;
                    let request = Request::New(NewOrder {
                        id: crate::core::OrderId((n as u64) << 32 | investor_seq),
                        trader: AgentId(n as u32),
                        side: if buy { Side::Buy } else { Side::Sell },
                        qty: 1,
                        kind: OrderKind::Limit {
                            price,
                            tif: TimeInForce::Ioc,
                        },
                    });
                    w.q.schedule(SimTime(at), Ev::Arrive(request));
                }
                let next = SimTime(now.0 + gap_ns(&invest_gap, &mut invest_times));
                w.q.schedule(next, Ev::Investor);
            }
            Ev::Arrive(request) => {
                outputs.clear();
                w.venue.handle(request, &mut outputs);
                if fba {
                    let batch = now.0 / cf.batch_interval_ns + 1;
                    if batch > w.last_batch {
                        w.last_batch = batch;
                        w.q.schedule(SimTime(batch * cf.batch_interval_ns), Ev::BatchEnd);
                    }
                }
                let outs = std::mem::take(&mut outputs);
                w.apply(now, &outs);
                outputs = outs;
            }
            Ev::BatchEnd => {
                outputs.clear();
                w.venue.clear(&mut outputs);
                let outs = std::mem::take(&mut outputs);
                w.apply(now, &outs);
                outputs = outs;
            }
        }
    }
    let t = cf.duration_s;
    RunOut {
        provider_rate: w.out.provider_rate / t,
        provider_investor_rate: w.out.provider_investor_rate / t,
        provider_sniped_rate: w.out.provider_sniped_rate / t,
        sniper_rate: w.out.sniper_rate / t / (n - 1) as f64,
        sniper_stale_rate: w.out.sniper_stale_rate / t / (n - 1) as f64,
        ..w.out
    }
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
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
            deltas.insert(1, (format!("d0={d0:.4}"), d0));
            for (dl, d) in deltas {
                let dt = (d / cf.tick).round() as i64;
                let de = dt as f64 * cf.tick;
                let l = expected_excess(law, de);
                let point = format!("{} N={n} delta={dl}", law_label(law));
                let seed_label = point.clone();
                let runs = repetitions(cf.seed, CASE, &seed_label, reps, |s| {
                    one_run(&cf, law, n, dt, false, s)
                });
                let col = |f: &dyn Fn(&RunOut) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
                lines.sample(
                    &format!("CLOB {point}"),
                    "provider PnL rate",
                    Some(li * de - lj * l * share),
                    &col(&|r| r.provider_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &format!("CLOB {point}"),
                    "provider income from investors (lambda_invest delta)",
                    Some(li * de),
                    &col(&|r| r.provider_investor_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &format!("CLOB {point}"),
                    "provider loss to snipers (lambda_jump L (N-1)/N)",
                    Some(lj * l * share),
                    &col(&|r| r.provider_sniped_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &format!("CLOB {point}"),
                    "investors who traded with nobody (fraction)",
                    None,
                    &col(&|r| (r.investors - r.investor_fills) / r.investors.max(1.0)),
                    Check::Info,
                )?;
                lines.sample(
                    &format!("CLOB {point}"),
                    "profit rate per sniper",
                    Some(lj * l / n as f64),
                    &col(&|r| r.sniper_rate),
                    Check::Ci,
                )?;
                lines.sample(
                    &format!("CLOB {point}"),
                    "races lost by the provider",
                    Some(share),
                    &col(&|r| r.stale_fraction()),
                    Check::Ci,
                )?;
                if dl.starts_with("d0") {
                    let clob_at_d0 = col(&|r| r.sniper_rate);
                    // The same repetitions (same seeds: common random numbers) under FBA.
                    let fba_runs = repetitions(cf.seed, CASE, &seed_label, reps, |s| {
                        one_run(&cf, law, n, dt, true, s)
                    });
                    let fcol =
                        |f: &dyn Fn(&RunOut) -> f64| fba_runs.iter().map(f).collect::<Vec<f64>>();
                    let window = cf.latency_gap_ns as f64 / cf.batch_interval_ns as f64;
                    let exposed = window * (n - 1) as f64 / (2.0 * (n + 1) as f64);
                    lines.sample(
                        &format!("FBA {point}"),
                        "races with a stale-quote trade (window/tau law)",
                        Some(exposed),
                        &fcol(&|r| r.stale_fraction()),
                        Check::Ci,
                    )?;
                    let fba_theory = lj * l * window / (2.0 * (n + 1) as f64);
                    lines.sample(
                        &format!("FBA {point}"),
                        "profit rate per sniper on stale quotes (window/tau law)",
                        Some(fba_theory),
                        &fcol(&|r| r.sniper_stale_rate),
                        Check::Ci,
                    )?;
                    lines.sample(
                        &format!("FBA {point}"),
                        "profit rate per sniper, all fills (incl. crossing investors)",
                        Some(fba_theory),
                        &fcol(&|r| r.sniper_rate),
                        Check::Info,
                    )?;
                    let diff: Vec<f64> = fcol(&|r| r.sniper_rate)
                        .iter()
                        .zip(&clob_at_d0)
                        .map(|(f, c)| f - c)
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
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
