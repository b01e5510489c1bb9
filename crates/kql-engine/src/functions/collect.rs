//! What `make_list`, `make_list_with_nulls`, `make_set` and `make_bag`
//! keep of a group ([`Group`]: the JSON text of its elements, at most
//! `maxSize` of them), and [`collect_to_dynamic`], which finishes the lists
//! that `array_agg` collects where the order of sorted input must be kept
//! (`make_list` after a sort, `make_list_with_nulls`): each group's list is
//! written as one dynamic value an element at a time, never held a second
//! time as JSON values. The others are aggregations of their own
//! ([`collect_agg`](super::collect_agg)).

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, LargeStringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use serde_json::Value as J;

use super::dynamic::scalar_json;

/// The most elements `make_list`, `make_set` and `make_bag` return, and
/// their default `maxSize` (make-list-aggregation-function.md: "The default
/// and max value is 1048576").
pub const MAX_ELEMENTS: i64 = 1_048_576;

/// Which aggregation a list finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collect {
    /// `make_list`: the values, nulls dropped; the elements of array
    /// values are added one by one, as `make_set` adds them (the printed
    /// outputs of geo-h3cell-rings-function.md and
    /// geo-point-in-polygon-function.md hold only so: `make_list(rings)`
    /// gives one list of cells, `make_list(pack_array(a))` a list of `a`s).
    List,
    /// `make_list_with_nulls`: the values, nulls kept.
    ListWithNulls,
    /// `make_set`: the distinct values, nulls dropped; the elements of
    /// array values are added one by one.
    Set,
    /// `make_bag`: the property bags merged into one (a repeated key keeps
    /// its first value; other values are skipped).
    Bag,
}

/// The UDF `(list, maxSize)` → dynamic of one [`Collect`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CollectFunc {
    kind: Collect,
    signature: Signature,
}

/// The finishing function of `kind`.
pub fn collect_to_dynamic(kind: Collect) -> ScalarUDF {
    ScalarUDF::from(CollectFunc { kind, signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable) })
}

impl ScalarUDFImpl for CollectFunc {
    fn name(&self) -> &str {
        match self.kind {
            Collect::List => "make_list_json",
            Collect::ListWithNulls => "make_list_with_nulls_json",
            Collect::Set => "make_set_json",
            Collect::Bag => "make_bag_json",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::LargeUtf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let max = match &args.args[1] {
            ColumnarValue::Scalar(ScalarValue::Int64(Some(n))) => usize::try_from(*n).unwrap_or(0),
            _ => return exec_err!("{}: maxSize must be a constant", self.name()),
        };
        let arr = match &args.args[0] {
            ColumnarValue::Array(a) => a.clone(),
            ColumnarValue::Scalar(s) => s.to_array()?,
        };
        let lists: Vec<Option<ArrayRef>> = match arr.data_type() {
            DataType::List(_) => arr.as_list::<i32>().iter().collect(),
            DataType::LargeList(_) => arr.as_list::<i64>().iter().collect(),
            DataType::Null => vec![None; arr.len()],
            other => return exec_err!("{}: expected a list, not {other}", self.name()),
        };
        let mut b = LargeStringBuilder::with_capacity(arr.len(), arr.len() * 16);
        for list in lists {
            let text = match list {
                Some(values) => self.finish(&values, max)?,
                None if self.kind == Collect::Bag => "{}".to_string(),
                None => "[]".to_string(),
            };
            b.append_value(text);
        }
        let out: ArrayRef = Arc::new(b.finish());
        match &args.args[0] {
            ColumnarValue::Scalar(_) => Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)),
            ColumnarValue::Array(_) => Ok(ColumnarValue::Array(out)),
        }
    }
}

impl CollectFunc {
    /// One group's values as JSON text.
    fn finish(&self, values: &ArrayRef, max: usize) -> Result<String> {
        let mut group = Group::new(self.kind);
        for i in 0..values.len() {
            if group.is_full(max) {
                break;
            }
            if self.kind == Collect::ListWithNulls && values.is_null(i) {
                group.push("null", max);
            } else if !values.is_null(i) {
                group.add(self.kind, scalar_json(&ScalarValue::try_from_array(values, i)?), max);
            }
        }
        Ok(group.render(self.kind))
    }
}

/// One group's collection: the JSON text of its elements (or properties),
/// comma-separated, how many there are, and for a set the elements it
/// has, for a bag its keys. Shared by [`collect_to_dynamic`] and the
/// aggregations of [`collect_agg`](super::collect_agg).
#[derive(Debug, Default)]
pub struct Group {
    text: String,
    count: usize,
    seen: Option<HashSet<String>>,
    seen_bytes: usize,
}

impl Group {
    /// An empty group of `kind`.
    pub fn new(kind: Collect) -> Group {
        let seen = matches!(kind, Collect::Set | Collect::Bag).then(HashSet::new);
        Group { seen, ..Group::default() }
    }

    /// Whether the group has `max` elements.
    pub fn is_full(&self, max: usize) -> bool {
        self.count >= max
    }

    /// Adds one input value, as its JSON (see [`Collect`] for what each
    /// kind keeps).
    pub fn add(&mut self, kind: Collect, v: J, max: usize) {
        match (kind, v) {
            (Collect::List | Collect::Set, J::Null) => {}
            (Collect::List | Collect::Set, J::Array(items)) => {
                for item in items {
                    self.push(&item.to_string(), max);
                }
            }
            (Collect::List | Collect::ListWithNulls, v) => self.push(&v.to_string(), max),
            (Collect::Set, v) => self.push(&v.to_string(), max),
            (Collect::Bag, J::Object(props)) => {
                for (k, v) in props {
                    self.push_property(&k, &v.to_string(), max);
                }
            }
            (Collect::Bag, _) => {}
        }
    }

    /// Adds an element given as compact JSON text; a set skips one it has.
    pub fn push(&mut self, item: &str, max: usize) {
        if self.is_full(max) {
            return;
        }
        if let Some(seen) = &mut self.seen {
            if seen.contains(item) {
                return;
            }
            seen.insert(item.to_string());
            self.seen_bytes = self.seen_bytes.saturating_add(item.len());
        }
        self.separate();
        self.text.push_str(item);
    }

    /// Adds a property given its value as JSON text; a key the bag has
    /// keeps its first value.
    pub fn push_property(&mut self, key: &str, value: &str, max: usize) {
        if self.is_full(max) {
            return;
        }
        if let Some(seen) = &mut self.seen {
            if seen.contains(key) {
                return;
            }
            seen.insert(key.to_string());
            self.seen_bytes = self.seen_bytes.saturating_add(key.len());
        }
        self.separate();
        self.text.push_str(&J::String(key.to_string()).to_string());
        self.text.push(':');
        self.text.push_str(value);
    }

    fn separate(&mut self) {
        if self.count > 0 {
            self.text.push(',');
        }
        self.count += 1;
    }

    /// Writes the group's JSON array (a bag's object) to `out`.
    pub fn write(&self, kind: Collect, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        let (open, close) = if kind == Collect::Bag { ('{', '}') } else { ('[', ']') };
        out.write_char(open)?;
        out.write_str(&self.text)?;
        out.write_char(close)
    }

    /// The group's JSON array (a bag's object).
    pub fn render(&self, kind: Collect) -> String {
        let mut s = String::with_capacity(self.text.len() + 2);
        let _ = self.write(kind, &mut s);
        s
    }

    /// The bytes the group holds on the heap, near enough for a memory pool:
    /// its text, and a set's elements or a bag's keys with their table slots.
    pub fn heap_size(&self) -> usize {
        let slots = self.seen.as_ref().map_or(0, |s| s.capacity() * (std::mem::size_of::<String>() + 8));
        self.text.capacity().saturating_add(self.seen_bytes).saturating_add(slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::LargeStringArray;
    use datafusion::arrow::datatypes::Field;
    use datafusion::common::config::ConfigOptions;

    fn run(kind: Collect, list: ScalarValue, max: i64) -> String {
        let f = collect_to_dynamic(kind);
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Scalar(list.clone()), ColumnarValue::Scalar(ScalarValue::Int64(Some(max)))],
            arg_fields: vec![
                Arc::new(Field::new("l", list.data_type(), true)),
                Arc::new(Field::new("m", DataType::Int64, true)),
            ],
            number_rows: 1,
            return_field: Arc::new(Field::new("r", DataType::LargeUtf8, true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        match f.invoke_with_args(args).unwrap() {
            ColumnarValue::Scalar(ScalarValue::LargeUtf8(Some(s))) => s,
            other => panic!("{other:?}"),
        }
    }

    fn longs(v: &[Option<i64>]) -> ScalarValue {
        ScalarValue::List(ScalarValue::new_list_nullable(
            &v.iter().map(|n| ScalarValue::Int64(*n)).collect::<Vec<_>>(),
            &DataType::Int64,
        ))
    }

    fn dynamics(v: &[&str]) -> ScalarValue {
        let arr: ArrayRef = Arc::new(LargeStringArray::from(v.to_vec()));
        let scalars: Vec<ScalarValue> = (0..arr.len()).map(|i| ScalarValue::try_from_array(&arr, i).unwrap()).collect();
        ScalarValue::List(ScalarValue::new_list_nullable(&scalars, &DataType::LargeUtf8))
    }

    #[test]
    fn lists_stop_at_max_size() {
        let l = longs(&[Some(3), None, Some(1), Some(3)]);
        assert_eq!(run(Collect::List, l.clone(), MAX_ELEMENTS), "[3,1,3]");
        assert_eq!(run(Collect::List, l.clone(), 2), "[3,1]");
        assert_eq!(run(Collect::ListWithNulls, l.clone(), MAX_ELEMENTS), "[3,null,1,3]");
        assert_eq!(run(Collect::Set, l.clone(), MAX_ELEMENTS), "[3,1]");
        assert_eq!(run(Collect::Set, l, 1), "[3]");
        let empty = ScalarValue::List(ScalarValue::new_list_nullable(&[], &DataType::Int64));
        assert_eq!(run(Collect::List, empty.clone(), 5), "[]");
        assert_eq!(run(Collect::Bag, empty, 5), "{}");
    }

    #[test]
    fn null_dynamic_values_are_nulls() {
        let d = dynamics(&["1", "null", "[null]"]);
        // A list adds an array's elements one by one, nulls among them.
        assert_eq!(run(Collect::List, d.clone(), MAX_ELEMENTS), "[1,null]");
        assert_eq!(run(Collect::ListWithNulls, d, MAX_ELEMENTS), "[1,null,[null]]");
    }

    #[test]
    fn sets_add_the_elements_of_arrays() {
        let d = dynamics(&["[1,2]", "2", "[3,null]", "null"]);
        assert_eq!(run(Collect::Set, d.clone(), MAX_ELEMENTS), "[1,2,3,null]");
        assert_eq!(run(Collect::Set, d, 3), "[1,2,3]");
    }

    #[test]
    fn bags_merge_and_skip_other_values() {
        let d = dynamics(&[r#"{"a":1}"#, "2", r#"{"b":2,"a":3}"#, "null", r#"{"c":4}"#]);
        assert_eq!(run(Collect::Bag, d.clone(), MAX_ELEMENTS), r#"{"a":1,"b":2,"c":4}"#);
        assert_eq!(run(Collect::Bag, d, 2), r#"{"a":1,"b":2}"#);
    }
}
