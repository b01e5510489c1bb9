//! ATT&CK Enterprise names and short descriptions of tactics and
//! techniques: from MITRE's STIX data given by path (`--attack`:
//! `enterprise-attack.json`, or mitre/cti's `enterprise-attack/` folder of
//! one bundle per object), or the compact table shipped in
//! `data/attack.tsv` (written from that data by
//! `scripts/attack/attack_tsv.py`; ATT&CK® © The MITRE Corporation,
//! reproduced with its permission).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// The shipped table.
const SHIPPED: &str = include_str!("../data/attack.tsv");

/// Longest short description kept, in characters (the first sentence is
/// kept whatever its length).
const MAX_DESCRIPTION: usize = 400;

/// How deep a STIX folder may nest.
const MAX_DIR_DEPTH: usize = 8;

/// An ATT&CK tactic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tactic {
    /// `TA0006`.
    pub id: String,
    /// `credential-access`, as techniques name their tactics.
    pub shortname: String,
    /// `Credential Access`.
    pub name: String,
    /// The first sentences of its description.
    pub description: String,
}

/// An ATT&CK technique or sub-technique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technique {
    /// `T1552.007`.
    pub id: String,
    /// Its own name (`Container API`; see [`Attack::full_name`]).
    pub name: String,
    /// The shortnames of its tactics.
    pub tactics: Vec<String>,
    /// The first sentences of its description.
    pub description: String,
    /// Deprecated by MITRE (rules may still carry the id).
    pub deprecated: bool,
}

/// Tactics in the matrix's order, and techniques by id.
#[derive(Debug, Clone, Default)]
pub struct Attack {
    /// Tactics, in the order of the Enterprise matrix.
    pub tactics: Vec<Tactic>,
    techniques: HashMap<String, Technique>,
}

impl Attack {
    /// The table shipped with dragnet.
    pub fn shipped() -> Attack {
        Attack::parse_tsv(SHIPPED).unwrap_or_default()
    }

    /// The table format of `data/attack.tsv`.
    pub fn parse_tsv(text: &str) -> Result<Attack, String> {
        let mut out = Attack::default();
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or_default().to_string();
            match f.first().copied() {
                Some("tactic") if f.len() >= 5 => {
                    out.tactics.push(Tactic { id: get(1), shortname: get(2), name: get(3), description: get(4) })
                }
                Some("technique") if f.len() >= 5 => {
                    let t = Technique {
                        id: get(1),
                        tactics: get(2).split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                        name: get(3),
                        description: get(4),
                        deprecated: get(5) == "deprecated",
                    };
                    out.techniques.insert(t.id.clone(), t);
                }
                _ => return Err(format!("line {}: not a tactic or technique row", n + 1)),
            }
        }
        Ok(out)
    }

    /// MITRE's STIX data at `path`: a bundle file, or a folder of them.
    /// Revoked objects are left out.
    pub fn from_stix(path: &Path) -> Result<Attack, String> {
        let mut files = Vec::new();
        collect_json(path, 0, &mut files).map_err(|e| format!("{}: {e}", path.display()))?;
        if files.is_empty() {
            return Err(format!("{}: no .json file", path.display()));
        }
        let mut tactics: HashMap<String, Tactic> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut out = Attack::default();
        for file in &files {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let objects = match doc.get("objects").and_then(Value::as_array) {
                Some(list) => list.iter().collect::<Vec<_>>(),
                None => vec![&doc],
            };
            for o in objects {
                if o.get("revoked").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                if s("type") == "x-mitre-matrix" {
                    for r in o.get("tactic_refs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                        if let Some(r) = r.as_str()
                            && !order.iter().any(|x| x == r)
                        {
                            order.push(r.to_string());
                        }
                    }
                    continue;
                }
                let Some(id) = attack_id(o) else { continue };
                match s("type").as_str() {
                    "x-mitre-tactic" => {
                        let t = Tactic {
                            id,
                            shortname: s("x_mitre_shortname"),
                            name: s("name"),
                            description: short_description(&s("description")),
                        };
                        tactics.insert(s("id"), t);
                    }
                    "attack-pattern" => {
                        let phases = o.get("kill_chain_phases").and_then(Value::as_array).map(Vec::as_slice);
                        let t = Technique {
                            id: id.clone(),
                            name: s("name"),
                            tactics: phases
                                .unwrap_or_default()
                                .iter()
                                .filter(|p| p.get("kill_chain_name").and_then(Value::as_str) == Some("mitre-attack"))
                                .filter_map(|p| p.get("phase_name").and_then(Value::as_str).map(str::to_string))
                                .collect(),
                            description: short_description(&s("description")),
                            deprecated: o.get("x_mitre_deprecated").and_then(Value::as_bool) == Some(true),
                        };
                        out.techniques.insert(id, t);
                    }
                    _ => {}
                }
            }
        }
        for r in &order {
            if let Some(t) = tactics.remove(r) {
                out.tactics.push(t);
            }
        }
        let mut rest: Vec<Tactic> = tactics.into_values().collect();
        rest.sort_by(|a, b| a.id.cmp(&b.id));
        out.tactics.extend(rest);
        if out.techniques.is_empty() {
            return Err(format!("{}: no ATT&CK technique in the STIX data", path.display()));
        }
        Ok(out)
    }

    /// The technique `id` (`T1552.007`).
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques.get(id)
    }

    /// Every technique, sorted by id.
    pub fn techniques(&self) -> Vec<&Technique> {
        let mut all: Vec<&Technique> = self.techniques.values().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The name as ATT&CK shows it: a sub-technique's with its parent's
    /// (`Unsecured Credentials: Container API`).
    pub fn full_name(&self, id: &str) -> Option<String> {
        let t = self.techniques.get(id)?;
        match id.split_once('.').and_then(|(parent, _)| self.techniques.get(parent)) {
            Some(p) => Some(format!("{}: {}", p.name, t.name)),
            None => Some(t.name.clone()),
        }
    }

    /// The tactic named `name` in any spelling rules use: `Credential
    /// Access`, `credential-access`, `credential_access`, `TA0006`.
    pub fn tactic(&self, name: &str) -> Option<&Tactic> {
        let key = tactic_key(name);
        self.tactics.iter().find(|t| {
            t.id.eq_ignore_ascii_case(name.trim()) || tactic_key(&t.name) == key || tactic_key(&t.shortname) == key
        })
    }
}

/// A tactic name with case, spaces, dashes and underscores ignored.
fn tactic_key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The `mitre-attack` external id of a STIX object.
fn attack_id(o: &Value) -> Option<String> {
    o.get("external_references")?
        .as_array()?
        .iter()
        .find(|r| r.get("source_name").and_then(Value::as_str) == Some("mitre-attack"))?
        .get("external_id")?
        .as_str()
        .map(str::to_string)
}

fn collect_json(path: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            if depth < MAX_DIR_DEPTH {
                collect_json(&p, depth + 1, out)?;
            }
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// The short form of a STIX description: the first paragraph, without
/// `(Citation: ...)`, Markdown links reduced to their text, whitespace runs
/// made one space, then its sentences while they fit in
/// [`MAX_DESCRIPTION`] characters (always the first).
pub fn short_description(text: &str) -> String {
    let para = text.trim().split("\n\n").next().unwrap_or_default();
    let mut plain = String::new();
    let mut rest = para;
    loop {
        let cite = rest.find("(Citation:");
        let link = rest.find('[');
        match (cite, link) {
            (Some(c), l) if l.is_none_or(|l| c < l) => {
                plain.push_str(rest.get(..c).unwrap_or_default());
                let after = rest.get(c..).unwrap_or_default();
                rest = after.find(')').and_then(|e| after.get(e + 1..)).unwrap_or_default();
            }
            (_, Some(l)) => {
                plain.push_str(rest.get(..l).unwrap_or_default());
                let after = rest.get(l + 1..).unwrap_or_default();
                // `[text](url)` → text; a `[` that starts no link stays.
                match after.find("](") {
                    Some(close) if !after.get(..close).unwrap_or_default().contains('[') => {
                        plain.push_str(after.get(..close).unwrap_or_default());
                        let url = after.get(close + 2..).unwrap_or_default();
                        rest = url.find(')').and_then(|e| url.get(e + 1..)).unwrap_or_default();
                    }
                    _ => {
                        plain.push('[');
                        rest = after;
                    }
                }
            }
            (_, None) => {
                plain.push_str(rest);
                break;
            }
        }
    }
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for sentence in sentences(&plain) {
        if !out.is_empty() && out.chars().count() + 1 + sentence.chars().count() > MAX_DESCRIPTION {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(sentence);
    }
    out
}

/// `text` split after each `.` followed by a space and a capital letter.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in chars.windows(3) {
        if let [(_, '.'), (sp, ' '), (_, c)] = w
            && c.is_ascii_uppercase()
        {
            out.push(text.get(start..*sp).unwrap_or_default());
            start = sp + 1;
        }
    }
    out.push(text.get(start..).unwrap_or_default());
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_names_techniques_and_tactics() {
        let a = Attack::shipped();
        assert_eq!(a.full_name("T1552.007").as_deref(), Some("Unsecured Credentials: Container API"));
        let t = a.technique("T1552.007").unwrap();
        assert_eq!(t.tactics, ["credential-access"]);
        assert!(t.description.starts_with("Adversaries may gather credentials via APIs"), "{}", t.description);
        assert_eq!(a.tactics.first().map(|t| t.id.as_str()), Some("TA0043"));
        assert_eq!(a.tactics.len(), 14);
        assert_eq!(a.tactic("Credential Access").map(|t| t.id.as_str()), Some("TA0006"));
        assert_eq!(a.tactic("credential_access").map(|t| t.id.as_str()), Some("TA0006"));
        assert_eq!(a.tactic("TA0002").map(|t| t.name.as_str()), Some("Execution"));
    }

    #[test]
    fn descriptions_lose_citations_and_links_and_are_cut_at_a_sentence() {
        let d = "Adversaries may [abuse](https://x/y) APIs.(Citation: Docker API) Second one.(Citation: K)\n\nMore.";
        assert_eq!(short_description(d), "Adversaries may abuse APIs. Second one.");
        assert_eq!(short_description("A [b c"), "A [b c");
        assert_eq!(short_description("(Citation: never closed"), "");
        let long = format!("{}. {}.", "a".repeat(300), "B".repeat(200));
        assert_eq!(short_description(&long), format!("{}.", "a".repeat(300)));
    }

    #[test]
    fn stix_bundles_are_read_and_revoked_objects_left_out() {
        let dir = std::env::temp_dir().join(format!("catalog-stix-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bundle = serde_json::json!({"type": "bundle", "objects": [
            {"type": "x-mitre-matrix", "tactic_refs": ["x-mitre-tactic--2", "x-mitre-tactic--1"],
             "external_references": [{"source_name": "mitre-attack", "external_id": "enterprise-attack"}]},
            {"type": "x-mitre-tactic", "id": "x-mitre-tactic--1", "name": "Credential Access",
             "x_mitre_shortname": "credential-access", "description": "Steal.\n\nMore.",
             "external_references": [{"source_name": "mitre-attack", "external_id": "TA0006"}]},
            {"type": "x-mitre-tactic", "id": "x-mitre-tactic--2", "name": "Execution",
             "x_mitre_shortname": "execution", "description": "Run.",
             "external_references": [{"source_name": "mitre-attack", "external_id": "TA0002"}]},
            {"type": "attack-pattern", "name": "Unsecured Credentials", "description": "Parent.",
             "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "credential-access"}],
             "external_references": [{"source_name": "mitre-attack", "external_id": "T1552"}]},
            {"type": "attack-pattern", "name": "Container API", "description": "Child.(Citation: x)",
             "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "credential-access"}],
             "external_references": [{"source_name": "mitre-attack", "external_id": "T1552.007"}]},
            {"type": "attack-pattern", "name": "Old", "revoked": true,
             "external_references": [{"source_name": "mitre-attack", "external_id": "T1000"}]}
        ]});
        std::fs::write(dir.join("enterprise-attack.json"), bundle.to_string()).unwrap();
        let a = Attack::from_stix(&dir).unwrap();
        assert_eq!(a.tactics.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["TA0002", "TA0006"]);
        assert_eq!(a.full_name("T1552.007").as_deref(), Some("Unsecured Credentials: Container API"));
        assert_eq!(a.technique("T1552.007").unwrap().description, "Child.");
        assert!(a.technique("T1000").is_none());
        assert!(Attack::from_stix(&dir.join("missing.json")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
