//! A technique page as Markdown (the `.md` files of a built catalog and
//! what `dragnet catalog show` prints).

use std::fmt::Write;

use crate::analysis::{IndicatorRow, TechniquePage};

/// How many rows each table shows.
const ROWS: usize = 15;

/// The page as Markdown.
pub fn markdown(p: &TechniquePage) -> String {
    let mut o = String::new();
    let total: usize = p.rules_per_vendor.iter().map(|(_, n)| n).sum();
    let _ = writeln!(o, "# {} {}", p.id, p.name.as_deref().unwrap_or("(no name in the rules read)"));
    let _ = writeln!(o);
    if !p.tactics.is_empty() {
        let _ = writeln!(o, "Tactic: {}", p.tactics.join(", "));
        let _ = writeln!(o);
    }
    if let Some(d) = &p.description {
        let _ = writeln!(o, "{d}");
        let _ = writeln!(o);
    }
    let per: Vec<String> = p.rules_per_vendor.iter().map(|(v, n)| format!("{} {n}", v.name())).collect();
    let _ = writeln!(o, "{total} rules: {}", if per.is_empty() { "none".to_string() } else { per.join(", ") });
    let _ = writeln!(o);

    let _ = writeln!(o, "## Data sources ({} distinct)", p.data_sources.len());
    let _ = writeln!(o);
    let _ = writeln!(o, "| Source | Rules |");
    let _ = writeln!(o, "|---|---:|");
    for (s, n) in p.data_sources.iter().take(ROWS) {
        let _ = writeln!(o, "| {} | {n} |", cell(s));
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Fields filtered most ({} distinct)", p.fields.len());
    let _ = writeln!(o);
    let _ = writeln!(o, "| Field | Rules | How | Sample values | Spellings |");
    let _ = writeln!(o, "|---|---:|---|---|---|");
    for f in p.fields.iter().take(ROWS) {
        let how: Vec<String> = f.how.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let samples: Vec<String> = f.samples.iter().map(|s| short(s, 40)).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            cell(&f.field),
            f.rules,
            how.join(", "),
            cell(&samples.join(", ")),
            cell(&f.spellings.join(", "))
        );
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Top indicator values ({} distinct)", p.indicators.len());
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Corpus reach: how many rules of the whole catalog, any technique, check the same field, operator and value; blank when only rules here do."
    );
    let _ = writeln!(o);
    indicator_table(&mut o, &p.indicators, true);

    let _ = writeln!(o, "## Exclusions ({} distinct)", p.exclusions.len());
    let _ = writeln!(o);
    indicator_table(&mut o, &p.exclusions, false);

    let _ = writeln!(o, "## Runnable detections in dragnet's pack ({})", p.runnable.len());
    let _ = writeln!(o);
    for r in &p.runnable {
        let _ = writeln!(o, "### {} ({})", r.name, r.id);
        let _ = writeln!(o);
        let _ =
            writeln!(o, "- Severity: {}; confidence: {}", r.severity, r.confidence.as_deref().unwrap_or("not given"));
        let _ = writeln!(o, "- Tables: {}", r.tables.join(", "));
        let _ = writeln!(o, "- Rule file: {}", r.origin);
        for fp in &r.false_positives {
            let _ = writeln!(o, "- False positive: {fp}");
        }
        for t in &r.tuning {
            let _ = writeln!(o, "- Tuning: {t}");
        }
        for (name, kind, atomic) in &r.tests {
            let _ = writeln!(
                o,
                "- Test ({kind}{}): {name}",
                atomic.as_ref().map(|a| format!(", Atomic {a}")).unwrap_or_default()
            );
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Rules under this technique");
    let _ = writeln!(o);
    let mut vendor = None;
    for r in &p.rules {
        if vendor != Some(r.vendor) {
            if vendor.is_some() {
                let _ = writeln!(o);
            }
            vendor = Some(r.vendor);
            let n = p.rules_per_vendor.iter().find(|(v, _)| *v == r.vendor).map_or(0, |(_, n)| *n);
            let _ = writeln!(o, "### {} ({n} rules)", r.vendor.name());
            let _ = writeln!(o);
        }
        let _ =
            writeln!(o, "- **{}** ({}, {}, analysed: {:?}) `{}`", cell(&r.title), r.language, r.id, r.analysis, r.path);
        for pr in &r.predicates {
            let _ = writeln!(o, "  - {}", short(pr, 160));
        }
        for u in &r.unanalysed {
            let _ = writeln!(o, "  - not analysed: {}", short(u, 160));
        }
    }
    o
}

fn indicator_table(o: &mut String, rows: &[IndicatorRow], reach: bool) {
    if reach {
        let _ = writeln!(o, "| Field | Kind | Value | Rules (here) | Corpus reach |");
        let _ = writeln!(o, "|---|---|---|---:|---:|");
    } else {
        let _ = writeln!(o, "| Field | Kind | Value | Rules excluding |");
        let _ = writeln!(o, "|---|---|---|---:|");
    }
    for r in rows.iter().take(ROWS) {
        let i = &r.indicator;
        if reach {
            let reach = if r.corpus_reach > r.rules { r.corpus_reach.to_string() } else { String::new() };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {reach} |",
                cell(&i.field),
                i.kind,
                cell(&short(&i.value, 70)),
                r.rules
            );
        } else {
            let _ = writeln!(o, "| {} | {} | {} | {} |", cell(&i.field), i.kind, cell(&short(&i.value, 70)), r.rules);
        }
    }
    let _ = writeln!(o);
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn short(s: &str, max: usize) -> String {
    crate::model::shorten(s, max)
}
