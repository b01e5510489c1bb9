//! `evaluate geo_polygon_lookup(LookupTable, LookupPolygonKey,
//! SourceLongitude, SourceLatitude [, radius] [, return_unmatched]
//! [, lookup_area_radius] [, return_lookup_key])`
//! (geo-polygon-lookup-plugin.md): a join of the input with the polygons
//! that contain its point (`geo_point_in_polygon`), or, with a radius, that
//! are within that many meters of it (`geo_distance_point_to_polygon`).
//! The columns are the input's, then the lookup table's, its polygon
//! column only with `return_lookup_key = true`. `lookup_area_radius` only
//! steers Kusto's matching, not the result, and is accepted and unused.

use datafusion::common::{Column, JoinType, NullEquality};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, lit};
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind, Literal};

use crate::bind::ops::join::{LEFT, RIGHT};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::functions::geo::polygon_measures;
use crate::functions::rowwise::row_func;
use crate::types::KqlType;

const PLUGIN: &str = "geo_polygon_lookup";
/// The optional arguments, in their positional order.
const OPTIONAL: [&str; 4] = ["radius", "return_unmatched", "lookup_area_radius", "return_lookup_key"];

impl Binder<'_> {
    /// A literal number of meters, finite and not negative.
    fn meters(&mut self, e: &kql_syntax::ast::Expr) -> BResult<f64> {
        let v = match e.kind {
            ExprKind::Literal(Literal::Int(n)) => f64::from(n),
            ExprKind::Literal(Literal::Long(n)) => n as f64,
            ExprKind::Literal(Literal::Real(x)) => x,
            _ => f64::NAN,
        };
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(self.error(error::BAD_ARGUMENTS, e.span, format!("{PLUGIN} takes a literal distance in meters here")))
        }
    }

    pub(super) fn geo_polygon_lookup(&mut self, input: Tab, args: &[Arg], call_span: Span) -> BResult<Tab> {
        let mut positional: Vec<&kql_syntax::ast::Expr> = Vec::new();
        let mut optional: [Option<&kql_syntax::ast::Expr>; 4] = [None; 4];
        for a in args {
            match &a.name {
                Some(n) => match OPTIONAL.iter().position(|o| *o == n.name) {
                    Some(i) => optional[i] = Some(&a.value),
                    None => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            n.span,
                            format!(
                                "{PLUGIN} has no argument `{}`; the named ones are {}",
                                n.name,
                                OPTIONAL.join(", ")
                            ),
                        ));
                    }
                },
                None => positional.push(&a.value),
            }
        }
        let [table, polygon, lng, lat, rest @ ..] = positional.as_slice() else {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                call_span,
                format!("{PLUGIN} needs a lookup table, its polygon column and the input's longitude and latitude columns"),
                format!("{PLUGIN}(LookupTable, LookupPolygonKey, SourceLongitude, SourceLatitude [, radius] [, return_unmatched] [, lookup_area_radius] [, return_lookup_key])"),
            ));
        };
        if rest.len() > OPTIONAL.len() {
            return Err(self.error(error::BAD_ARGUMENTS, call_span, format!("{PLUGIN} takes at most 8 arguments")));
        }
        for (slot, e) in optional.iter_mut().zip(rest.iter()) {
            slot.get_or_insert(e);
        }
        let radius = match optional[0] {
            Some(e) => Some(self.meters(e)?),
            None => None,
        };
        let return_unmatched = match optional[1] {
            Some(e) => self.bool_flag(e)?,
            None => false,
        };
        if let Some(e) = optional[2] {
            self.meters(e)?;
        }
        let return_key = match optional[3] {
            Some(e) => self.bool_flag(e)?,
            None => false,
        };
        let lookup = self.table(table)?;
        let polygon = self.column_arg(polygon, &lookup, "lookup table", PLUGIN)?;
        let lng = self.column_arg(lng, &input, "input", PLUGIN)?;
        let lat = self.column_arg(lat, &input, "input", PLUGIN)?;
        let args = vec![
            Expr::Column(Column::new(Some(LEFT), &lng)),
            Expr::Column(Column::new(Some(LEFT), &lat)),
            Expr::Column(Column::new(Some(RIGHT), &polygon)),
        ];
        let test = match radius {
            None => row_func("geo_point_in_polygon", KqlType::Bool, polygon_measures::geo_point_in_polygon).call(args),
            Some(r) => row_func(
                "geo_distance_point_to_polygon",
                KqlType::Real,
                polygon_measures::geo_distance_point_to_polygon,
            )
            .call(args)
            .lt_eq(lit(r)),
        };
        let drop: Vec<String> = if return_key { Vec::new() } else { vec![polygon] };
        self.geo_join(input, lookup, test, return_unmatched, &drop, call_span)
    }

    /// The geo lookup plugins' join: every input row (`LEFT`) with every
    /// lookup row (`RIGHT`) for which `test` holds (and the input rows
    /// with none, when `return_unmatched`); the input's columns, then the
    /// lookup table's but `drop`.
    pub(super) fn geo_join(
        &mut self,
        input: Tab,
        lookup: Tab,
        test: Expr,
        return_unmatched: bool,
        drop: &[String],
        call_span: Span,
    ) -> BResult<Tab> {
        let fields = |t: &Tab| -> Vec<(String, KqlType)> {
            t.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect()
        };
        let (left_fields, right_fields) = (fields(&input), fields(&lookup));
        let l = self.build(call_span, LogicalPlanBuilder::from(input.plan).alias(LEFT))?;
        let r = self.build(call_span, LogicalPlanBuilder::from(lookup.plan).alias(RIGHT))?;
        let join_type = if return_unmatched { JoinType::Left } else { JoinType::Inner };
        let joined = LogicalPlanBuilder::from(l).join_detailed(
            r,
            join_type,
            (Vec::<Column>::new(), Vec::<Column>::new()),
            Some(test),
            NullEquality::NullEqualsNothing,
        );
        let joined = self.build(call_span, joined)?;
        let plan = self.join_output(joined, join_type, &left_fields, &right_fields, drop, call_span)?;
        Ok(Tab { plan, source: None })
    }
}
