//! YAML documents as JSON values (bounded depth), so readers work on one
//! kind of tree.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value};

const MAX_DEPTH: usize = 64;

/// The first document of `text` as JSON, or the YAML error.
pub fn yaml_to_json(text: &str) -> Result<Value, String> {
    let docs = Yaml::load_from_str(text).map_err(|e| format!("YAML: {e}"))?;
    match docs.first() {
        Some(doc) => convert(doc, 0),
        None => Ok(Value::Null),
    }
}

fn convert(y: &Yaml, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("YAML nested deeper than {MAX_DEPTH}"));
    }
    Ok(match y {
        Yaml::Value(s) => scalar(s),
        Yaml::Representation(text, _, _) => Value::String(text.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(|i| convert(i, depth + 1)).collect::<Result<_, _>>()?),
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Yaml::Value(s) => match scalar(s) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                    Yaml::Representation(text, _, _) => text.to_string(),
                    _ => return Err("YAML: a mapping key that is not a scalar".into()),
                };
                out.insert(key, convert(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(_, inner) => convert(inner, depth + 1)?,
        Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    })
}

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}
