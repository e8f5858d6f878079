//! What an agent sees and can do during one callback.

use crate::core::{AgentId, Duration, OrderId, Role, SimTime};
use crate::mechanisms::{Price, Qty, Request};

/// The top of the book as published on the public feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Quote {
    pub bid: Option<(Price, Qty)>,
    pub ask: Option<(Price, Qty)>,
}

impl Quote {
    /// Mid price in ticks when both sides exist.
    pub fn mid(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some((b, _)), Some((a, _))) => Some((b + a) as f64 / 2.0),
            _ => None,
        }
    }
}

/// Something an agent asks the simulator to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send a message to the venue; it arrives after the agent's submission latency.
    Send(Request),
    /// Call the agent's `on_wake(token)` at this time.
    WakeAt(SimTime, u64),
}

/// The agent's window on the world for one callback: the time, its identity, the public quote as
/// it can see it (already delayed by its market-data latency and the leakage policy), and an
/// outbox. An agent never touches the venue or another agent directly.
pub struct AgentCtx<'a> {
    pub now: SimTime,
    pub id: AgentId,
    pub role: Role,
    /// The public top of book as this agent sees it now (empty where the book is sealed).
    pub quote: Quote,
    /// The last trade price (CLOB) or clearing price (FBA) published, as this agent sees it.
    pub last_price: Option<Price>,
    pub(crate) actions: &'a mut Vec<Action>,
    pub(crate) next_order_seq: &'a mut u32,
}

impl<'a> AgentCtx<'a> {
    /// A context for one callback, for code that drives an agent outside the event loop (tests,
    /// benches). In a run only the event loop builds contexts, already filtered by latency and
    /// the leakage policy.
    pub fn new(
        now: SimTime,
        id: AgentId,
        role: Role,
        quote: Quote,
        last_price: Option<Price>,
        actions: &'a mut Vec<Action>,
        next_order_seq: &'a mut u32,
    ) -> Self {
        AgentCtx {
            now,
            id,
            role,
            quote,
            last_price,
            actions,
            next_order_seq,
        }
    }
}

impl AgentCtx<'_> {
    /// A fresh order id, unique in the run: the agent id in the high 32 bits and the agent's own
    /// counter in the low 32 bits, so adding an agent never renumbers another's orders.
    pub fn new_order_id(&mut self) -> OrderId {
        *self.next_order_seq += 1;
        OrderId(((self.id.0 as u64) << 32) | *self.next_order_seq as u64)
    }

    pub fn send(&mut self, request: Request) {
        self.actions.push(Action::Send(request));
    }

    pub fn wake_at(&mut self, time: SimTime, token: u64) {
        self.actions.push(Action::WakeAt(time, token));
    }

    pub fn wake_after(&mut self, delay: Duration, token: u64) {
        self.actions
            .push(Action::WakeAt(self.now.saturating_add(delay), token));
    }
}
