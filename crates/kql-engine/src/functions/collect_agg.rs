//! `make_list`, `make_set` and `make_bag` as aggregations of their own.
//! Each group keeps only the JSON text of its elements, at most `maxSize`
//! of them ([`Group`]), and what the groups hold is what the memory pool is
//! told: a collection past the budget spills or stops the query instead of
//! growing unseen. `array_agg` kept every input value, however many, in
//! arrays whose size the pool under-counted, and then the lists a second
//! and third time to finish them. (A `make_list` that must keep the order
//! of sorted input still goes through `array_agg`.)
//!
//! The state passed between the phases of an aggregation is the group's
//! JSON text; merging reads its elements back without parsing them into
//! values (a bag's properties are parsed).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, LargeStringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use serde_json::Value as J;
use serde_json::value::RawValue;

use super::collect::{Collect, Group};
use super::dynamic::scalar_json;

/// The aggregation of `kind` keeping at most `max` elements.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CollectAgg {
    kind: Collect,
    max: usize,
    signature: Signature,
}

/// `make_list` (`Collect::List`), `make_set` or `make_bag` of at most
/// `max` elements, as an aggregate function giving dynamic JSON text.
pub fn collect_aggregate(kind: Collect, max: i64) -> AggregateUDF {
    let max = usize::try_from(max).unwrap_or(0);
    AggregateUDF::from(CollectAgg { kind, max, signature: Signature::any(1, Volatility::Immutable) })
}

impl AggregateUDFImpl for CollectAgg {
    fn name(&self) -> &str {
        match self.kind {
            Collect::List => "make_list",
            Collect::ListWithNulls => "make_list_with_nulls",
            Collect::Set => "make_set",
            Collect::Bag => "make_bag",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::LargeUtf8)
    }
    fn is_nullable(&self) -> bool {
        false
    }
    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(One { kind: self.kind, max: self.max, group: Group::new(self.kind) }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(format_state_name(args.name, "json"), DataType::LargeUtf8, true))])
    }
    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Many { kind: self.kind, max: self.max, groups: Vec::new(), heap: 0 }))
    }
    fn default_value(&self, _: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::LargeUtf8(Some(Group::new(self.kind).render(self.kind))))
    }
}

/// Adds row `row` of `values` to `group`; the change in its heap size.
fn add_row(group: &mut Group, kind: Collect, max: usize, values: &ArrayRef, row: usize) -> Result<isize> {
    if values.is_null(row) || group.is_full(max) {
        return Ok(0);
    }
    let before = group.heap_size();
    group.add(kind, scalar_json(&ScalarValue::try_from_array(values, row)?), max);
    Ok(group.heap_size() as isize - before as isize)
}

/// Adds a state (another partial group's JSON text) to `group`; the
/// change in its heap size.
fn merge_state(group: &mut Group, kind: Collect, max: usize, state: &str) -> Result<isize> {
    if group.is_full(max) {
        return Ok(0);
    }
    let before = group.heap_size();
    let bad = |e: serde_json::Error| DataFusionError::Internal(format!("a partial {kind:?} is not JSON: {e}"));
    if kind == Collect::Bag {
        let props: serde_json::Map<String, J> = serde_json::from_str(state).map_err(bad)?;
        for (k, v) in props {
            group.push_property(&k, &v.to_string(), max);
        }
    } else {
        let items: Vec<&RawValue> = serde_json::from_str(state).map_err(bad)?;
        for item in items {
            group.push(item.get(), max);
        }
    }
    Ok(group.heap_size() as isize - before as isize)
}

/// Every group's JSON text, as one column.
fn render_all(kind: Collect, groups: &[Group]) -> ArrayRef {
    let bytes = groups.iter().map(|g| g.heap_size()).sum::<usize>();
    let mut b = LargeStringBuilder::with_capacity(groups.len(), bytes.saturating_add(2 * groups.len()));
    for g in groups {
        // The builder implements `fmt::Write` into the current value.
        let _ = g.write(kind, &mut b);
        b.append_value("");
    }
    Arc::new(b.finish())
}

/// The groups of a `summarize ... by`.
struct Many {
    kind: Collect,
    max: usize,
    groups: Vec<Group>,
    /// The heap bytes of every group.
    heap: usize,
}

impl Many {
    fn grow(&mut self, total_num_groups: usize) {
        if self.groups.len() < total_num_groups {
            let kind = self.kind;
            self.groups.resize_with(total_num_groups, || Group::new(kind));
        }
    }

    fn account(&mut self, delta: isize) {
        self.heap = self.heap.saturating_add_signed(delta);
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Group> {
        let taken = emit_to.take_needed(&mut self.groups);
        let freed: usize = taken.iter().map(Group::heap_size).sum();
        self.heap = self.heap.saturating_sub(freed);
        taken
    }
}

impl GroupsAccumulator for Many {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        for (row, &g) in group_indices.iter().enumerate() {
            if opt_filter.is_some_and(|f| !f.is_valid(row) || !f.value(row)) {
                continue;
            }
            let Some(group) = self.groups.get_mut(g) else { continue };
            let delta = add_row(group, self.kind, self.max, &values[0], row)?;
            self.account(delta);
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = self.take(emit_to);
        Ok(render_all(self.kind, &groups))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.evaluate(emit_to)?])
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.grow(total_num_groups);
        let states = values[0].as_string::<i64>();
        for (row, &g) in group_indices.iter().enumerate() {
            if states.is_null(row) {
                continue;
            }
            let Some(group) = self.groups.get_mut(g) else { continue };
            let delta = merge_state(group, self.kind, self.max, states.value(row))?;
            self.account(delta);
        }
        Ok(())
    }

    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        let mut b = LargeStringBuilder::with_capacity(values[0].len(), values[0].len() * 8);
        for row in 0..values[0].len() {
            if opt_filter.is_some_and(|f| !f.is_valid(row) || !f.value(row)) {
                b.append_null();
                continue;
            }
            let mut group = Group::new(self.kind);
            add_row(&mut group, self.kind, self.max, &values[0], row)?;
            let _ = group.write(self.kind, &mut b);
            b.append_value("");
        }
        Ok(vec![Arc::new(b.finish())])
    }

    fn size(&self) -> usize {
        self.heap.saturating_add(self.groups.capacity() * std::mem::size_of::<Group>())
    }
}

/// The one group of a `summarize` without `by`.
#[derive(Debug)]
struct One {
    kind: Collect,
    max: usize,
    group: Group,
}

impl Accumulator for One {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for row in 0..values[0].len() {
            add_row(&mut self.group, self.kind, self.max, &values[0], row)?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::LargeUtf8(Some(self.group.render(self.kind))))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = states[0].as_string::<i64>();
        for row in 0..states.len() {
            if !states.is_null(row) {
                merge_state(&mut self.group, self.kind, self.max, states.value(row))?;
            }
        }
        Ok(())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self).saturating_add(self.group.heap_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, LargeStringArray};

    fn many(kind: Collect, max: usize) -> Many {
        Many { kind, max, groups: Vec::new(), heap: 0 }
    }

    fn texts(a: &ArrayRef) -> Vec<String> {
        a.as_string::<i64>().iter().map(|s| s.unwrap_or("NULL").to_string()).collect()
    }

    #[test]
    fn groups_keep_at_most_max_elements_and_count_what_they_hold() {
        let mut acc = many(Collect::List, 3);
        let values: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(2), Some(3), Some(4), Some(5)]));
        acc.update_batch(&[values], &[0, 0, 1, 0, 0, 0], None, 2).unwrap();
        assert!(acc.size() > 0 && acc.heap == acc.groups.iter().map(Group::heap_size).sum::<usize>());
        assert_eq!(texts(&acc.evaluate(EmitTo::All).unwrap()), ["[1,3,4]", "[2]"]);
        assert_eq!(acc.heap, 0);
    }

    #[test]
    fn partial_states_merge() {
        for (kind, a, b, want) in [
            (Collect::List, r#"["a","b"]"#, r#"["c"]"#, r#"["a","b","c"]"#),
            (Collect::Set, r#"["a",[1]]"#, r#"[[1],"c"]"#, r#"["a",[1],"c"]"#),
            (Collect::Bag, r#"{"x":1,"y":{"z":2}}"#, r#"{"x":3,"w":4}"#, r#"{"x":1,"y":{"z":2},"w":4}"#),
        ] {
            let mut acc = many(kind, 100);
            let states: ArrayRef = Arc::new(LargeStringArray::from(vec![a, b]));
            acc.merge_batch(&[states], &[0, 0], 1).unwrap();
            assert_eq!(texts(&acc.evaluate(EmitTo::All).unwrap()), [want], "{kind:?}");
        }
        let mut capped = many(Collect::Set, 2);
        let states: ArrayRef = Arc::new(LargeStringArray::from(vec![r#"["a","b"]"#, r#"["c"]"#]));
        capped.merge_batch(&[states], &[0, 0], 1).unwrap();
        assert_eq!(texts(&capped.state(EmitTo::All).unwrap()[0]), [r#"["a","b"]"#]);
    }

    #[test]
    fn rows_become_states_of_their_own() {
        let acc = many(Collect::List, 10);
        let values: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3)]));
        let keep = BooleanArray::from(vec![true, true, false]);
        let states = acc.convert_to_state(&[values], Some(&keep)).unwrap();
        assert_eq!(texts(&states[0]), ["[1]", "[]", "NULL"]);
    }

    #[test]
    fn filtered_rows_are_left_out() {
        let mut acc = many(Collect::Set, 10);
        let values: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 2, 3]));
        let keep = BooleanArray::from(vec![Some(true), Some(true), Some(true), None]);
        acc.update_batch(&[values], &[0, 0, 0, 0], Some(&keep), 1).unwrap();
        assert_eq!(texts(&acc.evaluate(EmitTo::All).unwrap()), ["[1,2]"]);
    }
}
