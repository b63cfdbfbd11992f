//! Real published excerpts, as they reach a support engineer: cut off, pasted from their
//! middle, or lone error lines. Each test lays the excerpt (from `tests/data/`, without its
//! source header) in a bundle of its own and reads the report the binary writes for it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{repo, report_json};

/// A bundle of `files` (bundle name, `tests/data/` path), each without its header lines.
fn bundle_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (name, data) in files {
        let text =
            std::fs::read_to_string(repo().join("tests/data").join(data)).expect("test data");
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(path, body).expect("write excerpt");
    }
    dir
}

/// The findings of a report by id.
fn findings(report: &Value) -> BTreeMap<String, Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["id"].as_str().expect("id").to_string(), f.clone()))
        .collect()
}

fn report_of(dir: &Path) -> (Value, BTreeMap<String, Value>) {
    let report = report_json(dir);
    let by_id = findings(&report);
    (report, by_id)
}

fn gaps_text(by_id: &BTreeMap<String, Value>) -> String {
    by_id
        .get("bundle.evidence-gap")
        .map(|g| g["explanation"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn a_global_oom_cut_after_its_meminfo_is_a_global_oom() {
    let dir = bundle_of(&[(
        "dmesg",
        "excerpts/cadvisor-global-oom-3.13-gce-cut-after-mem-info.txt",
    )]);
    let (_, by_id) = report_of(dir.path());
    let f = &by_id["oom.global-kill"];
    assert_eq!(f["confidence"], "medium");
    let e = f["explanation"].as_str().unwrap();
    assert!(
        e.contains("cut off before its `Killed process` line"),
        "{e}"
    );
    assert!(e.contains("read from the `Mem-Info:` block"), "{e}");
    assert!(!by_id.contains_key("oom.memcg-kill"));
    let gaps = gaps_text(&by_id);
    assert!(
        gaps.contains("an OOM report is cut off before its kill line"),
        "{gaps}"
    );
    assert!(
        gaps.contains("`Killed process <pid> (<comm>) total-vm:"),
        "{gaps}"
    );
}

#[test]
fn a_memcg_oom_cut_before_its_kill_is_a_memcg_oom() {
    for (data, kind) in [
        (
            "excerpts/cadvisor-memcg-oom-3.13-ubuntu-cut-before-kill.txt",
            "summary",
        ),
        (
            "excerpts/aks-syslog-cgroupv2-memcg-oom-5.15-cut-in-trace.txt",
            "trace",
        ),
    ] {
        let name = if kind == "trace" {
            "var/log/syslog"
        } else {
            "dmesg"
        };
        let dir = bundle_of(&[(name, data)]);
        let (_, by_id) = report_of(dir.path());
        let f = by_id
            .get("oom.memcg-kill")
            .unwrap_or_else(|| panic!("{data}: {by_id:?}"));
        assert_eq!(f["confidence"], "medium", "{data}");
        assert_eq!(f["metrics"]["report_missing"][0], "kill_line", "{data}");
        let e = f["explanation"].as_str().unwrap();
        let basis = if kind == "trace" {
            "read from the call trace"
        } else {
            "read from the memory cgroup summary"
        };
        assert!(e.contains(basis), "{data}: {e}");
        assert!(!by_id.contains_key("oom.global-kill"), "{data}");
    }
}

#[test]
fn an_oom_report_pasted_from_its_middle_counts() {
    let dir = bundle_of(&[(
        "dmesg",
        "excerpts/cadvisor-docker-memcg-oom-4.8-from-task-in.txt",
    )]);
    let (report, by_id) = report_of(dir.path());
    let f = &by_id["oom.memcg-kill"];
    assert_eq!(f["metrics"]["report_missing"][0], "header");
    assert_eq!(f["metrics"]["limit_bytes"], 20480 * 1024);
    assert_eq!(f["metrics"]["failcnt"], 1204);
    assert!(f["explanation"]
        .as_str()
        .unwrap()
        .contains("starts in its middle"));
    assert!(by_id.contains_key("memcg.limit-reached"));
    assert_eq!(report["root_cause"]["verdict"], "memcg.limit-reached");
    let gaps = gaps_text(&by_id);
    assert!(
        gaps.contains("an OOM report starts in its middle"),
        "{gaps}"
    );
    assert!(gaps.contains("invoked oom-killer: gfp_mask="), "{gaps}");
}

#[test]
fn an_allocation_failure_cut_inside_its_meminfo_falls_back_to_buddyinfo() {
    let dir = bundle_of(&[(
        "dmesg",
        "excerpts/seed-3.10-order6-unshare-cut-in-mem-info.txt",
    )]);
    let seed = repo().join("samples/seed-runc-unshare-enomem");
    std::fs::copy(seed.join("free-mh.txt"), dir.path().join("free-mh.txt")).expect("copy free");
    std::fs::create_dir_all(dir.path().join("proc")).expect("proc");
    std::fs::copy(
        seed.join("proc/buddyinfo"),
        dir.path().join("proc/buddyinfo"),
    )
    .expect("copy buddyinfo");
    let (report, by_id) = report_of(dir.path());
    assert_eq!(report["root_cause"]["verdict"], "mm.external-fragmentation");
    assert_eq!(by_id["mm.external-fragmentation"]["confidence"], "low");
    let gaps = gaps_text(&by_id);
    assert!(
        gaps.contains(
            "cut off inside its Mem-Info block: the log ends before the free lists of `Normal`"
        ),
        "{gaps}"
    );
}

#[test]
fn an_exec_failure_is_not_a_start_failure() {
    for data in [
        "excerpts/docker-exec-oci-runtime-exec-failed.txt",
        "excerpts/kubelet-probe-exec-failed.txt",
    ] {
        let dir = bundle_of(&[("error.txt", data)]);
        let (report, by_id) = report_of(dir.path());
        assert!(
            by_id.contains_key("container.exec-failure"),
            "{data}: {by_id:?}"
        );
        assert!(!by_id.contains_key("container.start-failure"), "{data}");
        assert_eq!(
            report["root_cause"]["verdict"], "container.exec-failure",
            "{data}"
        );
    }
}

#[test]
fn an_endpoint_creation_failure_is_a_start_failure_with_its_errno() {
    let dir = bundle_of(&[(
        "docker-run-error.txt",
        "excerpts/docker-run-endpoint-veth-enomem.txt",
    )]);
    let (_, by_id) = report_of(dir.path());
    let f = &by_id["container.start-failure"];
    assert_eq!(f["metrics"]["errno"], "cannot allocate memory");
    assert_eq!(f["metrics"]["container"], "sleepy_noether");
    let e = f["explanation"].as_str().unwrap();
    assert!(e.contains("the daemon could not set up its network"), "{e}");
    assert!(e.contains("pair interfaces: cannot allocate memory"), "{e}");
    let dir = bundle_of(&[(
        "docker-run-error.txt",
        "excerpts/docker-run-overlay-mount-and-networking.txt",
    )]);
    let (_, by_id) = report_of(dir.path());
    assert!(by_id.contains_key("container.start-failure"));
}

/// A 5.15 failure in `dmesg -T` form whose only free blocks of the order are in the high-atomic
/// reserve: the chain reaches fragmentation, and the clock is the log's own wall time.
#[test]
fn a_5_15_veth_failure_reaches_external_fragmentation() {
    let dir = bundle_of(&[
        (
            "dmesg_-T.txt",
            "excerpts/dmesg-T-5.15-veth-order6-highatomic-only.txt",
        ),
        (
            "docker-run-error.txt",
            "excerpts/docker-run-endpoint-veth-enomem.txt",
        ),
    ]);
    let (report, by_id) = report_of(dir.path());
    let rc = &report["root_cause"];
    assert_eq!(rc["verdict"], "mm.external-fragmentation");
    let chain: Vec<&str> = rc["chain"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        chain[..3],
        [
            "container.start-failure",
            "mm.high-order-alloc-failure",
            "mm.external-fragmentation"
        ]
    );
    let e = by_id["mm.external-fragmentation"]["explanation"]
        .as_str()
        .unwrap();
    assert!(e.contains("all in the high-atomic reserve (`H`)"), "{e}");
    let method = report["bundle"]["clock"]["method"].as_str().unwrap();
    assert!(method.contains("dmesg -T wall-clock stamps"), "{method}");
}

/// The folder of text recorded from a real docker 20.10 host (see its README.md).
const RECORDED: &str = "recorded/docker-20.10-cgroup1-oom-and-start-failures";

/// What the daemon logged and the CLI printed for two failed starts and a failed exec, on a
/// real host: each start failure is told with its own container's error, never another's.
#[test]
fn recorded_start_failures_are_each_told_with_their_own_error() {
    for file in ["dockerd.log", "docker-cli.txt"] {
        let dir = bundle_of(&[(file, &format!("{RECORDED}/{file}"))]);
        let (report, by_id) = report_of(dir.path());
        assert_eq!(
            report["root_cause"]["verdict"], "container.start-failure",
            "{file}"
        );
        let f = &by_id["container.start-failure"];
        assert_eq!(f["metrics"]["container"], "web-2", "{file}");
        let e = f["explanation"].as_str().unwrap();
        let (first, rest) = e.split_once("\n\n").unwrap_or((e, ""));
        assert!(
            first.contains("Bind for 0.0.0.0:8080 failed: port is already allocated"),
            "{file}: {first}"
        );
        assert!(!first.contains("web-3"), "{file}: {first}");
        assert!(
            rest.contains("`web-3` (`failed to create endpoint web-3 on network bridge: adding interface vethd12c52c to bridge docker0 failed: could not find bridge docker0"),
            "{file}: {rest}"
        );
        assert!(
            by_id.contains_key("container.exec-failure"),
            "{file}: {by_id:?}"
        );
        let actions = f["recommendations"].to_string();
        assert!(actions.contains("ss -ltnp"), "{file}: {actions}");
        assert!(!actions.contains("page allocation failure"), "{file}");
    }
}

/// The inspect documents alone: the container the inspect names is told with its own
/// `State.Error`.
#[test]
fn recorded_inspect_state_error_explains_its_own_container() {
    let dir = bundle_of(&[
        ("docker_inspect", &format!("{RECORDED}/docker_inspect")),
        ("docker_events", &format!("{RECORDED}/docker_events")),
    ]);
    let (_, by_id) = report_of(dir.path());
    let f = &by_id["container.start-failure"];
    assert_eq!(f["metrics"]["container"], "web-2 (d0012554aa4e)");
    let e = f["explanation"].as_str().unwrap();
    assert!(e.contains("port is already allocated"), "{e}");
    assert!(e.contains("`web-3 (32486f66cec4)`"), "{e}");
}

/// Every file of the recorded folder, under its own name.
fn recorded_bundle() -> tempfile::TempDir {
    let dir = std::fs::read_dir(repo().join("tests/data").join(RECORDED)).expect("recorded folder");
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.clone(), format!("{RECORDED}/{n}")))
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    bundle_of(&borrowed)
}

/// The timeline's OOM kill rows.
fn oom_kill_rows(report: &Value) -> Vec<&Value> {
    report["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "oom_kill")
        .collect()
}

/// Every recommendation of the report: the root cause's and each other incident's.
pub(crate) fn all_actions(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut take = |recs: &Value| {
        for r in recs.as_array().into_iter().flatten() {
            out.push(r["action"].as_str().unwrap_or_default().to_string());
        }
    };
    take(&report["root_cause"]["recommendations"]);
    for also in report["root_cause"]["also"]
        .as_array()
        .into_iter()
        .flatten()
    {
        take(&also["recommendations"]);
    }
    out
}

/// The recorded JVMs (`java -Xmx768m` in 512 MiB containers) and the busybox `dd` at 64 MiB:
/// five kills, each in `dmesg` and `dmesg -T`, told once each; the verdict is the heap against
/// the limit, with the numbers to fix it, and no advice is given twice.
#[test]
fn recorded_oom_kills_are_counted_once_and_the_heap_is_the_cause() {
    let dir = recorded_bundle();
    let (report, by_id) = report_of(dir.path());
    assert_eq!(report["root_cause"]["verdict"], "oom.runtime-sizing");
    let summary = report["root_cause"]["summary"].as_str().unwrap();
    assert!(summary.contains("ran 5 times"), "{summary}");
    assert!(
        summary.contains("768 MiB (`-Xmx768m`, from the command line and `JAVA_OPTS`) in a 512 MiB memory cgroup"),
        "{summary}"
    );
    let first = &report["root_cause"]["recommendations"][0];
    let action = first["action"].as_str().unwrap();
    assert!(action.contains("`-Xmx384m`"), "{action}");
    assert!(action.contains("at least 1 GiB"), "{action}");
    assert_eq!(
        first["command"],
        "docker update --memory 1024m --memory-swap 1024m report-worker-1 report-worker-2"
    );
    assert_eq!(by_id["oom.memcg-kill"]["metrics"]["oom_kills"], 5);
    let sized = &by_id["oom.runtime-sizing"];
    assert_eq!(sized["metrics"]["containers"], 2);
    assert_eq!(sized["metrics"]["limit_bytes"], 512 * 1024 * 1024);

    // Each container with its own limit, each victim named once, the restart loop told.
    let killed = by_id["container.oom-killed"]["explanation"]
        .as_str()
        .unwrap();
    assert!(
        killed.contains("`batch-1 (e57be85230c8)` (limit 64 MiB), `report-worker-1 (3cd1c49d7f3c)` (limit 512 MiB)"),
        "{killed}"
    );
    assert_eq!(killed.matches("`java`").count(), 1, "{killed}");
    assert!(
        killed.contains(
            "`report-worker-2 (dd6cf0120f4d)` was OOM-killed 3 times and started again twice"
        ),
        "{killed}"
    );
    assert!(
        killed.contains("resident at 513 MiB, 513 MiB, 513 MiB at each kill"),
        "{killed}"
    );
    // Whose limit and who consumed it.
    let mechanism = by_id["oom.memcg-kill"]["explanation"].as_str().unwrap();
    assert!(
        mechanism.contains("The limit hit was that of container `report-worker-1 (3cd1c49d7f3c)`"),
        "{mechanism}"
    );
    assert!(
        mechanism.contains("`java` (pid 7818) 513 MiB, 100% of the limit"),
        "{mechanism}"
    );
    assert!(
        mechanism.contains("510 MiB anonymous memory"),
        "{mechanism}"
    );

    // One timeline row per kill, its copy in `dmesg -T` folded into it.
    let kills = oom_kill_rows(&report);
    assert_eq!(kills.len(), 5);
    assert!(kills
        .iter()
        .all(|k| k["also_in"][0]["source"] == "dmesg_-T"));

    let actions = all_actions(&report);
    for (i, a) in actions.iter().enumerate() {
        assert!(!actions[..i].contains(a), "twice: {a}");
        assert!(
            !a.contains("measured peak") || !a.contains("working set"),
            "{a}"
        );
    }
}

/// One real cgroup v2 OOM kill (a pod's limit) kept three times, as a host keeps it: in `dmesg`, in
/// `/var/log/messages` and in the journal. Every finding and the timeline count one kill.
#[test]
fn one_kill_in_dmesg_messages_and_the_journal_is_one_kill() {
    let text = std::fs::read_to_string(
        repo().join("tests/data/dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt"),
    )
    .expect("test data");
    // The excerpt ends with the header of the next report, cut there: left out.
    let mut syslog: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
        .collect();
    if let Some(next) = syslog
        .iter()
        .rposition(|l| l.contains("invoked oom-killer"))
        .filter(|at| *at > 5)
    {
        syslog.truncate(next);
    }
    // `Oct 12 19:00:20 host kernel: [ 8523.347168] msg` → dmesg's `[ 8523.347168] msg`, and
    // the journal's `Oct 12 19:00:20 host kernel: msg`.
    let dmesg: String = syslog
        .iter()
        .filter_map(|l| l.split_once(" kernel: ").map(|(_, m)| format!("{m}\n")))
        .collect();
    let journal: String = syslog
        .iter()
        .filter_map(|l| {
            let (head, msg) = l.split_once(" kernel: ")?;
            let msg = msg.split_once("] ").map_or(msg, |(_, m)| m);
            Some(format!("{head} kernel: {msg}\n"))
        })
        .collect();
    let dir = tempfile::tempdir().expect("temporary folder");
    let put = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(path, body).expect("write");
    };
    put("dmesg", &dmesg);
    put("var/log/messages", &(syslog.join("\n") + "\n"));
    put("sos_commands/logs/journalctl_--no-pager", &journal);
    let (report, by_id) = report_of(dir.path());
    let sources: Vec<&str> = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert_eq!(sources.len(), 3, "{sources:?}");
    let f = &by_id["oom.memcg-kill"];
    assert_eq!(f["metrics"]["oom_kills"], 1, "{f}");
    let e = f["explanation"].as_str().unwrap();
    assert!(e.contains("ran once"), "{e}");
    // The pod's limit, a parent of the container's own cgroup.
    assert!(
        e.contains(
            "The limit hit was that of the pod with uid `5931aa75-4603-4e65-b552-7c71cf55cfb5`"
        ),
        "{e}"
    );
    assert!(
        e.contains("a parent of the victim's own cgroup container `25a38b5b8d55`"),
        "{e}"
    );
    let limit = &by_id["memcg.limit-reached"];
    assert_eq!(limit["metrics"]["oom_kills"], 1);
    assert_eq!(oom_kill_rows(&report).len(), 1, "{}", report["timeline"]);
}

/// BusyBox's `syslogd -S` leaves the host name out of every line (`Dec  6 07:29:47 kernel:
/// [13483.022844] busybox invoked oom-killer: ...`): the kernel's report is read all the same.
#[test]
fn recorded_syslog_without_host_names_is_read() {
    let dir = bundle_of(&[(
        "var/log/messages",
        "recorded/busybox-1.35-syslogd-small-output/messages",
    )]);
    let (report, by_id) = report_of(dir.path());
    let kill = &by_id["oom.memcg-kill"];
    assert!(
        kill["title"].as_str().unwrap().contains("busybox"),
        "{kill}"
    );
    let limit = &by_id["memcg.limit-reached"];
    assert_eq!(limit["metrics"]["limit_bytes"], 64 * 1024 * 1024);
    assert!(
        limit["title"]
            .as_str()
            .unwrap()
            .contains("/docker/336fd46a7d3a76ec2d9fe121c6f15ecfd3a137cdcfea37c975f227f4bb68641c"),
        "{limit}"
    );
    let source = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "var/log/messages")
        .expect("the log is a source");
    assert_eq!(source["kind"], "syslog", "{source}");
    assert!(
        source["warnings"].as_array().is_none_or(Vec::is_empty),
        "{source}"
    );
}

/// The seed incident's write-up pasted whole into one file: the kernel log before the first
/// prompt, then `free -mh` and `cat /proc/buddyinfo` after their prompts, are each read as what
/// they are; the healthy node's `buddyinfo`, pasted under its own host's prompt, is not taken
/// for the failing host's.
#[test]
fn a_write_up_with_several_commands_pasted_reads_each_command() {
    let dir = bundle_of(&[("notes.txt", "excerpts/seed-write-up-pasted-whole.txt")]);
    let (report, by_id) = report_of(dir.path());
    let kinds: Vec<&str> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["dmesg", "free", "buddyinfo", "buddyinfo"]);
    assert!(
        by_id.contains_key("mm.high-order-alloc-failure"),
        "{by_id:?}"
    );
    assert!(by_id.contains_key("mm.external-fragmentation"), "{by_id:?}");
    let text = report.to_string();
    // The healthy node's Normal zone (2121 754 758 ...) is nowhere in the report.
    assert!(
        !text.contains("2121"),
        "the healthy node's buddyinfo was read"
    );
}

/// Two runs of `free -mt` pasted with their prompts, another command between them: each run is
/// read in MiB, as its own prompt line says.
#[test]
fn two_pasted_runs_of_free_take_their_unit_from_their_prompts() {
    let dir = bundle_of(&[("notes.txt", "free/new-procps-4-mt-ubuntu2204.txt")]);
    let report = report_json(dir.path());
    let sources: Vec<(&str, u64)> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap_or(""),
                s["records"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(sources, [("free", 1), ("free", 1)]);
    let text = report.to_string();
    assert!(
        !text.contains("the unit of this free output is not stated"),
        "{text}"
    );
}
