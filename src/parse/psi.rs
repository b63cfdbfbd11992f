//! Pressure stall information: `/proc/pressure/{memory,cpu,io,irq}` and a cgroup v2 group's
//! `memory.pressure` (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`, then a `full` line).
//!
//! `irq` has only a `full` line, `cpu` a `full` line since 5.13; the last line may lack its
//! newline. A `some`/`full` line that cannot be read is a warning; other lines are ignored.

use crate::facts::{Pressure, PressureLine, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Parse a pressure file; `None` when it has neither a `some` nor a `full` line.
pub fn parse_pressure(text: &str, resource: Option<&str>) -> Parsed<Option<Pressure>> {
    let mut pressure = Pressure {
        resource: resource.map(str::to_string),
        ..Pressure::default()
    };
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        let mut tokens = fields(&cleaned);
        let slot = match tokens.next() {
            Some("some") => &mut pressure.some,
            Some("full") => &mut pressure.full,
            _ => continue,
        };
        match pressure_line(tokens) {
            Some((avg10, avg60, avg300, total_us)) => {
                *slot = Some(PressureLine {
                    avg10,
                    avg60,
                    avg300,
                    total_us,
                    line: line(no, raw),
                });
            }
            None => warnings.push(Warning::at(
                no,
                "pressure line is not `some|full avg10=N avg60=N avg300=N total=N`; skipped",
            )),
        }
    }
    let found = pressure.some.is_some() || pressure.full.is_some();
    Parsed::new(found.then_some(pressure), warnings)
}

/// `avg10=0.00 avg60=0.00 avg300=0.00 total=0`, in any order.
fn pressure_line<'a>(tokens: impl Iterator<Item = &'a str>) -> Option<(f64, f64, f64, u64)> {
    let (mut avg10, mut avg60, mut avg300, mut total) = (None, None, None, None);
    let percent = |v: &str| v.parse::<f64>().ok().filter(|p| (0.0..=100.0).contains(p));
    for token in tokens {
        match token.split_once('=')? {
            ("avg10", v) => avg10 = percent(v),
            ("avg60", v) => avg60 = percent(v),
            ("avg300", v) => avg300 = percent(v),
            ("total", v) => total = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    Some((avg10?, avg60?, avg300?, total?))
}

/// The resource a pressure file is about, from its name (`proc/pressure/memory`,
/// `memory.pressure`).
pub fn resource_of(path: &str) -> Option<&'static str> {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_lowercase();
    let stem = name.strip_suffix(".pressure").unwrap_or(&name);
    let stem = stem.split('.').next().unwrap_or(stem);
    ["memory", "cpu", "io", "irq"]
        .into_iter()
        .find(|r| *r == stem)
}

/// `/proc/pressure/*`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Pressure,
    paths: Paths {
        sosreport: &["proc/pressure/*"],
        collector: &["proc/pressure/*"],
        supportconfig: &["/proc/pressure/*"],
        plain: &["pressure*", "psi*"],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        let text = String::from_utf8_lossy(bytes);
        super::file_one(
            &mut facts.pressure,
            path,
            parse_pressure(&text, resource_of(path)),
        )
    }),
};

/// Weak: a cgroup's `memory.pressure` has the same lines and is a cgroup file by its place.
fn sniff(head: &Head<'_>) -> Option<Strength> {
    let mut lines = head.lines();
    let all = lines.clone().count();
    (all > 0 && all <= 2 && lines.all(|l| PSI_LINE.is_match(l))).then_some(Strength::Weak)
}

sniff_regex!(
    PSI_LINE,
    r"^(?:some|full) avg10=[0-9.]+ avg60=[0-9.]+ avg300=[0-9.]+ total=[0-9]+$"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        crate::parse::test_data(&format!("psi/{name}"))
    }

    #[test]
    fn real_cgroup_memory_pressure() {
        let p = parse_pressure(
            &sample("oomd-cgroup-memory-pressure-large-totals.txt"),
            None,
        );
        assert!(p.warnings.is_empty());
        let p = p.value.unwrap_or_default();
        let some = p
            .some
            .as_ref()
            .map(|l| (l.avg10, l.avg60, l.avg300, l.total_us));
        assert_eq!(some, Some((1.11, 2.22, 3.33, 134_829_384_400)));
        assert_eq!(p.full.as_ref().map(|l| l.avg300), Some(6.66));
        assert_eq!(p.full.as_ref().map(|l| l.line.no), Some(2));
    }

    #[test]
    fn irq_has_only_full_and_no_newline() {
        let text = sample("node-exporter-proc-pressure-irq-full-only-no-newline.txt");
        let p = parse_pressure(text.trim_end(), Some("irq")).value;
        let p = p.unwrap_or_default();
        assert!(p.some.is_none());
        assert_eq!(p.full.map(|l| l.total_us), Some(8494));
        assert_eq!(p.resource.as_deref(), Some("irq"));
    }

    #[test]
    fn every_real_sample_reads() {
        for name in [
            "elastic-cgroup-v2-memory-pressure-6x.txt",
            "node-exporter-proc-pressure-cpu-with-full-line.txt",
            "node-exporter-proc-pressure-memory-zeros.txt",
        ] {
            let p = parse_pressure(&sample(name), None);
            assert!(p.warnings.is_empty(), "{name}");
            assert!(p
                .value
                .is_some_and(|p| p.some.is_some() && p.full.is_some()));
        }
    }

    #[test]
    fn a_bad_line_is_a_warning_and_prose_is_ignored() {
        let p = parse_pressure("hello\nsome avg10=x avg60=0 avg300=0 total=0\n", None);
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(2));
    }

    #[test]
    fn resources_by_name() {
        assert_eq!(resource_of("sos/proc/pressure/memory"), Some("memory"));
        assert_eq!(resource_of("sys/fs/cgroup/a/io.pressure"), Some("io"));
        assert_eq!(resource_of("psi.txt"), None);
    }
}
