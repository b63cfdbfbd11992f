//! Builds bundles for tests: a directory tree or a list of entries packed into any container
//! format, including hostile entries (paths with `..`, absolute paths, links, raw headers).

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use postmortem::bundle::{EntryMeta, EntryVisitor};

/// A container format to pack into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Tar,
    TarGz,
    TarXz,
    TarZst,
    TarBz2,
    Zip,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Tar,
        Format::TarGz,
        Format::TarXz,
        Format::TarZst,
        Format::TarBz2,
        Format::Zip,
    ];

    /// The usual file name extension, with its dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Tar => ".tar",
            Format::TarGz => ".tar.gz",
            Format::TarXz => ".tar.xz",
            Format::TarZst => ".tar.zst",
            Format::TarBz2 => ".tar.bz2",
            Format::Zip => ".zip",
        }
    }

    /// The container name the reader reports.
    pub fn container(self) -> &'static str {
        &self.extension()[1..]
    }
}

/// One archive member.
#[derive(Debug, Clone)]
pub enum Item {
    File {
        path: String,
        data: Vec<u8>,
    },
    Dir {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    /// Tar only (zip has no hard links; it is left out there).
    HardLink {
        path: String,
        target: String,
    },
    /// A tar header block written as is (name bytes unchecked), followed by `data` padded to
    /// 512 bytes. Tar only.
    Raw {
        header: Box<[u8; 512]>,
        data: Vec<u8>,
    },
}

impl Item {
    pub fn file(path: &str, data: impl AsRef<[u8]>) -> Item {
        Item::File {
            path: path.into(),
            data: data.as_ref().to_vec(),
        }
    }
    pub fn dir(path: &str) -> Item {
        Item::Dir { path: path.into() }
    }
    pub fn symlink(path: &str, target: &str) -> Item {
        Item::Symlink {
            path: path.into(),
            target: target.into(),
        }
    }
    pub fn hardlink(path: &str, target: &str) -> Item {
        Item::HardLink {
            path: path.into(),
            target: target.into(),
        }
    }
    /// A raw tar member: any name bytes, entry type byte (`b'0'` file, `b'2'` symlink, `b'3'`
    /// char device, `b'6'` FIFO, ...), link name and data. `size` is written as given, so it may
    /// lie about `data`.
    pub fn raw(name: &[u8], kind: u8, link: &[u8], size: u64, data: &[u8]) -> Item {
        Item::Raw {
            header: Box::new(raw_header(name, kind, link, size)),
            data: data.to_vec(),
        }
    }
}

/// A ustar header with the name and link name copied byte for byte (at most 100 bytes each).
pub fn raw_header(name: &[u8], kind: u8, link: &[u8], size: u64) -> [u8; 512] {
    let mut header = tar::Header::new_ustar();
    header.set_mode(0o644);
    header.set_mtime(1_500_000_000);
    header.set_size(size);
    header.set_entry_type(tar::EntryType::new(kind));
    {
        let old = header.as_old_mut();
        let n = name.len().min(100);
        old.name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(100);
        old.linkname[..l].copy_from_slice(&link[..l]);
    }
    header.set_cksum();
    *header.as_bytes()
}

/// The entries of a directory tree, in file-name order, with an optional top folder added.
pub fn tree_items(dir: &Path, prefix: Option<&str>) -> Vec<Item> {
    let mut items = Vec::new();
    let name = |p: &Path| {
        let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        match prefix {
            Some(top) => format!("{top}/{rel}"),
            None => rel,
        }
    };
    if let Some(top) = prefix {
        items.push(Item::dir(top));
    }
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .follow_links(false)
    {
        let entry = entry.unwrap();
        let path = name(entry.path());
        let kind = entry.file_type();
        if kind.is_dir() {
            items.push(Item::Dir { path });
        } else if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            items.push(Item::Symlink {
                path,
                target: target.to_string_lossy().into_owned(),
            });
        } else {
            items.push(Item::File {
                path,
                data: std::fs::read(entry.path()).unwrap(),
            });
        }
    }
    items
}

/// Pack a directory tree.
pub fn pack(dir: &Path, format: Format) -> Vec<u8> {
    pack_items(&tree_items(dir, None), format)
}

/// Pack a directory tree under a top folder (`sosreport-host-...`).
pub fn pack_prefixed(dir: &Path, format: Format, prefix: &str) -> Vec<u8> {
    pack_items(&tree_items(dir, Some(prefix)), format)
}

/// Pack a list of entries.
pub fn pack_items(items: &[Item], format: Format) -> Vec<u8> {
    match format {
        Format::Zip => zip_bytes(items),
        other => compress(&tar_bytes(items), other),
    }
}

/// An uncompressed tar of the entries, with the end-of-archive marker.
pub fn tar_bytes(items: &[Item]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for item in items {
        match item {
            Item::File { path, data } => {
                let mut h = tar::Header::new_gnu();
                h.set_mode(0o644);
                h.set_mtime(1_500_000_000);
                h.set_size(data.len() as u64);
                b.append_data(&mut h, path, data.as_slice()).unwrap();
            }
            Item::Dir { path } => {
                let mut h = tar::Header::new_gnu();
                h.set_mode(0o755);
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                b.append_data(&mut h, path, std::io::empty()).unwrap();
            }
            Item::Symlink { path, target } | Item::HardLink { path, target } => {
                let mut h = tar::Header::new_gnu();
                h.set_mode(0o777);
                h.set_size(0);
                h.set_entry_type(if matches!(item, Item::Symlink { .. }) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                b.append_link(&mut h, path, target).unwrap();
            }
            Item::Raw { header, data } => {
                let out = b.get_mut();
                out.extend_from_slice(&header[..]);
                out.extend_from_slice(data);
                let pad = (512 - data.len() % 512) % 512;
                out.extend(std::iter::repeat_n(0u8, pad));
            }
        }
    }
    b.into_inner().unwrap()
}

/// Compress bytes with the format's compression (`Tar`: unchanged). Not for `Zip`.
pub fn compress(data: &[u8], format: Format) -> Vec<u8> {
    match format {
        Format::Tar => data.to_vec(),
        Format::TarGz => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        Format::TarXz => {
            let mut w =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
                    .unwrap();
            w.write_all(data).unwrap();
            w.finish().unwrap()
        }
        Format::TarZst => zstd::stream::encode_all(data, 3).unwrap(),
        Format::TarBz2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        Format::Zip => panic!("zip is an archive, not a compression of a tar"),
    }
}

/// A zip of the entries (hard links and raw tar headers are left out).
pub fn zip_bytes(items: &[Item]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2017, 7, 14, 2, 40, 0).unwrap());
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for item in items {
        match item {
            Item::File { path, data } => {
                w.start_file(path.as_str(), options).unwrap();
                w.write_all(data).unwrap();
            }
            Item::Dir { path } => w.add_directory(path.as_str(), options).unwrap(),
            Item::Symlink { path, target } => w
                .add_symlink(path.as_str(), target.as_str(), options)
                .unwrap(),
            Item::HardLink { .. } | Item::Raw { .. } => {}
        }
    }
    w.finish().unwrap().into_inner()
}

/// Write bytes to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Create a file (and its folders) under `root`.
pub fn put(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// A visitor that keeps every file's path and bytes, and the read error if the data stopped
/// early.
#[derive(Debug, Default)]
pub struct Collect {
    pub files: Vec<(String, Vec<u8>)>,
    pub errors: Vec<(String, String)>,
}

impl Collect {
    pub fn paths(&self) -> Vec<&str> {
        self.files.iter().map(|(p, _)| p.as_str()).collect()
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, d)| d.as_slice())
    }
}

impl EntryVisitor for Collect {
    fn file(&mut self, meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        if let Err(e) = data.read_to_end(&mut bytes) {
            self.errors.push((meta.path.clone(), e.to_string()));
        }
        self.files.push((meta.path.clone(), bytes));
        Ok(())
    }
}

/// Text that compresses poorly (a simple generator, the same on every run).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b' ' + (x % 94) as u8
        })
        .collect()
}
