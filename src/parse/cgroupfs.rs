//! The files of a cgroup file system copied into a bundle (`sys/fs/cgroup/...`), cgroup v1 and
//! v2: limits and gauges (`memory.max`, `memory.current`, `pids.max`, v1
//! `memory.limit_in_bytes`, `memory.failcnt`), counters (`memory.events`, `memory.stat`,
//! `pids.events`, v1 `memory.oom_control`) and `memory.pressure`.
//!
//! A file is read as what its name says, and the cgroup it belongs to is taken from its place in
//! the bundle: `sys/fs/cgroup/<path>/memory.max` is cgroup v2, `sys/fs/cgroup/memory/<path>/...`
//! cgroup v1 under the memory controller (a v1 hierarchy is a controller's mount), and
//! `sys/fs/cgroup/unified/<path>` the v2 hierarchy of a hybrid host. Every file of one cgroup
//! is filed into one [`CgroupNode`]. A single number in such a file is not a date and a
//! `memory.stat` is not `/proc/vmstat`: only the path names these files, never their content.

use crate::facts::{CgroupFile, CgroupHierarchy, CgroupNode, CgroupValue, Facts, Warning};
use crate::parse::text::{clean, is_prompt_line, numbered_lines};
use crate::parse::{line, Outcome, Parsed};
use crate::sources::{Format, Parse, Paths, SourceKind};

/// How a cgroup file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Single,
    Counters,
    Pressure,
}

/// Every file read, and how. The path patterns of [`FORMAT`] list the same names.
const FILES: &[(&str, Shape)] = &[
    ("memory.max", Shape::Single),
    ("memory.high", Shape::Single),
    ("memory.low", Shape::Single),
    ("memory.min", Shape::Single),
    ("memory.current", Shape::Single),
    ("memory.peak", Shape::Single),
    ("memory.swap.max", Shape::Single),
    ("memory.swap.current", Shape::Single),
    ("memory.events", Shape::Counters),
    ("memory.events.local", Shape::Counters),
    ("memory.stat", Shape::Counters),
    ("memory.pressure", Shape::Pressure),
    ("pids.max", Shape::Single),
    ("pids.current", Shape::Single),
    ("pids.peak", Shape::Single),
    ("pids.events", Shape::Counters),
    ("memory.limit_in_bytes", Shape::Single),
    ("memory.usage_in_bytes", Shape::Single),
    ("memory.max_usage_in_bytes", Shape::Single),
    ("memory.failcnt", Shape::Single),
    ("memory.oom_control", Shape::Counters),
    ("memory.kmem.limit_in_bytes", Shape::Single),
    ("memory.kmem.usage_in_bytes", Shape::Single),
    ("memory.kmem.max_usage_in_bytes", Shape::Single),
    ("memory.kmem.failcnt", Shape::Single),
    ("memory.memsw.limit_in_bytes", Shape::Single),
    ("memory.memsw.failcnt", Shape::Single),
];

/// cgroup v1 controller mounts (`cpu,cpuacct` joins two): the first folder under
/// `sys/fs/cgroup` that makes a file cgroup v1.
const V1_CONTROLLERS: &[&str] = &[
    "memory",
    "pids",
    "cpu",
    "cpuacct",
    "cpuset",
    "blkio",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "perf_event",
    "hugetlb",
    "rdma",
    "misc",
    "systemd",
];

/// At or above this a v1 limit is "no limit": the page counter's maximum in bytes
/// (`9223372036854771712` with 4 KiB pages, less with larger pages).
const V1_UNLIMITED: u64 = 1 << 62;

/// Where a file sits: its hierarchy, its cgroup's path and its name. `None` outside
/// `sys/fs/cgroup`.
pub fn locate(path: &str) -> Option<(CgroupHierarchy, String, String)> {
    let comps: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let root = comps.windows(3).rposition(|w| {
        w.iter()
            .map(|c| c.to_lowercase())
            .eq(["sys", "fs", "cgroup"])
    })?;
    let below = comps.get(root + 3..)?;
    let (name, dirs) = below.split_last()?;
    let (hierarchy, dirs) = match dirs.split_first() {
        Some((first, rest)) if first.eq_ignore_ascii_case("unified") => (CgroupHierarchy::V2, rest),
        Some((first, rest)) if is_v1_mount(first) => (
            CgroupHierarchy::V1 {
                controller: first.to_string(),
            },
            rest,
        ),
        _ => (CgroupHierarchy::V2, dirs),
    };
    Some((hierarchy, format!("/{}", dirs.join("/")), name.to_string()))
}

/// `memory`, `cpu,cpuacct`, `name=systemd`.
fn is_v1_mount(dir: &str) -> bool {
    let dir = dir.strip_prefix("name=").unwrap_or(dir);
    dir.split(',')
        .all(|c| V1_CONTROLLERS.contains(&c.to_lowercase().as_str()))
}

/// Parse the file `name` of a cgroup; `None` for a file not read or without its content.
pub fn parse_file(name: &str, text: &str) -> Parsed<Option<CgroupValue>> {
    let lowered = name.to_lowercase();
    let Some(&(_, shape)) = FILES.iter().find(|(n, _)| *n == lowered) else {
        return Parsed::new(None, Vec::new());
    };
    match shape {
        Shape::Single => single(name, text),
        Shape::Counters => {
            let p = super::keyvalue::counter_rows(text, "cgroup counter", true);
            let value = (!p.value.entries.is_empty()).then_some(CgroupValue::Counters(p.value));
            Parsed::new(value, p.warnings)
        }
        Shape::Pressure => {
            let p = super::psi::parse_pressure(text, super::psi::resource_of(name));
            Parsed::new(p.value.map(CgroupValue::Pressure), p.warnings)
        }
    }
}

/// One number, or `max`.
fn single(name: &str, text: &str) -> Parsed<Option<CgroupValue>> {
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        let cleaned = clean(raw);
        if cleaned.is_empty() || is_prompt_line(raw) {
            continue;
        }
        let value = match cleaned.as_ref() {
            "max" => Some(None),
            n => n
                .parse::<u64>()
                .ok()
                .map(|v| (v < V1_UNLIMITED || !name.ends_with("_in_bytes")).then_some(v)),
        };
        match value {
            Some(value) => {
                let single = CgroupValue::Single {
                    value,
                    line: line(no, raw),
                };
                return Parsed::new(Some(single), warnings);
            }
            None => warnings.push(Warning::at(
                no,
                format!("{name} is neither a number nor `max`: {cleaned:?}"),
            )),
        }
    }
    Parsed::new(None, warnings)
}

/// Read one cgroup file and file it into its cgroup's node.
fn file_into(facts: &mut Facts, path: &str, bytes: &[u8]) -> Outcome {
    let Some((hierarchy, cgroup, name)) = locate(path) else {
        return Outcome::default();
    };
    let parsed = parse_file(&name, &String::from_utf8_lossy(bytes));
    let records = u64::from(parsed.value.is_some());
    if let Some(value) = parsed.value {
        facts.file_cgroup(CgroupNode {
            cgroup,
            hierarchy,
            files: vec![CgroupFile {
                path: path.to_string(),
                name,
                value,
            }],
        });
    }
    Outcome {
        records,
        warnings: parsed.warnings,
    }
}

/// The files of [`FILES`] anywhere under `sys/fs/cgroup`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::CgroupFile,
    paths: Paths {
        sosreport: PATTERNS,
        collector: PATTERNS,
        supportconfig: &[],
        plain: &[],
    },
    sniff: None,
    parse: Parse::Whole(file_into),
};

const PATTERNS: &[&str] = &[
    "sys/fs/cgroup/**/memory.max",
    "sys/fs/cgroup/**/memory.high",
    "sys/fs/cgroup/**/memory.low",
    "sys/fs/cgroup/**/memory.min",
    "sys/fs/cgroup/**/memory.current",
    "sys/fs/cgroup/**/memory.peak",
    "sys/fs/cgroup/**/memory.swap.max",
    "sys/fs/cgroup/**/memory.swap.current",
    "sys/fs/cgroup/**/memory.events",
    "sys/fs/cgroup/**/memory.events.local",
    "sys/fs/cgroup/**/memory.stat",
    "sys/fs/cgroup/**/memory.pressure",
    "sys/fs/cgroup/**/pids.max",
    "sys/fs/cgroup/**/pids.current",
    "sys/fs/cgroup/**/pids.peak",
    "sys/fs/cgroup/**/pids.events",
    "sys/fs/cgroup/**/memory.limit_in_bytes",
    "sys/fs/cgroup/**/memory.usage_in_bytes",
    "sys/fs/cgroup/**/memory.max_usage_in_bytes",
    "sys/fs/cgroup/**/memory.failcnt",
    "sys/fs/cgroup/**/memory.oom_control",
    "sys/fs/cgroup/**/memory.kmem.limit_in_bytes",
    "sys/fs/cgroup/**/memory.kmem.usage_in_bytes",
    "sys/fs/cgroup/**/memory.kmem.max_usage_in_bytes",
    "sys/fs/cgroup/**/memory.kmem.failcnt",
    "sys/fs/cgroup/**/memory.memsw.limit_in_bytes",
    "sys/fs/cgroup/**/memory.memsw.failcnt",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::KeyValues;

    /// A sample of `tests/data` without its header, and the path its `# source:` line names
    /// (the archive member's, or the repository file's).
    fn sample(rel: &str) -> (String, String) {
        let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let source = text.lines().next().unwrap_or_default();
        let member = match source.split_once("(member ") {
            Some((_, m)) => m.trim_end_matches(')'),
            None => source.split('@').next().unwrap_or_default(),
        }
        .to_string();
        let body = text
            .lines()
            .filter(|l| !l.starts_with("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        (member, body)
    }

    fn parsed(rel: &str) -> (CgroupHierarchy, String, CgroupValue) {
        let (member, body) = sample(rel);
        let (hierarchy, cgroup, name) =
            locate(&member).unwrap_or((CgroupHierarchy::V2, String::new(), String::new()));
        let p = parse_file(&name, &body);
        assert!(p.warnings.is_empty(), "{rel}: {:?}", p.warnings);
        let value = p
            .value
            .unwrap_or(CgroupValue::Counters(KeyValues::default()));
        (hierarchy, cgroup, value)
    }

    fn counter(v: &CgroupValue, key: &str) -> Option<i64> {
        match v {
            CgroupValue::Counters(kv) => kv.get(key).and_then(|r| r.value),
            _ => None,
        }
    }

    fn single(v: &CgroupValue) -> Option<Option<u64>> {
        match v {
            CgroupValue::Single { value, .. } => Some(*value),
            _ => None,
        }
    }

    #[test]
    fn real_v2_memory_events_of_a_docker_scope() {
        let (h, cgroup, v) =
            parsed("cgroup_memory_events/elastic-v2-5x-docker-scope-no-oom-group-kill.txt");
        assert_eq!(h, CgroupHierarchy::V2);
        assert_eq!(
            cgroup,
            "/system.slice/docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope"
        );
        assert_eq!(counter(&v, "high"), Some(3));
        assert_eq!(counter(&v, "oom_kill"), Some(1));
        assert_eq!(counter(&v, "oom_group_kill"), None);
        let (_, _, v) = parsed("cgroup_memory_events/elastic-v2-6x-with-oom-group-kill.txt");
        assert_eq!(counter(&v, "oom_group_kill"), Some(0));
    }

    #[test]
    fn real_v1_kubepods_container_files() {
        let (h, cgroup, v) =
            parsed("cgroup_memory_oom_control/elastic-v1-eks-amzn2-kubepods-container.txt");
        assert_eq!(
            h,
            CgroupHierarchy::V1 {
                controller: "memory".into()
            }
        );
        assert!(cgroup.starts_with("/kubepods.slice/kubepods-burstable.slice/"));
        assert!(cgroup.ends_with(".scope"));
        assert_eq!(counter(&v, "oom_kill"), Some(0));
        let (_, _, v) = parsed("cgroup_memory_stat/elastic-v1-eks-amzn2-kubepods-container.txt");
        assert_eq!(
            counter(&v, "hierarchical_memory_limit"),
            Some(2_147_483_648)
        );
        let (h, _, v) = parsed("cgroup_pids_events/elastic-v1-eks-kubepods-container.txt");
        assert_eq!(
            h,
            CgroupHierarchy::V1 {
                controller: "pids".into()
            }
        );
        assert_eq!(counter(&v, "max"), Some(0));
        let (_, _, v) = parsed("cgroup_single_value/elastic-v1-memory.limit_in_bytes-2Gi.txt");
        assert_eq!(single(&v), Some(Some(2_147_483_648)));
        let (_, _, v) = parsed("cgroup_single_value/elastic-v1-memory.failcnt-zero.txt");
        assert_eq!(single(&v), Some(Some(0)));
    }

    #[test]
    fn no_limit_reads_as_none() {
        let (_, _, v) = parsed("cgroup_single_value/elastic-v2-memory.max-unlimited.txt");
        assert_eq!(single(&v), Some(None));
        let (_, _, v) = parsed("cgroup_single_value/elastic-v2-pids.max-unlimited.txt");
        assert_eq!(single(&v), Some(None));
        let (_, body) =
            sample("cgroup_single_value/hotsos-v1-root-memory.limit_in_bytes-unlimited.txt");
        let p = parse_file("memory.limit_in_bytes", &body);
        assert_eq!(p.value.as_ref().and_then(single), Some(None));
        let (_, _, v) = parsed("cgroup_single_value/elastic-v2-pids.peak.txt");
        assert_eq!(single(&v), Some(Some(256)));
    }

    #[test]
    fn real_memory_stat_and_pressure() {
        let (_, cgroup, v) = parsed("cgroup_memory_stat/elastic-v2-6x-session-scope.txt");
        assert_eq!(cgroup, "/user.slice/user-1000.slice/session-520.scope");
        assert_eq!(counter(&v, "anon"), Some(1_411_100_672));
        assert_eq!(counter(&v, "pgscan_direct"), Some(1_430_987));
        let (_, body) = sample("psi/elastic-cgroup-v2-memory-pressure-6x.txt");
        match parse_file("memory.pressure", &body).value {
            Some(CgroupValue::Pressure(p)) => {
                assert_eq!(p.resource.as_deref(), Some("memory"));
                assert_eq!(p.full.map(|l| l.total_us), Some(1_677_369));
            }
            other => panic!("{other:?}"),
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(path in "[a-z./,=_-]{0,60}", text in "\\PC{0,200}") {
            let _ = locate(&path);
            for (name, _) in FILES {
                let _ = parse_file(name, &text);
            }
            let _ = crate::parse::psi::parse_pressure(&text, None);
            let _ = crate::parse::sockstat::parse_sockstat(&text);
            let _ = crate::parse::host::parse_task_limit(&text, crate::facts::TaskLimitKind::PidMax);
        }
    }

    #[test]
    fn locations() {
        let at = locate;
        assert_eq!(
            at("sos/sys/fs/cgroup/memory.stat"),
            Some((CgroupHierarchy::V2, "/".into(), "memory.stat".into()))
        );
        assert_eq!(
            at("sys/fs/cgroup/unified/system.slice/memory.events"),
            Some((
                CgroupHierarchy::V2,
                "/system.slice".into(),
                "memory.events".into()
            ))
        );
        assert_eq!(
            at("sys/fs/cgroup/cpu,cpuacct/docker/abc/pids.max").map(|t| t.0),
            Some(CgroupHierarchy::V1 {
                controller: "cpu,cpuacct".into()
            })
        );
        assert_eq!(
            at("sys/fs/cgroup/memory/memory.oom_control").map(|t| t.1),
            Some("/".into())
        );
        assert!(at("proc/meminfo").is_none());
    }

    #[test]
    fn bad_values_are_warnings() {
        let p = parse_file("memory.max", "lots\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings[0].line, Some(1));
        let p = parse_file("memory.events", "low 1\nhigh x\nwhat is this\n");
        assert_eq!(p.warnings.len(), 2);
        assert!(parse_file("cgroup.procs", "1\n").value.is_none());
    }

    #[test]
    fn files_of_one_cgroup_become_one_node() {
        let mut facts = Facts::default();
        let dir = "sos/sys/fs/cgroup/kubepods.slice/kubepods-pod1.slice";
        file_into(&mut facts, &format!("{dir}/memory.max"), b"268435456\n");
        file_into(&mut facts, &format!("{dir}/memory.current"), b"268365824\n");
        file_into(&mut facts, &format!("{dir}/pids.max"), b"max\n");
        file_into(&mut facts, "sos/sys/fs/cgroup/memory.stat", b"anon 1\n");
        assert_eq!(facts.cgroup_nodes.len(), 2);
        let node = &facts.cgroup_nodes[0];
        assert_eq!(node.cgroup, "/kubepods.slice/kubepods-pod1.slice");
        assert_eq!(node.files.len(), 3);
        assert_eq!(
            node.single("memory.max").map(|s| s.1),
            Some(Some(268_435_456))
        );
    }
}
