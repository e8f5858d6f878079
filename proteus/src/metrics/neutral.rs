//! Mechanism-neutral measures against the fundamental, defined identically under CLOB, FBA and
//! RFQ because they read no quote: the latency arbitrageurs' sniping profit, the noise traders'
//! effective spread against the fundamental, and the market makers' time at their inventory
//! limit.
//!
//! Rules (`docs/metrics.md`, "Mechanism-neutral measures"), with d an agent's own direction
//! (+1 bought), p the price, q the lots:
//! * `sniping_profit_ticks` = Σ d·(V_{t+h} − p)·q over the arbitrageurs' sides of fills (maker
//!   or taker), h the sniping horizon (1 s), V_{t+h} the fundamental in force at the end of the
//!   last instant at or before t + h (V_T if t + h > T). A total (0 without fills); missing
//!   without arbitrageurs.
//! * `noise_effective_spread_true_ticks` = Σ 2·d·(p − V_t)·q / Σ q over the noise traders'
//!   sides of fills (a noise–noise fill counts once per side), V_t at the end of the fill's
//!   instant. Missing without noise traders or when they did not trade.
//! * `investor_effective_spread_true_ticks`: the same sum over the fills of the noise traders'
//!   **marketable** orders only (market orders under CLOB and FBA, quote requests without a
//!   limit under RFQ): what investors who demand immediacy pay against the fundamental, the
//!   cost Budish, Cramton and Shim compare across mechanisms. (The noise traders' resting
//!   orders are liquidity supply; their losses to better-informed traders are in the measure
//!   above.) Missing without noise traders or when no marketable order traded.
//! * `mm_time_at_inventory_limit_share`: for each market maker with a logged inventory rule,
//!   the share of [0, T] during which `|position| + quote_size > inventory_limit` (it cannot
//!   quote the side that adds to its position), positions taken at the end of each instant;
//!   the mean over those market makers. Missing without market makers, without their logged
//!   rules, or when T = 0.

use super::MetricRecord;
use super::impact::FillMark;
use super::market::MarketState;
use crate::core::{Duration, OrderId, Role, SimTime};
use crate::mechanisms::{Price, Qty};
use crate::sim::{AgentInfo, FillRecord, InventoryLimit, RequestKind, RequestRecord};
use std::collections::{BTreeSet, VecDeque};

/// One side of a fill: the agent's direction, price and lots.
#[derive(Clone, Copy, Debug)]
struct Side {
    due: SimTime,
    direction: i64,
    price: Price,
    qty: Qty,
}

fn sides_of(m: &FillMark) -> [(usize, i64); 2] {
    [
        (m.taker.0 as usize, m.direction),
        (m.maker.0 as usize, -m.direction),
    ]
}

pub(super) struct Sniping {
    horizon: Duration,
    arbitrageur: Vec<bool>,
    any: bool,
    pending: VecDeque<Side>,
    profit: f64,
}

impl Sniping {
    pub fn new(agents: &[AgentInfo], horizon: Duration) -> Self {
        let arbitrageur: Vec<bool> = agents.iter().map(|a| a.role == Role::Arbitrageur).collect();
        Sniping {
            horizon,
            any: arbitrageur.iter().any(|&a| a),
            arbitrageur,
            pending: VecDeque::new(),
            profit: 0.0,
        }
    }

    pub fn on_fill(&mut self, m: &FillMark) {
        for (i, d) in sides_of(m) {
            if self.arbitrageur[i] {
                self.pending.push_back(Side {
                    due: m.time.saturating_add(self.horizon),
                    direction: d,
                    price: m.price,
                    qty: m.qty,
                });
            }
        }
    }

    fn mark(&mut self, s: Side, market: &MarketState) {
        self.profit += s.direction as f64 * (market.value - s.price as f64) * s.qty as f64;
    }

    /// Marks the sides due before `to` with `market` (in force since then).
    pub fn resolve_before(&mut self, to: SimTime, market: &MarketState) {
        while let Some(s) = self.pending.front().copied() {
            if s.due >= to {
                break;
            }
            self.pending.pop_front();
            self.mark(s, market);
        }
    }

    pub fn resolve_all(&mut self, market: &MarketState) {
        while let Some(s) = self.pending.pop_front() {
            self.mark(s, market);
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        if self.any {
            r.set("sniping_profit_ticks", self.profit);
        } else {
            r.set_missing("sniping_profit_ticks", "no arbitrageur agents in this run");
        }
    }
}

pub(super) struct NoiseSpread {
    noise: Vec<bool>,
    any: bool,
    /// The noise traders' marketable orders that may still fill. Under CLOB a market order
    /// fills on arrival or never, so the set holds only the current instant's and is emptied
    /// when it closes (memory bounded by one instant, not by the run).
    marketable: BTreeSet<OrderId>,
    /// A continuous book (CLOB), the default: marketable orders are forgotten once their
    /// arrival instant closes. Batch auctions and RFQ fill them later.
    continuous: bool,
    /// Noise sides of the current instant's fills with their order, valued when it closes
    /// (by then every request of the instant has been seen, whatever the feeding order).
    instant: Vec<(Side, OrderId)>,
    /// Σ 2·d·(p − V)·q and Σ q, over all noise sides and over the marketable ones.
    sum: f64,
    qty: i64,
    investor_sum: f64,
    investor_qty: i64,
}

impl NoiseSpread {
    pub fn new(agents: &[AgentInfo]) -> Self {
        let noise: Vec<bool> = agents.iter().map(|a| a.role == Role::Noise).collect();
        NoiseSpread {
            any: noise.iter().any(|&a| a),
            noise,
            marketable: BTreeSet::new(),
            continuous: true,
            instant: Vec::new(),
            sum: 0.0,
            qty: 0,
            investor_sum: 0.0,
            investor_qty: 0,
        }
    }

    /// A batch auction or RFQ run: marketable orders may fill after their arrival instant.
    pub fn set_deferred_fills(&mut self) {
        self.continuous = false;
    }

    /// Notes a noise trader's marketable order (a request reaches the venue before its fills).
    pub fn on_request(&mut self, r: &RequestRecord) {
        let marketable = match r.kind {
            RequestKind::Market => true,
            RequestKind::QuoteRequest => r.price.is_none(),
            _ => false,
        };
        if marketable && self.noise.get(r.agent.0 as usize) == Some(&true) && r.rejected.is_none() {
            self.marketable.insert(r.order);
        }
    }

    pub fn on_fill(&mut self, m: &FillMark, fill: &FillRecord) {
        for ((i, d), order) in sides_of(m)
            .into_iter()
            .zip([fill.taker_order, fill.maker_order])
        {
            if self.noise[i] {
                let side = Side {
                    due: m.time,
                    direction: d,
                    price: m.price,
                    qty: m.qty,
                };
                self.instant.push((side, order));
            }
        }
    }

    pub fn close_instant(&mut self, market: &MarketState) {
        for (s, order) in self.instant.drain(..) {
            let cost = 2.0 * s.direction as f64 * (s.price as f64 - market.value) * s.qty as f64;
            self.sum += cost;
            self.qty += s.qty;
            if self.marketable.contains(&order) {
                self.investor_sum += cost;
                self.investor_qty += s.qty;
            }
        }
        if self.continuous {
            self.marketable.clear();
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        let name = "noise_effective_spread_true_ticks";
        if self.any {
            r.set_ratio(
                name,
                self.sum,
                self.qty as f64,
                "noise agents did not trade",
            );
        } else {
            r.set_missing(name, "no noise agents in this run");
        }
        let name = "investor_effective_spread_true_ticks";
        if self.any {
            r.set_ratio(
                name,
                self.investor_sum,
                self.investor_qty as f64,
                "no marketable noise order traded",
            );
        } else {
            r.set_missing(name, "no noise agents in this run");
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct LimitSlot {
    agent: usize,
    limit: Qty,
    size: Qty,
    at_limit_ns: u128,
}

pub(super) struct InventoryLimitShare {
    market_makers: usize,
    slots: Vec<LimitSlot>,
    /// Position of each agent (only market makers' are read).
    positions: Vec<i64>,
}

impl InventoryLimitShare {
    pub fn new(agents: &[AgentInfo]) -> Self {
        InventoryLimitShare {
            market_makers: agents
                .iter()
                .filter(|a| a.role == Role::MarketMaker)
                .count(),
            slots: Vec::new(),
            positions: vec![0; agents.len()],
        }
    }

    /// The market makers' inventory rules (agents that are not market makers are ignored).
    pub fn set_limits(&mut self, agents: &[AgentInfo], limits: &[InventoryLimit]) {
        self.slots = limits
            .iter()
            .filter(|l| {
                agents
                    .get(l.agent.0 as usize)
                    .is_some_and(|a| a.role == Role::MarketMaker)
            })
            .map(|l| LimitSlot {
                agent: l.agent.0 as usize,
                limit: l.inventory_limit,
                size: l.quote_size,
                at_limit_ns: 0,
            })
            .collect();
    }

    pub fn on_fill(&mut self, m: &FillMark) {
        for (i, d) in sides_of(m) {
            self.positions[i] += d * m.qty;
        }
    }

    pub fn integrate(&mut self, dt: Duration) {
        for s in &mut self.slots {
            if self.positions[s.agent].abs() + s.size > s.limit {
                s.at_limit_ns += dt.0 as u128;
            }
        }
    }

    pub fn write(&self, r: &mut MetricRecord, end: SimTime) {
        let name = "mm_time_at_inventory_limit_share";
        if self.market_makers == 0 {
            r.set_missing(name, "no market_maker agents in this run");
        } else if self.slots.is_empty() {
            r.set_missing(name, "the run log has no market maker's inventory limit");
        } else {
            let total: u128 = self.slots.iter().map(|s| s.at_limit_ns).sum();
            r.set_ratio(
                name,
                total as f64,
                end.0 as f64 * self.slots.len() as f64,
                "the run has zero length",
            );
        }
    }
}
