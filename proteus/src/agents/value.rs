//! ABIDES-style value agent (rmsc04's `ValueAgent`): at Poisson times it observes the
//! fundamental with noise, updates a Bayesian estimate of a mean-reverting value, projects it to
//! the end of the session, and places one limit order on the side the estimate favours.
//!
//! Information: the simulator delivers each observation (`value + N(0, obs_noise_var)`, from the
//! agent's own streams) at Poisson times of rate `arrival_rate_per_s`; each observation is a
//! wake. The estimate is the Kalman filter of an Ornstein–Uhlenbeck value
//! `dX = κ(r̄ − X)dt + σ dW` observed with noise variance R: between observations the mean
//! reverts, `m ← r̄ + (m − r̄)e^(−κΔ)`, and the variance grows, `P ← P e^(−2κΔ) + σ²(1 −
//! e^(−2κΔ))/(2κ)`; an observation y updates `K = P/(P + R)`, `m ← m + K(y − m)`, `P ← (1 −
//! K)P`. The value it trades on is the projection to the session end T, `r_T = r̄ + (m −
//! r̄)e^(−κ(T − t))`, rounded to the grid. (ABIDES' own filter is the same model in discrete
//! nanosecond steps; its variance update reuses the prior before the time advance, which this
//! one does not copy.)
//!
//! The order (ABIDES' `placeOrder`): it first cancels every order it still has resting. With a
//! two-sided book (bid b, ask a, spread s = a − b, mid ⌊(a + b)/2⌋): with probability
//! `aggressive_prob` the adjustment is 0, else an integer number of grid steps uniform in
//! `[0, depth_spread·s)`; if r_T < mid it sells at `b + adjustment` (at the bid: marketable;
//! inside the spread or deeper in the book otherwise), else it buys at `a − adjustment`. With a
//! one-sided or empty book it picks a side by a fair coin and posts at r_T. The order is a GTC
//! limit of a size drawn from `size` (ABIDES' mixture by default); a draw of 0 sends nothing.
//!
//! Under FBA it reads the residual book published after the last batch and its limit order joins
//! the next batch. Under RFQ there is no book: it compares r_T with the last RFQ print it sees
//! (a coin when there is none) and, as a client, requests quotes limited to r_T (it buys at
//! most, sells at least, at its valuation). Public news changes nothing for it: its next
//! observation holds the news. Role `informed`; streams `agent/value/{i}/decisions` and
//! `…/sizes`.

use super::order_size::OrderSizeLaw;
use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require};
use crate::core::{OrderId, SimTime, Stream};
use crate::mechanisms::{NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce};
use rand::RngExt;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueConfig {
    /// r̄: the long-run mean it believes the value reverts to, ticks.
    pub mean_ticks: f64,
    /// κ: its appraisal of the speed of mean reversion, per second.
    pub kappa_per_s: f64,
    /// σ: its appraisal of the value's volatility, ticks per √s.
    pub sigma_ticks_per_sqrt_s: f64,
    /// Variance R of its observations' noise, ticks².
    pub obs_noise_var_ticks2: f64,
    /// Rate of its observations (each one a wake), per second.
    pub arrival_rate_per_s: f64,
    /// Probability that it trades at the touch (adjustment 0).
    #[serde(default = "default_aggressive")]
    pub aggressive_prob: f64,
    /// Its limit is adjusted by up to this many spreads from the touch.
    #[serde(default = "default_depth_spread")]
    pub depth_spread: f64,
    /// Lots per order.
    #[serde(default = "default_size")]
    pub size: OrderSizeLaw,
}

fn default_aggressive() -> f64 {
    0.1
}
fn default_depth_spread() -> f64 {
    2.0
}
fn default_size() -> OrderSizeLaw {
    OrderSizeLaw::Abides
}

/// Largest price-like value accepted (ticks): prices stay exact in f64 and far from overflow.
const MAX_TICKS: f64 = 1e12;

impl ValueConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.mean_ticks.is_finite() && self.mean_ticks >= 1.0 && self.mean_ticks <= MAX_TICKS,
            &p("mean_ticks"),
            self.mean_ticks,
            "must be in [1, 1e12] ticks",
        )?;
        require(
            self.kappa_per_s.is_finite() && self.kappa_per_s > 0.0 && self.kappa_per_s <= 1e3,
            &p("kappa_per_s"),
            self.kappa_per_s,
            "must be in (0, 1000] per second",
        )?;
        require(
            self.sigma_ticks_per_sqrt_s.is_finite()
                && self.sigma_ticks_per_sqrt_s >= 0.0
                && self.sigma_ticks_per_sqrt_s <= 1e9,
            &p("sigma_ticks_per_sqrt_s"),
            self.sigma_ticks_per_sqrt_s,
            "must be in [0, 1e9]",
        )?;
        require(
            self.obs_noise_var_ticks2.is_finite()
                && self.obs_noise_var_ticks2 > 0.0
                && self.obs_noise_var_ticks2 <= 1e18,
            &p("obs_noise_var_ticks2"),
            self.obs_noise_var_ticks2,
            "must be in (0, 1e18] ticks²",
        )?;
        require(
            self.arrival_rate_per_s.is_finite()
                && self.arrival_rate_per_s > 0.0
                && self.arrival_rate_per_s <= 1e6,
            &p("arrival_rate_per_s"),
            self.arrival_rate_per_s,
            "must be in (0, 1e6] per second",
        )?;
        require(
            (0.0..=1.0).contains(&self.aggressive_prob),
            &p("aggressive_prob"),
            self.aggressive_prob,
            "must be in [0, 1]",
        )?;
        require(
            self.depth_spread.is_finite() && (0.0..=100.0).contains(&self.depth_spread),
            &p("depth_spread"),
            self.depth_spread,
            "must be in [0, 100] spreads",
        )?;
        self.size.validate(&p("size"))
    }
}

/// An order it has resting, with its open quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Open {
    pub id: OrderId,
    pub qty: Qty,
}

/// The open orders of an agent that cancels them all at once: updated from its reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct OpenOrders(pub Vec<Open>);

impl OpenOrders {
    pub fn add(&mut self, id: OrderId, qty: Qty) {
        self.0.push(Open { id, qty });
    }

    /// Sends a cancel for every order and forgets them.
    pub fn cancel_all(&mut self, ctx: &mut AgentCtx) {
        for o in self.0.drain(..) {
            ctx.send(Request::Cancel {
                id: o.id,
                trader: ctx.id,
            });
        }
    }

    pub fn on_report(&mut self, report: &Output) {
        match *report {
            Output::Cancelled { id, .. } | Output::Rejected { id, .. } => {
                self.0.retain(|o| o.id != id)
            }
            Output::Fill(f) => {
                if let Some(pos) = self
                    .0
                    .iter()
                    .position(|o| o.id == f.maker_order || o.id == f.taker_order)
                {
                    self.0[pos].qty -= f.qty;
                    if self.0[pos].qty <= 0 {
                        self.0.remove(pos);
                    }
                }
            }
            _ => {}
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

pub struct ValueAgent {
    cfg: ValueConfig,
    /// The session end T, seconds (the run's horizon).
    session_end_s: f64,
    decisions: Stream,
    sizes: Stream,
    /// Its estimate: mean m and variance P of the value now, and when it was last updated.
    mean: f64,
    var: f64,
    updated: SimTime,
    open: OpenOrders,
}

impl ValueAgent {
    /// `streams` is the agent's root, e.g. `agent/value/3`; `session_end_s` the run's end.
    pub fn new(cfg: ValueConfig, streams: &Stream, session_end_s: f64) -> ValueAgent {
        ValueAgent {
            mean: cfg.mean_ticks,
            var: 0.0,
            updated: SimTime::ZERO,
            decisions: streams.child("decisions"),
            sizes: streams.child("sizes"),
            session_end_s,
            cfg,
            open: OpenOrders::default(),
        }
    }

    /// The Kalman update with observation `y` at `now` (module docs); returns r_T in ticks.
    pub fn observe(&mut self, y: f64, now: SimTime) -> f64 {
        let c = &self.cfg;
        let dt = (now.0.saturating_sub(self.updated.0)) as f64 * 1e-9;
        let decay = (-c.kappa_per_s * dt).exp();
        let r_bar = c.mean_ticks;
        self.mean = r_bar + (self.mean - r_bar) * decay;
        let s2 = c.sigma_ticks_per_sqrt_s * c.sigma_ticks_per_sqrt_s;
        self.var = self.var * decay * decay
            - s2 * (-2.0 * c.kappa_per_s * dt).exp_m1() / (2.0 * c.kappa_per_s);
        let k = self.var / (self.var + c.obs_noise_var_ticks2);
        self.mean += k * (y - self.mean);
        self.var *= 1.0 - k;
        self.updated = now;
        let left = (self.session_end_s - now.as_secs_f64()).max(0.0);
        r_bar + (self.mean - r_bar) * (-c.kappa_per_s * left).exp()
    }

    /// Its estimate now: (mean, variance), ticks and ticks².
    pub fn estimate(&self) -> (f64, f64) {
        (self.mean, self.var)
    }

    /// The order for valuation `r_t` against what it sees (module docs): `(side, limit)`.
    fn order(&mut self, r_t: f64, ctx: &AgentCtx) -> (Side, Price) {
        let tick = ctx.tick_size;
        let coin = |s: &mut Stream| {
            if s.random::<bool>() {
                Side::Buy
            } else {
                Side::Sell
            }
        };
        match (ctx.quote.bid, ctx.quote.ask) {
            (Some((bid, _)), Some((ask, _))) if !ctx.is_rfq() => {
                let aggressive = self.decisions.random::<f64>() < self.cfg.aggressive_prob;
                let steps = ((ask - bid) / tick).max(0) as f64 * self.cfg.depth_spread;
                let u: f64 = self.decisions.random();
                let adjust = if aggressive || steps < 1.0 {
                    0
                } else {
                    ((u * steps) as Price).min(steps.ceil() as Price - 1)
                };
                let mid = (bid + ask).div_euclid(2);
                if r_t < mid as f64 {
                    (Side::Sell, bid + adjust * tick)
                } else {
                    (Side::Buy, (ask - adjust * tick).max(tick))
                }
            }
            _ => {
                let side = match ctx.last_price.filter(|_| ctx.is_rfq()) {
                    Some(p) if r_t < p as f64 => Side::Sell,
                    Some(_) => Side::Buy,
                    None => coin(&mut self.decisions),
                };
                (side, ctx.passive_price_f(side, r_t))
            }
        }
    }
}

impl Agent for ValueAgent {
    fn on_start(&mut self, _ctx: &mut AgentCtx) {}

    fn on_signal(&mut self, observation: f64, ctx: &mut AgentCtx) {
        self.open.cancel_all(ctx);
        let r_t = self.observe(observation, ctx.now);
        let (side, price) = self.order(r_t, ctx);
        let lots = self.cfg.size.sample(&mut self.sizes);
        if lots <= 0 {
            return;
        }
        let qty = ctx.size(lots.saturating_mul(ctx.lot_size));
        let id = ctx.new_order_id();
        if ctx.is_rfq() {
            ctx.request_quotes(id, side, qty, Some(price));
            return;
        }
        self.open.add(id, qty);
        ctx.send(Request::New(NewOrder {
            id,
            trader: ctx.id,
            side,
            qty,
            kind: OrderKind::Limit {
                price,
                tif: TimeInForce::Gtc,
            },
        }));
    }

    fn on_report(&mut self, report: &Output, _ctx: &mut AgentCtx) {
        self.open.on_report(report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Action, Quote};
    use crate::core::{AgentId, Duration, RepetitionSeed, Role};

    fn config() -> ValueConfig {
        ValueConfig {
            mean_ticks: 100_000.0,
            kappa_per_s: 1.67e-6,
            sigma_ticks_per_sqrt_s: 10.0,
            obs_noise_var_ticks2: 1_000.0,
            arrival_rate_per_s: 0.0057,
            aggressive_prob: 0.1,
            depth_spread: 2.0,
            size: OrderSizeLaw::Uniform { min: 10, max: 10 },
        }
    }

    fn agent(i: u64) -> ValueAgent {
        ValueAgent::new(
            config(),
            &RepetitionSeed(i).stream("agent/value/0"),
            23_400.0,
        )
    }

    fn signal(a: &mut ValueAgent, secs: u64, y: f64, quote: Quote) -> Vec<Request> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            SimTime::ZERO + Duration::from_secs(secs),
            AgentId(3),
            Role::Informed,
            quote,
            None,
            &mut actions,
            &mut seq,
        );
        a.on_signal(y, &mut ctx);
        actions
            .into_iter()
            .map(|x| match x {
                Action::Send(r) => r,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    /// The filter's steady state for a long gap: the prior variance is the OU variance
    /// σ²(1 − e^(−2κΔ))/(2κ), and the gain is its share against the noise.
    #[test]
    fn the_kalman_update_weights_the_observation_by_the_variances() {
        let mut a = agent(1);
        let r_t = a.observe(100_100.0, SimTime::ZERO + Duration::from_secs(100));
        let c = config();
        let p = c.sigma_ticks_per_sqrt_s.powi(2) * -(-2.0 * c.kappa_per_s * 100.0f64).exp_m1()
            / (2.0 * c.kappa_per_s);
        let k = p / (p + c.obs_noise_var_ticks2);
        let (m, v) = a.estimate();
        assert!((m - (100_000.0 + 100.0 * k)).abs() < 1e-6, "{m}");
        assert!((v - (1.0 - k) * p).abs() < 1e-6, "{v}");
        // Projected to T = 23,400 s with κ = 1.67e-6: almost no reversion left.
        let want = 100_000.0 + (m - 100_000.0) * (-c.kappa_per_s * 23_300.0).exp();
        assert!((r_t - want).abs() < 1e-6);
        // A second observation at the same time halves nothing away: the variance falls.
        a.observe(100_100.0, SimTime::ZERO + Duration::from_secs(100));
        assert!(a.estimate().1 < v);
    }

    fn book(bid: Price, ask: Price) -> Quote {
        Quote {
            bid: Some((bid, 50)),
            ask: Some((ask, 50)),
        }
    }

    #[test]
    fn it_sells_when_its_value_is_below_the_mid_and_cancels_its_last_order_first() {
        let mut a = agent(2);
        // Value far below the book: a sell at the bid plus up to 2 spreads (spread 4: 0..8).
        let mut prices = Vec::new();
        for i in 0..400 {
            let sent = signal(&mut a, 1 + i, 90_000.0, book(100_000, 100_004));
            let new: Vec<&NewOrder> = sent
                .iter()
                .filter_map(|r| match r {
                    Request::New(o) => Some(o),
                    _ => None,
                })
                .collect();
            assert_eq!(new.len(), 1);
            assert_eq!(new[0].side, Side::Sell);
            assert_eq!(new[0].qty, 10);
            let OrderKind::Limit { price, tif } = new[0].kind else {
                panic!()
            };
            assert_eq!(tif, TimeInForce::Gtc);
            prices.push(price);
            // The previous order (never filled here) is cancelled before the new one.
            let cancels = sent
                .iter()
                .filter(|r| matches!(r, Request::Cancel { .. }))
                .count();
            assert_eq!(cancels, usize::from(i > 0));
        }
        assert!(prices.iter().all(|&p| (100_000..100_008).contains(&p)));
        let at_bid = prices.iter().filter(|&&p| p == 100_000).count() as f64 / 400.0;
        // 0.1 aggressive + 0.9 × 1/8 of the uniform adjustments.
        assert!((at_bid - (0.1 + 0.9 / 8.0)).abs() < 0.06, "{at_bid}");
        assert_eq!(a.open.len(), 1);
    }

    #[test]
    fn with_an_empty_book_it_posts_at_its_value_on_a_coin() {
        let mut sides = [0; 2];
        for i in 0..200 {
            let mut a = agent(100 + i);
            let sent = signal(&mut a, 10, 100_050.0, Quote::default());
            let Request::New(o) = sent[0] else { panic!() };
            let OrderKind::Limit { price, .. } = o.kind else {
                panic!()
            };
            let (m, _) = a.estimate();
            assert!((price as f64 - m).abs() <= 1.0, "{price} vs {m}");
            sides[usize::from(o.side == Side::Buy)] += 1;
        }
        assert!(sides[0] > 70 && sides[1] > 70, "{sides:?}");
    }

    #[test]
    fn bad_fields_are_refused() {
        let mut c = config();
        c.kappa_per_s = 0.0;
        let e = c.validate("agents.value").unwrap_err().to_string();
        assert!(e.contains("agents.value.kappa_per_s"), "{e}");
        let mut c = config();
        c.mean_ticks = 1e19;
        assert!(c.validate("x").is_err());
        let mut c = config();
        c.size = OrderSizeLaw::Uniform { min: 0, max: 1 };
        let e = c.validate("agents.value").unwrap_err().to_string();
        assert!(e.contains("agents.value.size.min"), "{e}");
    }
}
