//! The root-cause chain: from the symptom the user saw to the factors that made it likely.
//!
//! The chain lists the findings that explain each other, in the order a reader follows them:
//! symptoms, then the kernel mechanisms, then the condition that let them fail, then the
//! factors. The verdict is the finding of lowest verdict rank (a condition, else a factor), or,
//! failing one, the first kernel mechanism; the chain is every finding that explains the same
//! incident as the verdict. Findings of other incidents are named as such, each with its own
//! actions.
//!
//! This module knows no finding by name: ranks and incidents come from each rule's
//! [`RuleMeta`](super::meta::RuleMeta), and the summary is assembled from the sentences the
//! findings carry.

use super::{gaps, rule, Context, RULES};
use crate::analyze::finding::{code, text_in_prose};
use crate::report::{Finding, OtherIncident, Recommendation, Risk, Role, RootCause};

/// Whether the findings show a failure: something the user saw fail, or a kernel mechanism
/// that failed. Conditions, factors and observations alone describe a node in which nothing
/// failed (yet).
pub fn shows_failure(findings: &[Finding]) -> bool {
    findings
        .iter()
        .any(|f| matches!(f.role, Role::Symptom | Role::Mechanism))
}

/// The incidents a finding explains, from its rule.
fn incidents(f: &Finding) -> &'static [&'static str] {
    rule(&f.id).map(|r| r.meta().incidents).unwrap_or(&[])
}

fn verdict_rank(f: &Finding) -> Option<u16> {
    rule(&f.id).and_then(|r| r.meta().verdict_rank)
}

/// Catalogue position, for report order.
fn position(id: &str) -> usize {
    RULES
        .iter()
        .position(|r| r.id() == id)
        .unwrap_or(usize::MAX)
}

/// The findings of one chain: one per id (the first), in role and catalogue order.
fn chain_of<'f>(members: impl Iterator<Item = &'f Finding>) -> Vec<&'f Finding> {
    let mut chain: Vec<&Finding> = Vec::new();
    for f in members {
        if !chain.iter().any(|c| c.id == f.id) {
            chain.push(f);
        }
    }
    chain.sort_by_key(|f| (f.role, position(&f.id)));
    chain
}

/// Link the findings into a chain and name the verdict; none when nothing failed, so that a
/// risk or a gap in the evidence is never the verdict of a healthy bundle.
pub fn build(ctx: &Context<'_>, findings: &[Finding]) -> Option<RootCause> {
    if !shows_failure(findings) {
        return None;
    }
    let in_some_chain = |f: &&Finding| !incidents(f).is_empty();
    // The verdict: the most decisive ranked finding, else the first mechanism, else the first
    // link of any chain, else the first finding.
    let ranked = findings
        .iter()
        .filter_map(|f| verdict_rank(f).map(|r| (r, position(&f.id), f)))
        .min_by_key(|(r, p, _)| (*r, *p))
        .map(|(_, _, f)| f);
    let verdict = ranked
        .or_else(|| {
            findings
                .iter()
                .filter(in_some_chain)
                .find(|f| f.role == Role::Mechanism)
        })
        .or_else(|| findings.iter().find(in_some_chain))
        // A risk is never a verdict.
        .or_else(|| findings.iter().find(|f| f.role != Role::Risk))?;
    let own = incidents(verdict);
    let shares = |f: &Finding| incidents(f).iter().any(|i| own.contains(i));
    let chain = if own.is_empty() {
        // A verdict that explains no incident of its own (a side measurement): the chain is
        // every finding that joins one, and the verdict.
        chain_of(
            findings
                .iter()
                .filter(|f| in_some_chain(f) || f.id == verdict.id),
        )
    } else {
        chain_of(findings.iter().filter(|f| shares(f) || f.id == verdict.id))
    };
    let also = if own.is_empty() {
        Vec::new()
    } else {
        other_incidents(findings, &chain)
    };
    let summary = summarize(ctx, &chain, verdict, ranked.is_some());
    Some(RootCause {
        verdict: verdict.id.clone(),
        chain: chain.iter().map(|f| f.id.clone()).collect(),
        summary,
        recommendations: rank_recommendations(findings, &chain),
        also,
    })
}

/// The incidents left outside the verdict's chain, each led by a symptom or a mechanism: its
/// findings are those sharing an incident with the lead and not already told.
fn other_incidents(findings: &[Finding], chain: &[&Finding]) -> Vec<OtherIncident> {
    let mut told: Vec<&str> = chain.iter().map(|f| f.id.as_str()).collect();
    let mut out = Vec::new();
    let mut leads: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.role, Role::Symptom | Role::Mechanism))
        .filter(|f| !incidents(f).is_empty())
        .collect();
    leads.sort_by_key(|f| (f.role, position(&f.id)));
    for lead in leads {
        if told.contains(&lead.id.as_str()) {
            continue;
        }
        let theirs = incidents(lead);
        let members = chain_of(findings.iter().filter(|f| {
            !told.contains(&f.id.as_str()) && incidents(f).iter().any(|i| theirs.contains(i))
        }));
        told.extend(members.iter().map(|f| f.id.as_str()));
        // Its mechanism says it best, else the lead itself.
        let teller = members
            .iter()
            .find(|f| f.role == Role::Mechanism && !f.sentence.is_empty())
            .or_else(|| members.iter().find(|f| !f.sentence.is_empty()))
            .copied()
            .unwrap_or(lead);
        out.push(OtherIncident {
            lead: lead.id.clone(),
            chain: members.iter().map(|f| f.id.clone()).collect(),
            summary: sentence_of(teller),
            recommendations: rank_recommendations(findings, &members),
        });
    }
    out
}

/// The recommendations of every finding in the chain, once each, lowest risk first (the order
/// within one risk level is the chain's).
fn rank_recommendations(findings: &[Finding], chain: &[&Finding]) -> Vec<Recommendation> {
    let mut out: Vec<Recommendation> = Vec::new();
    for link in chain {
        for f in findings.iter().filter(|f| f.id == link.id) {
            for r in &f.recommendations {
                let dup = out.iter().any(|o| {
                    o.action == r.action
                        || (o.command.is_some() && o.command == r.command)
                        || (o.topic.is_some() && o.topic == r.topic)
                });
                if !dup {
                    out.push(r.clone());
                }
            }
        }
    }
    out.sort_by_key(|r| r.risk);
    out
}

/// A finding's verdict sentence, else its title as a sentence.
fn sentence_of(f: &Finding) -> String {
    if f.sentence.is_empty() {
        format!("{}.", text_in_prose(f.title.trim_end_matches('.')))
    } else {
        f.sentence.clone()
    }
}

/// The summary: what failed and how (the chain's first mechanism, else its symptom), why (the
/// verdict), what made it likely (the first other factor that has something to say), what to
/// do, and, when the verdict is only the failure itself, which evidence would decide the cause.
/// Other incidents are not in it: the reports name them apart, each with its actions.
fn summarize(
    ctx: &Context<'_>,
    chain: &[&Finding],
    verdict: &Finding,
    established: bool,
) -> String {
    let mut sentences: Vec<String> = Vec::new();
    let opening = chain
        .iter()
        .find(|f| f.role == Role::Mechanism && !f.sentence.is_empty())
        .or_else(|| {
            chain
                .iter()
                .find(|f| f.role == Role::Symptom && !f.sentence.is_empty())
        })
        .copied()
        .unwrap_or(verdict);
    sentences.push(sentence_of(opening));
    if opening.id != verdict.id {
        sentences.push(sentence_of(verdict));
    }
    // What made the condition likely; a factor verdict has said it already.
    let factor = chain.iter().find(|f| {
        f.role == Role::Factor && f.id != verdict.id && f.id != opening.id && !f.sentence.is_empty()
    });
    if let Some(f) = factor.filter(|_| verdict.role == Role::Condition) {
        sentences.push(f.sentence.clone());
    }
    if !established {
        // The sources the bundle lacks (not the files it could not read): what would decide.
        let missing: Vec<String> = gaps::find(ctx.facts, &ctx.derived)
            .into_iter()
            .filter(|g| g.what.starts_with("no "))
            .map(|g| g.what)
            .collect();
        if !missing.is_empty() {
            sentences.push(format!(
                "The bundle does not show why, and what it lacks would decide it: {} (see the \
                 evidence gaps).",
                join_words(&missing)
            ));
        }
    }
    if !verdict.advice.is_empty() {
        sentences.push(verdict.advice.clone());
    } else if let Some(r) = verdict
        .recommendations
        .iter()
        .find(|r| r.risk != Risk::None)
    {
        sentences.push(format!(
            "What to do: {}.",
            lower_first(r.action.trim_end_matches('.'))
        ));
    }
    sentences.truncate(5);
    // A node rebooted into another kernel since the failure: what the report reads of the
    // failure is that kernel's, which a reader checking `uname` would not expect.
    if let Some((failed, now)) = ctx.derived.rebooted_since_failure() {
        let at = sentences.len().min(1);
        sentences.insert(
            at,
            format!(
                "The node has since rebooted into {}; the failure happened on {}, and it is read \
                 as that kernel behaves.",
                code(&now.version.release),
                code(&failed.version.release)
            ),
        );
    }
    sentences.join(" ")
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `Raise the table size` -> `raise the table size`, for a recommendation inside a sentence.
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
