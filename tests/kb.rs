//! From one report to the knowledge base: incident signatures across the shipped samples, the
//! article `--format kb` drafts from the seed incident, known-issue matching with `--kb DIR` in
//! `report` and `batch`, and the risks of the seed's sibling a week before its failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{copy_dir, postmortem, repo, report_json, run_ok, sample_dirs};

const SEED: &str = "seed-runc-unshare-enomem";
const SIBLING: &str = "seed-sibling-week-before";

fn sample(name: &str) -> PathBuf {
    repo().join("samples").join(name)
}

fn name_of(dir: &Path) -> String {
    dir.file_name()
        .and_then(|n| n.to_str())
        .expect("sample folder name")
        .to_string()
}

/// The seed incident on another node: every name, address, id and date of the seed bundle
/// replaced, the numbers kept. The same failure, so the same signature.
fn seed_on_another_node(to: &Path) {
    copy_dir(&sample(SEED), to);
    let replacements = [
        ("beta_004", "gamma_011"),
        ("crm_api", "billing_worker"),
        ("crm-api", "billing-worker"),
        ("crm_default", "billing_default"),
        ("10.0.2.7", "10.0.3.21"),
        ("10.255.0.12", "10.255.0.40"),
        (
            "3f2a8c1e9b7d4e6f0a5c2d8b1e7f9a3c6d4b2e8f1a7c5d9e3b6f0a2c8d4e1b7f",
            "5d0e9a7c3b1f8e2d6a4c0b9f7e5d3c1a8b6f4e2d0c9a7b5e3f1d8c6a4b2e0f9d",
        ),
        ("3f2a8c1e9b7d", "5d0e9a7c3b1f"),
        ("ffff88036ea66180", "ffff8803b41c2e40"),
        ("Tue Jan 23", "Wed Feb 14"),
        ("Jan 23", "Feb 14"),
        ("2018-01-23", "2018-02-14"),
    ];
    for entry in walkdir::WalkDir::new(to) {
        let entry = entry.expect("entry");
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(mut text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for (from, into) in replacements {
            text = text.replace(from, into);
        }
        std::fs::write(entry.path(), text).expect("rewrite");
    }
}

fn signature(report: &Value) -> Option<(String, String)> {
    let s = report.get("signature")?;
    Some((
        s["key"].as_str()?.to_string(),
        s["family"].as_str()?.to_string(),
    ))
}

#[test]
fn the_seed_and_its_sibling_share_a_family_and_the_others_are_apart() {
    let mut families: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in sample_dirs() {
        let name = name_of(&dir);
        let report = report_json(&dir);
        match signature(&report) {
            Some((key, family)) => {
                // No host name, address or time: lower-case words, digits, `.:-/` only.
                assert!(
                    key.chars().all(|c| c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || ".:-/".contains(c)),
                    "{name}: {key}"
                );
                if let Some(host) = report["bundle"]["hostname"].as_str() {
                    assert!(!key.contains(&host.to_ascii_lowercase()), "{name}: {key}");
                }
                families.entry(family).or_default().push(name.clone());
                keys.entry(key).or_default().push(name);
            }
            None => assert!(
                name.starts_with("healthy"),
                "{name}: no signature, but it is not a healthy sample"
            ),
        }
    }
    // Samples of one class share its family: the seed and its sibling, and the two whose memory
    // cgroup limit was reached (a pod's, a systemd slice's).
    let shared: [&[&str]; 2] = [
        &[SEED, SIBLING],
        &["k8s-pod-oom-cgroupv2", "systemd-slice-oom"],
    ];
    for (family, names) in &families {
        let expected: Vec<String> = match shared.iter().find(|g| g.contains(&names[0].as_str())) {
            Some(group) => group.iter().map(|n| n.to_string()).collect(),
            None => vec![names[0].clone()],
        };
        assert_eq!(names, &expected, "family {family}");
    }
    assert!(keys.values().all(|names| names.len() == 1), "{keys:?}");
    let seed = signature(&report_json(&sample(SEED))).expect("seed signature");
    let sibling = signature(&report_json(&sample(SIBLING))).expect("sibling signature");
    assert_eq!(seed.1, sibling.1);
    assert_eq!(sibling.0, format!("risk/{}", seed.1));
}

#[test]
fn the_same_failure_on_another_node_has_the_same_signature() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("gamma");
    seed_on_another_node(&other);
    let a = report_json(&sample(SEED));
    let b = report_json(&other);
    assert_eq!(b["bundle"]["hostname"], "gamma_011");
    assert_eq!(signature(&a), signature(&b));
}

fn section<'a>(article: &'a str, heading: &str) -> &'a str {
    let start = article
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no {heading} section"));
    let rest = &article[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    &rest[..end]
}

#[test]
fn the_seed_article_is_for_any_node() {
    let article = String::from_utf8(run_ok([
        "report".as_ref(),
        "--format".as_ref(),
        "kb".as_ref(),
        sample(SEED).as_os_str(),
    ]))
    .expect("UTF-8");
    for heading in [
        "Environment",
        "Issue",
        "Resolution",
        "Root Cause",
        "Diagnostic Steps",
    ] {
        section(&article, heading);
    }
    let report = report_json(&sample(SEED));
    let mut names: Vec<String> = vec![
        report["bundle"]["hostname"]
            .as_str()
            .expect("host")
            .to_string(),
        "10.0.2.7".into(),
        "10.255.0.12".into(),
        "crm".into(),
    ];
    for c in report["details"]["containers"]
        .as_array()
        .expect("containers")
    {
        names.push(c["name"].as_str().expect("name").to_string());
        names.push(c["id"].as_str().expect("id").to_string());
    }
    let issue = section(&article, "Issue");
    for name in &names {
        assert!(!issue.contains(name.as_str()), "the Issue names {name}");
        // Redacted everywhere, the marked example included.
        assert!(!article.contains(name.as_str()), "the article names {name}");
    }
    assert!(article.starts_with("---\ntitle: \""));
    assert!(article.contains(&format!(
        "\nsignature: {}\n",
        signature(&report).expect("signature").0
    )));
    assert!(article.contains("**Example from one affected node**"));
    insta::assert_snapshot!("seed-runc-unshare-enomem.kb", article);
}

/// `--kb DIR` for `report`: the headline of a matching report names the article.
fn headline_with_kb(bundle: &Path, kb: &Path) -> String {
    let md = run_ok([
        "report".as_ref(),
        "--format".as_ref(),
        "md".as_ref(),
        "--kb".as_ref(),
        kb.as_os_str(),
        bundle.as_os_str(),
    ]);
    String::from_utf8(md)
        .expect("UTF-8")
        .lines()
        .find(|l| l.starts_with("**"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn known_issues_are_matched_in_reports_and_counted_in_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kb = dir.path().join("kb");
    std::fs::create_dir_all(&kb).expect("kb folder");
    run_ok([
        "report".as_ref(),
        "--format".as_ref(),
        "kb".as_ref(),
        "-o".as_ref(),
        kb.join("unshare-enomem.md").as_os_str(),
        sample(SEED).as_os_str(),
    ]);
    // Bad front matter is a warning, never fatal.
    std::fs::write(kb.join("notes.md"), "# Notes without front matter\n").expect("write");
    std::fs::write(
        kb.join("broken.md"),
        "---\ntitle: Broken\nsignature: Host beta_004 again\n---\n",
    )
    .expect("write");
    let fleet = dir.path().join("fleet");
    std::fs::create_dir_all(&fleet).expect("fleet folder");
    let other = fleet.join("gamma");
    seed_on_another_node(&other);

    let known = "**Known issue: The container runtime failed to start a container, because";
    for bundle in [sample(SEED), other.clone()] {
        let headline = headline_with_kb(&bundle, &kb);
        assert!(headline.starts_with(known), "{headline}");
        assert!(headline.contains("(`unshare-enomem.md`)"), "{headline}");
    }
    for dir in sample_dirs() {
        if name_of(&dir) == SEED {
            continue;
        }
        let headline = headline_with_kb(&dir, &kb);
        assert!(
            !headline.contains("Known issue"),
            "{}: {headline}",
            dir.display()
        );
    }

    for s in sample_dirs() {
        copy_dir(&s, &fleet.join(name_of(&s)));
    }
    let out_dir = dir.path().join("out");
    let out = postmortem()
        .args(["batch", "-o"])
        .arg(&out_dir)
        .arg("--kb")
        .arg(&kb)
        .arg(&fleet)
        .output()
        .expect("run batch");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("known issue unshare-enomem.md: 2 bundles"),
        "{stderr}"
    );
    assert!(stderr.contains("notes.md: no front matter"), "{stderr}");
    assert!(
        stderr.contains("broken.md: `signature: Host beta_004 again` is not a signature"),
        "{stderr}"
    );
    let rows: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("summary.json")).expect("summary"),
    )
    .expect("JSON");
    let matched: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["known_issue"] == "unshare-enomem.md")
        .filter_map(|r| r["bundle"].as_str())
        .collect();
    assert_eq!(matched, ["seed-runc-unshare-enomem", "gamma"]);
    let index = std::fs::read_to_string(out_dir.join("index.html")).expect("index");
    assert!(index.contains("id=\"known-issues\""));
    assert!(index.contains("id=\"fleet-risks\""));
    assert!(index.contains("id=\"signatures\""));
}

#[test]
fn an_article_title_never_becomes_markup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = report_json(&sample(SEED));
    let key = signature(&report).expect("signature").0;
    std::fs::write(
        dir.path().join("hostile.md"),
        format!(
            "---\ntitle: \"<script>alert(1)</script> [fix](http://evil.example) **bold**\"\nsignature: {key}\n---\n"
        ),
    )
    .expect("write");
    let headline = headline_with_kb(&sample(SEED), dir.path());
    assert!(headline.contains("\\<script\\>"), "{headline}");
    assert!(headline.contains("\\[fix\\]"), "{headline}");
    let out = postmortem()
        .args(["report", "--format", "html", "--kb"])
        .arg(dir.path())
        .arg(sample(SEED))
        .output()
        .expect("run");
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("href=\"http://evil.example\""));
}

#[test]
fn the_sibling_leads_with_its_exposure_and_the_modern_node_has_none() {
    let md = String::from_utf8(run_ok([
        "report".as_ref(),
        "--format".as_ref(),
        "md".as_ref(),
        sample(SIBLING).as_os_str(),
    ]))
    .expect("UTF-8");
    assert!(
        md.contains("\n**No failure found in this bundle.**\n"),
        "{md}"
    );
    let state = md.split_once("\n## Node state\n\n").expect("node state").1;
    let first = state.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("- Exposed to a high-order allocation failure: zone `Normal` has no free block of order 6"),
        "{first}"
    );
    assert!(
        first.contains("fragmentation index there is 0.973"),
        "{first}"
    );
    let second = state.lines().nth(1).unwrap_or_default();
    assert!(second.contains("10412 memory cgroups"), "{second}");
    let sibling = report_json(&sample(SIBLING));
    assert!(sibling["root_cause"].is_null());
    let modern = report_json(&sample("healthy-modern-node"));
    let risks: Vec<&Value> = modern["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["role"] == "risk")
        .collect();
    assert!(risks.is_empty(), "{risks:?}");
    assert!(modern["signature"].is_null());
}

#[test]
fn a_node_without_signature_has_no_article() {
    let out = postmortem()
        .args(["report", "--format", "kb"])
        .arg(sample("healthy-node"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no knowledge-base article"), "{stderr}");
}

/// What a Resolution item asks to do: its words before `(risk: ...)`, with the phrasings of one
/// action (a kernel upgrade) taken as that action.
fn resolution_action(item: &str) -> String {
    const KERNEL_UPGRADE: [&str; 3] = ["newer kernel", "kernel upgrade", "upgrade the kernel"];
    let action = item
        .split_once(". ")
        .map_or(item, |(_, a)| a)
        .split(" (risk: ")
        .next()
        .unwrap_or(item)
        .to_lowercase();
    if KERNEL_UPGRADE.iter().any(|p| action.contains(p)) {
        "kernel upgrade".to_string()
    } else {
        action
    }
}

#[test]
fn no_two_resolution_items_of_an_article_share_their_action() {
    let mut articles = 0;
    for dir in sample_dirs() {
        let out = postmortem()
            .args(["report", "--format", "kb"])
            .arg(&dir)
            .output()
            .expect("run");
        if out.status.code() == Some(2) {
            // No signature, no article.
            continue;
        }
        let article = String::from_utf8(out.stdout).expect("UTF-8");
        articles += 1;
        let items: Vec<&str> = section(&article, "Resolution")
            .lines()
            .filter(|l| {
                l.split_once(". ")
                    .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
            })
            .collect();
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for item in &items {
            if let Some(earlier) = seen.insert(resolution_action(item), item) {
                panic!(
                    "{}: two Resolution items ask the same:\n{earlier}\n{item}",
                    name_of(&dir)
                );
            }
        }
    }
    assert!(articles > 3, "{articles} articles");
}
