//! Bundle reading: an archive or a directory becomes a stream of entries.
//!
//! First stage of the pipeline. The container format is decided by magic bytes, never by the
//! file name. Nothing is extracted to disk: each entry's bytes are handed to the caller through a
//! reader, once, in archive order, so path traversal and links inside an archive are harmless;
//! they are resolved virtually inside the bundle and reported, never followed outside it.

use std::io::Read;
use std::path::Path;

use serde::Serialize;

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
    /// Total uncompressed bytes read from all entries.
    pub max_total_bytes: u64,
    /// Uncompressed bytes of one entry.
    pub max_entry_bytes: u64,
    /// Number of entries (files, links, directories) looked at.
    pub max_entries: u64,
    /// Uncompressed / compressed ratio above which a stream is treated as a bomb.
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
}

/// A link inside the bundle, resolved virtually after all entries were seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleLink {
    pub path: String,
    /// The link target as recorded in the archive.
    pub target: String,
    pub hard: bool,
    /// The bundle path the link resolves to, when it resolves to a file inside the bundle.
    pub resolved: Option<String>,
    /// Why it does not resolve (outside the bundle, loop, missing target).
    pub problem: Option<String>,
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
    /// there is one.
    pub root: Option<String>,
    /// Nested archives that were opened, by their path in the bundle.
    pub nested: Vec<String>,
    pub links: Vec<BundleLink>,
    pub problems: Vec<EntryProblem>,
    pub entries: u64,
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
pub fn read_bundle(
    path: &Path,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<BundleSummary, BundleError> {
    let _ = (limits, visitor);
    Err(BundleError::Unsupported {
        path: path.display().to_string(),
        detail: "bundle reading is not built yet".into(),
    })
}
