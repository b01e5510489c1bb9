//! `evaluate geo_line_lookup(LookupTable, LookupLineKey, SourceLongitude,
//! SourceLatitude, Radius [, return_unmatched] [, lookup_area_radius]
//! [, return_lookup_key])` (geo-line-lookup-plugin.md): a join of the input
//! with the lookup table, a row matching every line whose distance
//! (`geo_distance_point_to_line`) from the row's point is at most `Radius`
//! meters. The columns are the input's, then the lookup table's without
//! the line unless `return_lookup_key = true`. Only matching rows come out,
//! every row with `return_unmatched = true`. `lookup_area_radius` steers
//! Kusto's search and does not change the result; it is checked and
//! ignored.

use datafusion::common::Column;
use datafusion::logical_expr::{Expr, lit};
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use crate::bind::ops::join::{LEFT, RIGHT};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::functions::geo::lines::geo_distance_point_to_line;
use crate::functions::rowwise::row_func;
use crate::types::KqlType;

const PLUGIN: &str = "geo_line_lookup";

impl Binder<'_> {
    pub(super) fn geo_line_lookup(&mut self, input: Tab, args: &[Arg], call_span: Span) -> BResult<Tab> {
        let (mut return_unmatched, mut return_key) = (false, false);
        let mut positional: Vec<&Arg> = Vec::new();
        for a in args {
            match a.name.as_ref().map(|n| (n.name.as_str(), n.span)) {
                Some(("return_unmatched", _)) => return_unmatched = self.bool_flag(&a.value)?,
                Some(("return_lookup_key", _)) => return_key = self.bool_flag(&a.value)?,
                Some(("lookup_area_radius", _)) => self.area_radius(a)?,
                Some((other, span)) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        span,
                        format!(
                            "{PLUGIN} has no argument `{other}`; the named ones are `return_unmatched`, `lookup_area_radius` and `return_lookup_key`"
                        ),
                    ));
                }
                None => positional.push(a),
            }
        }
        let [table, line, lng, lat, radius, rest @ ..] = positional.as_slice() else {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                call_span,
                format!("{PLUGIN} needs a lookup table, its line column, the input's longitude and latitude columns and a radius"),
                format!("{PLUGIN}(LookupTable, LookupLineKey, SourceLongitude, SourceLatitude, Radius [, return_unmatched] [, lookup_area_radius] [, return_lookup_key])"),
            ));
        };
        match rest {
            [] => {}
            [unmatched, more @ ..] if more.len() <= 2 => {
                return_unmatched = self.bool_flag(&unmatched.value)?;
                if let Some(area) = more.first() {
                    self.area_radius(area)?;
                }
                if let Some(key) = more.get(1) {
                    return_key = self.bool_flag(&key.value)?;
                }
            }
            [.., extra] => {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    extra.value.span,
                    format!("{PLUGIN} takes at most 8 arguments"),
                ));
            }
        }
        let radius_m = self.constant_f64(Some(radius), radius.value.span)?;
        if !(radius_m.is_finite() && radius_m >= 0.0) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                radius.value.span,
                format!("the radius of {PLUGIN} is a distance in meters, 0 or more, not {radius_m}"),
            ));
        }
        let lookup = self.table(&table.value)?;
        let line_name = self.column_arg(&line.value, &lookup, "lookup table", PLUGIN)?;
        let lng_name = self.column_arg(&lng.value, &input, "input", PLUGIN)?;
        let lat_name = self.column_arg(&lat.value, &input, "input", PLUGIN)?;
        let col = |side: &str, n: &str| Expr::Column(Column::new(Some(side), n));
        let distance = row_func("geo_distance_point_to_line", KqlType::Real, geo_distance_point_to_line).call(vec![
            col(LEFT, &lng_name),
            col(LEFT, &lat_name),
            col(RIGHT, &line_name),
        ]);
        let test = distance.lt_eq(lit(radius_m));
        let drop = if return_key { vec![] } else { vec![line_name] };
        self.geo_join(input, lookup, test, return_unmatched, &drop, call_span)
    }

    /// `lookup_area_radius`: a constant distance in meters, more than 0.
    fn area_radius(&mut self, a: &Arg) -> BResult<()> {
        let r = self.constant_f64(Some(a), a.value.span)?;
        if r.is_finite() && r > 0.0 {
            Ok(())
        } else {
            Err(self.error(
                error::BAD_ARGUMENTS,
                a.value.span,
                format!("lookup_area_radius of {PLUGIN} is a distance in meters, more than 0, not {r}"),
            ))
        }
    }
}
