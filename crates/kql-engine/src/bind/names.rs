//! Kusto's rules for naming output columns that the query does not name.

use kql_syntax::ast::{self, ExprKind};

pub(crate) use crate::functions::aggregate::AGGREGATES;

/// Whether `name` is an aggregation function.
pub(crate) fn is_aggregate(name: &str) -> bool {
    AGGREGATES.iter().any(|(n, _)| *n == name)
}

/// The deprecated spellings the docs list for a function ("Deprecated
/// aliases" on its page), with the name each stands for. `replace` keeps
/// its own argument order (regex, rewrite, text), reordered by the caller.
const DEPRECATED: &[(&str, &str)] = &[
    ("makeset", "make_set"),
    ("makelist", "make_list"),
    ("replace", "replace_regex"),
    ("extractjson", "extract_json"),
    ("arraylength", "array_length"),
    ("base64_decodestring", "base64_decode_tostring"),
    ("columnifexists", "column_ifexists"),
    ("make_string", "unicode_codepoints_to_string"),
    ("notempty", "isnotempty"),
    ("notnull", "isnotnull"),
    ("base64_encodestring", "base64_encode_tostring"),
    ("datepart", "datetime_part"),
    ("extractall", "extract_all"),
    ("parseurl", "parse_url"),
    ("parseurlquery", "parse_urlquery"),
    ("toobject", "todynamic"),
    ("totime", "totimespan"),
    ("to_utf8", "unicode_codepoints_from_string"),
    ("weekofyear", "week_of_year"),
    ("argmax", "arg_max"),
    ("argmin", "arg_min"),
    ("anyif", "take_anyif"),
];

/// The documented name of a function spelled `name` (a deprecated alias is
/// replaced, any other name kept).
pub(crate) fn canonical_function(name: &str) -> &str {
    DEPRECATED.iter().find(|(old, _)| *old == name).map_or(name, |(_, new)| new)
}

/// Whether `name` is a deprecated spelling whose default `maxSize` is 128
/// (make-set-aggregation-function, make-list-aggregation-function).
pub(crate) fn is_legacy_collect(name: &str) -> bool {
    matches!(name, "makeset" | "makelist")
}

/// The default `maxSize` of `makeset` and `makelist`.
pub(crate) const LEGACY_MAX_SIZE: i64 = 128;

/// Functions whose result is named after their first argument.
const FIRST_ARGUMENT: &[&str] = &[
    "tostring",
    "toint",
    "tolong",
    "toreal",
    "todouble",
    "todatetime",
    "totimespan",
    "tobool",
    "toboolean",
    "todecimal",
    "toguid",
    "todynamic",
    "parse_json",
    "parsejson",
    "format_datetime",
    "format_timespan",
    "split",
    "bin",
    "floor",
    "bin_at",
    "bin_auto",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "round",
    "ceiling",
    "pow",
    "sqrt",
    "log",
    "log2",
    "log10",
    "exp",
    "abs",
];

/// Whether a call of `name` is named after its first argument.
pub(crate) fn named_after_first_argument(name: &str) -> bool {
    FIRST_ARGUMENT.contains(&name)
}

/// Functions whose column is named `<function>_<first argument>`
/// (`dcount_hll_merged`, `percentile_tdigest_tdigestRes`: hll-merge-function.md,
/// merge-tdigest-function.md, rank-tdigest-function.md).
const FUNCTION_AND_FIRST_ARGUMENT: &[&str] = &["dcount_hll", "percentile_tdigest"];

/// The name Kusto infers for an expression, if any: a column keeps its
/// name, `d.a.b` becomes `d_a_b`, conversions keep their argument's name.
pub(crate) fn inferred(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Member { target, member } => match &target.kind {
            ExprKind::Name(t) if t.name == "$left" || t.name == "$right" => Some(member.name.clone()),
            _ => Some(format!("{}_{}", inferred(target)?, member.name)),
        },
        ExprKind::Index { target, index } => {
            let key = match &index.kind {
                ExprKind::Literal(ast::Literal::String(s)) => s.clone(),
                ExprKind::Literal(ast::Literal::Long(n)) => n.to_string(),
                _ => return None,
            };
            Some(format!("{}_{key}", inferred(target)?))
        }
        ExprKind::Call { func, args } => match &func.kind {
            ExprKind::Name(f) if named_after_first_argument(&f.name) => inferred(&args.first()?.value),
            // node-degree-out.md prints `node_degree_out(src)` as the column `node_degree_out`.
            ExprKind::Name(f) if super::ops::is_node_function(func) => Some(f.name.clone()),
            ExprKind::Name(f) if FUNCTION_AND_FIRST_ARGUMENT.contains(&f.name.as_str()) => {
                Some(format!("{}_{}", f.name, inferred(&args.first()?.value)?))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Hands out unique column names within one operator's output.
#[derive(Debug, Default)]
pub(crate) struct NameTable {
    taken: std::collections::HashSet<String>,
    next_column: usize,
}

impl NameTable {
    /// A table that already holds `names`.
    pub fn with(names: impl IntoIterator<Item = String>) -> NameTable {
        NameTable { taken: names.into_iter().collect(), next_column: 0 }
    }

    /// Reserves `name`, adding `1`, `2`, ... when it is taken.
    pub fn unique(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut i = 0;
        while self.taken.contains(&candidate) {
            i += 1;
            candidate = format!("{name}{i}");
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// The next free `ColumnN` name.
    pub fn column(&mut self) -> String {
        loop {
            self.next_column += 1;
            let c = format!("Column{}", self.next_column);
            if !self.taken.contains(&c) {
                self.taken.insert(c.clone());
                return c;
            }
        }
    }

    /// Marks `name` as taken.
    pub fn take(&mut self, name: &str) {
        if !self.taken.contains(name) {
            self.taken.insert(name.to_string());
        }
    }
}
