//! `mm.compaction-ineffective`: memory compaction ran but mostly failed to make the contiguous
//! blocks it was asked for (`/proc/vmstat` compact_* counters).

use crate::analyze::finding::FindingBuilder;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct CompactionIneffective;

/// Stalls below this are too few to judge.
const MIN_STALLS: i64 = 10;

static META: RuleMeta = RuleMeta {
    id: "mm.compaction-ineffective",
    role: Role::Observation,
    summary: "Memory compaction ran but mostly failed to build contiguous blocks",
    doc: include_str!("../../../docs/findings/mm.compaction-ineffective.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        Metric::one(
            "compact_stall",
            MetricKind::Count,
            "direct compaction stalls since boot",
        ),
        Metric::one("compact_fail", MetricKind::Count, "failed compactions"),
        Metric::one(
            "compact_success",
            MetricKind::Count,
            "successful compactions",
        ),
    ],
    needs: &[],
};

impl Rule for CompactionIneffective {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        for vm in &ctx.facts.vmstat {
            let get = |k: &str| {
                vm.value
                    .get(k)
                    .and_then(|kv| kv.value.map(|v| (v, &kv.line)))
            };
            let (Some((stall, stall_line)), Some((fail, fail_line)), Some((success, success_line))) = (
                get("compact_stall"),
                get("compact_fail"),
                get("compact_success"),
            ) else {
                continue;
            };
            let attempts = fail.saturating_add(success);
            if stall < MIN_STALLS || attempts <= 0 || fail * 2 < attempts {
                continue;
            }
            let share = fail as f64 / attempts as f64;
            return vec![FindingBuilder::new(self)
                .severity(Severity::Info)
                .confidence(Confidence::Medium)
                .title(format!(
                    "Compaction failed {:.0}% of the time ({fail} of {attempts} direct compactions)",
                    share * 100.0
                ))
                .paragraph(format!(
                    "Since boot, allocations stalled {stall} times to compact memory directly; {fail} \
                     of those compactions failed and {success} succeeded. Compaction can only move \
                     movable pages: when free memory is broken up by unmovable kernel objects \
                     (slab, page tables, kernel stacks), it cannot rebuild large blocks, and forcing \
                     it (`compact_memory`) helps little."
                ))
                .cite(&vm.path, stall_line)
                .cite(&vm.path, fail_line)
                .cite(&vm.path, success_line)
                .metric("compact_stall", stall)
                .metric("compact_fail", fail)
                .metric("compact_success", success)
                .recommend(
                    "Do not rely on manual compaction to restore high-order allocations here",
                    None,
                    Risk::None,
                    "When weighing the short-term remedies",
                )
                .build()];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, KeyValue, KeyValues, Line, Sourced};

    fn vmstat(stall: i64, fail: i64, success: i64) -> Facts {
        let kv = |no: u32, k: &str, v: i64| KeyValue {
            key: k.into(),
            value: Some(v),
            raw: v.to_string(),
            line: Line::new(no, format!("{k} {v}")),
        };
        Facts {
            vmstat: vec![Sourced {
                path: "proc/vmstat".into(),
                value: KeyValues {
                    entries: vec![
                        kv(1, "compact_stall", stall),
                        kv(2, "compact_fail", fail),
                        kv(3, "compact_success", success),
                    ],
                },
            }],
            ..Facts::default()
        }
    }

    #[test]
    fn fires_when_most_compactions_fail() {
        let f = CompactionIneffective.evaluate(&context(&vmstat(5230, 4981, 249), None));
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("95%"), "{}", f[0].title);
        assert!(CompactionIneffective
            .evaluate(&context(&vmstat(500, 10, 490), None))
            .is_empty());
        assert!(CompactionIneffective
            .evaluate(&context(&vmstat(3, 3, 0), None))
            .is_empty());
        assert!(CompactionIneffective
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
    }
}
