//! The catalog's pages under `/catalog/`: the catalog of the loaded rules
//! built at start, a `--catalog` folder instead, and requests that try to
//! reach outside either.

mod common;

use std::time::{Duration, Instant};

use common::{Response, Server, config, temp_dir};
use serve::auth::Tokens;

/// `path`, asked again while the catalog is still being built (503).
fn get_built(server: &Server, path: &str) -> Response {
    let start = Instant::now();
    loop {
        let r = server.request("GET", path, b"");
        if r.status != 503 {
            return r;
        }
        assert_eq!(r.header("retry-after"), Some("1"));
        assert!(start.elapsed() < Duration::from_secs(120), "the catalog was not built");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Requests that name something outside the catalog, raw and
/// percent-encoded: each refused with 400, whatever is there.
const ESCAPES: [&str; 6] = [
    "/catalog/../api/alerts",
    "/catalog/%2e%2e/%2e%2e/etc/passwd",
    "/catalog/techniques/..%2f..%2fsecret.txt",
    "/catalog/.cache/files.txt",
    "/catalog/a%5c..%5csecret.txt",
    "/catalog/techniques//T1609.html",
];

#[test]
fn the_loaded_rules_catalog_is_served_and_nothing_outside_it() {
    let dir = temp_dir("catalog-pages");
    let mut settings = config(&dir);
    // With tokens, the pages still need none: they hold rule content only.
    settings.security.tokens = Some(Tokens::parse("read aaaaaaaaaaaaaaaa\n").unwrap());
    let rules = settings.rules.clone();
    let server = Server::start(settings);
    let index = get_built(&server, "/catalog/");
    assert_eq!(index.status, 200, "{}", index.text());
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(index.text().contains("techniques/T1609.html"), "{}", index.text());
    let top = server.request("GET", "/catalog", b"");
    assert_eq!((top.status, top.header("location")), (308, Some("/catalog/")));
    // Every technique a loaded rule names has its page, listing the rule.
    for r in &rules {
        for t in &r.techniques {
            let page = server.request("GET", &format!("/catalog/techniques/{t}.html"), b"");
            assert_eq!(page.status, 200, "{t} of {}", r.id);
            assert!(page.text().contains(&catalog::site::escape(&r.name)), "{} not on the {t} page", r.name);
        }
    }
    let css = server.request("GET", "/catalog/assets/style.css", b"");
    assert_eq!((css.status, css.header("content-type")), (200, Some("text/css; charset=utf-8")));
    assert_eq!(server.request("GET", "/catalog/techniques/T0000.html", b"").status, 404);
    for path in ESCAPES {
        let r = server.request("GET", path, b"");
        assert_eq!(r.status, 400, "{path}: {}", r.text());
    }
    // The API beside it still needs its token.
    assert_eq!(server.request("GET", "/api/rules", b"").status, 401);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_catalog_folder_is_served_instead_and_its_links_out_are_not_followed() {
    let dir = temp_dir("catalog-folder");
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("techniques")).unwrap();
    std::fs::create_dir_all(site.join(".cache")).unwrap();
    std::fs::write(site.join("index.html"), "<title>vendors' catalog</title>").unwrap();
    std::fs::write(site.join("techniques/T1609.html"), "<h1>T1609</h1>").unwrap();
    std::fs::write(site.join(".cache/files.txt"), "index.html\n").unwrap();
    std::fs::write(dir.join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), site.join("techniques/link.html")).unwrap();
    let mut settings = config(&dir.join("data"));
    settings.catalog = Some(site.clone());
    let server = Server::start(settings);
    let index = server.request("GET", "/catalog/", b"");
    assert_eq!((index.status, index.text().as_str()), (200, "<title>vendors' catalog</title>"));
    assert_eq!(server.request("GET", "/catalog/techniques/T1609.html", b"").text(), "<h1>T1609</h1>");
    // A folder without index.html, a missing file, a link to a file outside.
    for path in ["/catalog/techniques/", "/catalog/techniques/T0000.html", "/catalog/techniques/link.html"] {
        let r = server.request("GET", path, b"");
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("outside"), "{path}");
    }
    for path in ESCAPES {
        let r = server.request("GET", path, b"");
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        assert!(!r.text().contains("outside"), "{path}");
    }
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
