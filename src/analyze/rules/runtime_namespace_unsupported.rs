//! `runtime.namespace-unsupported`: runc could not create a namespace because the kernel refused
//! the namespace type (`unshare`/`clone` returned EINVAL).

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::errors::is_namespace_einval;
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct NamespaceUnsupported;

static META: RuleMeta = RuleMeta {
    id: "runtime.namespace-unsupported",
    role: Role::Mechanism,
    summary: "The kernel refused to create a namespace type runc asked for (EINVAL)",
    doc: include_str!("../../../docs/findings/runtime.namespace-unsupported.md"),
    verdict_rank: None,
    incidents: &["namespace-refused"],
    metrics: &[Metric::one(
        "errors",
        MetricKind::Count,
        "namespace creations refused",
    )],
    needs: &[],
};

impl Rule for NamespaceUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let hits: Vec<_> = lookup::runtime_errors(ctx.facts)
            .filter(|e| is_namespace_einval(e.item))
            .collect();
        let Some(first) = hits.first() else {
            return Vec::new();
        };
        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        for h in hits.iter().take(3) {
            b = b.cite(h.path, &h.item.line);
        }
        let step = first.item.failed_step.clone().unwrap_or_default();
        let who = ctx
            .derived
            .failing_container()
            .map(|c| {
                let id: String = c.item.id.chars().take(12).collect();
                format!(
                    "Container {}",
                    code(c.item.name.as_deref().unwrap_or(id.as_str()))
                )
            })
            .or_else(|| {
                hits.iter()
                    .find_map(|h| h.item.container.as_deref())
                    .map(|c| format!("Container {}", code(c)))
            })
            .unwrap_or_else(|| "A container".to_string());
        // Which namespace and why, where the kernel tells: RHEL 7 ships user namespaces off.
        let why = match ctx.derived.incident_kernel() {
            Some(k) if k.version.is_rhel7() => format!(
                "; on this RHEL 7 kernel ({}) that is most likely the user namespace, which RHEL 7 \
                 ships disabled (`user_namespace.enable=1` on the kernel command line and \
                 `user.max_user_namespaces` above 0 turn it on)",
                code(&k.version.release)
            ),
            _ => "; most often user namespaces disabled (`user.max_user_namespaces=0`) or a \
                  namespace type the kernel was built without"
                .to_string(),
        };
        vec![b
            .title("The kernel refused to create a namespace runc asked for (EINVAL)")
            .sentence(format!(
                "{who} could not start because the kernel refused to create one of its namespaces \
                 ({} returned `EINVAL`){why}.",
                code(&step)
            ))
            .paragraph(format!(
                "runc reported {}: the `unshare()`/`clone()` system call returned `EINVAL`, so \
                 the kernel does not support, or has disabled, one of the namespace types the \
                 container asked for. This is not a memory problem.",
                code(&format!("{step}: Invalid argument"))
            ))
            .paragraph(
                "Usual causes: user namespaces disabled (`user.max_user_namespaces=0`, or \
                 `namespace.unpriv_enable`/`user_namespace.enable` off on RHEL 7), a namespace \
                 type the kernel was built without (cgroup or time namespaces on old kernels), or \
                 a runtime newer than the kernel it runs on.",
            )
            .confidence(Confidence::Medium)
            .metric("errors", hits.len() as u64)
            .recommend(
                "Check which namespace types the kernel offers and whether user namespaces are enabled",
                Some("ls /proc/self/ns; sysctl user.max_user_namespaces; grep -o 'user_namespace.enable=[0-9]' /proc/cmdline"),
                Risk::None,
                "First",
            )
            .recommend(
                "Enable user namespaces where the container needs them",
                Some("sysctl -w user.max_user_namespaces=15000"),
                Risk::Low,
                "When the container uses a user namespace (rootless, userns-remap)",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, Line, RuntimeError, RuntimeErrorKind, Sourced};

    fn error(errno: &str) -> RuntimeError {
        RuntimeError {
            line: Line::new(4, format!("nsenter: failed to unshare namespaces: {errno}")),
            time: None,
            kind: RuntimeErrorKind::StartFailure,
            exit_status: None,
            failed_step: Some("failed to unshare namespaces".into()),
            errno_text: Some(errno.into()),
            cgroup_path: None,
            go_locations: Vec::new(),
            container: None,
            setup: None,
            pod: None,
            pod_uid: None,
        }
    }

    #[test]
    fn fires_for_einval_never_for_enomem() {
        assert!(NamespaceUnsupported
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
        let mut facts = Facts::default();
        facts.runtime_errors.push(Sourced {
            path: "err.txt".into(),
            value: vec![error("Cannot allocate memory")],
        });
        assert!(NamespaceUnsupported
            .evaluate(&context(&facts, None))
            .is_empty());
        facts.runtime_errors.push(Sourced {
            path: "err2.txt".into(),
            value: vec![error("Invalid argument")],
        });
        let f = NamespaceUnsupported.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence[0].path, "err2.txt");
    }
}
