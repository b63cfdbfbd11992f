//! `hostname` output or `/etc/hostname`: the host name.

use crate::facts::{Line, Warning};
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind};

use super::{content_lines, lossy};

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

/// The host name: one word, which any file could hold, so only a path names it.
pub(crate) const FORMAT: Format = Format {
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
        crate::parse::file_one(&mut facts.hostname, path, parse_hostname(&lossy(bytes)))
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname() {
        let p = parse_hostname("[root@beta_004 ~]# hostname\n\nbeta_004 \n");
        assert_eq!(p.value, Some(Line::new(3, "beta_004")));
        let p = parse_hostname("10.0.0.1 10.0.0.2\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
    }
}
