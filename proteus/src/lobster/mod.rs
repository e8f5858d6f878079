//! LOBSTER export: a CLOB run's message file and order-book file in the LOBSTER format (the de
//! facto format of academic limit-order-book data), so existing tools and notebooks read
//! Proteus output. The mapping of our venue outputs to LOBSTER's event types, the price scale
//! and the depth are documented in `docs/lobster.md`.
//!
//! The export replays the run's venue requests ([`crate::sim::RunLog::venue_log`]) through a
//! fresh [`Clob`] of the run's configuration: the book is deterministic, so the replay gives
//! exactly the run's outputs. Each output that changes the book becomes one message
//! ([`Translator`]), applied to a price-level book ([`DepthBook`]) of the whole depth. As in
//! LOBSTER's own files, only the messages about the configured number of price levels are
//! written (a submission, cancellation or deletion deeper in the book is not), each with the
//! book's top levels after it as the order-book row. After every request the level book is
//! checked against the CLOB's own depth, so the files cannot silently drift from the venue.

mod book;
mod message;
mod translate;

pub use book::{DepthBook, EMPTY_ASK_PRICE, EMPTY_BID_PRICE};
pub use message::{EventType, Message};
pub use translate::Translator;

use crate::core::SimTime;
use crate::mechanisms::{Clob, ClobConfig, Request, Side};
use thiserror::Error;

/// How our integers become LOBSTER's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LobsterConfig {
    /// Price levels per side in the order-book file, and the levels whose messages the message
    /// file holds (LOBSTER offers 1, 5, 10, 20, 30, 50).
    pub levels: usize,
    /// LOBSTER price units (dollars × 10 000) per tick: 100 reads one tick as $0.01.
    pub price_scale: i64,
    /// Seconds after midnight at simulated time zero: 34 200 is 9:30, NASDAQ's open.
    pub session_start_s: u64,
}

impl Default for LobsterConfig {
    fn default() -> Self {
        LobsterConfig {
            levels: 10,
            price_scale: 100,
            session_start_s: 34_200,
        }
    }
}

/// Maximum depth written.
pub const MAX_LEVELS: usize = 50;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LobsterError {
    #[error("LOBSTER depth {0} is out of range (1 to {MAX_LEVELS} levels)")]
    Levels(usize),
    #[error(
        "LOBSTER export needs the continuous order book; this run's mechanism is {0} \
         (LOBSTER has no batch-auction or RFQ events; docs/lobster.md)"
    )]
    NotClob(String),
    #[error("the run has no venue log to export (run with record_requests)")]
    NoVenueLog,
    #[error(
        "internal error: request {request} at {time_ns} ns: the LOBSTER book disagrees with the \
         CLOB's depth ({detail})"
    )]
    BookMismatch {
        request: usize,
        time_ns: u64,
        detail: String,
    },
    #[error("internal error: request {request}: {detail}")]
    Untranslatable { request: usize, detail: String },
}

/// The two files' rows: message `i` and the book after it. Only the messages inside the
/// configured levels are here (docs/lobster.md, "Depth").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LobsterExport {
    pub config: LobsterConfig,
    pub messages: Vec<Message>,
    /// One row per message: `levels` × (ask price, ask size, bid price, bid size), in ticks and
    /// lots (`None` for an empty level).
    pub books: Vec<Vec<LevelPair>>,
}

/// One level of both sides: `((ask price, ask size), (bid price, bid size))`.
pub type LevelPair = (Option<(i64, i64)>, Option<(i64, i64)>);

/// Replays `requests` through a fresh CLOB of configuration `clob` and translates its outputs.
pub fn export(
    clob: ClobConfig,
    requests: &[(SimTime, Request)],
    config: LobsterConfig,
) -> Result<LobsterExport, LobsterError> {
    if config.levels == 0 || config.levels > MAX_LEVELS {
        return Err(LobsterError::Levels(config.levels));
    }
    let mut venue = Clob::new(clob);
    let mut translator = Translator::default();
    let mut book = DepthBook::default();
    let mut outputs = Vec::new();
    let mut messages = Vec::new();
    let mut books = Vec::new();
    for (i, (time, request)) in requests.iter().enumerate() {
        outputs.clear();
        venue.handle(*request, &mut outputs);
        let new = translator
            .translate(*time, &outputs, |id| venue.order(id))
            .map_err(|detail| LobsterError::Untranslatable { request: i, detail })?;
        for m in new {
            // The level rule (docs/lobster.md): a message is written when its own price level
            // is among the `levels` best of its side where it counts: before a removal, after
            // a submission. Executions happen at the best level and are always written.
            let before = book.within(m.side, m.price, config.levels);
            if m.event == EventType::VisibleExecution && book.best(m.side) != Some(m.price) {
                return Err(LobsterError::Untranslatable {
                    request: i,
                    detail: format!(
                        "execution of {} at {} off the best {} price {:?}",
                        m.order,
                        m.price,
                        m.side,
                        book.best(m.side)
                    ),
                });
            }
            book.apply(&m);
            let visible = match m.event {
                EventType::Submission => book.within(m.side, m.price, config.levels),
                EventType::PartialCancellation | EventType::Deletion => before,
                EventType::VisibleExecution => true,
            };
            if visible {
                books.push(book.top(config.levels));
                messages.push(m);
            }
        }
        for side in [Side::Buy, Side::Sell] {
            let ours = book.depth(side, config.levels);
            let venue_depth = venue.depth(side, config.levels);
            if ours != venue_depth {
                return Err(LobsterError::BookMismatch {
                    request: i,
                    time_ns: time.0,
                    detail: format!("{side} side: ours {ours:?}, CLOB {venue_depth:?}"),
                });
            }
        }
    }
    Ok(LobsterExport {
        config,
        messages,
        books,
    })
}

impl LobsterExport {
    /// The message file: `time,type,order id,size,price,direction`, no header.
    pub fn message_csv(&self) -> Vec<u8> {
        let mut s = String::new();
        for m in &self.messages {
            s.push_str(&m.to_row(&self.config));
            s.push('\n');
        }
        s.into_bytes()
    }

    /// The order-book file: per message, `ask price 1, ask size 1, bid price 1, bid size 1,
    /// ...` to the configured depth, with LOBSTER's dummies for empty levels; no header.
    pub fn orderbook_csv(&self) -> Vec<u8> {
        let scale = self.config.price_scale;
        let mut s = String::new();
        for row in &self.books {
            let mut cells = Vec::with_capacity(4 * row.len());
            for (ask, bid) in row {
                match ask {
                    Some((p, q)) => cells.extend([(p * scale).to_string(), q.to_string()]),
                    None => cells.extend([EMPTY_ASK_PRICE.to_string(), "0".to_owned()]),
                }
                match bid {
                    Some((p, q)) => cells.extend([(p * scale).to_string(), q.to_string()]),
                    None => cells.extend([EMPTY_BID_PRICE.to_string(), "0".to_owned()]),
                }
            }
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s.into_bytes()
    }

    /// `lobster_message_{levels}.csv` and `lobster_orderbook_{levels}.csv`.
    pub fn file_names(&self) -> (String, String) {
        file_names(self.config.levels)
    }
}

/// The two file names for a depth.
pub fn file_names(levels: usize) -> (String, String) {
    (
        format!("lobster_message_{levels}.csv"),
        format!("lobster_orderbook_{levels}.csv"),
    )
}
