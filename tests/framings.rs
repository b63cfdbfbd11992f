//! The seed's kernel log in every framing a bundle or a ticket brings it in: each is generated
//! here from `samples/seed-runc-unshare-enomem/dmesg` and must reach the verdict and the chain of
//! the ring buffer it was made from, through the binary, under its usual file name and under a
//! name that says nothing.

use serde_json::Value;

use crate::util::{repo, report_json};

/// One kernel record of the seed's ring buffer: its stamp, its first line and the lines the
/// kernel printed with it (Mem-Info counters).
struct Record {
    uptime: String,
    message: String,
    continued: Vec<String>,
}

const HOST: &str = "beta_004";
/// The record at this uptime was logged at 2018-01-23 20:10:01.240 +08:00 (the seed's syslog).
const ANCHOR_UPTIME: f64 = 2_751_018.239_907;
/// 2018-01-23T12:10:01.239907Z in microseconds since the epoch.
const ANCHOR_UNIX_MICROS: i64 = 1_516_709_401_239_907;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

fn seed_records() -> Vec<Record> {
    let text = std::fs::read_to_string(repo().join("samples/seed-runc-unshare-enomem/dmesg"))
        .expect("the seed's dmesg");
    let mut records: Vec<Record> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('[') {
            let (uptime, message) = rest.split_once("] ").expect("a stamped line");
            records.push(Record {
                uptime: uptime.trim().to_string(),
                message: message.to_string(),
                continued: Vec::new(),
            });
        } else if let Some(last) = records.last_mut() {
            last.continued.push(line.to_string());
        }
    }
    assert!(records.iter().any(|r| !r.continued.is_empty()));
    records
}

/// Civil time (+08:00) of a record: year, month, day, hour, minute, second, microsecond,
/// weekday, and the instant in microseconds since the epoch.
struct Civil {
    month: usize,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
    weekday: &'static str,
    unix_micros: i64,
}

fn civil(uptime: &str) -> Civil {
    let up: f64 = uptime.parse().expect("uptime");
    let unix_micros = ANCHOR_UNIX_MICROS + ((up - ANCHOR_UPTIME) * 1e6).round() as i64;
    let local = unix_micros + 8 * 3_600_000_000;
    let days = local.div_euclid(86_400_000_000);
    let of_day = local.rem_euclid(86_400_000_000);
    // Every record falls in January 2018: 17532 days after the epoch is 2018-01-01.
    let day = days - 17_532 + 1;
    assert!((1..=31).contains(&day));
    Civil {
        month: 0,
        day,
        hour: of_day / 3_600_000_000,
        minute: of_day / 60_000_000 % 60,
        second: of_day / 1_000_000 % 60,
        micros: of_day % 1_000_000,
        weekday: WEEKDAYS[days.rem_euclid(7) as usize],
        unix_micros,
    }
}

impl Civil {
    fn syslog(&self) -> String {
        format!(
            "{} {:>2} {:02}:{:02}:{:02}",
            MONTHS[self.month], self.day, self.hour, self.minute, self.second
        )
    }
    fn iso(&self, fraction_sep: char, offset: &str) -> String {
        format!(
            "2018-01-{:02}T{:02}:{:02}:{:02}{fraction_sep}{:06}{offset}",
            self.day, self.hour, self.minute, self.second, self.micros
        )
    }
}

/// The whole message of a record, with its continuation lines joined by `sep`.
fn joined(r: &Record, sep: &str) -> String {
    let mut m = r.message.clone();
    for c in &r.continued {
        m.push_str(sep);
        m.push_str(c);
    }
    m
}

/// Each record as one prefixed line, its continuation lines joined with `#012` as rsyslog
/// writes them.
fn per_record(prefix: impl Fn(&Record, &Civil) -> String) -> String {
    seed_records()
        .iter()
        .map(|r| format!("{}{}\n", prefix(r, &civil(&r.uptime)), joined(r, "#012")))
        .collect()
}

/// Each record as one prefixed line, its continuation lines below it as the program prints
/// them (`indent` before each).
fn with_continuations(prefix: impl Fn(&Record, &Civil) -> String, indent: bool) -> String {
    let mut out = String::new();
    for r in seed_records() {
        let p = prefix(&r, &civil(&r.uptime));
        out.push_str(&format!("{p}{}\n", r.message));
        for c in &r.continued {
            let pad = if indent {
                " ".repeat(p.len())
            } else {
                String::new()
            };
            out.push_str(&format!("{pad}{c}\n"));
        }
    }
    out
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a JSON string")
}

fn journal_json() -> String {
    seed_records()
        .iter()
        .map(|r| {
            let c = civil(&r.uptime);
            let up: f64 = r.uptime.parse().expect("uptime");
            format!(
                "{{\"__CURSOR\":\"s=1;i={}\",\"__REALTIME_TIMESTAMP\":\"{}\",\"__MONOTONIC_TIMESTAMP\":\"{}\",\"_BOOT_ID\":\"6c7c6013a26343b29e964691ff25d04c\",\"_TRANSPORT\":\"kernel\",\"PRIORITY\":\"4\",\"SYSLOG_FACILITY\":\"0\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":{},\"_HOSTNAME\":\"{HOST}\"}}\n",
                c.unix_micros,
                c.unix_micros,
                (up * 1e6).round() as i64,
                json_string(&joined(r, "\n"))
            )
        })
        .collect()
}

/// `journalctl -o export`: a message with a newline is written in the binary-safe form (the
/// field name, a 64-bit little-endian length, the bytes).
fn journal_export() -> Vec<u8> {
    let mut out = Vec::new();
    for r in seed_records() {
        let c = civil(&r.uptime);
        let up: f64 = r.uptime.parse().expect("uptime");
        out.extend_from_slice(
            format!(
                "__CURSOR=s=1;i={}\n__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=6c7c6013a26343b29e964691ff25d04c\n_TRANSPORT=kernel\nPRIORITY=4\nSYSLOG_FACILITY=0\nSYSLOG_IDENTIFIER=kernel\n",
                c.unix_micros,
                c.unix_micros,
                (up * 1e6).round() as i64
            )
            .as_bytes(),
        );
        let message = joined(&r, "\n");
        if message.contains('\n') {
            out.extend_from_slice(b"MESSAGE\n");
            out.extend_from_slice(&(message.len() as u64).to_le_bytes());
            out.extend_from_slice(message.as_bytes());
            out.push(b'\n');
        } else {
            out.extend_from_slice(format!("MESSAGE={message}\n").as_bytes());
        }
        out.extend_from_slice(format!("_HOSTNAME={HOST}\n\n").as_bytes());
    }
    out
}

fn dmesg() -> String {
    std::fs::read_to_string(repo().join("samples/seed-runc-unshare-enomem/dmesg"))
        .expect("the seed's dmesg")
}

/// Every line of `text` with `f` applied.
fn each_line(text: &str, f: impl Fn(&str) -> String) -> String {
    text.lines().map(|l| f(l) + "\n").collect()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xfe, 0xff]
    } else {
        vec![0xff, 0xfe]
    };
    for unit in text.encode_utf16() {
        let bytes = if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    out
}

/// Every framing: a name, the file name it usually has, and its bytes.
fn framings() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let t = |s: String| s.into_bytes();
    let syslog =
        |host: &'static str| per_record(move |_, c| format!("{} {host}kernel: ", c.syslog()));
    vec![
        ("syslog", "messages", t(syslog("beta_004 "))),
        ("syslog without host", "messages", t(syslog(""))),
        ("syslog with an empty host", "messages", t(syslog(" "))),
        (
            "syslog with its newlines kept",
            "messages",
            t(with_continuations(
                |_, c| format!("{} {HOST} kernel: ", c.syslog()),
                false,
            )),
        ),
        (
            "RFC 3164 with its priority",
            "messages",
            t(per_record(|_, c| {
                format!("<4>{} {HOST} kernel: ", c.syslog())
            })),
        ),
        (
            "RFC 5424",
            "messages",
            t(per_record(|_, c| {
                format!("<4>1 {} {HOST} kernel - - - ", c.iso('.', "+08:00"))
            })),
        ),
        (
            "rsyslog ISO stamps",
            "messages",
            t(per_record(|_, c| {
                format!("{} {HOST} kernel: ", c.iso('.', "+08:00"))
            })),
        ),
        (
            "kern.log with both stamps",
            "kern.log",
            t(per_record(|r, c| {
                format!("{} {HOST} kernel: [{:>12}] ", c.syslog(), r.uptime)
            })),
        ),
        (
            "journalctl short",
            "journalctl_-k",
            t(with_continuations(
                |_, c| format!("{} {HOST} kernel: ", c.syslog()),
                true,
            )),
        ),
        (
            "journalctl short-iso",
            "journalctl_-k_-o_short-iso",
            t(with_continuations(
                |_, c| {
                    format!(
                        "2018-01-{:02}T{:02}:{:02}:{:02}+0800 {HOST} kernel: ",
                        c.day, c.hour, c.minute, c.second
                    )
                },
                true,
            )),
        ),
        (
            "journalctl short-precise",
            "journalctl_-k_-o_short-precise",
            t(with_continuations(
                |_, c| format!("{}.{:06} {HOST} kernel: ", c.syslog(), c.micros),
                true,
            )),
        ),
        (
            "journalctl short-monotonic",
            "journalctl_-k_-o_short-monotonic",
            t(with_continuations(
                |r, _| format!("[{:>14}] {HOST} kernel: ", r.uptime),
                true,
            )),
        ),
        (
            "journalctl cat",
            "journalctl_-k_-o_cat",
            t(with_continuations(|_, _| String::new(), false)),
        ),
        (
            "journalctl json",
            "journalctl_-k_-o_json",
            t(journal_json()),
        ),
        (
            "journalctl export",
            "journalctl_-k_-o_export",
            journal_export(),
        ),
        ("dmesg", "dmesg", t(dmesg())),
        (
            "dmesg -T",
            "dmesg_-T",
            t(with_continuations(
                |_, c| {
                    format!(
                        "[{} {} {:>2} {:02}:{:02}:{:02} 2018] ",
                        c.weekday, MONTHS[c.month], c.day, c.hour, c.minute, c.second
                    )
                },
                false,
            )),
        ),
        (
            "dmesg -r",
            "dmesg_-r",
            t(with_continuations(
                |r, _| format!("<4>[{:>12}] ", r.uptime),
                false,
            )),
        ),
        (
            "dmesg -x",
            "dmesg_-x",
            t(with_continuations(
                |r, _| format!("kern  :warn  : [{:>12}] ", r.uptime),
                false,
            )),
        ),
        (
            "dmesg --time-format iso",
            "dmesg_--time-format_iso",
            t(with_continuations(
                |_, c| format!("{} ", c.iso(',', "+08:00")),
                false,
            )),
        ),
        (
            "quoted with > marks",
            "dmesg",
            t(each_line(&dmesg(), |l| format!("> {l}"))),
        ),
        (
            "indented by four spaces",
            "dmesg",
            t(each_line(&dmesg(), |l| format!("    {l}"))),
        ),
        (
            "indented by a tab",
            "dmesg",
            t(each_line(&dmesg(), |l| format!("\t{l}"))),
        ),
        (
            "after a $ dmesg prompt line",
            "dmesg",
            t(format!(
                "[root@beta_004 ~]$ dmesg | tail -60\n{}$ \n",
                dmesg()
            )),
        ),
        (
            "syslog quoted in a ticket",
            "messages",
            t(each_line(&syslog("beta_004 "), |l| format!("> {l}"))),
        ),
        (
            "with CRLF line ends",
            "dmesg",
            t(each_line(&dmesg(), |l| format!("{l}\r"))),
        ),
        (
            "with non-breaking spaces",
            "dmesg",
            t(each_line(&dmesg(), |l| {
                // A paste turns a leading space, and each second space of a run, into U+00A0.
                let mut out = String::new();
                let mut previous = '\n';
                for ch in l.chars() {
                    if ch == ' ' && (previous == '\n' || previous == ' ') {
                        out.push('\u{a0}');
                        previous = '\u{a0}';
                    } else {
                        out.push(ch);
                        previous = ch;
                    }
                }
                out
            })),
        ),
        ("UTF-8 with a BOM", "dmesg", {
            let mut b = vec![0xef, 0xbb, 0xbf];
            b.extend_from_slice(dmesg().as_bytes());
            b
        }),
        ("UTF-16LE with a BOM", "dmesg", utf16(&dmesg(), false)),
        ("UTF-16BE with a BOM", "dmesg", utf16(&dmesg(), true)),
        (
            "syslog in UTF-16LE with a BOM",
            "messages",
            utf16(&syslog("beta_004 "), false),
        ),
    ]
}

fn verdict_and_chain(report: &Value) -> (String, Vec<String>) {
    let cause = &report["root_cause"];
    let chain = cause["chain"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    (
        cause["verdict"].as_str().unwrap_or("none").to_string(),
        chain,
    )
}

fn report_of_file(name: &str, bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join(name), bytes).expect("write the log");
    report_json(dir.path())
}

#[test]
fn the_seed_kernel_log_reaches_its_verdict_in_every_framing() {
    let reference = verdict_and_chain(&report_of_file("dmesg", dmesg().as_bytes()));
    assert_eq!(reference.0, "mm.external-fragmentation");
    let mut wrong = Vec::new();
    for (what, name, bytes) in framings() {
        for file in [name, "attachment.txt"] {
            let report = report_of_file(file, &bytes);
            let got = verdict_and_chain(&report);
            if got != reference {
                wrong.push(format!("{what} ({file}): {got:?}"));
                continue;
            }
            // Read as a log, without a warning that something could not be.
            let sources = report["sources"].as_array().cloned().unwrap_or_default();
            let warned: Vec<String> = sources
                .iter()
                .flat_map(|s| s["warnings"].as_array().cloned().unwrap_or_default())
                .map(|w| w.to_string())
                .collect();
            if !warned.is_empty() {
                wrong.push(format!("{what} ({file}): warnings {warned:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "framings that do not reach {reference:?}:\n{}",
        wrong.join("\n")
    );
}

/// The seed sample with its kernel logs replaced by one framing: the verdict and chain of the
/// sample as shipped.
#[test]
fn the_seed_sample_with_its_kernel_log_in_other_framings_keeps_its_verdict() {
    let sample = repo().join("samples/seed-runc-unshare-enomem");
    let reference = verdict_and_chain(&report_json(&sample));
    for (what, name, bytes) in framings().into_iter().filter(|(what, _, _)| {
        ["RFC 5424", "journalctl json", "UTF-16LE with a BOM"].contains(what)
    }) {
        let dir = tempfile::tempdir().expect("temporary folder");
        crate::util::copy_dir(&sample, dir.path());
        for old in ["dmesg", "messages"] {
            std::fs::remove_file(dir.path().join(old)).expect("remove a kernel log");
        }
        std::fs::write(dir.path().join(name), &bytes).expect("write the log");
        assert_eq!(
            verdict_and_chain(&report_json(dir.path())),
            reference,
            "{what}"
        );
    }
}

/// A real excerpt without a host name (`journalctl -o short-monotonic --no-hostname`, earlyoom
/// issue 220): the `kernel:` tag is framing, not part of the message, so the failing task is
/// `earlyoom` and the report is read whole, whatever the file is called.
#[test]
fn a_real_log_without_host_names_is_read_as_the_kernel_wrote_it() {
    let text = std::fs::read_to_string(
        repo().join("tests/data/journalctl/earlyoom-220-journal-monotonic-5.9-gfp-nowait.txt"),
    )
    .expect("test data");
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
        .map(|l| format!("{l}\n"))
        .collect();
    for name in ["dmesg", "journalctl_-k", "notes.txt"] {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join(name), &body).expect("write the excerpt");
        let out = crate::util::postmortem()
            .args(["inspect", "--facts"])
            .arg(dir.path())
            .output()
            .expect("run postmortem");
        assert!(out.status.success());
        let facts: Value = serde_json::from_slice(&out.stdout).expect("facts are JSON");
        let log = &facts["kernel_logs"][0]["value"];
        assert_eq!(log["kernel_messages"], 13, "{name}");
        assert_eq!(
            log["kernel_release"], "5.9.0-0.rc4.5.fc34.x86_64+debug",
            "{name}"
        );
        let failure = &log["alloc_failures"][0];
        assert_eq!(failure["task"], "earlyoom", "{name}");
        assert_eq!(failure["order"], 0, "{name}");
        assert_eq!(failure["stamp"]["uptime_s"], 21161.092614, "{name}");
    }
}

/// A file taken for a log by its name that yields nothing says why.
#[test]
fn a_log_read_as_nothing_says_why() {
    let report = report_of_file(
        "messages",
        b"$ cat /var/log/messages\ncopied from the console:\nthe node hung at 20:10 and was restarted\n",
    );
    let warnings = report["sources"][0]["warnings"].to_string();
    assert!(
        warnings.contains("no line of this file has a syslog prefix"),
        "{warnings}"
    );
}
