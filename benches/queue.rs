//! The event queue, in operations per second.
//!
//! * `hold/N`: the classic hold model of discrete-event simulation: N events pending, and each
//!   operation pops the earliest and schedules one later (a pre-drawn delay), so the queue stays
//!   at N. N = 64 is about the default scenario's pending set, 2 048 the rmsc04-like day's.
//! * `fill_drain`: 10 000 events scheduled in random order, then all popped.
//!
//! Payloads are 64 bytes, the size of the simulator's events' largest variants.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use proteus::core::{EventQueue, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use std::hint::black_box;

type Payload = [u64; 8];

const OPS: usize = 100_000;

fn delays(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // A mix like a run's: mostly short latencies, some long timers.
    (0..n)
        .map(|_| {
            if rng.random_range(0..10) == 0 {
                rng.random_range(1_000_000..10_000_000_000)
            } else {
                rng.random_range(1_000..5_000_000)
            }
        })
        .collect()
}

fn filled(n: usize, delays: &[u64]) -> EventQueue<Payload> {
    let mut q = EventQueue::with_capacity(n);
    for (i, d) in delays.iter().take(n).enumerate() {
        q.schedule(SimTime(*d), [i as u64; 8]);
    }
    q
}

fn bench_hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue");
    group.throughput(Throughput::Elements(OPS as u64));
    for n in [64usize, 2_048] {
        let start = delays(n, 1);
        let steps = delays(OPS, 2);
        group.bench_function(format!("hold/{n}"), |b| {
            b.iter_batched(
                || filled(n, &start),
                |mut q| {
                    let mut sum = 0u64;
                    for d in &steps {
                        let e = q.pop().expect("the queue stays full");
                        sum = sum.wrapping_add(e.event[0]);
                        q.schedule(SimTime(e.time.0 + d), e.event);
                    }
                    black_box(sum);
                    q
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn bench_fill_drain(c: &mut Criterion) {
    let n = 10_000;
    let ds = delays(n, 3);
    let mut group = c.benchmark_group("queue");
    group.throughput(Throughput::Elements(2 * n as u64));
    group.bench_function("fill_drain", |b| {
        b.iter(|| {
            let mut q = filled(n, black_box(&ds));
            let mut sum = 0u64;
            while let Some(e) = q.pop() {
                sum = sum.wrapping_add(e.event[1]);
            }
            black_box(sum)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_hold, bench_fill_drain);
criterion_main!(benches);
