//! `evaluate basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard,
//! ...])` (basket-plugin.md): the frequent patterns of the input's columns,
//! a pattern being a value for some columns and a wildcard for the others,
//! frequent when the rows it matches weigh at least `Threshold` (0.015 to
//! 1, default 0.05) of all rows, with at most `MaxDimensions` (default 5)
//! columns set. As the page's output shows, a pattern is given only when
//! no pattern with one more column set matches the same rows (a value
//! that always comes with another adds nothing). Found exactly (the
//! frequent itemsets of Apriori, by intersecting row lists), not by
//! sampling; at most [`MAX_PATTERNS`] patterns and [`MAX_WORK`] row steps,
//! past which the query is refused. Ordered by count, larger first, then
//! by more columns set.

use kql_syntax::Span;
use kql_syntax::ast::Arg;

use super::itemsets::{Items, Pattern, intersect, is_default};
use crate::bind::{BResult, Binder, Tab};
use crate::error;

/// At most this many frequent patterns.
const MAX_PATTERNS: usize = 100_000;
/// At most this many row steps intersecting row lists.
const MAX_WORK: usize = 200_000_000;

/// A (column, value id) of a pattern.
type Item = (usize, u32);

/// A frequent pattern: its (column, value) items and its rows.
pub(super) struct Found {
    pub items: Vec<Item>,
    pub rows: Vec<u32>,
}

impl Binder<'_> {
    pub(super) fn basket(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        let args = self.positional(args, "basket")?;
        let threshold = match args.first() {
            Some(e) if !is_default(e) => self.plugin_real(e, "the threshold")?,
            _ => 0.05,
        };
        if !(0.015..=1.0).contains(&threshold) {
            let at = args.first().map(|e| e.span).unwrap_or(call);
            return Err(self.error(error::BAD_ARGUMENTS, at, "the threshold of `basket` is from 0.015 to 1"));
        }
        let max_dims = match args.get(2) {
            Some(e) if !is_default(e) => self.plugin_long(e, "the maximal number of dimensions")?,
            _ => 5,
        };
        let max_dims = match usize::try_from(max_dims) {
            Ok(m) if m >= 1 => m,
            _ => {
                let at = args.get(2).map(|e| e.span).unwrap_or(call);
                return Err(self.error(error::BAD_ARGUMENTS, at, "the maximal number of dimensions is 1 or more"));
            }
        };
        let wildcards = self.wildcards(args.get(3..).unwrap_or_default())?;
        let items = self.items("basket", input, args.get(1).copied(), None, span)?;
        let min = threshold * items.total as f64;
        let found = match frequent(&items, max_dims, &|rows: &[u32]| items.weight(rows) as f64 >= min, "basket") {
            Ok(f) => f,
            Err(m) => return Err(self.error(error::BAD_ARGUMENTS, call, m)),
        };
        self.check_deadline(call)?;
        let mut out: Vec<(Pattern, i64, usize)> = Vec::new();
        let mut work = 0usize;
        for f in &found {
            let is_closed = match closed(&items, f, &mut work) {
                Ok(c) => c,
                Err(m) => return Err(self.error(error::BAD_ARGUMENTS, call, m)),
            };
            if f.items.len() < max_dims && !is_closed {
                continue;
            }
            let p = f.pattern(items.cols.len());
            out.push((p, items.weight(&f.rows), f.items.len()));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then_with(|| a.0.cmp(&b.0)));
        let patterns = out.into_iter().map(|(p, c, _)| (p, c)).collect();
        self.patterns_table(&items, patterns, &wildcards, span)
    }
}

impl Found {
    /// The itemset as a pattern over `width` columns: its value where it
    /// names the column, `None` (any value) elsewhere.
    pub(super) fn pattern(&self, width: usize) -> Pattern {
        let mut p: Pattern = vec![None; width];
        for (c, v) in &self.items {
            if let Some(slot) = p.get_mut(*c) {
                *slot = Some(*v);
            }
        }
        p
    }
}

/// Every pattern of at most `max_dims` items whose rows pass `keep` (which
/// holds for a pattern's subsets when it holds for it), depth first over
/// the items that pass it in (column, value) order.
pub(super) fn frequent(
    items: &Items,
    max_dims: usize,
    keep: &dyn Fn(&[u32]) -> bool,
    plugin: &str,
) -> Result<Vec<Found>, String> {
    let lists = items.item_rows();
    let mut singles: Vec<(usize, u32, Vec<u32>)> = Vec::new();
    for (c, m) in lists.into_iter().enumerate() {
        let mut vals: Vec<(u32, Vec<u32>)> = m.into_iter().filter(|(_, r)| keep(r)).collect();
        vals.sort_by_key(|(v, _)| *v);
        singles.extend(vals.into_iter().map(|(v, r)| (c, v, r)));
    }
    let mut found = Vec::new();
    let mut work = 0usize;
    // (items, rows, the next single to try adding).
    let mut stack: Vec<(Vec<Item>, Vec<u32>, usize)> = Vec::new();
    for (i, (c, v, r)) in singles.iter().enumerate() {
        stack.push((vec![(*c, *v)], r.clone(), i.saturating_add(1)));
        while let Some((set, rows, from)) = stack.pop() {
            let last_col = set.last().map(|(c, _)| *c).unwrap_or(0);
            if set.len() < max_dims {
                for (j, (c2, v2, r2)) in singles.iter().enumerate().skip(from) {
                    if *c2 <= last_col {
                        continue;
                    }
                    work = work.saturating_add(rows.len()).saturating_add(r2.len());
                    if work > MAX_WORK {
                        return Err(format!(
                            "`{plugin}` would take more than {MAX_WORK} steps; raise the threshold or lower MaxDimensions"
                        ));
                    }
                    let both = intersect(&rows, r2);
                    if both.is_empty() || !keep(&both) {
                        continue;
                    }
                    let mut s2 = set.clone();
                    s2.push((*c2, *v2));
                    stack.push((s2, both, j.saturating_add(1)));
                }
            }
            found.push(Found { items: set, rows });
            if found.len() > MAX_PATTERNS {
                return Err(format!(
                    "`{plugin}` finds more than {MAX_PATTERNS} frequent patterns; raise the threshold or lower MaxDimensions"
                ));
            }
        }
    }
    Ok(found)
}

/// Whether no column outside the pattern has one value on all its rows
/// (which would make a pattern with one more column match the same rows).
pub(super) fn closed(items: &Items, f: &Found, work: &mut usize) -> Result<bool, String> {
    for c in 0..items.cols.len() {
        if f.items.iter().any(|(c2, _)| *c2 == c) {
            continue;
        }
        *work = work.saturating_add(f.rows.len());
        if *work > MAX_WORK {
            return Err(format!(
                "the search would take more than {MAX_WORK} steps; raise the threshold or lower MaxDimensions"
            ));
        }
        let mut vals = f.rows.iter().map(|r| items.rows.get(*r as usize).and_then(|row| row.get(c)).copied().flatten());
        let Some(Some(first)) = vals.next() else { continue };
        if vals.all(|v| v == Some(first)) {
            return Ok(false);
        }
    }
    Ok(true)
}
