//! What the bundle lacks that the analysis would have used: missing sources, unreadable or cut
//! entries, collector commands that failed. The `bundle.evidence-gap` finding and the report's
//! "what the bundle lacked" section are both built from [`find`]. The sources a rule reads are
//! declared in its metadata ([`Need`](super::meta::Need)); the gaps of the bundle as a whole
//! (its kernel log, cut reports, its clock, files it could not read) are found here.

use super::finding::{code, text_in_prose};
use super::meta::NeedWhen;
use super::RULES;
use crate::derive::Derived;
use crate::facts::{Facts, MemInfoDump, OomReportPart, RuntimeErrorKind};
use crate::sources::SourceKind;

/// One missing piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// What is missing, in a few words.
    pub what: String,
    /// What it would have shown.
    pub why: String,
    /// How to collect it, when there is a command for it.
    pub collect: Option<String>,
}

impl Gap {
    fn new(what: &str, why: &str, collect: Option<&str>) -> Gap {
        Gap {
            what: what.to_string(),
            why: why.to_string(),
            collect: collect.map(str::to_string),
        }
    }

    /// One line: what, why, and how to collect it.
    pub fn sentence(&self) -> String {
        match &self.collect {
            Some(c) => format!("{}: {} (collect with `{c}`)", self.what, self.why),
            None => format!("{}: {}", self.what, self.why),
        }
    }
}

fn has(facts: &Facts, kind: SourceKind) -> bool {
    facts
        .sources
        .iter()
        .any(|s| s.kind == kind && s.problem.is_none() && s.records > 0)
}

/// The lines of a complete Mem-Info block, for the gaps that name them.
const MEM_INFO_LINES: &str = "a `free:...kB min:...kB low:...kB high:...kB` line, a \
     `lowmem_reserve[]:` line and a free-list line (`Node 0 Normal: N*4kB (UME) ... = NkB`) for \
     every zone, and ends with `N pages RAM` and `N pages reserved`";

/// What a Mem-Info block cut off at the end of the log lacks.
fn cut_meminfo_words(m: &MemInfoDump) -> String {
    let without: Vec<&str> = m
        .zones
        .iter()
        .filter(|z| z.free_lists.is_none())
        .map(|z| z.zone.as_str())
        .collect();
    match (m.zones.is_empty(), without.is_empty()) {
        (true, _) => "the log ends before any zone line of the block".to_string(),
        (false, false) => format!(
            "the log ends before the free lists of {}",
            without
                .iter()
                .map(|z| super::finding::code(z))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (false, true) => "the log ends after the free lists, before the closing lines".to_string(),
    }
}

/// Every gap of the bundle, in a stable order.
pub fn find(facts: &Facts, derived: &Derived<'_>) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let alloc_failure = facts
        .kernel_logs
        .iter()
        .any(|k| k.value.alloc_failures.iter().any(|a| a.order > 0));
    let oom = facts
        .kernel_logs
        .iter()
        .any(|k| !k.value.oom_kills.is_empty());
    let start_failure = facts.runtime_errors.iter().any(|r| {
        r.value
            .iter()
            .any(|e| e.kind == RuntimeErrorKind::StartFailure)
    });
    let containers_involved = start_failure
        || !facts.containers.is_empty()
        || !facts.docker_events.is_empty()
        || facts.runtime_errors.iter().any(|r| !r.value.is_empty());
    let incident = alloc_failure || oom || start_failure;
    let kernel_log = !facts.kernel_logs.is_empty();

    if incident && !kernel_log {
        gaps.push(Gap::new(
            "no kernel log",
            "the kernel log says why the kernel refused (which allocation failed, an OOM kill, a \
             SLUB warning); without it the cause of the error can only be inferred",
            Some("dmesg > dmesg.txt; journalctl -k > journal-kernel.txt"),
        ));
    }
    let failures = || {
        facts
            .kernel_logs
            .iter()
            .flat_map(|k| &k.value.alloc_failures)
            .filter(|a| a.order > 0)
    };
    if failures().any(|a| a.mem_info.is_none()) {
        gaps.push(Gap::new(
            "the allocation failure report has no Mem-Info block",
            &format!(
                "the free lists and watermarks at the moment of failure, which a complete report \
                 prints after its call trace: {MEM_INFO_LINES}; the log was truncated or filtered \
                 (rsyslog rate limits cut long reports)"
            ),
            Some("dmesg > dmesg.txt"),
        ));
    } else if let Some(m) = failures().find_map(|a| a.mem_info.as_ref().filter(|m| m.cut_off)) {
        gaps.push(Gap::new(
            "the allocation failure report is cut off inside its Mem-Info block",
            &format!(
                "{}; a complete block has {MEM_INFO_LINES}",
                cut_meminfo_words(m)
            ),
            Some("dmesg > dmesg.txt"),
        ));
    }
    let oom_reports = || facts.kernel_logs.iter().flat_map(|k| &k.value.oom_kills);
    if oom_reports().any(|k| k.missing.contains(&OomReportPart::Header)) {
        gaps.push(Gap::new(
            "an OOM report starts in its middle",
            "a complete report opens with `<task> invoked oom-killer: gfp_mask=..., order=N, \
             oom_score_adj=N`, then the `CPU:` line with the kernel release and the call trace: \
             which task asked for memory, for what order, and through which path",
            Some("dmesg > dmesg.txt; journalctl -k > journal-kernel.txt"),
        ));
    }
    if oom_reports().any(|k| k.missing.contains(&OomReportPart::KillLine)) {
        gaps.push(Gap::new(
            "an OOM report is cut off before its kill line",
            "a complete report ends with `Killed process <pid> (<comm>) total-vm:...kB, \
             anon-rss:...kB, file-rss:...kB` (after `oom-kill:constraint=...` on 4.19 and \
             later, and `Kill process <pid> (<comm>) score N or sacrifice child` before 5.1), \
             which names the process killed and its size",
            Some("dmesg > dmesg.txt; journalctl -k > journal-kernel.txt"),
        ));
    }
    let kernel = derived.incident_kernel();
    let old_kernel = kernel
        .as_ref()
        .is_some_and(|k| k.version.is_rhel7() || k.version.before(4, 6));
    // What the rules read and the bundle lacks, in catalogue order, each once.
    for need in RULES.iter().flat_map(|r| r.meta().needs) {
        let matters = match need.when {
            NeedWhen::AllocFailure => alloc_failure,
            NeedWhen::AllocFailureOnOldKernel => alloc_failure && old_kernel,
            NeedWhen::Incident => incident,
            NeedWhen::StartFailure => start_failure,
            NeedWhen::ContainerFailure => containers_involved && (alloc_failure || start_failure),
        };
        let met = need.sources.iter().any(|k| has(facts, *k));
        if matters && !met && !gaps.iter().any(|g: &Gap| g.what == need.what) {
            gaps.push(Gap::new(need.what, need.why, need.collect));
        }
    }
    if incident && facts.uname.is_empty() && kernel.is_none() {
        gaps.push(Gap::new(
            "no kernel release",
            "GFP flags, the watermark rule and known defects depend on it",
            Some("uname -a"),
        ));
    } else if incident && facts.uname.is_empty() {
        gaps.push(Gap::new(
            "no uname",
            "the kernel release decides how GFP flags, watermarks and known defects are read; \
             it was taken from the kernel log where possible",
            Some("uname -a"),
        ));
    }
    if incident
        && facts.date.is_empty()
        && facts.proc_uptime.is_empty()
        && facts.proc_stat.is_empty()
    {
        gaps.push(Gap::new(
            "no date and uptime taken together",
            "they tie the kernel's seconds-since-boot stamps to the wall clock",
            Some("date --rfc-3339=ns; cat /proc/uptime"),
        ));
    }
    for s in &facts.sources {
        if let Some(p) = &s.problem {
            gaps.push(Gap {
                what: format!("{} could not be read completely", code(&s.path)),
                why: text_in_prose(p),
                collect: None,
            });
        }
    }
    for m in &facts.manifest {
        for c in &m.value.commands {
            if c.exit_status.is_some_and(|s| s != 0) && c.bytes.unwrap_or(0) == 0 {
                gaps.push(Gap {
                    what: format!("collector command {} failed", code(&c.command)),
                    why: format!(
                        "exit status {}; its output is missing from the bundle",
                        c.exit_status.unwrap_or_default()
                    ),
                    collect: None,
                });
            } else if c.truncated {
                gaps.push(Gap {
                    what: format!("output of {} was cut", code(&c.command)),
                    why:
                        "the command hit the collector's time or size limit; events after the cut \
                          are missing"
                            .to_string(),
                    collect: None,
                });
            }
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;

    #[test]
    fn the_seed_lacks_slabinfo_vmstat_and_runtime_version() {
        let facts = seed_facts();
        let gaps = find(&facts, &crate::derive::derive(&facts));
        let what: Vec<&str> = gaps.iter().map(|g| g.what.as_str()).collect();
        assert!(what.contains(&"no /proc/slabinfo"), "{what:?}");
        assert!(what.contains(&"runtime version unknown"), "{what:?}");
        assert!(!what.contains(&"no /proc/buddyinfo"), "{what:?}");
        assert!(!what.contains(&"no kernel log"), "{what:?}");
    }

    #[test]
    fn a_healthy_bundle_has_no_gap() {
        let facts = healthy_facts();
        assert!(find(&facts, &crate::derive::derive(&facts)).is_empty());
    }
}
