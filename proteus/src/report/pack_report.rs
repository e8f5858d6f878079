//! The reports of pack bundles (`baseline`, `compare`, `calibration`), made from the bundle's
//! files alone: the scenario summary (`manifest.json`), the headline table (`summary.csv`,
//! `contrasts.csv`), a forest plot of the standardised paired differences per contrast arm, and,
//! when the bundle holds a calibration (`calibration.json`, `calibration_candidates.csv`,
//! `sensitivity.csv`), the selected regime, the candidates, the calibration landscape and the
//! sensitivity heatmaps.
//!
//! Which figures a report has depends on the data files only (the contrast arms, the quote
//! sizes, the sensitivity metrics), never on the manifest's `derived` list, so a pack can list
//! its report files in the manifest before the report is drawn ([`pack_report_names`]).

use crate::artifacts::FileDigest;
use crate::metrics::names::HEADLINE as HEADLINE_METRICS;
use crate::report::bundle::{check_all, csv_rows, read_checked, read_manifest};
use crate::report::format;
use crate::report::run_report::{agent_counts, files_table, mechanism, resolved_scenario, show};
use crate::report::{
    Cell, Colour, ForestPlot, ForestRow, Heatmap, HtmlPage, Mark, ReportError, ReportFiles, Table,
};
use crate::schema::calibration::Calibration;
use crate::schema::{
    AnyManifest, BundleKind, CandidateRow, ContrastRow, Manifest, PackBody, PackManifest,
    SensitivityRow, SummaryRow,
};
use std::collections::BTreeSet;
use std::path::Path;

/// The page of every report.
pub const REPORT_PAGE: &str = "report.html";

struct CalibrationData {
    json: Calibration,
    candidates: Vec<CandidateRow>,
    sensitivity: Vec<SensitivityRow>,
}

/// What a pack report reads: the data files of a pack, by kind.
struct PackData {
    kind: BundleKind,
    summary: Vec<SummaryRow>,
    contrasts: Vec<ContrastRow>,
    calibration: Option<CalibrationData>,
}

impl PackData {
    /// Reads the data files of a pack bundle of `kind`, each checked against `manifest`'s
    /// SHA-256 (only its `files` are read).
    fn load<B, T>(
        dir: &Path,
        kind: BundleKind,
        manifest: &Manifest<B, T>,
    ) -> Result<PackData, ReportError> {
        let calibration_pack = kind == BundleKind::Calibration;
        let (summary, contrasts) = if calibration_pack {
            (Vec::new(), Vec::new())
        } else {
            (
                csv_rows(dir, manifest, "summary.csv")?,
                csv_rows(dir, manifest, "contrasts.csv")?,
            )
        };
        let calibration = if calibration_pack || manifest.lists("calibration.json") {
            let bytes = read_checked(dir, manifest, "calibration.json")?;
            let json: Calibration =
                serde_json::from_slice(&bytes).map_err(|e| ReportError::Malformed {
                    path: dir.join("calibration.json"),
                    why: e.to_string(),
                })?;
            Some(CalibrationData {
                json,
                candidates: csv_rows(dir, manifest, "calibration_candidates.csv")?,
                sensitivity: csv_rows(dir, manifest, "sensitivity.csv")?,
            })
        } else {
            None
        };
        Ok(PackData {
            kind,
            summary,
            contrasts,
            calibration,
        })
    }
}

/// `cell` for a baseline arm, `mechanism` for a comparison arm.
fn arm_label(cell: &str, mechanism: &str) -> String {
    if cell == "base" {
        mechanism.to_owned()
    } else {
        cell.to_owned()
    }
}

/// A file-name-safe id: lowercase letters, digits and single underscores.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Distinct values in order of first appearance.
fn distinct<T: PartialEq + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = Vec::new();
    for x in items {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

fn sorted_floats(items: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = items.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// A figure of the report: its id (also its file name, `ID.svg`), section and caption.
struct Figure {
    id: String,
    section: &'static str,
    svg: String,
    caption: String,
}

/// The contrast arms, in file order: `(cell, mechanism)`.
fn arms(data: &PackData) -> Vec<(String, String)> {
    distinct(
        data.contrasts
            .iter()
            .map(|c| (c.cell.clone(), c.mechanism.clone())),
    )
}

/// One forest plot per contrast arm: the headline metrics' paired differences standardised by
/// the SD of the differences (Cohen's dz), so metrics of different units share one axis.
fn forest_plots(data: &PackData, ids: &mut Ids) -> Result<Vec<Figure>, ReportError> {
    let mut out = Vec::new();
    for (cell, mech) in arms(data) {
        let arm = arm_label(&cell, &mech);
        let mut reference = String::new();
        let mut rows = Vec::new();
        let mut undefined = Vec::new();
        for name in HEADLINE_METRICS {
            let Some(c) = data
                .contrasts
                .iter()
                .find(|c| c.cell == cell && c.mechanism == mech && c.metric == name)
            else {
                continue;
            };
            reference = arm_label(&c.reference_cell, &c.reference_mechanism);
            let (Some(dz), Some(diff)) = (c.cohens_dz, c.mean_difference) else {
                undefined.push(name);
                continue;
            };
            // dz = difference / SD(d): the CI in the same units is the CI times dz / difference.
            let interval = match (c.ci95_low, c.ci95_high) {
                (Some(lo), Some(hi)) if diff != 0.0 => {
                    let k = dz / diff;
                    Some(((lo * k).min(hi * k), (lo * k).max(hi * k)))
                }
                _ => None,
            };
            rows.push(ForestRow {
                label: name.to_owned(),
                estimate: dz,
                interval,
            });
        }
        let title = format!("{arm} − {reference}: paired differences, standardised");
        let plot = ForestPlot::new(
            &title,
            "paired difference / SD of the differences (Cohen's dz), with its 95% CI",
            rows,
        );
        let mut caption = format!(
            "Each headline metric's mean paired difference {arm} − {reference} over the same \
             repetitions, divided by the standard deviation of the per-repetition differences \
             (Cohen's dz), so metrics in different units share one axis; whiskers are the \
             paired Student-t 95% CI scaled the same way. Rows whose interval excludes zero are \
             blue. The raw differences are in the headline table and contrasts.csv."
        );
        if !undefined.is_empty() {
            caption.push_str(&format!(
                " Not drawn (no effect size: the differences do not vary or there are too few \
                 pairs): {}.",
                undefined.join(", ")
            ));
        }
        let id = ids.take(&format!("forest_{}", slug(&arm)));
        caption.push_str(&format!(" Also in {id}.svg."));
        out.push(Figure {
            svg: plot.to_svg()?,
            id,
            section: "forest",
            caption,
        });
    }
    Ok(out)
}

/// The calibration landscape (per quote size: mean quoted spread and MM PnL over half-spread ×
/// risk aversion, violations marked) and the sensitivity heatmaps (one per metric).
fn calibration_figures(c: &CalibrationData, ids: &mut Ids) -> Result<Vec<Figure>, ReportError> {
    let mut out = Vec::new();
    let sizes: BTreeSet<i64> = c.candidates.iter().map(|r| r.quote_size).collect();
    let half = sorted_floats(c.candidates.iter().map(|r| r.half_spread_ticks));
    let risk = sorted_floats(c.candidates.iter().map(|r| r.risk_aversion));
    let ticks = |v: &[f64]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    type Pick = fn(&CandidateRow) -> Option<f64>;
    let metrics: [(&str, &str, &str, Pick); 2] = [
        ("spread", "mean quoted spread", "ticks", |r| {
            r.quoted_spread_mean
        }),
        (
            "mm_pnl",
            "mean market-maker PnL per run",
            "ticks × lots",
            |r| r.mm_pnl_mean,
        ),
    ];
    for q in &sizes {
        for (key, what, unit, pick) in metrics {
            let mut values = vec![vec![None; half.len()]; risk.len()];
            let mut marks = Vec::new();
            for r in c.candidates.iter().filter(|r| r.quote_size == *q) {
                let row = risk.iter().position(|x| *x == r.risk_aversion);
                let col = half.iter().position(|x| *x == r.half_spread_ticks);
                let (Some(row), Some(column)) = (row, col) else {
                    continue;
                };
                values[row][column] = pick(r);
                if r.rank == 1 {
                    marks.push(Mark {
                        row,
                        column,
                        colour: Colour::GREEN,
                        suffix: " ★".into(),
                    });
                } else if r.violations > 0 {
                    marks.push(Mark {
                        row,
                        column,
                        colour: Colour::RED,
                        suffix: format!(" ✗{}", r.violations),
                    });
                }
            }
            let h = Heatmap {
                title: format!("Calibration landscape: {what}, quote size {q}"),
                x_label: "base half-spread (ticks)".into(),
                y_label: "risk aversion".into(),
                x_ticks: ticks(&half),
                y_ticks: ticks(&risk),
                values,
                value_label: unit.into(),
                marks,
            };
            let id = ids.take(&format!("landscape_{key}_q{q}"));
            out.push(Figure {
                svg: h.to_svg()?,
                caption: format!(
                    "The {what} of each candidate regime with quote size {q}, over base \
                     half-spread and risk aversion (calibration_candidates.csv). Red outline \
                     and ✗N: the candidate violates N constraints of the objective; green \
                     outline and ★: the selected regime. Grey: not in the grid. Also in {id}.svg."
                ),
                id,
                section: "landscape",
            });
        }
    }
    let counts: Vec<u32> = c
        .sensitivity
        .iter()
        .map(|r| r.informed_count)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let scales = sorted_floats(c.sensitivity.iter().map(|r| r.latency_scale));
    for metric in distinct(c.sensitivity.iter().map(|r| r.metric.clone())) {
        let mut values = vec![vec![None; scales.len()]; counts.len()];
        for r in c.sensitivity.iter().filter(|r| r.metric == metric) {
            let row = counts.iter().position(|x| *x == r.informed_count);
            let col = scales.iter().position(|x| *x == r.latency_scale);
            if let (Some(row), Some(col)) = (row, col) {
                values[row][col] = r.mean;
            }
        }
        let h = Heatmap {
            title: format!("Sensitivity of the selected regime: {metric}"),
            x_label: "latency scale".into(),
            y_label: "informed traders".into(),
            x_ticks: ticks(&scales),
            y_ticks: counts.iter().map(u32::to_string).collect(),
            values,
            value_label: "mean".into(),
            marks: Vec::new(),
        };
        let id = ids.take(&format!("sensitivity_{}", slug(&metric)));
        out.push(Figure {
            svg: h.to_svg()?,
            caption: format!(
                "Mean {metric} of the selected regime across the number of informed traders \
                 and the latency scale (sensitivity.csv); grey cells: the metric was missing in \
                 every run. Also in {id}.svg."
            ),
            id,
            section: "sensitivity",
        });
    }
    Ok(out)
}

/// Hands out unique figure ids.
#[derive(Default)]
struct Ids(BTreeSet<String>);

impl Ids {
    fn take(&mut self, base: &str) -> String {
        let mut id = base.to_owned();
        let mut k = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}_{k}");
            k += 1;
        }
        id
    }
}

fn figures(data: &PackData) -> Result<Vec<Figure>, ReportError> {
    let mut ids = Ids::default();
    let mut out = forest_plots(data, &mut ids)?;
    if let Some(c) = &data.calibration {
        out.extend(calibration_figures(c, &mut ids)?);
    }
    Ok(out)
}

fn check_kind(dir: &Path, kind: BundleKind) -> Result<(), ReportError> {
    if kind.is_pack() {
        Ok(())
    } else {
        Err(ReportError::Malformed {
            path: dir.join("manifest.json"),
            why: format!(
                "`kind` is \"{kind}\", expected \"baseline\", \"compare\" or \"calibration\""
            ),
        })
    }
}

/// The files the report of the pack of `kind` in `dir` will have (figures, then
/// `report.html`), from its data files (`files`, the hashed files staged so far): what a pack
/// lists under `derived` before it draws the report.
pub fn pack_report_names(
    dir: &Path,
    kind: BundleKind,
    files: &[FileDigest],
) -> Result<Vec<String>, ReportError> {
    check_kind(dir, kind)?;
    let staged: Manifest<()> = Manifest::new(kind, 0, (), files.to_vec(), None);
    let data = PackData::load(dir, kind, &staged)?;
    let mut names: Vec<String> = figures(&data)?
        .into_iter()
        .map(|f| format!("{}.svg", f.id))
        .collect();
    names.push(REPORT_PAGE.to_owned());
    Ok(names)
}

/// Builds the report of the pack bundle in `dir` from its files alone, after checking every
/// hashed file against the manifest.
pub fn build_pack_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    let head: AnyManifest = read_manifest(dir)?;
    check_kind(dir, head.kind)?;
    let manifest: PackManifest = read_manifest(dir)?;
    check_all(dir, &manifest)?;
    let data = PackData::load(dir, manifest.kind, &manifest)?;
    let figures = figures(&data)?;
    let page = page(&manifest, &data, &figures);
    let mut files: Vec<(String, Vec<u8>)> = figures
        .into_iter()
        .map(|f| (format!("{}.svg", f.id), f.svg.into_bytes()))
        .collect();
    files.push((REPORT_PAGE.to_owned(), page.into_bytes()));
    Ok(ReportFiles { files })
}

fn scenario_table(m: &PackManifest, data: &PackData) -> Table {
    let PackBody {
        scenario: sc,
        plan,
        seeds,
        calibration_source,
    } = &m.body;
    let mut t = Table::new("scenario", &["", ""]);
    let mut row = |k: &str, v: String| {
        t.push(vec![Cell::text(k), Cell::Text(v)]);
    };
    row("scenario", sc.id.clone());
    row("bundle kind", data.kind.to_string());
    match (data.kind, plan) {
        (BundleKind::Compare, Some(plan)) => {
            row("mechanisms", plan.mechanisms.join(", "));
            row(
                "reference",
                or_dash(plan.mechanisms.first()) + " (every other mechanism is paired with it)",
            );
        }
        (BundleKind::Baseline, Some(plan)) => {
            row("mechanism", mechanism(&sc.mechanism));
            row("grid cells", plan.cells.join(", "));
            row(
                "reference cell",
                or_dash(plan.cells.get(plan.reference_cell))
                    + " (every other cell is paired with it)",
            );
        }
        _ => row("mechanism", mechanism(&sc.mechanism)),
    }
    let reps = match (plan, &data.calibration) {
        (Some(plan), _) => plan.repetitions.to_string(),
        (None, Some(c)) => c.json.repetitions.to_string(),
        (None, None) => "—".to_owned(),
    };
    row(
        "repetitions",
        format!("{reps} per arm (repetition indices {})", seeds.repetitions),
    );
    row("duration", format!("{} s per run", show(&sc.duration_s)));
    row("master seed", seeds.master_seed.to_string());
    row("seed protocol", seeds.protocol.clone());
    if let Some(source) = calibration_source {
        row("calibration", source.clone());
    }
    row(
        "market",
        format!(
            "tick size {}, lot size {}, self-trade prevention {}",
            sc.market.tick_size,
            sc.market.lot_size,
            show(&sc.market.self_trade)
        ),
    );
    row("agents", agent_counts(sc));
    row(
        "Proteus",
        format!("{} (bundle schema {})", m.crate_version, m.schema_version),
    );
    t
}

fn or_dash(s: Option<&String>) -> String {
    s.cloned().unwrap_or_else(|| "—".to_owned())
}

fn ci(lo: Option<f64>, hi: Option<f64>) -> Cell {
    match (lo, hi) {
        (Some(a), Some(b)) => Cell::Text(format!("[{}, {}]", format::number(a), format::number(b))),
        _ => Cell::Missing("not defined".into()),
    }
}

fn num(v: Option<f64>, why: &str) -> Cell {
    v.map_or_else(|| Cell::Missing(why.into()), Cell::Number)
}

/// Per headline metric and arm: mean with its 95% CI, and against the reference the paired
/// difference with its CI, Cohen's dz, the Holm-adjusted p and the variance reduction.
fn headline_table(data: &PackData) -> Table {
    let mut t = Table::new(
        "headline",
        &[
            "metric",
            "arm",
            "n",
            "mean",
            "95% CI",
            "paired difference (arm − reference)",
            "95% CI of the difference",
            "Cohen's dz",
            "p (Holm)",
            "variance reduction",
        ],
    );
    for name in HEADLINE_METRICS {
        for s in data.summary.iter().filter(|s| s.metric == name) {
            let arm = arm_label(&s.cell, &s.mechanism);
            let mut row = vec![Cell::text(name), Cell::Text(arm), Cell::Number(s.n as f64)];
            if s.n == 0 {
                row.push(Cell::Missing(format!(
                    "missing in all {} runs",
                    s.n_missing
                )));
                row.push(Cell::Missing("not defined".into()));
            } else {
                row.push(num(s.mean, "not defined"));
                row.push(ci(s.ci95_low, s.ci95_high));
            }
            let contrast = data
                .contrasts
                .iter()
                .find(|c| c.metric == name && c.cell == s.cell && c.mechanism == s.mechanism);
            let is_reference = data.contrasts.iter().any(|c| {
                c.metric == name
                    && c.reference_cell == s.cell
                    && c.reference_mechanism == s.mechanism
            });
            match contrast {
                Some(c) if c.pairs == 0 => row.push(Cell::Missing(
                    "no pairs: the metric is missing on one side in every repetition".into(),
                )),
                Some(c) => {
                    row.push(num(c.mean_difference, "no pairs"));
                    row.push(ci(c.ci95_low, c.ci95_high));
                    row.push(num(c.cohens_dz, "differences do not vary"));
                    row.push(num(c.p_holm, "not defined"));
                    row.push(num(c.variance_reduction, "not defined"));
                }
                None if is_reference => row.push(Cell::text("reference")),
                None => {}
            }
            t.push(row);
        }
    }
    t
}

fn selection_table(c: &CalibrationData) -> Table {
    let j = &c.json;
    let mut t = Table::new("selection", &["", ""]);
    let sel = &j.selected;
    // Numbers as calibration.json writes them (a whole float keeps its `.0`).
    let json = |x: f64| serde_json::to_string(&x).unwrap_or_default();
    t.push(vec![
        Cell::text("selected regime"),
        Cell::Text(format!(
            "risk aversion {}, base half-spread {} ticks, quote size {}",
            json(sel.risk_aversion),
            json(sel.half_spread_ticks),
            sel.quote_size
        )),
    ]);
    t.push(vec![
        Cell::text("rationale"),
        Cell::Text(j.rationale.clone()),
    ]);
    t.push(vec![
        Cell::text("objective"),
        Cell::Text(j.objective.clone()),
    ]);
    t.push(vec![
        Cell::text("searched under"),
        Cell::Text(format!(
            "{} informed traders, {} repetitions per candidate",
            j.informed_count, j.repetitions
        )),
    ]);
    t
}

fn candidates_table(c: &CalibrationData) -> Table {
    let mut t = Table::new(
        "candidates",
        &[
            "rank",
            "risk aversion",
            "half-spread (ticks)",
            "quote size",
            "violations",
            "quoted spread (ticks)",
            "95% CI",
            "MM PnL per run",
            "95% CI",
            "MM fill rate",
            "failed checks",
        ],
    );
    let mut rows: Vec<&CandidateRow> = c.candidates.iter().collect();
    rows.sort_by_key(|r| r.rank);
    for r in rows {
        t.push(vec![
            Cell::Number(r.rank as f64),
            Cell::Number(r.risk_aversion),
            Cell::Number(r.half_spread_ticks),
            Cell::Number(r.quote_size as f64),
            Cell::Number(r.violations as f64),
            num(r.quoted_spread_mean, "missing"),
            ci(r.quoted_spread_ci95_low, r.quoted_spread_ci95_high),
            num(r.mm_pnl_mean, "missing"),
            ci(r.mm_pnl_ci95_low, r.mm_pnl_ci95_high),
            num(r.mm_fill_rate_mean, "missing"),
            Cell::Text(if r.checks_failed.is_empty() {
                "none".to_owned()
            } else {
                r.checks_failed.replace(';', ", ")
            }),
        ]);
    }
    t
}

fn add_figures(p: &mut HtmlPage, figures: &[Figure], section: &str) {
    for f in figures.iter().filter(|f| f.section == section) {
        p.figure(&f.id, &f.svg, &f.caption);
    }
}

fn page(manifest: &PackManifest, data: &PackData, figures: &[Figure]) -> String {
    let sc = &manifest.body.scenario;
    let title = match data.kind {
        BundleKind::Compare => format!("Mechanism comparison: scenario {}", sc.id),
        BundleKind::Baseline => format!("Baseline report: scenario {}", sc.id),
        _ => format!("Calibration report: scenario {}", sc.id),
    };
    let mut p = HtmlPage::new(&title);
    let mut read = vec!["manifest.json"];
    if data.kind != BundleKind::Calibration {
        read.extend(["summary.csv", "contrasts.csv"]);
    }
    if data.calibration.is_some() {
        read.extend([
            "calibration.json",
            "calibration_candidates.csv",
            "sensitivity.csv",
        ]);
    }
    p.note(&format!(
        "Made from this bundle's files alone ({}), after checking every hashed file against \
         the manifest's SHA-256. Regenerate with `cargo xtask report DIR`.",
        read.join(", ")
    ));
    p.section("scenario", "Scenario")
        .table(&scenario_table(manifest, data));
    if let Some(resolved) = resolved_scenario(sc) {
        p.details("The resolved scenario (manifest.json)", &resolved);
    }
    if data.kind != BundleKind::Calibration {
        p.section("headline", "Headline metrics")
            .table(&headline_table(data));
        p.note(
            "Mean over repetitions with its Student-t 95% CI; n counts the runs where the \
             metric is defined. Against the reference, over the same repetitions (common random \
             numbers): the mean paired difference with its paired 95% CI, Cohen's dz (the mean \
             difference divided by the SD of the differences), the paired t test's p-value \
             Holm-adjusted over all metrics of that comparison, and the variance reduction of \
             pairing, Var(d) / (Var(a) + Var(b)). Every metric, and the unpaired Welch CI, are in \
             summary.csv and contrasts.csv; definitions in docs/metrics.md and \
             docs/statistics.md.",
        );
        p.section("forest", "Paired differences");
        if figures.iter().any(|f| f.section == "forest") {
            add_figures(&mut p, figures, "forest");
        } else {
            p.paragraph("Nothing to contrast: the pack has a single arm.");
        }
    }
    if let Some(c) = &data.calibration {
        p.section("calibration", "Calibration")
            .table(&selection_table(c));
        p.section("candidates", "Candidate regimes")
            .table(&candidates_table(c));
        p.section("landscape", "Calibration landscape");
        add_figures(&mut p, figures, "landscape");
        p.section("sensitivity", "Sensitivity of the selected regime");
        add_figures(&mut p, figures, "sensitivity");
    }
    p.section("files", "Files").table(&files_table(manifest));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_ids_are_file_safe_and_unique() {
        assert_eq!(slug("fba:100ms"), "fba_100ms");
        assert_eq!(
            slug("informed_count=5,latency_scale=0.5"),
            "informed_count_5_latency_scale_0_5"
        );
        let mut ids = Ids::default();
        assert_eq!(ids.take("a"), "a");
        assert_eq!(ids.take("a"), "a_2");
    }
}
