//! RFQ end to end: dealer selection, quotes, the winner, late quotes, no trade without
//! acceptance, what the leakage policy lets dealers see, accounting, and a metrics snapshot.
//!
//! The hand-built market: a flat value of 10000 and three market makers with no skew, no
//! shading and a fixed half-spread of 2, so every quote is exactly 9998 / 10002. Dealer 0
//! answers 4 ms after a request reaches the venue (2 ms to learn of it, 2 ms back), dealer 1
//! after 2 ms, dealer 2 after 20 ms, past the 10 ms window. One noise trader sends marketable
//! requests (no limit).

use crate::support::scenarios::{FIXED_HALF_SPREAD_2, constant_latency, flat_fundamental};
use proteus::core::{AgentId, OrderId, Role};
use proteus::mechanisms::{NoTradeReason, Side};
use proteus::metrics;
use proteus::scenario::Scenario;
use proteus::sim::{RfqOutcome, RfqQuoteRecord, RfqRecord, RunLog, RunOptions, run};
use std::collections::BTreeMap;

const WINDOW_NS: u64 = 10_000_000;
const DURATION_NS: u64 = 5_000_000_000;

fn latency(ns: u64) -> String {
    constant_latency(ns, ns, ns)
}

fn dealer(ns: u64) -> String {
    format!(
        r#"
[[agents.market_maker]]
count = 1
quote_size = 5
{FIXED_HALF_SPREAD_2}adverse_selection_coef = 0.0
inventory_limit = 1000
requote_interval_ns = 1_000_000_000
latency = {}
"#,
        latency(ns)
    )
}

/// The market above with `dealers` asked per request, `extra` TOML appended (more agents,
/// leakage overrides).
fn market(dealers: u32, extra: &str) -> Scenario {
    let text = format!(
        r#"
id = "rfq-e2e"
seed = 11
duration_s = 5.0
[mechanism]
kind = "rfq"
rfq_dealers = {dealers}
rfq_window_ns = {WINDOW_NS}
{fundamental}{d0}{d1}{d2}
[agents.noise]
count = 1
rate_per_s = 4.0
min_size = 1
max_size = 5
marketable_prob = 1.0
limit_offset_max_ticks = 0
limit_lifetime_ns = 1_000_000_000
latency = {noise}
{extra}
"#,
        fundamental = flat_fundamental(10000.0),
        d0 = dealer(2_000_000),
        d1 = dealer(1_000_000),
        d2 = dealer(10_000_000),
        noise = latency(1_000_000),
    );
    Scenario::from_toml(&text, "rfq-e2e").unwrap()
}

const EVENTS: RunOptions = RunOptions {
    record_messages: true,
    record_requests: false,
};
const NOISE: AgentId = AgentId(3);

fn noise_requests(log: &RunLog) -> Vec<&RfqRecord> {
    let v: Vec<&RfqRecord> = log.rfq.iter().filter(|r| r.client == NOISE).collect();
    assert!(v.len() >= 10, "only {} requests", v.len());
    v
}

/// Requests whose late quote (20 ms after arrival) still falls inside the run.
fn settled(log: &RunLog) -> impl Iterator<Item = (usize, &RfqRecord)> {
    noise_requests(log)
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.time.0 + 20_000_000 <= DURATION_NS)
}

/// The quote dealer `d` gives on request `r` in the hand-built market (its `n`-th quote).
fn quote(r: &RfqRecord, d: u32, n: u32, after_ns: u64, two_way: bool) -> RfqQuoteRecord {
    let (bid, ask) = match (two_way, r.side) {
        (true, _) => (Some(9998), Some(10002)),
        (false, Side::Buy) => (None, Some(10002)),
        (false, Side::Sell) => (Some(9998), None),
    };
    RfqQuoteRecord {
        quote: OrderId(((d as u64) << 32) | n as u64),
        dealer: AgentId(d),
        time: proteus::core::SimTime(r.time.0 + after_ns),
        bid,
        ask,
    }
}

fn price_for(side: Side) -> i64 {
    match side {
        Side::Buy => 10002,
        Side::Sell => 9998,
    }
}

/// Asserts the whole life of every settled request: dealers asked, quotes in arrival order,
/// the late quote, the winner by the tie-break (equal prices: earliest received), the fill.
fn check_requests(log: &RunLog, two_way_quotes: bool) {
    let mut n = 0;
    for (j, r) in settled(log) {
        n += 1;
        let q = j as u32 + 1;
        assert_eq!(
            r.dealers,
            [AgentId(0), AgentId(1), AgentId(2)],
            "request {j}"
        );
        assert_eq!(r.limit, None);
        assert!(!r.two_way);
        assert_eq!(
            r.quotes,
            [
                quote(r, 1, q, 2_000_000, two_way_quotes),
                quote(r, 0, q, 4_000_000, two_way_quotes)
            ],
            "request {j}: dealer 1 answers first, then dealer 0"
        );
        assert_eq!(
            r.late_quotes,
            [quote(r, 2, q, 20_000_000, two_way_quotes)],
            "request {j}: dealer 2 is past the window"
        );
        assert_eq!(r.closed.map(|t| t.0), Some(r.time.0 + WINDOW_NS));
        let price = price_for(r.side);
        assert_eq!(
            r.outcome,
            RfqOutcome::Traded {
                dealer: AgentId(1),
                quote: r.quotes[0].quote,
                price,
            },
            "request {j}: equal prices, the earliest received wins"
        );
        let fill = log
            .fills
            .iter()
            .find(|f| f.taker_order == r.request)
            .expect("a traded request has a fill");
        assert_eq!(
            (fill.time, fill.taker, fill.maker, fill.maker_order),
            (r.closed.unwrap(), NOISE, AgentId(1), r.quotes[0].quote)
        );
        assert_eq!(
            (fill.price, fill.qty, fill.taker_side),
            (price, r.qty, r.side)
        );
    }
    assert!(n >= 10);
    // One fill per traded request, nothing else; dealers 0 and 2 never trade.
    let traded = log
        .rfq
        .iter()
        .filter(|r| matches!(r.outcome, RfqOutcome::Traded { .. }))
        .count();
    assert_eq!(log.fills.len(), traded);
    assert!(log.fills.iter().all(|f| f.maker == AgentId(1)));
}

/// (agent, side, qty, delay) of the reports of `kind` about `request`.
fn notices(
    log: &RunLog,
    kind: &str,
    r: &RfqRecord,
) -> Vec<(AgentId, Option<Side>, Option<i64>, u64)> {
    log.messages
        .as_ref()
        .unwrap()
        .iter()
        .filter(|m| m.channel == "report" && m.kind == kind && m.order_id == Some(r.request))
        .map(|m| (m.agent, m.side, m.qty, m.delivered.0 - m.sent.0))
        .collect()
}

#[test]
fn dealers_quotes_winner_and_late_quote_under_the_default_policy() {
    let log = run(&market(3, ""), 0, EVENTS);
    check_requests(&log, false);
    for (_, r) in settled(&log) {
        // Asked dealers see side and size, after their ack latency.
        assert_eq!(
            notices(&log, "quote_requested", r),
            [
                (AgentId(0), Some(r.side), Some(r.qty), 2_000_000),
                (AgentId(1), Some(r.side), Some(r.qty), 1_000_000),
                (AgentId(2), Some(r.side), Some(r.qty), 10_000_000),
            ]
        );
        // Losing dealers learn that it traded, and its side.
        assert_eq!(
            notices(&log, "traded_away", r),
            [
                (AgentId(0), Some(r.side), Some(r.qty), 2_000_000),
                (AgentId(2), Some(r.side), Some(r.qty), 10_000_000),
            ]
        );
        // The client is told of both quotes (as they arrive) and of the trade (at the close).
        let ids: Vec<Option<OrderId>> = r.quotes.iter().map(|q| Some(q.quote)).collect();
        let told: Vec<(&str, u64)> = log
            .messages
            .as_ref()
            .unwrap()
            .iter()
            .filter(|m| m.agent == NOISE && m.channel == "report")
            .filter(|m| m.order_id == Some(r.request) || ids.contains(&m.order_id))
            .map(|m| (m.kind.as_str(), m.sent.0 - r.time.0))
            .collect();
        assert_eq!(
            told,
            [
                ("accepted", 0),
                ("quote_received", 2_000_000),
                ("quote_received", 4_000_000),
                ("fill", WINDOW_NS),
                ("rfq_traded", WINDOW_NS)
            ]
        );
    }
    // The late quotes were rejected too_late and reported to dealer 2.
    let late = log
        .venue_requests
        .iter()
        .filter(|q| q.agent == AgentId(2))
        .filter(|q| q.rejected.map(|r| r.as_str()) == Some("too_late"))
        .count();
    assert_eq!(late, settled(&log).count());
}

#[test]
fn hiding_the_side_makes_dealers_quote_both_sides() {
    let log = run(
        &market(3, "[leakage.rfq.rfq_side]\naudience = \"nobody\"\n"),
        0,
        EVENTS,
    );
    check_requests(&log, true);
    for (_, r) in settled(&log) {
        let seen = notices(&log, "quote_requested", r);
        assert_eq!(seen.len(), 3);
        assert!(
            seen.iter()
                .all(|(_, side, qty, _)| side.is_none() && *qty == Some(r.qty))
        );
        let away = notices(&log, "traded_away", r);
        assert_eq!(away.len(), 2);
        assert!(away.iter().all(|(_, side, _, _)| side.is_none()));
    }
}

#[test]
fn hiding_the_trade_tells_losing_dealers_nothing() {
    let log = run(
        &market(
            3,
            "[leakage.rfq.rfq_trade_happened]\naudience = \"nobody\"\n",
        ),
        0,
        EVENTS,
    );
    check_requests(&log, false);
    let messages = log.messages.as_ref().unwrap();
    assert!(!messages.iter().any(|m| m.kind == "traded_away"));
    // The winner still gets its fill, and nothing else tells dealer 0 or 2 about the trade.
    for d in [0, 2] {
        let kinds: Vec<&str> = messages
            .iter()
            .filter(|m| m.agent == AgentId(d) && m.channel == "report")
            .map(|m| m.kind.as_str())
            .filter(|k| !["quote_requested", "accepted", "cancelled", "rejected"].contains(k))
            .collect();
        assert_eq!(kinds, Vec::<&str>::new(), "dealer {d}");
    }
}

#[test]
fn dealers_are_chosen_round_robin() {
    let log = run(&market(2, ""), 0, RunOptions::default());
    for (j, r) in noise_requests(&log).into_iter().enumerate() {
        let want: Vec<AgentId> = (0..2).map(|i| AgentId(((2 * j + i) % 3) as u32)).collect();
        assert_eq!(r.dealers, want, "request {j}");
    }
    // More dealers asked than there are: all of them, once each.
    let log = run(&market(7, ""), 0, RunOptions::default());
    assert!(
        log.rfq
            .iter()
            .all(|r| r.dealers == [AgentId(0), AgentId(1), AgentId(2)])
    );
}

#[test]
fn no_trade_without_a_quote_that_meets_the_limit() {
    // An informed trader who observes the flat value exactly: against a last print of 10002 it
    // sells with limit 10001, against 9998 it buys with limit 9999. No dealer quote (9998 bid,
    // 10002 ask) meets either, so every informed request ends limit_not_met.
    let informed = format!(
        r#"
[agents.informed]
count = 1
threshold_ticks = 0.5
lots_per_tick = 1.0
max_size = 3
observe_rate_per_s = 5.0
observe_noise_ticks = 0.0
latency = {}
"#,
        latency(1_000_000)
    );
    let log = run(&market(3, &informed), 0, RunOptions::default());
    let id = log
        .agents
        .iter()
        .find(|a| a.role == Role::Informed)
        .unwrap()
        .id;
    let mine: Vec<&RfqRecord> = log
        .rfq
        .iter()
        .filter(|r| r.client == id && r.closed.is_some())
        .collect();
    assert!(mine.len() >= 5, "{} informed requests", mine.len());
    for r in mine {
        let limit = match r.side {
            Side::Buy => 9999,
            Side::Sell => 10001,
        };
        assert_eq!(r.limit, Some(limit));
        assert_eq!(r.quotes.len(), 2, "quotes arrived");
        assert_eq!(r.best_price(), Some(price_for(r.side)));
        assert_eq!(r.outcome, RfqOutcome::NoTrade(NoTradeReason::LimitNotMet));
    }
    assert!(log.fills.iter().all(|f| f.taker != id && f.maker != id));
    assert!(!log.fills.is_empty(), "the noise trader still trades");
}

fn default_rfq(seconds: f64) -> Scenario {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = seconds;
    sc.mechanism = sc.mechanism.with_spec("rfq:2").unwrap();
    sc
}

#[test]
fn accounting_sums_to_zero_and_every_trade_is_a_fill() {
    let log = run(&default_rfq(60.0), 0, RunOptions::default());
    let cash: i128 = log.accounts.iter().map(|a| a.cash).sum();
    let position: i64 = log.accounts.iter().map(|a| a.position).sum();
    assert_eq!((cash, position), (0, 0));
    let traded: Vec<(OrderId, i64, i64)> = log
        .rfq
        .iter()
        .filter_map(|r| match r.outcome {
            RfqOutcome::Traded { price, .. } => Some((r.request, price, r.qty)),
            _ => None,
        })
        .collect();
    let fills: Vec<(OrderId, i64, i64)> = log
        .fills
        .iter()
        .map(|f| (f.taker_order, f.price, f.qty))
        .collect();
    assert!(traded.len() > 100, "{} trades", traded.len());
    assert_eq!(traded, fills);
    for role in [Role::MarketMaker, Role::Noise, Role::Informed] {
        assert!(
            log.fills
                .iter()
                .any(|f| log.agents[f.taker.0 as usize].role == role
                    || log.agents[f.maker.0 as usize].role == role),
            "{role:?} never traded"
        );
    }
    // Dealers are market makers; clients are everyone else.
    for f in &log.fills {
        assert_eq!(log.agents[f.maker.0 as usize].role, Role::MarketMaker);
        assert_ne!(log.agents[f.taker.0 as usize].role, Role::MarketMaker);
    }
    let m = metrics::compute(&log).unwrap();
    assert_eq!(m.get("accounting_total_pnl_ticks"), Some(0.0));
    assert_eq!(m.get("rfq_trades"), Some(traded.len() as f64));
    assert_eq!(m.get("trades"), Some(traded.len() as f64));
}

#[test]
fn metrics_of_a_short_default_rfq_run() {
    let log = run(&default_rfq(30.0), 0, RunOptions::default());
    let r = metrics::compute(&log).unwrap();
    let pinned: BTreeMap<&str, serde_json::Value> = BTreeMap::from([
        ("schema_version", serde_json::json!(r.schema_version)),
        ("metrics", serde_json::json!(r.metrics)),
        ("missing", serde_json::json!(r.missing)),
    ]);
    insta::assert_json_snapshot!("default_scenario_rfq2_30s_rep0", pinned);
}
