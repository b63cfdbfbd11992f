//! Path rules: what a bundle entry holds, judged by its path alone.
//!
//! Paths come from sosreports (`sosreport-node-2018.../sos_commands/kernel/dmesg`), from plain
//! folders a support engineer put together (`free-mh.txt`, `buddyinfo`), and from archives nested
//! inside the bundle (`inner.tar.gz/proc/buddyinfo`). So rules match on the last components only,
//! at component boundaries, case-insensitively, and ignore a compression suffix on the file name
//! (`messages-20180123.gz` holds syslog lines once the bundle reader has inflated it).

use super::SourceKind;

/// Compression suffixes a log rotation or a collector adds to a file name.
const COMPRESSION_SUFFIXES: &[&str] = &[".gz", ".xz", ".bz2", ".zst", ".lz4", ".z"];

/// Extensions that say nothing about the content (`free.txt`, `dmesg.log`).
const NEUTRAL_EXTENSIONS: &[&str] = &[".txt", ".log", ".out", ".text"];

/// The kind the path suggests, if any rule matches.
pub(crate) fn kind_by_path(path: &str) -> Option<SourceKind> {
    let lowered = path.replace('\\', "/").to_lowercase();
    let comps: Vec<&str> = lowered
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let (&raw_name, dirs) = comps.split_last()?;
    let name = strip_compression(raw_name);
    let parent = dirs.last().copied().unwrap_or("");
    let grandparent = dirs
        .len()
        .checked_sub(2)
        .and_then(|i| dirs.get(i))
        .copied()
        .unwrap_or("");
    by_location(name, parent, grandparent, dirs).or_else(|| by_name(name))
}

/// Rules that need the directories above the file: sosreport and filesystem locations.
fn by_location(name: &str, parent: &str, grandparent: &str, dirs: &[&str]) -> Option<SourceKind> {
    use SourceKind as K;
    let in_proc = parent == "proc";
    if in_proc {
        match name {
            "stat" => return Some(K::ProcStat),
            "uptime" => return Some(K::ProcUptime),
            "cgroups" => return Some(K::Cgroups),
            "loadavg" => return Some(K::Loadavg),
            "version" => return None,
            _ => {}
        }
    }
    if parent == "extfrag" {
        match name {
            "extfrag_index" => return Some(K::ExtfragIndex),
            "unusable_index" => return Some(K::UnusableIndex),
            _ => {}
        }
    }
    if parent == "etc" {
        match name {
            "localtime" | "timezone" => return Some(K::Timezone),
            "hostname" => return Some(K::Hostname),
            _ => {}
        }
    }
    if parent == "sysctl.d" && name.ends_with(".conf") {
        return Some(K::Sysctl);
    }
    if parent == "log" && grandparent == "var" && name.starts_with("dmesg") {
        return Some(K::Dmesg);
    }
    if parent == "upstart" && (name.starts_with("docker") || name.starts_with("containerd")) {
        return Some(K::DaemonLog);
    }
    // The collector's `docker/version.txt`, `podman/info.txt`, `cri/version.txt`; sosreport's
    // `sos_commands/docker/docker_version` and `docker_info`.
    let stem = strip_neutral_extension(name);
    if (is_daemon_dir(parent) || parent == "cri") && matches!(stem, "version" | "info") {
        return Some(K::RuntimeVersion);
    }
    let in_sos = dirs.contains(&"sos_commands");
    if in_sos {
        if name.starts_with("journalctl") {
            return Some(if names_a_daemon(name) || is_daemon_dir(parent) {
                K::DaemonLog
            } else {
                K::Journal
            });
        }
        match (parent, name) {
            ("kernel", n) if n.starts_with("dmesg") => return Some(K::Dmesg),
            ("kernel", n) if n.starts_with("sysctl") => return Some(K::Sysctl),
            ("kernel", n) if n.starts_with("uname") => return Some(K::Uname),
            ("memory", n) if n.starts_with("free") => return Some(K::Free),
            ("memory", n) if n.starts_with("slabtop") => return Some(K::Slabtop),
            ("general" | "host", "uptime") => return Some(K::Uptime),
            ("general" | "date", n) if n == "date" || n.starts_with("date_") => {
                return Some(K::Date)
            }
            ("date", n) if n.starts_with("timedatectl") => return Some(K::Timezone),
            ("host" | "general", n) if starts_with_word(n, "hostname") => return Some(K::Hostname),
            _ => {}
        }
    }
    None
}

/// Rules on the file name alone.
fn by_name(name: &str) -> Option<SourceKind> {
    use SourceKind as K;
    let stem = strip_neutral_extension(name);
    // Exact names first: they are the most certain.
    let exact = match stem {
        "manifest.json" => Some(K::Manifest),
        "config.json" | "oci-config.json" | "oci_config.json" | "ociconfig.json" => {
            Some(K::OciConfig)
        }
        "localtime" | "timezone" | "tz" => Some(K::Timezone),
        "kern.log" | "kernel.log" | "messages" | "syslog" | "daemon.log" | "kern" => {
            Some(K::Syslog)
        }
        "container.json" | "containers.json" => Some(K::ContainerInspect),
        _ => None,
    };
    if exact.is_some() {
        return exact;
    }
    // Names that start with a word naming the format: `free-mh.txt`, `dmesg_-T`, `uname-a.txt`.
    const PREFIXES: &[(&str, SourceKind)] = &[
        ("dmesg", SourceKind::Dmesg),
        ("free", SourceKind::Free),
        ("meminfo", SourceKind::Meminfo),
        ("buddyinfo", SourceKind::Buddyinfo),
        ("pagetypeinfo", SourceKind::Pagetypeinfo),
        ("extfrag_index", SourceKind::ExtfragIndex),
        ("extfrag-index", SourceKind::ExtfragIndex),
        ("extfragindex", SourceKind::ExtfragIndex),
        ("unusable_index", SourceKind::UnusableIndex),
        ("unusable-index", SourceKind::UnusableIndex),
        ("slabinfo", SourceKind::Slabinfo),
        ("slabtop", SourceKind::Slabtop),
        ("vmstat", SourceKind::Vmstat),
        ("proc-vmstat", SourceKind::Vmstat),
        ("proc_vmstat", SourceKind::Vmstat),
        ("zoneinfo", SourceKind::Zoneinfo),
        ("cgroups", SourceKind::Cgroups),
        ("proc-cgroups", SourceKind::Cgroups),
        ("proc_cgroups", SourceKind::Cgroups),
        ("proc-stat", SourceKind::ProcStat),
        ("proc_stat", SourceKind::ProcStat),
        ("procstat", SourceKind::ProcStat),
        ("proc-uptime", SourceKind::ProcUptime),
        ("proc_uptime", SourceKind::ProcUptime),
        ("uptime", SourceKind::Uptime),
        ("date", SourceKind::Date),
        ("uname", SourceKind::Uname),
        ("hostname", SourceKind::Hostname),
        ("sysctl", SourceKind::Sysctl),
        ("timedatectl", SourceKind::Timezone),
        ("timezone", SourceKind::Timezone),
        ("docker_events", SourceKind::DockerEvents),
        ("docker-events", SourceKind::DockerEvents),
        ("dockerevents", SourceKind::DockerEvents),
        ("podman_events", SourceKind::DockerEvents),
        ("podman-events", SourceKind::DockerEvents),
        ("events.json", SourceKind::DockerEvents),
        ("docker_inspect", SourceKind::ContainerInspect),
        ("docker-inspect", SourceKind::ContainerInspect),
        ("podman_inspect", SourceKind::ContainerInspect),
        ("podman-inspect", SourceKind::ContainerInspect),
        ("container_inspect", SourceKind::ContainerInspect),
        ("container-inspect", SourceKind::ContainerInspect),
        ("inspect", SourceKind::ContainerInspect),
        ("messages", SourceKind::Syslog),
        ("syslog", SourceKind::Syslog),
        ("kern.log", SourceKind::Syslog),
        ("dockerd", SourceKind::DaemonLog),
        ("docker.log", SourceKind::DaemonLog),
        ("docker-daemon", SourceKind::DaemonLog),
        ("docker_daemon", SourceKind::DaemonLog),
        ("containerd", SourceKind::DaemonLog),
        ("kubelet", SourceKind::DaemonLog),
        ("crio", SourceKind::DaemonLog),
        ("runc-version", SourceKind::RuntimeVersion),
        ("runc_version", SourceKind::RuntimeVersion),
        ("runc_--version", SourceKind::RuntimeVersion),
        ("containerd-version", SourceKind::RuntimeVersion),
        ("containerd_--version", SourceKind::RuntimeVersion),
        ("docker-version", SourceKind::RuntimeVersion),
        ("docker_version", SourceKind::RuntimeVersion),
        ("docker-info", SourceKind::RuntimeVersion),
        ("docker_info", SourceKind::RuntimeVersion),
        ("podman-version", SourceKind::RuntimeVersion),
        ("podman_version", SourceKind::RuntimeVersion),
        ("podman-info", SourceKind::RuntimeVersion),
        ("podman_info", SourceKind::RuntimeVersion),
        ("loadavg", SourceKind::Loadavg),
        ("docker-run", SourceKind::RuntimeError),
        ("docker_run", SourceKind::RuntimeError),
        ("docker-start", SourceKind::RuntimeError),
        ("docker_start", SourceKind::RuntimeError),
        ("runtime-error", SourceKind::RuntimeError),
        ("runtime_error", SourceKind::RuntimeError),
        ("runc-error", SourceKind::RuntimeError),
        ("oci-error", SourceKind::RuntimeError),
        ("docker-error", SourceKind::RuntimeError),
    ];
    for &(prefix, kind) in PREFIXES {
        if starts_with_word(name, prefix) {
            return Some(kind);
        }
    }
    if name.starts_with("journalctl") || starts_with_word(name, "journal") {
        return Some(if names_a_daemon(name) {
            SourceKind::DaemonLog
        } else {
            SourceKind::Journal
        });
    }
    // `inspect-output.json`, `web-inspect.json`: an inspect dump under any name.
    if name.ends_with(".json") && name.contains("inspect") {
        return Some(SourceKind::ContainerInspect);
    }
    None
}

/// Whether `name` is `word` itself or `word` followed by a separator (`free`, `free.txt`,
/// `free-mh.txt`, `free_-m`), so that `freeze.log` is not `free`.
fn starts_with_word(name: &str, word: &str) -> bool {
    match name.strip_prefix(word) {
        Some("") => true,
        Some(rest) => rest.starts_with(['.', '-', '_', ' ', '@', '+']),
        None => false,
    }
}

/// Whether a journalctl dump name points at a container daemon's unit.
fn names_a_daemon(name: &str) -> bool {
    ["docker", "containerd", "kubelet", "crio", "cri-o", "podman"]
        .iter()
        .any(|d| name.contains(d))
}

/// sosreport plugin folders whose journal dumps are daemon logs.
fn is_daemon_dir(dir: &str) -> bool {
    matches!(
        dir,
        "docker" | "containerd" | "kubernetes" | "crio" | "podman" | "docker_distribution"
    )
}

fn strip_compression(name: &str) -> &str {
    for suffix in COMPRESSION_SUFFIXES {
        if let Some(stripped) = name.strip_suffix(suffix) {
            if !stripped.is_empty() {
                return stripped;
            }
        }
    }
    name
}

fn strip_neutral_extension(name: &str) -> &str {
    for ext in NEUTRAL_EXTENSIONS {
        if let Some(stripped) = name.strip_suffix(ext) {
            if !stripped.is_empty() {
                return stripped;
            }
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use SourceKind as K;

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
