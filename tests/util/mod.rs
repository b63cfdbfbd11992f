//! Helpers shared by the integration tests: the binary under test, the repository, the samples,
//! and ([`pack`]) archives of every container format built in test code.

#![allow(dead_code)]

pub mod pack;

use std::path::{Path, PathBuf};

/// The `postmortem` binary built for these tests.
pub fn postmortem() -> std::process::Command {
    std::process::Command::new(assert_cmd::cargo::cargo_bin!("postmortem"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every shipped sample bundle (`samples/*/`), sorted.
pub fn sample_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("samples"))
        .expect("samples/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `postmortem report BUNDLE --format json`, which must succeed, parsed.
pub fn report_json(bundle: &Path) -> serde_json::Value {
    let out = postmortem()
        .args(["report", "--format", "json"])
        .arg(bundle)
        .output()
        .expect("run postmortem");
    assert!(
        out.status.success(),
        "postmortem report {} failed: {}",
        bundle.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

/// `postmortem ARGS...`, which must succeed: its standard output.
pub fn run_ok<I, S>(args: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = postmortem();
    cmd.args(args);
    let out = cmd.output().expect("run postmortem");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Copy a sample folder (flat enough for a plain recursive copy).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Clock notes name only the files that hold a clock, never one of a copied `/sys`.
pub fn assert_clock_notes_from_clocks(report: &serde_json::Value) {
    for note in report["bundle"]["clock"]["notes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let note = note.as_str().unwrap_or("");
        assert!(
            !note.contains("sys/"),
            "clock note from a system file: {note}"
        );
    }
}

/// The seed's kernel log (`samples/seed-runc-unshare-enomem/dmesg`) as a syslog daemon writes
/// it on RHEL, `Jan 23 20:10:01 <host> kernel: ...`, one line per line: each stamp is the seed's
/// boot time (2017-12-22 23:59:43, local) plus the seconds since boot, and a line without a
/// stamp of its own (the indented Mem-Info counters) takes the one before it.
pub fn seed_kernel_log_as_syslog(host: &str) -> Vec<String> {
    let dmesg = std::fs::read_to_string(repo().join("samples/seed-runc-unshare-enomem/dmesg"))
        .expect("read the seed's dmesg");
    let boot = jiff::civil::date(2017, 12, 22).at(23, 59, 43, 0);
    let mut stamp = boot;
    let mut out = Vec::new();
    for line in dmesg.lines() {
        let body = match line
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("] "))
        {
            Some((secs, body)) => {
                let secs: f64 = secs.trim().parse().expect("seconds since boot");
                let nanos = (secs * 1e9).round() as i64;
                stamp = boot
                    .checked_add(jiff::SignedDuration::from_nanos(nanos))
                    .expect("a time after boot");
                body
            }
            None => line,
        };
        out.push(format!(
            "{} {host} kernel: {body}",
            stamp.strftime("%b %e %H:%M:%S")
        ));
    }
    out
}
