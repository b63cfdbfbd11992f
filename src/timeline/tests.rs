//! Timeline tests on facts built by hand: each anchor, zones, years, merging and folding.

use super::*;
use crate::facts::{
    AllocFailure, DaemonRecord, DateOutput, DockerEvent, GfpMask, KernelLog, KernelLogFormat,
    KernelMessage, KernelMessageKind, Line, Manifest, ManifestCommand, ProcStat, ProcUptime,
    SourceInfo, Sourced, Uptime,
};
use crate::report::Severity;
use crate::sources::{Detection, SourceKind};
use jiff::civil::date;

/// The timeline of `facts`, with their derived facts.
fn build(facts: &Facts) -> Timeline {
    super::build(facts, &crate::derive::derive(facts))
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn kernel_log(format: KernelLogFormat) -> KernelLog {
    KernelLog::empty(format)
}

fn runc_failure(line: u32, text: &str, stamp: Stamp) -> AllocFailure {
    AllocFailure {
        header: Line::new(line, text),
        stamp,
        task: "runc:[1:CHILD]".into(),
        pid: Some(839206),
        order: 6,
        gfp: GfpMask {
            raw: 0x10c0d0,
            printed: Vec::new(),
            decoded: Vec::new(),
        },
        nodemask: None,
        cpuset: None,
        mems_allowed: None,
        kernel_release: None,
        call_trace: Vec::new(),
        trace_lines: Vec::new(),
        mem_info: None,
        end_line: line,
    }
}

fn message(line: u32, stamp: Stamp, kind: KernelMessageKind, body: &str) -> KernelMessage {
    KernelMessage {
        line: Line::new(line, body),
        stamp,
        kind,
        message: body.into(),
        repeat: None,
    }
}

fn up(s: f64) -> Stamp {
    Stamp {
        uptime_s: Some(s),
        wall: None,
    }
}

fn wall(w: WallClock) -> Stamp {
    Stamp {
        uptime_s: None,
        wall: Some(w),
    }
}

fn instant(s: &str) -> WallClock {
    WallClock::Instant { at: ts(s) }
}

fn sourced<T>(path: &str, value: T) -> Sourced<T> {
    Sourced {
        path: path.into(),
        value,
    }
}

fn source(path: &str, mtime: Option<i64>) -> SourceInfo {
    SourceInfo {
        path: path.into(),
        size: 0,
        kind: SourceKind::Unknown,
        detection: Detection::None,
        records: 0,
        warnings: Vec::new(),
        problem: None,
        mtime,
    }
}

const SEED_HEADER: &str =
    "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0";

fn seed_facts() -> Facts {
    let mut facts = Facts::default();
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    dmesg
        .alloc_failures
        .push(runc_failure(4, SEED_HEADER, up(2751018.239907)));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    facts.date.push(sourced(
        "date",
        DateOutput {
            wall: WallClock::Local {
                at: date(2018, 1, 23).at(20, 12, 40, 0),
                zone_abbrev: Some("CST".into()),
            },
            line: Line::new(1, "Tue Jan 23 20:12:40 CST 2018"),
        },
    ));
    facts.proc_uptime.push(sourced(
        "proc/uptime",
        ProcUptime {
            uptime_s: 2751177.61,
            idle_s: Some(41883017.71),
            line: Line::new(1, "2751177.61 41883017.71"),
        },
    ));
    facts.daemon_logs.push(sourced(
        "var/log/messages",
        vec![DaemonRecord {
            daemon: "dockerd".into(),
            time: Some(instant("2018-01-23T12:10:01.288Z")),
            level: Some("error".into()),
            message: "Handler for POST /v1.24/containers/abc/start returned error: \
                      oci runtime error: container_linux.go:247: starting container process \
                      caused \"process_linux.go:245: running exec setns process for init \
                      caused \\\"exit status 6\\\"\""
                .into(),
            fields: BTreeMap::new(),
            line: Line::new(
                12,
                "Jan 23 20:10:01 node1 dockerd: time=\"2018-01-23T20:10:01.288+08:00\" \
                 level=error msg=\"Handler for POST ...\"",
            ),
            repeat: None,
            kube: None,
        }],
    ));
    facts
}

#[test]
fn seed_failure_lands_next_to_the_daemon_error() {
    let t = build(&seed_facts());
    assert_eq!(
        t.clock.zone.to_offset(Timestamp::UNIX_EPOCH).seconds(),
        8 * 3600
    );
    assert!(
        t.clock.zone_description.contains("CST"),
        "{}",
        t.clock.zone_description
    );
    assert_eq!(
        t.clock.method,
        "date and /proc/uptime taken together (date and proc/uptime)"
    );
    assert_eq!(t.clock.collected_at, Some(ts("2018-01-23T12:12:40Z")));
    let failure = t.events.iter().find(|e| e.kind == "alloc_failure").unwrap();
    assert_eq!(
        failure.text,
        "runc:[1:CHILD] page allocation failure: order 6 (256 KiB), mode 0x10c0d0"
    );
    assert_eq!(failure.severity, Severity::Critical);
    assert_eq!(failure.source, "dmesg");
    assert_eq!(failure.line, Some(4));
    let failure_at = failure.time.unwrap();
    assert_eq!(
        failure_at.round(jiff::Unit::Second).unwrap(),
        ts("2018-01-23T12:10:01Z")
    );
    assert_eq!(
        failure_at.strftime("%Y-%m-%dT%H:%M").to_string(),
        "2018-01-23T12:10"
    );
    let daemon = t.events.iter().find(|e| e.kind == "daemon_error").unwrap();
    let daemon_at = daemon.time.unwrap();
    let gap = (seconds(daemon_at) - seconds(failure_at)).abs();
    assert!(gap < 1.0, "{gap}");
    // The failure comes first, then the daemon error, then the collection.
    let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["alloc_failure", "daemon_error", "collection"]);
}

#[test]
fn btime_anchor() {
    let mut facts = Facts::default();
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    dmesg.messages.push(message(
        1,
        up(100.5),
        KernelMessageKind::ConntrackTableFull,
        "nf_conntrack: table full, dropping packet",
    ));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    facts.proc_stat.push(sourced(
        "proc/stat",
        ProcStat {
            btime: Some(1_516_000_000),
            btime_line: Some(Line::new(9, "btime 1516000000")),
            processes: None,
            procs_running: None,
            cpus: 4,
        },
    ));
    let t = build(&facts);
    assert_eq!(t.clock.method, "/proc/stat btime (proc/stat)");
    assert_eq!(t.clock.uncertainty_s, Some(1.0));
    assert_eq!(t.events.len(), 1);
    assert_eq!(
        t.events[0].time.map(crate::report::rfc3339).as_deref(),
        Some("2018-01-15T07:08:20.500000Z")
    );
    assert_eq!(t.events[0].kind, "conntrack_full");
}

#[test]
fn uptime_command_with_manifest_times() {
    let mut facts = Facts::default();
    facts.date.push(sourced(
        "out/date.txt",
        DateOutput {
            wall: instant("2024-03-05T10:00:00Z"),
            line: Line::new(1, "2024-03-05T10:00:00+00:00"),
        },
    ));
    facts.uptime.push(sourced(
        "out/uptime.txt",
        Uptime {
            time_of_day: None,
            uptime_s: Some(3600),
            users: None,
            load: None,
            line: Line::new(1, " 10:00:03 up  1:00,  1 user"),
        },
    ));
    let command = |c: &str, out: &str, at: &str| ManifestCommand {
        command: c.into(),
        output: Some(out.into()),
        exit_status: Some(0),
        started_at: Some(ts(at)),
        duration_s: None,
        bytes: None,
        truncated: false,
    };
    facts.manifest.push(sourced(
        "manifest.json",
        Manifest {
            started_at: Some(ts("2024-03-05T09:59:58Z")),
            commands: vec![
                command("date", "out/date.txt", "2024-03-05T10:00:00Z"),
                command("uptime", "out/uptime.txt", "2024-03-05T10:00:03Z"),
            ],
            ..Manifest::default()
        },
    ));
    let t = build(&facts);
    assert!(
        t.clock.method.starts_with("date and uptime"),
        "{}",
        t.clock.method
    );
    assert_eq!(t.clock.boot_time, Some(ts("2024-03-05T09:00:00Z")));
    // 1 s of `date`, 3 s between the commands, 60 s of `uptime`'s minutes.
    assert_eq!(t.clock.uncertainty_s, Some(64.0));
}

#[test]
fn archive_mtime_is_the_last_resort() {
    let mut facts = Facts::default();
    facts
        .sources
        .push(source("proc/uptime", Some(1_700_000_000)));
    facts
        .sources
        .push(source("etc/hostname", Some(1_600_000_000)));
    facts.proc_uptime.push(sourced(
        "proc/uptime",
        ProcUptime {
            uptime_s: 1000.0,
            idle_s: None,
            line: Line::new(1, "1000.00 3000.00"),
        },
    ));
    let t = build(&facts);
    assert!(t
        .clock
        .method
        .starts_with("modification time of proc/uptime"));
    assert_eq!(t.clock.boot_time, Some(ts("2023-11-14T21:56:40Z")));
    assert_eq!(
        t.clock.collected_at,
        Some(Timestamp::from_second(1_700_000_000).unwrap())
    );
    assert!(
        t.clock.notes[0].contains("newest file modification time"),
        "{:?}",
        t.clock.notes
    );
}

fn hung(line: u32, stamp: Stamp) -> KernelMessage {
    message(
        line,
        stamp,
        KernelMessageKind::HungTask {
            task: "dockerd".into(),
            pid: Some(1234),
            seconds: Some(120),
        },
        "INFO: task dockerd:1234 blocked for more than 120 seconds.",
    )
}

fn no_year(month: i8, day: i8, hour: i8, minute: i8, second: i8) -> WallClock {
    WallClock::NoYear {
        month,
        day,
        hour,
        minute,
        second,
        nanosecond: 0,
    }
}

fn date_at(at: &str) -> Sourced<DateOutput> {
    sourced(
        "date",
        DateOutput {
            wall: instant(at),
            line: Line::new(1, at),
        },
    )
}

#[test]
fn one_kernel_line_in_dmesg_syslog_and_journal_is_one_event() {
    let mut facts = Facts::default();
    facts.timezone.push(sourced(
        "etc/timezone",
        crate::facts::TimezoneInfo {
            name: None,
            offset_s: Some(8 * 3600),
            tzif: None,
            line: None,
        },
    ));
    facts.date.push(date_at("2018-01-23T12:20:00Z"));
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    dmesg.messages.push(hung(40, up(500.123456)));
    let mut messages = kernel_log(KernelLogFormat::Syslog);
    messages
        .messages
        .push(hung(7, wall(no_year(1, 23, 20, 10, 1))));
    let mut journal = kernel_log(KernelLogFormat::JournalJson);
    journal
        .messages
        .push(hung(3, wall(instant("2018-01-23T12:10:01.300000Z"))));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    facts
        .kernel_logs
        .push(sourced("var/log/messages", messages));
    facts.kernel_logs.push(sourced("journal.json", journal));
    let t = build(&facts);
    assert_eq!(
        t.clock.method,
        "journal and dmesg copies of the same kernel lines (journal.json and dmesg)"
    );
    assert_eq!(t.clock.uncertainty_s, Some(1e-6));
    assert_eq!(t.clock.boot_time, Some(ts("2018-01-23T12:01:41.176544Z")));
    let hung: Vec<&TimelineEvent> = t.events.iter().filter(|e| e.kind == "hung_task").collect();
    assert_eq!(hung.len(), 1, "{:#?}", t.events);
    let e = hung[0];
    assert_eq!(e.source, "journal.json");
    assert_eq!(e.line, Some(3));
    assert_eq!(
        e.time.map(crate::report::rfc3339).as_deref(),
        Some("2018-01-23T12:10:01.300000Z")
    );
    assert_eq!(e.uptime_s, Some(500.123456));
    assert_eq!(
        e.text,
        "task dockerd (pid 1234) blocked for more than 120 s"
    );
    let cited: Vec<(&str, Option<u32>)> = e
        .also_in
        .iter()
        .map(|c| (c.source.as_str(), c.line))
        .collect();
    assert_eq!(cited, [("dmesg", Some(40)), ("var/log/messages", Some(7))]);
}

#[test]
fn dmesg_t_drift_is_noted_and_the_journal_wins() {
    let boot = ts("2018-01-23T00:00:00Z");
    let at = |s: f64| add_seconds(boot, s).unwrap();
    let mut facts = Facts::default();
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    let mut human = kernel_log(KernelLogFormat::DmesgHuman);
    let mut journal = kernel_log(KernelLogFormat::JournalJson);
    for (i, u) in [1000.25, 2000.5].into_iter().enumerate() {
        let no = i as u32 + 1;
        let body = format!("INFO: task t{no}:{no} blocked for more than 120 seconds.");
        let kind = KernelMessageKind::HungTask {
            task: format!("t{no}"),
            pid: Some(no),
            seconds: Some(120),
        };
        dmesg.messages.push(message(no, up(u), kind.clone(), &body));
        journal.messages.push(message(
            no,
            wall(WallClock::Instant { at: at(u) }),
            kind.clone(),
            &body,
        ));
        // dmesg -T prints whole seconds of a boot time 312 s too late.
        let shown = TimeZone::UTC.to_datetime(at(u.floor() + 312.0));
        human.messages.push(message(
            no,
            wall(WallClock::Local {
                at: shown,
                zone_abbrev: None,
            }),
            kind,
            &body,
        ));
    }
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    facts.kernel_logs.push(sourced("dmesg_T", human));
    facts.kernel_logs.push(sourced("journal.json", journal));
    let t = build(&facts);
    assert_eq!(t.clock.boot_time, Some(boot));
    assert!(t.clock.method.starts_with("journal"), "{}", t.clock.method);
    assert!(
        t.clock.notes.iter().any(|n| n
            == "dmesg -T stamps are 312 s ahead of the journal: the host was suspended, or \
                its clock was changed; the journal is used"),
        "{:?}",
        t.clock.notes
    );
    // The dmesg -T copies, moved back onto the journal's clock, merge with the others.
    assert_eq!(t.events.len(), 2, "{:#?}", t.events);
    for e in &t.events {
        assert_eq!(e.source, "journal.json");
        assert_eq!(e.also_in.len(), 2);
    }
    assert_eq!(
        t.events[0].time.map(crate::report::rfc3339).as_deref(),
        Some("2018-01-23T00:16:40.250000Z")
    );
}

#[test]
fn rsyslog_uptime_inside_the_message_anchors_by_itself() {
    let mut facts = Facts::default();
    facts.date.push(date_at("2018-01-23T13:00:00Z"));
    let mut messages = kernel_log(KernelLogFormat::Syslog);
    messages.messages.push(hung(
        5,
        Stamp {
            uptime_s: Some(3600.5),
            wall: Some(no_year(1, 23, 12, 0, 1)),
        },
    ));
    facts
        .kernel_logs
        .push(sourced("var/log/messages", messages));
    let t = build(&facts);
    assert_eq!(
        t.clock.method,
        "syslog kernel lines carrying both uptime and wall-clock stamps (var/log/messages)"
    );
    assert_eq!(t.clock.boot_time, Some(ts("2018-01-23T11:00:00.500000Z")));
    assert_eq!(t.clock.uncertainty_s, Some(1.0));
}

#[test]
fn a_rotated_log_takes_its_year_from_its_name() {
    let mut facts = Facts::default();
    facts.date.push(date_at("2026-12-06T04:51:59Z"));
    for (path, day) in [("var/log/messages-20180124", 23), ("var/log/messages", 24)] {
        let mut log = kernel_log(KernelLogFormat::Syslog);
        log.messages.push(hung(1, wall(no_year(1, day, 20, 10, 1))));
        facts.kernel_logs.push(sourced(path, log));
        facts.sources.push(source(path, None));
    }
    // A name that is no date says nothing.
    facts
        .sources
        .push(source("var/log/messages-20181399", None));
    let t = build(&facts);
    let times: Vec<(&str, Option<Timestamp>)> = t
        .events
        .iter()
        .map(|e| (e.source.as_str(), e.time))
        .collect();
    assert_eq!(
        times,
        [
            (
                "var/log/messages-20180124",
                Some(ts("2018-01-23T20:10:01Z"))
            ),
            ("var/log/messages", Some(ts("2026-01-24T20:10:01Z"))),
            ("date", Some(ts("2026-12-06T04:51:59Z"))),
        ]
    );
    assert_eq!(t.clock.rotated_on.len(), 1);
}

#[test]
fn syslog_year_rolls_back_across_new_year() {
    let mut facts = Facts::default();
    facts.date.push(date_at("2018-01-02T08:00:00Z"));
    let mut messages = kernel_log(KernelLogFormat::Syslog);
    messages
        .messages
        .push(hung(1, wall(no_year(12, 31, 23, 59, 59))));
    messages.messages.push(message(
        2,
        wall(no_year(1, 1, 0, 0, 5)),
        KernelMessageKind::ConntrackTableFull,
        "nf_conntrack: table full, dropping packet",
    ));
    facts
        .kernel_logs
        .push(sourced("var/log/messages", messages));
    let t = build(&facts);
    let times: Vec<(&str, Option<Timestamp>)> =
        t.events.iter().map(|e| (e.kind.as_str(), e.time)).collect();
    assert_eq!(
        times,
        [
            ("hung_task", Some(ts("2017-12-31T23:59:59Z"))),
            ("conntrack_full", Some(ts("2018-01-01T00:00:05Z"))),
            ("collection", Some(ts("2018-01-02T08:00:00Z"))),
        ]
    );
    assert_eq!(
        t.clock.zone_description,
        "UTC (assumed: nothing in the bundle gave a zone)"
    );
}

#[test]
fn no_anchor_keeps_uptime_only() {
    let mut facts = Facts::default();
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    dmesg.messages.push(hung(9, up(20.0)));
    dmesg
        .alloc_failures
        .push(runc_failure(2, SEED_HEADER, up(10.0)));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    let t = build(&facts);
    assert_eq!(t.clock.method, "none");
    assert_eq!(t.clock.boot_time, None);
    assert_eq!(t.clock.uncertainty_s, None);
    assert_eq!(t.clock.collected_at, None);
    assert_eq!(
        t.clock.zone_description,
        "UTC (assumed: nothing in the bundle gave a zone)"
    );
    let seen: Vec<(&str, Option<Timestamp>, Option<f64>)> = t
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.time, e.uptime_s))
        .collect();
    assert_eq!(
        seen,
        [
            ("alloc_failure", None, Some(10.0)),
            ("hung_task", None, Some(20.0))
        ]
    );
}

#[test]
fn unregister_netdevice_repeats_fold() {
    let mut facts = Facts::default();
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    let kind = KernelMessageKind::UnregisterNetdevice {
        device: "lo".into(),
        usage_count: Some(1),
    };
    let body = "unregister_netdevice: waiting for lo to become free. Usage count = 1";
    for i in 0..30u32 {
        let u = 5000.0 + f64::from(i) * 10.0;
        dmesg
            .messages
            .push(message(i + 1, up(u), kind.clone(), body));
    }
    // Long after the others: a new episode, not a repeat.
    dmesg.messages.push(message(31, up(9000.0), kind, body));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    facts.proc_stat.push(sourced(
        "proc/stat",
        ProcStat {
            btime: Some(1_516_000_000),
            btime_line: None,
            processes: None,
            procs_running: None,
            cpus: 1,
        },
    ));
    let t = build(&facts);
    assert_eq!(t.events.len(), 2, "{:#?}", t.events);
    let first = &t.events[0];
    assert_eq!(first.line, Some(1));
    assert_eq!(
        first.text,
        "unregister_netdevice: waiting for lo to become free (usage count 1)"
    );
    let repeat = first.repeat.as_ref().unwrap();
    assert_eq!(repeat.count, 30);
    assert_eq!(repeat.last_uptime_s, Some(5290.0));
    assert_eq!(
        repeat.last_time.map(crate::report::rfc3339).as_deref(),
        Some("2018-01-15T08:34:50Z")
    );
    assert!(t.events[1].repeat.is_none());
    assert_eq!(t.events[1].line, Some(31));
}

#[test]
fn container_die_from_events_and_inspect_is_one_event() {
    let id = "abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890";
    let mut facts = Facts::default();
    let mut attributes = BTreeMap::new();
    attributes.insert("name".into(), "web".into());
    attributes.insert("exitCode".into(), "137".into());
    let event = |action: &str, at: &str, line: u32| DockerEvent {
        time: Some(instant(at)),
        object_type: "container".into(),
        action: action.into(),
        actor_id: id.into(),
        attributes: attributes.clone(),
        line: Line::new(line, "..."),
        repeat: None,
    };
    facts.docker_events.push(sourced(
        "docker_events",
        vec![
            event("start", "2018-01-23T12:00:00Z", 1),
            event("exec_create: sh", "2018-01-23T12:01:00Z", 2),
            event("die", "2018-01-23T12:10:02.5Z", 3),
        ],
    ));
    facts.containers.push(sourced(
        "docker_inspect_web",
        crate::facts::Container {
            engine: crate::facts::Engine::Docker,
            id: id.into(),
            name: Some("/web".into()),
            image: None,
            created: None,
            state: crate::facts::ContainerState {
                running: Some(false),
                exit_code: Some(137),
                exit_code_line: Some(Line::new(20, "\"ExitCode\": 137,")),
                finished_at: Some(instant("2018-01-23T12:10:02.499Z")),
                ..Default::default()
            },
            memory: Default::default(),
            env_names: Vec::new(),
            sizing_env: Vec::new(),
            command: Vec::new(),
            labels: BTreeMap::new(),
            cgroup_parent: None,
            runtime: None,
            line: Line::new(1, "["),
        },
    ));
    let t = build(&facts);
    let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["container_start", "container_die"]);
    let die = &t.events[1];
    assert_eq!(
        die.text,
        "container web (abcdef123456) died with exit code 137"
    );
    assert_eq!(die.severity, Severity::Warning);
    assert_eq!(die.also_in.len(), 1);
    assert_eq!(die.also_in[0].source, "docker_inspect_web");
    assert_eq!(die.also_in[0].line, Some(20));
}

#[test]
fn zone_from_syslog_and_journal_copies_of_one_line() {
    let mut facts = Facts::default();
    facts.date.push(date_at("2018-01-23T12:20:00Z"));
    let mut messages = kernel_log(KernelLogFormat::Syslog);
    messages
        .messages
        .push(hung(7, wall(no_year(1, 23, 20, 10, 1))));
    let mut journal = kernel_log(KernelLogFormat::JournalJson);
    journal
        .messages
        .push(hung(3, wall(instant("2018-01-23T12:10:01.300000Z"))));
    facts
        .kernel_logs
        .push(sourced("var/log/messages", messages));
    facts.kernel_logs.push(sourced("journal.json", journal));
    let t = build(&facts);
    assert_eq!(
        t.clock.zone_description,
        "UTC+08:00 from kernel lines kept in civil time and as instants \
         (var/log/messages against journal.json)"
    );
    assert_eq!(t.events.iter().filter(|e| e.kind == "hung_task").count(), 1);
}

#[test]
fn zone_from_date_against_the_manifest() {
    let mut facts = Facts::default();
    facts.date.push(sourced(
        "cmd/date",
        DateOutput {
            wall: WallClock::Local {
                at: date(2024, 7, 1).at(6, 30, 1, 0),
                zone_abbrev: Some("CST".into()),
            },
            line: Line::new(1, "Mon Jul  1 06:30:01 CST 2024"),
        },
    ));
    facts.manifest.push(sourced(
        "manifest.json",
        Manifest {
            commands: vec![ManifestCommand {
                command: "date".into(),
                output: Some("cmd/date".into()),
                exit_status: Some(0),
                started_at: Some(ts("2024-07-01T12:30:00.800Z")),
                duration_s: None,
                bytes: None,
                truncated: false,
            }],
            ..Manifest::default()
        },
    ));
    let t = build(&facts);
    assert_eq!(
        t.clock.zone.to_offset(Timestamp::UNIX_EPOCH).seconds(),
        -6 * 3600
    );
    assert!(
        t.clock.zone_description.contains("-06:00 US Central"),
        "{}",
        t.clock.zone_description
    );
    assert_eq!(t.clock.collected_at, Some(ts("2024-07-01T12:30:01Z")));
}

proptest::proptest! {
    #[test]
    fn never_panics_on_odd_numbers(
        uptime in proptest::num::f64::ANY,
        proc_up in proptest::num::f64::ANY,
        btime in proptest::num::i64::ANY,
        mtime in proptest::num::i64::ANY,
        month in -3i8..16,
        day in -3i8..40,
        year in -10000i16..10000,
    ) {
        let mut facts = Facts::default();
        let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
        dmesg.messages.push(hung(1, up(uptime)));
        let mut messages = kernel_log(KernelLogFormat::Syslog);
        messages.messages.push(hung(1, Stamp {
            uptime_s: Some(uptime),
            wall: Some(no_year(month, day, 1, 2, 3)),
        }));
        facts.kernel_logs.push(sourced("dmesg", dmesg));
        facts.kernel_logs.push(sourced("messages", messages));
        facts.proc_stat.push(sourced("proc/stat", ProcStat {
            btime: Some(btime),
            btime_line: None,
            processes: None,
            procs_running: None,
            cpus: 1,
        }));
        facts.proc_uptime.push(sourced("proc/uptime", ProcUptime {
            uptime_s: proc_up,
            idle_s: None,
            line: Line::new(1, ""),
        }));
        facts.sources.push(source("proc/uptime", Some(mtime)));
        if let Ok(at) = jiff::civil::DateTime::new(year, 1, 1, 0, 0, 0, 0) {
            facts.date.push(sourced("date", DateOutput {
                wall: WallClock::Local { at, zone_abbrev: Some("CST".into()) },
                line: Line::new(1, ""),
            }));
        }
        let t = build(&facts);
        proptest::prop_assert!(t.events.len() <= 3);
    }
}

#[test]
fn zone_from_the_bundles_localtime_bytes() {
    let mut facts = Facts::default();
    facts.timezone.push(sourced(
        "etc/localtime",
        crate::facts::TimezoneInfo {
            name: Some("Asia/Shanghai".into()),
            offset_s: None,
            tzif: Some(include_bytes!("../../tests/data/timezone/Asia-Shanghai.tzif").to_vec()),
            line: None,
        },
    ));
    let mut human = kernel_log(KernelLogFormat::DmesgHuman);
    human.messages.push(hung(
        2,
        wall(WallClock::Local {
            at: date(2018, 1, 23).at(20, 10, 1, 0),
            zone_abbrev: None,
        }),
    ));
    facts.kernel_logs.push(sourced("dmesg_T", human));
    let t = build(&facts);
    assert_eq!(t.clock.zone_description, "Asia/Shanghai from etc/localtime");
    assert_eq!(
        t.events[0].time.map(crate::report::rfc3339).as_deref(),
        Some("2018-01-23T12:10:01Z")
    );
}

#[test]
fn zone_from_an_iana_name() {
    let mut facts = Facts::default();
    facts.timezone.push(sourced(
        "etc/timezone",
        crate::facts::TimezoneInfo {
            name: Some("America/Chicago".into()),
            offset_s: None,
            tzif: None,
            line: Some(Line::new(1, "America/Chicago")),
        },
    ));
    let t = build(&facts);
    assert_eq!(
        t.clock.zone_description,
        "America/Chicago from etc/timezone"
    );
    let winter = ts("2018-01-23T12:00:00Z");
    assert_eq!(t.clock.zone.to_offset(winter).seconds(), -6 * 3600);
}

#[test]
fn anchors_that_disagree_are_noted() {
    let mut facts = Facts::default();
    facts.proc_stat.push(sourced(
        "proc/stat",
        ProcStat {
            btime: Some(1_516_000_000),
            btime_line: None,
            processes: None,
            procs_running: None,
            cpus: 1,
        },
    ));
    // `date` says 100 s later than btime + /proc/uptime would: the clock was stepped.
    facts.date.push(date_at("2018-01-15T08:06:40Z"));
    facts.proc_uptime.push(sourced(
        "proc/uptime",
        ProcUptime {
            uptime_s: 3500.0,
            idle_s: None,
            line: Line::new(1, "3500.00 100.00"),
        },
    ));
    let t = build(&facts);
    assert_eq!(t.clock.method, "/proc/stat btime (proc/stat)");
    assert_eq!(
        t.clock.notes,
        [
            "collection time from the date output in date",
            "date and /proc/uptime taken together (date and proc/uptime) puts boot 100 s \
             later than /proc/stat btime (uncertainties 6.000 s and 1.000 s); /proc/stat \
             btime is used"
        ]
    );
}

#[test]
fn dmesg_t_in_an_unknown_zone_yields_to_btime() {
    let mut facts = Facts::default();
    facts.proc_stat.push(sourced(
        "proc/stat",
        ProcStat {
            btime: Some(1_516_000_000),
            btime_line: None,
            processes: None,
            procs_running: None,
            cpus: 1,
        },
    ));
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    dmesg.messages.push(hung(3, up(100.0)));
    let mut human = kernel_log(KernelLogFormat::DmesgHuman);
    // 2018-01-15T07:08:20Z printed in China time, with no zone anywhere in the bundle.
    human.messages.push(hung(
        3,
        wall(WallClock::Local {
            at: date(2018, 1, 15).at(15, 8, 20, 0),
            zone_abbrev: None,
        }),
    ));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    facts.kernel_logs.push(sourced("dmesg_T", human));
    let t = build(&facts);
    assert_eq!(t.clock.method, "/proc/stat btime (proc/stat)");
    assert_eq!(
        t.clock.notes,
        [
            "dmesg -T and dmesg copies of the same kernel lines (dmesg_T and dmesg) is 8 h \
          ahead of /proc/stat btime: a whole number of quarter hours, so its civil-time \
          stamps are most likely in another zone than the one used (UTC (assumed: nothing \
          in the bundle gave a zone)); /proc/stat btime is used"
        ]
    );
    assert_eq!(t.events.len(), 1, "{:#?}", t.events);
    assert_eq!(
        t.events[0].time.map(crate::report::rfc3339).as_deref(),
        Some("2018-01-15T07:08:20Z")
    );
    assert_eq!(t.events[0].source, "dmesg");
    assert_eq!(t.events[0].also_in[0].source, "dmesg_T");
}

#[test]
fn runtime_error_replaces_the_daemon_record_of_its_line_and_copies_merge() {
    let mut facts = seed_facts();
    let record = facts.daemon_logs[0].value[0].clone();
    facts.daemon_logs.push(sourced(
        "sos_commands/logs/journalctl_--no-pager",
        vec![DaemonRecord {
            line: Line::new(80, "..."),
            ..record
        }],
    ));
    facts.runtime_errors.push(sourced(
        "var/log/messages",
        vec![crate::facts::RuntimeError {
            line: Line::new(12, "..."),
            time: Some(instant("2018-01-23T12:10:01.288Z")),
            kind: crate::facts::RuntimeErrorKind::StartFailure,
            exit_status: Some(6),
            failed_step: Some("running exec setns process for init".into()),
            errno_text: None,
            cgroup_path: None,
            go_locations: Vec::new(),
            container: None,
            setup: None,
            pod: None,
            pod_uid: None,
        }],
    ));
    let t = build(&facts);
    let seen: Vec<(&str, &str, Option<u32>, usize)> = t
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.source.as_str(), e.line, e.also_in.len()))
        .collect();
    assert_eq!(
        seen,
        [
            ("alloc_failure", "dmesg", Some(4), 0),
            ("runtime_error", "var/log/messages", Some(12), 1),
            ("collection", "date", Some(1), 0),
        ]
    );
    assert_eq!(
        t.events[1].also_in[0].source,
        "sos_commands/logs/journalctl_--no-pager"
    );
    assert_eq!(
        t.events[1].text,
        "container start failed: running exec setns process for init (runc exit status 6)"
    );
}

#[test]
fn uptime_kept_inside_a_syslog_message_is_read() {
    let mut facts = Facts::default();
    facts.date.push(date_at("2018-01-23T13:00:00Z"));
    let mut messages = kernel_log(KernelLogFormat::Syslog);
    let mut inside = hung(5, wall(no_year(1, 23, 12, 0, 1)));
    inside.message = format!("[ 3600.500000] {}", inside.message);
    messages.messages.push(inside);
    let mut dmesg = kernel_log(KernelLogFormat::DmesgRaw);
    dmesg.messages.push(hung(8, up(3600.5)));
    facts
        .kernel_logs
        .push(sourced("var/log/messages", messages));
    facts.kernel_logs.push(sourced("dmesg", dmesg));
    let t = build(&facts);
    assert_eq!(t.clock.boot_time, Some(ts("2018-01-23T11:00:00.500000Z")));
    let hung: Vec<&TimelineEvent> = t.events.iter().filter(|e| e.kind == "hung_task").collect();
    assert_eq!(hung.len(), 1);
    assert_eq!(hung[0].source, "var/log/messages");
    assert_eq!(hung[0].uptime_s, Some(3600.5));
    assert_eq!(hung[0].also_in[0].source, "dmesg");
}

#[test]
fn a_crashed_kernels_log_is_not_placed_on_the_running_boot() {
    use crate::parse::testing::{data, facts_of};
    let running = data("dmesg/insights-raw-rhel7-862-linux-version.txt");
    let crashed = data("dmesg/insights-vmcore-dmesg-rhel7-862.9.1-oops.txt");
    let stat = data("proc_stat/insights-8cpu-btime.txt");
    let crash_path = "sosreport-n/var/crash/127.0.0.1-2018-09-25-10:52:06/vmcore-dmesg.txt";
    let facts = facts_of(&[
        (
            "sosreport-n/sos_commands/kernel/dmesg",
            SourceKind::Dmesg,
            &running,
        ),
        (crash_path, SourceKind::Dmesg, &crashed),
        ("sosreport-n/proc/stat", SourceKind::ProcStat, &stat),
    ]);
    let t = build(&facts);
    assert_eq!(t.clock.method, "/proc/stat btime (sosreport-n/proc/stat)");
    let boot = t.events.iter().find(|e| e.kind == "boot");
    assert_eq!(
        boot.and_then(|e| e.time)
            .map(crate::report::rfc3339)
            .as_deref(),
        Some("2018-11-14T07:17:05Z")
    );
    let oops: Vec<&TimelineEvent> = t.events.iter().filter(|e| e.source == crash_path).collect();
    assert!(!oops.is_empty(), "{:#?}", t.events);
    for e in oops {
        assert_eq!(e.time, None, "{e:#?}");
        assert!(e.uptime_s.is_some_and(|s| s > 345.0));
    }
}

#[test]
fn a_crashed_kernels_log_anchors_nothing() {
    let mut crashed = kernel_log(KernelLogFormat::DmesgRaw);
    crashed.messages.push(hung(4, up(345.7)));
    let mut messages = kernel_log(KernelLogFormat::Syslog);
    messages
        .messages
        .push(hung(9, wall(instant("2018-09-25T10:51:40Z"))));
    let mut facts = Facts::default();
    facts.kernel_logs.push(sourced(
        "var/crash/127.0.0.1-2018-09-25-10:52:06/vmcore-dmesg.txt",
        crashed,
    ));
    facts
        .kernel_logs
        .push(sourced("var/log/messages", messages));
    let t = build(&facts);
    assert_eq!(t.clock.boot_time, None, "{}", t.clock.method);
    assert_eq!(t.clock.method, "none");
}
