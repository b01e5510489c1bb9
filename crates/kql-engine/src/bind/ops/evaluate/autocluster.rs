//! `evaluate autocluster([SizeWeight, WeightColumn, NumSeeds,
//! CustomWildcard, ...])` (autocluster-plugin.md): a few patterns of the
//! input's columns (a value for some, a wildcard for the others) by a
//! seed-and-expand search. The page gives the search's shape, not its
//! every step; this one is exact and deterministic:
//!
//! - a pattern's score is the weighted geometric mean of its coverage (the
//!   weight of its rows over all rows) and its share of columns set, with
//!   weights `SizeWeight` (default 0.5) and `1 - SizeWeight`;
//! - the seeds are the `NumSeeds` (default 25) commonest distinct rows,
//!   each a pattern with all its non-null values set;
//! - from a seed, the column whose wildcard raises the score most is
//!   wildcarded, while that raises the score;
//! - the patterns reached, best score first, are given unless one given
//!   before sets a subset or a superset of its values.
//!
//! Columns: `SegmentId`, `Count`, `Percent`, then the input's columns
//! with the wildcard of their type. The search looks at each row once per
//! seed and step; past [`MAX_WORK`] row steps the query is refused.

use std::collections::HashMap;

use kql_syntax::Span;
use kql_syntax::ast::Arg;

use super::itemsets::{Items, Pattern, is_default, within};
use crate::bind::{BResult, Binder, Tab};
use crate::error;

/// At most this many row steps over all seeds.
const MAX_WORK: usize = 200_000_000;
/// At most this many seeds.
const MAX_SEEDS: i64 = 1_000;

impl Binder<'_> {
    pub(super) fn autocluster(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        let args = self.positional(args, "autocluster")?;
        let size_weight = match args.first() {
            Some(e) if !is_default(e) => self.plugin_real(e, "the size weight")?,
            _ => 0.5,
        };
        if !(0.0..=1.0).contains(&size_weight) {
            let at = args.first().map(|e| e.span).unwrap_or(call);
            return Err(self.error(error::BAD_ARGUMENTS, at, "the size weight of `autocluster` is from 0 to 1"));
        }
        let seeds = match args.get(2) {
            Some(e) if !is_default(e) => self.plugin_long(e, "the number of seeds")?,
            _ => 25,
        };
        if !(1..=MAX_SEEDS).contains(&seeds) {
            let at = args.get(2).map(|e| e.span).unwrap_or(call);
            return Err(self.error(
                error::BAD_ARGUMENTS,
                at,
                format!("the number of seeds of `autocluster` is from 1 to {MAX_SEEDS}"),
            ));
        }
        let wildcards = self.wildcards(args.get(3..).unwrap_or_default())?;
        let items = self.items("autocluster", input, args.get(1).copied(), None, span)?;
        let found = match search(&items, size_weight, usize::try_from(seeds).unwrap_or(1)) {
            Ok(f) => f,
            Err(m) => return Err(self.error(error::BAD_ARGUMENTS, call, m)),
        };
        self.patterns_table(&items, found, &wildcards, span)
    }
}

struct Search<'a> {
    items: &'a Items,
    size_weight: f64,
    work: usize,
}

impl Search<'_> {
    fn score(&self, weight: i64, set: usize) -> f64 {
        let n = self.items.cols.len().max(1) as f64;
        let total = self.items.total.max(1) as f64;
        if set == 0 || weight <= 0 {
            return 0.0;
        }
        (weight as f64 / total).powf(self.size_weight) * (set as f64 / n).powf(1.0 - self.size_weight)
    }

    /// The weight of the rows `p` matches, and per set column the weight
    /// of the rows `p` with that column wildcarded matches.
    fn coverage(&mut self, p: &Pattern) -> Result<(i64, Vec<i64>), String> {
        self.work = self.work.saturating_add(self.items.rows.len().saturating_mul(p.len().max(1)));
        if self.work > MAX_WORK {
            return Err(format!(
                "`autocluster` would take more than {MAX_WORK} steps; lower NumSeeds or narrow its input"
            ));
        }
        let mut all = 0i64;
        let mut without = vec![0i64; p.len()];
        for (row, w) in self.items.rows.iter().zip(&self.items.weights) {
            let mut miss = None;
            let mut misses = 0;
            for (c, want) in p.iter().enumerate() {
                if let Some(v) = want
                    && row.get(c).copied().flatten() != Some(*v)
                {
                    misses += 1;
                    miss = Some(c);
                    if misses > 1 {
                        break;
                    }
                }
            }
            match (misses, miss) {
                (0, _) => {
                    all = all.saturating_add(*w);
                    for x in without.iter_mut() {
                        *x = x.saturating_add(*w);
                    }
                }
                (1, Some(c)) => {
                    if let Some(x) = without.get_mut(c) {
                        *x = x.saturating_add(*w);
                    }
                }
                _ => {}
            }
        }
        Ok((all, without))
    }
}

/// The patterns, best first, with their weights.
fn search(items: &Items, size_weight: f64, seeds: usize) -> Result<Vec<(Pattern, i64)>, String> {
    // The distinct rows with their weight, in the order they first appear.
    let mut distinct: HashMap<&Pattern, (i64, usize)> = HashMap::new();
    for (i, (row, w)) in items.rows.iter().zip(&items.weights).enumerate() {
        let e = distinct.entry(row).or_insert((0, i));
        e.0 = e.0.saturating_add(*w);
    }
    let mut starts: Vec<(&Pattern, i64, usize)> = distinct.into_iter().map(|(p, (w, i))| (p, w, i)).collect();
    starts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut s = Search { items, size_weight, work: 0 };
    let mut reached: Vec<(Pattern, i64, f64)> = Vec::new();
    for (seed, _, _) in starts.into_iter().take(seeds) {
        let mut p: Pattern = seed.clone();
        let (mut weight, mut without) = s.coverage(&p)?;
        let mut score = s.score(weight, p.iter().flatten().count());
        loop {
            let set = p.iter().flatten().count();
            let best = p
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_some())
                .filter_map(|(c, _)| without.get(c).map(|w| (c, *w, s.score(*w, set.saturating_sub(1)))))
                .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)));
            match best {
                Some((c, _, sc)) if sc > score => {
                    if let Some(slot) = p.get_mut(c) {
                        *slot = None;
                    }
                    (weight, without) = s.coverage(&p)?;
                    score = sc;
                }
                _ => break,
            }
        }
        if score > 0.0 && !reached.iter().any(|(q, _, _)| *q == p) {
            reached.push((p, weight, score));
        }
    }
    reached.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let mut out: Vec<(Pattern, i64)> = Vec::new();
    for (p, w, _) in reached {
        if out.iter().any(|(q, _)| within(q, &p) || within(&p, q)) {
            continue;
        }
        out.push((p, w));
    }
    Ok(out)
}
