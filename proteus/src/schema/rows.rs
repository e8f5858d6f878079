//! Row types of the tables that more than one bundle kind or more than one reader shares, each
//! with its columns: the writer serializes the row, the reader deserializes the same type.

use crate::artifacts::tables::Column;
use crate::core::Role;
use crate::mechanisms::Side;
use serde::{Deserialize, Serialize};

/// One execution: a row of a run bundle's `fills.csv` (and, with `line`, of a replay's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillRow {
    pub time_ns: u64,
    /// The execution price (ticks): the resting (maker) order's price.
    pub price: i64,
    pub qty: i64,
    /// The taker's side: `buy` or `sell`.
    pub taker_side: Side,
    pub taker_agent: u32,
    /// The taker's role; empty where the input names no roles (a replayed order file).
    pub taker_role: Option<Role>,
    pub maker_agent: u32,
    pub maker_role: Option<Role>,
    pub taker_order_id: u64,
    pub maker_order_id: u64,
}

/// The columns of `fills.csv`, in [`FillRow`]'s order.
pub const FILL_COLUMNS: [Column; 10] = [
    Column::int("time_ns"),
    Column::int("price"),
    Column::int("qty"),
    Column::text("taker_side"),
    Column::int("taker_agent"),
    Column::text("taker_role"),
    Column::int("maker_agent"),
    Column::text("maker_role"),
    Column::int("taker_order_id"),
    Column::int("maker_order_id"),
];

/// A row of `quotes.csv`: the venue's top of book from `time_ns` on (an empty side: empty
/// cells, `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRow {
    pub time_ns: u64,
    pub bid_price: Option<i64>,
    pub bid_qty: Option<i64>,
    pub ask_price: Option<i64>,
    pub ask_qty: Option<i64>,
}

/// The columns of `quotes.csv`, in [`QuoteRow`]'s order.
pub const QUOTE_COLUMNS: [Column; 5] = [
    Column::int("time_ns"),
    Column::int("bid_price"),
    Column::int("bid_qty"),
    Column::int("ask_price"),
    Column::int("ask_qty"),
];

/// A row of `fundamental.csv`: a change point of the fundamental, the value in ticks from
/// `time_ns` on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FundamentalRow {
    pub time_ns: u64,
    pub value_ticks: f64,
}

/// The columns of `fundamental.csv`, in [`FundamentalRow`]'s order.
pub const FUNDAMENTAL_COLUMNS: [Column; 2] = [Column::int("time_ns"), Column::float("value_ticks")];

/// A row of a replay's `fills.csv`: the run bundle's columns, then `line`, the 1-based line of
/// the order-file row whose request traded. Bundle tables are written without a serde header
/// (the header comes from the columns), so the nested row serializes as one flat record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReplayFillRow {
    pub fill: FillRow,
    pub line: u64,
}

impl ReplayFillRow {
    /// `fill`, produced by the request on line `line` of the order file.
    pub fn new(fill: FillRow, line: u64) -> ReplayFillRow {
        ReplayFillRow { fill, line }
    }
}

/// The columns of a replay's `fills.csv`: [`FILL_COLUMNS`], then `line`.
pub const REPLAY_FILL_COLUMNS: [Column; 11] = [
    FILL_COLUMNS[0],
    FILL_COLUMNS[1],
    FILL_COLUMNS[2],
    FILL_COLUMNS[3],
    FILL_COLUMNS[4],
    FILL_COLUMNS[5],
    FILL_COLUMNS[6],
    FILL_COLUMNS[7],
    FILL_COLUMNS[8],
    FILL_COLUMNS[9],
    Column::int("line"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn header<T: Serialize>(row: T) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        text.lines().next().unwrap().to_owned()
    }

    fn record<T: Serialize>(row: T) -> String {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        w.serialize(row).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    fn names(cols: &[Column]) -> String {
        cols.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn replay_fill_columns_extend_the_run_bundles() {
        let fill = FillRow {
            time_ns: 5,
            price: 100,
            qty: 2,
            taker_side: Side::Buy,
            taker_agent: 1,
            taker_role: None,
            maker_agent: 2,
            maker_role: Some(Role::MarketMaker),
            taker_order_id: 9,
            maker_order_id: 8,
        };
        assert_eq!(header(fill), names(&FILL_COLUMNS));
        assert_eq!(REPLAY_FILL_COLUMNS[..10], FILL_COLUMNS);
        assert_eq!(REPLAY_FILL_COLUMNS[10].name, "line");
        // The replay row is the run bundle's record with the line after it.
        assert_eq!(
            record(ReplayFillRow::new(fill, 4)),
            record(fill).replace('\n', ",4\n")
        );
        // An unknown role is an empty cell, and reads back as `None`.
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(fill).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(
            text.lines().nth(1),
            Some("5,100,2,buy,1,,2,market_maker,9,8")
        );
        let back: FillRow = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(back, fill);
    }
}
