//! Cutting a stream where one kind of log gives way to another, so that a
//! file holding two formats is read as two.
//!
//! Each line is judged by its first bytes alone: a JSON line starts with
//! `{` (or `[` opening an array) in its first column, a raw audit record
//! with `type=` or `node=`; any other line (text, a CSV row, the inside of
//! a pretty-printed document, whose lines are indented or start with `}`
//! or `"`) belongs to the part it is in. A part's kind is that of its
//! first JSON or audit line; the first line of the other kind ends it.
//! Lines before a part's first such line stay in it, so its reader
//! rejects them one by one with their line numbers.
//!
//! [`Segments`] serves one part at a time as a [`BufRead`] that ends where
//! the part ends; [`Segments::next_part`] moves on to the next. Memory is
//! bounded by one read buffer: no part is held whole.

use std::io::{self, BufRead, Read};

/// How many bytes are taken from the input at a time.
const CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Audit,
}

/// The kind of the line starting with `start` (which may hold only the
/// first bytes of the line), or `None` for a line of no telling kind.
fn kind(start: &[u8]) -> Option<Kind> {
    let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    match start.first()? {
        b'{' => Some(Kind::Json),
        b'[' => {
            let next = start[1..].iter().find(|b| !matches!(b, b' ' | b'\t'));
            matches!(next, None | Some(b'{' | b'[' | b'"' | b']' | b'\r' | b'\n')).then_some(Kind::Json)
        }
        _ if start.starts_with(b"type=") || start.starts_with(b"node=") => Some(Kind::Audit),
        _ => None,
    }
}

/// A stream served part by part (see the module docs).
pub struct Segments<'r> {
    inner: &'r mut dyn BufRead,
    /// Bytes taken from `inner` and not yet served.
    buf: Vec<u8>,
    /// The next byte to serve.
    pos: usize,
    /// Bytes of `buf` judged to belong to the current part.
    end: usize,
    /// Whether `end` is where the next part starts.
    cut: bool,
    /// Whether `end` is at the start of a line.
    at_line_start: bool,
    /// The current part's kind, once one of its lines told it.
    kind: Option<Kind>,
    /// Lines ended before `end`, from the start of the stream.
    lines: u64,
    /// Whether parts are cut at all (not when a format is forced).
    cutting: bool,
    eof: bool,
}

impl<'r> Segments<'r> {
    /// The parts of `inner`; with `cutting` false, the whole stream is one part.
    pub fn new(inner: &'r mut dyn BufRead, cutting: bool) -> Segments<'r> {
        Segments {
            inner,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            cut: false,
            at_line_start: true,
            kind: None,
            lines: 0,
            cutting,
            eof: false,
        }
    }

    /// Moves on to the next part; returns the number of lines before it,
    /// or `None` when the stream is over. Bytes of the current part not
    /// yet read are passed over.
    pub fn next_part(&mut self) -> Option<u64> {
        if !self.cut {
            return None;
        }
        self.pos = self.end;
        self.cut = false;
        self.kind = None;
        Some(self.lines)
    }

    /// Takes more bytes from `inner` and judges them.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.drain(..self.pos);
        self.end -= self.pos;
        self.pos = 0;
        if !self.eof {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                self.eof = true;
            } else {
                let n = chunk.len().min(CHUNK);
                self.buf.extend_from_slice(&chunk[..n]);
                self.inner.consume(n);
            }
        }
        self.judge();
        Ok(())
    }

    /// Moves `end` over the bytes whose part is known.
    fn judge(&mut self) {
        let len = self.buf.len();
        while self.end < len {
            let rest = &self.buf[self.end..];
            if self.at_line_start && self.cutting {
                if rest.len() < 8 && !self.eof && memchr::memchr(b'\n', rest).is_none() {
                    return; // too little of the line to judge it yet
                }
                if let Some(k) = kind(rest) {
                    match self.kind {
                        None => self.kind = Some(k),
                        Some(current) if current != k => {
                            self.cut = true;
                            return;
                        }
                        Some(_) => {}
                    }
                }
            }
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    self.end += i + 1;
                    self.lines += 1;
                    self.at_line_start = true;
                }
                None => {
                    self.end = len;
                    self.at_line_start = false;
                }
            }
        }
    }
}

impl Read for Segments<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Segments<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.end && !self.cut && !(self.eof && self.end >= self.buf.len()) {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.end.max(self.pos)])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &[u8], cutting: bool) -> Vec<(u64, String)> {
        let mut input = text;
        let mut s = Segments::new(&mut input, cutting);
        let mut out = Vec::new();
        let mut base = 0;
        loop {
            let mut part = String::new();
            s.read_to_string(&mut part).unwrap();
            out.push((base, part));
            match s.next_part() {
                Some(b) => base = b,
                None => return out,
            }
        }
    }

    #[test]
    fn json_then_audit_lines_are_two_parts() {
        let text = b"banner\n{\"a\":1}\n{\"b\":2}\ntype=SYSCALL msg=audit(1.0:1): x\nnode=h type=EOE msg=audit(1.0:1):\n{\"c\":3}";
        let got = parts(text, true);
        assert_eq!(
            got,
            [
                (0, "banner\n{\"a\":1}\n{\"b\":2}\n".to_string()),
                (3, "type=SYSCALL msg=audit(1.0:1): x\nnode=h type=EOE msg=audit(1.0:1):\n".to_string()),
                (5, "{\"c\":3}".to_string()),
            ]
        );
    }

    #[test]
    fn pretty_documents_and_text_stay_whole() {
        let text = b"{\n  \"a\": [\n    {\"b\": 1}\n  ]\n}\n[\n  {\"c\": 2}\n]\n";
        assert_eq!(parts(text, true).len(), 1);
        let csv = b"Timestamp,FileName\n2026-01-01,type=x\n";
        assert_eq!(parts(csv, true).len(), 1);
        assert_eq!(parts(b"[2026-01-01] text\ntype=SYSCALL msg=audit(1.0:1):\n", true).len(), 1);
    }

    #[test]
    fn without_cutting_the_stream_is_one_part() {
        let text = b"{\"a\":1}\ntype=SYSCALL msg=audit(1.0:1): x\n";
        assert_eq!(parts(text, false), [(0, String::from_utf8_lossy(text).into_owned())]);
    }

    #[test]
    fn a_cut_across_chunks_is_found() {
        let mut text = Vec::new();
        while text.len() < 3 * CHUNK {
            text.extend_from_slice(b"type=SYSCALL msg=audit(1.0:1): x\n");
        }
        let lines = text.iter().filter(|&&b| b == b'\n').count() as u64;
        text.extend_from_slice(b"{\"a\":1}\n");
        let got = parts(&text, true);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], (lines, "{\"a\":1}\n".to_string()));
    }
}
