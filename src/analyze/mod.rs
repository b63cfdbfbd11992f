//! Analysis: findings with evidence, and the root-cause chain.
//!
//! Fifth stage. Each rule lives in its own file, reads typed facts only (never raw text), and
//! emits [`Finding`]s whose evidence quotes real lines of the bundle. The rules are registered in
//! one static slice, [`RULES`], from which `postmortem rules` and the catalogue are generated.

use crate::derive::Derived;
use crate::facts::Facts;
use crate::report::{Details, Finding, Role, RootCause, Signature};
use meta::RuleMeta;

pub mod assess;
pub mod details;
pub mod evidence;
pub mod finding;
pub mod fragmentation;
pub mod gaps;
pub mod kernel;
pub mod lookup;
pub mod meta;
pub mod oom;
pub mod refs;
pub mod risk;
pub mod root_cause;
#[cfg(test)]
mod root_cause_tests;
pub mod rules;
pub mod signature;
pub mod state;
#[cfg(test)]
pub(crate) mod testkit;
pub mod zones;

/// What a rule sees: the facts, what is derived from them once for every rule (the kernel at
/// the failure and at collection, boots, host, available memory, the main failure, containers
/// joined across sources, the order of their events), and a baseline when one was given.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub derived: Derived<'a>,
    /// A healthy node's facts to compare with, when one was given.
    pub baseline: Option<&'a Facts>,
}

impl<'a> Context<'a> {
    /// The context of `facts`, with their derived facts.
    pub fn new(facts: &'a Facts, baseline: Option<&'a Facts>) -> Context<'a> {
        Context {
            facts,
            derived: crate::derive::derive(facts),
            baseline,
        }
    }
}

pub mod compare;

/// One entry of the finding catalogue: a rule declares itself in its [`RuleMeta`] and reads
/// the facts in [`Rule::evaluate`].
pub trait Rule: Sync {
    /// What the rule declares about itself.
    fn meta(&self) -> &'static RuleMeta;
    /// Findings of this id in the bundle (usually zero or one).
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding>;

    /// The finding id (`mm.external-fragmentation`): stable, never renamed.
    fn id(&self) -> &'static str {
        self.meta().id
    }
    /// The default role.
    fn role(&self) -> Role {
        self.meta().role
    }
    /// One line: what the finding means.
    fn summary(&self) -> &'static str {
        self.meta().summary
    }
    /// The documentation page (`docs/findings/<id>.md`).
    fn doc(&self) -> &'static str {
        self.meta().doc
    }
}

/// The catalogue, in report order (symptoms, mechanisms, conditions, factors, observations).
pub static RULES: &[&dyn Rule] = rules::ALL;

/// The result of the analysis.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub root_cause: Option<RootCause>,
    pub details: Details,
    pub signature: Option<Signature>,
}

/// Run every rule and link the findings into a root-cause chain.
pub fn analyze(ctx: &Context<'_>) -> Analysis {
    let mut findings: Vec<Finding> = RULES.iter().flat_map(|r| r.evaluate(ctx)).collect();
    sort_findings(&mut findings);
    let root_cause = root_cause::build(ctx, &findings);
    let mut details = details::build(ctx);
    if root_cause.is_none() {
        // Nothing failed: the risks lead the node's state, each with its margin.
        let risks = findings
            .iter()
            .filter(|f| f.role == Role::Risk && !f.sentence.is_empty())
            .map(|f| f.sentence.clone());
        details.state.splice(0..0, risks);
    }
    let signature = signature::build(&findings, root_cause.as_ref());
    Analysis {
        findings,
        root_cause,
        details,
        signature,
    }
}

/// Look a rule up by id.
pub fn rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}

/// Report order: role (symptoms first), then catalogue order, then severity, then the first
/// piece of evidence, so the same bundle always gives the same list.
pub fn sort_findings(findings: &mut [Finding]) {
    let position = |id: &str| {
        RULES
            .iter()
            .position(|r| r.id() == id)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        let first = |f: &Finding| f.evidence.first().map(|e| (e.path.clone(), e.line));
        (
            a.role,
            position(&a.id),
            std::cmp::Reverse(a.severity),
            first(a),
            &a.title,
        )
            .cmp(&(
                b.role,
                position(&b.id),
                std::cmp::Reverse(b.severity),
                first(b),
                &b.title,
            ))
    });
}
