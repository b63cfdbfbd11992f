//! The incident signature: a short, stable key for what happened (or what a healthy node is
//! heading for), the same on every node with the same incident. `docs/signatures.md` says how
//! it is read.
//!
//! It is assembled from the findings' own signature segments ([`Finding::signature`]), which
//! each rule builds from its id and qualifiers of its own words, never from bundle text: so a
//! signature holds no host name, address, container name or time, and a new finding brings its
//! discriminating part with it. This module knows no finding by name.
//!
//! - A failure: one segment per link of the root-cause chain, in chain order: the first
//!   symptom, the first mechanism, the first condition and the first factor (the verdict
//!   standing for its role). The family is the condition and factor segments: the state the
//!   node was in.
//! - A node in which nothing failed, with risks: `risk`, then the segment of each risk, which
//!   names the condition or factor it precedes. The family is those segments, so that a node
//!   heading for an incident has the family of a node that had it.

use crate::report::{Finding, Role, RootCause, Signature, SignatureKind};

/// The separator of segments.
pub const SEPARATOR: char = '/';

/// The first segment of a risk signature.
pub const RISK: &str = "risk";

/// The report's signature, from its findings and root cause; none when nothing failed and no
/// risk was found.
pub fn build(findings: &[Finding], root_cause: Option<&RootCause>) -> Option<Signature> {
    match root_cause {
        Some(rc) => failure(findings, rc),
        None => risk(findings),
    }
}

fn failure(findings: &[Finding], rc: &RootCause) -> Option<Signature> {
    let of = |id: &str| findings.iter().find(|f| f.id == id);
    let verdict = of(&rc.verdict)?;
    let chain: Vec<&Finding> = rc.chain.iter().filter_map(|id| of(id)).collect();
    let mut segments: Vec<(Role, &str)> = Vec::new();
    for role in [
        Role::Symptom,
        Role::Mechanism,
        Role::Condition,
        Role::Factor,
    ] {
        let link = if verdict.role == role {
            Some(verdict)
        } else {
            chain.iter().copied().find(|f| f.role == role)
        };
        if let Some(f) = link {
            segments.push((role, f.signature.as_str()));
        }
    }
    if segments.is_empty() {
        segments.push((verdict.role, verdict.signature.as_str()));
    }
    let key = join(segments.iter().map(|(_, s)| *s));
    let state: Vec<&str> = segments
        .iter()
        .filter(|(role, _)| matches!(role, Role::Condition | Role::Factor))
        .map(|(_, s)| *s)
        .collect();
    let family = if state.is_empty() {
        key.clone()
    } else {
        join(state)
    };
    Some(Signature {
        kind: SignatureKind::Failure,
        key,
        family,
    })
}

fn risk(findings: &[Finding]) -> Option<Signature> {
    let mut segments: Vec<&str> = Vec::new();
    for f in findings.iter().filter(|f| f.role == Role::Risk) {
        if !segments.contains(&f.signature.as_str()) {
            segments.push(&f.signature);
        }
    }
    if segments.is_empty() {
        return None;
    }
    let family = join(segments.iter().copied());
    Some(Signature {
        kind: SignatureKind::Risk,
        key: format!("{RISK}{SEPARATOR}{family}"),
        family,
    })
}

fn join<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    segments
        .into_iter()
        .collect::<Vec<_>>()
        .join(&SEPARATOR.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{analyze, testkit};

    fn signature_of(facts: &crate::facts::Facts) -> Option<Signature> {
        let ctx = testkit::context(facts, None);
        let a = analyze(&ctx);
        build(&a.findings, a.root_cause.as_ref())
    }

    #[test]
    fn the_seed_reads_as_its_chain() {
        let s = signature_of(&testkit::seed_facts()).expect("a signature");
        assert_eq!(s.kind, SignatureKind::Failure);
        assert_eq!(
            s.key,
            "container.start-failure/mm.high-order-alloc-failure:order6:netns-conntrack/\
             mm.external-fragmentation:order6/memcg.kmem-accounting:el7"
        );
        assert_eq!(
            s.family,
            "mm.external-fragmentation:order6/memcg.kmem-accounting:el7"
        );
    }

    #[test]
    fn another_mechanism_is_another_signature() {
        let seed = signature_of(&testkit::seed_facts()).expect("seed");
        for facts in [
            testkit::exhaustion_facts(),
            testkit::modern_fragmentation_facts(),
        ] {
            let other = signature_of(&facts).expect("a signature");
            assert_ne!(other.key, seed.key);
            assert_ne!(other.family, seed.family);
        }
    }

    #[test]
    fn risks_name_what_they_precede_and_share_the_family() {
        let finding = |id: &str, role: Role, signature: &str| Finding {
            id: id.into(),
            role,
            severity: crate::report::Severity::Warning,
            confidence: crate::report::Confidence::Medium,
            title: String::new(),
            explanation: String::new(),
            sentence: String::new(),
            advice: String::new(),
            signature: signature.into(),
            metrics: Default::default(),
            evidence: Vec::new(),
            recommendations: Vec::new(),
            references: Vec::new(),
        };
        let findings = [
            finding("mm.slab-growth", Role::Condition, "mm.slab-growth"),
            finding(
                "risk.high-order-fragmentation",
                Role::Risk,
                "mm.external-fragmentation:order6",
            ),
            finding(
                "risk.kmem-accounting",
                Role::Risk,
                "memcg.kmem-accounting:el7",
            ),
        ];
        let s = build(&findings, None).expect("a risk signature");
        assert_eq!(s.kind, SignatureKind::Risk);
        assert_eq!(
            s.key,
            "risk/mm.external-fragmentation:order6/memcg.kmem-accounting:el7"
        );
        assert_eq!(
            s.family,
            "mm.external-fragmentation:order6/memcg.kmem-accounting:el7"
        );
        assert_eq!(build(&findings[..1], None), None);
    }

    #[test]
    fn a_healthy_node_without_risk_has_none() {
        assert_eq!(signature_of(&testkit::healthy_facts()), None);
    }
}
