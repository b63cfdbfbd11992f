//! Generate a large, deterministic sosreport-shaped bundle for benchmarks.
//!
//! ```text
//! cargo run --release --example gen-bundle -- --size 1G --seed 42 --format tar.gz -o /tmp/big.tar.gz
//! ```
//!
//! Formats: `dir`, `tar`, `tar.gz`, `tar.xz`, `tar.zst`. Sizes take a `K`, `M` or `G` suffix
//! (powers of 1024) and count the uncompressed bytes of all files.
//!
//! Two profiles (`--profile`):
//! - `chatter` (the default) is described below;
//! - `event-dense` is a container host whose logs are full of lines postmortem parses and keeps:
//!   see the `dense` module.
//!
//! The `chatter` logs are dominated by ordinary chatter (systemd sessions, sshd logins, crond, dockerd info
//! lines, kernel bridge port changes); the incident of the seed sample (the order-6 page
//! allocation failure of `runc:[1:CHILD]`, the `kmem_cache_create` failure and dockerd's start
//! errors) sits in the current `messages`, the journal, the ring buffer and the docker journal at
//! the time it happened. The small tables (`/proc`, `free`, `date`, inspect output) are the seed
//! sample's own. The same seed and size give the same bytes.
//!
//! Everything is written as it is generated: a log is produced line by line twice (once to
//! learn its size for the tar header, once to write it), never held in memory.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const ROOT: &str = "sosreport-node1-2018-01-23";
const HOST: &str = "beta_004";

const SEED_MESSAGES: &str = include_str!("../samples/seed-runc-unshare-enomem/messages");
const SEED_DMESG: &str = include_str!("../samples/seed-runc-unshare-enomem/dmesg");

/// Small files copied from the seed sample: (path in the bundle, content).
const TABLES: &[(&str, &str)] = &[
    (
        "sos_commands/general/date",
        include_str!("../samples/seed-runc-unshare-enomem/date"),
    ),
    (
        "sos_commands/general/uptime",
        include_str!("../samples/seed-runc-unshare-enomem/uptime"),
    ),
    (
        "sos_commands/general/hostname",
        include_str!("../samples/seed-runc-unshare-enomem/hostname"),
    ),
    (
        "sos_commands/kernel/uname_-a",
        include_str!("../samples/seed-runc-unshare-enomem/uname-a.txt"),
    ),
    (
        "sos_commands/kernel/sysctl_-a",
        include_str!("../samples/seed-runc-unshare-enomem/sysctl-vm.txt"),
    ),
    (
        "sos_commands/memory/free_-h",
        include_str!("../samples/seed-runc-unshare-enomem/free-mh.txt"),
    ),
    (
        "sos_commands/date/timedatectl",
        include_str!("../samples/seed-runc-unshare-enomem/timedatectl.txt"),
    ),
    (
        "sos_commands/docker/docker_events",
        include_str!("../samples/seed-runc-unshare-enomem/docker-events.log"),
    ),
    (
        "sos_commands/docker/docker_inspect",
        include_str!("../samples/seed-runc-unshare-enomem/docker-inspect.json"),
    ),
    (
        "sos_commands/docker/docker-start-error.txt",
        include_str!("../samples/seed-runc-unshare-enomem/docker-start-error.txt"),
    ),
    (
        "sys/kernel/debug/extfrag/extfrag_index",
        include_str!("../samples/seed-runc-unshare-enomem/extfrag_index"),
    ),
    (
        "etc/hostname",
        include_str!("../samples/seed-runc-unshare-enomem/hostname"),
    ),
    (
        "proc/buddyinfo",
        include_str!("../samples/seed-runc-unshare-enomem/proc/buddyinfo"),
    ),
    (
        "proc/cgroups",
        include_str!("../samples/seed-runc-unshare-enomem/proc/cgroups"),
    ),
    (
        "proc/meminfo",
        include_str!("../samples/seed-runc-unshare-enomem/proc/meminfo"),
    ),
    (
        "proc/slabinfo",
        include_str!("../samples/seed-runc-unshare-enomem/proc/slabinfo"),
    ),
    (
        "proc/stat",
        include_str!("../samples/seed-runc-unshare-enomem/proc/stat"),
    ),
    (
        "proc/uptime",
        include_str!("../samples/seed-runc-unshare-enomem/proc/uptime"),
    ),
    (
        "proc/vmstat",
        include_str!("../samples/seed-runc-unshare-enomem/proc/vmstat"),
    ),
];

/// What crond runs on the host.
const CRON_COMMANDS: &[&str] = &[
    "(root) CMD (/usr/lib64/sa/sa1 1 1)",
    "(root) CMD (run-parts /etc/cron.hourly)",
    "(root) CMD (/usr/local/bin/logrotate-docker.sh >/dev/null 2>&1)",
    "(root) CMD (/usr/bin/docker system prune -f --filter until=24h)",
];

/// Seconds since 2018-01-01 00:00:00 local time (CST, +08:00), the clock of every log here.
type Clock = i64;

const DAY: Clock = 86_400;

/// `Jan D HH:MM:SS` of a clock inside January 2018.
fn at(day: i64, h: i64, m: i64, s: i64) -> Clock {
    (day - 1) * DAY + h * 3600 + m * 60 + s
}

/// The seed's `date`: Tue Jan 23 20:14:41 CST 2018, with 2751298.41 s of uptime.
fn collected() -> Clock {
    at(23, 20, 14, 41)
}

fn boot() -> Clock {
    collected() - 2_751_298
}

/// A small PRNG (SplitMix64): deterministic for a seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = self.below(items.len() as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }
}

/// The framing of a log file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// rsyslog's `/var/log/messages`.
    Syslog,
    /// `journalctl --no-pager`: the same framing with a header line.
    Journal,
    /// The kernel ring buffer, `[uptime] message`.
    Dmesg,
    /// `journalctl -u docker`: dockerd only.
    Docker,
}

/// One log file to generate.
#[derive(Clone)]
struct LogPlan {
    path: &'static str,
    style: Style,
    start: Clock,
    end: Clock,
    /// The incident block, inserted when the clock reaches `incident_at`.
    incident: Option<(Clock, Clock, String)>,
    target: u64,
    seed: u64,
}

/// Produces a log line by line; the clock advances with the bytes written.
struct LineGen {
    plan: LogPlan,
    rng: Rng,
    written: u64,
    incident_done: bool,
    /// No line is stamped before this (after the incident block, time goes on from its end).
    floor: Clock,
    header_done: bool,
    pid: u64,
    session: u64,
}

impl LineGen {
    fn new(plan: LogPlan) -> LineGen {
        let rng = Rng(plan.seed ^ 0x5EED_0000_0000_0000);
        LineGen {
            floor: plan.start,
            plan,
            rng,
            written: 0,
            incident_done: false,
            header_done: false,
            pid: 20_000,
            session: 1_000,
        }
    }

    fn done(&self) -> bool {
        self.written >= self.plan.target
    }

    fn clock(&self) -> Clock {
        let span = (self.plan.end - self.plan.start).max(1) as u128;
        let frac = u128::from(self.written.min(self.plan.target));
        let t = self.plan.start as u128 + span * frac / u128::from(self.plan.target.max(1));
        (t as Clock).max(self.floor)
    }

    /// Append the next line (or the incident block) to `out`.
    fn next_into(&mut self, out: &mut Vec<u8>) {
        let before = out.len();
        if !self.header_done {
            self.header_done = true;
            if self.plan.style == Style::Journal || self.plan.style == Style::Docker {
                let _ = writeln!(
                    out,
                    "-- Logs begin at {} CST, end at {} CST. --",
                    long_date(self.plan.start),
                    long_date(self.plan.end)
                );
                self.written += (out.len() - before) as u64;
                return;
            }
        }
        let now = self.clock();
        if let Some((when, after, block)) = &self.plan.incident {
            if !self.incident_done && now >= *when {
                self.incident_done = true;
                self.floor = *after;
                out.extend_from_slice(block.as_bytes());
                self.written += (out.len() - before) as u64;
                return;
            }
        }
        match self.plan.style {
            Style::Dmesg => self.dmesg_line(now, out),
            Style::Docker => self.docker_line(now, out),
            Style::Syslog | Style::Journal => self.syslog_line(now, out),
        }
        self.written += (out.len() - before) as u64;
    }

    fn veth(&mut self) -> String {
        format!("veth{:07x}", self.rng.below(0x1000_0000))
    }

    fn kernel_message(&mut self) -> String {
        let port = 2 + self.rng.below(30);
        let veth = self.veth();
        // No blocking state (form 2) in this profile.
        let form = match self.rng.below(7) {
            n @ (0 | 1) => n,
            n => n + 1,
        };
        network_churn(form, "docker_gwbridge", port, &veth, || {
            1000 + self.rng.below(9000)
        })
    }

    fn docker_message(&mut self, now: Clock) -> String {
        let nanos = self.rng.below(1_000_000_000);
        let time = format!("{}.{nanos:09}+08:00", iso(now));
        let id = format!("{:016x}{:016x}", self.rng.next(), self.rng.next());
        let msg = match self.rng.below(5) {
            0 => format!(
                "ignoring event\" module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\" id={id}"
            ),
            1 => format!(
                "Node join event for node{}/10.0.3.{}\"",
                1 + self.rng.below(5),
                10 + self.rng.below(40)
            ),
            2 => "memberlist: Suspect node2 has failed, no acks received\"".to_string(),
            3 => format!("Layer sha256:{id} cleaned up\""),
            _ => format!("Attempting next endpoint for pull after error: manifest unknown id={id}\""),
        };
        format!("time=\"{time}\" level=info msg=\"{msg}")
    }

    fn syslog_line(&mut self, now: Clock, out: &mut Vec<u8>) {
        let stamp = syslog_stamp(now);
        self.pid += 1 + self.rng.below(7);
        let pid = self.pid;
        let (tag, msg) = match self.rng.below(20) {
            0..=6 => ("kernel".to_string(), self.kernel_message()),
            7..=9 => {
                self.session += 1;
                let n = self.session;
                let m = match self.rng.below(3) {
                    0 => format!("Started Session {n} of user root."),
                    1 => format!("Starting Session {n} of user root."),
                    _ => format!("Removed slice User Slice of {}.", self.user()),
                };
                ("systemd".to_string(), m)
            }
            10 => {
                let n = self.session;
                (
                    "systemd-logind".to_string(),
                    format!("New session {n} of user root."),
                )
            }
            11..=12 => {
                let ip = format!("10.0.{}.{}", self.rng.below(8), 2 + self.rng.below(250));
                let port = 30_000 + self.rng.below(30_000);
                let key = format!("{:016x}{:016x}", self.rng.next(), self.rng.next());
                let m = match self.rng.below(3) {
                    0 => format!(
                        "Accepted publickey for root from {ip} port {port} ssh2: RSA SHA256:{key}"
                    ),
                    1 => format!(
                        "Received disconnect from {ip} port {port}:11: disconnected by user"
                    ),
                    _ => format!(
                        "pam_unix(sshd:session): session opened for user {} by (uid=0)",
                        self.user()
                    ),
                };
                (format!("sshd[{pid}]"), m)
            }
            13..=14 => {
                // The chatter profile's host prunes no images.
                let m = self.rng.pick(&CRON_COMMANDS[..3]).to_string();
                (format!("CROND[{pid}]"), m)
            }
            15..=17 => ("dockerd".to_string(), self.docker_message(now)),
            18 => (
                "chronyd[712]".to_string(),
                format!("Selected source 100.100.61.{}", 80 + self.rng.below(10)),
            ),
            _ => (
                "dhclient[1012]".to_string(),
                format!(
                    "DHCPREQUEST on eth0 to 10.0.0.1 port 67 (xid=0x{:08x})",
                    self.rng.below(1 << 32)
                ),
            ),
        };
        let _ = writeln!(out, "{stamp} {HOST} {tag}: {msg}");
    }

    fn user(&mut self) -> &'static str {
        self.rng.pick(&["root", "deploy", "monitor", "backup"])
    }

    fn dmesg_line(&mut self, now: Clock, out: &mut Vec<u8>) {
        let uptime = (now - boot()).max(0);
        let micros = self.rng.below(1_000_000);
        let msg = self.kernel_message();
        let _ = writeln!(out, "[{uptime:>7}.{micros:06}] {msg}");
    }

    fn docker_line(&mut self, now: Clock, out: &mut Vec<u8>) {
        let stamp = syslog_stamp(now);
        let msg = self.docker_message(now);
        let _ = writeln!(out, "{stamp} {HOST} dockerd[1375]: {msg}");
    }
}

/// A kernel line of container network churn on `bridge`: `form` 0 to 7 picks it (a port's
/// state, a device's promiscuous mode, a link's state, a new namespace, whose id is drawn only
/// then).
fn network_churn(
    form: u64,
    bridge: &str,
    port: u64,
    veth: &str,
    netns_id: impl FnOnce() -> u64,
) -> String {
    match form {
        0 => format!("{bridge}: port {port}({veth}) entered disabled state"),
        1 => format!("{bridge}: port {port}({veth}) entered forwarding state"),
        2 => format!("{bridge}: port {port}({veth}) entered blocking state"),
        3 => format!("device {veth} entered promiscuous mode"),
        4 => format!("device {veth} left promiscuous mode"),
        5 => format!("IPv6: ADDRCONF(NETDEV_UP): {veth}: link is not ready"),
        6 => format!("IPv6: ADDRCONF(NETDEV_CHANGE): {veth}: link becomes ready"),
        _ => format!("IPVS: Creating netns size=2040 id={}", netns_id()),
    }
}

/// Streams a [`LineGen`] as bytes.
struct LogReader {
    gen: LineGen,
    pending: Vec<u8>,
    pos: usize,
}

impl Read for LogReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.pending.len() {
            if self.gen.done() {
                return Ok(0);
            }
            self.pending.clear();
            self.pos = 0;
            while self.pending.len() < 64 * 1024 && !self.gen.done() {
                self.gen.next_into(&mut self.pending);
            }
        }
        let rest = &self.pending[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

fn log_reader(plan: &LogPlan) -> LogReader {
    LogReader {
        gen: LineGen::new(plan.clone()),
        pending: Vec::new(),
        pos: 0,
    }
}

fn syslog_stamp(t: Clock) -> String {
    let day = t.div_euclid(DAY) + 1;
    let s = t.rem_euclid(DAY);
    format!(
        "Jan {day:>2} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

fn iso(t: Clock) -> String {
    let day = t.div_euclid(DAY) + 1;
    let s = t.rem_euclid(DAY);
    format!(
        "2018-01-{day:02}T{:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `Tue 2018-01-23 20:14:41` (2018-01-01 was a Monday).
fn long_date(t: Clock) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let wd = DAYS
        .get(t.div_euclid(DAY).rem_euclid(7) as usize)
        .copied()
        .unwrap_or("Mon");
    format!("{wd} {}", iso(t).replace('T', " "))
}

/// The dockerd lines of the seed incident, as the docker journal prints them.
fn docker_incident() -> String {
    SEED_MESSAGES
        .lines()
        .filter(|l| l.contains(" dockerd: "))
        .map(|l| format!("{}\n", l.replacen(" dockerd: ", " dockerd[1375]: ", 1)))
        .collect()
}

fn plans(size: u64, seed: u64) -> Vec<LogPlan> {
    let tables: u64 = TABLES.iter().map(|(_, c)| c.len() as u64).sum();
    let logs = size.saturating_sub(tables).max(1);
    // Shares of the log bytes, in per mille.
    let share = |permille: u64| (logs / 1000 * permille).max(4096);
    let incident_start = at(23, 19, 59, 34);
    let incident_end = at(23, 20, 10, 2);
    let dmesg_start = 2_750_391; // uptime of the seed dmesg's first line
    vec![
        LogPlan {
            path: "var/log/messages-20180114",
            style: Style::Syslog,
            start: at(7, 3, 41, 2),
            end: at(14, 3, 40, 1),
            incident: None,
            target: share(150),
            seed: seed.wrapping_add(1),
        },
        LogPlan {
            path: "var/log/messages-20180121",
            style: Style::Syslog,
            start: at(14, 3, 40, 2),
            end: at(21, 3, 40, 1),
            incident: None,
            target: share(200),
            seed: seed.wrapping_add(2),
        },
        LogPlan {
            path: "var/log/messages",
            style: Style::Syslog,
            start: at(21, 3, 40, 2),
            end: collected(),
            incident: Some((incident_start, incident_end, SEED_MESSAGES.to_string())),
            target: share(200),
            seed: seed.wrapping_add(3),
        },
        LogPlan {
            path: "sos_commands/logs/journalctl_--no-pager",
            style: Style::Journal,
            start: at(7, 3, 41, 2),
            end: collected(),
            incident: Some((incident_start, incident_end, SEED_MESSAGES.to_string())),
            target: share(370),
            seed: seed.wrapping_add(4),
        },
        LogPlan {
            path: "sos_commands/docker/journalctl_--no-pager_--unit_docker",
            style: Style::Docker,
            start: at(7, 3, 41, 2),
            end: collected(),
            incident: Some((at(23, 20, 10, 1), incident_end, docker_incident())),
            target: share(60),
            seed: seed.wrapping_add(5),
        },
        LogPlan {
            path: "sos_commands/kernel/dmesg",
            style: Style::Dmesg,
            start: boot() + 2_500_000,
            end: collected() - 60,
            incident: Some((
                boot() + dmesg_start,
                boot() + 2_751_019,
                SEED_DMESG.to_string(),
            )),
            target: share(20),
            seed: seed.wrapping_add(6),
        },
    ]
}

/// The `event-dense` profile: a container host (dockerd with swarm, containerd, kubelet) whose
/// logs carry many lines that postmortem parses and keeps, in the sosreport layout.
///
/// - One stream of syslog events is written three times over, as a support bundle carries it:
///   whole in the text journal (`sos_commands/logs/journalctl_--no-pager`), and split between
///   the rotated `var/log/messages-20180121` and the current `var/log/messages`. Its kernel
///   events are written once more to `sos_commands/kernel/dmesg`, a ring buffer that has wrapped
///   (it begins a fifth of the way in).
/// - Tags by share of lines: dockerd 17 %, systemd 13 %, sshd 13 %, containerd 10 %, kernel 9 %,
///   systemd-logind 8 %, fluent-bit 8 %, an application 8 %, kubelet 7 %, CROND 7 %. dockerd and
///   containerd write logrus records with fields, half of them warnings and errors; kubelet
///   writes klog lines, most of them warnings and errors.
/// - Kernel lines are mostly bridge port changes and `ADDRCONF`; 0.7 % of all lines are
///   `Possible SYN flooding`, 0.15 % `nf_conntrack: table full` (each followed now and then by a
///   `net_ratelimit` line). Seven incidents: four order-6 page allocation failures with their
///   call traces and Mem-Info (the seed's, with other tasks and caches) followed by dockerd's
///   start errors, and three memcg OOM kills of containers.
/// - `docker events` of the last day, 100 000 whatever the size (health check execs,
///   container life, network changes, a few OOMs); 50 `docker inspect` files; the seed's tables.
///
/// Values (container ids, pods, ports, pids, addresses) vary from line to line, so that few
/// lines are equal even where their kind repeats.
mod dense {
    use super::*;
    use std::collections::VecDeque;

    /// The first line of the stream (the journal's and the rotated file's).
    fn start() -> Clock {
        at(18, 7, 0, 0)
    }

    /// Where `messages-20180121` ends and `messages` begins (logrotate's run).
    fn rotation() -> Clock {
        at(21, 3, 40, 2)
    }

    /// One line of the stream (a kernel message may hold `\n`: continuation lines).
    struct Event {
        t: Clock,
        micros: u32,
        tag: String,
        body: String,
    }

    impl Event {
        fn is_kernel(&self) -> bool {
            self.tag == "kernel"
        }
    }

    /// A container of the host.
    struct Ctr {
        id: String,
        service: &'static str,
        name: String,
        image: String,
    }

    /// A pod of the kubelet.
    struct Pod {
        uid: String,
        name: String,
        namespace: &'static str,
    }

    const SERVICES: &[&str] = &[
        "crm_api", "crm_web", "billing", "orders", "search", "gateway", "auth", "reports",
        "notifier", "cache",
    ];
    const NAMESPACES: &[&str] = &[
        "default",
        "kube-system",
        "monitoring",
        "payments",
        "ingress",
    ];
    const BRIDGES: &[&str] = &["docker0", "docker_gwbridge", "cni0", "br-6f1e2a9c3b4d"];

    fn hex(rng: &mut Rng, digits: usize) -> String {
        let mut s = String::with_capacity(digits + 16);
        while s.len() < digits {
            s.push_str(&format!("{:016x}", rng.next()));
        }
        s.truncate(digits);
        s
    }

    fn alnum(rng: &mut Rng, n: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| char::from(CHARS[rng.below(CHARS.len() as u64) as usize]))
            .collect()
    }

    fn containers(rng: &mut Rng) -> Vec<Ctr> {
        (0..120)
            .map(|i| {
                let service = SERVICES[i % SERVICES.len()];
                let task = alnum(rng, 25);
                Ctr {
                    id: hex(rng, 64),
                    service,
                    name: format!("{service}.{}.{task}", 1 + i / SERVICES.len()),
                    image: format!(
                        "registry-vpc.cn-hangzhou.aliyuncs.com/acme/{}:1.{}.{}",
                        service.replace('_', "-"),
                        rng.below(9),
                        rng.below(20)
                    ),
                }
            })
            .collect()
    }

    fn pods(rng: &mut Rng) -> Vec<Pod> {
        (0..80)
            .map(|i| {
                let base = SERVICES[i % SERVICES.len()].replace('_', "-");
                Pod {
                    uid: format!(
                        "{}-{}-{}-{}-{}",
                        hex(rng, 8),
                        hex(rng, 4),
                        hex(rng, 4),
                        hex(rng, 4),
                        hex(rng, 12)
                    ),
                    name: format!("{base}-{}-{}", alnum(rng, 10), alnum(rng, 5)),
                    namespace: NAMESPACES[i % NAMESPACES.len()],
                }
            })
            .collect()
    }

    /// The kernel lines of the seed's failure report, from its header to `Unable to create
    /// nf_conn slab cache`, without their stamps; a continuation line joins its message.
    fn failure_template() -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut inside = false;
        for line in SEED_DMESG.lines() {
            if line.contains("page allocation failure") {
                inside = true;
            }
            if !inside {
                continue;
            }
            match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                Some((_, body)) => out.push(body.to_string()),
                None => {
                    if let Some(last) = out.last_mut() {
                        last.push('\n');
                        last.push_str(line);
                    }
                }
            }
            if line.contains("Unable to create nf_conn slab cache") {
                break;
            }
        }
        out
    }

    /// An order-6 failure of `runc:[1:CHILD]` as in the seed, for another task and cache, then
    /// dockerd's start errors for the container it was starting.
    fn alloc_failure(rng: &mut Rng, ctr: &Ctr, now: Clock) -> Vec<(String, String)> {
        let pid = (100_000 + rng.below(900_000)).to_string();
        let addr = format!("ffff8803{}", hex(rng, 8));
        let free_normal = 80_000 + rng.below(40_000);
        let mut out: Vec<(String, String)> = failure_template()
            .into_iter()
            .map(|body| {
                let body = body
                    .replace("839206", &pid)
                    .replace("ffff88036ea66180", &addr)
                    .replace(
                        "Normal free:95232kB",
                        &format!("Normal free:{free_normal}kB"),
                    );
                ("kernel".to_string(), body)
            })
            .collect();
        let time = logrus_time(now + 1, rng.below(1_000_000_000));
        let short = &ctr.id[..12];
        out.push((
            "dockerd[1375]".to_string(),
            format!("time=\"{time}\" level=error msg=\"nsenter: failed to unshare namespaces: Cannot allocate memory\" module=containerd"),
        ));
        out.push((
            "dockerd[1375]".to_string(),
            format!(
                "time=\"{time}\" level=error msg=\"containerd: start container\" error=\"oci runtime error: container_linux.go:262: starting container process caused \\\"process_linux.go:247: running exec setns process for init caused \\\\\\\"exit status 34\\\\\\\"\\\"\" id={}",
                ctr.id
            ),
        ));
        out.push((
            "dockerd[1375]".to_string(),
            format!(
                "time=\"{time}\" level=error msg=\"Handler for POST /v1.30/containers/{short}/start returned error: oci runtime error: container_linux.go:262: starting container process caused \\\"process_linux.go:247: running exec setns process for init caused \\\\\\\"exit status 34\\\\\\\"\\\"\""
            ),
        ));
        out
    }

    /// A memcg OOM kill of a container's process, as a 3.10 kernel prints it.
    fn memcg_oom(rng: &mut Rng, ctr: &Ctr) -> Vec<(String, String)> {
        let comm = ["java", "node", "python3", "nginx"][rng.below(4) as usize];
        let pid = 100_000 + rng.below(900_000);
        let limit_kb = [262_144u64, 524_288, 1_048_576][rng.below(3) as usize];
        let rss = limit_kb / 4 - 200 - rng.below(300);
        let vm = rss * 3 + rng.below(50_000);
        let id = &ctr.id;
        let lines = [
            format!("{comm} invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0"),
            format!("{comm} cpuset={id} mems_allowed=0"),
            format!("CPU: {} PID: {pid} Comm: {comm} Tainted: G            E  ------------ T 3.10.0-514.26.2.el7.x86_64 #1", rng.below(8)),
            "Hardware name: Alibaba Cloud Alibaba Cloud ECS, BIOS rel-1.7.5-0-ge51488c-20140602_164612-nilsson.home.kraxel.org 04/01/2014".to_string(),
            format!(" ffff8803{} 000000004a8e01b3 ffff8801{} ffffffff81687133", hex(rng, 8), hex(rng, 8)),
            "Call Trace:".to_string(),
            " [<ffffffff81687133>] dump_stack+0x19/0x1b".to_string(),
            " [<ffffffff81682128>] dump_header+0x8e/0x225".to_string(),
            " [<ffffffff8118476e>] oom_kill_process+0x24e/0x3c0".to_string(),
            " [<ffffffff811f3026>] mem_cgroup_oom_synchronize+0x546/0x570".to_string(),
            " [<ffffffff811f24a0>] ? mem_cgroup_charge_common+0xc0/0xc0".to_string(),
            " [<ffffffff81185014>] pagefault_out_of_memory+0x14/0x90".to_string(),
            " [<ffffffff8167ff0c>] mm_fault_error+0x68/0x12b".to_string(),
            " [<ffffffff81692f35>] __do_page_fault+0x395/0x450".to_string(),
            " [<ffffffff81693025>] do_page_fault+0x35/0x90".to_string(),
            " [<ffffffff8168f248>] page_fault+0x28/0x30".to_string(),
            format!("Task in /docker/{id} killed as a result of limit of /docker/{id}"),
            format!("memory: usage {limit_kb}kB, limit {limit_kb}kB, failcnt {}", 1 + rng.below(90_000)),
            format!("memory+swap: usage {limit_kb}kB, limit 9007199254740988kB, failcnt 0"),
            "kmem: usage 0kB, limit 9007199254740988kB, failcnt 0".to_string(),
            format!("Memory cgroup stats for /docker/{id}: cache:0KB rss:{limit_kb}KB rss_huge:0KB mapped_file:0KB swap:0KB inactive_anon:0KB active_anon:{limit_kb}KB inactive_file:0KB active_file:0KB unevictable:0KB"),
            "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name".to_string(),
            format!("[{pid}]     0 {pid} {vm:>8} {rss:>8}     {:>3}        0             0 {comm}", 40 + rng.below(200)),
            format!("Memory cgroup out of memory: Kill process {pid} ({comm}) score {} or sacrifice child", 990 + rng.below(12)),
            format!("Killed process {pid} ({comm}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:0kB", vm * 4, rss * 4 - 800, 800),
        ];
        lines
            .into_iter()
            .map(|body| ("kernel".to_string(), body))
            .collect()
    }

    /// The day of January, hour, minute and second of a clock.
    fn day_and_time(t: Clock) -> (i64, i64, i64, i64) {
        let s = t.rem_euclid(DAY);
        (t.div_euclid(DAY) + 1, s / 3600, (s / 60) % 60, s % 60)
    }

    fn logrus_time(t: Clock, nanos: u64) -> String {
        format!("{}.{nanos:09}+08:00", iso(t))
    }

    /// Produces the stream: the clock advances with the bytes a syslog file of it would hold.
    pub(super) struct Stream {
        rng: Rng,
        end: Clock,
        target: u64,
        written: u64,
        last_t: Clock,
        last_micros: u32,
        /// (when, lines): written when the clock reaches `when`.
        incidents: Vec<(Clock, Vec<(String, String)>)>,
        pending: VecDeque<Event>,
        ctrs: Vec<Ctr>,
        pods: Vec<Pod>,
        pid: u64,
        session: u64,
    }

    impl Stream {
        fn new(target: u64, seed: u64) -> Stream {
            let mut rng = Rng(seed ^ 0xDE45_E000_0000_0000);
            let ctrs = containers(&mut rng);
            let pods = pods(&mut rng);
            let span = collected() - start();
            let when = |f: f64| start() + (span as f64 * f) as Clock;
            let mut incidents = Vec::new();
            for (f, failure) in [
                (0.41, false),
                (0.62, true),
                (0.86, true),
                (0.905, false),
                (0.93, true),
                (0.955, false),
                (0.975, true),
            ] {
                let t = when(f);
                let ctr = &ctrs[rng.below(ctrs.len() as u64) as usize];
                let lines = if failure {
                    alloc_failure(&mut rng, ctr, t)
                } else {
                    memcg_oom(&mut rng, ctr)
                };
                incidents.push((t, lines));
            }
            Stream {
                rng,
                end: collected(),
                target,
                written: 0,
                last_t: start(),
                last_micros: 0,
                incidents,
                pending: VecDeque::new(),
                ctrs,
                pods,
                pid: 20_000,
                session: 1_000,
            }
        }

        fn clock(&self) -> Clock {
            let span = (self.end - start()).max(1) as u128;
            let frac = u128::from(self.written.min(self.target));
            start() + (span * frac / u128::from(self.target.max(1))) as Clock
        }

        fn stamp(&mut self, t: Clock) -> u32 {
            if t == self.last_t {
                self.last_micros =
                    (self.last_micros + 1 + self.rng.below(5000) as u32).min(999_999);
            } else {
                self.last_t = t;
                self.last_micros = self.rng.below(200_000) as u32;
            }
            self.last_micros
        }

        fn next(&mut self) -> Option<Event> {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            if self.written >= self.target {
                return None;
            }
            let now = self.clock();
            if self.incidents.first().is_some_and(|(when, _)| now >= *when) {
                let (_, lines) = self.incidents.remove(0);
                for (tag, body) in lines {
                    let micros = self.stamp(now);
                    self.written += (tag.len() + body.len() + 32) as u64;
                    self.pending.push_back(Event {
                        t: now,
                        micros,
                        tag,
                        body,
                    });
                }
                return self.pending.pop_front();
            }
            let (tag, body) = self.line(now);
            let micros = self.stamp(now);
            self.written += (tag.len() + body.len() + 32) as u64;
            Some(Event {
                t: now,
                micros,
                tag,
                body,
            })
        }

        fn ctr(&mut self) -> &Ctr {
            let i = self.rng.below(self.ctrs.len() as u64) as usize;
            &self.ctrs[i]
        }

        fn line(&mut self, now: Clock) -> (String, String) {
            self.pid += 1 + self.rng.below(7);
            let pid = self.pid;
            match self.rng.below(1000) {
                0..=169 => ("dockerd[1375]".to_string(), self.dockerd(now)),
                170..=299 => ("systemd".to_string(), self.systemd()),
                300..=429 => (format!("sshd[{pid}]"), self.sshd()),
                430..=529 => ("containerd[1210]".to_string(), self.containerd(now)),
                530..=619 => ("kernel".to_string(), self.kernel()),
                620..=699 => {
                    let n = self.session;
                    let m = match self.rng.below(3) {
                        0 => format!("New session {n} of user {}.", self.user()),
                        1 => format!("Removed session {}.", n.saturating_sub(self.rng.below(20))),
                        _ => format!(
                            "Session {} logged out. Waiting for processes to exit.",
                            n.saturating_sub(self.rng.below(20))
                        ),
                    };
                    ("systemd-logind".to_string(), m)
                }
                700..=779 => ("fluent-bit[2231]".to_string(), self.fluent_bit(now)),
                780..=859 => (
                    format!("payments-api[{}]", 3000 + self.rng.below(8)),
                    self.app(now),
                ),
                860..=929 => ("kubelet[1702]".to_string(), self.kubelet(now)),
                _ => {
                    let m = self.rng.pick(CRON_COMMANDS).to_string();
                    (format!("CROND[{pid}]"), m)
                }
            }
        }

        fn user(&mut self) -> &'static str {
            self.rng
                .pick(&["root", "deploy", "monitor", "backup", "jenkins"])
        }

        fn ip(&mut self) -> String {
            format!(
                "10.{}.{}.{}",
                self.rng.below(4),
                self.rng.below(256),
                2 + self.rng.below(250)
            )
        }

        fn veth(&mut self) -> String {
            format!("veth{:07x}", self.rng.below(0x1000_0000))
        }

        fn kernel(&mut self) -> String {
            // Per mille of kernel lines: 78 SYN flooding (0.7 % of all lines), 17 conntrack
            // table full (0.15 %), 11 net_ratelimit.
            let roll = self.rng.below(1000);
            if roll < 78 {
                let port = self
                    .rng
                    .pick(&["80", "443", "8080", "8443", "30080", "31443", "6443"]);
                return format!("TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies.  Check SNMP counters.");
            }
            if roll < 95 {
                return "nf_conntrack: table full, dropping packet".to_string();
            }
            if roll < 106 {
                return format!(
                    "net_ratelimit: {} callbacks suppressed",
                    1 + self.rng.below(400)
                );
            }
            let bridge = self.rng.pick(BRIDGES);
            let port = 1 + self.rng.below(60);
            let veth = self.veth();
            // A port disabled twice as often as each other line.
            let form = match self.rng.below(9) {
                0 | 1 => 0,
                n => n - 1,
            };
            network_churn(form, bridge, port, &veth, || 1000 + self.rng.below(90_000))
        }

        fn dockerd(&mut self, now: Clock) -> String {
            let time = logrus_time(now, self.rng.below(1_000_000_000));
            let node = 1 + self.rng.below(9);
            let ip = self.ip();
            let (level, msg) = match self.rng.below(20) {
                0..=2 => (
                    "info",
                    "ignoring event\" module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\"".to_string(),
                ),
                3 => ("info", format!("Node join event for node{node}/{ip}\"")),
                4 => {
                    let layer = hex(&mut self.rng, 64);
                    ("info", format!("Layer sha256:{layer} cleaned up\""))
                }
                5 | 6 => {
                    let id = self.ctr().id.clone();
                    ("info", format!("shim reaped\" id={id} module=\"containerd/tasks\""))
                }
                7 => {
                    let short = self.ctr().id[..12].to_string();
                    ("info", format!("Container {short} failed to exit within 10 seconds of signal 15 - using the force\""))
                }
                8..=10 => {
                    let id = self.ctr().id.clone();
                    ("warning", format!("Health check for container {id} error: context deadline exceeded\""))
                }
                11 => ("warning", format!("memberlist: Refuting a suspect message (from: node{node})\"")),
                12 => {
                    let id = self.ctr().id.clone();
                    ("warning", format!("cleanup: failed to unmount IPC: umount /var/lib/docker/containers/{id}/mounts/shm, flags: 0x2: no such file or directory\""))
                }
                13 => ("warning", format!("Error getting v2 registry: Get https://registry-vpc.cn-hangzhou.aliyuncs.com/v2/: dial tcp {ip}:443: i/o timeout\"")),
                14 | 15 => {
                    let code = self.rng.pick(&["1", "2", "137", "143"]);
                    let svc = alnum(&mut self.rng, 25);
                    let task = alnum(&mut self.rng, 25);
                    ("error", format!("fatal task error\" error=\"task: non-zero exit ({code})\" module=node/agent/taskmanager node.id=xq3b8w1l0e5n7z2c4v6m9k1hd service.id={svc} task.id={task}"))
                }
                16 => {
                    let short = self.ctr().id[..12].to_string();
                    ("error", format!("Handler for POST /v1.30/containers/{short}/stop returned error: Container {short} is already stopped\""))
                }
                17 => {
                    let id = self.ctr().id.clone();
                    ("error", format!("Error unmounting container {id}: no such file or directory\""))
                }
                18 => {
                    let image = self.ctr().image.clone();
                    ("error", format!("Not continuing with pull after error: Get https://{image}: net/http: request canceled while waiting for connection\""))
                }
                _ => ("error", format!("memberlist: Failed to send ping to node{node}/{ip}:7946: read udp: i/o timeout\"")),
            };
            format!("time=\"{time}\" level={level} msg=\"{msg}")
        }

        fn containerd(&mut self, now: Clock) -> String {
            let time = logrus_time(now, self.rng.below(1_000_000_000));
            let id = self.ctr().id.clone();
            let (level, msg) = match self.rng.below(10) {
                0..=2 => (
                    "info",
                    format!("starting signal loop\" namespace=moby path=/run/containerd/io.containerd.runtime.v2.task/moby/{id} pid={} runtime=io.containerd.runc.v2", 10_000 + self.rng.below(900_000)),
                ),
                3 => ("info", format!("shim disconnected\" id={id}")),
                4 => ("info", format!("TaskExit event container_id:\"{id}\" id:\"{id}\" pid:{} exit_status:{}\"", 10_000 + self.rng.below(900_000), self.rng.pick(&["0", "1", "137", "143"]))),
                5 | 6 => ("warning", format!("cleaning up after shim disconnected\" id={id} namespace=moby")),
                7 => ("warning", format!("cleanup warnings time=\\\"{}\\\" level=info msg=\\\"starting signal loop\\\" namespace=moby pid={}\" id={id} namespace=moby", logrus_time(now, self.rng.below(1_000_000_000)), 10_000 + self.rng.below(900_000))),
                8 => ("error", format!("copy shim log\" error=\"read /proc/self/fd/{}: file already closed\"", 10 + self.rng.below(90))),
                _ => ("error", format!("failed to delete\" cmd=\"/usr/bin/containerd-shim-runc-v2 -namespace moby -address /run/containerd/containerd.sock -id {id} -bundle /run/containerd/io.containerd.runtime.v2.task/moby/{id} delete\" error=\"exit status 1\"")),
            };
            format!("time=\"{time}\" level={level} msg=\"{msg}")
        }

        fn kubelet(&mut self, now: Clock) -> String {
            let (day, h, m, sec) = day_and_time(now);
            let micros = self.rng.below(1_000_000);
            let stamp = format!("01{day:02} {h:02}:{m:02}:{sec:02}.{micros:06}");
            let i = self.rng.below(self.pods.len() as u64) as usize;
            let (uid, name, ns) = (
                self.pods[i].uid.clone(),
                self.pods[i].name.clone(),
                self.pods[i].namespace,
            );
            let id = self.ctr().id.clone();
            let container = name.split('-').next().unwrap_or("app").to_string();
            // A probe goes to the pod's own address.
            let ip = format!("10.244.{}.{}", i / 250, 2 + i % 250);
            let (letter, source, msg) = match self.rng.below(10) {
                0 | 1 => ('I', "kubelet.go:1888", format!("SyncLoop (PLEG): \"{name}_{ns}({uid})\", event: &pleg.PodLifecycleEvent{{ID:\"{uid}\", Type:\"ContainerStarted\", Data:\"{id}\"}}")),
                2 => ('I', "kuberuntime_manager.go:640", format!("computePodActions got {{KillPod:false CreateSandbox:false SandboxID:{} Attempt:0 NextInitContainerToStart:nil ContainersToStart:[0] ContainersToKill:map[]}} for pod \"{name}_{ns}({uid})\"", &id[..12])),
                3 | 4 => ('W', "prober.go:108", format!("Readiness probe for \"{name}_{ns}({uid}):{container}\" failed (failure): Get http://{ip}:8080/healthz: dial tcp {ip}:8080: connect: connection refused")),
                5 => ('W', "pod_container_deletor.go:77", format!("Container \"{id}\" not found in pod's containers")),
                6 | 7 => ('E', "pod_workers.go:190", format!("Error syncing pod {uid} (\"{name}_{ns}({uid})\"), skipping: failed to \"StartContainer\" for \"{container}\" with CrashLoopBackOff: \"Back-off 5m0s restarting failed container={container} pod={name}_{ns}({uid})\"")),
                8 => ('E', "remote_runtime.go:295", format!("ContainerStatus \"{id}\" from runtime service failed: rpc error: code = Unknown desc = Error: No such container: {id}")),
                _ => ('E', "kuberuntime_container.go:66", format!("Can't make a ref to pod \"{name}_{ns}({uid})\", container {container}: selfLink was empty, can't make reference")),
            };
            format!("{letter}{stamp}    1702 {source}] {msg}")
        }

        fn systemd(&mut self) -> String {
            self.session += 1;
            let n = self.session;
            match self.rng.below(5) {
                0 => format!("Started Session {n} of user {}.", self.user()),
                1 => format!("Starting Session {n} of user {}.", self.user()),
                2 => format!("Created slice User Slice of {}.", self.user()),
                3 => format!("Removed slice User Slice of {}.", self.user()),
                _ => "Started Cleanup of Temporary Directories.".to_string(),
            }
        }

        fn sshd(&mut self) -> String {
            let ip = self.ip();
            let port = 30_000 + self.rng.below(30_000);
            match self.rng.below(4) {
                0 => {
                    let key = hex(&mut self.rng, 43);
                    format!(
                        "Accepted publickey for {} from {ip} port {port} ssh2: RSA SHA256:{key}",
                        self.user()
                    )
                }
                1 => format!("Received disconnect from {ip} port {port}:11: disconnected by user"),
                2 => format!(
                    "pam_unix(sshd:session): session opened for user {} by (uid=0)",
                    self.user()
                ),
                _ => format!("Connection closed by {ip} port {port} [preauth]"),
            }
        }

        fn fluent_bit(&mut self, now: Clock) -> String {
            let (day, h, m, sec) = day_and_time(now);
            let stamp = format!("2018/01/{day:02} {h:02}:{m:02}:{sec:02}");
            match self.rng.below(3) {
                0 => format!("[{stamp}] [ warn] [engine] failed to flush chunk '{}-{}.{}.flb', retry in {} seconds: task_id={}, input=tail.0 > output=es.0 (out_id=0)", 1 + self.rng.below(9), 1_516_000_000 + self.rng.below(700_000), self.rng.below(1000), 5 + self.rng.below(60), self.rng.below(40)),
                1 => format!("[{stamp}] [ info] [engine] flush chunk '{}-{}.{}.flb' succeeded at retry {}: task_id={}, input=tail.0 > output=es.0 (out_id=0)", 1 + self.rng.below(9), 1_516_000_000 + self.rng.below(700_000), self.rng.below(1000), 1 + self.rng.below(5), self.rng.below(40)),
                _ => {
                    let id = self.ctr().id.clone();
                    format!("[{stamp}] [ info] [input:tail:tail.0] inotify_fs_add(): inode={} watch_fd={} name=/var/lib/docker/containers/{id}/{id}-json.log", 1_000_000 + self.rng.below(9_000_000), self.rng.below(500))
                }
            }
        }

        fn app(&mut self, now: Clock) -> String {
            let (day, h, m, sec) = day_and_time(now);
            let millis = self.rng.below(1000);
            let stamp = format!("2018-01-{day:02} {h:02}:{m:02}:{sec:02},{millis:03}");
            let thread = self.rng.below(200);
            match self.rng.below(10) {
                0..=6 => format!("{stamp} INFO [http-nio-8080-exec-{thread}] c.a.p.web.OrderController - GET /api/v1/orders/{} 200 {}ms", self.rng.below(10_000_000), 1 + self.rng.below(900)),
                7 | 8 => format!("{stamp} WARN [http-nio-8080-exec-{thread}] c.a.p.client.BillingClient - retry {} of 3 for invoice {} after 503", 1 + self.rng.below(3), self.rng.below(10_000_000)),
                _ => format!("{stamp} ERROR [http-nio-8080-exec-{thread}] c.a.p.web.ErrorHandler - request {} failed: java.net.SocketTimeoutException: Read timed out", alnum(&mut self.rng, 16)),
            }
        }
    }

    /// Which events of the stream a file holds, and how it frames them.
    #[derive(Clone, Copy)]
    enum View {
        /// `journalctl --no-pager`: a header line, then every event.
        Journal,
        /// rsyslog's file: the events in `[from, to)`, continuation lines joined with `#012`.
        Syslog { from: Clock, to: Clock },
        /// The ring buffer: kernel events from `from` on, stamped with the uptime.
        Dmesg { from: Clock },
    }

    struct StreamReader {
        stream: Stream,
        view: View,
        header_done: bool,
        pending: Vec<u8>,
        pos: usize,
        done: bool,
    }

    impl StreamReader {
        fn fill(&mut self) {
            if !self.header_done {
                self.header_done = true;
                if let View::Journal = self.view {
                    let _ = writeln!(
                        self.pending,
                        "-- Logs begin at {} CST, end at {} CST. --",
                        long_date(start()),
                        long_date(collected())
                    );
                }
            }
            while self.pending.len() < 64 * 1024 {
                let Some(e) = self.stream.next() else {
                    self.done = true;
                    return;
                };
                match self.view {
                    View::Journal => {
                        for part in e.body.split('\n') {
                            let _ = writeln!(
                                self.pending,
                                "{} {HOST} {}: {part}",
                                syslog_stamp(e.t),
                                e.tag
                            );
                        }
                    }
                    View::Syslog { from, to } => {
                        if e.t >= to {
                            self.done = true;
                            return;
                        }
                        if e.t >= from {
                            let body = e.body.replace('\n', "#012");
                            let _ = writeln!(
                                self.pending,
                                "{} {HOST} {}: {body}",
                                syslog_stamp(e.t),
                                e.tag
                            );
                        }
                    }
                    View::Dmesg { from } => {
                        if e.t >= from && e.is_kernel() {
                            let uptime = e.t - boot();
                            let _ =
                                writeln!(self.pending, "[{uptime:>7}.{:06}] {}", e.micros, e.body);
                        }
                    }
                }
            }
        }
    }

    impl Read for StreamReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            while self.pos == self.pending.len() {
                if self.done {
                    return Ok(0);
                }
                self.pending.clear();
                self.pos = 0;
                self.fill();
            }
            let rest = &self.pending[self.pos..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn stream_file(path: &str, target: u64, seed: u64, view: View) -> FileSpec {
        FileSpec {
            path: path.to_string(),
            open: Box::new(move || {
                Box::new(StreamReader {
                    stream: Stream::new(target, seed),
                    view,
                    header_done: false,
                    pending: Vec::new(),
                    pos: 0,
                    done: false,
                })
            }),
        }
    }

    /// `docker events` of the last day: `count` events, in time order.
    fn docker_events(count: u64, seed: u64) -> String {
        use std::fmt::Write as _;
        let mut rng = Rng(seed ^ 0xE7E7_0000_0000_0000);
        let ctrs = containers(&mut Rng(seed ^ 0xDE45_E000_0000_0000));
        let from = collected() - DAY;
        // The host's networks: the bridge every container joins, and an overlay per stack.
        let networks: Vec<(String, &str, &str)> = vec![
            (hex(&mut rng, 64), "docker_gwbridge", "bridge"),
            (alnum(&mut rng, 25), "crm_default", "overlay"),
            (alnum(&mut rng, 25), "billing_default", "overlay"),
            (hex(&mut rng, 64), "bridge", "bridge"),
        ];
        let mut out = String::with_capacity(count as usize * 260);
        for i in 0..count {
            let t = from + (DAY as u64 * i / count.max(1)) as Clock;
            let nanos = rng.below(1_000_000_000);
            let c = &ctrs[rng.below(ctrs.len() as u64) as usize];
            let swarm = format!(
                "com.docker.swarm.node.id=xq3b8w1l0e5n7z2c4v6m9k1hd, com.docker.swarm.service.name={}, com.docker.swarm.task.name={}",
                c.service, c.name
            );
            let attrs = format!("{swarm}, image={}, name={}", c.image, c.name);
            let line = match rng.below(100) {
                0..=19 => format!("container exec_create: /bin/sh -c curl -fs http://localhost:8080/health || exit 1 {} ({attrs})", c.id),
                20..=39 => format!("container exec_start: /bin/sh -c curl -fs http://localhost:8080/health || exit 1 {} ({attrs})", c.id),
                40..=59 => format!("container exec_die {} (execID={}, exitCode={}, {attrs})", c.id, hex(&mut rng, 64), rng.pick(&["0", "0", "0", "1"])),
                60..=64 => format!("container create {} ({attrs})", c.id),
                65..=69 => format!("container start {} ({attrs})", c.id),
                70..=72 => format!("container kill {} ({attrs}, signal={})", c.id, rng.pick(&["15", "9"])),
                73..=77 => format!("container die {} ({swarm}, exitCode={}, image={}, name={})", c.id, rng.pick(&["0", "1", "137", "143", "2"]), c.image, c.name),
                78..=79 => format!("container destroy {} ({attrs})", c.id),
                80..=97 => {
                    let (id, name, kind) = &networks[rng.below(networks.len() as u64) as usize];
                    let verb = if rng.below(2) == 0 { "connect" } else { "disconnect" };
                    format!("network {verb} {id} (container={}, name={name}, type={kind})", c.id)
                }
                98 => format!("image pull {} (name={})", c.image, c.image.split(':').next().unwrap_or("")),
                _ => {
                    if rng.below(5) == 0 {
                        format!("container oom {} ({attrs})", c.id)
                    } else {
                        format!("container restart {} ({attrs})", c.id)
                    }
                }
            };
            let _ = writeln!(out, "{}.{nanos:09}+08:00 {line}", iso(t));
        }
        out
    }

    /// A `docker inspect` document per container, after the seed's.
    fn inspect(ctr: &Ctr, rng: &mut Rng) -> String {
        let seed_doc = include_str!("../samples/seed-runc-unshare-enomem/docker-inspect.json");
        let limit = [0u64, 268_435_456, 536_870_912, 1_073_741_824][rng.below(4) as usize];
        let (status, code, error) = match rng.below(6) {
            0 => ("exited", 137, ""),
            1 => ("created", 128, "x"),
            _ => ("running", 0, ""),
        };
        let mut doc = seed_doc
            .replace(
                "3f2a8c1e9b7d4e6f0a5c2d8b1e7f9a3c6d4b2e8f1a7c5d9e3b6f0a2c8d4e1b7f",
                &ctr.id,
            )
            .replace(
                "/crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u",
                &format!("/{}", ctr.name),
            )
            .replace("\"Memory\": 268435456", &format!("\"Memory\": {limit}"))
            .replace(
                "\"Status\": \"created\"",
                &format!("\"Status\": \"{status}\""),
            )
            .replace("\"ExitCode\": 128", &format!("\"ExitCode\": {code}"));
        if error.is_empty() {
            doc = doc
                .lines()
                .map(|line| match line.find("\"Error\": ") {
                    Some(at) => format!("{}\"Error\": \"\",\n", &line[..at]),
                    None => format!("{line}\n"),
                })
                .collect();
        }
        doc
    }

    /// The files of the `event-dense` profile for a bundle of about `size` bytes.
    pub(super) fn files(size: u64, seed: u64) -> Vec<FileSpec> {
        let mut files: Vec<FileSpec> = TABLES
            .iter()
            .filter(|(path, _)| !path.starts_with("sos_commands/docker/"))
            .map(|(path, content)| FileSpec::text(path, content))
            .collect();
        let mut rng = Rng(seed ^ 0x1A5E_C700_0000_0000);
        let ctrs = containers(&mut Rng(seed ^ 0xDE45_E000_0000_0000));
        let mut small = 0u64;
        for ctr in ctrs.iter().take(50) {
            let doc = inspect(ctr, &mut rng);
            small += doc.len() as u64;
            files.push(FileSpec::owned(
                format!(
                    "sos_commands/docker/containers/docker_inspect_{}",
                    &ctr.id[..12]
                ),
                doc,
            ));
        }
        let events = docker_events(100_000, seed);
        small += events.len() as u64;
        files.push(FileSpec::owned(
            "sos_commands/docker/docker_events".to_string(),
            events,
        ));
        // The journal and the two messages files hold the stream twice over; the ring buffer
        // adds about 1.6 %.
        let target = (size.saturating_sub(small) as f64 / 2.03) as u64;
        let target = target.max(64 * 1024);
        let s = seed.wrapping_add(7);
        files.push(stream_file(
            "sos_commands/logs/journalctl_--no-pager",
            target,
            s,
            View::Journal,
        ));
        files.push(stream_file(
            "var/log/messages-20180121",
            target,
            s,
            View::Syslog {
                from: start(),
                to: rotation(),
            },
        ));
        files.push(stream_file(
            "var/log/messages",
            target,
            s,
            View::Syslog {
                from: rotation(),
                to: Clock::MAX,
            },
        ));
        let wrapped = start() + (collected() - start()) / 5;
        files.push(stream_file(
            "sos_commands/kernel/dmesg",
            target,
            s,
            View::Dmesg { from: wrapped },
        ));
        files
    }
}
/// One file of the bundle: its path and a way to produce its bytes (twice for a tar: once to
/// learn the size for the header, once to write it).
struct FileSpec {
    path: String,
    open: Box<dyn Fn() -> Box<dyn Read>>,
}

impl FileSpec {
    fn text(path: &str, content: &'static str) -> FileSpec {
        FileSpec {
            path: path.to_string(),
            open: Box::new(move || Box::new(content.as_bytes())),
        }
    }

    fn owned(path: String, content: String) -> FileSpec {
        let content = std::rc::Rc::new(content);
        FileSpec {
            path,
            open: Box::new(move || Box::new(io::Cursor::new(content.as_bytes().to_vec()))),
        }
    }
}

/// The files of the `chatter` profile.
fn chatter_files(size: u64, seed: u64) -> Vec<FileSpec> {
    let mut files: Vec<FileSpec> = TABLES
        .iter()
        .map(|(path, content)| FileSpec::text(path, content))
        .collect();
    for plan in plans(size, seed) {
        let path = plan.path.to_string();
        files.push(FileSpec {
            path,
            open: Box::new(move || Box::new(log_reader(&plan))),
        });
    }
    files
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Dir,
    Tar,
    TarGz,
    TarXz,
    TarZst,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Chatter,
    EventDense,
}

struct Args {
    size: u64,
    seed: u64,
    format: Format,
    profile: Profile,
    out: PathBuf,
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1u64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

fn parse_args() -> Result<Args, String> {
    let mut size = None;
    let mut seed = 42;
    let mut format = None;
    let mut profile = Profile::Chatter;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--size" => size = Some(parse_size(&value()?).ok_or("bad --size")?),
            "--seed" => seed = value()?.parse().map_err(|_| "bad --seed")?,
            "--format" => {
                format = Some(match value()?.as_str() {
                    "dir" => Format::Dir,
                    "tar" => Format::Tar,
                    "tar.gz" => Format::TarGz,
                    "tar.xz" => Format::TarXz,
                    "tar.zst" => Format::TarZst,
                    other => return Err(format!("unknown format {other}")),
                })
            }
            "--profile" => {
                profile = match value()?.as_str() {
                    "chatter" => Profile::Chatter,
                    "event-dense" => Profile::EventDense,
                    other => return Err(format!("unknown profile {other}")),
                }
            }
            "-o" | "--output" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                return Err(
                    "usage: gen-bundle --size 1G [--seed 42] [--profile chatter|event-dense] --format dir|tar|tar.gz|tar.xz|tar.zst -o PATH"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        size: size.ok_or("--size is required")?,
        seed,
        format: format.ok_or("--format is required")?,
        profile,
        out: out.ok_or("-o is required")?,
    })
}

fn write_dir(dir: &Path, files: &[FileSpec]) -> io::Result<()> {
    let root = dir.join(ROOT);
    for file in files {
        let p = root.join(&file.path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut f = BufWriter::with_capacity(1 << 20, File::create(p)?);
        io::copy(&mut (file.open)(), &mut f)?;
        f.flush()?;
    }
    Ok(())
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    // 2018-01-23 20:15 CST, when the sosreport was taken.
    h.set_mtime(1_516_709_700);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

fn write_tar<W: Write>(out: W, files: &[FileSpec]) -> io::Result<W> {
    let mut b = tar::Builder::new(out);
    let mut dirs: Vec<String> = Vec::new();
    let mut add_dirs = |b: &mut tar::Builder<W>, path: &str| -> io::Result<()> {
        let mut acc = String::from(ROOT);
        let parts: Vec<&str> = path.split('/').collect();
        let mut all = vec![acc.clone()];
        for p in &parts[..parts.len().saturating_sub(1)] {
            acc = format!("{acc}/{p}");
            all.push(acc.clone());
        }
        for d in all {
            if !dirs.contains(&d) {
                let mut h = tar::Header::new_gnu();
                h.set_size(0);
                h.set_mode(0o755);
                h.set_mtime(1_516_709_700);
                h.set_entry_type(tar::EntryType::Directory);
                b.append_data(&mut h, format!("{d}/"), io::empty())?;
                dirs.push(d);
            }
        }
        Ok(())
    };
    for file in files {
        add_dirs(&mut b, &file.path)?;
        let size = io::copy(&mut (file.open)(), &mut io::sink())?;
        let mut h = header(size);
        b.append_data(&mut h, format!("{ROOT}/{}", file.path), (file.open)())?;
    }
    b.into_inner()
}

fn run(args: &Args) -> io::Result<()> {
    let files = match args.profile {
        Profile::Chatter => chatter_files(args.size, args.seed),
        Profile::EventDense => dense::files(args.size, args.seed),
    };
    if args.format == Format::Dir {
        return write_dir(&args.out, &files);
    }
    let file = BufWriter::with_capacity(1 << 20, File::create(&args.out)?);
    match args.format {
        Format::Dir => Ok(()),
        Format::Tar => write_tar(file, &files)?.flush(),
        Format::TarGz => {
            let gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(6));
            write_tar(gz, &files)?.finish()?.flush()
        }
        Format::TarXz => {
            // Preset 3: a single-block stream like `xz -3`; decoding speed barely depends on
            // the preset, and higher presets take minutes to write a GB.
            let xz = lzma_rust2::XzWriter::new(file, lzma_rust2::XzOptions::with_preset(3))?;
            write_tar(xz, &files)?.finish()?.flush()
        }
        Format::TarZst => {
            let zst = zstd::Encoder::new(file, 3)?;
            write_tar(zst, &files)?.finish()?.flush()
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-bundle: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-bundle: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
