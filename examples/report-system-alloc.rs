//! `postmortem report BUNDLE --format json` on the system allocator, for heap profilers that
//! follow `malloc` (heaptrack, valgrind's massif and dhat): the binary's mimalloc takes its
//! memory from the kernel directly, where they cannot see it by call site.
//!
//! ```text
//! cargo build --release --example report-system-alloc
//! heaptrack target/release/examples/report-system-alloc BUNDLE > /dev/null
//! heaptrack_print -f heaptrack.report-system-alloc.*.zst --print-peaks 1
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use postmortem::bundle::Limits;
use postmortem::pipeline::{self, ReportOptions};
use postmortem::render::{self, Format};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: report-system-alloc BUNDLE");
        return ExitCode::from(2);
    };
    let loaded = match pipeline::load(&path, &Limits::default()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("report-system-alloc: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let report = pipeline::build_report(&loaded, None, &ReportOptions::default());
    match render::render(&report, Format::Json) {
        Ok(text) => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("report-system-alloc: {e}");
            ExitCode::FAILURE
        }
    }
}
