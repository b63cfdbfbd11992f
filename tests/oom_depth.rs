//! OOM kills told in depth through the binary: whose limit, named as the bundle names its
//! owner, and one recommendation per action.

use serde_json::Value;

use crate::util::{repo, report_json};

/// Every recommendation of the report: the root cause's and each other incident's.
fn actions(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut take = |recs: &Value| {
        for r in recs.as_array().into_iter().flatten() {
            out.push(r["action"].as_str().unwrap_or_default().to_string());
        }
    };
    take(&report["root_cause"]["recommendations"]);
    for also in report["root_cause"]["also"]
        .as_array()
        .into_iter()
        .flatten()
    {
        take(&also["recommendations"]);
    }
    out
}

/// The pod whose limit was hit is named as `kubectl` names it, with the container killed,
/// never by the uid of its cgroup alone.
#[test]
fn a_pod_limit_is_advised_by_its_names() {
    let report = report_json(&repo().join("samples/k8s-pod-oom-cgroupv2"));
    let first = &report["root_cause"]["recommendations"][0];
    let action = first["action"].as_str().unwrap_or_default();
    assert!(
        action.starts_with(
            "Measure the peak memory of pod `default/nginx` (container `default/nginx/nginx`) \
             and raise its 100 MiB limit"
        ),
        "{action}"
    );
    assert_eq!(
        first["command"],
        "kubectl -n default top pod nginx --containers"
    );
    assert!(actions(&report).iter().all(|a| !a.contains("uid")));
}
