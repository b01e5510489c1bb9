//! Container logs as the node keeps them, into `ContainerLogV2` rows: the
//! CRI format of containerd and CRI-O ([`Cri`]: `2024-01-01T00:00:00.123456789Z
//! stdout F message`) and Docker's `json-file` driver ([`DockerJson`]:
//! `{"log":"message\n","stream":"stdout","time":"..."}`).
//!
//! Both formats are recognised from the lines themselves. One message is
//! one record: a CRI line tagged `P` (partial) is joined with the lines
//! after it on the same stream up to one tagged `F` (full); a Docker line
//! whose `log` does not end with a newline (the driver splits lines of
//! 16 KiB) is joined with the next ones of its stream up to one that does,
//! and the final newline is dropped. A partial message left at the end of
//! the file (cut by rotation) is still a row. The row's time is its first
//! line's.
//!
//! Which container a log is of is not in its lines: the kubelet says it in
//! the file's path, and that path is read as metadata ([`path`]) when it
//! has one of the kubelet's or Docker's shapes. The format is never
//! inferred from the path.
//!
//! | column | from |
//! |---|---|
//! | `TimeGenerated` | the line's timestamp |
//! | `Computer` | `--device-name` |
//! | `PodName`, `PodNamespace`, `ContainerName`, `ContainerId` | the path (see [`path`]) |
//! | `KubernetesMetadata` | `{"podUid": ..}` when the path has the pod's uid |
//! | `LogSource` | the stream, `stdout` or `stderr` |
//! | `LogMessage` | the message: a JSON object or array as itself, any other text as a JSON string |
//! | `LogLevel` | the `level` (else `severity`, `lvl`) member of a JSON message, lower-cased |
//!
//! Rejected: a line that is neither shape, one without a readable time, a
//! stream other than `stdout`/`stderr`, and an unknown CRI tag.

use std::borrow::Cow;
use std::io::BufRead;

use serde::Deserialize;

use super::Format;
use super::json::{first_doc, for_each_doc};
use super::lines::{Lines, MAX_LINE};
use crate::batch::{Value, parse_datetime};
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::container_log_v2;

pub mod path;

/// CRI container logs.
pub struct Cri;

/// Docker `json-file` container logs.
pub struct DockerJson;

/// A message being joined from partial lines: its first line, time and text.
struct Pending {
    line: u64,
    time: i64,
    text: String,
}

/// The messages being joined, one per stream.
#[derive(Default)]
struct Streams {
    stdout: Option<Pending>,
    stderr: Option<Pending>,
}

impl Streams {
    fn slot(&mut self, stream: &str) -> &mut Option<Pending> {
        if stream == "stderr" { &mut self.stderr } else { &mut self.stdout }
    }
}

/// Column indexes, looked up once per file.
struct Cols {
    t: TableId,
    time: usize,
    computer: usize,
    pod: usize,
    namespace: usize,
    container: usize,
    container_id: usize,
    metadata: usize,
    source: usize,
    level: usize,
    message: usize,
    source_system: usize,
    ty: usize,
}

/// Writes one file's rows, with what its path says.
struct Writer {
    cols: Option<Cols>,
    meta: path::Meta,
    computer: Option<String>,
}

impl Writer {
    fn new(out: &FileSink<'_, '_>) -> Writer {
        Writer { cols: None, meta: path::Meta::of(out.path()), computer: out.host().device_name.clone() }
    }

    fn write(&mut self, time: i64, stream: &str, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let c = match &self.cols {
            Some(c) => c,
            None => {
                let t = out.table(container_log_v2::NAME);
                let b = out.builder(t);
                self.cols.insert(Cols {
                    t,
                    time: b.col("TimeGenerated"),
                    computer: b.col("Computer"),
                    pod: b.col("PodName"),
                    namespace: b.col("PodNamespace"),
                    container: b.col("ContainerName"),
                    container_id: b.col("ContainerId"),
                    metadata: b.col("KubernetesMetadata"),
                    source: b.col("LogSource"),
                    level: b.col("LogLevel"),
                    message: b.col("LogMessage"),
                    source_system: b.col("SourceSystem"),
                    ty: b.col("Type"),
                })
            }
        };
        let m = &self.meta;
        let mut r = out.builder(c.t).row();
        r.set(c.time, Value::Time(time));
        let cells = [
            (c.computer, self.computer.as_deref()),
            (c.pod, m.pod.as_deref()),
            (c.namespace, m.namespace.as_deref()),
            (c.container, m.container.as_deref()),
            (c.container_id, m.container_id.as_deref()),
        ];
        for (col, v) in cells {
            if let Some(v) = v {
                r.set(col, Value::str(v));
            }
        }
        if let Some(uid) = &m.pod_uid {
            r.set(c.metadata, Value::Json(serde_json::json!({ "podUid": uid }).to_string().into()));
        }
        r.set(c.source, Value::str(stream));
        let (message, level) = message(text);
        if let Some(l) = level {
            r.set(c.level, Value::str(l));
        }
        r.set(c.message, Value::Json(message.into()));
        r.set(c.source_system, Value::str("Container")).set(c.ty, Value::str(container_log_v2::NAME));
        out.push(c.t, &r)
    }

    /// Joins `text` into the stream's pending message; writes it when
    /// `last`.
    #[allow(clippy::too_many_arguments)]
    fn part(
        &mut self,
        streams: &mut Streams,
        line: u64,
        time: i64,
        stream: &str,
        text: &str,
        last: bool,
        out: &mut FileSink<'_, '_>,
    ) -> Result<(), OutputError> {
        let slot = streams.slot(stream);
        match slot {
            Some(p) if p.text.len().saturating_add(text.len()) <= MAX_LINE => p.text.push_str(text),
            Some(_) => {
                // Past the longest message kept: what was joined so far is a message.
                let p = slot.take().expect("matched Some");
                out.record();
                self.write(p.time, stream, &p.text, out)?;
                *slot = Some(Pending { line, time, text: text.to_string() });
            }
            None if last => {
                out.record();
                return self.write(time, stream, text, out);
            }
            None => *slot = Some(Pending { line, time, text: text.to_string() }),
        }
        if last && let Some(p) = streams.slot(stream).take() {
            out.record();
            self.write(p.time, stream, &p.text, out)?;
        }
        Ok(())
    }

    /// Writes the messages still being joined at the end of the file.
    fn finish(&mut self, streams: &mut Streams, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut left: Vec<(Pending, &str)> = Vec::new();
        left.extend(streams.stdout.take().map(|p| (p, "stdout")));
        left.extend(streams.stderr.take().map(|p| (p, "stderr")));
        left.sort_by_key(|(p, _)| p.line);
        for (p, stream) in left {
            out.record();
            self.write(p.time, stream, &p.text, out)?;
        }
        Ok(())
    }
}

/// `LogMessage` (JSON text) and `LogLevel` of a message.
fn message(text: &str) -> (String, Option<String>) {
    let t = text.trim();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(t)
    {
        let level = ["level", "severity", "lvl"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|l| l.as_str()))
            .map(str::to_ascii_lowercase);
        return (v.to_string(), level);
    }
    (serde_json::Value::from(text).to_string(), None)
}

/// A CRI line's parts: time, stream, whether it is the last part, and text.
fn cri_line(line: &str) -> Result<(i64, &str, bool, &str), String> {
    let mut parts = line.splitn(4, ' ');
    let (Some(ts), Some(stream), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("not a CRI log line (TIMESTAMP STREAM TAG MESSAGE)".into());
    };
    let time = parse_datetime(ts).ok_or_else(|| format!("\"{ts}\" is not a datetime"))?;
    if !matches!(stream, "stdout" | "stderr") {
        return Err(format!("stream \"{stream}\" is neither stdout nor stderr"));
    }
    // The tag is `F` or `P`, possibly followed by `:`-separated flags.
    let last = match tag.split(':').next() {
        Some("F") => true,
        Some("P") => false,
        _ => return Err(format!("tag \"{tag}\" is neither F nor P")),
    };
    Ok((time, stream, last, parts.next().unwrap_or("")))
}

/// Whether `line` has the CRI shape (for recognising a file).
fn is_cri_line(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(&line[..line.len().min(256)]) else { return false };
    let mut parts = line.split(' ');
    let (Some(ts), Some(stream), Some(tag)) = (parts.next(), parts.next(), parts.next()) else { return false };
    ts.len() >= 20
        && ts.as_bytes().get(10) == Some(&b'T')
        && parse_datetime(ts).is_some()
        && matches!(stream, "stdout" | "stderr")
        && matches!(tag.split(':').next(), Some("F" | "P"))
}

impl Format for Cri {
    fn name(&self) -> &'static str {
        "cri"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        is_cri_line(head.split(|&b| b == b'\n').next().unwrap_or(head))
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut w = Writer::new(out);
        let mut streams = Streams::default();
        Lines::new(input).for_each(out, &mut |n, line, out| {
            let text = String::from_utf8_lossy(line);
            match cri_line(&text) {
                Ok((time, stream, last, msg)) => w.part(&mut streams, n, time, stream, msg, last, out),
                Err(why) => {
                    out.record();
                    out.reject(n, why, line);
                    Ok(())
                }
            }
        })?;
        w.finish(&mut streams, out)
    }
}

#[derive(Deserialize)]
struct DockerLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(borrow, default)]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
}

/// A Docker line's time, stream, text (without its final newline), and
/// whether it ends its message.
fn docker_line(text: &str) -> Result<(i64, String, String, bool), String> {
    let d: DockerLine<'_> = serde_json::from_str(text).map_err(|e| format!("not a Docker json-file line: {e}"))?;
    let time = d.time.as_deref().ok_or("no \"time\"")?;
    let time = parse_datetime(time).ok_or_else(|| format!("\"{time}\" is not a datetime"))?;
    let stream = d.stream.as_deref().unwrap_or("stdout");
    if !matches!(stream, "stdout" | "stderr") {
        return Err(format!("stream \"{stream}\" is neither stdout nor stderr"));
    }
    Ok(match d.log.strip_suffix('\n') {
        Some(m) => (time, stream.to_string(), m.strip_suffix('\r').unwrap_or(m).to_string(), true),
        None => (time, stream.to_string(), d.log.into_owned(), false),
    })
}

impl Format for DockerJson {
    fn name(&self) -> &'static str {
        "docker-json"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_doc(head).is_some_and(|d| {
            d.get("log").is_some_and(|l| l.is_string())
                && (d.get("stream").is_some_and(|s| s.is_string()) || d.get("time").is_some_and(|t| t.is_string()))
        })
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut w = Writer::new(out);
        let mut streams = Streams::default();
        for_each_doc(input, out, &mut |line, text, out| match docker_line(text) {
            Ok((time, stream, msg, last)) => w.part(&mut streams, line, time, &stream, &msg, last, out),
            Err(why) => {
                out.record();
                out.reject(line, why, text.as_bytes());
                Ok(())
            }
        })?;
        w.finish(&mut streams, out)
    }
}
