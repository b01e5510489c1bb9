//! The catalog site in a real browser: built from the fixture rules (and
//! one rule whose text is markup), served on 127.0.0.1 and every page
//! opened in Debian's Chromium by `tests/site.mjs`, with the web console's
//! playwright-core (`npm ci` in `crates/serve/console`, as
//! `scripts/test.sh` does). Screenshots go to `target/catalog-screenshots/`.
//! Without node, those packages or Chromium this test fails and says so.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{EVIL_RULE, build, copy_dir, fixtures, scratch};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_site_renders_in_chromium() {
    let console = root().join("crates/serve/console");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "this test needs Node.js (`node` on PATH); scripts/test.sh installs it"
    );
    assert!(
        console.join("node_modules/playwright-core").is_dir(),
        "this test needs the console's npm packages: run `npm ci` in {}",
        console.display()
    );
    let chromium =
        std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(chromium.is_file(), "this test needs Chromium at {} (apt-get install -y chromium)", chromium.display());

    let dir = scratch("site-browser");
    let rules = dir.join("rules");
    copy_dir(&fixtures(), &rules);
    std::fs::write(rules.join("elastic/evil.toml"), EVIL_RULE).unwrap();
    let site = dir.join("site");
    build(&rules, &site);

    let shots = root().join("target/catalog-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let out = Command::new("node")
        .arg("tests/site.mjs")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SITE", &site)
        .env("SCREENSHOTS", &shots)
        .env("CONSOLE_DIR", &console)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no summary from the browser test\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    println!("browser test summary: {summary:#}");
    assert!(out.status.success(), "the browser test failed: {:#}\nstderr:\n{stderr}", summary["failures"]);
    assert_eq!(summary["failures"], serde_json::json!([]));
    // Every page: the index, 5 techniques, 5 vendors, 13 rules; and the
    // pages opened again for the checks above.
    assert!(summary["pages"].as_u64().unwrap() >= 24, "{summary}");
    assert_eq!(summary["tables"]["summary"], 5);
    assert!(summary["search"]["secret"].as_u64().unwrap() > 0, "{summary}");
    for shot in ["index-light", "index-dark", "technique-T1552.007-light", "technique-T1552.007-dark"] {
        assert!(shots.join(format!("{shot}.png")).is_file(), "no screenshot {shot}");
    }
}
