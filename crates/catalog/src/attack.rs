//! Vendors' ATT&CK tags → technique ids (`T1552.007`).

/// The technique id in a tag, in any vendor's spelling: `T1552.007`,
/// `attack.t1552.007` (Sigma), `TA0006:T1552.007` (Panther). `None` for
/// tactics (`TA0006`), groups, software and anything else.
pub fn technique_id(tag: &str) -> Option<String> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("attack.").unwrap_or(tag);
    let tag = tag.rsplit(':').next().unwrap_or(tag).trim();
    let upper = tag.to_ascii_uppercase();
    let digits = upper.strip_prefix('T')?;
    let (main, sub) = match digits.split_once('.') {
        Some((m, s)) => (m, Some(s)),
        None => (digits, None),
    };
    if main.len() != 4 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(s) = sub
        && (s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some(upper)
}

/// Adds `id` to a sorted list without duplicates.
pub fn add_technique(list: &mut Vec<String>, id: String) {
    if let Err(at) = list.binary_search(&id) {
        list.insert(at, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling() {
        assert_eq!(technique_id("T1552.007").as_deref(), Some("T1552.007"));
        assert_eq!(technique_id("attack.t1552.007").as_deref(), Some("T1552.007"));
        assert_eq!(technique_id("TA0006:T1552.007").as_deref(), Some("T1552.007"));
        assert_eq!(technique_id("attack.t1610").as_deref(), Some("T1610"));
        assert_eq!(technique_id("attack.credential-access"), None);
        assert_eq!(technique_id("TA0006"), None);
        assert_eq!(technique_id("attack.g0032"), None);
        assert_eq!(technique_id("T15"), None);
        assert_eq!(technique_id("T1552.07"), None);
    }
}
