//! Ordering, de-duplication and folding of events.
//!
//! Order: events with a wall-clock time first, by time; then events known only by uptime, by
//! uptime; then events with neither; ties broken by source path, line, kind and text, so the
//! output never depends on the order facts arrived in.
//!
//! De-duplication: one kernel line kept by dmesg, syslog and the journal, or one container start
//! seen in `docker events` and `docker inspect`, becomes one event citing the other copies in
//! `also_in`. Copies must share an identity, come from different files, and sit within the
//! clock's uncertainty of each other (uptime copies: within half a second).
//!
//! Folding: an event repeating with the same kind and the same text up to numbers and device
//! names (`unregister_netdevice` every 10 s) folds into its first occurrence with a count and
//! the last occurrence, as long as each repeat follows the previous within the fold window.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use foldhash::HashMap;
use jiff::Timestamp;
use rayon::prelude::*;

use crate::report::{Citation, Repeat, TimelineEvent};

use super::anchors::Identity;
use super::events::Draft;
use super::seconds;

/// Largest gap between two repeats that still folds them into one event.
pub const FOLD_WINDOW_S: f64 = 600.0;

/// How many earlier happenings with the same identity a copy is compared with.
const LOOK_BACK: usize = 64;

/// Largest uptime difference between two copies of one kernel line.
const SAME_UPTIME_S: f64 = 0.5;

/// What events are ordered by: time, uptime, source, line, kind, text.
type OrderKey<'a> = (
    Option<Timestamp>,
    Option<f64>,
    &'a str,
    Option<u32>,
    &'a str,
    &'a str,
);

fn order_keys(a: OrderKey<'_>, b: OrderKey<'_>) -> Ordering {
    fn first_present<T>(x: Option<T>, y: Option<T>, cmp: impl Fn(T, T) -> Ordering) -> Ordering {
        match (x, y) {
            (Some(x), Some(y)) => cmp(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    first_present(a.0, b.0, |x, y| x.cmp(&y))
        .then_with(|| first_present(a.1, b.1, |x, y| x.total_cmp(&y)))
        .then_with(|| a.2.cmp(b.2))
        .then_with(|| a.3.cmp(&b.3))
        .then_with(|| a.4.cmp(b.4))
        .then_with(|| a.5.cmp(b.5))
}

fn draft_key<'d>(d: &'d Draft<'_>) -> OrderKey<'d> {
    (d.time, d.uptime_s, d.source, d.line, d.kind, &d.text)
}

fn order(a: &Draft<'_>, b: &Draft<'_>) -> Ordering {
    order_keys(draft_key(a), draft_key(b))
}

/// Whether two copies are close enough in time to be one happening.
fn close(a: &Draft<'_>, b: &Draft<'_>, tolerance_s: f64) -> bool {
    if let (Some(x), Some(y)) = (a.uptime_s, b.uptime_s) {
        return (x - y).abs() <= SAME_UPTIME_S;
    }
    if let (Some(x), Some(y)) = (a.time, b.time) {
        return (seconds(x) - seconds(y)).abs() <= tolerance_s;
    }
    false
}

pub use crate::retention::normalise;

/// Copies of one happening: the first in timeline order, and the others.
struct Group {
    first: usize,
    others: Vec<usize>,
    /// The group made before this one for the same identity.
    earlier: Option<usize>,
}

impl Group {
    fn new(first: usize, earlier: Option<usize>) -> Group {
        Group {
            first,
            others: Vec::new(),
            earlier,
        }
    }

    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.first).chain(self.others.iter().copied())
    }
}

fn dedup(drafts: &[Draft<'_>], tolerance_s: f64) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::with_capacity(drafts.len());
    // The latest group of each identity; each group links to the one before. Only looked up,
    // never walked: a hash map.
    let mut latest: HashMap<&Identity<'_>, usize> = HashMap::default();
    for (i, d) in drafts.iter().enumerate() {
        let Some(id) = d.identity.as_ref() else {
            groups.push(Group::new(i, None));
            continue;
        };
        // One look-up per draft: its identity is hashed once.
        let latest = latest.entry(id);
        let newest = match &latest {
            Entry::Occupied(at) => Some(*at.get()),
            Entry::Vacant(_) => None,
        };
        // Copies sit next to each other in time order; looking back a little is enough and
        // keeps a log of thousands of identical lines linear.
        let found = std::iter::successors(newest, |&g| groups[g].earlier)
            .take(LOOK_BACK)
            .find(|&g| {
                let group = &groups[g];
                group.members().all(|m| drafts[m].source != d.source)
                    && group.members().any(|m| close(&drafts[m], d, tolerance_s))
            });
        match found {
            Some(g) => groups[g].others.push(i),
            None => {
                latest.insert_entry(groups.len());
                groups.push(Group::new(i, newest));
            }
        }
    }
    groups
}

/// A group of copies on its way to an event: the copy that speaks for it (the primary), and
/// the clocks the event takes, from the primary or else from another copy.
struct Building<'a> {
    primary: &'a Draft<'a>,
    group: Group,
    time: Option<Timestamp>,
    uptime_s: Option<f64>,
    severity: crate::report::Severity,
    foldable: bool,
    last_time: Option<Timestamp>,
    last_uptime_s: Option<f64>,
    count: u64,
    /// The file of the latest run of repeats that the parser folded into this event (the
    /// fullest copy's): up to `last_time`, its records are counted.
    run_source: Option<&'a str>,
}

impl<'a> Building<'a> {
    fn new(drafts: &'a [Draft<'a>], group: Group) -> Building<'a> {
        let primary = group
            .members()
            .min_by_key(|&m| (drafts[m].keep_rank, m))
            .unwrap_or(group.first);
        let p = &drafts[primary];
        let others = || group.members().filter(|&m| m != primary);
        let time = p.time.or_else(|| others().find_map(|m| drafts[m].time));
        let uptime_s = p
            .uptime_s
            .or_else(|| others().find_map(|m| drafts[m].uptime_s));
        let foldable = group.members().all(|m| drafts[m].foldable);
        // Copies of one record folded the same repeats, or fewer where a copy ends sooner
        // (a rotated file): the fullest copy counts.
        // Its last repeat is read as the primary would be: from the fullest copy, the one that
        // speaks for the group first among equals.
        let fullest = group
            .members()
            .filter_map(|m| drafts[m].repeat.as_deref().map(|r| (m, *r)))
            .min_by_key(|&(m, r)| (std::cmp::Reverse(r.count), drafts[m].keep_rank, m));
        let run_source = fullest.map(|(m, _)| drafts[m].source);
        let fullest = fullest.map(|(_, r)| r);
        let (count, last_time, last_uptime_s) = match fullest {
            Some(r) => (
                r.count.saturating_add(1),
                time.max(r.last_time),
                r.last_uptime_s
                    .or_else(|| {
                        group
                            .members()
                            .find_map(|m| drafts[m].repeat.as_ref().and_then(|r| r.last_uptime_s))
                    })
                    .or(uptime_s),
            ),
            None => (1, time, uptime_s),
        };
        Building {
            primary: p,
            time,
            uptime_s,
            severity: p.severity,
            foldable,
            last_time,
            last_uptime_s,
            count,
            run_source,
            group,
        }
    }

    fn key(&self) -> OrderKey<'a> {
        let p = self.primary;
        (self.time, self.uptime_s, p.source, p.line, p.kind, &p.text)
    }

    /// The event, citing the other copies; made only for the groups that stay events, not for
    /// the repeats that fold into them.
    fn event(self, drafts: &[Draft<'_>]) -> TimelineEvent {
        let p = self.primary;
        let also_in: BTreeSet<Citation> = self
            .group
            .members()
            .map(|m| &drafts[m])
            .filter(|d| !std::ptr::eq(*d, p))
            .map(|d| Citation {
                source: d.source.to_string(),
                line: d.line,
            })
            .collect();
        TimelineEvent {
            time: self.time,
            uptime_s: self.uptime_s,
            source: p.source.to_string(),
            line: p.line,
            kind: p.kind.to_string(),
            text: p.text.clone(),
            also_in: also_in.into_iter().collect(),
            repeat: (self.count > 1).then_some(Repeat {
                count: self.count,
                last_time: self.last_time,
                last_uptime_s: self.last_uptime_s,
            }),
            severity: self.severity,
        }
    }
}

fn gap_s(open: &Building<'_>, next: &Building<'_>) -> Option<f64> {
    if let (Some(a), Some(b)) = (open.last_time, next.time) {
        return Some(seconds(b) - seconds(a));
    }
    if open.time.is_some() || next.time.is_some() || open.primary.source != next.primary.source {
        return None;
    }
    match (open.last_uptime_s, next.uptime_s) {
        (Some(a), Some(b)) => Some(b - a),
        // A log without stamps (printk.time off): repeats in one file fold whatever the gap.
        (None, None) => Some(0.0),
        _ => None,
    }
}

/// Order, de-duplicate and fold the drafts into the timeline. `tolerance_s` is how far apart
/// two copies of one kernel line may be on the resolved wall clock.
pub fn merge(mut drafts: Vec<Draft<'_>>, tolerance_s: f64) -> Vec<TimelineEvent> {
    // A runtime error read from a daemon log line is the better event for that line. It takes
    // over the record's identity, so copies of the record in other logs merge into it.
    let runtime_lines: BTreeSet<(&str, Option<u32>)> = drafts
        .iter()
        .filter(|d| d.kind == "runtime_error")
        .map(|d| (d.source, d.line))
        .collect();
    let mut record_identity: BTreeMap<(&str, Option<u32>), Option<Identity<'_>>> = BTreeMap::new();
    drafts.retain(|d| {
        if d.kind != "daemon_error" {
            return true;
        }
        let at = (d.source, d.line);
        if runtime_lines.contains(&at) {
            record_identity.insert(at, d.identity.clone());
            return false;
        }
        true
    });
    for d in drafts.iter_mut().filter(|d| d.kind == "runtime_error") {
        if let Some(identity) = record_identity.get(&(d.source, d.line)) {
            d.identity.clone_from(identity);
        }
    }
    // Stable, as the sequential sort was.
    drafts.par_sort_by(order);

    let mut built: Vec<Building<'_>> = dedup(&drafts, tolerance_s)
        .into_par_iter()
        .map(|group| Building::new(&drafts, group))
        .collect();
    built.sort_by(|a, b| order_keys(a.key(), b.key()));
    // What repeats are recognised by, worked out side by side.
    let normalised: Vec<Option<String>> = built
        .par_iter()
        .map(|b| b.foldable.then(|| normalise(&b.primary.text)))
        .collect();

    let mut out: Vec<Building<'_>> = Vec::with_capacity(built.len());
    // The event each repeat would fold into, by kind and normalised text.
    let mut open: HashMap<&str, HashMap<String, usize>> = HashMap::default();
    for (b, normalised) in built.into_iter().zip(normalised) {
        if let Some(normalised) = normalised {
            let by_text = open.entry(b.primary.kind).or_default();
            match by_text.get_mut(normalised.as_str()) {
                Some(at) => {
                    if fold(&mut out[*at], &b, &drafts) {
                        continue;
                    }
                    *at = out.len();
                }
                None => {
                    by_text.insert(normalised, out.len());
                }
            }
        }
        out.push(b);
    }
    out.into_iter().map(|b| b.event(&drafts)).collect()
}

/// Fold `repeat` into `target` when it follows within the fold window.
///
/// An event that starts inside a run the parser folded (`gap <= 0`, which events in time
/// order never do otherwise) is part of that run: a record of the run's file was kept out of
/// order and counts; a copy from another file (the current `messages` beside the journal,
/// the ring buffer that begins inside the run) does not, as the run counts its records.
fn fold<'a>(target: &mut Building<'a>, repeat: &Building<'a>, drafts: &[Draft<'_>]) -> bool {
    let Some(gap) = gap_s(target, repeat) else {
        return false;
    };
    let inside_run = target.run_source.is_some() && gap <= 0.0;
    if !inside_run && !(0.0..=FOLD_WINDOW_S).contains(&gap) {
        return false;
    }
    // A run of the same file; or a record of it (a copy from another file may share its
    // group, as copies of one line pair in any order).
    let same_file = match repeat.run_source {
        Some(own) => target.run_source == Some(own),
        None => target
            .run_source
            .is_some_and(|run| repeat.group.members().any(|m| drafts[m].source == run)),
    };
    if !inside_run || same_file {
        target.count = target.count.saturating_add(repeat.count);
    }
    if inside_run {
        target.last_time = target.last_time.max(repeat.last_time);
        if let (Some(t), Some(r)) = (target.last_uptime_s, repeat.last_uptime_s) {
            target.last_uptime_s = Some(t.max(r));
        }
    } else {
        target.last_time = repeat.last_time.or(target.last_time);
        target.last_uptime_s = repeat.last_uptime_s.or(target.last_uptime_s);
    }
    if !inside_run && repeat.run_source.is_some() {
        target.run_source = repeat.run_source;
    }
    target.severity = target.severity.max(repeat.severity);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_device_names_normalise_away() {
        assert_eq!(
            normalise("docker0: port 3(veth1a2b) entered disabled state"),
            "#: port #(#) entered disabled state"
        );
        assert_eq!(
            normalise("unregister_netdevice: waiting for lo to become free (usage count 1)"),
            "unregister_netdevice: waiting for lo to become free (usage count #)"
        );
    }

    fn draft<'a>(
        source: &'a str,
        line: u32,
        time: Option<&str>,
        uptime_s: Option<f64>,
    ) -> Draft<'a> {
        Draft {
            time: time.map(|t| t.parse().unwrap()),
            uptime_s,
            source,
            line: Some(line),
            kind: "hung_task",
            text: format!("task kworker/{line}:1 blocked for more than 120 s"),
            severity: crate::report::Severity::Warning,
            identity: Some(Identity::Composed(format!("hung {line}"))),
            keep_rank: 3,
            foldable: true,
            repeat: None,
        }
    }

    /// `draft` standing for `count` more records folded as its file was read, the last at
    /// `last`.
    fn run<'a>(source: &'a str, line: u32, time: &str, count: u64, last: &str) -> Draft<'a> {
        let mut d = draft(source, line, Some(time), None);
        d.repeat = Some(Box::new(super::super::events::DraftRepeat {
            count,
            last_time: Some(last.parse().unwrap()),
            last_uptime_s: None,
        }));
        d
    }

    /// The journal's run of the tests below: 40 repeats from midnight to 3 o'clock.
    fn journal_run() -> Draft<'static> {
        run(
            "journal",
            10,
            "2020-01-01T00:00:00Z",
            40,
            "2020-01-01T03:00:00Z",
        )
    }

    fn counts(events: &[TimelineEvent]) -> Vec<(&str, Option<u32>, u64)> {
        events
            .iter()
            .map(|e| {
                let n = e.repeat.as_ref().map_or(1, |r| r.count);
                (e.source.as_str(), e.line, n)
            })
            .collect()
    }

    #[test]
    fn a_copy_inside_a_folded_run_is_not_counted_again() {
        // The journal folded 40 repeats; the current messages file, which begins halfway
        // through them, kept its first ones whole and folded the rest.
        let drafts = vec![
            journal_run(),
            draft("messages", 1, Some("2020-01-01T01:30:00Z"), None),
            run(
                "messages",
                2,
                "2020-01-01T01:31:00Z",
                19,
                "2020-01-01T03:00:00Z",
            ),
        ];
        let events = merge(drafts, 2.0);
        assert_eq!(counts(&events), [("journal", Some(10), 41)]);
        let last = events[0].repeat.as_ref().and_then(|r| r.last_time);
        assert_eq!(last, "2020-01-01T03:00:00Z".parse().ok());
    }

    #[test]
    fn a_record_of_the_run_file_read_out_of_order_counts() {
        let drafts = vec![
            journal_run(),
            draft("journal", 900, Some("2020-01-01T01:30:00Z"), None),
        ];
        assert_eq!(counts(&merge(drafts, 2.0)), [("journal", Some(10), 42)]);
    }

    #[test]
    fn copies_of_a_run_count_as_the_fullest() {
        // The rotated file ends before the run does: the journal's count holds.
        let drafts = vec![
            journal_run(),
            // The same record (one identity) in the other file.
            run(
                "rotated",
                10,
                "2020-01-01T00:00:00Z",
                12,
                "2020-01-01T01:00:00Z",
            ),
        ];
        let events = merge(drafts, 2.0);
        assert_eq!(counts(&events), [("journal", Some(10), 41)]);
        assert_eq!(events[0].also_in.len(), 1);
    }

    #[test]
    fn runs_of_files_that_follow_each_other_add_up() {
        // No journal: the rotated file and the current one hold different records.
        let drafts = vec![
            run(
                "rotated",
                7,
                "2020-01-01T00:00:00Z",
                12,
                "2020-01-01T01:00:00Z",
            ),
            run(
                "current",
                1,
                "2020-01-01T01:05:00Z",
                5,
                "2020-01-01T02:00:00Z",
            ),
        ];
        assert_eq!(counts(&merge(drafts, 2.0)), [("rotated", Some(7), 19)]);
    }

    #[test]
    fn repeats_without_stamps_fold_within_their_file() {
        let drafts = vec![
            draft("dmesg", 3, None, None),
            draft("dmesg", 1, None, None),
            draft("other", 2, None, None),
        ];
        let events = merge(drafts, 2.0);
        let seen: Vec<(&str, Option<u32>, Option<u64>)> = events
            .iter()
            .map(|e| {
                (
                    e.source.as_str(),
                    e.line,
                    e.repeat.as_ref().map(|r| r.count),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [("dmesg", Some(1), Some(2)), ("other", Some(2), None)]
        );
    }

    #[test]
    fn order_is_time_then_uptime_then_source_and_line() {
        let mut a = draft("b", 9, Some("2020-01-01T00:00:01Z"), None);
        a.foldable = false;
        let mut b = draft("a", 5, Some("2020-01-01T00:00:01Z"), None);
        b.foldable = false;
        let mut c = draft("a", 1, None, Some(5.0));
        c.foldable = false;
        let mut d = draft("a", 2, Some("2019-12-31T23:59:59Z"), None);
        d.foldable = false;
        let events = merge(vec![a, b, c, d], 2.0);
        let lines: Vec<Option<u32>> = events.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(2), Some(5), Some(9), Some(1)]);
    }

    proptest::proptest! {
        #[test]
        fn normalise_never_panics(text in "\\PC*") {
            let n = normalise(&text);
            proptest::prop_assert!(!n.chars().any(|c| c.is_ascii_digit()));
        }
    }
}
