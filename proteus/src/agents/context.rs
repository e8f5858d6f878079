//! What an agent sees and can do during one callback.

use crate::core::{AgentId, Duration, MechanismKind, OrderId, Role, SimTime};
use crate::mechanisms::{
    BookDepth, NewOrder, OrderKind, Price, Qty, Quote, QuoteRequest, Request, Side, TimeInForce,
};

// Agents price on the grid: see `AgentCtx::bid_price`, `AgentCtx::ask_price`, `AgentCtx::size`.

/// Largest price magnitude an agent sends or computes with, in ticks: 2^53, up to which an `f64`
/// holds every integer. A value or quote formula that runs past it (a fundamental far from its
/// start, an extreme but valid spread) is held there before it becomes an integer price, so the
/// integer arithmetic on prices (a tick more, an offset, a news shift) cannot overflow. Validated
/// scenarios start far inside it (`docs/scenarios.md`: values within 1e12 ticks).
pub const PRICE_LIMIT_TICKS: f64 = 9_007_199_254_740_992.0;

/// `x` ticks held within ±[`PRICE_LIMIT_TICKS`] (NaN stays NaN; the integer conversion makes it 0).
pub fn within_price_limit(x: f64) -> f64 {
    x.clamp(-PRICE_LIMIT_TICKS, PRICE_LIMIT_TICKS)
}

/// The highest multiple of `tick` at or below `x` ticks, at least one tick.
pub(crate) fn grid_floor(x: f64, tick: Price) -> Price {
    (((within_price_limit(x) / tick as f64).floor() as Price) * tick).max(tick)
}

/// The lowest multiple of `tick` at or above `x` ticks, at least one tick.
pub(crate) fn grid_ceil(x: f64, tick: Price) -> Price {
    (((within_price_limit(x) / tick as f64).ceil() as Price) * tick).max(tick)
}

/// What the simulator tells an agent about a request for quote that is not its own, as far as
/// the leakage policy lets it see (a client learns about its own request from the venue's
/// reports instead: `QuoteReceived`, `RfqTraded`, `RfqNoTrade`, its `Fill`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RfqNotice {
    /// It is asked to quote on `request` (field `rfq_request`) before `deadline`, when the
    /// venue closes the request. `side` is the client's side where the request is one-way and
    /// `rfq_side` shows it (otherwise quote both sides); `qty` the size where `rfq_size` shows
    /// it (a quote must be firm for the whole size, so without it no valid quote is possible).
    Requested {
        request: OrderId,
        client: AgentId,
        side: Option<Side>,
        qty: Option<Qty>,
        deadline: SimTime,
    },
    /// A request it was asked on ended in a trade with another dealer (`rfq_trade_happened`);
    /// `side` and `qty` as in `Requested`.
    TradedAway {
        request: OrderId,
        side: Option<Side>,
        qty: Option<Qty>,
    },
}

/// Something an agent asks the simulator to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send a message to the venue; it arrives after the agent's submission latency.
    Send(Request),
    /// Call the agent's `on_wake(token)` at this time.
    WakeAt(SimTime, u64),
}

/// The agent's window on the world for one callback: the time, its identity, the public quote as
/// it can see it (already delayed by its market-data latency and the leakage policy), and an
/// outbox. An agent never touches the venue or another agent directly.
pub struct AgentCtx<'a> {
    pub now: SimTime,
    pub id: AgentId,
    pub role: Role,
    /// The public top of book as this agent sees it now: the live book under the CLOB, the
    /// residual book published after the last batch under FBA, empty under RFQ.
    pub quote: Quote,
    /// The public book by price level, seen the same way as `quote` (`BookDepth`).
    pub depth: BookDepth,
    /// The last trade price (CLOB), clearing price (FBA) or RFQ trade print published, as this
    /// agent sees it.
    pub last_price: Option<Price>,
    /// The size of that print: the lots of the last trade (CLOB), the volume of the last batch
    /// (FBA), the size of the last RFQ trade; seen with `last_price`.
    pub last_volume: Option<Qty>,
    /// Volume traded since the start of the run by the side that took, (buys, sells), up to
    /// the last print this agent sees; `None` where it may not see trade sizes.
    pub traded_volume: Option<(Qty, Qty)>,
    /// The mechanism of the run: agents trade by orders under CLOB and FBA, and as clients
    /// (quote requests) or dealers (quotes) under RFQ.
    pub mechanism: MechanismKind,
    /// Under RFQ: whether clients ask for two-way quotes (`[mechanism] rfq_two_way`).
    pub rfq_two_way: bool,
    /// The market's price grid (`[market] tick_size`): every price an agent sends is a multiple.
    pub tick_size: Price,
    /// The market's size grid (`[market] lot_size`): every quantity an agent sends is a multiple.
    pub lot_size: Qty,
    pub(crate) actions: &'a mut Vec<Action>,
    pub(crate) next_order_seq: &'a mut u32,
}

impl<'a> AgentCtx<'a> {
    /// A context for one callback, for code that drives an agent outside the event loop (tests,
    /// benches), under the CLOB (see [`AgentCtx::under`]). In a run only the event loop builds
    /// contexts, already filtered by latency and the leakage policy.
    pub fn new(
        now: SimTime,
        id: AgentId,
        role: Role,
        quote: Quote,
        last_price: Option<Price>,
        actions: &'a mut Vec<Action>,
        next_order_seq: &'a mut u32,
    ) -> Self {
        AgentCtx {
            now,
            id,
            role,
            quote,
            depth: BookDepth::from_levels(quote.bid, quote.ask),
            last_price,
            last_volume: None,
            traded_volume: None,
            mechanism: MechanismKind::Clob,
            rfq_two_way: false,
            tick_size: 1,
            lot_size: 1,
            actions,
            next_order_seq,
        }
    }

    /// The same context on another price and size grid.
    pub fn on_grid(self, tick_size: Price, lot_size: Qty) -> Self {
        AgentCtx {
            tick_size,
            lot_size,
            ..self
        }
    }

    /// The same context with a visible book deeper than its top (`quote` becomes its top).
    pub fn with_depth(self, depth: BookDepth) -> Self {
        AgentCtx {
            quote: depth.top(),
            depth,
            ..self
        }
    }

    /// The same context with trade sizes visible: the last print's `last_volume` and the
    /// volume traded so far, `traded` = (buys, sells).
    pub fn with_volume(self, last_volume: Qty, traded: (Qty, Qty)) -> Self {
        AgentCtx {
            last_volume: Some(last_volume),
            traded_volume: Some(traded),
            ..self
        }
    }

    /// The same context under another mechanism.
    pub fn under(self, mechanism: MechanismKind, rfq_two_way: bool) -> Self {
        AgentCtx {
            mechanism,
            rfq_two_way,
            ..self
        }
    }
}

impl AgentCtx<'_> {
    /// A fresh order id, unique in the run: the agent id in the high 32 bits and the agent's own
    /// counter in the low 32 bits, so adding an agent never renumbers another's orders.
    pub fn new_order_id(&mut self) -> OrderId {
        *self.next_order_seq += 1;
        OrderId(((self.id.0 as u64) << 32) | *self.next_order_seq as u64)
    }

    /// The highest price on the tick grid at or below `x` ticks, at least one tick: how a buyer
    /// or a bid rounds (never pays more than it meant).
    pub fn bid_price(&self, x: f64) -> Price {
        grid_floor(x, self.tick_size)
    }

    /// The lowest price on the tick grid at or above `x` ticks, at least one tick: how a seller
    /// or an ask rounds (never sells for less than it meant).
    pub fn ask_price(&self, x: f64) -> Price {
        grid_ceil(x, self.tick_size)
    }

    /// `price` moved to the grid on the passive side for `side` (down for a buy, up for a sell).
    pub fn passive_price(&self, side: Side, price: Price) -> Price {
        self.passive_price_f(side, price as f64)
    }

    /// `x` ticks moved to the grid on the passive side for `side` (down for a buy, up for a
    /// sell): the price a trader who means "at most x" (buy) or "at least x" (sell) sends.
    pub fn passive_price_f(&self, side: Side, x: f64) -> Price {
        match side {
            Side::Buy => self.bid_price(x),
            Side::Sell => self.ask_price(x),
        }
    }

    /// `qty` on the lot grid: the nearest multiple of the lot size, at least one lot.
    pub fn size(&self, qty: Qty) -> Qty {
        let l = self.lot_size;
        (((qty + l / 2) / l) * l).max(l)
    }

    /// The price this agent can see to price off: the visible mid, else the one visible side,
    /// else the last published trade price (`None` when it sees nothing at all).
    pub fn reference_price(&self) -> Option<f64> {
        match (self.quote.bid, self.quote.ask) {
            (Some((b, _)), Some((a, _))) => Some((b + a) as f64 / 2.0),
            (Some((b, _)), None) => Some(b as f64),
            (None, Some((a, _))) => Some(a as f64),
            (None, None) => self.last_price.map(|p| p as f64),
        }
    }

    /// Whether the run is a request-for-quote market.
    pub fn is_rfq(&self) -> bool {
        self.mechanism == MechanismKind::Rfq
    }

    /// Sends a quote request as a client (RFQ): `side` and `qty` with an optional `limit` (the
    /// worst price accepted), one-way or two-way as the mechanism is configured.
    pub fn request_quotes(&mut self, id: OrderId, side: Side, qty: Qty, limit: Option<Price>) {
        let request = Request::QuoteRequest(QuoteRequest {
            id,
            trader: self.id,
            side,
            two_way: self.rfq_two_way,
            qty,
            limit,
        });
        self.send(request);
    }

    /// Takes liquidity at `price` or better for `qty`: an IOC limit order on a book (CLOB,
    /// FBA), a quote request limited to `price` under RFQ. The one way informed traders and
    /// arbitrageurs trade, so both act the same under every mechanism.
    pub fn take(&mut self, side: Side, qty: Qty, price: Price) {
        let id = self.new_order_id();
        if self.is_rfq() {
            self.request_quotes(id, side, qty, Some(price));
            return;
        }
        self.send(Request::New(NewOrder {
            id,
            trader: self.id,
            side,
            qty,
            kind: OrderKind::Limit {
                price,
                tif: TimeInForce::Ioc,
            },
        }));
    }

    pub fn send(&mut self, request: Request) {
        self.actions.push(Action::Send(request));
    }

    pub fn wake_at(&mut self, time: SimTime, token: u64) {
        self.actions.push(Action::WakeAt(time, token));
    }

    pub fn wake_after(&mut self, delay: Duration, token: u64) {
        self.actions
            .push(Action::WakeAt(self.now.saturating_add(delay), token));
    }
}
