//! The headline and the root-cause summary of every shipped sample, one snapshot each: the two
//! paragraphs a support engineer reads first, reviewed as such. A change to either shows up
//! here on its own, apart from the rest of the report.

use crate::util::{postmortem, sample_dirs};

/// The headline and the root-cause summary of the sample's Markdown report, as a reader meets
/// them: the bold sentence under the title and the paragraph under `## Root cause`.
fn headline(dir: &std::path::Path) -> String {
    let out = postmortem()
        .args(["report", "--format", "md"])
        .arg(dir)
        .output()
        .expect("run postmortem");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8(out.stdout).expect("UTF-8 report");
    let headline = report
        .lines()
        .find_map(|l| l.strip_prefix("**")?.strip_suffix("**"))
        .unwrap_or("(no headline)");
    let summary = report
        .split_once("\n## Root cause\n\n")
        .and_then(|(_, rest)| rest.lines().next())
        .unwrap_or("(no root cause)");
    format!("headline:\n{headline}\n\nroot cause:\n{summary}\n")
}

#[test]
fn sample_headlines() {
    for dir in sample_dirs() {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("sample folder name")
            .to_string();
        let headline = headline(&dir);
        // No counter in prose and no scaffolding: each says cause, mechanism and consequence.
        assert!(!headline.contains("(s)"), "{name}: {headline}");
        assert!(
            !headline.contains("The deciding condition:"),
            "{name}: {headline}"
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&dir);
        settings.bind(|| {
            insta::assert_snapshot!(format!("{name}.headline"), headline);
        });
    }
}
