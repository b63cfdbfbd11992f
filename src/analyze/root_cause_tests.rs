//! The root cause on the testkit's cases: chains, verdicts and summaries, by finding id.

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
    insta::assert_snapshot!(rc.summary, @r###"
The container start failed because runc's `unshare()` of a new network namespace needed an order-6 (256 KiB) contiguous kernel allocation for the namespace's conntrack slab cache. No zone could serve it because memory was fragmented, not used up (6.3 GiB available, no free block larger than 32 KiB in `Normal`, fragmentation index 0.92 to 0.999). The container's memory limit mattered because it switched on kernel-memory (kmem) accounting on a 3.10 kernel, where every new slab cache then needs a large array sized by the number of memory cgroups ever used. Restore service with `drop_caches` and `compact_memory` (intermittent success); stop it recurring with runc >= 1.0.0-rc94 or a runc built with `nokmem`, `cgroup.memory=nokmem` on a kernel that supports it, or a newer kernel; removing memory limits is not the fix.
"###);
    let risks: Vec<_> = rc.recommendations.iter().map(|r| r.risk).collect();
    let mut sorted = risks.clone();
    sorted.sort();
    assert_eq!(risks, sorted);
    assert_eq!(
        rc.recommendations.last().unwrap().risk,
        crate::report::Risk::High
    );
    assert!(rc.also.is_empty());
}

#[test]
fn exhaustion_verdict() {
    let facts = testkit::exhaustion_facts();
    let rc = analyze(&testkit::context(&facts, None)).root_cause.unwrap();
    assert_eq!(rc.verdict, "mm.memory-exhaustion");
    insta::assert_snapshot!(rc.summary, @r###"
`java` could not get an order-2 (16 KiB) contiguous kernel allocation: the kernel found no free block that large, and the request failed. Memory was used up, not fragmented: the zones were at or below their min watermark with little left to reclaim (95.7 MiB available). Find the consumer and give the workloads limits that fit the node.
"###);
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
