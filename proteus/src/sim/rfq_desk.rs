//! The RFQ desk: the event loop's side of request-for-quote trading. It picks each request's
//! dealers, opens the request on the venue and schedules the end of its response window, files
//! the dealers' quotes (in time or late) on the request's record, closes the window, and tells
//! the losing dealers of a trade (as far as the leakage policy lets them see it).
//!
//! What an RFQ's notices show, and to whom, is decided in [`super::routing`].

use super::engine::{Event, Simulation};
use super::run_log::{RfqOutcome, RfqQuoteRecord, RfqRecord};
use crate::agents::RfqNotice;
use crate::core::{AgentId, Duration, OrderId, SimTime};
use crate::execution::Field;
use crate::mechanisms::{
    DealerQuote, Output, Price, Qty, Quote, QuoteRequest, RejectReason, Side, Venue,
};
use std::collections::BTreeMap;

/// The event loop's side of RFQ: dealer selection, windows, the reference price, and where each
/// request's record is.
pub(super) struct RfqState {
    /// Dealers asked per request (`[mechanism] rfq_dealers`).
    pub(super) k: usize,
    pub(super) window: Duration,
    pub(super) two_way: bool,
    /// The market makers, in id order: the dealers.
    pub(super) pool: Vec<AgentId>,
    /// Where the next request's dealer list starts in `pool`; moves on by k per request.
    pub(super) cursor: usize,
    /// The price of the last RFQ trade: the reference price of the next request.
    pub(super) last_trade: Option<Price>,
    /// Request id → index in `RunLog::rfq`.
    pub(super) index: BTreeMap<OrderId, usize>,
}

impl RfqState {
    /// The dealers of the next request by `client` (docs/mechanisms.md): the market makers
    /// other than the client, in id order, taken round robin: `min(k, n)` of them starting at
    /// the cursor (wrapping around), and the cursor moves on by that many.
    pub(super) fn pick(&mut self, client: AgentId) -> Vec<AgentId> {
        let pool: Vec<AgentId> = self.pool.iter().copied().filter(|&d| d != client).collect();
        if pool.is_empty() {
            return pool;
        }
        let n = pool.len();
        let k = self.k.min(n);
        let start = self.cursor % n;
        self.cursor = (start + k) % n;
        (0..k).map(|j| pool[(start + j) % n]).collect()
    }
}

impl Simulation<'_> {
    /// Opens client request `r` on the RFQ venue with the dealers picked for it, schedules the
    /// end of its window (unless the venue rejected it) and starts its record.
    pub(super) fn rfq_opens(&mut self, now: SimTime, r: QuoteRequest, outputs: &mut Vec<Output>) {
        let dealers = self.rfq.pick(r.trader);
        let Venue::Rfq(v) = &mut self.venue else {
            unreachable!("quote requests are opened only under RFQ")
        };
        v.open(r, &dealers, outputs)
            .expect("the dealers are distinct market makers other than the client");
        let rejected = outputs.iter().find_map(|o| match *o {
            Output::Rejected { reason, .. } => Some(reason),
            _ => None,
        });
        if rejected.is_none() {
            let close = now.saturating_add(self.rfq.window);
            self.queue.schedule(close, Event::RfqClose(r.id));
        }
        self.rfq.index.insert(r.id, self.log.rfq.len());
        self.log.rfq.push(RfqRecord {
            request: r.id,
            time: now,
            client: r.trader,
            side: r.side,
            two_way: r.two_way,
            qty: r.qty,
            limit: r.limit,
            dealers: if rejected.is_some() {
                Vec::new()
            } else {
                dealers
            },
            reference: self.rfq.last_trade,
            quotes: Vec::new(),
            late_quotes: Vec::new(),
            closed: None,
            outcome: rejected.map_or(RfqOutcome::Open, RfqOutcome::Rejected),
        });
    }

    /// Hands dealer quote `q` to the RFQ venue and files it on its request's record: among the
    /// quotes if the venue accepted it, among the late quotes if it came after the close.
    pub(super) fn rfq_quoted(&mut self, now: SimTime, q: DealerQuote, outputs: &mut Vec<Output>) {
        let Venue::Rfq(v) = &mut self.venue else {
            unreachable!("dealer quotes are filed only under RFQ")
        };
        v.quote(q, outputs);
        let record = RfqQuoteRecord {
            quote: q.id,
            dealer: q.trader,
            time: now,
            bid: q.bid,
            ask: q.ask,
        };
        let entry = self
            .rfq
            .index
            .get(&q.request)
            .map(|&i| &mut self.log.rfq[i]);
        match (entry, outputs.first()) {
            (Some(e), Some(Output::Accepted { .. })) => e.quotes.push(record),
            (
                Some(e),
                Some(Output::Rejected {
                    reason: RejectReason::TooLate,
                    ..
                }),
            ) => e.late_quotes.push(record),
            _ => {}
        }
    }

    /// Closes an RFQ at the end of its response window: the client takes the best quote if it
    /// beats its limit (`RfqVenue::close`), and the outcome is routed like any venue output.
    pub(super) fn rfq_closes(&mut self, now: SimTime, request: OrderId) {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.clear();
        let Venue::Rfq(v) = &mut self.venue else {
            unreachable!("RFQ windows exist only under RFQ")
        };
        v.close(request, &mut outputs)
            .expect("each opened request closes exactly once");
        let i = self.rfq.index[&request];
        let record = &mut self.log.rfq[i];
        record.closed = Some(now);
        // An RFQ fill's reference quote: a zero-size quote at the reference price (its mid).
        let quote_before = record.reference.map_or(Quote::default(), |p| Quote {
            bid: Some((p, 0)),
            ask: Some((p, 0)),
        });
        for o in &outputs {
            match *o {
                Output::RfqTraded {
                    dealer,
                    quote,
                    price,
                    ..
                } => {
                    record.outcome = RfqOutcome::Traded {
                        dealer,
                        quote,
                        price,
                    };
                    self.rfq.last_trade = Some(price);
                }
                Output::RfqNoTrade { reason, .. } => {
                    record.outcome = RfqOutcome::NoTrade(reason);
                }
                _ => {}
            }
        }
        self.apply(now, &outputs, quote_before);
        self.outputs = outputs;
    }

    /// Tells the losing dealers of a traded RFQ that it traded (`rfq_trade_happened`), with its
    /// side where the request was one-way and `rfq_side` shows it, and its size where
    /// `rfq_size` does. The winner learns from its fill, the client from its report.
    pub(super) fn traded_away(
        &mut self,
        now: SimTime,
        request: OrderId,
        client: AgentId,
        winner: AgentId,
        side: Side,
        qty: Qty,
    ) {
        let i = self.rfq.index[&request];
        let two_way = self.log.rfq[i].two_way;
        let dealers = self.log.rfq[i].dealers.clone();
        for dealer in dealers.into_iter().filter(|&d| d != winner) {
            self.notify_field(
                now,
                Field::RfqTradeHappened,
                request,
                client,
                dealer,
                |shown| RfqNotice::TradedAway {
                    request,
                    side: (shown.side && !two_way).then_some(side),
                    qty: shown.size.then_some(qty),
                },
            );
        }
    }
}
