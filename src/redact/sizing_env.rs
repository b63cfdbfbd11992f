//! The environment variables whose values a report may quote: a runtime's own memory sizing.
//!
//! Environment values are dropped by the inspect parsers, since they hold passwords and tokens.
//! The variables listed here size a runtime's memory (a JVM's heap, Node.js's old space, Go's
//! soft limit), which is what explains many memory-cgroup OOM kills: their values are kept,
//! still masked like any other bundle text, so `JAVA_OPTS=-Xmx768m
//! -Djavax.net.ssl.keyStorePassword=x` keeps `-Xmx768m` and masks the password. The list is
//! documented in `docs/redaction.md`; a variable not on it keeps only its name.

use super::secrets::mask_text;

/// The sizing variables whose values are kept, by exact name.
pub const SIZING_ENV: &[&str] = &[
    "JAVA_OPTS",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CATALINA_OPTS",
    "ES_JAVA_OPTS",
    "LS_JAVA_OPTS",
    "KAFKA_HEAP_OPTS",
    "NODE_OPTIONS",
    "GOMEMLIMIT",
    "GOGC",
    "GUNICORN_CMD_ARGS",
    "WEB_CONCURRENCY",
    "MALLOC_ARENA_MAX",
];

/// The `NAME=value` entries of an environment whose name is a sizing variable, masked.
pub fn sizing_env(entries: &[String]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| {
            e.split_once('=')
                .is_some_and(|(name, _)| SIZING_ENV.contains(&name))
        })
        .map(|e| mask_text(&mask_properties(e)))
        .collect()
}

/// Words of a system property's name (`-Djavax.net.ssl.keyStorePassword`) that make its value
/// a secret. The property names are camel case, which the general masking does not split.
const SECRET_PROPERTY_WORDS: &[&str] = &["password", "passwd", "secret", "token", "credential"];

/// `-Dname=value` options whose name holds a secret word, with the value masked.
fn mask_properties(entry: &str) -> String {
    let Some((variable, value)) = entry.split_once('=') else {
        return entry.to_string();
    };
    let value = value
        .split(' ')
        .map(|word| match word.split_once('=') {
            Some((name, _))
                if name.contains("-D")
                    && SECRET_PROPERTY_WORDS
                        .iter()
                        .any(|w| name.to_ascii_lowercase().contains(w)) =>
            {
                format!("{name}={}", super::MASK)
            }
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!("{variable}={value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sizing_values_masked_and_drops_the_rest() {
        let env: Vec<String> = [
            "JAVA_OPTS=-Xmx768m -Djavax.net.ssl.keyStorePassword=hunter2",
            "JAVA_TOOL_OPTIONS=-Dapp.apiToken=abc -XX:MaxRAMPercentage=75",
            "DB_PASSWORD=hunter2",
            "GOMEMLIMIT=400MiB",
            "PATH=/usr/bin",
            "NODE_OPTIONS_EXTRA=--max-old-space-size=1",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            sizing_env(&env),
            [
                "JAVA_OPTS=-Xmx768m -Djavax.net.ssl.keyStorePassword=***",
                "JAVA_TOOL_OPTIONS=-Dapp.apiToken=*** -XX:MaxRAMPercentage=75",
                "GOMEMLIMIT=400MiB"
            ]
        );
    }
}
