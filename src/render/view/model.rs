//! The view's types: what the templates read, field by field.

use serde::Serialize;

use super::{compare, Prose};
use crate::render::svg::{BarChart, StackedBar, Strip};

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
    /// The incident signature, when there is one.
    pub signature: Option<SignatureView>,
}

/// The incident signature in the report's header.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    pub key: String,
    pub family: String,
    /// The key's and the family's segments, which the page may break a line between.
    pub key_segments: Vec<String>,
    pub family_segments: Vec<String>,
    /// `failure` or `risk`.
    pub kind: &'static str,
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

impl OrderHeader {
    /// The headers of orders `0..orders`, the requested one marked.
    pub fn row(orders: usize, requested: Option<u32>) -> Vec<OrderHeader> {
        (0..orders)
            .map(|o| OrderHeader {
                order: o,
                label: format!("o{o}"),
                block: crate::units::bytes(4096u64 << o.min(40)),
                requested: requested.is_some_and(|r| r as usize == o),
            })
            .collect()
    }
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

impl Cell {
    /// One cell per order `0..orders` of free-block counts: an empty free list is an alert.
    pub fn counts(counts: &[u64], orders: usize, requested: Option<u32>) -> Vec<Cell> {
        Cell::row(counts, orders, requested, super::format_count, |v| v == 0)
    }

    /// One cell per order `0..orders` of fragmentation indices: an index at or above the
    /// threshold is an alert.
    pub fn indices(values: &[f64], orders: usize, requested: Option<u32>) -> Vec<Cell> {
        Cell::row(values, orders, requested, super::format_index, |v| v >= 0.5)
    }

    fn row<T: Copy>(
        values: &[T],
        orders: usize,
        requested: Option<u32>,
        text: fn(T) -> String,
        alert: fn(T) -> bool,
    ) -> Vec<Cell> {
        (0..orders)
            .map(|o| {
                let v = values.get(o).copied();
                Cell {
                    value: v.map(text).unwrap_or_default(),
                    requested: requested.is_some_and(|r| r as usize == o),
                    alert: v.is_some_and(alert),
                }
            })
            .collect()
    }
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
