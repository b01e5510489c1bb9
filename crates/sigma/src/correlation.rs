//! Correlation rules (correlation rules specification): `correlation:`
//! with `type`, `rules`, `group-by`, `timespan`, `condition`, `aliases`
//! and `generate`, read into [`Correlation`]; loading checks everything the
//! specification requires (`detect::sigma_correlate` runs them).

use crate::diag::Diags;
use crate::load::strings;
use crate::model::{Correlation, CorrelationType, CountOp, Meta};
use crate::tree::Entry;

/// Reads the `correlation` entry of a document with metadata `meta`.
pub fn parse(meta: Meta, c: &Entry, d: &mut Diags) -> Option<Correlation> {
    let before = d.list.iter().filter(|x| x.is_error()).count();
    let t = &c.value;
    if t.entries().is_none() {
        d.error(t.at(), "correlation", format!("expected a mapping, got {}", t.describe()));
        return None;
    }
    let kind = match t.get("type") {
        Some(e) => {
            let name = e.value.text().unwrap_or("");
            match CorrelationType::ALL.iter().find(|(_, n)| *n == name) {
                Some((k, _)) => Some(*k),
                None => {
                    let names: Vec<&str> = CorrelationType::ALL.iter().map(|(_, n)| *n).collect();
                    d.error(e.value.at(), "correlation.type", format!("`{name}` is not one of {}", names.join(", ")));
                    None
                }
            }
        }
        None => {
            d.error(t.at(), "correlation.type", "a correlation needs a `type`");
            None
        }
    };
    let rules = match t.get("rules") {
        Some(e) => strings(&e.value, "correlation.rules", d),
        None => Vec::new(),
    };
    if rules.is_empty() {
        d.error(t.at(), "correlation.rules", "a correlation names at least one rule in `rules`");
    }
    let group_by = t.get("group-by").map(|e| strings(&e.value, "correlation.group-by", d)).unwrap_or_default();
    let timespan_secs = match t.get("timespan") {
        Some(e) => match e.value.text().and_then(timespan) {
            Some(s) => s,
            None => {
                d.error(e.value.at(), "correlation.timespan", "a timespan is a number and s, m, h or d (`90m`)");
                0
            }
        },
        None => {
            d.error(t.at(), "correlation.timespan", "a correlation needs a `timespan`");
            0
        }
    };
    let mut condition = Vec::new();
    let mut field = None;
    match t.get("condition") {
        Some(e) => match e.value.entries() {
            Some(entries) => {
                for x in entries {
                    let op = match x.key.as_str() {
                        "gt" => CountOp::Gt,
                        "gte" => CountOp::Gte,
                        "lt" => CountOp::Lt,
                        "lte" => CountOp::Lte,
                        "eq" => CountOp::Eq,
                        "neq" => CountOp::Neq,
                        "field" => {
                            field = strings(&x.value, "correlation.condition.field", d).into_iter().next();
                            continue;
                        }
                        other => {
                            d.error(
                                (x.line, x.column),
                                "correlation.condition",
                                format!("unknown condition `{other}`"),
                            );
                            continue;
                        }
                    };
                    match x.value.text().and_then(|s| s.trim().parse::<f64>().ok()).filter(|f| f.is_finite()) {
                        Some(v) => condition.push((op, v)),
                        None => d.error(
                            x.value.at(),
                            &format!("correlation.condition.{}", x.key),
                            "a condition bound is a number",
                        ),
                    }
                }
            }
            None => d.error(e.value.at(), "correlation.condition", "a condition is a mapping such as `gte: 10`"),
        },
        None => {
            if !matches!(kind, Some(CorrelationType::Temporal | CorrelationType::TemporalOrdered)) {
                d.error(t.at(), "correlation.condition", "this correlation type needs a `condition`");
            }
        }
    }
    if let Some(k) = kind
        && k.needs_field()
        && field.is_none()
    {
        d.error(t.at(), "correlation.condition.field", "this correlation type needs `field` in its condition");
    }
    let mut aliases = Vec::new();
    if let Some(e) = t.get("aliases") {
        match e.value.entries() {
            Some(entries) => {
                for a in entries {
                    let mut map = Vec::new();
                    match a.value.entries() {
                        Some(m) => {
                            for r in m {
                                match r.value.text() {
                                    Some(f) => map.push((r.key.clone(), f.to_string())),
                                    None => d.error(
                                        r.value.at(),
                                        &format!("correlation.aliases.{}.{}", a.key, r.key),
                                        "expected a field name",
                                    ),
                                }
                            }
                        }
                        None => d.error(
                            a.value.at(),
                            &format!("correlation.aliases.{}", a.key),
                            "an alias maps rule names to field names",
                        ),
                    }
                    aliases.push((a.key.clone(), map));
                }
            }
            None => d.error(e.value.at(), "correlation.aliases", "expected a mapping"),
        }
    }
    let generate = match t.get("generate") {
        Some(e) => match e.value.text() {
            Some("true") => true,
            Some("false") => false,
            _ => {
                d.error(e.value.at(), "correlation.generate", "expected true or false");
                false
            }
        },
        None => false,
    };
    if d.list.iter().filter(|x| x.is_error()).count() > before {
        return None;
    }
    Some(Correlation { meta, kind: kind?, rules, group_by, timespan_secs, condition, field, aliases, generate })
}

/// `90m` → 5400. Seconds, minutes, hours, days (and `w`, `M`, `y` as
/// pySigma also reads them).
pub fn timespan(s: &str) -> Option<u64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: u64 = s.get(..s.len() - unit.len_utf8())?.parse().ok()?;
    let mult: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        'M' => 2_592_000,
        'y' => 31_536_000,
        _ => return None,
    };
    n.checked_mul(mult).filter(|v| *v > 0)
}

#[cfg(test)]
mod tests {
    use super::timespan;

    #[test]
    fn timespans() {
        assert_eq!(timespan("90m"), Some(5400));
        assert_eq!(timespan("1d"), Some(86_400));
        assert_eq!(timespan("10"), None);
        assert_eq!(timespan("0s"), None);
        assert_eq!(timespan("99999999999999999999d"), None);
        assert_eq!(timespan("é"), None);
    }
}
