//! The estimators of the stylized facts, on plain slices: moments, autocorrelations, Pearson
//! correlation, least squares, power-law fits, the Hill tail index, aggregation and weighted
//! quantiles. `docs/realism.md` states each formula.
//!
//! Every function sums left to right over its input, so its result depends only on the values
//! and their order. A statistic the data cannot give (too few points, zero variance) is an
//! `Err` with a short reason, never NaN.

/// Why a statistic has no value for one run.
pub type Missing = &'static str;

pub(crate) const ZERO_VARIANCE: Missing = "zero variance";
pub(crate) const TOO_FEW: Missing = "too few observations";

/// The arithmetic mean (0 for an empty slice).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// The central moments `m_k = Σ (x_i − x̄)^k / n` for k = 2, 3, 4 (divisor n, the moment
/// estimators of Cont 2001 and of most of the literature).
pub fn central_moments(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let m = mean(x);
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in x {
        let d = v - m;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    (m2 / n, m3 / n, m4 / n)
}

/// Sample skewness `g1 = m3 / m2^(3/2)`.
pub fn skewness(x: &[f64]) -> Result<f64, Missing> {
    if x.len() < 3 {
        return Err(TOO_FEW);
    }
    let (m2, m3, _) = central_moments(x);
    if m2 <= 0.0 {
        return Err(ZERO_VARIANCE);
    }
    finite(m3 / m2.powf(1.5))
}

/// Sample kurtosis `b2 = m4 / m2²` (3 for a normal law).
pub fn kurtosis(x: &[f64]) -> Result<f64, Missing> {
    if x.len() < 4 {
        return Err(TOO_FEW);
    }
    let (m2, _, m4) = central_moments(x);
    if m2 <= 0.0 {
        return Err(ZERO_VARIANCE);
    }
    finite(m4 / (m2 * m2))
}

/// Sample excess kurtosis `g2 = m4 / m2² − 3` (0 for a normal law).
pub fn excess_kurtosis(x: &[f64]) -> Result<f64, Missing> {
    kurtosis(x).map(|k| k - 3.0)
}

/// The sample autocorrelation at lags `0..=max_lag`:
/// `ρ(k) = Σ_{t<n−k} (x_t − x̄)(x_{t+k} − x̄) / Σ_t (x_t − x̄)²` (the standard biased estimator,
/// divisor the whole sum of squares, so the sequence is positive semi-definite). Needs
/// `n > max_lag + 1` and a non-constant series.
pub fn acf(x: &[f64], max_lag: usize) -> Result<Vec<f64>, Missing> {
    if x.len() <= max_lag + 1 {
        return Err(TOO_FEW);
    }
    let m = mean(x);
    let d: Vec<f64> = x.iter().map(|v| v - m).collect();
    let denom: f64 = d.iter().map(|v| v * v).sum();
    if denom <= 0.0 {
        return Err(ZERO_VARIANCE);
    }
    Ok((0..=max_lag)
        .map(|k| {
            let num: f64 = d[..d.len() - k]
                .iter()
                .zip(&d[k..])
                .map(|(a, b)| a * b)
                .sum();
            num / denom
        })
        .collect())
}

/// Pearson's correlation of two equally long series.
pub fn correlation(x: &[f64], y: &[f64]) -> Result<f64, Missing> {
    assert_eq!(x.len(), y.len(), "correlation of series of unequal length");
    if x.len() < 3 {
        return Err(TOO_FEW);
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return Err(ZERO_VARIANCE);
    }
    finite(sxy / (sxx.sqrt() * syy.sqrt()))
}

/// Ordinary least squares of `y` on `x`: `(intercept, slope)`.
pub fn ols(x: &[f64], y: &[f64]) -> Result<(f64, f64), Missing> {
    assert_eq!(
        x.len(),
        y.len(),
        "least squares of series of unequal length"
    );
    if x.len() < 2 {
        return Err(TOO_FEW);
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
    }
    if sxx <= 0.0 {
        return Err(ZERO_VARIANCE);
    }
    let slope = sxy / sxx;
    Ok((finite(my - slope * mx)?, finite(slope)?))
}

/// Lags from 1 to `max_lag` evenly spaced in logarithm: `round(10^(j/10))` for j = 0, 1, …,
/// duplicates removed (1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, …), so
/// a log–log fit weighs every decade alike.
pub fn log_spaced_lags(max_lag: usize) -> Vec<usize> {
    let mut lags: Vec<usize> = Vec::new();
    for j in 0.. {
        let lag = 10f64.powf(j as f64 / 10.0).round() as usize;
        if lag > max_lag {
            break;
        }
        if lags.last() != Some(&lag) {
            lags.push(lag);
        }
    }
    lags
}

/// A power law `y ≈ e^a · τ^(−exponent)` fitted by least squares of `ln y` on `ln τ`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLaw {
    /// The decay exponent: minus the log–log slope.
    pub exponent: f64,
    /// The intercept `a` of `ln y` at `ln τ = 0`.
    pub log_intercept: f64,
    /// How many of the lags had a positive value and entered the fit.
    pub points: usize,
}

/// Why a power law could not be fitted.
pub const NOT_POSITIVE: Missing = "autocorrelation not positive at half of the fit lags";

/// Fits a power law to `acf` (indexed by lag: `acf[k]` is lag k) at `lags`. Only lags with a
/// positive value enter (a logarithm needs one); at least half of `lags`, and at least 3, must
/// be positive, or the decay is not a power law and the fit is missing.
pub fn power_law_fit(acf: &[f64], lags: &[usize]) -> Result<PowerLaw, Missing> {
    let (mut lx, mut ly) = (Vec::new(), Vec::new());
    for &k in lags {
        if let Some(&v) = acf.get(k)
            && v > 0.0
        {
            lx.push((k as f64).ln());
            ly.push(v.ln());
        }
    }
    if lx.len() < 3 || 2 * lx.len() < lags.len() {
        return Err(NOT_POSITIVE);
    }
    let (a, slope) = ols(&lx, &ly)?;
    Ok(PowerLaw {
        exponent: -slope,
        log_intercept: a,
        points: lx.len(),
    })
}

/// The Hill estimator of the tail index of `|x|` from its `k = ⌈fraction · n⌉` largest values:
/// `α̂ = 1 / ( (1/k) Σ_{i=1..k} ln(X_(i) / X_(k+1)) )`, with `X_(1) ≥ X_(2) ≥ …` the order
/// statistics of `|x|`. Needs `k ≥ 2`, `X_(k+1) > 0` and not all top values tied.
pub fn hill(x: &[f64], fraction: f64) -> Result<f64, Missing> {
    let mut a: Vec<f64> = x.iter().map(|v| v.abs()).collect();
    a.sort_by(|p, q| q.total_cmp(p));
    let k = (fraction * a.len() as f64).ceil() as usize;
    if k < 2 || k >= a.len() {
        return Err(TOO_FEW);
    }
    let threshold = a[k];
    if threshold <= 0.0 {
        return Err("the tail threshold is a zero return");
    }
    let s: f64 = a[..k].iter().map(|v| (v / threshold).ln()).sum::<f64>() / k as f64;
    if s <= 0.0 {
        return Err("the largest returns are all tied");
    }
    finite(1.0 / s)
}

/// Sums of `k` consecutive values, non-overlapping, from the start (a trailing partial block is
/// dropped): log returns over `k` intervals from log returns over one.
pub fn aggregate(x: &[f64], k: usize) -> Vec<f64> {
    assert!(k > 0, "aggregation over zero intervals");
    x.chunks_exact(k).map(|c| c.iter().sum()).collect()
}

/// The `q`-quantile of a weighted sample: the smallest value whose cumulative weight (values
/// sorted ascending, ties in input order) reaches `q` of the total. `None` without weight.
pub fn weighted_quantile(sorted: &[(f64, f64)], total: f64, q: f64) -> Option<f64> {
    if total <= 0.0 {
        return None;
    }
    let target = q * total;
    let mut cum = 0.0;
    for &(v, w) in sorted {
        cum += w;
        if cum >= target {
            return Some(v);
        }
    }
    sorted.last().map(|p| p.0)
}

fn finite(x: f64) -> Result<f64, Missing> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err("overflow")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;
    use rand::RngExt;
    use rand_distr::{Distribution, StandardNormal, StudentT};

    fn normals(n: usize, name: &str) -> Vec<f64> {
        let mut s = RepetitionSeed(7).stream(name);
        (0..n).map(|_| StandardNormal.sample(&mut s)).collect()
    }

    #[test]
    fn moments_by_hand() {
        let x = [1.0, 2.0, 3.0, 10.0];
        // mean 4; deviations −3, −2, −1, 6; m2 = 50/4, m3 = 180/4, m4 = 1394/4.
        let (m2, m3, m4) = central_moments(&x);
        assert_eq!((m2, m3, m4), (12.5, 45.0, 348.5));
        assert!((skewness(&x).unwrap() - 45.0 / 12.5f64.powf(1.5)).abs() < 1e-12);
        assert!((kurtosis(&x).unwrap() - 348.5 / 156.25).abs() < 1e-12);
        assert_eq!(skewness(&[1.0, 1.0, 1.0]), Err(ZERO_VARIANCE));
        assert_eq!(kurtosis(&[1.0, 2.0]), Err(TOO_FEW));
    }

    #[test]
    fn white_noise_autocorrelations_stay_inside_the_band() {
        let n = 20_000;
        let x = normals(n, "test/white");
        let r = acf(&x, 20).unwrap();
        assert_eq!(r[0], 1.0);
        let band = 1.96 / (n as f64).sqrt();
        let outside = r[1..].iter().filter(|v| v.abs() > band).count();
        assert!(outside <= 2, "{outside} of 20 lags outside ±{band}: {r:?}");
        assert!(r[1..].iter().all(|v| v.abs() < 2.0 * band), "{r:?}");
        assert_eq!(acf(&[1.0; 10], 2), Err(ZERO_VARIANCE));
        assert_eq!(acf(&[1.0, 2.0, 3.0], 2), Err(TOO_FEW));
    }

    #[test]
    fn autocorrelation_of_an_ar1_is_phi_to_the_lag() {
        let e = normals(100_000, "test/ar1");
        let mut x = vec![0.0; e.len()];
        for t in 1..e.len() {
            x[t] = 0.6 * x[t - 1] + e[t];
        }
        let r = acf(&x, 3).unwrap();
        for (k, want) in [(1, 0.6), (2, 0.36), (3, 0.216)] {
            assert!((r[k] - want).abs() < 0.01, "lag {k}: {} vs {want}", r[k]);
        }
    }

    #[test]
    fn correlation_and_least_squares_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [3.0, 5.0, 7.0, 9.0];
        assert!((correlation(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        let neg: Vec<f64> = y.iter().map(|v| -v).collect();
        assert!((correlation(&x, &neg).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(ols(&x, &y).unwrap(), (1.0, 2.0));
        assert_eq!(correlation(&x, &[1.0; 4]), Err(ZERO_VARIANCE));
    }

    #[test]
    fn log_spaced_lags_cover_each_decade_alike() {
        assert_eq!(log_spaced_lags(20), [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20]);
        assert_eq!(log_spaced_lags(100).len(), 18);
        assert_eq!(log_spaced_lags(0), Vec::<usize>::new());
    }

    #[test]
    fn power_law_fit_recovers_an_exact_exponent() {
        let acf: Vec<f64> = (0..=100)
            .map(|k| {
                if k == 0 {
                    1.0
                } else {
                    0.4 * (k as f64).powf(-0.3)
                }
            })
            .collect();
        let fit = power_law_fit(&acf, &log_spaced_lags(100)).unwrap();
        assert!((fit.exponent - 0.3).abs() < 1e-12, "{fit:?}");
        assert!((fit.log_intercept - 0.4f64.ln()).abs() < 1e-12);
        assert_eq!(fit.points, 18);
        let mostly_negative: Vec<f64> = (0..=20).map(|k| if k < 3 { 0.1 } else { -0.01 }).collect();
        assert_eq!(
            power_law_fit(&mostly_negative, &log_spaced_lags(20)),
            Err(NOT_POSITIVE)
        );
    }

    #[test]
    fn hill_index_of_student_t3_is_near_3() {
        let mut s = RepetitionSeed(11).stream("test/t3");
        let t = StudentT::new(3.0).unwrap();
        let x: Vec<f64> = (0..200_000).map(|_| t.sample(&mut s)).collect();
        let a = hill(&x, 0.05).unwrap();
        assert!((a - 3.0).abs() < 0.35, "Hill index {a}");
        // A Pareto law with index 2.5: P(X > x) = x^-2.5 for x ≥ 1, exact in its whole range.
        let p: Vec<f64> = (0..200_000)
            .map(|_| (1.0 - s.random::<f64>()).powf(-1.0 / 2.5))
            .collect();
        let a = hill(&p, 0.05).unwrap();
        assert!((a - 2.5).abs() < 0.1, "Pareto 2.5: {a}");
        assert!(hill(&[0.0; 100], 0.05).is_err());
    }

    #[test]
    fn aggregating_iid_t_returns_lowers_kurtosis() {
        // Student t(10): excess kurtosis 6/(10 − 4) = 1; the sum of h iid copies has 1/h.
        let mut s = RepetitionSeed(13).stream("test/t10");
        let t = StudentT::new(10.0).unwrap();
        let x: Vec<f64> = (0..600_000).map(|_| t.sample(&mut s)).collect();
        let ks: Vec<f64> = [1, 5, 15, 30]
            .iter()
            .map(|&h| excess_kurtosis(&aggregate(&x, h)).unwrap())
            .collect();
        assert!((ks[0] - 1.0).abs() < 0.15, "{ks:?}");
        assert!((ks[1] - 0.2).abs() < 0.1, "{ks:?}");
        assert!(ks[0] > ks[1] && ks[1] > ks[2], "{ks:?}");
        let lx: Vec<f64> = [1.0f64, 5.0, 15.0, 30.0].iter().map(|h| h.ln()).collect();
        assert!(ols(&lx, &ks).unwrap().1 < 0.0);
        assert_eq!(aggregate(&[1.0, 2.0, 3.0, 4.0, 5.0], 2), [3.0, 7.0]);
    }

    #[test]
    fn weighted_quantiles_by_hand() {
        let v = [(1.0, 1.0), (2.0, 2.0), (5.0, 1.0)];
        assert_eq!(weighted_quantile(&v, 4.0, 0.25), Some(1.0));
        assert_eq!(weighted_quantile(&v, 4.0, 0.5), Some(2.0));
        assert_eq!(weighted_quantile(&v, 4.0, 0.76), Some(5.0));
        assert_eq!(weighted_quantile(&[], 0.0, 0.5), None);
    }
}

#[cfg(test)]
mod long_memory_tests {
    use super::*;
    use crate::core::{RepetitionSeed, Stream};
    use rand::RngExt;

    /// Trade signs from the splitting of metaorders (Lillo, Mike and Farmer 2005): `active`
    /// metaorders at a time, each of a size with `P(L ≥ l) = l^−alpha` and a random sign; each
    /// trade comes from one of them chosen at random, and a finished one is replaced.
    fn metaorder_signs(n: usize, active: usize, alpha: f64, s: &mut Stream) -> Vec<f64> {
        let draw = |s: &mut Stream| -> (u64, f64) {
            let u: f64 = 1.0 - s.random::<f64>();
            let size = (u.powf(-1.0 / alpha).floor() as u64).max(1);
            (size, if s.random::<bool>() { 1.0 } else { -1.0 })
        };
        let mut live: Vec<(u64, f64)> = (0..active).map(|_| draw(s)).collect();
        let mut x = Vec::with_capacity(n);
        for _ in 0..n {
            let i = s.random_range(0..active);
            x.push(live[i].1);
            live[i].0 -= 1;
            if live[i].0 == 0 {
                live[i] = draw(s);
            }
        }
        x
    }

    /// The exact sign ACF of one metaorder at a time: two trades τ apart have the same sign
    /// when one metaorder covers both (otherwise independent signs), so
    /// `ρ(τ) = Σ_{j ≥ τ} P(L > j) / E[L]`, with `P(L > j) = (j + 1)^−alpha`; it decays as
    /// `τ^−(alpha − 1)`.
    fn renewal_acf(max_lag: usize, alpha: f64) -> Vec<f64> {
        // Σ_{m ≥ 1} m^−alpha: exact below the cutoff, the integral beyond it.
        let cutoff = 2_000_000usize;
        let total: f64 = (1..=cutoff).map(|m| (m as f64).powf(-alpha)).sum::<f64>()
            + (cutoff as f64 + 0.5).powf(1.0 - alpha) / (alpha - 1.0);
        // ρ(k) = Σ_{m > k} m^−alpha / total.
        let mut head = 0.0;
        (0..=max_lag)
            .map(|k| {
                if k > 0 {
                    head += (k as f64).powf(-alpha);
                }
                (total - head) / total
            })
            .collect()
    }

    #[test]
    fn metaorder_splitting_gives_the_theoretical_sign_exponent() {
        let lags = log_spaced_lags(100);
        // Theory: γ = α − 1 = 0.5; the exact ACF fitted at the statistic's own lags (1–100
        // trades) is close to it.
        let theory = power_law_fit(&renewal_acf(100, 1.5), &lags)
            .unwrap()
            .exponent;
        assert!((theory - 0.5).abs() < 0.08, "theory fit {theory}");

        let mut s = RepetitionSeed(17).stream("test/metaorders");
        let one = metaorder_signs(1_000_000, 1, 1.5, &mut s);
        let fit_one = power_law_fit(&acf(&one, 100).unwrap(), &lags)
            .unwrap()
            .exponent;
        assert!(
            (fit_one - theory).abs() < 0.1,
            "one metaorder: {fit_one} vs {theory}"
        );

        // Four interleaved metaorders: the power law holds at lags well beyond 4.
        let four = metaorder_signs(1_000_000, 4, 1.5, &mut s);
        let far: Vec<usize> = lags.iter().copied().filter(|l| *l >= 10).collect();
        let fit = power_law_fit(&acf(&four, 100).unwrap(), &far)
            .unwrap()
            .exponent;
        assert!((fit - 0.5).abs() < 0.12, "four metaorders: {fit}");

        // A lighter tail of sizes (α = 1.8) gives a faster decay (γ = 0.8).
        let light = metaorder_signs(1_000_000, 1, 1.8, &mut s);
        let fit_light = power_law_fit(&acf(&light, 100).unwrap(), &lags)
            .unwrap()
            .exponent;
        let theory_light = power_law_fit(&renewal_acf(100, 1.8), &lags)
            .unwrap()
            .exponent;
        assert!(
            (fit_light - theory_light).abs() < 0.1 && fit_light > fit_one + 0.15,
            "alpha 1.8: {fit_light} vs theory {theory_light}"
        );
    }
}
