//! What a user waits for: one whole run, event logging off.
//!
//! `default_300s` is the built-in default scenario (5 simulated minutes); `rmsc04_like_day` is a
//! 6.5-hour day of the ABIDES-sized market. Throughput is reported in kernel events per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use proteus::scenario::Scenario;
use proteus::sim::{RunOptions, run};
use std::hint::black_box;
use std::path::Path;

fn whole_runs(c: &mut Criterion) {
    let default = Scenario::default_scenario();
    let rmsc04 = Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/rmsc04-like.toml"),
    )
    .expect("shipped scenario");
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    for (name, sc) in [("default_300s", &default), ("rmsc04_like_day", &rmsc04)] {
        let events = run(sc, 0, RunOptions::default()).events_processed;
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| {
            b.iter(|| black_box(run(black_box(sc), 0, RunOptions::default())))
        });
    }
    group.finish();
}

criterion_group!(benches, whole_runs);
criterion_main!(benches);
