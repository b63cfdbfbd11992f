//! Whole-reader properties: no input makes it panic, and damaged archives end in an error or a
//! partial summary, never in a crash.

use std::io::{Read, Write};

use proptest::prelude::*;

use super::*;

#[derive(Default)]
struct Drain {
    files: u64,
}

impl EntryVisitor for Drain {
    fn file(&mut self, _: &EntryMeta, data: &mut dyn Read) -> io::Result<()> {
        self.files += 1;
        let _ = io::copy(data, &mut io::sink());
        Ok(())
    }
}

fn small_limits() -> Limits {
    Limits {
        max_total_bytes: 8 << 20,
        max_entry_bytes: 1 << 20,
        max_entries: 1000,
        max_ratio: 1000,
        max_nesting: 1,
    }
}

fn read_bytes(bytes: &[u8]) -> Result<BundleSummary, BundleError> {
    let dir = tempfile::tempdir().map_err(|source| BundleError::Open {
        path: "tempdir".into(),
        source,
    })?;
    let path = dir.path().join("bundle");
    std::fs::write(&path, bytes).map_err(|source| BundleError::Open {
        path: "bundle".into(),
        source,
    })?;
    read_bundle(&path, &small_limits(), &mut Drain::default())
}

fn sample_tar() -> Vec<u8> {
    let mut b = ::tar::Builder::new(Vec::new());
    for (name, data) in [
        ("sos/proc/buddyinfo", &b"Node 0, zone Normal 1 2 3\n"[..]),
        (
            "sos/sos_commands/kernel/dmesg",
            &b"[ 0.0] Linux version\n"[..],
        ),
    ] {
        let mut h = ::tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    }
    let mut h = ::tar::Header::new_gnu();
    h.set_entry_type(::tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "sos/dmesg", "sos_commands/kernel/dmesg")
        .unwrap();
    b.into_inner().unwrap()
}

/// The sample in each container format.
fn samples() -> Vec<(Container, Vec<u8>)> {
    let tar = sample_tar();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let mut xz =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    xz.write_all(&tar).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&tar).unwrap();
    let mut zip = ::zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    zip.start_file("sos/proc/buddyinfo", options).unwrap();
    zip.write_all(b"Node 0, zone Normal 1 2 3\n").unwrap();
    zip.add_symlink("sos/buddy", "proc/buddyinfo", options)
        .unwrap();
    vec![
        (Container::Tar, tar.clone()),
        (Container::TarGz, gz.finish().unwrap()),
        (Container::TarXz, xz.finish().unwrap()),
        (
            Container::TarZst,
            zstd::stream::encode_all(&tar[..], 1).unwrap(),
        ),
        (Container::TarBz2, bz.finish().unwrap()),
        (Container::Zip, zip.finish().unwrap().into_inner()),
    ]
}

#[test]
fn samples_read_whole_in_every_format() {
    for (container, bytes) in samples() {
        let summary = read_bytes(&bytes).unwrap();
        assert_eq!(summary.container, container);
        assert_eq!(summary.root.as_deref(), Some("sos"), "{container:?}");
        assert_eq!(summary.links.len(), 1, "{container:?}");
        assert!(summary.links[0].resolved.is_some(), "{container:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(
        magic in prop::sample::select(vec![
            &b""[..], b"\x1f\x8b\x08", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"BZh9", b"PK\x03\x04",
            b"PK\x05\x06",
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&rest);
        let _ = read_bytes(&bytes);
    }

    #[test]
    fn damaged_archives_never_panic(
        which in 0usize..6,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let all = samples();
        let (_, original) = &all[which];
        let mut bytes = original.clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(summary) = read_bytes(&bytes) {
            prop_assert!(summary.entries <= 1000);
        }
    }
}
