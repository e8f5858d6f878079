//! Unit tests of the continuous limit order book: one behaviour per test, exact outputs.

use crate::support::builders::*;
use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    CancelReason, Clob, ClobConfig, DealerQuote, Output, Price, Qty, QuoteRequest, RejectReason,
    Request, SelfTradePrevention, Side,
};

use Side::{Buy, Sell};

const A: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;

// ---- harness ----

fn book() -> Clob {
    Clob::new(ClobConfig::default())
}

fn book_with(self_trade: SelfTradePrevention) -> Clob {
    Clob::new(ClobConfig {
        self_trade,
        ..ClobConfig::default()
    })
}

fn send(book: &mut Clob, request: Request) -> Vec<Output> {
    let mut out = Vec::new();
    book.handle(request, &mut out);
    out
}

/// Sends requests whose outputs the test does not check (building a book).
fn setup(book: &mut Clob, requests: &[Request]) {
    for &r in requests {
        let out = send(book, r);
        assert!(
            !out.iter().any(|o| matches!(o, Output::Rejected { .. })),
            "setup request {r:?} was rejected: {out:?}"
        );
    }
}

macro_rules! assert_outputs {
    ($actual:expr, [$($expected:expr),* $(,)?]) => {
        check("outputs", &$actual, &[$($expected),*])
    };
}

macro_rules! assert_side {
    ($book:expr, $side:expr, [$($expected:expr),* $(,)?]) => {
        check("resting orders", &$book.orders($side), &[$($expected),*])
    };
}

// ---- priority and matching ----

#[test]
fn orders_queue_by_price_then_arrival() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Buy, 100, 5),
            limit(2, B, Buy, 100, 3),
            limit(3, C, Buy, 101, 2),
        ],
    );
    let out = send(&mut b, limit(4, A, Buy, 100, 1));
    assert_outputs!(out, [accepted(4, A), rested(4, A, Buy, 100, 1)]);
    assert_side!(
        b,
        Buy,
        [
            resting(3, C, Buy, 101, 2),
            resting(1, A, Buy, 100, 5),
            resting(2, B, Buy, 100, 3),
            resting(4, A, Buy, 100, 1),
        ]
    );
    assert_eq!(b.best_bid(), Some((101, 2)));
    assert_eq!(b.best_ask(), None);
    assert_eq!(b.depth(Buy, 5), vec![(101, 2), (100, 9)]);
    assert_eq!(b.len(), 4);
}

#[test]
fn incoming_order_takes_the_oldest_order_at_the_best_price_first() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Sell, 100, 2),
            limit(2, B, Sell, 100, 2),
            limit(3, B, Sell, 99, 1),
        ],
    );
    let out = send(&mut b, limit(4, C, Buy, 100, 4));
    assert_outputs!(
        out,
        [
            accepted(4, C),
            fill(4, C, 3, B, Buy, 99, 1),
            fill(4, C, 1, A, Buy, 100, 2),
            fill(4, C, 2, B, Buy, 100, 1),
        ]
    );
    assert_side!(b, Sell, [resting(2, B, Sell, 100, 1)]);
    assert_side!(b, Buy, []);
}

#[test]
fn partially_filled_maker_keeps_its_place_at_the_front() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 10)]);
    let out = send(&mut b, limit(2, B, Buy, 100, 4));
    assert_outputs!(out, [accepted(2, B), fill(2, B, 1, A, Buy, 100, 4)]);
    setup(&mut b, &[limit(3, C, Sell, 100, 5)]);
    assert_eq!(b.order(OrderId(1)), Some(resting(1, A, Sell, 100, 6)));
    let out = send(&mut b, market(4, B, Buy, 7));
    assert_outputs!(
        out,
        [
            accepted(4, B),
            fill(4, B, 1, A, Buy, 100, 6),
            fill(4, B, 3, C, Buy, 100, 1)
        ]
    );
    assert_side!(b, Sell, [resting(3, C, Sell, 100, 4)]);
    assert_eq!(b.order(OrderId(1)), None);
}

#[test]
fn sweep_fills_each_level_at_its_own_price() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Sell, 100, 2),
            limit(2, B, Sell, 101, 3),
            limit(3, A, Sell, 102, 5),
        ],
    );
    let out = send(&mut b, limit(4, C, Buy, 102, 7));
    assert_outputs!(
        out,
        [
            accepted(4, C),
            fill(4, C, 1, A, Buy, 100, 2),
            fill(4, C, 2, B, Buy, 101, 3),
            fill(4, C, 3, A, Buy, 102, 2),
        ]
    );
    assert_eq!(b.best_ask(), Some((102, 3)));
    assert_eq!(b.best_bid(), None);
}

#[test]
fn crossing_limit_fills_at_maker_prices_and_rests_the_rest_at_its_limit() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Buy, 100, 2),
            limit(2, B, Buy, 99, 3),
            limit(3, A, Buy, 97, 1),
        ],
    );
    let out = send(&mut b, limit(4, C, Sell, 98, 10));
    assert_outputs!(
        out,
        [
            accepted(4, C),
            fill(4, C, 1, A, Sell, 100, 2),
            fill(4, C, 2, B, Sell, 99, 3),
            rested(4, C, Sell, 98, 5),
        ]
    );
    assert_eq!(b.best_bid(), Some((97, 1)));
    assert_eq!(b.best_ask(), Some((98, 5)));
}

#[test]
fn market_order_on_an_empty_book_expires_whole() {
    let mut b = book();
    let out = send(&mut b, market(1, A, Buy, 5));
    assert_outputs!(
        out,
        [accepted(1, A), cancelled(1, A, 5, CancelReason::Expired)]
    );
    assert!(b.is_empty());
}

#[test]
fn market_order_takes_at_any_price_and_never_rests() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Buy, 100, 2), limit(2, B, Buy, 1, 1)]);
    let out = send(&mut b, market(3, C, Sell, 5));
    assert_outputs!(
        out,
        [
            accepted(3, C),
            fill(3, C, 1, A, Sell, 100, 2),
            fill(3, C, 2, B, Sell, 1, 1),
            cancelled(3, C, 2, CancelReason::Expired),
        ]
    );
    assert!(b.is_empty());
}

#[test]
fn ioc_fills_what_it_can_and_the_rest_expires() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Sell, 100, 3), limit(2, A, Sell, 101, 3)],
    );
    let out = send(&mut b, ioc(3, B, Buy, 100, 5));
    assert_outputs!(
        out,
        [
            accepted(3, B),
            fill(3, B, 1, A, Buy, 100, 3),
            cancelled(3, B, 2, CancelReason::Expired)
        ]
    );
    assert_side!(b, Buy, []);
    assert_side!(b, Sell, [resting(2, A, Sell, 101, 3)]);
}

#[test]
fn ioc_that_does_not_cross_expires_whole() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 3)]);
    let out = send(&mut b, ioc(2, B, Buy, 99, 5));
    assert_outputs!(
        out,
        [accepted(2, B), cancelled(2, B, 5, CancelReason::Expired)]
    );
    assert_side!(b, Sell, [resting(1, A, Sell, 100, 3)]);
}

#[test]
fn fok_fills_whole_across_levels() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Sell, 100, 3), limit(2, B, Sell, 101, 3)],
    );
    let out = send(&mut b, fok(3, C, Buy, 101, 5));
    assert_outputs!(
        out,
        [
            accepted(3, C),
            fill(3, C, 1, A, Buy, 100, 3),
            fill(3, C, 2, B, Buy, 101, 2)
        ]
    );
    assert_side!(b, Sell, [resting(2, B, Sell, 101, 1)]);
    assert_side!(b, Buy, []);
}

#[test]
fn fok_that_cannot_fill_whole_is_rejected_without_any_fill() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Sell, 100, 3),
            limit(2, B, Sell, 101, 3),
            limit(3, B, Sell, 102, 10),
        ],
    );
    // 6 lots are available at 101 or better; the 10 at 102 are beyond the limit.
    let out = send(&mut b, fok(4, C, Buy, 101, 7));
    assert_outputs!(out, [rejected(4, C, RejectReason::FokCannotFill)]);
    assert_side!(
        b,
        Sell,
        [
            resting(1, A, Sell, 100, 3),
            resting(2, B, Sell, 101, 3),
            resting(3, B, Sell, 102, 10)
        ]
    );
    let out = send(&mut b, fok(5, C, Buy, 101, 6));
    assert_outputs!(
        out,
        [
            accepted(5, C),
            fill(5, C, 1, A, Buy, 100, 3),
            fill(5, C, 2, B, Buy, 101, 3)
        ]
    );
}

#[test]
fn post_only_rests_when_it_does_not_cross() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 3)]);
    let out = send(&mut b, post_only(2, B, Buy, 99, 4));
    assert_outputs!(out, [accepted(2, B), rested(2, B, Buy, 99, 4)]);
    assert_eq!(b.best_bid(), Some((99, 4)));
}

#[test]
fn post_only_that_would_cross_is_rejected() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 3)]);
    let out = send(&mut b, post_only(2, B, Buy, 100, 4));
    assert_outputs!(out, [rejected(2, B, RejectReason::PostOnlyWouldCross)]);
    let out = send(&mut b, post_only(3, B, Buy, 105, 4));
    assert_outputs!(out, [rejected(3, B, RejectReason::PostOnlyWouldCross)]);
    assert_side!(b, Buy, []);
    assert_side!(b, Sell, [resting(1, A, Sell, 100, 3)]);
}

// ---- requests for other venues ----

#[test]
fn rfq_requests_are_rejected_as_unsupported_and_change_nothing() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 3)]);
    let request = Request::QuoteRequest(QuoteRequest {
        id: OrderId(2),
        trader: AgentId(B),
        side: Buy,
        two_way: false,
        qty: 3,
        limit: None,
    });
    let out = send(&mut b, request);
    assert_outputs!(out, [rejected(2, B, RejectReason::UnsupportedRequest)]);
    let quote = Request::DealerQuote(DealerQuote {
        id: OrderId(3),
        trader: AgentId(C),
        request: OrderId(2),
        bid: Some(99),
        ask: Some(101),
        qty: 3,
    });
    let out = send(&mut b, quote);
    assert_outputs!(out, [rejected(3, C, RejectReason::UnsupportedRequest)]);
    // The ids were not recorded: a later order may use them.
    let out = send(&mut b, limit(2, B, Buy, 100, 1));
    assert_outputs!(out, [accepted(2, B), fill(2, B, 1, A, Buy, 100, 1)]);
    assert_side!(b, Sell, [resting(1, A, Sell, 100, 2)]);
}

// ---- cancel ----

#[test]
fn cancel_removes_the_open_quantity() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Buy, 100, 5),
            limit(2, B, Buy, 99, 1),
            limit(3, C, Sell, 100, 2),
        ],
    );
    let out = send(&mut b, cancel(1, A));
    assert_outputs!(
        out,
        [accepted(1, A), cancelled(1, A, 3, CancelReason::Requested)]
    );
    assert_eq!(b.best_bid(), Some((99, 1)));
    assert_eq!(b.order(OrderId(1)), None);
    assert_side!(b, Buy, [resting(2, B, Buy, 99, 1)]);
}

#[test]
fn cancel_from_the_middle_of_a_queue_keeps_the_others_in_order() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Sell, 100, 1),
            limit(2, B, Sell, 100, 2),
            limit(3, C, Sell, 100, 3),
        ],
    );
    setup(&mut b, &[cancel(2, B)]);
    assert_side!(
        b,
        Sell,
        [resting(1, A, Sell, 100, 1), resting(3, C, Sell, 100, 3)]
    );
    assert_eq!(b.best_ask(), Some((100, 4)));
    setup(&mut b, &[cancel(3, C)]);
    setup(&mut b, &[limit(4, B, Sell, 100, 7)]);
    assert_side!(
        b,
        Sell,
        [resting(1, A, Sell, 100, 1), resting(4, B, Sell, 100, 7)]
    );
}

#[test]
fn cancel_that_arrives_after_the_fill_is_too_late_and_the_fill_stands() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 5)]);
    let out = send(&mut b, limit(2, B, Buy, 100, 5));
    assert_outputs!(out, [accepted(2, B), fill(2, B, 1, A, Buy, 100, 5)]);
    let out = send(&mut b, cancel(1, A));
    assert_outputs!(out, [rejected(1, A, RejectReason::TooLate)]);
    assert!(b.is_empty());
}

#[test]
fn cancel_after_a_partial_fill_cancels_only_the_rest() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Sell, 100, 5), limit(2, B, Buy, 100, 2)],
    );
    let out = send(&mut b, cancel(1, A));
    assert_outputs!(
        out,
        [accepted(1, A), cancelled(1, A, 3, CancelReason::Requested)]
    );
}

#[test]
fn second_cancel_is_too_late() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Sell, 100, 5), cancel(1, A)]);
    let out = send(&mut b, cancel(1, A));
    assert_outputs!(out, [rejected(1, A, RejectReason::TooLate)]);
    let out = send(&mut b, amend(1, A, 100, 1));
    assert_outputs!(out, [rejected(1, A, RejectReason::TooLate)]);
}

// ---- amend ----

#[test]
fn amend_size_down_keeps_priority() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Buy, 100, 5), limit(2, B, Buy, 100, 5)],
    );
    let out = send(&mut b, amend(1, A, 100, 2));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 100, 2, true)]);
    assert_side!(
        b,
        Buy,
        [resting(1, A, Buy, 100, 2), resting(2, B, Buy, 100, 5)]
    );
    assert_eq!(b.best_bid(), Some((100, 7)));
    let out = send(&mut b, market(3, C, Sell, 3));
    assert_outputs!(
        out,
        [
            accepted(3, C),
            fill(3, C, 1, A, Sell, 100, 2),
            fill(3, C, 2, B, Sell, 100, 1)
        ]
    );
}

#[test]
fn amend_to_the_same_terms_is_an_accepted_no_op() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Buy, 100, 5), limit(2, B, Buy, 100, 5)],
    );
    let out = send(&mut b, amend(1, A, 100, 5));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 100, 5, true)]);
    assert_side!(
        b,
        Buy,
        [resting(1, A, Buy, 100, 5), resting(2, B, Buy, 100, 5)]
    );
}

#[test]
fn amend_size_up_loses_priority() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Buy, 100, 5), limit(2, B, Buy, 100, 5)],
    );
    let out = send(&mut b, amend(1, A, 100, 6));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 100, 6, false)]);
    assert_side!(
        b,
        Buy,
        [resting(2, B, Buy, 100, 5), resting(1, A, Buy, 100, 6)]
    );
    assert_eq!(b.best_bid(), Some((100, 11)));
}

#[test]
fn amend_of_a_partly_filled_order_sets_the_open_quantity() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Buy, 100, 5), limit(2, B, Sell, 100, 3)],
    );
    // 2 lots are open; asking for 4 is a size increase.
    let out = send(&mut b, amend(1, A, 100, 4));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 100, 4, false)]);
    assert_eq!(b.order(OrderId(1)), Some(resting(1, A, Buy, 100, 4)));
}

#[test]
fn amend_price_change_loses_priority() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Sell, 100, 5), limit(2, B, Sell, 100, 5)],
    );
    let out = send(&mut b, amend(1, A, 101, 5));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 101, 5, false)]);
    assert_side!(
        b,
        Sell,
        [resting(2, B, Sell, 100, 5), resting(1, A, Sell, 101, 5)]
    );
    let out = send(&mut b, amend(1, A, 100, 1));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 100, 1, false)]);
    assert_side!(
        b,
        Sell,
        [resting(2, B, Sell, 100, 5), resting(1, A, Sell, 100, 1)]
    );
}

#[test]
fn crossing_amend_trades_then_rests_the_rest() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Buy, 100, 5),
            limit(2, B, Sell, 102, 3),
            limit(3, C, Sell, 103, 4),
            limit(4, B, Sell, 104, 1),
        ],
    );
    let out = send(&mut b, amend(1, A, 103, 10));
    assert_outputs!(
        out,
        [
            accepted(1, A),
            amended(1, A, 103, 10, false),
            fill(1, A, 2, B, Buy, 102, 3),
            fill(1, A, 3, C, Buy, 103, 4),
            rested(1, A, Buy, 103, 3),
        ]
    );
    assert_eq!(b.best_bid(), Some((103, 3)));
    assert_eq!(b.best_ask(), Some((104, 1)));
}

#[test]
fn crossing_amend_that_fills_completely_leaves_nothing() {
    let mut b = book();
    setup(
        &mut b,
        &[limit(1, A, Buy, 100, 5), limit(2, B, Sell, 102, 3)],
    );
    let out = send(&mut b, amend(1, A, 102, 2));
    assert_outputs!(
        out,
        [
            accepted(1, A),
            amended(1, A, 102, 2, false),
            fill(1, A, 2, B, Buy, 102, 2)
        ]
    );
    assert_eq!(b.order(OrderId(1)), None);
    assert_side!(b, Sell, [resting(2, B, Sell, 102, 1)]);
    let out = send(&mut b, cancel(1, A));
    assert_outputs!(out, [rejected(1, A, RejectReason::TooLate)]);
}

#[test]
fn crossing_amend_of_a_post_only_order_is_rejected_and_changes_nothing() {
    let mut b = book();
    setup(
        &mut b,
        &[
            post_only(1, A, Buy, 100, 5),
            limit(2, B, Buy, 100, 1),
            limit(3, C, Sell, 102, 3),
        ],
    );
    let out = send(&mut b, amend(1, A, 102, 5));
    assert_outputs!(out, [rejected(1, A, RejectReason::PostOnlyWouldCross)]);
    assert_side!(
        b,
        Buy,
        [resting(1, A, Buy, 100, 5), resting(2, B, Buy, 100, 1)]
    );
    // A non-crossing amend of a post-only order is fine.
    let out = send(&mut b, amend(1, A, 101, 5));
    assert_outputs!(out, [accepted(1, A), amended(1, A, 101, 5, false)]);
}

// ---- rejects ----

#[test]
fn new_orders_with_bad_quantities_are_rejected() {
    let mut b = Clob::new(ClobConfig {
        lot_size: 5,
        ..ClobConfig::default()
    });
    assert_outputs!(
        send(&mut b, limit(1, A, Buy, 100, 0)),
        [rejected(1, A, RejectReason::NonPositiveQty)]
    );
    assert_outputs!(
        send(&mut b, limit(2, A, Buy, 100, -5)),
        [rejected(2, A, RejectReason::NonPositiveQty)]
    );
    assert_outputs!(
        send(&mut b, limit(3, A, Buy, 100, 7)),
        [rejected(3, A, RejectReason::OffLot)]
    );
    assert_outputs!(
        send(&mut b, market(4, A, Buy, 3)),
        [rejected(4, A, RejectReason::OffLot)]
    );
    assert_outputs!(
        send(&mut b, limit(5, A, Buy, 100, 10)),
        [accepted(5, A), rested(5, A, Buy, 100, 10)]
    );
}

#[test]
fn new_orders_with_bad_prices_are_rejected() {
    let mut b = Clob::new(ClobConfig {
        tick_size: 5,
        ..ClobConfig::default()
    });
    assert_outputs!(
        send(&mut b, limit(1, A, Buy, 0, 1)),
        [rejected(1, A, RejectReason::NonPositivePrice)]
    );
    assert_outputs!(
        send(&mut b, ioc(2, A, Sell, -5, 1)),
        [rejected(2, A, RejectReason::NonPositivePrice)]
    );
    assert_outputs!(
        send(&mut b, limit(3, A, Buy, 102, 1)),
        [rejected(3, A, RejectReason::OffTick)]
    );
    assert_outputs!(
        send(&mut b, limit(4, A, Buy, 105, 1)),
        [accepted(4, A), rested(4, A, Buy, 105, 1)]
    );
    // Quantity is checked before price.
    assert_outputs!(
        send(&mut b, limit(5, A, Buy, 0, 0)),
        [rejected(5, A, RejectReason::NonPositiveQty)]
    );
    assert_side!(b, Buy, [resting(4, A, Buy, 105, 1)]);
}

#[test]
fn reused_ids_are_rejected_whatever_became_of_the_first_order() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Buy, 100, 5),
            limit(2, A, Sell, 200, 1),
            market(3, B, Buy, 1),
        ],
    );
    // 1 rests, 2 was filled, 4 is rejected for its quantity but its id is burned.
    assert_outputs!(
        send(&mut b, limit(4, A, Buy, 100, 0)),
        [rejected(4, A, RejectReason::NonPositiveQty)]
    );
    for id in [1, 2, 3, 4] {
        assert_outputs!(
            send(&mut b, limit(id, C, Sell, 300, 1)),
            [rejected(id, C, RejectReason::DuplicateOrderId)]
        );
    }
    // The duplicate did not take over the original's ownership.
    assert_outputs!(
        send(&mut b, cancel(1, C)),
        [rejected(1, C, RejectReason::NotOwner)]
    );
    assert_outputs!(
        send(&mut b, cancel(4, A)),
        [rejected(4, A, RejectReason::TooLate)]
    );
    assert_side!(b, Buy, [resting(1, A, Buy, 100, 5)]);
    assert_side!(b, Sell, []);
}

#[test]
fn cancel_and_amend_of_unknown_ids_are_rejected() {
    let mut b = book();
    setup(&mut b, &[limit(1, A, Buy, 100, 5)]);
    assert_outputs!(
        send(&mut b, cancel(9, A)),
        [rejected(9, A, RejectReason::UnknownOrder)]
    );
    assert_outputs!(
        send(&mut b, amend(9, A, 100, 1)),
        [rejected(9, A, RejectReason::UnknownOrder)]
    );
}

#[test]
fn cancel_and_amend_by_another_trader_are_rejected() {
    let mut b = book();
    setup(
        &mut b,
        &[
            limit(1, A, Buy, 100, 5),
            limit(2, A, Buy, 90, 1),
            cancel(2, A),
        ],
    );
    assert_outputs!(
        send(&mut b, cancel(1, B)),
        [rejected(1, B, RejectReason::NotOwner)]
    );
    assert_outputs!(
        send(&mut b, amend(1, B, 100, 1)),
        [rejected(1, B, RejectReason::NotOwner)]
    );
    // Ownership is checked before state, so a finished order is not revealed to others.
    assert_outputs!(
        send(&mut b, cancel(2, B)),
        [rejected(2, B, RejectReason::NotOwner)]
    );
    assert_side!(b, Buy, [resting(1, A, Buy, 100, 5)]);
}

#[test]
fn amends_with_bad_terms_are_rejected_and_change_nothing() {
    let mut b = Clob::new(ClobConfig {
        tick_size: 2,
        lot_size: 3,
        ..ClobConfig::default()
    });
    setup(
        &mut b,
        &[limit(1, A, Buy, 100, 6), limit(2, B, Buy, 100, 3)],
    );
    let cases = [
        (amend(1, A, 100, 0), RejectReason::NonPositiveQty),
        (amend(1, A, 100, -3), RejectReason::NonPositiveQty),
        (amend(1, A, 100, 4), RejectReason::OffLot),
        (amend(1, A, 0, 3), RejectReason::NonPositivePrice),
        (amend(1, A, 101, 3), RejectReason::OffTick),
    ];
    for (request, reason) in cases {
        assert_outputs!(send(&mut b, request), [rejected(1, A, reason)]);
    }
    assert_side!(
        b,
        Buy,
        [resting(1, A, Buy, 100, 6), resting(2, B, Buy, 100, 3)]
    );
}

// ---- self-trade prevention ----

/// Asks: B 2 lots then A 3 lots at 100, C 4 lots at 101. A then buys 10 at 101.
fn self_trade_book(policy: SelfTradePrevention) -> Clob {
    let mut b = book_with(policy);
    setup(
        &mut b,
        &[
            limit(1, B, Sell, 100, 2),
            limit(2, A, Sell, 100, 3),
            limit(3, C, Sell, 101, 4),
        ],
    );
    b
}

#[test]
fn cancel_taking_cancels_the_rest_of_the_incoming_order() {
    let mut b = self_trade_book(SelfTradePrevention::CancelTaking);
    let out = send(&mut b, limit(4, A, Buy, 101, 10));
    assert_outputs!(
        out,
        [
            accepted(4, A),
            fill(4, A, 1, B, Buy, 100, 2),
            cancelled(4, A, 8, CancelReason::SelfTrade)
        ]
    );
    assert_side!(
        b,
        Sell,
        [resting(2, A, Sell, 100, 3), resting(3, C, Sell, 101, 4)]
    );
    assert_side!(b, Buy, []);
}

#[test]
fn cancel_resting_cancels_the_own_resting_order_and_continues() {
    let mut b = self_trade_book(SelfTradePrevention::CancelResting);
    let out = send(&mut b, limit(4, A, Buy, 101, 10));
    assert_outputs!(
        out,
        [
            accepted(4, A),
            fill(4, A, 1, B, Buy, 100, 2),
            cancelled(2, A, 3, CancelReason::SelfTrade),
            fill(4, A, 3, C, Buy, 101, 4),
            rested(4, A, Buy, 101, 4),
        ]
    );
    assert_side!(b, Sell, []);
    assert_outputs!(
        send(&mut b, cancel(2, A)),
        [rejected(2, A, RejectReason::TooLate)]
    );
}

#[test]
fn cancel_both_cancels_the_resting_order_then_the_incoming_one() {
    let mut b = self_trade_book(SelfTradePrevention::CancelBoth);
    let out = send(&mut b, limit(4, A, Buy, 101, 10));
    assert_outputs!(
        out,
        [
            accepted(4, A),
            fill(4, A, 1, B, Buy, 100, 2),
            cancelled(2, A, 3, CancelReason::SelfTrade),
            cancelled(4, A, 8, CancelReason::SelfTrade),
        ]
    );
    assert_side!(b, Sell, [resting(3, C, Sell, 101, 4)]);
    assert_side!(b, Buy, []);
}

#[test]
fn allow_lets_a_trader_trade_with_itself() {
    let mut b = self_trade_book(SelfTradePrevention::Allow);
    let out = send(&mut b, limit(4, A, Buy, 101, 10));
    assert_outputs!(
        out,
        [
            accepted(4, A),
            fill(4, A, 1, B, Buy, 100, 2),
            fill(4, A, 2, A, Buy, 100, 3),
            fill(4, A, 3, C, Buy, 101, 4),
            rested(4, A, Buy, 101, 1),
        ]
    );
}

#[test]
fn fok_check_counts_only_liquidity_that_self_trade_prevention_lets_trade() {
    // Ahead of A's own order there are 2 lots: enough for 2, not for 3.
    for policy in [
        SelfTradePrevention::CancelTaking,
        SelfTradePrevention::CancelBoth,
    ] {
        let mut b = self_trade_book(policy);
        assert_outputs!(
            send(&mut b, fok(4, A, Buy, 101, 3)),
            [rejected(4, A, RejectReason::FokCannotFill)]
        );
        assert_eq!(b.best_ask(), Some((100, 5)), "{policy:?}");
        assert_outputs!(
            send(&mut b, fok(5, A, Buy, 101, 2)),
            [accepted(5, A), fill(5, A, 1, B, Buy, 100, 2)]
        );
    }
    // CancelResting skips A's own 3 lots: 6 lots can fill, 7 cannot.
    let mut b = self_trade_book(SelfTradePrevention::CancelResting);
    assert_outputs!(
        send(&mut b, fok(4, A, Buy, 101, 7)),
        [rejected(4, A, RejectReason::FokCannotFill)]
    );
    assert_eq!(b.len(), 3);
    assert_outputs!(
        send(&mut b, fok(5, A, Buy, 101, 6)),
        [
            accepted(5, A),
            fill(5, A, 1, B, Buy, 100, 2),
            cancelled(2, A, 3, CancelReason::SelfTrade),
            fill(5, A, 3, C, Buy, 101, 4),
        ]
    );
    // Allow counts everything: 9 lots.
    let mut b = self_trade_book(SelfTradePrevention::Allow);
    assert_outputs!(
        send(&mut b, fok(4, A, Buy, 101, 10)),
        [rejected(4, A, RejectReason::FokCannotFill)]
    );
    assert_outputs!(
        send(&mut b, fok(5, A, Buy, 101, 9)),
        [
            accepted(5, A),
            fill(5, A, 1, B, Buy, 100, 2),
            fill(5, A, 2, A, Buy, 100, 3),
            fill(5, A, 3, C, Buy, 101, 4),
        ]
    );
}

#[test]
fn self_trade_prevention_applies_to_crossing_amends() {
    let mut b = self_trade_book(SelfTradePrevention::CancelTaking);
    setup(&mut b, &[limit(4, A, Buy, 99, 10)]);
    let out = send(&mut b, amend(4, A, 101, 10));
    assert_outputs!(
        out,
        [
            accepted(4, A),
            amended(4, A, 101, 10, false),
            fill(4, A, 1, B, Buy, 100, 2),
            cancelled(4, A, 8, CancelReason::SelfTrade),
        ]
    );
    assert_side!(b, Buy, []);
    assert_outputs!(
        send(&mut b, cancel(4, A)),
        [rejected(4, A, RejectReason::TooLate)]
    );
}

#[test]
fn post_only_that_would_cross_its_own_order_is_rejected() {
    let mut b = self_trade_book(SelfTradePrevention::CancelResting);
    let out = send(&mut b, post_only(4, A, Buy, 100, 1));
    assert_outputs!(out, [rejected(4, A, RejectReason::PostOnlyWouldCross)]);
    assert_eq!(b.len(), 3);
}

// ---- configuration ----

#[test]
#[should_panic(expected = "tick_size must be positive")]
fn zero_tick_size_is_refused() {
    let _ = Clob::new(ClobConfig {
        tick_size: 0,
        ..ClobConfig::default()
    });
}

#[test]
fn freed_slots_are_reused_without_mixing_orders_up() {
    let mut b = book();
    for round in 0..3u64 {
        let base = round * 100;
        setup(
            &mut b,
            &[
                limit(base + 1, A, Buy, 100, 1),
                limit(base + 2, B, Buy, 99, 2),
            ],
        );
        setup(&mut b, &[cancel(base + 1, A), market(base + 3, C, Sell, 2)]);
        assert!(b.is_empty(), "round {round}");
    }
    setup(
        &mut b,
        &[limit(1000, A, Buy, 100, 1), limit(1001, B, Sell, 101, 2)],
    );
    assert_eq!(b.order(OrderId(1000)), Some(resting(1000, A, Buy, 100, 1)));
    assert_eq!(b.order(OrderId(1001)), Some(resting(1001, B, Sell, 101, 2)));
    assert_eq!(b.order(OrderId(1)), None);
}

#[test]
fn deep_books_stay_sorted_as_levels_come_and_go() {
    let mut b = book();
    // 40 bid and 40 ask levels, created in a scrambled order (17 is coprime with 40).
    for i in 0..40u64 {
        let step = (i * 17) % 40;
        setup(
            &mut b,
            &[
                limit(i, A, Buy, 1 + step as i64, 1),
                limit(100 + i, B, Sell, 41 + step as i64, 1),
            ],
        );
    }
    let bids: Vec<(Price, Qty)> = (1..=40).rev().map(|p| (p, 1)).collect();
    let asks: Vec<(Price, Qty)> = (41..=80).map(|p| (p, 1)).collect();
    check("bid depth", &b.depth(Buy, 100), &bids);
    check("ask depth", &b.depth(Sell, 100), &asks);
    // Remove every third bid level from deep in the book, then re-add one of them.
    for i in (0..40u64).step_by(3) {
        setup(&mut b, &[cancel(i, A)]);
    }
    setup(&mut b, &[limit(1000, C, Buy, 1, 2)]);
    let expected: Vec<(Price, Qty)> = (1..=40)
        .rev()
        .filter(|p| ((p - 1) * 33) % 40 % 3 != 0 || *p == 1)
        .map(|p| (p, if p == 1 { 2 } else { 1 }))
        .collect();
    check("bid depth after cancels", &b.depth(Buy, 100), &expected);
    // A buy through the whole ask side fills every level in price order.
    let out = send(&mut b, market(2000, C, Buy, 40));
    let fills: Vec<Price> = out
        .iter()
        .filter_map(|o| match o {
            Output::Fill(f) => Some(f.price),
            _ => None,
        })
        .collect();
    check("fill prices", &fills, &(41..=80).collect::<Vec<_>>());
    assert_eq!(b.best_ask(), None);
}
