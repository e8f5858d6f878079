//! The batch auction itself: the sealed book between clearings, validation, cancel and amend,
//! and the clearing at each batch end. The policies are documented on the [module](super).

use super::clearing_price::{self, ClearingPrice};
use super::pairing::{self, Allocation};
use super::rationing::{self, Claim};
use super::{BatchOrder, BatchOutcome, FbaConfig};
use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{
    CancelReason, Grid, NewOrder, OrderKind, Output, Price, Qty, RejectReason, Request, Side,
    TimeInForce,
};
use std::collections::{BTreeMap, BTreeSet};

/// A frequent batch auction: a sealed book that clears at one uniform price at each batch end.
#[derive(Debug)]
pub struct BatchAuction {
    config: FbaConfig,
    /// Tick and lot, from `config`: every size and price check.
    grid: Grid,
    /// The owner of every id seen as a new order, resting or not.
    owners: BTreeMap<OrderId, AgentId>,
    /// The open orders.
    open: BTreeMap<OrderId, Sealed>,
    next_stamp: u64,
    last_price: Option<Price>,
    /// Best bid and best ask that remained right after the last clearing (post-only check).
    after_last: (Option<Price>, Option<Price>),
    batches: u64,
}

/// An open order with its time-priority stamp.
#[derive(Clone, Copy, Debug)]
struct Sealed {
    order: BatchOrder,
    stamp: u64,
}

impl Sealed {
    fn limit(&self) -> Option<Price> {
        match self.order.kind {
            OrderKind::Limit { price, .. } => Some(price),
            OrderKind::Market => None,
        }
    }

    /// Whether the unfilled rest leaves the book at the batch end.
    fn expires(&self) -> bool {
        !matches!(
            self.order.kind,
            OrderKind::Limit {
                tif: TimeInForce::Gtc | TimeInForce::PostOnly,
                ..
            }
        )
    }

    fn is_fok(&self) -> bool {
        matches!(
            self.order.kind,
            OrderKind::Limit {
                tif: TimeInForce::Fok,
                ..
            }
        )
    }

    /// Sort key of priority within a side: market orders, then better limits, then earlier.
    fn priority(&self) -> (bool, Price, u64) {
        match self.limit() {
            None => (false, 0, self.stamp),
            Some(p) => (true, -p * self.order.side.sign(), self.stamp),
        }
    }

    /// Whether the order takes part at `price`.
    fn eligible_at(&self, price: Price) -> bool {
        match (self.order.side, self.limit()) {
            (_, None) => true,
            (Side::Buy, Some(l)) => l >= price,
            (Side::Sell, Some(l)) => l <= price,
        }
    }
}

impl BatchAuction {
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn new(config: FbaConfig) -> Self {
        let grid = config.grid();
        BatchAuction {
            config,
            grid,
            owners: BTreeMap::new(),
            open: BTreeMap::new(),
            next_stamp: 0,
            last_price: None,
            after_last: (None, None),
            batches: 0,
        }
    }

    pub fn config(&self) -> &FbaConfig {
        &self.config
    }

    /// Handles one request arriving during a batch, appending what happened to `out` in order.
    /// Nothing trades here; see [`BatchAuction::clear`].
    pub fn handle(&mut self, request: Request, out: &mut Vec<Output>) {
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

    /// Ends the batch: clears every open order at one uniform price, appends the fills and the
    /// expiries to `out`, and reports the batch.
    pub fn clear(&mut self, out: &mut Vec<Output>) -> BatchOutcome {
        let buys = self.sorted(Side::Buy);
        let sells = self.sorted(Side::Sell);
        let buy_interest = buys.iter().map(|o| o.order.qty).sum();
        let sell_interest = sells.iter().map(|o| o.order.qty).sum();
        let mut knocked_out: BTreeSet<OrderId> = BTreeSet::new();
        let (cleared, buy_alloc, sell_alloc) = loop {
            let take_part = |o: &&Sealed| !knocked_out.contains(&o.order.id);
            let pb: Vec<Sealed> = buys.iter().filter(take_part).copied().collect();
            let ps: Vec<Sealed> = sells.iter().filter(take_part).copied().collect();
            let interest = |o: &Sealed| (o.limit(), o.order.qty);
            let cleared = clearing_price::find(
                pb.iter().map(interest),
                ps.iter().map(interest),
                self.config.tick_size,
                self.last_price,
            );
            let buy_alloc = self.allocate(&pb, cleared);
            let sell_alloc = self.allocate(&ps, cleared);
            let short_foks: Vec<OrderId> = buy_alloc
                .iter()
                .chain(&sell_alloc)
                .filter(|(o, q)| o.is_fok() && *q < o.order.qty)
                .map(|(o, _)| o.order.id)
                .collect();
            if short_foks.is_empty() {
                break (cleared, buy_alloc, sell_alloc);
            }
            knocked_out.extend(short_foks);
        };
        if let Some(c) = cleared {
            let allocation = |(o, qty): &(Sealed, Qty)| Allocation {
                id: o.order.id,
                trader: o.order.trader,
                side: o.order.side,
                stamp: o.stamp,
                qty: *qty,
            };
            let b: Vec<Allocation> = buy_alloc.iter().map(allocation).collect();
            let s: Vec<Allocation> = sell_alloc.iter().map(allocation).collect();
            pairing::pair(&b, &s, c.price, out);
            for (o, qty) in buy_alloc.iter().chain(&sell_alloc) {
                let entry = self.open.get_mut(&o.order.id).expect("an open order");
                entry.order.qty -= qty;
                if entry.order.qty == 0 {
                    self.open.remove(&o.order.id);
                }
            }
            self.last_price = Some(c.price);
        }
        let mut expiring: Vec<Sealed> = self
            .open
            .values()
            .filter(|o| o.expires())
            .copied()
            .collect();
        expiring.sort_by_key(|o| o.stamp);
        for o in expiring {
            self.open.remove(&o.order.id);
            out.push(Output::Cancelled {
                id: o.order.id,
                trader: o.order.trader,
                qty: o.order.qty,
                reason: CancelReason::Expired,
            });
        }
        self.after_last = (
            self.best_bid().map(|(p, _)| p),
            self.best_ask().map(|(p, _)| p),
        );
        let batch = self.batches;
        self.batches += 1;
        BatchOutcome {
            batch,
            clearing_price: cleared.map(|c| c.price),
            volume: cleared.map_or(0, |c| c.volume),
            imbalance: cleared.map_or(0, |c| c.imbalance),
            buy_interest,
            sell_interest,
        }
    }

    /// Best resting limit bid as (price, total open quantity at that price). Market orders,
    /// which have no price, are not counted (they never outlive a batch).
    pub fn best_bid(&self) -> Option<(Price, Qty)> {
        self.best(Side::Buy)
    }

    /// Best resting limit ask; see [`BatchAuction::best_bid`].
    pub fn best_ask(&self) -> Option<(Price, Qty)> {
        self.best(Side::Sell)
    }

    /// Up to `levels` price levels of one side's resting limit orders as (price, total open
    /// quantity), best first: the book aggregated by price (market orders have no price and are
    /// left out). Right after a clearing this is the residual book a batch auction publishes.
    pub fn depth(&self, side: Side, levels: usize) -> Vec<(Price, Qty)> {
        let mut out: Vec<(Price, Qty)> = Vec::new();
        for o in self.sorted(side) {
            let Some(price) = o.limit() else { continue };
            if let Some(last) = out.last_mut().filter(|l| l.0 == price) {
                last.1 += o.order.qty;
            } else if out.len() == levels {
                break;
            } else {
                out.push((price, o.order.qty));
            }
        }
        out
    }

    /// All open orders of one side in priority order: market orders, then best price, then
    /// time priority.
    pub fn orders(&self, side: Side) -> Vec<BatchOrder> {
        self.sorted(side).into_iter().map(|o| o.order).collect()
    }

    /// The open order `id`, if any.
    pub fn order(&self, id: OrderId) -> Option<BatchOrder> {
        self.open.get(&id).map(|o| o.order)
    }

    /// The price of the last batch that traded.
    pub fn last_clearing_price(&self) -> Option<Price> {
        self.last_price
    }

    /// Number of open orders on both sides.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    fn best(&self, side: Side) -> Option<(Price, Qty)> {
        let orders = self.sorted(side);
        let price = orders.iter().find_map(Sealed::limit)?;
        let qty = orders
            .iter()
            .filter(|o| o.limit() == Some(price))
            .map(|o| o.order.qty)
            .sum();
        Some((price, qty))
    }

    fn sorted(&self, side: Side) -> Vec<Sealed> {
        let mut v: Vec<Sealed> = self
            .open
            .values()
            .filter(|o| o.order.side == side)
            .copied()
            .collect();
        v.sort_by_key(Sealed::priority);
        v
    }

    /// Each order of a side (in priority order) with its allocation at the clearing price.
    fn allocate(&self, side: &[Sealed], cleared: Option<ClearingPrice>) -> Vec<(Sealed, Qty)> {
        let Some(c) = cleared else {
            return side.iter().map(|&o| (o, 0)).collect();
        };
        let eligible = side.iter().take_while(|o| o.eligible_at(c.price)).count();
        let claims: Vec<Claim> = side[..eligible]
            .iter()
            .map(|o| Claim {
                limit: o.limit(),
                qty: o.order.qty,
                lottery: rationing::lottery(self.batches, o.order.id.0),
            })
            .collect();
        let shares = rationing::allocate(
            &claims,
            c.volume,
            self.config.lot_size,
            self.config.rationing,
        );
        side.iter()
            .enumerate()
            .map(|(i, &o)| (o, shares.get(i).copied().unwrap_or(0)))
            .collect()
    }

    fn stamp(&mut self) -> u64 {
        self.next_stamp += 1;
        self.next_stamp
    }

    /// Whether a post-only order on `side` at `price` reaches the opposite best that remained
    /// after the last clearing.
    fn post_only_crosses(&self, side: Side, price: Price) -> bool {
        match side {
            Side::Buy => self.after_last.1.is_some_and(|ask| price >= ask),
            Side::Sell => self.after_last.0.is_some_and(|bid| price <= bid),
        }
    }

    fn validate_new(&mut self, o: &NewOrder) -> Result<(), RejectReason> {
        if self.owners.contains_key(&o.id) {
            return Err(RejectReason::DuplicateOrderId);
        }
        self.owners.insert(o.id, o.trader);
        self.grid.check_qty(o.qty)?;
        if let OrderKind::Limit { price, tif } = o.kind {
            self.grid.check_price(price)?;
            if tif == TimeInForce::PostOnly && self.post_only_crosses(o.side, price) {
                return Err(RejectReason::PostOnlyWouldCross);
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
        let stamp = self.stamp();
        self.open.insert(
            o.id,
            Sealed {
                order: o.into(),
                stamp,
            },
        );
        out.push(Output::Accepted {
            id: o.id,
            trader: o.trader,
        });
    }

    /// The open order `id` if `trader` may cancel or amend it.
    fn open_order(&self, id: OrderId, trader: AgentId) -> Result<Sealed, RejectReason> {
        match self.owners.get(&id) {
            None => Err(RejectReason::UnknownOrder),
            Some(&owner) if owner != trader => Err(RejectReason::NotOwner),
            Some(_) => self.open.get(&id).copied().ok_or(RejectReason::TooLate),
        }
    }

    fn cancel(&mut self, id: OrderId, trader: AgentId, out: &mut Vec<Output>) {
        match self.open_order(id, trader) {
            Err(reason) => out.push(Output::Rejected { id, trader, reason }),
            Ok(o) => {
                self.open.remove(&id);
                out.push(Output::Accepted { id, trader });
                out.push(Output::Cancelled {
                    id,
                    trader,
                    qty: o.order.qty,
                    reason: CancelReason::Requested,
                });
            }
        }
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
            .and_then(|o| match o.order.kind {
                OrderKind::Market => Err(RejectReason::UnsupportedRequest),
                OrderKind::Limit { price: old, tif } => {
                    self.grid.check_qty(qty)?;
                    self.grid.check_price(price)?;
                    let kept = price == old && qty <= o.order.qty;
                    if !kept
                        && tif == TimeInForce::PostOnly
                        && self.post_only_crosses(o.order.side, price)
                    {
                        return Err(RejectReason::PostOnlyWouldCross);
                    }
                    Ok((o, tif, kept))
                }
            });
        let (o, tif, kept) = match checked {
            Ok(x) => x,
            Err(reason) => {
                out.push(Output::Rejected { id, trader, reason });
                return;
            }
        };
        let stamp = if kept { o.stamp } else { self.stamp() };
        let order = BatchOrder {
            qty,
            kind: OrderKind::Limit { price, tif },
            ..o.order
        };
        self.open.insert(id, Sealed { order, stamp });
        out.push(Output::Accepted { id, trader });
        out.push(Output::Amended {
            id,
            trader,
            price,
            qty,
            kept_priority: kept,
        });
    }
}
