//! The postmortem collector's `manifest.json`: what the collector ran, when, and what came of
//! each command.
//!
//! # Schema (version `"1"`)
//!
//! ```json
//! {
//!   "collector": "postmortem-collect",
//!   "version": "1",
//!   "hostname": "node-17",
//!   "started_at": "2018-01-23T20:12:40+08:00",
//!   "commands": [
//!     {
//!       "command": "dmesg",
//!       "output": "dmesg.txt",
//!       "exit_status": 0,
//!       "started_at": "2018-01-23T20:12:40+08:00",
//!       "duration_s": 0.01,
//!       "bytes": 1234,
//!       "truncated": false
//!     }
//!   ]
//! }
//! ```
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `collector` | string | always `postmortem-collect` |
//! | `version` | string | schema version, `"1"` (a bare number is accepted) |
//! | `hostname` | string | `hostname` of the machine collected |
//! | `started_at` | RFC 3339 with offset | when collection started |
//! | `commands[].command` | string, required | the command line as run |
//! | `commands[].output` | string or null | the file holding its stdout, relative to the bundle root |
//! | `commands[].exit_status` | integer or null | its exit status; null when it could not be run |
//! | `commands[].started_at` | RFC 3339 with offset | when it started |
//! | `commands[].duration_s` | number | how long it ran, in seconds |
//! | `commands[].bytes` | integer | size of the output file in bytes |
//! | `commands[].truncated` | boolean, default false | the output was cut at the collector's size cap |
//!
//! Unknown fields are ignored, so later collectors may add fields without a new version. A field
//! of the wrong type is a warning and reads as absent; a command without `command` is skipped
//! with a warning.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::facts::{Manifest, ManifestCommand, Warning};
use crate::parse::container_inspect::{json_documents, LineIndex};
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

/// The schema version this parser reads.
pub const SCHEMA_VERSION: &str = "1";

pub fn parse(text: &str) -> Parsed<Option<Manifest>> {
    let mut warnings = Vec::new();
    let index = LineIndex::new(text);
    let docs = json_documents(text, &index, &mut warnings);
    let Some(doc) = docs.first() else {
        if warnings.is_empty() {
            warnings.push(Warning::file("manifest has no JSON document"));
        }
        return Parsed::new(None, warnings);
    };
    let Value::Object(obj) = &doc.value else {
        warnings.push(Warning::at(
            index.line_of(doc.start),
            "manifest is not a JSON object",
        ));
        return Parsed::new(None, warnings);
    };
    let mut w = Fields {
        warnings: &mut warnings,
        prefix: String::new(),
    };
    let version = match obj.get("version") {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => w.string(obj, "version"),
    };
    if let Some(v) = &version {
        if v != SCHEMA_VERSION {
            w.warnings.push(Warning::file(format!(
                "manifest version {v:?} is not known; read as version {SCHEMA_VERSION}"
            )));
        }
    }
    let mut manifest = Manifest {
        collector: w.string(obj, "collector"),
        version,
        hostname: w.string(obj, "hostname"),
        started_at: w.time(obj, "started_at"),
        commands: Vec::new(),
    };
    match obj.get("commands") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let Value::Object(cmd) = item else {
                    w.warnings.push(Warning::file(format!(
                        "commands[{i}] is not an object; skipped"
                    )));
                    continue;
                };
                w.prefix = format!("commands[{i}].");
                let Some(command) = w.string(cmd, "command").filter(|c| !c.is_empty()) else {
                    w.warnings.push(Warning::file(format!(
                        "commands[{i}] has no command; skipped"
                    )));
                    continue;
                };
                manifest.commands.push(ManifestCommand {
                    command,
                    output: w.string(cmd, "output"),
                    exit_status: w
                        .int(cmd, "exit_status")
                        .and_then(|v| w.fit(v, "exit_status")),
                    started_at: w.time(cmd, "started_at"),
                    duration_s: w.float(cmd, "duration_s"),
                    bytes: w.int(cmd, "bytes").and_then(|v| w.fit(v, "bytes")),
                    truncated: w.boolean(cmd, "truncated").unwrap_or(false),
                });
            }
        }
        Some(_) => w
            .warnings
            .push(Warning::file("manifest commands is not a list; ignored")),
    }
    Parsed::new(Some(manifest), warnings)
}

struct Fields<'a> {
    warnings: &'a mut Vec<Warning>,
    /// `commands[3].` while reading a command, for the warning text.
    prefix: String,
}

impl Fields<'_> {
    fn wrong(&mut self, key: &str, expected: &str) {
        self.warnings.push(Warning::file(format!(
            "manifest {}{key} is not {expected}; ignored",
            self.prefix
        )));
    }

    fn string(&mut self, obj: &Map<String, Value>, key: &str) -> Option<String> {
        match obj.get(key)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                self.wrong(key, "a string");
                None
            }
        }
    }

    fn int(&mut self, obj: &Map<String, Value>, key: &str) -> Option<i64> {
        match obj.get(key)? {
            Value::Null => None,
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            _ => {
                self.wrong(key, "an integer");
                None
            }
        }
    }

    fn fit<T: TryFrom<i64>>(&mut self, v: i64, key: &str) -> Option<T> {
        match T::try_from(v) {
            Ok(t) => Some(t),
            Err(_) => {
                self.wrong(key, "in range");
                None
            }
        }
    }

    fn float(&mut self, obj: &Map<String, Value>, key: &str) -> Option<f64> {
        match obj.get(key)? {
            Value::Null => None,
            Value::Number(n) => n.as_f64(),
            _ => {
                self.wrong(key, "a number");
                None
            }
        }
    }

    fn boolean(&mut self, obj: &Map<String, Value>, key: &str) -> Option<bool> {
        match obj.get(key)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong(key, "a boolean");
                None
            }
        }
    }

    fn time(&mut self, obj: &Map<String, Value>, key: &str) -> Option<Timestamp> {
        let s = self.string(obj, key)?;
        match s.trim().parse::<Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                self.wrong(key, "an RFC 3339 time with an offset");
                None
            }
        }
    }
}

/// The collector's `manifest.json`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Manifest,
    paths: Paths {
        sosreport: &[],
        collector: &["manifest.json"],
        supportconfig: &[],
        plain: &[],
    },
    sniff: Some(|head| {
        let said = head.has_key("collector")
            && (head.has_key("commands")
                || head
                    .json()
                    .is_some_and(|j| j.contains("postmortem-collect")));
        said.then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(
            &mut facts.manifest,
            path,
            parse(&String::from_utf8_lossy(bytes)),
        )
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"{
  "collector": "postmortem-collect",
  "version": "1",
  "hostname": "beta_004",
  "started_at": "2018-01-23T20:12:40+08:00",
  "future_field": {"ignored": true},
  "commands": [
    {"command": "dmesg", "output": "dmesg.txt", "exit_status": 0,
     "started_at": "2018-01-23T20:12:40+08:00", "duration_s": 0.01, "bytes": 1234, "truncated": false},
    {"command": "docker inspect $(docker ps -aq)", "output": "docker/inspect.json", "exit_status": 1,
     "started_at": "2018-01-23T20:12:41+08:00", "duration_s": 2.5, "bytes": 10485760, "truncated": true},
    {"command": "slabtop -o", "output": null, "exit_status": null}
  ]
}"#;

    #[test]
    fn reads_the_schema() {
        let p = parse(MANIFEST);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let m = p.value.unwrap();
        assert_eq!(m.collector.as_deref(), Some("postmortem-collect"));
        assert_eq!(m.version.as_deref(), Some("1"));
        assert_eq!(m.hostname.as_deref(), Some("beta_004"));
        assert_eq!(
            m.started_at,
            Some("2018-01-23T12:12:40Z".parse::<Timestamp>().unwrap())
        );
        assert_eq!(m.commands.len(), 3);
        let dmesg = &m.commands[0];
        assert_eq!(dmesg.command, "dmesg");
        assert_eq!(dmesg.output.as_deref(), Some("dmesg.txt"));
        assert_eq!(dmesg.exit_status, Some(0));
        assert_eq!(dmesg.duration_s, Some(0.01));
        assert_eq!(dmesg.bytes, Some(1234));
        assert!(!dmesg.truncated);
        assert!(m.commands[1].truncated);
        assert_eq!(m.commands[1].exit_status, Some(1));
        assert_eq!(m.commands[2].output, None);
        assert_eq!(m.commands[2].exit_status, None);
        assert_eq!(m.commands[2].started_at, None);
    }

    #[test]
    fn wrong_types_are_warnings() {
        let text = r#"{"version": 2, "started_at": "yesterday", "commands": [{"output": "x"}, 5, {"command": "free -m", "bytes": -1, "truncated": "no"}]}"#;
        let p = parse(text);
        let m = p.value.unwrap();
        assert_eq!(m.version.as_deref(), Some("2"));
        assert_eq!(m.started_at, None);
        assert_eq!(m.commands.len(), 1);
        assert_eq!(m.commands[0].bytes, None);
        assert!(!m.commands[0].truncated);
        assert_eq!(p.warnings.len(), 6, "{:?}", p.warnings);
    }

    #[test]
    fn not_json() {
        let p = parse("hello\n");
        assert!(p.value.is_none());
        assert!(!p.warnings.is_empty());
        let p = parse(&"[".repeat(10_000));
        assert!(p.value.is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }
}
