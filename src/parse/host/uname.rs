//! `uname -a` (or `uname -r`): the kernel release, version and machine.

use crate::facts::{Uname, Warning};
use crate::parse::text::fields;
use crate::parse::{line, Parsed};
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

use super::{content_lines, lossy};

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

/// `uname -a` (or `-r`).
pub(crate) const FORMAT: Format = Format {
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
        crate::parse::file_one(&mut facts.uname, path, parse_uname(&lossy(bytes)))
    }),
};

sniff_regex!(UNAME_A, r"^Linux\s+\S+\s+[0-9]+\.[0-9]+\S*\s+#[0-9]+");
sniff_regex!(UNAME_R, r"^[0-9]+\.[0-9]+(?:\.[0-9]+)?-\S+$");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;

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
}
