//! Bundle reading: an archive or a directory becomes a stream of entries.
//!
//! First stage of the pipeline. The container format is decided by magic bytes, never by the
//! file name. Nothing is extracted to disk: each entry's bytes are handed to the caller through a
//! reader, once, in archive order, so path traversal and links inside an archive are harmless;
//! they are resolved virtually inside the bundle and reported, never followed outside it.
//!
//! - `sniff`: magic bytes to container kind.
//! - `session`: the state of one read; dispatch of an entry to the visitor or, when its content
//!   is an archive or a compressed file, to a nested read (`inner.tar.xz/...` paths).
//! - `tar`, `zip`, `dir`: one reader per container; `path`: one normal form for entry names.
//! - `disk`: a directory's file handed to the visitor open, to be read on whichever thread it
//!   chooses; the session files what came of it in bundle order.
//! - `limits`: counting readers, so limits hold on the bytes that really flow, whatever the
//!   headers claim; `links`: virtual link resolution once every entry was seen.
//!
//! A compressed file whose content is not a tar (a lone `dmesg.gz`) is a bundle of one entry
//! named without the compression suffix; its container is named after the compression
//! (`tar.gz`), the closest the report's container list has.

use crate::units;
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;
use std::rc::Rc;

use serde::Serialize;
use sha2::{Digest, Sha256};

mod dir;
mod disk;
mod limits;
mod links;
mod path;
mod session;
mod sniff;
mod tar;
mod xz;
mod zip;

pub use disk::DiskFile;
use limits::{peek, Budget};
use links::{top_folder, Resolved, Tree};
use session::{read_stream, Session};
use sniff::{sniff, Magic, SNIFF_LEN};

/// The container format of a bundle (the contract's `bundle.container`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Container {
    #[serde(rename = "tar")]
    Tar,
    #[serde(rename = "tar.gz")]
    TarGz,
    #[serde(rename = "tar.xz")]
    TarXz,
    #[serde(rename = "tar.zst")]
    TarZst,
    #[serde(rename = "tar.bz2")]
    TarBz2,
    #[serde(rename = "zip")]
    Zip,
    #[serde(rename = "directory")]
    Directory,
}

impl Container {
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Tar => "tar",
            Container::TarGz => "tar.gz",
            Container::TarXz => "tar.xz",
            Container::TarZst => "tar.zst",
            Container::TarBz2 => "tar.bz2",
            Container::Zip => "zip",
            Container::Directory => "directory",
        }
    }
}

/// Limits that keep a hostile or broken bundle from exhausting memory or time. The defaults
/// let a real sosreport (a few GB of logs) through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total uncompressed bytes read from all entries (a nested archive counts twice: its own
    /// bytes and its entries').
    pub max_total_bytes: u64,
    /// Uncompressed bytes of one entry: a longer entry is cut there and reported; a nested zip,
    /// which must be buffered, is not opened above it.
    pub max_entry_bytes: u64,
    /// Number of entries (files, links, directories) looked at.
    pub max_entries: u64,
    /// Uncompressed / compressed ratio above which a stream is treated as a bomb, judged for
    /// each decompression layer and zip entry, and for the whole file, once more than 1 MiB
    /// came out.
    pub max_ratio: u64,
    /// How many archives deep nested archives are opened (1: an archive inside the bundle).
    pub max_nesting: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_bytes: 16 << 30,
            max_entry_bytes: 4 << 30,
            max_entries: 200_000,
            max_ratio: 1000,
            max_nesting: 1,
        }
    }
}

/// What the reader knows about an entry before its bytes are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    /// Normalised path inside the bundle (`/`-separated, no leading `/`, no `.`/`..`), including
    /// any top folder and, for a nested archive, the nested archive's own path as prefix.
    pub path: String,
    /// Size as declared by the container (may lie; readers enforce the limits on real bytes).
    pub size: u64,
    /// Modification time, seconds since the epoch, when the container records one.
    pub mtime: Option<i64>,
}

/// Receives entries one by one, in bundle order.
pub trait EntryVisitor {
    /// Called once per regular file. `data` yields the entry's uncompressed bytes and errors
    /// with [`BundleError`]-carrying `io::Error`s when a limit is hit or the stream is corrupt;
    /// the visitor may stop reading early.
    fn file(&mut self, meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()>;

    /// Called instead of [`file`](Self::file) for a regular file of a directory bundle. The
    /// visitor may read `data` after returning, on another thread, while the walk goes on
    /// with the next entries: the reader waits for every `DiskFile` to be dropped before it
    /// returns, and files their problems in bundle order. The default reads it at once
    /// through `file`.
    fn disk_file(&mut self, meta: &EntryMeta, mut data: DiskFile) -> std::io::Result<()> {
        self.file(meta, &mut data)
    }
}

/// A link inside the bundle, resolved virtually after all entries were seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleLink {
    pub path: String,
    /// The link target as recorded in the archive.
    pub target: String,
    pub hard: bool,
    /// The bundle path the link resolves to, when it resolves to a file or folder inside the
    /// bundle (a nested archive's links resolve inside that archive).
    pub resolved: Option<String>,
    /// Why it does not resolve (outside the bundle, loop, missing target).
    pub problem: Option<String>,
}

/// Whether a link target is `/dev/null`, absolute or relative (`../../../../dev/null`).
fn links_to_dev_null(target: &str) -> bool {
    let mut parts = target
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..");
    parts.next() == Some("dev") && parts.next() == Some("null") && parts.next().is_none()
}

/// An entry that could not be read or was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryProblem {
    pub path: String,
    pub problem: String,
}

/// What the reader learnt about the bundle as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct BundleSummary {
    /// File or folder name as given, without its directory.
    pub name: String,
    /// SHA-256 of the archive file; `None` for a directory.
    pub sha256: Option<String>,
    pub container: Container,
    /// The single top folder every entry shares (a sosreport's `sosreport-host-2018...`), when
    /// there is one. When the bundle is a single archive wrapped in another (a sosreport
    /// `.tar.xz` uploaded as a `.zip`), the inner top folder is included:
    /// `sosreport-x.tar.xz/sosreport-x`.
    pub root: Option<String>,
    /// Nested archives and compressed files that were opened, by their path in the bundle.
    pub nested: Vec<String>,
    pub links: Vec<BundleLink>,
    pub problems: Vec<EntryProblem>,
    /// Entries of every kind looked at (files, links, folders, skipped entries), nested
    /// archives' entries included.
    pub entries: u64,
    /// Uncompressed bytes the visitor read.
    pub total_bytes: u64,
}

/// Why a bundle could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a supported bundle (expected a directory, .tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2 or .zip): {detail}")]
    Unsupported { path: String, detail: String },
    #[error("{path}: corrupt or truncated {container} archive: {detail}")]
    Corrupt {
        path: String,
        container: &'static str,
        detail: String,
    },
    #[error("{path}: {detail}")]
    Limit { path: String, detail: String },
}

/// Read the bundle at `path`, calling `visitor` for every regular file.
///
/// The SHA-256 of an archive is computed while it streams (tar and its compressed forms), or
/// in a separate read before the entries (zip, which must seek).
pub fn read_bundle(
    path: &Path,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<BundleSummary, BundleError> {
    let display = path.display().to_string();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| display.clone());
    let open_error = |source| BundleError::Open {
        path: display.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(open_error)?;
    if meta.is_dir() {
        let budget = Budget::new(*limits, None);
        let mut session = Session::new(&budget, visitor, display.clone());
        let result = dir::read_dir(&mut session, path);
        // Files read elsewhere may still be in flight, and one may have tripped a limit.
        session.settle();
        let result = result.and_then(|()| session.check());
        stop_at_limit(&mut session, &name, result)?;
        return Ok(finish(
            session,
            name,
            None,
            Container::Directory,
            Some(path),
        ));
    }
    let mut file = open_input(path).map_err(open_error)?;
    let (head, error) = peek(&mut file, SNIFF_LEN);
    if let Some(e) = error {
        return Err(open_error(e));
    }
    if head.is_empty() {
        return Err(BundleError::Unsupported {
            path: display,
            detail: "the file is empty".into(),
        });
    }
    let magic = sniff(&head);
    let container = match magic {
        Magic::Tar => Container::Tar,
        Magic::Gzip => Container::TarGz,
        Magic::Xz => Container::TarXz,
        Magic::Zstd => Container::TarZst,
        Magic::Bzip2 => Container::TarBz2,
        Magic::Zip => Container::Zip,
        Magic::Unknown => {
            let start: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
            return Err(BundleError::Unsupported {
                path: display,
                detail: format!(
                    "unrecognised content starting with bytes {}",
                    start.join(" ")
                ),
            });
        }
    };
    // A pipe has no size to judge the whole-bundle ratio by; each decoder still has its own.
    let budget = Budget::new(*limits, meta.is_file().then_some(meta.len()));
    let mut session = Session::new(&budget, visitor, display.clone());
    let (outcome, sha256) = if magic == Magic::Zip {
        // Zip reads its central directory at the end: the file must seek.
        file.rewind().map_err(|e| BundleError::Unsupported {
            path: display.clone(),
            detail: format!("a zip must be a regular file that can seek: {e}"),
        })?;
        let mut hashed = Hashed {
            file,
            hasher: Sha256::new(),
        };
        io::copy(&mut hashed, &mut io::sink()).map_err(open_error)?;
        let Hashed { mut file, hasher } = hashed;
        file.rewind().map_err(open_error)?;
        let result = zip::read_zip_from(&mut session, 0, file, 0, &name);
        let outcome = stop_at_limit(&mut session, &name, result)?;
        (outcome, hex(&hasher.finalize()))
    } else {
        // The sniffed bytes are replayed rather than re-read, so a pipe works too.
        let mut hasher = Sha256::new();
        hasher.update(&head);
        let raw = Rc::new(RefCell::new(Hashed { file, hasher }));
        let single = path::without_compression_suffix(&name);
        let input = Box::new(io::Cursor::new(head).chain(SharedReader(raw.clone())));
        let result = read_stream(&mut session, input, magic, 0, (0, single), 0, &name);
        let outcome = stop_at_limit(&mut session, &name, result)?;
        // The archive may end before the file does (tar padding, trailing bytes): the hash
        // covers the whole file. A pipe may never end: what follows the archive is read up to
        // the byte limit only.
        let trailing_cap = if meta.is_file() {
            u64::MAX
        } else {
            limits.max_total_bytes
        };
        let trailing = io::copy(
            &mut SharedReader(raw.clone()).take(trailing_cap),
            &mut io::sink(),
        )
        .map_err(open_error)?;
        if trailing == trailing_cap {
            session.problem(
                name.clone(),
                format!(
                    "the stream goes on past the archive's end for more than {}; the rest was not \
                     read, and the SHA-256 covers what was",
                    units::bytes(trailing_cap)
                ),
            );
        }
        let hasher = raw.borrow().hasher.clone();
        (outcome, hex(&hasher.finalize()))
    };
    if let Some(error) = outcome.error {
        if outcome.entries == 0 {
            return Err(BundleError::Corrupt {
                path: display,
                container: container.as_str(),
                detail: error,
            });
        }
        session.problem(
            name.clone(),
            format!(
                "archive truncated after {} entries: {error}",
                outcome.entries
            ),
        );
    }
    Ok(finish(session, name, Some(sha256), container, None))
}

/// Open a file given on the command line for reading: a regular file, or a pipe (`<(...)`, a
/// named FIFO) opened without waiting for a writer, so a FIFO nothing writes to reads as empty
/// instead of blocking. A device or a socket is refused: it is no bundle, and `/dev/zero` would
/// never end.
pub fn open_input(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return File::open(path);
    }
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        if kind.is_fifo() {
            let nonblocking = i32::try_from(OFlags::NONBLOCK.bits()).unwrap_or_default();
            let file = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(nonblocking)
                .open(path)?;
            // Reads wait for data again from here on, as on any pipe.
            let flags = rustix::fs::fcntl_getfl(&file)?;
            rustix::fs::fcntl_setfl(&file, flags - OFlags::NONBLOCK)?;
            return Ok(file);
        }
        let what = if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a special file"
        };
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what}, not a file: give a bundle file, a directory or a pipe"),
        ))
    }
    #[cfg(not(unix))]
    File::open(path)
}

/// A limit hit once files were read ends the reading, not the bundle: the files read are kept
/// and the limit becomes a problem of the bundle. Hit before any file, it is the bundle's error.
fn stop_at_limit<T: Default>(
    session: &mut Session<'_, '_>,
    name: &str,
    result: Result<T, BundleError>,
) -> Result<T, BundleError> {
    match result {
        Err(BundleError::Limit { detail, .. }) if session.complete > 0 => {
            session.problem(name, format!("reading stopped: {detail}"));
            Ok(T::default())
        }
        other => other,
    }
}

/// The archive file, hashed as it is read.
struct Hashed {
    file: File,
    hasher: Sha256,
}

impl Read for Hashed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// A handle on the hashed file that the decoders can own while the caller keeps another to
/// finish the hash.
struct SharedReader(Rc<RefCell<Hashed>>);

impl Read for SharedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Resolve the links, find the top folder, and assemble the summary.
fn finish(
    session: Session<'_, '_>,
    name: String,
    sha256: Option<String>,
    container: Container,
    disk_root: Option<&Path>,
) -> BundleSummary {
    let mut links = Vec::new();
    let problems = session.problems;
    let canonical_root = disk_root.and_then(|r| r.canonicalize().ok());
    let mut all_paths: Vec<String> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    for scope in &session.scopes {
        let tree = Tree::new(&scope.files, &scope.dirs, &scope.links);
        for link in &scope.links {
            let mut out = BundleLink {
                path: format!("{}{}", scope.prefix, link.path),
                target: link.target.clone(),
                hard: link.hard,
                resolved: None,
                problem: None,
            };
            match tree.resolve(link) {
                Ok(Resolved::File(p) | Resolved::Dir(p)) => {
                    let escapes = match (&canonical_root, disk_root) {
                        (Some(root), Some(disk)) => !disk
                            .join(&p)
                            .canonicalize()
                            .is_ok_and(|real| real.starts_with(root)),
                        _ => false,
                    };
                    if escapes {
                        out.problem = Some("target is outside the bundle".into());
                    } else {
                        out.resolved = Some(format!("{}{p}", scope.prefix));
                    }
                }
                // systemd masks a unit with a link to /dev/null: a copied unit folder holds
                // such links, and they are the host's settings, not a defect of the bundle.
                Err(_) if links_to_dev_null(&link.target) => {}
                Err(problem) => out.problem = Some(problem),
            }
            links.push(out);
        }
        let nested_here = |f: &String| session.nested.contains(&format!("{}{f}", scope.prefix));
        all_paths.extend(
            scope
                .files
                .iter()
                .filter(|f| !nested_here(f))
                .chain(scope.dirs.iter())
                .chain(scope.links.iter().map(|l| &l.path))
                .map(|p| format!("{}{p}", scope.prefix)),
        );
        dirs.extend(scope.dirs.iter().map(|d| format!("{}{d}", scope.prefix)));
    }
    let is_dir = |p: &str| dirs.iter().any(|d| d == p) || session.nested.iter().any(|n| n == p);
    let mut root = top_folder(all_paths.iter(), is_dir);
    // A bundle that is one archive inside a zip: its own top folder is the interesting one.
    if let Some(top) = root.clone() {
        if session.nested.contains(&top) {
            let prefix = format!("{top}/");
            let below: Vec<String> = all_paths
                .iter()
                .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
                .collect();
            let below_dirs: Vec<String> = dirs
                .iter()
                .filter_map(|d| d.strip_prefix(&prefix).map(str::to_string))
                .collect();
            if let Some(inner) = top_folder(below.iter(), |p| below_dirs.iter().any(|d| d == p)) {
                root = Some(format!("{top}/{inner}"));
            }
        }
    }
    BundleSummary {
        name,
        sha256,
        container,
        root,
        nested: session.nested,
        links,
        problems,
        entries: session.budget.entries(),
        total_bytes: session.delivered,
    }
}

#[cfg(test)]
mod tests;
