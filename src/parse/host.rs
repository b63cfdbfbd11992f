//! Host facts: `uname -a`, `uptime`, `date`, `/proc/uptime`, `/proc/stat`, hostname, time zone.
use crate::facts::{DateOutput, Line, ProcStat, ProcUptime, TimezoneInfo, Uname, Uptime};
use crate::parse::Parsed;

pub fn parse_uname(text: &str) -> Parsed<Option<Uname>> {
    let _ = text;
    Parsed::default()
}
pub fn parse_uptime(text: &str) -> Parsed<Option<Uptime>> {
    let _ = text;
    Parsed::default()
}
pub fn parse_date(text: &str) -> Parsed<Option<DateOutput>> {
    let _ = text;
    Parsed::default()
}
pub fn parse_proc_uptime(text: &str) -> Parsed<Option<ProcUptime>> {
    let _ = text;
    Parsed::default()
}
pub fn parse_proc_stat(text: &str) -> Parsed<Option<ProcStat>> {
    let _ = text;
    Parsed::default()
}
pub fn parse_hostname(text: &str) -> Parsed<Option<Line>> {
    let _ = text;
    Parsed::default()
}
/// `etc/localtime` (TZif bytes), `etc/timezone` (a name) or `timedatectl` output.
pub fn parse_timezone(path: &str, bytes: &[u8]) -> Parsed<Option<TimezoneInfo>> {
    let _ = (path, bytes);
    Parsed::default()
}
