//! Records grouped into events.
//!
//! The records of one event share `node` and `msg=audit(TIME:SERIAL)`.
//! The kernel writes them one after the other and ends a multi-record
//! event with an `EOE` record, but records of events from different CPUs
//! (and single-record events from user space) can come in between, and
//! some pipelines drop the `EOE`. So a few events are kept open at once:
//! an event closes at its `EOE`; when an event of the same node starts
//! more than [`MAX_AGE_SECS`] seconds later; when more than [`MAX_OPEN`]
//! events are open (the oldest closes); or at the end of the stream.
//! Closed events come out in the order they closed.
//!
//! Memory is bounded: at most [`MAX_OPEN`] open events, each holding at
//! most [`MAX_EVENT_RECORDS`] records and [`MAX_EVENT_BYTES`] bytes (an
//! event past either is rejected when it closes).

use std::collections::VecDeque;

use super::decode::Rec;
use super::record::{EventId, Header, Kind};

/// The most events open at once.
pub const MAX_OPEN: usize = 64;
/// How many seconds of a node's newer events an open event waits for its
/// records.
pub const MAX_AGE_SECS: u64 = 5;
/// The most records one event may hold.
pub const MAX_EVENT_RECORDS: usize = 4096;
/// The most bytes one event may hold.
pub const MAX_EVENT_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, Copy)]
struct RecPos {
    kind: Kind,
    line: u64,
    start: usize,
    type_start: usize,
    type_end: usize,
    body: usize,
    end: usize,
}

/// The records of one event, copied from their lines.
#[derive(Debug, Default)]
pub struct Open {
    /// The event's id.
    pub id: EventId,
    node: Option<Vec<u8>>,
    /// The line of its first record.
    pub first_line: u64,
    buf: Vec<u8>,
    recs: Vec<RecPos>,
    /// Whether records were left out because the event grew too large.
    pub overflow: bool,
}

impl Open {
    fn reset(&mut self, h: &Header<'_>, line: u64) {
        self.id = h.id;
        match (h.node, &mut self.node) {
            (Some(n), Some(mine)) => {
                mine.clear();
                mine.extend_from_slice(n);
            }
            (Some(n), mine) => *mine = Some(n.to_vec()),
            (None, mine) => *mine = None,
        }
        self.first_line = line;
        self.buf.clear();
        self.recs.clear();
        self.overflow = false;
    }

    fn is(&self, h: &Header<'_>) -> bool {
        self.id == h.id && self.node.as_deref() == h.node
    }

    fn push(&mut self, line_no: u64, line: &[u8], h: &Header<'_>) {
        if self.recs.len() >= MAX_EVENT_RECORDS || self.buf.len() + line.len() > MAX_EVENT_BYTES {
            self.overflow = true;
            return;
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(line);
        let type_start = start + (h.type_name.as_ptr() as usize - line.as_ptr() as usize);
        self.recs.push(RecPos {
            kind: h.kind,
            line: line_no,
            start,
            type_start,
            type_end: type_start + h.type_name.len(),
            body: start + h.body,
            end: self.buf.len(),
        });
    }

    /// The `node=` name.
    pub fn node(&self) -> Option<&[u8]> {
        self.node.as_deref()
    }

    /// The records, in the order they came.
    pub fn recs(&self) -> impl Iterator<Item = Rec<'_>> + Clone {
        self.recs.iter().map(|r| Rec {
            kind: r.kind,
            type_name: &self.buf[r.type_start..r.type_end],
            line: r.line,
            body: &self.buf[r.body..r.end],
        })
    }

    /// The records with the whole text of each one's line.
    pub fn recs_with_lines(&self) -> impl Iterator<Item = (Rec<'_>, &[u8])> {
        self.recs().zip(self.recs.iter().map(|r| &self.buf[r.start..r.end]))
    }

    /// The text of the record on line `line` (the first record if none).
    pub fn line_text(&self, line: u64) -> &[u8] {
        let r = self.recs.iter().find(|r| r.line == line).or(self.recs.first());
        r.map_or(&[][..], |r| &self.buf[r.start..r.end])
    }
}

/// What became of a record handed to [`Grouper::add`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// It joined an event (or closed one).
    Kept,
    /// An `EOE` of no open event.
    LoneEoe,
}

/// The open events and those ready to be read.
#[derive(Default)]
pub struct Grouper {
    open: VecDeque<Open>,
    ready: VecDeque<Open>,
    free: Vec<Open>,
}

impl Grouper {
    /// Adds the record on line `line_no` (whose header is `h`).
    pub fn add(&mut self, line_no: u64, line: &[u8], h: &Header<'_>) -> Added {
        let found = self.open.iter().rposition(|o| o.is(h));
        if h.kind == Kind::Eoe {
            return match found.and_then(|i| self.open.remove(i)) {
                Some(ev) => {
                    self.ready.push_back(ev);
                    Added::Kept
                }
                None => Added::LoneEoe,
            };
        }
        let i = match found {
            Some(i) => i,
            None => {
                self.age_out(h);
                if self.open.len() >= MAX_OPEN
                    && let Some(oldest) = self.open.pop_front()
                {
                    self.ready.push_back(oldest);
                }
                let mut ev = self.free.pop().unwrap_or_default();
                ev.reset(h, line_no);
                self.open.push_back(ev);
                self.open.len() - 1
            }
        };
        self.open[i].push(line_no, line, h);
        Added::Kept
    }

    /// Closes the events of `h`'s node that are too old to get more records.
    fn age_out(&mut self, h: &Header<'_>) {
        let mut i = 0;
        while i < self.open.len() {
            let o = &self.open[i];
            if o.node.as_deref() == h.node && o.id.secs.saturating_add(MAX_AGE_SECS) < h.id.secs {
                let ev = self.open.remove(i).expect("in range");
                self.ready.push_back(ev);
            } else {
                i += 1;
            }
        }
    }

    /// Closes every open event (at the end of the stream).
    pub fn finish(&mut self) {
        self.ready.extend(self.open.drain(..));
    }

    /// The next closed event.
    pub fn pop_ready(&mut self) -> Option<Open> {
        self.ready.pop_front()
    }

    /// Gives back a closed event's buffers for reuse.
    pub fn recycle(&mut self, ev: Open) {
        if self.free.len() < MAX_OPEN && ev.buf.capacity() <= 1 << 20 {
            self.free.push(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::auditd::record::header;

    fn feed(g: &mut Grouper, lines: &[&str]) -> Vec<Added> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| g.add(i as u64 + 1, l.as_bytes(), &header(l.as_bytes()).unwrap()))
            .collect()
    }

    fn closed(g: &mut Grouper) -> Vec<(u64, Vec<u64>)> {
        let mut out = Vec::new();
        while let Some(ev) = g.pop_ready() {
            out.push((ev.id.serial, ev.recs().map(|r| r.line).collect()));
            g.recycle(ev);
        }
        out
    }

    #[test]
    fn interleaved_events_close_at_their_eoe() {
        let mut g = Grouper::default();
        feed(
            &mut g,
            &[
                "type=SYSCALL msg=audit(10.000:1): a",
                "type=SYSCALL msg=audit(10.000:2): b",
                "type=EXECVE msg=audit(10.000:1): c",
                "type=EOE msg=audit(10.000:2): ",
                "type=EOE msg=audit(10.000:1): ",
            ],
        );
        assert_eq!(closed(&mut g), [(2, vec![2]), (1, vec![1, 3])]);
    }

    #[test]
    fn nodes_keep_events_apart_and_old_events_age_out() {
        let mut g = Grouper::default();
        feed(
            &mut g,
            &[
                "node=a type=SYSCALL msg=audit(10.000:1): x",
                "node=b type=SYSCALL msg=audit(10.000:1): x",
                "node=a type=SYSCALL msg=audit(16.000:2): x",
            ],
        );
        assert_eq!(closed(&mut g), [(1, vec![1])], "node a's event 1 is older than 5 s of node a");
        g.finish();
        assert_eq!(closed(&mut g), [(1, vec![2]), (2, vec![3])]);
    }

    #[test]
    fn too_many_open_events_close_the_oldest_and_a_lone_eoe_is_reported() {
        let mut g = Grouper::default();
        let lines: Vec<String> = (0..=MAX_OPEN).map(|i| format!("type=SYSCALL msg=audit(10.000:{i}): x")).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        feed(&mut g, &refs);
        assert_eq!(closed(&mut g), [(0, vec![1])]);
        assert_eq!(feed(&mut g, &["type=EOE msg=audit(10.000:0): "]), [Added::LoneEoe]);
    }
}
