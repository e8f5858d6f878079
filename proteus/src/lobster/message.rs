//! One row of a LOBSTER message file.

use crate::core::{OrderId, SimTime};
use crate::lobster::LobsterConfig;
use crate::mechanisms::{Price, Qty, Side};

/// LOBSTER's event types. Proteus emits 1 to 4; a CLOB run has no hidden orders (5), no
/// auction crosses (6) and no trading halts (7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// 1: a new limit order joins the book (the part that rests).
    Submission,
    /// 2: a limit order's size is reduced without trading.
    PartialCancellation,
    /// 3: a limit order leaves the book without trading.
    Deletion,
    /// 4: a resting (visible) limit order executes.
    VisibleExecution,
}

impl EventType {
    pub fn code(self) -> u8 {
        match self {
            EventType::Submission => 1,
            EventType::PartialCancellation => 2,
            EventType::Deletion => 3,
            EventType::VisibleExecution => 4,
        }
    }
}

/// A message: what happened to which resting order. `side` is the side of that order (for an
/// execution, the resting order's: a sell order executing is a buyer-initiated trade).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub time: SimTime,
    pub event: EventType,
    pub order: OrderId,
    pub size: Qty,
    pub price: Price,
    pub side: Side,
}

impl Message {
    /// `time,type,order id,size,price,direction`: time in seconds after midnight with nine
    /// decimals (exact), price in LOBSTER units, direction 1 (buy) or -1 (sell).
    pub fn to_row(&self, config: &LobsterConfig) -> String {
        let ns = self.time.0;
        format!(
            "{}.{:09},{},{},{},{},{}",
            config.session_start_s + ns / 1_000_000_000,
            ns % 1_000_000_000,
            self.event.code(),
            self.order.0,
            self.size,
            self.price * config.price_scale,
            self.side.sign()
        )
    }
}
