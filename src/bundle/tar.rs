//! Tar, read in one streaming pass.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use ::tar::{Archive, EntryType};

use super::limits::{HeaderWindow, MAX_HEADER_BYTES};
use super::path::{lossy, normalise, shown, too_long, Normalised};
use super::session::{Origin, Outcome, ScopeId, Session};
use super::BundleError;

/// Read every entry of a tar stream into `scope`. Entries go to the visitor as they come;
/// links are recorded for resolution once the whole bundle was seen.
pub(crate) fn read_tar(
    session: &mut Session<'_, '_>,
    scope: ScopeId,
    input: Box<dyn Read + '_>,
    depth: u32,
    label: &str,
) -> Result<Outcome, BundleError> {
    let allowance = Rc::new(Cell::new(None));
    let mut archive = Archive::new(HeaderWindow {
        inner: input,
        allowance: allowance.clone(),
    });
    let mut outcome = Outcome::default();
    let mut entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            outcome.error = Some(e.to_string());
            return Ok(outcome);
        }
    };
    loop {
        allowance.set(Some(MAX_HEADER_BYTES));
        let next = entries.next();
        allowance.set(None);
        session.check()?;
        let mut entry = match next {
            None => break,
            Some(Err(e)) => {
                outcome.error = Some(e.to_string());
                break;
            }
            Some(Ok(entry)) => entry,
        };
        session.count_entry()?;
        outcome.entries += 1;
        let raw_path = lossy(&entry.path_bytes());
        let kind = entry.header().entry_type();
        if !matches!(kind, EntryType::Regular | EntryType::Continuous) {
            // Data of other entry kinds (rarely any) is skipped here, outside the header window.
            let _ = io::copy(&mut entry, &mut io::sink());
            session.check()?;
        }
        if kind == EntryType::XGlobalHeader {
            continue;
        }
        let rel = match normalise(&raw_path, false) {
            Normalised::Inside(p) => p,
            Normalised::Absolute(p) => {
                session.problem(
                    session.full_path(scope, &p),
                    format!(
                        "absolute path {raw_path:?} in the archive, read as relative to the bundle"
                    ),
                );
                p
            }
            Normalised::Escapes => {
                session.problem(
                    format!("{label}: {raw_path}"),
                    "path climbs out of the bundle with '..'; entry skipped",
                );
                continue;
            }
            Normalised::TooLong(len) => {
                session.problem(format!("{label}: {}", shown(&raw_path)), too_long(len));
                continue;
            }
        };
        match kind {
            EntryType::Directory => session.dir(scope, rel),
            EntryType::Regular | EntryType::Continuous => {
                if rel.is_empty() {
                    session.problem(
                        label,
                        format!("file entry with an empty path {raw_path:?} skipped"),
                    );
                    continue;
                }
                let size = entry.size();
                let mtime = entry
                    .header()
                    .mtime()
                    .ok()
                    .and_then(|m| i64::try_from(m).ok());
                session.file(
                    scope,
                    rel,
                    size,
                    mtime,
                    &mut entry,
                    true,
                    depth,
                    Origin::Stream,
                )?;
                // Whatever the visitor left unread is skipped here, outside the header window.
                let _ = io::copy(&mut entry, &mut io::sink());
                session.check()?;
            }
            EntryType::Symlink | EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| lossy(&b))
                    .unwrap_or_default();
                if rel.is_empty() {
                    continue;
                }
                let hard = kind == EntryType::Link;
                let target = if hard {
                    match normalise(&target, false) {
                        Normalised::Inside(t) | Normalised::Absolute(t) => t,
                        Normalised::Escapes => {
                            session.problem(
                                session.full_path(scope, &rel),
                                format!(
                                    "hard link to {target:?} climbs out of the bundle; skipped"
                                ),
                            );
                            continue;
                        }
                        // Reported as any over-long target, below.
                        Normalised::TooLong(_) => target,
                    }
                } else {
                    target
                };
                session.link(scope, rel, target, hard);
            }
            EntryType::Char | EntryType::Block => {
                session.problem(session.full_path(scope, &rel), "device node skipped");
            }
            EntryType::Fifo => {
                session.problem(session.full_path(scope, &rel), "FIFO skipped");
            }
            EntryType::GNUSparse => {
                session.problem(session.full_path(scope, &rel), "sparse file skipped");
            }
            other => {
                session.problem(
                    session.full_path(scope, &rel),
                    format!(
                        "unsupported tar entry type {:?} skipped",
                        other.as_byte() as char
                    ),
                );
            }
        }
    }
    Ok(outcome)
}
