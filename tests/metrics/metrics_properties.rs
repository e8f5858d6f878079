//! Property tests of the metrics on generated run logs.
//!
//! A log is built from random steps (quote changes, fills against the current quote, fills
//! with no quote, fundamental moves, news, requests), many of them sharing a nanosecond, with
//! the accounts the fills imply. For every such log:
//! * effective spread = realized spread + price impact at every horizon, against the mid and
//!   against the fundamental (to rounding);
//! * the accounting check is exactly zero;
//! * the market makers' spread capture + adverse selection + inventory = their ledger PnL;
//! * every value written is finite and no metric is both defined and missing;
//! * race counts and volumes do not fall as the window widens, the legacy race names equal
//!   the 500 µs window's, and a race has at least one winning lot;
//! * the share of time at the inventory limit is in [0, 1].
//!
//! Half the logs are batch-auction logs (batch ends every 250 ms).
//!
//! The number of cases is `PROPTEST_CASES` when set, 256 otherwise.

use crate::support::proptest_cases;
use proptest::prelude::*;
use proteus::agents::Quote;
use proteus::core::MechanismKind;
use proteus::core::{AgentId, OrderId, Role, SimTime};
use proteus::info::NewsEvent;
use proteus::mechanisms::{BatchOutcome, Side, TimeInForce};
use proteus::metrics::{self, MetricRecord};
use proteus::sim::{
    Account, AgentInfo, BatchRecord, FillRecord, InventoryLimit, RequestKind, RequestRecord, RunLog,
};

const HORIZON: SimTime = SimTime(20_000_000_000);

#[derive(Clone, Debug)]
enum Step {
    Quote {
        bid: Option<(i64, i64)>,
        spread: i64,
        ask_qty: Option<i64>,
    },
    Fill {
        offset: i64,
        qty: i64,
        buy: bool,
        taker: usize,
        maker: usize,
        /// Whether it met the current quote or no quote at all.
        quoted: bool,
    },
    Fundamental(f64),
    News(f64),
    Request {
        agent: usize,
        kind: u8,
        filled: i64,
        too_late: bool,
        /// The order it names (a small id space, so cancels and fills meet earlier orders).
        id: u64,
        /// A limit order's price offset from 100; its side is its parity.
        offset: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            proptest::option::weighted(0.8, (90i64..110, 1i64..10)),
            1i64..6,
            proptest::option::weighted(0.8, 1i64..10)
        )
            .prop_map(|(bid, spread, ask_qty)| Step::Quote {
                bid,
                spread,
                ask_qty
            }),
        (
            -8i64..8,
            1i64..20,
            any::<bool>(),
            0usize..8,
            0usize..8,
            proptest::bool::weighted(0.85)
        )
            .prop_map(|(offset, qty, buy, taker, maker, quoted)| Step::Fill {
                offset,
                qty,
                buy,
                taker,
                maker,
                quoted
            }),
        (-3.0f64..3.0).prop_map(Step::Fundamental),
        (-8.0f64..8.0).prop_map(Step::News),
        (
            0usize..8,
            0u8..4,
            0i64..5,
            any::<bool>(),
            0u64..12,
            -4i64..5
        )
            .prop_map(|(agent, kind, filled, too_late, id, offset)| {
                Step::Request {
                    agent,
                    kind,
                    filled,
                    too_late,
                    id,
                    offset,
                }
            }),
    ]
}

/// Gaps between steps: mostly the same nanosecond or close, sometimes seconds.
fn gap() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        2 => 1u64..1_000_000,
        2 => 1_000_000u64..2_000_000_000,
        1 => Just(1_000_000_000u64),
    ]
}

/// A run log of the steps; with `fba`, a batch-auction log with a batch end every 250 ms.
fn build(roles: &[Role], steps: &[(u64, Step)], fba: bool) -> RunLog {
    let n = roles.len();
    let mut log = RunLog {
        horizon: HORIZON,
        agents: roles
            .iter()
            .enumerate()
            .map(|(i, &role)| AgentInfo {
                id: AgentId(i as u32),
                role,
                index: i as u32,
            })
            .collect(),
        fundamental: vec![(SimTime::ZERO, 100.0)],
        accounts: vec![Account::default(); n],
        inventory_limits: (0..n)
            .filter(|&i| roles[i] == Role::MarketMaker)
            .map(|i| InventoryLimit {
                agent: AgentId(i as u32),
                inventory_limit: 10,
                quote_size: 3,
            })
            .collect(),
        ..RunLog::default()
    };
    if fba {
        log.mechanism = MechanismKind::Fba;
        log.batches = (1..=HORIZON.0 / 250_000_000)
            .map(|k| BatchRecord {
                time: SimTime(k * 250_000_000),
                outcome: BatchOutcome {
                    batch: k - 1,
                    clearing_price: None,
                    volume: 0,
                    imbalance: 0,
                    buy_interest: 0,
                    sell_interest: 0,
                },
            })
            .collect();
    }
    let (mut now, mut quote, mut value) = (0u64, Quote::default(), 100.0);
    for (g, s) in steps {
        now += g;
        if now > HORIZON.0 {
            break;
        }
        let t = SimTime(now);
        match *s {
            Step::Quote {
                bid,
                spread,
                ask_qty,
            } => {
                let ask = ask_qty.map(|q| (bid.map_or(100, |b| b.0) + spread, q));
                quote = Quote { bid, ask };
                log.quotes.push((t, quote));
            }
            Step::Fill {
                offset,
                qty,
                buy,
                taker,
                maker,
                quoted,
            } => {
                let (taker, maker) = (taker % n, maker % n);
                if taker == maker {
                    continue;
                }
                let quote_before = if quoted { quote } else { Quote::default() };
                let side = if buy { Side::Buy } else { Side::Sell };
                let price = 100 + offset;
                log.fills.push(FillRecord {
                    time: t,
                    price,
                    qty,
                    taker_side: side,
                    taker: AgentId(taker as u32),
                    maker: AgentId(maker as u32),
                    taker_order: OrderId(qty as u64 % 12),
                    maker_order: OrderId(offset.unsigned_abs() % 12),
                    quote_before,
                });
                let d = side.sign();
                let v = price as i128 * qty as i128;
                log.accounts[taker].position += d * qty;
                log.accounts[taker].cash -= d as i128 * v;
                log.accounts[maker].position -= d * qty;
                log.accounts[maker].cash += d as i128 * v;
            }
            Step::Fundamental(dv) => {
                value += dv;
                log.fundamental.push((t, value));
            }
            Step::News(shift) => {
                value += shift;
                log.fundamental.push((t, value));
                let index = log.news.len();
                log.news.push(NewsEvent {
                    index,
                    public_time: t,
                    shift_ticks: shift,
                });
            }
            Step::Request {
                agent,
                kind,
                filled,
                too_late,
                id,
                offset,
            } => {
                let kind = match kind {
                    0 => RequestKind::Market,
                    1 => RequestKind::Limit {
                        tif: TimeInForce::Ioc,
                    },
                    2 => RequestKind::Limit {
                        tif: TimeInForce::Gtc,
                    },
                    _ => RequestKind::Cancel,
                };
                let new = kind != RequestKind::Cancel;
                log.venue_requests.push(RequestRecord {
                    time: t,
                    agent: AgentId((agent % n) as u32),
                    kind,
                    order: OrderId(id),
                    side: new.then_some(if offset % 2 == 0 {
                        Side::Buy
                    } else {
                        Side::Sell
                    }),
                    price: (new && kind != RequestKind::Market).then_some(100 + offset),
                    qty: if new { 5 } else { 0 },
                    offered_qty: if new { 5 } else { 0 },
                    filled_qty: if new { filled } else { 0 },
                    filled_notional: if new { filled as i128 * 100 } else { 0 },
                    rejected: (!new && too_late)
                        .then_some(proteus::mechanisms::RejectReason::TooLate),
                });
            }
        }
    }
    log
}

fn roles() -> impl Strategy<Value = Vec<Role>> {
    proptest::collection::vec(proptest::sample::select(Role::ALL.to_vec()), 2..6)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check(r: &MetricRecord) -> Result<(), TestCaseError> {
    for (name, v) in &r.metrics {
        prop_assert!(v.is_finite(), "{} = {}", name, v);
        prop_assert!(!r.missing.contains_key(name), "{} is in both maps", name);
    }
    prop_assert_eq!(r.get("accounting_total_pnl_ticks"), Some(0.0));
    for h in ["1s", "5s"] {
        let es = r.get("effective_spread_vw_ticks");
        for suffix in ["", "true_"] {
            let rs = r.get(&format!("realized_spread_{suffix}{h}_ticks"));
            let pi = r.get(&format!("price_impact_{suffix}{h}_ticks"));
            match (es, rs, pi) {
                (Some(es), Some(rs), Some(pi)) => {
                    prop_assert!(close(es, rs + pi), "{}: {} vs {} + {}", h, es, rs, pi)
                }
                (None, None, None) => {}
                other => prop_assert!(false, "defined together or not at all: {:?}", other),
            }
        }
        if let Some(total) = r.get("pnl_market_maker_ticks") {
            let parts = r.get("mm_spread_capture_ticks").unwrap()
                + r.get(&format!("mm_adverse_selection_{h}_ticks")).unwrap()
                + r.get(&format!("mm_inventory_{h}_ticks")).unwrap();
            prop_assert!(close(total, parts), "{}: {} vs {}", h, total, parts);
        }
    }
    // Role PnLs add up to the market's total (zero), to rounding.
    let roles: f64 = Role::ALL
        .iter()
        .filter_map(|role| r.get(&format!("pnl_{}_ticks", role.as_str())))
        .sum();
    let scale: f64 = r.pnl_by_agent.iter().map(|p| p.pnl_ticks.abs()).sum();
    prop_assert!(roles.abs() <= 1e-9 * scale.max(1.0), "{}", roles);
    // Races: a wider window only adds messages, so counts and volumes never fall with it; the
    // legacy names are the 500 µs window.
    let get = |name: &str| r.get(name).unwrap_or_else(|| panic!("{name} missing"));
    let windows = ["50us", "500us", "5ms"];
    for pair in windows.windows(2) {
        for (a, b) in [
            (format!("races_{}", pair[0]), format!("races_{}", pair[1])),
            (
                format!("race_volume_{}_lots", pair[0]),
                format!("race_volume_{}_lots", pair[1]),
            ),
        ] {
            prop_assert!(
                get(&a) <= get(&b),
                "{} = {} > {} = {}",
                a,
                get(&a),
                b,
                get(&b)
            );
        }
    }
    prop_assert_eq!(get("races"), get("races_500us"));
    prop_assert_eq!(get("race_volume_lots"), get("race_volume_500us_lots"));
    prop_assert_eq!(
        r.get("latency_arb_tax_bp"),
        r.get("latency_arb_tax_500us_bp")
    );
    for w in windows {
        // A race has at least one winning lot.
        let (volume, races) = (format!("race_volume_{w}_lots"), format!("races_{w}"));
        prop_assert!(get(&volume) >= get(&races), "{}", w);
    }
    if let Some(share) = r.get("mm_time_at_inventory_limit_share") {
        prop_assert!((0.0..=1.0).contains(&share), "{}", share);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases()))]

    #[test]
    fn identities_hold_on_generated_logs(
        roles in roles(),
        steps in proptest::collection::vec((gap(), step()), 0..120),
        fba in any::<bool>(),
    ) {
        let log = build(&roles, &steps, fba);
        let r = metrics::compute(&log).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&r)?;
    }
}
