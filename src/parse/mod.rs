//! Parsers: one module per format, each a pure function from text to typed facts.
//!
//! Third stage of the pipeline. Parsers are tolerant of real-world variation (extra columns,
//! trailing and non-breaking spaces, CRLF, pasted prompts, a truncated last line) and strict about
//! meaning: a value that cannot be read becomes a [`Warning`] with its line number, never a guess.
//! No parser panics on any input.
//!
//! [`parse_into`] routes a source of a known kind to its parser and files the result into
//! [`Facts`].

use crate::facts::{Facts, Line, Sourced, Warning};
use crate::retention::records;
use crate::sources::{self, Format, Parse, SourceKind};

pub mod literals;
pub mod text;

pub mod app_config;
pub mod buddyinfo;
pub mod cgroupfs;
pub mod cgroups;
pub mod container_inspect;
pub mod daemon_log;
pub mod docker_events;
pub mod fragindex;
pub mod framing;
pub mod free;
pub mod gfp;
pub mod host;
pub mod kernel_log;
pub mod keyvalue;
pub mod kube;
pub mod manifest;
pub mod oci_config;
pub mod pagetypeinfo;
pub mod psi;
pub mod runtime_error;
pub mod runtime_version;
pub mod slabinfo;
pub mod sockstat;
pub mod systemctl_status;
pub mod zoneinfo;

/// A parser's output: the value and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Parsed<T> {
    pub value: T,
    pub warnings: Vec<Warning>,
}

impl<T> Parsed<T> {
    pub fn new(value: T, warnings: Vec<Warning>) -> Parsed<T> {
        Parsed { value, warnings }
    }
}

/// What parsing one source gave: how many records, and the warnings.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub records: u64,
    pub warnings: Vec<Warning>,
}

/// Every format read, in the order their sniffers are asked: the first that names a content
/// strongly decides it, so formats with a telling header come before those recognised by the
/// shape of their lines. Adding a format is adding its descriptor here (and its `SourceKind`,
/// and the `Facts` field its parse fills).
pub static FORMATS: &[&Format] = &[
    &slabinfo::SLABINFO,
    &slabinfo::SLABTOP,
    &pagetypeinfo::FORMAT,
    &zoneinfo::FORMAT,
    &buddyinfo::FORMAT,
    &fragindex::EXTFRAG_INDEX,
    &fragindex::UNUSABLE_INDEX,
    &keyvalue::MEMINFO,
    &cgroups::FORMAT,
    &host::proc_stat::FORMAT,
    &free::FORMAT,
    &keyvalue::VMSTAT,
    &keyvalue::SYSCTL,
    &host::loadavg::FORMAT,
    &runtime_version::FORMAT,
    &host::uname::FORMAT,
    &host::uptime::FORMAT,
    &host::proc_uptime::FORMAT,
    &host::timezone::FORMAT,
    &host::date::FORMAT,
    // Before the logs: a unit's status ends with its journal lines.
    &systemctl_status::FORMAT,
    &kernel_log::JOURNAL,
    &kernel_log::SYSLOG,
    &kernel_log::DMESG,
    &docker_events::FORMAT,
    &oci_config::FORMAT,
    &manifest::FORMAT,
    &container_inspect::FORMAT,
    &daemon_log::FORMAT,
    &runtime_error::FORMAT,
    &host::hostname::FORMAT,
    &cgroupfs::FORMAT,
    &psi::FORMAT,
    &sockstat::FORMAT,
    &host::task_limit::FORMAT,
    &kube::crictl::INSPECT_FORMAT,
    &kube::crictl::PS_FORMAT,
    &kube::describe::POD_FORMAT,
    &kube::object::POD_FORMAT,
    &kube::describe::NODE_FORMAT,
    &kube::describe::EVENTS_TABLE_FORMAT,
    &app_config::FORMAT,
];

/// Parse `bytes` of a source of `kind` read from `path`, and file the facts into `facts`.
pub fn parse_into(facts: &mut Facts, path: &str, kind: SourceKind, bytes: &[u8]) -> Outcome {
    match sources::format_of(kind).map(|f| &f.parse) {
        Some(Parse::Whole(parse)) => {
            let Some(plain) = text::unquoted(&String::from_utf8_lossy(bytes)) else {
                return parse(facts, path, bytes);
            };
            let mut outcome = parse(facts, path, plain.as_bytes());
            outcome.warnings.push(Warning::file(
                "every line is quoted (`> `): read without its quote marks",
            ));
            outcome
        }
        Some(Parse::Lines(_)) | None => {
            feed_text(facts, path, kind, &String::from_utf8_lossy(bytes))
        }
    }
}

/// Parse a whole text of a line-read kind through its [`LineParser`], so that a text read whole
/// and the same text streamed give the same facts.
fn feed_text(facts: &mut Facts, path: &str, kind: SourceKind, text: &str) -> Outcome {
    match LineParser::for_kind(kind) {
        Some(mut parser) => {
            for (no, line) in text::numbered_lines(text) {
                parser.push_line(no, line);
            }
            parser.finish_into(facts, path)
        }
        None => Outcome::default(),
    }
}

/// Literal sets to look for in whole chunks of a log, before its lines are parsed one by one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChunkSearch {
    /// Searched as they are.
    pub exact: Option<&'static aho_corasick::packed::Searcher>,
    /// Lower-case words, searched in the lower-cased text: found in any case.
    pub folded: Option<&'static aho_corasick::packed::Searcher>,
    /// The pattern of `exact` that a line may hold and still be routine ([`Scanned::routine`]).
    pub routine: Option<usize>,
}

/// What the search over a chunk says of one line; every `false` only means "not known".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scanned {
    /// ASCII, without tabs, holding none of the exact literals.
    pub plain: bool,
    /// Holding none of the folded words in any case.
    pub no_folded: bool,
    /// ASCII, without tabs, holding the routine literal of the exact search and no other.
    pub routine: bool,
}

/// A parser fed one line at a time: the log kinds, which can be GBs, are read this way so that
/// only their facts and evidence lines stay in memory.
pub enum LineParser {
    Kernel(Box<kernel_log::LineParser>),
    Daemon(daemon_log::LineParser),
    DockerEvents(docker_events::LineParser),
    Runtime(runtime_error::LineScanner),
    /// A file of unknown kind may still hold runtime error text (a pasted ticket, a script's
    /// output): it is scanned, quietly.
    Unknown(runtime_error::LineScanner),
}

impl LineParser {
    /// The line parser of `kind`, when `kind` is read line by line.
    pub fn for_kind(kind: SourceKind) -> Option<LineParser> {
        if kind == SourceKind::Unknown {
            return Some(LineParser::Unknown(runtime_error::LineScanner::default()));
        }
        match sources::format_of(kind).map(|f| &f.parse) {
            Some(Parse::Lines(new)) => Some(new()),
            _ => None,
        }
    }

    /// The literals whose absence lets this parser skip most of its work on a line; the line
    /// splitter searches whole chunks for them (see [`LineParser::push_scanned_line`]).
    pub fn chunk_search(&self) -> ChunkSearch {
        match self {
            // Daemon lines are a minority of a syslog file: a folded search over all of it
            // would cost more than it saves on them.
            LineParser::Kernel(_) => ChunkSearch {
                exact: kernel_log::literals(),
                folded: None,
                routine: Some(kernel_log::routine_literal()),
            },
            LineParser::Daemon(_) => ChunkSearch {
                exact: None,
                folded: daemon_log::chatter_breakers(),
                routine: None,
            },
            LineParser::Runtime(_) | LineParser::Unknown(_) | LineParser::DockerEvents(_) => {
                ChunkSearch::default()
            }
        }
    }

    /// Read line `no`, with what the search over its chunk found in it.
    pub fn push_scanned_line(&mut self, no: u32, line: &str, scanned: Scanned) {
        match self {
            LineParser::Kernel(p) => p.push_scanned_line(no, line, scanned),
            LineParser::Daemon(p) => p.push_scanned_line(no, line, scanned.no_folded),
            LineParser::Runtime(_) | LineParser::Unknown(_) | LineParser::DockerEvents(_) => {
                self.push_line(no, line)
            }
        }
    }

    /// Read line `no` (1-based, without its line end).
    pub fn push_line(&mut self, no: u32, line: &str) {
        match self {
            LineParser::Kernel(p) => p.push_line(no, line),
            LineParser::Daemon(p) => p.push_line(no, line),
            LineParser::Runtime(p) | LineParser::Unknown(p) => p.push_line(no, line),
            LineParser::DockerEvents(p) => p.push_line(no, line),
        }
    }

    /// File what the lines gave into `facts`.
    pub fn finish_into(self, facts: &mut Facts, path: &str) -> Outcome {
        match self {
            LineParser::Kernel(p) => {
                let out = p.finish();
                let records = u64::from(out.log.kernel_messages)
                    + records(&out.daemon)
                    + out.runtime_errors.len() as u64;
                push_nonempty(&mut facts.daemon_logs, path, out.daemon);
                push_nonempty(&mut facts.runtime_errors, path, out.runtime_errors);
                facts.kernel_logs.push(Sourced {
                    path: path.to_string(),
                    value: out.log,
                });
                Outcome {
                    records,
                    warnings: out.warnings,
                }
            }
            LineParser::Daemon(p) => {
                let out = p.finish();
                let records = records(&out.records) + out.runtime_errors.len() as u64;
                push_nonempty(&mut facts.daemon_logs, path, out.records);
                push_nonempty(&mut facts.runtime_errors, path, out.runtime_errors);
                Outcome {
                    records,
                    warnings: out.warnings,
                }
            }
            LineParser::DockerEvents(p) => {
                let p = p.finish();
                let n = records(&p.value);
                push_nonempty(&mut facts.docker_events, path, p.value);
                Outcome {
                    records: n,
                    warnings: p.warnings,
                }
            }
            LineParser::Runtime(p) => {
                let p = p.finish();
                let n = p.value.len() as u64;
                push_nonempty(&mut facts.runtime_errors, path, p.value);
                Outcome {
                    records: n,
                    warnings: p.warnings,
                }
            }
            LineParser::Unknown(p) => {
                let p = p.finish();
                let n = p.value.len() as u64;
                push_nonempty(&mut facts.runtime_errors, path, p.value);
                Outcome {
                    records: n,
                    warnings: Vec::new(),
                }
            }
        }
    }
}

pub(crate) fn push_nonempty<T>(into: &mut Vec<Sourced<Vec<T>>>, path: &str, value: Vec<T>) {
    if !value.is_empty() {
        into.push(Sourced {
            path: path.to_string(),
            value,
        });
    }
}

/// File a list that a source gave as one value, when it is not empty.
pub(crate) fn file_list<T>(
    into: &mut Vec<Sourced<Vec<T>>>,
    path: &str,
    parsed: Parsed<Vec<T>>,
) -> Outcome {
    let records = parsed.value.len() as u64;
    push_nonempty(into, path, parsed.value);
    Outcome {
        records,
        warnings: parsed.warnings,
    }
}

pub(crate) fn file_one<T>(
    into: &mut Vec<Sourced<T>>,
    path: &str,
    parsed: Parsed<Option<T>>,
) -> Outcome {
    let records = u64::from(parsed.value.is_some());
    if let Some(value) = parsed.value {
        into.push(Sourced {
            path: path.to_string(),
            value,
        });
    }
    Outcome {
        records,
        warnings: parsed.warnings,
    }
}

pub(crate) fn file_many<T>(
    into: &mut Vec<Sourced<T>>,
    path: &str,
    parsed: Parsed<Vec<T>>,
) -> Outcome {
    let records = parsed.value.len() as u64;
    for value in parsed.value {
        into.push(Sourced {
            path: path.to_string(),
            value,
        });
    }
    Outcome {
        records,
        warnings: parsed.warnings,
    }
}

pub(crate) fn file_counted<T>(
    into: &mut Vec<Sourced<T>>,
    path: &str,
    parsed: Parsed<T>,
    records: u64,
) -> Outcome {
    if records > 0 {
        into.push(Sourced {
            path: path.to_string(),
            value: parsed.value,
        });
    }
    Outcome {
        records,
        warnings: parsed.warnings,
    }
}

pub(crate) fn file_kv(
    into: &mut Vec<Sourced<crate::facts::KeyValues>>,
    path: &str,
    parsed: Parsed<crate::facts::KeyValues>,
) -> Outcome {
    let n = parsed.value.entries.len() as u64;
    file_counted(into, path, parsed, n)
}

/// Build a [`Line`] from a line number and text (helper for parsers).
pub fn line(no: u32, text: &str) -> Line {
    Line::new(no, text)
}

/// A file of `tests/data` without the `# source:` / `# note:` header lines it carries.
#[cfg(test)]
pub(crate) fn test_data(rel: &str) -> String {
    let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Test support: real samples of `tests/data/` parsed into facts, as the pipeline would.
#[cfg(test)]
pub(crate) mod testing {
    use crate::facts::Facts;
    use crate::sources::SourceKind;

    /// The bytes of `tests/data/<name>`.
    pub fn data(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The text of `tests/data/<name>`.
    pub fn text(name: &str) -> String {
        String::from_utf8_lossy(&data(name)).into_owned()
    }

    /// The facts of `files`, each a bundle path, its kind and its bytes.
    pub fn facts_of(files: &[(&str, SourceKind, &[u8])]) -> Facts {
        let mut facts = Facts::default();
        for (path, kind, bytes) in files {
            super::parse_into(&mut facts, path, *kind, bytes);
        }
        facts
    }
}
