//! Snapshots of the Markdown and HTML reports of every shipped sample bundle. A change to what
//! a report says shows up here as a diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test` and read `git diff tests/snapshots`).

use crate::util::{postmortem, sample_dirs};

fn report(dir: &std::path::Path, format: &str) -> String {
    let out = postmortem()
        .args(["report", "--format", format])
        .arg(dir)
        .output()
        .expect("run postmortem");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 report")
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
        settings.bind(|| {
            insta::assert_snapshot!(format!("{name}.md"), report(&dir, "md"));
            insta::assert_snapshot!(format!("{name}.html"), report(&dir, "html"));
        });
    }
}
