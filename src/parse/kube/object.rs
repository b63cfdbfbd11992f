//! Kubernetes objects as `kubectl get -o json` and `-o yaml` print them: pods and events (the
//! plain table of `kubectl get pods` is read by [`super::table`]).
//!
//! Both outputs put every scalar field on a line of its own, nested by indentation (kubectl's
//! JSON is always indented), so both are read by one line reader that follows the path of keys
//! to each value (`fields`), and keeps the line of each value for the evidence. This reads
//! what tickets hold as well as whole files: an excerpt that starts deep inside a pod (at
//! `lastState:`), a JSON fragment with the trailing comma it was cut at, YAML indented by three.
//! Only block YAML is read (kubectl writes no other); flow collections other than `{}` and `[]`
//! are taken as plain values.
//!
//! A pod's fields are known by their path: `metadata.name`, `status.phase`,
//! `status.containerStatuses[].lastState.terminated.exitCode`, `spec.containers[].resources.
//! limits.memory`. A `List`'s `items` are its pods. In an excerpt without the pod around it, a
//! `state` or `lastState` is a container's.

use crate::facts::{KubeContainer, KubeContainerState, KubeEvent, KubePod, Line, Warning};
use crate::parse::docker_events::parse_rfc3339;
use crate::parse::text::numbered_lines;
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::quantity_bytes;

/// One line of an object: a value at a path of keys, or the start of a list item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field<'t> {
    pub path: Vec<&'t str>,
    /// The scalar, unquoted; `None` for a key that opens a map or a list, or for `null`.
    pub value: Option<String>,
    /// The line starts an item of the list at `path` (`{` in JSON, `- ` in YAML).
    pub new_item: bool,
    pub no: u32,
    pub line: &'t str,
}

/// Every field of `text`, in order.
pub(crate) fn fields(text: &str) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    // (indent of the key, key) of the maps and lists open above the current line.
    let mut stack: Vec<(usize, &str)> = Vec::new();
    for (no, line) in numbered_lines(text) {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let body = body.trim_end().trim_end_matches(',');
        if body.is_empty() || body.starts_with('#') || body.starts_with("---") {
            continue;
        }
        if matches!(body, "}" | "]" | "]}" | "}]") {
            continue;
        }
        let (item, at, body) = match body
            .strip_prefix("- ")
            .or(body.strip_prefix('-').filter(|r| r.is_empty()))
        {
            Some(rest) => (true, indent + 2, rest.trim_start()),
            None if body == "{" => (true, indent, ""),
            None => (false, indent, body),
        };
        if item {
            while stack.last().is_some_and(|(i, _)| *i > indent) {
                stack.pop();
            }
            out.push(Field {
                path: stack.iter().map(|(_, k)| *k).collect(),
                value: None,
                new_item: true,
                no,
                line,
            });
            if body.is_empty() {
                continue;
            }
        }
        let Some((key, value)) = split_key(body) else {
            continue;
        };
        while stack.last().is_some_and(|(i, _)| *i >= at) {
            stack.pop();
        }
        let mut path: Vec<&str> = stack.iter().map(|(_, k)| *k).collect();
        path.push(key);
        let opens = matches!(value, "" | "{" | "[");
        out.push(Field {
            path,
            value: scalar(value),
            new_item: false,
            no,
            line,
        });
        if opens {
            stack.push((at, key));
        }
    }
    out
}

/// `"key": value` or `key: value`, the key unquoted.
fn split_key(body: &str) -> Option<(&str, &str)> {
    if let Some(quoted) = body.strip_prefix('"') {
        let end = quoted.find('"')?;
        let key = quoted.get(..end)?;
        let rest = quoted.get(end + 1..)?.trim_start().strip_prefix(':')?;
        return Some((key, rest.trim()));
    }
    let at = body
        .find(": ")
        .or_else(|| body.strip_suffix(':').map(|k| k.len()))?;
    let key = body.get(..at)?.trim();
    if key.is_empty() || key.contains(' ') {
        return None;
    }
    Some((key, body.get(at + 1..).unwrap_or("").trim()))
}

/// A scalar value unquoted, or `None` for what opens a collection and for `null`.
fn scalar(value: &str) -> Option<String> {
    let v = value.trim();
    if matches!(v, "" | "{" | "[" | "null" | "~" | "{}" | "[]") {
        return None;
    }
    if let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if let Some(inner) = v.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    Some(v.to_string())
}

/// The states a container status has.
const STATES: [&str; 3] = ["running", "waiting", "terminated"];

/// Parse `kubectl get pod -o json|yaml`: one pod, a `List` of pods, or an excerpt of one.
pub fn parse_pods(text: &str) -> Parsed<Vec<KubePod>> {
    let mut pods: Vec<KubePod> = Vec::new();
    let mut pod: Option<PodBuilder> = None;
    for f in fields(text) {
        let path: &[&str] = match f.path.split_first() {
            Some((&"items", rest)) => rest,
            _ => &f.path,
        };
        if f.new_item && f.path == ["items"] {
            if let Some(done) = pod.take() {
                pods.push(done.finish());
            }
            continue;
        }
        let b = pod.get_or_insert_with(|| PodBuilder::new(f.no, f.line));
        b.field(path, &f);
    }
    if let Some(done) = pod {
        pods.push(done.finish());
    }
    pods.retain(|p| p.name.is_some() || !p.containers.is_empty());
    let warnings = if pods.is_empty() && !text.trim().is_empty() {
        vec![Warning::file("no pod found")]
    } else {
        Vec::new()
    };
    Parsed::new(pods, warnings)
}

/// A pod being read: its spec's containers are joined with their statuses at the end.
struct PodBuilder {
    pod: KubePod,
    spec: Vec<KubeContainer>,
}

impl PodBuilder {
    fn new(no: u32, line: &str) -> PodBuilder {
        PodBuilder {
            pod: KubePod {
                line: Line::new(no, line),
                ..KubePod::default()
            },
            spec: Vec::new(),
        }
    }

    fn field(&mut self, path: &[&str], f: &Field<'_>) {
        let pod = &mut self.pod;
        let value = f.value.clone();
        match path {
            ["metadata", "name"] => {
                pod.name = value;
                pod.line = Line::new(f.no, f.line);
            }
            ["metadata", "namespace"] => pod.namespace = value,
            ["metadata", "uid"] => pod.uid = value,
            ["spec", "nodeName"] => pod.node = value,
            ["status", "phase"] => pod.phase = value,
            ["status", "qosClass"] => pod.qos = value,
            ["status", "reason"] => {
                pod.reason = value;
                pod.reason_line = Some(Line::new(f.no, f.line));
            }
            ["status", "message"] => {
                pod.low_resource = value.as_deref().and_then(super::low_resource);
                pod.message = value;
                if pod.reason_line.is_none() {
                    pod.reason_line = Some(Line::new(f.no, f.line));
                }
            }
            ["spec", "containers"] if f.new_item => self.spec.push(KubeContainer {
                line: Line::new(f.no, f.line),
                ..KubeContainer::default()
            }),
            ["spec", "containers", "name"] => {
                if let Some(c) = self.spec.last_mut() {
                    c.name = value.unwrap_or_default();
                }
            }
            ["spec", "containers", "resources", "limits", "memory"] => {
                if let Some(c) = self.spec.last_mut() {
                    c.memory_limit_bytes = value.as_deref().and_then(quantity_bytes);
                }
            }
            ["status", "containerStatuses" | "initContainerStatuses"] if f.new_item => {
                pod.containers.push(KubeContainer {
                    line: Line::new(f.no, f.line),
                    ..KubeContainer::default()
                })
            }
            _ => self.status_field(path, f),
        }
    }

    /// A field of a container status: under `status.containerStatuses[]`, or an excerpt's.
    fn status_field(&mut self, path: &[&str], f: &Field<'_>) {
        let rest = match path.iter().position(|k| k.ends_with("ontainerStatuses")) {
            Some(at) => path.get(at + 1..).unwrap_or(&[]),
            None if path
                .first()
                .is_some_and(|k| matches!(*k, "state" | "lastState" | "name" | "containerID")) =>
            {
                path
            }
            None => return,
        };
        if rest.is_empty() {
            return;
        }
        let pods = &mut self.pod.containers;
        if pods.is_empty() {
            pods.push(KubeContainer {
                line: Line::new(f.no, f.line),
                ..KubeContainer::default()
            });
        }
        let Some(c) = pods.last_mut() else {
            return;
        };
        let value = f.value.clone();
        match rest {
            ["name"] => c.name = value.unwrap_or_default(),
            ["containerID"] | [_, _, "containerID"] => {
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    let (runtime, id) = match v.split_once("://") {
                        Some((r, id)) => (Some(r.to_string()), id.to_string()),
                        None => (None, v),
                    };
                    c.runtime = c.runtime.take().or(runtime);
                    if let [which, state, _] = rest {
                        let slot = if *which == "state" {
                            c.state.as_mut()
                        } else {
                            c.last_state.as_mut()
                        };
                        if let Some(s) = slot.filter(|s| s.state.eq_ignore_ascii_case(state)) {
                            s.id = Some(id.clone());
                        }
                    }
                    c.id = c.id.take().or(Some(id));
                }
            }
            ["restartCount"] => c.restart_count = value.and_then(|v| v.parse().ok()),
            [which @ ("state" | "lastState"), state] if STATES.contains(state) => {
                let slot = if *which == "state" {
                    &mut c.state
                } else {
                    &mut c.last_state
                };
                *slot = Some(KubeContainerState {
                    state: capitalised(state),
                    line: Line::new(f.no, f.line),
                    ..KubeContainerState::default()
                });
            }
            [which @ ("state" | "lastState"), state, key] if STATES.contains(state) => {
                let slot = if *which == "state" {
                    &mut c.state
                } else {
                    &mut c.last_state
                };
                let s = slot.get_or_insert_with(|| KubeContainerState {
                    state: capitalised(state),
                    line: Line::new(f.no, f.line),
                    ..KubeContainerState::default()
                });
                match *key {
                    "reason" => {
                        s.reason = value;
                        s.line = Line::new(f.no, f.line);
                    }
                    "exitCode" => {
                        s.exit_code = value.and_then(|v| v.parse().ok());
                        s.exit_code_line = Some(Line::new(f.no, f.line));
                    }
                    "signal" => s.signal = value.and_then(|v| v.parse().ok()),
                    "message" => s.message = value,
                    "finishedAt" => s.finished = value.as_deref().and_then(parse_rfc3339),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> KubePod {
        let PodBuilder { mut pod, spec } = self;
        for s in spec {
            match pod.containers.iter_mut().find(|c| c.name == s.name) {
                Some(c) => c.memory_limit_bytes = c.memory_limit_bytes.or(s.memory_limit_bytes),
                None if !s.name.is_empty() => pod.containers.push(s),
                None => {}
            }
        }
        pod
    }
}

/// `terminated` as `describe` names it: `Terminated`.
fn capitalised(state: &str) -> String {
    let mut chars = state.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Parse `kubectl get events -o json|yaml`: a `List` of events, or one.
pub fn parse_events(text: &str) -> Parsed<Vec<KubeEvent>> {
    let mut events: Vec<KubeEvent> = Vec::new();
    let mut current: Option<KubeEvent> = None;
    for f in fields(text) {
        if f.new_item && f.path == ["items"] {
            events.extend(current.take().filter(|e| !e.reason.is_empty()));
            continue;
        }
        let path: &[&str] = match f.path.split_first() {
            Some((&"items", rest)) => rest,
            _ => &f.path,
        };
        let e = current.get_or_insert_with(|| KubeEvent {
            line: Line::new(f.no, f.line),
            ..KubeEvent::default()
        });
        let value = f.value.clone();
        match path {
            ["type"] => e.kind = value,
            ["reason"] => {
                e.reason = value.unwrap_or_default();
                if e.message.is_empty() {
                    e.line = Line::new(f.no, f.line);
                }
            }
            ["message"] => {
                e.low_resource = value.as_deref().and_then(super::low_resource);
                e.message = value.unwrap_or_default();
                e.line = Line::new(f.no, f.line);
            }
            ["count"] => e.count = value.and_then(|v| v.parse().ok()),
            ["lastTimestamp"] => {
                e.time = value.as_deref().and_then(parse_rfc3339).or(e.time.take())
            }
            ["eventTime"] if e.time.is_none() => e.time = value.as_deref().and_then(parse_rfc3339),
            ["source", "component"] | ["reportingComponent"] if e.from.is_none() => {
                e.from = value.filter(|v| !v.is_empty())
            }
            ["involvedObject", "name"] => {
                e.object = value.map(|n| match &e.object {
                    Some(kind) if !kind.contains('/') => {
                        format!("{}/{n}", kind.to_ascii_lowercase())
                    }
                    _ => n,
                })
            }
            ["involvedObject", "kind"] => {
                e.object = match (value, e.object.take()) {
                    (Some(k), Some(n)) if !n.contains('/') => {
                        Some(format!("{}/{n}", k.to_ascii_lowercase()))
                    }
                    (Some(k), None) => Some(k),
                    (_, o) => o,
                }
            }
            ["involvedObject", "namespace"] => e.namespace = value,
            _ => {}
        }
    }
    events.extend(current.filter(|e| !e.reason.is_empty()));
    let warnings = if events.is_empty() {
        vec![Warning::file("no event found")]
    } else {
        Vec::new()
    };
    Parsed::new(events, warnings)
}

/// Whether the head shows a pod object: `kind: Pod`, or a container status.
fn sniff_pod(lines: &mut dyn Iterator<Item = &str>) -> bool {
    let mut pod = false;
    let mut status = false;
    for l in lines {
        let t = l.trim().trim_end_matches(',');
        let t = t.strip_prefix("- ").unwrap_or(t);
        pod |= matches!(t, "\"kind\": \"Pod\"" | "kind: Pod");
        status |= t.starts_with("\"containerStatuses\"")
            || t.starts_with("containerStatuses:")
            || t.starts_with("lastState:")
            || t.starts_with("\"lastState\"")
            || t.starts_with("\"exitCode\"")
            || t.starts_with("exitCode:");
    }
    pod || status
}

/// `kubectl get pod -o json|yaml`.
pub(crate) const POD_FORMAT: Format = Format {
    kind: SourceKind::KubePod,
    paths: Paths {
        sosreport: &[
            "sos_commands/kubernetes/*/kubectl*get*pod*",
            "sos_commands/kubernetes/kubectl*get*pod*",
        ],
        collector: &["kubernetes/pods.json"],
        supportconfig: &["kubectl get pod*"],
        plain: &[
            "kubectl*get*pod*",
            "get-pods*",
            "get_pods*",
            "pod.json",
            "pod.yaml",
            "pods.json",
            "pods.yaml",
        ],
    },
    sniff: Some(|head| {
        if head.has_key("involvedObject") {
            return None;
        }
        let said = match head.json() {
            Some(json) => sniff_pod(&mut json.lines()),
            None => {
                sniff_pod(&mut head.lines()) || head.lines().any(super::table::is_pod_table_header)
            }
        };
        said.then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        let text = String::from_utf8_lossy(bytes);
        let parsed = if text.lines().any(super::table::is_pod_table_header) {
            super::table::parse_pod_table(&text)
        } else {
            parse_pods(&text)
        };
        crate::parse::file_list(&mut facts.kube_pods, path, parsed)
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    use crate::parse::testing::text as sample;

    #[test]
    fn json_fragment_with_a_137_that_is_not_an_oom_kill() {
        let p = parse_pods(&sample(
            "kubectl_get_pod_json/k8s-53669-laststate-error-137-system-oom-fragment.txt",
        ));
        let [pod] = p.value.as_slice() else {
            panic!("one pod: {:?}", p.value)
        };
        let c = &pod.containers[0];
        assert_eq!(c.runtime.as_deref(), Some("docker"));
        assert_eq!(
            c.id.as_deref(),
            Some("5954f621c17f13706c25a215db06fe2bf7b9a9a6c732a909eb0db39d62346724")
        );
        let last = c.last_state.as_ref().expect("a last state");
        assert_eq!(last.state, "Terminated");
        assert_eq!(last.reason.as_deref(), Some("Error"));
        assert_eq!(last.exit_code, Some(137));
        assert!(last.finished.is_some());
    }

    #[test]
    fn yaml_fragment_indented_by_three() {
        let p = parse_pods(&sample(
            "kubectl_get_pod_yaml/k8s-docs-laststate-oomkilled-fragment.txt",
        ));
        let last = p.value[0].containers[0]
            .last_state
            .clone()
            .expect("a last state");
        assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(last.exit_code, Some(137));
        assert_eq!(last.line.no, 8);
    }

    #[test]
    fn full_yaml_pod() {
        let p = parse_pods(&sample(
            "kubectl_get_pod_yaml/k8s-docs-1.23-running-full.txt",
        ));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let [pod] = p.value.as_slice() else {
            panic!("one pod: {:?}", p.value)
        };
        assert!(pod.name.is_some());
        assert!(pod.namespace.is_some());
        assert!(pod.uid.is_some());
        assert_eq!(pod.phase.as_deref(), Some("Running"));
        assert!(!pod.containers.is_empty());
        assert!(
            pod.containers.iter().all(|c| !c.name.is_empty()),
            "{:?}",
            pod.containers
        );
        assert!(pod
            .containers
            .iter()
            .all(|c| c.state.as_ref().is_some_and(|s| s.state == "Running")));
    }

    #[test]
    fn json_list_of_pods() {
        let p = parse_pods(&sample(
            "kubectl_get_pod_json/hotsos-sos-k8s-1.23-imagepullbackoff-list.txt",
        ));
        assert!(p.value.len() >= 2, "{:?}", p.value.len());
        for pod in &p.value {
            assert!(pod.name.is_some() && pod.namespace.is_some() && pod.uid.is_some());
        }
        let waiting: Vec<&str> = p
            .value
            .iter()
            .flat_map(|p| &p.containers)
            .filter_map(|c| c.state.as_ref()?.reason.as_deref())
            .collect();
        assert!(waiting.contains(&"ImagePullBackOff"), "{waiting:?}");
    }

    #[test]
    fn json_list_of_events() {
        let p = parse_events(&sample(
            "kubectl_get_events_json/hotsos-sos-k8s-1.23-ingress-readiness-unhealthy.txt",
        ));
        assert_eq!(p.value.len(), 37);
        let first = &p.value[0];
        assert_eq!(first.reason, "FailedScheduling");
        assert_eq!(first.kind.as_deref(), Some("Warning"));
        assert_eq!(
            first.object.as_deref(),
            Some("pod/default-http-backend-kubernetes-worker-6cd58d8886-psxtt")
        );
        assert_eq!(
            first.namespace.as_deref(),
            Some("ingress-nginx-kubernetes-worker")
        );
        assert_eq!(first.from.as_deref(), Some("default-scheduler"));
        assert!(first.time.is_some());
        assert!(p
            .value
            .iter()
            .any(|e| e.reason == "Unhealthy" && e.message.starts_with("Readiness probe failed")));
    }

    #[test]
    fn custom_columns_events_table() {
        let p = super::super::describe::parse_event_table(&sample(
            "kubectl_get_events_table/inspektor-gadget-187-custom-columns-liveness-timeout.txt",
        ));
        assert_eq!(p.value.len(), 11, "{:?}", p.value);
        assert_eq!(p.value[0].time, None);
        assert!(p.value[1].time.is_some());
        assert_eq!(p.value[5].message, "Liveness probe failed:");
        assert_eq!(p.value[8].reason, "Killing");
    }
}
