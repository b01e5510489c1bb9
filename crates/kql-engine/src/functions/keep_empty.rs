//! `keep_empty(list)`: empty and null lists become a list of one null
//! element, so an unnest keeps their row (`mv-apply` gives a row's subquery
//! an empty subtable rather than dropping the row).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, MutableArrayData, make_array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
struct KeepEmpty {
    signature: Signature,
}

/// The UDF.
pub fn keep_empty() -> ScalarUDF {
    ScalarUDF::from(KeepEmpty { signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) })
}

impl ScalarUDFImpl for KeepEmpty {
    fn name(&self) -> &str {
        "keep_empty"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match &args[0] {
            t @ DataType::List(_) => Ok(t.clone()),
            other => plan_err!("keep_empty takes a list, not {other}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arr, scalar) = match &args.args[0] {
            ColumnarValue::Array(a) => (a.clone(), false),
            ColumnarValue::Scalar(s) => (s.to_array()?, true),
        };
        let out = keep_empty_rows(arr.as_list::<i32>())?;
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

fn keep_empty_rows(list: &ListArray) -> Result<ArrayRef> {
    let DataType::List(field) = list.data_type() else { unreachable!("a list") };
    let values = list.values().to_data();
    let mut child = MutableArrayData::new(vec![&values], true, values.len() + 8);
    let mut offsets: Vec<i32> = Vec::with_capacity(list.len() + 1);
    offsets.push(0);
    let mut end = 0i32;
    for i in 0..list.len() {
        let (start, stop) = (list.value_offsets()[i] as usize, list.value_offsets()[i + 1] as usize);
        if list.is_null(i) || start == stop {
            child.try_extend_nulls(1)?;
            end += 1;
        } else {
            child.try_extend(0, start, stop)?;
            end += (stop - start) as i32;
        }
        offsets.push(end);
    }
    let child = make_array(child.freeze());
    Ok(Arc::new(ListArray::try_new(field.clone(), OffsetBuffer::new(offsets.into()), child, None)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::Int64Type;

    #[test]
    fn empty_and_null_lists_get_one_null() {
        let list =
            ListArray::from_iter_primitive::<Int64Type, _, _>(vec![Some(vec![Some(1), Some(2)]), Some(vec![]), None]);
        let out = keep_empty_rows(&list).unwrap();
        let out = out.as_list::<i32>();
        assert_eq!(out.value_offsets(), &[0, 2, 3, 4]);
        let values = out.values().as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(values.iter().collect::<Vec<_>>(), vec![Some(1), Some(2), None, None]);
    }
}
