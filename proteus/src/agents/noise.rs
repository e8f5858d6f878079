//! Noise trader: Poisson arrivals, a fair coin for the side, a uniform size, and a configurable
//! mix of marketable and resting limit orders.
//!
//! # One rule under every mechanism
//!
//! At each arrival it draws, from its own `decisions` stream and in this order, the side, the size,
//! whether the order is marketable and the passive offset, **whatever the market shows**, and it
//! always acts on them. So with the same seed it makes the same decisions at the same times with
//! the same side and size under CLOB, FBA and RFQ (`tests/simulation/parity.rs`); only prices and
//! outcomes differ, and the share of its decisions that rest liquidity is the same under the CLOB
//! and FBA.
//!
//! * **Size**: the draw in `[min_size, max_size]` put on the lot grid (nearest multiple of
//!   `lot_size`, at least one lot).
//! * **Marketable**: a market order (CLOB, FBA); under RFQ a quote request without a limit.
//! * **Resting intent**: a GTC limit order `offset` ticks behind its own side's best visible
//!   price (the live book under the CLOB, the residual book published after the last batch
//!   under FBA); with its own side empty, one tick behind the other side; with no visible book,
//!   its reference price: the last published trade or clearing price, else the public value
//!   (initial value plus public news). Prices are put on the tick grid on the passive side.
//!   Under RFQ nothing rests: the same intent is a quote request limited to that price
//!   (reference − D·offset, D = +1 for a buy), which fails when no dealer quotes inside it.
//! * **News**: when public news reaches it (after its own market-data latency) it moves each
//!   of its resting orders by the news shift (rounded to the tick), with an amend that reaches
//!   the venue after its own submission latency. Until then the order is stale: a slow trader's
//!   resting liquidity is what a faster sniper can pick off (Budish, Cramton and Shim 2015).
//! * **Expiry**: a resting order still open after `limit_lifetime_ns` is cancelled.

use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require, require_non_negative};
use crate::core::{Duration, OrderId, Stream};
use crate::mechanisms::{NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce};
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
    /// uniformly from 0 to this value (multiplied by the tick size on a coarser grid).
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
/// [`super::context::PRICE_LIMIT_TICKS`] as a price: a repriced order stays within it.
const PRICE_LIMIT: Price = super::context::PRICE_LIMIT_TICKS as Price;
/// Tokens above this cancel the order whose sequence is `token - EXPIRE_BASE`.
const EXPIRE_BASE: u64 = 1 << 40;

/// One of its resting orders as it believes it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Resting {
    id: OrderId,
    side: Side,
    price: Price,
    qty: Qty,
}

pub struct NoiseTrader {
    cfg: NoiseConfig,
    arrivals: Stream,
    decisions: Stream,
    /// `None` when its arrivals come from its population's Hawkes process in the simulator.
    gap: Option<Exp<f64>>,
    /// The public value: the initial value plus every public news shift that reached it.
    public_value: f64,
    /// Our limit orders that may still rest, with their open quantity, oldest first.
    open: Vec<Resting>,
}

/// What one arrival decided, before any price is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoiseDecision {
    pub side: Side,
    pub qty: Qty,
    pub marketable: bool,
    pub offset_ticks: i64,
}

impl NoiseTrader {
    /// `streams` is the agent's stream root, e.g. `agent/noise/3`; arrivals and decisions draw
    /// from its children `arrivals` and `decisions`, so arrival times do not depend on what the
    /// market did. `initial_value` is the public value at time zero, in ticks.
    pub fn new(cfg: NoiseConfig, streams: &Stream, initial_value: f64) -> Self {
        let gap = Exp::new(cfg.rate_per_s).expect("validated rate");
        NoiseTrader {
            arrivals: streams.child("arrivals"),
            decisions: streams.child("decisions"),
            cfg,
            gap: Some(gap),
            public_value: initial_value,
            open: Vec::new(),
        }
    }

    /// Its arrivals come from its population's arrival process in the simulator (a Hawkes
    /// population), not from its own clock.
    pub fn driven_externally(mut self) -> NoiseTrader {
        self.gap = None;
        self
    }

    fn schedule_next_arrival(&mut self, ctx: &mut AgentCtx) {
        let Some(gap) = &self.gap else { return };
        let secs: f64 = gap.sample(&mut self.arrivals);
        let delay =
            Duration((secs * 1e9).round().min(u64::MAX as f64 / 4.0) as u64).max(Duration(1));
        ctx.wake_after(delay, ARRIVAL);
    }

    /// The draws of one arrival, in their fixed order, whatever the market shows.
    fn decide(&mut self) -> NoiseDecision {
        let side = if self.decisions.random::<bool>() {
            Side::Buy
        } else {
            Side::Sell
        };
        let qty = self
            .decisions
            .random_range(self.cfg.min_size..=self.cfg.max_size);
        let marketable = self.decisions.random::<f64>() < self.cfg.marketable_prob;
        let offset_ticks = self
            .decisions
            .random_range(0..=self.cfg.limit_offset_max_ticks);
        NoiseDecision {
            side,
            qty,
            marketable,
            offset_ticks,
        }
    }

    /// The price of a resting intent on `side`, `offset` grid steps behind the reference it can
    /// see (module docs), on the tick grid.
    pub fn passive_limit(&self, side: Side, offset_ticks: i64, ctx: &AgentCtx) -> Price {
        let tick = ctx.tick_size;
        let own = match side {
            Side::Buy => ctx.quote.bid,
            Side::Sell => ctx.quote.ask,
        };
        let other = match side {
            Side::Buy => ctx.quote.ask,
            Side::Sell => ctx.quote.bid,
        };
        let reference = match (own, other) {
            (Some((p, _)), _) => p,
            (None, Some((p, _))) => p - side.sign() * tick,
            (None, None) => {
                let r = ctx.last_price.map_or(self.public_value, |p| p as f64);
                ctx.passive_price_f(side, r)
            }
        };
        ctx.passive_price(side, reference - side.sign() * offset_ticks * tick)
    }

    fn trade(&mut self, ctx: &mut AgentCtx) {
        let d = self.decide();
        let qty = ctx.size(d.qty);
        let id = ctx.new_order_id();
        if ctx.is_rfq() {
            // A client: a marketable order becomes a request without a limit; a resting intent,
            // a request limited to its passive price.
            let limit = (!d.marketable).then(|| self.passive_limit(d.side, d.offset_ticks, ctx));
            ctx.request_quotes(id, d.side, qty, limit);
            return;
        }
        let kind = if d.marketable {
            OrderKind::Market
        } else {
            let price = self.passive_limit(d.side, d.offset_ticks, ctx);
            self.open.push(Resting {
                id,
                side: d.side,
                price,
                qty,
            });
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
            side: d.side,
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
            if let Some(pos) = self.open.iter().position(|o| o.id == id) {
                self.open.remove(pos);
                ctx.send(Request::Cancel { id, trader: ctx.id });
            }
        }
    }

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        self.public_value += shift_ticks;
        let tick = ctx.tick_size;
        let steps =
            (super::context::within_price_limit(shift_ticks) / tick as f64).round() as Price;
        if steps == 0 {
            return;
        }
        for o in &mut self.open {
            let price = (o.price + steps * tick).clamp(tick, PRICE_LIMIT);
            if price == o.price {
                continue;
            }
            o.price = price;
            ctx.send(Request::Amend {
                id: o.id,
                trader: ctx.id,
                price,
                qty: o.qty,
            });
        }
    }

    fn on_report(&mut self, report: &Output, _ctx: &mut AgentCtx) {
        match *report {
            Output::Cancelled { id, .. } | Output::Rejected { id, .. } => {
                // Cancelled, refused, or an amend that lost the race with a fill
                // (`too_late`): it no longer rests (an amend on the grid is refused for no
                // other reason).
                self.open.retain(|o| o.id != id)
            }
            Output::Fill(f) => {
                if let Some(pos) = self
                    .open
                    .iter()
                    .position(|o| o.id == f.maker_order || o.id == f.taker_order)
                {
                    self.open[pos].qty -= f.qty;
                    if self.open[pos].qty <= 0 {
                        self.open.remove(pos);
                    }
                }
            }
            _ => {}
        }
    }
}
