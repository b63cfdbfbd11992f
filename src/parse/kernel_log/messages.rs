//! Signatures of the kernel messages that matter, recognised with one compiled set so that an
//! ordinary line costs one scan, and the single-line messages parsed into [`KernelMessageKind`].

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::alloc_failure::parse_gfp;
use crate::facts::KernelMessageKind;

/// What a kernel message body is, by signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    AllocFailure,
    OomHeader,
    CacheCreate,
    Slub,
    MemInfo,
    OomKill,
    OomSummary,
    TaskTable,
    /// The memory cgroup summary of a cgroup OOM (`Task in ... killed as a result of limit of
    /// ...`, `memory: usage ..., limit ..., failcnt N`), where an excerpt may start.
    OomMemcg,
    Boot,
    ConntrackFull,
    Unregister,
    HungTask,
    SoftLockup,
    RcuStall,
    Vmalloc,
    AllocStall,
    OomReaper,
    Oops,
    RateLimited,
    BridgePort,
    NfConnCache,
    PidsForkRejected,
    TcpOutOfMemory,
    TcpOrphans,
    XfsDeadlock,
}

const SIGNATURES: &[(Signature, &str)] = &[
    (Signature::AllocFailure, r"page allocation failure[:.]"),
    (Signature::OomHeader, r" invoked oom-killer:"),
    (
        Signature::CacheCreate,
        r"kmem_cache_create\(.*\) failed with error",
    ),
    (Signature::Slub, r"SLUB: Unable to allocate memory on node"),
    (Signature::MemInfo, r"^\s*Mem-Info:"),
    (Signature::OomKill, r"(?:Kill|Killed) process [0-9]+[ ,]"),
    (Signature::OomSummary, r"^\s*oom-kill:"),
    (Signature::TaskTable, r"uid\s+tgid\s+total_vm"),
    (
        Signature::OomMemcg,
        r"^\s*(?:Task in \S.* killed as a result of limit of \S|memory: usage [0-9]+kB, limit [0-9]+kB, failcnt [0-9]+)",
    ),
    (Signature::Boot, r"^\s*Linux version [0-9]"),
    (Signature::ConntrackFull, r"nf_conntrack: table full"),
    (Signature::Unregister, r"unregister_netdevice: waiting for "),
    (Signature::HungTask, r"INFO: task .*blocked for more than"),
    // Before `Oops`: 3.10 prints a soft lockup as `BUG: soft lockup - ...`.
    (Signature::SoftLockup, r"BUG: soft lockup - CPU#"),
    (
        Signature::RcuStall,
        r"INFO: rcu_[a-z]+ (?:self-)?detected stalls? on ",
    ),
    (Signature::Vmalloc, r"vmalloc: allocation failure"),
    (Signature::AllocStall, r"page allocation stalls? for"),
    (Signature::OomReaper, r"oom_reaper: reaped process"),
    (
        Signature::Oops,
        r"^\s*(?:BUG: |Kernel panic|general protection fault)|\bOops\b",
    ),
    (
        Signature::RateLimited,
        r"net_ratelimit: [0-9]+ callbacks suppressed",
    ),
    (
        Signature::BridgePort,
        r": port [0-9]+\([^)]*\) entered [0-9A-Za-z_]+ state",
    ),
    (
        Signature::NfConnCache,
        r"Unable to create nf_conn slab cache",
    ),
    (
        Signature::PidsForkRejected,
        r"cgroup: fork rejected by pids controller in ",
    ),
    (
        Signature::TcpOutOfMemory,
        r"TCP: out of memory -- consider tuning tcp_mem",
    ),
    (Signature::TcpOrphans, r"TCP: too many orphaned sockets"),
    (
        Signature::XfsDeadlock,
        r"XFS: .*possible memory allocation deadlock",
    ),
];

static SET: LazyLock<Option<RegexSet>> =
    LazyLock::new(|| RegexSet::new(SIGNATURES.iter().map(|(_, p)| *p)).ok());

/// The signatures a body matches, in table order; `None` for an ordinary line (the common case,
/// which allocates nothing).
pub fn signatures(body: &str) -> Option<Vec<Signature>> {
    let set = SET.as_ref()?;
    if !set.is_match(body) {
        return None;
    }
    let hits: Vec<Signature> = set
        .matches(body)
        .iter()
        .filter_map(|i| SIGNATURES.get(i).map(|(s, _)| *s))
        .collect();
    (!hits.is_empty()).then_some(hits)
}

fn num<T: std::str::FromStr>(c: &regex::Captures<'_>, i: usize) -> Option<T> {
    c.get(i).and_then(|m| m.as_str().parse().ok())
}

fn re(p: &str) -> Option<Regex> {
    Regex::new(p).ok()
}

static UNREGISTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"unregister_netdevice: waiting for (\S+) to become free\.?(?: Usage count = (-?[0-9]+))?")
});
static HUNG: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"INFO: task (.+):([0-9]+) blocked for more than ([0-9]+) seconds"));
static SOFT_LOCKUP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"BUG: soft lockup - CPU#([0-9]+) stuck for ([0-9]+)s!(?: \[(.+):([0-9]+)\])?")
});
static RCU_STALL: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"INFO: (rcu_[a-z]+) (?:self-)?detected stalls? on "));
static VMALLOC: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"vmalloc: allocation failure(?:, allocated ([0-9]+) of ([0-9]+) bytes)?"));
static STALL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"^\s*(?:(.+?): )?page allocation stalls? for ([0-9]+) ?ms(?:, order:? ?([0-9]+))?(?:, mode:? ?(0x[0-9a-fA-F]+(?:\([^)]*\))?))?",
    )
});
static PIDS_REJECTED: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"cgroup: fork rejected by pids controller in (\S+)"));
static XFS_DEADLOCK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"XFS: (?:(.+)\(([0-9]+)\) )?possible memory allocation deadlock(?: size ([0-9]+))? in (\S+)(?: \(mode:? ?(0x[0-9a-fA-F]+)\))?",
    )
});
static REAPER: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"oom_reaper: reaped process ([0-9]+) \((.*?)\)(?:,|$)"));
static RATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"net_ratelimit: ([0-9]+) callbacks suppressed"));
static BRIDGE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*(\S+): port [0-9]+\(([^)]*)\) entered ([0-9A-Za-z_]+) state"));

/// The bridge, port and state of a bridge port message such as
/// `docker0: port 2(veth1) entered forwarding state`.
///
/// A container host logs these by the million, so an ASCII message is read by hand, exactly as
/// [`BRIDGE`] would read it (`tests::bridge_port_reads_as_the_regex` compares them); the regex,
/// whose `\s` is the Unicode class, reads the others.
fn bridge_port(body: &str) -> Option<(&str, &str, &str)> {
    if !body.is_ascii() {
        let c = BRIDGE.as_ref()?.captures(body)?;
        return Some((c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str()));
    }
    // `\s` of an ASCII text: `\v` included, unlike `u8::is_ascii_whitespace`.
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let t = body.trim_start_matches(|c: char| space(c as u8));
    // `(\S+):` then a space: the first word, ending in a colon.
    let word_end = t.bytes().position(space).unwrap_or(t.len());
    let bridge = t[..word_end].strip_suffix(':').filter(|b| !b.is_empty())?;
    let rest = t[word_end..].strip_prefix(" port ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let rest = rest[digits..].strip_prefix('(').filter(|_| digits > 0)?;
    let (port, rest) = rest.split_once(')')?;
    let rest = rest.strip_prefix(" entered ")?;
    let state_len = rest.bytes().take_while(|&b| word(b)).count();
    rest[state_len..]
        .strip_prefix(" state")
        .filter(|_| state_len > 0)?;
    Some((bridge, port, &rest[..state_len]))
}

/// Whether `body` is a bridge port message [`single_line`] would read; for logs past the
/// routine cap, where such messages are counted, not kept.
pub fn is_bridge_port(body: &str) -> bool {
    bridge_port(body).is_some()
}

/// Parse a single-line message of the given signature.
pub fn single_line(sig: Signature, body: &str) -> Option<KernelMessageKind> {
    let caps = |r: &LazyLock<Option<Regex>>| r.as_ref().and_then(|r| r.captures(body));
    Some(match sig {
        Signature::Boot => {
            let rest = body.trim_start().strip_prefix("Linux version ")?;
            let release = rest.split_ascii_whitespace().next()?;
            KernelMessageKind::Boot {
                release: release.to_string(),
            }
        }
        Signature::ConntrackFull => KernelMessageKind::ConntrackTableFull,
        Signature::Unregister => {
            let c = caps(&UNREGISTER)?;
            KernelMessageKind::UnregisterNetdevice {
                device: c.get(1)?.as_str().to_string(),
                usage_count: num(&c, 2),
            }
        }
        Signature::HungTask => {
            let c = caps(&HUNG)?;
            KernelMessageKind::HungTask {
                task: c.get(1)?.as_str().to_string(),
                pid: num(&c, 2),
                seconds: num(&c, 3),
            }
        }
        Signature::SoftLockup => {
            let c = caps(&SOFT_LOCKUP)?;
            KernelMessageKind::SoftLockup {
                cpu: num(&c, 1),
                seconds: num(&c, 2),
                task: c.get(3).map(|m| m.as_str().to_string()),
                pid: num(&c, 4),
            }
        }
        Signature::RcuStall => {
            let c = caps(&RCU_STALL)?;
            KernelMessageKind::RcuStall {
                flavour: c.get(1)?.as_str().to_string(),
            }
        }
        Signature::Vmalloc => {
            let c = caps(&VMALLOC)?;
            KernelMessageKind::VmallocFailure {
                allocated: num(&c, 1),
                requested: num(&c, 2),
            }
        }
        Signature::AllocStall => {
            let c = caps(&STALL)?;
            KernelMessageKind::AllocStall {
                task: c.get(1).map(|m| m.as_str().to_string()),
                millis: num(&c, 2),
                order: num(&c, 3),
                mode: c.get(4).and_then(|m| parse_gfp(m.as_str())),
            }
        }
        Signature::OomReaper => {
            let c = caps(&REAPER)?;
            KernelMessageKind::OomReaper {
                pid: num(&c, 1),
                comm: c.get(2).map(|m| m.as_str().to_string()),
            }
        }
        Signature::Oops => KernelMessageKind::Oops,
        Signature::RateLimited => {
            let c = caps(&RATE)?;
            KernelMessageKind::RateLimited {
                suppressed: num(&c, 1),
            }
        }
        Signature::BridgePort => {
            let (bridge, port, state) = bridge_port(body)?;
            KernelMessageKind::BridgePort {
                bridge: bridge.to_string(),
                port: port.to_string(),
                state: state.to_string(),
            }
        }
        Signature::NfConnCache => KernelMessageKind::NfConnCacheFailure,
        Signature::PidsForkRejected => {
            let c = caps(&PIDS_REJECTED)?;
            KernelMessageKind::PidsForkRejected {
                cgroup: c.get(1)?.as_str().to_string(),
            }
        }
        Signature::TcpOutOfMemory => KernelMessageKind::TcpOutOfMemory,
        Signature::TcpOrphans => KernelMessageKind::TcpTooManyOrphans,
        Signature::XfsDeadlock => {
            let c = caps(&XFS_DEADLOCK)?;
            KernelMessageKind::XfsAllocDeadlock {
                task: c.get(1).map(|m| m.as_str().to_string()),
                pid: num(&c, 2),
                size: num(&c, 3),
                function: c.get(4).map(|m| m.as_str().to_string()),
                mode: c.get(5).and_then(|m| parse_gfp(m.as_str())),
            }
        }
        Signature::AllocFailure
        | Signature::OomHeader
        | Signature::CacheCreate
        | Signature::Slub
        | Signature::MemInfo
        | Signature::OomKill
        | Signature::OomSummary
        | Signature::TaskTable
        | Signature::OomMemcg => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str) -> Option<KernelMessageKind> {
        let sigs = signatures(body)?;
        sigs.into_iter().find_map(|s| single_line(s, body))
    }

    #[test]
    fn set_compiles_and_ordinary_lines_miss() {
        assert!(SET.is_some());
        assert!(signatures("XFS (vda1): Mounting V5 Filesystem").is_none());
    }

    #[test]
    fn single_line_messages() {
        assert_eq!(
            one("Linux version 3.10.0-862.el7.x86_64 (mockbuild@x86-034) (gcc version 4.8.5)"),
            Some(KernelMessageKind::Boot {
                release: "3.10.0-862.el7.x86_64".into()
            })
        );
        assert_eq!(
            one("nf_conntrack: nf_conntrack: table full, dropping packet"),
            Some(KernelMessageKind::ConntrackTableFull)
        );
        assert_eq!(
            one("unregister_netdevice: waiting for lo to become free. Usage count = 1"),
            Some(KernelMessageKind::UnregisterNetdevice {
                device: "lo".into(),
                usage_count: Some(1)
            })
        );
        assert_eq!(
            one("INFO: task dockerd:1234 blocked for more than 120 seconds."),
            Some(KernelMessageKind::HungTask {
                task: "dockerd".into(),
                pid: Some(1234),
                seconds: Some(120)
            })
        );
        assert_eq!(
            one("vmalloc: allocation failure, allocated 4096 of 8192 bytes"),
            Some(KernelMessageKind::VmallocFailure {
                allocated: Some(4096),
                requested: Some(8192)
            })
        );
        assert_eq!(
            one("java: page allocation stalls for 10004ms, order:0, mode:0x14200ca(GFP_HIGHUSER_MOVABLE)"),
            Some(KernelMessageKind::AllocStall {
                task: Some("java".into()),
                millis: Some(10004),
                order: Some(0),
                mode: parse_gfp("0x14200ca(GFP_HIGHUSER_MOVABLE)"),
            })
        );
        assert_eq!(
            one("oom_reaper: reaped process 1381 (gunpowder-memho), now anon-rss:0kB"),
            Some(KernelMessageKind::OomReaper {
                pid: Some(1381),
                comm: Some("gunpowder-memho".into())
            })
        );
        assert_eq!(
            one("BUG: unable to handle kernel NULL pointer dereference at 0000000000000008"),
            Some(KernelMessageKind::Oops)
        );
        assert_eq!(
            one("net_ratelimit: 23 callbacks suppressed"),
            Some(KernelMessageKind::RateLimited {
                suppressed: Some(23)
            })
        );
        assert_eq!(
            one("docker_gwbridge: port 16(veth4c02c8b) entered disabled state"),
            Some(KernelMessageKind::BridgePort {
                bridge: "docker_gwbridge".into(),
                port: "veth4c02c8b".into(),
                state: "disabled".into()
            })
        );
        assert_eq!(
            one("Unable to create nf_conn slab cache"),
            Some(KernelMessageKind::NfConnCacheFailure)
        );
    }

    /// Soft lockups as 3.10 and 5.x print them, RCU stalls as 4.x and 5.x do; a lockup
    /// without its task and a near miss.
    #[test]
    fn soft_lockups_and_rcu_stalls() {
        let lockup = |cpu, seconds, task: Option<&str>, pid| KernelMessageKind::SoftLockup {
            cpu: Some(cpu),
            seconds: Some(seconds),
            task: task.map(str::to_string),
            pid,
        };
        assert_eq!(
            one("watchdog: BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor.3:16401]"),
            Some(lockup(1, 134, Some("syz-executor.3"), Some(16401)))
        );
        assert_eq!(
            one("BUG: soft lockup - CPU#3 stuck for 23s! [kworker/3:1:212]"),
            Some(lockup(3, 23, Some("kworker/3:1"), Some(212)))
        );
        assert_eq!(
            one("BUG: soft lockup - CPU#0 stuck for 22s!"),
            Some(lockup(0, 22, None, None))
        );
        for (line, flavour) in [
            ("INFO: rcu_sched detected stalls on CPUs/tasks: { 3} (detected by 1, t=60002 jiffies)", "rcu_sched"),
            ("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "rcu_preempt"),
            ("INFO: rcu_sched self-detected stall on CPU", "rcu_sched"),
        ] {
            assert_eq!(
                one(line),
                Some(KernelMessageKind::RcuStall {
                    flavour: flavour.into()
                }),
                "{line}"
            );
        }
        // The watchdog's own start-up line names the soft lockup detector: no lockup.
        assert_eq!(
            one("NMI watchdog: Enabled. Permanently consumes one hw-PMU counter."),
            None
        );
        assert_eq!(one("watchdog: soft lockup threshold set to 20s"), None);
    }

    fn bridge_port_by_regex(body: &str) -> Option<(&str, &str, &str)> {
        let c = BRIDGE.as_ref()?.captures(body)?;
        Some((c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?.as_str()))
    }

    #[test]
    fn bridge_port_reads_real_messages() {
        assert_eq!(
            bridge_port(" docker0: port 2(veth5b0b8f1) entered blocking state"),
            Some(("docker0", "veth5b0b8f1", "blocking"))
        );
        assert_eq!(
            bridge_port("br-1a2b: port 1(veth0) entered disabled state"),
            Some(("br-1a2b", "veth0", "disabled"))
        );
        for not in [
            "docker0: port 2(veth1) entered  state",
            "docker0 port 2(veth1) entered forwarding state",
            ": port 2(veth1) entered forwarding state",
            "docker0: port (veth1) entered forwarding state",
            "docker0:\tport 2(veth1) entered forwarding state",
            "docker0: port 2(veth1) entered forwarding",
            "device veth1 entered promiscuous mode",
        ] {
            assert_eq!(bridge_port(not), None, "{not}");
            assert_eq!(bridge_port_by_regex(not), None, "{not}");
        }
    }

    /// Each slot of a bridge port message, in forms that match and forms that do not.
    const SLOTS: [&[&str]; 9] = [
        &["", " ", "\t", "\u{b}", "\u{a0}", "\n "],
        &["docker0", "", "br:x", "é", "a b"],
        &[": ", ":", ":\t", " : ", ":: "],
        &["port ", "port", "prt "],
        &["2", "16", "", "٣", "2x"],
        &["(veth1)", "()", "(a(b)", "(veth1", "(x) )"],
        &[" entered ", "entered ", " entered"],
        &["forwarding", "", "a_1", "é", "x-y"],
        &[" state", "state", " state.", " stat"],
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The hand reading and the regex agree on messages built slot by slot, each slot
        /// well formed or not, non-ASCII ones included.
        #[test]
        fn bridge_port_reads_as_the_regex(
            picks in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 9),
            tail in "[ -~]{0,4}",
        ) {
            let body: String = SLOTS
                .iter()
                .zip(&picks)
                .map(|(slot, i)| slot[i.index(slot.len())])
                .chain([tail.as_str()])
                .collect();
            proptest::prop_assert_eq!(bridge_port(&body), bridge_port_by_regex(&body), "{:?}", body);
        }
    }
}
