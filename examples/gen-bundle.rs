//! Generate a large, deterministic sosreport-shaped bundle for benchmarks.
//!
//! ```text
//! cargo run --release --example gen-bundle -- --size 1G --seed 42 --format tar.gz -o /tmp/big.tar.gz
//! ```
//!
//! Formats: `dir`, `tar`, `tar.gz`, `tar.xz`, `tar.zst`. Sizes take a `K`, `M` or `G` suffix
//! (powers of 1024) and count the uncompressed bytes of all files.
//!
//! The logs are dominated by ordinary chatter (systemd sessions, sshd logins, crond, dockerd info
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
        match self.rng.below(7) {
            0 => format!("docker_gwbridge: port {port}({veth}) entered disabled state"),
            1 => format!("docker_gwbridge: port {port}({veth}) entered forwarding state"),
            2 => format!("device {veth} entered promiscuous mode"),
            3 => format!("device {veth} left promiscuous mode"),
            4 => format!("IPv6: ADDRCONF(NETDEV_UP): {veth}: link is not ready"),
            5 => format!("IPv6: ADDRCONF(NETDEV_CHANGE): {veth}: link becomes ready"),
            _ => format!(
                "IPVS: Creating netns size=2040 id={}",
                1000 + self.rng.below(9000)
            ),
        }
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
                let m = self
                    .rng
                    .pick(&[
                        "(root) CMD (/usr/lib64/sa/sa1 1 1)",
                        "(root) CMD (run-parts /etc/cron.hourly)",
                        "(root) CMD (/usr/local/bin/logrotate-docker.sh >/dev/null 2>&1)",
                    ])
                    .to_string();
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

/// The exact size a plan produces (whole lines: the last one crosses the target).
fn log_size(plan: &LogPlan) -> io::Result<u64> {
    io::copy(&mut log_reader(plan), &mut io::sink())
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Dir,
    Tar,
    TarGz,
    TarXz,
    TarZst,
}

struct Args {
    size: u64,
    seed: u64,
    format: Format,
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
            "-o" | "--output" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                return Err(
                    "usage: gen-bundle --size 1G [--seed 42] --format dir|tar|tar.gz|tar.xz|tar.zst -o PATH"
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
        out: out.ok_or("-o is required")?,
    })
}

fn write_dir(dir: &Path, plans: &[LogPlan]) -> io::Result<()> {
    let root = dir.join(ROOT);
    for (path, content) in TABLES {
        let p = root.join(path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(p, content)?;
    }
    for plan in plans {
        let p = root.join(plan.path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut f = BufWriter::with_capacity(1 << 20, File::create(p)?);
        io::copy(&mut log_reader(plan), &mut f)?;
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

fn write_tar<W: Write>(out: W, plans: &[LogPlan]) -> io::Result<W> {
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
    for (path, content) in TABLES {
        add_dirs(&mut b, path)?;
        let mut h = header(content.len() as u64);
        b.append_data(&mut h, format!("{ROOT}/{path}"), content.as_bytes())?;
    }
    for plan in plans {
        add_dirs(&mut b, plan.path)?;
        let size = log_size(plan)?;
        let mut h = header(size);
        b.append_data(&mut h, format!("{ROOT}/{}", plan.path), log_reader(plan))?;
    }
    b.into_inner()
}

fn run(args: &Args) -> io::Result<()> {
    let plans = plans(args.size, args.seed);
    if args.format == Format::Dir {
        return write_dir(&args.out, &plans);
    }
    let file = BufWriter::with_capacity(1 << 20, File::create(&args.out)?);
    match args.format {
        Format::Dir => Ok(()),
        Format::Tar => write_tar(file, &plans)?.flush(),
        Format::TarGz => {
            let gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(6));
            write_tar(gz, &plans)?.finish()?.flush()
        }
        Format::TarXz => {
            // Preset 3: a single-block stream like `xz -3`; decoding speed barely depends on
            // the preset, and higher presets take minutes to write a GB.
            let xz = lzma_rust2::XzWriter::new(file, lzma_rust2::XzOptions::with_preset(3))?;
            write_tar(xz, &plans)?.finish()?.flush()
        }
        Format::TarZst => {
            let zst = zstd::Encoder::new(file, 3)?;
            write_tar(zst, &plans)?.finish()?.flush()
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
