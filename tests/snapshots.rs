//! Snapshots of the Markdown and HTML reports of every shipped sample bundle, and of each
//! one's headline and root-cause summary on their own: the two paragraphs a support engineer
//! reads first, reviewed as such. A change to what a report says shows up here as a diff to
//! review (`cargo insta review`, or `INSTA_UPDATE=always cargo test` and read
//! `git diff tests/snapshots`).

use crate::util::{run_ok, sample_dirs};

fn report(dir: &std::path::Path, format: &str) -> String {
    let out = run_ok([
        "report".as_ref(),
        "--format".as_ref(),
        format.as_ref(),
        dir.as_os_str(),
    ]);
    String::from_utf8(out).expect("UTF-8 report")
}

/// The headline and the root-cause summary of a Markdown report: the bold sentence under the
/// title and the paragraph under `## Root cause`.
fn headline(markdown: &str) -> String {
    let headline = markdown
        .lines()
        .find_map(|l| l.strip_prefix("**")?.strip_suffix("**"))
        .unwrap_or("(no headline)");
    let summary = markdown
        .split_once("\n## Root cause\n\n")
        .and_then(|(_, rest)| rest.lines().next())
        .unwrap_or("(no root cause)");
    format!("headline:\n{headline}\n\nroot cause:\n{summary}\n")
}

#[test]
fn sample_reports() {
    for dir in sample_dirs() {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("sample folder name")
            .to_string();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&dir);
        let markdown = report(&dir, "md");
        let headline = headline(&markdown);
        // No counter in prose and no scaffolding: each says cause, mechanism and consequence.
        assert!(!headline.contains("(s)"), "{name}: {headline}");
        assert!(
            !headline.contains("The deciding condition:"),
            "{name}: {headline}"
        );
        settings.bind(|| {
            insta::assert_snapshot!(format!("{name}.headline"), headline);
            insta::assert_snapshot!(format!("{name}.md"), markdown);
            insta::assert_snapshot!(format!("{name}.html"), report(&dir, "html"));
        });
    }
}
