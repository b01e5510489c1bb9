//! Fuzzes `kql_syntax::parse`: no input may panic, every diagnostic renders, and a query that parses cleanly round-trips through `print_query` to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = kql_syntax::parse(text);
    for diag in &parsed.diagnostics {
        let _ = diag.render(text, "<fuzz>");
    }
    if !parsed.is_ok() {
        return;
    }
    let printed = kql_syntax::print_query(&parsed.query);
    let again = kql_syntax::parse(&printed);
    if !again.is_ok() {
        let diags: Vec<String> = again.diagnostics.iter().map(|d| d.render(&printed, "<printed>")).collect();
        panic!(
            "printed query does not parse\n--- input ---\n{text}\n--- printed ---\n{printed}\n--- diagnostics ---\n{}",
            diags.join("\n")
        );
    }
    let before = kql_syntax::dump(&parsed.query, false);
    let after = kql_syntax::dump(&again.query, false);
    if before != after {
        panic!(
            "round trip changed the tree\n--- input ---\n{text}\n--- printed ---\n{printed}\n--- tree of input ---\n{before}\n--- tree of printed ---\n{after}"
        );
    }
});
