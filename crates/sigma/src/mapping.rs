//! The logsource and field mapping: Sigma logsource → table, Sigma field
//! → column (or a path into a `dynamic` column), keyword columns and the
//! `expand` placeholders. Data, not code: the shipped file is
//! `crates/sigma/mapping.yaml` ([`DEFAULT_MAPPING`]); a user's file in the
//! same format replaces it.

use crate::diag::{Diags, RuleDiagnostic};
use crate::load::strings;
use crate::model::LogSource;
use crate::tree::{Kind, Tree, parse_documents};
use crate::value::Placeholders;

/// The shipped mapping's text.
pub const DEFAULT_MAPPING: &str = include_str!("../mapping.yaml");

/// The whole mapping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    /// One entry per logsource.
    pub sources: Vec<SourceMap>,
    /// Values of `%name%` placeholders.
    pub placeholders: Placeholders,
}

/// One logsource's table and fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceMap {
    /// The logsource it applies to.
    pub logsource: LogSource,
    /// The table.
    pub table: String,
    /// Columns a keyword search looks in.
    pub keywords: Vec<String>,
    /// Sigma field → where its values come from.
    pub fields: Vec<(String, Target)>,
    /// Which rows of the table hold the logsource: column (or
    /// `Column.path`) → the values it may have (any of them, compared as
    /// Sigma compares a plain value: whole and case-insensitively). Every
    /// entry must hold; none means every row.
    pub rows: Vec<(String, Vec<String>)>,
}

/// Where a Sigma field's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A column, or `Column.path` into a `dynamic` one.
    Column(String),
    /// A KQL expression over the table's columns (`kql:` in the file):
    /// one text value per row, or, with `list: true`, an array of values
    /// of which any one may match (values of one line each: a list with a
    /// line break in a value is matched by `*` alone).
    Kql {
        /// The expression.
        expr: String,
        /// It gives an array.
        list: bool,
    },
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

impl Mapping {
    /// The shipped mapping.
    pub fn builtin() -> Mapping {
        let (m, diags) = Mapping::parse(DEFAULT_MAPPING, "builtin:crates/sigma/mapping.yaml");
        debug_assert!(diags.is_empty(), "{diags:?}");
        m
    }

    /// The entry for a rule's logsource: the one whose product, category
    /// and service equal the rule's (unset only where the rule's is).
    pub fn source(&self, ls: &LogSource) -> Option<&SourceMap> {
        self.sources.iter().find(|s| {
            same(&s.logsource.product, &ls.product)
                && same(&s.logsource.category, &ls.category)
                && same(&s.logsource.service, &ls.service)
        })
    }

    /// Reads a mapping file. Problems are diagnostics with file, line and
    /// key; entries with problems are left out.
    pub fn parse(text: &str, file: &str) -> (Mapping, Vec<RuleDiagnostic>) {
        let mut d = Diags::new(file);
        let mut m = Mapping::default();
        let docs = match parse_documents(text) {
            Ok(docs) => docs,
            Err((at, msg)) => {
                d.error(at, "yaml", msg);
                return (m, d.list);
            }
        };
        let Some(root) = docs.first() else {
            d.error((1, 1), "logsources", "the mapping file is empty");
            return (m, d.list);
        };
        match root.get("logsources").map(|e| &e.value.kind) {
            Some(Kind::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let key = format!("logsources[{i}]");
                    let mut s = SourceMap::default();
                    let Some(entries) = item.entries() else {
                        d.error(item.at(), &key, "expected a mapping");
                        continue;
                    };
                    for e in entries {
                        let k = format!("{key}.{}", e.key);
                        match e.key.as_str() {
                            "product" => s.logsource.product = e.value.text().map(str::to_string),
                            "category" => s.logsource.category = e.value.text().map(str::to_string),
                            "service" => s.logsource.service = e.value.text().map(str::to_string),
                            "table" => s.table = e.value.text().unwrap_or("").to_string(),
                            "keywords" => s.keywords = strings(&e.value, &k, &mut d),
                            "where" => match e.value.entries() {
                                Some(w) => {
                                    for x in w {
                                        let values = strings(&x.value, &format!("{k}.{}", x.key), &mut d);
                                        if values.is_empty() {
                                            d.error(
                                                x.value.at(),
                                                &format!("{k}.{}", x.key),
                                                "expected the values the column may have",
                                            );
                                        } else {
                                            s.rows.push((x.key.clone(), values));
                                        }
                                    }
                                }
                                None => d.error(e.value.at(), &k, "expected a mapping of column to values"),
                            },
                            "fields" => match e.value.entries() {
                                Some(f) => {
                                    for x in f {
                                        if let Some(t) = target(&x.value, &format!("{k}.{}", x.key), &mut d) {
                                            s.fields.push((x.key.clone(), t));
                                        }
                                    }
                                }
                                None => d.error(e.value.at(), &k, "expected a mapping of Sigma field to column"),
                            },
                            other => d.error((e.line, e.column), &k, format!("unknown key `{other}`")),
                        }
                    }
                    if s.table.is_empty() {
                        d.error(item.at(), &format!("{key}.table"), "every logsource entry names its table");
                        continue;
                    }
                    m.sources.push(s);
                }
            }
            _ => d.error(root.at(), "logsources", "expected a list of logsource entries under `logsources`"),
        }
        if let Some(p) = root.get("placeholders") {
            match p.value.entries() {
                Some(entries) => {
                    for e in entries {
                        let values = strings(&e.value, &format!("placeholders.{}", e.key), &mut d);
                        m.placeholders.values.push((e.key.clone(), values));
                    }
                }
                None if p.value.kind == Kind::Null => {}
                None => d.error(p.value.at(), "placeholders", "expected a mapping of name to values"),
            }
        }
        (m, d.list)
    }
}

/// A field's target: a column name, or `{kql: EXPR, list: BOOL}`.
fn target(t: &Tree, key: &str, d: &mut Diags) -> Option<Target> {
    if let Some(col) = t.text()
        && !col.is_empty()
    {
        return Some(Target::Column(col.to_string()));
    }
    let Some(entries) = t.entries() else {
        d.error(t.at(), key, "expected a column name, or `kql:` with an expression");
        return None;
    };
    let (mut expr, mut list, before) = (None, false, d.list.len());
    for e in entries {
        match (e.key.as_str(), e.value.text()) {
            ("kql", Some(x)) if !x.trim().is_empty() => expr = Some(x.trim().to_string()),
            ("list", Some("true")) => list = true,
            ("list", Some("false")) => list = false,
            ("kql", _) => d.error(e.value.at(), &format!("{key}.kql"), "expected a KQL expression"),
            ("list", _) => d.error(e.value.at(), &format!("{key}.list"), "expected true or false"),
            (other, _) => d.error((e.line, e.column), &format!("{key}.{other}"), format!("unknown key `{other}`")),
        }
    }
    match expr {
        Some(_) if d.list.len() > before => None,
        Some(expr) => match one_expression(&expr) {
            Ok(()) => Some(Target::Kql { expr, list }),
            Err(message) => {
                let at = t.get("kql").map(|e| e.value.at()).unwrap_or(t.at());
                d.error(at, &format!("{key}.kql"), message);
                None
            }
        },
        None => {
            d.error(t.at(), key, "a computed field needs `kql:` with an expression");
            None
        }
    }
}

/// Whether `expr` is one KQL expression, which a rule's query may hold in
/// parentheses: it parses, alone, as the one value of a `print`.
fn one_expression(expr: &str) -> Result<(), String> {
    use kql_syntax::ast::{ExprKind, OperatorKind, Statement};
    let parsed = kql_syntax::parse(&format!("print ({expr})"));
    if let Some(d) = parsed.diagnostics.first() {
        return Err(format!("the KQL expression does not parse: {}", d.message));
    }
    match parsed.query.statements.as_slice() {
        [Statement::Expr(e)] => match &e.kind {
            ExprKind::Source(op) if matches!(&op.kind, OperatorKind::Print(items) if items.len() == 1) => Ok(()),
            _ => Err("expected one KQL expression, not a query".into()),
        },
        _ => Err("expected one KQL expression, not a query".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_mapping_reads_cleanly() {
        let (m, diags) = Mapping::parse(DEFAULT_MAPPING, "mapping.yaml");
        assert!(diags.is_empty(), "{diags:?}");
        let ls = LogSource { product: Some("Linux".into()), category: Some("process_creation".into()), service: None };
        assert_eq!(m.source(&ls).map(|s| s.table.as_str()), Some("DeviceProcessEvents"));
        let k8s = LogSource { product: Some("kubernetes".into()), category: None, service: Some("audit".into()) };
        assert_eq!(m.source(&k8s).map(|s| s.table.as_str()), Some("AKSAudit"));
        let auditd = LogSource { product: Some("linux".into()), category: None, service: Some("auditd".into()) };
        assert_eq!(m.source(&auditd).map(|s| s.table.as_str()), Some("LinuxAuditLog"));
        let sshd = LogSource { product: Some("linux".into()), category: None, service: Some("sshd".into()) };
        let sshd = m.source(&sshd).unwrap();
        assert_eq!(sshd.table, "Syslog");
        assert_eq!(sshd.rows, vec![("ProcessName".to_string(), vec!["sshd".to_string(), "sshd-session".to_string()])]);
        let linux = LogSource { product: Some("linux".into()), category: None, service: None };
        assert!(m.source(&linux).is_some_and(|s| s.table == "Syslog" && s.rows.is_empty()));
    }

    #[test]
    fn a_where_without_values_is_an_error_naming_the_key() {
        let text =
            "logsources:\n  - product: linux\n    service: x\n    table: Syslog\n    where:\n      ProcessName: []\n";
        let (m, diags) = Mapping::parse(text, "m.yaml");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].to_string().contains("logsources[0].where.ProcessName"), "{}", diags[0]);
        assert!(m.sources[0].rows.is_empty());
    }

    #[test]
    fn a_field_may_be_a_kql_expression_or_a_list_of_values() {
        let text = "logsources:\n  - product: p\n    table: T\n    fields:\n      A: Col\n      B:\n        kql: strlen(Col)\n      C:\n        kql: split(Col, ' ')\n        list: true\n      D:\n        list: yes\n      E:\n        kql: x\n        other: 1\n";
        let (m, diags) = Mapping::parse(text, "m.yaml");
        let fields = &m.sources[0].fields;
        assert_eq!(fields[0], ("A".to_string(), Target::Column("Col".into())));
        assert_eq!(fields[1], ("B".to_string(), Target::Kql { expr: "strlen(Col)".into(), list: false }));
        assert_eq!(fields[2], ("C".to_string(), Target::Kql { expr: "split(Col, ' ')".into(), list: true }));
        let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].contains("fields.D.list") && text[0].contains("true or false"), "{text:?}");
        assert!(text[1].contains("fields.D") && text[1].contains("needs `kql:`"), "{text:?}");
        assert!(text[2].contains("fields.E.other") && text[2].contains("unknown key"), "{text:?}");
        assert_eq!(fields.len(), 3, "D and E are left out: {fields:?}");
    }

    #[test]
    fn a_computed_field_may_hold_any_text_in_its_strings() {
        let text = "logsources:\n  - product: p\n    table: T\n    fields:\n      F:\n        kql: \"strcat('\u{e9}\u{1f600}', '')\"\n";
        let (m, diags) = Mapping::parse(text, "m.yaml");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(m.sources[0].fields.len(), 1);
    }

    #[test]
    fn a_computed_field_must_be_one_expression() {
        for (expr, want) in [
            ("strlen(Col) +", "does not parse"),
            ("x) | take 1 | where (y", "not a query"),
            ("1); print (2", "not a query"),
            ("'unterminated", "does not parse"),
            (&"1 + ".repeat(10_000), "does not parse"),
            ("strlen(\u{e9}", "does not parse"),
        ] {
            let text = format!(
                "logsources:\n  - product: p\n    table: T\n    fields:\n      F:\n        kql: \"{}\"\n",
                expr.replace('"', "\\\"")
            );
            let (m, diags) = Mapping::parse(&text, "m.yaml");
            assert!(m.sources[0].fields.is_empty(), "{expr}: {:?}", m.sources[0].fields);
            assert_eq!(diags.len(), 1, "{expr}: {diags:?}");
            let msg = diags[0].to_string();
            assert!(msg.contains("fields.F.kql") && msg.contains(want) && msg.contains("m.yaml:6:"), "{expr}: {msg}");
        }
    }
}
