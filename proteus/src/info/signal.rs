//! Private signals: what an informed trader learns about a news event before it is public.
//!
//! Policy, exactly: for news event `e` and a trader with lead `L` and noise `s`,
//!
//! * the signal arrives at `max(e.public_time − L, 0)` ([`SignalConfig::signal_time`]);
//! * its value is `F + e.shift_ticks + s·Z`, where `F` is the fundamental in force at the
//!   signal time *not counting `e` itself* (when the signal coincides with publication, the value
//!   just before the shift) and `Z ~ N(0, 1)` is one draw from the trader's own stream (e.g.
//!   `agent/informed/{id}/signal`). The draw is made even when `s = 0`, so a noise sweep keeps
//!   every trader's stream aligned.
//!
//! The value is the trader's estimate of the fundamental right after publication: the move it
//! ignores between the signal and publication (diffusion, jumps) is the signal's staleness.

use super::news::NewsEvent;
use crate::core::config_error::{field_path, require_ticks_non_negative};
use crate::core::{ConfigError, SimTime};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// How early and how precisely an informed trader learns news.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalConfig {
    /// How long before publication the signal arrives.
    pub lead_time_ns: u64,
    /// Standard deviation of the signal's error, in ticks.
    pub noise_std_ticks: f64,
}

/// One private signal about one news event.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PrivateSignal {
    /// The news event it is about.
    pub news_index: usize,
    /// When the trader receives it.
    pub time: SimTime,
    /// The trader's estimate of the fundamental after the news, in ticks.
    pub value_ticks: f64,
}

impl SignalConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        require_ticks_non_negative(&field_path(path, "noise_std_ticks"), self.noise_std_ticks)
    }

    /// When a trader with this configuration learns `news`: `public_time − lead`, clamped at 0.
    pub fn signal_time(&self, news: &NewsEvent) -> SimTime {
        SimTime(news.public_time.0.saturating_sub(self.lead_time_ns))
    }

    /// The signal about `news`, given `pre_news_fundamental` (the fundamental in force at the
    /// signal time, without `news`' own shift). Draws one standard normal from `rng`.
    pub fn signal<R: Rng + ?Sized>(
        &self,
        news: &NewsEvent,
        pre_news_fundamental: f64,
        rng: &mut R,
    ) -> PrivateSignal {
        let z: f64 = StandardNormal.sample(rng);
        PrivateSignal {
            news_index: news.index,
            time: self.signal_time(news),
            value_ticks: pre_news_fundamental + news.shift_ticks + self.noise_std_ticks * z,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    fn news(public_time: u64, shift_ticks: f64) -> NewsEvent {
        NewsEvent {
            index: 4,
            public_time: SimTime(public_time),
            shift_ticks,
        }
    }

    #[test]
    fn noiseless_signal_is_fundamental_plus_shift_at_public_time_minus_lead() {
        let cfg = SignalConfig {
            lead_time_ns: 300,
            noise_std_ticks: 0.0,
        };
        let mut rng = RepetitionSeed(1).stream("agent/informed/0/signal");
        let s = cfg.signal(&news(1_000, 6.5), 100.0, &mut rng);
        assert_eq!(
            s,
            PrivateSignal {
                news_index: 4,
                time: SimTime(700),
                value_ticks: 106.5
            }
        );
        assert_eq!(cfg.signal_time(&news(200, 1.0)), SimTime(0));
    }

    #[test]
    fn noise_is_one_standard_normal_from_the_traders_stream() {
        let cfg = SignalConfig {
            lead_time_ns: 0,
            noise_std_ticks: 2.5,
        };
        let mut rng = RepetitionSeed(3).stream("agent/informed/1/signal");
        let s = cfg.signal(&news(50, -1.0), 100.0, &mut rng);
        let z: f64 =
            StandardNormal.sample(&mut RepetitionSeed(3).stream("agent/informed/1/signal"));
        assert_eq!(s.value_ticks, 100.0 - 1.0 + 2.5 * z);
        assert_eq!(s.time, SimTime(50));
    }

    #[test]
    fn signal_error_has_the_configured_spread() {
        let cfg = SignalConfig {
            lead_time_ns: 10,
            noise_std_ticks: 3.0,
        };
        let mut rng = RepetitionSeed(5).stream("agent/informed/2/signal");
        let n = 50_000;
        let errs: Vec<f64> = (0..n)
            .map(|_| cfg.signal(&news(100, 2.0), 10.0, &mut rng).value_ticks - 12.0)
            .collect();
        let nf = n as f64;
        let mean = errs.iter().sum::<f64>() / nf;
        let var = errs.iter().map(|e| e * e).sum::<f64>() / nf;
        assert!(mean.abs() <= 4.0 * 3.0 / nf.sqrt(), "{mean}");
        // Variance about the known mean 0: standard error σ²·√(2/n).
        assert!((var - 9.0).abs() <= 4.0 * 9.0 * (2.0 / nf).sqrt(), "{var}");
    }

    #[test]
    fn validation_names_the_field() {
        let e = SignalConfig {
            lead_time_ns: 0,
            noise_std_ticks: -1.0,
        }
        .validate("agents.informed.signal")
        .unwrap_err();
        assert_eq!(e.path, "agents.informed.signal.noise_std_ticks");
    }
}
