//! Fuzzes the Sigma loader (`sigma::load`) and compiler: no rule file may
//! panic them, documents come back only when there is no error, every
//! diagnostic's line and column lie in the file, and every rule that loads
//! compiles to KQL that parses, or to errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mapping = sigma::Mapping::builtin();
    let (docs, diags) = sigma::load(text, "fuzz.yml", &mapping.placeholders);
    let errors = diags.iter().any(|d| d.is_error());
    assert!(!(errors && !docs.is_empty()), "{diags:?}");
    // YAML ends lines at \n, \r\n and a lone \r.
    let lines = text.replace("\r\n", "\n").replace('\r', "\n").split('\n').count() + 1;
    for d in &diags {
        assert!(d.line >= 1 && d.line <= lines && d.column >= 1, "{d:?} in {lines} lines");
        let _ = d.to_string();
    }
    for doc in &docs {
        if let sigma::Document::Rule(r) = doc
            && let Ok(c) = sigma::compile(r, &[], &mapping, &detect::sigma_rules::Tables)
        {
            let parsed = kql_syntax::parse(&c.kql);
            assert!(parsed.diagnostics.is_empty(), "{}\n{:?}", c.kql, parsed.diagnostics);
        }
    }
});
