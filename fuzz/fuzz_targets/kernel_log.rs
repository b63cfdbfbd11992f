//! Kernel logs (raw dmesg, `dmesg -T`, syslog, journal) with their multi-line reports (page
//! allocation failures, OOM kills, Mem-Info dumps), then the timeline built from what they gave.
//! The first byte picks the source kind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postmortem::facts::Facts;
use postmortem::parse::parse_into;
use postmortem::sources::SourceKind;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let (kind, path) = match which % 3 {
        0 => (SourceKind::Dmesg, "sos_commands/kernel/dmesg"),
        1 => (SourceKind::Syslog, "var/log/messages"),
        _ => (
            SourceKind::Journal,
            "sos_commands/logs/journalctl_--no-pager",
        ),
    };
    let mut facts = Facts::default();
    parse_into(&mut facts, path, kind, rest);
    let derived = postmortem::derive::derive(&facts);
    let _ = postmortem::timeline::build(&facts, &derived);
});
