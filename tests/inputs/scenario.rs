//! Scenario files: the built-in default, the shipped files, and every way a user can get one
//! wrong (each error names the file, the field path, the value and what is allowed).

use crate::support::repo_path;
use crate::support::scenarios::{default_with, error_of};
use proteus::scenario::{DEFAULT_SCENARIO_TOML, Scenario};
use std::path::Path;

fn scenarios_dir() -> std::path::PathBuf {
    repo_path("scenarios")
}

#[test]
fn built_in_default_is_the_shipped_file() {
    let shipped = std::fs::read_to_string(scenarios_dir().join("default.toml")).unwrap();
    assert_eq!(shipped, DEFAULT_SCENARIO_TOML);
    let sc = Scenario::default_scenario();
    assert_eq!(sc.id, "default");
    assert_eq!(sc.agent_count(), 2 + 5 + 50 + 2);
}

#[test]
fn every_shipped_scenario_is_valid() {
    let mut n = 0;
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 2, "default and rmsc04-like at least");
}

#[test]
fn rmsc04_like_is_sized_like_abides_reference_market() {
    let sc = Scenario::load(&scenarios_dir().join("rmsc04-like.toml")).unwrap();
    let a = &sc.agents;
    // rmsc04's population: 1,000 noise, 102 value, 12 momentum, 2 ladder market makers.
    assert_eq!(a.noise.as_ref().unwrap().count(), 1000);
    assert_eq!(a.value.as_ref().unwrap().count(), 102);
    assert_eq!(a.momentum.as_ref().unwrap().count(), 12);
    assert_eq!(a.ladder_market_maker.as_ref().unwrap().count(), 2);
    assert!(a.informed.is_none() && a.market_maker.is_none() && a.arbitrageur.is_none());
    assert_eq!(sc.duration_s, 6.5 * 3600.0);
}

#[test]
fn out_of_range_values_name_the_field_value_and_range() {
    let cases = [
        (
            "rate_per_s = 0.5",
            "rate_per_s = -2.0",
            "scenario my.toml: `agents.noise.rate_per_s` = -2: must be in (0, 1e6]",
        ),
        (
            "duration_s = 300.0",
            "duration_s = 0.0",
            "scenario my.toml: `duration_s` = 0: must be in (0, 604800] seconds",
        ),
        (
            "marketable_prob = 0.3",
            "marketable_prob = 1.5",
            "`agents.noise.marketable_prob` = 1.5: must be in [0, 1]",
        ),
        (
            "inventory_limit = 100",
            "inventory_limit = 2",
            "`agents.market_maker.inventory_limit` = 2: must be >= quote_size",
        ),
        (
            "horizon_s = 10.0",
            "horizon_s = 10.0\nsession_end_s = -1.0",
            "`agents.market_maker.session_end_s` = -1: must be in (0, 604800] seconds",
        ),
        (
            "horizon_s = 10.0",
            "horizon_s = 10.0\nfill_decay_k = 0.0",
            "`agents.market_maker.fill_decay_k` = 0: must be finite and > 0",
        ),
        (
            "tick_size = 1",
            "tick_size = 0",
            "`market.tick_size` = 0: must be in [1, 1000000]",
        ),
        (
            "step_ns = 100_000_000",
            "step_ns = 0",
            "`fundamental.step_ns` = 0",
        ),
        (
            "rate_per_s = 0.05",
            "rate_per_s = -0.05",
            "`news.rate_per_s` = -0.05",
        ),
        (
            "latency.ack = { kind = \"constant\", ns = 1_000_000 }",
            "latency.ack = { kind = \"uniform\", min_ns = 5, max_ns = 1 }",
            "`agents.informed.latency.ack.max_ns` = 1",
        ),
        (
            "noise_std_ticks = 2.0",
            "noise_std_ticks = -1.0",
            "`agents.informed.signal.noise_std_ticks` = -1",
        ),
    ];
    for (from, to, needle) in cases {
        let e = error_of(&default_with(from, to));
        assert!(e.contains(needle), "{to}: got {e}");
    }
}

#[test]
fn unknown_and_missing_fields_are_refused() {
    let e = error_of(&default_with(
        "count = 50",
        "count = 50\nrate_per_min = 3.0",
    ));
    assert!(e.contains("my.toml") && e.contains("rate_per_min"), "{e}");
    let e = error_of(&default_with("seed = 42", "seed = 42\nsede = 1"));
    assert!(e.contains("unknown field `sede`"), "{e}");
    let e = error_of(&default_with("quote_size = 5\n", ""));
    assert!(e.contains("quote_size"), "{e}");
    let e = error_of(&default_with("kind = \"clob\"", "kind = \"dark_pool\""));
    assert!(e.contains("dark_pool"), "{e}");
    let e = error_of("this is not toml");
    assert!(e.starts_with("scenario my.toml:"), "{e}");
}

#[test]
fn arrays_of_populations_index_within_the_role() {
    let text = default_with("[agents.arbitrageur]", "[[agents.arbitrageur]]")
        + "\n[[agents.arbitrageur]]\ncount = 3\nthreshold_ticks = 1.0\nmax_size = -1\n"
        + "latency = { submit = { kind = \"constant\", ns = 1 }, ack = { kind = \"constant\", ns = 1 }, market_data = { kind = \"constant\", ns = 1 } }\n";
    let e = error_of(&text);
    assert!(e.contains("`agents.arbitrageur[1].max_size` = -1"), "{e}");
    let ok = Scenario::from_toml(&text.replace("max_size = -1", "max_size = 4"), "x").unwrap();
    assert_eq!(ok.agents.arbitrageur.unwrap().count(), 5);
}

#[test]
fn missing_file_is_named() {
    let e = Scenario::load(Path::new("/nonexistent/s.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/s.toml"), "{e}");
}

fn gm_scenario() -> String {
    std::fs::read_to_string(scenarios_dir().join("validation/glosten_milgrom_scenario.toml"))
        .unwrap()
}

#[test]
fn the_gm_agents_learning_switch_parses_and_bad_values_name_the_field() {
    let text = gm_scenario();
    assert_eq!(text.matches("learning = \"bayes\"").count(), 1);
    for (value, want) in [
        ("bayes", proteus::agents::DealerLearning::Bayes),
        ("none", proteus::agents::DealerLearning::None),
        ("inverted", proteus::agents::DealerLearning::Inverted),
    ] {
        let t = text.replace("learning = \"bayes\"", &format!("learning = \"{value}\""));
        let sc = Scenario::from_toml(&t, "gm.toml").unwrap();
        let dealer = &sc.agents.bayesian_dealer.unwrap().groups[0].params;
        assert_eq!(dealer.learning, want);
    }
    let t = text.replace("learning = \"bayes\"", "learning = \"bayesian\"");
    let e = error_of(&t);
    assert!(
        e.contains("[agents.bayesian_dealer]")
            && e.contains("`learning` = \"bayesian\": must be one of"),
        "{e}"
    );
    for (from, to, path) in [
        (
            "prior_high = 0.5",
            "prior_high = 1.0",
            "`agents.bayesian_dealer.prior_high` = 1",
        ),
        (
            "v_high_ticks = 110_000_000.0",
            "v_high_ticks = 80_000_000.0",
            "`agents.bayesian_dealer.v_high_ticks` = 80000000",
        ),
        (
            "period_ns = 1_000_000_000",
            "period_ns = 0",
            "`agents.sequential_trader.period_ns` = 0",
        ),
        (
            "prob_high = 0.5",
            "prob_high = -0.1",
            "`fundamental.prob_high` = -0.1",
        ),
    ] {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        let e = error_of(&text.replace(from, to));
        assert!(e.contains(path), "{e}");
    }
}

fn as_scenario() -> String {
    std::fs::read_to_string(scenarios_dir().join("validation/avellaneda_stoikov_scenario.toml"))
        .unwrap()
}

/// `knows_value` is a population key: parsed where the agent uses the value, refused (with the
/// field named) where it does not; the Poisson taker's fields are range-checked by path.
#[test]
fn knows_value_and_the_poisson_taker_parse_and_bad_values_name_the_field() {
    let text = as_scenario();
    let sc = Scenario::from_toml(&text, "as.toml").unwrap();
    let mm = &sc.agents.market_maker.as_ref().unwrap().groups[0];
    assert!(mm.knows_value);
    let taker = &sc.agents.poisson_taker.as_ref().unwrap().groups[0];
    assert!(
        !taker.knows_value,
        "the taker is told the value by type, not by the key"
    );
    assert_eq!(taker.params.intensity_a, 140.0);
    assert_eq!(taker.params.delta_from, proteus::agents::DeltaFrom::Current);
    // Left out of a serialised scenario when false: the taker's table has no `knows_value`.
    let json = serde_json::to_value(&sc).unwrap();
    assert_eq!(json["agents"]["market_maker"][0]["knows_value"], true);
    assert!(
        json["agents"]["poisson_taker"][0]
            .get("knows_value")
            .is_none()
    );
    for (from, to, want) in [
        (
            "knows_value = true ",
            "knows_value = 1 ",
            "`knows_value`: expected true or false",
        ),
        (
            "intensity_a = 140.0",
            "intensity_a = 0.0",
            "`agents.poisson_taker.intensity_a` = 0",
        ),
        (
            "fill_decay_k = 0.00015\ndelta_from",
            "fill_decay_k = -1.0\ndelta_from",
            "`agents.poisson_taker.fill_decay_k` = -1",
        ),
        (
            "delta_from = \"current\"",
            "delta_from = \"later\"",
            "unknown variant `later`",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let e = error_of(&text.replacen(from, to, 1));
        assert!(e.contains(want), "{to}: {e}");
    }
    // A noise trader has no use for the value: the key is refused, naming the field.
    let default = DEFAULT_SCENARIO_TOML.replacen(
        "[agents.noise]\ncount = 50\n",
        "[agents.noise]\ncount = 50\nknows_value = true\n",
        1,
    );
    assert_ne!(default, DEFAULT_SCENARIO_TOML);
    let e = error_of(&default);
    assert!(
        e.contains("`agents.noise.knows_value` = true") && e.contains("only market makers"),
        "{e}"
    );
}
