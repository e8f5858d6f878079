//! Continuous limit order book with price-time priority.
//! (API skeleton; the matching engine lands in the next commit.)

use super::types::{Output, Price, Qty, Request, Side};
use crate::core::{AgentId, OrderId};
use serde::{Deserialize, Serialize};

/// What happens when an incoming order would trade with a resting order of the same trader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfTradePrevention {
    /// The incoming order's remaining quantity is cancelled (reason `self_trade`); fills before
    /// it stand; the resting order is untouched.
    #[default]
    CancelTaking,
    /// The resting order is cancelled (reason `self_trade`) and matching continues.
    CancelResting,
    /// Both the resting order and the rest of the incoming order are cancelled.
    CancelBoth,
    /// No prevention: the trader may trade with itself.
    Allow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClobConfig {
    /// Prices must be multiples of this (in ticks); 1 allows every integer price.
    pub tick_size: Price,
    /// Quantities must be multiples of this (in lots).
    pub lot_size: Qty,
    pub self_trade: SelfTradePrevention,
}

impl Default for ClobConfig {
    fn default() -> Self {
        ClobConfig { tick_size: 1, lot_size: 1, self_trade: SelfTradePrevention::default() }
    }
}

/// An order resting in the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestingOrder {
    pub id: OrderId,
    pub trader: AgentId,
    pub side: Side,
    pub price: Price,
    /// Open (unfilled) quantity.
    pub qty: Qty,
}

/// The order book.
pub struct Clob {
    _config: ClobConfig,
}

impl Clob {
    pub fn new(config: ClobConfig) -> Self {
        Clob { _config: config }
    }

    /// Handles one request, appending what happened to `out` in order.
    pub fn handle(&mut self, _request: Request, _out: &mut Vec<Output>) {
        unimplemented!()
    }

    /// Best bid as (price, total open quantity at that price).
    pub fn best_bid(&self) -> Option<(Price, Qty)> {
        unimplemented!()
    }

    pub fn best_ask(&self) -> Option<(Price, Qty)> {
        unimplemented!()
    }

    /// All resting orders of one side, best price first, then queue (time) order.
    pub fn orders(&self, _side: Side) -> Vec<RestingOrder> {
        unimplemented!()
    }

    /// The resting order `id`, if it is open.
    pub fn order(&self, _id: OrderId) -> Option<RestingOrder> {
        unimplemented!()
    }
}
