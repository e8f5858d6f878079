//! Sniping races after public news, in the spirit of Aquilina, Budish and O'Neill (2022).
//!
//! For each public news published at τ, the race window holds the requests that reach the
//! venue in (τ, τ + W]. In it:
//! * a *take attempt* is a market, IOC or FOK order, or any new order that executed on arrival;
//!   it succeeds if it executed at least one lot, and fails otherwise;
//! * a *cancel attempt* is a cancel or amend; it succeeds if accepted and fails if rejected
//!   `too_late` (the order had already been filled). Other rejections take no part.
//!
//! The window is a race when it has at least two distinct agents among its attempts, at least
//! one take attempt, at least one success and at least one failure. Race profit is
//! Σ D·(m_{t+H} − p)·q over the successful take attempts' fills (D their direction, m_{t+H} the
//! mid H after the attempt, taken at the end of the run if later; a take with no mid at all is
//! valued at its own price).

use super::accumulator::MarketState;
use super::{MetricRecord, duration_label};
use crate::core::{AgentId, Duration, SimTime};
use crate::mechanisms::{Qty, RejectReason};
use crate::sim::{RequestKind, RequestRecord};
use std::collections::VecDeque;

/// A successful take attempt.
#[derive(Clone, Copy, Debug)]
struct Take {
    time: SimTime,
    direction: i64,
    qty: Qty,
    notional: i128,
}

#[derive(Debug)]
struct Window {
    news: SimTime,
    agents: Vec<AgentId>,
    takes: u32,
    successes: u32,
    failures: u32,
    won: Vec<Take>,
}

impl Window {
    fn is_race(&self) -> bool {
        self.agents.len() >= 2 && self.takes >= 1 && self.successes >= 1 && self.failures >= 1
    }
}

pub(super) struct Races {
    window: Duration,
    horizon: Duration,
    open: VecDeque<Window>,
    /// Winning takes of confirmed races, waiting for their horizon.
    pending: Vec<Take>,
    races: u64,
    volume: i64,
    /// Σ D·(2·m_{t+H}·q − 2·notional): twice the profit, exact.
    profit2: i128,
}

impl Races {
    pub fn new(window: Duration, horizon: Duration) -> Self {
        Races {
            window,
            horizon,
            open: VecDeque::new(),
            pending: Vec::new(),
            races: 0,
            volume: 0,
            profit2: 0,
        }
    }

    pub fn on_news(&mut self, time: SimTime) {
        self.open.push_back(Window {
            news: time,
            agents: Vec::new(),
            takes: 0,
            successes: 0,
            failures: 0,
            won: Vec::new(),
        });
    }

    pub fn on_request(&mut self, r: &RequestRecord) {
        let take = r.kind.is_immediate() || (r.kind.is_new_order() && r.filled_qty > 0);
        let cancel = matches!(r.kind, RequestKind::Cancel | RequestKind::Amend);
        let success = if take {
            r.filled_qty > 0
        } else if cancel {
            match r.rejected {
                None => true,
                Some(RejectReason::TooLate) => false,
                Some(_) => return,
            }
        } else {
            return;
        };
        for w in &mut self.open {
            if r.time <= w.news || r.time > w.news.saturating_add(self.window) {
                continue;
            }
            if !w.agents.contains(&r.agent) {
                w.agents.push(r.agent);
            }
            if take {
                w.takes += 1;
            }
            if success {
                w.successes += 1;
            } else {
                w.failures += 1;
            }
            if take && success {
                w.won.push(Take {
                    time: r.time,
                    direction: r.side.map_or(0, |s| s.sign()),
                    qty: r.filled_qty,
                    notional: r.filled_notional,
                });
            }
        }
    }

    fn close(&mut self, w: Window) {
        if w.is_race() {
            self.races += 1;
            for t in w.won {
                self.volume += t.qty;
                self.pending.push(t);
            }
        }
    }

    /// Closes the windows that end before `to`.
    pub fn close_before(&mut self, to: SimTime) {
        while let Some(w) = self.open.front() {
            if w.news.saturating_add(self.window) >= to {
                break;
            }
            let w = self.open.pop_front().expect("front exists");
            self.close(w);
        }
    }

    pub fn close_all(&mut self) {
        while let Some(w) = self.open.pop_front() {
            self.close(w);
        }
    }

    fn value(&mut self, t: Take, market: &MarketState) {
        let reference2 = market
            .last_mid2
            .map_or(2 * t.notional, |m| m as i128 * t.qty as i128);
        self.profit2 += t.direction as i128 * (reference2 - 2 * t.notional);
    }

    /// Values the takes whose horizon falls before `to` with `market`.
    pub fn resolve_before(&mut self, to: SimTime, market: &MarketState) {
        let horizon = self.horizon;
        let mut i = 0;
        while i < self.pending.len() {
            let t = self.pending[i];
            if t.time.saturating_add(horizon) < to {
                self.pending.remove(i);
                self.value(t, market);
            } else {
                i += 1;
            }
        }
    }

    pub fn resolve_all(&mut self, market: &MarketState) {
        for t in std::mem::take(&mut self.pending) {
            self.value(t, market);
        }
    }

    pub fn write(&self, r: &mut MetricRecord) {
        r.set("races", self.races as f64);
        r.set("race_volume_lots", self.volume as f64);
        r.set(
            format!("race_profit_{}_ticks", duration_label(self.horizon)),
            self.profit2 as f64 / 2.0,
        );
    }
}
