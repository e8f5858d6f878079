//! The realism report (`cargo xtask realism`, `docs/realism.md`): the verdict of each stylized
//! fact, every statistic against its published range, and four figures: the distribution of
//! standardized returns against the normal on a log scale, the autocorrelation of returns with
//! the white-noise band, and the autocorrelations of |r| and of trade signs on log–log axes with
//! their fitted power laws and the published exponents. Made from `realism.json` and
//! `manifest.json` alone, after checking every hashed file against the manifest.

use crate::report::bundle::{check_all, read_checked, read_manifest};
use crate::report::chart::{Colour, FONT, PlotError, e, render_svg};
use crate::report::run_report::resolved_scenario;
use crate::report::{
    Cell, HtmlPage, LineChart, ReportError, ReportFiles, Series, SeriesKind, Table, format,
};
use crate::schema::realism::{
    Curve, FactRow, FactVerdict, Plots, PowerLawLine, RealismReport, Verdict,
};
use crate::schema::{AnyManifest, BundleKind, RealismManifest};
use crate::stats::Estimate;
use plotters::prelude::*;
use std::path::Path;

/// The report's files, figures first, the page last.
pub const REALISM_REPORT_FILES: [&str; 5] = [
    "return_distribution.svg",
    "acf_returns.svg",
    "acf_abs_returns.svg",
    "acf_trade_signs.svg",
    "report.html",
];

fn malformed(dir: &Path, why: impl Into<String>) -> ReportError {
    ReportError::Malformed {
        path: dir.join("realism.json"),
        why: why.into(),
    }
}

/// A curve's values at its lags, as floats (`None`: missing at that lag).
fn values(v: &[Estimate]) -> Vec<Option<f64>> {
    v.iter().map(|e| e.value()).collect()
}

fn lags(curve: &Curve) -> Vec<Option<f64>> {
    curve.lags.iter().map(|&l| Some(l as f64)).collect()
}

/// A number for a log-axis label: up to three significant digits, no exponent.
fn log_label(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return String::new();
    }
    let decimals = if v >= 1.0 {
        0
    } else {
        ((-v.log10()).floor() as usize + 1).min(8)
    };
    format::tick(v, decimals)
}

/// One series of a log-scaled chart.
enum Mark {
    Points {
        name: String,
        colour: Colour,
        points: Vec<(f64, f64)>,
    },
    Line {
        name: String,
        colour: Colour,
        width: u32,
        points: Vec<(f64, f64)>,
    },
}

struct LogChart {
    title: String,
    x_label: String,
    y_label: String,
    x_log: bool,
    legend: SeriesLabelPosition,
    x: (f64, f64),
    y: (f64, f64),
    marks: Vec<Mark>,
}

impl LogChart {
    fn to_svg(&self) -> Result<String, PlotError> {
        let (x0, x1) = self.x;
        let (y0, y1) = self.y;
        render_svg(&self.title, 900, 520, |root| {
            let builder = |root| {
                let mut b = ChartBuilder::on(root);
                b.caption(&self.title, (FONT, 20))
                    .margin(10)
                    .x_label_area_size(45)
                    .y_label_area_size(75);
                b
            };
            macro_rules! draw {
                ($chart:expr, $xfmt:expr) => {{
                    let mut c = $chart;
                    c.configure_mesh()
                        .light_line_style(Colour(240, 240, 240).rgb())
                        .x_desc(self.x_label.as_str())
                        .y_desc(self.y_label.as_str())
                        .x_label_formatter($xfmt)
                        .y_label_formatter(&|y: &f64| log_label(*y))
                        .label_style((FONT, 13))
                        .draw()
                        .map_err(e)?;
                    let inside = |p: &&(f64, f64)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
                    for m in &self.marks {
                        match m {
                            Mark::Points {
                                name,
                                colour,
                                points,
                            } => {
                                let fill = colour.rgb().filled();
                                let legend = colour.rgb().filled();
                                c.draw_series(
                                    points
                                        .iter()
                                        .filter(inside)
                                        .map(|p| Circle::new(*p, 3, fill)),
                                )
                                .map_err(e)?
                                .label(name.as_str())
                                .legend(move |(x, y)| Circle::new((x + 10, y), 3, legend));
                            }
                            Mark::Line {
                                name,
                                colour,
                                width,
                                points,
                            } => {
                                let style = colour.rgb().stroke_width(*width);
                                let kept: Vec<(f64, f64)> =
                                    points.iter().filter(inside).copied().collect();
                                c.draw_series(LineSeries::new(kept, style))
                                    .map_err(e)?
                                    .label(name.as_str())
                                    .legend(move |(x, y)| {
                                        PathElement::new(vec![(x, y), (x + 20, y)], style)
                                    });
                            }
                        }
                    }
                    c.configure_series_labels()
                        .position(self.legend.clone())
                        .background_style(WHITE.mix(0.85))
                        .border_style(Colour::LIGHT_GREY.rgb())
                        .label_font((FONT, 13))
                        .draw()
                        .map_err(e)?;
                }};
            }
            if self.x_log {
                let chart = builder(root)
                    .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                    .map_err(e)?;
                draw!(chart, &|x: &f64| log_label(*x));
            } else {
                let chart = builder(root)
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(e)?;
                draw!(chart, &|x: &f64| format::tick(*x, 0));
            }
            Ok(())
        })
    }
}

fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn return_distribution(plots: &Plots) -> Result<String, PlotError> {
    let h = &plots.return_histogram;
    let w = h.bin_width_sd;
    let total = h.total as f64;
    let centers: Vec<Option<f64>> = h.centers_sd.iter().map(|&c| Some(c)).collect();
    let counts: Vec<Option<f64>> = h.counts.iter().map(|&n| Some(n as f64)).collect();
    let mut points = Vec::new();
    for (c, n) in centers.iter().zip(&counts) {
        if let (Some(c), Some(n)) = (c, n)
            && *n > 0.0
            && total > 0.0
        {
            points.push((*c, n / (total * w)));
        }
    }
    let x_max = centers.iter().flatten().fold(1.0f64, |m, c| m.max(c.abs())) + w;
    let y_min = points
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .min(1e-4)
        / 2.0;
    let y_max = points.iter().map(|p| p.1).fold(normal_pdf(0.0), f64::max) * 2.0;
    let normal: Vec<(f64, f64)> = (0..=400)
        .map(|i| -x_max + 2.0 * x_max * i as f64 / 400.0)
        .map(|x| (x, normal_pdf(x)))
        .filter(|p| p.1 >= y_min)
        .collect();
    LogChart {
        title: "Distribution of standardized 1-interval returns (all runs pooled)".into(),
        x_label: "return / its run's standard deviation".into(),
        y_label: "density (log scale)".into(),
        x_log: false,
        legend: SeriesLabelPosition::UpperRight,
        x: (-x_max, x_max),
        y: (y_min, y_max),
        marks: vec![
            Mark::Line {
                name: "standard normal".into(),
                colour: Colour::GREY,
                width: 2,
                points: normal,
            },
            Mark::Points {
                name: "simulated".into(),
                colour: Colour::BLUE,
                points,
            },
        ],
    }
    .to_svg()
}

/// A log–log chart of a mean autocorrelation with its fitted power law and lines of the
/// published exponents, all through the fit's value at lag 1.
fn acf_loglog(
    title: &str,
    x_label: &str,
    curve: &Curve,
    fit: &PowerLawLine,
    symbol: &str,
) -> Result<String, PlotError> {
    let lags = lags(curve);
    let mean = values(&curve.mean);
    let points: Vec<(f64, f64)> = lags
        .iter()
        .zip(&mean)
        .filter_map(|(l, m)| match (l, m) {
            (Some(l), Some(m)) if *m > 0.0 => Some((*l, *m)),
            _ => None,
        })
        .collect();
    let x_max = lags.iter().flatten().fold(2.0f64, |a, b| a.max(*b));
    let mut marks = vec![Mark::Points {
        name: "mean over runs (positive values)".into(),
        colour: Colour::BLUE,
        points: points.clone(),
    }];
    let fit_max = fit
        .fit_lags
        .iter()
        .map(|&l| l as f64)
        .fold(1.0f64, f64::max);
    let line = |exponent: f64, a: f64, to: f64| -> Vec<(f64, f64)> {
        (0..=50)
            .map(|i| (to.ln() * i as f64 / 50.0).exp())
            .map(|x| (x, (a - exponent * x.ln()).exp()))
            .collect()
    };
    let (mut y_lo, mut y_hi) = points.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    if let (Some(exp), Some(a)) = (fit.exponent.value(), fit.log_intercept.value()) {
        let runs = fit.runs_with_fit;
        marks.push(Mark::Line {
            name: format!(
                "fitted {symbol} = {} (mean of {runs} runs' fits, lags 1–{fit_max})",
                format::number(exp)
            ),
            colour: Colour::RED,
            width: 2,
            points: line(exp, a, fit_max),
        });
        for (p, colour) in [
            (fit.published_low, Colour::GREEN),
            (fit.published_high, Colour::ORANGE),
        ] {
            marks.push(Mark::Line {
                name: format!("published {symbol} = {p}"),
                colour,
                width: 1,
                points: line(p, a, x_max),
            });
        }
        y_lo = y_lo.min((a - 0.6 * x_max.ln()).exp());
        y_hi = y_hi.max(a.exp());
    }
    if !y_lo.is_finite() || y_hi <= 0.0 {
        (y_lo, y_hi) = (1e-3, 1.0);
    }
    LogChart {
        title: title.to_owned(),
        x_label: x_label.to_owned(),
        y_label: "autocorrelation (log scale)".into(),
        x_log: true,
        legend: SeriesLabelPosition::LowerLeft,
        x: (1.0, x_max),
        y: ((y_lo / 1.5).max(1e-6), (y_hi * 1.5).max(y_lo * 2.0)),
        marks,
    }
    .to_svg()
}

fn acf_returns(plots: &Plots) -> Result<String, PlotError> {
    let c = &plots.acf_returns;
    let pts = |v: &[Estimate]| -> Vec<(f64, f64)> {
        lags(c)
            .into_iter()
            .zip(values(v))
            .filter_map(|(l, m)| Some((l?, m?)))
            .collect()
    };
    let band = plots.white_noise_band;
    let lags = lags(c);
    let x_max = lags.iter().flatten().fold(1.0f64, |a, b| a.max(*b));
    let mut chart = LineChart::new(
        "Autocorrelation of returns: mean over runs with its 95% CI",
        "lag (grid intervals)",
        "autocorrelation",
    );
    chart.width = 900;
    chart.x_range = Some((0.5, x_max + 0.5));
    let (x0, x1) = (0.5, x_max + 0.5);
    chart.series.push(Series {
        name: "white-noise band ±1.96/√n (one run)".into(),
        colour: Colour::GREY,
        kind: SeriesKind::Line,
        width: 1,
        segments: vec![vec![(x0, band), (x1, band)], vec![(x0, -band), (x1, -band)]],
    });
    chart.series.push(Series::line(
        "0",
        Colour::LIGHT_GREY,
        1,
        vec![(x0, 0.0), (x1, 0.0)],
    ));
    chart.series.push(Series {
        name: "95% CI over repetitions".into(),
        colour: Colour::ORANGE,
        kind: SeriesKind::Line,
        width: 2,
        segments: pts(&c.ci95_low)
            .into_iter()
            .zip(pts(&c.ci95_high))
            .map(|(lo, hi)| vec![lo, (lo.0, hi.1)])
            .collect(),
    });
    chart.series.push(Series::points(
        "mean over runs",
        Colour::BLUE,
        4,
        pts(&c.mean),
    ));
    chart.to_svg()
}

fn estimate_cell(e: Estimate) -> Cell {
    match e {
        Estimate::Value(x) => Cell::Number(x),
        Estimate::Missing { reason } => Cell::Missing(reason.as_str().to_owned()),
    }
}

fn count_cell(n: usize) -> Cell {
    Cell::Number(n as f64)
}

fn verdict_cell(v: Verdict) -> Cell {
    Cell::text(v.as_str().to_uppercase())
}

/// Builds the realism report of the bundle in `dir` from its files alone.
pub fn build_realism_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    let manifest: AnyManifest = read_manifest(dir)?;
    if manifest.kind != BundleKind::Realism {
        return Err(ReportError::Malformed {
            path: dir.join("manifest.json"),
            why: format!("`kind` is \"{}\", expected \"realism\"", manifest.kind),
        });
    }
    let manifest: RealismManifest = read_manifest(dir)?;
    check_all(dir, &manifest)?;
    let bytes = read_checked(dir, &manifest, "realism.json")?;
    let data: RealismReport =
        serde_json::from_slice(&bytes).map_err(|err| malformed(dir, err.to_string()))?;
    let rows: &[FactRow] = &data.rows;
    let facts: &[FactVerdict] = &data.facts;
    let plots = &data.plots;
    let interval = data.settings.interval_s;

    let figures = [
        (
            REALISM_REPORT_FILES[0],
            return_distribution(plots)?,
            "Each run's returns divided by that run's standard deviation, pooled over runs, \
             as a density on a log scale, against the standard normal density. Heavy tails \
             show as points far above the normal curve.",
        ),
        (
            REALISM_REPORT_FILES[1],
            acf_returns(plots)?,
            "Mean autocorrelation of the returns over runs, with the Student-t 95% CI over \
             repetitions, and the 95% band of white noise for one run's sample (±1.96/√n).",
        ),
        (
            REALISM_REPORT_FILES[2],
            acf_loglog(
                "Autocorrelation of |r| (volatility clustering, slow decay)",
                "lag (grid intervals, log scale)",
                &plots.acf_abs_returns,
                &plots.abs_fit,
                "β",
            )?,
            "Mean ACF of |r| over runs on log–log axes (lags with a positive mean only), the \
             power law fitted run by run (mean exponent and intercept), and the published \
             exponents 0.2 and 0.4 (Cont 2001) through the fit's value at lag 1.",
        ),
        (
            REALISM_REPORT_FILES[3],
            acf_loglog(
                "Autocorrelation of trade signs (long memory of order flow)",
                "lag (taker orders, log scale)",
                &plots.acf_signs,
                &plots.sign_fit,
                "γ",
            )?,
            "Mean ACF of taker-order signs over runs on log–log axes (positive means only), \
             the power law fitted run by run, and the published exponents 0.5 and 0.6 (Lillo \
             and Farmer 2004) through the fit's value at lag 1.",
        ),
    ];

    let title = format!(
        "Stylized facts: scenario {}, {} repetitions",
        data.scenario_id, data.repetitions
    );
    let mut p = HtmlPage::new(&title);
    p.note(&format!(
        "Made from this bundle's files alone (manifest.json, realism.json), after checking \
         every hashed file against the manifest's SHA-256. Returns are log mid-quote returns \
         on a {interval} s clock-time grid; every statistic is computed run by run and \
         summarised by its mean over repetitions with a Student-t 95% CI. Definitions, rules \
         and sources: docs/realism.md. Regenerate with `cargo xtask report DIR`."
    ));
    p.section("facts", "Verdicts by fact");
    let mut t = Table::new(
        "facts",
        &["fact", "verdict", "pass", "fail", "inconclusive", "info"],
    );
    for f in facts {
        t.push(vec![
            Cell::text(f.fact.clone()),
            verdict_cell(f.verdict),
            count_cell(f.pass),
            count_cell(f.fail),
            count_cell(f.inconclusive),
            count_cell(f.info),
        ]);
    }
    p.table(&t);
    p.note(
        "A fact fails if any of its judged statistics fails, passes if all of them pass, and \
         is inconclusive otherwise. Gain/loss asymmetry and the leverage effect are judged \
         against modern US data, where they are absent (Ratliff-Crain et al. 2023): they pass \
         when the CI includes 0.",
    );
    p.section("statistics", "Statistics");
    let mut t = Table::new(
        "statistics",
        &[
            "fact",
            "statistic",
            "mean",
            "95% CI low",
            "95% CI high",
            "n",
            "published",
            "source",
            "verdict",
            "why",
        ],
    );
    for r in rows {
        t.push(vec![
            Cell::text(r.def.fact.clone()),
            Cell::text(format!("{}: {}", r.def.statistic, r.def.description)),
            estimate_cell(r.mean),
            estimate_cell(r.ci95_low),
            estimate_cell(r.ci95_high),
            count_cell(r.n),
            Cell::text(r.def.published.clone()),
            Cell::text(r.def.source.clone()),
            verdict_cell(r.verdict),
            Cell::text(format!("{} ({})", r.verdict_reason, r.rule_text)),
        ]);
    }
    p.table(&t);
    p.section("figures", "Figures");
    for (name, svg, caption) in &figures {
        p.figure(name.trim_end_matches(".svg"), svg, caption);
    }
    p.section("settings", "Settings");
    // Through a JSON value, so the keys are sorted as they were when this page read the file
    // untyped.
    if let Ok(s) =
        serde_json::to_value(&data.settings).and_then(|v| serde_json::to_string_pretty(&v))
    {
        p.details("The measurement's settings (realism.json)", &s);
    }
    if let Some(s) = resolved_scenario(&manifest.body.scenario) {
        p.details("The resolved scenario (manifest.json)", &s);
    }
    let mut files: Vec<(String, Vec<u8>)> = figures
        .into_iter()
        .map(|(name, svg, _)| (name.to_owned(), svg.into_bytes()))
        .collect();
    files.push((REALISM_REPORT_FILES[4].to_owned(), p.finish().into_bytes()));
    Ok(ReportFiles { files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_labels_are_short() {
        assert_eq!(log_label(100.0), "100");
        assert_eq!(log_label(0.05), "0.05");
        assert_eq!(log_label(0.001), "0.001");
        assert_eq!(log_label(0.0), "");
    }
}
