//! Order replay: feed an order file to the CLOB and tabulate what happened, so a researcher or a
//! reviewer can check book behaviour without writing Rust (`cargo xtask replay`).

mod order_file;

pub use order_file::{HEADER, MAX_ORDER_QTY, OrderFileError, TimedRequest, parse_order_file};

use crate::artifacts::tables::Column;
use crate::artifacts::{ArtifactError, BundleWriter};
use crate::mechanisms::{Clob, ClobConfig, Output, Side};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Most bytes an order file may hold: 256 MiB (about ten million rows; a replay of that size
/// peaks at a few GB). A regular file past it is refused by its size before it is read; a stream
/// is read up to it and then refused.
pub const MAX_ORDER_FILE_BYTES: u64 = 256 << 20;
/// Longest header line: the header is checked before the rest of the file is read.
pub const MAX_HEADER_BYTES: u64 = 4096;

/// Schema of the replay output folder; bumped only on purpose (see `docs/replay.md`).
pub const REPLAY_SCHEMA_VERSION: u32 = 2;

/// A row of `fills.csv`: the run bundle's fill columns, then `line` ([`ReplayFillRow`]);
/// the agent ids are the order file's trader ids, and the roles are empty (an order file names
/// none).
pub use crate::schema::{REPLAY_FILL_COLUMNS as FILL_COLUMNS, ReplayFillRow as FillRow};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BookRow {
    pub side: Side,
    pub price: i64,
    pub order_id: u64,
    pub qty: i64,
    pub trader: u32,
}
pub const BOOK_COLUMNS: [Column; 5] = [
    Column::text("side"),
    Column::int("price"),
    Column::int("order_id"),
    Column::int("qty"),
    Column::int("trader"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RejectRow {
    pub time_ns: u64,
    pub order_id: u64,
    pub reason: &'static str,
    pub trader: u32,
    pub line: u64,
}
pub const REJECT_COLUMNS: [Column; 5] = [
    Column::int("time_ns"),
    Column::int("order_id"),
    Column::text("reason"),
    Column::int("trader"),
    Column::int("line"),
];

/// Every venue output, one row each, in the order the venue produced them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRow {
    pub time_ns: u64,
    pub line: u64,
    pub event: &'static str,
    pub order_id: u64,
    pub trader: u32,
    pub side: Option<Side>,
    pub price: Option<i64>,
    pub qty: Option<i64>,
    pub detail: &'static str,
}
pub const EVENT_COLUMNS: [Column; 9] = [
    Column::int("time_ns"),
    Column::int("line"),
    Column::text("event"),
    Column::int("order_id"),
    Column::int("trader"),
    Column::text("side"),
    Column::int("price"),
    Column::int("qty"),
    Column::text("detail"),
];

/// The tables of one replay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayResult {
    pub fills: Vec<FillRow>,
    pub rejects: Vec<RejectRow>,
    pub events: Vec<EventRow>,
    /// The final book: bids best first, then asks best first; queue order within a price.
    pub book: Vec<BookRow>,
}

/// Runs `requests` through a fresh CLOB.
pub fn replay(requests: &[TimedRequest], config: ClobConfig) -> ReplayResult {
    let mut clob = Clob::new(config);
    let mut res = ReplayResult::default();
    let mut outputs = Vec::new();
    for tr in requests {
        outputs.clear();
        clob.handle(tr.request, &mut outputs);
        let (time_ns, line) = (tr.time.0, tr.line);
        for out in &outputs {
            let ev = |event, order_id: u64, trader: u32| EventRow {
                time_ns,
                line,
                event,
                order_id,
                trader,
                side: None,
                price: None,
                qty: None,
                detail: "",
            };
            let row = match *out {
                Output::Accepted { id, trader } => ev("accepted", id.0, trader.0),
                Output::Rejected { id, trader, reason } => {
                    res.rejects.push(RejectRow {
                        time_ns,
                        order_id: id.0,
                        reason: reason.as_str(),
                        trader: trader.0,
                        line,
                    });
                    EventRow {
                        detail: reason.as_str(),
                        ..ev("rejected", id.0, trader.0)
                    }
                }
                Output::Fill(f) => {
                    let fill = crate::schema::FillRow {
                        time_ns,
                        price: f.price,
                        qty: f.qty,
                        taker_side: f.taker_side,
                        taker_agent: f.taker.0,
                        taker_role: None,
                        maker_agent: f.maker.0,
                        maker_role: None,
                        taker_order_id: f.taker_order.0,
                        maker_order_id: f.maker_order.0,
                    };
                    res.fills.push(FillRow::new(fill, line));
                    EventRow {
                        side: Some(f.taker_side),
                        price: Some(f.price),
                        qty: Some(f.qty),
                        ..ev("fill", f.taker_order.0, f.taker.0)
                    }
                }
                Output::Cancelled {
                    id,
                    trader,
                    qty,
                    reason,
                } => EventRow {
                    qty: Some(qty),
                    detail: reason.as_str(),
                    ..ev("cancelled", id.0, trader.0)
                },
                Output::Amended {
                    id,
                    trader,
                    price,
                    qty,
                    kept_priority,
                } => EventRow {
                    price: Some(price),
                    qty: Some(qty),
                    detail: if kept_priority {
                        "kept_priority"
                    } else {
                        "lost_priority"
                    },
                    ..ev("amended", id.0, trader.0)
                },
                Output::Rested {
                    id,
                    trader,
                    side,
                    price,
                    qty,
                } => EventRow {
                    side: Some(side),
                    price: Some(price),
                    qty: Some(qty),
                    ..ev("rested", id.0, trader.0)
                },
                Output::QuoteRequested { .. }
                | Output::QuoteReceived { .. }
                | Output::RfqTraded { .. }
                | Output::RfqNoTrade { .. } => {
                    unreachable!(
                        "order files hold only order-book requests; the CLOB emitted {out:?}"
                    )
                }
            };
            res.events.push(row);
        }
    }
    for side in [Side::Buy, Side::Sell] {
        res.book
            .extend(clob.orders(side).into_iter().map(|o| BookRow {
                side: o.side,
                price: o.price,
                order_id: o.id.0,
                qty: o.qty,
                trader: o.trader.0,
            }));
    }
    res
}

#[derive(Debug, Error)]
pub enum ReplayError {
    /// Reading the order file failed (`reading PATH: why`).
    #[error(transparent)]
    Read(#[from] crate::artifacts::IoError),
    #[error("{path}:{line}: {message}", line = .cause.line, message = .cause.message)]
    OrderFile {
        path: PathBuf,
        cause: OrderFileError,
    },
    #[error(
        "{path} is larger than {limit} bytes ({} MiB), the most an order file may hold; split it \
         (nothing past that was read)",
        .limit >> 20
    )]
    TooLarge { path: PathBuf, limit: u64 },
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
}

/// The body of a replay bundle's manifest (the frame: [`crate::schema::Manifest`]).
#[derive(Serialize)]
struct ReplayBody<'a> {
    input: InputDigest<'a>,
    clob: ClobConfig,
    summary: Summary,
}

#[derive(Serialize)]
struct InputDigest<'a> {
    file_name: &'a str,
    sha256: String,
    rows: usize,
}

#[derive(Serialize)]
struct Summary {
    fills: usize,
    filled_qty: i64,
    rejects: usize,
    resting_orders: usize,
}

/// An order file as [`read_orders`] read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrdersRead {
    pub requests: Vec<TimedRequest>,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

/// Counts and hashes the bytes read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Reads and parses an order file from `reader` (named `path` in errors), streaming: the header
/// line is checked first (it must end within [`MAX_HEADER_BYTES`]), then the rows are parsed as
/// they are read, and a file past `limit` bytes is refused ([`ReplayError::TooLarge`]) without
/// reading further.
pub fn read_orders(reader: impl Read, path: &Path, limit: u64) -> Result<OrdersRead, ReplayError> {
    let read_err =
        |cause| ReplayError::Read(crate::artifacts::IoError::new("reading", path, cause));
    let file_err = |cause| ReplayError::OrderFile {
        path: path.to_owned(),
        cause,
    };
    let mut input = BufReader::new(Hashing {
        inner: reader.take(limit.saturating_add(1)),
        hasher: Sha256::new(),
        bytes: 0,
    });
    let mut head = Vec::new();
    input
        .by_ref()
        .take(MAX_HEADER_BYTES)
        .read_until(b'\n', &mut head)
        .map_err(read_err)?;
    if head.len() as u64 == MAX_HEADER_BYTES && !head.ends_with(b"\n") {
        return Err(file_err(OrderFileError {
            line: 1,
            message: format!(
                "no header line in the first {MAX_HEADER_BYTES} bytes; expected `{}`",
                HEADER.join(",")
            ),
        }));
    }
    let parsed = parse_order_file(std::io::Cursor::new(head).chain(&mut input));
    let Hashing { hasher, bytes, .. } = input.into_inner();
    if bytes > limit {
        return Err(ReplayError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    let requests = parsed.map_err(file_err)?;
    Ok(OrdersRead {
        requests,
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        bytes,
    })
}

/// Reads `orders` (streaming, at most [`MAX_ORDER_FILE_BYTES`]), replays it and writes
/// `fills.csv`, `book.csv`, `rejects.csv`, `events.csv` and `manifest.json` into `out`,
/// atomically. On a malformed or oversized file nothing is written.
pub fn replay_file(orders: &Path, out: &Path, force: bool) -> Result<ReplayResult, ReplayError> {
    let read_err =
        |cause| ReplayError::Read(crate::artifacts::IoError::new("reading", orders, cause));
    let file = std::fs::File::open(orders).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_file() && meta.len() > MAX_ORDER_FILE_BYTES {
        return Err(ReplayError::TooLarge {
            path: orders.to_owned(),
            limit: MAX_ORDER_FILE_BYTES,
        });
    }
    let OrdersRead {
        requests, sha256, ..
    } = read_orders(file, orders, MAX_ORDER_FILE_BYTES)?;
    let config = ClobConfig::default();
    let result = replay(&requests, config);

    let mut w = BundleWriter::create(out, force)?;
    w.write_csv("fills.csv", &FILL_COLUMNS, &result.fills)?;
    w.write_csv("book.csv", &BOOK_COLUMNS, &result.book)?;
    w.write_csv("rejects.csv", &REJECT_COLUMNS, &result.rejects)?;
    w.write_csv("events.csv", &EVENT_COLUMNS, &result.events)?;
    let file_name = orders
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("orders.csv");
    let body = ReplayBody {
        input: InputDigest {
            file_name,
            sha256,
            rows: requests.len(),
        },
        clob: config,
        summary: Summary {
            fills: result.fills.len(),
            filled_qty: result.fills.iter().map(|f| f.fill.qty).sum(),
            rejects: result.rejects.len(),
            resting_orders: result.book.len(),
        },
    };
    let manifest = crate::artifacts::Manifest::<_>::new(
        crate::artifacts::BundleKind::Replay,
        REPLAY_SCHEMA_VERSION,
        body,
        w.digests(),
        None,
    );
    w.write_json("manifest.json", &manifest)?;
    w.commit()?;
    Ok(result)
}
