//! `index.html`: per vendor what was read, the coverage heat map (one
//! column per ATT&CK tactic, a cell per technique shaded by its rules, with
//! a square per vendor shaded by that vendor's; every technique of the
//! tactic, sub-techniques only when some rule is tagged with them), then
//! the techniques with rules as a table per tactic.

use std::collections::{BTreeMap, HashMap};

use super::html::{Html, foot, head};
use super::{Site, TechniqueSummary, heat, technique};
use crate::model::Vendor;

/// A heat-map cell: a technique, its name, and its page if it has rules.
struct Cell<'a> {
    id: &'a str,
    name: String,
    page: Option<&'a TechniqueSummary>,
}

/// The page.
pub fn page(site: &Site) -> String {
    let mut h = Html::default();
    head(&mut h, "Detection catalog", "");
    h.raw("<h1>Detection catalog</h1>");
    let total_rules: usize = site.summaries.iter().map(|s| s.rules).sum();
    h.raw("<p>").num(total_rules).raw(" rules of ").num(site.summaries.len()).raw(" vendors, tagged with ");
    h.num(site.pages.len()).raw(" ATT&amp;CK techniques.</p>");
    summary(&mut h, site);

    let by_id: HashMap<&str, &TechniqueSummary> = site.pages.iter().map(|p| (p.id.as_str(), p)).collect();
    // Columns: ATT&CK's tactics in the matrix's order, then "Other" for
    // techniques no tactic is known for.
    let mut columns: Vec<(String, String, Vec<Cell>)> =
        site.attack.tactics.iter().map(|t| (t.id.clone(), t.name.clone(), Vec::new())).collect();
    let mut other = Vec::new();
    let mut placed: HashMap<&str, bool> = HashMap::new();
    for t in site.attack.techniques() {
        let page = by_id.get(t.id.as_str()).copied();
        // Blank cells only for techniques: a sub-technique shows when a
        // rule is tagged with it.
        if page.is_none() && (t.deprecated || t.id.contains('.')) {
            continue;
        }
        for short in &t.tactics {
            if let Some(col) = site.attack.tactic(short).and_then(|tac| columns.iter_mut().find(|c| c.0 == tac.id)) {
                col.2.push(Cell { id: &t.id, name: t.name.clone(), page });
                placed.insert(&t.id, true);
            }
        }
    }
    for p in site.pages {
        if placed.contains_key(p.id.as_str()) {
            continue;
        }
        let mut any = false;
        for name in &p.tactics {
            if let Some(col) = site.attack.tactic(name).and_then(|tac| columns.iter_mut().find(|c| c.0 == tac.id)) {
                col.2.push(Cell { id: &p.id, name: p.name.clone().unwrap_or_default(), page: Some(p) });
                any = true;
            }
        }
        if !any {
            other.push(Cell { id: &p.id, name: p.name.clone().unwrap_or_default(), page: Some(p) });
        }
    }
    if !other.is_empty() {
        columns.push(("other".into(), "Other (no ATT&CK tactic known)".into(), other));
    }
    for col in &mut columns {
        col.2.sort_by(|a, b| a.id.cmp(b.id));
    }

    let counts =
        |p: &TechniqueSummary, v: Vendor| p.rules_per_vendor.iter().find(|(x, _)| *x == v).map_or(0, |(_, n)| *n);
    let total = |p: &TechniqueSummary| p.rules_per_vendor.iter().map(|(_, n)| n).sum::<usize>();
    let max_total = site.pages.iter().map(total).max().unwrap_or(0);
    let max_vendor: BTreeMap<Vendor, usize> =
        Vendor::ALL.iter().map(|&v| (v, site.pages.iter().map(|p| counts(p, v)).max().unwrap_or(0))).collect();
    let vendors: Vec<Vendor> =
        Vendor::ALL.into_iter().filter(|v| site.summaries.iter().any(|s| s.vendor == *v)).collect();

    h.raw("<h2 id=\"heatmap\">Coverage by tactic</h2>");
    h.raw("<p class=\"legend\">Each cell is a technique, shaded by how many rules are tagged with it; ");
    h.raw("its squares are the vendors, in the order ");
    for (i, v) in vendors.iter().enumerate() {
        if i > 0 {
            h.raw(", ");
        }
        h.raw("<i class=\"sq\"").attr("data-vendor", v.key()).raw(" style=\"--n:1\"></i> ").text(v.name());
    }
    h.raw(", each shaded by that vendor's rules. Blank cells: techniques no rule read is tagged with.</p>");
    h.raw("<div class=\"heatmap\">");
    for (id, name, cells) in &columns {
        let covered = cells.iter().filter(|c| c.page.is_some()).count();
        h.raw("<section class=\"tactic\"><h3>");
        h.link(&format!("#tactic-{id}"), name);
        h.raw("</h3><p class=\"count\">").num(covered).raw(" of ").num(cells.len()).raw(" covered</p><ol>");
        for c in cells {
            match c.page {
                Some(p) => {
                    h.raw("<li class=\"cell\"").shade(heat(total(p), max_total)).raw(">");
                    h.raw("<a").attr("href", &technique::file(&p.id)).attr("title", &format!("{} {}", c.id, c.name));
                    h.raw("><b>").text(c.id).raw("</b> ").text(&c.name).raw("</a><span class=\"sqs\">");
                    for &v in &vendors {
                        let n = counts(p, v);
                        h.raw("<i class=\"sq\"").attr("data-vendor", v.key());
                        h.attr("title", &format!("{} {n}", v.name()));
                        h.shade(heat(n, max_vendor.get(&v).copied().unwrap_or(0))).raw("></i>");
                    }
                    h.raw("<span class=\"total\">").num(total(p)).raw("</span></span></li>");
                }
                None => {
                    h.raw("<li class=\"cell none\"><b>").text(c.id).raw("</b> ").text(&c.name).raw("</li>");
                }
            }
        }
        h.raw("</ol></section>");
    }
    h.raw("</div>");

    h.raw("<h2 id=\"by-tactic\">Techniques by tactic</h2>");
    for (id, name, cells) in &columns {
        h.raw("<h3").attr("id", &format!("tactic-{id}")).raw(">").text(name).raw("</h3>");
        let with_rules: Vec<&TechniqueSummary> = cells.iter().filter_map(|c| c.page).collect();
        if with_rules.is_empty() {
            h.raw("<p>No rule read is tagged with a technique of this tactic.</p>");
            continue;
        }
        h.raw("<table class=\"techniques\"><thead><tr><th>Technique</th><th>Name</th>");
        for v in &vendors {
            h.raw("<th class=\"n\">").text(v.name()).raw("</th>");
        }
        h.raw("<th class=\"n\">Rules</th></tr></thead><tbody>");
        for p in with_rules {
            h.raw("<tr><td>").link(&technique::file(&p.id), &p.id).raw("</td>");
            h.el("td", p.name.as_deref().unwrap_or(""));
            for &v in &vendors {
                h.num_cell(counts(p, v));
            }
            h.num_cell(total(p)).raw("</tr>");
        }
        h.raw("</tbody></table>");
    }
    foot(&mut h);
    h.finish()
}

/// Per vendor: the folder read, rules read, analysed fully, partially, not.
fn summary(h: &mut Html, site: &Site) {
    h.raw("<h2 id=\"vendors\">Rules read</h2><table class=\"summary\"><thead><tr><th>Vendor</th>")
        .raw("<th class=\"n\">Rules</th><th class=\"n\">Fully analysed</th><th class=\"n\">Partially</th>")
        .raw("<th class=\"n\">Not at all</th></tr></thead><tbody>");
    for s in site.summaries {
        h.raw("<tr><td>").link(&super::rules::vendor_file(s.vendor), s.vendor.name()).raw("</td>");
        h.num_cell(s.rules).num_cell(s.full).num_cell(s.partial).num_cell(s.none).raw("</tr>");
    }
    h.raw("</tbody></table>");
}
