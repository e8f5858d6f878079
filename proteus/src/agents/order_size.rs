//! Order-size laws shared by the background agents: a uniform integer range, or ABIDES'
//! `OrderSizeModel` (rmsc04's, `abides_markets/models/order_size_model.py`): a mixture of a
//! log-normal body (weight 0.2, μ = 2.9, σ = 1.2 in log-lots) and round lots of 100, 200, …,
//! 1000 with a small normal jitter (sd 0.15), weights 0.7, 0.06, 0.004, 0.0329, 0.001, 0.0006,
//! 0.0004, 0.0005, 0.0003, 0.0003 (they sum to 1 with the body's), rounded to a whole number of
//! lots. A draw of 0 or less means no order (ABIDES skips it too). Its mean is about 106 lots.

use crate::core::Stream;
use crate::core::config_error::{ConfigError, field_path, require};
use crate::mechanisms::Qty;
use rand::RngExt;
use rand_distr::{Distribution, LogNormal, StandardNormal};
use serde::{Deserialize, Serialize};

/// How many lots an order has.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OrderSizeLaw {
    /// Uniform on `min..=max` lots.
    Uniform { min: Qty, max: Qty },
    /// ABIDES rmsc04's mixture (module docs).
    Abides,
}

/// The round-lot components of ABIDES' mixture: (lots, weight).
const ROUND_LOTS: [(f64, f64); 10] = [
    (100.0, 0.7),
    (200.0, 0.06),
    (300.0, 0.004),
    (400.0, 0.0329),
    (500.0, 0.001),
    (600.0, 0.0006),
    (700.0, 0.0004),
    (800.0, 0.0005),
    (900.0, 0.0003),
    (1000.0, 0.0003),
];
const BODY_WEIGHT: f64 = 0.2;
const BODY_MU: f64 = 2.9;
const BODY_SIGMA: f64 = 1.2;
const JITTER_SD: f64 = 0.15;
/// Draws above this many lots are cut to it (the body's log-normal tail is unbounded).
pub const MAX_LOTS: Qty = 1_000_000;

impl OrderSizeLaw {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        if let OrderSizeLaw::Uniform { min, max } = *self {
            let p = |f| field_path(path, f);
            require(
                (1..=MAX_LOTS).contains(&min),
                &p("min"),
                min,
                "must be in [1, 1000000]",
            )?;
            require(
                (min..=MAX_LOTS).contains(&max),
                &p("max"),
                max,
                "must be in [min, 1000000]",
            )?;
        }
        Ok(())
    }

    /// One draw, in lots; 0 means no order.
    pub fn sample(&self, s: &mut Stream) -> Qty {
        match *self {
            OrderSizeLaw::Uniform { min, max } => s.random_range(min..=max),
            OrderSizeLaw::Abides => {
                let u: f64 = s.random();
                let x = if u < BODY_WEIGHT {
                    LogNormal::new(BODY_MU, BODY_SIGMA)
                        .expect("constant parameters")
                        .sample(s)
                } else {
                    let mut acc = BODY_WEIGHT;
                    let mut lots = ROUND_LOTS[ROUND_LOTS.len() - 1].0;
                    for (l, w) in ROUND_LOTS {
                        acc += w;
                        if u < acc {
                            lots = l;
                            break;
                        }
                    }
                    let z: f64 = StandardNormal.sample(s);
                    lots + JITTER_SD * z
                };
                (x.round().max(0.0) as Qty).min(MAX_LOTS)
            }
        }
    }

    /// The law's mean, in lots (before rounding, for the body's and the jitter's).
    pub fn mean(&self) -> f64 {
        match *self {
            OrderSizeLaw::Uniform { min, max } => (min + max) as f64 / 2.0,
            OrderSizeLaw::Abides => {
                BODY_WEIGHT * (BODY_MU + BODY_SIGMA * BODY_SIGMA / 2.0).exp()
                    + ROUND_LOTS.iter().map(|(l, w)| l * w).sum::<f64>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    #[test]
    fn the_weights_sum_to_one_and_the_mean_is_about_106_lots() {
        let w: f64 = BODY_WEIGHT + ROUND_LOTS.iter().map(|x| x.1).sum::<f64>();
        assert!((w - 1.0).abs() < 1e-12, "{w}");
        let m = OrderSizeLaw::Abides.mean();
        assert!((m - 106.0).abs() < 1.0, "{m}");
    }

    #[test]
    fn abides_draws_match_the_mixture() {
        let mut s = RepetitionSeed(1).stream("sizes");
        let n = 200_000;
        let draws: Vec<Qty> = (0..n)
            .map(|_| OrderSizeLaw::Abides.sample(&mut s))
            .collect();
        let share =
            |f: &dyn Fn(Qty) -> bool| draws.iter().filter(|&&q| f(q)).count() as f64 / n as f64;
        // Round lots of 100 (weight 0.7, plus the body's tiny mass there).
        let hundred = share(&|q| q == 100);
        assert!((hundred - 0.7).abs() < 0.005, "{hundred}");
        let four_hundred = share(&|q| q == 400);
        assert!((four_hundred - 0.0329).abs() < 0.002, "{four_hundred}");
        // The body: median e^2.9 ≈ 18 lots, so about 0.1 of all draws are below 18.
        let small = share(&|q| q < 18);
        assert!((small - 0.1).abs() < 0.01, "{small}");
        let mean = draws.iter().sum::<Qty>() as f64 / n as f64;
        assert!((mean - OrderSizeLaw::Abides.mean()).abs() < 2.0, "{mean}");
        assert!(draws.iter().all(|&q| (0..=MAX_LOTS).contains(&q)));
    }

    #[test]
    fn uniform_is_in_range_and_bad_bounds_name_the_field() {
        let law = OrderSizeLaw::Uniform { min: 3, max: 5 };
        let mut s = RepetitionSeed(2).stream("sizes");
        assert!((0..1000).all(|_| (3..=5).contains(&law.sample(&mut s))));
        let e = OrderSizeLaw::Uniform { min: 5, max: 3 }
            .validate("agents.value.size")
            .unwrap_err()
            .to_string();
        assert!(e.contains("agents.value.size.max"), "{e}");
    }
}
