//! Market mechanisms as pure state machines: requests in, outputs out.
//!
//! Architecture invariant: a mechanism holds no random generator, reads no clock and knows
//! nothing of latency or of agents' strategies. It sees [`Request`]s and reports [`Output`]s.

pub mod clob;
pub mod fba;
pub mod rfq;
pub mod types;

pub use clob::{Clob, ClobConfig, RestingOrder, SelfTradePrevention};
pub use fba::{BatchAuction, BatchOrder, BatchOutcome, FbaConfig, Rationing};
pub use rfq::{RfqConfig, RfqError, RfqVenue};
pub use types::{
    CancelReason, DealerQuote, Fill, NewOrder, NoTradeReason, OrderKind, Output, Price, Qty,
    QuoteRequest, RejectReason, Request, Side, TimeInForce,
};
