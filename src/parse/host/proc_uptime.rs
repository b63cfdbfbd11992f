//! `/proc/uptime`: seconds up and seconds idle.

use crate::facts::{ProcUptime, Warning};
use crate::parse::text::fields;
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::{content_lines, lossy};

/// Parse `/proc/uptime`: `350735.47 234388.90` (seconds up, seconds idle summed over CPUs).
pub fn parse_proc_uptime(text: &str) -> Parsed<Option<ProcUptime>> {
    let mut warnings = Vec::new();
    for (no, raw, cleaned) in content_lines(text) {
        let tokens: Vec<&str> = fields(&cleaned).collect();
        let number = |t: &str| t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let parsed = match tokens.as_slice() {
            [up] => number(up).map(|u| (u, None)),
            [up, idle] => number(up).zip(number(idle)).map(|(u, i)| (u, Some(i))),
            _ => None,
        };
        match parsed {
            Some((uptime_s, idle_s)) => {
                return Parsed::new(
                    Some(ProcUptime {
                        uptime_s,
                        idle_s,
                        line: line(no, raw),
                    }),
                    warnings,
                )
            }
            None => warnings.push(Warning::at(no, "/proc/uptime line is not two numbers")),
        }
    }
    Parsed::new(None, warnings)
}

/// `/proc/uptime`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::ProcUptime,
    paths: Paths {
        sosreport: &["proc/uptime"],
        collector: &["proc/uptime"],
        supportconfig: &["/proc/uptime"],
        plain: &["proc-uptime*", "proc_uptime*"],
    },
    sniff: Some(|head| {
        let first = head.first()?;
        (head.line_count() == 1 && PROC_UPTIME_RE.is_match(first)).then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_one(
            &mut facts.proc_uptime,
            path,
            parse_proc_uptime(&lossy(bytes)),
        )
    }),
};

sniff_regex!(PROC_UPTIME_RE, r"^[0-9]+\.[0-9]+\s+[0-9]+(?:\.[0-9]+)?$");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_uptime() {
        let u = parse_proc_uptime("350735.47 234388.90\n")
            .value
            .expect("uptime");
        assert_eq!(u.uptime_s, 350735.47);
        assert_eq!(u.idle_s, Some(234388.90));
        let p = parse_proc_uptime("abc def\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
    }
}
