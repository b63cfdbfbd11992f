//! The report does not depend on how the bundle's bytes arrive: a folder read file by file and
//! the same files streamed out of a compressed tar give the same report.

use std::path::Path;

use serde_json::Value;

use crate::util::{repo, report_json};

/// The report without what names the container itself (its name, hash and format).
fn without_container(mut report: Value) -> Value {
    if let Some(bundle) = report.get_mut("bundle").and_then(Value::as_object_mut) {
        for key in ["name", "sha256", "container"] {
            bundle.remove(key);
        }
    }
    report
}

/// Pack `dir` as a tar.gz in file-name order (the order a folder is read in), keeping each
/// file's modification time, which the clock uses.
fn tar_gz_of(dir: &Path, out: &Path) {
    let file = std::fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(dir).unwrap();
        if entry.file_type().is_file() {
            tar.append_path_with_name(entry.path(), rel).unwrap();
        }
    }
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn seed_report_is_the_same_from_a_folder_and_from_a_tar_gz() {
    let seed = repo().join("samples/seed-runc-unshare-enomem");
    let tmp = tempfile::tempdir().unwrap();
    let tar_gz = tmp.path().join("seed.tar.gz");
    tar_gz_of(&seed, &tar_gz);
    let from_dir = report_json(&seed);
    let from_tar = report_json(&tar_gz);
    assert_eq!(from_tar["bundle"]["container"], "tar.gz");
    assert_eq!(from_dir["bundle"]["container"], "directory");
    assert!(
        from_dir["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "the seed report has findings"
    );
    assert_eq!(without_container(from_dir), without_container(from_tar));
}
