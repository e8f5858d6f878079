//! Kyle (1985), one period, through the real batch auction.
//!
//! Each auction is one batch of a fresh [`BatchAuction`] (behind the simulator's [`Venue`]): v ~
//! N(p0, Σ0) (stream `value`); the insider ([`KyleInsider`]) sends one market order of β(v − p0)
//! rounded to lots; `noise_traders` noise traders each send a market order of N(0, σu²/m)
//! (stream `noise`); `dealers` competitive dealers ([`KyleDealer`]) each post the same ladder of
//! immediate-or-cancel limit orders implementing p = p0 + λy (the ladder and its quantiser are
//! described in [`crate::agents::kyle`]). The batch clears at one uniform price; everything
//! measured is read from the venue's fills: the insider's and the noise traders' filled
//! quantities, the net flow y (their sum, which the dealers absorb) and the clearing price p.
//!
//! Best-response iteration on simulated flow, per repetition: the dealers start by posting
//! `initial_lambda_ratio` × the point's equilibrium λ* (a second set of `repetitions` starts at
//! `second_initial_lambda_ratio` × λ*); each round the insider best-responds to the posted λ (β = `beta_scale`/(2λ)),
//! `draws` auctions clear, and the dealers fit λ by OLS of v − p0 on the realised flow y and post
//! `lambda_scale` × it in the next round. The equilibrium lines are measured on the last
//! round's auctions (at the iterated β and λ, not at the formula's); the best-response lines are
//! the λ posted after `rounds` rounds and the insider's answer to it.

use super::{Check, Lines, Repetitions, ValidationError, parse, repetitions};
use crate::agents::kyle::{KyleError, KyleGrid, Ladder, market_order};
use crate::core::{AgentId, OrderId, RepetitionSeed, Stream};
use crate::mechanisms::{BatchAuction, CancelReason, FbaConfig, NewOrder, Output, Request, Venue};
use rand_distr::{Distribution, StandardNormal};
use serde::Deserialize;

pub const CASE: &str = "kyle";
pub(crate) const FILE: &str = "scenarios/validation/kyle.toml";
pub(crate) const TEXT: &str = include_str!("../../../scenarios/validation/kyle.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[allow(dead_code)]
    case: String,
    seed: u64,
    p0: f64,
    draws: Repetitions,
    rounds: usize,
    initial_lambda_ratio: f64,
    second_initial_lambda_ratio: f64,
    repetitions: Repetitions,
    dealers: usize,
    noise_traders: usize,
    #[serde(default)]
    agents: Agents,
    lots_per_sigma_u: f64,
    ticks_per_unit: f64,
    points: Vec<Point>,
}

/// The agents' switches (`[agents.kyle_dealer]`, `[agents.kyle_insider]`): the planted defects
/// are these fields.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Agents {
    kyle_dealer: KyleDealerConfig,
    kyle_insider: KyleInsiderConfig,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    sigma0_sq: f64,
    sigma_u: f64,
}

pub use crate::agents::kyle::{
    KyleDealer, KyleDealerConfig, KyleInsider, KyleInsiderConfig, equilibrium, ols_slope,
};

impl CaseFile {
    /// Range checks of every field.
    fn check(&self, file: &str) -> Result<(), ValidationError> {
        use super::require;
        let pos = |x: f64| x.is_finite() && x > 0.0;
        require(file, pos(self.p0), "p0", self.p0, "a positive price")?;
        require(
            file,
            self.p0 * self.ticks_per_unit < 1e15,
            "p0",
            self.p0,
            "at most 1e15 ticks (p0 × ticks_per_unit)",
        )?;
        // Upper bounds keep a hostile points file from asking for more memory or time than a
        // machine has (draws × repetitions auctions are held per round).
        for (name, r) in [("draws", self.draws), ("repetitions", self.repetitions)] {
            let (min, max) = if name == "draws" {
                (10, 1_000_000)
            } else {
                (2, 100_000)
            };
            for (mode, n) in [("quick", r.quick), ("full", r.full)] {
                require(
                    file,
                    (min..=max).contains(&n),
                    &format!("{name}.{mode}"),
                    n,
                    &format!("must be in [{min}, {max}]"),
                )?;
            }
        }
        require(
            file,
            (1..=1000).contains(&self.rounds),
            "rounds",
            self.rounds,
            "must be in [1, 1000]",
        )?;
        for (name, l) in [
            ("initial_lambda_ratio", self.initial_lambda_ratio),
            (
                "second_initial_lambda_ratio",
                self.second_initial_lambda_ratio,
            ),
        ] {
            require(file, pos(l), name, l, "a positive multiple of lambda*")?;
        }
        require(
            file,
            self.second_initial_lambda_ratio != self.initial_lambda_ratio,
            "second_initial_lambda_ratio",
            self.second_initial_lambda_ratio,
            "a start other than initial_lambda_ratio",
        )?;
        require(
            file,
            self.dealers >= 2,
            "dealers",
            self.dealers,
            "at least 2 (competition)",
        )?;
        require(
            file,
            (1..=100).contains(&self.noise_traders),
            "noise_traders",
            self.noise_traders,
            "1 to 100",
        )?;
        let (d, i) = (self.agents.kyle_dealer, self.agents.kyle_insider);
        require(
            file,
            (10..=10_000).contains(&d.levels),
            "agents.kyle_dealer.levels",
            d.levels,
            "10 to 10000",
        )?;
        require(
            file,
            d.depth_sd.is_finite() && d.depth_sd >= 3.0,
            "agents.kyle_dealer.depth_sd",
            d.depth_sd,
            "at least 3 (flow sds the ladder covers)",
        )?;
        require(
            file,
            pos(d.lambda_scale),
            "agents.kyle_dealer.lambda_scale",
            d.lambda_scale,
            "a positive multiple of the fitted lambda",
        )?;
        require(
            file,
            pos(i.beta_scale),
            "agents.kyle_insider.beta_scale",
            i.beta_scale,
            "a positive multiple of the best-response beta",
        )?;
        require(
            file,
            self.lots_per_sigma_u.is_finite() && self.lots_per_sigma_u >= 100.0,
            "lots_per_sigma_u",
            self.lots_per_sigma_u,
            "at least 100",
        )?;
        require(
            file,
            self.ticks_per_unit.is_finite() && self.ticks_per_unit >= 100.0,
            "ticks_per_unit",
            self.ticks_per_unit,
            "at least 100",
        )?;
        require(
            file,
            !self.points.is_empty(),
            "points",
            "[]",
            "at least one point",
        )?;
        for (i, pt) in self.points.iter().enumerate() {
            require(
                file,
                pos(pt.sigma0_sq),
                &format!("points[{i}].sigma0_sq"),
                pt.sigma0_sq,
                "a positive variance",
            )?;
            require(
                file,
                pos(pt.sigma_u),
                &format!("points[{i}].sigma_u"),
                pt.sigma_u,
                "a positive sd",
            )?;
        }
        Ok(())
    }
}

/// What one auction did, read from the venue's outputs (quantities in the model's units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Auction {
    pub v: f64,
    /// The clearing price (p0 if nothing traded).
    pub price: f64,
    /// The insider's filled quantity (signed: bought > 0).
    pub insider: f64,
    /// The noise traders' filled quantity, together.
    pub noise: f64,
    /// The dealers' filled quantity, together (bought > 0); −(insider + noise).
    pub dealers: f64,
    /// Some market order was not filled whole: the flow exhausted the ladders.
    pub exhausted: bool,
}

impl Auction {
    /// The net market flow the dealers absorbed.
    pub fn flow(&self) -> f64 {
        self.insider + self.noise
    }
}

/// Agent ids: dealers `0..D`, the insider `D`, noise traders `D + 1..`.
pub(crate) struct Traders {
    pub dealers: usize,
}

impl Traders {
    fn insider(&self) -> AgentId {
        AgentId(self.dealers as u32)
    }
    fn noise(&self, i: usize) -> AgentId {
        AgentId((self.dealers + 1 + i) as u32)
    }
}

/// Clears one batch of a fresh batch auction: the dealers' ladder orders `book`, the insider's
/// market order of `insider_lots` and the noise traders' `noise_lots`.
pub(crate) fn clear_one(
    grid: KyleGrid,
    p0: f64,
    who: &Traders,
    book: &[NewOrder],
    v: f64,
    insider_lots: i64,
    noise_lots: &[i64],
) -> Auction {
    let mut venue = Venue::Fba(BatchAuction::new(FbaConfig::default()));
    let mut out = Vec::with_capacity(book.len() + 8);
    let mut next = book.iter().map(|o| o.id.0).max().map_or(0, |m| m + 1);
    let mut takers = Vec::with_capacity(noise_lots.len() + 1);
    for o in book {
        venue.handle(Request::New(*o), &mut out);
    }
    let flows = std::iter::once((who.insider(), insider_lots)).chain(
        noise_lots
            .iter()
            .enumerate()
            .map(|(i, &l)| (who.noise(i), l)),
    );
    for (trader, lots) in flows {
        if let Some(o) = market_order(OrderId(next), trader, lots) {
            takers.push(o.id);
            venue.handle(Request::New(o), &mut out);
        }
        next += 1;
    }
    debug_assert!(
        out.iter().all(|o| matches!(o, Output::Accepted { .. })),
        "every order is accepted: {:?}",
        out.iter().find(|o| !matches!(o, Output::Accepted { .. }))
    );
    out.clear();
    let outcome = venue.clear(&mut out).expect("a batch auction clears");
    let mut net = vec![0i64; who.dealers + 1 + noise_lots.len()];
    let mut exhausted = false;
    for o in &out {
        match *o {
            Output::Fill(f) => {
                let taker = f.taker_side.sign() * f.qty;
                net[f.taker.0 as usize] += taker;
                net[f.maker.0 as usize] -= taker;
            }
            Output::Cancelled {
                id,
                reason: CancelReason::Expired,
                ..
            } if takers.contains(&id) => exhausted = true,
            _ => {}
        }
    }
    let d = who.dealers;
    Auction {
        v,
        price: outcome.clearing_price.map_or(p0, |t| grid.price(t)),
        insider: grid.qty(net[d]),
        noise: grid.qty(net[d + 1..].iter().sum()),
        dealers: grid.qty(net[..d].iter().sum()),
        exhausted,
    }
}

/// The settings of one repetition.
struct Setting<'a> {
    cf: &'a CaseFile,
    pt: Point,
    draws: usize,
    dealer: KyleDealerConfig,
    insider: KyleInsiderConfig,
}

impl Setting<'_> {
    fn grid(&self) -> KyleGrid {
        KyleGrid {
            tick: 1.0 / self.cf.ticks_per_unit,
            lot: self.pt.sigma_u / self.cf.lots_per_sigma_u,
        }
    }
}

/// One repetition's numbers.
struct Rep {
    /// OLS slope of p − p0 on y in the last round, and it over the λ posted there.
    price_slope: f64,
    slope_over_posted: f64,
    /// OLS slope of the insider's fill on v − p0 in the last round.
    beta_hat: f64,
    insider: f64,
    noise_loss: f64,
    dealer_profit: f64,
    r2: f64,
    posterior_var: f64,
    learned_lambda: f64,
    learned_beta: f64,
    /// Auctions, over all rounds, whose flow exhausted the ladders.
    exhausted: usize,
}

fn correlation_sq(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy * sxy / (sxx * syy)
}

/// `draws` auctions with the dealers' ladders `book`.
fn round_of_auctions(
    s: &Setting,
    insider: &KyleInsider,
    book: &[NewOrder],
    value: &mut Stream,
    noise: &mut Stream,
) -> Vec<Auction> {
    let (p0, grid) = (s.cf.p0, s.grid());
    let who = Traders {
        dealers: s.cf.dealers,
    };
    let m = s.cf.noise_traders;
    let each = s.pt.sigma_u / (m as f64).sqrt();
    let mut noise_lots = vec![0i64; m];
    (0..s.draws)
        .map(|_| {
            let z: f64 = StandardNormal.sample(value);
            let v = p0 + s.pt.sigma0_sq.sqrt() * z;
            for l in noise_lots.iter_mut() {
                let w: f64 = StandardNormal.sample(noise);
                *l = grid.lots(each * w);
            }
            let x = grid.lots(insider.intended(v, p0));
            clear_one(grid, p0, &who, book, v, x, &noise_lots)
        })
        .collect()
}

fn one_rep(s: &Setting, start: f64, seed: RepetitionSeed) -> Result<Rep, KyleError> {
    let (p0, grid) = (s.cf.p0, s.grid());
    let mut value = seed.stream("value");
    let mut noise = seed.stream("noise");
    let mut dealers: Vec<KyleDealer> = (0..s.cf.dealers)
        .map(|i| {
            KyleDealer::new(
                AgentId(i as u32),
                s.dealer,
                start,
                s.pt.sigma0_sq,
                s.pt.sigma_u,
            )
        })
        .collect();
    let who = Traders {
        dealers: s.cf.dealers,
    };
    let mut insider = KyleInsider::new(who.insider(), s.insider, start);
    let mut last = Vec::new();
    let mut posted_last = start;
    let mut exhausted = 0;
    for _ in 0..s.cf.rounds {
        // All dealers fit the same public flow, so they post the same λ; the insider faces it.
        let lambda = dealers[0].lambda;
        insider.respond(lambda);
        let mut next_id = 0;
        let mut book = Vec::new();
        for d in &dealers {
            let ladder: Ladder = d.ladder(p0, grid, s.cf.dealers)?;
            book.extend(d.orders(&ladder, &mut next_id));
        }
        let auctions = round_of_auctions(s, &insider, &book, &mut value, &mut noise);
        let ys: Vec<f64> = auctions.iter().map(Auction::flow).collect();
        let dv: Vec<f64> = auctions.iter().map(|a| a.v - p0).collect();
        for d in &mut dealers {
            d.fit(&ys, &dv);
        }
        posted_last = lambda;
        exhausted += auctions.iter().filter(|a| a.exhausted).count();
        last = auctions;
    }
    let learned_lambda = dealers[0].lambda;
    insider.respond(learned_lambda);
    let mf = last.len() as f64;
    let col = |f: &dyn Fn(&Auction) -> f64| last.iter().map(f).collect::<Vec<f64>>();
    let ys = col(&|a| a.flow());
    let dp = col(&|a| a.price - p0);
    let price_slope = ols_slope(&ys, &dp);
    let mean = |f: &dyn Fn(&Auction) -> f64| last.iter().map(f).sum::<f64>() / mf;
    Ok(Rep {
        price_slope,
        slope_over_posted: price_slope / posted_last,
        beta_hat: ols_slope(&col(&|a| a.v - p0), &col(&|a| a.insider)),
        insider: mean(&|a| a.insider * (a.v - a.price)),
        noise_loss: mean(&|a| a.noise * (a.price - a.v)),
        dealer_profit: mean(&|a| a.dealers * (a.v - a.price)),
        r2: correlation_sq(&col(&|a| a.v), &col(&|a| a.price)),
        posterior_var: mean(&|a| (a.v - a.price) * (a.v - a.price)),
        learned_lambda,
        learned_beta: insider.beta,
        exhausted,
    })
}

pub fn run(r: &super::CaseRun) -> Result<Vec<super::CaseResult>, ValidationError> {
    use super::mutants::Mutant;
    let mode = r.mode;
    let cf: CaseFile = parse(&r.text, &r.file)?;
    cf.check(&r.file)?;
    let n = cf.repetitions.for_mode(mode);
    let draws = cf.draws.for_mode(mode) as usize;
    // The planted defects are the agents' own switches, set as `Mutant::switch` says.
    let mut dealer = cf.agents.kyle_dealer;
    if r.has(Mutant::KyleDealerLambdaDoubled) {
        dealer.lambda_scale = 2.0;
    }
    let mut insider = cf.agents.kyle_insider;
    if r.has(Mutant::KyleInsiderHalfBeta) {
        insider.beta_scale = 0.5;
    }
    let mut lines = Lines::new(CASE);
    for &pt in &cf.points {
        let label = format!("Sigma0={} sigma_u={}", pt.sigma0_sq, pt.sigma_u);
        let (beta, lambda) = equilibrium(pt.sigma0_sq, pt.sigma_u);
        let s = Setting {
            cf: &cf,
            pt,
            draws,
            dealer,
            insider,
        };
        let starts = [cf.initial_lambda_ratio, cf.second_initial_lambda_ratio];
        let mut by_start = Vec::new();
        for ratio in starts {
            let seeds = format!("{label} start={ratio}");
            let start = ratio * lambda;
            let reps = repetitions(cf.seed, CASE, &seeds, n, |seed| one_rep(&s, start, seed));
            match reps.into_iter().collect::<Result<Vec<Rep>, KyleError>>() {
                Ok(r) => by_start.push(r),
                Err(e) => {
                    lines.missing(&label, "every line", Check::Ci, e.to_string());
                    break;
                }
            }
        }
        if by_start.len() < starts.len() {
            continue;
        }
        let all: Vec<&Rep> = by_start.iter().flatten().collect();
        let col = |f: &dyn Fn(&Rep) -> f64| all.iter().map(|r| f(r)).collect::<Vec<f64>>();
        let profit = pt.sigma0_sq.sqrt() * pt.sigma_u / 2.0;
        for (q, theory, sample) in [
            (
                "lambda-hat: OLS slope of p - p0 on flow",
                lambda,
                col(&|r| r.price_slope),
            ),
            (
                "price slope / posted lambda (venue clears on the schedule)",
                1.0,
                col(&|r| r.slope_over_posted),
            ),
            (
                "beta-hat: OLS slope of insider fill on v - p0",
                beta,
                col(&|r| r.beta_hat),
            ),
            ("insider profit per auction", profit, col(&|r| r.insider)),
            (
                "noise loss per auction (lambda sigma_u^2)",
                lambda * pt.sigma_u * pt.sigma_u,
                col(&|r| r.noise_loss),
            ),
            (
                "dealers' profit per auction",
                0.0,
                col(&|r| r.dealer_profit),
            ),
            ("R^2 of v on p", 0.5, col(&|r| r.r2)),
            (
                "posterior variance E[(v-p)^2]",
                pt.sigma0_sq / 2.0,
                col(&|r| r.posterior_var),
            ),
        ] {
            lines.sample(&label, q, Some(theory), &sample, Check::Ci)?;
        }
        for (start, reps) in starts.iter().zip(&by_start) {
            let col = |f: &dyn Fn(&Rep) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
            lines.sample(
                &label,
                &format!("best-response lambda from {start} lambda*"),
                Some(lambda),
                &col(&|r| r.learned_lambda),
                Check::Ci,
            )?;
            lines.sample(
                &label,
                &format!("best-response beta from {start} lambda*"),
                Some(beta),
                &col(&|r| r.learned_beta),
                Check::Ci,
            )?;
        }
        let exhausted: usize = all.iter().map(|r| r.exhausted).sum();
        lines.exact(
            &label,
            "auctions whose flow exhausted the ladder (all rounds)",
            0.0,
            exhausted as f64,
            0.5,
        );
    }
    Ok(lines.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_file() -> CaseFile {
        parse(TEXT, FILE).unwrap()
    }

    #[test]
    fn the_case_file_is_in_range_and_a_bad_field_is_named() {
        let cf = case_file();
        cf.check(FILE).unwrap();
        let mut bad = cf.clone();
        bad.points[1].sigma_u = 0.0;
        let e = bad.check(FILE).unwrap_err().to_string();
        assert!(
            e.contains("points[1].sigma_u") && e.contains("positive"),
            "{e}"
        );
        let mut bad = cf.clone();
        bad.draws.quick = 5;
        let e = bad.check(FILE).unwrap_err().to_string();
        assert!(e.contains("draws.quick"), "{e}");
        // A hostile points file cannot ask for unbounded memory or time.
        let mut bad = cf.clone();
        bad.repetitions.full = i64::MAX as u64;
        let e = bad.check(FILE).unwrap_err().to_string();
        assert!(
            e.contains("repetitions.full") && e.contains("100000"),
            "{e}"
        );
        let mut bad = cf.clone();
        bad.draws.quick = u64::MAX;
        assert!(
            bad.check(FILE)
                .unwrap_err()
                .to_string()
                .contains("draws.quick")
        );
        let mut bad = cf.clone();
        bad.rounds = 4_000_000_000;
        assert!(bad.check(FILE).unwrap_err().to_string().contains("rounds"));
        let mut bad = cf.clone();
        bad.dealers = 1;
        assert!(bad.check(FILE).unwrap_err().to_string().contains("dealers"));
        let mut bad = cf;
        bad.agents.kyle_dealer.lambda_scale = 0.0;
        let e = bad.check(FILE).unwrap_err().to_string();
        assert!(e.contains("agents.kyle_dealer.lambda_scale"), "{e}");
        // The switches are fields of the case file (a `--points` file may set them).
        let text = format!("{TEXT}\n");
        let cf: CaseFile = parse(
            &text.replace("lambda_scale = 1.0", "lambda_scale = 2.0"),
            FILE,
        )
        .unwrap();
        assert_eq!(cf.agents.kyle_dealer.lambda_scale, 2.0);
    }

    /// One dealer pair's ladders at λ, one batch with insider and noise flow: the uniform price
    /// is the schedule's, p0 + λ·y, to within half a level (the quantiser), and it is exactly
    /// the schedule at the cell's mean flow.
    #[test]
    fn one_batch_clears_on_the_schedule() {
        let grid = KyleGrid {
            tick: 1e-6,
            lot: 1e-4,
        };
        let (p0, lambda) = (100.0, 0.5);
        let cfg = KyleDealerConfig::default();
        let dealers: Vec<KyleDealer> = (0..2)
            .map(|i| KyleDealer::new(AgentId(i), cfg, lambda, 1.0, 1.0))
            .collect();
        let mut id = 0;
        let mut book = Vec::new();
        let mut ladder = None;
        for d in &dealers {
            let l = d.ladder(p0, grid, 2).unwrap();
            book.extend(d.orders(&l, &mut id));
            ladder = Some(l);
        }
        let ladder = ladder.unwrap();
        let delta = ladder.step_lots;
        let who = Traders { dealers: 2 };
        for (x, u) in [
            (3_000, 1_234),
            (-7_777, 100),
            (5_000, -5_000),
            (0, 2 * delta),
            (delta, 0),
            (-delta - 1, 0),
            (40_000, 1),
        ] {
            let a = clear_one(grid, p0, &who, &book, 101.0, x, &[u]);
            let y = (x + u) as f64;
            assert!(!a.exhausted);
            assert!((a.flow() - grid.qty(x + u)).abs() < 1e-12, "{a:?}");
            assert!((a.dealers + a.flow()).abs() < 1e-12);
            assert!((a.insider - grid.qty(x)).abs() < 1e-12);
            // The cell (j − 1)δ < |y| ≤ jδ prices at the schedule at the cell's mean flow.
            let j = ((y.abs() / delta as f64).ceil()).max(if y == 0.0 { 0.0 } else { 1.0 });
            let centre = if y == 0.0 {
                0.0
            } else {
                y.signum() * ((j - 0.5) * delta as f64 + 0.5)
            };
            let schedule = p0 + lambda * grid.qty(1) * centre;
            assert!(
                (a.price - schedule).abs() <= 1.5 * grid.tick,
                "y = {y}: price {} vs schedule {schedule}",
                a.price
            );
            let half_level = lambda * grid.qty(delta) / 2.0;
            assert!((a.price - (p0 + lambda * grid.qty(x + u))).abs() <= half_level + 2e-6);
        }
        // Beyond the ladder: the batch clears at its last level and the market orders are
        // rationed, which is counted as exhaustion.
        let big = ladder.capacity_lots() + 10 * delta;
        let a = clear_one(grid, p0, &who, &book, 101.0, big, &[0]);
        assert!(a.exhausted);
        assert_eq!(grid.ticks(a.price), *ladder.sells.last().unwrap());
    }

    /// Why each draw gets a fresh auction: with a previous clearing price the real rule picks
    /// the end of the flat range nearest it, not the middle, so after a batch at p0 the price
    /// sits half a level toward p0 on both sides (the slope of p on y would be ≈ 4% low, what
    /// the line `price slope / posted lambda` would catch).
    #[test]
    fn a_previous_price_pulls_the_clearing_toward_it() {
        let grid = KyleGrid {
            tick: 1e-6,
            lot: 1e-4,
        };
        let (p0, lambda) = (100.0, 0.5);
        let d = KyleDealer::new(AgentId(0), KyleDealerConfig::default(), lambda, 1.0, 1.0);
        let ladder = d.ladder(p0, grid, 1).unwrap();
        let mut id = 0;
        let book = d.orders(&ladder, &mut id);
        let delta = ladder.step_lots;
        for y in [3 * delta + delta / 3, -(3 * delta + delta / 3)] {
            let fresh = clear_one(grid, p0, &Traders { dealers: 1 }, &book, p0, y, &[]);
            let mut venue = BatchAuction::new(FbaConfig::default());
            let mut out = Vec::new();
            let p0t = grid.ticks(p0);
            for (i, side) in [crate::mechanisms::Side::Buy, crate::mechanisms::Side::Sell]
                .into_iter()
                .enumerate()
            {
                venue.handle(
                    Request::New(NewOrder {
                        id: OrderId(1_000_000 + i as u64),
                        trader: AgentId(9),
                        side,
                        qty: 1,
                        kind: crate::mechanisms::OrderKind::Limit {
                            price: p0t,
                            tif: crate::mechanisms::TimeInForce::Ioc,
                        },
                    }),
                    &mut out,
                );
            }
            assert_eq!(venue.clear(&mut out).clearing_price, Some(p0t));
            for o in &book {
                venue.handle(Request::New(*o), &mut out);
            }
            let m = market_order(OrderId(2_000_000), AgentId(1), y).unwrap();
            venue.handle(Request::New(m), &mut out);
            let reused = grid.price(venue.clear(&mut out).clearing_price.unwrap());
            // The fresh batch clears half a level farther from p0 than the reused one.
            let half_level = lambda * grid.qty(delta) / 2.0;
            let shift = (fresh.price - p0).abs() - (reused - p0).abs();
            assert!(
                (shift - half_level).abs() < 2.0 * grid.tick,
                "{shift} vs {half_level}"
            );
        }
    }

    /// The mutated fixed points differ from the equilibrium: λ posted √3·λ* (fit √3/2·λ*) with
    /// λ doubled, λ = (√3/2)·λ* and β = β*/√3 with β halved, where x' = 2sx/(1 + x²) and
    /// x' = 2bx/(x² + b²) are the best-response maps in units of λ*.
    #[test]
    fn mutated_fixed_points() {
        let (mut x, mut y) = (1.0f64, 1.0f64);
        for _ in 0..200 {
            x = 2.0 * 2.0 * x / (1.0 + x * x);
            y = 2.0 * 0.5 * y / (y * y + 0.25);
        }
        assert!((x - 3f64.sqrt()).abs() < 1e-9, "{x}");
        assert!((y - 3f64.sqrt() / 2.0).abs() < 1e-9, "{y}");
        assert!((0.5 / y - 1.0 / 3f64.sqrt()).abs() < 1e-9);
    }
}
