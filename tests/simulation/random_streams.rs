//! Golden values of the random streams and of every distribution the simulator draws from.
//!
//! If this test fails after a dependency update (rand, rand_chacha, rand_distr), the update
//! changed the numbers behind every result: every golden artifact and snapshot will move too.
//! Do not re-pin these values casually: read the dependency's changelog, decide whether the
//! change is acceptable, and if so re-pin here, re-bless `golden/` (`cargo xtask golden --bless`)
//! and say in the commit which dependency changed which draws.

use proteus::core::RepetitionSeed;
use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal, StandardNormal};

fn seed() -> RepetitionSeed {
    RepetitionSeed::derive(42, "default", 0)
}

fn explain(what: &str) -> String {
    format!(
        "the first draws of {what} changed: a dependency update altered the random numbers behind \
         every result (see the comment at the top of tests/simulation/random_streams.rs)"
    )
}

#[test]
fn uniform_and_integer_draws_are_pinned() {
    let mut s = seed().stream("golden/uniform");
    let u: Vec<f64> = (0..3).map(|_| s.random::<f64>()).collect();
    let b: Vec<bool> = (0..6).map(|_| s.random::<bool>()).collect();
    let r: Vec<i64> = (0..6).map(|_| s.random_range(1..=5)).collect();
    assert_eq!(
        u,
        [
            0.41376692875665444,
            0.013815410954751473,
            0.20902099316060452
        ],
        "{}",
        explain("f64")
    );
    assert_eq!(
        b,
        [true, false, false, true, true, true],
        "{}",
        explain("bool")
    );
    assert_eq!(r, [5, 2, 3, 1, 1, 1], "{}", explain("random_range(1..=5)"));
}

#[test]
fn continuous_laws_are_pinned() {
    let mut s = seed().stream("golden/continuous");
    let z: Vec<f64> = (0..3).map(|_| StandardNormal.sample(&mut s)).collect();
    let n = Normal::new(10.0, 2.0).unwrap();
    let normal: Vec<f64> = (0..2).map(|_| n.sample(&mut s)).collect();
    let e = Exp::new(0.5).unwrap();
    let exp: Vec<f64> = (0..3).map(|_| e.sample(&mut s)).collect();
    let l = LogNormal::new(0.0, 0.3).unwrap();
    let lognormal: Vec<f64> = (0..2).map(|_| l.sample(&mut s)).collect();
    assert_eq!(z, PINNED_STANDARD_NORMAL, "{}", explain("StandardNormal"));
    assert_eq!(normal, PINNED_NORMAL, "{}", explain("Normal(10, 2)"));
    assert_eq!(exp, PINNED_EXP, "{}", explain("Exp(0.5)"));
    assert_eq!(
        lognormal,
        PINNED_LOGNORMAL,
        "{}",
        explain("LogNormal(0, 0.3)")
    );
}

const PINNED_STANDARD_NORMAL: [f64; 3] =
    [1.0580863412764354, 0.3070144951766199, 0.13194515696711645];
const PINNED_NORMAL: [f64; 2] = [11.706542032890198, 9.042192466834418];
const PINNED_EXP: [f64; 3] = [1.459158885329512, 0.8976758017417653, 0.6238686770863084];
const PINNED_LOGNORMAL: [f64; 2] = [0.9036671391897187, 0.7223047618206914];
