//! Helpers shared by the integration tests: the binary under test, the repository, the samples,
//! and ([`pack`]) archives of every container format built in test code.

#![allow(dead_code)]

pub mod pack;

use std::path::PathBuf;

/// The `postmortem` binary built for these tests.
pub fn postmortem() -> std::process::Command {
    std::process::Command::new(assert_cmd::cargo::cargo_bin!("postmortem"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every shipped sample bundle (`samples/*/`), sorted.
pub fn sample_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("samples"))
        .expect("samples/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}
