//! Container facts: `docker events`, `docker`/`podman inspect` JSON and OCI `config.json`. The
//! first byte picks the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postmortem::parse::{container_inspect, docker_events, oci_config};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match which % 3 {
        0 => drop(docker_events::parse(&text)),
        1 => drop(container_inspect::parse(&text)),
        _ => drop(oci_config::parse(&text)),
    }
});
