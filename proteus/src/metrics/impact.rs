//! Realized spread and price impact at a horizon h, against the mid and (simulator only)
//! against the fundamental.
//!
//! With D the taker's direction, p the price, m the pre-trade mid, m_h the mid at t + h and
//! V_h the fundamental at t + h, per lot:
//! RS(h) = 2·D·(p − m_h), PI(h) = 2·D·(m_h − m), so RS(h) + PI(h) = 2·D·(p − m), the effective
//! spread. Mids are half-ticks, so the mid-based sums are exact integers and the identity holds
//! exactly before the final division.

use super::market::MarketState;
use super::names;
use crate::core::{AgentId, Duration, SimTime};
use crate::mechanisms::{Price, Qty};
use crate::sim::FillRecord;
use std::collections::VecDeque;

/// A fill, as the metrics remember it until its horizon.
#[derive(Clone, Copy, Debug)]
pub(super) struct FillMark {
    pub time: SimTime,
    /// The taker's direction D: +1 buyer-initiated, −1 seller-initiated.
    pub direction: i64,
    pub price: Price,
    pub qty: Qty,
    /// Twice the pre-trade mid, if the quote the request met was two-sided.
    pub mid2: Option<i64>,
    pub taker: AgentId,
    pub maker: AgentId,
}

impl FillMark {
    pub fn of(f: &FillRecord) -> FillMark {
        FillMark {
            time: f.time,
            direction: f.taker_side.sign(),
            price: f.price,
            qty: f.qty,
            mid2: super::market::mid2(&f.quote_before),
            taker: f.taker,
            maker: f.maker,
        }
    }
}

pub(super) struct HorizonImpact {
    horizon: Duration,
    /// Fills waiting for t + h, oldest first (due times are non-decreasing).
    pending: VecDeque<FillMark>,
    /// Volume of the fills with a pre-trade mid and a mid at their horizon, in lots.
    qty: i128,
    /// Volume of the fills with a pre-trade mid (the weights of the `_true` measures). Equal to
    /// `qty` with an order book; under RFQ no book mid ever exists, so `qty` stays 0.
    qty_true: i128,
    /// Σ RS_i·q_i and Σ PI_i·q_i, ticks × lots (exact).
    realized: i128,
    impact: i128,
    /// The same with V_{t+h} in place of m_{t+h}.
    realized_true: f64,
    impact_true: f64,
    /// Fills whose t + h fell after the end of the run.
    past_end: u64,
}

impl HorizonImpact {
    pub fn new(horizon: Duration) -> Self {
        HorizonImpact {
            horizon,
            pending: VecDeque::new(),
            qty: 0,
            qty_true: 0,
            realized: 0,
            impact: 0,
            realized_true: 0.0,
            impact_true: 0.0,
            past_end: 0,
        }
    }

    pub fn on_fill(&mut self, mark: FillMark) {
        self.pending.push_back(mark);
    }

    fn due(&self, m: &FillMark) -> SimTime {
        m.time.saturating_add(self.horizon)
    }

    /// Marks every fill due before `to` with `market` (the state in force since then); `also`
    /// receives each fill and twice the mid at its horizon (for the PnL decomposition).
    pub fn resolve_before(
        &mut self,
        to: SimTime,
        market: &MarketState,
        mut also: impl FnMut(&FillMark, Option<i64>),
    ) {
        while let Some(m) = self.pending.front().copied() {
            if self.due(&m) >= to {
                break;
            }
            self.pending.pop_front();
            self.mark(&m, market);
            also(&m, market.last_mid2);
        }
    }

    /// At the end of the run: marks what is left with the final state.
    pub fn resolve_all(
        &mut self,
        end: SimTime,
        market: &MarketState,
        mut also: impl FnMut(&FillMark, Option<i64>),
    ) {
        while let Some(m) = self.pending.pop_front() {
            if self.due(&m) > end {
                self.past_end += 1;
            }
            self.mark(&m, market);
            also(&m, market.last_mid2);
        }
    }

    fn mark(&mut self, m: &FillMark, market: &MarketState) {
        let Some(mid2) = m.mid2 else { return };
        let (df, qf, v) = (m.direction as f64, m.qty as f64, market.value);
        self.qty_true += m.qty as i128;
        self.realized_true += 2.0 * df * (m.price as f64 - v) * qf;
        self.impact_true += df * (2.0 * v - mid2 as f64) * qf;
        // With an order book a mid existed before the fill, so one exists at its horizon. An
        // RFQ fill's reference is not a book mid, and no book mid ever exists under RFQ.
        let Some(mid2_h) = market.last_mid2 else {
            return;
        };
        let (d, q) = (m.direction as i128, m.qty as i128);
        self.qty += q;
        self.realized += d * (2 * m.price as i128 - mid2_h as i128) * q;
        self.impact += d * (mid2_h as i128 - mid2 as i128) * q;
    }

    pub fn write(&self, r: &mut super::MetricRecord) {
        let h = self.horizon;
        let why_true = "no trade met a two-sided quote";
        let why = if self.qty_true == 0 {
            why_true
        } else {
            "no order-book mid at any fill's horizon (RFQ has no book)"
        };
        let (q, q_true) = (self.qty as f64, self.qty_true as f64);
        r.set_ratio(names::realized_spread(h), self.realized as f64, q, why);
        r.set_ratio(names::price_impact(h), self.impact as f64, q, why);
        r.set_ratio(
            names::realized_spread_true(h),
            self.realized_true,
            q_true,
            why_true,
        );
        r.set_ratio(
            names::price_impact_true(h),
            self.impact_true,
            q_true,
            why_true,
        );
        // Money the liquidity providers lost to the move after the trade: half of Σ PI_i·q_i.
        r.set(
            names::lp_adverse_selection_cost(h),
            self.impact as f64 / 2.0,
        );
        r.set(
            names::lp_adverse_selection_cost_true(h),
            self.impact_true / 2.0,
        );
        // Per lot: the same cost over the volume of the fills with a reference quote.
        r.set_ratio(
            names::lp_adverse_selection_per_lot_true(h),
            self.impact_true / 2.0,
            q_true,
            why_true,
        );
        r.set(names::fills_past_end(h), self.past_end as f64);
    }
}
