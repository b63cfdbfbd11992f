//! Source detection: which format each bundle entry holds.
//!
//! Second stage of the pipeline. A file's kind is decided by its path first (sosreport paths,
//! plain names such as `dmesg`, `free.txt`, `buddyinfo`) and then by its content, because
//! customers rename files and paste text into tickets. Content wins where the two disagree on
//! a log's framing: a file named `kern.log` holding raw `[ 12.345678]` lines is `dmesg`.

use serde::Serialize;

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
pub fn detect(path: &str, head: &[u8]) -> (SourceKind, Detection) {
    let _ = (path, head);
    (SourceKind::Unknown, Detection::None)
}

/// How many leading bytes of an entry [`detect`] looks at.
pub const SNIFF_BYTES: usize = 16 * 1024;
