//! The /proc tables and host command outputs. The first byte picks the parser, the rest is the
//! text, so one corpus covers them all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postmortem::parse::{
    buddyinfo, cgroups, fragindex, host, keyvalue, pagetypeinfo, slabinfo, zoneinfo,
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    match which % 18 {
        0 => drop(buddyinfo::parse(text)),
        1 => drop(pagetypeinfo::parse(text)),
        2 => drop(fragindex::parse(text)),
        3 => drop(slabinfo::parse_slabinfo(text)),
        4 => drop(slabinfo::parse_slabtop(text)),
        5 => drop(keyvalue::parse_meminfo(text)),
        6 => drop(keyvalue::parse_vmstat(text)),
        7 => drop(zoneinfo::parse(text)),
        8 => drop(cgroups::parse(text)),
        9 => drop(keyvalue::parse_sysctl(text)),
        10 => drop(host::parse_uname(text)),
        11 => drop(host::parse_uptime(text)),
        12 => drop(host::parse_date(text)),
        13 => drop(host::parse_proc_uptime(text)),
        14 => drop(host::parse_proc_stat(text)),
        15 => drop(host::parse_hostname(text)),
        16 => drop(host::parse_timezone("etc/timezone", rest)),
        _ => drop(host::parse_timezone("etc/localtime", rest)),
    }
});
