//! Market mechanisms as pure state machines: requests in, outputs out.
//!
//! Architecture invariant: a mechanism holds no random generator, reads no clock and knows
//! nothing of latency or of agents' strategies. It sees [`Request`]s and reports [`Output`]s.
//!
//! [`Venue`] is the one face the event loop drives, built from a [`MechanismConfig`] (one
//! mechanism, only its own parameters); every venue checks sizes and prices on its [`Grid`].
//! [`Quote`] and [`BookDepth`] are what a venue shows of its book. This module depends on
//! `core` only.

pub mod clob;
pub mod fba;
mod quote;
pub mod rfq;
pub mod types;
mod venue;

pub use clob::{Clob, ClobConfig, RestingOrder, SelfTradePrevention};
pub use fba::{BatchAuction, BatchOrder, BatchOutcome, FbaConfig, Rationing};
pub use quote::{BookDepth, DEPTH_LEVELS, Quote};
pub use rfq::{RfqConfig, RfqError, RfqVenue};
pub use types::{
    CancelReason, DealerQuote, Fill, Grid, NewOrder, NoTradeReason, OrderKind, Output, Price, Qty,
    QuoteRequest, RejectReason, Request, Side, TimeInForce,
};
pub use venue::{MechanismConfig, RfqRound, Venue};
