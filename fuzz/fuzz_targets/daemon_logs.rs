//! dockerd, containerd and kubelet logs, and runtime error text (the same bytes go to both).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postmortem::parse::{daemon_log, runtime_error};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = daemon_log::parse(&text);
    let _ = runtime_error::parse(&text);
});
