//! Hot loops of the continuous limit order book, in operations (requests) per second.
//!
//! * `insert`: non-crossing limit orders spread over 50 levels a side.
//! * `cancel`: cancels of every order of a 10 000-order book, in a shuffled order.
//! * `match`: marketable orders of 1 to 30 lots eating through a deep book.
//! * `mixed`: a seeded stream of 60% adds near the touch, 30% cancels of resting orders and 10%
//!   marketable orders (IOC and market), replayed on a pre-filled book.
//!
//! The request streams are built before timing starts, and every timed iteration starts from a
//! fresh book built outside the timing, so only `Clob::handle` is measured.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use proteus::core::{AgentId, OrderId};
use proteus::mechanisms::{
    Clob, ClobConfig, NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use std::hint::black_box;

const N: usize = 10_000;
const TRADERS: u32 = 16;

fn limit(id: u64, trader: u32, side: Side, price: Price, qty: Qty, tif: TimeInForce) -> Request {
    Request::New(NewOrder {
        id: OrderId(id),
        trader: AgentId(trader),
        side,
        qty,
        kind: OrderKind::Limit { price, tif },
    })
}

/// `n` resting orders: bids at 950..1000, asks at 1001..1051, random sizes and traders.
fn passive_orders(rng: &mut ChaCha8Rng, first_id: u64, n: usize) -> Vec<Request> {
    (0..n as u64)
        .map(|i| {
            let side = if rng.random::<bool>() {
                Side::Buy
            } else {
                Side::Sell
            };
            let depth = rng.random_range(0..50);
            let price = match side {
                Side::Buy => 1000 - depth,
                Side::Sell => 1001 + depth,
            };
            let trader = rng.random_range(0..TRADERS);
            limit(
                first_id + i,
                trader,
                side,
                price,
                rng.random_range(1..=10),
                TimeInForce::Gtc,
            )
        })
        .collect()
}

fn config() -> ClobConfig {
    // Benchmarks measure matching, not self-trade prevention stopping it.
    ClobConfig {
        self_trade: proteus::mechanisms::SelfTradePrevention::Allow,
        ..ClobConfig::default()
    }
}

fn book_with(requests: &[Request]) -> Clob {
    let mut book = Clob::new(config());
    let mut out = Vec::with_capacity(64);
    for &r in requests {
        out.clear();
        book.handle(r, &mut out);
    }
    book
}

/// Sends every request, reusing one output buffer; returns the outputs seen so that nothing is
/// optimised away.
fn replay(book: &mut Clob, requests: &[Request]) -> usize {
    let mut out: Vec<Output> = Vec::with_capacity(256);
    let mut seen = 0;
    for &r in requests {
        out.clear();
        book.handle(r, &mut out);
        seen += out.len();
    }
    seen
}

fn bench_insert(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let adds = passive_orders(&mut rng, 0, N);
    let mut group = c.benchmark_group("clob");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("insert", |b| {
        b.iter_batched(
            || Clob::new(config()),
            |mut book| {
                black_box(replay(&mut book, &adds));
                book
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bench_cancel(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let adds = passive_orders(&mut rng, 0, N);
    let mut cancels: Vec<Request> = adds
        .iter()
        .map(|r| Request::Cancel {
            id: r.order_id(),
            trader: r.trader(),
        })
        .collect();
    for i in (1..cancels.len()).rev() {
        cancels.swap(i, rng.random_range(0..=i));
    }
    let mut group = c.benchmark_group("clob");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("cancel", |b| {
        b.iter_batched(
            || book_with(&adds),
            |mut book| {
                black_box(replay(&mut book, &cancels));
                book
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bench_match(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    // 10 000 asks of 10 lots over 100 levels: 100 000 lots.
    let asks: Vec<Request> = (0..N as u64)
        .map(|i| {
            let price = 1001 + rng.random_range(0..100);
            limit(
                i,
                rng.random_range(0..TRADERS),
                Side::Sell,
                price,
                10,
                TimeInForce::Gtc,
            )
        })
        .collect();
    // Takers of 1..=30 lots (15.5 on average): about 6 400 of them empty the book.
    let mut takers = Vec::new();
    let mut lots = 0;
    while lots < 100_000 - 30 {
        let qty = rng.random_range(1..=30);
        lots += qty;
        let id = (N + takers.len()) as u64;
        let trader = TRADERS + rng.random_range(0..TRADERS);
        takers.push(if rng.random_range(0..4) == 0 {
            Request::New(NewOrder {
                id: OrderId(id),
                trader: AgentId(trader),
                side: Side::Buy,
                qty,
                kind: OrderKind::Market,
            })
        } else {
            limit(id, trader, Side::Buy, 1100, qty, TimeInForce::Ioc)
        });
    }
    let mut group = c.benchmark_group("clob");
    group.throughput(Throughput::Elements(takers.len() as u64));
    group.bench_function("match", |b| {
        b.iter_batched(
            || book_with(&asks),
            |mut book| {
                black_box(replay(&mut book, &takers));
                book
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// A pre-fill and a stream of `n` requests generated against a live book, so that cancels name
/// orders that are resting at that moment.
fn mixed_stream(n: usize) -> (Vec<Request>, Vec<Request>) {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let prefill = passive_orders(&mut rng, 0, 2_000);
    let mut book = book_with(&prefill);
    let mut next_id = prefill.len() as u64;
    let mut resting: Vec<(OrderId, AgentId)> =
        prefill.iter().map(|r| (r.order_id(), r.trader())).collect();
    let mut stream = Vec::with_capacity(n);
    let mut out = Vec::new();
    while stream.len() < n {
        let roll = rng.random_range(0..100);
        let request = if roll < 30 && !resting.is_empty() {
            let (id, trader) = resting.swap_remove(rng.random_range(0..resting.len()));
            Request::Cancel { id, trader }
        } else {
            let side = if rng.random::<bool>() {
                Side::Buy
            } else {
                Side::Sell
            };
            let (bid, ask) = (
                book.best_bid().map_or(1000, |(p, _)| p),
                book.best_ask().map_or(1001, |(p, _)| p),
            );
            let trader = rng.random_range(0..TRADERS);
            let qty = rng.random_range(1..=10);
            next_id += 1;
            let id = next_id;
            if roll < 90 {
                let away = rng.random_range(0..5);
                let price = match side {
                    Side::Buy => (ask - 1 - away).max(1),
                    Side::Sell => bid + 1 + away,
                };
                resting.push((OrderId(id), AgentId(trader)));
                limit(id, trader, side, price, qty, TimeInForce::Gtc)
            } else if roll < 95 {
                let price = match side {
                    Side::Buy => ask + 2,
                    Side::Sell => (bid - 2).max(1),
                };
                limit(id, trader, side, price, qty, TimeInForce::Ioc)
            } else {
                Request::New(NewOrder {
                    id: OrderId(id),
                    trader: AgentId(trader),
                    side,
                    qty,
                    kind: OrderKind::Market,
                })
            }
        };
        out.clear();
        book.handle(request, &mut out);
        stream.push(request);
    }
    (prefill, stream)
}

fn bench_mixed(c: &mut Criterion) {
    let (prefill, stream) = mixed_stream(100_000);
    let mut group = c.benchmark_group("clob");
    group.throughput(Throughput::Elements(stream.len() as u64));
    group.bench_function("mixed", |b| {
        b.iter_batched(
            || book_with(&prefill),
            |mut book| {
                black_box(replay(&mut book, &stream));
                book
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_insert,
    bench_cancel,
    bench_match,
    bench_mixed
);
criterion_main!(benches);
