//! Property tests of the order book.
//!
//! `book_agrees_with_reference_model` drives the real [`Clob`] and [`ReferenceBook`], a
//! deliberately naive book (a `Vec` of orders, scanned and sorted on every step), with the same
//! random requests and requires the same outputs and the same resting orders after every step.
//! `book_invariants_hold` runs longer sequences against the real book alone and checks, from its
//! outputs and state, that the book is never crossed, that quantity is conserved per order and in
//! total, that levels are FIFO, that fills happen at the maker's price within the taker's limit
//! and that no order fills beyond its size.
//!
//! The number of cases is `PROPTEST_CASES` when set, 256 otherwise.

use crate::support::builders::OrderLedger;
use crate::support::proptest_cases;
use crate::support::strategies::{qty, side, tif};
use proptest::prelude::*;
use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    CancelReason, Clob, ClobConfig, DealerQuote, Fill, NewOrder, OrderKind, Output, Price, Qty,
    QuoteRequest, RejectReason, Request, RestingOrder, SelfTradePrevention, Side, TimeInForce,
};
use std::collections::BTreeMap;

// ---- the reference model ----

#[derive(Clone, Debug)]
struct ModelOrder {
    id: OrderId,
    trader: AgentId,
    side: Side,
    price: Price,
    qty: Qty,
    post_only: bool,
    /// Time priority: smaller is earlier.
    seq: u64,
}

/// The simplest book that could implement the documented policies.
#[derive(Clone, Debug)]
struct ReferenceBook {
    config: ClobConfig,
    orders: Vec<ModelOrder>,
    owners: BTreeMap<OrderId, AgentId>,
    next_seq: u64,
}

fn acceptable(taker_side: Side, limit: Option<Price>, maker_price: Price) -> bool {
    match (taker_side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => maker_price <= l,
        (Side::Sell, Some(l)) => maker_price >= l,
    }
}

impl ReferenceBook {
    fn new(config: ClobConfig) -> Self {
        ReferenceBook {
            config,
            orders: Vec::new(),
            owners: BTreeMap::new(),
            next_seq: 0,
        }
    }

    fn orders(&self, side: Side) -> Vec<RestingOrder> {
        let mut v: Vec<&ModelOrder> = self.orders.iter().filter(|o| o.side == side).collect();
        v.sort_by_key(|o| (-o.price * side.sign(), o.seq));
        v.into_iter()
            .map(|o| RestingOrder {
                id: o.id,
                trader: o.trader,
                side: o.side,
                price: o.price,
                qty: o.qty,
            })
            .collect()
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

    fn crosses(&self, side: Side, price: Price) -> bool {
        self.orders
            .iter()
            .any(|o| o.side != side && acceptable(side, Some(price), o.price))
    }

    /// Matches an incoming order; returns the rest, or `None` if self-trade prevention cancelled
    /// it.
    fn take(
        &mut self,
        id: OrderId,
        trader: AgentId,
        side: Side,
        limit: Option<Price>,
        mut qty: Qty,
        out: &mut Vec<Output>,
    ) -> Option<Qty> {
        while qty > 0 {
            let best = self
                .orders
                .iter()
                .enumerate()
                .filter(|(_, o)| o.side != side && acceptable(side, limit, o.price))
                .min_by_key(|(_, o)| (o.price * side.sign(), o.seq))
                .map(|(i, _)| i);
            let Some(i) = best else { break };
            let maker = self.orders[i].clone();
            if maker.trader == trader {
                let stp = self.config.self_trade;
                let cancel_resting = matches!(
                    stp,
                    SelfTradePrevention::CancelResting | SelfTradePrevention::CancelBoth
                );
                let cancel_taking = matches!(
                    stp,
                    SelfTradePrevention::CancelTaking | SelfTradePrevention::CancelBoth
                );
                if cancel_resting {
                    self.orders.remove(i);
                    out.push(Output::Cancelled {
                        id: maker.id,
                        trader,
                        qty: maker.qty,
                        reason: CancelReason::SelfTrade,
                    });
                }
                if cancel_taking {
                    out.push(Output::Cancelled {
                        id,
                        trader,
                        qty,
                        reason: CancelReason::SelfTrade,
                    });
                    return None;
                }
                if cancel_resting {
                    continue;
                }
            }
            let q = qty.min(maker.qty);
            out.push(Output::Fill(Fill {
                taker_order: id,
                maker_order: maker.id,
                taker: trader,
                maker: maker.trader,
                taker_side: side,
                price: maker.price,
                qty: q,
            }));
            qty -= q;
            self.orders[i].qty -= q;
            if self.orders[i].qty == 0 {
                self.orders.remove(i);
            }
        }
        Some(qty)
    }

    fn push(&mut self, mut order: ModelOrder) {
        order.seq = self.next_seq;
        self.next_seq += 1;
        self.orders.push(order);
    }

    fn handle(&mut self, request: Request) -> Vec<Output> {
        let mut out = Vec::new();
        match request {
            Request::New(o) => self.new_order(o, &mut out),
            Request::Cancel { id, trader } => match self.lookup(id, trader) {
                Err(reason) => out.push(Output::Rejected { id, trader, reason }),
                Ok(i) => {
                    let o = self.orders.remove(i);
                    out.push(Output::Accepted { id, trader });
                    out.push(Output::Cancelled {
                        id,
                        trader,
                        qty: o.qty,
                        reason: CancelReason::Requested,
                    });
                }
            },
            Request::Amend {
                id,
                trader,
                price,
                qty,
            } => self.amend(id, trader, price, qty, &mut out),
            Request::QuoteRequest(_) | Request::DealerQuote(_) => out.push(Output::Rejected {
                id: request.order_id(),
                trader: request.trader(),
                reason: RejectReason::UnsupportedRequest,
            }),
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
                .position(|o| o.id == id)
                .ok_or(RejectReason::TooLate),
        }
    }

    fn new_order(&mut self, o: NewOrder, out: &mut Vec<Output>) {
        let reject = |reason| Output::Rejected {
            id: o.id,
            trader: o.trader,
            reason,
        };
        if self.owners.contains_key(&o.id) {
            out.push(reject(RejectReason::DuplicateOrderId));
            return;
        }
        self.owners.insert(o.id, o.trader);
        let (limit, tif) = match o.kind {
            OrderKind::Market => (None, None),
            OrderKind::Limit { price, tif } => (Some(price), Some(tif)),
        };
        if let Some(reason) = self.field_error(o.qty, limit) {
            out.push(reject(reason));
            return;
        }
        if let (Some(TimeInForce::PostOnly), Some(p)) = (tif, limit)
            && self.crosses(o.side, p)
        {
            out.push(reject(RejectReason::PostOnlyWouldCross));
            return;
        }
        if tif == Some(TimeInForce::Fok) {
            // Try it on a copy: it must fill whole without being cancelled.
            let mut trial = self.clone();
            if trial.take(o.id, o.trader, o.side, limit, o.qty, &mut Vec::new()) != Some(0) {
                out.push(reject(RejectReason::FokCannotFill));
                return;
            }
        }
        out.push(Output::Accepted {
            id: o.id,
            trader: o.trader,
        });
        let Some(rest) = self.take(o.id, o.trader, o.side, limit, o.qty, out) else {
            return;
        };
        if rest == 0 {
            return;
        }
        match (tif, limit) {
            (Some(TimeInForce::Gtc | TimeInForce::PostOnly), Some(price)) => {
                self.push(ModelOrder {
                    id: o.id,
                    trader: o.trader,
                    side: o.side,
                    price,
                    qty: rest,
                    post_only: tif == Some(TimeInForce::PostOnly),
                    seq: 0,
                });
                out.push(Output::Rested {
                    id: o.id,
                    trader: o.trader,
                    side: o.side,
                    price,
                    qty: rest,
                });
            }
            _ => out.push(Output::Cancelled {
                id: o.id,
                trader: o.trader,
                qty: rest,
                reason: CancelReason::Expired,
            }),
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
        let i = match self.lookup(id, trader) {
            Ok(i) => i,
            Err(reason) => {
                out.push(Output::Rejected { id, trader, reason });
                return;
            }
        };
        if let Some(reason) = self.field_error(qty, Some(price)) {
            out.push(Output::Rejected { id, trader, reason });
            return;
        }
        let o = self.orders[i].clone();
        if price == o.price && qty <= o.qty {
            self.orders[i].qty = qty;
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
        let crossing = self.crosses(o.side, price);
        if crossing && o.post_only {
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
        self.orders.remove(i);
        let rest = if crossing {
            self.take(id, trader, o.side, Some(price), qty, out)
        } else {
            Some(qty)
        };
        if let Some(rest) = rest.filter(|&r| r > 0) {
            self.push(ModelOrder {
                price,
                qty: rest,
                ..o
            });
            if crossing {
                out.push(Output::Rested {
                    id,
                    trader,
                    side: o.side,
                    price,
                    qty: rest,
                });
            }
        }
    }
}

// ---- random request streams ----

#[derive(Clone, Copy, Debug)]
enum Kind {
    Market,
    Limit(Price, TimeInForce),
}

/// Which order a cancel or amend names.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The n-th resting order (modulo their number), or any id if none rests.
    Resting(u16),
    /// Any id up to two past the last issued one: finished, rejected or never seen.
    Any(u16),
}

#[derive(Clone, Copy, Debug)]
enum Op {
    New {
        trader: u32,
        side: Side,
        qty: Qty,
        kind: Kind,
        reuse: Option<u16>,
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
    /// A message for the RFQ venue, naming a fresh id or (`reuse`) an existing one.
    Rfq {
        trader: u32,
        side: Side,
        qty: Qty,
        reuse: Option<u16>,
        quote: bool,
    },
}

fn price() -> impl Strategy<Value = Price> {
    prop_oneof![20 => 1i64..=10, 1 => -1i64..=0]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        8 => (price(), tif()).prop_map(|(p, t)| Kind::Limit(p, t)),
        1 => Just(Kind::Market),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![4 => any::<u16>().prop_map(Target::Resting), 1 => any::<u16>().prop_map(Target::Any)]
}

fn op() -> impl Strategy<Value = Op> {
    let trader = 0u32..3;
    prop_oneof![
        6 => (trader.clone(), side(), qty(), kind(), proptest::option::weighted(0.05, any::<u16>()))
            .prop_map(|(trader, side, qty, kind, reuse)| Op::New { trader, side, qty, kind, reuse }),
        2 => (target(), proptest::bool::weighted(0.9), trader.clone())
            .prop_map(|(target, as_owner, trader)| Op::Cancel { target, as_owner, trader }),
        2 => (target(), proptest::bool::weighted(0.9), trader, price(), qty()).prop_map(
            |(target, as_owner, trader, price, qty)| Op::Amend { target, as_owner, trader, price, qty }
        ),
        1 => (0u32..3, side(), qty(), proptest::option::weighted(0.5, any::<u16>()), any::<bool>())
            .prop_map(|(trader, side, qty, reuse, quote)| Op::Rfq { trader, side, qty, reuse, quote }),
    ]
}

fn config() -> impl Strategy<Value = ClobConfig> {
    let policy = prop_oneof![
        Just(SelfTradePrevention::CancelTaking),
        Just(SelfTradePrevention::CancelResting),
        Just(SelfTradePrevention::CancelBoth),
        Just(SelfTradePrevention::Allow),
    ];
    let size = prop_oneof![3 => Just(1i64), 1 => Just(2i64)];
    (size.clone(), size, policy).prop_map(|(tick_size, lot_size, self_trade)| ClobConfig {
        tick_size,
        lot_size,
        self_trade,
        cancel_delay_ns: 0,
    })
}

/// Turns abstract operations into requests, issuing ids and resolving targets against the
/// book's resting orders.
#[derive(Default)]
struct RequestStream {
    next_id: u64,
    first_owner: BTreeMap<OrderId, AgentId>,
}

impl RequestStream {
    fn request(&mut self, op: Op, book: &Clob) -> Request {
        match op {
            Op::New {
                trader,
                side,
                qty,
                kind,
                reuse,
            } => {
                let id = match reuse {
                    Some(n) if self.next_id > 0 => OrderId(u64::from(n) % self.next_id),
                    _ => {
                        self.next_id += 1;
                        OrderId(self.next_id - 1)
                    }
                };
                let trader = AgentId(trader);
                self.first_owner.entry(id).or_insert(trader);
                let kind = match kind {
                    Kind::Market => OrderKind::Market,
                    Kind::Limit(price, tif) => OrderKind::Limit { price, tif },
                };
                Request::New(NewOrder {
                    id,
                    trader,
                    side,
                    qty,
                    kind,
                })
            }
            Op::Rfq {
                trader,
                side,
                qty,
                reuse,
                quote,
            } => {
                // Unsupported requests record nothing, so a fresh id here is not burned: the
                // next new order may reuse it and must be accepted.
                let id = match reuse {
                    Some(n) if self.next_id > 0 => OrderId(u64::from(n) % self.next_id),
                    _ => OrderId(self.next_id),
                };
                let trader = AgentId(trader);
                if quote {
                    Request::DealerQuote(DealerQuote {
                        id,
                        trader,
                        request: OrderId(0),
                        bid: Some(1),
                        ask: None,
                        qty,
                    })
                } else {
                    Request::QuoteRequest(QuoteRequest {
                        id,
                        trader,
                        side,
                        two_way: false,
                        qty,
                        limit: None,
                    })
                }
            }
            Op::Cancel {
                target,
                as_owner,
                trader,
            } => {
                let (id, trader) = self.resolve(target, as_owner, trader, book);
                Request::Cancel { id, trader }
            }
            Op::Amend {
                target,
                as_owner,
                trader,
                price,
                qty,
            } => {
                let (id, trader) = self.resolve(target, as_owner, trader, book);
                Request::Amend {
                    id,
                    trader,
                    price,
                    qty,
                }
            }
        }
    }

    fn resolve(
        &self,
        target: Target,
        as_owner: bool,
        trader: u32,
        book: &Clob,
    ) -> (OrderId, AgentId) {
        let mut resting = book.orders(Side::Buy);
        resting.extend(book.orders(Side::Sell));
        let id = match target {
            Target::Resting(n) if !resting.is_empty() => resting[usize::from(n) % resting.len()].id,
            Target::Resting(n) | Target::Any(n) => OrderId(u64::from(n) % (self.next_id + 2)),
        };
        let trader = match self.first_owner.get(&id) {
            Some(&owner) if as_owner => owner,
            _ => AgentId(trader),
        };
        (id, trader)
    }
}

// ---- invariants checked from the real book's outputs and state ----

#[derive(Default)]
struct Audit {
    orders: BTreeMap<OrderId, OrderLedger>,
    /// Quantity of rejected new orders, which never entered any ledger.
    rejected: Qty,
    /// Sum over new-order requests of their quantity.
    requested: Qty,
    /// When each resting order last joined the back of a queue.
    queued_at: BTreeMap<OrderId, u64>,
    clock: u64,
}

impl Audit {
    fn record(
        &mut self,
        request: Request,
        out: &[Output],
        before: &BTreeMap<OrderId, RestingOrder>,
    ) {
        if let Request::New(o) = request {
            self.requested += o.qty;
        }
        for output in out {
            self.clock += 1;
            match *output {
                Output::Accepted { id, .. } => {
                    if let Request::New(o) = request {
                        assert_eq!(id, o.id);
                        let prior = self.orders.insert(
                            id,
                            OrderLedger {
                                submitted: o.qty,
                                ..Default::default()
                            },
                        );
                        assert!(prior.is_none(), "order {id} accepted twice");
                    }
                }
                Output::Rejected { id, .. } => {
                    assert_eq!(out.len(), 1, "a rejection comes alone: {out:?}");
                    if let Request::New(o) = request {
                        assert_eq!(id, o.id);
                        self.rejected += o.qty;
                    }
                }
                Output::Fill(f) => {
                    assert!(f.qty > 0, "empty fill {f:?}");
                    let maker = before
                        .get(&f.maker_order)
                        .expect("the maker rested before the request");
                    assert_eq!(
                        f.price, maker.price,
                        "fill away from the maker's price: {f:?}"
                    );
                    assert_eq!(maker.side, f.taker_side.opposite());
                    let limit = match request {
                        Request::New(NewOrder {
                            kind: OrderKind::Limit { price, .. },
                            ..
                        })
                        | Request::Amend { price, .. } => Some(price),
                        Request::New(_) => None,
                        Request::Cancel { .. }
                        | Request::QuoteRequest(_)
                        | Request::DealerQuote(_) => panic!("{request:?} filled: {out:?}"),
                    };
                    assert!(
                        acceptable(f.taker_side, limit, f.price),
                        "fill through the limit: {f:?}"
                    );
                    for id in [f.taker_order, f.maker_order] {
                        let l = self.orders.get_mut(&id).expect("fill of an accepted order");
                        l.filled += f.qty;
                        assert!(l.open() >= 0, "order {id} filled beyond its size: {l:?}");
                    }
                }
                Output::Cancelled { id, qty, .. } => {
                    assert!(qty > 0, "empty cancel {output:?}");
                    let l = self
                        .orders
                        .get_mut(&id)
                        .expect("cancel of an accepted order");
                    l.cancelled += qty;
                    assert_eq!(l.open(), 0, "a cancel removes all open quantity: {l:?}");
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
                    let Request::Amend { price, .. } = request else {
                        panic!("amended by {request:?}");
                    };
                    let same_price = before[&id].price == price;
                    assert_eq!(kept_priority, same_price && delta <= 0, "{output:?}");
                    if !kept_priority {
                        self.queued_at.insert(id, self.clock);
                    }
                }
                Output::Rested { id, qty, .. } => {
                    assert_eq!(
                        self.orders[&id].open(),
                        qty,
                        "rested quantity is the open quantity"
                    );
                    self.queued_at.insert(id, self.clock);
                }
                Output::QuoteRequested { .. }
                | Output::QuoteReceived { .. }
                | Output::RfqTraded { .. }
                | Output::RfqNoTrade { .. } => panic!("the CLOB emitted an RFQ output: {out:?}"),
            }
        }
    }

    fn check(&self, book: &Clob) {
        let bids = book.orders(Side::Buy);
        let asks = book.orders(Side::Sell);
        if let (Some(b), Some(a)) = (book.best_bid(), book.best_ask()) {
            assert!(b.0 < a.0, "crossed book: bid {b:?} ask {a:?}");
        }
        for (side, orders) in [(Side::Buy, &bids), (Side::Sell, &asks)] {
            let top = orders.first().map(|o| {
                (
                    o.price,
                    orders
                        .iter()
                        .filter(|x| x.price == o.price)
                        .map(|x| x.qty)
                        .sum(),
                )
            });
            let best = if side == Side::Buy {
                book.best_bid()
            } else {
                book.best_ask()
            };
            assert_eq!(best, top, "{side} top of book");
            for pair in orders.windows(2) {
                let (x, y) = (&pair[0], &pair[1]);
                assert_eq!(x.side, side);
                assert!(
                    x.price * side.sign() >= y.price * side.sign(),
                    "{side} not best price first"
                );
                if x.price == y.price {
                    assert!(
                        self.queued_at[&x.id] < self.queued_at[&y.id],
                        "level {} not FIFO",
                        x.price
                    );
                }
            }
        }
        assert_eq!(book.len(), bids.len() + asks.len());
        let mut open_total = 0;
        let (mut amended_up, mut amended_down, mut filled, mut cancelled) = (0, 0, 0, 0);
        for (id, l) in &self.orders {
            let open = book.order(*id).map_or(0, |o| o.qty);
            assert_eq!(l.open(), open, "order {id}: ledger {l:?} against book");
            assert!(
                l.filled <= l.submitted + l.amended_up,
                "order {id} overfilled: {l:?}"
            );
            open_total += open;
            amended_up += l.amended_up;
            amended_down += l.amended_down;
            filled += l.filled;
            cancelled += l.cancelled;
        }
        let resting_total: Qty = bids.iter().chain(&asks).map(|o| o.qty).sum();
        assert_eq!(
            open_total, resting_total,
            "every resting order has a ledger"
        );
        assert_eq!(
            self.requested + amended_up,
            filled + open_total + cancelled + amended_down + self.rejected,
            "quantity not conserved in total (fills count once for each side)"
        );
    }
}

fn snapshot(book: &Clob) -> BTreeMap<OrderId, RestingOrder> {
    book.orders(Side::Buy)
        .into_iter()
        .chain(book.orders(Side::Sell))
        .map(|o| (o.id, o))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases()))]

    #[test]
    fn book_agrees_with_reference_model(config in config(), ops in proptest::collection::vec(op(), 1..150)) {
        let mut book = Clob::new(config);
        let mut model = ReferenceBook::new(config);
        let mut stream = RequestStream::default();
        let mut out = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            let request = stream.request(op, &book);
            out.clear();
            book.handle(request, &mut out);
            let expected = model.handle(request);
            prop_assert_eq!(&out, &expected, "step {}: {:?}", step, request);
            prop_assert_eq!(book.orders(Side::Buy), model.orders(Side::Buy), "step {}: bids", step);
            prop_assert_eq!(book.orders(Side::Sell), model.orders(Side::Sell), "step {}: asks", step);
        }
    }

    #[test]
    fn book_invariants_hold(config in config(), ops in proptest::collection::vec(op(), 1..600)) {
        let mut book = Clob::new(config);
        let mut stream = RequestStream::default();
        let mut audit = Audit::default();
        let mut out = Vec::new();
        for op in ops {
            let request = stream.request(op, &book);
            let before = snapshot(&book);
            out.clear();
            book.handle(request, &mut out);
            audit.record(request, &out, &before);
            audit.check(&book);
        }
    }
}

/// A small deterministic generator for the long stream below (xorshift64*).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) % n
    }
}

/// 40,000 requests with simulation-style ids (the trader in the high half, its own counter in
/// the low half, a few counters skipped and never used): orders keep being created, filled and
/// cancelled, and old, never-used, other traders' and reused ids keep being named. The book
/// must agree with the reference model at every step (so the registry's folded pages give the
/// same reject reasons: `TooLate`, `UnknownOrder`, `NotOwner`, `DuplicateOrderId`), and the
/// registry's live pages must stay bounded by the resting orders, not grow with the ids seen.
#[test]
fn registry_memory_stays_bounded_over_a_long_stream() {
    const TRADERS: u64 = 3;
    let config = ClobConfig::default();
    let mut book = Clob::new(config);
    let mut model = ReferenceBook::new(config);
    let mut rng = Lcg(0x9E37_79B9_7F4A_7C15);
    let mut next = [0u64; TRADERS as usize];
    let mut out = Vec::new();
    let mut most_live = 0;
    let mut reasons = BTreeMap::new();
    for step in 0..40_000 {
        let t = rng.below(TRADERS);
        let trader = AgentId(t as u32);
        let id_of = |low: u64| OrderId(t << 32 | low);
        let resting: Vec<RestingOrder> = snapshot(&book)
            .into_values()
            .filter(|o| o.trader == trader)
            .collect();
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let roll = rng.below(100);
        let request = if roll < 50 || (roll < 85 && resting.is_empty()) {
            // A new order; now and then a counter is skipped and never used.
            if rng.below(30) == 0 {
                next[t as usize] += 1;
            }
            let id = id_of(next[t as usize]);
            next[t as usize] += 1;
            let kind = match rng.below(10) {
                0 => OrderKind::Market,
                1 => OrderKind::Limit {
                    price: 1 + rng.below(10) as Price,
                    tif: TimeInForce::Ioc,
                },
                _ => OrderKind::Limit {
                    price: 1 + rng.below(10) as Price,
                    tif: TimeInForce::Gtc,
                },
            };
            Request::New(NewOrder {
                id,
                trader,
                side,
                qty: 1 + rng.below(4) as Qty,
                kind,
            })
        } else if roll < 85 {
            // Cancel one of its resting orders, the oldest more often (the book stays small).
            let o = if rng.below(2) == 0 {
                resting.iter().min_by_key(|o| o.id).expect("not empty")
            } else {
                &resting[rng.below(resting.len() as u64) as usize]
            };
            if rng.below(5) == 0 {
                Request::Amend {
                    id: o.id,
                    trader,
                    price: 1 + rng.below(10) as Price,
                    qty: 1 + rng.below(4) as Qty,
                }
            } else {
                Request::Cancel { id: o.id, trader }
            }
        } else {
            // An old id (done, never used or still resting), by its trader or another, as a
            // cancel or as a new order.
            let low = rng.below(next[t as usize] + 2);
            let by = AgentId(((t + u64::from(rng.below(4) == 0)) % TRADERS) as u32);
            if rng.below(3) == 0 {
                Request::New(NewOrder {
                    id: id_of(low),
                    trader,
                    side,
                    qty: 1,
                    kind: OrderKind::Limit {
                        price: 1 + rng.below(10) as Price,
                        tif: TimeInForce::Gtc,
                    },
                })
            } else {
                Request::Cancel {
                    id: id_of(low),
                    trader: by,
                }
            }
        };
        out.clear();
        book.handle(request, &mut out);
        let expected = model.handle(request);
        assert_eq!(out, expected, "step {step}: {request:?}");
        for o in &out {
            if let Output::Rejected { reason, .. } = o {
                *reasons.entry(format!("{reason:?}")).or_insert(0) += 1;
            }
        }
        let live = book.live_id_pages();
        let resting_now = book.orders(Side::Buy).len() + book.orders(Side::Sell).len();
        assert!(
            live <= TRADERS as usize + resting_now,
            "step {step}: {live} live pages for {resting_now} resting orders"
        );
        most_live = most_live.max(live);
    }
    assert_eq!(book.orders(Side::Buy), model.orders(Side::Buy));
    assert_eq!(book.orders(Side::Sell), model.orders(Side::Sell));
    // Every reason the folded pages must keep apart came up.
    for reason in ["TooLate", "UnknownOrder", "NotOwner", "DuplicateOrderId"] {
        assert!(
            reasons.get(reason).is_some_and(|&n| n > 50),
            "{reason}: {reasons:?}"
        );
    }
    // Each trader's ids filled over 20 pages (over 60 in all); the live pages stayed few.
    assert!(next.iter().all(|&n| n > 20 * 256), "{next:?}");
    assert!(most_live < 40, "{most_live} live pages at most");
}
