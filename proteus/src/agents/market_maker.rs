//! Market maker: two-sided quotes around an inventory-skewed reservation price.
//!
//! * Belief: starts at the public initial value; moves by each public news shift, and by
//!   `adverse_selection_coef` ticks per lot of flow that hits it (a buyer lifting its ask is
//!   evidence the value is higher), the Glosten–Milgrom intuition in one line.
//! * Reservation price (Avellaneda–Stoikov): `r = belief − q·γ·σ²·horizon`, q its inventory.
//! * Half-spread: `base + volatility_spread_coef·σ + adverse_selection_spread·A`, where A is an
//!   exponentially weighted mean of the absolute belief moves caused by its fills; clamped to
//!   `[min_half_spread_ticks, max_half_spread_ticks]`. Quotes: bid `⌊r − h⌋`, ask `⌈r + h⌉`.
//! * Inventory limit: at `|q| ≥ inventory_limit` it stops quoting the side that adds to it.
//! * It re-quotes on a timer, on its own fills and on public news, by amending its resting
//!   orders (a price change loses queue priority) or sending new ones; so latency matters to it.
//!
//! # As an RFQ dealer
//!
//! Under RFQ it rests nothing and sets no timer; it answers each request it is asked on
//! ([`RfqNotice::Requested`]) at once with one firm quote for the request's size around the
//! same reservation price and half-spread:
//!
//! * side shown (a one-way request whose side the leakage policy lets it see): it quotes only
//!   that side and **shades** against the client, reading the request as order flow:
//!   centre `r + D·adverse_selection_coef·qty` (D = +1 for a client buying), ask
//!   `⌈centre + h⌉`, bid `⌊centre − h⌋`;
//! * side hidden (two-way requests, or `rfq_side` hidden): both sides around `r`, unshaded;
//! * size hidden (`rfq_size`): no quote (a firm quote needs the size);
//! * a side that would take its inventory beyond `inventory_limit` is left out; with no side
//!   left it does not answer.
//!
//! It learns from what leaks: its own RFQ fills move belief and inventory as order-book fills
//! do, and a request it lost ([`RfqNotice::TradedAway`], field `rfq_trade_happened`) whose side
//! it can see moves its belief by `D·adverse_selection_coef·qty`, the same one-line
//! Glosten–Milgrom update as flow that hits it. So revealing the side and the trade costs the
//! client through the dealers' quotes.

use super::{Agent, AgentCtx, Quote, RfqNotice};
use crate::core::config_error::{ConfigError, field_path, require, require_non_negative};
use crate::core::{Duration, OrderId};
use crate::mechanisms::{
    DealerQuote, NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketMakerConfig {
    pub quote_size: Qty,
    pub half_spread_ticks: f64,
    pub min_half_spread_ticks: f64,
    pub max_half_spread_ticks: f64,
    /// γ of the reservation price.
    pub risk_aversion: f64,
    /// σ, the volatility it assumes, in ticks per √s.
    pub sigma_ticks_per_sqrt_s: f64,
    /// The horizon T − t of the reservation price, in seconds (held constant).
    pub horizon_s: f64,
    #[serde(default)]
    pub volatility_spread_coef: f64,
    #[serde(default)]
    pub adverse_selection_coef: f64,
    #[serde(default)]
    pub adverse_selection_spread: f64,
    pub inventory_limit: Qty,
    pub requote_interval_ns: u64,
}

impl MarketMakerConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            (1..=1_000_000).contains(&self.quote_size),
            &p("quote_size"),
            self.quote_size,
            "must be in [1, 1000000]",
        )?;
        for (name, v) in [
            ("half_spread_ticks", self.half_spread_ticks),
            ("min_half_spread_ticks", self.min_half_spread_ticks),
            ("risk_aversion", self.risk_aversion),
            ("sigma_ticks_per_sqrt_s", self.sigma_ticks_per_sqrt_s),
            ("horizon_s", self.horizon_s),
            ("volatility_spread_coef", self.volatility_spread_coef),
            ("adverse_selection_coef", self.adverse_selection_coef),
            ("adverse_selection_spread", self.adverse_selection_spread),
        ] {
            require_non_negative(&p(name), v)?;
        }
        require(
            self.max_half_spread_ticks.is_finite()
                && self.max_half_spread_ticks >= self.min_half_spread_ticks
                && self.max_half_spread_ticks > 0.0,
            &p("max_half_spread_ticks"),
            self.max_half_spread_ticks,
            "must be finite, > 0 and >= min_half_spread_ticks",
        )?;
        require(
            self.inventory_limit >= self.quote_size,
            &p("inventory_limit"),
            self.inventory_limit,
            "must be >= quote_size",
        )?;
        require(
            self.requote_interval_ns >= 1,
            &p("requote_interval_ns"),
            self.requote_interval_ns,
            "must be >= 1",
        )
    }
}

/// Our view of one side's resting quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LiveQuote {
    id: OrderId,
    price: Price,
    qty: Qty,
}

const TIMER: u64 = 0;
/// Weight of the newest observation in the adverse-selection average.
const EWMA_WEIGHT: f64 = 0.1;

pub struct MarketMaker {
    cfg: MarketMakerConfig,
    belief: f64,
    inventory: Qty,
    adverse_move: f64,
    bid: Option<LiveQuote>,
    ask: Option<LiveQuote>,
}

impl MarketMaker {
    pub fn new(cfg: MarketMakerConfig, initial_value: f64) -> Self {
        MarketMaker {
            cfg,
            belief: initial_value,
            inventory: 0,
            adverse_move: 0.0,
            bid: None,
            ask: None,
        }
    }

    pub fn belief(&self) -> f64 {
        self.belief
    }

    pub fn inventory(&self) -> Qty {
        self.inventory
    }

    /// Reservation price `belief − q·γ·σ²·horizon`.
    pub fn reservation_price(&self) -> f64 {
        let c = &self.cfg;
        self.belief
            - self.inventory as f64
                * c.risk_aversion
                * c.sigma_ticks_per_sqrt_s.powi(2)
                * c.horizon_s
    }

    pub fn half_spread(&self) -> f64 {
        let c = &self.cfg;
        (c.half_spread_ticks
            + c.volatility_spread_coef * c.sigma_ticks_per_sqrt_s
            + c.adverse_selection_spread * self.adverse_move)
            .clamp(c.min_half_spread_ticks, c.max_half_spread_ticks)
    }

    /// The quotes it wants now; a side is `None` when it is switched off.
    pub fn target_quotes(&self) -> Quote {
        let r = self.reservation_price();
        let h = self.half_spread();
        let bid_px = (r - h).floor() as Price;
        let ask_px = ((r + h).ceil() as Price).max(bid_px + 1);
        let size = self.cfg.quote_size;
        let limit = self.cfg.inventory_limit;
        let bid = (self.inventory + size <= limit && bid_px > 0).then_some((bid_px, size));
        let ask = (self.inventory - size >= -limit && ask_px > 0).then_some((ask_px, size));
        Quote { bid, ask }
    }

    /// The quote it gives on an RFQ for `qty` lots, `side` the client's side if it knows it:
    /// `(bid, ask)`, `None` where it leaves the side out. See the module docs.
    pub fn rfq_quote(&self, side: Option<Side>, qty: Qty) -> (Option<Price>, Option<Price>) {
        let shade = side.map_or(0.0, |s| {
            s.sign() as f64 * self.cfg.adverse_selection_coef * qty as f64
        });
        let centre = self.reservation_price() + shade;
        let h = self.half_spread();
        let bid_px = (centre - h).floor() as Price;
        let ask_px = ((centre + h).ceil() as Price).max(bid_px + 1);
        let limit = self.cfg.inventory_limit;
        let bid = (self.inventory + qty <= limit && bid_px > 0).then_some(bid_px);
        let ask = (self.inventory - qty >= -limit && ask_px > 0).then_some(ask_px);
        match side {
            Some(Side::Buy) => (None, ask),
            Some(Side::Sell) => (bid, None),
            None => (bid, ask),
        }
    }

    fn requote(&mut self, ctx: &mut AgentCtx) {
        let target = self.target_quotes();
        self.bid = Self::requote_side(self.bid, target.bid, Side::Buy, ctx);
        self.ask = Self::requote_side(self.ask, target.ask, Side::Sell, ctx);
    }

    fn requote_side(
        live: Option<LiveQuote>,
        target: Option<(Price, Qty)>,
        side: Side,
        ctx: &mut AgentCtx,
    ) -> Option<LiveQuote> {
        let trader = ctx.id;
        match (live, target) {
            (None, None) => None,
            (Some(q), None) => {
                ctx.send(Request::Cancel { id: q.id, trader });
                None
            }
            (None, Some((price, qty))) => {
                let id = ctx.new_order_id();
                let kind = OrderKind::Limit {
                    price,
                    tif: TimeInForce::Gtc,
                };
                ctx.send(Request::New(NewOrder {
                    id,
                    trader,
                    side,
                    qty,
                    kind,
                }));
                Some(LiveQuote { id, price, qty })
            }
            (Some(q), Some((price, qty))) if q.price == price && q.qty == qty => Some(q),
            (Some(q), Some((price, qty))) => {
                ctx.send(Request::Amend {
                    id: q.id,
                    trader,
                    price,
                    qty,
                });
                Some(LiveQuote {
                    id: q.id,
                    price,
                    qty,
                })
            }
        }
    }

    fn forget(&mut self, id: OrderId) {
        if self.bid.is_some_and(|q| q.id == id) {
            self.bid = None;
        }
        if self.ask.is_some_and(|q| q.id == id) {
            self.ask = None;
        }
    }
}

impl Agent for MarketMaker {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        if ctx.is_rfq() {
            return;
        }
        self.requote(ctx);
        ctx.wake_after(Duration(self.cfg.requote_interval_ns), TIMER);
    }

    fn on_wake(&mut self, _token: u64, ctx: &mut AgentCtx) {
        self.requote(ctx);
        ctx.wake_after(Duration(self.cfg.requote_interval_ns), TIMER);
    }

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        self.belief += shift_ticks;
        if !ctx.is_rfq() {
            self.requote(ctx);
        }
    }

    fn on_rfq_notice(&mut self, notice: &RfqNotice, ctx: &mut AgentCtx) {
        match *notice {
            RfqNotice::Requested {
                request, side, qty, ..
            } => {
                let Some(qty) = qty else { return };
                let (bid, ask) = self.rfq_quote(side, qty);
                if bid.is_none() && ask.is_none() {
                    return;
                }
                let id = ctx.new_order_id();
                ctx.send(Request::DealerQuote(DealerQuote {
                    id,
                    trader: ctx.id,
                    request,
                    bid,
                    ask,
                    qty,
                }));
            }
            RfqNotice::TradedAway {
                side: Some(side),
                qty: Some(qty),
                ..
            } => {
                self.belief += side.sign() as f64 * self.cfg.adverse_selection_coef * qty as f64;
            }
            RfqNotice::TradedAway { .. } => {}
        }
    }

    fn on_report(&mut self, report: &Output, ctx: &mut AgentCtx) {
        match *report {
            Output::Fill(f) => {
                let mine = if f.maker == ctx.id {
                    f.maker_order
                } else {
                    f.taker_order
                };
                let my_side = if f.maker == ctx.id {
                    f.taker_side.opposite()
                } else {
                    f.taker_side
                };
                self.inventory += my_side.sign() * f.qty;
                if f.maker == ctx.id {
                    let moved = self.cfg.adverse_selection_coef * f.qty as f64;
                    self.belief += f.taker_side.sign() as f64 * moved;
                    self.adverse_move += EWMA_WEIGHT * (moved - self.adverse_move);
                }
                if ctx.is_rfq() {
                    return;
                }
                for q in [&mut self.bid, &mut self.ask] {
                    if let Some(live) = q.as_mut().filter(|l| l.id == mine) {
                        live.qty -= f.qty;
                        if live.qty <= 0 {
                            *q = None;
                        }
                    }
                }
                self.requote(ctx);
            }
            Output::Cancelled { id, .. } | Output::Rejected { id, .. } => self.forget(id),
            Output::Rested { id, qty, .. } => {
                for live in [&mut self.bid, &mut self.ask].into_iter().flatten() {
                    if live.id == id {
                        live.qty = qty;
                    }
                }
            }
            _ => {}
        }
    }
}
