//! The literal test that lets an ordinary kernel log line skip the report parsers.
//!
//! Almost every line of a real log is chatter that no signature, report or runtime error pattern
//! matches. Running the signature set, the report state machine's idle checks and the runtime
//! error scanner on each of them is what made parsing slow; instead, one packed multi-literal
//! search (Teddy) over the message tells whether any of them could fire. Every pattern that
//! can fire on a message while no report is open needs at least one of [`LITERALS`], so a message
//! that holds none of them is known to be ordinary without running any pattern.

use std::sync::LazyLock;

use aho_corasick::packed;

use crate::parse::literals::Literals;

/// The literal of bridge port state messages. No other literal can begin inside it (a test
/// checks), so a search that reports only this literal in a line has missed no other there.
const BRIDGE_LITERAL: &str = ") entered";

/// What a literal lets through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cover {
    /// A signature (messages.rs) or an idle check of the report state machine (reports.rs).
    Report,
    /// A trigger of the runtime's own errors ([`crate::parse::runtime_error::RUNTIME_TRIGGERS`]). The
    /// daemon's own errors ([`crate::parse::runtime_error::DAEMON_TRIGGERS`]) are looked for in daemon
    /// messages only, which are read whether or not the search found anything: their literals
    /// (`Cannot start container`, `failed to set up container networking`) have no short cover
    /// that ordinary lines lack, and a cover as common as `container` left a third of a
    /// container host's lines to the full path.
    Runtime,
}

/// One necessary literal of every pattern a message can fire while no report is open.
///
/// Their number and length decide the speed of the search: with at most 32 literals Teddy
/// takes its slim form, twice as fast as the fat one, and with none shorter than 4 bytes it
/// compares 4-byte prefixes instead of 3-byte ones, which lets through far fewer candidate
/// positions to verify. Their order decides which share one of Teddy's 8 buckets (literal `i`
/// goes to bucket `7 - i % 8`); a bucket's literals should have prefixes alike, nibble by
/// nibble. This order was the fastest of 300 measured, on the benchmark logs and on the real
/// logs of `tests/data`: 4.2 to 4.5 GB/s, against 1.8 to 2.3 for most others.
/// `tests::every_trigger_needs_a_literal` checks them against real lines.
const LITERALS: &[(&str, Cover)] = &[
    ("Linux version ", Cover::Report),
    ("Oops", Cover::Report),
    ("BUG: ", Cover::Report),
    // `CPU:` and `Pid: ` lines give the kernel release.
    ("CPU:", Cover::Report),
    // A zone line opens a Mem-Info block without its header.
    (" min:", Cover::Report),
    // net_ratelimit: N callbacks suppressed; the memory cgroup summary of an OOM report
    // (`Task in ... killed as a result of limit of ...`, `memory: usage ..., limit ...`).
    ("limit", Cover::Report),
    ("nsexec", Cover::Runtime),
    // INFO: task X blocked for more than N seconds, INFO: rcu_sched detected stalls.
    ("INFO: ", Cover::Report),
    // Kill process, Killed process.
    ("Kill", Cover::Report),
    // nf_conntrack: table full.
    ("table full", Cover::Report),
    ("Mem-Info:", Cover::Report),
    ("final child", Cover::Runtime),
    ("Pid: ", Cover::Report),
    ("mkdir /sys/fs/cgroup", Cover::Runtime),
    // Container process caused, container init caused.
    ("caused", Cover::Runtime),
    ("general protection fault", Cover::Report),
    ("OCI runtime", Cover::Runtime),
    ("kmem_cache_create", Cover::Report),
    ("Kernel panic", Cover::Report),
    ("untime error", Cover::Runtime),
    (BRIDGE_LITERAL, Cover::Report),
    // A buddy line opens a Mem-Info block without its header; its total follows a size
    // (`4096kB = `) or a type (`(M) = `).
    ("kB = ", Cover::Report),
    // ... invoked oom-killer:, oom-kill: summary line.
    ("oom-", Cover::Report),
    ("_linux.go:", Cover::Runtime),
    // SLUB: Unable to allocate, Unable to create nf_conn slab cache.
    ("Unable to ", Cover::Report),
    // The OOM task table header.
    ("total_vm", Cover::Report),
    ("unregister_netdevice", Cover::Report),
    ("nsenter", Cover::Runtime),
    (") = ", Cover::Report),
    ("failed to unshare", Cover::Runtime),
    // oom_reaper: reaped process.
    ("oom_", Cover::Report),
    // Page allocation failure, vmalloc: allocation failure, allocation stalls, XFS: possible
    // memory allocation deadlock.
    ("allocation ", Cover::Report),
    // cgroup: fork rejected by pids controller.
    ("fork rejected", Cover::Report),
    // TCP: out of memory -- consider tuning tcp_mem.
    ("tuning tcp_mem", Cover::Report),
    ("orphaned sockets", Cover::Report),
];

fn literals(keep: impl Fn(&(&str, Cover)) -> bool) -> Literals {
    let kept: Vec<&str> = LITERALS.iter().filter(|l| keep(l)).map(|l| l.0).collect();
    Literals::new(&kept)
}

static SEARCHER: LazyLock<Literals> = LazyLock::new(|| literals(|_| true));

/// The report literals but the bridge port one.
static BESIDES_BRIDGE: LazyLock<Literals> =
    LazyLock::new(|| literals(|&(l, cover)| cover == Cover::Report && l != BRIDGE_LITERAL));

/// Whether a (cleaned) kernel message may match some signature other than the bridge port one.
pub fn may_match_besides_bridge(body: &str) -> bool {
    BESIDES_BRIDGE.is_match(body.as_bytes())
}

/// The number of the bridge port literal among the searcher's patterns: a line in which the
/// search finds only it is a routine message.
pub fn bridge_pattern() -> usize {
    LITERALS
        .iter()
        .position(|l| l.0 == BRIDGE_LITERAL)
        .unwrap_or(usize::MAX)
}

/// The packed literal searcher, for a search over many lines at once.
pub fn searcher() -> Option<&'static packed::Searcher> {
    SEARCHER.packed()
}

/// Whether a message (the whole body, `#012` separators included) may matter to the report
/// parsers or the runtime error scanner; `false` only when it certainly does not.
pub fn may_matter(body: &str) -> bool {
    let bytes = body.as_bytes();
    // Tabs and non-breaking spaces are rewritten before the patterns run, which could make a
    // literal appear; such lines are rare and take the full path.
    !bytes.is_ascii() || memchr::memchr(b'\t', bytes).is_some() || SEARCHER.is_match(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::runtime_error;

    #[test]
    fn the_searcher_builds() {
        assert!(searcher().is_some());
        // Past 32 literals Teddy is fat: the three of the pids and TCP messages cost that.
        assert!(LITERALS.len() <= 35);
        assert!(LITERALS.iter().all(|l| l.0.len() >= 4));
    }

    #[test]
    fn no_literal_begins_inside_the_bridge_one() {
        let bridge = BRIDGE_LITERAL.as_bytes();
        for &(other, _) in LITERALS.iter().filter(|l| l.0 != BRIDGE_LITERAL) {
            for at in 0..bridge.len() {
                let inside = &bridge[at..];
                let n = inside.len().min(other.len());
                assert_ne!(&inside[..n], &other.as_bytes()[..n], "{other:?} at {at}");
            }
        }
        assert_eq!(LITERALS[bridge_pattern()].0, BRIDGE_LITERAL);
    }

    #[test]
    fn every_runtime_trigger_is_covered() {
        for trigger in runtime_error::RUNTIME_TRIGGERS {
            assert!(
                LITERALS
                    .iter()
                    .any(|&(l, cover)| cover == Cover::Runtime && trigger.contains(l)),
                "{trigger}"
            );
        }
    }

    #[test]
    fn every_trigger_needs_a_literal() {
        let matter = [
            "runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0",
            "vmalloc: allocation failure, allocated 123 of 456 bytes",
            "bash invoked oom-killer: gfp_mask=0x24201ca, order=0, oom_score_adj=0",
            "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null)",
            "kmem_cache_create(nf_conntrack_1) failed with error -12",
            "SLUB: Unable to allocate memory on node -1, gfp=0x8000(GFP_ACCOUNT)",
            "Mem-Info:",
            "Killed process 1234 (java) total-vm:1kB",
            "Memory cgroup out of memory: Kill process 1234 (java) score 1 or sacrifice child",
            "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name",
            "Linux version 3.10.0-693.el7.x86_64 (builder@kbuilder)",
            "nf_conntrack: table full, dropping packet",
            "unregister_netdevice: waiting for lo to become free. Usage count = 1",
            "INFO: task kworker/1:1:123 blocked for more than 120 seconds.",
            "watchdog: BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor.3:16401]",
            "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
            "java: page allocation stalls for 10012ms, order:0",
            "oom_reaper: reaped process 1234 (java), now anon-rss:0kB",
            "BUG: unable to handle kernel NULL pointer dereference",
            "Kernel panic - not syncing: Fatal exception",
            "general protection fault: 0000 [#1] SMP",
            "Oops: 0002 [#1] SMP",
            "net_ratelimit: 12 callbacks suppressed",
            "Task in /docker/2e08 killed as a result of limit of /docker/2e08",
            "memory: usage 20480kB, limit 20480kB, failcnt 1204",
            "docker0: port 2(veth1) entered forwarding state",
            "Unable to create nf_conn slab cache",
            "CPU: 3 PID: 1 Comm: runc:[1:CHILD] Not tainted 3.10.0 #1",
            "Pid: 1, comm: swapper Not tainted 2.6.32",
            "Node 0 Normal free:95232kB min:45056kB low:56320kB high:67584kB",
            "Node 0 Normal: 15952*4kB (UEM) 1*8kB = 63816kB",
            "Node 0 DMA32: 7*4kB (UM) 3*2048kB (M) = 6172kB",
            "container_linux.go:247: starting container process caused \"x\"",
            "nsenter: failed to unshare namespaces: Cannot allocate memory",
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"bash\": executable file not found in $PATH: unknown",
            "cgroup: fork rejected by pids controller in /lxc.payload.juju-04f1e3-1-lxd-5/system.slice/snap.lxd.daemon.service",
            "TCP: out of memory -- consider tuning tcp_mem",
            "TCP: too many orphaned sockets",
            "XFS: kworker/u8:2(5830) possible memory allocation deadlock size 65552 in kmem_alloc (mode:0x250)",
            "with\u{a0}nbsp",
            "with\ttab",
        ];
        for line in matter {
            assert!(may_matter(line), "{line}");
        }
        for ordinary in [
            "IPv6: ADDRCONF(NETDEV_UP): veth09ac835: link is not ready",
            "device veth453c6c6 left promiscuous mode",
            "IPVS: Creating netns size=2040 id=1837",
            // The daemon's own errors are looked for in its messages only.
            "failed to create endpoint web on network bridge: failed to add the host (veth1) <=> sandbox (veth2) pair interfaces: cannot allocate memory",
            "time=\"2018-01-18T07:00:38Z\" level=info msg=\"shim disconnected\" id=25f7 module=containerd/tasks",
            "",
        ] {
            assert!(!may_matter(ordinary), "{ordinary}");
        }
    }
}
