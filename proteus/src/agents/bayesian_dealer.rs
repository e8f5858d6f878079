//! Bayesian dealer (Glosten–Milgrom 1985): a competitive, risk-neutral dealer facing a mix of
//! informed and uninformed traders, for an asset worth `v_high` with probability `belief` and
//! `v_low` otherwise.
//!
//! * Likelihoods: `P(buy | high) = μ + (1 − μ)/2`, `P(buy | low) = (1 − μ)/2`, μ the probability
//!   that the next trader is informed.
//! * Quotes: `ask = E[V | buy]`, `bid = E[V | sell]` under the current belief (zero expected
//!   profit on every trade).
//! * After each trade it updates `belief` by Bayes' rule with the same likelihoods.
//!
//! On an order book it rests `quote_size` lots on each side at its quotes rounded outward to the
//! tick grid (bid down, ask up, the ask at least a tick above the bid) and re-quotes (cancels
//! both, posts both anew) after each fill, updating once per fill. In a scenario it is
//! `[agents.bayesian_dealer]` (`docs/scenarios.md`); the validation case
//! (`validation::glosten_milgrom`) runs it through `sim::run` against a
//! [`super::SequentialTrader`] at a tick of 10⁻⁶ price units.
//!
//! Ablation switch `learning` (a researcher's knob and a planted defect of
//! `cargo xtask validate --mutants`): `"bayes"` (default) as above; `"none"`, a dealer that never
//! updates (it keeps quoting the prior); `"inverted"`, a dealer that updates as if a buy were a
//! sell and a sell a buy.

use super::{Agent, AgentCtx};
use crate::core::OrderId;
use crate::core::config_error::{ConfigError, field_path, require};
use crate::mechanisms::{NewOrder, OrderKind, Output, Qty, Request, Side, TimeInForce};
use serde::{Deserialize, Serialize};

/// How the dealer updates its belief after a trade (`[agents.bayesian_dealer] learning`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DealerLearning {
    /// Bayes' rule on the trade's side.
    #[default]
    Bayes,
    /// No update: the belief stays at the prior (ablation).
    None,
    /// Bayes' rule on the opposite side: a buy read as a sell (ablation).
    Inverted,
}

impl DealerLearning {
    pub const ALL: [DealerLearning; 3] = [
        DealerLearning::Bayes,
        DealerLearning::None,
        DealerLearning::Inverted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DealerLearning::Bayes => "bayes",
            DealerLearning::None => "none",
            DealerLearning::Inverted => "inverted",
        }
    }
}

// By hand, so that a bad value's error names the field (`learning`) as well as the choices.
impl<'de> Deserialize<'de> for DealerLearning {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DealerLearning::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`learning` = {s:?}: must be one of \"bayes\", \"none\", \"inverted\""
                ))
            })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BayesianDealerConfig {
    /// The low value, in ticks.
    pub v_low_ticks: f64,
    /// The high value, in ticks.
    pub v_high_ticks: f64,
    /// Prior probability θ of the high value.
    pub prior_high: f64,
    /// Probability μ that a trader is informed.
    pub informed_prob: f64,
    /// How it updates after a trade.
    #[serde(default)]
    pub learning: DealerLearning,
    /// Lots it rests on each side.
    #[serde(default = "one_lot")]
    pub quote_size: Qty,
}

fn one_lot() -> Qty {
    1
}

impl BayesianDealerConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let p = |f| field_path(path, f);
        require(
            self.v_low_ticks.is_finite() && self.v_low_ticks >= 1.0,
            &p("v_low_ticks"),
            self.v_low_ticks,
            "must be finite and >= 1",
        )?;
        require(
            self.v_high_ticks.is_finite()
                && self.v_high_ticks > self.v_low_ticks
                && self.v_high_ticks <= 1e15,
            &p("v_high_ticks"),
            self.v_high_ticks,
            "must be above v_low_ticks and <= 1e15",
        )?;
        require(
            self.prior_high > 0.0 && self.prior_high < 1.0,
            &p("prior_high"),
            self.prior_high,
            "must be in (0, 1)",
        )?;
        require(
            (0.0..1.0).contains(&self.informed_prob),
            &p("informed_prob"),
            self.informed_prob,
            "must be in [0, 1)",
        )?;
        require(
            (1..=1_000_000).contains(&self.quote_size),
            &p("quote_size"),
            self.quote_size,
            "must be in [1, 1000000]",
        )
    }
}

pub struct BayesianDealer {
    cfg: BayesianDealerConfig,
    belief: f64,
    live: [Option<OrderId>; 2],
}

impl BayesianDealer {
    pub fn new(cfg: BayesianDealerConfig) -> Self {
        BayesianDealer {
            belief: cfg.prior_high,
            cfg,
            live: [None, None],
        }
    }

    /// Current probability of the high value.
    pub fn belief(&self) -> f64 {
        self.belief
    }

    /// `(P(side | high), P(side | low))` for a trader on `side`.
    fn likelihoods(&self, side: Side) -> (f64, f64) {
        let mu = self.cfg.informed_prob;
        let noise = (1.0 - mu) / 2.0;
        match side {
            Side::Buy => (mu + noise, noise),
            Side::Sell => (noise, mu + noise),
        }
    }

    /// The posterior probability of the high value after a trade on `side`.
    pub fn posterior(&self, side: Side) -> f64 {
        let (ph, pl) = self.likelihoods(side);
        let th = self.belief;
        th * ph / (th * ph + (1.0 - th) * pl)
    }

    /// `E[V | next trade on side]`: the ask for a buyer, the bid for a seller.
    pub fn quote(&self, side: Side) -> f64 {
        let p = self.posterior(side);
        p * self.cfg.v_high_ticks + (1.0 - p) * self.cfg.v_low_ticks
    }

    pub fn ask(&self) -> f64 {
        self.quote(Side::Buy)
    }

    pub fn bid(&self) -> f64 {
        self.quote(Side::Sell)
    }

    /// A trader traded on `side` against it: Bayes' rule (or the `learning` ablation).
    pub fn observe_trade(&mut self, side: Side) {
        match self.cfg.learning {
            DealerLearning::Bayes => self.belief = self.posterior(side),
            DealerLearning::None => {}
            DealerLearning::Inverted => self.belief = self.posterior(side.opposite()),
        }
    }

    fn post(&mut self, ctx: &mut AgentCtx) {
        let trader = ctx.id;
        // Rounded outward; when the belief is nearly certain the exact spread is below a tick
        // and both can round to one price: the ask then sits a tick above the bid, so the
        // dealer never crosses itself.
        let bid = ctx.bid_price(self.bid());
        let ask = ctx.ask_price(self.ask()).max(bid + ctx.tick_size);
        for (i, (side, price)) in [(Side::Buy, bid), (Side::Sell, ask)]
            .into_iter()
            .enumerate()
        {
            if let Some(id) = self.live[i].take() {
                ctx.send(Request::Cancel { id, trader });
            }
            let id = ctx.new_order_id();
            ctx.send(Request::New(NewOrder {
                id,
                trader,
                side,
                qty: self.cfg.quote_size,
                kind: OrderKind::Limit {
                    price,
                    tif: TimeInForce::Gtc,
                },
            }));
            self.live[i] = Some(id);
        }
    }
}

impl Agent for BayesianDealer {
    fn on_start(&mut self, ctx: &mut AgentCtx) {
        self.post(ctx);
    }

    fn on_report(&mut self, report: &Output, ctx: &mut AgentCtx) {
        if let Output::Fill(f) = *report
            && f.maker == ctx.id
        {
            // A one-lot quote is gone once filled; a larger one may still rest and is
            // cancelled with the other side before both are posted anew.
            if self.cfg.quote_size == 1 {
                self.live.iter_mut().for_each(|l| {
                    if *l == Some(f.maker_order) {
                        *l = None;
                    }
                });
            }
            self.observe_trade(f.taker_side);
            self.post(ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gm(theta: f64, mu: f64) -> BayesianDealer {
        gm_learning(theta, mu, DealerLearning::Bayes)
    }

    fn gm_learning(theta: f64, mu: f64, learning: DealerLearning) -> BayesianDealer {
        BayesianDealer::new(BayesianDealerConfig {
            v_low_ticks: 90.0,
            v_high_ticks: 110.0,
            prior_high: theta,
            informed_prob: mu,
            learning,
            quote_size: 1,
        })
    }

    #[test]
    fn the_learning_switch_ablates_or_inverts_the_update() {
        let mut d = gm_learning(0.5, 0.2, DealerLearning::None);
        d.observe_trade(Side::Buy);
        assert_eq!(d.belief(), 0.5);
        let mut d = gm_learning(0.5, 0.2, DealerLearning::Inverted);
        d.observe_trade(Side::Buy);
        assert!((d.belief() - 0.4).abs() < 1e-15);
    }

    #[test]
    fn the_learning_switch_parses_and_a_bad_value_names_its_field() {
        let text = |learning: &str| {
            format!(
                "v_low_ticks = 90.0\nv_high_ticks = 110.0\nprior_high = 0.5\n\
                 informed_prob = 0.1\n{learning}"
            )
        };
        for (line, want) in [
            ("", DealerLearning::Bayes),
            ("learning = \"bayes\"", DealerLearning::Bayes),
            ("learning = \"none\"", DealerLearning::None),
            ("learning = \"inverted\"", DealerLearning::Inverted),
        ] {
            let c: BayesianDealerConfig = toml::from_str(&text(line)).unwrap();
            assert_eq!(c.learning, want, "{line}");
            assert_eq!(c.quote_size, 1);
        }
        let e = toml::from_str::<BayesianDealerConfig>(&text("learning = \"bayesian\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("learning") && e.contains("inverted"), "{e}");
    }

    #[test]
    fn the_design_note_example() {
        let d = gm(0.5, 0.1);
        assert!((d.bid() - 99.0).abs() < 1e-12, "{}", d.bid());
        assert!((d.ask() - 101.0).abs() < 1e-12, "{}", d.ask());
    }

    #[test]
    fn on_a_book_it_never_crosses_itself() {
        // μ = 0: bid = ask = 100 exactly, so both would round to 100.
        let mut d = gm(0.5, 0.0);
        let (mut actions, mut seq) = (Vec::new(), 0);
        let mut ctx = AgentCtx::new(
            crate::core::SimTime::ZERO,
            crate::core::AgentId(0),
            crate::core::Role::MarketMaker,
            Default::default(),
            None,
            &mut actions,
            &mut seq,
        );
        d.on_start(&mut ctx);
        let prices: Vec<(Side, i64)> = actions
            .iter()
            .filter_map(|a| match a {
                crate::agents::Action::Send(Request::New(o)) => match o.kind {
                    OrderKind::Limit { price, .. } => Some((o.side, price)),
                    OrderKind::Market => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(prices, [(Side::Buy, 100), (Side::Sell, 101)]);
    }

    #[test]
    fn bayes_moves_the_belief_toward_the_trade() {
        let mut d = gm(0.5, 0.2);
        d.observe_trade(Side::Buy);
        assert!((d.belief() - 0.6).abs() < 1e-15);
        d.observe_trade(Side::Sell);
        assert!((d.belief() - 0.5).abs() < 1e-15);
        // No informed traders: trades carry no information.
        let mut d = gm(0.3, 0.0);
        d.observe_trade(Side::Buy);
        assert_eq!(d.belief(), 0.3);
        assert_eq!(d.ask(), d.bid());
    }
}
