//! Derived facts on the seed's facts and on kernel logs that span reboots, parsed from text.

use super::*;
use crate::analyze::testkit::{self, SEED_DMESG};
use crate::facts::{DockerEvent, Sourced, Uname};
use crate::parse::kernel_log;
use crate::sources::SourceKind;

const BANNER_514: &str = "Linux version 3.10.0-514.26.2.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-11) (GCC) ) #1 SMP Tue Jul 4 15:04:05 UTC 2017";
const BANNER_693: &str = "Linux version 3.10.0-693.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-16) (GCC) ) #1 SMP Tue Aug 22 21:09:27 UTC 2017";

/// The seed's failure report in dmesg form, without its `CPU:` line when `cpu_line` is false.
fn seed_report(cpu_line: bool) -> Vec<&'static str> {
    SEED_DMESG
        .iter()
        .skip(1)
        .copied()
        .filter(|l| cpu_line || !l.contains("] CPU: "))
        .collect()
}

fn uname(release: &str, host: &str) -> Sourced<Uname> {
    Sourced {
        path: "sos_commands/kernel/uname_-a".to_string(),
        value: Uname {
            kernel_name: "Linux".to_string(),
            hostname: Some(host.to_string()),
            release: release.to_string(),
            version: None,
            machine: Some("x86_64".to_string()),
            line: Line::new(1, format!("Linux {host} {release} #1 SMP x86_64 GNU/Linux")),
        },
    }
}

/// Facts holding one kernel log parsed from `lines`.
fn with_log(path: &str, kind: SourceKind, lines: &[&str]) -> Facts {
    let text = lines.join("\n");
    let log = kernel_log::parse(&text, kind).log;
    Facts {
        kernel_logs: vec![Sourced {
            path: path.to_string(),
            value: log,
        }],
        ..Facts::default()
    }
}

/// Each boot's first line, evidence, journal id and kernel release.
type BootRow<'d> = (u32, BootEvidence, Option<&'d str>, Option<&'d str>);

fn boot_rows<'d>(d: &'d Derived<'_>) -> Vec<BootRow<'d>> {
    d.boots
        .iter()
        .map(|b| {
            let release = b.release.as_ref().map(|r| r.release.as_str());
            (b.line.no, b.evidence, b.id, release)
        })
        .collect()
}

fn release<'k>(k: Option<&'k KernelSource<'_>>) -> Option<&'k str> {
    k.map(|k| k.version.release.as_str())
}

#[test]
fn the_seed_is_one_boot_on_the_kernel_uname_names() {
    let facts = testkit::seed_facts();
    let d = derive(&facts);
    assert_eq!(d.layout, Layout::Sosreport);
    assert_eq!(d.host.as_ref().map(|h| h.name.as_str()), Some("beta_004"));
    assert_eq!(
        release(d.kernel.as_ref()),
        Some("3.10.0-514.26.2.el7.x86_64")
    );
    let main = d.main_failure.as_ref().unwrap();
    assert_eq!(main.at.item.order, 6);
    // The failure's own release is uname's: the uname line is what states it.
    assert_eq!(main.kernel, d.kernel);
    assert!(d.rebooted_since_failure().is_none());
    assert_eq!(d.incident_kernel(), d.kernel.as_ref());
    let available = d.available.as_ref().unwrap();
    assert_eq!(available.from, "free");
    assert!(d.boots.is_empty(), "{:?}", d.boots);
}

/// A bundle's syslog files may be other hosts': the host is the one of the log that holds the
/// kernel's messages.
#[test]
fn without_hostname_the_host_is_that_of_the_kernel_messages() {
    let mut facts = with_log(
        "messages",
        SourceKind::Syslog,
        &["May 18 15:13:34 log-server crond[11954]: (root) CMD (run-parts /etc/cron.hourly)"],
    );
    let node = with_log(
        "syslog",
        SourceKind::Syslog,
        &[
            "Jan 23 20:10:01 node-7 kernel: IPVS: Creating netns size=2040 id=1583",
            "Jan 23 20:10:02 node-7 kernel: docker0: port 1(veth1) entered forwarding state",
        ],
    );
    facts.kernel_logs.extend(node.kernel_logs);
    assert_eq!(derive(&facts).host.unwrap().name, "node-7");
    // Among logs alike, the first.
    facts.kernel_logs.swap(0, 1);
    facts.kernel_logs[1] = facts.kernel_logs[0].clone();
    facts.kernel_logs[1].value.hostnames = vec!["node-8".to_string()];
    assert_eq!(derive(&facts).host.unwrap().name, "node-7");
}

#[test]
fn host_name_prefers_hostname_then_uname_then_the_logs() {
    let mut facts = with_log(
        "var/log/messages",
        SourceKind::Syslog,
        &["Jan 23 20:10:01 from-syslog kernel: IPVS: Creating netns size=2040 id=1583"],
    );
    assert_eq!(derive(&facts).host.unwrap().name, "from-syslog");
    facts
        .uname
        .push(uname("3.10.0-514.26.2.el7.x86_64", "from-uname"));
    assert_eq!(derive(&facts).host.unwrap().name, "from-uname");
    facts.hostname.push(Sourced {
        path: "hostname".to_string(),
        value: Line::new(1, "  "),
    });
    // An empty `hostname` file says nothing.
    assert_eq!(derive(&facts).host.unwrap().name, "from-uname");
    facts.hostname[0].value = Line::new(1, "from-hostname\n");
    let d = derive(&facts);
    let host = d.host.unwrap();
    assert_eq!(
        (host.name.as_str(), host.path),
        ("from-hostname", "hostname")
    );
}

#[test]
fn without_uname_the_latest_boot_names_the_running_kernel() {
    let mut lines = vec!["[    0.000000] ".to_string() + BANNER_514];
    lines.push("[ 5000.000000] IPVS: Creating netns size=2040 id=1583".to_string());
    lines.push("[    0.000000] ".to_string() + BANNER_693);
    lines.push("[   12.000000] IPVS: Creating netns size=2040 id=1".to_string());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let facts = with_log("dmesg", SourceKind::Dmesg, &lines);
    let d = derive(&facts);
    assert_eq!(release(d.kernel.as_ref()), Some("3.10.0-693.el7.x86_64"));
    // Two boots: the second banner's reset of the seconds since boot is the same boot.
    let boots: Vec<(u32, BootEvidence, Option<&str>)> = d
        .boots
        .iter()
        .map(|b| {
            (
                b.line.no,
                b.evidence,
                b.release.as_ref().map(|r| r.release.as_str()),
            )
        })
        .collect();
    assert_eq!(
        boots,
        [
            (1, BootEvidence::Banner, Some("3.10.0-514.26.2.el7.x86_64")),
            (3, BootEvidence::UptimeReset, Some("3.10.0-693.el7.x86_64")),
        ]
    );
    assert_eq!(d.boots[1].banner.map(|l| l.no), Some(3));
}

#[test]
fn a_failure_in_a_rotated_log_is_analysed_with_the_kernel_that_printed_it() {
    // The node runs 6.1 now; the rotated log of the boot before holds the seed's failure.
    let report = seed_report(true);
    let mut facts = with_log("var/log/messages-20180124", SourceKind::Dmesg, &report);
    facts.uname.push(uname("6.1.0-18-amd64", "node-7"));
    let d = derive(&facts);
    assert_eq!(release(d.kernel.as_ref()), Some("6.1.0-18-amd64"));
    let main = d.main_failure.as_ref().unwrap();
    assert_eq!(
        release(main.kernel.as_ref()),
        Some("3.10.0-514.26.2.el7.x86_64")
    );
    assert_eq!(
        main.kernel.as_ref().unwrap().path,
        "var/log/messages-20180124"
    );
    let (failed, now) = d.rebooted_since_failure().unwrap();
    assert_eq!(failed.version.release, "3.10.0-514.26.2.el7.x86_64");
    assert_eq!(now.version.release, "6.1.0-18-amd64");
    assert_eq!(
        release(d.incident_kernel()),
        Some("3.10.0-514.26.2.el7.x86_64")
    );
}

#[test]
fn a_report_without_its_cpu_line_takes_the_kernel_of_its_boot() {
    // A journal of two boots: the failure is in the first, printed without its `CPU:` line.
    let mut lines = vec![
        "-- Logs begin at Mon 2018-01-01 00:00:01 CST, end at Tue 2018-01-30 10:00:00 CST. --"
            .to_string(),
        format!("Jan 01 00:00:01 node-7 kernel: {BANNER_514}"),
    ];
    for l in seed_report(false) {
        let body = l.split_once("] ").map_or(l, |(_, b)| b);
        lines.push(format!("Jan 23 20:10:01 node-7 kernel: {body}"));
    }
    lines.push("-- Reboot --".to_string());
    lines.push(format!("Jan 28 09:00:00 node-7 kernel: {BANNER_693}"));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let facts = with_log(
        "sos_commands/logs/journalctl_-k",
        SourceKind::Journal,
        &lines,
    );
    let d = derive(&facts);
    assert_eq!(d.boots.len(), 2, "{:?}", d.boots);
    assert_eq!(release(d.kernel.as_ref()), Some("3.10.0-693.el7.x86_64"));
    let main = d.main_failure.as_ref().unwrap();
    assert!(main.at.item.kernel_release.is_none());
    let kernel = main.kernel.as_ref().unwrap();
    assert_eq!(kernel.version.release, "3.10.0-514.26.2.el7.x86_64");
    assert_eq!(kernel.line.map(|l| l.no), Some(2));
    // The GFP mask was decoded with that boot's kernel too.
    assert_eq!(
        main.at.item.gfp.decoded.first().map(String::as_str),
        Some("GFP_KERNEL")
    );
    assert!(d.rebooted_since_failure().is_some());
}

#[test]
fn journal_markers_and_banners_are_one_boot_each() {
    let facts = with_log(
        "journal",
        SourceKind::Journal,
        &[
            "-- Logs begin at Mon 2018-01-01 00:00:01 CST, end at Sun 2018-01-28 09:00:05 CST. --",
            &format!("Jan 01 00:00:01 node-7 kernel: {BANNER_514}"),
            "Jan 02 00:00:01 node-7 kernel: IPVS: Creating netns size=2040 id=1583",
            "-- Boot 8e2a1c0f9b3d4e5f8a7b6c5d4e3f2a1b --",
            &format!("Jan 28 09:00:00 node-7 kernel: {BANNER_693}"),
            "-- Reboot --",
            "Jan 29 09:00:00 node-7 kernel: IPVS: Creating netns size=2040 id=1",
        ],
    );
    let d = derive(&facts);
    let boots = boot_rows(&d);
    assert_eq!(
        boots,
        [
            (
                2,
                BootEvidence::Banner,
                None,
                Some("3.10.0-514.26.2.el7.x86_64")
            ),
            (
                4,
                BootEvidence::Journal,
                Some("8e2a1c0f9b3d4e5f8a7b6c5d4e3f2a1b"),
                Some("3.10.0-693.el7.x86_64")
            ),
            (6, BootEvidence::Journal, None, None),
        ]
    );
    // A marker is stamped by its boot's first message.
    assert!(d.boots[2].stamp.wall.is_some());
    assert_eq!(d.boots[1].banner.map(|l| l.no), Some(5));
}

/// `journalctl -b all -o json` of two boots prints no marker between them: the second boot is
/// where `_BOOT_ID` changes, whether or not its banner was kept.
#[test]
fn a_json_journal_of_two_boots_is_two_boots() {
    const FIRST: &str = "6c7c6013a26343b29e964691ff25d04c";
    const SECOND: &str = "8e2a1c0f9b3d4e5f8a7b6c5d4e3f2a1b";
    let record = |boot: &str, realtime: u64, mono: u64, message: &str| {
        format!(
            "{{\"__REALTIME_TIMESTAMP\":\"{realtime}\",\"__MONOTONIC_TIMESTAMP\":\"{mono}\",\"_BOOT_ID\":\"{boot}\",\"_TRANSPORT\":\"kernel\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"_HOSTNAME\":\"node-7\",\"MESSAGE\":{}}}",
            serde_json::Value::from(message)
        )
    };
    let lines = [
        record(FIRST, 1_514_764_801_000_000, 1_000_000, BANNER_514),
        record(
            FIRST,
            1_514_851_201_000_000,
            86_401_000_000,
            "IPVS: Creating netns size=2040 id=1583",
        ),
        record(
            SECOND,
            1_517_130_000_000_000,
            3_104_210,
            "IPVS: Creating netns size=2040 id=1",
        ),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let facts = with_log("journal.json", SourceKind::Journal, &lines);
    let d = derive(&facts);
    let boots = boot_rows(&d);
    // The first boot is told by its banner, the second by its id alone.
    assert_eq!(boots.len(), 2, "{boots:?}");
    assert_eq!(boots[0].3, Some("3.10.0-514.26.2.el7.x86_64"));
    assert_eq!(boots[1], (3, BootEvidence::Journal, Some(SECOND), None));
    assert_eq!(d.boots[1].stamp.uptime_s, Some(3.10421));
}

#[test]
fn a_line_before_a_later_boot_of_its_log_is_not_given_the_running_kernel() {
    let mut lines: Vec<String> = seed_report(false).iter().map(|l| l.to_string()).collect();
    lines.push("[    3.000000] IPVS: Creating netns size=2040 id=1".to_string());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut facts = with_log("dmesg", SourceKind::Dmesg, &lines);
    facts.uname.push(uname("6.1.0-18-amd64", "node-7"));
    let d = derive(&facts);
    assert_eq!(d.boots.len(), 1);
    assert_eq!(d.boots[0].evidence, BootEvidence::UptimeReset);
    let main = d.main_failure.as_ref().unwrap();
    assert!(main.kernel.is_none(), "{:?}", main.kernel);
    // What the boot after it ran is the collection's kernel, as nothing says otherwise.
    assert_eq!(
        release(d.kernel_at("dmesg", 42_000, None).as_ref()),
        Some("6.1.0-18-amd64")
    );
}

#[test]
fn report_releases_show_a_reboot_a_log_kept_no_banner_of() {
    let first = seed_report(true);
    let second: Vec<String> = first
        .iter()
        .map(|l| l.replace("3.10.0-514.26.2.el7", "3.10.0-693.el7"))
        .collect();
    let mut lines: Vec<&str> = first.clone();
    lines.extend(second.iter().map(String::as_str));
    let facts = with_log("var/log/messages-20180124", SourceKind::Dmesg, &lines);
    let d = derive(&facts);
    assert_eq!(d.boots.len(), 1, "{:?}", d.boots);
    assert_eq!(d.boots[0].evidence, BootEvidence::ReportRelease);
    assert_eq!(
        d.boots[0].release.as_ref().map(|r| r.release.as_str()),
        Some("3.10.0-693.el7.x86_64")
    );
}

#[test]
fn layouts() {
    let mut facts = Facts::default();
    assert_eq!(derive(&facts).layout, Layout::Plain);
    facts.manifest.push(Sourced {
        path: "manifest.json".to_string(),
        value: Default::default(),
    });
    assert_eq!(derive(&facts).layout, Layout::Collector);
    assert_eq!(derive(&testkit::seed_facts()).layout.as_str(), "sosreport");
}

fn event(no: u32, action: &str, id: &str, name: &str, exit: Option<&str>) -> DockerEvent {
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("name".into(), name.into());
    if let Some(code) = exit {
        attributes.insert("exitCode".into(), code.into());
    }
    DockerEvent {
        time: None,
        object_type: "container".to_string(),
        action: action.to_string(),
        actor_id: id.to_string(),
        attributes,
        line: Line::new(no, format!("container {action} {id} (name={name})")),
        repeat: None,
    }
}

#[test]
fn containers_are_joined_by_id_and_name_and_failed_starts_read_in_order() {
    let mut facts = testkit::seed_facts();
    let id = facts.containers[0].value.id.clone();
    let name = facts.containers[0].value.name.clone().unwrap_or_default();
    let name = name.trim_start_matches('/').to_string();
    let short: String = id.chars().take(12).collect();
    facts.docker_events = vec![Sourced {
        path: "docker_events".to_string(),
        value: vec![
            event(1, "create", &short, &name, None),
            event(2, "die", &short, &name, Some("128")),
            event(3, "create", "0123456789abcdef", "other", None),
            event(4, "start", "0123456789abcdef", "other", None),
            event(5, "die", "0123456789abcdef", "other", Some("0")),
        ],
    }];
    let d = derive(&facts);
    assert_eq!(d.containers.len(), 2, "{:?}", d.containers);
    let seed = &d.containers[0];
    assert_eq!(seed.id, id);
    assert!(seed.inspect.is_some());
    assert_eq!(seed.events.len(), 2);
    assert_eq!(d.containers[1].label(), "other (0123456789ab)");
    assert_eq!(d.failed_starts.len(), 1);
    assert_eq!(d.failed_starts[0].die.line.no, 2);
    assert_eq!(d.failed_starts[0].create.map(|c| c.line.no), Some(1));
    assert_eq!(
        d.failing_container().map(|c| c.item.id.as_str()),
        Some(id.as_str())
    );
}

#[test]
fn a_container_recreated_under_its_name_is_another_container() {
    let first = "1111111111111111aaaa";
    let second = "2222222222222222bbbb";
    let mut facts = Facts {
        docker_events: vec![Sourced {
            path: "docker_events".to_string(),
            value: vec![
                event(1, "create", first, "web", None),
                event(2, "destroy", first, "web", None),
                event(3, "create", second, "web", None),
                event(4, "oom", second, "web", None),
            ],
        }],
        ..Facts::default()
    };
    let mut log = kernel_log::parse(
        "[100.0] Memory cgroup out of memory: Killed process 4242 (java) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB\n",
        SourceKind::Dmesg,
    )
    .log;
    log.oom_kills[0].memcg = Some(format!("/docker/{second}"));
    facts.kernel_logs.push(Sourced {
        path: "dmesg".to_string(),
        value: log,
    });
    let d = derive(&facts);
    let views: Vec<(&str, usize, usize)> = d
        .containers
        .iter()
        .map(|c| (c.id, c.events.len(), c.oom_kills.len()))
        .collect();
    assert_eq!(views, [(first, 2, 0), (second, 2, 1)]);
    assert_eq!(d.container_oom_kills.len(), 1);
}

#[test]
fn cgroup_paths_name_containers_by_full_or_short_id() {
    let id = "9f3c2d1e0b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";
    assert!(cgroup_names_container(&format!("/docker/{id}"), id));
    assert!(cgroup_names_container(
        "/kubepods/burstable/pod1/9f3c2d1e0b7a",
        id
    ));
    assert!(!cgroup_names_container("/docker/ffff", id));
    assert!(!cgroup_names_container("/docker/abc", "abc"));
}
