//! Visibility: who sees which field of what the venue reports, and when, under the run's
//! [`LeakagePolicy`].
//!
//! Every path from the venue to an agent goes through here: an order's reports to its owner
//! ([`Simulation::report`]), an RFQ's notices to the dealers the policy admits
//! ([`Simulation::notify_field`]), and the public feed ([`Simulation::publish_book`], the trade
//! prints of `apply` and `batch_ends`), which each agent reads through [`Simulation::view`]
//! after its market-data latency and only for the fields its [`Sight`] shows. A hidden field is
//! still logged for metrics; it only never reaches the agents the policy keeps it from.

use super::engine::{Event, Simulation};
use super::run_log::{Channel, FillRecord, MessageKind, MessageRecord};
use crate::agents::RfqNotice;
use crate::core::{AgentId, Duration, OrderId, Role, SimTime};
use crate::execution::{Field, LeakagePolicy, Parties};
use crate::mechanisms::{BookDepth, Output, Price, Qty, Quote, Side, Venue};

/// What the leakage policy lets one agent see, looked up once per run instead of at every
/// callback and report: the policy and the agent's id and role are fixed for the run, and the
/// values are the policy's own answers (see [`Sight::of`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Sight {
    /// The public top of book.
    quote: bool,
    /// The public book by price level.
    depth: bool,
    /// The last trade print (CLOB), clearing price (FBA) or RFQ trade price.
    last_price: bool,
    /// The size of the last print or batch volume.
    last_volume: bool,
    /// Extra delay of its own fills' reports, `None` if it never sees them.
    own_fill: Option<Duration>,
    /// Extra delay of its own acknowledgements, `None` if it never sees them.
    own_ack: Option<Duration>,
}

impl Sight {
    pub(super) fn of(policy: &LeakagePolicy, id: AgentId, role: Role) -> Sight {
        let public = |field| {
            policy
                .visible_to(field, &Parties::public(), id, role)
                .is_some()
        };
        let own = |field| policy.visible_to(field, &Parties::owned_by(id), id, role);
        Sight {
            quote: public(Field::TopOfBook),
            depth: public(Field::Depth),
            last_price: public(Field::TradePrint)
                || public(Field::ClearingPrice)
                || public(Field::RfqTradePrice),
            last_volume: public(Field::TradePrint)
                || public(Field::ClearingVolume)
                || public(Field::RfqTradePrice),
            own_fill: own(Field::OwnFill),
            own_ack: own(Field::OwnAck),
        }
    }
}

/// The publication delays of the public feed's fields (fixed for a run).
#[derive(Clone, Copy, Debug)]
pub(super) struct FeedDelays {
    pub(super) top_of_book: Duration,
    pub(super) trade_print: Duration,
    pub(super) clearing_price: Duration,
    pub(super) rfq_trade_price: Duration,
}

impl FeedDelays {
    pub(super) fn of(policy: &LeakagePolicy) -> FeedDelays {
        let delay = |field| Duration(policy.visibility(field).delay_ns);
        FeedDelays {
            top_of_book: delay(Field::TopOfBook),
            trade_print: delay(Field::TradePrint),
            clearing_price: delay(Field::ClearingPrice),
            rfq_trade_price: delay(Field::RfqTradePrice),
        }
    }
}

/// Which parts of an RFQ a notice may carry.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shown {
    pub(super) side: bool,
    pub(super) size: bool,
}

/// What an agent may see of the public feed in one callback: the feed as it reached the agent
/// after its market-data latency, less the fields its [`Sight`] hides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct View {
    pub(super) quote: Quote,
    pub(super) depth: BookDepth,
    pub(super) last_price: Option<Price>,
    pub(super) last_volume: Option<Qty>,
    pub(super) traded_volume: Option<(Qty, Qty)>,
}

impl Simulation<'_> {
    /// Records and routes what the venue reported.
    pub(super) fn apply(&mut self, now: SimTime, outputs: &[Output], quote_before: Quote) {
        let mut last_price = None;
        let mut printed_qty = 0;
        for out in outputs {
            match *out {
                Output::Fill(f) => {
                    match f.taker_side {
                        Side::Buy => self.traded.0 = self.traded.0.saturating_add(f.qty),
                        Side::Sell => self.traded.1 = self.traded.1.saturating_add(f.qty),
                    }
                    let fill = FillRecord {
                        time: now,
                        price: f.price,
                        qty: f.qty,
                        taker_side: f.taker_side,
                        taker: f.taker,
                        maker: f.maker,
                        taker_order: f.taker_order,
                        maker_order: f.maker_order,
                        quote_before,
                    };
                    match self.observer.as_deref_mut() {
                        Some(o) => o.on_fill(&fill),
                        None => self.log.fills.push(fill),
                    }
                    let value = f.price as i128 * f.qty as i128;
                    let sign = f.taker_side.sign();
                    let taker = &mut self.log.accounts[f.taker.0 as usize];
                    taker.position += sign * f.qty;
                    taker.cash -= sign as i128 * value;
                    let maker = &mut self.log.accounts[f.maker.0 as usize];
                    maker.position -= sign * f.qty;
                    maker.cash += sign as i128 * value;
                    last_price = Some(f.price);
                    printed_qty += f.qty;
                    self.report(now, Field::OwnFill, f.taker, *out);
                    self.report(now, Field::OwnFill, f.maker, *out);
                }
                Output::Accepted { trader, .. }
                | Output::Rejected { trader, .. }
                | Output::Cancelled { trader, .. }
                | Output::Amended { trader, .. }
                | Output::Rested { trader, .. } => self.report(now, Field::OwnAck, trader, *out),
                Output::QuoteRequested {
                    request,
                    client,
                    dealer,
                    side,
                    qty,
                } => {
                    let deadline = now.saturating_add(self.rfq.window);
                    self.notify(now, request, client, dealer, |shown| RfqNotice::Requested {
                        request,
                        client,
                        side: side.filter(|_| shown.side),
                        qty: shown.size.then_some(qty),
                        deadline,
                    });
                }
                Output::QuoteReceived { client, .. }
                | Output::RfqTraded { client, .. }
                | Output::RfqNoTrade { client, .. } => {
                    self.report(now, Field::OwnAck, client, *out);
                    if let Output::RfqTraded {
                        request,
                        client,
                        dealer: winner,
                        side,
                        qty,
                        ..
                    } = *out
                    {
                        self.traded_away(now, request, client, winner, side, qty);
                    }
                }
            }
        }
        // A continuous market prints its trades, and so does RFQ (with the print delay of
        // `rfq_trade_price`); a batch auction publishes its clearing price instead (in
        // `batch_ends`).
        let print = match self.venue {
            Venue::Clob(_) => Some(self.feed_delays.trade_print),
            Venue::Rfq(_) => Some(self.feed_delays.rfq_trade_price),
            Venue::Fba(_) => None,
        };
        if let (Some(price), Some(delay)) = (last_price, print) {
            self.board
                .publish_trade(now.saturating_add(delay), price, printed_qty, self.traded);
        }
    }

    /// What `agent` sees of the public feed now (one market-data latency draw).
    pub(super) fn view(&mut self, agent: u32, now: SimTime) -> View {
        let slot = &mut self.slots[agent as usize];
        let lag = slot.wire.market_data_arrival(now) - now;
        let feed = self.board.seen(now, lag);
        let (quote, depth) = match (slot.sight.quote, slot.sight.depth) {
            (true, true) => (feed.quote, feed.depth),
            (true, false) => (
                feed.quote,
                BookDepth::from_levels(feed.quote.bid, feed.quote.ask),
            ),
            (false, _) => (Quote::default(), BookDepth::default()),
        };
        View {
            quote,
            depth,
            last_price: feed.last_price.filter(|_| slot.sight.last_price),
            last_volume: feed.last_volume.filter(|_| slot.sight.last_volume),
            traded_volume: slot.sight.last_volume.then_some(feed.traded),
        }
    }

    /// Sends dealer `dealer` the notice that it is asked to quote, if `rfq_request` shows it.
    pub(super) fn notify(
        &mut self,
        now: SimTime,
        request: OrderId,
        client: AgentId,
        dealer: AgentId,
        notice: impl FnOnce(Shown) -> RfqNotice,
    ) {
        self.notify_field(now, Field::RfqRequest, request, client, dealer, notice);
    }

    /// Sends `viewer` a notice about `client`'s request if the leakage policy shows it `field`,
    /// with the side and size where `rfq_side` and `rfq_size` show them. It leaves on the ack
    /// channel after the longest delay among the fields it carries.
    pub(super) fn notify_field(
        &mut self,
        now: SimTime,
        field: Field,
        request: OrderId,
        client: AgentId,
        viewer: AgentId,
        notice: impl FnOnce(Shown) -> RfqNotice,
    ) {
        let dealers = match self.rfq.index.get(&request) {
            Some(&i) => self.log.rfq[i].dealers.clone(),
            None => Vec::new(),
        };
        let parties = Parties::request(client, &dealers);
        let role = self.slots[viewer.0 as usize].info.role;
        let see = |f| self.leakage.visible_to(f, &parties, viewer, role);
        let Some(mut delay) = see(field) else { return };
        let side = see(Field::RfqSide);
        let size = see(Field::RfqSize);
        for d in [side, size].into_iter().flatten() {
            delay = delay.max(d);
        }
        let notice = notice(Shown {
            side: side.is_some(),
            size: size.is_some(),
        });
        let at = self.slots[viewer.0 as usize]
            .wire
            .ack_arrival(now)
            .saturating_add(delay);
        if let Some(m) = self.log.messages.as_mut() {
            let (kind, side, qty) = match notice {
                RfqNotice::Requested { side, qty, .. } => (MessageKind::QuoteRequested, side, qty),
                RfqNotice::TradedAway { side, qty, .. } => (MessageKind::TradedAway, side, qty),
            };
            m.push(MessageRecord {
                sent: now,
                delivered: at,
                agent: viewer,
                channel: Channel::Report,
                kind,
                order_id: Some(request),
                side,
                price: None,
                qty,
            });
        }
        self.queue.schedule(
            at,
            Event::Notice {
                agent: viewer.0,
                notice,
            },
        );
    }

    /// After a request: a continuous book publishes every change at once; a batch auction's
    /// book is sealed until the batch ends ([`Self::publish_book`] from `batch_ends`), and RFQ
    /// has no book.
    pub(super) fn publish_top(&mut self, now: SimTime) {
        if matches!(self.venue, Venue::Clob(_)) {
            self.publish_book(now);
        }
    }

    /// Publishes the venue's book by price level on the feed if it changed, and logs a change
    /// of its top (the quote the metrics measure).
    pub(super) fn publish_book(&mut self, now: SimTime) {
        let depth = self.venue.depth();
        if depth == self.last_depth {
            return;
        }
        self.last_depth = depth;
        let top = depth.top();
        if top != self.last_top {
            self.last_top = top;
            match self.observer.as_deref_mut() {
                Some(o) => o.on_quote(now, top),
                None => self.log.quotes.push((now, top)),
            }
        }
        let delay = self.feed_delays.top_of_book;
        self.board.publish_book(now.saturating_add(delay), depth);
    }

    /// Sends a venue report to its owner, if the leakage policy lets the owner see it.
    pub(super) fn report(&mut self, now: SimTime, field: Field, owner: AgentId, output: Output) {
        let slot = &mut self.slots[owner.0 as usize];
        let visible = match field {
            Field::OwnFill => slot.sight.own_fill,
            Field::OwnAck => slot.sight.own_ack,
            _ => self
                .leakage
                .visible_to(field, &Parties::owned_by(owner), owner, slot.info.role),
        };
        let Some(delay) = visible else {
            return;
        };
        let at = slot.wire.ack_arrival(now).saturating_add(delay);
        if self.log.messages.is_some() {
            let (kind, id) = match output {
                Output::Accepted { id, .. } => (MessageKind::Accepted, id),
                Output::Rejected { id, .. } => (MessageKind::Rejected, id),
                Output::Fill(f) => (
                    MessageKind::Fill,
                    if f.taker == owner {
                        f.taker_order
                    } else {
                        f.maker_order
                    },
                ),
                Output::Cancelled { id, .. } => (MessageKind::Cancelled, id),
                Output::Amended { id, .. } => (MessageKind::Amended, id),
                Output::Rested { id, .. } => (MessageKind::Rested, id),
                Output::QuoteRequested { request, .. } => (MessageKind::QuoteRequested, request),
                Output::QuoteReceived { quote, .. } => (MessageKind::QuoteReceived, quote),
                Output::RfqTraded { request, .. } => (MessageKind::RfqTraded, request),
                Output::RfqNoTrade { request, .. } => (MessageKind::RfqNoTrade, request),
            };
            self.record(now, at, owner.0, Channel::Report, kind, Some(id));
        }
        self.queue.schedule(
            at,
            Event::Report {
                agent: owner.0,
                output,
            },
        );
    }
}
