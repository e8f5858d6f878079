//! A self-contained HTML page: one file with its CSS inline and its figures as inline SVG, no
//! scripts and no network references, so it opens the same anywhere, offline, years later.

use crate::report::Table;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's whole style sheet.
const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;\
max-width:1200px;padding:0 1rem;color:#1a1a1a;line-height:1.45}\
h1{font-size:1.6rem;border-bottom:2px solid #ddd;padding-bottom:.3rem}\
h2{font-size:1.25rem;margin-top:2rem}\
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}\
th,td{border:1px solid #ccc;padding:.25rem .6rem;vertical-align:top}\
th{background:#f2f2f2;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,monospace}\
td.missing{color:#8a5a00}\
figure{margin:1rem 0}\
figure svg{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.85rem;color:#555}\
pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:.8rem;max-height:30rem}\
p.note{font-size:.85rem;color:#555}\
";

/// Builds a page section by section. Every text argument is escaped; only [`HtmlPage::figure`]
/// takes markup (an SVG document made by this module's charts).
#[derive(Clone, Debug)]
pub struct HtmlPage {
    title: String,
    body: String,
    figures: Vec<String>,
}

impl HtmlPage {
    pub fn new(title: &str) -> HtmlPage {
        let mut page = HtmlPage {
            title: title.to_owned(),
            body: String::new(),
            figures: Vec::new(),
        };
        page.body.push_str(&format!("<h1>{}</h1>\n", escape(title)));
        page
    }

    /// A section heading (`<h2>`), with an anchor id.
    pub fn section(&mut self, id: &str, heading: &str) -> &mut Self {
        self.body.push_str(&format!(
            "<h2 id=\"{}\">{}</h2>\n",
            escape(id),
            escape(heading)
        ));
        self
    }

    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.body.push_str(&format!("<p>{}</p>\n", escape(text)));
        self
    }

    /// A small explanatory note.
    pub fn note(&mut self, text: &str) -> &mut Self {
        self.body
            .push_str(&format!("<p class=\"note\">{}</p>\n", escape(text)));
        self
    }

    pub fn table(&mut self, table: &Table) -> &mut Self {
        self.body.push_str(&table.to_html());
        self
    }

    /// An inline SVG figure. `id` names it (`data-figure`), so checks can find every figure.
    pub fn figure(&mut self, id: &str, svg: &str, caption: &str) -> &mut Self {
        let svg = svg.trim();
        let svg = svg
            .strip_prefix("<?xml")
            .and_then(|rest| rest.split_once("?>"))
            .map_or(svg, |(_, s)| s.trim_start());
        self.body.push_str(&format!(
            "<figure data-figure=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(id),
            svg,
            escape(caption)
        ));
        self.figures.push(id.to_owned());
        self
    }

    /// Preformatted text in a collapsed block.
    pub fn details(&mut self, summary: &str, text: &str) -> &mut Self {
        self.body.push_str(&format!(
            "<details><summary>{}</summary><pre>{}</pre></details>\n",
            escape(summary),
            escape(text)
        ));
        self
    }

    /// The ids of the figures added so far, in order.
    pub fn figures(&self) -> &[String] {
        &self.figures
    }

    /// The finished document.
    pub fn finish(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"proteus {}\">\n\
             <title>{}</title>\n<style>{}</style>\n</head>\n<body data-figures=\"{}\">\n{}</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            escape(&self.title),
            CSS,
            escape(&self.figures.join(" ")),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_page_is_self_contained() {
        let mut page = HtmlPage::new("a <b> & \"c\"");
        page.paragraph("x < y")
            .figure("f1", "<?xml version=\"1.0\"?>\n<svg></svg>", "cap & co");
        let html = page.finish();
        assert!(html.contains("<h1>a &lt;b&gt; &amp; &quot;c&quot;</h1>"));
        assert!(html.contains("<p>x &lt; y</p>"));
        assert!(html.contains("<figure data-figure=\"f1\">\n<svg></svg>"));
        assert!(html.contains("data-figures=\"f1\""));
        assert!(!html.contains("<?xml"));
        assert!(!html.contains("http"), "no network references");
        assert!(!html.contains("<script"));
    }
}
