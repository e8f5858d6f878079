//! GARCH(1,1) by Gaussian (quasi-)maximum likelihood, with a small Nelder–Mead minimiser.
//!
//! The model: `r_t = σ_t z_t`, `σ²_t = ω + α r²_{t−1} + β σ²_{t−1}`, for the demeaned returns
//! scaled to unit variance (α and β do not depend on the scale; ω is reported back in the
//! returns' units). The recursion starts at `σ²_1` = the sample variance (1 after scaling). The
//! negative log-likelihood `½ Σ_t (ln σ²_t + r²_t / σ²_t)` is minimised over unconstrained
//! parameters `θ = (ln ω, logit p, logit s)` with persistence `p = α + β ∈ (0, 1)` and
//! `α = p·s`, `β = p·(1 − s)`, so every θ is a stationary model with ω > 0, α ≥ 0, β ≥ 0.
//! Nelder–Mead runs from four fixed starting points, then restarts once from the best; the
//! lowest likelihood wins (the first on a tie). Everything is deterministic.

use super::estimators::{Missing, ZERO_VARIANCE, central_moments, mean};

/// A fitted GARCH(1,1).
#[derive(Clone, Debug, PartialEq)]
pub struct Garch11 {
    /// ω in the units of the squared returns.
    pub omega: f64,
    pub alpha: f64,
    pub beta: f64,
    /// The minimised negative log-likelihood (of the unit-variance series, constants dropped).
    pub neg_log_likelihood: f64,
    /// Standardized residuals `z_t = r_t / σ_t`.
    pub residuals: Vec<f64>,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// (ω, α, β) of the unit-variance series from θ.
fn params(theta: &[f64]) -> (f64, f64, f64) {
    let omega = theta[0].exp();
    let p = logistic(theta[1]);
    let s = logistic(theta[2]);
    (omega, p * s, p * (1.0 - s))
}

fn neg_log_likelihood(x: &[f64], theta: &[f64]) -> f64 {
    let (omega, alpha, beta) = params(theta);
    let mut h = 1.0;
    let mut nll = 0.0;
    for (t, &r) in x.iter().enumerate() {
        if t > 0 {
            h = omega + alpha * x[t - 1] * x[t - 1] + beta * h;
        }
        if !(h > 0.0 && h.is_finite()) {
            return f64::INFINITY;
        }
        nll += 0.5 * (h.ln() + r * r / h);
    }
    if nll.is_finite() { nll } else { f64::INFINITY }
}

/// Fits a GARCH(1,1) to `r` (at least 50 returns, not constant).
pub fn fit_garch11(r: &[f64]) -> Result<Garch11, Missing> {
    if r.len() < 50 {
        return Err("GARCH needs at least 50 returns");
    }
    let m = mean(r);
    let (var, _, _) = central_moments(r);
    if var <= 0.0 {
        return Err(ZERO_VARIANCE);
    }
    let sd = var.sqrt();
    let x: Vec<f64> = r.iter().map(|v| (v - m) / sd).collect();
    let f = |theta: &[f64]| neg_log_likelihood(&x, theta);
    let start = |alpha: f64, beta: f64| {
        let p = alpha + beta;
        vec![(1.0 - p).ln(), logit(p), logit(alpha / p)]
    };
    let mut best: Option<(Vec<f64>, f64)> = None;
    for (a, b) in [(0.05, 0.90), (0.10, 0.80), (0.20, 0.50), (0.05, 0.50)] {
        let (theta, value) = nelder_mead(&f, &start(a, b), 0.5, 3000, 1e-10);
        if best.as_ref().is_none_or(|(_, v)| value < *v) {
            best = Some((theta, value));
        }
    }
    let (theta, value) = best.expect("four starts");
    let (restart, restart_value) = nelder_mead(&f, &theta, 0.2, 3000, 1e-12);
    let (theta, value) = if restart_value < value {
        (restart, restart_value)
    } else {
        (theta, value)
    };
    if !value.is_finite() {
        return Err("GARCH likelihood is not finite anywhere tried");
    }
    let (omega, alpha, beta) = params(&theta);
    let mut residuals = Vec::with_capacity(x.len());
    let mut h = 1.0;
    for (t, &v) in x.iter().enumerate() {
        if t > 0 {
            h = omega + alpha * x[t - 1] * x[t - 1] + beta * h;
        }
        residuals.push(v / h.sqrt());
    }
    Ok(Garch11 {
        omega: omega * var,
        alpha,
        beta,
        neg_log_likelihood: value,
        residuals,
    })
}

/// Minimises `f` by the Nelder–Mead simplex method (reflection 1, expansion 2, contraction
/// ½, shrink ½) from `x0` with an initial simplex of `x0` and `x0 + step·e_i`. Stops after
/// `max_iter` iterations or when the spread of the simplex's values is below
/// `tol · (1 + |f_best|)`. Returns the best point and its value. Non-finite values count as
/// worse than any finite one.
pub fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((x0.to_vec(), eval(x0)));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step;
        let v = eval(&x);
        simplex.push((x, v));
    }
    let order = |s: &mut Vec<(Vec<f64>, f64)>| s.sort_by(|a, b| a.1.total_cmp(&b.1));
    for _ in 0..max_iter {
        order(&mut simplex);
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if worst.is_finite() && (worst - best).abs() <= tol * (1.0 + best.abs()) {
            break;
        }
        let mut centroid = vec![0.0; n];
        for (x, _) in &simplex[..n] {
            for (c, xi) in centroid.iter_mut().zip(x) {
                *c += xi / n as f64;
            }
        }
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[n].0)
                .map(|(c, w)| c + t * (c - w))
                .collect()
        };
        let xr = along(1.0);
        let fr = eval(&xr);
        if fr < simplex[0].1 {
            let xe = along(2.0);
            let fe = eval(&xe);
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let (xc, fc) = if fr < worst {
                let xc = along(0.5);
                let fc = eval(&xc);
                (xc, fc)
            } else {
                let xc = along(-0.5);
                let fc = eval(&xc);
                (xc, fc)
            };
            if fc < fr.min(worst) {
                simplex[n] = (xc, fc);
            } else {
                let x_best = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = x_best
                        .iter()
                        .zip(&p.0)
                        .map(|(b, xi)| b + 0.5 * (xi - b))
                        .collect();
                    let v = eval(&x);
                    *p = (x, v);
                }
            }
        }
    }
    order(&mut simplex);
    simplex.swap_remove(0)
}

/// Simulates `n` returns of a GARCH(1,1) with standard normal innovations from `rng`, after a
/// burn-in of 1,000 steps (for tests and the documentation's examples).
#[cfg(test)]
pub(crate) fn simulate_garch11<R: rand::Rng + ?Sized>(
    n: usize,
    omega: f64,
    alpha: f64,
    beta: f64,
    rng: &mut R,
) -> Vec<f64> {
    use rand_distr::{Distribution, StandardNormal};
    let mut h = omega / (1.0 - alpha - beta);
    let mut r_prev: f64 = 0.0;
    let mut out = Vec::with_capacity(n);
    for t in 0..n + 1000 {
        h = omega + alpha * r_prev * r_prev + beta * h;
        let z: f64 = StandardNormal.sample(rng);
        r_prev = h.sqrt() * z;
        if t >= 1000 {
            out.push(r_prev);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;
    use crate::realism::estimators::{acf, kurtosis};

    #[test]
    fn nelder_mead_finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, v) = nelder_mead(&rosen, &[-1.2, 1.0], 0.5, 5000, 1e-14);
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
        assert!(v < 1e-8);
        let bowl = |x: &[f64]| (x[0] - 3.0).powi(2) + 2.0 * (x[1] + 1.0).powi(2) + x[2].powi(2);
        let (x, _) = nelder_mead(&bowl, &[0.0, 0.0, 0.0], 1.0, 5000, 1e-14);
        for (got, want) in x.iter().zip([3.0, -1.0, 0.0]) {
            assert!((got - want).abs() < 1e-4, "{x:?}");
        }
    }

    #[test]
    fn recovers_the_parameters_of_a_simulated_garch() {
        let mut s = RepetitionSeed(5).stream("test/garch");
        let r = simulate_garch11(20_000, 0.05, 0.10, 0.85, &mut s);
        let fit = fit_garch11(&r).unwrap();
        assert!((fit.alpha - 0.10).abs() < 0.03, "{fit:?}");
        assert!(
            (fit.beta - 0.85).abs() < 0.04,
            "alpha {} beta {}",
            fit.alpha,
            fit.beta
        );
        assert!((fit.omega - 0.05).abs() < 0.03, "omega {}", fit.omega);
        // Normal innovations: the filtered residuals have kurtosis near 3, the returns more.
        let kr = kurtosis(&r).unwrap();
        let kz = kurtosis(&fit.residuals).unwrap();
        assert!(
            kr > 3.3 && (kz - 3.0).abs() < 0.15,
            "returns {kr}, residuals {kz}"
        );
        // Volatility clustering: ACF(|r|) positive at every lag 1..10.
        let abs: Vec<f64> = r.iter().map(|v| v.abs()).collect();
        let a = acf(&abs, 10).unwrap();
        assert!(a[1..].iter().all(|v| *v > 0.03), "{a:?}");
        assert_eq!(fit, fit_garch11(&r).unwrap(), "deterministic");
    }

    #[test]
    fn white_noise_has_little_persistence_to_fit() {
        let mut s = RepetitionSeed(6).stream("test/garch-white");
        let r = simulate_garch11(5_000, 1.0, 0.0, 0.0, &mut s);
        let fit = fit_garch11(&r).unwrap();
        assert!(fit.alpha < 0.05, "{fit:?}");
        assert!(fit_garch11(&[1.0; 100]).is_err());
        assert!(fit_garch11(&[1.0, 2.0]).is_err());
    }
}
