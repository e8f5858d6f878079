//! Metaorder trader: large parent orders, executed as a run of child orders of one sign, the
//! mechanism behind the long memory of order signs (Lillo, Mike and Farmer 2005, "Theory for
//! long memory in supply and demand", *Phys. Rev. E* 71, 066122).
//!
//! Parents arrive at Poisson times of rate `parent_rate_per_s` (or as its population's Hawkes
//! process, `arrivals`), each on a fair coin's side and of `L` child orders with a power-law
//! tail, `P(L ≥ l) = l^(−α)` for l = 1, 2, … (α = `size_exponent`; drawn as `⌊U^(−1/α)⌋`, cut
//! at `max_children`). Parents overlap: each runs on its own clock, one child every
//! exponential gap of mean `child_gap_mean_s`, until its `L` children are sent. With parents of
//! that size law mixed with other order flow, the autocorrelation of order signs decays as
//! `τ^(−γ)` with `γ = α − 1` (LMF); α = 1.5 gives Lillo and Farmer's γ ≈ 0.5.
//!
//! A child is a market order of `child_size` lots (CLOB and FBA: it takes what the book or the
//! batch offers; under RFQ a quote request without a limit, as a noise trader's market order).
//! It knows nothing of the value and never looks at prices: the same draws give the same parents
//! and children at the same times under every mechanism. Role `noise`; streams
//! `agent/metaorder/{i}/parents` (arrival gaps), `…/decisions` (side, length, child sizes) and
//! `…/children` (child gaps).

use super::order_size::OrderSizeLaw;
use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require};
use crate::core::{Duration, Stream};
use crate::mechanisms::{NewOrder, OrderKind, Request, Side};
use rand::RngExt;
use rand_distr::{Distribution, Exp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaorderConfig {
    /// Rate at which each trader starts parent orders, per second.
    pub parent_rate_per_s: f64,
    /// Mean gap between two children of one parent, seconds.
    pub child_gap_mean_s: f64,
    /// α, the tail exponent of parent lengths in children: `P(L ≥ l) = l^(−α)`.
    #[serde(default = "default_exponent")]
    pub size_exponent: f64,
    /// The longest parent, in children.
    #[serde(default = "default_max_children")]
    pub max_children: u32,
    /// Lots per child order.
    #[serde(default = "default_child_size")]
    pub child_size: OrderSizeLaw,
}

fn default_exponent() -> f64 {
    1.5
}
fn default_max_children() -> u32 {
    10_000
}
fn default_child_size() -> OrderSizeLaw {
    OrderSizeLaw::Uniform { min: 1, max: 100 }
}

impl MetaorderConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.parent_rate_per_s.is_finite()
                && self.parent_rate_per_s > 0.0
                && self.parent_rate_per_s <= 1e6,
            &p("parent_rate_per_s"),
            self.parent_rate_per_s,
            "must be in (0, 1e6] per second",
        )?;
        require(
            self.child_gap_mean_s.is_finite() && (1e-6..=1e6).contains(&self.child_gap_mean_s),
            &p("child_gap_mean_s"),
            self.child_gap_mean_s,
            "must be in [1e-6, 1e6] seconds",
        )?;
        require(
            self.size_exponent.is_finite() && self.size_exponent > 1.0 && self.size_exponent <= 5.0,
            &p("size_exponent"),
            self.size_exponent,
            "must be in (1, 5] (1 or less has no finite mean length)",
        )?;
        require(
            (1..=1_000_000).contains(&self.max_children),
            &p("max_children"),
            self.max_children,
            "must be in [1, 1000000]",
        )?;
        self.child_size.validate(&p("child_size"))
    }

    /// The mean number of children of a parent, `Σ_{l=1}^{max} l^(−α)`.
    pub fn mean_children(&self) -> f64 {
        (1..=self.max_children)
            .map(|l| f64::from(l).powf(-self.size_exponent))
            .sum()
    }
}

/// The token of a parent's arrival; a child of parent k wakes with token k ≥ 1.
const ARRIVAL: u64 = 0;

/// One parent order in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Parent {
    token: u64,
    side: Side,
    remaining: u32,
}

pub struct MetaorderTrader {
    cfg: MetaorderConfig,
    /// Its own arrival clock; `None` when its population's arrivals are driven from outside
    /// (a Hawkes process in the simulator).
    parent_gap: Option<Exp<f64>>,
    parents: Stream,
    decisions: Stream,
    child_gap: Exp<f64>,
    children: Stream,
    active: Vec<Parent>,
    next_token: u64,
}

impl MetaorderTrader {
    /// `streams` is its root, e.g. `agent/metaorder/0`; `own_clock` is false when the simulator
    /// delivers its parents' arrivals (a Hawkes population).
    pub fn new(cfg: MetaorderConfig, streams: &Stream, own_clock: bool) -> MetaorderTrader {
        MetaorderTrader {
            parent_gap: own_clock.then(|| Exp::new(cfg.parent_rate_per_s).expect("validated")),
            parents: streams.child("parents"),
            decisions: streams.child("decisions"),
            child_gap: Exp::new(1.0 / cfg.child_gap_mean_s).expect("validated"),
            children: streams.child("children"),
            active: Vec::new(),
            next_token: 1,
            cfg,
        }
    }

    /// A parent's length in children: `⌊U^(−1/α)⌋` with U uniform on (0, 1], cut at the cap.
    pub fn draw_length(&mut self) -> u32 {
        let u = 1.0 - self.decisions.random::<f64>();
        let l = u.powf(-1.0 / self.cfg.size_exponent).floor();
        l.clamp(1.0, f64::from(self.cfg.max_children)) as u32
    }

    fn gap(law: &Exp<f64>, s: &mut Stream) -> Duration {
        let secs: f64 = law.sample(s);
        Duration(((secs * 1e9).round().min(1e18) as u64).max(1))
    }

    fn schedule_arrival(&mut self, ctx: &mut AgentCtx) {
        if let Some(law) = &self.parent_gap {
            ctx.wake_after(Self::gap(law, &mut self.parents), ARRIVAL);
        }
    }

    fn start_parent(&mut self, ctx: &mut AgentCtx) {
        let side = if self.decisions.random::<bool>() {
            Side::Buy
        } else {
            Side::Sell
        };
        let remaining = self.draw_length();
        let token = self.next_token;
        self.next_token += 1;
        self.active.push(Parent {
            token,
            side,
            remaining,
        });
        // The first child goes at once, the next after a gap.
        self.send_child(token, ctx);
    }

    fn send_child(&mut self, token: u64, ctx: &mut AgentCtx) {
        let Some(pos) = self.active.iter().position(|p| p.token == token) else {
            return;
        };
        let side = self.active[pos].side;
        self.active[pos].remaining -= 1;
        if self.active[pos].remaining == 0 {
            self.active.swap_remove(pos);
        } else {
            ctx.wake_after(Self::gap(&self.child_gap, &mut self.children), token);
        }
        let lots = self.cfg.child_size.sample(&mut self.decisions);
        if lots <= 0 {
            return;
        }
        let qty = ctx.size(lots.saturating_mul(ctx.lot_size));
        let id = ctx.new_order_id();
        if ctx.is_rfq() {
            ctx.request_quotes(id, side, qty, None);
        } else {
            ctx.send(Request::New(NewOrder {
                id,
                trader: ctx.id,
                side,
                qty,
                kind: OrderKind::Market,
            }));
        }
    }

    /// Parents in progress.
    pub fn active_parents(&self) -> usize {
        self.active.len()
    }
}

impl Agent for MetaorderTrader {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.schedule_arrival(ctx);
    }

    fn on_wake(&mut self, token: u64, ctx: &mut AgentCtx) {
        if token == ARRIVAL {
            self.schedule_arrival(ctx);
            self.start_parent(ctx);
        } else {
            self.send_child(token, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Action, Quote};
    use crate::core::{AgentId, RepetitionSeed, Role, SimTime};

    fn cfg() -> MetaorderConfig {
        MetaorderConfig {
            parent_rate_per_s: 0.01,
            child_gap_mean_s: 5.0,
            size_exponent: 1.5,
            max_children: 10_000,
            child_size: OrderSizeLaw::Uniform { min: 3, max: 3 },
        }
    }

    fn call(a: &mut MetaorderTrader, token: Option<u64>) -> Vec<Action> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let quote = Quote {
            bid: Some((99, 10)),
            ask: Some((101, 10)),
        };
        let mut ctx = AgentCtx::new(
            SimTime::ZERO,
            AgentId(3),
            Role::Noise,
            quote,
            None,
            &mut actions,
            &mut seq,
        );
        match token {
            None => a.on_start(&mut ctx),
            Some(t) => a.on_wake(t, &mut ctx),
        }
        actions
    }

    #[test]
    fn parent_lengths_follow_the_power_law() {
        // P(L ≥ l) = l^(−1.5): 1 − 2^(−1.5) = 0.646 of parents have one child, 10^(−1.5) =
        // 0.0316 have ten or more, 100^(−1.5) = 0.001 a hundred or more.
        let mut a =
            MetaorderTrader::new(cfg(), &RepetitionSeed(2).stream("agent/metaorder/0"), true);
        let n = 200_000;
        let lengths: Vec<u32> = (0..n).map(|_| a.draw_length()).collect();
        let share = |l: u32| lengths.iter().filter(|&&x| x >= l).count() as f64 / n as f64;
        for (l, p) in [(2, 2f64.powf(-1.5)), (10, 0.031623), (100, 0.001)] {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (share(l) - p).abs() < 4.0 * se,
                "P(L ≥ {l}) = {}, not {p}",
                share(l)
            );
        }
        // The mean is ζ(1.5) = 2.612 cut at 10,000 children: Σ l^(−1.5) = 2.592.
        assert!(
            (cfg().mean_children() - 2.5924).abs() < 1e-3,
            "{}",
            cfg().mean_children()
        );
    }

    #[test]
    fn a_parent_sends_its_children_on_one_side_then_stops() {
        let mut a =
            MetaorderTrader::new(cfg(), &RepetitionSeed(7).stream("agent/metaorder/0"), true);
        // On start only the arrival clock is set.
        let start = call(&mut a, None);
        assert!(
            matches!(start.as_slice(), [Action::WakeAt(_, ARRIVAL)]),
            "{start:?}"
        );
        // Find a seed-given parent with several children by starting parents until one lasts.
        loop {
            let acts = call(&mut a, Some(ARRIVAL));
            if a.active_parents() == 1 {
                break;
            }
            // A one-child parent: an arrival timer and one market order, nothing left.
            assert_eq!(
                acts.iter().filter(|x| matches!(x, Action::Send(_))).count(),
                1
            );
        }
        let token = a.active[0].token;
        let (side, mut left) = (a.active[0].side, a.active[0].remaining);
        while left > 0 {
            let acts = call(&mut a, Some(token));
            let orders: Vec<NewOrder> = acts
                .iter()
                .filter_map(|x| match x {
                    Action::Send(Request::New(o)) => Some(*o),
                    _ => None,
                })
                .collect();
            assert_eq!(orders.len(), 1);
            assert_eq!(
                (orders[0].side, orders[0].qty, orders[0].kind),
                (side, 3, OrderKind::Market)
            );
            left -= 1;
            let rearmed = acts
                .iter()
                .any(|x| matches!(x, Action::WakeAt(_, t) if *t == token));
            assert_eq!(rearmed, left > 0, "a child timer while children remain");
        }
        assert_eq!(a.active_parents(), 0);
        // A stale child timer does nothing.
        assert!(call(&mut a, Some(token)).is_empty());
    }

    #[test]
    fn driven_from_outside_it_sets_no_arrival_clock() {
        let mut a =
            MetaorderTrader::new(cfg(), &RepetitionSeed(7).stream("agent/metaorder/0"), false);
        assert!(call(&mut a, None).is_empty());
        let acts = call(&mut a, Some(ARRIVAL));
        assert!(!acts.iter().any(|x| matches!(x, Action::WakeAt(_, ARRIVAL))));
        assert_eq!(
            acts.iter().filter(|x| matches!(x, Action::Send(_))).count(),
            1
        );
    }

    #[test]
    fn bad_fields_are_refused_with_their_path() {
        let mut c = cfg();
        c.size_exponent = 1.0;
        let e = c.validate("agents.metaorder").unwrap_err().to_string();
        assert!(e.contains("agents.metaorder.size_exponent"), "{e}");
        let mut c = cfg();
        c.child_gap_mean_s = 0.0;
        let e = c.validate("agents.metaorder").unwrap_err().to_string();
        assert!(e.contains("agents.metaorder.child_gap_mean_s"), "{e}");
    }
}
