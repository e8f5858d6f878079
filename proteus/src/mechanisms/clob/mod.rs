//! Continuous limit order book with price-time priority.
//!
//! [`Clob`] is a pure state machine: [`Clob::handle`] takes one [`Request`] and appends what
//! happened to an output vector. It holds no random generator and no clock, so the same
//! requests always give the same outputs.
//!
//! # Matching
//!
//! Prices are integer ticks, quantities integer lots. An incoming order trades against the
//! best opposite price level first and, within a level, against the oldest order first. Every
//! fill is at the resting (maker) order's price. The book is never left crossed: whatever part
//! of an incoming order could still trade has traded (or been cancelled) before anything rests.
//!
//! | kind | what happens to the unfilled rest |
//! |---|---|
//! | limit GTC | rests at its limit price (`Rested`) |
//! | market | cancelled with reason `Expired`; takes at any price, never rests |
//! | IOC | cancelled with reason `Expired` |
//! | FOK | none: rejected `FokCannotFill`, with no fills and no other effect, unless the whole quantity can fill on arrival |
//! | post-only | rests; rejected `PostOnlyWouldCross` if its price reaches the best opposite price |
//!
//! # Validation
//!
//! A request that fails validation produces a single `Rejected` output and has no other effect.
//! Checks run in this order and the first failure is reported:
//!
//! * new order: `DuplicateOrderId` (the id was seen before, in any request that named it as a
//!   new order, including one that was itself rejected), `NonPositiveQty`, `OffLot`, then for
//!   limit orders `NonPositivePrice`, `OffTick`, then `PostOnlyWouldCross` or `FokCannotFill`.
//!   **Ids are burned on sight:** once a new order has passed the duplicate check its id counts
//!   as seen even if a later check rejects it, so an agent cannot retry with the same id.
//! * RFQ requests (`QuoteRequest`, `DealerQuote`): `UnsupportedRequest`, and nothing else
//!   happens (their id is not recorded).
//! * cancel and amend: `UnknownOrder` (the id was never seen), `NotOwner` (it belongs to another
//!   trader; checked before the state so that nobody learns about others' orders), `TooLate`
//!   (the order is not resting any more: filled, cancelled, expired, or rejected on arrival),
//!   then for amends `NonPositiveQty`, `OffLot`, `NonPositivePrice`, `OffTick`, and
//!   `PostOnlyWouldCross` for a post-only order whose new price would cross.
//!
//! **Cancel versus fill:** requests are handled one at a time in arrival order. A cancel that
//! arrives after the fill that completed its order is rejected `TooLate` and the fill stands; a
//! cancel that arrives after a partial fill cancels the open rest only.
//!
//! # Outputs, in order
//!
//! * new order: `Accepted`, then `Fill`s in matching order (interleaved with any
//!   self-trade-prevention `Cancelled`s of resting orders), then for the rest one of
//!   `Rested` (GTC, post-only), `Cancelled{Expired}` (market, IOC) or `Cancelled{SelfTrade}`.
//!   Nothing follows the fills when the order filled completely.
//! * cancel: `Accepted`, `Cancelled{Requested}` with the open quantity that left the book.
//! * amend that keeps priority (same price, same or smaller quantity): `Accepted`,
//!   `Amended{kept_priority: true}`. Amending to the same price and quantity is such a no-op.
//! * amend that loses priority (new price, or larger quantity): `Accepted`,
//!   `Amended{price, qty, kept_priority: false}` reporting the new terms, and the order goes to
//!   the back of the queue at its new price. If the new price crosses the opposite best, the
//!   order then trades as an incoming (taker) order with the new quantity: `Fill`s (and
//!   self-trade `Cancelled`s) follow the `Amended`, and then `Rested` with the quantity left
//!   if any remains, or `Cancelled{SelfTrade}` if self-trade prevention cancelled it.
//!
//! # Self-trade prevention
//!
//! [`SelfTradePrevention`] applies when an incoming order (or a crossing amend) is about to
//! trade with a resting order of the same trader. Fills with other traders before that point
//! stand. With `CancelBoth` the resting order's `Cancelled` comes before the incoming order's.
//! The FOK check counts what would really fill: with `CancelTaking` and `CancelBoth` it counts
//! only the liquidity ahead of the trader's first own resting order in priority order; with
//! `CancelResting` it skips the trader's own orders; with `Allow` it counts everything. A FOK
//! that fails the check cancels nothing. Post-only orders are rejected on crossing even if the
//! order they would cross is their own.
//!
//! # Quantity accounting
//!
//! For every order, `submitted + amended up = filled + open + cancelled + amended down`, where
//! `amended up/down` is the change of open quantity an accepted amend makes (new open quantity
//! minus the open quantity before it), `cancelled` includes `Requested`, `Expired` and
//! `SelfTrade` cancellations, and a rejected new order's quantity is counted once as rejected
//! and nowhere else. The model test in `tests/mechanisms/clob_model.rs` checks this after every
//! request.

//!
//! [`Request`]: crate::mechanisms::Request

mod arena;
mod book;
mod ladder;
mod level;
mod registry;

pub use book::Clob;

use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{Grid, Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// What happens when an incoming order would trade with a resting order of the same trader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfTradePrevention {
    /// The incoming order's remaining quantity is cancelled (reason `self_trade`); fills before
    /// it stand; the resting order is untouched.
    #[default]
    CancelTaking,
    /// The resting order is cancelled (reason `self_trade`) and matching continues.
    CancelResting,
    /// Both the resting order and the rest of the incoming order are cancelled.
    CancelBoth,
    /// No prevention: the trader may trade with itself.
    Allow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClobConfig {
    /// Prices must be multiples of this (in ticks); 1 allows every integer price.
    pub tick_size: Price,
    /// Quantities must be multiples of this (in lots).
    pub lot_size: Qty,
    pub self_trade: SelfTradePrevention,
    /// Ablation switch (`[market] cancel_delay_ns`, default 0 = off): the simulator hands a
    /// cancel or an amend to the venue this many nanoseconds after it arrives, so a take that
    /// arrives in between executes against liquidity its owner already withdrew. The book
    /// itself never reads it; the event loop applies it (`docs/mechanisms.md`).
    #[serde(skip_serializing_if = "is_zero")]
    pub cancel_delay_ns: u64,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

impl ClobConfig {
    /// The venue's tick and lot.
    ///
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn grid(&self) -> Grid {
        Grid::new(self.tick_size, self.lot_size)
    }
}

impl Default for ClobConfig {
    fn default() -> Self {
        ClobConfig {
            tick_size: 1,
            lot_size: 1,
            self_trade: SelfTradePrevention::default(),
            cancel_delay_ns: 0,
        }
    }
}

/// An order resting in the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestingOrder {
    pub id: OrderId,
    pub trader: AgentId,
    pub side: Side,
    pub price: Price,
    /// Open (unfilled) quantity.
    pub qty: Qty,
}
