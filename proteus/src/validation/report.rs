//! The validation table, `validation.json` and `validation.csv`.

use super::{CaseResult, Mode, ValidationError, Verdict};
use crate::artifacts::tables::{Column, csv_bytes};
use crate::artifacts::{IoError, StagedFiles};
use crate::report::{Align, TextTable};
use serde::Serialize;

/// Every line of one validation run.
#[derive(Clone, Debug, Serialize)]
pub struct ValidationReport {
    pub mode: Mode,
    pub results: Vec<CaseResult>,
}

impl ValidationReport {
    pub fn count(&self, v: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == v).count()
    }

    pub fn failed(&self) -> bool {
        self.count(Verdict::Fail) > 0
    }

    /// The table printed by `cargo xtask validate` (also the Markdown of `docs/validation.md`).
    pub fn markdown(&self) -> String {
        let mut t = text_table(&[
            "case",
            "point",
            "quantity",
            "theory",
            "simulated (95% CI)",
            "half-width",
            "n",
            "verdict",
        ]);
        for r in &self.results {
            let theory = r.theory.map_or("—".to_owned(), fmt);
            let sim = match (r.simulated.ci95_low, r.simulated.ci95_high) {
                _ if r.simulated.n == 0 => r.tolerance.clone(),
                (Some(lo), Some(hi)) => {
                    format!("{} [{}, {}]", fmt(r.simulated.mean), fmt(lo), fmt(hi))
                }
                _ => fmt(r.simulated.mean),
            };
            let half = r.simulated.half_width().map_or("—".to_owned(), fmt);
            t.push(vec![
                r.case.clone(),
                r.point.clone(),
                r.quantity.clone(),
                theory,
                sim,
                half,
                r.simulated.n.to_string(),
                r.verdict.as_str().to_owned(),
            ]);
        }
        t.markdown()
    }

    /// One line per case: how many lines, their verdicts, and how sharp they are (the
    /// repetitions behind its lines with an interval and the range of their 95% half-widths,
    /// each in its own line's units).
    pub fn case_summary(&self) -> String {
        let mut t = text_table(&[
            "case",
            "lines",
            "pass",
            "FAIL",
            "watch",
            "inconclusive",
            "info",
            "repetitions (n)",
            "95% half-widths",
        ]);
        let mut cases: Vec<&str> = Vec::new();
        for r in &self.results {
            if !cases.contains(&r.case.as_str()) {
                cases.push(&r.case);
            }
        }
        for case in cases {
            let lines: Vec<&CaseResult> = self.results.iter().filter(|r| r.case == case).collect();
            let count = |v: Verdict| lines.iter().filter(|r| r.verdict == v).count();
            let ns: Vec<usize> = lines
                .iter()
                .filter(|r| r.simulated.ci95_low.is_some())
                .map(|r| r.simulated.n)
                .collect();
            let n = match (ns.iter().min(), ns.iter().max()) {
                (Some(a), Some(b)) if a == b => a.to_string(),
                (Some(a), Some(b)) => format!("{a}–{b}"),
                _ => "—".to_owned(),
            };
            let halves: Vec<f64> = lines
                .iter()
                .filter_map(|r| r.simulated.half_width())
                .collect();
            let hw = if halves.is_empty() {
                "—".to_owned()
            } else {
                let lo = halves.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = halves.iter().copied().fold(0.0, f64::max);
                format!("{} to {}", fmt(lo), fmt(hi))
            };
            t.push(vec![
                case.to_owned(),
                lines.len().to_string(),
                count(Verdict::Pass).to_string(),
                count(Verdict::Fail).to_string(),
                count(Verdict::Watch).to_string(),
                count(Verdict::Inconclusive).to_string(),
                count(Verdict::Info).to_string(),
                n,
                hw,
            ]);
        }
        t.markdown()
    }

    /// CSV, one line per result ([`RESULT_COLUMNS`]; numbers in Rust's `{:e}` notation, exact
    /// round trips).
    pub fn csv(&self) -> Result<String, csv::Error> {
        let opt = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:e}"));
        let rows = self.results.iter().map(|r| ResultRow {
            case: &r.case,
            point: &r.point,
            quantity: &r.quantity,
            theory: opt(r.theory),
            simulated_mean: format!("{:e}", r.simulated.mean),
            ci95_low: opt(r.simulated.ci95_low),
            ci95_high: opt(r.simulated.ci95_high),
            se: opt(r.simulated.se),
            n: r.simulated.n,
            verdict: r.verdict.as_str(),
            tolerance: &r.tolerance,
            p_value: opt(r.p_value),
            p_holm: opt(r.p_holm),
        });
        let bytes = csv_bytes(&RESULT_COLUMNS, rows)?;
        Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
    }
}

/// The columns of `validation.csv`.
pub const RESULT_COLUMNS: [Column; 13] = [
    Column::text("case"),
    Column::text("point"),
    Column::text("quantity"),
    Column::float("theory"),
    Column::float("simulated_mean"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::float("se"),
    Column::int("n"),
    Column::text("verdict"),
    Column::text("tolerance"),
    Column::float("p_value"),
    Column::float("p_holm"),
];

/// One line of `validation.csv`: the floats already in `{:e}` notation (empty: not defined).
#[derive(serde::Serialize)]
struct ResultRow<'a> {
    case: &'a str,
    point: &'a str,
    quantity: &'a str,
    theory: String,
    simulated_mean: String,
    ci95_low: String,
    ci95_high: String,
    se: String,
    n: usize,
    verdict: &'static str,
    tolerance: &'a str,
    p_value: String,
    p_holm: String,
}

/// Four significant digits, plain or scientific.
fn fmt(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-3 && x.abs() < 1e6 {
        let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    } else {
        format!("{x:.3e}")
    }
}

/// A Markdown table with these column names (alignment is the terminal's concern only).
fn text_table(columns: &[&str]) -> TextTable {
    let cols: Vec<(&str, Align)> = columns.iter().map(|c| (*c, Align::Left)).collect();
    TextTable::new(&cols)
}

/// Stages `validation.json` and `validation.csv` in `staged` (they appear when it is published).
pub fn write_outputs(
    report: &ValidationReport,
    staged: &StagedFiles,
) -> Result<(), ValidationError> {
    let json = serde_json::to_string_pretty(report).expect("a report serializes") + "\n";
    staged.write("validation.json", json.as_bytes())?;
    let csv = report.csv().map_err(|e| {
        IoError::new(
            "writing",
            staged.staging_dir().join("validation.csv"),
            std::io::Error::other(e),
        )
    })?;
    staged.write("validation.csv", csv.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_format() {
        assert_eq!(fmt(101.0), "101.0");
        assert_eq!(fmt(0.25), "0.2500");
        assert_eq!(fmt(1.5e-7), "1.500e-7");
        assert_eq!(fmt(0.0), "0");
    }
}
