//! The static site built from the fixture rules: every link resolves, text
//! from rules never becomes markup, and a rebuild reads and writes only
//! what changed. (`site_browser.rs` renders it in Chromium.)

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{EVIL_RULE, build, copy_dir, fixtures, html_files, scratch};

/// The value of every `href="..."` and `src="..."` in `html`, unescaped.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            let after = rest.get(at + attr.len()..).unwrap_or_default();
            let end = after.find('"').unwrap_or(after.len());
            out.push(
                after
                    .get(..end)
                    .unwrap_or_default()
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&"),
            );
            rest = after.get(end..).unwrap_or_default();
        }
    }
    out
}

/// Every link of every page under `site` that does not resolve to a file,
/// or to an element with that id in it.
fn broken_links(site: &Path) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut broken = Vec::new();
    for page in html_files(site) {
        let text = std::fs::read_to_string(site.join(&page)).unwrap();
        let dir = site.join(&page).parent().unwrap().to_path_buf();
        for link in links(&text) {
            checked += 1;
            // `data:,` is the empty icon: no request at all.
            if link == "data:," {
                continue;
            }
            if link.contains("://") || link.starts_with("//") || link.starts_with("data:") {
                broken.push(format!("{page}: {link} leaves the site"));
                continue;
            }
            let (file, anchor) = link.split_once('#').map_or((link.as_str(), None), |(f, a)| (f, Some(a)));
            let target = if file.is_empty() { site.join(&page) } else { dir.join(file) };
            let Ok(target) = target.canonicalize() else {
                broken.push(format!("{page}: {link}: no such file"));
                continue;
            };
            if !target.starts_with(site.canonicalize().unwrap()) {
                broken.push(format!("{page}: {link} leaves the site"));
                continue;
            }
            if let Some(a) = anchor {
                let body = std::fs::read_to_string(&target).unwrap();
                if !body.contains(&format!(" id=\"{a}\"")) {
                    broken.push(format!("{page}: {link}: no element with id `{a}`"));
                }
            }
        }
    }
    (checked, broken)
}

#[test]
fn every_link_of_every_page_resolves() {
    let out = scratch("site-links");
    build(&fixtures(), &out);
    let pages = html_files(&out);
    // The index, 5 techniques, 5 vendors, 12 rules.
    assert_eq!(pages.len(), 1 + 5 + 5 + 12, "{pages:?}");
    let (checked, broken) = broken_links(&out);
    assert!(checked > 250, "{checked}");
    assert_eq!(broken, Vec::<String>::new());
    // The heat map's cells link to the technique pages; T1552.007's page
    // links to each of its rules' pages.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("href=\"techniques/T1552.007.html\""));
    let page = std::fs::read_to_string(out.join("techniques/T1552.007.html")).unwrap();
    assert!(page.contains("href=\"../rules/elastic/00000000-0000-4000-8000-000000000002.html\""));
    assert!(page.contains("<h1>Unsecured Credentials: Container API <span class=\"id\">T1552.007</span></h1>"));
}

#[test]
fn text_from_rules_never_becomes_markup() {
    let dir = scratch("site-injection");
    let rules = dir.join("rules");
    copy_dir(&fixtures(), &rules);
    std::fs::write(rules.join("elastic/evil.toml"), EVIL_RULE).unwrap();
    let out = dir.join("site");
    build(&rules, &out);
    let pages = html_files(&out);
    for page in &pages {
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        for bad in ["<script>window", "<img", "<svg", "<b>x", "</td></tr><b>", "<i>Unsecured", "<b>Credential"] {
            assert!(!text.contains(bad), "{page} holds `{bad}`");
        }
        // The only scripts are the site's own.
        assert_eq!(text.matches("<script").count(), 1, "{page}");
    }
    let page = std::fs::read_to_string(out.join("techniques/T1552.007.html")).unwrap();
    assert!(page.contains(
        "&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;"
    ));
    assert!(page.contains("<code>&lt;svg onload=alert(3)&gt;</code>"), "the indicator value, escaped");
    assert!(page.contains("<code>&lt;/td&gt;&lt;/tr&gt;&lt;b&gt;x</code>"), "the exclusion, escaped");
    // The id becomes a plain file name.
    assert!(pages.contains(&"rules/elastic/____svg_onload_alert_2__.html".to_string()), "{pages:?}");
    assert_eq!(broken_links(&out).1, Vec::<String>::new());
}

/// `(vendor's parsed, reused)` per vendor, in `Vendor::ALL` order.
fn counts(stats: &[catalog::cache::ReadStats]) -> Vec<(usize, usize)> {
    stats.iter().map(|s| (s.parsed, s.reused)).collect()
}

#[test]
fn a_rebuild_reads_and_writes_only_what_changed() {
    let dir = scratch("site-incremental");
    let rules = dir.join("rules");
    copy_dir(&fixtures(), &rules);
    let out = dir.join("site");

    // Sentinel's folder has a notes file that holds no query: read, no rule.
    let (stats, files) = build(&rules, &out);
    assert_eq!(counts(&stats), [(2, 0), (5, 0), (2, 0), (2, 0), (2, 0)]);
    let all = files.written;
    assert_eq!((files.unchanged, files.removed), (0, 0));

    let (stats, files) = build(&rules, &out);
    assert_eq!(counts(&stats), [(0, 2), (0, 5), (0, 2), (0, 2), (0, 2)]);
    assert_eq!((files.written, files.unchanged), (0, all));

    // A new time, the same bytes: hashed, not parsed, nothing written.
    let curl = rules.join("elastic/curl_api.toml");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(&curl).unwrap().set_modified(later).unwrap();
    let (stats, files) = build(&rules, &out);
    assert_eq!(counts(&stats), [(0, 2), (0, 5), (0, 2), (0, 2), (0, 2)]);
    assert_eq!(files.written, 0);

    // One rule's value changes: that file alone is parsed, and only the
    // pages that show the rule or the changed value are rewritten.
    let text = std::fs::read_to_string(&curl).unwrap();
    std::fs::write(&curl, text.replace("*/api/v1/*secrets*", "*/api/v1/*configmaps*")).unwrap();
    let (stats, files) = build(&rules, &out);
    assert_eq!(counts(&stats), [(0, 2), (1, 4), (0, 2), (0, 2), (0, 2)]);
    let changed: BTreeSet<&str> = files.changed.iter().map(String::as_str).collect();
    assert_eq!(
        changed,
        BTreeSet::from([
            "rules.json",
            "rules/elastic/00000000-0000-4000-8000-000000000002.html",
            "techniques/T1552.007.html",
            "techniques/T1552.007.json",
            "techniques/T1552.007.md",
            "techniques/T1552.html",
            "techniques/T1552.json",
            "techniques/T1552.md",
        ])
    );
    assert!(std::fs::read_to_string(out.join("techniques/T1552.007.html")).unwrap().contains("configmaps"));

    // A Splunk macro changes: every Splunk detection is read again.
    let m = rules.join("splunk/macros/kube_audit.yml");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, format!("{text}\n# edited\n")).unwrap();
    let (stats, _) = build(&rules, &out);
    assert_eq!(counts(&stats), [(0, 2), (0, 5), (2, 0), (0, 2), (0, 2)]);

    // A rule removed: its page is removed with it, and nothing the builds
    // did not write.
    std::fs::write(out.join("rules/elastic/notes.txt"), "kept").unwrap();
    std::fs::write(out.join("techniques/T9999.html"), "kept").unwrap();
    std::fs::remove_file(&curl).unwrap();
    let (stats, files) = build(&rules, &out);
    assert_eq!(counts(&stats)[1], (0, 4));
    assert_eq!(files.removed, 1);
    assert!(!out.join("rules/elastic/00000000-0000-4000-8000-000000000002.html").exists());
    assert!(out.join("rules/elastic/notes.txt").exists() && out.join("techniques/T9999.html").exists());
    assert_eq!(broken_links(&out).1, Vec::<String>::new());
}
