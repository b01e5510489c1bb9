//! `FalcoAlerts`: every Falco alert, whatever its rule, source or event
//! type, as Falco writes it with `json_output: true`. Falco's own table,
//! not one of Microsoft's: no Defender or Sentinel table holds a Falco
//! alert, and most alerts (a Kubernetes audit rule, a plugin's, a syscall
//! rule whose output names no `evt.type`) fit no `Device*` table. Each
//! column is one field of the alert, its name the field's in PascalCase:
//!
//! | column | alert field | type |
//! |---|---|---|
//! | `TimeGenerated` | `time` | datetime |
//! | `Rule` | `rule` | string |
//! | `Priority` | `priority` (`Emergency` ... `Debug`) | string |
//! | `Source` | `source` (`syscall`, `k8s_audit`, a plugin's; null in older Falco) | string |
//! | `Hostname` | `hostname` (null in older Falco) | string |
//! | `Output` | `output`, the rule's formatted message | string |
//! | `Tags` | `tags` | dynamic (array of strings) |
//! | `OutputFields` | `output_fields`: the fields the rule's output names, as Falco typed them | dynamic (object) |

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "FalcoAlerts";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("TimeGenerated", "datetime"),
        col("Rule", "string"),
        col("Priority", "string"),
        col("Source", "string"),
        col("Hostname", "string"),
        col("Output", "string"),
        col("Tags", "dynamic"),
        col("OutputFields", "dynamic"),
    ])
}
