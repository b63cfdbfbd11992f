//! `date` output, in its default, RFC 2822, RFC 3339, Chinese-locale and epoch forms: the wall
//! clock at collection.

use jiff::civil;
use jiff::tz::Offset;
use jiff::Timestamp;

use crate::facts::{DateOutput, WallClock, Warning};
use crate::parse::text::fields;
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

use super::{content_lines, lossy, parse_clock, parse_offset, parse_seconds};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn month_number(token: &str) -> Option<i8> {
    let t = token.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(t))
        .and_then(|i| i8::try_from(i + 1).ok())
}

/// Parse `date` output: the default `Tue Jan 23 20:12:40 CST 2018`, `date -R`, `--rfc-3339`,
/// `-Iseconds`/ISO 8601 with an offset, `+%s`, and the zh_CN default
/// `2018年 01月 23日 星期二 20:12:40 CST`.
///
/// A reading with a numeric offset, `UTC`/`GMT`/`Z`, or an epoch value is an instant. Any other
/// zone abbreviation is ambiguous (`CST` is China, US Central or Cuba), so the reading stays civil
/// time with the abbreviation, for the timeline to resolve with the bundle's time zone.
pub fn parse_date(text: &str) -> Parsed<Option<DateOutput>> {
    let mut warnings = Vec::new();
    for (no, raw, cleaned) in content_lines(text) {
        match parse_date_line(&cleaned, no, &mut warnings) {
            Some(wall) => {
                return Parsed::new(
                    Some(DateOutput {
                        wall,
                        line: line(no, raw),
                    }),
                    warnings,
                )
            }
            None => warnings.push(Warning::at(no, "date output not read")),
        }
    }
    Parsed::new(None, warnings)
}

fn parse_date_line(l: &str, no: u32, warnings: &mut Vec<Warning>) -> Option<WallClock> {
    let tokens: Vec<&str> = fields(l).collect();
    // `+%s` (and `+%s.%N`).
    if let [single] = tokens.as_slice() {
        if single
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            let (secs, frac) = single.split_once('.').unwrap_or((single, ""));
            let secs: i64 = secs.parse().ok()?;
            let nanos = if frac.is_empty() {
                0
            } else {
                parse_seconds(&format!("00.{frac}"))?.1
            };
            let at = Timestamp::new(secs, if secs < 0 { -nanos } else { nanos }).ok()?;
            return Some(WallClock::Instant { at });
        }
    }
    // ISO 8601 / RFC 3339: `2018-01-23T20:12:40+08:00`, `2018-01-23 20:12:40.123+08:00`.
    if let Some(first) = tokens.first() {
        if first.len() >= 10 && first.as_bytes().get(4) == Some(&b'-') {
            let joined = tokens.join("T");
            return parse_iso(&joined);
        }
    }
    // zh_CN: `2018年 01月 23日 星期二 20:12:40 CST`.
    if tokens.first().is_some_and(|t| t.ends_with('年')) {
        let num = |t: &&str, suffix: char| t.strip_suffix(suffix)?.trim().parse::<i16>().ok();
        let year = num(tokens.first()?, '年')?;
        let month = i8::try_from(num(tokens.get(1)?, '月')?).ok()?;
        let day = i8::try_from(num(tokens.get(2)?, '日')?).ok()?;
        let time_at = tokens.iter().position(|t| t.contains(':'))?;
        let time = parse_clock(tokens.get(time_at)?)?;
        let date = civil::Date::new(year, month, day).ok()?;
        return zoned_reading(date.to_datetime(time), tokens.get(time_at + 1).copied());
    }
    // RFC 2822 (`date -R`): `Tue, 23 Jan 2018 20:12:40 +0800`.
    if tokens.first().is_some_and(|t| t.ends_with(',')) {
        let [wd, day, mon, year, clock, zone, ..] = tokens.as_slice() else {
            return None;
        };
        let date =
            civil::Date::new(year.parse().ok()?, month_number(mon)?, day.parse().ok()?).ok()?;
        check_weekday(wd.trim_end_matches(','), date, no, warnings);
        return zoned_reading(date.to_datetime(parse_clock(clock)?), Some(zone));
    }
    // Default format: `Tue Jan 23 20:12:40 CST 2018` (zone absent with some TZ settings).
    let (wd, mon, day, clock, zone, year) = match tokens.as_slice() {
        [wd, mon, day, clock, zone, year] => (wd, mon, day, clock, Some(*zone), year),
        [wd, mon, day, clock, year] => (wd, mon, day, clock, None, year),
        _ => return None,
    };
    let date = civil::Date::new(year.parse().ok()?, month_number(mon)?, day.parse().ok()?).ok()?;
    check_weekday(wd, date, no, warnings);
    let at = date.to_datetime(parse_clock(clock)?);
    match zone {
        Some(z) => zoned_reading(at, Some(z)),
        None => Some(WallClock::Local {
            at,
            zone_abbrev: None,
        }),
    }
}

/// The weekday is redundant with the date; a mismatch means an edited or damaged line, which is
/// worth a warning but does not change the date that was printed.
fn check_weekday(wd: &str, date: civil::Date, no: u32, warnings: &mut Vec<Warning>) {
    let Some(printed) = wd.get(..3) else { return };
    let Some(index) = WEEKDAYS
        .iter()
        .position(|w| w.eq_ignore_ascii_case(printed))
    else {
        return;
    };
    let actual = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(usize::MAX);
    if actual != index {
        warnings.push(Warning::at(
            no,
            format!(
                "date prints weekday {wd} but {date} is a {:?}",
                date.weekday()
            ),
        ));
    }
}

/// Civil time plus what followed it: an offset or UTC makes an instant, an abbreviation stays.
fn zoned_reading(at: civil::DateTime, zone: Option<&str>) -> Option<WallClock> {
    let Some(zone) = zone else {
        return Some(WallClock::Local {
            at,
            zone_abbrev: None,
        });
    };
    if matches!(zone, "UTC" | "GMT" | "UCT" | "Z" | "Zulu") {
        return Some(WallClock::Instant {
            at: Offset::UTC.to_timestamp(at).ok()?,
        });
    }
    if let Some(offset) = parse_offset(zone) {
        return Some(WallClock::Instant {
            at: offset.to_timestamp(at).ok()?,
        });
    }
    if zone.chars().all(|c| c.is_alphabetic()) {
        return Some(WallClock::Local {
            at,
            zone_abbrev: Some(zone.to_string()),
        });
    }
    None
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH[:MM])`; without an offset it is civil time.
fn parse_iso(s: &str) -> Option<WallClock> {
    let (date, rest) = s.split_at_checked(10)?;
    let mut d = date.split('-');
    let date = civil::Date::new(
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    )
    .ok()?;
    let rest = rest.strip_prefix(['T', 't'])?;
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let at = date.to_datetime(parse_clock(clock)?);
    match zone {
        "" => Some(WallClock::Local {
            at,
            zone_abbrev: None,
        }),
        "Z" | "z" => zoned_reading(at, Some("Z")),
        z => zoned_reading(at, Some(z)),
    }
}

/// `date`, in its default, RFC 2822, RFC 3339, Chinese-locale and epoch forms.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Date,
    paths: Paths {
        sosreport: &["sos_commands/date/date*", "sos_commands/general/date*"],
        collector: &["date.txt"],
        supportconfig: &["date*"],
        plain: &["date*"],
    },
    sniff: Some(sniff_date),
    parse: Parse::Whole(|facts, path, bytes| {
        crate::parse::file_one(&mut facts.date, path, parse_date(&lossy(bytes)))
    }),
};

sniff_regex!(
    DATE_DEFAULT,
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+[0-9]{1,2}\s+[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\s+\S+)?\s+[0-9]{4}$"
);
sniff_regex!(
    DATE_RFC2822,
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s+[0-9]{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+[0-9]{4}\s+[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\s+[+-][0-9]{4}$"
);
sniff_regex!(
    DATE_ISO,
    r"^[0-9]{4}-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:[.,][0-9]+)?\s*(?:Z|[+-][0-9][0-9]:?[0-9][0-9]|[A-Z]{2,5})?$"
);
sniff_regex!(DATE_ZH, r"^[0-9]{4}年\s*[0-9]{1,2}月\s*[0-9]{1,2}日");
sniff_regex!(DATE_EPOCH, r"^@?[0-9]{9,10}(?:\.[0-9]+)?$");

/// A date line says `date`. Epoch seconds alone fit a file named `date` (`date +%s`), but a
/// single number is what a thousand `/sys` and cgroup files hold: it names nothing.
fn sniff_date(head: &Head<'_>) -> Option<Strength> {
    if head.line_count() == 0 || head.line_count() > 3 {
        return None;
    }
    let full = |l: &str| {
        DATE_DEFAULT.is_match(l)
            || DATE_RFC2822.is_match(l)
            || DATE_ISO.is_match(l)
            || DATE_ZH.is_match(l)
    };
    if head.lines().all(full) {
        return Some(Strength::Strong);
    }
    head.lines()
        .all(|l| full(l) || DATE_EPOCH.is_match(l))
        .then_some(Strength::Plausible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date_line(l: &str) -> Parsed<Option<DateOutput>> {
        parse_date(l)
    }

    fn instant(l: &str) -> Timestamp {
        match date_line(l).value.map(|d| d.wall) {
            Some(WallClock::Instant { at }) => at,
            other => panic!("{l}: {other:?}"),
        }
    }

    #[test]
    fn date_default_with_ambiguous_zone() {
        let p = date_line("[root@beta_004 ~]# date\nTue Jan 23 20:12:40 CST 2018\n");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let d = p.value.expect("date");
        assert_eq!(d.line.no, 2);
        assert_eq!(
            d.wall,
            WallClock::Local {
                at: civil::date(2018, 1, 23).at(20, 12, 40, 0),
                zone_abbrev: Some("CST".to_string()),
            }
        );
    }

    #[test]
    fn date_instants() {
        let expected: Timestamp = "2018-01-23T12:12:40Z".parse().expect("ts");
        assert_eq!(instant("Tue Jan 23 12:12:40 UTC 2018"), expected);
        assert_eq!(instant("Tue Jan 23 12:12:40 GMT 2018"), expected);
        assert_eq!(instant("Tue, 23 Jan 2018 20:12:40 +0800"), expected);
        assert_eq!(instant("2018-01-23 20:12:40+08:00"), expected);
        assert_eq!(instant("2018-01-23T20:12:40+08:00"), expected);
        assert_eq!(instant("2018-01-23T20:12:40+0800"), expected);
        assert_eq!(instant("2018-01-23T12:12:40Z"), expected);
        assert_eq!(instant("1516709560"), expected);
        let ns = instant("2018-01-23 20:12:40.123456789+08:00");
        assert_eq!(ns.subsec_nanosecond(), 123_456_789);
    }

    #[test]
    fn date_zh_cn_and_weekday_mismatch() {
        let d = date_line("2018年 01月 23日 星期二 20:12:40 CST")
            .value
            .expect("date");
        assert_eq!(
            d.wall,
            WallClock::Local {
                at: civil::date(2018, 1, 23).at(20, 12, 40, 0),
                zone_abbrev: Some("CST".to_string()),
            }
        );
        // 2018-01-23 was a Tuesday: a Wednesday is a warning, the date stays.
        let p = date_line("Wed Jan 23 20:12:40 CST 2018");
        assert!(p.value.is_some());
        assert_eq!(p.warnings.len(), 1);
        let p = date_line("Tue Jan 32 20:12:40 CST 2018");
        assert!(p.value.is_none());
        assert_eq!(p.warnings[0].line, Some(1));
    }
}
