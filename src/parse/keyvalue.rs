//! `key value` tables: `/proc/meminfo`, `/proc/vmstat`, sysctl output.
use crate::facts::KeyValues;
use crate::parse::Parsed;

pub fn parse_meminfo(text: &str) -> Parsed<KeyValues> {
    let _ = text;
    Parsed::default()
}
pub fn parse_vmstat(text: &str) -> Parsed<KeyValues> {
    let _ = text;
    Parsed::default()
}
pub fn parse_sysctl(text: &str) -> Parsed<KeyValues> {
    let _ = text;
    Parsed::default()
}
