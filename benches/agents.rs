//! One agent's step through its [`AgentCtx`], in callbacks per second, outside the event loop.
//!
//! * `noise_wake`: a noise trader of the default scenario woken by its own timers (arrivals and
//!   expiries of resting orders); its requests are collected and dropped, no reports come back.
//! * `market_maker_wake`: a market maker of the default scenario re-quoting on its timer.
//!
//! Timers go through an [`EventQueue`], as in a run, so a step is a pop, the callback and
//! scheduling what it asked for; the quote the agent sees is fixed.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use proteus::agents::{Action, Agent, AgentCtx, MarketMaker, NoiseTrader, Quote};
use proteus::core::{AgentId, EventQueue, RepetitionSeed, Role, SimTime};
use proteus::scenario::Scenario;
use std::hint::black_box;

const STEPS: usize = 10_000;

const QUOTE: Quote = Quote {
    bid: Some((9_999, 5)),
    ask: Some((10_001, 5)),
};

/// Starts `agent`, then runs `steps` of its timers; returns the requests it sent.
fn drive<A: Agent>(agent: &mut A, role: Role, steps: usize) -> usize {
    let mut queue = EventQueue::with_capacity(64);
    let mut actions: Vec<Action> = Vec::with_capacity(16);
    let mut seq = 0u32;
    let mut sent = 0;
    let mut now = SimTime::ZERO;
    let mut token = None;
    for _ in 0..=steps {
        let mut ctx = AgentCtx::new(
            now,
            AgentId(0),
            role,
            QUOTE,
            Some(10_000),
            &mut actions,
            &mut seq,
        );
        match token {
            None => agent.on_start(&mut ctx),
            Some(t) => agent.on_wake(t, &mut ctx),
        }
        for a in actions.drain(..) {
            match a {
                Action::Send(r) => sent += black_box(r).order_id().0 as usize & 1,
                Action::WakeAt(t, tok) => {
                    queue.schedule(t, tok);
                }
            }
        }
        let Some(next) = queue.pop() else { break };
        now = next.time;
        token = Some(next.event);
    }
    sent
}

fn bench_agents(c: &mut Criterion) {
    let sc = Scenario::default_scenario();
    let seed = RepetitionSeed::derive(sc.seed, &sc.id, 0);
    let noise = sc.agents.noise.as_ref().expect("default has noise").groups[0]
        .params
        .clone();
    let mm = sc
        .agents
        .market_maker
        .as_ref()
        .expect("default has makers")
        .groups[0]
        .params
        .clone();
    let mut group = c.benchmark_group("agents");
    group.throughput(Throughput::Elements(STEPS as u64));
    group.bench_function("noise_wake", |b| {
        b.iter_batched(
            || NoiseTrader::new(noise.clone(), &seed.stream("agent/noise/0"), 10_000.0),
            |mut a| black_box(drive(&mut a, Role::Noise, STEPS)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("market_maker_wake", |b| {
        b.iter_batched(
            || MarketMaker::new(mm.clone(), 10_000.0),
            |mut a| black_box(drive(&mut a, Role::MarketMaker, STEPS)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_agents);
criterion_main!(benches);
