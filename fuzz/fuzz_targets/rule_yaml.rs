//! Fuzzes the rule loader (`detect::rule::parse`): no rule file may panic
//! it, a rule comes back only when there is no error, and every problem
//! names a line and column inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (rule, diags) = detect::rule::parse(text, "fuzz.yaml");
    let errors = diags.iter().any(|d| d.is_error());
    assert_eq!(rule.is_some(), !errors, "{diags:?}");
    // YAML ends lines at \n, \r\n and a lone \r.
    let lines = text.replace("\r\n", "\n").replace('\r', "\n").split('\n').count() + 1;
    for d in &diags {
        assert!(d.line >= 1 && d.line <= lines && d.column >= 1, "{d:?} in {lines} lines");
        let _ = d.to_string();
    }
});
