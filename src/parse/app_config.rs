//! An application's own memory sizing in its configuration file: Gunicorn's `gunicorn.conf.py`
//! (`workers = 8`), uWSGI's ini (`processes = 8`) and PostgreSQL's `postgresql.conf` and
//! `postgresql.auto.conf` (`shared_buffers = 2GB`).
//!
//! Each `name = value` line is kept as written, with its line: which settings size memory, and
//! in what units, is the analysis's knowledge (`analyze::oom::apps`). A setting given twice
//! keeps both lines; the later one is what the application uses. A line that is not a setting
//! (Python code, a section header, a comment) is skipped, not a warning: these files hold far
//! more than sizing.

use crate::facts::{AppConfig, AppKind, AppSetting, Line};
use crate::sources::sniff::{sniff_regex, Head, Strength};
use crate::sources::{Format, Parse, Paths, SourceKind};

use super::Parsed;

/// The application a file configures, by its name, else by what it holds.
fn kind_of(path: &str, text: &str) -> AppKind {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.starts_with("postgresql") {
        return AppKind::Postgres;
    }
    if name.contains("uwsgi") || name.ends_with(".ini") {
        return AppKind::Uwsgi;
    }
    if name.contains("gunicorn") {
        return AppKind::Gunicorn;
    }
    let has = |key: &str| {
        text.lines()
            .any(|l| setting(l, false).is_some_and(|(k, _)| k == key))
    };
    if text.lines().any(|l| l.trim() == "[uwsgi]") {
        AppKind::Uwsgi
    } else if has("shared_buffers") || has("max_connections") {
        AppKind::Postgres
    } else {
        AppKind::Gunicorn
    }
}

/// The `name = value` of a line, comment and quotes removed; PostgreSQL also takes
/// `name value` (`postgres`).
fn setting(line: &str, postgres: bool) -> Option<(&str, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with(['#', ';', '[']) {
        return None;
    }
    let at =
        line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))?;
    let (name, rest) = line.split_at(at);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let value = match rest.strip_prefix('=') {
        // `workers == 8`, `x += 1`: Python, not a setting.
        Some(v) if !v.starts_with('=') => v.trim_start(),
        None if postgres && at > 0 && !rest.is_empty() => rest,
        _ => return None,
    };
    let value = match value.chars().next() {
        Some(q @ ('\'' | '"')) => {
            let inner = &value[1..];
            &inner[..inner.find(q)?]
        }
        _ => value
            .split_once(" #")
            .or_else(|| value.split_once("\t#"))
            .or_else(|| value.split_once(" ;"))
            .map_or(value, |(v, _)| v)
            .trim(),
    };
    Some((name, value))
}

/// Every setting of the file, in file order.
pub fn parse(path: &str, text: &str) -> Parsed<Option<AppConfig>> {
    let app = kind_of(path, text);
    let postgres = app == AppKind::Postgres;
    let settings: Vec<AppSetting> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (name, value) = setting(l, postgres)?;
            Some(AppSetting {
                name: name.to_string(),
                value: value.to_string(),
                line: Line::new(u32::try_from(i + 1).unwrap_or(u32::MAX), l.trim_end()),
            })
        })
        .collect();
    let value = (!settings.is_empty()).then_some(AppConfig { app, settings });
    Parsed::new(value, Vec::new())
}

sniff_regex!(
    PG_SETTING,
    r"^(data_directory|hba_file|ident_file|listen_addresses|max_connections|shared_buffers|unix_socket_directories)\s*=\s*\S"
);
sniff_regex!(
    PG_MEMORY,
    r"^(work_mem|maintenance_work_mem|effective_cache_size|huge_pages)\s*=\s*\S"
);
sniff_regex!(UWSGI, r"^\[uwsgi\]\s*$");
sniff_regex!(WORKERS, r"^workers\s*=\s*\S");
sniff_regex!(
    GUNICORN_ONLY,
    r"^(wsgi_app|worker_class|worker_connections)\s*="
);

/// Two of PostgreSQL's own settings (its title comment reads like a root prompt, which the
/// head leaves out), uWSGI's section, or Gunicorn's `workers` beside a setting only Gunicorn
/// has.
fn sniff(head: &Head<'_>) -> Option<Strength> {
    let lines = head.lines();
    if lines
        .clone()
        .filter(|l| PG_SETTING.is_match(l))
        .take(2)
        .count()
        == 2
        || lines.clone().any(|l| UWSGI.is_match(l))
    {
        return Some(Strength::Strong);
    }
    if lines.clone().any(|l| WORKERS.is_match(l))
        && lines.clone().any(|l| GUNICORN_ONLY.is_match(l))
    {
        return Some(Strength::Strong);
    }
    // `postgresql.auto.conf` holds what `ALTER SYSTEM` set, a Gunicorn file may set only
    // `workers`: read as such where the name says so.
    lines
        .clone()
        .any(|l| PG_SETTING.is_match(l) || PG_MEMORY.is_match(l) || WORKERS.is_match(l))
        .then_some(Strength::Plausible)
}

pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::AppConfig,
    paths: Paths {
        sosreport: &[
            "etc/postgresql/**/postgresql.conf",
            "etc/postgresql/**/postgresql.auto.conf",
            "var/lib/pgsql/**/postgresql.conf",
            "var/lib/pgsql/**/postgresql.auto.conf",
            "var/lib/postgresql/**/postgresql.conf",
            "var/lib/postgresql/**/postgresql.auto.conf",
            "etc/gunicorn/**/*.py",
            "etc/gunicorn.conf.py",
            "etc/uwsgi/**/*.ini",
        ],
        collector: &["apps/*"],
        supportconfig: &[],
        plain: &[
            "postgresql.conf",
            "postgresql.auto.conf",
            "gunicorn.conf.py",
            "gunicorn_conf.py",
            "gunicorn.conf",
            "uwsgi.ini",
        ],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(
            &mut facts.app_configs,
            path,
            parse(path, &String::from_utf8_lossy(bytes)),
        )
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    const POSTGRES: &str =
        include_str!("../../tests/data/app_config/debian-postgresql-15-main-postgresql.conf");
    const GUNICORN: &str =
        include_str!("../../tests/data/app_config/gunicorn-27.0.1-example_config.py");

    fn value<'a>(c: &'a AppConfig, name: &str) -> Option<&'a str> {
        c.settings
            .iter()
            .rev()
            .find(|s| s.name == name)
            .map(|s| s.value.as_str())
    }

    #[test]
    fn debian_postgresql_conf_settings_and_not_its_comments() {
        let c = parse("etc/postgresql/15/main/postgresql.conf", POSTGRES)
            .value
            .unwrap();
        assert_eq!(c.app, AppKind::Postgres);
        assert_eq!(value(&c, "shared_buffers"), Some("128MB"));
        assert_eq!(value(&c, "max_connections"), Some("100"));
        assert_eq!(
            value(&c, "data_directory"),
            Some("/var/lib/postgresql/15/main")
        );
        // `#work_mem = 4MB` is the commented default.
        assert_eq!(value(&c, "work_mem"), None);
        let line = &c
            .settings
            .iter()
            .find(|s| s.name == "shared_buffers")
            .unwrap()
            .line;
        assert_eq!(line.text, "shared_buffers = 128MB\t\t\t# min 128kB");
    }

    #[test]
    fn gunicorn_example_config_and_its_python() {
        let c = parse("gunicorn.conf.py", GUNICORN).value.unwrap();
        assert_eq!(c.app, AppKind::Gunicorn);
        assert_eq!(value(&c, "workers"), Some("1"));
        assert_eq!(value(&c, "worker_class"), Some("sync"));
        assert_eq!(value(&c, "bind"), Some("127.0.0.1:8000"));
        // Functions and their bodies are not settings.
        assert!(c.settings.iter().all(|s| !s.name.starts_with("def")));
    }

    #[test]
    fn postgres_takes_a_setting_without_its_equals_sign() {
        let c = parse(
            "x/postgresql.auto.conf",
            "shared_buffers '2GB'\nwork_mem=64MB # big\n",
        )
        .value
        .unwrap();
        assert_eq!(value(&c, "shared_buffers"), Some("2GB"));
        assert_eq!(value(&c, "work_mem"), Some("64MB"));
        let c = parse("uwsgi.ini", "[uwsgi]\nmodule = app:app\nprocesses = 8\n")
            .value
            .unwrap();
        assert_eq!(c.app, AppKind::Uwsgi);
        assert_eq!(value(&c, "processes"), Some("8"));
    }
}
