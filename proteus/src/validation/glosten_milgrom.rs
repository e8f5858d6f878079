//! Glosten–Milgrom (1985): sequential trade with a Bayesian dealer.
//!
//! Setting in Proteus terms (`docs/validation.md`): every repetition is one run of the scenario
//! simulator, `sim::run`, on the scenario file `scenarios/validation/glosten_milgrom_scenario.toml`
//! with the point's θ, μ, V_L and V_H put in (and its id and seed set from the case, so each point
//! has its own repetition seeds). In that scenario the value is `fundamental.kind = "binary"`
//! (high with probability θ, drawn once per run from the run's `fundamental` stream), a
//! [`crate::agents::BayesianDealer`] (`[agents.bayesian_dealer]`) rests one lot on each side of
//! the CLOB at its quotes rounded outward to the tick, and a
//! [`crate::agents::SequentialTrader`] (`[agents.sequential_trader]`), told the value by the
//! simulator, sends one one-lot market order per period: informed with probability μ (it then
//! trades toward the value), else a fair coin. All latencies are zero (GM's market has none);
//! the tick is 10⁻⁶ of a price unit (`ticks_per_unit`), far below every CI here.
//!
//! Everything is read from the run's [`RunLog`]: the value (`fundamental`), the dealer's account,
//! the fills, and the dealer's quotes on the book (`quotes`, the top of book after each change),
//! from which the dealer's belief after each trade is read back by inverting its quote rule. So
//! the posterior error is what the dealer did, not recomputed here: a dealer that never learns
//! leaves it exactly unchanged, one that updates on the wrong side makes it grow.
//!
//! Checks per point: the dealer's first quotes against the closed form (1e-12, the agent's own
//! real-valued quotes) and on the book (to the tick); at θ = 1/2 the spread `μ(V_H − V_L)`; the
//! dealer's mean profit per run 0; the traders' mean profit in period 1 on trades on the value's
//! side; the posterior error falls over the run, and falls faster for larger μ (at
//! `compare_period`, Welch difference between adjacent μ at the same θ).

use super::{Check, Lines, Mutant, Repetitions, ValidationError, parse, require};
use crate::agents::{BayesianDealer, BayesianDealerConfig, DealerLearning, Quote};
use crate::core::{Role, SimTime};
use crate::mechanisms::Side;
use crate::scenario::Scenario;
use crate::sim::{RunLog, RunOptions};
use crate::stats::Contrast;
use rayon::prelude::*;
use serde::Deserialize;

pub const CASE: &str = "glosten_milgrom";
pub(crate) const FILE: &str = "scenarios/validation/glosten_milgrom.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/glosten_milgrom.toml");
/// The scenario every repetition runs (with the point's parameters put in).
pub const SCENARIO_FILE: &str = "scenarios/validation/glosten_milgrom_scenario.toml";
pub const SCENARIO_TEXT: &str =
    include_str!("../../../scenarios/validation/glosten_milgrom_scenario.toml");

/// Most periods a case file may ask for.
const MAX_PERIODS: usize = 100_000;
/// Most repetitions per point.
const MAX_REPETITIONS: u64 = 10_000_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[allow(dead_code)]
    case: String,
    seed: u64,
    /// Book ticks per price unit (the CLOB trades integer ticks).
    ticks_per_unit: f64,
    periods: usize,
    compare_period: usize,
    repetitions: Repetitions,
    points: Vec<Point>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    v_low: f64,
    v_high: f64,
    theta: f64,
    mu: f64,
}

impl CaseFile {
    /// Range checks of every field: an error names the field and what is allowed.
    fn check(&self, file: &str) -> Result<(), ValidationError> {
        let tpu = self.ticks_per_unit;
        require(
            file,
            tpu.is_finite() && (1.0..=1e9).contains(&tpu),
            "ticks_per_unit",
            tpu,
            "must be in [1, 1e9]",
        )?;
        require(
            file,
            (1..=MAX_PERIODS).contains(&self.periods),
            "periods",
            self.periods,
            "must be in [1, 100000]",
        )?;
        require(
            file,
            (1..=self.periods).contains(&self.compare_period),
            "compare_period",
            self.compare_period,
            &format!("must be in [1, periods = {}]", self.periods),
        )?;
        for (field, n) in [
            ("repetitions.quick", self.repetitions.quick),
            ("repetitions.full", self.repetitions.full),
        ] {
            require(
                file,
                (2..=MAX_REPETITIONS).contains(&n),
                field,
                n,
                "must be in [2, 10000000] (a CI needs two repetitions)",
            )?;
        }
        require(
            file,
            !self.points.is_empty(),
            "points",
            "[]",
            "must hold at least one point",
        )?;
        for (i, p) in self.points.iter().enumerate() {
            let f = |name: &str| format!("points[{i}].{name}");
            require(
                file,
                p.v_low.is_finite() && p.v_low * tpu >= 1.0,
                &f("v_low"),
                p.v_low,
                "must be finite and at least one tick (v_low * ticks_per_unit >= 1)",
            )?;
            require(
                file,
                p.v_high.is_finite() && p.v_high > p.v_low && p.v_high * tpu <= 1e15,
                &f("v_high"),
                p.v_high,
                "must be finite, above v_low and at most 1e15 ticks",
            )?;
            require(
                file,
                p.theta > 0.0 && p.theta < 1.0,
                &f("theta"),
                p.theta,
                "must be in (0, 1)",
            )?;
            require(
                file,
                p.mu > 0.0 && p.mu < 1.0,
                &f("mu"),
                p.mu,
                "must be in (0, 1)",
            )?;
        }
        Ok(())
    }
}

impl Point {
    fn label(&self) -> String {
        format!("theta={} mu={}", self.theta, self.mu)
    }

    /// The dealer's configuration, values in price units times `scale` (1: price units).
    fn dealer(&self, scale: f64, learning: DealerLearning) -> BayesianDealerConfig {
        BayesianDealerConfig {
            v_low_ticks: self.v_low * scale,
            v_high_ticks: self.v_high * scale,
            prior_high: self.theta,
            informed_prob: self.mu,
            learning,
            quote_size: 1,
        }
    }
}

/// The closed-form first quotes `(bid, ask)` of the design note.
pub fn closed_form_quotes(v_low: f64, v_high: f64, theta: f64, mu: f64) -> (f64, f64) {
    let ask = (theta * (1.0 + mu) * v_high + (1.0 - theta) * (1.0 - mu) * v_low)
        / (theta * (1.0 + mu) + (1.0 - theta) * (1.0 - mu));
    let bid = (theta * (1.0 - mu) * v_high + (1.0 - theta) * (1.0 + mu) * v_low)
        / (theta * (1.0 - mu) + (1.0 - theta) * (1.0 + mu));
    (bid, ask)
}

/// The case's scenario at point `p`: the embedded scenario file with the point's values, the
/// case's periods, and an id (an input of the repetition seeds) of its own.
fn scenario(
    cf: &CaseFile,
    p: &Point,
    learning: DealerLearning,
    file: &str,
) -> Result<Scenario, ValidationError> {
    let config = |cause| ValidationError::Config {
        file: file.to_owned(),
        cause,
    };
    let mut sc = Scenario::from_toml(SCENARIO_TEXT, SCENARIO_FILE)
        .expect("the embedded GM scenario is valid (tested)");
    let tpu = cf.ticks_per_unit;
    sc.id = format!("validation/{CASE}/{}", p.label());
    sc.seed = cf.seed;
    sc.fundamental = crate::info::FundamentalConfig::Binary {
        low_ticks: p.v_low * tpu,
        high_ticks: p.v_high * tpu,
        prob_high: p.theta,
    };
    let dealers = sc
        .agents
        .bayesian_dealer
        .as_mut()
        .expect("the GM scenario has a dealer");
    dealers.groups[0].params = p.dealer(tpu, learning);
    let traders = sc
        .agents
        .sequential_trader
        .as_mut()
        .expect("the GM scenario has a trader");
    let trader = &mut traders.groups[0].params;
    trader.informed_prob = p.mu;
    // `periods` trades at 1, 2, …, periods times the period; the run ends half a period later.
    sc.duration_s = (cf.periods as f64 + 0.5) * trader.period_ns as f64 * 1e-9;
    sc.validate().map_err(config)?;
    Ok(sc)
}

/// What one repetition leaves, read from its log.
struct Rep {
    dealer_profit: f64,
    /// The period-1 trader's profit if it traded on the value's side (0 otherwise).
    first_on_value_side: f64,
    /// |belief − 1{V high}| before period 1 and after each period, the belief read from the
    /// dealer's quotes on the book.
    error: Vec<f64>,
    /// The book's first quote, `(bid, ask)` in ticks.
    first_quote: (Option<i64>, Option<i64>),
}

/// The dealer's belief that its quote `q` stands for (its quote rule inverted): from the ask,
/// `ask = E[V | buy]`, else from the bid; NaN when it quotes neither side.
fn belief_of(q: &Quote, v_low: f64, v_high: f64, mu: f64) -> f64 {
    let share = |price: i64| ((price as f64 - v_low) / (v_high - v_low)).clamp(0.0, 1.0);
    // The posterior after a buy is p(1+μ)/(p(1+μ) + (1−p)(1−μ)); after a sell the same with μ
    // of the other sign: solved for the prior p.
    let invert = |s: f64, up: f64, down: f64| s * down / (s * down + (1.0 - s) * up);
    match (q.ask, q.bid) {
        (Some((a, _)), _) => invert(share(a), 1.0 + mu, 1.0 - mu),
        (None, Some((b, _))) => invert(share(b), 1.0 - mu, 1.0 + mu),
        (None, None) => f64::NAN,
    }
}

fn read_rep(log: &RunLog, p: &Point, cf: &CaseFile, period_ns: u64) -> Rep {
    let tpu = cf.ticks_per_unit;
    let (v_low, v_high) = (p.v_low * tpu, p.v_high * tpu);
    let role = |r: Role| {
        log.agents
            .iter()
            .find(|a| a.role == r)
            .expect("the GM scenario has a dealer and a trader")
            .id
    };
    let (dealer, trader) = (role(Role::MarketMaker), role(Role::Informed));
    let value = log.fundamental[0].1;
    let high = value == v_high;
    let truth = if high { 1.0 } else { 0.0 };
    let account = log.accounts[dealer.0 as usize];
    let dealer_profit = (account.cash as f64 + account.position as f64 * value) / tpu;
    let first_on_value_side = log
        .fills
        .iter()
        .find(|f| f.taker == trader && f.time == SimTime(period_ns))
        .filter(|f| (f.taker_side == Side::Buy) == high)
        .map_or(0.0, |f| {
            f.taker_side.sign() as f64 * f.qty as f64 * (value - f.price as f64) / tpu
        });
    // The book after period k's trade and the dealer's re-quote: the last top of book logged at
    // or before half a period later (everything of a period happens at its own nanosecond).
    let mut error = Vec::with_capacity(cf.periods + 1);
    let mut quotes = log.quotes.iter().peekable();
    let mut current = Quote::default();
    for k in 0..=cf.periods as u64 {
        let until = SimTime(k * period_ns + period_ns / 2);
        while let Some((_, q)) = quotes.next_if(|(t, _)| *t <= until) {
            current = *q;
        }
        error.push((belief_of(&current, v_low, v_high, p.mu) - truth).abs());
    }
    let first = log
        .quotes
        .iter()
        .take_while(|(t, _)| *t <= SimTime(period_ns / 2))
        .last()
        .map_or(Quote::default(), |(_, q)| *q);
    Rep {
        dealer_profit,
        first_on_value_side,
        error,
        first_quote: (first.bid.map(|b| b.0), first.ask.map(|a| a.0)),
    }
}

/// A Monte Carlo line, or a failing "not computed" line when a repetition left no value.
fn sample(
    lines: &mut Lines,
    point: &str,
    quantity: &str,
    theory: Option<f64>,
    xs: &[f64],
    check: Check,
) -> Result<(), ValidationError> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(i) => {
            let why = format!("repetition {i}: the dealer quoted neither side");
            lines.missing(point, quantity, check, why);
            Ok(())
        }
        None => lines.sample(point, quantity, theory, xs, check).map(|_| ()),
    }
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    let cf: CaseFile = parse(&r.text, &r.file)?;
    cf.check(&r.file)?;
    let learning = if r.has(Mutant::GmDealerNeverLearns) {
        DealerLearning::None
    } else if r.has(Mutant::GmDealerWrongSide) {
        DealerLearning::Inverted
    } else {
        DealerLearning::Bayes
    };
    let n = cf.repetitions.for_mode(r.mode);
    let k = cf.compare_period;
    let tick = 1.0 / cf.ticks_per_unit;
    let mut lines = Lines::new(CASE);
    let mut errors_at_k: Vec<(Point, Vec<f64>)> = Vec::new();
    for &p in &cf.points {
        let label = p.label();
        // Exact closed forms: the dealer's Bayesian quotes against the design note's formula.
        let (bid, ask) = closed_form_quotes(p.v_low, p.v_high, p.theta, p.mu);
        let d = BayesianDealer::new(p.dealer(1.0, learning));
        lines.exact(&label, "first ask", ask, d.ask(), 1e-12);
        lines.exact(&label, "first bid", bid, d.bid(), 1e-12);
        // (At θ = 1/2 the spread μ(V_H − V_L) follows from these two lines by algebra; a line
        // of its own would restate them.)
        let sc = scenario(&cf, &p, learning, &r.file)?;
        let period_ns = sc
            .agents
            .sequential_trader
            .as_ref()
            .expect("checked")
            .groups[0]
            .params
            .period_ns;
        let reps: Vec<Rep> = (0..n)
            .into_par_iter()
            .map(|rep| {
                let log = crate::sim::run(&sc, rep, RunOptions::default());
                read_rep(&log, &p, &cf, period_ns)
            })
            .collect();
        // The same first quotes resting on the CLOB (repetition 0's book before any trade),
        // rounded outward to the tick: within one tick, plus the floating-point error of
        // computing them in ticks (below a second tick).
        let (book_bid, book_ask) = reps[0].first_quote;
        let on_book = |x: Option<i64>| x.map_or(f64::NAN, |t| t as f64 * tick);
        lines.exact(
            &label,
            "first ask resting on the CLOB (to the tick)",
            ask,
            on_book(book_ask),
            2.0 * tick,
        );
        lines.exact(
            &label,
            "first bid resting on the CLOB (to the tick)",
            bid,
            on_book(book_bid),
            2.0 * tick,
        );
        let col = |f: &dyn Fn(&Rep) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
        sample(
            &mut lines,
            &label,
            "dealer profit per run",
            Some(0.0),
            &col(&|r| r.dealer_profit),
            Check::Ci,
        )?;
        // A trade on the value's side in period 1 is an informed trader's (probability μ) or an
        // uninformed one's whose coin agrees (probability (1 − μ)/2).
        let theory_first =
            (1.0 + p.mu) / 2.0 * (p.theta * (p.v_high - ask) + (1.0 - p.theta) * (bid - p.v_low));
        sample(
            &mut lines,
            &label,
            "trader profit in period 1 on the value's side",
            Some(theory_first),
            &col(&|r| r.first_on_value_side),
            Check::Ci,
        )?;
        sample(
            &mut lines,
            &label,
            &format!("posterior error at period {} - at 0", cf.periods),
            None,
            &col(&|r| r.error[cf.periods] - r.error[0]),
            Check::Directional { below: true },
        )?;
        errors_at_k.push((p, col(&|r| r.error[k])));
    }
    // Faster convergence for larger mu: adjacent mu at the same theta and values.
    for (i, (a, ea)) in errors_at_k.iter().enumerate() {
        let next = errors_at_k[i + 1..].iter().find(|(b, _)| {
            b.theta == a.theta && b.v_low == a.v_low && b.v_high == a.v_high && b.mu > a.mu
        });
        let Some((b, eb)) = next else { continue };
        let point = format!("theta={} mu={} vs {}", a.theta, b.mu, a.mu);
        let quantity = format!("posterior error at period {k}: larger mu - smaller mu");
        let check = Check::Directional { below: true };
        if ea.iter().chain(eb).any(|x| !x.is_finite()) {
            let why = "a repetition's dealer quoted neither side".to_owned();
            lines.missing(&point, &quantity, check, why);
            continue;
        }
        let c = Contrast::of(eb, ea).map_err(|cause| ValidationError::Stats {
            case: CASE.into(),
            point: point.clone(),
            quantity: "posterior error contrast".into(),
            cause,
        })?;
        let w = c.welch;
        lines.out.push(super::CaseResult::judge(
            CASE,
            &point,
            &quantity,
            None,
            super::Simulated {
                mean: w.difference.value().unwrap_or(f64::NAN),
                ci95_low: w.ci95_low.value(),
                ci95_high: w.ci95_high.value(),
                se: w.se.value(),
                n: ea.len() + eb.len(),
            },
            check,
        ));
    }
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{CaseRun, Mode};

    #[test]
    fn design_note_example() {
        let (bid, ask) = closed_form_quotes(90.0, 110.0, 0.5, 0.1);
        assert!((bid - 99.0).abs() < 1e-12 && (ask - 101.0).abs() < 1e-12);
    }

    #[test]
    fn the_case_file_parses_and_passes_its_range_checks() {
        let cf: CaseFile = parse(TEXT, FILE).unwrap();
        assert!(cf.points.len() >= 3);
        cf.check(FILE).unwrap();
        for p in &cf.points {
            scenario(&cf, p, DealerLearning::Bayes, FILE).unwrap();
        }
    }

    #[test]
    fn a_bad_point_names_its_field() {
        let text = TEXT.replacen("theta = 0.3", "theta = 1.0", 1);
        let run = CaseRun::embedded(Mode::Quick, &text, "bad.toml");
        let e = super::run(&run).unwrap_err().to_string();
        assert_eq!(
            e,
            "validation file bad.toml: field `points[3].theta` = 1: must be in (0, 1)"
        );
        let text = TEXT.replacen("compare_period = 10", "compare_period = 51", 1);
        let run = CaseRun::embedded(Mode::Quick, &text, "bad.toml");
        let e = super::run(&run).unwrap_err().to_string();
        assert!(
            e.contains("`compare_period` = 51: must be in [1, periods = 50]"),
            "{e}"
        );
    }

    #[test]
    fn the_belief_is_read_back_from_the_quotes() {
        let d = BayesianDealer::new(
            Point {
                v_low: 90.0,
                v_high: 110.0,
                theta: 0.3,
                mu: 0.2,
            }
            .dealer(1e6, DealerLearning::Bayes),
        );
        let q = |bid: Option<f64>, ask: Option<f64>| Quote {
            bid: bid.map(|b| (b.floor() as i64, 1)),
            ask: ask.map(|a| (a.ceil() as i64, 1)),
        };
        for quote in [q(Some(d.bid()), Some(d.ask())), q(Some(d.bid()), None)] {
            let b = belief_of(&quote, 90e6, 110e6, 0.2);
            assert!((b - 0.3).abs() < 1e-6, "{b}");
        }
        assert!(belief_of(&q(None, None), 90e6, 110e6, 0.2).is_nan());
    }
}
