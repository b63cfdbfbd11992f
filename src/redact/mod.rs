//! Keeping secrets and identities out of reports.
//!
//! Reports are attached to tickets and reused in write-ups, so bundle text is cleaned on its way
//! into them, in two strengths:
//!
//! - [`mask_report`], always: passwords, tokens and keys in command lines and log text become
//!   `***`, their keys kept ([`secrets`]). Environment variable values never reach a report,
//!   but for the runtime sizing variables of [`mod@sizing_env`] (`JAVA_OPTS`, `GOMEMLIMIT`, ...),
//!   kept masked: the inspect parsers keep only the names of the others.
//! - [`redact_report`], with `--redact`: host names, addresses, container, service and network
//!   names and private registries become stable placeholders (`host-1`, `ip-2`, `container-1`),
//!   so the report can be published ([`identities`]).
//!
//! Both take a finished [`Report`] and return one, touching every string that can carry bundle
//! text. An evidence line changed by either is marked [`Evidence::masked`](crate::report::Evidence):
//! it is no longer the verbatim text at its `path:line`.

pub mod identities;
pub mod secrets;
pub mod sizing_env;

use std::collections::BTreeMap;

pub use identities::{Anonymizer, Known};
pub use secrets::{mask_args, mask_text, MASK};
pub use sizing_env::{sizing_env, SIZING_ENV};

use crate::report::{
    BaselineInfo, BundleInfo, Citation, Clock, ComparedValue, Comparison, ContainerRow, Details,
    Evidence, Finding, MemoryComposition, OtherIncident, Recommendation, Report, RootCause,
    SlabComparison, SlabRow, SourceEntry, TimelineEvent, ZoneState,
};

/// Mask every secret in the report's bundle text.
pub fn mask_report(mut report: Report) -> Report {
    walk(&mut report, &mut |s: &mut String| {
        let masked = mask_text(s);
        if masked != *s {
            *s = masked;
        }
    });
    report
}

/// Replace identifying values with placeholders, numbered in the order the walk meets them, and
/// mark the report redacted.
pub fn redact_report(mut report: Report, known: &Known) -> Report {
    // The report's own names count even if the facts given missed them.
    let mut known = known.clone();
    known.hosts.extend(report.bundle.hostname.clone());
    for c in &report.details.containers {
        known.containers.push(c.name.clone());
        known.images.extend(c.image.clone());
    }
    if let Some(c) = &report.comparison {
        known.hosts.extend(c.baseline.hostname.clone());
    }
    let mut anonymizer = Anonymizer::new(&known);
    walk(&mut report, &mut |s: &mut String| {
        let replaced = anonymizer.anonymize(s);
        if replaced != *s {
            *s = replaced;
        }
    });
    report.bundle.redacted = true;
    report
}

fn recommendation(r: &mut Recommendation, f: &mut dyn FnMut(&mut String)) {
    let Recommendation {
        action,
        command,
        risk: _,
        when,
        topic: _,
    } = r;
    f(action);
    opt(command, f);
    f(when);
}

fn citation(c: &mut Citation, f: &mut dyn FnMut(&mut String)) {
    let Citation { source, line: _ } = c;
    f(source);
}

fn compared(v: &mut ComparedValue, f: &mut dyn FnMut(&mut String)) {
    let ComparedValue {
        name,
        failing,
        baseline,
        failing_value: _,
        baseline_value: _,
    } = v;
    f(name);
    opt(failing, f);
    opt(baseline, f);
}

/// Visit every string of the report that can hold bundle text, in the order a reader meets them
/// (bundle, root cause, findings, timeline, details, comparison, sources), so placeholders are
/// numbered the same way on every run and `container-1` is the first container the report talks
/// about. Fixed vocabularies (kinds, roles, finding ids, zone names) are not visited.
///
/// Every struct is destructured with every field named, so that a field added to the report
/// does not compile until it is visited here or said to hold no bundle text (`_`).
fn walk(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    let Report {
        schema: _,
        generator: _,
        bundle,
        sources,
        timeline,
        findings,
        root_cause,
        details,
        comparison,
        // Finding ids and qualifiers the rules chose from their own words; the article's title
        // and file name are the knowledge base's, not the bundle's.
        signature: _,
        known_issue: _,
    } = report;

    let BundleInfo {
        name,
        sha256: _,
        container: _,
        layout: _,
        hostname,
        kernel,
        collected_at: _,
        clock,
        problems,
        path,
        redacted: _,
    } = bundle;
    f(name);
    opt(hostname, f);
    opt(kernel, f);
    let Clock {
        boot_time: _,
        method,
        uncertainty_s: _,
        timezone,
        notes,
    } = clock;
    f(method);
    opt(timezone, f);
    notes.iter_mut().for_each(&mut *f);
    problems.iter_mut().for_each(&mut *f);
    opt(path, f);

    if let Some(rc) = root_cause {
        let RootCause {
            verdict: _,
            chain: _,
            summary,
            recommendations,
            also,
        } = rc;
        f(summary);
        recommendations
            .iter_mut()
            .for_each(|r| recommendation(r, f));
        for other in also {
            let OtherIncident {
                lead: _,
                chain: _,
                summary,
                recommendations,
            } = other;
            f(summary);
            recommendations
                .iter_mut()
                .for_each(|r| recommendation(r, f));
        }
    }

    for finding in findings {
        let Finding {
            id: _,
            role: _,
            severity: _,
            confidence: _,
            title,
            explanation,
            sentence,
            advice,
            signature: _,
            metrics,
            evidence,
            recommendations,
            references,
        } = finding;
        f(title);
        f(sentence);
        f(advice);
        f(explanation);
        *metrics = std::mem::take(metrics)
            .into_iter()
            .map(|(mut k, mut v)| {
                f(&mut k);
                json(&mut v, f);
                (k, v)
            })
            .collect::<BTreeMap<_, _>>();
        for e in evidence {
            let Evidence {
                path,
                line: _,
                text,
                masked,
            } = e;
            f(path);
            let before = text.clone();
            f(text);
            if *text != before {
                *masked = true;
            }
        }
        recommendations
            .iter_mut()
            .for_each(|r| recommendation(r, f));
        references.iter_mut().for_each(&mut *f);
    }

    for e in timeline {
        let TimelineEvent {
            time: _,
            uptime_s: _,
            source,
            line: _,
            kind: _,
            text,
            also_in,
            repeat: _,
            severity: _,
        } = e;
        f(source);
        f(text);
        also_in.iter_mut().for_each(|c| citation(c, f));
    }

    let Details {
        zones,
        requested_order: _,
        memory,
        slab_top,
        slab_total_bytes: _,
        slab_reclaimable_bytes: _,
        containers,
        gaps,
        state,
    } = details;
    for z in zones {
        let ZoneState {
            node: _,
            zone: _,
            moment: _,
            source,
            free_blocks: _,
            free_kb: _,
            min_kb: _,
            low_kb: _,
            high_kb: _,
            extfrag_index: _,
            unusable_index: _,
            watermark_ok: _,
        } = z;
        citation(source, f);
    }
    if let Some(m) = memory {
        let MemoryComposition {
            source,
            total_bytes: _,
            free_bytes: _,
            anon_bytes: _,
            file_bytes: _,
            slab_reclaimable_bytes: _,
            slab_unreclaimable_bytes: _,
            other_bytes: _,
            available_bytes: _,
        } = m;
        citation(source, f);
    }
    for s in slab_top {
        let SlabRow {
            name,
            bytes: _,
            objects: _,
            object_size: _,
            per_instance: _,
        } = s;
        f(name);
    }
    for c in containers {
        let ContainerRow {
            name,
            id,
            image,
            memory_limit_bytes: _,
            kernel_memory_bytes: _,
            status,
            exit_code: _,
            oom_killed: _,
            error,
            source,
        } = c;
        f(name);
        f(id);
        opt(image, f);
        opt(status, f);
        opt(error, f);
        citation(source, f);
    }
    gaps.iter_mut().for_each(&mut *f);
    state.iter_mut().for_each(&mut *f);

    if let Some(c) = comparison {
        let Comparison {
            baseline,
            baseline_healthy: _,
            baseline_problems,
            notes,
            key_differences,
            other_differences,
            zones: _,
            memory,
            slab_top,
            host,
            sysctl,
        } = c;
        let BaselineInfo {
            name,
            hostname,
            kernel,
        } = baseline;
        f(name);
        opt(hostname, f);
        opt(kernel, f);
        baseline_problems.iter_mut().for_each(&mut *f);
        notes.iter_mut().for_each(&mut *f);
        key_differences.iter_mut().for_each(&mut *f);
        other_differences.iter_mut().for_each(&mut *f);
        for s in slab_top {
            let SlabComparison {
                name,
                failing_bytes: _,
                baseline_bytes: _,
            } = s;
            f(name);
        }
        host.iter_mut()
            .chain(sysctl.iter_mut())
            .chain(memory.iter_mut())
            .for_each(|v| compared(v, f));
    }

    for s in sources {
        let SourceEntry {
            path,
            kind: _,
            records: _,
            warnings,
            detected_by: _,
            size: _,
            problem,
        } = s;
        f(path);
        warnings.iter_mut().for_each(&mut *f);
        opt(problem, f);
    }
}

fn opt(s: &mut Option<String>, f: &mut dyn FnMut(&mut String)) {
    if let Some(s) = s {
        f(s);
    }
}

fn json(v: &mut serde_json::Value, f: &mut dyn FnMut(&mut String)) {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| json(i, f)),
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (mut k, mut item) in entries {
                f(&mut k);
                json(&mut item, f);
                map.insert(k, item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{
        BundleInfo, Citation, Clock, Confidence, ContainerRow, Details, Evidence, Finding,
        Generator, Role, Severity, SourceEntry, TimelineEvent,
    };

    fn report() -> Report {
        let evidence = |line: u32, text: &str| Evidence {
            path: "messages".into(),
            line: Some(line),
            text: text.into(),
            masked: false,
        };
        Report {
            schema: crate::report::SCHEMA,
            generator: Generator {
                name: "postmortem",
                version: "0",
                generated_at: None,
            },
            bundle: BundleInfo {
                name: "sosreport-web01-2018.tar.xz".into(),
                sha256: None,
                container: "tar.xz".into(),
                layout: "sosreport".into(),
                hostname: Some("web01".into()),
                kernel: None,
                collected_at: None,
                clock: Clock {
                    boot_time: None,
                    method: "none".into(),
                    uncertainty_s: None,
                    timezone: None,
                    notes: Vec::new(),
                },
                problems: Vec::new(),
                redacted: false,
                path: None,
            },
            sources: vec![SourceEntry {
                path: "sosreport-web01-2018/var/log/messages".into(),
                kind: "syslog".into(),
                records: 1,
                warnings: vec!["line 3: token=s3cr3t not understood".into()],
                detected_by: "path".into(),
                size: 1,
                problem: None,
            }],
            timeline: vec![TimelineEvent {
                time: None,
                uptime_s: None,
                source: "messages".into(),
                line: Some(2),
                kind: "container_die".into(),
                text: "container db_1 died on web01".into(),
                also_in: Vec::new(),
                repeat: None,
                severity: Severity::Warning,
            }],
            findings: vec![Finding {
                id: "container.start-failure".into(),
                role: Role::Symptom,
                severity: Severity::Critical,
                confidence: Confidence::High,
                title: "Container api_1 failed to start".into(),
                explanation: "runc said `--password=hunter2`".into(),
                sentence: String::new(),
                advice: String::new(),
                signature: "container.start-failure".into(),
                metrics: [("container".to_string(), serde_json::json!(["api_1"]))]
                    .into_iter()
                    .collect(),
                evidence: vec![
                    evidence(1, "Jan 23 web01 dockerd: start api_1 --password=hunter2"),
                    evidence(2, "Jan 23 web01 kernel: page allocation failure: order:6"),
                ],
                recommendations: Vec::new(),
                references: Vec::new(),
            }],
            root_cause: None,
            details: Details {
                containers: vec![ContainerRow {
                    name: "api_1".into(),
                    id: "3f2a8c1e9b7d".into(),
                    image: Some("registry.corp.example/team/api:2".into()),
                    memory_limit_bytes: None,
                    kernel_memory_bytes: None,
                    status: None,
                    exit_code: None,
                    oom_killed: None,
                    error: Some("exec: Authorization: Bearer abc.def.ghi".into()),
                    source: Citation {
                        source: "docker-inspect.json".into(),
                        line: Some(2),
                    },
                }],
                state: vec!["Memory: 16 GiB, kubelet --token=abc.def.ghi".into()],
                ..Details::default()
            },
            comparison: None,
            signature: None,
            known_issue: None,
        }
    }

    #[test]
    fn masking_reaches_every_field_and_marks_changed_evidence() {
        let r = mask_report(report());
        let f = &r.findings[0];
        assert_eq!(f.explanation, "runc said `--password=***`");
        assert_eq!(
            f.evidence[0].text,
            "Jan 23 web01 dockerd: start api_1 --password=***"
        );
        assert!(f.evidence[0].masked);
        // An untouched line stays verbatim and unmarked.
        assert!(!f.evidence[1].masked);
        assert_eq!(r.sources[0].warnings[0], "line 3: token=*** not understood");
        assert_eq!(
            r.details.containers[0].error.as_deref(),
            Some("exec: Authorization: Bearer ***")
        );
        assert_eq!(r.details.state[0], "Memory: 16 GiB, kubelet --token=***");
        assert!(!r.bundle.redacted);
        let json = serde_json::to_string(&r).expect("serialises");
        assert!(!json.contains("hunter2") && !json.contains("abc.def.ghi"));
        assert!(!json.contains("\"redacted\""));
        assert_eq!(json.matches("\"masked\":true").count(), 1);
    }

    #[test]
    fn redaction_numbers_placeholders_in_reading_order() {
        // The host, api_1 and its image are in the report itself; db_1 only in the facts.
        let known = Known {
            containers: vec!["db_1".into()],
            ..Known::default()
        };
        let r = redact_report(mask_report(report()), &known);
        assert!(r.bundle.redacted);
        assert_eq!(r.bundle.name, "sosreport-host-1-2018.tar.xz");
        assert_eq!(r.bundle.hostname.as_deref(), Some("host-1"));
        // api_1 is met first, in the finding; db_1 later, in the timeline.
        assert_eq!(r.findings[0].title, "Container container-1 failed to start");
        assert_eq!(r.timeline[0].text, "container container-2 died on host-1");
        assert_eq!(
            r.findings[0].metrics["container"],
            serde_json::json!(["container-1"])
        );
        assert!(r.findings[0].evidence[1].masked);
        assert_eq!(r.details.containers[0].name, "container-1");
        assert_eq!(r.details.containers[0].id, "3f2a8c1e9b7d");
        assert_eq!(
            r.details.containers[0].image.as_deref(),
            Some("registry-1/image-1:2")
        );
        assert_eq!(r.sources[0].path, "sosreport-host-1-2018/var/log/messages");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(
            text in "(?s).{0,200}",
            shaped in "[a-fA-F0-9 :=./@_\\\"'`-]{0,120}|(?:(?:--?)?(?:password|token|key|p) ?[=: ]?[a-z0-9.:]{0,20} ){0,6}",
        ) {
            let known = Known {
                hosts: vec!["web01.corp.example".into(), "ab".into(), "é".into()],
                containers: vec!["api_1".into()],
                images: vec!["registry.corp.example:5000/team/api:2@sha256:00".into(), ":".into(), "/".into()],
                ..Known::default()
            };
            for t in [&text, &shaped] {
                let masked = mask_text(t);
                let mut a = Anonymizer::new(&known);
                let _ = a.anonymize(&masked);
                let _ = mask_args(&[t.clone(), masked]);
            }
        }
    }
}
