//! ABIDES-style ladder market maker (rmsc04's `AdaptiveMarketMakerAgent`, a Chakraborty–Kearns
//! ladder with sizes as a share of recent volume): at Poisson times it cancels all its orders
//! and posts `levels` limit orders a side around the mid.
//!
//! At each wake (mean gap `wake_mean_s`):
//! * **spread**: with a two-sided book it updates an exponentially weighted spread,
//!   `s̄ ← α·(ask − bid) + (1 − α)·s̄` (α = `spread_alpha`, s̄ starts at `initial_spread_ticks`),
//!   and remembers the mid ⌊(bid + ask)/2⌋; with a one-sided or empty book it keeps the last
//!   mid (before any, it posts nothing);
//! * **size**: `pov` × the volume traded since its previous wake (the public prints it sees,
//!   both sides), rounded, at least `min_order_size` lots, the same on every level;
//! * **centre**: the mid shifted by the trade imbalance, `mid + trunc(price_skew_ticks·(2B/(B +
//!   S) − 1))`, B and S the buyer- and seller-initiated volume since its previous wake (no
//!   shift without volume);
//! * **ladder**: the best bid `centre − ⌊s̄/2⌋`, the best ask `centre + ⌈s̄/2⌉`, then `levels − 1`
//!   more a side, `max(1, round(level_spacing·s̄))` grid steps apart; every price on the grid.
//!   s̄ is capped at `max_spread_ticks` (a departure from ABIDES; see the field).
//!
//! ABIDES also re-posts when its book-imbalance subscription fires; this one re-posts only on its
//! wakes. Under FBA it reads the residual book published after the last batch and its orders
//! join the next batch. Under RFQ it is a dealer: asked for a quote, it answers the best level
//! of the ladder it would post (`centre ∓ s̄/2`, on the grid), centred on the last RFQ print it
//! sees (its initial value before any). Role `market_maker`; streams
//! `agent/ladder_market_maker/{i}/gaps`.

use super::clock::{PoissonClock, validate_wake_mean};
use super::value::OpenOrders;
use super::{Agent, AgentCtx, RfqNotice};
use crate::core::Stream;
use crate::core::config_error::{ConfigError, field_path, require};
use crate::mechanisms::{
    DealerQuote, NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LadderMakerConfig {
    /// Mean time between its wakes (exponential gaps), seconds (rmsc04: 60).
    pub wake_mean_s: f64,
    /// Share of the volume traded since its last wake posted at each level (rmsc04: 0.025).
    pub pov: f64,
    /// The least lots a level gets (rmsc04: 1).
    #[serde(default = "one_lot")]
    pub min_order_size: Qty,
    /// Orders a side (rmsc04: 10).
    pub levels: u32,
    /// Grid steps between levels, as a multiple of the averaged spread (rmsc04: 5).
    pub level_spacing: f64,
    /// Weight α of the newest spread in its average (rmsc04: 0.75).
    pub spread_alpha: f64,
    /// Its averaged spread before it has seen one, ticks (ABIDES: 50).
    #[serde(default = "default_initial_spread")]
    pub initial_spread_ticks: f64,
    /// How far the trade imbalance moves its centre, ticks (rmsc04: 4; 0: none).
    #[serde(default)]
    pub price_skew_ticks: f64,
    /// The widest averaged spread it acts on, ticks (default 100; not in ABIDES). The spread it
    /// averages is the book's, often its own ladder's: when a sweep takes its best levels the next
    /// best is `level_spacing` spreads away, so the spread it sees grows by that factor and its
    /// next ladder is wider again. Unbounded, that feedback ran prices from 1e5 to 1e18 ticks in
    /// minutes under large market orders (found by a referee; `tests/simulation/order_flow.rs`).
    #[serde(default = "default_max_spread")]
    pub max_spread_ticks: f64,
}

fn one_lot() -> Qty {
    1
}
fn default_initial_spread() -> f64 {
    50.0
}

fn default_max_spread() -> f64 {
    100.0
}

impl LadderMakerConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        validate_wake_mean(&p("wake_mean_s"), self.wake_mean_s)?;
        require(
            self.pov.is_finite() && (0.0..=1.0).contains(&self.pov),
            &p("pov"),
            self.pov,
            "must be in [0, 1]",
        )?;
        require(
            (1..=1_000_000).contains(&self.min_order_size),
            &p("min_order_size"),
            self.min_order_size,
            "must be in [1, 1000000] lots",
        )?;
        require(
            (1..=100).contains(&self.levels),
            &p("levels"),
            self.levels,
            "must be in [1, 100]",
        )?;
        require(
            self.level_spacing.is_finite()
                && self.level_spacing >= 0.0
                && self.level_spacing <= 1e3,
            &p("level_spacing"),
            self.level_spacing,
            "must be in [0, 1000] spreads",
        )?;
        require(
            self.spread_alpha.is_finite() && self.spread_alpha > 0.0 && self.spread_alpha <= 1.0,
            &p("spread_alpha"),
            self.spread_alpha,
            "must be in (0, 1]",
        )?;
        require(
            self.initial_spread_ticks.is_finite()
                && self.initial_spread_ticks >= 0.0
                && self.initial_spread_ticks <= 1e9,
            &p("initial_spread_ticks"),
            self.initial_spread_ticks,
            "must be in [0, 1e9] ticks",
        )?;
        require(
            self.price_skew_ticks.is_finite() && self.price_skew_ticks.abs() <= 1e9,
            &p("price_skew_ticks"),
            self.price_skew_ticks,
            "must be in [-1e9, 1e9] ticks",
        )?;
        require(
            self.max_spread_ticks.is_finite()
                && self.max_spread_ticks >= 1.0
                && self.max_spread_ticks <= 1e6,
            &p("max_spread_ticks"),
            self.max_spread_ticks,
            "must be in [1, 1e6] ticks",
        )
    }
}

const WAKE: u64 = 0;

pub struct LadderMarketMaker {
    cfg: LadderMakerConfig,
    clock: PoissonClock,
    spread: f64,
    mid: Option<Price>,
    /// The public value at time zero, ticks (its RFQ centre before any print).
    initial_value: f64,
    /// The traded volume (buys, sells) it saw at its previous wake.
    seen_volume: (Qty, Qty),
    open: OpenOrders,
}

/// One side of the ladder: prices from the touch outward, all of `qty` lots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ladder {
    pub bids: Vec<Price>,
    pub asks: Vec<Price>,
    pub qty: Qty,
}

impl LadderMarketMaker {
    /// `streams` is the agent's root, e.g. `agent/ladder_market_maker/0`.
    pub fn new(cfg: LadderMakerConfig, streams: &Stream, initial_value: f64) -> LadderMarketMaker {
        LadderMarketMaker {
            clock: PoissonClock::new(cfg.wake_mean_s, streams.child("gaps")),
            spread: cfg.initial_spread_ticks,
            mid: None,
            initial_value,
            seen_volume: (0, 0),
            open: OpenOrders::default(),
            cfg,
        }
    }

    /// Its wakes come from its population's arrival process in the simulator (a Hawkes
    /// population), not from its own clock.
    pub fn driven_externally(mut self) -> LadderMarketMaker {
        self.clock.stop();
        self
    }

    fn schedule(&mut self, ctx: &mut AgentCtx) {
        if let Some(gap) = self.clock.next_gap() {
            ctx.wake_after(gap, WAKE);
        }
    }

    /// The averaged spread, ticks.
    pub fn spread(&self) -> f64 {
        self.spread
    }

    /// The ladder it posts now (module docs), updating its spread, mid and volume memory;
    /// `None` before it has seen a two-sided book.
    pub fn ladder(&mut self, ctx: &AgentCtx) -> Option<Ladder> {
        let tick = ctx.tick_size;
        if let (Some((b, _)), Some((a, _))) = (ctx.quote.bid, ctx.quote.ask) {
            let a_ = self.cfg.spread_alpha;
            self.spread = (a_ * (a - b) as f64 + (1.0 - a_) * self.spread)
                .min(self.cfg.max_spread_ticks * tick as f64);
            self.mid = Some((a + b).div_euclid(2));
        }
        let traded = ctx.traded_volume.unwrap_or(self.seen_volume);
        let (buys, sells) = (
            traded.0.saturating_sub(self.seen_volume.0).max(0),
            traded.1.saturating_sub(self.seen_volume.1).max(0),
        );
        self.seen_volume = traded;
        let mid = self.mid?;
        let total = buys.saturating_add(sells);
        let lots = ((self.cfg.pov * total as f64 / ctx.lot_size as f64).round() as Qty)
            .max(self.cfg.min_order_size);
        let skew = if total > 0 {
            (self.cfg.price_skew_ticks * (2.0 * buys as f64 / total as f64 - 1.0)).trunc()
        } else {
            0.0
        };
        let centre = mid as f64 + skew;
        let best_bid = ctx.bid_price(centre - (self.spread / 2.0).floor());
        let best_ask = ctx.ask_price(centre + (self.spread / 2.0).ceil());
        let steps = ((self.cfg.level_spacing * self.spread / tick as f64).round() as Price).max(1);
        let n = self.cfg.levels as Price;
        Some(Ladder {
            bids: (0..n)
                .map(|j| best_bid.saturating_sub(j.saturating_mul(steps).saturating_mul(tick)))
                .filter(|&p| p >= tick)
                .collect(),
            asks: (0..n)
                .map(|j| best_ask.saturating_add(j.saturating_mul(steps).saturating_mul(tick)))
                .collect(),
            qty: lots.saturating_mul(ctx.lot_size),
        })
    }
}

impl Agent for LadderMarketMaker {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.schedule(ctx);
    }

    fn on_wake(&mut self, _token: u64, ctx: &mut AgentCtx) {
        self.schedule(ctx);
        if ctx.is_rfq() {
            return;
        }
        self.open.cancel_all(ctx);
        let Some(l) = self.ladder(ctx) else { return };
        for (side, prices) in [(Side::Buy, &l.bids), (Side::Sell, &l.asks)] {
            for &price in prices {
                let id = ctx.new_order_id();
                self.open.add(id, l.qty);
                ctx.send(Request::New(NewOrder {
                    id,
                    trader: ctx.id,
                    side,
                    qty: l.qty,
                    kind: OrderKind::Limit {
                        price,
                        tif: TimeInForce::Gtc,
                    },
                }));
            }
        }
    }

    fn on_report(&mut self, report: &Output, _ctx: &mut AgentCtx) {
        self.open.on_report(report);
    }

    fn on_rfq_notice(&mut self, notice: &RfqNotice, ctx: &mut AgentCtx) {
        let RfqNotice::Requested {
            request, side, qty, ..
        } = *notice
        else {
            return;
        };
        let Some(qty) = qty else { return };
        let centre = ctx.last_price.map_or(self.initial_value, |p| p as f64);
        let half = self.spread / 2.0;
        let bid = ctx.bid_price(centre - half.floor());
        let ask = ctx.ask_price(centre + half.ceil()).max(bid + ctx.tick_size);
        let (bid, ask) = match side {
            Some(Side::Buy) => (None, Some(ask)),
            Some(Side::Sell) => (Some(bid), None),
            None => (Some(bid), Some(ask)),
        };
        let id = ctx.new_order_id();
        ctx.send(Request::DealerQuote(DealerQuote {
            id,
            trader: ctx.id,
            request,
            bid,
            ask,
            qty,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Action, Quote};
    use crate::core::{AgentId, RepetitionSeed, Role, SimTime};

    fn config() -> LadderMakerConfig {
        LadderMakerConfig {
            wake_mean_s: 60.0,
            pov: 0.025,
            min_order_size: 1,
            levels: 10,
            level_spacing: 5.0,
            spread_alpha: 0.75,
            initial_spread_ticks: 50.0,
            price_skew_ticks: 4.0,
            max_spread_ticks: 100.0,
        }
    }

    fn maker() -> LadderMarketMaker {
        LadderMarketMaker::new(
            config(),
            &RepetitionSeed(8).stream("agent/ladder_market_maker/0"),
            100_000.0,
        )
    }

    fn wake(m: &mut LadderMarketMaker, quote: Quote, traded: (Qty, Qty)) -> Vec<Request> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            SimTime::ZERO,
            AgentId(2),
            Role::MarketMaker,
            quote,
            None,
            &mut actions,
            &mut seq,
        )
        .with_volume(1, traded);
        m.on_wake(WAKE, &mut ctx);
        actions
            .into_iter()
            .filter_map(|a| match a {
                Action::Send(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    fn book(bid: Price, ask: Price) -> Quote {
        Quote {
            bid: Some((bid, 100)),
            ask: Some((ask, 100)),
        }
    }

    fn limits(sent: &[Request], side: Side) -> Vec<(Price, Qty)> {
        sent.iter()
            .filter_map(|r| match r {
                Request::New(o) if o.side == side => match o.kind {
                    OrderKind::Limit { price, .. } => Some((price, o.qty)),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_ladder_follows_the_averaged_spread_the_volume_and_the_imbalance() {
        let mut m = maker();
        // Spread 10: s̄ = 0.75·10 + 0.25·50 = 20; 4000 lots traded, all buys: size 100,
        // imbalance +1 → centre = mid + 4 = 100,009; best bid 100,009 − 10, best ask + 10;
        // spacing 5·20 = 100 steps.
        let sent = wake(&mut m, book(100_000, 100_010), (4_000, 0));
        assert!((m.spread() - 20.0).abs() < 1e-12);
        let bids = limits(&sent, Side::Buy);
        let asks = limits(&sent, Side::Sell);
        assert_eq!(bids.len(), 10);
        assert_eq!(asks.len(), 10);
        assert_eq!(bids[0], (99_999, 100));
        assert_eq!(asks[0], (100_019, 100));
        assert_eq!(bids[1].0, 99_899);
        assert_eq!(asks[9].0, 100_019 + 900);
        // Next wake, no new volume: the least size, no skew; all 20 old orders cancelled first.
        let sent = wake(&mut m, book(100_000, 100_002), (4_000, 0));
        let cancels = sent
            .iter()
            .take_while(|r| matches!(r, Request::Cancel { .. }))
            .count();
        assert_eq!(cancels, 20);
        // s̄ = 0.75·2 + 0.25·20 = 6.5: best bid 100,001 − 3, best ask 100,001 + 4.
        let bids = limits(&sent, Side::Buy);
        assert_eq!(bids[0], (99_998, 1));
        assert_eq!(limits(&sent, Side::Sell)[0].0, 100_005);
    }

    #[test]
    fn before_a_two_sided_book_it_posts_nothing() {
        let mut m = maker();
        let sent = wake(&mut m, Quote::default(), (0, 0));
        assert!(sent.is_empty());
    }

    #[test]
    fn bad_fields_are_refused() {
        let mut c = config();
        c.spread_alpha = 0.0;
        let e = c
            .validate("agents.ladder_market_maker")
            .unwrap_err()
            .to_string();
        assert!(e.contains("agents.ladder_market_maker.spread_alpha"), "{e}");
        let mut c = config();
        c.levels = 0;
        assert!(c.validate("x").is_err());
    }
}
