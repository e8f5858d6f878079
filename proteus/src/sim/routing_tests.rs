//! Leakage at the level of the event loop: small real runs of the default scenario, each driven
//! event by event, with every report and RFQ notice the loop delivered (at its delivery time)
//! and every callback's view of the public feed ([`View`], recorded in [`Simulation::call`]).
//! Each test hides or delays fields with a leakage override and checks that no agent outside
//! the field's audience ever received it, and that none received it before its delay.
//!
//! `execution::leakage` tests the policy's answers; these test that the loop asks the policy
//! and obeys it (a routing mistake, such as a fill reported to everyone or a feed delay
//! skipped, fails here, not only as a changed snapshot).

use super::engine::{Event, Simulation};
use super::routing::View;
use super::{RfqOutcome, RunLog, RunOptions};
use crate::agents::{Quote, RfqNotice};
use crate::core::{AgentId, Duration, MechanismKind, OrderId, Role, SimTime};
use crate::execution::{Audience, Field, Visibility};
use crate::mechanisms::{Output, Price};
use crate::scenario::Scenario;
use std::collections::{BTreeMap, BTreeSet};

/// One run as the agents lived it.
struct Trace {
    /// Every report and RFQ notice handed to an agent, at the time it reached it.
    deliveries: Vec<(SimTime, Event)>,
    /// Every callback's view of the feed: (agent, time, view).
    views: Vec<(u32, SimTime, View)>,
    log: RunLog,
}

impl Trace {
    fn reports(&self) -> impl Iterator<Item = (SimTime, AgentId, Output)> + '_ {
        self.deliveries.iter().filter_map(|&(t, e)| match e {
            Event::Report { agent, output } => Some((t, AgentId(agent), output)),
            _ => None,
        })
    }

    fn notices(&self) -> impl Iterator<Item = (SimTime, AgentId, RfqNotice)> + '_ {
        self.deliveries.iter().filter_map(|&(t, e)| match e {
            Event::Notice { agent, notice } => Some((t, AgentId(agent), notice)),
            _ => None,
        })
    }

    fn role(&self, agent: AgentId) -> Role {
        self.log.agents[agent.0 as usize].role
    }
}

/// Runs `sc` (repetition 0) like [`super::run`], event by event.
fn trace(sc: &Scenario) -> Trace {
    let options = RunOptions {
        record_messages: true,
        ..RunOptions::default()
    };
    let mut sim = Simulation::new(sc, 0, options, None);
    sim.probe = Some(Vec::new());
    sim.start();
    let mut deliveries = Vec::new();
    while let Some(ev) = sim.queue.pop() {
        if ev.time > sim.horizon {
            break;
        }
        if matches!(ev.event, Event::Report { .. } | Event::Notice { .. }) {
            deliveries.push((ev.time, ev.event));
        }
        sim.log.events_processed += 1;
        sim.handle(ev.time, ev.event);
    }
    let views = sim.probe.take().expect("set above");
    Trace {
        deliveries,
        views,
        log: sim.finish(),
    }
}

const MS: u64 = 1_000_000;

/// The default scenario, 30 s long, under mechanism `spec`, with `overrides` of its leakage
/// table.
fn scenario(spec: &str, overrides: &[(Field, Visibility)]) -> Scenario {
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 30.0;
    sc.mechanism = sc.mechanism.with_spec(spec).expect("a valid spec");
    let table = match sc.mechanism.kind {
        MechanismKind::Clob => &mut sc.leakage.clob,
        MechanismKind::Fba => &mut sc.leakage.fba,
        MechanismKind::Rfq => &mut sc.leakage.rfq,
    };
    for (field, vis) in overrides {
        table.insert(*field, vis.clone());
    }
    sc.validate().expect("a valid scenario");
    sc
}

fn vis(audience: Audience, delay_ns: u64) -> Visibility {
    Visibility::new(audience, delay_ns)
}

fn market_makers() -> Audience {
    Audience::Roles(BTreeSet::from([Role::MarketMaker]))
}

/// Whose report `output` is: the trader of an acknowledgement, the client of an RFQ outcome.
fn owner(output: &Output) -> Option<AgentId> {
    match *output {
        Output::Accepted { trader, .. }
        | Output::Rejected { trader, .. }
        | Output::Cancelled { trader, .. }
        | Output::Amended { trader, .. }
        | Output::Rested { trader, .. } => Some(trader),
        Output::QuoteReceived { client, .. }
        | Output::RfqTraded { client, .. }
        | Output::RfqNoTrade { client, .. } => Some(client),
        Output::Fill(_) | Output::QuoteRequested { .. } => None,
    }
}

/// A fill's identity: (taker order, maker order, price, qty).
type FillKey = (OrderId, OrderId, Price, i64);

/// When each fill of the log happened.
fn fill_times(log: &RunLog) -> BTreeMap<FillKey, SimTime> {
    log.fills
        .iter()
        .map(|f| ((f.taker_order, f.maker_order, f.price, f.qty), f.time))
        .collect()
}

/// The tops of book the venue had between `from` and `to` (from `RunLog::quotes`).
fn tops_between(log: &RunLog, from: SimTime, to: SimTime) -> Vec<Quote> {
    let q = &log.quotes;
    let lo = q.partition_point(|&(t, _)| t <= from);
    let hi = q.partition_point(|&(t, _)| t <= to);
    let before = if lo == 0 {
        Quote::default()
    } else {
        q[lo - 1].1
    };
    std::iter::once(before)
        .chain(q[lo..hi].iter().map(|&(_, top)| top))
        .collect()
}

/// Under the default CLOB policy every report reaches its owner only, and every fill both of
/// its parties, once each.
#[test]
fn clob_reports_reach_their_owners_and_only_them() {
    let tr = trace(&scenario("clob", &[]));
    assert!(tr.log.fills.len() >= 20, "{} fills", tr.log.fills.len());
    let mut got: BTreeMap<(AgentId, FillKey), u32> = BTreeMap::new();
    for (_, agent, output) in tr.reports() {
        match output {
            Output::Fill(f) => {
                assert!(agent == f.taker || agent == f.maker, "{agent:?} got {f:?}");
                let key = (f.taker_order, f.maker_order, f.price, f.qty);
                *got.entry((agent, key)).or_default() += 1;
            }
            other => assert_eq!(owner(&other), Some(agent), "{other:?}"),
        }
    }
    // Every fill early enough to be delivered before the horizon reached both parties.
    let late = tr.log.horizon.0 - 1_000 * MS;
    for f in tr.log.fills.iter().filter(|f| f.time.0 < late) {
        let key = (f.taker_order, f.maker_order, f.price, f.qty);
        for party in [f.taker, f.maker] {
            let expected = if f.taker == f.maker { 2 } else { 1 };
            assert_eq!(
                got.get(&(party, key)),
                Some(&expected),
                "{f:?} to {party:?}"
            );
        }
    }
}

/// Own fills shown to market makers only and acknowledgements to nobody: no noise trader,
/// informed trader or arbitrageur ever hears of its fills, and nobody of its orders.
#[test]
fn hidden_own_reports_never_reach_the_hidden() {
    let tr = trace(&scenario(
        "clob",
        &[
            (Field::OwnFill, vis(market_makers(), 0)),
            (Field::OwnAck, vis(Audience::Nobody, 0)),
        ],
    ));
    let non_maker_fills = tr
        .log
        .fills
        .iter()
        .filter(|f| tr.role(f.taker) != Role::MarketMaker)
        .count();
    assert!(non_maker_fills >= 10, "{non_maker_fills} fills");
    let mut maker_reports = 0;
    for (_, agent, output) in tr.reports() {
        let Output::Fill(f) = output else {
            panic!("{agent:?} got {output:?}, acks are hidden");
        };
        assert_eq!(tr.role(agent), Role::MarketMaker, "{agent:?} got {f:?}");
        assert!(agent == f.taker || agent == f.maker, "{agent:?} got {f:?}");
        maker_reports += 1;
    }
    assert!(maker_reports >= 10, "{maker_reports} reports");
}

/// A delayed own fill reaches its parties no sooner than its delay after the fill.
#[test]
fn own_fill_delay_is_respected() {
    let delay = 50 * MS;
    let tr = trace(&scenario(
        "clob",
        &[(Field::OwnFill, vis(Audience::Owner, delay))],
    ));
    let times = fill_times(&tr.log);
    let mut fills = 0;
    for (t, agent, output) in tr.reports() {
        if let Output::Fill(f) = output {
            let at = times[&(f.taker_order, f.maker_order, f.price, f.qty)];
            assert!(
                t >= at.saturating_add(Duration(delay)),
                "{agent:?} got {f:?} at {t:?}"
            );
            fills += 1;
        }
    }
    assert!(fills >= 20, "{fills} fill reports");
}

/// The public feed shown to market makers only: nobody else ever sees a quote, a depth, a
/// print or a traded volume in a callback; the market makers do.
#[test]
fn feed_fields_hidden_from_other_roles_stay_hidden() {
    let tr = trace(&scenario(
        "clob",
        &[
            (Field::TopOfBook, vis(market_makers(), 0)),
            (Field::Depth, vis(market_makers(), 0)),
            (Field::TradePrint, vis(market_makers(), 0)),
        ],
    ));
    let (mut makers_quote, mut makers_print, mut others) = (0, 0, 0);
    for &(agent, t, v) in &tr.views {
        if tr.role(AgentId(agent)) == Role::MarketMaker {
            makers_quote += usize::from(v.quote.bid.is_some() || v.quote.ask.is_some());
            makers_print += usize::from(v.last_price.is_some());
            continue;
        }
        others += 1;
        assert_eq!(v.quote, Quote::default(), "agent {agent} at {t:?}");
        assert_eq!(v.depth, Default::default(), "agent {agent} at {t:?}");
        assert_eq!(v.last_price, None, "agent {agent} at {t:?}");
        assert_eq!(v.last_volume, None, "agent {agent} at {t:?}");
        assert_eq!(v.traded_volume, None, "agent {agent} at {t:?}");
    }
    assert!(others >= 100 && makers_quote >= 10 && makers_print >= 1);
}

/// Delayed book and print publications: what an agent sees in a callback at `t` is the top the
/// venue had at some time no later than `t - delay` (within a second before: latencies are
/// shorter), and the last print is the price of a fill at least the print delay old.
#[test]
fn feed_delays_are_respected() {
    let (top_delay, print_delay) = (20 * MS, 30 * MS);
    let tr = trace(&scenario(
        "clob",
        &[
            (Field::TopOfBook, vis(Audience::Everyone, top_delay)),
            (Field::TradePrint, vis(Audience::Everyone, print_delay)),
        ],
    ));
    let window = 1_000 * MS;
    let (mut quotes, mut prints) = (0, 0);
    for &(agent, t, v) in &tr.views {
        let to = SimTime(t.0.saturating_sub(top_delay));
        let from = SimTime(to.0.saturating_sub(window));
        let tops = tops_between(&tr.log, from, to);
        assert!(
            tops.contains(&v.quote),
            "agent {agent} at {t:?} saw {:?}",
            v.quote
        );
        quotes += usize::from(v.quote.bid.is_some());
        if let Some(p) = v.last_price {
            let old_enough = |f: &&super::FillRecord| f.time.0 + print_delay <= t.0;
            assert!(
                tr.log.fills.iter().filter(old_enough).any(|f| f.price == p),
                "agent {agent} at {t:?} saw a print at {p} no fill {print_delay} ns old made"
            );
            prints += 1;
        }
    }
    assert!(
        quotes >= 100 && prints >= 100,
        "{quotes} quotes, {prints} prints"
    );
}

/// A batch auction publishes its book only at batch ends (never the sealed book), and its
/// clearing price no sooner than its delay after the batch.
#[test]
fn fba_publishes_only_after_batches_and_after_the_clearing_delay() {
    let batch = 100 * MS;
    let delay = 10 * MS;
    let tr = trace(&scenario(
        "fba:100ms",
        &[(Field::ClearingPrice, vis(Audience::Everyone, delay))],
    ));
    assert!(tr.log.quotes.len() >= 10, "{} tops", tr.log.quotes.len());
    for &(t, top) in &tr.log.quotes {
        assert_eq!(
            t.0 % batch,
            0,
            "top {top:?} published at {t:?}, inside a batch"
        );
    }
    let mut prints = 0;
    for &(agent, t, v) in &tr.views {
        let tops = tops_between(&tr.log, SimTime(t.0.saturating_sub(1_000 * MS)), t);
        assert!(
            tops.contains(&v.quote),
            "agent {agent} at {t:?} saw {:?}",
            v.quote
        );
        if let Some(p) = v.last_price {
            let cleared = tr.log.batches.iter().filter(|b| b.time.0 + delay <= t.0);
            assert!(
                cleared
                    .filter_map(|b| b.outcome.clearing_price)
                    .any(|c| c == p),
                "agent {agent} at {t:?} saw clearing price {p} before its delay"
            );
            prints += 1;
        }
    }
    assert!(prints >= 100, "{prints} prints");
}

/// The default scenario with four market makers (the dealers) under RFQ with two asked per
/// request, and `overrides`.
fn rfq_scenario(overrides: &[(Field, Visibility)]) -> Scenario {
    let mut sc = scenario("rfq:2", overrides);
    let makers = sc
        .agents
        .market_maker
        .as_mut()
        .expect("the default has market makers");
    makers.groups[0].count = 4;
    sc.validate().expect("a valid scenario");
    sc
}

/// Under the default RFQ policy a request's notice reaches the dealers asked and nobody else
/// (not the client, not the dealers left out); its trade reaches the losing dealers only; the
/// client's reports reach the client only; and the deferred print is seen no sooner than its
/// 1 s delay after the trade.
#[test]
fn rfq_notices_reach_only_the_addressees() {
    let tr = trace(&rfq_scenario(&[]));
    let records: BTreeMap<OrderId, &super::RfqRecord> =
        tr.log.rfq.iter().map(|r| (r.request, r)).collect();
    let mut asked: BTreeMap<OrderId, Vec<AgentId>> = BTreeMap::new();
    let mut traded_away = 0;
    for (t, agent, notice) in tr.notices() {
        match notice {
            RfqNotice::Requested {
                request, side, qty, ..
            } => {
                let r = records[&request];
                assert!(r.dealers.contains(&agent), "{agent:?} not asked for {r:?}");
                assert!(
                    t >= r.time,
                    "{agent:?} told of {request:?} before it arrived"
                );
                assert!(side.is_some() && qty.is_some(), "{notice:?}");
                asked.entry(request).or_default().push(agent);
            }
            RfqNotice::TradedAway { request, .. } => {
                let r = records[&request];
                let RfqOutcome::Traded { dealer, .. } = r.outcome else {
                    panic!("{agent:?} told {request:?} traded: {r:?}");
                };
                assert!(
                    r.dealers.contains(&agent) && agent != dealer,
                    "{agent:?}, {r:?}"
                );
                traded_away += 1;
            }
        }
    }
    for (_, agent, output) in tr.reports() {
        match output {
            Output::Fill(f) => assert!(agent == f.taker || agent == f.maker, "{f:?}"),
            other => assert_eq!(owner(&other), Some(agent), "{other:?}"),
        }
    }
    // Every request early enough reached each of its dealers exactly once.
    let late = tr.log.horizon.0 - 1_000 * MS;
    let early: Vec<_> = tr.log.rfq.iter().filter(|r| r.time.0 < late).collect();
    assert!(early.len() >= 10, "{} requests", early.len());
    for r in early {
        let mut got = asked.get(&r.request).cloned().unwrap_or_default();
        got.sort();
        let mut want = r.dealers.clone();
        want.sort();
        assert_eq!(got, want, "{r:?}");
        assert_eq!(r.dealers.len(), 2, "{r:?}");
    }
    assert!(traded_away >= 1, "no losing dealer was told");
    // The deferred public print.
    let trades: Vec<(SimTime, Price)> = tr
        .log
        .rfq
        .iter()
        .filter_map(|r| match (r.outcome, r.closed) {
            (RfqOutcome::Traded { price, .. }, Some(at)) => Some((at, price)),
            _ => None,
        })
        .collect();
    let mut prints = 0;
    for &(agent, t, v) in &tr.views {
        if let Some(p) = v.last_price {
            assert!(
                trades
                    .iter()
                    .any(|&(at, price)| price == p && at.0 + 1_000 * MS <= t.0),
                "agent {agent} at {t:?} saw RFQ print {p} before its 1 s delay"
            );
            prints += 1;
        }
    }
    assert!(prints >= 10, "{prints} prints");
}

/// Side and size hidden and the request delayed: asked dealers see neither side nor size, no
/// sooner than the delay.
#[test]
fn rfq_hidden_side_size_and_request_delay_are_respected() {
    let delay = 5 * MS;
    let tr = trace(&rfq_scenario(&[
        (Field::RfqRequest, vis(Audience::Addressees, delay)),
        (Field::RfqSide, vis(Audience::Nobody, 0)),
        (Field::RfqSize, vis(Audience::Nobody, 0)),
    ]));
    let records: BTreeMap<OrderId, &super::RfqRecord> =
        tr.log.rfq.iter().map(|r| (r.request, r)).collect();
    let mut requested = 0;
    for (t, agent, notice) in tr.notices() {
        let RfqNotice::Requested {
            request, side, qty, ..
        } = notice
        else {
            panic!("{agent:?} got {notice:?}: nothing traded");
        };
        let r = records[&request];
        assert!(r.dealers.contains(&agent), "{agent:?} not asked for {r:?}");
        assert_eq!((side, qty), (None, None), "{agent:?} got {notice:?}");
        assert!(
            t.0 >= r.time.0 + delay,
            "{agent:?} told of {request:?} at {t:?}"
        );
        requested += 1;
    }
    assert!(requested >= 20, "{requested} notices");
}

/// Trades hidden from the losing dealers: the requests trade, and no dealer is told.
#[test]
fn rfq_hidden_trades_reach_no_loser() {
    let tr = trace(&rfq_scenario(&[(
        Field::RfqTradeHappened,
        vis(Audience::Nobody, 0),
    )]));
    let traded = tr
        .log
        .rfq
        .iter()
        .filter(|r| matches!(r.outcome, RfqOutcome::Traded { .. }))
        .count();
    assert!(traded >= 10, "{traded} trades");
    let mut requested = 0;
    for (_, agent, notice) in tr.notices() {
        assert!(
            matches!(notice, RfqNotice::Requested { .. }),
            "{agent:?} got {notice:?}, trades are hidden"
        );
        requested += 1;
    }
    assert!(requested >= 20, "{requested} notices");
}

/// Requests hidden from the dealers: no notice reaches anyone, though clients still ask.
#[test]
fn rfq_hidden_requests_reach_no_dealer() {
    let tr = trace(&rfq_scenario(&[(
        Field::RfqRequest,
        vis(Audience::Nobody, 0),
    )]));
    assert!(tr.log.rfq.len() >= 10, "{} requests", tr.log.rfq.len());
    let notices: Vec<_> = tr.notices().collect();
    assert!(notices.is_empty(), "{:?}", &notices[..notices.len().min(3)]);
}
