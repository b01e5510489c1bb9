//! `declare pattern` (pattern-statement.md): a name that maps tuples of
//! string arguments, and an optional path, to tabular expressions. An
//! invocation `P("a").Path` (or `P("a").["Path"]`, or `P("a")` for a pattern
//! without a path) binds the body its rule maps those values to; a value no
//! rule maps, or a pattern declared without rules, is the documented error
//! naming the references that were not declared.

use std::rc::Rc;

use kql_syntax::ast::{self, ExprKind, Statement};

use crate::bind::{BResult, Binder, CallResult, Tab};
use crate::error;
use crate::types::KqlType;

/// A declared pattern, its rules' argument and path values read.
pub(crate) struct Pattern {
    name: String,
    params: usize,
    has_path: bool,
    /// Per rule: its argument values, its path value, its body.
    rules: Vec<(Vec<String>, Option<String>, Vec<Statement>)>,
}

/// The text of a value in a rule or an invocation: a string literal, or a
/// bare name as in `.Alberta`.
fn literal_text(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(ast::Literal::String(s)) => Some(s.clone()),
        ExprKind::Name(id) => Some(id.name.clone()),
        _ => None,
    }
}

impl Binder<'_> {
    /// Reads `declare pattern` and makes its name invocable.
    pub(crate) fn declare_pattern(&mut self, p: &ast::PatternStmt) -> BResult<()> {
        for param in &p.params {
            let is_string =
                matches!(&param.ty, ast::ParamType::Scalar(t) if KqlType::from_syntax(t.ty) == KqlType::String);
            if !is_string {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    param.name.span,
                    format!("pattern argument `{}` must be a string", param.name.name),
                ));
            }
        }
        if let Some(path) = &p.path
            && KqlType::from_syntax(path.ty.ty) != KqlType::String
        {
            return Err(self.error(
                error::TYPE_MISMATCH,
                path.name.span,
                format!("pattern path `{}` must be a string", path.name.name),
            ));
        }
        let mut rules = Vec::with_capacity(p.rules.len());
        for rule in &p.rules {
            if rule.args.len() != p.params.len() {
                let at = rule.args.first().map(|a| a.span).unwrap_or(p.span);
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    at,
                    format!(
                        "pattern `{}` takes {} argument value(s); this rule gives {}",
                        p.name.name,
                        p.params.len(),
                        rule.args.len()
                    ),
                ));
            }
            let mut values = Vec::with_capacity(rule.args.len());
            for a in &rule.args {
                match literal_text(a) {
                    Some(v) => values.push(v),
                    None => return Err(self.error(error::NOT_CONSTANT, a.span, "a pattern rule's values are strings")),
                }
            }
            let path = match (&rule.path, &p.path) {
                (Some(e), Some(_)) => match literal_text(e) {
                    Some(v) => Some(v),
                    None => return Err(self.error(error::NOT_CONSTANT, e.span, "a pattern rule's path is a string")),
                },
                (None, None) => None,
                (Some(e), None) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        e.span,
                        format!("pattern `{}` declares no path; this rule gives one", p.name.name),
                    ));
                }
                (None, Some(_)) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        p.span,
                        format!(
                            "pattern `{}` declares a path; each rule gives its value: `(...).[\"value\"]`",
                            p.name.name
                        ),
                    ));
                }
            };
            rules.push((values, path, rule.body.clone()));
        }
        let pattern = Pattern { name: p.name.name.clone(), params: p.params.len(), has_path: p.path.is_some(), rules };
        self.patterns.push(Rc::new(pattern));
        Ok(())
    }

    /// The pattern named `name`, the latest declared.
    fn pattern(&self, name: &str) -> Option<Rc<Pattern>> {
        self.patterns.iter().rev().find(|p| p.name == name).cloned()
    }

    /// Whether `e` invokes a declared pattern: `P(args)` or `P(args).Path`.
    pub(crate) fn is_pattern_call(&self, e: &ast::Expr) -> bool {
        let call = match &e.kind {
            ExprKind::Member { target, .. } => target.as_ref(),
            _ => e,
        };
        match &call.kind {
            ExprKind::Call { func, .. } => {
                matches!(&func.kind, ExprKind::Name(n) if self.pattern(&n.name).is_some())
            }
            _ => false,
        }
    }

    /// Binds a pattern invocation (`is_pattern_call`).
    pub(crate) fn pattern_call(&mut self, e: &ast::Expr) -> BResult<Tab> {
        let (call, path) = match &e.kind {
            ExprKind::Member { target, member } => (target.as_ref(), Some(member.name.clone())),
            _ => (e, None),
        };
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(self.error(error::UNKNOWN_NAME, e.span, "expected a pattern invocation"));
        };
        let ExprKind::Name(name) = &func.kind else {
            return Err(self.error(error::UNKNOWN_NAME, e.span, "expected a pattern invocation"));
        };
        let Some(pattern) = self.pattern(&name.name) else {
            return Err(self.error(error::UNKNOWN_NAME, name.span, format!("`{}` is not a pattern", name.name)));
        };
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.constant_string(Some(&a.value), a.value.span)?);
        }
        let reference = reference_text(&pattern.name, &values, path.as_deref());
        let declared = !pattern.rules.is_empty();
        if declared && values.len() != pattern.params {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call.span,
                format!(
                    "pattern `{}` takes {} argument(s); {reference} gives {}",
                    pattern.name,
                    pattern.params,
                    values.len()
                ),
            ));
        }
        if declared && pattern.has_path != path.is_some() {
            let want = if pattern.has_path { "a path: `P(...).Path`" } else { "no path" };
            return Err(self.error(error::BAD_ARGUMENTS, e.span, format!("pattern `{}` takes {want}", pattern.name)));
        }
        let rule = pattern.rules.iter().find(|(v, p, _)| *v == values && *p == path);
        let Some((_, _, body)) = rule else {
            return Err(self.error(
                error::UNKNOWN_NAME,
                e.span,
                format!(
                    "One or more pattern references were not declared. Detected pattern references: [\"{reference}\"]"
                ),
            ));
        };
        let body = body.clone();
        let depth = self.env.len();
        let result = self.function_body(&body, e.span, None);
        self.env.truncate(depth);
        match result? {
            CallResult::Table(t) => Ok(t),
            CallResult::Scalar(_) => Err(self.error(
                error::TYPE_MISMATCH,
                e.span,
                format!("the body {reference} maps to is not a tabular expression"),
            )),
        }
    }
}

/// A reference as Kusto's error names it: `app('ApplicationX').['*']`.
fn reference_text(name: &str, values: &[String], path: Option<&str>) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "\\'"));
    let args: Vec<String> = values.iter().map(|v| quote(v)).collect();
    let mut out = format!("{name}({})", args.join(", "));
    if let Some(p) = path {
        out.push_str(&format!(".[{}]", quote(p)));
    }
    out
}
