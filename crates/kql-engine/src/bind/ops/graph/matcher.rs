//! The pattern search of `graph-match` and `graph-shortest-paths`
//! (graph-match-operator.md): every assignment of the pattern's nodes and
//! edges to the graph's, under a budget of steps and of matches.

use super::build::Graph;

/// At most this many edges are looked at by one search.
pub(crate) const MAX_WORK: u64 = 50_000_000;
/// At most this many matches come out of one search.
pub(crate) const MAX_MATCHES: usize = 100_000;
/// At most this many hops in one variable-length edge.
pub(crate) const MAX_HOPS: usize = 64;
/// At most this many edges (fixed or variable) in one pattern.
pub(crate) const MAX_STEPS: usize = 64;

/// Which way an edge of the pattern is followed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dir {
    Out,
    In,
    Both,
}

/// `cycles=`: whether a match may pass an edge or a node twice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cycles {
    /// No edge twice (the default).
    UniqueEdges,
    /// Anything.
    All,
    /// No node twice.
    None,
}

/// One edge of a pattern and the node after it.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// The edge's variable, an index into the pattern's variables.
    pub edge: Option<usize>,
    pub dir: Dir,
    pub min: usize,
    pub max: usize,
    /// The node's variable.
    pub node: Option<usize>,
}

/// One comma-separated sequence of a pattern.
#[derive(Debug, Clone)]
pub(crate) struct Seq {
    pub first: Option<usize>,
    pub steps: Vec<Step>,
}

/// What a variable is bound to in a match.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slot {
    Node(usize),
    Edge(usize),
    /// The edges of a variable-length edge, in path order, and the nodes
    /// between them (`inner_nodes`).
    Path(Vec<usize>, Vec<usize>),
}

/// A path of one step: its edges, inner nodes and end node.
type Path = (Vec<usize>, Vec<usize>, usize);

/// A search in progress.
pub(crate) struct Search<'g> {
    g: &'g Graph,
    seqs: &'g [Seq],
    cycles: Cycles,
    bind: Vec<Option<Slot>>,
    used: Vec<bool>,
    on_path: Vec<bool>,
    work: u64,
    pub out: Vec<Vec<Option<Slot>>>,
}

impl<'g> Search<'g> {
    pub fn new(g: &'g Graph, seqs: &'g [Seq], vars: usize, cycles: Cycles) -> Search<'g> {
        Search {
            g,
            seqs,
            cycles,
            bind: vec![None; vars],
            used: vec![false; g.edges.len()],
            on_path: vec![false; g.nodes.len()],
            work: 0,
            out: Vec::new(),
        }
    }

    /// Every match, in the order of the first node, then of the edges.
    pub fn run(&mut self) -> Result<(), String> {
        let steps = self.seqs.iter().map(|s| s.steps.len().saturating_add(1)).try_fold(0usize, |a, n| a.checked_add(n));
        if steps.is_none_or(|n| n > MAX_STEPS) {
            return Err(format!("a graph pattern has at most {MAX_STEPS} nodes and edges"));
        }
        self.sequence(0)
    }

    fn tick(&mut self) -> Result<(), String> {
        self.work = self.work.saturating_add(1);
        if self.work > MAX_WORK {
            return Err(format!("the graph pattern needs more than {MAX_WORK} steps; narrow it or the graph"));
        }
        Ok(())
    }

    fn sequence(&mut self, si: usize) -> Result<(), String> {
        let Some(seq) = self.seqs.get(si) else {
            if self.out.len() >= MAX_MATCHES {
                return Err(format!("the graph pattern matches more than {MAX_MATCHES} times"));
            }
            self.out.push(self.bind.clone());
            return Ok(());
        };
        match seq.first.and_then(|v| self.bind.get(v).cloned().flatten()) {
            Some(Slot::Node(n)) => self.step(si, 0, n),
            Some(_) => Err("a pattern variable names both a node and an edge".into()),
            None => {
                for n in 0..self.g.nodes.len() {
                    self.tick()?;
                    self.set(seq.first, Some(Slot::Node(n)));
                    self.visit(n, true);
                    self.step(si, 0, n)?;
                    self.visit(n, false);
                    self.set(seq.first, None);
                }
                Ok(())
            }
        }
    }

    fn set(&mut self, var: Option<usize>, slot: Option<Slot>) {
        if let Some(b) = var.and_then(|v| self.bind.get_mut(v)) {
            *b = slot;
        }
    }

    fn visit(&mut self, n: usize, on: bool) {
        if let Some(v) = self.on_path.get_mut(n) {
            *v = on;
        }
    }

    /// The edges leading from `cur` along `dir`, with the node each reaches.
    fn next(&self, cur: usize, dir: Dir) -> Vec<(usize, usize)> {
        let mut r = Vec::new();
        if dir != Dir::In {
            for &e in self.g.out.get(cur).into_iter().flatten() {
                if let Some(edge) = self.g.edges.get(e) {
                    r.push((e, edge.to));
                }
            }
        }
        if dir != Dir::Out {
            for &e in self.g.into.get(cur).into_iter().flatten() {
                if let Some(edge) = self.g.edges.get(e)
                    && !(dir == Dir::Both && edge.from == edge.to)
                {
                    r.push((e, edge.from));
                }
            }
        }
        r
    }

    /// The paths of `step` from `cur`: their edges, inner nodes and end node.
    fn paths(&mut self, step: &Step, cur: usize) -> Result<Vec<Path>, String> {
        let mut found = Vec::new();
        let mut stack: Vec<(usize, Vec<usize>, Vec<usize>)> = vec![(cur, Vec::new(), vec![cur])];
        while let Some((node, edges, nodes)) = stack.pop() {
            if edges.len() >= step.min {
                let inner = nodes.get(1..nodes.len().saturating_sub(1)).unwrap_or_default().to_vec();
                found.push((edges.clone(), inner, node));
            }
            if edges.len() >= step.max {
                continue;
            }
            for (e, to) in self.next(node, step.dir).into_iter().rev() {
                self.tick()?;
                let edge_taken = edges.contains(&e) || self.used.get(e).copied().unwrap_or(false);
                if self.cycles != Cycles::All && edge_taken {
                    continue;
                }
                if self.cycles == Cycles::None
                    && (nodes.contains(&to) || (to != cur && self.on_path.get(to).copied().unwrap_or(false)))
                {
                    continue;
                }
                let mut e2 = edges.clone();
                e2.push(e);
                let mut n2 = nodes.clone();
                n2.push(to);
                stack.push((to, e2, n2));
            }
        }
        // Depth-first from a stack gives the paths of one first edge
        // together; shorter ones first within it.
        found.sort_by_key(|(edges, _, _)| edges.len());
        Ok(found)
    }

    fn step(&mut self, si: usize, ti: usize, cur: usize) -> Result<(), String> {
        let Some(step) = self.seqs.get(si).and_then(|s| s.steps.get(ti)).cloned() else {
            return self.sequence(si.saturating_add(1));
        };
        let variable = step.min != 1 || step.max != 1;
        for (edges, inner, end) in self.paths(&step, cur)? {
            let bound = step.node.and_then(|v| self.bind.get(v).cloned().flatten());
            match bound {
                Some(Slot::Node(n)) if n != end => continue,
                Some(Slot::Node(_)) => {}
                Some(_) => return Err("a pattern variable names both a node and an edge".into()),
                None => self.set(step.node, Some(Slot::Node(end))),
            }
            let slot = match (variable, edges.first()) {
                (false, Some(e)) => Slot::Edge(*e),
                _ => Slot::Path(edges.clone(), inner),
            };
            self.set(step.edge, Some(slot));
            for e in &edges {
                if let Some(u) = self.used.get_mut(*e) {
                    *u = true;
                }
            }
            self.visit(end, true);
            let r = self.step(si, ti.saturating_add(1), end);
            for e in &edges {
                if let Some(u) = self.used.get_mut(*e) {
                    *u = false;
                }
            }
            self.set(step.edge, None);
            if bound.is_none() {
                self.set(step.node, None);
                if end != cur {
                    self.visit(end, false);
                }
            }
            r?;
        }
        Ok(())
    }
}
