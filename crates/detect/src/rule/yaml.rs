//! The YAML reading shared with the Sigma loader (`sigma::yaml`).

pub(crate) use sigma::yaml::{Node, Source, at, describe, entries, integer, is_null, items, scalar_text};
