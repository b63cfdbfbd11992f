//! `mm.alloc-stall`: an allocation kept retrying instead of failing.
//!
//! Two kernel messages say it: `page allocation stalls for <ms>ms, order:<n>, mode:<gfp>`
//! (4.9 to 4.14, from `warn_alloc()`, followed by a call trace and a `Mem-Info:` block), and
//! XFS's `possible memory allocation deadlock size <n> in kmem_alloc (mode:0x...)`, printed
//! every hundred failed retries of an allocation XFS does not allow to fail. Either is the same
//! question as a failure: was memory used up, or free in blocks too small? When the stall's
//! Mem-Info is there, the request is judged as a failure is ([`crate::analyze::assess::judge`]).

use crate::analyze::assess::{judge, Cause};
use crate::analyze::finding::{code, count, FindingBuilder};
use crate::analyze::fragmentation::order_bytes;
use crate::analyze::lookup::{self, At};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::{AllocFailure, GfpMask, KernelMessage, KernelMessageKind, MemInfoDump};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct AllocStall;

/// How many lines after a stall its Mem-Info block may start: the call trace between them.
const MEM_INFO_WITHIN: u32 = 120;

static META: RuleMeta = RuleMeta {
    id: "mm.alloc-stall",
    role: Role::Mechanism,
    summary: "An allocation kept retrying instead of failing (allocation stall, XFS allocation retry loop)",
    doc: include_str!("../../../docs/findings/mm.alloc-stall.md"),
    verdict_rank: None,
    incidents: &["alloc-stall"],
    metrics: &[
        Metric::one("stall_reports", MetricKind::Count, "`page allocation stalls` lines"),
        Metric::one(
            "xfs_retry_reports",
            MetricKind::Count,
            "XFS `possible memory allocation deadlock` lines",
        ),
        Metric::one("order", MetricKind::Order, "order of the longest-stalled request"),
        Metric::one("request_bytes", MetricKind::Bytes, "its size"),
        Metric::one("longest_stall_s", MetricKind::Seconds, "the longest stall reported"),
        Metric::one("task", MetricKind::Text, "the task that asked"),
        Metric::one(
            "cause",
            MetricKind::Text,
            "fragmentation, exhaustion or undetermined, from the stall's Mem-Info",
        ),
    ],
    needs: &[],
};

/// One report read as the request it was.
struct Request<'a> {
    at: At<'a, KernelMessage>,
    task: Option<&'a str>,
    order: Option<u32>,
    mode: Option<&'a GfpMask>,
    millis: Option<u64>,
    /// XFS's allocator function (`kmem_alloc`), for its retry loop.
    xfs: Option<&'a str>,
}

fn requests<'a>(ctx: &Context<'a>) -> Vec<Request<'a>> {
    lookup::kernel_messages(ctx.facts)
        .filter_map(|at| match &at.item.kind {
            KernelMessageKind::AllocStall {
                task,
                millis,
                order,
                mode,
            } => Some(Request {
                at,
                task: task.as_deref(),
                order: *order,
                mode: mode.as_ref(),
                millis: *millis,
                xfs: None,
            }),
            KernelMessageKind::XfsAllocDeadlock {
                task,
                size,
                function,
                mode,
                ..
            } => Some(Request {
                at,
                task: task.as_deref(),
                order: size.map(order_of_bytes),
                mode: mode.as_ref(),
                millis: None,
                xfs: Some(function.as_deref().unwrap_or("kmem_alloc")),
            }),
            _ => None,
        })
        .collect()
}

/// The buddy order a request of `bytes` takes (`get_order`).
fn order_of_bytes(bytes: u64) -> u32 {
    let pages = bytes.div_ceil(4096).max(1);
    pages.next_power_of_two().trailing_zeros()
}

/// The Mem-Info block the kernel printed after a stall, in the same log.
fn mem_info_after<'a>(ctx: &Context<'a>, at: &At<'a, KernelMessage>) -> Option<&'a MemInfoDump> {
    let log = ctx.facts.kernel_logs.iter().find(|l| l.path == at.path)?;
    let no = at.item.line.no;
    log.value
        .mem_info_dumps
        .iter()
        .find(|d| d.first_line > no && d.first_line - no <= MEM_INFO_WITHIN)
}

impl Rule for AllocStall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let all = requests(ctx);
        // The longest stall, else the largest XFS request; ties go to the first.
        let Some(main) = all.iter().max_by(|a, b| {
            (a.millis, a.order)
                .cmp(&(b.millis, b.order))
                .then(b.at.item.line.no.cmp(&a.at.item.line.no))
        }) else {
            return Vec::new();
        };
        let stalls: Vec<&Request<'_>> = all.iter().filter(|r| r.xfs.is_none()).collect();
        let xfs: Vec<&Request<'_>> = all.iter().filter(|r| r.xfs.is_some()).collect();
        let kernel = ctx
            .derived
            .kernel_at(main.at.path, main.at.item.line.no, None)
            .or_else(|| ctx.derived.kernel.clone());
        let release = kernel.as_ref().map(|k| k.version.release.as_str());
        let mem_info = main
            .xfs
            .is_none()
            .then(|| mem_info_after(ctx, &main.at))
            .flatten();
        let cause = match (mem_info, main.order) {
            (Some(dump), Some(order)) => {
                let mut gfp = main.mode.cloned().unwrap_or_default();
                gfp.decoded = crate::parse::gfp::decode(gfp.raw, release);
                let request = AllocFailure {
                    header: main.at.item.line.clone(),
                    stamp: main.at.item.stamp.clone(),
                    task: main.task.unwrap_or_default().to_string(),
                    order,
                    gfp,
                    mem_info: Some(dump.clone()),
                    ..AllocFailure::default()
                };
                Some(judge(&request, kernel.as_ref().map(|k| &k.version), None).2)
            }
            _ => None,
        };

        let task = main.task.map(code).unwrap_or_else(|| "a task".to_string());
        let size = main
            .order
            .map(|o| format!("an order-{o} ({}) request", units::bytes(order_bytes(o))));
        let size_text = size.clone().unwrap_or_else(|| "a request".to_string());
        let what = match (main.xfs, main.millis) {
            (Some(function), _) => format!(
                "XFS in {task} retried {size_text} in `{function}` without end: the kernel \
                 prints `possible memory allocation deadlock` every hundred failed attempts of \
                 an allocation XFS does not allow to fail, and the task waits until one succeeds"
            ),
            (None, Some(ms)) => format!(
                "{task} waited {} for {size_text}: the allocator kept reclaiming and compacting \
                 instead of failing",
                seconds(ms)
            ),
            (None, None) => format!("{task} stalled in the allocator on {size_text}"),
        };
        let verdict = match cause {
            Some(Cause::Fragmentation) => {
                " The Mem-Info printed with it shows memory free above the watermarks but in \
                 blocks smaller than the request: fragmentation, as for a failure."
            }
            Some(Cause::Exhaustion) => {
                " The Mem-Info printed with it shows the zones at their min watermark with \
                 little to reclaim: memory was used up."
            }
            Some(Cause::Undetermined) => {
                " The Mem-Info printed with it does not decide between fragmentation and \
                 exhaustion."
            }
            None if main.order.is_some_and(|o| o > 0) => {
                " No Mem-Info came with it; a high-order request that loops is usually \
                 fragmentation (`/proc/buddyinfo` at that time would show it)."
            }
            None => "",
        };
        let mut counted = Vec::new();
        if !stalls.is_empty() {
            counted.push(count(
                lookup::count_in_fullest_log(&stalls.iter().map(|r| r.at).collect::<Vec<_>>()),
                "allocation stall report",
                "allocation stall reports",
            ));
        }
        if !xfs.is_empty() {
            counted.push(count(
                lookup::count_in_fullest_log(&xfs.iter().map(|r| r.at).collect::<Vec<_>>()),
                "XFS retry report",
                "XFS retry reports",
            ));
        }
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(if cause.is_some_and(|c| c != Cause::Undetermined) {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .title(format!(
                "{} kept retrying in {}{}",
                size.as_deref()
                    .map(capitalized)
                    .unwrap_or_else(|| "An allocation".to_string()),
                main.task.unwrap_or("the kernel"),
                main.millis
                    .map(|ms| format!(" for {}", seconds(ms)))
                    .unwrap_or_default()
            ))
            .sentence(format!("{}.{verdict}", capitalized(&what)))
            .paragraph(format!(
                "The log has {}. A request that may not fail (`__GFP_NOFAIL`, XFS's own loop) or \
                 may reclaim and compact for long keeps the task in the allocator: it is the same \
                 fragmentation-or-exhaustion question as a failure, answered by the free lists \
                 of the zones at that moment.",
                counted.join(" and ")
            ))
            .metric("stall_reports", stalls.len() as u64)
            .metric("xfs_retry_reports", xfs.len() as u64)
            .metric_opt("order", main.order)
            .metric_opt("request_bytes", main.order.map(order_bytes))
            .metric_opt("longest_stall_s", main.millis.map(|ms| ms as f64 / 1000.0))
            .metric_opt("task", main.task.map(str::to_string))
            .metric_opt(
                "cause",
                cause.map(|c| {
                    match c {
                        Cause::Fragmentation => "fragmentation",
                        Cause::Exhaustion => "exhaustion",
                        Cause::Undetermined => "undetermined",
                    }
                    .to_string()
                }),
            )
            .cite(main.at.path, &main.at.item.line);
        for r in all.iter().filter(|r| !std::ptr::eq(*r, main)).take(2) {
            b = b.cite(r.at.path, &r.at.item.line);
        }
        if let Some(dump) = mem_info {
            for zone in dump.zones.iter().filter_map(|z| z.line.as_ref()).take(3) {
                b = b.cite(main.at.path, zone);
            }
        }
        vec![b
            .recommend(
                "Read the free lists at the time of the stall (the Mem-Info after it, or \
                 `/proc/buddyinfo`): free blocks at the request's order or above answer it",
                Some("cat /proc/buddyinfo"),
                Risk::Low,
                "First",
            )
            .recommend(
                "For a fragmented host, compact memory and keep more free (`vm.min_free_kbytes`)",
                Some("echo 1 > /proc/sys/vm/compact_memory"),
                Risk::Medium,
                "When the free lists show fragmentation",
            )
            .build()]
    }
}

fn seconds(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;
    use crate::sources::SourceKind;

    fn dmesg(text: &str) -> Facts {
        kernel_log_facts("dmesg", text, SourceKind::Dmesg)
    }

    fn explained(facts: &Facts) -> String {
        explained_by(&AllocStall, facts)
    }

    #[test]
    fn orders_of_sizes() {
        assert_eq!(order_of_bytes(4096), 0);
        assert_eq!(order_of_bytes(4097), 1);
        assert_eq!(order_of_bytes(65552), 5);
        assert_eq!(order_of_bytes(0), 0);
    }

    /// XFS's retry loop in the form of fs/xfs/kmem.c: no published log has it.
    #[test]
    fn xfs_retry_loop() {
        let facts = dmesg(
            "[86462.101] XFS: kworker/u8:2(5830) possible memory allocation deadlock size 65552 in kmem_alloc (mode:0x2400240)\n\
             [86464.190] XFS: kworker/u8:2(5830) possible memory allocation deadlock size 65552 in kmem_alloc (mode:0x2400240)\n",
        );
        let f = AllocStall.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["order"], 5);
        assert_eq!(f[0].metrics["xfs_retry_reports"], 2);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(explained(&facts), @r###"
            An order-5 (128 KiB) request kept retrying in kworker/u8:2
            > XFS in `kworker/u8:2` retried an order-5 (128 KiB) request in `kmem_alloc` without end: the kernel prints `possible memory allocation deadlock` every hundred failed attempts of an allocation XFS does not allow to fail, and the task waits until one succeeds. No Mem-Info came with it; a high-order request that loops is usually fragmentation (`/proc/buddyinfo` at that time would show it).

            The log has 2 XFS retry reports. A request that may not fail (`__GFP_NOFAIL`, XFS's own loop) or may reclaim and compact for long keeps the task in the allocator: it is the same fragmentation-or-exhaustion question as a failure, answered by the free lists of the zones at that moment.
            "###);
    }

    /// A 4.9 stall whose Mem-Info is the seed's fragmented one: judged as the seed's failure
    /// was.
    #[test]
    fn a_stall_with_its_mem_info_is_judged_like_a_failure() {
        let seed = include_str!("../../../tests/data/dmesg/seed-3.10-order6-unshare.txt");
        let mem_info: String = seed
            .lines()
            .filter(|l| !l.starts_with("# "))
            .skip_while(|l| !l.contains("Mem-Info:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let text = format!(
            "[2751018.100000] runc:[1:CHILD]: page allocation stalls for 10012ms, order:6, mode:0x10c0d0\n\
             [2751018.100100] CPU: 5 PID: 839206 Comm: runc:[1:CHILD] Not tainted 3.10.0-514.26.2.el7.x86_64 #1\n\
             {mem_info}"
        );
        let facts = dmesg(&text);
        let f = AllocStall.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["order"], 6);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(f[0].sentence, @"`runc:[1:CHILD]` waited 10.0 s for an order-6 (256 KiB) request: the allocator kept reclaiming and compacting instead of failing. The Mem-Info printed with it shows memory free above the watermarks but in blocks smaller than the request: fragmentation, as for a failure.");
        assert_eq!(f[0].metrics["cause"], "fragmentation");
    }

    /// An allocation failure is not a stall, nor the allocator's own start-up line; nor any
    /// testkit case.
    #[test]
    fn near_misses_do_not_raise_it() {
        let facts = dmesg(
            "[    0.000000] Built 1 zonelists, mobility grouping on.  Total pages: 4128618\n\
             [ 2751018.2] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n\
             [ 2751019.0] XFS (vda1): Mounting V5 Filesystem\n",
        );
        assert!(AllocStall.evaluate(&context(&facts, None)).is_empty());
        assert_silent_on_cases(&AllocStall);
    }
}
