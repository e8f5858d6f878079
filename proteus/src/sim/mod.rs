//! The discrete-event loop that wires information, agents, the wire and a venue for one run.
//!
//! Everything happens at its own nanosecond: fundamental change points, news, private signals,
//! agent timers, message arrivals after latency, venue reports and feed publications. There is no
//! time step, so a 1 µs latency advantage decides a race.
//!
//! Architecture invariant: this is the only place that knows about all the parts; the venue sees
//! requests, agents see their [`AgentCtx`], and every random draw comes from a named stream of the
//! repetition seed (`docs/seed-protocol.md`).

mod observer;
mod quote_board;
mod run_log;

pub use observer::{Discard, Observer};
pub use quote_board::{FeedState, QuoteBoard};
pub use run_log::{
    Account, AgentInfo, BatchRecord, FillRecord, InventoryLimit, MessageRecord, RequestKind,
    RequestRecord, RfqOutcome, RfqQuoteRecord, RfqRecord, RunLog,
};

use crate::agents::{
    Action, Agent, AgentCtx, AnyAgent, BayesianDealer, BookDepth, FixedSpreadProvider,
    InformedTrader, LadderMarketMaker, LatencyArbitrageur, MarketMaker, MetaorderTrader,
    MomentumAgent, NoiseTrader, PoissonTaker, Quote, RfqNotice, SequentialTrader, ValueAgent,
};
use crate::core::hawkes::HawkesProcess;
use crate::core::{
    AgentId, Duration, EventQueue, MechanismKind, OrderId, RepetitionSeed, Role, SimTime, Stream,
};
use crate::execution::{AgentWire, Field, LatencyProfile, LeakagePolicy, Parties};
use crate::info::{FundamentalPath, NewsSchedule, SignalConfig};
use crate::mechanisms::{OrderKind, Output, Price, Qty, RejectReason, Request, Side, Venue};
use crate::scenario::{ArrivalLaw, Population, Populations, Scenario};
use rand_distr::{Distribution, Exp, StandardNormal};
use std::collections::BTreeMap;

/// Options of one run that do not change its results.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Record every message and its delivery time in `RunLog::messages`.
    pub record_messages: bool,
    /// Record every request the venue handled, whole, in `RunLog::venue_log` (for exports that
    /// replay them, e.g. LOBSTER).
    pub record_requests: bool,
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

/// How an arrival reaches the agent it is given to.
#[derive(Clone, Copy, Debug)]
enum Delivery {
    /// `on_wake(0)`: its arrival timer (noise, momentum, ladder maker, metaorder trader).
    Wake,
    /// A noisy observation of the value (value agents), as `Event::Observe` delivers it.
    Observe,
}

/// One population's Hawkes arrival process (`arrivals = { kind = "hawkes", … }`): the events of
/// one process for the whole population, each given to one of its agents uniformly at random.
/// Streams `arrivals/{key}/{group}/times` and `…/picks`.
struct ArrivalSource {
    process: HawkesProcess,
    picks: Stream,
    first: u32,
    count: u32,
    delivery: Delivery,
}

impl ArrivalSource {
    fn next_time(&mut self) -> Option<SimTime> {
        let s = self.process.next_event_s();
        (s.is_finite() && s < 1e9).then(|| SimTime::ZERO + Duration((s * 1e9).round() as u64))
    }

    fn pick(&mut self) -> u32 {
        use rand::RngExt;
        self.first + self.picks.random_range(0..self.count)
    }
}

/// The private information an informed trader receives, with its own streams.
struct Informed {
    signal: Option<SignalConfig>,
    signal_noise: Stream,
    /// Gap law and noise standard deviation of private observations, when enabled.
    observe: Option<(Exp<f64>, f64)>,
    observe_clock: Stream,
    observe_noise: Stream,
    /// False when its observations come from its population's Hawkes process.
    own_clock: bool,
}

struct Slot {
    agent: AnyAgent,
    info: AgentInfo,
    wire: AgentWire,
    order_seq: u32,
    wants_news: bool,
    /// Boxed: only informed traders have one, and a slot's size is what a callback's cache
    /// misses pay for (the other 1,000-odd slots of an rmsc04-like day would carry 1 KB each).
    informed: Option<Box<Informed>>,
    /// Told the true value at time 0 and at every change (sequential traders).
    knows_value: bool,
    sight: Sight,
}

/// What the leakage policy lets one agent see, looked up once per run instead of at every
/// callback and report: the policy and the agent's id and role are fixed for the run, and the
/// values are the policy's own answers (see [`Sight::of`]).
#[derive(Clone, Copy, Debug)]
struct Sight {
    /// The public top of book.
    quote: bool,
    /// The public book by price level.
    depth: bool,
    /// The last trade print (CLOB), clearing price (FBA) or RFQ trade price.
    last_price: bool,
    /// The size of the last print or batch volume.
    last_volume: bool,
    /// Extra delay of its own fills' reports, `None` if it never sees them.
    own_fill: Option<Duration>,
    /// Extra delay of its own acknowledgements, `None` if it never sees them.
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
            depth: public(Field::Depth),
            last_price: public(Field::TradePrint)
                || public(Field::ClearingPrice)
                || public(Field::RfqTradePrice),
            last_volume: public(Field::TradePrint)
                || public(Field::ClearingVolume)
                || public(Field::RfqTradePrice),
            own_fill: own(Field::OwnFill),
            own_ack: own(Field::OwnAck),
        }
    }
}

/// The publication delays of the public feed's fields (fixed for a run).
#[derive(Clone, Copy, Debug)]
struct FeedDelays {
    top_of_book: Duration,
    trade_print: Duration,
    clearing_price: Duration,
    rfq_trade_price: Duration,
}

impl FeedDelays {
    fn of(policy: &LeakagePolicy) -> FeedDelays {
        let delay = |field| Duration(policy.visibility(field).delay_ns);
        FeedDelays {
            top_of_book: delay(Field::TopOfBook),
            trade_print: delay(Field::TradePrint),
            clearing_price: delay(Field::ClearingPrice),
            rfq_trade_price: delay(Field::RfqTradePrice),
        }
    }
}

/// The event loop's side of RFQ: dealer selection, windows, the reference price, and where each
/// request's record is.
struct RfqState {
    /// Dealers asked per request (`[mechanism] rfq_dealers`).
    k: usize,
    window: Duration,
    two_way: bool,
    /// The market makers, in id order: the dealers.
    pool: Vec<AgentId>,
    /// Where the next request's dealer list starts in `pool`; moves on by k per request.
    cursor: usize,
    /// The price of the last RFQ trade: the reference price of the next request.
    last_trade: Option<Price>,
    /// Request id → index in `RunLog::rfq`.
    index: BTreeMap<OrderId, usize>,
}

impl RfqState {
    /// The dealers of the next request by `client` (docs/mechanisms.md): the market makers
    /// other than the client, in id order, taken round robin: `min(k, n)` of them starting at
    /// the cursor (wrapping around), and the cursor moves on by that many.
    fn pick(&mut self, client: AgentId) -> Vec<AgentId> {
        let pool: Vec<AgentId> = self.pool.iter().copied().filter(|&d| d != client).collect();
        if pool.is_empty() {
            return pool;
        }
        let n = pool.len();
        let k = self.k.min(n);
        let start = self.cursor % n;
        self.cursor = (start + k) % n;
        (0..k).map(|j| pool[(start + j) % n]).collect()
    }
}

/// Runs repetition `repetition` of `scenario` and returns its log.
pub fn run(scenario: &Scenario, repetition: u64, options: RunOptions) -> RunLog {
    Simulation::new(scenario, repetition, options, None).run()
}

/// Runs like [`run`], but hands each observation to `observer` as it happens instead of keeping
/// it (see [`Observer`]): the log it returns has no fills, quotes, fundamental, venue requests
/// or batches, so memory does not grow with the run's length. The same draws in the same order:
/// the observations are exactly the streams [`run`] would have kept.
pub fn run_observed(
    scenario: &Scenario,
    repetition: u64,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> RunLog {
    Simulation::new(scenario, repetition, options, Some(observer)).run()
}

struct Simulation<'o> {
    horizon: SimTime,
    queue: EventQueue<Event>,
    venue: Venue,
    mechanism: MechanismKind,
    batch_interval: Duration,
    /// `[market] cancel_delay_ns`: how long after its arrival a cancel or amend takes effect.
    cancel_delay: Duration,
    rfq: RfqState,
    leakage: LeakagePolicy,
    feed_delays: FeedDelays,
    slots: Vec<Slot>,
    path: FundamentalPath,
    /// The fundamental in force now: the value after the last change point processed. (The
    /// path itself is always one change ahead, `path.current()` being the next change's value
    /// once it has been scheduled, so nothing may read the value now from it.)
    value_now: f64,
    news: NewsSchedule,
    board: QuoteBoard,
    /// The last top of book published (CLOB: the live book; FBA: the residual book after the
    /// last batch).
    last_top: Quote,
    /// The last book by price level published.
    last_depth: BookDepth,
    tick_size: Price,
    lot_size: crate::mechanisms::Qty,
    log: RunLog,
    /// Volume traded so far by the taking side: (buys, sells) (the public feed's `traded`).
    traded: (Qty, Qty),
    actions: Vec<Action>,
    outputs: Vec<Output>,
    /// The Hawkes arrival processes of the populations that have one.
    arrivals: Vec<ArrivalSource>,
    /// The slots that are told the value (`Slot::knows_value`), in slot order: a change of the
    /// fundamental visits these, not every slot (in rmsc04-like, 102 of 1,116 agents, and the
    /// fundamental changes 23,000 times a day).
    value_listeners: Vec<u32>,
    /// Where observations go instead of the log's streams (`run_observed`).
    observer: Option<&'o mut dyn Observer>,
}

impl<'o> Simulation<'o> {
    fn new(
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

        // Sized once: a slot is several kilobytes (its agent, wire and streams), and growing
        // the vector by doubling copied them all (a fifth of setting up an rmsc04-like run).
        let mut slots = Vec::with_capacity(usize::try_from(sc.agent_count()).unwrap_or(0));
        // `key` names the agent's streams (`latency/{key}/{i}`, `agent/{key}/{i}`, `i` its index
        // within the key): the role for the original four populations, the TOML key for the
        // others, so that two populations of one role never share a stream (a fixed-spread
        // provider is a `market_maker` by role but draws from `latency/fixed_spread/{i}`).
        // `index` is its index within its role.
        let mut add = |role: Role,
                       key: (&str, u32),
                       index: u32,
                       latency: &LatencyProfile,
                       agent: AnyAgent,
                       informed,
                       told_value: bool| {
            let id = AgentId(slots.len() as u32);
            let wire = AgentWire::with_root(
                id,
                latency,
                &seed.stream(&format!("latency/{}/{}", key.0, key.1)),
            );
            // Sequential traders and Poisson takers are told the value by type; any other
            // population when its `knows_value` is set.
            let knows_value =
                told_value || matches!(agent, AnyAgent::Sequential(_) | AnyAgent::PoissonTaker(_));
            // Public news reaches every trader, each after its own market-data latency
            // (what it does with it is its own rule): a slow trader's resting orders go
            // stale for longer, which is what a sniper races against.
            let wants_news = true;
            slots.push(Slot {
                agent,
                info: AgentInfo { id, role, index },
                wire,
                order_seq: 0,
                wants_news,
                informed,
                knows_value,
                sight: Sight::of(&leakage, id, role),
            });
            id.0
        };
        let root = |key: &str, i: u32| seed.stream(&format!("agent/{key}/{i}"));
        let a = &sc.agents;
        let mut index = 0;
        for g in groups(&a.market_maker) {
            for _ in 0..g.count {
                let mm = MarketMaker::new(g.params.clone(), initial);
                add(
                    Role::MarketMaker,
                    ("market_maker", index),
                    index,
                    &g.latency,
                    AnyAgent::MarketMaker(mm),
                    None,
                    g.knows_value,
                );
                index += 1;
            }
        }
        index = 0;
        for g in groups(&a.informed) {
            for _ in 0..g.count {
                let c = &g.params;
                let root = root(Role::Informed.as_str(), index);
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
                    own_clock: true,
                };
                let agent = AnyAgent::Informed(InformedTrader::new(c.clone()));
                let key = ("informed", index);
                add(
                    Role::Informed,
                    key,
                    index,
                    &g.latency,
                    agent,
                    Some(Box::new(informed)),
                    g.knows_value,
                );
                index += 1;
            }
        }
        // The Hawkes process of a population group (`None` for Poisson arrivals): `count` agents
        // from `first`, at `rate` per second in all; streams `arrivals/{key}/{group}/…`.
        let mut arrivals: Vec<ArrivalSource> = Vec::new();
        let hawkes_source = |key: &str,
                             group: usize,
                             first: u32,
                             count: u32,
                             rate: f64,
                             law: &ArrivalLaw,
                             delivery: Delivery| {
            let params = law.hawkes(rate)?;
            let s = seed.stream(&format!("arrivals/{key}/{group}"));
            Some(ArrivalSource {
                process: HawkesProcess::new(params, s.child("times")),
                picks: s.child("picks"),
                first,
                count,
                delivery,
            })
        };
        index = 0;
        for (gi, g) in groups(&a.noise).enumerate() {
            let driven = !g.arrivals.is_poisson();
            for k in 0..g.count {
                let mut trader = NoiseTrader::new(
                    g.params.clone(),
                    &root(Role::Noise.as_str(), index),
                    initial,
                );
                if driven {
                    trader = trader.driven_externally();
                }
                let agent = AnyAgent::Noise(trader);
                let id = add(
                    Role::Noise,
                    ("noise", index),
                    index,
                    &g.latency,
                    agent,
                    None,
                    g.knows_value,
                );
                if k == 0 {
                    let rate = f64::from(g.count) * g.params.rate_per_s;
                    arrivals.extend(hawkes_source(
                        "noise",
                        gi,
                        id,
                        g.count,
                        rate,
                        &g.arrivals,
                        Delivery::Wake,
                    ));
                }
                index += 1;
            }
        }
        index = 0;
        for g in groups(&a.arbitrageur) {
            for _ in 0..g.count {
                let agent =
                    AnyAgent::Arbitrageur(LatencyArbitrageur::new(g.params.clone(), initial));
                let key = ("arbitrageur", index);
                add(
                    Role::Arbitrageur,
                    key,
                    index,
                    &g.latency,
                    agent,
                    None,
                    g.knows_value,
                );
                index += 1;
            }
        }
        // The populations after the original four share a role with one of them and are
        // indexed within that role after it; their streams are their own.
        let mut market_makers = a.market_maker.as_ref().map_or(0, Populations::count) as u32;
        let dealers = groups(&a.bayesian_dealer).flat_map(|g| (0..g.count).map(move |_| g));
        for (i, g) in (0u32..).zip(dealers) {
            let agent = AnyAgent::BayesianDealer(BayesianDealer::new(g.params));
            let key = ("bayesian_dealer", i);
            add(
                Role::MarketMaker,
                key,
                market_makers,
                &g.latency,
                agent,
                None,
                g.knows_value,
            );
            market_makers += 1;
        }
        let informed_count = a.informed.as_ref().map_or(0, Populations::count) as u32;
        let traders = groups(&a.sequential_trader).flat_map(|g| (0..g.count).map(move |_| g));
        for (i, g) in (0u32..).zip(traders) {
            let key = ("sequential_trader", i);
            let agent = AnyAgent::Sequential(SequentialTrader::new(g.params, &root(key.0, i)));
            add(
                Role::Informed,
                key,
                informed_count + i,
                &g.latency,
                agent,
                None,
                g.knows_value,
            );
        }
        // Fixed-spread providers are market makers by role, indexed within the role after the
        // `[agents.market_maker]` ones and the Bayesian dealers; their streams are their own
        // (`fixed_spread/{i}`).
        let providers = groups(&a.fixed_spread).flat_map(|g| (0..g.count).map(move |_| g));
        for (i, g) in (0u32..).zip(providers) {
            let agent = AnyAgent::FixedSpread(FixedSpreadProvider::new(g.params.clone(), initial));
            let key = ("fixed_spread", i);
            add(
                Role::MarketMaker,
                key,
                market_makers + i,
                &g.latency,
                agent,
                None,
                g.knows_value,
            );
        }

        // Poisson takers are noise traders by role, indexed within it after the
        // `[agents.noise]` ones; their streams are their own (`agent/poisson_taker/{i}`).
        let noise_count = a.noise.as_ref().map_or(0, Populations::count) as u32;
        let takers = groups(&a.poisson_taker).flat_map(|g| (0..g.count).map(move |_| g));
        for (i, g) in (0u32..).zip(takers) {
            let key = ("poisson_taker", i);
            let agent = AnyAgent::PoissonTaker(PoissonTaker::new(g.params, &root(key.0, i)));
            add(
                Role::Noise,
                key,
                noise_count + i,
                &g.latency,
                agent,
                None,
                g.knows_value,
            );
        }

        // The ABIDES-style background populations, each indexed within its role after all the
        // above: value agents are informed (noisy observations at Poisson times, delivered by
        // the simulator like an informed trader's), momentum agents noise traders, ladder
        // makers market makers.
        let horizon_s = horizon.as_secs_f64();
        let informed_total =
            informed_count + a.sequential_trader.as_ref().map_or(0, Populations::count) as u32;
        // Each population's agents with their index in the key, their group's index and
        // whether they are the group's first.
        fn members<C>(
            p: &Option<Populations<C>>,
        ) -> impl Iterator<Item = (u32, usize, bool, &Population<C>)> {
            groups(p)
                .enumerate()
                .flat_map(|(gi, g)| (0..g.count).map(move |k| (gi, k == 0, g)))
                .zip(0u32..)
                .map(|((gi, first, g), i)| (i, gi, first, g))
        }
        for (i, gi, first, g) in members(&a.value) {
            let driven = !g.arrivals.is_poisson();
            let key = ("value", i);
            let r = root(key.0, i);
            let c = &g.params;
            let informed = Informed {
                signal: None,
                observe: Some((
                    Exp::new(c.arrival_rate_per_s).expect("validated"),
                    c.obs_noise_var_ticks2.sqrt(),
                )),
                signal_noise: r.child("signal"),
                observe_clock: r.child("observe_clock"),
                observe_noise: r.child("observe_noise"),
                own_clock: !driven,
            };
            let agent = AnyAgent::Value(ValueAgent::new(g.params, &r, horizon_s));
            let id = add(
                Role::Informed,
                key,
                informed_total + i,
                &g.latency,
                agent,
                Some(Box::new(informed)),
                g.knows_value,
            );
            if first {
                let rate = f64::from(g.count) * c.arrival_rate_per_s;
                arrivals.extend(hawkes_source(
                    "value",
                    gi,
                    id,
                    g.count,
                    rate,
                    &g.arrivals,
                    Delivery::Observe,
                ));
            }
        }
        let noise_total =
            noise_count + a.poisson_taker.as_ref().map_or(0, Populations::count) as u32;
        for (i, gi, first, g) in members(&a.momentum) {
            let driven = !g.arrivals.is_poisson();
            let key = ("momentum", i);
            let mut m = MomentumAgent::new(g.params, &root(key.0, i));
            if driven {
                m = m.driven_externally();
            }
            let id = add(
                Role::Noise,
                key,
                noise_total + i,
                &g.latency,
                AnyAgent::Momentum(m),
                None,
                g.knows_value,
            );
            if first {
                let rate = f64::from(g.count) / g.params.wake_mean_s;
                arrivals.extend(hawkes_source(
                    "momentum",
                    gi,
                    id,
                    g.count,
                    rate,
                    &g.arrivals,
                    Delivery::Wake,
                ));
            }
        }
        let makers_total =
            market_makers + a.fixed_spread.as_ref().map_or(0, Populations::count) as u32;
        for (i, gi, first, g) in members(&a.ladder_market_maker) {
            let driven = !g.arrivals.is_poisson();
            let key = ("ladder_market_maker", i);
            let mut m = LadderMarketMaker::new(g.params, &root(key.0, i), initial);
            if driven {
                m = m.driven_externally();
            }
            let id = add(
                Role::MarketMaker,
                key,
                makers_total + i,
                &g.latency,
                AnyAgent::LadderMaker(m),
                None,
                g.knows_value,
            );
            if first {
                let rate = f64::from(g.count) / g.params.wake_mean_s;
                arrivals.extend(hawkes_source(
                    "ladder_market_maker",
                    gi,
                    id,
                    g.count,
                    rate,
                    &g.arrivals,
                    Delivery::Wake,
                ));
            }
        }
        // Metaorder traders are noise traders by role, indexed within it after the momentum
        // agents.
        let noise_total = noise_total + a.momentum.as_ref().map_or(0, Populations::count) as u32;
        for (i, gi, first, g) in members(&a.metaorder) {
            let driven = !g.arrivals.is_poisson();
            let key = ("metaorder", i);
            let m = MetaorderTrader::new(g.params, &root(key.0, i), !driven);
            let id = add(
                Role::Noise,
                key,
                noise_total + i,
                &g.latency,
                AnyAgent::Metaorder(m),
                None,
                g.knows_value,
            );
            if first {
                let rate = f64::from(g.count) * g.params.parent_rate_per_s;
                arrivals.extend(hawkes_source(
                    "metaorder",
                    gi,
                    id,
                    g.count,
                    rate,
                    &g.arrivals,
                    Delivery::Wake,
                ));
            }
        }

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
        }
    }

    fn run(mut self) -> RunLog {
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
        while let Some(ev) = self.queue.pop() {
            if ev.time > self.horizon {
                break;
            }
            self.log.events_processed += 1;
            self.handle(ev.time, ev.event);
        }
        let mut log = self.log;
        log.fundamental.retain(|(t, _)| *t <= log.horizon);
        if let Some(o) = self.observer {
            for r in &log.rfq {
                o.on_rfq(r);
            }
        }
        log
    }

    fn handle(&mut self, now: SimTime, event: Event) {
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
                // The fundamental in force now does not yet include this news' shift (a news
                // event is a change point of its own, processed at its public time).
                let pre = self.value_now;
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
        self.record(now, at, agent, "signal", "value", None);
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
        let slot = &mut self.slots[agent as usize];
        let lag = slot.wire.market_data_arrival(now) - now;
        let feed = self.board.seen(now, lag);
        let (quote, depth) = match (slot.sight.quote, slot.sight.depth) {
            (true, true) => (feed.quote, feed.depth),
            (true, false) => (
                feed.quote,
                BookDepth::from_levels(feed.quote.bid, feed.quote.ask),
            ),
            (false, _) => (Quote::default(), BookDepth::default()),
        };
        let last_price = feed.last_price.filter(|_| slot.sight.last_price);
        let last_volume = feed.last_volume.filter(|_| slot.sight.last_volume);
        let traded_volume = slot.sight.last_volume.then_some(feed.traded);
        let mut ctx = AgentCtx {
            now,
            id: slot.info.id,
            role: slot.info.role,
            quote,
            depth,
            last_price,
            last_volume,
            traded_volume,
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
                        let (side, price, qty) = match request {
                            Request::New(o) => (
                                Some(o.side),
                                match o.kind {
                                    OrderKind::Limit { price, .. } => Some(price),
                                    OrderKind::Market => None,
                                },
                                Some(o.qty),
                            ),
                            Request::Amend { price, qty, .. } => (None, Some(price), Some(qty)),
                            Request::QuoteRequest(r) => (Some(r.side), r.limit, Some(r.qty)),
                            Request::DealerQuote(_) | Request::Cancel { .. } => (None, None, None),
                        };
                        if let Some(m) = self.log.messages.as_mut() {
                            m.push(MessageRecord {
                                sent: now,
                                delivered: at,
                                agent: AgentId(agent),
                                channel: "request",
                                kind,
                                order_id: Some(request.order_id()),
                                side,
                                price,
                                qty,
                            });
                        }
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
        match (&mut self.venue, request) {
            (Venue::Rfq(v), Request::QuoteRequest(r)) => {
                let dealers = self.rfq.pick(r.trader);
                v.open(r, &dealers, &mut outputs)
                    .expect("the dealers are distinct market makers other than the client");
                let rejected = outputs.iter().find_map(|o| match *o {
                    Output::Rejected { reason, .. } => Some(reason),
                    _ => None,
                });
                if rejected.is_none() {
                    let close = now.saturating_add(self.rfq.window);
                    self.queue.schedule(close, Event::RfqClose(r.id));
                }
                self.rfq.index.insert(r.id, self.log.rfq.len());
                self.log.rfq.push(RfqRecord {
                    request: r.id,
                    time: now,
                    client: r.trader,
                    side: r.side,
                    two_way: r.two_way,
                    qty: r.qty,
                    limit: r.limit,
                    dealers: if rejected.is_some() {
                        Vec::new()
                    } else {
                        dealers
                    },
                    reference: self.rfq.last_trade,
                    quotes: Vec::new(),
                    late_quotes: Vec::new(),
                    closed: None,
                    outcome: rejected.map_or(RfqOutcome::Open, RfqOutcome::Rejected),
                });
            }
            (Venue::Rfq(v), Request::DealerQuote(q)) => {
                v.quote(q, &mut outputs);
                let record = RfqQuoteRecord {
                    quote: q.id,
                    dealer: q.trader,
                    time: now,
                    bid: q.bid,
                    ask: q.ask,
                };
                let entry = self
                    .rfq
                    .index
                    .get(&q.request)
                    .map(|&i| &mut self.log.rfq[i]);
                match (entry, outputs.first()) {
                    (Some(e), Some(Output::Accepted { .. })) => e.quotes.push(record),
                    (
                        Some(e),
                        Some(Output::Rejected {
                            reason: RejectReason::TooLate,
                            ..
                        }),
                    ) => e.late_quotes.push(record),
                    _ => {}
                }
            }
            (venue, request) => venue.handle(request, &mut outputs),
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

    /// Closes an RFQ at the end of its response window: the client takes the best quote if it
    /// beats its limit (`RfqVenue::close`), and the outcome is routed like any venue output.
    fn rfq_closes(&mut self, now: SimTime, request: OrderId) {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.clear();
        let Venue::Rfq(v) = &mut self.venue else {
            unreachable!("RFQ windows exist only under RFQ")
        };
        v.close(request, &mut outputs)
            .expect("each opened request closes exactly once");
        let i = self.rfq.index[&request];
        let record = &mut self.log.rfq[i];
        record.closed = Some(now);
        // An RFQ fill's reference quote: a zero-size quote at the reference price (its mid).
        let quote_before = record.reference.map_or(Quote::default(), |p| Quote {
            bid: Some((p, 0)),
            ask: Some((p, 0)),
        });
        for o in &outputs {
            match *o {
                Output::RfqTraded {
                    dealer,
                    quote,
                    price,
                    ..
                } => {
                    record.outcome = RfqOutcome::Traded {
                        dealer,
                        quote,
                        price,
                    };
                    self.rfq.last_trade = Some(price);
                }
                Output::RfqNoTrade { reason, .. } => {
                    record.outcome = RfqOutcome::NoTrade(reason);
                }
                _ => {}
            }
        }
        self.apply(now, &outputs, quote_before);
        self.outputs = outputs;
    }

    /// Records and routes what the venue reported.
    fn apply(&mut self, now: SimTime, outputs: &[Output], quote_before: Quote) {
        let mut last_price = None;
        let mut printed_qty = 0;
        for out in outputs {
            match *out {
                Output::Fill(f) => {
                    match f.taker_side {
                        Side::Buy => self.traded.0 = self.traded.0.saturating_add(f.qty),
                        Side::Sell => self.traded.1 = self.traded.1.saturating_add(f.qty),
                    }
                    let fill = FillRecord {
                        time: now,
                        price: f.price,
                        qty: f.qty,
                        taker_side: f.taker_side,
                        taker: f.taker,
                        maker: f.maker,
                        taker_order: f.taker_order,
                        maker_order: f.maker_order,
                        quote_before,
                    };
                    match self.observer.as_deref_mut() {
                        Some(o) => o.on_fill(&fill),
                        None => self.log.fills.push(fill),
                    }
                    let value = f.price as i128 * f.qty as i128;
                    let sign = f.taker_side.sign();
                    let taker = &mut self.log.accounts[f.taker.0 as usize];
                    taker.position += sign * f.qty;
                    taker.cash -= sign as i128 * value;
                    let maker = &mut self.log.accounts[f.maker.0 as usize];
                    maker.position -= sign * f.qty;
                    maker.cash += sign as i128 * value;
                    last_price = Some(f.price);
                    printed_qty += f.qty;
                    self.report(now, Field::OwnFill, f.taker, *out);
                    self.report(now, Field::OwnFill, f.maker, *out);
                }
                Output::Accepted { trader, .. }
                | Output::Rejected { trader, .. }
                | Output::Cancelled { trader, .. }
                | Output::Amended { trader, .. }
                | Output::Rested { trader, .. } => self.report(now, Field::OwnAck, trader, *out),
                Output::QuoteRequested {
                    request,
                    client,
                    dealer,
                    side,
                    qty,
                } => {
                    let deadline = now.saturating_add(self.rfq.window);
                    self.notify(now, request, client, dealer, |shown| RfqNotice::Requested {
                        request,
                        client,
                        side: side.filter(|_| shown.side),
                        qty: shown.size.then_some(qty),
                        deadline,
                    });
                }
                Output::QuoteReceived { client, .. }
                | Output::RfqTraded { client, .. }
                | Output::RfqNoTrade { client, .. } => {
                    self.report(now, Field::OwnAck, client, *out);
                    if let Output::RfqTraded {
                        request,
                        client,
                        dealer: winner,
                        side,
                        qty,
                        ..
                    } = *out
                    {
                        self.traded_away(now, request, client, winner, side, qty);
                    }
                }
            }
        }
        // A continuous market prints its trades, and so does RFQ (with the print delay of
        // `rfq_trade_price`); a batch auction publishes its clearing price instead (in
        // `batch_ends`).
        let print = match self.venue {
            Venue::Clob(_) => Some(self.feed_delays.trade_print),
            Venue::Rfq(_) => Some(self.feed_delays.rfq_trade_price),
            Venue::Fba(_) => None,
        };
        if let (Some(price), Some(delay)) = (last_price, print) {
            self.board
                .publish_trade(now.saturating_add(delay), price, printed_qty, self.traded);
        }
    }

    /// Tells the losing dealers of a traded RFQ that it traded (`rfq_trade_happened`), with its
    /// side where the request was one-way and `rfq_side` shows it, and its size where
    /// `rfq_size` does. The winner learns from its fill, the client from its report.
    fn traded_away(
        &mut self,
        now: SimTime,
        request: OrderId,
        client: AgentId,
        winner: AgentId,
        side: crate::mechanisms::Side,
        qty: crate::mechanisms::Qty,
    ) {
        let i = self.rfq.index[&request];
        let two_way = self.log.rfq[i].two_way;
        let dealers = self.log.rfq[i].dealers.clone();
        for dealer in dealers.into_iter().filter(|&d| d != winner) {
            self.notify_field(
                now,
                Field::RfqTradeHappened,
                request,
                client,
                dealer,
                |shown| RfqNotice::TradedAway {
                    request,
                    side: (shown.side && !two_way).then_some(side),
                    qty: shown.size.then_some(qty),
                },
            );
        }
    }

    /// Sends dealer `dealer` the notice that it is asked to quote, if `rfq_request` shows it.
    fn notify(
        &mut self,
        now: SimTime,
        request: OrderId,
        client: AgentId,
        dealer: AgentId,
        notice: impl FnOnce(Shown) -> RfqNotice,
    ) {
        self.notify_field(now, Field::RfqRequest, request, client, dealer, notice);
    }

    /// Sends `viewer` a notice about `client`'s request if the leakage policy shows it `field`,
    /// with the side and size where `rfq_side` and `rfq_size` show them. It leaves on the ack
    /// channel after the longest delay among the fields it carries.
    fn notify_field(
        &mut self,
        now: SimTime,
        field: Field,
        request: OrderId,
        client: AgentId,
        viewer: AgentId,
        notice: impl FnOnce(Shown) -> RfqNotice,
    ) {
        let dealers = match self.rfq.index.get(&request) {
            Some(&i) => self.log.rfq[i].dealers.clone(),
            None => Vec::new(),
        };
        let parties = Parties::request(client, &dealers);
        let role = self.slots[viewer.0 as usize].info.role;
        let see = |f| self.leakage.visible_to(f, &parties, viewer, role);
        let Some(mut delay) = see(field) else { return };
        let side = see(Field::RfqSide);
        let size = see(Field::RfqSize);
        for d in [side, size].into_iter().flatten() {
            delay = delay.max(d);
        }
        let notice = notice(Shown {
            side: side.is_some(),
            size: size.is_some(),
        });
        let at = self.slots[viewer.0 as usize]
            .wire
            .ack_arrival(now)
            .saturating_add(delay);
        if let Some(m) = self.log.messages.as_mut() {
            let (kind, side, qty) = match notice {
                RfqNotice::Requested { side, qty, .. } => ("quote_requested", side, qty),
                RfqNotice::TradedAway { side, qty, .. } => ("traded_away", side, qty),
            };
            m.push(MessageRecord {
                sent: now,
                delivered: at,
                agent: viewer,
                channel: "report",
                kind,
                order_id: Some(request),
                side,
                price: None,
                qty,
            });
        }
        self.queue.schedule(
            at,
            Event::Notice {
                agent: viewer.0,
                notice,
            },
        );
    }

    /// After a request: a continuous book publishes every change at once; a batch auction's
    /// book is sealed until the batch ends ([`Self::publish_book`] from `batch_ends`), and RFQ
    /// has no book.
    fn publish_top(&mut self, now: SimTime) {
        if matches!(self.venue, Venue::Clob(_)) {
            self.publish_book(now);
        }
    }

    /// Publishes the venue's book by price level on the feed if it changed, and logs a change
    /// of its top (the quote the metrics measure).
    fn publish_book(&mut self, now: SimTime) {
        let depth = self.venue.depth();
        if depth == self.last_depth {
            return;
        }
        self.last_depth = depth;
        let top = depth.top();
        if top != self.last_top {
            self.last_top = top;
            match self.observer.as_deref_mut() {
                Some(o) => o.on_quote(now, top),
                None => self.log.quotes.push((now, top)),
            }
        }
        let delay = self.feed_delays.top_of_book;
        self.board.publish_book(now.saturating_add(delay), depth);
    }

    /// Sends a venue report to its owner, if the leakage policy lets the owner see it.
    fn report(&mut self, now: SimTime, field: Field, owner: AgentId, output: Output) {
        let slot = &mut self.slots[owner.0 as usize];
        let visible = match field {
            Field::OwnFill => slot.sight.own_fill,
            Field::OwnAck => slot.sight.own_ack,
            _ => self
                .leakage
                .visible_to(field, &Parties::owned_by(owner), owner, slot.info.role),
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

/// Which parts of an RFQ a notice may carry.
#[derive(Clone, Copy, Debug)]
struct Shown {
    side: bool,
    size: bool,
}

/// The groups of an optional role, in file order.
fn groups<C>(p: &Option<Populations<C>>) -> impl Iterator<Item = &Population<C>> {
    p.iter().flat_map(|p| p.groups.iter())
}
