//! Latency arbitrageur: on public news it races to take quotes that the news made stale — the
//! continuous-market sniping that frequent batch auctions are designed to remove.
//!
//! Its value estimate is public information only: the initial value plus every public news
//! shift it has received. When the quote it sees is further than `threshold_ticks` on the wrong
//! side of that estimate it sends an IOC order at the stale price; whether it wins is decided by
//! its latency against the market maker's cancel or amend. Where the book is sealed (a batch
//! auction) it compares with the last clearing price instead and bids up to its estimate less
//! the threshold: if the market maker's update reaches the same batch, the stale price is gone.
//!
//! Under RFQ there are no resting quotes to snipe. It acts as a fast client: on news it
//! compares its estimate with the last RFQ print it sees (as in the sealed-book case) and
//! requests quotes for `max_size` with limit its estimate ∓ the threshold. It profits only
//! from dealers who quote before the news reaches them: the RFQ form of the latency race.

use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require, require_non_negative};
use crate::mechanisms::{NewOrder, OrderKind, Qty, Request, Side, TimeInForce};
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
        require_non_negative(&p("threshold_ticks"), self.threshold_ticks)?;
        require(
            (1..=1_000_000).contains(&self.max_size),
            &p("max_size"),
            self.max_size,
            "must be in [1, 1000000]",
        )
    }
}

pub struct LatencyArbitrageur {
    cfg: ArbitrageurConfig,
    estimate: f64,
}

impl LatencyArbitrageur {
    pub fn new(cfg: ArbitrageurConfig, initial_value: f64) -> Self {
        LatencyArbitrageur {
            cfg,
            estimate: initial_value,
        }
    }
}

impl Agent for LatencyArbitrageur {
    fn on_start(&mut self, _ctx: &mut AgentCtx) {}

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        self.estimate += shift_ticks;
        let thr = self.cfg.threshold_ticks;
        let order = match (ctx.quote.ask, ctx.quote.bid) {
            (Some((ask, q)), _) if self.estimate - ask as f64 > thr => Some((Side::Buy, ask, q)),
            (_, Some((bid, q))) if bid as f64 - self.estimate > thr => Some((Side::Sell, bid, q)),
            // A sealed book (batch auction): the quotes are hidden, so measure the news against
            // the last clearing price (or, before any, the estimate before the news) and bid up
            // to the new estimate less the threshold.
            (None, None) => {
                let reference = ctx
                    .last_price
                    .map_or(self.estimate - shift_ticks, |p| p as f64);
                if self.estimate - reference > thr {
                    Some((
                        Side::Buy,
                        (self.estimate - thr).floor() as i64,
                        self.cfg.max_size,
                    ))
                } else if reference - self.estimate > thr {
                    Some((
                        Side::Sell,
                        (self.estimate + thr).ceil() as i64,
                        self.cfg.max_size,
                    ))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((side, price, available)) = order {
            let id = ctx.new_order_id();
            if ctx.is_rfq() {
                let qty = available.clamp(1, self.cfg.max_size);
                ctx.request_quotes(id, side, qty, Some(price));
                return;
            }
            ctx.send(Request::New(NewOrder {
                id,
                trader: ctx.id,
                side,
                qty: available.clamp(1, self.cfg.max_size),
                kind: OrderKind::Limit {
                    price,
                    tif: TimeInForce::Ioc,
                },
            }));
        }
    }
}
