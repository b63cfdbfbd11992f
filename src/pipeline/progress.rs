//! A progress bar on stderr while a large bundle is read.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Bundles smaller than this are read without a progress bar: they take well under a second.
const LARGE_BUNDLE_BYTES: u64 = 50 * 1000 * 1000;

/// Whether to show progress while reading a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Never.
    #[default]
    Off,
    /// When stderr is a terminal and the bundle is larger than 50 MB.
    Auto,
}

impl Progress {
    /// The bar for reading `path`, when one is shown. Its position counts the uncompressed
    /// bytes read; its length is known for a directory and an uncompressed tar.
    pub(crate) fn start(self, path: &Path) -> Option<ProgressBar> {
        if self == Progress::Off || !std::io::stderr().is_terminal() {
            return None;
        }
        let meta = std::fs::metadata(path).ok()?;
        let total = if meta.is_dir() {
            Some(directory_bytes(path))
        } else if is_plain_tar(path) {
            Some(meta.len())
        } else {
            None
        };
        if total.unwrap_or(meta.len()) <= LARGE_BUNDLE_BYTES {
            return None;
        }
        let bar = match total {
            Some(total) => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar
            }
            None => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {binary_bytes} read (uncompressed) {binary_bytes_per_sec} {elapsed}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar
            }
        };
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    }
}

/// Total size of the regular files under `dir` (links not followed).
fn directory_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .fold(0u64, |sum, m| sum.saturating_add(m.len()))
}

/// Whether the file is an uncompressed tar (`ustar` magic in the first header).
fn is_plain_tar(path: &Path) -> bool {
    let mut head = [0u8; 262];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head.get(257..262) == Some(b"ustar".as_slice())
}
