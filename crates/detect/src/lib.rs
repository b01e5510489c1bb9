//! Detections: the rule formats (Microsoft Sentinel analytics-rule YAML, and
//! Sigma through the `sigma` crate),
//! rule packs (the built-in one and folders of rules), ATT&CK coverage,
//! running a rule into alerts, and the alerts' output formats.
//!
//! ```text
//! rule.yaml ──► rule::parse ──► Rule ──► run::run_rule (KQL over a catalog) ──► Alert ──► output::*
//! ```
//!
//! Nothing here prints or reads the environment: the `dragnet` binary does.

pub mod alert;
pub mod attack;
pub mod coverage;
pub mod entity;
pub mod fold;
pub mod output;
pub mod pack;
pub mod rows;
pub mod rule;
pub mod rule_tests;
pub mod run;
pub mod sigma_correlate;
pub mod sigma_rules;
pub mod sigma_scan;
pub mod tables_read;

pub use alert::Alert;
pub use pack::RulePack;
pub use rule::{Rule, RuleDiagnostic};
