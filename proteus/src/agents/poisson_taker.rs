//! The Avellaneda–Stoikov (2008) liquidity taker: market orders that arrive at the best resting
//! quote on each side with Poisson intensity `A·e^(−kδ)`, δ the quote's distance from the mid
//! (in ticks; δ may be negative when a quote is through the mid).
//!
//! It is the paper's discrete procedure, run by the simulator: the taker is told the mid (the
//! fundamental) at every change, at once (`knows_value` by type, like a sequential trader), and
//! at each change it takes each side's best quote with probability `min(1, A·e^(−kδ)·Δt)`,
//! independently on the two sides (both may be hit at the same change), Δt the time since the
//! previous change it was told (the paper's dt when the fundamental steps on a grid of dt). δ is
//! measured from the mid it was just told (`delta_from = "current"`: the quotes stood while the
//! mid moved, the paper's procedure) or from the one before (`"previous"`: the mid the quotes
//! were set at). It sends a market order ([`OrderKind::Market`]) of `order_size` lots against
//! the quote it decided on; the venue does the rest (a market order on an empty side expires
//! unfilled). Its draws: one uniform per quoted side and change, from its own streams
//! `agent/poisson_taker/{i}/bid` and `…/ask`, so two runs that differ only in the market maker
//! face the same taker (common random numbers).
//!
//! Where the distances come from: δ_bid = mid − best bid, δ_ask = best ask − mid, with the mid
//! in the same tick units as the book's prices, unrounded, and the book the one it sees (its
//! market-data latency). In a scenario it is `[agents.poisson_taker]`; its role is `noise` (its
//! orders carry no information about future values).

use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require};
use crate::core::{SimTime, Stream};
use crate::mechanisms::{NewOrder, OrderKind, Price, Qty, Request, Side};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Which mid the taker measures δ from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeltaFrom {
    /// The mid it was just told (after the move: the quotes stood while the mid moved).
    #[default]
    Current,
    /// The mid it was told before that one (the mid the quotes were set at).
    Previous,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoissonTakerConfig {
    /// A: the intensity of market orders at a quote on the mid, per side, per second.
    pub intensity_a: f64,
    /// k: the decay of the intensity with the distance δ, per tick.
    pub fill_decay_k: f64,
    /// The mid δ is measured from.
    #[serde(default)]
    pub delta_from: DeltaFrom,
    /// Lots per market order.
    #[serde(default = "one_lot")]
    pub order_size: Qty,
}

fn one_lot() -> Qty {
    1
}

impl PoissonTakerConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.intensity_a.is_finite() && self.intensity_a > 0.0 && self.intensity_a <= 1e9,
            &p("intensity_a"),
            self.intensity_a,
            "must be in (0, 1e9] per second",
        )?;
        require(
            self.fill_decay_k.is_finite() && self.fill_decay_k > 0.0,
            &p("fill_decay_k"),
            self.fill_decay_k,
            "must be finite and > 0",
        )?;
        require(
            (1..=1_000_000).contains(&self.order_size),
            &p("order_size"),
            self.order_size,
            "must be in [1, 1000000]",
        )
    }

    /// The probability that a quote at distance `delta` ticks is hit at a change `dt_s`
    /// seconds after the previous one: `min(1, A·e^(−kδ)·dt)`.
    pub fn hit_probability(&self, delta: f64, dt_s: f64) -> f64 {
        (self.intensity_a * (-self.fill_decay_k * delta).exp() * dt_s).min(1.0)
    }
}

/// What the taker did at one change on one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TakerDraw {
    /// The distance δ of the quote it faced (ticks); `None`: that side of the book was empty.
    pub delta: Option<f64>,
    /// The probability it took it with (0 on an empty side).
    pub probability: f64,
    /// Whether it sent a market order.
    pub sent: bool,
}

impl TakerDraw {
    /// The decision on the side whose best quote is `best` (`Side::Buy`: the best bid, which it
    /// hits by selling), at mid `mid`, `dt_s` after the previous change, with uniform `u`.
    pub fn decide(
        cfg: &PoissonTakerConfig,
        quote_side: Side,
        best: Option<Price>,
        mid: f64,
        dt_s: f64,
        u: f64,
    ) -> TakerDraw {
        let Some(price) = best else {
            return TakerDraw {
                delta: None,
                probability: 0.0,
                sent: false,
            };
        };
        let delta = match quote_side {
            Side::Buy => mid - price as f64,
            Side::Sell => price as f64 - mid,
        };
        let probability = cfg.hit_probability(delta, dt_s);
        TakerDraw {
            delta: Some(delta),
            probability,
            sent: u < probability,
        }
    }
}

pub struct PoissonTaker {
    cfg: PoissonTakerConfig,
    bid_draws: Stream,
    ask_draws: Stream,
    /// The last mid it was told, and when.
    last: Option<(SimTime, f64)>,
}

impl PoissonTaker {
    /// `streams` is the agent's stream root, e.g. `agent/poisson_taker/0`.
    pub fn new(cfg: PoissonTakerConfig, streams: &Stream) -> PoissonTaker {
        PoissonTaker {
            cfg,
            bid_draws: streams.child("bid"),
            ask_draws: streams.child("ask"),
            last: None,
        }
    }

    pub fn config(&self) -> &PoissonTakerConfig {
        &self.cfg
    }
}

impl Agent for PoissonTaker {
    fn on_start(&mut self, _ctx: &mut AgentCtx) {}

    fn on_signal(&mut self, mid: f64, ctx: &mut AgentCtx) {
        let Some((then, before)) = self.last.replace((ctx.now, mid)) else {
            return;
        };
        let dt_s = (ctx.now - then).as_secs_f64();
        let at = match self.cfg.delta_from {
            DeltaFrom::Current => mid,
            DeltaFrom::Previous => before,
        };
        // Both sides see the book as it stands now: the first market order cannot change what
        // the second one faced.
        let (bid, ask) = (ctx.quote.bid.map(|b| b.0), ctx.quote.ask.map(|a| a.0));
        for (side, best) in [(Side::Buy, bid), (Side::Sell, ask)] {
            if best.is_none() {
                continue;
            }
            let draws = match side {
                Side::Buy => &mut self.bid_draws,
                Side::Sell => &mut self.ask_draws,
            };
            let u: f64 = draws.random();
            if TakerDraw::decide(&self.cfg, side, best, at, dt_s, u).sent {
                let id = ctx.new_order_id();
                ctx.send(Request::New(NewOrder {
                    id,
                    trader: ctx.id,
                    side: side.opposite(),
                    qty: ctx.size(self.cfg.order_size),
                    kind: OrderKind::Market,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Action, Quote};
    use crate::core::{AgentId, Duration, RepetitionSeed, Role};

    fn config() -> PoissonTakerConfig {
        PoissonTakerConfig {
            intensity_a: 140.0,
            fill_decay_k: 1.5,
            delta_from: DeltaFrom::Current,
            order_size: 1,
        }
    }

    #[test]
    fn probability_is_the_papers_capped_intensity() {
        let c = config();
        assert!((c.hit_probability(0.0, 0.005) - 0.7).abs() < 1e-12);
        assert!((c.hit_probability(1.0, 0.005) - 0.7 * (-1.5f64).exp()).abs() < 1e-12);
        assert_eq!(c.hit_probability(-10.0, 0.005), 1.0);
    }

    #[test]
    fn decides_against_the_quote_it_faces() {
        let c = config();
        let d = TakerDraw::decide(&c, Side::Buy, Some(99), 100.0, 0.005, 0.0);
        assert_eq!(d.delta, Some(1.0));
        assert!(d.sent);
        let d = TakerDraw::decide(&c, Side::Sell, Some(101), 100.5, 0.005, 0.999);
        assert_eq!(d.delta, Some(0.5));
        assert!(!d.sent);
        let d = TakerDraw::decide(&c, Side::Sell, None, 100.5, 0.005, 0.0);
        assert!(d.delta.is_none() && !d.sent);
    }

    /// Told the mid at `t` (ns) with the book `quote`: the market orders it sends.
    fn tell(t: &mut PoissonTaker, ns: u64, mid: f64, quote: Quote) -> Vec<NewOrder> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            SimTime::ZERO + Duration(ns),
            AgentId(4),
            Role::Noise,
            quote,
            None,
            &mut actions,
            &mut seq,
        );
        t.on_signal(mid, &mut ctx);
        actions
            .iter()
            .map(|a| match a {
                Action::Send(Request::New(o)) => *o,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn book(bid: Price, ask: Price) -> Quote {
        Quote {
            bid: Some((bid, 1)),
            ask: Some((ask, 1)),
        }
    }

    #[test]
    fn acts_at_each_change_after_the_first_with_one_lot_market_orders() {
        let root = RepetitionSeed(5).stream("agent/poisson_taker/0");
        let mut t = PoissonTaker::new(config(), &root);
        // The first value is only remembered: no step has passed.
        assert!(tell(&mut t, 0, 100.0, book(99, 101)).is_empty());
        // A quote far through the mid is hit with probability 1, on both sides.
        let sent = tell(&mut t, 5_000_000, 100.0, book(150, 50));
        assert_eq!(sent.len(), 2);
        assert_eq!((sent[0].side, sent[1].side), (Side::Sell, Side::Buy));
        for o in &sent {
            assert_eq!((o.qty, o.kind), (1, OrderKind::Market));
        }
        // A quote 10^4 ticks away is never hit (e^(−15000)); an empty side draws nothing.
        assert!(tell(&mut t, 10_000_000, 100.0, book(-9_900, 10_100)).is_empty());
        assert!(tell(&mut t, 15_000_000, 100.0, Quote::default()).is_empty());
    }

    #[test]
    fn hit_frequency_is_a_dt_times_e_to_the_minus_k_delta() {
        let root = RepetitionSeed(6).stream("agent/poisson_taker/0");
        let mut t = PoissonTaker::new(config(), &root);
        tell(&mut t, 0, 100.0, Quote::default());
        let n = 20_000u64;
        let mut hits = [0u64; 2];
        for i in 1..=n {
            // The bid 1 tick below the mid (p = 0.7·e^(−1.5)), the ask on it (p = 0.7).
            for o in tell(&mut t, i * 5_000_000, 100.0, book(99, 100)) {
                hits[usize::from(o.side == Side::Buy)] += 1;
            }
        }
        for (h, p) in [(hits[0], 0.7 * (-1.5f64).exp()), (hits[1], 0.7)] {
            let f = h as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((f - p).abs() < 4.0 * se, "{f} vs {p}");
        }
    }

    #[test]
    fn previous_measures_from_the_mid_before_the_move() {
        // Quotes at 99/101 around the old mid 100; the mid jumps to 1000. From the current mid
        // the ask is 899 ticks through it (certain); from the previous one δ = 1 tick
        // (p = 0.7·e^(−1.5) ≈ 0.156). Fresh takers, each on its own stream.
        let asks_taken = |delta_from| {
            (0..400u64)
                .filter(|&i| {
                    let root = RepetitionSeed(i).stream("agent/poisson_taker/0");
                    let cfg = PoissonTakerConfig {
                        delta_from,
                        ..config()
                    };
                    let mut t = PoissonTaker::new(cfg, &root);
                    tell(&mut t, 0, 100.0, Quote::default());
                    tell(&mut t, 5_000_000, 1000.0, book(99, 101))
                        .iter()
                        .any(|o| o.side == Side::Buy)
                })
                .count()
        };
        assert_eq!(asks_taken(DeltaFrom::Current), 400);
        let n = asks_taken(DeltaFrom::Previous);
        assert!((30..100).contains(&n), "{n} of 400 (expected about 62)");
    }

    #[test]
    fn bad_fields_are_refused() {
        let mut c = config();
        c.fill_decay_k = 0.0;
        let e = c.validate("agents.poisson_taker").unwrap_err().to_string();
        assert!(e.contains("agents.poisson_taker.fill_decay_k"), "{e}");
        let mut c = config();
        c.intensity_a = f64::INFINITY;
        assert!(c.validate("x").is_err());
        let mut c = config();
        c.order_size = 0;
        assert!(c.validate("x").is_err());
    }
}
