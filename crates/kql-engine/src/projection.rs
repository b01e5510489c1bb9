//! Projections built in time linear in their width.
//!
//! DataFusion's `Projection::try_new` finds each column it passes through by
//! scanning every field of the input schema, and formats every expression to
//! carry functional dependencies over: quadratic in the width. A pipeline of
//! `extend`s that each add a column builds one projection per operator, each
//! as wide as the table so far, so that cost became cubic in the pipeline's
//! length. Here a passed-through column takes its input field where it
//! was, or else by name from a map built once; the schema is the one
//! `try_new` derives.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::common::{DFSchema, FunctionalDependencies, Result};
use datafusion::logical_expr::{Expr, ExprSchemable, LogicalPlan, Projection};

/// `exprs` over `input`, with the schema `Projection::try_new` gives it.
pub(crate) fn projection(exprs: Vec<Expr>, input: Arc<LogicalPlan>) -> Result<Projection> {
    let schema = input.schema();
    // Dependencies (after `summarize`) are mapped by DataFusion's own rule.
    if *schema.functional_dependencies() != FunctionalDependencies::empty() {
        return Projection::try_new(exprs, input);
    }
    let by_name = OnceCell::new();
    let mut fields = Vec::with_capacity(exprs.len());
    for (k, e) in exprs.iter().enumerate() {
        #[expect(deprecated)]
        if matches!(e, Expr::Wildcard { .. }) {
            return Projection::try_new(exprs, input);
        }
        let field = match e {
            // `to_field` of an unqualified column: no qualifier, the input's field.
            Expr::Column(c) if c.relation.is_none() => {
                let at = Some(k).filter(|&k| unqualified_at(schema, k, &c.name));
                match at
                    .or_else(|| by_name.get_or_init(|| unique_names(schema)).get(c.name.as_str()).copied().flatten())
                {
                    Some(i) => (None, Arc::clone(schema.field(i))),
                    None => e.to_field(schema)?,
                }
            }
            _ => e.to_field(schema)?,
        };
        fields.push(field);
    }
    let out = DFSchema::new_with_metadata(fields, schema.metadata().clone())?;
    Projection::try_new_with_schema(exprs, input, Arc::new(out))
}

/// Whether field `i` of `schema` is the unqualified `name`. Then no other
/// field has that name: a schema refuses an unqualified name twice, or
/// beside the same name qualified.
pub(crate) fn unqualified_at(schema: &DFSchema, i: usize, name: &str) -> bool {
    i < schema.fields().len() && matches!(schema.qualified_field(i), (None, f) if f.name() == name)
}

/// Each field name of `schema` → its index, `None` for a name two fields share.
pub(crate) fn unique_names(schema: &DFSchema) -> HashMap<&str, Option<usize>> {
    let mut map: HashMap<&str, Option<usize>> = HashMap::with_capacity(schema.fields().len());
    for (i, f) in schema.fields().iter().enumerate() {
        map.entry(f.name().as_str()).and_modify(|e| *e = None).or_insert(Some(i));
    }
    map
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::{LogicalPlanBuilder, col, lit};

    use super::*;

    #[test]
    fn the_schema_is_the_one_try_new_derives() {
        let base = LogicalPlanBuilder::empty(true)
            .project(vec![lit(1i64).alias("a"), lit("x").alias("b"), lit(2.5).alias("c")])
            .unwrap()
            .build()
            .unwrap();
        let base = Arc::new(base);
        let exprs = vec![col("c"), (col("a") + lit(1i64)).alias("a"), col("b"), col("a").alias("d")];
        let fast = projection(exprs.clone(), Arc::clone(&base)).unwrap();
        let slow = Projection::try_new(exprs, base).unwrap();
        assert_eq!(fast.schema, slow.schema);
        assert_eq!(fast.expr, slow.expr);
    }
}
