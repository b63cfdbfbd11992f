//! A bundle with several independent incidents: the verdict speaks of one, its own actions come
//! first, and the others are named as such with their actions below.
//!
//! The bundle is built from the shipped samples: the seed incident (order-6 allocation failures
//! that failed container starts), a memory cgroup OOM kill and a full conntrack table, each
//! copied with its own logs.

use std::fs;

use crate::util::{copy_dir, postmortem, repo};

fn several_incidents() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = repo().join("samples");
    copy_dir(&samples.join("seed-runc-unshare-enomem"), dir.path());
    fs::create_dir_all(dir.path().join("oom")).expect("mkdir");
    fs::copy(
        samples.join("memcg-oom-container/dmesg"),
        dir.path().join("oom/dmesg"),
    )
    .expect("copy the OOM kernel log");
    fs::create_dir_all(dir.path().join("conntrack")).expect("mkdir");
    fs::copy(
        samples.join("conntrack-table-full/sosreport-k8s-node-12-20190312150412/var/log/messages"),
        dir.path().join("conntrack/messages"),
    )
    .expect("copy the conntrack log");
    dir
}

fn report(dir: &std::path::Path, format: &str) -> String {
    let out = postmortem()
        .args(["report", "--format", format])
        .arg(dir)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn the_verdicts_own_actions_come_first_and_other_incidents_are_named() {
    let dir = several_incidents();
    let json: serde_json::Value = serde_json::from_str(&report(dir.path(), "json")).expect("json");
    let rc = &json["root_cause"];
    assert_eq!(rc["verdict"], "mm.external-fragmentation");
    let chain: Vec<&str> = rc["chain"]
        .as_array()
        .expect("chain")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(!chain.contains(&"oom.memcg-kill"), "{chain:?}");
    assert!(
        !chain.contains(&"netfilter.conntrack-table-full"),
        "{chain:?}"
    );
    let leads: Vec<&str> = rc["also"]
        .as_array()
        .expect("other incidents")
        .iter()
        .filter_map(|a| a["lead"].as_str())
        .collect();
    assert!(leads.contains(&"oom.memcg-kill"), "{leads:?}");
    assert!(
        leads.contains(&"netfilter.conntrack-table-full"),
        "{leads:?}"
    );
    // The actions of the verdict's chain only: none about memory limits of OOM-killed cgroups.
    for r in rc["recommendations"].as_array().expect("actions") {
        let action = r["action"].as_str().unwrap_or_default();
        assert!(!action.starts_with("Size the cgroup's limit"), "{action}");
        assert!(!action.starts_with("Raise the table size"), "{action}");
    }

    let md = report(dir.path(), "md");
    let first = md
        .split("**What to do first:**")
        .nth(1)
        .and_then(|rest| rest.split("## Root cause").next())
        .expect("what to do first");
    assert!(!first.contains("cgroup's limit"), "{first}");
    assert!(!first.contains("table size"), "{first}");
    let also: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("**Also in this bundle:**"))
        .collect();
    insta::assert_snapshot!(also.join("\n"), @r###"
**Also in this bundle:** Container `crm_api.2.w2e8r4t6y1u3i5o7p9a0s2d4f (5d1e0b9c7a3f)` was killed with exit code 137 (SIGKILL) when Swarm stopped its task of service `crm_api`: docker sent it SIGTERM, and it was still running when its 10 s grace period ran out, so SIGKILL ended it; it was not OOM-killed: docker recorded no `oom` event for it, and the kernel log has no OOM report for it. An orchestrator stop whose grace period ran out is routine (a service update, a scale-down, a task moved to another node) unless it repeats.
**Also in this bundle:** The kernel's OOM killer killed `java` (pid 3127, resident 507 MiB) inside memory cgroup `/docker/7c1e9a4f3b2d8e6a0f5c4b3a2918d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0` because the cgroup had reached its 512 MiB limit; the host itself was not out of memory.
**Also in this bundle:** The conntrack table was full, so the kernel dropped the packets of new connections: it logged `table full, dropping packet` 144 times (and rate-limited 35558 more messages), and connections through the node timed out or were refused.
"###);
}
