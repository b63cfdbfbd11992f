//! The boots a bundle's kernel logs show, and the kernel each ran.
//!
//! A kernel log can span reboots: a rotated `messages-YYYYMMDD` holds days of several boots, a
//! journal keeps boot after boot, a pasted excerpt joins two `dmesg` outputs. What starts a boot
//! in a log, strongest first:
//! - the kernel's `Linux version <release> ...` banner, which also names the kernel;
//! - a journal boot marker (`-- Boot <id> --`, a new `_BOOT_ID`);
//! - seconds since boot going back from one message to the next;
//! - a failure report whose `CPU:` line prints another release than the boot it seemed to be in.
//!
//! A banner just after a marker of the same boot (a journal marker, or the reset of the seconds
//! since boot, both on or before the banner's line) names that boot's kernel rather than start
//! another. The lines of a log before its first boot mark belong to a boot the log does not show
//! the start of.

use crate::facts::{BootMarkKind, Facts, KernelMessageKind, Line, Stamp};

use super::kernel_version::KernelVersion;

/// What showed that a boot begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootEvidence {
    /// The kernel's `Linux version` banner.
    Banner,
    /// A journal boot marker.
    Journal,
    /// Seconds since boot went back.
    UptimeReset,
    /// A failure report printed another kernel release than the boot before it.
    ReportRelease,
}

/// One boot, as one kernel log shows it begin.
#[derive(Debug, Clone)]
pub struct Boot<'a> {
    /// The kernel log.
    pub path: &'a str,
    /// The first line of the boot in that log.
    pub line: &'a Line,
    pub stamp: &'a Stamp,
    pub evidence: BootEvidence,
    /// The `Linux version` banner of the boot, when the log kept it.
    pub banner: Option<&'a Line>,
    /// The kernel it ran, when the log names it.
    pub release: Option<KernelVersion>,
    /// The journal's boot id, when a marker gave it.
    pub id: Option<&'a str>,
}

/// A place where a boot may begin, before banners are matched with the marks they follow.
struct Mark<'a> {
    line: &'a Line,
    stamp: &'a Stamp,
    evidence: BootEvidence,
    release: Option<&'a str>,
    id: Option<&'a str>,
}

/// Every boot the kernel logs show, log by log in bundle order, each log's in line order.
pub fn find(facts: &Facts) -> Vec<Boot<'_>> {
    let mut boots = Vec::new();
    for log in &facts.kernel_logs {
        let mut marks: Vec<Mark<'_>> = log
            .value
            .boot_marks
            .iter()
            .map(|m| match &m.kind {
                BootMarkKind::UptimeReset { .. } => Mark {
                    line: &m.line,
                    stamp: &m.stamp,
                    evidence: BootEvidence::UptimeReset,
                    release: None,
                    id: None,
                },
                BootMarkKind::Journal { id } => Mark {
                    line: &m.line,
                    stamp: &m.stamp,
                    evidence: BootEvidence::Journal,
                    release: None,
                    id: id.as_deref(),
                },
            })
            .collect();
        marks.extend(log.value.messages.iter().filter_map(|m| match &m.kind {
            KernelMessageKind::Boot { release } => Some(Mark {
                line: &m.line,
                stamp: &m.stamp,
                evidence: BootEvidence::Banner,
                release: Some(release.as_str()),
                id: None,
            }),
            _ => None,
        }));
        marks.extend(log.value.alloc_failures.iter().filter_map(|a| {
            a.kernel_release.as_deref().map(|release| Mark {
                line: &a.header,
                stamp: &a.stamp,
                evidence: BootEvidence::ReportRelease,
                release: Some(release),
                id: None,
            })
        }));
        // On one line, a marker comes before the banner that names its kernel.
        marks.sort_by_key(|m| (m.line.no, line_rank(m.evidence)));
        let first = boots.len();
        // The release of the boot the log begins in, as its first report printed it.
        let mut opening: Option<&str> = None;
        for mark in marks {
            if mark.evidence == BootEvidence::ReportRelease && boots.len() == first {
                match opening {
                    None => {
                        opening = mark.release;
                        continue;
                    }
                    Some(o) if Some(o) == mark.release => continue,
                    Some(_) => {}
                }
            }
            place(&mut boots, first, log.path.as_str(), mark);
        }
    }
    boots
}

/// The order of marks found on one line.
fn line_rank(evidence: BootEvidence) -> u8 {
    match evidence {
        BootEvidence::Journal => 0,
        BootEvidence::UptimeReset => 1,
        BootEvidence::Banner => 2,
        BootEvidence::ReportRelease => 3,
    }
}

/// Add `mark` as a new boot, or let it tell more of the log's last boot so far (the log's boots
/// are those from index `first` on).
fn place<'a>(boots: &mut Vec<Boot<'a>>, first: usize, path: &'a str, mark: Mark<'a>) {
    let release = mark.release.and_then(KernelVersion::parse);
    let current = if boots.len() > first {
        boots.last_mut()
    } else {
        None
    };
    match (mark.evidence, current) {
        (BootEvidence::ReportRelease, Some(boot)) => match &boot.release {
            Some(known) if release.as_ref().is_some_and(|r| r.release != known.release) => {}
            // The report names the kernel of the boot it was printed in.
            Some(_) => return,
            None => {
                boot.release = release;
                return;
            }
        },
        (BootEvidence::Banner, Some(boot))
            if boot.banner.is_none()
                && boot.release.is_none()
                && boot.evidence != BootEvidence::ReportRelease =>
        {
            boot.banner = Some(mark.line);
            boot.release = release;
            return;
        }
        _ => {}
    }
    boots.push(Boot {
        path,
        line: mark.line,
        stamp: mark.stamp,
        evidence: mark.evidence,
        banner: (mark.evidence == BootEvidence::Banner).then_some(mark.line),
        release,
        id: mark.id,
    });
}
