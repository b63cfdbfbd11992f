//! The root-cause chain: from the symptom the user saw to the factors that made it likely.
//!
//! The chain lists the findings that explain each other, in the order a reader follows them:
//! symptoms, then the kernel mechanisms, then the condition that let them fail, then the
//! factors. The verdict is the condition (or, failing one, the factor or mechanism) that best
//! explains the symptom, and the summary states it in a few sentences built from the facts.

use super::assess::{assess_main, Cause};
use super::finding::{code, index3, text_in_prose};
use super::fragmentation::{human_bytes, order_bytes};
use super::rules::mm_high_order_alloc_failure::describe_path;
use super::{lookup, Context, RULES};
use crate::report::{Finding, Recommendation, Risk, Role, RootCause};

/// Conditions and factors, most decisive first: the verdict is the first one found.
const VERDICT_ORDER: &[&str] = &[
    "mm.external-fragmentation",
    "mm.memory-exhaustion",
    "memcg.limit-reached",
    "memcg.kmem-limit-reached",
    "memcg.cgroup-id-exhaustion",
    "netfilter.conntrack-table-full",
    "memcg.kmem-accounting",
    "mm.slab-growth",
    "container.memory-limit",
    "kernel.known-defect",
    "host.process-pressure",
];

/// Findings that stay out of the chain: they describe the bundle or a side observation.
fn in_chain(f: &Finding) -> bool {
    f.role != Role::Observation && f.id != "mm.slab-growth"
}

/// Whether the findings show a failure: something the user saw fail, or a kernel mechanism
/// that failed. Conditions, factors and observations alone describe a node in which nothing
/// failed (yet).
pub fn shows_failure(findings: &[Finding]) -> bool {
    findings
        .iter()
        .any(|f| matches!(f.role, Role::Symptom | Role::Mechanism))
}

/// Link the findings into a chain and name the verdict; none when nothing failed, so that a
/// risk or a gap in the evidence is never the verdict of a healthy bundle.
pub fn build(ctx: &Context<'_>, findings: &[Finding]) -> Option<RootCause> {
    if !shows_failure(findings) {
        return None;
    }
    let position = |id: &str| {
        RULES
            .iter()
            .position(|r| r.id() == id)
            .unwrap_or(usize::MAX)
    };
    let mut chain: Vec<(Role, usize, &str)> = Vec::new();
    for f in findings.iter().filter(|f| in_chain(f)) {
        if !chain.iter().any(|(_, _, id)| *id == f.id) {
            chain.push((f.role, position(&f.id), f.id.as_str()));
        }
    }
    if chain.is_empty() {
        // Only observations and slab growth: the chain is what there is.
        chain = findings
            .iter()
            .map(|f| (f.role, position(&f.id), f.id.as_str()))
            .collect();
    }
    chain.sort();
    chain.dedup_by(|a, b| a.2 == b.2);
    let has = |id: &str| findings.iter().any(|f| f.id == id);
    let verdict = VERDICT_ORDER
        .iter()
        .find(|id| has(id))
        .map(|id| id.to_string())
        .or_else(|| {
            chain
                .iter()
                .find(|(role, _, _)| *role == Role::Mechanism)
                .or_else(|| chain.first())
                .map(|(_, _, id)| id.to_string())
        })?;
    // The verdict is always a link of the chain, even one that is normally left out of it.
    if !chain.iter().any(|(_, _, id)| *id == verdict) {
        if let Some(f) = findings.iter().find(|f| f.id == verdict) {
            chain.push((f.role, position(&f.id), f.id.as_str()));
            chain.sort();
        }
    }
    let summary = summarize(ctx, findings, &verdict);
    let recommendations = rank_recommendations(findings, &chain);
    Some(RootCause {
        verdict,
        chain: chain.into_iter().map(|(_, _, id)| id.to_string()).collect(),
        summary,
        recommendations,
    })
}

/// The recommendations of every finding in the chain, once each, lowest risk first (the order
/// within one risk level is the chain's).
fn rank_recommendations(
    findings: &[Finding],
    chain: &[(Role, usize, &str)],
) -> Vec<Recommendation> {
    let mut out: Vec<Recommendation> = Vec::new();
    for (_, _, id) in chain {
        for f in findings.iter().filter(|f| f.id == *id) {
            for r in &f.recommendations {
                let dup = out.iter().any(|o| {
                    o.action == r.action || (o.command.is_some() && o.command == r.command)
                });
                if !dup {
                    out.push(r.clone());
                }
            }
        }
    }
    out.sort_by_key(|r| match r.risk {
        Risk::None => 0,
        Risk::Low => 1,
        Risk::Medium => 2,
        Risk::High => 3,
    });
    out
}

fn symptom_phrase(ctx: &Context<'_>, findings: &[Finding]) -> &'static str {
    let has = |id: &str| findings.iter().any(|f| f.id == id);
    let start_error = lookup::runtime_errors(ctx.facts)
        .any(|e| e.item.kind == crate::facts::RuntimeErrorKind::StartFailure)
        || ctx.facts.containers.iter().any(|c| {
            c.value
                .state
                .error
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty())
        });
    if has("container.start-failure") || start_error {
        "The container start failed"
    } else if has("cgroup.create-failure") {
        "Creating the container's cgroup failed"
    } else if has("container.oom-killed") {
        "The container was killed for memory"
    } else {
        "A kernel allocation failed"
    }
}

fn summarize(ctx: &Context<'_>, findings: &[Finding], verdict: &str) -> String {
    let has = |id: &str| findings.iter().any(|f| f.id == id);
    let mut sentences: Vec<String> = Vec::new();
    let assessment = assess_main(&ctx.derived);

    // Symptom and mechanism.
    if let (Some(a), true) = (&assessment, has("mm.high-order-alloc-failure")) {
        let failure = a.failure.item;
        let who = if failure.task.starts_with("runc") {
            "runc".to_string()
        } else {
            code(&failure.task)
        };
        let doing = match describe_path(failure) {
            Some(d) if d.contains("network namespace") && d.contains("unshare") => {
                format!("{who}'s `unshare()` of a new network namespace")
            }
            Some(d) => format!("{who}, {d},"),
            None => who,
        };
        let what = if has("mm.slab-cache-create-failure")
            && lookup::cache_create_failures(ctx.facts).any(|c| {
                super::rules::mm_slab_cache_create_failure::is_per_netns_conntrack(&c.item.cache)
            }) {
            " for the namespace's conntrack slab cache"
        } else {
            ""
        };
        sentences.push(format!(
            "{} because {doing} needed an order-{} ({}) contiguous kernel allocation{what}.",
            symptom_phrase(ctx, findings),
            failure.order,
            human_bytes(order_bytes(failure.order))
        ));
    } else if let Some(f) = findings
        .iter()
        .find(|f| matches!(f.role, Role::Symptom | Role::Mechanism))
        .or_else(|| findings.iter().find(|f| f.id == verdict))
    {
        // What was seen first: the symptom, else the kernel mechanism.
        sentences.push(format!("{}.", text_in_prose(f.title.trim_end_matches('.'))));
    }

    // Condition.
    if let Some(a) = &assessment {
        match a.cause {
            Cause::Fragmentation if has("mm.external-fragmentation") => {
                let pref = a.preferred();
                let zone = pref.map(|z| code(&z.dump.zone)).unwrap_or_default();
                let largest = pref
                    .and_then(|z| z.largest_block_bytes())
                    .map(human_bytes)
                    .unwrap_or_else(|| "none".to_string());
                let vals: Vec<f64> = pref
                    .map(|z| z.extfrag.iter().copied().filter(|v| *v >= 0.0).collect())
                    .unwrap_or_default();
                let lo = vals.iter().copied().reduce(f64::min);
                let hi = vals.iter().copied().reduce(f64::max);
                let mut parts = Vec::new();
                if let Some(av) = &a.available {
                    parts.push(format!("{} available", human_bytes(av.bytes)));
                }
                parts.push(format!("no free block larger than {largest} in {zone}"));
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    parts.push(format!(
                        "fragmentation index {} to {}",
                        trim_index(lo),
                        trim_index(hi)
                    ));
                }
                sentences.push(format!(
                    "No zone could serve it because memory was fragmented, not used up ({}).",
                    parts.join(", ")
                ));
            }
            Cause::Exhaustion if has("mm.memory-exhaustion") => {
                let avail = a
                    .available
                    .as_ref()
                    .map(|av| format!(" ({} available)", human_bytes(av.bytes)))
                    .unwrap_or_default();
                sentences.push(format!(
                    "It failed because memory was used up: the zones were at or below their min \
                     watermark with little left to reclaim{avail}."
                ));
            }
            _ => {}
        }
    }
    // The kmem factors get their own sentence below.
    let told_below = matches!(verdict, "memcg.kmem-accounting" | "container.memory-limit");
    if sentences.len() < 2 && !told_below {
        if let Some(f) = findings.iter().find(|f| {
            f.id == verdict
                && !sentences
                    .iter()
                    .any(|s| s.contains(&text_in_prose(&f.title)))
        }) {
            sentences.push(format!(
                "The deciding condition: {}.",
                text_in_prose(f.title.trim_end_matches('.'))
            ));
        }
    }

    // Only the symptom: say that the cause is not in the bundle, rather than guess it.
    let only_symptoms = findings
        .iter()
        .filter(|f| f.role != Role::Observation)
        .all(|f| f.role == Role::Symptom);
    if only_symptoms && has("bundle.evidence-gap") {
        sentences.push(
            "The bundle does not show why: the kernel log and the node's memory state at that \
             moment would (see the evidence gaps)."
                .to_string(),
        );
    }

    // Factors.
    let kernel = ctx.derived.incident_kernel();
    let base = kernel
        .map(|k| format!("{}.{}", k.version.major, k.version.minor))
        .unwrap_or_else(|| "3.10".to_string());
    match (has("container.memory-limit"), has("memcg.kmem-accounting")) {
        (true, true) => sentences.push(format!(
            "The container's memory limit mattered because it switched on kernel-memory (kmem) \
             accounting on a {base} kernel, where every new slab cache then needs a large \
             array sized by the number of memory cgroups ever used."
        )),
        (false, true) => sentences.push(format!(
            "Kernel-memory (kmem) accounting was active on a {base} kernel, where every new slab \
             cache needs a large array sized by the number of memory cgroups ever used."
        )),
        (true, false) => {
            if let Some(f) = findings.iter().find(|f| f.id == "container.memory-limit") {
                sentences.push(format!("{}.", text_in_prose(f.title.trim_end_matches('.'))));
            }
        }
        (false, false) => {}
    }

    // What to do.
    if has("mm.external-fragmentation") && has("memcg.kmem-accounting") {
        sentences.push(
            "Restore service with `drop_caches` and `compact_memory` (intermittent success); \
             stop it recurring with runc >= 1.0.0-rc94 or a runc built with `nokmem`, \
             `cgroup.memory=nokmem` on a kernel that supports it, or a newer kernel; removing \
             memory limits is not the fix."
                .to_string(),
        );
    } else if has("mm.external-fragmentation") {
        sentences.push(
            "Restore service with `drop_caches` and `compact_memory` (intermittent success), \
             then remove what keeps asking for large contiguous blocks."
                .to_string(),
        );
    } else if has("mm.memory-exhaustion") {
        sentences
            .push("Find the consumer and give the workloads limits that fit the node.".to_string());
    } else if let Some(r) = findings
        .iter()
        .find(|f| f.id == verdict)
        .and_then(|f| f.recommendations.iter().find(|r| r.risk != Risk::None))
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

/// `Raise the table size` -> `raise the table size`, for a recommendation inside a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An index for a sentence: two decimals, or three where two would round it to 1.00.
fn trim_index(v: f64) -> String {
    let two = format!("{v:.2}");
    if two == "1.00" {
        index3(v)
    } else {
        two
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::{analyze, testkit};

    #[test]
    fn seed_chain_verdict_and_summary() {
        let facts = testkit::seed_facts();
        let analysis = analyze(&testkit::context(&facts, None));
        let rc = analysis.root_cause.unwrap();
        assert_eq!(rc.verdict, "mm.external-fragmentation");
        let expected: Vec<&str> = [
            "container.start-failure",
            "mm.high-order-alloc-failure",
            "mm.slab-cache-create-failure",
            "mm.external-fragmentation",
            "memcg.kmem-accounting",
            "container.memory-limit",
            "kernel.known-defect",
        ]
        .into_iter()
        .filter(|id| analysis.findings.iter().any(|f| f.id == *id))
        .collect();
        assert_eq!(rc.chain, expected);
        assert!(
            rc.summary.starts_with(
                "The container start failed because runc's `unshare()` of a new network \
                 namespace needed an order-6 (256 KiB) contiguous kernel allocation for the \
                 namespace's conntrack slab cache."
            ),
            "{}",
            rc.summary
        );
        assert!(
            rc.summary.contains(
                "memory was fragmented, not used up (6.3 GiB available, no free block larger than \
             32 KiB in `Normal`, fragmentation index 0.92 to 0.999)"
            ),
            "{}",
            rc.summary
        );
        assert!(rc
            .summary
            .contains("switched on kernel-memory (kmem) accounting on a 3.10 kernel"));
        assert!(rc.summary.contains("removing memory limits is not the fix"));
        let risks: Vec<_> = rc.recommendations.iter().map(|r| r.risk).collect();
        let mut sorted = risks.clone();
        sorted.sort();
        assert_eq!(risks, sorted);
        assert_eq!(
            rc.recommendations.last().unwrap().risk,
            crate::report::Risk::High
        );
    }

    #[test]
    fn exhaustion_verdict() {
        let facts = testkit::exhaustion_facts();
        let rc = analyze(&testkit::context(&facts, None)).root_cause.unwrap();
        assert_eq!(rc.verdict, "mm.memory-exhaustion");
        assert!(rc.summary.contains("memory was used up"), "{}", rc.summary);
    }

    #[test]
    fn nothing_found_no_root_cause() {
        let facts = testkit::healthy_facts();
        assert!(analyze(&testkit::context(&facts, None))
            .root_cause
            .is_none());
    }

    #[test]
    fn analysis_is_deterministic() {
        let facts = testkit::seed_facts();
        let healthy = testkit::healthy_facts();
        let one = analyze(&testkit::context(&facts, Some(&healthy)));
        let two = analyze(&testkit::context(&facts, Some(&healthy)));
        assert_eq!(
            serde_json::to_string(&one.findings).unwrap(),
            serde_json::to_string(&two.findings).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&one.root_cause).unwrap(),
            serde_json::to_string(&two.root_cause).unwrap()
        );
        for f in &one.findings {
            assert!(testkit::evidence_is_real(&facts, &f.evidence), "{}", f.id);
        }
    }
}
