//! The bundle reader on arbitrary bytes: magic-byte detection, every container, nested
//! archives, links, with small limits so a bomb ends quickly. Every entry is read to the end.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use postmortem::bundle::{read_bundle, EntryMeta, EntryVisitor, Limits};

struct Drain;

impl EntryVisitor for Drain {
    fn file(&mut self, _meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()> {
        let mut sink = Vec::new();
        // A read error is the reader reporting a limit or a corrupt stream: expected here.
        let _ = data.read_to_end(&mut sink);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("bundle");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let limits = Limits {
        max_total_bytes: 4 << 20,
        max_entry_bytes: 1 << 20,
        max_entries: 1_000,
        max_ratio: 200,
        max_nesting: 1,
    };
    let _ = read_bundle(&path, &limits, &mut Drain);
});
