//! Hand-worked metrics of tiny logs. Every expected value is derived in the comments.

use super::*;
use crate::core::{AgentId, OrderId, Role};
use crate::info::NewsEvent;
use crate::mechanisms::Quote;
use crate::mechanisms::{Price, Qty, RejectReason, Side, TimeInForce};
use crate::sim::{AgentInfo, BatchRecord, FillRecord, RequestKind, RequestRecord};

const S: u64 = 1_000_000_000;
const US: u64 = 1_000;

fn t(ns: u64) -> SimTime {
    SimTime(ns)
}

fn agents(roles: &[Role]) -> Vec<AgentInfo> {
    let mut count = [0u32; 4];
    roles
        .iter()
        .enumerate()
        .map(|(i, &role)| {
            let k = pnl::role_index(role);
            count[k] += 1;
            AgentInfo {
                id: AgentId(i as u32),
                role,
                index: count[k] - 1,
            }
        })
        .collect()
}

fn two_sided(bid: (Price, Qty), ask: (Price, Qty)) -> Quote {
    Quote {
        bid: Some(bid),
        ask: Some(ask),
    }
}

fn fill(
    time: SimTime,
    price: Price,
    qty: Qty,
    taker_side: Side,
    taker: u32,
    maker: u32,
    quote_before: Quote,
) -> FillRecord {
    FillRecord {
        time,
        price,
        qty,
        taker_side,
        taker: AgentId(taker),
        maker: AgentId(maker),
        taker_order: OrderId(0),
        maker_order: OrderId(0),
        quote_before,
    }
}

fn request(time: SimTime, agent: u32, kind: RequestKind) -> RequestRecord {
    RequestRecord {
        time,
        agent: AgentId(agent),
        kind,
        order: OrderId(0),
        side: None,
        price: None,
        qty: 0,
        offered_qty: 0,
        filled_qty: 0,
        filled_notional: 0,
        rejected: None,
    }
}

fn order(time: SimTime, agent: u32, kind: RequestKind, side: Side, qty: Qty) -> RequestRecord {
    RequestRecord {
        side: Some(side),
        qty,
        offered_qty: qty,
        ..request(time, agent, kind)
    }
}

/// `r` naming order `id`, at limit (or new) price `price`.
fn named(mut r: RequestRecord, id: u64, price: Option<Price>) -> RequestRecord {
    r.order = OrderId(id);
    r.price = price;
    r
}

/// An amend of order `id` to `price` × `qty`.
fn amend(time: SimTime, agent: u32, id: u64, price: Price, qty: Qty) -> RequestRecord {
    RequestRecord {
        qty,
        ..named(request(time, agent, RequestKind::Amend), id, Some(price))
    }
}

/// A fill between orders `taker_order` and `maker_order`.
#[allow(clippy::too_many_arguments)]
fn order_fill(
    time: SimTime,
    price: Price,
    qty: Qty,
    taker_side: Side,
    (taker, taker_order): (u32, u64),
    (maker, maker_order): (u32, u64),
    quote_before: Quote,
) -> FillRecord {
    FillRecord {
        taker_order: OrderId(taker_order),
        maker_order: OrderId(maker_order),
        ..fill(time, price, qty, taker_side, taker, maker, quote_before)
    }
}

fn gtc() -> RequestKind {
    RequestKind::Limit {
        tif: TimeInForce::Gtc,
    }
}

fn ioc() -> RequestKind {
    RequestKind::Limit {
        tif: TimeInForce::Ioc,
    }
}

fn filled(mut r: RequestRecord, qty: Qty, price: Price) -> RequestRecord {
    r.filled_qty = qty;
    r.filled_notional = (qty * price) as i128;
    r
}

fn news(index: usize, time: SimTime, shift_ticks: f64) -> NewsEvent {
    NewsEvent {
        index,
        public_time: time,
        shift_ticks,
    }
}

fn log(roles: &[Role], horizon: SimTime) -> RunLog {
    RunLog {
        horizon,
        agents: agents(roles),
        fundamental: vec![(SimTime::ZERO, 100.0)],
        accounts: vec![Account::default(); roles.len()],
        ..RunLog::default()
    }
}

/// The final accounts the simulator would have written for these fills.
fn settle(log: &mut RunLog) {
    log.accounts = vec![Account::default(); log.agents.len()];
    for f in &log.fills {
        let d = f.taker_side.sign();
        let v = f.price as i128 * f.qty as i128;
        log.accounts[f.taker.0 as usize].position += d * f.qty;
        log.accounts[f.taker.0 as usize].cash -= d as i128 * v;
        log.accounts[f.maker.0 as usize].position -= d * f.qty;
        log.accounts[f.maker.0 as usize].cash += d as i128 * v;
    }
}

fn value(r: &MetricRecord, name: &str) -> f64 {
    r.get(name).unwrap_or_else(|| {
        panic!(
            "{name} is not defined: {:?}",
            r.missing_reason(name).unwrap_or("not written at all")
        )
    })
}

fn assert_close(r: &MetricRecord, name: &str, expected: f64) {
    let got = value(r, name);
    assert!(
        (got - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{name}: expected {expected}, got {got}"
    );
}

/// Agents: 0 market maker, 1 noise, 2 informed. Horizon 10 s. Fundamental 100, 104 from 4 s.
///
/// | time | event | top of book after |
/// |---|---|---|
/// | 0 | MM posts bid 99×5 and ask 101×5 | 99×5 / 101×5 (mid 100) |
/// | 1 s | noise market buy 2 fills at 101 against MM | 99×5 / 101×3 |
/// | 3 s | informed IOC sell 5 fills at 99 against MM | — / 101×3 |
/// | 4 s | fundamental 104 | |
/// | 5 s | MM new bid 102×5; amends ask 101×3 → 105×5 | 102×5 / 105×5 (mid 103.5) |
fn market_maker_log() -> RunLog {
    let mut log = log(&[Role::MarketMaker, Role::Noise, Role::Informed], t(10 * S));
    log.fundamental.push((t(4 * S), 104.0));
    let open = two_sided((99, 5), (101, 5));
    let after_a = two_sided((99, 5), (101, 3));
    log.quotes = vec![
        (t(0), open),
        (t(S), after_a),
        (
            t(3 * S),
            Quote {
                bid: None,
                ask: Some((101, 3)),
            },
        ),
        (t(5 * S), two_sided((102, 5), (105, 5))),
    ];
    log.fills = vec![
        fill(t(S), 101, 2, Side::Buy, 1, 0, open),
        fill(t(3 * S), 99, 5, Side::Sell, 2, 0, after_a),
    ];
    log.venue_requests = vec![
        order(t(0), 0, gtc(), Side::Buy, 5),
        order(t(0), 0, gtc(), Side::Sell, 5),
        filled(order(t(S), 1, RequestKind::Market, Side::Buy, 2), 2, 101),
        filled(order(t(3 * S), 2, ioc(), Side::Sell, 5), 5, 99),
        order(t(5 * S), 0, gtc(), Side::Buy, 5),
        // The ask had 3 lots open; the amend to 5 offers 2 more.
        RequestRecord {
            offered_qty: 2,
            ..request(t(5 * S), 0, RequestKind::Amend)
        },
    ];
    settle(&mut log);
    log
}

#[test]
fn spreads_of_the_market_maker_log() {
    let r = compute(&market_maker_log()).unwrap();
    // Two-sided over [0, 3 s) with spread 2 and [5 s, 10 s) with spread 3: 8 s in all.
    // Quoted spread (2·3 + 3·5) / 8 = 21/8. Bid depth 5 throughout. Ask depth: 5 over [0, 1),
    // 3 over [1, 3), 5 over [5, 10): (5 + 6 + 25) / 8 = 4.5. Two-sided fraction 8/10.
    assert_close(&r, "quoted_spread_tw_ticks", 21.0 / 8.0);
    assert_close(&r, "depth_bid_tw_lots", 5.0);
    assert_close(&r, "depth_ask_tw_lots", 4.5);
    assert_close(&r, "two_sided_time_fraction", 0.8);
    // Fill A: D = +1, p = 101, m = 100: 2·(101 − 100) = 2 on 2 lots.
    // Fill B: D = −1, p = 99, m = 100 (the quote B met): 2·(−1)·(99 − 100) = 2 on 5 lots.
    // Volume-weighted: (2·2 + 2·5) / 7 = 2.
    assert_close(&r, "effective_spread_vw_ticks", 2.0);
    assert_close(&r, "fills_without_mid", 0.0);
}

#[test]
fn realized_spread_and_impact_of_the_market_maker_log() {
    let r = compute(&market_maker_log()).unwrap();
    // 1 s: A is marked at 2 s (mid 100): RS 2, PI 0. B is marked at 4 s, when the book is
    // one-sided: the last mid, 100, stands: RS 2, PI 0.
    assert_close(&r, "realized_spread_1s_ticks", 2.0);
    assert_close(&r, "price_impact_1s_ticks", 0.0);
    // 5 s: A at 6 s and B at 8 s, mid 103.5.
    // A: RS 2·(101 − 103.5) = −5, PI 2·(103.5 − 100) = 7.
    // B: RS 2·(−1)·(99 − 103.5) = 9, PI 2·(−1)·(103.5 − 100) = −7.
    // RS (−5·2 + 9·5) / 7 = 5, PI (7·2 − 7·5) / 7 = −3; 5 + (−3) = 2 = effective.
    assert_close(&r, "realized_spread_5s_ticks", 5.0);
    assert_close(&r, "price_impact_5s_ticks", -3.0);
    // True (V instead of the later mid). 1 s: A with V(2 s) = 100: RS 2, PI 0; B with
    // V(4 s) = 104: RS 2·(−1)·(99 − 104) = 10, PI 2·(−1)·(104 − 100) = −8.
    // RS (2·2 + 10·5)/7 = 54/7, PI (0 − 8·5)/7 = −40/7.
    assert_close(&r, "realized_spread_true_1s_ticks", 54.0 / 7.0);
    assert_close(&r, "price_impact_true_1s_ticks", -40.0 / 7.0);
    // 5 s: V = 104 for both. A: RS −6, PI 8. B: RS 10, PI −8. RS 38/7, PI −24/7.
    assert_close(&r, "realized_spread_true_5s_ticks", 38.0 / 7.0);
    assert_close(&r, "price_impact_true_5s_ticks", -24.0 / 7.0);
    // Liquidity providers' adverse selection Σ D·(m_h − m)·q: 1 s: 0.
    // 5 s: (+1)·3.5·2 + (−1)·3.5·5 = −10.5 (they gained). True 1 s: B only, (−1)·4·5 = −20;
    // true 5 s: (+1)·4·2 + (−1)·4·5 = −12.
    assert_close(&r, "lp_adverse_selection_cost_1s_ticks", 0.0);
    assert_close(&r, "lp_adverse_selection_cost_5s_ticks", -10.5);
    assert_close(&r, "lp_adverse_selection_cost_true_1s_ticks", -20.0);
    assert_close(&r, "lp_adverse_selection_cost_true_5s_ticks", -12.0);
    assert_close(&r, "fills_past_end_1s", 0.0);
    assert_close(&r, "fills_past_end_5s", 0.0);
}

#[test]
fn pnl_and_its_decomposition_of_the_market_maker_log() {
    let r = compute(&market_maker_log()).unwrap();
    // MM: sold 2 at 101 (+202), bought 5 at 99 (−495): cash −293, position 3, marked at 104:
    // −293 + 312 = 19. Noise: −202 + 2·104 = 6. Informed: 495 − 5·104 = −25. Sum 0.
    assert_close(&r, "pnl_market_maker_ticks", 19.0);
    assert_close(&r, "pnl_noise_ticks", 6.0);
    assert_close(&r, "pnl_informed_ticks", -25.0);
    assert_eq!(
        r.missing_reason("pnl_arbitrageur_ticks"),
        Some("no arbitrageur agents in this run")
    );
    assert_eq!(value(&r, "accounting_total_pnl_ticks"), 0.0);
    assert_close(&r, "final_fundamental_ticks", 104.0);
    // Per lot: noise traded 2 lots and made 6, so its cost is −3 per lot; informed −25/5.
    assert_close(&r, "noise_cost_per_lot_ticks", -3.0);
    assert_close(&r, "informed_profit_per_lot_ticks", -5.0);
    assert_close(&r, "volume_market_maker_lots", 7.0);
    // Spread capture Σ d·(m − p)·q, d the MM's direction: A (−1)·(100 − 101)·2 = 2,
    // B (+1)·(100 − 99)·5 = 5: 7.
    assert_close(&r, "mm_spread_capture_ticks", 7.0);
    // Adverse selection Σ d·(m_h − m)·q. 1 s: both mids 100: 0; inventory 19 − 7 − 0 = 12.
    assert_close(&r, "mm_adverse_selection_1s_ticks", 0.0);
    assert_close(&r, "mm_inventory_1s_ticks", 12.0);
    // 5 s: A (−1)·3.5·2 = −7, B (+1)·3.5·5 = 17.5: 10.5; inventory 19 − 7 − 10.5 = 1.5, which
    // is the 3 lots held marked from the 5 s mid 103.5 to the final value 104.
    assert_close(&r, "mm_adverse_selection_5s_ticks", 10.5);
    assert_close(&r, "mm_inventory_5s_ticks", 1.5);
    // |inventory|: 0 over [0, 1), 2 over [1, 3), 3 over [3, 10): (4 + 21)/10 = 2.5; max 3.
    assert_close(&r, "mm_inventory_abs_tw_lots", 2.5);
    assert_close(&r, "mm_inventory_abs_max_lots", 3.0);
    let by_agent: Vec<f64> = r.pnl_by_agent.iter().map(|p| p.pnl_ticks).collect();
    assert_eq!(by_agent, vec![19.0, 6.0, -25.0]);
}

#[test]
fn efficiency_and_activity_of_the_market_maker_log() {
    let r = compute(&market_maker_log()).unwrap();
    // Mid − V: 0 over [0, 3 s) (100 − 100); 103.5 − 104 over [5 s, 10 s). RMSE
    // √((0.25·5) / 8).
    assert_close(&r, "price_error_rmse_ticks", (1.25f64 / 8.0).sqrt());
    // Trades against V at their instant: A 101 − 100, B 99 − 100: √((1·2 + 1·5)/7) = 1.
    assert_close(&r, "trade_price_error_rmse_ticks", 1.0);
    // 1 s grid mids: 100, 100, 100, −, −, 103.5, … 103.5: returns 0, 0 and five 0s.
    assert_close(&r, "mid_return_std_1s_ticks", 0.0);
    // 10 s grid: points 0 and 10 s give one return, too few.
    assert_eq!(
        r.missing_reason("mid_return_std_10s_ticks"),
        Some("fewer than two mid returns on the grid")
    );
    // Orders: MM bid, MM ask, noise market, informed IOC, MM bid at 5 s: 5. One amend. Two
    // trades of 7 lots for 202 + 495 = 697.
    assert_close(&r, "trades", 2.0);
    assert_close(&r, "volume_lots", 7.0);
    assert_close(&r, "vwap_ticks", 697.0 / 7.0);
    assert_close(&r, "orders_submitted", 5.0);
    assert_close(&r, "amends_submitted", 1.0);
    assert_close(&r, "cancels_submitted", 0.0);
    assert_close(&r, "order_to_trade_ratio", 2.5);
    assert_close(&r, "cancel_rate", 0.0);
    // MM offered 5 + 5 + 5 + 2 = 17 and traded 7; the takers traded all they sent.
    assert_close(&r, "fill_rate_market_maker", 7.0 / 17.0);
    assert_close(&r, "fill_rate_noise", 1.0);
    assert_close(&r, "fill_rate_informed", 1.0);
    assert!(r.missing_reason("fill_rate_arbitrageur").is_some());
    assert_close(&r, "news_events", 0.0);
    assert_eq!(
        r.missing_reason("news_half_life_mean_s"),
        Some("no public news in the run")
    );
    assert_close(&r, "races", 0.0);
}

/// News at 2 s (+6), 6 s (−4) and 7 s (0); quotes move towards the value.
fn news_log() -> RunLog {
    let mut log = log(&[Role::MarketMaker], t(10 * S));
    log.news = vec![
        news(0, t(2 * S), 6.0),
        news(1, t(6 * S), -4.0),
        news(2, t(7 * S), 0.0),
    ];
    log.fundamental
        .extend([(t(2 * S), 106.0), (t(6 * S), 102.0), (t(7 * S), 102.0)]);
    log.quotes = vec![
        (t(0), two_sided((99, 1), (101, 1))),
        (t(2 * S + 300 * US), two_sided((101, 1), (103, 1))),
        (t(2 * S + S / 2), two_sided((104, 1), (106, 1))),
        (t(7 * S + S / 4), two_sided((101, 1), (103, 1))),
    ];
    log
}

#[test]
fn news_half_life_is_hand_worked() {
    let r = compute(&news_log()).unwrap();
    // News 0 at 2 s: right after it |100 − 106| = 6, target 3. At 2.0003 s |102 − 106| = 4;
    // at 2.5 s |105 − 106| = 1 ≤ 3: half-life 0.5 s.
    // News 1 at 6 s: |105 − 102| = 3, target 1.5; nothing moves before news 2 at 7 s, which
    // ends its tracking, unresolved.
    // News 2 at 7 s: |105 − 102| = 3, target 1.5; at 7.25 s |102 − 102| = 0: 0.25 s.
    // Mean (0.5 + 0.25) / 2 = 0.375 s.
    assert_close(&r, "news_events", 3.0);
    assert_close(&r, "news_half_life_resolved", 2.0);
    assert_close(&r, "news_half_life_unresolved", 1.0);
    assert_close(&r, "news_half_life_mean_s", 0.375);
}

#[test]
fn news_without_a_two_sided_book_is_unresolved() {
    let mut log = news_log();
    log.quotes.clear();
    let r = compute(&log).unwrap();
    assert_close(&r, "news_half_life_resolved", 0.0);
    assert_close(&r, "news_half_life_unresolved", 3.0);
    assert_eq!(
        r.missing_reason("news_half_life_mean_s"),
        Some("no news was incorporated before the next news or the end of the run")
    );
}

#[test]
fn volatility_on_a_one_second_grid() {
    let mut log = log(&[Role::MarketMaker], t(5 * S));
    log.quotes = vec![
        (t(0), two_sided((99, 1), (101, 1))),
        (t(S + S / 2), two_sided((100, 1), (102, 1))),
        (t(3 * S), two_sided((98, 1), (100, 1))),
        (
            t(3 * S + S / 2),
            Quote {
                bid: None,
                ask: Some((100, 1)),
            },
        ),
        (t(4 * S + S / 5), two_sided((100, 1), (104, 1))),
    ];
    let r = compute(&log).unwrap();
    // Grid mids at 0..5 s: 100, 100, 101, 99 (the 3 s quote is in force at 3 s), none, 102.
    // Returns with both ends: 0, 1, −2. Mean −1/3; squared deviations 1/9 + 16/9 + 25/9 =
    // 42/9; sample variance 21/9 = 7/3.
    assert_close(&r, "mid_return_std_1s_ticks", (7.0f64 / 3.0).sqrt());
}

const N1: u64 = S;

/// The messages of the race logs, the same under CLOB and FBA; only their outcomes differ.
/// Agents: 0 market maker, 1 and 2 arbitrageurs, 3 noise. News at 1 s (+5: the asks are
/// stale) and 3 s (0: no stale side). The public quote at 1 s is 99×5 / 101×5, so the stale
/// level is the ask 101.
///
/// | arrival | agent | message | at the stale level? |
/// |---|---|---|---|
/// | 0 | MM | GTC buy 5 @ 99 (order 10), GTC sell 5 @ 101 (order 11) | (before the news) |
/// | 1 s + 100 µs | arb 1 | IOC buy 5 @ 102 (order 20) | take (102 ≥ 101) |
/// | 1 s + 120 µs | arb 2 | IOC buy 5 @ 102 (order 30) | take |
/// | 1 s + 300 µs | MM | amend order 11 (sell @ 101) to 106 × 5 | cancel |
/// | 1 s + 300 µs | MM | amend order 10 (buy @ 99) to 104 × 5 | take (104 ≥ 101) |
/// | 1 s + 400 µs | MM | GTC sell 5 @ 106 (order 12) | no: the stale side |
/// | 1 s + 6 ms | noise | market buy 1 (order 40) | after t₁ + 5 ms: outside every window |
fn race_messages() -> Vec<RequestRecord> {
    vec![
        named(order(t(0), 0, gtc(), Side::Buy, 5), 10, Some(99)),
        named(order(t(0), 0, gtc(), Side::Sell, 5), 11, Some(101)),
        named(
            order(t(N1 + 100 * US), 1, ioc(), Side::Buy, 5),
            20,
            Some(102),
        ),
        named(
            order(t(N1 + 120 * US), 2, ioc(), Side::Buy, 5),
            30,
            Some(102),
        ),
        amend(t(N1 + 300 * US), 0, 11, 106, 5),
        amend(t(N1 + 300 * US), 0, 10, 104, 5),
        named(
            order(t(N1 + 400 * US), 0, gtc(), Side::Sell, 5),
            12,
            Some(106),
        ),
        named(
            order(t(N1 + 6_000 * US), 3, RequestKind::Market, Side::Buy, 1),
            40,
            None,
        ),
    ]
}

fn race_agents() -> RunLog {
    let mut log = log(
        &[
            Role::MarketMaker,
            Role::Arbitrageur,
            Role::Arbitrageur,
            Role::Noise,
        ],
        t(10 * S),
    );
    log.news = vec![news(0, t(N1), 5.0), news(1, t(3 * S), 0.0)];
    log.fundamental.push((t(N1), 105.0));
    log
}

fn bid_only(bid: (Price, Qty)) -> Quote {
    Quote {
        bid: Some(bid),
        ask: None,
    }
}

/// The race messages on a CLOB. Arbitrageur 1 takes the whole stale ask on arrival;
/// arbitrageur 2 finds no ask; the market maker's amend of the ask is too late; its bid amend
/// crosses nothing and rests at 104; the noise market buy takes 1 @ 106.
fn race_log() -> RunLog {
    let mut log = race_agents();
    let stale = two_sided((99, 5), (101, 5));
    let requoted = two_sided((104, 5), (106, 5));
    log.quotes = vec![
        (t(0), stale),
        (t(N1 + 100 * US), bid_only((99, 5))),
        (t(N1 + 300 * US), bid_only((104, 5))),
        (t(N1 + 400 * US), requoted),
        (t(N1 + 6_000 * US), two_sided((104, 5), (106, 4))),
    ];
    log.fills = vec![
        order_fill(t(N1 + 100 * US), 101, 5, Side::Buy, (1, 20), (0, 11), stale),
        order_fill(
            t(N1 + 6_000 * US),
            106,
            1,
            Side::Buy,
            (3, 40),
            (0, 12),
            requoted,
        ),
    ];
    let mut m = race_messages();
    m[2] = filled(m[2], 5, 101);
    m[4].rejected = Some(RejectReason::TooLate);
    m[7] = filled(m[7], 1, 106);
    log.venue_requests = m;
    settle(&mut log);
    log
}

/// The same messages in a batch auction whose batches end at 1 s + 200 µs, 1 s + 1.2 ms and
/// 1 s + 6.2 ms. Nothing trades on arrival. At 1 s + 200 µs both arbitrageurs' buys (5 each at
/// 102) meet the stale ask 101 × 5: the price is 101 and pro rata gives arbitrageur 1 three
/// lots, arbitrageur 2 two. The market maker's amend of the ask then comes too late (filled
/// at the earlier batch end); its bid at 104 crosses nothing at 1 s + 1.2 ms; the noise market
/// buy takes 1 @ 106 at 1 s + 6.2 ms.
fn fba_race_log() -> RunLog {
    let mut log = race_agents();
    log.mechanism = MechanismKind::Fba;
    let stale = two_sided((99, 5), (101, 5));
    let requoted = two_sided((104, 5), (106, 5));
    let (b1, b2, b3) = (N1 + 200 * US, N1 + 1_200 * US, N1 + 6_200 * US);
    log.quotes = vec![
        (t(0), stale),
        (t(b1), bid_only((99, 5))),
        (t(b2), requoted),
        (t(b3), two_sided((104, 5), (106, 4))),
    ];
    let batch = |n: u64, time: u64, price: Option<Price>, volume: Qty| BatchRecord {
        time: t(time),
        outcome: crate::mechanisms::BatchOutcome {
            batch: n,
            clearing_price: price,
            volume,
            imbalance: 0,
            buy_interest: 0,
            sell_interest: 0,
        },
    };
    log.batches = vec![
        batch(0, b1, Some(101), 5),
        batch(1, b2, None, 0),
        batch(2, b3, Some(106), 1),
    ];
    log.fills = vec![
        order_fill(t(b1), 101, 3, Side::Buy, (1, 20), (0, 11), stale),
        order_fill(t(b1), 101, 2, Side::Buy, (2, 30), (0, 11), stale),
        order_fill(t(b3), 106, 1, Side::Buy, (3, 40), (0, 12), requoted),
    ];
    let mut m = race_messages();
    m[4].rejected = Some(RejectReason::TooLate);
    log.venue_requests = m;
    settle(&mut log);
    log
}

#[test]
fn races_are_hand_worked() {
    let r = compute(&race_log()).unwrap();
    // t₁ = 1 s + 100 µs (arbitrageur 1). 50 µs: arb 1 won (5 lots at 101 ≤ 101), arb 2 lost
    // (no fill): two agents, a success and a failure: a race. 500 µs and 5 ms add the market
    // maker's too-late ask amend and its bid amend that did not fill (both failures).
    for w in ["50us", "500us", "5ms"] {
        assert_close(&r, &format!("races_{w}"), 1.0);
        assert_close(&r, &format!("race_volume_{w}_lots"), 5.0);
        // Arbitrageur 1 bought 5 at 101; V 5 s later is 105: (105 − 101)·5 = 20.
        assert_close(&r, &format!("race_profit_true_{w}_ticks"), 20.0);
        // Traded notional 101·5 + 106·1 = 611.
        assert_close(&r, &format!("latency_arb_tax_{w}_bp"), 20.0 / 611.0 * 1e4);
    }
    // The legacy names are the 500 µs window; the legacy profit uses the mid 5 s after the
    // fill (6.0001 s: 104 / 106 × 4, mid 105).
    assert_close(&r, "races", 1.0);
    assert_close(&r, "race_volume_lots", 5.0);
    assert_close(&r, "race_profit_5s_ticks", 20.0);
    assert_close(&r, "latency_arb_tax_bp", 20.0 / 611.0 * 1e4);
    // And it holds 5 lots marked at 105: 5·105 − 505 = 20.
    assert_close(&r, "pnl_arbitrageur_ticks", 20.0);
    assert_close(&r, "arbitrageur_profit_per_lot_ticks", 4.0);
    // Sniping profit: its 5 lots at 101 marked at V(1 s + 100 µs + 1 s) = 105.
    assert_close(&r, "sniping_profit_ticks", 20.0);
}

/// The same messages, decided on the batch outcome: both arbitrageurs' takes succeed (they
/// share the stale ask at the batch price), so within 50 µs nobody lost and there is no race;
/// within 500 µs the market maker's amend, too late for the batch that cleared its ask, lost.
#[test]
fn an_fba_race_is_decided_on_the_batch_outcome() {
    let r = compute(&fba_race_log()).unwrap();
    assert_close(&r, "races_50us", 0.0);
    assert_close(&r, "race_volume_50us_lots", 0.0);
    assert_close(&r, "race_profit_true_50us_ticks", 0.0);
    assert_close(&r, "latency_arb_tax_50us_bp", 0.0);
    for w in ["500us", "5ms"] {
        assert_close(&r, &format!("races_{w}"), 1.0);
        // 3 + 2 lots at 101, V 5 s after the batch end 105: 4·3 + 4·2 = 20.
        assert_close(&r, &format!("race_volume_{w}_lots"), 5.0);
        assert_close(&r, &format!("race_profit_true_{w}_ticks"), 20.0);
        assert_close(&r, &format!("latency_arb_tax_{w}_bp"), 20.0 / 611.0 * 1e4);
    }
    assert_close(&r, "races", 1.0);
    // Mid 5 s after the batch end at 1.0002 s: 104 / 106 × 4, 105.
    assert_close(&r, "race_profit_5s_ticks", 20.0);
    assert_close(&r, "sniping_profit_ticks", 20.0);
}

/// Under FBA, the market maker's amend in the same batch as the snipers removes the stale ask
/// before the clearing: its cancel succeeds, both takes fail, and no window is a race.
#[test]
fn a_cancel_in_the_snipers_batch_wins_under_fba() {
    let mut log = fba_race_log();
    // One batch end at 1 s + 1.2 ms holds every message up to then; nothing crosses.
    log.batches.remove(0);
    log.fills.retain(|f| f.time != t(N1 + 200 * US));
    log.venue_requests[4].rejected = None;
    log.quotes.retain(|q| q.0 != t(N1 + 200 * US));
    settle(&mut log);
    let r = compute(&log).unwrap();
    for w in ["50us", "500us", "5ms"] {
        assert_close(&r, &format!("races_{w}"), 0.0);
    }
    assert_close(&r, "sniping_profit_ticks", 0.0);
}

/// A provider's cancel that comes too late is the race's failure: without arbitrageur 2 and the
/// bid amend, the CLOB race exists from 500 µs on (arb 1 won, the ask amend at 300 µs found the
/// ask already filled), and likewise under FBA (the ask was filled at the 200 µs batch end).
#[test]
fn a_too_late_cancel_loses_a_race_under_both_mechanisms() {
    for mut log in [race_log(), fba_race_log()] {
        log.venue_requests
            .retain(|r| r.agent != AgentId(2) && r.order != OrderId(10) || r.time == t(0));
        log.fills.retain(|f| f.taker != AgentId(2));
        // Alone in its batch, arbitrageur 1 gets the whole stale ask.
        for f in &mut log.fills {
            if f.taker == AgentId(1) {
                f.qty = 5;
            }
        }
        settle(&mut log);
        let r = compute(&log).unwrap();
        assert_close(&r, "races_50us", 0.0);
        assert_close(&r, "races_500us", 1.0);
        assert_close(&r, "races_5ms", 1.0);
    }
}

#[test]
fn a_lone_sniper_is_no_race() {
    let mut log = race_log();
    // Without arbitrageur 2 and the market maker's amends, every window has a single agent.
    log.venue_requests
        .retain(|r| !(r.time > t(S) && r.time <= t(S + 500 * US) && r.agent != AgentId(1)));
    let r = compute(&log).unwrap();
    assert_close(&r, "races", 0.0);
    assert_close(&r, "races_5ms", 0.0);
    assert_close(&r, "race_profit_5s_ticks", 0.0);
    assert_close(&r, "latency_arb_tax_bp", 0.0);
}

/// A take that executes only beyond the stale level fails: arbitrageur 2's buy at 102 fills at
/// 102 (a later ask), not at the stale 101.
#[test]
fn a_take_filled_only_beyond_the_stale_level_fails() {
    let mut log = race_log();
    let stale_gone = bid_only((99, 5));
    log.fills.insert(
        1,
        order_fill(
            t(N1 + 120 * US),
            102,
            1,
            Side::Buy,
            (2, 30),
            (0, 13),
            stale_gone,
        ),
    );
    log.venue_requests[3] = filled(log.venue_requests[3], 1, 102);
    settle(&mut log);
    let r = compute(&log).unwrap();
    // Still a race (arb 2 failed at 101); the volume counts only arb 1's 5 lots at 101.
    assert_close(&r, "races_50us", 1.0);
    assert_close(&r, "race_volume_50us_lots", 5.0);
}

#[test]
fn mechanism_neutral_measures_of_the_market_maker_log() {
    let mut log = market_maker_log();
    // The market maker cannot quote one side when |position| + 2 > 4, i.e. |position| ≥ 3.
    log.inventory_limits = vec![crate::sim::InventoryLimit {
        agent: AgentId(0),
        inventory_limit: 4,
        quote_size: 2,
    }];
    let r = compute(&log).unwrap();
    // Its position: 0 over [0, 1 s), −2 over [1, 3 s), 3 over [3 s, 10 s): 7 s of 10.
    assert_close(&r, "mm_time_at_inventory_limit_share", 0.7);
    // PnL 19 over 7 lots.
    assert_close(&r, "mm_pnl_per_lot_ticks", 19.0 / 7.0);
    // lp_adverse_selection_cost_true_{h} per lot of the fills with a reference quote (7).
    assert_close(
        &r,
        "lp_adverse_selection_per_lot_true_1s_ticks",
        -20.0 / 7.0,
    );
    assert_close(
        &r,
        "lp_adverse_selection_per_lot_true_5s_ticks",
        -12.0 / 7.0,
    );
    // The noise trader bought 2 at 101 when V was 100: 2·(+1)·(101 − 100)·2 / 2 = 2.
    assert_close(&r, "noise_effective_spread_true_ticks", 2.0);
    assert_eq!(
        r.missing_reason("sniping_profit_ticks"),
        Some("no arbitrageur agents in this run")
    );
    // Without the logged rule the share is missing, not 0.
    let r = compute(&market_maker_log()).unwrap();
    assert_eq!(
        r.missing_reason("mm_time_at_inventory_limit_share"),
        Some("the run log has no market maker's inventory limit")
    );
}

/// The noise traders' cost counts each of their sides; a noise–noise trade nets to zero.
#[test]
fn noise_effective_spread_true_counts_both_sides() {
    let mut log = log(&[Role::Noise, Role::Noise, Role::MarketMaker], t(10 * S));
    let q = two_sided((99, 5), (101, 5));
    log.fundamental.push((t(2 * S), 98.0));
    log.fills = vec![
        // Noise 0 buys 3 at 101 from noise 1 (V 100): +6 and −6 on 3 lots each.
        fill(t(S), 101, 3, Side::Buy, 0, 1, q),
        // Noise 1 sells 1 at 99 to the market maker with V = 98 at that instant:
        // 2·(−1)·(99 − 98)·1 = −2.
        fill(t(2 * S), 99, 1, Side::Sell, 1, 2, q),
    ];
    settle(&mut log);
    let r = compute(&log).unwrap();
    // (6·3 − 6·3 − 2) / 7: −2/7.
    assert_close(&r, "noise_effective_spread_true_ticks", -2.0 / 7.0);
    assert_close(&r, "mm_pnl_per_lot_ticks", (-99.0 + 98.0) / 1.0);
}

#[test]
fn an_empty_log_reports_what_is_missing_and_why() {
    let log = log(&[Role::MarketMaker, Role::Noise], t(10 * S));
    let r = compute(&log).unwrap();
    let expect_missing = [
        ("vwap_ticks", "no trades"),
        ("order_to_trade_ratio", "no trades"),
        ("cancel_rate", "no orders submitted"),
        (
            "effective_spread_vw_ticks",
            "no trade met a two-sided quote",
        ),
        ("realized_spread_1s_ticks", "no trade met a two-sided quote"),
        ("price_impact_5s_ticks", "no trade met a two-sided quote"),
        (
            "realized_spread_true_5s_ticks",
            "no trade met a two-sided quote",
        ),
        (
            "price_impact_true_1s_ticks",
            "no trade met a two-sided quote",
        ),
        ("quoted_spread_tw_ticks", "the book was never two-sided"),
        ("depth_bid_tw_lots", "the book was never two-sided"),
        ("depth_ask_tw_lots", "the book was never two-sided"),
        ("price_error_rmse_ticks", "the book was never two-sided"),
        ("trade_price_error_rmse_ticks", "no trades"),
        ("news_half_life_mean_s", "no public news in the run"),
        (
            "mid_return_std_1s_ticks",
            "fewer than two mid returns on the grid",
        ),
        (
            "fill_rate_market_maker",
            "no market_maker orders offered any quantity",
        ),
        ("fill_rate_noise", "no noise orders offered any quantity"),
        ("pnl_informed_ticks", "no informed agents in this run"),
        ("volume_informed_lots", "no informed agents in this run"),
        (
            "informed_profit_per_lot_ticks",
            "no informed agents in this run",
        ),
        ("noise_cost_per_lot_ticks", "noise agents did not trade"),
        ("mm_pnl_per_lot_ticks", "market_maker agents did not trade"),
        (
            "noise_effective_spread_true_ticks",
            "noise agents did not trade",
        ),
        ("sniping_profit_ticks", "no arbitrageur agents in this run"),
        (
            "lp_adverse_selection_per_lot_true_1s_ticks",
            "no trade met a two-sided quote",
        ),
        (
            "mm_time_at_inventory_limit_share",
            "the run log has no market maker's inventory limit",
        ),
        ("latency_arb_tax_bp", "no trades"),
        ("latency_arb_tax_50us_bp", "no trades"),
    ];
    for (name, why) in expect_missing {
        assert_eq!(r.missing_reason(name), Some(why), "{name}");
    }
    for name in [
        "trades",
        "volume_lots",
        "races",
        "races_50us",
        "races_5ms",
        "race_volume_500us_lots",
        "race_profit_true_5ms_ticks",
        "race_profit_5s_ticks",
        "lp_adverse_selection_cost_5s_ticks",
        "pnl_market_maker_ticks",
        "mm_spread_capture_ticks",
        "mm_adverse_selection_5s_ticks",
        "mm_inventory_5s_ticks",
        "mm_inventory_abs_tw_lots",
        "accounting_total_pnl_ticks",
        "two_sided_time_fraction",
        "news_events",
    ] {
        assert_eq!(r.get(name), Some(0.0), "{name}");
    }
    assert_eq!(value(&r, "final_fundamental_ticks"), 100.0);
    for k in r.missing.keys() {
        assert!(!r.metrics.contains_key(k), "{k} is in both maps");
    }
}

#[test]
fn a_zero_length_run_has_no_time_fractions() {
    let r = compute(&log(&[Role::Noise], SimTime::ZERO)).unwrap();
    assert_eq!(
        r.missing_reason("two_sided_time_fraction"),
        Some("the run has zero length")
    );
    assert!(r.metrics.values().all(|v| v.is_finite()));
}

#[test]
fn fills_whose_horizon_passes_the_end_use_the_final_mid() {
    let mut log = market_maker_log();
    log.horizon = t(6 * S);
    let r = compute(&log).unwrap();
    // At 5 s, A (due 6 s) is marked at the end itself, B (due 8 s) at the end instead.
    assert_close(&r, "fills_past_end_5s", 1.0);
    assert_close(&r, "realized_spread_5s_ticks", 5.0);
}

#[test]
fn a_ledger_that_disagrees_with_the_fills_is_an_error() {
    let mut log = market_maker_log();
    log.accounts[1].cash += 1;
    assert_eq!(
        compute(&log),
        Err(MetricsError::LedgerMismatch {
            agent: 1,
            logged: Account {
                cash: -201,
                position: 2
            },
            replayed: Account {
                cash: -202,
                position: 2
            },
        })
    );
}

#[test]
fn a_log_without_an_account_per_agent_is_an_error() {
    let mut log = market_maker_log();
    log.accounts.pop();
    assert_eq!(
        compute(&log),
        Err(MetricsError::AccountCount {
            accounts: 2,
            agents: 3
        })
    );
}

#[test]
fn a_log_out_of_time_order_is_an_error() {
    let mut log = market_maker_log();
    log.quotes.swap(1, 2);
    assert_eq!(
        compute(&log),
        Err(MetricsError::OutOfOrder {
            stream: "quotes",
            index: 2,
            time: t(S),
        })
    );
    let mut log = market_maker_log();
    log.horizon = t(4 * S);
    assert!(matches!(
        compute(&log),
        Err(MetricsError::AfterHorizon { .. })
    ));
}

#[test]
fn configurations_are_validated() {
    let c = MetricsConfig {
        race_profit_horizon: Duration::from_micros(1),
        ..MetricsConfig::default()
    };
    assert!(matches!(c.validate(), Err(MetricsError::InvalidConfig(_))));
    let c = MetricsConfig {
        horizons: vec![Duration::from_secs(1), Duration::from_millis(1000)],
        ..MetricsConfig::default()
    };
    assert!(c.validate().is_err());
    assert_eq!(duration_label(Duration::from_millis(250)), "250ms");
    assert_eq!(duration_label(Duration::from_micros(500)), "500us");
    assert_eq!(duration_label(Duration(7)), "7ns");
    assert_eq!(duration_label(Duration::from_secs(60)), "60s");
}

/// Observations that share a nanosecond may come in any order across streams (the simulator's
/// order is not the replay's): the record must not change.
#[test]
fn the_order_of_streams_within_an_instant_does_not_matter() {
    let orders = [
        REPLAY_ORDER,
        [
            Stream::Rfq,
            Stream::Fills,
            Stream::Requests,
            Stream::Quotes,
            Stream::News,
            Stream::Fundamental,
        ],
        [
            Stream::Quotes,
            Stream::Fills,
            Stream::Fundamental,
            Stream::Rfq,
            Stream::Requests,
            Stream::News,
        ],
    ];
    let mut sc = crate::scenario::Scenario::default_scenario();
    sc.duration_s = 20.0;
    let simulated = crate::sim::run(&sc, 0, crate::sim::RunOptions::default());
    let clob = sc.mechanism;
    sc.mechanism = clob.with_spec("rfq:2").unwrap();
    let rfq = crate::sim::run(&sc, 0, crate::sim::RunOptions::default());
    assert!(rfq.rfq.len() > 100, "{} requests", rfq.rfq.len());
    sc.mechanism = clob.with_spec("fba:10ms").unwrap();
    let fba = crate::sim::run(&sc, 0, crate::sim::RunOptions::default());
    assert!(fba.batches.len() > 100, "{} batches", fba.batches.len());
    let logs = [
        market_maker_log(),
        news_log(),
        race_log(),
        fba_race_log(),
        simulated,
        rfq,
        fba,
    ];
    for log in logs {
        let config = MetricsConfig::default();
        let reference = replay(&log, &config, &orders[0]).unwrap();
        for order in &orders[1..] {
            assert_eq!(replay(&log, &config, order).unwrap(), reference);
        }
    }
}
