//! The knowledge-base article (`--format kb`): a draft of the write-up a support team
//! publishes once so that the next engineer with the same incident does not start from zero.
//!
//! It is phrased for any node with the report's signature: the Issue, Root Cause and
//! Diagnostic Steps are the catalogue's own words (each chain finding's summary, its page's
//! "What it means" and "How to confirm on a node"), never the bundle's; this node's values
//! appear once, in a block marked as an example, from a report that was redacted as `--redact`
//! does. The signature is in a front-matter block, which `--kb DIR` reads back to name the
//! article as the known issue of another node's report.
//!
//! Invariants: bundle text reaches the article only through the example block and the
//! resolution, both from the redacted report and through the renderers' escaping (prose
//! checked by [`md_prose`], commands in fenced blocks); the front matter holds only text
//! postmortem wrote.

use super::escape::{md_code, md_prose, md_prose_inline, md_span, md_text};
use crate::analyze::root_cause::lower_first;
use crate::analyze::rule;
use crate::report::{Report, Role};

/// The article, or `None` when the report has no signature to file it under.
pub fn render(report: &Report) -> Option<String> {
    let signature = report.signature.as_ref()?;
    // The findings the signature names, one per segment, in its order.
    let chain: Vec<&crate::report::Finding> = signature
        .key
        .split(crate::analyze::signature::SEPARATOR)
        .filter_map(|segment| report.findings.iter().find(|f| f.signature == segment))
        .collect();
    let title = title(report, &chain);
    let mut out = String::new();
    out.push_str("---\n");
    out.push_str(&format!("title: {}\n", quoted(&title)));
    out.push_str(&format!("signature: {}\n", signature.key));
    out.push_str(&format!("family: {}\n", signature.family));
    out.push_str(&format!("kind: {}\n", signature.kind.as_str()));
    if let Some(rc) = &report.root_cause {
        out.push_str(&format!("verdict: {}\n", rc.verdict));
    }
    out.push_str(&format!(
        "generator: {} {}\n",
        report.generator.name, report.generator.version
    ));
    out.push_str("---\n\n");
    out.push_str(&format!("# {}\n\n", md_text(&title)));
    out.push_str(
        "> Draft written by postmortem from one node's support bundle. Everything outside the \
         marked example holds for any node whose report has the signature below; review the \
         Resolution before publishing.\n\n",
    );

    out.push_str("## Environment\n\n");
    for line in environment(report, &chain) {
        out.push_str(&format!("- {line}\n"));
    }

    out.push_str("\n## Issue\n\n");
    out.push_str(if report.root_cause.is_some() {
        "A node with this incident shows, from what was seen to why:\n\n"
    } else {
        "Nothing has failed yet on a node with this signature, but it has the preconditions of a \
         known failure:\n\n"
    });
    for f in &chain {
        let summary = rule(&f.id).map(|r| r.summary()).unwrap_or_default();
        out.push_str(&format!(
            "- **{}:** {}. ({})\n",
            step(f.role),
            md_text(summary.trim_end_matches('.')),
            md_span(&f.id)
        ));
    }
    out.push_str(&format!(
        "\nIncident signature: {} (family {}).\n",
        md_span(&signature.key),
        md_span(&signature.family)
    ));

    out.push_str("\n## Resolution\n\n");
    let all: Vec<&crate::report::Recommendation> = match &report.root_cause {
        Some(rc) => rc.recommendations.iter().collect(),
        None => chain.iter().flat_map(|f| &f.recommendations).collect(),
    };
    // What changes something resolves; what only looks is a diagnostic step.
    let (checks, recommendations): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|r| r.risk == crate::report::Risk::None);
    if recommendations.is_empty() {
        out.push_str("No action is known for this signature yet.\n");
    }
    for (n, r) in recommendations.iter().enumerate() {
        out.push_str(&format!(
            "{}. {} (risk: {}; {})\n",
            n + 1,
            md_prose_inline(r.action.trim_end_matches('.')),
            r.risk.as_str(),
            md_prose_inline(&lower_first(&r.when))
        ));
        if let Some(c) = &r.command {
            out.push('\n');
            out.push_str(&indent(&md_code(c, "sh"), "   "));
            out.push_str("\n\n");
        }
    }

    out.push_str("\n## Root Cause\n\n");
    // What was seen is the Issue; the Root Cause is how and why.
    for f in chain.iter().filter(|f| f.role != Role::Symptom) {
        let Some(r) = rule(&f.id) else { continue };
        if let Some(meaning) = section(r.doc(), "What it means") {
            // The page's opening, without its subsections.
            let opening = meaning.split("\n### ").next().unwrap_or(meaning);
            out.push_str(&format!(
                "### {}: {}\n\n{}\n\n",
                step(f.role),
                md_span(&f.id),
                opening.trim()
            ));
        }
    }
    out.push_str(&format!(
        "**Example from one affected node** (redacted: host names, addresses and container names \
         are placeholders; kernel {}):\n\n",
        md_span(report.bundle.kernel.as_deref().unwrap_or("unknown"))
    ));
    let example = match &report.root_cause {
        Some(rc) => rc.summary.clone(),
        None => report.details.state.join(" "),
    };
    for line in md_prose(&example).lines() {
        out.push_str(&format!("> {line}\n"));
    }

    out.push_str("\n## Diagnostic Steps\n\n");
    out.push_str("To confirm the same incident on another node:\n\n");
    for (n, r) in checks.iter().enumerate() {
        out.push_str(&format!(
            "{}. {}\n",
            n + 1,
            md_prose_inline(r.action.trim_end_matches('.'))
        ));
        if let Some(c) = &r.command {
            out.push('\n');
            out.push_str(&indent(&md_code(c, "sh"), "   "));
            out.push_str("\n\n");
        }
    }
    if !checks.is_empty() {
        out.push_str("\nWhat each link of the signature needs to be confirmed:\n\n");
    }
    for f in &chain {
        let Some(r) = rule(&f.id) else { continue };
        let steps = section(r.doc(), "How to confirm on a node").map(str::to_string);
        let steps = steps.or_else(|| {
            let commands: Vec<&str> = r.meta().needs.iter().filter_map(|n| n.collect).collect();
            (!commands.is_empty()).then(|| md_code(&commands.join("\n"), "sh"))
        });
        if let Some(steps) = steps {
            out.push_str(&format!(
                "{} ({}):\n\n{}\n\n",
                md_span(&f.id),
                f.role.as_str(),
                steps.trim()
            ));
        }
    }
    out.push_str(
        "Or collect a support bundle of the node and run `postmortem report BUNDLE --kb DIR` with \
         this article in `DIR`: a report with the same signature names it as its known issue.\n",
    );
    Some(out)
}

/// The part a link plays in the incident, as the article names it.
fn step(role: Role) -> &'static str {
    match role {
        Role::Symptom => "What is seen",
        Role::Mechanism => "How it fails",
        Role::Condition => "Why",
        Role::Factor => "What makes it likely",
        Role::Observation => "Also seen",
        Role::Risk => "Exposed to",
    }
}

/// The title: what was seen, then why, with the qualifiers that tell this incident apart.
fn title(report: &Report, chain: &[&crate::report::Finding]) -> String {
    let summary = |id: &str| {
        rule(id)
            .map(|r| r.summary().trim_end_matches('.').to_string())
            .unwrap_or_default()
    };
    let qualifiers: Vec<String> = report
        .signature
        .iter()
        .flat_map(|s| s.key.split('/'))
        .flat_map(|segment| segment.split(':').skip(1))
        .map(|q| match q.strip_prefix("order") {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
                format!("order {n}")
            }
            _ => q.to_string(),
        })
        .fold(Vec::new(), |mut acc, q| {
            if !acc.contains(&q) {
                acc.push(q);
            }
            acc
        });
    let mut title = match &report.root_cause {
        Some(rc) => {
            let lead = chain.first().map(|f| f.id.as_str()).unwrap_or(&rc.verdict);
            if lead == rc.verdict {
                summary(lead)
            } else {
                format!(
                    "{}, because {}",
                    summary(lead),
                    lower_first(&summary(&rc.verdict))
                )
            }
        }
        None => format!(
            "Exposed before it fails: {}",
            lower_first(&chain.first().map(|f| summary(&f.id)).unwrap_or_default())
        ),
    };
    if !qualifiers.is_empty() {
        title.push_str(&format!(" ({})", qualifiers.join(", ")));
    }
    title
}

/// The environment a node with this signature runs, from the example node.
fn environment(report: &Report, chain: &[&crate::report::Finding]) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(k) = &report.bundle.kernel {
        let family = crate::derive::kernel_version::KernelVersion::parse(k)
            .map(|v| format!("Linux kernel family {}", md_span(&v.family())))
            .unwrap_or_else(|| "Linux kernel".to_string());
        lines.push(format!("{family}; the example node ran {}", md_span(k)));
    }
    let containers = chain.iter().any(|f| {
        f.id.starts_with("container.")
            || f.id.starts_with("memcg.")
            || f.id.starts_with("risk.kmem")
    });
    if containers {
        lines.push("Containers run by Docker or Kubernetes with runc, on cgroup v1".to_string());
    }
    lines.push(format!(
        "Found by: {} {}, from a support bundle",
        report.generator.name, report.generator.version
    ));
    lines
}

/// The text of a `## heading` section of a documentation page, without its heading.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc.find(&format!("\n## {heading}\n"))? + heading.len() + 5;
    let rest = &doc[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(&rest[..end])
}

/// A front-matter value in double quotes (YAML), quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    format!(
        "\"{}\"",
        super::escape::one_line(text)
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    )
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_read_whole() {
        let doc = "# x\n\n## What it means\nA.\n\nB.\n\n## Evidence it needs\nC.\n";
        assert_eq!(section(doc, "What it means"), Some("A.\n\nB.\n"));
        assert_eq!(section(doc, "Evidence it needs"), Some("C.\n"));
        assert_eq!(section(doc, "Missing"), None);
    }

    #[test]
    fn front_matter_values_stay_on_their_line() {
        assert_eq!(
            quoted("a \"b\"\nsignature: x"),
            "\"a \\\"b\\\" signature: x\""
        );
    }
}
