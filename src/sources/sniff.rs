//! Content sniffing, the machinery every format's sniffer shares: the head of an entry read
//! once ([`Head`]: cleaned lines, pasted prompt commands, the JSON shape), and the analyses
//! that several formats read (the framing most log lines share, the `Node 0, zone` tables).
//!
//! Customers rename files (`bi.txt`), paste command output into tickets (non-breaking spaces,
//! CRLF, a BOM, a `[root@host ~]# cat /proc/buddyinfo` prompt line, blank lines inside a table)
//! and send a `kern.log` that holds raw ring-buffer lines. Each format's sniffer (beside its
//! parser) looks for what the producing program always prints: a header, a line shape, a key.
//! Lines are compared after [`text::clean`], so pasted white space does not matter.
//!
//! A sniffer is strict: it answers with a [`Strength`] only for text its program writes. A
//! single number is nobody's `date` on its own, cgroup `memory.stat` is not `/proc/vmstat`.

use std::borrow::Cow;
use std::cell::OnceCell;

use regex::Regex;

use super::{SourceKind, SNIFF_BYTES};
use crate::parse::framing::{self, Syntax};
use crate::parse::text;

/// How sure a sniffer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// The content says this format and no other.
    Strong,
    /// The content fits this format but also another one; a path may overrule it.
    Weak,
    /// The content is what this format may hold, but says too little to name it: a file whose
    /// path names the format is read as it; a file of any other name is not.
    Plausible,
}

/// The broad shape of the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing but white space, header or prompt lines.
    Empty,
    /// NUL bytes: not text (a TZif file is binary too, and is recognised by its magic).
    Binary,
    /// A JSON document or JSON lines.
    Json,
    Text,
}

/// The first bytes of an entry, prepared once for every format's sniffer.
pub struct Head<'a> {
    raw: &'a [u8],
    shape: Shape,
    body: Vec<Cow<'a, str>>,
    /// The kind a pasted prompt line's command names (`cat /proc/buddyinfo`, `free -mh`).
    hint: Option<SourceKind>,
    json: OnceCell<String>,
    node_zone: OnceCell<Option<(SourceKind, Strength)>>,
    logs: OnceCell<LogVote>,
    runtime_marker: OnceCell<bool>,
}

impl<'a> Head<'a> {
    /// The broad shape of the content.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The bytes as read.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The kind a pasted prompt line's command names.
    pub fn hint(&self) -> Option<SourceKind> {
        self.hint
    }

    /// The text lines, cleaned, without blank, header and prompt lines; none for JSON.
    pub fn lines(&self) -> impl Iterator<Item = &str> + Clone {
        let text = matches!(self.shape, Shape::Text);
        self.body.iter().filter(move |_| text).map(|l| l.as_ref())
    }

    /// How many text lines there are.
    pub fn line_count(&self) -> usize {
        if self.shape == Shape::Text {
            self.body.len()
        } else {
            0
        }
    }

    /// The first text line.
    pub fn first(&self) -> Option<&str> {
        self.lines().next()
    }

    /// The JSON text, joined; `None` when the content is not JSON.
    pub fn json(&self) -> Option<&str> {
        (self.shape == Shape::Json).then(|| self.json.get_or_init(|| self.body.join("\n")).as_str())
    }

    /// Whether the JSON content has `key` as an object key.
    pub fn has_key(&self, key: &str) -> bool {
        self.json().is_some_and(|j| has_key(j, key))
    }

    /// What the `Node N, zone X` lines say: zoneinfo, buddyinfo, or an index table.
    pub fn node_zone(&self) -> Option<(SourceKind, Strength)> {
        *self.node_zone.get_or_init(|| sniff_node_zone(&self.body))
    }

    /// The framing most lines share.
    pub fn logs(&self) -> &LogVote {
        self.logs.get_or_init(|| LogVote::count(self.lines()))
    }

    /// Whether a line holds runtime error text (`oci runtime error`, `Error response from
    /// daemon`, ...).
    pub fn runtime_marker(&self) -> bool {
        *self
            .runtime_marker
            .get_or_init(|| self.lines().any(has_runtime_error_marker))
    }

    /// Whether the text reads as kernel messages without a timestamp.
    pub fn kernel_text(&self) -> bool {
        self.shape == Shape::Text && looks_like_kernel_text(&self.body)
    }
}

/// Prepare the first bytes of an entry and hand them to `read`.
pub fn with_head<R>(head: &[u8], read: impl FnOnce(&Head<'_>) -> R) -> R {
    if head.contains(&0) && !head.starts_with(b"TZif") {
        // A log being written when the machine died often holds a run of NUL bytes where the
        // file system had reserved blocks the data never reached: text around NULs is text.
        if is_text_with_nuls(head) {
            let text: Vec<u8> = head.iter().copied().filter(|&b| b != 0).collect();
            return with_head(&text, read);
        }
        return read(&Head::new(head, Shape::Binary, Vec::new(), None));
    }
    if head.starts_with(b"TZif") {
        return read(&Head::new(head, Shape::Binary, Vec::new(), None));
    }
    let decoded = String::from_utf8_lossy(head);
    if let Some(plain) = text::unquoted(&decoded) {
        // Quoted whole in a ticket: sniffed as the program printed it.
        return with_head(plain.as_bytes(), read);
    }
    let prepared = Prepared::new(&decoded, head.len() >= SNIFF_BYTES);
    let hint = prepared.commands.iter().find_map(|c| kind_of_command(c));
    let shape = if prepared.body.is_empty() {
        Shape::Empty
    } else if prepared.looks_like_json() {
        Shape::Json
    } else {
        Shape::Text
    };
    read(&Head::new(head, shape, prepared.body, hint))
}

impl<'a> Head<'a> {
    fn new(
        raw: &'a [u8],
        shape: Shape,
        body: Vec<Cow<'a, str>>,
        hint: Option<SourceKind>,
    ) -> Head<'a> {
        Head {
            raw,
            shape,
            body,
            hint,
            json: OnceCell::new(),
            node_zone: OnceCell::new(),
            logs: OnceCell::new(),
            runtime_marker: OnceCell::new(),
        }
    }
}

/// The head split into meaningful lines: cleaned, without blank lines, without the two
/// `# source:` / `# note:` header lines that published samples carry, and with pasted prompt
/// lines set aside as commands.
struct Prepared<'a> {
    body: Vec<Cow<'a, str>>,
    commands: Vec<String>,
}

impl<'a> Prepared<'a> {
    fn new(decoded: &'a str, truncated: bool) -> Prepared<'a> {
        let mut raw: Vec<&str> = text::numbered_lines(decoded).map(|(_, l)| l).collect();
        // A head cut at the sniff limit ends mid-line; that partial line would mislead rules
        // that look at every line.
        if truncated && raw.len() > 1 {
            raw.pop();
        }
        let mut body = Vec::new();
        let mut commands = Vec::new();
        let mut at_start = true;
        for line in raw {
            let cleaned = text::clean(line);
            if cleaned.is_empty() {
                continue;
            }
            if at_start && (cleaned.starts_with("# source:") || cleaned.starts_with("# note:")) {
                continue;
            }
            at_start = false;
            if is_prompt(&cleaned) {
                commands.push(prompt_command(&cleaned).to_string());
                continue;
            }
            body.push(cleaned);
        }
        Prepared { body, commands }
    }

    fn looks_like_json(&self) -> bool {
        let Some(first) = self.body.first() else {
            return false;
        };
        if first.starts_with('{') {
            return true;
        }
        match first.strip_prefix('[') {
            Some(rest) => {
                let rest = rest.trim_start();
                rest.is_empty() || rest.starts_with(['{', '"', ']'])
            }
            None => false,
        }
    }
}

/// A pasted shell prompt line, but not a slabinfo column header (`# name <active_objs> ...`).
fn is_prompt(line: &str) -> bool {
    !line.starts_with("# name") && text::is_prompt_line(line)
}

/// The command part of a prompt line: `[root@host ~]# cat /proc/buddyinfo` -> `cat /proc/buddyinfo`.
pub(crate) fn prompt_command(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("COMMAND>") {
        return rest.trim();
    }
    if let Some(rest) = line.strip_prefix("$ ").or_else(|| line.strip_prefix("# ")) {
        return rest.trim();
    }
    if line.starts_with('[') {
        if let Some(end) = line.find("]#").or_else(|| line.find("]$")) {
            return line.get(end + 2..).unwrap_or("").trim();
        }
    }
    match line.find("# ").or_else(|| line.find("$ ")) {
        Some(pos) => line.get(pos + 2..).unwrap_or("").trim(),
        None => "",
    }
}

/// The kind of output a command line produces, when it is one we read.
pub(crate) fn kind_of_command(command: &str) -> Option<SourceKind> {
    use SourceKind as K;
    let first_stage = command.split('|').next().unwrap_or("");
    let mut words: Vec<&str> = text::fields(first_stage).collect();
    while let Some(&w) = words.first() {
        if w == "sudo" || w == "command" || w.contains('=') {
            words.remove(0);
        } else {
            break;
        }
    }
    let program = words.first().map(|w| w.rsplit('/').next().unwrap_or(w))?;
    let args: Vec<&str> = words.iter().skip(1).copied().collect();
    let operands: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sub = operands.first().copied().unwrap_or("");
    match program {
        "free" => Some(K::Free),
        "uname" => Some(K::Uname),
        "uptime" => Some(K::Uptime),
        "date" => Some(K::Date),
        "dmesg" => Some(K::Dmesg),
        "slabtop" => Some(K::Slabtop),
        "sysctl" => Some(K::Sysctl),
        "hostname" => Some(K::Hostname),
        "timedatectl" => Some(K::Timezone),
        "runc" | "containerd" | "crictl"
            if args.iter().any(|a| a.contains("version")) || sub == "version" =>
        {
            Some(K::RuntimeVersion)
        }
        "journalctl" => {
            let daemon = ["docker", "containerd", "kubelet", "crio"]
                .iter()
                .any(|d| args.iter().any(|a| a.contains(d)));
            Some(if daemon { K::DaemonLog } else { K::Journal })
        }
        "docker" | "podman" | "nerdctl" => match sub {
            "events" => Some(K::DockerEvents),
            "inspect" => Some(K::ContainerInspect),
            "container" if operands.get(1) == Some(&"inspect") => Some(K::ContainerInspect),
            "system" if operands.get(1) == Some(&"events") => Some(K::DockerEvents),
            "run" | "start" | "create" | "exec" => Some(K::RuntimeError),
            "version" | "info" => Some(K::RuntimeVersion),
            "container" if matches!(operands.get(1), Some(&("run" | "start" | "create"))) => {
                Some(K::RuntimeError)
            }
            _ => None,
        },
        "cat" | "less" | "more" | "head" | "tail" | "zcat" | "xzcat" | "bzcat" => {
            operands.first().and_then(|p| super::kind_by_path(p))
        }
        "grep" | "egrep" | "zgrep" => operands
            .last()
            .filter(|_| operands.len() >= 2)
            .and_then(|p| super::kind_by_path(p)),
        "kubectl" | "oc" => {
            let object = operands
                .get(1)
                .map_or("", |o| o.split('/').next().unwrap_or(o));
            let pod = matches!(object, "po" | "pod" | "pods");
            match sub {
                "describe" if pod => Some(K::KubectlDescribePod),
                "describe" if matches!(object, "no" | "node" | "nodes") => {
                    Some(K::KubectlDescribeNode)
                }
                "get" if pod => Some(K::KubePod),
                "get" if matches!(object, "ev" | "event" | "events") => Some(K::KubeEvents),
                "events" => Some(K::KubeEvents),
                _ => None,
            }
        }
        "crictl" => match sub {
            "ps" => Some(K::CrictlPs),
            "inspect" => Some(K::CrictlInspect),
            _ => None,
        },
        _ => None,
    }
}

fn strong(kind: SourceKind) -> Option<(SourceKind, Strength)> {
    Some((kind, Strength::Strong))
}

fn weak(kind: SourceKind) -> Option<(SourceKind, Strength)> {
    Some((kind, Strength::Weak))
}

/// Whether `json` has `key` as an object key (`"key"` followed by a colon).
fn has_key(json: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    let mut rest = json;
    while let Some(pos) = rest.find(&quoted) {
        let after = rest.get(pos + quoted.len()..).unwrap_or("");
        if after.trim_start().starts_with(':') {
            return true;
        }
        rest = after;
    }
    false
}

/// Compile one of the literal patterns below; the unit tests compile every one of them.
///
/// Their digits are ASCII (`[0-9]`, not `\d`): the programs that write these files print no
/// others, and Unicode's hundreds of digit ranges made compiling the patterns most of the time
/// a small bundle took.
pub(crate) fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a literal pattern of the sniffing rules")
}

/// A sniffing pattern, compiled on first use: `sniff_regex!(NAME, r"...")`.
macro_rules! sniff_regex {
    ($name:ident, $re:expr) => {
        static $name: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| $crate::sources::sniff::compile($re));
    };
}
pub(crate) use sniff_regex;
use sniff_regex as regex;

regex!(NODE_ZONE, r"^Node\s+[0-9]+,\s*zone\s+\S+(.*)$");
regex!(
    EVENT_PODMAN,
    r"^[0-9]{4}-[0-9][0-9]-[0-9][0-9]\s+[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]+)?\s+[+-][0-9]{4}\s+\S+\s+(?:container|image|pod|volume|network|system)\s+\S+"
);
regex!(
    EVENT_TEXT,
    r"^[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\S*\s+(?:container|image|network|volume|plugin|service|node|secret|config|daemon|builder|pod)\s+\S+"
);
regex!(
    EVENT_LEGACY,
    r"^[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\S*\s+\S+:\s+\(from\s+[^)]*\)\s+\S+"
);
regex!(LOGRUS, r#"(?:^|\s)time="[^"]*"\s+level=[0-9A-Za-z_]+"#);
regex!(
    KLOG,
    r"^[IWEF][0-9]{4}\s+[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+\s+[0-9]+\s+\S+:[0-9]+\]"
);

/// `Node 0, zone  Normal ...` lines: zoneinfo, buddyinfo, extfrag_index or unusable_index.
fn sniff_node_zone(body: &[Cow<'_, str>]) -> Option<(SourceKind, Strength)> {
    use SourceKind as K;
    let mut buddy = 0usize;
    let mut frag_lines = 0usize;
    let mut extfrag_evidence = 0usize;
    let mut unusable_evidence = 0usize;
    for (i, line) in body.iter().enumerate() {
        let Some(caps) = NODE_ZONE.captures(line) else {
            continue;
        };
        let rest = caps.get(1).map_or("", |m| m.as_str());
        let values: Vec<&str> = text::fields(rest).collect();
        if values.is_empty() {
            let next = body.get(i + 1).map(|l| l.as_ref()).unwrap_or("");
            if next.starts_with("pages free") || next.starts_with("per-node stats") {
                return strong(K::Zoneinfo);
            }
            continue;
        }
        if values.iter().all(|v| v.parse::<u64>().is_ok()) {
            buddy += 1;
            continue;
        }
        if !values.iter().all(|v| is_index_value(v)) {
            continue;
        }
        frag_lines += 1;
        let negative = values.iter().any(|v| v.starts_with('-'));
        // extfrag_index prints each value as `%2d.%03d `, so a non-negative value follows two
        // spaces; unusable_index prints `%d.%03d ` with one.
        let wide = rest
            .as_bytes()
            .windows(3)
            .any(|w| w[0] == b' ' && w[1] == b' ' && w[2].is_ascii_digit());
        let reaches_one = values.iter().any(|v| index_thousandths(v) >= Some(1000));
        // unusable_index at order 0 is 0.000 (or 1.000 with no free page at all); extfrag at
        // order 0 is -1.000, or 0.000 only when the zone has no free block, and then every
        // order is 0.000.
        let zero_then_positive = values.first() == Some(&"0.000")
            && values
                .iter()
                .skip(1)
                .any(|v| index_thousandths(v) > Some(0));
        if negative || wide {
            extfrag_evidence += 1;
        }
        if reaches_one || zero_then_positive {
            unusable_evidence += 1;
        }
    }
    if buddy > 0 && frag_lines == 0 {
        return strong(K::Buddyinfo);
    }
    if frag_lines == 0 {
        return None;
    }
    match (extfrag_evidence, unusable_evidence) {
        (e, 0) if e > 0 => strong(K::ExtfragIndex),
        (0, u) if u > 0 => strong(K::UnusableIndex),
        (e, u) if e > u => weak(K::ExtfragIndex),
        // No telling value: values in 0.000..1.000 printed without a sign column are how
        // unusable_index looks.
        _ => weak(K::UnusableIndex),
    }
}

fn is_index_value(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    match digits.split_once('.') {
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.len() == 3
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// An index value in thousandths (`0.919` -> 919), for non-negative values.
fn index_thousandths(v: &str) -> Option<u32> {
    let (int, frac) = v.split_once('.')?;
    let int: u32 = int.parse().ok()?;
    let frac: u32 = frac.parse().ok()?;
    int.checked_mul(1000)?.checked_add(frac)
}

/// The framing of one log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Dmesg,
    Syslog,
    /// journalctl short-precise (`Jan 23 20:10:01.123456 host tag:`) or short-monotonic.
    JournalOnly,
    /// An ISO stamp, host and tag: journalctl short-iso, or rsyslog's RFC 3339 file format.
    IsoHostTag,
    DockerEvent,
    Daemon,
}

impl Framing {
    /// Every framing, in the order [`LogVote`] prefers on a tie.
    const ALL: [Framing; 6] = [
        Framing::Dmesg,
        Framing::Syslog,
        Framing::JournalOnly,
        Framing::IsoHostTag,
        Framing::DockerEvent,
        Framing::Daemon,
    ];
}

fn framing(line: &str) -> Option<Framing> {
    // Docker events carry an RFC 3339 stamp too: told apart before the log framings.
    let first = *line.as_bytes().first()?;
    if first.is_ascii_digit()
        && (EVENT_TEXT.is_match(line) || EVENT_LEGACY.is_match(line) || EVENT_PODMAN.is_match(line))
    {
        return Some(Framing::DockerEvent);
    }
    match framing::syntax(line) {
        Some(Syntax::Ring) => return Some(Framing::Dmesg),
        Some(Syntax::Syslog) => return Some(Framing::Syslog),
        Some(Syntax::SyslogPrecise | Syntax::Journal) => return Some(Framing::JournalOnly),
        Some(Syntax::Iso) => return Some(Framing::IsoHostTag),
        Some(Syntax::Bare | Syntax::JournalRecord) | None => {}
    }
    if LOGRUS.is_match(line) || KLOG.is_match(line) {
        return Some(Framing::Daemon);
    }
    None
}

fn is_journal_header(line: &str) -> bool {
    // `journalctl -o export` starts every entry with its cursor and timestamps.
    line.starts_with("__CURSOR=s=")
        || line.starts_with("__REALTIME_TIMESTAMP=")
        || line.starts_with("-- Logs begin at")
        || line.starts_with("-- Journal begins at")
        || line.starts_with("-- No entries --")
        || line.starts_with("-- Reboot --")
        || (line.starts_with("-- Boot ") && line.ends_with(" --"))
}

/// The framings of a log's lines, counted: kernel, syslog, journal, docker events and daemon
/// logs are told apart by the framing most lines share.
#[derive(Debug, Clone, Default)]
pub struct LogVote {
    /// A journalctl header line (`-- Logs begin at`, `-- Boot ... --`, an export cursor).
    pub journal_header: bool,
    counts: [usize; 6],
    lines: usize,
}

impl LogVote {
    fn count<'l>(lines: impl Iterator<Item = &'l str>) -> LogVote {
        let mut vote = LogVote::default();
        for line in lines {
            vote.lines += 1;
            if is_journal_header(line) {
                vote.journal_header = true;
            }
            if let Some(f) = framing(line) {
                if let Some(c) = vote.counts.get_mut(f as usize) {
                    *c += 1;
                }
            }
        }
        vote
    }

    /// The framing most lines share, when enough of them do.
    pub fn winner(&self) -> Option<Framing> {
        let (slot, best) = self
            .counts
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(i, c)| (c, std::cmp::Reverse(i)))?;
        // Multi-line kernel reports have unstamped continuation lines, and pasted logs carry
        // prose around them: a third of the lines, or five, is enough.
        if best == 0 || (best * 3 < self.lines && best < 5) {
            return None;
        }
        Framing::ALL.get(slot).copied()
    }

    /// How many lines have `framing`.
    pub fn lines_in(&self, framing: Framing) -> usize {
        self.counts.get(framing as usize).copied().unwrap_or(0)
    }
}

fn has_runtime_error_marker(line: &str) -> bool {
    const MARKERS: &[&str] = &[
        "oci runtime error",
        "oci runtime create failed",
        "oci runtime start failed",
        "oci runtime exec failed",
        "starting container process caused",
        "error response from daemon",
        "failed to unshare namespaces",
        "failed to create shim",
        "runc create failed",
        "running exec setns process",
        "container_linux.go:",
        "process_linux.go:",
    ];
    let lower = line.to_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

/// Kernel messages without a timestamp (`printk.time` off, or text copied from a report).
fn looks_like_kernel_text(body: &[Cow<'_, str>]) -> bool {
    const TELLING: &[&str] = &[
        "Linux version ",
        "page allocation failure",
        "Call Trace:",
        "invoked oom-killer",
        "Out of memory: Kill",
        "Out of memory: Killed",
        "Killed process ",
        "Memory cgroup out of memory",
        "oom-kill:constraint=",
        "Mem-Info:",
        "lowmem_reserve[]:",
        "SLUB: Unable to allocate",
        "kmem_cache_create(",
        "Unable to create nf_conn",
        "Kernel panic",
        "BUG: ",
        "Tainted: ",
        "mems_allowed=",
        "pages reserved",
        "total pagecache pages",
        // A hung task's report, which a console without `printk.time` prints bare.
        "blocked for more than ",
        "hung_task_timeout_secs",
    ];
    const USUAL: &[&str] = &[
        "entered disabled state",
        "entered forwarding state",
        "entered blocking state",
        "promiscuous mode",
        "Dropping TSO",
        "MSI/MSI-X",
        "irq_desc",
        "ANSI: ",
        "link is not ready",
        "link becomes ready",
        "NETDEV_UP",
        "EXT4-fs",
        "XFS (",
        "SELinux: ",
        "Freeing unused kernel memory",
        "BIOS-e820",
        "Kernel command line:",
        "nf_conntrack: ",
        "renamed from veth",
    ];
    let mut telling = 0usize;
    let mut usual = 0usize;
    let mut stamped = 0usize;
    for line in body {
        let l = line.as_ref();
        if TELLING.iter().any(|k| l.contains(k)) {
            telling += 1;
        }
        if USUAL.iter().any(|k| l.contains(k)) {
            usual += 1;
        }
        if framing::syntax(l) == Some(Syntax::Ring) {
            stamped += 1;
        }
    }
    telling >= 1 || usual >= 3 || (stamped >= 1 && usual >= 1)
}

/// Whether bytes with NULs in them are otherwise text: at least one line of it, and almost no
/// other control bytes (an executable or compressed data has plenty).
fn is_text_with_nuls(head: &[u8]) -> bool {
    let mut text = 0usize;
    let mut control = 0usize;
    let mut newlines = 0usize;
    for &b in head {
        match b {
            0 => {}
            b'\n' => {
                newlines += 1;
                text += 1;
            }
            b'\t' | b'\r' | 0x0c | 0x1b => text += 1,
            0x01..=0x1f | 0x7f => control += 1,
            _ => text += 1,
        }
    }
    newlines > 0 && text >= 16 && control.saturating_mul(100) <= text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<(SourceKind, Strength)> {
        with_head(text.as_bytes(), |h| h.node_zone())
    }

    #[test]
    fn prompt_commands_name_kinds() {
        use SourceKind as K;
        let cases: &[(&str, Option<SourceKind>)] = &[
            ("cat /proc/buddyinfo", Some(K::Buddyinfo)),
            (
                "cat /sys/kernel/debug/extfrag/extfrag_index",
                Some(K::ExtfragIndex),
            ),
            (
                "sudo cat /sys/kernel/debug/extfrag/unusable_index",
                Some(K::UnusableIndex),
            ),
            ("cat /proc/vmstat | grep compact", Some(K::Vmstat)),
            ("free -mh", Some(K::Free)),
            ("uname -a", Some(K::Uname)),
            ("dmesg | tail -n 5", Some(K::Dmesg)),
            ("docker events --since 1h", Some(K::DockerEvents)),
            ("docker container inspect web", Some(K::ContainerInspect)),
            ("docker run -m 256m nginx", Some(K::RuntimeError)),
            ("journalctl -u docker --no-pager", Some(K::DaemonLog)),
            ("journalctl -k", Some(K::Journal)),
            ("grep -i fail /var/log/messages", Some(K::Syslog)),
            ("cat extfrag_threshold", None),
            ("python /waste_memory.py", None),
            ("", None),
        ];
        for (command, want) in cases {
            assert_eq!(kind_of_command(command), *want, "{command}");
        }
    }

    #[test]
    fn prompt_command_extraction() {
        assert_eq!(
            prompt_command("[root@beta_004 ~]# cat /proc/buddyinfo"),
            "cat /proc/buddyinfo"
        );
        assert_eq!(prompt_command("root@host:~# dmesg"), "dmesg");
        assert_eq!(prompt_command("COMMAND> uname -a"), "uname -a");
        assert_eq!(prompt_command("$ free -m"), "free -m");
        assert_eq!(prompt_command("# free -m"), "free -m");
    }

    #[test]
    fn index_values() {
        assert!(is_index_value("-1.000"));
        assert!(is_index_value("0.919"));
        assert!(!is_index_value("0.91"));
        assert!(!is_index_value("12"));
        assert_eq!(index_thousandths("0.919"), Some(919));
        assert_eq!(index_thousandths("1.000"), Some(1000));
        assert_eq!(index_thousandths("-1.000"), None);
    }

    #[test]
    fn extfrag_and_unusable_are_told_apart() {
        use SourceKind as K;
        // The kernel's own spacing: `%2d.%03d ` leaves two spaces before a positive value.
        let extfrag = "Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000  0.919  0.960 \n";
        assert_eq!(kind(extfrag), Some((K::ExtfragIndex, Strength::Strong)));
        let extfrag_positive_only = "Node 0, zone   Normal  0.919  0.960  0.980 \n";
        assert_eq!(
            kind(extfrag_positive_only),
            Some((K::ExtfragIndex, Strength::Strong))
        );
        let unusable = "Node 0, zone   Normal 0.000 0.664 0.851 0.994 1.000 1.000 \n";
        assert_eq!(kind(unusable), Some((K::UnusableIndex, Strength::Strong)));
        let ambiguous = "Node 0, zone   Normal 0.000 0.000 0.000\n";
        assert_eq!(kind(ambiguous), Some((K::UnusableIndex, Strength::Weak)));
    }

    #[test]
    fn regexes_compile() {
        for re in [
            &NODE_ZONE,
            &EVENT_TEXT,
            &EVENT_LEGACY,
            &LOGRUS,
            &KLOG,
            &EVENT_PODMAN,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }
}
