//! `/proc/cgroups`: `#subsys_name hierarchy num_cgroups enabled`, one controller per line.
//!
//! The header comment is skipped. A line whose second token is a number is a controller row
//! and must read completely (name and three numbers), or it is a warning; other lines (prompts,
//! prose) are ignored.

use crate::facts::{CgroupController, Cgroups, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Parse `/proc/cgroups`.
pub fn parse(text: &str) -> Parsed<Cgroups> {
    let mut controllers = Vec::new();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        if cleaned.starts_with('#') {
            continue;
        }
        let tokens: Vec<&str> = fields(&cleaned).collect();
        let looks_like_row = tokens
            .get(1)
            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
        if !looks_like_row {
            continue;
        }
        let parsed = match tokens.as_slice() {
            [name, hierarchy, num, enabled] => match (
                hierarchy.parse::<u32>(),
                num.parse::<u64>(),
                enabled.parse::<u8>(),
            ) {
                (Ok(h), Ok(n), Ok(e @ (0 | 1))) => Some((name, h, n, e == 1)),
                _ => None,
            },
            _ => None,
        };
        match parsed {
            Some((name, hierarchy, num_cgroups, enabled)) => controllers.push(CgroupController {
                name: name.to_string(),
                hierarchy,
                num_cgroups,
                enabled,
                line: line(no, raw),
            }),
            None => warnings.push(Warning::at(
                no,
                "cgroups row is not `name hierarchy num_cgroups enabled`; skipped",
            )),
        }
    }
    Parsed::new(Cgroups { controllers }, warnings)
}

/// `/proc/cgroups`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Cgroups,
    paths: Paths {
        sosreport: &["proc/cgroups"],
        collector: &["proc/cgroups"],
        supportconfig: &["/proc/cgroups"],
        plain: &["cgroups*", "proc-cgroups*", "proc_cgroups*"],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse(&String::from_utf8_lossy(bytes));
        let n = p.value.controllers.len() as u64;
        super::file_counted(&mut facts.cgroups, path, p, n)
    }),
};

sniff_regex!(
    CGROUP_LINE,
    r"^(?:cpuset|cpu|cpuacct|memory|devices|freezer|net_cls|blkio|perf_event|hugetlb|pids|net_prio|rdma|misc|debug)\s+[0-9]+\s+[0-9]+\s+[01]$"
);

fn sniff(head: &Head<'_>) -> Option<Strength> {
    if head.lines().any(|l| l.starts_with("#subsys_name")) {
        return Some(Strength::Strong);
    }
    let cgroup_lines = head.lines().filter(|l| CGROUP_LINE.is_match(l)).count();
    if cgroup_lines >= 2 && cgroup_lines * 2 >= head.line_count() {
        return Some(Strength::Strong);
    }
    (cgroup_lines > 0).then_some(Strength::Plausible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rhel7_cgroups() {
        let text =
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t4\t9\t1\ncpu\t5\t110\t1\n\
                    memory\t9\t2301\t1\nhugetlb\t0\t1\t0\nmemory 9 lots 1\n";
        let p = parse(text);
        let c = &p.value.controllers;
        assert_eq!(c.len(), 4);
        let memory = c.iter().find(|c| c.name == "memory");
        assert_eq!(
            memory.map(|m| (m.hierarchy, m.num_cgroups, m.enabled)),
            Some((9, 2301, true))
        );
        assert_eq!(memory.map(|m| m.line.no), Some(4));
        assert!(!c[3].enabled);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(6));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }
}
