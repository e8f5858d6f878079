//! How many events a run of a scenario will process, estimated before it runs from the fields
//! that drive it, so that a command can refuse a run (or a pack) that would exhaust memory or
//! never end (`--max-events`, `docs/experiments.md`).
//!
//! One run's estimate is the sum of its terms (`T` the duration in seconds, `N` the agents):
//!
//! | term | events |
//! |---|---|
//! | diffusion steps | `T / step_ns` (jump-diffusion, mean-reverting) |
//! | fundamental jumps | `jump_rate_per_s · T` |
//! | news | `(rate_per_s · T + scheduled) · (1 + N)`: each news reaches every agent |
//! | an agent population's own actions | `count · rate · T · 6`: an order is about six events (submission, venue, report, market data) |
//! | FBA batch ends | `T / batch_interval_ns` |
//! | agents' starts | `N` |
//!
//! The own rates: noise `rate_per_s`, informed `observe_rate_per_s`, market makers
//! `1 / requote_interval_ns`, sequential traders `1 / period_ns`; arbitrageurs, Bayesian dealers
//! and fixed-spread providers act on news and fills, counted with the news. On the default
//! scenario the estimate is 54,000 events; the run processes 64,000. Measured peak memory is
//! 85–100 bytes per estimated event of a run (`docs/experiments.md`).

use super::Scenario;
use crate::core::MechanismKind;
use crate::info::FundamentalConfig;

/// Events one order (or any action of an agent) costs, roughly: its submission, the venue's
/// handling, the private report back and the market-data update.
pub const EVENTS_PER_ACTION: f64 = 6.0;

/// One term of an estimate: the fields that drive it, as a user reads them, and its events.
#[derive(Clone, Debug, PartialEq)]
pub struct EventTerm {
    /// E.g. `agents.noise.count × agents.noise.rate_per_s × duration_s`.
    pub drivers: String,
    pub events: f64,
}

/// A run's estimated events, term by term.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventEstimate {
    pub terms: Vec<EventTerm>,
}

impl EventEstimate {
    /// All the terms together.
    pub fn total(&self) -> f64 {
        self.terms.iter().map(|t| t.events).sum()
    }

    /// The largest terms, largest first, as many as make up 99% of the total (at most four):
    /// what to change to shrink it.
    pub fn drivers(&self) -> Vec<&EventTerm> {
        let mut v: Vec<&EventTerm> = self.terms.iter().filter(|t| t.events > 0.0).collect();
        v.sort_by(|a, b| b.events.total_cmp(&a.events));
        let total = self.total();
        let mut shown = 0.0;
        let mut out = Vec::new();
        for t in v {
            if out.len() == 4 || (shown >= 0.99 * total && !out.is_empty()) {
                break;
            }
            shown += t.events;
            out.push(t);
        }
        out
    }

    fn add(&mut self, drivers: String, events: f64) {
        if events > 0.0 {
            self.terms.push(EventTerm { drivers, events });
        }
    }
}

/// A count of events as a message shows it: `64000`, `3.0e11`.
pub fn events_label(x: f64) -> String {
    if x < 1e7 {
        format!("{x:.0}")
    } else {
        format!("{x:.1e}")
    }
}

impl Scenario {
    /// The estimated events of one run (see the module documentation).
    pub fn event_estimate(&self) -> EventEstimate {
        let t = self.duration_s;
        let agents = self.agent_count() as f64;
        let mut e = EventEstimate::default();
        match self.fundamental {
            FundamentalConfig::JumpDiffusion {
                jump_rate_per_s,
                step_ns,
                ..
            } => {
                e.add(
                    format!("duration_s / fundamental.step_ns (= {step_ns})"),
                    t * 1e9 / step_ns as f64,
                );
                e.add(
                    "fundamental.jump_rate_per_s × duration_s".to_owned(),
                    jump_rate_per_s * t,
                );
            }
            FundamentalConfig::MeanReverting { step_ns, .. } => e.add(
                format!("duration_s / fundamental.step_ns (= {step_ns})"),
                t * 1e9 / step_ns as f64,
            ),
            FundamentalConfig::Binary { .. } => {}
        }
        let news = self.news.rate_per_s * t + self.news.scheduled.len() as f64;
        e.add(
            format!(
                "(news.rate_per_s × duration_s + news.scheduled) × (1 + the {} agents)",
                self.agent_count()
            ),
            news * (1.0 + agents),
        );
        let a = &self.agents;
        // (the group's field path, its count, its own rate per second) of every group.
        macro_rules! groups {
            ($pop:expr, $base:expr, |$c:ident| $rate:expr) => {
                $pop.iter().flat_map(|p| {
                    p.groups.iter().enumerate().map(move |(i, g)| {
                        let $c = &g.params;
                        (p.path($base, i), g.count, $rate)
                    })
                })
            };
        }
        let own: Vec<(String, &str, u32, f64)> = groups!(a.noise, "agents.noise", |c| c.rate_per_s)
            .map(|(p, n, r)| (p, "rate_per_s", n, r))
            .chain(
                groups!(a.informed, "agents.informed", |c| c.observe_rate_per_s)
                    .map(|(p, n, r)| (p, "observe_rate_per_s", n, r)),
            )
            .chain(
                groups!(a.market_maker, "agents.market_maker", |c| 1e9
                    / c.requote_interval_ns as f64)
                .map(|(p, n, r)| (p, "requote_interval_ns (as a rate)", n, r)),
            )
            .chain(
                groups!(a.sequential_trader, "agents.sequential_trader", |c| 1e9
                    / c.period_ns as f64)
                .map(|(p, n, r)| (p, "period_ns (as a rate)", n, r)),
            )
            .chain(
                groups!(a.value, "agents.value", |c| c.arrival_rate_per_s)
                    .map(|(p, n, r)| (p, "arrival_rate_per_s", n, r)),
            )
            .chain(
                groups!(a.momentum, "agents.momentum", |c| 1.0 / c.wake_mean_s)
                    .map(|(p, n, r)| (p, "wake_mean_s (as a rate)", n, r)),
            )
            .chain(
                // Each wake cancels and posts `levels` orders a side.
                groups!(a.ladder_market_maker, "agents.ladder_market_maker", |c| {
                    2.0 * f64::from(c.levels) / c.wake_mean_s
                })
                .map(|(p, n, r)| (p, "levels × 2 / wake_mean_s", n, r)),
            )
            .chain(
                // Each parent sends its children, Σ l^(−α) of them on average.
                groups!(a.metaorder, "agents.metaorder", |c| c.parent_rate_per_s
                    * c.mean_children())
                .map(|(p, n, r)| (p, "parent_rate_per_s × mean children", n, r)),
            )
            .collect();
        for (path, field, count, rate) in own {
            e.add(
                format!(
                    "{path}.count (= {count}) × {path}.{field} × duration_s × {EVENTS_PER_ACTION}"
                ),
                f64::from(count) * rate * t * EVENTS_PER_ACTION,
            );
        }
        if self.mechanism.kind == MechanismKind::Fba {
            e.add(
                format!(
                    "duration_s / mechanism.batch_interval_ns (= {})",
                    self.mechanism.batch_interval_ns
                ),
                t * 1e9 / self.mechanism.batch_interval_ns as f64,
            );
        }
        e.add("the agents' starts".to_owned(), agents);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rmsc04-like day (value, momentum and ladder-maker populations) is estimated within
    /// a factor of two of the events it processes.
    #[test]
    fn the_rmsc04_like_day_is_estimated_near_its_processed_events() {
        let text = include_str!("../../../scenarios/rmsc04-like.toml");
        let sc = Scenario::from_toml(text, "rmsc04-like.toml").unwrap();
        let est = sc.event_estimate().total();
        let log = crate::sim::run(&sc, 0, Default::default());
        let ratio = log.events_processed as f64 / est;
        assert!((0.5..2.0).contains(&ratio), "processed/estimated = {ratio}");
    }

    #[test]
    fn the_default_scenario_is_estimated_near_its_processed_events() {
        let sc = Scenario::default_scenario();
        let e = sc.event_estimate();
        // 3000 steps, 15 news x 60, 50 noise x 0.5/s, 5 informed x 0.2/s, 2 makers at 1/s
        // (x 6 each, over 300 s), 59 starts.
        let want = 3000.0 + 15.0 * 60.0 + 6.0 * 300.0 * (25.0 + 1.0 + 2.0) + 59.0;
        assert!((e.total() - want).abs() < 1e-6, "{} vs {want}", e.total());
        let log = crate::sim::run(
            &Scenario {
                duration_s: 30.0,
                ..sc.clone()
            },
            0,
            Default::default(),
        );
        let est = Scenario {
            duration_s: 30.0,
            ..sc
        }
        .event_estimate()
        .total();
        let ratio = log.events_processed as f64 / est;
        assert!((0.5..2.0).contains(&ratio), "processed/estimated = {ratio}");
    }

    #[test]
    fn drivers_name_the_fields_that_make_the_estimate() {
        let mut sc = Scenario::default_scenario();
        if let FundamentalConfig::JumpDiffusion { step_ns, .. } = &mut sc.fundamental {
            *step_ns = 1;
        }
        let e = sc.event_estimate();
        assert_eq!(events_label(e.total()), "3.0e11");
        let d = e.drivers();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].drivers, "duration_s / fundamental.step_ns (= 1)");
        assert_eq!(events_label(64_000.0), "64000");
    }
}
