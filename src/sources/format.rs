//! Format descriptors: what the pipeline knows of one format, in one value beside its parser.
//!
//! A [`Format`] names its [`SourceKind`], the paths it is found at in each bundle layout (as
//! data: [`Paths`]), a strict content sniffer and its parse function. Detection asks every
//! descriptor of the registry (`parse::FORMATS`); nothing else lists formats.
//!
//! Path patterns are matched against the last components of an entry's path, case-insensitively,
//! with a compression suffix removed from the file name (`messages-20180123.gz`). In a pattern:
//! - a component without `*` is the name itself, or the name with a neutral extension (`free.txt`
//!   for `free`, `dmesg.log` for `dmesg`);
//! - a component ending in its only `*` is a word followed by a separator (`free*` is `free`,
//!   `free_-m`, `free-mh.txt`, not `freeze.log`);
//! - any other `*` stands for any run of characters (`*inspect*.json`);
//! - a `**` component stands for any number of components, none included
//!   (`sys/fs/cgroup/**/memory.max`).
//!
//! A pattern of one component names a file wherever it is (a plain folder, a ticket's
//! attachments), except inside a copy of the host's file system (`sys/`, `proc/`, `usr/`,
//! `etc/`, ...): there a file is what its location says, and `free_hugepages` or
//! `syslog.socket` are nothing we read.

use super::sniff::{Head, Strength};
use super::SourceKind;
use crate::facts::Facts;
use crate::parse::{LineParser, Outcome};

/// One format: how it is recognised and how it is read.
pub struct Format {
    pub kind: SourceKind,
    pub paths: Paths,
    /// What the first bytes say of this format; `None` for a format only a path can name (a
    /// host name is one word, like many files).
    pub sniff: Option<fn(&Head<'_>) -> Option<Strength>>,
    pub parse: Parse,
}

/// Where a format is found, per bundle layout (`docs/bundle-layout.md`).
pub struct Paths {
    /// sosreport locations: `sos_commands/<plugin>/<command with flags>` and copied files.
    pub sosreport: &'static [&'static str],
    /// The postmortem collector's own names (`collect/postmortem-collect.sh`).
    pub collector: &'static [&'static str],
    /// SUSE supportconfig section labels: a file path (`/proc/meminfo`) or a command
    /// (`free*`, matched on the program's name and its arguments).
    pub supportconfig: &'static [&'static str],
    /// File names anywhere outside a copied file system: a folder of pasted files.
    pub plain: &'static [&'static str],
}

/// How a format is read.
pub enum Parse {
    /// Read whole (small tables and command output): the parse files facts and says what it gave.
    Whole(fn(&mut Facts, &str, &[u8]) -> Outcome),
    /// Read a line at a time (logs, which can be GBs).
    Lines(fn() -> LineParser),
}

/// Compression suffixes a log rotation or a collector adds to a file name.
const COMPRESSION_SUFFIXES: &[&str] = &[".gz", ".xz", ".bz2", ".zst", ".lz4", ".z"];

/// Extensions that say nothing about the content (`free.txt`, `dmesg.log`).
const NEUTRAL_EXTENSIONS: &[&str] = &[".txt", ".log", ".out", ".text"];

/// Top folders of a copy of the host's file system, as sosreport and the collector make one.
const SYSTEM_TREES: &[&str] = &["sys", "proc", "usr", "etc", "lib", "dev", "run", "boot"];

/// How well a path matched: more components, then more literal characters, is more precise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Precision {
    components: usize,
    literal: usize,
}

/// An entry's path, split once for every pattern.
pub(crate) struct EntryPath {
    comps: Vec<String>,
    /// Whether a directory above the file is a system tree's top folder.
    in_system_tree: bool,
}

impl EntryPath {
    /// Whether the file is inside a copy of the host's file system.
    pub(crate) fn in_system_tree(&self) -> bool {
        self.in_system_tree
    }

    pub(crate) fn new(path: &str) -> EntryPath {
        let lowered = path.replace('\\', "/").to_lowercase();
        let mut comps: Vec<String> = lowered
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect();
        if let Some(last) = comps.last_mut() {
            let stripped = strip_suffix(last, COMPRESSION_SUFFIXES).to_string();
            *last = stripped;
        }
        let dirs = comps.len().saturating_sub(1);
        let in_system_tree = comps
            .iter()
            .take(dirs)
            .any(|c| SYSTEM_TREES.contains(&c.as_str()));
        EntryPath {
            comps,
            in_system_tree,
        }
    }

    /// `above/**/below`: `below` names the last components, and `above` a run of components
    /// anywhere before them (`sys/fs/cgroup/**/memory.max` is a `memory.max` at any depth of a
    /// cgroup file system).
    fn matches_below(&self, above: &str, below: &str) -> Option<Precision> {
        let tail = self.matches_tail(below)?;
        let above: Vec<&str> = above.split('/').filter(|p| !p.is_empty()).collect();
        let before = self
            .comps
            .get(..self.comps.len().checked_sub(tail.components)?)?;
        let found = before.windows(above.len().max(1)).any(|run| {
            run.iter()
                .zip(&above)
                .all(|(comp, part)| component_matches(part, comp, false))
        });
        found.then(|| Precision {
            components: tail.components + above.len(),
            literal: tail.literal + above.iter().map(|p| p.len()).sum::<usize>(),
        })
    }

    /// How precisely `pattern` names this path, if it does.
    pub(crate) fn matches(&self, pattern: &str) -> Option<Precision> {
        if let Some((above, below)) = pattern.split_once("/**/") {
            return self.matches_below(above, below);
        }
        let precision = self.matches_tail(pattern)?;
        if precision.components == 1 && self.in_system_tree {
            return None;
        }
        Some(precision)
    }

    /// How precisely `pattern`, without `**`, names the last components of this path.
    fn matches_tail(&self, pattern: &str) -> Option<Precision> {
        let mut parts = pattern.rsplit('/').filter(|p| !p.is_empty()).peekable();
        parts.peek()?;
        let mut comps = self.comps.iter().rev();
        let mut precision = Precision {
            components: 0,
            literal: 0,
        };
        for part in parts {
            let comp = comps.next()?;
            if !component_matches(part, comp, precision.components == 0) {
                return None;
            }
            precision.components += 1;
            precision.literal += part.bytes().filter(|&b| b != b'*').count();
        }
        Some(precision)
    }
}

/// Whether one pattern component matches one path component.
fn component_matches(part: &str, comp: &str, is_file: bool) -> bool {
    if part == "*" {
        return true;
    }
    let stars = part.matches('*').count();
    if stars == 0 {
        return comp == part || (is_file && strip_suffix(comp, NEUTRAL_EXTENSIONS) == part);
    }
    if stars == 1 {
        if let Some(word) = part.strip_suffix('*') {
            return starts_with_word(comp, word);
        }
    }
    glob(part.as_bytes(), comp.as_bytes())
}

/// `*` for any run of bytes, everything else literal.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob(rest, text.get(i..).unwrap_or(&[]))),
        Some((&c, rest)) => match text.split_first() {
            Some((&t, text_rest)) if t == c => glob(rest, text_rest),
            _ => false,
        },
    }
}

/// Whether `name` is `word` itself or `word` followed by a separator (`free`, `free.txt`,
/// `free-mh.txt`, `free_-m`, `free -k`), so that `freeze.log` is not `free`.
pub(crate) fn starts_with_word(name: &str, word: &str) -> bool {
    match name.strip_prefix(word) {
        Some("") => true,
        Some(rest) => rest.starts_with(['.', '-', '_', ' ', '@', '+']),
        None => false,
    }
}

fn strip_suffix<'a>(name: &'a str, suffixes: &[&str]) -> &'a str {
    for suffix in suffixes {
        if let Some(stripped) = name.strip_suffix(suffix) {
            if !stripped.is_empty() {
                return stripped;
            }
        }
    }
    name
}

/// Whether a supportconfig section label names this format: a file label (`/proc/meminfo`,
/// `/var/log/messages - Last 2500 Lines`) against the path patterns, a command label
/// (`/usr/bin/free -k`) by its program's name and arguments.
pub(crate) fn label_matches(pattern: &str, label: &str, command: bool) -> Option<Precision> {
    let label = label.trim();
    if let Some(path_pattern) = pattern.strip_prefix('/') {
        if command {
            return None;
        }
        let file = label.split(" - ").next().unwrap_or(label).trim();
        if !file.starts_with('/') || file.contains(' ') {
            return None;
        }
        return EntryPath::new(file).matches(path_pattern);
    }
    if !command {
        return None;
    }
    let command = label.split('|').next().unwrap_or("").trim();
    let (program, args) = command.split_once(' ').unwrap_or((command, ""));
    let program = program.rsplit('/').next().unwrap_or(program);
    let spoken = format!("{program} {}", args.trim()).trim().to_lowercase();
    component_matches(pattern, &spoken, false).then(|| Precision {
        components: 1,
        literal: pattern.chars().filter(|&c| c != '*').count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_words() {
        let p = EntryPath::new("sosreport-n/sos_commands/memory/free_-m");
        assert!(p.matches("sos_commands/memory/free*").is_some());
        assert!(p.matches("free*").is_some());
        assert!(p.matches("memory/free").is_none());
        let p = EntryPath::new("case/Free-MH.TXT");
        assert!(p.matches("free*").is_some());
        assert!(EntryPath::new("freeze.log").matches("free*").is_none());
        assert!(EntryPath::new("dmesg.txt").matches("dmesg").is_some());
        assert!(EntryPath::new("var/log/messages-20180123.gz")
            .matches("var/log/messages*")
            .is_some());
        assert!(EntryPath::new("web-inspect.json")
            .matches("*inspect*.json")
            .is_some());
    }

    #[test]
    fn a_double_star_is_any_depth() {
        let pattern = "sys/fs/cgroup/**/memory.max";
        let deep = EntryPath::new("sos/sys/fs/cgroup/kubepods.slice/a.slice/b.scope/memory.max");
        assert!(deep.matches(pattern).is_some());
        assert!(EntryPath::new("sys/fs/cgroup/memory.max")
            .matches(pattern)
            .is_some());
        assert!(EntryPath::new("sys/fs/memory.max")
            .matches(pattern)
            .is_none());
        assert!(EntryPath::new("sys/fs/cgroup/a/memory.maxx")
            .matches(pattern)
            .is_none());
        let general = deep.matches("memory.max");
        assert!(general.is_none() && deep.matches(pattern) > deep.matches("*/memory.max"));
    }

    #[test]
    fn plain_names_do_not_reach_into_a_copied_file_system() {
        let hugepages =
            EntryPath::new("sos/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
        assert!(hugepages.matches("free*").is_none());
        let socket = EntryPath::new("sos/usr/lib/systemd/system/syslog.socket");
        assert!(socket.matches("syslog*").is_none());
        assert!(EntryPath::new("sos/proc/meminfo")
            .matches("proc/meminfo")
            .is_some());
    }

    #[test]
    fn more_components_are_more_precise() {
        let p = EntryPath::new("sos/sos_commands/docker/journalctl_--no-pager_--unit_docker");
        let general = p.matches("sos_commands/*/journalctl*");
        let daemon = p.matches("sos_commands/docker/journalctl*");
        assert!(general.is_some() && daemon > general);
    }

    #[test]
    fn supportconfig_labels() {
        assert!(label_matches("/proc/meminfo", "/proc/meminfo", false).is_some());
        assert!(label_matches("free*", "/usr/bin/free -k", true).is_some());
        let sysctl = "/sbin/sysctl -a 2>/dev/null | grep ^vm";
        assert!(label_matches("sysctl*", sysctl, true).is_some());
        let messages = "/var/log/messages - Last 2500 Lines";
        assert!(label_matches("/var/log/messages*", messages, false).is_some());
        assert!(label_matches("/proc/vmstat", "/usr/bin/vmstat 1 4", true).is_none());
        assert!(label_matches("free*", "/proc/free", false).is_none());
    }
}
