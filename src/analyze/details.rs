//! The tables and series behind the human-readable reports: zones at the failure and at
//! collection, memory composition, the largest slab caches, the containers, and what the bundle
//! lacked.

use super::fragmentation::{fragmentation_index, unusable_index, watermark_ok, WatermarkRule};
use super::kernel::caches::{is_per_memcg_cache, is_per_netns_conntrack};
use super::lookup;
use super::zones::all_zones;
use super::Context;
use crate::derive::KernelSource;
use crate::facts::{Facts, KeyValues, MemInfoDump};
use crate::report::{Citation, ContainerRow, Details, MemoryComposition, SlabRow, ZoneState};

/// Compute the report's details from the facts.
pub fn build(ctx: &Context<'_>) -> Details {
    let facts = ctx.facts;
    let main = ctx.derived.main_failure.as_ref();
    let failure = main.map(|m| m.at);
    let requested_order = failure.map(|f| f.item.order);
    let mut zones = Vec::new();
    if let Some(main) = main {
        let f = main.at;
        // The free lists at the failure are read with the kernel that failed.
        for z in all_zones(f.item, main.kernel.as_ref().map(|k| &k.version)) {
            let Some(fl) = &z.dump.free_lists else {
                continue;
            };
            zones.push(ZoneState {
                node: z.dump.node.unwrap_or(0),
                zone: z.dump.zone.clone(),
                moment: "failure".to_string(),
                source: Citation {
                    source: f.path.to_string(),
                    line: Some(fl.line.no),
                },
                free_blocks: fl.counts.clone(),
                free_kb: z.dump.free_kb,
                min_kb: z.dump.min_kb,
                low_kb: z.dump.low_kb,
                high_kb: z.dump.high_kb,
                extfrag_index: z.extfrag.clone(),
                unusable_index: z.unusable.clone(),
                watermark_ok: z.watermark.map(|w| w.ok),
            });
        }
    }
    zones.extend(collection_zones(
        facts,
        requested_order,
        ctx.derived.kernel.as_ref(),
    ));
    let (slab_top, slab_sum) = slab_top(facts);
    let memory = memory(
        facts,
        failure.and_then(|f| f.item.mem_info.as_ref().map(|m| (f.path, m))),
    );
    let slab_total_bytes = lookup::meminfo_bytes(facts, "Slab")
        .map(|v| v.0)
        .or(slab_sum)
        .or_else(|| {
            memory.as_ref().map(|m| {
                m.slab_reclaimable_bytes
                    .saturating_add(m.slab_unreclaimable_bytes)
            })
        });
    let slab_reclaimable_bytes = lookup::meminfo_bytes(facts, "SReclaimable")
        .map(|v| v.0)
        .or_else(|| memory.as_ref().map(|m| m.slab_reclaimable_bytes));
    let mut details = Details {
        zones,
        requested_order,
        memory,
        slab_top,
        slab_total_bytes,
        slab_reclaimable_bytes,
        containers: containers(facts),
        gaps: super::gaps::find(facts, &ctx.derived)
            .iter()
            .map(|g| g.sentence())
            .collect(),
        state: Vec::new(),
    };
    details.state = super::state::summarize(facts, &ctx.derived, &details);
    details
}

fn collection_zones(
    facts: &Facts,
    order: Option<u32>,
    kernel: Option<&KernelSource<'_>>,
) -> Vec<ZoneState> {
    let Some(table) = facts.buddyinfo.first() else {
        return Vec::new();
    };
    let zoneinfo = facts.zoneinfo.first();
    let rule = WatermarkRule::for_kernel(kernel.map(|k| &k.version));
    table
        .value
        .zones
        .iter()
        .map(|b| {
            let orders = u32::try_from(b.counts.len()).unwrap_or(0);
            let free_pages = b.counts.iter().enumerate().fold(0u64, |acc, (o, c)| {
                acc.saturating_add(c.saturating_mul(1u64 << o.min(40)))
            });
            let zi = zoneinfo.and_then(|zi| {
                zi.value
                    .zones
                    .iter()
                    .find(|z| z.node == b.node && z.zone == b.zone)
            });
            let mark = |k: &str| zi.and_then(|z| z.pages.get(k).copied());
            let watermark = match (order, mark("min")) {
                (Some(o), Some(min)) => {
                    Some(watermark_ok(free_pages, &b.counts, o, min, 0, rule).ok)
                }
                _ => None,
            };
            ZoneState {
                node: b.node,
                zone: b.zone.clone(),
                moment: "collection".to_string(),
                source: Citation {
                    source: table.path.clone(),
                    line: Some(b.line.no),
                },
                free_blocks: b.counts.clone(),
                free_kb: Some(free_pages.saturating_mul(4)),
                min_kb: mark("min").map(|p| p.saturating_mul(4)),
                low_kb: mark("low").map(|p| p.saturating_mul(4)),
                high_kb: mark("high").map(|p| p.saturating_mul(4)),
                extfrag_index: (0..orders)
                    .filter_map(|o| fragmentation_index(&b.counts, o))
                    .collect(),
                unusable_index: (0..orders).map(|o| unusable_index(&b.counts, o)).collect(),
                watermark_ok: watermark,
            }
        })
        .collect()
}

fn kb(kv: &KeyValues, key: &str) -> Option<u64> {
    kv.value(key)
        .and_then(|v| u64::try_from(v).ok())
        .map(|v| v.saturating_mul(1024))
}

fn memory(facts: &Facts, dump: Option<(&str, &MemInfoDump)>) -> Option<MemoryComposition> {
    if let Some(m) = facts.meminfo.first() {
        let kv = &m.value;
        if let (Some(total), Some(free)) = (kb(kv, "MemTotal"), kb(kv, "MemFree")) {
            let sum2 = |a: &str, b: &str| match (kb(kv, a), kb(kv, b)) {
                (None, None) => None,
                (x, y) => Some(x.unwrap_or(0).saturating_add(y.unwrap_or(0))),
            };
            let anon = kb(kv, "AnonPages")
                .or_else(|| sum2("Active(anon)", "Inactive(anon)"))
                .unwrap_or(0);
            let file = sum2("Active(file)", "Inactive(file)")
                .or_else(|| sum2("Cached", "Buffers"))
                .unwrap_or(0);
            let sr = kb(kv, "SReclaimable").unwrap_or(0);
            let su = kb(kv, "SUnreclaim").unwrap_or(0);
            let used = free
                .saturating_add(anon)
                .saturating_add(file)
                .saturating_add(sr)
                .saturating_add(su);
            return Some(MemoryComposition {
                source: Citation {
                    source: m.path.clone(),
                    line: kv.get("MemTotal").map(|e| e.line.no),
                },
                total_bytes: Some(total),
                free_bytes: free,
                anon_bytes: anon,
                file_bytes: file,
                slab_reclaimable_bytes: sr,
                slab_unreclaimable_bytes: su,
                other_bytes: total.checked_sub(used),
                available_bytes: kb(kv, "MemAvailable"),
            });
        }
    }
    let (path, dump) = dump?;
    let c = |k: &str| {
        dump.counters_pages
            .get(k)
            .copied()
            .unwrap_or(0)
            .saturating_mul(4096)
    };
    if dump.counters_pages.is_empty() {
        return None;
    }
    let total = dump.pages_ram.map(|p| p.saturating_mul(4096));
    let free = c("free");
    let anon = c("active_anon").saturating_add(c("inactive_anon"));
    let file = c("active_file").saturating_add(c("inactive_file"));
    let sr = c("slab_reclaimable");
    let su = c("slab_unreclaimable");
    let used = free
        .saturating_add(anon)
        .saturating_add(file)
        .saturating_add(sr)
        .saturating_add(su);
    Some(MemoryComposition {
        source: Citation {
            source: path.to_string(),
            line: Some(dump.first_line),
        },
        total_bytes: total,
        free_bytes: free,
        anon_bytes: anon,
        file_bytes: file,
        slab_reclaimable_bytes: sr,
        slab_unreclaimable_bytes: su,
        other_bytes: total.and_then(|t| t.checked_sub(used)),
        available_bytes: None,
    })
}

fn slab_top(facts: &Facts) -> (Vec<SlabRow>, Option<u64>) {
    let Some(table) = facts.slabinfo.first() else {
        return (Vec::new(), None);
    };
    let mut rows: Vec<SlabRow> = table
        .value
        .caches
        .iter()
        .map(|c| SlabRow {
            name: c.name.clone(),
            bytes: c.bytes,
            objects: c.num_objs,
            object_size: c.objsize,
            per_instance: is_per_netns_conntrack(&c.name) || is_per_memcg_cache(&c.name),
        })
        .collect();
    let total = rows.iter().fold(0u64, |a, r| a.saturating_add(r.bytes));
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    rows.truncate(10);
    (rows, Some(total))
}

fn containers(facts: &Facts) -> Vec<ContainerRow> {
    facts
        .containers
        .iter()
        .map(|s| {
            let c = &s.value;
            ContainerRow {
                name: c.name.clone().unwrap_or_default(),
                id: c.id.clone(),
                image: c.image.clone(),
                memory_limit_bytes: c.memory.limit_bytes,
                kernel_memory_bytes: c.memory.kernel_bytes,
                status: c.state.status.clone(),
                exit_code: c.state.exit_code,
                oom_killed: c.state.oom_killed,
                error: c.state.error.clone(),
                source: Citation {
                    source: s.path.clone(),
                    line: Some(c.line.no),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_details() {
        let facts = testkit::seed_facts();
        let d = build(&testkit::context(&facts, None));
        assert_eq!(d.requested_order, Some(6));
        let failure: Vec<&ZoneState> = d.zones.iter().filter(|z| z.moment == "failure").collect();
        let names: Vec<&str> = failure.iter().map(|z| z.zone.as_str()).collect();
        assert_eq!(names, ["DMA", "DMA32", "Normal"]);
        let normal = failure[2];
        assert_eq!(
            normal.free_blocks,
            [15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(normal.watermark_ok, Some(false));
        assert_eq!(format!("{:.3}", normal.extfrag_index[4]), "0.922");
        assert_eq!(format!("{:.3}", normal.unusable_index[1]), "0.664");
        assert_eq!(normal.source.line, Some(31));
        let later: Vec<&ZoneState> = d
            .zones
            .iter()
            .filter(|z| z.moment == "collection")
            .collect();
        assert_eq!(later.len(), 3);
        assert_eq!(later[2].free_blocks[4], 27);
        assert_eq!(later[2].source.line, Some(4));
        let mem = d.memory.unwrap();
        assert_eq!(mem.slab_reclaimable_bytes, 1510499 * 4096);
        assert_eq!(mem.total_bytes, Some(4194174 * 4096));
        assert_eq!(d.slab_total_bytes, Some((1510499 + 802998) * 4096));
        assert_eq!(d.containers.len(), 1);
        assert_eq!(d.containers[0].memory_limit_bytes, Some(268435456));
        assert!(d.gaps.iter().any(|g| g.contains("/proc/slabinfo")));
        assert!(d.gaps.iter().any(|g| g.contains("runtime version")));
        assert!(!d.gaps.iter().any(|g| g.contains("extfrag_index")));
    }
}
