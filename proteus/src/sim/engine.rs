//! The discrete-event loop of one run: the events, the simulation's state, and what happens at
//! each event (fundamental changes, news, signals, agent callbacks, requests reaching the
//! venue, batch ends, RFQ windows closing), with the venue's outputs recorded and routed.
//!
//! Building the agents is [`super::population`]'s, the RFQ desk [`super::rfq_desk`]'s, and who
//! sees what [`super::routing`]'s; this file owns the queue and the order things happen in.

use super::RunOptions;
use super::observer::Observer;
use super::population::{self, ArrivalSource, Delivery, Slot, groups};
use super::quote_board::QuoteBoard;
use super::rfq_desk::RfqState;
use super::routing::FeedDelays;
#[cfg(test)]
use super::routing::View;
use super::run_log::{
    Account, BatchRecord, Channel, InventoryLimit, MessageKind, MessageRecord, RequestRecord,
    RunLog,
};
use crate::agents::{Action, Agent, AgentCtx, AnyAgent, RfqNotice};
use crate::core::{
    AgentId, Duration, EventQueue, MechanismKind, OrderId, RepetitionSeed, Role, SimTime,
};
use crate::execution::LeakagePolicy;
use crate::info::{FundamentalPath, NewsSchedule};
use crate::mechanisms::{BookDepth, Output, Price, Qty, Quote, Request, Venue};
use crate::scenario::Scenario;
use rand_distr::{Distribution, StandardNormal};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug)]
pub(super) enum Event {
    Fundamental(f64),
    News(usize),
    NewsReaches {
        agent: u32,
        news: usize,
    },
    SignalDue {
        agent: u32,
        news: usize,
    },
    Observe {
        agent: u32,
    },
    /// The true value `value` reaches an agent that knows it, after its market-data latency.
    ValueReaches {
        agent: u32,
        value: f64,
    },
    Wake {
        agent: u32,
        token: u64,
    },
    Arrive {
        request: Request,
    },
    /// A cancel or amend that arrived `cancel_delay_ns` ago reaches the venue's book
    /// (`[market] cancel_delay_ns`, an ablation switch; never scheduled when it is 0).
    Withdraw {
        request: Request,
    },
    /// The end of batch `n` of a batch auction.
    BatchEnd(u64),
    /// The end of an RFQ's response window.
    RfqClose(OrderId),
    Report {
        agent: u32,
        output: Output,
    },
    /// What an agent learns of someone else's RFQ.
    Notice {
        agent: u32,
        notice: RfqNotice,
    },
    /// The next event of a Hawkes population's arrival process (`arrivals[source]`).
    PopulationArrival {
        source: u32,
    },
}

pub(super) struct Simulation<'o> {
    pub(super) horizon: SimTime,
    pub(super) queue: EventQueue<Event>,
    pub(super) venue: Venue,
    pub(super) mechanism: MechanismKind,
    pub(super) batch_interval: Duration,
    /// `[market] cancel_delay_ns`: how long after its arrival a cancel or amend takes effect.
    pub(super) cancel_delay: Duration,
    pub(super) rfq: RfqState,
    pub(super) leakage: LeakagePolicy,
    pub(super) feed_delays: FeedDelays,
    pub(super) slots: Vec<Slot>,
    pub(super) path: FundamentalPath,
    /// The fundamental in force now: the value after the last change point processed. (The
    /// path itself is always one change ahead, `path.current()` being the next change's value
    /// once it has been scheduled, so nothing may read the value now from it.)
    pub(super) value_now: f64,
    pub(super) news: NewsSchedule,
    pub(super) board: QuoteBoard,
    /// The last top of book published (CLOB: the live book; FBA: the residual book after the
    /// last batch).
    pub(super) last_top: Quote,
    /// The last book by price level published.
    pub(super) last_depth: BookDepth,
    pub(super) tick_size: Price,
    pub(super) lot_size: crate::mechanisms::Qty,
    pub(super) log: RunLog,
    /// Volume traded so far by the taking side: (buys, sells) (the public feed's `traded`).
    pub(super) traded: (Qty, Qty),
    pub(super) actions: Vec<Action>,
    pub(super) outputs: Vec<Output>,
    /// The Hawkes arrival processes of the populations that have one.
    pub(super) arrivals: Vec<ArrivalSource>,
    /// The slots that are told the value (`Slot::knows_value`), in slot order: a change of the
    /// fundamental visits these, not every slot (in rmsc04-like, 102 of 1,116 agents, and the
    /// fundamental changes 23,000 times a day).
    pub(super) value_listeners: Vec<u32>,
    /// Where observations go instead of the log's streams (`run_observed`).
    pub(super) observer: Option<&'o mut dyn Observer>,
    /// Tests only: when set, every callback's [`View`] of the feed, with its agent and time.
    #[cfg(test)]
    pub(super) probe: Option<Vec<(u32, SimTime, View)>>,
}

impl<'o> Simulation<'o> {
    pub(super) fn new(
        sc: &Scenario,
        repetition: u64,
        options: RunOptions,
        observer: Option<&'o mut dyn Observer>,
    ) -> Self {
        let seed = RepetitionSeed::derive(sc.seed, &sc.id, repetition);
        let horizon = sc.horizon();
        let news = NewsSchedule::generate(&sc.news, horizon, &seed.stream("news"));
        let path =
            FundamentalPath::new(&sc.fundamental, &news, horizon, &seed.stream("fundamental"));
        // The value everybody knows at time 0 (for a binary value its prior mean: the draw is
        // private); `path.current()` is the true one.
        let initial = sc.fundamental.public_initial_ticks();
        let mechanism_config = sc.mechanism_config();
        let mechanism = mechanism_config.kind();
        let rfq_round = mechanism_config.rfq_round().unwrap_or_default();
        let leakage = sc.leakage.policy_for(mechanism);
        let population::Agents { slots, arrivals } =
            population::build(sc, &seed, &leakage, initial);
        let a = &sc.agents;
        let pool = slots
            .iter()
            .filter(|s| s.info.role == Role::MarketMaker)
            .map(|s| s.info.id)
            .collect();
        let log = RunLog {
            horizon,
            mechanism,
            agents: slots.iter().map(|s| s.info).collect(),
            fundamental: vec![(SimTime::ZERO, path.current())],
            news: news.events().to_vec(),
            accounts: vec![Account::default(); slots.len()],
            // For the metrics (mm_time_at_inventory_limit_share): market makers come first, in
            // group order, so they pair with their groups' parameters.
            inventory_limits: slots
                .iter()
                .filter(|s| s.info.role == Role::MarketMaker)
                .zip(groups(&a.market_maker).flat_map(|g| (0..g.count).map(|_| &g.params)))
                .map(|(s, p)| InventoryLimit {
                    agent: s.info.id,
                    inventory_limit: p.inventory_limit,
                    quote_size: p.quote_size,
                })
                .collect(),
            messages: options.record_messages.then(Vec::new),
            venue_log: options.record_requests.then(Vec::new),
            ..RunLog::default()
        };
        Simulation {
            horizon,
            queue: EventQueue::with_capacity(slots.len() * 2 + 64),
            venue: Venue::new(&mechanism_config),
            mechanism,
            // τ and the RFQ round are only read under their own mechanism (zero otherwise).
            batch_interval: mechanism_config.batch_interval().unwrap_or_default(),
            cancel_delay: Duration(sc.market.cancel_delay_ns),
            rfq: RfqState {
                k: rfq_round.dealers as usize,
                window: rfq_round.window,
                two_way: rfq_round.two_way,
                pool,
                cursor: 0,
                last_trade: None,
                index: BTreeMap::new(),
            },
            feed_delays: FeedDelays::of(&leakage),
            leakage,
            value_listeners: (0..slots.len() as u32)
                .filter(|&i| slots[i as usize].knows_value)
                .collect(),
            slots,
            value_now: path.current(),
            path,
            news,
            board: QuoteBoard::default(),
            last_top: Quote::default(),
            last_depth: BookDepth::default(),
            tick_size: sc.market.tick_size,
            lot_size: sc.market.lot_size,
            log,
            traded: (0, 0),
            actions: Vec::new(),
            outputs: Vec::new(),
            arrivals,
            observer,
            #[cfg(test)]
            probe: None,
        }
    }

    pub(super) fn run(mut self) -> RunLog {
        self.start();
        while let Some(ev) = self.queue.pop() {
            if ev.time > self.horizon {
                break;
            }
            self.log.events_processed += 1;
            self.handle(ev.time, ev.event);
        }
        self.finish()
    }

    /// Schedules the first events and starts every agent, at time 0.
    pub(super) fn start(&mut self) {
        if let Some(o) = self.observer.as_deref_mut() {
            o.on_start(&self.log);
            self.log.fundamental.clear();
        }
        if let Some((t, v)) = self.path.next_change() {
            self.queue.schedule(t, Event::Fundamental(v));
        }
        if matches!(self.venue, Venue::Fba(_)) {
            self.queue
                .schedule(SimTime::ZERO + self.batch_interval, Event::BatchEnd(0));
        }
        for n in self.news.events().to_vec() {
            self.queue.schedule(n.public_time, Event::News(n.index));
            for (i, slot) in self.slots.iter().enumerate() {
                if let Some(sig) = slot.informed.as_ref().and_then(|inf| inf.signal) {
                    let due = sig.signal_time(&n);
                    self.queue.schedule(
                        due,
                        Event::SignalDue {
                            agent: i as u32,
                            news: n.index,
                        },
                    );
                }
            }
        }
        for source in 0..self.arrivals.len() {
            self.schedule_arrival(source as u32);
        }
        for i in 0..self.slots.len() {
            self.schedule_observation(i as u32, SimTime::ZERO);
            self.tell_value(i as u32, SimTime::ZERO, self.value_now);
            self.call(i as u32, SimTime::ZERO, |a, ctx| a.on_start(ctx));
        }
    }

    /// The log of the run, once the queue is past the horizon.
    pub(super) fn finish(self) -> RunLog {
        let mut log = self.log;
        log.fundamental.retain(|(t, _)| *t <= log.horizon);
        if let Some(o) = self.observer {
            for r in &log.rfq {
                o.on_rfq(r);
            }
        }
        log
    }

    pub(super) fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Fundamental(v) => {
                self.value_now = v;
                match self.observer.as_deref_mut() {
                    Some(o) => o.on_fundamental(now, v),
                    None => self.log.fundamental.push((now, v)),
                }
                for k in 0..self.value_listeners.len() {
                    self.tell_value(self.value_listeners[k], now, v);
                }
                if let Some((t, v)) = self.path.next_change() {
                    self.queue.schedule(t, Event::Fundamental(v));
                }
            }
            Event::News(index) => {
                if let Some(o) = self.observer.as_deref_mut() {
                    o.on_news(&self.news.events()[index]);
                }
                for i in 0..self.slots.len() {
                    if self.slots[i].wants_news {
                        let at = self.slots[i].wire.market_data_arrival(now);
                        self.record(now, at, i as u32, Channel::News, MessageKind::News, None);
                        self.queue.schedule(
                            at,
                            Event::NewsReaches {
                                agent: i as u32,
                                news: index,
                            },
                        );
                    }
                }
            }
            Event::NewsReaches { agent, news } => {
                let shift = self.news.events()[news].shift_ticks;
                self.call(agent, now, |a, ctx| a.on_news(shift, ctx));
            }
            Event::SignalDue { agent, news } => {
                let n = self.news.events()[news];
                let slot = &mut self.slots[agent as usize];
                let Some(inf) = slot.informed.as_mut() else {
                    return;
                };
                let Some(cfg) = inf.signal else { return };
                // The fundamental in force now does not yet include this news' shift (a news
                // event is a change point of its own, processed at its public time).
                let pre = self.value_now;
                let value = cfg.signal(&n, pre, &mut inf.signal_noise).value_ticks;
                self.record(
                    now,
                    now,
                    agent,
                    Channel::Signal,
                    MessageKind::NewsSignal,
                    None,
                );
                self.call(agent, now, |a, ctx| a.on_signal(value, ctx));
            }
            Event::Observe { agent } => {
                let Some(inf) = self.slots[agent as usize].informed.as_mut() else {
                    return;
                };
                let Some((_, noise)) = inf.observe else {
                    return;
                };
                let z: f64 = StandardNormal.sample(&mut inf.observe_noise);
                let value = self.value_now + noise * z;
                self.schedule_observation(agent, now);
                self.call(agent, now, |a, ctx| a.on_signal(value, ctx));
            }
            Event::ValueReaches { agent, value } => {
                self.call(agent, now, |a, ctx| a.on_signal(value, ctx))
            }
            Event::Wake { agent, token } => self.call(agent, now, |a, ctx| a.on_wake(token, ctx)),
            Event::Report { agent, output } => {
                self.call(agent, now, |a, ctx| a.on_report(&output, ctx))
            }
            Event::Notice { agent, notice } => {
                self.call(agent, now, |a, ctx| a.on_rfq_notice(&notice, ctx))
            }
            Event::Arrive { request } => {
                if self.cancel_delay > Duration::ZERO
                    && matches!(request, Request::Cancel { .. } | Request::Amend { .. })
                {
                    let at = now.saturating_add(self.cancel_delay);
                    self.queue.schedule(at, Event::Withdraw { request });
                } else {
                    self.venue_handles(now, request)
                }
            }
            Event::Withdraw { request } => self.venue_handles(now, request),
            Event::PopulationArrival { source } => {
                let s = &mut self.arrivals[source as usize];
                let (agent, delivery) = (s.pick(), s.delivery);
                self.schedule_arrival(source);
                match delivery {
                    Delivery::Wake => self.call(agent, now, |a, ctx| a.on_wake(0, ctx)),
                    Delivery::Observe => self.handle(now, Event::Observe { agent }),
                }
            }
            Event::BatchEnd(n) => self.batch_ends(now, n),
            Event::RfqClose(request) => self.rfq_closes(now, request),
        }
    }

    /// Tells `agent` the true value `v`, if it is one that knows it (sequential traders and
    /// Poisson takers by type, any population with `knows_value`), after its market-data
    /// latency: at once on an instantaneous channel (GM's traders), else as an event.
    fn tell_value(&mut self, agent: u32, now: SimTime, v: f64) {
        let slot = &mut self.slots[agent as usize];
        if !slot.knows_value {
            return;
        }
        let at = slot.wire.market_data_arrival(now);
        self.record(now, at, agent, Channel::Signal, MessageKind::Value, None);
        if at == now {
            self.call(agent, now, |a, ctx| a.on_signal(v, ctx));
        } else {
            self.queue
                .schedule(at, Event::ValueReaches { agent, value: v });
        }
    }

    /// Schedules the next event of Hawkes population `source`, if it comes before the horizon.
    fn schedule_arrival(&mut self, source: u32) {
        if let Some(t) = self.arrivals[source as usize].next_time()
            && t <= self.horizon
        {
            self.queue.schedule(t, Event::PopulationArrival { source });
        }
    }

    fn schedule_observation(&mut self, agent: u32, now: SimTime) {
        let slot = &mut self.slots[agent as usize];
        let Some(inf) = slot.informed.as_mut() else {
            return;
        };
        if !inf.own_clock {
            return;
        }
        let Some((gap, _)) = inf.observe else { return };
        let secs: f64 = gap.sample(&mut inf.observe_clock);
        let delay = Duration((secs * 1e9).round() as u64).max(Duration(1));
        self.queue
            .schedule(now.saturating_add(delay), Event::Observe { agent });
    }

    /// Runs one agent callback and carries out the actions it queued.
    fn call(&mut self, agent: u32, now: SimTime, f: impl FnOnce(&mut AnyAgent, &mut AgentCtx)) {
        let view = self.view(agent, now);
        #[cfg(test)]
        if let Some(probe) = self.probe.as_mut() {
            probe.push((agent, now, view));
        }
        let slot = &mut self.slots[agent as usize];
        let mut ctx = AgentCtx {
            now,
            id: slot.info.id,
            role: slot.info.role,
            quote: view.quote,
            depth: view.depth,
            last_price: view.last_price,
            last_volume: view.last_volume,
            traded_volume: view.traded_volume,
            mechanism: self.mechanism,
            rfq_two_way: self.rfq.two_way,
            tick_size: self.tick_size,
            lot_size: self.lot_size,
            actions: &mut self.actions,
            next_order_seq: &mut slot.order_seq,
        };
        f(&mut slot.agent, &mut ctx);
        let actions = std::mem::take(&mut self.actions);
        for action in &actions {
            match *action {
                Action::Send(request) => {
                    let at = self.slots[agent as usize].wire.submit_arrival(now);
                    if let Some(m) = self.log.messages.as_mut() {
                        m.push(MessageRecord::request(now, at, AgentId(agent), &request));
                    }
                    self.queue.schedule(at, Event::Arrive { request });
                }
                Action::WakeAt(t, token) => {
                    self.record(now, t, agent, Channel::Timer, MessageKind::Wake, None);
                    self.queue.schedule(t, Event::Wake { agent, token });
                }
            }
        }
        self.actions = actions;
        self.actions.clear();
    }

    fn venue_handles(&mut self, now: SimTime, request: Request) {
        self.log.requests += 1;
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.clear();
        // For the metrics: the quote the request met, and what an amend started from.
        let quote_before = self.last_top;
        let open_before = match request {
            Request::Amend { id, .. } => self.venue.open_qty(id),
            _ => None,
        };
        let rfq = matches!(self.venue, Venue::Rfq(_));
        match request {
            Request::QuoteRequest(r) if rfq => self.rfq_opens(now, r, &mut outputs),
            Request::DealerQuote(q) if rfq => self.rfq_quoted(now, q, &mut outputs),
            request => self.venue.handle(request, &mut outputs),
        }
        let record = RequestRecord::new(now, &request, open_before, &outputs);
        match self.observer.as_deref_mut() {
            Some(o) => o.on_request(&record),
            None => self.log.venue_requests.push(record),
        }
        if let Some(log) = &mut self.log.venue_log {
            log.push((now, request));
        }
        self.apply(now, &outputs, quote_before);
        self.outputs = outputs;
        self.publish_top(now);
    }

    /// Clears batch `n` of the batch auction and schedules the next batch end.
    fn batch_ends(&mut self, now: SimTime, n: u64) {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.clear();
        // A fill's reference quote is the public one it met: for FBA the residual book
        // published after the previous batch (docs/metrics.md), never the sealed book.
        let quote_before = self.last_top;
        let outcome = self
            .venue
            .clear(&mut outputs)
            .expect("batch ends only under FBA");
        self.apply(now, &outputs, quote_before);
        self.outputs = outputs;
        let batch = BatchRecord { time: now, outcome };
        match self.observer.as_deref_mut() {
            Some(o) => o.on_batch(&batch),
            None => self.log.batches.push(batch),
        }
        if let Some(price) = outcome.clearing_price {
            let delay = self.feed_delays.clearing_price;
            self.board.publish_trade(
                now.saturating_add(delay),
                price,
                outcome.volume,
                self.traded,
            );
        }
        // After the clearing, and only then, the residual book is published (BCS 2015).
        self.publish_book(now);
        let next = now.saturating_add(self.batch_interval);
        if next <= self.horizon {
            self.queue.schedule(next, Event::BatchEnd(n + 1));
        }
    }

    pub(super) fn record(
        &mut self,
        sent: SimTime,
        delivered: SimTime,
        agent: u32,
        channel: Channel,
        kind: MessageKind,
        order_id: Option<OrderId>,
    ) {
        if let Some(m) = self.log.messages.as_mut() {
            m.push(MessageRecord {
                sent,
                delivered,
                agent: AgentId(agent),
                channel,
                kind,
                order_id,
                side: None,
                price: None,
                qty: None,
            });
        }
    }
}
