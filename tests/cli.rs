//! The command line as users meet it: help, version, completions, the man page, `inspect` on the
//! seed sample in every container format, `timeline` ordering, and the one-line errors.

use std::path::Path;

use serde_json::Value;

use crate::util::pack::{pack_prefixed, write, Format};
use crate::util::{postmortem, repo};

fn run(args: &[&str]) -> std::process::Output {
    postmortem().args(args).output().expect("run postmortem")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_version_completions_and_man_page() {
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(stdout(&help).contains("Examples:"));
    assert!(stdout(&help).contains("postmortem report"));
    let version = run(&["--version"]);
    assert_eq!(
        stdout(&version).trim(),
        format!("postmortem {}", env!("CARGO_PKG_VERSION"))
    );
    for shell in ["bash", "zsh", "fish"] {
        let c = run(&["completions", shell]);
        assert!(c.status.success(), "{shell}");
        assert!(stdout(&c).contains("inspect"), "{shell}");
    }
    let man = run(&["man"]);
    assert!(man.status.success());
    assert!(stdout(&man).starts_with(".ie"), "{}", &stdout(&man)[..40]);
    assert!(stdout(&man).contains("postmortem"));
}

/// The sources of `inspect --format json`, as (path without the archive's top folder, kind).
fn inspected(bundle: &Path) -> Vec<(String, String)> {
    let out = run(&[
        "inspect",
        "--format",
        "json",
        bundle.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}: {}",
        bundle.display(),
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut rows: Vec<(String, String)> = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            let path = s["path"].as_str().expect("path");
            let path = path.strip_prefix("sosreport-beta_004/").unwrap_or(path);
            (
                path.to_string(),
                s["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn inspect_gives_the_same_sources_and_kinds_in_every_container_format() {
    let seed = repo().join("samples/seed-runc-unshare-enomem");
    let expected = inspected(&seed);
    let kinds: Vec<&str> = expected.iter().map(|(_, k)| k.as_str()).collect();
    for kind in [
        "dmesg",
        "free",
        "buddyinfo",
        "extfrag_index",
        "uname",
        "syslog",
        "runtime_error",
        "container_inspect",
    ] {
        assert!(
            kinds.contains(&kind),
            "{kind} not recognised in the seed sample"
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for format in Format::ALL {
        // Misleading names on purpose: the bytes decide.
        let name = format!("upload-{format:?}.bin");
        let archive = write(
            dir.path(),
            &name,
            &pack_prefixed(&seed, format, "sosreport-beta_004"),
        );
        assert_eq!(inspected(&archive), expected, "{format:?}");
    }
}

#[test]
fn timeline_puts_the_failure_the_runtime_error_and_the_die_event_within_a_second() {
    let out = run(&[
        "timeline",
        "--format",
        "json",
        repo()
            .join("samples/seed-runc-unshare-enomem")
            .to_str()
            .expect("path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let clock = &v["bundle"]["clock"];
    assert_ne!(clock["method"], "none");
    let events = v["timeline"].as_array().expect("timeline");
    let when = |kind: &str| -> jiff::Timestamp {
        let e = events
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event"));
        e["time"]
            .as_str()
            .expect("a wall-clock time")
            .parse()
            .expect("RFC 3339")
    };
    let failure = when("alloc_failure");
    let runtime = when("runtime_error");
    let die = events
        .iter()
        .filter(|e| e["kind"] == "container_die")
        .filter_map(|e| e["time"].as_str()?.parse::<jiff::Timestamp>().ok())
        .min_by_key(|t| (t.as_second() - failure.as_second()).abs())
        .expect("a die event");
    for (name, t) in [("runtime error", runtime), ("die event", die)] {
        let gap = (t.as_millisecond() - failure.as_millisecond()).abs();
        assert!(
            gap <= 1000,
            "{name} is {gap} ms from the allocation failure"
        );
    }
    assert!(
        failure <= runtime && runtime <= die,
        "order: failure, runtime error, die"
    );
}

#[test]
fn unreadable_bundles_exit_2_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = write(dir.path(), "empty.tar.gz", b"");
    let noise = write(dir.path(), "noise.zip", &crate::util::pack::noise(4096, 7));
    let missing = dir.path().join("missing.tar.gz");
    for path in [&empty, &noise, &missing] {
        let out = run(&["report", path.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(err.contains(name), "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn fail_on_sets_the_exit_status() {
    let seed = repo().join("samples/seed-runc-unshare-enomem");
    let seed = seed.to_str().expect("path");
    let out = run(&["report", "--format", "json", "--fail-on", "critical", seed]);
    assert_eq!(out.status.code(), Some(1));
    let healthy = repo().join("samples/healthy-node");
    let out = run(&[
        "report",
        "--format",
        "json",
        "--fail-on",
        "critical",
        healthy.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_output_format_follows_the_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = repo().join("samples/seed-runc-unshare-enomem");
    for (name, starts) in [
        ("r.html", "<!DOCTYPE html>"),
        ("r.md", "# Postmortem"),
        ("r.json", "{"),
    ] {
        let out_path = dir.path().join(name);
        let out = postmortem()
            .arg("report")
            .arg(&seed)
            .arg("-o")
            .arg(&out_path)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        let text = std::fs::read_to_string(&out_path).expect("report written");
        assert!(
            text.starts_with(starts),
            "{name}: {}",
            &text[..20.min(text.len())]
        );
    }
}
