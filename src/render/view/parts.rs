//! The parts of the view built from the report one at a time: findings and their evidence,
//! the ranked recommendations, timeline events, zone tables, memory, containers and the
//! timeline strip.

use super::*;
use crate::render::svg::{StackedBar, Strip, StripEvent};
use crate::report::{ContainerRow, Evidence, Finding, Recommendation, Risk, Role, TimelineEvent};

pub(super) fn evidence_view(e: &Evidence) -> EvidenceView {
    EvidenceView {
        location: location(&e.path, e.line),
        text: visible(&e.text).replace('\n', " "),
    }
}

pub(super) fn rec_view(r: &Recommendation, finding_id: &str) -> RecView {
    RecView {
        action: Prose::inline(&r.action),
        command: r.command.as_deref().map(visible),
        command_inline: r
            .command
            .as_deref()
            .is_some_and(|c| !c.trim_end().contains('\n')),
        risk: r.risk.as_str().to_string(),
        when: Prose::inline(&r.when),
        finding_id: finding_id.to_string(),
    }
}

pub(super) fn finding_view(f: &Finding, step: usize) -> FindingView {
    let evidence: Vec<EvidenceView> = f.evidence.iter().map(evidence_view).collect();
    let evidence_block = evidence
        .iter()
        .map(|e| format!("{}: {}", e.location, e.text))
        .collect::<Vec<_>>()
        .join("\n");
    FindingView {
        step,
        id: f.id.clone(),
        anchor: f.id.clone(),
        title: Prose::plain(&f.title),
        role: f.role.as_str().to_string(),
        severity: f.severity.as_str().to_string(),
        confidence: f.confidence.as_str().to_string(),
        explanation: Prose::block(&f.explanation),
        evidence,
        evidence_block,
        metrics: f
            .metrics
            .iter()
            .map(|(key, value)| MetricView {
                key: key.clone(),
                value: match value {
                    serde_json::Value::String(s) => visible(s),
                    other => other.to_string(),
                },
            })
            .collect(),
        recommendations: f
            .recommendations
            .iter()
            .map(|r| rec_view(r, &f.id))
            .collect(),
        references: f
            .references
            .iter()
            .map(|r| ReferenceView {
                text: visible(r),
                url: (crate::render::escape::is_safe_destination(r)
                    && !r.starts_with('#')
                    && !r.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')))
                .then(|| r.clone()),
            })
            .collect(),
    }
}

pub(super) fn ranked_recommendations(report: &Report) -> Vec<RecView> {
    let mut all: Vec<(Risk, Role, usize, usize, &Recommendation, &str)> = Vec::new();
    for (fi, f) in report.findings.iter().enumerate() {
        for (ri, r) in f.recommendations.iter().enumerate() {
            // Among equal risks, what the user saw first: acting on it restores service soonest.
            all.push((r.risk, f.role, fi, ri, r, &f.id));
        }
    }
    all.sort_by_key(|&(risk, role, fi, ri, _, _)| (risk, role, fi, ri));
    let mut seen = std::collections::BTreeSet::new();
    all.into_iter()
        // One wording of an action several rules give (its topic) stands for the others.
        .filter(|(_, _, _, _, r, _)| seen.insert(r.topic.unwrap_or(&r.action).to_string()))
        .map(|(_, _, _, _, r, id)| rec_view(r, id))
        .collect()
}

/// The three actions the headline names. With a root cause: what restores service (the
/// lowest-risk action that changes something), what stops a recurrence (the first medium-risk
/// one) and what not to do (the high-risk warning), filled up from the rest of the chain's
/// actions; diagnostic steps (risk none) only when nothing else is there.
pub(super) fn headline_actions(report: &Report, ranked: &[RecView]) -> Vec<RecView> {
    let Some(rc) = report
        .root_cause
        .as_ref()
        .filter(|rc| !rc.recommendations.is_empty())
    else {
        // Nothing failed: what the risks ask for comes first, in the order the state names them.
        let is_risk = |r: &&RecView| {
            report
                .findings
                .iter()
                .any(|f| f.id == r.finding_id && f.role == crate::report::Role::Risk)
        };
        let mut risks: Vec<&RecView> = ranked.iter().filter(is_risk).collect();
        risks.sort_by_key(|r| {
            report
                .findings
                .iter()
                .position(|f| f.id == r.finding_id)
                .unwrap_or(usize::MAX)
        });
        return risks
            .into_iter()
            .chain(ranked.iter().filter(|r| !is_risk(r)))
            .take(3)
            .cloned()
            .collect();
    };
    let verdict = rc.verdict.as_str();
    let mut picked: Vec<&Recommendation> = Vec::new();
    for risk in [Risk::Low, Risk::Medium, Risk::High] {
        if let Some(r) = rc.recommendations.iter().find(|r| r.risk == risk) {
            picked.push(r);
        }
    }
    for r in rc.recommendations.iter().filter(|r| r.risk != Risk::None) {
        if picked.len() >= 3 {
            break;
        }
        if !picked.iter().any(|p| p.action == r.action) {
            picked.push(r);
        }
    }
    for r in &rc.recommendations {
        if picked.len() >= 3 {
            break;
        }
        if !picked.iter().any(|p| p.action == r.action) {
            picked.push(r);
        }
    }
    picked.sort_by_key(|r| r.risk);
    picked
        .into_iter()
        .take(3)
        .map(|r| rec_view(r, verdict))
        .collect()
}

pub(super) fn event_view(e: &TimelineEvent) -> EventView {
    EventView {
        time: event_time(e.time, e.uptime_s),
        kind: visible(&e.kind),
        text: visible(&e.text).replace('\n', " "),
        location: location(&e.source, e.line),
        also_in: e
            .also_in
            .iter()
            .map(|c| location(&c.source, c.line))
            .collect(),
        repeat: e
            .repeat
            .as_ref()
            .filter(|r| r.count > 1)
            .map(|r| format!("x{}", r.count)),
        repeat_last: e.repeat.as_ref().and_then(|r| {
            (r.last_time.is_some() || r.last_uptime_s.is_some())
                .then(|| event_time(r.last_time, r.last_uptime_s))
        }),
        severity: e.severity.as_str().to_string(),
    }
}

pub(super) fn zone_table(
    zones: &[&ZoneState],
    moment: &str,
    requested: Option<u32>,
) -> Option<ZoneTable> {
    if zones.is_empty() {
        return None;
    }
    let orders = zones
        .iter()
        .map(|z| z.free_blocks.len().max(z.extfrag_index.len()))
        .max()
        .unwrap_or(0);
    let rows = zones
        .iter()
        .map(|z| ZoneRow {
            node: z.node,
            zone: visible(&z.zone),
            location: location(&z.source.source, z.source.line),
            free_blocks: Cell::counts(&z.free_blocks, orders, requested),
            free: format_kb(z.free_kb),
            min: format_kb(z.min_kb),
            low: format_kb(z.low_kb),
            high: format_kb(z.high_kb),
            watermark_ok: match z.watermark_ok {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            extfrag: Cell::indices(&z.extfrag_index, orders, requested),
            has_extfrag: !z.extfrag_index.is_empty(),
            has_unusable: !z.unusable_index.is_empty(),
            unusable: Cell::indices(&z.unusable_index, orders, requested),
        })
        .collect();
    Some(ZoneTable {
        moment: moment.to_string(),
        orders: OrderHeader::row(orders, requested),
        rows,
        has_watermarks: zones
            .iter()
            .any(|z| z.min_kb.is_some() || z.free_kb.is_some() || z.watermark_ok.is_some()),
        has_extfrag: zones.iter().any(|z| !z.extfrag_index.is_empty()),
        has_unusable: zones.iter().any(|z| !z.unusable_index.is_empty()),
    })
}

pub(super) fn memory_view(report: &Report) -> (Option<MemoryView>, Option<StackedBar>) {
    let Some(m) = &report.details.memory else {
        return (None, None);
    };
    let mut parts: Vec<(&str, &str, u64)> = vec![
        ("m-anon", "Anonymous", m.anon_bytes),
        ("m-file", "File cache", m.file_bytes),
        ("m-slab-r", "Slab, reclaimable", m.slab_reclaimable_bytes),
        (
            "m-slab-u",
            "Slab, unreclaimable",
            m.slab_unreclaimable_bytes,
        ),
    ];
    if let Some(other) = m.other_bytes {
        parts.push(("m-other", "Other", other));
    }
    parts.push(("m-free", "Free", m.free_bytes));
    let sum: u128 = parts.iter().map(|p| u128::from(p.2)).sum();
    let share = |b: u64| {
        if sum == 0 {
            String::new()
        } else {
            format!("{:.1}%", b as f64 * 100.0 / sum as f64)
        }
    };
    let view = MemoryView {
        location: location(&m.source.source, m.source.line),
        total: m.total_bytes.map(units::bytes),
        available: m.available_bytes.map(units::bytes),
        parts: parts
            .iter()
            .map(|(class, label, bytes)| MemoryPart {
                class: (*class).to_string(),
                label: (*label).to_string(),
                size: units::bytes(*bytes),
                share: share(*bytes),
            })
            .collect(),
    };
    let chart = StackedBar::new(
        &parts
            .iter()
            .map(|(class, label, bytes)| {
                (
                    *class,
                    format!("{label}: {} ({})", units::bytes(*bytes), share(*bytes)),
                    *bytes,
                )
            })
            .collect::<Vec<_>>(),
    );
    (Some(view), chart)
}

pub(super) fn container_view(c: &ContainerRow) -> ContainerView {
    ContainerView {
        name: visible(&c.name),
        id: visible(&c.id.chars().take(12).collect::<String>()),
        image: c.image.as_deref().map(visible),
        memory_limit: format_limit(c.memory_limit_bytes),
        kernel_memory: format_limit(c.kernel_memory_bytes),
        status: c.status.as_deref().map(visible),
        exit_code: c.exit_code.map(|e| e.to_string()),
        oom_killed: c
            .oom_killed
            .map(|o| if o { "yes" } else { "no" }.to_string()),
        error: c.error.as_deref().map(|e| visible(e).replace('\n', " ")),
        location: location(&c.source.source, c.source.line),
    }
}

pub(super) fn timeline_strip(report: &Report) -> Option<Strip> {
    // Wall clock when every placed event has one; seconds since boot otherwise.
    let walls: Vec<(f64, &TimelineEvent)> = report
        .timeline
        .iter()
        .filter_map(|e| {
            let ts = e.time?;
            Some((ts.as_millisecond() as f64 / 1000.0, e))
        })
        .collect();
    let uptimes: Vec<(f64, &TimelineEvent)> = report
        .timeline
        .iter()
        .filter_map(|e| e.uptime_s.filter(|u| u.is_finite()).map(|u| (u, e)))
        .collect();
    let (mut placed, scale, wall) = if walls.len() >= uptimes.len() {
        (walls, "wall clock, UTC", true)
    } else {
        (uptimes, "seconds since boot", false)
    };
    // A boot weeks before the failure would squeeze every other event into one spot: leave it
    // out of the strip (the table keeps it) when the rest spans under a hundredth of the whole.
    let span = |events: &[(f64, &TimelineEvent)]| {
        let first = events.iter().map(|e| e.0).reduce(f64::min).unwrap_or(0.0);
        let last = events.iter().map(|e| e.0).reduce(f64::max).unwrap_or(0.0);
        last - first
    };
    let without_boot: Vec<(f64, &TimelineEvent)> = placed
        .iter()
        .filter(|(_, e)| e.kind != "boot")
        .copied()
        .collect();
    let mut scale = scale.to_string();
    if !without_boot.is_empty()
        && without_boot.len() < placed.len()
        && span(&without_boot) * 100.0 < span(&placed)
    {
        placed = without_boot;
        scale.push_str("; the boot is in the table only");
    }
    let events: Vec<StripEvent> = placed
        .iter()
        .map(|(at, e)| StripEvent {
            at: *at,
            severity: e.severity.as_str(),
            tip: format!(
                "{}: {} ({})",
                event_time(e.time, e.uptime_s),
                visible(&e.text).replace('\n', " "),
                visible(&e.kind)
            ),
        })
        .collect();
    let label = |at: f64| {
        if wall {
            jiff::Timestamp::from_millisecond((at * 1000.0) as i64)
                .map(|ts| format_time(ts, false))
                .unwrap_or_default()
        } else {
            format_uptime(at)
        }
    };
    let first = events.iter().map(|e| e.at).reduce(f64::min)?;
    let last = events.iter().map(|e| e.at).reduce(f64::max)?;
    Strip::new(&events, label(first), label(last), &scale)
}
