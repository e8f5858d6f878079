//! What one run leaves behind for metrics and artifacts.

use crate::agents::Quote;
use crate::core::{AgentId, OrderId, Role, SimTime};
use crate::info::NewsEvent;
use crate::mechanisms::{Price, Qty, Side};
use serde::Serialize;

/// Who an agent is: its id, role and index within its role's population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AgentInfo {
    pub id: AgentId,
    pub role: Role,
    pub index: u32,
}

/// One execution, with both parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FillRecord {
    pub time: SimTime,
    pub price: Price,
    pub qty: Qty,
    pub taker_side: Side,
    pub taker: AgentId,
    pub maker: AgentId,
    pub taker_order: OrderId,
    pub maker_order: OrderId,
}

/// One message on the wire (recorded only when event logging is on).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageRecord {
    pub sent: SimTime,
    pub delivered: SimTime,
    pub agent: AgentId,
    /// `request`, `report`, `news`, `signal` or `timer` (a wake-up the agent set itself).
    pub channel: &'static str,
    /// What it was, e.g. `limit`, `cancel`, `fill`, `rested`.
    pub kind: &'static str,
    pub order_id: Option<OrderId>,
    pub side: Option<Side>,
    pub price: Option<Price>,
    pub qty: Option<Qty>,
}

/// An agent's account at the end of the run. Cash is in ticks × lots (exact integers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Account {
    pub cash: i128,
    pub position: i64,
}

/// The record of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunLog {
    pub horizon: SimTime,
    pub agents: Vec<AgentInfo>,
    pub fills: Vec<FillRecord>,
    /// Every change point of the fundamental: (time, value after the change). The first entry is
    /// the initial value at time zero.
    pub fundamental: Vec<(SimTime, f64)>,
    /// Every change of the venue's top of book, at the time the venue changed it.
    pub quotes: Vec<(SimTime, Quote)>,
    pub news: Vec<NewsEvent>,
    pub accounts: Vec<Account>,
    /// Present when event logging was requested.
    pub messages: Option<Vec<MessageRecord>>,
    /// Events the kernel processed.
    pub events_processed: u64,
    /// Requests that reached the venue.
    pub requests: u64,
}

impl RunLog {
    /// The fundamental value at the end of the run.
    pub fn final_fundamental(&self) -> f64 {
        self.fundamental.last().map_or(0.0, |&(_, v)| v)
    }
}
