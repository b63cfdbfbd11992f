//! Analysis: findings with evidence, and the root-cause chain.
//!
//! Fifth stage. Each rule lives in its own file, reads typed facts only (never raw text), and
//! emits [`Finding`]s whose evidence quotes real lines of the bundle. The rules are registered in
//! one static slice, [`RULES`], from which `postmortem rules` and the catalogue are generated.

use crate::facts::Facts;
use crate::report::{Details, Finding, Role, RootCause};
use crate::timeline::Timeline;

/// What a rule sees.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub timeline: &'a Timeline,
    /// A healthy node's facts to compare with, when one was given.
    pub baseline: Option<&'a Facts>,
}

pub mod compare;

/// One entry of the finding catalogue.
pub trait Rule: Sync {
    /// The finding id (`mm.external-fragmentation`): stable, never renamed.
    fn id(&self) -> &'static str;
    /// The default role.
    fn role(&self) -> Role;
    /// One line: what the finding means.
    fn summary(&self) -> &'static str;
    /// The documentation page (`docs/findings/<id>.md`).
    fn doc(&self) -> &'static str;
    /// Findings of this id in the bundle (usually zero or one).
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding>;
}

/// The catalogue, in report order (symptoms, mechanisms, conditions, factors, observations).
pub static RULES: &[&dyn Rule] = &[];

/// The result of the analysis.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub root_cause: Option<RootCause>,
    pub details: Details,
}

/// Run every rule and link the findings into a root-cause chain.
pub fn analyze(ctx: &Context<'_>) -> Analysis {
    let findings: Vec<Finding> = RULES.iter().flat_map(|r| r.evaluate(ctx)).collect();
    Analysis {
        findings,
        root_cause: None,
        details: Details::default(),
    }
}

/// Look a rule up by id.
pub fn rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}
