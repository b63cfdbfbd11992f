//! Derived facts: what the bundle says once its sources are read together, decided once.
//!
//! Between [`crate::facts`] and the stages that read them ([`crate::timeline`],
//! [`crate::analyze`], the report's `bundle` object, the baseline comparison). Several sources
//! often answer one question (the kernel release is in `uname`, in a `Linux version` banner and
//! in each failure report's `CPU:` line; the host name in `hostname`, `uname` and every syslog
//! line), and they can disagree. This module decides each answer, with its order of preference,
//! in one place; every consumer reads [`Derived`] and none re-derives it:
//!
//! - [`Derived::layout`]: the bundle's layout (sosreport, supportconfig, the collector's, plain);
//! - [`Derived::host`]: the host name: `hostname`, then `uname -a`, then the kernel logs;
//! - [`Derived::kernel`]: the kernel running at collection: `uname -a`, then the latest boot a
//!   kernel log shows, then the release printed in a failure report;
//! - [`Derived::boots`]: every boot the kernel logs show, and the kernel each ran
//!   ([`Derived::kernel_at`] answers which kernel printed a given line);
//! - [`Derived::main_failure`]: the high-order allocation failure the report is about, with the
//!   kernel that was running when it happened, which may not be the collection's: a node is
//!   often upgraded and rebooted before the bundle is taken;
//! - [`Derived::available`]: available memory at collection (`free`, then `/proc/meminfo`);
//! - [`Derived::containers`]: containers joined across inspect documents, `docker events`,
//!   runtime errors and kernel OOM reports by id and name, with the starts that failed
//!   ([`Derived::failed_starts`], read from the order of each container's events) and the OOM
//!   reports of containers ([`Derived::container_oom_kills`]);
//! - [`Derived::pods`]: Kubernetes pods and their containers joined across `kubectl`, `crictl`,
//!   the kubelet's and the runtime's logs and the kubepods cgroups of kernel OOM reports, by
//!   uid, namespace and name, and runtime id ([`kube`]).
//! - [`Derived::oom_events`]: every OOM kill once, however many logs keep a copy of its report
//!   ([`oom`]), and whose cgroup it hit ([`oom::cgroup_owner`]).
//!
//! Invariants: [`derive()`] reads only [`Facts`], never raw text, and borrows from them: a derived
//! fact that may become evidence points at the parsed line it stands on. It is deterministic (the
//! facts' order decides every tie) and cheap: one pass over the parsed records, none over lines.
//!
//! A rule reads it as `ctx.derived`: `ctx.derived.incident_kernel()` for the kernel whose
//! behaviour explains the failure, `ctx.derived.kernel.as_ref()` for the node as collected.

use crate::facts::{AllocFailure, Facts, Line};

pub mod boots;
pub mod containers;
pub mod kernel_version;
pub mod kube;
pub mod oom;

pub use boots::{Boot, BootEvidence};
pub use containers::{cgroup_names_container, ContainerView, FailedStart};
use kernel_version::KernelVersion;

/// A fact with the path of the source it was read from.
#[derive(Debug)]
pub struct At<'a, T> {
    pub path: &'a str,
    pub item: &'a T,
}

// Two references: copyable whatever `T` is (a derive would ask `T: Copy`).
impl<T> Clone for At<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for At<'_, T> {}

/// A kernel release and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelSource<'a> {
    pub version: KernelVersion,
    pub path: &'a str,
    /// The line that states it (`uname -a`, a `Linux version` banner), when there is one.
    pub line: Option<&'a Line>,
}

/// The bundle's layout: which collector wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Sosreport,
    Supportconfig,
    /// postmortem's own collector (`collect/`), which writes a `manifest.json`.
    Collector,
    /// Files named by what they hold, or pasted text.
    Plain,
}

impl Layout {
    /// The name the report gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Sosreport => "sosreport",
            Layout::Supportconfig => "supportconfig",
            Layout::Collector => "postmortem-collect",
            Layout::Plain => "plain",
        }
    }
}

/// The host name and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostName<'a> {
    pub name: String,
    pub path: &'a str,
}

/// Available memory at collection and where it was read.
#[derive(Debug, Clone)]
pub struct Available<'a> {
    pub bytes: u64,
    pub total_bytes: Option<u64>,
    pub path: &'a str,
    pub line: &'a Line,
    /// `free` or `meminfo`.
    pub from: &'static str,
}

/// The high-order allocation failure the report is about, and the kernel it happened on.
#[derive(Debug, Clone)]
pub struct MainFailure<'a> {
    pub at: At<'a, AllocFailure>,
    /// The kernel that was running when it failed ([`Derived::kernel_at`] its header line).
    pub kernel: Option<KernelSource<'a>>,
    /// It happened in the boot running at collection, as far as the bundle tells: no later boot
    /// in its log, and no other kernel than the collection's. What was captured at collection
    /// (free blocks, available memory) then tells of the memory that failed.
    pub same_boot: bool,
}

/// Everything derived from one bundle's facts. See the module documentation.
#[derive(Debug, Clone)]
pub struct Derived<'a> {
    pub layout: Layout,
    pub host: Option<HostName<'a>>,
    /// The kernel running when the bundle was collected.
    pub kernel: Option<KernelSource<'a>>,
    /// Every boot the kernel logs show, log by log in bundle order, each log's in line order.
    pub boots: Vec<Boot<'a>>,
    pub main_failure: Option<MainFailure<'a>>,
    pub available: Option<Available<'a>>,
    /// Containers known to the bundle, inspected ones first, then by first mention.
    pub containers: Vec<ContainerView<'a>>,
    /// Starts that failed, as `docker events` shows them, in bundle order.
    pub failed_starts: Vec<FailedStart<'a>>,
    /// Memory-cgroup OOM reports whose cgroup is a container the bundle knows, each once, in
    /// bundle order.
    pub container_oom_kills: Vec<At<'a, crate::facts::OomKill>>,
    /// Kubernetes pods, in order of first mention.
    pub pods: Vec<kube::PodView<'a>>,
    /// Every OOM kill once, with the copies of its report ([`oom::count_once`]).
    pub oom_events: Vec<oom::OomEvent<'a>>,
    facts: &'a Facts,
}

/// Derive what the facts say together.
pub fn derive(facts: &Facts) -> Derived<'_> {
    let boots = boots::find(facts);
    let kernel = collection_kernel(facts, &boots);
    let joined = containers::join(facts);
    let mut derived = Derived {
        layout: layout(facts),
        host: host(facts),
        kernel,
        boots,
        main_failure: None,
        available: available(facts),
        containers: joined.containers,
        failed_starts: joined.failed_starts,
        container_oom_kills: joined.oom_kills,
        pods: kube::join(facts).pods,
        oom_events: oom::count_once(facts),
        facts,
    };
    derived.main_failure = main_alloc_failure(facts).map(|at| {
        let no = at.item.header.no;
        let kernel = derived.kernel_at(at.path, no, at.item.kernel_release.as_deref());
        let later_boot = derived
            .boots
            .iter()
            .any(|b| b.path == at.path && b.line.no > no);
        let other_kernel = match (&kernel, &derived.kernel) {
            (Some(then), Some(now)) => then.version.release != now.version.release,
            _ => false,
        };
        MainFailure {
            kernel,
            same_boot: !later_boot && !other_kernel,
            at,
        }
    });
    derived
}

impl<'a> Derived<'a> {
    /// The facts these were derived from.
    pub fn facts(&self) -> &'a Facts {
        self.facts
    }

    /// The kernel that printed line `no` of the kernel log at `path`, given the release the
    /// report at that line printed itself (its `CPU:` line), if any.
    ///
    /// In order: that release; the release of the boot the line belongs to (its banner); in a
    /// log that shows no boot, another release the same log printed; and the collection's
    /// kernel, unless the log shows a later boot (the line was then printed by an earlier one,
    /// whose kernel the bundle does not name).
    pub fn kernel_at(&self, path: &str, no: u32, own: Option<&str>) -> Option<KernelSource<'a>> {
        let log = self.facts.kernel_logs.iter().find(|l| l.path == path)?;
        let path = log.path.as_str();
        let in_log: Vec<&Boot<'a>> = self.boots.iter().filter(|b| b.path == path).collect();
        let found = own
            .and_then(KernelVersion::parse)
            .map(|version| KernelSource {
                version,
                path,
                line: None,
            })
            .or_else(|| {
                let boot = in_log.iter().rev().find(|b| b.line.no <= no)?;
                boot.release.clone().map(|version| KernelSource {
                    version,
                    path,
                    line: boot.banner,
                })
            })
            .or_else(|| {
                let release = log.value.kernel_release.as_deref();
                let version = release
                    .filter(|_| in_log.is_empty())
                    .and_then(KernelVersion::parse)?;
                Some(KernelSource {
                    version,
                    path,
                    line: None,
                })
            });
        if let Some(found) = found {
            // The collection's kernel, when it is the same, with the line that states it.
            return match &self.kernel {
                Some(now) if now.version.release == found.version.release => Some(now.clone()),
                _ => Some(found),
            };
        }
        let later_boot = in_log.iter().any(|b| b.line.no > no);
        if later_boot {
            return None;
        }
        self.kernel.clone()
    }

    /// The kernel whose behaviour explains the incident: the one the main failure happened on,
    /// else (no failure, or one whose kernel the bundle does not name) the one running at
    /// collection.
    pub fn incident_kernel(&self) -> Option<&KernelSource<'a>> {
        match &self.main_failure {
            Some(f) if f.kernel.is_some() => f.kernel.as_ref(),
            _ => self.kernel.as_ref(),
        }
    }

    /// When the main failure happened on another kernel than the one running at collection:
    /// (the failure's, the collection's). The node has been rebooted since.
    pub fn rebooted_since_failure(&self) -> Option<(&KernelSource<'a>, &KernelSource<'a>)> {
        let failed = self.main_failure.as_ref()?.kernel.as_ref()?;
        let now = self.kernel.as_ref()?;
        (failed.version.release != now.version.release).then_some((failed, now))
    }

    /// The container the report is about: one that failed to start or carries a start error
    /// (`State.Error`), else one the OOM killer hit, else one with a memory limit, else the
    /// first inspected.
    pub fn failing_container(&self) -> Option<At<'a, crate::facts::Container>> {
        let all = || self.containers.iter().filter_map(|c| c.inspect);
        all()
            .find(|c| {
                c.item
                    .state
                    .error
                    .as_deref()
                    .is_some_and(|e| !e.trim().is_empty())
            })
            .or_else(|| all().find(|c| c.item.state.oom_killed == Some(true)))
            .or_else(|| all().find(|c| c.item.memory.limit_bytes.is_some_and(|l| l > 0)))
            .or_else(|| all().next())
    }
}

fn layout(facts: &Facts) -> Layout {
    if facts
        .sources
        .iter()
        .any(|x| x.path.contains("sos_commands/"))
    {
        Layout::Sosreport
    } else if facts
        .sources
        .iter()
        .any(|x| x.path.ends_with("basic-environment.txt") || x.path.ends_with("supportconfig.txt"))
    {
        Layout::Supportconfig
    } else if facts.manifest.is_empty() {
        Layout::Plain
    } else {
        Layout::Collector
    }
}

/// `hostname`, then `uname -a`, then the first host name a syslog or journal line gave, in the
/// log with the most kernel messages: a bundle's other logs may be other hosts' (a log server's
/// `messages`, a ticket's paste from another node).
fn host(facts: &Facts) -> Option<HostName<'_>> {
    let named = |name: &str, path| {
        let name = name.trim();
        (!name.is_empty()).then(|| HostName {
            name: name.to_string(),
            path,
        })
    };
    facts
        .hostname
        .iter()
        .find_map(|h| named(&h.value.text, h.path.as_str()))
        .or_else(|| {
            facts.uname.iter().find_map(|u| {
                u.value
                    .hostname
                    .as_deref()
                    .and_then(|h| named(h, u.path.as_str()))
            })
        })
        .or_else(|| {
            let named_logs = facts.kernel_logs.iter().enumerate().filter_map(|(i, k)| {
                let host = k.value.hostnames.iter().find_map(|h| named(h, &k.path))?;
                Some((k.value.kernel_messages, std::cmp::Reverse(i), host))
            });
            named_logs
                .max_by_key(|(messages, first, _)| (*messages, *first))
                .map(|(.., h)| h)
        })
}

/// `uname -a` first; then the boot a kernel log shows last (the latest banner of the first log
/// that has one); then a release printed inside a failure report.
fn collection_kernel<'a>(facts: &'a Facts, boots: &[Boot<'a>]) -> Option<KernelSource<'a>> {
    for u in &facts.uname {
        if let Some(version) = KernelVersion::parse(&u.value.release) {
            return Some(KernelSource {
                version,
                path: &u.path,
                line: Some(&u.value.line),
            });
        }
    }
    for log in &facts.kernel_logs {
        let latest = boots
            .iter()
            .rev()
            .find(|b| b.path == log.path && b.release.is_some());
        if let Some(boot) = latest {
            return boot.release.clone().map(|version| KernelSource {
                version,
                path: &log.path,
                line: boot.banner,
            });
        }
        // The log's release, else one of its reports'.
        let release = log.value.kernel_release.as_deref().or_else(|| {
            log.value
                .alloc_failures
                .iter()
                .find_map(|a| a.kernel_release.as_deref())
        });
        if let Some(version) = release.and_then(KernelVersion::parse) {
            return Some(KernelSource {
                version,
                path: &log.path,
                line: None,
            });
        }
    }
    None
}

/// A meminfo value in bytes (meminfo prints kB), with its line and path.
pub fn meminfo_bytes<'a>(facts: &'a Facts, key: &str) -> Option<(u64, &'a str, &'a Line)> {
    facts.meminfo.iter().find_map(|m| {
        let kv = m.value.get(key)?;
        let kb = u64::try_from(kv.value?).ok()?;
        Some((kb.saturating_mul(1024), m.path.as_str(), &kv.line))
    })
}

/// What the bundle says about available memory at collection: `free` first, then
/// `/proc/meminfo`.
fn available(facts: &Facts) -> Option<Available<'_>> {
    for f in &facts.free {
        if let (Some(bytes), Some(line)) = (f.value.mem.available_bytes, &f.value.mem_line) {
            return Some(Available {
                bytes,
                total_bytes: f.value.mem.total_bytes,
                path: &f.path,
                line,
                from: "free",
            });
        }
    }
    let (bytes, path, line) = meminfo_bytes(facts, "MemAvailable")?;
    Some(Available {
        bytes,
        total_bytes: meminfo_bytes(facts, "MemTotal").map(|t| t.0),
        path,
        line,
        from: "meminfo",
    })
}

/// The high-order failure that matters most: the highest order, then the first in the bundle.
/// Several kernel logs (dmesg, messages, journal) usually hold copies of the same report; the
/// first copy read is the one quoted.
fn main_alloc_failure(facts: &Facts) -> Option<At<'_, AllocFailure>> {
    let mut best: Option<At<'_, AllocFailure>> = None;
    for log in &facts.kernel_logs {
        for item in &log.value.alloc_failures {
            if item.order == 0 {
                continue;
            }
            match &best {
                Some(b) if b.item.order >= item.order => {}
                _ => {
                    best = Some(At {
                        path: log.path.as_str(),
                        item,
                    })
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests;
