//! Statistics the tests compute themselves, independent of `proteus::stats`.

use proteus::core::hawkes::HawkesParams;

/// Kolmogorov–Smirnov distance of `x` from the unit exponential.
pub fn ks_exponential(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = 1.0 - (-v).exp();
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// Time rescaling of a Hawkes process started at its stationary excess (as `core::hawkes`
/// starts): the compensator increments between successive times, and the log-likelihood of the
/// times, `Σ ln λ(t_i) − Λ(t_last)`. The first gap is left out of the increments (the orders
/// reach the venue a constant latency after the arrival).
pub fn rescaled(p: &HawkesParams, t: &[f64]) -> (Vec<f64>, f64) {
    let mu = p.baseline_per_s;
    let rate = p.mean_rate();
    let mut excess: Vec<f64> = p.components.iter().map(|(a, d)| rate * a / d).collect();
    let mut out = Vec::with_capacity(t.len());
    let (mut last, mut ll) = (0.0, 0.0);
    for (i, &ti) in t.iter().enumerate() {
        let gap = ti - last;
        let (mut inc, mut intensity) = (mu * gap, mu);
        for (&(a, d), e) in p.components.iter().zip(&mut excess) {
            let decay = (-d * gap).exp();
            inc += *e * (1.0 - decay) / d;
            intensity += *e * decay;
            *e = *e * decay + a;
        }
        ll += intensity.ln() - inc;
        if i > 0 {
            out.push(inc);
        }
        last = ti;
    }
    (out, ll)
}
