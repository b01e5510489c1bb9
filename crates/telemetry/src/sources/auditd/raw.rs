//! `LinuxAuditLog` rows: every record of `audit.log` as it stands, one row
//! per record, for detections written against raw audit records (Sigma's
//! `product: linux, service: auditd` rules).
//!
//! An event's records become rows when its other rows are made (in the
//! same read), and only when the event is not rejected: an event the
//! reader rejects gives no row in any table. When nobody reads the table
//! (the sink's [`crate::sink::Wanted`]), no row is made and the records are
//! only checked. Laurel's JSON events are no
//! raw records and give none. Of a key repeated in one record, the first
//! value is kept.
//!
//! Columns:
//!
//! | column | value |
//! |---|---|
//! | `TimeGenerated` | the event's time |
//! | `Computer` | the `node=` name, else `ingest --device-name`, else null |
//! | `node` | the `node=` name |
//! | `RecordType` | the `type=` name (`SYSCALL`, `EXECVE`, `USER_LOGIN`...) |
//! | `AuditID` | `SECONDS.MILLIS:SERIAL`, as in `msg=audit(...)` |
//! | `SerialNumber` | the serial number |
//! | `RawRecord` | the record's line as written (invalid UTF-8 replaced) |
//! | `Type` | `LinuxAuditLog` |
//! | `Fields` | every field of the record: key → decoded text (below) |
//! | any other | the field of the same name (`a0`, `exe`, `key`, `name`...) |
//!
//! Values are decoded: a string the kernel writes as hex when it is not
//! plain printable text (EXECVE's `aN`, `name`, `exe`, `comm`, `cwd`,
//! `proctitle`, `key`, `data`, `cmd`, `acct`, `path`, `ocomm`) is its text
//! (a bare value that is not hex is kept as written), PROCTITLE's NUL
//! separators become spaces, and `(null)`/`(none)` there is no value. An
//! EXECVE argument split in parts (`a1_len=`, `a1[0]=`, `a1[1]=`...) is
//! joined into `a1`. Other values are the text of the record (`a0` of a
//! SYSCALL is the hex of the argument, `syscall` its number, `success`
//! `yes`/`no`); `pid`, `ppid`, `uid`, `auid`, `euid`, `gid`, `egid`, `ses`
//! and `argc` are numbers (null when not one). The fields inside a
//! user-space message (`msg='op=login acct="root" ... res=success'`) are
//! the record's fields too. Columns exist for `a0`–`a9`; later arguments
//! are in `Fields`.
//!
//! With `log_format=ENRICHED`, auditd's translations (after the 0x1D byte,
//! keys in capitals: `SYSCALL=execve`, `UID="root"`) are in `Fields` under
//! their own keys, and the account names fill `user` (`UID`),
//! `audit_user` (`AUID`), `effective_user` (`EUID`), `group` (`GID`) and
//! `effective_group` (`EGID`). A RAW log has no translations: `Fields`
//! then has no `SYSCALL`, and those columns are null.

use std::borrow::Cow;
use std::collections::HashSet;

use super::decode::{Bad, Rec};
use super::record::{self, EventId, Field, Fields, Raw};
use super::rows::{json_str, lossy};
use crate::batch::{Row, Value};
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::linux_audit_log;

/// The columns named after an audit field, and whether each is a number.
const FIELD_COLUMNS: &[(&str, bool)] = &[
    ("pid", true),
    ("ppid", true),
    ("comm", false),
    ("exe", false),
    ("cwd", false),
    ("proctitle", false),
    ("uid", true),
    ("auid", true),
    ("euid", true),
    ("gid", true),
    ("egid", true),
    ("ses", true),
    ("tty", false),
    ("terminal", false),
    ("arch", false),
    ("syscall", false),
    ("success", false),
    ("exit", false),
    ("argc", true),
    ("a0", false),
    ("a1", false),
    ("a2", false),
    ("a3", false),
    ("a4", false),
    ("a5", false),
    ("a6", false),
    ("a7", false),
    ("a8", false),
    ("a9", false),
    ("key", false),
    ("name", false),
    ("nametype", false),
    ("filetype", false),
    ("path", false),
    ("family", false),
    ("icmptype", false),
    ("op", false),
    ("acct", false),
    ("addr", false),
    ("cmd", false),
    ("unit", false),
    ("data", false),
    ("res", false),
    ("result", false),
    ("hostname", false),
];

/// The index in [`FIELD_COLUMNS`] of the column of field `key`.
fn field_index(key: &[u8]) -> Option<usize> {
    Some(match key {
        b"pid" => 0,
        b"ppid" => 1,
        b"comm" => 2,
        b"exe" => 3,
        b"cwd" => 4,
        b"proctitle" => 5,
        b"uid" => 6,
        b"auid" => 7,
        b"euid" => 8,
        b"gid" => 9,
        b"egid" => 10,
        b"ses" => 11,
        b"tty" => 12,
        b"terminal" => 13,
        b"arch" => 14,
        b"syscall" => 15,
        b"success" => 16,
        b"exit" => 17,
        b"argc" => 18,
        b"a0" => 19,
        b"a1" => 20,
        b"a2" => 21,
        b"a3" => 22,
        b"a4" => 23,
        b"a5" => 24,
        b"a6" => 25,
        b"a7" => 26,
        b"a8" => 27,
        b"a9" => 28,
        b"key" => 29,
        b"name" => 30,
        b"nametype" => 31,
        b"filetype" => 32,
        b"path" => 33,
        b"family" => 34,
        b"icmptype" => 35,
        b"op" => 36,
        b"acct" => 37,
        b"addr" => 38,
        b"cmd" => 39,
        b"unit" => 40,
        b"data" => 41,
        b"res" => 42,
        b"result" => 43,
        b"hostname" => 44,
        _ => return None,
    })
}

/// ENRICHED translations that fill a column: key and column.
const TRANSLATIONS: &[(&[u8], &str)] = &[
    (b"UID", "user"),
    (b"AUID", "audit_user"),
    (b"EUID", "effective_user"),
    (b"GID", "group"),
    (b"EGID", "effective_group"),
];

/// Column indexes of `LinuxAuditLog`.
struct Cols {
    id: TableId,
    time: usize,
    computer: usize,
    node: usize,
    record_type: usize,
    audit_id: usize,
    serial: usize,
    raw: usize,
    ty: usize,
    fields: usize,
    /// Index `i` is the column of `FIELD_COLUMNS[i]`.
    named: Vec<usize>,
    /// Index `i` is the column of `TRANSLATIONS[i]`.
    translated: Vec<usize>,
}

/// An event's id as the rows hold it.
pub struct EventText {
    time_ns: i64,
    audit_id: String,
    serial: String,
}

impl EventText {
    /// The text of `id`.
    pub fn new(id: EventId) -> EventText {
        EventText { time_ns: id.time_ns(), audit_id: id.to_string(), serial: id.serial.to_string() }
    }
}

/// Makes `LinuxAuditLog` rows.
pub struct RawRecords {
    /// Whether rows are made; else records are only checked.
    build: bool,
    cols: Option<Cols>,
}

/// A record's field as the table holds it.
struct Cell<'a> {
    key: Cow<'a, [u8]>,
    value: Option<Cow<'a, [u8]>>,
    enriched: bool,
}

/// Whether the kernel (or auditd) writes `key` of a record of type `ty`
/// as hex when the text is not plain.
fn hex_encoded(ty: &[u8], key: &[u8]) -> bool {
    match key {
        b"name" | b"exe" | b"comm" | b"cwd" | b"proctitle" | b"key" | b"data" | b"cmd" | b"acct" | b"path"
        | b"ocomm" => true,
        _ => ty == b"EXECVE" && execve_arg(key).is_some(),
    }
}

/// `aN` or `aN[i]` of an EXECVE record: the argument's key `aN`.
fn execve_arg(key: &[u8]) -> Option<&[u8]> {
    let base = match memchr::memchr(b'[', key) {
        Some(i) if key.ends_with(b"]") && record::decimal(&key[i + 1..key.len() - 1]).is_some() => &key[..i],
        Some(_) => return None,
        None => key,
    };
    let digits = base.strip_prefix(b"a")?;
    record::decimal(digits).map(|_| base)
}

/// The value of a field, decoded as the table holds it.
fn decode<'a>(ty: &[u8], f: &Field<'a>) -> Option<Cow<'a, [u8]>> {
    if f.enriched || !hex_encoded(ty, f.key) {
        return Some(Cow::Borrowed(f.value.bytes()));
    }
    let v = match f.value.string() {
        Ok(v) => v,
        // Not hex: text someone wrote bare; kept as it is.
        Err(_) => Some(Cow::Borrowed(f.value.bytes())),
    };
    if ty == b"PROCTITLE" && f.key == b"proctitle" {
        return v.map(|t| match t {
            Cow::Borrowed(b) if !b.contains(&0) => Cow::Borrowed(b),
            t => {
                let trimmed = t.strip_suffix(b"\0").unwrap_or(&t);
                Cow::Owned(trimmed.iter().map(|&b| if b == 0 { b' ' } else { b }).collect())
            }
        });
    }
    v
}

/// The cells of one record, appended to `out`: its fields decoded, a
/// message's inner fields added, split EXECVE arguments joined.
fn cells_into<'a>(rec: &Rec<'a>, out: &mut Vec<Cell<'a>>) -> Result<(), Bad> {
    each_field(rec, |f| push(out, rec.type_name, f))
}

/// Calls `each` on every field of a record, a message's inner fields
/// before the message; an unterminated quote is an error.
fn each_field<'a>(rec: &Rec<'a>, mut each: impl FnMut(&Field<'a>)) -> Result<(), Bad> {
    let mut fields = Fields::new(rec.body);
    for f in fields.by_ref() {
        if f.key == b"msg"
            && !f.enriched
            && let Raw::Quoted(inner) = f.value
        {
            let mut nested = Fields::new(inner);
            for g in nested.by_ref() {
                each(&g);
            }
            if nested.unterminated {
                return Err(Bad { line: rec.line, why: "an unterminated quote in msg='...'".into() });
            }
        }
        each(&f);
    }
    if fields.unterminated {
        return Err(Bad { line: rec.line, why: "an unterminated quote".into() });
    }
    Ok(())
}

/// Checks the records of an event as [`RawRecords::rows`] does, without
/// making rows: the same records fail, with the same reason, so an event
/// is rejected whether or not `LinuxAuditLog` is built.
fn check<'a>(mut recs: impl Iterator<Item = Rec<'a>>) -> Result<(), Bad> {
    recs.try_for_each(|rec| if surely_terminated(rec.body) { Ok(()) } else { each_field(&rec, |_| {}) })
}

/// Whether no quoted value of `body` can lack its closing mark, known
/// without walking its fields: `false` is a maybe. A value is quoted when
/// it starts with `"`, `'` or `{` right after its `=`, and runs to the
/// next closing mark; so with no `'`, no `{` and no `msg=` (whose value's
/// inner fields are walked too), only a value opened at the last `"` can
/// be unterminated, and that `"` would follow an `=`.
fn surely_terminated(body: &[u8]) -> bool {
    if memchr::memchr2(b'\'', b'{', body).is_some() || memchr::memmem::find(body, b"msg=").is_some() {
        return false;
    }
    match memchr::memrchr(b'"', body) {
        None => true,
        Some(last) => last == 0 || body[last - 1] != b'=',
    }
}

/// Adds field `f` to `out`; a part of a split EXECVE argument is appended
/// to its argument.
fn push<'a>(out: &mut Vec<Cell<'a>>, ty: &[u8], f: &Field<'a>) {
    let value = decode(ty, f);
    if !f.enriched
        && ty == b"EXECVE"
        && f.key.ends_with(b"]")
        && let Some(base) = execve_arg(f.key)
    {
        // The parts of an argument come one after the other.
        match out.last_mut().filter(|c| !c.enriched && c.key.as_ref() == base) {
            Some(c) => {
                let mut joined = c.value.take().map(Cow::into_owned).unwrap_or_default();
                joined.extend_from_slice(value.as_deref().unwrap_or_default());
                c.value = Some(Cow::Owned(joined));
            }
            None => out.push(Cell { key: Cow::Borrowed(base), value, enriched: false }),
        }
        return;
    }
    out.push(Cell { key: Cow::Borrowed(f.key), value, enriched: f.enriched });
}

/// `b` as text, invalid UTF-8 replaced. When `b` lies inside `line` (text
/// already checked) between two character boundaries, it is that part of
/// `line`, and is not checked again.
fn part<'a>(line: Option<&'a str>, b: &'a [u8]) -> Cow<'a, str> {
    if let Some(l) = line {
        let start = (b.as_ptr() as usize).wrapping_sub(l.as_ptr() as usize);
        if start <= l.len()
            && b.len() <= l.len() - start
            && let Some(s) = l.get(start..start + b.len())
        {
            return Cow::Borrowed(s);
        }
    }
    lossy(b)
}

/// Bytes as text, invalid UTF-8 replaced; `line` is the record's line
/// when it is valid text (see [`part`]).
fn text<'a>(line: Option<&'a str>, b: Cow<'a, [u8]>) -> Cow<'a, str> {
    match b {
        Cow::Borrowed(b) => part(line, b),
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
    }
}

impl RawRecords {
    /// Makes rows when `build`; else [`RawRecords::rows`] only checks the
    /// records and gives none.
    pub fn new(build: bool) -> RawRecords {
        RawRecords { build, cols: None }
    }

    /// The text of event `id` for [`RawRecords::rows`]: made only when
    /// rows are (no row reads it otherwise).
    pub fn event_text(&self, id: EventId) -> EventText {
        if self.build {
            EventText::new(id)
        } else {
            EventText { time_ns: 0, audit_id: String::new(), serial: String::new() }
        }
    }

    fn cols(&mut self, out: &mut FileSink<'_, '_>) -> &Cols {
        self.cols.get_or_insert_with(|| {
            let id = out.table(linux_audit_log::NAME);
            let b = out.builder(id);
            Cols {
                id,
                time: b.col("TimeGenerated"),
                computer: b.col("Computer"),
                node: b.col("node"),
                record_type: b.col("RecordType"),
                audit_id: b.col("AuditID"),
                serial: b.col("SerialNumber"),
                raw: b.col("RawRecord"),
                ty: b.col("Type"),
                fields: b.col("Fields"),
                named: FIELD_COLUMNS.iter().map(|(n, _)| b.col(n)).collect(),
                translated: TRANSLATIONS.iter().map(|(_, n)| b.col(n)).collect(),
            }
        })
    }

    /// The rows of the records of event `id` on `node`: each record with
    /// its line's text. They are pushed with [`RawRecords::push`] once the
    /// event is known to be kept. `ids` holds the event's id as text.
    /// When rows are not built, the records are checked the same way and
    /// no row is made.
    pub fn rows<'a, I>(
        &mut self,
        node: Option<&'a [u8]>,
        ids: &'a EventText,
        recs: I,
        device_name: Option<&'a str>,
        out: &mut FileSink<'_, '_>,
    ) -> Result<Vec<Row<'a>>, Bad>
    where
        I: Iterator<Item = (Rec<'a>, &'a [u8])>,
    {
        if !self.build {
            check(recs.map(|(rec, _)| rec))?;
            return Ok(Vec::new());
        }
        let c = self.cols(out);
        let mut rows = Vec::new();
        let node = node.map(lossy);
        let mut cells: Vec<Cell<'a>> = Vec::new();
        for (rec, line) in recs {
            let mut row = out.builder(c.id).row();
            row.set(c.time, Value::Time(ids.time_ns));
            match &node {
                Some(n) => {
                    row.set(c.computer, Value::Str(n.clone())).set(c.node, Value::Str(n.clone()));
                }
                None => {
                    if let Some(d) = device_name {
                        row.set(c.computer, Value::str(d));
                    }
                }
            }
            let line_text = std::str::from_utf8(line).ok();
            row.set(c.record_type, Value::Str(part(line_text, rec.type_name)))
                .set(c.audit_id, Value::str(ids.audit_id.as_str()))
                .set(c.serial, Value::str(ids.serial.as_str()))
                .set(c.raw, Value::Str(line_text.map_or_else(|| lossy(line), Cow::Borrowed)))
                .set(c.ty, Value::str(linux_audit_log::NAME));
            cells.clear();
            cells_into(&rec, &mut cells)?;
            let mut bag = String::with_capacity(line.len() + 16);
            bag.push('{');
            // Keys repeat rarely: a record of few fields is checked by a
            // scan, a long one (EXECVE) through a set.
            let firsts: Vec<bool> = if cells.len() > 64 {
                let mut seen: HashSet<&[u8]> = HashSet::new();
                cells.iter().map(|c| seen.insert(c.key.as_ref())).collect()
            } else {
                Vec::new()
            };
            // One bit per (length, last byte) class of the keys seen: a key
            // of a class not seen yet is a first without a scan.
            let mut classes = 0u64;
            for i in 0..cells.len() {
                let first = match firsts.get(i) {
                    Some(&f) => f,
                    None => {
                        let key: &[u8] = &cells[i].key;
                        let class = 1u64 << ((key.len() ^ usize::from(key.last().copied().unwrap_or(0))) & 63);
                        let maybe_seen = classes & class != 0;
                        classes |= class;
                        !maybe_seen || !cells[..i].iter().any(|c| c.key.as_ref() == key)
                    }
                };
                if !first {
                    continue;
                }
                let cell = &mut cells[i];
                let Some(value) = cell.value.take() else { continue };
                let value = text(line_text, value);
                if bag.len() > 1 {
                    bag.push(',');
                }
                json_str(&mut bag, &part(line_text, &cell.key));
                bag.push(':');
                json_str(&mut bag, &value);
                if cell.enriched {
                    if let Some(i) = TRANSLATIONS.iter().position(|(k, _)| *k == cell.key.as_ref()) {
                        row.set(c.translated[i], Value::Str(value));
                    }
                } else if let Some(i) = field_index(&cell.key) {
                    if FIELD_COLUMNS[i].1 {
                        if let Some(n) = record::signed(value.as_bytes()) {
                            row.set(c.named[i], Value::Long(n));
                        }
                    } else {
                        row.set(c.named[i], Value::Str(value));
                    }
                }
            }
            bag.push('}');
            row.set(c.fields, Value::Json(Cow::Owned(bag)));
            rows.push(row);
        }
        Ok(rows)
    }

    /// Appends rows made by [`RawRecords::rows`].
    pub fn push(&mut self, rows: &[Row<'_>], out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        if rows.is_empty() {
            return Ok(());
        }
        let Some(c) = &self.cols else { return Ok(()) };
        for row in rows {
            out.push(c.id, row)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::auditd::record::Kind;

    /// The cells of a record of type `ty` with body `body`, as text.
    fn read(ty: &str, body: &str) -> Vec<(String, Option<String>, bool)> {
        let rec = Rec { kind: Kind::of(ty.as_bytes()), type_name: ty.as_bytes(), line: 1, body: body.as_bytes() };
        let mut cells = Vec::new();
        cells_into(&rec, &mut cells).unwrap();
        cells
            .into_iter()
            .map(|c| {
                let v = c.value.map(|v| String::from_utf8_lossy(&v).into_owned());
                (String::from_utf8_lossy(&c.key).into_owned(), v, c.enriched)
            })
            .collect()
    }

    fn kv(k: &str, v: &str) -> (String, Option<String>, bool) {
        (k.to_string(), Some(v.to_string()), false)
    }

    #[test]
    fn execve_arguments_are_decoded_and_joined_and_syscall_arguments_are_not() {
        assert_eq!(
            read("EXECVE", " argc=3 a0=\"ls\" a1=2F746D702F61206220 a2_len=6 a2[0]=616263 a2[1]=646566"),
            [kv("argc", "3"), kv("a0", "ls"), kv("a1", "/tmp/a b "), kv("a2_len", "6"), kv("a2", "abcdef")]
        );
        assert_eq!(read("SYSCALL", " a0=2F746D70 key=(null)"), [kv("a0", "2F746D70"), ("key".into(), None, false)]);
    }

    #[test]
    fn proctitle_separators_become_spaces_and_bare_text_that_is_not_hex_stays() {
        assert_eq!(read("PROCTITLE", " proctitle=6C73002D6C00"), [kv("proctitle", "ls -l")]);
        assert_eq!(
            read("PATH", " name=/etc/passwd nametype=NORMAL"),
            [kv("name", "/etc/passwd"), kv("nametype", "NORMAL")]
        );
    }

    #[test]
    fn a_message_gives_its_fields_and_enriched_keys_stay_apart() {
        let got = read("SERVICE_STOP", " pid=1 msg='unit=firewalld comm=\"systemd\" res=success'\x1dUID=\"root\"");
        assert_eq!(
            got,
            [
                kv("pid", "1"),
                kv("unit", "firewalld"),
                kv("comm", "systemd"),
                kv("res", "success"),
                kv("msg", "unit=firewalld comm=\"systemd\" res=success"),
                ("UID".into(), Some("root".into()), true),
            ]
        );
    }

    #[test]
    fn a_part_of_the_line_is_its_text_and_anything_else_is_checked() {
        let line = "cmd=\"é\" x";
        let b = line.as_bytes();
        assert!(matches!(part(Some(line), &b[5..7]), Cow::Borrowed("é")));
        // Cut inside a character: checked, and replaced.
        assert_eq!(part(Some(line), &b[5..6]), "\u{fffd}");
        let elsewhere = b"other".to_vec();
        assert_eq!(part(Some(line), &elsewhere), "other");
        assert_eq!(part(None, &b[..3]), "cmd");
    }

    #[test]
    fn every_field_column_is_found_by_its_key() {
        for (i, (name, _)) in FIELD_COLUMNS.iter().enumerate() {
            assert_eq!(field_index(name.as_bytes()), Some(i), "{name}");
        }
        assert_eq!(field_index(b"Fields"), None);
    }

    #[test]
    fn a_body_surely_terminated_has_no_unterminated_quote() {
        let walk_ok = |body: &[u8]| {
            let mut f = Fields::new(body);
            f.by_ref().for_each(drop);
            let mut nested_ok = true;
            for g in Fields::new(body) {
                if g.key == b"msg"
                    && let Raw::Quoted(inner) = g.value
                {
                    let mut n = Fields::new(inner);
                    n.by_ref().for_each(drop);
                    nested_ok &= !n.unterminated;
                }
            }
            !f.unterminated && nested_ok
        };
        let bodies: [&[u8]; 16] = [
            b"",
            b"a=1 b=2",
            b"comm=\"ls\" exe=\"/bin/ls\" key=(null)",
            b"a=\"",
            b"a=\"x\" b=\"",
            b"a=\"=\"",
            b"a=\"\"",
            b"\"",
            b"a=x\" b=\"y",
            b"msg='op=x acct=\"root' res=1",
            b"msg=\"a=\"",
            b"a='x",
            b"a={x",
            b"a=\"x y\" \x1dUID=\"root\"",
            b"a=\"x\x1d\"",
            b"name=\"\xc3\xa9\" nametype=NORMAL",
        ];
        for body in bodies {
            if surely_terminated(body) {
                assert!(walk_ok(body), "{}", String::from_utf8_lossy(body));
            }
        }
        assert!(surely_terminated(b"comm=\"ls\" exe=\"/bin/ls\""));
        assert!(!surely_terminated(b"a=\"x\" b=\""));
        // Every body built of these pieces, two and three at a time.
        let pieces: [&[u8]; 9] = [b"a=", b"\"", b"'", b"{", b"}", b" ", b"x", b"msg=", b"\x1d"];
        for i in 0..pieces.len().pow(4) {
            let mut body = Vec::new();
            let mut k = i;
            for _ in 0..4 {
                body.extend_from_slice(pieces[k % pieces.len()]);
                k /= pieces.len();
            }
            if surely_terminated(&body) {
                assert!(walk_ok(&body), "{}", String::from_utf8_lossy(&body));
            }
        }
    }

    #[test]
    fn an_unterminated_quote_is_an_error() {
        let rec = Rec { kind: Kind::Other, type_name: b"USER_CMD", line: 7, body: b" msg='cmd=\"ls" };
        assert_eq!(cells_into(&rec, &mut Vec::new()).err().map(|b| b.line), Some(7));
    }
}
