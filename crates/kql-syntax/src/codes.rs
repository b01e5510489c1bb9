//! Diagnostic codes of the syntax layer. Codes are stable: tools may match
//! on them. `KQL1xx` are syntax errors; binding errors (`KQL2xx`) belong to
//! the engine.

/// KQL101: a token the grammar does not allow here. The message says what
/// was expected and what was found.
pub const EXPECTED: &str = "KQL101";
/// KQL102: text that is no token: an unclosed string, a stray character.
pub const INVALID_TOKEN: &str = "KQL102";
/// KQL103: a literal whose text is not a valid value of its type:
/// `datetime(2024-13-01)`, `guid(xyz)`, a bad escape in a string.
pub const INVALID_LITERAL: &str = "KQL103";
/// KQL104: a tabular operator name that does not exist; the help names
/// the closest one (`summarise` → `summarize`).
pub const UNKNOWN_OPERATOR: &str = "KQL104";
/// KQL105: a type name that does not exist (`x:strng`).
pub const UNKNOWN_TYPE: &str = "KQL105";
/// KQL106: nesting deeper than the parser follows.
pub const TOO_DEEP: &str = "KQL106";
/// KQL107: an opening bracket with no matching closing bracket.
pub const UNCLOSED: &str = "KQL107";

/// Every code with its one-line meaning, for `--help` and docs.
pub const ALL: &[(&str, &str)] = &[
    (EXPECTED, "unexpected token: the message says what was expected"),
    (INVALID_TOKEN, "text that is not a token (unclosed string, stray character)"),
    (INVALID_LITERAL, "a literal that is not a valid value of its type"),
    (UNKNOWN_OPERATOR, "unknown tabular operator"),
    (UNKNOWN_TYPE, "unknown scalar type"),
    (TOO_DEEP, "the query nests too deeply"),
    (UNCLOSED, "a bracket that is never closed"),
];
