//! The plan of one scan: the Sigma rules over one table, their conditions
//! as trees over shared tests, and the literal needles that decide which
//! rules a row can match.
//!
//! Tests are shared: two rules testing the same value with the same
//! pattern hold the same leaf, evaluated once per row. A text test is
//! evaluated here ([`Test`]); any other test is a boolean column the
//! engine computes in the scan's `extend` (its KQL text, shared the same
//! way). Every value a text test reads is a column of that `extend` too
//! (`__sigma_o<n>`: a column as it is, or a path of a dynamic one).
//!
//! A needle is a literal a leaf's value must contain (or, for an
//! equality, be) for the leaf to be true (case-folded unless `cased`); a
//! rule's requirement is a set of needles one of which a row must contain
//! for the rule to be true (derived through `and`/`or`; `not` requires
//! nothing). Rows are tested only against the rules whose requirement
//! they meet, and those without one.

use std::collections::HashMap;

use kql_engine::functions::rowwise::compile_regex;
use kql_engine::functions::string::fold::fold;
use kql_engine::functions::string::matcher::{MatchMode, Matcher};
use sigma::expr::{Expr, Native, wildcard_regex};
use sigma::model::Piece;

/// A rule's condition over the plan's leaves.
#[derive(Debug)]
pub enum Node {
    /// `true` / `false`.
    Const(bool),
    /// Every part.
    And(Vec<Node>),
    /// Any part.
    Or(Vec<Node>),
    /// Negation.
    Not(Box<Node>),
    /// A leaf of the plan.
    Leaf(usize),
}

/// A text test, evaluated with the engine's meaning.
#[derive(Debug)]
pub enum Test {
    /// `isempty`: a null value is null.
    Empty,
    /// `isnotempty`: a null value is null.
    NotEmpty,
    /// `=~`, `in`, `in~` (a null value is ""), and `==` (a null value is
    /// null).
    Equal {
        /// The values (case-folded unless `cased`).
        values: Vec<String>,
        /// Case-sensitive.
        cased: bool,
        /// `==`: a null value is null.
        null_is_null: bool,
    },
    /// `contains`, `startswith`, `endswith` (a null value is "").
    Match(Matcher),
    /// `contains` of the leaf's one needle (a null value is ""): true
    /// when the needle pass found it in the value.
    Contains,
    /// `matches regex`: a null value is null.
    Regex(regex::Regex),
}

/// How a leaf is evaluated.
#[derive(Debug)]
pub enum LeafKind {
    /// A text test of operand `operand`.
    Native {
        /// Index into [`ScanPlan::operands`].
        operand: usize,
        /// The test.
        test: Test,
    },
    /// A boolean column of the scan's `extend`, by name.
    Engine(String),
}

/// One shared test.
#[derive(Debug)]
pub struct LeafPlan {
    /// How it is evaluated.
    pub kind: LeafKind,
    /// Needles one of which the operand must contain for the leaf to be
    /// true; `None` when there is no such set.
    pub needles: Option<Vec<usize>>,
}

/// A rule of the scan.
#[derive(Debug)]
pub struct RulePlan {
    /// Its condition.
    pub node: Node,
    /// Needles one of which a row must contain for the rule to match.
    pub needles: Option<Vec<usize>>,
    /// The result columns the rule's KQL adds (name, column of the scan).
    pub extends: Vec<(String, String)>,
    /// The columns whose values are kept for every row the rule matches
    /// (the fields correlations over it read).
    pub captures: Vec<String>,
}

/// The fewest bytes of a literal the needle pass searches for anywhere in
/// a value (see [`ScanPlan::needles_of`]).
pub const SHORTEST_SEARCHED: usize = 3;

/// A needle: a literal searched in one operand.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Needle {
    /// Index into [`ScanPlan::operands`].
    pub operand: usize,
    /// Case-sensitive.
    pub cased: bool,
    /// The literal (case-folded unless `cased`).
    pub text: String,
    /// Found only when it is the whole value (an equality's literal),
    /// else anywhere in it.
    pub whole: bool,
}

/// The plan of one scan of one table.
#[derive(Debug, Default)]
pub struct ScanPlan {
    /// The table.
    pub table: String,
    /// The operands' KQL expressions; operand `i` is column `__sigma_o<i>`.
    pub operands: Vec<String>,
    /// The engine-evaluated leaves' KQL, as (column name, expression).
    pub engine_leaves: Vec<(String, String)>,
    /// The rules' added result columns, as (column name, expression).
    pub extend_columns: Vec<(String, String)>,
    /// The shared leaves.
    pub leaves: Vec<LeafPlan>,
    /// The needles.
    pub needles: Vec<Needle>,
    /// The rules, in the order they were added.
    pub rules: Vec<RulePlan>,
    leaf_ids: HashMap<String, usize>,
    needle_ids: HashMap<Needle, usize>,
}

/// The row number a chunk's query carries, to line its results up with
/// the chunk's rows.
pub const ROW_COLUMN: &str = "__sigma_row";

/// The name of operand `i`'s column.
pub fn operand_column(i: usize) -> String {
    format!("__sigma_o{i}")
}

impl ScanPlan {
    /// An empty plan over `table`.
    pub fn new(table: &str) -> ScanPlan {
        ScanPlan { table: table.to_string(), ..ScanPlan::default() }
    }

    /// Adds a rule: its condition and the columns its KQL adds.
    pub fn add_rule(&mut self, condition: &Expr, extends: &[(String, String)]) {
        let node = self.node(condition);
        let needles = self.requirement(&node);
        let extends = extends.iter().map(|(name, expr)| (name.clone(), self.extend_column(expr))).collect();
        self.rules.push(RulePlan { node, needles, extends, captures: Vec::new() });
    }

    /// Keeps the values of `exprs` (KQL expressions) for every row rule
    /// `rule` of the plan matches.
    pub fn capture(&mut self, rule: usize, exprs: &[String]) {
        let columns: Vec<String> = exprs.iter().map(|e| self.extend_column(e)).collect();
        if let Some(r) = self.rules.get_mut(rule) {
            r.captures = columns;
        }
    }

    /// The added column computing `expr`, shared by every use.
    fn extend_column(&mut self, expr: &str) -> String {
        if let Some((c, _)) = self.extend_columns.iter().find(|(_, e)| e == expr) {
            return c.clone();
        }
        let c = format!("__sigma_x{}", self.extend_columns.len());
        self.extend_columns.push((c.clone(), expr.to_string()));
        c
    }

    /// The KQL of the scan: the table with every operand, engine leaf and
    /// added result column computed once.
    pub fn query(&self) -> String {
        let mut cols: Vec<String> =
            self.operands.iter().enumerate().map(|(i, e)| format!("{} = {e}", operand_column(i))).collect();
        cols.extend(self.engine_leaves.iter().chain(&self.extend_columns).map(|(c, e)| format!("{c} = {e}")));
        if cols.is_empty() { self.table.clone() } else { format!("{}\n| extend {}", self.table, cols.join(", ")) }
    }

    /// The KQL computing, over a chunk of the table with a [`ROW_COLUMN`],
    /// that column and the columns the scan adds but the operands marked
    /// in `direct` (read from the table's own columns); `None` when there
    /// is nothing left to compute.
    pub fn chunk_query(&self, direct: &[bool]) -> Option<String> {
        let mut cols: Vec<String> = self
            .operands
            .iter()
            .enumerate()
            .filter(|(i, _)| !direct.get(*i).copied().unwrap_or(false))
            .map(|(i, e)| format!("{} = {e}", operand_column(i)))
            .collect();
        cols.extend(self.engine_leaves.iter().chain(&self.extend_columns).map(|(c, e)| format!("{c} = {e}")));
        (!cols.is_empty()).then(|| format!("{}\n| project {ROW_COLUMN}, {}", self.table, cols.join(", ")))
    }

    /// How many columns the scan adds after the table's.
    pub fn added_columns(&self) -> usize {
        self.operands.len() + self.engine_leaves.len() + self.extend_columns.len()
    }

    fn node(&mut self, e: &Expr) -> Node {
        match e {
            Expr::Const(b) => Node::Const(*b),
            Expr::And(xs) => Node::And(xs.iter().map(|x| self.node(x)).collect()),
            Expr::Or(xs) => Node::Or(xs.iter().map(|x| self.node(x)).collect()),
            Expr::Not(x) => Node::Not(Box::new(self.node(x))),
            Expr::Leaf(l) => {
                if let Some(&id) = self.leaf_ids.get(&l.kql) {
                    return Node::Leaf(id);
                }
                let leaf = match l.native.as_ref().and_then(|n| self.native(n)) {
                    Some(leaf) => leaf,
                    None => {
                        let column = format!("__sigma_p{}", self.engine_leaves.len());
                        self.engine_leaves.push((column.clone(), l.kql.clone()));
                        LeafPlan { kind: LeafKind::Engine(column), needles: None }
                    }
                };
                let id = self.leaves.len();
                self.leaves.push(leaf);
                self.leaf_ids.insert(l.kql.clone(), id);
                Node::Leaf(id)
            }
        }
    }

    fn operand(&mut self, expr: &str) -> usize {
        match self.operands.iter().position(|o| o == expr) {
            Some(i) => i,
            None => {
                self.operands.push(expr.to_string());
                self.operands.len() - 1
            }
        }
    }

    fn needle(&mut self, operand: usize, cased: bool, whole: bool, text: &str) -> usize {
        let text = if cased { text.to_string() } else { fold(text).into_owned() };
        let n = Needle { operand, cased, text, whole };
        if let Some(&id) = self.needle_ids.get(&n) {
            return id;
        }
        self.needles.push(n.clone());
        self.needle_ids.insert(n, self.needles.len() - 1);
        self.needles.len() - 1
    }

    /// A text test as a leaf, or `None` when it is left to the engine.
    fn native(&mut self, n: &Native) -> Option<LeafPlan> {
        let operand = self.operand(n.operand());
        let (test, needles) = match n {
            Native::Text { pieces, cased, .. } => {
                let cased = *cased;
                let matcher = |s: &str, mode| Test::Match(Matcher::new(&[s.to_string()], mode, cased));
                match pieces.as_slice() {
                    [] => (Test::Empty, None),
                    [Piece::Many] => (Test::NotEmpty, None),
                    [Piece::Lit(s)] => {
                        let v = if cased { s.clone() } else { fold(s).into_owned() };
                        let test = Test::Equal { values: vec![v], cased, null_is_null: cased };
                        (test, self.needles_of(operand, cased, true, &[s]))
                    }
                    [Piece::Many, Piece::Lit(s), Piece::Many] => match self.needles_of(operand, cased, false, &[s]) {
                        // The needle pass already searched the value for
                        // exactly this literal, folded as `contains` folds.
                        Some(needles) => (Test::Contains, Some(needles)),
                        None => (matcher(s, MatchMode::Anywhere), None),
                    },
                    [Piece::Lit(s), Piece::Many] => {
                        (matcher(s, MatchMode::Start), self.needles_of(operand, cased, false, &[s]))
                    }
                    [Piece::Many, Piece::Lit(s)] => {
                        (matcher(s, MatchMode::End), self.needles_of(operand, cased, false, &[s]))
                    }
                    _ => {
                        let re = compile_regex(&wildcard_regex(pieces, cased)).ok()?;
                        // The regex engine's case folding and the engine's
                        // agree on ASCII letters: only an ASCII literal is a
                        // needle of a case-insensitive pattern.
                        let longest = pieces
                            .iter()
                            .filter_map(|p| match p {
                                Piece::Lit(s) if cased || s.is_ascii() => Some(s),
                                _ => None,
                            })
                            .max_by_key(|s| s.len());
                        let needles = longest.and_then(|s| self.needles_of(operand, cased, false, &[s]));
                        (Test::Regex(re), needles)
                    }
                }
            }
            Native::Set { values, cased, .. } => {
                let refs: Vec<&String> = values.iter().collect();
                let needles = self.needles_of(operand, *cased, true, &refs);
                let folded = values.iter().map(|v| if *cased { v.clone() } else { fold(v).into_owned() }).collect();
                (Test::Equal { values: folded, cased: *cased, null_is_null: false }, needles)
            }
            Native::Regex { pattern, .. } => (Test::Regex(compile_regex(pattern).ok()?), None),
        };
        Some(LeafPlan { kind: LeafKind::Native { operand, test }, needles })
    }

    /// The needles of literals one of which must be in the value (be the
    /// value, when `whole`); `None` when one of them is empty (found in
    /// every value) or, searched anywhere, shorter than
    /// [`SHORTEST_SEARCHED`]: such a literal is in nearly every value, so
    /// the needle pass would report it at every place it occurs (`0` and `6`
    /// of an auditd keyword rule, in every audit record) to let in rows that
    /// other tests then turn away. Its leaf tests the value itself, and only
    /// for the rows that reach it.
    fn needles_of(&mut self, operand: usize, cased: bool, whole: bool, lits: &[&String]) -> Option<Vec<usize>> {
        if lits.iter().any(|s| s.is_empty() || (!whole && s.len() < SHORTEST_SEARCHED)) {
            return None;
        }
        let mut ids: Vec<usize> = lits.iter().map(|s| self.needle(operand, cased, whole, s)).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    /// The needles one of which a row must contain for `node` to be true.
    fn requirement(&self, node: &Node) -> Option<Vec<usize>> {
        match node {
            Node::Const(true) | Node::Not(_) => None,
            Node::Const(false) => Some(Vec::new()),
            Node::Leaf(i) => self.leaves.get(*i).and_then(|l| l.needles.clone()),
            Node::And(xs) => xs.iter().filter_map(|x| self.requirement(x)).min_by_key(Vec::len),
            Node::Or(xs) => {
                let mut all = Vec::new();
                for x in xs {
                    all.extend(self.requirement(x)?);
                }
                all.sort_unstable();
                all.dedup();
                Some(all)
            }
        }
    }
}
