//! A generator of well-typed KQL driven by the fuzzer's bytes: let
//! statements, a source and a pipeline of tabular operators over the
//! registered tables `T` and `U`, with expressions built from the typed
//! operator and function table in [`functions`].
//!
//! The generator tracks each column's type, so what it writes binds; it
//! also records what the checks need to compare results fairly: whether the
//! final order is defined, and whether reals were aggregated (inexact).

pub mod functions;
pub mod tables;
pub mod values;

use libfuzzer_sys::arbitrary::{Result, Unstructured};

use functions::{Arg, Spec};
use values::{ALL_TYPES, Ty, X, literal};

/// Most operators in one pipeline.
const MAX_OPS: usize = 7;
/// Deepest expression nesting.
const MAX_DEPTH: u32 = 4;

/// A generated query and what its checks need to know.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Statements before the pipeline, each with its `;`.
    pub lets: Vec<String>,
    /// The pipeline's source.
    pub source: String,
    /// The operators, each starting with `| `.
    pub ops: Vec<String>,
    /// The result's order is defined (it ends with a sort over every column).
    pub ordered: bool,
    /// Only the row count is defined (`take` of an unordered input).
    pub count_only: bool,
    /// Reals were summed or averaged: compare them with a tolerance.
    pub inexact: bool,
    /// Per operator: it reads the order of its input (`take` after a sort,
    /// `row_number`, `prev`, `next`), so the pipeline must not be split before it.
    pub needs_order: Vec<bool>,
}

/// A function call on constants, and the same call on a datatable's columns
/// holding those constants.
#[derive(Debug, Clone)]
pub struct ConstCall {
    pub print: String,
    pub table: String,
}

impl Query {
    /// The full text.
    pub fn text(&self) -> String {
        self.text_split(self.ops.len(), None)
    }

    /// The operator positions the pipeline may be split at.
    pub fn split_points(&self) -> Vec<usize> {
        (0..=self.ops.len()).filter(|&at| !self.needs_order[at..].iter().any(|&n| n)).collect()
    }

    /// The text with the pipeline up to `at` bound to a `let` (wrapped in
    /// `wrap(...)` when given) and the rest applied to it.
    pub fn text_split(&self, at: usize, wrap: Option<&str>) -> String {
        let mut out = String::new();
        for l in &self.lets {
            out.push_str(l);
            out.push('\n');
        }
        let head = std::iter::once(self.source.as_str())
            .chain(self.ops[..at].iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        if at == self.ops.len() && wrap.is_none() {
            out.push_str(&head);
            return out;
        }
        let head = match wrap {
            Some(w) => format!("{w}({head})"),
            None => head,
        };
        out.push_str(&format!("let q_split = {head};\nq_split"));
        for op in &self.ops[at..] {
            out.push(' ');
            out.push_str(op);
        }
        out
    }
}

/// A column (or let name) in scope.
type Cols = Vec<(String, Ty)>;

/// A user function: name, parameter types, result type.
#[derive(Clone)]
struct UserFn {
    name: String,
    params: Vec<Ty>,
    ret: Ty,
}

/// The generator's state for one query.
pub struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    fresh: usize,
    /// Scalar `let` names.
    scalars: Cols,
    funcs: Vec<UserFn>,
    /// Tabular `let` names and their columns.
    tabulars: Vec<(String, Cols)>,
    inexact: bool,
}

impl<'a, 'b> Gen<'a, 'b> {
    pub fn new(u: &'a mut Unstructured<'b>) -> Self {
        Gen { u, fresh: 0, scalars: Vec::new(), funcs: Vec::new(), tabulars: Vec::new(), inexact: false }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn ty(&mut self) -> Result<Ty> {
        Ok(*self.u.choose(ALL_TYPES)?)
    }

    fn lit(&mut self, ty: Ty) -> Result<X> {
        literal(self.u, ty)
    }

    /// An expression of type `ty` over `cols`.
    pub fn scalar(&mut self, cols: &Cols, ty: Ty, depth: u32) -> Result<X> {
        let leaf = depth >= MAX_DEPTH || self.u.ratio(2, 5)?;
        if leaf {
            let mut names: Vec<&(String, Ty)> = cols.iter().filter(|c| c.1 == ty).collect();
            names.extend(self.scalars.iter().filter(|c| c.1 == ty));
            if !names.is_empty() && self.u.ratio(2, 3)? {
                let (n, _) = self.u.choose(&names)?;
                // The tables hold boundary values: a column may carry one.
                return Ok(X::new(n.clone(), true));
            }
            return self.lit(ty);
        }
        let funcs: Vec<UserFn> = self.funcs.iter().filter(|f| f.ret == ty).cloned().collect();
        if !funcs.is_empty() && self.u.ratio(1, 8)? {
            let f = self.u.choose(&funcs)?.clone();
            let mut args = Vec::new();
            let mut edge = false;
            for p in &f.params {
                let a = self.scalar(cols, *p, depth + 1)?;
                edge |= a.edge;
                args.push(a.s);
            }
            return Ok(X::new(format!("{}({})", f.name, args.join(", ")), edge));
        }
        let specs: Vec<&'static Spec> = functions::returning(ty).collect();
        let spec = *self.u.choose(&specs)?;
        self.call(spec, |g, t| g.scalar(cols, t, depth + 1))
    }

    /// Fills `spec` with value arguments from `value`.
    pub fn call(&mut self, spec: &'static Spec, mut value: impl FnMut(&mut Self, Ty) -> Result<X>) -> Result<X> {
        let mut args = Vec::new();
        let mut edge = false;
        for a in spec.args {
            match a {
                Arg::V(t) => {
                    let x = value(self, *t)?;
                    edge |= x.edge;
                    args.push(x.s);
                }
                Arg::C(list) => args.push(self.u.choose(list)?.to_string()),
            }
        }
        Ok(X::new(functions::fill(spec.tmpl, &args), edge))
    }

    /// A `let` statement: a scalar, a function or a table.
    fn let_stmt(&mut self) -> Result<String> {
        match self.u.int_in_range(0..=3)? {
            0 => {
                let ty = self.ty()?;
                let e = self.scalar(&Vec::new(), ty, 2)?;
                // Sometimes the name of a column of `T`, which the column shadows in row context.
                let name = if self.u.ratio(1, 4)? {
                    tables::T_COLS.iter().find(|c| c.1 == ty).map(|c| c.0.to_string()).unwrap_or_else(|| self.name("v"))
                } else {
                    self.name("v")
                };
                let stmt = format!("let {name} = {};", e.s);
                self.scalars.retain(|c| c.0 != name);
                self.scalars.push((name, ty));
                Ok(stmt)
            }
            1 => {
                let n = self.u.int_in_range(1..=2)?;
                let params: Vec<(String, Ty)> =
                    (0..n).map(|i| Ok((format!("p{i}"), self.ty()?))).collect::<Result<_>>()?;
                let ret = self.ty()?;
                let body = self.scalar(&params, ret, 2)?;
                let name = self.name("f");
                let ps: Vec<String> = params.iter().map(|(n, t)| format!("{n}:{}", t.name())).collect();
                self.funcs.push(UserFn { name: name.clone(), params: params.iter().map(|p| p.1).collect(), ret });
                Ok(format!("let {name} = ({}) {{ {} }};", ps.join(", "), body.s))
            }
            _ => {
                let (text, cols, _) = self.pipeline(2)?;
                let name = self.name("t");
                let text = if self.u.ratio(1, 2)? { format!("materialize({text})") } else { text };
                self.tabulars.push((name.clone(), cols));
                Ok(format!("let {name} = {text};"))
            }
        }
    }

    /// A whole query.
    pub fn query(mut self) -> Result<Query> {
        let mut lets = Vec::new();
        for _ in 0..self.u.int_in_range(0..=2)? {
            lets.push(self.let_stmt()?);
        }
        let (source, mut cols) = self.source()?;
        let mut ops = Vec::new();
        let mut needs_order = Vec::new();
        let mut st = Order::None;
        let mut count_only = false;
        let n = self.u.int_in_range(0..=MAX_OPS)?;
        for i in 0..n {
            let before = st;
            let Some((op, next)) = self.op(&mut cols, &mut st, i + 1 == n, &mut count_only)? else { break };
            let reads_order = before != Order::None
                && (op.starts_with("| take")
                    || op.starts_with("| limit")
                    || op.contains("| serialize")
                    || op.contains("= row_number(")
                    || op.contains("= prev(")
                    || op.contains("= next("));
            needs_order.push(reads_order);
            ops.push(op);
            if !next {
                break;
            }
        }
        Ok(Query { lets, source, ops, ordered: st == Order::Final, count_only, inexact: self.inexact, needs_order })
    }

    /// A call of one operator or function on constants, for the
    /// constant-against-column check.
    pub fn const_call(mut self) -> Result<ConstCall> {
        let spec = self.u.choose(functions::SPECS)?;
        let (mut on_consts, mut on_cols) = (Vec::new(), Vec::new());
        let (mut schema, mut cells) = (Vec::new(), Vec::new());
        for a in spec.args {
            match a {
                Arg::V(t) => {
                    let v = self.lit(*t)?;
                    let name = format!("a{}", schema.len());
                    schema.push(format!("{name}:{}", t.name()));
                    cells.push(v.s.clone());
                    on_consts.push(v.s);
                    on_cols.push(name);
                }
                Arg::C(list) => {
                    let c = self.u.choose(list)?.to_string();
                    on_consts.push(c.clone());
                    on_cols.push(c);
                }
            }
        }
        if schema.is_empty() {
            schema.push("a0:long".to_string());
            cells.push("1".to_string());
        }
        let print = format!("print r = {}", functions::fill(spec.tmpl, &on_consts));
        let table = format!(
            "datatable({})[{}] | project r = {}",
            schema.join(", "),
            cells.join(", "),
            functions::fill(spec.tmpl, &on_cols)
        );
        Ok(ConstCall { print, table })
    }

    /// A pipeline as one text (for `let`, `union` and join operands).
    fn pipeline(&mut self, max_ops: usize) -> Result<(String, Cols, Order)> {
        let (mut text, mut cols) = self.source()?;
        let mut st = Order::None;
        let mut count_only = false;
        for _ in 0..self.u.int_in_range(0..=max_ops)? {
            let Some((op, next)) = self.op(&mut cols, &mut st, false, &mut count_only)? else { break };
            text.push(' ');
            text.push_str(&op);
            if !next {
                break;
            }
        }
        Ok((text, cols, st))
    }

    /// A source: a table, a datatable, range, print, or a tabular let.
    fn source(&mut self) -> Result<(String, Cols)> {
        let choice = self.u.int_in_range(0..=9)?;
        Ok(match choice {
            0..=3 => ("T".to_string(), tables::cols(tables::T_COLS)),
            4 => ("U".to_string(), tables::cols(tables::U_COLS)),
            5 | 6 => {
                let n = self.u.int_in_range(1..=3)?;
                let cols: Cols = (0..n).map(|_| Ok((self.name("c"), self.ty()?))).collect::<Result<_>>()?;
                (self.datatable(&cols)?, cols)
            }
            7 => {
                let name = self.name("x");
                let (from, to, step) = match self.u.int_in_range(0..=4)? {
                    0 => ("datetime(2024-01-01)".to_string(), "datetime(2024-01-05)".to_string(), "1d".to_string()),
                    1 => ("-3".to_string(), "9223372036854775807".to_string(), "4611686018427387904".to_string()),
                    _ => {
                        let a = self.u.int_in_range(-3..=5i64)?;
                        let b = self.u.int_in_range(-3..=8i64)?;
                        let s = *self.u.choose(&[1i64, 2, 3, -1])?;
                        (a.to_string(), b.to_string(), s.to_string())
                    }
                };
                let ty = if from.starts_with("datetime") { Ty::D } else { Ty::L };
                (format!("range {name} from {from} to {to} step {step}"), vec![(name, ty)])
            }
            8 => {
                let n = self.u.int_in_range(1..=3)?;
                let mut cols = Vec::new();
                let mut parts = Vec::new();
                for _ in 0..n {
                    let ty = self.ty()?;
                    let name = self.name("p");
                    let e = self.scalar(&Vec::new(), ty, 1)?;
                    parts.push(format!("{name} = {}", e.s));
                    cols.push((name, ty));
                }
                (format!("print {}", parts.join(", ")), cols)
            }
            _ => {
                if self.tabulars.is_empty() {
                    ("T".to_string(), tables::cols(tables::T_COLS))
                } else {
                    let (n, c) = self.u.choose(&self.tabulars)?.clone();
                    (n, c)
                }
            }
        })
    }

    /// A datatable of `cols` with a few rows.
    fn datatable(&mut self, cols: &Cols) -> Result<String> {
        let rows = self.u.int_in_range(0..=4)?;
        let mut cells = Vec::new();
        for _ in 0..rows {
            for (_, t) in cols {
                cells.push(self.lit(*t)?.s);
            }
        }
        let schema: Vec<String> = cols.iter().map(|(n, t)| format!("{n}:{}", t.name())).collect();
        Ok(format!("datatable({})[{}]", schema.join(", "), cells.join(", ")))
    }

    /// `sort by` every column, so the order is total.
    fn total_sort(&mut self, cols: &Cols) -> Result<String> {
        let mut keys: Vec<String> = Vec::new();
        let mut idx: Vec<usize> = (0..cols.len()).collect();
        // A random rotation of the key order.
        let r = self.u.choose_index(idx.len().max(1))?;
        let n = idx.len();
        idx.rotate_left(r.min(n));
        for i in idx {
            let (n, t) = &cols[i];
            let key = if t.sortable() { n.clone() } else { format!("tostring({n})") };
            let dir = *self.u.choose(&["", " asc", " desc", " asc nulls first", " desc nulls last"])?;
            keys.push(format!("{key}{dir}"));
        }
        Ok(keys.join(", "))
    }

    fn col(&mut self, cols: &Cols) -> Result<(String, Ty)> {
        Ok(self.u.choose(cols)?.clone())
    }

    fn col_of(&mut self, cols: &Cols, want: impl Fn(Ty) -> bool) -> Result<Option<(String, Ty)>> {
        let c: Vec<&(String, Ty)> = cols.iter().filter(|c| want(c.1)).collect();
        if c.is_empty() {
            return Ok(None);
        }
        Ok(Some((*self.u.choose(&c)?).clone()))
    }

    /// One operator; updates the columns and the order state. Returns the
    /// text and whether more operators may follow.
    fn op(
        &mut self,
        cols: &mut Cols,
        st: &mut Order,
        last: bool,
        count_only: &mut bool,
    ) -> Result<Option<(String, bool)>> {
        let kind = self.u.int_in_range(0..=27)?;
        let keeps_order = *st != Order::None;
        let mut out_st = Order::None;
        let text = match kind {
            0..=3 => {
                let e = self.scalar(cols, Ty::B, 0)?;
                out_st = keep(*st);
                format!("| where {}", e.s)
            }
            4..=6 => {
                let ty = self.ty()?;
                let e = self.scalar(cols, ty, 0)?;
                let name = if self.u.ratio(1, 3)? { self.col(cols)?.0 } else { self.name("e") };
                set(cols, &name, ty);
                out_st = keep(*st);
                format!("| extend {name} = {}", e.s)
            }
            7 => {
                // extend x = x * 2, twice.
                let Some((n, t)) = self.col_of(cols, |t| matches!(t, Ty::L | Ty::R))? else { return Ok(None) };
                out_st = keep(*st);
                let _ = t;
                format!("| extend {n} = {n} * 2 | extend {n} = {n} * 2")
            }
            8 | 9 => {
                let mut parts = Vec::new();
                let mut next = Vec::new();
                for _ in 0..self.u.int_in_range(1..=3)? {
                    if self.u.ratio(1, 2)? {
                        let (n, t) = self.col(cols)?;
                        if next.iter().any(|(m, _): &(String, Ty)| *m == n) {
                            continue;
                        }
                        parts.push(n.clone());
                        next.push((n, t));
                    } else {
                        let ty = self.ty()?;
                        let e = self.scalar(cols, ty, 1)?;
                        let name = self.name("j");
                        parts.push(format!("{name} = {}", e.s));
                        next.push((name, ty));
                    }
                }
                if next.is_empty() {
                    return Ok(None);
                }
                *cols = next;
                out_st = keep(*st);
                format!("| project {}", parts.join(", "))
            }
            10 => {
                if cols.len() < 2 {
                    return Ok(None);
                }
                let (n, _) = self.col(cols)?;
                cols.retain(|c| c.0 != n);
                out_st = keep(*st);
                format!("| project-away {n}")
            }
            11 => {
                let (n, _) = self.col(cols)?;
                let new = self.name("r");
                for c in cols.iter_mut() {
                    if c.0 == n {
                        c.0 = new.clone();
                    }
                }
                out_st = keep(*st);
                format!("| project-rename {new} = {n}")
            }
            12..=14 => self.summarize(cols)?,
            15 => {
                let keys = self.total_sort(cols)?;
                out_st = if last { Order::Final } else { Order::Total };
                format!("| {} by {keys}", self.u.choose(&["sort", "order"])?)
            }
            16 => {
                // top takes one key: one column, or all of them in one string.
                let n = self.u.int_in_range(0..=4)?;
                let key = match cols.as_slice() {
                    [(c, t)] if t.sortable() => c.clone(),
                    _ => {
                        let parts: Vec<String> = cols.iter().map(|(c, _)| format!("tostring({c})")).collect();
                        format!("strcat({})", parts.join(", \"|\", "))
                    }
                };
                let dir = *self.u.choose(&["", " asc", " desc", " asc nulls first", " desc nulls last"])?;
                out_st = if last { Order::Final } else { Order::Total };
                format!("| top {n} by {key}{dir}")
            }
            17 => {
                let n = self.u.int_in_range(0..=5)?;
                let word = *self.u.choose(&["take", "limit"])?;
                if keeps_order {
                    out_st = keep(*st);
                    format!("| {word} {n}")
                } else if last {
                    *count_only = true;
                    format!("| {word} {n}")
                } else {
                    let keys = self.total_sort(cols)?;
                    out_st = Order::Total;
                    format!("| sort by {keys} | {word} {n}")
                }
            }
            18 => {
                let mut picked = Vec::new();
                for _ in 0..self.u.int_in_range(1..=2)? {
                    let c = self.col(cols)?;
                    if !picked.contains(&c) {
                        picked.push(c);
                    }
                }
                let names: Vec<String> = picked.iter().map(|c| c.0.clone()).collect();
                *cols = picked;
                format!("| distinct {}", names.join(", "))
            }
            19 => {
                *cols = vec![("Count".to_string(), Ty::L)];
                "| count".to_string()
            }
            20 => {
                // union with a datatable of the same columns.
                let dt = self.datatable(cols)?;
                let kind = *self.u.choose(&["", "kind=outer ", "kind=inner "])?;
                format!("| union {kind}({dt})")
            }
            21 | 22 => self.join(cols, kind == 22)?,
            23 => {
                let Some((n, _)) = self.col_of(cols, |t| t == Ty::Y)? else { return Ok(None) };
                if self.u.ratio(1, 2)? {
                    let to = *self.u.choose(&[Ty::L, Ty::S, Ty::R])?;
                    set(cols, &n, to);
                    format!("| mv-expand {n} to typeof({})", to.name())
                } else {
                    format!("| mv-expand {n}")
                }
            }
            24 => {
                let Some((n, _)) = self.col_of(cols, |t| t == Ty::S)? else { return Ok(None) };
                let a = self.name("pa");
                let b = self.name("pb");
                let (pat, ta, tb) = match self.u.int_in_range(0..=2)? {
                    0 => (format!("* \",\" {a}:string \",\" {b}:string"), Ty::S, Ty::S),
                    1 => (format!("{a}:long \".\" {b}:long *"), Ty::L, Ty::L),
                    _ => (format!("* \"=\" {a}:string"), Ty::S, Ty::S),
                };
                set(cols, &a, ta);
                if pat.contains(&b) {
                    set(cols, &b, tb);
                }
                out_st = keep(*st);
                format!("| parse {n} with {pat}")
            }
            25 => self.make_series(cols)?,
            26 => {
                if !keeps_order {
                    return Ok(None);
                }
                let name = self.name("rn");
                out_st = keep(*st);
                match self.u.int_in_range(0..=2)? {
                    0 => {
                        set(cols, &name, Ty::L);
                        format!("| serialize {name} = row_number()")
                    }
                    1 => {
                        set(cols, &name, Ty::L);
                        format!("| extend {name} = row_number({})", self.u.int_in_range(-2..=3i64)?)
                    }
                    _ => {
                        let (c, t) = self.col(cols)?;
                        set(cols, &name, t);
                        let f = *self.u.choose(&["prev", "next"])?;
                        format!("| extend {name} = {f}({c})")
                    }
                }
            }
            _ => {
                out_st = keep(*st);
                let n = self.name("as");
                format!("| as {n}")
            }
        };
        *st = out_st;
        Ok(Some((text, !*count_only)))
    }

    fn summarize(&mut self, cols: &mut Cols) -> Result<String> {
        let mut aggs = Vec::new();
        let mut next: Cols = Vec::new();
        let mut sort_after = Vec::new();
        for _ in 0..self.u.int_in_range(1..=3)? {
            let name = self.name("a");
            let (text, ty) = match self.u.int_in_range(0..=11)? {
                0 => ("count()".to_string(), Ty::L),
                1 => (format!("countif({})", self.scalar(cols, Ty::B, 2)?.s), Ty::L),
                2 => {
                    let (c, _) = self.col(cols)?;
                    (format!("dcount({c})"), Ty::L)
                }
                3 | 4 => {
                    let Some((c, t)) = self.col_of(cols, |t| matches!(t, Ty::L | Ty::I | Ty::R | Ty::T))? else {
                        continue;
                    };
                    let f = *self.u.choose(&["sum", "avg"])?;
                    if t == Ty::R || f == "avg" {
                        self.inexact = true;
                    }
                    let ty = if f == "avg" && t != Ty::T {
                        Ty::R
                    } else if t == Ty::I {
                        Ty::L
                    } else {
                        t
                    };
                    (format!("{f}({c})"), ty)
                }
                5 | 6 => {
                    let Some((c, t)) = self.col_of(cols, |t| t.sortable())? else { continue };
                    let f = *self.u.choose(&["min", "max"])?;
                    (format!("{f}({c})"), t)
                }
                7 => {
                    let Some((c, t)) = self.col_of(cols, |t| t.sortable())? else { continue };
                    let f = *self.u.choose(&["minif", "maxif"])?;
                    (format!("{f}({c}, {})", self.scalar(cols, Ty::B, 2)?.s), t)
                }
                8 | 9 => {
                    let (c, _) = self.col(cols)?;
                    let f = *self.u.choose(&["make_set", "make_list"])?;
                    sort_after.push(name.clone());
                    (format!("{f}({c})"), Ty::Y)
                }
                10 => {
                    let Some((c, _)) = self.col_of(cols, |t| matches!(t, Ty::L | Ty::R))? else { continue };
                    self.inexact = true;
                    let f = *self.u.choose(&["stdev", "variance", "stdevp", "variancep"])?;
                    (format!("{f}({c})"), Ty::R)
                }
                _ => {
                    let Some((c, _)) = self.col_of(cols, |t| matches!(t, Ty::L | Ty::R | Ty::I))? else { continue };
                    self.inexact = true;
                    (format!("sumif({c}, {})", self.scalar(cols, Ty::B, 2)?.s), Ty::R)
                }
            };
            aggs.push(format!("{name} = {text}"));
            next.push((name, ty));
        }
        let mut keys = Vec::new();
        let mut key_cols: Cols = Vec::new();
        for _ in 0..self.u.int_in_range(0..=2)? {
            if self.u.ratio(2, 3)? {
                let (c, t) = self.col(cols)?;
                if key_cols.iter().any(|k| k.0 == c) {
                    continue;
                }
                keys.push(c.clone());
                key_cols.push((c, t));
            } else {
                let ty = self.ty()?;
                let e = self.scalar(cols, ty, 2)?;
                let name = self.name("k");
                keys.push(format!("{name} = {}", e.s));
                key_cols.push((name, ty));
            }
        }
        if aggs.is_empty() {
            aggs.push("n0 = count()".to_string());
            next.push(("n0".to_string(), Ty::L));
        }
        key_cols.extend(next);
        *cols = key_cols;
        let by = if keys.is_empty() { String::new() } else { format!(" by {}", keys.join(", ")) };
        let mut text = format!("| summarize {}{by}", aggs.join(", "));
        // make_set and make_list keep no defined order: sort them.
        for n in sort_after {
            text.push_str(&format!(" | extend {n} = array_sort_asc({n})"));
        }
        Ok(text)
    }

    /// join or lookup against a datatable keyed on a long column.
    fn join(&mut self, cols: &mut Cols, lookup: bool) -> Result<String> {
        let Some((key, _)) = self.col_of(cols, |t| t == Ty::L)? else {
            return Ok("| as nokey".to_string());
        };
        let val = self.name("v");
        let vty = self.ty()?;
        let right_cols: Cols = vec![(key.clone(), Ty::L), (val.clone(), vty)];
        let dt = self.datatable(&right_cols)?;
        if lookup {
            let kind = *self.u.choose(&["", "kind=leftouter ", "kind=inner "])?;
            set(cols, &val, vty);
            return Ok(format!("| lookup {kind}({dt}) on {key}"));
        }
        let kind = *self.u.choose(&[
            "inner",
            "leftouter",
            "rightouter",
            "fullouter",
            "leftanti",
            "rightanti",
            "leftsemi",
            "rightsemi",
        ])?;
        let on = if self.u.ratio(1, 2)? { key.clone() } else { format!("$left.{key} == $right.{key}") };
        match kind {
            "leftanti" | "leftsemi" => {}
            "rightanti" | "rightsemi" => *cols = right_cols,
            _ => {
                let k1 = format!("{key}1");
                set(cols, &k1, Ty::L);
                set(cols, &val, vty);
            }
        }
        Ok(format!("| join kind={kind} ({dt}) on {on}"))
    }

    fn make_series(&mut self, cols: &mut Cols) -> Result<String> {
        let Some((d, _)) = self.col_of(cols, |t| t == Ty::D)? else { return Ok("| as nodate".to_string()) };
        let agg = match self.col_of(cols, |t| matches!(t, Ty::L | Ty::R))? {
            Some((c, _)) if self.u.ratio(2, 3)? => {
                let f = *self.u.choose(&["sum", "avg", "max", "min"])?;
                self.inexact = true;
                format!("{f}({c})")
            }
            _ => "count()".to_string(),
        };
        let name = self.name("m");
        let range = match self.u.int_in_range(0..=3)? {
            0 => " from datetime(2024-01-01) to datetime(2024-01-08) step 1d".to_string(),
            1 => " from datetime(2024-02-29) to datetime(2024-03-01) step 6h".to_string(),
            2 => " from datetime(1970-01-01) to datetime(2030-01-01) step 365d".to_string(),
            _ => " from datetime(2024-01-01) to datetime(2024-01-02) step 1h".to_string(),
        };
        let by = match self.col_of(cols, |t| matches!(t, Ty::S | Ty::L | Ty::B))? {
            Some((c, t)) if self.u.ratio(1, 2)? => Some((c, t)),
            _ => None,
        };
        let default = if self.u.ratio(1, 2)? { " default = 0" } else { "" };
        let mut next: Cols = Vec::new();
        if let Some(b) = &by {
            next.push(b.clone());
        }
        next.push((name.clone(), Ty::Y));
        next.push((d.clone(), Ty::Y));
        *cols = next;
        let by = by.map(|(c, _)| format!(" by {c}")).unwrap_or_default();
        Ok(format!("| make-series {name} = {agg}{default} on {d}{range}{by}"))
    }
}

/// How much of the order of a pipeline's rows is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// None.
    None,
    /// Sorted over every column; later operators may keep it.
    Total,
    /// Sorted over every column by the last operator.
    Final,
}

fn keep(st: Order) -> Order {
    if st == Order::None { Order::None } else { Order::Total }
}

/// Sets column `name` to `ty`, replacing one of the same name in place.
fn set(cols: &mut Cols, name: &str, ty: Ty) {
    match cols.iter_mut().find(|c| c.0 == name) {
        Some(c) => c.1 = ty,
        None => cols.push((name.to_string(), ty)),
    }
}
