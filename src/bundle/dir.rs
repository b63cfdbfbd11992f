//! A directory bundle: walked without following links, files read in place.

use std::fs::File;
use std::path::Path;

use walkdir::WalkDir;

use super::path::{normalise, shown, too_long, Normalised};
use super::session::Session;
use super::BundleError;

/// Walk `root` in file-name order and hand every regular file to the session.
pub(crate) fn read_dir(session: &mut Session<'_, '_>, root: &Path) -> Result<(), BundleError> {
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    for item in walker {
        let entry = match item {
            Ok(entry) => entry,
            Err(e) => {
                let at = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                session.problem(at, format!("could not be read: {e}"));
                continue;
            }
        };
        session.count_entry()?;
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let raw = relative.to_string_lossy().into_owned();
        let rel = match normalise(&raw, false) {
            Normalised::Inside(p) if !p.is_empty() => p,
            Normalised::TooLong(len) => {
                session.problem(shown(&raw), too_long(len));
                continue;
            }
            _ => continue,
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            session.dir(0, rel);
        } else if kind.is_symlink() {
            match std::fs::read_link(entry.path()) {
                Ok(target) => {
                    session.link(0, rel, target.to_string_lossy().into_owned(), false);
                }
                Err(e) => session.problem(rel, format!("link could not be read: {e}")),
            }
        } else if kind.is_file() {
            read_file(session, entry.path(), rel)?;
        } else {
            session.problem(rel, special_kind(&kind));
        }
    }
    Ok(())
}

fn read_file(session: &mut Session<'_, '_>, path: &Path, rel: String) -> Result<(), BundleError> {
    let before = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            session.problem(rel, format!("could not be read: {e}"));
            return Ok(());
        }
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            session.problem(rel, format!("could not be read: {e}"));
            return Ok(());
        }
    };
    // The walk saw a regular file; make sure the same file was opened and not something
    // swapped in since (a link to a file outside the bundle).
    match file.metadata() {
        Ok(after) if same_file(&before, &after) => {}
        _ => {
            session.problem(rel, "changed while the bundle was read; skipped");
            return Ok(());
        }
    }
    let mtime = before
        .modified()
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map(|t| t.as_second());
    session.disk_file(rel, before.len(), mtime, file)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino() && b.is_file()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    b.is_file()
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_block_device() || kind.is_char_device() {
        "device node skipped"
    } else if kind.is_fifo() {
        "FIFO skipped"
    } else if kind.is_socket() {
        "socket skipped"
    } else {
        "special file skipped"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "special file skipped"
}
