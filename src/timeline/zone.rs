//! The bundle's time zone, and the year of syslog stamps that print none.
//!
//! Zone-less stamps (`dmesg -T`, traditional syslog, `date` without `%z`) are civil times of the
//! host's zone, which is not the analyst's. The zone comes, best first, from the bundle's
//! `/etc/localtime` bytes, its IANA name, a `timedatectl` offset, and then from indirect evidence:
//! the `date` abbreviation (ambiguous for `CST`, `IST`, `BST`), offsets printed on lines of the
//! bundle (dockerd `time="...+08:00"`), and a `date` reading paired with the collector's own UTC
//! record of when `date` ran. With no evidence UTC is assumed, and said.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use foldhash::HashMap;
use jiff::civil;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;
use regex::Regex;

use crate::facts::{Facts, KernelLogFormat, WallClock};
use crate::retention::weight;

use super::anchors::{kernel_items, Identity};

/// The time zone database built into postmortem, not the machine's: a bundle gives the same
/// report wherever it is read (and the machine's database need not be searched).
static ZONES: LazyLock<jiff::tz::TimeZoneDatabase> =
    LazyLock::new(jiff::tz::TimeZoneDatabase::bundled);

/// The zone chosen for zone-less stamps and how it was found.
#[derive(Debug, Clone)]
pub struct ZoneChoice {
    pub zone: TimeZone,
    pub description: String,
    /// Nothing in the bundle gave the zone: UTC is a guess.
    pub assumed: bool,
}

/// UTC offsets (seconds) an abbreviation printed by `date` can stand for. Several entries for
/// the abbreviations that name more than one zone.
pub fn abbreviation_offsets(abbrev: &str) -> &'static [(i32, &'static str)] {
    const H: i32 = 3600;
    match abbrev.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "UCT" | "Z" | "WET" => &[(0, "UTC")],
        "CET" | "WEST" | "WAT" => &[(H, "Central European")],
        "CEST" | "EET" | "SAST" => &[(2 * H, "Eastern European")],
        "EEST" | "MSK" => &[(3 * H, "Moscow/Eastern European summer")],
        "EST" => &[(-5 * H, "US Eastern")],
        "EDT" => &[(-4 * H, "US Eastern daylight")],
        "CDT" => &[(-5 * H, "US Central daylight")],
        "MST" => &[(-7 * H, "US Mountain")],
        "MDT" => &[(-6 * H, "US Mountain daylight")],
        "PST" => &[(-8 * H, "US Pacific")],
        "PDT" => &[(-7 * H, "US Pacific daylight")],
        "AKST" => &[(-9 * H, "Alaska")],
        "HST" => &[(-10 * H, "Hawaii")],
        "JST" => &[(9 * H, "Japan")],
        "KST" => &[(9 * H, "Korea")],
        "HKT" => &[(8 * H, "Hong Kong")],
        "SGT" => &[(8 * H, "Singapore")],
        "AWST" => &[(8 * H, "Australian Western")],
        "AEST" => &[(10 * H, "Australian Eastern")],
        "AEDT" => &[(11 * H, "Australian Eastern daylight")],
        "NZST" => &[(12 * H, "New Zealand")],
        "NZDT" => &[(13 * H, "New Zealand daylight")],
        "CST" => &[(8 * H, "China"), (-6 * H, "US Central"), (-5 * H, "Cuba")],
        "IST" => &[
            (5 * H + 1800, "India"),
            (2 * H, "Israel"),
            (H, "Irish summer"),
        ],
        "BST" => &[(H, "British summer"), (6 * H, "Bangladesh")],
        _ => &[],
    }
}

/// `+08:00` for an offset in seconds.
pub fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// `the line of var/log/messages`, `12 lines (the first in var/log/messages)`.
fn lines_in(n: u32, path: &str) -> String {
    if n == 1 {
        format!("the line of {path}")
    } else {
        format!("{n} lines (the first in {path})")
    }
}

fn fixed(seconds: i32) -> Option<TimeZone> {
    Offset::from_seconds(seconds).ok().map(TimeZone::fixed)
}

/// The first `date` reading that is civil time with an abbreviation: its path and abbreviation.
fn date_abbreviation(facts: &Facts) -> Option<(&str, &str)> {
    facts.date.iter().find_map(|d| match &d.value.wall {
        WallClock::Local {
            zone_abbrev: Some(a),
            ..
        } => Some((d.path.as_str(), a.as_str())),
        _ => None,
    })
}

/// An ISO 8601 time with an explicit numeric offset. `Z` says nothing about the host's zone: Go
/// and journald print UTC that way whatever the zone.
static OFFSET_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?([+-])([0-9]{2}):?([0-9]{2})\b")
        .expect("the pattern is a valid constant")
});

/// Numeric offsets printed on lines of the bundle: offset -> (number of lines, first path).
fn offsets_on_lines(facts: &Facts) -> BTreeMap<i32, (u32, String)> {
    let mut found: BTreeMap<i32, (u32, String)> = BTreeMap::new();
    // A record stands for the repeats folded into it (see `crate::retention`).
    let mut note = |path: &str, text: &str, weight: u64| {
        let Some(c) = OFFSET_TIME.captures(text) else {
            return;
        };
        let number = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i32>().ok());
        let (Some(hours), Some(minutes)) = (number(2), number(3)) else {
            return;
        };
        if hours > 14 || minutes > 59 {
            return;
        }
        let mut s = hours * 3600 + minutes * 60;
        if c.get(1).is_some_and(|m| m.as_str() == "-") {
            s = -s;
        }
        let e = found.entry(s).or_insert((0, path.to_string()));
        e.0 =
            e.0.saturating_add(u32::try_from(weight).unwrap_or(u32::MAX));
    };
    for log in &facts.daemon_logs {
        for r in &log.value {
            note(&log.path, &r.line.text, weight(&r.repeat));
        }
    }
    for evs in &facts.docker_events {
        for e in &evs.value {
            note(&evs.path, &e.line.text, weight(&e.repeat));
        }
    }
    for errs in &facts.runtime_errors {
        for e in &errs.value {
            note(&errs.path, &e.line.text, 1);
        }
    }
    for log in &facts.kernel_logs {
        for m in &log.value.messages {
            note(&log.path, &m.line.text, weight(&m.repeat));
        }
        for a in &log.value.alloc_failures {
            note(&log.path, &a.header.text, 1);
        }
    }
    found
}

/// A `date` reading in civil time paired with the collector manifest's UTC record of when that
/// command started: the difference is the zone offset, to the quarter hour.
fn offset_from_manifest(facts: &Facts) -> Option<(i32, String)> {
    for d in &facts.date {
        let WallClock::Local { at, .. } = &d.value.wall else {
            continue;
        };
        for m in &facts.manifest {
            for c in &m.value.commands {
                let (Some(out), Some(start)) = (&c.output, c.started_at) else {
                    continue;
                };
                if !same_file(out, &d.path) {
                    continue;
                }
                let as_utc = TimeZone::UTC.to_timestamp(*at).ok()?;
                if let Some(s) = quarter_hour_offset(as_utc, start) {
                    return Some((s, format!("{} and {}", d.path, m.path)));
                }
            }
        }
    }
    None
}

/// Offset between one clock reading as civil time and as an instant, when it is a whole number of
/// quarter hours (within two minutes of one: the two copies were stamped by different programs).
fn quarter_hour_offset(civil_as_utc: Timestamp, instant: Timestamp) -> Option<i32> {
    let diff = civil_as_utc.as_second().checked_sub(instant.as_second())?;
    let quarter = 900;
    let rounded = (diff as f64 / f64::from(quarter)).round() as i64 * i64::from(quarter);
    if (diff - rounded).abs() <= 120 && rounded.abs() <= 14 * 3600 {
        i32::try_from(rounded).ok()
    } else {
        None
    }
}

/// A kernel line kept by syslog in civil time and by the journal as an instant: the difference
/// is the zone's offset. Only lines seen once on each side are used, and only syslog-style
/// logs (`dmesg -T` computes its civil time from an estimate that drifts).
fn offset_from_kernel_copies(facts: &Facts) -> Option<(i32, String)> {
    // Both maps are only looked up.
    let mut instants: HashMap<Identity<'_>, Vec<(Timestamp, &str)>> = HashMap::default();
    for log in &facts.kernel_logs {
        for i in kernel_items(&log.value) {
            if let Some(WallClock::Instant { at }) = &i.stamp.wall {
                instants.entry(i.key).or_default().push((*at, &log.path));
            }
        }
    }
    let mut votes: BTreeMap<i32, (u32, String)> = BTreeMap::new();
    for log in &facts.kernel_logs {
        if log.value.format == KernelLogFormat::DmesgHuman {
            continue;
        }
        let items = kernel_items(&log.value);
        let mut counts: HashMap<&Identity<'_>, u32> = HashMap::default();
        for i in &items {
            *counts.entry(&i.key).or_default() += 1;
        }
        for i in &items {
            if counts.get(&i.key) != Some(&1) {
                continue;
            }
            let Some([(instant, instant_path)]) = instants.get(&i.key).map(Vec::as_slice) else {
                continue;
            };
            let civil_as_utc = match &i.stamp.wall {
                Some(WallClock::Local { at, .. }) => TimeZone::UTC.to_timestamp(*at).ok(),
                Some(wall @ WallClock::NoYear { .. }) => {
                    let year = instant.to_zoned_datetime(TimeZone::UTC).year();
                    [year, year.saturating_sub(1), year.saturating_add(1)]
                        .into_iter()
                        .filter_map(|y| {
                            let dt = wall.no_year_in(y)?;
                            TimeZone::UTC.to_timestamp(dt).ok()
                        })
                        .min_by_key(|t| (t.as_second() - instant.as_second()).abs())
                }
                _ => None,
            };
            if let Some(off) = civil_as_utc.and_then(|c| quarter_hour_offset(c, *instant)) {
                let e = votes
                    .entry(off)
                    .or_insert((0, format!("{} against {instant_path}", log.path)));
                e.0 = e.0.saturating_add(1);
            }
        }
    }
    votes
        .into_iter()
        .max_by_key(|(o, (n, _))| (*n, std::cmp::Reverse(*o)))
        .map(|(o, (_, src))| (o, src))
}

/// Whether a manifest output path names the bundle entry `path` (the bundle may add a top
/// directory).
pub fn same_file(output: &str, path: &str) -> bool {
    let o = output.trim_start_matches("./").trim_start_matches('/');
    let p = path.trim_start_matches("./").trim_start_matches('/');
    !o.is_empty() && (o == p || p.ends_with(&format!("/{o}")))
}

/// Work out the zone of the bundle's zone-less stamps.
pub fn resolve_zone(facts: &Facts) -> ZoneChoice {
    for tz in &facts.timezone {
        let info = &tz.value;
        if let Some(bytes) = &info.tzif {
            let name = info.name.as_deref().unwrap_or("localtime");
            if let Ok(zone) = TimeZone::tzif(name, bytes) {
                return ZoneChoice {
                    assumed: false,
                    zone,
                    description: format!("{name} from {}", tz.path),
                };
            }
        }
    }
    for tz in &facts.timezone {
        if let Some(name) = &tz.value.name {
            if let Ok(zone) = ZONES.get(name) {
                return ZoneChoice {
                    assumed: false,
                    zone,
                    description: format!("{name} from {}", tz.path),
                };
            }
        }
    }
    for tz in &facts.timezone {
        if let Some(zone) = tz.value.offset_s.and_then(fixed) {
            let off = tz.value.offset_s.unwrap_or(0);
            return ZoneChoice {
                assumed: false,
                zone,
                description: format!("UTC{} from {}", offset_text(off), tz.path),
            };
        }
    }

    let on_lines = offsets_on_lines(facts);
    let from_manifest = offset_from_manifest(facts);
    let from_copies = offset_from_kernel_copies(facts);
    if let Some((path, abbrev)) = date_abbreviation(facts) {
        let candidates = abbreviation_offsets(abbrev);
        if let [(off, _)] = candidates {
            if let Some(zone) = fixed(*off) {
                return ZoneChoice {
                    assumed: false,
                    zone,
                    description: format!(
                        "UTC{} from the {abbrev} of the date output in {path}",
                        offset_text(*off)
                    ),
                };
            }
        }
        if candidates.len() > 1 {
            let listing = candidates
                .iter()
                .map(|(o, n)| format!("{} {n}", offset_text(*o)))
                .collect::<Vec<_>>()
                .join(", ");
            // Evidence that settles an ambiguous abbreviation, strongest first.
            let deciders = [
                (
                    &from_manifest,
                    "its reading against the collector's UTC start time",
                ),
                (
                    &from_copies,
                    "kernel lines kept in civil time and as instants",
                ),
            ];
            for (found, how) in deciders {
                let Some((off, src)) = found else { continue };
                if let Some(zone) = candidates
                    .iter()
                    .find(|(o, _)| o == off)
                    .and_then(|(o, _)| fixed(*o))
                {
                    return ZoneChoice {
                        assumed: false,
                        zone,
                        description: format!(
                            "UTC{}: the date output in {path} says {abbrev}, which is ambiguous \
                             ({listing}); {how} ({src}) decides it",
                            offset_text(*off)
                        ),
                    };
                }
            }
            let best = candidates
                .iter()
                .filter_map(|(o, _)| on_lines.get(o).map(|(n, p)| (*n, *o, p)))
                .max_by_key(|(n, o, _)| (*n, std::cmp::Reverse(*o)));
            if let Some((n, off, src)) = best {
                if let Some(zone) = fixed(off) {
                    return ZoneChoice {
                        assumed: false,
                        zone,
                        description: format!(
                            "UTC{}: the date output in {path} says {abbrev}, which is ambiguous \
                             ({listing}); the offset {} on {} decides it",
                            offset_text(off),
                            offset_text(off),
                            lines_in(n, src)
                        ),
                    };
                }
            }
            return ZoneChoice {
                assumed: true,
                zone: TimeZone::UTC,
                description: format!(
                    "UTC (assumed: the date output in {path} says {abbrev}, which is ambiguous \
                     ({listing}), and nothing else in the bundle decides it)"
                ),
            };
        }
    }
    if let Some((off, src)) = from_manifest {
        if let Some(zone) = fixed(off) {
            return ZoneChoice {
assumed: false,
                zone,
                description: format!(
                    "UTC{} from the date output read against the collector's UTC start time ({src})",
                    offset_text(off)
                ),
            };
        }
    }
    if let Some((off, src)) = from_copies {
        if let Some(zone) = fixed(off) {
            return ZoneChoice {
                assumed: false,
                zone,
                description: format!(
                    "UTC{} from kernel lines kept in civil time and as instants ({src})",
                    offset_text(off)
                ),
            };
        }
    }
    let best = on_lines
        .iter()
        .max_by_key(|(o, (n, _))| (*n, std::cmp::Reverse(**o)));
    if let Some((off, (n, src))) = best {
        if let Some(zone) = fixed(*off) {
            return ZoneChoice {
                assumed: false,
                zone,
                description: format!(
                    "UTC{} from the offset on {}",
                    offset_text(*off),
                    lines_in(*n, src)
                ),
            };
        }
    }
    ZoneChoice {
        assumed: true,
        zone: TimeZone::UTC,
        description: "UTC (assumed: nothing in the bundle gave a zone)".to_string(),
    }
}

/// The year of a syslog stamp that printed none: the collection year, or the one before when
/// the month and day come after the collection date (a December line in a January bundle).
pub fn syslog_year(collected: civil::Date, month: i8, day: i8) -> i16 {
    if (month, day) > (collected.month(), collected.day()) {
        collected.year().saturating_sub(1)
    } else {
        collected.year()
    }
}

/// The UTC offset an unambiguous abbreviation stands for.
pub fn unambiguous_offset(abbrev: &str) -> Option<TimeZone> {
    match abbreviation_offsets(abbrev) {
        [(off, _)] => fixed(*off),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{DaemonRecord, DateOutput, Line, Sourced, TimezoneInfo};
    use jiff::civil::date;

    fn date_facts(text: &str, at: civil::DateTime, abbrev: &str) -> Facts {
        let mut facts = Facts::default();
        facts.date.push(Sourced {
            path: "sos_commands/general/date".into(),
            value: DateOutput {
                wall: WallClock::Local {
                    at,
                    zone_abbrev: Some(abbrev.into()),
                },
                line: Line::new(1, text),
            },
        });
        facts
    }

    #[test]
    fn cst_is_ambiguous_without_evidence() {
        let facts = date_facts(
            "Tue Jan 23 20:12:40 CST 2018",
            date(2018, 1, 23).at(20, 12, 40, 0),
            "CST",
        );
        let z = resolve_zone(&facts);
        assert_eq!(z.zone, TimeZone::UTC);
        assert!(
            z.description.starts_with("UTC (assumed"),
            "{}",
            z.description
        );
        assert!(z.description.contains("+08:00 China"), "{}", z.description);
    }

    #[test]
    fn cst_resolved_by_dockerd_offset() {
        let mut facts = date_facts(
            "Tue Jan 23 20:12:40 CST 2018",
            date(2018, 1, 23).at(20, 12, 40, 0),
            "CST",
        );
        facts.daemon_logs.push(Sourced {
            path: "var/log/messages".into(),
            value: vec![DaemonRecord {
                daemon: "dockerd".into(),
                time: None,
                level: Some("error".into()),
                message: "x".into(),
                fields: BTreeMap::new(),
                line: Line::new(
                    7,
                    r#"time="2018-01-23T20:10:01.288+08:00" level=error msg="x""#,
                ),
                repeat: None,
                kube: None,
            }],
        });
        let z = resolve_zone(&facts);
        assert_eq!(
            z.zone.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds(),
            8 * 3600
        );
        assert_eq!(
            z.description,
            "UTC+08:00: the date output in sos_commands/general/date says CST, which is \
             ambiguous (+08:00 China, -06:00 US Central, -05:00 Cuba); the offset +08:00 on the \
             line of var/log/messages decides it"
        );
        assert!(!z.assumed);
    }

    #[test]
    fn fixed_offset_from_timedatectl() {
        let mut facts = Facts::default();
        facts.timezone.push(Sourced {
            path: "sos_commands/systemd/timedatectl".into(),
            value: TimezoneInfo {
                name: None,
                offset_s: Some(-5 * 3600),
                tzif: None,
                line: None,
            },
        });
        let z = resolve_zone(&facts);
        assert_eq!(
            z.zone.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds(),
            -5 * 3600
        );
        assert_eq!(
            z.description,
            "UTC-05:00 from sos_commands/systemd/timedatectl"
        );
    }

    #[test]
    fn unambiguous_abbreviation() {
        let facts = date_facts(
            "Mon Mar  4 10:00:00 JST 2024",
            date(2024, 3, 4).at(10, 0, 0, 0),
            "JST",
        );
        let z = resolve_zone(&facts);
        assert_eq!(
            z.zone.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds(),
            9 * 3600
        );
    }

    #[test]
    fn year_rolls_back_over_new_year() {
        assert_eq!(syslog_year(date(2018, 1, 2), 12, 31), 2017);
        assert_eq!(syslog_year(date(2018, 1, 2), 1, 2), 2018);
        assert_eq!(syslog_year(date(2018, 1, 23), 1, 1), 2018);
    }

    #[test]
    fn manifest_paths_match_with_a_top_directory() {
        assert!(same_file("commands/date.txt", "bundle-x/commands/date.txt"));
        assert!(same_file("./date", "date"));
        assert!(!same_file("update", "date"));
    }
}
