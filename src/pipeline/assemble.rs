//! Report assembly: from a loaded bundle (and a baseline) to the [`Report`], every stage after
//! parsing in order: derived facts, timeline, analysis, comparison, then masking and redaction.

use super::Loaded;
use crate::analyze::{self, Context};
use crate::derive::Derived;
use crate::facts::{Facts, Warning};
use crate::redact;
use crate::report::{self, Report};
use crate::timeline::{self, Timeline};

/// Options that change the report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Stamp the generation time into the report (breaks byte-identical output).
    pub stamp: Option<jiff::Timestamp>,
    /// Replace host names, addresses and container names with placeholders, for a report that
    /// is to be published. Secrets are masked whether or not this is set.
    pub redact: bool,
}

/// Build the report of a loaded bundle.
pub fn build_report(loaded: &Loaded, baseline: Option<&Loaded>, options: &ReportOptions) -> Report {
    // Derived once, read by the timeline, every rule, the comparison and the bundle object.
    let ctx = Context::new(&loaded.facts, baseline.map(|b| &b.facts));
    let timeline = timeline::build(&loaded.facts, &ctx.derived);
    let analysis = analyze::analyze(&ctx);
    let comparison = baseline.map(|base| {
        // The baseline's own findings tell whether it is healthy enough to compare with.
        let base_ctx = Context::new(&base.facts, None);
        let base_analysis = analyze::analyze(&base_ctx);
        analyze::compare::build(
            &ctx.derived,
            &base_ctx.derived,
            &base.summary.name,
            &base_analysis.findings,
        )
    });
    let report = Report {
        schema: report::SCHEMA,
        generator: report::Generator {
            name: "postmortem",
            version: env!("CARGO_PKG_VERSION"),
            generated_at: options.stamp,
        },
        bundle: bundle_info(loaded, &ctx.derived, &timeline),
        sources: source_entries(&loaded.facts),
        timeline: timeline.events.clone(),
        findings: analysis.findings,
        root_cause: analysis.root_cause,
        details: analysis.details,
        comparison,
        signature: analysis.signature,
        known_issue: None,
    };
    let report = redact::mask_report(report);
    if options.redact {
        redact::redact_report(report, &redact::Known::from_facts(&loaded.facts))
    } else {
        report
    }
}

/// The `bundle` object of the report.
pub fn bundle_info(
    loaded: &Loaded,
    derived: &Derived<'_>,
    timeline: &Timeline,
) -> report::BundleInfo {
    let s = &loaded.summary;
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
        layout: derived.layout.as_str().to_string(),
        hostname: derived.host.as_ref().map(|h| h.name.clone()),
        kernel: derived.kernel.as_ref().map(|k| k.version.release.clone()),
        collected_at: clock.collected_at,
        clock: report::Clock {
            boot_time: clock.boot_time,
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
