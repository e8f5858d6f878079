//! A forest plot: one row per comparison, its point estimate as a dot, its confidence interval
//! as a whisker, and a vertical line at zero (no difference). Rows whose interval excludes zero
//! are drawn in colour, the others in grey; the estimate and interval are also written as text
//! at the right, so the figure can be read without the table.

use crate::report::chart::{Colour, FONT, PlotError, e, padded, render_svg, tick_decimals};
use crate::report::format;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One row: a label, a point estimate and (if defined) its confidence interval.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestRow {
    pub label: String,
    pub estimate: f64,
    /// `(low, high)`; `None` when the interval is undefined (e.g. a single pair).
    pub interval: Option<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForestPlot {
    pub title: String,
    /// What the x axis measures, e.g. `FBA − CLOB, effective spread (ticks)`.
    pub x_label: String,
    pub rows: Vec<ForestRow>,
    pub width: u32,
}

const ROW_PX: u32 = 34;
const RIGHT_PX: u32 = 190;

impl ForestPlot {
    pub fn new(title: &str, x_label: &str, rows: Vec<ForestRow>) -> ForestPlot {
        ForestPlot {
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            rows,
            width: 900,
        }
    }

    /// The figure as an SVG document.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        let n = self.rows.len();
        let height = 120 + ROW_PX * n.max(1) as u32;
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for r in &self.rows {
            let (a, b) = r.interval.unwrap_or((r.estimate, r.estimate));
            for v in [r.estimate, a, b].into_iter().filter(|v| v.is_finite()) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        let (x0, x1) = padded(lo, hi, 0.08);
        let xd = tick_decimals(x0, x1);
        let label_px = self
            .rows
            .iter()
            .map(|r| r.label.chars().count() as u32 * 7 + 20)
            .max()
            .unwrap_or(40)
            .clamp(60, 360);
        let y_top = n.max(1) as f64 - 0.5;
        render_svg(&self.title, self.width, height, |root| {
            let mut c = ChartBuilder::on(root)
                .caption(&self.title, (FONT, 20))
                .margin(10)
                .margin_right(RIGHT_PX)
                .x_label_area_size(45)
                .y_label_area_size(label_px)
                .build_cartesian_2d(x0..x1, -0.5..y_top)
                .map_err(e)?;
            c.configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .light_line_style(Colour(240, 240, 240).rgb())
                .x_desc(self.x_label.as_str())
                .x_label_formatter(&|x| format::tick(*x, xd))
                .label_style((FONT, 13))
                .draw()
                .map_err(e)?;
            c.draw_series(LineSeries::new(
                vec![(0.0, -0.5), (0.0, y_top)],
                Colour::BLACK.rgb().stroke_width(1),
            ))
            .map_err(e)?;
            let text = |anchor: HPos| {
                (FONT, 13)
                    .into_text_style(root)
                    .pos(Pos::new(anchor, VPos::Center))
            };
            for (i, r) in self.rows.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                let excludes_zero = r.interval.is_some_and(|(a, b)| a > 0.0 || b < 0.0);
                let colour = if excludes_zero {
                    Colour::BLUE
                } else {
                    Colour::GREY
                }
                .rgb();
                if let Some((a, b)) = r.interval {
                    let style = colour.stroke_width(2);
                    c.draw_series([
                        PathElement::new(vec![(a, y), (b, y)], style),
                        PathElement::new(vec![(a, y - 0.15), (a, y + 0.15)], style),
                        PathElement::new(vec![(b, y - 0.15), (b, y + 0.15)], style),
                    ])
                    .map_err(e)?;
                }
                c.draw_series([Circle::new((r.estimate, y), 5, colour.filled())])
                    .map_err(e)?;
                let (left, py) = c.backend_coord(&(x0, y));
                let (right, _) = c.backend_coord(&(x1, y));
                root.draw(&Text::new(
                    r.label.clone(),
                    (left - 8, py),
                    text(HPos::Right),
                ))
                .map_err(e)?;
                let summary = match r.interval {
                    Some((a, b)) => format!(
                        "{} [{}, {}]",
                        format::number(r.estimate),
                        format::number(a),
                        format::number(b)
                    ),
                    None => format!("{} [no interval]", format::number(r.estimate)),
                };
                root.draw(&Text::new(summary, (right + 10, py), text(HPos::Left)))
                    .map_err(e)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_labels_whiskers_and_a_zero_line() {
        let plot = ForestPlot::new(
            "FBA − CLOB",
            "difference (ticks)",
            vec![
                ForestRow {
                    label: "effective spread".into(),
                    estimate: -1.5,
                    interval: Some((-2.0, -1.0)),
                },
                ForestRow {
                    label: "price impact 1s".into(),
                    estimate: 0.25,
                    interval: Some((-0.5, 1.0)),
                },
                ForestRow {
                    label: "volume".into(),
                    estimate: 3.0,
                    interval: None,
                },
            ],
        );
        let svg = plot.to_svg().unwrap();
        for text in [
            "effective spread",
            "price impact 1s",
            "volume",
            "-1.5000 [-2, -1]",
            "3 [no interval]",
            "difference (ticks)",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
        assert_eq!(svg.matches("<circle").count(), 3, "one dot per row");
        // One colour per verdict: the first row's interval excludes zero, the others do not.
        assert!(svg.contains(&Colour::BLUE.hex().to_uppercase()));
        assert!(svg.contains(&Colour::GREY.hex().to_uppercase()));
        assert_eq!(svg, plot.to_svg().unwrap(), "deterministic");
    }
}
