//! The host's time zone: `/etc/localtime`, `/etc/timezone`, RHEL 6's `/etc/sysconfig/clock`,
//! `timedatectl`.

use crate::facts::{TimezoneInfo, Warning};
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

use super::{content_lines, parse_offset};

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

/// `/etc/localtime`, `/etc/timezone`, RHEL 6's `/etc/sysconfig/clock`, `timedatectl`.
pub(crate) const FORMAT: Format = Format {
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
        crate::parse::file_one(&mut facts.timezone, path, parse_timezone(path, bytes))
    }),
};

sniff_regex!(
    TZ_NAME,
    r"^(?:[A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC|Etc/UTC|GMT)$"
);

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
}
