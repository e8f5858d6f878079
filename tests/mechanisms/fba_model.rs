//! Property tests of the frequent batch auction.
//!
//! `auction_agrees_with_reference_model` drives the real [`BatchAuction`] and
//! [`ReferenceAuction`], a deliberately naive auction (a `Vec` of orders; the clearing price by
//! brute force over every tick between the lowest and the highest limit; pairing lot by lot),
//! with the same random requests and batch ends, and requires the same outputs, outcomes and
//! open orders after every step. `auction_invariants_hold` runs longer sequences against the
//! real auction alone and checks, from its outputs and state: every fill of a batch is at the
//! clearing price and within both orders' limits; the taker is the later order; the executed
//! volume is the brute-force maximum; no crossed interest survives a batch; the long side's
//! margin is rationed as documented (pro-rata within one lot of the exact share, or by time);
//! quantity is conserved per order and in total.
//!
//! The number of cases is `PROPTEST_CASES` when set, 256 otherwise.

use crate::support::builders::OrderLedger;
use crate::support::proptest_cases;
use crate::support::strategies::{qty, side, tif};
use proptest::prelude::*;
use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    BatchAuction, BatchOrder, BatchOutcome, CancelReason, FbaConfig, Fill, NewOrder, OrderKind,
    Output, Price, Qty, Rationing, RejectReason, Request, Side, TimeInForce,
};
use std::collections::{BTreeMap, BTreeSet};

// ---- brute force ----

fn limit_of(kind: OrderKind) -> Option<Price> {
    match kind {
        OrderKind::Limit { price, .. } => Some(price),
        OrderKind::Market => None,
    }
}

fn tif_of(kind: OrderKind) -> Option<TimeInForce> {
    match kind {
        OrderKind::Limit { tif, .. } => Some(tif),
        OrderKind::Market => None,
    }
}

fn eligible(side: Side, limit: Option<Price>, price: Price) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => l >= price,
        (Side::Sell, Some(l)) => l <= price,
    }
}

/// (price, volume, demand − supply), by trying every candidate price.
fn brute_force_price(
    orders: &[BatchOrder],
    tick: Price,
    previous: Option<Price>,
) -> Option<(Price, Qty, Qty)> {
    let at = |p: Price| {
        let side_total = |side| -> Qty {
            orders
                .iter()
                .filter(|o| o.side == side && eligible(side, limit_of(o.kind), p))
                .map(|o| o.qty)
                .sum()
        };
        let (d, s) = (side_total(Side::Buy), side_total(Side::Sell));
        (p, d.min(s), d - s)
    };
    let limits: Vec<Price> = orders.iter().filter_map(|o| limit_of(o.kind)).collect();
    let (Some(&lo), Some(&hi)) = (limits.iter().min(), limits.iter().max()) else {
        let p = previous?;
        let (_, v, imb) = at(p);
        return (v > 0).then_some((p, v, imb));
    };
    let candidates: Vec<(Price, Qty, Qty)> = (lo..=hi).filter(|p| p % tick == 0).map(at).collect();
    let best_volume = candidates.iter().map(|c| c.1).max()?;
    if best_volume == 0 {
        return None;
    }
    let best_imbalance = candidates
        .iter()
        .filter(|c| c.1 == best_volume)
        .map(|c| c.2.abs())
        .min()?;
    let best: Vec<(Price, Qty, Qty)> = candidates
        .into_iter()
        .filter(|c| c.1 == best_volume && c.2.abs() == best_imbalance)
        .collect();
    match previous {
        Some(prev) => best.into_iter().min_by_key(|c| (c.0 - prev).abs()),
        None => Some(best[(best.len() - 1) / 2]),
    }
}

// ---- the reference model ----

#[derive(Clone, Copy, Debug)]
struct ModelOrder {
    order: BatchOrder,
    stamp: u64,
}

/// Priority within a side: market orders, better limits, earlier stamps.
fn priority(o: &ModelOrder) -> (u8, Price, u64) {
    match limit_of(o.order.kind) {
        None => (0, 0, o.stamp),
        Some(p) => (1, -p * o.order.side.sign(), o.stamp),
    }
}

/// The simplest auction that could implement the documented policies.
#[derive(Clone, Debug)]
struct ReferenceAuction {
    config: FbaConfig,
    orders: Vec<ModelOrder>,
    owners: BTreeMap<OrderId, AgentId>,
    next_stamp: u64,
    last_price: Option<Price>,
    after_last: (Option<Price>, Option<Price>),
    batches: u64,
}

impl ReferenceAuction {
    fn new(config: FbaConfig) -> Self {
        ReferenceAuction {
            config,
            orders: Vec::new(),
            owners: BTreeMap::new(),
            next_stamp: 0,
            last_price: None,
            after_last: (None, None),
            batches: 0,
        }
    }

    fn side(&self, side: Side) -> Vec<ModelOrder> {
        let mut v: Vec<ModelOrder> = self
            .orders
            .iter()
            .filter(|o| o.order.side == side)
            .copied()
            .collect();
        v.sort_by_key(priority);
        v
    }

    fn orders(&self, side: Side) -> Vec<BatchOrder> {
        self.side(side).into_iter().map(|o| o.order).collect()
    }

    fn best(&self, side: Side) -> Option<Price> {
        self.side(side)
            .iter()
            .filter_map(|o| limit_of(o.order.kind))
            .next()
    }

    fn field_error(&self, qty: Qty, price: Option<Price>) -> Option<RejectReason> {
        if qty <= 0 {
            return Some(RejectReason::NonPositiveQty);
        }
        if qty % self.config.lot_size != 0 {
            return Some(RejectReason::OffLot);
        }
        match price {
            Some(p) if p <= 0 => Some(RejectReason::NonPositivePrice),
            Some(p) if p % self.config.tick_size != 0 => Some(RejectReason::OffTick),
            _ => None,
        }
    }

    fn post_only_crosses(&self, side: Side, price: Price) -> bool {
        match side {
            Side::Buy => matches!(self.after_last.1, Some(a) if price >= a),
            Side::Sell => matches!(self.after_last.0, Some(b) if price <= b),
        }
    }

    fn handle(&mut self, request: Request) -> Vec<Output> {
        let mut out = Vec::new();
        let reject = |out: &mut Vec<Output>, reason| {
            out.push(Output::Rejected {
                id: request.order_id(),
                trader: request.trader(),
                reason,
            })
        };
        match request {
            Request::New(o) => {
                if self.owners.contains_key(&o.id) {
                    return vec![Output::Rejected {
                        id: o.id,
                        trader: o.trader,
                        reason: RejectReason::DuplicateOrderId,
                    }];
                }
                self.owners.insert(o.id, o.trader);
                if let Some(reason) = self.field_error(o.qty, limit_of(o.kind)) {
                    reject(&mut out, reason);
                } else if tif_of(o.kind) == Some(TimeInForce::PostOnly)
                    && self.post_only_crosses(o.side, limit_of(o.kind).unwrap())
                {
                    reject(&mut out, RejectReason::PostOnlyWouldCross);
                } else {
                    self.next_stamp += 1;
                    self.orders.push(ModelOrder {
                        order: BatchOrder {
                            id: o.id,
                            trader: o.trader,
                            side: o.side,
                            kind: o.kind,
                            qty: o.qty,
                        },
                        stamp: self.next_stamp,
                    });
                    out.push(Output::Accepted {
                        id: o.id,
                        trader: o.trader,
                    });
                }
            }
            Request::Cancel { id, trader } => match self.lookup(id, trader) {
                Err(reason) => reject(&mut out, reason),
                Ok(i) => {
                    let o = self.orders.remove(i);
                    out.push(Output::Accepted { id, trader });
                    out.push(Output::Cancelled {
                        id,
                        trader,
                        qty: o.order.qty,
                        reason: CancelReason::Requested,
                    });
                }
            },
            Request::Amend {
                id,
                trader,
                price,
                qty,
            } => {
                let i = match self.lookup(id, trader) {
                    Ok(i) => i,
                    Err(reason) => {
                        reject(&mut out, reason);
                        return out;
                    }
                };
                let o = self.orders[i];
                let OrderKind::Limit { price: old, tif } = o.order.kind else {
                    reject(&mut out, RejectReason::UnsupportedRequest);
                    return out;
                };
                if let Some(reason) = self.field_error(qty, Some(price)) {
                    reject(&mut out, reason);
                    return out;
                }
                let kept = price == old && qty <= o.order.qty;
                if !kept
                    && tif == TimeInForce::PostOnly
                    && self.post_only_crosses(o.order.side, price)
                {
                    reject(&mut out, RejectReason::PostOnlyWouldCross);
                    return out;
                }
                let stamp = if kept {
                    o.stamp
                } else {
                    self.next_stamp += 1;
                    self.next_stamp
                };
                self.orders[i] = ModelOrder {
                    order: BatchOrder {
                        kind: OrderKind::Limit { price, tif },
                        qty,
                        ..o.order
                    },
                    stamp,
                };
                out.push(Output::Accepted { id, trader });
                out.push(Output::Amended {
                    id,
                    trader,
                    price,
                    qty,
                    kept_priority: kept,
                });
            }
            Request::QuoteRequest(_) | Request::DealerQuote(_) => {
                reject(&mut out, RejectReason::UnsupportedRequest)
            }
        }
        out
    }

    fn lookup(&self, id: OrderId, trader: AgentId) -> Result<usize, RejectReason> {
        match self.owners.get(&id) {
            None => Err(RejectReason::UnknownOrder),
            Some(&owner) if owner != trader => Err(RejectReason::NotOwner),
            Some(_) => self
                .orders
                .iter()
                .position(|o| o.order.id == id)
                .ok_or(RejectReason::TooLate),
        }
    }

    /// Allocation per order id of one side at `price` with `volume` to share.
    fn ration(&self, side: &[ModelOrder], price: Price, volume: Qty) -> BTreeMap<OrderId, Qty> {
        let lot = self.config.lot_size;
        let mut alloc = BTreeMap::new();
        let mut left = volume;
        let eligible: Vec<ModelOrder> = side
            .iter()
            .filter(|o| eligible(o.order.side, limit_of(o.order.kind), price))
            .copied()
            .collect();
        let mut tiers: Vec<Vec<ModelOrder>> = Vec::new();
        for o in eligible {
            match tiers.last_mut() {
                Some(t) if limit_of(t[0].order.kind) == limit_of(o.order.kind) => t.push(o),
                _ => tiers.push(vec![o]),
            }
        }
        for tier in tiers {
            let total: Qty = tier.iter().map(|o| o.order.qty).sum();
            if total <= left {
                for o in &tier {
                    alloc.insert(o.order.id, o.order.qty);
                }
                left -= total;
                continue;
            }
            match self.config.rationing {
                Rationing::TimePriority => {
                    for o in &tier {
                        let q = o.order.qty.min(left);
                        left -= q;
                        alloc.insert(o.order.id, q);
                    }
                }
                Rationing::ProRata | Rationing::ProRataLottery => {
                    let lottery = self.config.rationing == Rationing::ProRataLottery;
                    let (r, big_q) = (left / lot, total / lot);
                    let mut rest: Vec<(Qty, u64, u64, OrderId)> = Vec::new();
                    let mut given = 0;
                    for o in &tier {
                        let q = o.order.qty / lot;
                        alloc.insert(o.order.id, r * q / big_q * lot);
                        given += r * q / big_q;
                        // Equal remainders: time order, or the lottery of this batch.
                        let tie = if lottery {
                            lottery_number(self.batches, o.order.id.0)
                        } else {
                            0
                        };
                        rest.push((-(r * q % big_q), tie, o.stamp, o.order.id));
                    }
                    rest.sort();
                    for &(_, _, _, id) in rest.iter().take((r - given) as usize) {
                        *alloc.get_mut(&id).unwrap() += lot;
                    }
                }
            }
            left = 0;
        }
        alloc
    }

    fn clear(&mut self) -> (Vec<Output>, BatchOutcome) {
        let mut out = Vec::new();
        let interest = |side| -> Qty {
            self.orders
                .iter()
                .filter(|o| o.order.side == side)
                .map(|o| o.order.qty)
                .sum()
        };
        let (buy_interest, sell_interest) = (interest(Side::Buy), interest(Side::Sell));
        let mut knocked: BTreeSet<OrderId> = BTreeSet::new();
        let (cleared, alloc) = loop {
            let taking: Vec<ModelOrder> = self
                .orders
                .iter()
                .filter(|o| !knocked.contains(&o.order.id))
                .copied()
                .collect();
            let plain: Vec<BatchOrder> = taking.iter().map(|o| o.order).collect();
            let cleared = brute_force_price(&plain, self.config.tick_size, self.last_price);
            let mut alloc = BTreeMap::new();
            if let Some((price, volume, _)) = cleared {
                for side in [Side::Buy, Side::Sell] {
                    let mut s: Vec<ModelOrder> = taking
                        .iter()
                        .filter(|o| o.order.side == side)
                        .copied()
                        .collect();
                    s.sort_by_key(priority);
                    alloc.extend(self.ration(&s, price, volume));
                }
            }
            let short: Vec<OrderId> = taking
                .iter()
                .filter(|o| tif_of(o.order.kind) == Some(TimeInForce::Fok))
                .filter(|o| alloc.get(&o.order.id).copied().unwrap_or(0) < o.order.qty)
                .map(|o| o.order.id)
                .collect();
            if short.is_empty() {
                break (cleared, alloc);
            }
            knocked.extend(short);
        };
        if let Some((price, _, _)) = cleared {
            // Pair lot by lot (in units), then merge runs of the same pair.
            let units = |side| -> Vec<ModelOrder> {
                self.side(side)
                    .into_iter()
                    .flat_map(|o| {
                        let n = alloc.get(&o.order.id).copied().unwrap_or(0);
                        std::iter::repeat_n(o, n as usize)
                    })
                    .collect()
            };
            let (bu, su) = (units(Side::Buy), units(Side::Sell));
            assert_eq!(bu.len(), su.len());
            for (b, s) in bu.iter().zip(&su) {
                let (t, m) = if b.stamp > s.stamp { (b, s) } else { (s, b) };
                if let Some(Output::Fill(f)) = out.last_mut()
                    && (f.taker_order, f.maker_order) == (t.order.id, m.order.id)
                {
                    f.qty += 1;
                    continue;
                }
                out.push(Output::Fill(Fill {
                    taker_order: t.order.id,
                    maker_order: m.order.id,
                    taker: t.order.trader,
                    maker: m.order.trader,
                    taker_side: t.order.side,
                    price,
                    qty: 1,
                }));
            }
            for o in &mut self.orders {
                o.order.qty -= alloc.get(&o.order.id).copied().unwrap_or(0);
            }
            self.orders.retain(|o| o.order.qty > 0);
            self.last_price = Some(price);
        }
        let mut expiring: Vec<ModelOrder> = self
            .orders
            .iter()
            .filter(|o| {
                !matches!(
                    tif_of(o.order.kind),
                    Some(TimeInForce::Gtc | TimeInForce::PostOnly)
                )
            })
            .copied()
            .collect();
        expiring.sort_by_key(|o| o.stamp);
        for o in expiring {
            self.orders.retain(|x| x.order.id != o.order.id);
            out.push(Output::Cancelled {
                id: o.order.id,
                trader: o.order.trader,
                qty: o.order.qty,
                reason: CancelReason::Expired,
            });
        }
        self.after_last = (self.best(Side::Buy), self.best(Side::Sell));
        let outcome = BatchOutcome {
            batch: self.batches,
            clearing_price: cleared.map(|c| c.0),
            volume: cleared.map_or(0, |c| c.1),
            imbalance: cleared.map_or(0, |c| c.2),
            buy_interest,
            sell_interest,
        };
        self.batches += 1;
        (out, outcome)
    }
}

// ---- random request streams ----

#[derive(Clone, Copy, Debug)]
enum Kind {
    Market,
    Limit(Price, TimeInForce),
}

#[derive(Clone, Copy, Debug)]
enum Target {
    /// The n-th open order (modulo their number), or any id if none is open.
    Open(u16),
    /// Any id up to two past the last issued one.
    Any(u16),
}

#[derive(Clone, Copy, Debug)]
enum Op {
    New {
        trader: u32,
        side: Side,
        qty: Qty,
        kind: Kind,
    },
    Cancel {
        target: Target,
        as_owner: bool,
        trader: u32,
    },
    Amend {
        target: Target,
        as_owner: bool,
        trader: u32,
        price: Price,
        qty: Qty,
    },
    Clear,
}

fn price() -> impl Strategy<Value = Price> {
    prop_oneof![20 => 1i64..=12, 1 => -1i64..=0]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        8 => (price(), tif()).prop_map(|(p, t)| Kind::Limit(p, t)),
        1 => Just(Kind::Market),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![4 => any::<u16>().prop_map(Target::Open), 1 => any::<u16>().prop_map(Target::Any)]
}

fn op() -> impl Strategy<Value = Op> {
    let trader = 0u32..3;
    prop_oneof![
        10 => (trader.clone(), side(), qty(), kind())
            .prop_map(|(trader, side, qty, kind)| Op::New { trader, side, qty, kind }),
        2 => (target(), proptest::bool::weighted(0.9), trader.clone())
            .prop_map(|(target, as_owner, trader)| Op::Cancel { target, as_owner, trader }),
        2 => (target(), proptest::bool::weighted(0.9), trader, price(), qty()).prop_map(
            |(target, as_owner, trader, price, qty)| Op::Amend { target, as_owner, trader, price, qty }
        ),
        3 => Just(Op::Clear),
    ]
}

fn config() -> impl Strategy<Value = FbaConfig> {
    let size = prop_oneof![3 => Just(1i64), 1 => Just(2i64)];
    let rationing = prop_oneof![
        Just(Rationing::ProRata),
        Just(Rationing::TimePriority),
        Just(Rationing::ProRataLottery)
    ];
    (size.clone(), size, rationing).prop_map(|(tick_size, lot_size, rationing)| FbaConfig {
        tick_size,
        lot_size,
        rationing,
    })
}

/// Turns abstract operations into requests, issuing ids and resolving targets.
#[derive(Default)]
struct RequestStream {
    next_id: u64,
    owner: BTreeMap<OrderId, AgentId>,
}

impl RequestStream {
    /// `None` for a batch end.
    fn request(&mut self, op: Op, a: &BatchAuction) -> Option<Request> {
        Some(match op {
            Op::New {
                trader,
                side,
                qty,
                kind,
            } => {
                let id = OrderId(self.next_id);
                self.next_id += 1;
                self.owner.insert(id, AgentId(trader));
                let kind = match kind {
                    Kind::Market => OrderKind::Market,
                    Kind::Limit(price, tif) => OrderKind::Limit { price, tif },
                };
                Request::New(NewOrder {
                    id,
                    trader: AgentId(trader),
                    side,
                    qty,
                    kind,
                })
            }
            Op::Cancel {
                target,
                as_owner,
                trader,
            } => {
                let (id, trader) = self.resolve(target, as_owner, trader, a);
                Request::Cancel { id, trader }
            }
            Op::Amend {
                target,
                as_owner,
                trader,
                price,
                qty,
            } => {
                let (id, trader) = self.resolve(target, as_owner, trader, a);
                Request::Amend {
                    id,
                    trader,
                    price,
                    qty,
                }
            }
            Op::Clear => return None,
        })
    }

    fn resolve(
        &self,
        target: Target,
        as_owner: bool,
        trader: u32,
        a: &BatchAuction,
    ) -> (OrderId, AgentId) {
        let mut open = a.orders(Side::Buy);
        open.extend(a.orders(Side::Sell));
        let id = match target {
            Target::Open(n) if !open.is_empty() => open[usize::from(n) % open.len()].id,
            Target::Open(n) | Target::Any(n) => OrderId(u64::from(n) % (self.next_id + 2)),
        };
        let trader = match self.owner.get(&id) {
            Some(&owner) if as_owner => owner,
            _ => AgentId(trader),
        };
        (id, trader)
    }
}

// ---- invariants checked from the real auction's outputs and state ----

#[derive(Default)]
struct Audit {
    orders: BTreeMap<OrderId, OrderLedger>,
    rejected: Qty,
    requested: Qty,
    /// When each open order last took a time-priority stamp, as seen from the outputs.
    stamped_at: BTreeMap<OrderId, u64>,
    clock: u64,
    last_price: Option<Price>,
}

impl Audit {
    fn record_request(&mut self, request: Request, out: &[Output]) {
        if let Request::New(o) = request {
            self.requested += o.qty;
        }
        for output in out {
            self.clock += 1;
            match *output {
                Output::Accepted { id, .. } => {
                    if let Request::New(o) = request {
                        let ledger = OrderLedger {
                            submitted: o.qty,
                            ..Default::default()
                        };
                        assert!(self.orders.insert(id, ledger).is_none());
                        self.stamped_at.insert(id, self.clock);
                    }
                }
                Output::Rejected { .. } => {
                    assert_eq!(out.len(), 1, "a rejection comes alone: {out:?}");
                    if let Request::New(o) = request {
                        self.rejected += o.qty;
                    }
                }
                Output::Cancelled {
                    id, qty, reason, ..
                } => {
                    assert_eq!(reason, CancelReason::Requested);
                    self.cancel(id, qty);
                }
                Output::Amended {
                    id,
                    qty,
                    kept_priority,
                    ..
                } => {
                    let l = self
                        .orders
                        .get_mut(&id)
                        .expect("amend of an accepted order");
                    let delta = qty - l.open();
                    if delta > 0 {
                        l.amended_up += delta;
                    } else {
                        l.amended_down -= delta;
                    }
                    if !kept_priority {
                        self.stamped_at.insert(id, self.clock);
                    }
                }
                _ => panic!("{request:?} produced {output:?}"),
            }
        }
    }

    fn cancel(&mut self, id: OrderId, qty: Qty) {
        assert!(qty > 0, "empty cancel of {id}");
        let l = self
            .orders
            .get_mut(&id)
            .expect("cancel of an accepted order");
        l.cancelled += qty;
        assert_eq!(l.open(), 0, "a cancel removes all open quantity: {l:?}");
    }

    fn record_clear(
        &mut self,
        config: &FbaConfig,
        before: &[BatchOrder],
        out: &[Output],
        outcome: &BatchOutcome,
    ) {
        let by_id: BTreeMap<OrderId, BatchOrder> = before.iter().map(|o| (o.id, *o)).collect();
        let mut filled: BTreeMap<OrderId, Qty> = BTreeMap::new();
        let mut expired_whole_fok: BTreeSet<OrderId> = BTreeSet::new();
        let mut volume = 0;
        let mut fills_done = false;
        for output in out {
            match *output {
                Output::Fill(f) => {
                    assert!(!fills_done, "a fill after an expiry: {out:?}");
                    assert!(f.qty > 0);
                    assert_eq!(Some(f.price), outcome.clearing_price, "{f:?}");
                    let taker = by_id[&f.taker_order];
                    let maker = by_id[&f.maker_order];
                    assert_eq!(taker.side, f.taker_side);
                    assert_eq!(maker.side, f.taker_side.opposite());
                    assert_eq!((taker.trader, maker.trader), (f.taker, f.maker));
                    for o in [taker, maker] {
                        assert!(eligible(o.side, limit_of(o.kind), f.price), "{o:?} {f:?}");
                        *filled.entry(o.id).or_default() += f.qty;
                        let l = self.orders.get_mut(&o.id).unwrap();
                        l.filled += f.qty;
                        assert!(l.open() >= 0, "order {} overfilled", o.id);
                    }
                    assert!(
                        self.stamped_at[&f.taker_order] > self.stamped_at[&f.maker_order],
                        "the taker arrived first: {f:?}"
                    );
                    volume += f.qty;
                }
                Output::Cancelled {
                    id, qty, reason, ..
                } => {
                    fills_done = true;
                    assert_eq!(reason, CancelReason::Expired);
                    let o = by_id[&id];
                    assert!(
                        !matches!(
                            tif_of(o.kind),
                            Some(TimeInForce::Gtc | TimeInForce::PostOnly)
                        ),
                        "a resting order expired: {o:?}"
                    );
                    if tif_of(o.kind) == Some(TimeInForce::Fok) {
                        assert_eq!(qty, o.qty, "a FOK order expired in part");
                        expired_whole_fok.insert(id);
                    }
                    self.cancel(id, qty);
                }
                _ => panic!("a batch end produced {output:?}"),
            }
        }
        assert_eq!(volume, outcome.volume, "fills against the outcome");
        let taking: Vec<BatchOrder> = before
            .iter()
            .filter(|o| !expired_whole_fok.contains(&o.id))
            .copied()
            .collect();
        let brute = brute_force_price(&taking, config.tick_size, self.last_price);
        assert_eq!(
            brute.map_or(0, |b| b.1),
            outcome.volume,
            "executed volume is not the maximum"
        );
        assert_eq!(brute.map(|b| b.0), outcome.clearing_price, "clearing price");
        if let Some(p) = outcome.clearing_price {
            self.last_price = Some(p);
            for side in [Side::Buy, Side::Sell] {
                self.check_rationing(config, &taking, &filled, side, p, outcome.volume);
            }
        }
    }

    /// Price priority on the long side, and the documented share at its margin; the short side
    /// fills completely.
    fn check_rationing(
        &self,
        config: &FbaConfig,
        taking: &[BatchOrder],
        filled: &BTreeMap<OrderId, Qty>,
        side: Side,
        price: Price,
        volume: Qty,
    ) {
        let mut eligible_orders: Vec<BatchOrder> = taking
            .iter()
            .filter(|o| o.side == side && eligible(side, limit_of(o.kind), price))
            .copied()
            .collect();
        let got = |o: &BatchOrder| filled.get(&o.id).copied().unwrap_or(0);
        for o in taking.iter().filter(|o| o.side == side) {
            if !eligible(side, limit_of(o.kind), price) {
                assert_eq!(got(o), 0, "an ineligible order filled: {o:?}");
            }
        }
        let total: Qty = eligible_orders.iter().map(|o| o.qty).sum();
        let sum: Qty = eligible_orders.iter().map(got).sum();
        assert_eq!(sum, volume, "{side} allocations do not sum to the volume");
        if total == volume {
            for o in &eligible_orders {
                assert_eq!(got(o), o.qty, "short side {side} not filled: {o:?}");
            }
            return;
        }
        // Long side: tiers by price priority (market first).
        let key = |o: &BatchOrder| match limit_of(o.kind) {
            None => (0, 0),
            Some(p) => (1, -p * side.sign()),
        };
        eligible_orders.sort_by_key(|o| (key(o), self.stamped_at[&o.id]));
        let mut left = volume;
        let mut i = 0;
        while i < eligible_orders.len() {
            let tier: Vec<BatchOrder> = eligible_orders[i..]
                .iter()
                .take_while(|o| key(o) == key(&eligible_orders[i]))
                .copied()
                .collect();
            i += tier.len();
            let tier_total: Qty = tier.iter().map(|o| o.qty).sum();
            if left == 0 {
                assert!(
                    tier.iter().all(|o| got(o) == 0),
                    "beyond the margin: {tier:?}"
                );
            } else if tier_total <= left {
                assert!(
                    tier.iter().all(|o| got(o) == o.qty),
                    "above the margin: {tier:?}"
                );
                left -= tier_total;
            } else {
                let shares: Vec<Qty> = tier.iter().map(got).collect();
                assert_eq!(shares.iter().sum::<Qty>(), left, "margin total");
                match config.rationing {
                    Rationing::ProRata | Rationing::ProRataLottery => {
                        for (o, &a) in tier.iter().zip(&shares) {
                            assert_eq!(a % config.lot_size, 0);
                            // |a − left·q/total| < lot, in integers.
                            let dev = (i128::from(a) * i128::from(tier_total)
                                - i128::from(left) * i128::from(o.qty))
                            .abs();
                            assert!(
                                dev < i128::from(config.lot_size) * i128::from(tier_total),
                                "pro-rata share of {o:?} is {a}, exact {left}×{}/{tier_total}",
                                o.qty
                            );
                        }
                    }
                    Rationing::TimePriority => {
                        let mut rest = left;
                        for (o, &a) in tier.iter().zip(&shares) {
                            assert_eq!(a, o.qty.min(rest), "time priority at the margin");
                            rest -= a;
                        }
                    }
                }
                left = 0;
            }
        }
    }

    fn check(&self, a: &BatchAuction) {
        let bids = a.orders(Side::Buy);
        let asks = a.orders(Side::Sell);
        let mut open_total = 0;
        let (mut up, mut down, mut filled, mut cancelled) = (0, 0, 0, 0);
        for (id, l) in &self.orders {
            let open = a.order(*id).map_or(0, |o| o.qty);
            assert_eq!(l.open(), open, "order {id}: ledger {l:?} against the book");
            open_total += open;
            up += l.amended_up;
            down += l.amended_down;
            filled += l.filled;
            cancelled += l.cancelled;
        }
        let resting: Qty = bids.iter().chain(&asks).map(|o| o.qty).sum();
        assert_eq!(open_total, resting, "every open order has a ledger");
        assert_eq!(
            self.requested + up,
            filled + open_total + cancelled + down + self.rejected,
            "quantity not conserved in total (fills count once for each side)"
        );
    }
}

/// After a batch end: only GTC and post-only limit orders remain, and they do not cross.
fn check_uncrossed(a: &BatchAuction) {
    for o in a.orders(Side::Buy).iter().chain(&a.orders(Side::Sell)) {
        assert!(
            matches!(
                tif_of(o.kind),
                Some(TimeInForce::Gtc | TimeInForce::PostOnly)
            ),
            "{o:?} outlived the batch"
        );
    }
    if let (Some(b), Some(s)) = (a.best_bid(), a.best_ask()) {
        assert!(b.0 < s.0, "crossed after clearing: bid {b:?} ask {s:?}");
    }
}

fn all_orders(a: &BatchAuction) -> Vec<BatchOrder> {
    let mut v = a.orders(Side::Buy);
    v.extend(a.orders(Side::Sell));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases()))]

    #[test]
    fn auction_agrees_with_reference_model(config in config(), ops in proptest::collection::vec(op(), 1..150)) {
        let mut a = BatchAuction::new(config);
        let mut model = ReferenceAuction::new(config);
        let mut stream = RequestStream::default();
        let mut out = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            out.clear();
            match stream.request(op, &a) {
                Some(request) => {
                    a.handle(request, &mut out);
                    prop_assert_eq!(&out, &model.handle(request), "step {}: {:?}", step, request);
                }
                None => {
                    let outcome = a.clear(&mut out);
                    let (expected, expected_outcome) = model.clear();
                    prop_assert_eq!(&out, &expected, "step {}: batch end", step);
                    prop_assert_eq!(outcome, expected_outcome, "step {}: outcome", step);
                }
            }
            prop_assert_eq!(a.orders(Side::Buy), model.orders(Side::Buy), "step {}: bids", step);
            prop_assert_eq!(a.orders(Side::Sell), model.orders(Side::Sell), "step {}: asks", step);
        }
    }

    #[test]
    fn auction_invariants_hold(config in config(), ops in proptest::collection::vec(op(), 1..600)) {
        let mut a = BatchAuction::new(config);
        let mut stream = RequestStream::default();
        let mut audit = Audit::default();
        let mut out = Vec::new();
        for op in ops {
            out.clear();
            match stream.request(op, &a) {
                Some(request) => {
                    a.handle(request, &mut out);
                    audit.record_request(request, &out);
                }
                None => {
                    let before = all_orders(&a);
                    let outcome = a.clear(&mut out);
                    audit.record_clear(&config, &before, &out, &outcome);
                    check_uncrossed(&a);
                }
            }
            audit.check(&a);
        }
    }
}

/// The lottery of `Rationing::ProRataLottery` as its documentation states it: the SplitMix64
/// finaliser of `batch · γ + order + γ` (γ = 0x9E3779B97F4A7C15), written again here.
fn lottery_number(batch: u64, order: u64) -> u64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut z = batch
        .wrapping_mul(GAMMA)
        .wrapping_add(order)
        .wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
