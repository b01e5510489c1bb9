//! `techniques/<id>.html`: the tables of a technique's page (rules per
//! vendor, events covered, fields filtered most, top indicator values with
//! their corpus reach, exclusions, dragnet's runnable detections, the rules
//! by vendor with their predicates).

use std::collections::HashMap;

use super::RuleFiles;
use super::html::{Html, file_part, foot, head};
use crate::analysis::{IndicatorRow, RuleEntry, TechniquePage};
use crate::mitre::Attack;

/// The way back to the top from a technique page.
const ROOT: &str = "../";

/// The page's path below the site's top.
pub fn file(id: &str) -> String {
    format!("techniques/{}.html", file_part(id, 40))
}

/// The page.
pub fn page(attack: &Attack, p: &TechniquePage, files: &RuleFiles) -> String {
    let mut h = Html::default();
    let name = p.name.as_deref().unwrap_or("");
    head(&mut h, &format!("{} {name}", p.id), ROOT);
    h.raw("<h1>").text(name).raw(" <span class=\"id\">").text(&p.id).raw("</span></h1>");
    if !p.tactics.is_empty() {
        h.raw("<p class=\"tactics\">Tactic: ");
        for (i, t) in p.tactics.iter().enumerate() {
            if i > 0 {
                h.raw(", ");
            }
            match attack.tactic(t) {
                Some(tac) => h.link(&format!("../index.html#tactic-{}", tac.id), &tac.name),
                None => h.text(t),
            };
        }
        h.raw("</p>");
    }
    if let Some(d) = &p.description {
        h.raw("<p class=\"description\">").text(d).raw("</p>");
    }
    let total: usize = p.rules_per_vendor.iter().map(|(_, n)| n).sum();
    h.raw("<nav class=\"toc\"><a href=\"#vendors\">Rules per vendor</a> <a href=\"#events\">Events covered</a> ")
        .raw("<a href=\"#fields\">Fields</a> <a href=\"#indicators\">Indicator values</a> ")
        .raw("<a href=\"#exclusions\">Exclusions</a> <a href=\"#runnable\">Runnable detections</a> ")
        .raw("<a href=\"#rules\">Rules</a></nav>");

    h.raw("<h2 id=\"vendors\">Rules per vendor</h2><table class=\"vendors\"><thead><tr><th>Vendor</th>")
        .raw("<th class=\"n\">Rules</th></tr></thead><tbody>");
    for (v, n) in &p.rules_per_vendor {
        h.raw("<tr><td>").link(&format!("#rules-{}", v.key()), v.name()).raw("</td>").num_cell(*n).raw("</tr>");
    }
    h.raw("<tr class=\"total\"><td>All</td>").num_cell(total).raw("</tr></tbody></table>");

    h.raw("<h2 id=\"events\">Events covered</h2><p>The data sources the rules name (")
        .num(p.data_sources.len())
        .raw(" distinct).</p><table class=\"events\"><thead><tr><th>Source</th><th class=\"n\">Rules</th></tr></thead><tbody>");
    for (s, n) in &p.data_sources {
        h.raw("<tr>").el("td", s).num_cell(*n).raw("</tr>");
    }
    h.raw("</tbody></table>");

    h.raw("<h2 id=\"fields\">Fields filtered most (").num(p.fields.len()).raw(" distinct)</h2>");
    h.raw("<p>Field names are normalised across vendors; the vendors' spellings are listed. Each rule counts ")
        .raw("once per row and once per operator.</p>");
    h.raw("<table class=\"fields\"><thead><tr><th>Field</th><th class=\"n\">Rules</th><th>How</th>")
        .raw("<th>Sample values</th><th>Spellings</th></tr></thead><tbody>");
    for f in &p.fields {
        let how: Vec<String> = f.how.iter().map(|(k, n)| format!("{k} {n}")).collect();
        h.raw("<tr>").el("td class=\"field\"", &f.field).num_cell(f.rules).el("td", &how.join(", "));
        h.raw("<td>");
        for (i, s) in f.samples.iter().enumerate() {
            if i > 0 {
                h.raw(", ");
            }
            h.el("code", &crate::model::shorten(s, 60));
        }
        h.raw("</td>").el("td", &f.spellings.join(", ")).raw("</tr>");
    }
    h.raw("</tbody></table>");

    let by_id: HashMap<&str, &RuleEntry> = p.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    h.raw("<h2 id=\"indicators\">Top indicator values (").num(p.indicators.len()).raw(" distinct)</h2>");
    h.raw("<p>Corpus reach: how many rules of the whole catalog, any technique, check the same field, ")
        .raw("operator and value; blank when only rules here do. Open a value for the rules here that check it.</p>");
    indicator_table(&mut h, &p.indicators, true, &by_id, files);
    h.raw("<h2 id=\"exclusions\">Exclusions (").num(p.exclusions.len()).raw(" distinct)</h2>");
    h.raw("<p>What rules here leave out in a top-level <code>not</code>: the false positives they filter.</p>");
    indicator_table(&mut h, &p.exclusions, false, &by_id, files);

    h.raw("<h2 id=\"runnable\">Runnable detections in dragnet's pack (").num(p.runnable.len()).raw(")</h2>");
    if p.runnable.is_empty() {
        h.raw("<p>None yet.</p>");
    }
    for r in &p.runnable {
        h.raw("<h3>").text(&r.name).raw(" <span class=\"id\">").text(&r.id).raw("</span></h3>");
        h.raw("<table class=\"runnable\"><tbody>");
        let row = |h: &mut Html, k: &'static str, v: &str| {
            h.raw("<tr><th>").raw(k).raw("</th>").el("td", v).raw("</tr>");
        };
        row(&mut h, "Severity", &r.severity);
        row(&mut h, "Confidence", r.confidence.as_deref().unwrap_or("not given"));
        row(&mut h, "Tables", &r.tables.join(", "));
        row(&mut h, "Rule file", &r.origin);
        for fp in &r.false_positives {
            row(&mut h, "False positive", fp);
        }
        for t in &r.tuning {
            row(&mut h, "Tuning", t);
        }
        for (name, kind, atomic) in &r.tests {
            let what = match atomic {
                Some(a) => format!("{name} ({kind}, Atomic Red Team {a})"),
                None => format!("{name} ({kind})"),
            };
            row(&mut h, "Test", &what);
        }
        h.raw("</tbody></table>");
    }

    h.raw("<h2 id=\"rules\">Rules under this technique</h2>");
    let mut vendor = None;
    for r in &p.rules {
        if vendor != Some(r.vendor) {
            if vendor.is_some() {
                h.raw("</tbody></table>");
            }
            vendor = Some(r.vendor);
            let n = p.rules_per_vendor.iter().find(|(v, _)| *v == r.vendor).map_or(0, |(_, n)| *n);
            h.raw("<h3").attr("id", &format!("rules-{}", r.vendor.key())).raw(">").text(r.vendor.name());
            h.raw(" (").num(n).raw(" rules)</h3>");
            h.raw("<table class=\"rules\"><thead><tr><th>Rule</th><th>Language</th><th>Analysed</th>")
                .raw("<th>Predicates</th></tr></thead><tbody>");
        }
        h.raw("<tr><td>");
        rule_link(&mut h, r, files);
        h.raw("<div class=\"path\">").text(&r.path).raw("</div></td>").el("td", &r.language);
        h.el("td", analysis_name(r.analysis)).raw("<td><ul class=\"preds\">");
        for pr in &r.predicates {
            h.el("li", &crate::model::shorten(pr, 160));
        }
        for u in &r.unanalysed {
            h.raw("<li class=\"unanalysed\">not analysed: ").text(&crate::model::shorten(u, 160)).raw("</li>");
        }
        h.raw("</ul></td></tr>");
    }
    if vendor.is_some() {
        h.raw("</tbody></table>");
    }
    foot(&mut h);
    h.finish()
}

fn rule_link(h: &mut Html, r: &RuleEntry, files: &RuleFiles) {
    match files.find(r.vendor, &r.path, &r.id) {
        Some(f) => h.link(&format!("{ROOT}{f}"), &r.title),
        None => h.text(&r.title),
    };
}

/// How much of a rule was analysed, in words.
pub fn analysis_name(a: crate::model::Analysis) -> &'static str {
    match a {
        crate::model::Analysis::Full => "fully",
        crate::model::Analysis::Partial => "partially",
        crate::model::Analysis::None => "not at all",
    }
}

fn indicator_table(
    h: &mut Html,
    rows: &[IndicatorRow],
    reach: bool,
    by_id: &HashMap<&str, &RuleEntry>,
    files: &RuleFiles,
) {
    let class = if reach { "indicators" } else { "exclusions" };
    h.raw("<table").attr("class", class).raw("><thead><tr><th>Field</th><th>Kind</th><th>Value</th>");
    if reach {
        h.raw("<th class=\"n\">Rules (here)</th><th class=\"n\">Corpus reach</th>");
    } else {
        h.raw("<th class=\"n\">Rules excluding</th>");
    }
    h.raw("</tr></thead><tbody>");
    for r in rows {
        let i = &r.indicator;
        h.raw("<tr>").el("td class=\"field\"", &i.field).el("td", &i.kind);
        h.raw("<td><details><summary>");
        if i.value.is_empty() {
            // `exists`, `is_null`: no value, but the rules still open.
            h.raw("(no value)");
        } else {
            h.raw("<code>").text(&crate::model::shorten(&i.value, 90)).raw("</code>");
        }
        h.raw("</summary><ul>");
        for id in &r.rule_ids {
            h.raw("<li>");
            match by_id.get(id.as_str()) {
                Some(e) => rule_link(h, e, files),
                None => {
                    h.text(id);
                }
            }
            h.raw("</li>");
        }
        h.raw("</ul></details></td>").num_cell(r.rules);
        if reach {
            h.raw("<td class=\"n\">");
            if r.corpus_reach > r.rules {
                h.num(r.corpus_reach);
            }
            h.raw("</td>");
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}
