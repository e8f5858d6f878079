//! What every chart shares: colours, the SVG canvas, padded axis ranges and the error type.
//!
//! Charts are drawn with plotters' SVG backend only (no bitmap or font backends, so no system
//! libraries): text is written into the SVG as `<text>` elements and the browser lays it out.
//! Coordinates are integer pixels, so the same chart always gives the same bytes.

use plotters::prelude::*;
use std::borrow::Cow;
use thiserror::Error;

/// A chart could not be drawn.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("drawing {chart}: {why}")]
pub struct PlotError {
    pub chart: String,
    pub why: String,
}

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    pub const BLACK: Colour = Colour(0, 0, 0);
    pub const GREY: Colour = Colour(110, 110, 110);
    pub const LIGHT_GREY: Colour = Colour(215, 215, 215);
    pub const BLUE: Colour = Colour(31, 119, 180);
    pub const RED: Colour = Colour(214, 39, 40);
    pub const GREEN: Colour = Colour(44, 160, 44);
    pub const ORANGE: Colour = Colour(255, 127, 14);
    pub const PURPLE: Colour = Colour(148, 103, 189);

    pub(crate) fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Font family of every chart's text (resolved by the browser).
pub(crate) const FONT: &str = "sans-serif";

/// Draws on a `width` × `height` SVG canvas and returns the document.
pub(crate) fn render_svg(
    chart: &str,
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<String, PlotError> {
    let err = |why: String| PlotError {
        chart: chart.to_owned(),
        why,
    };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(buf)
}

/// Stringifies a plotters error (for `?` inside a `render_svg` closure).
pub(crate) fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// `[lo, hi]` widened by `pad` of its length on each side; a point range becomes ±1 (or ±1%).
pub(crate) fn padded(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo <= 0.0 {
        let d = (lo.abs() * 0.01).max(1.0);
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// Decimals that tell apart ticks about `(hi − lo)/8` apart.
pub(crate) fn tick_decimals(lo: f64, hi: f64) -> usize {
    let step = (hi - lo).abs() / 8.0;
    if step >= 1.0 || step <= 0.0 || !step.is_finite() {
        0
    } else {
        (-step.log10()).ceil().clamp(0.0, 6.0) as usize
    }
}

/// Reduces a polyline to what `buckets` pixel columns can show (the M4 rule): in each column
/// of `[x0, x1]`, the first, lowest, highest and last point, in their original order. Drawn at
/// that resolution the result is indistinguishable from the full line. A line short enough to
/// keep whole is borrowed, not copied.
pub(crate) fn m4(points: &[(f64, f64)], x0: f64, x1: f64, buckets: usize) -> Cow<'_, [(f64, f64)]> {
    if points.len() <= 4 * buckets || buckets == 0 || x1 <= x0 {
        return Cow::Borrowed(points);
    }
    let width = (x1 - x0) / buckets as f64;
    let column = |x: f64| (((x - x0) / width).floor().max(0.0) as usize).min(buckets - 1);
    let mut out = Vec::with_capacity(4 * buckets);
    let mut start = 0;
    while start < points.len() {
        let col = column(points[start].0);
        let mut end = start + 1;
        while end < points.len() && column(points[end].0) == col {
            end += 1;
        }
        let run = &points[start..end];
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in run.iter().enumerate() {
            if p.1 < run[lo].1 {
                lo = i;
            }
            if p.1 > run[hi].1 {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, run.len() - 1];
        keep.sort_unstable();
        let mut previous = None;
        for i in keep {
            if previous != Some(i) {
                out.push(run[i]);
                previous = Some(i);
            }
        }
        start = end;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m4_keeps_first_extremes_and_last_per_column() {
        let pts: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64 / 100.0, (i % 7) as f64))
            .collect();
        let out = m4(&pts, 0.0, 1.0, 2);
        assert!(matches!(out, Cow::Owned(_)), "a long line is reduced");
        assert_eq!(
            *out,
            [
                (0.0, 0.0),
                (0.06, 6.0),
                (0.49, 0.0),
                (0.5, 1.0),
                (0.55, 6.0),
                (0.56, 0.0),
                (0.99, 1.0)
            ]
        );
        assert!(matches!(m4(&pts[..5], 0.0, 1.0, 2), Cow::Borrowed(_)));
        assert_eq!(
            *m4(&pts[..5], 0.0, 1.0, 2),
            pts[..5],
            "short lines stay whole"
        );
    }

    #[test]
    fn ranges_are_padded() {
        assert_eq!(padded(0.0, 10.0, 0.1), (-1.0, 11.0));
        assert_eq!(padded(5.0, 5.0, 0.1), (4.0, 6.0));
        assert_eq!(tick_decimals(0.0, 100.0), 0);
        assert_eq!(tick_decimals(0.0, 0.8), 1);
    }
}
