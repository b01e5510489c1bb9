//! The normalised rule form every reader produces.

use serde::{Deserialize, Serialize};

/// Whose published rule this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// SigmaHQ/sigma.
    Sigma,
    /// elastic/detection-rules.
    Elastic,
    /// splunk/security_content.
    Splunk,
    /// panther-labs/panther-analysis.
    Panther,
    /// Microsoft Sentinel and Defender hunting queries (KQL).
    Sentinel,
}

impl Vendor {
    /// Every vendor, in the order pages list them.
    pub const ALL: [Vendor; 5] = [Vendor::Sigma, Vendor::Elastic, Vendor::Splunk, Vendor::Panther, Vendor::Sentinel];

    /// The display name.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Sigma => "Sigma",
            Vendor::Elastic => "Elastic",
            Vendor::Splunk => "Splunk",
            Vendor::Panther => "Panther",
            Vendor::Sentinel => "Sentinel",
        }
    }

    /// The key used in the mapping file and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Vendor::Sigma => "sigma",
            Vendor::Elastic => "elastic",
            Vendor::Splunk => "splunk",
            Vendor::Panther => "panther",
            Vendor::Sentinel => "sentinel",
        }
    }
}

/// The one set of operators every vendor's spelling maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal (case folding as the vendor defines it).
    Eq,
    /// One of a list: one predicate per listed value.
    In,
    /// A glob with `*` and `?`.
    Wildcard,
    /// Substring.
    Contains,
    /// Prefix.
    StartsWith,
    /// Suffix.
    EndsWith,
    /// Regular expression.
    RegexMatch,
    /// Term or full-text match (KQL `has`, SPL bare terms).
    Match,
    /// Address inside a CIDR range.
    Cidr,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
    /// The field is null or empty.
    IsNull,
    /// The field has a value.
    IsNotNull,
    /// The field is present.
    Exists,
}

impl Op {
    /// Every operator.
    pub const ALL: [Op; 16] = [
        Op::Eq,
        Op::In,
        Op::Wildcard,
        Op::Contains,
        Op::StartsWith,
        Op::EndsWith,
        Op::RegexMatch,
        Op::Match,
        Op::Cidr,
        Op::Gt,
        Op::Ge,
        Op::Lt,
        Op::Le,
        Op::IsNull,
        Op::IsNotNull,
        Op::Exists,
    ];

    /// The name used in the mapping file, JSON and pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::In => "in",
            Op::Wildcard => "wildcard",
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::EndsWith => "ends_with",
            Op::RegexMatch => "regex_match",
            Op::Match => "match",
            Op::Cidr => "cidr",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::IsNull => "is_null",
            Op::IsNotNull => "is_not_null",
            Op::Exists => "exists",
        }
    }

    /// The operator named `name` (as [`Op::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether the operator takes no value.
    pub fn unary(self) -> bool {
        matches!(self, Op::IsNull | Op::IsNotNull | Op::Exists)
    }
}

/// One condition of a rule, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Predicate {
    /// The field as the vendor spells it.
    pub field: String,
    /// The canonical field (the mapping file's name, or `field` when unmapped).
    pub canonical: String,
    /// The operator.
    pub op: Op,
    /// The value; `None` for [`Op::unary`] operators.
    pub value: Option<String>,
    /// Under an odd number of negations.
    pub negated: bool,
    /// Inside a top-level `not (...)`: a false-positive filter.
    pub exclusion: bool,
}

/// A part of a rule the reader did not understand, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unanalysed {
    /// The text (shortened) of that part.
    pub text: String,
    /// Why it was not analysed.
    pub reason: String,
}

/// How much of a rule the reader understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    /// Every condition is a predicate.
    Full,
    /// Some predicates, some unanalysed parts.
    Partial,
    /// No predicate at all.
    None,
}

/// A vendor's rule in the normalised form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogRule {
    /// Whose rule.
    pub vendor: Vendor,
    /// The vendor's id (a GUID, a RuleID, the file's stem).
    pub id: String,
    /// The title.
    pub title: String,
    /// The file, relative to the vendor's folder.
    pub path: String,
    /// The query language or rule type (`kuery`, `eql`, `spl`, `python`...).
    pub language: String,
    /// ATT&CK technique ids (`T1552.007`), sorted, without duplicates.
    pub techniques: Vec<String>,
    /// Technique names the rule itself carries: (id, name).
    pub technique_names: Vec<(String, String)>,
    /// ATT&CK tactics the rule names, with the technique each goes with:
    /// (technique id, tactic name).
    pub tactics: Vec<(String, String)>,
    /// Data sources or log sources, as the vendor names them.
    pub data_sources: Vec<String>,
    /// The conditions understood.
    pub predicates: Vec<Predicate>,
    /// The parts not understood.
    pub unanalysed: Vec<Unanalysed>,
}

impl CatalogRule {
    /// A rule with no conditions yet.
    pub fn new(vendor: Vendor, id: String, title: String, path: String, language: &str) -> CatalogRule {
        CatalogRule {
            vendor,
            id,
            title,
            path,
            language: language.to_string(),
            techniques: Vec::new(),
            technique_names: Vec::new(),
            tactics: Vec::new(),
            data_sources: Vec::new(),
            predicates: Vec::new(),
            unanalysed: Vec::new(),
        }
    }

    /// How much of the rule was understood.
    pub fn analysis(&self) -> Analysis {
        match (self.predicates.is_empty(), self.unanalysed.is_empty()) {
            (_, true) if !self.predicates.is_empty() => Analysis::Full,
            (false, false) => Analysis::Partial,
            _ => Analysis::None,
        }
    }

    /// Records a part not understood.
    pub fn unanalysed(&mut self, text: &str, reason: impl Into<String>) {
        self.unanalysed.push(Unanalysed { text: shorten(text, 160), reason: reason.into() });
    }
}

/// `text` cut to at most `max` characters (on a character boundary), with `...`.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", text.get(..at).unwrap_or_default()),
        None => text.to_string(),
    }
}
