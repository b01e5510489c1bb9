//! Reading a path out of dynamic JSON text: the byte scan that answers for
//! plain text must give what serde_json alone gives, for any text and path.
//! The first byte picks the path; the rest is the text.
#![no_main]

use kql_engine::functions::dyn_path::{get_path, get_path_serde};
use kql_engine::functions::dynamic::PathElem;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let key = |k: &str| PathElem::Key(k.to_string());
    let path = match pick % 6 {
        0 => vec![key("a")],
        1 => vec![key("k")],
        2 => vec![PathElem::Index(i64::from(pick / 6 % 4))],
        3 => vec![key("a"), PathElem::Index(0)],
        4 => vec![PathElem::Index(1), key("k")],
        _ => vec![key("")],
    };
    assert_eq!(get_path(text, &path), get_path_serde(text, &path), "{path:?} in {text:?}");
});
