//! Container runtime error text, wherever it appears: daemon logs, `docker run` output pasted
//! into a ticket, `State.Error` of an inspect document, docker events, syslog.
//!
//! The shapes recognised:
//! - runc of 2016-2019 through docker: `oci runtime error: container_linux.go:262: starting
//!   container process caused "process_linux.go:247: running exec setns process for init caused
//!   \"exit status 34\""` and `OCI runtime create failed: container_linux.go:349: ...`, often
//!   wrapped in `Error response from daemon: ` (sometimes twice);
//! - runc's nsexec stderr: `nsenter: failed to unshare namespaces: Cannot allocate memory`
//!   (runc up to 1.0.0-rc8), `nsexec[1234]: failed to unshare namespaces: Invalid argument` and
//!   `FATA[0000] nsexec-1[4321]: ...` (later runc), or the step alone as docker events and
//!   messages repeat it;
//! - the parent side of a dead child: `getting the final child's pid from pipe caused EOF`,
//!   `can't get final child's PID from pipe: EOF`;
//! - cgroup creation: `mkdir /sys/fs/cgroup/memory/...: no space left on device` or `cannot
//!   allocate memory`;
//! - the daemon's own set-up of a start, before runc runs: `failed to create endpoint <name> on
//!   network <net>: failed to add the host (vethA) <=> sandbox (vethB) pair interfaces: cannot
//!   allocate memory`, `failed to set up container networking: ...`, `error creating overlay
//!   mount to <path>: ...`, with the errno text Go prints last;
//! - exec into a running container: `OCI runtime exec failed: exec failed: ...` (which says
//!   `starting container process caused` or `unable to start container process` too, about
//!   the exec'd process), a probe's `ExecSync ... failed`. An exec failure is never a start
//!   failure: the container was running.
//!
//! `exit status N` is kept as printed and never read as an errno: in runc before 1.0.0-rc9 it is
//! the ordinal of the `bail()` call site in that build's nsexec.c. The errno is the text after
//! the failed step.
//!
//! [`scan_line`] runs on every line of every log, so a line is first checked for a handful of
//! fixed substrings with `memchr::memmem`; the regular expressions only run on lines that hold
//! one.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::Regex;

use crate::facts::{Line, RuntimeError, RuntimeErrorKind, SetupStep, WallClock};
use crate::parse::docker_events::parse_rfc3339;
use crate::parse::literals::Literals;
use crate::parse::text::numbered_lines;
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

/// Substrings one of which every recognised runtime error contains: [`RUNTIME_TRIGGERS`] and
/// [`DAEMON_TRIGGERS`].
pub const TRIGGER_LITERALS: &[&str] = &[
    "untime error",
    "OCI runtime",
    "container process caused",
    "container init caused",
    "nsenter",
    "nsexec",
    "failed to unshare",
    "final child",
    "mkdir /sys/fs/cgroup",
    "_linux.go:",
    "Cannot start container",
    "failed to create endpoint",
    "container networking",
    "error creating overlay mount",
    "failed programming external connectivity",
];

/// The triggers of the runtime's own text (runc, the OCI runtime's errors as any program
/// quotes them): looked for in every message. Other scanners that run first (the kernel log's
/// prefilter) include them in their own literal search.
pub const RUNTIME_TRIGGERS: &[&str] = TRIGGER_LITERALS.split_at(10).0;

/// The triggers of errors only the container daemon prints (a start it could not make, its
/// own set-up of the network and the overlay mount): looked for in the daemon's messages, and
/// in text of unknown source, not in the kernel's nor in other programs' syslog lines.
pub const DAEMON_TRIGGERS: &[&str] = TRIGGER_LITERALS.split_at(10).1;

/// [`TRIGGER_LITERALS`] searched at once: every line of every log passes through
/// [`scan_line`], and almost none of them is an error.
static TRIGGERS: LazyLock<Literals> = LazyLock::new(|| Literals::new(TRIGGER_LITERALS));

static RUNTIME_ONLY: LazyLock<Literals> = LazyLock::new(|| Literals::new(RUNTIME_TRIGGERS));

/// Whether `message` may hold a runtime error: the cheap test to run before building anything.
pub fn may_match(message: &str) -> bool {
    TRIGGERS.is_match(message.as_bytes())
}

/// Whether `message` may hold an error of the runtime's own ([`RUNTIME_TRIGGERS`]).
pub fn may_match_runtime(message: &str) -> bool {
    RUNTIME_ONLY.is_match(message.as_bytes())
}

/// Substrings of an exec into a running container: they win over the start markers, which an
/// exec error holds too (`OCI runtime exec failed: exec failed: unable to start container
/// process: ...` is about the exec'd process).
static EXEC_FAILURE_MARKERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
    ["exec failed", "ExecSync", "failed to exec in container"]
        .iter()
        .map(|s| Finder::new(s.as_bytes()).into_owned())
        .collect()
});

static START_FAILURE_MARKERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
    [
        "oci runtime error",
        "OCI runtime",
        "starting container process caused",
        "container init caused",
        "Cannot start container",
        "nsenter:",
        "nsexec",
        "failed to unshare",
    ]
    .iter()
    .map(|s| Finder::new(s.as_bytes()).into_owned())
    .collect()
});

fn re(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(r) => r,
        // The patterns are constants of this file; a test compiles every one of them.
        Err(e) => panic!("invalid built-in pattern {pattern:?}: {e}"),
    }
}

static EXIT_STATUS: LazyLock<Regex> = LazyLock::new(|| re(r"exit status ([0-9]{1,9})\b"));
static GO_LOCATION: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Za-z0-9_]+\.go:[0-9]+)"));
/// `nsenter: STEP: ERRNO`, `nsexec[123]: STEP: ERRNO`, `nsexec-1[123]: STEP: ERRNO`.
static NSEXEC_STEP: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?:nsenter|nsexec(?:-[0-9]+)?(?:\[[0-9]+\])?): ([^:"\\\n]+?): ([^"\\\n]+)"#)
});
/// `failed to unshare namespaces: ERRNO` without a prefix.
static UNSHARE_STEP: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(failed to unshare(?: [a-z]+)*): ([^"\\\n:]+)"#));
static CGROUP_MKDIR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"mkdir (/sys/fs/cgroup/[^:"\\\s]+): ((?i:no space left on device|cannot allocate memory))"#,
    )
});
static FINAL_CHILD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(getting the final child's pid from pipe caused|can't get final child's PID from pipe)[\s:\\"]*(EOF)?"#,
    )
});
/// The daemon's network set-up of a start: `failed to create endpoint NAME on network NET: ...`
/// (libnetwork), the wrapper `failed to set up container networking: ...` of later daemons, or
/// the published ports: `driver failed programming external connectivity on endpoint NAME
/// (ID): Bind for 0.0.0.0:8080 failed: port is already allocated`. The first group is the
/// endpoint, which libnetwork names after the container.
static ENDPOINT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:failed to set up container networking: )?(?:failed to create endpoint|driver failed programming external connectivity on endpoint) ([^\s:"\\]+)(?: on network [^\s:"\\]+| \([0-9a-f]+\))?|failed to set up container networking"#,
    )
});
/// `error creating overlay mount to /var/lib/docker/overlay2/<id>/merged: ...` (overlay2).
static OVERLAY_MOUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"error creating overlay mount to ([^\s:"\\]+)"#));
/// The errno texts Go prints (`syscall.Errno.Error()`), as the last words of a set-up error.
static ERRNO_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i):\s*(cannot allocate memory|no space left on device|invalid argument|no such file or directory|device or resource busy|operation not permitted|permission denied|file exists|too many open files|resource temporarily unavailable|address already in use|numerical result out of range)[.\s"\\]*$"#,
    )
});
static CONTAINER_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:Cannot start container|Error starting container|failed to start containers?:?) ([A-Za-z0-9][A-Za-z0-9_.-]*?):?(?:\s|$)|/containers/([A-Za-z0-9][A-Za-z0-9_.-]*)/(?:start|restart|create|attach|wait)\b"#,
    )
});

/// Scan a whole text (pasted CLI output, an unknown file) for runtime errors, one per line.
pub fn parse(text: &str) -> Parsed<Vec<RuntimeError>> {
    let mut scanner = LineScanner::default();
    for (no, raw) in numbered_lines(text) {
        scanner.push_line(no, raw);
    }
    scanner.finish()
}

/// [`parse`] fed one line at a time, for texts too large to hold.
#[derive(Debug, Default)]
pub struct LineScanner {
    found: Vec<RuntimeError>,
    /// Reused evidence line, so that ordinary lines allocate nothing.
    scratch: Line,
}

impl LineScanner {
    /// Scan line `no` (1-based, without its line end).
    pub fn push_line(&mut self, no: u32, raw: &str) {
        self.scratch.no = no;
        self.scratch.text.clear();
        self.scratch.text.push_str(raw);
        if let Some(mut e) = scan_line(&self.scratch, raw) {
            e.time = leading_time(raw);
            self.found.push(e);
        }
    }

    pub fn finish(self) -> Parsed<Vec<RuntimeError>> {
        Parsed::new(self.found, Vec::new())
    }
}

/// Read one line (or one message of a line) as a runtime error, when it is one. `message` is
/// what is matched (a log message with its escapes removed, or the line itself); `line` is the
/// evidence. The time is left to the caller, who knows the line's framing.
pub fn scan_line(line: &Line, message: &str) -> Option<RuntimeError> {
    let hay = message.as_bytes();
    if !may_match(message) {
        return None;
    }
    let mut err = RuntimeError {
        line: line.clone(),
        time: None,
        kind: RuntimeErrorKind::Other,
        exit_status: None,
        failed_step: None,
        errno_text: None,
        cgroup_path: None,
        go_locations: Vec::new(),
        container: None,
        setup: None,
        pod: None,
        pod_uid: None,
    };
    let exec_failure = EXEC_FAILURE_MARKERS.iter().any(|f| f.find(hay).is_some());
    let start_failure = START_FAILURE_MARKERS.iter().any(|f| f.find(hay).is_some());
    let endpoint = ENDPOINT.captures(message);
    let overlay = OVERLAY_MOUNT.captures(message);
    if exec_failure {
        err.kind = RuntimeErrorKind::ExecFailure;
    } else if let Some(c) = CGROUP_MKDIR.captures(message) {
        err.kind = RuntimeErrorKind::CgroupCreate;
        err.cgroup_path = Some(c[1].to_string());
        err.errno_text = Some(c[2].to_string());
    } else if endpoint.is_some() || overlay.is_some() {
        err.kind = RuntimeErrorKind::StartFailure;
        err.setup = Some(if endpoint.is_some() {
            SetupStep::Network
        } else {
            SetupStep::Mount
        });
        // The step is what Go printed before the errno; the errno is its last words.
        if let Some(tail) = ERRNO_TAIL.captures(message) {
            let at = tail.get(0).map_or(message.len(), |m| m.start());
            let start = endpoint
                .as_ref()
                .and_then(|c| c.get(0))
                .or_else(|| overlay.as_ref().and_then(|c| c.get(0)))
                .map_or(0, |m| m.start());
            err.failed_step = message.get(start..at).map(|s| s.trim().to_string());
            err.errno_text = Some(tail[1].to_string());
        } else {
            // Without an errno the error is kept from the step to its end: its last words
            // (`port is already allocated`, `could not find bridge docker0`) are the reason.
            err.failed_step = endpoint
                .as_ref()
                .and_then(|c| c.get(0))
                .or_else(|| overlay.as_ref().and_then(|c| c.get(0)))
                .and_then(|m| message.get(m.start()..))
                .map(error_to_its_end);
        }
        // libnetwork names the endpoint after the container.
        err.container = endpoint
            .as_ref()
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string());
    } else if start_failure {
        err.kind = RuntimeErrorKind::StartFailure;
    }
    if err.setup.is_some() {
        return Some(err);
    }
    if exec_failure {
        err.failed_step = exec_reason(message);
    } else if let Some((step, errno)) = process_start_reason(message) {
        err.failed_step = Some(step);
        err.errno_text = errno;
        err.setup = Some(SetupStep::Process);
    }
    if let Some(c) = NSEXEC_STEP.captures(message) {
        err.failed_step = Some(c[1].trim().to_string());
        err.errno_text = Some(clean_errno(&c[2]));
    } else if let Some(c) = UNSHARE_STEP.captures(message) {
        err.failed_step = Some(c[1].trim().to_string());
        err.errno_text = Some(clean_errno(&c[2]));
    } else if err.failed_step.is_none() {
        if let Some(c) = FINAL_CHILD.captures(message) {
            err.failed_step = Some(c[1].to_string());
            err.errno_text = c.get(2).map(|m| m.as_str().to_string());
        }
    }
    err.exit_status = EXIT_STATUS
        .captures(message)
        .and_then(|c| c[1].parse::<i32>().ok());
    for c in GO_LOCATION.captures_iter(message) {
        let loc = c[1].to_string();
        if !err.go_locations.contains(&loc) {
            err.go_locations.push(loc);
        }
    }
    err.container = CONTAINER_NAMED.captures(message).and_then(|c| {
        c.get(1)
            .or_else(|| c.get(2))
            .map(|m| m.as_str().to_string())
    });
    kube_names(&mut err, message);
    let recognised = err.kind != RuntimeErrorKind::Other
        || err.failed_step.is_some()
        || (!err.go_locations.is_empty() && err.exit_status.is_some());
    recognised.then_some(err)
}

/// The pod and container a kubelet line names around the runtime error it quotes, into `err`
/// (its container only when nothing else named one):
/// - structured klog (1.21+): `pod="<namespace>/<name>"`, `podUID=<uid>`,
///   `containerName="<name>"`;
/// - the container of a failed start, `failed to "StartContainer" for "<name>" with ...`, its
///   quotes escaped or not;
/// - the older pod form `<name>_<namespace>(<uid>)` after `Error syncing pod <uid> ("...")` or
///   `start failed in pod `, and its container as `&Container{Name:<name>,`.
///
/// Runs only on lines already read as runtime errors.
fn kube_names(err: &mut RuntimeError, message: &str) {
    let quoted_after = |key: &str| {
        let at = message.find(key)? + key.len();
        let rest = message.get(at..)?;
        let end = rest.find(['"', '\\'])?;
        Some(rest[..end].to_string()).filter(|v| !v.is_empty())
    };
    let mut pod = quoted_after(" pod=\"");
    let mut pod_uid = message.find("podUID=").and_then(|at| {
        let rest = message.get(at + "podUID=".len()..)?.trim_start_matches('"');
        let end = rest.find(['"', ' ', ',']).unwrap_or(rest.len());
        Some(rest[..end].to_string()).filter(|v| !v.is_empty())
    });
    let container = quoted_after("containerName=\"")
        .or_else(|| quoted_after("StartContainer\\\" for \\\""))
        .or_else(|| quoted_after("StartContainer\" for \""))
        .or_else(|| {
            let at = message.find("&Container{Name:")? + "&Container{Name:".len();
            let rest = message.get(at..)?;
            Some(rest[..rest.find(',')?].to_string()).filter(|v| !v.is_empty())
        });
    // `name_namespace(uid)`, the older kubelet's pod.
    let old_form = ["Error syncing pod ", "start failed in pod "]
        .iter()
        .find_map(|key| {
            let rest = message.get(message.find(key)? + key.len()..)?;
            let rest = rest.split_once("(\"").map_or(rest, |(_, r)| r);
            let (named, after) = rest.split_once('(')?;
            let uid = after.split(')').next()?;
            let (name, namespace) = named.rsplit_once('_')?;
            Some((format!("{namespace}/{name}"), uid.to_string()))
        });
    if let Some((named, uid)) = old_form {
        pod = pod.or(Some(named));
        pod_uid = pod_uid.or(Some(uid));
    }
    if pod.is_none() && pod_uid.is_none() {
        return;
    }
    err.pod = pod;
    err.pod_uid = pod_uid;
    if err.container.is_none() {
        err.container = container;
    }
}

/// What an exec error says went wrong: the text after the last `exec failed: `, without the
/// `: unknown` gRPC tail and the quoting around it.
fn exec_reason(message: &str) -> Option<String> {
    let at = message.rfind("exec failed: ")?;
    let mut reason = &message[at + "exec failed: ".len()..];
    // The gRPC code ends the error; a structured log line adds its other fields after it.
    if let Some(cut) = reason.find(": unknown") {
        reason = &reason[..cut];
    }
    let reason = reason.trim().trim_end_matches(['.', '"', '\\']).trim_end();
    (!reason.is_empty()).then(|| reason.to_string())
}

/// Why runc could not start the container's own process, when that is what its error says:
/// `unable to start container process: exec: "dd": executable file not found in $PATH`
/// (runc 1.1), `starting container process caused: exec: ...` (runc 1.0) or `starting
/// container process caused "exec: \"app\": ...` (earlier): the step (`exec: "dd"`) and its
/// reason. The namespace steps (`running exec setns process for init`) are read elsewhere.
fn process_start_reason(message: &str) -> Option<(String, Option<String>)> {
    let at = [
        "unable to start container process: ",
        "starting container process caused",
    ]
    .iter()
    .find_map(|m| message.find(m).map(|i| i + m.len()))?;
    let rest = message[at..].trim_start_matches([':', ' ', '"', '\\']);
    if !(rest.starts_with("exec: ") || rest.starts_with("exec /")) {
        return None;
    }
    let mut reason = rest;
    if let Some(cut) = reason.find(": unknown") {
        reason = &reason[..cut];
    }
    let reason = reason.replace("\\\"", "\"");
    let reason = reason.trim().trim_end_matches(['.', '"', '\\']).trim_end();
    match PROCESS_START_ERRNO.captures(reason) {
        Some(c) => {
            let cut = c.get(0).map_or(reason.len(), |m| m.start());
            Some((reason[..cut].trim().to_string(), Some(c[1].to_string())))
        }
        None => (!reason.is_empty()).then(|| (reason.to_string(), None)),
    }
}

/// How runc says the process of a container could not be run: an errno or Go's `exec`
/// package's own words, as the last words of the error.
static PROCESS_START_ERRNO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i):\s*(executable file not found in \$PATH|no such file or directory|permission denied|exec format error|operation not permitted|cannot allocate memory|text file busy|not a directory|is a directory)$"#,
    )
});

/// A set-up error from its step to its end: up to a closing quote of the log field it was in,
/// without the full stop the CLI adds.
fn error_to_its_end(text: &str) -> String {
    let text = text.split('"').next().unwrap_or(text);
    text.trim()
        .trim_end_matches(['.', '\\'])
        .trim_end()
        .to_string()
}

/// The errno text as printed, without trailing punctuation or a trailing quote run.
fn clean_errno(s: &str) -> String {
    s.trim()
        .trim_end_matches(['.', ',', ';', '\'', ')'])
        .trim()
        .to_string()
}

/// A time at the start of a pasted line: an RFC 3339 first word or a logrus `time="..."`.
fn leading_time(line: &str) -> Option<WallClock> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("time=\"") {
        return rest.split_once('"').and_then(|(s, _)| parse_rfc3339(s));
    }
    let first = t.split_whitespace().next()?;
    if first.len() >= 20 && first.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        parse_rfc3339(first)
    } else {
        None
    }
}

/// Runtime or CLI error text, e.g. a pasted `docker run` error.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::RuntimeError,
    paths: Paths {
        sosreport: &[],
        collector: &[],
        supportconfig: &[],
        plain: &[
            "docker-run*",
            "docker_run*",
            "docker-start*",
            "docker_start*",
            "runtime-error*",
            "runtime_error*",
            "runc-error*",
            "oci-error*",
            "docker-error*",
        ],
    },
    // Error text is free prose: whatever a file so named holds is read for it.
    sniff: Some(|head| {
        if head.runtime_marker() {
            Some(Strength::Strong)
        } else {
            (head.line_count() > 0).then_some(Strength::Plausible)
        }
    }),
    parse: Parse::Lines(|| crate::parse::LineParser::Runtime(LineScanner::default())),
};

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &str) -> Option<RuntimeError> {
        scan_line(&Line::new(1, s), s)
    }

    // Verbatim from the incident write-up (the second line lacks its final quote, as published).
    const SEED_EVENT: &str = "\"failed to unshare namespaces: Cannot allocate memory\"";
    const SEED_START: &str = "启动容器失败:Error response from daemon: Error response from daemon: oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247:running exec setns process for init caused \\\"exit status 34\\\"\"";
    const SEED_MANUAL: &str = "Error response from daemon: Error response from daemon: oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247:running exec setns process for init caused \\\"exit status 34\\\"";

    #[test]
    fn all_patterns_compile() {
        for r in [
            &*EXIT_STATUS,
            &*GO_LOCATION,
            &*NSEXEC_STEP,
            &*UNSHARE_STEP,
            &*CGROUP_MKDIR,
            &*FINAL_CHILD,
            &*CONTAINER_NAMED,
            &*ENDPOINT,
            &*OVERLAY_MOUNT,
            &*ERRNO_TAIL,
        ] {
            assert!(!r.as_str().is_empty());
        }
    }

    #[test]
    fn seed_start_failure_lines() {
        for text in [SEED_START, SEED_MANUAL] {
            let e = scan(text).unwrap();
            assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
            assert_eq!(e.exit_status, Some(34));
            assert_eq!(
                e.go_locations,
                ["container_linux.go:262", "process_linux.go:247"]
            );
            assert_eq!(e.failed_step, None);
            assert_eq!(e.errno_text, None);
            assert_eq!(e.container, None);
        }
    }

    #[test]
    fn seed_unshare_line() {
        let e = scan(SEED_EVENT).unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
        assert_eq!(
            e.failed_step.as_deref(),
            Some("failed to unshare namespaces")
        );
        assert_eq!(e.errno_text.as_deref(), Some("Cannot allocate memory"));
        assert_eq!(e.exit_status, None);
    }

    #[test]
    fn seed_write_up_as_a_whole_text() {
        let text = format!(
            "阿里云Swarm集群上一个节点启动容器失败,日志和事件中的报错信息如下:\n{SEED_EVENT}\n\n{SEED_START}\n手工启动容器,也报同样的错误:\n{SEED_MANUAL}\n\n第一句报错,很明显是可用内存不够,导致分配失败。\n"
        );
        let p = parse(&text);
        let lines: Vec<u32> = p.value.iter().map(|e| e.line.no).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert_eq!(p.value[1].line.text, SEED_START);
    }

    #[test]
    fn newer_runc_shapes() {
        let e = scan("OCI runtime create failed: container_linux.go:349: starting container process caused \"process_linux.go:449: container init caused \\\"process_linux.go:415: setting cgroup config for procHooks process caused \\\\\\\"failed to write \\\\\\\\\\\\\\\"268435456\\\\\\\\\\\\\\\" to \\\\\\\\\\\\\\\"/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes\\\\\\\\\\\\\\\": device or resource busy\\\\\\\"\\\"\": unknown").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
        assert_eq!(
            e.go_locations,
            [
                "container_linux.go:349",
                "process_linux.go:449",
                "process_linux.go:415"
            ]
        );
        assert_eq!(e.exit_status, None);

        let e = scan("nsexec[1234]: failed to unshare namespaces: Invalid argument").unwrap();
        assert_eq!(
            e.failed_step.as_deref(),
            Some("failed to unshare namespaces")
        );
        assert_eq!(e.errno_text.as_deref(), Some("Invalid argument"));

        let e = scan(
            "FATA[0000] nsexec-1[4321]: failed to unshare remaining namespaces: Invalid argument",
        )
        .unwrap();
        assert_eq!(
            e.failed_step.as_deref(),
            Some("failed to unshare remaining namespaces")
        );
        assert_eq!(e.errno_text.as_deref(), Some("Invalid argument"));

        let e = scan("nsenter: failed to unshare namespaces: Cannot allocate memory").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
        assert_eq!(e.errno_text.as_deref(), Some("Cannot allocate memory"));

        let e = scan("OCI runtime create failed: runc create failed: unable to start container process: can't get final child's PID from pipe: EOF: unknown").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
        assert_eq!(
            e.failed_step.as_deref(),
            Some("can't get final child's PID from pipe")
        );
        assert_eq!(e.errno_text.as_deref(), Some("EOF"));

        let e =
            scan("process_linux.go:303: getting the final child's pid from pipe caused \"EOF\"")
                .unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::Other);
        assert_eq!(
            e.failed_step.as_deref(),
            Some("getting the final child's pid from pipe caused")
        );
        assert_eq!(e.errno_text.as_deref(), Some("EOF"));
        assert_eq!(e.go_locations, ["process_linux.go:303"]);
    }

    #[test]
    fn cgroup_creation_failures() {
        let e = scan("Error response from daemon: OCI runtime create failed: container_linux.go:345: starting container process caused \"process_linux.go:297: applying cgroup configuration for process caused \\\"mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1/abc: no space left on device\\\"\": unknown").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::CgroupCreate);
        assert_eq!(
            e.cgroup_path.as_deref(),
            Some("/sys/fs/cgroup/memory/kubepods/burstable/pod1/abc")
        );
        assert_eq!(e.errno_text.as_deref(), Some("no space left on device"));
        let e = scan("mkdir /sys/fs/cgroup/memory/docker/0fdb: cannot allocate memory").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::CgroupCreate);
        assert_eq!(e.errno_text.as_deref(), Some("cannot allocate memory"));
    }

    #[test]
    fn container_names() {
        let e = scan("Error response from daemon: Cannot start container 4fa6e0f0c678: [8] System error: nsenter: failed to unshare namespaces: Invalid argument").unwrap();
        assert_eq!(e.container.as_deref(), Some("4fa6e0f0c678"));
        assert_eq!(
            e.failed_step.as_deref(),
            Some("failed to unshare namespaces")
        );
        assert_eq!(e.errno_text.as_deref(), Some("Invalid argument"));
        let e = scan("Handler for POST /v1.24/containers/web/start returned error: oci runtime error: container_linux.go:262: starting container process caused \"exit status 34\"").unwrap();
        assert_eq!(e.container.as_deref(), Some("web"));
        assert_eq!(e.exit_status, Some(34));
    }

    #[test]
    fn kubelet_lines_name_the_pod_and_the_container() {
        // The older kubelet's form, in the cgroup-id-exhaustion sample (kubelet 1.11).
        let e = scan(r#"E1012 09:14:27.316230    1823 pod_workers.go:186] Error syncing pod a1c40d7e-cd11-11e8-8a4f-fa163e5b2d71 ("payments-api-7d6b9c8f4-2xw9n_payments(a1c40d7e-cd11-11e8-8a4f-fa163e5b2d71)"), skipping: failed to "StartContainer" for "payments-api" with RunContainerError: "failed to start container \"0c5a8e3f1b6d\": Error response from daemon: OCI runtime create failed: container_linux.go:348: starting container process caused \"process_linux.go:279: applying cgroup configuration for process caused \\\"mkdir /sys/fs/cgroup/memory/kubepods/burstable/poda1c40d7e-cd11-11e8-8a4f-fa163e5b2d71/0c5a8e3f1b6d: no space left on device\\\"\"""#).unwrap();
        assert_eq!(
            e.pod.as_deref(),
            Some("payments/payments-api-7d6b9c8f4-2xw9n")
        );
        assert_eq!(
            e.pod_uid.as_deref(),
            Some("a1c40d7e-cd11-11e8-8a4f-fa163e5b2d71")
        );
        assert_eq!(e.container.as_deref(), Some("payments-api"));
        // Structured klog, read by the daemon log parser as the kubelet's file holds it.
        let text = data(include_str!(
            "../../tests/data/kubelet_log/k8s-source-structured-start-and-exec-failures.txt"
        ));
        let errors = crate::parse::daemon_log::parse(&text).runtime_errors;
        let named: Vec<_> = errors
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.pod.as_deref(),
                    e.pod_uid.as_deref(),
                    e.container.as_deref(),
                )
            })
            .collect();
        let pod = Some("shop/web-6d4cf56db6-x7k2p");
        let uid = Some("5e0c7a4e-2b7d-4c41-9a3f-1f6e2d9b8c70");
        assert_eq!(
            named,
            [
                (RuntimeErrorKind::StartFailure, pod, uid, Some("app")),
                (RuntimeErrorKind::ExecFailure, pod, uid, Some("app")),
            ]
        );
        // A docker line names no pod.
        let e = scan("Handler for POST /v1.24/containers/web/start returned error: oci runtime error: container_linux.go:262: starting container process caused \"exit status 34\"").unwrap();
        assert_eq!((e.pod, e.pod_uid), (None, None));
    }

    /// Test data without its `# source:` / `# note:` header lines.
    fn data(text: &str) -> String {
        text.lines()
            .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    #[test]
    fn exec_failures_are_not_start_failures() {
        let p = parse(&data(include_str!(
            "../../tests/data/excerpts/docker-exec-oci-runtime-exec-failed.txt"
        )));
        assert_eq!(p.value.len(), 2);
        for e in &p.value {
            assert_eq!(e.kind, RuntimeErrorKind::ExecFailure, "{}", e.line.text);
            assert_eq!(e.setup, None);
        }
        assert_eq!(p.value[0].go_locations, ["container_linux.go:380"]);
        assert_eq!(
            p.value[1].failed_step.as_deref(),
            Some("unable to start container process: exec: \"bash\": executable file not found in $PATH")
        );
        let p = parse(&data(include_str!(
            "../../tests/data/excerpts/kubelet-probe-exec-failed.txt"
        )));
        assert_eq!(p.value.len(), 2);
        for e in &p.value {
            assert_eq!(e.kind, RuntimeErrorKind::ExecFailure, "{}", e.line.text);
            assert_eq!(e.exit_status, Some(1));
            assert_eq!(
                e.failed_step.as_deref(),
                Some("unable to start container process: error executing setns process: exit status 1")
            );
        }
    }

    #[test]
    fn network_and_mount_set_up_errors_are_start_failures() {
        let p = parse(&data(include_str!(
            "../../tests/data/excerpts/docker-run-endpoint-veth-enomem.txt"
        )));
        assert_eq!(p.value.len(), 2);
        for e in &p.value {
            assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
            assert_eq!(e.setup, Some(SetupStep::Network));
            assert_eq!(e.container.as_deref(), Some("sleepy_noether"));
            assert_eq!(e.errno_text.as_deref(), Some("cannot allocate memory"));
            assert_eq!(
                e.failed_step.as_deref(),
                Some(
                    "failed to create endpoint sleepy_noether on network bridge: failed to add \
                     the host (veth61c5b8e) <=> sandbox (veth5e3ba62) pair interfaces"
                )
            );
        }
        assert!(p.value[1].time.is_some());
        let p = parse(&data(include_str!(
            "../../tests/data/excerpts/docker-run-overlay-mount-and-networking.txt"
        )));
        assert_eq!(p.value.len(), 2);
        let mount = &p.value[0];
        assert_eq!(mount.setup, Some(SetupStep::Mount));
        assert_eq!(
            mount.errno_text.as_deref(),
            Some("no such file or directory")
        );
        assert_eq!(
            mount.failed_step.as_deref(),
            Some("error creating overlay mount to /var/lib/docker/overlay2/5c2e9f3b7a1d/merged")
        );
        let net = &p.value[1];
        assert_eq!(net.setup, Some(SetupStep::Network));
        assert_eq!(net.container.as_deref(), Some("web"));
        assert!(net.failed_step.as_deref().is_some_and(|s| s
            .starts_with("failed to set up container networking: failed to create endpoint web")));
        // Without an errno the error is kept to its end: its last words are the reason.
        let e = scan("failed to create endpoint web on network bridge: Bind for 0.0.0.0:80 failed: port is already allocated").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
        assert_eq!(e.errno_text, None);
        assert_eq!(
            e.failed_step.as_deref(),
            Some("failed to create endpoint web on network bridge: Bind for 0.0.0.0:80 failed: port is already allocated")
        );
    }

    /// What docker 20.10 and runc 1.1 printed for failed starts and an exec, on the terminal
    /// and in the daemon's log.
    #[test]
    fn recorded_docker_20_10_errors() {
        let cli = parse(&data(include_str!(concat!(
            "../../tests/data/recorded/docker-20.10-cgroup1-oom-and-start-failures",
            "/docker-cli.txt"
        ))));
        let found: Vec<_> = cli
            .value
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.setup,
                    e.container.as_deref(),
                    e.failed_step.as_deref(),
                    e.errno_text.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    RuntimeErrorKind::StartFailure,
                    Some(SetupStep::Network),
                    Some("web-2"),
                    Some(
                        "driver failed programming external connectivity on endpoint web-2 \
                         (e41e870092caabdcc4d0302e3be7fd005d6f402a45920709cf2bbf80d352b6b0): Bind \
                         for 0.0.0.0:8080 failed: port is already allocated"
                    ),
                    None
                ),
                (
                    RuntimeErrorKind::ExecFailure,
                    None,
                    None,
                    Some(
                        "unable to start container process: exec: \"/usr/bin/curl\": stat \
                         /usr/bin/curl: no such file or directory"
                    ),
                    None
                ),
                (
                    RuntimeErrorKind::StartFailure,
                    Some(SetupStep::Network),
                    Some("web-3"),
                    Some(
                        "failed to create endpoint web-3 on network bridge: adding interface \
                         vethd12c52c to bridge docker0 failed: could not find bridge docker0: \
                         route ip+net: no such network interface"
                    ),
                    None
                ),
                (
                    RuntimeErrorKind::StartFailure,
                    Some(SetupStep::Process),
                    None,
                    Some("exec: \"dd\""),
                    Some("executable file not found in $PATH")
                ),
            ]
        );
    }

    #[test]
    fn the_process_a_start_could_not_run() {
        // runc 1.0's wording, and the escaped form of earlier releases in a daemon log.
        let e = scan("docker: Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container process caused: exec: \"/docker-entrypoint.sh\": permission denied: unknown.").unwrap();
        assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
        assert_eq!(e.setup, Some(SetupStep::Process));
        assert_eq!(
            e.failed_step.as_deref(),
            Some("exec: \"/docker-entrypoint.sh\"")
        );
        assert_eq!(e.errno_text.as_deref(), Some("permission denied"));
        let e = scan("Error response from daemon: oci runtime error: container_linux.go:247: starting container process caused \"exec: \\\"app\\\": executable file not found in $PATH\"").unwrap();
        assert_eq!(e.failed_step.as_deref(), Some("exec: \"app\""));
        assert_eq!(
            e.errno_text.as_deref(),
            Some("executable file not found in $PATH")
        );
        let e = scan("OCI runtime create failed: runc create failed: unable to start container process: exec /app/run.sh: exec format error: unknown").unwrap();
        assert_eq!(e.failed_step.as_deref(), Some("exec /app/run.sh"));
        assert_eq!(e.errno_text.as_deref(), Some("exec format error"));
        // The namespace steps keep their own reading.
        let e = scan(SEED_START).unwrap();
        assert_eq!(e.setup, None);
        assert_eq!(e.failed_step, None);
        assert_eq!(e.exit_status, Some(34));
    }

    #[test]
    fn ordinary_lines_are_not_errors() {
        assert!(scan("Jan 23 20:10:01 host kernel: eth0: link up").is_none());
        assert!(scan(
            "time=\"2018-01-23T20:10:01Z\" level=info msg=\"API listen on /var/run/docker.sock\""
        )
        .is_none());
        assert!(scan("exit status 1").is_none());
        assert!(scan("main.go:12 started").is_none());
    }

    #[test]
    fn leading_times() {
        let p = parse("2018-01-23T20:10:01.288012345+08:00 nsenter: failed to unshare namespaces: Cannot allocate memory\n");
        assert!(matches!(p.value[0].time, Some(WallClock::Instant { .. })));
        let p = parse(
            "time=\"2018-01-23T20:10:01Z\" level=error msg=\"oci runtime error: exit status 34\"",
        );
        assert!(p.value[0].time.is_some());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_near_patterns(s in "(nsenter: |exit status |mkdir /sys/fs/cgroup/|failed to unshare |[a-z_]+\\.go:[0-9]+|\\\\\"|: |[A-Za-z ]){0,30}") {
            let _ = parse(&s);
        }
    }
}
