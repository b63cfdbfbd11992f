//! The plain table of `kubectl get pods` (`NAME READY STATUS RESTARTS AGE`, with `NAMESPACE`
//! first under `-A`, and `IP NODE NOMINATED NODE READINESS GATES` after under `-o wide`).
//!
//! The `STATUS` column is what kubectl makes of the pod: its phase, or the reason of the
//! container state that explains it best (`OOMKilled`, `Error`, `CrashLoopBackOff`,
//! `ContainerStatusUnknown`), or the pod's own reason (`Evicted`). A row is read as a pod whose
//! reason or one unnamed container's state says that status, with the row as its line.
//! `RESTARTS` may carry when the last one was (`3 (2m ago)`).

use crate::facts::{KubeContainer, KubeContainerState, KubePod, Line, Warning};
use crate::parse::text::numbered_lines;
use crate::parse::Parsed;

use super::{table_cell, table_columns};

/// Statuses that are a container's termination.
const TERMINATED: [&str; 5] = [
    "OOMKilled",
    "Error",
    "Completed",
    "ContainerStatusUnknown",
    "ContainerCannotRun",
];

/// Whether `line` is the header of `kubectl get pods`.
pub fn is_pod_table_header(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with("NAME ") || t.starts_with("NAMESPACE "))
        && t.contains(" READY ")
        && t.contains(" STATUS ")
        && t.contains(" RESTARTS")
}

/// Parse the table of `kubectl get pods`.
pub fn parse_pod_table(text: &str) -> Parsed<Vec<KubePod>> {
    let mut pods = Vec::new();
    let mut header = String::new();
    for (no, raw) in numbered_lines(text) {
        if is_pod_table_header(raw) {
            header = raw.to_string();
            continue;
        }
        if header.is_empty() || raw.trim().is_empty() {
            continue;
        }
        let columns = table_columns(&header);
        let cell = |name: &str| {
            let at = columns.iter().position(|(n, _)| *n == name)?;
            table_cell(raw, &columns, at).map(str::to_string)
        };
        let (Some(name), Some(status)) = (cell("NAME"), cell("STATUS")) else {
            continue;
        };
        let line = Line::new(no, raw);
        let mut pod = KubePod {
            namespace: cell("NAMESPACE"),
            name: Some(name),
            node: cell("NODE").filter(|n| n != "<none>"),
            line: line.clone(),
            ..KubePod::default()
        };
        let restarts =
            cell("RESTARTS").and_then(|r| r.split_whitespace().next().and_then(|n| n.parse().ok()));
        if status == "Evicted" {
            pod.phase = Some("Failed".to_string());
            pod.reason = Some(status);
            pod.reason_line = Some(line);
        } else if TERMINATED.contains(&status.as_str()) {
            pod.containers.push(KubeContainer {
                restart_count: restarts,
                last_state: Some(KubeContainerState {
                    state: "Terminated".to_string(),
                    reason: Some(status),
                    line: line.clone(),
                    ..KubeContainerState::default()
                }),
                line,
                ..KubeContainer::default()
            });
        } else {
            pod.phase = Some(status);
        }
        pods.push(pod);
    }
    let warnings = if header.is_empty() {
        vec![Warning::file("no kubectl get pods header found")]
    } else {
        Vec::new()
    };
    Parsed::new(pods, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kubectl get pods -A` as kubectl prints it: columns three blanks apart, the widest value
    /// setting each column's width.
    const TABLE: &str = "\
NAMESPACE     NAME                                READY   STATUS      RESTARTS      AGE
default       nginx                               1/1     Running     1 (4m ago)    6m17s
default       web-7d4b9c-x2kqp                    0/1     OOMKilled   3 (12s ago)   20m
kube-system   csi-cinder-nodeplugin-bb9jk         3/3     Running     0             7m5s
default       batch-28301                         0/1     Evicted     0             2d
";

    #[test]
    fn statuses_become_reasons() {
        let p = parse_pod_table(TABLE);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value.len(), 4);
        let oom = &p.value[1];
        assert_eq!(oom.label(), "default/web-7d4b9c-x2kqp");
        let last = oom.containers[0].last_state.as_ref().expect("a last state");
        assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(oom.containers[0].restart_count, Some(3));
        assert_eq!(p.value[3].reason.as_deref(), Some("Evicted"));
        assert_eq!(p.value[2].phase.as_deref(), Some("Running"));
    }
}
