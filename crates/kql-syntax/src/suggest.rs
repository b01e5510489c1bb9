//! "Did you mean" suggestions by edit distance.

/// The candidate closest to `word`, if it is close enough to be a likely
/// misspelling (Damerau–Levenshtein distance at most a third of the word,
/// and at least 1 for short words).
pub fn nearest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn suggests_close_names_only() {
        let ops = ["summarize", "project", "project-away", "where", "extend"];
        assert_eq!(nearest("summarise", &ops), Some("summarize"));
        assert_eq!(nearest("projet", &ops), Some("project"));
        assert_eq!(nearest("Where", &ops), Some("where"));
        assert_eq!(nearest("frobnicate", &ops), None);
    }
}
