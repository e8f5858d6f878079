//! Request-for-quote metrics: response, trade rate, price improvement and the cost of the best
//! quote against the reference price (the measure whose contrast across leakage policies is the
//! leakage cost). Pure functions of the run's [`RfqRecord`]s; defined in `docs/metrics.md`.

use super::MetricRecord;
use crate::sim::{RfqOutcome, RfqRecord};

#[derive(Debug, Default)]
pub(super) struct RfqStats {
    /// Write the RFQ metrics (an RFQ run, or a log with RFQ records).
    pub enabled: bool,
    requests: u64,
    rejected: u64,
    open_at_end: u64,
    closed: u64,
    dealers_asked: u64,
    quotes: u64,
    late_quotes: u64,
    /// Σ (quote arrival − request arrival) over the valid quotes of closed requests, ns.
    response_ns: u128,
    trades: u64,
    no_quotes: u64,
    limit_not_met: u64,
    without_reference: u64,
    /// Σ D·(R − p)·q and Σ q over trades with a reference price.
    improvement: i128,
    improvement_qty: i128,
    /// Σ D·(b − R)·q and Σ q over closed requests with a quote and a reference price.
    best_cost: i128,
    best_cost_qty: i128,
}

impl RfqStats {
    pub fn on_rfq(&mut self, r: &RfqRecord) {
        self.enabled = true;
        self.requests += 1;
        let closed = match r.outcome {
            RfqOutcome::Rejected(_) => {
                self.rejected += 1;
                return;
            }
            RfqOutcome::Open => {
                self.open_at_end += 1;
                return;
            }
            RfqOutcome::Traded { .. } | RfqOutcome::NoTrade(_) => r,
        };
        self.closed += 1;
        self.dealers_asked += closed.dealers.len() as u64;
        self.quotes += closed.quotes.len() as u64;
        self.late_quotes += closed.late_quotes.len() as u64;
        for q in &closed.quotes {
            self.response_ns += (q.time.0 - closed.time.0) as u128;
        }
        let d = closed.side.sign() as i128;
        let q = closed.qty as i128;
        match closed.outcome {
            RfqOutcome::Traded { price, .. } => {
                self.trades += 1;
                if let Some(reference) = closed.reference {
                    self.improvement += d * (reference - price) as i128 * q;
                    self.improvement_qty += q;
                }
            }
            RfqOutcome::NoTrade(crate::mechanisms::NoTradeReason::NoQuotes) => self.no_quotes += 1,
            RfqOutcome::NoTrade(crate::mechanisms::NoTradeReason::LimitNotMet) => {
                self.limit_not_met += 1
            }
            RfqOutcome::Rejected(_) | RfqOutcome::Open => unreachable!("closed above"),
        }
        match (closed.reference, closed.best_price()) {
            (None, _) => self.without_reference += 1,
            (Some(reference), Some(best)) => {
                self.best_cost += d * (best - reference) as i128 * q;
                self.best_cost_qty += q;
            }
            (Some(_), None) => {}
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        if !self.enabled {
            return;
        }
        for (name, v) in [
            ("rfq_requests", self.requests),
            ("rfq_requests_rejected", self.rejected),
            ("rfq_requests_open_at_end", self.open_at_end),
            ("rfq_requests_closed", self.closed),
            ("rfq_dealers_asked", self.dealers_asked),
            ("rfq_quotes_received", self.quotes),
            ("rfq_quotes_late", self.late_quotes),
            ("rfq_trades", self.trades),
            ("rfq_no_quotes", self.no_quotes),
            ("rfq_limit_not_met", self.limit_not_met),
            ("rfq_requests_without_reference", self.without_reference),
        ] {
            r.set(name, v as f64);
        }
        r.set_ratio(
            "rfq_response_rate",
            self.quotes as f64,
            self.dealers_asked as f64,
            "no closed request was sent to a dealer",
        );
        r.set_ratio(
            "rfq_response_time_mean_s",
            self.response_ns as f64 / 1e9,
            self.quotes as f64,
            "no quote arrived in time",
        );
        r.set_ratio(
            "rfq_trade_rate",
            self.trades as f64,
            self.closed as f64,
            "no request closed",
        );
        r.set_ratio(
            "rfq_price_improvement_vw_ticks",
            self.improvement as f64,
            self.improvement_qty as f64,
            "no RFQ trade had a reference price",
        );
        r.set_ratio(
            "rfq_best_quote_cost_vw_ticks",
            self.best_cost as f64,
            self.best_cost_qty as f64,
            "no closed request had both a quote and a reference price",
        );
    }
}
