//! KQL (Sentinel analytics rules, Defender hunting queries) through
//! dragnet's own parser: every `where` of every pipeline (let bodies,
//! union and join legs included) as conditions. `let X = dynamic([...])`
//! lists are resolved where `in`/`has_any` name them; time windows
//! (`Timestamp > ago(7d)`) are not predicates and are left out.

use std::collections::HashMap;

use kql_syntax::ast::{BinaryOp, DynValue, Expr, ExprKind, ListOp, Literal, Operator, OperatorKind, Statement};

use crate::cond::Cond;

/// How deep the walk over the syntax tree goes.
const MAX_WALK: usize = 256;

/// The tables a query reads and its conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Kql {
    /// Tables named as pipeline sources.
    pub tables: Vec<String>,
    /// The `where` conditions, and'ed.
    pub cond: Cond,
}

/// Parses a query; `Err` with the first diagnostic when it does not parse.
pub fn parse(text: &str) -> Result<Kql, String> {
    let parsed = kql_syntax::parse(text);
    if let Some(d) = parsed.diagnostics.first() {
        return Err(format!("KQL: {} at byte {}", d.message, d.span.start));
    }
    let mut w = Walk { text, lists: HashMap::new(), tables: Vec::new(), conds: Vec::new() };
    for s in &parsed.query.statements {
        match s {
            Statement::Let(l) => {
                if let Some(values) = literal_list(&l.value) {
                    w.lists.insert(l.name.name.clone(), values);
                } else {
                    w.expr(&l.value, 0);
                }
            }
            Statement::Expr(e) => w.expr(e, 0),
            _ => {}
        }
    }
    Ok(Kql { tables: w.tables, cond: Cond::And(w.conds) })
}

struct Walk<'a> {
    text: &'a str,
    lists: HashMap<String, Vec<String>>,
    tables: Vec<String>,
    conds: Vec<Cond>,
}

impl Walk<'_> {
    fn src(&self, e: &Expr) -> String {
        self.text.get(e.span.start as usize..e.span.end as usize).unwrap_or_default().to_string()
    }

    /// Finds the pipelines inside `e` and their `where`s.
    fn expr(&mut self, e: &Expr, depth: usize) {
        if depth > MAX_WALK {
            self.conds.push(Cond::unknown("", format!("a query nested deeper than {MAX_WALK}")));
            return;
        }
        match &e.kind {
            ExprKind::Pipeline { source, ops } => {
                if let ExprKind::Name(n) = &source.kind
                    && !self.tables.contains(&n.name)
                    && !self.lists.contains_key(&n.name)
                {
                    self.tables.push(n.name.clone());
                }
                self.expr(source, depth + 1);
                for op in ops {
                    self.operator(op, depth + 1);
                }
            }
            ExprKind::Source(op) => self.operator(op, depth + 1),
            ExprKind::Lambda(l) => {
                for s in &l.body {
                    if let Statement::Expr(e) | Statement::Let(kql_syntax::ast::LetStmt { value: e, .. }) = s {
                        self.expr(e, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn operator(&mut self, op: &Operator, depth: usize) {
        match &op.kind {
            OperatorKind::Where(e) => {
                let c = self.cond(e, depth + 1);
                self.conds.push(c);
            }
            OperatorKind::Union(u) => u.tables.iter().for_each(|t| self.expr(t, depth + 1)),
            OperatorKind::Join(j) | OperatorKind::Lookup(j) => self.expr(&j.right, depth + 1),
            _ => {}
        }
    }

    fn cond(&self, e: &Expr, depth: usize) -> Cond {
        if depth > MAX_WALK {
            return Cond::unknown(&self.src(e), format!("a condition nested deeper than {MAX_WALK}"));
        }
        match &e.kind {
            ExprKind::Binary { op: BinaryOp::And, lhs, rhs } => {
                let mut items = Vec::new();
                for side in [lhs, rhs] {
                    match self.cond(side, depth + 1) {
                        Cond::And(v) => items.extend(v),
                        c => items.push(c),
                    }
                }
                Cond::And(items)
            }
            ExprKind::Binary { op: BinaryOp::Or, lhs, rhs } => {
                let mut items = Vec::new();
                for side in [lhs, rhs] {
                    match self.cond(side, depth + 1) {
                        Cond::Or(v) => items.extend(v),
                        c => items.push(c),
                    }
                }
                Cond::Or(items)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                if is_time_window(rhs) {
                    return Cond::And(Vec::new());
                }
                let Some(spelling) = binary_spelling(*op) else {
                    return Cond::unknown(&self.src(e), "arithmetic as a condition");
                };
                match (column(lhs), literal(rhs)) {
                    (Some(f), Some(v)) => Cond::pred(&f, &spelling, vec![v]),
                    (Some(_), None) => Cond::unknown(&self.src(e), "compares with a computed value or a column"),
                    _ => Cond::unknown(&self.src(e), "a comparison on a computed value"),
                }
            }
            ExprKind::InList { op, lhs, items } => {
                let Some(f) = column(lhs) else {
                    return Cond::unknown(&self.src(e), "a list test on a computed value");
                };
                let mut values = Vec::new();
                for i in items {
                    if let Some(v) = literal(i) {
                        values.push(v);
                    } else if let Some(vs) = literal_list(i) {
                        values.extend(vs);
                    } else if let ExprKind::Name(n) = &i.kind
                        && let Some(vs) = self.lists.get(&n.name)
                    {
                        values.extend(vs.iter().cloned());
                    } else {
                        return Cond::unknown(&self.src(e), "a list that is not of literals");
                    }
                }
                let spelling = match op {
                    ListOp::In => "in",
                    ListOp::NotIn => "!in",
                    ListOp::InCi => "in~",
                    ListOp::NotInCi => "!in~",
                    ListOp::HasAny => "has_any",
                    ListOp::HasAll => "has_all",
                };
                Cond::pred(&f, spelling, values)
            }
            ExprKind::Call { func, args } => {
                let ExprKind::Name(name) = &func.kind else {
                    return Cond::unknown(&self.src(e), "a call not analysed");
                };
                match (name.name.as_str(), args.as_slice()) {
                    ("not", [a]) => Cond::Not(Box::new(self.cond(&a.value, depth + 1))),
                    (n @ ("isempty" | "isnotempty" | "isnull" | "isnotnull"), [a]) => match column(&a.value) {
                        Some(f) => Cond::pred(&f, n, vec![]),
                        None => Cond::unknown(&self.src(e), "a null test on a computed value"),
                    },
                    (n @ ("ipv4_is_in_range" | "ipv4_is_in_any_range"), [a, rest @ ..]) if !rest.is_empty() => {
                        let values: Option<Vec<String>> = rest.iter().map(|r| literal(&r.value)).collect();
                        match (column(&a.value), values) {
                            (Some(f), Some(v)) => Cond::pred(&f, n, v),
                            _ => Cond::unknown(&self.src(e), "a range test not of literals"),
                        }
                    }
                    _ => Cond::unknown(&self.src(e), format!("a call of `{}`", name.name)),
                }
            }
            _ => Cond::unknown(&self.src(e), "a condition not analysed"),
        }
    }
}

fn binary_spelling(op: BinaryOp) -> Option<String> {
    // Comparisons and string operators only, spelled as the printer spells them.
    matches!(
        op,
        BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::EqCi
            | BinaryOp::NotEqCi
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::MatchesRegex
            | BinaryOp::String(_)
    )
    .then(|| kql_syntax::binary_op_text(op))
    .filter(|t| !t.is_empty())
}

/// `Col`, `Col.a.b`, `Col["a"]`, `tostring(Col.a)`, `tolower(Col)` as a dotted name.
fn column(e: &Expr) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = e;
    for _ in 0..64 {
        match &cur.kind {
            ExprKind::Name(n) => {
                parts.push(n.name.clone());
                parts.reverse();
                return Some(parts.join("."));
            }
            ExprKind::Member { target, member } => {
                parts.push(member.name.clone());
                cur = target;
            }
            ExprKind::Index { target, index } => {
                let ExprKind::Literal(Literal::String(k)) = &index.kind else { return None };
                parts.push(k.clone());
                cur = target;
            }
            ExprKind::Call { func, args } if args.len() == 1 => {
                let ExprKind::Name(f) = &func.kind else { return None };
                if !["tostring", "tolower", "toupper", "trim"].contains(&f.name.as_str()) {
                    return None;
                }
                cur = &args[0].value;
            }
            _ => return None,
        }
    }
    None
}

fn literal(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(l) => match l {
            Literal::String(s) | Literal::Decimal(s) | Literal::Guid(s) => Some(s.clone()),
            Literal::Bool(b) => Some(b.to_string()),
            Literal::Int(i) => Some(i.to_string()),
            Literal::Long(i) => Some(i.to_string()),
            Literal::Real(r) => Some(r.to_string()),
            _ => None,
        },
        ExprKind::Unary { operand, .. } => literal(operand).map(|v| format!("-{v}")),
        _ => None,
    }
}

/// `dynamic(["a", "b"])` or a parenthesised list of string literals.
fn literal_list(e: &Expr) -> Option<Vec<String>> {
    let ExprKind::Literal(Literal::Dynamic(DynValue::Array(items))) = &e.kind else { return None };
    items
        .iter()
        .map(|i| match i {
            DynValue::String(s) => Some(s.clone()),
            DynValue::Long(l) => Some(l.to_string()),
            _ => None,
        })
        .collect()
}

/// `ago(...)`, `now()`, `startofday(...)` and arithmetic on them.
fn is_time_window(e: &Expr) -> bool {
    let mut cur = e;
    for _ in 0..16 {
        match &cur.kind {
            ExprKind::Call { func, .. } => {
                return matches!(&func.kind, ExprKind::Name(n) if ["ago", "now", "startofday", "startofweek", "startofmonth", "datetime_add"].contains(&n.name.as_str()));
            }
            ExprKind::Binary { op: BinaryOp::Add | BinaryOp::Sub, lhs, .. } => cur = lhs,
            ExprKind::Literal(Literal::Datetime(_)) => return true,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: &str, op: &str, v: &[&str]) -> Cond {
        Cond::pred(field, op, v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn wheres_of_every_leg() {
        let q = r#"let Tools = dynamic(["kubectl", "docker"]);
DeviceProcessEvents
| where Timestamp > ago(1d)
| where FileName in~ (Tools) and ProcessCommandLine has_any ("get secrets", "exec")
| union (DeviceFileEvents | where FolderPath has "docker.sock" and not(InitiatingProcessFileName in~ ("dockerd")))
| where tostring(AdditionalFields.x) == "y" and strlen(A) > 3"#;
        let k = parse(q).unwrap();
        assert_eq!(k.tables, ["DeviceProcessEvents", "DeviceFileEvents"]);
        let Cond::And(parts) = k.cond else { panic!() };
        assert_eq!(parts[0], Cond::And(vec![]));
        assert_eq!(
            parts[1],
            Cond::And(vec![
                p("FileName", "in~", &["kubectl", "docker"]),
                p("ProcessCommandLine", "has_any", &["get secrets", "exec"])
            ])
        );
        assert_eq!(
            parts[2],
            Cond::And(vec![
                p("FolderPath", "has", &["docker.sock"]),
                Cond::Not(Box::new(p("InitiatingProcessFileName", "in~", &["dockerd"])))
            ])
        );
        let Cond::And(last) = &parts[3] else { panic!() };
        assert_eq!(last[0], p("AdditionalFields.x", "==", &["y"]));
        assert!(matches!(last[1], Cond::Unknown { .. }));
    }

    #[test]
    fn invalid_queries_are_errors() {
        assert!(parse("T | where (").is_err());
    }
}
