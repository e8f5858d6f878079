//! Avellaneda–Stoikov (2008): inventory-aware market making in the paper's stylized model.
//!
//! Setting in Proteus terms (a stylized harness: the theory's market is a Poisson fill model,
//! not an order book): the mid moves by ±σ√dt each step with probability 1/2 (stream `mid`);
//! a quote at distance δ from the mid is hit in a step with probability `min(1, A·e^{−kδ}·dt)`
//! (streams `fills/bid`, `fills/ask`). The inventory strategy is Proteus's own
//! [`MarketMaker`] in its Avellaneda–Stoikov mode (γ, σ, k and the session end T from the case
//! file): it quotes around the reservation price `r = S − q·γ·σ²·(T − t)` with total spread
//! `γσ²(T − t) + (2/γ)·ln(1 + γ/k)`. The harness drives it through its stylized-model interface:
//! each step it tells it the mid ([`MarketMaker::set_belief`]), takes its quotes at the step's
//! time ([`MarketMaker::quote_prices_at`]) and reports the hits ([`MarketMaker::record_fill`]).
//! The model is continuous, so the quotes are its **unrounded** prices, not the tick-rounded
//! ones it would send to a venue. The symmetric strategy quotes around the mid with the
//! inventory strategy's average spread. Both strategies run on the same path and the same fill
//! uniforms (common random numbers), so their differences are paired.
//!
//! Verdicts: the closed-form spread term, computed here independently of the agent, against the
//! paper's column (to its rounding, 0.005); the directional claims (inventory strategy: lower sd
//! of profit and of final inventory, slightly lower mean profit, inventory mean-reverting) by
//! paired 95% CIs; the fill model by its compensator (fills minus Σ intensity·dt has mean 0).
//! The table's numbers are reported without a verdict.

use super::{
    CaseResult, Check, Lines, Repetitions, Simulated, ValidationError, parse, repetitions, uniform,
};
use crate::agents::{MarketMaker, MarketMakerConfig};
use crate::mechanisms::{Qty, Side};
use serde::Deserialize;

pub const CASE: &str = "avellaneda_stoikov";
pub(crate) const FILE: &str = "scenarios/validation/avellaneda_stoikov.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/avellaneda_stoikov.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[allow(dead_code)]
    case: String,
    seed: u64,
    s0: f64,
    horizon: f64,
    sigma: f64,
    dt: f64,
    k: f64,
    a: f64,
    repetitions: Repetitions,
    points: Vec<Point>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    gamma: f64,
    spread_term: f64,
    table: [f64; 6],
}

/// The paper's spread term `(2/γ)·ln(1 + γ/k)`, computed independently of the agent.
pub fn spread_term(gamma: f64, k: f64) -> f64 {
    2.0 / gamma * (1.0 + gamma / k).ln()
}

/// The [`MarketMaker`] config of Avellaneda–Stoikov mode for risk aversion `gamma`, the case's
/// σ, k and session end T, quoting one lot. Its spread is never clamped and its inventory never
/// limited (the model has neither).
fn as_config(cf: &CaseFile, gamma: f64) -> MarketMakerConfig {
    MarketMakerConfig {
        quote_size: 1,
        half_spread_ticks: 0.0,
        min_half_spread_ticks: 0.0,
        max_half_spread_ticks: f64::MAX,
        risk_aversion: gamma,
        sigma_ticks_per_sqrt_s: cf.sigma,
        horizon_s: cf.horizon,
        session_end_s: Some(cf.horizon),
        fill_decay_k: Some(cf.k),
        volatility_spread_coef: 0.0,
        adverse_selection_coef: 0.0,
        adverse_selection_spread: 0.0,
        learning: None,
        min_edge_ticks: 0.0,
        compete: false,
        adverse_selection: true,
        inventory_limit: Qty::MAX,
        requote_interval_ns: 1,
    }
}

/// The inventory strategy: [`as_config`], its belief at S0.
fn as_market_maker(cf: &CaseFile, gamma: f64) -> MarketMaker {
    MarketMaker::new(as_config(cf, gamma), cf.s0)
}

#[derive(Clone, Copy, Debug, Default)]
struct Book {
    q: f64,
    cash: f64,
    fills: f64,
    compensator: f64,
    // Σ Δq·q, Σ q, Σ Δq, Σ q² over steps (inventory mean reversion).
    sxy: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
}

impl Book {
    /// One step at mid `s` with quotes `bid` and `ask`, the fill uniforms `vb` and `va`:
    /// whether the bid and the ask were hit.
    fn step(
        &mut self,
        cf: &CaseFile,
        s: f64,
        bid: f64,
        ask: f64,
        vb: f64,
        va: f64,
    ) -> (bool, bool) {
        let pb = (cf.a * (-cf.k * (s - bid)).exp() * cf.dt).min(1.0);
        let pa = (cf.a * (-cf.k * (ask - s)).exp() * cf.dt).min(1.0);
        let q0 = self.q;
        let (hit_bid, hit_ask) = (vb < pb, va < pa);
        if hit_bid {
            self.q += 1.0;
            self.cash -= bid;
            self.fills += 1.0;
        }
        if hit_ask {
            self.q -= 1.0;
            self.cash += ask;
            self.fills += 1.0;
        }
        self.compensator += pb + pa;
        let dq = self.q - q0;
        self.sxy += dq * q0;
        self.sx += q0;
        self.sy += dq;
        self.sxx += q0 * q0;
        (hit_bid, hit_ask)
    }
}

struct Path {
    inv_profit: f64,
    sym_profit: f64,
    inv_q: f64,
    sym_q: f64,
    inv_slope: f64,
    inv_fill_residual: f64,
}

fn one_path(cf: &CaseFile, p: Point, seed: crate::core::RepetitionSeed) -> Path {
    let mut agent = as_market_maker(cf, p.gamma);
    let steps = (cf.horizon / cf.dt).round() as usize;
    // The symmetric strategy's spread: the inventory strategy's spread averaged over the steps
    // (its spread depends on the time only, not on the mid or its inventory).
    let sym_spread = (0..steps)
        .map(|i| 2.0 * agent.half_spread_at(i as f64 * cf.dt))
        .sum::<f64>()
        / steps as f64;
    let mut mid = seed.stream("mid");
    let mut ub = seed.stream("fills/bid");
    let mut ua = seed.stream("fills/ask");
    let mut s = cf.s0;
    let (mut inv, mut sym) = (Book::default(), Book::default());
    let step_move = cf.sigma * cf.dt.sqrt();
    for i in 0..steps {
        let t = i as f64 * cf.dt;
        let (vb, va) = (uniform(&mut ub), uniform(&mut ua));
        agent.set_belief(s);
        let (ib, ia) = agent.quote_prices_at(t);
        let (hit_bid, hit_ask) = inv.step(cf, s, ib, ia, vb, va);
        if hit_bid {
            agent.record_fill(Side::Buy, 1);
        }
        if hit_ask {
            agent.record_fill(Side::Sell, 1);
        }
        debug_assert_eq!(agent.inventory() as f64, inv.q);
        sym.step(cf, s, s - sym_spread / 2.0, s + sym_spread / 2.0, vb, va);
        s += if uniform(&mut mid) < 0.5 {
            step_move
        } else {
            -step_move
        };
    }
    let n = steps as f64;
    let var = inv.sxx - inv.sx * inv.sx / n;
    let slope = if var > 0.0 {
        (inv.sxy - inv.sx * inv.sy / n) / var
    } else {
        0.0
    };
    Path {
        inv_profit: inv.cash + inv.q * s,
        sym_profit: sym.cash + sym.q * s,
        inv_q: inv.q,
        sym_q: sym.q,
        inv_slope: slope,
        inv_fill_residual: inv.fills - inv.compensator,
    }
}

fn sd(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Paired differences of squared deviations from each sample's mean: their mean is (up to the
/// factor n/(n−1)) the difference of the two variances, with a paired CI.
fn squared_deviation_differences(a: &[f64], b: &[f64]) -> Vec<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma).powi(2) - (y - mb).powi(2))
        .collect()
}

pub fn run(r: &super::CaseRun) -> Result<Vec<CaseResult>, ValidationError> {
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
    let n = cf.repetitions.for_mode(mode);
    let mut lines = Lines::new(CASE);
    for (i, &p) in cf.points.iter().enumerate() {
        let label = format!("gamma={}", p.gamma);
        as_config(&cf, p.gamma)
            .validate(&format!("points[{i}]"))
            .map_err(|e| ValidationError::Parse {
                file: FILE.into(),
                message: format!("as the market maker's config: {e}"),
            })?;
        lines.exact(
            &label,
            "(2/gamma) ln(1+gamma/k) vs the paper's column",
            p.spread_term,
            spread_term(p.gamma, cf.k),
            0.005,
        );
        let paths = repetitions(cf.seed, CASE, &label, n, |s| one_path(&cf, p, s));
        let col = |f: &dyn Fn(&Path) -> f64| paths.iter().map(f).collect::<Vec<f64>>();
        let (ip, sp) = (col(&|r| r.inv_profit), col(&|r| r.sym_profit));
        let (iq, sq) = (col(&|r| r.inv_q), col(&|r| r.sym_q));
        lines.sample(
            &label,
            "var(profit): inventory - symmetric",
            None,
            &squared_deviation_differences(&ip, &sp),
            Check::Directional { below: true },
        )?;
        lines.sample(
            &label,
            "var(final q): inventory - symmetric",
            None,
            &squared_deviation_differences(&iq, &sq),
            Check::Directional { below: true },
        )?;
        let diff: Vec<f64> = ip.iter().zip(&sp).map(|(a, b)| a - b).collect();
        lines.sample(
            &label,
            "mean profit: inventory - symmetric",
            None,
            &diff,
            Check::Directional { below: true },
        )?;
        lines.sample(
            &label,
            "inventory strategy: slope of dq on q",
            None,
            &col(&|r| r.inv_slope),
            Check::Directional { below: true },
        )?;
        lines.sample(
            &label,
            "fills - sum of A e^(-k delta) dt (inventory)",
            Some(0.0),
            &col(&|r| r.inv_fill_residual),
            Check::Ci,
        )?;
        let t = p.table;
        lines.sample(
            &label,
            "inventory: mean profit (table)",
            Some(t[0]),
            &ip,
            Check::Info,
        )?;
        lines.sample(
            &label,
            "symmetric: mean profit (table)",
            Some(t[3]),
            &sp,
            Check::Info,
        )?;
        for (q, theory, x) in [
            ("inventory: sd of profit (table)", t[1], &ip),
            ("inventory: sd of final q (table)", t[2], &iq),
            ("symmetric: sd of profit (table)", t[4], &sp),
            ("symmetric: sd of final q (table)", t[5], &sq),
        ] {
            let mut sim = Simulated::exact(sd(x));
            sim.n = x.len();
            lines.out.push(CaseResult::judge(
                CASE,
                &label,
                q,
                Some(theory),
                sim,
                Check::Info,
            ));
        }
    }
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_file() -> CaseFile {
        parse(TEXT, FILE).unwrap()
    }

    #[test]
    fn spread_terms_match_the_paper_column() {
        for (g, v) in [(0.1, 1.29), (0.01, 1.33), (0.5, 1.15)] {
            let x = spread_term(g, 1.5);
            assert!((x - v).abs() < 0.005, "{g}: {x}");
        }
    }

    /// The agent's quotes are the paper's closed form, computed here from the formulas, at a
    /// few inventories and times (σ = 2 makes every product exact, so equality is exact).
    #[test]
    fn the_agent_quotes_the_closed_form() {
        let cf = case_file();
        for p in &cf.points {
            let g = p.gamma;
            let mut mm = as_market_maker(&cf, g);
            for (q, t, s) in [
                (0, 0.0, 100.0),
                (2, 0.5, 101.5),
                (-3, 0.25, 98.0),
                (5, 1.0, 100.0),
            ] {
                mm.set_belief(s);
                while mm.inventory() != q {
                    let side = if q > mm.inventory() {
                        Side::Buy
                    } else {
                        Side::Sell
                    };
                    mm.record_fill(side, 1);
                }
                let tau = cf.horizon - t;
                let r = s - q as f64 * g * cf.sigma * cf.sigma * tau;
                let spread = g * cf.sigma * cf.sigma * tau + spread_term(g, cf.k);
                assert_eq!(mm.reservation_price_at(t), r, "{g} {q} {t}");
                assert_eq!(2.0 * mm.half_spread_at(t), spread, "{g} {q} {t}");
                let (bid, ask) = mm.quote_prices_at(t);
                assert_eq!((bid, ask), (r - spread / 2.0, r + spread / 2.0));
            }
        }
    }

    #[test]
    fn reservation_price_skews_against_inventory() {
        let cf = case_file();
        let mut mm = as_market_maker(&cf, 0.1);
        mm.record_fill(Side::Buy, 2);
        // r = S − qγσ²(T − t): 100 − 2·0.1·4·0.5 = 99.6.
        assert!((mm.reservation_price_at(0.5) - 99.6).abs() < 1e-12);
        // At T the spread is the spread term alone; past T the horizon stays at 0.
        for t in [1.0, 1.5] {
            let (b, a) = mm.quote_prices_at(t);
            assert!((a - b - spread_term(0.1, cf.k)).abs() < 1e-12);
            assert_eq!(mm.reservation_price_at(t), 100.0);
        }
    }
}
