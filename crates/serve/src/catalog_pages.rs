//! The detection catalog's pages (the static site of the `catalog` crate)
//! served by the console under `/catalog/`: by default the catalog of the
//! rules this server runs, built in memory on a thread of its own at start
//! (requests before it is done get 503 with `Retry-After`), or, with
//! `--catalog DIR`, a folder written by `dragnet catalog build`.
//!
//! A requested path is a `/`-separated list of plain names: an empty part,
//! `.`, `..`, a hidden name (the folder's `.cache/`), a backslash or a NUL
//! is refused, and a file of a folder is served only when its real path
//! (symbolic links resolved) is inside the folder.
//!
//! The pages hold rule content only (names, queries, ATT&CK tags), never
//! telemetry or alerts: like the console's assets they need no token.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path as UrlPath;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use catalog::analysis::{Runnable, TechniquePage};
use catalog::mapping::Mapping;
use catalog::mitre::Attack;
use catalog::model::{CatalogRule, Vendor};
use catalog::output::{Out, VendorSummary};
use detect::rule::Rule;

use crate::api::error;
use crate::config::Config;
use crate::server::App;

/// The files of a catalog built in memory, by their path below its top
/// (shared, not copied, by each answer).
pub type Files = BTreeMap<String, Bytes>;

/// Where the pages come from.
enum Site {
    /// Built from the loaded rules; unset while the build runs.
    Built(Arc<OnceLock<Result<Files, String>>>),
    /// A catalog folder (its real path).
    Dir(PathBuf),
}

/// The routes of `/catalog/`, over the catalog `config` asks for; a
/// catalog built from the rules starts building now, on its own thread.
pub fn routes(config: &Config) -> Router<Arc<App>> {
    let site = Arc::new(match &config.catalog {
        Some(dir) => Site::Dir(dir.canonicalize().unwrap_or_else(|_| dir.clone())),
        None => {
            let cell = Arc::new(OnceLock::new());
            let rules = config.rules.clone();
            let done = cell.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let built = build(&rules);
                match &built {
                    Ok(files) => tracing::info!(
                        "catalog of {} rules built in {} ms ({} files)",
                        rules.len(),
                        start.elapsed().as_millis(),
                        files.len()
                    ),
                    Err(e) => tracing::error!("cannot build the catalog of the loaded rules: {e}"),
                }
                let _ = done.set(built);
            });
            Site::Built(cell)
        }
    });
    let top = site.clone();
    Router::new()
        .route("/catalog", get(|| async { Redirect::permanent("/catalog/") }))
        .route("/catalog/", get(move || async move { page(&top, "").await }))
        .route("/catalog/{*path}", get(move |UrlPath(p): UrlPath<String>| async move { page(&site, &p).await }))
}

/// `rel` checked as a path below the catalog's top (see the module's
/// documentation), with a folder's `index.html` for a path ending in `/`;
/// `None` when it could name something outside.
pub fn checked(rel: &str) -> Option<String> {
    let (body, folder) = match rel.strip_suffix('/') {
        Some(b) => (b, true),
        None => (rel, rel.is_empty()),
    };
    let mut parts: Vec<&str> = Vec::new();
    if !body.is_empty() {
        for part in body.split('/') {
            if part.is_empty() || part.starts_with('.') || part.contains(['\\', '\0']) {
                return None;
            }
            parts.push(part);
        }
    }
    if folder {
        parts.push("index.html");
    }
    Some(parts.join("/"))
}

fn content_type(rel: &str) -> &'static str {
    match rel.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("md") => "text/markdown; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn page(site: &Site, rel: &str) -> Response {
    let Some(rel) = checked(rel) else {
        return error(StatusCode::BAD_REQUEST, format!("catalog/{rel}: not a path inside the catalog"));
    };
    let missing = || error(StatusCode::NOT_FOUND, format!("catalog/{rel}: no such page"));
    let body = match site {
        Site::Built(cell) => match cell.get() {
            None => {
                let body = axum::Json(serde_json::json!({"error": "the catalog is still being built"}));
                return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")], body).into_response();
            }
            Some(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, format!("the catalog: {e}")),
            Some(Ok(files)) => match files.get(&rel) {
                Some(b) => b.clone(),
                None => return missing(),
            },
        },
        Site::Dir(dir) => match read_inside(dir, &rel).await {
            Some(b) => Bytes::from(b),
            None => return missing(),
        },
    };
    let headers = [
        (header::CONTENT_TYPE, content_type(&rel)),
        (header::CACHE_CONTROL, "no-cache"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, body).into_response()
}

/// The file `rel` of `dir` (a real path), if it is a file whose real path
/// is inside `dir`.
async fn read_inside(dir: &Path, rel: &str) -> Option<Vec<u8>> {
    let real = tokio::fs::canonicalize(dir.join(rel)).await.ok()?;
    if !real.starts_with(dir) || !tokio::fs::metadata(&real).await.ok()?.is_file() {
        return None;
    }
    tokio::fs::read(&real).await.ok()
}

/// The catalog of `rules`, every file of its site in memory. Each rule is
/// analysed as the KQL it runs (a Sigma rule through its compiled query),
/// so all are listed under the KQL vendor (Sentinel), with the file each
/// came from as its path.
pub fn build(rules: &[Rule]) -> Result<Files, String> {
    let mapping = Mapping::shipped();
    let list: Vec<CatalogRule> = rules.iter().map(|r| catalog_rule(r, &mapping)).collect();
    let summaries = [VendorSummary::of(Vendor::Sentinel, "the rules dragnet serve runs".into(), &list)];
    let cat = catalog::analysis::Catalog::new(list);
    let mut out = Out::memory();
    catalog::output::write_into(&mut out, &cat, &summaries, &Attack::shipped(), &|page| decorate(rules, page))
        .map_err(|e| e.to_string())?;
    Ok(out.into_files().into_iter().map(|(path, bytes)| (path, Bytes::from(bytes))).collect())
}

/// One loaded rule in the catalog's form.
fn catalog_rule(r: &Rule, mapping: &Mapping) -> CatalogRule {
    let mut c = CatalogRule::new(Vendor::Sentinel, r.id.clone(), r.name.clone(), r.origin.clone(), "kql");
    for t in &r.techniques {
        if let Some(id) = catalog::attack::technique_id(t) {
            catalog::attack::add_technique(&mut c.techniques, id);
        }
    }
    for tactic in &r.tactics {
        for id in &c.techniques {
            c.tactics.push((id.clone(), tactic.clone()));
        }
    }
    catalog::readers::sentinel::analyse(c, std::slice::from_ref(&r.query), mapping)
}

/// The detections among `rules` for `technique`.
fn runnable(rules: &[Rule], technique: &str) -> Vec<Runnable> {
    rules
        .iter()
        .filter(|r| r.techniques.iter().any(|t| t.eq_ignore_ascii_case(technique)))
        .map(|r| Runnable {
            id: r.id.clone(),
            name: r.name.clone(),
            severity: r.severity.as_str().to_string(),
            confidence: r.confidence.map(|c| c.as_str().to_string()),
            tables: catalog::lang::kql::parse(&r.query).map(|k| k.tables).unwrap_or_default(),
            false_positives: r.false_positives.clone(),
            tuning: r.tuning.clone(),
            tests: r.tests.iter().map(|t| (t.name.clone(), t.kind.as_str().to_string(), t.atomic.clone())).collect(),
            origin: r.origin.clone(),
        })
        .collect()
}

/// What dragnet adds to a catalog page: the detections among `rules`
/// (its own pack's for `dragnet catalog build`, the loaded ones here), and
/// the ATT&CK name from its Containers matrix when neither ATT&CK's data
/// nor a rule read carries one.
pub fn decorate(rules: &[Rule], page: &mut TechniquePage) {
    page.runnable = runnable(rules, &page.id);
    if page.name.is_none() {
        page.name = detect::attack::technique_name(&page.id).map(str::to_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_inside_the_catalog_are_served() {
        assert_eq!(checked("").as_deref(), Some("index.html"));
        assert_eq!(checked("techniques/T1609.html").as_deref(), Some("techniques/T1609.html"));
        assert_eq!(checked("rules/").as_deref(), Some("rules/index.html"));
        for bad in
            ["..", "../x", "a/../../x", "a/./b", "./a", "a//b", "/etc/passwd", ".cache/files.txt", "a\\..\\b", "a\0b"]
        {
            assert_eq!(checked(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_builtin_rules_make_a_site_with_their_techniques() {
        let rules = detect::pack::RulePack::builtin().rules;
        let files = build(&rules).unwrap();
        assert!(files.contains_key("index.html") && files.contains_key("assets/style.css"));
        for r in &rules {
            for t in &r.techniques {
                let page = format!("techniques/{}.html", t.to_ascii_uppercase());
                assert!(files.contains_key(&page), "{} names {t} but there is no {page}", r.id);
            }
        }
        let page = String::from_utf8(files["techniques/T1609.html"].to_vec()).unwrap();
        let exec = rules.iter().find(|r| r.techniques.iter().any(|t| t == "T1609")).unwrap();
        assert!(page.contains(&catalog::site::escape(&exec.name)), "{} not on the T1609 page", exec.name);
    }
}
