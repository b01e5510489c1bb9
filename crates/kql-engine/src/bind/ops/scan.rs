//! `scan` (scan-operator.md): the input runs under the query's limits (as
//! `pivot` runs its input), then its rows go through the steps one by one,
//! as the page's "Scan logic" describes: each row is checked against the
//! steps from the last to the first, against the previous step's state
//! (check 1: promote it) or the step's own (check 2: replace its record).
//! Conditions and assignments are bound over the row, the declared columns
//! and one column `s.c` per step `s` and column `c` of the state, and
//! evaluated one row at a time.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::physical_expr::PhysicalExpr;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, ParamType};

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

/// At most this many condition and assignment evaluations in one `scan`.
const MAX_EVALUATIONS: u64 = 20_000_000;

#[derive(Clone, Copy, PartialEq)]
enum Output {
    All,
    Last,
    None,
}

struct CompiledStep {
    cond: Arc<dyn PhysicalExpr>,
    /// (index of the assigned column in the row, its value).
    assigns: Vec<(usize, Arc<dyn PhysicalExpr>)>,
    output: Output,
}

/// Where the subtables of `partition` are told apart in a row: the key,
/// the position, and the flag of the row standing for an empty subtable.
#[derive(Clone, Copy)]
struct Groups {
    key: usize,
    ord: usize,
    empty: usize,
}

/// A step's state: the record of each step up to it, and the match id.
#[derive(Clone)]
struct State {
    records: Vec<Option<Vec<ScalarValue>>>,
    id: i64,
}

/// Evaluates compiled expressions over one row of the context schema.
struct Evaluator {
    schema: SchemaRef,
    nulls: Vec<ScalarValue>,
    width: usize,
    steps: usize,
    work: u64,
}

impl Evaluator {
    /// The context row: `row`, then each step's record of `state` (null where none).
    fn eval(
        &mut self,
        e: &Arc<dyn PhysicalExpr>,
        row: &[ScalarValue],
        state: Option<&State>,
    ) -> Result<ScalarValue, String> {
        self.work = self.work.saturating_add(1);
        if self.work > MAX_EVALUATIONS {
            return Err(format!("`scan` needs more than {MAX_EVALUATIONS} evaluations; narrow its input"));
        }
        let mut values: Vec<ScalarValue> = row.to_vec();
        for s in 0..self.steps {
            let rec = state.and_then(|st| st.records.get(s)).and_then(|r| r.as_ref());
            for c in 0..self.width {
                let at = self.width.saturating_mul(s.saturating_add(1)).saturating_add(c);
                let v = rec.and_then(|r| r.get(c)).cloned();
                values.push(v.unwrap_or_else(|| self.nulls.get(at).cloned().unwrap_or(ScalarValue::Null)));
            }
        }
        let arrays: Vec<ArrayRef> =
            values.iter().map(|v| v.to_array_of_size(1)).collect::<Result<_, _>>().map_err(|e| e.strip_backtrace())?;
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())?;
        let out = e.evaluate(&batch).map_err(|e| e.strip_backtrace())?;
        out.to_array_of_size(1).and_then(|a| ScalarValue::try_from_array(&a, 0)).map_err(|e| e.strip_backtrace())
    }

    fn test(&mut self, e: &Arc<dyn PhysicalExpr>, row: &[ScalarValue], state: Option<&State>) -> Result<bool, String> {
        Ok(self.eval(e, row, state)? == ScalarValue::Boolean(Some(true)))
    }
}

impl Binder<'_> {
    pub(crate) fn scan(&mut self, input: Tab, s: &ast::Scan, span: Span) -> BResult<Tab> {
        self.scan_grouped(input, s, None, span)
    }

    /// `scan` inside `partition`: each subtable (rows with one value of the
    /// hidden key, in the order of the hidden position, without the row
    /// standing for an empty subtable) is scanned from a fresh state.
    pub(super) fn scan_per_subtable(
        &mut self,
        input: Tab,
        s: &ast::Scan,
        h: &super::mv_apply::Hidden,
        span: Span,
    ) -> BResult<Tab> {
        let schema = input.plan.schema();
        let idx = |n: &str| schema.index_of_column_by_name(None, n);
        let (Some(key), Some(ord), Some(empty)) = (idx(&h.row), idx(&h.ord), idx(&h.empty)) else {
            return Err(self.error(error::INTERNAL, span, "the subtable's hidden columns are missing"));
        };
        self.scan_grouped(input, s, Some(Groups { key, ord, empty }), span)
    }

    fn scan_grouped(&mut self, input: Tab, s: &ast::Scan, groups: Option<Groups>, span: Span) -> BResult<Tab> {
        let mut match_id = None;
        for o in &s.options {
            match (o.name.name.as_str(), &o.value.kind) {
                ("with_match_id", ExprKind::Name(id)) => match_id = Some(id.name.clone()),
                ("with_match_id", ExprKind::Literal(ast::Literal::String(n))) => match_id = Some(n.clone()),
                (n, _) => return Err(self.error(error::BAD_ARGUMENTS, o.span, format!("`scan` has no option `{n}`"))),
            }
        }
        // The row: the input's columns, then the declared ones.
        let mut cols: Vec<(String, KqlType)> =
            input.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect();
        let mut defaults: Vec<ScalarValue> = Vec::new();
        for p in &s.declare {
            let ParamType::Scalar(t) = &p.ty else {
                return Err(self.error(error::BAD_ARGUMENTS, p.span, "`declare` takes scalar columns"));
            };
            let ty = KqlType::from_syntax(t.ty);
            if cols.iter().any(|(n, _)| *n == p.name.name) {
                return Err(self.error(
                    error::AMBIGUOUS,
                    p.name.span,
                    format!("`{}` is already a column of the input", p.name.name),
                ));
            }
            let null = ScalarValue::try_from(&ty.arrow()).unwrap_or(ScalarValue::Null);
            let v = match &p.default {
                Some(d) => match self.constant(d)?.expr {
                    datafusion::logical_expr::Expr::Literal(v, _) => v.cast_to(&ty.arrow()).unwrap_or(null),
                    _ => {
                        return Err(self.error(
                            error::NOT_CONSTANT,
                            d.span,
                            "a declared column's default is a constant",
                        ));
                    }
                },
                None => null,
            };
            cols.push((p.name.name.clone(), ty));
            defaults.push(v);
        }
        let width = cols.len();
        let names: Vec<String> = s.steps.iter().map(|st| st.name.name.clone()).collect();
        let mut context = cols.clone();
        for n in &names {
            if names.iter().filter(|m| *m == n).count() > 1 {
                return Err(self.error(error::AMBIGUOUS, span, format!("two steps are named `{n}`")));
            }
            for (c, ty) in &cols {
                context.push((super::graph::property_column(n, c), *ty));
            }
        }
        let ctx_plan = super::source::empty_plan(&context);
        let df_schema: DFSchema = ctx_plan.schema().as_ref().clone();
        let outer = self.graph_vars.replace(names.iter().cloned().collect());
        let compiled = self.scan_steps(s, &df_schema, &cols);
        self.graph_vars = outer;
        let steps = compiled?;
        let batches = self.learned_rows_or_request(span, input.plan)?;
        // A step without a record reads null input columns and the declared
        // columns' defaults.
        let mut empty: Vec<ScalarValue> = cols
            .iter()
            .take(width.saturating_sub(defaults.len()))
            .map(|(_, t)| ScalarValue::try_from(&t.arrow()).unwrap_or(ScalarValue::Null))
            .collect();
        empty.extend(defaults.iter().cloned());
        let nulls: Vec<ScalarValue> =
            std::iter::repeat_n(&empty, names.len().saturating_add(1)).flatten().cloned().collect();
        let mut ev =
            Evaluator { schema: Arc::new(df_schema.as_arrow().clone()), nulls, width, steps: steps.len(), work: 0 };
        let out = match self.scan_rows(&mut ev, &steps, &batches, &defaults, groups) {
            Ok(o) => o,
            Err(_) if self.timed_out() => return Err(crate::bind::Fail),
            Err(m) => return Err(self.error(error::BAD_ARGUMENTS, span, m)),
        };
        let mut out_cols = cols;
        let rows: Vec<Vec<ScalarValue>> = match match_id {
            Some(m) => {
                out_cols.push((m, KqlType::Long));
                out.into_iter()
                    .map(|(mut r, id)| {
                        r.push(ScalarValue::Int64(Some(id)));
                        r
                    })
                    .collect()
            }
            None => out.into_iter().map(|(r, _)| r).collect(),
        };
        self.values_table(&out_cols, rows, span)
    }

    fn scan_steps(
        &mut self,
        s: &ast::Scan,
        schema: &DFSchema,
        cols: &[(String, KqlType)],
    ) -> BResult<Vec<CompiledStep>> {
        // Planned with type coercion, as the engine plans every expression.
        let state = datafusion::prelude::SessionContext::new().state();
        let mut steps = Vec::new();
        for st in &s.steps {
            let mut output = Output::All;
            for o in &st.options {
                let v = match &o.value.kind {
                    ExprKind::Name(id) => id.name.as_str(),
                    _ => "",
                };
                output = match (o.name.name.as_str(), v) {
                    ("output", "all") => Output::All,
                    ("output", "last") => Output::Last,
                    ("output", "none") => Output::None,
                    _ => return Err(self.error(error::BAD_ARGUMENTS, o.span, "a step takes `output=all|last|none`")),
                };
            }
            let row = Row { schema, source: None };
            let c = self.scalar(&st.condition, row)?;
            let c = self.coerce_dynamic(c, KqlType::Bool);
            if c.ty != KqlType::Bool {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    st.condition.span,
                    format!("a step's condition is a bool, found a {}", c.ty),
                ));
            }
            let cond = state.create_physical_expr(c.expr, schema);
            let cond = self.df(st.condition.span, cond)?;
            let mut assigns = Vec::new();
            for a in &st.assigns {
                let [name] = a.names.as_slice() else {
                    return Err(self.error(error::BAD_ARGUMENTS, a.span, "a step assigns `Column = Value`"));
                };
                let Some(i) = cols.iter().position(|(n, _)| *n == name.name) else {
                    return Err(self.error(
                        error::UNKNOWN_NAME,
                        name.span,
                        format!("no column `{}` to assign", name.name),
                    ));
                };
                let ty = cols.get(i).map(|c| c.1).unwrap_or(KqlType::String);
                let v = self.scalar(&a.value, row)?;
                let v = self.coerce_dynamic(v, ty);
                if v.ty != ty && !(v.ty.is_numeric() && ty.is_numeric()) {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        a.value.span,
                        format!("`{}` is a {ty}, this is a {}", name.name, v.ty),
                    ));
                }
                let e = datafusion::logical_expr::cast(v.expr, ty.arrow());
                let e = state.create_physical_expr(e, schema);
                assigns.push((i, self.df(a.value.span, e)?));
            }
            steps.push(CompiledStep { cond, assigns, output });
        }
        Ok(steps)
    }

    /// The matched rows, in output order, with their match ids.
    fn scan_rows(
        &mut self,
        ev: &mut Evaluator,
        steps: &[CompiledStep],
        batches: &[RecordBatch],
        defaults: &[ScalarValue],
        groups: Option<Groups>,
    ) -> Result<Vec<(Vec<ScalarValue>, i64)>, String> {
        let mut rows: Vec<Vec<ScalarValue>> = Vec::new();
        for b in batches {
            for r in 0..b.num_rows() {
                // Each value in its column's KQL type (a row number's
                // unsigned integer is a long).
                let fields = ev.schema.fields();
                let mut row: Vec<ScalarValue> = b
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let v = ScalarValue::try_from_array(c, r)?;
                        match fields.get(i) {
                            Some(f) if v.data_type() != *f.data_type() => v.cast_to(f.data_type()),
                            _ => Ok(v),
                        }
                    })
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.strip_backtrace())?;
                row.extend(defaults.iter().cloned());
                rows.push(row);
            }
        }
        let sequences: Vec<Vec<Vec<ScalarValue>>> = match groups {
            None => vec![rows],
            Some(g) => {
                let mut order: Vec<ScalarValue> = Vec::new();
                let mut by_key: std::collections::HashMap<ScalarValue, Vec<Vec<ScalarValue>>> =
                    std::collections::HashMap::new();
                for row in rows {
                    if row.get(g.empty) == Some(&ScalarValue::Boolean(Some(true))) {
                        continue;
                    }
                    let key = row.get(g.key).cloned().unwrap_or(ScalarValue::Null);
                    if !by_key.contains_key(&key) {
                        order.push(key.clone());
                    }
                    by_key.entry(key).or_default().push(row);
                }
                order
                    .into_iter()
                    .filter_map(|k| by_key.remove(&k))
                    .map(|mut rows| {
                        rows.sort_by(|a, b| {
                            a.get(g.ord).partial_cmp(&b.get(g.ord)).unwrap_or(std::cmp::Ordering::Equal)
                        });
                        rows
                    })
                    .collect()
            }
        };
        let mut out: Vec<Option<(Vec<ScalarValue>, i64)>> = Vec::new();
        let mut next_id = 0i64;
        for rows in sequences {
            let mut states: Vec<Option<State>> = vec![None; steps.len()];
            // For `output=last` steps: the output slot of the series' last record.
            let mut last_out: Vec<Option<usize>> = vec![None; steps.len()];
            for row in rows {
                // The query's time budget holds row by row.
                if self.check_deadline(Span::default()).is_err() {
                    return Err("the query's time budget ran out".into());
                }
                for k in (0..steps.len()).rev() {
                    let Some(step) = steps.get(k) else { continue };
                    // Check 1: the previous step's state, promoted.
                    let prev = k.checked_sub(1).and_then(|p| states.get(p).cloned().flatten());
                    if let Some(prev) = prev
                        && ev.test(&step.cond, &row, Some(&prev))?
                    {
                        let ext = extend(ev, step, &row, &prev)?;
                        let mut st = prev;
                        st.records.resize(steps.len(), None);
                        if let Some(slot) = st.records.get_mut(k) {
                            *slot = Some(ext.clone());
                        }
                        let id = st.id;
                        if let Some(p) = k.checked_sub(1).and_then(|p| states.get_mut(p)) {
                            *p = None;
                        }
                        if let Some(s) = states.get_mut(k) {
                            *s = Some(st);
                        }
                        emit(&mut out, &mut last_out, k, step.output, ext, id, true);
                        continue;
                    }
                    // Check 2: the step's own active sequence, or the first step.
                    let own = states.get(k).cloned().flatten();
                    let base = match (&own, k) {
                        (Some(s), _) => Some(s.clone()),
                        (None, 0) => Some(State { records: vec![None; steps.len()], id: next_id }),
                        (None, _) => None,
                    };
                    let Some(base) = base else { continue };
                    if !ev.test(&step.cond, &row, own.as_ref())? {
                        continue;
                    }
                    let ext = extend(ev, step, &row, &base)?;
                    let mut st = base;
                    // The first step without an active sequence starts one.
                    let starts = k == 0 && own.is_none();
                    if starts {
                        st.id = next_id;
                        next_id = next_id.saturating_add(1);
                    }
                    if let Some(slot) = st.records.get_mut(k) {
                        *slot = Some(ext.clone());
                    }
                    let id = st.id;
                    if let Some(s) = states.get_mut(k) {
                        *s = Some(st);
                    }
                    emit(&mut out, &mut last_out, k, step.output, ext, id, starts);
                }
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}

/// `row` with the step's assignments, computed against `state`.
fn extend(
    ev: &mut Evaluator,
    step: &CompiledStep,
    row: &[ScalarValue],
    state: &State,
) -> Result<Vec<ScalarValue>, String> {
    let mut ext = row.to_vec();
    for (i, e) in &step.assigns {
        let v = ev.eval(e, row, Some(state))?;
        if let Some(slot) = ext.get_mut(*i) {
            *slot = v;
        }
    }
    Ok(ext)
}

/// Adds a matched record to the output as the step's `output=` says; a
/// `last` step's record replaces the one before it in the same series
/// (`new_series`: this match starts one).
fn emit(
    out: &mut Vec<Option<(Vec<ScalarValue>, i64)>>,
    last_out: &mut [Option<usize>],
    k: usize,
    output: Output,
    rec: Vec<ScalarValue>,
    id: i64,
    new_series: bool,
) {
    match output {
        Output::None => {}
        Output::All => out.push(Some((rec, id))),
        Output::Last => {
            if let Some(slot) = last_out.get_mut(k) {
                if !new_series && let Some(prev) = slot.and_then(|i| out.get_mut(i)) {
                    *prev = None;
                }
                *slot = Some(out.len());
            }
            out.push(Some((rec, id)));
        }
    }
}
