//! Sequential trader (Glosten–Milgrom 1985): one trader arrives every `period_ns`, informed with
//! probability `informed_prob`, and trades `order_size` lots at market.
//!
//! * The simulator tells it the true value (every value the fundamental takes, at once, by
//!   `on_signal`): it stands for the whole sequence of GM traders, of whom the informed know `V`.
//! * Each period it draws, from its own streams, whether this period's trader is informed
//!   (child `informed`) and the uninformed trader's coin (child `coin`). Both are drawn every
//!   period, so the informed draws never shift the coin.
//! * An informed trader buys when the value is above the ask it sees and sells when it is below
//!   the bid (in GM, `V_L < bid ≤ ask < V_H` unless the dealer is certain, so it buys exactly when
//!   `V = V_H`); with no edge it does not trade. An uninformed trader buys or sells with
//!   probability 1/2 whatever it sees.
//!
//! Orders are market orders (CLOB and FBA; under RFQ there is no book to take from). In a scenario
//! it is `[agents.sequential_trader]` (`docs/scenarios.md`); its role is `informed`.

use super::{Agent, AgentCtx};
use crate::core::config_error::{ConfigError, field_path, require};
use crate::core::{Duration, SimTime, Stream};
use crate::mechanisms::{NewOrder, OrderKind, Qty, Request, Side};
use rand::RngExt;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequentialTraderConfig {
    /// Time between arrivals; the first trader arrives at `period_ns`.
    pub period_ns: u64,
    /// Probability μ that a trader is informed.
    pub informed_prob: f64,
    /// Lots per trade.
    #[serde(default = "one_lot")]
    pub order_size: Qty,
}

fn one_lot() -> Qty {
    1
}

impl SequentialTraderConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.period_ns >= 1,
            &p("period_ns"),
            self.period_ns,
            "must be >= 1",
        )?;
        require(
            (0.0..=1.0).contains(&self.informed_prob),
            &p("informed_prob"),
            self.informed_prob,
            "must be in [0, 1]",
        )?;
        require(
            (1..=1_000_000).contains(&self.order_size),
            &p("order_size"),
            self.order_size,
            "must be in [1, 1000000]",
        )
    }
}

pub struct SequentialTrader {
    cfg: SequentialTraderConfig,
    informed: Stream,
    coin: Stream,
    /// The true value, in ticks, once the simulator has told it.
    value: Option<f64>,
}

impl SequentialTrader {
    /// `streams` is the agent's stream root, e.g. `agent/sequential_trader/0`.
    pub fn new(cfg: SequentialTraderConfig, streams: &Stream) -> Self {
        SequentialTrader {
            cfg,
            informed: streams.child("informed"),
            coin: streams.child("coin"),
            value: None,
        }
    }

    /// This period's side, if it trades: draws the informed flag and the coin.
    fn side(&mut self, ctx: &AgentCtx) -> Option<Side> {
        let informed = self.informed.random::<f64>() < self.cfg.informed_prob;
        let buy = self.coin.random::<f64>() < 0.5;
        if !informed {
            return Some(if buy { Side::Buy } else { Side::Sell });
        }
        let v = self.value?;
        match (ctx.quote.bid, ctx.quote.ask) {
            (_, Some((ask, _))) if v > ask as f64 => Some(Side::Buy),
            (Some((bid, _)), _) if v < bid as f64 => Some(Side::Sell),
            _ => None,
        }
    }
}

impl Agent for SequentialTrader {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        ctx.wake_at(SimTime::ZERO + Duration(self.cfg.period_ns), 0);
    }

    fn on_wake(&mut self, _token: u64, ctx: &mut AgentCtx) {
        if let Some(side) = self.side(ctx) {
            let id = ctx.new_order_id();
            ctx.send(Request::New(NewOrder {
                id,
                trader: ctx.id,
                side,
                qty: ctx.size(self.cfg.order_size),
                kind: OrderKind::Market,
            }));
        }
        ctx.wake_after(Duration(self.cfg.period_ns), 0);
    }

    fn on_signal(&mut self, estimate_ticks: f64, _ctx: &mut AgentCtx) {
        self.value = Some(estimate_ticks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Action, Quote};
    use crate::core::{AgentId, RepetitionSeed, Role};

    fn wake(t: &mut SequentialTrader, quote: Quote) -> Option<Side> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            SimTime::ZERO,
            AgentId(1),
            Role::Informed,
            quote,
            None,
            &mut actions,
            &mut seq,
        );
        t.on_wake(0, &mut ctx);
        let side = actions.iter().find_map(|a| match a {
            Action::Send(Request::New(o)) => Some(o.side),
            _ => None,
        });
        assert!(matches!(actions.last(), Some(Action::WakeAt(..))));
        side
    }

    #[test]
    fn an_informed_trader_trades_toward_the_value_and_the_coin_is_fair() {
        let quote = Quote {
            bid: Some((99, 1)),
            ask: Some((101, 1)),
        };
        let cfg = SequentialTraderConfig {
            period_ns: 1,
            informed_prob: 1.0,
            order_size: 1,
        };
        let root = RepetitionSeed(3).stream("agent/sequential_trader/0");
        let mut t = SequentialTrader::new(cfg, &root);
        t.value = Some(110.0);
        assert!((0..50).all(|_| wake(&mut t, quote) == Some(Side::Buy)));
        t.value = Some(90.0);
        assert!((0..50).all(|_| wake(&mut t, quote) == Some(Side::Sell)));
        // No edge: no trade.
        t.value = Some(100.0);
        assert_eq!(wake(&mut t, quote), None);
        let mut u = SequentialTrader::new(
            SequentialTraderConfig {
                informed_prob: 0.0,
                ..cfg
            },
            &root,
        );
        let buys = (0..4_000)
            .filter(|_| wake(&mut u, quote) == Some(Side::Buy))
            .count();
        // Binomial(4000, 1/2): standard deviation 31.6.
        assert!((buys as f64 - 2_000.0).abs() < 4.0 * 31.6, "{buys}");
    }
}
