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

/// The literal of bridge port state messages.
const BRIDGE_LITERAL: &str = ") entered ";

/// One literal of every pattern a message can fire while no report is open, as few and as
/// short as covers them all: with 32 literals at most the search runs twice as fast (Teddy's
/// slim form). `tests::every_trigger_needs_a_literal` checks them against real lines.
const LITERALS: &[&str] = &[
    // Signatures (messages.rs), one necessary literal each.
    "allocation ", // page allocation failure, vmalloc: allocation failure, allocation stalls
    "oom",         // ... invoked oom-killer:, oom-kill: summary line, oom_reaper
    "kmem_cache_create",
    "SLUB: Unable",
    "Mem-Info:",
    "Kill",     // Kill process, Killed process
    "total_vm", // OOM task table header
    "Linux version ",
    "table full", // nf_conntrack: table full
    "unregister_netdevice",
    "blocked for more than",
    "BUG: ",
    "Kernel panic",
    "general protection fault",
    "Oops",
    "net_ratelimit",
    BRIDGE_LITERAL,
    "nf_conn slab",
    // The idle checks of the report state machine (reports.rs): `CPU:`/`Pid:` lines give the
    // kernel release; a zone or free-list line opens a Mem-Info block without its header.
    "CPU:",
    "Pid: ",
    " min:",
    " = ",
];

/// Literals that cover the runtime error triggers
/// ([`crate::parse::runtime_error::TRIGGER_LITERALS`]): each
/// trigger holds one of them.
const RUNTIME_COVER: &[&str] = &[
    "untime", // runtime error, OCI runtime
    "caused", // container process caused, container init caused
    "nsenter",
    "nsexec",
    "failed to unshare",
    "final child",
    "mkdir /sys/fs/cgroup",
    "Cannot start container",
    "_linux.go:",
];

static SEARCHER: LazyLock<Literals> = LazyLock::new(|| {
    let all: Vec<&str> = LITERALS.iter().chain(RUNTIME_COVER).copied().collect();
    Literals::new(&all)
});

/// [`LITERALS`] but the bridge port one.
static BESIDES_BRIDGE: LazyLock<Literals> = LazyLock::new(|| {
    let others: Vec<&str> = LITERALS
        .iter()
        .copied()
        .filter(|l| *l != BRIDGE_LITERAL)
        .collect();
    Literals::new(&others)
});

/// Whether a (cleaned) kernel message may match some signature other than the bridge port one.
pub fn may_match_besides_bridge(body: &str) -> bool {
    BESIDES_BRIDGE.is_match(body.as_bytes())
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
        assert!(LITERALS.len() + RUNTIME_COVER.len() <= 32);
    }

    #[test]
    fn every_runtime_trigger_is_covered() {
        for trigger in runtime_error::TRIGGER_LITERALS {
            assert!(
                RUNTIME_COVER.iter().any(|c| trigger.contains(c)),
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
            "java: page allocation stalls for 10012ms, order:0",
            "oom_reaper: reaped process 1234 (java), now anon-rss:0kB",
            "BUG: unable to handle kernel NULL pointer dereference",
            "Kernel panic - not syncing: Fatal exception",
            "general protection fault: 0000 [#1] SMP",
            "Oops: 0002 [#1] SMP",
            "net_ratelimit: 12 callbacks suppressed",
            "docker0: port 2(veth1) entered forwarding state",
            "Unable to create nf_conn slab cache",
            "CPU: 3 PID: 1 Comm: runc:[1:CHILD] Not tainted 3.10.0 #1",
            "Pid: 1, comm: swapper Not tainted 2.6.32",
            "Node 0 Normal free:95232kB min:45056kB low:56320kB high:67584kB",
            "Node 0 Normal: 15952*4kB (UEM) 1*8kB = 63816kB",
            "container_linux.go:247: starting container process caused \"x\"",
            "nsenter: failed to unshare namespaces: Cannot allocate memory",
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
            "",
        ] {
            assert!(!may_matter(ordinary), "{ordinary}");
        }
    }
}
