//! Message types shared by every mechanism (CLOB, FBA, RFQ): what agents send to a venue and
//! what a venue reports back. Prices are integer ticks and quantities integer lots.
//!
//! The order-book requests (`New`, `Cancel`, `Amend`) go to the CLOB and the batch auction; the
//! RFQ requests (`QuoteRequest`, `DealerQuote`) go to the RFQ venue. A venue answers a request
//! it does not trade with a single `Rejected { reason: UnsupportedRequest }` and no other effect.
//! Every venue reports trades as [`Fill`]s so that accounting code is shared.

use crate::core::{AgentId, OrderId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A price in integer ticks.
pub type Price = i64;
/// A quantity in integer lots. Signed so that a request with a negative size can be represented
/// and rejected with a reason rather than failing to parse.
pub type Qty = i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
    /// +1 for a buy, -1 for a sell.
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Time in force of a limit order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Good till cancelled: the unfilled rest joins the book.
    Gtc,
    /// Immediate or cancel: fills what it can now, the rest expires.
    Ioc,
    /// Fill or kill: fills whole at once or is rejected without any fill.
    Fok,
    /// Joins the book only as a maker; rejected if it would cross on arrival.
    PostOnly,
}

impl TimeInForce {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
            TimeInForce::PostOnly => "post_only",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Limit {
        price: Price,
        tif: TimeInForce,
    },
    /// Takes liquidity at any price; the unfilled rest is cancelled (never rests).
    Market,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NewOrder {
    pub id: OrderId,
    pub trader: AgentId,
    pub side: Side,
    pub qty: Qty,
    pub kind: OrderKind,
}

/// A client's request for quotes (RFQ). The venue always knows the client's `side`; a two-way
/// request asks dealers for both a bid and an ask and does not tell them the side (the client
/// reveals it only by accepting a quote).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// The request's id; from the same id space as orders and quotes.
    pub id: OrderId,
    /// The client.
    pub trader: AgentId,
    /// The side the client will trade: `Buy` takes a dealer's ask, `Sell` hits a bid.
    pub side: Side,
    /// Whether dealers are asked for a two-way quote (bid and ask) without learning `side`.
    pub two_way: bool,
    pub qty: Qty,
    /// The worst price the client accepts (a buy's highest, a sell's lowest); `None`: any.
    pub limit: Option<Price>,
}

/// A dealer's firm answer to a quote request (RFQ), valid until the request closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DealerQuote {
    /// The quote's own id; from the same id space as orders and requests.
    pub id: OrderId,
    /// The dealer.
    pub trader: AgentId,
    /// The id of the request answered.
    pub request: OrderId,
    /// The price the dealer buys at (the client sells).
    pub bid: Option<Price>,
    /// The price the dealer sells at (the client buys).
    pub ask: Option<Price>,
    /// The quantity the quote is good for; must equal the request's.
    pub qty: Qty,
}

/// A message from an agent to a venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    New(NewOrder),
    Cancel {
        id: OrderId,
        trader: AgentId,
    },
    /// Replace the resting order's price and open (unfilled) quantity. Reducing the quantity at
    /// the same price keeps queue position; a price change or a size increase loses it.
    Amend {
        id: OrderId,
        trader: AgentId,
        price: Price,
        qty: Qty,
    },
    /// A client asks dealers for a quote (RFQ venue only).
    QuoteRequest(QuoteRequest),
    /// A dealer answers a quote request (RFQ venue only).
    DealerQuote(DealerQuote),
}

impl Request {
    /// The id the request names: the order's, the quote request's or the dealer quote's own id.
    pub fn order_id(&self) -> OrderId {
        match *self {
            Request::New(o) => o.id,
            Request::Cancel { id, .. } | Request::Amend { id, .. } => id,
            Request::QuoteRequest(r) => r.id,
            Request::DealerQuote(q) => q.id,
        }
    }
    pub fn trader(&self) -> AgentId {
        match *self {
            Request::New(o) => o.trader,
            Request::Cancel { trader, .. } | Request::Amend { trader, .. } => trader,
            Request::QuoteRequest(r) => r.trader,
            Request::DealerQuote(q) => q.trader,
        }
    }
}

/// Why a venue refused a request. The request has no effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Quantity is zero or negative.
    NonPositiveQty,
    /// Quantity is not a multiple of the lot size.
    OffLot,
    /// Price is zero or negative.
    NonPositivePrice,
    /// Price is not a multiple of the tick size.
    OffTick,
    /// A new order reused an id the venue has already seen.
    DuplicateOrderId,
    /// Cancel or amend of an id the venue has never seen.
    UnknownOrder,
    /// Cancel or amend of an order that is no longer open (filled, cancelled or expired): the
    /// cancel-versus-fill race was lost, the earlier fill stands.
    TooLate,
    /// Cancel or amend sent by an agent that does not own the order.
    NotOwner,
    /// A post-only order (or an amend of one) would have crossed the book.
    PostOnlyWouldCross,
    /// A fill-or-kill order could not be filled whole on arrival.
    FokCannotFill,
    /// The venue does not trade this kind of request: an RFQ message at an order book, an
    /// order-book message at the RFQ venue, or an amend of a market order in a batch auction.
    UnsupportedRequest,
    /// A dealer quote from an agent the request was not sent to.
    NotAddressed,
    /// A second quote from the same dealer on the same request.
    DuplicateQuote,
    /// A dealer quote without the price the request asked for (an ask for a client buying, a bid
    /// for a client selling, both for a two-way request).
    MissingQuoteSide,
    /// A dealer quote for a quantity other than the request's.
    QuoteSizeMismatch,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NonPositiveQty => "non_positive_qty",
            RejectReason::OffLot => "off_lot",
            RejectReason::NonPositivePrice => "non_positive_price",
            RejectReason::OffTick => "off_tick",
            RejectReason::DuplicateOrderId => "duplicate_order_id",
            RejectReason::UnknownOrder => "unknown_order",
            RejectReason::TooLate => "too_late",
            RejectReason::NotOwner => "not_owner",
            RejectReason::PostOnlyWouldCross => "post_only_would_cross",
            RejectReason::FokCannotFill => "fok_cannot_fill",
            RejectReason::UnsupportedRequest => "unsupported_request",
            RejectReason::NotAddressed => "not_addressed",
            RejectReason::DuplicateQuote => "duplicate_quote",
            RejectReason::MissingQuoteSide => "missing_quote_side",
            RejectReason::QuoteSizeMismatch => "quote_size_mismatch",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The price and quantity grid of a venue: prices are positive multiples of `tick_size` ticks,
/// quantities positive multiples of `lot_size` lots. The one place the CLOB, the batch auction
/// and the RFQ venue check a request's size and prices (each venue chooses which it checks and
/// in which order, as its module docs state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub tick_size: Price,
    pub lot_size: Qty,
}

impl Grid {
    /// # Panics
    /// If `tick_size` or `lot_size` is not positive.
    pub fn new(tick_size: Price, lot_size: Qty) -> Grid {
        assert!(tick_size > 0, "tick_size must be positive, got {tick_size}");
        assert!(lot_size > 0, "lot_size must be positive, got {lot_size}");
        Grid {
            tick_size,
            lot_size,
        }
    }

    /// `NonPositiveQty`, then `OffLot`.
    pub fn check_qty(self, qty: Qty) -> Result<(), RejectReason> {
        if qty <= 0 {
            Err(RejectReason::NonPositiveQty)
        } else if qty % self.lot_size != 0 {
            Err(RejectReason::OffLot)
        } else {
            Ok(())
        }
    }

    /// `NonPositivePrice`, then `OffTick`.
    pub fn check_price(self, price: Price) -> Result<(), RejectReason> {
        if price <= 0 {
            Err(RejectReason::NonPositivePrice)
        } else if price % self.tick_size != 0 {
            Err(RejectReason::OffTick)
        } else {
            Ok(())
        }
    }
}

/// Why open quantity left the book without trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The owner asked.
    Requested,
    /// The unfilled rest of an IOC or market order (in a batch auction also of a fill-or-kill
    /// order at the batch end), or an RFQ dealer quote that was not taken when its request
    /// closed.
    Expired,
    /// Removed by self-trade prevention.
    SelfTrade,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Requested => "requested",
            CancelReason::Expired => "expired",
            CancelReason::SelfTrade => "self_trade",
        }
    }
}

/// One execution between a resting (maker) order and an incoming (taker) order. For batch
/// auctions, where nobody rests first, the order that arrived later is the taker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fill {
    pub taker_order: OrderId,
    pub maker_order: OrderId,
    pub taker: AgentId,
    pub maker: AgentId,
    /// The taker's side: `Buy` means a buyer-initiated trade.
    pub taker_side: Side,
    pub price: Price,
    pub qty: Qty,
}

/// What a venue reports after handling a request, in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// The request passed validation (new orders, cancels and amends alike).
    Accepted {
        id: OrderId,
        trader: AgentId,
    },
    Rejected {
        id: OrderId,
        trader: AgentId,
        reason: RejectReason,
    },
    Fill(Fill),
    /// `qty` open lots left the book (or never joined it) without trading.
    Cancelled {
        id: OrderId,
        trader: AgentId,
        qty: Qty,
        reason: CancelReason,
    },
    /// The order now rests at `price` with `qty` open lots; `kept_priority` tells whether it kept
    /// its place in the queue.
    Amended {
        id: OrderId,
        trader: AgentId,
        price: Price,
        qty: Qty,
        kept_priority: bool,
    },
    /// `qty` lots of order `id` joined the book at `price` (after any immediate fills).
    Rested {
        id: OrderId,
        trader: AgentId,
        side: Side,
        price: Price,
        qty: Qty,
    },
    /// An RFQ request routed to one dealer; the venue emits one per dealer asked, in the order
    /// the simulator chose them. `side` is `None` for a two-way request.
    QuoteRequested {
        request: OrderId,
        client: AgentId,
        dealer: AgentId,
        side: Option<Side>,
        qty: Qty,
    },
    /// A dealer's valid quote `quote` on `request`, for the client.
    QuoteReceived {
        quote: OrderId,
        request: OrderId,
        client: AgentId,
        dealer: AgentId,
        bid: Option<Price>,
        ask: Option<Price>,
        qty: Qty,
    },
    /// The client took dealer quote `quote`: `qty` lots at `price`, the client on `side`.
    RfqTraded {
        request: OrderId,
        quote: OrderId,
        client: AgentId,
        dealer: AgentId,
        side: Side,
        price: Price,
        qty: Qty,
    },
    /// The request closed without a trade.
    RfqNoTrade {
        request: OrderId,
        client: AgentId,
        reason: NoTradeReason,
    },
}

impl Output {
    /// The agent an acknowledgement of its own order is for (accepted, rejected, cancelled,
    /// amended, rested); `None` for fills (which go to both sides) and RFQ notices.
    pub fn ack_trader(&self) -> Option<AgentId> {
        match *self {
            Output::Accepted { trader, .. }
            | Output::Rejected { trader, .. }
            | Output::Cancelled { trader, .. }
            | Output::Amended { trader, .. }
            | Output::Rested { trader, .. } => Some(trader),
            _ => None,
        }
    }
}

/// Why an RFQ request closed without a trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoTradeReason {
    /// No valid quote arrived before the request closed.
    NoQuotes,
    /// The best quote for the client's side was worse than the client's limit.
    LimitNotMet,
}

impl NoTradeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            NoTradeReason::NoQuotes => "no_quotes",
            NoTradeReason::LimitNotMet => "limit_not_met",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_checks_sign_before_multiple() {
        let g = Grid::new(5, 10);
        assert_eq!(g.check_qty(0), Err(RejectReason::NonPositiveQty));
        assert_eq!(g.check_qty(-10), Err(RejectReason::NonPositiveQty));
        assert_eq!(g.check_qty(15), Err(RejectReason::OffLot));
        assert_eq!(g.check_qty(20), Ok(()));
        assert_eq!(g.check_price(0), Err(RejectReason::NonPositivePrice));
        assert_eq!(g.check_price(-5), Err(RejectReason::NonPositivePrice));
        assert_eq!(g.check_price(7), Err(RejectReason::OffTick));
        assert_eq!(g.check_price(105), Ok(()));
    }

    #[test]
    #[should_panic(expected = "lot_size must be positive, got 0")]
    fn a_grid_needs_a_positive_lot() {
        Grid::new(1, 0);
    }

    #[test]
    fn acknowledgements_name_their_trader_fills_do_not() {
        let (id, trader) = (OrderId(7), AgentId(3));
        let acks = [
            Output::Accepted { id, trader },
            Output::Rejected {
                id,
                trader,
                reason: RejectReason::UnknownOrder,
            },
            Output::Rested {
                id,
                trader,
                side: Side::Buy,
                price: 10,
                qty: 1,
            },
        ];
        for a in acks {
            assert_eq!(a.ack_trader(), Some(trader), "{a:?}");
        }
        let fill = Output::Fill(Fill {
            taker_order: OrderId(1),
            maker_order: OrderId(2),
            taker: AgentId(1),
            maker: AgentId(2),
            taker_side: Side::Sell,
            price: 10,
            qty: 1,
        });
        assert_eq!(fill.ack_trader(), None);
    }

    #[test]
    fn as_str_matches_serde_names() {
        use RejectReason::*;
        for r in [
            NonPositiveQty,
            OffLot,
            NonPositivePrice,
            OffTick,
            DuplicateOrderId,
            UnknownOrder,
            TooLate,
            NotOwner,
            PostOnlyWouldCross,
            FokCannotFill,
            UnsupportedRequest,
            NotAddressed,
            DuplicateQuote,
            MissingQuoteSide,
            QuoteSizeMismatch,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for r in [NoTradeReason::NoQuotes, NoTradeReason::LimitNotMet] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }
}
