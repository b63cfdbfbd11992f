//! `kubectl describe pod` output, and the events table that `kubectl describe` and
//! `kubectl get events` print.
//!
//! `describe` prints `Key:  value` pairs whose nesting is their indentation: the pod's fields at
//! the left, each container under `Containers:` two spaces in, its fields four in, and the
//! fields of its `State:` and `Last State:` six in. Keys hold spaces (`Last State`, `Exit
//! Code`); values hold colons (`Start Time:  Fri, 11 Feb 2022 19:17:08 +0000`), so a key ends at
//! the first colon followed by a blank or the line end. Kubernetes before 1.5 separated key and
//! value with tabs and indented the whole block by two spaces: indentation is counted from the
//! first key's. Several pods (`kubectl describe pods`) follow one another, each from its
//! `Name:`. A ticket's excerpt may start anywhere (at `Containers:`, at `Status:`): what it has
//! is read, and a pasted `kubectl describe pod NAME` command line names the pod when the excerpt
//! does not.
//!
//! The events table is read by the columns of its header (`Type Reason Age From Message`), whose
//! `From` may hold spaces (`kubelet, node01`); `Age` may read `10s (x3 over 20s)`, a count.

use crate::facts::{
    KubeCondition, KubeContainer, KubeContainerState, KubeEvent, KubeNode, KubePod, Line, Warning,
};
use crate::parse::docker_events::parse_rfc3339;
use crate::parse::text::numbered_lines;
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::quantity_bytes;

/// Where a line of the pod is, by the section it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Pod,
    Containers,
    Events,
    /// Volumes, conditions, tolerations...: not read.
    Other,
}

/// Which state of the current container the indented lines belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateSlot {
    None,
    Current,
    Last,
    Limits,
}

/// `Key:   value` as the key and the trimmed value, when the line is one.
fn key_value(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(off) = bytes.get(from..).and_then(|b| memchr::memchr(b':', b)) {
        let at = from + off;
        let next = bytes.get(at + 1).copied();
        if next.is_none() || next == Some(b' ') || next == Some(b'\t') {
            let key = text.get(..at)?.trim();
            let value = text.get(at + 1..)?.trim();
            return (!key.is_empty() && !key.contains("  ")).then_some((key, value));
        }
        from = at + 1;
    }
    None
}

/// Columns per leading blank: a tab counts as one, as the pre-1.5 layout used it only after keys.
fn indent_of(text: &str) -> usize {
    text.len() - text.trim_start_matches([' ', '\t']).len()
}

/// The pod a pasted `kubectl describe pod NAME` (or `po`, `pods`) names.
fn commanded_pod(text: &str) -> Option<(Option<String>, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "describe")?;
    let kind = words.get(at + 1)?;
    let kind = kind.split('/').next().unwrap_or(kind);
    if !matches!(kind, "po" | "pod" | "pods") {
        return None;
    }
    let mut namespace = None;
    let mut name = words
        .get(at + 1)
        .and_then(|w| w.split_once('/'))
        .map(|(_, n)| n.to_string());
    let mut rest = words.iter().skip(at + 2);
    while let Some(w) = rest.next() {
        if *w == "-n" || *w == "--namespace" {
            namespace = rest.next().map(|n| n.to_string());
        } else if let Some(ns) = w.strip_prefix("--namespace=") {
            namespace = Some(ns.to_string());
        } else if !w.starts_with('-') && name.is_none() {
            name = Some(w.to_string());
        }
    }
    name.map(|n| (namespace, n))
}

/// Parse `kubectl describe pod` output: every pod in it.
pub fn parse_pods(text: &str) -> Parsed<Vec<KubePod>> {
    let mut pods: Vec<KubePod> = Vec::new();
    let mut warnings = Vec::new();
    let mut pod: Option<KubePod> = None;
    let mut base: Option<usize> = None;
    let mut section = Section::Pod;
    let mut slot = StateSlot::None;
    let mut commanded: Option<(Option<String>, String)> = None;
    let mut events = EventTable::default();
    for (no, raw) in numbered_lines(text) {
        let text = raw.trim_end();
        if text.trim().is_empty() {
            continue;
        }
        if text.starts_with("# source:") || text.starts_with("# note:") {
            continue;
        }
        if let Some(c) = commanded_pod(text) {
            commanded = Some(c);
            continue;
        }
        let indent = indent_of(text);
        if section == Section::Events {
            if let Some(ev) = events.row(no, raw) {
                if let Some(p) = pod.as_mut() {
                    p.events.push(ev);
                }
                continue;
            }
            if events.is_header_or_rule(text) {
                continue;
            }
        }
        let Some((key, value)) = key_value(text) else {
            continue;
        };
        let base_indent = *base.get_or_insert(indent);
        let depth = indent.saturating_sub(base_indent);
        let current = pod.get_or_insert_with(|| KubePod {
            line: Line::new(no, raw),
            ..KubePod::default()
        });
        if depth == 0 {
            slot = StateSlot::None;
            section = match key {
                "Containers" | "Init Containers" => Section::Containers,
                "Events" => {
                    events = EventTable::default();
                    Section::Events
                }
                _ if value.is_empty() => Section::Other,
                _ => Section::Pod,
            };
            if key == "Name" && current.name.is_some() {
                // The next pod of `kubectl describe pods`.
                if let Some(done) = pod.take() {
                    pods.push(done);
                }
                pod = Some(KubePod {
                    line: Line::new(no, raw),
                    ..KubePod::default()
                });
            }
            let Some(current) = pod.as_mut() else {
                continue;
            };
            let value = Some(value.to_string()).filter(|v| !v.is_empty() && v != "<none>");
            match key {
                "Name" => {
                    current.name = value;
                    current.line = Line::new(no, raw);
                }
                "Namespace" => current.namespace = value,
                "Node" => {
                    current.node = value
                        .map(|n| n.split('/').next().unwrap_or(&n).to_string())
                        .filter(|n| !n.is_empty())
                }
                "Status" => current.phase = value,
                "Reason" => {
                    current.reason = value;
                    current.reason_line = Some(Line::new(no, raw));
                }
                "Message" => {
                    current.low_resource = value.as_deref().and_then(super::low_resource);
                    current.message = value;
                    if current.reason_line.is_none() {
                        current.reason_line = Some(Line::new(no, raw));
                    }
                }
                "QoS Class" => current.qos = value,
                _ => {}
            }
            continue;
        }
        if section != Section::Containers {
            continue;
        }
        match depth {
            2 if value.is_empty() => {
                slot = StateSlot::None;
                current.containers.push(KubeContainer {
                    name: key.to_string(),
                    line: Line::new(no, raw),
                    ..KubeContainer::default()
                });
            }
            4 => {
                let Some(c) = current.containers.last_mut() else {
                    continue;
                };
                slot = StateSlot::None;
                match key {
                    "Container ID" if !value.is_empty() => {
                        let (runtime, id) = match value.split_once("://") {
                            Some((r, id)) => (Some(r.to_string()), id),
                            None => (None, value),
                        };
                        c.runtime = runtime;
                        c.id = Some(id.to_string());
                    }
                    "State" | "Last State" if !value.is_empty() => {
                        let state = KubeContainerState {
                            state: value.to_string(),
                            line: Line::new(no, raw),
                            ..KubeContainerState::default()
                        };
                        if key == "State" {
                            c.state = Some(state);
                            slot = StateSlot::Current;
                        } else {
                            c.last_state = Some(state);
                            slot = StateSlot::Last;
                        }
                    }
                    "Restart Count" => c.restart_count = value.parse().ok(),
                    "Limits" => slot = StateSlot::Limits,
                    _ => {}
                }
            }
            6 => {
                let Some(c) = current.containers.last_mut() else {
                    continue;
                };
                let state = match slot {
                    StateSlot::Current => c.state.as_mut(),
                    StateSlot::Last => c.last_state.as_mut(),
                    StateSlot::Limits => {
                        if key == "memory" {
                            c.memory_limit_bytes = quantity_bytes(value);
                            if c.memory_limit_bytes.is_none() {
                                warnings.push(Warning::at(
                                    no,
                                    format!("memory limit {value:?} is not a quantity"),
                                ));
                            }
                        }
                        None
                    }
                    StateSlot::None => None,
                };
                let Some(state) = state else {
                    continue;
                };
                match key {
                    "Reason" => {
                        state.reason = Some(value.to_string());
                        state.line = Line::new(no, raw);
                    }
                    "Exit Code" => {
                        state.exit_code = value.parse().ok();
                        state.exit_code_line = Some(Line::new(no, raw));
                    }
                    "Signal" => state.signal = value.parse().ok(),
                    "Message" => state.message = Some(value.to_string()),
                    "Finished" => state.finished = super::rfc2822_time(value),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(done) = pod {
        pods.push(done);
    }
    if let Some((namespace, name)) = commanded {
        if let [only] = pods.as_mut_slice() {
            if only.name.is_none() {
                only.name = Some(name);
                only.namespace = only.namespace.take().or(namespace);
            }
        }
    }
    pods.retain(|p| p.name.is_some() || !p.containers.is_empty() || p.reason.is_some());
    if pods.is_empty() && !text.trim().is_empty() {
        warnings.push(Warning::file("no pod found"));
    }
    Parsed::new(pods, warnings)
}

/// Whether `text` looks like `kubectl describe pod` output.
pub fn looks_like_pod(lines: &mut dyn Iterator<Item = &str>) -> bool {
    let (mut name, mut namespace, mut containers, mut state) = (false, false, false, false);
    for l in lines {
        match key_value(l.trim_start()) {
            Some(("Name", v)) if !v.is_empty() => name = true,
            Some(("Namespace", v)) if !v.is_empty() => namespace = true,
            Some(("Containers", "")) => containers = true,
            Some(("State" | "Last State" | "Container ID", _)) => state = true,
            _ => {}
        }
    }
    (name && namespace && (containers || state)) || (containers && state)
}

/// The columns of an events table, from its header.
#[derive(Debug, Default)]
pub(crate) struct EventTable {
    /// Each column's name, upper-cased with its aliases resolved, and its byte offset.
    columns: Vec<(&'static str, usize)>,
}

/// A header word of an events table as the column it names: `kubectl describe` says `Type
/// Reason Age From Message`, `kubectl get events` `LAST SEEN TYPE REASON OBJECT MESSAGE`, older
/// ones `FIRSTSEEN LASTSEEN COUNT NAME KIND SUBOBJECT TYPE REASON SOURCE MESSAGE`, and
/// `-o custom-columns` whatever its user named.
fn column_name(word: &str) -> &'static str {
    match word.to_ascii_uppercase().as_str() {
        "TYPE" => "TYPE",
        "REASON" => "REASON",
        "MESSAGE" | "MSG" => "MESSAGE",
        "FROM" | "SOURCE" => "FROM",
        "OBJECT" | "NAME" => "OBJECT",
        "NAMESPACE" => "NAMESPACE",
        "AGE" | "LAST SEEN" | "LASTSEEN" | "TIME" => "AGE",
        "COUNT" => "COUNT",
        _ => "",
    }
}

impl EventTable {
    /// Whether `text` is a header (its columns are learned) or the dashes under it.
    pub(crate) fn is_header_or_rule(&mut self, text: &str) -> bool {
        let t = text.trim();
        if t.starts_with("----") {
            return true;
        }
        let columns = header_columns(text);
        let has = |name: &str| columns.iter().any(|(n, _)| *n == name);
        let is_header = has("REASON")
            && has("MESSAGE")
            && t.chars()
                .all(|c| c.is_ascii_alphabetic() || c.is_whitespace() || c == '_');
        if is_header {
            self.columns = columns;
        }
        is_header
    }

    /// Read an event row, when `raw` is one of the table whose header was read.
    pub(crate) fn row(&mut self, no: u32, raw: &str) -> Option<KubeEvent> {
        if self.columns.is_empty() {
            self.is_header_or_rule(raw);
            return None;
        }
        let text = raw.trim_end();
        let cell = |name: &str| -> Option<String> {
            let at = self.columns.iter().position(|(n, _)| *n == name)?;
            super::table_cell(text, &self.columns, at).map(str::to_string)
        };
        let kind = cell("TYPE");
        let has_type = self.columns.iter().any(|(n, _)| *n == "TYPE");
        if has_type
            && !kind
                .as_deref()
                .is_some_and(|k| matches!(k, "Normal" | "Warning"))
        {
            return None;
        }
        let reason = cell("REASON").filter(|r| r.chars().all(|c| c.is_ascii_alphanumeric()))?;
        let age = cell("AGE").unwrap_or_default();
        let count = age
            .split_once("(x")
            .and_then(|(_, n)| n.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .or_else(|| cell("COUNT").and_then(|c| c.parse().ok()));
        let message = cell("MESSAGE").unwrap_or_default();
        Some(KubeEvent {
            kind,
            reason,
            low_resource: super::low_resource(&message),
            object: cell("OBJECT"),
            namespace: cell("NAMESPACE"),
            from: cell("FROM"),
            message,
            count,
            time: parse_rfc3339(&age),
            line: Line::new(no, raw),
        })
    }
}

/// The columns of a header, named as [`column_name`] says.
fn header_columns(text: &str) -> Vec<(&'static str, usize)> {
    super::table_columns(text)
        .into_iter()
        .map(|(name, at)| (column_name(name), at))
        .collect()
}

/// The events of a plain events table (an excerpt of `kubectl describe`'s `Events:`).
pub fn parse_event_table(text: &str) -> Parsed<Vec<KubeEvent>> {
    let mut table = EventTable::default();
    let mut events = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if let Some(ev) = table.row(no, raw) {
            events.push(ev);
        } else {
            table.is_header_or_rule(raw);
        }
    }
    let warnings = if events.is_empty() {
        vec![Warning::file("no event row found")]
    } else {
        Vec::new()
    };
    Parsed::new(events, warnings)
}

/// `kubectl describe pod`.
pub(crate) const POD_FORMAT: Format = Format {
    kind: SourceKind::KubectlDescribePod,
    paths: Paths {
        sosreport: &[
            "sos_commands/kubernetes/*/kubectl*describe_pod*",
            "sos_commands/kubernetes/kubectl*describe_pod*",
        ],
        collector: &[],
        supportconfig: &["kubectl describe pod*"],
        plain: &[
            "*describe-pod*",
            "*describe_pod*",
            "*describe-po-*",
            "*describe_po_*",
        ],
    },
    sniff: Some(|head| looks_like_pod(&mut head.lines()).then_some(Strength::Strong)),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_list(
            &mut facts.kube_pods,
            path,
            parse_pods(&String::from_utf8_lossy(bytes)),
        )
    }),
};

/// The node conditions a describe can report.
const CONDITIONS: [&str; 6] = [
    "Ready",
    "MemoryPressure",
    "DiskPressure",
    "PIDPressure",
    "NetworkUnavailable",
    "OutOfDisk",
];

/// A row of the `Conditions:` table of `kubectl describe node`: columns apart by two blanks or
/// more, or by a blank and a tab before 1.8; a wrapped row's rest is not read.
fn condition_row(no: u32, raw: &str) -> Option<KubeCondition> {
    let cells: Vec<&str> = if raw.contains('\t') {
        raw.split('\t').map(str::trim).collect()
    } else {
        let columns = super::table_columns(raw);
        (0..columns.len())
            .filter_map(|i| super::table_cell(raw, &columns, i))
            .collect()
    };
    let kind = *cells.first()?;
    let status = *cells.get(1)?;
    if !CONDITIONS.contains(&kind) || !matches!(status, "True" | "False" | "Unknown") {
        return None;
    }
    // Type, Status, LastHeartbeatTime, LastTransitionTime, Reason, Message.
    Some(KubeCondition {
        kind: kind.to_string(),
        status: status.to_string(),
        reason: cells
            .get(4)
            .map(|r| r.to_string())
            .filter(|r| !r.is_empty()),
        line: Line::new(no, raw),
    })
}

/// Parse `kubectl describe node` output: every node in it, with its conditions and events.
pub fn parse_nodes(text: &str) -> Parsed<Vec<KubeNode>> {
    let mut nodes: Vec<KubeNode> = Vec::new();
    let mut events = EventTable::default();
    let mut in_events = false;
    for (no, raw) in numbered_lines(text) {
        if raw.starts_with("# source:") || raw.starts_with("# note:") {
            continue;
        }
        if let Some(("Name", name)) = key_value(raw).filter(|_| indent_of(raw) == 0) {
            nodes.push(KubeNode {
                name: Some(name.to_string()).filter(|n| !n.is_empty()),
                line: Line::new(no, raw),
                ..KubeNode::default()
            });
            in_events = false;
            continue;
        }
        if raw.trim_end() == "Events:" {
            in_events = true;
            events = EventTable::default();
            continue;
        }
        let node = match nodes.last_mut() {
            Some(n) => n,
            None => {
                nodes.push(KubeNode {
                    line: Line::new(no, raw),
                    ..KubeNode::default()
                });
                match nodes.last_mut() {
                    Some(n) => n,
                    None => continue,
                }
            }
        };
        if in_events {
            if let Some(ev) = events.row(no, raw) {
                node.events.push(ev);
            }
        } else if let Some(c) = condition_row(no, raw) {
            node.conditions.push(c);
        }
    }
    nodes.retain(|n| n.name.is_some() || !n.conditions.is_empty() || !n.events.is_empty());
    let warnings = if nodes.is_empty() {
        vec![Warning::file("no node found")]
    } else {
        Vec::new()
    };
    Parsed::new(nodes, warnings)
}

/// Whether the lines look like `kubectl describe node` output.
fn looks_like_node(lines: &mut dyn Iterator<Item = &str>) -> bool {
    let (mut name, mut conditions, mut node) = (false, false, false);
    for l in lines {
        match key_value(l) {
            Some(("Name", v)) if !v.is_empty() => name = true,
            Some(("Conditions", "")) => conditions = true,
            Some(("Capacity" | "Allocatable" | "Taints" | "Unschedulable" | "Roles", _)) => {
                node = true
            }
            _ => {}
        }
    }
    name && conditions && node
}

/// `kubectl describe node`.
pub(crate) const NODE_FORMAT: Format = Format {
    kind: SourceKind::KubectlDescribeNode,
    paths: Paths {
        sosreport: &[
            "sos_commands/kubernetes/*/kubectl*describe_node*",
            "sos_commands/kubernetes/kubectl*describe_node*",
        ],
        collector: &[],
        supportconfig: &["kubectl describe node*"],
        plain: &["*describe-node*", "*describe_node*"],
    },
    sniff: Some(|head| looks_like_node(&mut head.lines()).then_some(Strength::Strong)),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_list(
            &mut facts.kube_nodes,
            path,
            parse_nodes(&String::from_utf8_lossy(bytes)),
        )
    }),
};

/// A plain events table (`kubectl get events`, or the `Events:` of a `kubectl describe`).
pub(crate) const EVENTS_TABLE_FORMAT: Format = Format {
    kind: SourceKind::KubeEvents,
    paths: Paths {
        sosreport: &[
            "sos_commands/kubernetes/*/kubectl*get*events*",
            "sos_commands/kubernetes/kubectl*get*events*",
        ],
        collector: &["kubernetes/events.json"],
        supportconfig: &["kubectl get events*"],
        plain: &[
            "*events*.yaml",
            "kubectl*events*",
            "kube-events*",
            "kube_events*",
        ],
    },
    sniff: Some(|head| {
        let mut table = EventTable::default();
        let header = head
            .lines()
            .any(|l| table.is_header_or_rule(l) && !l.trim().starts_with('-'));
        let json = head.has_key("involvedObject");
        (header || json).then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        let text = String::from_utf8_lossy(bytes);
        let mut table = EventTable::default();
        let parsed = if text.lines().any(|l| table.is_header_or_rule(l)) {
            parse_event_table(&text)
        } else {
            super::object::parse_events(&text)
        };
        crate::parse::file_list(&mut facts.kube_events, path, parsed)
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    use crate::parse::testing::text as sample;

    #[test]
    fn oomkilled_last_state_in_an_excerpt() {
        let p = parse_pods(&sample(
            "kubectl_describe_pod/vijayrod-aks-oomkilled-last-state-fragment.txt",
        ));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let [pod] = p.value.as_slice() else {
            panic!("one pod: {:?}", p.value)
        };
        assert_eq!(pod.name.as_deref(), Some("nginx"));
        let c = &pod.containers[0];
        assert_eq!(c.name, "nginx");
        assert_eq!(c.state.as_ref().map(|s| s.state.as_str()), Some("Running"));
        let last = c.last_state.as_ref().expect("a last state");
        assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(last.exit_code, Some(137));
        assert_eq!(last.line.no, 9);
        assert!(last.finished.is_some());
    }

    #[test]
    fn evicted_pod() {
        let p = parse_pods(&sample(
            "kubectl_describe_pod/vijayrod-aks-evicted-containerstatusunknown.txt",
        ));
        let [pod] = p.value.as_slice() else {
            panic!("one pod: {:?}", p.value)
        };
        assert_eq!(pod.name.as_deref(), Some("nginx"));
        assert_eq!(pod.phase.as_deref(), Some("Failed"));
        assert_eq!(pod.reason.as_deref(), Some("Evicted"));
        assert!(pod
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("The node was low on resource: memory.")));
        let c = &pod.containers[0];
        assert_eq!(c.id, None);
        assert_eq!(c.restart_count, Some(1));
        let state = c.state.as_ref().expect("a state");
        assert_eq!(state.reason.as_deref(), Some("ContainerStatusUnknown"));
        assert_eq!(state.exit_code, Some(137));
        // The zero time of Kubernetes is no time.
        assert_eq!(state.finished, None);
        let reasons: Vec<&str> = pod.events.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(reasons, ["Evicted", "Killing"]);
        assert_eq!(pod.events[1].message, "Stopping container nginx");
    }

    #[test]
    fn full_pod_with_three_containers_and_a_failed_probe() {
        let p = parse_pods(&sample(
            "kubectl_describe_pod/hotsos-sos-k8s-1.23-csi-liveness-probe-failed.txt",
        ));
        let [pod] = p.value.as_slice() else {
            panic!("one pod: {:?}", p.value)
        };
        assert_eq!(pod.label(), "kube-system/csi-cinder-nodeplugin-bb9jk");
        assert_eq!(pod.node.as_deref(), Some("juju-110cc2-k8stest-5"));
        assert_eq!(pod.qos.as_deref(), Some("BestEffort"));
        let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "node-driver-registrar",
                "liveness-probe",
                "cinder-csi-plugin"
            ]
        );
        assert_eq!(pod.containers[2].runtime.as_deref(), Some("containerd"));
        assert_eq!(
            pod.containers[2].id.as_deref(),
            Some("d71ab43b36488d5e3e02799255a246dafe910dc1553a3bce1393248a1eb2604a")
        );
        assert_eq!(pod.events.len(), 16);
        let unhealthy = pod.events.iter().find(|e| e.reason == "Unhealthy");
        assert_eq!(
            unhealthy.map(|e| e.message.as_str()),
            Some("Liveness probe failed: HTTP probe failed with statuscode: 500")
        );
        let dns = pod.events.iter().find(|e| e.reason == "DNSConfigForming");
        assert_eq!(dns.and_then(|e| e.count), Some(5));
    }

    #[test]
    fn guaranteed_pod_with_limits() {
        let p = parse_pods(&sample(
            "kubectl_describe_pod/k8s-docs-1.23-running-guaranteed.txt",
        ));
        let pod = &p.value[0];
        assert_eq!(pod.qos.as_deref(), Some("Guaranteed"));
        assert!(pod
            .containers
            .iter()
            .any(|c| c.memory_limit_bytes.is_some()));
    }

    #[test]
    fn legacy_tabbed_layout() {
        let p = parse_pods(&sample(
            "kubectl_describe_pod/k8s-docs-legacy-1.2-tabbed-pending.txt",
        ));
        let pod = &p.value[0];
        assert_eq!(pod.label(), "default/nginx-deployment-1370807587-fz9sd");
        assert_eq!(pod.phase.as_deref(), Some("Pending"));
        assert_eq!(pod.containers[0].name, "nginx");
        assert_eq!(pod.containers[0].memory_limit_bytes, Some(128 << 20));
    }

    #[test]
    fn events_fragment_with_a_host_in_from() {
        let p = parse_event_table(&sample(
            "kubectl_describe_pod/k8s-docs-liveness-exec-events-fragment.txt",
        ));
        assert_eq!(p.value.len(), 7);
        let e = &p.value[5];
        assert_eq!(e.reason, "Unhealthy");
        assert_eq!(e.from.as_deref(), Some("kubelet, node01"));
        assert_eq!(e.count, Some(3));
        assert_eq!(
            p.value[6].message,
            "Container liveness failed liveness probe, will be restarted"
        );
    }

    #[test]
    fn nodes_their_conditions_and_events() {
        let full = parse_nodes(&sample(
            "kubectl_describe_node/hotsos-sos-k8s-1.23-worker.txt",
        ));
        let [node] = full.value.as_slice() else {
            panic!("one node: {:?}", full.value)
        };
        assert_eq!(node.name.as_deref(), Some("juju-110cc2-k8stest-5"));
        let kinds: Vec<(&str, &str)> = node
            .conditions
            .iter()
            .map(|c| (c.kind.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("MemoryPressure", "False"),
                ("DiskPressure", "False"),
                ("PIDPressure", "False"),
                ("Ready", "True")
            ]
        );
        assert_eq!(
            node.conditions[0].reason.as_deref(),
            Some("KubeletHasSufficientMemory")
        );
        let wrapped = parse_nodes(&sample(
            "kubectl_describe_node/k8s-52386-1.7-tabbed-memorypressure-true-wrapped.txt",
        ));
        let c = &wrapped.value[0].conditions[0];
        assert_eq!(
            (c.kind.as_str(), c.status.as_str()),
            ("MemoryPressure", "True")
        );
        // The reason is cut by the row's wrap.
        assert_eq!(c.reason.as_deref(), Some("KubeletHasInsufficientM"));
        let k3s = parse_nodes(&sample(
            "kubectl_describe_node/k3s-838-events-systemoom-node-not-ready.txt",
        ));
        let oom = k3s.value[0].events.iter().find(|e| e.reason == "SystemOOM");
        assert_eq!(oom.and_then(|e| e.count), Some(4));
        assert!(looks_like_node(
            &mut sample("kubectl_describe_node/hotsos-sos-k8s-1.23-worker.txt").lines()
        ));
    }

    #[test]
    fn sniffs_pods_not_other_key_value_text() {
        for name in [
            "kubectl_describe_pod/vijayrod-aks-oomkilled-last-state-fragment.txt",
            "kubectl_describe_pod/hotsos-sos-k8s-1.23-csi-liveness-probe-failed.txt",
            "kubectl_describe_pod/vijayrod-aks-evicted-containerstatusunknown.txt",
        ] {
            assert!(looks_like_pod(&mut sample(name).lines()), "{name}");
        }
        let node = sample("kubectl_describe_node/hotsos-sos-k8s-1.23-worker.txt");
        assert!(!looks_like_pod(&mut node.lines()));
    }
}
