//! LOBSTER export: hand-worked order sequences with every row asserted (partial cancels, and
//! which messages each depth keeps), the level rule against the whole event stream of
//! simulated runs, and the order-book file's level 1 against the run's own quote log.

use crate::support::bundles::{hashed_names, manifest};
use crate::support::scratch::Scratch;
use proteus::core::{AgentId, OrderId, SimTime};
use proteus::experiments::{RunBundleOptions, write_run_bundle};
use proteus::lobster::{
    DepthBook, LevelPair, LobsterConfig, LobsterError, LobsterExport, Message, Translator, export,
};
use proteus::mechanisms::{Clob, ClobConfig, NewOrder, OrderKind, Request, Side, TimeInForce};
use proteus::scenario::Scenario;
use proteus::sim::{RunOptions, run};
use std::collections::BTreeMap;
use std::fs;

fn limit(id: u64, trader: u32, side: Side, qty: i64, price: i64) -> Request {
    Request::New(NewOrder {
        id: OrderId(id),
        trader: AgentId(trader),
        side,
        qty,
        kind: OrderKind::Limit {
            price,
            tif: TimeInForce::Gtc,
        },
    })
}

fn at(ms: u64, r: Request) -> (SimTime, Request) {
    (SimTime(ms * 1_000_000), r)
}

#[test]
fn hand_worked_sequence() {
    use Side::{Buy, Sell};
    let requests = [
        at(1000, limit(1, 1, Sell, 5, 101)),
        at(2000, limit(2, 1, Sell, 3, 102)),
        at(3000, limit(3, 2, Buy, 2, 99)),
        // Crosses: executes 5 @ 101 against order 1, then 2 lots rest at 101.
        at(4500, limit(4, 2, Buy, 7, 101)),
        // Same price, smaller size: keeps priority, a partial cancellation of 2.
        at(
            5000,
            Request::Amend {
                id: OrderId(2),
                trader: AgentId(1),
                price: 102,
                qty: 1,
            },
        ),
        at(
            6000,
            Request::Cancel {
                id: OrderId(3),
                trader: AgentId(2),
            },
        ),
        // A new price without crossing: deletion, then submission at the new price.
        at(
            7000,
            Request::Amend {
                id: OrderId(4),
                trader: AgentId(2),
                price: 100,
                qty: 2,
            },
        ),
        // A market buy of 3 takes the 1 lot left at 102; the rest expires (no message).
        at(
            8000,
            Request::New(NewOrder {
                id: OrderId(5),
                trader: AgentId(2),
                side: Buy,
                qty: 3,
                kind: OrderKind::Market,
            }),
        ),
        at(9000, limit(6, 1, Sell, 1, 103)),
        // A crossing amend: deletion, execution against order 6, the rest resubmitted at 103.
        at(
            10_000,
            Request::Amend {
                id: OrderId(4),
                trader: AgentId(2),
                price: 103,
                qty: 2,
            },
        ),
        // Too late (order 1 filled): rejected, no message.
        at(
            11_000,
            Request::Cancel {
                id: OrderId(1),
                trader: AgentId(1),
            },
        ),
    ];
    let config = LobsterConfig {
        levels: 2,
        ..LobsterConfig::default()
    };
    let x = export(ClobConfig::default(), &requests, config).unwrap();
    assert_eq!(
        String::from_utf8(x.message_csv()).unwrap(),
        "\
34201.000000000,1,1,5,10100,-1
34202.000000000,1,2,3,10200,-1
34203.000000000,1,3,2,9900,1
34204.500000000,4,1,5,10100,-1
34204.500000000,1,4,2,10100,1
34205.000000000,2,2,2,10200,-1
34206.000000000,3,3,2,9900,1
34207.000000000,3,4,2,10100,1
34207.000000000,1,4,2,10000,1
34208.000000000,4,2,1,10200,-1
34209.000000000,1,6,1,10300,-1
34210.000000000,3,4,2,10000,1
34210.000000000,4,6,1,10300,-1
34210.000000000,1,4,1,10300,1
"
    );
    const NO_ASK: &str = "9999999999,0";
    const NO_BID: &str = "-9999999999,0";
    let rows = [
        format!("10100,5,{NO_BID},{NO_ASK},{NO_BID}"),
        format!("10100,5,{NO_BID},10200,3,{NO_BID}"),
        format!("10100,5,9900,2,10200,3,{NO_BID}"),
        format!("10200,3,9900,2,{NO_ASK},{NO_BID}"),
        "10200,3,10100,2,9999999999,0,9900,2".to_owned(),
        "10200,1,10100,2,9999999999,0,9900,2".to_owned(),
        format!("10200,1,10100,2,{NO_ASK},{NO_BID}"),
        format!("10200,1,{NO_BID},{NO_ASK},{NO_BID}"),
        format!("10200,1,10000,2,{NO_ASK},{NO_BID}"),
        format!("{NO_ASK},10000,2,{NO_ASK},{NO_BID}"),
        format!("10300,1,10000,2,{NO_ASK},{NO_BID}"),
        format!("10300,1,{NO_BID},{NO_ASK},{NO_BID}"),
        format!("{NO_ASK},{NO_BID},{NO_ASK},{NO_BID}"),
        format!("{NO_ASK},10300,1,{NO_ASK},{NO_BID}"),
    ];
    let expected: String = rows.iter().map(|r| format!("{r}\n")).collect();
    assert_eq!(String::from_utf8(x.orderbook_csv()).unwrap(), expected);
    assert_eq!(
        x.file_names(),
        (
            "lobster_message_2.csv".into(),
            "lobster_orderbook_2.csv".into()
        )
    );
}

/// `secs.nanos` seconds after midnight back to simulated nanoseconds.
fn sim_ns(field: &str, start_s: u64) -> u64 {
    let (s, ns) = field.split_once('.').unwrap();
    (s.parse::<u64>().unwrap() - start_s) * 1_000_000_000 + ns.parse::<u64>().unwrap()
}

/// Level 1 as (ask price, ask size, bid price, bid size) in LOBSTER units.
type Level1 = (i64, i64, i64, i64);

#[test]
fn level_one_agrees_with_the_quote_log_at_every_instant() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 20.0;
    let scratch = Scratch::new("lobster");
    let root = scratch.join("run");
    let opts = RunBundleOptions {
        lobster: Some(5),
        ..Default::default()
    };
    write_run_bundle(&sc, &root, &opts).unwrap();
    let cfg = LobsterConfig::default();
    let messages = fs::read_to_string(root.join("lobster_message_5.csv")).unwrap();
    let books = fs::read_to_string(root.join("lobster_orderbook_5.csv")).unwrap();
    assert_eq!(messages.lines().count(), books.lines().count());
    assert!(messages.lines().count() > 100, "a busy run");

    // The state at the end of each instant: the last row at that time wins.
    let mut lobster: BTreeMap<u64, Level1> = BTreeMap::new();
    for (m, b) in messages.lines().zip(books.lines()) {
        let t = sim_ns(m.split(',').next().unwrap(), cfg.session_start_s);
        let v: Vec<i64> = b.split(',').map(|x| x.parse().unwrap()).collect();
        assert_eq!(v.len(), 4 * 5);
        lobster.insert(t, (v[0], v[1], v[2], v[3]));
    }
    let mut quotes: BTreeMap<u64, Level1> = BTreeMap::new();
    let text = fs::read_to_string(root.join("quotes.csv")).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let num = |s: &str| s.parse::<i64>().ok();
        let ask = num(f[3]).map_or((9_999_999_999, 0), |p| {
            (p * cfg.price_scale, num(f[4]).unwrap())
        });
        let bid = num(f[1]).map_or((-9_999_999_999, 0), |p| {
            (p * cfg.price_scale, num(f[2]).unwrap())
        });
        quotes.insert(f[0].parse().unwrap(), (ask.0, ask.1, bid.0, bid.1));
    }
    assert!(quotes.len() > 50);
    let empty = (9_999_999_999, 0, -9_999_999_999, 0);
    let state =
        |m: &BTreeMap<u64, Level1>, t: u64| m.range(..=t).next_back().map_or(empty, |e| *e.1);
    let mut checked = 0;
    for &t in lobster.keys().chain(quotes.keys()) {
        assert_eq!(state(&lobster, t), state(&quotes, t), "at {t} ns");
        checked += 1;
    }
    assert!(checked > 150);
    let m = manifest(&root);
    assert_eq!(m["lobster"]["levels"], 5);
    assert_eq!(m["lobster"]["price_scale"], 100);
    let hashed = hashed_names(&m);
    assert!(
        hashed.contains(&"lobster_message_5.csv") && hashed.contains(&"lobster_orderbook_5.csv")
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn only_the_continuous_book_exports() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 1.0;
    sc.mechanism = sc.mechanism.with_spec("fba:100ms").unwrap();
    let scratch = Scratch::new("lobster-fba");
    let root = scratch.join("run");
    let opts = RunBundleOptions {
        lobster: Some(10),
        ..Default::default()
    };
    let e = write_run_bundle(&sc, &root, &opts).unwrap_err().to_string();
    assert!(
        e.contains("needs the continuous order book") && e.contains("fba:100ms"),
        "{e}"
    );
    assert!(!root.exists(), "nothing written");
    assert_eq!(
        export(
            ClobConfig::default(),
            &[],
            LobsterConfig {
                levels: 0,
                ..Default::default()
            }
        ),
        Err(LobsterError::Levels(0))
    );
}

fn amend(ms: u64, id: u64, trader: u32, price: i64, qty: i64) -> (SimTime, Request) {
    at(
        ms,
        Request::Amend {
            id: OrderId(id),
            trader: AgentId(trader),
            price,
            qty,
        },
    )
}

fn cancel(ms: u64, id: u64, trader: u32) -> (SimTime, Request) {
    at(
        ms,
        Request::Cancel {
            id: OrderId(id),
            trader: AgentId(trader),
        },
    )
}

fn export_at(requests: &[(SimTime, Request)], levels: usize) -> (String, String) {
    let config = LobsterConfig {
        levels,
        ..LobsterConfig::default()
    };
    let x = export(ClobConfig::default(), requests, config).unwrap();
    (
        String::from_utf8(x.message_csv()).unwrap(),
        String::from_utf8(x.orderbook_csv()).unwrap(),
    )
}

fn lines(rows: &[&str]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

/// Partial cancellations (type 2: an amend to a smaller size at the same price keeps the order
/// id and its priority) and the level rule, worked by hand: a bid book three and four levels deep
/// exported at depths 1, 2 and 10. Trader 1 bids, trader 2 sells.
#[test]
fn partial_cancels_and_the_level_rule_hand_worked() {
    use Side::{Buy, Sell};
    let requests = [
        at(1000, limit(1, 1, Buy, 5, 100)),
        at(2000, limit(2, 1, Buy, 4, 99)),
        at(3000, limit(3, 1, Buy, 3, 98)),
        at(4000, limit(4, 2, Sell, 6, 103)),
        // 3 -> 1 lot at 98 (bid level 3): a partial cancellation of 2.
        amend(5000, 3, 1, 98, 1),
        // 4 -> 1 lot at 99 (bid level 2): a partial cancellation of 3.
        amend(6000, 2, 1, 99, 1),
        // A new best bid: 99 moves to level 3.
        at(7000, limit(5, 1, Buy, 4, 101)),
        // Order 2 (1 lot at 99, level 3) deleted.
        cancel(8000, 2, 1),
        // Order 3 (1 lot at 98, level 3) moves to 102, the new best bid: deletion at 98,
        // submission at 102.
        amend(9000, 3, 1, 102, 1),
        // A market sell of 2: executes order 3 (1 @ 102), then 1 of order 5's 4 @ 101.
        at(
            10_000,
            Request::New(NewOrder {
                id: OrderId(6),
                trader: AgentId(2),
                side: Sell,
                qty: 2,
                kind: OrderKind::Market,
            }),
        ),
        // Order 5, partly filled (3 open), amended to 1 lot: a partial cancellation of 2.
        amend(11_000, 5, 1, 101, 1),
        // Bid level 3.
        at(12_000, limit(7, 1, Buy, 2, 99)),
        // Order 1 (5 @ 100, level 2) moves to 98: deletion at 100 (99 comes into level 2), then
        // submission at 98, level 3.
        amend(13_000, 1, 1, 98, 5),
        // The best bid (order 5, 1 @ 101) deleted: 98 comes into level 2.
        cancel(14_000, 5, 1),
        // Same price, same size: no change, no message.
        amend(15_000, 4, 2, 103, 6),
    ];

    // Depth 10: the book never has more than four levels, so this is every event.
    let (m10, _) = export_at(&requests, 10);
    assert_eq!(
        m10,
        lines(&[
            "34201.000000000,1,1,5,10000,1",
            "34202.000000000,1,2,4,9900,1",
            "34203.000000000,1,3,3,9800,1",
            "34204.000000000,1,4,6,10300,-1",
            "34205.000000000,2,3,2,9800,1",
            "34206.000000000,2,2,3,9900,1",
            "34207.000000000,1,5,4,10100,1",
            "34208.000000000,3,2,1,9900,1",
            "34209.000000000,3,3,1,9800,1",
            "34209.000000000,1,3,1,10200,1",
            "34210.000000000,4,3,1,10200,1",
            "34210.000000000,4,5,1,10100,1",
            "34211.000000000,2,5,2,10100,1",
            "34212.000000000,1,7,2,9900,1",
            "34213.000000000,3,1,5,10000,1",
            "34213.000000000,1,1,5,9800,1",
            "34214.000000000,3,5,1,10100,1",
        ])
    );

    // Depth 2: left out are the submission at 98 (level 3 after it), the partial cancel at 98
    // (level 3 before it), the deletion of order 2 at 99 (level 3 before it), the deletion
    // half of order 3's move (98, level 3), the submission of order 7 at 99 (level 3) and the
    // submission half of order 1's move (98, level 3 after it). The deletion of order 1 at 100
    // (level 2) stays, and its row shows 99 come into view; so does the deletion at 101.
    const NO_ASK: &str = "9999999999,0";
    const NO_BID: &str = "-9999999999,0";
    let (m2, b2) = export_at(&requests, 2);
    assert_eq!(
        m2,
        lines(&[
            "34201.000000000,1,1,5,10000,1",
            "34202.000000000,1,2,4,9900,1",
            "34204.000000000,1,4,6,10300,-1",
            "34206.000000000,2,2,3,9900,1",
            "34207.000000000,1,5,4,10100,1",
            "34209.000000000,1,3,1,10200,1",
            "34210.000000000,4,3,1,10200,1",
            "34210.000000000,4,5,1,10100,1",
            "34211.000000000,2,5,2,10100,1",
            "34213.000000000,3,1,5,10000,1",
            "34214.000000000,3,5,1,10100,1",
        ])
    );
    assert_eq!(
        b2,
        lines(&[
            &format!("{NO_ASK},10000,5,{NO_ASK},{NO_BID}"),
            &format!("{NO_ASK},10000,5,{NO_ASK},9900,4"),
            &format!("10300,6,10000,5,{NO_ASK},9900,4"),
            // The partial cancel: 3 of order 2's 4 lots at 99 removed.
            &format!("10300,6,10000,5,{NO_ASK},9900,1"),
            &format!("10300,6,10100,4,{NO_ASK},10000,5"),
            &format!("10300,6,10200,1,{NO_ASK},10100,4"),
            &format!("10300,6,10100,4,{NO_ASK},10000,5"),
            &format!("10300,6,10100,3,{NO_ASK},10000,5"),
            // The partial cancel of the partly filled order 5: 3 open lots to 1.
            &format!("10300,6,10100,1,{NO_ASK},10000,5"),
            &format!("10300,6,10100,1,{NO_ASK},9900,2"),
            &format!("10300,6,9900,2,{NO_ASK},9800,5"),
        ])
    );

    // Depth 1: only best-level events. The partial cancel at 99 (level 2) and the deletion at
    // 100 (level 2 behind 101) are left out too.
    let (m1, b1) = export_at(&requests, 1);
    assert_eq!(
        m1,
        lines(&[
            "34201.000000000,1,1,5,10000,1",
            "34204.000000000,1,4,6,10300,-1",
            "34207.000000000,1,5,4,10100,1",
            "34209.000000000,1,3,1,10200,1",
            "34210.000000000,4,3,1,10200,1",
            "34210.000000000,4,5,1,10100,1",
            "34211.000000000,2,5,2,10100,1",
            "34214.000000000,3,5,1,10100,1",
        ])
    );
    assert_eq!(
        b1,
        lines(&[
            &format!("{NO_ASK},10000,5"),
            "10300,6,10000,5",
            "10300,6,10100,4",
            "10300,6,10200,1",
            "10300,6,10100,4",
            "10300,6,10100,3",
            "10300,6,10100,1",
            "10300,6,9900,2",
        ])
    );
}

/// Every message the translation makes, unfiltered: what the LOBSTER files would hold at
/// unlimited depth.
fn full_stream(clob: ClobConfig, requests: &[(SimTime, Request)]) -> Vec<Message> {
    let mut venue = Clob::new(clob);
    let mut translator = Translator::default();
    let mut outputs = Vec::new();
    let mut all = Vec::new();
    for (time, request) in requests {
        outputs.clear();
        venue.handle(*request, &mut outputs);
        all.extend(
            translator
                .translate(*time, &outputs, |id| venue.order(id))
                .unwrap(),
        );
    }
    all
}

fn venue_log(sc: &Scenario) -> Vec<(SimTime, Request)> {
    let log = run(
        sc,
        0,
        RunOptions {
            record_messages: false,
            record_requests: true,
        },
    );
    log.venue_log.unwrap()
}

/// The messages of `stream` that change the top `levels` levels, with the top levels after
/// each, and the deepest the book got on either side.
fn changes_within(stream: &[Message], levels: usize) -> (Vec<Message>, Vec<Vec<LevelPair>>, usize) {
    let mut book = DepthBook::default();
    let (mut kept, mut rows, mut deepest) = (Vec::new(), Vec::new(), 0);
    let mut before = book.top(levels);
    for m in stream {
        book.apply(m);
        let after = book.top(levels);
        if after != before {
            kept.push(*m);
            rows.push(after.clone());
        }
        before = after;
        for side in [Side::Buy, Side::Sell] {
            deepest = deepest.max(book.depth(side, usize::MAX).len());
        }
    }
    (kept, rows, deepest)
}

/// One file row's `levels` levels of one side as LOBSTER prices, best first, dummies left out.
fn side_prices(row: &[i64], levels: usize, side: i64) -> Vec<i64> {
    (0..levels)
        .filter_map(|i| {
            let (p, q) = if side == -1 {
                (row[4 * i], row[4 * i + 1])
            } else {
                (row[4 * i + 2], row[4 * i + 3])
            };
            (q > 0).then_some(p)
        })
        .collect()
}

/// The `levels`-level files from the 10-level ones, by the rule of docs/lobster.md read off
/// the files alone: a submission is kept when its price is among its side's first `levels`
/// prices in the row after it, a cancellation or deletion when it is in the row before it,
/// an execution always; the kept rows' books are cut to `levels` levels.
fn filter_files(messages: &str, books: &str, levels: usize) -> (String, String) {
    let (mut m_out, mut b_out) = (String::new(), String::new());
    let empty: Vec<i64> = (0..10)
        .flat_map(|_| [9_999_999_999, 0, -9_999_999_999, 0])
        .collect();
    let mut before = empty;
    for (m, b) in messages.lines().zip(books.lines()) {
        let f: Vec<i64> = m.split(',').skip(1).map(|x| x.parse().unwrap()).collect();
        let (kind, price, side) = (f[0], f[3], f[4]);
        let after: Vec<i64> = b.split(',').map(|x| x.parse().unwrap()).collect();
        let keep = match kind {
            1 => side_prices(&after, levels, side).contains(&price),
            2 | 3 => side_prices(&before, levels, side).contains(&price),
            4 => true,
            k => panic!("type {k} in a CLOB run"),
        };
        if keep {
            m_out.push_str(m);
            m_out.push('\n');
            let cut: Vec<String> = after[..4 * levels].iter().map(|x| x.to_string()).collect();
            b_out.push_str(&cut.join(","));
            b_out.push('\n');
        }
        before = after;
    }
    (m_out, b_out)
}

/// The level rule on a simulated run whose book goes deeper than 10 levels: each depth's files
/// are exactly the messages that change its top levels (none that leave them unchanged, so no
/// repeated rows), the 1-, 2- and 5-level files are the 10-level ones filtered by the rule, and
/// the deeper the files, the more rows.
#[test]
fn each_depth_keeps_exactly_the_events_inside_its_levels() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 30.0;
    // Noise limit orders up to 15 ticks from the mid: a book deeper than 10 levels.
    sc.agents.noise.as_mut().unwrap().groups[0]
        .params
        .limit_offset_max_ticks = 15;
    let requests = venue_log(&sc);
    let all = full_stream(sc.market, &requests);
    let at_depth = |levels| {
        export(
            sc.market,
            &requests,
            LobsterConfig {
                levels,
                ..LobsterConfig::default()
            },
        )
        .unwrap()
    };
    let text = |x: &LobsterExport| {
        (
            String::from_utf8(x.message_csv()).unwrap(),
            String::from_utf8(x.orderbook_csv()).unwrap(),
        )
    };
    let (m10, b10) = text(&at_depth(10));
    let mut counts = Vec::new();
    for levels in [1, 2, 5, 10] {
        let x = at_depth(levels);
        let (m, b) = text(&x);
        let (kept, rows, deepest) = changes_within(&all, levels);
        assert!(deepest > 10, "the book reaches {deepest} levels");
        assert_eq!(
            x.messages, kept,
            "{levels} levels: the messages that change them"
        );
        assert_eq!(x.books, rows, "{levels} levels");
        assert!(
            kept.len() < all.len(),
            "{levels} levels leave deep events out"
        );
        // No order-book row repeats the one before it (the first not the empty book): every
        // kept message, executions included, changes the top levels.
        let empty = vec!["9999999999,0,-9999999999,0"; levels].join(",");
        let rows: Vec<&str> = std::iter::once(empty.as_str()).chain(b.lines()).collect();
        for (i, w) in rows.windows(2).enumerate() {
            assert_ne!(
                w[0],
                w[1],
                "{levels} levels: order-book row {} repeats",
                i + 1
            );
        }
        assert_eq!(m.lines().count(), b.lines().count());
        if levels < 10 {
            assert_eq!(
                filter_files(&m10, &b10, levels),
                (m, b),
                "{levels} from 10 levels"
            );
        }
        counts.push(x.messages.len());
    }
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "1, 2, 5, 10 levels: {counts:?} rows"
    );
}

/// A run whose book never has more than 10 levels on a side: its 10-level message file is the
/// whole event stream, and the default scenario's 1-level file is shorter than its 10-level one.
#[test]
fn ten_levels_of_a_shallow_book_are_the_whole_stream() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 30.0;
    let requests = venue_log(&sc);
    let all = full_stream(sc.market, &requests);
    let (_, _, deepest) = changes_within(&all, 10);
    assert!(deepest <= 10, "the book reaches {deepest} levels");
    let at_depth = |levels| {
        export(
            sc.market,
            &requests,
            LobsterConfig {
                levels,
                ..LobsterConfig::default()
            },
        )
        .unwrap()
    };
    let x10 = at_depth(10);
    assert_eq!(x10.messages, all);
    let x1 = at_depth(1);
    assert!(
        x1.messages.len() < x10.messages.len(),
        "{} rows at 1 level, {} at 10",
        x1.messages.len(),
        x10.messages.len()
    );
}
