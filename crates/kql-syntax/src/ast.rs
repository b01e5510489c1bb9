//! The typed syntax tree. Every node carries the [`Span`] of the text it came
//! from. Parentheses leave no node: the tree's shape holds the grouping, and
//! the printer puts parentheses back where precedence needs them.
//!
//! Keywords are matched case-sensitively as Kusto does; names keep their
//! spelling. Options such as `kind=inner` or `hint.strategy=shuffle` are kept
//! as [`OptionArg`] lists in source order, so new options need no new nodes.

use serde::Serialize;

use crate::span::Span;

/// A name as written: `FileName`, `$left`, or the inside of `['File Name']`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    /// The name, with brackets and quotes removed.
    pub name: String,
    /// Where it is, brackets included.
    pub span: Span,
}

/// A whole query: statements separated by `;`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Query {
    /// The statements in order. The tabular expression statements are the
    /// query's results.
    pub statements: Vec<Statement>,
    /// The whole text.
    pub span: Span,
}

/// One statement of a query or of a function body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Statement {
    /// `let Name = Expression`.
    Let(LetStmt),
    /// `set name [= value]`.
    Set(SetStmt),
    /// `declare query_parameters (Name:Type [= Default], ...)`.
    DeclareQueryParameters(DeclareStmt),
    /// `alias database Name = cluster(...).database(...)`.
    Alias(AliasStmt),
    /// `restrict access to (Entity, ...)`.
    Restrict(RestrictStmt),
    /// `declare pattern Name [= (params)[path] { rules }]`.
    Pattern(PatternStmt),
    /// An expression statement, usually tabular: the query's output.
    Expr(Expr),
}

/// `declare pattern Name = (Arg:string, ...)[Path:string] { (values).[path] = { query }; ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternStmt {
    /// The pattern name.
    pub name: Ident,
    /// Its arguments; empty for a bare `declare pattern Name`.
    pub params: Vec<Param>,
    /// The `[Path:type]` declaration.
    pub path: Option<ColumnDecl>,
    /// The rules.
    pub rules: Vec<PatternRule>,
    /// The statement.
    pub span: Span,
}

/// `(values).[path] = { body }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternRule {
    /// The argument values.
    pub args: Vec<Expr>,
    /// The path value.
    pub path: Option<Expr>,
    /// The body statements; the last is the result.
    pub body: Vec<Statement>,
}

/// `let Name = Expression`, where the expression may be a scalar, a tabular
/// expression, or a function ([`ExprKind::Lambda`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetStmt {
    /// The bound name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// The statement, `let` to the end of the value.
    pub span: Span,
}

/// `set name [= value]`: a request property such as `query_now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetStmt {
    /// The option name, dots included (`query_results_cache_max_age`).
    pub name: Ident,
    /// The value, if given.
    pub value: Option<Expr>,
    /// The statement.
    pub span: Span,
}

/// `declare query_parameters (...)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclareStmt {
    /// The declared parameters.
    pub params: Vec<Param>,
    /// The statement.
    pub span: Span,
}

/// `alias database Name = Expression`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasStmt {
    /// The alias.
    pub name: Ident,
    /// What it stands for.
    pub value: Expr,
    /// The statement.
    pub span: Span,
}

/// `restrict access to (Entity, ...)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestrictStmt {
    /// The entities left visible.
    pub entities: Vec<Expr>,
    /// The statement.
    pub span: Span,
}

/// A function or query parameter: `Name:Type [= Default]`, or a tabular
/// parameter `T:(*)` / `T:(Col:type, *)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// The parameter name.
    pub name: Ident,
    /// Its declared type.
    pub ty: ParamType,
    /// Its default value.
    pub default: Option<Expr>,
    /// The whole parameter.
    pub span: Span,
}

/// The declared type of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ParamType {
    /// A scalar type.
    Scalar(TypeName),
    /// A tabular type.
    Tabular(TableSchema),
}

/// A tabular schema: `(*)`, `(a:string, b:long)`, or `(a:string, *)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSchema {
    /// The declared columns.
    pub columns: Vec<ColumnDecl>,
    /// Whether `*` allows more columns.
    pub open: bool,
    /// The parenthesised schema.
    pub span: Span,
}

/// `Name:Type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDecl {
    /// The column name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeName,
    /// The declaration.
    pub span: Span,
}

/// The scalar types of Kusto. Aliases (`double`, `boolean`, `date`, `time`,
/// `uniqueid`) map to their canonical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ScalarType {
    /// `bool` / `boolean`.
    Bool,
    /// `int` (32-bit).
    Int,
    /// `long` (64-bit).
    Long,
    /// `real` / `double`.
    Real,
    /// `decimal` (128-bit).
    Decimal,
    /// `string`.
    String,
    /// `datetime` / `date`.
    Datetime,
    /// `timespan` / `time`.
    Timespan,
    /// `guid` / `uniqueid`.
    Guid,
    /// `dynamic`.
    Dynamic,
}

impl ScalarType {
    /// Every type with its accepted spellings, canonical first.
    pub const NAMES: &'static [(&'static str, ScalarType)] = &[
        ("bool", ScalarType::Bool),
        ("boolean", ScalarType::Bool),
        ("int", ScalarType::Int),
        ("long", ScalarType::Long),
        ("real", ScalarType::Real),
        ("double", ScalarType::Real),
        ("decimal", ScalarType::Decimal),
        ("string", ScalarType::String),
        ("datetime", ScalarType::Datetime),
        ("date", ScalarType::Datetime),
        ("timespan", ScalarType::Timespan),
        ("time", ScalarType::Timespan),
        ("guid", ScalarType::Guid),
        ("uniqueid", ScalarType::Guid),
        ("dynamic", ScalarType::Dynamic),
    ];

    /// The type named `name`, if any.
    pub fn from_name(name: &str) -> Option<ScalarType> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, t)| *t == self).map(|(n, _)| *n).unwrap_or("dynamic")
    }
}

/// A type as written, for example in `x:string`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeName {
    /// The type.
    pub ty: ScalarType,
    /// Where it was written.
    pub span: Span,
}

/// An expression: scalar or tabular. Kusto's grammar shares one expression
/// syntax between both (`toscalar(T | count)` and `x in (T | project y)`),
/// and only binding tells them apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is (without enclosing parentheses).
    pub span: Span,
}

/// The kinds of [`Expr`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A name: column, table, `let` binding or function.
    Name(Ident),
    /// `*` or a name pattern with wildcards, as in `union Device*` or
    /// `arg_max(Timestamp, *)`.
    Wildcard(String),
    /// `target.member`.
    Member {
        /// The value before the dot.
        target: Box<Expr>,
        /// The member name.
        member: Ident,
    },
    /// `target[index]`.
    Index {
        /// The value indexed.
        target: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// `func(args)`.
    Call {
        /// The called function, usually a [`ExprKind::Name`].
        func: Box<Expr>,
        /// The arguments in order.
        args: Vec<Arg>,
    },
    /// `-x`, `+x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        operand: Box<Expr>,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `lhs in (a, b)`, `lhs has_any (list)` and their variants.
    InList {
        /// The operator.
        op: ListOp,
        /// The value tested.
        lhs: Box<Expr>,
        /// The list items: scalars, `dynamic` arrays or tabular expressions.
        items: Vec<Expr>,
    },
    /// `lhs between (low .. high)` or `!between`.
    Between {
        /// Whether it is `!between`.
        negated: bool,
        /// The value tested.
        lhs: Box<Expr>,
        /// The lower bound.
        low: Box<Expr>,
        /// The upper bound.
        high: Box<Expr>,
    },
    /// `Col:"value"` inside `search` and `find`.
    SearchTerm {
        /// The column (or `*`).
        column: Box<Expr>,
        /// The searched value.
        value: Box<Expr>,
    },
    /// `source | op | op ...`.
    Pipeline {
        /// The first tabular expression.
        source: Box<Expr>,
        /// The operators applied in order.
        ops: Vec<Operator>,
    },
    /// A tabular operator that starts a query: `print`, `range`,
    /// `datatable`, `externaldata`, `union`, `find`, `search`, `evaluate`.
    Source(Box<Operator>),
    /// `(params) { body }` or `view (params) { body }`.
    Lambda(Lambda),
    /// `entity_group [Entity, ...]`.
    EntityGroup(Vec<Expr>),
    /// `typeof(string)` or `typeof(a:string, *)`.
    TypeOf(ParamType),
    /// A placeholder where the parser found an error.
    Error,
}

/// A function body with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lambda {
    /// Whether it was declared with `view`.
    pub view: bool,
    /// Its parameters.
    pub params: Vec<Param>,
    /// Its statements; the last is the result.
    pub body: Vec<Statement>,
}

/// A call argument, positional or named (`name = value`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arg {
    /// The name, for a named argument.
    pub name: Option<Ident>,
    /// The value.
    pub value: Expr,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
}

/// The family of a string operator (`has`, `contains`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum StringOpKind {
    /// `has`: whole terms.
    Has,
    /// `hasprefix`: a term starts with.
    HasPrefix,
    /// `hassuffix`: a term ends with.
    HasSuffix,
    /// `contains`: a substring.
    Contains,
    /// `startswith`.
    StartsWith,
    /// `endswith`.
    EndsWith,
}

/// A string operator with its `_cs` and `!` variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct StringOp {
    /// The family.
    pub kind: StringOpKind,
    /// `_cs`: case-sensitive.
    pub case_sensitive: bool,
    /// `!`: negated.
    pub negated: bool,
}

/// Binary operators, in Kusto's precedence groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=` or `<>`
    NotEq,
    /// `=~` (case-insensitive equality)
    EqCi,
    /// `!~`
    NotEqCi,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `has`, `contains`, `startswith`, ... and their variants.
    String(StringOp),
    /// `matches regex`
    MatchesRegex,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

/// List operators: `in`, `has_any` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ListOp {
    /// `in` (case-sensitive)
    In,
    /// `!in`
    NotIn,
    /// `in~`
    InCi,
    /// `!in~`
    NotInCi,
    /// `has_any`
    HasAny,
    /// `has_all`
    HasAll,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    /// `true`, `false`, `bool(...)`.
    Bool(bool),
    /// A 32-bit integer, or `int(...)`.
    Int(i32),
    /// A 64-bit integer, or `long(...)`.
    Long(i64),
    /// A real, or `real(...)`; `real(nan)`, `real(+inf)` included.
    Real(f64),
    /// `decimal(...)`, kept as its text.
    Decimal(String),
    /// A string, decoded.
    String(String),
    /// A datetime, as 100-nanosecond ticks since 1970-01-01 UTC.
    Datetime(i64),
    /// A timespan, as 100-nanosecond ticks.
    Timespan(i64),
    /// A GUID in its canonical lowercase form.
    Guid(String),
    /// A typed null: `int(null)`, `datetime(null)`, ...
    Null(ScalarType),
    /// `dynamic(...)`.
    Dynamic(DynValue),
}

/// The value inside `dynamic(...)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DynValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Long(i64),
    /// A real.
    Real(f64),
    /// A string.
    String(String),
    /// A datetime, in ticks since the epoch.
    Datetime(i64),
    /// A timespan, in ticks.
    Timespan(i64),
    /// A GUID.
    Guid(String),
    /// `[a, b]`
    Array(Vec<DynValue>),
    /// `{"k": v}`, keys in source order.
    Object(Vec<(String, DynValue)>),
}

/// `Name = Expression`, `(A, B) = Expression`, or a bare expression, as in
/// `extend`, `project`, `summarize` and `print`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assign {
    /// The assigned names; empty when the column is named by the expression.
    pub names: Vec<Ident>,
    /// The value.
    pub value: Expr,
    /// The whole item.
    pub span: Span,
}

/// `name = value` options such as `kind=inner` or `hint.strategy=shuffle`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionArg {
    /// The option name, dots included.
    pub name: Ident,
    /// Its value: a name (`inner`), a literal, or a list for `render`.
    pub value: Expr,
    /// The whole option.
    pub span: Span,
}

/// The clauses of `inline_external_table`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InlineExternalTable {
    /// Column declarations; empty for `kind=delta` without a schema.
    pub schema: Vec<ColumnDecl>,
    /// `kind=storage` or `kind=delta`.
    pub kind: ExternalKind,
    /// `partition by (Name:type [= Expr], ...)`.
    pub partitions: Vec<PartitionColumn>,
    /// `pathformat = (...)`: string literals, partition column names and
    /// `datetime_pattern(format, PartitionColumn)` calls, in path order.
    pub path_format: Vec<Expr>,
    /// `dataformat = name`.
    pub data_format: Option<Ident>,
    /// The storage connection strings.
    pub uris: Vec<Expr>,
    /// `with (...)` properties.
    pub properties: Vec<OptionArg>,
}

/// Where `inline_external_table` reads: files of one format, or a Delta table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExternalKind {
    /// `kind=storage`.
    Storage,
    /// `kind=delta`.
    Delta,
}

/// A partition column: `Name:type [= Expr]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionColumn {
    /// The column and its type.
    pub column: ColumnDecl,
    /// The source column expression the partition is made from.
    pub value: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SortOrder {
    /// `asc`
    Asc,
    /// `desc`
    Desc,
}

/// Where nulls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NullsOrder {
    /// `nulls first`
    First,
    /// `nulls last`
    Last,
}

/// `Expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SortKey {
    /// The sort expression.
    pub expr: Expr,
    /// The direction, if written (Kusto's default is descending).
    pub order: Option<SortOrder>,
    /// The null placement, if written.
    pub nulls: Option<NullsOrder>,
    /// The whole key.
    pub span: Span,
}

/// A tabular operator (`where`, `summarize`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operator {
    /// Which operator, with its parts.
    pub kind: OperatorKind,
    /// From the operator name to its end.
    pub span: Span,
}

/// The tabular operators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum OperatorKind {
    /// `where Predicate` (also `filter`).
    Where(Expr),
    /// `extend [Name =] Expr, ...`.
    Extend(Vec<Assign>),
    /// `project [Name =] Expr, ...`.
    Project(Vec<Assign>),
    /// `project-away Col|Pattern, ...`.
    ProjectAway(Vec<Expr>),
    /// `project-keep Col|Pattern, ...`.
    ProjectKeep(Vec<Expr>),
    /// `project-rename New = Old, ...`.
    ProjectRename(Vec<Assign>),
    /// `project-by-names Name|Pattern|dynamic([...]), ...`.
    ProjectByNames(Vec<Expr>),
    /// `project-reorder Col|Pattern [asc|desc|granny-asc|granny-desc], ...`.
    ProjectReorder(Vec<ReorderItem>),
    /// `summarize [hints] [Name =] Agg, ... [by [Name =] Expr, ...]`.
    Summarize(Summarize),
    /// `sort by Key, ...` / `order by Key, ...`.
    Sort(Vec<SortKey>),
    /// `top N by Key`.
    Top {
        /// How many rows.
        count: Expr,
        /// The sort key.
        by: SortKey,
    },
    /// `top-nested` levels.
    TopNested(Vec<TopNestedLevel>),
    /// `top-hitters N of Expr [by Expr]`.
    TopHitters {
        /// How many values.
        count: Expr,
        /// The counted value.
        of: Expr,
        /// The summed weight, if given.
        by: Option<Expr>,
    },
    /// `take N` / `limit N`.
    Take(Expr),
    /// `distinct [Name =] Col, ...` or `distinct *`.
    Distinct(Vec<Assign>),
    /// `count`.
    Count,
    /// `union [options] Table, ...`.
    Union(Union),
    /// `join [options] (Right) on Cond, ...`.
    Join(Join),
    /// `lookup [options] (Right) on Cond, ...`.
    Lookup(Join),
    /// `mv-expand [options] Col [to typeof(T)], ... [limit N]`.
    MvExpand(MvExpand),
    /// `mv-apply [options] Col [to typeof(T)], ... [limit N] on (SubQuery)`.
    MvApply(MvApply),
    /// `parse` / `parse-where`.
    Parse(Parse),
    /// `parse-kv Expr as (Cols) with (options)`.
    ParseKv(ParseKv),
    /// `make-series`.
    MakeSeries(MakeSeries),
    /// `evaluate [hints] plugin(args) [: schema]`.
    Evaluate(Evaluate),
    /// `render Visualization [with (props)]`.
    Render(Render),
    /// `as [hints] Name`.
    As {
        /// Options such as `hint.materialized=true`.
        options: Vec<OptionArg>,
        /// The name given to the tabular result.
        name: Ident,
    },
    /// `serialize [Name = Expr, ...]`.
    Serialize(Vec<Assign>),
    /// `sample N`.
    Sample(Expr),
    /// `sample-distinct N of Col`.
    SampleDistinct {
        /// How many values.
        count: Expr,
        /// The sampled column.
        of: Expr,
    },
    /// `search [kind=..] [in (Tables)] Predicate`.
    Search(Search),
    /// `find [options] [in (Tables)] where Predicate [project ...]`.
    Find(Find),
    /// `getschema`.
    Getschema,
    /// `invoke func(args)`.
    Invoke(Expr),
    /// `facet by Col, ... [with (SubQuery)]`.
    Facet {
        /// The faceted columns.
        columns: Vec<Expr>,
        /// The `with` sub-query.
        with: Option<Vec<Operator>>,
    },
    /// `fork [Name =] (SubQuery) ...`.
    Fork(Vec<ForkBranch>),
    /// `partition [options] by Col (SubQuery)` or `{ Query }`.
    Partition(Partition),
    /// `scan [options] [declare (...)] with (steps)`.
    Scan(Scan),
    /// `range Col from Start to Stop step Step`.
    Range {
        /// The output column.
        column: Ident,
        /// First value.
        from: Expr,
        /// Last value (inclusive).
        to: Expr,
        /// Increment.
        step: Expr,
    },
    /// `print [Name =] Expr, ...`.
    Print(Vec<Assign>),
    /// `datatable (Schema) [Values]`.
    Datatable {
        /// Column declarations.
        schema: Vec<ColumnDecl>,
        /// The values, row by row.
        values: Vec<Expr>,
    },
    /// `externaldata (Schema) [Uris] [with (props)]`.
    Externaldata {
        /// Column declarations.
        schema: Vec<ColumnDecl>,
        /// Storage URIs.
        uris: Vec<Expr>,
        /// `with (...)` properties.
        properties: Vec<OptionArg>,
    },
    /// `inline_external_table [(Schema)] kind=storage|delta [partition by
    /// (...)] [pathformat=(...)] [dataformat=F] (Uris) [with (props)]`.
    InlineExternalTable(Box<InlineExternalTable>),
    /// `reduce [kind=..] by Expr [with threshold=.., characters=..]`.
    Reduce {
        /// Options before `by`.
        options: Vec<OptionArg>,
        /// The reduced expression.
        by: Expr,
        /// Options after `with`.
        with: Vec<OptionArg>,
    },
    /// `consume [decodeblocks=..]`.
    Consume(Vec<OptionArg>),
    /// `project-smart`, only after `find`.
    ProjectSmart,
    /// `macro-expand [options] Group as Name (statements)`.
    MacroExpand {
        /// `kind=`, `isfuzzy=`.
        options: Vec<OptionArg>,
        /// The entity group (a name or `entity_group [...]`).
        group: Expr,
        /// The name each entity takes inside the body.
        alias: Ident,
        /// The body, run once per entity.
        body: Vec<Statement>,
    },
    /// `make-graph Source --> Target [with Nodes on Id, ...]`.
    MakeGraph(MakeGraph),
    /// `graph-match` / `graph-shortest-paths`.
    GraphMatch(GraphMatch),
    /// `graph-to-table nodes [as N] [options] [, edges [as E] [options]]`.
    GraphToTable(Vec<GraphTablePart>),
    /// `graph-mark-components [kind=..] [with_component_id=..]`.
    GraphMarkComponents(Vec<OptionArg>),
    /// An operator the parser could not read; the diagnostics say why.
    Error,
}

/// One item of `project-reorder`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReorderItem {
    /// The column or pattern.
    pub column: Expr,
    /// `asc`, `desc`, `granny-asc` or `granny-desc`, if written.
    pub order: Option<Ident>,
}

/// `summarize` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summarize {
    /// Hints such as `hint.strategy=shuffle`.
    pub options: Vec<OptionArg>,
    /// The aggregations.
    pub aggregates: Vec<Assign>,
    /// The group keys.
    pub by: Vec<Assign>,
}

/// One level of `top-nested`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopNestedLevel {
    /// `N` in `top-nested N of`; none means all.
    pub count: Option<Expr>,
    /// The grouping expression after `of`.
    pub of: Assign,
    /// `with others = Value`.
    pub others: Option<Expr>,
    /// The ranking aggregation after `by`.
    pub by: Assign,
    /// Its direction.
    pub order: Option<SortOrder>,
}

/// `union` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Union {
    /// `kind=`, `withsource=`, `isfuzzy=`, hints.
    pub options: Vec<OptionArg>,
    /// The tables: names, wildcards, or parenthesised queries.
    pub tables: Vec<Expr>,
}

/// `join` and `lookup` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Join {
    /// `kind=`, hints.
    pub options: Vec<OptionArg>,
    /// The right side.
    pub right: Expr,
    /// The `on` conditions: column names or `$left.a == $right.b`.
    pub on: Vec<Expr>,
}

/// One `mv-expand`/`mv-apply` item: `[Name =] Expr [to typeof(Type)]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpandItem {
    /// The expanded expression and its output name.
    pub value: Assign,
    /// The `to typeof(...)` type.
    pub to: Option<TypeName>,
}

/// `mv-expand` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MvExpand {
    /// `bagexpansion=`, `with_itemindex=`, `kind=`.
    pub options: Vec<OptionArg>,
    /// The expanded columns.
    pub items: Vec<ExpandItem>,
    /// `limit N`.
    pub limit: Option<Expr>,
    /// Written `mvexpand`, the legacy spelling, whose rows per input row are
    /// at most 128 unless `limit` says otherwise (mv-expand-operator.md).
    pub legacy: bool,
}

/// `mv-apply` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MvApply {
    /// `with_itemindex=`.
    pub options: Vec<OptionArg>,
    /// The expanded columns.
    pub items: Vec<ExpandItem>,
    /// `limit N`.
    pub limit: Option<Expr>,
    /// The sub-query after `on`, applied to each row's expansion.
    pub on: Vec<Operator>,
}

/// `parse` / `parse-where` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parse {
    /// Whether it is `parse-where`.
    pub where_: bool,
    /// `kind=simple|regex|relaxed`, `flags=`.
    pub options: Vec<OptionArg>,
    /// The parsed value.
    pub source: Expr,
    /// The pattern after `with`.
    pub pattern: Vec<ParsePart>,
}

/// A piece of a `parse` pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ParsePart {
    /// A string constant to match.
    Text(String),
    /// `*`: skip anything.
    Star,
    /// `Name[:type]`: capture into a column.
    Column {
        /// The column.
        name: Ident,
        /// Its type, `string` when absent.
        ty: Option<TypeName>,
    },
}

/// `parse-kv` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseKv {
    /// The parsed value.
    pub source: Expr,
    /// The extracted keys and their types.
    pub keys: Vec<ColumnDecl>,
    /// `with (pair_delimiter=.., kv_delimiter=.., quote=.., escape=.., greedy=.., regex=..)`.
    pub options: Vec<OptionArg>,
}

/// `make-series` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MakeSeries {
    /// Options such as `kind=nonempty`.
    pub options: Vec<OptionArg>,
    /// The aggregations with optional `default=`.
    pub aggregates: Vec<SeriesAggregate>,
    /// The axis column after `on`.
    pub on: Expr,
    /// `from` start.
    pub from: Option<Expr>,
    /// `to` end.
    pub to: Option<Expr>,
    /// `step`.
    pub step: Expr,
    /// Whether the axis was written `in range(from, to, step)` (the legacy
    /// form, whose `to` is inclusive).
    pub in_range: bool,
    /// The group keys.
    pub by: Vec<Assign>,
}

/// `[Name =] Aggregation [default = Value]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesAggregate {
    /// The aggregation.
    pub value: Assign,
    /// The fill value.
    pub default: Option<Expr>,
}

/// `evaluate` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluate {
    /// Hints.
    pub options: Vec<OptionArg>,
    /// The plugin call, `plugin(args)`.
    pub plugin: Expr,
    /// The declared output schema, if given.
    pub schema: Option<TableSchema>,
}

/// `render` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Render {
    /// The visualization (`timechart`, `table`, ...).
    pub visualization: Ident,
    /// The `with (...)` properties (and the legacy ones written without `with`).
    pub properties: Vec<RenderProperty>,
}

/// One `render` property: `title="x"` or a column list `ycolumns=a, b`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderProperty {
    /// The property name.
    pub name: Ident,
    /// Its value, or values for list properties.
    pub values: Vec<Expr>,
    /// The whole property.
    pub span: Span,
}

/// `search` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Search {
    /// `kind=case_sensitive|case_insensitive`.
    pub options: Vec<OptionArg>,
    /// `in (Tables)`.
    pub tables: Option<Vec<Expr>>,
    /// The search predicate.
    pub predicate: Expr,
}

/// `find` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Find {
    /// `withsource=`, `datascope=`, `kind=`.
    pub options: Vec<OptionArg>,
    /// `in (Tables)`.
    pub tables: Option<Vec<Expr>>,
    /// The predicate after `where`.
    pub predicate: Expr,
    /// `project-smart` or `project Col[:type], ...`.
    pub project: Option<FindProject>,
}

/// What `find` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FindProject {
    /// `project-smart`.
    Smart,
    /// `project Col[:type], ...`; `pack_all()` appears as a call.
    Columns(Vec<FindColumn>),
}

/// One `find ... project` column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindColumn {
    /// The column, or `pack_all()`.
    pub expr: Expr,
    /// Its type, if given.
    pub ty: Option<TypeName>,
}

/// One `fork` branch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForkBranch {
    /// `Name = (...)`, if named.
    pub name: Option<Ident>,
    /// The sub-query operators.
    pub ops: Vec<Operator>,
}

/// `partition` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Partition {
    /// Hints.
    pub options: Vec<OptionArg>,
    /// The partition column.
    pub by: Expr,
    /// The sub-query.
    pub body: PartitionBody,
}

/// The two forms of a `partition` sub-query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PartitionBody {
    /// `( operators )`, applied to each partition.
    Operators(Vec<Operator>),
    /// `{ query }`, a query with its own source.
    Query(Box<Expr>),
}

/// `scan` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scan {
    /// `with_match_id=`.
    pub options: Vec<OptionArg>,
    /// `declare (Name:type [= default], ...)`.
    pub declare: Vec<Param>,
    /// The steps in order.
    pub steps: Vec<ScanStep>,
}

/// `step Name [output=all|last|none]: Condition [=> Col = Expr, ...];`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanStep {
    /// The step name.
    pub name: Ident,
    /// `output=`.
    pub options: Vec<OptionArg>,
    /// The condition.
    pub condition: Expr,
    /// Assignments after `=>`.
    pub assigns: Vec<Assign>,
    /// The step.
    pub span: Span,
}

/// `make-graph` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MakeGraph {
    /// Options, including `with_node_id=` and hints.
    pub options: Vec<OptionArg>,
    /// The source node id column.
    pub source: Expr,
    /// `-->` (directed) or `--` (undirected).
    pub directed: bool,
    /// The target node id column.
    pub target: Expr,
    /// `with Nodes on Id, ...`.
    pub nodes: Vec<(Expr, Expr)>,
    /// `partitioned-by Col (sub-query)`.
    pub partitioned_by: Option<(Expr, Vec<Operator>)>,
}

/// `graph-match` / `graph-shortest-paths` parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphMatch {
    /// Whether it is `graph-shortest-paths`.
    pub shortest: bool,
    /// `cycles=`, `output=`.
    pub options: Vec<OptionArg>,
    /// The comma-separated path patterns.
    pub patterns: Vec<Vec<GraphElement>>,
    /// `where` constraints.
    pub predicate: Option<Expr>,
    /// `project` columns.
    pub project: Vec<Assign>,
}

/// A node or an edge of a graph pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum GraphElement {
    /// `(name)` or `()`.
    Node(Option<Ident>),
    /// `-[name*min..max]->` and its variants.
    Edge {
        /// The edge variable.
        name: Option<Ident>,
        /// Points left (`<-`).
        left: bool,
        /// Points right (`->`).
        right: bool,
        /// `*min..max` hop range.
        range: Option<(Expr, Expr)>,
    },
}

/// One part of `graph-to-table`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphTablePart {
    /// `nodes` or `edges`.
    pub kind: Ident,
    /// `as Name`.
    pub alias: Option<Ident>,
    /// `with_node_id=`, `with_source_id=`, `with_target_id=`.
    pub options: Vec<OptionArg>,
}
