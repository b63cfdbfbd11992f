//! A runtime's own memory sizing, read from a container's command line and the sizing
//! variables of its environment ([`crate::redact::SIZING_ENV`]).
//!
//! A JVM given `-Xmx768m` in a 512 MiB memory cgroup is allowed a heap the cgroup cannot hold:
//! the kernel kills it at the limit before the JVM could throw its own `OutOfMemoryError`. The
//! same holds for Node.js's `--max-old-space-size` and Go's `GOMEMLIMIT`. What is read here is
//! what the runtime was told; [`Sizing::verdict`] compares it with the limit.

use crate::facts::Container;
use crate::units;

/// The share of a memory limit a runtime's heap can take and leave room for the rest of the
/// process (a JVM's metaspace, thread stacks, code cache and direct buffers; Node.js's code and
/// buffers): the default of the JVM's own `-XX:MaxRAMPercentage` advice for containers, 75.
pub const HEAP_SHARE_PERCENT: u64 = 75;

/// What bounds a runtime's memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// A maximum in bytes: `-Xmx`, `-XX:MaxHeapSize`, `--max-old-space-size`, `GOMEMLIMIT`.
    Bytes(u64),
    /// A share of the memory the JVM sees (`-XX:MaxRAMPercentage=75`).
    Percent(f64),
    /// The JVM's container support switched off (`-XX:-UseContainerSupport`): it sizes its heap
    /// from the host's memory, not the cgroup's.
    HostMemory,
}

/// The runtime's sizing, as one setting says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    /// `JVM heap`, `Node.js heap`, `Go runtime`.
    pub what: &'static str,
    /// The setting as given: `-Xmx768m`.
    pub setting: String,
    /// Where it was given: `the command line`, `JAVA_OPTS`.
    pub source: String,
    pub bound: Bound,
    /// Other places that give the same setting (`JAVA_OPTS` besides the command line).
    pub also_in: Vec<String>,
}

/// How a sizing compares with its cgroup's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The sentence: what the runtime may grow to against the limit, and what follows.
    pub sentence: String,
    /// The runtime's setting that keeps it inside the limit: `-Xmx384m`.
    pub fix: String,
    /// The least limit that holds the runtime as configured, in bytes.
    pub limit_needed: u64,
    /// The runtime may grow past the limit itself (not only crowd its headroom).
    pub exceeds: bool,
}

impl Sizing {
    /// Compare with the cgroup's limit; `None` when the sizing fits it.
    pub fn verdict(&self, limit: u64) -> Option<Verdict> {
        let cap = limit.saturating_mul(HEAP_SHARE_PERCENT) / 100;
        let setting = format!("`{}`", self.setting);
        let source = if self.also_in.is_empty() {
            self.source.clone()
        } else {
            format!("{} and {}", self.source, self.also_in.join(" and "))
        };
        match self.bound {
            Bound::Bytes(max)
                if max.saturating_mul(100) > limit.saturating_mul(HEAP_SHARE_PERCENT) =>
            {
                let exceeds = max >= limit;
                let needed = round_up_mib(max.saturating_mul(100) / HEAP_SHARE_PERCENT);
                let (fix, consequence) = match self.what {
                    "Go runtime" => (
                        format!("GOMEMLIMIT={}MiB", limit.saturating_mul(90) / 100 / MIB),
                        "the Go runtime collects garbage hard only when its soft limit is near, \
                         so it lets the heap grow into the cgroup's limit",
                    ),
                    "Node.js heap" => (
                        format!("--max-old-space-size={}", cap / MIB),
                        "the process is killed by the kernel before V8 could report a heap \
                         out of memory of its own",
                    ),
                    _ => (
                        format!("-Xmx{}m", cap / MIB),
                        "the JVM is SIGKILLed by the kernel before it could throw its own \
                         `OutOfMemoryError`",
                    ),
                };
                let sentence = if exceeds {
                    format!(
                        "The {} may grow to {} ({setting}, from {source}) in a {} memory cgroup: \
                         {consequence}.",
                        self.what,
                        units::bytes(max),
                        units::bytes(limit)
                    )
                } else {
                    format!(
                        "The {} may grow to {} ({setting}, from {source}) of a {} memory cgroup, \
                         which leaves less than a quarter of the limit for the rest of the process.",
                        self.what,
                        units::bytes(max),
                        units::bytes(limit)
                    )
                };
                Some(Verdict {
                    sentence,
                    fix,
                    limit_needed: needed,
                    exceeds,
                })
            }
            Bound::Percent(p) if p > HEAP_SHARE_PERCENT as f64 => Some(Verdict {
                sentence: format!(
                    "The {} may take {p}% of the {} memory cgroup ({setting}, from {source}), \
                     which leaves too little for the rest of the JVM.",
                    self.what,
                    units::bytes(limit),
                ),
                fix: format!("-XX:MaxRAMPercentage={HEAP_SHARE_PERCENT}"),
                limit_needed: round_up_mib(((limit as f64) * p / HEAP_SHARE_PERCENT as f64) as u64),
                exceeds: p >= 100.0,
            }),
            Bound::HostMemory => Some(Verdict {
                sentence: format!(
                    "The JVM's container support is off ({setting}, from {source}): it sizes its \
                     heap from the host's memory, not from the {} limit of its memory cgroup.",
                    units::bytes(limit)
                ),
                fix: format!("-XX:+UseContainerSupport -XX:MaxRAMPercentage={HEAP_SHARE_PERCENT}"),
                limit_needed: limit,
                exceeds: true,
            }),
            _ => None,
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Round up to a whole 64 MiB, a size an operator would set.
fn round_up_mib(bytes: u64) -> u64 {
    let step = 64 * MIB;
    bytes.div_ceil(step).saturating_mul(step)
}

/// A JVM size: `768m`, `1g`, `1024k`, `805306368`.
fn java_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?.min(text.len()));
    let n: u64 = digits.parse().ok()?;
    let mult = match unit.to_ascii_lowercase().as_str() {
        "k" => 1024,
        "m" => MIB,
        "g" => 1024 * MIB,
        "t" => 1024 * 1024 * MIB,
        _ => return None,
    };
    Some(n.saturating_mul(mult))
}

/// A plain number of bytes or a JVM size.
fn java_size_or_bytes(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok().or_else(|| java_size(text))
}

/// A Go size: `400MiB`, `1GiB`, `536870912`, `512MB`.
fn go_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let at = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..at].parse().ok()?;
    let mult = match &text[at..] {
        "" | "B" => 1,
        "KiB" => 1024,
        "MiB" => MIB,
        "GiB" => 1024 * MIB,
        "TiB" => 1024 * 1024 * MIB,
        "KB" => 1000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    Some(n.saturating_mul(mult))
}

/// The sizing one word of a command line or an options variable gives.
fn sizing_of_word(word: &str, source: &str, node: bool) -> Option<Sizing> {
    let java = |bound| Sizing {
        what: "JVM heap",
        setting: word.to_string(),
        source: source.to_string(),
        bound,
        also_in: Vec::new(),
    };
    if let Some(v) = word.strip_prefix("-Xmx") {
        return java_size_or_bytes(v).map(|b| java(Bound::Bytes(b)));
    }
    if let Some(v) = word.strip_prefix("-XX:MaxHeapSize=") {
        return java_size_or_bytes(v).map(|b| java(Bound::Bytes(b)));
    }
    if let Some(v) = word.strip_prefix("-XX:MaxRAMPercentage=") {
        return v.parse::<f64>().ok().map(|p| java(Bound::Percent(p)));
    }
    if word == "-XX:-UseContainerSupport" {
        return Some(java(Bound::HostMemory));
    }
    if let Some(v) = word.strip_prefix("--max-old-space-size=") {
        if node {
            return v.parse::<u64>().ok().map(|mib| Sizing {
                what: "Node.js heap",
                setting: word.to_string(),
                source: source.to_string(),
                bound: Bound::Bytes(mib.saturating_mul(MIB)),
                also_in: Vec::new(),
            });
        }
    }
    None
}

/// Every sizing a container's command line and sizing variables give, command line first. A
/// setting given twice keeps its last word, as the runtimes do.
pub fn of_container(c: &Container) -> Vec<Sizing> {
    let program = c
        .command
        .first()
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase())
        .unwrap_or_default();
    let node = program.starts_with("node") || c.command.iter().any(|a| a == "node");
    let mut out: Vec<Sizing> = Vec::new();
    for word in &c.command {
        if let Some(s) = sizing_of_word(word, "the command line", node) {
            out.retain(|o| !(o.what == s.what && same_kind(&o.bound, &s.bound)));
            out.push(s);
        }
    }
    for entry in &c.sizing_env {
        let Some((name, value)) = entry.split_once('=') else {
            continue;
        };
        if name == "GOMEMLIMIT" {
            if let Some(b) = go_size(value) {
                out.push(Sizing {
                    what: "Go runtime",
                    setting: entry.clone(),
                    source: format!("`{name}`"),
                    bound: Bound::Bytes(b),
                    also_in: Vec::new(),
                });
            }
            continue;
        }
        let is_node = name == "NODE_OPTIONS";
        for word in value.split_ascii_whitespace() {
            if let Some(s) = sizing_of_word(word, &format!("`{name}`"), is_node) {
                // The command line is what the runtime was started with: a variable that says
                // the same, or otherwise, is named beside it, not counted again.
                match out
                    .iter_mut()
                    .find(|o| o.what == s.what && same_kind(&o.bound, &s.bound))
                {
                    Some(o) if o.bound == s.bound => o.also_in.push(s.source),
                    Some(_) => {}
                    None => out.push(s),
                }
            }
        }
    }
    out
}

fn same_kind(a: &Bound, b: &Bound) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// The JDK 8 update an image tag names (`openjdk:8u151-jre` → 151), when it is older than
/// 8u191, the first JDK 8 that sizes its default heap from the cgroup's limit.
pub fn old_jdk_update(image: &str) -> Option<u32> {
    let tag = image.rsplit_once(':').map(|(_, t)| t)?;
    let at = tag.find("8u")?;
    let digits: String = tag[at + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u32>().ok().filter(|u| *u < 191)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{ContainerState, Engine, Line, MemoryLimits};

    fn container(command: &[&str], env: &[&str]) -> Container {
        Container {
            engine: Engine::Docker,
            id: "abc".into(),
            name: None,
            image: None,
            created: None,
            state: ContainerState::default(),
            memory: MemoryLimits::default(),
            env_names: Vec::new(),
            command: command.iter().map(|s| s.to_string()).collect(),
            labels: Default::default(),
            cgroup_parent: None,
            runtime: None,
            line: Line::new(1, "{"),
            sizing_env: env.iter().map(|s| s.to_string()).collect(),
        }
    }

    const MIB512: u64 = 512 * MIB;

    #[test]
    fn a_heap_larger_than_the_limit_is_the_cause_with_numbers() {
        let c = container(
            &["java", "-Xmx768m", "-XX:+UseSerialGC", "/app/Batch.java"],
            &["JAVA_OPTS=-Xmx768m"],
        );
        let s = of_container(&c);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].source, "the command line");
        assert_eq!(s[0].also_in, ["`JAVA_OPTS`"]);
        let v = s[0].verdict(MIB512).unwrap();
        assert!(v.exceeds);
        assert_eq!(v.fix, "-Xmx384m");
        assert_eq!(v.limit_needed, 1024 * MIB);
        assert_eq!(
            v.sentence,
            "The JVM heap may grow to 768 MiB (`-Xmx768m`, from the command line and `JAVA_OPTS`) \
             in a 512 MiB \
             memory cgroup: the JVM is SIGKILLed by the kernel before it could throw its own \
             `OutOfMemoryError`."
        );
    }

    #[test]
    fn environment_sizing_of_each_runtime() {
        let c = container(
            &["node", "server.js"],
            &["NODE_OPTIONS=--max-old-space-size=1024"],
        );
        let v = of_container(&c)[0].verdict(MIB512).unwrap();
        assert_eq!(v.fix, "--max-old-space-size=384");
        let c = container(&["/app"], &["GOMEMLIMIT=600MiB"]);
        let v = of_container(&c)[0].verdict(MIB512).unwrap();
        assert_eq!(v.fix, "GOMEMLIMIT=460MiB");
        let c = container(&["/bin/sh"], &["ES_JAVA_OPTS=-Xms1g -Xmx1g"]);
        let s = of_container(&c);
        assert_eq!(s[0].source, "`ES_JAVA_OPTS`");
        assert_eq!(s[0].bound, Bound::Bytes(1024 * MIB));
        let c = container(&["java", "-XX:MaxRAMPercentage=90", "-jar", "a.jar"], &[]);
        assert_eq!(
            of_container(&c)[0].verdict(MIB512).unwrap().fix,
            "-XX:MaxRAMPercentage=75"
        );
        let c = container(&["java", "-XX:-UseContainerSupport", "-jar", "a.jar"], &[]);
        assert!(of_container(&c)[0].verdict(MIB512).unwrap().exceeds);
    }

    #[test]
    fn a_sizing_that_fits_is_no_verdict() {
        let c = container(&["java", "-Xmx256m", "-jar", "a.jar"], &[]);
        assert_eq!(of_container(&c)[0].verdict(MIB512), None);
        let c = container(&["node", "--max-old-space-size=1024"], &[]);
        assert_eq!(of_container(&c)[0].verdict(2048 * MIB), None);
        // `--max-old-space-size` of another program is not Node's.
        let c = container(&["python", "--max-old-space-size=9999"], &[]);
        assert!(of_container(&c).is_empty());
    }

    #[test]
    fn old_jdk_8_image_tags() {
        assert_eq!(old_jdk_update("openjdk:8u151-jre"), Some(151));
        assert_eq!(old_jdk_update("openjdk:8u212-jre"), None);
        assert_eq!(old_jdk_update("openjdk:17"), None);
    }
}
