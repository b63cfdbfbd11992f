//! `oom.app-sizing`: an OOM kill that an application server's own sizing explains. A pre-fork
//! server (Gunicorn, Celery, uWSGI) ran more workers than its memory holds, each measured in
//! the kill's task table; or PostgreSQL, killed, was configured with `shared_buffers` and
//! `work_mem` for more memory than its limit or the host's RAM.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::oom::explains::{self, SHARED_BUFFERS_PERCENT};
use crate::analyze::oom::{apps, apps::Server};
use crate::analyze::{Context, Rule};
use crate::derive::oom::OomEvent;
use crate::facts::AppKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct OomAppSizing;

static META: RuleMeta = RuleMeta {
    id: "oom.app-sizing",
    role: Role::Condition,
    summary: "An OOM kill that the application's own sizing explains: more pre-fork workers \
              (Gunicorn, Celery, uWSGI) than the memory holds, or PostgreSQL's shared_buffers \
              and work_mem past its limit",
    doc: include_str!("../../../docs/findings/oom.app-sizing.md"),
    // Beside the runtime's sizing: it says why the limit was reached.
    verdict_rank: Some(26),
    incidents: &["memcg-oom", "host-oom"],
    metrics: &[
        Metric::one(
            "server",
            MetricKind::Text,
            "the application (gunicorn, celery, uwsgi, postgres)",
        ),
        Metric::one(
            "processes",
            MetricKind::Count,
            "its processes in the kill's task table",
        ),
        Metric::one(
            "worker_bytes",
            MetricKind::Bytes,
            "the largest of its processes at the kill",
        ),
        Metric::one(
            "workers_configured",
            MetricKind::Count,
            "the worker count its settings give",
        ),
        Metric::one(
            "workers_that_fit",
            MetricKind::Count,
            "workers of the measured size that fit in 90% of the memory",
        ),
        Metric::one(
            "shared_buffers_bytes",
            MetricKind::Bytes,
            "PostgreSQL's shared_buffers",
        ),
        Metric::one(
            "work_mem_worst_bytes",
            MetricKind::Bytes,
            "work_mem for every connection at once",
        ),
        Metric::one(
            "limit_bytes",
            MetricKind::Bytes,
            "the memory cgroup's limit, or the host's RAM",
        ),
    ],
    needs: &[],
};

/// The share of the memory that workers may fill, leaving the rest to the master, the page
/// cache and the kernel.
const WORKER_SHARE_PERCENT: u64 = 90;

const MIB: u64 = 1024 * 1024;

/// The text with its first letter in upper case, to open a recommendation.
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Round up to a whole 64 MiB, a size an operator would set.
fn round_up(bytes: u64) -> u64 {
    bytes.div_ceil(64 * MIB).saturating_mul(64 * MIB)
}

/// The settings of `server` the bundle gives: the command line and sizing variables of the
/// container whose cgroup the kill names, then its configuration file.
fn configured<'a>(
    ctx: &Context<'a>,
    e: &OomEvent<'_>,
    server: Server,
) -> (apps::Workers, Vec<(&'a str, &'a crate::facts::Line)>) {
    let mut places = Vec::new();
    let mut web_concurrency = None;
    let cgroups = [e.limit_cgroup(), e.task_cgroup()];
    let container = ctx.derived.containers.iter().find_map(|v| {
        let inspect = v.inspect?;
        let named = cgroups
            .iter()
            .flatten()
            .any(|c| crate::derive::cgroup_names_container(c, v.id));
        (named && apps::server_of_command(&inspect.item.command) == Some(server)).then_some(inspect)
    });
    let mut lines = Vec::new();
    // Without a container, the server's process as `systemctl status` lists its unit's.
    let unit_process = explains::unit_processes(ctx, e)
        .into_iter()
        .find(|(_, p)| apps::server_of_command(&p.words()) == Some(server));
    if let (None, Some((path, p))) = (container, unit_process) {
        places.push(apps::workers_of_command(
            server,
            &p.words(),
            "the command line `systemctl status` shows",
        ));
        lines.push((path, &p.line));
    }
    if let Some(c) = container {
        places.push(apps::workers_of_command(
            server,
            &c.item.command,
            "the command line",
        ));
        lines.push((c.path, &c.item.line));
        for entry in &c.item.sizing_env {
            match entry.split_once('=') {
                Some(("GUNICORN_CMD_ARGS", v)) if server == Server::Gunicorn => {
                    let words: Vec<String> = v.split_whitespace().map(String::from).collect();
                    places.push(apps::workers_of_command(
                        server,
                        &words,
                        "`GUNICORN_CMD_ARGS`",
                    ));
                }
                Some(("WEB_CONCURRENCY", v)) if server == Server::Gunicorn => {
                    web_concurrency = Some(v);
                }
                _ => {}
            }
        }
    }
    let kind = match server {
        Server::Gunicorn => Some(AppKind::Gunicorn),
        Server::Uwsgi => Some(AppKind::Uwsgi),
        Server::Celery => None,
    };
    for c in ctx
        .facts
        .app_configs
        .iter()
        .filter(|c| Some(c.value.app) == kind)
    {
        if let Some((_, w)) = apps::workers_of_config(&c.value, &c.path) {
            if let Some(s) = c.value.settings.iter().rev().find(|s| {
                w.count_setting
                    .as_deref()
                    .is_some_and(|cs| cs.starts_with(&s.name))
            }) {
                lines.push((c.path.as_str(), &s.line));
            }
            places.push(w);
            break;
        }
    }
    (apps::merged(places, web_concurrency), lines)
}

impl OomAppSizing {
    /// The finding for a kill whose task table holds a pre-fork server's workers.
    fn workers(&self, ctx: &Context<'_>, e: &OomEvent<'_>) -> Option<Finding> {
        let k = e.kill.item;
        let (w, whole, of) = explains::workers_explaining(ctx, e)?;
        let name = w.server.comm();
        let (settings, lines) = configured(ctx, e, w.server);
        // The master (arbiter) is one of the processes: the others are workers.
        let seen_workers = u64::try_from(w.processes.saturating_sub(1))
            .unwrap_or(1)
            .max(1);
        let workers = settings.count.map(u64::from).unwrap_or(seen_workers);
        let worker = w.largest_bytes.max(1);
        let fit = (whole.saturating_mul(WORKER_SHARE_PERCENT) / 100 / worker).max(1);
        let needed =
            round_up(workers.saturating_mul(worker).saturating_mul(100) / WORKER_SHARE_PERCENT);
        let whole_words = format!("{} {of}", units::bytes(whole));
        let mut sentence = format!(
            "At the kill the task table holds {} `{name}` processes, the master and its \
             workers: the largest resident at {}, together {} against the {whole_words} (pages \
             they share count in each).",
            w.processes,
            units::bytes(w.largest_bytes),
            units::bytes(w.total_bytes),
        );
        if let (Some(count), Some(setting)) = (settings.count, &settings.count_setting) {
            sentence.push_str(&format!(
                " The server is configured for {count} workers ({}, from {}): {count} × {} is \
                 {}, {} the {whole_words}.",
                code(setting),
                settings.source,
                units::bytes(worker),
                units::bytes(u64::from(count).saturating_mul(worker)),
                if u64::from(count).saturating_mul(worker) > whole {
                    "more than"
                } else {
                    "within"
                }
            ));
        }
        let recycle = match settings.max_requests {
            Some(n) if n > 0 => format!(
                "; workers are already recycled after {n} requests ({} {n}), so lower it if \
                 they grow within that many",
                w.server.recycle_flag()
            ),
            _ => format!(
                "; or recycle workers that grow with `{} 1000{}`",
                w.server.recycle_flag(),
                if w.server == Server::Gunicorn {
                    " --max-requests-jitter 100"
                } else {
                    ""
                }
            ),
        };
        let raise = if of == "limit" {
            format!("raise the limit to at least {}", units::bytes(needed))
        } else {
            format!("give the host at least {} of RAM", units::bytes(needed))
        };
        let action = format!(
            "Run at most {fit} `{name}` workers in the {whole_words} (`{} {fit}`), each measured at \
             up to {}{recycle}; or {raise} for {workers} workers",
            w.server.count_flag(),
            units::bytes(worker),
        );
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(if settings.count.is_some() {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .title(format!(
                "{workers} `{name}` workers of up to {} do not fit in the {whole_words}",
                units::bytes(worker)
            ))
            .sentence(sentence.clone())
            .paragraph(sentence)
            .paragraph(format!(
                "A pre-fork server multiplies its worker's size by its worker count, and each \
                 worker grows with what it caches or leaks: when the sum reaches the {of}, the \
                 kernel kills a worker and the master starts another, which grows again. \
                 {fit} workers of {} fit in {WORKER_SHARE_PERCENT}% of the {whole_words}.",
                units::bytes(worker)
            ))
            .metric("server", name)
            .metric("processes", w.processes as u64)
            .metric("worker_bytes", w.largest_bytes)
            .metric_opt("workers_configured", settings.count.map(u64::from))
            .metric("workers_that_fit", fit)
            .metric("limit_bytes", whole)
            .cite_opt(e.kill.path, k.memory_line.as_ref())
            .cite_opt(e.kill.path, k.victim.as_ref().map(|v| &v.line));
        for t in k.task_table.iter().filter(|t| t.name == name).take(4) {
            b = b.cite(e.kill.path, &t.line);
        }
        for (path, line) in lines {
            b = b.cite(path, line);
        }
        Some(
            b.recommend(action, None, Risk::Low, "before restarting the server")
                .build(),
        )
    }

    /// The finding for a kill of PostgreSQL whose settings ask for more than its memory.
    fn postgres(&self, ctx: &Context<'_>, e: &OomEvent<'_>) -> Option<Finding> {
        let k = e.kill.item;
        let (s, whole, of) = explains::postgres_explaining(ctx, e)?;
        let shared = s
            .shared_buffers
            .unwrap_or(explains::PG_DEFAULT_SHARED_BUFFERS);
        let worst = s.work_mem_worst();
        let quarter = whole.saturating_mul(SHARED_BUFFERS_PERCENT) / 100;
        let whole_words = format!("{} {of}", units::bytes(whole));
        let connections = s
            .max_connections
            .unwrap_or(apps::PG_DEFAULT_MAX_CONNECTIONS);
        let work_mem = s.work_mem.unwrap_or(apps::PG_DEFAULT_WORK_MEM);
        let sentence = format!(
            "PostgreSQL was killed with `shared_buffers` of {} ({}% of the {whole_words}), and \
             `work_mem` of {} for each of {connections} connections: at worst {} more for the \
             queries, {} in all.",
            units::bytes(shared),
            shared.saturating_mul(100) / whole.max(1),
            units::bytes(work_mem),
            units::bytes(worst),
            units::bytes(shared.saturating_add(worst))
        );
        let shared_fix = shared.min(quarter);
        let mut parts = Vec::new();
        if shared > quarter {
            parts.push(format!(
                "set `shared_buffers = {}MB`, a quarter of the {whole_words}, or give PostgreSQL \
                 at least {} (four times its `shared_buffers`)",
                shared_fix / MIB,
                units::bytes(round_up(
                    shared.saturating_mul(100) / SHARED_BUFFERS_PERCENT
                ))
            ));
        }
        if shared_fix.saturating_add(worst) > whole {
            let fit = whole.saturating_sub(shared_fix) / connections.max(1);
            parts.push(format!(
                "set `work_mem = {}` so that {connections} connections at once fit in the {} \
                 that `shared_buffers` leaves, or lower `max_connections`",
                if fit >= MIB {
                    format!("{}MB", fit / MIB)
                } else {
                    format!("{}kB", (fit / 1024).max(64))
                },
                units::bytes(whole.saturating_sub(shared_fix))
            ));
        }
        let action = upper_first(&parts.join("; and "));
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::Medium)
            .title(format!(
                "PostgreSQL's settings ask for {} of the {whole_words}",
                units::bytes(shared.saturating_add(worst))
            ))
            .sentence(sentence.clone())
            .paragraph(sentence)
            .paragraph(
                "PostgreSQL's shared buffers are taken at start and held; each sort or hash of \
                 a query may take `work_mem` more, several in one query, so the worst case \
                 grows with `max_connections`. PostgreSQL's documentation advises a quarter of \
                 the memory for `shared_buffers`.",
            )
            .metric("server", "postgres")
            .metric("shared_buffers_bytes", shared)
            .metric("work_mem_worst_bytes", worst)
            .metric("limit_bytes", whole)
            .cite_opt(e.kill.path, k.memory_line.as_ref())
            .cite_opt(e.kill.path, k.victim.as_ref().map(|v| &v.line));
        for (path, line) in &s.lines {
            b = b.cite(path, line);
        }
        if let Some((text, huge)) = explains::postgres_huge_pages(ctx, &s) {
            b = b.paragraph(text).cite(huge.path, huge.line);
        }
        Some(
            b.recommend(action, None, Risk::Low, "before restarting PostgreSQL")
                .build(),
        )
    }
}

impl Rule for OomAppSizing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
        for e in ctx.derived.oom_events.iter() {
            for (kind, found) in [
                ("workers", self.workers(ctx, e)),
                ("postgres", self.postgres(ctx, e)),
            ] {
                // One finding per memory cgroup and kind: later kills repeat the first.
                let key = (e.limit_cgroup(), kind);
                if let Some(f) = found.filter(|_| !seen.contains(&key)) {
                    seen.push(key);
                    out.push(f);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::sources::SourceKind;

    const DMESG: &str =
        include_str!("../../../tests/data/recorded/gunicorn-27-cgroup1-worker-oom/dmesg");
    const CONF: &str = include_str!(
        "../../../tests/data/recorded/gunicorn-27-cgroup1-worker-oom/gunicorn.conf.py"
    );

    /// The recorded server: four workers of 108 MiB in 256 MiB, `workers = 4` in its config.
    #[test]
    fn recorded_gunicorn_workers_against_their_limit() {
        let mut facts = kernel_log_facts("dmesg", DMESG, SourceKind::Dmesg);
        let f = OomAppSizing.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["processes"], 5);
        assert_eq!(f[0].metrics["workers_that_fit"], 2);
        assert_eq!(f[0].confidence, Confidence::Medium);
        file_into(&mut facts, "gunicorn.conf.py", &without_header(CONF));
        let f = OomAppSizing.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["workers_configured"], 4);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(f[0].sentence, @"At the kill the task table holds 5 `gunicorn` processes, the master and its workers: the largest resident at 108 MiB, together 328 MiB against the 256 MiB limit (pages they share count in each). The server is configured for 4 workers (`workers = 4`, from `gunicorn.conf.py`): 4 × 108 MiB is 434 MiB, more than the 256 MiB limit.");
        insta::assert_snapshot!(f[0].recommendations[0].action, @"Run at most 2 `gunicorn` workers in the 256 MiB limit (`--workers 2`), each measured at up to 108 MiB; or recycle workers that grow with `--max-requests 1000 --max-requests-jitter 100`; or raise the limit to at least 512 MiB for 4 workers");
    }

    /// The recorded server run by a systemd unit whose `systemctl status` tree lists the master
    /// and the victim among its workers: the worker count is read from the command line there,
    /// and cited.
    #[test]
    fn recorded_gunicorn_workers_counted_from_the_unit_tree() {
        let mut facts = kernel_log_facts("dmesg", DMESG, SourceKind::Dmesg);
        let command = "/usr/bin/python3 /usr/local/bin/gunicorn --workers 6 app:app";
        let status = format!(
            "\
● web.service - Web application
     Loaded: loaded (/etc/systemd/system/web.service; enabled)
     Active: active (running) since Tue 2024-03-05 09:00:00 UTC; 2min ago
   Main PID: 21848 (gunicorn)
     CGroup: /system.slice/web.service
             ├─21848 {command}
             ├─21851 {command}
             └─21854 {command}
"
        );
        file_into(&mut facts, "systemctl-status.txt", &status);
        assert_eq!(facts.systemd_units.len(), 1);
        let f = OomAppSizing.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["workers_configured"], 6);
        assert_eq!(f[0].confidence, Confidence::High);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        assert!(f[0].sentence.contains(
            "configured for 6 workers (`--workers 6`, from the command line `systemctl status` \
             shows)"
        ), "{}", f[0].sentence);
    }

    /// The recorded backend with no configuration file, its settings on the postmaster's command
    /// line as `systemctl status` lists the unit whose control group the kill names.
    #[test]
    fn recorded_postgres_settings_from_the_unit_tree() {
        let mut facts = kernel_log_facts(
            "dmesg",
            include_str!("../../../tests/data/recorded/postgresql-15-cgroup1-backend-oom/dmesg"),
            SourceKind::Dmesg,
        );
        let status = "\
● postgresql@15-main.service - PostgreSQL Cluster 15-main
     Loaded: loaded (/lib/systemd/system/postgresql@.service; enabled-runtime)
     Active: active (running) since Tue 2024-03-05 09:00:00 UTC; 2min ago
   Main PID: 16991 (postgres)
     CGroup: /pg-oom
             ├─16991 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c shared_buffers=256MB -c work_mem=1GB
             └─17000 postgres: 15/main: checkpointer
";
        file_into(&mut facts, "systemctl-status.txt", status);
        let f = OomAppSizing.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].metrics["shared_buffers_bytes"], 256 << 20);
        assert_eq!(f[0].metrics["work_mem_worst_bytes"], 100u64 << 30);
    }

    /// The recorded backend with `huge_pages = try` on a host that reserves 128 MiB of huge
    /// pages (the kernel documentation's meminfo, its `HugePages_*` lines set by the test), none
    /// of them used: `shared_buffers` of 256 MiB does not fit, and the reserved pages are memory
    /// the OOM killer cannot reclaim.
    #[test]
    fn recorded_postgres_with_huge_pages_reserved_and_unused() {
        let mut facts = kernel_log_facts(
            "dmesg",
            include_str!("../../../tests/data/recorded/postgresql-15-cgroup1-backend-oom/dmesg"),
            SourceKind::Dmesg,
        );
        let auto = without_header(include_str!(
            "../../../tests/data/recorded/postgresql-15-cgroup1-backend-oom/postgresql.auto.conf"
        ));
        file_into(
            &mut facts,
            "postgresql.auto.conf",
            &format!("{auto}huge_pages = try\n"),
        );
        let meminfo: String = without_header(include_str!(
            "../../../tests/data/meminfo/kernel-doc-6x-full.txt"
        ))
        .lines()
        .map(|l| match l.split(':').next() {
            Some("HugePages_Total") => "HugePages_Total:      64".to_string(),
            Some("HugePages_Free") => "HugePages_Free:       64".to_string(),
            _ => l.to_string(),
        })
        .map(|l| format!("{l}\n"))
        .collect();
        file_into(&mut facts, "proc/meminfo", &meminfo);
        let f = OomAppSizing.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.text.starts_with("HugePages_Total:")),
            "{:?}",
            f[0].evidence
        );
        let said = f[0]
            .explanation
            .split("\n\n")
            .find(|p| p.starts_with("`huge_pages"))
            .unwrap_or_default()
            .to_string();
        insta::assert_snapshot!(said, @"`huge_pages = try`: the `shared_buffers` of 256 MiB do not fit in the 128 MiB of huge pages the host reserves (64 × 2 MiB), so PostgreSQL takes its shared memory in ordinary pages, beside the huge pages. 128 MiB of the reserved huge pages were unused when the bundle was taken: memory that no other process can use and that the OOM killer cannot reclaim.");
    }

    /// The recorded backend killed at 512 MiB with `shared_buffers` 256MB and `work_mem` 1GB set
    /// by `ALTER SYSTEM` over initdb's `postgresql.conf`.
    #[test]
    fn recorded_postgres_settings_against_their_limit() {
        let mut facts = kernel_log_facts(
            "dmesg",
            include_str!("../../../tests/data/recorded/postgresql-15-cgroup1-backend-oom/dmesg"),
            SourceKind::Dmesg,
        );
        // Without its configuration, nothing to say of PostgreSQL's sizing.
        assert!(OomAppSizing.evaluate(&context(&facts, None)).is_empty());
        file_into(
            &mut facts,
            "postgresql.conf",
            &without_header(include_str!(
                "../../../tests/data/recorded/postgresql-15-cgroup1-backend-oom/postgresql.conf"
            )),
        );
        file_into(
            &mut facts,
            "postgresql.auto.conf",
            &without_header(include_str!(
                "../../../tests/data/recorded/postgresql-15-cgroup1-backend-oom/postgresql.auto.conf"
            )),
        );
        let f = OomAppSizing.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["shared_buffers_bytes"], 256 << 20);
        assert_eq!(f[0].metrics["work_mem_worst_bytes"], 100u64 << 30);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(f[0].sentence, @"PostgreSQL was killed with `shared_buffers` of 256 MiB (50% of the 512 MiB limit), and `work_mem` of 1 GiB for each of 100 connections: at worst 100 GiB more for the queries, 100 GiB in all.");
        // Without meminfo or `huge_pages`, nothing is said of huge pages.
        assert!(!f[0].explanation.contains("huge pages"));
        insta::assert_snapshot!(f[0].recommendations[0].action, @"Set `shared_buffers = 128MB`, a quarter of the 512 MiB limit, or give PostgreSQL at least 1 GiB (four times its `shared_buffers`); and set `work_mem = 3MB` so that 100 connections at once fit in the 384 MiB that `shared_buffers` leaves, or lower `max_connections`");
    }
}
