//! Tables for a terminal or a Markdown file (the HTML report's tables are [`super::Table`]):
//! one header, rows of text cells, and two renderings: columns padded to their widest cell
//! ([`TextTable::aligned`], what `cargo xtask` commands print) and a Markdown pipe table
//! ([`TextTable::markdown`], `cargo xtask validate` and `docs/validation.md`).

/// How a column's cells line up in [`TextTable::aligned`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table of text cells under a header.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextTable {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// A table with these columns: name and alignment.
    pub fn new(columns: &[(&str, Align)]) -> TextTable {
        TextTable {
            header: columns.iter().map(|(n, _)| (*n).to_owned()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (one cell per column; a short row is padded with empty cells).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn cell(row: &[String], i: usize) -> &str {
        row.get(i).map_or("", String::as_str)
    }

    /// The header and the rows, each cell padded to its column's widest cell (in characters),
    /// columns two spaces apart, no trailing spaces; one line per row.
    pub fn aligned(&self) -> String {
        let lines = std::iter::once(&self.header).chain(&self.rows);
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                lines
                    .clone()
                    .map(|r| Self::cell(r, i).chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for r in lines {
            let cells: Vec<String> = widths
                .iter()
                .zip(&self.align)
                .enumerate()
                .map(|(i, (&w, a))| match a {
                    Align::Left => format!("{:<w$}", Self::cell(r, i)),
                    Align::Right => format!("{:>w$}", Self::cell(r, i)),
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// A Markdown pipe table: `| a | b |`, `|---|---|`, then one line per row.
    pub fn markdown(&self) -> String {
        let line = |r: &[String]| -> String {
            let cells: Vec<&str> = (0..self.header.len()).map(|i| Self::cell(r, i)).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = line(&self.header);
        out.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TextTable {
        let mut t = TextTable::new(&[
            ("metric", Align::Left),
            ("arm", Align::Left),
            ("mean", Align::Right),
        ]);
        t.push(vec!["volume".into(), "clob".into(), "12.5".into()]);
        t.push(vec!["races".into(), "fba—x".into(), "3".into()]);
        t.push(vec!["short".into()]);
        t
    }

    #[test]
    fn aligned_pads_by_characters_and_trims() {
        assert_eq!(
            table().aligned(),
            "metric  arm    mean\n\
             volume  clob   12.5\n\
             races   fba—x     3\n\
             short\n"
        );
    }

    #[test]
    fn markdown_is_a_pipe_table() {
        assert_eq!(
            table().markdown(),
            "| metric | arm | mean |\n\
             |---|---|---|\n\
             | volume | clob | 12.5 |\n\
             | races | fba—x | 3 |\n\
             | short |  |  |\n"
        );
    }
}
