//! What one run leaves behind for metrics and artifacts.

use crate::core::{AgentId, MechanismKind, OrderId, Role, SimTime};
use crate::info::NewsEvent;
use crate::mechanisms::Quote;
use crate::mechanisms::{
    BatchOutcome, NoTradeReason, OrderKind, Output, Price, Qty, RejectReason, Request, Side,
    TimeInForce,
};
use serde::Serialize;
use std::fmt;

/// Who an agent is: its id, role and index within its role's population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AgentInfo {
    pub id: AgentId,
    pub role: Role,
    pub index: u32,
}

/// One execution, with both parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FillRecord {
    pub time: SimTime,
    pub price: Price,
    pub qty: Qty,
    pub taker_side: Side,
    pub taker: AgentId,
    pub maker: AgentId,
    pub taker_order: OrderId,
    pub maker_order: OrderId,
    /// The venue's top of book when the request that produced this fill arrived, before the
    /// venue handled it: the reference quote of effective spread and price impact. For an RFQ
    /// fill, a zero-size quote at the request's reference price on both sides (so its mid is
    /// that price; empty when the request had none): see [`RfqRecord::reference`].
    pub quote_before: Quote,
}

/// What a request asked of the venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Market,
    Limit {
        tif: TimeInForce,
    },
    Cancel,
    Amend,
    /// An RFQ client's request for quotes.
    QuoteRequest,
    /// An RFQ dealer's quote.
    DealerQuote,
}

impl RequestKind {
    pub fn of(request: &Request) -> RequestKind {
        match request {
            Request::New(o) => match o.kind {
                OrderKind::Market => RequestKind::Market,
                OrderKind::Limit { tif, .. } => RequestKind::Limit { tif },
            },
            Request::Cancel { .. } => RequestKind::Cancel,
            Request::Amend { .. } => RequestKind::Amend,
            Request::QuoteRequest(_) => RequestKind::QuoteRequest,
            Request::DealerQuote(_) => RequestKind::DealerQuote,
        }
    }

    pub fn is_new_order(self) -> bool {
        matches!(self, RequestKind::Market | RequestKind::Limit { .. })
    }

    /// Market, IOC and FOK orders: they exist only to take liquidity on arrival.
    pub fn is_immediate(self) -> bool {
        matches!(
            self,
            RequestKind::Market
                | RequestKind::Limit {
                    tif: TimeInForce::Ioc | TimeInForce::Fok
                }
        )
    }
}

/// One request as the venue handled it: who sent what, and how it came out. Enough for activity
/// metrics (orders, cancels, fill rates) and sniping races without keeping the venue's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// When it reached the venue.
    pub time: SimTime,
    pub agent: AgentId,
    pub kind: RequestKind,
    /// The id the request names: a new order's own id, the order a cancel or amend refers to,
    /// the quote request's or dealer quote's id.
    pub order: OrderId,
    /// A new order's side; `None` for cancels and amends.
    pub side: Option<Side>,
    /// The price asked for: a new limit order's limit, an amend's new price; `None` for market
    /// orders, cancels and RFQ messages.
    pub price: Option<Price>,
    /// The quantity asked for: a new order's size, an amend's new open quantity; 0 otherwise.
    pub qty: Qty,
    /// Quantity newly offered to the market: a new order's size (0 if not positive); for an
    /// accepted amend, how much it raised the open quantity (0 if it lowered it); 0 otherwise.
    pub offered_qty: Qty,
    /// Lots this request executed as the taker (a new order, or an amend that crossed).
    pub filled_qty: Qty,
    /// Σ price·qty over those fills, in ticks × lots.
    pub filled_notional: i128,
    pub rejected: Option<RejectReason>,
}

impl RequestRecord {
    /// Summarises `request`, handled at `time` with `outputs`; `open_before` is the open
    /// quantity of the order an amend refers to, just before the venue handled it.
    pub fn new(
        time: SimTime,
        request: &Request,
        open_before: Option<Qty>,
        outputs: &[Output],
    ) -> RequestRecord {
        let rejected = outputs.iter().find_map(|o| match *o {
            Output::Rejected { reason, .. } => Some(reason),
            _ => None,
        });
        let own = request.order_id();
        let (mut filled_qty, mut filled_notional) = (0, 0i128);
        for o in outputs {
            if let Output::Fill(f) = o
                && f.taker_order == own
            {
                filled_qty += f.qty;
                filled_notional += f.price as i128 * f.qty as i128;
            }
        }
        let (side, offered_qty) = match *request {
            Request::New(o) => (Some(o.side), o.qty.max(0)),
            Request::Amend { qty, .. } if rejected.is_none() => {
                (None, (qty - open_before.unwrap_or(qty)).max(0))
            }
            Request::Amend { .. } | Request::Cancel { .. } => (None, 0),
            // An RFQ trade happens when the request closes, not on arrival: RFQ activity is
            // measured by the RFQ metrics, not here.
            Request::QuoteRequest(r) => (Some(r.side), 0),
            Request::DealerQuote(_) => (None, 0),
        };
        let (price, qty) = match *request {
            Request::New(o) => match o.kind {
                OrderKind::Limit { price, .. } => (Some(price), o.qty),
                OrderKind::Market => (None, o.qty),
            },
            Request::Amend { price, qty, .. } => (Some(price), qty),
            _ => (None, 0),
        };
        RequestRecord {
            time,
            agent: request.trader(),
            kind: RequestKind::of(request),
            order: own,
            side,
            price,
            qty,
            offered_qty,
            filled_qty,
            filled_notional,
            rejected,
        }
    }
}

/// One message on the wire (recorded only when event logging is on).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageRecord {
    pub sent: SimTime,
    pub delivered: SimTime,
    pub agent: AgentId,
    /// Which way it went: to the venue, from it, news, a signal, or a timer.
    pub channel: Channel,
    /// What it was, e.g. a `gtc` limit order, a `cancel`, a `fill`, a `rested` report.
    pub kind: MessageKind,
    pub order_id: Option<OrderId>,
    pub side: Option<Side>,
    pub price: Option<Price>,
    pub qty: Option<Qty>,
}

impl MessageRecord {
    /// Request `request`, sent by `agent` at `sent` to reach the venue at `delivered`, with its
    /// side, price and quantity where it has them.
    pub fn request(
        sent: SimTime,
        delivered: SimTime,
        agent: AgentId,
        request: &Request,
    ) -> MessageRecord {
        let (side, price, qty) = match *request {
            Request::New(o) => (
                Some(o.side),
                match o.kind {
                    OrderKind::Limit { price, .. } => Some(price),
                    OrderKind::Market => None,
                },
                Some(o.qty),
            ),
            Request::Amend { price, qty, .. } => (None, Some(price), Some(qty)),
            Request::QuoteRequest(r) => (Some(r.side), r.limit, Some(r.qty)),
            Request::DealerQuote(_) | Request::Cancel { .. } => (None, None, None),
        };
        MessageRecord {
            sent,
            delivered,
            agent,
            channel: Channel::Request,
            kind: MessageKind::of(request),
            order_id: Some(request.order_id()),
            side,
            price,
            qty,
        }
    }
}

/// The channel of a [`MessageRecord`]; written as [`Channel::as_str`] (the `channel` column of
/// `events.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A request from an agent to the venue.
    Request,
    /// A report or RFQ notice from the venue to an agent.
    Report,
    /// Public news reaching an agent.
    News,
    /// A private signal or the true value reaching an agent.
    Signal,
    /// A wake-up the agent set itself.
    Timer,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Request => "request",
            Channel::Report => "report",
            Channel::News => "news",
            Channel::Signal => "signal",
            Channel::Timer => "timer",
        }
    }
}

/// What a [`MessageRecord`] carried; written as [`MessageKind::as_str`] (the `kind` column of
/// `events.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    // Requests.
    /// A new market order.
    Market,
    /// A new limit order, written as its time in force (`gtc`, `ioc`, `fok`, `post_only`).
    Limit(TimeInForce),
    Cancel,
    Amend,
    /// An RFQ client's request for quotes.
    QuoteRequest,
    /// An RFQ dealer's quote.
    DealerQuote,
    // Reports and notices.
    Accepted,
    Rejected,
    Fill,
    Cancelled,
    Amended,
    Rested,
    /// A dealer is asked to quote (an RFQ notice, or the venue's report of it).
    QuoteRequested,
    QuoteReceived,
    RfqTraded,
    RfqNoTrade,
    /// A losing dealer learns that the request traded (an RFQ notice).
    TradedAway,
    // News, signals and timers.
    News,
    /// An informed trader's private signal about a news event.
    NewsSignal,
    /// The true value, told to an agent that knows it.
    Value,
    /// An agent's own timer.
    Wake,
}

impl MessageKind {
    /// The kind of a request.
    pub fn of(request: &Request) -> MessageKind {
        match request {
            Request::New(o) => match o.kind {
                OrderKind::Market => MessageKind::Market,
                OrderKind::Limit { tif, .. } => MessageKind::Limit(tif),
            },
            Request::Cancel { .. } => MessageKind::Cancel,
            Request::Amend { .. } => MessageKind::Amend,
            Request::QuoteRequest(_) => MessageKind::QuoteRequest,
            Request::DealerQuote(_) => MessageKind::DealerQuote,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Market => "market",
            MessageKind::Limit(tif) => tif.as_str(),
            MessageKind::Cancel => "cancel",
            MessageKind::Amend => "amend",
            MessageKind::QuoteRequest => "quote_request",
            MessageKind::DealerQuote => "dealer_quote",
            MessageKind::Accepted => "accepted",
            MessageKind::Rejected => "rejected",
            MessageKind::Fill => "fill",
            MessageKind::Cancelled => "cancelled",
            MessageKind::Amended => "amended",
            MessageKind::Rested => "rested",
            MessageKind::QuoteRequested => "quote_requested",
            MessageKind::QuoteReceived => "quote_received",
            MessageKind::RfqTraded => "rfq_traded",
            MessageKind::RfqNoTrade => "rfq_no_trade",
            MessageKind::TradedAway => "traded_away",
            MessageKind::News => "news",
            MessageKind::NewsSignal => "news_signal",
            MessageKind::Value => "value",
            MessageKind::Wake => "wake",
        }
    }
}

/// Both serialise as their string, so a serialised log reads as it did when they were strings.
macro_rules! as_str_traits {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Compares with the written name (`m.channel == "report"`).
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
    };
}
as_str_traits!(Channel);
as_str_traits!(MessageKind);

/// An agent's account at the end of the run. Cash is in ticks × lots (exact integers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Account {
    pub cash: i128,
    pub position: i64,
}

/// One batch end of a batch auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BatchRecord {
    pub time: SimTime,
    pub outcome: BatchOutcome,
}

/// One dealer quote on an RFQ, as it reached the venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RfqQuoteRecord {
    pub quote: OrderId,
    pub dealer: AgentId,
    /// When it reached the venue.
    pub time: SimTime,
    pub bid: Option<Price>,
    pub ask: Option<Price>,
}

/// How an RFQ ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RfqOutcome {
    /// The venue refused the request; it was never sent to dealers.
    Rejected(RejectReason),
    /// Still open at the end of the run (its window ends after the horizon).
    Open,
    /// The client took `dealer`'s quote `quote` at `price`.
    Traded {
        dealer: AgentId,
        quote: OrderId,
        price: Price,
    },
    NoTrade(NoTradeReason),
}

/// One request for quote, from its arrival at the venue to its close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RfqRecord {
    pub request: OrderId,
    /// When it reached the venue (and was sent to its dealers).
    pub time: SimTime,
    pub client: AgentId,
    pub side: Side,
    pub two_way: bool,
    pub qty: Qty,
    pub limit: Option<Price>,
    /// The dealers asked, in the order the simulator chose them (empty if rejected).
    pub dealers: Vec<AgentId>,
    /// The reference price at request time: the price of the last RFQ trade closed at or before
    /// `time` (the public information a client could benchmark against, before any print
    /// delay); `None` before the first trade. Defined in `docs/metrics.md`.
    pub reference: Option<Price>,
    /// Valid quotes, in arrival order.
    pub quotes: Vec<RfqQuoteRecord>,
    /// Quotes that arrived after the close (rejected `too_late`), in arrival order.
    pub late_quotes: Vec<RfqQuoteRecord>,
    /// When the window closed, if it did within the run.
    pub closed: Option<SimTime>,
    pub outcome: RfqOutcome,
}

impl RfqRecord {
    /// The best quoted price for the client's side (lowest ask for a buy, highest bid for a
    /// sell), if any quote arrived in time.
    pub fn best_price(&self) -> Option<Price> {
        let prices = self.quotes.iter().filter_map(|q| match self.side {
            Side::Buy => q.ask,
            Side::Sell => q.bid,
        });
        match self.side {
            Side::Buy => prices.min(),
            Side::Sell => prices.max(),
        }
    }
}

/// A market maker's inventory rule, for the metrics: it cannot quote the side that adds to its
/// position when `|position| + quote_size > inventory_limit` (`MarketMaker::target_quotes_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InventoryLimit {
    pub agent: AgentId,
    pub inventory_limit: Qty,
    pub quote_size: Qty,
}

/// The record of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunLog {
    pub horizon: SimTime,
    /// The mechanism the run used.
    pub mechanism: MechanismKind,
    pub agents: Vec<AgentInfo>,
    pub fills: Vec<FillRecord>,
    /// Every change point of the fundamental: (time, value after the change). The first entry is
    /// the initial value at time zero.
    pub fundamental: Vec<(SimTime, f64)>,
    /// Every change of the venue's top of book, at the time the venue changed it.
    pub quotes: Vec<(SimTime, Quote)>,
    pub news: Vec<NewsEvent>,
    /// Every request that reached the venue, in arrival order.
    pub venue_requests: Vec<RequestRecord>,
    pub accounts: Vec<Account>,
    /// Each market maker's inventory limit and quote size, in agent id order.
    pub inventory_limits: Vec<InventoryLimit>,
    /// Every batch end (batch auctions only).
    pub batches: Vec<BatchRecord>,
    /// Every request for quote that reached the venue, in arrival order (RFQ only).
    pub rfq: Vec<RfqRecord>,
    /// Present when event logging was requested.
    pub messages: Option<Vec<MessageRecord>>,
    /// Every request the venue handled, in arrival order with its arrival time; present when
    /// requested (`RunOptions::record_requests`). Replaying it through a fresh venue of the same
    /// configuration reproduces the run's venue outputs exactly (venues are deterministic).
    pub venue_log: Option<Vec<(SimTime, Request)>>,
    /// Events the kernel processed.
    pub events_processed: u64,
    /// Requests that reached the venue.
    pub requests: u64,
}

impl RunLog {
    /// The fundamental value at the end of the run.
    pub fn final_fundamental(&self) -> f64 {
        self.fundamental.last().map_or(0.0, |&(_, v)| v)
    }
}
