//! The fundamental value path of one run, generated lazily change point by change point.
//!
//! Why it is built this way: under common random numbers, CLOB, FBA and RFQ runs of one
//! repetition must see the *same* fundamental path, yet they produce events at different
//! times. So the path never depends on when anybody looks at it. It is piecewise constant and
//! changes only at its own change points, which depend on the configuration, the news schedule
//! and the seed alone:
//!
//! * **grid steps** at `k·step_ns`, `k = 1, 2, …` (diffusion), one standard normal draw each
//!   from `fundamental/diffusion`;
//! * **jumps** (jump diffusion only) at the arrivals of a Poisson process of rate
//!   `jump_rate_per_s`, gaps drawn from `fundamental/jump_times` and sizes from
//!   `fundamental/jump_sizes` (three streams, so that e.g. a new jump-size law keeps the
//!   diffusion and the jump times);
//! * **news** at their `public_time`, shifting the value by `shift_ticks`.
//!
//! Exact update rules, with `Δ = step_ns·1e-9` seconds and `Z ~ N(0, 1)`:
//!
//! * jump diffusion, grid step: `X ← X + σ·√Δ·Z`; jump: `X ← X + J`;
//! * mean reverting (Ornstein–Uhlenbeck, exact transition over `Δ`):
//!   `X ← μ + (X − μ)·e^{−κΔ} + σ·√((1 − e^{−2κΔ}) / (2κ))·Z` (for `κ = 0`: `σ·√Δ·Z`).
//!   A news shift moves both `X` and the anchor `μ`: news are permanent information, which
//!   mean reversion must not undo. A shift between two grid points reverts from the next step on.
//! * news: `X ← X + shift_ticks`.
//! * binary (Glosten–Milgrom): `X₀ = high_ticks` if `U < prob_high` else `low_ticks`, `U` the
//!   first uniform draw of `fundamental/binary`; no grid, no jumps; only news move it.
//!
//! If several change points fall on the same nanosecond they are merged into one, applied in
//! the fixed order grid step, then jump, then news (in schedule order). If the diffusion cannot
//! move the value (`σ = 0`, and for mean reversion also `κ = 0`), the grid is skipped entirely.
//! Change points lie in `[0, horizon]`; only scheduled news can be at time 0.
//!
//! Memory is constant in the horizon: only the next grid time and the next jump time are held
//! (plus the news schedule).

use super::fundamental::FundamentalConfig;
use super::jump_size::JumpSizeLaw;
use super::news::NewsSchedule;
use super::poisson;
use crate::core::{SimTime, Stream};
use rand_distr::{Distribution, StandardNormal};

/// The grid-step update of the diffusion part.
#[derive(Clone, Copy, Debug)]
enum Diffusion {
    /// `X ← X + sd·Z`.
    Additive { sd: f64 },
    /// `X ← μ + (X − μ)·decay + sd·Z`, `μ` being the path's current anchor.
    Reverting { decay: f64, sd: f64 },
}

#[derive(Clone, Copy, Debug)]
struct Jumps {
    rate_per_s: f64,
    size: JumpSizeLaw,
}

/// Lazily generated change points of the fundamental value, in time order.
#[derive(Debug)]
pub struct FundamentalPath {
    horizon: SimTime,
    diffusion: Diffusion,
    step_ns: u64,
    /// `None` when the grid is skipped or has run past `u64::MAX`.
    next_grid: Option<SimTime>,
    diffusion_stream: Stream,
    jumps: Option<Jumps>,
    next_jump: Option<SimTime>,
    jump_times: Stream,
    jump_sizes: Stream,
    news: Vec<(SimTime, f64)>,
    next_news: usize,
    /// Value after the last *generated* change point (possibly peeked, not yet returned).
    generated: f64,
    /// Anchor of mean reversion (moves with news).
    anchor: f64,
    /// A generated change point not yet returned (filled by `advance_to`).
    peeked: Option<(SimTime, f64)>,
    /// Value after, and time of, the last change point returned.
    current: f64,
    last_returned: Option<SimTime>,
}

impl FundamentalPath {
    /// The path of one run up to `horizon`, drawing from the children `diffusion`, `jump_times`
    /// and `jump_sizes` of `stream` (normally the repetition's `fundamental` stream). `cfg` must
    /// be valid; news after the horizon never apply.
    pub fn new(
        cfg: &FundamentalConfig,
        news: &NewsSchedule,
        horizon: SimTime,
        stream: &Stream,
    ) -> FundamentalPath {
        let (initial, anchor, sigma, step_ns, jumps, diffusion) = match *cfg {
            FundamentalConfig::JumpDiffusion {
                initial_ticks,
                sigma_ticks_per_sqrt_s,
                jump_rate_per_s,
                jump_size,
                step_ns,
            } => {
                let dt = step_ns as f64 * 1e-9;
                let jumps = (jump_rate_per_s > 0.0).then_some(Jumps {
                    rate_per_s: jump_rate_per_s,
                    size: jump_size,
                });
                let diffusion = Diffusion::Additive {
                    sd: sigma_ticks_per_sqrt_s * dt.sqrt(),
                };
                (
                    initial_ticks,
                    initial_ticks,
                    sigma_ticks_per_sqrt_s,
                    step_ns,
                    jumps,
                    diffusion,
                )
            }
            FundamentalConfig::MeanReverting {
                initial_ticks,
                mean_ticks,
                kappa_per_s,
                sigma_ticks_per_sqrt_s,
                step_ns,
            } => {
                let dt = step_ns as f64 * 1e-9;
                let diffusion = if kappa_per_s == 0.0 {
                    Diffusion::Additive {
                        sd: sigma_ticks_per_sqrt_s * dt.sqrt(),
                    }
                } else {
                    let decay = (-kappa_per_s * dt).exp();
                    // 1 − e^{−2κΔ} = −expm1(−2κΔ), accurate for small κΔ.
                    let var = sigma_ticks_per_sqrt_s.powi(2) * -(-2.0 * kappa_per_s * dt).exp_m1()
                        / (2.0 * kappa_per_s);
                    Diffusion::Reverting {
                        decay,
                        sd: var.sqrt(),
                    }
                };
                (
                    initial_ticks,
                    mean_ticks,
                    sigma_ticks_per_sqrt_s,
                    step_ns,
                    None,
                    diffusion,
                )
            }
            FundamentalConfig::Binary {
                low_ticks,
                high_ticks,
                prob_high,
            } => {
                use rand::RngExt;
                let u: f64 = stream.child("binary").random();
                let v = if u < prob_high { high_ticks } else { low_ticks };
                (v, v, 0.0, 1, None, Diffusion::Additive { sd: 0.0 })
            }
        };
        let grid_moves = sigma > 0.0 || matches!(diffusion, Diffusion::Reverting { .. });
        let mut path = FundamentalPath {
            horizon,
            diffusion,
            step_ns,
            next_grid: grid_moves.then_some(SimTime(step_ns)),
            diffusion_stream: stream.child("diffusion"),
            jumps,
            next_jump: None,
            jump_times: stream.child("jump_times"),
            jump_sizes: stream.child("jump_sizes"),
            news: news
                .events()
                .iter()
                .map(|e| (e.public_time, e.shift_ticks))
                .collect(),
            next_news: 0,
            generated: initial,
            anchor,
            peeked: None,
            current: initial,
            last_returned: None,
        };
        if let Some(j) = path.jumps {
            path.next_jump = Some(SimTime(poisson::gap_ns(j.rate_per_s, &mut path.jump_times)));
        }
        path
    }

    /// The next change point `(time, value after it)`, or `None` once past the horizon.
    /// Times are strictly increasing.
    pub fn next_change(&mut self) -> Option<(SimTime, f64)> {
        let change = self.peeked.take().or_else(|| self.generate())?;
        self.current = change.1;
        self.last_returned = Some(change.0);
        Some(change)
    }

    /// The value after the last change point returned by [`next_change`](Self::next_change)
    /// or [`advance_to`](Self::advance_to) (the initial value before any). A simulator that
    /// schedules change points ahead as events should use the value carried by the event.
    pub fn current(&self) -> f64 {
        self.current
    }

    /// Consumes every change point at or before `t` and returns the value in force at `t`
    /// (a change point at exactly `t` counts). Queries must move forward: `None` if `t` is
    /// before a change point already returned, whose earlier values are gone.
    pub fn advance_to(&mut self, t: SimTime) -> Option<f64> {
        if self.last_returned.is_some_and(|last| t < last) {
            return None;
        }
        loop {
            if self.peeked.is_none() {
                self.peeked = self.generate();
            }
            match self.peeked {
                Some((time, _)) if time <= t => {
                    self.next_change();
                }
                _ => return Some(self.current),
            }
        }
    }

    fn generate(&mut self) -> Option<(SimTime, f64)> {
        let news_time = self.news.get(self.next_news).map(|&(t, _)| t);
        let t = [self.next_grid, self.next_jump, news_time]
            .into_iter()
            .flatten()
            .min()?;
        if t > self.horizon {
            return None;
        }
        if self.next_grid == Some(t) {
            let z: f64 = StandardNormal.sample(&mut self.diffusion_stream);
            self.generated = match self.diffusion {
                Diffusion::Additive { sd } => self.generated + sd * z,
                Diffusion::Reverting { decay, sd } => {
                    self.anchor + (self.generated - self.anchor) * decay + sd * z
                }
            };
            self.next_grid = t.0.checked_add(self.step_ns).map(SimTime);
        }
        if let (Some(j), true) = (self.jumps, self.next_jump == Some(t)) {
            self.generated += j.size.sample(&mut self.jump_sizes);
            let gap = poisson::gap_ns(j.rate_per_s, &mut self.jump_times);
            self.next_jump = t.0.checked_add(gap).map(SimTime);
        }
        while let Some(&(time, shift)) = self.news.get(self.next_news) {
            if time != t {
                break;
            }
            self.generated += shift;
            self.anchor += shift;
            self.next_news += 1;
        }
        Some((t, self.generated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;
    use crate::info::{NewsConfig, ScheduledNews};

    const MS: u64 = 1_000_000;
    const S: u64 = 1_000_000_000;

    fn jump_diffusion(sigma: f64, rate: f64, size: JumpSizeLaw, step_ns: u64) -> FundamentalConfig {
        FundamentalConfig::JumpDiffusion {
            initial_ticks: 1_000.0,
            sigma_ticks_per_sqrt_s: sigma,
            jump_rate_per_s: rate,
            jump_size: size,
            step_ns,
        }
    }

    fn scheduled(news: &[(u64, f64)], horizon: SimTime) -> NewsSchedule {
        let cfg = NewsConfig {
            scheduled: news
                .iter()
                .map(|&(time_ns, shift_ticks)| ScheduledNews {
                    time_ns,
                    shift_ticks,
                })
                .collect(),
            ..NewsConfig::none()
        };
        NewsSchedule::generate(&cfg, horizon, &RepetitionSeed(0).stream("news"))
    }

    fn drain(mut p: FundamentalPath) -> Vec<(SimTime, f64)> {
        std::iter::from_fn(|| p.next_change()).collect()
    }

    fn busy_path(seed: u64) -> FundamentalPath {
        let h = SimTime(2 * S);
        let cfg = jump_diffusion(2.0, 5.0, JumpSizeLaw::Laplace { scale: 3.0 }, MS);
        let news = NewsSchedule::generate(
            &NewsConfig {
                rate_per_s: 3.0,
                jump_size: JumpSizeLaw::Normal {
                    mean: 0.0,
                    std: 8.0,
                },
                scheduled: vec![ScheduledNews {
                    time_ns: 700 * MS,
                    shift_ticks: 4.0,
                }],
            },
            h,
            &RepetitionSeed(seed).stream("news"),
        );
        FundamentalPath::new(&cfg, &news, h, &RepetitionSeed(seed).stream("fundamental"))
    }

    #[test]
    fn same_seed_same_path_other_seed_other_path() {
        let a = drain(busy_path(1));
        assert_eq!(a, drain(busy_path(1)));
        assert_ne!(a, drain(busy_path(2)));
        // Grid points 1 ms … 2 s plus off-grid jumps and news.
        assert!(a.len() > 2_000, "{}", a.len());
        assert!(a.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(a.last().unwrap().0 <= SimTime(2 * S));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        /// Querying the path at arbitrary (forward-moving) times neither changes its change
        /// points nor its values: every query sees the reference step function.
        #[test]
        fn values_do_not_depend_on_the_query_pattern(
            mut queries in proptest::collection::vec(0u64..2 * S + 1_000, 0..200)
        ) {
            queries.sort_unstable();
            let reference = drain(busy_path(7));
            let value_at = |t: SimTime| {
                reference.iter().take_while(|(ct, _)| *ct <= t).last().map_or(1_000.0, |c| c.1)
            };
            let mut p = busy_path(7);
            for &q in &queries {
                proptest::prop_assert_eq!(p.advance_to(SimTime(q)), Some(value_at(SimTime(q))));
            }
            let consumed = reference.iter().filter(|(t, _)| Some(t.0) <= queries.last().copied()).count();
            proptest::prop_assert_eq!(drain(p), reference[consumed..].to_vec());
        }
    }

    #[test]
    fn a_binary_value_is_drawn_once_and_moves_only_with_news() {
        let cfg = FundamentalConfig::Binary {
            low_ticks: 90.0,
            high_ticks: 110.0,
            prob_high: 0.3,
        };
        let h = SimTime(10 * S);
        let n = 4_000;
        let mut highs = 0;
        for i in 0..n {
            let stream = RepetitionSeed(i).stream("fundamental");
            let p = FundamentalPath::new(&cfg, &NewsSchedule::default(), h, &stream);
            let v = p.current();
            assert!(v == 90.0 || v == 110.0);
            highs += u64::from(v == 110.0);
            assert_eq!(drain(p), []);
        }
        // Binomial(4000, 0.3): standard deviation 29.
        assert!((highs as f64 - 1_200.0).abs() < 4.0 * 29.0, "{highs}");
        let news = scheduled(&[(S, 5.0)], h);
        let stream = RepetitionSeed(1).stream("fundamental");
        let p = FundamentalPath::new(&cfg, &news, h, &stream);
        let v = p.current();
        assert_eq!(drain(p), [(SimTime(S), v + 5.0)]);
    }

    #[test]
    fn advance_to_refuses_to_go_back() {
        let mut p = busy_path(3);
        let v = p.advance_to(SimTime(500 * MS)).unwrap();
        assert_eq!(p.current(), v);
        assert_eq!(p.advance_to(SimTime(500 * MS)), Some(v));
        assert_eq!(p.advance_to(SimTime(100 * MS)), None);
    }

    /// Ornstein–Uhlenbeck from `x0`: `X_t ~ N(μ + (x0 − μ)e^{−κt}, σ²(1 − e^{−2κt})/(2κ))` for
    /// any step size (exact discretisation). A coarse grid (κΔ = 0.5) would fail this under an
    /// Euler scheme: its mean factor (1 − κΔ)² = 0.25 against e^{−1} ≈ 0.37.
    #[test]
    fn mean_reverting_matches_exact_moments_on_a_coarse_grid() {
        let (x0, mu, kappa, sigma) = (110.0, 100.0, 2.0, 3.0);
        let cfg = FundamentalConfig::MeanReverting {
            initial_ticks: x0,
            mean_ticks: mu,
            kappa_per_s: kappa,
            sigma_ticks_per_sqrt_s: sigma,
            step_ns: 250 * MS,
        };
        let h = SimTime(500 * MS);
        let n = 4_000;
        let finals: Vec<f64> = (0..n)
            .map(|i| {
                let stream = RepetitionSeed(i).stream("fundamental");
                let mut p = FundamentalPath::new(&cfg, &NewsSchedule::default(), h, &stream);
                p.advance_to(h).unwrap()
            })
            .collect();
        let t = h.as_secs_f64();
        let mean = mu + (x0 - mu) * (-kappa * t).exp();
        let var = sigma * sigma * (1.0 - (-2.0 * kappa * t).exp()) / (2.0 * kappa);
        let nf = n as f64;
        let m = finals.iter().sum::<f64>() / nf;
        let v = finals.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (nf - 1.0);
        assert!(
            (m - mean).abs() <= 4.0 * (var / nf).sqrt(),
            "mean {m} vs {mean}"
        );
        // Sample variance of a normal: standard error var·√(2/(n−1)).
        assert!(
            (v - var).abs() <= 4.0 * var * (2.0 / (nf - 1.0)).sqrt(),
            "var {v} vs {var}"
        );
    }

    #[test]
    fn mean_reverting_without_noise_decays_exponentially() {
        let cfg = FundamentalConfig::MeanReverting {
            initial_ticks: 50.0,
            mean_ticks: 10.0,
            kappa_per_s: 0.7,
            sigma_ticks_per_sqrt_s: 0.0,
            step_ns: 10 * MS,
        };
        let stream = RepetitionSeed(1).stream("fundamental");
        let p = FundamentalPath::new(&cfg, &NewsSchedule::default(), SimTime(S), &stream);
        let points = drain(p);
        assert_eq!(points.len(), 100);
        for (k, (t, x)) in points.iter().enumerate() {
            assert_eq!(t.0, (k as u64 + 1) * 10 * MS);
            let exact = 10.0 + 40.0 * (-0.7 * t.as_secs_f64()).exp();
            // k multiplications by the one-step factor: rounding error of order k ulps.
            assert!(
                (x - exact).abs() <= 1e-12 * 50.0 * (k as f64 + 1.0),
                "{k}: {x} vs {exact}"
            );
        }
    }

    /// Jumps only (σ = 0 skips the grid): the number of change points over T is Poisson(λT),
    /// and each change is exactly ±size.
    #[test]
    fn jump_count_matches_the_poisson_rate() {
        let (rate, secs) = (50.0, 1_000u64);
        let cfg = jump_diffusion(0.0, rate, JumpSizeLaw::Fixed { size: 2.0 }, MS);
        let stream = RepetitionSeed(4).stream("fundamental");
        let p = FundamentalPath::new(&cfg, &NewsSchedule::default(), SimTime(secs * S), &stream);
        let points = drain(p);
        let expected = rate * secs as f64;
        let n = points.len() as f64;
        assert!(
            (n - expected).abs() <= 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        let mut prev = 1_000.0;
        for &(_, x) in &points {
            assert_eq!((x - prev).abs(), 2.0);
            prev = x;
        }
    }

    #[test]
    fn news_shift_the_value_exactly_at_public_time() {
        let h = SimTime(10 * S);
        let news = scheduled(
            &[
                (0, 1.0),
                (3 * S + 17, 5.0),
                (3 * S + 17, -2.0),
                (8 * S, -0.5),
            ],
            h,
        );
        let cfg = jump_diffusion(0.0, 0.0, JumpSizeLaw::Fixed { size: 1.0 }, MS);
        let p = FundamentalPath::new(&cfg, &news, h, &RepetitionSeed(1).stream("fundamental"));
        assert_eq!(
            drain(p),
            [
                (SimTime(0), 1_001.0),
                (SimTime(3 * S + 17), 1_004.0),
                (SimTime(8 * S), 1_003.5)
            ]
        );
    }

    /// Under mean reversion a news shift moves the anchor too: with σ = 0 and X = μ the value
    /// jumps to μ + shift and stays there.
    #[test]
    fn news_are_permanent_under_mean_reversion() {
        let cfg = FundamentalConfig::MeanReverting {
            initial_ticks: 100.0,
            mean_ticks: 100.0,
            kappa_per_s: 5.0,
            sigma_ticks_per_sqrt_s: 0.0,
            step_ns: 100 * MS,
        };
        let h = SimTime(S);
        let news = scheduled(&[(350 * MS, 5.0)], h);
        let p = FundamentalPath::new(&cfg, &news, h, &RepetitionSeed(1).stream("fundamental"));
        let points = drain(p);
        assert_eq!(points.len(), 11);
        for (t, x) in points {
            assert_eq!(x, if t < SimTime(350 * MS) { 100.0 } else { 105.0 }, "{t}");
        }
    }

    #[test]
    fn equal_time_change_points_are_merged() {
        let h = SimTime(10_000);
        let cfg = jump_diffusion(1e3, 0.0, JumpSizeLaw::Fixed { size: 1.0 }, 1_000);
        let stream = RepetitionSeed(2).stream("fundamental");
        let plain = drain(FundamentalPath::new(
            &cfg,
            &NewsSchedule::default(),
            h,
            &stream,
        ));
        let news = scheduled(&[(5_000, 0.5)], h);
        let shifted = drain(FundamentalPath::new(&cfg, &news, h, &stream));
        let times: Vec<u64> = shifted.iter().map(|c| c.0.0).collect();
        assert_eq!(times, (1..=10).map(|k| k * 1_000).collect::<Vec<_>>());
        for (p, s) in plain.iter().zip(&shifted) {
            let want = if p.0 >= SimTime(5_000) { 0.5 } else { 0.0 };
            // Same draws; the only difference is the shift, up to rounding of a few additions.
            assert!((s.1 - p.1 - want).abs() <= 1e-9, "{p:?} {s:?}");
        }
    }

    #[test]
    fn streams_are_separate_children_of_the_given_stream() {
        // Changing the jump-size law keeps the jump times and the diffusion draws.
        let h = SimTime(S);
        let stream = RepetitionSeed(8).stream("fundamental");
        let a = drain(FundamentalPath::new(
            &jump_diffusion(0.0, 20.0, JumpSizeLaw::Fixed { size: 1.0 }, MS),
            &NewsSchedule::default(),
            h,
            &stream,
        ));
        let b = drain(FundamentalPath::new(
            &jump_diffusion(
                0.0,
                20.0,
                JumpSizeLaw::Normal {
                    mean: 0.0,
                    std: 1.0,
                },
                MS,
            ),
            &NewsSchedule::default(),
            h,
            &stream,
        ));
        let times = |v: &[(SimTime, f64)]| v.iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(times(&a), times(&b));
        assert_ne!(a, b);
        // One diffusion step equals σ√Δ·Z with Z the first draw of `fundamental/diffusion`.
        let mut p = FundamentalPath::new(
            &jump_diffusion(2.0, 0.0, JumpSizeLaw::Fixed { size: 1.0 }, 4 * MS),
            &NewsSchedule::default(),
            h,
            &stream,
        );
        let z: f64 = StandardNormal.sample(&mut RepetitionSeed(8).stream("fundamental/diffusion"));
        assert_eq!(
            p.next_change(),
            Some((SimTime(4 * MS), 1_000.0 + 2.0 * 0.004f64.sqrt() * z))
        );
    }
}
