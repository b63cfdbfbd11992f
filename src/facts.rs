//! The typed, parsed bundle.
//!
//! Every parser in [`crate::parse`] produces values of the types below, and every later stage
//! ([`crate::timeline`], [`crate::analyze`]) reads only these types, never raw text. A value that
//! may become evidence in a report carries the [`Line`] it was read from, so a finding can cite
//! `path:line` with the exact text of the bundle.
//!
//! Sizes are stored in the unit the kernel counts in and the field name says which (`_kb`,
//! `_pages`, `_bytes`), because mixing them up is the classic misreading of these files.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil;
use jiff::Timestamp;
use serde::Serialize;

use crate::retention::Repeats;
use crate::sources::{Detection, SourceKind};

mod kube;
pub use kube::*;

/// One physical line of a bundle file: its 1-based number and its text (lossy UTF-8, line
/// terminator removed). Evidence quotes `text` verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Line {
    pub no: u32,
    pub text: String,
}

impl Line {
    pub fn new(no: u32, text: impl Into<String>) -> Line {
        Line {
            no,
            text: text.into(),
        }
    }
}

/// A parse problem: what could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub line: Option<u32>,
    pub message: String,
}

impl Warning {
    pub fn at(line: u32, message: impl Into<String>) -> Warning {
        Warning {
            line: Some(line),
            message: message.into(),
        }
    }
    pub fn file(message: impl Into<String>) -> Warning {
        Warning {
            line: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A fact together with the bundle path it was read from.
#[derive(Debug, Clone, Serialize)]
pub struct Sourced<T> {
    pub path: String,
    pub value: T,
}

/// When something happened, in whichever clocks the line itself gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stamp {
    /// Seconds since boot on the monotonic clock (raw dmesg `[ 12.345678]`, journal monotonic).
    pub uptime_s: Option<f64>,
    /// A wall-clock reading, as precise as the line gave it.
    pub wall: Option<WallClock>,
}

/// A wall-clock reading. Only [`WallClock::Instant`] is a point in time by itself; the other
/// forms need the bundle's zone (and year) that the timeline stage works out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum WallClock {
    /// An exact instant: RFC 3339 with an offset, an epoch value, a journal `__REALTIME_TIMESTAMP`.
    Instant { at: Timestamp },
    /// Civil time without an offset (`dmesg -T`, `date` without `%z`), with the zone abbreviation
    /// when the text carried one (`CST`, which is ambiguous).
    Local {
        at: civil::DateTime,
        zone_abbrev: Option<String>,
    },
    /// A syslog (RFC 3164) stamp: no year, no zone.
    NoYear {
        month: i8,
        day: i8,
        hour: i8,
        minute: i8,
        second: i8,
        nanosecond: i32,
    },
}

impl WallClock {
    /// A syslog stamp read in `year`, as civil time; `None` for another form of reading, or a
    /// day that year does not have (29 February).
    pub fn no_year_in(&self, year: i16) -> Option<civil::DateTime> {
        let WallClock::NoYear {
            month,
            day,
            hour,
            minute,
            second,
            nanosecond,
        } = *self
        else {
            return None;
        };
        civil::DateTime::new(year, month, day, hour, minute, second, nanosecond).ok()
    }
}

// ---------------------------------------------------------------------------------------------
// Kernel log
// ---------------------------------------------------------------------------------------------

/// How a kernel log file stamps its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelLogFormat {
    /// `[ 12.345678] msg` (raw dmesg, also `<6>[...]` with levels).
    DmesgRaw,
    /// No prefix at all (printk.time off, old kernels).
    DmesgNoTimestamp,
    /// `[Tue Jan 23 20:10:01 2018] msg` (`dmesg -T`).
    DmesgHuman,
    /// `Jan 23 20:10:01 host kernel: msg` (rsyslog traditional, `#012` for newlines).
    Syslog,
    /// `2018-01-23T20:10:01.288+08:00 host kernel: msg` (rsyslog high-precision).
    SyslogIso,
    /// `journalctl` short/short-iso/short-precise/short-monotonic.
    JournalShort,
    /// `journalctl -o json` (one object per line).
    JournalJson,
    /// `/dev/kmsg` records (`6,1234,5678901,-;msg`): priority, sequence number, monotonic
    /// microseconds.
    DevKmsg,
}

/// Everything read from one kernel log (dmesg, syslog or journal) that later stages use. Plain
/// lines are not kept: only lines that matter to a postmortem, and multi-line reports parsed
/// whole.
#[derive(Debug, Clone, Serialize)]
pub struct KernelLog {
    pub format: KernelLogFormat,
    /// Number of lines read (all lines, not just kernel ones).
    pub lines: u32,
    /// Number of kernel messages read.
    pub kernel_messages: u32,
    pub first: Option<Stamp>,
    pub last: Option<Stamp>,
    /// Kernel release seen in the log (`Linux version ...` banner or a `CPU: ... 3.10.0-...` line).
    pub kernel_release: Option<String>,
    pub alloc_failures: Vec<AllocFailure>,
    pub oom_kills: Vec<OomKill>,
    pub slub_failures: Vec<SlubFailure>,
    pub cache_create_failures: Vec<CacheCreateFailure>,
    /// Notable single-line messages (see [`KernelMessageKind`]).
    pub messages: Vec<KernelMessage>,
    /// Lines from other syslog/journal tags (dockerd, containerd, kubelet, ...) are handed to the
    /// daemon log parser; its records land in [`Facts::daemon_logs`] under the same path.
    pub hostnames: Vec<String>,
    /// Mem-Info blocks that follow no failure or OOM report (SysRq-m, or a pasted excerpt).
    pub mem_info_dumps: Vec<MemInfoDump>,
    /// Where a new boot begins in this log, besides the `Linux version` banners kept among
    /// [`KernelLog::messages`]: seconds since boot going back, or a journal boot marker.
    pub boot_marks: Vec<BootMark>,
}

impl KernelLog {
    /// A log of `format` with nothing read yet.
    pub fn empty(format: KernelLogFormat) -> KernelLog {
        KernelLog {
            format,
            lines: 0,
            kernel_messages: 0,
            first: None,
            last: None,
            kernel_release: None,
            alloc_failures: Vec::new(),
            oom_kills: Vec::new(),
            slub_failures: Vec::new(),
            cache_create_failures: Vec::new(),
            messages: Vec::new(),
            hostnames: Vec::new(),
            mem_info_dumps: Vec::new(),
            boot_marks: Vec::new(),
        }
    }
}

/// A line of a kernel log at which a new boot begins, read from something other than the
/// kernel's `Linux version` banner (which a log cut short, or rotated, often lacks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootMark {
    /// The first line of the new boot.
    pub line: Line,
    pub stamp: Stamp,
    pub kind: BootMarkKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BootMarkKind {
    /// The seconds since boot went back (`[2751018.2]`, then `[    3.1]`): the log spans a
    /// reboot, whether or not it kept the new boot's banner.
    UptimeReset {
        /// The last seconds-since-boot stamp of the boot before.
        previous_s: f64,
    },
    /// The journal says so: `-- Boot <id> --` or `-- Reboot --` between `journalctl` entries,
    /// or a `-o json` or `-o export` entry whose `_BOOT_ID` differs from the entry's before it
    /// (the mark is that entry's line).
    Journal {
        /// The journal's boot id, when the marker gave it.
        id: Option<String>,
    },
}

/// A kernel message that matters on its own.
#[derive(Debug, Clone, Serialize)]
pub struct KernelMessage {
    pub line: Line,
    pub stamp: Stamp,
    pub kind: KernelMessageKind,
    /// The message body without the log prefix, as printed by the kernel.
    pub message: String,
    /// Routine messages of the same signature folded into this one (see
    /// [`crate::retention`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KernelMessageKind {
    /// `Linux version 3.10.0-... ` banner: a boot.
    Boot { release: String },
    /// `nf_conntrack: table full, dropping packet`.
    ConntrackTableFull,
    /// `unregister_netdevice: waiting for lo to become free. Usage count = 1`.
    UnregisterNetdevice {
        device: String,
        usage_count: Option<i64>,
    },
    /// `INFO: task X:PID blocked for more than N seconds.`
    HungTask {
        task: String,
        pid: Option<u32>,
        seconds: Option<u64>,
    },
    /// `watchdog: BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor.3:16401]` (3.10: without
    /// `watchdog: `): a CPU ran kernel code without scheduling for seconds.
    SoftLockup {
        cpu: Option<u32>,
        seconds: Option<u64>,
        /// The task that held the CPU, as printed in the brackets.
        task: Option<String>,
        pid: Option<u32>,
    },
    /// `rcu: INFO: rcu_sched detected stalls on CPUs/tasks:` or `INFO: rcu_preempt
    /// self-detected stall on CPU`: an RCU grace period did not end for seconds because a CPU
    /// did not pass through a quiescent state.
    RcuStall {
        /// The RCU flavour that stalled (`rcu_sched`, `rcu_preempt`, `rcu_bh`).
        flavour: String,
    },
    /// `vmalloc: allocation failure, allocated X of Y bytes`.
    VmallocFailure {
        allocated: Option<u64>,
        requested: Option<u64>,
    },
    /// `Unable to create nf_conn slab cache`.
    NfConnCacheFailure,
    /// `page allocation stalls for N ms, order:N, mode:0x...` (4.9-4.14): an allocation that
    /// kept retrying instead of failing.
    AllocStall {
        task: Option<String>,
        millis: Option<u64>,
        order: Option<u32>,
        /// The GFP mode as printed (`0x14200ca(GFP_HIGHUSER_MOVABLE)`); not decoded.
        mode: Option<GfpMask>,
    },
    /// `oom_reaper: reaped process ...`.
    OomReaper {
        pid: Option<u32>,
        comm: Option<String>,
    },
    /// `BUG:`, `Oops`, `Kernel panic`, `general protection fault`.
    Oops,
    /// `net_ratelimit: N callbacks suppressed`.
    RateLimited { suppressed: Option<u64> },
    /// `docker0: port 1(vethX) entered disabled state` and kin: container network churn.
    BridgePort {
        bridge: String,
        port: String,
        state: String,
    },
    /// `cgroup: fork rejected by pids controller in /path`: a fork or clone got EAGAIN because
    /// the cgroup reached its `pids.max`. Printed once per cgroup until its event count resets.
    PidsForkRejected { cgroup: String },
    /// `TCP: out of memory -- consider tuning tcp_mem`: TCP's own budget (`net.ipv4.tcp_mem`)
    /// was exceeded.
    TcpOutOfMemory,
    /// `TCP: too many orphaned sockets` (older kernels: `Out of socket memory`): orphans passed
    /// `net.ipv4.tcp_max_orphans`.
    TcpTooManyOrphans,
    /// `XFS: <comm>(<pid>) possible memory allocation deadlock size <n> in kmem_alloc
    /// (mode:0x...)`: an XFS allocation that may not fail retried a hundred times.
    XfsAllocDeadlock {
        task: Option<String>,
        pid: Option<u32>,
        /// Bytes requested, when printed.
        size: Option<u64>,
        /// The XFS allocator that looped (`kmem_alloc`, `kmem_zone_alloc`).
        function: Option<String>,
        /// The GFP mode, as printed (`0x250`); not decoded.
        mode: Option<GfpMask>,
    },
}

impl KernelMessageKind {
    /// The kind's name, as serialized in `type`.
    pub fn as_str(&self) -> &'static str {
        match self {
            KernelMessageKind::Boot { .. } => "boot",
            KernelMessageKind::ConntrackTableFull => "conntrack_table_full",
            KernelMessageKind::UnregisterNetdevice { .. } => "unregister_netdevice",
            KernelMessageKind::HungTask { .. } => "hung_task",
            KernelMessageKind::SoftLockup { .. } => "soft_lockup",
            KernelMessageKind::RcuStall { .. } => "rcu_stall",
            KernelMessageKind::VmallocFailure { .. } => "vmalloc_failure",
            KernelMessageKind::NfConnCacheFailure => "nf_conn_cache_failure",
            KernelMessageKind::AllocStall { .. } => "alloc_stall",
            KernelMessageKind::OomReaper { .. } => "oom_reaper",
            KernelMessageKind::Oops => "oops",
            KernelMessageKind::RateLimited { .. } => "rate_limited",
            KernelMessageKind::BridgePort { .. } => "bridge_port",
            KernelMessageKind::PidsForkRejected { .. } => "pids_fork_rejected",
            KernelMessageKind::TcpOutOfMemory => "tcp_out_of_memory",
            KernelMessageKind::TcpTooManyOrphans => "tcp_too_many_orphans",
            KernelMessageKind::XfsAllocDeadlock { .. } => "xfs_alloc_deadlock",
        }
    }
}

/// GFP mask of an allocation, as printed and as decoded.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GfpMask {
    pub raw: u64,
    /// Flag names when the kernel printed them (`(GFP_KERNEL|__GFP_COMP)`, 4.5+).
    pub printed: Vec<String>,
    /// Flag names decoded from `raw` for the kernel version (3.10's `0x10c0d0` =
    /// GFP_KERNEL|__GFP_COMP|__GFP_ZERO|__GFP_KMEMCG). Empty when the version is unknown and
    /// the kernel did not print names.
    pub decoded: Vec<String>,
}

/// A `page allocation failure` report, parsed whole.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AllocFailure {
    /// The `...: page allocation failure: order:6, mode:0x10c0d0` line.
    pub header: Line,
    pub stamp: Stamp,
    pub task: String,
    pub pid: Option<u32>,
    pub order: u32,
    pub gfp: GfpMask,
    pub nodemask: Option<String>,
    pub cpuset: Option<String>,
    pub mems_allowed: Option<String>,
    /// Kernel release from the `CPU: 5 PID: 839206 Comm: ... 3.10.0-514.26.2.el7.x86_64 #1` line.
    pub kernel_release: Option<String>,
    /// Function names of the call trace, innermost first (`dump_stack`, `warn_alloc_failed`, ...).
    pub call_trace: Vec<String>,
    /// The trace lines themselves, for evidence.
    pub trace_lines: Vec<Line>,
    pub mem_info: Option<MemInfoDump>,
    /// Last line of the report.
    pub end_line: u32,
}

impl AllocFailure {
    /// Bytes requested: 4 KiB pages shifted by order.
    pub fn bytes(&self) -> u64 {
        4096u64 << self.order.min(40)
    }
}

/// The `Mem-Info:` block (show_free_areas) that follows failure and OOM reports, or SysRq-m.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MemInfoDump {
    pub first_line: u32,
    /// The leading counters, in pages: `active_anon`, `inactive_anon`, ..., `free`, `free_pcp`, `free_cma`.
    pub counters_pages: BTreeMap<String, u64>,
    pub zones: Vec<ZoneDump>,
    pub total_pagecache_pages: Option<u64>,
    pub swap_cache_pages: Option<u64>,
    pub free_swap_kb: Option<u64>,
    pub total_swap_kb: Option<u64>,
    pub pages_ram: Option<u64>,
    pub pages_highmem: Option<u64>,
    pub pages_reserved: Option<u64>,
    /// The log ended inside the block, before its closing `pages RAM`/`pages reserved` lines:
    /// zones or free lists after the cut are missing.
    pub cut_off: bool,
}

/// One zone of a Mem-Info block: the `Node 0 Normal free:...kB min:...` line, its
/// `lowmem_reserve[]` line, and its buddy free-list line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ZoneDump {
    pub node: Option<u32>,
    pub zone: String,
    pub free_kb: Option<u64>,
    pub min_kb: Option<u64>,
    pub low_kb: Option<u64>,
    pub high_kb: Option<u64>,
    /// Every other `name:NkB` field of the zone line, in kB (`managed`, `slab_reclaimable`, ...).
    pub fields_kb: BTreeMap<String, u64>,
    pub line: Option<Line>,
    /// `lowmem_reserve[]: 0 2815 15868 15868`, in pages, one per zone index.
    pub lowmem_reserve: Vec<u64>,
    pub lowmem_reserve_line: Option<Line>,
    pub free_lists: Option<FreeLists>,
}

/// A buddy free-list line: `Node 0 Normal: 15952*4kB (UEM) 2235*8kB (UEM) ... = 95976kB`.
/// This is a buddyinfo snapshot taken at the moment of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FreeLists {
    /// Free blocks per order, order 0 first.
    pub counts: Vec<u64>,
    /// Migratetype letters per order (`"UEM"`, empty when none printed).
    pub migratetypes: Vec<String>,
    /// The `= NkB` total as printed.
    pub total_kb: Option<u64>,
    /// Size of an order-0 block in kB (4 on x86).
    pub page_kb: u64,
    pub line: Line,
}

/// An OOM kill, global or memcg, of any era.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OomKill {
    pub stamp: Stamp,
    /// `X invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N`.
    pub header: Option<Line>,
    pub invoker: Option<String>,
    pub gfp: Option<GfpMask>,
    pub order: Option<u32>,
    pub oom_score_adj: Option<i64>,
    pub scope: OomScope,
    /// What told the scope.
    pub scope_basis: OomScopeBasis,
    /// `constraint=CONSTRAINT_MEMCG` from the 4.19+ summary line.
    pub constraint: Option<String>,
    /// The cgroup whose limit was hit (`oom_memcg=` or `limit of /docker/<id>`).
    pub memcg: Option<String>,
    /// The cgroup of the victim task (`task_memcg=` or `Task in /docker/<id>`).
    pub task_memcg: Option<String>,
    pub memcg_line: Option<Line>,
    /// `memory: usage 262144kB, limit 262144kB, failcnt 1234`.
    pub memory_usage_kb: Option<u64>,
    pub memory_limit_kb: Option<u64>,
    pub memory_failcnt: Option<u64>,
    pub memory_line: Option<Line>,
    /// `kmem: usage ..., limit ..., failcnt ...`.
    pub kmem_usage_kb: Option<u64>,
    pub kmem_limit_kb: Option<u64>,
    pub kmem_failcnt: Option<u64>,
    pub kmem_line: Option<Line>,
    pub victim: Option<OomVictim>,
    /// Number of rows in the task table.
    pub tasks: u32,
    pub mem_info: Option<MemInfoDump>,
    pub end_line: u32,
    /// Parts of the report the log does not hold: a report cut off before its kill line, or
    /// pasted from its middle. Empty for a complete report.
    pub missing: Vec<OomReportPart>,
    /// The rows of the task table (`Tasks state (memory values in pages)`), in the order
    /// printed: every task the OOM killer weighed, with its resident size at the kill.
    pub task_table: Vec<OomTask>,
    /// `Memory cgroup stats for <cgroup>:` of a cgroup OOM, every value in bytes: the one-line
    /// `cache:0KB rss:20260KB ...` of cgroup v1 before 5.x, or one `anon 98742272` per line.
    pub memcg_stats: Vec<MemcgStat>,
}

/// A row of an OOM report's task table. The columns changed over the eras (`nr_ptes`,
/// `nr_pmds`, `pgtables_bytes`, and since 6.x `rss_anon rss_file rss_shmem`): each row is read
/// by its header's names, sizes in pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OomTask {
    /// `None` when a mangled dmesg ate the `[pid]` column.
    pub pid: Option<u32>,
    pub uid: Option<u32>,
    pub total_vm_pages: Option<u64>,
    pub rss_pages: Option<u64>,
    /// 6.x splits `rss` into anonymous, file-backed and shared memory.
    pub rss_anon_pages: Option<u64>,
    pub rss_file_pages: Option<u64>,
    pub rss_shmem_pages: Option<u64>,
    pub swapents: Option<u64>,
    pub oom_score_adj: Option<i64>,
    pub name: String,
    pub line: Line,
}

/// One value of a memory cgroup's stats at an OOM kill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemcgStat {
    pub key: String,
    pub bytes: u64,
}

/// A part of an OOM report that a cut or a mid-way excerpt can lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OomReportPart {
    /// `X invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N`, with the `CPU:` line and
    /// call trace after it: the report starts in the middle.
    Header,
    /// `Killed process N (comm) total-vm:...`: the report was cut before the kill.
    KillLine,
}

impl OomReportPart {
    /// The part's name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            OomReportPart::Header => "header",
            OomReportPart::KillLine => "kill_line",
        }
    }
}

/// What decided an OOM report's scope, strongest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OomScopeBasis {
    /// `constraint=` of the 4.19+ `oom-kill:` summary line.
    Constraint,
    /// The kill line's prefix (`Memory cgroup out of memory:`, `Out of memory:`) or the
    /// summary's `global_oom`.
    KillLine,
    /// The memory cgroup's summary, which the kernel prints for a cgroup OOM only: `Task in
    /// ... killed as a result of limit of ...`, `memory: usage ... limit ...`, `Memory cgroup
    /// stats for`, `oom_memcg=`.
    MemcgSummary,
    /// The call trace goes through the memory cgroup's charge path
    /// (`mem_cgroup_out_of_memory`, `try_charge`).
    CallTrace,
    /// A `Mem-Info:` block after the header, which the kernel prints instead of the memory
    /// cgroup summary for an OOM that is not a cgroup's.
    MemInfo,
    /// Nothing in the report told it.
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OomScope {
    /// The host ran out (`Out of memory:`, `global_oom`).
    Global,
    /// A memory cgroup hit its limit (`Memory cgroup out of memory:`, `CONSTRAINT_MEMCG`).
    Memcg,
    #[default]
    Unknown,
}

/// The task the OOM killer killed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OomVictim {
    pub pid: Option<u32>,
    pub comm: String,
    pub total_vm_kb: Option<u64>,
    pub anon_rss_kb: Option<u64>,
    pub file_rss_kb: Option<u64>,
    pub shmem_rss_kb: Option<u64>,
    pub uid: Option<u32>,
    /// `Killed process ...` (or the pre-5.0 `Kill process ... or sacrifice child`).
    pub line: Line,
}

/// `SLUB: Unable to allocate memory on node -1 (gfp=0x8020)` with its `cache:` line.
#[derive(Debug, Clone, Serialize)]
pub struct SlubFailure {
    pub line: Line,
    pub stamp: Stamp,
    pub node: i32,
    pub gfp: Option<GfpMask>,
    /// Cache name without the per-memcg suffix (`ip6_dst_cache`).
    pub cache: Option<String>,
    /// `(id:cgroup)` suffix: this cache is a per-memcg copy.
    pub memcg_id: Option<String>,
    pub memcg_name: Option<String>,
    pub object_size: Option<u64>,
    pub buffer_size: Option<u64>,
    pub default_order: Option<u32>,
    pub min_order: Option<u32>,
    pub cache_line: Option<Line>,
}

/// `kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12`.
#[derive(Debug, Clone, Serialize)]
pub struct CacheCreateFailure {
    pub line: Line,
    pub stamp: Stamp,
    pub cache: String,
    /// Negative errno as printed (-12 = ENOMEM).
    pub error: i32,
    /// Function names of the call trace that follows, when one does.
    pub call_trace: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// /proc and /sys tables
// ---------------------------------------------------------------------------------------------

/// `/proc/buddyinfo`: free blocks per order per zone.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuddyInfo {
    pub zones: Vec<BuddyZone>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuddyZone {
    pub node: u32,
    pub zone: String,
    /// Free blocks per order, order 0 first; as many as the kernel printed.
    pub counts: Vec<u64>,
    pub line: Line,
}

/// `/proc/pagetypeinfo`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageTypeInfo {
    pub page_block_order: Option<u32>,
    pub pages_per_block: Option<u64>,
    pub free: Vec<PageTypeFree>,
    /// Migratetype names of the `Number of blocks type` header, in printed order.
    pub block_types: Vec<String>,
    pub blocks: Vec<PageTypeBlocks>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageTypeFree {
    pub node: u32,
    pub zone: String,
    pub migratetype: String,
    /// Free blocks per order; `None` where newer kernels print `>100000`.
    pub counts: Vec<Option<u64>>,
    pub line: Line,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageTypeBlocks {
    pub node: u32,
    pub zone: String,
    /// Pageblock counts, one per [`PageTypeInfo::block_types`] entry.
    pub counts: Vec<u64>,
    pub line: Line,
}

/// debugfs `extfrag/extfrag_index` or `extfrag/unusable_index` (same shape).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FragIndexTable {
    pub zones: Vec<FragIndexZone>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FragIndexZone {
    pub node: u32,
    pub zone: String,
    /// One value per order as printed (`-1.000`, `0.919`).
    pub values: Vec<f64>,
    pub line: Line,
}

/// `/proc/slabinfo` (2.x) or `slabtop -o`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SlabInfo {
    /// `2.1` for slabinfo; `None` for slabtop.
    pub version: Option<String>,
    pub caches: Vec<SlabCache>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlabCache {
    /// Name as printed, including any per-memcg suffix (`dentry(1234:docker)`).
    pub name: String,
    pub active_objs: u64,
    pub num_objs: u64,
    pub objsize: u64,
    pub objperslab: Option<u64>,
    pub pagesperslab: Option<u64>,
    pub active_slabs: Option<u64>,
    pub num_slabs: Option<u64>,
    /// Memory held by the cache in bytes: slabs x pages per slab x 4096 when known, else
    /// objects x object size (slabtop's `CACHE SIZE` when read from slabtop).
    pub bytes: u64,
    pub line: Line,
}

/// A `key value` table: `/proc/meminfo` (kB), `/proc/vmstat` (counts), sysctl `vm.*`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyValues {
    pub entries: Vec<KeyValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyValue {
    pub key: String,
    /// The value as a number when it is one (meminfo: kB as printed; unit-less lines as is).
    pub value: Option<i64>,
    /// The value as printed (sysctl values can be lists or words).
    pub raw: String,
    pub line: Line,
}

impl KeyValues {
    pub fn get(&self, key: &str) -> Option<&KeyValue> {
        self.entries.iter().find(|e| e.key == key)
    }
    pub fn value(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|e| e.value)
    }
}

/// `/proc/zoneinfo`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ZoneInfo {
    pub zones: Vec<ZoneInfoZone>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneInfoZone {
    pub node: u32,
    pub zone: String,
    /// Values in pages: `pages free`, `min`, `low`, `high`, `spanned`, `present`, `managed`, and
    /// the `nr_*` counters of the zone.
    pub pages: BTreeMap<String, u64>,
    /// `protection: (0, 2815, 15868, 15868)` = lowmem_reserve.
    pub protection: Vec<u64>,
    pub line: Line,
}

/// Where a cgroup file was found: the cgroup v2 unified hierarchy, or a v1 controller's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "version", rename_all = "snake_case")]
pub enum CgroupHierarchy {
    /// cgroup v2 (`sys/fs/cgroup/<path>`, or `sys/fs/cgroup/unified/<path>` on a hybrid host).
    V2,
    /// cgroup v1, under the named controller's mount (`sys/fs/cgroup/memory/<path>`).
    V1 { controller: String },
}

/// A cgroup, as the files of its directory in the bundle tell it: one fact per cgroup path
/// and hierarchy, however many of its files were read.
#[derive(Debug, Clone, Serialize)]
pub struct CgroupNode {
    /// The cgroup's path from its hierarchy's root, as the kernel prints it (`/` for the root,
    /// `/kubepods.slice/kubepods-burstable.slice/...`).
    pub cgroup: String,
    pub hierarchy: CgroupHierarchy,
    /// Its files, in the order they were read.
    pub files: Vec<CgroupFile>,
}

/// One file of a cgroup's directory.
#[derive(Debug, Clone, Serialize)]
pub struct CgroupFile {
    /// The bundle path it was read from.
    pub path: String,
    /// The file name (`memory.max`, `pids.events`).
    pub name: String,
    pub value: CgroupValue,
}

/// What a cgroup file holds, by its name.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CgroupValue {
    /// A limit or a gauge (`memory.max`, `memory.current`, `pids.max`, v1
    /// `memory.limit_in_bytes`, `memory.failcnt`): `None` for no limit (`max`, or the v1
    /// page counter's maximum, `9223372036854771712` with 4 KiB pages).
    Single { value: Option<u64>, line: Line },
    /// `key value` lines (`memory.events`, `memory.stat`, `pids.events`, v1 `memory.oom_control`).
    Counters(KeyValues),
    /// A pressure stall file (`memory.pressure`).
    Pressure(Pressure),
}

impl CgroupNode {
    /// The file `name` of this cgroup.
    pub fn file(&self, name: &str) -> Option<&CgroupFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// A single-value file: the file and its value (`None` for no limit).
    pub fn single(&self, name: &str) -> Option<(&CgroupFile, Option<u64>, &Line)> {
        let f = self.file(name)?;
        match &f.value {
            CgroupValue::Single { value, line } => Some((f, *value, line)),
            _ => None,
        }
    }

    /// A counter of a `key value` file: the file and the counter's row.
    pub fn counter(&self, name: &str, key: &str) -> Option<(&CgroupFile, &KeyValue)> {
        let f = self.file(name)?;
        match &f.value {
            CgroupValue::Counters(kv) => kv.get(key).map(|row| (f, row)),
            _ => None,
        }
    }

    /// The pressure file `name` (`memory.pressure`).
    pub fn pressure(&self, name: &str) -> Option<(&CgroupFile, &Pressure)> {
        let f = self.file(name)?;
        match &f.value {
            CgroupValue::Pressure(p) => Some((f, p)),
            _ => None,
        }
    }
}

/// Pressure stall information (`/proc/pressure/<resource>`, a cgroup's `<resource>.pressure`):
/// the share of time some or all non-idle tasks were stalled on the resource.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pressure {
    /// `memory`, `cpu`, `io` or `irq`, from the file's name; `None` for a pasted file.
    pub resource: Option<String>,
    /// At least one task stalled.
    pub some: Option<PressureLine>,
    /// All non-idle tasks stalled at once.
    pub full: Option<PressureLine>,
}

/// `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`.
#[derive(Debug, Clone, Serialize)]
pub struct PressureLine {
    /// Percent of wall time stalled, averaged over 10, 60 and 300 seconds.
    pub avg10: f64,
    pub avg60: f64,
    pub avg300: f64,
    /// Microseconds stalled in all.
    pub total_us: u64,
    pub line: Line,
}

/// `/proc/net/sockstat`: what the sockets of the host use now.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sockstat {
    pub sockets_used: Option<u64>,
    pub tcp_inuse: Option<u64>,
    /// TCP sockets no longer attached to a file (closed by the program, still sending).
    pub tcp_orphan: Option<u64>,
    pub tcp_tw: Option<u64>,
    pub tcp_alloc: Option<u64>,
    /// Memory TCP holds, in pages: what `net.ipv4.tcp_mem` limits.
    pub tcp_mem_pages: Option<u64>,
    pub tcp_line: Option<Line>,
}

/// A kernel limit on tasks: `/proc/sys/kernel/pid_max` or `threads-max`.
#[derive(Debug, Clone, Serialize)]
pub struct TaskLimit {
    pub limit: TaskLimitKind,
    pub value: u64,
    pub line: Line,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskLimitKind {
    /// `kernel.pid_max`: process ids go up to this value less one.
    PidMax,
    /// `kernel.threads-max`: the number of tasks the kernel allows at once.
    ThreadsMax,
}

impl TaskLimitKind {
    /// The sysctl name.
    pub fn sysctl(self) -> &'static str {
        match self {
            TaskLimitKind::PidMax => "kernel.pid_max",
            TaskLimitKind::ThreadsMax => "kernel.threads-max",
        }
    }
}

/// `/proc/cgroups`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cgroups {
    pub controllers: Vec<CgroupController>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CgroupController {
    pub name: String,
    pub hierarchy: u32,
    pub num_cgroups: u64,
    pub enabled: bool,
    pub line: Line,
}

/// `free` output, any procps version, any unit flag. All sizes in bytes (as precise as the
/// unit allowed: `-h` values are rounded by `free` itself).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Free {
    /// Old procps with `-/+ buffers/cache`, or new with `available`.
    pub layout: FreeLayout,
    /// The unit the values were printed in (`KiB`, `MiB`, `human`...).
    pub unit: String,
    pub mem: FreeRow,
    pub swap: Option<FreeRow>,
    pub mem_line: Option<Line>,
    pub swap_line: Option<Line>,
    /// Neither a command line, a suffix nor the file's name said the unit: KiB was assumed,
    /// until the bundle's `MemTotal` settles it (`parse::free::settle_units`).
    #[serde(skip)]
    pub unit_assumed: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeLayout {
    #[default]
    Available,
    BuffersCache,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FreeRow {
    pub total_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    pub free_bytes: Option<u64>,
    pub shared_bytes: Option<u64>,
    pub buffers_bytes: Option<u64>,
    pub cache_bytes: Option<u64>,
    pub buff_cache_bytes: Option<u64>,
    pub available_bytes: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Host
// ---------------------------------------------------------------------------------------------

/// `uname -a`.
#[derive(Debug, Clone, Serialize)]
pub struct Uname {
    pub kernel_name: String,
    pub hostname: Option<String>,
    pub release: String,
    pub version: Option<String>,
    pub machine: Option<String>,
    pub line: Line,
}

/// `uptime` output.
#[derive(Debug, Clone, Serialize)]
pub struct Uptime {
    /// Time of day printed first (`20:10:01`), without a date.
    pub time_of_day: Option<civil::Time>,
    /// Uptime in seconds; minute precision (`up 31 days, 20:10` ).
    pub uptime_s: Option<u64>,
    pub users: Option<u32>,
    pub load: Option<[f64; 3]>,
    pub line: Line,
}

/// `date` output (`Tue Jan 23 20:12:40 CST 2018`, RFC 3339, `+%s`).
#[derive(Debug, Clone, Serialize)]
pub struct DateOutput {
    pub wall: WallClock,
    pub line: Line,
}

/// `/proc/uptime`.
#[derive(Debug, Clone, Serialize)]
pub struct ProcUptime {
    pub uptime_s: f64,
    pub idle_s: Option<f64>,
    pub line: Line,
}

/// `/proc/stat` (only what the analysis uses).
#[derive(Debug, Clone, Serialize)]
pub struct ProcStat {
    /// Boot time, seconds since the epoch.
    pub btime: Option<i64>,
    pub btime_line: Option<Line>,
    pub processes: Option<u64>,
    pub procs_running: Option<u64>,
    pub cpus: u32,
}

/// `/proc/loadavg`: `0.57 0.28 0.19 1/234 5678`.
#[derive(Debug, Clone, Serialize)]
pub struct LoadAvg {
    pub load: [f64; 3],
    /// Runnable scheduling entities now.
    pub running: u64,
    /// Scheduling entities (threads) that exist now.
    pub threads: u64,
    pub line: Line,
}

/// The version of a container runtime component: `docker version`, `docker info`,
/// `runc --version`, `containerd --version`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuntimeVersion {
    /// `docker-client`, `docker-engine`, `containerd`, `runc`, `docker-init`, `podman`, `crictl`.
    pub component: String,
    /// The version as printed (`1.0.0-rc3`, `17.06.2-ce`), when printed.
    pub version: Option<String>,
    /// The git commit, when printed.
    pub commit: Option<String>,
    pub line: Line,
}

/// Time zone evidence: `/etc/localtime` (TZif), `/etc/timezone`, `timedatectl`.
#[derive(Debug, Clone, Serialize)]
pub struct TimezoneInfo {
    /// IANA name when known (`Asia/Shanghai`).
    pub name: Option<String>,
    /// Fixed offset in seconds when that is all that is known (`+0800` in timedatectl).
    pub offset_s: Option<i32>,
    /// TZif bytes of `/etc/localtime`, when the bundle had it (not serialized).
    #[serde(skip)]
    pub tzif: Option<Vec<u8>>,
    pub line: Option<Line>,
}

// ---------------------------------------------------------------------------------------------
// Containers and runtimes
// ---------------------------------------------------------------------------------------------

/// One `docker events` event, text (current or pre-1.10) or JSON.
#[derive(Debug, Clone, Serialize)]
pub struct DockerEvent {
    pub time: Option<WallClock>,
    /// `container`, `network`, `image`... (empty for pre-1.10 text).
    pub object_type: String,
    /// `create`, `start`, `die`, `oom`, `exec_create: sh`...
    pub action: String,
    pub actor_id: String,
    /// Shared strings: the events of one container repeat its name, image and labels, and a
    /// busy host keeps tens of thousands of events.
    pub attributes: BTreeMap<Arc<str>, Arc<str>>,
    pub line: Line,
    /// Routine events of the same signature folded into this one (see [`crate::retention`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeats>,
}

impl DockerEvent {
    /// The container name, when the event carried one.
    pub fn name(&self) -> Option<&str> {
        self.attributes.get("name").map(|n| &**n)
    }
    pub fn exit_code(&self) -> Option<i64> {
        self.attributes.get("exitCode").and_then(|v| v.parse().ok())
    }
}

/// Which engine wrote an inspect document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Docker,
    Podman,
    Oci,
    Unknown,
}

/// A container's configuration and state: `docker inspect`, `podman inspect` or OCI `config.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Container {
    pub engine: Engine,
    pub id: String,
    pub name: Option<String>,
    pub image: Option<String>,
    pub created: Option<WallClock>,
    pub state: ContainerState,
    pub memory: MemoryLimits,
    /// Environment variable names (values are never kept: they hold secrets).
    pub env_names: Vec<String>,
    pub command: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub cgroup_parent: Option<String>,
    pub runtime: Option<String>,
    /// The line that starts this container's document.
    pub line: Line,
    /// `NAME=value` of the environment's runtime sizing variables
    /// ([`crate::redact::SIZING_ENV`]: `JAVA_OPTS`, `NODE_OPTIONS`, `GOMEMLIMIT`, ...), masked.
    pub sizing_env: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ContainerState {
    pub status: Option<String>,
    pub running: Option<bool>,
    pub oom_killed: Option<bool>,
    pub oom_killed_line: Option<Line>,
    pub exit_code: Option<i64>,
    pub exit_code_line: Option<Line>,
    /// `State.Error`: the start failure text.
    pub error: Option<String>,
    pub error_line: Option<Line>,
    /// `State.Error` read as a runtime error, when it is one.
    pub start_error: Option<RuntimeError>,
    pub started_at: Option<WallClock>,
    pub finished_at: Option<WallClock>,
}

/// Memory settings in bytes; `None` when absent or null, `Some(0)` when set to 0 (docker's
/// "unlimited").
#[derive(Debug, Clone, Default, Serialize)]
pub struct MemoryLimits {
    pub limit_bytes: Option<i64>,
    pub limit_line: Option<Line>,
    pub reservation_bytes: Option<i64>,
    pub swap_bytes: Option<i64>,
    pub kernel_bytes: Option<i64>,
    pub kernel_tcp_bytes: Option<i64>,
    pub swappiness: Option<i64>,
    pub oom_kill_disable: Option<bool>,
}

/// A record of a daemon log (dockerd, containerd, kubelet): logrus `time=... level=... msg=...`,
/// journald or syslog framing.
#[derive(Debug, Clone, Serialize)]
pub struct DaemonRecord {
    pub daemon: String,
    pub time: Option<WallClock>,
    /// `error`, `warning`, `info`... as printed (`E`/`W`/`I` klog letters mapped).
    pub level: Option<String>,
    pub message: String,
    /// Other logrus fields (`error=...`, `container=...`, `module=...`).
    pub fields: BTreeMap<String, String>,
    pub line: Line,
    /// Records of the same signature folded into this one (see [`crate::retention`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeats>,
    /// What the line says happened to a pod or container, when it is a kubelet or CRI line
    /// that says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kube: Option<KubeLogEvent>,
}

impl DaemonRecord {
    /// What the line says happened to a pod or container, when it says so.
    pub fn kube_action(&self) -> Option<&KubeAction> {
        self.kube.as_ref().map(|k| &k.action)
    }

    /// `dockerd error: msg (error field)`: the record in one line, as the timeline tells it (the
    /// `error` field is added when the message does not already hold it).
    pub fn summary(&self) -> String {
        let mut text = String::new();
        self.summary_into(&mut text);
        text
    }

    /// [`DaemonRecord::summary`], appended to `out`.
    pub fn summary_into(&self, out: &mut String) {
        let error = self.fields.get("error").map(String::as_str);
        write_summary(
            out,
            &self.daemon,
            self.level.as_deref(),
            &self.message,
            error,
        );
    }
}

/// The summary of a record of `daemon` at `level` saying `message` with this `error` field
/// (see [`DaemonRecord::summary`]), appended to `out`: also for a record not built yet.
pub fn write_summary(
    out: &mut String,
    daemon: &str,
    level: Option<&str>,
    message: &str,
    error: Option<&str>,
) {
    out.push_str(daemon);
    out.push(' ');
    let lowered = out.len();
    out.push_str(level.unwrap_or(""));
    if let Some(level) = out.get_mut(lowered..) {
        level.make_ascii_lowercase();
    }
    out.push_str(": ");
    out.push_str(message.trim());
    if let Some(e) = error.filter(|e| !message.contains(e)) {
        out.push_str(" (");
        out.push_str(e);
        out.push(')');
    }
}

/// A container runtime error found in any text (daemon log, pasted CLI output, `State.Error`).
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeError {
    pub line: Line,
    pub time: Option<WallClock>,
    pub kind: RuntimeErrorKind,
    /// `exit status N` of runc's nsexec: a bail-site counter of that runc build, never an errno.
    pub exit_status: Option<i32>,
    /// The `nsenter:`/`nsexec` step that failed (`failed to unshare namespaces`).
    pub failed_step: Option<String>,
    /// The errno text after it (`Cannot allocate memory`, `Invalid argument`).
    pub errno_text: Option<String>,
    /// `mkdir /sys/fs/cgroup/memory/...` path for cgroup creation failures.
    pub cgroup_path: Option<String>,
    /// `container_linux.go:262` style source locations, in order.
    pub go_locations: Vec<String>,
    /// A container name or id near the error, when the text named one.
    pub container: Option<String>,
    /// The daemon's own set-up step that failed before the runtime ran, when it was one.
    pub setup: Option<SetupStep>,
    /// The Kubernetes pod a kubelet line ties the error to: `namespace/name` (structured klog's
    /// `pod=`, the older `name_namespace(uid)`), or the name alone.
    pub pod: Option<String>,
    /// That pod's uid (`podUID=`, the older form's `(uid)`).
    pub pod_uid: Option<String>,
}

/// A step of a container's start that failed outside the kernel's namespace and cgroup set-up:
/// the daemon's own steps before the OCI runtime runs, or the container's command itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupStep {
    /// The network endpoint: `failed to create endpoint <name> on network <net>: ...` (the
    /// veth pair, `failed to add the host (vethA) <=> sandbox (vethB) pair interfaces`), or
    /// `failed to set up container networking`.
    Network,
    /// The root filesystem: `error creating overlay mount to <path>: ...`.
    Mount,
    /// The container's own command, which runc could not run once the namespaces were set up:
    /// `exec: "dd": executable file not found in $PATH`, `exec /app/run.sh: exec format error`.
    Process,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeErrorKind {
    /// `oci runtime error` / `OCI runtime create failed` / `starting container process caused`,
    /// and the daemon's network and mount set-up errors of a start.
    StartFailure,
    /// An exec into a running container failed (`OCI runtime exec failed`, `exec failed`, a
    /// probe's `ExecSync ... failed`): the container was running, nothing failed to start.
    ExecFailure,
    /// `mkdir /sys/fs/cgroup/...: no space left on device` / `cannot allocate memory`.
    CgroupCreate,
    /// Any other runtime error text (`getting the final child's pid from pipe caused EOF`).
    Other,
}

/// `manifest.json` of the postmortem collector.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Manifest {
    pub collector: Option<String>,
    pub version: Option<String>,
    pub hostname: Option<String>,
    pub started_at: Option<Timestamp>,
    pub commands: Vec<ManifestCommand>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestCommand {
    pub command: String,
    /// Output file inside the bundle.
    pub output: Option<String>,
    pub exit_status: Option<i32>,
    pub started_at: Option<Timestamp>,
    pub duration_s: Option<f64>,
    pub bytes: Option<u64>,
    pub truncated: bool,
}

// ---------------------------------------------------------------------------------------------
// The bundle's facts
// ---------------------------------------------------------------------------------------------

/// What was read from one bundle entry, and how.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub path: String,
    pub size: u64,
    pub kind: SourceKind,
    pub detection: Detection,
    pub records: u64,
    pub warnings: Vec<Warning>,
    /// The entry could not be read (or was skipped): why.
    pub problem: Option<String>,
    /// File modification time in the archive, seconds since the epoch (weakest clock anchor).
    pub mtime: Option<i64>,
}

/// Everything parsed from a bundle. Collections keep bundle order (the order entries were read),
/// which the bundle reader makes deterministic.
/// The application an [`AppConfig`] configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AppKind {
    Gunicorn,
    Uwsgi,
    Postgres,
}

/// An application's configuration file: its `name = value` settings in file order (a name
/// given twice is there twice; the later one holds).
#[derive(Debug, Clone, Serialize)]
pub struct AppConfig {
    pub app: AppKind,
    pub settings: Vec<AppSetting>,
}

/// One `name = value` line of an application's configuration, its value unquoted.
#[derive(Debug, Clone, Serialize)]
pub struct AppSetting {
    pub name: String,
    pub value: String,
    pub line: Line,
}

/// One unit of `systemctl status`: what it uses, the memory limits it sets, the drop-ins that
/// may set them, and its control group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemdUnitStatus {
    /// `batch.slice`, `report-export.service`.
    pub name: String,
    pub description: Option<String>,
    /// The unit's header line.
    pub line: Line,
    /// `CGroup: /batch.slice`.
    pub cgroup: Option<String>,
    /// Memory in use when the status was taken, in bytes.
    pub memory_bytes: Option<u64>,
    /// The settings of the `Memory:` line (`max`, `high`, `limit`, `available`, ...), in bytes.
    pub memory_limits: Vec<UnitMemoryLimit>,
    pub memory_line: Option<Line>,
    /// Drop-in files, full paths (`/etc/systemd/system/batch.slice.d/50-MemoryMax.conf`).
    pub drop_ins: Vec<String>,
    /// `Main PID: 4388 (python3)`; a failed unit keeps the pid its main process had
    /// (`Main PID: 4120 (code=killed, signal=KILL)`).
    pub main_pid: Option<u32>,
    pub main_pid_line: Option<Line>,
    /// The processes of its `CGroup:` tree, in the order printed.
    pub processes: Vec<UnitProcess>,
}

/// A process of a unit's `CGroup:` tree: `└─2211 /usr/bin/java -Xmx640m -jar loader.jar`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitProcess {
    pub pid: u32,
    /// The command line as printed (systemd may shorten a long one with `…`).
    pub command: String,
    /// The unit below this one whose cgroup holds the process, in a slice's tree
    /// (`etl-loader.service`); `None` for the unit's own.
    pub unit: Option<String>,
    pub line: Line,
}

impl UnitProcess {
    /// The command line's words.
    pub fn words(&self) -> Vec<String> {
        self.command
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

impl SystemdUnitStatus {
    /// The setting `key` (`max`, `limit`, `high`) of the `Memory:` line, in bytes.
    pub fn limit(&self, key: &str) -> Option<u64> {
        self.memory_limits
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.bytes)
    }
}

/// A setting of a unit's `Memory:` line: `max: 1.0G`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitMemoryLimit {
    pub key: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {
    pub sources: Vec<SourceInfo>,

    pub kernel_logs: Vec<Sourced<KernelLog>>,
    pub daemon_logs: Vec<Sourced<Vec<DaemonRecord>>>,
    pub runtime_errors: Vec<Sourced<Vec<RuntimeError>>>,

    pub free: Vec<Sourced<Free>>,
    pub meminfo: Vec<Sourced<KeyValues>>,
    pub vmstat: Vec<Sourced<KeyValues>>,
    pub sysctl: Vec<Sourced<KeyValues>>,
    pub buddyinfo: Vec<Sourced<BuddyInfo>>,
    pub pagetypeinfo: Vec<Sourced<PageTypeInfo>>,
    pub extfrag_index: Vec<Sourced<FragIndexTable>>,
    pub unusable_index: Vec<Sourced<FragIndexTable>>,
    pub slabinfo: Vec<Sourced<SlabInfo>>,
    pub zoneinfo: Vec<Sourced<ZoneInfo>>,
    pub cgroups: Vec<Sourced<Cgroups>>,

    pub uname: Vec<Sourced<Uname>>,
    pub hostname: Vec<Sourced<Line>>,
    pub uptime: Vec<Sourced<Uptime>>,
    pub date: Vec<Sourced<DateOutput>>,
    pub proc_uptime: Vec<Sourced<ProcUptime>>,
    pub proc_stat: Vec<Sourced<ProcStat>>,
    pub timezone: Vec<Sourced<TimezoneInfo>>,
    pub loadavg: Vec<Sourced<LoadAvg>>,
    pub runtime_versions: Vec<Sourced<Vec<RuntimeVersion>>>,

    pub docker_events: Vec<Sourced<Vec<DockerEvent>>>,
    pub containers: Vec<Sourced<Container>>,
    pub manifest: Vec<Sourced<Manifest>>,
    pub systemd_units: Vec<Sourced<Vec<SystemdUnitStatus>>>,

    pub kube_pods: Vec<Sourced<Vec<KubePod>>>,
    pub kube_events: Vec<Sourced<Vec<KubeEvent>>>,
    pub cri_containers: Vec<Sourced<Vec<CriContainer>>>,
    pub kube_nodes: Vec<Sourced<Vec<KubeNode>>>,
    pub cgroup_nodes: Vec<CgroupNode>,
    pub pressure: Vec<Sourced<Pressure>>,
    pub sockstat: Vec<Sourced<Sockstat>>,
    pub task_limits: Vec<Sourced<TaskLimit>>,
    pub app_configs: Vec<Sourced<AppConfig>>,
}

impl Facts {
    /// Move every fact of `part` to the end of these: a field added to `Facts` must be
    /// added here, which the destructuring makes the compiler say.
    pub fn append(&mut self, part: Facts) {
        let Facts {
            sources,
            kernel_logs,
            daemon_logs,
            runtime_errors,
            free,
            meminfo,
            vmstat,
            sysctl,
            buddyinfo,
            pagetypeinfo,
            extfrag_index,
            unusable_index,
            slabinfo,
            zoneinfo,
            cgroups,
            uname,
            hostname,
            uptime,
            date,
            proc_uptime,
            proc_stat,
            timezone,
            loadavg,
            runtime_versions,
            docker_events,
            containers,
            manifest,
            kube_pods,
            kube_events,
            cri_containers,
            kube_nodes,
            systemd_units,
            cgroup_nodes,
            pressure,
            sockstat,
            task_limits,
            app_configs,
        } = part;
        self.sources.extend(sources);
        self.kernel_logs.extend(kernel_logs);
        self.daemon_logs.extend(daemon_logs);
        self.runtime_errors.extend(runtime_errors);
        self.free.extend(free);
        self.meminfo.extend(meminfo);
        self.vmstat.extend(vmstat);
        for settings in sysctl {
            // What the kernel ran with (`sysctl -a`) is filed before configuration files, which
            // say what a boot would set: a key is read from the first that has it, whatever
            // order the bundle lists them in (`etc/` before `sos_commands/`).
            let at = if is_sysctl_configuration(&settings.path) {
                self.sysctl.len()
            } else {
                self.sysctl
                    .iter()
                    .position(|s| is_sysctl_configuration(&s.path))
                    .unwrap_or(self.sysctl.len())
            };
            self.sysctl.insert(at, settings);
        }
        self.buddyinfo.extend(buddyinfo);
        self.pagetypeinfo.extend(pagetypeinfo);
        self.extfrag_index.extend(extfrag_index);
        self.unusable_index.extend(unusable_index);
        self.slabinfo.extend(slabinfo);
        self.zoneinfo.extend(zoneinfo);
        self.cgroups.extend(cgroups);
        self.uname.extend(uname);
        self.hostname.extend(hostname);
        self.uptime.extend(uptime);
        self.date.extend(date);
        self.proc_uptime.extend(proc_uptime);
        self.proc_stat.extend(proc_stat);
        self.timezone.extend(timezone);
        self.loadavg.extend(loadavg);
        self.runtime_versions.extend(runtime_versions);
        self.docker_events.extend(docker_events);
        self.containers.extend(containers);
        self.manifest.extend(manifest);
        self.kube_pods.extend(kube_pods);
        self.kube_events.extend(kube_events);
        self.cri_containers.extend(cri_containers);
        self.kube_nodes.extend(kube_nodes);
        self.systemd_units.extend(systemd_units);
        for node in cgroup_nodes {
            self.file_cgroup(node);
        }
        self.pressure.extend(pressure);
        self.sockstat.extend(sockstat);
        self.task_limits.extend(task_limits);
        self.app_configs.extend(app_configs);
    }

    /// Add the files of a cgroup to the node of the same path and hierarchy, or as a new one.
    pub fn file_cgroup(&mut self, node: CgroupNode) {
        match self
            .cgroup_nodes
            .iter_mut()
            .find(|n| n.cgroup == node.cgroup && n.hierarchy == node.hierarchy)
        {
            Some(known) => known.files.extend(node.files),
            None => self.cgroup_nodes.push(node),
        }
    }
}

/// Whether a sysctl file is configuration (`/etc/sysctl.conf`, `sysctl.d/*.conf`) rather than
/// the running kernel's values.
fn is_sysctl_configuration(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".conf")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sosreport lists `etc/sysctl.d/*.conf` and `usr/lib/sysctl.d/*.conf` beside
    /// `sos_commands/kernel/sysctl_-a`: the running kernel's value is the one read, in
    /// whichever order the files come.
    #[test]
    fn sysctl_output_is_read_before_configuration_files() {
        let text = |name: &str| crate::parse::test_data(&format!("sysctl/{name}"));
        let part = |path: &str, name: &str| {
            let mut facts = Facts::default();
            let parsed = crate::parse::keyvalue::parse_sysctl(&text(name));
            facts.sysctl.push(Sourced {
                path: path.to_string(),
                value: parsed.value,
            });
            facts
        };
        let conf = || {
            part(
                "etc/sysctl.d/50-pid-max.conf",
                "debian12-systemd-50-pid-max.conf.txt",
            )
        };
        let live = || {
            part(
                "sos_commands/kernel/sysctl_-a",
                "debian12-sos-sysctl-a-kernel-p.txt",
            )
        };
        for parts in [[conf(), live()], [live(), conf()]] {
            let mut facts = Facts::default();
            for p in parts {
                facts.append(p);
            }
            let first = facts
                .sysctl
                .iter()
                .find_map(|s| s.value.get("kernel.pid_max"))
                .and_then(|kv| kv.value);
            assert_eq!(first, Some(32768));
            assert_eq!(facts.sysctl.len(), 2);
        }
    }

    /// A kernel message kind's `as_str` is its serialized `type`.
    #[test]
    fn kernel_message_kinds_name_themselves_as_serialized() {
        for kind in [
            KernelMessageKind::Boot {
                release: "5.10.0".into(),
            },
            KernelMessageKind::ConntrackTableFull,
            KernelMessageKind::UnregisterNetdevice {
                device: "lo".into(),
                usage_count: None,
            },
            KernelMessageKind::HungTask {
                task: "dockerd".into(),
                pid: None,
                seconds: None,
            },
            KernelMessageKind::SoftLockup {
                cpu: Some(1),
                seconds: Some(134),
                task: None,
                pid: None,
            },
            KernelMessageKind::RcuStall {
                flavour: "rcu_sched".into(),
            },
            KernelMessageKind::VmallocFailure {
                allocated: None,
                requested: None,
            },
            KernelMessageKind::NfConnCacheFailure,
            KernelMessageKind::AllocStall {
                task: None,
                millis: None,
                order: None,
                mode: None,
            },
            KernelMessageKind::OomReaper {
                pid: None,
                comm: None,
            },
            KernelMessageKind::Oops,
            KernelMessageKind::RateLimited { suppressed: None },
            KernelMessageKind::BridgePort {
                bridge: "docker0".into(),
                port: "veth1".into(),
                state: "forwarding".into(),
            },
            KernelMessageKind::PidsForkRejected {
                cgroup: "/system.slice".into(),
            },
            KernelMessageKind::TcpOutOfMemory,
            KernelMessageKind::TcpTooManyOrphans,
            KernelMessageKind::XfsAllocDeadlock {
                task: None,
                pid: None,
                size: None,
                function: None,
                mode: None,
            },
        ] {
            let json = serde_json::to_value(&kind).unwrap_or_default();
            assert_eq!(json["type"], kind.as_str(), "{kind:?}");
        }
        for part in [OomReportPart::Header, OomReportPart::KillLine] {
            assert_eq!(serde_json::json!(part), part.as_str());
        }
    }
}
