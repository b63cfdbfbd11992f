//! A real sosreport of this machine, made at test time by Debian's `sos` (never committed):
//! every file is recognised as what it is or left `unknown`, nothing of a copied file system is
//! taken for a log or a memory table, sos's own files read without a warning, masked systemd
//! units (links to `/dev/null`) are a normal part of the bundle, clock notes come only from real
//! clocks, and a machine on which nothing failed reads as healthy. The same sosreport with the
//! seed incident's kernel log in a rotated `var/log/messages-*`, as a node rebooted into a new
//! kernel since the failure has it, reads with the kernel that failed. Without `sos` the tests
//! say so on stderr and pass, as the browser test does without chromium.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{
    assert_clock_notes_from_clocks, postmortem, report_json, seed_kernel_log_as_syslog,
};

/// The plugins of a small, quick report that holds every kind of file postmortem reads.
const PLUGINS: &str = "kernel,memory,logs,process,date,host,cgroups,systemd,networking";

/// Kinds a file under a copied file system must never be taken for.
const NEVER_IN_SYSTEM_TREES: &[&str] = &[
    "dmesg",
    "syslog",
    "journal",
    "daemon_log",
    "date",
    "free",
    "vmstat",
    "meminfo",
];

/// Where sos puts what postmortem reads, and its kind (a path ending).
const EXPECTED: &[(&str, &str)] = &[
    ("/proc/meminfo", "meminfo"),
    ("/proc/buddyinfo", "buddyinfo"),
    ("/proc/pagetypeinfo", "pagetypeinfo"),
    ("/proc/slabinfo", "slabinfo"),
    ("/proc/vmstat", "vmstat"),
    ("/proc/zoneinfo", "zoneinfo"),
    ("/proc/cgroups", "cgroups"),
    ("/proc/stat", "proc_stat"),
    ("/sos_commands/memory/free", "free"),
    ("/sos_commands/memory/free_-m", "free"),
    ("/sos_commands/kernel/dmesg", "dmesg"),
    ("/sos_commands/kernel/uname_-a", "uname"),
    ("/sos_commands/date/date", "date"),
    ("/sos_commands/host/uptime", "uptime"),
];

fn sos_available() -> bool {
    std::process::Command::new("sos")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Make a sosreport of this machine in `dir`; the archive's path.
fn make_sosreport(dir: &Path, plugins: &str) -> PathBuf {
    let run = std::process::Command::new("sos")
        .args(["report", "--batch", "--quiet", "--tmp-dir"])
        .arg(dir)
        .args(["-o", plugins])
        .output()
        .expect("run sos report");
    assert!(
        run.status.success(),
        "sos report failed: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_dir(dir)
        .expect("read the sos output folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("sosreport-") && n.contains(".tar"))
                && p.extension().is_some_and(|e| e != "md5" && e != "sha256")
        })
        .expect("sos wrote an archive")
}

/// Whether a bundle path is inside the copied file system of the host.
fn in_system_tree(path: &str) -> bool {
    ["/sys/", "/usr/", "/etc/systemd/"]
        .iter()
        .any(|t| path.contains(t))
}

#[test]
fn a_real_sosreport_of_this_host_reads_cleanly() {
    if !sos_available() {
        eprintln!("sos is not installed: real sosreport test skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = make_sosreport(dir.path(), PLUGINS);
    let out = postmortem()
        .args(["report", "--format", "json"])
        .arg(&archive)
        .output()
        .expect("run postmortem");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A link to /dev/null, a file sos could not read: nothing is worth a line on stderr.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "stderr");
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(r["bundle"]["layout"], "sosreport");

    let sources = r["sources"].as_array().expect("sources");
    for s in sources {
        let path = s["path"].as_str().unwrap_or("");
        let kind = s["kind"].as_str().unwrap_or("");
        assert_eq!(s["warnings"], Value::Array(Vec::new()), "warnings: {s}");
        assert!(s.get("problem").is_none(), "problem: {s}");
        if in_system_tree(path) {
            assert!(
                !NEVER_IN_SYSTEM_TREES.contains(&kind),
                "a file of the copied file system taken for {kind}: {path}"
            );
        }
        if let Some((_, want)) = EXPECTED.iter().find(|(end, _)| path.ends_with(end)) {
            assert_eq!(kind, *want, "{path}");
        }
    }
    for (end, kind) in EXPECTED {
        let present = sources
            .iter()
            .any(|s| s["path"].as_str().is_some_and(|p| p.ends_with(end)));
        if !present && (end.starts_with("/sos_commands/memory") || *end == "/proc/meminfo") {
            panic!("sos wrote no {end} ({kind})");
        }
    }

    assert_clock_notes_from_clocks(&r);

    let failures: Vec<String> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| matches!(f["role"].as_str(), Some("symptom" | "mechanism")))
        .map(|f| format!("{}: {}", f["id"], f["title"]))
        .collect();
    let gaps: Vec<&Value> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["id"] == "bundle.evidence-gap")
        .collect();
    for gap in gaps {
        assert!(
            !gap.to_string().contains("dev/null"),
            "a masked unit is an evidence gap: {gap}"
        );
    }
    if failures.is_empty() {
        assert!(r["root_cause"].is_null(), "{}", r["root_cause"]);
        let md = postmortem()
            .args(["report", "--format", "md"])
            .arg(&archive)
            .output()
            .expect("run postmortem");
        let md = String::from_utf8_lossy(&md.stdout);
        assert!(
            md.contains("**No failure found in this bundle.**\n"),
            "{}",
            md.lines().take(12).collect::<Vec<_>>().join("\n")
        );
        assert!(md.contains("## Node state"), "no node state");
    } else {
        // The machine may really have failed: the test names it rather than hide it.
        eprintln!("this host shows failures: {failures:?}");
    }
}

/// Unpack a sosreport archive in `dir`; the report's top folder.
fn unpack(archive: &Path, dir: &Path) -> PathBuf {
    let run = std::process::Command::new("tar")
        .arg("-xf")
        .arg(archive)
        .arg("-C")
        .arg(dir)
        .output()
        .expect("run tar");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_dir(dir)
        .expect("read the unpacked folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("sos wrote a top folder")
}

#[test]
fn a_rebooted_node_is_read_with_the_kernel_that_failed() {
    if !sos_available() {
        eprintln!("sos is not installed: rebooted-node sosreport test skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let made = dir.path().join("made");
    std::fs::create_dir(&made).expect("folder");
    let archive = make_sosreport(&made, "kernel,memory,logs,date,host");
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).expect("folder");
    let root = unpack(&archive, &unpacked);

    // The seed's kernel log, as this node's syslog kept it before a reboot: rotated the day
    // after the failure.
    let healthy = report_json(&root);
    let host = healthy["bundle"]["hostname"]
        .as_str()
        .expect("the sosreport names the host")
        .to_string();
    let now = healthy["bundle"]["kernel"]
        .as_str()
        .expect("the sosreport names the kernel")
        .to_string();
    assert_ne!(
        now, "3.10.0-514.26.2.el7.x86_64",
        "this machine runs the seed's kernel"
    );
    let log = root.join("var/log");
    std::fs::create_dir_all(&log).expect("var/log");
    let mut text = seed_kernel_log_as_syslog(&host).join("\n");
    text.push('\n');
    std::fs::write(log.join("messages-20180124"), text).expect("write messages");

    let r = report_json(&root);
    assert_eq!(r["bundle"]["kernel"], now.as_str());
    let rc = &r["root_cause"];
    assert_eq!(rc["verdict"], "mm.external-fragmentation", "{rc}");
    let summary = rc["summary"].as_str().expect("summary");
    assert!(
        summary.contains(&format!(
            "The node has since rebooted into `{now}`; the failure happened on \
             `3.10.0-514.26.2.el7.x86_64`"
        )),
        "{summary}"
    );
    let finding = |id: &str| {
        r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    let failure = finding("mm.high-order-alloc-failure");
    assert_eq!(
        failure["metrics"]["kernel_release"],
        "3.10.0-514.26.2.el7.x86_64"
    );
    // Decoded with 3.10's flags, checked against 3.10's watermarks.
    assert!(
        failure["metrics"]["gfp_flags"]
            .to_string()
            .contains("__GFP_KMEMCG"),
        "{failure}"
    );
    let fragmentation = finding("mm.external-fragmentation");
    let explanation = fragmentation["explanation"].as_str().expect("explanation");
    assert!(explanation.contains("at order 1"), "{explanation}");
    // Nothing captured at collection, in another boot, is read as the failure's memory.
    assert!(
        fragmentation["metrics"].get("available_bytes").is_none(),
        "{fragmentation}"
    );
    assert!(!explanation.contains("at collection"), "{explanation}");

    // The failure, then the boot the node runs now.
    let timeline = r["timeline"].as_array().expect("timeline");
    let at = |kind: &str, words: &str| {
        timeline
            .iter()
            .position(|e| {
                e["kind"] == kind && e["text"].as_str().is_some_and(|t| t.contains(words))
            })
            .unwrap_or_else(|| panic!("no {kind} event with {words:?}: {timeline:?}"))
    };
    let failed = at("alloc_failure", "order 6");
    assert!(failed < at("boot", &now));
    // The rotated log's name gives its syslog stamps their year, not the collection.
    let when = timeline[failed]["time"].as_str().unwrap_or_default();
    assert!(when.starts_with("2018-01-2"), "{when}");
}
