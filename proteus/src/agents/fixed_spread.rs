//! Fixed-spread liquidity provider (Budish, Cramton and Shim 2015), `[agents.fixed_spread]`:
//! rests `size` lots on each side at `y ± δ`, where y is its estimate of the value (the initial
//! value plus every public news shift), rounded to the nearest tick, δ = `half_spread_ticks`,
//! each price put on the tick grid on its passive side.
//!
//! * On news it cancels both resting orders, then posts new ones around the new estimate (all
//!   cancels before any new order, so a new quote never meets its own stale one). The side the
//!   news makes stale (the ask after an up-move, the bid after a down-move) is cancelled
//!   first: that cancel is the first message of the batch, so it reaches the venue after one
//!   latency draw, as each sniper's single order does, and the race between them is
//!   symmetric (BCS's equal-speed firms). Its cancel then races the snipers' orders at the
//!   venue.
//! * When one of its current orders is filled in full it posts that side again at the current
//!   quote. A fill of an order it has already replaced (a sniped stale quote) changes nothing.
//!
//! It does not answer RFQs (under RFQ it has no book to rest in).

use super::{Agent, AgentCtx};
use crate::core::OrderId;
use crate::core::config_error::{ConfigError, field_path, require};
use crate::mechanisms::{NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedSpreadConfig {
    /// δ: each quote's distance from its value estimate, in ticks.
    pub half_spread_ticks: Price,
    /// Lots rested on each side.
    pub size: Qty,
}

impl FixedSpreadConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            (0..=1_000_000).contains(&self.half_spread_ticks),
            &p("half_spread_ticks"),
            self.half_spread_ticks,
            "must be in [0, 1000000]",
        )?;
        require(
            (1..=1_000_000).contains(&self.size),
            &p("size"),
            self.size,
            "must be in [1, 1000000]",
        )
    }
}

pub struct FixedSpreadProvider {
    cfg: FixedSpreadConfig,
    estimate: f64,
    /// The current (latest sent) order of each side: `[bid, ask]`, with its open quantity.
    live: [Option<(OrderId, Qty)>; 2],
}

impl FixedSpreadProvider {
    pub fn new(cfg: FixedSpreadConfig, initial_value: f64) -> Self {
        FixedSpreadProvider {
            cfg,
            estimate: initial_value,
            live: [None, None],
        }
    }

    /// Its target `(bid, ask)` in ticks, before the tick grid.
    pub fn quotes(&self) -> (Price, Price) {
        let c = super::context::within_price_limit(self.estimate).round() as Price;
        let d = self.cfg.half_spread_ticks;
        (c - d, c + d)
    }

    fn post(&mut self, side: Side, ctx: &mut AgentCtx) {
        let (bid, ask) = self.quotes();
        let (i, price) = match side {
            Side::Buy => (0, ctx.passive_price(side, bid)),
            Side::Sell => (1, ctx.passive_price(side, ask)),
        };
        let id = ctx.new_order_id();
        let qty = ctx.size(self.cfg.size);
        ctx.send(Request::New(NewOrder {
            id,
            trader: ctx.id,
            side,
            qty,
            kind: OrderKind::Limit {
                price,
                tif: TimeInForce::Gtc,
            },
        }));
        self.live[i] = Some((id, qty));
    }
}

impl Agent for FixedSpreadProvider {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.post(Side::Buy, ctx);
        self.post(Side::Sell, ctx);
    }

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        self.estimate += shift_ticks;
        // The stale side first (see the module docs), then the other; both cancels before any
        // new order: a new bid sent before the old ask is cancelled could cross it (and be
        // cancelled by self-trade prevention) after a jump larger than the spread.
        let order = if shift_ticks > 0.0 { [1, 0] } else { [0, 1] };
        for i in order {
            if let Some((id, _)) = self.live[i].take() {
                ctx.send(Request::Cancel { id, trader: ctx.id });
            }
        }
        self.post(Side::Buy, ctx);
        self.post(Side::Sell, ctx);
    }

    fn on_report(&mut self, report: &Output, ctx: &mut AgentCtx) {
        if let Output::Fill(f) = *report
            && f.maker == ctx.id
        {
            let side = f.taker_side.opposite();
            let i = usize::from(side == Side::Sell);
            if let Some((id, open)) = self.live[i]
                && id == f.maker_order
            {
                if open > f.qty {
                    self.live[i] = Some((id, open - f.qty));
                } else {
                    self.live[i] = None;
                    self.post(side, ctx);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Action;
    use crate::core::{AgentId, MechanismKind, Role, SimTime};

    fn with_ctx(f: impl FnOnce(&mut AgentCtx)) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut seq = 0;
        let mut ctx = AgentCtx {
            now: SimTime::ZERO,
            id: AgentId(0),
            role: Role::MarketMaker,
            quote: Default::default(),
            depth: Default::default(),
            last_price: None,
            last_volume: None,
            traded_volume: None,
            mechanism: MechanismKind::Clob,
            rfq_two_way: false,
            tick_size: 1,
            lot_size: 1,
            actions: &mut actions,
            next_order_seq: &mut seq,
        };
        f(&mut ctx);
        actions
    }

    #[test]
    fn quotes_round_the_estimate_and_cancel_before_reposting() {
        let cfg = FixedSpreadConfig {
            half_spread_ticks: 5,
            size: 1,
        };
        let mut p = FixedSpreadProvider::new(cfg, 100.4);
        assert_eq!(p.quotes(), (95, 105));
        let start = with_ctx(|ctx| p.on_start(ctx));
        assert_eq!(start.len(), 2);
        let ids: Vec<OrderId> = start
            .iter()
            .map(|a| match a {
                Action::Send(Request::New(o)) => o.id,
                _ => panic!("{a:?}"),
            })
            .collect();
        // A jump larger than the spread: both cancels go out before either new order, so the
        // new bid (at 107) never meets the old ask (105); the ask, which an up-move makes
        // stale, is cancelled first.
        let moved = with_ctx(|ctx| p.on_news(12.0, ctx));
        let kinds: Vec<String> = moved
            .iter()
            .map(|a| match a {
                Action::Send(Request::Cancel { id, .. }) => {
                    format!("cancel {}", if *id == ids[1] { "ask" } else { "bid" })
                }
                Action::Send(Request::New(_)) => "new".to_owned(),
                _ => "other".to_owned(),
            })
            .collect();
        assert_eq!(kinds, ["cancel ask", "cancel bid", "new", "new"]);
        assert_eq!(p.quotes(), (107, 117));
        // A down-move: the bid (the new one just posted) goes first.
        let Action::Send(Request::New(new_bid)) = moved[2] else {
            panic!("{:?}", moved[2]);
        };
        let moved = with_ctx(|ctx| p.on_news(-30.0, ctx));
        assert!(matches!(moved[0], Action::Send(Request::Cancel { id, .. }) if id == new_bid.id));
        assert_eq!(new_bid.side, Side::Buy);
    }
}
