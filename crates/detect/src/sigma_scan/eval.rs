//! Evaluating a [`ScanPlan`] over one batch of its scan, row by row: the
//! needles of each operand found in one pass of its automata (those of
//! equalities looked up by the whole value), the rules
//! whose requirement the row meets (and those without one) tested, each
//! shared leaf evaluated at most once per row, with SQL's three-valued
//! logic (a row matches when its condition is true, not null).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use foldhash::HashMap;
use kql_engine::EngineError;
use kql_engine::functions::string::fold::fold;

use super::plan::{LeafKind, Needle, Node, ScanPlan, Test, operand_column};

/// The needles of one operand: automata over those found anywhere in the
/// value (the case-insensitive ones folded, searched in the folded value;
/// and the case-sensitive ones), and tables of those found only as the
/// whole value (an equality's literal: looked up, not searched for).
struct OperandNeedles {
    operand: usize,
    uncased: Option<(AhoCorasick, Vec<usize>)>,
    cased: Option<(AhoCorasick, Vec<usize>)>,
    uncased_whole: HashMap<String, usize>,
    cased_whole: HashMap<String, usize>,
}

/// A plan ready to run: its automata built, and which rules need which
/// needle.
pub struct Scanner<'p> {
    plan: &'p ScanPlan,
    automata: Vec<OperandNeedles>,
    /// For each needle, the rules it lets in.
    needle_rules: Vec<Vec<usize>>,
    /// The rules without a requirement.
    always: Vec<usize>,
    /// Per-row scratch: stamps of needles found, rules to test, leaves
    /// evaluated (with their value).
    needle_seen: Vec<u32>,
    rule_seen: Vec<u32>,
    leaf_seen: Vec<u32>,
    leaf_value: Vec<Option<bool>>,
    stamp: u32,
    candidates: Vec<usize>,
}

fn automaton<'a>(texts: impl Iterator<Item = &'a str>, ascii_ci: bool) -> Result<AhoCorasick, EngineError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(ascii_ci)
        .match_kind(MatchKind::Standard)
        .build(texts)
        .map_err(|e| EngineError::Execution(format!("Sigma needles: {e}")))
}

/// A batch's text column, whatever its string type.
enum Text<'a> {
    View(&'a datafusion::arrow::array::StringViewArray),
    Small(&'a datafusion::arrow::array::StringArray),
    Large(&'a datafusion::arrow::array::LargeStringArray),
}

/// An operand's values: a column of the scan's `extend`, or a table's
/// text column read directly, its null read as "" as the engine reads
/// every nullable string column (`coalesce(col, "")`), without the copy.
struct Operand<'a> {
    text: Text<'a>,
    null_is_empty: bool,
}

impl Operand<'_> {
    fn get(&self, i: usize) -> Option<&str> {
        let v = match &self.text {
            Text::View(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::Small(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
        };
        if v.is_none() && self.null_is_empty { Some("") } else { v }
    }
}

/// Whether the engine reads a table column of type `dt` as KQL text (a
/// string column, null read as "").
pub fn is_table_text(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::Utf8View)
}

fn text_column(a: &ArrayRef) -> Option<Text<'_>> {
    match a.data_type() {
        DataType::Utf8View => a.as_string_view_opt().map(Text::View),
        DataType::Utf8 => a.as_string_opt::<i32>().map(Text::Small),
        DataType::LargeUtf8 => a.as_string_opt::<i64>().map(Text::Large),
        _ => None,
    }
}

impl<'p> Scanner<'p> {
    /// Builds the automata of `plan`.
    pub fn new(plan: &'p ScanPlan) -> Result<Scanner<'p>, EngineError> {
        let mut automata = Vec::new();
        for operand in 0..plan.operands.len() {
            let mut sides = [None, None];
            for (side, cased) in [(0, false), (1, true)] {
                let ids: Vec<usize> = (0..plan.needles.len())
                    .filter(|&i| {
                        let n = &plan.needles[i];
                        n.operand == operand && n.cased == cased && !n.whole
                    })
                    .collect();
                if !ids.is_empty() {
                    let ac = automaton(ids.iter().map(|&i| plan.needles[i].text.as_str()), !cased)?;
                    sides[side] = Some((ac, ids));
                }
            }
            let [uncased, cased] = sides;
            let whole = |cased: bool| -> HashMap<String, usize> {
                let is = |n: &Needle| n.operand == operand && n.cased == cased && n.whole;
                plan.needles.iter().enumerate().filter(|(_, n)| is(n)).map(|(i, n)| (n.text.clone(), i)).collect()
            };
            let (uncased_whole, cased_whole) = (whole(false), whole(true));
            if uncased.is_some() || cased.is_some() || !uncased_whole.is_empty() || !cased_whole.is_empty() {
                automata.push(OperandNeedles { operand, uncased, cased, uncased_whole, cased_whole });
            }
        }
        let mut needle_rules = vec![Vec::new(); plan.needles.len()];
        let mut always = Vec::new();
        for (r, rule) in plan.rules.iter().enumerate() {
            match &rule.needles {
                None => always.push(r),
                Some(ids) => {
                    for &n in ids {
                        if let Some(v) = needle_rules.get_mut(n) {
                            v.push(r);
                        }
                    }
                }
            }
        }
        Ok(Scanner {
            plan,
            automata,
            needle_rules,
            always,
            needle_seen: vec![0; plan.needles.len()],
            rule_seen: vec![0; plan.rules.len()],
            leaf_seen: vec![0; plan.leaves.len()],
            leaf_value: vec![None; plan.leaves.len()],
            stamp: 0,
            candidates: Vec::new(),
        })
    }

    /// Calls `hit(rules, row)` for every row of `base` some rule matches,
    /// rows in order, with the rules it matches in plan order. `added` has
    /// the scan's computed columns for the same rows (it may be `base`
    /// itself); an operand it lacks that names a text column of `base` is
    /// read from `base` directly.
    pub fn scan(
        &mut self,
        base: &RecordBatch,
        added: &RecordBatch,
        mut hit: impl FnMut(&[usize], usize),
    ) -> Result<(), EngineError> {
        if added.num_rows() != base.num_rows() {
            return Err(EngineError::Execution(format!(
                "the Sigma scan computed {} rows for {}",
                added.num_rows(),
                base.num_rows()
            )));
        }
        let schema = added.schema();
        let column = |name: &str| {
            schema
                .index_of(name)
                .map(|i| added.column(i))
                .map_err(|_| EngineError::Execution(format!("the Sigma scan has no column {name}")))
        };
        let base_schema = base.schema();
        let mut operands = Vec::with_capacity(self.plan.operands.len());
        for (i, expr) in self.plan.operands.iter().enumerate() {
            let name = operand_column(i);
            let direct = match schema.index_of(&name) {
                Ok(_) => None,
                Err(_) => base_schema.index_of(expr).ok().filter(|&j| is_table_text(base_schema.field(j).data_type())),
            };
            let (c, null_is_empty) = match direct {
                Some(j) => (base.column(j), true),
                None => (column(&name)?, false),
            };
            let t = text_column(c)
                .ok_or_else(|| EngineError::Execution(format!("Sigma: `{expr}` is not text ({})", c.data_type())))?;
            operands.push(Operand { text: t, null_is_empty });
        }
        let mut bools: Vec<Option<&BooleanArray>> = Vec::with_capacity(self.plan.leaves.len());
        for leaf in &self.plan.leaves {
            bools.push(match &leaf.kind {
                LeafKind::Engine(name) => {
                    let c = column(name)?;
                    Some(c.as_boolean_opt().ok_or_else(|| {
                        EngineError::Execution(format!("Sigma: the test in {name} is not boolean ({})", c.data_type()))
                    })?)
                }
                LeafKind::Native { .. } => None,
            });
        }
        let mut folded = String::new();
        let mut lower = String::new();
        let mut matched = Vec::new();
        for row in 0..base.num_rows() {
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.needle_seen.fill(0);
                self.rule_seen.fill(0);
                self.leaf_seen.fill(0);
                self.stamp = 1;
            }
            let stamp = self.stamp;
            self.candidates.clear();
            self.candidates.extend_from_slice(&self.always);
            for a in &self.automata {
                // No needle is empty: an empty value holds none.
                let Some(hay) = operands[a.operand].get(row).filter(|h| !h.is_empty()) else { continue };
                let mut mark = |n: usize| {
                    if self.needle_seen[n] != stamp {
                        self.needle_seen[n] = stamp;
                        for &r in &self.needle_rules[n] {
                            if self.rule_seen[r] != stamp {
                                self.rule_seen[r] = stamp;
                                self.candidates.push(r);
                            }
                        }
                    }
                };
                let uncased = a.uncased.is_some() || !a.uncased_whole.is_empty();
                let folded_hay: &str = if !uncased || hay.is_ascii() {
                    hay
                } else {
                    folded.clear();
                    folded.push_str(&fold(hay));
                    &folded
                };
                if let Some((ac, ids)) = &a.uncased {
                    for m in ac.find_overlapping_iter(folded_hay) {
                        mark(ids[m.pattern().as_usize()]);
                    }
                }
                if !a.uncased_whole.is_empty() {
                    // An ASCII value folds to its ASCII lower case.
                    let key = if hay.is_ascii() {
                        lower.clear();
                        lower.push_str(hay);
                        lower.make_ascii_lowercase();
                        lower.as_str()
                    } else {
                        folded_hay
                    };
                    if let Some(&n) = a.uncased_whole.get(key) {
                        mark(n);
                    }
                }
                if let Some((ac, ids)) = &a.cased {
                    for m in ac.find_overlapping_iter(hay) {
                        mark(ids[m.pattern().as_usize()]);
                    }
                }
                if let Some(&n) = a.cased_whole.get(hay) {
                    mark(n);
                }
            }
            // Rules are tested in plan order, so every rule sees its rows
            // in batch order whatever needles let it in.
            let mut candidates = std::mem::take(&mut self.candidates);
            candidates.sort_unstable();
            matched.clear();
            for &r in &candidates {
                let node = &self.plan.rules[r].node;
                if self.eval(node, row, &operands, &bools) == Some(true) {
                    matched.push(r);
                }
            }
            self.candidates = candidates;
            if !matched.is_empty() {
                hit(&matched, row);
            }
        }
        Ok(())
    }

    fn eval(&mut self, node: &Node, row: usize, operands: &[Operand], bools: &[Option<&BooleanArray>]) -> Option<bool> {
        match node {
            Node::Const(b) => Some(*b),
            Node::Not(x) => self.eval(x, row, operands, bools).map(|b| !b),
            Node::And(xs) => {
                let mut out = Some(true);
                for x in xs {
                    match self.eval(x, row, operands, bools) {
                        Some(false) => return Some(false),
                        None => out = None,
                        Some(true) => {}
                    }
                }
                out
            }
            Node::Or(xs) => {
                let mut out = Some(false);
                for x in xs {
                    match self.eval(x, row, operands, bools) {
                        Some(true) => return Some(true),
                        None => out = None,
                        Some(false) => {}
                    }
                }
                out
            }
            Node::Leaf(i) => {
                let i = *i;
                if self.leaf_seen[i] == self.stamp {
                    return self.leaf_value[i];
                }
                let v = self.leaf(i, row, operands, bools);
                self.leaf_seen[i] = self.stamp;
                self.leaf_value[i] = v;
                v
            }
        }
    }

    fn leaf(&self, i: usize, row: usize, operands: &[Operand], bools: &[Option<&BooleanArray>]) -> Option<bool> {
        let leaf = &self.plan.leaves[i];
        let (operand, test) = match &leaf.kind {
            LeafKind::Engine(_) => {
                let a = bools[i]?;
                return (!a.is_null(row)).then(|| a.value(row));
            }
            LeafKind::Native { operand, test } => (*operand, test),
        };
        let value = operands[operand].get(row);
        let null_is_null = match test {
            Test::Empty | Test::NotEmpty | Test::Regex(_) => true,
            Test::Equal { null_is_null, .. } => *null_is_null,
            Test::Match(_) | Test::Contains => false,
        };
        if value.is_none() && null_is_null {
            return None;
        }
        if let Some(needles) = &leaf.needles
            && !needles.iter().any(|&n| self.needle_seen[n] == self.stamp)
        {
            return Some(false);
        }
        let s = value.unwrap_or("");
        Some(match test {
            Test::Empty => s.is_empty(),
            Test::NotEmpty => !s.is_empty(),
            Test::Equal { values, cased: true, .. } => values.iter().any(|v| v == s),
            // The values are folded: an ASCII value equals one ignoring
            // ASCII case exactly when its folded form equals it.
            Test::Equal { values, cased: false, .. } if s.is_ascii() => {
                values.iter().any(|v| v.len() == s.len() && v.eq_ignore_ascii_case(s))
            }
            Test::Equal { values, cased: false, .. } => {
                let f = fold(s);
                values.iter().any(|v| *v == f)
            }
            Test::Match(m) => m.any(s),
            // Reached only when the needle was found (checked above).
            Test::Contains => true,
            Test::Regex(re) => re.is_match(s),
        })
    }
}
