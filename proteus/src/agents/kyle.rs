//! Kyle's (1985) one-period traders, as order senders for the real batch auction
//! ([`crate::mechanisms::BatchAuction`]): the insider and the noise traders send market orders,
//! and competitive dealers post their linear price schedule p = p0 + λ·y as a ladder of limit
//! orders on a fine tick. One batch clears it at one uniform price.
//!
//! Kyle's market is a single batch clearing, not a continuous session, so these agents do not
//! implement [`super::Agent`]: they act on a whole auction at once (an order, a ladder). The
//! validation case `kyle` (`validation::kyle`, `docs/validation.md`) drives them through the
//! venue, at the strategies that best-response iteration on simulated flow reaches.
//!
//! # Units
//!
//! A [`KyleGrid`] maps the model's real prices and quantities to the venue's integer ticks and
//! lots: price = ticks × `tick`, quantity = lots × `lot`.
//!
//! # The ladder
//!
//! With `D` dealers, each posts `lots_per_order` lots at every level, so a level holds
//! δ = D × `lots_per_order` lots in all. The k-th sell level (k = 1, 2, …, `levels`) is at
//! p0 + λ·lot·((k − 1)δ + ½) and the k-th buy level at p0 − λ·lot·((k − 1)δ + ½), rounded to the
//! tick. In a uniform-price batch with net market flow y lots, ((j − 1)δ < y ≤ jδ), the volume
//! is maximal and the imbalance zero from the j-th sell level up to one tick below the (j + 1)-th,
//! so the auction's rule (middle of that range, first batch: no previous price) prices the
//! batch at p0 + λ·lot·((j − ½)δ + ½): the schedule at the mean of the integer flows of the cell,
//! i.e. a midpoint quantiser of p0 + λy with step λ·lot·δ (symmetrically for sells). The `½` lot
//! offset makes the quantiser exact on the lot grid (with δ = 1 the price is p0 + λ·y to the
//! tick) and keeps the best bid below the best ask. The ladder covers |y| up to
//! `levels` × δ lots; beyond that the flow exhausts it (the batch clears at the last level and
//! the market orders are rationed), which the harness counts.
//!
//! # Ablation switches
//!
//! * [`KyleDealerConfig::lambda_scale`] (default 1): the dealers post `lambda_scale` × the λ they
//!   fit (2.0 is the planted defect `kyle_dealer_lambda_doubled`: overcharging dealers).
//! * [`KyleInsiderConfig::beta_scale`] (default 1): the insider trades `beta_scale` × its
//!   best-response β (0.5 is `kyle_insider_half_beta`: a timid insider).

use crate::core::{AgentId, OrderId};
use crate::mechanisms::{NewOrder, OrderKind, Price, Qty, Side, TimeInForce};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a dealer cannot post its ladder.
#[derive(Debug, Error, PartialEq)]
pub enum KyleError {
    #[error("price impact lambda = {0} is not a positive finite number")]
    BadLambda(f64),
    #[error(
        "the ladder's price step ({step_ticks} ticks) is under 2 ticks or its half-lot offset \
         ({offset_ticks} ticks) under 1: use a finer tick"
    )]
    GridTooCoarse {
        step_ticks: Price,
        offset_ticks: Price,
    },
    #[error("the buy ladder reaches price {lowest} (ticks), not above zero: fewer levels or depth")]
    LadderBelowZero { lowest: Price },
}

/// The equilibrium `(β, λ)`: β = σu/√Σ0, λ = √Σ0/(2σu).
pub fn equilibrium(sigma0_sq: f64, sigma_u: f64) -> (f64, f64) {
    (
        sigma_u / sigma0_sq.sqrt(),
        sigma0_sq.sqrt() / (2.0 * sigma_u),
    )
}

/// The insider's best response to a price impact λ: maximise E[x(v − p0 − λx)] → β = 1/(2λ).
pub fn best_response(lambda: f64) -> f64 {
    1.0 / (2.0 * lambda)
}

/// OLS slope (with intercept) of `y` on `x`.
pub fn ols_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
    }
    sxy / sxx
}

/// The venue's integer grid in the model's units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KyleGrid {
    /// Price units per tick.
    pub tick: f64,
    /// Quantity units per lot.
    pub lot: f64,
}

impl KyleGrid {
    pub fn price(&self, ticks: Price) -> f64 {
        ticks as f64 * self.tick
    }
    /// The nearest tick.
    pub fn ticks(&self, price: f64) -> Price {
        (price / self.tick).round() as Price
    }
    pub fn qty(&self, lots: Qty) -> f64 {
        lots as f64 * self.lot
    }
    /// The nearest whole number of lots (signed).
    pub fn lots(&self, qty: f64) -> Qty {
        (qty / self.lot).round() as Qty
    }
}

/// A market order for `lots` signed lots (positive: buy); none for zero.
pub fn market_order(id: OrderId, trader: AgentId, lots: Qty) -> Option<NewOrder> {
    (lots != 0).then(|| NewOrder {
        id,
        trader,
        side: if lots > 0 { Side::Buy } else { Side::Sell },
        qty: lots.abs(),
        kind: OrderKind::Market,
    })
}

/// The insider's switch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KyleInsiderConfig {
    /// Trades this multiple of its best-response β (1: Kyle's insider).
    pub beta_scale: f64,
}

impl Default for KyleInsiderConfig {
    fn default() -> Self {
        KyleInsiderConfig { beta_scale: 1.0 }
    }
}

/// The insider: knows v, trades β per unit of private edge v − p0 with one market order.
#[derive(Clone, Copy, Debug)]
pub struct KyleInsider {
    pub id: AgentId,
    pub config: KyleInsiderConfig,
    /// The intensity it trades at.
    pub beta: f64,
}

impl KyleInsider {
    /// An insider facing a schedule of price impact `lambda`.
    pub fn new(id: AgentId, config: KyleInsiderConfig, lambda: f64) -> KyleInsider {
        let mut i = KyleInsider {
            id,
            config,
            beta: 0.0,
        };
        i.respond(lambda);
        i
    }

    /// Best-responds to the schedule it faces: β = `beta_scale` / (2λ).
    pub fn respond(&mut self, lambda: f64) {
        self.beta = self.config.beta_scale * best_response(lambda);
    }

    /// The quantity it wants: β(v − p0).
    pub fn intended(&self, v: f64, p0: f64) -> f64 {
        self.beta * (v - p0)
    }

    /// Its market order (rounded to lots; none if that is zero).
    pub fn order(&self, id: OrderId, v: f64, p0: f64, grid: KyleGrid) -> Option<NewOrder> {
        market_order(id, self.id, grid.lots(self.intended(v, p0)))
    }
}

/// The dealers' switch and ladder shape.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KyleDealerConfig {
    /// Posts this multiple of the λ it fits (1: a competitive, zero-profit dealer).
    pub lambda_scale: f64,
    /// Price levels per side of the ladder.
    pub levels: usize,
    /// The ladder covers net flows up to `depth_sd` standard deviations of the flow the dealer
    /// expects (see [`KyleDealer::expected_flow_sd`]).
    pub depth_sd: f64,
}

impl Default for KyleDealerConfig {
    fn default() -> Self {
        KyleDealerConfig {
            lambda_scale: 1.0,
            levels: 60,
            depth_sd: 6.0,
        }
    }
}

/// One dealer's ladder: the level prices (best first) and its quantity at each.
#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    /// Sell levels, ascending, in ticks.
    pub sells: Vec<Price>,
    /// Buy levels, descending, in ticks.
    pub buys: Vec<Price>,
    /// This dealer's lots at each level.
    pub lots_per_order: Qty,
    /// All dealers' lots at each level (δ).
    pub step_lots: Qty,
}

impl Ladder {
    /// The largest net flow (lots, either sign) the dealers' ladders absorb.
    pub fn capacity_lots(&self) -> Qty {
        self.step_lots * self.sells.len() as Qty
    }
}

/// A competitive dealer: sees the total flow, posts the linear schedule p = p0 + λ·y as a ladder
/// and refits λ to the flow by OLS (zero expected profit).
#[derive(Clone, Copy, Debug)]
pub struct KyleDealer {
    pub id: AgentId,
    pub config: KyleDealerConfig,
    /// The price impact it posts.
    pub lambda: f64,
    /// The model's primitives it knows: the prior variance of v and the noise flow's sd.
    pub sigma0_sq: f64,
    pub sigma_u: f64,
}

impl KyleDealer {
    /// A dealer posting `lambda` until its first fit.
    pub fn new(
        id: AgentId,
        config: KyleDealerConfig,
        lambda: f64,
        sigma0_sq: f64,
        sigma_u: f64,
    ) -> KyleDealer {
        KyleDealer {
            id,
            config,
            lambda,
            sigma0_sq,
            sigma_u,
        }
    }

    /// Fits λ = OLS slope of v − p0 on the flow y (zero expected profit given the flow) and posts
    /// `lambda_scale` × it from now on. Returns the fitted (unscaled) λ.
    pub fn fit(&mut self, flows: &[f64], value_changes: &[f64]) -> f64 {
        let fitted = ols_slope(flows, value_changes);
        self.lambda = self.config.lambda_scale * fitted;
        fitted
    }

    /// The sd of the flow if the insider best-responds to the posted λ: √(Σ0/(4λ²) + σu²).
    pub fn expected_flow_sd(&self) -> f64 {
        (self.sigma0_sq / (4.0 * self.lambda * self.lambda) + self.sigma_u * self.sigma_u).sqrt()
    }

    /// Its ladder around `p0` when `dealers` dealers (itself included) post the same schedule
    /// (see the [module](self) docs).
    pub fn ladder(&self, p0: f64, grid: KyleGrid, dealers: usize) -> Result<Ladder, KyleError> {
        let lambda = self.lambda;
        if !(lambda.is_finite() && lambda > 0.0) {
            return Err(KyleError::BadLambda(lambda));
        }
        let levels = self.config.levels;
        let d = dealers as Qty;
        let reach = self.config.depth_sd * self.expected_flow_sd() / grid.lot;
        let lots_per_order = ((reach / (levels as f64 * d as f64)).round() as Qty).max(1);
        let step = d * lots_per_order;
        let at = |k: usize| lambda * grid.lot * ((k as f64 - 1.0) * step as f64 + 0.5);
        let p0_ticks = grid.ticks(p0);
        let offset_ticks = grid.ticks(p0 + at(1)) - p0_ticks;
        let step_ticks = grid.ticks(lambda * grid.lot * step as f64);
        if offset_ticks < 1 || step_ticks < 2 {
            return Err(KyleError::GridTooCoarse {
                step_ticks,
                offset_ticks,
            });
        }
        let sells: Vec<Price> = (1..=levels).map(|k| grid.ticks(p0 + at(k))).collect();
        let buys: Vec<Price> = (1..=levels).map(|k| grid.ticks(p0 - at(k))).collect();
        let lowest = *buys.last().expect("at least one level");
        if lowest <= 0 {
            return Err(KyleError::LadderBelowZero { lowest });
        }
        Ok(Ladder {
            sells,
            buys,
            lots_per_order,
            step_lots: step,
        })
    }

    /// The ladder as immediate-or-cancel limit orders (they expire at the batch end), ids from
    /// `next_id` on.
    pub fn orders(&self, ladder: &Ladder, next_id: &mut u64) -> Vec<NewOrder> {
        let mut out = Vec::with_capacity(ladder.sells.len() + ladder.buys.len());
        let sides = [(Side::Sell, &ladder.sells), (Side::Buy, &ladder.buys)];
        for (side, prices) in sides {
            for &price in prices {
                out.push(NewOrder {
                    id: OrderId(*next_id),
                    trader: self.id,
                    side,
                    qty: ladder.lots_per_order,
                    kind: OrderKind::Limit {
                        price,
                        tif: TimeInForce::Ioc,
                    },
                });
                *next_id += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let (b, l) = equilibrium(4.0, 1.0);
        assert!((b - 0.5).abs() < 1e-15 && (l - 1.0).abs() < 1e-15);
        // λ is the dealer's zero-profit slope at β: βΣ0/(β²Σ0 + σu²).
        let (b, l) = equilibrium(0.25, 2.0);
        assert!((l - b * 0.25 / (b * b * 0.25 + 4.0)).abs() < 1e-15);
        // β is the insider's best response to λ.
        assert!((best_response(l) - b).abs() < 1e-12);
        let i = KyleInsider::new(AgentId(0), KyleInsiderConfig { beta_scale: 0.5 }, l);
        assert!((i.beta - b / 2.0).abs() < 1e-12);
    }

    #[test]
    fn ols_slope_of_a_line() {
        let x = [1.0, 2.0, 3.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v| 3.0 - 0.5 * v).collect();
        assert!((ols_slope(&x, &y) + 0.5).abs() < 1e-14);
    }

    #[test]
    fn a_dealer_posts_its_scaled_fit() {
        let cfg = KyleDealerConfig {
            lambda_scale: 2.0,
            ..KyleDealerConfig::default()
        };
        let mut d = KyleDealer::new(AgentId(0), cfg, 1.0, 1.0, 1.0);
        let y = [1.0, -1.0, 2.0, 0.0];
        let dv: Vec<f64> = y.iter().map(|f| 0.25 * f).collect();
        assert!((d.fit(&y, &dv) - 0.25).abs() < 1e-15);
        assert!((d.lambda - 0.5).abs() < 1e-15);
    }

    #[test]
    fn the_ladder_is_symmetric_and_refuses_a_coarse_grid() {
        let d = KyleDealer::new(AgentId(0), KyleDealerConfig::default(), 0.5, 1.0, 1.0);
        let grid = KyleGrid {
            tick: 1e-6,
            lot: 1e-4,
        };
        let l = d.ladder(100.0, grid, 2).unwrap();
        let p0 = grid.ticks(100.0);
        assert_eq!(l.sells.len(), 60);
        for (s, b) in l.sells.iter().zip(&l.buys) {
            assert_eq!(s - p0, p0 - b);
        }
        assert!(l.sells.windows(2).all(|w| w[1] > w[0]));
        assert!(l.buys[0] < p0 && p0 < l.sells[0]);
        // It covers 6 sd of the flow it expects (√2 at the equilibrium).
        let cover = grid.qty(l.capacity_lots()) / d.expected_flow_sd();
        assert!((cover - 6.0).abs() < 0.01, "{cover}");
        let coarse = KyleGrid {
            tick: 0.001,
            lot: 1e-4,
        };
        assert!(matches!(
            d.ladder(100.0, coarse, 2),
            Err(KyleError::GridTooCoarse { .. })
        ));
        let bad = KyleDealer { lambda: -1.0, ..d };
        assert_eq!(bad.ladder(100.0, grid, 2), Err(KyleError::BadLambda(-1.0)));
    }
}
