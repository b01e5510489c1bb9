//! Rule diagnostics, shared with the Sigma loader (`sigma::diag`).

pub(crate) use sigma::diag::Diags;
pub use sigma::diag::{Level, RuleDiagnostic};
