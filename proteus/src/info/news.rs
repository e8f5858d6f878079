//! News: public events that shift the fundamental at known times.
//!
//! A run's news are drawn once, before the run, from the `news` stream: a Poisson process of
//! publication times on `news/times` and one shift per event on `news/shifts` (separate streams,
//! so changing the shift law of a scenario keeps the publication times). Scenarios may add
//! news at fixed times (`scheduled`), for event studies and golden tests. News are few, so the
//! schedule is a plain sorted `Vec`.

use super::jump_size::JumpSizeLaw;
use super::poisson;
use crate::core::config_error::{field_path, require_rate, require_ticks};
use crate::core::{ConfigError, SimTime, Stream};
use serde::{Deserialize, Serialize};

/// How news arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsConfig {
    /// Rate of the Poisson process of random news, per second; 0 disables random news.
    pub rate_per_s: f64,
    /// Law of the shift a random news applies to the fundamental.
    pub jump_size: JumpSizeLaw,
    /// News at fixed times, in addition to the random ones.
    #[serde(default)]
    pub scheduled: Vec<ScheduledNews>,
}

/// A news event at a fixed time with a fixed shift.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledNews {
    pub time_ns: u64,
    pub shift_ticks: f64,
}

/// One news event: at `public_time` everyone may learn it and the fundamental jumps by
/// `shift_ticks`. `index` is its position in the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewsEvent {
    pub index: usize,
    pub public_time: SimTime,
    pub shift_ticks: f64,
}

/// All news of one run, sorted by `public_time` (ties: scheduled news first, in configuration
/// order, then random ones), indexed `0..len` in that order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NewsSchedule {
    events: Vec<NewsEvent>,
}

impl NewsConfig {
    /// No news at all.
    pub fn none() -> Self {
        NewsConfig {
            rate_per_s: 0.0,
            jump_size: JumpSizeLaw::Fixed { size: 0.0 },
            scheduled: vec![],
        }
    }

    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        require_rate(&field_path(path, "rate_per_s"), self.rate_per_s)?;
        self.jump_size.validate(&field_path(path, "jump_size"))?;
        for (i, s) in self.scheduled.iter().enumerate() {
            let p = field_path(path, &format!("scheduled[{i}]"));
            require_ticks(&field_path(&p, "shift_ticks"), s.shift_ticks)?;
        }
        Ok(())
    }
}

impl NewsSchedule {
    /// Draws the news of one run up to and including `horizon` from the children `times` and
    /// `shifts` of `stream` (normally the repetition's `news` stream). Scheduled news after the
    /// horizon are dropped. `cfg` must be valid.
    pub fn generate(cfg: &NewsConfig, horizon: SimTime, stream: &Stream) -> NewsSchedule {
        let mut events: Vec<(SimTime, f64)> = cfg
            .scheduled
            .iter()
            .filter(|s| s.time_ns <= horizon.0)
            .map(|s| (SimTime(s.time_ns), s.shift_ticks))
            .collect();
        if cfg.rate_per_s > 0.0 {
            let mut times = stream.child("times");
            let mut shifts = stream.child("shifts");
            let mut t = SimTime::ZERO;
            loop {
                t = SimTime(t.0.saturating_add(poisson::gap_ns(cfg.rate_per_s, &mut times)));
                if t > horizon {
                    break;
                }
                events.push((t, cfg.jump_size.sample(&mut shifts)));
            }
        }
        // Stable: equal times keep scheduled-before-random and configuration order.
        events.sort_by_key(|&(t, _)| t);
        let events = events
            .into_iter()
            .enumerate()
            .map(|(index, (public_time, shift_ticks))| NewsEvent {
                index,
                public_time,
                shift_ticks,
            })
            .collect();
        NewsSchedule { events }
    }

    /// The events, sorted by `public_time`.
    pub fn events(&self) -> &[NewsEvent] {
        &self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    fn poisson_news(rate_per_s: f64) -> NewsConfig {
        NewsConfig {
            rate_per_s,
            jump_size: JumpSizeLaw::Normal {
                mean: 0.0,
                std: 4.0,
            },
            scheduled: vec![],
        }
    }

    #[test]
    fn same_seed_same_schedule_and_different_seed_different_schedule() {
        let cfg = poisson_news(0.5);
        let h = SimTime(3_600 * 1_000_000_000);
        let a = NewsSchedule::generate(&cfg, h, &RepetitionSeed(1).stream("news"));
        let b = NewsSchedule::generate(&cfg, h, &RepetitionSeed(1).stream("news"));
        let c = NewsSchedule::generate(&cfg, h, &RepetitionSeed(2).stream("news"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(!a.events().is_empty());
    }

    #[test]
    fn count_matches_poisson_rate_and_times_are_sorted_within_horizon() {
        // N(T) ~ Poisson(λT): mean and variance λT.
        let (rate, secs) = (2.0, 20_000u64);
        let h = SimTime(secs * 1_000_000_000);
        let s = NewsSchedule::generate(&poisson_news(rate), h, &RepetitionSeed(5).stream("news"));
        let expected = rate * secs as f64;
        let n = s.events().len() as f64;
        assert!(
            (n - expected).abs() <= 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        for (i, w) in s.events().windows(2).enumerate() {
            assert!(w[0].public_time < w[1].public_time);
            assert_eq!(w[0].index, i);
        }
        assert!(
            s.events()
                .iter()
                .all(|e| e.public_time > SimTime::ZERO && e.public_time <= h)
        );
    }

    #[test]
    fn shift_law_does_not_move_publication_times() {
        let h = SimTime(600 * 1_000_000_000);
        let stream = RepetitionSeed(9).stream("news");
        let a = NewsSchedule::generate(&poisson_news(1.0), h, &stream);
        let mut other = poisson_news(1.0);
        other.jump_size = JumpSizeLaw::Laplace { scale: 1.0 };
        let b = NewsSchedule::generate(&other, h, &stream);
        let times = |s: &NewsSchedule| s.events().iter().map(|e| e.public_time).collect::<Vec<_>>();
        assert_eq!(times(&a), times(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn scheduled_news_are_merged_in_time_order_and_clipped_to_the_horizon() {
        let cfg = NewsConfig {
            rate_per_s: 0.0,
            jump_size: JumpSizeLaw::Fixed { size: 1.0 },
            scheduled: vec![
                ScheduledNews {
                    time_ns: 500,
                    shift_ticks: 2.0,
                },
                ScheduledNews {
                    time_ns: 100,
                    shift_ticks: -1.0,
                },
                ScheduledNews {
                    time_ns: 500,
                    shift_ticks: 3.0,
                },
                ScheduledNews {
                    time_ns: 1_001,
                    shift_ticks: 9.0,
                },
            ],
        };
        let s = NewsSchedule::generate(&cfg, SimTime(1_000), &RepetitionSeed(0).stream("news"));
        let got: Vec<_> = s
            .events()
            .iter()
            .map(|e| (e.index, e.public_time.0, e.shift_ticks))
            .collect();
        assert_eq!(got, [(0, 100, -1.0), (1, 500, 2.0), (2, 500, 3.0)]);
    }

    #[test]
    fn validation_names_the_field() {
        let mut cfg = poisson_news(f64::NAN);
        assert_eq!(cfg.validate("news").unwrap_err().path, "news.rate_per_s");
        cfg.rate_per_s = 1.0;
        cfg.scheduled = vec![
            ScheduledNews {
                time_ns: 1,
                shift_ticks: 1.0,
            },
            ScheduledNews {
                time_ns: 2,
                shift_ticks: f64::INFINITY,
            },
        ];
        let e = cfg.validate("news").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`news.scheduled[1].shift_ticks` = inf: must be in [-1e12, 1e12]"
        );
        assert!(NewsConfig::none().validate("news").is_ok());
    }

    #[test]
    fn rejects_unknown_fields() {
        let v = serde_json::json!({
            "rate_per_s": 1.0, "jump_size": {"kind": "fixed", "size": 1.0}, "lead_ns": 5
        });
        assert!(serde_json::from_value::<NewsConfig>(v).is_err());
    }
}
