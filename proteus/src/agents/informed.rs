//! Informed trader: trades on private information when the edge between its estimate of the
//! value and the price it can get exceeds a threshold; size grows with the edge, capped.
//!
//! Information reaches it two ways, both drawn by the simulator from this agent's own streams:
//! a noisy signal of each news event `lead_time` before it is public (see `info::signal`), and,
//! optionally, noisy observations of the fundamental at Poisson times (an ABIDES-style value
//! agent). It trades with IOC orders at the quote it sees, so latency decides whether the price
//! is still there.
//!
//! Under FBA it sees the residual book published after the last batch and applies the same
//! rule to it; its IOC order joins the batch. Under RFQ there is no book to see: it measures its
//! edge against the last RFQ print it sees and, as a client, requests quotes with limit
//! `estimate − threshold` (buy) or `estimate + threshold` (sell), put on the tick grid away from
//! the estimate. Public news changes nothing for it: its signal already held the news.

use super::{Agent, AgentCtx};
use crate::core::config_error::{
    ConfigError, field_path, require, require_coefficient, require_ticks_non_negative,
};
use crate::info::SignalConfig;
use crate::mechanisms::{Qty, Side};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InformedConfig {
    /// Minimum edge, in ticks, before trading.
    pub threshold_ticks: f64,
    /// Lots per tick of edge beyond the threshold (at least one lot is traded).
    pub lots_per_tick: f64,
    pub max_size: Qty,
    /// Rate of private noisy observations of the fundamental, per second (0: news signals only).
    #[serde(default)]
    pub observe_rate_per_s: f64,
    /// Standard deviation of an observation's noise, in ticks.
    #[serde(default)]
    pub observe_noise_ticks: f64,
    /// Early, noisy knowledge of each news event (none: it does not learn news early).
    #[serde(default)]
    pub signal: Option<SignalConfig>,
}

impl InformedConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require_ticks_non_negative(&p("threshold_ticks"), self.threshold_ticks)?;
        require_coefficient(&p("lots_per_tick"), self.lots_per_tick)?;
        require(
            (1..=1_000_000).contains(&self.max_size),
            &p("max_size"),
            self.max_size,
            "must be in [1, 1000000]",
        )?;
        require(
            self.observe_rate_per_s.is_finite() && (0.0..=1e6).contains(&self.observe_rate_per_s),
            &p("observe_rate_per_s"),
            self.observe_rate_per_s,
            "must be in [0, 1e6]",
        )?;
        require_ticks_non_negative(&p("observe_noise_ticks"), self.observe_noise_ticks)?;
        match &self.signal {
            Some(s) => s.validate(&p("signal")),
            None => Ok(()),
        }
    }
}

pub struct InformedTrader {
    cfg: InformedConfig,
}

impl InformedTrader {
    pub fn new(cfg: InformedConfig) -> Self {
        InformedTrader { cfg }
    }

    pub fn config(&self) -> &InformedConfig {
        &self.cfg
    }

    /// The order (side, limit price, size) that `estimate` justifies against what it sees, if
    /// any: against the visible book (the live CLOB book, FBA's residual book after the last
    /// batch) it takes the best price when the edge exceeds the threshold; with no visible book
    /// (a sealed or empty book, RFQ) it measures the edge against the last published price and
    /// limits the order to the estimate less the threshold. Prices are on the tick grid (a buy
    /// never above what it meant, a sell never below) and sizes on the lot grid.
    pub fn decide(&self, estimate: f64, ctx: &AgentCtx) -> Option<(Side, i64, Qty)> {
        let size_for = |edge: f64| {
            let extra = ((edge - self.cfg.threshold_ticks) * self.cfg.lots_per_tick).floor();
            // Capped before the conversion (the same size: it is capped at max_size anyway), so
            // an edge of any size cannot overflow `1 + extra`.
            let extra = extra.clamp(0.0, self.cfg.max_size as f64) as Qty;
            (1 + extra).min(self.cfg.max_size)
        };
        if let Some((ask, ask_qty)) = ctx.quote.ask {
            let edge = estimate - ask as f64;
            if edge > self.cfg.threshold_ticks {
                let qty = size_for(edge).min(ask_qty.max(1));
                return Some((Side::Buy, ask, ctx.size(qty)));
            }
        }
        if let Some((bid, bid_qty)) = ctx.quote.bid {
            let edge = bid as f64 - estimate;
            if edge > self.cfg.threshold_ticks {
                let qty = size_for(edge).min(bid_qty.max(1));
                return Some((Side::Sell, bid, ctx.size(qty)));
            }
        }
        if ctx.quote.bid.is_none() && ctx.quote.ask.is_none() {
            let last = ctx.last_price? as f64;
            let thr = self.cfg.threshold_ticks;
            if estimate - last > thr {
                return Some((
                    Side::Buy,
                    ctx.bid_price(estimate - thr),
                    ctx.size(size_for(estimate - last)),
                ));
            }
            if last - estimate > thr {
                return Some((
                    Side::Sell,
                    ctx.ask_price(estimate + thr),
                    ctx.size(size_for(last - estimate)),
                ));
            }
        }
        None
    }
}

impl Agent for InformedTrader {
    fn on_start(&mut self, _ctx: &mut AgentCtx) {}

    fn on_signal(&mut self, estimate: f64, ctx: &mut AgentCtx) {
        if let Some((side, price, qty)) = self.decide(estimate, ctx) {
            ctx.take(side, qty, price);
        }
    }
}
