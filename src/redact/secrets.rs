//! Masking what looks like a secret in bundle text: passwords, tokens and keys in command lines,
//! environment assignments, configuration and log lines. The value is replaced by [`MASK`]; the
//! key stays, so a reader still sees that a password was passed and how.
//!
//! Every rule is anchored on a key that says "secret" (`--password`, `DB_PASSWORD=`,
//! `Authorization:`, `user:pass@` in a URL, a PEM `PRIVATE KEY` block) or, for the weaker key
//! words `key` and `token`, on a value that looks random. Ordinary kernel and runtime text
//! (`order:6, mode:0x10c0d0`, `free:95232kB`, `tokenizer`) has no such key and passes unchanged.
//! Masking is idempotent: masked text masks to itself.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What a secret value becomes.
pub const MASK: &str = "***";

/// Compile one of the patterns below. Their case-blind parts are ASCII (`(?i-u:bearer)`): the
/// words are, and Unicode case folding made compiling them a good part of a small report's time.
fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the pattern is a valid constant")
}

/// A PEM private key block or an OpenPGP one (`PGP PRIVATE KEY BLOCK`), or its start when the
/// text was cut before the end line.
static PEM_PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?s)(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)(?:.*?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)|.*)",
    )
});

/// `scheme://user:password@host`.
static URL_USERINFO: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+):([^/\s@]+)@"));

/// `Authorization: Bearer xyz`, `"authorization": "Basic xyz"`, `authorization=xyz`.
static AUTHORIZATION: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"((?i-u:(?:proxy-)?authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?)(?:((?i-u:bearer|basic|digest|token|negotiate))[ \t]+)?([^\s"'\\,;]+)"#,
    )
});

/// A bearer token outside an `Authorization` header (`curl -H "Bearer xyz"` pasted apart).
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b((?i-u:bearer))[ \t]+([A-Za-z0-9._~+/=-]{8,})"));

/// `key=value`, `key: value`, `"key": "value"`, `--flag=value`. The key is checked in code; the
/// value is a quoted string (plain, JSON-escaped, or escaped twice over as runc's errors quote a
/// command inside a quoted message: `\\\"hunter2\\\"`) or a bare word, which ends before a
/// backtick (the end of a Markdown code span around the bundle text).
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?P<key>[A-Za-z0-9_.-]+)(?P<kq>\\?["']?)(?P<sep>[ \t]*[=:][ \t]*)(?P<val>\\"(?:[^"\\]|\\[^"])*\\"|\\+"[^"\\]*\\+"|"[^"]*"|'[^']*'|[^\s,;&"'`<>(){}\[\]]+)"#,
    )
});

/// `--password value`: a flag and the next word.
static FLAG_SPACE_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?P<flag>(?:^|[\s"'\[,])--?[A-Za-z][A-Za-z0-9_.-]*)(?P<sep>(?:\\?["'])?,?[ \t]+(?:\\["'])?)(?P<val>"[^"]*"|'[^']*'|[^\s"'`\\,\]]+)"#,
    )
});

/// `-p value` or `-pvalue`, masked only after a tool that takes a password that way.
static SHORT_PASSWORD_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?P<flag>(?:^|[\s"'\[,])-[pa])(?P<sep>[ \t]*)(?P<val>[^\s"',\]-][^\s"',\]]*)"#)
});

/// Tools whose `-p` (or, for redis-cli, `-a`) is a password.
static PASSWORD_TOOL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:^|[\s/\x22'])((?i-u:mysql|mysqladmin|mysqldump|mariadb|mariadb-dump|sshpass|redis-cli|login))(?:\s|\x22|'|$)",
    )
});

/// `key 8f14e45fceea167a5a36dedd4bea2543`: a long random-looking word after `key` or `token`.
static KEY_WORD_VALUE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b((?i-u:key|token))([ \t]+)([A-Za-z0-9+/=_.-]{16,})"));

/// Key words whose value is always a secret, as the last part of a key (`DB_PASSWORD`,
/// `--api-key`, `aws_secret_access_key`, `client_secret`).
const SECRET_KEY_WORDS: &[&str] = &[
    "password",
    // PostgreSQL's client reads its password from `PGPASSWORD`.
    "pgpassword",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "access-key",
    "secret_key",
    "secret-key",
    "private_key",
    "private-key",
    "credential",
    "credentials",
];

/// Whether a key (`--db-password`, `DB_PASSWORD`, `"password"`) names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.trim_start_matches('-').to_ascii_lowercase();
    let at_boundary = |word: &str| {
        k.strip_suffix(word).is_some_and(|head| {
            head.is_empty() || head.ends_with('_') || head.ends_with('-') || head.ends_with('.')
        })
    };
    // A bare `pass` is too common a word (`pass: 3` in a test log); `DB_PASS` is not.
    SECRET_KEY_WORDS.iter().any(|w| at_boundary(w))
        || k.strip_suffix("pass")
            .is_some_and(|head| head.ends_with('_') || head.ends_with('-'))
}

/// Whether a key ends in the weaker word `key` (`ssh_key`, `license-key`, `KEY`): its value is
/// masked only when it looks random.
fn is_key_key(key: &str) -> bool {
    let k = key.trim_start_matches('-').to_ascii_lowercase();
    k.strip_suffix("key").is_some_and(|head| {
        head.is_empty() || head.ends_with('_') || head.ends_with('-') || head.ends_with('.')
    })
}

/// Whether a value looks like a generated secret: long, letters and digits mixed, and with the
/// character spread (Shannon entropy) of random text rather than of a word or a path.
pub fn looks_random(value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    if v.len() < 16 || v == MASK {
        return false;
    }
    let letters = v.bytes().any(|b| b.is_ascii_alphabetic());
    let digits = v.bytes().any(|b| b.is_ascii_digit());
    if !(letters && digits) {
        return false;
    }
    let mut counts = [0u32; 256];
    for b in v.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = v.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum();
    entropy >= 3.0
}

/// A value with its secret replaced, its quotes (and the backslashes escaping them) kept.
fn masked_value(value: &str) -> String {
    let slashes = value.len() - value.trim_start_matches('\\').len();
    for q in ['"', '\''] {
        let quote = format!("{}{q}", "\\".repeat(slashes));
        if value.len() >= 2 * quote.len() && value.starts_with(&quote) && value.ends_with(&quote) {
            return format!("{quote}{MASK}{quote}");
        }
    }
    MASK.to_string()
}

/// The value of a `key = value` setting read apart from its key (a sysctl row), masked as the
/// whole line would be.
pub fn mask_value(key: &str, value: &str) -> String {
    if is_secret_key(key) && !value.is_empty() {
        return masked_value(value);
    }
    mask_text(value)
}

/// Mask every secret in a piece of text.
pub fn mask_text(text: &str) -> String {
    let mut s: Cow<str> = Cow::Borrowed(text);
    // Each pattern is tried only on a text holding a word it needs, so that most are never
    // compiled for a report without secrets.
    if s.contains("PRIVATE KEY") {
        s = replace(s, &PEM_PRIVATE_KEY, |c| {
            let end = c.get(2).map_or("", |m| m.as_str());
            format!("{}{MASK}{end}", &c[1])
        });
    }
    if s.contains("://") {
        s = replace(s, &URL_USERINFO, |c| format!("{}:{MASK}@", &c[1]));
    }
    if contains_any_case(&s, &["authorization"]) {
        s = replace(s, &AUTHORIZATION, |c| match c.get(2) {
            Some(scheme) => format!("{}{} {MASK}", &c[1], scheme.as_str()),
            None => format!("{}{MASK}", &c[1]),
        });
    }
    if contains_any_case(&s, &["bearer"]) {
        s = replace(s, &BEARER, |c| format!("{} {MASK}", &c[1]));
    }
    s = Cow::Owned(mask_key_values(&s));
    s = replace(s, &FLAG_SPACE_VALUE, |c| {
        let val = &c["val"];
        if is_secret_key(
            c["flag"].trim_start_matches(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-'),
        ) && !val.starts_with('-')
        {
            format!("{}{}{}", &c["flag"], &c["sep"], masked_value(val))
        } else {
            c[0].to_string()
        }
    });
    if contains_any_case(&s, PASSWORD_TOOLS) {
        s = Cow::Owned(mask_short_password_flags(&s));
    }
    if contains_any_case(&s, &["key", "token"]) {
        s = replace(s, &KEY_WORD_VALUE, |c| {
            if looks_random(&c[3]) {
                format!("{}{}{MASK}", &c[1], &c[2])
            } else {
                c[0].to_string()
            }
        });
    }
    s.into_owned()
}

/// The tools [`PASSWORD_TOOL`] names, or a part of their names (`mysql` of `mysqldump`).
const PASSWORD_TOOLS: &[&str] = &["mysql", "mariadb", "sshpass", "redis-cli", "login"];

/// Whether `text` holds one of `words` (lower-case ASCII) in any case. A word is compared only
/// where its first letter is, in either case: every string of a report is masked, and
/// comparing at every byte was most of the time its assembly took.
fn contains_any_case(text: &str, words: &[&str]) -> bool {
    let text = text.as_bytes();
    words.iter().any(|w| {
        let w = w.as_bytes();
        let Some(&first) = w.first() else {
            return false;
        };
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), text).any(|at| {
            text.get(at..at + w.len())
                .is_some_and(|window| window.eq_ignore_ascii_case(w))
        })
    })
}

fn replace<'a>(s: Cow<'a, str>, re: &Regex, f: impl FnMut(&Captures) -> String) -> Cow<'a, str> {
    if !re.is_match(&s) {
        return s;
    }
    Cow::Owned(re.replace_all(&s, f).into_owned())
}

/// `key=value` pairs whose key names a secret. A pair whose key does not is stepped over only as
/// far as its separator, so a secret inside its quoted value (`msg="login password=x"`) is still
/// found.
fn mask_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(c) = KEY_VALUE.captures_at(text, at) {
        let (Some(whole), Some(key), Some(sep), Some(val)) =
            (c.get(0), c.name("key"), c.name("sep"), c.name("val"))
        else {
            break;
        };
        // A path component (`/etc/passwd: permission denied`) is not a key.
        let in_path = text[..key.start()].ends_with('/');
        let secret = !in_path
            && (is_secret_key(key.as_str())
                || (is_key_key(key.as_str()) && looks_random(val.as_str())));
        if secret && val.as_str() != MASK {
            out.push_str(&text[copied..val.start()]);
            out.push_str(&masked_value(val.as_str()));
            copied = whole.end();
            at = whole.end();
        } else {
            at = sep.end().max(at + 1);
            while !text.is_char_boundary(at) {
                at += 1;
            }
        }
        if at >= text.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `-p secret` and `-psecret` after `mysql` and the like, `-a secret` after `redis-cli`. Elsewhere
/// `-p` is a port, a parent directory or a pid, and is left alone.
fn mask_short_password_flags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for line_start in line_starts(text) {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = &text[line_start..line_end];
        let Some(tool) = PASSWORD_TOOL.captures(line).and_then(|c| c.get(1)) else {
            continue;
        };
        let tool_name = tool.as_str().to_ascii_lowercase();
        for c in SHORT_PASSWORD_FLAG.captures_iter(&line[tool.end()..]) {
            let (Some(flag), Some(val)) = (c.name("flag"), c.name("val")) else {
                continue;
            };
            let wanted = if tool_name == "redis-cli" { "-a" } else { "-p" };
            if !flag.as_str().ends_with(wanted) || val.as_str() == MASK {
                continue;
            }
            let start = line_start + tool.end() + val.start();
            let end = line_start + tool.end() + val.end();
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1))
}

/// Mask a command's arguments: each argument as text, and the argument after a secret flag given
/// on its own (`["--password", "hunter2"]`).
pub fn mask_args(args: &[String]) -> Vec<String> {
    let tool = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_ascii_lowercase())
        .unwrap_or_default();
    let short = match tool.as_str() {
        "mysql" | "mysqladmin" | "mysqldump" | "mariadb" | "mariadb-dump" | "sshpass" => Some("-p"),
        "redis-cli" => Some("-a"),
        _ => None,
    };
    let mut out = Vec::with_capacity(args.len());
    let mut mask_next = false;
    for a in args {
        if mask_next && !a.starts_with('-') {
            out.push(MASK.to_string());
            mask_next = false;
            continue;
        }
        mask_next = (a.starts_with('-') && !a.contains('=') && is_secret_key(a))
            || short.is_some_and(|s| a == s);
        out.push(mask_text(a));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> String {
        mask_text(s)
    }

    #[test]
    fn flags_with_equals_and_with_a_space() {
        assert_eq!(m("runc --password=xyz run"), "runc --password=*** run");
        assert_eq!(
            m("app --password xyz --port 80"),
            "app --password *** --port 80"
        );
        assert_eq!(m("app --db-password 'x y'"), "app --db-password '***'");
        assert_eq!(m("tool --api-key=abc123"), "tool --api-key=***");
        assert_eq!(m("tool --client-secret s3cr3t"), "tool --client-secret ***");
        // A flag followed by another flag has no value to mask.
        assert_eq!(m("tool --password --verbose"), "tool --password --verbose");
    }

    #[test]
    fn short_p_only_after_a_password_tool() {
        assert_eq!(m("mysql -u root -p hunter2 db"), "mysql -u root -p *** db");
        assert_eq!(
            m("mysqldump -uroot -phunter2 db"),
            "mysqldump -uroot -p*** db"
        );
        assert_eq!(
            m("redis-cli -h r1 -a hunter2 ping"),
            "redis-cli -h r1 -a *** ping"
        );
        assert_eq!(
            m("docker login -u ci -p hunter2 reg"),
            "docker login -u ci -p *** reg"
        );
        // Ports, parents and pids stay.
        assert_eq!(
            m("docker run -p 8080:80 nginx"),
            "docker run -p 8080:80 nginx"
        );
        assert_eq!(m("mkdir -p /var/lib/x"), "mkdir -p /var/lib/x");
        assert_eq!(m("ps -p 839206"), "ps -p 839206");
    }

    #[test]
    fn shapes_of_postgres_runc_and_openpgp() {
        assert_eq!(
            m("PGPASSWORD=hunter2 psql -h db"),
            "PGPASSWORD=*** psql -h db"
        );
        assert_eq!(
            m(r#"exec: \"mysqladmin --password=\\\"hunter2\\\"\": executable file not found"#),
            r#"exec: \"mysqladmin --password=\\\"***\\\"\": executable file not found"#
        );
        let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0secret\n=ab12\n\
                   -----END PGP PRIVATE KEY BLOCK-----";
        assert_eq!(
            m(pgp),
            "-----BEGIN PGP PRIVATE KEY BLOCK-----***-----END PGP PRIVATE KEY BLOCK-----"
        );
        assert_eq!(
            m("-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0secret"),
            "-----BEGIN PGP PRIVATE KEY BLOCK-----***"
        );
        // A public block stays.
        let public = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF0";
        assert_eq!(m(public), public);
    }

    #[test]
    fn values_read_apart_from_their_key() {
        assert_eq!(mask_value("vm.db_password", "hunter2"), "***");
        assert_eq!(mask_value("vm.note", "password=hunter2"), "password=***");
        assert_eq!(mask_value("vm.swappiness", "60"), "60");
    }

    #[test]
    fn environment_and_config_assignments() {
        assert_eq!(m("PASSWORD=hunter2"), "PASSWORD=***");
        assert_eq!(m("\"DB_PASSWORD=hunter2\","), "\"DB_PASSWORD=***\",");
        assert_eq!(m("token=abc&user=x"), "token=***&user=x");
        assert_eq!(m("api_key: 12345"), "api_key: ***");
        assert_eq!(m("\"secret\": \"s3cr3t\""), "\"secret\": \"***\"");
        assert_eq!(
            m("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG"),
            "aws_secret_access_key = ***"
        );
        assert_eq!(m("MYSQL_PASS=x1"), "MYSQL_PASS=***");
        assert_eq!(m("GITHUB_TOKEN=ghp_abc"), "GITHUB_TOKEN=***");
    }

    #[test]
    fn secrets_inside_quoted_log_fields() {
        assert_eq!(
            m(r#"level=error msg="login failed password=hunter2 user=x""#),
            r#"level=error msg="login failed password=*** user=x""#
        );
        assert_eq!(
            m(r#"msg="start" args="[\"--password\" \"hunter2\"]""#),
            r#"msg="start" args="[\"--password\" \"***\"]""#
        );
        assert_eq!(
            m(r#"error="exec: password=\"hunter2\" failed""#),
            r#"error="exec: password=\"***\" failed""#
        );
    }

    #[test]
    fn authorization_headers_and_bearer_tokens() {
        assert_eq!(
            m("GET /v2/ Authorization: Bearer abc.def.ghi"),
            "GET /v2/ Authorization: Bearer ***"
        );
        assert_eq!(
            m(r#"{"authorization": "Basic dXNlcjpwYXNz"}"#),
            r#"{"authorization": "Basic ***"}"#
        );
        assert_eq!(m("curl -H 'Bearer eyJhbGciOi.x.y'"), "curl -H 'Bearer ***'");
    }

    #[test]
    fn url_credentials() {
        assert_eq!(
            m("pulling https://ci:hunter2@registry.example.com/v2/"),
            "pulling https://ci:***@registry.example.com/v2/"
        );
        assert_eq!(
            m("mongodb://app:pw@10.0.0.5:27017/db"),
            "mongodb://app:***@10.0.0.5:27017/db"
        );
        assert_eq!(m("https://example.com/a:b"), "https://example.com/a:b");
    }

    #[test]
    fn pem_private_key_blocks() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabcd\n-----END RSA PRIVATE KEY-----\nnext";
        assert_eq!(
            m(pem),
            "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----\nnext"
        );
        assert_eq!(
            m("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk"),
            "-----BEGIN OPENSSH PRIVATE KEY-----***"
        );
        // Certificates are public.
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert_eq!(m(cert), cert);
    }

    #[test]
    fn random_values_after_key_and_token() {
        assert_eq!(
            m("using key 8f14e45fceea167a5a36dedd4bea2543"),
            "using key ***"
        );
        assert_eq!(m("ssh_key=AAAAB3NzaC1yc2EAAAADAQAB"), "ssh_key=***");
        // Words after `key` are not secrets.
        assert_eq!(
            m("Key type dns_resolver registered"),
            "Key type dns_resolver registered"
        );
        assert_eq!(m("key=value"), "key=value");
        assert_eq!(
            m("sort key created_at_timestamp"),
            "sort key created_at_timestamp"
        );
    }

    #[test]
    fn ordinary_log_text_is_left_alone() {
        for line in [
            "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0",
            "Node 0 Normal free:95232kB min:55536kB low:69420kB high:83304kB active_anon:4322056kB",
            "loading tokenizer=bpe tokenizers: 3 max_tokens=4096",
            "Jan 23 20:10:01 beta_004 dockerd: time=\"2018-01-23T20:10:01.281604778+08:00\" level=error msg=\"nsenter: failed to unshare namespaces: Cannot allocate memory\" module=containerd",
            "kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12",
            "open /etc/passwd: permission denied",
            "bypass=1 compass: north",
            "test pass: 3",
            "com.docker.swarm.task.name=crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u",
            "\"Error\": \"oci runtime error: container_linux.go:262: starting container process caused\"",
            "sync; echo 3 > /proc/sys/vm/drop_caches",
        ] {
            assert_eq!(m(line), line);
        }
    }

    #[test]
    fn masking_is_idempotent() {
        for line in [
            "--password=xyz PASSWORD=a token=b Authorization: Bearer c.d.e https://u:p@h/",
            "mysql -p hunter2",
            "key 8f14e45fceea167a5a36dedd4bea2543",
        ] {
            let once = m(line);
            assert_eq!(m(&once), once);
            assert!(once.contains(MASK));
        }
    }

    #[test]
    fn args_mask_the_value_after_a_secret_flag() {
        let args: Vec<String> = [
            "app",
            "--password",
            "hunter2",
            "--port",
            "80",
            "--token=abc",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            mask_args(&args),
            ["app", "--password", "***", "--port", "80", "--token=***"]
        );
        let mysql: Vec<String> = ["/usr/bin/mysql", "-u", "root", "-p", "hunter2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            mask_args(&mysql),
            ["/usr/bin/mysql", "-u", "root", "-p", "***"]
        );
        let java: Vec<String> = ["java", "-jar", "/app/crm-api.jar"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(mask_args(&java), java);
    }

    #[test]
    fn random_looking() {
        assert!(looks_random("8f14e45fceea167a5a36dedd4bea2543"));
        assert!(!looks_random("created_at_timestamp"));
        assert!(!looks_random("short1"));
        assert!(!looks_random("1111111111111111111a"));
    }

    #[test]
    fn words_in_any_case() {
        assert!(contains_any_case("Authorization: x", &["authorization"]));
        assert!(contains_any_case("run MYSQLDUMP -p", PASSWORD_TOOLS));
        assert!(!contains_any_case("bear", &["bearer"]));
        assert!(!contains_any_case("", &["key"]));
    }

    proptest::proptest! {
        /// Words are found where a comparison at every byte finds them.
        #[test]
        fn words_are_found_as_at_every_byte(s in "(k|K|e|E|y|Y|t|o|n|ke|\u{e9}| ){0,16}") {
            let words = ["key", "token", "k"];
            for count in 0..=words.len() {
                let words = &words[..count];
                let at_every_byte = words.iter().any(|w| {
                    s.as_bytes()
                        .windows(w.len())
                        .any(|window| window.eq_ignore_ascii_case(w.as_bytes()))
                });
                proptest::prop_assert_eq!(contains_any_case(&s, words), at_every_byte);
            }
        }
    }
}
