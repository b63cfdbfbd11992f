//! `oom.memcg-kill` and `oom.global-kill`: the OOM killer ran, inside a memory cgroup or for
//! the whole host. One file for both because they read the same reports and differ only in
//! scope.

use crate::analyze::finding::{code, count, times, FindingBuilder};
use crate::analyze::kernel::cgroups;
use crate::analyze::lookup::At;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::oom;
use crate::analyze::{lookup, refs, Context, Rule};
use crate::facts::{OomKill, OomReportPart, OomScope, OomScopeBasis};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct OomMemcgKill;
pub struct OomGlobalKill;

fn kb(v: Option<u64>) -> Option<String> {
    v.map(|k| units::bytes(k.saturating_mul(1024)))
}

fn victim_text(k: &OomKill) -> Option<String> {
    let v = k.victim.as_ref()?;
    let mut s = code(&v.comm);
    if let Some(pid) = v.pid {
        s.push_str(&format!(" (pid {pid})"));
    }
    if let Some(rss) = v.anon_rss_kb {
        let total = rss
            .saturating_add(v.file_rss_kb.unwrap_or(0))
            .saturating_add(v.shmem_rss_kb.unwrap_or(0));
        s.push_str(&format!(
            ", resident {}",
            units::bytes(total.saturating_mul(1024))
        ));
    }
    Some(s)
}

/// The victim in a sentence: `java` (pid 3127, resident 507 MiB).
fn victim_short(k: &OomKill) -> Option<String> {
    let v = k.victim.as_ref()?;
    let mut about = Vec::new();
    if let Some(pid) = v.pid {
        about.push(format!("pid {pid}"));
    }
    if let Some(rss) = v.anon_rss_kb {
        let total = rss
            .saturating_add(v.file_rss_kb.unwrap_or(0))
            .saturating_add(v.shmem_rss_kb.unwrap_or(0));
        about.push(format!(
            "resident {}",
            units::bytes(total.saturating_mul(1024))
        ));
    }
    Some(if about.is_empty() {
        code(&v.comm)
    } else {
        format!("{} ({})", code(&v.comm), about.join(", "))
    })
}

fn cite_kill(b: FindingBuilder, k: &At<'_, OomKill>) -> FindingBuilder {
    b.cite_opt(k.path, k.item.header.as_ref())
        .cite_opt(k.path, k.item.memcg_line.as_ref())
        .cite_opt(k.path, k.item.memory_line.as_ref())
        .cite_opt(k.path, k.item.kmem_line.as_ref())
        .cite_opt(k.path, k.item.victim.as_ref().map(|v| &v.line))
}

/// What a report cut off or pasted from its middle lacks, and what its scope was read from, in
/// words; `None` for a complete report.
fn incomplete_words(k: &OomKill) -> Option<String> {
    if k.missing.is_empty() {
        return None;
    }
    let mut words = Vec::new();
    if k.missing.contains(&OomReportPart::Header) {
        words.push(
            "The report in the log starts in its middle: the `invoked oom-killer` header, the \
             `CPU:` line and the call trace are not there, so which task asked for memory, and \
             for what order, is unknown."
                .to_string(),
        );
    }
    if k.missing.contains(&OomReportPart::KillLine) {
        let victim = match &k.victim {
            Some(v) => format!(
                " The victim {} is named by the lines before the cut, without the sizes the kill \
                 line gives.",
                code(&v.comm)
            ),
            None => " Which process it killed is not in the log.".to_string(),
        };
        words.push(format!(
            "The report is cut off before its `Killed process` line. It still proves that the \
             OOM killer ran: the kernel prints this report once it has chosen a process to \
             kill.{victim}"
        ));
    }
    let basis = match k.scope_basis {
        OomScopeBasis::MemInfo => Some(
            "Its scope is read from the `Mem-Info:` block after the header: the kernel prints \
             that block for an OOM of the whole host, and the memory cgroup's own summary \
             instead for a cgroup's.",
        ),
        OomScopeBasis::CallTrace => Some(
            "Its scope is read from the call trace, which goes through the memory cgroup's \
             charge path (`try_charge`, `mem_cgroup_out_of_memory`).",
        ),
        OomScopeBasis::MemcgSummary => Some(
            "Its scope is read from the memory cgroup summary (`Task in ... killed as a result \
             of limit of ...`, `memory: usage ... limit ...`), which the kernel prints for a \
             cgroup OOM only.",
        ),
        _ => None,
    };
    words.extend(basis.map(str::to_string));
    Some(words.join(" "))
}

/// The confidence of a report's finding: lowered when the report is incomplete, and further
/// when only a `Mem-Info:` block tells the scope on a kernel newer than the reports that show
/// the rule (a proposed change prints the block for cgroup OOMs too).
fn incomplete_confidence(
    kill: &At<'_, OomKill>,
    ctx: &Context<'_>,
    complete: Confidence,
) -> Confidence {
    let k = kill.item;
    if k.missing.is_empty() {
        return complete;
    }
    // The kernel that printed the report, which may not be the one running at collection.
    let at = k.header.as_ref().map_or(k.end_line, |h| h.no);
    let newer = ctx
        .derived
        .kernel_at(kill.path, at, None)
        .is_some_and(|kv| kv.version.at_least(6, 0));
    if k.scope_basis == OomScopeBasis::MemInfo && newer {
        Confidence::Low
    } else {
        Confidence::Medium
    }
}

fn missing_metric(k: &OomKill) -> Option<Vec<String>> {
    (!k.missing.is_empty()).then(|| k.missing.iter().map(|p| p.as_str().to_string()).collect())
}

/// The memcg OOM kills in one sentence: who was killed, in which cgroup, at what limit.
fn memcg_sentence(kills: &[At<'_, OomKill>], ctx: &Context<'_>) -> String {
    let Some(first) = kills.first().map(|k| k.item) else {
        return String::new();
    };
    let limit = kb(first.memory_limit_kb)
        .map(|l| format!(" {l}"))
        .unwrap_or_default();
    // In a pod: its Kubernetes names, and whose limit it was.
    let in_pod = lookup::pod_oom(&ctx.derived, first);
    // Reports cut before their cgroup is named are the same pod's as far as the log tells.
    let same_pod = in_pod.as_ref().is_some_and(|p| {
        kills
            .iter()
            .all(|k| match lookup::pod_oom(&ctx.derived, k.item) {
                Some(o) => o.pod == p.pod,
                None => k.item.memcg.is_none() && k.item.task_memcg.is_none(),
            })
    });
    if let (Some(p), true) = (&in_pod, same_pod) {
        let n = kills.len();
        return format!(
            "The kernel's OOM killer killed {} in container {} because {} memory cgroup had \
             reached its{limit} limit{}; the host itself was not out of memory.",
            victim_short(first).unwrap_or_else(|| "a process".to_string()),
            code(&p.target),
            if p.level == crate::derive::kube::OomLevel::Pod {
                format!("pod {}'s", code(&p.pod))
            } else {
                "the container's own".to_string()
            },
            if n > 1 {
                format!(" (the first of {n} OOM kills there)")
            } else {
                String::new()
            },
        );
    }
    if kills.len() == 1 {
        let cgroup = first.memcg.as_deref().or(first.task_memcg.as_deref());
        // A kill line without its cgroup: the unit systemd named for it.
        let unit = oom::events(ctx, OomScope::Memcg)
            .first()
            .and_then(|e| e.unit.as_ref())
            .map(|u| u.name);
        let inside = match (cgroup, unit) {
            (Some(c), _) => format!("memory cgroup {}", code(c)),
            (None, Some(u)) => format!(
                "the memory cgroup of {}",
                crate::derive::oom::cgroup_owner(u, &ctx.derived.containers).describe()
            ),
            (None, None) => "a memory cgroup".to_string(),
        };
        return format!(
            "The kernel's OOM killer killed {} inside {inside} because the cgroup had reached \
             its{limit} limit; the host itself was not out of memory.",
            victim_short(first).unwrap_or_else(|| "a process".to_string()),
        );
    }
    let mut victims: Vec<String> = kills
        .iter()
        .filter_map(|k| k.item.victim.as_ref().map(|v| code(&v.comm)))
        .collect();
    victims.dedup();
    victims.sort();
    victims.dedup();
    format!(
        "The kernel's OOM killer ran {} inside memory cgroups that had reached their limit{}; \
         the host itself was not out of memory.",
        times(kills.len()),
        if victims.is_empty() {
            String::new()
        } else {
            format!(", killing {}", victims.join(", "))
        }
    )
}

/// The kills of a scope, each once however many logs keep a copy of its report.
fn kills<'a>(ctx: &Context<'a>, scope: OomScope) -> Vec<At<'a, OomKill>> {
    oom::events(ctx, scope)
        .into_iter()
        .map(|e| e.kill)
        .collect()
}

/// Whose limit each memory cgroup's first kill hit and who consumed it, for the first few
/// cgroups killed in.
fn memcg_attribution(ctx: &Context<'_>) -> Option<String> {
    const CGROUPS: usize = 3;
    let mut seen: Vec<Option<&str>> = Vec::new();
    let mut paragraphs = Vec::new();
    for e in oom::events(ctx, OomScope::Memcg) {
        if seen.contains(&e.limit_cgroup()) || seen.len() == CGROUPS {
            continue;
        }
        seen.push(e.limit_cgroup());
        paragraphs.push(oom::memcg_attribution(ctx, e).join(" "));
    }
    paragraphs.retain(|p| !p.is_empty());
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

/// The first kill of a scope, with its copies.
fn first_event<'c, 'a>(
    ctx: &'c Context<'a>,
    scope: OomScope,
) -> Option<&'c crate::derive::oom::OomEvent<'a>> {
    oom::events(ctx, scope).into_iter().next()
}

/// The metrics of the first report that both kinds of OOM kill emit.
const VICTIM: Metric = Metric::one("victim", MetricKind::Text, "the first process killed");
const REPORT_MISSING: Metric = Metric::one(
    "report_missing",
    MetricKind::TextList,
    "parts the first report lacks (header, kill_line)",
);

static MEMCG_KILL: RuleMeta = RuleMeta {
    id: "oom.memcg-kill",
    role: Role::Mechanism,
    summary: "The OOM killer ran inside a memory cgroup that reached its limit",
    doc: include_str!("../../../docs/findings/oom.memcg-kill.md"),
    verdict_rank: None,
    incidents: &["memcg-oom"],
    metrics: &[
        Metric::one(
            "oom_kills",
            MetricKind::Count,
            "OOM kills inside memory cgroups",
        ),
        Metric::one("usage_bytes", MetricKind::Bytes, "the first cgroup's usage"),
        Metric::one("limit_bytes", MetricKind::Bytes, "the first cgroup's limit"),
        Metric::one(
            "failcnt",
            MetricKind::Count,
            "times the first cgroup hit its limit",
        ),
        VICTIM,
        REPORT_MISSING,
    ],
    needs: &[],
};

impl Rule for OomMemcgKill {
    fn meta(&self) -> &'static RuleMeta {
        &MEMCG_KILL
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let kills = kills(ctx, OomScope::Memcg);
        let counted = cgroups::oom_kill_counters(ctx.facts);
        let Some(first) = kills.first() else {
            return counted_memcg_kills(self, &counted);
        };
        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        for k in kills.iter().take(3) {
            b = cite_kill(b, k);
        }
        // systemd's lines that name the units of kill lines without a cgroup.
        for u in oom::events(ctx, OomScope::Memcg)
            .iter()
            .filter_map(|e| e.unit.as_ref())
            .take(3)
        {
            b = b.cite(u.record.path, &u.record.item.line);
        }
        // The cgroup file system's counters of the same groups back the reports.
        for c in counted.iter().filter(|c| {
            kills.iter().any(|k| {
                [k.item.memcg.as_deref(), k.item.task_memcg.as_deref()]
                    .contains(&Some(c.node.cgroup.as_str()))
            })
        }) {
            b = b.cite(c.path, c.line);
        }
        let k = first.item;
        let mut text = match (&k.memcg, kills.len()) {
            (Some(cg), 1) => format!(
                "The kernel's OOM killer ran once, inside memory cgroup {}.",
                code(cg)
            ),
            (Some(cg), n) => format!(
                "The kernel's OOM killer ran {} inside memory cgroups, the first time in {}.",
                times(n),
                code(cg)
            ),
            (None, n) => format!(
                "The kernel's OOM killer ran {} inside a memory cgroup.",
                times(n)
            ),
        };
        if let (Some(u), Some(l)) = (kb(k.memory_usage_kb), kb(k.memory_limit_kb)) {
            text.push_str(&format!(" The cgroup used {u} of its {l} limit"));
            // A count of zero says nothing a reader needs: the kill itself shows the limit met.
            if let Some(f) = k.memory_failcnt.filter(|f| *f > 0) {
                text.push_str(&format!(
                    "; its charges had failed against the limit {} (`failcnt`)",
                    times(f)
                ));
            }
            text.push('.');
        }
        if let Some(v) = victim_text(k) {
            text.push_str(&format!(" It killed {v}."));
        }
        let confidence = if k.memory_line.is_some() || k.constraint.is_some() {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let confidence = incomplete_confidence(first, ctx, confidence);
        vec![b
            .title(match (&k.victim, kills.len()) {
                (Some(v), 1) => format!(
                    "The OOM killer killed {} inside a memory cgroup at its limit",
                    v.comm
                ),
                (_, n) => format!("The OOM killer ran {} inside memory cgroups", times(n)),
            })
            .sentence(memcg_sentence(&kills, ctx))
            .paragraph(text)
            .paragraph(
                "A memcg OOM kill is the cgroup's limit at work: the host as a whole may have \
                 had memory to spare.",
            )
            .paragraph_opt(memcg_attribution(ctx))
            .paragraph_opt(incomplete_words(k))
            .confidence(confidence)
            .metric("oom_kills", kills.len() as u64)
            .memcg_usage(k)
            .metric_opt("victim", k.victim.as_ref().map(|v| v.comm.clone()))
            .metric_opt("report_missing", missing_metric(k))
            .references(&[refs::MEMCG_V1_DOC])
            .build()]
    }
}

/// `oom.memcg-kill` from the cgroup file system alone: OOM-kill counters above zero, and no
/// kernel report of them in the bundle (the ring buffer wrapped, or no kernel log was taken).
fn counted_memcg_kills(rule: &OomMemcgKill, counted: &[cgroups::CountedKills<'_>]) -> Vec<Finding> {
    let Some(first) = counted.first() else {
        return Vec::new();
    };
    let total: u64 = counted.iter().map(|c| c.kills).sum();
    let groups: Vec<String> = counted.iter().map(|c| code(&c.node.cgroup)).collect();
    let mut b = FindingBuilder::new(rule)
        .severity(Severity::Critical)
        .confidence(Confidence::Medium)
        .title(format!(
            "The OOM killer ran {} inside memory cgroups",
            times(usize::try_from(total).unwrap_or(usize::MAX))
        ))
        .sentence(format!(
            "The cgroup file system counts {} in {} (`oom_kill` of `{}`): the OOM killer ran \
             inside {}, each time because the group had reached its memory limit; the host \
             itself was not necessarily out of memory.",
            count(
                usize::try_from(total).unwrap_or(usize::MAX),
                "OOM kill",
                "OOM kills"
            ),
            groups.join(", "),
            first
                .node
                .files
                .iter()
                .find(|f| f.path == first.path)
                .map_or("memory.events", |f| f.name.as_str()),
            if counted.len() == 1 {
                "that group"
            } else {
                "those groups"
            }
        ))
        .paragraph(
            "The counters say how often, not when or whom: the kernel's OOM reports (`dmesg`, \
             the journal) name the process killed and the memory at that moment. The bundle's \
             kernel log does not have them: the ring buffer may have wrapped since.",
        )
        .metric("oom_kills", total);
    if let Some(limit) = cgroups::memory_limit(first.node) {
        b = b
            .metric("limit_bytes", limit.limit_bytes)
            .metric_opt("usage_bytes", limit.usage_bytes);
    }
    for c in counted.iter().take(3) {
        b = b.cite(c.path, c.line);
    }
    vec![b
        .recommend(
            "Find the kernel's OOM reports of these groups in the persistent journal",
            Some("journalctl -k | grep -A 40 'invoked oom-killer'"),
            Risk::Low,
            "First",
        )
        .references(&[refs::MEMCG_V1_DOC])
        .build()]
}

static GLOBAL_KILL: RuleMeta = RuleMeta {
    id: "oom.global-kill",
    role: Role::Mechanism,
    summary: "The OOM killer ran for the whole host",
    doc: include_str!("../../../docs/findings/oom.global-kill.md"),
    verdict_rank: None,
    incidents: &["host-oom"],
    metrics: &[
        Metric::one("oom_kills", MetricKind::Count, "host-wide OOM kills"),
        Metric::one("order", MetricKind::Order, "order of the first request"),
        VICTIM,
        REPORT_MISSING,
    ],
    needs: &[],
};

impl Rule for OomGlobalKill {
    fn meta(&self) -> &'static RuleMeta {
        &GLOBAL_KILL
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let kills = kills(ctx, OomScope::Global);
        let Some(first) = kills.first() else {
            return Vec::new();
        };
        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        for k in kills.iter().take(3) {
            b = cite_kill(b, k);
        }
        let k = first.item;
        let mut text = format!(
            "The kernel ran out of memory for the whole host and its OOM killer ran {}.",
            times(kills.len())
        );
        if let Some(inv) = &k.invoker {
            if kills.len() == 1 {
                text.push_str(&format!(" {} asked for memory", code(inv)));
            } else {
                text.push_str(&format!(" The first time, {} asked for memory", code(inv)));
            }
            if let Some(o) = k.order {
                text.push_str(&format!(" (order {o})"));
            }
            text.push('.');
        }
        if let Some(v) = victim_text(k) {
            text.push_str(&format!(" It killed {v}."));
        }
        if k.order.is_some_and(|o| o > 3) {
            text.push_str(
                " The request was of a high order: an OOM kill for a high-order request can \
                 happen with memory free but fragmented.",
            );
        }
        vec![b
            .title(match (&k.victim, kills.len()) {
                (Some(v), 1) => format!(
                    "The host ran out of memory: the OOM killer killed {}",
                    v.comm
                ),
                (_, n) => format!(
                    "The host ran out of memory: the OOM killer ran {}",
                    times(n)
                ),
            })
            .sentence(format!(
                "The host ran out of memory and the kernel's OOM killer {}{}.",
                match victim_short(k) {
                    Some(v) => format!("killed {v}"),
                    None => "ran".to_string(),
                },
                if kills.len() > 1 {
                    format!(", {} in all", count(kills.len(), "kill", "kills"))
                } else {
                    String::new()
                }
            ))
            .paragraph(text)
            .paragraph_opt(
                first_event(ctx, OomScope::Global)
                    .map(|e| oom::global_attribution(ctx, e).join(" ")),
            )
            .paragraph_opt(incomplete_words(k))
            .confidence(incomplete_confidence(first, ctx, Confidence::High))
            .metric("oom_kills", kills.len() as u64)
            .metric_opt("order", k.order)
            .metric_opt("victim", k.victim.as_ref().map(|v| v.comm.clone()))
            .metric_opt("report_missing", missing_metric(k))
            .recommend(
                oom::find_consumer(ctx).0,
                Some(oom::find_consumer(ctx).1),
                Risk::None,
                "now",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, Line, OomVictim, Sourced};

    fn facts_with(kill: OomKill) -> Facts {
        let mut log = seed_kernel_log();
        log.oom_kills.push(kill);
        Facts {
            kernel_logs: vec![Sourced {
                path: "dmesg".into(),
                value: log,
            }],
            ..Facts::default()
        }
    }

    #[test]
    fn scope_decides_which_rule_fires() {
        let memcg = facts_with(OomKill {
            scope: OomScope::Memcg,
            memcg: Some("/docker/abc".into()),
            memory_usage_kb: Some(262144),
            memory_limit_kb: Some(262144),
            memory_failcnt: Some(42),
            memory_line: Some(Line::new(
                5,
                "memory: usage 262144kB, limit 262144kB, failcnt 42",
            )),
            victim: Some(OomVictim {
                comm: "java".into(),
                pid: Some(7),
                anon_rss_kb: Some(1024),
                line: Line::new(9, "Killed process 7 (java)"),
                ..OomVictim::default()
            }),
            ..OomKill::default()
        });
        let f = OomMemcgKill.evaluate(&context(&memcg, None));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].explanation.contains("256 MiB of its 256 MiB limit"),
            "{}",
            f[0].explanation
        );
        assert!(OomGlobalKill.evaluate(&context(&memcg, None)).is_empty());
        let global = facts_with(OomKill {
            scope: OomScope::Global,
            invoker: Some("java".into()),
            order: Some(0),
            header: Some(Line::new(
                3,
                "java invoked oom-killer: gfp_mask=0x201da, order=0, oom_score_adj=0",
            )),
            ..OomKill::default()
        });
        assert_eq!(OomGlobalKill.evaluate(&context(&global, None)).len(), 1);
        assert!(OomMemcgKill.evaluate(&context(&global, None)).is_empty());
        assert!(OomGlobalKill
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
    }
}

/// The wording of real kills whose `failcnt` the kernel printed as 0.
#[cfg(test)]
mod wording {
    use super::*;
    use crate::analyze::rules::memcg_limit_reached::LimitReached;
    use crate::analyze::testkit::*;
    use crate::sources::SourceKind;

    /// The recorded v1 kills at 512 MiB and 64 MiB print `failcnt 0`: no sentence counts the
    /// limit hit zero times, and the count is said where the kernel counted.
    #[test]
    fn a_failcnt_of_zero_is_not_said() {
        let facts = kernel_log_facts(
            "dmesg",
            include_str!(
                "../../../tests/data/recorded/docker-20.10-cgroup1-oom-and-start-failures/dmesg"
            ),
            SourceKind::Dmesg,
        );
        let ctx = context(&facts, None);
        let mut text = explained_by(&OomMemcgKill, &facts);
        for f in LimitReached.evaluate(&ctx) {
            text.push_str(&f.sentence);
            text.push_str(&f.explanation);
        }
        assert!(text.contains("The kernel's OOM killer ran 5 times inside memory cgroups, the first time in `/docker/"), "{text}");
        assert!(!text.contains(" 0 times"), "{text}");
        assert!(!text.contains("failcnt"), "{text}");
        let counted = kernel_log_facts(
            "dmesg",
            include_str!("../../../tests/data/dmesg_oom/cadvisor-memcg-oom-3.13-ubuntu.txt"),
            SourceKind::Dmesg,
        );
        let text = explained_by(&OomMemcgKill, &counted);
        assert!(
            text.contains("its charges had failed against the limit 4152239 times (`failcnt`)"),
            "{text}"
        );
    }
}

/// `oom.memcg-kill` from the cgroup file system's counters.
#[cfg(test)]
mod counters {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;

    const KILLED: &str = include_str!(
        "../../../tests/data/cgroup_memory_events/elastic-v2-5x-docker-scope-no-oom-group-kill.txt"
    );
    const SCOPE: &str = "sys/fs/cgroup/system.slice/docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope";

    /// The real counters of a docker scope (`oom_kill 1`, hand-set by the fixture's author)
    /// with no kernel report: the kill is counted, with medium confidence.
    #[test]
    fn a_counter_without_a_report() {
        let mut facts = Facts::default();
        file_into(
            &mut facts,
            &format!("{SCOPE}/memory.events"),
            &without_header(KILLED),
        );
        file_into(&mut facts, &format!("{SCOPE}/memory.max"), "536870912\n");
        let f = OomMemcgKill.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].confidence, Confidence::Medium);
        assert_eq!(f[0].metrics["oom_kills"], 1);
        assert_eq!(f[0].metrics["limit_bytes"], 536_870_912);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(f[0].sentence, @"The cgroup file system counts one OOM kill in `/system.slice/docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope` (`oom_kill` of `memory.events`): the OOM killer ran inside that group, each time because the group had reached its memory limit; the host itself was not necessarily out of memory.");
    }

    /// The real all-zero counters of a 6.x session scope are no kill.
    #[test]
    fn zero_counters_are_not_a_kill() {
        let mut facts = Facts::default();
        let zero = include_str!(
            "../../../tests/data/cgroup_memory_events/elastic-v2-6x-with-oom-group-kill.txt"
        );
        file_into(
            &mut facts,
            &format!("{SCOPE}/memory.events"),
            &without_header(zero),
        );
        assert!(OomMemcgKill.evaluate(&context(&facts, None)).is_empty());
    }
}
