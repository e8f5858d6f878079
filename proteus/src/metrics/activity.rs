//! Activity: trades, volume, orders, cancels, amends, rejections, fill rates by role.

use super::impact::FillMark;
use super::pnl::role_index;
use super::{MetricRecord, names};
use crate::core::Role;
use crate::sim::{AgentInfo, RequestKind, RequestRecord};

pub(super) struct Activity {
    roles: Vec<Role>,
    orders: u64,
    cancels: u64,
    amends: u64,
    rejected: u64,
    /// Per role (in `Role::ALL` order): lots offered and lots filled (as maker or taker).
    offered: [i64; 4],
    filled: [i64; 4],
    trades: u64,
    volume: i64,
    notional: i128,
}

impl Activity {
    pub fn new(agents: &[AgentInfo]) -> Self {
        Activity {
            roles: agents.iter().map(|a| a.role).collect(),
            orders: 0,
            cancels: 0,
            amends: 0,
            rejected: 0,
            offered: [0; 4],
            filled: [0; 4],
            trades: 0,
            volume: 0,
            notional: 0,
        }
    }

    fn role(&self, agent: crate::core::AgentId) -> usize {
        role_index(self.roles[agent.0 as usize])
    }

    pub fn on_request(&mut self, r: &RequestRecord) {
        match r.kind {
            RequestKind::Market | RequestKind::Limit { .. } => self.orders += 1,
            RequestKind::Cancel => self.cancels += 1,
            RequestKind::Amend => self.amends += 1,
            // RFQ traffic is counted by the RFQ metrics.
            RequestKind::QuoteRequest | RequestKind::DealerQuote => {}
        }
        if r.rejected.is_some() {
            self.rejected += 1;
        }
        self.offered[self.role(r.agent)] += r.offered_qty;
    }

    pub fn on_fill(&mut self, m: &FillMark) {
        self.trades += 1;
        self.volume += m.qty;
        self.notional += m.price as i128 * m.qty as i128;
        self.filled[self.role(m.taker)] += m.qty;
        self.filled[self.role(m.maker)] += m.qty;
    }

    pub fn write(&self, r: &mut MetricRecord) {
        r.set("trades", self.trades as f64);
        r.set(names::VOLUME, self.volume as f64);
        r.set_ratio(
            "vwap_ticks",
            self.notional as f64,
            self.volume as f64,
            "no trades",
        );
        r.set("orders_submitted", self.orders as f64);
        r.set("cancels_submitted", self.cancels as f64);
        r.set("amends_submitted", self.amends as f64);
        r.set("requests_rejected", self.rejected as f64);
        r.set_ratio(
            "order_to_trade_ratio",
            self.orders as f64,
            self.trades as f64,
            "no trades",
        );
        r.set_ratio(
            "cancel_rate",
            self.cancels as f64,
            self.orders as f64,
            "no orders submitted",
        );
        for (k, role) in Role::ALL.into_iter().enumerate() {
            r.set_ratio(
                names::fill_rate(role),
                self.filled[k] as f64,
                self.offered[k] as f64,
                &format!("no {} orders offered any quantity", role.as_str()),
            );
        }
    }
}
