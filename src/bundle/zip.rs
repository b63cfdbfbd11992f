//! Zip, read through its central directory (it needs to seek: a file, or bytes in memory).

use std::cell::Cell;
use std::io::{Read, Seek};
use std::rc::Rc;

use ::zip::read::{Config, ZipFile};
use ::zip::unstable::read::ZipIterable;
use ::zip::{ExtraField, ZipReadOptions};

use super::limits::RatioGuard;
use super::path::{lossy, normalise, shown, too_long, Normalised};
use super::session::{Origin, Outcome, ScopeId, Session};
use super::BundleError;

/// Longest symlink target read from a zip entry.
const MAX_LINK_TARGET: u64 = 4096;

/// Open `reader` as a zip archive and read it into `scope`.
///
/// The central directory is walked entry by entry, as it lists them: two entries of the same
/// name are both read, and the session reports the second as a duplicate, as for a tar (an
/// index by name would keep only one of them, silently).
pub(crate) fn read_zip_from<R: Read + Seek>(
    session: &mut Session<'_, '_>,
    scope: ScopeId,
    reader: R,
    depth: u32,
    label: &str,
) -> Result<Outcome, BundleError> {
    match ZipIterable::try_new(reader, Config::default()) {
        Ok(mut archive) => read_zip(session, scope, &mut archive, depth, label),
        Err(e) => Ok(Outcome {
            entries: 0,
            error: Some(e.to_string()),
        }),
    }
}

fn read_zip<R: Read + Seek>(
    session: &mut Session<'_, '_>,
    scope: ScopeId,
    archive: &mut ZipIterable<R>,
    depth: u32,
    label: &str,
) -> Result<Outcome, BundleError> {
    let count = archive.len();
    session
        .budget
        .entries_fit(count as u64)
        .map_err(|d| session.limit(format!("{label}: {d}")))?;
    let mut outcome = Outcome::default();
    let mut first_error = None;
    let files = match archive.files() {
        Ok(files) => files,
        Err(e) => {
            outcome.error = Some(e.to_string());
            return Ok(outcome);
        }
    };
    let mut index = 0usize;
    while let Some(next) = files.next() {
        index += 1;
        let entry = match next {
            Ok(entry) => entry,
            Err(e) => {
                // The walk cannot go on past a central directory record it could not read.
                session.problem(
                    format!("{label}: entry #{index}"),
                    format!("could not be read: {e}"),
                );
                first_error.get_or_insert_with(|| e.to_string());
                break;
            }
        };
        // The central directory's name, for a message when the entry itself cannot be opened.
        let listed = entry.name().ok().map(|n| n.into_owned());
        let mut file = match entry.with_reader(files.reader_mut(), ZipReadOptions::new()) {
            Ok(file) => file,
            Err(e) => {
                let name = listed.unwrap_or_else(|| format!("entry #{index}"));
                session.problem(
                    format!("{label}: {name}"),
                    format!("could not be read: {e}"),
                );
                first_error.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        session.count_entry()?;
        outcome.entries += 1;
        let raw_name = match file.name() {
            Ok(name) => name.into_owned(),
            Err(_) => lossy(file.name_raw()),
        };
        let rel = match normalise(&raw_name, true) {
            Normalised::Inside(p) => {
                if file.enclosed_name().is_none() {
                    session.problem(
                        format!("{label}: {raw_name}"),
                        "unsafe path (drive letter or NUL byte); entry skipped",
                    );
                    continue;
                }
                p
            }
            Normalised::Absolute(p) => {
                session.problem(
                    session.full_path(scope, &p),
                    format!(
                        "absolute path {raw_name:?} in the archive, read as relative to the bundle"
                    ),
                );
                p
            }
            Normalised::Escapes => {
                session.problem(
                    format!("{label}: {raw_name}"),
                    "path climbs out of the bundle with '..'; entry skipped",
                );
                continue;
            }
            Normalised::TooLong(len) => {
                session.problem(format!("{label}: {}", shown(&raw_name)), too_long(len));
                continue;
            }
        };
        if file.is_dir() {
            session.dir(scope, rel);
            continue;
        }
        if rel.is_empty() {
            session.problem(
                label,
                format!("file entry with an empty path {raw_name:?} skipped"),
            );
            continue;
        }
        if file.encrypted() {
            session.problem(session.full_path(scope, &rel), "encrypted entry skipped");
            continue;
        }
        if file.is_symlink() {
            let mut target = Vec::new();
            match (&mut file).take(MAX_LINK_TARGET).read_to_end(&mut target) {
                Ok(_) => session.link(scope, rel, lossy(&target), false),
                Err(e) => session.problem(
                    session.full_path(scope, &rel),
                    format!("symlink target could not be read: {e}"),
                ),
            }
            continue;
        }
        let size = file.size();
        let mtime = mtime(&file);
        let consumed = Rc::new(Cell::new(file.compressed_size()));
        let mut guarded = RatioGuard {
            inner: &mut file,
            consumed,
            produced: 0,
            budget: session.budget,
            label: session.full_path(scope, &rel),
        };
        session.file(
            scope,
            rel,
            size,
            mtime,
            &mut guarded,
            false,
            depth,
            Origin::Stream,
        )?;
    }
    if outcome.entries == 0 {
        if let Some(e) = first_error {
            outcome.error = Some(e);
        }
    }
    Ok(outcome)
}

/// The entry's modification time: the Unix extended timestamp when present (UTC), else the
/// DOS date and time, which carry no zone and are read as UTC.
fn mtime<R: Read>(file: &ZipFile<'_, R>) -> Option<i64> {
    for field in file.extra_data_fields() {
        if let ExtraField::ExtendedTimestamp(ts) = field {
            if let Some(t) = ts.mod_time() {
                return Some(i64::from(t));
            }
        }
    }
    let dos = file.last_modified()?;
    let dt = jiff::civil::DateTime::new(
        i16::try_from(dos.year()).ok()?,
        i8::try_from(dos.month()).ok()?,
        i8::try_from(dos.day()).ok()?,
        i8::try_from(dos.hour()).ok()?,
        i8::try_from(dos.minute()).ok()?,
        i8::try_from(dos.second()).ok()?,
        0,
    )
    .ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(dt)
        .ok()
        .map(|t| t.as_second())
}
