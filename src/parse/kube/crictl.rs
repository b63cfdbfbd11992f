//! `crictl ps -a` and `crictl inspect`.
//!
//! `crictl ps` prints a table whose columns are apart by two blanks or more: `CONTAINER ID IMAGE
//! CREATED STATE NAME ATTEMPT` in older crictl, `CONTAINER IMAGE CREATED STATE NAME ATTEMPT POD
//! ID POD` in newer ones; `CREATED` holds spaces (`About a minute ago`), so cells are cut at the
//! header's offsets. Ids are the 13-character short form.
//!
//! `crictl inspect` prints one JSON document per container: `status` (id, state, exit code,
//! reason, the kubelet's labels naming the pod, its namespace and uid, the container's name) and
//! `info` (the runtime's). Each is read as a pod of one container, as `kubectl` would show it,
//! so that every later stage knows one shape; `CONTAINER_EXITED` is `Terminated`.

use crate::facts::{CriContainer, KubeContainer, KubeContainerState, KubePod, Line, Warning};
use crate::parse::docker_events::parse_rfc3339;
use crate::parse::text::{is_prompt_line, numbered_lines};
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::object::fields;
use super::{table_cell, table_columns};

/// Whether `line` is a `crictl ps` header.
fn is_ps_header(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with("CONTAINER ID") || t.starts_with("CONTAINER "))
        && t.contains("IMAGE")
        && t.contains("STATE")
        && t.contains("NAME")
}

/// Parse `crictl ps [-a]`.
pub fn parse_ps(text: &str) -> Parsed<Vec<CriContainer>> {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut header = String::new();
    for (no, raw) in numbered_lines(text) {
        if is_ps_header(raw) {
            header = raw.to_string();
            continue;
        }
        if header.is_empty() || raw.trim().is_empty() || is_prompt_line(raw) {
            continue;
        }
        let columns = table_columns(&header);
        let cell = |name: &str| {
            let at = columns.iter().position(|(n, _)| *n == name)?;
            table_cell(raw, &columns, at).map(str::to_string)
        };
        let Some(id) = cell("CONTAINER ID").or_else(|| cell("CONTAINER")) else {
            continue;
        };
        if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            warnings.push(Warning::at(no, format!("{id:?} is not a container id")));
            continue;
        }
        rows.push(CriContainer {
            id,
            image: cell("IMAGE"),
            state: cell("STATE"),
            name: cell("NAME"),
            attempt: cell("ATTEMPT").and_then(|a| a.parse().ok()),
            pod_id: cell("POD ID"),
            pod: cell("POD"),
            line: Line::new(no, raw),
        });
    }
    if rows.is_empty() && header.is_empty() {
        warnings.push(Warning::file("no crictl ps header found"));
    }
    Parsed::new(rows, warnings)
}

/// Parse `crictl inspect`: each container as a pod of one container.
pub fn parse_inspect(text: &str) -> Parsed<Vec<KubePod>> {
    let mut pods: Vec<KubePod> = Vec::new();
    for f in fields(text) {
        if f.new_item && f.path.is_empty() {
            // The next document of `crictl inspect a b`.
            pods.push(KubePod::default());
            continue;
        }
        let value = f.value.clone();
        let line = || Line::new(f.no, f.line);
        if pods.is_empty() {
            pods.push(KubePod::default());
        }
        let Some(pod) = pods.last_mut() else {
            continue;
        };
        if pod.containers.is_empty() {
            pod.line = line();
            pod.containers.push(KubeContainer {
                line: line(),
                ..KubeContainer::default()
            });
        }
        let Some(c) = pod.containers.last_mut() else {
            continue;
        };
        match f.path.as_slice() {
            ["status", "id"] => {
                c.id = value;
                c.line = line();
            }
            ["status", "labels", "io.kubernetes.container.name"]
            | ["status", "metadata", "name"]
                if c.name.is_empty() =>
            {
                c.name = value.unwrap_or_default();
            }
            ["status", "labels", "io.kubernetes.pod.name"] => {
                pod.name = value;
                pod.line = line();
            }
            ["status", "labels", "io.kubernetes.pod.namespace"] => pod.namespace = value,
            ["status", "labels", "io.kubernetes.pod.uid"] => pod.uid = value,
            ["status", "annotations", "io.kubernetes.container.restartCount"] => {
                c.restart_count = value.and_then(|v| v.parse().ok())
            }
            ["status", "state"] => {
                let state = match value.as_deref() {
                    Some("CONTAINER_EXITED") => "Terminated",
                    Some("CONTAINER_RUNNING") => "Running",
                    Some("CONTAINER_CREATED") => "Waiting",
                    _ => "Unknown",
                };
                c.state = Some(KubeContainerState {
                    state: state.to_string(),
                    line: line(),
                    ..KubeContainerState::default()
                });
            }
            ["status", key @ ("exitCode" | "reason" | "finishedAt" | "message")] => {
                let Some(s) = c.state.as_mut().filter(|s| s.state == "Terminated") else {
                    continue;
                };
                match *key {
                    "exitCode" => {
                        s.exit_code = value.and_then(|v| v.parse().ok());
                        s.exit_code_line = Some(line());
                    }
                    "reason" => {
                        if value.is_some() {
                            s.reason = value;
                            s.line = line();
                        }
                    }
                    "message" => s.message = value.filter(|m| !m.is_empty()),
                    _ => s.finished = value.as_deref().and_then(parse_rfc3339),
                }
            }
            ["status", "resources", "linux", "memoryLimitInBytes"] => {
                c.memory_limit_bytes = value.and_then(|v| v.parse().ok()).filter(|l: &u64| *l > 0)
            }
            ["info", "runtimeType"] => {
                c.runtime = value.map(|r| {
                    if r.contains("containerd") {
                        "containerd".to_string()
                    } else {
                        r
                    }
                })
            }
            _ => {}
        }
    }
    pods.retain(|p| p.containers.iter().any(|c| c.id.is_some()));
    let warnings = if pods.is_empty() {
        vec![Warning::file("no container found")]
    } else {
        Vec::new()
    };
    Parsed::new(pods, warnings)
}

/// `crictl ps -a`.
pub(crate) const PS_FORMAT: Format = Format {
    kind: SourceKind::CrictlPs,
    paths: Paths {
        sosreport: &[
            "sos_commands/crio/crictl_ps*",
            "sos_commands/containerd/crictl_ps*",
            "sos_commands/kubernetes/crictl_ps*",
        ],
        collector: &["cri/ps.txt"],
        supportconfig: &["crictl ps*"],
        plain: &["crictl_ps*", "crictl-ps*"],
    },
    sniff: Some(|head| head.lines().any(is_ps_header).then_some(Strength::Strong)),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_list(
            &mut facts.cri_containers,
            path,
            parse_ps(&String::from_utf8_lossy(bytes)),
        )
    }),
};

/// `crictl inspect`.
pub(crate) const INSPECT_FORMAT: Format = Format {
    kind: SourceKind::CrictlInspect,
    paths: Paths {
        sosreport: &[
            "sos_commands/crio/crictl_inspect*",
            "sos_commands/containerd/crictl_inspect*",
        ],
        collector: &["cri/inspect.json"],
        supportconfig: &["crictl inspect*"],
        plain: &["crictl_inspect*", "crictl-inspect*"],
    },
    sniff: Some(|head| {
        let said = head.has_key("status")
            && head.has_key("info")
            && (head.has_key("io.kubernetes.pod.name") || head.has_key("runtimeSpec"));
        said.then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_list(
            &mut facts.kube_pods,
            path,
            parse_inspect(&String::from_utf8_lossy(bytes)),
        )
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    use crate::parse::testing::text as sample;

    /// Pasted into a ticket: non-breaking spaces for the spaces (two bytes each, one character
    /// wide), and the shell's prompt after the table.
    #[test]
    fn ps_pasted_with_non_breaking_spaces_and_a_prompt() {
        for rel in [
            "crictl_ps/k8s-docs-2018-ps-a-digest-images.txt",
            "crictl_ps/vijayrod-aks-ps-a-pod-columns.txt",
            "crictl_ps/insights-openshift-cri-o-ps.txt",
        ] {
            let plain = parse_ps(&sample(rel));
            let pasted = format!("{}[root@node1 ~]# \n", sample(rel).replace("  ", " \u{a0}"));
            let read = parse_ps(&pasted);
            assert!(read.warnings.is_empty(), "{rel}: {:?}", read.warnings);
            assert_eq!(read.value.len(), plain.value.len(), "{rel}");
            for (a, b) in read.value.iter().zip(&plain.value) {
                assert_eq!(
                    (&a.id, &a.image, &a.state, &a.name, a.attempt, &a.pod),
                    (&b.id, &b.image, &b.state, &b.name, b.attempt, &b.pod),
                    "{rel}"
                );
            }
        }
    }

    #[test]
    fn ps_six_and_nine_columns() {
        let old = parse_ps(&sample("crictl_ps/k8s-docs-2018-ps-a-digest-images.txt"));
        assert!(old.warnings.is_empty(), "{:?}", old.warnings);
        assert_eq!(old.value.len(), 4);
        assert_eq!(old.value[1].id, "9c5951df22c78");
        assert_eq!(old.value[1].state.as_deref(), Some("Exited"));
        assert_eq!(old.value[1].name.as_deref(), Some("sh"));
        assert_eq!(old.value[1].pod, None);
        let new = parse_ps(&sample("crictl_ps/insights-openshift-cri-o-ps.txt"));
        assert_eq!(new.value.len(), 3);
        let r = &new.value[0];
        assert_eq!(r.name.as_deref(), Some("oauth-apiserver"));
        assert_eq!(r.attempt, Some(185));
        assert_eq!(r.pod_id.as_deref(), Some("19d971fe5c478"));
        assert_eq!(r.pod.as_deref(), Some("apiserver-7cd97c59ff-dwckz"));
        let aks = parse_ps(&sample("crictl_ps/vijayrod-aks-ps-a-pod-columns.txt"));
        assert_eq!(aks.value.len(), 2);
        let docs = parse_ps(&sample(
            "crictl_ps/cri-tools-docs-ps-a-created-6-columns.txt",
        ));
        assert_eq!(docs.value[0].state.as_deref(), Some("Created"));
    }

    #[test]
    fn inspect_names_the_pod() {
        let p = parse_inspect(&sample(
            "crictl_inspect/anykap-kind-containerd-coredns-running.txt",
        ));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let [pod] = p.value.as_slice() else {
            panic!("one pod: {:?}", p.value)
        };
        assert_eq!(pod.label(), "kube-system/coredns-5d78c9869d-79bfv");
        assert_eq!(
            pod.uid.as_deref(),
            Some("44e4b37f-504f-4f1c-80f3-4137bfbec5e4")
        );
        let c = &pod.containers[0];
        assert_eq!(c.name, "coredns");
        assert_eq!(
            c.id.as_deref(),
            Some("f3a240d625b1e97b859e29f81360fd79538021c46eaafb325dc0fa195c8e4b6a")
        );
        assert_eq!(c.state.as_ref().map(|s| s.state.as_str()), Some("Running"));
        assert!(c.memory_limit_bytes.is_some());
    }
}
