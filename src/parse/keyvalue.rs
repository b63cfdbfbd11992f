//! `key value` tables: `/proc/meminfo`, `/proc/vmstat`, sysctl output.
//!
//! - meminfo: `MemTotal:  8009912 kB`. Values are kept in kB as printed; lines without a unit
//!   (`HugePages_Total:  0`) keep their number as is.
//! - vmstat: `compact_stall 12`, one counter per line.
//! - sysctl: `vm.min_free_kbytes = 67584` (`sysctl -a`, `sysctl vm`); also `key=value` as in
//!   `sysctl.conf`. Values may be lists (`4096 87380 6291456`) or words: `raw` keeps them and
//!   `value` is set only for a single integer.
//!
//! A line is a row when its shape says so (meminfo: first token a `Name:` key; vmstat: exactly a
//! name and one more token; sysctl: a dotted or slashed name before `=`). A row whose number cannot
//! be read is a warning. Other lines (prompts, prose, comments) are ignored.

use crate::facts::{KeyValue, KeyValues, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Parse `/proc/meminfo`.
pub fn parse_meminfo(text: &str) -> Parsed<KeyValues> {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        let Some((key, rest)) = cleaned.split_once(':') else {
            continue;
        };
        if !is_meminfo_key(key) {
            continue;
        }
        let tokens: Vec<&str> = fields(rest).collect();
        let value = match tokens.as_slice() {
            [n] | [n, "kB"] => n.parse::<i64>().ok(),
            _ => None,
        };
        if value.is_none() {
            warnings.push(Warning::at(
                no,
                format!(
                    "meminfo value of {key} is not a number in kB: {:?}",
                    rest.trim()
                ),
            ));
            continue;
        }
        entries.push(KeyValue {
            key: key.to_string(),
            value,
            raw: rest.trim().to_string(),
            line: line(no, raw),
        });
    }
    Parsed::new(KeyValues { entries }, warnings)
}

/// meminfo keys are single words of letters, digits, `_` and parentheses (`Active(anon)`).
fn is_meminfo_key(key: &str) -> bool {
    !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '(' | ')'))
}

/// Parse `/proc/vmstat`.
pub fn parse_vmstat(text: &str) -> Parsed<KeyValues> {
    counter_rows(text, "vmstat counter", false)
}

/// `name value` rows of counters, as `/proc/vmstat` and the cgroup files (`memory.events`,
/// `memory.stat`) print them; `what` names them in warnings. A row whose value is no number is
/// a warning; another line is one too when `strict`, and is skipped otherwise.
pub(crate) fn counter_rows(text: &str, what: &str, strict: bool) -> Parsed<KeyValues> {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        let tokens: Vec<&str> = fields(&cleaned).collect();
        let (key, value) = match tokens.as_slice() {
            [key, value] if is_counter_name(key) => (key, value),
            [] => continue,
            _ => {
                if strict {
                    warnings.push(Warning::at(no, format!("{what} line is not `name value`")));
                }
                continue;
            }
        };
        match value.parse::<i64>() {
            Ok(n) => entries.push(KeyValue {
                key: key.to_string(),
                value: Some(n),
                raw: value.to_string(),
                line: line(no, raw),
            }),
            Err(_) => warnings.push(Warning::at(
                no,
                format!("{what} {key} is not a number: {value:?}"),
            )),
        }
    }
    Parsed::new(KeyValues { entries }, warnings)
}

/// vmstat counter names: lower-case words joined by `_` (`nr_free_pages`, `compact_stall`).
fn is_counter_name(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parse sysctl output (`key = value`).
pub fn parse_sysctl(text: &str) -> Parsed<KeyValues> {
    let mut entries = Vec::new();
    let warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        if cleaned.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = cleaned.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !is_sysctl_key(key) {
            continue;
        }
        // Multi-value settings print their values separated by tabs; keep them with single
        // spaces so a reader can compare them.
        let raw_value = fields(value).collect::<Vec<_>>().join(" ");
        let number = raw_value.parse::<i64>().ok();
        entries.push(KeyValue {
            key: key.to_string(),
            value: number,
            raw: raw_value,
            line: line(no, raw),
        });
    }
    Parsed::new(KeyValues { entries }, warnings)
}

/// sysctl names are path-like (`vm.min_free_kbytes`, `net/ipv4/ip_forward`,
/// `net.ipv4.conf.eth0.rp_filter`, `kernel.sched_domain.cpu0.domain0.flags`) with no spaces.
fn is_sysctl_key(key: &str) -> bool {
    (key.contains('.') || key.contains('/'))
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | ':' | '@'))
}

/// `/proc/meminfo`.
pub(crate) const MEMINFO: Format = Format {
    kind: SourceKind::Meminfo,
    paths: Paths {
        sosreport: &["proc/meminfo"],
        collector: &["proc/meminfo"],
        supportconfig: &["/proc/meminfo"],
        plain: &["meminfo*"],
    },
    sniff: Some(sniff_meminfo),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse_meminfo(&String::from_utf8_lossy(bytes));
        super::file_kv(&mut facts.meminfo, path, p)
    }),
};

/// `/proc/vmstat`.
pub(crate) const VMSTAT: Format = Format {
    kind: SourceKind::Vmstat,
    paths: Paths {
        sosreport: &["proc/vmstat"],
        collector: &["proc/vmstat"],
        supportconfig: &["/proc/vmstat"],
        plain: &["vmstat*", "proc-vmstat*", "proc_vmstat*"],
    },
    sniff: Some(sniff_vmstat),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse_vmstat(&String::from_utf8_lossy(bytes));
        super::file_kv(&mut facts.vmstat, path, p)
    }),
};

/// `sysctl -a` and sysctl configuration files.
pub(crate) const SYSCTL: Format = Format {
    kind: SourceKind::Sysctl,
    paths: Paths {
        sosreport: &[
            "sos_commands/kernel/sysctl*",
            "etc/sysctl.conf",
            "sysctl.d/*.conf",
        ],
        collector: &["sysctl.txt"],
        supportconfig: &["sysctl*", "/etc/sysctl.conf"],
        plain: &["sysctl*"],
    },
    sniff: Some(sniff_sysctl),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse_sysctl(&String::from_utf8_lossy(bytes));
        super::file_kv(&mut facts.sysctl, path, p)
    }),
};

fn sniff_meminfo(head: &Head<'_>) -> Option<Strength> {
    let has = |key: &str| head.lines().any(|l| l.starts_with(key));
    if has("MemTotal:") || (has("MemFree:") && (has("Buffers:") || has("Cached:"))) {
        return Some(Strength::Strong);
    }
    has("MemFree:").then_some(Strength::Plausible)
}

sniff_regex!(KEY_NUMBER, r"^[a-z][a-z0-9_]*\s+-?[0-9]+$");

/// `/proc/vmstat` keys, and only its: cgroup `memory.stat`, `cpu.stat` and `cgroup.stat` print
/// `key value` lines too, with keys of their own, and some of the same (`pgfault`).
fn sniff_vmstat(head: &Head<'_>) -> Option<Strength> {
    let mut keys = 0usize;
    let mut vmstat_keys = 0usize;
    for line in head.lines().filter(|l| KEY_NUMBER.is_match(l)) {
        let key = line.split_ascii_whitespace().next().unwrap_or("");
        if is_cgroup_stat_key(key) {
            return None;
        }
        keys += 1;
        if key == "nr_free_pages" {
            return Some(Strength::Strong);
        }
        if is_vmstat_key(key) {
            vmstat_keys += 1;
        }
    }
    if vmstat_keys == 0 {
        return None;
    }
    Some(if keys * 5 >= head.line_count() * 3 {
        Strength::Strong
    } else {
        Strength::Plausible
    })
}

fn is_vmstat_key(key: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "nr_free_",
        "nr_inactive_",
        "nr_active_",
        "nr_unevictable",
        "nr_slab_",
        "nr_anon_",
        "nr_mapped",
        "nr_file_",
        "nr_dirty",
        "nr_writeback",
        "nr_page_table_pages",
        "nr_kernel_stack",
        "nr_bounce",
        "nr_zone_",
        "nr_mlock",
        "nr_shmem",
        "nr_isolated_",
        "nr_vmscan_",
        "nr_dirtied",
        "nr_written",
        "pgpg",
        "pswp",
        "pgalloc_",
        "pgfree",
        "pgactivate",
        "pgdeactivate",
        "pgfault",
        "pgmajfault",
        "pgrefill",
        "pgsteal",
        "pgscan",
        "pginodesteal",
        "pgrotated",
        "pgmigrate_",
        "compact_",
        "numa_",
        "thp_",
        "workingset_",
        "allocstall",
        "kswapd_",
        "slabs_scanned",
        "unevictable_",
        "drop_",
        "balloon_",
        "htlb_",
        "zone_reclaim",
        "swap_ra",
    ];
    key == "oom_kill" || PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Keys of the cgroup statistics files, which `/proc/vmstat` never prints.
fn is_cgroup_stat_key(key: &str) -> bool {
    const KEYS: &[&str] = &[
        // memory.stat, v1 and v2.
        "cache",
        "rss",
        "rss_huge",
        "mapped_file",
        "hierarchical_memory_limit",
        "hierarchical_memsw_limit",
        "anon",
        "file",
        "kernel",
        "kernel_stack",
        "sock",
        "shmem",
        "file_mapped",
        "file_dirty",
        "active_anon",
        "inactive_anon",
        "active_file",
        "inactive_file",
        "unevictable",
        "slab",
        // memory.oom_control and memory.events.
        "oom_kill_disable",
        "under_oom",
        "oom_group_kill",
        "low",
        "high",
        "max",
        "oom",
        // cpu.stat.
        "usage_usec",
        "user_usec",
        "system_usec",
        "nr_periods",
        "nr_throttled",
        "throttled_time",
        "throttled_usec",
        "nr_bursts",
        "burst_usec",
        // cgroup.stat.
        "nr_descendants",
        "nr_dying_descendants",
    ];
    KEYS.contains(&key) || key.starts_with("total_") || key.starts_with("nr_subsys_")
}

sniff_regex!(
    SYSCTL_LINE,
    // The kernel's sysctl tree has these roots: a Java `.properties` file has dotted keys too.
    r"^(?:abi|crypto|debug|dev|fs|kernel|net|sunrpc|user|vm)(?:\.[A-Za-z0-9_\-*/]+)+\s*=\s*"
);

fn sniff_sysctl(head: &Head<'_>) -> Option<Strength> {
    let settings = || {
        head.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(';') && !l.starts_with("sysctl:"))
    };
    let total = settings().count();
    let sysctl_lines = settings().filter(|l| SYSCTL_LINE.is_match(l)).count();
    if sysctl_lines >= 1 && sysctl_lines * 5 >= total * 3 {
        return Some(Strength::Strong);
    }
    // A configuration file of comments only is a sysctl file that sets nothing.
    (sysctl_lines >= 1 || (total == 0 && head.line_count() > 0)).then_some(Strength::Plausible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    #[test]
    fn rhel7_meminfo() {
        let p = parse_meminfo(&test_data("meminfo/insights-rhel7.1.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let m = &p.value;
        assert_eq!(m.entries.len(), 43);
        assert_eq!(m.value("MemTotal"), Some(8009912));
        assert_eq!(m.value("MemAvailable"), Some(6820236));
        assert_eq!(m.value("SReclaimable"), Some(1945228));
        assert_eq!(m.value("Active(file)"), Some(2529904));
        assert_eq!(m.value("VmallocTotal"), Some(34359738367));
        assert_eq!(m.value("HugePages_Total"), Some(0));
        assert_eq!(m.get("HugePages_Total").map(|e| e.raw.as_str()), Some("0"));
        assert_eq!(
            m.get("MemTotal").map(|e| e.raw.as_str()),
            Some("8009912 kB")
        );
        assert_eq!(m.get("MemTotal").map(|e| e.line.no), Some(1));
    }

    #[test]
    fn kernel_doc_6x_and_fixture() {
        let p = parse_meminfo(&test_data("meminfo/kernel-doc-6x-full.txt"));
        assert!(p.warnings.is_empty());
        assert_eq!(p.value.value("Zswap"), Some(1904));
        assert_eq!(p.value.value("DirectMap1G"), Some(24117248));
        assert_eq!(p.value.value("Hugepagesize"), Some(2048));
        let p = parse_meminfo(&test_data(
            "meminfo/procfs-fixture-zswap-no-memavailable.txt",
        ));
        assert_eq!(p.value.value("MemAvailable"), None);
        assert_eq!(p.value.value("MemFree"), Some(440324));
    }

    #[test]
    fn meminfo_broken_rows_and_prose() {
        let text =
            "$ cat /proc/meminfo\nMemTotal: 100 kB\nMemFree: lots\r\nNote: this host was busy\n\
                    The value above: see ticket\nCached: 12 MB\n";
        let p = parse_meminfo(text);
        assert_eq!(p.value.entries.len(), 1);
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        // `Note: this host was busy` has the shape of a row, so it is reported too.
        assert_eq!(lines, vec![Some(3), Some(4), Some(6)]);
    }

    #[test]
    fn vmstat_counters() {
        let text =
            "nr_free_pages 23808\ncompact_stall 12\ncompact_fail 3\nnr_bad xyz\nsome prose here\n";
        let p = parse_vmstat(text);
        assert_eq!(p.value.value("nr_free_pages"), Some(23808));
        assert_eq!(p.value.value("compact_fail"), Some(3));
        assert_eq!(p.value.entries.len(), 3);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(4));
    }

    #[test]
    fn vmstat_sample() {
        let p = parse_vmstat(&test_data("vmstat/linux-6x-compact.txt"));
        assert!(p.warnings.is_empty());
        assert_eq!(p.value.entries.len(), 11);
        assert_eq!(p.value.value("nr_free_pages"), Some(817833));
        assert_eq!(p.value.value("compact_stall"), Some(0));
        assert_eq!(p.value.get("compact_fail").map(|e| e.line.no), Some(7));
    }

    #[test]
    fn sysctl_output() {
        let text = "[root@beta_004 ~]# sysctl -a | grep vm\nvm.extfrag_threshold = 500\n\
                    net.ipv4.tcp_rmem = 4096\t87380\t6291456\nkernel.core_pattern = |/usr/lib/systemd/systemd-coredump %P\n\
                    vm.min_free_kbytes=67584\n# vm.swappiness = 10\nkernel.domainname = \nsysctl: permission denied on key 'fs.protected_regular'\n";
        let p = parse_sysctl(text);
        let s = &p.value;
        assert_eq!(s.value("vm.extfrag_threshold"), Some(500));
        assert_eq!(s.get("vm.extfrag_threshold").map(|e| e.line.no), Some(2));
        assert_eq!(s.value("net.ipv4.tcp_rmem"), None);
        assert_eq!(
            s.get("net.ipv4.tcp_rmem").map(|e| e.raw.as_str()),
            Some("4096 87380 6291456")
        );
        assert_eq!(s.value("vm.min_free_kbytes"), Some(67584));
        assert!(s.get("vm.swappiness").is_none());
        assert_eq!(s.get("kernel.domainname").map(|e| e.raw.as_str()), Some(""));
        assert_eq!(s.entries.len(), 5);
    }

    /// Dotted keys and `=` that are no kernel setting (a Java `.properties` file that a
    /// sosreport copies from `/etc`), and a cgroup's `memory.events`, whose `oom_kill` is a
    /// vmstat key too, are neither sysctl nor vmstat.
    #[test]
    fn lookalikes_are_not_sysctl_nor_vmstat() {
        use crate::sources::{detect, SourceKind};
        let properties = test_data("not_sysctl/openjdk-17-logging.properties.txt");
        assert_ne!(
            detect("logging.properties", properties.as_bytes()).0,
            SourceKind::Sysctl
        );
        let events =
            test_data("cgroup_memory_events/elastic-v2-5x-docker-scope-no-oom-group-kill.txt");
        assert_ne!(
            detect("events.txt", events.as_bytes()).0,
            SourceKind::Vmstat
        );
        // What sysctl prints is still sysctl.
        let sysctl =
            "kernel.pid_max = 4194304\nvm.min_free_kbytes = 67584\nnet.core.somaxconn = 4096\n";
        assert_eq!(
            detect("settings.txt", sysctl.as_bytes()).0,
            SourceKind::Sysctl
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_meminfo(&s);
            let _ = parse_vmstat(&s);
            let _ = parse_sysctl(&s);
        }

        #[test]
        fn generated_meminfo_parses_back(
            rows in prop::collection::vec(("[A-Z][A-Za-z_]{0,12}(\\((anon|file)\\))?", 0i64..=i64::MAX, any::<bool>()), 1..40)
        ) {
            let mut text = String::new();
            for (key, value, kb) in &rows {
                let label = format!("{key}:");
                if *kb {
                    text.push_str(&format!("{label:<16}{value:>8} kB\n"));
                } else {
                    text.push_str(&format!("{label:<16}{value:>8}\n"));
                }
            }
            let p = parse_meminfo(&text);
            prop_assert!(p.warnings.is_empty());
            prop_assert_eq!(p.value.entries.len(), rows.len());
            for (e, (key, value, _)) in p.value.entries.iter().zip(&rows) {
                prop_assert_eq!(&e.key, key);
                prop_assert_eq!(e.value, Some(*value));
            }
        }
    }
}
