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
///
/// The bytes are always the `csv` crate's. A table of flat rows (scalars, options, unit
/// variants, strings that need no quotes) is written by [`fast::table`], which appends each cell
/// straight to the output as the crate would write it; anything else makes it give up, and then
/// the whole table goes through the `csv` crate's writer ([`csv_crate_bytes`]).
pub fn csv_bytes<T: serde::Serialize>(
    columns: &[Column],
    rows: impl IntoIterator<Item = T>,
) -> Result<Vec<u8>, csv::Error> {
    // Held, so that the csv crate can write them all if the fast path gives up part way.
    let rows: Vec<T> = rows.into_iter().collect();
    if let Some(first) = rows.first()
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
    match fast::table(columns, &rows) {
        Some(bytes) => Ok(bytes),
        None => csv_crate_bytes(columns, &rows),
    }
}

/// `rows` written by the `csv` crate's writer: the header record of `columns`' names, then each
/// row serialized (no serde header).
fn csv_crate_bytes<T: serde::Serialize>(
    columns: &[Column],
    rows: &[T],
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(columns.iter().map(|c| c.name))?;
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The CSV fast path: flat records appended straight to a `Vec<u8>`, byte for byte as the `csv`
/// crate 1.4 (`csv::WriterBuilder::new().has_headers(false)`, csv_core's defaults) writes them,
/// or nothing where that is not certain.
///
/// The crate's defaults: fields separated by `,`, each record ended by `\n`; a field is quoted
/// where it holds `,` `"` `\n` or `\r` (csv_core's `requires_quotes`, no comment character), and
/// a record with no bytes (one empty field) is written `""`. Its serializer (`SeRecord`) writes
/// integers with `itoa`, floats with `ryu::Buffer::format`, `None` and unit as an empty field,
/// `Some(x)` as `x`, a unit variant or unit struct as its name, a bool as `true` / `false`. The
/// fast path writes exactly those, and gives up ([`GiveUp`]) on everything else: a field that
/// would be quoted, a record of one empty field, a record with another number of fields than
/// the header (the crate refuses it), a nested struct, a sequence, a map, any enum variant with
/// data, bytes, chars.
mod fast {
    use super::Column;
    use serde::Serialize;
    use serde::ser::{self, Impossible};
    use std::fmt;

    /// The whole table (header and records), or `None` where the fast path gave up.
    pub(super) fn table<T: Serialize>(columns: &[Column], rows: &[T]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        header(&mut out, columns)?;
        let mut rows = rows.iter();
        if let Some(first) = rows.next() {
            let start = out.len();
            record(&mut out, columns.len(), first)?;
            // Room for the rest, at the first record's length and a margin.
            out.reserve((out.len() - start + 8).saturating_mul(rows.len()));
        }
        for row in rows {
            record(&mut out, columns.len(), row)?;
        }
        Some(out)
    }

    fn header(out: &mut Vec<u8>, columns: &[Column]) -> Option<()> {
        if columns.is_empty() || (columns.len() == 1 && columns[0].name.is_empty()) {
            return None; // the crate writes `""` for a record without bytes
        }
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(plain(c.name.as_bytes())?);
        }
        out.push(b'\n');
        Some(())
    }

    /// Appends `row` as one record of `width` fields.
    fn record<T: Serialize>(out: &mut Vec<u8>, width: usize, row: &T) -> Option<()> {
        let start = out.len();
        let mut rec = Record {
            out,
            fields: 0,
            in_struct: false,
            gave_up: false,
        };
        let written = row.serialize(&mut rec).is_ok();
        let (fields, gave_up) = (rec.fields, rec.gave_up);
        if !written || gave_up || fields != width || out.len() == start {
            return None; // unequal lengths (an error in the crate), or a record of no bytes
        }
        out.push(b'\n');
        Some(())
    }

    /// `field`, where the crate writes it unquoted.
    #[inline]
    fn plain(field: &[u8]) -> Option<&[u8]> {
        let special = field
            .iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
        (!special).then_some(field)
    }

    /// Why the fast path stopped; [`super::csv_bytes`] then hands the table to the csv crate.
    #[derive(Debug)]
    pub(super) struct GiveUp;

    impl fmt::Display for GiveUp {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("not a flat record the fast path writes")
        }
    }

    impl std::error::Error for GiveUp {}

    impl ser::Error for GiveUp {
        fn custom<M: fmt::Display>(_msg: M) -> GiveUp {
            GiveUp
        }
    }

    /// One record being written: its fields so far, whether its (top-level) struct or tuple has
    /// begun, and whether the fast path gave up on it (kept apart from the error, which a row's
    /// own `Serialize` could drop).
    struct Record<'a> {
        out: &'a mut Vec<u8>,
        fields: usize,
        in_struct: bool,
        gave_up: bool,
    }

    impl Record<'_> {
        fn give_up(&mut self) -> GiveUp {
            self.gave_up = true;
            GiveUp
        }

        #[inline]
        fn field(&mut self, bytes: &[u8]) {
            if self.fields > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(bytes);
            self.fields += 1;
        }

        #[inline]
        fn text(&mut self, s: &str) -> Result<(), GiveUp> {
            match plain(s.as_bytes()) {
                Some(bytes) => {
                    self.field(bytes);
                    Ok(())
                }
                None => Err(self.give_up()),
            }
        }

        #[inline]
        fn int<I: itoa::Integer>(&mut self, v: I) -> Result<(), GiveUp> {
            self.field(itoa::Buffer::new().format(v).as_bytes());
            Ok(())
        }

        #[inline]
        fn float<F: ryu::Float>(&mut self, v: F) -> Result<(), GiveUp> {
            self.field(ryu::Buffer::new().format(v).as_bytes());
            Ok(())
        }

        /// Begins the record's struct or tuple; one nested inside it gives up.
        fn open(&mut self) -> Result<&mut Self, GiveUp> {
            if self.in_struct {
                return Err(self.give_up());
            }
            self.in_struct = true;
            Ok(self)
        }
    }

    impl<'a, 'b> ser::Serializer for &'a mut Record<'b> {
        type Ok = ();
        type Error = GiveUp;
        type SerializeSeq = Impossible<(), GiveUp>;
        type SerializeTuple = Self;
        type SerializeTupleStruct = Self;
        type SerializeTupleVariant = Impossible<(), GiveUp>;
        type SerializeMap = Impossible<(), GiveUp>;
        type SerializeStruct = Self;
        type SerializeStructVariant = Impossible<(), GiveUp>;

        fn serialize_bool(self, v: bool) -> Result<(), GiveUp> {
            self.field(if v { b"true" } else { b"false" });
            Ok(())
        }
        fn serialize_i8(self, v: i8) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_i16(self, v: i16) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_i32(self, v: i32) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_i64(self, v: i64) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_i128(self, v: i128) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_u8(self, v: u8) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_u16(self, v: u16) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_u32(self, v: u32) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_u64(self, v: u64) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_u128(self, v: u128) -> Result<(), GiveUp> {
            self.int(v)
        }
        fn serialize_f32(self, v: f32) -> Result<(), GiveUp> {
            self.float(v)
        }
        fn serialize_f64(self, v: f64) -> Result<(), GiveUp> {
            self.float(v)
        }
        fn serialize_char(self, _v: char) -> Result<(), GiveUp> {
            Err(self.give_up())
        }
        fn serialize_str(self, v: &str) -> Result<(), GiveUp> {
            self.text(v)
        }
        fn serialize_bytes(self, _v: &[u8]) -> Result<(), GiveUp> {
            Err(self.give_up())
        }
        fn serialize_none(self) -> Result<(), GiveUp> {
            self.field(b"");
            Ok(())
        }
        fn serialize_some<V: ?Sized + Serialize>(self, value: &V) -> Result<(), GiveUp> {
            value.serialize(self)
        }
        fn serialize_unit(self) -> Result<(), GiveUp> {
            self.serialize_none()
        }
        fn serialize_unit_struct(self, name: &'static str) -> Result<(), GiveUp> {
            self.text(name)
        }
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<(), GiveUp> {
            self.text(variant)
        }
        fn serialize_newtype_struct<V: ?Sized + Serialize>(
            self,
            _name: &'static str,
            value: &V,
        ) -> Result<(), GiveUp> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<V: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _value: &V,
        ) -> Result<(), GiveUp> {
            Err(self.give_up())
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, GiveUp> {
            Err(self.give_up())
        }
        fn serialize_tuple(self, _len: usize) -> Result<Self, GiveUp> {
            self.open()
        }
        fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, GiveUp> {
            self.open()
        }
        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleVariant, GiveUp> {
            Err(self.give_up())
        }
        fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, GiveUp> {
            Err(self.give_up())
        }
        fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, GiveUp> {
            self.open()
        }
        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStructVariant, GiveUp> {
            Err(self.give_up())
        }
    }

    impl ser::SerializeStruct for &mut Record<'_> {
        type Ok = ();
        type Error = GiveUp;
        fn serialize_field<V: ?Sized + Serialize>(
            &mut self,
            _key: &'static str,
            value: &V,
        ) -> Result<(), GiveUp> {
            value.serialize(&mut **self)
        }
        fn end(self) -> Result<(), GiveUp> {
            Ok(())
        }
    }

    impl ser::SerializeTuple for &mut Record<'_> {
        type Ok = ();
        type Error = GiveUp;
        fn serialize_element<V: ?Sized + Serialize>(&mut self, value: &V) -> Result<(), GiveUp> {
            value.serialize(&mut **self)
        }
        fn end(self) -> Result<(), GiveUp> {
            Ok(())
        }
    }

    impl ser::SerializeTupleStruct for &mut Record<'_> {
        type Ok = ();
        type Error = GiveUp;
        fn serialize_field<V: ?Sized + Serialize>(&mut self, value: &V) -> Result<(), GiveUp> {
            value.serialize(&mut **self)
        }
        fn end(self) -> Result<(), GiveUp> {
            Ok(())
        }
    }
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

/// For tests of row types elsewhere: `rows` written by the fast path (`None` where it gives
/// up), and by the `csv` crate.
#[cfg(test)]
pub(crate) fn fast_and_csv_crate_bytes<T: serde::Serialize>(
    columns: &[Column],
    rows: &[T],
) -> (Option<Vec<u8>>, Vec<u8>) {
    (
        fast::table(columns, rows),
        csv_crate_bytes(columns, rows).unwrap(),
    )
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
    use crate::core::Role;
    use crate::mechanisms::Side;
    use crate::schema::pack_rows::*;
    use crate::schema::rows::*;
    use proptest::prelude::*;

    /// The floats that print differently: shortest forms, exponents, signed zero, non-finite.
    const FLOATS: [f64; 12] = [
        0.1,
        1e300,
        -0.0,
        0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        f64::MAX,
        -2.5,
        1e-7,
        123456789.0,
    ];

    /// `rows` as the fast path writes them (which must not give up) and as the csv crate does.
    fn fast_is_csv_crate<T: serde::Serialize>(columns: &[Column], rows: &[T]) {
        let (fast, csv) = fast_and_csv_crate_bytes(columns, rows);
        let fast = fast.expect("the fast path writes these rows");
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(csv).unwrap()
        );
    }

    /// `rows`, where the fast path gives up: `csv_bytes` writes the csv crate's bytes.
    fn falls_back<T: serde::Serialize>(columns: &[Column], rows: &[T]) {
        let (fast, csv) = fast_and_csv_crate_bytes(columns, rows);
        assert_eq!(fast, None, "the fast path gives up");
        assert_eq!(csv_bytes(columns, rows).unwrap(), csv);
    }

    #[test]
    fn run_bundle_rows_are_the_csv_crates_bytes() {
        let fill = |i: usize| FillRow {
            time_ns: [0, 1, u64::MAX][i % 3],
            price: [-5, 0, i64::MIN, i64::MAX][i % 4],
            qty: i as i64 - 3,
            taker_side: [Side::Buy, Side::Sell][i % 2],
            taker_agent: i as u32,
            taker_role: [None, Some(Role::MarketMaker), Some(Role::Informed)][i % 3],
            maker_agent: u32::MAX,
            maker_role: [Some(Role::Noise), Some(Role::Arbitrageur), None][i % 3],
            taker_order_id: 7,
            maker_order_id: i as u64,
        };
        let fills: Vec<FillRow> = (0..12).map(fill).collect();
        fast_is_csv_crate(&FILL_COLUMNS, &fills);
        let quotes: Vec<QuoteRow> = (0..8)
            .map(|i: i64| QuoteRow {
                time_ns: i as u64 * 1000,
                bid_price: (i % 2 == 0).then_some(-i),
                bid_qty: (i % 3 != 0).then_some(i),
                ask_price: (i % 4 != 1).then_some(i64::MAX - i),
                ask_qty: None,
            })
            .collect();
        fast_is_csv_crate(&QUOTE_COLUMNS, &quotes);
        let all_none = QuoteRow {
            time_ns: 0,
            bid_price: None,
            bid_qty: None,
            ask_price: None,
            ask_qty: None,
        };
        fast_is_csv_crate(&QUOTE_COLUMNS, &[all_none]);
        let fundamental: Vec<FundamentalRow> = FLOATS
            .iter()
            .enumerate()
            .map(|(i, &value_ticks)| FundamentalRow {
                time_ns: i as u64,
                value_ticks,
            })
            .collect();
        fast_is_csv_crate(&FUNDAMENTAL_COLUMNS, &fundamental);
        // Rows by reference, as the bundle writer passes them.
        let refs: Vec<&FillRow> = fills.iter().collect();
        fast_is_csv_crate(&FILL_COLUMNS, &refs);
        // The replay's row nests the fill: the csv crate flattens it, the fast path gives up.
        let replay: Vec<ReplayFillRow> = fills.iter().map(|&f| ReplayFillRow::new(f, 3)).collect();
        falls_back(&REPLAY_FILL_COLUMNS, &replay);
    }

    #[test]
    fn pack_rows_are_the_csv_crates_bytes() {
        let opt = |i: usize| (i % 5 != 4).then(|| FLOATS[i % FLOATS.len()]);
        let summary: Vec<SummaryRow> = (0..13)
            .map(|i| SummaryRow {
                cell: "base".into(),
                mechanism: "clob".into(),
                metric: ["volume", "", "mm_pnl"][i % 3].into(),
                n: i as u64,
                n_missing: 0,
                mean: opt(i),
                sd: opt(i + 1),
                se: opt(i + 2),
                ci95_low: opt(i + 3),
                ci95_high: opt(i + 4),
                min: opt(i + 5),
                max: opt(i + 6),
                informed_count: (i % 2 == 0).then_some(i as u32),
                latency_scale: opt(i + 7),
            })
            .collect();
        fast_is_csv_crate(&SUMMARY_COLUMNS, &summary);
        let contrast = |cell: &str| ContrastRow {
            metric: "volume".into(),
            cell: cell.into(),
            mechanism: "fba".into(),
            reference_cell: "base".into(),
            reference_mechanism: "clob".into(),
            pairs: 4,
            mean_difference: Some(1.0),
            ci95_low: None,
            ci95_high: Some(0.1),
            p_value: Some(f64::NAN),
            p_holm: Some(1e300),
            cohens_dz: None,
            hedges_g_av: Some(-0.0),
            variance_reduction: Some(f64::NEG_INFINITY),
            welch_ci95_low: Some(f64::MIN_POSITIVE),
            welch_ci95_high: None,
            informed_count: Some(5),
            latency_scale: None,
        };
        fast_is_csv_crate(&CONTRAST_COLUMNS, &[contrast("base"), contrast("x")]);
        // A grid cell's label holds a comma: quoted, so the whole table is the csv crate's.
        falls_back(
            &CONTRAST_COLUMNS,
            &[
                contrast("base"),
                contrast("informed_count=5,latency_scale=1"),
            ],
        );
        let run = |reason: Option<&str>| RunRow {
            cell: "base".into(),
            mechanism: "rfq".into(),
            repetition: 7,
            metric: "races".into(),
            value: reason.is_none().then_some(-3.0),
            missing_reason: reason.map(str::to_owned),
            informed_count: None,
            latency_scale: Some(2.0),
        };
        fast_is_csv_crate(
            &RUN_COLUMNS,
            &[run(None), run(Some("no_fills")), run(Some(""))],
        );
        falls_back(&RUN_COLUMNS, &[run(None), run(Some("said \"no\""))]);
        let candidate = CandidateRow {
            rank: 1,
            risk_aversion: 0.1,
            half_spread_ticks: -0.0,
            quote_size: -10,
            violations: 0,
            mm_pnl_mean: Some(f64::INFINITY),
            mm_pnl_ci95_low: Some(1.5),
            mm_pnl_ci95_high: None,
            quoted_spread_mean: Some(4.0),
            quoted_spread_ci95_low: Some(f64::NAN),
            quoted_spread_ci95_high: Some(1e300),
            mm_fill_rate_mean: Some(f64::MIN_POSITIVE),
            checks_failed: "a;b".into(),
        };
        fast_is_csv_crate(&CANDIDATE_COLUMNS, &[candidate]);
        let sensitivity = SensitivityRow {
            informed_count: 2,
            latency_scale: 1.0,
            metric: "volume".into(),
            n: 5,
            mean: Some(0.1),
            ci95_low: None,
            ci95_high: Some(-1e300),
        };
        fast_is_csv_crate(&SENSITIVITY_COLUMNS, &[sensitivity]);
        let payoff = PayoffRow {
            mechanism: "clob".into(),
            profile: "a:2".into(),
            role: "mm".into(),
            strategy: "a".into(),
            players: 2,
            full_profile: "mm:a:2".into(),
            payoff: Some(0.1),
            std_error: None,
            ci95_low: Some(f64::NEG_INFINITY),
            ci95_high: Some(-0.0),
            repetitions: 8,
        };
        fast_is_csv_crate(&PAYOFF_COLUMNS, &[payoff]);
        let welfare = WelfareRow {
            mechanism: "fba".into(),
            equilibrium: 0,
            metric: "surplus".into(),
            mean: Some(f64::NAN),
            std_error: Some(f64::MIN_POSITIVE),
            ci95_low: None,
            ci95_high: Some(1e300),
            runs: 4,
        };
        fast_is_csv_crate(&WELFARE_COLUMNS, &[welfare]);
        let contrast = WelfareContrastRow {
            mechanism: "fba".into(),
            reference: "clob".into(),
            metric: "surplus".into(),
            difference: Some(-0.25),
            std_error: None,
            ci95_low: Some(f64::INFINITY),
            ci95_high: Some(0.1),
            pairs: 4,
        };
        fast_is_csv_crate(&WELFARE_CONTRAST_COLUMNS, &[contrast]);
    }

    #[test]
    fn the_fast_path_gives_up_where_the_csv_crate_quotes_or_refuses() {
        let one = [Column::text("s")];
        // A record of one empty field is written `""` by the csv crate.
        falls_back(&one, &[("a",), ("",)]);
        falls_back(&one, &[None::<u8>]);
        assert_eq!(csv_bytes(&one, [("",)]).unwrap(), b"s\n\"\"\n");
        for s in ["a,b", "say \"hi\"", "two\nlines", "cr\r", "\""] {
            falls_back(&one, &[(s,)]);
        }
        // Characters, bytes, sequences, maps, nested structs and enum variants with data.
        falls_back(&one, &[('x',)]);
        falls_back(&one, &[(serde_bytes_like(b"ab"),)]);
        falls_back(&[Column::int("a"), Column::int("b")], &[vec![1, 2]]);
        falls_back(&[Column::int("a"), Column::int("b")], &[((1, 2),)]);
        #[derive(serde::Serialize)]
        enum E {
            New(i64),
        }
        falls_back(&one, &[(E::New(3),)]);
        // A header that needs quotes, and no columns at all.
        falls_back(&[Column::int("a,b")], &[(1,)]);
        falls_back(&[Column::int("")], &[(1,)]);
        falls_back(&[], &[] as &[(i64,)]);
        assert_eq!(csv_bytes(&[], Vec::<(i64,)>::new()).unwrap(), b"\"\"\n");
        // A row with too many or too few fields: the csv crate's error.
        let two = [Column::int("a"), Column::int("b")];
        assert_eq!(fast::table(&two, &[(1, 2, 3)]), None);
        assert!(csv_bytes(&two, [(1, 2, 3)]).is_err());
        assert_eq!(fast::table(&two, &[(1,)]), None);
        assert!(csv_bytes(&two, [(1,)]).is_err());
        // A top-level scalar, bool, unit, unit struct and newtype struct are written.
        #[derive(serde::Serialize)]
        struct Unit;
        #[derive(serde::Serialize)]
        struct New(f32);
        fast_is_csv_crate(&one, &[7u8]);
        fast_is_csv_crate(
            &[
                Column::text("a"),
                Column::text("b"),
                Column::text("c"),
                Column::text("d"),
            ],
            &[(true, (), Unit, New(0.1)), (false, (), Unit, New(-0.0))],
        );
        fast_is_csv_crate(&two, &[(i128::MIN, u128::MAX)]);
    }

    /// A value serde writes as bytes.
    fn serde_bytes_like(b: &'static [u8]) -> impl serde::Serialize {
        struct Bytes(&'static [u8]);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Bytes(b)
    }

    #[derive(Clone, Copy, Debug, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        #[serde(rename = "with,comma")]
        WithComma,
        #[serde(rename = "")]
        Empty,
    }

    #[derive(Clone, Debug, serde::Serialize)]
    struct FlatRow {
        n: u64,
        i: i64,
        x: f64,
        y: Option<f64>,
        s: String,
        kind: Kind,
        k: Option<Kind>,
    }

    const FLAT_COLUMNS: [Column; 7] = [
        Column::int("n"),
        Column::int("i"),
        Column::float("x"),
        Column::float("y"),
        Column::text("s"),
        Column::text("kind"),
        Column::text("k"),
    ];

    fn any_float() -> impl Strategy<Value = f64> {
        prop_oneof![
            proptest::sample::select(FLOATS.to_vec()),
            any::<f64>(),
            (-1e6f64..1e6),
        ]
    }

    fn flat_row() -> impl Strategy<Value = FlatRow> {
        let strings = [
            "",
            "a",
            "plain text",
            "a,b",
            ",",
            "\"",
            "say \"hi\"",
            "line\nbreak",
            "cr\r",
            " ",
            "tab\t",
            "é",
            "#hash",
            "'",
        ];
        let kinds = [Kind::Plain, Kind::WithComma, Kind::Empty];
        (
            any::<u64>(),
            any::<i64>(),
            any_float(),
            proptest::option::of(any_float()),
            proptest::sample::select(strings.to_vec()),
            proptest::sample::select(kinds.to_vec()),
            proptest::option::of(proptest::sample::select(kinds.to_vec())),
        )
            .prop_map(|(n, i, x, y, s, kind, k)| FlatRow {
                n,
                i,
                x,
                y,
                s: s.to_owned(),
                kind,
                k,
            })
    }

    proptest! {
        #[test]
        fn csv_bytes_are_the_csv_crates(rows in proptest::collection::vec(flat_row(), 0..20)) {
            let (fast, csv) = fast_and_csv_crate_bytes(&FLAT_COLUMNS, &rows);
            if let Some(fast) = fast {
                prop_assert_eq!(fast, csv.clone());
            }
            prop_assert_eq!(csv_bytes(&FLAT_COLUMNS, &rows).unwrap(), csv);
        }

        #[test]
        fn plain_rows_take_the_fast_path(
            rows in proptest::collection::vec(flat_row(), 0..20).prop_map(|rows| {
                rows.into_iter()
                    .filter(|r| !r.s.contains([',', '"', '\n', '\r']))
                    .map(|r| FlatRow { kind: Kind::Plain, k: r.k.map(|_| Kind::Empty), ..r })
                    .collect::<Vec<_>>()
            })
        ) {
            let (fast, csv) = fast_and_csv_crate_bytes(&FLAT_COLUMNS, &rows);
            prop_assert_eq!(fast, Some(csv));
        }
    }

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
