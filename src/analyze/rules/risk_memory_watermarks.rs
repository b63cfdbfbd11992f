//! `risk.memory-watermarks`: the memory the node can still hand out is within four times the
//! kernel's high watermarks: a little more demand and allocations stall in reclaim, then the
//! OOM killer runs.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::risk::{round3, sysctl_count};
use crate::analyze::{lookup, Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct MemoryWatermarksRisk;

/// How many times the high watermarks the available memory must be for the node not to be
/// at risk.
const BAND: u64 = 4;

static META: RuleMeta = RuleMeta {
    id: "risk.memory-watermarks",
    role: Role::Risk,
    summary: "Available memory is within four times the kernel's high watermarks",
    doc: include_str!("../../../docs/findings/risk.memory-watermarks.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        Metric::one(
            "available_bytes",
            MetricKind::Bytes,
            "available memory at collection",
        ),
        Metric::one(
            "high_watermark_bytes",
            MetricKind::Bytes,
            "the zones' high watermarks added up",
        ),
        Metric::one(
            "headroom",
            MetricKind::Share,
            "share of the band of four high watermarks still above the high watermark",
        ),
    ],
    needs: &[],
};

impl Rule for MemoryWatermarksRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        if lookup::oom_kills(facts).next().is_some() {
            return Vec::new();
        }
        let Some(available) = ctx.derived.available.as_ref() else {
            return Vec::new();
        };
        // The high watermarks: from zoneinfo when the bundle has it, else as the kernel sets
        // them from `vm.min_free_kbytes` (high = min + min/2, added up over the zones).
        let from_zoneinfo: Option<(u64, &str, &crate::facts::Line)> =
            facts.zoneinfo.first().and_then(|z| {
                let pages: u64 = z
                    .value
                    .zones
                    .iter()
                    .filter_map(|zone| zone.pages.get("high"))
                    .sum();
                let first = z.value.zones.first()?;
                (pages > 0).then_some((pages.saturating_mul(4096), z.path.as_str(), &first.line))
            });
        let (high, path, line) = match from_zoneinfo {
            Some(h) => h,
            None => match sysctl_count(facts, "vm.min_free_kbytes") {
                Some((path, kv, min_kb)) => (
                    min_kb.saturating_mul(1024).saturating_mul(3) / 2,
                    path,
                    &kv.line,
                ),
                None => return Vec::new(),
            },
        };
        let avail = available.bytes;
        let band = high.saturating_mul(BAND);
        if high == 0 || avail >= band {
            return Vec::new();
        }
        let headroom = round3(
            (avail.saturating_sub(high) as f64 / band.saturating_sub(high).max(1) as f64)
                .clamp(0.0, 1.0),
        );
        let b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::Medium)
            .precedes("mm.memory-exhaustion")
            .title(format!(
                "{} available against high watermarks of {}",
                units::bytes(avail),
                units::bytes(high)
            ))
            .sentence(format!(
                "Exposed to memory exhaustion: {} is available against high watermarks of {} \
                 (less than {BAND} times them), so a little more demand sends allocations into \
                 direct reclaim and then to the OOM killer.",
                units::bytes(avail),
                units::bytes(high)
            ))
            .paragraph(format!(
                "The kernel keeps free memory above each zone's watermarks: below `low` kswapd \
                 reclaims in the background, below `min` every allocation reclaims itself and \
                 stalls. Available memory (free memory and what can be reclaimed) of less than \
                 {BAND} times the high watermarks leaves little room for a burst. The \
                 watermarks come from {}.",
                code(path)
            ))
            .metric("available_bytes", avail)
            .metric("high_watermark_bytes", high)
            .metric("headroom", headroom)
            .cite(available.path, available.line)
            .cite(path, line)
            .recommend(
                "Find what holds the memory before the OOM killer chooses for you",
                Some("ps -eo pid,rss,comm --sort=-rss | head; slabtop -o | head -20"),
                Risk::None,
                "now",
            );
        vec![b.build()]
    }
}
