//! The formats a bundle's tables are written in: CSV always, Parquet on request.
//!
//! Parquet support is behind the `parquet` cargo feature (the arrow and parquet crates are heavy to
//! build). A Parquet table is made from the CSV bytes of the same table, so the two can never
//! disagree. Its column types come from the table's schema, never from the data
//! (`docs/parquet.md`): every table declares its columns as [`Column`]s (name and
//! [`ColumnType`]), the CSV writer checks the row type's fields against them ([`csv_bytes`]) and
//! the Parquet twin has exactly those types, so the same table has the same schema in every
//! bundle:
//!
//! * each cell is parsed by its column's declared type (an integer column refuses `1.5`);
//! * an empty cell is a null (our tables write `None` as an empty cell), in a column of any type;
//! * floats written by hand go through [`float_cell`], which always keeps a decimal point, so a
//!   CSV reader that guesses types sees floats too.

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

/// The type of a table's column (in Parquet / Arrow: `Int64`, `Float64`, `Utf8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Int64,
    Float64,
    Utf8,
}

/// One column of a table's schema: its name (the CSV header) and its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
}

impl Column {
    /// A 64-bit integer column.
    pub const fn int(name: &'static str) -> Column {
        Column {
            name,
            ty: ColumnType::Int64,
        }
    }

    /// A 64-bit float column.
    pub const fn float(name: &'static str) -> Column {
        Column {
            name,
            ty: ColumnType::Float64,
        }
    }

    /// A text column.
    pub const fn text(name: &'static str) -> Column {
        Column {
            name,
            ty: ColumnType::Utf8,
        }
    }
}

/// A float as a table cell: Rust's shortest round-trip form (`0.25`, `-3`, `NaN`, `inf`), with
/// `.0` appended to a whole finite number (`-3.0`), so a float column never looks like integers.
pub fn float_cell(x: f64) -> String {
    let mut s = x.to_string();
    if x.is_finite() && !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    s
}

/// An optional float as a table cell: [`float_cell`], or an empty cell for `None`.
pub fn opt_float_cell(x: Option<f64>) -> String {
    x.map(float_cell).unwrap_or_default()
}

/// `rows` as CSV: a header of `columns`' names, then one record per row (each row must serialise
/// to one cell per column; a nested struct flattens into its fields). The crate's CSV writer for
/// its own tables: bundle tables (`BundleWriter::write_csv`) and the validation table go through
/// it (LOBSTER's files, an external headerless format, are written by `lobster`).
///
/// The header is checked against the row type: where serde can name the first row's fields (a
/// struct of plain fields), they must be `columns`' names in order, or nothing is written (an
/// error: two fields swapped would otherwise mislabel a column silently).
pub fn csv_bytes<T: serde::Serialize>(
    columns: &[Column],
    rows: impl IntoIterator<Item = T>,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(columns.iter().map(|c| c.name))?;
    let mut rows = rows.into_iter().peekable();
    if let Some(first) = rows.peek()
        && let Some(fields) = field_names(first)
        && !fields
            .iter()
            .map(String::as_str)
            .eq(columns.iter().map(|c| c.name))
    {
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        return Err(csv::Error::from(std::io::Error::other(format!(
            "the row type's fields [{}] are not the table's columns [{}]",
            fields.join(","),
            names.join(",")
        ))));
    }
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The header serde derives for `row` (its field names), or `None` where it derives none (a
/// sequence, or a struct nesting another).
fn field_names<T: serde::Serialize>(row: &T) -> Option<Vec<String>> {
    let write = |headers: bool| -> Option<Vec<u8>> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(headers)
            .from_writer(Vec::new());
        w.serialize(row).ok()?;
        w.into_inner().ok()
    };
    let (bytes, record) = (write(true)?, write(false)?);
    if bytes == record {
        return None; // no header: the row is not a struct
    }
    let header = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice())
        .records()
        .next()?
        .ok()?;
    Some(header.iter().map(str::to_owned).collect())
}

#[cfg(feature = "parquet")]
pub use parquet_impl::{arrow_schema, csv_to_parquet};

#[cfg(feature = "parquet")]
mod parquet_impl {
    use super::{Column, ColumnType};
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use std::str::FromStr;
    use std::sync::Arc;

    /// The Arrow schema of a table with `columns`: their names and declared types, every field
    /// nullable (an empty cell is a null).
    pub fn arrow_schema(columns: &[Column]) -> Schema {
        Schema::new(
            columns
                .iter()
                .map(|c| {
                    let dt = match c.ty {
                        ColumnType::Int64 => DataType::Int64,
                        ColumnType::Float64 => DataType::Float64,
                        ColumnType::Utf8 => DataType::Utf8,
                    };
                    Field::new(c.name, dt, true)
                })
                .collect::<Vec<_>>(),
        )
    }

    /// Parses one column's cells as `T` (empty cell: null), naming the first cell that fails.
    fn parse_cells<T: FromStr>(name: &str, cells: &[String]) -> Result<Vec<Option<T>>, String> {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.is_empty() {
                    return Ok(None);
                }
                c.parse::<T>().map(Some).map_err(|_| {
                    format!(
                        "CSV row {}, column {name}: {c:?} is not a {}",
                        i + 1,
                        std::any::type_name::<T>()
                    )
                })
            })
            .collect()
    }

    /// Converts a CSV table (header row first) into Parquet bytes, one row group, Snappy. The
    /// schema is `columns`' (names and declared types), not guessed from the cells: the header
    /// must be their names in order, and every non-empty cell must parse as its column's type.
    /// Deterministic: the same CSV bytes give the same Parquet bytes.
    pub fn csv_to_parquet(csv_bytes: &[u8], columns: &[Column]) -> Result<Vec<u8>, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(csv_bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("reading the CSV header: {e}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        if header != names {
            return Err(format!(
                "the CSV header {header:?} is not the table's columns {names:?}"
            ));
        }
        let mut cells: Vec<Vec<String>> = vec![Vec::new(); header.len()];
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
            for (col, cell) in cells.iter_mut().zip(record.iter()) {
                col.push(cell.to_owned());
            }
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
        for (column, cells) in columns.iter().zip(&cells) {
            let array: ArrayRef = match column.ty {
                ColumnType::Int64 => {
                    Arc::new(Int64Array::from(parse_cells::<i64>(column.name, cells)?))
                }
                ColumnType::Float64 => {
                    Arc::new(Float64Array::from(parse_cells::<f64>(column.name, cells)?))
                }
                ColumnType::Utf8 => Arc::new(StringArray::from_iter(
                    cells.iter().map(|c| (!c.is_empty()).then_some(c.as_str())),
                )),
            };
            arrays.push(array);
        }
        let schema = Arc::new(arrow_schema(columns));
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

    #[cfg(test)]
    mod tests {
        use super::*;
        use arrow_array::Array;

        const COLUMNS: [Column; 3] = [Column::int("n"), Column::float("x"), Column::text("s")];

        #[test]
        fn declared_types_and_nulls() {
            // Every cell of `x` is whole or empty, and every `s` is empty: the types are still
            // the declared ones.
            let bytes = csv_to_parquet(b"n,x,s\n1,2.0,\n,,\n", &COLUMNS).unwrap();
            let path = std::env::temp_dir().join(format!(
                "proteus-tables-declared-{}.parquet",
                std::process::id()
            ));
            std::fs::write(&path, bytes).unwrap();
            let file = std::fs::File::open(&path).unwrap();
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap();
            let schema = builder.schema().clone();
            let batches: Vec<RecordBatch> = builder.build().unwrap().map(Result::unwrap).collect();
            let _ = std::fs::remove_file(&path);
            assert_eq!(schema.fields(), arrow_schema(&COLUMNS).fields());
            let b = &batches[0];
            assert_eq!(b.num_rows(), 2);
            for c in 0..3 {
                assert!(b.column(c).is_null(1), "column {c}, the empty row");
            }
            assert!(b.column(2).is_null(0), "an empty text cell is a null");
        }

        #[test]
        fn refuses_a_wrong_header_or_cell() {
            let e = csv_to_parquet(b"n,y,s\n1,2.0,a\n", &COLUMNS).unwrap_err();
            assert!(e.contains("header"), "{e}");
            let e = csv_to_parquet(b"n,x,s\n1.5,2.0,a\n", &COLUMNS).unwrap_err();
            assert!(e.contains("row 1, column n"), "{e}");
            let e = csv_to_parquet(b"n,x,s\n1,abc,a\n", &COLUMNS).unwrap_err();
            assert!(e.contains("row 1, column x"), "{e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_whose_fields_are_not_the_columns_is_refused() {
        #[derive(serde::Serialize)]
        struct Row {
            b: i64,
            a: i64,
        }
        let cols = [Column::int("a"), Column::int("b")];
        let e = csv_bytes(&cols, [Row { b: 1, a: 2 }]).unwrap_err();
        assert!(
            e.to_string()
                .contains("[b,a] are not the table's columns [a,b]"),
            "{e}"
        );
        let ok = [Column::int("b"), Column::int("a")];
        assert_eq!(csv_bytes(&ok, [Row { b: 1, a: 2 }]).unwrap(), b"b,a\n1,2\n");
        // A row serde names no fields of (a tuple) is written as it is.
        assert_eq!(csv_bytes(&cols, [(2, 1)]).unwrap(), b"a,b\n2,1\n");
        // No rows: just the header.
        assert_eq!(csv_bytes(&cols, Vec::<Row>::new()).unwrap(), b"a,b\n");
    }

    #[test]
    fn float_cells_keep_a_decimal_point() {
        assert_eq!(float_cell(1.0), "1.0");
        assert_eq!(float_cell(-3.0), "-3.0");
        assert_eq!(float_cell(0.0), "0.0");
        assert_eq!(float_cell(-0.0), "-0.0");
        assert_eq!(float_cell(0.25), "0.25");
        assert_eq!(float_cell(1e-7), "0.0000001");
        assert_eq!(float_cell(1e20), "100000000000000000000.0");
        assert_eq!(float_cell(f64::NAN), "NaN");
        assert_eq!(float_cell(f64::INFINITY), "inf");
        assert_eq!(float_cell(f64::NEG_INFINITY), "-inf");
        // Everything but a whole number is what `to_string` wrote before.
        for x in [0.1, -2.5, 123.456, f64::MIN_POSITIVE, f64::MAX] {
            let s = float_cell(x);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
            assert!(s.contains('.'), "{s}");
        }
        assert_eq!(opt_float_cell(None), "");
        assert_eq!(opt_float_cell(Some(2.0)), "2.0");
    }

    #[test]
    fn names_and_parsing() {
        assert_eq!(parquet_name("fills.csv"), "fills.parquet");
        assert_eq!("parquet".parse::<TableFormat>(), Ok(TableFormat::Parquet));
        let err = "arrow".parse::<TableFormat>().unwrap_err();
        assert!(err.contains("csv, parquet"), "{err}");
    }
}
