//! Noise trader: Poisson arrivals, a fair coin for the side, a uniform size, and a configurable
//! mix of marketable and resting limit orders.
//!
//! Under RFQ it is a client and makes the same draws at the same times: a marketable arrival
//! sends a quote request without a limit (it takes the best quote, whatever it is); a limit
//! arrival sends one limited to `offset` ticks from the last RFQ print it sees
//! (`last + offset` for a buy, `last − offset` for a sell), and nothing before the first print.
//! Nothing rests, so there is nothing to cancel.

use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require, require_non_negative};
use crate::core::{Duration, OrderId, Stream};
use crate::mechanisms::{NewOrder, OrderKind, Output, Qty, Request, Side, TimeInForce};
use rand::RngExt;
use rand_distr::{Distribution, Exp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseConfig {
    /// Arrival rate of each noise trader's orders, per second.
    pub rate_per_s: f64,
    pub min_size: Qty,
    pub max_size: Qty,
    /// Probability that an order is marketable (a market order); otherwise a resting limit order.
    pub marketable_prob: f64,
    /// A resting order is placed this many ticks behind the best price on its own side, drawn
    /// uniformly from 0 to this value.
    pub limit_offset_max_ticks: i64,
    /// A resting order still open after this long is cancelled.
    pub limit_lifetime_ns: u64,
}

impl NoiseConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.rate_per_s.is_finite() && self.rate_per_s > 0.0 && self.rate_per_s <= 1e6,
            &p("rate_per_s"),
            self.rate_per_s,
            "must be in (0, 1e6]",
        )?;
        require(
            self.min_size >= 1,
            &p("min_size"),
            self.min_size,
            "must be >= 1",
        )?;
        require(
            self.max_size >= self.min_size && self.max_size <= 1_000_000,
            &p("max_size"),
            self.max_size,
            "must be >= min_size and <= 1000000",
        )?;
        require_non_negative(&p("marketable_prob"), self.marketable_prob)?;
        require(
            self.marketable_prob <= 1.0,
            &p("marketable_prob"),
            self.marketable_prob,
            "must be in [0, 1]",
        )?;
        require(
            (0..=10_000).contains(&self.limit_offset_max_ticks),
            &p("limit_offset_max_ticks"),
            self.limit_offset_max_ticks,
            "must be in [0, 10000]",
        )?;
        require(
            self.limit_lifetime_ns >= 1,
            &p("limit_lifetime_ns"),
            self.limit_lifetime_ns,
            "must be >= 1",
        )
    }
}

const ARRIVAL: u64 = 0;
/// Tokens above this cancel the order whose sequence is `token - EXPIRE_BASE`.
const EXPIRE_BASE: u64 = 1 << 40;

pub struct NoiseTrader {
    cfg: NoiseConfig,
    arrivals: Stream,
    decisions: Stream,
    gap: Exp<f64>,
    /// Our limit orders that may still rest, with their open quantity, oldest first.
    open: Vec<(OrderId, Qty)>,
}

impl NoiseTrader {
    /// `streams` is the agent's stream root, e.g. `agent/noise/3`; arrivals and decisions draw
    /// from its children `arrivals` and `decisions`, so arrival times do not depend on what the
    /// market did.
    pub fn new(cfg: NoiseConfig, streams: &Stream) -> Self {
        let gap = Exp::new(cfg.rate_per_s).expect("validated rate");
        NoiseTrader {
            arrivals: streams.child("arrivals"),
            decisions: streams.child("decisions"),
            cfg,
            gap,
            open: Vec::new(),
        }
    }

    fn schedule_next_arrival(&mut self, ctx: &mut AgentCtx) {
        let secs: f64 = self.gap.sample(&mut self.arrivals);
        let delay =
            Duration((secs * 1e9).round().min(u64::MAX as f64 / 4.0) as u64).max(Duration(1));
        ctx.wake_after(delay, ARRIVAL);
    }

    fn trade(&mut self, ctx: &mut AgentCtx) {
        let side = if self.decisions.random::<bool>() {
            Side::Buy
        } else {
            Side::Sell
        };
        let qty = self
            .decisions
            .random_range(self.cfg.min_size..=self.cfg.max_size);
        let marketable = self.decisions.random::<f64>() < self.cfg.marketable_prob;
        let offset = self
            .decisions
            .random_range(0..=self.cfg.limit_offset_max_ticks);
        let id = ctx.new_order_id();
        if ctx.is_rfq() {
            // A client: a marketable order becomes a request without a limit; a resting one, a
            // request limited to `offset` ticks from the last print (none before the first).
            let limit = if marketable {
                None
            } else {
                let Some(last) = ctx.last_price else { return };
                let price = last + side.sign() * offset;
                if price <= 0 {
                    return;
                }
                Some(price)
            };
            ctx.request_quotes(id, side, qty, limit);
            return;
        }
        let kind = if marketable {
            OrderKind::Market
        } else {
            // Join behind the best price on our own side; with an empty side, lean on the other.
            let reference = match side {
                Side::Buy => ctx
                    .quote
                    .bid
                    .map(|b| b.0)
                    .or(ctx.quote.ask.map(|a| a.0 - 1)),
                Side::Sell => ctx
                    .quote
                    .ask
                    .map(|a| a.0)
                    .or(ctx.quote.bid.map(|b| b.0 + 1)),
            };
            let Some(reference) = reference else { return };
            let price = reference - side.sign() * offset;
            if price <= 0 {
                return;
            }
            self.open.push((id, qty));
            let seq = id.0 & 0xffff_ffff;
            ctx.wake_after(Duration(self.cfg.limit_lifetime_ns), EXPIRE_BASE + seq);
            OrderKind::Limit {
                price,
                tif: TimeInForce::Gtc,
            }
        };
        ctx.send(Request::New(NewOrder {
            id,
            trader: ctx.id,
            side,
            qty,
            kind,
        }));
    }
}

impl Agent for NoiseTrader {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.schedule_next_arrival(ctx);
    }

    fn on_wake(&mut self, token: u64, ctx: &mut AgentCtx) {
        if token == ARRIVAL {
            self.trade(ctx);
            self.schedule_next_arrival(ctx);
        } else {
            let id = OrderId(((ctx.id.0 as u64) << 32) | (token - EXPIRE_BASE));
            if let Some(pos) = self.open.iter().position(|o| o.0 == id) {
                self.open.remove(pos);
                ctx.send(Request::Cancel { id, trader: ctx.id });
            }
        }
    }

    fn on_report(&mut self, report: &Output, _ctx: &mut AgentCtx) {
        match *report {
            Output::Cancelled { id, .. } | Output::Rejected { id, .. } => {
                self.open.retain(|o| o.0 != id)
            }
            Output::Fill(f) => {
                if let Some(pos) = self
                    .open
                    .iter()
                    .position(|o| o.0 == f.maker_order || o.0 == f.taker_order)
                {
                    self.open[pos].1 -= f.qty;
                    if self.open[pos].1 <= 0 {
                        self.open.remove(pos);
                    }
                }
            }
            _ => {}
        }
    }
}
