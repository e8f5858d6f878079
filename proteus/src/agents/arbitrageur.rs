//! Latency arbitrageur: on public news it races to take quotes that the news made stale — the
//! continuous-market sniping that frequent batch auctions are designed to remove.
//!
//! Its value estimate is public information only: it starts at the initial value and adds
//! every public news shift. A running sum of news alone would drift from the value by the
//! fundamental's diffusion, which no public signal announces, so on each news it first
//! re-anchors on the market: if the visible mid (as of its own market-data lag: the book
//! before the news reached anyone faster than it) is more than one tick from its estimate, it
//! takes the mid as the value before the news. It does not re-anchor within a tick (the book
//! quotes on the grid, so it cannot show the value more finely than that), with no visible
//! mid, or on a news within [`QUIET_NS`] of the previous one (the book may not have absorbed
//! that one yet). When news reaches it (after its own
//! market-data latency) it looks at the visible book and takes every level that is further than
//! `threshold_ticks` on the wrong side of that estimate: one IOC order at the worst such level
//! for their total size (capped at `max_size`, on the lot grid). Whether it wins is decided by
//! its latency against the resting orders' owners: a market maker's cancel or amend, a slow
//! noise trader's amend. So its profit comes from being faster than whoever is stale
//! (Budish, Cramton and Shim 2015), and a sniper slower than every provider finds nothing.
//!
//! The same rule runs under FBA on the residual book published after the last batch: its IOC
//! joins the next clearing, where the owners' updates that reach the same batch have already
//! moved the stale prices, so with a batch interval much longer than the latency gaps there is
//! little left to snipe. With no visible book at all (a leakage policy that hides it) it compares
//! its estimate with the last published price (or, before any, the estimate before the news)
//! and bids up to its estimate less the threshold.
//!
//! Under RFQ there are no resting quotes to snipe. It acts as a fast client: on news it
//! compares its estimate with the last RFQ print it sees (as in the hidden-book case) and
//! requests quotes for `max_size` with limit its estimate ∓ the threshold. It profits only
//! from dealers who quote before the news reaches them: the RFQ form of the latency race.

use super::{Agent, AgentCtx};
use crate::core::SimTime;
use crate::core::config_error::{ConfigError, field_path, require, require_ticks_non_negative};
use crate::mechanisms::{Price, Qty, Side};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArbitrageurConfig {
    pub threshold_ticks: f64,
    pub max_size: Qty,
}

impl ArbitrageurConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require_ticks_non_negative(&p("threshold_ticks"), self.threshold_ticks)?;
        require(
            (1..=1_000_000).contains(&self.max_size),
            &p("max_size"),
            self.max_size,
            "must be in [1, 1000000]",
        )
    }
}

/// A news this long after the previous one finds a book that has absorbed the previous one
/// (every provider's reaction in the shipped scenarios is far shorter), so the arbitrageur
/// re-anchors its estimate on the visible mid.
pub const QUIET_NS: u64 = 50_000_000;

pub struct LatencyArbitrageur {
    cfg: ArbitrageurConfig,
    estimate: f64,
    last_news: Option<SimTime>,
}

impl LatencyArbitrageur {
    pub fn new(cfg: ArbitrageurConfig, initial_value: f64) -> Self {
        LatencyArbitrageur {
            cfg,
            estimate: initial_value,
            last_news: None,
        }
    }
}

impl Agent for LatencyArbitrageur {
    fn on_start(&mut self, _ctx: &mut AgentCtx) {}

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        let quiet = self
            .last_news
            .is_none_or(|t| ctx.now.0.saturating_sub(t.0) >= QUIET_NS);
        self.last_news = Some(ctx.now);
        if let Some(mid) = ctx.quote.mid()
            && quiet
            && (mid - self.estimate).abs() > ctx.tick_size as f64
        {
            self.estimate = mid;
        }
        self.estimate += shift_ticks;
        let Some((side, price, qty)) = self.snipe(shift_ticks, ctx) else {
            return;
        };
        let qty = ctx.size(qty.clamp(1, self.cfg.max_size));
        ctx.take(side, qty, price);
    }
}

impl LatencyArbitrageur {
    /// The order the news justifies: (side, limit price, size before the lot grid).
    fn snipe(&self, shift_ticks: f64, ctx: &AgentCtx) -> Option<(Side, Price, Qty)> {
        let thr = self.cfg.threshold_ticks;
        let est = self.estimate;
        // The stale levels of one side: those beyond the threshold on the wrong side of the
        // estimate, best first; the order goes to the worst of them for their total size.
        let stale = |side: Side| -> Option<(Price, Qty)> {
            let levels = ctx.depth.side(side);
            let mut take: Option<(Price, Qty)> = None;
            for &(price, qty) in levels {
                let edge = match side {
                    Side::Sell => est - price as f64,
                    Side::Buy => price as f64 - est,
                };
                if edge <= thr {
                    break;
                }
                let total = take.map_or(0, |t| t.1) + qty;
                take = Some((price, total.min(self.cfg.max_size)));
                if total >= self.cfg.max_size {
                    break;
                }
            }
            take
        };
        if !ctx.depth.bids().is_empty() || !ctx.depth.asks().is_empty() {
            if let Some((price, qty)) = stale(Side::Sell) {
                return Some((Side::Buy, price, qty));
            }
            return stale(Side::Buy).map(|(price, qty)| (Side::Sell, price, qty));
        }
        // No visible book (hidden by the leakage policy, or RFQ): measure the news against the
        // last published price (or, before any, the estimate before the news) and bid up to the
        // new estimate less the threshold.
        let reference = ctx.last_price.map_or(est - shift_ticks, |p| p as f64);
        if est - reference > thr {
            Some((Side::Buy, ctx.bid_price(est - thr), self.cfg.max_size))
        } else if reference - est > thr {
            Some((Side::Sell, ctx.ask_price(est + thr), self.cfg.max_size))
        } else {
            None
        }
    }
}
