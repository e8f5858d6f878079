//! Tests of the request-for-quote venue: hand-worked cases with exact outputs, and a property
//! test that the client gets the best acceptable quote and that a trade moves exactly the
//! request's quantity between client and dealer at the quoted price.
//!
//! The number of property cases is `PROPTEST_CASES` when set, 256 otherwise.

use crate::support::builders::{accepted, rejected};
use crate::support::proptest_cases;
use proptest::prelude::*;
use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    CancelReason, DealerQuote, Fill, NewOrder, NoTradeReason, OrderKind, Output, Price, Qty,
    QuoteRequest, RejectReason, Request, RfqConfig, RfqError, RfqVenue, Side, TimeInForce,
};
use std::collections::BTreeMap;

use Side::{Buy, Sell};

const CLIENT: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;
const D: u32 = 4;
const E: u32 = 5;

fn agents(ids: &[u32]) -> Vec<AgentId> {
    ids.iter().map(|&i| AgentId(i)).collect()
}

fn request(id: u64, side: Side, two_way: bool, qty: Qty, limit: Option<Price>) -> QuoteRequest {
    QuoteRequest {
        id: OrderId(id),
        trader: AgentId(CLIENT),
        side,
        two_way,
        qty,
        limit,
    }
}

fn quote(
    id: u64,
    dealer: u32,
    req: u64,
    bid: Option<Price>,
    ask: Option<Price>,
    qty: Qty,
) -> DealerQuote {
    DealerQuote {
        id: OrderId(id),
        trader: AgentId(dealer),
        request: OrderId(req),
        bid,
        ask,
        qty,
    }
}

fn requested(req: u64, dealer: u32, side: Option<Side>, qty: Qty) -> Output {
    Output::QuoteRequested {
        request: OrderId(req),
        client: AgentId(CLIENT),
        dealer: AgentId(dealer),
        side,
        qty,
    }
}

fn received(q: &DealerQuote) -> Output {
    Output::QuoteReceived {
        quote: q.id,
        request: q.request,
        client: AgentId(CLIENT),
        dealer: q.trader,
        bid: q.bid,
        ask: q.ask,
        qty: q.qty,
    }
}

fn expired(q: &DealerQuote) -> Output {
    Output::Cancelled {
        id: q.id,
        trader: q.trader,
        qty: q.qty,
        reason: CancelReason::Expired,
    }
}

/// The fill and the outcome of a trade of request `req` with quote `q`.
fn traded(req: u64, side: Side, q: &DealerQuote, price: Price, qty: Qty) -> [Output; 2] {
    [
        Output::Fill(Fill {
            taker_order: OrderId(req),
            maker_order: q.id,
            taker: AgentId(CLIENT),
            maker: q.trader,
            taker_side: side,
            price,
            qty,
        }),
        Output::RfqTraded {
            request: OrderId(req),
            quote: q.id,
            client: AgentId(CLIENT),
            dealer: q.trader,
            side,
            price,
            qty,
        },
    ]
}

fn no_trade(req: u64, reason: NoTradeReason) -> Output {
    Output::RfqNoTrade {
        request: OrderId(req),
        client: AgentId(CLIENT),
        reason,
    }
}

fn venue() -> RfqVenue {
    RfqVenue::new(RfqConfig::default())
}

fn open(v: &mut RfqVenue, r: QuoteRequest, dealers: &[u32]) -> Vec<Output> {
    let mut out = Vec::new();
    v.open(r, &agents(dealers), &mut out).unwrap();
    out
}

fn send_quote(v: &mut RfqVenue, q: DealerQuote) -> Vec<Output> {
    let mut out = Vec::new();
    v.quote(q, &mut out);
    out
}

fn close(v: &mut RfqVenue, req: u64) -> Vec<Output> {
    let mut out = Vec::new();
    v.close(OrderId(req), &mut out).unwrap();
    out
}

/// Sends quotes that must each be accepted.
fn quotes(v: &mut RfqVenue, qs: &[DealerQuote]) {
    for q in qs {
        assert_eq!(
            send_quote(v, *q),
            vec![accepted(q.id.0, q.trader.0), received(q)]
        );
    }
}

#[test]
fn a_hand_worked_one_way_request_from_open_to_close() {
    let mut v = venue();
    let r = request(1, Buy, false, 10, Some(101));
    assert_eq!(
        open(&mut v, r, &[B, C, D]),
        vec![
            accepted(1, CLIENT),
            requested(1, B, Some(Buy), 10),
            requested(1, C, Some(Buy), 10),
            requested(1, D, Some(Buy), 10),
        ]
    );
    assert!(v.is_open(OrderId(1)));
    assert_eq!(v.dealers(OrderId(1)), Some(&agents(&[B, C, D])[..]));
    let qb = quote(10, B, 1, Some(98), Some(101), 10);
    let qc = quote(11, C, 1, None, Some(100), 10);
    let qd = quote(12, D, 1, None, Some(100), 10);
    quotes(&mut v, &[qb, qc, qd]);
    assert_eq!(v.quotes(OrderId(1)), &[qb, qc, qd]);
    // Best ask 100, quoted by C and D: C's arrived first.
    let [fill, outcome] = traded(1, Buy, &qc, 100, 10);
    assert_eq!(
        close(&mut v, 1),
        vec![fill, outcome, expired(&qb), expired(&qd)]
    );
    assert!(!v.is_open(OrderId(1)));
    assert_eq!(v.quotes(OrderId(1)), &[]);
}

#[test]
fn the_earliest_of_equal_best_quotes_wins_whatever_the_dealer_order() {
    let mut v = venue();
    open(&mut v, request(1, Sell, false, 5, None), &[B, C, D]);
    let qd = quote(10, D, 1, Some(99), None, 5);
    let qb = quote(11, B, 1, Some(99), None, 5);
    let qc = quote(12, C, 1, Some(98), None, 5);
    quotes(&mut v, &[qd, qb, qc]);
    let [fill, outcome] = traded(1, Sell, &qd, 99, 5);
    assert_eq!(
        close(&mut v, 1),
        vec![fill, outcome, expired(&qb), expired(&qc)]
    );
}

#[test]
fn a_late_quote_is_rejected_as_too_late() {
    let mut v = venue();
    open(&mut v, request(1, Buy, false, 5, None), &[B, C]);
    let qb = quote(10, B, 1, None, Some(100), 5);
    quotes(&mut v, &[qb]);
    let [fill, outcome] = traded(1, Buy, &qb, 100, 5);
    assert_eq!(close(&mut v, 1), vec![fill, outcome]);
    let late = quote(11, C, 1, None, Some(90), 5);
    assert_eq!(
        send_quote(&mut v, late),
        vec![rejected(11, C, RejectReason::TooLate)]
    );
}

#[test]
fn quotes_from_dealers_not_asked_are_rejected_open_or_closed() {
    let mut v = venue();
    open(&mut v, request(1, Buy, false, 5, None), &[B]);
    assert_eq!(
        send_quote(&mut v, quote(10, E, 1, None, Some(90), 5)),
        vec![rejected(10, E, RejectReason::NotAddressed)]
    );
    // The client is never a dealer of its own request.
    assert_eq!(
        send_quote(&mut v, quote(11, CLIENT, 1, None, Some(90), 5)),
        vec![rejected(11, CLIENT, RejectReason::NotAddressed)]
    );
    close(&mut v, 1);
    // Not asked comes before too late.
    assert_eq!(
        send_quote(&mut v, quote(12, E, 1, None, Some(90), 5)),
        vec![rejected(12, E, RejectReason::NotAddressed)]
    );
}

#[test]
fn no_trade_when_no_quote_beats_the_limit_or_none_arrives() {
    let mut v = venue();
    open(&mut v, request(1, Buy, false, 5, Some(100)), &[B, C]);
    let qb = quote(10, B, 1, None, Some(101), 5);
    let qc = quote(11, C, 1, None, Some(102), 5);
    quotes(&mut v, &[qb, qc]);
    assert_eq!(
        close(&mut v, 1),
        vec![
            no_trade(1, NoTradeReason::LimitNotMet),
            expired(&qb),
            expired(&qc)
        ]
    );
    // A quote at the limit is good enough.
    open(&mut v, request(2, Sell, false, 5, Some(100)), &[B, C]);
    let qb = quote(12, B, 2, Some(100), None, 5);
    quotes(&mut v, &[qb]);
    let [fill, outcome] = traded(2, Sell, &qb, 100, 5);
    assert_eq!(close(&mut v, 2), vec![fill, outcome]);
    open(&mut v, request(3, Sell, false, 5, Some(100)), &[B, C]);
    assert_eq!(close(&mut v, 3), vec![no_trade(3, NoTradeReason::NoQuotes)]);
    // No dealers at all is allowed and ends without quotes.
    assert_eq!(
        open(&mut v, request(4, Buy, true, 5, None), &[]),
        vec![accepted(4, CLIENT)]
    );
    assert_eq!(close(&mut v, 4), vec![no_trade(4, NoTradeReason::NoQuotes)]);
}

#[test]
fn a_two_way_request_hides_the_side_and_needs_both_prices() {
    let mut v = venue();
    assert_eq!(
        open(&mut v, request(1, Sell, true, 5, None), &[B, C, D]),
        vec![
            accepted(1, CLIENT),
            requested(1, B, None, 5),
            requested(1, C, None, 5),
            requested(1, D, None, 5),
        ]
    );
    assert_eq!(
        send_quote(&mut v, quote(10, B, 1, None, Some(101), 5)),
        vec![rejected(10, B, RejectReason::MissingQuoteSide)]
    );
    assert_eq!(
        send_quote(&mut v, quote(11, B, 1, Some(99), None, 5)),
        vec![rejected(11, B, RejectReason::MissingQuoteSide)]
    );
    // The client sells: the best bid wins, although C has the best ask.
    let qb = quote(12, B, 1, Some(99), Some(103), 5);
    let qc = quote(13, C, 1, Some(97), Some(100), 5);
    quotes(&mut v, &[qb, qc]);
    let [fill, outcome] = traded(1, Sell, &qb, 99, 5);
    assert_eq!(close(&mut v, 1), vec![fill, outcome, expired(&qc)]);
}

#[test]
fn a_one_way_quote_may_carry_the_other_side_which_is_ignored() {
    let mut v = venue();
    open(&mut v, request(1, Buy, false, 5, None), &[B, C]);
    assert_eq!(
        send_quote(&mut v, quote(10, B, 1, Some(120), None, 5)),
        vec![rejected(10, B, RejectReason::MissingQuoteSide)]
    );
    let qb = quote(11, B, 1, Some(120), Some(101), 5);
    let qc = quote(12, C, 1, None, Some(102), 5);
    quotes(&mut v, &[qb, qc]);
    let [fill, outcome] = traded(1, Buy, &qb, 101, 5);
    assert_eq!(close(&mut v, 1), vec![fill, outcome, expired(&qc)]);
}

#[test]
fn validation_order_and_reject_reasons() {
    let mut v = RfqVenue::new(RfqConfig {
        tick_size: 2,
        lot_size: 5,
    });
    let reject_request = |v: &mut RfqVenue, r: QuoteRequest, reason| {
        assert_eq!(open(v, r, &[B]), vec![rejected(r.id.0, CLIENT, reason)]);
    };
    reject_request(
        &mut v,
        request(1, Buy, false, 0, None),
        RejectReason::NonPositiveQty,
    );
    reject_request(
        &mut v,
        request(2, Buy, false, 7, None),
        RejectReason::OffLot,
    );
    reject_request(
        &mut v,
        request(3, Buy, false, 5, Some(0)),
        RejectReason::NonPositivePrice,
    );
    reject_request(
        &mut v,
        request(4, Buy, false, 5, Some(101)),
        RejectReason::OffTick,
    );
    reject_request(
        &mut v,
        request(1, Buy, false, 5, None),
        RejectReason::DuplicateOrderId,
    );
    open(&mut v, request(5, Buy, false, 10, None), &[B, C]);
    let reject_quote = |v: &mut RfqVenue, q: DealerQuote, reason| {
        assert_eq!(send_quote(v, q), vec![rejected(q.id.0, q.trader.0, reason)]);
    };
    reject_quote(
        &mut v,
        quote(5, B, 5, None, Some(100), 10),
        RejectReason::DuplicateOrderId,
    );
    reject_quote(
        &mut v,
        quote(20, B, 99, None, Some(100), 10),
        RejectReason::UnknownOrder,
    );
    // A rejected request was never opened.
    reject_quote(
        &mut v,
        quote(21, B, 1, None, Some(100), 10),
        RejectReason::UnknownOrder,
    );
    reject_quote(
        &mut v,
        quote(22, B, 5, None, Some(100), 0),
        RejectReason::NonPositiveQty,
    );
    reject_quote(
        &mut v,
        quote(23, B, 5, None, Some(100), 7),
        RejectReason::OffLot,
    );
    reject_quote(
        &mut v,
        quote(24, B, 5, None, Some(100), 5),
        RejectReason::QuoteSizeMismatch,
    );
    reject_quote(
        &mut v,
        quote(25, B, 5, Some(98), None, 10),
        RejectReason::MissingQuoteSide,
    );
    reject_quote(
        &mut v,
        quote(26, B, 5, Some(-2), Some(100), 10),
        RejectReason::NonPositivePrice,
    );
    reject_quote(
        &mut v,
        quote(27, B, 5, None, Some(101), 10),
        RejectReason::OffTick,
    );
    // Ids are burned on sight.
    reject_quote(
        &mut v,
        quote(27, B, 5, None, Some(100), 10),
        RejectReason::DuplicateOrderId,
    );
    let good = quote(28, B, 5, None, Some(100), 10);
    quotes(&mut v, &[good]);
    reject_quote(
        &mut v,
        quote(29, B, 5, None, Some(98), 10),
        RejectReason::DuplicateQuote,
    );
    assert_eq!(v.quotes(OrderId(5)), &[good]);
}

#[test]
fn order_book_requests_are_unsupported_and_record_nothing() {
    let mut v = venue();
    let order = Request::New(NewOrder {
        id: OrderId(1),
        trader: AgentId(CLIENT),
        side: Buy,
        qty: 5,
        kind: OrderKind::Limit {
            price: 100,
            tif: TimeInForce::Gtc,
        },
    });
    for r in [
        order,
        Request::Cancel {
            id: OrderId(1),
            trader: AgentId(CLIENT),
        },
        Request::Amend {
            id: OrderId(1),
            trader: AgentId(CLIENT),
            price: 100,
            qty: 5,
        },
    ] {
        let mut out = Vec::new();
        v.handle(r, &[], &mut out).unwrap();
        assert_eq!(
            out,
            vec![rejected(1, CLIENT, RejectReason::UnsupportedRequest)]
        );
    }
    // `handle` dispatches RFQ requests, and id 1 is still free.
    let mut out = Vec::new();
    v.handle(
        Request::QuoteRequest(request(1, Buy, false, 5, None)),
        &agents(&[B]),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out,
        vec![accepted(1, CLIENT), requested(1, B, Some(Buy), 5)]
    );
    out.clear();
    let q = quote(2, B, 1, None, Some(100), 5);
    v.handle(Request::DealerQuote(q), &[], &mut out).unwrap();
    assert_eq!(out, vec![accepted(2, B), received(&q)]);
}

#[test]
fn caller_mistakes_are_errors_that_change_nothing() {
    let mut v = venue();
    let mut out = Vec::new();
    let r = request(1, Buy, false, 5, None);
    assert_eq!(
        v.open(r, &agents(&[B, CLIENT]), &mut out),
        Err(RfqError::ClientAmongDealers {
            request: OrderId(1),
            client: AgentId(CLIENT)
        })
    );
    assert_eq!(
        v.open(r, &agents(&[B, C, B]), &mut out),
        Err(RfqError::DuplicateDealer {
            request: OrderId(1),
            dealer: AgentId(B)
        })
    );
    assert_eq!(
        v.close(OrderId(1), &mut out),
        Err(RfqError::UnknownRequest(OrderId(1)))
    );
    assert!(out.is_empty());
    // The id was not burned.
    open(&mut v, r, &[B]);
    close(&mut v, 1);
    assert_eq!(
        v.close(OrderId(1), &mut out),
        Err(RfqError::AlreadyClosed(OrderId(1)))
    );
    assert!(out.is_empty());
}

// ---- property: best acceptable quote, and accounting ----

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Account {
    position: Qty,
    cash: i128,
}

/// Applies a fill to the accounts the way every venue's fills are booked.
fn book_fill(accounts: &mut BTreeMap<AgentId, Account>, f: &Fill) {
    let value = i128::from(f.price) * i128::from(f.qty);
    let sign = f.taker_side.sign();
    let taker = accounts.entry(f.taker).or_default();
    taker.position += sign * f.qty;
    taker.cash -= i128::from(sign) * value;
    let maker = accounts.entry(f.maker).or_default();
    maker.position -= sign * f.qty;
    maker.cash += i128::from(sign) * value;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases()))]

    /// Dealers 2.. answer (or not) in a random order with random prices; the client must trade
    /// exactly with the best quote for its side (earliest among equals) if it meets the limit,
    /// and the trade must move exactly its quantity at that price.
    #[test]
    fn the_client_trades_the_best_acceptable_quote(
        side in prop_oneof![Just(Buy), Just(Sell)],
        two_way in any::<bool>(),
        qty in 1i64..20,
        limit in proptest::option::of(90i64..110),
        answers in proptest::collection::vec((proptest::option::of((90i64..110, 1i64..5)), any::<u16>()), 0..8),
    ) {
        let mut v = venue();
        let dealers: Vec<u32> = (0..answers.len() as u32).map(|i| i + 2).collect();
        open(&mut v, request(1, side, two_way, qty, limit), &dealers);
        // Answer in a shuffled order: sort dealers by their random key.
        let mut order: Vec<(u16, usize)> = answers.iter().enumerate().map(|(i, a)| (a.1, i)).collect();
        order.sort();
        let mut received_quotes = Vec::new();
        for (n, &(_, i)) in order.iter().enumerate() {
            let Some((mid, half)) = answers[i].0 else { continue };
            let q = quote(100 + n as u64, dealers[i], 1, Some(mid - half), Some(mid + half), qty);
            quotes(&mut v, &[q]);
            received_quotes.push(q);
        }
        let out = close(&mut v, 1);
        // The expected winner by brute force: best price for the client, then arrival.
        let offered = |q: &DealerQuote| if side == Buy { q.ask.unwrap() } else { q.bid.unwrap() };
        let winner = received_quotes
            .iter()
            .enumerate()
            .min_by_key(|(i, q)| (offered(q) * side.sign(), *i))
            .map(|(_, q)| *q)
            .filter(|q| limit.is_none_or(|l| offered(q) * side.sign() <= l * side.sign()));
        let fills: Vec<Fill> = out.iter().filter_map(|o| match o { Output::Fill(f) => Some(*f), _ => None }).collect();
        let outcomes = out.iter().filter(|o| matches!(o, Output::RfqTraded { .. } | Output::RfqNoTrade { .. })).count();
        prop_assert_eq!(outcomes, 1);
        let expiries = out.iter().filter(|o| matches!(o, Output::Cancelled { reason: CancelReason::Expired, .. })).count();
        prop_assert_eq!(expiries + fills.len(), received_quotes.len());
        match winner {
            None => prop_assert!(fills.is_empty()),
            Some(w) => {
                prop_assert_eq!(fills.len(), 1);
                let f = fills[0];
                prop_assert_eq!((f.maker_order, f.maker, f.price, f.qty), (w.id, w.trader, offered(&w), qty));
                prop_assert_eq!((f.taker_order, f.taker, f.taker_side), (OrderId(1), AgentId(CLIENT), side));
                let mut accounts = BTreeMap::new();
                book_fill(&mut accounts, &f);
                let value = i128::from(offered(&w)) * i128::from(qty);
                let client = accounts[&AgentId(CLIENT)];
                let dealer = accounts[&w.trader];
                prop_assert_eq!(client, Account { position: side.sign() * qty, cash: -i128::from(side.sign()) * value });
                prop_assert_eq!(dealer, Account { position: -side.sign() * qty, cash: i128::from(side.sign()) * value });
            }
        }
    }
}
