//! Reading a stream line by line with line numbers, in bounded memory.
//!
//! A line longer than [`MAX_LINE`] is rejected whole (its bytes skipped up
//! to the next newline) instead of growing the buffer without end; a read
//! error ends the stream with a reject at the line it happened on. Lines
//! keep no `\n` or `\r\n`.

use std::io::{BufRead, ErrorKind};

use crate::sink::{FileSink, OutputError};

/// The longest line kept, in bytes: 16 MiB.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// Called with a line's number and bytes (see [`Lines::for_each`]).
pub type OnLine<'f> = dyn FnMut(u64, &[u8], &mut FileSink<'_, '_>) -> Result<(), OutputError> + 'f;

/// Lines of a stream, numbered from 1.
pub struct Lines<'r> {
    input: &'r mut dyn BufRead,
    buf: Vec<u8>,
    line: u64,
    done: bool,
}

impl<'r> Lines<'r> {
    /// Lines of `input`.
    pub fn new(input: &'r mut dyn BufRead) -> Lines<'r> {
        Lines { input, buf: Vec::with_capacity(4096), line: 0, done: false }
    }

    /// The number of the line last returned.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next line and its number, or `None` at the end. Over-long lines
    /// and read errors are rejected into `out` (and counted as records).
    pub fn next_line(&mut self, out: &mut FileSink<'_, '_>) -> Option<(u64, &[u8])> {
        self.next_line_ended(out).map(|(n, line, _)| (n, line))
    }

    /// [`next_line`](Self::next_line), and whether the line ended with a
    /// newline: only the last line of a stream may not, and then it may
    /// have been cut short.
    pub fn next_line_ended(&mut self, out: &mut FileSink<'_, '_>) -> Option<(u64, &[u8], bool)> {
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            self.line += 1;
            match read_line(self.input, &mut self.buf) {
                Ok(Fill::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Fill::Line) => {
                    let mut end = self.buf.len();
                    let ended = self.buf.ends_with(b"\n");
                    if ended {
                        end -= 1;
                        if self.buf[..end].ends_with(b"\r") {
                            end -= 1;
                        }
                    }
                    return Some((self.line, &self.buf[..end], ended));
                }
                Ok(Fill::TooLong(n)) => {
                    out.record();
                    out.reject(self.line, format!("line longer than {MAX_LINE} bytes ({n} bytes)"), &self.buf[..200]);
                }
                Err(e) => {
                    self.done = true;
                    out.record();
                    out.reject(self.line, format!("read error: {e}"), b"");
                    return None;
                }
            }
        }
    }
}

impl Lines<'_> {
    /// Calls `f` with every remaining line and its number, like
    /// [`next_line`](Self::next_line) in a loop, but a line that lies
    /// wholly in the reader's buffer is passed from there, not copied.
    pub fn for_each(&mut self, out: &mut FileSink<'_, '_>, f: &mut OnLine<'_>) -> Result<(), OutputError> {
        loop {
            if self.done {
                return Ok(());
            }
            let avail = match self.input.fill_buf() {
                Ok(b) if !b.is_empty() => b,
                // The end, an interruption or an error: next_line deals with them.
                _ => match self.next_line(out) {
                    Some((n, line)) => {
                        f(n, line, out)?;
                        continue;
                    }
                    None => return Ok(()),
                },
            };
            let mut used = 0;
            while let Some(i) = memchr::memchr(b'\n', &avail[used..]) {
                if i > MAX_LINE {
                    break;
                }
                self.line += 1;
                let mut line = &avail[used..used + i];
                if let Some(l) = line.strip_suffix(b"\r") {
                    line = l;
                }
                f(self.line, line, out)?;
                used += i + 1;
            }
            if used > 0 {
                self.input.consume(used);
            } else if let Some((n, line)) = self.next_line(out) {
                // A line longer than what the buffer holds.
                f(n, line, out)?;
            }
        }
    }
}

enum Fill {
    Eof,
    Line,
    TooLong(usize),
}

/// Appends one line (with its `\n`, if any) to `buf`; past [`MAX_LINE`]
/// keeps the first bytes and skips the rest of the line.
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Fill> {
    let mut total = 0usize;
    loop {
        let avail = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if total == 0 {
                Fill::Eof
            } else if total > MAX_LINE {
                Fill::TooLong(total)
            } else {
                Fill::Line
            });
        }
        let (take, found) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if total + take <= MAX_LINE + 1 {
            buf.extend_from_slice(&avail[..take]);
        } else if buf.len() < 200 {
            let room = 200 - buf.len();
            buf.extend_from_slice(&avail[..take.min(room)]);
        }
        total += take;
        input.consume(take);
        if found {
            return Ok(if total > MAX_LINE + 1 { Fill::TooLong(total) } else { Fill::Line });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{Collect, Sink};
    use std::path::Path;

    #[test]
    fn numbers_lines_and_strips_line_ends() {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out);
        let mut f = sink.file(Path::new("x"), None);
        let mut input: &[u8] = b"a\r\nbb\n\nlast";
        let mut lines = Lines::new(&mut input);
        let mut got = Vec::new();
        while let Some((n, l)) = lines.next_line(&mut f) {
            got.push((n, String::from_utf8(l.to_vec()).unwrap()));
        }
        assert_eq!(got, [(1, "a".into()), (2, "bb".into()), (3, String::new()), (4, "last".into())]);
        let mut input: &[u8] = b"a\nb";
        let mut lines = Lines::new(&mut input);
        assert_eq!(lines.next_line_ended(&mut f), Some((1, &b"a"[..], true)));
        assert_eq!(lines.next_line_ended(&mut f), Some((2, &b"b"[..], false)), "the last line has no newline");
    }

    #[test]
    fn for_each_gives_the_same_lines_across_buffer_edges() {
        let text: Vec<u8> = (0..500).flat_map(|i| format!("line {i}{}\n", "x".repeat(i % 37)).into_bytes()).collect();
        for cap in [1, 7, 64, 4096] {
            let mut out = Collect::default();
            let mut sink = Sink::new(&mut out);
            let mut f = sink.file(Path::new("x"), None);
            let mut input = std::io::BufReader::with_capacity(cap, &text[..]);
            let mut got = Vec::new();
            Lines::new(&mut input)
                .for_each(&mut f, &mut |n, l, _| {
                    got.push((n, String::from_utf8(l.to_vec()).unwrap()));
                    Ok(())
                })
                .unwrap();
            assert_eq!(got.len(), 500, "buffer of {cap}");
            assert_eq!(got[499], (500, format!("line 499{}", "x".repeat(499 % 37))));
            assert!(got.iter().enumerate().all(|(i, (n, _))| *n == i as u64 + 1));
        }
    }
}
