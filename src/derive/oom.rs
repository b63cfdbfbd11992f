//! OOM kills counted once, and whose memory cgroup each one hit.
//!
//! The kernel prints an OOM report once, but a bundle keeps it several times: `dmesg` and
//! `dmesg -T`, `/var/log/messages` or `syslog`, `kern.log` and the journal each hold a copy of
//! the same kill. A rule counts kills, not copies: [`count_once`] folds the copies of each kill
//! into one [`OomEvent`], which keeps every copy for its evidence.
//!
//! Two reports are copies of one kill when they come from different files and name the same
//! victim (pid, name and, where both print them, its anonymous resident size and its memory
//! cgroup); a report that names no victim (cut before its kill line) is a copy of another with
//! the same invoker, order, cgroup and usage. Within one file two reports are always two kills.
//!
//! Whose limit a kill hit is [`cgroup_owner`]: a container of the bundle, a Kubernetes pod, a
//! systemd unit or slice, a user session, or only the cgroup path. A kill line that names no
//! cgroup is joined to the unit systemd names for it in the same seconds ([`OomEvent::unit`]);
//! when several units are named then, to the one whose process the victim was, by its pid in
//! `systemctl status` ([`unit_of_pid`]).
//!
//! Invariants: the events are in bundle order of their first copy; each copy belongs to one
//! event; the event's [`OomEvent::kill`] is its most complete copy (fewest missing parts, the
//! first among equals).

use crate::facts::{DaemonRecord, Facts, OomKill, OomScope, WallClock};

use super::containers::{container_of_cgroup, ContainerView};
use super::At;

/// One OOM kill, with every copy of its report in the bundle.
#[derive(Debug, Clone)]
pub struct OomEvent<'a> {
    /// The most complete copy.
    pub kill: At<'a, OomKill>,
    /// Every copy, the kept one included, in bundle order.
    pub copies: Vec<At<'a, OomKill>>,
    /// For a kill line that names no cgroup, systemd's line that names the unit it hit
    /// ([`unit_line`]).
    pub unit: Option<UnitOom<'a>>,
}

/// systemd's line naming the unit a process of which the OOM killer killed.
#[derive(Debug, Clone, Copy)]
pub struct UnitOom<'a> {
    /// `report-export.service`.
    pub name: &'a str,
    pub record: At<'a, DaemonRecord>,
}

/// The unit a systemd message says the OOM killer hit: `<unit>: A process of this unit has been
/// killed by the OOM killer.` (systemd 239+), `<unit>: Failed with result 'oom-kill'.`.
pub fn unit_line(message: &str) -> Option<&str> {
    let (unit, rest) = message.split_once(": ")?;
    let says = rest.starts_with("A process of this unit has been killed by the OOM killer")
        || rest.starts_with("Failed with result 'oom-kill'");
    let is_unit = !unit.contains(char::is_whitespace)
        && [".service", ".scope", ".slice", ".socket", ".mount"]
            .iter()
            .any(|s| unit.ends_with(s));
    (says && is_unit).then_some(unit)
}

/// Seconds from `a` to `b`, when both are readings of one form (two syslog stamps, two civil
/// times, two instants).
fn seconds_between(a: &WallClock, b: &WallClock) -> Option<f64> {
    use jiff::civil::DateTime;
    let civil = |w: &WallClock| -> Option<DateTime> {
        match w {
            // A leap year, so that 29 February reads.
            WallClock::NoYear { .. } => w.no_year_in(2000),
            WallClock::Local { at, .. } => Some(*at),
            WallClock::Instant { .. } => None,
        }
    };
    match (a, b) {
        (WallClock::Instant { at: x }, WallClock::Instant { at: y }) => {
            Some(y.as_millisecond() as f64 / 1000.0 - x.as_millisecond() as f64 / 1000.0)
        }
        (WallClock::NoYear { .. }, WallClock::NoYear { .. })
        | (WallClock::Local { .. }, WallClock::Local { .. }) => {
            let (x, y) = (civil(a)?, civil(b)?);
            let span = x.until(y).ok()?;
            span.total(jiff::Unit::Second).ok()
        }
        _ => None,
    }
}

/// How long after a kill line systemd may name its unit: it reads the kill from the cgroup's
/// `memory.events` as the kernel updates it, within moments.
const UNIT_LINE_WITHIN_S: f64 = 10.0;

/// Join each kill whose report names no cgroup to the unit systemd names in the same seconds,
/// when one unit only is named then: the kernel's one-line `Memory cgroup out of memory: Killed
/// process N (comm)` does not say whose limit it was, the journal does. Both lines need wall
/// clock stamps of one form (two syslog stamps, say): a kill known by its uptime alone is left
/// unjoined.
fn join_units<'a>(facts: &'a Facts, events: &mut [OomEvent<'a>]) {
    let lines: Vec<UnitOom<'a>> = facts
        .daemon_logs
        .iter()
        .flat_map(|log| {
            log.value.iter().filter_map(move |r| {
                let name = unit_line(&r.message).filter(|_| r.daemon == "systemd")?;
                Some(UnitOom {
                    name,
                    record: At {
                        path: log.path.as_str(),
                        item: r,
                    },
                })
            })
        })
        .collect();
    if lines.is_empty() {
        return;
    }
    for e in events.iter_mut() {
        let k = e.kill.item;
        if k.memcg.is_some() || k.task_memcg.is_some() || k.scope == OomScope::Global {
            continue;
        }
        let Some(at) = &k.stamp.wall else {
            continue;
        };
        let near: Vec<&UnitOom<'a>> = lines
            .iter()
            .filter(|u| {
                u.record
                    .item
                    .time
                    .as_ref()
                    .and_then(|t| seconds_between(at, t))
                    .is_some_and(|s| (-1.0..=UNIT_LINE_WITHIN_S).contains(&s))
            })
            .collect();
        // The victim's pid tells units failing in the same seconds apart, where `systemctl
        // status` names it.
        let by_pid = k
            .victim
            .as_ref()
            .and_then(|v| v.pid)
            .and_then(|pid| unit_of_pid(facts, pid));
        if let Some(named) = by_pid.and_then(|u| near.iter().find(|l| l.name == u)) {
            e.unit = Some(**named);
        } else if let Some(first) = near.first() {
            if near.iter().all(|u| u.name == first.name) {
                e.unit = Some(**first);
            }
        }
    }
}

/// The unit whose process `pid` was, as `systemctl status` shows it: the unit whose main pid it
/// is (a failed unit keeps its main process's), else the unit whose control group's tree lists
/// it (in a slice's tree, the unit below that holds it).
pub fn unit_of_pid(facts: &Facts, pid: u32) -> Option<&str> {
    let units = || facts.systemd_units.iter().flat_map(|s| s.value.iter());
    units()
        .find(|u| u.main_pid == Some(pid))
        .map(|u| u.name.as_str())
        .or_else(|| {
            units().find_map(|u| {
                let p = u.processes.iter().find(|p| p.pid == pid)?;
                Some(p.unit.as_deref().unwrap_or(u.name.as_str()))
            })
        })
}

impl<'a> OomEvent<'a> {
    /// The cgroup whose limit was hit (`oom_memcg=`, `limit of`), else the victim's.
    pub fn limit_cgroup(&self) -> Option<&'a str> {
        let k = self.kill.item;
        k.memcg.as_deref().or(k.task_memcg.as_deref())
    }

    /// The victim's own cgroup (`task_memcg=`, `Task in`), else the one whose limit was hit.
    pub fn task_cgroup(&self) -> Option<&'a str> {
        let k = self.kill.item;
        k.task_memcg.as_deref().or(k.memcg.as_deref())
    }

    /// Whether the limit hit was a parent's (a pod's, a slice's) rather than the victim's own
    /// cgroup's: the two paths differ and the victim's lies below the limiting one.
    pub fn limit_is_parents(&self) -> bool {
        let k = self.kill.item;
        match (k.memcg.as_deref(), k.task_memcg.as_deref()) {
            (Some(limit), Some(task)) => {
                limit != task && task.starts_with(limit.trim_end_matches('/'))
            }
            _ => false,
        }
    }
}

/// Whether two reports from different files are copies of one kill.
fn same_kill(a: &OomKill, b: &OomKill) -> bool {
    fn agree<T: PartialEq>(x: &Option<T>, y: &Option<T>) -> bool {
        match (x, y) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
    }
    if a.scope != b.scope && a.scope != OomScope::Unknown && b.scope != OomScope::Unknown {
        return false;
    }
    let cgroups_agree = agree(&a.memcg, &b.memcg) && agree(&a.task_memcg, &b.task_memcg);
    match (&a.victim, &b.victim) {
        (Some(x), Some(y)) if x.pid.is_some() && y.pid.is_some() => {
            x.pid == y.pid
                && x.comm == y.comm
                && agree(&x.anon_rss_kb, &y.anon_rss_kb)
                && agree(&x.total_vm_kb, &y.total_vm_kb)
                && cgroups_agree
        }
        (Some(_), Some(_)) | (None, None) => {
            a.invoker.is_some()
                && a.invoker == b.invoker
                && a.order == b.order
                && a.memcg == b.memcg
                && a.memory_usage_kb == b.memory_usage_kb
                && a.victim.as_ref().map(|v| &v.comm) == b.victim.as_ref().map(|v| &v.comm)
        }
        _ => false,
    }
}

/// Every OOM kill of the bundle once, in bundle order of its first copy.
pub fn count_once(facts: &Facts) -> Vec<OomEvent<'_>> {
    let mut events: Vec<OomEvent<'_>> = Vec::new();
    for log in &facts.kernel_logs {
        let path = log.path.as_str();
        for k in &log.value.oom_kills {
            let at = At { path, item: k };
            let copy_of = events
                .iter_mut()
                .find(|e| !e.copies.iter().any(|c| c.path == path) && same_kill(e.kill.item, k));
            match copy_of {
                Some(e) => {
                    if k.missing.len() < e.kill.item.missing.len() {
                        e.kill = at;
                    }
                    e.copies.push(at);
                }
                None => events.push(OomEvent {
                    kill: at,
                    copies: vec![at],
                    unit: None,
                }),
            }
        }
    }
    join_units(facts, &mut events);
    events
}

/// What owns a memory cgroup: who set the limit a kill hit.
#[derive(Debug, Clone)]
pub enum CgroupOwner<'v, 'a> {
    /// A container the bundle knows (inspect, events).
    Container(&'v ContainerView<'a>),
    /// A container the bundle does not otherwise know, by the id in its path.
    ContainerId(String),
    /// A Kubernetes pod's cgroup, by its uid (`kubepods-burstable-pod<uid>.slice`,
    /// `/kubepods/burstable/pod<uid>`).
    Pod(String),
    /// A systemd unit: a service, a scope, or a slice such as `system.slice` that holds many.
    Unit(String),
    /// Nothing names it but its path.
    Cgroup(String),
}

impl CgroupOwner<'_, '_> {
    /// The owner in words, its name in code spans: "container `web (3c9f2d1a7b6e)`", "systemd
    /// slice `system.slice`".
    pub fn describe(&self) -> String {
        let code = |s: &str| format!("`{}`", s.replace('`', "'"));
        match self {
            CgroupOwner::Container(v) => format!("container {}", code(&v.label())),
            CgroupOwner::ContainerId(id) => format!("container {}", code(id)),
            CgroupOwner::Pod(uid) => format!("the pod with uid {}", code(uid)),
            CgroupOwner::Unit(u) => {
                let kind = match u.rsplit_once('.').map(|(_, k)| k) {
                    Some("slice") => "systemd slice",
                    Some("scope") if u.starts_with("session-") => "user session",
                    Some("scope") => "systemd scope",
                    _ => "systemd service",
                };
                format!("{kind} {}", code(u))
            }
            CgroupOwner::Cgroup(p) => format!("memory cgroup {}", code(p)),
        }
    }
}

/// The 64 hex digits of a container id in a cgroup path component (`<id>`, `docker-<id>.scope`,
/// `cri-containerd-<id>.scope`, `crio-<id>.scope`).
fn container_id_in(component: &str) -> Option<&str> {
    let base = component.strip_suffix(".scope").unwrap_or(component);
    let id = base.rsplit(['-', '/']).next().unwrap_or(base);
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// A pod uid in a path component: `pod<uid>` or `kubepods-besteffort-pod<uid>.slice`, where
/// the systemd driver writes the uid's dashes as underscores.
fn pod_uid_in(component: &str) -> Option<String> {
    let base = component.strip_suffix(".slice").unwrap_or(component);
    let at = base.rfind("pod")?;
    let uid = &base[at + 3..];
    (uid.len() >= 32
        && uid
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_'))
    .then(|| uid.replace('_', "-"))
}

/// Who owns the memory cgroup at `path`: a container of the bundle, else what the path's last
/// component names.
pub fn cgroup_owner<'v, 'a>(
    path: &str,
    containers: &'v [ContainerView<'a>],
) -> CgroupOwner<'v, 'a> {
    if let Some(v) = container_of_cgroup(containers, path) {
        return CgroupOwner::Container(v);
    }
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    if let Some(id) = container_id_in(last) {
        return CgroupOwner::ContainerId(id.chars().take(12).collect());
    }
    if let Some(uid) = pod_uid_in(last) {
        return CgroupOwner::Pod(uid);
    }
    if [".service", ".scope", ".slice"]
        .iter()
        .any(|s| last.ends_with(s))
    {
        return CgroupOwner::Unit(last.to_string());
    }
    CgroupOwner::Cgroup(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{KernelLog, KernelLogFormat, Line, OomVictim, Sourced};

    fn kill(pid: u32, rss: u64) -> OomKill {
        OomKill {
            scope: OomScope::Memcg,
            memcg: Some("/docker/abc".into()),
            victim: Some(OomVictim {
                pid: Some(pid),
                comm: "java".into(),
                anon_rss_kb: Some(rss),
                line: Line::new(1, "Killed process"),
                ..OomVictim::default()
            }),
            ..OomKill::default()
        }
    }

    fn log(path: &str, kills: Vec<OomKill>) -> Sourced<KernelLog> {
        let mut value = KernelLog::empty(KernelLogFormat::DmesgRaw);
        value.oom_kills = kills;
        Sourced {
            path: path.into(),
            value,
        }
    }

    #[test]
    fn copies_in_other_files_are_one_kill_and_two_kills_in_one_file_are_two() {
        let facts = Facts {
            kernel_logs: vec![
                log("dmesg", vec![kill(7, 100), kill(8, 100)]),
                log("dmesg_-T", vec![kill(7, 100), kill(8, 100)]),
                log("var/log/messages", vec![kill(7, 100), kill(7, 100)]),
                log("journal", vec![kill(9, 100)]),
            ],
            ..Facts::default()
        };
        let events = count_once(&facts);
        let copies: Vec<usize> = events.iter().map(|e| e.copies.len()).collect();
        // pid 7 twice in messages: the second is another kill (pid reuse after a reboot).
        assert_eq!(copies, [3, 2, 1, 1]);
    }

    /// The real AKS syslog: one-line kills of a `memory.oom.group` kill, which name no cgroup,
    /// and systemd's line naming the container's scope in the same second.
    #[test]
    fn one_line_kills_are_joined_to_the_unit_systemd_names() {
        let text =
            include_str!("../../tests/data/dmesg_oom/aks-syslog-cgroupv2-memcg-oom-5.15-azure.txt");
        let from = text
            .lines()
            .position(|l| l.contains("Killed process 7620 (nginx)"))
            .unwrap_or(0);
        let excerpt: String = text.lines().skip(from).map(|l| format!("{l}\n")).collect();
        let mut facts = Facts::default();
        crate::parse::parse_into(
            &mut facts,
            "var/log/syslog",
            crate::sources::SourceKind::Syslog,
            excerpt.as_bytes(),
        );
        let events = count_once(&facts);
        assert!(events.len() >= 4);
        let unit = events[0].unit.as_ref().map(|u| u.name);
        assert_eq!(
            unit,
            Some("cri-containerd-9192cb33411ff69d015a3577db136757f5b145064a1703efea3d0e12e8a64987.scope")
        );
        assert_eq!(
            unit_line("report-export.service: Failed with result 'oom-kill'."),
            Some("report-export.service")
        );
        assert_eq!(unit_line("Started Session 1 of user root."), None);
        assert_eq!(
            unit_line("session-3.scope: Main process exited, code=killed, status=9/KILL"),
            None
        );
    }

    /// Two units killed in the same seconds: systemd's lines alone cannot tell whose the kill
    /// was; `systemctl status`'s main pid of the failed unit can.
    #[test]
    fn units_failing_in_the_same_seconds_are_told_apart_by_pid() {
        // The kernel's and systemd's lines as systemd 249 and a 5.15 kernel print them.
        let journal = "\
Mar 05 09:11:48 batch01 kernel: Memory cgroup out of memory: Killed process 4120 (python3) total-vm:412288kB, anon-rss:186152kB, file-rss:2264kB, shmem-rss:0kB, UID:998 pgtables:520kB oom_score_adj:0
Mar 05 09:11:48 batch01 systemd[1]: etl-loader.service: A process of this unit has been killed by the OOM killer.
Mar 05 09:11:48 batch01 systemd[1]: report-export.service: A process of this unit has been killed by the OOM killer.
";
        let status = "\
× report-export.service - Nightly report export
     Loaded: loaded (/etc/systemd/system/report-export.service; enabled)
     Active: failed (Result: oom-kill) since Tue 2024-03-05 09:11:48 UTC; 5s ago
   Main PID: 4120 (code=killed, signal=KILL)
● etl-loader.service - ETL loader
     Loaded: loaded (/etc/systemd/system/etl-loader.service; enabled)
   Main PID: 2211 (java)
     CGroup: /batch.slice/etl-loader.service
             └─2211 /usr/bin/java -Xmx640m -jar /opt/etl/loader.jar
";
        let mut facts = Facts::default();
        let parse = |facts: &mut Facts, path: &str, kind, text: &str| {
            crate::parse::parse_into(facts, path, kind, text.as_bytes())
        };
        parse(
            &mut facts,
            "var/log/messages",
            crate::sources::SourceKind::Syslog,
            journal,
        );
        assert!(count_once(&facts)[0].unit.is_none());
        parse(
            &mut facts,
            "systemctl-status.txt",
            crate::sources::SourceKind::SystemctlStatus,
            status,
        );
        let events = count_once(&facts);
        assert_eq!(
            events[0].unit.as_ref().map(|u| u.name),
            Some("report-export.service")
        );
        assert_eq!(unit_of_pid(&facts, 2211), Some("etl-loader.service"));
        assert_eq!(unit_of_pid(&facts, 7), None);
    }

    #[test]
    fn owners_of_each_kind_of_path() {
        let o = |p: &str| cgroup_owner(p, &[]).describe();
        assert_eq!(o("/system.slice"), "systemd slice `system.slice`");
        assert_eq!(
            o("/system.slice/postgresql.service"),
            "systemd service `postgresql.service`"
        );
        assert_eq!(
            o("/user.slice/user-1000.slice/session-3.scope"),
            "user session `session-3.scope`"
        );
        assert_eq!(
            o("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice"),
            "the pod with uid `5931aa75-4603-4e65-b552-7c71cf55cfb5`"
        );
        assert_eq!(
            o("/docker/e57be85230c8caed7e132832b21142af85a27d826a6692b7fd489776e297a884"),
            "container `e57be85230c8`"
        );
        assert_eq!(o("/mem2"), "memory cgroup `/mem2`");
    }
}
