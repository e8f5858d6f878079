//! Coverage of the statistics layer's confidence intervals on data with a known true mean.
//!
//! Each case draws `TRIALS` independent samples, every trial from its own repetition seed of the
//! seed protocol, so the test is deterministic. An exact 95% interval covers the true value in a
//! Binomial(TRIALS, 0.95) number of trials, with standard error sqrt(0.95·0.05/TRIALS) = 0.34%
//! at 4000 trials; each case must land within 6 of those standard errors of 95% (93.5%–96.5%,
//! about ±2.1 points): a correct interval fails by chance with probability ~2e-9, and an
//! interval whose true coverage is off by 3 points or more fails almost surely.
//!
//! Run with `-- --nocapture` to see the measured coverages (recorded in `docs/statistics.md`).

use proteus::core::{RepetitionSeed, Stream};
use proteus::stats::{Contrast, Estimate, PairedComparison, Summary};
use rand_distr::{Distribution, Exp1, StandardNormal};

const TRIALS: u64 = 4000;
const MASTER_SEED: u64 = 2026;
const NOMINAL: f64 = 0.95;

fn stream(case: &str, trial: u64, name: &str) -> Stream {
    RepetitionSeed::derive(MASTER_SEED, case, trial).stream(name)
}

fn normal(rng: &mut Stream, mean: f64, sd: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    mean + sd * z
}

fn covers(low: Estimate, high: Estimate, truth: f64) -> bool {
    match (low, high) {
        (Estimate::Value(l), Estimate::Value(h)) => l <= truth && truth <= h,
        _ => panic!("interval missing: {low:?} {high:?}"),
    }
}

/// Asserts that `hits` of `TRIALS` intervals covering the truth is within 6 binomial standard
/// errors of the nominal level, and prints the measured coverage.
fn assert_coverage(case: &str, hits: u64) {
    let coverage = hits as f64 / TRIALS as f64;
    let se = (NOMINAL * (1.0 - NOMINAL) / TRIALS as f64).sqrt();
    eprintln!(
        "{case}: coverage {:.2}% ({hits}/{TRIALS}), nominal 95% ± {:.2} (6 SE)",
        100.0 * coverage,
        600.0 * se
    );
    assert!(
        (coverage - NOMINAL).abs() <= 6.0 * se,
        "{case}: coverage {coverage} is more than 6 standard errors ({se}) from {NOMINAL}"
    );
}

fn one_sample_coverage(case: &str, n: usize, truth: f64, draw: impl Fn(&mut Stream) -> f64) {
    let mut hits = 0;
    for trial in 0..TRIALS {
        let mut rng = stream(case, trial, "sample");
        let xs: Vec<f64> = (0..n).map(|_| draw(&mut rng)).collect();
        let s = Summary::of(&xs).unwrap();
        hits += covers(s.ci95_low, s.ci95_high, truth) as u64;
    }
    assert_coverage(case, hits);
}

#[test]
fn t_interval_covers_a_normal_mean() {
    one_sample_coverage("stats_coverage/normal_n10", 10, 3.0, |rng| {
        normal(rng, 3.0, 2.0)
    });
}

#[test]
fn t_interval_covers_a_normal_mean_with_three_observations() {
    // The t quantile matters most at tiny n: a z interval would cover only about 80% here.
    one_sample_coverage("stats_coverage/normal_n3", 3, -1.0, |rng| {
        normal(rng, -1.0, 0.5)
    });
}

#[test]
fn t_interval_covers_an_exponential_mean() {
    // Skewed (skewness 2): the t interval is only asymptotically exact. At n = 100 its coverage
    // error (order 1/n for a two-sided interval) is well inside the tolerance.
    one_sample_coverage("stats_coverage/exponential_n100", 100, 1.0, |rng| {
        let e: f64 = Exp1.sample(rng);
        e
    });
}

#[test]
fn paired_interval_covers_the_mean_difference_on_correlated_pairs() {
    // Common random numbers: both arms share x ~ N(10, 5²) (the repetition's draws), each has
    // its own noise N(0, 1); the treatment adds 0.7. Var(a − b) = 2 against
    // Var(a) + Var(b) = 52, so the true variance reduction is 1/26.
    let case = "stats_coverage/paired_n10";
    let (n, effect) = (10, 0.7);
    let mut hits = 0;
    let mut welch_hits = 0;
    let mut reduction_sum = 0.0;
    for trial in 0..TRIALS {
        let mut common = stream(case, trial, "common");
        let mut noise_a = stream(case, trial, "noise/treatment");
        let mut noise_b = stream(case, trial, "noise/reference");
        let mut a = Vec::with_capacity(n);
        let mut b = Vec::with_capacity(n);
        for _ in 0..n {
            let x = normal(&mut common, 10.0, 5.0);
            a.push(x + effect + normal(&mut noise_a, 0.0, 1.0));
            b.push(x + normal(&mut noise_b, 0.0, 1.0));
        }
        let c = PairedComparison::of(&a, &b).unwrap();
        hits += covers(c.paired.ci95_low, c.paired.ci95_high, effect) as u64;
        welch_hits += covers(c.welch.ci95_low, c.welch.ci95_high, effect) as u64;
        reduction_sum += c.variance_reduction.value().unwrap();
    }
    eprintln!(
        "{case}: mean variance_reduction {:.4} (true ratio of variances 1/26 = {:.4}); \
         Welch interval ignoring the pairing covers {:.2}%",
        reduction_sum / TRIALS as f64,
        1.0 / 26.0,
        100.0 * welch_hits as f64 / TRIALS as f64
    );
    assert_coverage(case, hits);
}

#[test]
fn welch_interval_covers_the_difference_of_independent_means() {
    // Unequal sizes and spreads, the case Welch's df exists for.
    let case = "stats_coverage/welch_8_15";
    let mut hits = 0;
    for trial in 0..TRIALS {
        let mut rng_a = stream(case, trial, "treatment");
        let mut rng_b = stream(case, trial, "reference");
        let a: Vec<f64> = (0..8).map(|_| normal(&mut rng_a, 1.0, 3.0)).collect();
        let b: Vec<f64> = (0..15).map(|_| normal(&mut rng_b, 0.0, 1.0)).collect();
        let c = Contrast::of(&a, &b).unwrap();
        hits += covers(c.welch.ci95_low, c.welch.ci95_high, 1.0) as u64;
    }
    assert_coverage(case, hits);
}
