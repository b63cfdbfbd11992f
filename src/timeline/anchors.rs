//! Clock anchors: what ties uptime stamps to the wall clock, strongest first.
//!
//! 1. The same kernel line seen with an uptime stamp (raw dmesg, journal monotonic) and a
//!    wall-clock stamp (journal, syslog, `dmesg -T`), or both stamps on one line (rsyslog
//!    keeping the kernel's `[uptime]` in the message): boot = wall - uptime. The journal reads
//!    its own clock when the line arrives; syslog prints whole seconds; `dmesg -T` is itself
//!    computed from an estimate of the boot time that goes wrong after a suspend, so it ranks
//!    below the other two.
//! 2. `/proc/stat` `btime`: the kernel's own estimate, to the second.
//! 3. `date` with `/proc/uptime` (or `uptime`, to the minute) captured together. When the
//!    collector's manifest records when each ran, this pair ranks with the syslog copies
//!    (first among equals by its millisecond uncertainty).
//! 4. The archive's modification time of `/proc/uptime`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rayon::prelude::*;

use crate::facts::{
    AllocFailure, CacheCreateFailure, Facts, KernelLog, KernelLogFormat, KernelMessage, OomKill,
    SlubFailure, Stamp, WallClock,
};

use super::zone::same_file;
use super::{add_seconds, from_seconds, seconds, ClockResolution};

/// One way of knowing the boot time.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// How, in words (becomes [`ClockResolution::method`]).
    pub method: String,
    /// Short name of the wall clock used, for notes (`the journal`, `dmesg -T`).
    pub clock_name: String,
    pub boot: Timestamp,
    pub uncertainty_s: f64,
    /// Strength: lower is stronger.
    pub rank: u8,
    /// The log whose wall-clock stamps gave this anchor, for kernel-line anchors.
    pub wall_source: Option<String>,
    pub wall_format: Option<KernelLogFormat>,
    /// Read from civil-time stamps in a zone that was only assumed: weaker than any anchor
    /// that does not depend on the zone.
    pub zone_unsure: bool,
}

const MICROSECOND: f64 = 1e-6;

/// Rank added to anchors whose civil-time stamps were read in an assumed zone.
const ZONE_UNSURE_RANK: u8 = 10;

/// What the copies of one happening share, whatever file and framing they were read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity<'a> {
    /// A notable kernel message: its body, after any uptime the body kept. Borrowed, as a
    /// container host has thousands of them.
    Message(&'a str),
    /// Anything else: what identifies it, composed (`alloc runc:[1:CHILD] Some(7) 6 10c0d0`).
    Composed(String),
}

/// A kernel line of a log reduced to what identifies it across copies of the log.
#[derive(Debug, Clone)]
pub struct KernelItem<'a> {
    /// The same for every copy of one kernel line, whatever the log's framing.
    pub key: Identity<'a>,
    pub stamp: Stamp,
    pub line: u32,
}

/// Identity of a page allocation failure report across copies of the log.
pub fn alloc_key(a: &AllocFailure) -> Identity<'static> {
    Identity::Composed(format!(
        "alloc {} {:?} {} {:x}",
        a.task, a.pid, a.order, a.gfp.raw
    ))
}

/// Identity of an OOM kill report across copies of the log.
pub fn oom_key(o: &OomKill) -> Identity<'static> {
    Identity::Composed(match &o.victim {
        Some(v) => format!("oom {:?} {}", v.pid, v.comm),
        None => format!("oom {:?} {:?}", o.invoker, o.order),
    })
}

/// The line an OOM kill report is cited by: its header, else the kill line.
pub fn oom_line(o: &OomKill) -> Option<u32> {
    o.header
        .as_ref()
        .map(|l| l.no)
        .or(o.victim.as_ref().map(|v| v.line.no))
}

/// Identity of a SLUB failure across copies of the log.
pub fn slub_key(s: &SlubFailure) -> Identity<'static> {
    Identity::Composed(format!(
        "slub {} {:?} {:?}",
        s.node,
        s.cache,
        s.gfp.as_ref().map(|g| g.raw)
    ))
}

/// Identity of a cache creation failure across copies of the log.
pub fn cache_create_key(c: &CacheCreateFailure) -> Identity<'static> {
    Identity::Composed(format!("kmem {} {}", c.cache, c.error))
}

/// A message body that still starts with the kernel's `[ 12.345678]` (rsyslog keeps it inside
/// the syslog message): that uptime, and the body after it.
pub fn split_uptime_prefix(body: &str) -> (Option<f64>, &str) {
    let trimmed = body.trim();
    let Some(rest) = trimmed.strip_prefix('[') else {
        return (None, trimmed);
    };
    let Some((inner, after)) = rest.split_once(']') else {
        return (None, trimmed);
    };
    let inner = inner.trim();
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return (None, trimmed);
    }
    match inner.parse::<f64>() {
        Ok(up) => (Some(up), after.trim_start()),
        Err(_) => (None, trimmed),
    }
}

/// Identity of a notable kernel message across copies of the log: its body.
pub fn message_key(m: &KernelMessage) -> Identity<'_> {
    Identity::Message(split_uptime_prefix(&m.message).1)
}

/// The stamp of a message, with the uptime its body kept when the line's stamp lacks one.
pub fn message_stamp(m: &KernelMessage) -> Stamp {
    let mut stamp = m.stamp.clone();
    if stamp.uptime_s.is_none() {
        stamp.uptime_s = split_uptime_prefix(&m.message).0;
    }
    stamp
}

/// The identifying keys of the notable lines of a kernel log, in file order.
pub fn kernel_items(log: &KernelLog) -> Vec<KernelItem<'_>> {
    let mut items = Vec::new();
    for a in &log.alloc_failures {
        items.push(KernelItem {
            key: alloc_key(a),
            stamp: a.stamp.clone(),
            line: a.header.no,
        });
    }
    for o in &log.oom_kills {
        if let Some(line) = oom_line(o) {
            items.push(KernelItem {
                key: oom_key(o),
                stamp: o.stamp.clone(),
                line,
            });
        }
    }
    for s in &log.slub_failures {
        items.push(KernelItem {
            key: slub_key(s),
            stamp: s.stamp.clone(),
            line: s.line.no,
        });
    }
    for c in &log.cache_create_failures {
        items.push(KernelItem {
            key: cache_create_key(c),
            stamp: c.stamp.clone(),
            line: c.line.no,
        });
    }
    for m in &log.messages {
        items.push(KernelItem {
            key: message_key(m),
            stamp: message_stamp(m),
            line: m.line.no,
        });
    }
    items.sort_by_key(|i| i.line);
    items
}

/// Rank and names of a wall clock of kernel lines by log format.
fn wall_clock_kind(format: KernelLogFormat) -> (u8, &'static str, &'static str) {
    match format {
        KernelLogFormat::JournalJson | KernelLogFormat::JournalShort => {
            (0, "journal", "the journal")
        }
        KernelLogFormat::Syslog | KernelLogFormat::SyslogIso => (1, "syslog", "syslog"),
        _ => (2, "dmesg -T", "dmesg -T"),
    }
}

/// Median of boot estimates, the largest distance from it among the estimates that agree with
/// it, and how many agree. `None` when fewer than half agree: the pairs were not copies.
fn summarize(estimates: &mut Vec<f64>, precision: f64) -> Option<(f64, f64, usize)> {
    estimates.retain(|e| e.is_finite());
    if estimates.is_empty() {
        return None;
    }
    estimates.sort_by(f64::total_cmp);
    let median = *estimates.get(estimates.len() / 2)?;
    let inliers: Vec<f64> = estimates
        .iter()
        .copied()
        .filter(|e| (e - median).abs() <= precision + 2.0)
        .collect();
    if inliers.len() * 2 < estimates.len() {
        return None;
    }
    let spread = inliers
        .iter()
        .map(|e| (e - median).abs())
        .fold(0.0_f64, f64::max);
    Some((median, spread, inliers.len()))
}

/// Occurrences of each key in one log, in file order. Walked only to gather estimates, which
/// are sorted before use, so the map's order never shows; hashing beats comparing the long,
/// alike lines (`docker0: port 3(veth…)`) of a container host.
type ByKey<'a, T> = foldhash::HashMap<&'a Identity<'a>, Vec<T>>;

/// Pair the occurrences of a line on the two sides, aligned on the latest ones: the kernel ring
/// buffer loses the oldest lines first, and a syslog file may reach further back than the boot
/// of the dmesg.
fn tail_pairs<'s, A: Copy, B: Copy>(a: &'s [A], b: &'s [B]) -> impl Iterator<Item = (A, B)> + 's {
    let n = a.len().min(b.len());
    let a_tail = a.get(a.len() - n..).unwrap_or_default();
    let b_tail = b.get(b.len() - n..).unwrap_or_default();
    a_tail.iter().copied().zip(b_tail.iter().copied())
}

/// Anchors from kernel lines seen with both clocks, one per log that gave wall-clock stamps.
///
/// A container host's logs hold thousands of such lines each; the logs are read side by side.
fn kernel_line_anchors(facts: &Facts, clock: &ClockResolution) -> Vec<Anchor> {
    let logs: Vec<(&str, KernelLogFormat, Vec<KernelItem>)> = facts
        .kernel_logs
        .par_iter()
        .filter(|l| !super::is_crashed_kernel_log(&l.path))
        .map(|l| (l.path.as_str(), l.value.format, kernel_items(&l.value)))
        .collect();
    // Uptime-only occurrences, per log.
    let uptime_logs: Vec<(&str, ByKey<'_, f64>)> = logs
        .par_iter()
        .map(|(path, _, items)| {
            let mut by_key: ByKey<'_, f64> = ByKey::default();
            for i in items {
                if let (Some(up), None) = (i.stamp.uptime_s, &i.stamp.wall) {
                    by_key.entry(&i.key).or_default().push(up);
                }
            }
            (*path, by_key)
        })
        .filter(|(_, m)| !m.is_empty())
        .collect();
    logs.par_iter()
        .filter_map(|(path, format, items)| log_anchor(path, *format, items, &uptime_logs, clock))
        .collect()
}

/// The anchor of one log's wall-clock stamps: its lines carrying both clocks, and its lines
/// that another log holds with an uptime stamp.
fn log_anchor(
    path: &str,
    format: KernelLogFormat,
    items: &[KernelItem<'_>],
    uptime_logs: &[(&str, ByKey<'_, f64>)],
    clock: &ClockResolution,
) -> Option<Anchor> {
    let mut walls: ByKey<'_, Timestamp> = ByKey::default();
    let mut estimates = Vec::new();
    let mut subsecond = false;
    let mut same_line = 0usize;
    let mut zone_unsure = false;
    for i in items {
        let Some(w) = i.stamp.wall.as_ref() else {
            continue;
        };
        let Some(t) = clock.resolve_wall(w) else {
            continue;
        };
        zone_unsure |= clock.zone_unsure(w);
        subsecond |= t.subsec_nanosecond() != 0;
        match i.stamp.uptime_s {
            // rsyslog keeping the kernel's `[uptime]`: both clocks on one line.
            Some(up) => {
                same_line += 1;
                estimates.push(seconds(t) - up);
            }
            None => walls.entry(&i.key).or_default().push(t),
        }
    }
    let mut other_log = None;
    for (up_path, ups) in uptime_logs {
        if *up_path == path {
            continue;
        }
        let before = estimates.len();
        for (key, occ) in &walls {
            if let Some(u) = ups.get(key) {
                estimates.extend(tail_pairs(occ, u).map(|(t, up)| seconds(t) - up));
            }
        }
        if estimates.len() > before {
            other_log = Some(*up_path);
            break;
        }
    }
    // Stamps with a fraction (journal, rsyslog high precision) are printed to the
    // microsecond; the rest to the second.
    let precision = if subsecond { MICROSECOND } else { 1.0 };
    let (boot, spread, n) = summarize(&mut estimates, precision)?;
    let boot = from_seconds(boot)?;
    let (mut rank, name, clock_name) = wall_clock_kind(format);
    if zone_unsure {
        rank += ZONE_UNSURE_RANK;
    }
    let method = match other_log {
        Some(up_path) if same_line < n => {
            format!("{name} and dmesg copies of the same kernel lines ({path} and {up_path})")
        }
        _ => format!("{name} kernel lines carrying both uptime and wall-clock stamps ({path})"),
    };
    Some(Anchor {
        method,
        clock_name: clock_name.to_string(),
        boot,
        uncertainty_s: precision + spread,
        rank,
        wall_source: Some(path.to_string()),
        wall_format: Some(format),
        zone_unsure,
    })
}

/// The manifest's start time of the command whose output is `path`.
fn manifest_start(facts: &Facts, path: &str) -> Option<Timestamp> {
    facts.manifest.iter().find_map(|m| {
        m.value.commands.iter().find_map(|c| {
            c.output
                .as_deref()
                .filter(|o| same_file(o, path))
                .and(c.started_at)
        })
    })
}

/// Rank of the archive's file times, the weakest anchor, and its clock's name.
const MTIME_RANK: u8 = 6;
const FILE_TIMES: &str = "the archive's file times";

/// Seconds assumed between two commands of one collection when nothing records when they ran.
const SAME_COLLECTION_S: f64 = 5.0;

fn wall_precision(w: &WallClock) -> f64 {
    match w {
        WallClock::Instant { at } if at.subsec_nanosecond() != 0 => MICROSECOND,
        _ => 1.0,
    }
}

/// Every anchor the bundle offers, in no particular order.
pub fn find(facts: &Facts, clock: &ClockResolution) -> Vec<Anchor> {
    let mut anchors = kernel_line_anchors(facts, clock);
    for s in &facts.proc_stat {
        if let Some(boot) = s.value.btime.and_then(|b| Timestamp::from_second(b).ok()) {
            anchors.push(Anchor {
                method: format!("/proc/stat btime ({})", s.path),
                clock_name: "/proc/stat btime".to_string(),
                boot,
                uncertainty_s: 1.0,
                rank: 3,
                wall_source: None,
                wall_format: None,
                zone_unsure: false,
            });
        }
    }
    for d in &facts.date {
        let Some(now) = clock.resolve_wall(&d.value.wall) else {
            continue;
        };
        let zone_unsure = clock.zone_unsure(&d.value.wall);
        let date_start = manifest_start(facts, &d.path);
        let precision = wall_precision(&d.value.wall);
        for p in &facts.proc_uptime {
            let measured = date_start.zip(manifest_start(facts, &p.path));
            let gap = match measured {
                Some((a, b)) => (seconds(a) - seconds(b)).abs(),
                None => SAME_COLLECTION_S,
            };
            // With the collector's start times the two readings are known to be milliseconds
            // apart: an independent reading of the wall clock as good as a syslog copy, and
            // better than `dmesg -T`, which is derived from the kernel's own boot estimate.
            let base_rank = if measured.is_some() { 1 } else { 4 };
            if let Some(boot) = add_seconds(now, -p.value.uptime_s) {
                anchors.push(Anchor {
                    method: format!(
                        "date and /proc/uptime taken together ({} and {})",
                        d.path, p.path
                    ),
                    clock_name: "date and /proc/uptime".to_string(),
                    boot,
                    uncertainty_s: precision + gap,
                    rank: if zone_unsure {
                        base_rank + ZONE_UNSURE_RANK
                    } else {
                        base_rank
                    },
                    wall_source: None,
                    wall_format: None,
                    zone_unsure,
                });
            }
        }
        for u in &facts.uptime {
            let Some(up) = u.value.uptime_s else { continue };
            let gap = match (date_start, manifest_start(facts, &u.path)) {
                (Some(a), Some(b)) => (seconds(a) - seconds(b)).abs(),
                _ => SAME_COLLECTION_S,
            };
            if let Some(boot) = add_seconds(now, -(up as f64)) {
                anchors.push(Anchor {
                    method: format!("date and uptime taken together ({} and {})", d.path, u.path),
                    clock_name: "date and uptime".to_string(),
                    boot,
                    uncertainty_s: precision + gap + 60.0,
                    rank: if zone_unsure { 5 + ZONE_UNSURE_RANK } else { 5 },
                    wall_source: None,
                    wall_format: None,
                    zone_unsure,
                });
            }
        }
    }
    for p in &facts.proc_uptime {
        let mtime = facts
            .sources
            .iter()
            .find(|s| s.path == p.path)
            .and_then(|s| s.mtime)
            .and_then(|m| Timestamp::from_second(m).ok());
        if let Some(boot) = mtime.and_then(|m| add_seconds(m, -p.value.uptime_s)) {
            anchors.push(Anchor {
                method: format!(
                    "modification time of {} in the archive, with its value",
                    p.path
                ),
                clock_name: FILE_TIMES.to_string(),
                boot,
                uncertainty_s: 1.0 + SAME_COLLECTION_S,
                rank: MTIME_RANK,
                wall_source: None,
                wall_format: None,
                zone_unsure: false,
            });
        }
    }
    anchors
}

/// Pick the strongest anchor, and say where the others disagree beyond their uncertainties.
/// Returns the chosen anchor, the notes, and wall-clock corrections for `dmesg -T` logs whose
/// clock was found off.
pub fn choose(
    mut anchors: Vec<Anchor>,
    clock: &ClockResolution,
) -> (Option<Anchor>, Vec<String>, BTreeMap<String, f64>) {
    anchors.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then(a.uncertainty_s.total_cmp(&b.uncertainty_s))
            .then(a.method.cmp(&b.method))
    });
    let mut notes = Vec::new();
    let mut corrections = BTreeMap::new();
    let Some(best) = anchors.first().cloned() else {
        return (None, notes, corrections);
    };
    for other in anchors.iter().skip(1) {
        // File times say when files were written or copied, not what the clock read: when a
        // better anchor exists they are not worth a note, whatever they say.
        if other.clock_name == FILE_TIMES {
            continue;
        }
        let diff = seconds(other.boot) - seconds(best.boot);
        let allowed = other.uncertainty_s + best.uncertainty_s + 1.0;
        if diff.abs() <= allowed {
            continue;
        }
        let way = if diff > 0.0 { "ahead of" } else { "behind" };
        let quarters = (diff / 900.0).round();
        let whole_quarters =
            quarters != 0.0 && (diff - quarters * 900.0).abs() <= 60.0 + allowed.min(60.0);
        if whole_quarters && (other.zone_unsure || best.zone_unsure) {
            let zoned = if other.zone_unsure { other } else { &best };
            notes.push(format!(
                "{} is {} {way} {}: a whole number of quarter hours, so its civil-time stamps \
                 are most likely in another zone than the one used ({}); {} is used",
                zoned.method,
                hours_text(diff.abs()),
                if other.zone_unsure {
                    &best.clock_name
                } else {
                    &other.clock_name
                },
                clock.zone_description,
                best.clock_name
            ));
            if let (true, Some(src)) = (other.zone_unsure, &other.wall_source) {
                corrections.insert(src.clone(), -diff);
            }
            continue;
        }
        if other.wall_format == Some(KernelLogFormat::DmesgHuman) {
            notes.push(format!(
                "dmesg -T stamps are {:.0} s {way} {}: the host was suspended, or its clock was \
                 changed; {} is used",
                diff.abs(),
                best.clock_name,
                best.clock_name
            ));
            if let Some(src) = &other.wall_source {
                corrections.insert(src.clone(), -diff);
            }
        } else {
            notes.push(format!(
                "{} puts boot {:.0} s {} {} (uncertainties {:.3} s and {:.3} s); {} is used",
                other.method,
                diff.abs(),
                if diff > 0.0 {
                    "later than"
                } else {
                    "earlier than"
                },
                best.clock_name,
                other.uncertainty_s,
                best.uncertainty_s,
                best.clock_name
            ));
        }
    }
    (Some(best), notes, corrections)
}

/// `8 h`, `5 h 30 min`.
fn hours_text(seconds: f64) -> String {
    let minutes = (seconds / 60.0).round() as i64;
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h} h"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// When the bundle was collected, how that was found, and the line that says so.
#[derive(Debug, Clone)]
pub struct Collected<'a> {
    pub at: Timestamp,
    pub how: String,
    pub source: &'a str,
    pub line: Option<u32>,
    /// Taken from the last stamp of the logs: the collection was at or after it.
    pub from_logs: bool,
}

/// When the bundle was collected: the `date` output, the manifest, the newest file time, or the
/// last stamp of the logs, in that order.
pub fn collected_at<'a>(facts: &'a Facts, clock: &ClockResolution) -> Option<Collected<'a>> {
    let from_date = |sure: bool| {
        facts.date.iter().find_map(|d| {
            if clock.zone_unsure(&d.value.wall) == sure {
                return None;
            }
            let at = clock.resolve_wall(&d.value.wall)?;
            let caveat = if sure {
                ""
            } else {
                ", read in the assumed zone"
            };
            Some(Collected {
                at,
                how: format!("collection time from the date output in {}{caveat}", d.path),
                source: &d.path,
                line: Some(d.value.line.no),
                from_logs: false,
            })
        })
    };
    if let Some(c) = from_date(true) {
        return Some(c);
    }
    for m in &facts.manifest {
        if let Some(at) = m.value.started_at {
            return Some(Collected {
                at,
                how: format!("collection time from the manifest {}", m.path),
                source: &m.path,
                line: None,
                from_logs: false,
            });
        }
    }
    let newest = facts
        .sources
        .iter()
        .filter_map(|s| s.mtime.map(|m| (m, &s.path)))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)));
    if let Some((m, path)) = newest {
        if let Ok(at) = Timestamp::from_second(m) {
            return Some(Collected {
                at,
                how: format!(
                    "collection time from the newest file modification time in the archive ({path})"
                ),
                source: path,
                line: None,
                from_logs: false,
            });
        }
    }
    // A `date` in civil time of an unknown zone is off by the zone's offset, but still gives
    // the year of the syslog stamps.
    if let Some(c) = from_date(false) {
        return Some(c);
    }
    // Last resort: the latest stamp that is a point in time by itself (a syslog stamp needs the
    // year this is looking for).
    let mut last: Option<(Timestamp, &str)> = None;
    let mut consider = |w: Option<&WallClock>, path: &'a str| {
        let t = match w {
            Some(w @ (WallClock::Instant { .. } | WallClock::Local { .. })) => {
                clock.resolve_wall(w)
            }
            _ => None,
        };
        if let Some(t) = t {
            if last.as_ref().is_none_or(|(l, _)| t > *l) {
                last = Some((t, path));
            }
        }
    };
    for log in &facts.kernel_logs {
        consider(
            log.value.last.as_ref().and_then(|s| s.wall.as_ref()),
            &log.path,
        );
    }
    // A record's folded repeats end later than the record itself.
    for log in &facts.daemon_logs {
        for r in &log.value {
            consider(r.time.as_ref(), &log.path);
            consider(
                r.repeat.as_ref().and_then(|x| x.last.wall.as_ref()),
                &log.path,
            );
        }
    }
    for evs in &facts.docker_events {
        for e in &evs.value {
            consider(e.time.as_ref(), &evs.path);
            consider(
                e.repeat.as_ref().and_then(|x| x.last.wall.as_ref()),
                &evs.path,
            );
        }
    }
    last.map(|(at, path)| Collected {
        at,
        how: format!(
            "collection time taken from the last stamp in the logs ({path}); the bundle was \
             collected at or after it"
        ),
        source: path,
        line: None,
        from_logs: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_prefix_inside_a_message() {
        assert_eq!(
            split_uptime_prefix("[2751018.239907] runc:[1:CHILD]: page allocation failure"),
            (
                Some(2751018.239907),
                "runc:[1:CHILD]: page allocation failure"
            )
        );
        assert_eq!(
            split_uptime_prefix("[  12.5] eth0: link up"),
            (Some(12.5), "eth0: link up")
        );
        assert_eq!(
            split_uptime_prefix("[drm] Initialized"),
            (None, "[drm] Initialized")
        );
        assert_eq!(split_uptime_prefix("[ 1.2.3] x"), (None, "[ 1.2.3] x"));
        assert_eq!(split_uptime_prefix("[ 12.5"), (None, "[ 12.5"));
    }

    #[test]
    fn tails_pair_up() {
        let pairs: Vec<(i32, i32)> = tail_pairs(&[1, 2, 3], &[20, 30]).collect();
        assert_eq!(pairs, [(2, 20), (3, 30)]);
    }

    proptest::proptest! {
        #[test]
        fn prefix_split_never_panics(body in "\\PC*") {
            let (_, rest) = split_uptime_prefix(&body);
            proptest::prop_assert!(rest.len() <= body.len());
        }
    }
}
