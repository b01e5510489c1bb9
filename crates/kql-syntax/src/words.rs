//! The spellings of Kusto's operator words, shared by the parser and the
//! printer so both agree on every name.

use crate::ast::{ListOp, StringOpKind};

/// Spellings of the string operators.
pub const STRING_OPS: &[(&str, StringOpKind, bool, bool)] = &[
    ("has", StringOpKind::Has, false, false),
    ("!has", StringOpKind::Has, false, true),
    ("has_cs", StringOpKind::Has, true, false),
    ("!has_cs", StringOpKind::Has, true, true),
    ("hasprefix", StringOpKind::HasPrefix, false, false),
    ("!hasprefix", StringOpKind::HasPrefix, false, true),
    ("hasprefix_cs", StringOpKind::HasPrefix, true, false),
    ("!hasprefix_cs", StringOpKind::HasPrefix, true, true),
    ("hassuffix", StringOpKind::HasSuffix, false, false),
    ("!hassuffix", StringOpKind::HasSuffix, false, true),
    ("hassuffix_cs", StringOpKind::HasSuffix, true, false),
    ("!hassuffix_cs", StringOpKind::HasSuffix, true, true),
    ("contains", StringOpKind::Contains, false, false),
    ("!contains", StringOpKind::Contains, false, true),
    ("contains_cs", StringOpKind::Contains, true, false),
    ("!contains_cs", StringOpKind::Contains, true, true),
    ("startswith", StringOpKind::StartsWith, false, false),
    ("!startswith", StringOpKind::StartsWith, false, true),
    ("startswith_cs", StringOpKind::StartsWith, true, false),
    ("!startswith_cs", StringOpKind::StartsWith, true, true),
    ("endswith", StringOpKind::EndsWith, false, false),
    ("!endswith", StringOpKind::EndsWith, false, true),
    ("endswith_cs", StringOpKind::EndsWith, true, false),
    ("!endswith_cs", StringOpKind::EndsWith, true, true),
    // Legacy spellings Kusto still accepts.
    ("containscs", StringOpKind::Contains, true, false),
    ("notcontains", StringOpKind::Contains, false, true),
    ("notcontainscs", StringOpKind::Contains, true, true),
];

/// Spellings of the list operators.
pub const LIST_OPS: &[(&str, ListOp)] = &[
    ("in", ListOp::In),
    ("!in", ListOp::NotIn),
    ("in~", ListOp::InCi),
    ("!in~", ListOp::NotInCi),
    ("has_any", ListOp::HasAny),
    ("has_all", ListOp::HasAll),
];

/// Every word that acts as a binary operator; a name before one of these
/// is an operand, never an operator keyword.
pub fn is_operator_word(word: &str) -> bool {
    matches!(word, "and" | "or" | "between" | "matches")
        || STRING_OPS.iter().any(|(w, ..)| *w == word)
        || LIST_OPS.iter().any(|(w, _)| *w == word)
}
