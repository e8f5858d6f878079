//! Watching a run as it happens instead of keeping its streams.
//!
//! By default a run keeps every observation in its [`RunLog`] (fills, quotes, the fundamental,
//! venue requests, batches), so memory grows with the length of the run. A run given an
//! [`Observer`] ([`super::run_observed`]) hands each observation to it instead, at the moment
//! the simulation makes it, and keeps none of those streams: its log holds only what is bounded
//! by the agents (accounts, inventory limits), the news and the RFQ records. A pack feeds its
//! metrics that way (`metrics::run_metrics`), a benchmark of the simulation alone discards them
//! ([`Discard`]).
//!
//! Observations come in the simulation's own event order: non-decreasing in time; within one
//! nanosecond in the order the simulation made them (fills in the order the venue made them).

use super::{BatchRecord, FillRecord, RequestRecord, RfqRecord, RunLog};
use crate::core::SimTime;
use crate::info::NewsEvent;
use crate::mechanisms::Quote;

/// Receives a run's observations as they happen.
pub trait Observer {
    /// Once, before the first event: the log as the run starts (agents, mechanism, horizon,
    /// inventory limits, news schedule, and the fundamental at time zero as its only change
    /// point).
    fn on_start(&mut self, log: &RunLog);
    /// The fundamental changed to `value` at `time`.
    fn on_fundamental(&mut self, time: SimTime, value: f64);
    /// A news event became public (at its `public_time`).
    fn on_news(&mut self, news: &NewsEvent);
    /// The venue's top of book changed to `quote` at `time`.
    fn on_quote(&mut self, time: SimTime, quote: Quote);
    /// A request reached the venue, with how it came out.
    fn on_request(&mut self, request: &RequestRecord);
    /// An execution.
    fn on_fill(&mut self, fill: &FillRecord);
    /// A batch auction's batch ended.
    fn on_batch(&mut self, batch: &BatchRecord);
    /// A request for quote, complete (quotes, late quotes, outcome). Unlike the other
    /// observations these come after the last event, in the order the requests arrived: a
    /// record is complete only then (a dealer's quote may arrive after the close).
    fn on_rfq(&mut self, record: &RfqRecord);
}

/// An observer that keeps nothing: the simulation's cost alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Observer for Discard {
    fn on_start(&mut self, _: &RunLog) {}
    fn on_fundamental(&mut self, _: SimTime, _: f64) {}
    fn on_news(&mut self, _: &NewsEvent) {}
    fn on_quote(&mut self, _: SimTime, _: Quote) {}
    fn on_request(&mut self, _: &RequestRecord) {}
    fn on_fill(&mut self, _: &FillRecord) {}
    fn on_batch(&mut self, _: &BatchRecord) {}
    fn on_rfq(&mut self, _: &RfqRecord) {}
}
