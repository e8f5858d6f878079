//! Parsing of the order-replay CSV file.
//!
//! Header (exactly these columns, in this order):
//! `time_ns,trader,action,order_id,side,price,qty,tif`
//!
//! | action | side | price | qty | tif |
//! |---|---|---|---|---|
//! | `limit` | required | required | required | `gtc` (or blank, meaning `gtc`), `ioc`, `fok`, `post_only` |
//! | `market` | required | blank | required | blank |
//! | `cancel` | blank | blank | blank | blank |
//! | `amend` | blank or the order's side (not checked) | new price | new open qty | blank |
//!
//! Rows must be in non-decreasing `time_ns`. A new order (`limit`, `market`) may not reuse an id
//! that an earlier row used for a new order. Values that parse but that a venue would refuse (a
//! zero or negative quantity, an off-tick price, a cancel of an unknown id) are *not* file errors:
//! they reach the book and come back as rejects with a reason.
//!
//! Quantities are bounded so that no sum the book or the replay forms can overflow: a `qty` above
//! [`MAX_ORDER_QTY`] lots is a file error, and so is a file whose positive `qty` values (of new
//! orders and amends) sum past `i64::MAX`, which bounds every price level's total, every fill and
//! every sum of fills.

use crate::core::config_error::echo;
use crate::core::{AgentId, OrderId, SimTime};
use crate::mechanisms::{NewOrder, OrderKind, Request, Side, TimeInForce};
use std::collections::BTreeSet;
use std::io::Read;
use thiserror::Error;

/// Largest `qty` of one row, in lots.
pub const MAX_ORDER_QTY: i64 = 1_000_000_000_000;

pub const HEADER: [&str; 8] = [
    "time_ns", "trader", "action", "order_id", "side", "price", "qty", "tif",
];

/// A malformed order file: where and what.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct OrderFileError {
    /// 1-based line number in the file.
    pub line: u64,
    pub message: String,
}

/// One row of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedRequest {
    pub time: SimTime,
    /// The 1-based line it came from.
    pub line: u64,
    pub request: Request,
}

/// Reads and validates a whole order file.
pub fn parse_order_file(reader: impl Read) -> Result<Vec<TimedRequest>, OrderFileError> {
    parse_with_total(reader, i64::MAX)
}

/// [`parse_order_file`] with the positive quantities' sum bounded by `max_total` lots.
fn parse_with_total(
    reader: impl Read,
    max_total: i64,
) -> Result<Vec<TimedRequest>, OrderFileError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut records = rdr.records();
    let header = match records.next() {
        None => {
            return Err(err(
                1,
                format!("empty file; expected the header `{}`", HEADER.join(",")),
            ));
        }
        Some(r) => r.map_err(|e| csv_error(1, e))?,
    };
    if header.iter().collect::<Vec<_>>() != HEADER {
        return Err(err(
            1,
            format!(
                "bad header `{}`; expected exactly `{}`",
                echo(&header.iter().collect::<Vec<_>>().join(",")),
                HEADER.join(",")
            ),
        ));
    }
    let mut out = Vec::new();
    let mut new_ids = BTreeSet::new();
    let mut total_qty = Total {
        sum: 0,
        max: max_total,
    };
    let mut last_time = SimTime::ZERO;
    for record in records {
        let record = record.map_err(|e| csv_error(0, e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != HEADER.len() {
            return Err(err(
                line,
                format!("expected {} columns, found {}", HEADER.len(), record.len()),
            ));
        }
        let row = Row {
            line,
            fields: &record,
        };
        let time = SimTime(row.unsigned("time_ns")?);
        if time < last_time {
            return Err(err(
                line,
                format!(
                    "time_ns {} is earlier than the previous row's {}; rows must be in time order",
                    time.0, last_time.0
                ),
            ));
        }
        last_time = time;
        let trader = AgentId(u32::try_from(row.unsigned("trader")?).map_err(|_| {
            err(
                line,
                format!(
                    "column `trader`: {} is out of range 0..=4294967295",
                    echo(row.get("trader"))
                ),
            )
        })?);
        let id = OrderId(row.unsigned("order_id")?);
        let request = match row.get("action") {
            "limit" | "market" => {
                if !new_ids.insert(id) {
                    return Err(err(
                        line,
                        format!("duplicate order id {id}: an earlier row already submitted it"),
                    ));
                }
                let side = row.side()?;
                let qty = row.quantity(&mut total_qty)?;
                let kind = if row.get("action") == "limit" {
                    OrderKind::Limit {
                        price: row.integer("price")?,
                        tif: row.tif()?,
                    }
                } else {
                    row.blank("price", "market")?;
                    row.blank("tif", "market")?;
                    OrderKind::Market
                };
                Request::New(NewOrder {
                    id,
                    trader,
                    side,
                    qty,
                    kind,
                })
            }
            "cancel" => {
                for col in ["side", "price", "qty", "tif"] {
                    row.blank(col, "cancel")?;
                }
                Request::Cancel { id, trader }
            }
            "amend" => {
                if !row.get("side").is_empty() {
                    row.side()?;
                }
                row.blank("tif", "amend")?;
                Request::Amend {
                    id,
                    trader,
                    price: row.integer("price")?,
                    qty: row.quantity(&mut total_qty)?,
                }
            }
            other => {
                return Err(err(
                    line,
                    format!(
                        "column `action`: unknown action \"{}\"; allowed: limit, market, cancel, amend",
                        echo(other)
                    ),
                ));
            }
        };
        out.push(TimedRequest {
            time,
            line,
            request,
        });
    }
    Ok(out)
}

fn err(line: u64, message: String) -> OrderFileError {
    OrderFileError { line, message }
}

fn csv_error(line: u64, e: csv::Error) -> OrderFileError {
    let line = e.position().map_or(line, |p| p.line());
    err(line, format!("unreadable CSV: {e}"))
}

/// The running sum of the file's positive quantities and its bound.
struct Total {
    sum: i64,
    max: i64,
}

struct Row<'a> {
    line: u64,
    fields: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        let i = HEADER.iter().position(|h| *h == col).expect("known column");
        &self.fields[i]
    }

    fn required(&self, col: &str) -> Result<&str, OrderFileError> {
        let v = self.get(col);
        if v.is_empty() {
            Err(err(
                self.line,
                format!(
                    "column `{col}` is required for action `{}`",
                    self.get("action")
                ),
            ))
        } else {
            Ok(v)
        }
    }

    fn blank(&self, col: &str, action: &str) -> Result<(), OrderFileError> {
        match self.get(col) {
            "" => Ok(()),
            v => Err(err(
                self.line,
                format!(
                    "column `{col}` must be blank for action `{action}`, found \"{}\"",
                    echo(v)
                ),
            )),
        }
    }

    fn unsigned(&self, col: &str) -> Result<u64, OrderFileError> {
        let v = self.required(col)?;
        v.parse().map_err(|_| {
            err(
                self.line,
                format!(
                    "column `{col}`: expected a non-negative integer, found \"{}\"",
                    echo(v)
                ),
            )
        })
    }

    fn integer(&self, col: &str) -> Result<i64, OrderFileError> {
        let v = self.required(col)?;
        v.parse().map_err(|_| {
            err(
                self.line,
                format!("column `{col}`: expected an integer, found \"{}\"", echo(v)),
            )
        })
    }

    /// The row's `qty`, at most [`MAX_ORDER_QTY`]; a positive one is added to `total`, which
    /// may not pass its maximum (`i64::MAX`).
    fn quantity(&self, total: &mut Total) -> Result<i64, OrderFileError> {
        let qty = self.integer("qty")?;
        if qty > MAX_ORDER_QTY {
            return Err(err(
                self.line,
                format!(
                    "column `qty`: {qty} is more than the {MAX_ORDER_QTY} lots an order may hold \
                     (allowed: at most {MAX_ORDER_QTY}; zero and negative quantities reach the \
                     book, which rejects them)"
                ),
            ));
        }
        total.sum = total
            .sum
            .checked_add(qty.max(0))
            .filter(|s| *s <= total.max)
            .ok_or_else(|| {
                err(
                    self.line,
                    format!(
                        "the positive quantities of the file's orders and amends up to this line \
                         sum past {} lots, more than a book can count",
                        total.max
                    ),
                )
            })?;
        Ok(qty)
    }

    fn side(&self) -> Result<Side, OrderFileError> {
        match self.required("side")? {
            "buy" => Ok(Side::Buy),
            "sell" => Ok(Side::Sell),
            v => Err(err(
                self.line,
                format!(
                    "column `side`: expected `buy` or `sell`, found \"{}\"",
                    echo(v)
                ),
            )),
        }
    }

    fn tif(&self) -> Result<TimeInForce, OrderFileError> {
        match self.get("tif") {
            "" | "gtc" => Ok(TimeInForce::Gtc),
            "ioc" => Ok(TimeInForce::Ioc),
            "fok" => Ok(TimeInForce::Fok),
            "post_only" => Ok(TimeInForce::PostOnly),
            v => Err(err(
                self.line,
                format!(
                    "column `tif`: expected gtc, ioc, fok or post_only, found \"{}\"",
                    echo(v)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "time_ns,trader,action,order_id,side,price,qty,tif\n";

    fn parse(body: &str) -> Result<Vec<TimedRequest>, OrderFileError> {
        parse_order_file(format!("{H}{body}").as_bytes())
    }

    #[test]
    fn parses_every_action() {
        let rows = parse(
            "0,1,limit,10,buy,100,5,gtc\n1,2,market,11,sell,,3,\n2,1,amend,10,,101,4,\n3,1,cancel,10,,,,\n4,3,limit,12,sell,105,1,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[0].request,
            Request::New(NewOrder {
                id: OrderId(10),
                trader: AgentId(1),
                side: Side::Buy,
                qty: 5,
                kind: OrderKind::Limit {
                    price: 100,
                    tif: TimeInForce::Gtc
                }
            })
        );
        assert!(matches!(
            rows[1].request,
            Request::New(NewOrder {
                kind: OrderKind::Market,
                qty: 3,
                ..
            })
        ));
        assert_eq!(
            rows[2].request,
            Request::Amend {
                id: OrderId(10),
                trader: AgentId(1),
                price: 101,
                qty: 4
            }
        );
        assert_eq!(
            rows[3].request,
            Request::Cancel {
                id: OrderId(10),
                trader: AgentId(1)
            }
        );
        assert!(matches!(
            rows[4].request,
            Request::New(NewOrder {
                kind: OrderKind::Limit {
                    tif: TimeInForce::Gtc,
                    ..
                },
                ..
            })
        ));
        assert_eq!((rows[4].line, rows[4].time), (6, SimTime(4)));
    }

    #[test]
    fn negative_quantity_parses_so_the_book_can_reject_it() {
        let rows = parse("0,1,limit,10,buy,100,-5,gtc\n").unwrap();
        assert!(matches!(
            rows[0].request,
            Request::New(NewOrder { qty: -5, .. })
        ));
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let cases: &[(&str, u64, &str)] = &[
            (
                "0,1,limit,10,buy,abc,5,gtc\n",
                2,
                "column `price`: expected an integer, found \"abc\"",
            ),
            (
                "0,1,limit,10,buy,100,5,gtc\n0,1,jump,11,buy,100,5,gtc\n",
                3,
                "unknown action \"jump\"",
            ),
            (
                "0,1,limit,10,buy,100,5,gtc\n1,2,limit,10,sell,101,5,gtc\n",
                3,
                "duplicate order id 10",
            ),
            ("0,1,limit,10,up,100,5,gtc\n", 2, "column `side`"),
            ("0,1,limit,10,buy,100,5,day\n", 2, "column `tif`"),
            ("0,1,limit,10,buy,100\n", 2, "expected 8 columns, found 6"),
            (
                "5,1,limit,10,buy,100,5,gtc\n4,1,cancel,10,,,,\n",
                3,
                "earlier than the previous row",
            ),
            (
                "0,1,market,10,buy,100,5,\n",
                2,
                "column `price` must be blank for action `market`",
            ),
            (
                "0,1,cancel,10,buy,,,\n",
                2,
                "column `side` must be blank for action `cancel`",
            ),
            ("0,1,limit,10,buy,,5,gtc\n", 2, "column `price` is required"),
            (
                "-1,1,limit,10,buy,100,5,gtc\n",
                2,
                "column `time_ns`: expected a non-negative integer",
            ),
            (
                "0,99999999999,limit,10,buy,100,5,gtc\n",
                2,
                "column `trader`",
            ),
        ];
        for (body, line, needle) in cases {
            let e = parse(body).unwrap_err();
            assert_eq!(e.line, *line, "{body:?} -> {e}");
            assert!(
                e.message.contains(needle),
                "{body:?}: {e} does not mention {needle:?}"
            );
        }
    }

    #[test]
    fn quantities_are_bounded_one_by_one_and_in_sum() {
        let q = MAX_ORDER_QTY;
        let e = parse(&format!("0,1,limit,10,buy,100,{},gtc\n", q + 1)).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("column `qty`"), "{e}");
        // Three rows of the largest size against a bound of two: the third passes it.
        let rows = format!(
            "{H}0,1,limit,1,buy,100,{q},gtc\n1,1,amend,1,,100,{q},\n2,1,limit,2,sell,100,{q},gtc\n"
        );
        let e = parse_with_total(rows.as_bytes(), 2 * q).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("sum past 2000000000000 lots"), "{e}");
        assert!(parse_with_total(rows.as_bytes(), 3 * q).is_ok());
    }

    #[test]
    fn header_is_checked() {
        let e = parse_order_file("time,trader,action,order_id,side,price,qty,tif\n".as_bytes())
            .unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("bad header"), "{e}");
        let e = parse_order_file("".as_bytes()).unwrap_err();
        assert!(e.message.contains("empty file"), "{e}");
    }
}
