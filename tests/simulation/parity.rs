//! The same market under different mechanisms (CLOB, FBA, RFQ): common random numbers, and what
//! batch auctions do to the latency race.

use crate::support::scenarios::{
    constant_latency, latency_race, request_messages, requests_of, with_mechanism,
};
use proteus::core::Role;
use proteus::scenario::Scenario;
use proteus::sim::{RunLog, RunOptions, run};

#[test]
fn every_mechanism_sees_the_same_fundamental_news_and_arrivals() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 60.0;
    // Market orders only, so each noise arrival is one request whatever the market shows.
    sc.agents.noise.as_mut().unwrap().groups[0]
        .params
        .marketable_prob = 1.0;
    let opts = RunOptions {
        record_messages: true,
        ..Default::default()
    };
    let clob = run(&with_mechanism(&sc, "clob"), 2, opts);
    let fba = run(&with_mechanism(&sc, "fba:50ms"), 2, opts);
    let rfq = run(&with_mechanism(&sc, "rfq:2"), 2, opts);
    for other in [&fba, &rfq] {
        assert_eq!(clob.fundamental, other.fundamental);
        assert_eq!(clob.news, other.news);
    }
    assert!(!clob.news.is_empty());
    for i in 0..50 {
        let a = requests_of(&clob, Role::Noise, i);
        assert!(!a.is_empty(), "noise trader {i} traded");
        for (name, other) in [("fba", &fba), ("rfq", &rfq)] {
            let b = requests_of(other, Role::Noise, i);
            assert_eq!(
                a, b,
                "noise trader {i} under {name}: send and arrival times"
            );
        }
    }
    // Under RFQ each of those arrivals is a quote request: as many as the CLOB's market orders.
    let noise = |log: &RunLog| {
        log.venue_requests
            .iter()
            .filter(|r| log.agents[r.agent.0 as usize].role == Role::Noise)
            .count()
    };
    assert_eq!(noise(&rfq), noise(&clob));
    assert_eq!(
        rfq.rfq
            .iter()
            .filter(|r| rfq.agents[r.client.0 as usize].role == Role::Noise)
            .count(),
        noise(&clob)
    );
    // ... while the markets themselves differ.
    assert_ne!(clob.fills, fba.fills);
    assert_ne!(clob.fills, rfq.fills);
    assert!(clob.rfq.is_empty() && fba.rfq.is_empty());
    assert!(rfq.batches.is_empty() && rfq.quotes.is_empty());
    assert!(clob.batches.is_empty());
    assert_eq!(
        fba.batches.len(),
        1200,
        "one batch end every 50 ms for 60 s"
    );
}

/// One market maker quoting 9998 / 10002 for `quote_size` around a flat value of 10000, and two
/// arbitrageurs 1 µs apart (50 µs and 51 µs to the venue, 10 µs to see the news). At t = 1.005 s a
/// news moves the value up 10 ticks. The market maker learns it after `mm_ns` and needs `mm_ns`
/// more to reach the venue.
fn race(mechanism: &str, quote_size: u32, mm_ns: u64) -> Scenario {
    let latency = |ns: u64| constant_latency(ns, 10_000, if ns == mm_ns { mm_ns } else { 10_000 });
    let sc = latency_race(
        1_005_000_000,
        quote_size,
        &latency(mm_ns),
        [&latency(50_000), &latency(51_000)],
    );
    with_mechanism(&sc, mechanism)
}

/// Lots each arbitrageur bought, by index.
fn arbitrageur_lots(log: &RunLog) -> [i64; 2] {
    let mut lots = [0; 2];
    for f in &log.fills {
        let a = log.agents[f.taker.0 as usize];
        if a.role == Role::Arbitrageur {
            lots[a.index as usize] += f.qty;
        }
    }
    lots
}

#[test]
fn a_microsecond_wins_the_clob_race_and_nothing_in_a_batch() {
    // CLOB: the faster arbitrageur takes all 4 stale lots at 10002; the slower gets nothing.
    let clob = run(&race("clob", 4, 1_000_000), 0, RunOptions::default());
    assert_eq!(arbitrageur_lots(&clob), [4, 0]);
    assert!(clob.fills.iter().all(|f| f.price == 10002));

    // FBA, batches of 10 ms: both orders and the market maker's update (at 1.007 s) reach the
    // batch that ends at 1.010 s. The update moved the ask to 10012, above the arbitrageurs'
    // limit of 10009: nobody picks off a stale quote.
    let fba = run(&race("fba:10ms", 4, 1_000_000), 0, RunOptions::default());
    assert_eq!(fba.agents.len(), 3);
    let arb_orders: Vec<(u64, u32)> = fba
        .venue_requests
        .iter()
        .filter(|r| fba.agents[r.agent.0 as usize].role == Role::Arbitrageur)
        .map(|r| (r.time.0, fba.agents[r.agent.0 as usize].index))
        .collect();
    assert_eq!(
        arb_orders,
        [(1_005_060_000, 0), (1_005_061_000, 1)],
        "both raced"
    );
    assert_eq!(arbitrageur_lots(&fba), [0, 0]);
    assert!(fba.fills.is_empty());

    // FBA with a market maker too slow for that batch (20 ms each way): the stale ask is still
    // there, but both orders are in the same batch and split it equally; the microsecond buys
    // nothing.
    let slow = run(&race("fba:10ms", 4, 20_000_000), 0, RunOptions::default());
    assert_eq!(arbitrageur_lots(&slow), [2, 2]);
    let batch = slow.batches.iter().find(|b| b.outcome.volume > 0).unwrap();
    assert_eq!(batch.time.0, 1_010_000_000);
}

/// One noise trader's decisions as it sent them: (time sent, side, size, rests liquidity). Under
/// the CLOB and FBA a resting intent is a GTC limit order and a marketable one a market order;
/// under RFQ both are quote requests, the resting intent with a limit and the marketable one
/// without.
fn noise_decisions(log: &RunLog, index: u32) -> Vec<(u64, i64, i64, bool)> {
    request_messages(log, Role::Noise, index)
        .into_iter()
        .filter_map(|m| {
            let rests = match m.kind.as_str() {
                "gtc" => true,
                "market" => false,
                "quote_request" => m.price.is_some(),
                _ => return None, // its amends and cancels of resting orders
            };
            Some((m.sent.0, m.side.unwrap().sign(), m.qty.unwrap(), rests))
        })
        .collect()
}

/// The economics held fixed (docs/mechanisms.md): with the default mix of marketable and resting
/// noise orders, every noise trader decides at the same times with the same side and size under
/// CLOB, FBA and RFQ, and the share of its decisions that rest liquidity is the same under the
/// CLOB and FBA (the review found FBA noise traders rested nothing: they priced off a hidden book).
#[test]
fn noise_traders_make_the_same_decisions_under_every_mechanism() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 60.0;
    let opts = RunOptions {
        record_messages: true,
        ..Default::default()
    };
    let clob = run(&with_mechanism(&sc, "clob"), 3, opts);
    let fba = run(&with_mechanism(&sc, "fba:100ms"), 3, opts);
    let rfq = run(&with_mechanism(&sc, "rfq:3"), 3, opts);
    let (mut decisions, mut resting) = (0usize, 0usize);
    for i in 0..50 {
        let a = noise_decisions(&clob, i);
        assert!(!a.is_empty(), "noise trader {i} decided something");
        assert_eq!(a, noise_decisions(&fba, i), "noise trader {i}: CLOB vs FBA");
        assert_eq!(a, noise_decisions(&rfq, i), "noise trader {i}: CLOB vs RFQ");
        decisions += a.len();
        resting += a.iter().filter(|d| d.3).count();
    }
    // The default mix: 30% marketable, so about 70% of the decisions rest liquidity, in every
    // mechanism (the same decisions).
    let share = resting as f64 / decisions as f64;
    assert!(decisions > 1000, "{decisions}");
    assert!((0.65..0.75).contains(&share), "resting share {share}");
    // And the resting orders do reach the book under FBA: its published residual book is
    // two-sided most of the time.
    let gtc = |log: &RunLog| {
        log.venue_requests
            .iter()
            .filter(|r| {
                log.agents[r.agent.0 as usize].role == Role::Noise
                    && r.kind
                        == proteus::sim::RequestKind::Limit {
                            tif: proteus::mechanisms::TimeInForce::Gtc,
                        }
            })
            .count()
    };
    assert_eq!(gtc(&clob), resting);
    assert_eq!(gtc(&fba), resting);
    assert!(!fba.quotes.is_empty());
}

/// Under FBA the public book changes only at batch ends (the residual book published after each
/// clearing, Budish–Cramton–Shim), never while orders accumulate in the sealed book, and the
/// published book never crosses.
#[test]
fn fba_publishes_its_book_only_at_batch_ends() {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 30.0;
    let fba = run(&with_mechanism(&sc, "fba:100ms"), 1, RunOptions::default());
    let ends: std::collections::BTreeSet<u64> = fba.batches.iter().map(|b| b.time.0).collect();
    assert!(fba.quotes.len() > 50, "{} quote changes", fba.quotes.len());
    for (t, q) in &fba.quotes {
        assert!(
            ends.contains(&t.0),
            "quote change at {t:?} is not a batch end"
        );
        if let (Some((b, _)), Some((a, _))) = (q.bid, q.ask) {
            assert!(b < a, "published residual book crossed at {t:?}: {b} / {a}");
        }
    }
    // Each fill's reference quote is the book published before its batch, not the sealed one.
    let mut published = fba.quotes.iter().peekable();
    let mut current = proteus::agents::Quote::default();
    for f in &fba.fills {
        while let Some((t, q)) = published.peek() {
            if t.0 < f.time.0 {
                current = *q;
                published.next();
            } else {
                break;
            }
        }
        assert_eq!(f.quote_before, current, "fill at {:?}", f.time);
    }
}
