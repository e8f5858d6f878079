//! ABIDES-style momentum agent (rmsc04's `MomentumAgent`): at Poisson times it reads the mid,
//! keeps the history of mids it has seen, and once it has more than `long_window` of them it
//! buys when the moving average of the last `short_window` mids is at or above that of the last
//! `long_window` (momentum up), else sells.
//!
//! The order: a GTC limit at the opposite touch (a buy at the ask, a sell at the bid), so it
//! takes what is there and rests the rest, as ABIDES' does; it never cancels. Size from `size`
//! (ABIDES' mixture by default; a draw of 0 sends nothing). The averages are rounded to 0.01
//! tick, as ABIDES rounds them to 0.01 of its price unit. It records a mid only when the book it
//! sees is two-sided (FBA: the residual book published after the last batch). Under RFQ there is
//! no book: it tracks the RFQ prints it sees instead and, as a client, requests quotes without a
//! limit. Role `noise` (it has no information about the value); streams `agent/momentum/{i}/…`.

use super::clock::{PoissonClock, validate_wake_mean};
use super::order_size::OrderSizeLaw;
use super::{Agent, AgentCtx};
use crate::core::Stream;
use crate::core::config_error::{ConfigError, field_path, require};
use crate::mechanisms::{NewOrder, OrderKind, Request, Side, TimeInForce};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentumConfig {
    /// Mean time between its wakes (exponential gaps), seconds (rmsc04: 37).
    pub wake_mean_s: f64,
    /// Mids in the short moving average (ABIDES: 20).
    #[serde(default = "default_short")]
    pub short_window: u32,
    /// Mids in the long moving average (ABIDES: 50).
    #[serde(default = "default_long")]
    pub long_window: u32,
    /// Lots per order.
    #[serde(default = "default_size")]
    pub size: OrderSizeLaw,
}

fn default_short() -> u32 {
    20
}
fn default_long() -> u32 {
    50
}
fn default_size() -> OrderSizeLaw {
    OrderSizeLaw::Abides
}

impl MomentumConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        validate_wake_mean(&p("wake_mean_s"), self.wake_mean_s)?;
        require(
            (1..=10_000).contains(&self.short_window),
            &p("short_window"),
            self.short_window,
            "must be in [1, 10000]",
        )?;
        require(
            self.long_window > self.short_window && self.long_window <= 10_000,
            &p("long_window"),
            self.long_window,
            "must be in (short_window, 10000]",
        )?;
        self.size.validate(&p("size"))
    }
}

const WAKE: u64 = 0;

pub struct MomentumAgent {
    cfg: MomentumConfig,
    clock: PoissonClock,
    sizes: Stream,
    /// The last `long_window` mids it recorded, and how many it has recorded in all.
    mids: VecDeque<f64>,
    seen: u64,
}

impl MomentumAgent {
    /// `streams` is the agent's root, e.g. `agent/momentum/0`.
    pub fn new(cfg: MomentumConfig, streams: &Stream) -> MomentumAgent {
        MomentumAgent {
            clock: PoissonClock::new(cfg.wake_mean_s, streams.child("gaps")),
            sizes: streams.child("sizes"),
            mids: VecDeque::with_capacity(cfg.long_window as usize),
            seen: 0,
            cfg,
        }
    }

    /// Its wakes come from its population's arrival process in the simulator (a Hawkes
    /// population), not from its own clock.
    pub fn driven_externally(mut self) -> MomentumAgent {
        self.clock.stop();
        self
    }

    fn schedule(&mut self, ctx: &mut AgentCtx) {
        if let Some(gap) = self.clock.next_gap() {
            ctx.wake_after(gap, WAKE);
        }
    }

    /// Records `mid`; returns the side momentum says, once it has more than `long_window` mids.
    pub fn record(&mut self, mid: f64) -> Option<Side> {
        let long = self.cfg.long_window as usize;
        if self.mids.len() == long {
            self.mids.pop_front();
        }
        self.mids.push_back(mid);
        self.seen += 1;
        if self.seen <= long as u64 {
            return None;
        }
        let avg = |n: usize| {
            let s: f64 = self.mids.iter().rev().take(n).sum();
            (s / n as f64 * 100.0).round() / 100.0
        };
        Some(if avg(self.cfg.short_window as usize) >= avg(long) {
            Side::Buy
        } else {
            Side::Sell
        })
    }
}

impl Agent for MomentumAgent {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.schedule(ctx);
    }

    fn on_wake(&mut self, _token: u64, ctx: &mut AgentCtx) {
        self.schedule(ctx);
        let (bid, ask) = (ctx.quote.bid, ctx.quote.ask);
        let observed = match (bid, ask) {
            (Some((b, _)), Some((a, _))) if !ctx.is_rfq() => Some((b + a) as f64 / 2.0),
            _ if ctx.is_rfq() => ctx.last_price.map(|p| p as f64),
            _ => None,
        };
        let Some(side) = observed.and_then(|m| self.record(m)) else {
            return;
        };
        let lots = self.cfg.size.sample(&mut self.sizes);
        if lots <= 0 {
            return;
        }
        let qty = ctx.size(lots.saturating_mul(ctx.lot_size));
        let id = ctx.new_order_id();
        if ctx.is_rfq() {
            ctx.request_quotes(id, side, qty, None);
            return;
        }
        let price = match side {
            Side::Buy => ask.expect("two-sided").0,
            Side::Sell => bid.expect("two-sided").0,
        };
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Action, Quote};
    use crate::core::{AgentId, RepetitionSeed, Role, SimTime};
    use crate::mechanisms::Price;

    fn agent() -> MomentumAgent {
        let cfg = MomentumConfig {
            wake_mean_s: 37.0,
            short_window: 20,
            long_window: 50,
            size: OrderSizeLaw::Uniform { min: 5, max: 5 },
        };
        MomentumAgent::new(cfg, &RepetitionSeed(4).stream("agent/momentum/0"))
    }

    fn wake(a: &mut MomentumAgent, bid: Price, ask: Price) -> Option<NewOrder> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let quote = Quote {
            bid: Some((bid, 10)),
            ask: Some((ask, 10)),
        };
        let mut ctx = AgentCtx::new(
            SimTime::ZERO,
            AgentId(9),
            Role::Noise,
            quote,
            None,
            &mut actions,
            &mut seq,
        );
        a.on_wake(WAKE, &mut ctx);
        assert!(matches!(actions[0], Action::WakeAt(..)));
        actions.iter().find_map(|x| match x {
            Action::Send(Request::New(o)) => Some(*o),
            _ => None,
        })
    }

    #[test]
    fn it_waits_for_the_long_window_then_follows_the_trend() {
        let mut a = agent();
        // 50 rising mids: no order yet (ABIDES needs more than 50).
        for i in 0..50 {
            assert!(wake(&mut a, 100 + i, 102 + i).is_none(), "{i}");
        }
        // Still rising: the short average is above the long one, so it buys at the ask.
        let o = wake(&mut a, 150, 152).unwrap();
        assert_eq!((o.side, o.qty), (Side::Buy, 5));
        assert_eq!(
            o.kind,
            OrderKind::Limit {
                price: 152,
                tif: TimeInForce::Gtc
            }
        );
        // A fall that drags the 20-average under the 50-average: it sells at the bid.
        let mut last = None;
        for _ in 0..30 {
            last = wake(&mut a, 50, 52);
        }
        let o = last.unwrap();
        assert_eq!(o.side, Side::Sell);
        assert_eq!(
            o.kind,
            OrderKind::Limit {
                price: 50,
                tif: TimeInForce::Gtc
            }
        );
    }

    #[test]
    fn a_flat_market_buys_ties_go_to_momentum_up() {
        let mut a = agent();
        for _ in 0..50 {
            wake(&mut a, 100, 102);
        }
        assert_eq!(wake(&mut a, 100, 102).unwrap().side, Side::Buy);
    }

    #[test]
    fn bad_windows_are_refused() {
        let mut c = agent().cfg;
        c.long_window = 20;
        let e = c.validate("agents.momentum").unwrap_err().to_string();
        assert!(e.contains("agents.momentum.long_window"), "{e}");
    }
}
