//! `container.start-failure`: the container runtime failed to start a container.
//!
//! The symptom the user saw. It is read from every place a runtime failure leaves a trace: the
//! runtime's error text (daemon log, pasted CLI output, `State.Error` of the inspect), and a
//! `die` event that follows `create` with no `start` in between (the derived facts' failed
//! starts, which read the order of the container's events).

use std::collections::BTreeSet;

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::lookup::{self, At};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::derive::containers::kube_label_of_error;
use crate::facts::{DockerEvent, RuntimeError, RuntimeErrorKind, SetupStep};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct ContainerStartFailure;

/// What an errno text says, in words, for the explanation.
pub fn errno_meaning(errno_text: &str) -> Option<&'static str> {
    let t = errno_text.to_ascii_lowercase();
    if t.contains("cannot allocate memory") {
        Some(
            "`ENOMEM`: the kernel could not allocate memory for the namespaces. That does not \
             mean the host was out of memory: a single large contiguous kernel allocation fails \
             the same way on a host with gigabytes free. The kernel log at the same moment says \
             which allocation it was.",
        )
    } else if t.contains("invalid argument") {
        Some(
            "`EINVAL`: the kernel refused the namespace type itself (not supported, or disabled \
             by a sysctl such as `user.max_user_namespaces=0`).",
        )
    } else if t.contains("no space left on device") {
        Some("`ENOSPC`: a kernel limit was reached (for cgroups: the 65535 memory cgroup ids).")
    } else if t.contains("operation not permitted") || t.contains("permission denied") {
        Some("`EPERM`/`EACCES`: a security policy (seccomp, SELinux, AppArmor) refused it.")
    } else {
        None
    }
}

static META: RuleMeta = RuleMeta {
    id: "container.start-failure",
    role: Role::Symptom,
    summary: "The container runtime failed to start a container",
    doc: include_str!("../../../docs/findings/container.start-failure.md"),
    verdict_rank: None,
    incidents: &[
        "contiguous-allocation",
        "namespace-refused",
        "cgroup-ids",
        "netns-teardown",
    ],
    metrics: &[
        Metric::one(
            "exit_status",
            MetricKind::Integer,
            "runc's exit status (before 1.0.0-rc9 a bail() ordinal, not an errno)",
        ),
        Metric::one(
            "die_exit_code",
            MetricKind::Integer,
            "the exit code of the `die` event of a start that never ran",
        ),
        Metric::one(
            "container",
            MetricKind::Text,
            "the container, name and short id",
        ),
        Metric::one(
            "errno",
            MetricKind::Text,
            "the errno text the runtime printed",
        ),
        Metric::one(
            "sources",
            MetricKind::Count,
            "sources that show the failure",
        ),
    ],
    needs: &[],
};

impl Rule for ContainerStartFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        let errors: Vec<At<'_, RuntimeError>> = lookup::runtime_errors(facts)
            .filter(|e| e.item.kind == RuntimeErrorKind::StartFailure)
            .collect();
        let inspected: Vec<_> = facts
            .containers
            .iter()
            .filter(|c| {
                c.value
                    .state
                    .error
                    .as_deref()
                    .is_some_and(|e| !e.trim().is_empty())
                    && c.value.state.running != Some(true)
            })
            .collect();
        let dies: Vec<(&str, &DockerEvent, Option<&DockerEvent>)> = ctx
            .derived
            .failed_starts
            .iter()
            .map(|f| (f.path, f.die, f.create))
            .collect();
        if errors.is_empty() && inspected.is_empty() && dies.is_empty() {
            return Vec::new();
        }

        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        let mut sources: BTreeSet<&str> = BTreeSet::new();
        for e in &errors {
            b = b.cite(e.path, &e.item.line);
            sources.insert(e.path);
        }
        for c in &inspected {
            b = b
                .cite_opt(&c.path, c.value.state.error_line.as_ref())
                .cite_opt(&c.path, c.value.state.exit_code_line.as_ref());
            sources.insert(c.path.as_str());
        }
        for (path, die, create) in &dies {
            if let Some(c) = create {
                b = b.cite(path, &c.line);
            }
            b = b.cite(path, &die.line);
            sources.insert(path);
        }

        // Which container: the inspect names it best, then the events, then the error text.
        let failed: Vec<FailedContainer> = inspected
            .iter()
            .map(|c| FailedContainer {
                name: c.value.name.clone(),
                id: c.value.id.clone(),
                error: c.value.state.start_error.as_ref(),
                kube: None,
            })
            .chain(dies.iter().map(|(_, d, _)| FailedContainer {
                name: d.name().map(str::to_string),
                id: d.actor_id.clone(),
                error: None,
                kube: None,
            }))
            .chain(errors.iter().filter_map(|e| {
                e.item.container.as_ref().map(|n| FailedContainer {
                    name: Some(n.clone()),
                    id: String::new(),
                    error: Some(e.item),
                    kube: kube_label_of_error(e.item, &ctx.derived.pods),
                })
            }))
            .collect();
        let chosen = failed.first();
        let container = chosen.map(FailedContainer::label);
        let inspect_target = chosen.and_then(FailedContainer::docker_ref);
        // The errors that explain it: those that name the chosen container and its own
        // `State.Error` first, then those that name no container; never another container's.
        let explaining: Vec<&RuntimeError> = match chosen {
            Some(c) => errors
                .iter()
                .map(|e| e.item)
                .filter(|e| e.container.as_deref().is_some_and(|n| c.is(n)))
                .chain(c.error)
                .chain(
                    errors
                        .iter()
                        .map(|e| e.item)
                        .filter(|e| e.container.is_none()),
                )
                .collect(),
            None => errors.iter().map(|e| e.item).collect(),
        };
        let exit_status = explaining.iter().find_map(|e| e.exit_status);
        let step = explaining.iter().find_map(|e| {
            e.errno_text
                .as_ref()
                .map(|errno| (e.failed_step.clone().unwrap_or_default(), errno.clone()))
        });
        // The daemon's own set-up step, or the container's command, when that is what failed.
        let setup = explaining.iter().find_map(|e| {
            e.setup
                .map(|s| (s, e.failed_step.clone(), e.errno_text.clone()))
        });
        let others = other_failed_starts(&failed);
        let die_code = dies.iter().find_map(|(_, d, _)| d.exit_code());

        let who = container
            .as_ref()
            .map(|c| format!("container {}", code(c)))
            .unwrap_or_else(|| "a container".to_string());
        let mut first = format!("The container runtime failed to start {who}");
        first.push_str(&match &setup {
            Some((kind, what, errno)) => setup_words(*kind, what.as_deref(), errno.as_deref()),
            None => runc_words(step.as_ref(), exit_status),
        });
        if let Some(code_) = die_code {
            first.push_str(&format!(
                " Docker recorded the container dying with exit code {code_} without its process \
                 ever running."
            ));
        }
        b = b.title(match &container {
            Some(c) => format!("Container {c} failed to start"),
            None => "A container failed to start".to_string(),
        });
        b = b.sentence(first.clone()).paragraph(first);
        if let Some(n) = exit_status {
            b = b.paragraph(format!(
                "{} is not an errno. In runc releases before 1.0.0-rc9 the namespace setup code \
                 (`nsexec`) exits with the ordinal of the `bail()` call that failed, a number that \
                 differs from one runc build to the next (for runc of early 2017, bail 34 is \
                 `failed to unshare namespaces`). Reading it as errno {n} is a common misreading. \
                 The cause is the text runc prints next to it and the kernel log at that moment.",
                code(&format!("exit status {n}"))
            ));
        }
        if let (Some((_, errno)), None) = (&step, &setup) {
            b = b.paragraph_opt(errno_meaning(errno).map(str::to_string));
        }
        if let Some((SetupStep::Network, _, Some(errno))) = &setup {
            if errno
                .to_ascii_lowercase()
                .contains("cannot allocate memory")
            {
                b = b.paragraph(
                    "Creating the container's veth pair needs the kernel to allocate each \
                     device and its queue array in one piece; on a host with many CPUs that is \
                     a high-order allocation, which fails on fragmented memory with gigabytes \
                     free. The kernel log at the same moment holds its `page allocation \
                     failure` report.",
                );
            }
        }
        let confidence = match sources.len() {
            n if n >= 2 => Confidence::High,
            _ if !errors.is_empty() || !inspected.is_empty() => Confidence::Medium,
            _ => Confidence::Low,
        };
        if !others.is_empty() {
            b = b.paragraph(format!(
                "Other containers failed to start in this bundle too: {}.",
                others.join("; ")
            ));
        }
        if confidence == Confidence::Low {
            b = b.paragraph(
                "Only a `die` event with a never-ran exit code shows this; the daemon log or the \
                 container's `State.Error` (`docker inspect`) would confirm it and give the cause.",
            );
        }
        let b = b
            .confidence(confidence)
            .metric_opt("exit_status", exit_status)
            .metric_opt("die_exit_code", die_code)
            .metric_opt("container", container)
            .metric_opt("errno", step.map(|(_, e)| e))
            .metric("sources", sources.len() as u64);
        let b = match &setup {
            // The kernel refused nothing: the daemon's own set-up or the image is at fault.
            Some((SetupStep::Network, _, errno)) if errno_is_kernel(errno.as_deref()) => {
                b.recommend(KERNEL_LOG.0, Some(KERNEL_LOG.1), Risk::None, KERNEL_LOG.2)
            }
            Some((SetupStep::Network, ..)) => b.recommend(
                "Read the daemon's whole error for the container and mend the host's network \
                 set-up it names (a published port already taken, a missing bridge)",
                Some(&match &inspect_target {
                    Some(t) => {
                        format!("docker inspect --format '{{{{.State.Error}}}}' {t}; ss -ltnp; ip -br link")
                    }
                    None => "ss -ltnp; ip -br link".to_string(),
                }),
                Risk::None,
                "Before starting the container again",
            ),
            Some((SetupStep::Process, ..)) => b.recommend(
                "Check that the image holds the command the container runs, executable and on \
                 its `PATH`",
                inspect_target
                    .as_ref()
                    .map(|t| {
                        format!(
                            "docker inspect --format '{{{{.Config.Entrypoint}}}} \
                             {{{{.Config.Cmd}}}} {{{{.Path}}}}' {t}"
                        )
                    })
                    .as_deref(),
                Risk::None,
                "Before starting the container again",
            ),
            _ => b.recommend(KERNEL_LOG.0, Some(KERNEL_LOG.1), Risk::None, KERNEL_LOG.2),
        };
        // runc's bail numbering explains runc's errors, not the daemon's own set-up steps.
        let b = if setup.is_none() {
            b.references(&[RUNC_NSEXEC_BAIL])
        } else {
            b
        };
        if b.has_evidence() {
            vec![b.build()]
        } else {
            Vec::new()
        }
    }
}

/// The recommendation to read the kernel log: what it does, its command, and when.
const KERNEL_LOG: (&str, &str, &str) = (
    "Read the kernel log around the failure: it says which allocation or namespace the kernel \
     refused",
    "dmesg -T | grep -B 5 -A 60 -E 'page allocation failure|kmem_cache_create|Unable to create'",
    "Before acting on the error, to find its cause",
);

/// Whether an errno text is one the kernel returned for a request it refused, so that the
/// kernel log at that moment says why.
fn errno_is_kernel(errno: Option<&str>) -> bool {
    errno.is_some_and(|e| errno_meaning(e).is_some())
}

/// How the first sentence ends when the daemon's own set-up step, or the container's command,
/// failed.
fn setup_words(kind: SetupStep, what: Option<&str>, errno: Option<&str>) -> String {
    let who = match kind {
        SetupStep::Network => "the daemon could not set up its network, before runc ran",
        SetupStep::Mount => "the daemon could not mount its root filesystem, before runc ran",
        SetupStep::Process => "runc could not run the container's command",
    };
    let said: Vec<&str> = [what, errno].into_iter().flatten().collect();
    if said.is_empty() {
        format!(": {who}.")
    } else {
        format!(": {who} ({}).", code(&said.join(": ")))
    }
}

/// A container that failed to start, as one source names it.
struct FailedContainer<'a> {
    name: Option<String>,
    /// Full or short id; empty when the source named the container only.
    id: String,
    /// What that source says went wrong.
    error: Option<&'a RuntimeError>,
    /// `namespace/pod/container`, when a kubelet line named its pod.
    kube: Option<String>,
}

impl FailedContainer<'_> {
    /// `name (short id)`, the name, or the short id.
    fn label(&self) -> String {
        if let Some(kube) = &self.kube {
            return kube.clone();
        }
        let id = self.short_id();
        match (
            self.name.as_deref().filter(|n| !n.is_empty()),
            id.is_empty(),
        ) {
            (Some(n), true) => n.to_string(),
            (Some(n), false) => format!("{n} ({id})"),
            (None, _) => id,
        }
    }

    fn short_id(&self) -> String {
        self.id.chars().take(12).collect()
    }

    /// What `docker inspect` takes for it: the name, else the short id.
    fn docker_ref(&self) -> Option<String> {
        match self.name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) => Some(n.to_string()),
            None => Some(self.short_id()).filter(|id| !id.is_empty()),
        }
    }

    /// Whether `named` (a name or an id as an error text printed it) is this container.
    fn is(&self, named: &str) -> bool {
        self.name.as_deref() == Some(named)
            || (named.len() >= 12 && !self.id.is_empty() && self.id.starts_with(named))
            || (self.id.len() >= 12 && named.starts_with(&self.id))
    }

    fn same(&self, other: &FailedContainer<'_>) -> bool {
        other.name.as_deref().is_some_and(|n| self.is(n))
            || (!other.id.is_empty() && self.is(&other.id))
    }
}

/// The containers after the first that failed to start, each once, with what its own source
/// says went wrong when one does.
fn other_failed_starts(failed: &[FailedContainer<'_>]) -> Vec<String> {
    let mut seen: Vec<&FailedContainer<'_>> = failed.iter().take(1).collect();
    let mut others = Vec::new();
    for c in failed.iter().skip(1) {
        if seen.iter().any(|s| s.same(c)) {
            continue;
        }
        seen.push(c);
        let said = failed
            .iter()
            .filter(|o| o.same(c) || c.same(o))
            .find_map(|o| o.error)
            .and_then(
                |e| match (e.failed_step.as_deref(), e.errno_text.as_deref()) {
                    (Some(s), Some(n)) => Some(format!("{s}: {n}")),
                    (Some(s), None) => Some(s.to_string()),
                    (None, Some(n)) => Some(n.to_string()),
                    (None, None) => None,
                },
            );
        others.push(match said {
            Some(said) => format!("{} ({})", code(&c.label()), code(&said)),
            None => code(&c.label()),
        });
    }
    others
}

/// How the first sentence ends when runc itself failed: its step and errno, else its exit
/// status.
fn runc_words(step: Option<&(String, String)>, exit_status: Option<i32>) -> String {
    match (step, exit_status) {
        (Some((s, errno)), _) if !s.is_empty() => {
            format!(": runc reported {}.", code(&format!("{s}: {errno}")))
        }
        (Some((_, errno)), _) => format!(": the runtime reported {}.", code(errno)),
        (None, Some(n)) => format!(
            ": runc's namespace setup (`nsexec`) gave up with {}, the number of the step that \
             failed in that runc build, not an errno.",
            code(&format!("exit status {n}"))
        ),
        (None, None) => ".".to_string(),
    }
}

/// runc's `bail()` of the 1.0.0-rc era: exit status = call-site counter.
const RUNC_NSEXEC_BAIL: &str =
    "https://github.com/opencontainers/runc/blob/v1.0.0-rc4/libcontainer/nsenter/nsexec.c (bail)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;

    fn run(facts: &Facts) -> Vec<Finding> {
        ContainerStartFailure.evaluate(&context(facts, None))
    }

    #[test]
    fn fires_on_the_seed_from_several_sources() {
        let facts = seed_facts();
        let f = run(&facts);
        assert_eq!(f.len(), 1);
        let f = &f[0];
        assert_eq!(f.role, Role::Symptom);
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.confidence, Confidence::High);
        assert_eq!(f.metrics["exit_status"], 34);
        assert!(f.explanation.contains("is not an errno"));
        assert!(f.explanation.contains("Cannot allocate memory"));
        assert!(f.title.contains("web.1.x8k2"));
        assert!(evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn silent_without_runtime_failure() {
        assert!(run(&healthy_facts()).is_empty());
        assert!(run(&exhaustion_facts()).is_empty());
    }

    #[test]
    fn a_die_after_start_with_exit_zero_is_not_a_start_failure() {
        let mut facts = Facts::default();
        let mk = |no: u32, action: &str, code: Option<&str>| {
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert("name".into(), "app".into());
            if let Some(c) = code {
                attributes.insert("exitCode".into(), c.into());
            }
            DockerEvent {
                time: None,
                object_type: "container".into(),
                action: action.into(),
                actor_id: "abc".into(),
                attributes,
                line: crate::facts::Line::new(no, format!("event {no}")),
                repeat: None,
            }
        };
        facts.docker_events.push(crate::facts::Sourced {
            path: "events".into(),
            value: vec![
                mk(1, "create", None),
                mk(2, "start", None),
                mk(3, "die", Some("0")),
            ],
        });
        assert!(run(&facts).is_empty());
        facts.docker_events[0].value = vec![mk(1, "create", None), mk(2, "die", Some("128"))];
        let f = run(&facts);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].confidence, Confidence::Low);
    }

    #[test]
    fn a_kubelet_line_names_the_pod_of_the_container() {
        let facts = kubelet_failure_facts();
        let f = run(&facts);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "Container shop/web-6d4cf56db6-x7k2p/app failed to start"
        );
        assert!(
            f[0].sentence.starts_with(
                "The container runtime failed to start container `shop/web-6d4cf56db6-x7k2p/app`"
            ),
            "{}",
            f[0].sentence
        );
    }
}
