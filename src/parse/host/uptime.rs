//! `uptime` (or the first line of `w`): how long the host had been up, to the minute.

use crate::facts::{Uptime, Warning};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::{content_lines, lossy, parse_clock};

/// Parse `uptime` (or the first line of `w`): ` 20:12:40 up 31 days, 20:10,  1 user,  load
/// average: 1.00, 0.50, 0.25`. The duration is printed to the minute (`up 5:55`, `up 40 days,
/// 21:17`, `up 40 days, 3 min`, `up 30 min`), so `uptime_s` is a whole number of minutes.
pub fn parse_uptime(text: &str) -> Parsed<Option<Uptime>> {
    let mut warnings = Vec::new();
    for (no, raw, cleaned) in content_lines(text) {
        // Prose that says "came up" is not an uptime line: the real one names users or load.
        if !(cleaned.contains("load average") || cleaned.contains(" user")) {
            continue;
        }
        let Some(up_at) = cleaned
            .find(" up ")
            .or_else(|| cleaned.starts_with("up ").then_some(0))
        else {
            continue;
        };
        let (clock, rest) = cleaned.split_at(up_at);
        let rest = rest.trim_start().trim_start_matches("up").trim_start();
        let time_of_day = match clock.trim() {
            "" => None,
            t => match parse_clock(t) {
                Some(t) => Some(t),
                None => {
                    warnings.push(Warning::at(
                        no,
                        format!("uptime time of day {t:?} is not HH:MM:SS"),
                    ));
                    None
                }
            },
        };
        let (before_load, load_text) = match rest.find("load average") {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let mut seconds: u64 = 0;
        let mut duration_read = false;
        let mut users = None;
        let mut unreadable = None;
        for piece in before_load
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let words: Vec<&str> = piece.split_whitespace().collect();
            match words.as_slice() {
                [n, unit] if unit.starts_with("user") => users = n.parse::<u32>().ok(),
                [n, unit] if unit.starts_with("day") => match n.parse::<u64>() {
                    Ok(d) => {
                        seconds = seconds.saturating_add(d.saturating_mul(86_400));
                        duration_read = true;
                    }
                    Err(_) => unreadable = Some(piece.to_string()),
                },
                [n, unit] if unit.starts_with("min") => match n.parse::<u64>() {
                    Ok(m) => {
                        seconds = seconds.saturating_add(m.saturating_mul(60));
                        duration_read = true;
                    }
                    Err(_) => unreadable = Some(piece.to_string()),
                },
                [n, unit] if unit.starts_with("hr") || unit.starts_with("hour") => {
                    match n.parse::<u64>() {
                        Ok(h) => {
                            seconds = seconds.saturating_add(h.saturating_mul(3600));
                            duration_read = true;
                        }
                        Err(_) => unreadable = Some(piece.to_string()),
                    }
                }
                [hm] if hm.contains(':') => {
                    let parsed = hm
                        .split_once(':')
                        .and_then(|(h, m)| Some((h.parse::<u64>().ok()?, m.parse::<u64>().ok()?)));
                    match parsed {
                        Some((h, m)) if m < 60 => {
                            seconds = seconds
                                .saturating_add(h.saturating_mul(3600))
                                .saturating_add(m * 60);
                            duration_read = true;
                        }
                        _ => unreadable = Some(piece.to_string()),
                    }
                }
                _ => unreadable = Some(piece.to_string()),
            }
        }
        if let Some(piece) = &unreadable {
            warnings.push(Warning::at(
                no,
                format!("uptime duration part {piece:?} not read; uptime not kept"),
            ));
        }
        let load = load_text.and_then(|l| {
            let values = l.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
            // `1.00, 0.50, 0.25`; locales with a decimal comma print `1,00, 0,50, 0,25`.
            let parts: Vec<&str> = if values.contains(", ") {
                values.split(", ").collect()
            } else {
                values
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            let nums: Option<Vec<f64>> = parts
                .iter()
                .map(|p| {
                    p.trim()
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                })
                .collect();
            match nums.as_deref() {
                Some([a, b, c]) => Some([*a, *b, *c]),
                _ => {
                    warnings.push(Warning::at(no, "uptime load averages not read"));
                    None
                }
            }
        });
        return Parsed::new(
            Some(Uptime {
                time_of_day,
                uptime_s: (duration_read && unreadable.is_none()).then_some(seconds),
                users,
                load,
                line: line(no, raw),
            }),
            warnings,
        );
    }
    Parsed::new(None, warnings)
}

/// `uptime`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Uptime,
    paths: Paths {
        sosreport: &["sos_commands/host/uptime*", "sos_commands/general/uptime*"],
        collector: &["uptime.txt"],
        supportconfig: &["uptime*"],
        plain: &["uptime*"],
    },
    sniff: Some(|head| {
        let first = head.first()?;
        (UPTIME_RE.is_match(first) || UPTIME_PRETTY.is_match(first)).then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_one(&mut facts.uptime, path, parse_uptime(&lossy(bytes)))
    }),
};

sniff_regex!(
    UPTIME_RE,
    r"^[0-9]{1,2}:[0-9][0-9](?::[0-9][0-9])?\s+up\s+.*load averages?:"
);
sniff_regex!(
    UPTIME_PRETTY,
    r"^up\s+[0-9]+\s+(?:years?|weeks?|days?|hours?|minutes?)\b"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use jiff::civil;

    fn uptime_line(l: &str) -> Uptime {
        parse_uptime(l).value.expect("uptime")
    }

    #[test]
    fn uptime_variants() {
        let u = uptime_line("20:12:40 up 31 days, 20:10,  1 user,  load average: 1.00, 0.50, 0.25");
        assert_eq!(u.time_of_day, civil::Time::new(20, 12, 40, 0).ok());
        assert_eq!(u.uptime_s, Some(31 * 86_400 + 20 * 3600 + 10 * 60));
        assert_eq!(u.users, Some(1));
        assert_eq!(u.load, Some([1.0, 0.5, 0.25]));

        let text = test_data("uptime/insights-variants.txt");
        let all: Vec<Uptime> = text.lines().map(uptime_line).collect();
        assert_eq!(all[0].uptime_s, Some(5 * 3600 + 55 * 60));
        assert_eq!(all[0].users, Some(4));
        assert_eq!(all[0].load, Some([0.04, 0.03, 0.05]));
        assert_eq!(all[1].uptime_s, Some(40 * 86_400 + 21 * 3600 + 17 * 60));
        assert_eq!(all[2].uptime_s, Some(40 * 86_400 + 3 * 60));
        assert_eq!(all[3].uptime_s, Some(30 * 60));
        assert_eq!(all[3].time_of_day, civil::Time::new(10, 55, 22, 0).ok());
        assert_eq!(all[4].uptime_s, Some(2 * 86_400));
        assert_eq!(all[4].users, Some(12));
        assert_eq!(all[4].load, Some([9.32, 8.96, 8.87]));
    }

    #[test]
    fn uptime_decimal_comma_and_broken() {
        let u = uptime_line(" 10:00:01 up 1 day,  2:03,  0 users,  load average: 0,04, 0,03, 0,05");
        assert_eq!(u.load, Some([0.04, 0.03, 0.05]));
        assert_eq!(u.uptime_s, Some(86_400 + 2 * 3600 + 3 * 60));
        let p = parse_uptime("10:00:01 up 1 dxy, 2:03, 1 user, load average: 1, 2, 3");
        assert_eq!(p.value.and_then(|u| u.uptime_s), None);
        assert_eq!(p.warnings.len(), 1);
    }
    #[test]
    fn uptime_ignores_prose() {
        let p = parse_uptime(
            "the node came up at noon\n 20:12:40 up 3 min,  1 user,  load average: 1.00, 0.50, 0.25\n",
        );
        assert!(p.warnings.is_empty());
        assert_eq!(
            p.value.map(|u| (u.line.no, u.uptime_s)),
            Some((2, Some(180)))
        );
    }
}
