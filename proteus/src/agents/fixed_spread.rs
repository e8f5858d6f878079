//! Fixed-spread liquidity provider (Budish, Cramton and Shim 2015): rests one lot on each side
//! at `y ± δ`, where y is its estimate of the value (the initial value plus every public news
//! shift), rounded to the tick, and δ is a fixed half-spread in ticks.
//!
//! * On news it cancels both resting orders, then posts new ones around the new estimate (all
//!   cancels before any new order, so a new quote never meets its own stale one): its cancel
//!   then races the snipers' orders at the venue.
//! * When one of its current orders is filled it posts that side again at the current quote.
//!   A fill of an order it has already replaced (a sniped stale quote) changes nothing.

use super::{Agent, AgentCtx};
use crate::core::OrderId;
use crate::mechanisms::{NewOrder, OrderKind, Output, Price, Request, Side, TimeInForce};

pub struct FixedSpreadProvider {
    half_spread_ticks: Price,
    estimate: f64,
    /// The current (latest sent) order of each side: `[bid, ask]`.
    live: [Option<OrderId>; 2],
}

impl FixedSpreadProvider {
    pub fn new(half_spread_ticks: Price, initial_value: f64) -> Self {
        FixedSpreadProvider {
            half_spread_ticks,
            estimate: initial_value,
            live: [None, None],
        }
    }

    /// Its target `(bid, ask)` in ticks.
    pub fn quotes(&self) -> (Price, Price) {
        let c = self.estimate.round() as Price;
        (c - self.half_spread_ticks, c + self.half_spread_ticks)
    }

    fn post(&mut self, side: Side, ctx: &mut AgentCtx) {
        let (bid, ask) = self.quotes();
        let (i, price) = match side {
            Side::Buy => (0, bid),
            Side::Sell => (1, ask),
        };
        let id = ctx.new_order_id();
        ctx.send(Request::New(NewOrder {
            id,
            trader: ctx.id,
            side,
            qty: 1,
            kind: OrderKind::Limit {
                price,
                tif: TimeInForce::Gtc,
            },
        }));
        self.live[i] = Some(id);
    }
}

impl Agent for FixedSpreadProvider {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.post(Side::Buy, ctx);
        self.post(Side::Sell, ctx);
    }

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        self.estimate += shift_ticks;
        // Both cancels first: a new bid sent before the old ask is cancelled could cross it
        // (and be cancelled by self-trade prevention) after a jump larger than the spread.
        for live in &mut self.live {
            if let Some(id) = live.take() {
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
            if self.live[i] == Some(f.maker_order) {
                self.live[i] = None;
                self.post(side, ctx);
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
        let mut p = FixedSpreadProvider::new(5, 100.4);
        assert_eq!(p.quotes(), (95, 105));
        let start = with_ctx(|ctx| p.on_start(ctx));
        assert_eq!(start.len(), 2);
        // A jump larger than the spread: both cancels go out before either new order, so the
        // new bid (at 107) never meets the old ask (105).
        let moved = with_ctx(|ctx| p.on_news(12.0, ctx));
        let kinds: Vec<&str> = moved
            .iter()
            .map(|a| match a {
                Action::Send(Request::Cancel { .. }) => "cancel",
                Action::Send(Request::New(_)) => "new",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["cancel", "cancel", "new", "new"]);
        assert_eq!(p.quotes(), (107, 117));
    }
}
