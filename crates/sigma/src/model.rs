//! The Sigma rule model: what the loader gives and the compiler takes.
//! Every value here has had its modifiers applied: a [`Pattern`] says
//! exactly what a field must hold, so compiling it to a query language, or
//! later evaluating it in a shared scan, needs no Sigma knowledge.

use std::fmt;

/// One document of a Sigma file.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A detection rule.
    Rule(Box<SigmaRule>),
    /// A filter (meta rule): `AND NOT` applied to the rules it names.
    Filter(Box<SigmaFilter>),
    /// A correlation rule over the matches of other rules.
    Correlation(Box<Correlation>),
}

/// Where something is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The metadata every kind of document has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    /// Where the document came from (a path, or `builtin:...`).
    pub origin: String,
    /// Where the document starts.
    pub pos: Pos,
    /// `title`.
    pub title: String,
    /// `id`.
    pub id: Option<String>,
    /// `name`: how correlations and filters may refer to it.
    pub name: Option<String>,
    /// `description`.
    pub description: String,
    /// `status`.
    pub status: Option<String>,
    /// `level`.
    pub level: Option<Level>,
    /// `tags` (`attack.t1059`, `attack.execution`).
    pub tags: Vec<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `fields`: what an analyst should look at.
    pub fields: Vec<String>,
    /// `references`.
    pub references: Vec<String>,
    /// `author`.
    pub author: Option<String>,
}

/// `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `informational`.
    Informational,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Level {
    /// Parses a spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

/// `logsource`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogSource {
    /// `product` (`linux`, `kubernetes`).
    pub product: Option<String>,
    /// `category` (`process_creation`).
    pub category: Option<String>,
    /// `service` (`auditd`, `audit`).
    pub service: Option<String>,
}

impl fmt::Display for LogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [("product", &self.product), ("category", &self.category), ("service", &self.service)]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
            .collect();
        if parts.is_empty() { f.write_str("(empty logsource)") } else { f.write_str(&parts.join(", ")) }
    }
}

/// A detection rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaRule {
    /// Title, id, level, tags...
    pub meta: Meta,
    /// `logsource`.
    pub logsource: LogSource,
    /// `detection`.
    pub detection: Detection,
}

/// A filter document (`filter:` with `rules`, selections and a condition).
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaFilter {
    /// Title, id...
    pub meta: Meta,
    /// `logsource`.
    pub logsource: LogSource,
    /// `filter.rules`: ids or names of the rules it applies to.
    pub rules: Vec<String>,
    /// The filter's selections and condition.
    pub detection: Detection,
}

/// `detection`: named searches and the condition over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The search identifiers, in file order.
    pub searches: Vec<Search>,
    /// `condition`: a list is OR-ed.
    pub condition: Vec<Condition>,
}

/// One search identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Its name (`selection`, `filter_main`).
    pub name: String,
    /// Where it is defined.
    pub pos: Pos,
    /// What it matches.
    pub body: SearchBody,
}

/// What a search identifier matches.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchBody {
    /// Maps (a list of maps is OR-ed; the items of one map are AND-ed).
    Maps(Vec<Vec<FieldMatch>>),
    /// Keywords: values searched for in the whole event.
    Keywords(ValueTest),
}

/// One `field|modifiers: values` item.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatch {
    /// The Sigma field name.
    pub field: String,
    /// The key as written, for messages.
    pub key: String,
    /// Where the key is.
    pub pos: Pos,
    /// What the field must satisfy.
    pub test: FieldTest,
}

/// What one field must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldTest {
    /// `|exists: true/false`.
    Exists(bool),
    /// `field: null`: the field is absent (or null).
    Null,
    /// Values (after every modifier).
    Values(ValueTest),
}

/// A list of patterns and how they combine.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueTest {
    /// `|all`: every pattern must match (otherwise any).
    pub all: bool,
    /// `|neq`: the result is negated.
    pub negate: bool,
    /// The patterns.
    pub patterns: Vec<Pattern>,
}

/// One value a field is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// A string with wildcards; case-insensitive unless `cased`.
    Text {
        /// The pieces.
        pieces: Vec<Piece>,
        /// `|cased`.
        cased: bool,
    },
    /// A number written as a number (`EventID: 4688`): compared as a
    /// number with numeric fields, as its text with string fields.
    Number(Number),
    /// `|re`: a regular expression (search, not anchored).
    Regex {
        /// The expression as written.
        pattern: String,
        /// `|i`.
        insensitive: bool,
        /// `|m`.
        multiline: bool,
        /// `|s`.
        dotall: bool,
    },
    /// `|lt`, `|lte`, `|gt`, `|gte` (or a time part equal to a value).
    Compare {
        /// The time part (`|hour`) of a date field, or `None` for the
        /// field's own value.
        part: Option<TimePart>,
        /// The comparison.
        op: CompareOp,
        /// The number.
        value: Number,
    },
    /// `|cidr`: an IPv4 or IPv6 network.
    Cidr {
        /// The network address as written.
        network: String,
        /// Prefix length.
        prefix: u8,
        /// IPv6.
        v6: bool,
    },
    /// `|fieldref`: the value of another field.
    FieldRef {
        /// The other Sigma field.
        field: String,
        /// Where in this field the other's value must be.
        position: Position,
        /// `|cased`.
        cased: bool,
    },
}

/// A piece of a wildcard string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Characters matched as they are (after unescaping).
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Many,
    /// `?`: exactly one character.
    One,
}

/// A number from a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A real.
    Real(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Real(r) => write!(f, "{r:?}"),
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`.
    Eq,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// A part of a date (`|minute` ... `|year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    /// 0–59.
    Minute,
    /// 0–23.
    Hour,
    /// 1–31.
    Day,
    /// 1–53.
    Week,
    /// 1–12.
    Month,
    /// The year.
    Year,
}

/// Where a field reference must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The whole value.
    Equal,
    /// `|startswith`.
    Start,
    /// `|endswith`.
    End,
    /// `|contains`.
    Anywhere,
}

/// A condition expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A search identifier.
    Search(String),
    /// `not x`.
    Not(Box<Condition>),
    /// `a and b and ...`.
    And(Vec<Condition>),
    /// `a or b or ...`.
    Or(Vec<Condition>),
    /// `1 of x*` / `all of them`: the searches it names, resolved.
    Of {
        /// `all of` (otherwise `1 of`).
        all: bool,
        /// The pattern as written (`them`, `selection_*`).
        pattern: String,
        /// The search identifiers it covers.
        searches: Vec<String>,
    },
}

/// A correlation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Title, id, level...
    pub meta: Meta,
    /// `type`.
    pub kind: CorrelationType,
    /// `rules`: ids or names of rules (or correlations).
    pub rules: Vec<String>,
    /// `group-by`.
    pub group_by: Vec<String>,
    /// `timespan`, in seconds.
    pub timespan_secs: u64,
    /// `condition`: every bound must hold (`gt: 10, lte: 20`).
    pub condition: Vec<(CountOp, f64)>,
    /// `condition.field` (value_count, value_sum, value_avg, value_percentile).
    pub field: Option<String>,
    /// `aliases`: alias → (rule name → field).
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    /// `generate`: also run the referred rules on their own.
    pub generate: bool,
}

/// `correlation.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationType {
    /// `event_count`.
    EventCount,
    /// `value_count`.
    ValueCount,
    /// `temporal`.
    Temporal,
    /// `temporal_ordered`.
    TemporalOrdered,
    /// `value_sum`.
    ValueSum,
    /// `value_avg`.
    ValueAvg,
    /// `value_percentile`.
    ValuePercentile,
}

impl CorrelationType {
    /// Every type with its spelling.
    pub const ALL: [(CorrelationType, &'static str); 7] = [
        (CorrelationType::EventCount, "event_count"),
        (CorrelationType::ValueCount, "value_count"),
        (CorrelationType::Temporal, "temporal"),
        (CorrelationType::TemporalOrdered, "temporal_ordered"),
        (CorrelationType::ValueSum, "value_sum"),
        (CorrelationType::ValueAvg, "value_avg"),
        (CorrelationType::ValuePercentile, "value_percentile"),
    ];

    /// Whether the condition needs a `field`.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        )
    }
}

/// A bound of a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountOp {
    /// `gt`.
    Gt,
    /// `gte`.
    Gte,
    /// `lt`.
    Lt,
    /// `lte`.
    Lte,
    /// `eq`.
    Eq,
    /// `neq`.
    Neq,
}
