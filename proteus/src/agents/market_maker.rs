//! Market maker: two-sided quotes around an inventory-skewed reservation price, a spread that
//! prices the adverse selection it learns from the markouts of its own fills, and Bertrand
//! competition against the quotes it sees in the book.
//!
//! One rule under every mechanism (CLOB, FBA, RFQ); only what it can see differs.
//!
//! # Values
//!
//! * **Public value** P: the public initial value plus every public news shift it has seen.
//! * **Belief** μ: P plus what order flow taught it. Each fill of one of its quotes, `n` lots
//!   with the taker on side D (+1 buy, −1 sell), moves μ by `D·λ⁺·n` (Kyle's linear update),
//!   and under RFQ so does each request it lost whose side and size it can see
//!   ([`RfqNotice::TradedAway`]). λ is the impact per lot it learned (below); λ⁺ = max(λ, 0).
//! * **Reservation price** (Avellaneda–Stoikov): `r = μ − q·γ·σ²·τ`, q its inventory, τ the
//!   horizon: the constant `horizon_s`, or `T − t = max(0, session_end_s − now)` when
//!   `session_end_s` is set. `γσ²τ` ticks per lot is the inventory skew: a long maker lowers both
//!   quotes (sells more readily, buys less), so inventory mean-reverts.
//!
//! # Learned adverse selection (markouts)
//!
//! For each fill of its quotes (`n` lots, taker side D, at time t) it measures,
//! `learning.horizon_ns` (H) later, the markout `a = D·(P(t + H) − P(t))`: how far the public
//! value moved against it, in ticks. With informed flow (traders who learn news before it is
//! public) news follows their trades and `a > 0` on average; uninformed flow is independent of
//! news and `a` averages 0. The same rule under every mechanism (RFQ has no book). It does not
//! mark against the visible mid: in this market the mid is the makers' own quotes, which move
//! after a fill by their belief updates, their inventory skew and Bertrand undercutting, so a
//! mid markout learns the makers' own reactions (measured: about 0.4 ticks per lot with no
//! informed trader at all) rather than information.
//!
//! Sums with exponential forgetting, every fill weighing `learning.rate` (ρ):
//! `S_an ← (1 − ρ)·S_an + a·n`, `S_n ← (1 − ρ)·S_n + n`, `S_nn ← (1 − ρ)·S_nn + n²`. From them:
//!
//! * **A = S_an / S_n**, the lot-weighted mean markout (ticks): what a fill costs it per lot, the
//!   Glosten–Milgrom break-even half-spread (`E[V | buy] − E[V]`);
//! * **λ = S_an / S_nn**, the least-squares slope of markout on fill size through the origin
//!   (ticks per lot), Kyle's λ: it moves the belief on flow and shades RFQ quotes.
//!
//! The prior is one pseudo-fill of `quote_size` (Q) lots with markout `adverse_selection_coef·Q`:
//! `S_an = coef·Q²`, `S_n = Q`, `S_nn = Q²`, so A starts at `coef·Q` and λ at `coef`, and real
//! fills wash it out at rate ρ. With uninformed flow markouts average zero and A, λ go to ≈ 0;
//! with informed flow they are positive. Without `learning` nothing is measured and A, λ stay at
//! the prior (the stylized interface, [`MarketMaker::record_fill`], never measures markouts).
//!
//! # Half-spreads
//!
//! * **Break-even** `h_be = clamp(A⁺ + min_edge_ticks)`, clamp to
//!   `[min_half_spread_ticks, max_half_spread_ticks]`, A⁺ = max(A, 0).
//! * **Own** `h = max(clamp(base + adverse_selection_spread·A⁺), h_be)`, base =
//!   `half_spread_ticks + volatility_spread_coef·σ`; when `fill_decay_k` (k) is set the
//!   Avellaneda–Stoikov optimum `γσ²τ/2 + (1/γ)·ln(1 + γ/k)` replaces the base (at γ = 0 the log
//!   term is its limit 1/k). This is the quote it keeps when nobody competes.
//!
//! # Quotes on a venue (CLOB, FBA)
//!
//! Size `ctx.size(quote_size)` (the lot grid). Own prices `ctx.bid_price(r − h)`,
//! `ctx.ask_price(r + h)`; break-even prices `ctx.bid_price(r − h_be)`, `ctx.ask_price(r + h_be)`
//! (the tick grid). With `compete` it reads the book (`ctx.depth`, without its own quotes) and,
//! for the bid (the ask mirrors it), with B the best other bid:
//!
//! 1. no B, or B below its own bid: its own bid;
//! 2. else B + tick if that is at or below its break-even bid (improve);
//! 3. else B if B is at or below its break-even bid (join);
//! 4. else its break-even bid (it never quotes through break-even; others are better).
//!
//! Then a bid is kept at least a tick below the best other ask and its own ask above its bid
//! (a quote never crosses). Alone it keeps its own wider quote; against other makers each
//! undercuts the other a tick at a time until both sit at break-even (Bertrand). Without
//! `compete` it quotes its own prices.
//!
//! * **Inventory backstop**: a side is switched off while a fill of it could take `|q|` beyond
//!   `inventory_limit` (`q + size > limit` for the bid, `q − size < −limit` for the ask); the
//!   skew is meant to keep this rare.
//! * It re-quotes on its timer (`requote_interval_ns`), on its own fills, on markouts it
//!   measures and at once on public news (after its own market-data latency, so it races the
//!   snipers), by amending its resting orders (a price change loses queue priority), cancelling
//!   a side it switches off, or sending new ones. It sees the book only inside these callbacks.
//!
//! # As an RFQ dealer
//!
//! Under RFQ it rests nothing and sets no timer; it answers each request it is asked on
//! ([`RfqNotice::Requested`]) at once with one firm quote for the request's size Z around the
//! same reservation price and own half-spread h:
//!
//! * side shown (a one-way request whose side the leakage policy lets it see): it quotes only
//!   that side, reading the request as order flow with its learned λ: centre `r + D·λ⁺·Z`
//!   (D = +1 for a client buying), ask `ctx.ask_price(centre + h)`, bid
//!   `ctx.bid_price(centre − h)`;
//! * side hidden (two-way requests, or `rfq_side` hidden): both sides around `r`, unshaded;
//! * size hidden (`rfq_size`): no quote (a firm quote needs the size);
//! * a side that would take its inventory beyond `inventory_limit` is left out; with no side
//!   left it does not answer.
//!
//! It learns from what leaks: its own RFQ fills are markouts (against its public value: there is
//! no book) and move belief and inventory as order-book fills do, and a request it lost
//! ([`RfqNotice::TradedAway`], field `rfq_trade_happened`) whose side and size it can see moves
//! its belief by `D·λ⁺·Z`. So what revealing the side and the trade costs a client is what the
//! dealers learned informed flow costs them, not a constant.
//!
//! # Avellaneda–Stoikov mode
//!
//! With both `session_end_s` (T) and `fill_decay_k` (k) set, it is the Avellaneda–Stoikov
//! (2008) quoter: reservation price `S − q·γ·σ²·(T − t)` and total spread
//! `γσ²(T − t) + (2/γ)·ln(1 + γ/k)`, S its belief. Absent, both fields leave its behaviour and
//! its serialized config exactly as before. With `adverse_selection_coef = 0`,
//! `adverse_selection_spread = 0`, `min_edge_ticks = 0` and no `learning` (what
//! `validation::avellaneda_stoikov` uses) the learned terms are zero and the formulas are exact.
//!
//! # The stylized-model interface
//!
//! A harness with its own loop drives it with [`MarketMaker::set_belief`] (the mid it is told),
//! [`MarketMaker::quote_prices_at`] (its unrounded own quotes at a time) or
//! [`MarketMaker::target_quotes_at`] (on the one-tick grid, what it would rest on a venue) and
//! [`MarketMaker::record_fill`] (one of its quotes was hit: inventory and belief as a fill on a
//! venue; no markout is measured). `validation::avellaneda_stoikov` rests the grid quotes on a
//! real CLOB this way.
//!
//! # Ablation switch
//!
//! `inventory_aversion = false` (default true) makes the reservation price its belief whatever
//! its inventory (no skew); the spread is unchanged. It is the planted defect
//! `as_ignores_inventory` of `cargo xtask validate --mutants`.

use std::collections::VecDeque;

use super::{Agent, AgentCtx, BookDepth, Quote, RfqNotice};
use crate::core::config_error::{
    ConfigError, field_path, number, require, require_coefficient, require_in,
    require_ticks_non_negative,
};
use crate::core::{Duration, OrderId, SimTime};
use crate::mechanisms::{
    DealerQuote, NewOrder, OrderKind, Output, Price, Qty, Request, Side, TimeInForce,
};
use serde::{Deserialize, Serialize};

/// How a market maker learns adverse selection from the markouts of its fills (module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkoutLearning {
    /// H: how long after a fill it measures the move of the value it can see, in nanoseconds.
    pub horizon_ns: u64,
    /// ρ: the weight of each new fill in the forgetting sums, in (0, 1].
    pub rate: f64,
}

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
    /// The prior of the learned impact λ, in ticks per lot (module docs, "Learned adverse
    /// selection"); without `learning` it stays the value used.
    #[serde(default)]
    pub adverse_selection_coef: f64,
    /// How much of the learned adverse selection A its own (uncompeted) half-spread adds.
    #[serde(default)]
    pub adverse_selection_spread: f64,
    /// Markout learning; absent: A and λ stay at their prior.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning: Option<MarkoutLearning>,
    /// The edge it asks beyond the learned adverse selection: break-even half-spread
    /// `A⁺ + min_edge_ticks` (ticks; absent: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_edge_ticks: f64,
    /// Whether it competes against the quotes it sees in the book (Bertrand; absent: false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub compete: bool,
    /// Whether its half-spreads price the adverse selection A it has learned (absent: true).
    /// `false` is an ablation switch (the planted defect `mm_ignores_adverse_selection` of
    /// `cargo xtask validate --mutants`): both half-spreads take A as 0, so the maker quotes as
    /// if its flow were uninformed; its belief still moves on flow by λ.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub adverse_selection: bool,
    pub inventory_limit: Qty,
    pub requote_interval_ns: u64,
    /// Ablation switch (default true): with `false` its reservation price ignores its inventory
    /// (`r = S`, no skew), everything else unchanged. The planted defect
    /// `as_ignores_inventory` of `cargo xtask validate --mutants`; absent from a serialized
    /// config when true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub inventory_aversion: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_false(b: &bool) -> bool {
    !*b
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
            ("sigma_ticks_per_sqrt_s", self.sigma_ticks_per_sqrt_s),
            ("min_edge_ticks", self.min_edge_ticks),
        ] {
            require_ticks_non_negative(&p(name), v)?;
        }
        for (name, v) in [
            ("risk_aversion", self.risk_aversion),
            ("volatility_spread_coef", self.volatility_spread_coef),
            ("adverse_selection_coef", self.adverse_selection_coef),
            ("adverse_selection_spread", self.adverse_selection_spread),
        ] {
            require_coefficient(&p(name), v)?;
        }
        require_in(&p("horizon_s"), self.horizon_s, 0.0, 604_800.0)?;
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
        if let Some(l) = &self.learning {
            require(
                (1..=3_600_000_000_000).contains(&l.horizon_ns),
                &p("learning.horizon_ns"),
                l.horizon_ns,
                "must be in [1, 3600000000000] ns (1 ns to 1 h)",
            )?;
            require(
                l.rate.is_finite() && l.rate > 0.0 && l.rate <= 1.0,
                &p("learning.rate"),
                l.rate,
                "must be in (0, 1]",
            )?;
        }
        // Only a cap: any finite one is safe (the half-spread it caps is bounded by the fields
        // above, and prices are held within 2^53 ticks), and the Avellaneda–Stoikov harness
        // passes f64::MAX for "never capped".
        require(
            self.max_half_spread_ticks.is_finite()
                && self.max_half_spread_ticks >= self.min_half_spread_ticks
                && self.max_half_spread_ticks > 0.0,
            &p("max_half_spread_ticks"),
            number(self.max_half_spread_ticks),
            "must be finite, > 0 and >= min_half_spread_ticks",
        )?;
        // Likewise only a backstop (the harness passes Qty::MAX for "never limited"); the
        // inventory it bounds moves by fills of at most quote-sized lots.
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

/// A fill waiting for its markout.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PendingMarkout {
    due: SimTime,
    /// The taker's side sign D.
    dir: f64,
    qty: Qty,
    public_value: f64,
}

/// The forgetting sums of markouts (module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
struct MarkoutSums {
    an: f64,
    n: f64,
    nn: f64,
}

const TIMER: u64 = 0;
const MARKOUT: u64 = 1;

pub struct MarketMaker {
    cfg: MarketMakerConfig,
    public_value: f64,
    belief: f64,
    inventory: Qty,
    sums: MarkoutSums,
    pending: VecDeque<PendingMarkout>,
    bid: Option<LiveQuote>,
    ask: Option<LiveQuote>,
    /// Whether the simulator tells it the value (`knows_value`): then every value it is told
    /// already holds each news shift, and news moves nothing.
    told_value: bool,
}

/// Rounds `x` down to the grid `tick` (at least one tick), as [`AgentCtx::bid_price`].
fn grid_bid(x: f64, tick: Price) -> Price {
    super::context::grid_floor(x, tick)
}

/// Rounds `x` up to the grid `tick` (at least one tick), as [`AgentCtx::ask_price`].
fn grid_ask(x: f64, tick: Price) -> Price {
    super::context::grid_ceil(x, tick)
}

impl MarketMaker {
    pub fn new(cfg: MarketMakerConfig, initial_value: f64) -> Self {
        let q = cfg.quote_size as f64;
        let sums = MarkoutSums {
            an: cfg.adverse_selection_coef * q * q,
            n: q,
            nn: q * q,
        };
        MarketMaker {
            cfg,
            public_value: initial_value,
            belief: initial_value,
            inventory: 0,
            sums,
            pending: VecDeque::new(),
            bid: None,
            ask: None,
            told_value: false,
        }
    }

    pub fn belief(&self) -> f64 {
        self.belief
    }

    /// The public initial value plus the public news it has seen.
    pub fn public_value(&self) -> f64 {
        self.public_value
    }

    pub fn inventory(&self) -> Qty {
        self.inventory
    }

    /// A: the lot-weighted mean markout it has learned, in ticks (module docs).
    pub fn learned_adverse_selection(&self) -> f64 {
        if self.sums.n > 0.0 {
            self.sums.an / self.sums.n
        } else {
            0.0
        }
    }

    /// λ: the impact per lot it has learned (markout on fill size), in ticks per lot.
    pub fn learned_impact_per_lot(&self) -> f64 {
        if self.sums.nn > 0.0 {
            self.sums.an / self.sums.nn
        } else {
            0.0
        }
    }

    /// One markout: a fill of `qty` lots after which the value moved `markout` ticks against
    /// it (`D·Δx`). Updates the forgetting sums at the learning rate (no-op without `learning`).
    pub fn observe_markout(&mut self, qty: Qty, markout: f64) {
        let Some(l) = &self.cfg.learning else { return };
        let keep = 1.0 - l.rate;
        let n = qty as f64;
        self.sums.an = keep * self.sums.an + markout * n;
        self.sums.n = keep * self.sums.n + n;
        self.sums.nn = keep * self.sums.nn + n * n;
    }

    /// The horizon τ of the reservation price at `now_s` (seconds of simulation time):
    /// `max(0, session_end_s − now_s)` in Avellaneda–Stoikov mode, else `horizon_s`.
    pub fn horizon_at(&self, now_s: f64) -> f64 {
        match self.cfg.session_end_s {
            Some(end) => (end - now_s).max(0.0),
            None => self.cfg.horizon_s,
        }
    }

    /// The inventory skew per lot at `now_s`: `γ·σ²·τ` ticks.
    pub fn skew_per_lot_at(&self, now_s: f64) -> f64 {
        let c = &self.cfg;
        c.risk_aversion * c.sigma_ticks_per_sqrt_s.powi(2) * self.horizon_at(now_s)
    }

    /// Reservation price `belief − q·γ·σ²·τ` at `now_s`, τ = [`Self::horizon_at`] (the belief
    /// alone with `inventory_aversion = false`).
    pub fn reservation_price_at(&self, now_s: f64) -> f64 {
        let c = &self.cfg;
        if !c.inventory_aversion {
            return self.belief;
        }
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

    fn clamp_half(&self, h: f64) -> f64 {
        h.clamp(
            self.cfg.min_half_spread_ticks,
            self.cfg.max_half_spread_ticks,
        )
    }

    /// A⁺, the learned adverse selection its spreads price (0 with `adverse_selection = false`).
    fn priced_adverse_selection(&self) -> f64 {
        if self.cfg.adverse_selection {
            self.learned_adverse_selection().max(0.0)
        } else {
            0.0
        }
    }

    /// The break-even half-spread `clamp(A⁺ + min_edge_ticks)`.
    pub fn break_even_half_spread(&self) -> f64 {
        self.clamp_half(self.priced_adverse_selection() + self.cfg.min_edge_ticks)
    }

    /// Its own half-spread at `now_s` (see the module docs): clamped to
    /// `[min_half_spread_ticks, max_half_spread_ticks]`, never below break-even.
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
        let a = self.priced_adverse_selection();
        self.clamp_half(base + c.adverse_selection_spread * a)
            .max(self.break_even_half_spread())
    }

    /// Half-spread at time zero (the same at every time unless both `session_end_s` and
    /// `fill_decay_k` are set).
    pub fn half_spread(&self) -> f64 {
        self.half_spread_at(0.0)
    }

    /// Its unrounded own quotes `(r − h, r + h)` at `now_s`, in ticks, whatever its inventory:
    /// the prices of the stylized model (the quotes it sends to a venue are
    /// [`Self::target_quotes_in`]).
    pub fn quote_prices_at(&self, now_s: f64) -> (f64, f64) {
        let r = self.reservation_price_at(now_s);
        let h = self.half_spread_at(now_s);
        (r - h, r + h)
    }

    /// The quotes it wants at `now_s` on a one-tick grid with nobody to compete with; a side
    /// is `None` when it is switched off.
    pub fn target_quotes_at(&self, now_s: f64) -> Quote {
        self.quotes_for(now_s, &BookDepth::default(), 1, 1)
    }

    /// The quotes it wants at time zero, alone on a one-tick grid.
    pub fn target_quotes(&self) -> Quote {
        self.target_quotes_at(0.0)
    }

    /// The quotes it wants in this callback: on `ctx`'s grid and, with `compete`, against the
    /// book `ctx.depth` less its own resting quotes (module docs).
    pub fn target_quotes_in(&self, ctx: &AgentCtx) -> Quote {
        self.quotes_for(
            ctx.now.as_secs_f64(),
            &ctx.depth,
            ctx.tick_size,
            ctx.lot_size,
        )
    }

    /// The best price others show on `side` of `depth`: its own resting quantity taken out of
    /// the level at its own price.
    fn best_other(&self, depth: &BookDepth, side: Side) -> Option<Price> {
        let own = match side {
            Side::Buy => self.bid,
            Side::Sell => self.ask,
        };
        depth.side(side).iter().find_map(|&(price, qty)| {
            let mine = own.filter(|q| q.price == price).map_or(0, |q| q.qty);
            (qty > mine).then_some(price)
        })
    }

    fn quotes_for(&self, now_s: f64, depth: &BookDepth, tick: Price, lot: Qty) -> Quote {
        let r = self.reservation_price_at(now_s);
        let h = self.half_spread_at(now_s);
        let h_be = self.break_even_half_spread();
        let mut bid_px = grid_bid(r - h, tick);
        let mut ask_px = grid_ask(r + h, tick);
        if self.cfg.compete {
            let (ob, oa) = (
                self.best_other(depth, Side::Buy),
                self.best_other(depth, Side::Sell),
            );
            // The bid in the bid's terms; the ask mirrored (prices negated).
            bid_px = bertrand(bid_px, grid_bid(r - h_be, tick), ob, tick);
            ask_px = -bertrand(-ask_px, -grid_ask(r + h_be, tick), oa.map(|a| -a), tick);
            if let Some(a) = oa {
                bid_px = bid_px.min(a - tick);
            }
            if let Some(b) = ob {
                ask_px = ask_px.max(b + tick);
            }
        }
        ask_px = ask_px.max(bid_px + tick);
        let size = (((self.cfg.quote_size + lot / 2) / lot) * lot).max(lot);
        let limit = self.cfg.inventory_limit;
        let bid = (self.inventory + size <= limit && bid_px > 0).then_some((bid_px, size));
        let ask = (self.inventory - size >= -limit && ask_px > 0).then_some((ask_px, size));
        Quote { bid, ask }
    }

    /// The quote it gives at `now_s` on an RFQ for `qty` lots, `side` the client's side if it
    /// knows it, on a one-tick grid: `(bid, ask)`, `None` where it leaves the side out.
    pub fn rfq_quote_at(
        &self,
        now_s: f64,
        side: Option<Side>,
        qty: Qty,
    ) -> (Option<Price>, Option<Price>) {
        self.rfq_quote_on_grid(now_s, side, qty, 1)
    }

    /// [`Self::rfq_quote_at`] on the price grid `tick` (module docs, "As an RFQ dealer").
    pub fn rfq_quote_on_grid(
        &self,
        now_s: f64,
        side: Option<Side>,
        qty: Qty,
        tick: Price,
    ) -> (Option<Price>, Option<Price>) {
        let lambda = self.learned_impact_per_lot().max(0.0);
        let shade = side.map_or(0.0, |s| s.sign() as f64 * lambda * qty as f64);
        let centre = self.reservation_price_at(now_s) + shade;
        let h = self.half_spread_at(now_s);
        let bid_px = grid_bid(centre - h, tick);
        let ask_px = grid_ask(centre + h, tick).max(bid_px + tick);
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
    /// inventory, and the move `D·λ⁺·qty` of its belief (D the taker's side); no markout.
    pub fn record_fill(&mut self, side: Side, qty: Qty) {
        self.inventory += side.sign() * qty;
        self.flow_update(side.opposite(), qty);
    }

    /// Flow of `qty` lots by a taker on `taker_side` moves its belief by `D·λ⁺·qty`.
    fn flow_update(&mut self, taker_side: Side, qty: Qty) {
        let lambda = self.learned_impact_per_lot().max(0.0);
        self.belief += taker_side.sign() as f64 * lambda * qty as f64;
    }

    /// Notes a fill of its quote (taker on `taker_side`, `qty` lots) for its markout.
    fn schedule_markout(&mut self, taker_side: Side, qty: Qty, ctx: &mut AgentCtx) {
        let Some(l) = &self.cfg.learning else { return };
        let due = ctx.now.saturating_add(Duration(l.horizon_ns));
        self.pending.push_back(PendingMarkout {
            due,
            dir: taker_side.sign() as f64,
            qty,
            public_value: self.public_value,
        });
        ctx.wake_at(due, MARKOUT);
    }

    /// Measures every markout due by `now`.
    fn measure_markouts(&mut self, now: SimTime) {
        while let Some(p) = self.pending.front().copied().filter(|p| p.due <= now) {
            self.pending.pop_front();
            let moved = self.public_value - p.public_value;
            self.observe_markout(p.qty, p.dir * moved);
        }
    }

    fn requote(&mut self, ctx: &mut AgentCtx) {
        let target = self.target_quotes_in(ctx);
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

/// Bertrand pricing of a bid (module docs): `own` its own bid, `break_even` the most it will
/// bid, `other` the best other bid. An ask is priced by the same rule on negated prices.
fn bertrand(own: Price, break_even: Price, other: Option<Price>, tick: Price) -> Price {
    match other {
        None => own,
        Some(b) if b < own => own,
        Some(b) if b + tick <= break_even => b + tick,
        Some(b) if b <= break_even => b,
        Some(_) => break_even,
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

    fn on_wake(&mut self, token: u64, ctx: &mut AgentCtx) {
        if token == MARKOUT {
            self.measure_markouts(ctx.now);
            if !ctx.is_rfq() {
                self.requote(ctx);
            }
            return;
        }
        self.requote(ctx);
        ctx.wake_after(Duration(self.cfg.requote_interval_ns), TIMER);
    }

    fn on_news(&mut self, shift_ticks: f64, ctx: &mut AgentCtx) {
        // A maker told the value has the shift already (or gets it with the change point that
        // carries it): adding it again would count the news twice.
        if self.told_value {
            return;
        }
        self.public_value += shift_ticks;
        self.belief += shift_ticks;
        if !ctx.is_rfq() {
            self.requote(ctx);
        }
    }

    /// Told the value (a population with `knows_value = true`, e.g. the Avellaneda–Stoikov
    /// maker, which quotes around the true mid): its belief and the public value it marks its
    /// markouts against become it, and it re-quotes.
    fn on_signal(&mut self, value_ticks: f64, ctx: &mut AgentCtx) {
        self.told_value = true;
        self.belief = value_ticks;
        self.public_value = value_ticks;
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
                let (bid, ask) =
                    self.rfq_quote_on_grid(ctx.now.as_secs_f64(), side, qty, ctx.tick_size);
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
            } => self.flow_update(side, qty),
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
                for q in [&mut self.bid, &mut self.ask] {
                    if let Some(live) = q.as_mut().filter(|l| l.id == mine) {
                        live.qty -= f.qty;
                        if live.qty <= 0 {
                            *q = None;
                        }
                    }
                }
                if f.maker == ctx.id {
                    self.record_fill(my_side, f.qty);
                    // After its own quote's quantity is updated: the book it sees shows the
                    // fill already (its market-data lag runs with its report's).
                    self.schedule_markout(f.taker_side, f.qty, ctx);
                } else {
                    self.inventory += my_side.sign() * f.qty;
                }
                if !ctx.is_rfq() {
                    self.requote(ctx);
                }
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
            learning: None,
            min_edge_ticks: 0.0,
            compete: false,
            adverse_selection: true,
            inventory_limit: 100,
            requote_interval_ns: 1_000_000,
            inventory_aversion: true,
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
        let actions = with_ctx(now.as_secs_f64(), 1, 1, BookDepth::default(), |c| {
            mm.on_start(c)
        });
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
        // Without learning A stays at its prior coef·Q = 0.05·5.
        assert_eq!(mm.learned_adverse_selection(), 0.25);
        let h = (2.0 + 1.0 * 0.5 + 2.0 * 0.25f64).clamp(1.0, 20.0);
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
            let fill = Fill {
                taker_order: OrderId(99),
                maker_order: OrderId(1),
                taker: AgentId(1),
                maker: AgentId(0),
                taker_side,
                price: 1000,
                qty,
            };
            with_ctx(0.0, 1, 1, BookDepth::default(), |c| {
                on_venue.on_report(&Output::Fill(fill), c)
            });
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
            (
                MarketMakerConfig {
                    learning: Some(MarkoutLearning {
                        horizon_ns: 0,
                        rate: 0.1,
                    }),
                    ..as_config()
                },
                "`mm.learning.horizon_ns` = 0: must be in [1, 3600000000000] ns (1 ns to 1 h)",
            ),
            (
                MarketMakerConfig {
                    learning: Some(MarkoutLearning {
                        horizon_ns: 1,
                        rate: 1.5,
                    }),
                    ..as_config()
                },
                "`mm.learning.rate` = 1.5: must be in (0, 1]",
            ),
            (
                MarketMakerConfig {
                    min_edge_ticks: -1.0,
                    ..as_config()
                },
                "`mm.min_edge_ticks` = -1: must be in [0, 1e12]",
            ),
        ] {
            let e = cfg.validate("mm").unwrap_err().to_string();
            assert_eq!(e, needle);
        }
        as_config().validate("mm").unwrap();
    }

    /// A market maker that learns: prior 0, rate ρ, horizon 2 s; no skew (γ = 0), own
    /// half-spread 3, break-even `A⁺ + 1`, no clamp in the way.
    fn learner(rate: f64) -> MarketMakerConfig {
        MarketMakerConfig {
            half_spread_ticks: 3.0,
            min_half_spread_ticks: 0.0,
            risk_aversion: 0.0,
            volatility_spread_coef: 0.0,
            adverse_selection_coef: 0.0,
            adverse_selection_spread: 0.0,
            learning: Some(MarkoutLearning {
                horizon_ns: 2_000_000_000,
                rate,
            }),
            min_edge_ticks: 1.0,
            ..config()
        }
    }

    /// Runs `f` with a fresh context at `secs` on grid (`tick`, `lot`) showing `depth`; returns
    /// the actions.
    fn with_ctx(
        secs: f64,
        tick: Price,
        lot: Qty,
        depth: BookDepth,
        f: impl FnOnce(&mut AgentCtx),
    ) -> Vec<Action> {
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            SimTime((secs * 1e9) as u64),
            AgentId(0),
            Role::MarketMaker,
            Quote::default(),
            None,
            &mut actions,
            &mut seq,
        )
        .on_grid(tick, lot)
        .with_depth(depth);
        f(&mut ctx);
        actions
    }

    fn maker_fill(taker_side: Side, qty: Qty) -> Output {
        Output::Fill(Fill {
            taker_order: OrderId(99),
            maker_order: OrderId(1),
            taker: AgentId(1),
            maker: AgentId(0),
            taker_side,
            price: 1000,
            qty,
        })
    }

    /// A fill at `t`, news `shift` at `t + 1 s`, the markout measured at `t + 2 s`.
    fn fill_then_news(mm: &mut MarketMaker, t: f64, taker_side: Side, qty: Qty, shift: f64) {
        let none = BookDepth::default();
        with_ctx(t, 1, 1, none, |ctx| {
            mm.on_report(&maker_fill(taker_side, qty), ctx)
        });
        with_ctx(t + 1.0, 1, 1, none, |ctx| mm.on_news(shift, ctx));
        with_ctx(t + 2.0, 1, 1, none, |ctx| mm.on_wake(MARKOUT, ctx));
    }

    /// Hand-worked: prior sums (S_an, S_n, S_nn) = (0, 5, 25); a 5-lot buy followed by +2 of
    /// news is a markout of +2: at ρ = 0.5 the sums become (10, 7.5, 37.5), so A = 4/3 and
    /// λ = 4/15, and the break-even and own half-spreads widen from 1 to 1 + 4/3 and
    /// from 3 to 3 + 4/3 (its own half-spread is never below break-even).
    #[test]
    fn informed_like_markouts_widen_the_spread() {
        let mut mm = MarketMaker::new(learner(0.5), 1000.0);
        assert_eq!(mm.break_even_half_spread(), 1.0);
        fill_then_news(&mut mm, 0.0, Side::Buy, 5, 2.0);
        assert!((mm.learned_adverse_selection() - 4.0 / 3.0).abs() < 1e-12);
        assert!((mm.learned_impact_per_lot() - 4.0 / 15.0).abs() < 1e-12);
        assert!((mm.break_even_half_spread() - 7.0 / 3.0).abs() < 1e-12);
        assert_eq!(mm.half_spread(), 3.0); // max(3, 7/3)
        // Informed-like again: the taker's side keeps predicting the news.
        for k in 1..20 {
            let (side, shift) = if k % 2 == 0 {
                (Side::Buy, 4.0)
            } else {
                (Side::Sell, -4.0)
            };
            fill_then_news(&mut mm, 3.0 * k as f64, side, 5, shift);
        }
        assert!((mm.learned_adverse_selection() - 4.0).abs() < 0.01);
        assert!((mm.break_even_half_spread() - 5.0).abs() < 0.01);
        assert!((mm.half_spread() - 5.0).abs() < 0.01);
    }

    /// The ablation switch `adverse_selection = false`: it learns exactly the same A and λ from
    /// the same markouts, but neither half-spread prices A (break-even stays at the edge).
    #[test]
    fn ignoring_adverse_selection_learns_but_does_not_price_it() {
        let mut mm = MarketMaker::new(
            MarketMakerConfig {
                adverse_selection: false,
                adverse_selection_spread: 1.0,
                ..learner(0.5)
            },
            1000.0,
        );
        fill_then_news(&mut mm, 0.0, Side::Buy, 5, 2.0);
        assert!((mm.learned_adverse_selection() - 4.0 / 3.0).abs() < 1e-12);
        assert!((mm.learned_impact_per_lot() - 4.0 / 15.0).abs() < 1e-12);
        assert_eq!(mm.break_even_half_spread(), 1.0);
        assert_eq!(mm.half_spread(), 3.0);
        // The same maker with the switch at its default prices it in both.
        let mut priced = MarketMaker::new(
            MarketMakerConfig {
                adverse_selection_spread: 1.0,
                ..learner(0.5)
            },
            1000.0,
        );
        fill_then_news(&mut priced, 0.0, Side::Buy, 5, 2.0);
        assert!((priced.break_even_half_spread() - 7.0 / 3.0).abs() < 1e-12);
        assert!((priced.half_spread() - (3.0 + 4.0 / 3.0)).abs() < 1e-12);
    }

    /// Noise-like flow: news unrelated to the taker's side (equal up and down moves after each
    /// side) averages to no adverse selection, and the spread stays at its floor.
    #[test]
    fn noise_like_markouts_do_not_widen_the_spread() {
        let mut mm = MarketMaker::new(learner(0.05), 1000.0);
        let pattern = [
            (Side::Buy, 2.0),
            (Side::Buy, -2.0),
            (Side::Sell, 2.0),
            (Side::Sell, -2.0),
        ];
        for k in 0..400 {
            let (side, shift) = pattern[k % 4];
            fill_then_news(&mut mm, 3.0 * k as f64, side, 5, shift);
        }
        assert!(mm.learned_adverse_selection().abs() < 0.2);
        assert!(mm.break_even_half_spread() < 1.2);
        assert_eq!(mm.half_spread(), 3.0);
        // No news at all: every markout is 0 and the sums forget the prior towards A = 0.
        let mut mm = MarketMaker::new(
            MarketMakerConfig {
                adverse_selection_coef: 0.3,
                ..learner(0.1)
            },
            1000.0,
        );
        assert!((mm.learned_adverse_selection() - 1.5).abs() < 1e-12);
        for k in 0..100 {
            let side = if k % 2 == 0 { Side::Buy } else { Side::Sell };
            fill_then_news(&mut mm, 3.0 * k as f64, side, 5, 0.0);
        }
        assert!(mm.learned_adverse_selection() < 1e-3);
        // Without `learning` nothing is measured.
        let mut fixed = MarketMaker::new(config(), 1000.0);
        fill_then_news(&mut fixed, 0.0, Side::Buy, 5, 9.0);
        assert_eq!(fixed.learned_adverse_selection(), 0.25);
    }

    fn competitor() -> MarketMakerConfig {
        MarketMakerConfig {
            compete: true,
            ..learner(0.1)
        }
    }

    fn book(bids: &[(Price, Qty)], asks: &[(Price, Qty)]) -> BookDepth {
        BookDepth::from_levels(bids.iter().copied(), asks.iter().copied())
    }

    fn quote_in(mm: &MarketMaker, depth: BookDepth) -> (Option<Price>, Option<Price>) {
        let mut q = Quote::default();
        with_ctx(0.0, 1, 1, depth, |ctx| q = mm.target_quotes_in(ctx));
        (q.bid.map(|b| b.0), q.ask.map(|a| a.0))
    }

    /// r = 1000, own half-spread 3 (997/1003), break-even 1 (999/1001).
    #[test]
    fn bertrand_improves_joins_and_never_quotes_through_break_even() {
        let mm = MarketMaker::new(competitor(), 1000.0);
        let q = |b: &[(Price, Qty)], a: &[(Price, Qty)]| quote_in(&mm, book(b, a));
        // Alone, or others worse than its own quote: its own quote.
        assert_eq!(q(&[], &[]), (Some(997), Some(1003)));
        assert_eq!(q(&[(996, 5)], &[(1004, 5)]), (Some(997), Some(1003)));
        // Others at its own prices: improve by a tick.
        assert_eq!(q(&[(997, 5)], &[(1003, 5)]), (Some(998), Some(1002)));
        assert_eq!(q(&[(998, 5)], &[(1002, 5)]), (Some(999), Some(1001)));
        // Improving would pass break-even: join.
        assert_eq!(q(&[(999, 5)], &[(1001, 5)]), (Some(999), Some(1001)));
        // Others through its break-even: it stays at break-even, behind them.
        assert_eq!(q(&[(1000, 5)], &[(1005, 5)]), (Some(999), Some(1003)));
        // A stale other ask below its bid: the bid stays a tick under it (never crosses), the
        // ask at break-even.
        assert_eq!(q(&[(990, 5)], &[(996, 5)]), (Some(995), Some(1001)));
        // Without `compete` the book is ignored.
        let alone = MarketMaker::new(learner(0.1), 1000.0);
        assert_eq!(
            quote_in(&alone, book(&[(999, 5)], &[(1001, 5)])),
            (Some(997), Some(1003))
        );
        // With tick 5: improve by one tick of 5, on the grid.
        let mut q5 = Quote::default();
        with_ctx(0.0, 5, 1, book(&[(990, 5)], &[(1010, 5)]), |ctx| {
            q5 = mm.target_quotes_in(ctx)
        });
        // Own 995/1005, break-even 995/1005: others at 990/1010 are worse, own kept.
        assert_eq!((q5.bid.unwrap().0, q5.ask.unwrap().0), (995, 1005));
    }

    /// Its own resting quote is not a competitor: it is taken out of the level at its price.
    #[test]
    fn bertrand_ignores_its_own_quote() {
        let mut mm = MarketMaker::new(competitor(), 1000.0);
        with_ctx(0.0, 1, 1, BookDepth::default(), |ctx| mm.on_start(ctx));
        // Its own 5 lots at 997 and 1003: nobody else.
        assert_eq!(
            quote_in(&mm, book(&[(997, 5)], &[(1003, 5)])),
            (Some(997), Some(1003))
        );
        // 3 lots of someone else at 997 with it: improve.
        assert_eq!(
            quote_in(&mm, book(&[(997, 8)], &[(1003, 5)])),
            (Some(998), Some(1003))
        );
        // Its own level, then someone at 996: still its own bid (the other is worse).
        assert_eq!(
            quote_in(&mm, book(&[(997, 5), (996, 4)], &[(1003, 5)])),
            (Some(997), Some(1003))
        );
    }

    /// Two competitors undercut each other a tick at a time down to break-even and stop there.
    #[test]
    fn two_competitors_meet_at_break_even() {
        let mm = MarketMaker::new(competitor(), 1000.0);
        let (mut bid, mut ask) = (997, 1003);
        for _ in 0..10 {
            let (b, a) = quote_in(&mm, book(&[(bid, 5)], &[(ask, 5)]));
            (bid, ask) = (b.unwrap(), a.unwrap());
        }
        assert_eq!((bid, ask), (999, 1001));
    }

    /// Long inventory lowers both quotes (it sells more readily), short raises them, by
    /// `q·γσ²τ`.
    #[test]
    fn inventory_skews_the_quotes_against_the_position() {
        let cfg = MarketMakerConfig {
            risk_aversion: 0.1,
            sigma_ticks_per_sqrt_s: 1.0,
            horizon_s: 10.0,
            ..learner(0.1)
        };
        let flat = MarketMaker::new(cfg.clone(), 1000.0);
        let mut long = MarketMaker::new(cfg.clone(), 1000.0);
        long.record_fill(Side::Buy, 4);
        let mut short = MarketMaker::new(cfg, 1000.0);
        short.record_fill(Side::Sell, 4);
        assert_eq!(long.skew_per_lot_at(0.0), 1.0);
        assert_eq!(long.reservation_price(), 996.0);
        assert_eq!(short.reservation_price(), 1004.0);
        assert_eq!(flat.target_quotes().bid, Some((997, 5)));
        assert_eq!(long.target_quotes().bid, Some((993, 5)));
        assert_eq!(long.target_quotes().ask, Some((999, 5)));
        assert_eq!(short.target_quotes().bid, Some((1001, 5)));
        assert_eq!(short.target_quotes().ask, Some((1007, 5)));
    }

    /// The backstop: a side is off while a fill of it could pass `inventory_limit`.
    #[test]
    fn the_hard_limit_switches_a_side_off() {
        let cfg = MarketMakerConfig {
            inventory_limit: 10,
            ..learner(0.1)
        };
        let mut mm = MarketMaker::new(cfg, 1000.0);
        mm.record_fill(Side::Buy, 5);
        let t = mm.target_quotes();
        assert!(t.bid.is_some() && t.ask.is_some()); // 5 + 5 <= 10
        mm.record_fill(Side::Buy, 1);
        let t = mm.target_quotes();
        assert!(t.bid.is_none() && t.ask.is_some()); // 6 + 5 > 10
        mm.record_fill(Side::Sell, 12);
        let t = mm.target_quotes();
        assert!(t.bid.is_some() && t.ask.is_none()); // −6 − 5 < −10
    }

    fn sent_orders(actions: &[Action]) -> Vec<(Price, Qty)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(Request::New(NewOrder {
                    qty,
                    kind: OrderKind::Limit { price, .. },
                    ..
                })) => Some((*price, *qty)),
                Action::Send(Request::Amend { price, qty, .. }) => Some((*price, *qty)),
                _ => None,
            })
            .collect()
    }

    /// With tick 5 and lot 10 every price it sends is a multiple of 5 and every size of 10, at
    /// start, on news, after fills and against a book; RFQ quotes are on the tick too.
    #[test]
    fn every_order_is_on_the_tick_and_lot_grid() {
        let mut mm = MarketMaker::new(
            MarketMakerConfig {
                risk_aversion: 0.037,
                ..competitor()
            },
            1001.3,
        );
        let depth = book(&[(990, 20), (985, 10)], &[(1015, 30)]);
        let mut sent = Vec::new();
        sent.extend(sent_orders(&with_ctx(0.0, 5, 10, depth, |c| {
            mm.on_start(c)
        })));
        sent.extend(sent_orders(&with_ctx(0.5, 5, 10, depth, |c| {
            mm.on_news(3.7, c)
        })));
        sent.extend(sent_orders(&with_ctx(0.7, 5, 10, depth, |c| {
            mm.on_report(&maker_fill(Side::Buy, 10), c)
        })));
        sent.extend(sent_orders(&with_ctx(0.9, 5, 10, depth, |c| {
            mm.on_news(-7.1, c)
        })));
        assert!(sent.len() >= 4, "{sent:?}");
        for (price, qty) in sent {
            assert_eq!(price % 5, 0, "{price}");
            assert_eq!(qty % 10, 0, "{qty}");
            assert!(qty > 0);
        }
        for side in [None, Some(Side::Buy), Some(Side::Sell)] {
            let (b, a) = mm.rfq_quote_on_grid(1.0, side, 20, 5);
            for p in [b, a].into_iter().flatten() {
                assert_eq!(p % 5, 0, "{p}");
            }
        }
    }

    /// News moves a stale quote at once (amends both sides), not at the next timer.
    #[test]
    fn news_reprices_resting_quotes_at_once() {
        let mut mm = MarketMaker::new(learner(0.1), 1000.0);
        with_ctx(0.0, 1, 1, BookDepth::default(), |c| mm.on_start(c));
        let actions = with_ctx(0.1, 1, 1, BookDepth::default(), |c| mm.on_news(5.0, c));
        let amends: Vec<_> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(Request::Amend { price, .. }) => Some(*price),
                _ => None,
            })
            .collect();
        assert_eq!(amends, vec![1002, 1008]);
        assert_eq!(mm.public_value(), 1005.0);
    }

    /// RFQ shading is the learned λ times the size: none before learning (prior 0), and after
    /// one 4-lot fill followed by +2 of news at ρ = 1, λ = 2·4/16 = 0.5 and A = 2.
    #[test]
    fn rfq_shading_comes_from_the_learned_impact() {
        let mut mm = MarketMaker::new(learner(1.0), 1000.0);
        // Unlearned: the side shown changes nothing (h = 3 around 1000).
        assert_eq!(mm.rfq_quote(Some(Side::Buy), 6), (None, Some(1003)));
        assert_eq!(mm.rfq_quote(None, 6), (Some(997), Some(1003)));
        let none = BookDepth::default();
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut c = AgentCtx::new(
            SimTime::ZERO,
            AgentId(0),
            Role::MarketMaker,
            Quote::default(),
            None,
            &mut actions,
            &mut seq,
        )
        .under(crate::core::MechanismKind::Rfq, false);
        mm.on_report(&maker_fill(Side::Buy, 4), &mut c);
        mm.on_news(2.0, &mut c);
        assert!(actions.iter().all(|a| !matches!(a, Action::Send(_))));
        mm.measure_markouts(SimTime(2_000_000_000));
        assert_eq!(mm.learned_impact_per_lot(), 0.5);
        assert_eq!(mm.learned_adverse_selection(), 2.0);
        // Belief 1002 (news; the fill came before anything was learned), inventory −4, γ = 0:
        // r = 1002; half-spread max(3, A + 1) = 3; a client buying 6 lots: centre 1002 + 3.
        assert_eq!(mm.rfq_quote(Some(Side::Buy), 6), (None, Some(1008)));
        assert_eq!(mm.rfq_quote(Some(Side::Sell), 6), (Some(996), None));
        assert_eq!(mm.rfq_quote(None, 6), (Some(999), Some(1005)));
        // A request it lost, side and size shown: its belief moves by λ·size.
        with_ctx(3.0, 1, 1, none, |c| {
            mm.on_rfq_notice(
                &RfqNotice::TradedAway {
                    request: OrderId(7),
                    side: Some(Side::Sell),
                    qty: Some(4),
                },
                c,
            )
        });
        assert_eq!(mm.belief(), 1000.0);
    }
}
