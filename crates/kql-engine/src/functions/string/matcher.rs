//! Matching a set of constant needles against strings the way Kusto's
//! string operators do: `has` (whole terms), `hasprefix`/`hassuffix`,
//! `contains`, `startswith`, `endswith`, case-insensitive or not.
//!
//! A *term* is a maximal run of alphanumeric characters. A needle matches
//! with `has` where it occurs bounded by term edges: if it begins with an
//! alphanumeric character the text before it must not be one, and likewise
//! at its end. So a needle with punctuation (`"get secrets"`,
//! `"/var/run/docker.sock"`, `"-v /:/host"`) matches as a sequence of terms.
//!
//! All needles of one operator go into one Aho–Corasick automaton, so
//! `has_any` with a long list is one pass over each string. A list of
//! longer needles is first looked for, leftmost occurrence only, by a
//! case-sensitive automaton over the case-folded string (lowered on the
//! stack when ASCII), which can use vectorised searches: most strings hold
//! none of them. The automata are
//! built once per matcher, when the first string is matched: a query
//! only planned (bound to learn its shape) builds none. A long list of
//! whole terms for `has` (hashes, names: [`TERM_SET`] or more) is a set
//! instead, each term of a string looked up in it: the automaton's build
//! grows with the square of the number of needles (0.7 s for 20,000 terms
//! in a release build).

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::fold::fold;

/// Where a needle must sit in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchMode {
    /// A whole term (or term sequence): `has`.
    Term,
    /// The start of a term: `hasprefix`.
    TermPrefix,
    /// The end of a term: `hassuffix`.
    TermSuffix,
    /// Anywhere: `contains`.
    Anywhere,
    /// At the start: `startswith`.
    Start,
    /// At the end: `endswith`.
    End,
}

#[derive(Debug, Clone)]
struct Needle {
    starts_alnum: bool,
    ends_alnum: bool,
}

/// A compiled set of needles.
#[derive(Debug)]
pub struct Matcher {
    mode: MatchMode,
    case_sensitive: bool,
    needles: Vec<Needle>,
    /// Needles as given (case-folded when case-insensitive).
    texts: Vec<String>,
    /// The automaton over the non-empty needles (searching ASCII text,
    /// folding ASCII case when case-insensitive), built on first use. With
    /// one needle it finds leftmost occurrences, one at a time; with more,
    /// every occurrence of every needle.
    automaton: OnceLock<AhoCorasick>,
    /// With more than one needle, all at least [`LONG_NEEDLE`] bytes long,
    /// an automaton finding only the leftmost occurrence, built on first
    /// use: most texts hold none of such needles, which it tells fastest,
    /// and every other occurrence starts at or after it. Shorter needles
    /// occur in most texts, where it would only add a search.
    first: OnceLock<AhoCorasick>,
    /// Whether to search with `first` before the overlapping search.
    leftmost_first: bool,
    /// For each automaton pattern, the index of its needle (empty needles
    /// are not in the automaton, nor those in `terms`).
    ac_index: Vec<usize>,
    /// With `has` and many needles, the ones that are one whole term: their
    /// text (case-folded when case-insensitive) to their indexes.
    terms: HashMap<String, Vec<usize>>,
    /// How many needles are in `terms`.
    in_terms: usize,
    /// How many needles are empty.
    empty: usize,
}

/// From this many whole-term needles on, `has` looks the terms of a string
/// up in a set rather than run an automaton over it.
pub const TERM_SET: usize = 100;

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Needles at least this long (in bytes) are rare enough in text that
/// looking for the leftmost one first pays.
const LONG_NEEDLE: usize = 4;

/// Texts up to this long are case-folded on the stack.
const SHORT: usize = 512;

/// Calls `f` with `hay` case-folded: `hay` itself when folding changes
/// nothing, an ASCII text's capitals lowered in a buffer on the stack when it
/// is short, else [`fold`]'s copy.
fn with_folded<R>(hay: &str, f: impl FnOnce(&str) -> R) -> R {
    let bytes = hay.as_bytes();
    if hay.is_ascii() {
        if !bytes.iter().any(u8::is_ascii_uppercase) {
            return f(hay);
        }
        let mut buf = [0u8; SHORT];
        if let Some(out) = buf.get_mut(..bytes.len()) {
            out.copy_from_slice(bytes);
            out.make_ascii_lowercase();
            // Lowered ASCII is still UTF-8.
            if let Ok(lowered) = std::str::from_utf8(out) {
                return f(lowered);
            }
        }
    }
    f(&fold(hay))
}

impl Matcher {
    /// Compiles `needles` for `mode`.
    pub fn new(needles: &[String], mode: MatchMode, case_sensitive: bool) -> Matcher {
        let texts: Vec<String> =
            needles.iter().map(|n| if case_sensitive { n.clone() } else { fold(n).into_owned() }).collect();
        let meta = texts
            .iter()
            .map(|t| Needle {
                starts_alnum: t.chars().next().is_some_and(is_term_char),
                ends_alnum: t.chars().next_back().is_some_and(is_term_char),
            })
            .collect();
        let whole_term = |t: &String| !t.is_empty() && t.chars().all(is_term_char);
        let mut terms: HashMap<String, Vec<usize>> = HashMap::new();
        if mode == MatchMode::Term && texts.iter().filter(|t| whole_term(t)).count() >= TERM_SET {
            for (i, t) in texts.iter().enumerate().filter(|(_, t)| whole_term(t)) {
                terms.entry(t.clone()).or_default().push(i);
            }
        }
        let in_terms = terms.values().map(Vec::len).sum();
        let in_set = |t: &String| in_terms > 0 && whole_term(t);
        let ac_index: Vec<usize> = (0..texts.len()).filter(|&i| !texts[i].is_empty() && !in_set(&texts[i])).collect();
        let empty = texts.iter().filter(|t| t.is_empty()).count();
        let leftmost_first = ac_index.len() > 1 && ac_index.iter().all(|&i| texts[i].len() >= LONG_NEEDLE);
        Matcher {
            mode,
            case_sensitive,
            needles: meta,
            texts,
            automaton: OnceLock::new(),
            first: OnceLock::new(),
            leftmost_first,
            ac_index,
            terms,
            in_terms,
            empty,
        }
    }

    /// The automaton, built by the first call.
    fn automaton(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| {
            let kind = if self.ac_index.len() == 1 { MatchKind::LeftmostFirst } else { MatchKind::Standard };
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(!self.case_sensitive)
                .match_kind(kind)
                .build(self.ac_index.iter().map(|&i| &self.texts[i]))
                .expect("needles are plain strings")
        })
    }

    /// The leftmost-occurrence automaton, built by the first call. It is
    /// case-sensitive, run over the case-folded text (the needles are
    /// folded), as only then can it use the vectorised searches.
    fn first(&self) -> &AhoCorasick {
        self.first.get_or_init(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(self.ac_index.iter().map(|&i| &self.texts[i]))
                .expect("needles are plain strings")
        })
    }

    /// Whether any needle matches `hay`.
    pub fn any(&self, hay: &str) -> bool {
        match self.mode {
            // Anchored modes compare in place rather than scan.
            MatchMode::Start => return self.texts.iter().any(|n| self.at_start(hay, n)),
            MatchMode::End => return self.texts.iter().any(|n| self.at_end(hay, n)),
            _ => {}
        }
        if self.empty > 0 && self.empty_matches(hay) {
            return true;
        }
        self.look_up_terms(hay, |_| true) || self.search(hay, |_| true)
    }

    fn at_start(&self, hay: &str, n: &str) -> bool {
        if self.case_sensitive {
            hay.starts_with(n)
        } else if hay.is_ascii() {
            hay.len() >= n.len() && hay.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes())
        } else {
            fold(hay).starts_with(n)
        }
    }

    fn at_end(&self, hay: &str, n: &str) -> bool {
        if self.case_sensitive {
            hay.ends_with(n)
        } else if hay.is_ascii() {
            hay.len() >= n.len() && hay.as_bytes()[hay.len() - n.len()..].eq_ignore_ascii_case(n.as_bytes())
        } else {
            fold(hay).ends_with(n)
        }
    }

    /// Whether every needle matches `hay`.
    pub fn all(&self, hay: &str) -> bool {
        // Empty needles match per `empty_matches`, all or none.
        if self.empty > 0 && !self.empty_matches(hay) {
            return false;
        }
        let mut missing = self.ac_index.len() + self.in_terms;
        if missing == 0 {
            return true;
        }
        // The needles seen so far; most strings match few of them.
        let mut seen = std::collections::HashSet::new();
        let mut see = |i| {
            if seen.insert(i) {
                missing -= 1;
            }
            missing == 0
        };
        self.look_up_terms(hay, &mut see) || self.search(hay, &mut see)
    }

    /// Looks each term of `hay` up among the whole-term needles;
    /// `on_match(needle index)` returns true to stop.
    fn look_up_terms(&self, hay: &str, mut on_match: impl FnMut(usize) -> bool) -> bool {
        if self.terms.is_empty() {
            return false;
        }
        // Terms are found in the folded text, as the automaton finds them.
        let text = if self.case_sensitive { std::borrow::Cow::Borrowed(hay) } else { fold(hay) };
        for term in text.split(|c: char| !is_term_char(c)).filter(|t| !t.is_empty()) {
            for &i in self.terms.get(term).into_iter().flatten() {
                if on_match(i) {
                    return true;
                }
            }
        }
        false
    }

    fn empty_matches(&self, hay: &str) -> bool {
        match self.mode {
            // An empty term occurs nowhere; an empty substring everywhere.
            MatchMode::Term | MatchMode::TermPrefix | MatchMode::TermSuffix => false,
            _ => {
                let _ = hay;
                true
            }
        }
    }

    /// Runs the automaton; `on_match(needle index)` returns true to stop.
    fn search(&self, hay: &str, on_match: impl FnMut(usize) -> bool) -> bool {
        if self.ac_index.is_empty() {
            return false;
        }
        // Ignoring case, the automaton folds ASCII case itself; other text,
        // and all text for the case-sensitive `first`, is folded. Offsets
        // then refer to the folded text, which is what the edge checks read.
        if self.case_sensitive || (hay.is_ascii() && !self.leftmost_first) {
            self.search_in(hay, on_match)
        } else {
            with_folded(hay, |t| self.search_in(t, on_match))
        }
    }

    fn search_in(&self, text: &str, mut on_match: impl FnMut(usize) -> bool) -> bool {
        if self.ac_index.len() == 1 {
            // One needle: the fast leftmost search, restarted one byte on
            // after an occurrence that fails the edge checks.
            let i = self.ac_index[0];
            let mut at = 0;
            while at <= text.len() {
                let Some(m) = self.automaton().find(aho_corasick::Input::new(text).range(at..)) else { return false };
                if self.edges_ok(text, m.start(), m.end(), &self.needles[i]) && on_match(i) {
                    return true;
                }
                at = m.start() + 1;
                while at < text.len() && !text.is_char_boundary(at) {
                    at += 1;
                }
            }
            return false;
        }
        let mut from = aho_corasick::Input::new(text);
        if self.leftmost_first {
            let Some(leftmost) = self.first().find(text) else { return false };
            from = from.range(leftmost.start()..);
        }
        for m in self.automaton().find_overlapping_iter(from) {
            let i = self.ac_index[m.pattern().as_usize()];
            if self.edges_ok(text, m.start(), m.end(), &self.needles[i]) && on_match(i) {
                return true;
            }
        }
        false
    }

    fn edges_ok(&self, text: &str, start: usize, end: usize, n: &Needle) -> bool {
        let left_edge = || !n.starts_alnum || text[..start].chars().next_back().is_none_or(|c| !is_term_char(c));
        let right_edge = || !n.ends_alnum || text[end..].chars().next().is_none_or(|c| !is_term_char(c));
        match self.mode {
            MatchMode::Term => left_edge() && right_edge(),
            MatchMode::TermPrefix => left_edge(),
            MatchMode::TermSuffix => right_edge(),
            MatchMode::Anywhere => true,
            MatchMode::Start => start == 0,
            MatchMode::End => end == text.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(needles: &[&str], mode: MatchMode) -> Matcher {
        let v: Vec<String> = needles.iter().map(|s| s.to_string()).collect();
        Matcher::new(&v, mode, false)
    }

    #[test]
    fn has_matches_whole_terms_only() {
        let has = m(&["exec"], MatchMode::Term);
        assert!(has.any("kubectl exec -it pod"));
        assert!(has.any("EXEC"));
        assert!(has.any("a/exec/b"));
        assert!(!has.any("kubectl execute"));
        assert!(!has.any("docker-exec1"));
        assert!(has.any("docker-exec"));
        assert!(!has.any(""));
    }

    #[test]
    fn has_with_punctuation_matches_a_term_sequence() {
        let has = m(&["get secrets"], MatchMode::Term);
        assert!(has.any("kubectl get secrets -A"));
        assert!(!has.any("kubectl get secretsx"));
        assert!(!has.any("kubectl forget secrets"));
        let sock = m(&["/var/run/docker.sock"], MatchMode::Term);
        assert!(sock.any("curl --unix-socket /var/run/docker.sock http://x"));
        assert!(!sock.any("/var/run/docker.socket"));
        let flag = m(&["-v /:/host"], MatchMode::Term);
        assert!(flag.any("docker run -v /:/host alpine"));
        assert!(!flag.any("docker run -v /:/hostile alpine"));
    }

    #[test]
    fn overlapping_candidates_are_all_tried() {
        // The first occurrence fails the edge check; a later one passes.
        let has = m(&["sa"], MatchMode::Term);
        assert!(has.any("salsa get sa x"));
        assert!(!has.any("salsa"));
    }

    #[test]
    fn capitals_long_texts_and_occurrences_after_the_leftmost() {
        // The leftmost occurrence ("SA" in "SALSA") fails the edge checks; a
        // later one of another needle passes.
        let many = m(&["sa", "get secrets", "exec"], MatchMode::Term);
        assert!(many.any("SALSA GET SECRETS"));
        assert!(many.any("salsa Exec"));
        assert!(!many.any("SALSA FORGET SECRETSX EXECUTE"));
        assert!(many.all("Sa, get Secrets and EXEC"));
        // Longer than the stack buffer for folding.
        let long = format!("{} KUBECTL EXEC -IT", "Xy".repeat(400));
        assert!(m(&["kubectl exec"], MatchMode::Term).any(&long));
        assert!(m(&["-it", "nope"], MatchMode::Term).any(&long));
        assert!(!m(&["xyx", "nope"], MatchMode::Term).any(&long));
        assert!(m(&["xyx", "nope"], MatchMode::Anywhere).any(&long));
    }

    #[test]
    fn has_any_and_has_all() {
        let many = m(&["docker exec", "kubectl exec", "crictl exec"], MatchMode::Term);
        assert!(many.any("sudo kubectl exec -it p -- sh"));
        assert!(!many.any("kubectl execs"));
        let all = m(&["get", "secrets"], MatchMode::Term);
        assert!(all.all("kubectl get secrets"));
        assert!(!all.all("kubectl get pods"));
    }

    #[test]
    fn empty_and_repeated_needles() {
        let all = m(&["get", "", "get"], MatchMode::Term);
        assert!(!all.all("kubectl get pods"), "an empty term occurs nowhere");
        let all = m(&["get", "", "get"], MatchMode::Anywhere);
        assert!(all.all("kubectl get pods"));
        assert!(!all.all("kubectl pods"));
        assert!(m(&["", "zz"], MatchMode::Anywhere).any("abc"));
        assert!(!m(&["", "zz"], MatchMode::Term).any("abc"));
        assert!(m(&[], MatchMode::Term).all("abc"));
        assert!(!m(&[], MatchMode::Term).any("abc"));
    }

    #[test]
    fn the_automaton_is_built_once_when_first_needed() {
        let many = m(&["docker exec", "kubectl exec"], MatchMode::Term);
        assert!(many.automaton.get().is_none());
        assert!(many.any("kubectl exec -it"));
        let built: *const AhoCorasick = many.automaton.get().expect("built");
        assert!(!many.any("kubectl get"));
        assert!(std::ptr::eq(built, many.automaton()));
        // Anchored modes compare in place and build none.
        let start = m(&["kube", "dock"], MatchMode::Start);
        assert!(start.any("kubectl"));
        assert!(start.automaton.get().is_none());
    }

    #[test]
    fn many_whole_terms_are_looked_up_as_the_automaton_would_find_them() {
        // Enough terms for the set, among needles that are not terms.
        let mut needles: Vec<String> = (0..TERM_SET).map(|i| format!("W{i}")).collect();
        needles.extend(["get secrets", "-v /:/host", "", "Kelvin", "ärger", "w7"].map(String::from));
        for case_sensitive in [false, true] {
            let set = Matcher::new(&needles, MatchMode::Term, case_sensitive);
            assert!(!set.terms.is_empty());
            // The same needles, each in an automaton of its own.
            let each: Vec<Matcher> = needles
                .iter()
                .map(|n| Matcher::new(std::slice::from_ref(n), MatchMode::Term, case_sensitive))
                .collect();
            for hay in [
                "a w7 b",
                "a W7 b",
                "aw7 b",
                "w77",
                "w99,w0",
                "kubectl get secrets",
                "\u{212a}elvin was here",
                "viel ÄRGER",
                "ärgerlich",
                "W42ä",
                "",
            ] {
                let any = each.iter().any(|m| m.any(hay));
                assert_eq!(set.any(hay), any, "{hay:?} case-sensitive {case_sensitive}");
            }
        }
        let few = m(&["a1", "b2", "c3"], MatchMode::Term);
        assert!(few.terms.is_empty(), "a few needles stay in the automaton");
        let all: Vec<String> = (0..TERM_SET).map(|i| format!("t{i}")).collect();
        let all = Matcher::new(&all, MatchMode::Term, false);
        let text: Vec<String> = (0..TERM_SET).rev().map(|i| format!("T{i}")).collect();
        assert!(all.all(&text.join(" ")));
        assert!(!all.all(&text[1..].join(" ")));
    }

    #[test]
    fn prefix_suffix_and_positions() {
        assert!(m(&["kube"], MatchMode::TermPrefix).any("run kubectl"));
        assert!(!m(&["ube"], MatchMode::TermPrefix).any("run kubectl"));
        assert!(m(&["ctl"], MatchMode::TermSuffix).any("kubectl get"));
        assert!(m(&["UBEC"], MatchMode::Anywhere).any("kubectl"));
        assert!(m(&["KUBE"], MatchMode::Start).any("kubectl"));
        assert!(!m(&["ctl"], MatchMode::Start).any("kubectl"));
        assert!(m(&["CTL"], MatchMode::End).any("kubectl"));
    }

    #[test]
    fn case_sensitivity_and_non_ascii() {
        let cs = Matcher::new(&["Exec".to_string()], MatchMode::Term, true);
        assert!(cs.any("do Exec now"));
        assert!(!cs.any("do exec now"));
        assert!(m(&["ärger"], MatchMode::Term).any("viel ÄRGER hier"));
        assert!(m(&["straße"], MatchMode::Anywhere).any("HAUPTSTRASSE or straße"));
    }
}
