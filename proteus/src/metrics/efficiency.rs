//! Price efficiency: how far prices are from the fundamental, how fast public news gets into
//! the mid, and how much the mid moves.

use super::impact::FillMark;
use super::market::MarketState;
use super::{MetricRecord, names};
use crate::core::{Duration, SimTime};
use crate::mechanisms::{Price, Qty};

/// ∫ (m − V)² dt over the time a mid exists.
#[derive(Debug, Default)]
pub(super) struct PriceError {
    mid_ns: u128,
    squared: f64,
}

impl PriceError {
    pub fn integrate(&mut self, market: &MarketState, dt: Duration) {
        if let Some(mid2) = market.mid2 {
            let e = mid2 as f64 / 2.0 - market.value;
            self.mid_ns += dt.0 as u128;
            self.squared += e * e * dt.0 as f64;
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        if self.mid_ns == 0 {
            r.set_missing(names::PRICE_ERROR_RMSE, "the book was never two-sided");
        } else {
            r.set(
                names::PRICE_ERROR_RMSE,
                (self.squared / self.mid_ns as f64).sqrt(),
            );
        }
    }
}

/// Σ (p − V)²·q over fills, V the fundamental at the end of the fill's instant.
#[derive(Debug, Default)]
pub(super) struct TradePriceError {
    this_instant: Vec<(Price, Qty)>,
    squared: f64,
    qty: i128,
}

impl TradePriceError {
    pub fn on_fill(&mut self, m: &FillMark) {
        self.this_instant.push((m.price, m.qty));
    }

    pub fn close_instant(&mut self, market: &MarketState) {
        for (p, q) in self.this_instant.drain(..) {
            let e = p as f64 - market.value;
            self.squared += e * e * q as f64;
            self.qty += q as i128;
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        if self.qty == 0 {
            r.set_missing("trade_price_error_rmse_ticks", "no trades");
        } else {
            r.set(
                "trade_price_error_rmse_ticks",
                (self.squared / self.qty as f64).sqrt(),
            );
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct NewsTrack {
    time: SimTime,
    /// Half of |m − V| at the end of the news' instant; `None` until that instant closes.
    target: Option<f64>,
}

/// News half-life: for each public news published at τ, with g₀ = |m − V| at the end of
/// instant τ, the first instant s ≥ τ at whose end |m − V| ≤ g₀/2; half-life s − τ. Tracking
/// stops, unresolved, at the next news, at the end of the run, or at once if the book is not
/// two-sided at τ.
#[derive(Debug, Default)]
pub(super) struct NewsIncorporation {
    tracks: Vec<NewsTrack>,
    news: u64,
    resolved: u64,
    unresolved: u64,
    /// Σ half-lives, ns.
    total_ns: u128,
}

impl NewsIncorporation {
    pub fn on_news(&mut self, time: SimTime) {
        self.news += 1;
        self.unresolved += self.tracks.len() as u64;
        self.tracks.clear();
        self.tracks.push(NewsTrack { time, target: None });
    }

    pub fn close_instant(&mut self, now: SimTime, market: &MarketState) {
        let gap = market
            .mid2
            .map(|mid2| (mid2 as f64 / 2.0 - market.value).abs());
        let mut i = 0;
        while i < self.tracks.len() {
            let t = &mut self.tracks[i];
            let done = match (t.target, gap) {
                (None, None) => {
                    self.unresolved += 1;
                    true
                }
                (None, Some(g0)) => {
                    t.target = Some(g0 / 2.0);
                    g0 == 0.0
                }
                (Some(target), Some(g)) => g <= target,
                (Some(_), None) => false,
            };
            if done && gap.is_some() {
                self.resolved += 1;
                self.total_ns += (now - t.time).0 as u128;
            }
            if done {
                self.tracks.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        // Tracks still open at the end (finish closed the last instant already).
        let unresolved = self.unresolved + self.tracks.len() as u64;
        r.set("news_events", self.news as f64);
        r.set("news_half_life_resolved", self.resolved as f64);
        r.set("news_half_life_unresolved", unresolved as f64);
        let why = if self.news == 0 {
            "no public news in the run"
        } else {
            "no news was incorporated before the next news or the end of the run"
        };
        r.set_ratio(
            "news_half_life_mean_s",
            self.total_ns as f64 * 1e-9,
            self.resolved as f64,
            why,
        );
    }
}

/// Standard deviation of mid changes between consecutive points of the grid 0, g, 2g, … ≤ end,
/// where the mid exists at both points (Welford, in time order).
#[derive(Debug)]
pub(super) struct GridVolatility {
    interval: Duration,
    next: Option<SimTime>,
    previous: Option<i64>,
    n: u64,
    mean: f64,
    m2: f64,
}

impl GridVolatility {
    pub fn new(interval: Duration) -> Self {
        GridVolatility {
            interval,
            next: Some(SimTime::ZERO),
            previous: None,
            n: 0,
            mean: 0.0,
            m2: 0.0,
        }
    }

    /// Samples every grid point before `to` with `market`.
    pub fn sample_before(&mut self, to: SimTime, market: &MarketState) {
        while let Some(t) = self.next.filter(|&t| t < to) {
            self.sample(market.mid2);
            self.next = t.0.checked_add(self.interval.0).map(SimTime);
        }
    }

    /// Samples the grid point at `end`, if there is one.
    pub fn sample_at_end(&mut self, end: SimTime, market: &MarketState) {
        if self.next == Some(end) {
            self.sample(market.mid2);
            self.next = None;
        }
    }

    fn sample(&mut self, mid2: Option<i64>) {
        if let (Some(a), Some(b)) = (self.previous, mid2) {
            let x = (b - a) as f64 / 2.0;
            self.n += 1;
            let delta = x - self.mean;
            self.mean += delta / self.n as f64;
            self.m2 += delta * (x - self.mean);
        }
        self.previous = mid2;
    }

    pub fn write(&self, r: &mut MetricRecord) {
        let name = names::mid_return_std(self.interval);
        if self.n < 2 {
            r.set_missing(name, "fewer than two mid returns on the grid");
        } else {
            r.set(name, (self.m2 / (self.n - 1) as f64).sqrt());
        }
    }
}
