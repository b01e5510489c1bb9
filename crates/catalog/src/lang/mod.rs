//! Hand-written parsers of the vendors' small query languages. Each one is
//! bounded ([`crate::cond::MAX_DEPTH`]), never panics, and turns what it does
//! not understand into [`crate::cond::Cond::Unknown`] or an error.

pub mod boolean;
pub mod eql;
pub mod esql;
pub mod kql;
pub mod kuery;
pub mod python;
pub mod spl;
