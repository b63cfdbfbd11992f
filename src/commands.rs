//! What each subcommand does, from validated arguments to bytes on stdout or in a file.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::CommandFactory;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use postmortem::batch;

use postmortem::bundle::Limits;
use postmortem::derive;
use postmortem::pipeline::{self, Loaded, ReportOptions};
use postmortem::redact;
use postmortem::render::{self, Format};
use postmortem::report::{self, Severity};
use postmortem::timeline;

use crate::cli::{self, Cli, Command, FormatArg, LimitArgs, ListFormat, SeverityArg};

pub fn run(args: Cli) -> Result<ExitCode> {
    match args.command {
        Command::Report(a) => report(a),
        Command::Batch(a) => batch(a),
        Command::Summarize(a) => summarize(a),
        Command::Inspect(a) => inspect(a),
        Command::Timeline(a) => timeline_cmd(a),
        Command::Rules(a) => rules(a),
        Command::Completions(a) => {
            let mut cmd = Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "postmortem", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            let mut out = Vec::new();
            man.render(&mut out)?;
            write_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn limits(a: &LimitArgs) -> Limits {
    Limits {
        max_total_bytes: a.max_bytes,
        max_entries: a.max_entries,
        ..Limits::default()
    }
}

/// Read and parse the bundle. A bundle with no entry at all is an error (there is nothing to
/// report on); every entry that could not be read is named on stderr, and the run goes on.
fn load(path: &Path, limits: &Limits) -> Result<Loaded> {
    let loaded = pipeline::load_with(path, limits, pipeline::Progress::Auto)?;
    if loaded.summary.entries == 0 {
        bail!(
            "{}: the bundle is empty: no entries to read",
            path.display()
        );
    }
    let mut stderr = std::io::stderr().lock();
    for source in &loaded.facts.sources {
        if let Some(problem) = &source.problem {
            // stderr may be closed; the problems are in the report too.
            let _ = writeln!(
                stderr,
                "postmortem: warning: {}: {}: {}",
                cli::value(&path.display().to_string()),
                cli::value(&source.path),
                cli::value(problem)
            );
        }
    }
    Ok(loaded)
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

fn report(a: cli::ReportArgs) -> Result<ExitCode> {
    let format = match (a.format, &a.output) {
        (Some(FormatArg::Md), _) => Format::Markdown,
        (Some(FormatArg::Html), _) => Format::Html,
        (Some(FormatArg::Json), _) => Format::Json,
        (Some(FormatArg::Kb), _) => Format::Kb,
        (None, Some(out)) => Format::from_extension(out).unwrap_or(Format::Markdown),
        (None, None) => Format::Markdown,
    };
    let kb = a.kb.as_deref().map(knowledge_base).transpose()?;
    let loaded = load(&a.bundle, &limits(&a.limits))?;
    let baseline = a
        .baseline
        .as_deref()
        .map(|b| load(b, &limits(&a.limits)).context("cannot read the baseline"))
        .transpose()?;
    let options = ReportOptions {
        stamp: a.stamp.then(jiff::Timestamp::now),
        // An article is for publishing: it is redacted whatever was asked.
        redact: a.redact || format == Format::Kb,
    };
    let mut report = pipeline::build_report(&loaded, baseline.as_ref(), &options);
    if let Some(kb) = &kb {
        postmortem::kb::annotate(&mut report, kb);
    }
    let text = render::render(&report, format)?;
    match &a.output {
        Some(out) => postmortem::output::write_atomic(out, text.as_bytes())
            .with_context(|| format!("cannot write {}", out.display()))?,
        None => write_stdout(text.as_bytes())?,
    }
    // The process ends here: its memory goes back whole. Freeing the facts piece by piece
    // (thousands of kept lines) would only delay the exit by milliseconds.
    std::mem::forget(loaded);
    std::mem::forget(baseline);
    if let Some(threshold) = a.fail_on {
        let threshold = match threshold {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Critical => Severity::Critical,
        };
        if report.findings.iter().any(|f| f.severity >= threshold) {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The knowledge base of `--kb DIR`; each article that cannot be read is a warning on stderr.
fn knowledge_base(dir: &Path) -> Result<postmortem::kb::KnowledgeBase> {
    let kb = postmortem::kb::load(dir)?;
    let mut stderr = std::io::stderr().lock();
    for w in &kb.warnings {
        // stderr may be closed; the article is skipped either way.
        let _ = writeln!(
            stderr,
            "postmortem: warning: knowledge base: {}",
            cli::value(w)
        );
    }
    Ok(kb)
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
fn progress(total: usize, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb =
        ProgressBar::with_draw_target(Some(total as u64), indicatif::ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(&format!(
        "{{bar:30}} {{pos}}/{{len}} {what} done, {{eta}} left"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style);
    pb
}

fn batch(a: cli::BatchArgs) -> Result<ExitCode> {
    let batch::Discovered { inputs, refused } = batch::discover(&a.inputs, Some(&a.output))?;
    if inputs.is_empty() && refused.is_empty() {
        bail!("no bundle found under the inputs");
    }
    let kb = a.kb.as_deref().map(knowledge_base).transpose()?;
    let options = batch::BatchOptions {
        kb: kb.unwrap_or_default(),
        out_dir: a.output.clone(),
        jobs: a.jobs.map(usize::from),
        limits: limits(&a.limits),
        report: ReportOptions {
            stamp: a.stamp.then(jiff::Timestamp::now),
            redact: false,
        },
    };
    let pb = progress(inputs.len(), "bundles");
    let mut rows = batch::run(&inputs, &options, &|| pb.inc(1))?;
    pb.finish_and_clear();
    rows.extend(
        refused
            .iter()
            .map(|s| batch::unreadable_row(&s.path, Some(&s.path), &s.reason)),
    );
    batch::write_summary(&a.output, &mut rows)?;
    let read = rows.iter().filter(|r| r.ok).count();
    let mut note = format!(
        "{read} of {} bundles analysed; summary in {}\n",
        rows.len(),
        a.output.join("index.html").display()
    );
    for (file, _, n) in batch::known_issue_counts_of(&rows) {
        note.push_str(&format!(
            "known issue {}: {n} bundle{}\n",
            cli::value(&file),
            if n == 1 { "" } else { "s" }
        ));
    }
    for r in rows.iter().filter(|r| !r.ok) {
        note.push_str(&format!(
            "unreadable: {}: {}\n",
            cli::value(r.path.as_deref().unwrap_or(&r.bundle)),
            cli::value(r.error.as_deref().unwrap_or(""))
        ));
    }
    eprint!("{}", cli::sanitize(&note));
    Ok(if read == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn summarize(a: cli::SummarizeArgs) -> Result<ExitCode> {
    fs::create_dir_all(&a.output)
        .with_context(|| format!("cannot create {}", a.output.display()))?;
    let (mut rows, skipped) = batch::read_reports(&a.reports, &a.output);
    let mut note = String::new();
    for s in &skipped {
        note.push_str(&format!(
            "skipped {}: {}\n",
            cli::value(&s.path),
            cli::value(&s.reason)
        ));
    }
    if rows.is_empty() {
        eprint!("{}", cli::sanitize(&note));
        bail!("no report among the inputs");
    }
    batch::write_summary(&a.output, &mut rows)?;
    let read = rows.iter().filter(|r| r.ok).count();
    note.push_str(&format!(
        "{read} of {} reports summarised; summary in {}\n",
        rows.len(),
        a.output.join("index.html").display()
    ));
    for r in rows.iter().filter(|r| !r.ok) {
        note.push_str(&format!(
            "not a report: {}: {}\n",
            cli::value(&r.bundle),
            cli::value(r.error.as_deref().unwrap_or(""))
        ));
    }
    eprint!("{}", cli::sanitize(&note));
    Ok(if read == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Widest the PATH column of `inspect` grows.
const MAX_PATH_COLUMN: usize = 100;

fn inspect(a: cli::InspectArgs) -> Result<ExitCode> {
    let loaded = load(&a.bundle, &limits(&a.limits))?;
    if a.facts {
        let s = cli::json(serde_json::to_string_pretty(&loaded.facts)?);
        write_stdout(s.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let derived = derive::derive(&loaded.facts);
    let tl = timeline::build(&loaded.facts, &derived);
    let bundle = pipeline::bundle_info(&loaded, &derived, &tl);
    let sources = pipeline::source_entries(&loaded.facts);
    match a.format {
        ListFormat::Json => {
            let v = serde_json::json!({ "bundle": bundle, "sources": sources });
            let s = cli::json(serde_json::to_string_pretty(&v)?);
            write_stdout(s.as_bytes())?;
        }
        ListFormat::Text => {
            let mut out = String::new();
            out.push_str(&format!(
                "bundle    {} ({}, layout {})\n",
                cli::value(&bundle.name),
                bundle.container,
                bundle.layout
            ));
            if let Some(h) = &bundle.hostname {
                out.push_str(&format!("host      {}\n", cli::value(h)));
            }
            if let Some(k) = &bundle.kernel {
                out.push_str(&format!("kernel    {}\n", cli::value(k)));
            }
            out.push_str(&format!("sources   {}\n\n", sources.len()));
            // A longer path overflows its column rather than widening every row (and a width
            // above `u16::MAX` is out of `format!`'s range).
            let width = sources
                .iter()
                .map(|s| s.path.chars().count())
                .max()
                .unwrap_or(4)
                .clamp(4, MAX_PATH_COLUMN);
            out.push_str(&format!(
                "{:<width$}  {:>10}  {:<17}  {:<8}  {:>7}\n",
                "PATH", "SIZE", "KIND", "BY", "RECORDS"
            ));
            for s in &sources {
                out.push_str(&format!(
                    "{:<width$}  {:>10}  {:<17}  {:<8}  {:>7}\n",
                    cli::value(&s.path),
                    s.size,
                    s.kind,
                    s.detected_by,
                    s.records
                ));
                if let Some(p) = &s.problem {
                    out.push_str(&format!("    problem: {}\n", cli::value(p)));
                }
                for w in &s.warnings {
                    out.push_str(&format!("    warning: {}\n", cli::value(w)));
                }
            }
            for p in &bundle.problems {
                out.push_str(&format!("problem: {}\n", cli::value(p)));
            }
            write_stdout(cli::sanitize(&out).as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_time(s: &str, flag: &str) -> Result<jiff::Timestamp> {
    s.parse::<jiff::Timestamp>().with_context(|| {
        format!("{flag} {s:?} is not an RFC 3339 time (e.g. 2018-01-23T12:00:00Z)")
    })
}

fn timeline_cmd(a: cli::TimelineArgs) -> Result<ExitCode> {
    let since = a
        .since
        .as_deref()
        .map(|s| parse_time(s, "--since"))
        .transpose()?;
    let until = a
        .until
        .as_deref()
        .map(|s| parse_time(s, "--until"))
        .transpose()?;
    let loaded = load(&a.bundle, &limits(&a.limits))?;
    let derived = derive::derive(&loaded.facts);
    let tl = timeline::build(&loaded.facts, &derived);
    let events: Vec<_> = tl
        .events
        .iter()
        .map(|e| {
            // Secrets are masked here as in reports.
            let mut e = e.clone();
            e.text = redact::mask_text(&e.text);
            e
        })
        .filter(|e| {
            match e.time {
                Some(t) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u),
                // Events with no wall-clock time are kept unless a window was asked for.
                None => since.is_none() && until.is_none(),
            }
        })
        .collect();
    match a.format {
        ListFormat::Json => {
            let bundle = pipeline::bundle_info(&loaded, &derived, &tl);
            let v = serde_json::json!({ "bundle": bundle, "timeline": events });
            let s = cli::json(serde_json::to_string_pretty(&v)?);
            write_stdout(s.as_bytes())?;
        }
        ListFormat::Text => {
            let mut out = format!(
                "clock: {} (boot {}, uncertainty {})\nzone:  {}\n\n",
                tl.clock.method,
                tl.clock
                    .boot_time
                    .map(report::rfc3339)
                    .unwrap_or_else(|| "unknown".into()),
                tl.clock
                    .uncertainty_s
                    .map(|u| format!("±{u:.3}s"))
                    .unwrap_or_else(|| "unknown".into()),
                cli::value(&tl.clock.zone_description)
            );
            for e in events {
                let when = match (e.time, e.uptime_s) {
                    (Some(t), _) => report::rfc3339(t),
                    (None, Some(u)) => format!("[{u:>14.6}]"),
                    (None, None) => "(time unknown)".to_string(),
                };
                let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
                out.push_str(&format!(
                    "{when:<27}  {:<8}  {:<16}  {}\n    {}{line}",
                    e.severity.as_str(),
                    e.kind,
                    cli::value(&e.text),
                    cli::value(&e.source)
                ));
                if let Some(r) = &e.repeat {
                    out.push_str(&format!(" (x{})", r.count));
                }
                for c in &e.also_in {
                    let l = c.line.map(|l| format!(":{l}")).unwrap_or_default();
                    out.push_str(&format!(", {}{l}", cli::value(&c.source)));
                }
                out.push('\n');
            }
            write_stdout(cli::sanitize(&out).as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn rules(a: cli::RulesArgs) -> Result<ExitCode> {
    use postmortem::analyze::{rule, RULES};
    match a.id {
        Some(id) => match rule(&id) {
            Some(r) => write_stdout(r.doc().as_bytes())?,
            None => bail!("no finding id {id:?}; `postmortem rules` lists them"),
        },
        None => {
            let mut out = String::new();
            for r in RULES {
                out.push_str(&format!(
                    "{:<34} {:<12} {}\n",
                    r.id(),
                    r.role().as_str(),
                    r.summary()
                ));
            }
            write_stdout(out.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
