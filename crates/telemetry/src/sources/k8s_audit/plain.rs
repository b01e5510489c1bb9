//! An AKS resource-log record of the plain shape, read by hand.
//!
//! Almost every record of an AKS export is
//! `{"operationName": .., "category": .., "resourceId": .., "properties":
//! {"log": "<the event as JSON text>", "stream": .., "pod": ..}, "time": ..}`,
//! and most of its bytes are the event's escaped text. Read with
//! serde_json, that text is scanned a quote at a time; here it is decoded
//! in one pass into a buffer kept from record to record.
//!
//! [`read`] takes only records it is sure of: string values, the members
//! above (each once) and the other members Azure writes beside them with
//! string values. Anything else — another member, a number or null, a
//! repeated member, an escape it leaves to serde_json — is `None`, and the
//! record is read as a [`super::doc::Record`] as before, so both ways give
//! the same rows and rejects.

use std::borrow::Cow;

use crate::sources::json_scan::Scan;

/// A record's members, as [`super::doc::Record`] would give them.
pub struct Plain<'t, 'b> {
    pub category: Cow<'t, str>,
    pub time: Option<Cow<'t, str>>,
    pub resource_id: Option<Cow<'t, str>>,
    pub log: Option<Cow<'b, str>>,
    pub pod: Option<Cow<'t, str>>,
    pub stream: Option<Cow<'t, str>>,
}

/// Members Azure writes in a resource-log record that no reader uses;
/// their string values are checked and passed over.
const OTHER: [&str; 8] = [
    "operationName",
    "location",
    "Cloud",
    "Environment",
    "UnderlayClass",
    "UnderlayName",
    "ccpNamespace",
    "correlationId",
];

/// `text` as a plain record, `properties.log` decoded into `buf`.
pub fn read<'t: 'b, 'b>(text: &'t str, buf: &'b mut String) -> Option<Plain<'t, 'b>> {
    let mut buf = Some(buf);
    let mut s = Scan::new(text);
    let (mut category, mut time, mut resource_id) = (None, None, None);
    let mut props = None;
    s.object(true, |s, key| match key.as_ref() {
        "category" => once(&mut category, s.text()?),
        "time" => once(&mut time, s.text()?),
        "resourceId" => once(&mut resource_id, s.text()?),
        "properties" => {
            props = Some(properties(s, buf.take()?)?);
            Some(())
        }
        k if OTHER.contains(&k) => s.text().map(drop),
        _ => None,
    })?;
    if !s.at_end() {
        return None;
    }
    let (log, pod, stream) = match props {
        Some(p) => (p.log, p.pod, p.stream),
        None => (None, None, None),
    };
    Some(Plain { category: category?, time, resource_id, log, pod, stream })
}

/// `properties`: its `log` (decoded into `buf` if it has escapes), `pod`
/// and `stream`.
struct Props<'t, 'b> {
    log: Option<Cow<'b, str>>,
    pod: Option<Cow<'t, str>>,
    stream: Option<Cow<'t, str>>,
}

/// A second `properties` member finds `buf` taken, and is `None`.
fn properties<'t: 'b, 'b>(s: &mut Scan<'t>, buf: &'b mut String) -> Option<Props<'t, 'b>> {
    let mut buf = Some(buf);
    let mut p = Props { log: None, pod: None, stream: None };
    s.object(true, |s, key| match key.as_ref() {
        "log" => {
            p.log = Some(s.string(buf.take()?)?);
            Some(())
        }
        "pod" => once(&mut p.pod, s.text()?),
        "stream" => once(&mut p.stream, s.text()?),
        _ => None,
    })?;
    Some(p)
}

/// Checks, in builds with debug assertions (the tests and the fuzz
/// targets), that serde_json reads `text` as the same plain record.
#[cfg(any(debug_assertions, test))]
pub fn check(text: &str, p: &Plain<'_, '_>) {
    let r: super::doc::Record = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: serde_json: {e}"));
    assert!(r.plain(), "{text}");
    let props = r.properties.as_ref();
    assert_eq!(Some(p.category.as_ref()), r.category.as_deref(), "{text}");
    assert_eq!(p.time.as_deref(), r.time.as_deref(), "{text}");
    assert_eq!(p.resource_id.as_deref(), r.resource_id.as_deref(), "{text}");
    assert_eq!(p.log.as_deref(), props.and_then(|p| p.log.as_deref()), "{text}");
    assert_eq!(p.pod.as_deref(), props.and_then(|p| p.pod.as_deref()), "{text}");
    assert_eq!(p.stream.as_deref(), props.and_then(|p| p.stream.as_deref()), "{text}");
}

/// Sets `slot` to `v`; a member given twice is `None` (serde_json
/// refuses a repeated field).
fn once<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast read of `text`, and serde_json's, must agree whenever the
    /// fast one reads it.
    fn agree(text: &str) -> bool {
        let mut buf = String::from("stale");
        let Some(p) = read(text, &mut buf) else { return false };
        check(text, &p);
        true
    }

    #[test]
    fn plain_records_read_as_serde_json_reads_them() {
        let read_fast = [
            r#"{"operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","category":"kube-audit","resourceId":"/S/R","properties":{"log":"{\"kind\":\"Event\",\"a\":\"\\\"q\\\"\"}\n","stream":"stdout","pod":"kube-apiserver-1"},"time":"2026-11-20T00:00:00Z"}"#,
            r#" { "category" : "kube-audit" , "properties" : { } } "#,
            r#"{"category":"kube-audit"}"#,
            r#"{"category":"kube-au\u0064it","properties":{"log":"{}"}}"#,
            r#"{"category":"guard","properties":{"log":"plain text, no escapes"}}"#,
            r#"{"category":"kube-audit","properties":{"log":"caf\u00e9 \/ é"}}"#,
        ];
        for text in read_fast {
            assert!(agree(text), "not read fast: {text}");
        }
    }

    #[test]
    fn anything_unsure_is_left_to_serde_json() {
        let declined = [
            r#"{"properties":{"log":"{}"}}"#,
            r#"{"category":"kube-audit","category":"guard"}"#,
            r#"{"category":"kube-audit","properties":{"log":{"kind":"Event"}}}"#,
            r#"{"category":"kube-audit","properties":{"log":null}}"#,
            r#"{"category":"kube-audit","properties":{"log":"a","log":"b"}}"#,
            r#"{"category":"kube-audit","properties":{"other":"x"}}"#,
            r#"{"category":"kube-audit","properties":null}"#,
            r#"{"category":"kube-audit","time":12}"#,
            r#"{"category":"kube-audit","kind":"Event"}"#,
            r#"{"category":"kube-audit","records":[]}"#,
            r#"{"category":"kube-audit","cat\u0065gory":"x"}"#,
            r#"{"category":"kube-audit","properties":{"log":"\ud83d\ude00"}}"#,
            r#"{"category":"kube-audit","properties":{"log":"tab	inside"}}"#,
            r#"{"category":"kube-audit"} trailing"#,
            r#"{"category":"kube-audit",}"#,
            r#"{"category":"kube-audit""#,
            r#"[{"category":"kube-audit"}]"#,
            "",
        ];
        let mut buf = String::new();
        for text in declined {
            assert!(read(text, &mut buf).is_none(), "read fast: {text}");
        }
    }

    #[test]
    fn every_cut_of_a_record_is_declined_or_read_alike() {
        let text = r#"{"category":"kube-audit","resourceId":"/S/é","properties":{"log":"{\"k\":\"v\\\"w\\u00e9\"}","pod":"p"},"time":"t"}"#;
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let cut = &text[..end];
            let _ = agree(cut);
        }
        assert!(agree(text));
    }
}
