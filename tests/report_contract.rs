//! The JSON report honours the contract (`tests/contract/report.schema.json`, a copy of the
//! project's contract) for every shipped sample, and every evidence item quotes the bundle
//! exactly: the text at `path:line` is the line of the file at that path (for an item marked
//! `masked`, that line with its secrets masked).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{postmortem, report_json, sample_dirs};

fn schema() -> Value {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/report.schema.json"),
    )
    .expect("schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

#[test]
fn every_sample_report_validates_against_the_schema() {
    let validator = jsonschema::validator_for(&schema()).expect("schema compiles");
    for dir in sample_dirs() {
        let report = report_json(&dir);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            dir.display(),
            errors.join("\n")
        );
    }
}

/// The commands a report gives are run as they are: every name in them is the bundle's own, none
/// a `<placeholder>` left for the reader to fill in.
#[test]
fn recommended_commands_hold_no_placeholder() {
    fn commands<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("command", Value::String(c)) => out.push(c),
                        _ => commands(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| commands(i, out)),
            _ => {}
        }
    }
    let placeholder = regex::Regex::new(r"<[A-Za-z_-]+>").expect("regex");
    let mut seen = 0;
    for dir in sample_dirs() {
        let report = report_json(&dir);
        let mut found = Vec::new();
        commands(&report, &mut found);
        seen += found.len();
        for c in found {
            assert!(
                !placeholder.is_match(c),
                "{}: a command holds a placeholder: {c}",
                dir.display()
            );
        }
    }
    assert!(seen > 10, "the samples' reports give {seen} commands");
}

#[test]
fn every_evidence_line_is_a_real_line_of_the_bundle() {
    for dir in sample_dirs() {
        assert_evidence_quotes_the_bundle(&dir, &report_json(&dir));
    }
}

/// Every evidence item of `report` is the line of `dir` it cites, verbatim or, when marked
/// `masked`, with its secrets masked.
pub(crate) fn assert_evidence_quotes_the_bundle(dir: &Path, report: &Value) {
    let findings = report["findings"].as_array().expect("findings");
    for f in findings {
        for e in f["evidence"].as_array().expect("evidence") {
            let path = e["path"].as_str().expect("path");
            let text = e["text"].as_str().expect("text");
            // A masked item is the bundle's line with its secrets replaced, nothing else.
            let masked = e["masked"] == true;
            let quote = |line: &str| {
                if masked {
                    postmortem::redact::mask_text(line)
                } else {
                    line.to_string()
                }
            };
            let file: PathBuf = dir.join(path);
            let content = fs::read(&file).unwrap_or_else(|_| {
                panic!("{}: evidence cites missing file {path}", dir.display())
            });
            let content = String::from_utf8_lossy(&content);
            match e["line"].as_u64() {
                Some(n) => {
                    let line = content
                        .split('\n')
                        .nth(usize::try_from(n).expect("line fits") - 1)
                        .map(|l| l.strip_suffix('\r').unwrap_or(l))
                        .unwrap_or_else(|| panic!("{path}:{n} beyond the end of the file"));
                    if masked {
                        assert_ne!(line, text, "{path}:{n} is marked masked but verbatim");
                    }
                    assert_eq!(
                        quote(line),
                        text,
                        "{}: finding {} cites {path}:{n}",
                        dir.display(),
                        f["id"]
                    );
                }
                None => assert!(
                    quote(&content).contains(text),
                    "{}: finding {} quotes text not in {path}",
                    dir.display(),
                    f["id"]
                ),
            }
        }
    }
}

#[test]
fn finding_ids_come_from_the_catalogue() {
    let catalogue = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/findings.md"),
    )
    .expect("catalogue");
    for dir in sample_dirs() {
        let report = report_json(&dir);
        for f in report["findings"].as_array().expect("findings") {
            let id = f["id"].as_str().expect("id");
            assert!(
                catalogue.contains(&format!("`{id}`")),
                "{}: finding id {id} is not in the catalogue",
                dir.display()
            );
        }
    }
}

#[test]
fn reports_are_byte_identical_across_runs() {
    for dir in sample_dirs() {
        for format in ["json", "md", "html"] {
            let run = || {
                postmortem()
                    .args(["report", "--format", format])
                    .arg(&dir)
                    .output()
                    .expect("run postmortem")
                    .stdout
            };
            assert_eq!(run(), run(), "{} {format}", dir.display());
        }
    }
}
