//! Keeping secrets and identities out of reports.
//!
//! Reports are attached to tickets and reused in write-ups, so bundle text is cleaned on its way
//! into them, in two strengths:
//!
//! - [`mask_report`], always: passwords, tokens and keys in command lines and log text become
//!   `***`, their keys kept ([`secrets`]). Environment variable values never reach a report at
//!   all: the inspect parsers keep only the names.
//! - [`redact_report`], with `--redact`: host names, addresses, container, service and network
//!   names and private registries become stable placeholders (`host-1`, `ip-2`, `container-1`),
//!   so the report can be published ([`identities`]).
//!
//! Both take a finished [`Report`] and return one, touching every string that can carry bundle
//! text. An evidence line changed by either is marked [`Evidence::masked`](crate::report::Evidence):
//! it is no longer the verbatim text at its `path:line`.

pub mod identities;
pub mod secrets;

use std::collections::BTreeMap;

pub use identities::{Anonymizer, Known};
pub use secrets::{mask_args, mask_text, MASK};

use crate::report::Report;

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
    let mut anonymizer = Anonymizer::new(known);
    walk(&mut report, &mut |s: &mut String| {
        let replaced = anonymizer.anonymize(s);
        if replaced != *s {
            *s = replaced;
        }
    });
    report.bundle.redacted = true;
    report
}

/// Visit every string of the report that can hold bundle text, in the order a reader meets them
/// (bundle, root cause, findings, timeline, details, sources), so placeholders are numbered the
/// same way on every run and `container-1` is the first container the report talks about. Fixed vocabularies (kinds, roles, finding ids, zone names) are not visited.
fn walk(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    let b = &mut report.bundle;
    f(&mut b.name);
    opt(&mut b.hostname, f);
    opt(&mut b.kernel, f);
    f(&mut b.clock.method);
    opt(&mut b.clock.timezone, f);
    b.clock.notes.iter_mut().for_each(&mut *f);
    b.problems.iter_mut().for_each(&mut *f);

    if let Some(rc) = &mut report.root_cause {
        f(&mut rc.summary);
        for r in &mut rc.recommendations {
            f(&mut r.action);
            opt(&mut r.command, f);
            f(&mut r.when);
        }
    }

    for finding in &mut report.findings {
        f(&mut finding.title);
        f(&mut finding.explanation);
        let metrics = std::mem::take(&mut finding.metrics);
        finding.metrics = metrics
            .into_iter()
            .map(|(mut k, mut v)| {
                f(&mut k);
                json(&mut v, f);
                (k, v)
            })
            .collect::<BTreeMap<_, _>>();
        for e in &mut finding.evidence {
            f(&mut e.path);
            let before = e.text.clone();
            f(&mut e.text);
            if e.text != before {
                e.masked = true;
            }
        }
        for r in &mut finding.recommendations {
            f(&mut r.action);
            opt(&mut r.command, f);
            f(&mut r.when);
        }
        finding.references.iter_mut().for_each(&mut *f);
    }

    for e in &mut report.timeline {
        f(&mut e.source);
        f(&mut e.text);
        for c in &mut e.also_in {
            f(&mut c.source);
        }
    }

    let d = &mut report.details;
    for z in &mut d.zones {
        f(&mut z.source.source);
    }
    if let Some(m) = &mut d.memory {
        f(&mut m.source.source);
    }
    for s in &mut d.slab_top {
        f(&mut s.name);
    }
    for c in &mut d.containers {
        f(&mut c.name);
        f(&mut c.id);
        opt(&mut c.image, f);
        opt(&mut c.status, f);
        opt(&mut c.error, f);
        f(&mut c.source.source);
    }
    d.gaps.iter_mut().for_each(&mut *f);

    for s in &mut report.sources {
        f(&mut s.path);
        s.warnings.iter_mut().for_each(&mut *f);
        opt(&mut s.problem, f);
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
