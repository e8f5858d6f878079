//! `docs/bundle-format.md` documents every table a bundle holds: for each table, a heading
//! `### <file>` and a table `| column | type | unit | meaning |` with one row per column, in
//! the code's order. This test holds the document to the typed column constants (`[Column; N]`)
//! the writers pass to `BundleWriter::write_csv`: a column added, removed, renamed, reordered or
//! retyped in the code and not in the document (or the other way round) fails here.

use proteus::artifacts::tables::{Column, ColumnType};
use proteus::equilibrium::bundle as equilibrium;
use proteus::experiments::{self as run, calibrate, summary};
use proteus::realism;
use proteus::replay;

const DOC: &str = include_str!("../../docs/bundle-format.md");

/// Every table a bundle writes: the heading it is documented under, and its columns.
fn tables() -> Vec<(&'static str, &'static [Column])> {
    vec![
        // Run bundle (`experiments/run_bundle.rs`).
        ("fills.csv (run)", &run::FILL_COLUMNS),
        ("quotes.csv", &run::QUOTE_COLUMNS),
        ("fundamental.csv", &run::FUNDAMENTAL_COLUMNS),
        ("events.csv (run)", &run::EVENT_COLUMNS),
        // Packs: baseline and compare (`experiments/summary.rs`).
        ("summary.csv", &summary::SUMMARY_COLUMNS),
        ("contrasts.csv", &summary::CONTRAST_COLUMNS),
        ("runs.csv", &summary::RUN_COLUMNS),
        // Calibration (`experiments/calibrate.rs`).
        ("calibration_candidates.csv", &calibrate::CANDIDATE_COLUMNS),
        ("sensitivity.csv", &calibrate::SENSITIVITY_COLUMNS),
        // Realism (`realism/mod.rs`).
        ("realism.csv", &realism::CSV_COLUMNS),
        // Replay (`replay/mod.rs`).
        ("fills.csv (replay)", &replay::FILL_COLUMNS),
        ("book.csv", &replay::BOOK_COLUMNS),
        ("rejects.csv", &replay::REJECT_COLUMNS),
        ("events.csv (replay)", &replay::EVENT_COLUMNS),
        // Equilibrium (`equilibrium/bundle.rs`).
        ("payoffs.csv", &equilibrium::PAYOFF_COLUMNS),
        ("welfare.csv", &equilibrium::WELFARE_COLUMNS),
        ("welfare_contrasts.csv", &equilibrium::CONTRAST_COLUMNS),
        // Validation's table (not a bundle; `validation/report.rs`).
        (
            "validation.csv (validate)",
            &proteus::validation::RESULT_COLUMNS,
        ),
    ]
}

const TABLE_HEADER: &str = "| column | type | unit | meaning |";

fn type_word(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Int64 => "int",
        ColumnType::Float64 => "float",
        ColumnType::Utf8 => "text",
    }
}

/// One documented table: its `### ` heading and its rows' (column, type) cells.
#[derive(Debug)]
struct Documented {
    heading: String,
    columns: Vec<(String, String)>,
}

/// The sections of `doc` whose heading names a CSV file (`### NAME.csv` or
/// `### NAME.csv (kind)`), each with the first `| column | type | unit | meaning |` table
/// under it (before the next heading).
fn documented(doc: &str) -> Vec<Documented> {
    let mut out = Vec::new();
    let mut lines = doc.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(heading) = line.strip_prefix("### ") else {
            continue;
        };
        let heading = heading.trim();
        let file = heading.split_whitespace().next().unwrap_or_default();
        if !file.ends_with(".csv") {
            continue;
        }
        let mut columns = Vec::new();
        let mut in_table = false;
        while let Some(next) = lines.peek() {
            if next.starts_with('#') {
                break;
            }
            let next = lines.next().expect("peeked").trim();
            if !in_table {
                if next == TABLE_HEADER {
                    in_table = true;
                    let rule = lines.next().unwrap_or_default().trim();
                    assert!(
                        rule.starts_with("|---") || rule.starts_with("| ---"),
                        "### {heading}: the column table's header must be followed by a rule \
                         line, found {rule:?}"
                    );
                }
                continue;
            }
            if !next.starts_with('|') {
                break;
            }
            let cells: Vec<&str> = next.trim_matches('|').split('|').map(str::trim).collect();
            assert!(
                cells.len() >= 4,
                "### {heading}: row {next:?} has fewer than 4 cells"
            );
            let name = cells[0]
                .strip_prefix('`')
                .and_then(|c| c.strip_suffix('`'))
                .unwrap_or_else(|| {
                    panic!(
                        "### {heading}: the column name {:?} is not in backticks",
                        cells[0]
                    )
                });
            columns.push((name.to_owned(), cells[1].to_owned()));
        }
        assert!(
            in_table,
            "### {heading}: no `{TABLE_HEADER}` table under the heading"
        );
        out.push(Documented {
            heading: heading.to_owned(),
            columns,
        });
    }
    out
}

#[test]
fn every_table_is_documented_column_by_column() {
    let docs = documented(DOC);
    for (heading, columns) in tables() {
        let found: Vec<&Documented> = docs.iter().filter(|d| d.heading == heading).collect();
        assert_eq!(
            found.len(),
            1,
            "docs/bundle-format.md must have exactly one `### {heading}` section with a column \
             table (found {})",
            found.len()
        );
        let doc = found[0];
        let doc_names: Vec<&str> = doc.columns.iter().map(|(n, _)| n.as_str()).collect();
        let code_names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        assert_eq!(
            doc_names, code_names,
            "### {heading}: the documented columns are not the code's, in order"
        );
        for ((name, ty), column) in doc.columns.iter().zip(columns) {
            assert_eq!(
                ty,
                type_word(column.ty),
                "### {heading}: column `{name}` is documented as {ty:?}, the code says {:?}",
                column.ty
            );
        }
    }
}

#[test]
fn every_documented_table_is_one_the_code_writes() {
    let known: Vec<&str> = tables().iter().map(|(h, _)| *h).collect();
    for d in documented(DOC) {
        assert!(
            known.contains(&d.heading.as_str()),
            "docs/bundle-format.md documents `### {}`, which is not a table this test knows; \
             add it to `tables()` with its column constant",
            d.heading
        );
    }
}

#[test]
fn the_parser_sees_a_changed_column() {
    // A document whose table lacks a column the code has must not match it.
    let doc = "### x.csv\n\n| column | type | unit | meaning |\n|---|---|---|---|\n\
               | `time_ns` | int | ns | when |\n\n## Next\n";
    let parsed = documented(doc);
    assert_eq!(parsed.len(), 1, "{parsed:?}");
    assert_eq!(
        parsed[0].columns,
        vec![("time_ns".to_owned(), "int".to_owned())]
    );
    let code = [Column::int("time_ns"), Column::float("value_ticks")];
    let names: Vec<&str> = code.iter().map(|c| c.name).collect();
    assert_ne!(
        parsed[0]
            .columns
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        names
    );
}
