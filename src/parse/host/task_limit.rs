//! `/proc/sys/kernel/pid_max` and `/proc/sys/kernel/threads-max`: one number each, which the
//! file's name says the meaning of.

use crate::facts::{TaskLimit, TaskLimitKind, Warning};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Parse, Paths, SourceKind};

use super::{content_lines, lossy};

/// Parse the number of a task limit file.
pub fn parse_task_limit(text: &str, limit: TaskLimitKind) -> Parsed<Option<TaskLimit>> {
    let mut warnings = Vec::new();
    for (no, raw, cleaned) in content_lines(text) {
        match cleaned.parse::<u64>() {
            Ok(value) => {
                let limit = TaskLimit {
                    limit,
                    value,
                    line: line(no, raw),
                };
                return Parsed::new(Some(limit), warnings);
            }
            Err(_) => warnings.push(Warning::at(
                no,
                format!("{} is not a number: {cleaned:?}", limit.sysctl()),
            )),
        }
    }
    Parsed::new(None, warnings)
}

/// Which limit a file holds, by its name.
pub fn limit_of(path: &str) -> Option<TaskLimitKind> {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_lowercase();
    if name.starts_with("pid_max") {
        Some(TaskLimitKind::PidMax)
    } else if name.starts_with("threads-max") || name.starts_with("threads_max") {
        Some(TaskLimitKind::ThreadsMax)
    } else {
        None
    }
}

/// `/proc/sys/kernel/pid_max`, `/proc/sys/kernel/threads-max`. A single number is what many
/// files hold: only the path names it.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::TaskLimit,
    paths: Paths {
        sosreport: &["proc/sys/kernel/pid_max", "proc/sys/kernel/threads-max"],
        collector: &["proc/sys/kernel/pid_max", "proc/sys/kernel/threads-max"],
        supportconfig: &["/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"],
        plain: &["pid_max*", "threads-max*"],
    },
    sniff: None,
    parse: Parse::Whole(|facts, path, bytes| match limit_of(path) {
        Some(limit) => crate::parse::file_one(
            &mut facts.task_limits,
            path,
            parse_task_limit(&lossy(bytes), limit),
        ),
        None => crate::parse::Outcome::default(),
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_pid_max() {
        let text = include_str!("../../../tests/data/pid_max/hotsos-ubuntu2004-4194304.txt");
        let body: String = text.lines().filter(|l| !l.starts_with("# ")).collect();
        let p = parse_task_limit(&body, TaskLimitKind::PidMax);
        assert!(p.warnings.is_empty());
        assert_eq!(p.value.map(|l| l.value), Some(4_194_304));
    }

    #[test]
    fn names_and_bad_values() {
        assert_eq!(
            limit_of("sos/proc/sys/kernel/threads-max"),
            Some(TaskLimitKind::ThreadsMax)
        );
        assert_eq!(limit_of("pid_max.txt"), Some(TaskLimitKind::PidMax));
        assert_eq!(limit_of("x"), None);
        let p = parse_task_limit("lots\n", TaskLimitKind::ThreadsMax);
        assert!(p.value.is_none());
        assert_eq!(p.warnings[0].line, Some(1));
    }
}
