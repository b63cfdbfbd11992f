//! `/proc/stat`: boot time, processes forked and running, the number of CPUs.

use crate::facts::{ProcStat, Warning};
use crate::parse::text::fields;
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::{content_lines, lossy};

/// Parse `/proc/stat`: `btime`, `processes`, `procs_running` and the number of `cpuN` lines.
pub fn parse_proc_stat(text: &str) -> Parsed<Option<ProcStat>> {
    let mut warnings = Vec::new();
    let mut stat = ProcStat {
        btime: None,
        btime_line: None,
        processes: None,
        procs_running: None,
        cpus: 0,
    };
    let mut seen = false;
    for (no, raw, cleaned) in content_lines(text) {
        let mut tokens = fields(&cleaned);
        let Some(key) = tokens.next() else { continue };
        let value = tokens.next();
        match key {
            "btime" | "processes" | "procs_running" => {
                seen = true;
                let Some(v) = value.and_then(|v| v.parse::<u64>().ok()) else {
                    warnings.push(Warning::at(no, format!("/proc/stat {key} is not a number")));
                    continue;
                };
                match key {
                    "btime" => match i64::try_from(v) {
                        Ok(b) => {
                            stat.btime = Some(b);
                            stat.btime_line = Some(line(no, raw));
                        }
                        Err(_) => warnings.push(Warning::at(no, "/proc/stat btime out of range")),
                    },
                    "processes" => stat.processes = Some(v),
                    _ => stat.procs_running = Some(v),
                }
            }
            k if k.len() > 3
                && k.starts_with("cpu")
                && k.bytes().skip(3).all(|b| b.is_ascii_digit()) =>
            {
                seen = true;
                stat.cpus = stat.cpus.saturating_add(1);
            }
            "cpu" => seen = true,
            _ => {}
        }
    }
    Parsed::new(seen.then_some(stat), warnings)
}

/// `/proc/stat`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::ProcStat,
    paths: Paths {
        sosreport: &["proc/stat"],
        collector: &["proc/stat"],
        supportconfig: &["/proc/stat"],
        plain: &["proc-stat*", "proc_stat*", "procstat*"],
    },
    sniff: Some(|head| {
        // The `intr` line can be longer than the sniffed head, hiding `btime` behind it; per-CPU
        // lines come first.
        let cpu = head.lines().any(|l| CPU_LINE.is_match(l));
        let other = head
            .lines()
            .any(|l| PROC_STAT_OTHER.is_match(l) || CPU_N_LINE.is_match(l));
        match (cpu, other) {
            (true, true) => Some(Strength::Strong),
            (false, false) => None,
            _ => Some(Strength::Plausible),
        }
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_one(&mut facts.proc_stat, path, parse_proc_stat(&lossy(bytes)))
    }),
};

sniff_regex!(CPU_LINE, r"^cpu\s+[0-9]+(?:\s+[0-9]+){3,}");
sniff_regex!(CPU_N_LINE, r"^cpu[0-9]+\s+[0-9]+(?:\s+[0-9]+){3,}");
sniff_regex!(
    PROC_STAT_OTHER,
    r"^(?:btime|ctxt|intr|processes|procs_running)\s+[0-9]+"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;

    #[test]
    fn proc_stat_samples() {
        let p = parse_proc_stat(&test_data("proc_stat/insights-8cpu-btime.txt"));
        assert!(p.warnings.is_empty());
        let s = p.value.expect("stat");
        assert_eq!(s.btime, Some(1542179825));
        assert_eq!(s.btime_line.as_ref().map(|l| l.no), Some(12));
        assert_eq!(s.processes, Some(19212));
        assert_eq!(s.procs_running, Some(1));
        assert_eq!(s.cpus, 8);
        let s = parse_proc_stat(&test_data("proc_stat/procfs-8cpu-btime-1418183276.txt"))
            .value
            .expect("stat");
        assert_eq!(s.btime, Some(1418183276));
        assert_eq!(s.procs_running, Some(2));
        assert_eq!(s.cpus, 8);
        assert!(parse_proc_stat("hello\n").value.is_none());
    }
}
