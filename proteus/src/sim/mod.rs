//! The discrete-event loop that wires information, agents, the wire and a venue for one run.
//!
//! Everything happens at its own nanosecond: fundamental change points, news, private signals,
//! agent timers, message arrivals after latency, venue reports and feed publications. There is no
//! time step, so a 1 µs latency advantage decides a race.
//!
//! Architecture invariant: this is the only place that knows about all the parts; the venue sees
//! requests, agents see their [`AgentCtx`](crate::agents::AgentCtx), and every random draw comes
//! from a named stream of the repetition seed (`docs/seed-protocol.md`).
//!
//! By concern:
//!
//! * `engine.rs`: the event loop itself (the events, the simulation's state, what happens at
//!   each event, recording the venue's outputs);
//! * `population.rs`: building the agents, their wires and private information, and the Hawkes
//!   arrival sources from a scenario;
//! * `rfq_desk.rs`: the RFQ desk (dealer picking, windows, quote records, traded-away notices);
//! * `routing.rs`: visibility, who sees which field when under the leakage policy (reports,
//!   RFQ notices, the public feed);
//! * `run_log.rs`: what a run leaves behind ([`RunLog`]); `observer.rs`: watching a run instead
//!   ([`Observer`]); `quote_board.rs`: the public feed's history; `venue.rs`: the venue behind
//!   one face.

mod engine;
mod observer;
mod population;
mod quote_board;
mod rfq_desk;
mod routing;
#[cfg(test)]
mod routing_tests;
mod run_log;

pub use observer::{Discard, Observer, on_own_thread};
pub use quote_board::{FeedState, QuoteBoard};
pub use run_log::{
    Account, AgentInfo, BatchRecord, Channel, FillRecord, InventoryLimit, MessageKind,
    MessageRecord, RequestKind, RequestRecord, RfqOutcome, RfqQuoteRecord, RfqRecord, RunLog,
};

use crate::scenario::Scenario;
use engine::Simulation;

/// Options of one run that do not change its results.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Record every message and its delivery time in `RunLog::messages`.
    pub record_messages: bool,
    /// Record every request the venue handled, whole, in `RunLog::venue_log` (for exports that
    /// replay them, e.g. LOBSTER).
    pub record_requests: bool,
}

/// Runs repetition `repetition` of `scenario` and returns its log.
pub fn run(scenario: &Scenario, repetition: u64, options: RunOptions) -> RunLog {
    Simulation::new(scenario, repetition, options, None).run()
}

/// Runs like [`run`], but hands each observation to `observer` as it happens instead of keeping
/// it (see [`Observer`]): the log it returns has no fills, quotes, fundamental, venue requests
/// or batches, so memory does not grow with the run's length. The same draws in the same order:
/// the observations are exactly the streams [`run`] would have kept.
pub fn run_observed(
    scenario: &Scenario,
    repetition: u64,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> RunLog {
    Simulation::new(scenario, repetition, options, Some(observer)).run()
}
