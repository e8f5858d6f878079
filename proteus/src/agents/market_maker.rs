//! Market maker: two-sided quotes around an inventory-skewed reservation price.
//!
//! * Belief: starts at the public initial value; moves by each public news shift, and by
//!   `adverse_selection_coef` ticks per lot of flow that hits it (a buyer lifting its ask is
//!   evidence the value is higher), the Glosten–Milgrom intuition in one line.
//! * Reservation price (Avellaneda–Stoikov): `r = belief − q·γ·σ²·τ`, q its inventory, τ the
//!   horizon: the constant `horizon_s`, or `T − t = max(0, session_end_s − now)` when
//!   `session_end_s` is set.
//! * Half-spread: `base + volatility_spread_coef·σ + adverse_selection_spread·A`, where A is an
//!   exponentially weighted mean of the absolute belief moves caused by its fills; clamped to
//!   `[min_half_spread_ticks, max_half_spread_ticks]`. Quotes: bid `⌊r − h⌋`, ask `⌈r + h⌉`.
//!   When `fill_decay_k` (k) is set, the Avellaneda–Stoikov optimum replaces the base and the
//!   volatility term: `h = γσ²τ/2 + (1/γ)·ln(1 + γ/k) + adverse_selection_spread·A`, clamped
//!   the same way (`half_spread_ticks` and `volatility_spread_coef` are then unused; at γ = 0 the
//!   log term is its limit 1/k).
//! * Inventory limit: at `|q| ≥ inventory_limit` it stops quoting the side that adds to it.
//! * It re-quotes on a timer, on its own fills and on public news, by amending its resting
//!   orders (a price change loses queue priority) or sending new ones; so latency matters to it.
//!
//! # As an RFQ dealer
//!
//! Under RFQ it rests nothing and sets no timer; it answers each request it is asked on
//! ([`RfqNotice::Requested`]) at once with one firm quote for the request's size around the
//! same reservation price and half-spread:
//!
//! * side shown (a one-way request whose side the leakage policy lets it see): it quotes only
//!   that side and **shades** against the client, reading the request as order flow:
//!   centre `r + D·adverse_selection_coef·qty` (D = +1 for a client buying), ask
//!   `⌈centre + h⌉`, bid `⌊centre − h⌋`;
//! * side hidden (two-way requests, or `rfq_side` hidden): both sides around `r`, unshaded;
//! * size hidden (`rfq_size`): no quote (a firm quote needs the size);
//! * a side that would take its inventory beyond `inventory_limit` is left out; with no side
//!   left it does not answer.
//!
//! It learns from what leaks: its own RFQ fills move belief and inventory as order-book fills
//! do, and a request it lost ([`RfqNotice::TradedAway`], field `rfq_trade_happened`) whose side
//! it can see moves its belief by `D·adverse_selection_coef·qty`, the same one-line
//! Glosten–Milgrom update as flow that hits it. So revealing the side and the trade costs the
//! client through the dealers' quotes.
//!
//! # Avellaneda–Stoikov mode
//!
//! With both `session_end_s` (T) and `fill_decay_k` (k) set, it is the Avellaneda–Stoikov
//! (2008) quoter: reservation price `S − q·γ·σ²·(T − t)` and total spread
//! `γσ²(T − t) + (2/γ)·ln(1 + γ/k)`, S its belief. Absent, both fields leave its behaviour and
//! its serialized config exactly as before. On a venue it prices at the simulation time of each
//! callback and rounds to ticks as above.
//!
//! # The stylized-model interface
//!
//! A harness that has no venue (the theory's market is a Poisson fill model, as in
//! `validation::avellaneda_stoikov`) drives it with [`MarketMaker::set_belief`] (the mid it
//! is told), [`MarketMaker::quote_prices_at`] (its unrounded quotes at a time) and
//! [`MarketMaker::record_fill`] (one of its quotes was hit: the same bookkeeping as a fill on
//! a venue).

use super::{Agent, AgentCtx, Quote, RfqNotice};
use crate::core::config_error::{ConfigError, field_path, require, require_non_negative};
use crate::core::{Duration, OrderId};
use crate::mechanisms::{
    DealerQuote, NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketMakerConfig {
    pub quote_size: Qty,
    pub half_spread_ticks: f64,
    pub min_half_spread_ticks: f64,
    pub max_half_spread_ticks: f64,
    /// γ of the reservation price.
    pub risk_aversion: f64,
    /// σ, the volatility it assumes, in ticks per √s.
    pub sigma_ticks_per_sqrt_s: f64,
    /// The horizon T − t of the reservation price, in seconds (held constant; unused when
    /// `session_end_s` is set).
    pub horizon_s: f64,
    /// Avellaneda–Stoikov mode: the session end T in seconds of simulation time; the horizon is
    /// then `max(0, T − now)` instead of `horizon_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_end_s: Option<f64>,
    /// Avellaneda–Stoikov mode: k, the decay of the fill intensity `A·e^(−kδ)` with the
    /// distance δ (ticks) of a quote from the mid; the half-spread is then the AS optimum
    /// `γσ²τ/2 + (1/γ)·ln(1 + γ/k)` (plus the adverse-selection term), clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_decay_k: Option<f64>,
    #[serde(default)]
    pub volatility_spread_coef: f64,
    #[serde(default)]
    pub adverse_selection_coef: f64,
    #[serde(default)]
    pub adverse_selection_spread: f64,
    pub inventory_limit: Qty,
    pub requote_interval_ns: u64,
}

impl MarketMakerConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            (1..=1_000_000).contains(&self.quote_size),
            &p("quote_size"),
            self.quote_size,
            "must be in [1, 1000000]",
        )?;
        for (name, v) in [
            ("half_spread_ticks", self.half_spread_ticks),
            ("min_half_spread_ticks", self.min_half_spread_ticks),
            ("risk_aversion", self.risk_aversion),
            ("sigma_ticks_per_sqrt_s", self.sigma_ticks_per_sqrt_s),
            ("horizon_s", self.horizon_s),
            ("volatility_spread_coef", self.volatility_spread_coef),
            ("adverse_selection_coef", self.adverse_selection_coef),
            ("adverse_selection_spread", self.adverse_selection_spread),
        ] {
            require_non_negative(&p(name), v)?;
        }
        if let Some(t) = self.session_end_s {
            require(
                t.is_finite() && t > 0.0 && t <= 604_800.0,
                &p("session_end_s"),
                t,
                "must be in (0, 604800] seconds",
            )?;
        }
        if let Some(k) = self.fill_decay_k {
            require(
                k.is_finite() && k > 0.0,
                &p("fill_decay_k"),
                k,
                "must be finite and > 0",
            )?;
        }
        require(
            self.max_half_spread_ticks.is_finite()
                && self.max_half_spread_ticks >= self.min_half_spread_ticks
                && self.max_half_spread_ticks > 0.0,
            &p("max_half_spread_ticks"),
            self.max_half_spread_ticks,
            "must be finite, > 0 and >= min_half_spread_ticks",
        )?;
        require(
            self.inventory_limit >= self.quote_size,
            &p("inventory_limit"),
            self.inventory_limit,
            "must be >= quote_size",
        )?;
        require(
            self.requote_interval_ns >= 1,
            &p("requote_interval_ns"),
            self.requote_interval_ns,
            "must be >= 1",
        )
    }
}

/// Our view of one side's resting quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LiveQuote {
    id: OrderId,
    price: Price,
    qty: Qty,
}

const TIMER: u64 = 0;
/// Weight of the newest observation in the adverse-selection average.
const EWMA_WEIGHT: f64 = 0.1;

pub struct MarketMaker {
    cfg: MarketMakerConfig,
    belief: f64,
    inventory: Qty,
    adverse_move: f64,
    bid: Option<LiveQuote>,
    ask: Option<LiveQuote>,
}

impl MarketMaker {
    pub fn new(cfg: MarketMakerConfig, initial_value: f64) -> Self {
        MarketMaker {
            cfg,
            belief: initial_value,
            inventory: 0,
            adverse_move: 0.0,
            bid: None,
            ask: None,
        }
    }

    pub fn belief(&self) -> f64 {
        self.belief
    }

    pub fn inventory(&self) -> Qty {
        self.inventory
    }

    /// The horizon τ of the reservation price at `now_s` (seconds of simulation time):
    /// `max(0, session_end_s − now_s)` in Avellaneda–Stoikov mode, else `horizon_s`.
    pub fn horizon_at(&self, now_s: f64) -> f64 {
        match self.cfg.session_end_s {
            Some(end) => (end - now_s).max(0.0),
            None => self.cfg.horizon_s,
        }
    }

    /// Reservation price `belief − q·γ·σ²·τ` at `now_s`, τ = [`Self::horizon_at`].
    pub fn reservation_price_at(&self, now_s: f64) -> f64 {
        let c = &self.cfg;
        self.belief
            - self.inventory as f64
                * c.risk_aversion
                * c.sigma_ticks_per_sqrt_s.powi(2)
                * self.horizon_at(now_s)
    }

    /// Reservation price at time zero (the same at every time unless `session_end_s` is set).
    pub fn reservation_price(&self) -> f64 {
        self.reservation_price_at(0.0)
    }

    /// Half-spread at `now_s` (see the module docs), clamped to
    /// `[min_half_spread_ticks, max_half_spread_ticks]`.
    pub fn half_spread_at(&self, now_s: f64) -> f64 {
        let c = &self.cfg;
        let base = match c.fill_decay_k {
            None => c.half_spread_ticks + c.volatility_spread_coef * c.sigma_ticks_per_sqrt_s,
            Some(k) => {
                let g = c.risk_aversion;
                let inventory_term =
                    g * c.sigma_ticks_per_sqrt_s.powi(2) * self.horizon_at(now_s) / 2.0;
                let fill_term = if g > 0.0 {
                    1.0 / g * (1.0 + g / k).ln()
                } else {
                    1.0 / k
                };
                inventory_term + fill_term
            }
        };
        (base + c.adverse_selection_spread * self.adverse_move)
            .clamp(c.min_half_spread_ticks, c.max_half_spread_ticks)
    }

    /// Half-spread at time zero (the same at every time unless both `session_end_s` and
    /// `fill_decay_k` are set).
    pub fn half_spread(&self) -> f64 {
        self.half_spread_at(0.0)
    }

    /// Its unrounded quotes `(r − h, r + h)` at `now_s`, in ticks, whatever its inventory: the
    /// prices of the stylized model (the tick-rounded, inventory-limited quotes it sends to a
    /// venue are [`Self::target_quotes_at`]).
    pub fn quote_prices_at(&self, now_s: f64) -> (f64, f64) {
        let r = self.reservation_price_at(now_s);
        let h = self.half_spread_at(now_s);
        (r - h, r + h)
    }

    /// The quotes it wants at `now_s`; a side is `None` when it is switched off.
    pub fn target_quotes_at(&self, now_s: f64) -> Quote {
        let (lo, hi) = self.quote_prices_at(now_s);
        let bid_px = lo.floor() as Price;
        let ask_px = (hi.ceil() as Price).max(bid_px + 1);
        let size = self.cfg.quote_size;
        let limit = self.cfg.inventory_limit;
        let bid = (self.inventory + size <= limit && bid_px > 0).then_some((bid_px, size));
        let ask = (self.inventory - size >= -limit && ask_px > 0).then_some((ask_px, size));
        Quote { bid, ask }
    }

    /// The quotes it wants at time zero.
    pub fn target_quotes(&self) -> Quote {
        self.target_quotes_at(0.0)
    }

    /// The quote it gives at `now_s` on an RFQ for `qty` lots, `side` the client's side if it
    /// knows it: `(bid, ask)`, `None` where it leaves the side out. See the module docs.
    pub fn rfq_quote_at(
        &self,
        now_s: f64,
        side: Option<Side>,
        qty: Qty,
    ) -> (Option<Price>, Option<Price>) {
        let shade = side.map_or(0.0, |s| {
            s.sign() as f64 * self.cfg.adverse_selection_coef * qty as f64
        });
        let centre = self.reservation_price_at(now_s) + shade;
        let h = self.half_spread_at(now_s);
        let bid_px = (centre - h).floor() as Price;
        let ask_px = ((centre + h).ceil() as Price).max(bid_px + 1);
        let limit = self.cfg.inventory_limit;
        let bid = (self.inventory + qty <= limit && bid_px > 0).then_some(bid_px);
        let ask = (self.inventory - qty >= -limit && ask_px > 0).then_some(ask_px);
        match side {
            Some(Side::Buy) => (None, ask),
            Some(Side::Sell) => (bid, None),
            None => (bid, ask),
        }
    }

    /// [`Self::rfq_quote_at`] at time zero.
    pub fn rfq_quote(&self, side: Option<Side>, qty: Qty) -> (Option<Price>, Option<Price>) {
        self.rfq_quote_at(0.0, side, qty)
    }

    /// Stylized-model interface: sets its belief (the mid a harness tells it), replacing what
    /// news and fills made of it.
    pub fn set_belief(&mut self, value_ticks: f64) {
        self.belief = value_ticks;
    }

    /// Stylized-model interface: one of its quotes was hit for `qty` lots, `side` its own side
    /// (`Buy`: its bid was hit). The same bookkeeping as a fill of a resting quote on a venue:
    /// inventory, and the adverse-selection moves of its belief and of A.
    pub fn record_fill(&mut self, side: Side, qty: Qty) {
        self.inventory += side.sign() * qty;
        // The taker is on the other side; a buyer lifting its ask moves its belief up.
        let moved = self.cfg.adverse_selection_coef * qty as f64;
        self.belief += side.opposite().sign() as f64 * moved;
        self.adverse_move += EWMA_WEIGHT * (moved - self.adverse_move);
    }

    fn requote(&mut self, ctx: &mut AgentCtx) {
        let target = self.target_quotes_at(ctx.now.as_secs_f64());
        self.bid = Self::requote_side(self.bid, target.bid, Side::Buy, ctx);
        self.ask = Self::requote_side(self.ask, target.ask, Side::Sell, ctx);
    }

    fn requote_side(
        live: Option<LiveQuote>,
        target: Option<(Price, Qty)>,
        side: Side,
        ctx: &mut AgentCtx,
    ) -> Option<LiveQuote> {
        let trader = ctx.id;
        match (live, target) {
            (None, None) => None,
            (Some(q), None) => {
                ctx.send(Request::Cancel { id: q.id, trader });
                None
            }
            (None, Some((price, qty))) => {
                let id = ctx.new_order_id();
                let kind = OrderKind::Limit {
                    price,
                    tif: TimeInForce::Gtc,
                };
                ctx.send(Request::New(NewOrder {
                    id,
                    trader,
                    side,
                    qty,
                    kind,
                }));
                Some(LiveQuote { id, price, qty })
            }
            (Some(q), Some((price, qty))) if q.price == price && q.qty == qty => Some(q),
            (Some(q), Some((price, qty))) => {
                ctx.send(Request::Amend {
                    id: q.id,
                    trader,
                    price,
                    qty,
                });
                Some(LiveQuote {
                    id: q.id,
                    price,
                    qty,
                })
            }
        }
    }

    fn forget(&mut self, id: OrderId) {
        if self.bid.is_some_and(|q| q.id == id) {
            self.bid = None;
        }
        if self.ask.is_some_and(|q| q.id == id) {
            self.ask = None;
        }
    }
}

impl Agent for MarketMaker {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        if ctx.is_rfq() {
            return;
        }
        self.requote(ctx);
        ctx.wake_after(Duration(self.cfg.requote_interval_ns), TIMER);
    }

    fn on_wake(&mut self, _token: u64, ctx: &mut AgentCtx) {
        self.requote(ctx);
        ctx.wake_after(Duration(self.cfg.requote_interval_ns), TIMER);
    }

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        self.belief += shift_ticks;
        if !ctx.is_rfq() {
            self.requote(ctx);
        }
    }

    fn on_rfq_notice(&mut self, notice: &RfqNotice, ctx: &mut AgentCtx) {
        match *notice {
            RfqNotice::Requested {
                request, side, qty, ..
            } => {
                let Some(qty) = qty else { return };
                let (bid, ask) = self.rfq_quote_at(ctx.now.as_secs_f64(), side, qty);
                if bid.is_none() && ask.is_none() {
                    return;
                }
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
            RfqNotice::TradedAway {
                side: Some(side),
                qty: Some(qty),
                ..
            } => {
                self.belief += side.sign() as f64 * self.cfg.adverse_selection_coef * qty as f64;
            }
            RfqNotice::TradedAway { .. } => {}
        }
    }

    fn on_report(&mut self, report: &Output, ctx: &mut AgentCtx) {
        match *report {
            Output::Fill(f) => {
                let mine = if f.maker == ctx.id {
                    f.maker_order
                } else {
                    f.taker_order
                };
                let my_side = if f.maker == ctx.id {
                    f.taker_side.opposite()
                } else {
                    f.taker_side
                };
                if f.maker == ctx.id {
                    self.record_fill(my_side, f.qty);
                } else {
                    self.inventory += my_side.sign() * f.qty;
                }
                if ctx.is_rfq() {
                    return;
                }
                for q in [&mut self.bid, &mut self.ask] {
                    if let Some(live) = q.as_mut().filter(|l| l.id == mine) {
                        live.qty -= f.qty;
                        if live.qty <= 0 {
                            *q = None;
                        }
                    }
                }
                self.requote(ctx);
            }
            Output::Cancelled { id, .. } | Output::Rejected { id, .. } => self.forget(id),
            Output::Rested { id, qty, .. } => {
                for live in [&mut self.bid, &mut self.ask].into_iter().flatten() {
                    if live.id == id {
                        live.qty = qty;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Action;
    use crate::core::{AgentId, Role, SimTime};
    use crate::mechanisms::Fill;

    fn config() -> MarketMakerConfig {
        MarketMakerConfig {
            quote_size: 5,
            half_spread_ticks: 2.0,
            min_half_spread_ticks: 1.0,
            max_half_spread_ticks: 20.0,
            risk_aversion: 0.01,
            sigma_ticks_per_sqrt_s: 0.5,
            horizon_s: 10.0,
            session_end_s: None,
            fill_decay_k: None,
            volatility_spread_coef: 1.0,
            adverse_selection_coef: 0.05,
            adverse_selection_spread: 2.0,
            inventory_limit: 100,
            requote_interval_ns: 1_000_000,
        }
    }

    fn as_config() -> MarketMakerConfig {
        MarketMakerConfig {
            min_half_spread_ticks: 0.0,
            max_half_spread_ticks: 1e9,
            risk_aversion: 0.1,
            sigma_ticks_per_sqrt_s: 2.0,
            session_end_s: Some(60.0),
            fill_decay_k: Some(1.5),
            adverse_selection_coef: 0.0,
            adverse_selection_spread: 0.0,
            ..config()
        }
    }

    /// The prices it sends in `on_start` at `now`: `(bid, ask)`.
    fn started_at(mm: &mut MarketMaker, now: SimTime) -> (Price, Price) {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            now,
            AgentId(0),
            Role::MarketMaker,
            Quote::default(),
            None,
            &mut actions,
            &mut seq,
        );
        mm.on_start(&mut ctx);
        let price = |side| {
            actions.iter().find_map(|a| match a {
                Action::Send(Request::New(o)) if o.side == side => match o.kind {
                    OrderKind::Limit { price, .. } => Some(price),
                    _ => None,
                },
                _ => None,
            })
        };
        (price(Side::Buy).unwrap(), price(Side::Sell).unwrap())
    }

    /// Without the Avellaneda–Stoikov fields: the constant-horizon formulas at every time, and
    /// a serialized config without the new keys.
    #[test]
    fn outside_as_mode_nothing_depends_on_time() {
        let mut mm = MarketMaker::new(config(), 1000.0);
        mm.record_fill(Side::Buy, 5);
        let c = config();
        let r = mm.belief() - 5.0 * c.risk_aversion * c.sigma_ticks_per_sqrt_s.powi(2) * 10.0;
        let h = (2.0 + 1.0 * 0.5 + 2.0 * mm.adverse_move).clamp(1.0, 20.0);
        for t in [0.0, 3.0, 1e4] {
            assert_eq!(mm.reservation_price_at(t), r);
            assert_eq!(mm.half_spread_at(t), h);
            assert_eq!(mm.target_quotes_at(t), mm.target_quotes());
        }
        let started = |now| {
            let mut mm = MarketMaker::new(config(), 1000.0);
            mm.record_fill(Side::Buy, 5);
            started_at(&mut mm, now)
        };
        assert_eq!(started(SimTime(7_000_000_000)), started(SimTime::ZERO));
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            !json.contains("session_end_s") && !json.contains("fill_decay_k"),
            "{json}"
        );
        let back: MarketMakerConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    /// In Avellaneda–Stoikov mode: reservation price `S − qγσ²(T − t)` and half-spread
    /// `γσ²(T − t)/2 + (1/γ)·ln(1 + γ/k)`, exactly (σ = 2 keeps the products exact).
    #[test]
    fn as_mode_is_the_closed_form() {
        let (g, s2, k, end) = (0.1, 4.0, 1.5, 60.0);
        for (q, t) in [(0i64, 0.0), (3, 10.0), (-7, 45.5), (2, 60.0)] {
            let mut mm = MarketMaker::new(as_config(), 1000.0);
            mm.record_fill(if q >= 0 { Side::Buy } else { Side::Sell }, q.abs());
            assert_eq!(mm.inventory(), q);
            let tau: f64 = end - t;
            assert_eq!(mm.horizon_at(t), tau);
            assert_eq!(mm.reservation_price_at(t), 1000.0 - q as f64 * g * s2 * tau);
            let h = g * s2 * tau / 2.0 + 1.0 / g * (1.0 + g / k).ln();
            assert_eq!(mm.half_spread_at(t), h);
            let (bid, ask) = mm.quote_prices_at(t);
            assert!((ask - bid - 2.0 * h).abs() < 1e-12);
        }
        // Past the session end the horizon stays at 0.
        let mm = MarketMaker::new(as_config(), 1000.0);
        assert_eq!(mm.horizon_at(90.0), 0.0);
        assert_eq!(
            mm.half_spread_at(90.0),
            1.0 / 0.1 * (1.0f64 + 0.1 / 1.5).ln()
        );
        // At γ = 0 the log term is its limit 1/k.
        let cfg = MarketMakerConfig {
            risk_aversion: 0.0,
            ..as_config()
        };
        assert_eq!(MarketMaker::new(cfg, 1000.0).half_spread_at(0.0), 1.0 / 1.5);
    }

    /// On a venue it prices at the callback's time: the spread narrows towards the session end.
    #[test]
    fn on_a_venue_it_quotes_at_the_simulation_time() {
        let mut spreads = Vec::new();
        for secs in [0u64, 30, 59] {
            let mut mm = MarketMaker::new(as_config(), 1000.0);
            let (lo, hi) = mm.quote_prices_at(secs as f64);
            let expected = (lo.floor() as Price, hi.ceil() as Price);
            let (bid, ask) = started_at(&mut mm, SimTime(secs * 1_000_000_000));
            assert_eq!((bid, ask), expected);
            spreads.push(ask - bid);
        }
        assert!(spreads[2] < spreads[0], "{spreads:?}");
    }

    /// `record_fill` is the bookkeeping of a fill of one of its resting quotes on a venue.
    #[test]
    fn record_fill_is_a_venue_fill_of_its_quote() {
        let mut on_venue = MarketMaker::new(config(), 1000.0);
        let mut stylized = MarketMaker::new(config(), 1000.0);
        for (taker_side, qty) in [(Side::Buy, 3), (Side::Sell, 5), (Side::Sell, 2)] {
            let (mut actions, mut seq) = (Vec::new(), 0);
            let mut ctx = AgentCtx::new(
                SimTime::ZERO,
                AgentId(0),
                Role::MarketMaker,
                Quote::default(),
                None,
                &mut actions,
                &mut seq,
            );
            let fill = Fill {
                taker_order: OrderId(99),
                maker_order: OrderId(1),
                taker: AgentId(1),
                maker: AgentId(0),
                taker_side,
                price: 1000,
                qty,
            };
            on_venue.on_report(&Output::Fill(fill), &mut ctx);
            stylized.record_fill(taker_side.opposite(), qty);
            assert_eq!(on_venue.inventory(), stylized.inventory());
            assert_eq!(on_venue.belief(), stylized.belief());
            assert_eq!(on_venue.half_spread(), stylized.half_spread());
        }
        assert_eq!(stylized.inventory(), 4);
    }

    #[test]
    fn as_fields_are_validated() {
        for (cfg, needle) in [
            (
                MarketMakerConfig {
                    session_end_s: Some(0.0),
                    ..as_config()
                },
                "`mm.session_end_s` = 0: must be in (0, 604800] seconds",
            ),
            (
                MarketMakerConfig {
                    fill_decay_k: Some(f64::NAN),
                    ..as_config()
                },
                "`mm.fill_decay_k` = NaN: must be finite and > 0",
            ),
        ] {
            let e = cfg.validate("mm").unwrap_err().to_string();
            assert_eq!(e, needle);
        }
        as_config().validate("mm").unwrap();
    }
}
