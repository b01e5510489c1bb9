//! `vendors/<vendor>.html` (every rule a vendor's folder gave, with its
//! techniques and how much was analysed) and `rules/<vendor>/<rule>.html`
//! (one rule: its tags, data sources, predicates and what was not
//! analysed, with why).

use super::html::{Html, foot, head};
use super::technique::analysis_name;
use super::{RuleFiles, Site, technique};
use crate::model::{CatalogRule, Vendor};

/// The vendor page's path below the site's top.
pub fn vendor_file(v: Vendor) -> String {
    format!("vendors/{}.html", v.key())
}

/// A vendor's rules.
pub fn vendor_page(site: &Site, v: Vendor, files: &RuleFiles) -> String {
    let mut h = Html::default();
    head(&mut h, &format!("{} rules", v.name()), "../");
    h.raw("<h1>").text(v.name()).raw(" rules</h1>");
    if let Some(s) = site.summaries.iter().find(|s| s.vendor == v) {
        h.raw("<p>").num(s.rules).raw(" rules read from <code>").text(&s.dir).raw("</code>: ");
        h.num(s.full).raw(" fully analysed, ").num(s.partial).raw(" partially, ").num(s.none).raw(" not at all.</p>");
    }
    h.raw("<table class=\"vendor-rules\"><thead><tr><th>Rule</th><th>Techniques</th><th>Language</th>")
        .raw("<th>Analysed</th><th class=\"n\">Predicates</th></tr></thead><tbody>");
    for (i, r) in site.catalog.rules.iter().enumerate().filter(|(_, r)| r.vendor == v) {
        h.raw("<tr><td>").link(&format!("../{}", files.file(i)), &r.title);
        h.raw("<div class=\"path\">").text(&r.path).raw("</div></td><td>");
        technique_links(&mut h, r, "../");
        h.raw("</td>").el("td", &r.language).el("td", analysis_name(r.analysis()));
        h.num_cell(r.predicates.len()).raw("</tr>");
    }
    h.raw("</tbody></table>");
    foot(&mut h);
    h.finish()
}

/// One rule.
pub fn rule_page(r: &CatalogRule) -> String {
    let mut h = Html::default();
    let root = "../../";
    head(&mut h, &r.title, root);
    h.raw("<h1>").text(&r.title).raw("</h1><table class=\"rule\"><tbody>");
    h.raw("<tr><th>Vendor</th><td>").link(&format!("{root}{}", vendor_file(r.vendor)), r.vendor.name());
    h.raw("</td></tr><tr><th>Id</th>").el("td", &r.id);
    h.raw("</tr><tr><th>File</th>").el("td", &r.path);
    h.raw("</tr><tr><th>Language</th>").el("td", &r.language);
    h.raw("</tr><tr><th>Analysed</th>").el("td", analysis_name(r.analysis()));
    h.raw("</tr><tr><th>Techniques</th><td>");
    technique_links(&mut h, r, root);
    h.raw("</td></tr><tr><th>Tactics</th><td>");
    let mut tactics: Vec<&str> = r.tactics.iter().map(|(_, t)| t.as_str()).collect();
    tactics.sort_unstable();
    tactics.dedup();
    h.text(&tactics.join(", "));
    h.raw("</td></tr><tr><th>Data sources</th>").el("td", &r.data_sources.join(", ")).raw("</tr></tbody></table>");

    h.raw("<h2 id=\"predicates\">Predicates (").num(r.predicates.len()).raw(")</h2>");
    h.raw("<p>An excluded row is what the rule's top-level <code>not</code> leaves out.</p>");
    h.raw("<table class=\"predicates\"><thead><tr><th>Field</th><th>Canonical field</th><th>Operator</th>")
        .raw("<th>Value</th><th>Excluded</th></tr></thead><tbody>");
    for p in &r.predicates {
        // An exclusion shows what it leaves out, as technique pages do:
        // `not (ip eq x)` is an exclusion of `ip eq x`.
        let op = if p.negated != p.exclusion { format!("not {}", p.op.as_str()) } else { p.op.as_str().to_string() };
        h.raw("<tr>").el("td class=\"field\"", &p.field).el("td class=\"field\"", &p.canonical).el("td", &op);
        h.raw("<td><code>").text(p.value.as_deref().unwrap_or("")).raw("</code></td>");
        h.el("td", if p.exclusion { "yes" } else { "" }).raw("</tr>");
    }
    h.raw("</tbody></table>");
    if !r.unanalysed.is_empty() {
        h.raw("<h2 id=\"unanalysed\">Not analysed (").num(r.unanalysed.len()).raw(")</h2>");
        h.raw("<table class=\"unanalysed\"><thead><tr><th>Why</th><th>Text</th></tr></thead><tbody>");
        for u in &r.unanalysed {
            h.raw("<tr>").el("td", &u.reason).raw("<td><code>").text(&u.text).raw("</code></td></tr>");
        }
        h.raw("</tbody></table>");
    }
    foot(&mut h);
    h.finish()
}

fn technique_links(h: &mut Html, r: &CatalogRule, root: &str) {
    for (i, t) in r.techniques.iter().enumerate() {
        if i > 0 {
            h.raw(" ");
        }
        h.link(&format!("{root}{}", technique::file(t)), t);
    }
}
