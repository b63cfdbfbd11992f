//! `postmortem batch` over a folder of bundles, and `postmortem summarize` over its JSON
//! reports.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::pack::{pack_prefixed, Format};
use crate::util::{copy_dir, postmortem, sample_dirs};

/// Bytes that no reader takes for an archive (a fixed pseudo-random sequence).
fn random_bytes(n: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

/// A folder of bundles: every sample as a folder, the seed also as a `.tar.gz` with a
/// sosreport-style top folder, and a corrupt `broken.tar.gz`.
fn fleet(root: &Path) -> PathBuf {
    let fleet = root.join("fleet");
    std::fs::create_dir_all(&fleet).unwrap();
    for dir in sample_dirs() {
        let name = dir.file_name().unwrap().to_owned();
        copy_dir(&dir, &fleet.join(&name));
        if name == "seed-runc-unshare-enomem" {
            let bytes = pack_prefixed(&dir, Format::TarGz, "sosreport-beta_004-20180123");
            std::fs::write(fleet.join("sosreport-beta_004-20180123.tar.gz"), bytes).unwrap();
        }
    }
    std::fs::write(fleet.join("broken.tar.gz"), random_bytes(4096)).unwrap();
    std::fs::write(fleet.join("README.md"), "notes, not a bundle\n").unwrap();
    fleet
}

fn rows(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn run_batch(inputs: &[&Path], out: &Path, jobs: Option<&str>) -> std::process::Output {
    let mut cmd = postmortem();
    cmd.arg("batch").args(inputs).arg("-o").arg(out);
    if let Some(j) = jobs {
        cmd.args(["--jobs", j]);
    }
    cmd.output().unwrap()
}

#[test]
fn batch_writes_every_report_and_a_summary_grouped_by_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = fleet(tmp.path());
    let out = tmp.path().join("out");
    let result = run_batch(&[&fleet], &out, None);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    let bundles = sample_dirs().len() + 2;
    assert!(
        stderr.contains(&format!("{} of {bundles} bundles analysed", bundles - 1)),
        "{stderr}"
    );
    assert!(stderr.contains("broken.tar.gz"), "{stderr}");

    // One report pair per readable bundle.
    let mut names: Vec<String> = sample_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.push("sosreport-beta_004-20180123".into());
    for name in &names {
        for ext in ["html", "json"] {
            let path = out.join(format!("{name}.{ext}"));
            assert!(path.is_file(), "missing {}", path.display());
        }
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(report["schema"], "postmortem.report/v1");
    }
    assert!(!out.join("broken.html").exists());

    let rows = rows(&out);
    assert_eq!(rows.len(), bundles);
    // Most severe first; the unreadable bundle last, with its reason.
    let last = rows.last().unwrap();
    assert_eq!(last["bundle"], "broken.tar.gz");
    assert_eq!(last["ok"], false);
    let reason = last["error"].as_str().unwrap();
    assert!(reason.contains("broken.tar.gz"), "{reason}");
    assert!(last["report_html"].is_null());

    let seed = rows
        .iter()
        .find(|r| r["bundle"] == "seed-runc-unshare-enomem")
        .unwrap();
    assert_eq!(seed["ok"], true);
    assert_eq!(seed["host"], "beta_004");
    assert_eq!(seed["severity"], "critical");
    assert_eq!(seed["kernel"], "3.10.0-514.26.2.el7.x86_64");
    assert_eq!(seed["largest_free_order"], 3);
    assert_eq!(seed["extfrag_at_failed_order"], 0.981);
    assert_eq!(seed["report_html"], "seed-runc-unshare-enomem.html");
    assert!(seed["path"]
        .as_str()
        .unwrap()
        .ends_with("seed-runc-unshare-enomem"));
    let ids: Vec<&str> = seed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(ids.contains(&"mm.external-fragmentation"), "{ids:?}");
    // The packed copy of the seed reaches the same verdict, and the two sit in one group.
    let packed = rows
        .iter()
        .find(|r| r["bundle"] == "sosreport-beta_004-20180123.tar.gz")
        .unwrap();
    assert_eq!(packed["verdict"], seed["verdict"]);
    let order: Vec<&str> = rows
        .iter()
        .map(|r| r["severity"].as_str().unwrap())
        .collect();
    let rank = |s: &str| {
        ["critical", "warning", "info", "none"]
            .iter()
            .position(|x| *x == s)
    };
    let readable: Vec<_> = order[..order.len() - 1].iter().map(|s| rank(s)).collect();
    assert!(readable.windows(2).all(|w| w[0] <= w[1]), "{order:?}");

    // index.html: one heading per verdict, the broken bundle under its own, no script.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let verdict = seed["verdict"].as_str().unwrap();
    assert_eq!(html.matches(&format!("<h2 id=\"v-{verdict}\"")).count(), 1);
    assert!(html.contains("<h2 id=\"v-unreadable\">Could not be read"));
    assert!(!html.contains("<script"));
    assert!(html.contains("default-src 'none'"));
    assert!(html.contains("href=\"seed-runc-unshare-enomem.html\""));
    let group = html.find(&format!("id=\"v-{verdict}\"")).unwrap();
    let broken = html.find("id=\"v-unreadable\"").unwrap();
    assert!(group < broken);

    // summary.csv: a header and one line per bundle.
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), bundles + 1);
    assert!(lines[0]
        .starts_with("bundle,path,ok,error,host,kernel,collected_at,verdict,severity,findings,"));
    assert!(lines.last().unwrap().starts_with("broken.tar.gz,"));
}

#[test]
fn summarize_gives_the_same_summary_as_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = fleet(tmp.path());
    std::fs::remove_file(fleet.join("broken.tar.gz")).unwrap();
    let out = tmp.path().join("out");
    assert!(run_batch(&[&fleet], &out, Some("2")).status.success());
    let from_batch = std::fs::read(out.join("summary.json")).unwrap();
    let csv_from_batch = std::fs::read(out.join("summary.csv")).unwrap();
    for f in ["summary.json", "summary.csv", "index.html"] {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    let mut reports: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    reports.sort();
    let result = postmortem()
        .arg("summarize")
        .args(&reports)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert_eq!(
        String::from_utf8(std::fs::read(out.join("summary.json")).unwrap()).unwrap(),
        String::from_utf8(from_batch).unwrap()
    );
    assert_eq!(
        std::fs::read(out.join("summary.csv")).unwrap(),
        csv_from_batch
    );
    assert!(out.join("index.html").is_file());
}

#[test]
fn batch_output_does_not_depend_on_the_number_of_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = fleet(tmp.path());
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    assert!(run_batch(&[&fleet], &one, Some("1")).status.success());
    assert!(run_batch(&[&fleet], &two, Some("2")).status.success());
    for f in [
        "summary.json",
        "summary.csv",
        "index.html",
        "seed-runc-unshare-enomem.html",
    ] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn batch_of_nothing_readable_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.tar.gz");
    std::fs::write(&broken, random_bytes(512)).unwrap();
    let out = tmp.path().join("out");
    let result = run_batch(&[&broken], &out, None);
    assert_eq!(result.status.code(), Some(2));
    let rows = rows(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["ok"], false);
}

#[test]
fn summarize_skips_a_summary_and_names_what_is_not_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let seed = sample_dirs()
        .into_iter()
        .find(|d| d.ends_with("seed-runc-unshare-enomem"))
        .unwrap();
    assert!(run_batch(&[&seed], &out, None).status.success());
    let other = tmp.path().join("other.json");
    std::fs::write(&other, "{\"hello\": 1}").unwrap();
    let result = postmortem()
        .arg("summarize")
        .arg(out.join("seed-runc-unshare-enomem.json"))
        .arg(out.join("summary.json"))
        .arg(&other)
        .arg("-o")
        .arg(tmp.path().join("merged"))
        .output()
        .unwrap();
    assert!(result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("summary.json: a summary, not a report"),
        "{stderr}"
    );
    let rows = rows(&tmp.path().join("merged"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["host"], "beta_004");
    assert_eq!(rows[1]["bundle"], "other.json");
    assert!(rows[1]["error"]
        .as_str()
        .unwrap()
        .starts_with("not a postmortem report"));
    // The report outside the output folder is linked by the path it was given.
    assert!(rows[0]["report_json"]
        .as_str()
        .unwrap()
        .ends_with("seed-runc-unshare-enomem.json"));
}
