//! Venue requests, outputs and book entries by hand, for the mechanism tests: ids and traders
//! are plain numbers (`limit(1, A, Buy, 100, 5)`), and [`check`] lists expected against actual
//! line by line.

use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    CancelReason, Fill, NewOrder, OrderKind, Output, Price, Qty, RejectReason, Request,
    RestingOrder, Side, TimeInForce,
};
use std::fmt::Write as _;

// ---- requests ----

pub fn new(id: u64, trader: u32, side: Side, qty: Qty, kind: OrderKind) -> Request {
    Request::New(NewOrder {
        id: OrderId(id),
        trader: AgentId(trader),
        side,
        qty,
        kind,
    })
}

pub fn with_tif(
    id: u64,
    trader: u32,
    side: Side,
    price: Price,
    qty: Qty,
    tif: TimeInForce,
) -> Request {
    new(id, trader, side, qty, OrderKind::Limit { price, tif })
}

pub fn limit(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> Request {
    with_tif(id, trader, side, price, qty, TimeInForce::Gtc)
}

pub fn ioc(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> Request {
    with_tif(id, trader, side, price, qty, TimeInForce::Ioc)
}

pub fn fok(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> Request {
    with_tif(id, trader, side, price, qty, TimeInForce::Fok)
}

pub fn post_only(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> Request {
    with_tif(id, trader, side, price, qty, TimeInForce::PostOnly)
}

pub fn market(id: u64, trader: u32, side: Side, qty: Qty) -> Request {
    new(id, trader, side, qty, OrderKind::Market)
}

pub fn cancel(id: u64, trader: u32) -> Request {
    Request::Cancel {
        id: OrderId(id),
        trader: AgentId(trader),
    }
}

pub fn amend(id: u64, trader: u32, price: Price, qty: Qty) -> Request {
    Request::Amend {
        id: OrderId(id),
        trader: AgentId(trader),
        price,
        qty,
    }
}

// ---- outputs ----

pub fn accepted(id: u64, trader: u32) -> Output {
    Output::Accepted {
        id: OrderId(id),
        trader: AgentId(trader),
    }
}

pub fn rejected(id: u64, trader: u32, reason: RejectReason) -> Output {
    Output::Rejected {
        id: OrderId(id),
        trader: AgentId(trader),
        reason,
    }
}

/// A fill as (taker order, taker) against (maker order, maker).
pub fn fill(
    taker_order: u64,
    taker: u32,
    maker_order: u64,
    maker: u32,
    taker_side: Side,
    price: Price,
    qty: Qty,
) -> Output {
    Output::Fill(Fill {
        taker_order: OrderId(taker_order),
        maker_order: OrderId(maker_order),
        taker: AgentId(taker),
        maker: AgentId(maker),
        taker_side,
        price,
        qty,
    })
}

pub fn rested(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> Output {
    Output::Rested {
        id: OrderId(id),
        trader: AgentId(trader),
        side,
        price,
        qty,
    }
}

pub fn cancelled(id: u64, trader: u32, qty: Qty, reason: CancelReason) -> Output {
    Output::Cancelled {
        id: OrderId(id),
        trader: AgentId(trader),
        qty,
        reason,
    }
}

pub fn amended(id: u64, trader: u32, price: Price, qty: Qty, kept_priority: bool) -> Output {
    Output::Amended {
        id: OrderId(id),
        trader: AgentId(trader),
        price,
        qty,
        kept_priority,
    }
}

// ---- book entries ----

pub fn resting(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> RestingOrder {
    RestingOrder {
        id: OrderId(id),
        trader: AgentId(trader),
        side,
        price,
        qty,
    }
}

// ---- comparison ----

/// Lists expected against actual, line by line, marking the lines that differ.
#[track_caller]
pub fn check<T: PartialEq + std::fmt::Debug>(what: &str, actual: &[T], expected: &[T]) {
    if actual == expected {
        return;
    }
    let mut msg = format!(
        "{what} differ (expected {}, actual {}):\n",
        expected.len(),
        actual.len()
    );
    for i in 0..actual.len().max(expected.len()) {
        let (e, a) = (expected.get(i), actual.get(i));
        let mark = if e == a { "  " } else { "!!" };
        let _ = writeln!(
            msg,
            "{mark} #{i}\n     expected: {e:?}\n     actual:   {a:?}"
        );
    }
    panic!("{msg}");
}

// ---- model tests ----

/// Where one order's quantity went, from a venue's outputs.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderLedger {
    pub submitted: Qty,
    pub amended_up: Qty,
    pub amended_down: Qty,
    pub filled: Qty,
    pub cancelled: Qty,
}

impl OrderLedger {
    /// The quantity still open.
    pub fn open(&self) -> Qty {
        self.submitted + self.amended_up - self.amended_down - self.filled - self.cancelled
    }
}
