//! `/proc/loadavg`: the load averages, running and total threads, the last pid.

use crate::facts::{LoadAvg, Warning};
use crate::parse::text::fields;
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::{content_lines, lossy};

/// Parse `/proc/loadavg`: three load averages, `running/threads`, the last pid.
pub fn parse_loadavg(text: &str) -> Parsed<Option<LoadAvg>> {
    let mut warnings = Vec::new();
    for (no, raw, cleaned) in content_lines(text) {
        let tokens: Vec<&str> = fields(&cleaned).collect();
        let load = |t: &str| t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let parsed = match tokens.as_slice() {
            [a, b, c, entities, ..] => {
                let (running, threads) = entities.split_once('/').unwrap_or(("", ""));
                match (load(a), load(b), load(c), running.parse(), threads.parse()) {
                    (Some(a), Some(b), Some(c), Ok(running), Ok(threads)) => Some(LoadAvg {
                        load: [a, b, c],
                        running,
                        threads,
                        line: line(no, raw),
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(l) => return Parsed::new(Some(l), warnings),
            None => warnings.push(Warning::at(
                no,
                "/proc/loadavg line is not `load1 load5 load15 running/threads lastpid`",
            )),
        }
    }
    Parsed::new(None, warnings)
}

/// `/proc/loadavg`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Loadavg,
    paths: Paths {
        sosreport: &["proc/loadavg"],
        collector: &["proc/loadavg"],
        supportconfig: &["/proc/loadavg"],
        plain: &["loadavg*"],
    },
    sniff: Some(|head| {
        let first = head.first()?;
        (head.line_count() == 1 && LOADAVG_RE.is_match(first)).then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_one(&mut facts.loadavg, path, parse_loadavg(&lossy(bytes)))
    }),
};

sniff_regex!(
    LOADAVG_RE,
    r"^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+/[0-9]+ [0-9]+$"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_samples() {
        for (text, threads) in [
            (
                include_str!("../../../tests/data/proc_loadavg/node-exporter-fixture.txt"),
                719,
            ),
            (
                include_str!("../../../tests/data/proc_loadavg/procfs-1-497-running-total.txt"),
                497,
            ),
        ] {
            let body: String = text.lines().filter(|l| !l.starts_with("# ")).collect();
            let p = parse_loadavg(&body);
            assert!(p.warnings.is_empty());
            assert_eq!(p.value.map(|l| (l.running, l.threads)), Some((1, threads)));
        }
    }
}
