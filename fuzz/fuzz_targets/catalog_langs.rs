//! Fuzzes the catalog's query-language parsers (kuery/Lucene, EQL, ES|QL,
//! SPL with macro expansion, Panther Python, KQL conditions): no input may
//! panic them, and each returns conditions or an error.
#![no_main]

use catalog::cond::{Cond, add_to_rule};
use catalog::lang::{eql, esql, kql, kuery, python, spl};
use catalog::mapping::Mapping;
use catalog::model::{CatalogRule, Vendor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mapping = Mapping::shipped();
    let mut conds: Vec<(Cond, &str)> = Vec::new();
    if let Ok(c) = kuery::parse(text) {
        conds.push((c, "kuery"));
    }
    if let Ok(q) = eql::parse(text) {
        conds.push((q.cond, "eql"));
    }
    if let Ok(q) = esql::parse(text) {
        conds.push((q.cond, "esql"));
    }
    let macros = [("m".to_string(), text.to_string())].into_iter().collect();
    if let Ok(q) = spl::parse(&spl::expand_macros(text, &macros)) {
        conds.push((q.cond, "spl"));
    }
    if let Ok(r) = python::parse(text) {
        conds.push((r.cond, "python"));
    }
    if let Ok(q) = kql::parse(text) {
        conds.push((q.cond, "kql"));
    }
    for (c, lang) in conds {
        let mut rule = CatalogRule::new(Vendor::Elastic, String::new(), String::new(), String::new(), lang);
        add_to_rule(&mut rule, &c, lang, &mapping);
        let _ = rule.analysis();
    }
});
