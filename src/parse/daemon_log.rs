//! dockerd, containerd and kubelet logs.
use crate::facts::{DaemonRecord, Line, RuntimeError, WallClock, Warning};

/// Records and runtime errors of a daemon log file.
#[derive(Debug, Clone, Default)]
pub struct DaemonLogOutput {
    pub records: Vec<DaemonRecord>,
    pub runtime_errors: Vec<RuntimeError>,
    pub warnings: Vec<Warning>,
}

/// Parse a whole daemon log file (logrus text, journald short, syslog framing).
pub fn parse(text: &str) -> DaemonLogOutput {
    let _ = text;
    DaemonLogOutput::default()
}

/// Parse the message part of one daemon line whose framing (syslog or journal) was already
/// removed by the caller: `daemon` is the syslog tag (`dockerd`, `containerd`, `kubelet`),
/// `time` the framing's stamp. Returns `None` when the message is not worth keeping (debug
/// chatter); the caller decides that tags are daemon tags.
pub fn parse_message(
    daemon: &str,
    time: Option<WallClock>,
    message: &str,
    line: &Line,
) -> Option<DaemonRecord> {
    let _ = (daemon, time, message, line);
    None
}
