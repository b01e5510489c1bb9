//! Compiling a Sigma rule (with the filters that apply to it) to KQL over
//! its mapped table: `Table | where <predicate>`. The engine then plans it
//! as it plans any KQL, so Sigma rules share its semantics and its speed.
//!
//! Exactness is the point. Sigma matches case-insensitively with `*` and
//! `?` wildcards; the translation uses the KQL operator that means exactly
//! that and nothing else: `=~` for a whole value, `startswith`, `endswith`,
//! `contains` for one literal at an edge or inside (never `has`, which
//! matches whole terms), `matches regex` with `(?is)^...$` for any other
//! wildcard shape, and the `_cs` forms or `==` with `cased`. A comparison
//! that could be null (numbers, times, addresses) is wrapped in
//! `coalesce(.., false)` so that `not` of it keeps Sigma's two-valued
//! logic. What has no exact KQL form is an error, never an approximation.

use std::fmt::Write as _;

use kql_syntax::quote_string;

use crate::condition::MAX_NESTING;
use crate::expr::{Expr, Leaf, Native, line_regex, wildcard_regex};
use crate::mapping::{Mapping, SourceMap, Target};
use crate::model::{
    CompareOp, Condition, Detection, FieldMatch, FieldTest, Number, Pattern, Piece, Pos, Position, SearchBody,
    SigmaFilter, SigmaRule, TimePart, ValueTest,
};

/// The type of a column, as far as compiling needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `string`.
    String,
    /// `long` or `int`.
    Integer,
    /// `real`.
    Real,
    /// `bool`.
    Bool,
    /// `datetime`.
    DateTime,
    /// `dynamic` (JSON).
    Dynamic,
    /// Anything else (`guid`, `timespan`, ...).
    Other,
}

/// The tables a rule may be compiled against.
pub trait Schema {
    /// Whether the table exists.
    fn has_table(&self, table: &str) -> bool;
    /// The type of a column, or `None` when the table has no such column.
    fn column(&self, table: &str, column: &str) -> Option<ColumnType>;
}

/// A compiled rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// The table the query reads.
    pub table: String,
    /// The KQL.
    pub kql: String,
    /// The `where` condition of `kql` as a tree (the rule's, and not each
    /// filter's).
    pub condition: Expr,
    /// The result columns `kql` adds after the `where`: name and KQL
    /// expression, in order.
    pub extends: Vec<(String, String)>,
    /// The rule's `fields` that have a column: Sigma field → result column
    /// (a path into a dynamic column is added to the result by `extend`).
    pub details: Vec<(String, String)>,
    /// `fields` entries the mapping has no column for (left out).
    pub unmapped_fields: Vec<String>,
}

/// Why a rule does not compile, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The place in the rule file.
    pub pos: Pos,
    /// The key (`detection.selection.Image|endswith`, `logsource`).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// The file the problem is in when it is not the rule's (a filter's).
    pub file: Option<String>,
}

/// A value side of a comparison: a KQL expression and its type.
#[derive(Debug, Clone)]
struct Operand {
    expr: String,
    ty: ColumnType,
    /// A dynamic column without a path: a list of values.
    list: bool,
    /// A computed list, whose values are tested as the lines of their
    /// join: any wildcard, when no value holds a line break.
    lines: bool,
}

struct Ctx<'a> {
    rule: &'a SigmaRule,
    source: &'a SourceMap,
    schema: &'a dyn Schema,
}

/// Compiles `rule` with the `filters` that name it.
pub fn compile(
    rule: &SigmaRule,
    filters: &[&SigmaFilter],
    mapping: &Mapping,
    schema: &dyn Schema,
) -> Result<Compiled, Vec<CompileError>> {
    let ls_err =
        |message: String| vec![CompileError { pos: rule.meta.pos, key: "logsource".into(), message, file: None }];
    let Some(source) = mapping.source(&rule.logsource) else {
        return Err(ls_err(format!(
            "no table for logsource ({}): the Sigma mapping has no entry for it",
            rule.logsource
        )));
    };
    if !schema.has_table(&source.table) {
        return Err(ls_err(format!(
            "no table for logsource ({}): the mapping names {}, which is not a table dragnet has",
            rule.logsource, source.table
        )));
    }
    let cx = Ctx { rule, source, schema };
    let mut errors = Vec::new();
    let rows = match source_rows(&cx) {
        Ok(rows) => rows,
        Err(message) => return Err(ls_err(message)),
    };
    let rule_expr = detection(&cx, &rule.detection, "detection", &mut errors);
    let mut pred = rule_expr.to_kql();
    if let Some(r) = &rows {
        pred = format!("{} and {pred}", r.to_kql());
    }
    let mut condition: Vec<Expr> = rows.into_iter().collect();
    condition.push(rule_expr);
    for f in filters {
        let before = errors.len();
        let fexpr = detection(&cx, &f.detection, "filter", &mut errors);
        let fp = fexpr.to_kql();
        condition.push(Expr::Not(Box::new(fexpr)));
        for e in errors.iter_mut().skip(before) {
            e.file = Some(f.meta.origin.clone());
            if e.pos == rule.meta.pos {
                e.pos = f.meta.pos;
            }
        }
        let _ = write!(pred, " and not({fp})");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut kql = format!("{}\n| where {pred}", source.table);
    let (mut details, mut unmapped_fields, mut extends) = (Vec::new(), Vec::new(), Vec::new());
    for f in &rule.meta.fields {
        let target = cx.source.fields.iter().find(|(name, _)| name == f).map(|(_, t)| t);
        match target.map(|t| (t, resolve_target(&cx, t))) {
            Some((Target::Column(c), Ok(_))) if !c.contains('.') => details.push((f.clone(), c.to_string())),
            Some((_, Ok(o))) => {
                // A result column of the field's name, unless the table has
                // one (then `_sigma` added, a few times at most).
                let mut name = f.clone();
                for _ in 0..4 {
                    if cx.schema.column(&cx.source.table, &name).is_none() {
                        break;
                    }
                    name.push_str("_sigma");
                }
                if cx.schema.column(&cx.source.table, &name).is_some() {
                    unmapped_fields.push(f.clone());
                    continue;
                }
                if !details.iter().any(|(_, col)| *col == name) {
                    extends.push((name.clone(), o.expr));
                }
                details.push((f.clone(), name));
            }
            _ => unmapped_fields.push(f.clone()),
        }
    }
    if !extends.is_empty() {
        let list: Vec<String> = extends.iter().map(|(n, e)| format!("{} = {e}", ident(n))).collect();
        let _ = write!(kql, "\n| extend {}", list.join(", "));
    }
    let condition = if condition.len() == 1 { condition.remove(0) } else { Expr::And(condition) };
    Ok(Compiled { table: source.table.clone(), kql, condition, extends, details, unmapped_fields })
}

/// The test that a row holds the rule's logsource, when the mapping
/// restricts its table to some rows (`where`): every listed column equal,
/// whole and case-insensitively, to one of its values.
fn source_rows(cx: &Ctx) -> Result<Option<Expr>, String> {
    let mut parts = Vec::new();
    for (column, values) in &cx.source.rows {
        let o = resolve_column(cx, column)?;
        if o.list || o.ty != ColumnType::String {
            return Err(format!("the Sigma mapping restricts rows by `{column}`, which is not a text column"));
        }
        let patterns =
            values.iter().map(|v| Pattern::Text { pieces: vec![Piece::Lit(v.clone())], cased: false }).collect();
        let test = ValueTest { all: false, negate: false, patterns };
        let e = match value_set(&o, &test) {
            Some(set) => set,
            None => join(values.iter().map(|v| text(&o.expr, &[Piece::Lit(v.clone())], false)).collect(), "or"),
        };
        parts.push(e);
    }
    Ok((!parts.is_empty()).then(|| join(parts, "and")))
}

/// The KQL expression of a Sigma field of `rule`'s events (a column, or
/// `tostring()` of a path in a dynamic one), for reading its values.
pub fn field_expr(rule: &SigmaRule, field: &str, mapping: &Mapping, schema: &dyn Schema) -> Result<String, String> {
    let Some(source) = mapping.source(&rule.logsource) else {
        return Err(format!("no table for logsource ({})", rule.logsource));
    };
    resolve(&Ctx { rule, source, schema }, field).map(|o| o.expr)
}

fn detection(cx: &Ctx, det: &Detection, section: &str, errors: &mut Vec<CompileError>) -> Expr {
    let parts: Vec<Expr> = det.condition.iter().map(|c| condition(cx, det, c, section, 0, errors)).collect();
    join(parts, "or")
}

/// `and` or `or` of `parts`; one part is itself.
fn join(mut parts: Vec<Expr>, op: &str) -> Expr {
    if parts.len() == 1 {
        return parts.remove(0);
    }
    if op == "and" { Expr::And(parts) } else { Expr::Or(parts) }
}

fn condition(
    cx: &Ctx,
    det: &Detection,
    c: &Condition,
    section: &str,
    depth: usize,
    errors: &mut Vec<CompileError>,
) -> Expr {
    if depth > MAX_NESTING * 2 {
        errors.push(CompileError {
            pos: cx.rule.meta.pos,
            key: format!("{section}.condition"),
            message: "nested too deeply".into(),
            file: None,
        });
        return Expr::Const(false);
    }
    match c {
        Condition::Search(name) => search(cx, det, name, section, errors),
        Condition::Not(x) => Expr::Not(Box::new(condition(cx, det, x, section, depth + 1, errors))),
        Condition::And(xs) => {
            join(xs.iter().map(|x| condition(cx, det, x, section, depth + 1, errors)).collect(), "and")
        }
        Condition::Or(xs) => join(xs.iter().map(|x| condition(cx, det, x, section, depth + 1, errors)).collect(), "or"),
        Condition::Of { all, searches, .. } => join(
            searches.iter().map(|s| search(cx, det, s, section, errors)).collect(),
            if *all { "and" } else { "or" },
        ),
    }
}

fn search(cx: &Ctx, det: &Detection, name: &str, section: &str, errors: &mut Vec<CompileError>) -> Expr {
    let Some(s) = det.searches.iter().find(|s| s.name == name) else {
        errors.push(CompileError {
            pos: cx.rule.meta.pos,
            key: format!("{section}.condition"),
            message: format!("no search `{name}`"),
            file: None,
        });
        return Expr::Const(false);
    };
    let key = format!("{section}.{name}");
    match &s.body {
        SearchBody::Maps(groups) => join(
            groups.iter().map(|g| join(g.iter().map(|m| field_match(cx, m, &key, errors)).collect(), "and")).collect(),
            "or",
        ),
        SearchBody::Keywords(v) => keywords(cx, v, s.pos, &key, errors),
    }
}

fn keywords(cx: &Ctx, v: &ValueTest, pos: Pos, key: &str, errors: &mut Vec<CompileError>) -> Expr {
    if cx.source.keywords.is_empty() {
        errors.push(CompileError {
            pos,
            key: key.to_string(),
            message: format!(
                "a keyword search needs a text column, and the mapping gives none for logsource ({})",
                cx.rule.logsource
            ),
            file: None,
        });
        return Expr::Const(false);
    }
    let mut columns = Vec::new();
    for c in &cx.source.keywords {
        match resolve_column(cx, c) {
            Ok(o) => columns.push(o),
            Err(message) => {
                errors.push(CompileError { pos, key: key.to_string(), message, file: None });
                return Expr::Const(false);
            }
        }
    }
    let per_pattern: Vec<Expr> = v
        .patterns
        .iter()
        .map(|p| {
            join(columns.iter().map(|o| leaf(cx, o, p).unwrap_or_else(|m| err(errors, pos, key, m))).collect(), "or")
        })
        .collect();
    let e = join(per_pattern, if v.all { "and" } else { "or" });
    if v.negate { Expr::Not(Box::new(e)) } else { e }
}

fn err(errors: &mut Vec<CompileError>, pos: Pos, key: &str, message: String) -> Expr {
    errors.push(CompileError { pos, key: key.to_string(), message, file: None });
    Expr::Const(false)
}

fn field_match(cx: &Ctx, m: &FieldMatch, key: &str, errors: &mut Vec<CompileError>) -> Expr {
    let key = format!("{key}.{}", m.key);
    let o = match resolve(cx, &m.field) {
        Ok(o) => o,
        Err(message) => return err(errors, m.pos, &key, message),
    };
    match &m.test {
        FieldTest::Exists(yes) => {
            let e = if o.ty == ColumnType::String {
                text(&o.expr, &[Piece::Many], false)
            } else {
                Expr::kql(format!("isnotnull({})", o.expr))
            };
            if *yes { e } else { Expr::Not(Box::new(e)) }
        }
        FieldTest::Null => {
            if o.ty == ColumnType::String {
                text(&o.expr, &[], false)
            } else {
                Expr::kql(format!("isnull({})", o.expr))
            }
        }
        FieldTest::Values(v) => {
            if let Some(set) = value_set(&o, v) {
                return if v.negate { Expr::Not(Box::new(set)) } else { set };
            }
            let parts: Vec<Expr> = v
                .patterns
                .iter()
                .map(|p| leaf(cx, &o, p).unwrap_or_else(|msg| err(errors, m.pos, &key, msg)))
                .collect();
            let e = join(parts, if v.all { "and" } else { "or" });
            if v.negate { Expr::Not(Box::new(e)) } else { e }
        }
    }
}

/// A list of whole values (any of them) against a text field as one set
/// test: `in~` (or `in` with `cased`), exactly `=~` (`==`) of each.
fn value_set(o: &Operand, v: &ValueTest) -> Option<Expr> {
    if o.list || o.ty != ColumnType::String || v.all || v.patterns.len() < 2 {
        return None;
    }
    let mut cased = None;
    let mut values = Vec::with_capacity(v.patterns.len());
    for p in &v.patterns {
        let (text, c) = match p {
            Pattern::Text { pieces, cased } => (literal_text(pieces)?.to_string(), *cased),
            Pattern::Number(n) => (n.to_string(), false),
            _ => return None,
        };
        if *cased.get_or_insert(c) != c {
            return None;
        }
        values.push(text);
    }
    let cased = cased == Some(true);
    let op = if cased { "in" } else { "in~" };
    let list: Vec<String> = values.iter().map(|v| quote_string(v)).collect();
    let kql = format!("{} {op} ({})", o.expr, list.join(", "));
    Some(Expr::Leaf(Leaf { kql, native: Some(Native::Set { operand: o.expr.clone(), values, cased }) }))
}

fn ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { name.to_string() } else { format!("[{}]", quote_string(name)) }
}

/// A Sigma field through the mapping.
fn resolve(cx: &Ctx, field: &str) -> Result<Operand, String> {
    let Some((_, target)) = cx.source.fields.iter().find(|(f, _)| f == field) else {
        return Err(format!(
            "rule `{}`: field `{field}` has no column in the Sigma mapping for logsource ({})",
            cx.rule.meta.title, cx.rule.logsource
        ));
    };
    resolve_target(cx, target)
}

/// A mapping target: a column or path, or a computed expression (in
/// parentheses, so that it stays one operand wherever it is put).
fn resolve_target(cx: &Ctx, target: &Target) -> Result<Operand, String> {
    match target {
        Target::Column(c) => resolve_column(cx, c),
        Target::Kql { expr, list: false } => {
            Ok(Operand { expr: format!("({expr})"), ty: ColumnType::String, list: false, lines: false })
        }
        Target::Kql { expr, list: true } => {
            Ok(Operand { expr: format!("({expr})"), ty: ColumnType::Dynamic, list: true, lines: true })
        }
    }
}

/// `Column` or `Column.path.in.it` against the table.
fn resolve_column(cx: &Ctx, target: &str) -> Result<Operand, String> {
    let table = &cx.source.table;
    let mut parts = target.split('.');
    let column = parts.next().unwrap_or("");
    let path: Vec<&str> = parts.collect();
    let Some(ty) = cx.schema.column(table, column) else {
        return Err(format!("the Sigma mapping names column `{column}`, which {table} does not have"));
    };
    if path.is_empty() {
        return Ok(Operand { expr: ident(column), ty, list: ty == ColumnType::Dynamic, lines: false });
    }
    if ty != ColumnType::Dynamic {
        return Err(format!("the Sigma mapping reads a path in `{column}`, which is not a dynamic column of {table}"));
    }
    let mut expr = ident(column);
    for p in path {
        let _ = write!(expr, "[{}]", quote_string(p));
    }
    Ok(Operand { expr: format!("tostring({expr})"), ty: ColumnType::String, list: false, lines: false })
}

fn compare_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "==",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
    }
}

fn number(n: Number) -> String {
    match n {
        Number::Int(i) => format!("long({i})"),
        Number::Real(r) => format!("real({r:?})"),
    }
}

fn literal_text(pieces: &[Piece]) -> Option<&str> {
    match pieces {
        [Piece::Lit(s)] => Some(s),
        _ => None,
    }
}

/// One pattern against one operand: a text test as data where it is one,
/// otherwise a KQL leaf.
fn leaf(cx: &Ctx, o: &Operand, p: &Pattern) -> Result<Expr, String> {
    if !o.list {
        match (p, o.ty) {
            (Pattern::Text { pieces, cased }, ColumnType::String) => return Ok(text(&o.expr, pieces, *cased)),
            (Pattern::Text { pieces, cased }, ColumnType::Integer | ColumnType::Real)
                if literal_text(pieces).and_then(crate::value::number).is_none() =>
            {
                return Ok(text(&format!("tostring({})", o.expr), pieces, *cased));
            }
            (Pattern::Number(n), ColumnType::String) => {
                return Ok(text(&o.expr, &[Piece::Lit(n.to_string())], false));
            }
            (Pattern::Regex { pattern, insensitive, multiline, dotall }, _) => {
                let mut flags = String::new();
                for (on, f) in [(*insensitive, 'i'), (*multiline, 'm'), (*dotall, 's')] {
                    if on {
                        flags.push(f);
                    }
                }
                let re = if flags.is_empty() { pattern.clone() } else { format!("(?{flags}){pattern}") };
                let e = if o.ty == ColumnType::String { o.expr.clone() } else { format!("tostring({})", o.expr) };
                let kql = format!("{e} matches regex {}", quote_string(&re));
                return Ok(Expr::Leaf(Leaf { kql, native: Some(Native::Regex { operand: e, pattern: re }) }));
            }
            _ => {}
        }
    }
    leaf_kql(cx, o, p).map(Expr::kql)
}

/// One pattern against one operand, as KQL text.
fn leaf_kql(cx: &Ctx, o: &Operand, p: &Pattern) -> Result<String, String> {
    if o.list {
        return match p {
            // `*`: some element that is not empty.
            Pattern::Text { pieces, .. } if matches!(pieces.as_slice(), [Piece::Many]) => {
                Ok(format!("coalesce(array_length(set_difference({}, dynamic([\"\"]))) > 0, false)", o.expr))
            }
            // Each value on a line of its own: some line matches whole.
            // Only when no value holds a line break (as many lines as
            // values); a list with one is matched by `*` alone.
            Pattern::Text { pieces, cased } if o.lines => Ok(format!(
                "coalesce(countof(strcat_array({l}, \"\\n\"), \"\\n\") == array_length({l}) - 1 \
                 and strcat_array({l}, \"\\n\") matches regex {re}, false)",
                l = o.expr,
                re = quote_string(&line_regex(pieces, *cased))
            )),
            Pattern::Text { pieces, cased } => match literal_text(pieces) {
                Some(s) if *cased || s.chars().all(|c| !c.is_alphabetic()) => {
                    Ok(format!("set_has_element({}, {})", o.expr, quote_string(s)))
                }
                _ => Err("a list field is matched only by exact values without letters, or with `cased`".into()),
            },
            Pattern::Number(n) => Ok(format!("set_has_element({}, {})", o.expr, number(*n))),
            _ => Err("a list field is matched only by exact values".into()),
        };
    }
    match p {
        Pattern::Text { pieces, cased } => match o.ty {
            ColumnType::String => Ok(text(&o.expr, pieces, *cased).to_kql()),
            ColumnType::Integer | ColumnType::Real => match literal_text(pieces).and_then(crate::value::number) {
                Some(n) => Ok(format!("{} == {}", o.expr, number(n))),
                None => Ok(text(&format!("tostring({})", o.expr), pieces, *cased).to_kql()),
            },
            ColumnType::Bool => match literal_text(pieces).map(str::to_ascii_lowercase).as_deref() {
                Some("true") => Ok(format!("{} == true", o.expr)),
                Some("false") => Ok(format!("{} == false", o.expr)),
                _ => Err("a boolean field is matched only by true or false".into()),
            },
            _ => Err("this field's column is not text; match it with numeric or time modifiers".into()),
        },
        Pattern::Number(n) => match o.ty {
            ColumnType::String => Ok(format!("{} =~ {}", o.expr, quote_string(&n.to_string()))),
            ColumnType::Integer | ColumnType::Real => Ok(format!("{} == {}", o.expr, number(*n))),
            _ => Err("a number cannot be compared with this field's column".into()),
        },
        Pattern::Regex { .. } => Err("a regular expression is compiled by `leaf`".into()),
        Pattern::Compare { part: None, op, value } => match o.ty {
            ColumnType::Integer | ColumnType::Real => {
                Ok(format!("coalesce({} {} {}, false)", o.expr, compare_op(*op), number(*value)))
            }
            ColumnType::String => {
                Ok(format!("coalesce(toreal({}) {} {}, false)", o.expr, compare_op(*op), number(*value)))
            }
            _ => Err("numeric modifiers need a number or text column".into()),
        },
        Pattern::Compare { part: Some(part), op, value } => {
            if o.ty != ColumnType::DateTime {
                return Err("time modifiers need a datetime column".into());
            }
            let name = match part {
                TimePart::Minute => "minute",
                TimePart::Hour => "hour",
                TimePart::Day => "day",
                TimePart::Week => "week_of_year",
                TimePart::Month => "month",
                TimePart::Year => "year",
            };
            Ok(format!(
                "coalesce(datetime_part({}, {}) {} {}, false)",
                quote_string(name),
                o.expr,
                compare_op(*op),
                number(*value)
            ))
        }
        Pattern::Cidr { network, prefix, v6 } => {
            if o.ty != ColumnType::String {
                return Err("`cidr` needs a text column holding addresses".into());
            }
            let range = quote_string(&format!("{network}/{prefix}"));
            if *v6 {
                // An IPv4 address is never in an IPv6 network (as in Sigma's
                // reference implementations), though ipv6_is_in_range maps it.
                return Ok(format!(
                    "({e} contains \":\" and coalesce(ipv6_is_in_range({e}, {range}), false))",
                    e = o.expr
                ));
            }
            Ok(format!("coalesce(ipv4_is_in_range({}, {range}), false)", o.expr))
        }
        Pattern::FieldRef { field, position, cased } => {
            let other = resolve(cx, field)?;
            if o.ty != ColumnType::String || other.ty != ColumnType::String || other.list {
                return Err("`fieldref` compares two text fields".into());
            }
            let (a, b) = (&o.expr, &other.expr);
            let eq = if *cased { "==" } else { "=~" };
            match position {
                Position::Equal => Ok(format!("{a} {eq} {b}")),
                Position::Start => Ok(format!("substring({a}, 0, strlen({b})) {eq} {b}")),
                Position::End => {
                    Ok(format!("(strlen({a}) >= strlen({b}) and substring({a}, strlen({a}) - strlen({b})) {eq} {b})"))
                }
                Position::Anywhere if *cased => Ok(format!("indexof({a}, {b}) >= 0")),
                Position::Anywhere => Err("`fieldref|contains` without `cased` has no exact KQL form".into()),
            }
        }
    }
}

/// A wildcard string against a text expression.
fn text(e: &str, pieces: &[Piece], cased: bool) -> Expr {
    let cs = if cased { "_cs" } else { "" };
    let kql = match pieces {
        [] => format!("isempty({e})"),
        [Piece::Lit(s)] => format!("{e} {} {}", if cased { "==" } else { "=~" }, quote_string(s)),
        [Piece::Many] => format!("isnotempty({e})"),
        [Piece::Many, Piece::Lit(s), Piece::Many] => format!("{e} contains{cs} {}", quote_string(s)),
        [Piece::Lit(s), Piece::Many] => format!("{e} startswith{cs} {}", quote_string(s)),
        [Piece::Many, Piece::Lit(s)] => format!("{e} endswith{cs} {}", quote_string(s)),
        _ => format!("{e} matches regex {}", quote_string(&wildcard_regex(pieces, cased))),
    };
    Expr::Leaf(Leaf { kql, native: Some(Native::Text { operand: e.to_string(), pieces: pieces.to_vec(), cased }) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;

    /// A schema in which every column exists, as text or dynamic.
    struct Everything;

    impl Schema for Everything {
        fn has_table(&self, _: &str) -> bool {
            true
        }

        fn column(&self, _: &str, c: &str) -> Option<ColumnType> {
            Some(if c == "ObjectRef" || c == "User" { ColumnType::Dynamic } else { ColumnType::String })
        }
    }

    #[test]
    fn a_field_added_for_alerts_gives_up_on_a_schema_that_has_every_name() {
        let text = "title: t\nlogsource: {product: kubernetes, service: audit}\n\
                    detection:\n  s:\n    verb: get\n  condition: s\nfields:\n  - user.username\n  - verb\n";
        let (docs, diags) = crate::load(text, "t.yml", &Default::default());
        assert!(diags.is_empty(), "{diags:?}");
        let Document::Rule(r) = &docs[0] else { panic!() };
        let c = compile(r, &[], &Mapping::builtin(), &Everything).unwrap();
        assert_eq!(c.unmapped_fields, vec!["user.username"]);
        assert_eq!(c.details, vec![("verb".to_string(), "Verb".to_string())]);
        assert!(!c.kql.contains("extend"), "{}", c.kql);
    }
}
