//! The state machine over kernel messages: at most one multi-line report is open at a time; each
//! message is offered to it, and a message it does not take (or one that starts another report)
//! closes it. Only report state is kept, never ordinary lines.

use crate::facts::{
    AllocFailure, BootMark, BootMarkKind, CacheCreateFailure, KernelLog, KernelMessage,
    KernelMessageKind, Line, MemInfoDump, OomKill, OomReportPart, OomScope, SlubFailure, Stamp,
    Warning,
};

use super::meminfo::{self, MemInfoBuilder};
use super::messages::{self, Signature};
use super::trace::{self, DumpLine};
use super::{alloc_failure, oom, prefilter, slab, LogLine};

/// The report being read.
#[derive(Debug)]
enum Open {
    Alloc(Box<AllocState>),
    Oom(Box<OomState>),
    CacheCreate(Box<CacheCreateFailure>),
    Slub(Box<SlubFailure>),
    MemInfo(Box<MemInfoBuilder>),
}

#[derive(Debug)]
struct AllocState {
    report: AllocFailure,
    meminfo: Option<MemInfoBuilder>,
}

#[derive(Debug)]
struct OomState {
    kill: OomKill,
    meminfo: Option<MemInfoBuilder>,
    meminfo_done: bool,
    release: Option<String>,
    in_stats: bool,
    in_table: bool,
    kill_line_scope: OomScope,
    memcg_context: bool,
    /// A call trace frame of the memory cgroup's charge path was read.
    memcg_trace: bool,
    /// The `Killed process` line was read: the report is complete.
    killed: bool,
    /// The task table's column names, from its header.
    task_columns: Vec<String>,
}

impl OomState {
    fn new(kill: OomKill) -> OomState {
        OomState {
            kill,
            meminfo: None,
            meminfo_done: false,
            release: None,
            in_stats: false,
            in_table: false,
            kill_line_scope: OomScope::Unknown,
            task_columns: Vec::new(),
            memcg_context: false,
            memcg_trace: false,
            killed: false,
        }
    }
}

/// A closed report that a Mem-Info block printed just after it may still belong to.
#[derive(Debug, Clone, Copy)]
enum Closed {
    Alloc(usize),
    Oom(usize),
}

/// How many lines may separate a report from a Mem-Info block that belongs to it (a rate-limit
/// notice such as `show_mem: 3 callbacks suppressed` can sit in between).
const MEMINFO_ATTACH_GAP: u32 = 3;

/// How far seconds since boot may go back between two messages of one boot: CPUs stamp their
/// messages on their own clocks, and a message can reach the log a little after a later one.
const UPTIME_JITTER_S: f64 = 1.0;

/// Collects reports and notable messages into a [`KernelLog`].
#[derive(Debug)]
pub struct Reports {
    open: Option<Open>,
    last_closed: Option<(Closed, u32)>,
    pub log: KernelLog,
    /// Kernel release of each OOM report's own `CPU:` line, by index in `log.oom_kills`.
    pub oom_releases: Vec<Option<String>>,
    pub warnings: Vec<Warning>,
    /// Routine messages are past their cap: they are counted in `routine_counted`, not kept.
    pub routine_full: bool,
    pub routine_counted: u64,
    /// Whether a message that holds no report literal but the bridge port one skips the
    /// signature set (see [`Reports::feed`]); off only in the tests that check the skip
    /// changes nothing.
    pub literal_shortcut: bool,
    /// The seconds-since-boot stamp of the last message, to see the log span a reboot.
    last_uptime_s: Option<f64>,
    /// A journal boot marker waits for the stamp of the boot's first message.
    unstamped_mark: Option<usize>,
}

impl Reports {
    pub fn new(log: KernelLog) -> Reports {
        Reports {
            open: None,
            last_closed: None,
            log,
            oom_releases: Vec::new(),
            warnings: Vec::new(),
            routine_full: false,
            routine_counted: 0,
            literal_shortcut: true,
            last_uptime_s: None,
            unstamped_mark: None,
        }
    }

    /// Whether no report is open, so that a message matching no signature changes nothing.
    pub fn is_idle(&self) -> bool {
        self.open.is_none()
    }

    /// Count `body` if it is a bridge port message past the cap: what [`Reports::feed`] does
    /// with a message that holds no literal but the bridge port one.
    pub fn count_routine(&mut self, body: &str) {
        if self.routine_full && self.open.is_none() && messages::is_bridge_port(body) {
            self.routine_counted = self.routine_counted.saturating_add(1);
        }
    }

    /// Read one kernel message line (or continuation line).
    pub fn feed(&mut self, l: &LogLine<'_>) {
        // With no report open, a message holding no report literal but the bridge port one can
        // match the bridge port signature at most, and `idle` acts on that signature only when
        // the message reads as a bridge port message (which only a signature match can), its
        // other checks needing other literals: the signature set need not run. A container
        // host's log holds thousands of such messages.
        if self.literal_shortcut
            && self.open.is_none()
            && !prefilter::may_match_besides_bridge(l.body)
        {
            self.idle(l, &[Signature::BridgePort]);
            return;
        }
        let sigs = messages::signatures(l.body);
        let sigs = sigs.as_deref().unwrap_or(&[]);
        if let Some(open) = self.open.as_mut() {
            if !starts_other(open, sigs) && offer(open, l, sigs, &mut self.warnings) {
                return;
            }
            self.close(false);
        }
        self.idle(l, sigs);
    }

    /// Note the stamp of kernel message line `no` (`text`, verbatim), which every kernel
    /// message passes, ordinary ones too: one stamped earlier, in seconds since boot, than the
    /// one before it starts a new boot. Not inside a report: a boot does not begin in the middle
    /// of one (a log cut by a crash goes on with the next boot's banner), and a pasted report
    /// whose stamps were mangled would read as many boots.
    pub fn note_stamp(&mut self, no: u32, text: &str, stamp: &Stamp) {
        if let Some(mark) = self.unstamped_mark.take() {
            if let Some(m) = self.log.boot_marks.get_mut(mark) {
                m.stamp = stamp.clone();
            }
            // The journal said it already: the seconds since boot start again with its boot.
            self.last_uptime_s = None;
        }
        let Some(now) = stamp.uptime_s else {
            return;
        };
        let went_back = self.last_uptime_s.filter(|&p| now + UPTIME_JITTER_S < p);
        if let Some(previous_s) = went_back.filter(|_| self.open.is_none()) {
            self.log.boot_marks.push(BootMark {
                line: Line::new(no, text),
                stamp: stamp.clone(),
                kind: BootMarkKind::UptimeReset { previous_s },
            });
        }
        self.last_uptime_s = Some(now);
    }

    /// A journal boot marker (`-- Boot <id> --`, `-- Reboot --`) at line `no`: a new boot,
    /// stamped by its first message.
    pub fn note_journal_boot(&mut self, no: u32, text: &str, id: Option<&str>) {
        self.unstamped_mark = Some(self.log.boot_marks.len());
        self.log.boot_marks.push(BootMark {
            line: Line::new(no, text),
            stamp: Stamp::default(),
            kind: BootMarkKind::Journal {
                id: id.map(str::to_string),
            },
        });
    }

    /// Close the open report at end of input.
    pub fn finish(&mut self) {
        self.close(true);
    }

    fn idle(&mut self, l: &LogLine<'_>, sigs: &[Signature]) {
        for &sig in sigs {
            match sig {
                Signature::AllocFailure => {
                    let Some(h) = alloc_failure::parse_header(l.body) else {
                        continue;
                    };
                    if h.order.is_none() {
                        self.warnings.push(Warning::at(
                            l.no,
                            "page allocation failure without a readable order",
                        ));
                        return;
                    }
                    if h.gfp.is_none() {
                        self.warnings.push(Warning::at(
                            l.no,
                            "page allocation failure without a readable mode",
                        ));
                    }
                    let report = alloc_failure::start(h, l, l.stamp);
                    self.open = Some(Open::Alloc(Box::new(AllocState {
                        report,
                        meminfo: None,
                    })));
                    return;
                }
                Signature::OomHeader => {
                    if let Some(kill) = oom::parse_header(l.body, l) {
                        self.open = Some(Open::Oom(Box::new(OomState::new(kill))));
                        return;
                    }
                }
                Signature::CacheCreate => {
                    if let Some(c) = slab::parse_cache_create(l.body, l) {
                        self.open = Some(Open::CacheCreate(Box::new(c)));
                        return;
                    }
                    self.warnings.push(Warning::at(
                        l.no,
                        "kmem_cache_create failure without a readable cache name or error",
                    ));
                    return;
                }
                Signature::Slub => {
                    if let Some(s) = slab::parse_slub(l.body, l, &mut self.warnings) {
                        self.open = Some(Open::Slub(Box::new(s)));
                    }
                    return;
                }
                Signature::MemInfo => {
                    self.open = Some(Open::MemInfo(Box::new(MemInfoBuilder::new(l.no))));
                    return;
                }
                Signature::OomKill
                | Signature::OomSummary
                | Signature::TaskTable
                | Signature::OomMemcg => {
                    // A report whose header was not logged, or an excerpt that starts in the
                    // middle of one (cut off by `tail`, or pasted from there).
                    let kill = OomKill {
                        stamp: l.stamp.clone(),
                        end_line: l.no,
                        ..OomKill::default()
                    };
                    let mut open = Open::Oom(Box::new(OomState::new(kill)));
                    if offer(&mut open, l, sigs, &mut self.warnings) {
                        self.open = Some(open);
                    }
                    return;
                }
                Signature::BridgePort if self.routine_full => {
                    if messages::is_bridge_port(l.body) {
                        self.routine_counted = self.routine_counted.saturating_add(1);
                        return;
                    }
                }
                single => {
                    if let Some(kind) = messages::single_line(single, l.body) {
                        if let KernelMessageKind::Boot { release } = &kind {
                            self.log.kernel_release = Some(release.clone());
                        }
                        self.log.messages.push(KernelMessage {
                            line: l.line(),
                            stamp: l.stamp.clone(),
                            kind,
                            message: l.body.trim().to_string(),
                            repeat: None,
                        });
                        return;
                    }
                }
            }
        }
        let t = l.body.trim_start();
        if t.starts_with("CPU:") || t.starts_with("Pid: ") {
            if let Some(cpu) = trace::cpu_line(t) {
                self.note_release(cpu.release);
            }
            return;
        }
        if meminfo::is_headless_start(t) {
            let mut b = MemInfoBuilder::new(l.no);
            if b.feed(l, &mut self.warnings) {
                self.open = Some(Open::MemInfo(Box::new(b)));
            }
        }
    }

    fn note_release(&mut self, release: Option<&str>) {
        if self.log.kernel_release.is_none() {
            if let Some(r) = release {
                self.log.kernel_release = Some(r.to_string());
            }
        }
    }

    fn close(&mut self, eof: bool) {
        let Some(open) = self.open.take() else {
            return;
        };
        match open {
            Open::Alloc(st) => {
                let AllocState {
                    mut report,
                    meminfo,
                } = *st;
                report.mem_info = meminfo.map(MemInfoBuilder::finish);
                if eof && !meminfo_complete(report.mem_info.as_ref()) {
                    if let Some(m) = report.mem_info.as_mut() {
                        m.cut_off = true;
                    }
                    self.warnings.push(Warning::at(
                        report.end_line,
                        "page allocation failure report cut off at end of file",
                    ));
                }
                self.note_release(report.kernel_release.as_deref());
                if report.mem_info.is_none() {
                    let at = Closed::Alloc(self.log.alloc_failures.len());
                    self.last_closed = Some((at, report.end_line));
                }
                self.log.alloc_failures.push(report);
            }
            Open::Oom(st) => {
                let mut st = *st;
                if let Some(mi) = st.meminfo.take() {
                    let mut dump = mi.finish();
                    dump.cut_off = eof && !meminfo_complete(Some(&dump));
                    st.kill.mem_info = Some(dump);
                }
                oom::settle_scope(
                    &mut st.kill,
                    oom::ScopeEvidence {
                        kill_line: st.kill_line_scope,
                        memcg_summary: st.memcg_context,
                        memcg_trace: st.memcg_trace,
                    },
                );
                if st.kill.header.is_none() {
                    st.kill.missing.push(OomReportPart::Header);
                }
                if !st.killed {
                    st.kill.missing.push(OomReportPart::KillLine);
                }
                if eof && st.kill.victim.is_none() {
                    self.warnings.push(Warning::at(
                        st.kill.end_line,
                        "OOM report cut off at end of file (no killed process)",
                    ));
                }
                self.note_release(st.release.as_deref());
                if st.kill.mem_info.is_none() {
                    let at = Closed::Oom(self.log.oom_kills.len());
                    self.last_closed = Some((at, st.kill.end_line));
                }
                self.log.oom_kills.push(st.kill);
                self.oom_releases.push(st.release);
            }
            Open::CacheCreate(c) => self.log.cache_create_failures.push(*c),
            Open::Slub(s) => self.log.slub_failures.push(*s),
            Open::MemInfo(b) => {
                let mut dump = b.finish();
                dump.cut_off = eof && !meminfo_complete(Some(&dump));
                if dump.cut_off {
                    self.warnings.push(Warning::at(
                        dump.first_line,
                        "Mem-Info block cut off at end of file",
                    ));
                }
                self.file_meminfo(dump);
            }
        }
    }
}

impl Reports {
    /// File a Mem-Info block that was read on its own: it belongs to the report just before it
    /// when that report had none and ended a few lines earlier, else it stands alone (SysRq-m).
    fn file_meminfo(&mut self, dump: MemInfoDump) {
        if let Some((closed, end_line)) = self.last_closed.take() {
            if dump.first_line <= end_line.saturating_add(MEMINFO_ATTACH_GAP) {
                let slot = match closed {
                    Closed::Alloc(i) => self.log.alloc_failures.get_mut(i).map(|a| &mut a.mem_info),
                    Closed::Oom(i) => self.log.oom_kills.get_mut(i).map(|k| &mut k.mem_info),
                };
                if let Some(slot) = slot {
                    if slot.is_none() {
                        *slot = Some(dump);
                        return;
                    }
                }
            }
        }
        self.log.mem_info_dumps.push(dump);
    }
}

/// A Mem-Info block ends with the `pages reserved` line (or later lines).
fn meminfo_complete(m: Option<&MemInfoDump>) -> bool {
    m.is_some_and(|m| m.pages_reserved.is_some() || m.pages_ram.is_some())
}

/// Whether a line starts a report or message that the open report does not own.
fn starts_other(open: &Open, sigs: &[Signature]) -> bool {
    sigs.iter().any(|s| match open {
        Open::Alloc(st) => !(*s == Signature::MemInfo && st.meminfo.is_none()),
        Open::Oom(st) => match s {
            Signature::MemInfo => st.meminfo.is_some() || st.meminfo_done,
            Signature::OomKill
            | Signature::OomSummary
            | Signature::TaskTable
            | Signature::OomMemcg => false,
            _ => true,
        },
        Open::CacheCreate(_) | Open::Slub(_) | Open::MemInfo(_) => true,
    })
}

/// Offer a line to the open report; returns whether the report took it.
fn offer(open: &mut Open, l: &LogLine<'_>, sigs: &[Signature], w: &mut Vec<Warning>) -> bool {
    match open {
        Open::Alloc(st) => offer_alloc(st, l, sigs, w),
        Open::Oom(st) => offer_oom(st, l, sigs, w),
        Open::CacheCreate(c) => match trace::classify(l.body) {
            Some(DumpLine::Frame { function }) => {
                if let Some(f) = function {
                    c.call_trace.push(f.to_string());
                }
                true
            }
            Some(_) => true,
            None => false,
        },
        Open::Slub(s) => slab::feed_slub(s, l),
        Open::MemInfo(b) => b.feed(l, w),
    }
}

fn offer_alloc(
    st: &mut AllocState,
    l: &LogLine<'_>,
    sigs: &[Signature],
    w: &mut Vec<Warning>,
) -> bool {
    if let Some(mi) = st.meminfo.as_mut() {
        let took = mi.feed(l, w);
        if took {
            st.report.end_line = l.no;
        }
        return took;
    }
    let r = &mut st.report;
    if sigs.contains(&Signature::MemInfo) {
        st.meminfo = Some(MemInfoBuilder::new(l.no));
        r.end_line = l.no;
        return true;
    }
    let took = match trace::classify(l.body) {
        Some(DumpLine::Frame { function }) => {
            if let Some(f) = function {
                r.call_trace.push(f.to_string());
            }
            r.trace_lines.push(l.line());
            true
        }
        Some(DumpLine::Cpu(cpu)) => {
            if r.pid.is_none() {
                r.pid = cpu.pid;
                r.kernel_release = cpu.release.map(str::to_string);
            }
            true
        }
        Some(DumpLine::Context) => true,
        None => {
            if r.cpuset.is_none() {
                if let Some((cpuset, mems)) = alloc_failure::parse_cpuset_line(l.body) {
                    r.cpuset = Some(cpuset);
                    r.mems_allowed = Some(mems);
                    r.end_line = l.no;
                    return true;
                }
            }
            if meminfo::is_headless_start(l.body) {
                let mut mi = MemInfoBuilder::new(l.no);
                let took = mi.feed(l, w);
                st.meminfo = Some(mi);
                if took {
                    st.report.end_line = l.no;
                }
                return took;
            }
            false
        }
    };
    if took {
        r.end_line = l.no;
    }
    took
}

fn offer_oom(st: &mut OomState, l: &LogLine<'_>, sigs: &[Signature], w: &mut Vec<Warning>) -> bool {
    if st.killed {
        return false;
    }
    if let Some(mi) = st.meminfo.as_mut() {
        if mi.feed(l, w) {
            st.kill.end_line = l.no;
            return true;
        }
        st.kill.mem_info = st.meminfo.take().map(MemInfoBuilder::finish);
        st.meminfo_done = true;
    }
    let took = take_oom_line(st, l, sigs);
    if took {
        st.kill.end_line = l.no;
    }
    took
}

fn take_oom_line(st: &mut OomState, l: &LogLine<'_>, sigs: &[Signature]) -> bool {
    let t = l.body.trim();
    if sigs.contains(&Signature::OomKill) {
        if let Some((kind, mut victim, scope)) = oom::parse_kill(l.body, l) {
            if scope != OomScope::Unknown {
                st.kill_line_scope = scope;
            }
            if let Some(prev) = &st.kill.victim {
                victim.uid = victim.uid.or(prev.uid);
            }
            st.kill.victim = Some(victim);
            st.killed = kind == oom::KillLine::Killed;
            st.in_table = false;
            return true;
        }
    }
    if sigs.contains(&Signature::OomSummary) {
        st.in_table = false;
        return oom::apply_summary(&mut st.kill, l.body, l);
    }
    if sigs.contains(&Signature::TaskTable) {
        st.in_table = true;
        st.in_stats = false;
        st.task_columns = oom::task_columns(t);
        return true;
    }
    if st.in_table && oom::is_task_row(t) {
        st.kill.tasks = st.kill.tasks.saturating_add(1);
        st.kill
            .task_table
            .extend(oom::parse_task_row(t, &st.task_columns, l));
        return true;
    }
    if sigs.contains(&Signature::MemInfo) && !st.meminfo_done {
        st.meminfo = Some(MemInfoBuilder::new(l.no));
        st.in_stats = false;
        return true;
    }
    if let Some((task, limit)) = oom::parse_task_in(t) {
        st.kill.task_memcg = Some(task);
        st.kill.memcg = Some(limit);
        st.kill.memcg_line = Some(l.line());
        st.memcg_context = true;
        return true;
    }
    if let Some(rest) = t.strip_prefix("memory:") {
        let (u, lim, f) = oom::parse_usage(rest);
        st.kill.memory_usage_kb = u;
        st.kill.memory_limit_kb = lim;
        st.kill.memory_failcnt = f;
        st.kill.memory_line = Some(l.line());
        st.memcg_context = true;
        return true;
    }
    if let Some(rest) = t.strip_prefix("kmem:") {
        let (u, lim, f) = oom::parse_usage(rest);
        st.kill.kmem_usage_kb = u;
        st.kill.kmem_limit_kb = lim;
        st.kill.kmem_failcnt = f;
        st.kill.kmem_line = Some(l.line());
        return true;
    }
    if t.starts_with("memory+swap:") || t.starts_with("swap:") {
        return true;
    }
    if t.starts_with("Memory cgroup stats for ") {
        st.in_stats = true;
        st.memcg_context = true;
        st.kill.memcg_stats.extend(oom::parse_stats(t));
        return true;
    }
    // memory.stat is printed as one message: its lines are continuations, or (when every line
    // got its own stamp) `key value` pairs.
    if st.in_stats && (l.continuation || is_stat_line(t)) {
        st.kill.memcg_stats.extend(oom::parse_stats(t));
        return true;
    }
    if t.starts_with("Tasks state (memory values in pages)") {
        st.in_stats = false;
        return true;
    }
    if st.kill.header.is_some() && t.contains(" cpuset=") && t.contains("mems_allowed=") {
        return true;
    }
    match trace::classify(l.body) {
        Some(DumpLine::Cpu(cpu)) => {
            if st.release.is_none() {
                st.release = cpu.release.map(str::to_string);
            }
            true
        }
        Some(DumpLine::Frame { function }) => {
            if function.is_some_and(oom::is_memcg_charge_frame) {
                st.memcg_trace = true;
            }
            true
        }
        Some(_) => true,
        None => false,
    }
}

/// `anon 7601418240` (cgroup v2 memory.stat dumped one key per line).
fn is_stat_line(t: &str) -> bool {
    let mut it = t.split_ascii_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some(k), Some(v), None) => {
            k.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
                && v.parse::<u64>().is_ok()
        }
        _ => false,
    }
}
