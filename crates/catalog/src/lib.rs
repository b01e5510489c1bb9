//! The detection catalog: every vendor's published rules read into one
//! normalised form ([`model::CatalogRule`]), field names and operators
//! mapped to canonical ones by a shipped, editable file
//! ([`mapping::Mapping`]), and analysed per ATT&CK technique
//! ([`analysis`]). No DataFusion: this crate only reads text.

pub mod analysis;
pub mod attack;
pub mod cache;
pub mod cond;
pub mod lang;
pub mod lex;
pub mod mapping;
pub mod mitre;
pub mod model;
pub mod output;
pub mod readers;
pub mod render;
pub mod site;
