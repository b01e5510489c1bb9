//! HTML built so that text from rules cannot become markup: dynamic text
//! goes in only through [`Html::text`] and [`Html::attr`], which escape
//! it; [`Html::raw`] takes only `'static` strings written here.

use std::fmt::Write;

/// An HTML document being built.
#[derive(Default)]
pub struct Html(String);

impl Html {
    /// Markup written in this crate.
    pub fn raw(&mut self, s: &'static str) -> &mut Self {
        self.0.push_str(s);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) -> &mut Self {
        escape_into(&mut self.0, s);
        self
    }

    /// A number.
    pub fn num(&mut self, n: usize) -> &mut Self {
        let _ = write!(self.0, "{n}");
        self
    }

    /// ` name="value"`, the value escaped.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.0.push(' ');
        self.0.push_str(name);
        self.0.push_str("=\"");
        escape_into(&mut self.0, value);
        self.0.push('"');
        self
    }

    /// `<tag>text</tag>`.
    pub fn el(&mut self, tag: &'static str, text: &str) -> &mut Self {
        self.0.push('<');
        self.0.push_str(tag);
        self.0.push('>');
        self.text(text);
        self.0.push_str("</");
        self.0.push_str(tag.split(' ').next().unwrap_or(tag));
        self.0.push('>');
        self
    }

    /// `<td class="n">n</td>`: a number cell.
    pub fn num_cell(&mut self, n: usize) -> &mut Self {
        self.raw("<td class=\"n\">").num(n).raw("</td>")
    }

    /// `<a href="href">text</a>`.
    pub fn link(&mut self, href: &str, text: &str) -> &mut Self {
        self.raw("<a").attr("href", href).raw(">").text(text).raw("</a>")
    }

    /// ` style="--n:0.42"`: a shade between 0 and 1 for the heat map.
    pub fn shade(&mut self, n: f64) -> &mut Self {
        let n = if n.is_finite() { n.clamp(0.0, 1.0) } else { 0.0 };
        let _ = write!(self.0, " style=\"--n:{n:.2}\"");
        self
    }

    /// The document.
    pub fn finish(self) -> String {
        self.0
    }
}

/// `s` with `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The start of a page: `root` is the way back to the site's top folder
/// (`""`, `"../"`, `"../../"`).
pub fn head(h: &mut Html, title: &str, root: &str) {
    h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<meta name=\"color-scheme\" content=\"light dark\">")
        // No icon: a browser would otherwise ask the server for /favicon.ico.
        .raw("<link rel=\"icon\" href=\"data:,\">")
        .el("title", title)
        .raw("<link rel=\"stylesheet\"")
        .attr("href", &format!("{root}assets/style.css"))
        .raw("><script defer")
        .attr("src", &format!("{root}assets/search.js"))
        .raw("></script></head>\n<body")
        .attr("data-root", root)
        .raw("><header><a class=\"home\"")
        .attr("href", &format!("{root}index.html"))
        .raw(">Detection catalog</a>")
        .raw("<div class=\"search\"><label for=\"search\">Search</label>")
        .raw("<input id=\"search\" type=\"search\" autocomplete=\"off\" placeholder=\"technique, rule title or id\">")
        .raw("<ol id=\"search-results\" hidden></ol></div></header>\n<main>");
}

/// The end of a page, with the ATT&CK attribution.
pub fn foot(h: &mut Html) {
    h.raw("</main>\n<footer>Technique and tactic names and descriptions: MITRE ATT&amp;CK&reg; ")
        .raw("(&copy; The MITRE Corporation, reproduced with its permission). ")
        .raw("Rules: their vendors' public repositories, read by dragnet.</footer>\n</body></html>\n");
}

/// A file name for `text`: ASCII letters, digits, `.`, `_` and `-` kept,
/// anything else `_`, at most `max` characters.
pub fn file_part(text: &str, max: usize) -> String {
    let s: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .take(max)
        .collect();
    if s.is_empty() || s.starts_with('.') { format!("_{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_cannot_open_markup() {
        let evil = "<script>alert(1)</script>\" onmouseover='x' &amp;";
        let mut h = Html::default();
        h.raw("<p").attr("title", evil).raw(">").text(evil).raw("</p>").el("td", evil).link(evil, evil);
        let out = h.finish();
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("\" onmouseover"), "{out}");
        assert!(!out.contains("'x'"), "{out}");
        assert_eq!(out.matches('<').count(), 6, "{out}");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &amp;amp;"));
    }

    #[test]
    fn file_parts_are_plain() {
        assert_eq!(file_part("../../etc/passwd", 80), "_.._.._etc_passwd");
        assert_eq!(file_part("", 80), "_");
        assert_eq!(file_part("T1552.007", 80), "T1552.007");
        assert_eq!(file_part("ü/x y", 3), "__x");
    }
}
