//! Prints a syntax tree back to KQL text. The output is canonical (one
//! spelling per construct, parentheses only where precedence needs them)
//! and parses back to the same tree: `parse(print(q)) == q` up to spans.

use std::fmt::Write;

use crate::ast::*;
use crate::words::{LIST_OPS, STRING_OPS};

/// Prints `query` as KQL text.
pub fn print_query(query: &Query) -> String {
    let mut p = Printer { out: String::new() };
    p.statements(&query.statements, ";\n");
    p.out
}

/// Prints one expression as KQL text.
pub fn print_expr(expr: &Expr) -> String {
    let mut p = Printer { out: String::new() };
    p.expr(expr, 0);
    p.out
}

/// Words the parser reads as keywords in some position; a name spelled
/// like one is printed bracketed so it stays a name.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "null",
    "by",
    "on",
    "with",
    "of",
    "to",
    "from",
    "step",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "limit",
    "default",
    "kind",
    "in",
    "as",
    "where",
    "project",
    "let",
    "set",
    "declare",
    "alias",
    "restrict",
    "view",
    "print",
    "range",
    "union",
    "search",
    "find",
    "evaluate",
    "datatable",
    "externaldata",
    "external_data",
    "inline_external_table",
    "dynamic",
    "typeof",
    "between",
    "matches",
    "regex",
    "others",
    "output",
    "optional",
    "granny",
    "hint",
    "withsource",
    "isfuzzy",
    "entity_group",
    "macro",
    // Typed-literal words: `int(x)` would lex as a literal.
    "invoke",
    "datetime",
    "date",
    "time",
    "timespan",
    "guid",
    "uuid",
    "uniqueid",
    "int",
    "int32",
    "long",
    "int64",
    "real",
    "double",
    "decimal",
    "bool",
    "boolean",
];

/// Precedence of an expression, matching the parser's levels.
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Pipeline { .. } | ExprKind::Source(_) | ExprKind::Lambda(_) => 0,
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::NotEq => 3,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 6,
            BinaryOp::EqCi | BinaryOp::NotEqCi | BinaryOp::String(_) | BinaryOp::MatchesRegex => 7,
        },
        ExprKind::InList { .. } | ExprKind::Between { .. } => 3,
        ExprKind::SearchTerm { .. } => 7,
        ExprKind::Unary { .. } => 8,
        _ => 9,
    }
}

fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = match chars.next() {
        Some('$') => chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()),
        Some(c) => c == '_' || c.is_alphabetic(),
        None => false,
    };
    first_ok
        && name.chars().skip(1).all(|c| c == '_' || c.is_alphanumeric())
        && !KEYWORDS.contains(&name)
        && !STRING_OPS.iter().any(|(w, ..)| *w == name)
        && !LIST_OPS.iter().any(|(w, _)| *w == name)
}

/// `"text"` with escapes, as a KQL string literal.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn format_real(v: f64) -> String {
    if v.is_nan() {
        "real(nan)".into()
    } else if v.is_infinite() {
        if v > 0.0 { "real(+inf)".into() } else { "real(-inf)".into() }
    } else if v < 0.0 || (v == 0.0 && v.is_sign_negative()) {
        format!("real({v:?})")
    } else {
        // `{:?}` keeps a `.` or an exponent, so the text lexes as a real.
        let s = format!("{v:?}");
        if s.contains(['.', 'e', 'E']) { s } else { format!("{s}.0") }
    }
}

/// A datetime in ticks as `datetime(YYYY-MM-DDThh:mm:ss.fffffffZ)`.
pub fn format_datetime(ticks: i64) -> String {
    let days = ticks.div_euclid(864_000_000_000);
    let rem = ticks.rem_euclid(864_000_000_000);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / 10_000_000;
    let frac = rem % 10_000_000;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The proleptic Gregorian date of `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A timespan in ticks as `time([-]d.hh:mm:ss.fffffff)`.
pub fn format_timespan(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let days = t / 864_000_000_000;
    let rem = t % 864_000_000_000;
    let secs = rem / 10_000_000;
    let frac = rem % 10_000_000;
    format!("{sign}{days}.{:02}:{:02}:{:02}.{frac:07}", secs / 3600, secs / 60 % 60, secs % 60)
}

struct Printer {
    out: String,
}

impl Printer {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn ident(&mut self, id: &Ident) {
        self.name(&id.name);
    }

    fn name(&mut self, name: &str) {
        if is_plain_ident(name) {
            self.w(name);
        } else {
            self.w("[");
            self.w(&quote_string(name));
            self.w("]");
        }
    }

    fn statements(&mut self, stmts: &[Statement], sep: &str) {
        for (i, s) in stmts.iter().enumerate() {
            if i > 0 {
                self.w(sep);
            }
            self.statement(s);
        }
    }

    fn statement(&mut self, s: &Statement) {
        match s {
            Statement::Let(l) => {
                self.w("let ");
                self.ident(&l.name);
                self.w(" = ");
                self.expr(&l.value, 0);
            }
            Statement::Set(st) => {
                self.w("set ");
                // Dotted option names are printed as written.
                self.w(&st.name.name);
                if let Some(v) = &st.value {
                    self.w(" = ");
                    self.expr(v, 1);
                }
            }
            Statement::DeclareQueryParameters(d) => {
                self.w("declare query_parameters (");
                self.params(&d.params);
                self.w(")");
            }
            Statement::Alias(a) => {
                self.w("alias database ");
                self.ident(&a.name);
                self.w(" = ");
                self.expr(&a.value, 0);
            }
            Statement::Restrict(r) => {
                self.w("restrict access to (");
                self.operands(&r.entities);
                self.w(")");
            }
            Statement::Pattern(pt) => {
                self.w("declare pattern ");
                self.ident(&pt.name);
                if !pt.params.is_empty() {
                    self.w(" = (");
                    self.params(&pt.params);
                    self.w(")");
                    if let Some(path) = &pt.path {
                        self.w("[");
                        self.column_decls(std::slice::from_ref(path));
                        self.w("]");
                    }
                    self.w(" {");
                    for r in &pt.rules {
                        self.w(" (");
                        self.list_at(&r.args, 1);
                        self.w(")");
                        if let Some(path) = &r.path {
                            self.w(".[");
                            self.expr(path, 1);
                            self.w("]");
                        }
                        self.w(" = { ");
                        self.statements(&r.body, "; ");
                        self.w(" };");
                    }
                    self.w(" }");
                }
            }
            Statement::Expr(e) => self.expr(e, 0),
        }
    }

    fn params(&mut self, params: &[Param]) {
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.ident(&p.name);
            self.w(":");
            match &p.ty {
                ParamType::Scalar(t) => self.w(t.ty.name()),
                ParamType::Tabular(s) => self.schema(s),
            }
            if let Some(d) = &p.default {
                self.w(" = ");
                self.expr(d, 1);
            }
        }
    }

    fn schema(&mut self, s: &TableSchema) {
        self.w("(");
        self.column_decls(&s.columns);
        if s.open {
            if !s.columns.is_empty() {
                self.w(", ");
            }
            self.w("*");
        }
        self.w(")");
    }

    fn column_decls(&mut self, cols: &[ColumnDecl]) {
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.ident(&c.name);
            self.w(":");
            self.w(c.ty.ty.name());
        }
    }

    /// A comma-separated list; tabular items are parenthesised so a
    /// following comma cannot be read as part of their last operator.
    fn list(&mut self, items: &[Expr]) {
        for (i, e) in items.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.expr(e, if items.len() > 1 { 1 } else { 0 });
        }
    }

    fn expr(&mut self, e: &Expr, min: u8) {
        let p = prec(e);
        let paren = p < min;
        if paren {
            self.w("(");
        }
        self.expr_inner(e, p);
        if paren {
            self.w(")");
        }
    }

    fn expr_inner(&mut self, e: &Expr, p: u8) {
        match &e.kind {
            ExprKind::Literal(l) => self.literal(l),
            ExprKind::Name(id) => self.ident(id),
            ExprKind::Wildcard(w) => self.w(w),
            ExprKind::Member { target, member } => {
                // `0.x` would lex as the real `0.`: parenthesise numbers.
                let numeric = matches!(&target.kind, ExprKind::Literal(Literal::Long(_) | Literal::Real(_)));
                self.expr(target, if numeric { 10 } else { 9 });
                self.w(".");
                self.ident(member);
            }
            ExprKind::Index { target, index } => {
                self.expr(target, 9);
                self.w("[");
                self.expr(index, 1);
                self.w("]");
            }
            ExprKind::Call { func, args } => {
                self.expr(func, 9);
                self.w("(");
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    if let Some(n) = &a.name {
                        self.ident(n);
                        self.w(" = ");
                    }
                    self.expr(&a.value, if args.len() > 1 { 1 } else { 0 });
                }
                self.w(")");
            }
            ExprKind::Unary { op, operand } => {
                self.w(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                });
                // `- -1`, never `--1`: keep signs apart for readers.
                if matches!(operand.kind, ExprKind::Unary { .. }) {
                    self.w(" ");
                }
                self.expr(operand, 8);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let left_assoc = matches!(
                    op,
                    BinaryOp::Or
                        | BinaryOp::And
                        | BinaryOp::Add
                        | BinaryOp::Sub
                        | BinaryOp::Mul
                        | BinaryOp::Div
                        | BinaryOp::Mod
                );
                if !left_assoc {
                    self.expr(lhs, p + 1);
                    self.w(" ");
                    self.w(&binary_op_text(*op));
                    self.w(" ");
                    self.expr(rhs, p + 1);
                    return;
                }
                // A left-associative chain prints its operands in a loop: an
                // `or` chain is as long as the query, not bounded by nesting.
                let mut spine = vec![(*op, rhs.as_ref())];
                let mut first = lhs.as_ref();
                while let ExprKind::Binary { op, lhs, rhs } = &first.kind
                    && prec(first) == p
                {
                    spine.push((*op, rhs));
                    first = lhs;
                }
                self.expr(first, p);
                for (op, rhs) in spine.into_iter().rev() {
                    self.w(" ");
                    self.w(&binary_op_text(op));
                    self.w(" ");
                    self.expr(rhs, p + 1);
                }
            }
            ExprKind::InList { op, lhs, items } => {
                self.expr(lhs, p + 1);
                self.w(" ");
                self.w(LIST_OPS.iter().find(|(_, o)| o == op).map(|(w, _)| *w).unwrap_or("in"));
                self.w(" (");
                self.list(items);
                self.w(")");
            }
            ExprKind::Between { negated, lhs, low, high } => {
                self.expr(lhs, p + 1);
                self.w(if *negated { " !between (" } else { " between (" });
                self.expr(low, 1);
                self.w(" .. ");
                self.expr(high, 1);
                self.w(")");
            }
            ExprKind::SearchTerm { column, value } => {
                self.expr(column, 8);
                self.w(":");
                self.expr(value, 8);
            }
            ExprKind::Pipeline { source, ops } => {
                self.expr(source, 1);
                for op in ops {
                    self.w("\n| ");
                    self.operator(op);
                }
            }
            ExprKind::Source(op) => self.operator(op),
            ExprKind::Lambda(l) => {
                if l.view {
                    self.w("view ");
                }
                self.w("(");
                self.params(&l.params);
                self.w(") { ");
                self.statements(&l.body, "; ");
                self.w(" }");
            }
            ExprKind::EntityGroup(items) => {
                self.w("entity_group [");
                self.list_at(items, 1);
                self.w("]");
            }
            ExprKind::TypeOf(t) => {
                self.w("typeof");
                match t {
                    ParamType::Scalar(s) => {
                        self.w("(");
                        self.w(s.ty.name());
                        self.w(")");
                    }
                    ParamType::Tabular(s) => self.schema(s),
                }
            }
            ExprKind::Error => self.w("<error>"),
        }
    }

    fn literal(&mut self, l: &Literal) {
        match l {
            Literal::Bool(b) => self.w(if *b { "true" } else { "false" }),
            Literal::Int(v) => {
                let _ = write!(self.out, "int({v})");
            }
            Literal::Long(v) if *v < 0 => {
                let _ = write!(self.out, "long({v})");
            }
            Literal::Long(v) => {
                let _ = write!(self.out, "{v}");
            }
            Literal::Real(v) => self.w(&format_real(*v)),
            Literal::Decimal(d) => {
                let _ = write!(self.out, "decimal({d})");
            }
            Literal::String(s) => self.w(&quote_string(s)),
            Literal::Datetime(t) => {
                let _ = write!(self.out, "datetime({})", format_datetime(*t));
            }
            Literal::Timespan(t) => {
                let _ = write!(self.out, "time({})", format_timespan(*t));
            }
            Literal::Guid(g) => {
                let _ = write!(self.out, "guid({g})");
            }
            Literal::Null(ty) => {
                let _ = write!(self.out, "{}(null)", ty.name());
            }
            Literal::Dynamic(v) => {
                self.w("dynamic(");
                self.dyn_value(v);
                self.w(")");
            }
        }
    }

    fn dyn_value(&mut self, v: &DynValue) {
        match v {
            DynValue::Null => self.w("null"),
            DynValue::Bool(b) => self.w(if *b { "true" } else { "false" }),
            DynValue::Long(n) => {
                let _ = write!(self.out, "{n}");
            }
            DynValue::Real(r) if r.is_finite() => {
                let s = format!("{r:?}");
                self.w(&s);
                if !s.contains(['.', 'e', 'E']) {
                    self.w(".0");
                }
            }
            DynValue::Real(r) => self.w(&format_real(*r)),
            DynValue::String(s) => self.w(&quote_string(s)),
            DynValue::Datetime(t) => {
                let _ = write!(self.out, "datetime({})", format_datetime(*t));
            }
            DynValue::Timespan(t) => {
                let _ = write!(self.out, "time({})", format_timespan(*t));
            }
            DynValue::Guid(g) => {
                let _ = write!(self.out, "guid({g})");
            }
            DynValue::Array(items) => {
                self.w("[");
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.dyn_value(x);
                }
                self.w("]");
            }
            DynValue::Object(members) => {
                self.w("{");
                for (i, (k, x)) in members.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.w(&quote_string(k));
                    self.w(": ");
                    self.dyn_value(x);
                }
                self.w("}");
            }
        }
    }

    fn options(&mut self, opts: &[OptionArg]) {
        for o in opts {
            self.w(&o.name.name);
            self.w("=");
            self.expr(&o.value, 8);
            self.w(" ");
        }
    }

    fn inline_external_table(&mut self, t: &InlineExternalTable) {
        self.w("inline_external_table");
        if !t.schema.is_empty() {
            self.w("(");
            self.column_decls(&t.schema);
            self.w(")");
        }
        self.w(match t.kind {
            ExternalKind::Storage => " kind=storage",
            ExternalKind::Delta => " kind=delta",
        });
        if !t.partitions.is_empty() {
            self.w(" partition by (");
            for (i, p) in t.partitions.iter().enumerate() {
                if i > 0 {
                    self.w(", ");
                }
                self.column_decls(std::slice::from_ref(&p.column));
                if let Some(v) = &p.value {
                    self.w(" = ");
                    self.expr(v, 1);
                }
            }
            self.w(")");
        }
        if !t.path_format.is_empty() {
            self.w(" pathformat=(");
            for (i, part) in t.path_format.iter().enumerate() {
                if i > 0 {
                    self.w(" ");
                }
                self.expr(part, 8);
            }
            self.w(")");
        }
        if let Some(f) = &t.data_format {
            self.w(" dataformat=");
            self.ident(f);
        }
        self.w(" (");
        self.tables(&t.uris);
        self.w(")");
        if !t.properties.is_empty() {
            self.w(" with (");
            self.option_list(&t.properties);
            self.w(")");
        }
    }

    fn option_list(&mut self, opts: &[OptionArg]) {
        for (i, o) in opts.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.ident(&o.name);
            self.w("=");
            self.expr(&o.value, 8);
        }
    }

    fn assigns(&mut self, items: &[Assign]) {
        for (i, a) in items.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.assign(a);
        }
    }

    fn assign(&mut self, a: &Assign) {
        match a.names.len() {
            0 => {}
            1 => {
                self.ident(&a.names[0]);
                self.w(" = ");
            }
            _ => {
                self.w("(");
                for (i, n) in a.names.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.ident(n);
                }
                self.w(") = ");
            }
        }
        self.expr(&a.value, 1);
    }

    fn sort_key(&mut self, k: &SortKey) {
        self.expr(&k.expr, 1);
        match k.order {
            Some(SortOrder::Asc) => self.w(" asc"),
            Some(SortOrder::Desc) => self.w(" desc"),
            None => {}
        }
        match k.nulls {
            Some(NullsOrder::First) => self.w(" nulls first"),
            Some(NullsOrder::Last) => self.w(" nulls last"),
            None => {}
        }
    }

    fn sub_ops(&mut self, ops: &[Operator]) {
        self.w("(");
        for (i, op) in ops.iter().enumerate() {
            if i > 0 {
                self.w(" | ");
            }
            self.operator(op);
        }
        self.w(")");
    }

    fn expand_items(&mut self, items: &[ExpandItem]) {
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.assign(&it.value);
            if let Some(t) = &it.to {
                self.w(" to typeof(");
                self.w(t.ty.name());
                self.w(")");
            }
        }
    }

    fn tables(&mut self, tables: &[Expr]) {
        self.list_at(tables, 1);
    }

    /// Table operands (`union`, `search in`, `restrict`): the parser reads
    /// them as unary expressions, so anything looser is parenthesised.
    fn operands(&mut self, tables: &[Expr]) {
        self.list_at(tables, 8);
    }

    fn list_at(&mut self, items: &[Expr], min: u8) {
        for (i, t) in items.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.expr(t, min);
        }
    }

    fn operator(&mut self, op: &Operator) {
        match &op.kind {
            OperatorKind::Where(e) => {
                self.w("where ");
                self.expr(e, 1);
            }
            OperatorKind::Extend(a) => {
                self.w("extend ");
                self.assigns(a);
            }
            OperatorKind::Project(a) => {
                self.w("project ");
                self.assigns(a);
            }
            OperatorKind::ProjectAway(c) => {
                self.w("project-away ");
                self.tables(c);
            }
            OperatorKind::ProjectKeep(c) => {
                self.w("project-keep ");
                self.tables(c);
            }
            OperatorKind::ProjectByNames(c) => {
                self.w("project-by-names ");
                self.tables(c);
            }
            OperatorKind::ProjectRename(a) => {
                self.w("project-rename ");
                self.assigns(a);
            }
            OperatorKind::ProjectReorder(items) => {
                self.w("project-reorder ");
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.expr(&it.column, 1);
                    if let Some(o) = &it.order {
                        self.w(" ");
                        self.w(&o.name);
                    }
                }
            }
            OperatorKind::Summarize(s) => {
                self.w("summarize ");
                self.options(&s.options);
                self.assigns(&s.aggregates);
                if !s.by.is_empty() {
                    self.w(" by ");
                    self.assigns(&s.by);
                }
            }
            OperatorKind::Sort(keys) => {
                self.w("sort by ");
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.sort_key(k);
                }
            }
            OperatorKind::Top { count, by } => {
                self.w("top ");
                self.expr(count, 1);
                self.w(" by ");
                self.sort_key(by);
            }
            OperatorKind::TopNested(levels) => {
                for (i, l) in levels.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.w("top-nested ");
                    if let Some(c) = &l.count {
                        self.expr(c, 1);
                        self.w(" ");
                    }
                    self.w("of ");
                    self.assign(&l.of);
                    if let Some(o) = &l.others {
                        self.w(" with others = ");
                        self.expr(o, 1);
                    }
                    self.w(" by ");
                    self.assign(&l.by);
                    match l.order {
                        Some(SortOrder::Asc) => self.w(" asc"),
                        Some(SortOrder::Desc) => self.w(" desc"),
                        None => {}
                    }
                }
            }
            OperatorKind::TopHitters { count, of, by } => {
                self.w("top-hitters ");
                self.expr(count, 1);
                self.w(" of ");
                self.expr(of, 1);
                if let Some(b) = by {
                    self.w(" by ");
                    self.expr(b, 1);
                }
            }
            OperatorKind::Take(e) => {
                self.w("take ");
                self.expr(e, 1);
            }
            OperatorKind::Distinct(cols) => {
                self.w("distinct ");
                self.assigns(cols);
            }
            OperatorKind::Count => self.w("count"),
            OperatorKind::Union(u) => {
                self.w("union ");
                self.options(&u.options);
                self.operands(&u.tables);
            }
            OperatorKind::Join(j) | OperatorKind::Lookup(j) => {
                self.w(if matches!(op.kind, OperatorKind::Join(_)) { "join " } else { "lookup " });
                self.options(&j.options);
                self.expr(&j.right, 9);
                self.w(" on ");
                self.tables(&j.on);
            }
            OperatorKind::MvExpand(m) => {
                self.w(if m.legacy { "mvexpand " } else { "mv-expand " });
                self.options(&m.options);
                self.expand_items(&m.items);
                if let Some(l) = &m.limit {
                    self.w(" limit ");
                    self.expr(l, 1);
                }
            }
            OperatorKind::MvApply(m) => {
                self.w("mv-apply ");
                self.options(&m.options);
                self.expand_items(&m.items);
                if let Some(l) = &m.limit {
                    self.w(" limit ");
                    self.expr(l, 1);
                }
                self.w(" on ");
                self.sub_ops(&m.on);
            }
            OperatorKind::Parse(p) => {
                self.w(if p.where_ { "parse-where " } else { "parse " });
                self.options(&p.options);
                self.expr(&p.source, 1);
                self.w(" with");
                for part in &p.pattern {
                    self.w(" ");
                    match part {
                        ParsePart::Text(t) => self.w(&quote_string(t)),
                        ParsePart::Star => self.w("*"),
                        ParsePart::Column { name, ty } => {
                            self.ident(name);
                            if let Some(t) = ty {
                                self.w(":");
                                self.w(t.ty.name());
                            }
                        }
                    }
                }
            }
            OperatorKind::ParseKv(p) => {
                self.w("parse-kv ");
                self.expr(&p.source, 1);
                self.w(" as (");
                self.column_decls(&p.keys);
                self.w(")");
                if !p.options.is_empty() {
                    self.w(" with (");
                    self.option_list(&p.options);
                    self.w(")");
                }
            }
            OperatorKind::MakeSeries(m) => {
                self.w("make-series ");
                self.options(&m.options);
                for (i, a) in m.aggregates.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.assign(&a.value);
                    if let Some(d) = &a.default {
                        self.w(" default = ");
                        self.expr(d, 1);
                    }
                }
                self.w(" on ");
                self.expr(&m.on, 1);
                if m.in_range {
                    self.w(" in range(");
                    for (i, e) in [&m.from, &m.to].into_iter().flatten().chain([&m.step]).enumerate() {
                        if i > 0 {
                            self.w(", ");
                        }
                        self.expr(e, 1);
                    }
                    self.w(")");
                } else {
                    if let Some(f) = &m.from {
                        self.w(" from ");
                        self.expr(f, 1);
                    }
                    if let Some(t) = &m.to {
                        self.w(" to ");
                        self.expr(t, 1);
                    }
                    self.w(" step ");
                    self.expr(&m.step, 1);
                }
                if !m.by.is_empty() {
                    self.w(" by ");
                    self.assigns(&m.by);
                }
            }
            OperatorKind::Evaluate(e) => {
                self.w("evaluate ");
                self.options(&e.options);
                self.expr(&e.plugin, 9);
                if let Some(s) = &e.schema {
                    self.w(" : ");
                    self.schema(s);
                }
            }
            OperatorKind::Render(r) => {
                self.w("render ");
                self.ident(&r.visualization);
                if !r.properties.is_empty() {
                    self.w(" with (");
                    for (i, p) in r.properties.iter().enumerate() {
                        if i > 0 {
                            self.w(", ");
                        }
                        // Property names are fixed words: printed as they are.
                        self.w(&p.name.name);
                        self.w("=");
                        for (j, v) in p.values.iter().enumerate() {
                            if j > 0 {
                                self.w(", ");
                            }
                            self.expr(v, 8);
                        }
                    }
                    self.w(")");
                }
            }
            OperatorKind::As { options, name } => {
                self.w("as ");
                self.options(options);
                self.ident(name);
            }
            OperatorKind::Serialize(a) => {
                self.w("serialize");
                if !a.is_empty() {
                    self.w(" ");
                    self.assigns(a);
                }
            }
            OperatorKind::Sample(e) => {
                self.w("sample ");
                self.expr(e, 1);
            }
            OperatorKind::SampleDistinct { count, of } => {
                self.w("sample-distinct ");
                self.expr(count, 1);
                self.w(" of ");
                self.expr(of, 1);
            }
            OperatorKind::Search(s) => {
                self.w("search ");
                self.options(&s.options);
                if let Some(t) = &s.tables {
                    self.w("in (");
                    self.operands(t);
                    self.w(") ");
                }
                self.expr(&s.predicate, 1);
            }
            OperatorKind::Find(f) => {
                self.w("find ");
                self.options(&f.options);
                if let Some(t) = &f.tables {
                    self.w("in (");
                    self.operands(t);
                    self.w(") ");
                }
                self.w("where ");
                self.expr(&f.predicate, 1);
                match &f.project {
                    Some(FindProject::Smart) => self.w(" project-smart"),
                    Some(FindProject::Columns(cols)) => {
                        self.w(" project ");
                        for (i, c) in cols.iter().enumerate() {
                            if i > 0 {
                                self.w(", ");
                            }
                            self.expr(&c.expr, 1);
                            if let Some(t) = &c.ty {
                                self.w(":");
                                self.w(t.ty.name());
                            }
                        }
                    }
                    None => {}
                }
            }
            OperatorKind::Getschema => self.w("getschema"),
            OperatorKind::Invoke(e) => {
                self.w("invoke ");
                self.expr(e, 9);
            }
            OperatorKind::Facet { columns, with } => {
                self.w("facet by ");
                self.tables(columns);
                if let Some(ops) = with {
                    self.w(" with ");
                    self.sub_ops(ops);
                }
            }
            OperatorKind::Fork(branches) => {
                self.w("fork");
                for b in branches {
                    self.w(" ");
                    if let Some(n) = &b.name {
                        self.ident(n);
                        self.w("=");
                    }
                    self.sub_ops(&b.ops);
                }
            }
            OperatorKind::Partition(p) => {
                self.w("partition ");
                self.options(&p.options);
                self.w("by ");
                self.expr(&p.by, 1);
                match &p.body {
                    PartitionBody::Operators(ops) => {
                        self.w(" ");
                        self.sub_ops(ops);
                    }
                    PartitionBody::Query(q) => {
                        self.w(" { ");
                        self.expr(q, 0);
                        self.w(" }");
                    }
                }
            }
            OperatorKind::Scan(s) => {
                self.w("scan ");
                self.options(&s.options);
                if !s.declare.is_empty() {
                    self.w("declare (");
                    self.params(&s.declare);
                    self.w(") ");
                }
                self.w("with (");
                for st in &s.steps {
                    self.w(" step ");
                    self.ident(&st.name);
                    for o in &st.options {
                        self.w(" ");
                        self.w(&o.name.name);
                        self.w("=");
                        self.expr(&o.value, 8);
                    }
                    self.w(": ");
                    self.expr(&st.condition, 1);
                    if !st.assigns.is_empty() {
                        self.w(" => ");
                        self.assigns(&st.assigns);
                    }
                    self.w(";");
                }
                self.w(" )");
            }
            OperatorKind::Range { column, from, to, step } => {
                self.w("range ");
                self.ident(column);
                self.w(" from ");
                self.expr(from, 1);
                self.w(" to ");
                self.expr(to, 1);
                self.w(" step ");
                self.expr(step, 1);
            }
            OperatorKind::Print(a) => {
                self.w("print ");
                self.assigns(a);
            }
            OperatorKind::Datatable { schema, values } => {
                self.w("datatable(");
                self.column_decls(schema);
                self.w(") [");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.expr(v, 1);
                }
                self.w("]");
            }
            OperatorKind::Externaldata { schema, uris, properties } => {
                self.w("externaldata(");
                self.column_decls(schema);
                self.w(")");
                if !uris.is_empty() {
                    self.w(" [");
                    self.tables(uris);
                    self.w("]");
                }
                if !properties.is_empty() {
                    self.w(" with (");
                    self.option_list(properties);
                    self.w(")");
                }
            }
            OperatorKind::InlineExternalTable(t) => self.inline_external_table(t),
            OperatorKind::Reduce { options, by, with } => {
                self.w("reduce ");
                self.options(options);
                self.w("by ");
                self.expr(by, 1);
                if !with.is_empty() {
                    self.w(" with ");
                    self.option_list(with);
                }
            }
            OperatorKind::Consume(opts) => {
                self.w("consume");
                for o in opts {
                    self.w(" ");
                    self.w(&o.name.name);
                    self.w("=");
                    self.expr(&o.value, 8);
                }
            }
            OperatorKind::ProjectSmart => self.w("project-smart"),
            OperatorKind::MacroExpand { options, group, alias, body } => {
                self.w("macro-expand ");
                self.options(options);
                self.expr(group, 8);
                self.w(" as ");
                self.ident(alias);
                self.w(" (");
                self.statements(body, "; ");
                self.w(")");
            }
            OperatorKind::MakeGraph(g) => {
                self.w("make-graph ");
                self.options(&g.options);
                self.expr(&g.source, 9);
                self.w(if g.directed { " --> " } else { " -- " });
                self.expr(&g.target, 9);
                for (i, (t, k)) in g.nodes.iter().enumerate() {
                    self.w(if i == 0 { " with " } else { ", " });
                    self.expr(t, 1);
                    self.w(" on ");
                    self.expr(k, 9);
                }
                if let Some((c, ops)) = &g.partitioned_by {
                    self.w(" partitioned-by ");
                    self.expr(c, 9);
                    self.w(" ");
                    self.sub_ops(ops);
                }
            }
            OperatorKind::GraphMatch(g) => {
                self.w(if g.shortest { "graph-shortest-paths " } else { "graph-match " });
                self.options(&g.options);
                for (i, path) in g.patterns.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    for el in path {
                        match el {
                            GraphElement::Node(n) => {
                                self.w("(");
                                if let Some(n) = n {
                                    self.ident(n);
                                }
                                self.w(")");
                            }
                            GraphElement::Edge { name, left, right, range } => {
                                self.w(if *left { "<-" } else { "-" });
                                if name.is_some() || range.is_some() {
                                    self.w("[");
                                    if let Some(n) = name {
                                        self.ident(n);
                                    }
                                    if let Some((lo, hi)) = range {
                                        self.w("*");
                                        self.expr(lo, 8);
                                        self.w("..");
                                        self.expr(hi, 8);
                                    }
                                    self.w("]");
                                }
                                self.w(if *right { "->" } else { "-" });
                            }
                        }
                    }
                }
                if let Some(p) = &g.predicate {
                    self.w(" where ");
                    self.expr(p, 1);
                }
                if !g.project.is_empty() {
                    self.w(" project ");
                    self.assigns(&g.project);
                }
            }
            OperatorKind::GraphToTable(parts) => {
                self.w("graph-to-table ");
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.ident(&p.kind);
                    if let Some(a) = &p.alias {
                        self.w(" as ");
                        self.ident(a);
                    }
                    for o in &p.options {
                        self.w(" ");
                        self.w(&o.name.name);
                        self.w("=");
                        self.expr(&o.value, 8);
                    }
                }
            }
            OperatorKind::GraphMarkComponents(opts) => {
                self.w("graph-mark-components");
                for o in opts {
                    self.w(" ");
                    self.w(&o.name.name);
                    self.w("=");
                    self.expr(&o.value, 8);
                }
            }
            OperatorKind::Error => self.w("<error>"),
        }
    }
}

/// The KQL spelling of a binary operator.
pub fn binary_op_text(op: BinaryOp) -> String {
    match op {
        BinaryOp::Or => "or".into(),
        BinaryOp::And => "and".into(),
        BinaryOp::Eq => "==".into(),
        BinaryOp::NotEq => "!=".into(),
        BinaryOp::EqCi => "=~".into(),
        BinaryOp::NotEqCi => "!~".into(),
        BinaryOp::Lt => "<".into(),
        BinaryOp::Le => "<=".into(),
        BinaryOp::Gt => ">".into(),
        BinaryOp::Ge => ">=".into(),
        BinaryOp::MatchesRegex => "matches regex".into(),
        BinaryOp::Add => "+".into(),
        BinaryOp::Sub => "-".into(),
        BinaryOp::Mul => "*".into(),
        BinaryOp::Div => "/".into(),
        BinaryOp::Mod => "%".into(),
        BinaryOp::String(s) => STRING_OPS
            .iter()
            .find(|(_, k, cs, neg)| *k == s.kind && *cs == s.case_sensitive && *neg == s.negated)
            .map(|(w, ..)| w.to_string())
            .unwrap_or_default(),
    }
}
