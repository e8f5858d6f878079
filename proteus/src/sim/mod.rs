//! The discrete-event loop that wires information, agents, the wire and a venue for one run.
//!
//! Everything happens at its own nanosecond: fundamental change points, news, private signals,
//! agent timers, message arrivals after latency, venue reports and feed publications. There is no
//! time step, so a 1 µs latency advantage decides a race.
//!
//! Architecture invariant: this is the only place that knows about all the parts; the venue sees
//! requests, agents see their [`AgentCtx`], and every random draw comes from a named stream of the
//! repetition seed (`docs/seed-protocol.md`).

mod quote_board;
mod run_log;
mod venue;

pub use quote_board::{FeedState, QuoteBoard};
pub use run_log::{
    Account, AgentInfo, BatchRecord, FillRecord, MessageRecord, RequestKind, RequestRecord, RunLog,
};
pub use venue::Venue;

use crate::agents::{
    Action, Agent, AgentCtx, AnyAgent, InformedTrader, LatencyArbitrageur, MarketMaker,
    NoiseTrader, Quote,
};
use crate::core::{
    AgentId, Duration, EventQueue, MechanismKind, OrderId, RepetitionSeed, Role, SimTime, Stream,
};
use crate::execution::{AgentWire, Field, LatencyProfile, LeakagePolicy, Parties};
use crate::info::{FundamentalPath, NewsSchedule, SignalConfig};
use crate::mechanisms::{BatchAuction, Clob, FbaConfig, OrderKind, Output, Request};
use crate::scenario::{Population, Populations, Scenario};
use rand_distr::{Distribution, Exp, StandardNormal};

/// Options of one run that do not change its results.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Record every message and its delivery time in `RunLog::messages`.
    pub record_messages: bool,
}

#[derive(Clone, Copy, Debug)]
enum Event {
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
    Wake {
        agent: u32,
        token: u64,
    },
    Arrive {
        request: Request,
    },
    /// The end of batch `n` of a batch auction.
    BatchEnd(u64),
    Report {
        agent: u32,
        output: Output,
    },
}

/// The private information an informed trader receives, with its own streams.
struct Informed {
    signal: Option<SignalConfig>,
    signal_noise: Stream,
    /// Gap law and noise standard deviation of private observations, when enabled.
    observe: Option<(Exp<f64>, f64)>,
    observe_clock: Stream,
    observe_noise: Stream,
}

struct Slot {
    agent: AnyAgent,
    info: AgentInfo,
    wire: AgentWire,
    order_seq: u32,
    wants_news: bool,
    informed: Option<Informed>,
    sight: Sight,
}

/// What the leakage policy lets one agent see, looked up once per run instead of at every
/// callback and report (the policy and the agent's id and role are fixed for the run; the values
/// are the policy's own answers, see [`Sight::of`]).
#[derive(Clone, Copy, Debug)]
struct Sight {
    /// The public top of book.
    quote: bool,
    /// The last trade print (CLOB) or clearing price (FBA).
    last_price: bool,
    /// Extra delay of its own fills' reports, `None` if it never sees them.
    own_fill: Option<Duration>,
    /// Extra delay of its own acknowledgements and rejects, `None` if it never sees them.
    own_ack: Option<Duration>,
}

impl Sight {
    fn of(policy: &LeakagePolicy, id: AgentId, role: Role) -> Sight {
        let public = |field| {
            policy
                .visible_to(field, &Parties::public(), id, role)
                .is_some()
        };
        let own = |field| policy.visible_to(field, &Parties::owned_by(id), id, role);
        Sight {
            quote: public(Field::TopOfBook),
            last_price: public(Field::TradePrint) || public(Field::ClearingPrice),
            own_fill: own(Field::OwnFill),
            own_ack: own(Field::OwnAck),
        }
    }
}

/// Which field of the leakage policy a venue report to its owner is.
#[derive(Clone, Copy, Debug)]
enum Own {
    /// [`Field::OwnFill`].
    Fill,
    /// [`Field::OwnAck`].
    Ack,
}

/// The publication delays of the public feed's fields (fixed for a run).
#[derive(Clone, Copy, Debug)]
struct FeedDelays {
    top_of_book: Duration,
    trade_print: Duration,
    clearing_price: Duration,
}

/// Runs repetition `repetition` of `scenario` and returns its log.
pub fn run(scenario: &Scenario, repetition: u64, options: RunOptions) -> RunLog {
    Simulation::new(scenario, repetition, options).run()
}

struct Simulation {
    horizon: SimTime,
    queue: EventQueue<Event>,
    venue: Venue,
    batch_interval: Duration,
    feed_delays: FeedDelays,
    slots: Vec<Slot>,
    path: FundamentalPath,
    news: NewsSchedule,
    board: QuoteBoard,
    last_top: Quote,
    log: RunLog,
    actions: Vec<Action>,
    outputs: Vec<Output>,
}

impl Simulation {
    fn new(sc: &Scenario, repetition: u64, options: RunOptions) -> Self {
        let seed = RepetitionSeed::derive(sc.seed, &sc.id, repetition);
        let horizon = sc.horizon();
        let news = NewsSchedule::generate(&sc.news, horizon, &seed.stream("news"));
        let path =
            FundamentalPath::new(&sc.fundamental, &news, horizon, &seed.stream("fundamental"));
        let initial = path.current();
        let mechanism = sc.mechanism.kind;
        let leakage = sc.leakage.policy_for(mechanism);

        let mut slots = Vec::new();
        let mut add =
            |role: Role, index: u32, latency: &LatencyProfile, agent: AnyAgent, informed| {
                let id = AgentId(slots.len() as u32);
                let wire = AgentWire::with_root(
                    id,
                    latency,
                    &seed.stream(&format!("latency/{}/{index}", role.as_str())),
                );
                let wants_news = matches!(role, Role::MarketMaker | Role::Arbitrageur);
                slots.push(Slot {
                    agent,
                    info: AgentInfo { id, role, index },
                    wire,
                    order_seq: 0,
                    wants_news,
                    informed,
                    sight: Sight::of(&leakage, id, role),
                });
            };
        let root = |role: Role, i: u32| seed.stream(&format!("agent/{}/{i}", role.as_str()));
        let a = &sc.agents;
        let mut index = 0;
        for g in groups(&a.market_maker) {
            for _ in 0..g.count {
                let mm = MarketMaker::new(g.params.clone(), initial);
                add(
                    Role::MarketMaker,
                    index,
                    &g.latency,
                    AnyAgent::MarketMaker(mm),
                    None,
                );
                index += 1;
            }
        }
        index = 0;
        for g in groups(&a.informed) {
            for _ in 0..g.count {
                let c = &g.params;
                let root = root(Role::Informed, index);
                let informed = Informed {
                    signal: c.signal,
                    observe: (c.observe_rate_per_s > 0.0).then(|| {
                        (
                            Exp::new(c.observe_rate_per_s).expect("validated"),
                            c.observe_noise_ticks,
                        )
                    }),
                    signal_noise: root.child("signal"),
                    observe_clock: root.child("observe_clock"),
                    observe_noise: root.child("observe_noise"),
                };
                let agent = AnyAgent::Informed(InformedTrader::new(c.clone()));
                add(Role::Informed, index, &g.latency, agent, Some(informed));
                index += 1;
            }
        }
        index = 0;
        for g in groups(&a.noise) {
            for _ in 0..g.count {
                let agent = AnyAgent::Noise(NoiseTrader::new(
                    g.params.clone(),
                    &root(Role::Noise, index),
                ));
                add(Role::Noise, index, &g.latency, agent, None);
                index += 1;
            }
        }
        index = 0;
        for g in groups(&a.arbitrageur) {
            for _ in 0..g.count {
                let agent =
                    AnyAgent::Arbitrageur(LatencyArbitrageur::new(g.params.clone(), initial));
                add(Role::Arbitrageur, index, &g.latency, agent, None);
                index += 1;
            }
        }

        let log = RunLog {
            horizon,
            agents: slots.iter().map(|s| s.info).collect(),
            fundamental: vec![(SimTime::ZERO, initial)],
            news: news.events().to_vec(),
            accounts: vec![Account::default(); slots.len()],
            messages: options.record_messages.then(Vec::new),
            ..RunLog::default()
        };
        Simulation {
            horizon,
            queue: EventQueue::with_capacity(slots.len() * 2 + 64),
            venue: match mechanism {
                MechanismKind::Clob => Venue::Clob(Clob::new(sc.market)),
                MechanismKind::Fba => Venue::Fba(BatchAuction::new(FbaConfig {
                    tick_size: sc.market.tick_size,
                    lot_size: sc.market.lot_size,
                    rationing: sc.mechanism.rationing,
                })),
                MechanismKind::Rfq => unimplemented!("RFQ runs arrive with the RFQ venue"),
            },
            batch_interval: Duration(sc.mechanism.batch_interval_ns),
            feed_delays: FeedDelays {
                top_of_book: Duration(leakage.visibility(Field::TopOfBook).delay_ns),
                trade_print: Duration(leakage.visibility(Field::TradePrint).delay_ns),
                clearing_price: Duration(leakage.visibility(Field::ClearingPrice).delay_ns),
            },
            slots,
            path,
            news,
            board: QuoteBoard::default(),
            last_top: Quote::default(),
            log,
            actions: Vec::new(),
            outputs: Vec::new(),
        }
    }

    fn run(mut self) -> RunLog {
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
        for i in 0..self.slots.len() {
            self.schedule_observation(i as u32, SimTime::ZERO);
            self.call(i as u32, SimTime::ZERO, |a, ctx| a.on_start(ctx));
        }
        while let Some(ev) = self.queue.pop() {
            if ev.time > self.horizon {
                break;
            }
            self.log.events_processed += 1;
            self.handle(ev.time, ev.event);
        }
        let mut log = self.log;
        log.fundamental.retain(|(t, _)| *t <= log.horizon);
        log
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Fundamental(v) => {
                self.log.fundamental.push((now, v));
                if let Some((t, v)) = self.path.next_change() {
                    self.queue.schedule(t, Event::Fundamental(v));
                }
            }
            Event::News(index) => {
                for i in 0..self.slots.len() {
                    if self.slots[i].wants_news {
                        let at = self.slots[i].wire.market_data_arrival(now);
                        self.record(now, at, i as u32, "news", "news", None);
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
                // The fundamental in force now does not yet include this news' shift.
                let pre = self.path.current();
                let value = cfg.signal(&n, pre, &mut inf.signal_noise).value_ticks;
                self.record(now, now, agent, "signal", "news_signal", None);
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
                let value = self.path.current() + noise * z;
                self.schedule_observation(agent, now);
                self.call(agent, now, |a, ctx| a.on_signal(value, ctx));
            }
            Event::Wake { agent, token } => self.call(agent, now, |a, ctx| a.on_wake(token, ctx)),
            Event::Report { agent, output } => {
                self.call(agent, now, |a, ctx| a.on_report(&output, ctx))
            }
            Event::Arrive { request } => self.venue_handles(now, request),
            Event::BatchEnd(n) => self.batch_ends(now, n),
        }
    }

    fn schedule_observation(&mut self, agent: u32, now: SimTime) {
        let slot = &mut self.slots[agent as usize];
        let Some(inf) = slot.informed.as_mut() else {
            return;
        };
        let Some((gap, _)) = inf.observe else { return };
        let secs: f64 = gap.sample(&mut inf.observe_clock);
        let delay = Duration((secs * 1e9).round() as u64).max(Duration(1));
        self.queue
            .schedule(now.saturating_add(delay), Event::Observe { agent });
    }

    /// Runs one agent callback and carries out the actions it queued.
    fn call(&mut self, agent: u32, now: SimTime, f: impl FnOnce(&mut AnyAgent, &mut AgentCtx)) {
        let slot = &mut self.slots[agent as usize];
        let lag = slot.wire.market_data_arrival(now) - now;
        let feed = self.board.seen(now, lag);
        let quote = if slot.sight.quote {
            feed.quote
        } else {
            Quote::default()
        };
        let last_price = if slot.sight.last_price {
            feed.last_price
        } else {
            None
        };
        let mut ctx = AgentCtx {
            now,
            id: slot.info.id,
            role: slot.info.role,
            quote,
            last_price,
            actions: &mut self.actions,
            next_order_seq: &mut slot.order_seq,
        };
        f(&mut slot.agent, &mut ctx);
        let actions = std::mem::take(&mut self.actions);
        for action in &actions {
            match *action {
                Action::Send(request) => {
                    let at = self.slots[agent as usize].wire.submit_arrival(now);
                    if self.log.messages.is_some() {
                        let kind = match request {
                            Request::New(o) => match o.kind {
                                OrderKind::Market => "market",
                                OrderKind::Limit { tif, .. } => tif.as_str(),
                            },
                            Request::Cancel { .. } => "cancel",
                            Request::Amend { .. } => "amend",
                            Request::QuoteRequest(_) => "quote_request",
                            Request::DealerQuote(_) => "dealer_quote",
                        };
                        self.record(now, at, agent, "request", kind, Some(request.order_id()));
                    }
                    self.queue.schedule(at, Event::Arrive { request });
                }
                Action::WakeAt(t, token) => {
                    self.record(now, t, agent, "timer", "wake", None);
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
        self.venue.handle(request, &mut outputs);
        let record = RequestRecord::new(now, &request, open_before, &outputs);
        self.log.venue_requests.push(record);
        self.apply(now, &outputs, quote_before);
        self.outputs = outputs;
        self.publish_top(now);
    }

    /// Clears batch `n` of the batch auction and schedules the next batch end.
    fn batch_ends(&mut self, now: SimTime, n: u64) {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.clear();
        // For FBA there is no continuous mid: a fill's reference quote is the sealed book's top
        // just before the auction (docs/metrics.md).
        let quote_before = Quote {
            bid: self.venue.best_bid(),
            ask: self.venue.best_ask(),
        };
        let outcome = self
            .venue
            .clear(&mut outputs)
            .expect("batch ends only under FBA");
        self.apply(now, &outputs, quote_before);
        self.outputs = outputs;
        self.log.batches.push(BatchRecord { time: now, outcome });
        if let Some(price) = outcome.clearing_price {
            let delay = self.feed_delays.clearing_price;
            self.board.publish_price(now.saturating_add(delay), price);
        }
        self.publish_top(now);
        let next = now.saturating_add(self.batch_interval);
        if next <= self.horizon {
            self.queue.schedule(next, Event::BatchEnd(n + 1));
        }
    }

    /// Records and routes what the venue reported.
    fn apply(&mut self, now: SimTime, outputs: &[Output], quote_before: Quote) {
        let mut last_price = None;
        for out in outputs {
            match *out {
                Output::Fill(f) => {
                    self.log.fills.push(FillRecord {
                        time: now,
                        price: f.price,
                        qty: f.qty,
                        taker_side: f.taker_side,
                        taker: f.taker,
                        maker: f.maker,
                        taker_order: f.taker_order,
                        maker_order: f.maker_order,
                        quote_before,
                    });
                    let value = f.price as i128 * f.qty as i128;
                    let sign = f.taker_side.sign();
                    let taker = &mut self.log.accounts[f.taker.0 as usize];
                    taker.position += sign * f.qty;
                    taker.cash -= sign as i128 * value;
                    let maker = &mut self.log.accounts[f.maker.0 as usize];
                    maker.position -= sign * f.qty;
                    maker.cash += sign as i128 * value;
                    last_price = Some(f.price);
                    self.report(now, Own::Fill, f.taker, *out);
                    self.report(now, Own::Fill, f.maker, *out);
                }
                Output::Accepted { trader, .. }
                | Output::Rejected { trader, .. }
                | Output::Cancelled { trader, .. }
                | Output::Amended { trader, .. }
                | Output::Rested { trader, .. } => self.report(now, Own::Ack, trader, *out),
                Output::QuoteRequested { .. }
                | Output::QuoteReceived { .. }
                | Output::RfqTraded { .. }
                | Output::RfqNoTrade { .. } => {
                    unreachable!("order-book venues never emit {out:?}")
                }
            }
        }
        // A continuous market prints its trades; a batch auction publishes its clearing price
        // instead (in `batch_ends`).
        if let (Some(price), Venue::Clob(_)) = (last_price, &self.venue) {
            let delay = self.feed_delays.trade_print;
            self.board.publish_price(now.saturating_add(delay), price);
        }
    }

    /// Logs a change of the venue's top of book and publishes it on the feed.
    fn publish_top(&mut self, now: SimTime) {
        let top = Quote {
            bid: self.venue.best_bid(),
            ask: self.venue.best_ask(),
        };
        if top != self.last_top {
            self.last_top = top;
            self.log.quotes.push((now, top));
            let delay = self.feed_delays.top_of_book;
            self.board.publish(now.saturating_add(delay), top);
        }
    }

    /// Sends a venue report to its owner, if the leakage policy lets the owner see it.
    fn report(&mut self, now: SimTime, kind: Own, owner: AgentId, output: Output) {
        let slot = &mut self.slots[owner.0 as usize];
        let visible = match kind {
            Own::Fill => slot.sight.own_fill,
            Own::Ack => slot.sight.own_ack,
        };
        let Some(delay) = visible else {
            return;
        };
        let at = slot.wire.ack_arrival(now).saturating_add(delay);
        if self.log.messages.is_some() {
            let (kind, id) = match output {
                Output::Accepted { id, .. } => ("accepted", id),
                Output::Rejected { id, .. } => ("rejected", id),
                Output::Fill(f) => (
                    "fill",
                    if f.taker == owner {
                        f.taker_order
                    } else {
                        f.maker_order
                    },
                ),
                Output::Cancelled { id, .. } => ("cancelled", id),
                Output::Amended { id, .. } => ("amended", id),
                Output::Rested { id, .. } => ("rested", id),
                Output::QuoteRequested { request, .. } => ("quote_requested", request),
                Output::QuoteReceived { quote, .. } => ("quote_received", quote),
                Output::RfqTraded { request, .. } => ("rfq_traded", request),
                Output::RfqNoTrade { request, .. } => ("rfq_no_trade", request),
            };
            self.record(now, at, owner.0, "report", kind, Some(id));
        }
        self.queue.schedule(
            at,
            Event::Report {
                agent: owner.0,
                output,
            },
        );
    }

    fn record(
        &mut self,
        sent: SimTime,
        delivered: SimTime,
        agent: u32,
        channel: &'static str,
        kind: &'static str,
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

/// The groups of an optional role, in file order.
fn groups<C>(p: &Option<Populations<C>>) -> impl Iterator<Item = &Population<C>> {
    p.iter().flat_map(|p| p.groups.iter())
}
