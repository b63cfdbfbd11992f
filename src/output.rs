//! Writing an output file whole or not at all, and never through a link.
//!
//! Reports and summaries are written to a temporary file created new in the target's own
//! folder (so a link planted under the temporary name is refused, not followed), flushed to the
//! disk, then renamed over the target. The rename replaces the target's directory entry: a link
//! found there is replaced, its own target left untouched, and a write that fails half-way (a
//! full disk) leaves the previous file as it was and no temporary file behind.
//!
//! A target that is a device or a FIFO (`-o /dev/null`, `-o /dev/stdout`, `-o >(gzip > r.gz)`)
//! is written to, not replaced: renaming over it would put a regular file where the device
//! was, which breaks the machine for everyone when the command runs as root.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files made by this process so far, for unique names across threads.
static MADE: AtomicU64 = AtomicU64::new(0);

/// Write `bytes` to `path` atomically: the file holds either its previous content or `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(meta) = fs::symlink_metadata(path) {
        let kind = meta.file_type();
        if !kind.is_file() && !kind.is_symlink() && !kind.is_dir() {
            // Opened without `create` or `truncate`: only what is there is written to.
            let mut target = OpenOptions::new().write(true).open(path)?;
            return target.write_all(bytes).and_then(|()| target.flush());
        }
    }
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the output path names no file")
    })?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (temp, mut file) = create_temp(&folder, &name.to_string_lossy())?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| file.sync_all());
    drop(file);
    let renamed = written.and_then(|()| fs::rename(&temp, path));
    if renamed.is_err() {
        // Nothing of a failed write stays behind; the error that matters is the write's.
        let _ = fs::remove_file(&temp);
    }
    renamed
}

/// A new file `.NAME.PID.N.tmp` in `folder`, created exclusively (`O_EXCL`: an existing file or
/// link of that name is an error, never opened).
fn create_temp(folder: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..16 {
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(names(dir.path()), ["report.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_to_not_replaced() {
        use std::io::Read;
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("report.md");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        // A reader opened first without blocking, so that the write finds one and the test
        // cannot hang whatever `write_atomic` does.
        let mut reader = OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(&fifo)
            .unwrap();
        write_atomic(&fifo, b"report").unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "report");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(names(dir.path()), ["report.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_way_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::write(&outside, "precious").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("index.html")).unwrap();
        write_atomic(&out.join("index.html"), b"summary").unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious");
        let meta = fs::symlink_metadata(out.join("index.html")).unwrap();
        assert!(meta.file_type().is_file());
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder in the way: the rename fails, the folder stays, no temporary is left.
        let path = dir.path().join("report.md");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), "x").unwrap();
        assert!(write_atomic(&path, b"new").is_err());
        assert_eq!(names(dir.path()), ["report.md"]);
        assert!(path.join("keep").exists());
    }
}
