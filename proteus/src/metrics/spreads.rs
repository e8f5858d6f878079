//! Quoted spread and top-of-book depth (time-weighted), and effective spread (volume-weighted).

use super::MetricRecord;
use super::impact::FillMark;
use super::market::MarketState;
use crate::core::{Duration, SimTime};

/// Integrals over the time both sides of the book exist. All exact integers.
#[derive(Debug, Default)]
pub(super) struct QuotedSpread {
    two_sided_ns: u128,
    /// ∫ (ask − bid) dt, ticks × ns.
    spread: i128,
    /// ∫ best-bid quantity dt and ∫ best-ask quantity dt, lots × ns.
    bid_depth: i128,
    ask_depth: i128,
}

impl QuotedSpread {
    pub fn integrate(&mut self, market: &MarketState, dt: Duration) {
        if let (Some((bid, bid_qty)), Some((ask, ask_qty))) = (market.quote.bid, market.quote.ask) {
            let dt = dt.0 as i128;
            self.two_sided_ns += dt as u128;
            self.spread += (ask - bid) as i128 * dt;
            self.bid_depth += bid_qty as i128 * dt;
            self.ask_depth += ask_qty as i128 * dt;
        }
    }

    pub fn write(&self, r: &mut MetricRecord, end: SimTime) {
        let t = self.two_sided_ns as f64;
        let why = "the book was never two-sided";
        r.set_ratio(super::names::QUOTED_SPREAD_TW, self.spread as f64, t, why);
        r.set_ratio("depth_bid_tw_lots", self.bid_depth as f64, t, why);
        r.set_ratio("depth_ask_tw_lots", self.ask_depth as f64, t, why);
        r.set_ratio(
            "two_sided_time_fraction",
            t,
            end.0 as f64,
            "the run has zero length",
        );
    }
}

/// Σ 2·D·(p − m)·q over fills that met a two-sided quote, and their volume. Exact integers.
#[derive(Debug, Default)]
pub(super) struct EffectiveSpread {
    qty: i128,
    sum: i128,
    without_mid: u64,
}

impl EffectiveSpread {
    pub fn on_fill(&mut self, m: &FillMark) {
        match m.mid2 {
            Some(mid2) => {
                let q = m.qty as i128;
                self.qty += q;
                self.sum += m.direction as i128 * (2 * m.price as i128 - mid2 as i128) * q;
            }
            None => self.without_mid += 1,
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        r.set_ratio(
            super::names::EFFECTIVE_SPREAD_VW,
            self.sum as f64,
            self.qty as f64,
            "no trade met a two-sided quote",
        );
        r.set("fills_without_mid", self.without_mid as f64);
    }
}
