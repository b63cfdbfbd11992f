//! `/proc/net/sockstat`: `sockets: used N`, then one line per protocol
//! (`TCP: inuse 35 orphan 0 tw 4 alloc 59 mem 22`, `mem` in pages).
//!
//! The `TCP:` line is what the TCP memory findings read. Its fields are read by name, so a
//! kernel that adds one is still read; a `TCP:` line without its numbers is a warning.

use crate::facts::{Sockstat, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Parse `/proc/net/sockstat`; `None` when it has no `TCP:` line.
pub fn parse_sockstat(text: &str) -> Parsed<Option<Sockstat>> {
    let mut stat = Sockstat::default();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        let mut tokens = fields(&cleaned);
        match tokens.next() {
            Some("sockets:") => {
                let pairs = named_numbers(tokens);
                stat.sockets_used = pairs.iter().find(|p| p.0 == "used").map(|p| p.1);
            }
            Some("TCP:") if stat.tcp_line.is_none() => {
                let pairs = named_numbers(tokens);
                let get = |name: &str| pairs.iter().find(|p| p.0 == name).map(|p| p.1);
                stat.tcp_inuse = get("inuse");
                stat.tcp_orphan = get("orphan");
                stat.tcp_tw = get("tw");
                stat.tcp_alloc = get("alloc");
                stat.tcp_mem_pages = get("mem");
                if stat.tcp_inuse.is_none() && stat.tcp_mem_pages.is_none() {
                    warnings.push(Warning::at(
                        no,
                        "sockstat TCP line has neither `inuse N` nor `mem N`; skipped",
                    ));
                    continue;
                }
                stat.tcp_line = Some(line(no, raw));
            }
            _ => {}
        }
    }
    Parsed::new(stat.tcp_line.is_some().then_some(stat), warnings)
}

/// `name N name N ...`, the pairs whose number reads.
fn named_numbers<'a>(tokens: impl Iterator<Item = &'a str>) -> Vec<(&'a str, u64)> {
    let tokens: Vec<&str> = tokens.collect();
    tokens
        .chunks(2)
        .filter_map(|pair| match pair {
            [name, value] => value.parse().ok().map(|v| (*name, v)),
            _ => None,
        })
        .collect()
}

/// `/proc/net/sockstat` (sosreport copies it under `proc/net`, or `proc/<pid>/net` where
/// `proc/net` is the `self/net` link).
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Sockstat,
    paths: Paths {
        sosreport: &["net/sockstat"],
        collector: &["proc/net/sockstat"],
        supportconfig: &["/proc/net/sockstat"],
        plain: &["sockstat*"],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        let text = String::from_utf8_lossy(bytes);
        super::file_one(&mut facts.sockstat, path, parse_sockstat(&text))
    }),
};

/// `sockets: used N` then `TCP: inuse N ...`, after at most one pasted line (a `#cat
/// /proc/net/sockstat` without the space a prompt has).
fn sniff(head: &Head<'_>) -> Option<Strength> {
    let mut lines = head.lines().skip_while(|l| l.starts_with('#'));
    let first = lines.next()?;
    (SOCKETS_LINE.is_match(first) && lines.next().is_some_and(|l| TCP_LINE.is_match(l)))
        .then_some(Strength::Strong)
}

sniff_regex!(SOCKETS_LINE, r"^sockets: used [0-9]+$");
sniff_regex!(TCP_LINE, r"^TCP: inuse [0-9]+ ");

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        crate::parse::test_data(&format!("proc_sockstat/{name}"))
    }

    #[test]
    fn real_busy_host_with_a_pasted_prompt() {
        let p = parse_sockstat(&sample("geekgao-articles-7-orphans-over-max.txt"));
        assert!(p.warnings.is_empty());
        let s = p.value.unwrap_or_default();
        assert_eq!(s.sockets_used, Some(39845));
        assert_eq!(
            (
                s.tcp_inuse,
                s.tcp_orphan,
                s.tcp_tw,
                s.tcp_alloc,
                s.tcp_mem_pages
            ),
            (
                Some(125_217),
                Some(65738),
                Some(103_758),
                Some(121_429),
                Some(22016)
            )
        );
        assert_eq!(s.tcp_line.map(|l| l.no), Some(3));
    }

    #[test]
    fn every_real_sample_reads() {
        for name in [
            "hotsos-k8s-worker-ubuntu2004.txt",
            "insights-busy-host-orphans.txt",
            "procfs-fixture.txt",
        ] {
            let p = parse_sockstat(&sample(name));
            assert!(p.warnings.is_empty(), "{name}");
            assert!(p.value.is_some_and(|s| s.tcp_mem_pages.is_some()), "{name}");
        }
    }

    #[test]
    fn a_tcp_line_without_numbers_is_a_warning() {
        let p = parse_sockstat("sockets: used 3\nTCP: nothing here\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings[0].line, Some(2));
    }
}
