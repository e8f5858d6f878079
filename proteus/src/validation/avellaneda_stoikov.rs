//! Avellaneda–Stoikov (2008): inventory-aware market making in the paper's stylized model.
//!
//! Setting in Proteus terms (a stylized harness: the theory's market is a Poisson fill model,
//! not an order book): the mid moves by ±σ√dt each step with probability 1/2 (stream `mid`);
//! a quote at distance δ from the mid is hit in a step with probability `min(1, A·e^{−kδ}·dt)`
//! (streams `fills/bid`, `fills/ask`). [`AsQuoter`] quotes around the reservation price
//! `r = S − q·γ·σ²·(T − t)` with total spread `γσ²(T − t) + (2/γ)·ln(1 + γ/k)`; the symmetric
//! strategy quotes around the mid with the inventory strategy's average spread. Both strategies
//! run on the same path and the same fill uniforms (common random numbers), so their
//! differences are paired.
//!
//! Verdicts: the closed-form spread term against the paper's column (to its rounding, 0.005);
//! the directional claims (inventory strategy: lower sd of profit and of final inventory,
//! slightly lower mean profit, inventory mean-reverting) by paired 95% CIs; the fill model by
//! its compensator (fills minus Σ intensity·dt has mean 0). The table's numbers are reported
//! without a verdict.

use super::{
    CaseResult, Check, Lines, Repetitions, Simulated, ValidationError, parse, repetitions, uniform,
};
use serde::Deserialize;

pub const CASE: &str = "avellaneda_stoikov";
const FILE: &str = "scenarios/validation/avellaneda_stoikov.toml";
const TEXT: &str = include_str!("../../../scenarios/validation/avellaneda_stoikov.toml");

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

/// The Avellaneda–Stoikov quoting rule.
#[derive(Clone, Copy, Debug)]
pub struct AsQuoter {
    pub gamma: f64,
    pub sigma: f64,
    pub k: f64,
    pub horizon: f64,
}

impl AsQuoter {
    /// `(2/γ)·ln(1 + γ/k)`.
    pub fn spread_term(&self) -> f64 {
        2.0 / self.gamma * (1.0 + self.gamma / self.k).ln()
    }
    /// Reservation price `S − qγσ²(T − t)`.
    pub fn reservation(&self, s: f64, q: f64, t: f64) -> f64 {
        s - q * self.gamma * self.sigma * self.sigma * (self.horizon - t)
    }
    /// Total spread `γσ²(T − t) + (2/γ)ln(1 + γ/k)`.
    pub fn spread(&self, t: f64) -> f64 {
        self.gamma * self.sigma * self.sigma * (self.horizon - t) + self.spread_term()
    }
    /// `(bid, ask)` at mid `s`, inventory `q`, time `t`.
    pub fn quotes(&self, s: f64, q: f64, t: f64) -> (f64, f64) {
        let r = self.reservation(s, q, t);
        let h = self.spread(t) / 2.0;
        (r - h, r + h)
    }
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

struct Path {
    inv_profit: f64,
    sym_profit: f64,
    inv_q: f64,
    sym_q: f64,
    inv_slope: f64,
    inv_fill_residual: f64,
}

fn one_path(cf: &CaseFile, p: Point, seed: crate::core::RepetitionSeed) -> Path {
    let quoter = AsQuoter {
        gamma: p.gamma,
        sigma: cf.sigma,
        k: cf.k,
        horizon: cf.horizon,
    };
    let steps = (cf.horizon / cf.dt).round() as usize;
    // The symmetric strategy's spread: the inventory strategy's spread averaged over the steps.
    let sym_spread = (0..steps)
        .map(|i| quoter.spread(i as f64 * cf.dt))
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
        let (ib, ia) = quoter.quotes(s, inv.q, t);
        let quotes = [
            (&mut inv, ib, ia),
            (&mut sym, s - sym_spread / 2.0, s + sym_spread / 2.0),
        ];
        for (book, bid, ask) in quotes {
            let pb = (cf.a * (-cf.k * (s - bid)).exp() * cf.dt).min(1.0);
            let pa = (cf.a * (-cf.k * (ask - s)).exp() * cf.dt).min(1.0);
            let q0 = book.q;
            if vb < pb {
                book.q += 1.0;
                book.cash -= bid;
                book.fills += 1.0;
            }
            if va < pa {
                book.q -= 1.0;
                book.cash += ask;
                book.fills += 1.0;
            }
            book.compensator += pb + pa;
            let dq = book.q - q0;
            book.sxy += dq * q0;
            book.sx += q0;
            book.sy += dq;
            book.sxx += q0 * q0;
        }
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

pub fn run(mode: super::Mode) -> Result<Vec<CaseResult>, ValidationError> {
    let cf: CaseFile = parse(TEXT, FILE)?;
    let n = cf.repetitions.for_mode(mode);
    let mut lines = Lines::new(CASE);
    for &p in &cf.points {
        let label = format!("gamma={}", p.gamma);
        let quoter = AsQuoter {
            gamma: p.gamma,
            sigma: cf.sigma,
            k: cf.k,
            horizon: cf.horizon,
        };
        lines.exact(
            &label,
            "(2/gamma) ln(1+gamma/k) vs the paper's column",
            p.spread_term,
            quoter.spread_term(),
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

    #[test]
    fn spread_terms_match_the_paper_column() {
        for (g, v) in [(0.1, 1.29), (0.01, 1.33), (0.5, 1.15)] {
            let q = AsQuoter {
                gamma: g,
                sigma: 2.0,
                k: 1.5,
                horizon: 1.0,
            };
            assert!(
                (q.spread_term() - v).abs() < 0.005,
                "{g}: {}",
                q.spread_term()
            );
        }
    }

    #[test]
    fn reservation_price_skews_against_inventory() {
        let q = AsQuoter {
            gamma: 0.1,
            sigma: 2.0,
            k: 1.5,
            horizon: 1.0,
        };
        // r = S − qγσ²(T − t): 100 − 2·0.1·4·0.5 = 99.6.
        assert!((q.reservation(100.0, 2.0, 0.5) - 99.6).abs() < 1e-12);
        let (b, a) = q.quotes(100.0, 0.0, 1.0);
        assert!((a - b - q.spread_term()).abs() < 1e-12);
    }
}
