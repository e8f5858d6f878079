//! The equilibrium solver on games whose equilibria are known in closed form, and (below) the
//! empirical game of the BCS speed race.

use crate::support::scratch::Scratch;
use proteus::equilibrium::game::all_profiles;
use proteus::equilibrium::{Game, RoleSpec, SolverOptions, equilibria};
use std::collections::BTreeMap;

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

fn mixtures(g: &Game) -> Vec<Vec<f64>> {
    equilibria(g, &SolverOptions::default())
        .into_iter()
        .map(|e| e.mixture[0].clone())
        .collect()
}

/// Coordination: (2, 2) on A, (1, 1) on B, 0 off the diagonal. Three symmetric equilibria:
/// all A, all B, and A with probability 1/3 (where 2p = 1 − p).
#[test]
fn coordination_game_has_both_pure_equilibria_and_the_mixed_one() {
    let g = Game::symmetric_two_player(&["a", "b"], &[vec![2.0, 0.0], vec![0.0, 1.0]]).unwrap();
    let found = mixtures(&g);
    assert_eq!(found.len(), 3, "{found:?}");
    for want in [[1.0, 0.0], [0.0, 1.0], [1.0 / 3.0, 2.0 / 3.0]] {
        assert!(
            found.iter().any(|m| close(m, &want, 1e-6)),
            "missing {want:?} in {found:?}"
        );
    }
}

/// Rock–paper–scissors (win 1, lose −1): the only equilibrium is uniform. A weighted version
/// (a win of rock over scissors pays 2) moves it off the centre: with payoffs
/// R: (0, −1, 2), P: (1, 0, −1), S: (−2, 1, 0), indifference gives (1/4, 1/2, 1/4).
#[test]
fn rock_paper_scissors_has_only_its_interior_equilibrium() {
    let rps = |w: f64| {
        Game::symmetric_two_player(
            &["rock", "paper", "scissors"],
            &[vec![0.0, -1.0, w], vec![1.0, 0.0, -1.0], vec![-w, 1.0, 0.0]],
        )
        .unwrap()
    };
    let found = mixtures(&rps(1.0));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(close(&found[0], &[1.0 / 3.0; 3], 1e-6), "{found:?}");
    let found = mixtures(&rps(2.0));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(close(&found[0], &[0.25, 0.5, 0.25], 1e-6), "{found:?}");
}

/// A prisoner's dilemma: defecting strictly dominates, so (defect, defect) is the only
/// equilibrium, although both would gain by cooperating.
#[test]
fn a_strictly_dominant_strategy_is_the_only_equilibrium() {
    let g = Game::symmetric_two_player(&["cooperate", "defect"], &[vec![3.0, 0.0], vec![5.0, 1.0]])
        .unwrap();
    let eq = equilibria(&g, &SolverOptions::default());
    assert_eq!(eq.len(), 1, "{eq:?}");
    assert_eq!(eq[0].mixture, vec![vec![0.0, 1.0]]);
    assert_eq!(eq[0].regret, 0.0);
    assert_eq!(eq[0].payoffs, vec![1.0]);
}

/// A game of many players and two roles: 4 sellers choose to enter (payoff 10 − 3·entrants
/// among sellers) or stay out (0); 2 buyers are indifferent. The symmetric equilibrium of the
/// sellers is the mixed entry probability p with E[10 − 3(1 + Binomial(3, p))] = 0, i.e.
/// 7 − 9p = 0, p = 7/9; every buyer mixture goes with it, so the check is on the sellers.
#[test]
fn many_player_entry_game_mixes_at_zero_expected_profit() {
    let roles = vec![
        RoleSpec {
            name: "seller".into(),
            players: 4,
            strategies: vec!["enter".into(), "out".into()],
        },
        RoleSpec {
            name: "buyer".into(),
            players: 2,
            strategies: vec!["x".into(), "y".into()],
        },
    ];
    let mut payoffs = BTreeMap::new();
    for p in all_profiles(&roles) {
        let entrants = f64::from(p[0][0]);
        payoffs.insert(p, vec![vec![10.0 - 3.0 * entrants, 0.0], vec![1.0, 1.0]]);
    }
    let g = Game::new(roles, payoffs).unwrap();
    let eq = equilibria(&g, &SolverOptions::default());
    assert!(!eq.is_empty());
    for e in &eq {
        assert!((e.mixture[0][0] - 7.0 / 9.0).abs() < 1e-6, "{e:?}");
        assert!(e.payoffs[0].abs() < 1e-6, "{e:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The empirical game.

use proteus::equilibrium::empirical::{
    WELFARE_METRICS, dpr_full, measure, needed_profiles, simulate, welfare_runs,
};
use proteus::equilibrium::{
    BaseScenario, DEFAULT_SCENARIO, DEFAULT_STRATEGIES, GameOptions, GameSpec,
};

/// The default game on a 5-second day, 3 firms reduced to 2, three strategies.
fn small() -> (BaseScenario, GameSpec) {
    let text = DEFAULT_SCENARIO.replace("duration_s = 100.0", "duration_s = 5.0");
    assert_ne!(text, DEFAULT_SCENARIO);
    let base = BaseScenario::from_toml(&text, "small").unwrap();
    let mut spec = GameSpec::from_toml(DEFAULT_STRATEGIES, "default").unwrap();
    spec.roles[0].players = 3;
    spec.roles[0].reduced_players = Some(2);
    spec.roles[0]
        .strategies
        .retain(|s| ["out", "provide_slow", "snipe_fast"].contains(&s.name.as_str()));
    assert_eq!(spec.roles[0].strategies.len(), 3);
    spec.repetitions = 3;
    spec.check("small").unwrap();
    spec.check_against(&base, "small").unwrap();
    (base, spec)
}

#[test]
fn deviation_preserving_reduction_scales_the_other_players() {
    let (_, spec) = small();
    // Reduced profile (out 1, provide 1, snipe 0) of 2 players; 3 full players: each reduced
    // opponent stands for (3 − 1)/(2 − 1) = 2.
    let p = vec![vec![1, 1, 0]];
    assert_eq!(dpr_full(&spec, &p, 0, 0), vec![vec![1, 2, 0]]);
    assert_eq!(dpr_full(&spec, &p, 0, 1), vec![vec![2, 1, 0]]);
    let p = vec![vec![0, 0, 2]];
    assert_eq!(dpr_full(&spec, &p, 0, 2), vec![vec![0, 0, 3]]);
    // 6 reduced profiles, each of its strategies one full profile; (1,1,0) etc. share some.
    let needed = needed_profiles(&spec);
    assert!(needed.iter().all(|f| f[0].iter().sum::<u32>() == 3));
    assert_eq!(needed.len(), 9, "{needed:?}");
}

#[test]
fn group_ranges_are_the_ids_the_simulator_gives() {
    let (base, spec) = small();
    let (sc, place) = base
        .scenario_for(&spec, &[vec![0, 2, 1]], Some("clob"))
        .unwrap();
    let log = proteus::sim::run(&sc, 0, proteus::sim::RunOptions::default());
    // Noise (the base's 3 investors) first, then the arbitrageur, then the two providers.
    let roles: Vec<_> = log.agents.iter().map(|a| a.role).collect();
    use proteus::core::Role;
    assert_eq!(
        roles,
        vec![
            Role::Noise,
            Role::Noise,
            Role::Noise,
            Role::Arbitrageur,
            Role::MarketMaker,
            Role::MarketMaker
        ]
    );
    assert_eq!(place.ids[0], vec![0..0, 4..6, 3..4]);
}

/// Trading gains are transfers: in every run the players' and the investors' gains sum to
/// zero, so total surplus is minus the speed spending, exactly up to rounding; a mis-signed
/// fill or a player counted as an investor breaks it.
#[test]
fn trading_gains_are_transfers_in_every_run() {
    let (base, spec) = small();
    for m in ["clob", "fba:100ms"] {
        for profile in [
            vec![vec![0, 1, 2]],
            vec![vec![1, 2, 0]],
            vec![vec![0, 3, 0]],
        ] {
            let (sc, place) = base.scenario_for(&spec, &profile, Some(m)).unwrap();
            let log = proteus::sim::run(&sc, 1, proteus::sim::RunOptions::default());
            assert!(!log.fills.is_empty());
            let o = measure(&log, &spec, &place, sc.duration_s);
            let [investor, spending, players, total, ..] = o.welfare;
            assert!((players - investor - total).abs() < 1e-9);
            assert!(
                (total + spending).abs() < 1e-6,
                "{m} {profile:?}: {:?}",
                o.welfare
            );
            assert!(investor > 0.0, "investors pay the spread: {:?}", o.welfare);
            let costly = f64::from(profile[0][2]);
            assert_eq!(o.welfare[6], costly);
            assert_eq!(spending, 300.0 * costly);
            // Nobody plays `out` or plays it with payoff 0.
            assert!(profile[0][0] == 0 || o.payoffs[0][0] == 0.0);
        }
    }
    assert_eq!(WELFARE_METRICS.len(), 8);
}

#[test]
fn payoffs_are_the_same_on_one_thread_and_several() {
    let (base, spec) = small();
    let run = |threads| {
        let opts = GameOptions {
            mechanisms: vec!["clob".into(), "fba:100ms".into()],
            repetitions: 3,
            threads,
        };
        let g = simulate(&base, &spec, &opts, &|_, _| {}).unwrap();
        format!("{:?}", g.payoff_cells())
    };
    assert_eq!(run(1), run(3));
    let mix = vec![vec![0.2, 0.5, 0.3]];
    let a = welfare_runs(&base, &spec, "clob", &mix, 7, 4).unwrap();
    let b = welfare_runs(&base, &spec, "clob", &mix, 7, 4).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

/// BCS (2015) in the empirical game. Under the CLOB firms buy speed and snipe at equilibrium,
/// and free entry binds: `out` is in the support, so a firm expects zero, and since trading
/// gains are transfers the investors' cost equals the speed spending (`λ_invest·δ* =
/// N*·c_speed`; the players' surplus, investors' cost minus speed spending run by run, has a
/// CI containing 0). The identity follows from free entry; what the simulation decides is that
/// entry is free here and that firms spend on speed. Under FBA nobody buys speed and nobody
/// snipes, and investors pay less than under the CLOB (paired contrast). The default game with
/// its 24 repetitions per profile, fewer welfare runs and no bootstrap.
#[test]
fn bcs_speed_game_clob_buys_speed_until_rents_are_dissipated_and_fba_buys_none() {
    let base = BaseScenario::from_toml(DEFAULT_SCENARIO, "default").unwrap();
    let mut spec = GameSpec::from_toml(DEFAULT_STRATEGIES, "default").unwrap();
    spec.welfare_repetitions = 120;
    spec.bootstrap = 0;
    spec.check("default").unwrap();
    let opts = GameOptions {
        mechanisms: vec!["clob".into(), "fba:100ms".into()],
        repetitions: spec.repetitions,
        threads: 0,
    };
    let o = proteus::equilibrium::analyse(&base, &spec, &opts, &|_, _| {}).unwrap();
    let metric = |name: &str| WELFARE_METRICS.iter().position(|m| *m == name).unwrap();
    let (costly, spending, surplus, sniping) = (
        metric("costly_players"),
        metric("speed_spending_per_s"),
        metric("player_surplus_per_s"),
        metric("sniping_gain_per_s"),
    );
    let clob = &o.equilibria[0];
    assert!(!clob.is_empty(), "no CLOB equilibrium");
    for e in clob.iter().filter(|e| e.welfare.is_some()) {
        let w = e.welfare.as_ref().unwrap();
        let low = |i: usize| w[i].ci95_low.value().unwrap();
        let high = |i: usize| w[i].ci95_high.value().unwrap();
        assert!(low(costly) > 0.0, "no speed bought under CLOB: {w:?}");
        assert!(low(sniping) > 0.0, "no sniping under CLOB: {w:?}");
        assert!(
            low(surplus) <= 0.0 && high(surplus) >= 0.0,
            "CLOB: investors' cost minus speed spending excludes 0: {:?}",
            w[surplus]
        );
    }
    let out = spec.roles[0]
        .strategies
        .iter()
        .position(|s| s.name == "out")
        .unwrap();
    assert!(
        clob[0].equilibrium.mixture[0][out] > 0.05,
        "free entry does not bind under CLOB: {:?}",
        clob[0].equilibrium
    );
    let fba = &o.equilibria[1];
    assert!(!fba.is_empty(), "no FBA equilibrium");
    for e in fba {
        let w = e.welfare.as_ref().unwrap();
        assert_eq!(
            w[spending].mean.value(),
            Some(0.0),
            "speed bought under FBA: {e:?}"
        );
        assert_eq!(
            w[sniping].mean.value(),
            Some(0.0),
            "sniping under FBA: {e:?}"
        );
    }
    let cost = proteus::equilibrium::bundle::contrasts(&o)
        .into_iter()
        .find(|c| c.metric == "investor_cost_per_s")
        .unwrap();
    assert!(
        cost.summary.ci95_high.value().unwrap() < 0.0,
        "investors do not pay less under FBA: {cost:?}"
    );
}

/// Shards of the payoff runs, merged, give the bundle one process writes, byte for byte; a
/// missing shard and a shard of another game are refused.
#[test]
fn shards_merge_into_the_single_process_bundle() {
    use proteus::equilibrium::bundle::write_bundle;
    use proteus::equilibrium::shard::{merge_shards, write_shard};
    let (base, mut spec) = small();
    spec.welfare_repetitions = 4;
    spec.bootstrap = 5;
    let opts = GameOptions {
        mechanisms: vec!["clob".into(), "fba:100ms".into()],
        repetitions: 3,
        threads: 2,
    };
    let root = Scratch::new("eq-shards");
    let one = proteus::equilibrium::analyse(&base, &spec, &opts, &|_, _| {}).unwrap();
    write_bundle(&one, &root.join("one"), false).unwrap();
    let dirs: Vec<_> = (0..3)
        .map(|k| {
            write_shard(
                &base,
                &spec,
                &opts,
                k,
                3,
                &root.join(format!("s{k}")),
                false,
                &|_, _| {},
            )
            .unwrap()
        })
        .collect();
    let game = merge_shards(&base, &spec, &opts, &dirs).unwrap();
    let merged = proteus::equilibrium::analyse_game(&base, &spec, &opts, game).unwrap();
    write_bundle(&merged, &root.join("merged"), false).unwrap();
    for f in [
        "payoffs.csv",
        "equilibria.json",
        "welfare.csv",
        "welfare_contrasts.csv",
        "manifest.json",
        "report.html",
    ] {
        let a = std::fs::read(root.join("one").join(f)).unwrap();
        let b = std::fs::read(root.join("merged").join(f)).unwrap();
        assert!(a == b, "{f} differs between one process and merged shards");
    }
    // `cargo xtask report` remakes the same report from the bundle's files.
    let before = std::fs::read(root.join("one/report.html")).unwrap();
    proteus::report::regenerate(&root.join("one")).unwrap();
    assert!(before == std::fs::read(root.join("one/report.html")).unwrap());
    let html = String::from_utf8(before).unwrap();
    for part in [
        "data-figure=\"mixtures\"",
        "data-figure=\"welfare\"",
        "id=\"payoffs\"",
    ] {
        assert!(html.contains(part), "the report lacks {part}");
    }
    // A renamed field of `equilibria.json` (its hash updated too) is refused with the file and
    // the field named, not shown as an empty cell.
    let text = std::fs::read_to_string(root.join("one/equilibria.json")).unwrap();
    let bad = text.replacen("\"scenario_id\":", "\"scenario\":", 1);
    assert_ne!(bad, text);
    std::fs::write(root.join("one/equilibria.json"), &bad).unwrap();
    let manifest = std::fs::read_to_string(root.join("one/manifest.json")).unwrap();
    let (old, new) = (
        proteus::artifacts::sha256_hex(text.as_bytes()),
        proteus::artifacts::sha256_hex(bad.as_bytes()),
    );
    std::fs::write(root.join("one/manifest.json"), manifest.replace(&old, &new)).unwrap();
    let err = proteus::report::regenerate(&root.join("one")).unwrap_err();
    assert!(
        matches!(&err, proteus::report::ReportError::Malformed { path, .. }
            if path.ends_with("equilibria.json")),
        "{err}"
    );
    assert!(
        err.to_string().contains("missing field `scenario_id`"),
        "{err}"
    );
    let err = merge_shards(&base, &spec, &opts, &dirs[..2])
        .unwrap_err()
        .to_string();
    assert!(err.contains("are in no shard given"), "{err}");
    let mut other = opts.clone();
    other.repetitions = 4;
    let err = merge_shards(&base, &spec, &other, &dirs)
        .unwrap_err()
        .to_string();
    assert!(err.contains("another game"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

/// Exact gains from a hand-made log: a jump of the value from 100 000 to 100 500 at t = 1 s;
/// a provider (agent 1) sells 2 lots to a sniper (agent 2) at 100 400 just after the jump
/// (the value in force is 100 500: the sniper gains 100 a lot), and an investor (agent 0)
/// buys 1 lot from the provider at 100 900 at t = 2 s (the provider gains 400). A fill at the
/// jump's own instant is valued after the jump.
#[test]
fn payoffs_value_each_fill_at_the_value_in_force() {
    use proteus::core::{AgentId, OrderId, Role, SimTime};
    use proteus::equilibrium::spec::Placement;
    use proteus::mechanisms::Side;
    use proteus::sim::{AgentInfo, FillRecord, RunLog};
    let (_, spec) = small(); // strategies: out, provide_slow, snipe_fast (cost 300)
    let info = |id, role| AgentInfo {
        id: AgentId(id),
        role,
        index: 0,
    };
    let fill = |t: u64, price, qty, taker, maker| FillRecord {
        time: SimTime(t),
        price,
        qty,
        taker_side: Side::Buy,
        taker: AgentId(taker),
        maker: AgentId(maker),
        taker_order: OrderId(1),
        maker_order: OrderId(2),
        quote_before: Default::default(),
    };
    let log = RunLog {
        agents: vec![
            info(0, Role::Noise),
            info(1, Role::MarketMaker),
            info(2, Role::Arbitrageur),
        ],
        fundamental: vec![(SimTime(0), 100_000.0), (SimTime(1_000_000_000), 100_500.0)],
        fills: vec![
            fill(1_000_000_000, 100_400, 2, 2, 1),
            fill(2_000_000_000, 100_900, 1, 0, 1),
        ],
        ..RunLog::default()
    };
    let place = Placement {
        ids: vec![vec![0..0, 1..2, 2..3]],
    };
    let o = measure(&log, &spec, &place, 10.0);
    // Provider: −200 + 400 over 10 s; sniper: +200 over 10 s, minus 300 a second.
    assert_eq!(o.payoffs[0][1], 20.0);
    assert_eq!(o.payoffs[0][2], 20.0 - 300.0);
    assert_eq!(o.payoffs[0][0], 0.0);
    let w = o.welfare;
    assert_eq!(w[0], 40.0); // investors' cost: 400 over 10 s
    assert_eq!(w[4], 20.0); // sniping gains
    assert_eq!(w[5], 400.0); // investors' half-spread per lot
    assert_eq!(w[7], 0.1); // investors' lots per second
}

/// Two roles: the deviator's own role scales by (N − 1)/(n − 1), the other by N/n.
#[test]
fn deviation_preserving_reduction_of_two_roles() {
    let (_, mut spec) = small();
    let mut buyers = spec.roles[0].clone();
    buyers.name = "buyer".into();
    spec.roles[0].players = 4;
    spec.roles[0].reduced_players = Some(2);
    buyers.players = 6;
    buyers.reduced_players = Some(2);
    buyers.strategies.truncate(2);
    spec.roles.push(buyers);
    spec.check("two roles").unwrap();
    let p = vec![vec![1, 1, 0], vec![1, 1]];
    // A role-0 deviator: its own role scales by (4 − 1)/(2 − 1) = 3, the other by 6/2 = 3.
    assert_eq!(dpr_full(&spec, &p, 0, 1), vec![vec![3, 1, 0], vec![3, 3]]);
    // A role-1 deviator: its own role by (6 − 1)/(2 − 1) = 5, the other by 4/2 = 2.
    assert_eq!(dpr_full(&spec, &p, 1, 0), vec![vec![2, 2, 0], vec![1, 5]]);
    // 6 players reduced to 3: (6 − 1)/(3 − 1) is not whole.
    let mut bad = spec.clone();
    bad.roles[1].reduced_players = Some(3);
    assert!(bad.check("x").is_err());
}

/// Welfare run k is repetition 2^32 + k of its profile, apart from every payoff run.
#[test]
fn welfare_runs_use_their_own_repetitions() {
    use proteus::equilibrium::empirical::{WELFARE_OFFSET, draw_profile};
    let (base, spec) = small();
    let mix = vec![vec![0.0, 1.0, 0.0]];
    let runs = welfare_runs(&base, &spec, "clob", &mix, 2015, 2).unwrap();
    for (k, r) in runs.iter().enumerate() {
        let profile = draw_profile(&spec, &mix, 2015, k as u64);
        assert_eq!(profile, vec![vec![0, 3, 0]]);
        let (sc, place) = base.scenario_for(&spec, &profile, Some("clob")).unwrap();
        let at = |rep| {
            let log = proteus::sim::run(&sc, rep, proteus::sim::RunOptions::default());
            measure(&log, &spec, &place, sc.duration_s).welfare
        };
        assert_eq!(
            format!("{r:?}"),
            format!("{:?}", at(WELFARE_OFFSET + k as u64))
        );
        assert_ne!(format!("{r:?}"), format!("{:?}", at(k as u64)));
    }
    const { assert!(WELFARE_OFFSET > 100_000, "above every payoff repetition") };
}

/// The nearest equilibrium of a perturbed game follows the perturbation: coordination with
/// (a, a) on A has its mixed equilibrium at p = 1/(1 + a).
#[test]
fn nearest_equilibrium_tracks_a_perturbed_game() {
    use proteus::equilibrium::solve::nearest;
    let g =
        |a: f64| Game::symmetric_two_player(&["a", "b"], &[vec![a, 0.0], vec![0.0, 1.0]]).unwrap();
    let e = nearest(
        &g(2.2),
        &vec![vec![1.0 / 3.0, 2.0 / 3.0]],
        &SolverOptions::default(),
    )
    .unwrap();
    assert!((e.mixture[0][0] - 1.0 / 3.2).abs() < 1e-9, "{e:?}");
    let e = nearest(&g(2.2), &vec![vec![0.0, 1.0]], &SolverOptions::default()).unwrap();
    assert_eq!(e.mixture, vec![vec![0.0, 1.0]]);
}
