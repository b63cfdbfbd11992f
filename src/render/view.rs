//! The view model: what the Markdown and HTML templates need, derived from a [`Report`] and
//! precomputed (sizes as `256 KiB`, times in UTC, anchors, the ranked recommendations, chart
//! geometry), so the templates only lay it out.
//!
//! Bundle text keeps its content here (control characters made visible); escaping is the
//! templates' job: filters in Markdown, autoescape in HTML. Prose postmortem wrote carries its
//! Markdown source and a safe HTML rendering side by side ([`Prose`]).

use crate::units;
use std::cmp::Reverse;

pub mod compare;

use serde::Serialize;

use super::escape::{markdown_inline_to_safe_html, markdown_to_safe_html, md_text, visible};
use super::svg::{BarChart, Series, StackedBar, Strip, StripEvent};
use crate::report::{
    ContainerRow, Evidence, Finding, Recommendation, Report, Risk, Role, Severity, TimelineEvent,
    ZoneState,
};

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

#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// Host name for the title (bundle text), or the bundle name when the host is unknown.
    pub host: String,
    pub host_known: bool,
    pub kernel: Option<String>,
    pub bundle: BundleView,
    pub generator: GeneratorView,
    /// The answer in one sentence.
    pub verdict: Prose,
    /// Highest severity among the findings, or `none`.
    pub severity: String,
    pub when: When,
    pub clock: ClockView,
    /// The three most useful actions.
    pub top_actions: Vec<RecView>,
    pub summary: Option<Prose>,
    /// The bundle's other incidents, each with its own actions.
    pub also: Vec<AlsoView>,
    pub verdict_id: Option<String>,
    /// Findings of the root-cause chain, in chain order.
    pub chain: Vec<FindingView>,
    /// All other findings, most severe first.
    pub others: Vec<FindingView>,
    pub timeline: Vec<EventView>,
    pub requested_order: Option<u32>,
    pub zones_failure: Option<ZoneTable>,
    pub zones_collection: Option<ZoneTable>,
    pub memory: Option<MemoryView>,
    pub slab: Option<SlabView>,
    pub containers: Vec<ContainerView>,
    /// Every recommendation, ranked by risk (lowest first), then by how close its finding is to
    /// what the user saw.
    pub recommendations: Vec<RecView>,
    pub gaps: Vec<Prose>,
    /// The node's state, shown when nothing failed.
    pub state: Vec<Prose>,
    pub sources: Vec<SourceView>,
    pub warnings: Vec<WarningView>,
    pub problems: Vec<String>,
    pub charts: Charts,
    /// The failing node beside a baseline node, when one was given.
    pub comparison: Option<compare::ComparisonView>,
}

/// An incident of the bundle besides the verdict's.
#[derive(Debug, Clone, Serialize)]
pub struct AlsoView {
    pub summary: Prose,
    pub actions: Vec<RecView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleView {
    pub name: String,
    pub sha256: Option<String>,
    pub container: String,
    pub layout: String,
    pub collected_at: Option<String>,
    /// Identifying names and addresses were replaced by placeholders.
    pub redacted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GeneratorView {
    pub name: String,
    pub version: String,
    pub generated_at: Option<String>,
}

/// When the failure happened, in words.
#[derive(Debug, Clone, Serialize)]
pub struct When {
    /// `2018-01-23 20:10:18 UTC`, `uptime 2751018.240 s` or `unknown`.
    pub at: String,
    /// How the time was established (the clock method), plain text.
    pub how: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClockView {
    pub method: Prose,
    pub boot_time: Option<String>,
    pub uncertainty: Option<String>,
    pub timezone: Option<Prose>,
    pub notes: Vec<Prose>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// Step number in the chain (1-based), or 0 outside it.
    pub step: usize,
    pub id: String,
    /// Element id and fragment: the finding id itself (`mm.external-fragmentation`).
    pub anchor: String,
    pub title: Prose,
    pub role: String,
    pub severity: String,
    pub confidence: String,
    pub explanation: Prose,
    pub evidence: Vec<EvidenceView>,
    /// The evidence as one block of `path:line: text` lines.
    pub evidence_block: String,
    pub metrics: Vec<MetricView>,
    pub recommendations: Vec<RecView>,
    pub references: Vec<ReferenceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    /// `path:line`.
    pub location: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricView {
    pub key: String,
    /// The value as JSON text (`6`, `"GFP_KERNEL"`, `[1,2]`), strings without quotes.
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceView {
    pub text: String,
    /// Set when the reference is an http(s) URL that may be a link.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecView {
    pub action: Prose,
    pub command: Option<String>,
    /// The command fits on one line (it can be quoted inline in the headline).
    pub command_inline: bool,
    pub risk: String,
    pub when: Prose,
    pub finding_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// Display time (UTC wall clock, or uptime when the wall clock is unknown).
    pub time: String,
    pub kind: String,
    pub text: String,
    /// `path:line`.
    pub location: String,
    pub also_in: Vec<String>,
    /// `x30` for folded repeats.
    pub repeat: Option<String>,
    pub repeat_last: Option<String>,
    pub severity: String,
}

/// Per-zone state at one moment, laid out as tables.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneTable {
    pub moment: String,
    pub orders: Vec<OrderHeader>,
    pub rows: Vec<ZoneRow>,
    pub has_watermarks: bool,
    pub has_extfrag: bool,
    pub has_unusable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderHeader {
    pub order: usize,
    /// `o6`.
    pub label: String,
    /// Size of one block of this order with 4 KiB pages (`256 KiB`).
    pub block: String,
    pub requested: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneRow {
    pub node: u32,
    pub zone: String,
    pub location: String,
    pub free_blocks: Vec<Cell>,
    pub free: String,
    pub min: String,
    pub low: String,
    pub high: String,
    /// `yes`, `no` or empty when unknown.
    pub watermark_ok: String,
    pub extfrag: Vec<Cell>,
    pub unusable: Vec<Cell>,
    /// Whether the zone has a fragmentation index at all.
    pub has_extfrag: bool,
    pub has_unusable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub value: String,
    pub requested: bool,
    /// An empty free list, or a fragmentation index at or above 0.5 (the kernel's default
    /// `extfrag_threshold`): drawn as a warning.
    pub alert: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryView {
    pub location: String,
    pub total: Option<String>,
    pub available: Option<String>,
    pub parts: Vec<MemoryPart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryPart {
    /// CSS class of the chart segment.
    pub class: String,
    pub label: String,
    pub size: String,
    /// Share of the parts' sum, `31.2%`.
    pub share: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlabView {
    pub rows: Vec<SlabRowView>,
    pub total: Option<String>,
    pub reclaimable: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlabRowView {
    pub name: String,
    pub size: String,
    pub objects: String,
    pub object_size: String,
    pub per_instance: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerView {
    pub name: String,
    pub id: String,
    pub image: Option<String>,
    pub memory_limit: String,
    pub kernel_memory: String,
    pub status: Option<String>,
    pub exit_code: Option<String>,
    pub oom_killed: Option<String>,
    pub error: Option<String>,
    pub location: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub path: String,
    pub kind: String,
    pub detected_by: String,
    pub records: u64,
    pub size: String,
    pub problem: Option<String>,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct WarningView {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Charts {
    pub free_blocks: Vec<BarChart>,
    pub memory: Option<StackedBar>,
    pub timeline: Option<Strip>,
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

fn format_kb(kb: Option<u64>) -> String {
    kb.map(|kb| units::bytes(kb.saturating_mul(1024)))
        .unwrap_or_default()
}

/// A container limit: `256 MiB`, `unlimited` (0 or -1 as docker writes them), `not set`.
fn format_limit(bytes: Option<i64>) -> String {
    match bytes {
        None => "not set".into(),
        Some(b) if b <= 0 => "unlimited".into(),
        Some(b) => units::bytes(b.unsigned_abs()),
    }
}

/// Thousands separated by a thin space is nice but not copy-friendly: plain digits.
fn format_count(count: u64) -> String {
    count.to_string()
}

/// A time as `2018-01-23 12:10:18 UTC` (with milliseconds when `precise` and the time has
/// them).
pub fn format_time(ts: jiff::Timestamp, precise: bool) -> String {
    let base = ts.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let millis = ts.subsec_millisecond();
    if precise && millis != 0 {
        format!("{base}.{millis:03} UTC")
    } else {
        format!("{base} UTC")
    }
}

fn format_uptime(seconds: f64) -> String {
    format!("uptime {seconds:.3} s")
}

fn event_time(time: Option<jiff::Timestamp>, uptime_s: Option<f64>) -> String {
    match (time, uptime_s) {
        (Some(t), _) => format_time(t, true),
        (None, Some(u)) if u.is_finite() => format_uptime(u),
        (None, _) => "unknown".into(),
    }
}

fn location(path: &str, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("{}:{l}", visible(path)),
        None => visible(path),
    }
}

/// A fraction as `0.922`, and the kernel's `-1` ("a block of this order exists") as `-1`.
fn format_index(value: f64) -> String {
    if !value.is_finite() {
        String::new()
    } else if value < 0.0 {
        "-1".into()
    } else {
        format!("{value:.3}")
    }
}

/// The first sentence of Markdown prose: up to the first `. `, `! ` or `? ` outside a code span.
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let mut in_code = false;
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if c == '`' {
            in_code = !in_code;
        }
        if !in_code && c.is_whitespace() && matches!(prev, '.' | '!' | '?') {
            return text[..i].trim_end();
        }
        prev = c;
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

fn evidence_view(e: &Evidence) -> EvidenceView {
    EvidenceView {
        location: location(&e.path, e.line),
        text: visible(&e.text).replace('\n', " "),
    }
}

fn rec_view(r: &Recommendation, finding_id: &str) -> RecView {
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

fn finding_view(f: &Finding, step: usize) -> FindingView {
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
                url: (super::escape::is_safe_destination(r)
                    && !r.starts_with('#')
                    && !r.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')))
                .then(|| r.clone()),
            })
            .collect(),
    }
}

fn ranked_recommendations(report: &Report) -> Vec<RecView> {
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
        .filter(|(_, _, _, _, r, _)| seen.insert(r.action.clone()))
        .map(|(_, _, _, _, r, id)| rec_view(r, id))
        .collect()
}

/// The three actions the headline names. With a root cause: what restores service (the
/// lowest-risk action that changes something), what stops a recurrence (the first medium-risk
/// one) and what not to do (the high-risk warning), filled up from the rest of the chain's
/// actions; diagnostic steps (risk none) only when nothing else is there.
fn headline_actions(report: &Report, ranked: &[RecView]) -> Vec<RecView> {
    let Some(rc) = report
        .root_cause
        .as_ref()
        .filter(|rc| !rc.recommendations.is_empty())
    else {
        return ranked.iter().take(3).cloned().collect();
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

fn event_view(e: &TimelineEvent) -> EventView {
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

fn zone_table(zones: &[&ZoneState], moment: &str, requested: Option<u32>) -> Option<ZoneTable> {
    if zones.is_empty() {
        return None;
    }
    let orders = zones
        .iter()
        .map(|z| z.free_blocks.len().max(z.extfrag_index.len()))
        .max()
        .unwrap_or(0);
    let is_requested = |order: usize| requested.is_some_and(|r| r as usize == order);
    let index_cells = |values: &[f64]| -> Vec<Cell> {
        (0..orders)
            .map(|o| {
                let v = values.get(o).copied();
                Cell {
                    value: v.map(format_index).unwrap_or_default(),
                    requested: is_requested(o),
                    alert: v.is_some_and(|v| v >= 0.5),
                }
            })
            .collect()
    };
    let rows = zones
        .iter()
        .map(|z| ZoneRow {
            node: z.node,
            zone: visible(&z.zone),
            location: location(&z.source.source, z.source.line),
            free_blocks: (0..orders)
                .map(|o| {
                    let v = z.free_blocks.get(o).copied();
                    Cell {
                        value: v.map(format_count).unwrap_or_default(),
                        requested: is_requested(o),
                        alert: v == Some(0),
                    }
                })
                .collect(),
            free: format_kb(z.free_kb),
            min: format_kb(z.min_kb),
            low: format_kb(z.low_kb),
            high: format_kb(z.high_kb),
            watermark_ok: match z.watermark_ok {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            extfrag: index_cells(&z.extfrag_index),
            has_extfrag: !z.extfrag_index.is_empty(),
            has_unusable: !z.unusable_index.is_empty(),
            unusable: index_cells(&z.unusable_index),
        })
        .collect();
    Some(ZoneTable {
        moment: moment.to_string(),
        orders: (0..orders)
            .map(|o| OrderHeader {
                order: o,
                label: format!("o{o}"),
                block: units::bytes(4096u64 << o.min(40)),
                requested: is_requested(o),
            })
            .collect(),
        rows,
        has_watermarks: zones
            .iter()
            .any(|z| z.min_kb.is_some() || z.free_kb.is_some() || z.watermark_ok.is_some()),
        has_extfrag: zones.iter().any(|z| !z.extfrag_index.is_empty()),
        has_unusable: zones.iter().any(|z| !z.unusable_index.is_empty()),
    })
}

fn memory_view(report: &Report) -> (Option<MemoryView>, Option<StackedBar>) {
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

fn container_view(c: &ContainerRow) -> ContainerView {
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

fn timeline_strip(report: &Report) -> Option<Strip> {
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
            details.state.iter().map(|s| Prose::inline(s)).collect()
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
    }
}

/// A float without a useless fraction: `1`, `0.5`, `2.25`.
fn trim_float(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
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
