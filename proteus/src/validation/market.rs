//! Theory's directions in the full simulated market: `sim::run` on the built-in default scenario
//! with one lever moved at a time (`/work/shared/design/market-fidelity.md`, "Theory's
//! directions"; `docs/validation.md`).
//!
//! Rules:
//!
//! * **Arms.** Every arm is [`Scenario::default_scenario`] with the case file's `scenario_id` and
//!   `seed` and one lever changed (`scenarios/validation/market.toml`). Repetition r of every arm
//!   is `sim::run(arm, r)`, whose streams come from `RepetitionSeed::derive(seed, scenario_id, r)`:
//!   the same fundamental path, news and order-arrival draws in every arm (common random
//!   numbers; the mechanism and the agent counts are not inputs of the seed, and every agent
//!   draws from its own named stream). The id differs from the baseline's (`default`), so these
//!   repetitions are independent of the baseline and of the other cases. Two levers that give the
//!   same scenario share one arm. Every arm is validated like a scenario file before anything
//!   runs.
//! * **Levers.** Informed traders: the count of the first `[agents.informed]` group (as the
//!   baseline grid's `informed_count`). Market makers: the count of the first
//!   `[agents.market_maker]` group. Sniper speed: every latency of every `[agents.arbitrageur]`
//!   group scaled by a factor (`LatencyProfile::scaled`, as the grid's `latency_scale` does for
//!   every agent). FBA: `[mechanism] kind = "fba"` with the file's batch interval, and its
//!   shorter `short_batch_interval_ns` for the exposure law (sniping falls with τ). RFQ leakage:
//!   `[leakage.rfq.rfq_trade_happened] audience = "nobody"` (below). RFQ dealers asked:
//!   `rfq_dealers` = k with `dealer_pool` market makers. Tick: `[market] tick_size`.
//! * **Sniper latency claims, checked before running.** A profile's *reaction* is its market-data
//!   delay plus its submit delay (it sees the news, then its order travels). Bounds per law:
//!   constant `ns`; uniform `[min, max]`; log-normal `[0, cap]`, median `median`; Pareto
//!   `[scale, cap]`, median `scale·2^(1/shape)` (capped); a sum's median is taken as the sum of
//!   medians (a typical value, not an exact median). The `between` factor must make the snipers'
//!   slowest reaction faster than every noise trader's fastest, and their fastest slower than the
//!   market makers' typical reaction; the `slow` factor must make their fastest reaction slower
//!   than the slowest reaction of every market maker and noise trader (the liquidity providers).
//!   A factor that does not is a configuration error naming the field.
//! * **Measures** come from `metrics::compute`'s record, each through the one table [`METRICS`]
//!   (a metric, or a sum of two). A metric missing from any repetition's record is an error
//!   naming the metric, the arm and the repetition
//!   (the first such repetition); nothing is silently 0. It fails every line that reads that
//!   measure of that arm (info lines included: verdict FAIL, no mean, the error as the line's
//!   tolerance text) and leaves the other lines to be judged; a metrics error (an inconsistent
//!   log) stops the case. Where "nothing happened" is a real value the metric itself is
//!   defined: `sniping_profit_ticks` is 0, a total over an empty set, when the arbitrageurs did
//!   not trade (it is missing only with no arbitrageurs at all), and `races_500us` is a count
//!   (missing under RFQ, which has no book: the RFQ arms have no race line).
//! * **Checks.** A *paired difference* is arm B − arm A per repetition, summarised with a 95%
//!   Student t interval over repetitions ([`crate::stats::Summary`]).
//!   [`Check::Strict`](super::Check::Strict): the whole interval must lie on theory's side of 0,
//!   **anything else fails** (unlike [`Check::Directional`](super::Check::Directional), there is
//!   no "inconclusive"). [`Check::NotAbove`](super::Check::NotAbove): fails only if the whole
//!   interval is above 0 (used where theory says "none" and a loss is not a contradiction, and
//!   for "does not widen"). [`Check::IncludesZero`](super::Check::IncludesZero): the interval
//!   must contain 0. Info lines have no verdict. Every interval is at 95% on its own; these
//!   lines are not part of the Holm family (they have no theory value to test a p-value against).
//!
//! The RFQ leakage lever hides the client's side from *losing* dealers only. The side of a
//! request is one field (`rfq_side`) for both the dealers asked (at request time) and the losing
//! dealers (after the trade), so hiding `rfq_side` would also stop the asked dealers shading and
//! mix two effects. A losing dealer is told of a trade only if `rfq_trade_happened` admits it
//! (`sim` `traded_away` → `notify_field`), and the side rides on that notice; with
//! `rfq_trade_happened` shown to nobody the losing dealers learn nothing of the trade or its
//! side, while the asked dealers still see the request's side. That is Baldauf and Mollner's
//! (2021) leakage channel: what losers learn and trade on.

use super::{Check, Lines, Repetitions, ValidationError, parse};
use crate::core::MechanismKind;
use crate::core::config_error::ConfigError;
use crate::execution::{Audience, Field, LatencyDist, LatencyProfile, Visibility};
use crate::metrics::{self, MetricRecord, names};
use crate::scenario::{Cell, Scenario};
use crate::sim::{self, RunOptions};
use rayon::prelude::*;
use serde::Deserialize;

pub const CASE: &str = "market";
pub(crate) const FILE: &str = "scenarios/validation/market.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/market.toml");

/// What a line measures, per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    QuotedSpread,
    EffectiveSpread,
    /// Liquidity providers' adverse-selection cost per lot, against the fundamental 1 s later.
    LpAdverseSelectionPerLot,
    MmPnlPerLot,
    SnipingProfit,
    Races,
    /// Investors' (noise traders') cost per lot against the fundamental.
    InvestorCost,
    /// An RFQ client's cost per lot against the fundamental.
    ClientCost,
    /// The best RFQ quote against the last RFQ trade price (the documented leakage contrast).
    RfqBestQuoteCost,
    DepthAtTouch,
}

/// How a measure is read from a run's [`MetricRecord`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Formula {
    Metric(&'static str),
    Sum(&'static str, &'static str),
}

/// One row of [`METRICS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricDef {
    pub measure: Measure,
    /// The quantity's name in the table.
    pub label: &'static str,
    pub formula: Formula,
}

/// Every metric this case reads, in one place (definitions in `docs/metrics.md`). Investors are
/// the noise traders' marketable orders (`investor_effective_spread_true_ticks`, BCS's
/// investors who demand immediacy); RFQ clients' cost is every noise fill against the
/// fundamental (`noise_effective_spread_true_ticks`).
pub const METRICS: [MetricDef; 10] = [
    MetricDef {
        measure: Measure::QuotedSpread,
        label: "quoted spread (ticks)",
        formula: Formula::Metric(names::QUOTED_SPREAD_TW),
    },
    MetricDef {
        measure: Measure::EffectiveSpread,
        label: "effective spread (ticks)",
        formula: Formula::Metric(names::EFFECTIVE_SPREAD_VW),
    },
    MetricDef {
        measure: Measure::LpAdverseSelectionPerLot,
        label: "LP adverse-selection cost per lot vs fundamental 1s (ticks)",
        formula: Formula::Metric("lp_adverse_selection_per_lot_true_1s_ticks"),
    },
    MetricDef {
        measure: Measure::MmPnlPerLot,
        label: "MM PnL per lot (ticks)",
        formula: Formula::Metric(names::MM_PNL_PER_LOT),
    },
    MetricDef {
        measure: Measure::SnipingProfit,
        label: "sniping profit (ticks x lots)",
        formula: Formula::Metric("sniping_profit_ticks"),
    },
    MetricDef {
        measure: Measure::Races,
        label: "races (500us window)",
        formula: Formula::Metric("races_500us"),
    },
    MetricDef {
        measure: Measure::InvestorCost,
        label: "investors' effective spread vs fundamental (ticks)",
        formula: Formula::Metric("investor_effective_spread_true_ticks"),
    },
    MetricDef {
        measure: Measure::ClientCost,
        label: "client effective spread vs fundamental (ticks)",
        formula: Formula::Metric("noise_effective_spread_true_ticks"),
    },
    MetricDef {
        measure: Measure::RfqBestQuoteCost,
        label: "best quote vs last RFQ price (ticks)",
        formula: Formula::Metric("rfq_best_quote_cost_vw_ticks"),
    },
    MetricDef {
        measure: Measure::DepthAtTouch,
        label: "depth at the touch, bid + ask (lots)",
        formula: Formula::Sum("depth_bid_tw_lots", "depth_ask_tw_lots"),
    },
];

fn def(m: Measure) -> &'static MetricDef {
    METRICS
        .iter()
        .find(|d| d.measure == m)
        .expect("every measure has a row in METRICS")
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[allow(dead_code)]
    case: String,
    scenario_id: String,
    seed: u64,
    repetitions: Repetitions,
    informed: Counts,
    informed_rfq: InformedRfq,
    market_makers: Counts,
    snipers: Snipers,
    fba: Fba,
    rfq: Rfq,
    tick: Tick,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Counts {
    counts: Vec<u32>,
}

/// The informed lever under RFQ: how many dealers each request asks.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InformedRfq {
    dealers: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Snipers {
    latency_scale_between: f64,
    latency_scale_slow: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fba {
    batch_interval_ns: u64,
    /// A shorter interval for BCS's exposure law (longer τ → less sniping).
    short_batch_interval_ns: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rfq {
    leakage_dealers: u32,
    dealers: Vec<u32>,
    dealer_pool: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tick {
    sizes: Vec<i64>,
}

fn config_error(path: &str, value: impl std::fmt::Display, allowed: &str) -> ValidationError {
    ValidationError::Config {
        file: FILE.to_owned(),
        cause: ConfigError::new(path, value, allowed),
    }
}

fn check(
    ok: bool,
    path: &str,
    value: impl std::fmt::Display,
    allowed: &str,
) -> Result<(), ValidationError> {
    if ok {
        Ok(())
    } else {
        Err(config_error(path, value, allowed))
    }
}

/// Strictly increasing, at least two values.
fn increasing<T: PartialOrd + std::fmt::Debug>(v: &[T], path: &str) -> Result<(), ValidationError> {
    check(
        v.len() >= 2 && v.windows(2).all(|w| w[0] < w[1]),
        path,
        format!("{v:?}"),
        "needs at least two strictly increasing values",
    )
}

impl CaseFile {
    fn validate(&self) -> Result<(), ValidationError> {
        check(
            self.repetitions.quick >= 2 && self.repetitions.quick <= self.repetitions.full,
            "repetitions",
            format!("{:?}", self.repetitions),
            "quick must be >= 2 (a t interval needs two) and <= full",
        )?;
        check(
            self.repetitions.full <= 100_000,
            "repetitions.full",
            self.repetitions.full,
            "must be <= 100000",
        )?;
        check(
            self.fba.short_batch_interval_ns >= 1
                && self.fba.short_batch_interval_ns < self.fba.batch_interval_ns,
            "fba.short_batch_interval_ns",
            self.fba.short_batch_interval_ns,
            "must be >= 1 and < fba.batch_interval_ns",
        )?;
        increasing(&self.informed.counts, "informed.counts")?;
        check(
            self.informed.counts.len() == 2,
            "informed.counts",
            format!("{:?}", self.informed.counts),
            "must be two values: low, high",
        )?;
        increasing(&self.market_makers.counts, "market_makers.counts")?;
        check(
            self.market_makers.counts[0] >= 1,
            "market_makers.counts",
            format!("{:?}", self.market_makers.counts),
            "every count must be >= 1 (a spread needs a market maker)",
        )?;
        for (name, f) in [
            (
                "snipers.latency_scale_between",
                self.snipers.latency_scale_between,
            ),
            (
                "snipers.latency_scale_slow",
                self.snipers.latency_scale_slow,
            ),
        ] {
            check(
                f.is_finite() && f > 1.0 && f <= 1e6,
                name,
                f,
                "must be in (1, 1000000] (slower than the default)",
            )?;
        }
        check(
            self.snipers.latency_scale_between < self.snipers.latency_scale_slow,
            "snipers.latency_scale_between",
            self.snipers.latency_scale_between,
            "must be below snipers.latency_scale_slow",
        )?;
        check(
            (1..=1000).contains(&self.informed_rfq.dealers),
            "informed_rfq.dealers",
            self.informed_rfq.dealers,
            "must be in [1, 1000]",
        )?;
        increasing(&self.rfq.dealers, "rfq.dealers")?;
        check(
            (1..=1000).contains(&self.rfq.dealer_pool),
            "rfq.dealer_pool",
            self.rfq.dealer_pool,
            "must be in [1, 1000]",
        )?;
        check(
            self.rfq.dealers[0] >= 1 && self.rfq.dealers.iter().all(|&k| k <= self.rfq.dealer_pool),
            "rfq.dealers",
            format!("{:?}", self.rfq.dealers),
            "every k must be in [1, rfq.dealer_pool]",
        )?;
        check(
            self.rfq.leakage_dealers >= 1,
            "rfq.leakage_dealers",
            self.rfq.leakage_dealers,
            "must be >= 1",
        )?;
        increasing(&self.tick.sizes, "tick.sizes")?;
        check(
            self.tick.sizes.len() == 2,
            "tick.sizes",
            format!("{:?}", self.tick.sizes),
            "must be two values: low, high",
        )
        // The batch interval and the scenario fields are checked by `Scenario::validate` on
        // each arm.
    }
}

/// `(min, typical, max)` of one law, in ns (module docs).
fn law_bounds(d: &LatencyDist) -> (f64, f64, f64) {
    match *d {
        LatencyDist::Constant { ns } => (ns as f64, ns as f64, ns as f64),
        LatencyDist::Uniform { min_ns, max_ns } => (
            min_ns as f64,
            (min_ns as f64 + max_ns as f64) / 2.0,
            max_ns as f64,
        ),
        LatencyDist::Lognormal {
            median_ns, cap_ns, ..
        } => (0.0, median_ns.min(cap_ns) as f64, cap_ns as f64),
        LatencyDist::Pareto {
            scale_ns,
            shape,
            cap_ns,
        } => (
            scale_ns as f64,
            (scale_ns as f64 * 2f64.powf(1.0 / shape)).min(cap_ns as f64),
            cap_ns as f64,
        ),
    }
}

/// `(min, typical, max)` of a profile's reaction: market data, then submit.
fn reaction(p: &LatencyProfile) -> (f64, f64, f64) {
    let (a, b) = (law_bounds(&p.market_data), law_bounds(&p.submit));
    (a.0 + b.0, a.1 + b.1, a.2 + b.2)
}

fn profiles<C>(p: &Option<crate::scenario::Populations<C>>) -> Vec<LatencyProfile> {
    p.iter()
        .flat_map(|p| p.groups.iter())
        .filter(|g| g.count > 0)
        .map(|g| g.latency)
        .collect()
}

/// The sniper latency claims of the module docs, on the default scenario's latencies.
fn check_sniper_scales(base: &Scenario, s: &Snipers) -> Result<(), ValidationError> {
    let arbs = profiles(&base.agents.arbitrageur);
    let mms = profiles(&base.agents.market_maker);
    let noise = profiles(&base.agents.noise);
    check(
        !arbs.is_empty() && !mms.is_empty() && !noise.is_empty(),
        "snipers",
        "the default scenario",
        "needs arbitrageurs, market makers and noise traders",
    )?;
    let scaled = |f: f64| -> (f64, f64) {
        let r: Vec<_> = arbs.iter().map(|p| reaction(&p.scaled(f))).collect();
        (
            r.iter().map(|x| x.0).fold(f64::INFINITY, f64::min),
            r.iter().map(|x| x.2).fold(0.0, f64::max),
        )
    };
    let mm_typical = mms.iter().map(|p| reaction(p).1).fold(0.0, f64::max);
    let noise_fastest = noise
        .iter()
        .map(|p| reaction(p).0)
        .fold(f64::INFINITY, f64::min);
    let providers_slowest = mms
        .iter()
        .chain(&noise)
        .map(|p| reaction(p).2)
        .fold(0.0, f64::max);
    let (lo, hi) = scaled(s.latency_scale_between);
    check(
        hi < noise_fastest && lo > mm_typical,
        "snipers.latency_scale_between",
        s.latency_scale_between,
        &format!(
            "must put the snipers' reaction ({lo:.0}..{hi:.0} ns) above the market makers' typical \
             {mm_typical:.0} ns and below the noise traders' fastest {noise_fastest:.0} ns"
        ),
    )?;
    let (lo, _) = scaled(s.latency_scale_slow);
    check(
        lo > providers_slowest,
        "snipers.latency_scale_slow",
        s.latency_scale_slow,
        &format!(
            "must put the snipers' fastest reaction ({lo:.0} ns) above every liquidity provider's \
             slowest ({providers_slowest:.0} ns)"
        ),
    )
}

struct Arm {
    label: String,
    scenario: Scenario,
}

/// The arms, deduplicated: [`Arms::add`] returns the index of an equal scenario if there is one.
struct Arms(Vec<Arm>);

impl Arms {
    fn add(&mut self, label: String, scenario: Scenario) -> Result<usize, ValidationError> {
        if let Some(i) = self.0.iter().position(|a| a.scenario == scenario) {
            return Ok(i);
        }
        scenario
            .validate()
            .map_err(|cause| ValidationError::Config {
                file: format!("{FILE} (arm {label})"),
                cause,
            })?;
        self.0.push(Arm { label, scenario });
        Ok(self.0.len() - 1)
    }
}

fn set_market_makers(sc: &mut Scenario, n: u32) -> Result<(), ValidationError> {
    let first = sc
        .agents
        .market_maker
        .as_mut()
        .and_then(|p| p.groups.first_mut())
        .ok_or_else(|| {
            config_error(
                "market_makers",
                "the default scenario",
                "needs [agents.market_maker]",
            )
        })?;
    first.count = n;
    Ok(())
}

/// One line of the plan.
enum Spec {
    /// Arm `b` − arm `a`, per repetition.
    Diff {
        point: String,
        a: usize,
        b: usize,
        measure: Measure,
        check: Check,
    },
    /// Arm `arm`'s own values.
    Level {
        point: String,
        arm: usize,
        measure: Measure,
        check: Check,
    },
}

impl Spec {
    fn uses(&self) -> Vec<(usize, Measure)> {
        match *self {
            Spec::Diff { a, b, measure, .. } => vec![(a, measure), (b, measure)],
            Spec::Level { arm, measure, .. } => vec![(arm, measure)],
        }
    }
}

struct Plan {
    arms: Vec<Arm>,
    specs: Vec<Spec>,
}

fn plan(cf: &CaseFile, mutant: Option<super::Mutant>) -> Result<Plan, ValidationError> {
    let mut base = Scenario::default_scenario();
    base.id = cf.scenario_id.clone();
    base.seed = cf.seed;
    if mutant == Some(super::Mutant::MmIgnoresAdverseSelection) {
        // The planted defect: every market maker's spreads ignore the adverse selection it
        // learns (`[agents.market_maker] adverse_selection = false`).
        for g in base
            .agents
            .market_maker
            .iter_mut()
            .flat_map(|p| p.groups.iter_mut())
        {
            g.params.adverse_selection = false;
        }
    }
    check_sniper_scales(&base, &cf.snipers)?;
    let mut arms = Arms(Vec::new());
    let mut specs = Vec::new();
    let above = Check::Strict { below: false };
    let below = Check::Strict { below: true };
    let clob = arms.add("clob".into(), base.clone())?;

    // More informed flow.
    let (lo, hi) = (cf.informed.counts[0], cf.informed.counts[1]);
    let informed = |n: u32| {
        base.for_cell(&Cell {
            informed_count: Some(n),
            latency_scale: None,
        })
    };
    let a = arms.add(format!("informed={lo}"), informed(lo))?;
    let b = arms.add(format!("informed={hi}"), informed(hi))?;
    let point = format!("informed {lo} -> {hi}");
    for (measure, check) in [
        (Measure::QuotedSpread, above),
        (Measure::EffectiveSpread, above),
        (Measure::LpAdverseSelectionPerLot, above),
        (Measure::MmPnlPerLot, below),
    ] {
        specs.push(Spec::Diff {
            point: point.clone(),
            a,
            b,
            measure,
            check,
        });
    }

    // Uninformed investors pay for adverse selection (Glosten–Milgrom): under RFQ with
    // `informed_rfq.dealers` asked, where a quote's half-spread is the dealer's own (no tick
    // floor, no undercutting in the book), more informed flow must raise what the uninformed
    // investors pay against the fundamental. A maker whose spread ignores adverse selection
    // (`adverse_selection = false`) leaves it flat.
    let informed_rfq = |n: u32| {
        let mut sc = informed(n);
        sc.mechanism.kind = MechanismKind::Rfq;
        sc.mechanism.rfq_dealers = cf.informed_rfq.dealers;
        sc
    };
    let k = cf.informed_rfq.dealers;
    let a = arms.add(format!("rfq:{k} informed={lo}"), informed_rfq(lo))?;
    let b = arms.add(format!("rfq:{k} informed={hi}"), informed_rfq(hi))?;
    specs.push(Spec::Diff {
        point: format!("rfq:{k}: informed {lo} -> {hi}"),
        a,
        b,
        measure: Measure::InvestorCost,
        check: above,
    });

    // More competing market makers.
    let mut previous: Option<(u32, usize)> = None;
    for &n in &cf.market_makers.counts {
        let mut sc = base.clone();
        set_market_makers(&mut sc, n)?;
        let arm = arms.add(format!("market_makers={n}"), sc)?;
        if let Some((m, a)) = previous {
            specs.push(Spec::Diff {
                point: format!("market makers {m} -> {n}"),
                a,
                b: arm,
                measure: Measure::QuotedSpread,
                check: below,
            });
        }
        previous = Some((n, arm));
    }

    // Sniper speed (CLOB).
    let snipers = |f: f64| {
        let mut sc = base.clone();
        for g in sc
            .agents
            .arbitrageur
            .iter_mut()
            .flat_map(|p| p.groups.iter_mut())
        {
            g.latency = g.latency.scaled(f);
        }
        sc
    };
    let (fb, fs) = (
        cf.snipers.latency_scale_between,
        cf.snipers.latency_scale_slow,
    );
    let between = arms.add(format!("snipers latency x{fb}"), snipers(fb))?;
    let slow = arms.add(format!("snipers latency x{fs}"), snipers(fs))?;
    for (arm, point, check) in [
        (
            clob,
            "snipers latency x1 (faster than everyone)".to_owned(),
            Check::Info,
        ),
        (
            between,
            format!("snipers latency x{fb} (between market makers and noise traders)"),
            Check::Info,
        ),
        (
            slow,
            format!("snipers latency x{fs} (slower than every liquidity provider)"),
            Check::NotAbove,
        ),
    ] {
        specs.push(Spec::Level {
            point,
            arm,
            measure: Measure::SnipingProfit,
            check,
        });
    }
    let point = format!("snipers latency x{fb} -> x1 (faster than the market makers)");
    specs.push(Spec::Diff {
        point: point.clone(),
        a: between,
        b: clob,
        measure: Measure::SnipingProfit,
        check: above,
    });
    // The race count's fixed 500 µs window makes it fall with latency whatever the economics,
    // so it is reported, not judged, on this lever.
    specs.push(Spec::Diff {
        point,
        a: between,
        b: clob,
        measure: Measure::Races,
        check: Check::Info,
    });

    // CLOB -> FBA.
    let mut sc = base.clone();
    sc.mechanism.kind = MechanismKind::Fba;
    sc.mechanism.batch_interval_ns = cf.fba.batch_interval_ns;
    let fba_label = sc.mechanism.label();
    let fba = arms.add(fba_label.clone(), sc)?;
    let point = format!("clob -> {fba_label}");
    for (measure, check) in [
        (Measure::SnipingProfit, below),
        (Measure::Races, below),
        (Measure::InvestorCost, Check::NotAbove),
    ] {
        specs.push(Spec::Diff {
            point: point.clone(),
            a: clob,
            b: fba,
            measure,
            check,
        });
    }
    specs.push(Spec::Level {
        point: fba_label.clone(),
        arm: fba,
        measure: Measure::SnipingProfit,
        check: Check::IncludesZero,
    });
    // BCS's exposure law: a stale quote survives into a batch only when the news falls within
    // the latency gap of its end, so sniping falls with τ (the level at the short τ is the
    // gap/τ residual, reported).
    let mut sc = base.clone();
    sc.mechanism.kind = MechanismKind::Fba;
    sc.mechanism.batch_interval_ns = cf.fba.short_batch_interval_ns;
    let short_label = sc.mechanism.label();
    let short = arms.add(short_label.clone(), sc)?;
    specs.push(Spec::Level {
        point: short_label.clone(),
        arm: short,
        measure: Measure::SnipingProfit,
        check: Check::Info,
    });
    specs.push(Spec::Diff {
        point: format!("{short_label} -> {fba_label}"),
        a: short,
        b: fba,
        measure: Measure::SnipingProfit,
        check: below,
    });

    // RFQ: the losing dealers told of the trade and its side (default) -> not told.
    let mut sc = base.clone();
    sc.mechanism.kind = MechanismKind::Rfq;
    sc.mechanism.rfq_dealers = cf.rfq.leakage_dealers;
    let rfq_label = sc.mechanism.label();
    let rfq = arms.add(rfq_label.clone(), sc.clone())?;
    sc.leakage.rfq.insert(
        Field::RfqTradeHappened,
        Visibility::new(Audience::Nobody, 0),
    );
    let hidden = arms.add(format!("{rfq_label} losers not told"), sc)?;
    let point =
        format!("{rfq_label}: losing dealers see the side -> do not (rfq_trade_happened = nobody)");
    for (measure, check) in [
        (Measure::ClientCost, below),
        (Measure::RfqBestQuoteCost, Check::Info),
    ] {
        specs.push(Spec::Diff {
            point: point.clone(),
            a: rfq,
            b: hidden,
            measure,
            check,
        });
    }

    // A larger tick.
    let (t0, t1) = (cf.tick.sizes[0], cf.tick.sizes[1]);
    let tick = |t: i64| {
        let mut sc = base.clone();
        sc.market.tick_size = t;
        sc
    };
    let a = arms.add(format!("tick={t0}"), tick(t0))?;
    let b = arms.add(format!("tick={t1}"), tick(t1))?;
    for measure in [Measure::QuotedSpread, Measure::DepthAtTouch] {
        specs.push(Spec::Diff {
            point: format!("tick {t0} -> {t1}"),
            a,
            b,
            measure,
            check: above,
        });
    }

    // Info: RFQ client cost against the number of dealers asked.
    for &k in &cf.rfq.dealers {
        let mut sc = base.clone();
        set_market_makers(&mut sc, cf.rfq.dealer_pool)?;
        sc.mechanism.kind = MechanismKind::Rfq;
        sc.mechanism.rfq_dealers = k;
        let label = format!("rfq:{k} market_makers={}", cf.rfq.dealer_pool);
        let arm = arms.add(label.clone(), sc)?;
        for measure in [Measure::ClientCost, Measure::RfqBestQuoteCost] {
            specs.push(Spec::Level {
                point: label.clone(),
                arm,
                measure,
                check: Check::Info,
            });
        }
    }

    // Info: the three mechanisms side by side (RFQ has no book, so no quoted spread and no
    // race for a stale price level).
    for (arm, label, kind) in [
        (clob, "clob".to_owned(), MechanismKind::Clob),
        (short, short_label, MechanismKind::Fba),
        (fba, fba_label, MechanismKind::Fba),
        (rfq, rfq_label, MechanismKind::Rfq),
    ] {
        for measure in [
            Measure::QuotedSpread,
            Measure::EffectiveSpread,
            Measure::SnipingProfit,
            Measure::Races,
            Measure::InvestorCost,
            Measure::LpAdverseSelectionPerLot,
            Measure::MmPnlPerLot,
        ] {
            if matches!(measure, Measure::QuotedSpread | Measure::Races)
                && kind == MechanismKind::Rfq
            {
                continue;
            }
            specs.push(Spec::Level {
                point: format!("mechanisms: {label}"),
                arm,
                measure,
                check: Check::Info,
            });
        }
    }
    Ok(Plan {
        arms: arms.0,
        specs,
    })
}

/// Reads one measure from a run's record (module docs: missing is an error).
fn read(
    record: &MetricRecord,
    measure: Measure,
    arm: &str,
    repetition: u64,
) -> Result<f64, ValidationError> {
    let get = |name: &str| {
        record
            .get(name)
            .ok_or_else(|| ValidationError::MissingMetric {
                case: CASE.to_owned(),
                arm: arm.to_owned(),
                repetition,
                metric: name.to_owned(),
                reason: record
                    .missing_reason(name)
                    .unwrap_or("not in the record")
                    .to_owned(),
            })
    };
    Ok(match def(measure).formula {
        Formula::Metric(m) => get(m)?,
        Formula::Sum(a, b) => get(a)? + get(b)?,
    })
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
    // Errors name the file the case was read from (the user's, under `--points`).
    let named = |e: ValidationError| match e {
        ValidationError::Config { file, cause } => ValidationError::Config {
            file: file.replacen(FILE, &r.file, 1),
            cause,
        },
        e => e,
    };
    cf.validate().map_err(named)?;
    let plan = plan(&cf, r.mutant).map_err(named)?;
    let reps = cf.repetitions.for_mode(mode);
    // The measures each arm needs, in a fixed order.
    let mut needs: Vec<Vec<Measure>> = vec![Vec::new(); plan.arms.len()];
    for (arm, m) in plan.specs.iter().flat_map(Spec::uses) {
        needs[arm].push(m);
    }
    for n in &mut needs {
        n.sort();
        n.dedup();
    }
    // Every (arm, repetition) run in parallel, collected in index order.
    let n_arms = plan.arms.len() as u64;
    // Every (arm, repetition) run in parallel, collected in index order. A metrics error is a
    // bug and stops the case; a missing measure is kept, to fail the lines that need it.
    type Values = Vec<Result<f64, ValidationError>>;
    let values: Vec<Result<Values, ValidationError>> = (0..n_arms * reps)
        .into_par_iter()
        .map(|i| {
            let (arm, rep) = ((i / reps) as usize, i % reps);
            let a = &plan.arms[arm];
            let mut observer = metrics::MetricsObserver::new(metrics::MetricsConfig::default());
            let log = sim::run_observed(&a.scenario, rep, RunOptions::default(), &mut observer);
            let record = observer
                .finish(&log)
                .map_err(|cause| ValidationError::Metrics {
                    case: CASE.to_owned(),
                    arm: a.label.clone(),
                    repetition: rep,
                    cause: Box::new(cause),
                })?;
            Ok(needs[arm]
                .iter()
                .map(|&m| read(&record, m, &a.label, rep))
                .collect())
        })
        .collect();
    let mut table: Vec<Vec<Values>> = Vec::with_capacity(plan.arms.len());
    let mut it = values.into_iter();
    for _ in 0..plan.arms.len() {
        let mut per_rep = Vec::with_capacity(reps as usize);
        for _ in 0..reps {
            per_rep.push(it.next().expect("one result per run")?);
        }
        table.push(per_rep);
    }
    // An arm's values of one measure in repetition order, or the first repetition's error.
    let column = |arm: usize, m: Measure| -> Result<Vec<f64>, String> {
        let k = needs[arm].binary_search(&m).expect("a needed measure");
        table[arm]
            .iter()
            .map(|v| v[k].as_ref().copied().map_err(|e| e.to_string()))
            .collect()
    };
    let mut lines = Lines::new(CASE);
    for spec in &plan.specs {
        let (point, quantity, sample, check) = match spec {
            Spec::Diff {
                point,
                a,
                b,
                measure,
                check,
            } => (
                point,
                format!("{} (B - A, paired)", def(*measure).label),
                column(*a, *measure).and_then(|xa| {
                    let xb = column(*b, *measure)?;
                    Ok(xb.iter().zip(&xa).map(|(b, a)| b - a).collect::<Vec<f64>>())
                }),
                *check,
            ),
            Spec::Level {
                point,
                arm,
                measure,
                check,
            } => (
                point,
                def(*measure).label.to_owned(),
                column(*arm, *measure),
                *check,
            ),
        };
        match sample {
            Ok(x) => {
                lines.sample(point, &quantity, None, &x, check)?;
            }
            Err(why) => lines.missing(point, &quantity, check, why),
        }
    }
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> CaseFile {
        parse(TEXT, FILE).unwrap()
    }

    #[test]
    fn the_case_file_is_valid_and_every_measure_has_one_row() {
        file().validate().unwrap();
        let mut measures: Vec<Measure> = METRICS.iter().map(|d| d.measure).collect();
        measures.sort();
        measures.dedup();
        assert_eq!(measures.len(), METRICS.len());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = TEXT.replace("[fba]\n", "[fba]\nbatch = 3\n");
        let e = parse::<CaseFile>(&text, FILE).unwrap_err().to_string();
        assert!(e.contains("batch"), "{e}");
    }

    #[test]
    fn bad_levers_name_their_field() {
        let mut cf = file();
        cf.market_makers.counts = vec![2, 1];
        let e = cf.validate().unwrap_err().to_string();
        assert!(e.contains("market_makers.counts"), "{e}");

        let mut cf = file();
        cf.rfq.dealers = vec![1, 5];
        let e = cf.validate().unwrap_err().to_string();
        assert!(e.contains("rfq.dealers"), "{e}");

        // 10^4: the snipers' 1 s reaction is not surely slower than a noise trader's slowest
        // (1 s market-data cap + up to 5 ms submit).
        let mut cf = file();
        cf.snipers.latency_scale_slow = 1e4;
        let e = plan(&cf, None).err().unwrap().to_string();
        assert!(e.contains("snipers.latency_scale_slow"), "{e}");

        // x100: 10 ms, slower than the fastest noise trader (2 ms).
        let mut cf = file();
        cf.snipers.latency_scale_between = 100.0;
        let e = plan(&cf, None).err().unwrap().to_string();
        assert!(e.contains("snipers.latency_scale_between"), "{e}");

        let mut cf = file();
        cf.fba.batch_interval_ns = 0;
        let e = plan(&cf, None).err().unwrap().to_string();
        assert!(e.contains("mechanism.batch_interval_ns"), "{e}");

        let mut cf = file();
        cf.fba.short_batch_interval_ns = cf.fba.batch_interval_ns;
        let e = cf.validate().err().unwrap().to_string();
        assert!(e.contains("fba.short_batch_interval_ns"), "{e}");
    }

    #[test]
    fn reaction_bounds_by_law() {
        let p = LatencyProfile {
            submit: LatencyDist::Uniform {
                min_ns: 10,
                max_ns: 30,
            },
            ack: LatencyDist::Constant { ns: 1 },
            market_data: LatencyDist::Pareto {
                scale_ns: 100,
                shape: 1.0,
                cap_ns: 1000,
            },
        };
        assert_eq!(reaction(&p), (110.0, 220.0, 1030.0));
        let l = LatencyDist::Lognormal {
            median_ns: 50,
            sigma: 0.3,
            cap_ns: 40,
        };
        assert_eq!(law_bounds(&l), (0.0, 40.0, 40.0));
    }

    #[test]
    fn arms_share_the_seed_and_id_and_equal_arms_are_shared() {
        let p = plan(&file(), None).unwrap();
        for a in &p.arms {
            assert_eq!(a.scenario.id, "validation/market");
            assert_eq!(a.scenario.seed, 1985);
        }
        // market_makers=2 and tick=1 are the default scenario: no arm of their own.
        let labels: Vec<&str> = p.arms.iter().map(|a| a.label.as_str()).collect();
        assert!(!labels.contains(&"market_makers=2"), "{labels:?}");
        assert!(!labels.contains(&"tick=1"), "{labels:?}");
        let hidden = p
            .arms
            .iter()
            .find(|a| a.label.ends_with("losers not told"))
            .unwrap();
        assert_eq!(
            hidden.scenario.leakage.rfq.get(&Field::RfqTradeHappened),
            Some(&Visibility::new(Audience::Nobody, 0))
        );
        assert_eq!(hidden.scenario.leakage.rfq.len(), 1);
    }

    #[test]
    fn a_missing_metric_is_an_error_naming_it() {
        let record = MetricRecord::new();
        let e = read(&record, Measure::MmPnlPerLot, "clob", 7)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mm_pnl_per_lot_ticks") && e.contains("clob") && e.contains('7'),
            "{e}"
        );
        let mut record = MetricRecord::new();
        record.set("mm_pnl_per_lot_ticks", 1.5);
        assert_eq!(read(&record, Measure::MmPnlPerLot, "clob", 0).unwrap(), 1.5);
        // A sum reads both terms; a missing term is named.
        record.set("depth_bid_tw_lots", 2.0);
        let e = read(&record, Measure::DepthAtTouch, "tick=5", 3)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("depth_ask_tw_lots") && e.contains("tick=5"),
            "{e}"
        );
        record.set("depth_ask_tw_lots", 3.5);
        assert_eq!(
            read(&record, Measure::DepthAtTouch, "tick=5", 3).unwrap(),
            5.5
        );
    }
}
