//! A line and step chart: lines through points, step functions held until their next change,
//! and scattered points, on one pair of numeric axes with a legend. The price path of a run is
//! one (mid, best bid and ask as steps, the fundamental, trades as points).

use crate::report::chart::{self, Colour, FONT, PlotError, e, m4, padded, render_svg};
use crate::report::format;
use plotters::prelude::*;

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesKind {
    /// Straight lines through the points of each segment.
    Line,
    /// A filled circle of this radius (pixels) at each point.
    Points(u32),
}

/// One named series. A series is a list of segments; a gap (e.g. a one-sided book has no mid)
/// separates two segments.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: Colour,
    pub kind: SeriesKind,
    /// Line width in pixels.
    pub width: u32,
    pub segments: Vec<Vec<(f64, f64)>>,
}

impl Series {
    /// A line through `points`.
    pub fn line(name: &str, colour: Colour, width: u32, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.to_owned(),
            colour,
            kind: SeriesKind::Line,
            width,
            segments: vec![points],
        }
    }

    /// Scattered points.
    pub fn points(name: &str, colour: Colour, radius: u32, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.to_owned(),
            colour,
            kind: SeriesKind::Points(radius),
            width: 1,
            segments: vec![points],
        }
    }

    /// A step function from its change points `(x, value from x on)`, held until `end_x`;
    /// `None` means undefined from x on (a gap). Changes must be in increasing x.
    pub fn step(
        name: &str,
        colour: Colour,
        width: u32,
        changes: impl IntoIterator<Item = (f64, Option<f64>)>,
        end_x: f64,
    ) -> Series {
        let changes = changes.into_iter();
        let mut segments = Vec::new();
        // Two points a change (the held value, then the new one): room for a gapless series.
        let mut current: Vec<(f64, f64)> = Vec::with_capacity(2 * changes.size_hint().0 + 1);
        let mut last: Option<f64> = None;
        for (x, v) in changes {
            if let Some(prev) = last {
                current.push((x, prev));
            }
            match v {
                Some(y) => current.push((x, y)),
                None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
                None => {}
            }
            last = v;
        }
        if let Some(prev) = last {
            current.push((end_x, prev));
        }
        if !current.is_empty() {
            segments.push(current);
        }
        Series {
            name: name.to_owned(),
            colour,
            kind: SeriesKind::Line,
            width,
            segments,
        }
    }

    fn is_empty(&self) -> bool {
        self.segments.iter().all(|s| s.is_empty())
    }
}

/// A chart of several series against numeric x and y axes.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub width: u32,
    pub height: u32,
    /// The x range shown; the data's range when `None`.
    pub x_range: Option<(f64, f64)>,
    /// Drawn in order: later series on top.
    pub series: Vec<Series>,
}

const X_AREA: u32 = 45;
/// Points are drawn translucent so that lines under them stay visible.
const POINT_OPACITY: f64 = 0.6;
const Y_AREA: u32 = 75;

impl LineChart {
    pub fn new(title: &str, x_label: &str, y_label: &str) -> LineChart {
        LineChart {
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            y_label: y_label.to_owned(),
            width: 1100,
            height: 520,
            x_range: None,
            series: Vec::new(),
        }
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in self.series.iter().flat_map(|s| s.segments.iter().flatten()) {
            x0 = x0.min(p.0);
            x1 = x1.max(p.0);
            y0 = y0.min(p.1);
            y1 = y1.max(p.1);
        }
        let x = self.x_range.unwrap_or_else(|| padded(x0, x1, 0.0));
        (x, padded(y0, y1, 0.05))
    }

    /// The chart as an SVG document. Lines are reduced to the plot's pixel columns and points
    /// to distinct pixels (those plotters draws them at) first, so the size of the file does not
    /// grow with the run's length.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        let ((x0, x1), (y0, y1)) = self.ranges();
        let (xd, yd) = (chart::tick_decimals(x0, x1), chart::tick_decimals(y0, y1));
        render_svg(&self.title, self.width, self.height, |root| {
            let mut c = ChartBuilder::on(root)
                .caption(&self.title, (FONT, 20))
                .margin(10)
                .x_label_area_size(X_AREA)
                .y_label_area_size(Y_AREA)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(e)?;
            // The plot's pixel columns, for reducing lines to what they can show.
            let (pixels_x, _) = c.plotting_area().get_pixel_range();
            let columns = pixels_x.len().max(1);
            c.configure_mesh()
                .light_line_style(Colour(240, 240, 240).rgb())
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_label_formatter(&|x| format::tick(*x, xd))
                .y_label_formatter(&|y| format::tick(*y, yd))
                .label_style((FONT, 13))
                .draw()
                .map_err(e)?;
            for s in self.series.iter().filter(|s| !s.is_empty()) {
                let colour = s.colour.rgb();
                match s.kind {
                    SeriesKind::Line => {
                        let style = colour.stroke_width(s.width);
                        for seg in &s.segments {
                            c.draw_series(LineSeries::new(
                                m4(seg, x0, x1, columns).iter().copied(),
                                style,
                            ))
                            .map_err(e)?;
                        }
                        c.draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
                            .map_err(e)?
                            .label(s.name.as_str())
                            .legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 20, y)], style)
                            });
                    }
                    SeriesKind::Points(r) => {
                        // The first point of each backend pixel: the circles plotters draws
                        // there would be identical.
                        let mut seen = std::collections::HashSet::new();
                        let pts: Vec<(f64, f64)> = s
                            .segments
                            .iter()
                            .flatten()
                            .filter(|p| seen.insert(c.backend_coord(p)))
                            .copied()
                            .collect();
                        let fill = colour.mix(POINT_OPACITY).filled();
                        c.draw_series(pts.into_iter().map(|p| Circle::new(p, r, fill)))
                            .map_err(e)?
                            .label(s.name.as_str())
                            .legend(move |(x, y)| {
                                Circle::new((x + 10, y), r.max(3), colour.filled())
                            });
                    }
                }
            }
            c.configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(Colour::LIGHT_GREY.rgb())
                .label_font((FONT, 13))
                .draw()
                .map_err(e)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_until_the_next_change_and_break_at_gaps() {
        let s = Series::step(
            "bid",
            Colour::BLUE,
            1,
            [
                (0.0, Some(10.0)),
                (1.0, Some(11.0)),
                (2.0, None),
                (3.0, Some(9.0)),
            ],
            4.0,
        );
        assert_eq!(
            s.segments,
            [
                vec![(0.0, 10.0), (1.0, 10.0), (1.0, 11.0), (2.0, 11.0)],
                vec![(3.0, 9.0), (4.0, 9.0)]
            ]
        );
    }

    #[test]
    fn draws_every_series_with_a_legend() {
        let mut chart = LineChart::new("price <path>", "time (s)", "price (ticks)");
        chart.series.push(Series::step(
            "best bid",
            Colour::BLUE,
            1,
            [(0.0, Some(99.0)), (5.0, Some(100.0))],
            10.0,
        ));
        chart.series.push(Series::line(
            "fundamental",
            Colour::GREEN,
            2,
            vec![(0.0, 100.0), (10.0, 101.0)],
        ));
        chart.series.push(Series::points(
            "trades",
            Colour::BLACK,
            2,
            vec![(3.0, 100.0), (3.0, 100.0)],
        ));
        let svg = chart.to_svg().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        for text in [
            "price &lt;path&gt;",
            "best bid",
            "fundamental",
            "trades",
            "time (s)",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
        assert_eq!(
            svg.matches("<circle").count(),
            1 + 1,
            "one trade pixel plus its legend mark"
        );
        assert_eq!(svg, chart.to_svg().unwrap(), "deterministic");
    }
}
