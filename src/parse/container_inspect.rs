//! `docker inspect` and `podman inspect` output.
//!
//! The input is a JSON array of container objects, or a single object, or several arrays one
//! after the other (`docker inspect a; docker inspect b`), possibly after a pasted prompt line.
//! Each object with a `State` or a `HostConfig` is a container; other objects (image inspect
//! output, for one) are skipped with a warning.
//!
//! Docker and podman differ in ways that matter here: podman 1.x writes `ID` instead of `Id`,
//! `null` for unset memory settings where docker writes `0`, a bare `Name` without docker's
//! leading `/`, the image name in `ImageName` (its `Image` is the image id), and `Config.User`
//! as an object. Missing and `null` fields become `None`; a field of the wrong type becomes a
//! warning and `None`. Environment variables are kept by name only: their values are secrets.
//!
//! serde_json gives no positions, so the lines that evidence needs (the container's first line,
//! `"Memory": ...`, `"OOMKilled": ...`, `"ExitCode": ...`, `"Error": ...`) are found by a
//! small position scanner run over each document that serde_json accepted. In minified JSON
//! every field is on line 1, which is what the file says; the evidence text is then cut down
//! to the field itself. serde_json's recursion limit stays on: a document nested deeper than
//! 128 levels is a warning, not a stack overflow.

use std::collections::{BTreeMap, HashMap};

use memchr::memchr_iter;
use serde_json::{Map, Value};

use crate::facts::{Container, ContainerState, Engine, Line, MemoryLimits, WallClock, Warning};
use crate::parse::docker_events::parse_rfc3339;
use crate::parse::runtime_error;
use crate::parse::text::is_prompt_line;
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

/// How many unreadable JSON starts one file may have before the parser stops looking.
const MAX_FAILED_DOCUMENTS: usize = 64;
/// Lines longer than this are cut down to the field when quoted as evidence.
const MAX_EVIDENCE_LINE: usize = 400;

pub fn parse(text: &str) -> Parsed<Vec<Container>> {
    let mut warnings = Vec::new();
    let index = LineIndex::new(text);
    let docs = json_documents(text, &index, &mut warnings);
    let mut containers = Vec::new();
    for doc in &docs {
        let body = &text[doc.start..doc.end];
        let ctx = DocContext {
            text,
            index: &index,
            positions: Positions::scan(body, doc.start, 3),
            recovered: doc.recovered,
        };
        match &doc.value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let prefix = i.to_string();
                    let c = read_one(&ctx, item, Some(&prefix), &mut warnings);
                    containers.extend(c);
                }
            }
            item @ Value::Object(_) => {
                containers.extend(read_one(&ctx, item, None, &mut warnings));
            }
            _ => warnings.push(Warning::at(
                index.line_of(doc.start),
                "JSON document is neither an array nor an object",
            )),
        }
    }
    if docs.is_empty() && containers.is_empty() && !text.trim().is_empty() && warnings.is_empty() {
        warnings.push(Warning::file("no JSON document found"));
    }
    Parsed::new(containers, warnings)
}

/// One JSON document and where its values are.
struct DocContext<'t> {
    text: &'t str,
    index: &'t LineIndex,
    positions: Positions,
    recovered: bool,
}

fn read_one(
    ctx: &DocContext<'_>,
    item: &Value,
    prefix: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Option<Container> {
    let DocContext {
        text,
        index,
        positions,
        recovered,
    } = ctx;
    let (text, index, recovered) = (*text, *index, *recovered);
    let at = |path: &[&str]| -> Option<usize> {
        let mut key = String::new();
        if let Some(p) = prefix {
            key.push_str(p);
        }
        for seg in path {
            if !key.is_empty() || prefix.is_some() {
                key.push(PATH_SEP);
            }
            key.push_str(seg);
        }
        positions.get(&key)
    };
    let start = at(&[]).unwrap_or(0);
    let start_line = index.line_of(start);
    let Value::Object(obj) = item else {
        warnings.push(Warning::at(
            start_line,
            "inspect entry is not a JSON object",
        ));
        return None;
    };
    if !obj.contains_key("State") && !obj.contains_key("HostConfig") {
        if recovered {
            return None;
        }
        warnings.push(Warning::at(
            start_line,
            "JSON object has neither State nor HostConfig: not a container, skipped",
        ));
        return None;
    }
    let engine = if obj.contains_key("Id") {
        Engine::Docker
    } else if obj.contains_key("ID")
        || obj.contains_key("ImageName")
        || obj.contains_key("StaticDir")
    {
        Engine::Podman
    } else {
        Engine::Unknown
    };
    let mut r = Reader {
        warnings,
        line_of: &|path: &[&str]| at(path).map(|o| index.line_of(o)),
    };
    let id = r
        .string(obj, &["Id"])
        .or_else(|| r.string(obj, &["ID"]))
        .unwrap_or_default();
    let name = r
        .string(obj, &["Name"])
        .map(|n| n.strip_prefix('/').map(str::to_string).unwrap_or(n))
        .filter(|n| !n.is_empty());
    let image = r
        .string(obj, &["Config", "Image"])
        .or_else(|| r.string(obj, &["ImageName"]))
        .or_else(|| r.string(obj, &["Image"]))
        .filter(|s| !s.is_empty());
    let created = r.time(obj, &["Created"]);

    let evidence = |path: &[&str]| at(path).map(|o| evidence_line(text, index, o, path));
    let mut state = ContainerState {
        status: r
            .string(obj, &["State", "Status"])
            .filter(|s| !s.is_empty()),
        running: r.boolean(obj, &["State", "Running"]),
        oom_killed: r.boolean(obj, &["State", "OOMKilled"]),
        exit_code: r.int(obj, &["State", "ExitCode"]),
        error: r.string(obj, &["State", "Error"]).filter(|s| !s.is_empty()),
        started_at: r.time(obj, &["State", "StartedAt"]),
        finished_at: r.time(obj, &["State", "FinishedAt"]),
        ..ContainerState::default()
    };
    if state.oom_killed.is_some() {
        state.oom_killed_line = evidence(&["State", "OOMKilled"]);
    }
    if state.exit_code.is_some() {
        state.exit_code_line = evidence(&["State", "ExitCode"]);
    }
    if let Some(error) = &state.error {
        state.error_line = evidence(&["State", "Error"]);
        state.start_error = state
            .error_line
            .as_ref()
            .and_then(|line| runtime_error::scan_line(line, error));
    }

    let mut memory = MemoryLimits {
        limit_bytes: r.int(obj, &["HostConfig", "Memory"]),
        reservation_bytes: r.int(obj, &["HostConfig", "MemoryReservation"]),
        swap_bytes: r.int(obj, &["HostConfig", "MemorySwap"]),
        kernel_bytes: r.int(obj, &["HostConfig", "KernelMemory"]),
        kernel_tcp_bytes: r.int(obj, &["HostConfig", "KernelMemoryTCP"]),
        swappiness: r.int(obj, &["HostConfig", "MemorySwappiness"]),
        oom_kill_disable: r.boolean(obj, &["HostConfig", "OomKillDisable"]),
        ..MemoryLimits::default()
    };
    if memory.limit_bytes.is_some() {
        memory.limit_line = evidence(&["HostConfig", "Memory"]);
    }

    let env_names = r.env_names(obj, &["Config", "Env"]);
    let mut command = Vec::new();
    if let Some(path) = r.string(obj, &["Path"]).filter(|p| !p.is_empty()) {
        command.push(path);
        command.extend(r.string_list(obj, &["Args"]));
    } else {
        command = r.string_list(obj, &["Config", "Cmd"]);
    }
    // Arguments carry passwords as often as the environment does (`--password=...`).
    let command = crate::redact::mask_args(&command);
    let labels = r.string_map(obj, &["Config", "Labels"]);
    let cgroup_parent = r
        .string(obj, &["HostConfig", "CgroupParent"])
        .filter(|s| !s.is_empty());
    // Podman's `HostConfig.Runtime` is the constant `oci`; its `OCIRuntime` names the runtime.
    let runtime = r
        .string(obj, &["OCIRuntime"])
        .filter(|s| !s.is_empty())
        .or_else(|| r.string(obj, &["HostConfig", "Runtime"]))
        .filter(|s| !s.is_empty());

    Some(Container {
        engine,
        id,
        name,
        image,
        created,
        state,
        memory,
        env_names,
        command,
        labels,
        cgroup_parent,
        runtime,
        line: Line::new(start_line, index.line_text(text, start_line)),
        sizing_env: crate::redact::sizing_env(&r.string_list(obj, &["Config", "Env"])),
    })
}

/// Reads typed fields from a JSON object, turning wrong types into warnings.
pub(crate) struct Reader<'a> {
    pub(crate) warnings: &'a mut Vec<Warning>,
    /// The line of a field, when known.
    pub(crate) line_of: &'a dyn Fn(&[&str]) -> Option<u32>,
}

impl Reader<'_> {
    fn lookup<'v>(obj: &'v Map<String, Value>, path: &[&str]) -> Option<&'v Value> {
        let (first, rest) = path.split_first()?;
        let mut v = obj.get(*first)?;
        for seg in rest {
            v = v.as_object()?.get(*seg)?;
        }
        Some(v)
    }

    fn wrong_type(&mut self, path: &[&str], expected: &str, got: &Value) {
        let what = match got {
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
            Value::Null => "null",
        };
        let msg = format!("{} is {what}, expected {expected}; ignored", path.join("."));
        self.warnings.push(match (self.line_of)(path) {
            Some(l) => Warning::at(l, msg),
            None => Warning::file(msg),
        });
    }

    pub(crate) fn string(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Option<String> {
        match Self::lookup(obj, path)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(path, "a string", other);
                None
            }
        }
    }

    pub(crate) fn int(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Option<i64> {
        match Self::lookup(obj, path)? {
            Value::Null => None,
            Value::Number(n) => match n.as_i64() {
                Some(v) => Some(v),
                None => {
                    self.wrong_type(path, "a 64-bit integer", &Value::Number(n.clone()));
                    None
                }
            },
            other => {
                self.wrong_type(path, "an integer", other);
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Option<bool> {
        match Self::lookup(obj, path)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(path, "a boolean", other);
                None
            }
        }
    }

    /// An RFC 3339 time; Go's zero time (`0001-01-01T00:00:00Z`, "never") is `None`.
    pub(crate) fn time(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Option<WallClock> {
        let s = self.string(obj, path)?;
        if s.is_empty() || s.starts_with("0001-01-01") {
            return None;
        }
        let t = parse_rfc3339(&s);
        if t.is_none() {
            let msg = format!("{} {s:?} is not an RFC 3339 time; ignored", path.join("."));
            self.warnings.push(match (self.line_of)(path) {
                Some(l) => Warning::at(l, msg),
                None => Warning::file(msg),
            });
        }
        t
    }

    /// A list of strings; a single string is read as a one-element list (podman's
    /// `Entrypoint`).
    pub(crate) fn string_list(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Vec<String> {
        match Self::lookup(obj, path) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            self.wrong_type(path, "a list of strings", other);
                        }
                    }
                }
                out
            }
            Some(other) => {
                self.wrong_type(path, "a list of strings", other);
                Vec::new()
            }
        }
    }

    /// `NAME=value` entries reduced to their names.
    pub(crate) fn env_names(&mut self, obj: &Map<String, Value>, path: &[&str]) -> Vec<String> {
        self.string_list(obj, path)
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((name, _)) => name.to_string(),
                None => e,
            })
            .filter(|n| !n.is_empty())
            .collect()
    }

    /// An object of strings (labels, annotations); non-string values are kept as JSON text.
    pub(crate) fn string_map(
        &mut self,
        obj: &Map<String, Value>,
        path: &[&str],
    ) -> BTreeMap<String, String> {
        match Self::lookup(obj, path) {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect(),
            Some(other) => {
                self.wrong_type(path, "an object", other);
                BTreeMap::new()
            }
        }
    }
}

/// The evidence line of a field at byte `offset` of `text`: the physical line, or on a very
/// long (minified) line just `"key": value`.
fn evidence_line(text: &str, index: &LineIndex, offset: usize, path: &[&str]) -> Line {
    let no = index.line_of(offset);
    let full = index.line_text(text, no);
    if full.len() <= MAX_EVIDENCE_LINE {
        return Line::new(no, full);
    }
    let key = path.last().copied().unwrap_or_default();
    let rest = text.get(offset..).unwrap_or_default();
    let value = scalar_text(rest);
    Line::new(no, format!("\"{key}\": {value}"))
}

/// The text of the JSON scalar at the start of `s` (a string with its quotes, or a number or
/// literal), cut to a sane length.
fn scalar_text(s: &str) -> &str {
    let bytes = s.as_bytes();
    let end = if bytes.first() == Some(&b'"') {
        string_end(bytes, 0)
    } else {
        bytes
            .iter()
            .position(|&b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
            .unwrap_or(bytes.len())
    };
    let mut end = end.min(MAX_EVIDENCE_LINE);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Byte offsets of line starts, to turn offsets into 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        let i = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        u32::try_from(i + 1).unwrap_or(u32::MAX)
    }

    /// The text of 1-based line `no`, without its line end.
    pub(crate) fn line_text<'t>(&self, text: &'t str, no: u32) -> &'t str {
        let i = (no as usize).saturating_sub(1);
        let Some(&start) = self.starts.get(i) else {
            return "";
        };
        let end = self.starts.get(i + 1).map_or(text.len(), |&e| e - 1);
        let line = text.get(start..end).unwrap_or_default();
        line.strip_suffix('\r').unwrap_or(line)
    }

    fn start_of(&self, no: u32) -> Option<usize> {
        self.starts.get((no as usize).checked_sub(1)?).copied()
    }
}

/// One JSON document found in a text, with its byte span.
pub(crate) struct JsonDoc {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) value: Value,
    /// Found while looking for the next document after one that could not be read: it may be
    /// a piece of the broken one.
    pub(crate) recovered: bool,
}

/// Find the JSON documents of a text: each starts on a line whose first non-blank character is
/// `[` or `{` (and is not a prompt line). Text between documents is skipped with a warning; a
/// document that cannot be read gives one warning and the search goes on from the next line.
pub(crate) fn json_documents(
    text: &str,
    index: &LineIndex,
    warnings: &mut Vec<Warning>,
) -> Vec<JsonDoc> {
    let mut docs = Vec::new();
    let mut failures = 0;
    let mut pos = 0;
    // Once a document failed, the lines after it are its remains: no warning for each.
    let mut after_failure = false;
    while pos < text.len() {
        let no = index.line_of(pos);
        let line_start = index.start_of(no).unwrap_or(pos).max(pos);
        let line = index.line_text(text, no);
        let skip = line_start - index.start_of(no).unwrap_or(line_start);
        let line = line.get(skip..).unwrap_or_default();
        let trimmed = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let next_line = index.start_of(no.saturating_add(1)).unwrap_or(text.len());
        let starts_json = trimmed.starts_with('[') || trimmed.starts_with('{');
        if !starts_json {
            if !after_failure && !trimmed.trim().is_empty() && !is_prompt_line(trimmed) {
                warnings.push(Warning::at(
                    no,
                    "line is not part of a JSON document; skipped",
                ));
            }
            pos = next_line.max(pos + 1);
            continue;
        }
        let start = line_start + (line.len() - trimmed.len());
        let body = &text[start..];
        let mut stream = serde_json::Deserializer::from_str(body).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                let end = start + stream.byte_offset();
                docs.push(JsonDoc {
                    start,
                    end,
                    value,
                    recovered: after_failure,
                });
                pos = end;
            }
            // `[root@host ~]# docker inspect web` starts with `[` too. The JSON is tried first
            // because minified JSON can look like a prompt (`...]$ ` in an env value).
            Some(Err(_)) if is_prompt_line(trimmed) => {
                pos = next_line.max(pos + 1);
            }
            Some(Err(e)) => {
                let line =
                    no.saturating_add(u32::try_from(e.line()).unwrap_or(1).saturating_sub(1));
                warnings.push(Warning::at(line, format!("JSON cannot be read: {e}")));
                failures += 1;
                if failures >= MAX_FAILED_DOCUMENTS {
                    warnings.push(Warning::file(
                        "too many unreadable JSON documents; the rest of the file was not read",
                    ));
                    break;
                }
                after_failure = true;
                pos = next_line.max(pos + 1);
            }
            None => break,
        }
    }
    docs
}

const PATH_SEP: char = '\u{1f}';

/// Byte offsets of the values of a JSON document, by path (`0␟State␟OOMKilled`), down to a
/// given depth. The document must be valid JSON (serde_json accepted it), so the scanner can be
/// simple; it is iterative and never recurses.
pub(crate) struct Positions {
    by_path: HashMap<String, usize>,
}

impl Positions {
    pub(crate) fn get(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// Scan `doc` (which starts at byte `base` of the whole text) recording values at most
    /// `max_depth` levels deep.
    pub(crate) fn scan(doc: &str, base: usize, max_depth: usize) -> Positions {
        struct Frame {
            array: bool,
            index: usize,
            key: (usize, usize),
        }
        let b = doc.as_bytes();
        let mut by_path = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut expect_key = false;
        let mut i = 0;
        let mut record = |stack: &[Frame], at: usize| {
            if stack.len() > max_depth {
                return;
            }
            let mut path = String::new();
            for (n, f) in stack.iter().enumerate() {
                if n > 0 {
                    path.push(PATH_SEP);
                }
                if f.array {
                    path.push_str(&f.index.to_string());
                } else {
                    path.push_str(doc.get(f.key.0..f.key.1).unwrap_or_default());
                }
            }
            by_path.entry(path).or_insert(base + at);
        };
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
                b'{' | b'[' => {
                    record(&stack, i);
                    let array = b[i] == b'[';
                    stack.push(Frame {
                        array,
                        index: 0,
                        key: (0, 0),
                    });
                    expect_key = !array;
                    i += 1;
                }
                b'}' | b']' => {
                    stack.pop();
                    i += 1;
                    if stack.is_empty() {
                        break;
                    }
                }
                b',' => {
                    if let Some(top) = stack.last_mut() {
                        if top.array {
                            top.index += 1;
                        } else {
                            expect_key = true;
                        }
                    }
                    i += 1;
                }
                b'"' => {
                    let end = string_end(b, i);
                    if expect_key {
                        if let Some(top) = stack.last_mut() {
                            top.key = (i + 1, end.saturating_sub(1).max(i + 1));
                        }
                        expect_key = false;
                    } else {
                        record(&stack, i);
                    }
                    i = end;
                }
                _ => {
                    record(&stack, i);
                    while i < b.len()
                        && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                    {
                        i += 1;
                    }
                    if stack.is_empty() {
                        break;
                    }
                }
            }
        }
        Positions { by_path }
    }
}

/// Offset just past the closing quote of the JSON string starting at `b[start] == '"'`.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `docker inspect`, `podman inspect`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::ContainerInspect,
    paths: Paths {
        sosreport: &[
            "sos_commands/docker/docker_inspect*",
            "sos_commands/podman/podman_inspect*",
        ],
        collector: &["docker/inspect.json", "podman/inspect.json"],
        supportconfig: &["docker inspect*"],
        plain: &[
            "container.json",
            "containers.json",
            "docker_inspect*",
            "docker-inspect*",
            "podman_inspect*",
            "podman-inspect*",
            "container_inspect*",
            "container-inspect*",
            "inspect*",
            "*inspect*.json",
        ],
    },
    sniff: Some(|head| {
        let said = head.has_key("HostConfig")
            || (head.has_key("State")
                && (head.has_key("Image")
                    || head.has_key("Config")
                    || head.has_key("Id")
                    || head.has_key("ID")));
        said.then_some(Strength::Strong)
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_many(
            &mut facts.containers,
            path,
            parse(&String::from_utf8_lossy(bytes)),
        )
    }),
};

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    const DOCKER: &str =
        include_str!("../../tests/data/docker_inspect/insights-docker1.10-rhel7-devicemapper.txt");
    const PODMAN: &str = include_str!("../../tests/data/podman_inspect/insights-podman-rhel8.txt");

    fn instant(w: &Option<WallClock>) -> Timestamp {
        match w {
            Some(WallClock::Instant { at }) => *at,
            other => panic!("expected an instant, got {other:?}"),
        }
    }

    #[test]
    fn docker_1_10_sample() {
        let p = parse(DOCKER);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value.len(), 1);
        let c = &p.value[0];
        assert_eq!(c.engine, Engine::Docker);
        assert_eq!(
            c.id,
            "97d7cd1a5d8fd7730e83bb61ecbc993742438e966ac5c11910776b5d53f4ae07"
        );
        assert_eq!(c.name.as_deref(), Some("hehe2"));
        assert_eq!(c.image.as_deref(), Some("rhel7_imagemagick"));
        assert_eq!(
            instant(&c.created),
            "2016-06-23T05:12:25.433469799Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        assert_eq!(c.line.no, 4);
        assert_eq!(c.line.text, "{");
        assert_eq!(c.state.status.as_deref(), Some("running"));
        assert_eq!(c.state.running, Some(true));
        assert_eq!(c.state.oom_killed, Some(false));
        assert_eq!(c.state.oom_killed_line.as_ref().unwrap().no, 14);
        assert_eq!(c.state.exit_code, Some(0));
        assert_eq!(
            c.state.exit_code_line.as_ref().unwrap().text,
            "        \"ExitCode\": 0,"
        );
        assert_eq!(c.state.error, None);
        assert_eq!(c.state.error_line, None);
        assert_eq!(
            instant(&c.state.finished_at),
            "2016-06-23T05:33:02.012653984Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        assert_eq!(c.memory.limit_bytes, Some(0));
        assert_eq!(c.memory.limit_line.as_ref().unwrap().no, 39);
        assert_eq!(c.memory.reservation_bytes, Some(0));
        assert_eq!(c.memory.swap_bytes, Some(0));
        assert_eq!(c.memory.kernel_bytes, Some(0));
        assert_eq!(c.memory.kernel_tcp_bytes, None);
        assert_eq!(c.memory.swappiness, Some(-1));
        assert_eq!(c.memory.oom_kill_disable, Some(false));
        assert_eq!(c.env_names, ["container", "PKGM", "PATH"]);
        assert_eq!(c.command, ["/bin/bash"]);
        assert_eq!(c.labels.len(), 9);
        assert_eq!(c.labels.get("Version").map(String::as_str), Some("7.2"));
        assert_eq!(c.cgroup_parent, None);
        assert_eq!(c.runtime, None);
    }

    #[test]
    fn podman_1_x_sample() {
        let p = parse(PODMAN);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value.len(), 1);
        let c = &p.value[0];
        assert_eq!(c.engine, Engine::Podman);
        assert_eq!(
            c.id,
            "66db151828e9beede0cdd9c17fc9bd5ebb5d125dd036f7230bc6b6433e5c0dda"
        );
        assert_eq!(c.name.as_deref(), Some("gnocchi_metricd"));
        assert_eq!(
            c.image.as_deref(),
            Some("192.168.24.1:8787/rhosp15/openstack-gnocchi-metricd:20190819.1")
        );
        assert_eq!(c.line.no, 4);
        assert_eq!(c.state.finished_at, None);
        assert_eq!(
            instant(&c.state.started_at),
            "2019-09-06T19:16:08.066138727Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        assert_eq!(c.memory.limit_bytes, Some(0));
        assert_eq!(c.memory.reservation_bytes, None);
        assert_eq!(c.memory.swap_bytes, None);
        assert_eq!(c.memory.kernel_bytes, None);
        assert_eq!(c.memory.swappiness, None);
        assert_eq!(c.memory.oom_kill_disable, Some(false));
        assert_eq!(c.runtime.as_deref(), Some("runc"));
        assert_eq!(
            c.command,
            ["dumb-init", "--single-child", "--", "kolla_start"]
        );
        assert_eq!(c.env_names.len(), 11);
        assert_eq!(c.env_names[10], "PS1");
        assert!(c.env_names.iter().all(|n| !n.contains('=')));
        assert_eq!(
            c.labels.get("container_name").map(String::as_str),
            Some("gnocchi_metricd")
        );
    }

    const INCIDENT: &str = r#"[root@beta_004 ~]# docker inspect web
[
    {
        "Id": "0fdb48ad1c3e4b4ba8b0f2c83a9dd2ab6b1ce9d0a2f5e2b6d6a0f6d0c6f1ff37",
        "Created": "2018-01-23T12:09:58.101934Z",
        "Path": "/docker-entrypoint.sh",
        "Args": ["nginx", "-g", "daemon off;"],
        "State": {
            "Status": "created",
            "Running": false,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": true,
            "Dead": false,
            "Pid": 0,
            "ExitCode": 128,
            "Error": "oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"\n",
            "StartedAt": "0001-01-01T00:00:00Z",
            "FinishedAt": "0001-01-01T00:00:00Z"
        },
        "Image": "sha256:3f8a4339aadda5897b744682f5f774dc69991a81af8d715d37a616bb4c99edf5",
        "Name": "/web",
        "HostConfig": {
            "Memory": 268435456,
            "KernelMemory": 0,
            "CgroupParent": "",
            "MemoryReservation": 0,
            "MemorySwap": 536870912,
            "MemorySwappiness": -1,
            "OomKillDisable": false,
            "Runtime": "runc"
        },
        "Config": {
            "Env": ["DB_PASSWORD=hunter2", "PATH=/usr/bin"],
            "Cmd": ["nginx", "-g", "daemon off;"],
            "Image": "nginx:1.13",
            "Labels": {"com.docker.swarm.service.name": "web"}
        }
    }
]
"#;

    #[test]
    fn incident_inspect_with_oom_and_error() {
        let p = parse(INCIDENT);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let c = &p.value[0];
        assert_eq!(c.line.no, 3);
        assert_eq!(c.name.as_deref(), Some("web"));
        assert_eq!(c.image.as_deref(), Some("nginx:1.13"));
        assert_eq!(c.state.oom_killed, Some(true));
        let oom = c.state.oom_killed_line.as_ref().unwrap();
        assert_eq!((oom.no, oom.text.trim()), (13, "\"OOMKilled\": true,"));
        assert_eq!(c.state.exit_code, Some(128));
        assert_eq!(c.state.exit_code_line.as_ref().unwrap().no, 16);
        assert!(c
            .state
            .error
            .as_deref()
            .unwrap()
            .contains("caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\""));
        assert_eq!(c.state.error_line.as_ref().unwrap().no, 17);
        assert_eq!(c.state.started_at, None);
        assert_eq!(c.state.finished_at, None);
        assert_eq!(c.memory.limit_bytes, Some(268_435_456));
        let mem = c.memory.limit_line.as_ref().unwrap();
        assert_eq!((mem.no, mem.text.trim()), (24, "\"Memory\": 268435456,"));
        assert_eq!(c.memory.swap_bytes, Some(536_870_912));
        assert_eq!(c.env_names, ["DB_PASSWORD", "PATH"]);
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(
            c.command,
            ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]
        );
        assert_eq!(c.runtime.as_deref(), Some("runc"));
    }

    #[test]
    fn minified_concatenated_and_single_object() {
        let text = concat!(
            r#"[{"Id":"aa","Name":"/one","State":{"OOMKilled":true,"ExitCode":137},"HostConfig":{"Memory":1048576}}]"#,
            "\n",
            r#"[{"Id":"bb","Name":"/two","State":{"OOMKilled":false,"ExitCode":0},"HostConfig":{"Memory":0}}]"#,
            "\n",
            r#"{"ID":"cc","Name":"three","State":{"Status":"exited"}}"#,
        );
        let p = parse(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let names: Vec<_> = p.value.iter().map(|c| c.name.as_deref().unwrap()).collect();
        assert_eq!(names, ["one", "two", "three"]);
        let one = &p.value[0];
        assert_eq!(one.memory.limit_line.as_ref().unwrap().no, 1);
        assert_eq!(one.state.oom_killed_line.as_ref().unwrap().no, 1);
        assert_eq!(p.value[1].memory.limit_line.as_ref().unwrap().no, 2);
        assert_eq!(p.value[1].state.exit_code, Some(0));
        assert_eq!(p.value[2].engine, Engine::Podman);
        assert_eq!(p.value[2].line.no, 3);
        let p = parse(r#"{"ID":"cc","OCIRuntime":"crun","HostConfig":{"Runtime":"oci"}}"#);
        assert_eq!(p.value[0].runtime.as_deref(), Some("crun"));
    }

    #[test]
    fn minified_long_line_evidence_is_the_field() {
        let labels: String = (0..40)
            .map(|i| format!(r#""label{i}":"value-{i}","#))
            .collect();
        let text = format!(
            r#"[{{"Id":"aa","Config":{{"Labels":{{{labels}"x":"y"}}}},"State":{{"OOMKilled":true}},"HostConfig":{{"Memory":268435456}}}}]"#
        );
        let p = parse(&text);
        let c = &p.value[0];
        assert_eq!(
            c.memory.limit_line.as_ref().unwrap().text,
            "\"Memory\": 268435456"
        );
        assert_eq!(
            c.state.oom_killed_line.as_ref().unwrap().text,
            "\"OOMKilled\": true"
        );
        assert_eq!(c.labels.len(), 41);
    }

    #[test]
    fn wrong_types_are_warnings_and_nulls_are_none() {
        let text = r#"[{"Id":"aa","State":{"OOMKilled":"yes","ExitCode":null,"Running":true},
"HostConfig":{"Memory":"256m","MemorySwap":1.5e3}}]"#;
        let p = parse(text);
        assert_eq!(p.value.len(), 1);
        let c = &p.value[0];
        assert_eq!(c.state.oom_killed, None);
        assert_eq!(c.state.exit_code, None);
        assert_eq!(c.state.running, Some(true));
        assert_eq!(c.memory.limit_bytes, None);
        assert_eq!(c.memory.swap_bytes, None);
        assert_eq!(p.warnings.len(), 3, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].line, Some(1));
        assert!(p.warnings[0].message.contains("State.OOMKilled"));
        assert_eq!(p.warnings[1].line, Some(2));
    }

    #[test]
    fn non_containers_and_broken_documents() {
        let p = parse(r#"[{"Id":"sha256:ab","RepoTags":["x"]}]"#);
        assert!(p.value.is_empty());
        assert_eq!(p.warnings.len(), 1);

        // A truncated array: the complete first container is still read.
        let text = "[\n{\"Id\":\"aa\",\"State\":{\"ExitCode\":1}},\n{\"Id\":\"bb\",\"State\":{\n";
        let p = parse(text);
        assert_eq!(p.value.len(), 1);
        assert_eq!(p.value[0].id, "aa");
        assert!(!p.warnings.is_empty());

        let p = parse("Error: No such object: web\n");
        assert!(p.value.is_empty());
        assert_eq!(p.warnings[0].line, Some(1));
    }

    #[test]
    fn crlf_and_minified_json_that_looks_like_a_prompt() {
        let text = "[\r\n  {\r\n    \"Id\": \"aa\",\r\n    \"State\": {\"OOMKilled\": true}\r\n  }\r\n]\r\n";
        let p = parse(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let l = p.value[0].state.oom_killed_line.as_ref().unwrap();
        assert_eq!(
            (l.no, l.text.as_str()),
            (4, "    \"State\": {\"OOMKilled\": true}")
        );

        let text = r#"[{"ID":"aa","State":{"Status":"running"},"Config":{"Env":["PS1=[$(id -un)@$(hostname -s) $(pwd)]$ "]}}]"#;
        let p = parse(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value[0].env_names, ["PS1"]);
    }

    #[test]
    fn truncated_podman_document_gives_no_spurious_warnings() {
        let cut = PODMAN.len() * 2 / 3;
        let mut end = cut;
        while !PODMAN.is_char_boundary(end) {
            end -= 1;
        }
        let p = parse(&PODMAN[..end]);
        assert!(p.value.is_empty());
        assert!(
            p.warnings
                .iter()
                .all(|w| w.message.starts_with("JSON cannot be read")),
            "{:?}",
            p.warnings
        );
        assert!(!p.warnings.is_empty());
    }

    #[test]
    fn deeply_nested_json_is_a_warning() {
        let deep = "[".repeat(10_000);
        let p = parse(&deep);
        assert!(p.value.is_empty());
        assert!(p.warnings.iter().any(|w| w.message.contains("recursion")));
        let deep_obj = format!("{{\"Id\":\"a\",\"State\":{}}}", "{\"a\":".repeat(10_000));
        let p = parse(&deep_obj);
        assert!(p.value.is_empty());
        assert!(!p.warnings.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_json_like_text(s in "[\\[\\]{}\":,0-9a-zA-Z \\n\\\\]{0,200}") {
            let _ = parse(&s);
        }
    }
}
