//! The per-technique analysis of the seed catalog pages: rules per vendor,
//! the fields filtered most (with the operators and sample values), the
//! top indicator values with their reach across the whole catalog, the
//! exclusions, the data sources, and the rules grouped by vendor.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::mitre::Attack;
use crate::model::{Analysis, CatalogRule, Op, Vendor};

/// How many sample values a field row shows.
const SAMPLES: usize = 5;

/// The whole catalog: every rule read, and an index of indicators.
pub struct Catalog {
    /// Every rule of every vendor.
    pub rules: Vec<CatalogRule>,
    /// (canonical field, operator, value) → how many rules check it
    /// (outside exclusions), over the whole catalog.
    reach: HashMap<Indicator, usize>,
}

/// One (field, operator, value) a rule checks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Indicator {
    /// The canonical field.
    pub field: String,
    /// The operator (`not eq` when negated; in exclusions, the operator of
    /// what is excluded).
    pub kind: String,
    /// The value.
    pub value: String,
}

/// A row of "Fields filtered most".
#[derive(Debug, Clone, Serialize)]
pub struct FieldRow {
    /// The canonical field.
    pub field: String,
    /// The vendors' spellings seen.
    pub spellings: Vec<String>,
    /// How many rules filter on it.
    pub rules: usize,
    /// Operators with how many rules use each on this field.
    pub how: Vec<(String, usize)>,
    /// The commonest values.
    pub samples: Vec<String>,
}

/// A row of "Top indicator values" or "Exclusions".
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    /// What is checked.
    #[serde(flatten)]
    pub indicator: Indicator,
    /// How many rules of this technique check it.
    pub rules: usize,
    /// How many rules of the whole catalog check it (indicators only).
    pub corpus_reach: usize,
    /// The ids of the rules of this technique that check it.
    pub rule_ids: Vec<String>,
}

/// A rule as a technique page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleEntry {
    /// Whose.
    pub vendor: Vendor,
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its file.
    pub path: String,
    /// Its language.
    pub language: String,
    /// How much was analysed.
    pub analysis: Analysis,
    /// Its predicates, as `field kind value`, exclusions marked (not in
    /// the page's JSON: `rules.json` holds every rule's predicates).
    #[serde(skip)]
    pub predicates: Vec<String>,
    /// What was not analysed, with why (not in the page's JSON either).
    #[serde(skip)]
    pub unanalysed: Vec<String>,
}

/// A detection of dragnet's own pack for the technique.
#[derive(Debug, Clone, Serialize)]
pub struct Runnable {
    /// Rule id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Severity.
    pub severity: String,
    /// Confidence, if given.
    pub confidence: Option<String>,
    /// Tables the query reads.
    pub tables: Vec<String>,
    /// Known false positives.
    pub false_positives: Vec<String>,
    /// Tuning advice.
    pub tuning: Vec<String>,
    /// Tests: (name, kind, Atomic Red Team test).
    pub tests: Vec<(String, String, Option<String>)>,
    /// Where it lives.
    pub origin: String,
}

/// Everything a technique page shows.
#[derive(Debug, Clone, Serialize)]
pub struct TechniquePage {
    /// `T1552.007`.
    pub id: String,
    /// The name: ATT&CK's (see [`TechniquePage::apply_attack`]), else as
    /// the rules carry it (or `None`).
    pub name: Option<String>,
    /// ATT&CK's short description of the technique, when known.
    pub description: Option<String>,
    /// Tactics: ATT&CK's for the technique, else those the rules name,
    /// commonest first.
    pub tactics: Vec<String>,
    /// Rules per vendor.
    pub rules_per_vendor: Vec<(Vendor, usize)>,
    /// Fields, most rules first.
    pub fields: Vec<FieldRow>,
    /// Indicator values (outside exclusions), most rules first.
    pub indicators: Vec<IndicatorRow>,
    /// Exclusions, most rules first.
    pub exclusions: Vec<IndicatorRow>,
    /// Data sources the rules name, with rule counts.
    pub data_sources: Vec<(String, usize)>,
    /// The rules, by vendor.
    pub rules: Vec<RuleEntry>,
    /// dragnet's own detections for it (filled by the caller).
    pub runnable: Vec<Runnable>,
}

impl TechniquePage {
    /// ATT&CK's name, description and tactics for the technique, where
    /// `attack` knows it (the rules' own otherwise).
    pub fn apply_attack(&mut self, attack: &Attack) {
        let Some(t) = attack.technique(&self.id) else { return };
        self.name = attack.full_name(&self.id).or(self.name.take());
        if !t.description.is_empty() {
            self.description = Some(t.description.clone());
        }
        let tactics: Vec<String> =
            t.tactics.iter().filter_map(|s| attack.tactic(s)).map(|tac| tac.name.clone()).collect();
        if !tactics.is_empty() {
            self.tactics = tactics;
        }
    }
}

/// The kind of a predicate as pages show it.
fn kind(op: Op, negated: bool) -> String {
    if negated { format!("not {}", op.as_str()) } else { op.as_str().to_string() }
}

impl Catalog {
    /// Indexes `rules`.
    pub fn new(rules: Vec<CatalogRule>) -> Catalog {
        let mut reach: HashMap<Indicator, usize> = HashMap::new();
        for r in &rules {
            let mut seen = HashSet::new();
            for p in r.predicates.iter().filter(|p| !p.exclusion) {
                let key = Indicator {
                    field: p.canonical.clone(),
                    kind: kind(p.op, p.negated),
                    value: p.value.clone().unwrap_or_default(),
                };
                if seen.insert(key.clone()) {
                    *reach.entry(key).or_default() += 1;
                }
            }
        }
        Catalog { rules, reach }
    }

    /// Every technique some rule is tagged with, with its rule count.
    pub fn techniques(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for r in &self.rules {
            for t in &r.techniques {
                *out.entry(t.clone()).or_default() += 1;
            }
        }
        out
    }

    /// The page of technique `id`.
    pub fn page(&self, id: &str) -> TechniquePage {
        let id = id.trim().to_ascii_uppercase();
        let rules: Vec<&CatalogRule> = self.rules.iter().filter(|r| r.techniques.contains(&id)).collect();
        let name = rules.iter().flat_map(|r| &r.technique_names).find(|(i, _)| *i == id).map(|(_, n)| n.clone());
        let mut tactics: BTreeMap<String, usize> = BTreeMap::new();
        for r in &rules {
            for (_, t) in r.tactics.iter().filter(|(i, _)| *i == id) {
                *tactics.entry(t.clone()).or_default() += 1;
            }
        }
        let mut per_vendor: BTreeMap<Vendor, usize> = BTreeMap::new();
        for r in &rules {
            *per_vendor.entry(r.vendor).or_default() += 1;
        }
        // Fields: each rule counts once per field and once per operator on it.
        struct F {
            spellings: Vec<String>,
            rules: HashSet<usize>,
            how: BTreeMap<String, HashSet<usize>>,
            values: BTreeMap<String, usize>,
        }
        let mut fields: BTreeMap<String, F> = BTreeMap::new();
        let mut indicators: BTreeMap<Indicator, Vec<usize>> = BTreeMap::new();
        let mut exclusions: BTreeMap<Indicator, Vec<usize>> = BTreeMap::new();
        let mut sources: BTreeMap<String, usize> = BTreeMap::new();
        for (i, r) in rules.iter().enumerate() {
            for d in r.data_sources.iter().collect::<HashSet<_>>() {
                *sources.entry(d.clone()).or_default() += 1;
            }
            for p in &r.predicates {
                let f = fields.entry(p.canonical.clone()).or_insert_with(|| F {
                    spellings: Vec::new(),
                    rules: HashSet::new(),
                    how: BTreeMap::new(),
                    values: BTreeMap::new(),
                });
                if !f.spellings.contains(&p.field) {
                    f.spellings.push(p.field.clone());
                }
                // An exclusion row names what is excluded: `not (user in x)`
                // shows as `in`.
                let shown = if p.exclusion { !p.negated } else { p.negated };
                f.rules.insert(i);
                f.how.entry(kind(p.op, shown)).or_default().insert(i);
                if let Some(v) = &p.value {
                    *f.values.entry(v.clone()).or_default() += 1;
                }
                let ind = Indicator {
                    field: p.canonical.clone(),
                    kind: kind(p.op, shown),
                    value: p.value.clone().unwrap_or_default(),
                };
                let target = if p.exclusion { &mut exclusions } else { &mut indicators };
                let list = target.entry(ind).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let mut field_rows: Vec<FieldRow> = fields
            .into_iter()
            .map(|(field, f)| {
                let mut how: Vec<(String, usize)> = f.how.into_iter().map(|(k, v)| (k, v.len())).collect();
                how.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let mut values: Vec<(String, usize)> = f.values.into_iter().collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                FieldRow {
                    field,
                    spellings: f.spellings,
                    rules: f.rules.len(),
                    how,
                    samples: values.into_iter().take(SAMPLES).map(|(v, _)| v).collect(),
                }
            })
            .collect();
        field_rows.sort_by(|a, b| b.rules.cmp(&a.rules).then(a.field.cmp(&b.field)));
        let rows = |map: BTreeMap<Indicator, Vec<usize>>, with_reach: bool| {
            let mut out: Vec<IndicatorRow> = map
                .into_iter()
                .map(|(indicator, idx)| {
                    let corpus_reach =
                        if with_reach { self.reach.get(&indicator).copied().unwrap_or(idx.len()) } else { 0 };
                    IndicatorRow {
                        rules: idx.len(),
                        corpus_reach,
                        rule_ids: idx.iter().map(|&i| rules[i].id.clone()).collect(),
                        indicator,
                    }
                })
                .collect();
            out.sort_by(|a, b| {
                b.rules.cmp(&a.rules).then(b.corpus_reach.cmp(&a.corpus_reach)).then(a.indicator.cmp(&b.indicator))
            });
            out
        };
        let indicators = rows(indicators, true);
        let exclusions = rows(exclusions, false);
        let mut data_sources: Vec<(String, usize)> = sources.into_iter().collect();
        data_sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut tactics: Vec<(String, usize)> = tactics.into_iter().collect();
        tactics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut entries: Vec<RuleEntry> = rules
            .iter()
            .map(|r| RuleEntry {
                vendor: r.vendor,
                id: r.id.clone(),
                title: r.title.clone(),
                path: r.path.clone(),
                language: r.language.clone(),
                analysis: r.analysis(),
                predicates: r
                    .predicates
                    .iter()
                    .map(|p| {
                        format!(
                            "{}{} {} {}",
                            if p.exclusion { "exclude: " } else { "" },
                            p.field,
                            kind(p.op, p.negated != p.exclusion),
                            p.value.as_deref().unwrap_or("")
                        )
                        .trim_end()
                        .to_string()
                    })
                    .collect(),
                unanalysed: r.unanalysed.iter().map(|u| format!("{} ({})", u.reason, u.text)).collect(),
            })
            .collect();
        entries.sort_by(|a, b| a.vendor.cmp(&b.vendor).then(a.title.cmp(&b.title)));
        TechniquePage {
            id,
            name,
            description: None,
            tactics: tactics.into_iter().map(|(t, _)| t).collect(),
            rules_per_vendor: per_vendor.into_iter().collect(),
            fields: field_rows,
            indicators,
            exclusions,
            data_sources,
            rules: entries,
            runnable: Vec::new(),
        }
    }
}
