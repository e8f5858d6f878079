//! The formats a bundle's tables are written in: CSV always, Parquet on request.
//!
//! Parquet support is behind the `parquet` cargo feature (the arrow and parquet crates are heavy to
//! build). A Parquet table is made from the CSV bytes of the same table, so the two can never
//! disagree; `docs/parquet.md` gives the typing rule:
//!
//! * a column whose non-empty cells all parse as `i64` is `Int64`;
//! * else one whose non-empty cells all parse as `f64` is `Float64` (our CSV writer always writes a
//!   float with a `.`, an exponent, `NaN` or `inf`, so a float column never looks like integers);
//! * else `Utf8`; a column with no non-empty cell is `Utf8` too;
//! * an empty cell is a null (our tables write `None` as an empty cell).

use std::fmt;
use std::str::FromStr;

/// Whether this build can write Parquet (the `parquet` feature).
pub const PARQUET_AVAILABLE: bool = cfg!(feature = "parquet");

/// The formats of a bundle's tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableFormat {
    /// CSV only (the default).
    #[default]
    Csv,
    /// CSV, and beside each `NAME.csv` a `NAME.parquet` with the same rows (needs the `parquet`
    /// feature). The CSV stays: reports, audits and shard merges read it.
    Parquet,
}

impl TableFormat {
    pub const ALLOWED: &'static str = "csv, parquet";

    pub fn as_str(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TableFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(TableFormat::Csv),
            "parquet" => Ok(TableFormat::Parquet),
            other => Err(format!(
                "unknown table format {other:?} (allowed: {})",
                Self::ALLOWED
            )),
        }
    }
}

/// The Parquet twin of a CSV table's file name: `fills.csv` → `fills.parquet`.
pub fn parquet_name(csv_name: &str) -> String {
    let stem = csv_name.strip_suffix(".csv").unwrap_or(csv_name);
    format!("{stem}.parquet")
}

/// The type a CSV column gets in Parquet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Int64,
    Float64,
    Utf8,
}

/// The typing rule of the module docs, for one column's cells.
pub fn infer_column_type<'a>(cells: impl IntoIterator<Item = &'a str>) -> ColumnType {
    let (mut int, mut float, mut any) = (true, true, false);
    for c in cells.into_iter().filter(|c| !c.is_empty()) {
        any = true;
        if int && c.parse::<i64>().is_err() {
            int = false;
        }
        if !int && c.parse::<f64>().is_err() {
            float = false;
            break;
        }
    }
    match (any, int, float) {
        (false, _, _) => ColumnType::Utf8,
        (true, true, _) => ColumnType::Int64,
        (true, false, true) => ColumnType::Float64,
        (true, false, false) => ColumnType::Utf8,
    }
}

#[cfg(feature = "parquet")]
pub use parquet_impl::csv_to_parquet;

#[cfg(feature = "parquet")]
mod parquet_impl {
    use super::{ColumnType, infer_column_type};
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    /// Converts a CSV table (header row first) into Parquet bytes, one row group, Snappy.
    /// Deterministic: the same CSV bytes give the same Parquet bytes.
    pub fn csv_to_parquet(csv_bytes: &[u8]) -> Result<Vec<u8>, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(csv_bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("reading the CSV header: {e}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); header.len()];
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("reading CSV row {}: {e}", i + 1))?;
            if record.len() != header.len() {
                return Err(format!(
                    "CSV row {} has {} cells, the header {}",
                    i + 1,
                    record.len(),
                    header.len()
                ));
            }
            for (col, cell) in columns.iter_mut().zip(record.iter()) {
                col.push(cell.to_owned());
            }
        }
        let mut fields = Vec::with_capacity(header.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(header.len());
        for (name, cells) in header.iter().zip(&columns) {
            let ty = infer_column_type(cells.iter().map(String::as_str));
            let present = |c: &String| !c.is_empty();
            let (dt, array): (DataType, ArrayRef) = match ty {
                ColumnType::Int64 => (
                    DataType::Int64,
                    Arc::new(Int64Array::from_iter(cells.iter().map(|c| {
                        present(c).then(|| c.parse::<i64>().expect("typed by inference"))
                    }))),
                ),
                ColumnType::Float64 => (
                    DataType::Float64,
                    Arc::new(Float64Array::from_iter(cells.iter().map(|c| {
                        present(c).then(|| c.parse::<f64>().expect("typed by inference"))
                    }))),
                ),
                ColumnType::Utf8 => (
                    DataType::Utf8,
                    Arc::new(StringArray::from_iter(
                        cells.iter().map(|c| present(c).then_some(c.as_str())),
                    )),
                ),
            };
            fields.push(Field::new(name, dt, true));
            arrays.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| format!("building the Arrow batch: {e}"))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut out = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut out, schema, Some(props))
            .map_err(|e| format!("starting the Parquet writer: {e}"))?;
        writer
            .write(&batch)
            .map_err(|e| format!("writing Parquet rows: {e}"))?;
        writer
            .close()
            .map_err(|e| format!("finishing the Parquet file: {e}"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_rule() {
        assert_eq!(infer_column_type(["1", "-2", ""]), ColumnType::Int64);
        assert_eq!(infer_column_type(["1.0", "2", "NaN"]), ColumnType::Float64);
        assert_eq!(infer_column_type(["1e-7", "inf"]), ColumnType::Float64);
        assert_eq!(infer_column_type(["buy", "1"]), ColumnType::Utf8);
        assert_eq!(infer_column_type(["", ""]), ColumnType::Utf8);
        assert_eq!(infer_column_type([]), ColumnType::Utf8);
    }

    #[test]
    fn names_and_parsing() {
        assert_eq!(parquet_name("fills.csv"), "fills.parquet");
        assert_eq!("parquet".parse::<TableFormat>(), Ok(TableFormat::Parquet));
        let err = "arrow".parse::<TableFormat>().unwrap_err();
        assert!(err.contains("csv, parquet"), "{err}");
    }
}
