//! The report model: what every renderer renders.
//!
//! The JSON form of [`Report`] is the contract of `contract/report.schema.json`: its required
//! fields keep their names and meaning. Fields beyond the contract (the `details` section that
//! the Markdown and HTML reports draw their tables and charts from) are additions, which the
//! contract allows.
//!
//! Times are [`Timestamp`]s up to the edge: serialized as RFC 3339 in UTC ([`rfc3339`]), and
//! formatted for people by the renderers, never turned into text and read back.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Serialize, Serializer};

/// The report's schema id.
pub const SCHEMA: &str = "postmortem.report/v1";

/// RFC 3339 in UTC with a `Z`, to the second unless the instant has a fraction, then to the
/// microsecond: the form of every time of the JSON report.
pub fn rfc3339(t: Timestamp) -> String {
    if t.subsec_nanosecond() == 0 {
        t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// Serialize an optional time as [`rfc3339`] text, or null.
fn rfc3339_opt<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub generator: Generator,
    pub bundle: BundleInfo,
    pub sources: Vec<SourceEntry>,
    pub timeline: Vec<TimelineEvent>,
    pub findings: Vec<Finding>,
    pub root_cause: Option<RootCause>,
    /// Tables and series for the human-readable reports (not part of the contract's required set).
    pub details: Details,
    /// The bundle set beside a baseline node's, when one was given (`--baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// What happened, or what the node is exposed to, as a short stable key that is the same
    /// on every node with the same incident (`docs/signatures.md`); null when nothing failed and
    /// no risk was found.
    pub signature: Option<Signature>,
    /// The knowledge-base article whose signature this report's matches (`--kb DIR`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_issue: Option<KnownIssue>,
}

/// An incident signature: segments joined by `/`, one per link of the chain, each a finding id
/// with the qualifiers that tell its kind apart (`mm.high-order-alloc-failure:order6`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// `failure` (from the root-cause chain) or `risk` (from the risks of a node in which
    /// nothing failed).
    pub kind: SignatureKind,
    /// The whole signature.
    pub key: String,
    /// The segments that say what state the node was in (its conditions and factors): a node
    /// heading for an incident and a node that had it share the family.
    pub family: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    Failure,
    Risk,
}

impl SignatureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Failure => "failure",
            SignatureKind::Risk => "risk",
        }
    }
}

/// A knowledge-base article that the report's signature matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownIssue {
    /// The article's title, from its front matter.
    pub title: String,
    /// The article's file name in the knowledge-base folder.
    pub file: String,
    /// `exact`; `prefix` when the article's signature ends in `/*`; `family` when nothing
    /// failed and the node's risks have the article's family.
    pub matched: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    pub name: &'static str,
    pub version: &'static str,
    /// Generation time, only with `--stamp` (reports are deterministic otherwise).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub generated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    pub name: String,
    pub sha256: Option<String>,
    pub container: String,
    pub layout: String,
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub collected_at: Option<Timestamp>,
    pub clock: Clock,
    /// Problems with the bundle as a whole (links outside it, unreadable entries, `..` paths).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The bundle's path as given on the command line, recorded by `postmortem batch` so that
    /// `postmortem summarize` can rebuild the fleet summary from the JSON reports alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Host names, addresses and container names were replaced by placeholders (`--redact`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clock {
    #[serde(serialize_with = "rfc3339_opt")]
    pub boot_time: Option<Timestamp>,
    /// How uptime stamps were tied to the wall clock, or `none`.
    pub method: String,
    pub uncertainty_s: Option<f64>,
    /// The zone used for zone-less stamps and how it was found (`Asia/Shanghai from
    /// etc/localtime`, `UTC (assumed: nothing in the bundle gave a zone)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Other anchors and how far they disagree, in plain words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceEntry {
    pub path: String,
    pub kind: String,
    pub records: u64,
    pub warnings: Vec<String>,
    /// `path` or `content`.
    pub detected_by: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A place in the bundle: path and line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Citation {
    pub source: String,
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// Null when the wall-clock time is unknown.
    #[serde(serialize_with = "rfc3339_opt")]
    pub time: Option<Timestamp>,
    pub uptime_s: Option<f64>,
    pub source: String,
    pub line: Option<u32>,
    /// `alloc_failure`, `oom_kill`, `container_die`, `daemon_error`, `runtime_error`, `boot`, ...
    pub kind: String,
    /// One-line summary.
    pub text: String,
    /// Other places that hold the same event (the same kernel line in dmesg, messages, journal).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<Citation>,
    /// Folded repeats: how many times, and the last occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    /// `critical`, `warning` or `info`: how much the event matters to the postmortem.
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize)]
pub struct Repeat {
    pub count: u64,
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_time: Option<Timestamp>,
    pub last_uptime_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Symptom,
    Mechanism,
    Condition,
    Factor,
    Observation,
    /// A failure's precondition measured on a node in which it has not happened (yet), with
    /// its margin. Never a verdict.
    Risk,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Symptom => "symptom",
            Role::Mechanism => "mechanism",
            Role::Condition => "condition",
            Role::Factor => "factor",
            Role::Observation => "observation",
            Role::Risk => "risk",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    None,
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub role: Role,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Plain text on one line, which may hold bundle values as they are (a container or task
    /// name): every renderer escapes it whole, so it never becomes markup.
    pub title: String,
    /// Markdown written by postmortem; bundle text only inside code spans.
    pub explanation: String,
    /// The finding in one sentence of Markdown, cause, mechanism and consequence with the
    /// bundle's numbers and names: what the root-cause summary says when this finding opens the
    /// chain or decides the verdict. Empty when the finding leaves the telling to others.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sentence: String,
    /// What to do, in one sentence of Markdown, when this finding decides the verdict. Empty
    /// when the summary takes the finding's first recommendation that changes something.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub advice: String,
    /// The finding's segment of the incident signature: its id and the qualifiers its rule chose
    /// from its own words, never bundle text (`mm.high-order-alloc-failure:order6:netns-conntrack`).
    /// A risk names the condition or factor it precedes.
    pub signature: String,
    /// Keys and types per finding id: `docs/findings/<id>.md` and the contract list them.
    pub metrics: BTreeMap<String, serde_json::Value>,
    pub evidence: Vec<Evidence>,
    pub recommendations: Vec<Recommendation>,
    pub references: Vec<String>,
}

/// A line of the bundle quoted as evidence: it is the text at `path:line`, verbatim, unless
/// `masked`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub path: String,
    pub line: Option<u32>,
    pub text: String,
    /// A secret or an identifying value in the line was replaced (`***`, `host-1`): the text is
    /// the line with those replacements, not verbatim.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub masked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub action: String,
    pub command: Option<String>,
    pub risk: Risk,
    pub when: String,
    /// The action this is one wording of, when several rules give it in their own words
    /// ([`crate::analyze::kernel::KERNEL_UPGRADE`]): a report lists the first one only.
    #[serde(skip)]
    pub topic: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RootCause {
    /// Id of the condition or factor that best explains the symptom.
    pub verdict: String,
    /// Finding ids from symptom to factors.
    pub chain: Vec<String>,
    /// Three to five sentences a support engineer can paste as is.
    pub summary: String,
    /// What to do, across the chain, lowest risk first (not part of the contract's required set).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recommendations: Vec<Recommendation>,
    /// The other incidents of the bundle, each with its own chain and actions: a bundle can hold
    /// several independent failures, and the verdict speaks of one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<OtherIncident>,
}

/// An incident of the bundle besides the verdict's.
#[derive(Debug, Clone, Serialize)]
pub struct OtherIncident {
    /// The finding that leads it (its symptom or mechanism).
    pub lead: String,
    /// Finding ids from symptom to factors.
    pub chain: Vec<String>,
    /// One sentence of Markdown: what happened.
    pub summary: String,
    /// What to do about it, lowest risk first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recommendations: Vec<Recommendation>,
}

/// The tables and series the Markdown and HTML reports show.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// Per-zone memory state: at the failure (from the report's free lists) and at collection.
    pub zones: Vec<ZoneState>,
    /// The order of the failed request, when there was one.
    pub requested_order: Option<u32>,
    pub memory: Option<MemoryComposition>,
    /// Largest slab caches, biggest first.
    pub slab_top: Vec<SlabRow>,
    pub slab_total_bytes: Option<u64>,
    pub slab_reclaimable_bytes: Option<u64>,
    pub containers: Vec<ContainerRow>,
    /// What the bundle lacked that the analysis would have used.
    pub gaps: Vec<String>,
    /// The node's state at collection, in sentences (Markdown): what the report says when
    /// nothing failed.
    pub state: Vec<String>,
}

/// One zone at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneState {
    pub node: u32,
    pub zone: String,
    /// `failure` (free lists inside the kernel report) or `collection` (`/proc/buddyinfo`).
    pub moment: String,
    pub source: Citation,
    /// Free blocks per order.
    pub free_blocks: Vec<u64>,
    pub free_kb: Option<u64>,
    pub min_kb: Option<u64>,
    pub low_kb: Option<u64>,
    pub high_kb: Option<u64>,
    /// Fragmentation index per order as the kernel computes it (`-1.0` where a block exists).
    pub extfrag_index: Vec<f64>,
    /// Unusable free index per order.
    pub unusable_index: Vec<f64>,
    /// Whether an order-N request passes this zone's watermark check (for the requested order).
    pub watermark_ok: Option<bool>,
}

/// Where the host's RAM was, in bytes (from meminfo, or the Mem-Info counters).
#[derive(Debug, Clone, Serialize)]
pub struct MemoryComposition {
    pub source: Citation,
    pub total_bytes: Option<u64>,
    pub free_bytes: u64,
    pub anon_bytes: u64,
    pub file_bytes: u64,
    pub slab_reclaimable_bytes: u64,
    pub slab_unreclaimable_bytes: u64,
    pub other_bytes: Option<u64>,
    pub available_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlabRow {
    pub name: String,
    pub bytes: u64,
    pub objects: u64,
    pub object_size: u64,
    /// A per-namespace (`nf_conntrack_<addr>`) or per-memcg (`name(id:cgroup)`) copy.
    pub per_instance: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerRow {
    pub name: String,
    pub id: String,
    pub image: Option<String>,
    pub memory_limit_bytes: Option<i64>,
    pub kernel_memory_bytes: Option<i64>,
    pub status: Option<String>,
    pub exit_code: Option<i64>,
    pub oom_killed: Option<bool>,
    pub error: Option<String>,
    pub source: Citation,
}

/// The failing node beside a baseline node: what differs, the differences that bear on the
/// verdict first, in plain sentences built from the numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub baseline: BaselineInfo,
    /// Whether the baseline looks healthy enough to compare with.
    pub baseline_healthy: bool,
    /// Why the baseline is not healthy (empty when it is).
    pub baseline_problems: Vec<String>,
    /// Caveats of the comparison itself (another kernel version, missing files), Markdown.
    pub notes: Vec<String>,
    /// Differences that bear on the verdict, most telling first, Markdown sentences.
    pub key_differences: Vec<String>,
    /// Every other difference found, Markdown sentences.
    pub other_differences: Vec<String>,
    /// Free blocks per order per zone, side by side.
    pub zones: Vec<ZoneComparison>,
    /// Memory composition of both nodes, in bytes.
    pub memory: Vec<ComparedValue>,
    /// The largest slab caches of either node.
    pub slab_top: Vec<SlabComparison>,
    /// Kernel, runtime, process and thread counts, cgroups, container limits.
    pub host: Vec<ComparedValue>,
    /// `vm.*` settings whose values differ.
    pub sysctl: Vec<ComparedValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineInfo {
    pub name: String,
    pub hostname: Option<String>,
    pub kernel: Option<String>,
}

/// One zone of both nodes: the failing node's free lists at the failure and at collection, and
/// the baseline's at its collection.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneComparison {
    pub node: u32,
    pub zone: String,
    pub failure: Option<Vec<u64>>,
    pub collection: Option<Vec<u64>>,
    pub baseline: Option<Vec<u64>>,
    /// Fragmentation index per order, as the kernel computes it, for each series above (`None`
    /// where the series is missing).
    pub extfrag_failure: Option<Vec<f64>>,
    pub extfrag_collection: Option<Vec<f64>>,
    pub extfrag_baseline: Option<Vec<f64>>,
    pub largest_free_order_failure: Option<u32>,
    pub largest_free_order_collection: Option<u32>,
    pub largest_free_order_baseline: Option<u32>,
}

/// A named quantity on both nodes. Text values are bundle text.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedValue {
    pub name: String,
    pub failing: Option<String>,
    pub baseline: Option<String>,
    /// Bytes or counts, when the values are numbers (for sorting and charts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_value: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_value: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlabComparison {
    pub name: String,
    pub failing_bytes: Option<u64>,
    pub baseline_bytes: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each enum's `as_str` is its serialized name: the text and the JSON report agree.
    #[test]
    fn names_are_the_serialized_ones() {
        let json = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        for r in [
            Role::Symptom,
            Role::Mechanism,
            Role::Condition,
            Role::Factor,
            Role::Observation,
            Role::Risk,
        ] {
            assert_eq!(json(serde_json::json!(r)), r.as_str());
        }
        for s in [Severity::Info, Severity::Warning, Severity::Critical] {
            assert_eq!(json(serde_json::json!(s)), s.as_str());
        }
        for c in [Confidence::Low, Confidence::Medium, Confidence::High] {
            assert_eq!(json(serde_json::json!(c)), c.as_str());
        }
        for r in [Risk::None, Risk::Low, Risk::Medium, Risk::High] {
            assert_eq!(json(serde_json::json!(r)), r.as_str());
        }
    }
}
