//! Source detection: which format each bundle entry holds.
//!
//! Second stage of the pipeline. Every format is one [`Format`] descriptor beside its parser,
//! listed in the registry `parse::FORMATS`; detection only asks them. A file's kind is decided
//! by its path first (sosreport and collector locations, plain names such as `dmesg`,
//! `free.txt`, `buddyinfo`) and then by its content, because customers rename files and paste
//! text into tickets. The path holds only while the content is what that format may hold: a
//! `sos_commands/date/timedatectl` that says systemd is not running is no time zone. Content
//! wins where the two disagree on a log's framing: a file named `kern.log` holding raw
//! `[ 12.345678]` lines is `dmesg`.

use serde::Serialize;

pub use format::{Format, Parse, Paths};
pub use sniff::{Head, Shape, Strength};

use format::{EntryPath, Precision};

pub mod format;
pub mod sections;
pub mod sniff;

/// The kind of a bundle source. The names are the contract's `sources.kind` values
/// (`contract/report.schema.json`): add kinds, never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Kernel ring buffer: raw `[ 12.3]`, no prefix, or `dmesg -T`.
    Dmesg,
    /// syslog files (`messages`, `kern.log`, `syslog`) with `host tag:` prefixes.
    Syslog,
    /// `journalctl` output (short, iso, precise, monotonic, json).
    Journal,
    Free,
    Meminfo,
    Buddyinfo,
    Pagetypeinfo,
    ExtfragIndex,
    UnusableIndex,
    Slabinfo,
    Slabtop,
    Vmstat,
    Zoneinfo,
    Cgroups,
    ProcStat,
    Uptime,
    /// `/proc/uptime` (two numbers).
    ProcUptime,
    Date,
    Uname,
    Hostname,
    Sysctl,
    /// `/etc/localtime`, `/etc/timezone`, `timedatectl` output.
    Timezone,
    DockerEvents,
    /// `docker inspect` or `podman inspect`.
    ContainerInspect,
    OciConfig,
    /// dockerd, containerd, kubelet logs.
    DaemonLog,
    /// Runtime or CLI error text, e.g. a pasted `docker run` error.
    RuntimeError,
    /// The postmortem collector's `manifest.json`.
    Manifest,
    /// `/proc/loadavg` (load and the number of threads).
    Loadavg,
    /// `docker version`, `docker info`, `runc --version`, `containerd --version` and kin.
    RuntimeVersion,
    /// `systemctl status` of units and slices.
    SystemctlStatus,
    /// A file of a cgroup v1 or v2 file system (`sys/fs/cgroup/.../memory.max`).
    CgroupFile,
    /// `/proc/pressure/*` (pressure stall information).
    Pressure,
    /// `/proc/net/sockstat`.
    Sockstat,
    /// `/proc/sys/kernel/pid_max`, `threads-max`.
    TaskLimit,
    /// `kubectl describe pod`.
    KubectlDescribePod,
    /// `kubectl get pod -o json|yaml`.
    KubePod,
    /// `kubectl get events` (JSON, YAML or the table), or an `Events:` table.
    KubeEvents,
    /// `crictl ps -a`.
    CrictlPs,
    /// `crictl inspect`.
    CrictlInspect,
    /// `kubectl describe node`.
    KubectlDescribeNode,
    /// An application's configuration that sizes its memory: `gunicorn.conf.py`, a uWSGI ini,
    /// `postgresql.conf`.
    AppConfig,
    Unknown,
}

impl SourceKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [SourceKind] = &[
        SourceKind::Dmesg,
        SourceKind::Syslog,
        SourceKind::Journal,
        SourceKind::Free,
        SourceKind::Meminfo,
        SourceKind::Buddyinfo,
        SourceKind::Pagetypeinfo,
        SourceKind::ExtfragIndex,
        SourceKind::UnusableIndex,
        SourceKind::Slabinfo,
        SourceKind::Slabtop,
        SourceKind::Vmstat,
        SourceKind::Zoneinfo,
        SourceKind::Cgroups,
        SourceKind::ProcStat,
        SourceKind::Uptime,
        SourceKind::ProcUptime,
        SourceKind::Date,
        SourceKind::Uname,
        SourceKind::Hostname,
        SourceKind::Sysctl,
        SourceKind::Timezone,
        SourceKind::DockerEvents,
        SourceKind::ContainerInspect,
        SourceKind::OciConfig,
        SourceKind::DaemonLog,
        SourceKind::RuntimeError,
        SourceKind::Manifest,
        SourceKind::Loadavg,
        SourceKind::RuntimeVersion,
        SourceKind::SystemctlStatus,
        SourceKind::CgroupFile,
        SourceKind::Pressure,
        SourceKind::Sockstat,
        SourceKind::TaskLimit,
        SourceKind::KubectlDescribePod,
        SourceKind::KubePod,
        SourceKind::KubeEvents,
        SourceKind::CrictlPs,
        SourceKind::CrictlInspect,
        SourceKind::KubectlDescribeNode,
        SourceKind::AppConfig,
        SourceKind::Unknown,
    ];

    /// The contract name (`extfrag_index`, `container_inspect`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Dmesg => "dmesg",
            SourceKind::Syslog => "syslog",
            SourceKind::Journal => "journal",
            SourceKind::Free => "free",
            SourceKind::Meminfo => "meminfo",
            SourceKind::Buddyinfo => "buddyinfo",
            SourceKind::Pagetypeinfo => "pagetypeinfo",
            SourceKind::ExtfragIndex => "extfrag_index",
            SourceKind::UnusableIndex => "unusable_index",
            SourceKind::Slabinfo => "slabinfo",
            SourceKind::Slabtop => "slabtop",
            SourceKind::Vmstat => "vmstat",
            SourceKind::Zoneinfo => "zoneinfo",
            SourceKind::Cgroups => "cgroups",
            SourceKind::ProcStat => "proc_stat",
            SourceKind::Uptime => "uptime",
            SourceKind::ProcUptime => "proc_uptime",
            SourceKind::Date => "date",
            SourceKind::Uname => "uname",
            SourceKind::Hostname => "hostname",
            SourceKind::Sysctl => "sysctl",
            SourceKind::Timezone => "timezone",
            SourceKind::DockerEvents => "docker_events",
            SourceKind::ContainerInspect => "container_inspect",
            SourceKind::OciConfig => "oci_config",
            SourceKind::DaemonLog => "daemon_log",
            SourceKind::RuntimeError => "runtime_error",
            SourceKind::Manifest => "manifest",
            SourceKind::Loadavg => "loadavg",
            SourceKind::RuntimeVersion => "runtime_version",
            SourceKind::SystemctlStatus => "systemctl_status",
            SourceKind::CgroupFile => "cgroup_file",
            SourceKind::Pressure => "pressure",
            SourceKind::Sockstat => "sockstat",
            SourceKind::TaskLimit => "task_limit",
            SourceKind::KubectlDescribePod => "kubectl_describe_pod",
            SourceKind::KubePod => "kube_pod",
            SourceKind::KubeEvents => "kube_events",
            SourceKind::CrictlPs => "crictl_ps",
            SourceKind::CrictlInspect => "crictl_inspect",
            SourceKind::KubectlDescribeNode => "kubectl_describe_node",
            SourceKind::AppConfig => "app_config",
            SourceKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a kind was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    /// The path matched a known pattern and the content did not contradict it.
    Path,
    /// The content decided (unknown path, or the content overruled the path).
    Content,
    /// Nothing recognised it.
    None,
}

impl Detection {
    pub fn as_str(self) -> &'static str {
        match self {
            Detection::Path => "path",
            Detection::Content => "content",
            Detection::None => "none",
        }
    }
}

/// Decide the kind of an entry from its path inside the bundle and the first bytes of its
/// content (up to [`SNIFF_BYTES`]).
///
/// The path decides when the content is what its format may hold or says nothing; the content
/// decides when it clearly says another kind, when the path is not known, or when the content
/// is nothing the path's format writes. A pasted prompt line's command (`cat /proc/buddyinfo`)
/// counts as content. Binary content is `Unknown` unless it is a TZif file or the path says it
/// is `etc/localtime`.
pub fn detect(path: &str, head: &[u8]) -> (SourceKind, Detection) {
    let entry = EntryPath::new(path);
    let by_path = kind_by_entry(&entry);
    sniff::with_head(head, |head| match decide(by_path, head) {
        // In a copy of the host's file system a file is what its location says: content that
        // only fits a format (a kernel release in `proc/sys/kernel/osrelease`, a comment that
        // reads like a table header) does not make it one.
        (kind, Detection::Content)
            if by_path.is_none()
                && entry.in_system_tree()
                && by_content(head) != Some((kind, Strength::Strong)) =>
        {
            (SourceKind::Unknown, Detection::None)
        }
        decided => decided,
    })
}

/// [`detect`] for a head already prepared and a kind a path or a label named.
pub fn decide(by_path: Option<SourceKind>, head: &Head<'_>) -> (SourceKind, Detection) {
    let content = by_content(head);
    let strong = content
        .filter(|&(_, s)| s == Strength::Strong)
        .map(|(k, _)| k);
    if head.shape() == Shape::Binary {
        return match (by_path, strong) {
            (Some(SourceKind::Timezone), _) => (SourceKind::Timezone, Detection::Path),
            (_, Some(found)) => (found, Detection::Content),
            _ => (SourceKind::Unknown, Detection::None),
        };
    }
    let said = strong.or(head.hint());
    let by_content = || match said.or(content.map(|(k, _)| k)) {
        Some(kind) => (kind, Detection::Content),
        None => (SourceKind::Unknown, Detection::None),
    };
    let Some(path_kind) = by_path else {
        return by_content();
    };
    match said {
        Some(kind) if kind != path_kind && !path_allows(path_kind, kind) => {
            (kind, Detection::Content)
        }
        _ if head.shape() == Shape::Empty || said == Some(path_kind) || fits(path_kind, head) => {
            (path_kind, Detection::Path)
        }
        _ => by_content(),
    }
}

/// Whether content of kind `content` fits a file whose path says `path`: the formats share a
/// framing and the path is the more precise of the two.
fn path_allows(path: SourceKind, content: SourceKind) -> bool {
    use SourceKind as K;
    matches!(
        (path, content),
        // journalctl short output without its header line reads exactly like syslog.
        (K::Journal, K::Syslog)
            // `journalctl -u docker` and syslog files of the daemon are daemon logs, and they
            // carry the runtime's error text.
            | (K::DaemonLog, K::Syslog | K::Journal | K::RuntimeError)
            // A cgroup file's `key value` lines can read like `/proc/vmstat` (`oom_kill 1` of
            // `memory.events`): its place alone names it.
            | (K::CgroupFile, _)
    )
}

/// The descriptor of `kind`; `None` for `Unknown`.
pub fn format_of(kind: SourceKind) -> Option<&'static Format> {
    crate::parse::FORMATS
        .iter()
        .copied()
        .find(|f| f.kind == kind)
}

/// Whether the content is what `kind`'s format may hold (a format without a sniffer takes
/// any text its path is given).
fn fits(kind: SourceKind, head: &Head<'_>) -> bool {
    match format_of(kind).and_then(|f| f.sniff) {
        Some(sniff) => sniff(head).is_some(),
        None => true,
    }
}

/// What the content alone says: the first format, in registry order, that it names strongly,
/// else the first it names weakly.
fn by_content(head: &Head<'_>) -> Option<(SourceKind, Strength)> {
    let mut weak = None;
    for format in crate::parse::FORMATS {
        let Some(sniff) = format.sniff else {
            continue;
        };
        match sniff(head) {
            Some(Strength::Strong) => return Some((format.kind, Strength::Strong)),
            Some(Strength::Weak) if weak.is_none() => weak = Some((format.kind, Strength::Weak)),
            _ => {}
        }
    }
    weak
}

/// The kind the path suggests: the format whose pattern names it most precisely, in any layout
/// but supportconfig's (whose files are read by their sections, [`sections`]).
pub fn kind_by_path(path: &str) -> Option<SourceKind> {
    kind_by_entry(&EntryPath::new(path))
}

fn kind_by_entry(entry: &EntryPath) -> Option<SourceKind> {
    let mut best: Option<(Precision, SourceKind)> = None;
    for format in crate::parse::FORMATS {
        let paths = &format.paths;
        for pattern in paths
            .sosreport
            .iter()
            .chain(paths.collector)
            .chain(paths.plain)
        {
            if let Some(p) = entry.matches(pattern) {
                if best.is_none_or(|(b, _)| p > b) {
                    best = Some((p, format.kind));
                }
            }
        }
    }
    best.map(|(_, kind)| kind)
}

/// The kind a supportconfig section's label names: a file's (`/proc/buddyinfo`) or, when
/// `command`, a command's (`/usr/bin/free -k`).
pub fn kind_by_label(label: &str, command: bool) -> Option<SourceKind> {
    let mut best: Option<(Precision, SourceKind)> = None;
    for format in crate::parse::FORMATS {
        for pattern in format.paths.supportconfig {
            if let Some(p) = format::label_matches(pattern, label, command) {
                if best.is_none_or(|(b, _)| p > b) {
                    best = Some((p, format.kind));
                }
            }
        }
    }
    best.map(|(_, kind)| kind)
}

/// How many leading bytes of an entry [`detect`] looks at.
pub const SNIFF_BYTES: usize = 16 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use SourceKind as K;

    /// Every published sample, its kind, and a path it would naturally have in a bundle.
    const SAMPLES: &[(&str, SourceKind, &str)] = &[
        (
            "buddyinfo/seed-beta004-pasted.txt",
            K::Buddyinfo,
            "proc/buddyinfo",
        ),
        (
            "extfrag_index/seed-beta004-pasted.txt",
            K::ExtfragIndex,
            "sys/kernel/debug/extfrag/extfrag_index",
        ),
        ("free/seed-beta004-mh.txt", K::Free, "free-mh.txt"),
        (
            "dmesg/seed-3.10-order6-unshare.txt",
            K::Dmesg,
            "sos_commands/kernel/dmesg",
        ),
        (
            "buddyinfo/bianbu-riscv-12-orders-trailing-space.txt",
            K::Buddyinfo,
            "sosreport-n/proc/buddyinfo",
        ),
        (
            "buddyinfo/insights-1node-fragmented.txt",
            K::Buddyinfo,
            "buddyinfo",
        ),
        (
            "buddyinfo/insights-2node-dma-dma32-normal.txt",
            K::Buddyinfo,
            "buddyinfo.txt",
        ),
        (
            "buddyinfo/insights-parser-docstring.txt",
            K::Buddyinfo,
            "proc/buddyinfo",
        ),
        (
            "buddyinfo/procfs-1node-dma-dma32-normal.txt",
            K::Buddyinfo,
            "proc/buddyinfo",
        ),
        (
            "dmesg/insights-no-timestamps-rhel6.txt",
            K::Dmesg,
            "sosreport-n/sos_commands/kernel/dmesg",
        ),
        (
            "dmesg/insights-raw-rhel7-862-linux-version.txt",
            K::Dmesg,
            "sosreport-n/var/log/dmesg",
        ),
        ("dmesg/insights-raw-rhel7-boot.txt", K::Dmesg, "dmesg.txt"),
        (
            "dmesg_meminfo_dump/bianbu-sysrq-m-6x.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "dmesg_meminfo_dump/dcache-issue-3787-zone-lines.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "dmesg_oom/aks-syslog-cgroupv2-memcg-oom-5.15-azure.txt",
            K::Syslog,
            "sosreport-n/var/log/syslog",
        ),
        (
            "dmesg_oom/cadvisor-docker-memcg-oom-4.8-two-events.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "dmesg_oom/cadvisor-global-oom-3.13-gce.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "dmesg_oom/cadvisor-memcg-oom-3.13-ubuntu.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "dmesg_oom/moby-15621-docker-for-mac-mangled.txt",
            K::Dmesg,
            "dmesg.txt",
        ),
        (
            "docker_events/cli-docs-text-filters.txt",
            K::DockerEvents,
            "docker-events.log",
        ),
        (
            "docker_events/for-linux-670-k8s-oom-json-in-attrs.txt",
            K::DockerEvents,
            "sosreport-n/sos_commands/docker/docker_events_--since_24h",
        ),
        (
            "docker_events/moby-16074-docker1.8-legacy-text.txt",
            K::DockerEvents,
            "docker-events.log",
        ),
        (
            "docker_events/moby-18470-legacy-json-api.txt",
            K::DockerEvents,
            "docker_events.json",
        ),
        (
            "docker_events/moby-27247-oom-repeated-1.11.txt",
            K::DockerEvents,
            "docker-events.txt",
        ),
        (
            "docker_inspect/insights-docker1.10-rhel7-devicemapper.txt",
            K::ContainerInspect,
            "sosreport-n/sos_commands/docker/docker_inspect_97d7cd1a5d8f",
        ),
        (
            "podman_inspect/insights-podman-rhel8.txt",
            K::ContainerInspect,
            "sosreport-n/sos_commands/podman/podman_inspect_66db151828e9",
        ),
        (
            "extfrag_index/netdata-issue-15001.txt",
            K::ExtfragIndex,
            "sosreport-n/sys/kernel/debug/extfrag/extfrag_index",
        ),
        ("free/new-procps-4-mt-ubuntu2204.txt", K::Free, "free.txt"),
        ("free/new-procps-b-bytes-lxc.txt", K::Free, "free-b.txt"),
        ("free/new-procps-fr-locale.txt", K::Free, "free"),
        ("free/new-procps-g-gigabytes.txt", K::Free, "free-g.txt"),
        ("free/new-procps-h-centos73.txt", K::Free, "free-mh.txt"),
        ("free/new-procps-hwt-wide-total.txt", K::Free, "free_-hwt"),
        (
            "free/new-procps-k-centos7.txt",
            K::Free,
            "sosreport-n/sos_commands/memory/free",
        ),
        ("free/new-procps-kb-nri-flex.txt", K::Free, "free.txt"),
        (
            "free/new-procps-m-available.txt",
            K::Free,
            "sosreport-n/sos_commands/memory/free_-m",
        ),
        ("free/new-procps-w-wide-kb.txt", K::Free, "free-w.txt"),
        (
            "free/old-procps-buffers-cache-line.txt",
            K::Free,
            "free.txt",
        ),
        ("free/old-procps-k-centos6.txt", K::Free, "free.txt"),
        (
            "free/old-procps-m-centos6-trailing-space.txt",
            K::Free,
            "free-m.txt",
        ),
        ("free/old-procps-m-tm-total.txt", K::Free, "free-m.txt"),
        ("free/old-procps-raspbian.txt", K::Free, "free.txt"),
        (
            "journalctl/earlyoom-220-journal-monotonic-5.9-gfp-nowait.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "journalctl/insights-short-logs-begin-header.txt",
            K::Journal,
            "sosreport-n/sos_commands/logs/journalctl_--no-pager",
        ),
        (
            "meminfo/insights-rhel7.1.txt",
            K::Meminfo,
            "sosreport-n/proc/meminfo",
        ),
        ("meminfo/kernel-doc-6x-full.txt", K::Meminfo, "meminfo"),
        (
            "meminfo/procfs-fixture-zswap-no-memavailable.txt",
            K::Meminfo,
            "meminfo.txt",
        ),
        (
            "messages/insights-syslog-rhel6.txt",
            K::Syslog,
            "sosreport-n/var/log/messages",
        ),
        (
            "pagetypeinfo/bianbu-riscv-cma-12-orders.txt",
            K::Pagetypeinfo,
            "sosreport-n/proc/pagetypeinfo",
        ),
        (
            "pagetypeinfo/kernel-doc-2.6-reserve-type.txt",
            K::Pagetypeinfo,
            "pagetypeinfo",
        ),
        (
            "proc_stat/insights-8cpu-btime.txt",
            K::ProcStat,
            "sosreport-n/proc/stat",
        ),
        (
            "proc_stat/procfs-8cpu-btime-1418183276.txt",
            K::ProcStat,
            "proc-stat.txt",
        ),
        (
            "slabinfo/insights-memcg-docstring.txt",
            K::Slabinfo,
            "slabinfo",
        ),
        (
            "slabinfo/insights-v2.1-rhel7.txt",
            K::Slabinfo,
            "sosreport-n/proc/slabinfo",
        ),
        (
            "slabinfo/procfs-v2.1-nvidia-kvm.txt",
            K::Slabinfo,
            "slabinfo.txt",
        ),
        (
            "uname/insights-foreman-command-prefix.txt",
            K::Uname,
            "uname.txt",
        ),
        (
            "uname/insights-rhel5-9-rt-boot2docker.txt",
            K::Uname,
            "sosreport-n/sos_commands/kernel/uname_-a",
        ),
        (
            "uptime/insights-variants.txt",
            K::Uptime,
            "sosreport-n/uptime",
        ),
        (
            "zoneinfo/procfs-5x-dma-dma32-normal-movable-device.txt",
            K::Zoneinfo,
            "sosreport-n/proc/zoneinfo",
        ),
        (
            "dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt",
            K::Syslog,
            "sosreport-n/var/log/syslog",
        ),
        (
            "systemctl_status/batch-slice-memorymax-249.txt",
            K::SystemctlStatus,
            "sosreport-n/sos_commands/systemd/systemctl_status_--all",
        ),
        (
            "psi/elastic-cgroup-v2-memory-pressure-6x.txt",
            K::Pressure,
            "proc/pressure/memory",
        ),
        (
            "psi/node-exporter-proc-pressure-cpu-with-full-line.txt",
            K::Pressure,
            "proc/pressure/cpu",
        ),
        (
            "psi/node-exporter-proc-pressure-irq-full-only-no-newline.txt",
            K::Pressure,
            "proc/pressure/irq",
        ),
        (
            "psi/node-exporter-proc-pressure-memory-zeros.txt",
            K::Pressure,
            "sosreport-n/proc/pressure/memory",
        ),
        (
            "psi/oomd-cgroup-memory-pressure-large-totals.txt",
            K::Pressure,
            "pressure-memory.txt",
        ),
        (
            "proc_sockstat/geekgao-articles-7-orphans-over-max.txt",
            K::Sockstat,
            "sockstat.txt",
        ),
        (
            "proc_sockstat/hotsos-k8s-worker-ubuntu2004.txt",
            K::Sockstat,
            "sosreport-n/proc/96008/net/sockstat",
        ),
        (
            "proc_sockstat/insights-busy-host-orphans.txt",
            K::Sockstat,
            "proc/net/sockstat",
        ),
        (
            "proc_sockstat/procfs-fixture.txt",
            K::Sockstat,
            "proc/net/sockstat",
        ),
        (
            "proc_loadavg/node-exporter-fixture.txt",
            K::Loadavg,
            "proc/loadavg",
        ),
        (
            "proc_loadavg/procfs-1-497-running-total.txt",
            K::Loadavg,
            "sosreport-n/proc/loadavg",
        ),
        (
            "dmesg_tcp_oom/tempesta-1763-dmesg-repeated-trailing-spaces.txt",
            K::Dmesg,
            "dmesg",
        ),
        (
            "pids_fork_rejected/hotsos-sos-ubuntu2004-fork-rejected-pids-lxd.txt",
            K::Syslog,
            "sosreport-n/var/log/syslog",
        ),
        (
            "podman_inspect/insights-podman4-rhel-running-2022.txt",
            K::ContainerInspect,
            "podman-inspect.json",
        ),
        (
            "podman_inspect/podman-docs-container-inspect-pidslimit.txt",
            K::ContainerInspect,
            "podman-inspect.json",
        ),
        (
            "kubectl_describe_pod/hotsos-sos-k8s-1.23-csi-liveness-probe-failed.txt",
            K::KubectlDescribePod,
            "sosreport-n/sos_commands/kubernetes/pods/kubectl_--namespace_kube-system_describe_pods_csi-cinder-nodeplugin-bb9jk",
        ),
        (
            "kubectl_describe_pod/k8s-docs-1.23-running-guaranteed.txt",
            K::KubectlDescribePod,
            "describe-pod.txt",
        ),
        (
            "kubectl_describe_pod/k8s-docs-legacy-1.2-tabbed-pending.txt",
            K::KubectlDescribePod,
            "describe-pod.txt",
        ),
        (
            "kubectl_describe_pod/vijayrod-aks-evicted-containerstatusunknown.txt",
            K::KubectlDescribePod,
            "kubectl-describe-pod-nginx.txt",
        ),
        (
            "kubectl_describe_pod/vijayrod-aks-oomkilled-last-state-fragment.txt",
            K::KubectlDescribePod,
            "kubectl-describe-pod-nginx.txt",
        ),
        (
            "kubectl_describe_pod/k8s-docs-liveness-exec-events-fragment.txt",
            K::KubeEvents,
            "kube-events.txt",
        ),
        (
            "kubectl_get_events_json/hotsos-sos-k8s-1.23-ingress-readiness-unhealthy.txt",
            K::KubeEvents,
            "sosreport-n/sos_commands/kubernetes/kubectl_--kubeconfig_x_get_-o_json_--namespace_ingress_events",
        ),
        (
            "kubectl_get_events_table/inspektor-gadget-187-custom-columns-liveness-timeout.txt",
            K::KubeEvents,
            "kube-events.txt",
        ),
        (
            "kubectl_get_pod_json/hotsos-sos-k8s-1.23-imagepullbackoff-list.txt",
            K::KubePod,
            "sosreport-n/sos_commands/kubernetes/kubectl_--kubeconfig_x_get_-o_json_--all-namespaces_pods",
        ),
        (
            "kubectl_get_pod_json/k8s-53669-laststate-error-137-system-oom-fragment.txt",
            K::KubePod,
            "pod.json",
        ),
        (
            "kubectl_get_pod_yaml/k8s-docs-1.23-running-full.txt",
            K::KubePod,
            "pod.yaml",
        ),
        (
            "kubectl_get_pod_yaml/k8s-docs-laststate-oomkilled-fragment.txt",
            K::KubePod,
            "pod.yaml",
        ),
        (
            "crictl_ps/cri-tools-docs-ps-a-created-6-columns.txt",
            K::CrictlPs,
            "sosreport-n/sos_commands/crio/crictl_ps_-a",
        ),
        (
            "crictl_ps/insights-openshift-cri-o-ps.txt",
            K::CrictlPs,
            "sosreport-n/sos_commands/crio/crictl_ps_-a",
        ),
        (
            "crictl_ps/k8s-docs-2018-ps-a-digest-images.txt",
            K::CrictlPs,
            "postmortem-node1-20220211T192413Z/cri/ps.txt",
        ),
        (
            "crictl_ps/vijayrod-aks-ps-a-pod-columns.txt",
            K::CrictlPs,
            "crictl-ps.txt",
        ),
        (
            "dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt",
            K::Syslog,
            "var/log/syslog",
        ),
        (
            "kubectl_describe_node/hotsos-sos-k8s-1.23-worker.txt",
            K::KubectlDescribeNode,
            "sosreport-n/sos_commands/kubernetes/nodes/kubectl_--kubeconfig_x_describe_nodes_juju-110cc2-k8stest-5",
        ),
        (
            "kubectl_describe_node/k3s-838-events-systemoom-node-not-ready.txt",
            K::KubeEvents,
            "kube-events.txt",
        ),
        (
            "crictl_inspect/anykap-kind-containerd-coredns-running.txt",
            K::CrictlInspect,
            "postmortem-node1-20220211T192413Z/cri/inspect.json",
        ),
        (
            "app_config/debian-postgresql-15-main-postgresql.conf",
            K::AppConfig,
            "sosreport-n/etc/postgresql/15/main/postgresql.conf",
        ),
        (
            "app_config/gunicorn-27.0.1-example_config.py",
            K::AppConfig,
            "gunicorn.conf.py",
        ),
        (
            "app_config/uwsgi-2.0.31-examples-heavytest.ini",
            K::AppConfig,
            "sosreport-n/etc/uwsgi/apps-enabled/app.ini",
        ),
        (
            "dev_kmsg/util-linux-cid-kmsg-input-nul-separated.txt",
            K::Dmesg,
            "kmsg",
        ),
        (
            "dev_kmsg/linux-6.18-memcg-v1-oom-python.txt",
            K::Dmesg,
            "node1/dev/kmsg",
        ),
        (
            "dmesg_hung_task/syzkaller-5.10.2-arm32-io-schedule-ext4.txt",
            K::Dmesg,
            "dmesg",
        ),
        // `journalctl -o short` without its header reads as syslog, whatever the month's
        // language.
        (
            "journalctl/recorded-systemd-252-short-ru_RU.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-de_DE.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-fr_FR.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-es_ES.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-it_IT.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-pt_BR.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-pl_PL.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-zh_CN.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "journalctl/recorded-systemd-252-short-ja_JP.txt",
            K::Syslog,
            "var/log/messages",
        ),
        (
            "systemctl_status/insights-core-3.8.4-status-all-host-header.txt",
            K::SystemctlStatus,
            "sosreport-n/sos_commands/systemd/systemctl_status_--all",
        ),
        (
            "dmesg/insights-vmcore-dmesg-rhel7-862.9.1-oops.txt",
            K::Dmesg,
            "sosreport-n/var/crash/127.0.0.1-2018-09-25-10:52:06/vmcore-dmesg.txt",
        ),
    ];

    fn sample(rel: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The sample without its two `# source:` / `# note:` header lines, as the real file was.
    fn without_header(bytes: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(bytes);
        let body: Vec<&str> = text
            .split_inclusive('\n')
            .skip_while(|l| l.starts_with("# source:") || l.starts_with("# note:"))
            .collect();
        body.concat().into_bytes()
    }

    fn head(bytes: &[u8]) -> &[u8] {
        bytes.get(..SNIFF_BYTES).unwrap_or(bytes)
    }

    #[test]
    fn every_sample_is_recognised_from_content_alone() {
        for &(rel, want, _) in SAMPLES {
            let with_header = sample(rel);
            let real = without_header(&with_header);
            assert_ne!(real.len(), with_header.len(), "{rel} has its header lines");
            for bytes in [&with_header, &real] {
                assert_eq!(
                    detect("x.txt", head(bytes)),
                    (want, Detection::Content),
                    "{rel} as x.txt"
                );
                assert_eq!(
                    detect("case-42/attachments/notes", head(bytes)),
                    (want, Detection::Content),
                    "{rel} as notes"
                );
            }
        }
    }

    /// Quoted whole in a ticket or a mail (`> ` before every line), every sample is still
    /// recognised from its content, and a table reads as unquoted, with a warning that says so.
    #[test]
    fn every_sample_quoted_whole_is_recognised_and_read() {
        for &(rel, want, _) in SAMPLES {
            let real = without_header(&sample(rel));
            let text = String::from_utf8_lossy(&real);
            if !text.contains('\n') || text.lines().any(|l| l.trim_start().starts_with('>')) {
                continue;
            }
            let quoted: String = text
                .split_inclusive('\n')
                .map(|l| format!("> {l}"))
                .collect();
            assert_eq!(
                detect("notes", head(quoted.as_bytes())).0,
                want,
                "{rel} quoted"
            );
            let mut plain = crate::facts::Facts::default();
            let mut read = crate::facts::Facts::default();
            let a = crate::parse::parse_into(&mut plain, "f", want, &real);
            let b = crate::parse::parse_into(&mut read, "f", want, quoted.as_bytes());
            assert_eq!(a.records, b.records, "{rel} quoted");
        }
    }

    #[test]
    fn every_sample_is_recognised_at_its_natural_path() {
        for &(rel, want, path) in SAMPLES {
            let with_header = sample(rel);
            let real = without_header(&with_header);
            for bytes in [&with_header, &real] {
                assert_eq!(
                    detect(path, head(bytes)),
                    (want, Detection::Path),
                    "{rel} at {path}"
                );
            }
        }
    }

    #[test]
    fn every_sample_folder_is_covered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let listed: std::collections::BTreeSet<&str> =
            SAMPLES.iter().map(|(rel, _, _)| *rel).collect();
        for folder in [
            "buddyinfo",
            "dmesg",
            "dmesg_meminfo_dump",
            "dmesg_oom",
            "docker_events",
            "docker_inspect",
            "extfrag_index",
            "free",
            "journalctl",
            "meminfo",
            "messages",
            "pagetypeinfo",
            "podman_inspect",
            "proc_stat",
            "slabinfo",
            "uname",
            "uptime",
            "zoneinfo",
            "psi",
            "proc_sockstat",
            "proc_loadavg",
            "dmesg_tcp_oom",
            "pids_fork_rejected",
            "kubectl_describe_pod",
            "kubectl_get_events_json",
            "kubectl_get_events_table",
            "kubectl_get_pod_json",
            "kubectl_get_pod_yaml",
            "crictl_ps",
            "crictl_inspect",
            "dev_kmsg",
            "dmesg_hung_task",
        ] {
            let entries =
                std::fs::read_dir(dir.join(folder)).unwrap_or_else(|e| panic!("{folder}: {e}"));
            for entry in entries.flatten() {
                let rel = format!("{folder}/{}", entry.file_name().to_string_lossy());
                assert!(listed.contains(rel.as_str()), "{rel} is not in SAMPLES");
            }
        }
    }

    /// Tricky cases: (path, content, expected kind, expected detection).
    const CASES: &[(&str, &str, SourceKind, Detection)] = &[
        // The content says another framing than the name.
        (
            "var/log/kern.log",
            "[2751018.215519] docker_gwbridge: port 16(veth4c02c8b) entered disabled state\n\
             [2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n",
            K::Dmesg,
            Detection::Content,
        ),
        (
            "var/log/messages",
            "Jan 23 20:10:01 beta_004 kernel: runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n",
            K::Syslog,
            Detection::Path,
        ),
        (
            "dmesg",
            "Jan 23 20:10:01 beta_004 kernel: [2751018.239907] runc:[1:CHILD]: page allocation failure: order:6\n",
            K::Syslog,
            Detection::Content,
        ),
        (
            "inspect.json",
            "{\n  \"ociVersion\": \"1.0.0\",\n  \"process\": {\"args\": [\"sh\"]}\n}\n",
            K::OciConfig,
            Detection::Content,
        ),
        (
            "config.json",
            "[{\"Id\": \"abc\", \"State\": {\"Status\": \"created\"}, \"HostConfig\": {\"Memory\": 268435456}}]",
            K::ContainerInspect,
            Detection::Content,
        ),
        // A docker image's manifest.json is not the collector's.
        (
            "image/manifest.json",
            "[{\"Config\":\"a.json\",\"RepoTags\":[\"nginx:latest\"],\"Layers\":[\"l/layer.tar\"]}]",
            K::Unknown,
            Detection::None,
        ),
        (
            "manifest.json",
            "{\"collector\": \"postmortem-collect\", \"version\": \"0.1.0\", \"commands\": []}",
            K::Manifest,
            Detection::Path,
        ),
        (
            "proc/loadavg",
            "0.57 0.28 0.19 1/234 5678\n",
            K::Loadavg,
            Detection::Path,
        ),
        (
            "la.txt",
            "0.57 0.28 0.19 1/234 5678\n",
            K::Loadavg,
            Detection::Content,
        ),
        (
            "docker/version.txt",
            "Client:\n Version:           28.2.2\n API version:       1.50\n",
            K::RuntimeVersion,
            Detection::Path,
        ),
        (
            "v.txt",
            "runc version 1.0.0-rc3\ncommit: 992a5be178a62e026f4069f443c6164912adbf09\nspec: 1.0.0-rc5\n",
            K::RuntimeVersion,
            Detection::Content,
        ),
        (
            "info.txt",
            "Containers: 12\n Running: 3\nServer Version: 17.06.2-ce\nStorage Driver: overlay\n",
            K::RuntimeVersion,
            Detection::Content,
        ),
        (
            "x.json",
            "{\"collector\": \"postmortem-collect\", \"version\": \"0.1.0\", \"commands\": []}",
            K::Manifest,
            Detection::Content,
        ),
        // Pasted text: a prompt line, non-breaking spaces, a blank line inside the table, CRLF.
        (
            "bi.txt",
            "[root@beta_004 ~]# cat /proc/buddyinfo\r\n\
             Node 0, zone\u{a0}\u{a0} DMA\u{a0}\u{a0} 1\u{a0}\u{a0} 0\u{a0}\u{a0} 1 \r\n\
             \r\n\
             Node 0, zone\u{a0}\u{a0}Normal\u{a0}\u{a0}8860\u{a0}11464\u{a0}\u{a0}488\u{a0}\u{a0}174\u{a0}\u{a0}27\u{a0}\u{a0}0\u{a0}\r\n",
            K::Buddyinfo,
            Detection::Content,
        ),
        (
            "notes.txt",
            "\u{feff}[root@beta_004 vm]# cat /sys/kernel/debug/extfrag/extfrag_index\n\
             Node 0, zone\u{a0}\u{a0}\u{a0}DMA -1.000 -1.000 -1.000\u{a0}\n\
             Node 0, zone\u{a0}\u{a0}\u{a0}Normal -1.000 -1.000 -1.000 -1.000 0.919 0.960\u{a0}\n",
            K::ExtfragIndex,
            Detection::Content,
        ),
        (
            "ticket.txt",
            "[root@ ~]# free -mh\n\
             \u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}total\u{a0}\u{a0}used\u{a0}\u{a0}free\u{a0}\u{a0}shared\u{a0}\u{a0}buff/cache\u{a0}\u{a0}available\n\
             Mem:\u{a0}\u{a0}\u{a0}15G\u{a0}\u{a0}5.5G\u{a0}\u{a0}270M\u{a0}\u{a0}278M\u{a0}\u{a0}9.7G\u{a0}\u{a0}6.3G\n\
             Swap:\u{a0}\u{a0}0B\u{a0}\u{a0}0B\u{a0}\u{a0}0B\n",
            K::Free,
            Detection::Content,
        ),
        // Only the prompt line's command tells.
        ("paste.txt", "[root@h ~]# free -mh\n", K::Free, Detection::Content),
        (
            "x.txt",
            "# cat /sys/kernel/debug/extfrag/unusable_index\nNode 0, zone Normal 0.000 0.000 0.000\n",
            K::UnusableIndex,
            Detection::Content,
        ),
        (
            "extfrag_index",
            "# cat /sys/kernel/debug/extfrag/unusable_index\nNode 0, zone Normal 0.000 0.000 0.000\n",
            K::UnusableIndex,
            Detection::Content,
        ),
        // extfrag versus unusable: ambiguous values follow the path, telling ones overrule it.
        (
            "sys/kernel/debug/extfrag/extfrag_index",
            "Node 0, zone Normal 0.000 0.000 0.000\n",
            K::ExtfragIndex,
            Detection::Path,
        ),
        (
            "sys/kernel/debug/extfrag/extfrag_index",
            "Node 0, zone   Normal 0.000 0.664 0.851 0.994 1.000 1.000 1.000 \n",
            K::UnusableIndex,
            Detection::Content,
        ),
        (
            "x.txt",
            "Node 0, zone   Normal 0.000 0.664 0.851 0.994 1.000 1.000 1.000 \n",
            K::UnusableIndex,
            Detection::Content,
        ),
        // Kernel logs in their forms.
        (
            "x.txt",
            "[Tue Jan 23 20:10:01 2018] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n\
             [Tue Jan 23 20:10:01 2018] Call Trace:\n",
            K::Dmesg,
            Detection::Content,
        ),
        (
            "notes.txt",
            "The node could not start containers. The kernel said:\n\
             runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n",
            K::Dmesg,
            Detection::Content,
        ),
        (
            "x.txt",
            "-- Journal begins at Mon 2018-01-01 00:00:01 CST, ends at Tue 2018-01-23 20:15:00 CST. --\n\
             Jan 23 20:10:01 beta_004 kernel: Call Trace:\n",
            K::Journal,
            Detection::Content,
        ),
        (
            "x.txt",
            "2018-01-23T20:10:01+0800 beta_004 kernel: Call Trace:\n\
             2018-01-23T20:10:01+0800 beta_004 dockerd[1102]: time=\"2018-01-23T20:10:01.288012345+08:00\" level=error msg=\"x\"\n",
            K::Journal,
            Detection::Content,
        ),
        (
            "x.txt",
            "Jan 23 20:10:01.288012 beta_004 kernel: Call Trace:\n",
            K::Journal,
            Detection::Content,
        ),
        (
            "x.txt",
            "{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1516709401288012\",\"MESSAGE\":\"Call Trace:\"}\n",
            K::Journal,
            Detection::Content,
        ),
        // journalctl short output without header reads like syslog: the path keeps it.
        (
            "sos_commands/logs/journalctl_--no-pager",
            "Jan 23 20:10:01 beta_004 kernel: Call Trace:\n",
            K::Journal,
            Detection::Path,
        ),
        // Syslog lines of the container daemons only are still syslog.
        (
            "x.txt",
            "Jan 23 20:10:01 beta_004 dockerd[1102]: time=\"2018-01-23T20:10:01.288012345+08:00\" level=error msg=\"Handler for POST /containers/x/start returned error\"\n\
             Jan 23 20:10:01 beta_004 containerd[1080]: time=\"2018-01-23T20:10:01+08:00\" level=info msg=\"shim reaped\"\n",
            K::Syslog,
            Detection::Content,
        ),
        (
            "sos_commands/docker/journalctl_--no-pager_--unit_docker",
            "Jan 23 20:10:01 beta_004 dockerd[1102]: time=\"2018-01-23T20:10:01.288012345+08:00\" level=error msg=\"x\"\n",
            K::DaemonLog,
            Detection::Path,
        ),
        (
            "x.txt",
            "time=\"2018-01-23T20:10:01.288012345+08:00\" level=error msg=\"Create container failed with error: oci runtime error\"\n",
            K::DaemonLog,
            Detection::Content,
        ),
        (
            "x.txt",
            "E0123 20:10:01.288012    1234 pod_workers.go:186] Error syncing pod\n",
            K::DaemonLog,
            Detection::Content,
        ),
        (
            "x.txt",
            "docker: Error response from daemon: oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\".\n",
            K::RuntimeError,
            Detection::Content,
        ),
        (
            "x.txt",
            "[root@beta_004 ~]# docker run -m 256m nginx\nsomething went wrong\n",
            K::RuntimeError,
            Detection::Content,
        ),
        // Docker events.
        (
            "x.txt",
            "2018-01-23T20:10:01.126549130+08:00 container create 3f2a (image=nginx, name=web)\n\
             2018-01-23T20:10:01.402365312+08:00 container die 3f2a (exitCode=128, image=nginx, name=web)\n",
            K::DockerEvents,
            Detection::Content,
        ),
        (
            "x.txt",
            "{\"status\":\"die\",\"id\":\"3f2a\",\"from\":\"nginx\",\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"3f2a\",\"Attributes\":{\"exitCode\":\"128\"}},\"time\":1516709401,\"timeNano\":1516709401402365312}\n",
            K::DockerEvents,
            Detection::Content,
        ),
        (
            "x.txt",
            "kern  :warn  : [2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n",
            K::Dmesg,
            Detection::Content,
        ),
        (
            "x.txt",
            "Tue 2018-01-23 20:10:01 CST beta_004 kernel: Call Trace:\n",
            K::Journal,
            Detection::Content,
        ),
        (
            "x.txt",
            "[2751018.239907] beta_004 kernel: Call Trace:\n",
            K::Journal,
            Detection::Content,
        ),
        (
            "x.txt",
            "__CURSOR=s=6b1c;i=1f2\n__REALTIME_TIMESTAMP=1516709401240000\nMESSAGE=Call Trace:\n",
            K::Journal,
            Detection::Content,
        ),
        (
            "x.txt",
            "2018-01-23 20:10:01.304662950 +0800 CST container died 3f2a8c1e9b7d (image=docker.io/library/nginx:latest, name=web)\n",
            K::DockerEvents,
            Detection::Content,
        ),
        ("x.txt", "up 4 weeks, 3 days, 20 hours, 14 minutes\n", K::Uptime, Detection::Content),
        // /proc tables and host facts.
        (
            "x.txt",
            "Page block order: 9\nPages per block:  512\n",
            K::Pagetypeinfo,
            Detection::Content,
        ),
        (
            "x.txt",
            " Active / Total Objects (% used)    : 10397425 / 10489580 (99.1%)\n",
            K::Slabtop,
            Detection::Content,
        ),
        (
            "x.txt",
            "compact_migrate_scanned 1\ncompact_stall 2\ncompact_fail 2\ncompact_success 0\n",
            K::Vmstat,
            Detection::Content,
        ),
        (
            "x.txt",
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t2\t4\t1\nmemory\t4\t9211\t1\n",
            K::Cgroups,
            Detection::Content,
        ),
        ("x.txt", "2753678.52 43163200.14\n", K::ProcUptime, Detection::Content),
        (
            "uptime",
            "2753678.52 43163200.14\n",
            K::ProcUptime,
            Detection::Content,
        ),
        (
            "x.txt",
            " 20:14:41 up 31 days, 20:54,  2 users,  load average: 14.21, 13.07, 12.88\n",
            K::Uptime,
            Detection::Content,
        ),
        ("x.txt", "Tue Jan 23 20:14:41 CST 2018\n", K::Date, Detection::Content),
        ("x.txt", "2018-01-23T20:14:41+08:00\n", K::Date, Detection::Content),
        ("x.txt", "Tue, 23 Jan 2018 20:14:41 +0800\n", K::Date, Detection::Content),
        ("x.txt", "2018年 01月 23日 星期二 20:14:41 CST\n", K::Date, Detection::Content),
        // A single number is what a thousand `/sys` and cgroup files hold: only a path makes
        // it a `date +%s`.
        ("x.txt", "1516709681\n", K::Unknown, Detection::None),
        ("date", "1516709681\n", K::Date, Detection::Path),
        (
            "x.txt",
            "Linux beta_004 3.10.0-514.26.2.el7.x86_64 #1 SMP Tue Jul 4 15:04:05 UTC 2017 x86_64 x86_64 x86_64 GNU/Linux\n",
            K::Uname,
            Detection::Content,
        ),
        ("x.txt", "3.10.0-514.26.2.el7.x86_64\n", K::Uname, Detection::Content),
        (
            "x.txt",
            "vm.extfrag_threshold = 500\nvm.min_free_kbytes = 67584\nvm.swappiness = 30\n",
            K::Sysctl,
            Detection::Content,
        ),
        (
            "x.txt",
            "      Local time: Tue 2018-01-23 20:14:41 CST\n  Universal time: Tue 2018-01-23 12:14:41 UTC\n       Time zone: Asia/Shanghai (CST, +0800)\n",
            K::Timezone,
            Detection::Content,
        ),
        ("etc/timezone", "Asia/Shanghai\n", K::Timezone, Detection::Path),
        ("x.txt", "Asia/Shanghai\n", K::Timezone, Detection::Content),
        ("hostname", "beta_004\n", K::Hostname, Detection::Path),
        // A copied file system: files there are what their location says, and the content of
        // cgroup and sysfs files names nothing: a cgroup file is one by its place alone.
        (
            "sos/sys/fs/cgroup/memory/memory.usage_in_bytes",
            "1567280708\n",
            K::CgroupFile,
            Detection::Path,
        ),
        (
            "sos/sys/fs/cgroup/memory/memory.stat",
            "cache 1234\nrss 5678\npgpgin 10\npgfault 20\ntotal_cache 1234\n",
            K::CgroupFile,
            Detection::Path,
        ),
        (
            "sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/memory.pressure",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=1736583\n",
            K::CgroupFile,
            Detection::Path,
        ),
        (
            "sys/fs/cgroup/system.slice/docker-1c8f.scope/memory.events",
            "low 10\nhigh 3\nmax 2\noom 1\noom_kill 1\n",
            K::CgroupFile,
            Detection::Path,
        ),
        (
            "sys/fs/cgroup/system.slice/pids.max",
            "max\n",
            K::CgroupFile,
            Detection::Path,
        ),
        (
            "sys/fs/cgroup/system.slice/cgroup.procs",
            "1\n",
            K::Unknown,
            Detection::None,
        ),
        (
            "sos/proc/sys/kernel/pid_max",
            "4194304\n",
            K::TaskLimit,
            Detection::Path,
        ),
        ("threads-max.txt", "126329\n", K::TaskLimit, Detection::Path),
        (
            "x.txt",
            "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 0\nnr_throttled 0\n",
            K::Unknown,
            Detection::None,
        ),
        (
            "sos/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
            "0\n",
            K::Unknown,
            Detection::None,
        ),
        (
            "sos/usr/lib/systemd/system/syslog.socket",
            "[Unit]\nDescription=Syslog Socket\n[Socket]\nListenDatagram=/run/systemd/journal/syslog\n",
            K::Unknown,
            Detection::None,
        ),
        (
            "sos/proc/sys/kernel/osrelease",
            "6.18.44-fc-v1272\n",
            K::Unknown,
            Detection::None,
        ),
        (
            "sos/etc/login.defs",
            "# name of the shell actually being run\nMAIL_DIR /var/mail\n",
            K::Unknown,
            Detection::None,
        ),
        // sos's own files that are no log or zone, whatever their names say.
        (
            "sos/sos_commands/date/timedatectl",
            "System has not been booted with systemd as init system (PID 1). Can't operate.\n",
            K::Unknown,
            Detection::None,
        ),
        (
            "sos/sos_commands/logs/journalctl_--disk-usage",
            "Archived and active journals take up 8.0M in the file system.\n",
            K::Unknown,
            Detection::None,
        ),
        // Nothing to go on.
        ("x.txt", "", K::Unknown, Detection::None),
        ("proc/meminfo", "", K::Meminfo, Detection::Path),
        ("x.txt", "hello\nworld\n", K::Unknown, Detection::None),
    ];

    #[test]
    fn tricky_cases() {
        for &(path, content, kind, how) in CASES {
            assert_eq!(
                detect(path, content.as_bytes()),
                (kind, how),
                "{path}: {content:?}"
            );
        }
    }

    #[test]
    fn binary_content() {
        let tzif = b"TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x03\0\0\0\x03";
        assert_eq!(detect("x.bin", tzif), (K::Timezone, Detection::Content));
        assert_eq!(
            detect("etc/localtime", tzif),
            (K::Timezone, Detection::Path)
        );
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0";
        assert_eq!(detect("dmesg", elf), (K::Unknown, Detection::None));
        assert_eq!(detect("x.bin", elf), (K::Unknown, Detection::None));
        // A localtime that is a copy of something odd is still the path's.
        assert_eq!(detect("etc/localtime", elf), (K::Timezone, Detection::Path));
        // Compressed data is binary whatever its name.
        let gz = b"\x1f\x8b\x08\0\0\0\0\0\0\x03\x8d\x92\x01\x05\x7f\x10\x02\n";
        assert_eq!(detect("dmesg", gz), (K::Unknown, Detection::None));
    }

    #[test]
    fn logs_with_nul_runs_are_still_text() {
        // What a log holds after a crash: blocks of NULs where unwritten data was due.
        let mut messages = b"Jan 23 12:00:00 node1 kernel: Linux version 4.9.0 (gcc)\n".to_vec();
        messages.extend_from_slice(&[0u8; 4096]);
        messages.extend_from_slice(b"Jan 23 12:05:00 node1 kernel: Linux version 4.9.0 (gcc)\n");
        assert_eq!(
            detect("var/log/messages", &messages),
            (K::Syslog, Detection::Path)
        );
        let dmesg = b"[    1.000000] Linux version 4.9.0 (gcc)\n[    2.0\0\0\0\n";
        assert_eq!(detect("sos_commands/kernel/dmesg", dmesg).0, K::Dmesg);
        // All NULs says nothing.
        assert_eq!(detect("dmesg", &[0u8; 512]), (K::Unknown, Detection::None));
    }

    #[test]
    fn a_head_cut_mid_line_and_mid_character_is_still_read() {
        let mut text = String::new();
        let mut n = 0u32;
        while text.len() < SNIFF_BYTES + 100 {
            text.push_str(&format!(
                "[{n:>5}.000000] 内存 page allocation failure: order:6, mode:0x10c0d0\n"
            ));
            n += 1;
        }
        for cut in [SNIFF_BYTES, SNIFF_BYTES - 1, SNIFF_BYTES - 2] {
            let head = text.as_bytes().get(..cut).unwrap_or_default();
            assert_eq!(detect("x.txt", head), (K::Dmesg, Detection::Content));
        }
    }

    #[test]
    fn every_kind_has_a_test_case() {
        let mut seen: std::collections::BTreeSet<SourceKind> =
            SAMPLES.iter().map(|(_, k, _)| *k).collect();
        seen.extend(CASES.iter().map(|(_, _, k, _)| *k));
        seen.insert(K::Timezone);
        for kind in SourceKind::ALL {
            assert!(seen.contains(kind), "{kind} is not tested");
        }
    }

    proptest::proptest! {
        #[test]
        fn detect_never_panics(path in ".{0,40}", head in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = detect(&path, &head);
        }

        #[test]
        fn detect_never_panics_on_text(path in "[a-z/._-]{0,30}", head in "(Node 0, zone|Mem:|\\[ *[0-9.]+\\]|-1.000|0.5|#|\\$|\\{|\\[|\"|:| |\u{a0}|\n|[a-z]{1,6}|[0-9]{1,4}){0,80}") {
            let _ = detect(&path, head.as_bytes());
        }
    }

    #[test]
    fn sosreport_paths() {
        let cases: &[(&str, Option<SourceKind>)] = &[
            (
                "sosreport-node-20180123/sos_commands/kernel/dmesg",
                Some(K::Dmesg),
            ),
            ("sosreport-node-20180123/var/log/dmesg", Some(K::Dmesg)),
            ("sosreport-node-20180123/var/log/dmesg.old", Some(K::Dmesg)),
            ("sosreport-node-20180123/proc/buddyinfo", Some(K::Buddyinfo)),
            (
                "sosreport-node-20180123/proc/pagetypeinfo",
                Some(K::Pagetypeinfo),
            ),
            ("sosreport-node-20180123/proc/meminfo", Some(K::Meminfo)),
            ("sosreport-node-20180123/proc/slabinfo", Some(K::Slabinfo)),
            ("sosreport-node-20180123/proc/vmstat", Some(K::Vmstat)),
            ("sosreport-node-20180123/proc/zoneinfo", Some(K::Zoneinfo)),
            ("sosreport-node-20180123/proc/cgroups", Some(K::Cgroups)),
            ("sosreport-node-20180123/proc/stat", Some(K::ProcStat)),
            ("sosreport-node-20180123/proc/uptime", Some(K::ProcUptime)),
            (
                "sosreport-n/sys/kernel/debug/extfrag/extfrag_index",
                Some(K::ExtfragIndex),
            ),
            (
                "sosreport-n/sys/kernel/debug/extfrag/unusable_index",
                Some(K::UnusableIndex),
            ),
            ("sosreport-n/sos_commands/memory/free", Some(K::Free)),
            ("sosreport-n/sos_commands/memory/free_-m", Some(K::Free)),
            ("sosreport-n/sos_commands/kernel/sysctl_-a", Some(K::Sysctl)),
            ("sosreport-n/sos_commands/kernel/uname_-a", Some(K::Uname)),
            ("sosreport-n/sos_commands/general/uptime", Some(K::Uptime)),
            ("sosreport-n/sos_commands/host/uptime", Some(K::Uptime)),
            ("sosreport-n/sos_commands/general/date", Some(K::Date)),
            ("sosreport-n/sos_commands/date/date", Some(K::Date)),
            (
                "sosreport-n/sos_commands/date/timedatectl",
                Some(K::Timezone),
            ),
            ("sosreport-n/date", Some(K::Date)),
            ("sosreport-n/uname", Some(K::Uname)),
            ("sosreport-n/uptime", Some(K::Uptime)),
            ("sosreport-n/hostname", Some(K::Hostname)),
            ("sosreport-n/sos_commands/host/hostname", Some(K::Hostname)),
            ("sosreport-n/etc/hostname", Some(K::Hostname)),
            ("sosreport-n/var/log/messages", Some(K::Syslog)),
            ("sosreport-n/var/log/messages-20180123", Some(K::Syslog)),
            ("sosreport-n/var/log/messages.1", Some(K::Syslog)),
            ("sosreport-n/var/log/messages-20180123.gz", Some(K::Syslog)),
            ("sosreport-n/var/log/syslog.2.gz", Some(K::Syslog)),
            ("sosreport-n/var/log/kern.log.1", Some(K::Syslog)),
            (
                "sosreport-n/sos_commands/logs/journalctl_--no-pager_--catalog_--boot",
                Some(K::Journal),
            ),
            (
                "sosreport-n/sos_commands/docker/journalctl_--no-pager_--unit_docker",
                Some(K::DaemonLog),
            ),
            (
                "sosreport-n/sos_commands/docker/docker_events_--since_24h",
                Some(K::DockerEvents),
            ),
            (
                "sosreport-n/sos_commands/docker/docker_inspect_0123abcd",
                Some(K::ContainerInspect),
            ),
            ("sosreport-n/etc/localtime", Some(K::Timezone)),
            ("sosreport-n/etc/timezone", Some(K::Timezone)),
            ("bundle/manifest.json", Some(K::Manifest)),
            ("bundle/containers/abc/config.json", Some(K::OciConfig)),
            ("sosreport-n/proc/version", None),
            ("sosreport-n/proc/sys/vm/extfrag_threshold", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind_by_path(path), *want, "{path}");
        }
    }

    #[test]
    fn plain_names() {
        let cases: &[(&str, Option<SourceKind>)] = &[
            ("dmesg", Some(K::Dmesg)),
            ("dmesg.txt", Some(K::Dmesg)),
            ("dmesg-T.log", Some(K::Dmesg)),
            ("kern.log", Some(K::Syslog)),
            ("free.txt", Some(K::Free)),
            ("free-mh.txt", Some(K::Free)),
            ("Free-MH.TXT", Some(K::Free)),
            ("freeze.log", None),
            ("buddyinfo", Some(K::Buddyinfo)),
            ("buddyinfo.txt", Some(K::Buddyinfo)),
            ("extfrag_index", Some(K::ExtfragIndex)),
            ("extfrag_threshold", None),
            ("unusable_index.txt", Some(K::UnusableIndex)),
            ("slabinfo", Some(K::Slabinfo)),
            ("slabtop.txt", Some(K::Slabtop)),
            ("docker-events.log", Some(K::DockerEvents)),
            ("container.json", Some(K::ContainerInspect)),
            ("inspect.json", Some(K::ContainerInspect)),
            ("inspect-output.json", Some(K::ContainerInspect)),
            ("web-inspect.json", Some(K::ContainerInspect)),
            ("uname.txt", Some(K::Uname)),
            ("uname-a.txt", Some(K::Uname)),
            ("uptime.txt", Some(K::Uptime)),
            ("date.txt", Some(K::Date)),
            ("dates.csv", None),
            ("sysctl-vm.txt", Some(K::Sysctl)),
            ("cgroups", Some(K::Cgroups)),
            ("meminfo", Some(K::Meminfo)),
            ("vmstat", Some(K::Vmstat)),
            ("zoneinfo.txt", Some(K::Zoneinfo)),
            ("proc-stat.txt", Some(K::ProcStat)),
            ("proc-uptime.txt", Some(K::ProcUptime)),
            ("dockerd.log", Some(K::DaemonLog)),
            ("docker.log", Some(K::DaemonLog)),
            ("containerd.log", Some(K::DaemonLog)),
            ("kubelet.log", Some(K::DaemonLog)),
            ("journal.txt", Some(K::Journal)),
            ("journalctl-u-docker.txt", Some(K::DaemonLog)),
            ("docker-run.txt", Some(K::RuntimeError)),
            ("messages", Some(K::Syslog)),
            ("notes.txt", None),
            ("x.txt", None),
            ("bi.txt", None),
            ("", None),
            ("/", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind_by_path(path), *want, "{path}");
        }
    }

    #[test]
    fn nested_archive_prefix_and_windows_separators() {
        assert_eq!(
            kind_by_path("case-1234/sosreport.tar.xz/sosreport-n-2018/proc/buddyinfo"),
            Some(K::Buddyinfo)
        );
        assert_eq!(kind_by_path(r"ticket\node2\free-mh.txt"), Some(K::Free));
        // A folder named like a kind does not make its files that kind.
        assert_eq!(kind_by_path("dmesg/notes.txt"), None);
    }
}
