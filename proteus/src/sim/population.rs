//! Building a run's agents from its [`Scenario`]: one [`Slot`] per agent (the agent, its wire,
//! its private information and what the leakage policy lets it see), the Hawkes arrival sources
//! of the populations that have one, and the RFQ dealer pool.
//!
//! Agent ids are given in a fixed population order (market makers, informed traders, noise
//! traders, arbitrageurs, then the populations added later, each indexed within its role after
//! the ones before it), and every agent's streams are named by its population's key and its
//! index within that key (`docs/seed-protocol.md`), so adding a population changes no other
//! agent's draws.

use super::routing::Sight;
use super::run_log::AgentInfo;
use crate::agents::{
    AnyAgent, BayesianDealer, FixedSpreadProvider, InformedTrader, LadderMarketMaker,
    LatencyArbitrageur, MarketMaker, MetaorderTrader, MomentumAgent, NoiseTrader, PoissonTaker,
    SequentialTrader, ValueAgent,
};
use crate::core::hawkes::HawkesProcess;
use crate::core::{AgentId, Duration, RepetitionSeed, Role, SimTime, Stream};
use crate::execution::{AgentWire, LeakagePolicy};
use crate::info::SignalConfig;
use crate::scenario::{Population, Populations, Scenario};
use rand_distr::Exp;

/// How an arrival reaches the agent it is given to.
#[derive(Clone, Copy, Debug)]
pub(super) enum Delivery {
    /// `on_wake(0)`: its arrival timer (noise, momentum, ladder maker, metaorder trader).
    Wake,
    /// A noisy observation of the value (value agents), as `Event::Observe` delivers it.
    Observe,
}

/// One population's Hawkes arrival process (`arrivals = { kind = "hawkes", … }`): the events of
/// one process for the whole population, each given to one of its agents uniformly at random.
/// Streams `arrivals/{key}/{group}/times` and `…/picks`.
pub(super) struct ArrivalSource {
    process: HawkesProcess,
    picks: Stream,
    first: u32,
    count: u32,
    pub(super) delivery: Delivery,
}

impl ArrivalSource {
    pub(super) fn next_time(&mut self) -> Option<SimTime> {
        let s = self.process.next_event_s();
        (s.is_finite() && s < 1e9).then(|| SimTime::ZERO + Duration((s * 1e9).round() as u64))
    }

    pub(super) fn pick(&mut self) -> u32 {
        use rand::RngExt;
        self.first + self.picks.random_range(0..self.count)
    }
}

/// The private information an informed trader receives, with its own streams.
pub(super) struct Informed {
    pub(super) signal: Option<SignalConfig>,
    pub(super) signal_noise: Stream,
    /// Gap law and noise standard deviation of private observations, when enabled.
    pub(super) observe: Option<(Exp<f64>, f64)>,
    pub(super) observe_clock: Stream,
    pub(super) observe_noise: Stream,
    /// False when its observations come from its population's Hawkes process.
    pub(super) own_clock: bool,
}

/// One agent of the run, with everything the event loop keeps about it.
pub(super) struct Slot {
    pub(super) agent: AnyAgent,
    pub(super) info: AgentInfo,
    pub(super) wire: AgentWire,
    pub(super) order_seq: u32,
    pub(super) wants_news: bool,
    /// Boxed: only informed traders have one, and a slot's size is what a callback's cache
    /// misses pay for (the other 1,000-odd slots of an rmsc04-like day would carry 1 KB each).
    pub(super) informed: Option<Box<Informed>>,
    /// Told the true value at time 0 and at every change (sequential traders).
    pub(super) knows_value: bool,
    pub(super) sight: Sight,
}

/// A run's agents, as [`build`] makes them from its scenario.
pub(super) struct Agents {
    pub(super) slots: Vec<Slot>,
    /// The Hawkes arrival processes of the populations that have one, in population order.
    pub(super) arrivals: Vec<ArrivalSource>,
}

/// One population's arrivals when they come from a Hawkes process: how each event reaches the
/// agent picked, and the population's total rate per second from one group.
type HawkesArrivals<C> = Option<(Delivery, fn(&Population<C>) -> f64)>;

/// Arrivals from a Hawkes process, delivered by `delivery`, at `rate` per group.
fn hawkes<C>(delivery: Delivery, rate: fn(&Population<C>) -> f64) -> HawkesArrivals<C> {
    Some((delivery, rate))
}

/// Makes the agents of `sc` in their id order, with their streams from `seed`; `initial` is the
/// value everybody knows at time 0.
pub(super) fn build(
    sc: &Scenario,
    seed: &RepetitionSeed,
    leakage: &LeakagePolicy,
    initial: f64,
) -> Agents {
    let mut b = Builder {
        seed,
        leakage,
        // Sized once: a slot is several kilobytes (its agent, wire and streams), and growing
        // the vector by doubling copied them all (a fifth of setting up an rmsc04-like run).
        slots: Vec::with_capacity(usize::try_from(sc.agent_count()).unwrap_or(0)),
        arrivals: Vec::new(),
    };
    let root = |key: &str, i: u32| seed.stream(&format!("agent/{key}/{i}"));
    let a = &sc.agents;
    let horizon_s = sc.horizon().as_secs_f64();
    b.population(
        &a.market_maker,
        "market_maker",
        Role::MarketMaker,
        0,
        None,
        |_, g, _| {
            let mm = MarketMaker::new(g.params.clone(), initial);
            (AnyAgent::MarketMaker(mm), None)
        },
    );
    b.population(
        &a.informed,
        "informed",
        Role::Informed,
        0,
        None,
        |i, g, _| {
            let c = &g.params;
            let root = root(Role::Informed.as_str(), i);
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
            (agent, Some(Box::new(informed)))
        },
    );
    b.population(
        &a.noise,
        "noise",
        Role::Noise,
        0,
        hawkes(Delivery::Wake, |g| f64::from(g.count) * g.params.rate_per_s),
        |i, g, driven| {
            let mut trader =
                NoiseTrader::new(g.params.clone(), &root(Role::Noise.as_str(), i), initial);
            if driven {
                trader = trader.driven_externally();
            }
            (AnyAgent::Noise(trader), None)
        },
    );
    b.population(
        &a.arbitrageur,
        "arbitrageur",
        Role::Arbitrageur,
        0,
        None,
        |_, g, _| {
            let agent = AnyAgent::Arbitrageur(LatencyArbitrageur::new(g.params.clone(), initial));
            (agent, None)
        },
    );
    // The populations after the original four share a role with one of them and are indexed
    // within that role after the ones before them; their streams are their own (a fixed-spread
    // provider is a `market_maker` by role but draws from `latency/fixed_spread/{i}`).
    let n = |count: u64| count as u32;
    let market_makers = n(count(&a.market_maker));
    b.population(
        &a.bayesian_dealer,
        "bayesian_dealer",
        Role::MarketMaker,
        market_makers,
        None,
        |_, g, _| {
            (
                AnyAgent::BayesianDealer(BayesianDealer::new(g.params)),
                None,
            )
        },
    );
    let informed = n(count(&a.informed));
    b.population(
        &a.sequential_trader,
        "sequential_trader",
        Role::Informed,
        informed,
        None,
        |i, g, _| {
            let agent = SequentialTrader::new(g.params, &root("sequential_trader", i));
            (AnyAgent::Sequential(agent), None)
        },
    );
    // Fixed-spread providers are market makers by role, indexed within the role after the
    // `[agents.market_maker]` ones and the Bayesian dealers.
    let market_makers = market_makers + n(count(&a.bayesian_dealer));
    b.population(
        &a.fixed_spread,
        "fixed_spread",
        Role::MarketMaker,
        market_makers,
        None,
        |_, g, _| {
            let agent = FixedSpreadProvider::new(g.params.clone(), initial);
            (AnyAgent::FixedSpread(agent), None)
        },
    );
    // Poisson takers are noise traders by role, indexed within it after the `[agents.noise]`
    // ones.
    let noise = n(count(&a.noise));
    b.population(
        &a.poisson_taker,
        "poisson_taker",
        Role::Noise,
        noise,
        None,
        |i, g, _| {
            let agent = PoissonTaker::new(g.params, &root("poisson_taker", i));
            (AnyAgent::PoissonTaker(agent), None)
        },
    );
    // The ABIDES-style background populations, each indexed within its role after all the
    // above: value agents are informed (noisy observations at Poisson times, delivered by the
    // simulator like an informed trader's), momentum agents noise traders, ladder makers market
    // makers.
    let informed = informed + n(count(&a.sequential_trader));
    b.population(
        &a.value,
        "value",
        Role::Informed,
        informed,
        hawkes(Delivery::Observe, |g| {
            f64::from(g.count) * g.params.arrival_rate_per_s
        }),
        |i, g, driven| {
            let r = root("value", i);
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
            (agent, Some(Box::new(informed)))
        },
    );
    let noise = noise + n(count(&a.poisson_taker));
    b.population(
        &a.momentum,
        "momentum",
        Role::Noise,
        noise,
        hawkes(Delivery::Wake, |g| {
            f64::from(g.count) / g.params.wake_mean_s
        }),
        |i, g, driven| {
            let mut m = MomentumAgent::new(g.params, &root("momentum", i));
            if driven {
                m = m.driven_externally();
            }
            (AnyAgent::Momentum(m), None)
        },
    );
    let market_makers = market_makers + n(count(&a.fixed_spread));
    b.population(
        &a.ladder_market_maker,
        "ladder_market_maker",
        Role::MarketMaker,
        market_makers,
        hawkes(Delivery::Wake, |g| {
            f64::from(g.count) / g.params.wake_mean_s
        }),
        |i, g, driven| {
            let mut m = LadderMarketMaker::new(g.params, &root("ladder_market_maker", i), initial);
            if driven {
                m = m.driven_externally();
            }
            (AnyAgent::LadderMaker(m), None)
        },
    );
    // Metaorder traders are noise traders by role, indexed within it after the momentum agents.
    let noise = noise + n(count(&a.momentum));
    b.population(
        &a.metaorder,
        "metaorder",
        Role::Noise,
        noise,
        hawkes(Delivery::Wake, |g| {
            f64::from(g.count) * g.params.parent_rate_per_s
        }),
        |i, g, driven| {
            let m = MetaorderTrader::new(g.params, &root("metaorder", i), !driven);
            (AnyAgent::Metaorder(m), None)
        },
    );
    Agents {
        slots: b.slots,
        arrivals: b.arrivals,
    }
}

/// The agents made so far.
struct Builder<'a> {
    seed: &'a RepetitionSeed,
    leakage: &'a LeakagePolicy,
    slots: Vec<Slot>,
    arrivals: Vec<ArrivalSource>,
}

impl Builder<'_> {
    /// Adds every agent of population `key` (all its groups, in file order), indexed within
    /// `role` from `first_index`; `make` makes agent `i` of the key from its group (and whether
    /// its group's arrivals are driven by a Hawkes process). A group whose `arrivals` are
    /// Hawkes gets one [`ArrivalSource`], made right after its first agent, when the population
    /// has `hawkes` arrivals at all.
    fn population<C>(
        &mut self,
        p: &Option<Populations<C>>,
        key: &str,
        role: Role,
        first_index: u32,
        hawkes: HawkesArrivals<C>,
        mut make: impl FnMut(u32, &Population<C>, bool) -> (AnyAgent, Option<Box<Informed>>),
    ) {
        let members = groups(p)
            .enumerate()
            .flat_map(|(gi, g)| (0..g.count).map(move |k| (gi, k == 0, g)))
            .zip(0u32..);
        for ((gi, first, g), i) in members {
            let driven = !g.arrivals.is_poisson();
            let (agent, informed) = make(i, g, driven);
            let id = self.add(role, (key, i), first_index + i, g, agent, informed);
            if let Some((delivery, rate)) = hawkes
                && first
            {
                let source = self.hawkes_source(key, gi, id, g, rate(g), delivery);
                self.arrivals.extend(source);
            }
        }
    }

    /// Adds one agent, with role `role` and index `index` within it, of group `g`. `key` names
    /// its streams (`latency/{key}/{i}`, `agent/{key}/{i}`, `i` its index within the key): the
    /// role for the original four populations, the TOML key for the others, so that two
    /// populations of one role never share a stream.
    fn add<C>(
        &mut self,
        role: Role,
        key: (&str, u32),
        index: u32,
        g: &Population<C>,
        agent: AnyAgent,
        informed: Option<Box<Informed>>,
    ) -> u32 {
        let id = AgentId(self.slots.len() as u32);
        let wire = AgentWire::with_root(
            id,
            &g.latency,
            &self.seed.stream(&format!("latency/{}/{}", key.0, key.1)),
        );
        // Sequential traders and Poisson takers are told the value by type; any other
        // population when its `knows_value` is set.
        let knows_value =
            g.knows_value || matches!(agent, AnyAgent::Sequential(_) | AnyAgent::PoissonTaker(_));
        // Public news reaches every trader, each after its own market-data latency (what it
        // does with it is its own rule): a slow trader's resting orders go stale for longer,
        // which is what a sniper races against.
        let wants_news = true;
        self.slots.push(Slot {
            agent,
            info: AgentInfo { id, role, index },
            wire,
            order_seq: 0,
            wants_news,
            informed,
            knows_value,
            sight: Sight::of(self.leakage, id, role),
        });
        id.0
    }

    /// The Hawkes process of group `group` of population `key` (`None` for Poisson arrivals):
    /// the group's agents from `first`, at `rate` per second in all; streams
    /// `arrivals/{key}/{group}/…`.
    fn hawkes_source<C>(
        &self,
        key: &str,
        group: usize,
        first: u32,
        g: &Population<C>,
        rate: f64,
        delivery: Delivery,
    ) -> Option<ArrivalSource> {
        let params = g.arrivals.hawkes(rate)?;
        let s = self.seed.stream(&format!("arrivals/{key}/{group}"));
        Some(ArrivalSource {
            process: HawkesProcess::new(params, s.child("times")),
            picks: s.child("picks"),
            first,
            count: g.count,
            delivery,
        })
    }
}

/// The groups of an optional role, in file order.
pub(super) fn groups<C>(p: &Option<Populations<C>>) -> impl Iterator<Item = &Population<C>> {
    p.iter().flat_map(|p| p.groups.iter())
}

/// The number of agents of an optional role.
fn count<C>(p: &Option<Populations<C>>) -> u64 {
    p.as_ref().map_or(0, Populations::count)
}
