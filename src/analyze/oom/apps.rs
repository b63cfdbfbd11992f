//! An application server's own sizing: how many worker processes Gunicorn, Celery or uWSGI
//! runs ([`workers_of_command`], [`workers_of_config`]), and how much memory PostgreSQL is
//! configured to take ([`PostgresSizing`]).
//!
//! A pre-fork server multiplies its worker's size by its worker count: eight Gunicorn workers
//! of 300 MiB need 2.4 GiB, whatever the limit. The count is read where the server reads it,
//! highest precedence first: the command line, `GUNICORN_CMD_ARGS`, the configuration file,
//! `WEB_CONCURRENCY` (Gunicorn's default worker count). What each worker really held is the
//! OOM report's task table, which [`workers_at_kill`] reads.

use crate::facts::{AppConfig, AppKind, AppSetting, OomKill};

/// Bytes of a page in the task table.
const PAGE: u64 = 4096;

/// A pre-fork application server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Gunicorn,
    Celery,
    Uwsgi,
}

impl Server {
    /// The name its processes have in the task table (a script's name is its command name).
    pub fn comm(self) -> &'static str {
        match self {
            Server::Gunicorn => "gunicorn",
            Server::Celery => "celery",
            Server::Uwsgi => "uwsgi",
        }
    }

    /// What its recycling setting is called on its command line.
    pub fn recycle_flag(self) -> &'static str {
        match self {
            Server::Celery => "--max-tasks-per-child",
            _ => "--max-requests",
        }
    }

    /// What its worker-count setting is called on its command line.
    pub fn count_flag(self) -> &'static str {
        match self {
            Server::Gunicorn => "--workers",
            Server::Celery => "--concurrency",
            Server::Uwsgi => "--processes",
        }
    }

    fn of_comm(name: &str) -> Option<Server> {
        match name {
            "gunicorn" => Some(Server::Gunicorn),
            "celery" => Some(Server::Celery),
            "uwsgi" => Some(Server::Uwsgi),
            _ => None,
        }
    }
}

/// A server's worker settings, as one place gives them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workers {
    /// The worker count (Celery's `--autoscale` maximum).
    pub count: Option<u32>,
    /// The words that set it: `-w 8`, `workers = 8`, `WEB_CONCURRENCY=8`.
    pub count_setting: Option<String>,
    pub threads: Option<u32>,
    /// Requests (tasks) after which a worker is replaced: `--max-requests`.
    pub max_requests: Option<u64>,
    /// Where they were read: `the command line`, `` `GUNICORN_CMD_ARGS` ``, a file's path.
    pub source: String,
}

impl Workers {
    /// These settings, with what `lower` sets and these do not.
    fn or(mut self, lower: Workers) -> Workers {
        if self.count.is_none() {
            self.count = lower.count;
            self.count_setting = lower.count_setting;
            if self.source.is_empty() || self.count.is_some() {
                self.source = lower.source.clone();
            }
        }
        self.threads = self.threads.or(lower.threads);
        self.max_requests = self.max_requests.or(lower.max_requests);
        self
    }
}

/// The server a command line runs: a word that is its program (`gunicorn`,
/// `/usr/bin/gunicorn`, `python -m gunicorn`), with Celery's `worker` subcommand.
pub fn server_of_command(words: &[String]) -> Option<Server> {
    let base = |w: &String| w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase();
    let names: Vec<String> = words.iter().take(4).map(base).collect();
    let has = |n: &str| names.iter().any(|w| w == n);
    if has("gunicorn") {
        Some(Server::Gunicorn)
    } else if has("uwsgi") {
        Some(Server::Uwsgi)
    } else if has("celery") && words.iter().any(|w| w == "worker") {
        Some(Server::Celery)
    } else {
        None
    }
}

/// The value of a flag at `words[at]`: `--workers=8`, `--workers 8`, `-w8`, `-w 8`.
fn flag_value<'w>(
    words: &'w [String],
    at: usize,
    long: &str,
    short: Option<&str>,
) -> Option<&'w str> {
    let w = words.get(at)?.as_str();
    if let Some(v) = w.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
        return Some(v);
    }
    let next = || words.get(at + 1).map(String::as_str);
    if w == long {
        return next();
    }
    let short = short?;
    if w == short {
        return next();
    }
    w.strip_prefix(short)
        .filter(|v| !v.is_empty() && !v.starts_with('='))
}

/// The worker settings of a command line's words (or of `GUNICORN_CMD_ARGS`).
pub fn workers_of_command(server: Server, words: &[String], source: &str) -> Workers {
    let (count_flags, short): (&[&str], Option<&str>) = match server {
        Server::Gunicorn => (&["--workers"], Some("-w")),
        Server::Celery => (&["--concurrency"], Some("-c")),
        Server::Uwsgi => (&["--processes", "--workers"], Some("-p")),
    };
    let mut out = Workers {
        source: source.to_string(),
        ..Workers::default()
    };
    for at in 0..words.len() {
        for (i, long) in count_flags.iter().enumerate() {
            let short = if i == 0 { short } else { None };
            if let Some(n) = flag_value(words, at, long, short).and_then(|v| v.parse().ok()) {
                out.count = Some(n);
                out.count_setting = Some(setting_words(words, at));
            }
        }
        if server == Server::Celery {
            // `--autoscale=10,3`: at most 10 processes.
            if let Some(v) = flag_value(words, at, "--autoscale", None) {
                if let Some(n) = v.split(',').next().and_then(|m| m.trim().parse().ok()) {
                    out.count = Some(n);
                    out.count_setting = Some(setting_words(words, at));
                }
            }
        }
        if let Some(n) = flag_value(words, at, "--threads", None).and_then(|v| v.parse().ok()) {
            out.threads = Some(n);
        }
        let recycle = flag_value(words, at, server.recycle_flag(), None)
            .or_else(|| flag_value(words, at, "--max-requests", None));
        if let Some(n) = recycle.and_then(|v| v.parse().ok()) {
            out.max_requests = Some(n);
        }
    }
    out
}

/// The flag at `at` with its value when the value is the next word: `-w 8`, `--workers=8`.
fn setting_words(words: &[String], at: usize) -> String {
    let w = words.get(at).map(String::as_str).unwrap_or_default();
    let takes_next = !w.contains('=') && w.len() <= 2 || w.starts_with("--") && !w.contains('=');
    match words.get(at + 1) {
        Some(v) if takes_next && v.parse::<u32>().is_ok() => format!("{w} {v}"),
        _ => w.to_string(),
    }
}

/// The last setting of `names` in a configuration file.
fn last<'c>(config: &'c AppConfig, names: &[&str]) -> Option<&'c AppSetting> {
    config
        .settings
        .iter()
        .rev()
        .find(|s| names.contains(&s.name.as_str()))
}

/// The worker settings of a Gunicorn configuration file or a uWSGI ini. A count given as Python
/// (`multiprocessing.cpu_count() * 2 + 1`) is no number: left unknown.
pub fn workers_of_config(config: &AppConfig, path: &str) -> Option<(Server, Workers)> {
    let (server, count, recycle) = match config.app {
        AppKind::Gunicorn => (Server::Gunicorn, &["workers"][..], &["max_requests"][..]),
        AppKind::Uwsgi => (
            Server::Uwsgi,
            &["processes", "workers"][..],
            &["max-requests", "max_requests"][..],
        ),
        AppKind::Postgres => return None,
    };
    let count_setting = last(config, count);
    Some((
        server,
        Workers {
            count: count_setting.and_then(|s| s.value.parse().ok()),
            count_setting: count_setting.map(|s| format!("{} = {}", s.name, s.value)),
            threads: last(config, &["threads"]).and_then(|s| s.value.parse().ok()),
            max_requests: last(config, recycle).and_then(|s| s.value.parse().ok()),
            source: format!("`{path}`"),
        },
    ))
}

/// A server's settings from every place that gives them, highest precedence first: the command
/// line, then (Gunicorn) `GUNICORN_CMD_ARGS`, then the configuration file, then
/// `WEB_CONCURRENCY`.
pub fn merged(places: Vec<Workers>, web_concurrency: Option<&str>) -> Workers {
    let mut out = places.into_iter().reduce(Workers::or).unwrap_or_default();
    if out.count.is_none() {
        if let Some(n) = web_concurrency.and_then(|v| v.trim().parse().ok()) {
            out.count = Some(n);
            out.count_setting = Some(format!("WEB_CONCURRENCY={n}"));
            out.source = "`WEB_CONCURRENCY`".to_string();
        }
    }
    out
}

/// A server's processes in an OOM report's task table.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkersAtKill {
    pub server: Server,
    /// Every process of the server's name: the master (arbiter) and its workers.
    pub processes: usize,
    /// The largest process's resident size, in bytes: what one worker may grow to.
    pub largest_bytes: u64,
    /// The sum of their resident sizes, in bytes.
    pub total_bytes: u64,
    /// The sum of their anonymous memory, when the table prints it (6.x): pages of the same
    /// file mapped by every worker count in each one's resident size, once in the cgroup.
    pub anon_bytes: Option<u64>,
}

/// The processes of a pre-fork server in an OOM report's task table, when it holds at least
/// two of one server's name.
pub fn workers_at_kill(kill: &OomKill) -> Option<WorkersAtKill> {
    let mut best: Option<WorkersAtKill> = None;
    for server in [Server::Gunicorn, Server::Celery, Server::Uwsgi] {
        let tasks: Vec<_> = kill
            .task_table
            .iter()
            .filter(|t| Server::of_comm(&t.name) == Some(server))
            .collect();
        if tasks.len() < 2 {
            continue;
        }
        let rss = |t: &&crate::facts::OomTask| t.rss_pages.unwrap_or(0).saturating_mul(PAGE);
        let anon: Option<u64> = tasks
            .iter()
            .map(|t| t.rss_anon_pages.map(|p| p.saturating_mul(PAGE)))
            .sum();
        let found = WorkersAtKill {
            server,
            processes: tasks.len(),
            largest_bytes: tasks.iter().map(rss).max().unwrap_or(0),
            total_bytes: tasks.iter().map(rss).sum(),
            anon_bytes: anon,
        };
        if best
            .as_ref()
            .is_none_or(|b| found.total_bytes > b.total_bytes)
        {
            best = Some(found);
        }
    }
    best
}

/// PostgreSQL's memory settings, in bytes, as its configuration files and command line give
/// them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostgresSizing {
    pub shared_buffers: Option<u64>,
    pub work_mem: Option<u64>,
    pub maintenance_work_mem: Option<u64>,
    pub max_connections: Option<u64>,
    pub effective_cache_size: Option<u64>,
    pub huge_pages: Option<String>,
    /// Where each came from, for the evidence: `(path, line)`.
    pub lines: Vec<(String, crate::facts::Line)>,
}

/// PostgreSQL's default `work_mem` (4MB) and `max_connections` (100), which hold when the
/// configuration leaves them commented.
pub const PG_DEFAULT_WORK_MEM: u64 = 4 * 1024 * 1024;
pub const PG_DEFAULT_MAX_CONNECTIONS: u64 = 100;

/// A PostgreSQL memory value in bytes: a number with a unit (`kB`, `MB`, `GB`, `TB`, `B`, case
/// as PostgreSQL requires) or a plain number of the setting's own unit (`unit_bytes`: 8 kB
/// blocks for `shared_buffers` and `effective_cache_size`, kB for `work_mem`).
pub fn pg_bytes(value: &str, unit_bytes: u64) -> Option<u64> {
    let value = value.trim();
    let at = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let n: u64 = value[..at].parse().ok()?;
    let mult = match value[at..].trim() {
        "" => unit_bytes,
        "B" => 1,
        "kB" => 1024,
        "MB" => 1024 * 1024,
        "GB" => 1024 * 1024 * 1024,
        "TB" => 1024 * 1024 * 1024 * 1024,
        _ => return None,
    };
    Some(n.saturating_mul(mult))
}

impl PostgresSizing {
    /// Apply one `name = value` setting; a later one overrides an earlier.
    fn set(&mut self, name: &str, value: &str, at: Option<(&str, &crate::facts::Line)>) {
        const BLOCK: u64 = 8192;
        let slot = match name {
            "shared_buffers" => &mut self.shared_buffers,
            "effective_cache_size" => &mut self.effective_cache_size,
            "work_mem" => &mut self.work_mem,
            "maintenance_work_mem" => &mut self.maintenance_work_mem,
            "max_connections" => &mut self.max_connections,
            "huge_pages" => {
                self.huge_pages = Some(value.to_string());
                return;
            }
            _ => return,
        };
        let unit = match name {
            "shared_buffers" | "effective_cache_size" => BLOCK,
            "max_connections" => 1,
            _ => 1024,
        };
        let parsed = if name == "max_connections" {
            value.trim().parse().ok()
        } else {
            pg_bytes(value, unit)
        };
        if let Some(v) = parsed {
            *slot = Some(v);
            if let Some((path, line)) = at {
                self.lines
                    .retain(|(_, l)| !l.text.trim_start().starts_with(name));
                self.lines.push((path.to_string(), line.clone()));
            }
        }
    }

    /// The settings of PostgreSQL's configuration files (`postgresql.conf` before
    /// `postgresql.auto.conf`, which `ALTER SYSTEM` writes and which overrides it) and of a
    /// `postgres` command line's `-c name=value` and `--name=value`, which override both.
    pub fn read<'a>(
        configs: impl Iterator<Item = (&'a str, &'a AppConfig)>,
        command: &[String],
    ) -> Option<PostgresSizing> {
        let mut files: Vec<(&str, &AppConfig)> = configs
            .filter(|(_, c)| c.app == AppKind::Postgres)
            .collect();
        files.sort_by_key(|(path, _)| path.ends_with("postgresql.auto.conf"));
        let mut out = PostgresSizing::default();
        for (path, config) in &files {
            for s in &config.settings {
                out.set(&s.name, &s.value, Some((path, &s.line)));
            }
        }
        let is_postgres = command
            .iter()
            .take(2)
            .any(|w| w.rsplit('/').next() == Some("postgres"));
        if is_postgres {
            for (i, w) in command.iter().enumerate() {
                let pair = if w == "-c" {
                    command.get(i + 1).map(String::as_str)
                } else {
                    w.strip_prefix("--").filter(|p| p.contains('='))
                };
                if let Some((name, value)) = pair.and_then(|p| p.split_once('=')) {
                    out.set(&name.replace('-', "_"), value, None);
                }
            }
        }
        (out != PostgresSizing::default()).then_some(out)
    }

    /// The worst case of the queries' memory: `work_mem` for every connection at once (a query
    /// can use several, one per sort or hash).
    pub fn work_mem_worst(&self) -> u64 {
        self.work_mem
            .unwrap_or(PG_DEFAULT_WORK_MEM)
            .saturating_mul(self.max_connections.unwrap_or(PG_DEFAULT_MAX_CONNECTIONS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Line, OomTask};

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    /// Command lines as Gunicorn's, Celery's and uWSGI's documentation print them.
    #[test]
    fn worker_counts_of_published_command_lines() {
        // Gunicorn's README: `gunicorn -w 4 myapp:app`.
        let c = words("gunicorn -w 4 myapp:app");
        assert_eq!(server_of_command(&c), Some(Server::Gunicorn));
        let w = workers_of_command(Server::Gunicorn, &c, "the command line");
        assert_eq!(
            (w.count, w.count_setting.as_deref()),
            (Some(4), Some("-w 4"))
        );
        let c = words("gunicorn --workers=8 --threads 2 --max-requests=1000 app:app");
        let w = workers_of_command(Server::Gunicorn, &c, "the command line");
        assert_eq!(w.count, Some(8));
        assert_eq!(w.count_setting.as_deref(), Some("--workers=8"));
        assert_eq!((w.threads, w.max_requests), (Some(2), Some(1000)));
        let c = words("/usr/bin/python3 /usr/local/bin/gunicorn -w8 app:app");
        assert_eq!(server_of_command(&c), Some(Server::Gunicorn));
        assert_eq!(workers_of_command(Server::Gunicorn, &c, "").count, Some(8));
        // Celery's workers guide: `celery -A proj worker --concurrency=10`, `--autoscale=10,3`.
        let c = words("celery -A proj worker --loglevel=INFO --concurrency=10 -n worker1@%h");
        assert_eq!(server_of_command(&c), Some(Server::Celery));
        assert_eq!(workers_of_command(Server::Celery, &c, "").count, Some(10));
        let c = words("celery -A proj worker --autoscale=10,3");
        assert_eq!(workers_of_command(Server::Celery, &c, "").count, Some(10));
        // uWSGI's quickstart: `uwsgi --http :9090 --wsgi-file foobar.py --master --processes 4
        // --threads 2`.
        let c =
            words("uwsgi --http :9090 --wsgi-file foobar.py --master --processes 4 --threads 2");
        assert_eq!(server_of_command(&c), Some(Server::Uwsgi));
        let w = workers_of_command(Server::Uwsgi, &c, "");
        assert_eq!((w.count, w.threads), (Some(4), Some(2)));
        // Celery's `-c` is no concern of Gunicorn's, whose `-c` is its config file.
        let c = words("gunicorn -c gunicorn.conf.py app:app");
        assert_eq!(workers_of_command(Server::Gunicorn, &c, "").count, None);
    }

    /// uWSGI's own example ini: `processes = 4`, `threads = 8`.
    #[test]
    fn workers_of_a_uwsgi_example_ini() {
        let text =
            include_str!("../../../tests/data/app_config/uwsgi-2.0.31-examples-heavytest.ini");
        let config = crate::parse::app_config::parse("uwsgi.ini", text)
            .value
            .unwrap();
        let (server, w) = workers_of_config(&config, "uwsgi.ini").unwrap();
        assert_eq!(server, Server::Uwsgi);
        assert_eq!((w.count, w.threads), (Some(4), Some(8)));
        assert_eq!(w.count_setting.as_deref(), Some("processes = 4"));
        assert_eq!(w.source, "`uwsgi.ini`");
    }

    #[test]
    fn precedence_of_the_places_that_set_workers() {
        let cmd = workers_of_command(
            Server::Gunicorn,
            &words("gunicorn app:app"),
            "the command line",
        );
        let env = workers_of_command(
            Server::Gunicorn,
            &words("--workers=3 --max-requests 500"),
            "`GUNICORN_CMD_ARGS`",
        );
        let m = merged(vec![cmd.clone(), env], Some("9"));
        assert_eq!(m.count, Some(3));
        assert_eq!(m.source, "`GUNICORN_CMD_ARGS`");
        assert_eq!(m.max_requests, Some(500));
        let m = merged(vec![cmd], Some("9"));
        assert_eq!(m.count_setting.as_deref(), Some("WEB_CONCURRENCY=9"));
    }

    /// The recorded Gunicorn report: the master and four workers, the killed one at 108 MiB.
    #[test]
    fn recorded_gunicorn_workers_in_the_task_table() {
        let text =
            include_str!("../../../tests/data/recorded/gunicorn-27-cgroup1-worker-oom/dmesg");
        let log = crate::parse::kernel_log::parse(text, crate::sources::SourceKind::Dmesg).log;
        let w = workers_at_kill(&log.oom_kills[0]).unwrap();
        assert_eq!(w.server, Server::Gunicorn);
        assert_eq!(w.processes, 5);
        assert_eq!(w.largest_bytes, 27764 * 4096);
        assert!(w.anon_bytes.is_some_and(|a| a < w.total_bytes));
        let one = OomKill {
            task_table: vec![OomTask {
                name: "gunicorn".into(),
                rss_pages: Some(10),
                line: Line::new(1, ""),
                ..OomTask::default()
            }],
            ..OomKill::default()
        };
        assert_eq!(workers_at_kill(&one), None);
    }

    #[test]
    fn postgres_units_as_postgres_reads_them() {
        assert_eq!(pg_bytes("128MB", 8192), Some(128 << 20));
        assert_eq!(pg_bytes("16384", 8192), Some(128 << 20));
        assert_eq!(pg_bytes("4096", 1024), Some(4 << 20));
        assert_eq!(pg_bytes("1GB", 8192), Some(1 << 30));
        // PostgreSQL's units are case-sensitive: `mb` is refused.
        assert_eq!(pg_bytes("128mb", 8192), None);
    }

    /// Debian's default cluster, `ALTER SYSTEM` raising `shared_buffers` in the auto file, and
    /// a command line's `-c` above both.
    #[test]
    fn postgres_settings_later_win() {
        let text = include_str!(
            "../../../tests/data/app_config/debian-postgresql-15-main-postgresql.conf"
        );
        let conf = crate::parse::app_config::parse("etc/postgresql/15/main/postgresql.conf", text)
            .value
            .unwrap();
        let auto = crate::parse::app_config::parse(
            "var/lib/postgresql/15/main/postgresql.auto.conf",
            "# Do not edit this file manually!\nshared_buffers = '2GB'\nwork_mem = '64MB'\n",
        )
        .value
        .unwrap();
        let files = [
            ("var/lib/postgresql/15/main/postgresql.auto.conf", &auto),
            ("etc/postgresql/15/main/postgresql.conf", &conf),
        ];
        let s = PostgresSizing::read(files.iter().map(|(p, c)| (*p, *c)), &[]).unwrap();
        assert_eq!(s.shared_buffers, Some(2 << 30));
        assert_eq!(s.max_connections, Some(100));
        assert_eq!(s.work_mem_worst(), 100 * (64 << 20));
        let s = PostgresSizing::read(
            files.iter().map(|(p, c)| (*p, *c)),
            &words("postgres -c shared_buffers=256MB -c max_connections=300"),
        )
        .unwrap();
        assert_eq!(s.shared_buffers, Some(256 << 20));
        assert_eq!(s.max_connections, Some(300));
    }
}
