//! Host facts: `uname -a`, `uptime`, `date`, `/proc/uptime`, `/proc/stat`, hostname, time zone.
//!
//! Each of these files holds one fact. Pasted prompt lines (`COMMAND> uname -a`,
//! `[root@host ~]# date`) and blank lines are skipped; the fact is read from the first line that
//! has its shape, and a line that has the shape but cannot be read is a warning.

use jiff::civil;
use jiff::tz::Offset;
use jiff::Timestamp;

use crate::facts::{
    DateOutput, Line, LoadAvg, ProcStat, ProcUptime, TimezoneInfo, Uname, Uptime, WallClock,
    Warning,
};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// The lines that can hold the fact: non-empty, not a pasted prompt.
fn content_lines(text: &str) -> impl Iterator<Item = (u32, &str, String)> {
    numbered_lines(text)
        .filter(|(_, raw)| !is_prompt_line(raw))
        .map(|(no, raw)| (no, raw, clean(raw).into_owned()))
        .filter(|(_, _, cleaned)| !cleaned.is_empty())
}

// ---------------------------------------------------------------------------------------------
// uname
// ---------------------------------------------------------------------------------------------

/// Parse `uname -a`: `Linux host 3.10.0-514.26.2.el7.x86_64 #1 SMP Tue Jul 4 15:04:05 UTC 2017
/// x86_64 x86_64 x86_64 GNU/Linux`.
///
/// The version (`#1 SMP ...`) has spaces, so it is delimited by what follows it: the machine
/// (`x86_64`, `i686`), the processor and platform, and the operating system (`GNU/Linux`). The
/// version ends with the build year on every kernel; when no year is found, the machine is taken
/// as the first known architecture name after the version's start.
pub fn parse_uname(text: &str) -> Parsed<Option<Uname>> {
    let mut warnings = Vec::new();
    for (no, raw, cleaned) in content_lines(text) {
        let tokens: Vec<&str> = fields(&cleaned).collect();
        let (Some(kernel_name), Some(hostname), Some(release)) =
            (tokens.first(), tokens.get(1), tokens.get(2))
        else {
            warnings.push(Warning::at(no, "uname line has fewer than three fields"));
            continue;
        };
        if !release.starts_with(|c: char| c.is_ascii_digit()) {
            warnings.push(Warning::at(
                no,
                format!("uname kernel release {release:?} does not start with a digit"),
            ));
            continue;
        }
        let after = tokens.get(3..).unwrap_or(&[]);
        let (version, machine) = split_version(after);
        return Parsed::new(
            Some(Uname {
                kernel_name: kernel_name.to_string(),
                hostname: Some(hostname.to_string()),
                release: release.to_string(),
                version,
                machine,
                line: line(no, raw),
            }),
            warnings,
        );
    }
    Parsed::new(None, warnings)
}

const ARCHES: &[&str] = &[
    "x86_64",
    "i386",
    "i486",
    "i586",
    "i686",
    "aarch64",
    "arm64",
    "armv7l",
    "armv6l",
    "armv8l",
    "ppc64le",
    "ppc64",
    "ppc",
    "s390x",
    "s390",
    "riscv64",
    "mips",
    "mips64",
    "loongarch64",
    "ia64",
    "sparc64",
];

fn split_version(after: &[&str]) -> (Option<String>, Option<String>) {
    if after.is_empty() {
        return (None, None);
    }
    if !after.first().is_some_and(|t| t.starts_with('#')) {
        // `uname -rm` style or an unknown layout: only a machine name can be recognised.
        let machine = after.iter().find(|t| ARCHES.contains(t));
        return (None, machine.map(|m| m.to_string()));
    }
    let is_year = |t: &&str| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit());
    let end = match after.iter().rposition(is_year) {
        Some(i) => i + 1,
        None => after
            .iter()
            .position(|t| ARCHES.contains(t))
            .unwrap_or(after.len()),
    };
    let version = after
        .get(..end)
        .map(|v| v.join(" "))
        .filter(|v| !v.is_empty());
    let machine = after.get(end).map(|m| m.to_string());
    (version, machine)
}

// ---------------------------------------------------------------------------------------------
// uptime
// ---------------------------------------------------------------------------------------------

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

/// `HH:MM:SS` or `HH:MM`.
fn parse_clock(s: &str) -> Option<civil::Time> {
    let mut parts = s.split(':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let (sec, nanos) = match parts.next() {
        Some(sec) => parse_seconds(sec)?,
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    civil::Time::new(h, m, sec, nanos).ok()
}

/// `SS` or `SS.fraction` (up to nanoseconds).
fn parse_seconds(s: &str) -> Option<(i8, i32)> {
    let (whole, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    if whole.len() != 2 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sec: i8 = whole.parse().ok()?;
    let nanos = if frac.is_empty() {
        0
    } else {
        let digits: i32 = frac.parse().ok()?;
        let width = u32::try_from(frac.len()).ok()?;
        digits.checked_mul(10i32.checked_pow(9 - width)?)?
    };
    Some((sec, nanos))
}

// ---------------------------------------------------------------------------------------------
// date
// ---------------------------------------------------------------------------------------------

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

/// `+0800`, `+08:00`, `+08`, `-0330`.
fn parse_offset(s: &str) -> Option<Offset> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits.get(..2)?.parse::<i32>().ok()?,
            digits.get(2..)?.parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 25 || m > 59 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
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

// ---------------------------------------------------------------------------------------------
// /proc/uptime, /proc/stat, hostname
// ---------------------------------------------------------------------------------------------

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

/// Parse `hostname` output (or `/etc/hostname`): the first non-empty, non-prompt line, trimmed.
pub fn parse_hostname(text: &str) -> Parsed<Option<Line>> {
    let mut warnings = Vec::new();
    if let Some((no, _, cleaned)) = content_lines(text).next() {
        if cleaned.contains(' ') {
            warnings.push(Warning::at(
                no,
                "hostname line holds more than one word; not a host name",
            ));
        } else {
            return Parsed::new(Some(Line::new(no, cleaned)), warnings);
        }
    }
    Parsed::new(None, warnings)
}

// ---------------------------------------------------------------------------------------------
// Time zone
// ---------------------------------------------------------------------------------------------

/// `etc/localtime` (TZif bytes), `etc/timezone` (a name) or `timedatectl` output.
///
/// For TZif, the IANA name is known only from the path (`usr/share/zoneinfo/Asia/Shanghai`, the
/// target of the `/etc/localtime` link); the bytes are kept so the zone's rules can be applied
/// without a name. `timedatectl` gives `Time zone: Asia/Shanghai (CST, +0800)`; RHEL 6's
/// `/etc/sysconfig/clock` gives `ZONE="Asia/Shanghai"`.
pub fn parse_timezone(path: &str, bytes: &[u8]) -> Parsed<Option<TimezoneInfo>> {
    let mut warnings = Vec::new();
    if bytes.starts_with(b"TZif") {
        let name = name_from_path(path);
        let label = name.clone().unwrap_or_else(|| "localtime".to_string());
        if let Err(e) = jiff::tz::TimeZone::tzif(&label, bytes) {
            warnings.push(Warning::file(format!("TZif data not readable: {e}")));
            return Parsed::new(None, warnings);
        }
        return Parsed::new(
            Some(TimezoneInfo {
                name,
                offset_s: None,
                tzif: Some(bytes.to_vec()),
                line: None,
            }),
            warnings,
        );
    }
    let text = String::from_utf8_lossy(bytes);
    for (no, raw, cleaned) in content_lines(&text) {
        if cleaned.starts_with('#') {
            continue;
        }
        if let Some(rest) = cleaned.strip_prefix("Time zone:") {
            // `Asia/Shanghai (CST, +0800)`, `n/a (UTC, +0000)`.
            let rest = rest.trim();
            let (name, detail) = rest.split_once(' ').unwrap_or((rest, ""));
            let name = (is_zone_name(name) && name != "n/a").then(|| name.to_string());
            let offset_s = detail
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .filter_map(|p| parse_offset(p.trim()))
                .map(|o| o.seconds())
                .next();
            if name.is_none() && offset_s.is_none() {
                warnings.push(Warning::at(no, "timedatectl time zone line not read"));
                continue;
            }
            return Parsed::new(
                Some(TimezoneInfo {
                    name,
                    offset_s,
                    tzif: None,
                    line: Some(line(no, raw)),
                }),
                warnings,
            );
        }
        if cleaned.contains(':') {
            // Other timedatectl lines (`Local time: ...`, `NTP synchronized: yes`).
            continue;
        }
        let value = cleaned
            .strip_prefix("ZONE=")
            .or_else(|| cleaned.strip_prefix("TZ="))
            .unwrap_or(&cleaned)
            .trim_matches('"');
        if is_zone_name(value) {
            return Parsed::new(
                Some(TimezoneInfo {
                    name: Some(value.to_string()),
                    offset_s: None,
                    tzif: None,
                    line: Some(line(no, raw)),
                }),
                warnings,
            );
        }
        if cleaned.contains('=') {
            continue;
        }
        warnings.push(Warning::at(
            no,
            format!("{value:?} is not a time zone name"),
        ));
    }
    Parsed::new(None, warnings)
}

/// `.../zoneinfo/Asia/Shanghai` -> `Asia/Shanghai` (also under `zoneinfo/posix/` and `right/`).
fn name_from_path(path: &str) -> Option<String> {
    let (_, after) = path.rsplit_once("zoneinfo/")?;
    let after = after
        .strip_prefix("posix/")
        .or_else(|| after.strip_prefix("right/"))
        .unwrap_or(after);
    is_zone_name(after).then(|| after.to_string())
}

/// IANA names: `Area/Location`, `UTC`, `Etc/GMT-8`, `America/Argentina/Buenos_Aires`.
fn is_zone_name(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && (s.contains('/')
            || s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// Format descriptors
// ---------------------------------------------------------------------------------------------

/// `uname -a` (or `-r`).
pub(crate) const UNAME: Format = Format {
    kind: SourceKind::Uname,
    paths: Paths {
        sosreport: &["sos_commands/kernel/uname*"],
        collector: &["uname.txt"],
        supportconfig: &["uname*"],
        plain: &["uname*"],
    },
    sniff: Some(|head| {
        let first = head.first()?;
        if UNAME_A.is_match(first) {
            Some(Strength::Strong)
        } else {
            (head.line_count() == 1 && UNAME_R.is_match(first)).then_some(Strength::Weak)
        }
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(&mut facts.uname, path, parse_uname(&lossy(bytes)))
    }),
};

/// `uptime`.
pub(crate) const UPTIME: Format = Format {
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
        super::file_one(&mut facts.uptime, path, parse_uptime(&lossy(bytes)))
    }),
};

/// `/proc/uptime`.
pub(crate) const PROC_UPTIME: Format = Format {
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
        super::file_one(
            &mut facts.proc_uptime,
            path,
            parse_proc_uptime(&lossy(bytes)),
        )
    }),
};

/// `/proc/stat`.
pub(crate) const PROC_STAT: Format = Format {
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
        super::file_one(&mut facts.proc_stat, path, parse_proc_stat(&lossy(bytes)))
    }),
};

/// `/proc/loadavg`.
pub(crate) const LOADAVG: Format = Format {
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
        super::file_one(&mut facts.loadavg, path, parse_loadavg(&lossy(bytes)))
    }),
};

/// `date`, in its default, RFC 2822, RFC 3339, Chinese-locale and epoch forms.
pub(crate) const DATE: Format = Format {
    kind: SourceKind::Date,
    paths: Paths {
        sosreport: &["sos_commands/date/date*", "sos_commands/general/date*"],
        collector: &["date.txt"],
        supportconfig: &["date*"],
        plain: &["date*"],
    },
    sniff: Some(sniff_date),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(&mut facts.date, path, parse_date(&lossy(bytes)))
    }),
};

/// The host name: one word, which any file could hold, so only a path names it.
pub(crate) const HOSTNAME: Format = Format {
    kind: SourceKind::Hostname,
    paths: Paths {
        sosreport: &[
            "etc/hostname",
            "sos_commands/host/hostname*",
            "sos_commands/general/hostname*",
        ],
        collector: &["hostname.txt"],
        supportconfig: &["hostname*"],
        plain: &["hostname*"],
    },
    sniff: None,
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(&mut facts.hostname, path, parse_hostname(&lossy(bytes)))
    }),
};

/// `/etc/localtime`, `/etc/timezone`, RHEL 6's `/etc/sysconfig/clock`, `timedatectl`.
pub(crate) const TIMEZONE: Format = Format {
    kind: SourceKind::Timezone,
    paths: Paths {
        sosreport: &[
            "etc/localtime",
            "etc/timezone",
            "etc/sysconfig/clock",
            "sos_commands/date/timedatectl*",
        ],
        collector: &["etc/localtime", "etc/timezone", "timedatectl.txt"],
        supportconfig: &["timedatectl*", "/etc/sysconfig/clock"],
        plain: &["localtime", "timezone*", "tz", "timedatectl*"],
    },
    sniff: Some(sniff_timezone),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(&mut facts.timezone, path, parse_timezone(path, bytes))
    }),
};

fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

sniff_regex!(CPU_LINE, r"^cpu\s+[0-9]+(?:\s+[0-9]+){3,}");
sniff_regex!(CPU_N_LINE, r"^cpu[0-9]+\s+[0-9]+(?:\s+[0-9]+){3,}");
sniff_regex!(
    PROC_STAT_OTHER,
    r"^(?:btime|ctxt|intr|processes|procs_running)\s+[0-9]+"
);
sniff_regex!(UNAME_A, r"^Linux\s+\S+\s+[0-9]+\.[0-9]+\S*\s+#[0-9]+");
sniff_regex!(UNAME_R, r"^[0-9]+\.[0-9]+(?:\.[0-9]+)?-\S+$");
sniff_regex!(
    UPTIME_RE,
    r"^[0-9]{1,2}:[0-9][0-9](?::[0-9][0-9])?\s+up\s+.*load averages?:"
);
sniff_regex!(
    UPTIME_PRETTY,
    r"^up\s+[0-9]+\s+(?:years?|weeks?|days?|hours?|minutes?)\b"
);
sniff_regex!(PROC_UPTIME_RE, r"^[0-9]+\.[0-9]+\s+[0-9]+(?:\.[0-9]+)?$");
sniff_regex!(
    LOADAVG_RE,
    r"^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+/[0-9]+ [0-9]+$"
);
sniff_regex!(
    TZ_NAME,
    r"^(?:[A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC|Etc/UTC|GMT)$"
);
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

fn sniff_timezone(head: &Head<'_>) -> Option<Strength> {
    if head.raw().starts_with(b"TZif") {
        return Some(Strength::Strong);
    }
    if head
        .lines()
        .any(|l| l.starts_with("Time zone:") || l.starts_with("Universal time:"))
    {
        return Some(Strength::Strong);
    }
    let first = head.first()?;
    if head.line_count() == 1 && TZ_NAME.is_match(first) {
        return Some(Strength::Weak);
    }
    head.lines()
        .any(|l| l.starts_with("ZONE=") || TZ_NAME.is_match(l))
        .then_some(Strength::Plausible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    fn uname_line(l: &str) -> Uname {
        parse_uname(l).value.expect("uname")
    }

    #[test]
    fn uname_seed_and_samples() {
        let u = uname_line("Linux beta_004 3.10.0-514.26.2.el7.x86_64 #1 SMP Tue Jul 4 15:04:05 UTC 2017 x86_64 x86_64 x86_64 GNU/Linux");
        assert_eq!(u.kernel_name, "Linux");
        assert_eq!(u.hostname.as_deref(), Some("beta_004"));
        assert_eq!(u.release, "3.10.0-514.26.2.el7.x86_64");
        assert_eq!(
            u.version.as_deref(),
            Some("#1 SMP Tue Jul 4 15:04:05 UTC 2017")
        );
        assert_eq!(u.machine.as_deref(), Some("x86_64"));

        let p = parse_uname(&test_data("uname/insights-foreman-command-prefix.txt"));
        assert!(p.warnings.is_empty());
        let u = p.value.expect("uname");
        assert_eq!(u.hostname.as_deref(), Some("qqhrycsq2"));
        assert_eq!(u.release, "2.6.32-279.el6.x86_64");
        assert_eq!(u.line.no, 2);

        let text = test_data("uname/insights-rhel5-9-rt-boot2docker.txt");
        let all: Vec<Uname> = text.lines().map(uname_line).collect();
        assert_eq!(all.len(), 7);
        assert_eq!(all[1].release, "2.6.18-53.el5PAE");
        assert_eq!(all[1].machine.as_deref(), Some("i686"));
        assert_eq!(
            all[1].version.as_deref(),
            Some("#1 SMP Wed Oct 10 16:48:18 EDT 2007")
        );
        assert_eq!(
            all[2].version.as_deref(),
            Some("#1 SMP PREEMPT RT Thu Oct 29 21:54:23 EDT 2015")
        );
        assert_eq!(all[4].release, "4.18.0-305.rt7.72.el8.x86_64");
        assert_eq!(all[6].release, "4.0.3-boot2docker");
        assert_eq!(all[6].hostname.as_deref(), Some("06a04d0354dc"));
        assert_eq!(all[6].machine.as_deref(), Some("x86_64"));
    }

    #[test]
    fn uname_not_uname() {
        let p = parse_uname("uname: command not found\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
    }

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

    #[test]
    fn hostname() {
        let p = parse_hostname("[root@beta_004 ~]# hostname\n\nbeta_004 \n");
        assert_eq!(p.value, Some(Line::new(3, "beta_004")));
        let p = parse_hostname("10.0.0.1 10.0.0.2\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn timezones() {
        let t = parse_timezone(
            "sos_commands/systemd/timedatectl",
            b"      Local time: Tue 2018-01-23 20:12:40 CST\n  Universal time: Tue 2018-01-23 12:12:40 UTC\n        Time zone: Asia/Shanghai (CST, +0800)\n",
        )
        .value
        .expect("tz");
        assert_eq!(t.name.as_deref(), Some("Asia/Shanghai"));
        assert_eq!(t.offset_s, Some(28_800));
        assert_eq!(t.line.as_ref().map(|l| l.no), Some(3));
        let t = parse_timezone("x/timedatectl", b"Time zone: n/a (UTC, +0000)\n")
            .value
            .expect("tz");
        assert_eq!((t.name, t.offset_s), (None, Some(0)));
        let t = parse_timezone("etc/timezone", b"Asia/Shanghai\n")
            .value
            .expect("tz");
        assert_eq!(t.name.as_deref(), Some("Asia/Shanghai"));
        let t = parse_timezone(
            "etc/sysconfig/clock",
            b"ZONE=\"America/New_York\"\nUTC=true\n",
        )
        .value
        .expect("tz");
        assert_eq!(t.name.as_deref(), Some("America/New_York"));
        let p = parse_timezone("etc/localtime", b"TZif2 but broken");
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn tzif_bytes_and_name_from_path() {
        // tzdata's Asia/Shanghai, as /etc/localtime links to it.
        let path = format!(
            "{}/tests/data/timezone/Asia-Shanghai.tzif",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).expect("tzif test data");
        let t = parse_timezone("usr/share/zoneinfo/Asia/Shanghai", &bytes)
            .value
            .expect("tz");
        assert_eq!(t.name.as_deref(), Some("Asia/Shanghai"));
        assert_eq!(t.tzif.as_deref(), Some(bytes.as_slice()));
        let t = parse_timezone("usr/share/zoneinfo/posix/Asia/Shanghai", &bytes)
            .value
            .expect("tz");
        assert_eq!(t.name.as_deref(), Some("Asia/Shanghai"));
        let t = parse_timezone("etc/localtime", &bytes).value.expect("tz");
        assert_eq!(t.name, None);
        assert!(t.tzif.is_some());
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

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_uname(&s);
            let _ = parse_uptime(&s);
            let _ = parse_date(&s);
            let _ = parse_proc_uptime(&s);
            let _ = parse_proc_stat(&s);
            let _ = parse_hostname(&s);
            let _ = parse_timezone("etc/timezone", s.as_bytes());
        }

        #[test]
        fn never_panics_on_datelike(s in "[0-9]{1,4}[-: ,.+TZ年月日]{0,2}[0-9A-Za-z:.+, -]{0,30}") {
            let _ = parse_date(&s);
            let _ = parse_uptime(&format!("12:00:00 up {s}"));
        }

        #[test]
        fn never_panics_on_bytes(b in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut with_magic = b"TZif".to_vec();
            with_magic.extend_from_slice(&b);
            let _ = parse_timezone("etc/localtime", &with_magic);
            let _ = parse_timezone("usr/share/zoneinfo/Asia/Shanghai", &b);
        }
    }
}
