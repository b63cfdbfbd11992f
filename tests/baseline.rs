//! `postmortem report FAILING --baseline HEALTHY`: the comparison section, a baseline from
//! another kernel, and a baseline that is not healthy.

use std::path::Path;

use serde_json::Value;

use crate::util::{copy_dir, postmortem, repo};

fn seed() -> std::path::PathBuf {
    repo().join("samples/seed-runc-unshare-enomem")
}

fn healthy() -> std::path::PathBuf {
    repo().join("samples/healthy-node")
}

fn report(bundle: &Path, baseline: &Path, format: &str) -> String {
    let out = postmortem()
        .arg("report")
        .arg(bundle)
        .arg("--baseline")
        .arg(baseline)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn comparison(bundle: &Path, baseline: &Path) -> Value {
    let json: Value = serde_json::from_str(&report(bundle, baseline, "json")).unwrap();
    json["comparison"].clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn seed_pair_names_the_buddyinfo_difference_first() {
    let c = comparison(&seed(), &healthy());
    assert_eq!(c["baseline_healthy"], true);
    assert_eq!(c["baseline"]["hostname"], "iZ2zehr0ayevgplh6owqe3Z");
    let key = strings(&c["key_differences"]);
    assert_eq!(
        key[0],
        "In `Normal` of node 0, the failing node had no free block above order 3 at the failure \
         and no free block above order 4 at collection; the baseline has 3441 free blocks of \
         order 6 (the failed request's) or above: 1202 of order 6, 1160 of order 7, 1075 of \
         order 8, 3 of order 9, 1 of order 10."
    );
    assert!(
        key[1].contains("at order 6 is 0.981 at the failure"),
        "{key:?}"
    );
    assert!(key[1].contains("-1.000 on the baseline"), "{key:?}");

    let normal = c["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["zone"] == "Normal")
        .unwrap();
    let counts = |k: &str| -> Vec<u64> {
        normal[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    assert_eq!(
        counts("baseline"),
        [2121, 754, 758, 419, 735, 1411, 1202, 1160, 1075, 3, 1]
    );
    assert_eq!(
        counts("failure"),
        [15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        counts("collection"),
        [8860, 11464, 488, 174, 27, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(normal["largest_free_order_baseline"], 10);
    assert_eq!(normal["extfrag_failure"][6], 0.981);

    // The Markdown report leads its comparison with the same sentence.
    let md = report(&seed(), &healthy(), "md");
    let section = &md[md.find("## Compared with the baseline").unwrap()..];
    let first = section.find("1. In `Normal` of node 0").unwrap();
    assert!(first < section.find("### Node 0").unwrap());
    // The fragmentation finding cites the healthy node.
    assert!(md.contains("On the healthy node given for comparison"));

    // The HTML report draws the baseline as a series of its own.
    let html = report(&seed(), &healthy(), "html");
    assert!(html.contains("id=\"baseline\""));
    assert!(html.contains("Baseline, order 6: 1202 free blocks"));
}

#[test]
fn baseline_from_another_kernel_is_compared_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("healthy-4.19");
    copy_dir(&healthy(), &other);
    std::fs::write(
        other.join("uname-a.txt"),
        "Linux iZ2zehr0ayevgplh6owqe3Z 4.19.91-24.1.al7.x86_64 #1 SMP Wed Jul 21 17:40:23 CST \
         2021 x86_64 x86_64 x86_64 GNU/Linux\n",
    )
    .unwrap();
    let c = comparison(&seed(), &other);
    assert_eq!(c["baseline"]["kernel"], "4.19.91-24.1.al7.x86_64");
    let notes = strings(&c["notes"]);
    assert!(
        notes.iter().any(|n| n.starts_with(
            "The baseline runs another kernel (`4.19.91-24.1.al7.x86_64` against \
             `3.10.0-514.26.2.el7.x86_64` on the failing node)"
        )),
        "{notes:?}"
    );
    // Still compared: the buddyinfo difference leads.
    assert!(strings(&c["key_differences"])[0].contains("1202 of order 6"));
    let kernel_row = c["host"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Kernel")
        .unwrap();
    assert_eq!(kernel_row["baseline"], "4.19.91-24.1.al7.x86_64");
}

#[test]
fn unhealthy_baseline_is_said_to_be_so() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("beta_004-again");
    copy_dir(&seed(), &copy);
    let c = comparison(&seed(), &copy);
    assert_eq!(c["baseline_healthy"], false);
    let notes = strings(&c["notes"]);
    assert!(
        notes[0].starts_with("The baseline is not healthy: its own kernel log has one page allocation failure; it has no free block of order 6 or above in `Normal` of node 0 either (largest free order 4)"),
        "{notes:?}"
    );
    assert!(
        notes[0].contains("`mm.external-fragmentation`"),
        "{notes:?}"
    );
    let key = strings(&c["key_differences"]);
    assert!(
        key[0].contains("the baseline has no free block of order 6"),
        "{key:?}"
    );
    assert!(
        !key.iter().any(|k| k.contains("not in how much there was")),
        "{key:?}"
    );

    // Confidence is not raised by it: the finding says why.
    let json: Value = serde_json::from_str(&report(&seed(), &copy, "json")).unwrap();
    let frag = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "mm.external-fragmentation")
        .unwrap();
    let text = frag["explanation"].as_str().unwrap();
    assert!(text.contains("The baseline is not healthy ("), "{text}");
    assert!(!text.contains("On the healthy node"), "{text}");

    let md = report(&seed(), &copy, "md");
    assert!(md.contains("> The baseline is not healthy: "));
}

#[test]
fn baseline_that_cannot_be_read_is_an_error() {
    let out = postmortem()
        .arg("report")
        .arg(seed())
        .args(["--baseline", "/nonexistent/healthy.tar.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the baseline"), "{err}");
}

#[test]
fn redacted_comparison_hides_the_baseline_host() {
    let out = postmortem()
        .arg("report")
        .arg(seed())
        .arg("--baseline")
        .arg(healthy())
        .args(["--format", "json", "--redact"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("iZ2zehr0ayevgplh6owqe3Z"));
    assert!(!text.contains("beta_004"));
    let json: Value = serde_json::from_str(&text).unwrap();
    assert!(json["comparison"]["baseline"]["hostname"]
        .as_str()
        .unwrap()
        .starts_with("host-"));
}
