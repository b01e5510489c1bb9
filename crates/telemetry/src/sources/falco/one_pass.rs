//! A Falco alert read in one pass, by hand: the alert's members and
//! `output_fields` into [`Fields`] as the alert is read (with the
//! hand-read forms of the lenient types, [`MaybeStr::scan`],
//! [`Int::scan`], [`Strs::scan`]), and the text of `output_fields` (the
//! `OutputFields` cell) taken from where it stands in the line.
//!
//! Only the plain case is read this way: the alert an object whose keys
//! have no escapes, each member once, `output_fields` an object whose
//! known fields come once each, no value a reading is unsure of, nesting
//! well within serde_json's limit. Anything else gives `None`, and the
//! alert is read the two-pass way (serde_json: the alert with
//! `output_fields` as raw JSON, then that text as [`Fields`]), whose
//! result (row or reject, and its reason) is then the same as before.
//! Builds with debug assertions (the tests, the fuzz targets) check every
//! alert read here against the two-pass reading.

use super::{Alert, Fields};
use crate::sources::json_scan::Scan;
use crate::sources::loose::{Int, MaybeStr, Strs};

/// How deep values may nest: below serde_json's limit of 128.
const DEPTH: u32 = 100;

/// The alert into `a`, its fields into `f` (both as [`Default`] gives
/// them), and the text of `output_fields` with whether it is compact (no
/// whitespace outside its strings); `None` when the alert is not
/// read this way (see the module docs), `a` and `f` then part filled.
/// They are filled in place, not returned: they are large, and moving
/// them out would copy them.
pub(super) fn read<'t>(text: &'t str, a: &mut Alert<'t>, f: &mut Fields<'t>) -> Option<(&'t str, bool)> {
    let mut s = Scan::new(text);
    let mut found = None;
    let mut seen = 0u64;
    let depth = DEPTH - 1;
    s.object(true, |s, key| {
        match key.as_ref() {
            "rule" => a.rule = once(&mut seen, 0, MaybeStr::scan(s, depth)?)?,
            "priority" => a.priority = once(&mut seen, 1, MaybeStr::scan(s, depth)?)?,
            "time" => a.time = once(&mut seen, 2, MaybeStr::scan(s, depth)?)?,
            "hostname" => a.hostname = once(&mut seen, 3, MaybeStr::scan(s, depth)?)?,
            "output" => a.output = once(&mut seen, 4, MaybeStr::scan(s, depth)?)?,
            "source" => a.source = once(&mut seen, 5, MaybeStr::scan(s, depth)?)?,
            "tags" => a.tags = once(&mut seen, 6, Strs::scan(s, depth)?)?,
            "output_fields" => {
                once(&mut seen, 7, ())?;
                s.ws();
                let (start, spaces) = (s.pos(), s.spaces());
                fields(s, depth, f)?;
                found = Some((text.get(start..s.pos())?, s.spaces() == spaces));
            }
            _ => s.skip_value(depth)?,
        }
        Some(())
    })?;
    if !s.at_end() {
        return None;
    }
    found
}

/// `output_fields`, an object: its known fields, each at most once.
fn fields<'t>(s: &mut Scan<'t>, depth: u32, f: &mut Fields<'t>) -> Option<()> {
    let depth = depth.checked_sub(1)?;
    let mut seen = 0u64;
    s.object(true, |s, key| {
        match key.as_ref() {
            "evt.type" => f.evt_type = once(&mut seen, 0, MaybeStr::scan(s, depth)?)?,
            "evt.res" => f.evt_res = once(&mut seen, 1, MaybeStr::scan(s, depth)?)?,
            "evt.arg.flags" => f.flags = once(&mut seen, 2, MaybeStr::scan(s, depth)?)?,
            "evt.is_open_write" => f.is_open_write = once(&mut seen, 3, boolean(s)?)?,
            "evt.is_open_read" => f.is_open_read = once(&mut seen, 4, boolean(s)?)?,
            "evt.arg.name" => f.arg_name = once(&mut seen, 5, MaybeStr::scan(s, depth)?)?,
            "evt.arg.filename" => f.arg_filename = once(&mut seen, 6, MaybeStr::scan(s, depth)?)?,
            "evt.hostname" => f.evt_hostname = once(&mut seen, 7, MaybeStr::scan(s, depth)?)?,
            "proc.name" => f.name = once(&mut seen, 8, MaybeStr::scan(s, depth)?)?,
            "proc.exepath" => f.exepath = once(&mut seen, 9, MaybeStr::scan(s, depth)?)?,
            "proc.cmdline" => f.cmdline = once(&mut seen, 10, MaybeStr::scan(s, depth)?)?,
            "proc.pid" => f.pid = once(&mut seen, 11, Int::scan(s, depth)?)?,
            "proc.cwd" => f.cwd = once(&mut seen, 12, MaybeStr::scan(s, depth)?)?,
            "proc.pname" => f.pname = once(&mut seen, 13, MaybeStr::scan(s, depth)?)?,
            "proc.pexepath" => f.pexepath = once(&mut seen, 14, MaybeStr::scan(s, depth)?)?,
            "proc.pcmdline" => f.pcmdline = once(&mut seen, 15, MaybeStr::scan(s, depth)?)?,
            "proc.ppid" => f.ppid = once(&mut seen, 16, Int::scan(s, depth)?)?,
            "proc.aname[2]" => f.gname = once(&mut seen, 17, MaybeStr::scan(s, depth)?)?,
            "proc.apid[2]" => f.gpid = once(&mut seen, 18, Int::scan(s, depth)?)?,
            "user.name" => f.user = once(&mut seen, 19, MaybeStr::scan(s, depth)?)?,
            "user.uid" => f.uid = once(&mut seen, 20, Int::scan(s, depth)?)?,
            "fd.name" => f.fd_name = once(&mut seen, 21, MaybeStr::scan(s, depth)?)?,
            "fd.type" => f.fd_type = once(&mut seen, 22, MaybeStr::scan(s, depth)?)?,
            "fd.typechar" => f.fd_typechar = once(&mut seen, 23, MaybeStr::scan(s, depth)?)?,
            "fd.sockfamily" => f.fd_sockfamily = once(&mut seen, 24, MaybeStr::scan(s, depth)?)?,
            "fd.rip" => f.rip = once(&mut seen, 25, MaybeStr::scan(s, depth)?)?,
            "fd.rport" => f.rport = once(&mut seen, 26, Int::scan(s, depth)?)?,
            "fd.lip" => f.lip = once(&mut seen, 27, MaybeStr::scan(s, depth)?)?,
            "fd.lport" => f.lport = once(&mut seen, 28, Int::scan(s, depth)?)?,
            "fd.sip" => f.sip = once(&mut seen, 29, MaybeStr::scan(s, depth)?)?,
            "fd.sport" => f.sport = once(&mut seen, 30, Int::scan(s, depth)?)?,
            "fd.cip" => f.cip = once(&mut seen, 31, MaybeStr::scan(s, depth)?)?,
            "fd.cport" => f.cport = once(&mut seen, 32, Int::scan(s, depth)?)?,
            "fd.l4proto" => f.l4proto = once(&mut seen, 33, MaybeStr::scan(s, depth)?)?,
            "container.id" => f.container_id = once(&mut seen, 34, MaybeStr::scan(s, depth)?)?,
            "container.name" => f.container_name = once(&mut seen, 35, MaybeStr::scan(s, depth)?)?,
            "container.image" => f.container_image = once(&mut seen, 36, MaybeStr::scan(s, depth)?)?,
            "container.image.repository" => f.image_repository = once(&mut seen, 37, MaybeStr::scan(s, depth)?)?,
            "container.image.tag" => f.image_tag = once(&mut seen, 38, MaybeStr::scan(s, depth)?)?,
            "k8s.ns.name" => f.k8s_ns = once(&mut seen, 39, MaybeStr::scan(s, depth)?)?,
            "k8s.pod.name" => f.k8s_pod = once(&mut seen, 40, MaybeStr::scan(s, depth)?)?,
            _ => s.skip_value(depth)?,
        }
        Some(())
    })
}

/// `true`, `false` or `null`; any other value is `None` (serde_json
/// refuses it for an `Option<bool>`).
fn boolean(s: &mut Scan<'_>) -> Option<Option<bool>> {
    match s.lookahead()? {
        b'n' => s.null().map(|()| None),
        _ => s.boolean().map(Some),
    }
}

/// `v`, the first time member `bit` comes; `None` (a repeated member,
/// which serde_json refuses) after.
fn once<T>(seen: &mut u64, bit: u32, v: T) -> Option<T> {
    let mask = 1u64.checked_shl(bit)?;
    if *seen & mask != 0 {
        return None;
    }
    *seen |= mask;
    Some(v)
}

/// Checks that the two-pass way reads `text` as `a`, `f` and `raw`.
#[cfg(any(debug_assertions, test))]
pub(super) fn check(text: &str, a: &Alert<'_>, f: &Fields<'_>, (raw, compact): (&str, bool)) {
    if compact {
        assert_eq!(crate::sources::dynamic::compact(raw), raw, "{text}");
    }
    let two: Alert = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: serde_json: {e}"));
    assert_eq!(two.output_fields.map(|r| r.get()), Some(raw), "{text}");
    let f2: Fields = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{text}: output_fields: {e}"));
    assert!(f2 == *f, "{text}: fields read as {f:?}, the two-pass way as {f2:?}");
    fn members<'x>(a: &'x Alert<'_>) -> [&'x MaybeStr<'x>; 6] {
        [&a.rule, &a.priority, &a.time, &a.hostname, &a.output, &a.source]
    }
    assert_eq!(members(a), members(&two), "{text}");
    assert_eq!(a.tags, two.tags, "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`read`] into fresh values.
    fn read_all(text: &str) -> Option<(Alert<'_>, Fields<'_>, &str)> {
        let (mut a, mut f) = (Alert::default(), Fields::default());
        let (raw, compact) = read(text, &mut a, &mut f)?;
        check(text, &a, &f, (raw, compact));
        Some((a, f, raw))
    }
    use serde_json::value::RawValue;

    /// What the two-pass way takes as output_fields' text.
    fn raw_of(text: &str) -> Option<String> {
        let a: Alert = serde_json::from_str(text).ok()?;
        a.output_fields.map(|r: &RawValue| r.get().to_string())
    }

    #[test]
    fn output_fields_text_is_the_raw_value_wherever_it_stands() {
        let cases = [
            r#"{"rule":"r","output_fields":{"proc.pid":7,"proc.name":"sh"},"time":"t"}"#,
            r#"{"output_fields":{"proc.pid":7},"rule":"r"}"#,
            r#"{"rule":"r","output_fields":{"proc.name":"sh -c \"ls\""}}"#,
            "{ \"rule\" : \"r\" ,\n  \"output_fields\" :\t{ \"proc.name\" : \"é ü\" } ,\r\n \"tags\": [\"a\"] }\n",
            "{\"output_fields\" : {}   }  ",
            r#"{"rule":"r","output_fields":{"evt.type":"execve","x":{"y":[1,{"z":"}"}]}},"né":1}"#,
        ];
        for text in cases {
            let (a, f, raw) = read_all(text).unwrap_or_else(|| panic!("not read in one pass: {text}"));
            assert_eq!(Some(raw.to_string()), raw_of(text), "{text}");
            let two: Alert = serde_json::from_str(text).unwrap();
            assert_eq!(a.rule, two.rule);
            assert_eq!(a.tags, two.tags);
            let f2: Fields = serde_json::from_str(raw).unwrap();
            assert_eq!(f.name, f2.name);
            assert_eq!(f.pid, f2.pid);
        }
    }

    #[test]
    fn anything_but_the_plain_case_is_left_to_the_two_pass_way() {
        let cases = [
            // The key after output_fields, or output_fields itself, escaped.
            r#"{"output_fields":{"proc.pid":7},"rul\u0065":"r"}"#,
            r#"{"output\u005ffields":{"proc.pid":7}}"#,
            // Not an object, absent, null.
            r#"{"rule":"r","output_fields":[1,2]}"#,
            r#"{"rule":"r","output_fields":"{}"}"#,
            r#"{"rule":"r","output_fields":null}"#,
            r#"{"rule":"r"}"#,
            // Duplicates, wrong types, bad or cut JSON.
            r#"{"rule":"r","rule":"s","output_fields":{}}"#,
            r#"{"output_fields":{},"output_fields":{}}"#,
            r#"{"output_fields":{"proc.pid":1,"proc.pid":2}}"#,
            r#"{"output_fields":{"evt.is_open_write":"yes"}}"#,
            r#"{"tags":{"a":1},"output_fields":{}}"#,
            r#"{"output_fields":{"proc.name":"\ud800"}}"#,
            r#"{"output_fields":{"proc.name":"\u12"}}"#,
            r#"{"output_fields":{"proc.name":"a\"#,
            r#"{"output_fields":{"proc.name":"a"}"#,
            r#"{"output_fields":{}} x"#,
            "[1]",
            "",
            "\"\"",
        ];
        for text in cases {
            assert!(read_all(text).is_none(), "{text}");
        }
    }

    #[test]
    fn deep_nesting_never_crashes_nor_differs_from_the_two_pass_way() {
        let deep = format!(
            "{{\"rule\":{open}{close},\"output_fields\":{{\"x\":{open}{close}}}}}",
            open = "[".repeat(10_000),
            close = "]".repeat(10_000)
        );
        let objects = format!("{}{}", "{\"output_fields\":".repeat(200), "}".repeat(200));
        for text in [deep, objects] {
            // Read in one pass or not (serde_json's depth limit may stop
            // it), never another text than the two-pass way's.
            if let Some((_, _, raw)) = read_all(&text) {
                assert_eq!(Some(raw.to_string()), raw_of(&text));
            }
        }
        // Cut short at any depth: an error, left to the two-pass way.
        let cut = format!("{}{}", "{\"output_fields\":".repeat(200), "}".repeat(199));
        assert!(read_all(&cut).is_none());
    }
}
