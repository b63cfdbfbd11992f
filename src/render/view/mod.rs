//! The view model: what the Markdown and HTML templates need, derived from a [`Report`] and
//! precomputed (sizes as `256 KiB`, times in UTC, anchors, the ranked recommendations, chart
//! geometry), so the templates only lay it out.
//!
//! Bundle text keeps its content here (control characters made visible); escaping is the
//! templates' job: filters in Markdown, autoescape in HTML. Prose postmortem wrote carries its
//! Markdown source and a safe HTML rendering side by side ([`Prose`]).

use std::cmp::Reverse;

use serde::Serialize;

use super::escape::{markdown_inline_to_safe_html, markdown_to_safe_html, md_text, visible};
use super::svg::{BarChart, Series};
use crate::report::{Report, Severity, ZoneState};
use crate::units;

pub mod compare;
mod format;
mod model;
mod parts;

pub use format::format_time;
pub use model::*;

use format::*;
use parts::*;

/// Markdown written by postmortem, and the same as HTML that cannot carry markup.
#[derive(Debug, Clone, Serialize)]
pub struct Prose {
    pub md: String,
    pub html: String,
}

impl Prose {
    fn block(markdown: &str) -> Prose {
        Prose {
            md: markdown.to_string(),
            html: markdown_to_safe_html(markdown),
        }
    }
    fn inline(markdown: &str) -> Prose {
        Prose {
            md: markdown.to_string(),
            html: markdown_inline_to_safe_html(markdown),
        }
    }
    /// Plain text (a finding title): escaped whole, never markup.
    fn plain(text: &str) -> Prose {
        Prose::inline(&md_text(text))
    }
}

/// The headline of a bundle in which nothing failed.
pub const NO_FAILURE: &str = "No failure found in this bundle.";

/// The view of a report.
pub fn build(report: &Report) -> View {
    let bundle = &report.bundle;
    let host_known = bundle.hostname.is_some();
    let host = visible(bundle.hostname.as_deref().unwrap_or(&bundle.name));

    let by_id = |id: &str| report.findings.iter().find(|f| f.id == id);
    let chain_ids: Vec<&str> = report
        .root_cause
        .as_ref()
        .map(|rc| rc.chain.iter().map(String::as_str).collect())
        .unwrap_or_default();
    // Chain members by position, so two findings sharing an id (two containers that failed)
    // stay two findings.
    let mut in_chain = vec![false; report.findings.len()];
    let mut chain_order = Vec::new();
    for id in &chain_ids {
        if let Some(i) =
            (0..report.findings.len()).find(|&i| !in_chain[i] && report.findings[i].id == *id)
        {
            in_chain[i] = true;
            chain_order.push(i);
        }
    }
    let mut other_order: Vec<usize> = (0..report.findings.len())
        .filter(|&i| !in_chain[i])
        .collect();
    other_order.sort_by_key(|&i| {
        let f = &report.findings[i];
        (Reverse(f.severity), f.role, i)
    });
    // Anchors are the finding ids; a repeated id gets `-2`, `-3`... so element ids stay unique.
    let mut anchors: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut view_of = |i: usize, step: usize| {
        let f = &report.findings[i];
        let mut v = finding_view(f, step);
        let seen = anchors.entry(f.id.as_str()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            v.anchor = format!("{}-{}", f.id, seen);
        }
        v
    };
    let chain: Vec<FindingView> = chain_order
        .iter()
        .enumerate()
        .map(|(n, &i)| view_of(i, n + 1))
        .collect();
    let others: Vec<FindingView> = other_order.iter().map(|&i| view_of(i, 0)).collect();

    // The top finding: the verdict when there is one, else the most severe and confident.
    let top = report
        .root_cause
        .as_ref()
        .and_then(|rc| by_id(&rc.verdict))
        .or_else(|| {
            report
                .findings
                .iter()
                .min_by_key(|f| (Reverse(f.severity), Reverse(f.confidence), f.role))
        });
    let failed = crate::analyze::root_cause::shows_failure(&report.findings);
    let verdict_md = match (&report.root_cause, top) {
        (Some(rc), _) if !rc.summary.trim().is_empty() => first_sentence(&rc.summary).to_string(),
        (_, Some(f)) if failed => md_text(&f.title),
        _ => NO_FAILURE.to_string(),
    };
    // A known issue names its article first; the title and file are the knowledge base's text,
    // escaped like any text postmortem did not write.
    let verdict_md = match report
        .known_issue
        .as_ref()
        .filter(|k| k.matched != "family")
    {
        Some(k) => format!(
            "Known issue: {} ({}). {verdict_md}",
            md_text(&k.title),
            super::escape::md_span(&k.file)
        ),
        None => verdict_md,
    };
    let severity = report
        .findings
        .iter()
        .map(|f| f.severity)
        .max()
        .map(Severity::as_str)
        .unwrap_or("none")
        .to_string();

    // When: the first critical event, else the first event with any clock.
    let failure_event = report
        .timeline
        .iter()
        .find(|e| e.severity == Severity::Critical && (e.time.is_some() || e.uptime_s.is_some()))
        .or_else(|| {
            report
                .timeline
                .iter()
                .find(|e| e.time.is_some() || e.uptime_s.is_some())
        });
    let clock = &bundle.clock;
    let uncertainty = clock
        .uncertainty_s
        .filter(|u| u.is_finite())
        .map(|u| format!("±{} s", trim_float(u)));
    let when = match failure_event {
        Some(e) if e.time.is_some() => When {
            at: e.time.map(|t| format_time(t, false)).unwrap_or_default(),
            how: match &uncertainty {
                Some(u) => format!("clock: {}, {u}", visible(&clock.method)),
                None => format!("clock: {}", visible(&clock.method)),
            },
        },
        Some(e) => When {
            at: event_time(None, e.uptime_s),
            how: format!("wall clock unknown (clock: {})", visible(&clock.method)),
        },
        None => When {
            at: "unknown".into(),
            how: "no dated event in the bundle".into(),
        },
    };

    let recommendations = ranked_recommendations(report);
    let top_actions = headline_actions(report, &recommendations);

    let at_failure: Vec<&ZoneState> = report
        .details
        .zones
        .iter()
        .filter(|z| z.moment == "failure")
        .collect();
    let at_collection: Vec<&ZoneState> = report
        .details
        .zones
        .iter()
        .filter(|z| z.moment != "failure")
        .collect();
    let requested = report.details.requested_order;
    let chart_for = |zones: &[&ZoneState], moment: &str, title: &str| {
        let names: Vec<String> = zones
            .iter()
            .map(|z| format!("Node {} {}", z.node, visible(&z.zone)))
            .collect();
        let series: Vec<Series<'_>> = zones
            .iter()
            .zip(&names)
            .map(|(z, name)| Series {
                name,
                counts: &z.free_blocks,
            })
            .collect();
        BarChart::free_blocks(moment, title, &series, requested)
    };
    let mut free_charts = Vec::new();
    free_charts.extend(chart_for(
        &at_failure,
        "failure",
        "Free blocks per order at the failure",
    ));
    free_charts.extend(chart_for(
        &at_collection,
        "collection",
        "Free blocks per order at collection",
    ));

    let (memory, memory_chart) = memory_view(report);
    let details = &report.details;
    let slab = (!details.slab_top.is_empty()
        || details.slab_total_bytes.is_some()
        || details.slab_reclaimable_bytes.is_some())
    .then(|| SlabView {
        rows: details
            .slab_top
            .iter()
            .map(|s| SlabRowView {
                name: visible(&s.name),
                size: units::bytes(s.bytes),
                objects: format_count(s.objects),
                object_size: units::bytes(s.object_size),
                per_instance: s.per_instance,
            })
            .collect(),
        total: details.slab_total_bytes.map(units::bytes),
        reclaimable: details.slab_reclaimable_bytes.map(units::bytes),
    });

    let mut sources: Vec<&crate::report::SourceEntry> = report.sources.iter().collect();
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    let warnings = sources
        .iter()
        .flat_map(|s| {
            s.warnings.iter().map(|w| WarningView {
                path: visible(&s.path),
                message: visible(w).replace('\n', " "),
            })
        })
        .collect();

    View {
        host,
        host_known,
        kernel: bundle.kernel.as_deref().map(visible),
        bundle: BundleView {
            name: visible(&bundle.name),
            sha256: bundle.sha256.clone(),
            container: visible(&bundle.container),
            layout: visible(&bundle.layout),
            collected_at: bundle.collected_at.map(|t| format_time(t, false)),
            redacted: bundle.redacted,
        },
        generator: GeneratorView {
            name: report.generator.name.to_string(),
            version: report.generator.version.to_string(),
            generated_at: report.generator.generated_at.map(|t| format_time(t, false)),
        },
        verdict: Prose::inline(&verdict_md),
        severity,
        when,
        clock: ClockView {
            method: Prose::inline(&clock.method),
            boot_time: clock.boot_time.map(|t| format_time(t, true)),
            uncertainty,
            timezone: clock.timezone.as_deref().map(Prose::inline),
            notes: clock.notes.iter().map(|n| Prose::inline(n)).collect(),
        },
        top_actions,
        summary: report
            .root_cause
            .as_ref()
            .filter(|rc| !rc.summary.trim().is_empty())
            .map(|rc| Prose::block(&rc.summary)),
        also: report
            .root_cause
            .iter()
            .flat_map(|rc| &rc.also)
            .map(|a| AlsoView {
                summary: Prose::inline(&a.summary),
                actions: a
                    .recommendations
                    .iter()
                    .map(|r| rec_view(r, &a.lead))
                    .collect(),
            })
            .collect(),
        verdict_id: report.root_cause.as_ref().map(|rc| rc.verdict.clone()),
        chain,
        others,
        timeline: report.timeline.iter().map(event_view).collect(),
        requested_order: requested,
        zones_failure: zone_table(&at_failure, "failure", requested),
        zones_collection: zone_table(&at_collection, "collection", requested),
        memory,
        slab,
        containers: details.containers.iter().map(container_view).collect(),
        recommendations,
        gaps: details.gaps.iter().map(|g| Prose::inline(g)).collect(),
        state: if failed {
            Vec::new()
        } else {
            // A node heading for a known issue says so before its risks.
            let heading_for = report
                .known_issue
                .as_ref()
                .filter(|k| k.matched == "family")
                .map(|k| {
                    format!(
                        "Heading for a known issue, \u{201c}{}\u{201d} ({}): its risks are the \
                         state the nodes of that issue were in when it happened.",
                        md_text(&k.title),
                        super::escape::md_span(&k.file)
                    )
                });
            heading_for
                .iter()
                .chain(&details.state)
                .map(|s| Prose::inline(s))
                .collect()
        },
        sources: sources
            .iter()
            .map(|s| SourceView {
                path: visible(&s.path),
                kind: visible(&s.kind),
                detected_by: visible(&s.detected_by),
                records: s.records,
                size: units::bytes(s.size),
                problem: s.problem.as_deref().map(|p| visible(p).replace('\n', " ")),
                warnings: s.warnings.len(),
            })
            .collect(),
        warnings,
        problems: bundle
            .problems
            .iter()
            .map(|p| visible(p).replace('\n', " "))
            .collect(),
        charts: Charts {
            free_blocks: free_charts,
            memory: memory_chart,
            timeline: timeline_strip(report),
        },
        comparison: report
            .comparison
            .as_ref()
            .map(|c| compare::build(c, requested)),
        signature: report.signature.as_ref().map(|s| {
            let segments = |text: &str| -> Vec<String> {
                text.split(crate::analyze::signature::SEPARATOR)
                    .map(visible)
                    .collect()
            };
            SignatureView {
                key: visible(&s.key),
                family: visible(&s.family),
                key_segments: segments(&s.key),
                family_segments: segments(&s.family),
                kind: s.kind.as_str(),
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(
            format_time(t("2018-01-23T20:10:18.239907+08:00"), true),
            "2018-01-23 12:10:18.239 UTC"
        );
        assert_eq!(
            format_time(t("2018-01-23T12:10:18.239907Z"), false),
            "2018-01-23 12:10:18 UTC"
        );
    }

    #[test]
    fn first_sentence_skips_code_spans() {
        assert_eq!(
            first_sentence("Order `6. x` failed. Then more."),
            "Order `6. x` failed."
        );
        assert_eq!(first_sentence("One only"), "One only");
    }

    #[test]
    fn limits_read_as_docker_means_them() {
        assert_eq!(format_limit(Some(268_435_456)), "256 MiB");
        assert_eq!(format_limit(Some(0)), "unlimited");
        assert_eq!(format_limit(Some(-1)), "unlimited");
        assert_eq!(format_limit(None), "not set");
    }

    #[test]
    fn repeated_finding_ids_stay_two_findings_with_unique_anchors() {
        let mut report = crate::render::fixture::seed();
        let mut second = report
            .findings
            .iter()
            .find(|f| f.id == "container.start-failure")
            .cloned()
            .expect("symptom");
        second.title = "Container `api` failed to start".into();
        report.findings.push(second);
        let view = build(&report);
        assert_eq!(view.chain.len(), 6);
        let repeated: Vec<&str> = view
            .chain
            .iter()
            .chain(&view.others)
            .filter(|f| f.id == "container.start-failure")
            .map(|f| f.anchor.as_str())
            .collect();
        assert_eq!(
            repeated,
            ["container.start-failure", "container.start-failure-2"]
        );
    }

    #[test]
    fn verdict_falls_back_to_the_top_finding() {
        let mut report = crate::render::fixture::seed();
        report.root_cause = None;
        let view = build(&report);
        assert!(view.chain.is_empty());
        // Critical and high confidence first, then the role closest to the symptom.
        assert_eq!(
            view.verdict.md,
            "Container web failed to start: runc could not unshare namespaces"
        );
        assert_eq!(view.others[0].id, "container.start-failure");
        assert_eq!(view.severity, "critical");
    }

    #[test]
    fn indices_keep_three_decimals() {
        assert_eq!(format_index(-1.0), "-1");
        assert_eq!(format_index(0.922), "0.922");
        assert_eq!(format_index(f64::NAN), "");
    }
}
