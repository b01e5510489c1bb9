//! An ECS document read by hand: the same walk as [`super::Walk`] (the
//! same dotted paths, the same [`super::slot`]s, the same objects entered),
//! over a [`Scan`] instead of serde_json.
//!
//! Fields are read with the hand-read forms of the lenient types
//! ([`MaybeStr::scan`], [`Int::scan`], [`Strs::scan`]). A value one of
//! them is unsure of, a key it leaves to serde_json, nesting deeper than
//! serde_json allows, or bad JSON is `None`, and the document is walked
//! with serde_json as before, so both ways give the same rows and rejects.

use super::{Doc, Slot, holds_fields, slot};
use crate::sources::json_scan::Scan;
use crate::sources::loose::{Int, MaybeStr, Strs};

/// How deep objects and arrays may nest: below serde_json's limit of 128,
/// so whatever is read here serde_json also reads.
const DEPTH: u32 = 100;

/// `text` walked into `doc` (as [`Default`] gives it; part filled when
/// this is `None`), `path` the scratch for dotted names. The document is
/// filled in place, not returned: it is large, and moving it would copy it.
pub(super) fn read<'t>(text: &'t str, path: &mut String, doc: &mut Doc<'t>) -> Option<()> {
    path.clear();
    let mut s = Scan::new(text);
    object(&mut s, doc, path, DEPTH)?;
    s.at_end().then_some(())
}

/// Checks, in builds with debug assertions (the tests and the fuzz
/// targets), that serde_json's walk of `text` gives `doc` too.
#[cfg(any(debug_assertions, test))]
pub(super) fn check(text: &str, doc: &Doc<'_>) {
    let theirs = super::walk(text, &mut String::new());
    assert!(theirs.as_ref().is_ok_and(|d| d == doc), "read by hand as {doc:?}, by serde_json as {theirs:?}: {text}");
}

/// The object at `s`, its members at `path`.
fn object<'t>(s: &mut Scan<'t>, doc: &mut Doc<'t>, path: &mut String, depth: u32) -> Option<()> {
    let depth = depth.checked_sub(1)?;
    let base = path.len();
    s.object(false, |s, key| {
        if base == 0 && key == "_source" {
            return value_of_object(s, doc, path, depth);
        }
        if base > 0 {
            path.push('.');
        }
        path.push_str(&key);
        member(s, doc, path, depth)?;
        path.truncate(base);
        Some(())
    })
}

/// A value that may hold fields: an object is walked, anything else
/// passed over (as [`super::Walk`] ignores it).
fn value_of_object<'t>(s: &mut Scan<'t>, doc: &mut Doc<'t>, path: &mut String, depth: u32) -> Option<()> {
    if s.at(b'{') { object(s, doc, path, depth) } else { s.skip_value(depth) }
}

/// The value of the member at `path`.
fn member<'t>(s: &mut Scan<'t>, doc: &mut Doc<'t>, path: &mut String, depth: u32) -> Option<()> {
    match slot(path) {
        Some(Slot::Str(f)) => *f(doc) = MaybeStr::scan(s, depth)?.0,
        Some(Slot::Int(f)) => *f(doc) = Int::scan(s, depth)?,
        Some(Slot::Strs(f)) => *f(doc) = Strs::scan(s, depth)?,
        None if holds_fields(path) => value_of_object(s, doc, path, depth)?,
        None => s.skip_value(depth)?,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `text` is read by hand; when it is, serde_json's walk must
    /// give the same document.
    fn agree(text: &str) -> bool {
        let mut path = String::new();
        let mut ours = Doc::default();
        if read(text, &mut path, &mut ours).is_none() {
            return false;
        }
        check(text, &ours);
        true
    }

    const PROCESS: &str = r#"{"@timestamp":"2026-11-20T00:00:00.137Z","agent":{"type":"endpoint","id":"0f4e"},"host":{"name":"node-0","os":{"type":"linux","kernel":"6.8.0"},"ip":["10.0.0.1",null,"fe80::1"],"mac":"aa:bb"},"process":{"pid":1070837,"executable":"/usr/bin/docker","args":["docker","exec","-it","web","/bin/sh"],"parent":{"pid":"1070834","name":"bash","args":null},"Ext":{"ancestry":["a","b"],"n":[1.5e3,-0.25,{"x":[true,false,null]}]},"command_line":"docker exec \"-it\" web é"},"user":{"name":"root","id":"0"},"event":{"category":["process"],"type":"start","action":"exec"},"_source":{"file":{"path":"/tmp/x"}},"process.name":"dotted at the top"}"#;

    #[test]
    fn documents_read_as_serde_json_walks_them() {
        let cases = [
            PROCESS,
            r#"{"_source":{"@timestamp":"t","event":{"category":"file"},"file":{"path":"/a\/b","name":null}}}"#,
            r#"{"@timestamp":"t","process":{"pid":null,"parent":{"pid":" 12 "}},"source":{"port":"x"}}"#,
            r#"{"@timestamp":"t","event":"not an object","host":[1,2],"system":{"audit":{"host":{"ip":[]}}}}"#,
            r#"{"@timestamp":"t","process":{"pid":1},"process":{"pid":2}}"#,
            r#" { "@timestamp" : "t" , "destination" : { "port" : 443 } } "#,
            r#"{"@timest\u0061mp":"escaped key"}"#,
            r#"{"@timestamp":5,"process":{"pid":true,"args":[1,"a",null,{"x":1}],"name":{"y":[]}}}"#,
            "{}",
        ];
        for text in cases {
            assert!(agree(text), "not read by hand: {text}");
        }
    }

    #[test]
    fn values_it_is_not_sure_of_are_left_to_serde_json() {
        let cases = [
            r#"{"@timestamp":"t","process":{"pid":1.0}}"#,
            r#"{"@timestamp":"t","process":{"pid":12345678901234567890}}"#,
            r#"{"@timestamp":"t","process":{"pid":-0}}"#,
            r#"{"@timestamp":"t","process":{"args":{"a":"b"}}}"#,
            r#"{"@timestamp":"t","event":{"category":7}}"#,
            r#"{"@timestamp":"t\ud83d\ude00"}"#,
            r#"{"@timestamp":"t"} x"#,
            r#"{"@timestamp":"t",}"#,
            r#"["not an object"]"#,
        ];
        let mut path = String::new();
        for text in cases {
            assert!(read(text, &mut path, &mut Doc::default()).is_none(), "read by hand: {text}");
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(read(&deep, &mut path, &mut Doc::default()).is_none(), "deeper than serde_json goes");
    }

    #[test]
    fn every_cut_of_a_document_is_declined_or_read_alike() {
        for end in (0..=PROCESS.len()).filter(|&i| PROCESS.is_char_boundary(i)) {
            let _ = agree(&PROCESS[..end]);
        }
    }

    #[test]
    fn hostile_documents_are_declined_or_read_alike() {
        let many_keys = format!(
            "{{\"@timestamp\":\"t\",{}\"process\":{{\"pid\":1}}}}",
            (0..10_000).map(|i| format!("\"k{i}é\":[{i},\"日本\",null],")).collect::<String>()
        );
        let many_args = format!(
            "{{\"process\":{{\"args\":[{}\"last\"]}}}}",
            (0..10_000).map(|i| format!("\"a{i}\",")).collect::<String>()
        );
        let alike = [
            many_keys.as_str(),
            many_args.as_str(),
            r#"{"process":{"pid":"9223372036854775807","parent":{"pid":-123456789012345678}}}"#,
            r#"{"process":{"pid":"-9223372036854775809"}}"#,
            r#"{"host":{"name":"ñodo-ü","ip":[]},"user":{"name":""}}"#,
        ];
        for text in alike {
            assert!(agree(text), "not read by hand: {}", text.chars().take(60).collect::<String>());
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        let deep_objects = format!("{}{}", "{\"process\":".repeat(10_000), "}".repeat(10_000));
        let declined = [
            "",
            "null",
            "\u{feff}{}",
            r#"{"process":{"pid":9223372036854775807}}"#,
            r#"{"process":{"pid":-9223372036854775808}}"#,
            deep.as_str(),
            deep_objects.as_str(),
        ];
        let mut path = String::new();
        for text in declined {
            assert!(
                read(text, &mut path, &mut Doc::default()).is_none(),
                "read by hand: {}",
                text.chars().take(60).collect::<String>()
            );
        }
    }
}
