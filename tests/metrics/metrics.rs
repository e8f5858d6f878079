//! Metrics of seeded runs of the default scenario.
//!
//! The snapshot pins every metric of one short run, so a change to the simulator or to a metric
//! definition shows up as a reviewed diff (`cargo insta review`).

use crate::support::repo_path;
use crate::support::scenarios::short_default;
use proteus::metrics::{self, MetricRecord};
use proteus::scenario::Scenario;
use proteus::sim::{self, RunOptions};
use std::collections::BTreeMap;

fn short_default_run(duration_s: f64, repetition: u64) -> MetricRecord {
    let log = sim::run(
        &short_default(duration_s),
        repetition,
        RunOptions::default(),
    );
    metrics::compute(&log).expect("the simulator's log is consistent")
}

#[test]
fn metrics_of_a_short_default_run() {
    let r = short_default_run(60.0, 0);
    // The per-agent table is long and adds nothing the role totals do not show.
    let pinned: BTreeMap<&str, serde_json::Value> = BTreeMap::from([
        ("schema_version", serde_json::json!(r.schema_version)),
        ("metrics", serde_json::json!(r.metrics)),
        ("missing", serde_json::json!(r.missing)),
    ]);
    insta::assert_json_snapshot!("default_scenario_60s_rep0", pinned);
}

#[test]
fn a_realistic_run_defines_every_metric_with_a_finite_value() {
    for repetition in 0..3 {
        let r = short_default_run(60.0, repetition);
        for (name, v) in &r.metrics {
            assert!(v.is_finite(), "rep {repetition}: {name} = {v}");
        }
        // Every role is present and trades in the default scenario; news and races happen.
        assert!(
            r.missing
                .keys()
                .all(|k| k == "news_half_life_mean_s" || k.starts_with("mid_return_std_")),
            "rep {repetition}: unexpectedly missing {:?}",
            r.missing
        );
        assert_eq!(r.get("accounting_total_pnl_ticks"), Some(0.0));
        assert!(r.get("trades").unwrap() > 0.0);
        let per_agent: f64 = r.pnl_by_agent.iter().map(|p| p.pnl_ticks).sum();
        assert!(per_agent.abs() < 1e-6, "rep {repetition}: {per_agent}");
    }
}

#[test]
fn the_identities_hold_on_a_simulated_run() {
    let r = short_default_run(60.0, 1);
    let get = |n: &str| r.get(n).unwrap_or_else(|| panic!("{n} missing"));
    for h in ["1s", "5s"] {
        let es = get("effective_spread_vw_ticks");
        let sum =
            get(&format!("realized_spread_{h}_ticks")) + get(&format!("price_impact_{h}_ticks"));
        assert!((es - sum).abs() < 1e-9, "{h}: {es} vs {sum}");
        let parts = get("mm_spread_capture_ticks")
            + get(&format!("mm_adverse_selection_{h}_ticks"))
            + get(&format!("mm_inventory_{h}_ticks"));
        let total = get("pnl_market_maker_ticks");
        assert!((total - parts).abs() < 1e-6, "{h}: {total} vs {parts}");
    }
}

/// The metrics computed while a run runs (`sim::run_observed` with a `MetricsObserver`, what
/// packs do) are the replay of its log (`metrics::compute`), byte for byte, for every scenario
/// file and the default under each mechanism; and the observed run keeps none of the streams.
#[test]
fn metrics_observed_during_the_run_equal_the_replay_of_its_log() {
    let root = repo_path("scenarios");
    let mut scenarios = vec![("default".to_owned(), Scenario::default_scenario())];
    for dir in [root.clone(), root.join("validation")] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for f in files {
            // Validation case files are not scenarios; only scenario files load.
            if let Ok(sc) = Scenario::load(&f) {
                scenarios.push((f.display().to_string(), sc));
            }
        }
    }
    assert!(scenarios.len() >= 6, "found {} scenarios", scenarios.len());
    let mut checked = 0;
    for (name, base) in &scenarios {
        for spec in ["clob", "fba:100ms", "rfq"] {
            let mut sc = base.clone();
            sc.duration_s = sc.duration_s.min(120.0);
            let Ok(mechanism) = sc.mechanism.with_spec(spec) else {
                continue;
            };
            sc.mechanism = mechanism;
            if sc.validate().is_err() {
                continue;
            }
            for rep in 0..2 {
                let log = sim::run(&sc, rep, RunOptions::default());
                let replayed = metrics::compute(&log).expect("the log is consistent");
                let mut observer = metrics::MetricsObserver::new(Default::default());
                let observed_log =
                    sim::run_observed(&sc, rep, RunOptions::default(), &mut observer);
                let observed = observer.finish(&observed_log).expect("observed metrics");
                assert_eq!(
                    serde_json::to_string(&observed).unwrap(),
                    serde_json::to_string(&replayed).unwrap(),
                    "{name} under {spec}, repetition {rep}"
                );
                assert_eq!(observed_log.events_processed, log.events_processed);
                assert_eq!(observed_log.accounts, log.accounts);
                assert!(
                    observed_log.fills.is_empty()
                        && observed_log.quotes.is_empty()
                        && observed_log.venue_requests.is_empty()
                        && observed_log.fundamental.is_empty()
                        && observed_log.batches.is_empty(),
                    "{name} under {spec}: an observed run keeps no streams"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "checked only {checked} runs");
}
