//! Round-trip property of the printer and the parser: for a randomly
//! generated syntax tree `q`, `parse(print_query(q))` reports no diagnostics
//! and gives back `q` up to spans (compared with the span-free
//! [`dump`](kql_syntax::dump)).
//!
//! The generator builds [`ast::Query`](kql_syntax::ast::Query) values
//! directly, so it reaches shapes that hand-written queries rarely do:
//! names that need brackets, every binary, string and list operator, typed
//! literals at their limits, nested pipelines in scalar positions, and the
//! tabular operators with their options and sub-queries. It only builds
//! trees the grammar can spell; where a shape is left out because the
//! printer or parser gets it wrong, a `FIXME(roundtrip)` comment says so.

use kql_syntax::ast::*;
use kql_syntax::{Span, dump, parse, print_query};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union as OneOf;
use proptest::test_runner::{Config, RngAlgorithm};

type Bs<T> = BoxedStrategy<T>;

// ---- node builders ------------------------------------------------------

fn sp() -> Span {
    Span::default()
}

fn ident(name: impl Into<String>) -> Ident {
    Ident { name: name.into(), span: sp() }
}

fn ex(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

fn name_expr(name: impl Into<String>) -> Expr {
    ex(ExprKind::Name(ident(name)))
}

fn lit(l: Literal) -> Expr {
    ex(ExprKind::Literal(l))
}

fn op(kind: OperatorKind) -> Operator {
    Operator { kind, span: sp() }
}

fn source(kind: OperatorKind) -> Expr {
    ex(ExprKind::Source(Box::new(op(kind))))
}

fn call(func: Expr, args: Vec<Arg>) -> Expr {
    ex(ExprKind::Call { func: bx(func), args })
}

fn positional(value: Expr) -> Arg {
    Arg { name: None, value }
}

fn assign(names: Vec<String>, value: Expr) -> Assign {
    Assign { names: names.into_iter().map(ident).collect(), value, span: sp() }
}

fn option_arg((name, value): (&'static str, Expr)) -> OptionArg {
    OptionArg { name: ident(name), value, span: sp() }
}

fn type_name(ty: ScalarType) -> TypeName {
    TypeName { ty, span: sp() }
}

fn column_decl((name, ty): (String, ScalarType)) -> ColumnDecl {
    ColumnDecl { name: ident(name), ty: type_name(ty), span: sp() }
}

/// Strings matching `pattern`, compiled once (a `&str` strategy compiles
/// its pattern for every value).
fn regex(pattern: &str) -> Bs<String> {
    proptest::string::string_regex(pattern).expect("valid pattern").boxed()
}

// Strategies used everywhere are built once per thread. `prop_recursive`
// calls its closure for every value it generates, so whatever the closure
// builds is rebuilt each time (regex strategies compile their pattern).
thread_local! {
    static ANY_NAME: Bs<String> = build_any_name();
    static STRING_VALUE: Bs<String> = build_string_value();
    static LITERAL: Bs<Literal> = build_literal();
}

/// Any name: plain, needing brackets, keywords, random Unicode.
fn any_name() -> Bs<String> {
    ANY_NAME.with(Clone::clone)
}

/// String contents with quotes, backslashes, control and non-ASCII text.
fn string_value() -> Bs<String> {
    STRING_VALUE.with(Clone::clone)
}

/// Every kind of literal.
fn literal() -> Bs<Literal> {
    LITERAL.with(Clone::clone)
}

// ---- names --------------------------------------------------------------

/// Names the printer writes bare.
const PLAIN_NAMES: &[&str] = &[
    "T",
    "x",
    "y",
    "Col",
    "FileName",
    "Timestamp",
    "_tmp",
    "a1",
    "count_",
    "$left",
    "$right",
    "Ünïcödé",
    "名前",
    "TrUe",
    "d",
    "h",
    "inner",
    "shuffle",
    "int",
    "datetime",
    "time",
    "guid",
    "string",
    "count",
];

/// Names that need `['...']`: spaces, punctuation, leading digits, and the
/// words the parser reads as keywords or operators somewhere.
const BRACKETED_NAMES: &[&str] = &[
    "File Name",
    "a-b",
    "1x",
    "x.y",
    "a\"b",
    "back\\slash",
    "line\nbreak",
    "it's",
    "tab\tx",
    " lead",
    "trail ",
    "T*",
    "where",
    "by",
    "on",
    "with",
    "true",
    "False",
    "null",
    "has",
    "!has",
    "contains_cs",
    "in",
    "in~",
    "!in",
    "has_any",
    "and",
    "or",
    "between",
    "project",
    "print",
    "range",
    "union",
    "evaluate",
    "datatable",
    "dynamic",
    "typeof",
    "let",
    "set",
    "asc",
    "desc",
    "nulls",
    "kind",
    "of",
    "to",
    "from",
    "step",
    "limit",
    "default",
    "view",
    "a]b",
    "[x]",
    "",
    "$",
    "$1",
    "$$",
];

fn build_any_name() -> Bs<String> {
    prop_oneof![
        4 => select(PLAIN_NAMES).prop_map(str::to_string),
        3 => select(BRACKETED_NAMES).prop_map(str::to_string),
        2 => regex("[a-zA-Z_][a-zA-Z0-9_]{0,5}"),
        1 => vec(any::<char>(), 1..5).prop_map(String::from_iter),
    ]
    .boxed()
}

/// A function or plugin name, written right before `(`.
fn callable_name(names: Bs<String>) -> Bs<String> {
    names.boxed()
}

fn name_e() -> Bs<Expr> {
    any_name().prop_map(name_expr).boxed()
}

/// Binary-operator words, which make patterns such as `or*` and `in*`
/// (`union or*` is a union, not `union or *`).
const OPERATOR_WORDS: &[&str] = &[
    "and",
    "or",
    "between",
    "matches",
    "in",
    "has_any",
    "has_all",
    "has",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "contains",
    "contains_cs",
    "containscs",
    "notcontains",
    "notcontainscs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
];

/// A `*` pattern as in `project-away Col*` or `union Device*`.
fn wildcard() -> Bs<Expr> {
    let patterns = prop_oneof![
        Just("*".to_string()),
        regex("[A-Za-z_]{1,5}\\*"),
        regex("\\*[A-Za-z_]{1,5}"),
        regex("[A-Za-z_]{1,3}\\*[A-Za-z_]{1,3}\\*?"),
    ]
    .prop_map(|p| ex(ExprKind::Wildcard(p)));
    prop_oneof![4 => patterns, 1 => operator_word_pattern()].boxed()
}

/// A `*` pattern starting with a binary-operator word: `or*`, `in*`.
fn operator_word_pattern() -> Bs<Expr> {
    select(OPERATOR_WORDS).prop_map(|w| ex(ExprKind::Wildcard(format!("{w}*")))).boxed()
}

// ---- literals -----------------------------------------------------------

const TICKS_PER_DAY: i64 = 864_000_000_000;

fn long_value() -> Bs<i64> {
    prop_oneof![
        3 => -1000i64..1000,
        3 => any::<i64>(),
        1 => select(vec![i64::MIN, i64::MIN + 1, i64::MAX]),
    ]
    .boxed()
}

fn real_value() -> Bs<f64> {
    prop_oneof![
        3 => -1000.0f64..1000.0,
        3 => any::<f64>(),
        1 => select(vec![
            0.0,
            -0.0,
            1.0,
            -1.5,
            1e-7,
            1e300,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]),
    ]
    .boxed()
}

fn build_string_value() -> Bs<String> {
    let special = select(vec![
        '"', '\'', '\\', '\n', '\r', '\t', '\0', '@', '|', ';', '[', ']', 'é', '名', '😀', '\u{2028}', '\u{85}',
        '\u{feff}',
    ]);
    prop_oneof![
        2 => regex("[a-zA-Z0-9 _.-]{0,8}"),
        3 => vec(prop_oneof![any::<char>(), special], 0..8).prop_map(String::from_iter),
    ]
    .boxed()
}

/// Ticks from 0001-01-01 to 9999-12-31T23:59:59.9999999.
fn datetime_ticks() -> Bs<i64> {
    let min = -719_162 * TICKS_PER_DAY;
    let max = 2_932_897 * TICKS_PER_DAY - 1;
    prop_oneof![4 => min..=max, 1 => Just(min), 1 => Just(max), 1 => Just(0)].boxed()
}

fn timespan_ticks() -> Bs<i64> {
    prop_oneof![
        3 => -100 * TICKS_PER_DAY..100 * TICKS_PER_DAY,
        2 => any::<i64>(),
        1 => select(vec![i64::MIN, i64::MIN + 1, i64::MAX]),
    ]
    .boxed()
}

fn guid() -> Bs<String> {
    any::<u128>()
        .prop_map(|v| {
            let h = format!("{v:032x}");
            format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
        })
        .boxed()
}

fn scalar_type() -> Bs<ScalarType> {
    select(vec![
        ScalarType::Bool,
        ScalarType::Int,
        ScalarType::Long,
        ScalarType::Real,
        ScalarType::Decimal,
        ScalarType::String,
        ScalarType::Datetime,
        ScalarType::Timespan,
        ScalarType::Guid,
        ScalarType::Dynamic,
    ])
    .boxed()
}

/// The types of typed nulls.
fn null_type() -> Bs<ScalarType> {
    // `Literal::Null(String)` and `Literal::Null(Dynamic)` are left out: the
    // parser never produces them. `string(null)` is not KQL (it parses as a
    // call of `string`), and `dynamic(null)` is
    // `Literal::Dynamic(DynValue::Null)`.
    select(vec![
        ScalarType::Bool,
        ScalarType::Int,
        ScalarType::Long,
        ScalarType::Real,
        ScalarType::Decimal,
        ScalarType::Datetime,
        ScalarType::Timespan,
        ScalarType::Guid,
    ])
    .boxed()
}

fn dyn_value() -> Bs<DynValue> {
    let leaf = prop_oneof![
        Just(DynValue::Null),
        any::<bool>().prop_map(DynValue::Bool),
        long_value().prop_map(DynValue::Long),
        real_value().prop_map(DynValue::Real),
        string_value().prop_map(DynValue::String),
        datetime_ticks().prop_map(DynValue::Datetime),
        timespan_ticks().prop_map(DynValue::Timespan),
        guid().prop_map(DynValue::Guid),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(DynValue::Array),
            vec((string_value(), inner), 0..4).prop_map(DynValue::Object),
        ]
    })
    .boxed()
}

fn build_literal() -> Bs<Literal> {
    prop_oneof![
        any::<bool>().prop_map(Literal::Bool),
        long_value().prop_map(Literal::Long),
        any::<i32>().prop_map(Literal::Int),
        real_value().prop_map(Literal::Real),
        regex("-?[0-9]{1,5}(\\.[0-9]{1,4})?").prop_map(Literal::Decimal),
        string_value().prop_map(Literal::String),
        datetime_ticks().prop_map(Literal::Datetime),
        timespan_ticks().prop_map(Literal::Timespan),
        guid().prop_map(Literal::Guid),
        null_type().prop_map(Literal::Null),
        dyn_value().prop_map(Literal::Dynamic),
    ]
    .boxed()
}

// ---- scalar expressions -------------------------------------------------

fn binary_op() -> Bs<BinaryOp> {
    let string_ops = (
        select(vec![
            StringOpKind::Has,
            StringOpKind::HasPrefix,
            StringOpKind::HasSuffix,
            StringOpKind::Contains,
            StringOpKind::StartsWith,
            StringOpKind::EndsWith,
        ]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(kind, case_sensitive, negated)| BinaryOp::String(StringOp { kind, case_sensitive, negated }));
    prop_oneof![
        3 => select(vec![
            BinaryOp::Or,
            BinaryOp::And,
            BinaryOp::Eq,
            BinaryOp::NotEq,
            BinaryOp::EqCi,
            BinaryOp::NotEqCi,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
            BinaryOp::MatchesRegex,
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Mod,
        ]),
        2 => string_ops,
    ]
    .boxed()
}

fn list_op() -> Bs<ListOp> {
    select(vec![ListOp::In, ListOp::NotIn, ListOp::InCi, ListOp::NotInCi, ListOp::HasAny, ListOp::HasAll]).boxed()
}

fn table_schema() -> Bs<TableSchema> {
    (vec((any_name(), scalar_type()), 0..3), any::<bool>())
        .prop_map(|(cols, open)| TableSchema { columns: cols.into_iter().map(column_decl).collect(), open, span: sp() })
        .boxed()
}

fn type_of() -> Bs<Expr> {
    prop_oneof![
        scalar_type().prop_map(|t| ParamType::Scalar(type_name(t))),
        table_schema().prop_map(ParamType::Tabular),
    ]
    .prop_map(|t| ex(ExprKind::TypeOf(t)))
    .boxed()
}

fn leaf_expr() -> Bs<Expr> {
    prop_oneof![
        4 => literal().prop_map(lit),
        4 => name_e(),
        1 => type_of(),
        1 => Just(ex(ExprKind::Wildcard("*".into()))),
    ]
    .boxed()
}

/// Call arguments: positional, `name = value` and `*`.
fn args(e: Bs<Expr>) -> Bs<Vec<Arg>> {
    let arg = prop_oneof![
        4 => e.clone().prop_map(positional),
        2 => (any_name(), e).prop_map(|(n, value)| Arg { name: Some(ident(n)), value }),
        1 => Just(positional(ex(ExprKind::Wildcard("*".into())))),
    ];
    vec(arg, 0..4).boxed()
}

/// A function: a name, or a member as in `a.b(...)`.
fn callee(e: Bs<Expr>) -> Bs<Expr> {
    prop_oneof![
        4 => callable_name(any_name()).prop_map(name_expr),
        1 => (e, callable_name(any_name())).prop_map(|(t, m)| member(t, m)),
    ]
    .boxed()
}

fn call_e(e: Bs<Expr>) -> Bs<Expr> {
    (callee(e.clone()), args(e)).prop_map(|(f, a)| call(f, a)).boxed()
}

/// `entity_group [a, b]`.
fn entity_group(e: Bs<Expr>) -> Bs<Expr> {
    vec(e, 1..3).prop_map(|items| ex(ExprKind::EntityGroup(items))).boxed()
}

/// `target.member`.
fn member(target: Expr, member: String) -> Expr {
    ex(ExprKind::Member { target: bx(target), member: ident(member) })
}

/// Scalar expressions, with pipelines nested in them (`toscalar(T | count)`,
/// `x in (T | project y)`, or any operand in parentheses). The nested
/// pipelines hold pipeline-free expressions, which keeps trees small.
fn expr_strategy() -> Bs<Expr> {
    let e = expr_tree(None);
    let tables = prop_oneof![name_e(), wildcard()].boxed();
    expr_tree(Some(prop_oneof![3 => pipeline(e.clone()), 1 => source_ops(e, tables)].boxed()))
}

/// Scalar expressions, with `pipe` as nested pipelines if given.
fn expr_tree(pipe: Option<Bs<Expr>>) -> Bs<Expr> {
    leaf_expr()
        .prop_recursive(3, 12, 3, move |inner| {
            let e = inner;
            let mut arms: Vec<(u32, Bs<Expr>)> = vec![
                (2, (e.clone(), any_name()).prop_map(|(t, m)| member(t, m)).boxed()),
                (
                    2,
                    (e.clone(), e.clone())
                        .prop_map(|(t, i)| ex(ExprKind::Index { target: bx(t), index: bx(i) }))
                        .boxed(),
                ),
                (3, call_e(e.clone())),
                (
                    2,
                    (select(vec![UnaryOp::Neg, UnaryOp::Plus]), e.clone())
                        .prop_map(|(op, x)| ex(ExprKind::Unary { op, operand: bx(x) }))
                        .boxed(),
                ),
                (
                    6,
                    (binary_op(), e.clone(), e.clone())
                        .prop_map(|(op, l, r)| ex(ExprKind::Binary { op, lhs: bx(l), rhs: bx(r) }))
                        .boxed(),
                ),
                (
                    2,
                    (list_op(), e.clone(), vec(e.clone(), 0..3))
                        .prop_map(|(op, l, items)| ex(ExprKind::InList { op, lhs: bx(l), items }))
                        .boxed(),
                ),
                (
                    2,
                    (any::<bool>(), e.clone(), e.clone(), e.clone())
                        .prop_map(|(negated, l, lo, hi)| {
                            ex(ExprKind::Between { negated, lhs: bx(l), low: bx(lo), high: bx(hi) })
                        })
                        .boxed(),
                ),
                (1, entity_group(e.clone())),
            ];
            if let Some(pipe) = pipe.clone() {
                arms.push((1, pipe.clone().prop_map(|p| call(name_expr("toscalar"), vec![positional(p)])).boxed()));
                arms.push((1, pipe.clone()));
                arms.push((
                    1,
                    (list_op(), e.clone(), vec(pipe, 1..2))
                        .prop_map(|(op, l, items)| ex(ExprKind::InList { op, lhs: bx(l), items }))
                        .boxed(),
                ));
            }
            OneOf::new_weighted(arms)
        })
        .boxed()
}

// ---- operators ----------------------------------------------------------

const HINTS: &[&str] = &["hint.strategy", "hint.shufflekey", "hint.materialized", "hint.remote", "hint.num_partitions"];

/// An option's value: a name or a literal (`kind=inner`, `isfuzzy=true`).
fn option_value() -> Bs<Expr> {
    prop_oneof![
        4 => name_e(),
        1 => any::<bool>().prop_map(|b| lit(Literal::Bool(b))),
        2 => literal().prop_map(lit),
        1 => (0i64..100).prop_map(|v| ex(ExprKind::Unary { op: UnaryOp::Neg, operand: bx(lit(Literal::Long(v))) })),
    ]
    .boxed()
}

fn options(names: &'static [&'static str]) -> Bs<Vec<OptionArg>> {
    let last = option_value();
    let opts = (vec((select(names), option_value()).prop_map(option_arg), 0..2), (select(names), last)).prop_map(
        |(mut opts, last)| {
            opts.push(option_arg(last));
            opts
        },
    );
    prop_oneof![Just(Vec::new()), opts].boxed()
}

/// `[Name =] Expr` or `(A, B) = Expr`.
fn assign_s(e: Bs<Expr>) -> Bs<Assign> {
    prop_oneof![
        3 => e.clone().prop_map(|v| assign(vec![], v)),
        3 => (any_name(), e.clone()).prop_map(|(n, v)| assign(vec![n], v)),
        1 => (vec(any_name(), 2..4), e).prop_map(|(n, v)| assign(n, v)),
    ]
    .boxed()
}

fn assigns(e: Bs<Expr>, min: usize) -> Bs<Vec<Assign>> {
    vec(assign_s(e), min..3).boxed()
}

fn sort_key(e: Bs<Expr>) -> Bs<SortKey> {
    (
        e,
        option::of(select(vec![SortOrder::Asc, SortOrder::Desc])),
        option::of(select(vec![NullsOrder::First, NullsOrder::Last])),
    )
        .prop_map(|(expr, order, nulls)| SortKey { expr, order, nulls, span: sp() })
        .boxed()
}

fn expand_items(e: Bs<Expr>) -> Bs<Vec<ExpandItem>> {
    vec(
        (assign_s(e), option::of(scalar_type())).prop_map(|(value, to)| ExpandItem { value, to: to.map(type_name) }),
        1..3,
    )
    .boxed()
}

fn parse_pattern() -> Bs<Vec<ParsePart>> {
    let part = prop_oneof![
        string_value().prop_map(ParsePart::Text),
        Just(ParsePart::Star),
        (any_name(), option::of(scalar_type()))
            .prop_map(|(n, ty)| ParsePart::Column { name: ident(n), ty: ty.map(type_name) }),
    ];
    vec(part, 1..6)
        .prop_map(|parts| {
            // Adjacent strings are one string to the parser (`"a" "b"` is "ab").
            let mut out: Vec<ParsePart> = Vec::new();
            for p in parts {
                let text_after_text = matches!(p, ParsePart::Text(_)) && matches!(out.last(), Some(ParsePart::Text(_)));
                if !text_after_text {
                    out.push(p);
                }
            }
            out
        })
        .boxed()
}

const RENDER_PROPERTIES: &[&str] = &[
    "accumulate",
    "anomalycolumns",
    "kind",
    "legend",
    "series",
    "title",
    "xaxis",
    "xcolumn",
    "xmax",
    "xmin",
    "xtitle",
    "yaxis",
    "ycolumns",
    "ymax",
    "ymin",
    "ysplit",
    "ytitle",
];

fn render() -> Bs<OperatorKind> {
    let property = (select(RENDER_PROPERTIES), vec(option_value(), 1..4)).prop_map(|(name, mut values)| {
        if !matches!(name, "ycolumns" | "series" | "anomalycolumns") {
            values.truncate(1);
        }
        RenderProperty { name: ident(name), values, span: sp() }
    });
    (any_name(), vec(property, 0..3))
        .prop_map(|(v, properties)| OperatorKind::Render(Render { visualization: ident(v), properties }))
        .boxed()
}

/// `evaluate` with its plugin named by `plugin`.
fn evaluate(e: Bs<Expr>, plugin: Bs<String>) -> Bs<OperatorKind> {
    (options(HINTS), plugin, args(e), option::of(table_schema()))
        .prop_map(|(options, plugin, a, schema)| {
            OperatorKind::Evaluate(Evaluate { options, plugin: call(name_expr(plugin), a), schema })
        })
        .boxed()
}

fn make_series(e: Bs<Expr>) -> Bs<OperatorKind> {
    let aggregate =
        (assign_s(e.clone()), option::of(e.clone())).prop_map(|(value, default)| SeriesAggregate { value, default });
    (
        options(&["kind", "hint.strategy"]),
        vec(aggregate, 1..3),
        e.clone(),
        (option::of(e.clone()), option::of(e.clone()), e.clone(), any::<bool>()),
        assigns(e, 0),
    )
        .prop_map(|(options, aggregates, on, (from, to, step, in_range), by)| {
            // `in range(from, to, step)` always has all three.
            let in_range = in_range && from.is_some() && to.is_some();
            OperatorKind::MakeSeries(MakeSeries { options, aggregates, on, from, to, step, in_range, by })
        })
        .boxed()
}

/// Operators with no sub-query: their parts are expressions and names.
fn simple_ops(e: Bs<Expr>) -> Bs<Operator> {
    let project_pattern = prop_oneof![2 => name_e(), 1 => wildcard()].boxed();
    prop_oneof![
        3 => e.clone().prop_map(OperatorKind::Where),
        2 => assigns(e.clone(), 1).prop_map(OperatorKind::Extend),
        2 => assigns(e.clone(), 1).prop_map(OperatorKind::Project),
        1 => vec(project_pattern.clone(), 1..3).prop_map(OperatorKind::ProjectAway),
        1 => vec(project_pattern, 1..3).prop_map(OperatorKind::ProjectKeep),
        1 => vec((any_name(), any_name()).prop_map(|(new, old)| assign(vec![new], name_expr(old))), 1..3)
            .prop_map(OperatorKind::ProjectRename),
        2 => (options(HINTS), assigns(e.clone(), 0), assigns(e.clone(), 0))
            .prop_map(|(options, aggregates, by)| OperatorKind::Summarize(Summarize { options, aggregates, by })),
        1 => vec(sort_key(e.clone()), 1..3).prop_map(OperatorKind::Sort),
        1 => (e.clone(), sort_key(e.clone())).prop_map(|(count, by)| OperatorKind::Top { count, by }),
        1 => e.clone().prop_map(OperatorKind::Take),
        1 => prop_oneof![
            assigns(e.clone(), 1),
            Just(vec![assign(vec![], ex(ExprKind::Wildcard("*".into())))]),
        ]
        .prop_map(OperatorKind::Distinct),
        1 => Just(OperatorKind::Count),
        1 => (
            options(&["bagexpansion", "with_itemindex", "kind"]),
            expand_items(e.clone()),
            option::of(e.clone()),
            any::<bool>()
        )
            .prop_map(|(options, items, limit, legacy)| OperatorKind::MvExpand(MvExpand {
                options,
                items,
                limit,
                legacy
            })),
        1 => (any::<bool>(), options(&["kind", "flags"]), e.clone(), parse_pattern()).prop_map(
            |(where_, options, source, pattern)| OperatorKind::Parse(Parse { where_, options, source, pattern })
        ),
        1 => make_series(e.clone()),
        1 => evaluate(e.clone(), callable_name(any_name())),
        1 => render(),
        1 => (options(HINTS), any_name()).prop_map(|(options, n)| OperatorKind::As { options, name: ident(n) }),
        1 => assigns(e.clone(), 0).prop_map(OperatorKind::Serialize),
        1 => e.clone().prop_map(OperatorKind::Sample),
        1 => Just(OperatorKind::Getschema),
        1 => (callable_name(any_name()), args(e.clone()))
            .prop_map(|(f, a)| OperatorKind::Invoke(call(name_expr(f), a))),
        6 => more_ops(e),
    ]
    .prop_map(op)
    .boxed()
}

/// A search predicate: `Col:value` terms alone or joined by `and`/`or`, or
/// any expression, with nested pipelines where `e` has them.
fn search_predicate(e: Bs<Expr>) -> Bs<Expr> {
    let term = (prop_oneof![name_e(), Just(ex(ExprKind::Wildcard("*".into())))], e.clone())
        .prop_map(|(c, v)| ex(ExprKind::SearchTerm { column: bx(c), value: bx(v) }));
    prop_oneof![
        2 => term.clone(),
        1 => (select(vec![BinaryOp::And, BinaryOp::Or]), term.clone(), term)
            .prop_map(|(op, l, r)| ex(ExprKind::Binary { op, lhs: bx(l), rhs: bx(r) })),
        2 => e,
    ]
    .boxed()
}

/// `name=value` options of `with (...)` lists, any names.
fn free_options() -> Bs<Vec<OptionArg>> {
    vec((any_name(), option_value()).prop_map(|(n, value)| OptionArg { name: ident(n), value, span: sp() }), 0..3)
        .boxed()
}

fn search(e: Bs<Expr>) -> Bs<OperatorKind> {
    let tables = prop_oneof![name_e(), wildcard()];
    (options(&["kind", "datascope"]), option::of(vec(tables, 1..3)), search_predicate(e))
        .prop_map(|(options, tables, predicate)| OperatorKind::Search(Search { options, tables, predicate }))
        .boxed()
}

fn find(e: Bs<Expr>) -> Bs<OperatorKind> {
    let tables = prop_oneof![name_e(), wildcard()];
    let column = (prop_oneof![name_e(), call_e(e.clone())], option::of(scalar_type()))
        .prop_map(|(expr, ty)| FindColumn { expr, ty: ty.map(type_name) });
    let project = option::of(prop_oneof![Just(FindProject::Smart), vec(column, 1..3).prop_map(FindProject::Columns),]);
    (
        options(&["withsource", "datascope", "kind", "hint.strategy"]),
        option::of(vec(tables, 1..3)),
        search_predicate(e),
        project,
    )
        .prop_map(|(options, tables, predicate, project)| {
            OperatorKind::Find(Find { options, tables, predicate, project })
        })
        .boxed()
}

/// `a`, `a.b`: the node columns of `make-graph`.
fn column_path() -> Bs<Expr> {
    (any_name(), vec(any_name(), 0..2))
        .prop_map(|(first, rest)| rest.into_iter().fold(name_expr(first), member))
        .boxed()
}

fn graph_pattern() -> Bs<Vec<GraphElement>> {
    let node = option::of(any_name()).prop_map(|n| GraphElement::Node(n.map(ident)));
    let bound = prop_oneof![(0i64..5).prop_map(|v| lit(Literal::Long(v))), name_e()];
    let edge = (option::of(any_name()), any::<bool>(), any::<bool>(), option::of((bound.clone(), bound)))
        .prop_map(|(name, left, right, range)| GraphElement::Edge { name: name.map(ident), left, right, range });
    (node.clone(), vec((edge, node), 0..3))
        .prop_map(|(first, rest)| {
            let mut path = vec![first];
            for (edge, node) in rest {
                path.push(edge);
                path.push(node);
            }
            path
        })
        .boxed()
}

/// Simple statements for the bodies of `macro-expand` and `declare pattern`.
fn body_statements(e: Bs<Expr>) -> Bs<Vec<Statement>> {
    (vec((any_name(), e.clone()).prop_map(|(n, v)| let_stmt(n, v)), 0..2), prop_oneof![name_e(), e])
        .prop_map(|(mut body, last)| {
            body.push(Statement::Expr(last));
            body
        })
        .boxed()
}

/// The operators beyond the common ones: reordering, nested tops, text,
/// search, scan, graphs.
fn more_ops(e: Bs<Expr>) -> Bs<OperatorKind> {
    let pattern = prop_oneof![2 => name_e(), 1 => wildcard()].boxed();
    let level = (
        option::of(e.clone()),
        assign_s(e.clone()),
        option::of(e.clone()),
        assign_s(e.clone()),
        option::of(select(vec![SortOrder::Asc, SortOrder::Desc])),
    )
        .prop_map(|(count, of, others, by, order)| TopNestedLevel { count, of, others, by, order });
    let step = (any_name(), options(&["output"]), e.clone(), assigns(e.clone(), 0)).prop_map(
        |(name, options, condition, assigns)| ScanStep { name: ident(name), options, condition, assigns, span: sp() },
    );
    let part = (any_name(), option::of(any_name()), options(&["with_node_id", "with_source_id", "with_target_id"]))
        .prop_map(|(kind, alias, options)| GraphTablePart { kind: ident(kind), alias: alias.map(ident), options });
    let group = prop_oneof![name_e(), entity_group(e.clone())];
    prop_oneof![
        1 => vec(
            (pattern.clone(), option::of(select(vec!["asc", "desc", "granny-asc", "granny-desc"])))
                .prop_map(|(column, order)| ReorderItem { column, order: order.map(ident) }),
            1..3,
        )
        .prop_map(OperatorKind::ProjectReorder),
        1 => vec(prop_oneof![name_e(), wildcard(), dyn_value().prop_map(|v| lit(Literal::Dynamic(v)))], 1..3)
            .prop_map(OperatorKind::ProjectByNames),
        1 => vec(level, 1..3).prop_map(OperatorKind::TopNested),
        1 => (e.clone(), e.clone(), option::of(e.clone()))
            .prop_map(|(count, of, by)| OperatorKind::TopHitters { count, of, by }),
        1 => (e.clone(), e.clone()).prop_map(|(count, of)| OperatorKind::SampleDistinct { count, of }),
        1 => (e.clone(), vec((any_name(), scalar_type()).prop_map(column_decl), 0..3), free_options())
            .prop_map(|(source, keys, options)| OperatorKind::ParseKv(ParseKv { source, keys, options })),
        1 => (vec(e.clone(), 1..3), option::of(sub_query_leaf(e.clone())))
            .prop_map(|(columns, with)| OperatorKind::Facet { columns, with }),
        1 => (options(&["kind"]), e.clone(), free_options())
            .prop_map(|(options, by, with)| OperatorKind::Reduce { options, by, with }),
        1 => options(&["decodeblocks"]).prop_map(OperatorKind::Consume),
        1 => search(e.clone()),
        1 => find(e.clone()),
        1 => (options(&["with_match_id", "kind"]), vec(param(expr_tree(None)), 0..2), vec(step, 1..3))
            .prop_map(|(options, declare, steps)| OperatorKind::Scan(Scan { options, declare, steps })),
        1 => (options(&["kind", "isfuzzy", "hint.strategy"]), group, any_name(), body_statements(e.clone()))
            .prop_map(|(options, group, alias, body)| {
                OperatorKind::MacroExpand { options, group, alias: ident(alias), body }
            }),
        1 => (
            options(&["with_node_id", "hint.strategy"]),
            column_path(),
            any::<bool>(),
            column_path(),
            vec((prop_oneof![name_e(), e.clone()], column_path()), 0..3),
            option::of((column_path(), sub_query_leaf(e.clone()))),
        )
            .prop_map(|(options, source, directed, target, nodes, partitioned_by)| {
                OperatorKind::MakeGraph(MakeGraph { options, source, directed, target, nodes, partitioned_by })
            }),
        1 => (
            any::<bool>(),
            options(&["cycles", "output"]),
            vec(graph_pattern(), 1..3),
            option::of(e.clone()),
            assigns(e, 0),
        )
            .prop_map(|(shortest, options, patterns, predicate, project)| {
                OperatorKind::GraphMatch(GraphMatch { shortest, options, patterns, predicate, project })
            }),
        1 => vec(part, 1..3).prop_map(OperatorKind::GraphToTable),
        1 => options(&["kind", "with_component_id"]).prop_map(OperatorKind::GraphMarkComponents),
    ]
    .boxed()
}

/// A sub-query of simple, sub-query-free operators (for `facet` and
/// `make-graph`, which are simple operators themselves).
fn sub_query_leaf(e: Bs<Expr>) -> Bs<Vec<Operator>> {
    let ops = prop_oneof![
        e.clone().prop_map(OperatorKind::Where),
        e.clone().prop_map(OperatorKind::Take),
        assigns(e, 1).prop_map(OperatorKind::Extend),
        Just(OperatorKind::Count),
    ]
    .prop_map(op);
    vec(ops, 1..3).boxed()
}

/// `( op | op ... )` of `mv-apply`, `fork` and `partition`.
fn sub_query(e: Bs<Expr>) -> Bs<Vec<Operator>> {
    vec(simple_ops(e), 1..3).boxed()
}

/// A table in `union`: a name, a pattern, a call, or a parenthesised query.
fn table_ref(e: Bs<Expr>, pipe: Bs<Expr>) -> Bs<Expr> {
    // A call by name: after `union` a leading `*` starts a pattern, so
    // `*.f()` is not a table there.
    let call = (callable_name(any_name()), args(e)).prop_map(|(f, a)| call(name_expr(f), a));
    prop_oneof![
        4 => name_e(),
        2 => wildcard(),
        1 => call,
        1 => pipe,
    ]
    .boxed()
}

const UNION_OPTIONS: &[&str] = &["kind", "withsource", "isfuzzy"];

/// The operators that start a query: `print`, `range`, `datatable`,
/// `union`, `evaluate`.
fn source_ops(e: Bs<Expr>, tables: Bs<Expr>) -> Bs<Expr> {
    prop_oneof![
        3 => assigns(e.clone(), 1).prop_map(OperatorKind::Print),
        1 => (any_name(), e.clone(), e.clone(), e.clone())
            .prop_map(|(c, from, to, step)| OperatorKind::Range { column: ident(c), from, to, step }),
        1 => (vec((any_name(), scalar_type()).prop_map(column_decl), 0..3), vec(e.clone(), 0..4))
            .prop_map(|(schema, values)| OperatorKind::Datatable { schema, values }),
        // Often first a pattern such as `or*`: `union or*` is no `union or *`.
        1 => (options(UNION_OPTIONS), option::weighted(0.25, operator_word_pattern()), vec(tables, 1..3))
            .prop_map(|(options, first, mut tables)| {
                tables.splice(0..0, first);
                OperatorKind::Union(Union { options, tables })
            }),
        1 => evaluate(e.clone(), callable_name(any_name())),
        1 => search(e.clone()),
        1 => find(e.clone()),
        1 => (vec((any_name(), scalar_type()).prop_map(column_decl), 0..3), vec(e, 0..3), free_options())
            .prop_map(|(schema, uris, properties)| OperatorKind::Externaldata { schema, uris, properties }),
    ]
    .prop_map(source)
    .boxed()
}

/// What a pipeline starts from.
fn pipeline_source(e: Bs<Expr>, tables: Bs<Expr>) -> Bs<Expr> {
    prop_oneof![
        4 => name_e(),
        1 => call_e(e.clone()),
        1 => (call_e(e.clone()), any_name()).prop_map(|(db, t)| member(db, t)),
        1 => e.clone(),
        2 => source_ops(e, tables),
    ]
    .boxed()
}

/// `Source | op | ...` with operators that take no sub-query.
fn simple_pipeline(e: Bs<Expr>) -> Bs<Expr> {
    let tables = prop_oneof![name_e(), wildcard()].boxed();
    (pipeline_source(e.clone(), tables), vec(simple_ops(e), 1..3))
        .prop_map(|(s, ops)| ex(ExprKind::Pipeline { source: bx(s), ops }))
        .boxed()
}

const JOIN_OPTIONS: &[&str] = &["kind", "hint.strategy", "hint.remote"];

/// Every piped operator, the ones with sub-queries and tables included.
fn all_ops(e: Bs<Expr>) -> Bs<Operator> {
    let pipe = simple_pipeline(e.clone());
    let tables = prop_oneof![name_e(), wildcard()].boxed();
    let right = prop_oneof![
        3 => name_e(),
        2 => pipe.clone(),
        1 => call_e(e.clone()),
        1 => source_ops(e.clone(), tables.clone()),
    ]
    .boxed();
    let cond = prop_oneof![
        2 => name_e(),
        2 => (any_name(), any_name()).prop_map(|(a, b)| ex(ExprKind::Binary {
            op: BinaryOp::Eq,
            lhs: bx(ex(ExprKind::Member { target: bx(name_expr("$left")), member: ident(a) })),
            rhs: bx(ex(ExprKind::Member { target: bx(name_expr("$right")), member: ident(b) })),
        })),
        1 => e.clone(),
    ]
    .boxed();
    let join = |allowed: &'static [&'static str]| {
        (options(allowed), right.clone(), vec(cond.clone(), 1..3)).prop_map(|(options, right, on)| Join {
            options,
            right,
            on,
        })
    };
    let composite = prop_oneof![
        2 => (
            options(UNION_OPTIONS),
            vec(table_ref(e.clone(), prop_oneof![pipe.clone(), source_ops(e.clone(), tables)].boxed()), 1..3),
        )
            .prop_map(|(options, tables)| OperatorKind::Union(Union { options, tables })),
        2 => join(JOIN_OPTIONS).prop_map(OperatorKind::Join),
        1 => join(&["kind"]).prop_map(OperatorKind::Lookup),
        1 => (options(&["with_itemindex"]), expand_items(e.clone()), option::of(e.clone()), sub_query(e.clone()))
            .prop_map(|(options, items, limit, on)| OperatorKind::MvApply(MvApply { options, items, limit, on })),
        1 => vec((option::of(any_name()), sub_query(e.clone())), 1..3).prop_map(|bs| OperatorKind::Fork(
            bs.into_iter().map(|(n, ops)| ForkBranch { name: n.map(ident), ops }).collect()
        )),
        1 => (
            options(HINTS),
            any_name(),
            prop_oneof![
                sub_query(e.clone()).prop_map(PartitionBody::Operators),
                prop_oneof![pipe.clone(), name_e()].prop_map(|q| PartitionBody::Query(bx(q))),
            ],
        )
            .prop_map(|(options, by, body)| OperatorKind::Partition(Partition { options, by: name_expr(by), body })),
    ]
    .prop_map(op);
    prop_oneof![3 => simple_ops(e), 1 => composite].boxed()
}

/// `Source | op | ...` with every operator.
fn pipeline(e: Bs<Expr>) -> Bs<Expr> {
    let tables = table_ref(e.clone(), simple_pipeline(e.clone()));
    (pipeline_source(e.clone(), tables), vec(all_ops(e), 1..4))
        .prop_map(|(s, ops)| ex(ExprKind::Pipeline { source: bx(s), ops }))
        .boxed()
}

// ---- statements ---------------------------------------------------------

const SET_OPTIONS: &[&str] = &["query_now", "notruncation", "truncationmaxrecords", "query_datascope", "a.b.c"];

fn param(e: Bs<Expr>) -> Bs<Param> {
    (
        any_name(),
        prop_oneof![
            2 => scalar_type().prop_map(|t| ParamType::Scalar(type_name(t))),
            1 => table_schema().prop_map(ParamType::Tabular),
        ],
        option::of(e),
    )
        .prop_map(|(n, ty, default)| Param { name: ident(n), ty, default, span: sp() })
        .boxed()
}

fn let_stmt(name: String, value: Expr) -> Statement {
    Statement::Let(LetStmt { name: ident(name), value, span: sp() })
}

fn lambda(e: Bs<Expr>, tabular: Bs<Expr>) -> Bs<Expr> {
    let body_let = (any_name(), e.clone()).prop_map(|(n, v)| let_stmt(n, v));
    let default = e.clone().boxed();
    (any::<bool>(), vec(param(default), 0..3), vec(body_let, 0..2), prop_oneof![tabular, e])
        .prop_map(|(view, params, mut body, result)| {
            body.push(Statement::Expr(result));
            ex(ExprKind::Lambda(Lambda { view, params, body }))
        })
        .boxed()
}

fn statement(e: Bs<Expr>, tabular: Bs<Expr>) -> Bs<Statement> {
    let tables = table_ref(e.clone(), simple_pipeline(e.clone()));
    prop_oneof![
        2 => (any_name(), e.clone()).prop_map(|(n, v)| let_stmt(n, v)),
        2 => (any_name(), tabular.clone()).prop_map(|(n, v)| let_stmt(n, v)),
        2 => (any_name(), lambda(e.clone(), tabular.clone())).prop_map(|(n, v)| let_stmt(n, v)),
        1 => (select(SET_OPTIONS), option::of(e.clone()))
            .prop_map(|(n, value)| Statement::Set(SetStmt { name: ident(n), value, span: sp() })),
        4 => tabular.clone().prop_map(Statement::Expr),
        1 => source_ops(e.clone(), tables).prop_map(Statement::Expr),
        1 => e.clone().prop_map(Statement::Expr),
        1 => vec(param(expr_tree(None)), 0..3)
            .prop_map(|params| Statement::DeclareQueryParameters(DeclareStmt { params, span: sp() })),
        1 => (any_name(), prop_oneof![e.clone(), tabular])
            .prop_map(|(n, value)| Statement::Alias(AliasStmt { name: ident(n), value, span: sp() })),
        1 => vec(prop_oneof![name_e(), wildcard()], 1..3)
            .prop_map(|entities| Statement::Restrict(RestrictStmt { entities, span: sp() })),
        1 => pattern_stmt(e),
    ]
    .boxed()
}

/// `declare pattern Name [= (params)[Path:type] { (args).[path] = { body }; ... }]`.
fn pattern_stmt(e: Bs<Expr>) -> Bs<Statement> {
    let rule = (vec(e.clone(), 1..3), option::of(e.clone()), body_statements(e))
        .prop_map(|(args, path, body)| PatternRule { args, path, body });
    let full = (
        vec(param(expr_tree(None)), 1..3),
        option::of((any_name(), scalar_type()).prop_map(column_decl)),
        vec(rule, 0..3),
    );
    (any_name(), option::of(full))
        .prop_map(|(n, full)| {
            // Without parameters the printer writes the bare declaration.
            let (params, path, rules) = full.unwrap_or_default();
            Statement::Pattern(PatternStmt { name: ident(n), params, path, rules, span: sp() })
        })
        .boxed()
}

fn query_of(statements: Vec<Statement>) -> Query {
    Query { statements, span: sp() }
}

// ---- the property -------------------------------------------------------

fn config() -> Config {
    // No regression files: this suite only reads the tree.
    // XorShift: ChaCha, the default, dominates the run time in debug builds.
    Config { cases: 2000, failure_persistence: None, rng_algorithm: RngAlgorithm::XorShift, ..Config::default() }
}

/// Prints `q`, parses the text, and checks the parse is clean and equal to
/// `q` up to spans.
fn check_round_trip(q: &Query) -> Result<(), TestCaseError> {
    let text = print_query(q);
    let parsed = parse(&text);
    prop_assert!(
        parsed.diagnostics.is_empty(),
        "printed text does not parse cleanly:\n{}\n{:?}",
        text,
        parsed.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let got = dump(&parsed.query, false);
    let want = dump(q, false);
    prop_assert!(got == want, "printed text parses to another tree:\n{}\n{}", text, first_difference(&got, &want));
    Ok(())
}

/// The first lines where two dumps differ, with the lines before them.
fn first_difference(parsed: &str, generated: &str) -> String {
    let (p, g): (Vec<&str>, Vec<&str>) = (parsed.lines().collect(), generated.lines().collect());
    let at = p.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let from = at.saturating_sub(6);
    let show = |lines: &[&str]| lines[from.min(lines.len())..(at + 4).min(lines.len())].join("\n");
    format!("--- parsed, from line {from}:\n{}\n--- generated:\n{}", show(&p), show(&g))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn printed_scalar_expression_parses_back_to_itself(e in expr_strategy()) {
        check_round_trip(&query_of(vec![Statement::Expr(e)]))?;
    }

    #[test]
    fn printed_pipeline_parses_back_to_itself(p in pipeline(expr_strategy())) {
        check_round_trip(&query_of(vec![Statement::Expr(p)]))?;
    }

    #[test]
    fn printed_query_of_several_statements_parses_back_to_itself(
        stmts in {
            let e = expr_strategy();
            vec(statement(e.clone(), pipeline(e)), 1..4)
        }
    ) {
        check_round_trip(&query_of(stmts))?;
    }
}
