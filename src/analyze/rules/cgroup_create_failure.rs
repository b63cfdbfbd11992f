//! `cgroup.create-failure`: creating a cgroup failed.

use std::collections::BTreeSet;

use crate::analyze::finding::{code, count, times, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::RuntimeErrorKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct CgroupCreateFailure;

static META: RuleMeta = RuleMeta {
    id: "cgroup.create-failure",
    role: Role::Symptom,
    summary: "Creating a cgroup failed (mkdir under /sys/fs/cgroup returned an error)",
    doc: include_str!("../../../docs/findings/cgroup.create-failure.md"),
    verdict_rank: None,
    incidents: &["cgroup-ids"],
    metrics: &[Metric::one(
        "failures",
        MetricKind::Count,
        "failed cgroup creations",
    )],
    needs: &[],
};

impl Rule for CgroupCreateFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let errors: Vec<_> = lookup::runtime_errors(ctx.facts)
            .filter(|e| e.item.kind == RuntimeErrorKind::CgroupCreate)
            .collect();
        if errors.is_empty() {
            return Vec::new();
        }
        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        let mut errnos: BTreeSet<String> = BTreeSet::new();
        let mut controllers: BTreeSet<String> = BTreeSet::new();
        // Quote a handful: a node in this state logs the same failure for every pod.
        for e in errors.iter().take(5) {
            b = b.cite(e.path, &e.item.line);
        }
        for e in &errors {
            if let Some(t) = &e.item.errno_text {
                errnos.insert(t.to_ascii_lowercase());
            }
            if let Some(p) = &e.item.cgroup_path {
                if let Some(c) = p
                    .strip_prefix("/sys/fs/cgroup/")
                    .and_then(|r| r.split('/').next())
                {
                    controllers.insert(c.to_string());
                }
            }
        }
        let errno_list: Vec<String> = errnos.iter().map(|e| code(e)).collect();
        let ctl: Vec<String> = controllers.iter().map(|c| code(c)).collect();
        let mut text = format!(
            "The runtime could not create the cgroup of a new container: {} under \
             `/sys/fs/cgroup`",
            count(errors.len(), "`mkdir` failure", "`mkdir` failures")
        );
        if !ctl.is_empty() {
            text.push_str(&format!(" (controller {})", ctl.join(", ")));
        }
        if !errno_list.is_empty() {
            text.push_str(&format!(", with {}", errno_list.join(" and ")));
        }
        text.push('.');
        let enospc = errnos.iter().any(|e| e.contains("no space left"));
        let mut b = b
            .title("Creating a container's cgroup failed")
            .sentence(format!(
                "New containers could not start because the runtime could not create their \
                 cgroups: `mkdir` under `/sys/fs/cgroup`{} failed {}{}.",
                if ctl.is_empty() {
                    String::new()
                } else {
                    format!(" (controller {})", ctl.join(", "))
                },
                times(errors.len()),
                if errno_list.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", errno_list.join(" and "))
                }
            ))
            .paragraph(text);
        if enospc {
            b = b.paragraph(
                "`no space left on device` from `mkdir` in a cgroup file system is not about \
                 disk space: the kernel ran out of cgroup ids. Memory cgroups are limited to \
                 65535, and on kernels whose kmem accounting pins deleted cgroups (3.10 / RHEL 7) \
                 the count climbs with every container ever started until no new one can be made.",
            );
        }
        vec![b
            .confidence(Confidence::High)
            .metric("failures", errors.len() as u64)
            .recommend(
                "Count the memory cgroups the kernel holds, including deleted ones still pinned",
                Some("grep memory /proc/cgroups"),
                Risk::None,
                "To confirm the id limit was reached",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, Line, RuntimeError, Sourced};

    fn run(facts: &Facts) -> Vec<Finding> {
        CgroupCreateFailure.evaluate(&context(facts, None))
    }

    #[test]
    fn fires_on_mkdir_enospc_and_not_on_the_seed() {
        assert!(run(&seed_facts()).is_empty());
        let text = "mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1: no space left on device";
        let mut facts = Facts::default();
        facts.runtime_errors.push(Sourced {
            path: "kubelet.log".into(),
            value: vec![RuntimeError {
                line: Line::new(7, text),
                time: None,
                kind: RuntimeErrorKind::CgroupCreate,
                exit_status: None,
                failed_step: None,
                errno_text: Some("no space left on device".into()),
                cgroup_path: Some("/sys/fs/cgroup/memory/kubepods/burstable/pod1".into()),
                go_locations: Vec::new(),
                container: None,
                setup: None,
                pod: None,
                pod_uid: None,
            }],
        });
        let f = run(&facts);
        assert_eq!(f.len(), 1);
        assert!(f[0].explanation.contains("cgroup ids"));
        assert!(f[0].explanation.contains("`memory`"));
        assert_eq!(f[0].evidence[0].line, Some(7));
    }
}
