//! The pipeline from a bundle path to a [`Report`]: read, detect, parse, align, analyse.
//!
//! This is the only module that knows every stage; each stage knows only the one before it.

use std::io::Read;
use std::path::Path;

use crate::analyze::{self, Context};
use crate::bundle::{self, BundleError, BundleSummary, EntryMeta, EntryVisitor, Limits};
use crate::facts::{Facts, SourceInfo, Warning};
use crate::parse;
use crate::redact;
use crate::report::{self, Report};
use crate::sources::{self, Detection, SourceKind};
use crate::timeline::{self, Timeline};

/// A bundle read and parsed.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub summary: BundleSummary,
    pub facts: Facts,
}

/// Read the bundle at `path` and parse every source in it.
pub fn load(path: &Path, limits: &Limits) -> Result<Loaded, BundleError> {
    let mut collector = Collector {
        facts: Facts::default(),
    };
    let summary = bundle::read_bundle(path, limits, &mut collector)?;
    let mut facts = collector.facts;
    if summary.container == bundle::Container::Directory {
        // A folder's file times say when it was unpacked, checked out or copied, not when it
        // was collected: they would make the same bundle give another report in another place.
        for s in &mut facts.sources {
            s.mtime = None;
        }
    }
    for link in &summary.links {
        if let Some(problem) = &link.problem {
            facts.sources.push(SourceInfo {
                path: link.path.clone(),
                size: 0,
                kind: SourceKind::Unknown,
                detection: Detection::None,
                records: 0,
                warnings: Vec::new(),
                problem: Some(format!("link to {}: {problem}", link.target)),
                mtime: None,
            });
        }
    }
    for p in &summary.problems {
        facts.sources.push(SourceInfo {
            path: p.path.clone(),
            size: 0,
            kind: SourceKind::Unknown,
            detection: Detection::None,
            records: 0,
            warnings: Vec::new(),
            problem: Some(p.problem.clone()),
            mtime: None,
        });
    }
    Ok(Loaded { summary, facts })
}

struct Collector {
    facts: Facts,
}

impl EntryVisitor for Collector {
    fn file(&mut self, meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()> {
        let mut bytes = Vec::with_capacity(usize::try_from(meta.size.min(1 << 20)).unwrap_or(0));
        let read = data.read_to_end(&mut bytes);
        let head = &bytes[..bytes.len().min(sources::SNIFF_BYTES)];
        let (kind, detection) = sources::detect(&meta.path, head);
        let mut info = SourceInfo {
            path: meta.path.clone(),
            size: bytes.len() as u64,
            kind,
            detection,
            records: 0,
            warnings: Vec::new(),
            problem: None,
            mtime: meta.mtime,
        };
        if let Err(e) = read {
            // A truncated entry: parse what arrived and say what is missing.
            info.problem = Some(format!("read only {} bytes: {e}", bytes.len()));
        }
        let outcome = parse::parse_into(&mut self.facts, &meta.path, kind, &bytes);
        info.records = outcome.records;
        info.warnings = outcome.warnings;
        self.facts.sources.push(info);
        Ok(())
    }
}

/// Options that change the report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Stamp the generation time into the report (breaks byte-identical output).
    pub stamp: Option<String>,
    /// Replace host names, addresses and container names with placeholders, for a report that
    /// is to be published. Secrets are masked whether or not this is set.
    pub redact: bool,
}

/// Build the report of a loaded bundle.
pub fn build_report(loaded: &Loaded, baseline: Option<&Loaded>, options: &ReportOptions) -> Report {
    let timeline = timeline::build(&loaded.facts);
    let ctx = Context {
        facts: &loaded.facts,
        timeline: &timeline,
        baseline: baseline.map(|b| &b.facts),
    };
    let analysis = analyze::analyze(&ctx);
    let comparison = baseline.map(|base| {
        // The baseline's own findings tell whether it is healthy enough to compare with.
        let base_timeline = timeline::build(&base.facts);
        let base_analysis = analyze::analyze(&Context {
            facts: &base.facts,
            timeline: &base_timeline,
            baseline: None,
        });
        analyze::compare::build(
            &loaded.facts,
            &base.facts,
            &base.summary.name,
            &base_analysis.findings,
        )
    });
    let report = Report {
        schema: report::SCHEMA,
        generator: report::Generator {
            name: "postmortem",
            version: env!("CARGO_PKG_VERSION"),
            generated_at: options.stamp.clone(),
        },
        bundle: bundle_info(loaded, &timeline),
        sources: source_entries(&loaded.facts),
        timeline: timeline.events.clone(),
        findings: analysis.findings,
        root_cause: analysis.root_cause,
        details: analysis.details,
        comparison,
    };
    let report = redact::mask_report(report);
    if options.redact {
        redact::redact_report(report, &redact::Known::from_facts(&loaded.facts))
    } else {
        report
    }
}

/// The `bundle` object of the report.
pub fn bundle_info(loaded: &Loaded, timeline: &Timeline) -> report::BundleInfo {
    let facts = &loaded.facts;
    let s = &loaded.summary;
    let layout = if facts
        .sources
        .iter()
        .any(|x| x.path.contains("sos_commands/"))
    {
        "sosreport"
    } else if facts.manifest.is_empty() {
        "plain"
    } else {
        "postmortem-collect"
    };
    let hostname = facts
        .hostname
        .first()
        .map(|h| h.value.text.trim().to_string())
        .or_else(|| facts.uname.iter().find_map(|u| u.value.hostname.clone()))
        .or_else(|| {
            facts
                .kernel_logs
                .iter()
                .find_map(|k| k.value.hostnames.first().cloned())
        });
    let kernel = facts
        .uname
        .first()
        .map(|u| u.value.release.clone())
        .or_else(|| {
            facts
                .kernel_logs
                .iter()
                .find_map(|k| k.value.kernel_release.clone())
        });
    let clock = &timeline.clock;
    let mut problems: Vec<String> = s
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.problem))
        .collect();
    problems.extend(s.links.iter().filter_map(|l| {
        l.problem
            .as_ref()
            .map(|p| format!("{} -> {}: {p}", l.path, l.target))
    }));
    report::BundleInfo {
        name: s.name.clone(),
        sha256: s.sha256.clone(),
        container: s.container.as_str().to_string(),
        layout: layout.to_string(),
        hostname,
        kernel,
        collected_at: clock.collected_at.map(rfc3339),
        clock: report::Clock {
            boot_time: clock.boot_time.map(rfc3339),
            method: clock.method.clone(),
            // Millisecond precision is all an anchor can honestly claim.
            uncertainty_s: clock.uncertainty_s.map(|u| (u * 1000.0).round() / 1000.0),
            timezone: Some(clock.zone_description.clone()),
            notes: clock.notes.clone(),
        },
        problems,
        path: None,
        redacted: false,
    }
}

/// The `sources` array of the report.
pub fn source_entries(facts: &Facts) -> Vec<report::SourceEntry> {
    facts
        .sources
        .iter()
        .map(|s| report::SourceEntry {
            path: s.path.clone(),
            kind: s.kind.as_str().to_string(),
            records: s.records,
            warnings: s.warnings.iter().map(Warning::to_string).collect(),
            detected_by: s.detection.as_str().to_string(),
            size: s.size,
            problem: s.problem.clone(),
        })
        .collect()
}

/// RFC 3339 in UTC with a `Z`, to the second unless sub-second precision exists.
pub fn rfc3339(t: jiff::Timestamp) -> String {
    if t.subsec_nanosecond() == 0 {
        t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}
