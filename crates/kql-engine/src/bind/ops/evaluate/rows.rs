//! What the plugins that compute their output from their input's rows
//! share: the argument expressions bound over the input and run under the
//! query's limits (at most [`super::MAX_LEARNED_ROWS`] rows, as `scan`
//! reads its input), constant arguments, and the time bins of the
//! activity plugins (a fixed step, or `week`, `month`, `year`).

use datafusion::arrow::array::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg};

use crate::bind::{BResult, Binder, Row, Tab, Typed};
use crate::error;
use crate::types::KqlType;

/// The values of the bound argument expressions, a row per input row.
pub(super) struct InputRows {
    pub types: Vec<KqlType>,
    pub rows: Vec<Vec<ScalarValue>>,
}

impl Binder<'_> {
    /// Binds `exprs` over the rows of `input`, runs it and returns the
    /// values, a row per input row in the input's order.
    pub(super) fn plugin_rows(&mut self, input: Tab, exprs: &[&ast::Expr], span: Span) -> BResult<InputRows> {
        let mut bound = Vec::new();
        let mut types = Vec::new();
        {
            let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
            for (i, e) in exprs.iter().enumerate() {
                let t = self.scalar(e, row)?;
                types.push(t.ty);
                bound.push(t.expr.alias(format!("c{i}")));
            }
        }
        let plan = if bound.is_empty() {
            // Only the number of rows matters: keep one column.
            let one = Expr::Literal(ScalarValue::Boolean(Some(true)), None).alias("c");
            self.build(span, LogicalPlanBuilder::from(input.plan).project(vec![one]))?
        } else {
            self.build(span, LogicalPlanBuilder::from(input.plan).project(bound))?
        };
        let batches = self.learned_rows_or_request(span, plan)?;
        match batch_rows(&batches, exprs.len()) {
            Ok(rows) => Ok(InputRows { types, rows }),
            Err(m) => Err(self.error(error::INTERNAL, span, m)),
        }
    }

    /// A constant argument's value and type.
    pub(super) fn plugin_const(&mut self, e: &ast::Expr, what: &str) -> BResult<(ScalarValue, KqlType)> {
        let Typed { expr, ty } = self.constant(e)?;
        match expr {
            Expr::Literal(v, _) => Ok((v, ty)),
            _ => Err(self.error(error::NOT_CONSTANT, e.span, format!("{what} is a constant"))),
        }
    }

    /// A constant whole-number argument.
    pub(super) fn plugin_long(&mut self, e: &ast::Expr, what: &str) -> BResult<i64> {
        let (v, _) = self.plugin_const(e, what)?;
        match as_i64(&v) {
            Some(n) => Ok(n),
            None => Err(self.error(error::TYPE_MISMATCH, e.span, format!("{what} is a whole number"))),
        }
    }

    /// A constant number argument (`int`, `long`, `real`, `decimal`).
    pub(super) fn plugin_real(&mut self, e: &ast::Expr, what: &str) -> BResult<f64> {
        let (v, _) = self.plugin_const(e, what)?;
        match as_f64(&v) {
            Some(n) => Ok(n),
            None => Err(self.error(error::TYPE_MISMATCH, e.span, format!("{what} is a number"))),
        }
    }

    /// A constant bool argument.
    pub(super) fn plugin_bool(&mut self, e: &ast::Expr, what: &str) -> BResult<bool> {
        match self.plugin_const(e, what)? {
            (ScalarValue::Boolean(Some(b)), _) => Ok(b),
            _ => Err(self.error(error::TYPE_MISMATCH, e.span, format!("{what} is a bool"))),
        }
    }

    /// The positional arguments of a plugin that takes no named one.
    pub(super) fn positional<'a>(&mut self, args: &'a [Arg], plugin: &str) -> BResult<Vec<&'a ast::Expr>> {
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                a.value.span,
                format!("`{plugin}` takes its arguments by position"),
            ));
        }
        Ok(args.iter().map(|a| &a.value).collect())
    }

    /// A time-bin argument: a step of the timeline's type, or the string
    /// `week`, `month` or `year`.
    pub(super) fn plugin_bin(&mut self, e: &ast::Expr, timeline: KqlType) -> BResult<Bin> {
        let (v, ty) = self.plugin_const(e, "the bin")?;
        if let ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)) = &v {
            return match s.as_str() {
                "week" | "month" | "year" if timeline == KqlType::Datetime => Ok(Bin::Calendar(calendar(s))),
                _ => Err(self.error(
                    error::BAD_ARGUMENTS,
                    e.span,
                    "a bin given as text is `week`, `month` or `year`, over a datetime timeline",
                )),
            };
        }
        let step = match (timeline, ty) {
            (KqlType::Datetime | KqlType::Timespan, KqlType::Timespan) => as_i64(&v),
            (KqlType::Long | KqlType::Int, KqlType::Long | KqlType::Int) => as_i64(&v),
            _ => None,
        };
        match step {
            Some(s) if s > 0 => Ok(Bin::Step(s)),
            _ => Err(self.error(
                error::BAD_ARGUMENTS,
                e.span,
                format!("the bin is a positive step of the timeline's kind (a timeline of {timeline})"),
            )),
        }
    }

    /// A constant point of the timeline (`Start`, `End`), as a number.
    pub(super) fn plugin_point(&mut self, e: &ast::Expr, timeline: KqlType, what: &str) -> BResult<i64> {
        let (v, ty) = self.plugin_const(e, what)?;
        let same = ty == timeline || (whole(ty) && whole(timeline));
        match as_i64(&v) {
            Some(n) if same => Ok(n),
            _ => Err(self.error(error::TYPE_MISMATCH, e.span, format!("{what} is a {timeline}, as the timeline is"))),
        }
    }

    /// A constant length of time along the timeline (a window, a period).
    pub(super) fn plugin_span(&mut self, e: &ast::Expr, timeline: KqlType, what: &str) -> BResult<i64> {
        let (v, ty) = self.plugin_const(e, what)?;
        let ok = match timeline {
            KqlType::Datetime | KqlType::Timespan => ty == KqlType::Timespan,
            _ => whole(ty),
        };
        match as_i64(&v) {
            Some(n) if ok && n > 0 => Ok(n),
            _ => Err(self.error(error::BAD_ARGUMENTS, e.span, format!("{what} is a positive length of the timeline"))),
        }
    }
}

/// The rows of `batches`, `width` columns each.
fn batch_rows(batches: &[RecordBatch], width: usize) -> Result<Vec<Vec<ScalarValue>>, String> {
    let mut rows = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            let mut row = Vec::with_capacity(width);
            for c in b.columns().iter().take(width) {
                row.push(ScalarValue::try_from_array(c, i).map_err(|e| e.strip_backtrace())?);
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// A whole number, a datetime or a timespan as its number (nanoseconds).
pub(super) fn as_i64(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::Int8(Some(n)) => Some(i64::from(*n)),
        ScalarValue::Int16(Some(n)) => Some(i64::from(*n)),
        ScalarValue::Int32(Some(n)) => Some(i64::from(*n)),
        ScalarValue::Int64(Some(n)) => Some(*n),
        ScalarValue::UInt8(Some(n)) => Some(i64::from(*n)),
        ScalarValue::UInt16(Some(n)) => Some(i64::from(*n)),
        ScalarValue::UInt32(Some(n)) => Some(i64::from(*n)),
        ScalarValue::UInt64(Some(n)) => i64::try_from(*n).ok(),
        ScalarValue::TimestampNanosecond(Some(n), _) | ScalarValue::DurationNanosecond(Some(n)) => Some(*n),
        _ => None,
    }
}

/// A number as a real.
pub(super) fn as_f64(v: &ScalarValue) -> Option<f64> {
    match v {
        ScalarValue::Float64(Some(x)) => Some(*x),
        ScalarValue::Float32(Some(x)) => Some(f64::from(*x)),
        ScalarValue::Decimal128(Some(n), _, s) => Some(*n as f64 / 10f64.powi(i32::from(*s))),
        other => as_i64(other).map(|n| n as f64),
    }
}

/// A number of the timeline's type back as a value of that type.
pub(super) fn timeline_value(ty: KqlType, n: i64) -> ScalarValue {
    match ty {
        KqlType::Datetime => crate::bind::literal::datetime(Some(n)),
        KqlType::Timespan => crate::bind::literal::timespan(Some(n)),
        KqlType::Int => i32::try_from(n).map(|n| ScalarValue::Int32(Some(n))).unwrap_or(ScalarValue::Int32(None)),
        _ => ScalarValue::Int64(Some(n)),
    }
}

/// `int` or `long`.
fn whole(ty: KqlType) -> bool {
    matches!(ty, KqlType::Int | KqlType::Long)
}

/// The kinds of timeline a time-bin plugin reads.
pub(super) fn is_timeline(ty: KqlType) -> bool {
    matches!(ty, KqlType::Datetime | KqlType::Timespan | KqlType::Long | KqlType::Int)
}

/// The unit of a calendar bin.
#[derive(Clone, Copy)]
pub(super) enum Calendar {
    Week,
    Month,
    Year,
}

fn calendar(s: &str) -> Calendar {
    match s {
        "week" => Calendar::Week,
        "month" => Calendar::Month,
        _ => Calendar::Year,
    }
}

/// How a timeline is cut into bins.
#[derive(Clone, Copy)]
pub(super) enum Bin {
    /// Steps of this length from the analysis start (`bin_at`).
    Step(i64),
    /// Calendar periods (`startofweek`, `startofmonth`, `startofyear`).
    Calendar(Calendar),
}

impl Bin {
    /// The start of the bin of `t`, bins of a step counted from `start`.
    pub(super) fn of(self, t: i64, start: i64) -> Option<i64> {
        match self {
            Bin::Step(s) => {
                let k = t.checked_sub(start)?.div_euclid(s);
                start.checked_add(k.checked_mul(s)?)
            }
            Bin::Calendar(c) => crate::functions::datetime::start_of(t, unit(c), 0),
        }
    }

    /// The start of the bin after the one starting at `b`.
    pub(super) fn next(self, b: i64) -> Option<i64> {
        match self {
            Bin::Step(s) => b.checked_add(s),
            Bin::Calendar(c) => crate::functions::datetime::start_of(b, unit(c), 1),
        }
    }
}

fn unit(c: Calendar) -> &'static str {
    match c {
        Calendar::Week => "week",
        Calendar::Month => "month",
        Calendar::Year => "year",
    }
}

/// A column reference as a syntax node.
pub(super) fn ast_name(name: &str, span: Span) -> ast::Expr {
    ast::Expr { span, kind: ast::ExprKind::Name(ast::Ident { name: name.to_string(), span }) }
}
