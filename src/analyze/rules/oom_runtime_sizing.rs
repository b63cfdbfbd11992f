//! `oom.runtime-sizing`: an OOM-killed container's runtime was told it may use more memory
//! than its memory cgroup allows (a JVM's `-Xmx`, Node.js's `--max-old-space-size`, Go's
//! `GOMEMLIMIT`), so the kernel kills it at the limit before the runtime manages its own memory.

use crate::analyze::finding::{code, times, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::oom::{self, sizing::Bound, SizedLimit};
use crate::analyze::{Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct OomRuntimeSizing;

static META: RuleMeta = RuleMeta {
    id: "oom.runtime-sizing",
    role: Role::Condition,
    summary: "An OOM-killed container's runtime may grow past its memory cgroup's limit \
              (-Xmx, --max-old-space-size, GOMEMLIMIT)",
    doc: include_str!("../../../docs/findings/oom.runtime-sizing.md"),
    // Decides over the limit being reached: it says why the limit was reached.
    verdict_rank: Some(25),
    incidents: &["memcg-oom"],
    metrics: &[
        Metric::one(
            "setting",
            MetricKind::Text,
            "the runtime's sizing setting (-Xmx768m)",
        ),
        Metric::one(
            "runtime_max_bytes",
            MetricKind::Bytes,
            "what the setting lets the runtime grow to",
        ),
        Metric::one(
            "limit_bytes",
            MetricKind::Bytes,
            "the memory cgroup's limit",
        ),
        Metric::one(
            "limit_needed_bytes",
            MetricKind::Bytes,
            "the least limit that holds the runtime as configured",
        ),
        Metric::one("containers", MetricKind::Count, "containers so sized"),
    ],
    needs: &[],
};

/// The containers sized alike (same setting, same limit), in bundle order.
fn groups<'s, 'a>(sized: &'s [SizedLimit<'a>]) -> Vec<Vec<&'s SizedLimit<'a>>> {
    let mut out: Vec<Vec<&SizedLimit<'_>>> = Vec::new();
    for s in sized {
        match out.iter_mut().find(|g| {
            g.first()
                .is_some_and(|f| f.sizing == s.sizing && f.limit == s.limit)
        }) {
            Some(g) => g.push(s),
            None => out.push(vec![s]),
        }
    }
    out
}

/// A sentence with its first letter in lower case, to follow a clause.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Rule for OomRuntimeSizing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let sized = oom::sized_limits(ctx);
        let mut out = Vec::new();
        for group in groups(&sized) {
            let Some(first) = group.first() else {
                continue;
            };
            let names: Vec<String> = group.iter().map(|s| code(&s.label)).collect();
            let plain: Vec<&str> = group
                .iter()
                .map(|s| s.container.item.name.as_deref().unwrap_or(&s.label))
                .collect();
            let v = &first.verdict;
            let s = &first.sizing;
            let kills: usize = group.iter().map(|g| g.kills).sum();
            let mut b = FindingBuilder::new(self)
                .severity(Severity::Critical)
                .confidence(if kills > 0 && v.exceeds {
                    Confidence::High
                } else {
                    Confidence::Medium
                });
            for g in &group {
                b = b.cite(g.container.path, &g.container.item.line).cite_opt(
                    g.container.path,
                    g.container.item.memory.limit_line.as_ref(),
                );
            }
            let who = format!(
                "In {} {}",
                if names.len() == 1 {
                    "container"
                } else {
                    "containers"
                },
                names.join(", ")
            );
            let sentence = format!("{who}, {}", lower_first(&v.sentence));
            let needed = units::bytes(v.limit_needed);
            let fix_words = match s.bound {
                Bound::Bytes(_) if s.what == "JVM heap" => format!(
                    "`{}`, or `-XX:MaxRAMPercentage={}` in place of {}",
                    v.fix,
                    oom::sizing::HEAP_SHARE_PERCENT,
                    code(&s.setting)
                ),
                _ => format!("`{}` in place of {}", v.fix, code(&s.setting)),
            };
            let action = format!(
                "Cap the {} at {}% of the {} limit ({fix_words}) or raise the memory limit of {} \
                 to at least {needed}",
                s.what,
                oom::sizing::HEAP_SHARE_PERCENT,
                units::bytes(first.limit),
                names.join(", ")
            );
            let mib = v.limit_needed / (1024 * 1024);
            let command = format!(
                "docker update --memory {mib}m --memory-swap {mib}m {}",
                plain.join(" ")
            );
            let mut explanation = sentence.clone();
            if kills > 0 {
                explanation.push_str(&format!(
                    " The kernel's OOM killer ran {} in {}.",
                    times(kills),
                    if names.len() == 1 {
                        "its cgroup".to_string()
                    } else {
                        "their cgroups".to_string()
                    }
                ));
            }
            if let Some(u) = first
                .container
                .item
                .image
                .as_deref()
                .and_then(oom::sizing::old_jdk_update)
            {
                explanation.push_str(&format!(
                    " Its image names JDK 8u{u}: before 8u191 a JVM sizes its default heap from \
                     the host's memory, not the cgroup's."
                ));
            }
            out.push(
                b.title(format!(
                    "The {} may grow to {} in a {} memory cgroup",
                    s.what,
                    match s.bound {
                        Bound::Bytes(max) => units::bytes(max),
                        Bound::Percent(p) => format!("{p}%"),
                        Bound::HostMemory => "the host's memory".to_string(),
                    },
                    units::bytes(first.limit)
                ))
                .sentence(sentence)
                .paragraph(explanation)
                .paragraph(format!(
                    "A runtime that manages its own memory keeps it under the size it was given; \
                     given more than the cgroup allows, it never gets the chance: the kernel \
                     kills it at the limit, with no error of the runtime's own in its log. The \
                     rest of the process needs room too (a JVM's metaspace, thread stacks, code \
                     cache and direct buffers), so the heap should stay within {}% of the limit.",
                    oom::sizing::HEAP_SHARE_PERCENT
                ))
                .metric("setting", s.setting.clone())
                .metric_opt(
                    "runtime_max_bytes",
                    match s.bound {
                        Bound::Bytes(max) => Some(max),
                        _ => None,
                    },
                )
                .metric("limit_bytes", first.limit)
                .metric("limit_needed_bytes", v.limit_needed)
                .metric("containers", group.len() as u64)
                .recommend(
                    action,
                    Some(&command),
                    Risk::Low,
                    if group.len() == 1 {
                        "Before the container is started again"
                    } else {
                        "Before the containers are started again"
                    },
                )
                .build(),
            );
        }
        out
    }
}
