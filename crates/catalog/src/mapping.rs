//! The shipped, editable mapping of vendors' field names and operator
//! spellings to canonical ones (`data/mapping.toml`).

use std::collections::HashMap;

use crate::model::{Op, Vendor};

/// The mapping shipped with dragnet.
pub const SHIPPED: &str = include_str!("../data/mapping.toml");

/// What one operator spelling means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpSpec {
    /// The canonical operator.
    pub op: Op,
    /// The spelling negates (`!=`).
    pub negates: bool,
    /// A value with an unescaped `*` or `?` makes it a wildcard.
    pub glob: bool,
}

/// Field and operator tables.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// (vendor, field) → canonical.
    fields: HashMap<(Vendor, String), String>,
    /// (vendor, lower-cased field) → canonical.
    fields_folded: HashMap<(Vendor, String), String>,
    /// (language, spelling) → meaning.
    operators: HashMap<(String, String), OpSpec>,
    /// Splunk data-model objects stripped before looking a field up.
    datamodel_objects: Vec<String>,
    /// The SHA-256 of the text it was read from (hex).
    fingerprint: String,
}

impl Mapping {
    /// The shipped mapping.
    pub fn shipped() -> Mapping {
        // The shipped file is checked by a test; were it broken, an empty
        // mapping still leaves every field under its own name.
        Mapping::parse(SHIPPED).unwrap_or_default()
    }

    /// The SHA-256 of the text the mapping was read from: a cache of rules
    /// read with one mapping is not used with another.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Reads a mapping file's text; errors name the entry that is wrong.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| format!("mapping: {e}"))?;
        let mut m = Mapping { fingerprint: crate::cache::sha256_hex(text.as_bytes()), ..Mapping::default() };
        if let Some(objects) = doc.get("splunk").and_then(|s| s.get("datamodel_objects")) {
            m.datamodel_objects = strings(objects, "splunk.datamodel_objects")?;
        }
        let fields = match doc.get("field") {
            Some(toml::Value::Array(a)) => a.as_slice(),
            Some(_) => return Err("mapping: `field` must be an array of tables ([[field]])".into()),
            None => &[],
        };
        for (i, entry) in fields.iter().enumerate() {
            let Some(canonical) = entry.get("canonical").and_then(|c| c.as_str()) else {
                return Err(format!("mapping: [[field]] number {} has no `canonical` name", i + 1));
            };
            for vendor in Vendor::ALL {
                let Some(names) = entry.get(vendor.key()) else { continue };
                for name in strings(names, &format!("field {canonical}.{}", vendor.key()))? {
                    let folded = name.to_lowercase();
                    if let Some(other) = m.fields.insert((vendor, name.clone()), canonical.to_string())
                        && other != canonical
                    {
                        return Err(format!(
                            "mapping: {} field `{name}` is listed under both `{other}` and `{canonical}`",
                            vendor.key()
                        ));
                    }
                    m.fields_folded.insert((vendor, folded), canonical.to_string());
                }
            }
        }
        if let Some(langs) = doc.get("operators") {
            let Some(langs) = langs.as_table() else { return Err("mapping: `operators` must be a table".into()) };
            for (lang, table) in langs {
                let Some(table) = table.as_table() else {
                    return Err(format!("mapping: operators.{lang} must be a table"));
                };
                for (spelling, meaning) in table {
                    let Some(meaning) = meaning.as_str() else {
                        return Err(format!("mapping: operators.{lang}.\"{spelling}\" must be a string"));
                    };
                    let spec = op_spec(meaning).ok_or_else(|| {
                        format!("mapping: operators.{lang}.\"{spelling}\" = \"{meaning}\" is not an operator")
                    })?;
                    m.operators.insert((lang.clone(), spelling.clone()), spec);
                }
            }
        }
        Ok(m)
    }

    /// The meaning of `spelling` in `lang`, if the mapping lists it.
    pub fn operator(&self, lang: &str, spelling: &str) -> Option<OpSpec> {
        self.operators.get(&(lang.to_string(), spelling.to_string())).copied()
    }

    /// The canonical name of `vendor`'s `field` (the field itself when unmapped).
    pub fn canonical_field(&self, vendor: Vendor, field: &str) -> String {
        let mut name = field;
        if vendor == Vendor::Splunk
            && let Some((object, rest)) = field.split_once('.')
            && self.datamodel_objects.iter().any(|o| o == object)
        {
            name = rest;
            // Nested objects: `Network_Traffic.All_Traffic.dest`.
            if let Some((object, rest)) = name.split_once('.')
                && self.datamodel_objects.iter().any(|o| o == object)
            {
                name = rest;
            }
        }
        if let Some(c) = self.fields.get(&(vendor, name.to_string())) {
            return c.clone();
        }
        if let Some(c) = self.fields_folded.get(&(vendor, name.to_lowercase())) {
            return c.clone();
        }
        name.to_string()
    }
}

fn strings(value: &toml::Value, what: &str) -> Result<Vec<String>, String> {
    let Some(items) = value.as_array() else { return Err(format!("mapping: {what} must be a list of strings")) };
    items
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(|| format!("mapping: {what} must be a list of strings")))
        .collect()
}

fn op_spec(meaning: &str) -> Option<OpSpec> {
    let (negates, rest) = match meaning.strip_prefix("not ") {
        Some(rest) => (true, rest),
        None => (false, meaning),
    };
    let (glob, name) = match rest.strip_suffix('*') {
        Some(name) => (true, name),
        None => (false, rest),
    };
    Some(OpSpec { op: Op::parse(name.trim())?, negates, glob })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_mapping_reads() {
        let m = Mapping::parse(SHIPPED).unwrap();
        assert_eq!(m.canonical_field(Vendor::Sigma, "Image"), "process.executable");
        assert_eq!(m.canonical_field(Vendor::Splunk, "Processes.process_name"), "process.name");
        assert_eq!(m.canonical_field(Vendor::Elastic, "process.name"), "process.name");
        assert_eq!(m.canonical_field(Vendor::Elastic, "host.os.type"), "host.os.type");
        assert_eq!(m.operator("kql", "!in~"), Some(OpSpec { op: Op::In, negates: true, glob: false }));
        assert_eq!(m.operator("kuery", ":"), Some(OpSpec { op: Op::Eq, negates: false, glob: true }));
    }

    #[test]
    fn conflicting_names_are_an_error() {
        let text = "[[field]]\ncanonical = \"a\"\nsigma = [\"X\"]\n[[field]]\ncanonical = \"b\"\nsigma = [\"X\"]\n";
        let e = Mapping::parse(text).unwrap_err();
        assert!(e.contains("`X` is listed under both `a` and `b`"), "{e}");
    }

    #[test]
    fn unknown_operator_is_an_error() {
        let e = Mapping::parse("[operators.kql]\n\"==\" = \"equals\"\n").unwrap_err();
        assert!(e.contains("operators.kql.\"==\""), "{e}");
    }
}
