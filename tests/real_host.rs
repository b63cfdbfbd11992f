//! The one test whose input nobody wrote by hand: run the collector on this machine (a real
//! kernel; no container engine need be running, which the collector must handle), then
//! `postmortem report` on what it gathered. Every collected file must be recognised and parsed
//! without a warning, the clock must be tied by the collector's `date` and `/proc/uptime`, and
//! the host must get no critical finding (if it does, the test names it: it may be true).

use std::path::PathBuf;

use serde_json::Value;

use crate::util::{assert_clock_notes_from_clocks, postmortem, repo};

#[test]
fn collector_bundle_of_this_host_reads_cleanly() {
    if !std::path::Path::new("/proc/buddyinfo").exists() {
        eprintln!("not a Linux host with /proc: real-host test skipped");
        return;
    }
    let out = tempfile::tempdir().expect("output dir");
    let run = std::process::Command::new("sh")
        .arg(repo().join("collect/postmortem-collect.sh"))
        .args(["--timeout", "20", "--since", "2 hours ago", "--output"])
        .arg(out.path())
        .output()
        .expect("run the collector");
    assert!(
        run.status.success(),
        "collector failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let archive = PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("the collector prints its archive"),
    );
    assert!(archive.exists(), "no archive at {}", archive.display());
    assert!(
        archive.starts_with(out.path()),
        "archive written outside --output"
    );

    let report = postmortem()
        .args(["report", "--format", "json"])
        .arg(&archive)
        .output()
        .expect("run postmortem");
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&report.stderr), "", "stderr");
    let r: Value = serde_json::from_slice(&report.stdout).expect("JSON report");

    let sources = r["sources"].as_array().expect("sources");
    assert!(
        sources.len() >= 15,
        "too few files collected: {}",
        sources.len()
    );
    for s in sources {
        assert_ne!(s["kind"], "unknown", "not recognised: {s}");
        assert_eq!(
            s["warnings"],
            Value::Array(Vec::new()),
            "parse warnings: {s}"
        );
        assert!(s.get("problem").is_none(), "unreadable: {s}");
    }
    for kind in [
        "dmesg",
        "meminfo",
        "buddyinfo",
        "slabinfo",
        "uname",
        "date",
        "manifest",
    ] {
        assert!(
            sources
                .iter()
                .any(|s| s["kind"] == kind && s["records"].as_u64() > Some(0)),
            "no {kind} read from the collector's bundle"
        );
    }
    assert_clock_notes_from_clocks(&r);
    let clock = &r["bundle"]["clock"];
    assert!(
        clock["method"]
            .as_str()
            .is_some_and(|m| m.starts_with("date and /proc/uptime")),
        "clock not tied by the collector's date and /proc/uptime: {clock}"
    );
    assert!(
        clock["uncertainty_s"].as_f64().is_some_and(|u| u < 1.0),
        "{clock}"
    );
    assert_eq!(r["bundle"]["layout"], "postmortem-collect");

    // The test host may really have had an incident (a build that ran out of memory leaves an
    // OOM report in the ring buffer until the next boot; a container that failed to start
    // stays in `docker inspect` with its error): a critical finding is a misreading only when
    // no line of the kernel log or of the container runtime's own state backs it.
    let dmesg_paths: Vec<&str> = sources
        .iter()
        .filter(|s| {
            s["kind"] == "dmesg" || s["kind"] == "container_inspect" || s["kind"] == "docker_events"
        })
        .filter_map(|s| s["path"].as_str())
        .collect();
    let unbacked: Vec<String> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "critical")
        .filter(|f| {
            !f["evidence"].as_array().is_some_and(|ev| {
                ev.iter()
                    .any(|e| dmesg_paths.iter().any(|p| e["path"] == *p))
            })
        })
        .map(|f| format!("{}: {}", f["id"], f["title"]))
        .collect();
    assert!(
        unbacked.is_empty(),
        "critical findings on this host that neither its kernel log nor its runtime's state backs: {unbacked:?}"
    );
}
