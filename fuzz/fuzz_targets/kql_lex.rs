//! Fuzzes `kql_syntax::lex`: no input may panic, and every token span lies within the text on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (tokens, diags) = kql_syntax::lex(text);
    for tok in &tokens {
        let (start, end) = (tok.span.start as usize, tok.span.end as usize);
        assert!(start <= end, "token {tok:?} has start > end in {text:?}");
        assert!(end <= text.len(), "token {tok:?} ends past the text (len {}) in {text:?}", text.len());
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "token {tok:?} is not on char boundaries in {text:?}"
        );
    }
    assert!(
        tokens.last().is_some_and(|t| t.kind == kql_syntax::TokenKind::Eof),
        "token list does not end with Eof for {text:?}"
    );
    for diag in &diags {
        let (start, end) = (diag.span.start as usize, diag.span.end as usize);
        assert!(start <= end && end <= text.len(), "diagnostic {diag:?} is out of the text in {text:?}");
        let _ = diag.render(text, "<fuzz>");
    }
});
