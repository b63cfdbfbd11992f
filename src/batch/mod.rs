//! Many bundles at once: `postmortem batch` and `postmortem summarize`.
//!
//! A batch finds every bundle under its inputs ([`discover`]), gives each a safe, unique output
//! name ([`output_names`]), analyses them in parallel across bundles (never inside one: a tar
//! stream is sequential), writes one HTML and one JSON report per bundle, and a fleet summary
//! ([`summary`]) built from the JSON reports alone, so that `summarize` can rebuild the very same
//! summary from reports written anywhere else (one Kubernetes Job per bundle, GNU parallel over
//! hosts).
//!
//! A bundle that cannot be read becomes a row with the reason; it never stops the batch.

pub mod summary;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::bundle::Limits;
use crate::pipeline::{self, ReportOptions};
use crate::render::{self, Format};

pub use summary::{
    known_issue_counts_of, row_from_report, unreadable_row, write_summary, SummaryRow,
};

/// A bundle found under the batch inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path as found (an input argument, or an entry of an input folder).
    pub path: PathBuf,
}

/// Why a batch could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{path}: cannot read the folder: {source}")]
    ReadDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the output folder {path}: {source}")]
    CreateOut {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start {jobs} worker threads: {detail}")]
    Pool { jobs: usize, detail: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("serialising the summary failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("rendering the summary page failed: {0}")]
    Template(String),
}

/// Names of entries that make a folder a bundle rather than a folder of bundles: what a
/// sosreport, the postmortem collector or a folder of pasted command output holds at its top.
const BUNDLE_MARKERS: &[&str] = &[
    "dmesg",
    "messages",
    "proc",
    "sys",
    "sos_commands",
    "sos_reports",
    "sos_logs",
    "var",
    "etc",
    "manifest.json",
    "uname",
    "uname-a.txt",
    "buddyinfo",
    "meminfo",
    "slabinfo",
    "journal",
];

/// Archive file name endings, longest first (so `.tar.gz` is stripped whole).
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".txz", ".tzst", ".tbz2", ".tbz", ".tar",
    ".zip",
];

/// Whether a folder is itself a bundle: it holds one of `BUNDLE_MARKERS` at its top.
pub fn looks_like_bundle(dir: &Path) -> bool {
    BUNDLE_MARKERS.iter().any(|m| dir.join(m).exists())
}

/// Whether a file in a folder of bundles is an archive: by name, or by its magic bytes.
fn is_archive_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ARCHIVE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return true;
    }
    let mut head = [0u8; 262];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || head.starts_with(b"BZh")
        || head.starts_with(b"PK\x03\x04")
        || head.get(257..262) == Some(b"ustar")
}

/// What [`discover`] found: the bundles, and the entries it would not take for one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Links in a folder of bundles that lead out of it, with why they were not read.
    pub refused: Vec<Skipped>,
}

/// Every bundle under the inputs, in a deterministic order: a file argument is a bundle; a
/// folder argument is a bundle when it looks like one, else a folder of bundles whose archive
/// files and sub-folders (hidden ones aside) are each a bundle, sorted by name. An input that
/// does not exist is kept: reading it fails, and its row says why. The batch's own output
/// folder (`exclude`) is never taken for a bundle, so a rerun into a folder inside the inputs
/// does not read its previous reports.
///
/// A link in a folder of bundles is followed only when it stays inside that folder: a folder
/// unpacked from a customer's archive may hold `node-b -> /etc`, which is no bundle of theirs.
/// Such a link is refused, and named. Arguments themselves are taken as given.
pub fn discover(inputs: &[PathBuf], exclude: Option<&Path>) -> Result<Discovered, BatchError> {
    let excluded = exclude.and_then(|e| fs::canonicalize(e).ok());
    let is_excluded = |p: &Path| {
        excluded
            .as_ref()
            .is_some_and(|e| fs::canonicalize(p).is_ok_and(|c| &c == e))
    };
    let mut found = Discovered::default();
    for input in inputs {
        if !input.is_dir() || looks_like_bundle(input) {
            found.inputs.push(Input {
                path: input.clone(),
            });
            continue;
        }
        let entries = fs::read_dir(input).map_err(|source| BatchError::ReadDir {
            path: input.display().to_string(),
            source,
        })?;
        let home = fs::canonicalize(input).ok();
        let mut paths: Vec<PathBuf> = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
            if is_link {
                let inside = match (&home, fs::canonicalize(&path)) {
                    (Some(home), Ok(real)) => real.starts_with(home),
                    _ => false,
                };
                if !inside {
                    found.refused.push(Skipped {
                        path: display(&path),
                        reason: "a link that leads out of the input folder; not followed".into(),
                    });
                    continue;
                }
            }
            if (path.is_dir() || (path.is_file() && is_archive_file(&path))) && !is_excluded(&path)
            {
                paths.push(path);
            }
        }
        paths.sort();
        found.refused.sort_by(|a, b| a.path.cmp(&b.path));
        found
            .inputs
            .extend(paths.into_iter().map(|path| Input { path }));
    }
    Ok(found)
}

/// The bundle's name without its archive ending, made safe as a file name: ASCII letters,
/// digits, `.`, `_` and `-` only, no leading dot, at most 100 characters.
pub fn safe_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem = ARCHIVE_SUFFIXES
        .iter()
        .find(|s| lower.ends_with(*s) && lower.len() > s.len())
        .map(|s| &name[..name.len() - s.len()])
        .unwrap_or(&name);
    let mut safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe = safe.trim_start_matches(['.', '-']).to_string();
    safe.truncate(100);
    if safe.is_empty() {
        "bundle".to_string()
    } else {
        safe
    }
}

/// One output name per input, unique without regard to case (for case-insensitive file
/// systems) and never `index` or `summary` (the summary's own files): a repeat gets `-2`,
/// `-3`... in input order.
pub fn output_names(inputs: &[Input]) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> =
        ["index", "summary"].iter().map(|s| s.to_string()).collect();
    inputs
        .iter()
        .map(|i| {
            let base = safe_name(&i.path);
            let mut name = base.clone();
            let mut n = 1;
            while taken.contains(&name.to_ascii_lowercase()) {
                n += 1;
                name = format!("{base}-{n}");
            }
            taken.insert(name.to_ascii_lowercase());
            name
        })
        .collect()
}

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub out_dir: PathBuf,
    /// Worker threads; `None` for one per core. Capped by [`worker_count`].
    pub jobs: Option<usize>,
    pub limits: Limits,
    pub report: ReportOptions,
    /// Knowledge-base articles to name as known issues (`--kb DIR`); empty for none.
    pub kb: crate::kb::KnowledgeBase,
}

/// Analyse every input in parallel, write its reports into the output folder, and return the
/// summary rows in input order. `done` is called after each bundle (for progress).
pub fn run(
    inputs: &[Input],
    options: &BatchOptions,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<SummaryRow>, BatchError> {
    fs::create_dir_all(&options.out_dir).map_err(|source| BatchError::CreateOut {
        path: options.out_dir.display().to_string(),
        source,
    })?;
    let names = output_names(inputs);
    let jobs = worker_count(options.jobs, inputs.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| BatchError::Pool {
            jobs,
            detail: e.to_string(),
        })?;
    let rows = pool.install(|| {
        inputs
            .par_iter()
            .zip(names.par_iter())
            .map(|(input, name)| {
                let row = one(input, name, options);
                done();
                row
            })
            .collect()
    });
    Ok(rows)
}

/// Most bundles analysed at once, whatever `--jobs` asks: each worker holds a bundle's facts,
/// and threads beyond this only cost their creation.
pub const MAX_JOBS: usize = 64;

/// Worker threads for `bundles` bundles: as asked (one per core by default), but no more than
/// there are bundles, nor than [`MAX_JOBS`].
pub fn worker_count(asked: Option<usize>, bundles: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    asked.unwrap_or(cores).min(bundles).clamp(1, MAX_JOBS)
}

/// The display form of an input path (what the summary's `path` holds).
fn display(path: &Path) -> String {
    path.display().to_string()
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| display(path))
}

/// Analyse one bundle and write its two reports.
fn one(input: &Input, name: &str, options: &BatchOptions) -> SummaryRow {
    let path = display(&input.path);
    let loaded = match pipeline::load(&input.path, &options.limits) {
        Ok(l) => l,
        Err(e) => return unreadable_row(&file_label(&input.path), Some(&path), &e.to_string()),
    };
    let mut report = pipeline::build_report(&loaded, None, &options.report);
    crate::kb::annotate(&mut report, &options.kb);
    report.bundle.path = Some(path.clone());
    let html_name = format!("{name}.html");
    let json_name = format!("{name}.json");
    let rendered = render::render(&report, Format::Json).and_then(|json| {
        let html = render::render(&report, Format::Html)?;
        Ok((json, html))
    });
    let (json, html) = match rendered {
        Ok(r) => r,
        Err(e) => return unreadable_row(&report.bundle.name, Some(&path), &e.to_string()),
    };
    for (file, text) in [(&json_name, &json), (&html_name, &html)] {
        let target = options.out_dir.join(file);
        if let Err(e) = crate::output::write_atomic(&target, text.as_bytes()) {
            return unreadable_row(
                &report.bundle.name,
                Some(&path),
                &format!("cannot write {}: {e}", target.display()),
            );
        }
    }
    match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(value) => row_from_report(&value, Some(html_name), Some(json_name)),
        Err(e) => unreadable_row(&report.bundle.name, Some(&path), &e.to_string()),
    }
}

/// A JSON file given to `summarize` that is not a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Largest JSON report `summarize` reads: a report of a large sosreport is a few MiB.
pub const MAX_REPORT_BYTES: u64 = 256 << 20;

/// The bytes of a report file, refused past [`MAX_REPORT_BYTES`] (`/dev/zero` as a report).
fn read_report_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = crate::bundle::open_input(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MiB, not a report", MAX_REPORT_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

/// Read per-bundle JSON reports into summary rows. Report paths are given relative to
/// `out_dir` when the files are inside it (as `batch` writes them); the HTML report is the
/// `.html` file beside the JSON, when there is one. A summary file (a JSON array, such as
/// `summary.json`) is skipped; a file that is not a report becomes an unreadable row.
pub fn read_reports(paths: &[PathBuf], out_dir: &Path) -> (Vec<SummaryRow>, Vec<Skipped>) {
    let base = fs::canonicalize(out_dir).ok();
    let relative = |p: &Path| -> String {
        let canon = fs::canonicalize(p).ok();
        match (&base, canon) {
            (Some(b), Some(c)) => match c.strip_prefix(b) {
                Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
                Err(_) => display(p),
            },
            _ => display(p),
        }
    };
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        let label = file_label(p);
        let text = match read_report_file(p) {
            Ok(t) => t,
            Err(e) => {
                rows.push(unreadable_row(&label, None, &format!("cannot read: {e}")));
                continue;
            }
        };
        let value: serde_json::Value = match serde_json::from_slice(&text) {
            Ok(v) => v,
            Err(e) => {
                rows.push(unreadable_row(&label, None, &format!("not JSON: {e}")));
                continue;
            }
        };
        if value.is_array() {
            skipped.push(Skipped {
                path: display(p),
                reason: "a summary, not a report".into(),
            });
            continue;
        }
        if value.get("schema").and_then(|s| s.as_str()) != Some(crate::report::SCHEMA) {
            rows.push(unreadable_row(
                &label,
                None,
                &format!(
                    "not a postmortem report (no \"schema\": \"{}\")",
                    crate::report::SCHEMA
                ),
            ));
            continue;
        }
        let html = p.with_extension("html");
        let html = html.is_file().then(|| relative(&html));
        rows.push(row_from_report(&value, html, Some(relative(p))));
    }
    (rows, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_archive_endings_and_unsafe_characters() {
        assert_eq!(
            safe_name(Path::new("/x/sosreport-beta_004-2018.tar.xz")),
            "sosreport-beta_004-2018"
        );
        assert_eq!(safe_name(Path::new("node 1 (copy).ZIP")), "node_1__copy_");
        assert_eq!(safe_name(Path::new("../..")), "bundle");
        assert_eq!(safe_name(Path::new(".hidden.tgz")), "hidden");
        assert_eq!(safe_name(Path::new("<script>.tar")), "_script_");
        assert_eq!(safe_name(Path::new("节点.tar.gz")), "__");
        assert_eq!(safe_name(Path::new(&"a".repeat(300))).len(), 100);
    }

    #[test]
    fn workers_are_capped_by_bundles_and_maximum() {
        assert_eq!(worker_count(Some(65_535), 1), 1);
        assert_eq!(worker_count(Some(65_535), 10_000), MAX_JOBS);
        assert_eq!(worker_count(Some(3), 10), 3);
        assert_eq!(worker_count(Some(4), 0), 1);
        assert!(worker_count(None, 10_000) >= 1);
    }

    #[test]
    fn names_are_unique_without_regard_to_case() {
        let inputs: Vec<Input> = [
            "a/node.tar.gz",
            "b/node.zip",
            "c/NODE",
            "summary",
            "index.tgz",
        ]
        .iter()
        .map(|p| Input { path: p.into() })
        .collect();
        assert_eq!(
            output_names(&inputs),
            ["node", "node-2", "NODE-3", "summary-2", "index-2"]
        );
    }

    #[test]
    fn folders_are_bundles_or_folders_of_bundles() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = dir.path().join("fleet");
        fs::create_dir_all(fleet.join("node-a/proc")).unwrap();
        fs::create_dir_all(fleet.join("node-b")).unwrap();
        fs::create_dir_all(fleet.join(".git")).unwrap();
        fs::write(fleet.join("node-b/dmesg"), "x").unwrap();
        fs::write(fleet.join("broken.tar.gz"), "not gzip").unwrap();
        fs::write(fleet.join("zipped"), b"PK\x03\x04rest").unwrap();
        fs::write(fleet.join("README.md"), "notes").unwrap();
        let found = discover(std::slice::from_ref(&fleet), None).unwrap().inputs;
        let names: Vec<String> = found.iter().map(|i| file_label(&i.path)).collect();
        assert_eq!(names, ["broken.tar.gz", "node-a", "node-b", "zipped"]);
        // A bundle folder given directly is one bundle.
        let one = discover(&[fleet.join("node-a")], None).unwrap().inputs;
        assert_eq!(
            one,
            [Input {
                path: fleet.join("node-a")
            }]
        );
        // The output folder of an earlier run inside the inputs is not a bundle.
        fs::create_dir_all(fleet.join("reports")).unwrap();
        let found = discover(std::slice::from_ref(&fleet), Some(&fleet.join("reports"))).unwrap();
        assert_eq!(found.inputs.len(), 4);
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_a_folder_of_bundles_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = dir.path().join("fleet");
        let secret = dir.path().join("analyst-home");
        fs::create_dir_all(fleet.join("node-a/proc")).unwrap();
        fs::create_dir_all(secret.join("proc")).unwrap();
        std::os::unix::fs::symlink(&secret, fleet.join("node-b")).unwrap();
        std::os::unix::fs::symlink(fleet.join("node-a"), fleet.join("node-c")).unwrap();
        let found = discover(std::slice::from_ref(&fleet), None).unwrap();
        let names: Vec<String> = found.inputs.iter().map(|i| file_label(&i.path)).collect();
        assert_eq!(names, ["node-a", "node-c"]);
        assert_eq!(found.refused.len(), 1);
        assert!(found.refused[0].path.ends_with("node-b"));
    }
}
