//! Unit tests of the frequent batch auction: one behaviour per test, exact outputs and batch
//! outcomes worked out by hand from the rules in `proteus::mechanisms::fba`.

use crate::support::builders::*;
use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    BatchAuction, BatchOrder, BatchOutcome, CancelReason, DealerQuote, FbaConfig, OrderKind,
    Output, Price, Qty, QuoteRequest, Rationing, RejectReason, Request, Side, TimeInForce,
};

use Side::{Buy, Sell};

const A: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;
const D: u32 = 4;

// ---- outputs and book entries (the rest is in `support::builders`) ----

fn expired(id: u64, trader: u32, qty: Qty) -> Output {
    cancelled(id, trader, qty, CancelReason::Expired)
}

fn gtc(id: u64, trader: u32, side: Side, price: Price, qty: Qty) -> BatchOrder {
    BatchOrder {
        id: OrderId(id),
        trader: AgentId(trader),
        side,
        kind: OrderKind::Limit {
            price,
            tif: TimeInForce::Gtc,
        },
        qty,
    }
}

fn outcome(
    batch: u64,
    clearing_price: Option<Price>,
    volume: Qty,
    imbalance: Qty,
    buy_interest: Qty,
    sell_interest: Qty,
) -> BatchOutcome {
    BatchOutcome {
        batch,
        clearing_price,
        volume,
        imbalance,
        buy_interest,
        sell_interest,
    }
}

// ---- harness ----

fn auction() -> BatchAuction {
    BatchAuction::new(FbaConfig::default())
}

fn auction_with(rationing: Rationing) -> BatchAuction {
    BatchAuction::new(FbaConfig {
        rationing,
        ..FbaConfig::default()
    })
}

fn send(a: &mut BatchAuction, request: Request) -> Vec<Output> {
    let mut out = Vec::new();
    a.handle(request, &mut out);
    out
}

/// Sends requests that must each be accepted (building a book).
fn setup(a: &mut BatchAuction, requests: &[Request]) {
    for &r in requests {
        let out = send(a, r);
        assert!(
            matches!(out.first(), Some(Output::Accepted { .. })),
            "setup request {r:?} was not accepted: {out:?}"
        );
    }
}

fn clear(a: &mut BatchAuction) -> (Vec<Output>, BatchOutcome) {
    let mut out = Vec::new();
    let o = a.clear(&mut out);
    (out, o)
}

macro_rules! assert_outputs {
    ($actual:expr, [$($expected:expr),* $(,)?]) => {
        check("outputs", &$actual, &[$($expected),*])
    };
}

macro_rules! assert_side {
    ($a:expr, $side:expr, [$($expected:expr),* $(,)?]) => {
        check("open orders", &$a.orders($side), &[$($expected),*])
    };
}

// ---- during a batch ----

#[test]
fn orders_are_acknowledged_and_sealed_without_trading() {
    let mut a = auction();
    assert_outputs!(send(&mut a, limit(1, A, Buy, 101, 5)), [accepted(1, A)]);
    assert_outputs!(send(&mut a, limit(2, B, Sell, 99, 3)), [accepted(2, B)]);
    // Crossed until the batch end: nothing trades in `handle`.
    assert_eq!(a.best_bid(), Some((101, 5)));
    assert_eq!(a.best_ask(), Some((99, 3)));
    assert_eq!(a.len(), 2);
    assert_eq!(a.order(OrderId(1)), Some(gtc(1, A, Buy, 101, 5)));
}

#[test]
fn a_simple_cross_clears_at_the_middle_of_the_range_before_any_batch_traded() {
    let mut a = auction();
    setup(
        &mut a,
        &[limit(1, A, Buy, 101, 5), limit(2, B, Sell, 99, 3)],
    );
    // V = 3 on 99..=101 with imbalance 2 everywhere: the middle tick, 100.
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(2, B, 1, A, Sell, 100, 3)]);
    assert_eq!(o, outcome(0, Some(100), 3, 2, 5, 3));
    assert_side!(a, Buy, [gtc(1, A, Buy, 101, 2)]);
    assert_side!(a, Sell, []);
    assert_eq!(a.last_clearing_price(), Some(100));
    // An empty batch: no price, and the previous price stays.
    let (out, o) = clear(&mut a);
    assert_outputs!(out, []);
    assert_eq!(o, outcome(1, None, 0, 0, 2, 0));
    assert_eq!(a.last_clearing_price(), Some(100));
}

/// Buys 6@104 and 4@100 against sells 6@100 and 4@104: volume 6 at every price in 100..=104,
/// but demand equals supply only on 101..=103.
fn range_book(a: &mut BatchAuction, first_id: u64) {
    let i = first_id;
    setup(
        a,
        &[
            limit(i, A, Buy, 104, 6),
            limit(i + 1, C, Buy, 100, 4),
            limit(i + 2, B, Sell, 100, 6),
            limit(i + 3, D, Sell, 104, 4),
        ],
    );
}

#[test]
fn the_imbalance_narrows_the_range_and_the_middle_tick_is_taken() {
    let mut a = auction();
    range_book(&mut a, 1);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(3, B, 1, A, Sell, 102, 6)]);
    assert_eq!(o, outcome(0, Some(102), 6, 0, 10, 10));
    assert_side!(a, Buy, [gtc(2, C, Buy, 100, 4)]);
    assert_side!(a, Sell, [gtc(4, D, Sell, 104, 4)]);
}

#[test]
fn the_price_nearest_the_previous_one_is_taken_within_the_range() {
    let mut a = auction();
    setup(
        &mut a,
        &[limit(1, A, Buy, 110, 2), limit(2, B, Sell, 110, 2)],
    );
    let (_, o) = clear(&mut a);
    assert_eq!(o.clearing_price, Some(110));
    range_book(&mut a, 3);
    // 101..=103 balance demand and supply; 103 is nearest to 110.
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(5, B, 3, A, Sell, 103, 6)]);
    assert_eq!(o, outcome(1, Some(103), 6, 0, 10, 10));
}

#[test]
fn buyers_and_sellers_are_paired_in_priority_order_and_the_later_order_takes() {
    let mut a = auction();
    setup(
        &mut a,
        &[
            limit(1, A, Buy, 101, 3),
            limit(2, C, Sell, 100, 2),
            limit(3, B, Buy, 101, 2),
            limit(4, D, Sell, 100, 3),
        ],
    );
    // V = 5, balanced, on 100..=101: the lower middle tick is 100.
    let (out, o) = clear(&mut a);
    assert_outputs!(
        out,
        [
            fill(2, C, 1, A, Sell, 100, 2),
            fill(4, D, 1, A, Sell, 100, 1),
            fill(4, D, 3, B, Sell, 100, 2),
        ]
    );
    assert_eq!(o, outcome(0, Some(100), 5, 0, 5, 5));
    assert!(a.is_empty());
}

/// A market buy of 3, 2@101 and 4, 4, 2 at 100, against a sell of 9@100: the market order and
/// the 101 level fill, the 100 level (the margin) shares the 4 lots left.
fn margin_book(a: &mut BatchAuction) {
    setup(
        a,
        &[
            market(1, A, Buy, 3),
            limit(2, B, Buy, 101, 2),
            limit(3, C, Buy, 100, 4),
            limit(4, A, Buy, 100, 4),
            limit(5, B, Buy, 100, 2),
            limit(6, D, Sell, 100, 9),
        ],
    );
}

#[test]
fn the_margin_is_shared_pro_rata_by_largest_remainder() {
    let mut a = auction_with(Rationing::ProRata);
    margin_book(&mut a);
    // Exact shares of 4 lots: 1.6, 1.6, 0.8 -> 1, 1, 0; the 2 lots left go to the largest
    // remainder (0.8, order 5) and the earlier of the equal ones (order 3).
    let (out, o) = clear(&mut a);
    assert_outputs!(
        out,
        [
            fill(6, D, 1, A, Sell, 100, 3),
            fill(6, D, 2, B, Sell, 100, 2),
            fill(6, D, 3, C, Sell, 100, 2),
            fill(6, D, 4, A, Sell, 100, 1),
            fill(6, D, 5, B, Sell, 100, 1),
        ]
    );
    assert_eq!(o, outcome(0, Some(100), 9, 6, 15, 9));
    assert_side!(
        a,
        Buy,
        [
            gtc(3, C, Buy, 100, 2),
            gtc(4, A, Buy, 100, 3),
            gtc(5, B, Buy, 100, 1),
        ]
    );
}

#[test]
fn time_priority_rationing_fills_the_earliest_at_the_margin_first() {
    let mut a = auction_with(Rationing::TimePriority);
    margin_book(&mut a);
    let (out, o) = clear(&mut a);
    assert_outputs!(
        out,
        [
            fill(6, D, 1, A, Sell, 100, 3),
            fill(6, D, 2, B, Sell, 100, 2),
            fill(6, D, 3, C, Sell, 100, 4),
        ]
    );
    assert_eq!(o, outcome(0, Some(100), 9, 6, 15, 9));
    assert_side!(a, Buy, [gtc(4, A, Buy, 100, 4), gtc(5, B, Buy, 100, 2)]);
}

#[test]
fn unfilled_limit_orders_persist_to_later_batches() {
    let mut a = auction();
    setup(&mut a, &[limit(1, A, Buy, 100, 5)]);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, []);
    assert_eq!(o, outcome(0, None, 0, 0, 5, 0));
    setup(&mut a, &[limit(2, B, Sell, 99, 3)]);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(2, B, 1, A, Sell, 99, 3)]);
    assert_eq!(o, outcome(1, Some(99), 3, 2, 5, 3));
    setup(&mut a, &[limit(3, C, Sell, 100, 2)]);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(3, C, 1, A, Sell, 100, 2)]);
    assert_eq!(o, outcome(2, Some(100), 2, 0, 2, 2));
    assert!(a.is_empty());
}

#[test]
fn ioc_and_market_remainders_expire_at_the_batch_end() {
    let mut a = auction();
    setup(
        &mut a,
        &[
            with_tif(1, A, Buy, 100, 5, TimeInForce::Ioc),
            market(2, C, Buy, 4),
            limit(3, B, Sell, 100, 6),
            limit(4, D, Buy, 99, 1),
        ],
    );
    // The market order (4) comes first, the IOC shares the 2 left.
    let (out, o) = clear(&mut a);
    assert_outputs!(
        out,
        [
            fill(3, B, 2, C, Sell, 100, 4),
            fill(3, B, 1, A, Sell, 100, 2),
            expired(1, A, 3),
        ]
    );
    assert_eq!(o, outcome(0, Some(100), 6, 3, 10, 6));
    assert_side!(a, Buy, [gtc(4, D, Buy, 99, 1)]);
}

#[test]
fn market_orders_alone_trade_at_the_previous_price_and_not_before_one_exists() {
    let mut a = auction();
    setup(&mut a, &[market(1, A, Buy, 2), market(2, B, Sell, 3)]);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [expired(1, A, 2), expired(2, B, 3)]);
    assert_eq!(o, outcome(0, None, 0, 0, 2, 3));
    setup(&mut a, &[limit(3, A, Buy, 50, 1), limit(4, B, Sell, 50, 1)]);
    assert_eq!(clear(&mut a).1.clearing_price, Some(50));
    setup(&mut a, &[market(5, A, Buy, 2), market(6, B, Sell, 3)]);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(6, B, 5, A, Sell, 50, 2), expired(6, B, 1)]);
    assert_eq!(o, outcome(2, Some(50), 2, -1, 2, 3));
}

#[test]
fn fok_fills_whole_in_its_batch_or_expires_whole() {
    let mut a = auction();
    setup(
        &mut a,
        &[
            with_tif(1, A, Buy, 100, 5, TimeInForce::Fok),
            limit(2, B, Sell, 100, 3),
            limit(3, C, Buy, 100, 2),
        ],
    );
    // First round: 3 shared by 5 and 2 -> 2 and 1, so the FOK is short and withdrawn; second
    // round: order 3 fills its 2.
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(3, C, 2, B, Buy, 100, 2), expired(1, A, 5)]);
    assert_eq!(o, outcome(0, Some(100), 2, -1, 7, 3));
    assert_side!(a, Sell, [gtc(2, B, Sell, 100, 1)]);
    setup(&mut a, &[with_tif(4, D, Buy, 100, 1, TimeInForce::Fok)]);
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(4, D, 2, B, Buy, 100, 1)]);
    assert_eq!(o, outcome(1, Some(100), 1, 0, 1, 1));
    assert!(a.is_empty());
}

#[test]
fn cancel_and_amend_between_batches() {
    let mut a = auction();
    setup(&mut a, &[limit(1, A, Buy, 100, 5)]);
    clear(&mut a);
    assert_outputs!(
        send(&mut a, amend(1, A, 100, 3)),
        [accepted(1, A), amended(1, A, 100, 3, true)]
    );
    assert_outputs!(
        send(&mut a, amend(1, A, 101, 3)),
        [accepted(1, A), amended(1, A, 101, 3, false)]
    );
    assert_eq!(a.best_bid(), Some((101, 3)));
    assert_outputs!(
        send(&mut a, cancel(1, A)),
        [accepted(1, A), cancelled(1, A, 3, CancelReason::Requested)]
    );
    assert!(a.is_empty());
    assert_outputs!(
        send(&mut a, cancel(1, A)),
        [rejected(1, A, RejectReason::TooLate)]
    );
}

#[test]
fn an_amend_that_loses_priority_goes_behind_at_the_margin() {
    let mut a = auction_with(Rationing::TimePriority);
    setup(
        &mut a,
        &[limit(1, A, Buy, 100, 2), limit(2, B, Buy, 100, 2)],
    );
    // Same price, larger size: loses priority (and takes a later stamp).
    assert_outputs!(
        send(&mut a, amend(1, A, 100, 3)),
        [accepted(1, A), amended(1, A, 100, 3, false)]
    );
    setup(&mut a, &[limit(3, C, Sell, 100, 2)]);
    let (out, _) = clear(&mut a);
    assert_outputs!(out, [fill(3, C, 2, B, Sell, 100, 2)]);
    assert_side!(a, Buy, [gtc(1, A, Buy, 100, 3)]);
}

#[test]
fn the_amended_order_is_the_taker_when_it_lost_priority_last() {
    let mut a = auction();
    setup(
        &mut a,
        &[limit(1, A, Buy, 100, 2), limit(2, B, Sell, 100, 2)],
    );
    send(&mut a, amend(1, A, 101, 2));
    let (out, o) = clear(&mut a);
    assert_eq!(o.clearing_price, Some(100));
    assert_outputs!(out, [fill(1, A, 2, B, Buy, 100, 2)]);
}

#[test]
fn cancel_of_an_order_filled_in_the_last_batch_is_too_late() {
    let mut a = auction();
    setup(
        &mut a,
        &[limit(1, A, Buy, 100, 2), limit(2, B, Sell, 100, 3)],
    );
    clear(&mut a);
    assert_outputs!(
        send(&mut a, cancel(1, A)),
        [rejected(1, A, RejectReason::TooLate)]
    );
    assert_outputs!(
        send(&mut a, amend(1, A, 100, 1)),
        [rejected(1, A, RejectReason::TooLate)]
    );
    // The partly filled seller cancels its open rest only.
    assert_outputs!(
        send(&mut a, cancel(2, B)),
        [accepted(2, B), cancelled(2, B, 1, CancelReason::Requested)]
    );
}

#[test]
fn validation_follows_the_clob_order() {
    let mut a = BatchAuction::new(FbaConfig {
        tick_size: 2,
        lot_size: 5,
        ..FbaConfig::default()
    });
    setup(&mut a, &[limit(1, A, Buy, 100, 5), market(2, A, Buy, 5)]);
    let reject = |a: &mut BatchAuction, r: Request, reason| {
        let out = send(a, r);
        let id = r.order_id().0;
        let trader = r.trader().0;
        assert_outputs!(out, [rejected(id, trader, reason)]);
    };
    reject(
        &mut a,
        limit(1, B, Buy, 100, 5),
        RejectReason::DuplicateOrderId,
    );
    reject(
        &mut a,
        limit(3, B, Buy, 100, 0),
        RejectReason::NonPositiveQty,
    );
    reject(&mut a, limit(4, B, Buy, 100, 7), RejectReason::OffLot);
    reject(
        &mut a,
        limit(5, B, Buy, 0, 5),
        RejectReason::NonPositivePrice,
    );
    reject(&mut a, limit(6, B, Buy, 101, 5), RejectReason::OffTick);
    // Ids are burned on sight.
    reject(
        &mut a,
        limit(3, B, Buy, 100, 5),
        RejectReason::DuplicateOrderId,
    );
    reject(&mut a, cancel(99, A), RejectReason::UnknownOrder);
    reject(&mut a, cancel(1, B), RejectReason::NotOwner);
    reject(&mut a, cancel(3, B), RejectReason::TooLate);
    reject(
        &mut a,
        amend(2, A, 100, 5),
        RejectReason::UnsupportedRequest,
    );
    reject(&mut a, amend(1, A, 100, -5), RejectReason::NonPositiveQty);
    reject(&mut a, amend(1, A, 100, 6), RejectReason::OffLot);
    reject(&mut a, amend(1, A, -2, 5), RejectReason::NonPositivePrice);
    reject(&mut a, amend(1, A, 99, 5), RejectReason::OffTick);
    let rfq = Request::QuoteRequest(QuoteRequest {
        id: OrderId(7),
        trader: AgentId(C),
        side: Buy,
        two_way: true,
        qty: 5,
        limit: None,
    });
    reject(&mut a, rfq, RejectReason::UnsupportedRequest);
    let quote = Request::DealerQuote(DealerQuote {
        id: OrderId(8),
        trader: AgentId(D),
        request: OrderId(7),
        bid: Some(98),
        ask: Some(102),
        qty: 5,
    });
    reject(&mut a, quote, RejectReason::UnsupportedRequest);
    // Unsupported requests record nothing: id 7 is still free.
    setup(&mut a, &[limit(7, C, Sell, 110, 5)]);
    assert_side!(
        a,
        Buy,
        [
            BatchOrder {
                id: OrderId(2),
                trader: AgentId(A),
                side: Buy,
                kind: OrderKind::Market,
                qty: 5,
            },
            gtc(1, A, Buy, 100, 5),
        ]
    );
}

#[test]
fn post_only_is_checked_against_the_book_left_by_the_last_clearing() {
    let post_only = |id, trader, side, price, qty| {
        with_tif(id, trader, side, price, qty, TimeInForce::PostOnly)
    };
    let mut a = auction();
    // Before any clearing nothing is rejected, even against the live sealed book.
    setup(
        &mut a,
        &[limit(1, A, Sell, 100, 1), post_only(2, B, Buy, 105, 1)],
    );
    clear(&mut a);
    setup(
        &mut a,
        &[limit(3, A, Sell, 102, 1), limit(4, C, Buy, 98, 1)],
    );
    clear(&mut a);
    // Left after the last clearing: bid 98, ask 102.
    assert_outputs!(
        send(&mut a, post_only(5, B, Buy, 102, 1)),
        [rejected(5, B, RejectReason::PostOnlyWouldCross)]
    );
    assert_outputs!(
        send(&mut a, post_only(6, B, Sell, 98, 1)),
        [rejected(6, B, RejectReason::PostOnlyWouldCross)]
    );
    // The live sealed book does not count: a sell at 100 arrived in this batch.
    setup(
        &mut a,
        &[limit(7, D, Sell, 100, 1), post_only(8, B, Buy, 101, 1)],
    );
    // An amend that loses priority is checked the same way.
    assert_outputs!(
        send(&mut a, amend(8, B, 102, 1)),
        [rejected(8, B, RejectReason::PostOnlyWouldCross)]
    );
    assert_outputs!(
        send(&mut a, amend(8, B, 101, 1)),
        [accepted(8, B), amended(8, B, 101, 1, true)]
    );
    // After acceptance it behaves as GTC: it trades with order 7 at the batch end, at the end
    // of the range 100..=101 nearest the last traded price, 102 (batch 0).
    let (out, o) = clear(&mut a);
    assert_outputs!(out, [fill(8, B, 7, D, Buy, 101, 1)]);
    assert_eq!(o, outcome(2, Some(101), 1, 0, 2, 2));
}

#[test]
fn the_batch_outcome_serialises_with_stable_field_names() {
    let o = outcome(3, Some(100), 9, 6, 15, 9);
    assert_eq!(
        serde_json::to_string(&o).unwrap(),
        r#"{"batch":3,"clearing_price":100,"volume":9,"imbalance":6,"buy_interest":15,"sell_interest":9}"#
    );
    let none = outcome(0, None, 0, 0, 1, 0);
    let back: BatchOutcome = serde_json::from_str(&serde_json::to_string(&none).unwrap()).unwrap();
    assert_eq!(back, none);
}
