//! A heatmap: a grid of values (e.g. a metric over two calibration parameters) as coloured
//! cells with a colour bar. Sequential data use a viridis-like scale; data with both signs (a
//! difference) use a diverging blue–white–red scale centred on zero. Undefined cells are grey
//! and marked `n/a`. Values are written in the cells when the grid is small enough to read.

use crate::report::chart::{Colour, FONT, PlotError, e, render_svg};
use crate::report::format;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Column labels, left to right.
    pub x_ticks: Vec<String>,
    /// Row labels, bottom to top.
    pub y_ticks: Vec<String>,
    /// `values[row][column]`; `None` where undefined.
    pub values: Vec<Vec<Option<f64>>>,
    /// What the colour measures (the colour bar's label).
    pub value_label: String,
    /// Cells to mark: outlined in a colour, a suffix after the value (e.g. a violation).
    pub marks: Vec<Mark>,
}

/// A marked cell of a [`Heatmap`]: outlined in `colour`, `suffix` written after its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// Row (from the bottom) and column (from the left).
    pub row: usize,
    pub column: usize,
    pub colour: Colour,
    pub suffix: String,
}

/// A colour scale over `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColourScale {
    Sequential {
        lo: f64,
        hi: f64,
    },
    /// Symmetric around zero: `[-m, m]`.
    Diverging {
        m: f64,
    },
}

const VIRIDIS: [Colour; 5] = [
    Colour(68, 1, 84),
    Colour(59, 82, 139),
    Colour(33, 145, 140),
    Colour(94, 201, 98),
    Colour(253, 231, 37),
];
const DIVERGING: [Colour; 3] = [
    Colour(33, 102, 172),
    Colour(247, 247, 247),
    Colour(178, 24, 43),
];

fn interpolate(stops: &[Colour], t: f64) -> Colour {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    Colour(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl ColourScale {
    /// Diverging when the finite values have both signs, sequential otherwise.
    pub fn for_values(values: impl IntoIterator<Item = f64>) -> ColourScale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            return ColourScale::Sequential { lo: 0.0, hi: 1.0 };
        }
        if lo < 0.0 && hi > 0.0 {
            ColourScale::Diverging {
                m: lo.abs().max(hi),
            }
        } else {
            ColourScale::Sequential { lo, hi }
        }
    }

    pub fn range(self) -> (f64, f64) {
        match self {
            ColourScale::Sequential { lo, hi } => (lo, hi),
            ColourScale::Diverging { m } => (-m, m),
        }
    }

    pub fn colour(self, v: f64) -> Colour {
        let (lo, hi) = self.range();
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        match self {
            ColourScale::Sequential { .. } => interpolate(&VIRIDIS, t),
            ColourScale::Diverging { .. } => interpolate(&DIVERGING, t),
        }
    }
}

const CELL_TEXT_LIMIT: usize = 400;
const BAR_PX: i32 = 20;

impl Heatmap {
    fn scale(&self) -> ColourScale {
        ColourScale::for_values(self.values.iter().flatten().flatten().copied())
    }

    /// The figure as an SVG document.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        let ny = self.values.len();
        let nx = self.values.iter().map(Vec::len).max().unwrap_or(0);
        if ny != self.y_ticks.len() || nx != self.x_ticks.len() {
            return Err(PlotError {
                chart: self.title.clone(),
                why: format!(
                    "{ny}×{nx} values for {} row and {} column labels",
                    self.y_ticks.len(),
                    self.x_ticks.len()
                ),
            });
        }
        let scale = self.scale();
        let label_px = self
            .y_ticks
            .iter()
            .map(|t| t.chars().count() as u32 * 7 + 30)
            .max()
            .unwrap_or(40)
            .clamp(60, 300);
        let (width, height) = (
            // Wide enough for the title (about 11 px a character at 20 px).
            (label_px + 200 + 60 * nx.max(1) as u32)
                .max(self.title.chars().count() as u32 * 11 + 40)
                .clamp(420, 1200),
            (150 + 40 * ny.max(1) as u32).clamp(260, 1000),
        );
        let write_values = nx * ny <= CELL_TEXT_LIMIT;
        render_svg(&self.title, width, height, |root| {
            let mut c = ChartBuilder::on(root)
                .caption(&self.title, (FONT, 20))
                .margin(10)
                .margin_right(130)
                .x_label_area_size(55)
                .y_label_area_size(label_px)
                .build_cartesian_2d(0.0..nx.max(1) as f64, 0.0..ny.max(1) as f64)
                .map_err(e)?;
            c.configure_mesh()
                .disable_mesh()
                .x_labels(0)
                .y_labels(0)
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .label_style((FONT, 13))
                .draw()
                .map_err(e)?;
            let text = |h: HPos, v: VPos, colour: &'static RGBColor| {
                (FONT, 12)
                    .into_text_style(root)
                    .pos(Pos::new(h, v))
                    .color(colour)
            };
            for (j, row) in self.values.iter().enumerate() {
                for (i, v) in row.iter().enumerate() {
                    let (x, y) = (i as f64, j as f64);
                    let fill = v.map_or(Colour::LIGHT_GREY, |v| scale.colour(v));
                    c.draw_series([Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        fill.rgb().filled(),
                    )])
                    .map_err(e)?;
                    let mark = self.marks.iter().find(|m| m.row == j && m.column == i);
                    if let Some(m) = mark {
                        c.draw_series([Rectangle::new(
                            [(x + 0.04, y + 0.04), (x + 0.96, y + 0.96)],
                            m.colour.rgb().stroke_width(3),
                        )])
                        .map_err(e)?;
                    }
                    if write_values {
                        let luminance =
                            0.299 * fill.0 as f64 + 0.587 * fill.1 as f64 + 0.114 * fill.2 as f64;
                        let ink = if luminance < 128.0 { &WHITE } else { &BLACK };
                        let mut label = v.map_or("n/a".to_owned(), format::number);
                        if let Some(m) = mark {
                            label.push_str(&m.suffix);
                        }
                        let at = c.backend_coord(&(x + 0.5, y + 0.5));
                        root.draw(&Text::new(label, at, text(HPos::Center, VPos::Center, ink)))
                            .map_err(e)?;
                    }
                }
            }
            for (i, t) in self.x_ticks.iter().enumerate() {
                let (px, py) = c.backend_coord(&(i as f64 + 0.5, 0.0));
                root.draw(&Text::new(
                    t.clone(),
                    (px, py + 6),
                    text(HPos::Center, VPos::Top, &BLACK),
                ))
                .map_err(e)?;
            }
            for (j, t) in self.y_ticks.iter().enumerate() {
                let (px, py) = c.backend_coord(&(0.0, j as f64 + 0.5));
                root.draw(&Text::new(
                    t.clone(),
                    (px - 6, py),
                    text(HPos::Right, VPos::Center, &BLACK),
                ))
                .map_err(e)?;
            }
            // The colour bar, right of the grid, from the scale's low (bottom) to high (top).
            let (right, top) = c.backend_coord(&(nx.max(1) as f64, ny.max(1) as f64));
            let (_, bottom) = c.backend_coord(&(0.0, 0.0));
            let x = right + 25;
            let steps = 40;
            let (lo, hi) = scale.range();
            for k in 0..steps {
                let y_hi = bottom - (bottom - top) * (k + 1) / steps;
                let y_lo = bottom - (bottom - top) * k / steps;
                let v = lo + (hi - lo) * (k as f64 + 0.5) / steps as f64;
                root.draw(&Rectangle::new(
                    [(x, y_hi), (x + BAR_PX, y_lo)],
                    scale.colour(v).rgb().filled(),
                ))
                .map_err(e)?;
            }
            for (v, y) in [
                (hi, top),
                ((lo + hi) / 2.0, (top + bottom) / 2),
                (lo, bottom),
            ] {
                root.draw(&Text::new(
                    format::number(v),
                    (x + BAR_PX + 5, y),
                    text(HPos::Left, VPos::Center, &BLACK),
                ))
                .map_err(e)?;
            }
            root.draw(&Text::new(
                self.value_label.clone(),
                (x, top - 12),
                text(HPos::Left, VPos::Bottom, &BLACK),
            ))
            .map_err(e)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Heatmap {
        Heatmap {
            title: "spread over the grid".into(),
            x_label: "market makers".into(),
            y_label: "noise rate (1/s)".into(),
            x_ticks: vec!["1".into(), "2".into(), "4".into()],
            y_ticks: vec!["0.5".into(), "1".into()],
            values: vec![
                vec![Some(1.0), Some(2.0), None],
                vec![Some(3.0), Some(4.5), Some(6.0)],
            ],
            value_label: "ticks".into(),
            marks: vec![Mark {
                row: 1,
                column: 2,
                colour: Colour::RED,
                suffix: " ✗".into(),
            }],
        }
    }

    #[test]
    fn scales_pick_diverging_for_signed_data() {
        assert_eq!(
            ColourScale::for_values([-1.0, 3.0]),
            ColourScale::Diverging { m: 3.0 }
        );
        let s = ColourScale::for_values([1.0, 3.0]);
        assert_eq!(s, ColourScale::Sequential { lo: 1.0, hi: 3.0 });
        assert_eq!(s.colour(1.0), VIRIDIS[0]);
        assert_eq!(s.colour(3.0), VIRIDIS[4]);
        assert_eq!(ColourScale::Diverging { m: 2.0 }.colour(0.0), DIVERGING[1]);
    }

    #[test]
    fn draws_every_cell_label_and_the_colour_bar() {
        let h = grid();
        let svg = h.to_svg().unwrap();
        for text in [
            "market makers",
            "noise rate (1/s)",
            "4.5000",
            "n/a",
            "ticks",
            "0.5",
            "6 ✗",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
        assert!(
            svg.matches("<rect").count() >= 6 + 40,
            "cells and colour bar"
        );
        assert_eq!(svg, h.to_svg().unwrap(), "deterministic");
    }

    #[test]
    fn refuses_labels_that_do_not_fit_the_grid() {
        let mut h = grid();
        h.x_ticks.pop();
        assert!(h.to_svg().unwrap_err().why.contains("2×3 values"));
    }
}
