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

/// One observation, owned, as it crosses to the observer's thread ([`on_own_thread`]).
enum Observation {
    Start(Box<RunLog>),
    Fundamental(SimTime, f64),
    News(NewsEvent),
    Quote(SimTime, Quote),
    Request(RequestRecord),
    Fill(FillRecord),
    Batch(BatchRecord),
    Rfq(Box<RfqRecord>),
}

impl Observation {
    fn deliver(&self, o: &mut dyn Observer) {
        match self {
            Observation::Start(log) => o.on_start(log),
            Observation::Fundamental(t, v) => o.on_fundamental(*t, *v),
            Observation::News(n) => o.on_news(n),
            Observation::Quote(t, q) => o.on_quote(*t, *q),
            Observation::Request(r) => o.on_request(r),
            Observation::Fill(f) => o.on_fill(f),
            Observation::Batch(b) => o.on_batch(b),
            Observation::Rfq(r) => o.on_rfq(r),
        }
    }
}

/// Observations per message to the observer's thread: large enough that the channel costs
/// nothing per observation, small enough that the two threads overlap (a day of rmsc04-like makes
/// about 110,000).
const CHUNK: usize = 2048;
/// Chunks in flight before the simulation waits for the observer.
const IN_FLIGHT: usize = 8;

/// The simulation's side of [`on_own_thread`]: buffers observations and sends them in chunks,
/// reusing the chunks the observer's thread hands back.
struct Relay {
    chunk: Vec<Observation>,
    to_observer: std::sync::mpsc::SyncSender<Vec<Observation>>,
    returned: std::sync::mpsc::Receiver<Vec<Observation>>,
    /// The observer's thread has stopped (it panicked); observations are dropped until the
    /// panic is raised on this thread.
    gone: bool,
}

impl Relay {
    #[inline]
    fn push(&mut self, o: Observation) {
        self.chunk.push(o);
        if self.chunk.len() == CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.chunk.is_empty() || self.gone {
            self.chunk.clear();
            return;
        }
        let next = self
            .returned
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.chunk, next);
        self.gone = self.to_observer.send(full).is_err();
    }
}

impl Observer for Relay {
    fn on_start(&mut self, log: &RunLog) {
        self.push(Observation::Start(Box::new(log.clone())));
    }
    fn on_fundamental(&mut self, time: SimTime, value: f64) {
        self.push(Observation::Fundamental(time, value));
    }
    fn on_news(&mut self, news: &NewsEvent) {
        self.push(Observation::News(*news));
    }
    fn on_quote(&mut self, time: SimTime, quote: Quote) {
        self.push(Observation::Quote(time, quote));
    }
    fn on_request(&mut self, request: &RequestRecord) {
        self.push(Observation::Request(*request));
    }
    fn on_fill(&mut self, fill: &FillRecord) {
        self.push(Observation::Fill(*fill));
    }
    fn on_batch(&mut self, batch: &BatchRecord) {
        self.push(Observation::Batch(*batch));
    }
    fn on_rfq(&mut self, record: &RfqRecord) {
        self.push(Observation::Rfq(Box::new(record.clone())));
    }
}

/// Runs `run` (a simulation, given an observer) with `observer` working on a thread of its own:
/// the simulation hands each observation over in chunks and goes on while the observer digests
/// the last ones, so a run and its metrics take the longer of the two rather than their sum on a
/// machine with a spare core. `observer` sees exactly the observations, in exactly the order, it
/// would have seen given to `run` directly (the tests check the metrics are the same bytes); a
/// panic in it is raised here once `run` is done.
pub fn on_own_thread<O, R>(observer: &mut O, run: impl FnOnce(&mut dyn Observer) -> R) -> R
where
    O: Observer + Send,
{
    let (to_observer, chunks) = std::sync::mpsc::sync_channel::<Vec<Observation>>(IN_FLIGHT);
    let (give_back, returned) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            for mut chunk in chunks {
                for o in &chunk {
                    o.deliver(observer);
                }
                chunk.clear();
                // The simulation may be done and gone; then the chunk is simply dropped.
                let _ = give_back.send(chunk);
            }
        });
        let mut relay = Relay {
            chunk: Vec::with_capacity(CHUNK),
            to_observer,
            returned,
            gone: false,
        };
        let result = run(&mut relay);
        relay.flush();
        drop(relay);
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::{RunOptions, run_observed};

    /// Every call, in order, as text (`Debug` shows every field).
    #[derive(Default)]
    struct Transcript(Vec<String>);

    impl Observer for Transcript {
        fn on_start(&mut self, log: &RunLog) {
            self.0.push(format!("start {log:?}"));
        }
        fn on_fundamental(&mut self, time: SimTime, value: f64) {
            self.0.push(format!("fundamental {time:?} {value:?}"));
        }
        fn on_news(&mut self, news: &NewsEvent) {
            self.0.push(format!("news {news:?}"));
        }
        fn on_quote(&mut self, time: SimTime, quote: Quote) {
            self.0.push(format!("quote {time:?} {quote:?}"));
        }
        fn on_request(&mut self, request: &RequestRecord) {
            self.0.push(format!("request {request:?}"));
        }
        fn on_fill(&mut self, fill: &FillRecord) {
            self.0.push(format!("fill {fill:?}"));
        }
        fn on_batch(&mut self, batch: &BatchRecord) {
            self.0.push(format!("batch {batch:?}"));
        }
        fn on_rfq(&mut self, record: &RfqRecord) {
            self.0.push(format!("rfq {record:?}"));
        }
    }

    /// An observer on its own thread sees what it sees given to the run directly, call for call,
    /// under each mechanism (batches under FBA, RFQ records after the last event under RFQ), over
    /// many chunks; and the run returns the same log.
    #[test]
    fn an_observer_on_its_own_thread_sees_every_observation_in_order() {
        for spec in ["clob", "fba:100ms", "rfq"] {
            let mut sc = Scenario::default_scenario();
            sc.duration_s = 120.0;
            sc.mechanism = sc.mechanism.with_spec(spec).unwrap();
            let mut direct = Transcript::default();
            let direct_log = run_observed(&sc, 1, RunOptions::default(), &mut direct);
            let mut relayed = Transcript::default();
            let relayed_log = on_own_thread(&mut relayed, |o| {
                run_observed(&sc, 1, RunOptions::default(), o)
            });
            assert!(
                direct.0.len() > 3 * CHUNK,
                "{spec}: {} calls",
                direct.0.len()
            );
            let special: &[&str] = match spec {
                "clob" => &["quote"],
                "rfq" => &["rfq "],
                _ => &["quote", "batch"],
            };
            for kind in ["start", "fundamental", "request", "fill"]
                .iter()
                .chain(special)
            {
                assert!(
                    direct.0.iter().any(|c| c.starts_with(kind)),
                    "{spec}: {kind}"
                );
            }
            assert_eq!(relayed.0.len(), direct.0.len(), "{spec}");
            for (i, (a, b)) in relayed.0.iter().zip(&direct.0).enumerate() {
                assert_eq!(a, b, "{spec}: call {i}");
            }
            assert_eq!(
                format!("{relayed_log:?}"),
                format!("{direct_log:?}"),
                "{spec}"
            );
        }
    }

    struct Fails;

    impl Observer for Fails {
        fn on_start(&mut self, _: &RunLog) {}
        fn on_fundamental(&mut self, _: SimTime, _: f64) {}
        fn on_news(&mut self, _: &NewsEvent) {}
        fn on_quote(&mut self, _: SimTime, _: Quote) {}
        fn on_request(&mut self, _: &RequestRecord) {
            panic!("observer failed");
        }
        fn on_fill(&mut self, _: &FillRecord) {}
        fn on_batch(&mut self, _: &BatchRecord) {}
        fn on_rfq(&mut self, _: &RfqRecord) {}
    }

    /// A panic in the observer's thread is not lost: it is raised on the caller's once the run is
    /// done.
    #[test]
    fn a_panic_in_the_observer_reaches_the_caller() {
        let mut sc = Scenario::default_scenario();
        sc.duration_s = 30.0;
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            on_own_thread(&mut Fails, |o| {
                run_observed(&sc, 0, RunOptions::default(), o)
            })
        }));
        let panic = caught.expect_err("the observer's panic is raised");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"observer failed"));
    }
}
