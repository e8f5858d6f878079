//! Glosten–Milgrom (1985): sequential trade with a Bayesian dealer.
//!
//! Setting in Proteus terms (`docs/validation.md`): each repetition draws
//! the value V (high with probability θ) from stream `value`; each period one trader arrives,
//! informed with probability μ (stream `arrivals`; an informed trader buys when V is high and
//! sells when it is low) or uninformed (buys or sells with probability 1/2, stream
//! `uninformed`) and sends a one-lot market order to the real [`Clob`]. The [`BayesianDealer`]
//! agent, driven through the `Agent` trait, rests one lot on each side at its quotes rounded
//! outward to the tick; the market order fills against it, the dealer's fill report makes it
//! update its belief by Bayes' rule and re-quote (cancel both sides, post both anew). Orders take
//! effect at once (GM's market has no latency). The tick is fine (`ticks_per_unit`, 10⁻⁶ of a
//! price unit), so rounding moves a trade price by under 10⁻⁶, far below every CI here.
//!
//! Checks per point: the dealer's first quotes against the closed form (1e-12, the agent's own
//! real-valued quotes) and the first quotes resting on the book (to the tick); at θ = 1/2 the spread
//! `μ(V_H − V_L)`; the dealer's mean profit 0; informed profit minus uninformed loss 0; the
//! expected informed profit of period 1; the posterior error falls over time and falls faster
//! for larger μ (at `compare_period`, Welch difference between adjacent μ at the same θ).

use super::{Check, Lines, Repetitions, ValidationError, parse, repetitions, uniform};
use crate::agents::{Action, Agent, AgentCtx, BayesianDealer, BayesianDealerConfig, Quote};
use crate::core::{AgentId, OrderId, Role, SimTime};
use crate::mechanisms::{Clob, ClobConfig, NewOrder, OrderKind, Output, Request, Side};
use crate::stats::Contrast;
use serde::Deserialize;

pub const CASE: &str = "glosten_milgrom";
pub(crate) const FILE: &str = "scenarios/validation/glosten_milgrom.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/glosten_milgrom.toml");

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

impl Point {
    fn label(&self) -> String {
        format!("theta={} mu={}", self.theta, self.mu)
    }
    /// The dealer with values in price units (`scale` 1) or in book ticks.
    fn dealer(&self, scale: f64) -> BayesianDealer {
        BayesianDealer::new(BayesianDealerConfig {
            v_low: self.v_low * scale,
            v_high: self.v_high * scale,
            prior_high: self.theta,
            informed_prob: self.mu,
        })
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

/// What one repetition leaves.
struct Rep {
    dealer_profit: f64,
    informed_profit: f64,
    uninformed_profit: f64,
    first_informed_profit: f64,
    /// |belief − 1{V high}| before period 0 and after each period.
    error: Vec<f64>,
}

/// The dealer (agent 0) and the CLOB: every request the dealer sends reaches the book at once,
/// and every report goes back to it (which may send more).
struct Market {
    book: Clob,
    dealer: BayesianDealer,
    seq: u32,
    actions: Vec<Action>,
    outputs: Vec<Output>,
}

const DEALER: AgentId = AgentId(0);
const TRADER: AgentId = AgentId(1);

impl Market {
    fn new(dealer: BayesianDealer) -> Market {
        let mut m = Market {
            book: Clob::new(ClobConfig::default()),
            dealer,
            seq: 0,
            actions: Vec::new(),
            outputs: Vec::new(),
        };
        m.with_dealer(|d, ctx| d.on_start(ctx));
        m
    }

    /// Runs one dealer callback and delivers what it sent, then the reports that come back.
    fn with_dealer(&mut self, f: impl FnOnce(&mut BayesianDealer, &mut AgentCtx)) {
        let quote = Quote {
            bid: self.book.best_bid(),
            ask: self.book.best_ask(),
        };
        let mut actions = std::mem::take(&mut self.actions);
        let mut ctx = AgentCtx::new(
            SimTime::ZERO,
            DEALER,
            Role::MarketMaker,
            quote,
            None,
            &mut actions,
            &mut self.seq,
        );
        f(&mut self.dealer, &mut ctx);
        let sent: Vec<Request> = actions
            .drain(..)
            .filter_map(|a| match a {
                Action::Send(r) => Some(r),
                _ => None,
            })
            .collect();
        self.actions = actions;
        for r in sent {
            self.submit(r);
        }
    }

    /// Sends `request` to the book and the dealer's reports to the dealer; returns the fills.
    fn submit(&mut self, request: Request) -> Vec<crate::mechanisms::Fill> {
        let mut outputs = std::mem::take(&mut self.outputs);
        outputs.clear();
        self.book.handle(request, &mut outputs);
        let fills = outputs
            .iter()
            .filter_map(|o| match o {
                Output::Fill(f) => Some(*f),
                _ => None,
            })
            .collect();
        let reports: Vec<Output> = outputs.iter().filter(|o| for_dealer(o)).copied().collect();
        self.outputs = outputs;
        for o in &reports {
            self.with_dealer(|d, ctx| d.on_report(o, ctx));
        }
        fills
    }
}

/// Whether the dealer gets `o` as a report.
fn for_dealer(o: &Output) -> bool {
    match *o {
        Output::Fill(f) => f.maker == DEALER || f.taker == DEALER,
        _ => o.ack_trader() == Some(DEALER),
    }
}

fn one_rep(p: Point, cf: &CaseFile, seed: crate::core::RepetitionSeed) -> Rep {
    let periods = cf.periods;
    let scale = cf.ticks_per_unit;
    let mut value = seed.stream("value");
    let mut arrivals = seed.stream("arrivals");
    let mut coin = seed.stream("uninformed");
    let high = uniform(&mut value) < p.theta;
    let v = if high { p.v_high } else { p.v_low };
    let truth = if high { 1.0 } else { 0.0 };
    let mut market = Market::new(p.dealer(scale));
    let mut rep = Rep {
        dealer_profit: 0.0,
        informed_profit: 0.0,
        uninformed_profit: 0.0,
        first_informed_profit: 0.0,
        error: Vec::with_capacity(periods + 1),
    };
    rep.error.push((market.dealer.belief() - truth).abs());
    for t in 0..periods {
        let informed = uniform(&mut arrivals) < p.mu;
        // The uninformed coin is drawn every period, so the informed draws do not shift it.
        let coin_buy = uniform(&mut coin) < 0.5;
        let side = if informed {
            if high { Side::Buy } else { Side::Sell }
        } else if coin_buy {
            Side::Buy
        } else {
            Side::Sell
        };
        let fills = market.submit(Request::New(NewOrder {
            id: OrderId(((TRADER.0 as u64) << 32) | (t as u64 + 1)),
            trader: TRADER,
            side,
            qty: 1,
            kind: OrderKind::Market,
        }));
        assert_eq!(
            fills.len(),
            1,
            "the dealer always quotes one lot on each side"
        );
        let price = fills[0].price as f64 / scale;
        // The trader's profit: a buyer gains V − price, a seller price − V.
        let trader = side.sign() as f64 * (v - price);
        rep.dealer_profit -= trader;
        if informed {
            rep.informed_profit += trader;
            if t == 0 {
                rep.first_informed_profit = trader;
            }
        } else {
            rep.uninformed_profit += trader;
        }
        rep.error.push((market.dealer.belief() - truth).abs());
    }
    rep
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
    let n = cf.repetitions.for_mode(mode);
    let k = cf.compare_period.min(cf.periods);
    let mut lines = Lines::new(CASE);
    let mut errors_at_k: Vec<(Point, Vec<f64>)> = Vec::new();
    for &p in &cf.points {
        let label = p.label();
        // Exact closed forms: the dealer's Bayesian quotes against the design note's formula.
        let (bid, ask) = closed_form_quotes(p.v_low, p.v_high, p.theta, p.mu);
        let d = p.dealer(1.0);
        lines.exact(&label, "first ask", ask, d.ask(), 1e-12);
        lines.exact(&label, "first bid", bid, d.bid(), 1e-12);
        // The same quotes resting on the CLOB, rounded outward to the tick: within one tick,
        // plus the floating-point error of computing them in ticks (below a second tick).
        let book = Market::new(p.dealer(cf.ticks_per_unit)).book;
        let on_book = |q: Option<(i64, i64)>| q.expect("the dealer quotes both sides").0;
        let tick = 1.0 / cf.ticks_per_unit;
        lines.exact(
            &label,
            "first ask resting on the CLOB (to the tick)",
            ask,
            on_book(book.best_ask()) as f64 * tick,
            2.0 * tick,
        );
        lines.exact(
            &label,
            "first bid resting on the CLOB (to the tick)",
            bid,
            on_book(book.best_bid()) as f64 * tick,
            2.0 * tick,
        );
        if p.theta == 0.5 {
            lines.exact(
                &label,
                "first spread = mu(V_H - V_L)",
                p.mu * (p.v_high - p.v_low),
                d.ask() - d.bid(),
                1e-12,
            );
        }
        let reps = repetitions(cf.seed, CASE, &label, n, |s| one_rep(p, &cf, s));
        let col = |f: &dyn Fn(&Rep) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
        lines.sample(
            &label,
            "dealer profit per run",
            Some(0.0),
            &col(&|r| r.dealer_profit),
            Check::Ci,
        )?;
        lines.sample(
            &label,
            "informed profit - uninformed loss",
            Some(0.0),
            &col(&|r| r.informed_profit + r.uninformed_profit),
            Check::Ci,
        )?;
        let theory_first = p.mu * (p.theta * (p.v_high - ask) + (1.0 - p.theta) * (bid - p.v_low));
        lines.sample(
            &label,
            "informed profit in period 1",
            Some(theory_first),
            &col(&|r| r.first_informed_profit),
            Check::Ci,
        )?;
        lines.sample(
            &label,
            format!("posterior error at period {} - at 0", cf.periods).as_str(),
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
        if let Some((b, eb)) = next {
            let c = Contrast::of(eb, ea).map_err(|cause| ValidationError::Stats {
                case: CASE.into(),
                point: a.label(),
                quantity: "posterior error contrast".into(),
                cause,
            })?;
            let w = c.welch;
            lines.out.push(super::CaseResult::judge(
                CASE,
                &format!("theta={} mu={} vs {}", a.theta, b.mu, a.mu),
                &format!("posterior error at period {k}: larger mu - smaller mu"),
                None,
                super::Simulated {
                    mean: w.difference.value().unwrap_or(f64::NAN),
                    ci95_low: w.ci95_low.value(),
                    ci95_high: w.ci95_high.value(),
                    se: w.se.value(),
                    n: ea.len() + eb.len(),
                },
                Check::Directional { below: true },
            ));
        }
    }
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_note_example() {
        let (bid, ask) = closed_form_quotes(90.0, 110.0, 0.5, 0.1);
        assert!((bid - 99.0).abs() < 1e-12 && (ask - 101.0).abs() < 1e-12);
    }

    #[test]
    fn the_case_file_parses() {
        let cf: CaseFile = parse(TEXT, FILE).unwrap();
        assert!(cf.points.len() >= 3);
    }
}
