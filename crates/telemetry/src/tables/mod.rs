//! The tables detections query, as Arrow schemas.
//!
//! Each table lives in its own module, which spells its columns with the
//! names and KQL types of Microsoft's reference page for it, in the page's
//! order (where the page only sorts them alphabetically, the module says
//! which order it uses instead). That module is the one place in the code
//! base those column names are written, queries aside. A column is declared
//! by its documented type word with `col`, so a table module reads like the
//! documentation it copies.
//!
//! A KQL type word becomes an Arrow type as follows, the same mapping the
//! query engine uses, so a batch built against these schemas is queried
//! without casts:
//!
//! | KQL type word          | Arrow                            |
//! |------------------------|----------------------------------|
//! | `string`               | `Utf8View`                       |
//! | `long`                 | `Int64`                          |
//! | `int`                  | `Int32`                          |
//! | `real`, `double`       | `Float64`                        |
//! | `bool`, `boolean`      | `Boolean`                        |
//! | `datetime`             | `Timestamp(Nanosecond, "UTC")`   |
//! | `timespan`             | `Duration(Nanosecond)`           |
//! | `guid`                 | `FixedSizeBinary(16)`            |
//! | `dynamic`              | `LargeUtf8`, holding JSON text   |
//! | `decimal`              | `Decimal128(38, 18)`             |
//!
//! Every column is nullable: telemetry leaves many of them empty (a Linux
//! sensor has no `ProcessIntegrityLevel`), and KQL reads a missing value as
//! null.
//!
//! Identifiers that the documentation types as `string` (device ids, object
//! ids) stay strings; only a column documented as `guid` is a
//! `FixedSizeBinary(16)`.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

pub mod aks_audit;
pub mod aks_audit_admin;
pub mod azure_diagnostics;
pub mod container_log_v2;
pub mod device_events;
pub mod device_file_events;
pub mod device_image_load_events;
pub mod device_info;
pub mod device_logon_events;
pub mod device_network_events;
pub mod device_network_info;
pub mod device_process_events;
pub mod documented;
pub mod falco_alerts;
pub mod kube_events;
pub mod kube_node_inventory;
pub mod kube_pod_inventory;
pub mod linux_audit_log;
pub mod syslog;

/// A table: its name as queries write it, and how to build its schema.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The table name, e.g. `DeviceProcessEvents`.
    pub name: &'static str,
    /// Builds the table's schema.
    pub schema: fn() -> Schema,
}

/// Every known table, in no meaningful order.
pub const TABLES: &[Table] = &[
    Table { name: device_process_events::NAME, schema: device_process_events::schema },
    Table { name: device_file_events::NAME, schema: device_file_events::schema },
    Table { name: device_network_events::NAME, schema: device_network_events::schema },
    Table { name: aks_audit::NAME, schema: aks_audit::schema },
    Table { name: aks_audit_admin::NAME, schema: aks_audit_admin::schema },
    Table { name: azure_diagnostics::NAME, schema: azure_diagnostics::schema },
    Table { name: falco_alerts::NAME, schema: falco_alerts::schema },
    Table { name: syslog::NAME, schema: syslog::schema },
    Table { name: container_log_v2::NAME, schema: container_log_v2::schema },
    Table { name: kube_events::NAME, schema: kube_events::schema },
    Table { name: kube_pod_inventory::NAME, schema: kube_pod_inventory::schema },
    Table { name: kube_node_inventory::NAME, schema: kube_node_inventory::schema },
    Table { name: device_logon_events::NAME, schema: device_logon_events::schema },
    Table { name: device_events::NAME, schema: device_events::schema },
    Table { name: linux_audit_log::NAME, schema: linux_audit_log::schema },
    Table { name: device_info::NAME, schema: device_info::schema },
    Table { name: device_network_info::NAME, schema: device_network_info::schema },
    Table { name: device_image_load_events::NAME, schema: device_image_load_events::schema },
];

/// Every known table with its schema.
pub fn all() -> Vec<(&'static str, SchemaRef)> {
    TABLES.iter().map(|t| (t.name, Arc::new((t.schema)()))).collect()
}

/// The schema of the table called `name`. Table names are case-sensitive,
/// as in KQL.
pub fn get(name: &str) -> Option<SchemaRef> {
    TABLES.iter().find(|t| t.name == name).map(|t| Arc::new((t.schema)()))
}

/// The Arrow type of a documented KQL type word (see the module docs), or
/// `None` for a word that is not a KQL scalar type. Case-insensitive.
pub fn data_type(kql_type: &str) -> Option<DataType> {
    Some(match kql_type.to_ascii_lowercase().as_str() {
        "string" => DataType::Utf8View,
        "long" => DataType::Int64,
        "int" => DataType::Int32,
        "real" | "double" => DataType::Float64,
        "bool" | "boolean" => DataType::Boolean,
        "datetime" => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        "timespan" => DataType::Duration(TimeUnit::Nanosecond),
        "guid" => DataType::FixedSizeBinary(16),
        "dynamic" => DataType::LargeUtf8,
        "decimal" => DataType::Decimal128(38, 18),
        _ => return None,
    })
}

/// A nullable column named `name` of the documented KQL type `kql_type`.
///
/// # Panics
///
/// If `kql_type` is not a KQL type word; the table modules only pass
/// literals, so this is caught by their tests.
fn col(name: &str, kql_type: &str) -> Field {
    let Some(dt) = data_type(kql_type) else { panic!("column {name}: unknown KQL type `{kql_type}`") };
    Field::new(name, dt, true)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// A documented column name: PascalCase ASCII letters and digits, with
    /// one leading underscore allowed for Log Analytics' standard columns
    /// (`_ResourceId`).
    fn is_pascal_case(name: &str) -> bool {
        let body = name.strip_prefix('_').unwrap_or(name);
        body.starts_with(|c: char| c.is_ascii_uppercase()) && body.chars().all(|c| c.is_ascii_alphanumeric())
    }

    #[test]
    fn table_names_are_unique_and_pascal_case() {
        let mut seen = HashSet::new();
        for t in TABLES {
            assert!(seen.insert(t.name), "table {} listed twice", t.name);
            assert!(is_pascal_case(t.name), "table name {} is not PascalCase", t.name);
        }
    }

    /// A custom column of `AzureDiagnostics`: any name with the suffix of
    /// its type (`log_s` string, `_d` real, `_g` guid, `_t` datetime, `_b` bool).
    fn is_custom_column(name: &str) -> bool {
        name.rsplit_once('_').is_some_and(|(body, suffix)| {
            !body.is_empty()
                && matches!(suffix, "s" | "d" | "g" | "t" | "b")
                && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    }

    /// A column of `LinuxAuditLog` named after an audit field: lower-case
    /// letters, digits and `_`, as the kernel writes the field's key.
    fn is_audit_field(name: &str) -> bool {
        name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }

    #[test]
    fn column_names_are_unique_and_pascal_case() {
        for (table, schema) in all() {
            assert!(!schema.fields().is_empty(), "{table} has no columns");
            let mut seen = HashSet::new();
            let mut folded = HashSet::new();
            for f in schema.fields() {
                assert!(seen.insert(f.name().as_str()), "{table}.{} declared twice", f.name());
                // KQL column names are case-sensitive, but two names differing
                // only in case are a copying mistake unless the documentation
                // itself lists both (AzureDiagnostics has `clientIP_s` and
                // `clientIp_s`).
                let documented_both = || {
                    documented::documented(table).is_some_and(|d| {
                        let same: Vec<_> =
                            d.fields().iter().filter(|g| g.name().eq_ignore_ascii_case(f.name())).collect();
                        same.len() > 1 && same.iter().any(|g| g.name() == f.name())
                    })
                };
                assert!(
                    folded.insert(f.name().to_ascii_lowercase()) || documented_both(),
                    "{table}.{} declared twice (names differ only in case)",
                    f.name()
                );
                let custom = (table == azure_diagnostics::NAME && is_custom_column(f.name()))
                    || (table == linux_audit_log::NAME && is_audit_field(f.name()));
                assert!(custom || is_pascal_case(f.name()), "{table}.{} is not PascalCase", f.name());
                assert!(f.is_nullable(), "{table}.{} is not nullable", f.name());
            }
        }
    }

    #[test]
    fn device_tables_carry_both_clocks() {
        let datetime = data_type("datetime").unwrap();
        for (table, schema) in all().into_iter().filter(|(name, _)| name.starts_with("Device")) {
            assert_eq!(schema.field(0).name(), "Timestamp", "{table} must start with Timestamp");
            for column in ["Timestamp", "TimeGenerated"] {
                let field = schema.field_with_name(column).unwrap_or_else(|_| panic!("{table} lacks {column}"));
                assert_eq!(field.data_type(), &datetime, "{table}.{column}");
            }
            for column in ["TenantId", "Type", "SourceSystem"] {
                assert!(schema.field_with_name(column).is_ok(), "{table} lacks {column}");
            }
        }
    }

    #[test]
    fn every_table_has_time_generated() {
        for (table, schema) in all() {
            assert!(schema.field_with_name("TimeGenerated").is_ok(), "{table} lacks TimeGenerated");
        }
    }

    #[test]
    fn get_finds_each_table_by_exact_name() {
        for t in TABLES {
            assert_eq!(*get(t.name).unwrap(), (t.schema)());
        }
        assert!(get("deviceprocessevents").is_none());
        assert!(get("NoSuchTable").is_none());
    }

    #[test]
    fn type_words_map_as_documented() {
        assert_eq!(data_type("string"), Some(DataType::Utf8View));
        assert_eq!(data_type("long"), Some(DataType::Int64));
        assert_eq!(data_type("int"), Some(DataType::Int32));
        assert_eq!(data_type("real"), Some(DataType::Float64));
        assert_eq!(data_type("double"), Some(DataType::Float64));
        assert_eq!(data_type("bool"), Some(DataType::Boolean));
        assert_eq!(data_type("boolean"), Some(DataType::Boolean));
        assert_eq!(data_type("datetime"), Some(DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))));
        assert_eq!(data_type("timespan"), Some(DataType::Duration(TimeUnit::Nanosecond)));
        assert_eq!(data_type("guid"), Some(DataType::FixedSizeBinary(16)));
        assert_eq!(data_type("dynamic"), Some(DataType::LargeUtf8));
        assert_eq!(data_type("decimal"), Some(DataType::Decimal128(38, 18)));
        assert_eq!(data_type("Int64"), None);
    }

    #[test]
    #[should_panic(expected = "unknown KQL type `varchar`")]
    fn col_rejects_unknown_type_words() {
        col("X", "varchar");
    }
}
