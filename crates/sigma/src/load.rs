//! Reading a Sigma file: its YAML documents (with `action: global`,
//! `reset` and `repeat` for multi-document rules), each a detection rule,
//! a filter or a correlation, into the [`crate::model`]. Every problem is a
//! diagnostic with file, line, column and key; a file with an error yields
//! no document.

use crate::condition;
use crate::correlation;
use crate::diag::{Diags, RuleDiagnostic};
use crate::model::{
    Detection, Document, FieldMatch, Level, LogSource, Meta, Pos, Search, SearchBody, SigmaFilter, SigmaRule,
};
use crate::tree::{Entry, Kind, Tree, parse_documents};
use crate::value::{Placeholders, field_test, keyword_test};

/// Whether a YAML text is a Sigma file rather than a Sentinel rule: a
/// top-level `detection`, `correlation` or `filter` key at the start of a
/// line (Sentinel rules have none of them).
pub fn is_sigma(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_end();
        ["detection:", "correlation:", "filter:"].iter().any(|k| l.starts_with(k))
    })
}

/// Reads every document of a Sigma file named `file`.
pub fn load(text: &str, file: &str, placeholders: &Placeholders) -> (Vec<Document>, Vec<RuleDiagnostic>) {
    let mut d = Diags::new(file);
    let trees = match parse_documents(text) {
        Ok(t) => t,
        Err((at, msg)) => {
            d.error(at, "yaml", msg);
            return (Vec::new(), d.list);
        }
    };
    let mut out = Vec::new();
    let mut global: Option<Tree> = None;
    let mut previous: Option<Tree> = None;
    for tree in trees {
        if tree.kind == Kind::Null {
            continue;
        }
        if tree.entries().is_none() {
            d.error(tree.at(), "document", format!("a Sigma document is a mapping, not {}", tree.describe()));
            continue;
        }
        let action = tree.get("action").map(|e| (e.value.text().unwrap_or("").to_string(), e.line, e.column));
        let body = without(&tree, "action");
        let doc = match action {
            Some((a, ..)) if a == "global" => {
                global = Some(match &global {
                    Some(g) => g.merged(&body),
                    None => body,
                });
                continue;
            }
            Some((a, ..)) if a == "reset" => {
                global = None;
                continue;
            }
            Some((a, line, column)) if a == "repeat" => match &previous {
                Some(p) => p.merged(&body),
                None => {
                    d.error((line, column), "action", "`repeat` needs a document before it");
                    continue;
                }
            },
            Some((a, line, column)) => {
                d.error((line, column), "action", format!("unknown action `{a}`; expected global, reset or repeat"));
                continue;
            }
            None => match &global {
                Some(g) => g.merged(&body),
                None => body,
            },
        };
        if let Some(doc_out) = document(&doc, file, placeholders, &mut d) {
            out.push(doc_out);
        }
        previous = Some(doc);
    }
    if d.list.iter().any(|x| x.is_error()) {
        return (Vec::new(), d.list);
    }
    if out.is_empty() {
        d.error((1, 1), "detection", "the file holds no Sigma rule, filter or correlation");
    }
    (out, d.list)
}

fn without(t: &Tree, key: &str) -> Tree {
    match &t.kind {
        Kind::Map(m) => Tree { kind: Kind::Map(m.iter().filter(|e| e.key != key).cloned().collect()), ..t.clone() },
        _ => t.clone(),
    }
}

fn document(t: &Tree, file: &str, placeholders: &Placeholders, d: &mut Diags) -> Option<Document> {
    let meta = meta(t, file, d);
    if let Some(c) = t.get("correlation") {
        return correlation::parse(meta, c, d).map(|c| Document::Correlation(Box::new(c)));
    }
    let logsource = logsource(t, d);
    if let Some(f) = t.get("filter") {
        let Some(entries) = f.value.entries() else {
            d.error(f.value.at(), "filter", format!("expected a mapping, got {}", f.value.describe()));
            return None;
        };
        let rules = match f.value.get("rules") {
            Some(r) => strings(&r.value, "filter.rules", d),
            None => {
                d.error(f.value.at(), "filter.rules", "a filter names the rules it applies to in `rules`");
                Vec::new()
            }
        };
        let rest: Vec<Entry> = entries.iter().filter(|e| e.key != "rules").cloned().collect();
        let det = detection(&rest, (f.line, f.column), "filter", placeholders, d)?;
        return Some(Document::Filter(Box::new(SigmaFilter { meta, logsource: logsource?, rules, detection: det })));
    }
    let Some(det) = t.get("detection") else {
        d.error(t.at(), "detection", "a Sigma rule needs `detection` (or `correlation`, or `filter`)");
        return None;
    };
    let Some(entries) = det.value.entries() else {
        d.error(det.value.at(), "detection", format!("expected a mapping, got {}", det.value.describe()));
        return None;
    };
    let detection = detection(entries, (det.line, det.column), "detection", placeholders, d)?;
    Some(Document::Rule(Box::new(SigmaRule { meta, logsource: logsource?, detection })))
}

fn meta(t: &Tree, file: &str, d: &mut Diags) -> Meta {
    let mut m = Meta { origin: file.to_string(), pos: Pos { line: t.line, column: t.column }, ..Meta::default() };
    match t.get("title").map(|e| (e, e.value.text())) {
        Some((_, Some(s))) if !s.trim().is_empty() => m.title = s.to_string(),
        Some((e, _)) => d.error(e.value.at(), "title", "the title must be a non-empty string"),
        None => d.error(t.at(), "title", "a Sigma document needs a `title`"),
    }
    let text = |key: &str, d: &mut Diags| -> Option<String> {
        let e = t.get(key)?;
        match &e.value.kind {
            Kind::Scalar(s, _) => Some(s.clone()),
            Kind::Null => None,
            _ => {
                d.error(e.value.at(), key, format!("expected a string, got {}", e.value.describe()));
                None
            }
        }
    };
    m.id = text("id", d);
    m.name = text("name", d);
    m.description = text("description", d).unwrap_or_default();
    m.status = text("status", d);
    m.author = text("author", d);
    if let Some(l) = text("level", d) {
        match Level::parse(&l) {
            Some(l) => m.level = Some(l),
            None => {
                let at = t.get("level").map(|e| e.value.at()).unwrap_or((1, 1));
                d.error(at, "level", format!("`{l}` is not a level (informational, low, medium, high, critical)"));
            }
        }
    }
    for (key, slot) in [
        ("tags", &mut m.tags),
        ("falsepositives", &mut m.falsepositives),
        ("fields", &mut m.fields),
        ("references", &mut m.references),
    ] {
        if let Some(e) = t.get(key) {
            *slot = strings(&e.value, key, d);
        }
    }
    m
}

/// A string or a list of strings.
pub(crate) fn strings(t: &Tree, key: &str, d: &mut Diags) -> Vec<String> {
    match &t.kind {
        Kind::Null => Vec::new(),
        Kind::Scalar(s, _) => vec![s.clone()],
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| match &i.kind {
                Kind::Scalar(s, _) => Some(s.clone()),
                Kind::Null => None,
                _ => {
                    d.error(i.at(), key, format!("expected a string, got {}", i.describe()));
                    None
                }
            })
            .collect(),
        Kind::Map(_) => {
            d.error(t.at(), key, "expected a string or a list of strings, got a mapping");
            Vec::new()
        }
    }
}

fn logsource(t: &Tree, d: &mut Diags) -> Option<LogSource> {
    let Some(e) = t.get("logsource") else {
        d.error(t.at(), "logsource", "a Sigma rule needs a `logsource`");
        return None;
    };
    let Some(entries) = e.value.entries() else {
        d.error(e.value.at(), "logsource", format!("expected a mapping, got {}", e.value.describe()));
        return None;
    };
    let mut ls = LogSource::default();
    for x in entries {
        let slot = match x.key.as_str() {
            "product" => &mut ls.product,
            "category" => &mut ls.category,
            "service" => &mut ls.service,
            _ => continue,
        };
        match &x.value.kind {
            Kind::Scalar(s, _) => *slot = Some(s.clone()),
            Kind::Null => {}
            _ => d.error(x.value.at(), &format!("logsource.{}", x.key), "expected a string"),
        }
    }
    Some(ls)
}

fn detection(
    entries: &[Entry],
    at: (usize, usize),
    section: &str,
    placeholders: &Placeholders,
    d: &mut Diags,
) -> Option<Detection> {
    let errors_before = d.list.iter().filter(|x| x.is_error()).count();
    let mut searches = Vec::new();
    // Every search's name, also of those with errors, so a condition naming
    // one is not reported a second time.
    let mut names: Vec<String> = Vec::new();
    let mut condition_entry = None;
    for e in entries {
        match e.key.as_str() {
            "condition" => condition_entry = Some(e),
            "timeframe" => d.error(
                (e.line, e.column),
                &format!("{section}.timeframe"),
                "`timeframe` belongs to Sigma v1 aggregations; write a correlation rule",
            ),
            _ => {
                names.push(e.key.clone());
                let key = format!("{section}.{}", e.key);
                if let Some(body) = search(&e.value, &key, placeholders, d) {
                    searches.push(Search { name: e.key.clone(), pos: Pos { line: e.line, column: e.column }, body });
                }
            }
        }
    }
    let Some(c) = condition_entry else {
        d.error(at, &format!("{section}.condition"), "a detection needs a `condition`");
        return None;
    };
    let texts: Vec<(String, (usize, usize))> = match &c.value.kind {
        Kind::Scalar(s, _) => vec![(s.clone(), c.value.at())],
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| match i.text() {
                Some(s) => Some((s.to_string(), i.at())),
                None => {
                    d.error(i.at(), &format!("{section}.condition"), "a condition is a string");
                    None
                }
            })
            .collect(),
        _ => {
            d.error(c.value.at(), &format!("{section}.condition"), "a condition is a string or a list of strings");
            Vec::new()
        }
    };
    let mut condition = Vec::new();
    for (text, at) in texts {
        match condition::parse(&text, &names) {
            Ok(c) => condition.push(c),
            Err(m) => d.error(at, &format!("{section}.condition"), format!("{m} (in `{text}`)")),
        }
    }
    let errors = d.list.iter().filter(|x| x.is_error()).count();
    if errors > errors_before || condition.is_empty() {
        return None;
    }
    Some(Detection { searches, condition })
}

fn search(t: &Tree, key: &str, placeholders: &Placeholders, d: &mut Diags) -> Option<SearchBody> {
    match &t.kind {
        Kind::Map(m) => {
            if let [only] = m.as_slice()
                && (only.key.is_empty() || only.key.starts_with('|'))
            {
                let mods: Vec<&str> = only.key.split('|').skip(1).collect();
                return match keyword_test(&mods, &only.value, placeholders) {
                    Ok(v) => Some(SearchBody::Keywords(v)),
                    Err(msg) => {
                        d.error((only.line, only.column), &format!("{key}.{}", only.key), msg);
                        None
                    }
                };
            }
            map(m, key, placeholders, d).map(|g| SearchBody::Maps(vec![g]))
        }
        Kind::Seq(items) if items.iter().all(|i| matches!(i.kind, Kind::Map(_))) && !items.is_empty() => {
            let mut groups = Vec::new();
            for (n, i) in items.iter().enumerate() {
                if let Some(m) = i.entries() {
                    groups.push(map(m, &format!("{key}[{n}]"), placeholders, d)?);
                }
            }
            Some(SearchBody::Maps(groups))
        }
        Kind::Seq(items) if items.iter().any(|i| matches!(i.kind, Kind::Map(_))) => {
            d.error(t.at(), key, "a search is a list of maps or a list of keywords, not both");
            None
        }
        Kind::Seq(_) | Kind::Scalar(..) => match keyword_test(&[], t, placeholders) {
            Ok(v) => Some(SearchBody::Keywords(v)),
            Err(msg) => {
                d.error(t.at(), key, msg);
                None
            }
        },
        Kind::Null => {
            d.error(t.at(), key, "a search identifier needs a map or a list");
            None
        }
    }
}

fn map(m: &[Entry], key: &str, placeholders: &Placeholders, d: &mut Diags) -> Option<Vec<FieldMatch>> {
    let mut out = Vec::with_capacity(m.len());
    let mut ok = true;
    if m.is_empty() {
        d.error((1, 1), key, "an empty map matches everything; write at least one field");
        return None;
    }
    for e in m {
        let mut parts = e.key.split('|');
        let field = parts.next().unwrap_or("").to_string();
        let mods: Vec<&str> = parts.collect();
        let at = (e.line, e.column);
        let k = format!("{key}.{}", e.key);
        if field.is_empty() {
            d.error(at, &k, "keywords (an empty field name) cannot be mixed with fields in one map");
            ok = false;
            continue;
        }
        match field_test(&mods, &e.value, placeholders) {
            Ok(test) => out.push(FieldMatch { field, key: e.key.clone(), pos: Pos { line: at.0, column: at.1 }, test }),
            Err(msg) => {
                d.error(at, &k, msg);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}
