//! A streaming-API record read by hand: the same visit as
//! [`record::parse`] (members in the order they come, the table known from
//! `category` by the time `properties` comes, each property read as its
//! column's type), over a [`Scan`] instead of serde_json.
//!
//! Cells are made by the same functions as serde_json's path
//! ([`column::of_str`], [`column::of_i64`], [`column::of_bool`],
//! [`dynamic::unwrapped`]). A value it is unsure of (a number that is not a
//! plain whole number, an object or array in a column that is not
//! `dynamic`), a `records` wrapper, `properties` before `category`, a
//! record member given twice, nesting deeper than serde_json allows, or bad
//! JSON is `None`, and the record is parsed by [`record::parse`] as
//! before, so both ways give the same rows, skips and rejects.

use std::borrow::Cow;

use super::column::{self, Kind};
#[cfg(any(debug_assertions, test))]
use super::record;
use super::record::{PREFIX, Record, TableCols, Tables};
use crate::batch::{Row, Value};
use crate::sink::FileSink;
use crate::sources::dynamic;
use crate::sources::json_scan::Scan;

/// How deep objects and arrays may nest below a property: with the record
/// and `properties` around them, still below serde_json's limit of 128, so
/// whatever is read here serde_json also reads.
const DEPTH: u32 = 100;

/// The record of `text`, read by hand, its row filled on the way.
pub(super) fn read<'t>(text: &'t str, tables: &mut Tables, out: &mut FileSink<'_, '_>) -> Option<Record<'t>> {
    let mut s = Scan::new(text);
    let mut rec = Record::default();
    let (mut category, mut time, mut properties) = (false, false, false);
    s.object(false, |s, key| {
        match &*key {
            "category" => rec.category = once(&mut category).and_then(|()| text_or_null(s))?,
            "time" => rec.time = once(&mut time).and_then(|()| text_or_null(s))?,
            "properties" => {
                once(&mut properties)?;
                // `properties` before `category` is kept raw by serde_json's path.
                let table = rec.category.as_deref().and_then(|c| c.strip_prefix(PREFIX))?;
                let slot = tables.slot(table, out);
                if s.lookahead()? == b'n' {
                    s.null()?;
                    rec.has_properties = false;
                    return Some(());
                }
                rec.has_properties = true;
                let Some(cols) = tables.cols(slot) else {
                    // A table dragnet does not hold: its properties are skipped.
                    return s.skip_value(DEPTH);
                };
                let mut row = out.builder(cols.id).row();
                let err = props(s, cols, &mut row)?;
                rec.row = Some((slot, row, err));
            }
            "records" => return None,
            _ => s.skip_value(DEPTH)?,
        }
        Some(())
    })?;
    s.at_end().then_some(rec)
}

/// `Some` the first time, marking `seen`; a member given twice is left to
/// serde_json.
fn once(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}

/// A string, or `null` as none; any other value is `None`.
fn text_or_null<'t>(s: &mut Scan<'t>) -> Option<Option<Cow<'t, str>>> {
    match s.lookahead()? {
        b'n' => s.null().map(|()| None),
        _ => s.text().map(Some),
    }
}

/// The `properties` object into `row`, with the first value that could
/// not be read: `"<column>: <why>"`. A name is first matched against the
/// one at its place in the last record ([`TableCols::expected`]).
fn props<'t>(s: &mut Scan<'t>, cols: &mut TableCols, row: &mut Row<'t>) -> Option<Option<String>> {
    let mut err = None;
    s.eat(b'{')?;
    if s.at(b'}') {
        s.eat(b'}')?;
        return Some(err);
    }
    let mut nth = 0;
    let mut written = Written([0; 4]);
    loop {
        let expected = cols.expected(nth).and_then(|(key, col)| Some((s.exact_key(key)?, col)));
        let (key, col) = match expected {
            Some((key, col)) => (Cow::Borrowed(key), col),
            None => {
                let key = s.text()?;
                let col = cols.column(nth, &key);
                (key, col)
            }
        };
        nth += 1;
        s.eat(b':')?;
        match col {
            Some((i, kind)) => {
                if let Err(why) = cell(s, kind, i, row, &mut written)? {
                    err.get_or_insert_with(|| format!("{key}: {why}"));
                }
            }
            None => s.skip_value(DEPTH)?,
        }
        if s.eat(b',').is_none() {
            break;
        }
    }
    s.eat(b'}')?;
    Some(err)
}

/// The columns of the first 256 set in a row so far. A `null` is set
/// only in a column set before (by a name given twice): an unset cell
/// reads as null, and costs nothing to push.
struct Written([u64; 4]);

impl Written {
    #[inline]
    fn mark(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// Whether column `i` may have been set.
    #[inline]
    fn maybe(&self, i: usize) -> bool {
        self.0.get(i / 64).is_none_or(|w| w & (1 << (i % 64)) != 0)
    }
}

/// One property as a cell of `kind`, as [`column::Cell`] reads it, set
/// in column `i` of `row`; `Err` says why the value cannot be one.
#[inline]
fn cell<'t>(
    s: &mut Scan<'t>,
    kind: Kind,
    i: usize,
    row: &mut Row<'t>,
    written: &mut Written,
) -> Option<Result<(), String>> {
    let first = s.lookahead()?;
    let start = s.pos();
    let read = match (first, kind) {
        (b'n', _) => {
            s.null()?;
            if written.maybe(i) {
                row.set(i, Value::Null);
            }
            return Some(Ok(()));
        }
        (b'"', Kind::Str) => {
            row.set(i, Value::Str(s.text()?));
            written.mark(i);
            return Some(Ok(()));
        }
        (b'"', Kind::Dyn) => {
            let inner = s.text()?;
            Ok(dynamic::unwrapped(s.since(start)?, Some(inner)))
        }
        (_, Kind::Dyn) => {
            s.skip_value(DEPTH)?;
            Ok(dynamic::unwrapped(s.since(start)?, None))
        }
        (b'"', _) => column::of_str(kind, s.text()?),
        (b't' | b'f', _) => column::of_bool(kind, s.boolean()?),
        // serde_json writes an object or array in a text column its own way.
        (b'{' | b'[', _) => return None,
        _ => column::of_i64(kind, s.int()?),
    };
    Some(read.map(|v| {
        row.set(i, v);
        written.mark(i);
    }))
}

/// Checks, in builds with debug assertions (the tests and the fuzz
/// targets), that serde_json's parse of `text` gives `ours` too.
#[cfg(any(debug_assertions, test))]
pub(super) fn check(text: &str, ours: &Record<'_>, tables: &mut Tables, out: &mut FileSink<'_, '_>) {
    let theirs = record::parse(text, tables, out);
    let same = theirs.as_ref().is_ok_and(|t| {
        t.records.is_none()
            && t.properties.is_none()
            && t.category == ours.category
            && t.time == ours.time
            && t.has_properties == ours.has_properties
            && match (&t.row, &ours.row) {
                (Some((a, theirs, e)), Some((b, ours, f))) => a == b && e == f && theirs.reads_as(ours),
                (a, b) => a.is_none() && b.is_none(),
            }
    });
    assert!(same, "read by hand as {ours:?}, by serde_json as {theirs:?}: {text}");
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::sink::{Collect, Sink};

    /// For each text in turn (one file, so later records meet the names
    /// the earlier ones left), whether it is read by hand; when it is,
    /// serde_json's parse must give the same record.
    fn agree(texts: &[&str]) -> Vec<bool> {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out);
        let mut file = sink.file(Path::new("t"), Some("defender"));
        let mut tables = Tables::default();
        texts
            .iter()
            .map(|text| match read(text, &mut tables, &mut file) {
                Some(rec) => {
                    check(text, &rec, &mut tables, &mut file);
                    true
                }
                None => false,
            })
            .collect()
    }

    fn read_alike(text: &str) {
        assert_eq!(
            agree(&[text, text]),
            [true, true],
            "not read by hand: {}",
            text.chars().take(80).collect::<String>()
        );
    }

    fn declined(text: &str) {
        assert_eq!(agree(&[text]), [false], "read by hand: {}", text.chars().take(80).collect::<String>());
    }

    const PROCESS: &str = r#"{"time":"2026-11-20T00:16:07.8312021Z","tenantId":"8d2f","operationName":"Publish","category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2026-11-20T00:54:51.1058756Z","DeviceName":"aks-node-8","FileSize":30713945,"ProcessId":"2479478","ProcessCommandLine":"sh -c \"echo é\" \u00e9\/x","AccountSid":null,"LogonId":-12,"AdditionalFields":"{\"PosixSessionId\": 88716, \"User\": \"root\"}","IsProcessRemoteSession":false,"IsInitiatingProcessRemoteSession":"TRUE","_BilledSize":12,"NotAColumn":{"a":[1,2.5e3,{"b":null}]},"ReportId":0,"MachineGroup":"日本"}}"#;

    #[test]
    fn records_read_as_serde_json_reads_them() {
        let cases = [
            PROCESS,
            r#"{"category":"AdvancedHunting-DeviceNetworkEvents","time":null,"properties":{"RemotePort":"x","LocalPort":true,"Protocol":7,"RemoteIP":false,"Timestamp":"not a time"}}"#,
            r#"{"category":"AdvancedHunting-DeviceFileEvents","properties":{"Timestamp":1763640004,"AdditionalFields":[1, {"a" : "b"} ]}}"#,
            r#"{"category":"AdvancedHunting-DeviceFileEvents","properties":{"AdditionalFields":" [1, 2]","FileSize":null}}"#,
            r#"{"category":"AdvancedHunting-DeviceFileEvents","properties":{"AdditionalFields":"{not json","InitiatingProcessId":"-0"}}"#,
            r#"{"category":"AdvancedHunting-DeviceFileEvents","properties":null}"#,
            r#"{"category":"AdvancedHunting-DeviceRegistryEvents","properties":{"x":[{"y":1}]}}"#,
            r#"{"category":"AdvancedHunting-DeviceRegistryEvents","properties":"odd"}"#,
            r#"{"category":"kube-audit","time":"t"}"#,
            r#" { "c\u0061tegory" : "AdvancedHunting-DeviceProcessEvents" , "properties" : { "F\u0069leName" : "x" , "FileName" : "y" } } "#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":"a","FileName":null}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":null,"FileName":"b","ProcessId":"x","ProcessId":null}}"#,
            "{}",
        ];
        for text in cases {
            read_alike(text);
        }
    }

    #[test]
    fn names_in_a_new_order_are_looked_up_again() {
        let a = r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":"a","ProcessId":1}}"#;
        let b = r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ProcessId":"2","FileName":"b","Extra":3}}"#;
        let c = r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ProcessId":3,"FileNam":"c"}}"#;
        assert_eq!(agree(&[a, b, a, c, b]), [true; 5]);
    }

    #[test]
    fn a_null_given_after_a_value_of_the_same_name_is_kept() {
        let text = r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":"a","FileName":null,"FolderPath":null}}"#;
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out);
        let mut file = sink.file(Path::new("t"), Some("defender"));
        let mut tables = Tables::default();
        let rec = read(text, &mut tables, &mut file).expect("read by hand");
        let (_, row, err) = rec.row.expect("a row");
        let file_name = file.builder(tables.cols(0).expect("a known table").id).col("FileName");
        assert_eq!((row.get(file_name), err), (&Value::Null, None));
    }

    #[test]
    fn what_it_is_not_sure_of_is_left_to_serde_json() {
        let cases = [
            r#"{"records":[{"category":"AdvancedHunting-DeviceProcessEvents","properties":{}}]}"#,
            r#"{"properties":{"FileName":"a"},"category":"AdvancedHunting-DeviceProcessEvents"}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","category":"AdvancedHunting-DeviceFileEvents","properties":{}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{},"properties":null}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ProcessId":1.0}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ProcessId":12345678901234567890}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ProcessId":1e3}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":{"a":1}}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":"\ud83d\ude00"}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":[]}"#,
            r#"{"category":7,"properties":{}}"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{}} x"#,
            r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"FileName":"a",}}"#,
            "[]",
            "",
            "\u{feff}{}",
        ];
        for text in cases {
            declined(text);
        }
    }

    #[test]
    fn every_cut_of_a_record_is_declined_or_read_alike() {
        for end in (0..=PROCESS.len()).filter(|&i| PROCESS.is_char_boundary(i)) {
            let _ = agree(&[PROCESS, &PROCESS[..end]]);
        }
    }

    #[test]
    fn hostile_records_are_declined_or_read_alike() {
        let head = r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"#;
        let many = format!(
            "{head}{}\"FileName\":\"last\"}}}}",
            (0..10_000).map(|i| format!("\"k{i}é\":[{i},\"日本\",null],\"FileName\":\"n{i}\",")).collect::<String>()
        );
        read_alike(&many);
        read_alike(&format!(
            r#"{head}"ProcessId":"9223372036854775807","LogonId":-123456789012345678,"FileSize":"-9223372036854775809"}}}}"#
        ));
        read_alike(&format!(r#"{head}"AdditionalFields":{}{}}}}}"#, "[".repeat(90), "]".repeat(90)));
        read_alike(&format!(r#"{head}"AdditionalFields":"{}{}"}}}}"#, "[".repeat(1000), "]".repeat(1000)));
        read_alike(&format!(r#"{head}"FileName":"{}"}}}}"#, "\\\"é\\u00e9\\n".repeat(1000)));
        let deep = |n: usize| format!(r#"{head}"AdditionalFields":{}{}}}}}"#, "[".repeat(n), "]".repeat(n));
        declined(&deep(200));
        declined(&deep(10_000));
        declined(&format!(r#"{head}"NotAColumn":{}{}}}}}"#, "{\"a\":".repeat(10_000), "}".repeat(10_000)));
        declined(&format!(r#"{head}"ProcessId":9223372036854775807}}}}"#));
        declined(&format!(r#"{head}"ProcessId":-9223372036854775808}}}}"#));
    }
}
