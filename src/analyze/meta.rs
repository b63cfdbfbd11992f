//! What each rule declares about itself: its id, role, summary and documentation page, how
//! decisive it is as a verdict, which incidents it explains, the metrics it emits and the
//! evidence it needs.
//!
//! Everything the analysis knows about a finding by name lives here, in the rule's own
//! [`RuleMeta`]: the verdict order, which findings form one incident's chain, the evidence gaps
//! and the metric contract are all derived from the catalogue, so that a new finding is one rule
//! file, one documentation page and its tests.

use crate::report::Role;
use crate::sources::SourceKind;

/// A rule's declaration of itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// The finding id (`mm.external-fragmentation`): stable, never renamed.
    pub id: &'static str,
    /// The default role.
    pub role: Role,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// The documentation page (`docs/findings/<id>.md`), included at build time.
    pub doc: &'static str,
    /// How decisive the finding is as the verdict: the lowest rank among the findings of a
    /// bundle is the verdict. `None` for a finding that is the verdict only when nothing ranked
    /// is there (a symptom or a kernel mechanism) or never (an observation).
    pub verdict_rank: Option<u16>,
    /// The incidents this finding explains, by name (`contiguous-allocation`, `memcg-oom`): the
    /// verdict's chain is every finding that shares one with it, and findings of other
    /// incidents are reported as such. Empty for a finding that stays out of every chain (an
    /// observation, a side measurement) unless it is the verdict itself.
    pub incidents: &'static [&'static str],
    /// Every metric key the finding may emit.
    pub metrics: &'static [Metric],
    /// Evidence the finding reads that a bundle may lack.
    pub needs: &'static [Need],
}

/// One metric of a finding's `metrics` object: a key that ends in its unit where it has one.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// The key; for a per-zone metric the prefix before `.<zone>`.
    pub key: &'static str,
    pub kind: MetricKind,
    /// One per memory zone (`largest_free_order.Normal`).
    pub per_zone: bool,
    /// What the value is, in a few words.
    pub about: &'static str,
}

impl Metric {
    /// A metric with one value.
    pub const fn one(key: &'static str, kind: MetricKind, about: &'static str) -> Metric {
        Metric {
            key,
            kind,
            per_zone: false,
            about,
        }
    }

    /// A metric with one value per zone, keyed `<key>.<zone>`.
    pub const fn per_zone(key: &'static str, kind: MetricKind, about: &'static str) -> Metric {
        Metric {
            key,
            kind,
            per_zone: true,
            about,
        }
    }

    /// Whether an emitted key is this metric.
    pub fn matches(&self, key: &str) -> bool {
        if self.per_zone {
            key.strip_prefix(self.key)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|zone| !zone.is_empty())
        } else {
            key == self.key
        }
    }
}

/// The type and unit of a metric's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A number of things (`reports`, `oom_kills`): a non-negative integer.
    Count,
    /// Bytes: the key ends in `_bytes`.
    Bytes,
    /// Pages of the zone's page size: the key ends in `_pages`.
    Pages,
    /// Seconds: the key ends in `_s`.
    Seconds,
    /// A buddy-allocator order (a block of 2^order pages).
    Order,
    /// An integer that is none of the above (a pid, an exit status, an errno).
    Integer,
    /// A fraction of a whole, 0 to 1.
    Share,
    /// A fragmentation index as the kernel computes it: -1 or 0 to 1, one per order.
    IndexList,
    /// A fragmentation index, one value.
    Index,
    /// Text taken from the bundle or decided by the rule.
    Text,
    /// A list of texts.
    TextList,
    /// Yes or no.
    Flag,
}

impl MetricKind {
    /// The JSON schema of a value of this kind.
    pub fn schema(self) -> serde_json::Value {
        use serde_json::json;
        match self {
            MetricKind::Count | MetricKind::Bytes | MetricKind::Pages | MetricKind::Order => {
                json!({"type": "integer", "minimum": 0})
            }
            MetricKind::Seconds => json!({"type": "number", "minimum": 0}),
            MetricKind::Integer => json!({"type": "integer"}),
            MetricKind::Share => json!({"type": "number", "minimum": 0, "maximum": 1}),
            MetricKind::Index => json!({"type": "number"}),
            MetricKind::IndexList => json!({"type": "array", "items": {"type": "number"}}),
            MetricKind::Text => json!({"type": "string"}),
            MetricKind::TextList => json!({"type": "array", "items": {"type": "string"}}),
            MetricKind::Flag => json!({"type": "boolean"}),
        }
    }

    /// The unit in words, for the documentation pages.
    pub fn unit(self) -> &'static str {
        match self {
            MetricKind::Count => "count",
            MetricKind::Bytes => "bytes",
            MetricKind::Pages => "pages",
            MetricKind::Seconds => "seconds",
            MetricKind::Order => "order",
            MetricKind::Integer => "integer",
            MetricKind::Share => "share (0 to 1)",
            MetricKind::Index => "index",
            MetricKind::IndexList => "index per order",
            MetricKind::Text => "text",
            MetricKind::TextList => "list of texts",
            MetricKind::Flag => "true or false",
        }
    }

    /// The suffix a key of this kind ends in, where the kind has one.
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            MetricKind::Bytes => Some("_bytes"),
            MetricKind::Pages => Some("_pages"),
            MetricKind::Seconds => Some("_s"),
            _ => None,
        }
    }

    /// Whether a JSON value is of this kind.
    pub fn admits(self, value: &serde_json::Value) -> bool {
        match self {
            MetricKind::Count | MetricKind::Bytes | MetricKind::Pages | MetricKind::Order => {
                value.is_u64()
            }
            MetricKind::Seconds => value.as_f64().is_some_and(|v| v >= 0.0),
            MetricKind::Integer => value.is_i64() || value.is_u64(),
            MetricKind::Share => value.as_f64().is_some_and(|v| (0.0..=1.0).contains(&v)),
            MetricKind::Index => value.is_number(),
            MetricKind::IndexList => value
                .as_array()
                .is_some_and(|a| a.iter().all(serde_json::Value::is_number)),
            MetricKind::Text => value.is_string(),
            MetricKind::TextList => value
                .as_array()
                .is_some_and(|a| a.iter().all(serde_json::Value::is_string)),
            MetricKind::Flag => value.is_boolean(),
        }
    }
}

/// A piece of evidence a finding reads, and when its absence is worth telling.
#[derive(Debug, Clone, Copy)]
pub struct Need {
    /// Any of these sources, read with at least one record, meets the need.
    pub sources: &'static [SourceKind],
    /// When the bundle shows what makes the need matter.
    pub when: NeedWhen,
    /// What is missing, in a few words (`no /proc/buddyinfo`).
    pub what: &'static str,
    /// What it would have shown.
    pub why: &'static str,
    /// How to collect it.
    pub collect: Option<&'static str>,
}

/// What in the bundle makes a need matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedWhen {
    /// A kernel allocation of order 1 or more failed.
    AllocFailure,
    /// An allocation failed on a kernel whose kmem accounting leaks memory cgroups (3.10 to
    /// 4.5, RHEL 7).
    AllocFailureOnOldKernel,
    /// Any incident: an allocation failure, an OOM kill or a failed container start.
    Incident,
    /// A container failed to start.
    StartFailure,
    /// Containers are involved and an allocation or a start failed.
    ContainerFailure,
}

/// The JSON schema of a rule's `metrics` object: every key it may emit, with its type, and no
/// other.
pub fn metrics_schema(meta: &RuleMeta) -> serde_json::Value {
    let mut properties = serde_json::Map::new();
    let mut patterns = serde_json::Map::new();
    for m in meta.metrics {
        let mut schema = m.kind.schema();
        schema["description"] = format!("{} ({})", m.about, m.kind.unit()).into();
        if m.per_zone {
            patterns.insert(format!("^{}\\.[A-Za-z0-9_]+$", m.key), schema);
        } else {
            properties.insert(m.key.to_string(), schema);
        }
    }
    let mut schema = serde_json::json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !patterns.is_empty() {
        schema["patternProperties"] = patterns.into();
    }
    schema
}

/// The rule's metrics as the table of its documentation page.
pub fn metrics_table(meta: &RuleMeta) -> String {
    let mut out = String::from("| Key | Type | Meaning |\n|---|---|---|\n");
    for m in meta.metrics {
        let key = if m.per_zone {
            format!("`{}.<zone>`", m.key)
        } else {
            format!("`{}`", m.key)
        };
        out.push_str(&format!("| {key} | {} | {} |\n", m.kind.unit(), m.about));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{testkit, RULES};
    use serde_json::{json, Value};

    const SCHEMA: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/report.schema.json"
    );

    /// The per-finding parts of the contract, as the catalogue declares them.
    fn declared() -> (Value, Value) {
        let mut defs = serde_json::Map::new();
        let mut all_of = Vec::new();
        for r in RULES {
            let id = r.id();
            defs.insert(id.to_string(), metrics_schema(r.meta()));
            all_of.push(json!({
                "if": {"properties": {"id": {"const": id}}, "required": ["id"]},
                "then": {"properties": {"metrics": {"$ref": format!("#/$defs/metrics/{id}")}}}
            }));
        }
        (Value::Object(defs), Value::Array(all_of))
    }

    #[test]
    fn metric_keys_end_in_their_unit() {
        for r in RULES {
            for m in r.meta().metrics {
                for kind in [MetricKind::Bytes, MetricKind::Pages, MetricKind::Seconds] {
                    let suffix = kind.suffix().unwrap_or_default();
                    assert_eq!(
                        m.key.ends_with(suffix),
                        m.kind == kind,
                        "{}: `{}` and {:?}",
                        r.id(),
                        m.key,
                        m.kind
                    );
                }
                assert!(!m.key.ends_with("_kb"), "{}: `{}`", r.id(), m.key);
            }
        }
    }

    #[test]
    fn every_emitted_metric_is_declared_with_its_type() {
        let healthy = testkit::healthy_facts();
        for (name, case) in testkit::cases() {
            let ctx = testkit::context(&case, Some(&healthy));
            for r in RULES {
                for f in r.evaluate(&ctx) {
                    for (key, value) in &f.metrics {
                        let m = r.meta().metrics.iter().find(|m| m.matches(key));
                        let m = m.unwrap_or_else(|| {
                            panic!("{name}: {} emits `{key}`, not declared", r.id())
                        });
                        assert!(
                            m.kind.admits(value),
                            "{name}: {} `{key}` = {value} is not {:?}",
                            r.id(),
                            m.kind
                        );
                    }
                }
            }
        }
    }

    /// The contract and the documentation pages list each finding's metrics as declared. With
    /// `POSTMORTEM_WRITE_CONTRACT=1` the test writes them instead.
    #[test]
    fn contract_and_pages_list_every_metric() {
        let (defs, all_of) = declared();
        let text = std::fs::read_to_string(SCHEMA).unwrap();
        let mut schema: Value = serde_json::from_str(&text).unwrap();
        let write = std::env::var_os("POSTMORTEM_WRITE_CONTRACT").is_some();
        if write {
            schema["$defs"]["metrics"] = defs.clone();
            schema["properties"]["findings"]["items"]["allOf"] = all_of.clone();
            let mut out = serde_json::to_string_pretty(&schema).unwrap();
            out.push('\n');
            std::fs::write(SCHEMA, out).unwrap();
        }
        assert_eq!(
            schema["$defs"]["metrics"], defs,
            "run with POSTMORTEM_WRITE_CONTRACT=1"
        );
        assert_eq!(
            schema["properties"]["findings"]["items"]["allOf"], all_of,
            "run with POSTMORTEM_WRITE_CONTRACT=1"
        );
        for r in RULES {
            let path = format!("{}/docs/findings/{}.md", env!("CARGO_MANIFEST_DIR"), r.id());
            let page = std::fs::read_to_string(&path).unwrap();
            let table = metrics_table(r.meta());
            let section = format!("## Metrics\n{table}");
            if write && !page.contains(&section) {
                let head = page.find("## Metrics\n").map(|at| {
                    let rest = &page[at + 1..];
                    let end = rest.find("\n## ").map_or(page.len(), |e| at + 1 + e + 1);
                    (at, end)
                });
                let page = match head {
                    Some((at, end)) => format!("{}{section}\n{}", &page[..at], &page[end..]),
                    None => match page.find("## What to do") {
                        Some(at) => format!("{}{section}\n{}", &page[..at], &page[at..]),
                        None => format!("{page}\n{section}"),
                    },
                };
                std::fs::write(&path, page).unwrap();
                continue;
            }
            assert!(
                page.contains(&section),
                "{}: metrics table out of date",
                r.id()
            );
        }
    }
}
