//! The KQL function library as DataFusion UDFs, one family per module.

pub mod args;
pub mod convert;
pub mod dynamic;
pub mod string;
