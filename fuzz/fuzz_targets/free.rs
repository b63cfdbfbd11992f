//! `free` output in every shape (`-m`, `-h`, `-w`, old `-/+ buffers/cache` rows).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = postmortem::parse::free::parse(&text);
});
