//! The bundle reader on every container format, and on hostile and broken archives.

use std::io::Write;
use std::path::Path;

use crate::util::pack::{noise, pack_items, put, write, Collect, Format, Item};
use postmortem::bundle::{read_bundle, BundleError, BundleSummary, Limits};
use sha2::{Digest, Sha256};

fn read(path: &Path, limits: &Limits) -> (Result<BundleSummary, BundleError>, Collect) {
    let mut c = Collect::default();
    let r = read_bundle(path, limits, &mut c);
    (r, c)
}

fn sample_tree(root: &Path) {
    put(
        root,
        "proc/buddyinfo",
        "Node 0, zone   Normal  15952  1  0\n",
    );
    put(
        root,
        "sos_commands/kernel/dmesg",
        "[    0.000000] Linux version 3.10.0\n",
    );
    put(root, "sos_commands/memory/free", "");
    let long = format!("var/log/{}/messages", "d".repeat(120));
    put(root, &long, noise(300_000, 1));
    #[cfg(unix)]
    std::os::unix::fs::symlink("sos_commands/kernel/dmesg", root.join("dmesg")).unwrap();
}

fn problems(s: &BundleSummary) -> Vec<String> {
    s.problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.problem))
        .collect()
}

#[test]
fn every_format_yields_the_same_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    sample_tree(&tree);
    let (dir_summary, dir_files) = read(&tree, &Limits::default());
    let dir_summary = dir_summary.unwrap();
    assert_eq!(dir_summary.container.as_str(), "directory");
    assert_eq!(dir_summary.sha256, None);
    assert_eq!(dir_files.files.len(), 4);
    let want: Vec<(String, Vec<u8>)> = dir_files
        .files
        .iter()
        .map(|(p, d)| (format!("sosreport-host-1/{p}"), d.clone()))
        .collect();
    for format in Format::ALL {
        let bytes = crate::util::pack::pack_prefixed(&tree, format, "sosreport-host-1");
        let path = write(tmp.path(), &format!("bundle{}", format.extension()), &bytes);
        let (summary, files) = read(&path, &Limits::default());
        let summary = summary.unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(files.files, want, "{format:?}");
        assert!(files.errors.is_empty(), "{format:?}: {:?}", files.errors);
        assert_eq!(summary.container.as_str(), format.container());
        assert_eq!(summary.root.as_deref(), Some("sosreport-host-1"));
        assert_eq!(summary.total_bytes, 300_000 + 36 + 35);
        assert_eq!(
            summary.sha256.as_deref(),
            Some(format!("{:x}", Sha256::digest(&bytes)).as_str())
        );
        assert!(
            summary.problems.is_empty(),
            "{format:?}: {:?}",
            summary.problems
        );
        #[cfg(unix)]
        {
            let links: Vec<(&str, Option<&str>)> = summary
                .links
                .iter()
                .map(|l| (l.path.as_str(), l.resolved.as_deref()))
                .collect();
            assert_eq!(
                links,
                vec![(
                    "sosreport-host-1/dmesg",
                    Some("sosreport-host-1/sos_commands/kernel/dmesg")
                )],
                "{format:?}"
            );
        }
    }
}

#[test]
fn format_is_decided_by_magic_not_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = pack_items(&[Item::file("a/dmesg", "hello")], Format::Zip);
    let path = write(tmp.path(), "really-a-zip.tar.gz", &bytes);
    let (summary, files) = read(&path, &Limits::default());
    assert_eq!(summary.unwrap().container.as_str(), "zip");
    assert_eq!(files.get("a/dmesg"), Some(&b"hello"[..]));
}

#[test]
fn empty_and_unknown_files_are_unsupported() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = write(tmp.path(), "empty.tar.gz", b"");
    let err = read(&empty, &Limits::default()).0.unwrap_err();
    assert!(matches!(err, BundleError::Unsupported { .. }));
    assert!(err.to_string().contains("empty.tar.gz"));
    assert!(err.to_string().contains("empty"));
    let random = write(tmp.path(), "random.bin", &noise(4096, 7));
    let err = read(&random, &Limits::default()).0.unwrap_err();
    assert!(matches!(err, BundleError::Unsupported { .. }), "{err}");
    let missing = tmp.path().join("missing.tar");
    assert!(matches!(
        read(&missing, &Limits::default()).0.unwrap_err(),
        BundleError::Open { .. }
    ));
}

#[test]
fn lone_compressed_file_is_a_one_entry_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let gz = crate::util::pack::compress(b"[ 1.0] hello\n", Format::TarGz);
    let path = write(tmp.path(), "dmesg.gz", &gz);
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(files.paths(), vec!["dmesg"]);
    assert_eq!(files.get("dmesg"), Some(&b"[ 1.0] hello\n"[..]));
    assert_eq!(summary.container.as_str(), "tar.gz");
}

/// `size` per file: bzip2 decodes whole blocks of up to 900 kB, so it needs more data for its
/// first block to end before the cut.
fn truncated_case(format: Format, size: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let items: Vec<Item> = (0..6u8)
        .map(|i| {
            Item::file(
                &format!("sos/{}", char::from(b'a' + i)),
                noise(size, u64::from(i)),
            )
        })
        .collect();
    let bytes = pack_items(&items, format);
    // Cut in the middle: the first file arrives whole, the archive then breaks.
    let cut = write(tmp.path(), "cut", &bytes[..bytes.len() / 2]);
    let (summary, files) = read(&cut, &Limits::default());
    let summary = summary.unwrap_or_else(|e| panic!("{format:?}: {e}"));
    assert_eq!(
        files.get("sos/a").map(<[u8]>::len),
        Some(size),
        "{format:?}"
    );
    assert!(
        !files.errors.is_empty(),
        "{format:?}: truncated entry must error"
    );
    let p = problems(&summary);
    assert!(
        p.iter()
            .any(|x| x.starts_with("cut: archive truncated after")),
        "{format:?}: {p:?}"
    );
    // Cut right after the start: nothing readable.
    let stub = write(tmp.path(), "stub", &bytes[..12]);
    let err = read(&stub, &Limits::default()).0.unwrap_err();
    if format == Format::Tar {
        // Twelve bytes of a tar header do not say "tar" yet.
        assert!(matches!(err, BundleError::Unsupported { .. }), "{err}");
    } else {
        assert!(
            matches!(err, BundleError::Corrupt { .. }),
            "{format:?}: {err}"
        );
    }
    assert!(err.to_string().starts_with(&stub.display().to_string()));
}

#[test]
fn truncated_gzip_keeps_what_was_read() {
    truncated_case(Format::TarGz, 100_000);
}

#[test]
fn truncated_xz_keeps_what_was_read() {
    truncated_case(Format::TarXz, 100_000);
}

#[test]
fn truncated_zstd_keeps_what_was_read() {
    truncated_case(Format::TarZst, 100_000);
}

#[test]
fn truncated_bzip2_keeps_what_was_read() {
    truncated_case(Format::TarBz2, 400_000);
}

#[test]
fn truncated_plain_tar_keeps_what_was_read() {
    truncated_case(Format::Tar, 100_000);
}

#[test]
fn zip_with_broken_central_directory_is_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = pack_items(&[Item::file("a", "x")], Format::Zip);
    let n = bytes.len();
    bytes.truncate(n - 10);
    let path = write(tmp.path(), "broken.zip", &bytes);
    let err = read(&path, &Limits::default()).0.unwrap_err();
    assert!(
        matches!(
            err,
            BundleError::Corrupt {
                container: "zip",
                ..
            }
        ),
        "{err}"
    );
}

/// A tar holding one file of `zeros` zero bytes, compressed as many small members or frames
/// so the test never holds the uncompressed bytes.
fn zero_bomb(format: Format, zeros: u64) -> Vec<u8> {
    let chunk = vec![0u8; 1 << 20];
    let one = crate::util::pack::compress(&chunk, format);
    let mut header = tar::Header::new_gnu();
    header.set_path("bomb/zeros").unwrap();
    header.set_size(zeros);
    header.set_cksum();
    let mut out = crate::util::pack::compress(header.as_bytes(), format);
    for _ in 0..zeros / chunk.len() as u64 {
        out.extend_from_slice(&one);
    }
    out.extend_from_slice(&crate::util::pack::compress(&[0u8; 1024], format));
    out
}

#[test]
fn gzip_bomb_hits_the_ratio_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "bomb.tar.gz",
        &zero_bomb(Format::TarGz, 200 << 20),
    );
    let limits = Limits {
        max_ratio: 100,
        ..Limits::default()
    };
    let (result, files) = read(&path, &limits);
    let err = result.unwrap_err();
    assert!(matches!(err, BundleError::Limit { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    assert!(msg.contains("decompression bomb"), "{msg}");
    assert!(files.files.iter().all(|(_, d)| d.len() < 50 << 20));
}

#[test]
fn zstd_bomb_hits_the_default_ratio_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "bomb.tar.zst",
        &zero_bomb(Format::TarZst, 200 << 20),
    );
    let err = read(&path, &Limits::default()).0.unwrap_err();
    assert!(
        err.to_string().contains("expands more than 1000 times"),
        "{err}"
    );
}

#[test]
fn zip_bomb_hits_the_ratio_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("zeros", options).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        w.write_all(&chunk).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    let path = write(tmp.path(), "bomb.zip", &bytes);
    let limits = Limits {
        max_ratio: 100,
        ..Limits::default()
    };
    let err = read(&path, &limits).0.unwrap_err();
    assert!(err.to_string().contains("decompression bomb"), "{err}");
}

#[test]
fn escaping_and_absolute_paths_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![
        Item::raw(b"../../etc/passwd", b'0', b"", 4, b"evil"),
        Item::raw(b"/etc/shadow", b'0', b"", 3, b"abs"),
        Item::raw(b"./sos/ok", b'0', b"", 2, b"ok"),
        Item::raw(b"sos/dev/sda", b'3', b"", 0, b""),
        Item::raw(b"sos/fifo", b'6', b"", 0, b""),
    ];
    let path = write(tmp.path(), "hostile.tar", &pack_items(&items, Format::Tar));
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(files.paths(), vec!["etc/shadow", "sos/ok"]);
    let p = problems(&summary);
    assert!(
        p.iter()
            .any(|x| x.contains("../../etc/passwd") && x.contains("climbs out")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|x| x.starts_with("etc/shadow: absolute path")),
        "{p:?}"
    );
    assert!(
        p.contains(&"sos/dev/sda: device node skipped".to_string()),
        "{p:?}"
    );
    assert!(p.contains(&"sos/fifo: FIFO skipped".to_string()), "{p:?}");
    assert_eq!(summary.entries, 5);
}

#[test]
fn links_resolve_inside_the_bundle_only() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![
        // The link comes before its target, as in many sosreports.
        Item::symlink("sos/dmesg", "sos_commands/kernel/dmesg"),
        Item::file("sos/sos_commands/kernel/dmesg", "kernel"),
        Item::hardlink("sos/dmesg.hard", "sos/sos_commands/kernel/dmesg"),
        Item::symlink("sos/etc/localtime", "/usr/share/zoneinfo/UTC"),
        Item::file("sos/usr/share/zoneinfo/UTC", "TZif"),
        Item::raw(b"sos/out", b'2', b"../../../etc/passwd", 0, b""),
        Item::symlink("sos/loop1", "loop2"),
        Item::symlink("sos/loop2", "loop1"),
    ];
    let path = write(tmp.path(), "links.tar", &pack_items(&items, Format::Tar));
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(
        files.paths(),
        vec![
            "sos/sos_commands/kernel/dmesg",
            "sos/usr/share/zoneinfo/UTC"
        ]
    );
    let by = |p: &str| summary.links.iter().find(|l| l.path == p).unwrap();
    assert_eq!(
        by("sos/dmesg").resolved.as_deref(),
        Some("sos/sos_commands/kernel/dmesg")
    );
    assert!(!by("sos/dmesg").hard);
    assert_eq!(
        by("sos/dmesg.hard").resolved.as_deref(),
        Some("sos/sos_commands/kernel/dmesg")
    );
    assert!(by("sos/dmesg.hard").hard);
    assert_eq!(
        by("sos/etc/localtime").resolved.as_deref(),
        Some("sos/usr/share/zoneinfo/UTC")
    );
    assert_eq!(
        by("sos/out").problem.as_deref(),
        Some("target is outside the bundle")
    );
    assert_eq!(by("sos/out").resolved, None);
    assert!(by("sos/loop1")
        .problem
        .as_deref()
        .unwrap()
        .starts_with("link loop"));
}

#[cfg(unix)]
#[test]
fn directory_bundle_links_never_leave_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bundle");
    put(&root, "sos_commands/kernel/dmesg", "kernel");
    put(tmp.path(), "secret", "outside");
    std::os::unix::fs::symlink("sos_commands/kernel/dmesg", root.join("dmesg")).unwrap();
    std::os::unix::fs::symlink("../secret", root.join("secret")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), root.join("up")).unwrap();
    let (summary, files) = read(&root, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(files.paths(), vec!["sos_commands/kernel/dmesg"]);
    assert_eq!(summary.name, "bundle");
    let by = |p: &str| summary.links.iter().find(|l| l.path == p).unwrap();
    assert_eq!(
        by("dmesg").resolved.as_deref(),
        Some("sos_commands/kernel/dmesg")
    );
    assert_eq!(
        by("secret").problem.as_deref(),
        Some("target is outside the bundle")
    );
    // An absolute target resolves inside the bundle, where it does not exist.
    assert_eq!(
        by("up").problem.as_deref(),
        Some("target is not in the bundle")
    );
    assert_eq!(summary.root.as_deref(), None);
}

#[test]
fn nested_tar_xz_inside_zip_is_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = pack_items(
        &[
            Item::dir("sosreport-x"),
            Item::file("sosreport-x/proc/buddyinfo", "Node 0"),
        ],
        Format::TarXz,
    );
    let outer = pack_items(&[Item::file("sosreport-x.tar.xz", &inner)], Format::Zip);
    let path = write(tmp.path(), "upload.zip", &outer);
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(
        files.paths(),
        vec!["sosreport-x.tar.xz/sosreport-x/proc/buddyinfo"]
    );
    assert_eq!(summary.nested, vec!["sosreport-x.tar.xz"]);
    assert_eq!(
        summary.root.as_deref(),
        Some("sosreport-x.tar.xz/sosreport-x")
    );
    assert_eq!(summary.container.as_str(), "zip");
}

#[test]
fn nesting_beyond_the_limit_is_reported_not_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let innermost = pack_items(&[Item::file("x", "deep")], Format::TarGz);
    let inner = pack_items(&[Item::file("deep.tar.gz", &innermost)], Format::Tar);
    let outer = pack_items(&[Item::file("collect/node1.tar", &inner)], Format::TarGz);
    let path = write(tmp.path(), "collect.tar.gz", &outer);
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert!(files.files.is_empty());
    assert_eq!(summary.nested, vec!["collect/node1.tar"]);
    assert_eq!(
        problems(&summary),
        vec![
            "collect/node1.tar/deep.tar.gz: nested archive not opened: nesting limit of 1 reached"
        ]
    );
}

#[test]
fn per_entry_limit_truncates_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![
        Item::file("big", noise(10_000, 5)),
        Item::file("small", "ok"),
    ];
    let path = write(tmp.path(), "b.tar", &pack_items(&items, Format::Tar));
    let limits = Limits {
        max_entry_bytes: 1000,
        ..Limits::default()
    };
    let (summary, files) = read(&path, &limits);
    let summary = summary.unwrap();
    assert_eq!(files.get("big"), Some(&noise(10_000, 5)[..1000]));
    assert_eq!(files.get("small"), Some(&b"ok"[..]));
    assert_eq!(
        problems(&summary),
        vec!["big: truncated at 1000 bytes: the entry is larger than the per-entry limit"]
    );
}

#[test]
fn entry_and_total_limits_stop_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let items: Vec<Item> = (0..10)
        .map(|i| Item::file(&format!("f{i}"), "0123456789"))
        .collect();
    let path = write(
        tmp.path(),
        "many.tar.gz",
        &pack_items(&items, Format::TarGz),
    );
    let few = Limits {
        max_entries: 5,
        ..Limits::default()
    };
    let err = read(&path, &few).0.unwrap_err();
    assert!(err.to_string().contains("--max-entries"), "{err}");
    let small = Limits {
        max_total_bytes: 55,
        ..Limits::default()
    };
    let err = read(&path, &small).0.unwrap_err();
    assert!(matches!(err, BundleError::Limit { .. }));
    assert!(err.to_string().contains("--max-bytes"), "{err}");
    let zip = write(tmp.path(), "many.zip", &pack_items(&items, Format::Zip));
    let err = read(&zip, &few).0.unwrap_err();
    assert!(err.to_string().contains("--max-entries"), "{err}");
}

#[test]
fn duplicates_are_read_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![Item::file("a/x", "one"), Item::file("a/x", "two")];
    let path = write(tmp.path(), "dup.tar", &pack_items(&items, Format::Tar));
    let (summary, files) = read(&path, &Limits::default());
    assert_eq!(files.files.len(), 2);
    assert_eq!(files.files[1].1, b"two");
    let p = problems(&summary.unwrap());
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("a/x: duplicate entry"));
}

#[test]
fn lying_header_size_reaches_the_visitor_as_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = pack_items(&[Item::file("ok", "fine")], Format::Tar);
    bytes.truncate(1024);
    bytes.extend_from_slice(&crate::util::pack::raw_header(b"liar", b'0', b"", 1 << 30));
    bytes.extend_from_slice(b"short data");
    let path = write(tmp.path(), "liar.tar", &bytes);
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(files.get("liar"), Some(&b"short data"[..]));
    assert!(files
        .errors
        .iter()
        .any(|(p, e)| p == "liar" && e.contains("ends after 10 of")));
    assert!(problems(&summary)
        .iter()
        .any(|p| p.contains("archive truncated after 2 entries")));
}

#[test]
fn compressed_files_and_zips_inside_a_tar_are_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let gz = crate::util::pack::compress(b"[ 2.0] rotated\n", Format::TarGz);
    let zip = pack_items(&[Item::file("inner/free", "Mem: 1 2 3")], Format::Zip);
    let items = vec![
        Item::file("sos/var/log/dmesg.gz", &gz),
        Item::file("sos/upload.zip", &zip),
    ];
    let path = write(tmp.path(), "b.tar", &pack_items(&items, Format::Tar));
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(
        files.paths(),
        vec!["sos/var/log/dmesg", "sos/upload.zip/inner/free"]
    );
    assert_eq!(
        files.get("sos/var/log/dmesg"),
        Some(&b"[ 2.0] rotated\n"[..])
    );
    assert_eq!(
        summary.nested,
        vec!["sos/var/log/dmesg.gz", "sos/upload.zip"]
    );
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
}

/// A PAX extended header record: `<length> <key>=<value>\n`, the length counting itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

#[test]
fn pax_path_overrides_the_header_name() {
    let tmp = tempfile::tempdir().unwrap();
    let long = format!("sosreport-p/sos_commands/{}/dmesg", "k".repeat(150));
    let record = pax_record("path", &long);
    let items = vec![
        Item::raw(b"PaxHeaders/dmesg", b'x', b"", record.len() as u64, &record),
        Item::raw(b"short-name", b'0', b"", 3, b"pax"),
    ];
    let path = write(tmp.path(), "pax.tar", &pack_items(&items, Format::Tar));
    let (summary, files) = read(&path, &Limits::default());
    assert_eq!(files.paths(), vec![long.as_str()]);
    assert_eq!(summary.unwrap().root.as_deref(), Some("sosreport-p"));
}

#[test]
fn odd_tar_members_are_handled() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![
        Item::raw(b"pax_global_header", b'g', b"", 20, b"20 comment=abcdefg\n"),
        Item::raw(b"sos/caf\xe9", b'0', b"", 2, b"hi"),
        Item::file("sos/zeros", vec![0u8; 2048]),
        Item::file("sos/empty", ""),
    ];
    let path = write(tmp.path(), "odd.tar", &pack_items(&items, Format::Tar));
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(
        files.paths(),
        vec!["sos/caf\u{fffd}", "sos/zeros", "sos/empty"]
    );
    assert_eq!(files.get("sos/zeros").map(<[u8]>::len), Some(2048));
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    assert!(summary.nested.is_empty());
}

#[test]
fn zip_paths_are_checked_like_tar_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![
        Item::file("../escape", "no"),
        Item::file("/abs/file", "abs"),
        Item::file("win\\path", "back"),
        Item::symlink("link", "win/path"),
    ];
    let path = write(tmp.path(), "z.zip", &pack_items(&items, Format::Zip));
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(files.paths(), vec!["abs/file", "win/path"]);
    let p = problems(&summary);
    assert!(
        p.iter()
            .any(|x| x.contains("../escape") && x.contains("climbs out")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|x| x.starts_with("abs/file: absolute path")),
        "{p:?}"
    );
    assert_eq!(summary.links[0].resolved.as_deref(), Some("win/path"));
    assert_eq!(summary.links[0].target, "win/path");
}

#[cfg(unix)]
#[test]
fn directory_fifo_is_skipped_not_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bundle");
    put(&root, "dmesg", "kernel");
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        // No mkfifo on this system: nothing to check.
        return;
    }
    let (summary, files) = read(&root, &Limits::default());
    assert_eq!(files.paths(), vec!["dmesg"]);
    assert_eq!(problems(&summary.unwrap()), vec!["pipe: FIFO skipped"]);
}

#[test]
fn archives_inside_a_directory_bundle_are_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bundle");
    put(&root, "dmesg", "kernel");
    put(
        &root,
        "node1.zip",
        pack_items(&[Item::file("free", "Mem: 1 2 3")], Format::Zip),
    );
    put(
        &root,
        "node2.tar.zst",
        pack_items(&[Item::file("sos/uptime", "up 3 days")], Format::TarZst),
    );
    let (summary, files) = read(&root, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(
        files.paths(),
        vec!["dmesg", "node1.zip/free", "node2.tar.zst/sos/uptime"]
    );
    assert_eq!(summary.nested, vec!["node1.zip", "node2.tar.zst"]);
    assert_eq!(summary.total_bytes, 6 + 10 + 9);
}

#[test]
fn zip_entry_with_a_broken_local_header_is_skipped_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let items = vec![Item::file("a", "first"), Item::file("b", "second")];
    let mut bytes = pack_items(&items, Format::Zip);
    let second = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .nth(1)
        .map(|(i, _)| i)
        .unwrap();
    bytes[second + 2] = b'X';
    let path = write(tmp.path(), "half.zip", &bytes);
    let (summary, files) = read(&path, &Limits::default());
    let summary = summary.unwrap();
    assert_eq!(files.paths(), vec!["a"]);
    let p = problems(&summary);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("half.zip: b: could not be read"), "{p:?}");
}
