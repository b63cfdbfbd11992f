//! `systemctl status` output: each unit's memory in use, its memory limits, the drop-ins that
//! set them, its control group, its main pid and the processes of its control group's tree.
//!
//! A unit's block starts with its header (`● batch.slice - Batch jobs`, `*` where the
//! terminal has no bullet) and holds `Key: value` lines. The memory line changed with systemd's
//! versions: `Memory: 1.1M (limit: 10.0M)` (`MemoryLimit=`, cgroup v1) before 240, then
//! `Memory: 812.4M (high: 900.0M max: 1.0G swap max: 0B available: 211.6M)` with those the unit
//! sets; 252 adds `peak:`. Sizes are systemd's: `K`, `M`, `G`, `T` of 1024, `B` for bytes.
//!
//! `systemctl status` without a unit (sosreport's `systemctl status --all`) begins with the
//! host's block: its name behind the same bullet, then `State:`, `Jobs:` and a `CGroup: /` tree
//! of the whole machine. That block is no unit and is not read as one.

use crate::facts::{Line, SystemdUnitStatus, UnitMemoryLimit, UnitProcess};
use crate::parse::Parsed;
use crate::sources::sniff::{sniff_regex, Head, Strength};
use crate::sources::{Format, Parse, Paths, SourceKind};

/// The memory settings `systemctl status` names in its `Memory:` line's parentheses.
const LIMIT_KEYS: &[&str] = &[
    "min",
    "low",
    "high",
    "max",
    "swap max",
    "zswap max",
    "limit",
    "available",
    "peak",
];

/// A size as systemd prints it: `812.4M`, `1.0G`, `648.0K`, `0B`.
fn size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = number.parse().ok()?;
    let mult: f64 = match unit {
        "B" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    // Sizes are printed with one decimal: the product is a byte count well within u64.
    Some((n * mult).round() as u64)
}

/// `812.4M (max: 1.0G available: 211.6M)`: the usage and the named settings.
fn memory_value(value: &str) -> (Option<u64>, Vec<UnitMemoryLimit>) {
    let (usage, rest) = match value.split_once(" (") {
        Some((u, r)) => (u, r.trim_end_matches(')')),
        None => (value, ""),
    };
    let mut limits = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some(key) = LIMIT_KEYS
            .iter()
            .filter(|k| rest.starts_with(&format!("{k}: ")))
            .max_by_key(|k| k.len())
        else {
            break;
        };
        let after = &rest[key.len() + 2..];
        let end = after.find(' ').unwrap_or(after.len());
        if let Some(bytes) = size(&after[..end]) {
            limits.push(UnitMemoryLimit {
                key: (*key).to_string(),
                bytes,
            });
        }
        rest = after[end..].trim_start();
    }
    (size(usage), limits)
}

/// A unit's header: `● name - description`, `* name - description`, `○`/`×` for inactive and
/// failed units.
fn header(line: &str) -> Option<(&str, Option<&str>)> {
    let t = line.trim_start();
    let rest = ["● ", "* ", "○ ", "× ", "↻ "]
        .iter()
        .find_map(|b| t.strip_prefix(b))?;
    let (name, description) = match rest.split_once(" - ") {
        Some((n, d)) => (n.trim(), Some(d.trim())),
        None => (rest.trim(), None),
    };
    (!name.is_empty() && !name.contains(' ')).then_some((name, description))
}

/// The characters that draw a `CGroup:` tree (`├─`, `│ `, `└─`, and `|-`, `` `- `` in ASCII).
const TREE: [char; 7] = ['├', '└', '─', '│', '|', '`', '-'];

/// A line of a `CGroup:` tree: a process (`└─2211 /usr/bin/java -jar x.jar`) or a unit below
/// (`├─etl-loader.service`).
enum TreeItem<'t> {
    Process(u32, &'t str),
    Unit(&'t str),
}

fn tree_item(line: &str) -> Option<TreeItem<'_>> {
    let t = line.trim_start_matches(|c: char| TREE.contains(&c) || c == ' ');
    let (first, rest) = t.split_once(' ').unwrap_or((t, ""));
    if let Ok(pid) = first.parse::<u32>() {
        return Some(TreeItem::Process(pid, rest.trim()));
    }
    let is_unit = rest.is_empty()
        && [".service", ".scope", ".slice", ".socket", ".mount"]
            .iter()
            .any(|s| first.ends_with(s));
    is_unit.then_some(TreeItem::Unit(first))
}

/// `4388 (python3)`, `4120 (code=killed, signal=KILL)`: the pid.
fn main_pid(value: &str) -> Option<u32> {
    value.split_whitespace().next()?.parse().ok()
}

/// Whether `line` is the host's `State:` line, which follows the host's header.
fn is_host_state(line: &str) -> bool {
    line.trim_start().starts_with("State: ")
}

/// Every unit of a `systemctl status` output, in the order printed.
pub fn parse(text: &str) -> Parsed<Vec<SystemdUnitStatus>> {
    let mut units: Vec<SystemdUnitStatus> = Vec::new();
    // The folder of the drop-ins being listed (`Drop-In: /etc/systemd/system/x.d`).
    let mut drop_in_dir: Option<String> = None;
    // In the `CGroup:` tree, with the unit below whose processes are being listed.
    let mut in_tree = false;
    let mut tree_unit: Option<String> = None;
    // Inside the host's block, whose lines belong to no unit.
    let mut in_host = false;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some((name, description)) = header(raw) {
            in_host =
                description.is_none() && lines.peek().is_some_and(|&(_, next)| is_host_state(next));
            in_tree = false;
            if in_host {
                continue;
            }
            units.push(SystemdUnitStatus {
                name: name.to_string(),
                description: description.map(str::to_string),
                line: Line::new(no, raw),
                ..SystemdUnitStatus::default()
            });
            drop_in_dir = None;
            continue;
        }
        let Some(unit) = units.last_mut().filter(|_| !in_host) else {
            continue;
        };
        let t = raw.trim();
        if in_tree {
            match tree_item(raw) {
                Some(TreeItem::Process(pid, command)) => {
                    unit.processes.push(UnitProcess {
                        pid,
                        command: command.to_string(),
                        unit: tree_unit.clone(),
                        line: Line::new(no, raw),
                    });
                    continue;
                }
                Some(TreeItem::Unit(name)) => {
                    tree_unit = Some(name.to_string());
                    continue;
                }
                // A blank line or the log lines after it end the tree.
                None => in_tree = false,
            }
        }
        let Some((key, value)) = t.split_once(": ").filter(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b' ')
        }) else {
            // A drop-in file name under its folder: `└─50-MemoryMax.conf`.
            if let Some(dir) = &drop_in_dir {
                let file = t.trim_start_matches(['├', '└', '─', '│', ' ', '|', '`', '-']);
                if file.ends_with(".conf") {
                    unit.drop_ins.push(format!("{dir}/{file}"));
                    continue;
                }
            }
            drop_in_dir = None;
            continue;
        };
        drop_in_dir = None;
        match key {
            "Drop-In" => drop_in_dir = Some(value.trim().to_string()),
            "Memory" => {
                let (usage, limits) = memory_value(value.trim());
                unit.memory_bytes = usage;
                unit.memory_limits = limits;
                unit.memory_line = Some(Line::new(no, raw));
            }
            "CGroup" => {
                unit.cgroup = Some(value.trim().to_string());
                in_tree = true;
                tree_unit = None;
            }
            "Main PID" => {
                unit.main_pid = main_pid(value);
                unit.main_pid_line = Some(Line::new(no, raw));
            }
            _ => {}
        }
    }
    Parsed::new(units, Vec::new())
}

sniff_regex!(
    UNIT_HEADER,
    r"^[●*○×] \S+\.(service|slice|scope|socket|mount|timer|automount|device|path|swap|target) "
);
sniff_regex!(LOADED, r"^\s*Loaded: (loaded|not-found|masked)");
sniff_regex!(HOST_HEADER, r"^[●*] \S+$");
sniff_regex!(HOST_JOBS, r"^\s*Jobs: \d+ queued");

/// `systemctl status` by its unit header and `Loaded:` line, or by the host's header, `State:`
/// and `Jobs:` lines (the host's control group tree may fill the head before any unit's).
fn sniff(head: &Head<'_>) -> Option<Strength> {
    let mut lines = head.lines().skip_while(|l| l.trim().is_empty());
    let first = lines.next()?;
    let unit = UNIT_HEADER.is_match(first) && lines.clone().any(|l| LOADED.is_match(l));
    let host = HOST_HEADER.is_match(first)
        && lines.next().is_some_and(is_host_state)
        && lines.next().is_some_and(|l| HOST_JOBS.is_match(l));
    (unit || host).then_some(Strength::Strong)
}

pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::SystemctlStatus,
    paths: Paths {
        sosreport: &[
            "sos_commands/systemd/systemctl_status_--all",
            "sos_commands/systemd/systemctl_status*",
        ],
        collector: &["systemd/status*"],
        supportconfig: &["systemctl status*"],
        plain: &["systemctl-status*", "systemctl_status*"],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_list(
            &mut facts.systemd_units,
            path,
            parse(&String::from_utf8_lossy(bytes)),
        )
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    const SLICE: &str =
        include_str!("../../tests/data/systemctl_status/batch-slice-memorymax-249.txt");

    #[test]
    fn a_slice_with_its_limit_drop_in_and_cgroup() {
        let text: String = SLICE
            .lines()
            .filter(|l| !l.starts_with("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        let units = parse(&text).value;
        assert_eq!(units.len(), 2);
        let slice = &units[0];
        assert_eq!(slice.name, "batch.slice");
        assert_eq!(slice.description.as_deref(), Some("Batch jobs"));
        assert_eq!(slice.cgroup.as_deref(), Some("/batch.slice"));
        assert_eq!(
            slice.drop_ins,
            ["/etc/systemd/system/batch.slice.d/50-MemoryMax.conf"]
        );
        assert_eq!(slice.memory_bytes, Some(851863142));
        assert_eq!(slice.limit("max"), Some(1 << 30));
        assert_eq!(slice.memory_line.as_ref().map(|l| l.no), Some(7));
        let service = &units[1];
        assert_eq!(
            service.cgroup.as_deref(),
            Some("/batch.slice/report-export.service")
        );
        assert!(service.memory_limits.is_empty());
        assert_eq!(service.main_pid, Some(4388));
        // The slice's tree: each process with the unit below that holds it.
        let tree: Vec<(u32, Option<&str>)> = slice
            .processes
            .iter()
            .map(|p| (p.pid, p.unit.as_deref()))
            .collect();
        assert_eq!(
            tree,
            [
                (2211, Some("etl-loader.service")),
                (4388, Some("report-export.service"))
            ]
        );
        assert_eq!(
            slice.processes[0].words()[..2],
            [
                "/usr/lib/jvm/java-17-openjdk-amd64/bin/java".to_string(),
                "-Xmx640m".to_string()
            ]
        );
        assert_eq!(service.processes.len(), 1);
        assert_eq!(service.processes[0].unit, None);
        assert_eq!(
            service.processes[0].command,
            "/usr/bin/python3 /opt/report/export.py"
        );
    }

    /// A failed unit keeps its main process's pid with how it ended, and a tree drawn in ASCII
    /// (`systemctl --plain`, a terminal without UTF-8) reads as one drawn in lines.
    #[test]
    fn a_failed_unit_and_an_ascii_tree() {
        let text = "\
x report-export.service - Nightly report export
     Loaded: loaded (/etc/systemd/system/report-export.service; enabled)
     Active: failed (Result: oom-kill) since Tue 2024-03-05 09:11:48 UTC; 5s ago
    Process: 4120 ExecStart=/usr/bin/python3 /opt/report/export.py (code=killed, signal=KILL)
   Main PID: 4120 (code=killed, signal=KILL)
* web.service - Web
     Loaded: loaded (/etc/systemd/system/web.service; enabled)
   Main PID: 911 (gunicorn)
     CGroup: /system.slice/web.service
             |-911 /usr/bin/python3 /usr/bin/gunicorn -w 8 app:app
             `-915 /usr/bin/python3 /usr/bin/gunicorn -w 8 app:app

Mar 05 09:11:48 web01 gunicorn[911]: [INFO] Booting worker with pid: 915
";
        let units = parse(text).value;
        // `x` is no bullet systemd prints: the first block is not a unit.
        assert_eq!(units.len(), 1);
        let web = &units[0];
        assert_eq!(web.main_pid, Some(911));
        let pids: Vec<u32> = web.processes.iter().map(|p| p.pid).collect();
        assert_eq!(pids, [911, 915]);
        assert_eq!(web.processes[1].line.no, 11);
        let failed = parse(&text.replacen('x', "×", 1)).value;
        assert_eq!(failed[0].main_pid, Some(4120));
        assert!(failed[0].processes.is_empty());
    }

    #[test]
    fn the_host_block_of_status_all_is_no_unit() {
        let text = crate::parse::test_data(
            "systemctl_status/insights-core-3.8.4-status-all-host-header.txt",
        );
        let units = parse(&text).value;
        let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["proc-sys-fs-binfmt_misc.automount"]);
        assert_eq!(units[0].line.no, 11);
        assert_eq!(units[0].cgroup, None);
    }

    #[test]
    fn memory_lines_of_each_era() {
        let (u, l) = memory_value("1.1M (limit: 10.0M)");
        assert_eq!(u, Some(1153434));
        assert_eq!(l[0].key, "limit");
        let (_, l) =
            memory_value("5.9M (high: 90.0M max: 100.0M swap max: 0B available: 84.0M peak: 7.0M)");
        let keys: Vec<&str> = l.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, ["high", "max", "swap max", "available", "peak"]);
        assert_eq!(l[2].bytes, 0);
        assert_eq!(memory_value("infinity").0, None);
    }
}
