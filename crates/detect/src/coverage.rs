//! Which techniques of the ATT&CK Containers matrix a rule set covers, by
//! rules and by rule tests.

use crate::attack::{CONTAINERS_MATRIX, Technique, parent_technique, tactic};
use crate::rule::{Rule, TestKind};

/// One technique's cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The technique.
    pub technique: Technique,
    /// Ids of the rules naming the technique itself.
    pub rules: Vec<String>,
    /// How many attack tests with logs those rules have (what `dragnet
    /// test` runs to show the technique is caught).
    pub tests: usize,
    /// For a parent technique: rules covering one of its sub-techniques.
    pub via_sub_techniques: usize,
}

/// One tactic's column.
#[derive(Debug, Clone)]
pub struct TacticColumn {
    /// Sentinel's spelling of the tactic.
    pub tactic: &'static str,
    /// Its ATT&CK id.
    pub id: &'static str,
    /// Its ATT&CK name.
    pub name: &'static str,
    /// Its techniques.
    pub cells: Vec<Cell>,
}

/// The whole matrix with the coverage of `rules`.
pub fn coverage(rules: &[Rule]) -> Vec<TacticColumn> {
    CONTAINERS_MATRIX
        .iter()
        .map(|col| {
            let t = tactic(col.tactic).expect("matrix tactics are known");
            let cells = col
                .techniques
                .iter()
                .map(|tech| {
                    let covering: Vec<&Rule> =
                        rules.iter().filter(|r| r.techniques.iter().any(|x| x == tech.id)).collect();
                    let via_sub_techniques = if tech.id.contains('.') {
                        0
                    } else {
                        rules
                            .iter()
                            .filter(|r| r.techniques.iter().any(|x| x.contains('.') && parent_technique(x) == tech.id))
                            .count()
                    };
                    Cell {
                        technique: *tech,
                        rules: covering.iter().map(|r| r.id.clone()).collect(),
                        tests: covering
                            .iter()
                            .flat_map(|r| &r.tests)
                            .filter(|t| t.kind == TestKind::Attack && !t.logs.is_empty())
                            .count(),
                        via_sub_techniques,
                    }
                })
                .collect();
            TacticColumn { tactic: col.tactic, id: t.id, name: t.name, cells }
        })
        .collect()
}

/// Counts over distinct techniques: (in the matrix, covered by a rule,
/// covered by a rule with tests).
pub fn totals(matrix: &[TacticColumn]) -> (usize, usize, usize) {
    let mut seen: Vec<&str> = Vec::new();
    let (mut ruled, mut tested) = (0, 0);
    for cell in matrix.iter().flat_map(|c| &c.cells) {
        if seen.contains(&cell.technique.id) {
            continue;
        }
        seen.push(cell.technique.id);
        if !cell.rules.is_empty() {
            ruled += 1;
        }
        if cell.tests > 0 {
            tested += 1;
        }
    }
    (seen.len(), ruled, tested)
}
