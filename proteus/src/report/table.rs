//! A table for report pages: a header row and rows of cells, each cell text or a number.

use crate::report::format;
use crate::report::html::escape;

/// One cell of a [`Table`].
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// Right-aligned, formatted with [`format::number`].
    Number(f64),
    /// An undefined value with the reason, shown as a dash and the reason.
    Missing(String),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn to_html(&self) -> String {
        match self {
            Cell::Text(s) => format!("<td>{}</td>", escape(s)),
            Cell::Number(x) => format!("<td class=\"num\">{}</td>", format::number(*x)),
            Cell::Missing(why) => format!("<td class=\"missing\">— ({})</td>", escape(why)),
        }
    }
}

/// A table with a header row (none when every name is empty); rows shorter than the header are padded with empty cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub id: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(id: &str, header: &[&str]) -> Table {
        Table {
            id: id.to_owned(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) -> &mut Self {
        self.rows.push(row);
        self
    }

    pub fn to_html(&self) -> String {
        let mut s = format!("<table data-table=\"{}\">\n", escape(&self.id));
        // A key-value table has no header: all its header names are empty.
        if self.header.iter().any(|h| !h.is_empty()) {
            s.push_str("<thead><tr>");
            for h in &self.header {
                s.push_str(&format!("<th>{}</th>", escape(h)));
            }
            s.push_str("</tr></thead>\n");
        }
        s.push_str("<tbody>\n");
        for row in &self.rows {
            s.push_str("<tr>");
            for c in row {
                s.push_str(&c.to_html());
            }
            for _ in row.len()..self.header.len() {
                s.push_str("<td></td>");
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_escaped_cells_and_pads_rows() {
        let mut t = Table::new("t", &["name", "value", "note"]);
        t.push(vec![Cell::text("a<b"), Cell::Number(1.5)]);
        t.push(vec![Cell::text("c"), Cell::Missing("no trades".into())]);
        insta::assert_snapshot!(t.to_html(), @r#"
        <table data-table="t">
        <thead><tr><th>name</th><th>value</th><th>note</th></tr></thead>
        <tbody>
        <tr><td>a&lt;b</td><td class="num">1.5000</td><td></td></tr>
        <tr><td>c</td><td class="missing">— (no trades)</td><td></td></tr>
        </tbody>
        </table>
        "#);
    }
}
