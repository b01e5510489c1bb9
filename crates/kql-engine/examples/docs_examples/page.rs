//! One docs page as examples: each ```` ```kusto ```` block with the
//! markdown tables printed after it, before the next block. A table counts
//! as the block's output unless a heading that is not an output heading
//! ("Output", "Results", ...) stands between them.

/// A markdown table: its header cells and rows of cells, as written
/// (markdown escapes and HTML entities undone, cells trimmed).
#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One kusto block of a page.
#[derive(Debug)]
pub struct Example {
    /// Which kusto block of the page it is, from 1.
    pub block: usize,
    /// Its first line in the page, from 1.
    pub line: usize,
    pub query: String,
    pub tables: Vec<Table>,
}

/// Whether a page is the reference of a function, aggregate, operator or
/// plugin: its file name says so, or its title is a call (`name()`).
pub fn is_reference(file_name: &str, text: &str) -> bool {
    let stem = file_name.strip_suffix(".md").unwrap_or(file_name);
    let named = ["-function", "-operator", "-plugin", "-statement"].iter().any(|s| stem.ends_with(s))
        || stem.starts_with("join-")
        || stem.starts_with("node-");
    let title = text
        .lines()
        .take(12)
        .find_map(|l| l.strip_prefix("title:"))
        .map(|t| t.trim().trim_matches(|c| c == '"' || c == '\''))
        .unwrap_or("");
    let reference = text.lines().take(12).any(|l| l.trim() == "ms.topic: reference");
    named || (reference && (title.ends_with("()") || title.contains("_compress") || title.contains("_decompress")))
}

/// The examples of a page's text.
pub fn examples(text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Example> = Vec::new();
    // Whether the tables that follow still belong to the last block.
    let mut attached = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start_matches([' ', '>']).trim();
        if let Some(lang) = line.strip_prefix("```") {
            let lang = lang.trim().to_ascii_lowercase();
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].trim_start_matches([' ', '>']).trim().starts_with("```") {
                end += 1;
            }
            if lang == "kusto" || lang == "kql" {
                let query =
                    lines[start..end.min(lines.len())].iter().map(|l| strip_quote(l)).collect::<Vec<_>>().join("\n");
                out.push(Example { block: out.len() + 1, line: i + 1, query, tables: Vec::new() });
                attached = true;
            }
            i = end + 1;
            continue;
        }
        if line.starts_with('#') {
            let heading = line.trim_start_matches('#').to_ascii_lowercase();
            if !(heading.contains("output") || heading.contains("result")) {
                attached = false;
            }
        }
        if line.starts_with('|') && attached {
            let mut rows: Vec<Vec<String>> = Vec::new();
            while i < lines.len() && lines[i].trim_start_matches([' ', '>']).trim().starts_with('|') {
                rows.push(cells(lines[i].trim_start_matches([' ', '>']).trim()));
                i += 1;
            }
            let separator = rows
                .get(1)
                .is_some_and(|r| r.iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))));
            if separator && let Some(last) = out.last_mut() {
                let header = rows.remove(0);
                rows.remove(0);
                last.tables.push(Table { header, rows });
            }
            continue;
        }
        i += 1;
    }
    out
}

/// A line of a block inside a `>` quote loses the quote marker.
fn strip_quote(line: &str) -> &str {
    match line.trim_start().strip_prefix('>') {
        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
        None => line,
    }
}

/// The cells of a table row `| a | b |`: split at every `|` not escaped as
/// `\|` and not inside backticks. A doubled backslash stays as written:
/// the pages mean the text of their source (`\\server\share`).
fn cells(row: &str) -> Vec<String> {
    let inner = row.strip_prefix('|').unwrap_or(row);
    let inner =
        if inner.ends_with('|') && !inner.ends_with("\\|") { inner.strip_suffix('|').unwrap_or(inner) } else { inner };
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    let mut code = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n) if "|_*[]`<>#".contains(n) => {
                    cell.push(n);
                    chars.next();
                }
                _ => cell.push(c),
            },
            '`' => {
                code = !code;
                cell.push(c);
            }
            '|' if !code => out.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    out.push(cell);
    out.into_iter().map(|c| clean(c.trim())).collect()
}

/// A cell's text as it reads: one pair of enclosing backticks or bold marks
/// dropped, HTML entities and line breaks undone.
fn clean(cell: &str) -> String {
    let mut s = cell;
    for mark in ["**", "`"] {
        if s.len() >= 2 * mark.len()
            && let Some(inner) = s.strip_prefix(mark).and_then(|r| r.strip_suffix(mark))
        {
            s = inner;
        }
    }
    // A markdown autolink, `<https://...>`, shows the address.
    if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>'))
        && (inner.starts_with("http://") || inner.starts_with("https://"))
    {
        s = inner;
    }
    s.replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#124;", "|")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_take_the_tables_after_them() {
        let page = "# f()\n## Parameters\n|Name|Type|\n|--|--|\n|x|int|\n## Example\n```kusto\nprint 1\n```\n**Output**\n\n|print_0|\n|---|\n|1|\n\n```kusto\nT | take 1\n```\n## See also\n|a|\n|-|\n|b|\n";
        let ex = examples(page);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].query, "print 1");
        assert_eq!(ex[0].tables.len(), 1);
        assert_eq!(ex[0].tables[0].header, vec!["print_0"]);
        assert_eq!(ex[0].tables[0].rows, vec![vec!["1".to_string()]]);
        assert!(ex[1].tables.is_empty());
    }

    #[test]
    fn cells_keep_escaped_and_quoted_pipes() {
        assert_eq!(cells("| a \\| b | `x|y` | &lt;c&gt; |"), vec!["a | b", "x|y", "<c>"]);
    }
}
