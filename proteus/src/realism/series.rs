//! The series a run gives the stylized facts, read from its [`RunLog`]: log mid-quote returns on
//! a clock-time grid with the volume traded in each interval, trade signs in event time, and the
//! time-weighted samples of the quoted spread and the depth at the best quotes.

use crate::core::SimTime;
use crate::mechanisms::Side;
use crate::sim::RunLog;

/// The clock-time series of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GridSeries {
    /// The time of the first grid point with a two-sided book (the returns start there).
    pub start: Option<SimTime>,
    /// Grid points skipped at the start because the book was not yet two-sided.
    pub skipped: usize,
    /// Grid points after the start at which the book was one-sided or empty (the last
    /// two-sided mid is carried forward there).
    pub one_sided_points: usize,
    /// `r_k = ln(m_k / m_{k−1})` for consecutive grid points from the start.
    pub returns: Vec<f64>,
    /// Lots traded in `(t_{k−1}, t_k]`, the interval of `returns[k]`.
    pub volume: Vec<f64>,
}

/// The mid in force at every grid time `k·interval` (the last top-of-book change at or before
/// it), for `k = 0 ..= ⌊horizon / interval⌋`; grid points before the book is first two-sided
/// (with a positive mid) are skipped; later one-sided points carry the last two-sided mid
/// forward.
pub fn grid_series(log: &RunLog, interval_ns: u64) -> GridSeries {
    assert!(interval_ns > 0, "a zero sampling interval");
    let points = log.horizon.0 / interval_ns;
    let mut out = GridSeries::default();
    let mut q = 0; // next quote change not yet applied
    let mut f = 0; // next fill not yet counted
    let mut current_mid: Option<f64> = None; // the mid of the quote in force, if two-sided
    let mut last_mid: Option<f64> = None; // the last two-sided mid at a grid point
    let mut lots = 0.0;
    for k in 0..=points {
        let t = k * interval_ns;
        while q < log.quotes.len() && log.quotes[q].0.0 <= t {
            // A log return needs a positive mid; a book at or below zero counts as one-sided.
            current_mid = log.quotes[q].1.mid().filter(|m| *m > 0.0);
            q += 1;
        }
        while f < log.fills.len() && log.fills[f].time.0 <= t {
            lots += log.fills[f].qty as f64;
            f += 1;
        }
        match (last_mid, current_mid) {
            (None, None) => {
                out.skipped += 1;
                lots = 0.0;
            }
            (None, Some(m)) => {
                out.start = Some(SimTime(t));
                last_mid = Some(m);
                lots = 0.0;
            }
            (Some(prev), now) => {
                let m = now.unwrap_or(prev);
                if now.is_none() {
                    out.one_sided_points += 1;
                }
                out.returns.push((m / prev).ln());
                out.volume.push(lots);
                lots = 0.0;
                last_mid = Some(m);
            }
        }
    }
    out
}

/// The sign of each taker order in event time: +1 for a buy, −1 for a sell. The fills of one
/// taker order (consecutive in the log: one request walking the book) count once, so the
/// series measures order flow, not how the book split an order.
pub fn trade_signs(log: &RunLog) -> Vec<f64> {
    let mut signs = Vec::new();
    let mut last = None;
    for fill in &log.fills {
        let key = (fill.time, fill.taker_order);
        if last != Some(key) {
            signs.push(match fill.taker_side {
                Side::Buy => 1.0,
                Side::Sell => -1.0,
            });
            last = Some(key);
        }
    }
    signs
}

/// The book's top over time, from the first two-sided quote to the horizon, weighted by how
/// long each state lasted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BookSamples {
    /// (ask − bid in ticks, duration in ns) of each two-sided state, sorted by spread.
    pub spread: Vec<(f64, f64)>,
    /// (lots at the best bid or at the best ask, duration in ns): each side of each
    /// two-sided state, sorted by lots.
    pub depth: Vec<(f64, f64)>,
    /// Total two-sided duration (ns).
    pub two_sided_ns: f64,
    /// Total duration from the first two-sided quote to the horizon (ns).
    pub observed_ns: f64,
}

pub fn book_samples(log: &RunLog) -> BookSamples {
    let mut out = BookSamples::default();
    let Some(first) = log.quotes.iter().position(|(_, q)| q.mid().is_some()) else {
        return out;
    };
    let end = log.horizon.0;
    for (i, (t, quote)) in log.quotes.iter().enumerate().skip(first) {
        let until = log.quotes.get(i + 1).map_or(end, |n| n.0.0).min(end);
        let dt = until.saturating_sub(t.0) as f64;
        if dt <= 0.0 {
            continue;
        }
        out.observed_ns += dt;
        if let (Some((b, bq)), Some((a, aq))) = (quote.bid, quote.ask) {
            out.two_sided_ns += dt;
            out.spread.push(((a - b) as f64, dt));
            out.depth.push((bq as f64, dt));
            out.depth.push((aq as f64, dt));
        }
    }
    out.spread.sort_by(|x, y| x.0.total_cmp(&y.0));
    out.depth.sort_by(|x, y| x.0.total_cmp(&y.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{AgentId, OrderId};
    use crate::mechanisms::Quote;
    use crate::sim::FillRecord;

    fn quote(bid: Option<(i64, i64)>, ask: Option<(i64, i64)>) -> Quote {
        Quote { bid, ask }
    }

    fn fill(t: u64, qty: i64, side: Side, order: u64) -> FillRecord {
        FillRecord {
            time: SimTime(t),
            price: 100,
            qty,
            taker_side: side,
            taker: AgentId(1),
            maker: AgentId(2),
            taker_order: OrderId(order),
            maker_order: OrderId(99),
            quote_before: Quote::default(),
        }
    }

    fn log() -> RunLog {
        RunLog {
            horizon: SimTime(50),
            quotes: vec![
                (SimTime(5), quote(Some((99, 1)), None)),
                (SimTime(15), quote(Some((99, 2)), Some((101, 3)))), // mid 100
                (SimTime(20), quote(Some((101, 1)), Some((103, 1)))), // mid 102 at t = 20
                (SimTime(31), quote(None, Some((103, 1)))),          // one-sided
                (SimTime(45), quote(Some((98, 4)), Some((100, 4)))), // mid 99
            ],
            fills: vec![
                fill(12, 5, Side::Buy, 1),
                fill(20, 2, Side::Buy, 2),
                fill(20, 3, Side::Buy, 2),
                fill(25, 7, Side::Sell, 3),
                fill(40, 1, Side::Sell, 4),
            ],
            ..RunLog::default()
        }
    }

    #[test]
    fn mids_on_the_grid_with_the_start_skipped_and_one_sided_points_carried() {
        let g = grid_series(&log(), 10);
        // Grid 0, 10, 20, 30, 40, 50: no two-sided book at 0 and 10; mids 102 (a change at
        // t = 20 is in force at 20), 102, 102 (one-sided: carried), 99.
        assert_eq!(g.skipped, 2);
        assert_eq!(g.start, Some(SimTime(20)));
        assert_eq!(g.one_sided_points, 1);
        assert_eq!(g.returns, [0.0, 0.0, (99.0f64 / 102.0).ln()]);
        // Volume in (20, 30], (30, 40], (40, 50]; the fills at or before 20 precede the start.
        assert_eq!(g.volume, [7.0, 1.0, 0.0]);
    }

    #[test]
    fn a_non_positive_mid_counts_as_one_sided() {
        let mut l = log();
        l.quotes
            .push((SimTime(48), quote(Some((-3, 1)), Some((3, 1)))));
        let g = grid_series(&l, 10);
        assert_eq!(g.one_sided_points, 2);
        assert_eq!(g.returns, [0.0, 0.0, 0.0]);
        assert!(g.returns.iter().all(|r| r.is_finite()));
    }

    #[test]
    fn one_sign_per_taker_order() {
        assert_eq!(trade_signs(&log()), [1.0, 1.0, -1.0, -1.0]);
    }

    #[test]
    fn spread_and_depth_are_weighted_by_duration() {
        let b = book_samples(&log());
        assert_eq!(b.observed_ns, 35.0);
        assert_eq!(b.two_sided_ns, 5.0 + 11.0 + 5.0);
        assert_eq!(b.spread, [(2.0, 5.0), (2.0, 11.0), (2.0, 5.0)]);
        assert_eq!(
            b.depth,
            [
                (1.0, 11.0),
                (1.0, 11.0),
                (2.0, 5.0),
                (3.0, 5.0),
                (4.0, 5.0),
                (4.0, 5.0)
            ]
        );
        assert_eq!(book_samples(&RunLog::default()), BookSamples::default());
    }
}
