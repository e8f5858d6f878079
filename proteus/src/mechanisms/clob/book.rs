//! The book itself: validation, matching, cancel and amend. The policies are documented on the
//! [module](super).

use super::arena::{Handle, NIL, OrderArena, OrderNode};
use super::ladder::Ladder;
use super::registry::{IdStatus, OrderRegistry};
use super::{ClobConfig, RestingOrder, SelfTradePrevention};
use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{
    CancelReason, Fill, Grid, NewOrder, OrderKind, Output, Price, Qty, RejectReason, Request, Side,
    TimeInForce,
};

/// The order book.
#[derive(Debug)]
pub struct Clob {
    config: ClobConfig,
    /// Tick and lot, from `config`: every size and price check.
    grid: Grid,
    arena: OrderArena,
    registry: OrderRegistry,
    bids: Ladder,
    asks: Ladder,
}

/// The order on the aggressive side of a match.
#[derive(Clone, Copy, Debug)]
struct Taker {
    id: OrderId,
    trader: AgentId,
    side: Side,
    /// `None` for a market order.
    limit: Option<Price>,
}

/// How matching an incoming order ended.
enum Taken {
    /// No more liquidity at acceptable prices; this much is left (possibly zero).
    Rest(Qty),
    /// Self-trade prevention cancelled the rest of the incoming order (already reported).
    SelfTradeCancelled,
}

/// Whether a resting order at `maker_price` is acceptable to a taker on `side` with `limit`.
fn crosses(side: Side, limit: Option<Price>, maker_price: Price) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(limit)) => maker_price <= limit,
        (Side::Sell, Some(limit)) => maker_price >= limit,
    }
}

impl Clob {
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn new(config: ClobConfig) -> Self {
        Clob::with_capacity(config, 0, 0)
    }

    /// A book with room for `resting` simultaneously resting orders and `ids` distinct order
    /// ids over its life before it allocates again.
    ///
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn with_capacity(config: ClobConfig, resting: usize, ids: usize) -> Self {
        let grid = config.grid();
        Clob {
            config,
            grid,
            arena: OrderArena::with_capacity(resting),
            registry: OrderRegistry::with_capacity(ids),
            bids: Ladder::new(Side::Buy),
            asks: Ladder::new(Side::Sell),
        }
    }

    pub fn config(&self) -> &ClobConfig {
        &self.config
    }

    /// Handles one request, appending what happened to `out` in order.
    pub fn handle(&mut self, request: Request, out: &mut Vec<Output>) {
        self.handle_one(request, out);
        // Folds the id pages that no longer hold a resting order (answers stay the same).
        self.registry.compact();
    }

    /// The id registry's pages that are not folded: bounded by the pages holding a resting
    /// order (plus each trader's last, partly used page), not by the ids ever seen. For tests
    /// of memory use.
    pub fn live_id_pages(&self) -> usize {
        self.registry.live_pages()
    }

    fn handle_one(&mut self, request: Request, out: &mut Vec<Output>) {
        match request {
            Request::New(order) => self.submit(order, out),
            Request::Cancel { id, trader } => self.cancel(id, trader, out),
            Request::Amend {
                id,
                trader,
                price,
                qty,
            } => self.amend(id, trader, price, qty, out),
            Request::QuoteRequest(_) | Request::DealerQuote(_) => out.push(Output::Rejected {
                id: request.order_id(),
                trader: request.trader(),
                reason: RejectReason::UnsupportedRequest,
            }),
        }
    }

    /// Best bid as (price, total open quantity at that price).
    pub fn best_bid(&self) -> Option<(Price, Qty)> {
        self.bids.best().map(|l| (l.price, l.qty))
    }

    pub fn best_ask(&self) -> Option<(Price, Qty)> {
        self.asks.best().map(|l| (l.price, l.qty))
    }

    /// All resting orders of one side, best price first, then queue (time) order.
    pub fn orders(&self, side: Side) -> Vec<RestingOrder> {
        let mut orders = Vec::new();
        for level in self.ladder(side).levels() {
            orders.extend(level.iter(&self.arena).map(resting));
        }
        orders
    }

    /// The resting order `id`, if it is open.
    pub fn order(&self, id: OrderId) -> Option<RestingOrder> {
        match self.registry.status(id) {
            IdStatus::Open { handle, .. } => Some(resting(self.arena.get(handle))),
            _ => None,
        }
    }

    /// Up to `levels` price levels of one side as (price, total open quantity), best first.
    pub fn depth(&self, side: Side, levels: usize) -> Vec<(Price, Qty)> {
        self.ladder(side)
            .levels()
            .take(levels)
            .map(|l| (l.price, l.qty))
            .collect()
    }

    /// The price levels of one side as (price, total open quantity), best first, without
    /// allocating (what the public depth feed reads after every request).
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (Price, Qty)> + '_ {
        self.ladder(side).levels().map(|l| (l.price, l.qty))
    }

    /// Number of resting orders on both sides.
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    pub fn is_empty(&self) -> bool {
        self.arena.len() == 0
    }

    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    /// One side together with the arena its levels link through.
    fn ladder_mut(&mut self, side: Side) -> (&mut Ladder, &mut OrderArena) {
        match side {
            Side::Buy => (&mut self.bids, &mut self.arena),
            Side::Sell => (&mut self.asks, &mut self.arena),
        }
    }

    /// Whether an order on `side` at `limit` would trade with the opposite best on arrival.
    fn would_cross(&self, side: Side, limit: Price) -> bool {
        self.ladder(side.opposite())
            .best()
            .is_some_and(|l| crosses(side, Some(limit), l.price))
    }

    /// Whether `qty` of an incoming order would fill completely right now, taking self-trade
    /// prevention into account.
    fn can_fill(&self, taker: Taker, qty: Qty) -> bool {
        let policy = self.config.self_trade;
        let mut available: Qty = 0;
        for level in self.ladder(taker.side.opposite()).levels() {
            if !crosses(taker.side, taker.limit, level.price) {
                break;
            }
            if policy == SelfTradePrevention::Allow {
                available += level.qty;
            } else {
                for maker in level.iter(&self.arena) {
                    if maker.trader == taker.trader {
                        match policy {
                            SelfTradePrevention::CancelResting => continue,
                            _ => return false,
                        }
                    }
                    available += maker.qty;
                    if available >= qty {
                        return true;
                    }
                }
            }
            if available >= qty {
                return true;
            }
        }
        false
    }

    fn validate_new(&mut self, o: &NewOrder) -> Result<(), RejectReason> {
        if !self.registry.claim(o.id, o.trader) {
            return Err(RejectReason::DuplicateOrderId);
        }
        self.grid.check_qty(o.qty)?;
        if let OrderKind::Limit { price, tif } = o.kind {
            self.grid.check_price(price)?;
            let taker = Taker {
                id: o.id,
                trader: o.trader,
                side: o.side,
                limit: Some(price),
            };
            match tif {
                TimeInForce::PostOnly if self.would_cross(o.side, price) => {
                    return Err(RejectReason::PostOnlyWouldCross);
                }
                TimeInForce::Fok if !self.can_fill(taker, o.qty) => {
                    return Err(RejectReason::FokCannotFill);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn submit(&mut self, o: NewOrder, out: &mut Vec<Output>) {
        if let Err(reason) = self.validate_new(&o) {
            out.push(Output::Rejected {
                id: o.id,
                trader: o.trader,
                reason,
            });
            return;
        }
        out.push(Output::Accepted {
            id: o.id,
            trader: o.trader,
        });
        let (limit, rests) = match o.kind {
            OrderKind::Market => (None, false),
            OrderKind::Limit { price, tif } => (
                Some(price),
                matches!(tif, TimeInForce::Gtc | TimeInForce::PostOnly),
            ),
        };
        let taker = Taker {
            id: o.id,
            trader: o.trader,
            side: o.side,
            limit,
        };
        let rest = match self.take(taker, o.qty, out) {
            Taken::Rest(rest) => rest,
            Taken::SelfTradeCancelled => return,
        };
        if rest == 0 {
            return;
        }
        if let (true, Some(price)) = (rests, limit) {
            let node = OrderNode {
                id: o.id,
                trader: o.trader,
                side: o.side,
                post_only: matches!(
                    o.kind,
                    OrderKind::Limit {
                        tif: TimeInForce::PostOnly,
                        ..
                    }
                ),
                price,
                qty: rest,
                prev: NIL,
                next: NIL,
            };
            let h = self.arena.insert(node);
            self.rest(h, out);
        } else {
            out.push(Output::Cancelled {
                id: o.id,
                trader: o.trader,
                qty: rest,
                reason: CancelReason::Expired,
            });
        }
    }

    /// Puts the stored order `h` at the back of its price level and reports it `Rested`.
    fn rest(&mut self, h: Handle, out: &mut Vec<Output>) {
        let node = *self.arena.get(h);
        self.registry.open(node.id, h);
        let (ladder, arena) = self.ladder_mut(node.side);
        ladder.push(arena, h);
        out.push(Output::Rested {
            id: node.id,
            trader: node.trader,
            side: node.side,
            price: node.price,
            qty: node.qty,
        });
    }

    /// Matches `qty` of `taker` against the opposite side, reporting fills and self-trade
    /// cancellations.
    fn take(&mut self, taker: Taker, mut qty: Qty, out: &mut Vec<Output>) -> Taken {
        let Clob {
            config,
            arena,
            registry,
            bids,
            asks,
            ..
        } = self;
        let makers = match taker.side {
            Side::Buy => asks,
            Side::Sell => bids,
        };
        let cancel_taker = |qty: Qty, out: &mut Vec<Output>| {
            out.push(Output::Cancelled {
                id: taker.id,
                trader: taker.trader,
                qty,
                reason: CancelReason::SelfTrade,
            });
            Taken::SelfTradeCancelled
        };
        while qty > 0 {
            let Some(level) = makers.best_mut() else {
                break;
            };
            if !crosses(taker.side, taker.limit, level.price) {
                break;
            }
            let price = level.price;
            let maker = *arena.get(level.head);
            if maker.trader == taker.trader {
                let cancel_maker =
                    |makers: &mut Ladder, arena: &mut OrderArena, out: &mut Vec<Output>| {
                        makers.pop_oldest_best(arena);
                        out.push(Output::Cancelled {
                            id: maker.id,
                            trader: maker.trader,
                            qty: maker.qty,
                            reason: CancelReason::SelfTrade,
                        });
                    };
                match config.self_trade {
                    SelfTradePrevention::Allow => {}
                    SelfTradePrevention::CancelTaking => return cancel_taker(qty, out),
                    SelfTradePrevention::CancelResting => {
                        cancel_maker(makers, arena, out);
                        registry.close(maker.id);
                        continue;
                    }
                    SelfTradePrevention::CancelBoth => {
                        cancel_maker(makers, arena, out);
                        registry.close(maker.id);
                        return cancel_taker(qty, out);
                    }
                }
            }
            let traded = qty.min(maker.qty);
            out.push(Output::Fill(Fill {
                taker_order: taker.id,
                maker_order: maker.id,
                taker: taker.trader,
                maker: maker.trader,
                taker_side: taker.side,
                price,
                qty: traded,
            }));
            qty -= traded;
            if traded == maker.qty {
                makers.pop_oldest_best(arena);
                registry.close(maker.id);
            } else {
                makers.reduce_oldest_best(arena, traded);
            }
        }
        Taken::Rest(qty)
    }

    /// The arena handle of `id` if `trader` may cancel or amend it.
    fn open_order(&self, id: OrderId, trader: AgentId) -> Result<Handle, RejectReason> {
        match self.registry.status(id) {
            IdStatus::Unknown => Err(RejectReason::UnknownOrder),
            IdStatus::Closed { owner } | IdStatus::Open { owner, .. } if owner != trader => {
                Err(RejectReason::NotOwner)
            }
            IdStatus::Closed { .. } => Err(RejectReason::TooLate),
            IdStatus::Open { handle, .. } => Ok(handle),
        }
    }

    fn cancel(&mut self, id: OrderId, trader: AgentId, out: &mut Vec<Output>) {
        let h = match self.open_order(id, trader) {
            Ok(h) => h,
            Err(reason) => {
                out.push(Output::Rejected { id, trader, reason });
                return;
            }
        };
        let side = self.arena.get(h).side;
        let (ladder, arena) = self.ladder_mut(side);
        ladder.unlink(arena, h);
        let node = self.arena.remove(h);
        self.registry.close(id);
        out.push(Output::Accepted { id, trader });
        out.push(Output::Cancelled {
            id,
            trader,
            qty: node.qty,
            reason: CancelReason::Requested,
        });
    }

    fn amend(
        &mut self,
        id: OrderId,
        trader: AgentId,
        price: Price,
        qty: Qty,
        out: &mut Vec<Output>,
    ) {
        let checked = self
            .open_order(id, trader)
            .and_then(|h| self.grid.check_qty(qty).map(|()| h))
            .and_then(|h| self.grid.check_price(price).map(|()| h));
        let h = match checked {
            Ok(h) => h,
            Err(reason) => {
                out.push(Output::Rejected { id, trader, reason });
                return;
            }
        };
        let node = *self.arena.get(h);
        if price == node.price && qty <= node.qty {
            if qty < node.qty {
                let (ladder, arena) = self.ladder_mut(node.side);
                ladder.reduce(arena, h, node.qty - qty);
            }
            out.push(Output::Accepted { id, trader });
            out.push(Output::Amended {
                id,
                trader,
                price,
                qty,
                kept_priority: true,
            });
            return;
        }
        let crossing = self.would_cross(node.side, price);
        if crossing && node.post_only {
            out.push(Output::Rejected {
                id,
                trader,
                reason: RejectReason::PostOnlyWouldCross,
            });
            return;
        }
        out.push(Output::Accepted { id, trader });
        out.push(Output::Amended {
            id,
            trader,
            price,
            qty,
            kept_priority: false,
        });
        let (ladder, arena) = self.ladder_mut(node.side);
        ladder.unlink(arena, h);
        {
            let stored = self.arena.get_mut(h);
            stored.price = price;
            stored.qty = qty;
        }
        if !crossing {
            let (ladder, arena) = self.ladder_mut(node.side);
            ladder.push(arena, h);
            return;
        }
        self.registry.close(id);
        let taker = Taker {
            id,
            trader,
            side: node.side,
            limit: Some(price),
        };
        match self.take(taker, qty, out) {
            Taken::Rest(rest) if rest > 0 => {
                self.arena.get_mut(h).qty = rest;
                self.rest(h, out);
            }
            _ => {
                self.arena.remove(h);
            }
        }
    }
}

fn resting(node: &OrderNode) -> RestingOrder {
    RestingOrder {
        id: node.id,
        trader: node.trader,
        side: node.side,
        price: node.price,
        qty: node.qty,
    }
}
