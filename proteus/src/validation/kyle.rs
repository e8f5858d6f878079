//! Kyle (1985), one period.
//!
//! Setting in Proteus terms (a stylized harness: Kyle's market is a single batch clearing, not an
//! order book): each auction draws v ~ N(p0, Σ0) (stream `value`) and noise flow u ~ N(0, σu²)
//! (stream `noise`); the insider ([`KyleInsider`]) submits x = β(v − p0); the dealer
//! ([`KyleDealer`]) sees only the total flow y = x + u and sets p = p0 + λy. A repetition is
//! `draws` auctions.
//!
//! Equilibrium checks (insider and dealer at the closed-form β, λ), per repetition: the OLS slope
//! of the value change v − p0 on the flow y (the dealer's zero-profit condition: it equals λ);
//! insider profit per auction √Σ0·σu/2; noise traders' loss λσu²; R² of v on p = 1/2; the
//! posterior variance E[(v − p)²] = Σ0/2.
//!
//! Learning check: best-response iteration, each repetition starting at `initial_lambda`: the
//! insider answers β = 1/(2λ), the dealer refits λ by OLS of v − p0 on y over `draws` fresh
//! auctions; after `rounds` rounds (β, λ) is compared with the equilibrium.

use super::{Check, Lines, Repetitions, ValidationError, parse, repetitions};
use crate::core::Stream;
use rand_distr::{Distribution, StandardNormal};
use serde::Deserialize;

pub const CASE: &str = "kyle";
pub(crate) const FILE: &str = "scenarios/validation/kyle.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/kyle.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[allow(dead_code)]
    case: String,
    seed: u64,
    p0: f64,
    draws: Repetitions,
    rounds: usize,
    initial_lambda: f64,
    repetitions: Repetitions,
    points: Vec<Point>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    sigma0_sq: f64,
    sigma_u: f64,
}

pub use crate::agents::kyle::{KyleDealer, KyleInsider, equilibrium, ols_slope};

fn correlation_sq(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy * sxy / (sxx * syy)
}

/// `m` auctions: (v, u) drawn from the two streams.
fn draw(m: usize, p0: f64, pt: Point, value: &mut Stream, noise: &mut Stream) -> Vec<(f64, f64)> {
    (0..m)
        .map(|_| {
            let z: f64 = StandardNormal.sample(value);
            let w: f64 = StandardNormal.sample(noise);
            (p0 + pt.sigma0_sq.sqrt() * z, pt.sigma_u * w)
        })
        .collect()
}

struct Rep {
    slope: f64,
    insider: f64,
    noise_loss: f64,
    r2: f64,
    posterior_var: f64,
    learned_beta: f64,
    learned_lambda: f64,
}

fn one_rep(cf: &CaseFile, pt: Point, m: usize, seed: crate::core::RepetitionSeed) -> Rep {
    let (beta, lambda) = equilibrium(pt.sigma0_sq, pt.sigma_u);
    let p0 = cf.p0;
    let mut value = seed.stream("value");
    let mut noise = seed.stream("noise");
    let insider = KyleInsider { beta };
    let dealer = KyleDealer { lambda };
    let auctions = draw(m, p0, pt, &mut value, &mut noise);
    let (mut ys, mut dv, mut vs, mut ps) = (vec![], vec![], vec![], vec![]);
    let (mut ins, mut nl, mut pv) = (0.0, 0.0, 0.0);
    for &(v, u) in &auctions {
        let x = insider.order(v, p0);
        let y = x + u;
        let p = dealer.price(p0, y);
        ins += x * (v - p);
        nl += u * (p - v);
        pv += (v - p) * (v - p);
        ys.push(y);
        dv.push(v - p0);
        vs.push(v);
        ps.push(p);
    }
    let mf = m as f64;
    // Best-response iteration on fresh auctions (streams `learn/value`, `learn/noise`).
    let mut lv = seed.stream("learn/value");
    let mut ln = seed.stream("learn/noise");
    let mut dealer_l = KyleDealer {
        lambda: cf.initial_lambda,
    };
    let mut insider_l = KyleInsider::best_response(dealer_l.lambda);
    for _ in 0..cf.rounds {
        insider_l = KyleInsider::best_response(dealer_l.lambda);
        let a = draw(m, p0, pt, &mut lv, &mut ln);
        let flows: Vec<f64> = a.iter().map(|&(v, u)| insider_l.order(v, p0) + u).collect();
        let changes: Vec<f64> = a.iter().map(|&(v, _)| v - p0).collect();
        dealer_l = KyleDealer::fit(&flows, &changes);
    }
    Rep {
        slope: ols_slope(&ys, &dv),
        insider: ins / mf,
        noise_loss: nl / mf,
        r2: correlation_sq(&vs, &ps),
        posterior_var: pv / mf,
        learned_beta: insider_l.beta,
        learned_lambda: dealer_l.lambda,
    }
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
    let n = cf.repetitions.for_mode(mode);
    let m = cf.draws.for_mode(mode) as usize;
    let mut lines = Lines::new(CASE);
    for &pt in &cf.points {
        let label = format!("Sigma0={} sigma_u={}", pt.sigma0_sq, pt.sigma_u);
        let (beta, lambda) = equilibrium(pt.sigma0_sq, pt.sigma_u);
        let reps = repetitions(cf.seed, CASE, &label, n, |s| one_rep(&cf, pt, m, s));
        let col = |f: &dyn Fn(&Rep) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
        let profit = pt.sigma0_sq.sqrt() * pt.sigma_u / 2.0;
        for (q, theory, sample) in [
            (
                "lambda: OLS slope of v - p0 on flow",
                lambda,
                col(&|r| r.slope),
            ),
            ("insider profit per auction", profit, col(&|r| r.insider)),
            (
                "noise loss per auction (lambda sigma_u^2)",
                lambda * pt.sigma_u * pt.sigma_u,
                col(&|r| r.noise_loss),
            ),
            ("R^2 of v on p", 0.5, col(&|r| r.r2)),
            (
                "posterior variance E[(v-p)^2]",
                pt.sigma0_sq / 2.0,
                col(&|r| r.posterior_var),
            ),
            ("best-response lambda", lambda, col(&|r| r.learned_lambda)),
            ("best-response beta", beta, col(&|r| r.learned_beta)),
        ] {
            lines.sample(&label, q, Some(theory), &sample, Check::Ci)?;
        }
    }
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let (b, l) = equilibrium(4.0, 1.0);
        assert!((b - 0.5).abs() < 1e-15 && (l - 1.0).abs() < 1e-15);
        // λ is the dealer's zero-profit slope at β: βΣ0/(β²Σ0 + σu²).
        let (b, l) = equilibrium(0.25, 2.0);
        assert!((l - b * 0.25 / (b * b * 0.25 + 4.0)).abs() < 1e-15);
        // β is the insider's best response to λ.
        assert!((KyleInsider::best_response(l).beta - b).abs() < 1e-12);
    }

    #[test]
    fn ols_slope_of_a_line() {
        let x = [1.0, 2.0, 3.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v| 3.0 - 0.5 * v).collect();
        assert!((ols_slope(&x, &y) + 0.5).abs() < 1e-14);
    }
}
