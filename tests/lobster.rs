//! LOBSTER export: a hand-worked order sequence with every row asserted, and the order-book
//! file's level 1 against the run's own quote log.

use proteus::core::{AgentId, OrderId, SimTime};
use proteus::experiments::{RunBundleOptions, write_run_bundle};
use proteus::lobster::{LobsterConfig, LobsterError, export};
use proteus::mechanisms::{ClobConfig, NewOrder, OrderKind, Request, Side, TimeInForce};
use proteus::scenario::Scenario;
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
    let root = std::env::temp_dir().join(format!("proteus-lobster-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
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
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["lobster"]["levels"], 5);
    assert_eq!(m["lobster"]["price_scale"], 100);
    let hashed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
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
    let root = std::env::temp_dir().join(format!("proteus-lobster-fba-{}", std::process::id()));
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
