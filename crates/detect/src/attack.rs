//! MITRE ATT&CK: the tactics as Sentinel rules name them, and the
//! Containers matrix.
//!
//! The matrix is ATT&CK for Enterprise v18.1, platform "Containers"
//! (<https://attack.mitre.org/matrices/enterprise/containers/>): every
//! technique and sub-technique whose platforms include Containers, under
//! each tactic it serves, in ATT&CK's tactic order. A sub-technique is
//! listed after its parent, and the parent is listed even where its own
//! platforms leave Containers out (T1059 for T1059.013), as the matrix page
//! shows it.

/// The ATT&CK version the matrix below was written from.
pub const ATTACK_VERSION: &str = "18.1";

/// A tactic: its name in Sentinel rule files, its ATT&CK id and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tactic {
    /// The spelling Sentinel's `tactics:` uses, e.g. `CredentialAccess`.
    pub sentinel: &'static str,
    /// The ATT&CK id, e.g. `TA0006`; empty for Sentinel's own `PreAttack`.
    pub id: &'static str,
    /// The ATT&CK name, e.g. `Credential Access`.
    pub name: &'static str,
}

const fn t(sentinel: &'static str, id: &'static str, name: &'static str) -> Tactic {
    Tactic { sentinel, id, name }
}

/// Every tactic a Sentinel analytics rule may name (the `AttackTactic`
/// values of the Sentinel REST API), Enterprise first in ATT&CK order,
/// then the ICS-only ones.
pub const TACTICS: &[Tactic] = &[
    t("Reconnaissance", "TA0043", "Reconnaissance"),
    t("ResourceDevelopment", "TA0042", "Resource Development"),
    t("InitialAccess", "TA0001", "Initial Access"),
    t("Execution", "TA0002", "Execution"),
    t("Persistence", "TA0003", "Persistence"),
    t("PrivilegeEscalation", "TA0004", "Privilege Escalation"),
    t("DefenseEvasion", "TA0005", "Defense Evasion"),
    t("CredentialAccess", "TA0006", "Credential Access"),
    t("Discovery", "TA0007", "Discovery"),
    t("LateralMovement", "TA0008", "Lateral Movement"),
    t("Collection", "TA0009", "Collection"),
    t("CommandAndControl", "TA0011", "Command and Control"),
    t("Exfiltration", "TA0010", "Exfiltration"),
    t("Impact", "TA0040", "Impact"),
    t("PreAttack", "", "Pre-Attack"),
    t("ImpairProcessControl", "TA0106", "Impair Process Control"),
    t("InhibitResponseFunction", "TA0107", "Inhibit Response Function"),
];

/// The tactic named `name`: Sentinel's spelling or ATT&CK's
/// (`Credential Access`), case-insensitively.
pub fn tactic(name: &str) -> Option<&'static Tactic> {
    let squash = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let want = squash(name);
    TACTICS.iter().find(|t| squash(t.sentinel) == want || squash(t.name) == want)
}

/// Whether `id` looks like an ATT&CK technique id: `T1234` or `T1234.001`.
pub fn is_technique_id(id: &str) -> bool {
    let b = id.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

/// The parent technique of a sub-technique (`T1552.007` -> `T1552`), or the
/// id itself.
pub fn parent_technique(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// A technique of the Containers matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technique {
    /// `T1611` or `T1552.007`.
    pub id: &'static str,
    /// `Escape to Host`.
    pub name: &'static str,
}

/// One column of the matrix: a tactic and its techniques.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The tactic's Sentinel spelling (see [`TACTICS`]).
    pub tactic: &'static str,
    /// Its techniques, each followed by its sub-techniques.
    pub techniques: &'static [Technique],
}

const fn k(id: &'static str, name: &'static str) -> Technique {
    Technique { id, name }
}

/// The ATT&CK Containers matrix.
pub const CONTAINERS_MATRIX: &[Column] = &[
    Column {
        tactic: "InitialAccess",
        techniques: &[
            k("T1190", "Exploit Public-Facing Application"),
            k("T1133", "External Remote Services"),
            k("T1078", "Valid Accounts"),
            k("T1078.001", "Default Accounts"),
            k("T1078.003", "Local Accounts"),
        ],
    },
    Column {
        tactic: "Execution",
        techniques: &[
            k("T1059", "Command and Scripting Interpreter"),
            k("T1059.013", "Container CLI/API"),
            k("T1609", "Container Administration Command"),
            k("T1610", "Deploy Container"),
            k("T1053", "Scheduled Task/Job"),
            k("T1053.007", "Container Orchestration Job"),
            k("T1204", "User Execution"),
            k("T1204.003", "Malicious Image"),
        ],
    },
    Column {
        tactic: "Persistence",
        techniques: &[
            k("T1098", "Account Manipulation"),
            k("T1098.006", "Additional Container Cluster Roles"),
            k("T1136", "Create Account"),
            k("T1136.001", "Local Account"),
            k("T1543", "Create or Modify System Process"),
            k("T1543.005", "Container Service"),
            k("T1133", "External Remote Services"),
            k("T1525", "Implant Internal Image"),
            k("T1053", "Scheduled Task/Job"),
            k("T1053.007", "Container Orchestration Job"),
            k("T1078", "Valid Accounts"),
            k("T1078.001", "Default Accounts"),
            k("T1078.003", "Local Accounts"),
        ],
    },
    Column {
        tactic: "PrivilegeEscalation",
        techniques: &[
            k("T1098", "Account Manipulation"),
            k("T1098.006", "Additional Container Cluster Roles"),
            k("T1543", "Create or Modify System Process"),
            k("T1543.005", "Container Service"),
            k("T1611", "Escape to Host"),
            k("T1068", "Exploitation for Privilege Escalation"),
            k("T1053", "Scheduled Task/Job"),
            k("T1053.007", "Container Orchestration Job"),
            k("T1078", "Valid Accounts"),
            k("T1078.001", "Default Accounts"),
            k("T1078.003", "Local Accounts"),
        ],
    },
    Column {
        tactic: "DefenseEvasion",
        techniques: &[
            k("T1612", "Build Image on Host"),
            k("T1610", "Deploy Container"),
            k("T1562", "Impair Defenses"),
            k("T1562.001", "Disable or Modify Tools"),
            k("T1070", "Indicator Removal"),
            k("T1036", "Masquerading"),
            k("T1036.005", "Match Legitimate Resource Name or Location"),
            k("T1036.010", "Masquerade Account Name"),
            k("T1550", "Use Alternate Authentication Material"),
            k("T1550.001", "Application Access Token"),
            k("T1078", "Valid Accounts"),
            k("T1078.001", "Default Accounts"),
            k("T1078.003", "Local Accounts"),
        ],
    },
    Column {
        tactic: "CredentialAccess",
        techniques: &[
            k("T1110", "Brute Force"),
            k("T1110.001", "Password Guessing"),
            k("T1110.003", "Password Spraying"),
            k("T1110.004", "Credential Stuffing"),
            k("T1528", "Steal Application Access Token"),
            k("T1552", "Unsecured Credentials"),
            k("T1552.001", "Credentials In Files"),
            k("T1552.007", "Container API"),
        ],
    },
    Column {
        tactic: "Discovery",
        techniques: &[
            k("T1613", "Container and Resource Discovery"),
            k("T1046", "Network Service Discovery"),
            k("T1069", "Permission Groups Discovery"),
        ],
    },
    Column {
        tactic: "LateralMovement",
        techniques: &[k("T1550", "Use Alternate Authentication Material"), k("T1550.001", "Application Access Token")],
    },
    Column {
        tactic: "Impact",
        techniques: &[
            k("T1485", "Data Destruction"),
            k("T1499", "Endpoint Denial of Service"),
            k("T1490", "Inhibit System Recovery"),
            k("T1498", "Network Denial of Service"),
            k("T1496", "Resource Hijacking"),
            k("T1496.001", "Compute Hijacking"),
            k("T1496.002", "Bandwidth Hijacking"),
        ],
    },
];

/// The name of a technique of the Containers matrix.
pub fn technique_name(id: &str) -> Option<&'static str> {
    CONTAINERS_MATRIX.iter().flat_map(|c| c.techniques).find(|t| t.id == id).map(|t| t.name)
}

/// The ATT&CK page of a technique: `https://attack.mitre.org/techniques/T1552/007/`.
pub fn technique_url(id: &str) -> String {
    format!("https://attack.mitre.org/techniques/{}/", id.replace('.', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tactics_by_either_spelling() {
        assert_eq!(tactic("CredentialAccess").unwrap().id, "TA0006");
        assert_eq!(tactic("Credential Access").unwrap().sentinel, "CredentialAccess");
        assert_eq!(tactic("command and control").unwrap().id, "TA0011");
        assert!(tactic("Credentials").is_none());
    }

    #[test]
    fn technique_ids() {
        assert!(is_technique_id("T1611"));
        assert!(is_technique_id("T1552.007"));
        for bad in ["T161", "t1611", "T1552.07", "T1552-007", "TA0006", "T1552.007x"] {
            assert!(!is_technique_id(bad), "{bad}");
        }
        assert_eq!(parent_technique("T1552.007"), "T1552");
        assert_eq!(technique_url("T1552.007"), "https://attack.mitre.org/techniques/T1552/007/");
    }

    #[test]
    fn matrix_is_well_formed() {
        for col in CONTAINERS_MATRIX {
            assert!(tactic(col.tactic).is_some(), "{}", col.tactic);
            for t in col.techniques {
                assert!(is_technique_id(t.id), "{}", t.id);
                // A sub-technique sits in a column that also lists its parent.
                let parent = parent_technique(t.id);
                assert!(col.techniques.iter().any(|p| p.id == parent), "{} without {parent}", t.id);
            }
        }
        assert_eq!(technique_name("T1611"), Some("Escape to Host"));
        assert_eq!(technique_name("T1059.013"), Some("Container CLI/API"));
    }
}
