//! Execution: the wire between agents and a venue, shared by CLOB, FBA and RFQ.
//!
//! Parity is the point: all three mechanisms use one latency model and one visibility policy,
//! differing only in configuration, so a difference between mechanisms in a comparison comes
//! from the mechanism, not from how its messages travel.
//!
//! * [`LatencyDist`] and [`LatencyProfile`]: how long a message takes, per channel.
//! * [`AgentWire`]: one agent's three FIFO [`Channel`]s with their own streams
//!   `latency/agent/{id}/submit`, `latency/agent/{id}/ack` and `latency/agent/{id}/market_data`.
//! * [`LeakagePolicy`]: who sees each output [`Field`] and after what delay; defaults per
//!   mechanism, overridable per field from a scenario's `[leakage]` ([`LeakageConfig`]).
//!
//! Architecture invariant: an agent learns what a venue did only through a message that the
//! leakage policy admits and the wire delivers.

mod audience;
mod field;
mod latency;
mod leakage;
mod wire;

pub use audience::{Audience, Parties};
pub use field::Field;
pub use latency::{LatencyDist, LatencyProfile};
pub use leakage::{LeakageConfig, LeakagePolicy, Visibility};
pub use wire::{AgentWire, Channel};
