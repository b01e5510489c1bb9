//! The rule set the server runs, built once when rules are loaded (at start
//! and at each reload), never per batch: the KQL rules by kind, the Sigma
//! rules' one-scan plans (one per table, `detect::sigma_scan`), and the
//! Sigma correlations resolved against them (`detect::sigma_correlate`).
//! A Sigma rule that runs in a scan does not run again as KQL; one whose
//! pack rule is not its compilation (replaced by a rule of another kind)
//! runs as the KQL rule it is.

use std::collections::HashSet;

use detect::RulePack;
use detect::pack::SigmaSet;
use detect::rule::{Kind, Rule};
use detect::sigma_correlate::Correlations;
use detect::sigma_scan::{TableScan, plan_pack};

/// What `GET /api/rules` calls a Sigma rule that runs in a scan.
pub const SIGMA: &str = "sigma";
/// What `GET /api/rules` calls a Sigma correlation.
pub const SIGMA_CORRELATION: &str = "sigma-correlation";

/// A loaded rule set.
#[derive(Debug)]
pub struct RuleSet {
    /// The rules and the Sigma documents behind them.
    pub pack: RulePack,
    /// The Sigma rules' scans, one per table.
    pub scans: Vec<TableScan>,
    /// The correlations, with what their scans capture for them.
    pub correlations: Correlations,
    /// The pack rules (by index) that run in a scan.
    pub sigma: HashSet<usize>,
    /// The pack rules whose own alerts are not raised (named by a
    /// correlation without `generate: true`).
    pub hidden: HashSet<usize>,
    /// The correlations (by index) whose own alerts are not raised.
    pub hidden_correlations: HashSet<usize>,
    /// Every rule alerts come from: the pack's, then the correlations'.
    pub all: Vec<Rule>,
}

impl RuleSet {
    /// Plans `rules` (with the Sigma documents behind their Sigma rules).
    pub fn new(rules: Vec<Rule>, sigma: SigmaSet) -> RuleSet {
        let pack = RulePack { rules, diagnostics: Vec::new(), sigma };
        let mut correlations = Correlations::prepare(&pack);
        let mut scans = plan_pack(&pack);
        correlations.add_captures(&pack, &mut scans);
        let sigma = scans.iter().flat_map(|s| s.rules.iter().copied()).collect();
        let hidden = correlations.hidden_rules(&pack);
        let hidden_correlations = correlations.hidden_correlations(&pack);
        let mut all = pack.rules.clone();
        all.extend(correlations.rules.iter().cloned());
        RuleSet { pack, scans, correlations, sigma, hidden, hidden_correlations, all }
    }

    /// The KQL rules of `kind` (Sigma rules that run in a scan left out).
    pub fn kql(&self, kind: Kind) -> impl Iterator<Item = &Rule> {
        self.pack
            .rules
            .iter()
            .enumerate()
            .filter(move |(i, r)| r.kind == kind && !self.sigma.contains(i))
            .map(|(_, r)| r)
    }

    /// Every rule with its kind as the API names it: `Scheduled`, `NRT`,
    /// [`SIGMA`], [`SIGMA_CORRELATION`].
    pub fn listed(&self) -> impl Iterator<Item = (&Rule, &'static str)> {
        let own = self
            .pack
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r, if self.sigma.contains(&i) { SIGMA } else { r.kind.as_str() }));
        own.chain(self.correlations.rules.iter().map(|r| (r, SIGMA_CORRELATION)))
    }

    /// Whether the set has correlations to keep windows for.
    pub fn correlates(&self) -> bool {
        !self.correlations.rules.is_empty()
    }
}
