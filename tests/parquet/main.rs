//! `--format parquet` (the `parquet` feature): every CSV table of a run bundle and of a pack bundle
//! also written as Parquet, read back here with the Arrow reader and compared cell by cell with
//! the CSV. Run with `cargo test -p proteus --features parquet --test parquet`.

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proteus::artifacts::tables::{Column, ColumnType, arrow_schema};
use proteus::artifacts::{TableFormat, sha256_hex};
use proteus::experiments::audit::rederive_run;
use proteus::experiments::calibrate::{CANDIDATE_COLUMNS, SENSITIVITY_COLUMNS};
use proteus::experiments::execution::Execution;
use proteus::experiments::packs::{baseline_pack, compare_pack};
use proteus::experiments::shard::{
    PackKind, SlurmOptions, merge_shards_as, plan_shards, run_shard,
};
use proteus::experiments::summary::{CONTRAST_COLUMNS, RUN_COLUMNS, SUMMARY_COLUMNS};
use proteus::experiments::{
    EVENT_COLUMNS, FILL_COLUMNS, FUNDAMENTAL_COLUMNS, QUOTE_COLUMNS, RunBundleOptions,
    write_run_bundle,
};
use proteus::scenario::{MechanismSettings, Scenario};
use std::fs;
use std::path::{Path, PathBuf};
use support::bundles::manifest;
use support::scenarios::short_default;
use support::scratch::Scratch;

/// The declared columns of a bundle's table, by its CSV file name.
fn columns_of(csv_name: &str) -> &'static [Column] {
    match csv_name {
        "fills.csv" => &FILL_COLUMNS,
        "quotes.csv" => &QUOTE_COLUMNS,
        "fundamental.csv" => &FUNDAMENTAL_COLUMNS,
        "events.csv" => &EVENT_COLUMNS,
        "summary.csv" => &SUMMARY_COLUMNS,
        "contrasts.csv" => &CONTRAST_COLUMNS,
        "runs.csv" => &RUN_COLUMNS,
        "calibration_candidates.csv" => &CANDIDATE_COLUMNS,
        "sensitivity.csv" => &SENSITIVITY_COLUMNS,
        other => panic!("no declared columns for {other}"),
    }
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The cell of `column` at `row` rendered back as our CSV writer would write it (None: null).
fn cell(array: &dyn Array, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    Some(match array.data_type() {
        DataType::Int64 => array
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(row)
            .to_string(),
        DataType::Float64 => {
            let v = array
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .value(row);
            format!("f64:{:x}", v.to_bits())
        }
        DataType::Utf8 => array
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(row)
            .to_owned(),
        other => panic!("unexpected column type {other}"),
    })
}

/// The Arrow schema of a Parquet file.
fn parquet_schema(path: &Path) -> Schema {
    let file = fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    builder.schema().as_ref().clone()
}

/// Reads `NAME.parquet` beside `NAME.csv` and checks that they hold the same table: the same
/// column names in order, the table's declared types (every field nullable), the same number of
/// rows, and every cell equal (floats bit for bit, empty cells as nulls). Returns the number of
/// rows.
fn assert_same_table(csv_path: &Path) -> usize {
    let pq_path = csv_path.with_extension("parquet");
    assert!(pq_path.exists(), "{} is missing", pq_path.display());
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let batches = read_parquet(&pq_path);
    let schema = batches
        .first()
        .map(|b| b.schema())
        .expect("a Parquet file with at least one batch");
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, header, "{}: column names", pq_path.display());
    let declared = columns_of(&csv_path.file_name().unwrap().to_string_lossy());
    assert_eq!(
        declared.iter().map(|c| c.name).collect::<Vec<_>>(),
        header,
        "{}: the CSV header is the declared columns",
        csv_path.display()
    );
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(total, rows.len(), "{}: row count", pq_path.display());
    for (c, field) in schema.fields().iter().enumerate() {
        let expected = match declared[c].ty {
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Utf8 => DataType::Utf8,
        };
        assert_eq!(
            field.data_type(),
            &expected,
            "{}: type of column {}",
            pq_path.display(),
            field.name()
        );
        assert!(
            field.is_nullable(),
            "{}: column {} is nullable",
            pq_path.display(),
            field.name()
        );
        if expected == DataType::Float64 {
            // A float column's cells keep their decimal point: a CSV reader guessing types
            // sees floats too (`float_cell`).
            for r in rows.iter().map(|r| &r[c]).filter(|x| !x.is_empty()) {
                assert!(
                    r.contains(['.', 'e']) || r == "NaN" || r.ends_with("inf"),
                    "{}: column {}: float cell {r:?} without a decimal point",
                    pq_path.display(),
                    field.name()
                );
            }
        }
        let mut r = 0;
        for batch in &batches {
            let array = batch.column(c);
            for i in 0..batch.num_rows() {
                let csv_cell = &rows[r][c];
                let want = if csv_cell.is_empty() {
                    None
                } else if expected == DataType::Float64 {
                    Some(format!(
                        "f64:{:x}",
                        csv_cell.parse::<f64>().unwrap().to_bits()
                    ))
                } else {
                    Some(csv_cell.to_owned())
                };
                assert_eq!(
                    cell(array.as_ref(), i),
                    want,
                    "{}: row {r}, column {}",
                    pq_path.display(),
                    field.name()
                );
                r += 1;
            }
        }
    }
    rows.len()
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    v.sort();
    v
}

fn manifest_files(dir: &Path) -> Vec<(String, String)> {
    let m = manifest(dir);
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn run_tables_read_back_equal_to_the_csv() {
    let root = Scratch::new("parquet-run");
    let opts = RunBundleOptions {
        events: true,
        tables: TableFormat::Parquet,
        ..Default::default()
    };
    write_run_bundle(&short_default(10.0), &root.join("a"), &opts).unwrap();
    let dir = root.join("a");
    let csvs = csv_files(&dir);
    let names: Vec<String> = csvs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["events.csv", "fills.csv", "fundamental.csv", "quotes.csv"]
    );
    for csv in &csvs {
        let rows = assert_same_table(csv);
        assert!(
            rows > 0,
            "{} is empty: the test would prove nothing",
            csv.display()
        );
    }
    // Fills carry integers and strings, the fundamental floats: every type is exercised.
    let fills = read_parquet(&dir.join("fills.parquet"));
    assert_eq!(fills[0].schema().field(0).data_type(), &DataType::Int64);
    assert_eq!(fills[0].schema().field(3).data_type(), &DataType::Utf8);
    // The manifest hashes the Parquet files like the CSV ones.
    let listed = manifest_files(&dir);
    for name in ["events", "fills", "fundamental", "quotes"] {
        let pq = format!("{name}.parquet");
        let (_, sha) = listed
            .iter()
            .find(|(n, _)| *n == pq)
            .unwrap_or_else(|| panic!("{pq} not in the manifest"));
        assert_eq!(sha, &sha256_hex(&fs::read(dir.join(&pq)).unwrap()));
    }
    // Same manifest, same bytes: the Parquet files are deterministic too.
    write_run_bundle(&short_default(10.0), &root.join("b"), &opts).unwrap();
    for name in ["events", "fills", "fundamental", "quotes"] {
        let pq = format!("{name}.parquet");
        assert_eq!(
            fs::read(dir.join(&pq)).unwrap(),
            fs::read(root.join("b").join(&pq)).unwrap(),
            "{pq} differs between two identical runs"
        );
    }
    // And the audit re-derives them from the manifest.
    let mut verdicts = Vec::new();
    rederive_run(&dir, &root.join("rederived"), &mut verdicts).unwrap();
    assert!(
        verdicts
            .iter()
            .any(|v| v.artifact.ends_with("fills.parquet")),
        "the audit checks the Parquet files"
    );
    assert!(verdicts.iter().all(|v| v.identical), "{verdicts:#?}");
    // The CSV files are the same bytes as in a CSV-only bundle.
    let csv_only = RunBundleOptions {
        events: true,
        ..Default::default()
    };
    write_run_bundle(&short_default(10.0), &root.join("c"), &csv_only).unwrap();
    for csv in &csvs {
        let name = csv.file_name().unwrap();
        assert_eq!(
            fs::read(csv).unwrap(),
            fs::read(root.join("c").join(name)).unwrap()
        );
    }
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn pack_tables_read_back_equal_to_the_csv() {
    let root = Scratch::new("parquet-pack");
    let mut sc = short_default(10.0);
    sc.duration_s = 5.0;
    let mechanisms = [
        MechanismSettings::default().with_spec("clob").unwrap(),
        MechanismSettings::default().with_spec("fba:100ms").unwrap(),
    ];
    let exec = Execution {
        threads: 0,
        progress: &|_, _, _| {},
        checkpoint: None,
        resume: false,
        tables: TableFormat::Parquet,
    };
    let dir = root.join("compare");
    compare_pack(&sc, &mechanisms, 3, &exec, &dir, false).unwrap();
    let csvs = csv_files(&dir);
    let names: Vec<String> = csvs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["contrasts.csv", "runs.csv", "summary.csv"]);
    for csv in &csvs {
        let rows = assert_same_table(csv);
        assert!(rows > 0, "{} is empty", csv.display());
    }
    // runs.csv is long (one row per run and metric): 3 repetitions under 2 mechanisms.
    let runs = read_parquet(&dir.join("runs.parquet"));
    let mut seen = std::collections::BTreeSet::new();
    for b in &runs {
        let s = b.schema();
        let mech = b.column(s.index_of("mechanism").unwrap());
        let rep = b.column(s.index_of("repetition").unwrap());
        for i in 0..b.num_rows() {
            seen.insert((cell(mech.as_ref(), i), cell(rep.as_ref(), i)));
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert!(
        seen.contains(&(Some("fba:100ms".into()), Some("2".into()))),
        "{seen:?}"
    );

    // The same pack as a Slurm-style plan of 2 shards, merged with Parquet: the same files.
    let plan = root.join("plan");
    let slurm = SlurmOptions {
        binary: PathBuf::from("/opt/proteus/xtask"),
        partition: None,
        time: "00:10:00".to_owned(),
        mem: "1G".to_owned(),
        cpus_per_task: 1,
        max_parallel: None,
    };
    plan_shards(
        PackKind::Compare,
        &sc,
        &mechanisms,
        3,
        None,
        2,
        &slurm,
        &plan,
        false,
    )
    .unwrap();
    for k in 0..2 {
        run_shard(&plan, k, 1, &|_, _| {}).unwrap();
    }
    let merged = root.join("merged");
    merge_shards_as(&plan, &merged, false, TableFormat::Parquet).unwrap();
    for name in ["contrasts", "runs", "summary"] {
        for ext in ["csv", "parquet"] {
            let f = format!("{name}.{ext}");
            assert_eq!(
                fs::read(dir.join(&f)).unwrap(),
                fs::read(merged.join(&f)).unwrap(),
                "{f}: merged shards differ from the one-process pack"
            );
        }
    }
    let _ = fs::remove_dir_all(&root);
}

/// The default scenario, shortened, with a small calibration grid of half-spreads
/// `half_spreads` and the baseline grid given.
fn small_baseline(
    half_spreads: Vec<f64>,
    informed_count: Option<Vec<u32>>,
    latency_scale: Option<Vec<f64>>,
) -> Scenario {
    let mut sc = short_default(10.0);
    sc.duration_s = 5.0;
    let c = &mut sc.calibration;
    c.repetitions = 2;
    c.risk_aversion = vec![0.01];
    c.half_spread_ticks = half_spreads;
    c.quote_size = vec![5];
    c.sensitivity_informed_count = vec![0, 5];
    c.sensitivity_latency_scale = vec![1.0, 4.0];
    sc.grid.informed_count = informed_count;
    sc.grid.latency_scale = latency_scale;
    sc.grid.reference = 0;
    sc
}

/// Pack tables from different grids, from a comparison and from a one-repetition comparison
/// (every dispersion statistic missing) have one schema per table: the declared one, field by
/// field (name, type, nullable), so `pyarrow.concat_tables` can stack them. Before the schema
/// was declared, a whole-number half-spread grid made `half_spread_ticks` Int64, and a column
/// with no value (one repetition, an axis not varied) became Utf8.
///
/// With `PROTEUS_PARQUET_KEEP=DIR` the bundles are kept under DIR for
/// `.ci/parquet_concat.py DIR` (the same check with pyarrow).
#[test]
fn pack_schemas_do_not_depend_on_the_data() {
    let root = Scratch::new("parquet-schemas");
    let exec = Execution {
        threads: 0,
        progress: &|_, _, _| {},
        checkpoint: None,
        resume: false,
        tables: TableFormat::Parquet,
    };
    // Two baselines: whole-number half-spreads and one axis varied, then fractional half-spreads
    // and the other axis.
    let a = small_baseline(vec![1.0, 3.0], Some(vec![0, 5]), None);
    baseline_pack(&a, 2, None, &exec, &root.join("baseline-a"), false).unwrap();
    let b = small_baseline(vec![1.5, 2.0], None, Some(vec![0.5, 2.0]));
    baseline_pack(&b, 2, None, &exec, &root.join("baseline-b"), false).unwrap();
    let mut sc = short_default(10.0);
    sc.duration_s = 5.0;
    let mechanisms = [
        MechanismSettings::default().with_spec("clob").unwrap(),
        MechanismSettings::default().with_spec("fba:100ms").unwrap(),
    ];
    compare_pack(&sc, &mechanisms, 2, &exec, &root.join("compare-2"), false).unwrap();
    compare_pack(&sc, &mechanisms, 1, &exec, &root.join("compare-1"), false).unwrap();
    let bundles = ["baseline-a", "baseline-b", "compare-2", "compare-1"];

    for name in ["summary", "contrasts", "runs"] {
        let expected = arrow_schema(columns_of(&format!("{name}.csv")));
        let first = parquet_schema(&root.join(bundles[0]).join(format!("{name}.parquet")));
        for bundle in bundles {
            let dir = root.join(bundle);
            assert_same_table(&dir.join(format!("{name}.csv")));
            let schema = parquet_schema(&dir.join(format!("{name}.parquet")));
            assert_eq!(
                schema.fields().len(),
                first.fields().len(),
                "{bundle}/{name}: field count"
            );
            for ((f, g), want) in schema
                .fields()
                .iter()
                .zip(first.fields())
                .zip(expected.fields())
            {
                let what = format!("{bundle}/{name}.parquet, field {}", f.name());
                assert_eq!(f.name(), g.name(), "{what}: name");
                assert_eq!(f.data_type(), g.data_type(), "{what}: type");
                assert_eq!(f.is_nullable(), g.is_nullable(), "{what}: nullable");
                assert!(f.is_nullable(), "{what}: nullable");
                assert_eq!(f.as_ref(), want.as_ref(), "{what}: the declared field");
            }
        }
    }
    for name in ["calibration_candidates", "sensitivity"] {
        let expected = arrow_schema(columns_of(&format!("{name}.csv")));
        for bundle in ["baseline-a", "baseline-b"] {
            let dir = root.join(bundle);
            assert_same_table(&dir.join(format!("{name}.csv")));
            let schema = parquet_schema(&dir.join(format!("{name}.parquet")));
            assert_eq!(schema.fields(), expected.fields(), "{bundle}/{name}");
        }
    }

    // The cases the old inference got wrong are really there. Whole-number half-spreads are
    // written as floats:
    let candidates =
        fs::read_to_string(root.join("baseline-a").join("calibration_candidates.csv")).unwrap();
    let row = candidates.lines().nth(1).unwrap();
    assert!(
        row.split(',').nth(2).unwrap().ends_with(".0"),
        "half_spread_ticks of a whole-number grid: {row}"
    );
    // One repetition: the SD of every metric is missing, so the column is all null (a Float64
    // column, not Utf8).
    let summary = read_parquet(&root.join("compare-1").join("summary.parquet"));
    let sd = SUMMARY_COLUMNS.iter().position(|c| c.name == "sd").unwrap();
    for b in &summary {
        assert_eq!(
            b.column(sd).null_count(),
            b.num_rows(),
            "sd with one repetition"
        );
    }
    // The factor columns: informed_count varied in baseline-a, latency_scale empty there; the
    // other way round in baseline-b; both empty in a comparison.
    let factors = |bundle: &str| -> Vec<(Option<String>, Option<String>)> {
        let batches = read_parquet(&root.join(bundle).join("runs.parquet"));
        let mut v = Vec::new();
        for b in &batches {
            let s = b.schema();
            let ic = b.column(s.index_of("informed_count").unwrap());
            let ls = b.column(s.index_of("latency_scale").unwrap());
            for i in 0..b.num_rows() {
                v.push((cell(ic.as_ref(), i), cell(ls.as_ref(), i)));
            }
        }
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(
        factors("baseline-a"),
        [(Some("0".into()), None), (Some("5".into()), None)]
    );
    let f = |x: f64| Some(format!("f64:{:x}", x.to_bits()));
    assert_eq!(factors("baseline-b"), [(None, f(0.5)), (None, f(2.0))]);
    assert_eq!(factors("compare-2"), [(None, None)]);

    if let Some(keep) = std::env::var_os("PROTEUS_PARQUET_KEEP") {
        let keep = PathBuf::from(keep);
        for bundle in bundles {
            let to = keep.join(bundle);
            fs::create_dir_all(&to).unwrap();
            for e in fs::read_dir(root.join(bundle)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "parquet") {
                    fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&root);
}
