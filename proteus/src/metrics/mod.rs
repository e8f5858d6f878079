//! Market-quality metrics: pure functions of what a run observed, the same for every mechanism.
//!
//! Every metric is defined (formula, units, sign, edge cases) in `docs/metrics.md`; this module
//! is its implementation. A [`MetricsAccumulator`] is fed the run's observations in time order
//! (fundamental changes, news, top-of-book changes, venue requests, fills) and keeps only what a
//! metric still needs: running sums, the fills still waiting for their horizon, and the news
//! and race windows still open. [`compute`] replays a [`RunLog`] into one, so the streaming
//! path and the replay path are the same code.
//!
//! Architecture invariant: results do not depend on the order of observations that share a
//! nanosecond, except for the order of fills among themselves. Everything that reads the market
//! state does so at the end of an instant (after every observation at that nanosecond), and a
//! fill carries its own reference quote. So a simulator may feed the accumulator in its own
//! event order and get the same record as the replay of its log.
//!
//! Architecture invariant: the simulator computes no metric; this module never looks inside the
//! simulator, only at the log types.

mod accumulator;
mod activity;
mod batches;
mod efficiency;
mod impact;
mod market;
pub mod names;
mod neutral;
mod observe;
mod pnl;
mod races;
mod record;
mod rfq;
mod spreads;

pub use accumulator::MetricsAccumulator;
pub use observe::MetricsObserver;
pub use record::{AgentPnl, METRICS_SCHEMA_VERSION, MetricRecord};

use crate::core::{Duration, MechanismKind, SimTime, duration_label};
use crate::sim::{Account, RunLog};
use thiserror::Error;

/// The horizons and windows of the metrics. The defaults are what `metrics.json` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsConfig {
    /// Horizons h of realized spread, price impact and the market-maker PnL decomposition.
    pub horizons: Vec<Duration>,
    /// Sampling intervals of the mid-return volatility.
    pub volatility_intervals: Vec<Duration>,
    /// The race window W of the legacy names (`races`, `race_volume_lots`,
    /// `race_profit_{H}_ticks`) and of `latency_arb_tax_bp`: a race's messages reach the venue
    /// in [t₁, t₁ + W], t₁ its first message.
    pub race_window: Duration,
    /// Every window reported as `races_{W}` etc. (`race_window` is always among them).
    pub race_windows: Vec<Duration>,
    /// The first message of a race must reach the venue within this long after the news.
    pub race_start_limit: Duration,
    /// Horizon H of the fundamental (and, for the legacy name, the mid) against which race
    /// profit is marked; at least every race window.
    pub race_profit_horizon: Duration,
    /// Horizon of the fundamental against which `sniping_profit_ticks` marks the
    /// arbitrageurs' fills.
    pub sniping_horizon: Duration,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            horizons: vec![Duration::from_secs(1), Duration::from_secs(5)],
            volatility_intervals: vec![Duration::from_secs(1), Duration::from_secs(10)],
            race_window: Duration::from_micros(500),
            race_windows: vec![
                Duration::from_micros(50),
                Duration::from_micros(500),
                Duration::from_millis(5),
            ],
            race_start_limit: Duration::from_millis(50),
            race_profit_horizon: Duration::from_secs(5),
            sniping_horizon: Duration::from_secs(1),
        }
    }
}

impl MetricsConfig {
    pub fn validate(&self) -> Result<(), MetricsError> {
        let bad = |what: String| Err(MetricsError::InvalidConfig(what));
        if self.horizons.iter().any(|h| h.0 == 0) {
            return bad("horizons must be > 0 ns".into());
        }
        if self.volatility_intervals.iter().any(|h| h.0 == 0) {
            return bad("volatility_intervals must be > 0 ns".into());
        }
        for list in [&self.horizons, &self.volatility_intervals] {
            let mut labels: Vec<String> = list.iter().map(|d| duration_label(*d)).collect();
            labels.sort();
            if labels.windows(2).any(|w| w[0] == w[1]) {
                return bad(format!("duplicate horizon or interval in {list:?}"));
            }
        }
        let windows = self.race_windows.iter().chain([&self.race_window]);
        if let Some(w) = windows.clone().find(|w| w.0 == 0) {
            return bad(format!("race windows must be > 0 ns, got {} ns", w.0));
        }
        let widest = windows.max().copied().unwrap_or(self.race_window);
        if self.race_profit_horizon < widest {
            return bad(format!(
                "race_profit_horizon ({} ns) must be >= every race window ({} ns)",
                self.race_profit_horizon.0, widest.0
            ));
        }
        let mut labels: Vec<String> = self
            .race_windows
            .iter()
            .map(|d| duration_label(*d))
            .collect();
        labels.sort();
        if labels.windows(2).any(|w| w[0] == w[1]) {
            return bad(format!("duplicate race window in {:?}", self.race_windows));
        }
        if self.race_start_limit.0 == 0 {
            return bad("race_start_limit must be > 0 ns".into());
        }
        if self.sniping_horizon.0 == 0 {
            return bad("sniping_horizon must be > 0 ns".into());
        }
        Ok(())
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum MetricsError {
    #[error("invalid metrics configuration: {0}")]
    InvalidConfig(String),
    #[error("run log: {stream}[{index}] at {time} is earlier than the entry before it")]
    OutOfOrder {
        stream: &'static str,
        index: usize,
        time: SimTime,
    },
    #[error("run log: {stream}[{index}] at {time} is after the horizon {horizon}")]
    AfterHorizon {
        stream: &'static str,
        index: usize,
        time: SimTime,
        horizon: SimTime,
    },
    #[error("run log: {what} names agent {agent}, but the log has {agents} agents")]
    UnknownAgent {
        what: &'static str,
        agent: u32,
        agents: usize,
    },
    #[error("run log: {accounts} accounts for {agents} agents")]
    AccountCount { accounts: usize, agents: usize },
    #[error("run log: agent {agent}'s account is {logged:?} but its fills add up to {replayed:?}")]
    LedgerMismatch {
        agent: u32,
        logged: Account,
        replayed: Account,
    },
}

/// The metrics of one run with the default configuration.
pub fn compute(log: &RunLog) -> Result<MetricRecord, MetricsError> {
    compute_with(log, &MetricsConfig::default())
}

/// The metrics of one run: the log replayed, in time order, into a [`MetricsAccumulator`].
///
/// Fails if the log is not in time order, has entries after its horizon, names unknown agents,
/// or if its final accounts are not what its fills add up to.
pub fn compute_with(log: &RunLog, config: &MetricsConfig) -> Result<MetricRecord, MetricsError> {
    check_log(log)?;
    let record = replay(log, config, &REPLAY_ORDER)?;
    check_accounts(log, &record)?;
    Ok(record)
}

/// The log's final accounts against what its fills add up to in `record`.
fn check_accounts(log: &RunLog, record: &MetricRecord) -> Result<(), MetricsError> {
    if log.accounts.len() != log.agents.len() {
        return Err(MetricsError::AccountCount {
            accounts: log.accounts.len(),
            agents: log.agents.len(),
        });
    }
    for (a, logged) in log.agents.iter().zip(&log.accounts) {
        let replayed = record.pnl_by_agent[a.id.0 as usize].account();
        if replayed != *logged {
            return Err(MetricsError::LedgerMismatch {
                agent: a.id.0,
                logged: *logged,
                replayed,
            });
        }
    }
    Ok(())
}

/// The streams of a run log, in the order `replay` feeds observations that share a nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Fundamental,
    News,
    Quotes,
    Requests,
    Fills,
    Rfq,
}

const REPLAY_ORDER: [Stream; 6] = [
    Stream::Fundamental,
    Stream::News,
    Stream::Quotes,
    Stream::Requests,
    Stream::Fills,
    Stream::Rfq,
];

fn check_log(log: &RunLog) -> Result<(), MetricsError> {
    fn check(
        stream: &'static str,
        times: impl Iterator<Item = SimTime>,
        horizon: SimTime,
    ) -> Result<(), MetricsError> {
        let mut last = SimTime::ZERO;
        for (index, time) in times.enumerate() {
            if time < last {
                return Err(MetricsError::OutOfOrder {
                    stream,
                    index,
                    time,
                });
            }
            if time > horizon {
                return Err(MetricsError::AfterHorizon {
                    stream,
                    index,
                    time,
                    horizon,
                });
            }
            last = time;
        }
        Ok(())
    }
    let h = log.horizon;
    check("fundamental", log.fundamental.iter().map(|f| f.0), h)?;
    check("news", log.news.iter().map(|n| n.public_time), h)?;
    check("quotes", log.quotes.iter().map(|q| q.0), h)?;
    check(
        "venue_requests",
        log.venue_requests.iter().map(|r| r.time),
        h,
    )?;
    check("fills", log.fills.iter().map(|f| f.time), h)?;
    check("rfq", log.rfq.iter().map(|r| r.time), h)?;
    let n = log.agents.len();
    let known = |what, agent: crate::core::AgentId| {
        if (agent.0 as usize) < n {
            Ok(())
        } else {
            Err(MetricsError::UnknownAgent {
                what,
                agent: agent.0,
                agents: n,
            })
        }
    };
    for (i, a) in log.agents.iter().enumerate() {
        if a.id.0 as usize != i {
            return Err(MetricsError::UnknownAgent {
                what: "agents (ids must be 0..n in order)",
                agent: a.id.0,
                agents: n,
            });
        }
    }
    for f in &log.fills {
        known("a fill's taker", f.taker)?;
        known("a fill's maker", f.maker)?;
    }
    for r in &log.venue_requests {
        known("a request", r.agent)?;
    }
    for l in &log.inventory_limits {
        known("an inventory limit", l.agent)?;
    }
    for r in &log.rfq {
        known("an RFQ's client", r.client)?;
        for &d in &r.dealers {
            known("an RFQ's dealer", d)?;
        }
    }
    Ok(())
}

/// Feeds the log's streams to an accumulator by time, observations of one nanosecond in the
/// stream order `order`.
fn replay(
    log: &RunLog,
    config: &MetricsConfig,
    order: &[Stream; 6],
) -> Result<MetricRecord, MetricsError> {
    let initial = log.fundamental.first().map_or(0.0, |f| f.1);
    let mut acc = MetricsAccumulator::new(config.clone(), &log.agents, initial)?;
    acc.set_inventory_limits(&log.inventory_limits);
    if log.mechanism == MechanismKind::Rfq {
        acc.report_rfq();
    }
    if log.mechanism == MechanismKind::Fba {
        acc.report_batches();
        for b in &log.batches {
            acc.on_batch(b);
        }
    }
    let mut next = [0usize; 6];
    let time_of = |s: Stream, i: usize| -> Option<SimTime> {
        match s {
            Stream::Fundamental => log.fundamental.get(i).map(|f| f.0),
            Stream::News => log.news.get(i).map(|n| n.public_time),
            Stream::Quotes => log.quotes.get(i).map(|q| q.0),
            Stream::Requests => log.venue_requests.get(i).map(|r| r.time),
            Stream::Fills => log.fills.get(i).map(|f| f.time),
            Stream::Rfq => log.rfq.get(i).map(|r| r.time),
        }
    };
    loop {
        let mut best: Option<(SimTime, usize)> = None;
        for (k, &s) in order.iter().enumerate() {
            if let Some(t) = time_of(s, next[k])
                && best.is_none_or(|(bt, _)| t < bt)
            {
                best = Some((t, k));
            }
        }
        let Some((_, k)) = best else { break };
        let i = next[k];
        next[k] += 1;
        match order[k] {
            Stream::Fundamental => {
                let (t, v) = log.fundamental[i];
                acc.on_fundamental(t, v);
            }
            Stream::News => acc.on_news(&log.news[i]),
            Stream::Quotes => {
                let (t, q) = log.quotes[i];
                acc.on_quote(t, q);
            }
            Stream::Requests => acc.on_request(&log.venue_requests[i]),
            Stream::Fills => acc.on_fill(&log.fills[i]),
            Stream::Rfq => acc.on_rfq(&log.rfq[i]),
        }
    }
    Ok(acc.finish(log.horizon))
}

#[cfg(test)]
mod tests;
