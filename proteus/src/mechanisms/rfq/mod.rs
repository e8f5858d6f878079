//! Request for quote: a client asks k dealers for a firm quote on a size; dealers answer within
//! a response window; at its end the client takes the best quote if it beats its limit.
//!
//! [`RfqVenue`] is a pure, clock-free state machine. The simulator chooses the dealers (by its
//! own stated deterministic rule) and tells the venue when each response window ends:
//! [`RfqVenue::open`] routes a request to the chosen dealers, [`RfqVenue::quote`] records a
//! dealer's answer, [`RfqVenue::close`] ends the window and settles the request.
//! [`RfqVenue::handle`] is the single entry point that dispatches any [`Request`].
//! What losing dealers and the public learn (side, size, that a trade happened, its price, and
//! when) is the leakage policy's choice; the venue's outputs name everything, and the simulator
//! filters them.
//!
//! # One-way and two-way requests
//!
//! The venue always knows the client's side. A one-way request tells dealers the side
//! (`QuoteRequested { side: Some(..) }`); a two-way request (`two_way: true`) does not
//! (`side: None`) and asks for both a bid and an ask, so the client's side is revealed only by
//! which quote it takes. Dealers must quote the side(s) asked for; a one-way quote may carry the
//! other side too, which is ignored (a dealer from whom the leakage policy hides the side quotes
//! both).
//!
//! # Validation
//!
//! A failing request produces a single `Rejected` and has no other effect; the first failure in
//! this order is reported; ids (of requests and of quotes alike, one id space with orders) are
//! burned on sight:
//!
//! * quote request: `DuplicateOrderId`, `NonPositiveQty`, `OffLot`, then for a limit
//!   `NonPositivePrice`, `OffTick`.
//! * dealer quote: `DuplicateOrderId` (the quote's own id), `UnknownOrder` (no request with that
//!   id was ever opened), `NotAddressed` (the dealer was not asked; checked before the request's
//!   state so that nobody learns about others' requests), `TooLate` (the request has closed: a
//!   late quote), `DuplicateQuote` (the dealer already quoted on it), `NonPositiveQty`, `OffLot`,
//!   `QuoteSizeMismatch` (a quote is for the request's whole size), `MissingQuoteSide`, then
//!   `NonPositivePrice` and `OffTick` for the bid and then the ask, where given.
//! * order-book requests (`New`, `Cancel`, `Amend`): `UnsupportedRequest` (their id is not
//!   recorded). A client cannot withdraw a request, nor a dealer a quote.
//!
//! Mistakes of the caller rather than of an agent (a dealer list naming the client or a dealer
//! twice, closing an unknown or closed request) are [`RfqError`]s and change nothing.
//!
//! # Closing: which quote wins
//!
//! At [`RfqVenue::close`] the client considers the quotes for its side: a buying client the
//! asks, a selling client the bids. The best is the lowest ask (highest bid); among equal
//! prices the **earliest received** quote wins (arrival order at the venue). The client trades
//! if there is a best quote and it is at or better than its limit (ask ≤ limit for a buy,
//! bid ≥ limit for a sell; no limit accepts any price); otherwise it walks away. Nothing trades
//! without this acceptance, and all quotes expire at close.
//!
//! # Outputs, in order
//!
//! * quote request: `Accepted` (to the client), then one `QuoteRequested` per dealer in the
//!   order given.
//! * dealer quote: `Accepted` (to the dealer), then `QuoteReceived` (for the client).
//! * close with a trade: a [`Fill`] in which the client is the taker (`taker_order` is the
//!   request's id, `taker_side` the client's side) and the dealer the maker (`maker_order` is
//!   the quote's id), at the quote's price for the request's quantity; then `RfqTraded`.
//! * close without: `RfqNoTrade { reason: NoQuotes | LimitNotMet }`.
//! * then, either way, `Cancelled{Expired}` with the quote's quantity for every quote not taken,
//!   in arrival order.
//!
//! So each request closes with exactly one `RfqTraded` or `RfqNoTrade`, and every accepted quote
//! ends filled whole or expired whole.
//!
//! [`Fill`]: crate::mechanisms::Fill
//! [`Request`]: crate::mechanisms::Request

mod venue;

pub use venue::RfqVenue;

use crate::core::{AgentId, OrderId};
use crate::mechanisms::types::{Grid, Price, Qty};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RfqConfig {
    /// Limits and quoted prices must be multiples of this (in ticks).
    pub tick_size: Price,
    /// Request sizes must be multiples of this (in lots).
    pub lot_size: Qty,
}

impl RfqConfig {
    /// The venue's tick and lot.
    ///
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn grid(&self) -> Grid {
        Grid::new(self.tick_size, self.lot_size)
    }
}

impl Default for RfqConfig {
    fn default() -> Self {
        RfqConfig {
            tick_size: 1,
            lot_size: 1,
        }
    }
}

/// A mistake of the caller (the simulator), not of an agent; the call changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RfqError {
    #[error("request {request}: the client {client} cannot be one of its own dealers")]
    ClientAmongDealers { request: OrderId, client: AgentId },
    #[error("request {request}: dealer {dealer} is listed more than once")]
    DuplicateDealer { request: OrderId, dealer: AgentId },
    #[error("request {0} was never opened, so it cannot be closed")]
    UnknownRequest(OrderId),
    #[error("request {0} is already closed")]
    AlreadyClosed(OrderId),
}
