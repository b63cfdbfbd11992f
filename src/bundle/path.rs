//! Path normalisation: every container's entry names become one canonical form.

/// A normalised entry path, or why it cannot be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Normalised {
    /// `/`-separated, no leading `/`, no `.` or `..` components; empty for the root itself.
    Inside(String),
    /// Was absolute (`/etc/passwd`); kept relative to the bundle root.
    Absolute(String),
    /// A `..` climbs above the bundle root.
    Escapes,
    /// Longer than [`MAX_PATH_BYTES`]: the length in bytes.
    TooLong(usize),
}

/// Longest entry name or link target read, in bytes: Linux's own `PATH_MAX`. A longer name
/// cannot be a real file of the node the bundle was collected on, and every structure that
/// holds paths (the tree, the problems, the report) stays proportionate to the bundle's size.
pub(crate) const MAX_PATH_BYTES: usize = 4096;

/// Characters of an over-long name kept when it is shown in a problem.
const SHOWN_CHARS: usize = 120;

/// An entry name as shown in a problem: its folders within [`SHOWN_CHARS`] characters, with its
/// length. It is cut after a `/` only, so no name is left in pieces that masking and `--redact`
/// could no longer recognise.
pub(crate) fn shown(raw: &str) -> String {
    match raw.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => {
            let head = raw.get(..cut).unwrap_or_default();
            let folders = head.rfind('/').map_or("", |slash| &head[..=slash]);
            format!("{folders}… ({} bytes)", raw.len())
        }
        None => raw.to_string(),
    }
}

/// The problem of an entry whose name is too long, with the length.
pub(crate) fn too_long(len: usize) -> String {
    format!("path of {len} bytes is longer than {MAX_PATH_BYTES} bytes; entry skipped")
}

/// Normalise a raw entry name. `backslash_separates` is for zip files written on Windows.
pub(crate) fn normalise(raw: &str, backslash_separates: bool) -> Normalised {
    if raw.len() > MAX_PATH_BYTES {
        return Normalised::TooLong(raw.len());
    }
    let owned;
    let raw = if backslash_separates && raw.contains('\\') {
        owned = raw.replace('\\', "/");
        owned.as_str()
    } else {
        raw
    };
    let absolute = raw.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Normalised::Escapes;
                }
            }
            name => parts.push(name),
        }
    }
    let joined = parts.join("/");
    if absolute {
        Normalised::Absolute(joined)
    } else {
        Normalised::Inside(joined)
    }
}

/// Bytes of a path as text; invalid UTF-8 is replaced, never rejected.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The name a compressed single file gets once decompressed: `dmesg.gz` becomes `dmesg`.
pub(crate) fn without_compression_suffix(path: &str) -> String {
    const SUFFIXES: [&str; 8] = [
        ".gz", ".gzip", ".xz", ".zst", ".zstd", ".bz2", ".bzip2", ".z",
    ];
    let lower = path.to_ascii_lowercase();
    for suffix in SUFFIXES {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            let cut = path.len() - suffix.len();
            if let Some(stem) = path.get(..cut) {
                if !stem.ends_with('/') {
                    return stem.to_string();
                }
            }
        }
    }
    path.to_string()
}

/// Join a prefix (empty or ending with `/`) and a relative path.
pub(crate) fn join(prefix: &str, rel: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + rel.len());
    s.push_str(prefix);
    s.push_str(rel);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(s: &str) -> Normalised {
        Normalised::Inside(s.to_string())
    }

    #[test]
    fn normalises_separators_and_dots() {
        assert_eq!(
            normalise("./sosreport-x/proc/buddyinfo", false),
            inside("sosreport-x/proc/buddyinfo")
        );
        assert_eq!(normalise("a//b/./c/", false), inside("a/b/c"));
        assert_eq!(normalise("a/b/../c", false), inside("a/c"));
        assert_eq!(normalise("./", false), inside(""));
        assert_eq!(normalise("a\\b", false), inside("a\\b"));
        assert_eq!(normalise("a\\b", true), inside("a/b"));
    }

    #[test]
    fn flags_absolute_and_escaping_paths() {
        assert_eq!(
            normalise("/etc/passwd", false),
            Normalised::Absolute("etc/passwd".into())
        );
        assert_eq!(normalise("../etc/passwd", false), Normalised::Escapes);
        assert_eq!(normalise("a/../../b", false), Normalised::Escapes);
        assert_eq!(normalise("/../x", false), Normalised::Escapes);
        assert_eq!(normalise("..\\..\\x", true), Normalised::Escapes);
        let deep = "d/".repeat(MAX_PATH_BYTES);
        assert_eq!(
            normalise(&deep, false),
            Normalised::TooLong(2 * MAX_PATH_BYTES)
        );
    }

    #[test]
    fn long_names_are_shown_cut() {
        assert_eq!(shown("short"), "short");
        assert_eq!(shown(&"é".repeat(200)), "… (400 bytes)");
        let deep = format!("{}secret-name", "dir/".repeat(40));
        assert_eq!(
            shown(&deep),
            format!("{}… ({} bytes)", "dir/".repeat(30), deep.len())
        );
    }

    #[test]
    fn strips_compression_suffix() {
        assert_eq!(without_compression_suffix("dmesg.gz"), "dmesg");
        assert_eq!(
            without_compression_suffix("logs/messages.XZ"),
            "logs/messages"
        );
        assert_eq!(without_compression_suffix("dmesg"), "dmesg");
        assert_eq!(without_compression_suffix(".gz"), ".gz");
        assert_eq!(without_compression_suffix("a/.gz"), "a/.gz");
    }

    #[test]
    fn join_and_lossy() {
        assert_eq!(join("x.tar/", "a"), "x.tar/a");
        assert_eq!(lossy(b"a\xffb"), "a\u{fffd}b");
    }
}
