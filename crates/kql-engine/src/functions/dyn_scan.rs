//! A byte-level scan of JSON text for [`dyn_path`](super::dyn_path) in the
//! common case: the value of one key of an object, or one element of an
//! array, found while the whole text is checked to be JSON.
//!
//! It answers only for plain text — a top-level object or array, strings
//! whose escapes are one of `\" \\ \/ \b \f \n \r \t`, keys without any
//! escape, nesting at most [`MAX_DEPTH`] deep — and says it cannot tell
//! (`None`) for anything else, valid or not; the caller then asks
//! serde_json, whose answer is the definition. Within that subset it accepts
//! exactly what serde_json accepts: JSON's grammar, no control character in
//! a string, no trailing comma, only whitespace after the value.

/// Nesting past this is left to serde_json.
const MAX_DEPTH: u32 = 100;

/// What one step found: `Some(found)` when the text is plain (`found` is the
/// value's text, `None` when the key or element is not there or the text
/// is not the kind of container asked for), `None` when the scan cannot
/// tell.
pub type Found<'a> = Option<Option<&'a str>>;

/// The text of the value of `key` in the object `text` (the last of
/// duplicate keys).
pub fn key<'a>(text: &'a str, key: &str) -> Found<'a> {
    find(text, Want::Key(key.as_bytes()))
}

/// The text of element `n` of the array `text`.
pub fn element(text: &str, n: usize) -> Found<'_> {
    find(text, Want::Element(n))
}

/// What a step looks for.
#[derive(Clone, Copy)]
enum Want<'k> {
    Key(&'k [u8]),
    Element(usize),
}

/// The value `want` names in the object or array `text`; any other
/// container holds none, a scalar is left to serde_json.
fn find<'a>(text: &'a str, want: Want) -> Found<'a> {
    let mut s = Scan { b: text.as_bytes(), i: 0 };
    s.ws();
    let mut found = None;
    match s.peek()? {
        b'{' => s.object(0, |name, span| {
            if matches!(want, Want::Key(k) if k == name) {
                found = Some(span);
            }
        })?,
        b'[' => s.array(0, |k, span| {
            if matches!(want, Want::Element(n) if n == k) {
                found = Some(span);
            }
        })?,
        _ => return None,
    }
    s.end()?;
    Some(found.and_then(|(a, b)| text.get(a..b)))
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Only whitespace left.
    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// An object at `i`; `each(key, value span)` per member, in order.
    /// Keys with escapes are left to serde_json.
    fn object(&mut self, depth: u32, mut each: impl FnMut(&[u8], (usize, usize))) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let start = self.i + 1;
            if self.string()? {
                return None;
            }
            let name = self.b.get(start..self.i - 1)?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            let at = self.i;
            self.value(depth + 1)?;
            each(name, (at, self.i));
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    /// After a member or element: `Some(true)` past a comma (another
    /// follows), `Some(false)` past `close`, `None` at anything else.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => {
                self.ws();
                Some(true)
            }
            c if c == close => Some(false),
            _ => None,
        }
    }

    /// An array at `i`; `each(index, element span)` per element.
    fn array(&mut self, depth: u32, mut each: impl FnMut(usize, (usize, usize))) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        let mut k = 0;
        loop {
            let at = self.i;
            self.value(depth + 1)?;
            each(k, (at, self.i));
            k += 1;
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    fn value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(depth, |_, _| {}),
            b'[' => self.array(depth, |_, _| {}),
            b'"' => self.string().map(|_| ()),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        let end = self.i.checked_add(w.len())?;
        (self.b.get(self.i..end)? == w).then(|| self.i = end)
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - from
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// A string at `i`, left after its closing quote; whether it held an
    /// escape. A `\u` escape is left to serde_json.
    fn string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            let rest = self.b.get(self.i..)?;
            let k = memchr::memchr2(b'"', b'\\', rest)?;
            // A control character before it: not JSON, for serde_json to say.
            if rest.get(..k)?.iter().fold(false, |bad, &c| bad | (c < 0x20)) {
                return None;
            }
            self.i += k;
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    match self.b.get(self.i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }
}
