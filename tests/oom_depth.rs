//! OOM kills told in depth through the binary: whose limit, named as the bundle names its
//! owner, and one recommendation per action.

use serde_json::Value;

use crate::real_excerpts::all_actions;
use crate::util::{repo, report_json};

/// The finding `id` of a report, which must be there.
fn finding<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// The action of the report's first recommendation.
fn first_action(report: &Value) -> &str {
    report["root_cause"]["recommendations"][0]["action"]
        .as_str()
        .unwrap_or_default()
}

/// The pod whose limit was hit is named as `kubectl` names it, with the container killed,
/// never by the uid of its cgroup alone.
#[test]
fn a_pod_limit_is_advised_by_its_names() {
    let report = report_json(&repo().join("samples/k8s-pod-oom-cgroupv2"));
    let first = &report["root_cause"]["recommendations"][0];
    let action = first["action"].as_str().unwrap_or_default();
    assert!(
        action.starts_with(
            "Measure the peak memory of pod `default/nginx` (container `default/nginx/nginx`) \
             and raise its 100 MiB limit"
        ),
        "{action}"
    );
    assert_eq!(
        first["command"],
        "kubectl -n default top pod nginx --containers"
    );
    assert!(all_actions(&report).iter().all(|a| !a.contains("uid")));
}

/// Three docker containers of a sosreport at their memory limits, read from their cgroup
/// files: one recommendation names the three with their limits, not one each.
#[test]
fn containers_at_their_limits_get_one_recommendation() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let ids = [
        "1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039",
        "3cd1c49d7f3c06e5a9d0d1d8d1d4e0e6b27d8e2f09a0c0d4c8b7a6f5e4d3c2b1",
        "dd6cf0120f4d7a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b",
    ];
    let limits: [u64; 3] = [536_870_912, 536_870_912, 2_147_483_648];
    for (id, limit) in ids.iter().zip(limits) {
        let group = dir.path().join(format!("sys/fs/cgroup/memory/docker/{id}"));
        std::fs::create_dir_all(&group).expect("create folder");
        std::fs::write(group.join("memory.limit_in_bytes"), format!("{limit}\n")).expect("write");
        std::fs::write(
            group.join("memory.usage_in_bytes"),
            format!("{}\n", limit - 4096),
        )
        .expect("write");
        std::fs::write(group.join("memory.failcnt"), "37\n").expect("write");
    }
    let report = report_json(dir.path());
    let reached = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["id"] == "memcg.limit-reached")
        .count();
    assert_eq!(reached, 3);
    // Each finding's own recommendations: the report has no failure to rank them under.
    let actions: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["recommendations"].as_array().into_iter().flatten())
        .filter_map(|r| r["action"].as_str())
        .collect();
    let measuring: Vec<&&str> = actions
        .iter()
        .filter(|a| a.starts_with("Measure the peak memory"))
        .collect();
    assert_eq!(measuring.len(), 1, "{actions:?}");
    assert_eq!(
        *measuring[0],
        "Measure the peak memory of container `1c8fa019edd4` (limit 512 MiB), container \
         `3cd1c49d7f3c` (limit 512 MiB) and container `dd6cf0120f4d` (limit 2 GiB) and raise \
         each limit above its peak with headroom, or reduce what the workloads hold"
    );
}

/// A recorded folder of `tests/data/recorded/`, its files without their header lines.
fn recorded(folder: &str) -> tempfile::TempDir {
    let from = repo().join("tests/data/recorded").join(folder);
    let dir = tempfile::tempdir().expect("temporary folder");
    for entry in std::fs::read_dir(&from).expect("recorded folder").flatten() {
        let name = entry.file_name();
        if name == "README.md" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("recorded file");
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.path().join(name), body).expect("write");
    }
    dir
}

/// The recorded Gunicorn server, four workers of 108 MiB in 256 MiB: the verdict is its worker
/// count against the limit, with the count that fits, and its first action says it.
#[test]
fn recorded_gunicorn_workers_are_the_cause() {
    let dir = recorded("gunicorn-27-cgroup1-worker-oom");
    let report = report_json(dir.path());
    assert_eq!(report["root_cause"]["verdict"], "oom.app-sizing");
    let summary = report["root_cause"]["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("configured for 4 workers (`workers = 4`, from `gunicorn.conf.py`)"),
        "{summary}"
    );
    let first = first_action(&report);
    assert!(
        first.starts_with("Run at most 2 `gunicorn` workers in the 256 MiB limit"),
        "{first}"
    );
    let kill = finding(&report, "oom.memcg-kill");
    let text = kill["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains("`gunicorn` ×5 328 MiB, 128% of the limit (pages they share count in each)"),
        "{text}"
    );
    // A cgroup that nothing else names is named by its path, once.
    assert!(
        text.contains("The limit hit was that of memory cgroup `/gunicorn-oom`."),
        "{text}"
    );
}

/// The recorded PostgreSQL backend: `ALTER SYSTEM`'s settings in `postgresql.auto.conf` win
/// over `postgresql.conf`'s, and the advice has their numbers.
#[test]
fn recorded_postgres_settings_are_the_cause() {
    let dir = recorded("postgresql-15-cgroup1-backend-oom");
    let report = report_json(dir.path());
    assert_eq!(report["root_cause"]["verdict"], "oom.app-sizing");
    let first = first_action(&report);
    assert!(first.starts_with("Set `shared_buffers = 128MB`"), "{first}");
    assert!(first.contains("`work_mem = 3MB`"), "{first}");
    // Seven backends over one `shared_buffers` sum past the limit: the pages they share are
    // said with the share, so that 118% reads as what it is.
    let kill = finding(&report, "oom.memcg-kill");
    let text = kill["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains(
            "The task table holds 7 processes: `postgres` ×7 607 MiB, 118% of the limit (pages \
             they share count in each)."
        ),
        "{text}"
    );
}

/// A one-line kill in the journal, whose kernel line names no cgroup, beside systemd's lines for
/// the unit and the `systemctl status` of the `systemd-slice-oom` sample: the kill is the
/// service's, and the limit its slice's.
#[test]
fn a_one_line_kill_is_attributed_to_its_unit_and_slice() {
    let dir = tempfile::tempdir().expect("temporary folder");
    // The kernel's and systemd's lines as systemd 249 and a 5.15 kernel print them
    // (`unit.c`'s `A process of this unit has been killed by the OOM killer.`, `service.c`'s
    // `Main process exited, code=killed, status=9/KILL` and `Failed with result 'oom-kill'.`).
    let journal = "\
Mar 05 09:11:48 batch01 kernel: Memory cgroup out of memory: Killed process 4120 (python3) total-vm:412288kB, anon-rss:186152kB, file-rss:2264kB, shmem-rss:0kB, UID:998 pgtables:520kB oom_score_adj:0
Mar 05 09:11:48 batch01 systemd[1]: report-export.service: A process of this unit has been killed by the OOM killer.
Mar 05 09:11:48 batch01 systemd[1]: report-export.service: Main process exited, code=killed, status=9/KILL
Mar 05 09:11:48 batch01 systemd[1]: report-export.service: Failed with result 'oom-kill'.
";
    std::fs::write(dir.path().join("messages"), journal).expect("write");
    std::fs::copy(
        repo().join("samples/systemd-slice-oom/systemctl-status.txt"),
        dir.path().join("systemctl-status.txt"),
    )
    .expect("copy");
    let report = report_json(dir.path());
    let kill = finding(&report, "oom.memcg-kill");
    let sentence = kill["sentence"].as_str().unwrap_or_default();
    assert!(
        sentence.contains("inside the memory cgroup of systemd service `report-export.service`"),
        "{sentence}"
    );
    let text = kill["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains("systemd names the unit it hit in the same seconds, systemd service `report-export.service`"),
        "{text}"
    );
    assert!(
        text.contains("`systemctl status batch.slice` shows its limit, `max` 1 GiB"),
        "{text}"
    );
    let cited = kill["evidence"].as_array().into_iter().flatten().any(|e| {
        e["text"]
            .as_str()
            .is_some_and(|t| t.contains("A process of this unit has been killed"))
    });
    assert!(cited, "{}", kill["evidence"]);
}

/// The pod-OOM sample with the kubelet's back-off lines after its kill and a `BackOff` event in
/// its `kubectl describe`: the restart loop is told with the container's OOM kill.
#[test]
fn a_pod_restart_loop_is_told_with_its_oom_kills() {
    let dir = tempfile::tempdir().expect("temporary folder");
    crate::util::copy_dir(&repo().join("samples/k8s-pod-oom-cgroupv2"), dir.path());
    let lines = std::fs::read_to_string(
        repo().join("tests/data/kubelet_log/composed-crashloop-backoff-old-and-structured.txt"),
    )
    .expect("test data");
    let syslog = dir.path().join("var/log/syslog");
    let mut text = std::fs::read_to_string(&syslog).expect("syslog");
    for l in lines.lines().filter(|l| !l.starts_with('#')) {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&syslog, text).expect("write");
    let describe = dir.path().join("kubectl-describe-pod-nginx.txt");
    let mut text = std::fs::read_to_string(&describe).expect("describe");
    // The event as `kubectl describe` lists it (pkg/kubelet/events: BackOff, `Back-off
    // restarting failed container`).
    text.push_str(
        "  Warning  BackOff    12s (x4 over 60s)      kubelet            Back-off restarting failed container\n",
    );
    std::fs::write(&describe, text).expect("write");
    let report = report_json(dir.path());
    let killed = finding(&report, "container.oom-killed");
    let text = killed["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains(
            "`default/nginx/nginx` was OOM-killed once (kernel reports), restarted once \
             (`Restart Count`), and the kubelet held back restarting it 4 times \
             (`CrashLoopBackOff`, the last time for 40s)"
        ),
        "{text}"
    );
    let timeline = serde_json::to_string(&report["timeline"]).unwrap_or_default();
    assert!(
        timeline.contains("kubelet holds back restarting container default/nginx/nginx for 10s"),
        "{timeline}"
    );
}

/// The recorded docker host: two JVMs sized past their limit and a `dd` that is not: the
/// OOM-killed finding says which the runtime's sizing explains, and no template for all.
#[test]
fn recorded_oom_kills_say_which_runtime_sizing_explains() {
    let dir = recorded("docker-20.10-cgroup1-oom-and-start-failures");
    let report = report_json(dir.path());
    let killed = finding(&report, "container.oom-killed");
    let text = killed["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains(
            "In `report-worker-1 (3cd1c49d7f3c)`, `report-worker-2 (dd6cf0120f4d)`, the runtime \
             inside was allowed to grow past the limit"
        ),
        "{text}"
    );
    let memcg = finding(&report, "oom.memcg-kill");
    let text = memcg["explanation"].as_str().unwrap_or_default();
    assert!(!text.contains("failcnt"), "{text}");
}

/// The sizing recommendations of a report, `(finding id, action)`: the specific ones of a
/// runtime's or an application's sizing, and the generic ones that say to measure the peak and
/// size the limit.
fn sizing_recommendations(report: &Value) -> Vec<(String, String)> {
    const GENERIC: [&str; 4] = [
        "Measure the peak memory of",
        "Size the limit to",
        "Compare the container's peak memory",
        "Raise the container's",
    ];
    let mut out = Vec::new();
    for f in report["findings"].as_array().into_iter().flatten() {
        let id = f["id"].as_str().unwrap_or_default();
        for r in f["recommendations"].as_array().into_iter().flatten() {
            let action = r["action"].as_str().unwrap_or_default();
            let specific = matches!(id, "oom.app-sizing" | "oom.runtime-sizing");
            if specific || GENERIC.iter().any(|g| action.starts_with(g)) {
                out.push((id.to_string(), action.to_string()));
            }
        }
    }
    out
}

/// One cgroup, one sizing recommendation, in every sample and recorded bundle: where a
/// runtime's or an application's sizing gives the numbers for a cgroup, no finding adds the
/// generic advice to measure its peak and size its limit; the generic advice stays for the
/// cgroups that no specific one covers.
#[test]
fn every_cgroup_gets_one_sizing_recommendation() {
    let expected: &[(&str, &[&str])] = &[
        ("k8s-pod-oom-cgroupv2", &["memcg.limit-reached"]),
        ("memcg-oom-container", &["oom.runtime-sizing"]),
        ("systemd-slice-oom", &["memcg.limit-reached"]),
        (
            "busybox-1.35-syslogd-small-output",
            &["memcg.limit-reached"],
        ),
        (
            "docker-20.10-cgroup1-oom-and-start-failures",
            &["oom.runtime-sizing", "memcg.limit-reached"],
        ),
        ("gunicorn-27-cgroup1-worker-oom", &["oom.app-sizing"]),
        ("postgresql-15-cgroup1-backend-oom", &["oom.app-sizing"]),
    ];
    let mut bundles: Vec<(String, Value)> = crate::util::sample_dirs()
        .iter()
        .map(|d| {
            (
                d.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                report_json(d),
            )
        })
        .collect();
    let recorded_root = repo().join("tests/data/recorded");
    let mut folders: Vec<String> = std::fs::read_dir(&recorded_root)
        .expect("recorded folders")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    for folder in folders {
        let dir = recorded(&folder);
        bundles.push((folder, report_json(dir.path())));
    }
    assert!(bundles.len() >= expected.len());
    for (name, report) in &bundles {
        let sizing = sizing_recommendations(report);
        let ids: Vec<&str> = sizing.iter().map(|(id, _)| id.as_str()).collect();
        let want = expected
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, ids)| ids.to_vec())
            .unwrap_or_default();
        assert_eq!(ids, want, "{name}: {sizing:?}");
    }
    // The generic advice of the recorded docker host is for the `dd` container alone: the JVMs'
    // limits are the heap's recommendation.
    let (_, docker) = bundles
        .iter()
        .find(|(n, _)| n == "docker-20.10-cgroup1-oom-and-start-failures")
        .expect("recorded docker host");
    let generic = &sizing_recommendations(docker)[1].1;
    assert!(generic.contains("`batch-1 (e57be85230c8)`"), "{generic}");
    assert!(!generic.contains("report-worker"), "{generic}");
}
