//! The Avellaneda–Stoikov (2008) liquidity taker: market orders of one lot that arrive at the
//! best resting quote on each side with Poisson intensity `A·e^(−kδ)`, δ the quote's distance
//! from the mid the taker sees (in ticks; δ may be negative when a quote is through the mid).
//!
//! It is the paper's discrete procedure: in each step of length `dt` a side's best quote is hit
//! with probability `min(1, A·e^(−kδ)·dt)`, independently on the two sides (both may be hit in
//! the same step), δ measured from the mid at the moment the taker arrives, against the quotes
//! resting then. It sends a market order ([`OrderKind::Market`]) of one lot; the venue does the
//! rest (a market order on an empty side expires unfilled). Its random draws are the caller's
//! (one uniform per side and step), so a harness can run two books on common random numbers.
//!
//! The continuous-time version (the model itself) is thinning: candidate times at rate A per
//! side, each taken with probability `min(1, e^(−kδ))` at that moment ([`PoissonTaker::candidate`];
//! the caller draws the candidate times and the mid at each).
//!
//! Where the distances come from: δ_bid = mid − best bid, δ_ask = best ask − mid, with the mid
//! in the same tick units as the book's prices, unrounded.

use crate::core::config_error::{ConfigError, field_path, require};
use crate::core::{AgentId, OrderId};
use crate::mechanisms::{NewOrder, OrderKind, Price, Request, Side};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoissonTakerConfig {
    /// A: the intensity of market orders at a quote on the mid, per side, per second.
    pub intensity_a: f64,
    /// k: the decay of the intensity with the distance δ, per tick.
    pub fill_decay_k: f64,
    /// dt: the length of a step, seconds.
    pub step_s: f64,
}

impl PoissonTakerConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.intensity_a.is_finite() && self.intensity_a > 0.0,
            &p("intensity_a"),
            self.intensity_a,
            "must be finite and > 0",
        )?;
        require(
            self.fill_decay_k.is_finite() && self.fill_decay_k > 0.0,
            &p("fill_decay_k"),
            self.fill_decay_k,
            "must be finite and > 0",
        )?;
        require(
            self.step_s.is_finite() && self.step_s > 0.0,
            &p("step_s"),
            self.step_s,
            "must be finite and > 0",
        )
    }
}

/// What the taker did in one step on one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TakerDraw {
    /// The distance δ of the quote it faced (ticks); `None`: that side of the book was empty.
    pub delta: Option<f64>,
    /// The probability it took it with, `min(1, A·e^(−kδ)·dt)` (0 on an empty side).
    pub probability: f64,
    /// Whether it sent a market order.
    pub sent: bool,
}

pub struct PoissonTaker {
    cfg: PoissonTakerConfig,
    id: AgentId,
    next_order: u64,
}

impl PoissonTaker {
    /// A taker trading as `id`; its order ids are `first_order, first_order + 1, …`.
    pub fn new(cfg: PoissonTakerConfig, id: AgentId, first_order: u64) -> PoissonTaker {
        PoissonTaker {
            cfg,
            id,
            next_order: first_order,
        }
    }

    pub fn config(&self) -> &PoissonTakerConfig {
        &self.cfg
    }

    /// The probability that a quote at distance `delta` ticks is hit in one step.
    pub fn hit_probability(&self, delta: f64) -> f64 {
        let c = &self.cfg;
        (c.intensity_a * (-c.fill_decay_k * delta).exp() * c.step_s).min(1.0)
    }

    /// The probability that it takes a quote at distance `delta` at a candidate time of the
    /// continuous-time version (candidates at rate A per side): `min(1, e^(−kδ))`, which thins
    /// the candidates to intensity `A·e^(−kδ)` (exact for δ ≥ 0; capped at A through the mid).
    pub fn acceptance_probability(&self, delta: f64) -> f64 {
        (-self.cfg.fill_decay_k * delta).exp().min(1.0)
    }

    /// One step on one side: the best quote `best` of the side it would hit (`Side::Buy`: the
    /// best bid, which it hits by selling), the mid `mid` it sees and its uniform draw `u` in
    /// [0, 1). Returns what it did and, when it trades, the market order to send.
    pub fn step(
        &mut self,
        quote_side: Side,
        best: Option<Price>,
        mid: f64,
        u: f64,
    ) -> (TakerDraw, Option<Request>) {
        self.decide(quote_side, best, mid, u, false)
    }

    /// [`Self::step`] at one candidate time of the continuous-time version: takes with
    /// [`Self::acceptance_probability`].
    pub fn candidate(
        &mut self,
        quote_side: Side,
        best: Option<Price>,
        mid: f64,
        u: f64,
    ) -> (TakerDraw, Option<Request>) {
        self.decide(quote_side, best, mid, u, true)
    }

    fn decide(
        &mut self,
        quote_side: Side,
        best: Option<Price>,
        mid: f64,
        u: f64,
        thinning: bool,
    ) -> (TakerDraw, Option<Request>) {
        let Some(price) = best else {
            return (
                TakerDraw {
                    delta: None,
                    probability: 0.0,
                    sent: false,
                },
                None,
            );
        };
        let delta = match quote_side {
            Side::Buy => mid - price as f64,
            Side::Sell => price as f64 - mid,
        };
        let probability = if thinning {
            self.acceptance_probability(delta)
        } else {
            self.hit_probability(delta)
        };
        let sent = u < probability;
        let request = sent.then(|| {
            let id = OrderId(self.next_order);
            self.next_order += 1;
            Request::New(NewOrder {
                id,
                trader: self.id,
                side: quote_side.opposite(),
                qty: 1,
                kind: OrderKind::Market,
            })
        });
        (
            TakerDraw {
                delta: Some(delta),
                probability,
                sent,
            },
            request,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taker() -> PoissonTaker {
        PoissonTaker::new(
            PoissonTakerConfig {
                intensity_a: 140.0,
                fill_decay_k: 1.5,
                step_s: 0.005,
            },
            AgentId(7),
            100,
        )
    }

    #[test]
    fn probability_is_the_papers_capped_intensity() {
        let t = taker();
        assert!((t.hit_probability(0.0) - 0.7).abs() < 1e-12);
        assert!((t.hit_probability(1.0) - 0.7 * (-1.5f64).exp()).abs() < 1e-12);
        assert_eq!(t.hit_probability(-10.0), 1.0);
        assert!((t.acceptance_probability(1.0) - (-1.5f64).exp()).abs() < 1e-12);
        assert_eq!(t.acceptance_probability(-1.0), 1.0);
    }

    #[test]
    fn hits_the_quote_with_a_one_lot_market_order_on_the_other_side() {
        let mut t = taker();
        let (d, r) = t.step(Side::Buy, Some(99), 100.0, 0.0);
        assert_eq!(d.delta, Some(1.0));
        match r {
            Some(Request::New(o)) => {
                assert_eq!(o.side, Side::Sell);
                assert_eq!(o.qty, 1);
                assert_eq!(o.kind, OrderKind::Market);
                assert_eq!(o.id, OrderId(100));
                assert_eq!(o.trader, AgentId(7));
            }
            other => panic!("{other:?}"),
        }
        let (d, r) = t.step(Side::Sell, Some(101), 100.5, 0.999);
        assert_eq!(d.delta, Some(0.5));
        assert!(!d.sent && r.is_none());
        let (d, r) = t.step(Side::Sell, None, 100.5, 0.0);
        assert!(d.delta.is_none() && !d.sent && r.is_none());
    }

    #[test]
    fn bad_fields_are_refused() {
        let mut c = taker().cfg;
        c.fill_decay_k = 0.0;
        assert!(c.validate("agents.poisson_taker").is_err());
    }
}
