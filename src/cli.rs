//! The command-line definition. `--help`, the man page and the shell completions are all
//! generated from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  postmortem report sosreport-node1.tar.xz -o node1.html
  postmortem report bundle.zip --format md > ticket.md
  postmortem report bundle/ --format json -o report.json
  postmortem report failing.tar.xz --baseline healthy.tar.xz -o compared.html
  postmortem batch bundles/ -o fleet/ --jobs 4
  postmortem summarize reports/*.json -o fleet/
  postmortem report bundle.tar.gz --redact -o public.md
  postmortem report bundle.tar.gz --format kb -o kb/node-incident.md
  postmortem batch bundles/ -o fleet/ --kb kb/
  postmortem inspect bundle.tar.gz
  postmortem inspect bundle.tar.gz --facts | jq .kernel_logs
  postmortem timeline bundle.tar.gz --since 2018-01-23T12:00:00Z
  postmortem rules mm.external-fragmentation";

/// Turn a Linux support bundle into a postmortem report.
///
/// postmortem reads a support bundle (a sosreport, a collector tarball, a zip of pasted files or a
/// plain directory), recognises every file, parses it into typed facts, puts the events on one
/// clock, and explains what happened: symptom, mechanism, condition and contributing factors, each
/// backed by lines of the bundle, with recommendations ranked by risk. It works offline.
#[derive(Debug, Parser)]
#[command(name = "postmortem", version, about, long_about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse a bundle and write the postmortem report (Markdown, HTML or JSON).
    Report(ReportArgs),
    /// Analyse many bundles in parallel: a report each and a fleet summary.
    Batch(BatchArgs),
    /// Merge JSON reports (`report --format json`) into a fleet summary.
    Summarize(SummarizeArgs),
    /// List what the bundle holds: every entry, its kind, how it was recognised, parse warnings.
    Inspect(InspectArgs),
    /// Show the merged timeline of the bundle's events on one wall clock.
    Timeline(TimelineArgs),
    /// List the finding catalogue, or explain one finding id.
    Rules(RulesArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output.
    #[command(hide = true)]
    Man,
}

/// Limits on what a bundle may make postmortem read.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Most uncompressed bytes read from the bundle (suffixes K, M, G accepted).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "16G")]
    pub max_bytes: u64,
    /// Most entries (files, links, folders) read from the bundle.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub max_entries: u64,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The bundle: a directory, .tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2 or .zip.
    pub bundle: PathBuf,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report format; by default the extension of --output decides, else Markdown. `kb` writes
    /// a knowledge-base article draft, redacted as with --redact.
    #[arg(short, long, value_enum)]
    pub format: Option<FormatArg>,
    /// Exit with status 1 when a finding reaches this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Put the generation time into the report (reports are byte-identical without it).
    #[arg(long)]
    pub stamp: bool,
    /// A healthy node's bundle to compare with: the report gains a comparison section.
    #[arg(long, value_name = "BUNDLE")]
    pub baseline: Option<PathBuf>,
    /// Replace host names, IP and MAC addresses, container, service and network names and
    /// private registries with placeholders (host-1, ip-1, container-1), for a public write-up.
    /// Secrets are masked with or without it.
    #[arg(long)]
    pub redact: bool,
    /// A folder of knowledge-base articles (`--format kb` writes them): a report whose
    /// signature matches an article's names it as a known issue in its headline.
    #[arg(long, value_name = "DIR")]
    pub kb: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Bundles, or folders of bundles (each archive and sub-folder in it is one). A folder that
    /// holds `dmesg`, `proc/`, `sos_commands/`, `var/` and the like is itself one bundle.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The folder to write the reports and the summary into (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Bundles analysed at once; by default one per core, and never more than the bundles found
    /// or 64.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Put the generation time into the reports.
    #[arg(long)]
    pub stamp: bool,
    /// A folder of knowledge-base articles: each report names the article its signature
    /// matches, and the summary counts the bundles per article.
    #[arg(long, value_name = "DIR")]
    pub kb: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// JSON reports written by `postmortem report --format json`.
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// The folder to write `index.html`, `summary.json` and `summary.csv` into.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The bundle.
    pub bundle: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    /// Dump the typed facts parsed from the bundle (JSON).
    #[arg(long)]
    pub facts: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The bundle.
    pub bundle: PathBuf,
    /// Only events at or after this time (RFC 3339, e.g. 2018-01-23T12:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events at or before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A finding id to explain (`mm.external-fragmentation`).
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Md,
    Html,
    Json,
    /// A knowledge-base article (Title, Environment, Issue, Resolution, Root Cause, Diagnostic
    /// Steps) with the signature in its front matter; always redacted.
    Kb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Warning,
    Critical,
}

/// Parse `16G`, `512M`, `100000` into bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("unknown size suffix {c:?} (use K, M, G or T)")),
            };
            (&s[..i], mult)
        }
        _ => (s, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {s:?}"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size too large: {s:?}"))
}

/// Make composed output safe for a terminal: control characters other than the line breaks and
/// tabs the output is laid out with (ESC above all, and C1's `CSI`), and bidirectional controls
/// (which make a line read in another order than it is), are shown escaped, never passed
/// through. Bundle values inside it go through [`value`] first.
pub fn sanitize(s: &str) -> String {
    escape_controls(s, |c| c == '\n' || c == '\t')
}

/// One bundle value (an entry name, a host, a problem) for a line of terminal output: every
/// control character escaped, line breaks and tabs included, so a name holding `\n` cannot
/// print a line of its own that looks like postmortem's.
pub fn value(s: &str) -> String {
    escape_controls(s, |_| false)
}

fn escape_controls(s: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if keep(c) {
            out.push(c);
        } else if c.is_control() || postmortem::render::escape::is_c1_or_bidi(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Serialised JSON for standard output: C1 and bidirectional controls as `\uXXXX` escapes
/// (the same JSON value).
pub fn json(mut text: String) -> String {
    text.push('\n');
    postmortem::render::escape::json_escape_controls(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert!(parse_size("x").is_err());
        assert!(parse_size("5Q").is_err());
    }

    #[test]
    fn sanitize_escapes_terminal_controls() {
        assert_eq!(sanitize("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize("line\nnext"), "line\nnext");
        assert_eq!(sanitize("a\u{9b}31m\u{202e}b"), "a\\u{9b}31m\\u{202e}b");
        assert_eq!(
            value("x\npostmortem: warning: forged"),
            "x\\npostmortem: warning: forged"
        );
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
