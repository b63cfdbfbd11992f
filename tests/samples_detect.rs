//! Every file of the shipped seed bundle is recognised as what it holds, by its path and, where
//! the content can tell, by its content alone.

use std::collections::BTreeMap;
use std::path::Path;

use postmortem::sources::{detect, Detection, SourceKind, SNIFF_BYTES};

const BUNDLE: &str = "samples/seed-runc-unshare-enomem";

/// Each file of the bundle, its kind, and whether its content alone tells the kind (a host name
/// is just a word).
const EXPECTED: &[(&str, SourceKind, bool)] = &[
    ("date", SourceKind::Date, true),
    ("dmesg", SourceKind::Dmesg, true),
    ("docker-events.log", SourceKind::DockerEvents, true),
    ("docker-inspect.json", SourceKind::ContainerInspect, true),
    ("docker-start-error.txt", SourceKind::RuntimeError, true),
    ("extfrag_index", SourceKind::ExtfragIndex, true),
    ("free-mh.txt", SourceKind::Free, true),
    ("hostname", SourceKind::Hostname, false),
    ("messages", SourceKind::Syslog, true),
    ("proc/buddyinfo", SourceKind::Buddyinfo, true),
    ("proc/cgroups", SourceKind::Cgroups, true),
    ("proc/meminfo", SourceKind::Meminfo, true),
    ("proc/slabinfo", SourceKind::Slabinfo, true),
    ("proc/stat", SourceKind::ProcStat, true),
    ("proc/uptime", SourceKind::ProcUptime, true),
    ("proc/vmstat", SourceKind::Vmstat, true),
    ("sysctl-vm.txt", SourceKind::Sysctl, true),
    ("timedatectl.txt", SourceKind::Timezone, true),
    ("uname-a.txt", SourceKind::Uname, true),
    ("uptime", SourceKind::Uptime, true),
];

/// Relative path (with `/`) -> head bytes, for every file under `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk the sample bundle");
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("inside the bundle")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let mut bytes = std::fs::read(entry.path()).expect("read a sample file");
        bytes.truncate(SNIFF_BYTES);
        out.insert(rel, bytes);
    }
    out
}

#[test]
fn seed_bundle_files_are_detected_by_path() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLE);
    let files = files(&dir);
    let listed: Vec<&str> = EXPECTED.iter().map(|(p, _, _)| *p).collect();
    let found: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        found, listed,
        "the bundle's files and the expectations differ"
    );
    for &(rel, kind, _) in EXPECTED {
        let head = &files[rel];
        assert_eq!(detect(rel, head), (kind, Detection::Path), "{rel}");
        // The same files inside a sosreport-style top folder.
        let nested = format!("sosreport-beta_004-20180123201441/{rel}");
        assert_eq!(detect(&nested, head), (kind, Detection::Path), "{nested}");
    }
}

#[test]
fn seed_bundle_files_are_detected_by_content() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLE);
    let files = files(&dir);
    for &(rel, kind, content_tells) in EXPECTED {
        let got = detect("attachment-1.txt", &files[rel]);
        if content_tells {
            assert_eq!(got, (kind, Detection::Content), "{rel} renamed");
        } else {
            assert_eq!(got, (SourceKind::Unknown, Detection::None), "{rel} renamed");
        }
    }
}
