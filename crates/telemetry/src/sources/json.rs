//! JSON documents of a stream, whatever way the file holds them: one per
//! line (JSON lines), a top-level array (read one element at a time, so a
//! huge array stays in bounded memory), or whole documents one after the
//! other, pretty-printed or not.
//!
//! Each document reaches the caller as its text and the line it starts
//! on; the caller parses it with the types it knows, and counts and
//! rejects it. A syntax error inside an array or a multi-line document
//! cannot be resumed from: the rest of the file is one reject at the
//! line of the error ("truncated or malformed JSON").

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use serde::de::{DeserializeSeed, Deserializer as _, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::lines::Lines;
use crate::sink::{FileSink, OutputError};

/// Called with each document's starting line and text.
pub type OnDoc<'f> = dyn FnMut(u64, &str, &mut FileSink<'_, '_>) -> Result<(), OutputError> + 'f;

/// What [`for_each_part`] hands over: a whole document, or one element of
/// the array a wrapper document holds under one of the keys it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'t> {
    /// A whole document.
    Doc(&'t str),
    /// An element of the array under `key` of a wrapper document.
    Element(&'t str, &'t str),
}

/// Called with each part's starting line.
pub type OnPart<'f> = dyn FnMut(u64, Part<'_>, &mut FileSink<'_, '_>) -> Result<(), OutputError> + 'f;

/// How a file holds its documents, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One document per line.
    Lines,
    /// One top-level array of documents.
    Array,
    /// Documents one after the other, possibly over several lines each.
    Documents,
}

/// The layout of a file starting with `head`. Lines of text before the
/// first line that opens an object (a banner, a shell prompt in a pasted
/// log) do not decide it: they are records of their own, rejected by the
/// reader, when the documents are one per line.
pub fn layout(head: &[u8]) -> Layout {
    let text = trim_bom(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    if text.get(start) == Some(&b'[') {
        return Layout::Array;
    }
    let mut at = start;
    while at < text.len() {
        let line_end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
        let line = text[at..line_end].trim_ascii();
        if line.starts_with(b"{") {
            return match serde_json::from_slice::<&RawValue>(line) {
                Ok(_) => Layout::Lines,
                Err(_) => Layout::Documents,
            };
        }
        at = line_end + 1;
    }
    Layout::Documents
}

fn trim_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// The first document of `head` (a line, a whole document, or the first
/// element of an array) parsed as a `serde_json::Value`, for sniffing; for
/// a document cut by the end of `head`, `None`.
pub fn first_doc(head: &[u8]) -> Option<serde_json::Value> {
    let text = trim_bom(head);
    match layout(text) {
        Layout::Lines => {
            let line = text.split(|&b| b == b'\n').find(|l| !l.trim_ascii().is_empty())?;
            serde_json::from_slice(line).ok()
        }
        Layout::Documents => serde_json::Deserializer::from_slice(text).into_iter().next()?.ok(),
        Layout::Array => {
            let inner = &text[text.iter().position(|&b| b == b'[')? + 1..];
            serde_json::Deserializer::from_slice(inner).into_iter().next()?.ok()
        }
    }
}

/// Whether `head` starts with a JSON document (of any layout) that has
/// every one of `keys` at its top level.
pub fn first_doc_has(head: &[u8], keys: &[&str]) -> bool {
    first_doc(head).is_some_and(|d| d.as_object().is_some_and(|m| keys.iter().all(|k| m.contains_key(*k))))
}

/// The first element of the array under `"key"` in a document too long
/// for `head` (a `{"records": [..]}` wrapper, an `EventList`), parsed;
/// `None` when there is no such array or its first element is cut too.
pub fn first_element_of(head: &[u8], key: &str) -> Option<serde_json::Value> {
    let text = utf8_prefix(trim_bom(head));
    let start = text.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = text[start..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('[')?;
    serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>().next()?.ok()
}

/// Whether `head` holds a member `"key": "<value_prefix>..."` (JSON text,
/// not inside a string), for sniffing a document cut by the end of `head`.
pub fn has_member(head: &[u8], key: &str, value_prefix: &str) -> bool {
    let text = utf8_prefix(trim_bom(head));
    let needle = format!("\"{key}\"");
    text.match_indices(&needle).any(|(at, _)| {
        let rest = text[at + needle.len()..].trim_start();
        rest.strip_prefix(':')
            .and_then(|r| r.trim_start().strip_prefix('"'))
            .is_some_and(|v| v.starts_with(value_prefix))
    })
}

/// The longest UTF-8 prefix of `b` (a head may end inside a character).
fn utf8_prefix(b: &[u8]) -> &str {
    match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// How many lines into `doc` its slice `part` starts (for the line of a
/// record inside a wrapper document).
pub fn line_offset(doc: &str, part: &str) -> u64 {
    let at = (part.as_ptr() as usize).saturating_sub(doc.as_ptr() as usize).min(doc.len());
    memchr::memchr_iter(b'\n', &doc.as_bytes()[..at]).count() as u64
}

/// Calls `on_doc` for every document of `input`.
pub fn for_each_doc(
    input: &mut dyn BufRead,
    out: &mut FileSink<'_, '_>,
    on_doc: &mut OnDoc<'_>,
) -> Result<(), OutputError> {
    for_each_part(input, out, &[], &mut |line, part, out| match part {
        Part::Doc(text) | Part::Element(_, text) => on_doc(line, text, out),
    })
}

/// Calls `on_part` for every document of `input`, as [`for_each_doc`]
/// does, except that a document spread over several lines whose top-level
/// object holds an array under one of `split` (an `EventList`'s `items`, a
/// `{"records": [..]}` wrapper) comes one element at a time, so a wrapper
/// of any size is read in bounded memory. Its other members are not
/// handed over. Documents on one line each are bounded by the line limit
/// and come whole.
pub fn for_each_part(
    input: &mut dyn BufRead,
    out: &mut FileSink<'_, '_>,
    split: &[&str],
    on_part: &mut OnPart<'_>,
) -> Result<(), OutputError> {
    let peek = match input.fill_buf() {
        Ok(b) => b,
        Err(e) => {
            out.record();
            out.reject(1, format!("read error: {e}"), b"");
            return Ok(());
        }
    };
    if peek.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    let peek = input.fill_buf().unwrap_or_default();
    match layout(peek) {
        Layout::Lines => lines(input, out, on_part),
        Layout::Array => array(input, out, on_part),
        Layout::Documents if split.is_empty() => documents(input, out, on_part),
        Layout::Documents => super::json_split::documents(input, out, split, on_part),
    }
}

fn lines(input: &mut dyn BufRead, out: &mut FileSink<'_, '_>, on_doc: &mut OnPart<'_>) -> Result<(), OutputError> {
    Lines::new(input).for_each(out, &mut |n, line, out| {
        if line.trim_ascii().is_empty() {
            return Ok(());
        }
        match std::str::from_utf8(line) {
            Ok(text) => on_doc(n, Part::Doc(text), out),
            Err(e) => {
                out.record();
                out.reject(n, format!("not UTF-8 (byte {})", e.valid_up_to() + 1), line);
                Ok(())
            }
        }
    })
}

/// A reader that counts the newlines it has handed out.
pub(super) struct LineCount<'r> {
    pub(super) inner: &'r mut dyn BufRead,
    pub(super) newlines: Rc<Cell<u64>>,
}

impl Read for LineCount<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines.set(self.newlines.get() + memchr::memchr_iter(b'\n', &buf[..n]).count() as u64);
        Ok(n)
    }
}

pub(super) fn syntax_reject(out: &mut FileSink<'_, '_>, e: &serde_json::Error) {
    out.record();
    let what = if e.is_eof() { "truncated JSON" } else { "malformed JSON" };
    out.reject(e.line() as u64, format!("{what}, the rest of the file is not read: {e}"), b"");
}

fn documents(input: &mut dyn BufRead, out: &mut FileSink<'_, '_>, on_doc: &mut OnPart<'_>) -> Result<(), OutputError> {
    let newlines = Rc::new(Cell::new(0));
    let reader = LineCount { inner: input, newlines: newlines.clone() };
    let mut stream = serde_json::Deserializer::from_reader(reader).into_iter::<Box<RawValue>>();
    loop {
        match stream.next() {
            None => return Ok(()),
            Some(Ok(doc)) => {
                on_doc(start_line(&newlines, doc.get()), Part::Doc(doc.get()), out)?;
            }
            Some(Err(e)) => {
                syntax_reject(out, &e);
                return Ok(());
            }
        }
    }
}

/// The line a value that has just been read started on, from the newlines
/// read so far and those inside its text.
pub(super) fn start_line(newlines: &Cell<u64>, text: &str) -> u64 {
    (1 + newlines.get()).saturating_sub(memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64)
}

fn array(input: &mut dyn BufRead, out: &mut FileSink<'_, '_>, on_doc: &mut OnPart<'_>) -> Result<(), OutputError> {
    let newlines = Rc::new(Cell::new(0));
    let reader = LineCount { inner: input, newlines: newlines.clone() };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut failed = None;
    let seed = Elements { newlines: &newlines, key: None, out, on_doc, failed: &mut failed };
    let result = (&mut de).deserialize_seq(seed);
    if let Some(e) = failed {
        return Err(e);
    }
    match result.and_then(|()| de.end()) {
        Ok(()) => Ok(()),
        Err(e) => {
            syntax_reject(out, &e);
            Ok(())
        }
    }
}

/// Hands each element of an array to `on_doc` as it is read: as a
/// document, or as an element of the wrapper array under `key`.
pub(super) struct Elements<'a, 'b, 's, 'o, 'f> {
    pub(super) newlines: &'a Rc<Cell<u64>>,
    pub(super) key: Option<&'a str>,
    pub(super) out: &'a mut FileSink<'s, 'o>,
    pub(super) on_doc: &'a mut OnPart<'f>,
    pub(super) failed: &'b mut Option<OutputError>,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of JSON documents")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(doc) = seq.next_element::<Box<RawValue>>()? {
            let part = match self.key {
                Some(key) => Part::Element(key, doc.get()),
                None => Part::Doc(doc.get()),
            };
            if let Err(e) = (self.on_doc)(start_line(self.newlines, doc.get()), part, self.out) {
                *self.failed = Some(e);
                return Err(serde::de::Error::custom("output failed"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{Collect, Sink};
    use std::path::Path;

    fn docs(text: &str) -> (Vec<(u64, String)>, Option<crate::sink::Rejects>) {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out);
        let mut f = sink.file(Path::new("x"), None);
        let mut got = Vec::new();
        let mut input = text.as_bytes();
        for_each_doc(&mut input, &mut f, &mut |n, t, _| {
            got.push((n, t.split_whitespace().collect::<String>()));
            Ok(())
        })
        .unwrap();
        drop(f);
        (got, sink.files[0].rejects.clone())
    }

    #[test]
    fn json_lines_number_each_line() {
        let (got, rej) = docs("{\"a\":1}\n\n{\"a\":2}\n");
        assert_eq!(got, [(1, "{\"a\":1}".into()), (3, "{\"a\":2}".into())]);
        assert!(rej.is_none());
    }

    #[test]
    fn arrays_and_pretty_documents_give_their_elements_with_start_lines() {
        let (got, _) = docs("[\n  {\"a\": 1},\n  {\n    \"a\": 2\n  }\n]\n");
        assert_eq!(got, [(2, "{\"a\":1}".into()), (3, "{\"a\":2}".into())]);
        let (got, _) = docs("{\n \"kind\": \"EventList\"\n}\n{\n \"x\": 1\n}\n");
        assert_eq!(got, [(1, "{\"kind\":\"EventList\"}".into()), (4, "{\"x\":1}".into())]);
    }

    #[test]
    fn a_truncated_array_keeps_what_came_before_and_rejects_the_rest() {
        let (got, rej) = docs("[{\"a\":1},\n{\"a\":2},\n{\"a\":");
        assert_eq!(got.len(), 2);
        let rej = rej.unwrap();
        assert_eq!(rej.first.0, 3);
        assert!(rej.first.1.starts_with("truncated JSON"), "{}", rej.first.1);
    }

    #[test]
    fn layout_is_judged_from_the_first_line() {
        assert_eq!(layout(b"{\"a\":1}\n{\"a\":2}"), Layout::Lines);
        assert_eq!(layout(b"  [1,2]"), Layout::Array);
        assert_eq!(layout(b"{\n\"a\":1}"), Layout::Documents);
        assert!(first_doc_has(b"[{\"kind\":\"Event\",\"auditID\":\"x\"}, {", &["kind", "auditID"]));
    }

    #[test]
    fn cut_documents_are_sniffed_from_their_text() {
        let head = b"{\"records\" : [ {\"category\":\"kube-audit\"}, {\"category\":\"kube-au";
        assert_eq!(first_element_of(head, "records").unwrap()["category"], "kube-audit");
        assert!(first_element_of(head, "items").is_none());
        let list = b"{\n \"kind\": \"EventList\",\n \"apiVersion\" :\"audit.k8s.io/v1\", \"items\": [{\"lev";
        assert!(has_member(list, "kind", "EventList\""));
        assert!(has_member(list, "apiVersion", "audit.k8s.io/"));
        assert!(!has_member(b"{\"log\":\"{\\\"kind\\\":\\\"EventList\\\"}\"}", "kind", "EventList"));
    }
}
