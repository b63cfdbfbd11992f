//! The root-cause chain: from the symptom the user saw to the factors that made it likely.

use super::Context;
use crate::report::{Finding, RootCause};

/// Link the findings into a chain and name the verdict.
pub fn build(ctx: &Context<'_>, findings: &[Finding]) -> Option<RootCause> {
    let _ = (ctx, findings);
    None
}
