//! Metrics of one run: `metrics::compute` on the run log of the default scenario (300 s) and of
//! the rmsc04-like day, in kernel events of the run per second (the log is made before timing).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use proteus::metrics;
use proteus::scenario::Scenario;
use proteus::sim::{RunOptions, run};
use std::hint::black_box;
use std::path::Path;

fn bench_metrics(c: &mut Criterion) {
    let default = Scenario::default_scenario();
    let rmsc04 = Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/rmsc04-like.toml"),
    )
    .expect("shipped scenario");
    let mut group = c.benchmark_group("metrics");
    for (name, sc) in [("default_300s", &default), ("rmsc04_like_day", &rmsc04)] {
        let log = run(sc, 0, RunOptions::default());
        group.throughput(Throughput::Elements(log.events_processed));
        group.bench_function(name, |b| {
            b.iter(|| black_box(metrics::compute(black_box(&log)).expect("valid log")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_metrics);
criterion_main!(benches);
