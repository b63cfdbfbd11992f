//! A SUSE supportconfig folder: each section of its `.txt` files is a source of its own, found
//! by its label and cited by the file and its real line numbers. The files are written in the
//! layout supportconfig's `log_entry` gives them (`docs/bundle-layout.md`).

use serde_json::Value;

use crate::util::{repo, report_json, run_ok};

#[test]
fn sections_are_sources_cited_by_file_and_line() {
    let r: Value = report_json(&repo().join("tests/data/supportconfig"));
    assert_eq!(r["bundle"]["layout"], "supportconfig");
    let kinds: Vec<(String, String)> = r["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            assert_eq!(s["warnings"], Value::Array(Vec::new()), "{s}");
            (
                s["path"].as_str().unwrap_or("").to_string(),
                s["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for (path, kind) in [
        ("basic-environment.txt", "date"),
        ("basic-environment.txt", "uname"),
        ("memory.txt", "free"),
        ("memory.txt", "meminfo"),
        ("memory.txt", "buddyinfo"),
    ] {
        assert!(
            kinds.iter().any(|(p, k)| p == path && k == kind),
            "no {kind} section read from {path}: {kinds:?}"
        );
    }
    // `vmstat 1 4` is no `/proc/vmstat`.
    assert!(!kinds.iter().any(|(_, k)| k == "vmstat"), "{kinds:?}");
    let md = run_ok([
        "report".as_ref(),
        "--format".as_ref(),
        "md".as_ref(),
        repo().join("tests/data/supportconfig").as_os_str(),
    ]);
    let md = String::from_utf8_lossy(&md);
    assert!(
        md.contains("`memory.txt:26`"),
        "buddyinfo's Normal line is line 26"
    );
    assert!(md.contains("`memory.txt:18`"), "meminfo starts at line 18");
}
