//! `container.exec-failure`: an exec into a running container failed.
//!
//! A symptom of its own, never a start failure: `OCI runtime exec failed: exec failed: unable to
//! start container process: ...` speaks of the process the exec wanted to start inside a
//! container that was already running. Probes (`ExecSync`) and `docker exec` leave it.

use std::collections::BTreeSet;

use crate::analyze::finding::{code, times, FindingBuilder};
use crate::analyze::lookup::{self, At};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::derive::containers::kube_label_of_error;
use crate::facts::{RuntimeError, RuntimeErrorKind};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct ContainerExecFailure;

/// What an exec error's reason says, in words.
fn reason_meaning(reason: &str) -> Option<&'static str> {
    let r = reason.to_ascii_lowercase();
    if r.contains("executable file not found") || r.contains("no such file or directory") {
        Some(
            "The command is not in the container's image (or not on its `PATH`): the exec \
             cannot work until the command or the image changes. Nothing is wrong with the \
             container itself.",
        )
    } else if r.contains("setns") {
        Some(
            "runc could not enter the container's namespaces. That happens when the \
             container's process is exiting or gone while the exec starts, and on a node too \
             loaded to finish the exec in time; the container's state and the kernel log at \
             that moment say which.",
        )
    } else if r.contains("deadline exceeded") || r.contains("timeout") {
        Some(
            "The exec did not finish in time: on a probe, a slow or overloaded node fails the \
             probe although the application may be healthy.",
        )
    } else if r.contains("cannot allocate memory") {
        Some(
            "The kernel refused memory for the exec'd process; the kernel log at that moment \
             says which allocation failed.",
        )
    } else {
        None
    }
}

static META: RuleMeta = RuleMeta {
    id: "container.exec-failure",
    role: Role::Symptom,
    summary: "An exec into a running container failed (not a start failure)",
    doc: include_str!("../../../docs/findings/container.exec-failure.md"),
    verdict_rank: None,
    incidents: &["exec-failure"],
    metrics: &[
        Metric::one("execs", MetricKind::Count, "failed execs"),
        Metric::one("sources", MetricKind::Count, "sources that show them"),
        Metric::one("reason", MetricKind::Text, "the reason the runtime gave"),
        Metric::one("container", MetricKind::Text, "the container"),
        Metric::one(
            "exit_status",
            MetricKind::Integer,
            "the exit status the runtime gave",
        ),
    ],
    needs: &[],
};

impl Rule for ContainerExecFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let errors: Vec<At<'_, RuntimeError>> = lookup::runtime_errors(ctx.facts)
            .filter(|e| e.item.kind == RuntimeErrorKind::ExecFailure)
            .collect();
        let Some(first) = errors.first() else {
            return Vec::new();
        };
        let sources: BTreeSet<&str> = errors.iter().map(|e| e.path).collect();
        let reason = errors.iter().find_map(|e| e.item.failed_step.clone());
        // A kubelet line names the pod too: `namespace/pod/container`.
        let container = errors.iter().find_map(|e| {
            kube_label_of_error(e.item, &ctx.derived.pods).or_else(|| e.item.container.clone())
        });
        let who = container
            .as_ref()
            .map(|c| format!("container {}", code(c)))
            .unwrap_or_else(|| "a running container".to_string());
        let mut text = format!(
            "An exec into {who} failed {}: the container was running and the process \
             the exec wanted to start inside it could not start. This is not a failure to start \
             the container, although the runtime's text says `unable to start container \
             process` or `starting container process caused`: those words are about the exec'd \
             process.",
            times(errors.len())
        );
        if let Some(r) = &reason {
            text.push_str(&format!(" The runtime gave the reason {}.", code(r)));
        }
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(if sources.len() >= 2 {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .title(match &container {
                Some(c) => format!("An exec into container {c} failed"),
                None => "An exec into a running container failed".to_string(),
            })
            .paragraph(text)
            .paragraph_opt(
                reason
                    .as_deref()
                    .and_then(reason_meaning)
                    .map(str::to_string),
            )
            .paragraph(
                "Exec probes (Kubernetes liveness and readiness `exec` probes, whose kubelet \
                 lines say `ExecSync`) fail the same way: a failing liveness probe restarts the \
                 container, so an exec failure can be what ended a container that was healthy.",
            )
            .metric("execs", errors.len() as u64)
            .metric("sources", sources.len() as u64)
            .metric_opt("reason", reason.clone())
            .metric_opt("container", container)
            .metric_opt("exit_status", first.item.exit_status)
            .recommend(
                "Run the same command by hand in the container to see its own error",
                Some(
                    "docker exec -it <container> <command>   # or: kubectl exec <pod> -- <command>",
                ),
                Risk::None,
                "First, to tell a missing command from a node problem",
            );
        for e in errors.iter().take(5) {
            b = b.cite(e.path, &e.item.line);
        }
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, Sourced};
    use crate::parse::runtime_error;

    fn facts_of(text: &str) -> Facts {
        Facts {
            runtime_errors: vec![Sourced {
                path: "exec.txt".into(),
                value: runtime_error::parse(text).value,
            }],
            ..Facts::default()
        }
    }

    #[test]
    fn an_exec_failure_is_its_own_symptom() {
        let facts = facts_of(
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \
             \"bash\": executable file not found in $PATH: unknown\n",
        );
        let ctx = context(&facts, None);
        let f = ContainerExecFailure.evaluate(&ctx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].role, Role::Symptom);
        assert!(f[0].explanation.contains("not in the container's image"));
        assert!(evidence_is_real(&facts, &f[0].evidence));
        // Not a start failure: the analysis finds no other symptom.
        let all = crate::analyze::analyze(&ctx);
        assert!(
            all.findings
                .iter()
                .all(|x| x.role != Role::Symptom || x.id == f[0].id),
            "{:?}",
            all.findings.iter().map(|x| &x.id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn silent_without_exec_errors() {
        assert!(ContainerExecFailure
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
        let mut facts = Facts::default();
        facts.runtime_errors.push(Sourced {
            path: "x".into(),
            value: vec![],
        });
        assert!(ContainerExecFailure
            .evaluate(&context(&facts, None))
            .is_empty());
    }

    #[test]
    fn a_kubelet_probe_line_names_the_pod_of_the_container() {
        let facts = kubelet_failure_facts();
        let f = ContainerExecFailure.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "An exec into container shop/web-6d4cf56db6-x7k2p/app failed"
        );
    }
}
