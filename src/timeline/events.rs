//! Facts that matter to a postmortem, turned into events on the bundle's wall clock.
//!
//! Every event cites the file and line it came from. The text is a one-line summary in
//! postmortem's own words, quoting only short pieces of the bundle (a task name, an errno).

use crate::units;
use jiff::Timestamp;
use rayon::prelude::*;

use crate::derive::{BootEvidence, Derived};
use crate::facts::{
    AllocFailure, Container, DaemonRecord, DockerEvent, Facts, KernelLog, KernelLogFormat,
    KernelMessageKind, KubeAction, KubeLogEvent, OomKill, OomScope, RuntimeError, RuntimeErrorKind,
    Stamp, WallClock,
};
use crate::report::Severity;
use crate::retention::Repeats;

use super::anchors::{
    alloc_key, cache_create_key, message_key, message_stamp, oom_key, oom_line, slub_key, Identity,
};
use super::ClockResolution;

/// An event before ordering, de-duplication and folding.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub time: Option<Timestamp>,
    pub uptime_s: Option<f64>,
    pub source: &'a str,
    pub line: Option<u32>,
    pub kind: &'static str,
    pub text: String,
    pub severity: Severity,
    /// Identity shared by copies of one happening in several sources (one kernel line in dmesg,
    /// syslog and the journal; one container start in `docker events` and `docker inspect`).
    pub identity: Option<Identity<'a>>,
    /// Which copy is kept when copies merge, lower first: the one read on the better clock, or
    /// of the more telling kind.
    pub keep_rank: u8,
    /// Whether repeats of this event may fold into one.
    pub foldable: bool,
    /// The repeats that the parser folded into this one (see [`crate::retention`]); boxed, as
    /// few drafts have them.
    pub repeat: Option<Box<DraftRepeat>>,
}

/// Repeats folded into a draft as its log was parsed: how many, and when the last was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DraftRepeat {
    pub count: u64,
    pub last_time: Option<Timestamp>,
    pub last_uptime_s: Option<f64>,
}

/// Longest quoted piece of bundle text in an event.
const QUOTE_CHARS: usize = 160;

/// `text` cut to a readable length, on one line.
///
/// A longer text has its secrets masked before it is cut, and is cut between words only: a word
/// that would be cut is left out whole. Masking and `--redact` run again on the report, and a
/// piece of a word (`https://ci:Sup3r`, the pod and namespace of a cut container name) is what
/// neither could recognise any more.
pub fn quote(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    if trimmed.chars().count() <= QUOTE_CHARS {
        return trimmed.to_string();
    }
    let masked = crate::redact::mask_text(trimmed);
    if masked.chars().count() <= QUOTE_CHARS {
        return masked;
    }
    // The cut falls after the last whole word that fits, the ellipsis included.
    let limit = masked
        .char_indices()
        .nth(QUOTE_CHARS)
        .map_or(masked.len(), |(i, _)| i);
    let head = masked.get(..limit).unwrap_or_default();
    let at_space = masked
        .get(limit..)
        .is_some_and(|rest| rest.starts_with(' '));
    let kept = if at_space {
        head
    } else {
        head.rfind(' ')
            .map_or("", |space| head.get(..space).unwrap_or_default())
    };
    let mut out = kept.trim_end().to_string();
    if !out.is_empty() {
        out.push(' ');
    }
    out.push('…');
    out
}

fn clock_quality(format: KernelLogFormat, stamp: &Stamp) -> u8 {
    let both = stamp.uptime_s.is_some() && stamp.wall.is_some();
    match format {
        _ if both => 0,
        KernelLogFormat::JournalJson => 1,
        KernelLogFormat::JournalShort | KernelLogFormat::SyslogIso => 2,
        KernelLogFormat::DmesgRaw | KernelLogFormat::DevKmsg => 3,
        KernelLogFormat::Syslog => 4,
        KernelLogFormat::DmesgHuman => 5,
        KernelLogFormat::DmesgNoTimestamp => 6,
    }
}

fn alloc_text(a: &AllocFailure) -> String {
    format!(
        "{} page allocation failure: order {} ({}), mode {:#x}",
        a.task,
        a.order,
        units::bytes(a.bytes()),
        a.gfp.raw
    )
}

fn oom_text(o: &OomKill) -> String {
    let scope = match o.scope {
        OomScope::Global => "global OOM kill".to_string(),
        OomScope::Memcg => match &o.memcg {
            Some(m) => format!("memory cgroup OOM kill in {m}"),
            None => "memory cgroup OOM kill".to_string(),
        },
        OomScope::Unknown => "OOM kill".to_string(),
    };
    let victim = match &o.victim {
        Some(v) => match v.pid {
            Some(pid) => format!(": killed {} (pid {pid})", v.comm),
            None => format!(": killed {}", v.comm),
        },
        None => String::new(),
    };
    let invoker = o
        .invoker
        .as_deref()
        .map(|i| format!(", invoked by {i}"))
        .unwrap_or_default();
    format!("{scope}{victim}{invoker}")
}

/// Kind, text and severity of a notable kernel message; `None` for messages the timeline skips.
/// A kind with no wording of its own here is quoted as the kernel printed it, so that a new
/// kind of message reaches the timeline without a change in this file.
fn message_event(
    kind: &KernelMessageKind,
    message: &str,
) -> Option<(&'static str, String, Severity)> {
    Some(match kind {
        KernelMessageKind::Boot { release } => {
            ("boot", format!("boot: Linux {release}"), Severity::Info)
        }
        KernelMessageKind::ConntrackTableFull => (
            "conntrack_full",
            "nf_conntrack table full: packets dropped".to_string(),
            Severity::Warning,
        ),
        KernelMessageKind::UnregisterNetdevice {
            device,
            usage_count,
        } => (
            "unregister_netdevice",
            match usage_count {
                Some(n) => format!(
                    "unregister_netdevice: waiting for {device} to become free (usage count {n})"
                ),
                None => format!("unregister_netdevice: waiting for {device} to become free"),
            },
            Severity::Warning,
        ),
        KernelMessageKind::HungTask { task, pid, seconds } => (
            "hung_task",
            format!(
                "task {task}{} blocked{}",
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
                seconds
                    .map(|s| format!(" for more than {s} s"))
                    .unwrap_or_default()
            ),
            Severity::Warning,
        ),
        KernelMessageKind::VmallocFailure {
            allocated,
            requested,
        } => (
            "vmalloc_failure",
            match (allocated, requested) {
                (Some(a), Some(r)) => format!(
                    "vmalloc allocation failure: {} of {} allocated",
                    units::bytes(*a),
                    units::bytes(*r)
                ),
                _ => "vmalloc allocation failure".to_string(),
            },
            Severity::Critical,
        ),
        KernelMessageKind::NfConnCacheFailure => (
            "nf_conn_cache_failure",
            "unable to create the nf_conn slab cache".to_string(),
            Severity::Critical,
        ),
        KernelMessageKind::AllocStall { task, millis, .. } => (
            "alloc_stall",
            format!(
                "page allocation stall{}{}",
                task.as_deref()
                    .map(|t| format!(" of {t}"))
                    .unwrap_or_default(),
                millis.map(|m| format!(" for {m} ms")).unwrap_or_default()
            ),
            Severity::Warning,
        ),
        KernelMessageKind::OomReaper { pid, comm } => (
            "oom_reaper",
            format!(
                "oom_reaper reaped {}{}",
                comm.as_deref().unwrap_or("a process"),
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
            ),
            Severity::Info,
        ),
        KernelMessageKind::Oops => ("kernel_oops", quote(message), Severity::Critical),
        KernelMessageKind::RateLimited { .. } => return None,
        KernelMessageKind::BridgePort {
            bridge,
            port,
            state,
        } => (
            "bridge_port",
            format!("{bridge}: port {port} entered {state} state"),
            Severity::Info,
        ),
        other => (other.as_str(), quote(message), Severity::Warning),
    })
}

fn kernel_log_drafts<'a>(
    path: &'a str,
    log: &'a KernelLog,
    clock: &ClockResolution,
    out: &mut Vec<Draft<'a>>,
) {
    let mut push = |stamp: &Stamp,
                    line: Option<u32>,
                    identity: Identity<'a>,
                    kind: &'static str,
                    text: String,
                    severity: Severity,
                    fold: bool,
                    repeat: Option<&Repeats>| {
        out.push(Draft {
            repeat: repeat.map(|rep| {
                Box::new(DraftRepeat {
                    count: rep.count,
                    last_time: clock.resolve_in(path, &rep.last),
                    last_uptime_s: rep.last.uptime_s,
                })
            }),
            time: clock.resolve_in(path, stamp),
            uptime_s: stamp.uptime_s,
            source: path,
            line,
            kind,
            text,
            severity,
            identity: Some(identity),
            keep_rank: clock_quality(log.format, stamp),
            foldable: fold,
        });
    };
    for a in &log.alloc_failures {
        push(
            &a.stamp,
            Some(a.header.no),
            alloc_key(a),
            "alloc_failure",
            alloc_text(a),
            Severity::Critical,
            true,
            None,
        );
    }
    for o in &log.oom_kills {
        push(
            &o.stamp,
            oom_line(o),
            oom_key(o),
            "oom_kill",
            oom_text(o),
            Severity::Critical,
            false,
            None,
        );
    }
    for s in &log.slub_failures {
        let cache = match (&s.cache, &s.memcg_name) {
            (Some(c), Some(m)) => format!(" for cache {c} (copy of memory cgroup {m})"),
            (Some(c), None) => format!(" for cache {c}"),
            _ => String::new(),
        };
        push(
            &s.stamp,
            Some(s.line.no),
            slub_key(s),
            "slub_failure",
            format!("SLUB: unable to allocate memory on node {}{cache}", s.node),
            Severity::Warning,
            true,
            None,
        );
    }
    for c in &log.cache_create_failures {
        let errno = if c.error == -12 { " (ENOMEM)" } else { "" };
        push(
            &c.stamp,
            Some(c.line.no),
            cache_create_key(c),
            "cache_create_failure",
            format!(
                "kmem_cache_create({}) failed with error {}{errno}",
                c.cache, c.error
            ),
            Severity::Critical,
            true,
            None,
        );
    }
    for m in &log.messages {
        if let Some((kind, text, severity)) = message_event(&m.kind, &m.message) {
            push(
                &message_stamp(m),
                Some(m.line.no),
                message_key(m),
                kind,
                text,
                severity,
                kind != "boot",
                m.repeat.as_ref(),
            );
        }
    }
}

fn daemon_draft<'a>(path: &'a str, r: &DaemonRecord, clock: &ClockResolution) -> Option<Draft<'a>> {
    if let Some(k) = &r.kube {
        return Some(kube_draft(path, r, k, clock));
    }
    let level = r.level.as_deref()?.to_ascii_lowercase();
    let severity = match level.as_str() {
        "fatal" | "panic" | "critical" | "crit" | "emerg" | "alert" => Severity::Critical,
        "error" | "err" | "e" => Severity::Warning,
        "warning" | "warn" | "w" => Severity::Info,
        _ => return None,
    };
    let text = r.summary();
    let repeat = wall_repeat(r.repeat.as_ref(), clock);
    Some(Draft {
        time: r.time.as_ref().and_then(|w| clock.resolve_wall_in(path, w)),
        uptime_s: None,
        source: path,
        line: Some(r.line.no),
        kind: "daemon_error",
        text: quote(&text),
        severity,
        // The same record kept by syslog and the journal.
        identity: Some(Identity::Composed(format!(
            "daemon {} {}",
            r.daemon,
            r.message.trim()
        ))),
        keep_rank: 2,
        foldable: true,
        repeat,
    })
}

/// What a kubelet or runtime line says happened to a pod or container, in words.
fn kube_draft<'a>(
    path: &'a str,
    r: &DaemonRecord,
    k: &KubeLogEvent,
    clock: &ClockResolution,
) -> Draft<'a> {
    let pod = k.pod_label();
    let who = match (&pod, &k.container, &k.container_id) {
        (Some(p), Some(c), _) => format!("container {p}/{c}"),
        (None, Some(c), _) => format!("container {c}"),
        (_, None, Some(id)) => format!("container {}", short_id(id)),
        (Some(p), None, None) => format!("pod {p}"),
        (None, None, None) => "a container".to_string(),
    };
    let pod = pod.map_or_else(|| "a pod".to_string(), |p| format!("pod {p}"));
    let (text, severity) = match &k.action {
        KubeAction::Killing { grace_seconds } => (
            format!(
                "kubelet stops {who}{}",
                grace_seconds
                    .map(|g| format!(" (grace period {g} s)"))
                    .unwrap_or_default()
            ),
            Severity::Info,
        ),
        KubeAction::ProbeFailed { probe } => (
            format!(
                "{} probe of {who} failed{}",
                probe.to_lowercase(),
                k.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )
            .trim_start()
            .to_string(),
            Severity::Info,
        ),
        KubeAction::LivenessRestart => (
            format!("{who} failed its liveness probe and is restarted"),
            Severity::Warning,
        ),
        KubeAction::Evicted => (format!("kubelet evicted {pod}"), Severity::Warning),
        KubeAction::EvictionReclaim { resource } => (
            format!("kubelet eviction manager reclaims {resource}"),
            Severity::Warning,
        ),
        KubeAction::AdmitRejected { conditions } => (
            format!("kubelet refused {pod} (node conditions: {conditions})"),
            Severity::Warning,
        ),
        KubeAction::RuntimeOom => (
            format!("{} reports an OOM event of {who}", r.daemon),
            Severity::Critical,
        ),
        KubeAction::RuntimeStop { timeout_seconds } => (
            format!(
                "{} stops {who}{}",
                r.daemon,
                timeout_seconds
                    .map(|t| format!(" (timeout {t} s)"))
                    .unwrap_or_default()
            ),
            Severity::Info,
        ),
        KubeAction::BackOff { delay } => (
            format!(
                "kubelet holds back restarting {who}{}",
                delay
                    .as_deref()
                    .map(|d| format!(" for {d}"))
                    .unwrap_or_default()
            ),
            Severity::Warning,
        ),
        KubeAction::RuntimeForcedKill {
            grace_seconds,
            signal,
        } => (
            format!(
                "{} kills {who}: still running {}after signal {}",
                r.daemon,
                grace_seconds.map(|g| format!("{g} s ")).unwrap_or_default(),
                signal.map_or_else(|| "?".to_string(), |s| s.to_string())
            ),
            Severity::Warning,
        ),
        KubeAction::RuntimeShutdown { signal } => (
            format!("{} was told to stop (signal {signal})", r.daemon),
            Severity::Info,
        ),
    };
    Draft {
        time: r.time.as_ref().and_then(|w| clock.resolve_wall_in(path, w)),
        uptime_s: None,
        source: path,
        line: Some(r.line.no),
        kind: "kube_event",
        text,
        severity,
        identity: Some(Identity::Composed(format!(
            "kube {} {}",
            r.daemon,
            r.message.trim()
        ))),
        keep_rank: 2,
        foldable: true,
        repeat: wall_repeat(r.repeat.as_ref(), clock),
    }
}

/// The repeats folded into a record stamped by the wall clock alone.
fn wall_repeat(rep: Option<&Repeats>, clock: &ClockResolution) -> Option<Box<DraftRepeat>> {
    rep.map(|rep| {
        Box::new(DraftRepeat {
            count: rep.count,
            last_time: rep.last.wall.as_ref().and_then(|w| clock.resolve_wall(w)),
            last_uptime_s: None,
        })
    })
}

fn runtime_draft<'a>(path: &'a str, e: &RuntimeError, clock: &ClockResolution) -> Draft<'a> {
    let errno = e
        .errno_text
        .as_deref()
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    let status = e
        .exit_status
        .map(|s| format!(" (runc exit status {s})"))
        .unwrap_or_default();
    let container = e
        .container
        .as_deref()
        .map(|c| format!(" of {c}"))
        .unwrap_or_default();
    let step = e
        .failed_step
        .as_deref()
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    let text = match e.kind {
        RuntimeErrorKind::StartFailure => {
            format!("container start{container} failed{step}{errno}{status}")
        }
        RuntimeErrorKind::ExecFailure => {
            format!("exec into container{container} failed{step}{errno}{status}")
        }
        RuntimeErrorKind::CgroupCreate => format!(
            "cgroup creation{container} failed{}{errno}",
            e.cgroup_path
                .as_deref()
                .map(|p| format!(": mkdir {p}"))
                .unwrap_or_default()
        ),
        RuntimeErrorKind::Other => format!("runtime error{container}: {}", e.line.text.trim()),
    };
    Draft {
        time: e.time.as_ref().and_then(|w| clock.resolve_wall_in(path, w)),
        uptime_s: None,
        source: path,
        line: Some(e.line.no),
        kind: "runtime_error",
        text: quote(&text),
        severity: Severity::Critical,
        identity: Some(Identity::Composed(format!("runtime {text}"))),
        keep_rank: 1,
        foldable: true,
        repeat: None,
    }
}

/// Docker's `0001-01-01T00:00:00Z` stands for "never"; anything before 1990 is treated so.
fn real_time(t: Timestamp) -> Option<Timestamp> {
    (t.as_second() >= 631_152_000).then_some(t)
}

fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn container_label(name: Option<&str>, id: &str) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{} ({})", n.trim_start_matches('/'), short_id(id)),
        _ => short_id(id).to_string(),
    }
}

/// Container actions that tell the story of a container, with their event kinds; exec, attach
/// and the like do not.
const CONTAINER_ACTIONS: &[(&str, &str)] = &[
    ("create", "container_create"),
    ("start", "container_start"),
    ("restart", "container_restart"),
    ("die", "container_die"),
    ("oom", "container_oom"),
    ("kill", "container_kill"),
    ("stop", "container_stop"),
    ("destroy", "container_destroy"),
    ("pause", "container_pause"),
    ("unpause", "container_unpause"),
    ("health_status", "container_health_status"),
];

/// The event kind of a container action, when it is one of [`CONTAINER_ACTIONS`].
fn container_kind(action: &str) -> Option<&'static str> {
    CONTAINER_ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, kind)| *kind)
}

fn docker_event_draft<'a>(
    path: &'a str,
    e: &DockerEvent,
    clock: &ClockResolution,
) -> Option<Draft<'a>> {
    if !(e.object_type.is_empty() || e.object_type == "container") {
        return None;
    }
    let (action, detail) = match e.action.split_once(':') {
        Some((a, d)) => (a.trim(), Some(d.trim())),
        None => (e.action.trim(), None),
    };
    let kind = container_kind(action)?;
    let who = container_label(e.name(), &e.actor_id);
    let (text, severity) = match action {
        "die" => match e.exit_code() {
            Some(0) => (
                format!("container {who} exited with code 0"),
                Severity::Info,
            ),
            Some(code) => (
                format!("container {who} died with exit code {code}"),
                Severity::Warning,
            ),
            None => (format!("container {who} died"), Severity::Warning),
        },
        "oom" => (
            format!("container {who} hit its memory limit (oom event)"),
            Severity::Critical,
        ),
        "kill" => (
            match e.attributes.get("signal") {
                Some(s) => format!("container {who} sent signal {s}"),
                None => format!("container {who} killed"),
            },
            Severity::Info,
        ),
        "health_status" => (
            format!("container {who} health: {}", detail.unwrap_or("unknown")),
            if detail == Some("unhealthy") {
                Severity::Warning
            } else {
                Severity::Info
            },
        ),
        other => (format!("container {who}: {other}"), Severity::Info),
    };
    Some(Draft {
        time: e.time.as_ref().and_then(|w| clock.resolve_wall_in(path, w)),
        uptime_s: None,
        source: path,
        line: Some(e.line.no),
        kind,
        text,
        severity,
        identity: Some(Identity::Composed(format!(
            "container {} {action}",
            short_id(&e.actor_id)
        ))),
        keep_rank: 1,
        foldable: false,
        repeat: None,
    })
}

fn container_drafts<'a>(
    path: &'a str,
    c: &Container,
    clock: &ClockResolution,
    out: &mut Vec<Draft<'a>>,
) {
    let who = container_label(c.name.as_deref(), &c.id);
    let at = |w: &Option<WallClock>| {
        w.as_ref()
            .and_then(|w| clock.resolve_wall(w))
            .and_then(real_time)
    };
    let mut push = |time: Option<Timestamp>,
                    line: u32,
                    (action, kind): (&str, &'static str),
                    text: String,
                    severity| {
        out.push(Draft {
            time,
            uptime_s: None,
            source: path,
            line: Some(line),
            kind,
            text,
            severity,
            identity: Some(Identity::Composed(format!(
                "container {} {action}",
                short_id(&c.id)
            ))),
            // The inspect document keeps the last state only; the event stream is the record.
            keep_rank: 2,
            foldable: false,
            repeat: None,
        });
    };
    if let Some(t) = at(&c.created) {
        push(
            Some(t),
            c.line.no,
            ("create", "container_create"),
            format!("container {who}: create"),
            Severity::Info,
        );
    }
    if let Some(t) = at(&c.state.started_at) {
        push(
            Some(t),
            c.line.no,
            ("start", "container_start"),
            format!("container {who}: start"),
            Severity::Info,
        );
    }
    let finished = at(&c.state.finished_at);
    let running = c.state.running == Some(true);
    if let (Some(t), false) = (finished, running) {
        let oom = if c.state.oom_killed == Some(true) {
            ", killed by the OOM killer"
        } else {
            ""
        };
        let (text, severity) = match c.state.exit_code {
            Some(0) if oom.is_empty() => (
                format!("container {who} exited with code 0"),
                Severity::Info,
            ),
            Some(code) => (
                format!("container {who} died with exit code {code}{oom}"),
                Severity::Warning,
            ),
            None => (format!("container {who} died{oom}"), Severity::Warning),
        };
        let line = c.state.exit_code_line.as_ref().map_or(c.line.no, |l| l.no);
        push(Some(t), line, ("die", "container_die"), text, severity);
    }
    if let Some(err) = c.state.error.as_deref().filter(|e| !e.trim().is_empty()) {
        let time = finished.or(at(&c.state.started_at));
        let line = c.state.error_line.as_ref().map_or(c.line.no, |l| l.no);
        out.push(Draft {
            time,
            uptime_s: None,
            source: path,
            line: Some(line),
            kind: "container_error",
            text: quote(&format!("container {who} state error: {err}")),
            severity: Severity::Critical,
            identity: None,
            keep_rank: 1,
            foldable: false,
            repeat: None,
        });
    }
}

/// Every event of the bundle, unordered, with times resolved through `clock`.
pub fn collect<'a>(
    facts: &'a Facts,
    clock: &ClockResolution,
    collection: Option<(&'a str, Option<u32>)>,
) -> Vec<Draft<'a>> {
    // The kernel logs hold most events, thousands each on a container host: drafted side by
    // side, gathered in bundle order.
    let per_log: Vec<Vec<Draft<'a>>> = facts
        .kernel_logs
        .par_iter()
        .map(|log| {
            let mut drafts = Vec::new();
            kernel_log_drafts(&log.path, &log.value, clock, &mut drafts);
            drafts
        })
        .collect();
    // Room for every draft at once: a container host's bundle makes tens of thousands.
    let others: usize = facts
        .daemon_logs
        .iter()
        .map(|l| l.value.len())
        .sum::<usize>()
        + facts
            .runtime_errors
            .iter()
            .map(|l| l.value.len())
            .sum::<usize>()
        + facts
            .docker_events
            .iter()
            .map(|l| l.value.len())
            .sum::<usize>()
        + 4 * facts.containers.len()
        + 1;
    let mut out: Vec<Draft<'a>> =
        Vec::with_capacity(per_log.iter().map(Vec::len).sum::<usize>() + others);
    out.extend(per_log.into_iter().flatten());
    for log in &facts.daemon_logs {
        out.extend(
            log.value
                .iter()
                .filter_map(|r| daemon_draft(&log.path, r, clock)),
        );
    }
    for errs in &facts.runtime_errors {
        out.extend(
            errs.value
                .iter()
                .map(|e| runtime_draft(&errs.path, e, clock)),
        );
    }
    for evs in &facts.docker_events {
        out.extend(
            evs.value
                .iter()
                .filter_map(|e| docker_event_draft(&evs.path, e, clock)),
        );
    }
    for c in &facts.containers {
        container_drafts(&c.path, &c.value, clock, &mut out);
    }
    if let (Some(at), Some((source, line))) = (clock.collected_at, collection) {
        out.push(Draft {
            time: Some(at),
            uptime_s: None,
            source,
            line,
            kind: "collection",
            text: "bundle collected".to_string(),
            severity: Severity::Info,
            identity: None,
            keep_rank: 0,
            foldable: false,
            repeat: None,
        });
    }
    out
}

/// The boots that no `Linux version` banner puts on the timeline: a reset of the seconds since
/// boot or a journal marker, and the boot running at collection when the main failure happened
/// on another kernel and no log shows that boot begin.
pub fn boot_drafts<'a>(derived: &Derived<'a>, clock: &ClockResolution, out: &mut Vec<Draft<'a>>) {
    for boot in &derived.boots {
        let why = match boot.evidence {
            _ if boot.banner.is_some() => continue,
            BootEvidence::UptimeReset => "the seconds since boot start again",
            BootEvidence::Journal => "the journal marks a new boot",
            // The report shows the kernel, not when it booted.
            BootEvidence::Banner | BootEvidence::ReportRelease => continue,
        };
        let text = match &boot.release {
            Some(k) => format!("boot: Linux {} ({why})", k.release),
            None => format!("boot: {why}"),
        };
        out.push(Draft {
            time: clock.resolve_in(boot.path, boot.stamp),
            uptime_s: boot.stamp.uptime_s,
            source: boot.path,
            line: Some(boot.line.no),
            kind: "boot",
            text,
            severity: Severity::Info,
            identity: None,
            keep_rank: 0,
            foldable: false,
            repeat: None,
        });
    }
    let Some((failed, now)) = derived.rebooted_since_failure() else {
        return;
    };
    let shown = derived.boots.iter().any(|b| {
        b.release
            .as_ref()
            .is_some_and(|r| r.release == now.version.release)
    });
    if shown {
        return;
    }
    out.push(Draft {
        time: clock.boot_time,
        uptime_s: None,
        source: now.path,
        line: now.line.as_ref().map(|l| l.no),
        kind: "boot",
        text: format!(
            "boot: Linux {} (running at collection; the failure happened on {})",
            now.version.release, failed.version.release
        ),
        severity: Severity::Info,
        identity: None,
        keep_rank: 0,
        foldable: false,
        repeat: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_stay_on_one_line_and_short() {
        assert_eq!(quote(" a\tb\n"), "a b");
        let long = "é ".repeat(500);
        let q = quote(&long);
        assert!(q.chars().count() <= QUOTE_CHARS + 1);
        assert!(q.ends_with(" …"));
        assert_eq!(quote(&"é".repeat(500)), "…");
    }

    #[test]
    fn quotes_mask_before_they_cut_and_keep_whole_words() {
        let pad = "x ".repeat(70);
        let url = quote(&format!(
            "{pad}clone https://ci:Sup3rSecretPassw0rd@git.example.com/repo.git failed"
        ));
        assert!(!url.contains("Sup3r"), "{url}");
        let name = "k8s_api_checkout-6d9c7f8b5-x2kqp_shop_4b1e0c2a-44a1-11e9-9d3c-0050569a1f2c_0";
        let cut = quote(&format!("{pad}container {name} failed to start"));
        assert!(!cut.contains("k8s_") || cut.contains(name), "{cut}");
        assert!(!cut.contains("x2kqp") || cut.contains(name), "{cut}");
    }

    proptest::proptest! {
        #[test]
        fn quote_never_panics(text in "\\PC*") {
            let q = quote(&text);
            proptest::prop_assert!(q.chars().count() <= QUOTE_CHARS + 1);
            proptest::prop_assert!(!q.contains('\n'));
            // Every word kept is a whole word of the text.
            let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            let words: Vec<&str> = spaced.trim().split(' ').collect();
            if q.ends_with('…') {
                for w in q.trim_end_matches('…').split(' ').filter(|w| !w.is_empty()) {
                    proptest::prop_assert!(words.contains(&w) || w.contains("***"), "{w:?} of {q:?}");
                }
            }
        }
    }
}
