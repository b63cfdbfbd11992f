//! The timeline: every event of the bundle on one wall clock.
//!
//! Fourth stage. Uptime stamps (raw dmesg) are tied to the wall clock through the strongest
//! anchor the bundle offers; zone-less stamps (syslog, `dmesg -T`) get the bundle's zone and
//! year; copies of one kernel line in dmesg, syslog and the journal become one event.
//!
//! [`build`] works in this order, each step needing the one before:
//! 1. [`zone`]: the zone of zone-less stamps (`etc/localtime`, a name, an offset, or evidence
//!    such as a `CST` that lines with `+08:00` settle), or UTC said to be assumed;
//! 2. the collection time ([`anchors::collected_at`]), which gives syslog stamps their year;
//! 3. [`anchors`]: every way of knowing the boot time, the strongest chosen, disagreements noted;
//! 4. [`events`]: facts turned into events with times resolved on that clock, and the boots the
//!    derived facts found that no banner puts there already (a reboot after the failure);
//! 5. [`merge`]: ordered, copies merged with `also_in` citations, repeats folded.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;

pub mod anchors;
pub mod events;
pub mod merge;
pub mod zone;

use crate::derive::Derived;
use crate::facts::{Facts, Stamp, WallClock};
use crate::report::TimelineEvent;

/// How the bundle's clocks were tied together.
#[derive(Debug, Clone)]
pub struct ClockResolution {
    /// Wall-clock time of boot, when an anchor gave it.
    pub boot_time: Option<Timestamp>,
    /// How: `none`, or the anchor method (`dmesg and journal copies of the same kernel line`,
    /// `/proc/stat btime`, `date and /proc/uptime taken together`, ...).
    pub method: String,
    pub uncertainty_s: Option<f64>,
    /// Zone for zone-less stamps.
    pub zone: TimeZone,
    /// How the zone was found, or that UTC was assumed.
    pub zone_description: String,
    /// Nothing in the bundle gave the zone: zone-less stamps were read as UTC.
    pub zone_assumed: bool,
    /// When the bundle was collected, when known.
    pub collected_at: Option<Timestamp>,
    /// Disagreements between anchors and other remarks, in plain words.
    pub notes: Vec<String>,
    /// Seconds added to the wall-clock stamps of a source whose clock was found off (a
    /// `dmesg -T` log after suspend), by source path.
    pub wall_corrections_s: BTreeMap<String, f64>,
    /// The day a rotated log was rotated, by source path, from its name (logrotate's
    /// `messages-20180124`): its syslog stamps, which have no year, are of that day or before,
    /// which may be years before the collection (a log kept from a node's earlier life).
    pub rotated_on: BTreeMap<String, jiff::civil::Date>,
}

impl ClockResolution {
    /// No anchor, no zone: wall-clock times of uptime stamps are unknown, zone-less stamps are
    /// read as UTC.
    pub fn unanchored() -> ClockResolution {
        ClockResolution {
            boot_time: None,
            method: "none".to_string(),
            uncertainty_s: None,
            zone: TimeZone::UTC,
            zone_description: "UTC (assumed: nothing in the bundle gave a zone)".to_string(),
            zone_assumed: true,
            collected_at: None,
            notes: Vec::new(),
            wall_corrections_s: BTreeMap::new(),
            rotated_on: BTreeMap::new(),
        }
    }

    /// The instant of a stamp on the bundle's wall clock, when it can be known.
    pub fn resolve(&self, stamp: &Stamp) -> Option<Timestamp> {
        if let Some(w) = &stamp.wall {
            if let Some(t) = self.resolve_wall(w) {
                return Some(t);
            }
        }
        add_seconds(self.boot_time?, stamp.uptime_s?)
    }

    /// The instant of a stamp read from the source at `path`, with that source's correction.
    /// The seconds since boot of a crashed kernel's log count from a boot the anchor is not of.
    pub fn resolve_in(&self, path: &str, stamp: &Stamp) -> Option<Timestamp> {
        let wall = stamp
            .wall
            .as_ref()
            .and_then(|w| self.resolve_wall_in(path, w));
        match (wall, self.wall_corrections_s.get(path)) {
            (Some(t), Some(shift)) => add_seconds(t, *shift),
            (Some(t), None) => Some(t),
            (None, _) if is_crashed_kernel_log(path) => None,
            (None, _) => add_seconds(self.boot_time?, stamp.uptime_s?),
        }
    }

    /// Whether reading `wall` depends on a zone that was only assumed.
    pub fn zone_unsure(&self, wall: &WallClock) -> bool {
        self.zone_assumed
            && match wall {
                WallClock::Instant { .. } => false,
                WallClock::Local { zone_abbrev, .. } => zone_abbrev
                    .as_deref()
                    .and_then(zone::unambiguous_offset)
                    .is_none(),
                WallClock::NoYear { .. } => true,
            }
    }

    /// [`ClockResolution::resolve_wall`] of a reading of the source at `path`: a syslog stamp of
    /// a rotated log takes its year from the day the log was rotated.
    pub fn resolve_wall_in(&self, path: &str, wall: &WallClock) -> Option<Timestamp> {
        match self.rotated_on.get(path) {
            Some(rotated) if matches!(wall, WallClock::NoYear { .. }) => {
                self.no_year_on_or_before(*rotated, wall)
            }
            _ => self.resolve_wall(wall),
        }
    }

    /// A syslog stamp (no year) as the last such day on or before `latest`, in the bundle's
    /// zone; `None` for another form of reading.
    fn no_year_on_or_before(
        &self,
        latest: jiff::civil::Date,
        wall: &WallClock,
    ) -> Option<Timestamp> {
        let WallClock::NoYear { month, day, .. } = wall else {
            return None;
        };
        let at = wall.no_year_in(zone::syslog_year(latest, *month, *day))?;
        self.zone.to_timestamp(at).ok()
    }

    /// The instant of a wall-clock reading, using the bundle's zone and collection year.
    pub fn resolve_wall(&self, wall: &WallClock) -> Option<Timestamp> {
        match wall {
            WallClock::Instant { at } => Some(*at),
            WallClock::Local { at, zone_abbrev } => {
                // `date` printed the abbreviation of the offset it used: when that abbreviation
                // names one offset only, it wins over the zone worked out for the bundle.
                let zone = zone_abbrev
                    .as_deref()
                    .and_then(zone::unambiguous_offset)
                    .unwrap_or_else(|| self.zone.clone());
                zone.to_timestamp(*at).ok()
            }
            WallClock::NoYear { .. } => {
                let collected = self
                    .collected_at?
                    .to_zoned_datetime(self.zone.clone())
                    .date();
                self.no_year_on_or_before(collected, wall)
            }
        }
    }
}

/// The day in a rotated log's name: logrotate's `dateext` suffix (`messages-20180124`,
/// `docker.log-20180124.gz`), a real date.
fn rotation_day(path: &str) -> Option<jiff::civil::Date> {
    let name = path.rsplit('/').next()?;
    let name = [".gz", ".xz", ".bz2", ".zst"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    let (_, digits) = name.rsplit_once('-')?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i16>().ok();
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// Whether the kernel log at `path` is kdump's copy of a crashed kernel's ring buffer
/// (`var/crash/<host>-<date>/vmcore-dmesg.txt`, `vmcore-dmesg-incomplete.txt` when the dump
/// was cut short). Its seconds since boot count from the boot that crashed, an earlier one
/// than the boot the bundle was collected in, so no anchor of the running boot places them,
/// and its lines anchor nothing.
pub(crate) fn is_crashed_kernel_log(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with("vmcore-dmesg"))
}

/// The first kernel log in `dmesg -T` form with a stamped line, when there is one.
fn wall_clock_kernel_log(facts: &Facts) -> Option<&str> {
    facts
        .kernel_logs
        .iter()
        .find(|k| {
            k.value.format == crate::facts::KernelLogFormat::DmesgHuman
                && k.value.first.as_ref().is_some_and(|s| s.wall.is_some())
        })
        .map(|k| k.path.as_str())
}

/// Seconds since the epoch, as a float (sub-microsecond precision is not needed here).
pub(crate) fn seconds(t: Timestamp) -> f64 {
    t.as_second() as f64 + f64::from(t.subsec_nanosecond()) * 1e-9
}

/// `t` moved by `s` seconds, when the result is representable.
pub(crate) fn add_seconds(t: Timestamp, s: f64) -> Option<Timestamp> {
    let nanos = (s * 1e9).round();
    if !nanos.is_finite() || nanos.abs() > 9e18 {
        return None;
    }
    t.checked_add(jiff::SignedDuration::from_nanos(nanos as i64))
        .ok()
}

/// The instant `s` seconds after the epoch.
pub(crate) fn from_seconds(s: f64) -> Option<Timestamp> {
    let nanos = (s * 1e9).round();
    if !nanos.is_finite() || nanos.abs() > 1e28 {
        return None;
    }
    Timestamp::from_nanosecond(nanos as i128).ok()
}

/// The merged timeline of a bundle.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub clock: ClockResolution,
    pub events: Vec<TimelineEvent>,
}

/// Build the timeline from the bundle's facts and what is derived from them.
pub fn build(facts: &Facts, derived: &Derived<'_>) -> Timeline {
    let mut clock = ClockResolution::unanchored();
    let zone = zone::resolve_zone(facts);
    clock.zone = zone.zone;
    clock.zone_description = zone.description;
    clock.zone_assumed = zone.assumed;

    // The collection date comes before the anchors: syslog stamps need its year.
    let collected = anchors::collected_at(facts, &clock);
    let mut collection_cite = None;
    if let Some(c) = collected {
        clock.collected_at = Some(c.at);
        clock.notes.push(c.how);
        // A last log stamp bounds the collection from below; it is no event of its own.
        if !c.from_logs {
            collection_cite = Some((c.source, c.line));
        }
    }

    let (best, notes, corrections) = anchors::choose(anchors::find(facts, &clock), &clock);
    if let Some(best) = best {
        clock.boot_time = Some(best.boot);
        clock.method = best.method;
        clock.uncertainty_s = Some(best.uncertainty_s);
    }
    clock.notes.extend(notes);
    clock.wall_corrections_s = corrections;
    clock.rotated_on = facts
        .sources
        .iter()
        .filter_map(|s| Some((s.path.clone(), rotation_day(&s.path)?)))
        .collect();
    if clock.boot_time.is_none() {
        if let Some(path) = wall_clock_kernel_log(facts) {
            // Nothing ties seconds since boot to the wall clock, and nothing needs to: the
            // kernel log's own stamps are wall times.
            clock.method = format!("dmesg -T wall-clock stamps ({path})");
            clock.uncertainty_s = Some(1.0);
            clock.notes.push(format!(
                "{path} is `dmesg -T` output: its stamps are wall times, computed by dmesg from \
                 the boot time and the seconds since boot, to the second; they run late after \
                 a suspend, whose time they do not count."
            ));
        }
    }

    let mut drafts = events::collect(facts, &clock, collection_cite);
    events::boot_drafts(derived, &clock, &mut drafts);
    let tolerance_s = 2.0 + clock.uncertainty_s.unwrap_or(0.0).min(300.0);
    let events = merge::merge(drafts, tolerance_s);
    Timeline { clock, events }
}

#[cfg(test)]
mod tests;
