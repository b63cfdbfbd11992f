//! Secrets never reach a report, in any format, with or without `--redact`; with `--redact` the
//! host, its addresses, its containers and its private registry do not either.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::util::{postmortem, repo};

const FORMATS: [&str; 3] = ["md", "html", "json"];

fn report(bundle: &Path, format: &str, redact: bool) -> String {
    let mut cmd = postmortem();
    cmd.args(["report", "--format", format]).arg(bundle);
    if redact {
        cmd.arg("--redact");
    }
    let out = cmd.output().expect("run postmortem");
    assert!(
        out.status.success(),
        "postmortem report {} --format {format} failed: {}",
        bundle.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the report is UTF-8")
}

fn seed() -> std::path::PathBuf {
    repo().join("samples/seed-runc-unshare-enomem")
}

/// What identifies the seed's customer, as the bundle writes it (and as HTML escapes nothing of
/// it: none of these has a character HTML would escape).
const SEED_IDENTITIES: &[&str] = &[
    "beta_004",
    "crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u",
    "crm_api.2.w2e8r4t6y1u3i5o7p9a0s2d4f",
    "crm_api",
    "registry-vpc.cn-hangzhou.aliyuncs.com",
    "aliyuncs",
    "acme/crm-api",
];

#[test]
fn the_seed_report_names_its_host_and_containers_without_redact() {
    // The check below can fail: these names are in the report unless it is redacted.
    for format in FORMATS {
        let text = report(&seed(), format, false);
        for name in [
            "beta_004",
            "crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u",
            "aliyuncs",
        ] {
            assert!(text.contains(name), "{format}: {name} expected");
        }
    }
}

#[test]
fn the_redacted_seed_report_names_no_host_container_or_registry() {
    for format in FORMATS {
        let text = report(&seed(), format, true);
        for name in SEED_IDENTITIES {
            assert!(!text.contains(name), "{format}: {name} leaked");
        }
        for placeholder in ["host-1", "container-1", "container-2", "registry-1/image-1"] {
            assert!(
                text.contains(placeholder),
                "{format}: {placeholder} missing"
            );
        }
    }
    let json: Value = serde_json::from_str(&report(&seed(), "json", true)).expect("JSON");
    assert_eq!(json["bundle"]["redacted"], true);
    assert_eq!(json["bundle"]["hostname"], "host-1");
    // The failing container keeps one placeholder across the report: the start failure's
    // title and its row of the containers' details. (The Swarm task stopped before it is told
    // first, among the other incidents, and is `container-1`.)
    let failed = json["details"]["containers"][0]["name"]
        .as_str()
        .expect("the failed container's name");
    assert_eq!(failed, "container-2");
    let start_failure = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == "container.start-failure")
        .expect("the start failure");
    assert!(
        start_failure["title"]
            .as_str()
            .is_some_and(|t| t.contains(failed)),
        "{start_failure}"
    );
    assert!(report(&seed(), "md", true).contains("- **Redacted:** "));
    assert!(report(&seed(), "html", true).contains("<dt>Redacted</dt>"));
}

#[test]
fn unredacted_reports_do_not_say_redacted() {
    let json: Value = serde_json::from_str(&report(&seed(), "json", false)).expect("JSON");
    assert!(json["bundle"].get("redacted").is_none());
    assert!(!report(&seed(), "md", false).contains("Redacted"));
}

#[test]
fn redacted_reports_are_byte_identical_across_runs() {
    for format in FORMATS {
        assert_eq!(
            report(&seed(), format, true),
            report(&seed(), format, true),
            "{format}"
        );
    }
}

/// Copy of the seed with secrets and addresses planted where the report quotes the bundle: the
/// container's environment, arguments and start error, and a daemon error line of the syslog.
fn bundle_with_secrets(root: &Path) {
    for entry in walk(&seed()) {
        let rel = entry.strip_prefix(seed()).expect("inside the sample");
        let to = root.join(rel);
        fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        fs::copy(&entry, &to).expect("copy");
    }
    let inspect_path = root.join("docker-inspect.json");
    let inspect = fs::read_to_string(&inspect_path).expect("inspect");
    let inspect = inspect
        .replacen(
            "\"SPRING_PROFILES_ACTIVE=prod\",",
            "\"SPRING_PROFILES_ACTIVE=prod\",\n                \"DB_PASSWORD=hunter2\",",
            1,
        )
        .replacen(
            "\"Args\": [\n            \"java\",",
            "\"Args\": [\n            \"--password=hunter2\",\n            \"java\",",
            1,
        )
        .replacen(
            "\"Error\": \"oci runtime error:",
            "\"Error\": \"exec --password=hunter2: oci runtime error:",
            1,
        );
    assert_eq!(inspect.matches("hunter2").count(), 3, "secrets planted");
    fs::write(&inspect_path, inspect).expect("write inspect");
    let messages_path = root.join("messages");
    let messages = fs::read_to_string(&messages_path).expect("messages");
    let planted =
        "msg=\"nsenter: failed to unshare namespaces: Cannot allocate memory\" module=containerd";
    assert!(messages.contains(planted));
    let messages = messages.replacen(
        planted,
        &format!("{planted} peer=10.0.2.7 gw=fe80::42:aff:fe00:207 mac=02:42:0a:00:02:07 header=\"Authorization: Bearer abc.def.ghi\""),
        1,
    );
    fs::write(&messages_path, messages).expect("write messages");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn secrets_never_reach_a_report_with_or_without_redact() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("bundle");
    bundle_with_secrets(&root);
    for redact in [false, true] {
        for format in FORMATS {
            let text = report(&root, format, redact);
            for secret in ["hunter2", "abc.def.ghi"] {
                assert!(
                    !text.contains(secret),
                    "{format} (redact {redact}): {secret} leaked"
                );
            }
            // The lines that held them are in the report, masked.
            assert!(
                text.contains("Bearer ***"),
                "{format} (redact {redact}): the daemon line is quoted"
            );
            assert!(
                text.contains("--password=***"),
                "{format} (redact {redact}): the start error is quoted"
            );
        }
    }
    let json: Value = serde_json::from_str(&report(&root, "json", false)).expect("JSON");
    let masked: Vec<&Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["evidence"].as_array().expect("evidence"))
        .filter(|e| e["masked"] == true)
        .collect();
    assert!(
        masked
            .iter()
            .any(|e| e["path"] == "messages" && e["line"] == 69),
        "the daemon line is marked masked: {masked:?}"
    );
    assert!(
        masked
            .iter()
            .all(|e| e["text"].as_str().is_some_and(|t| t.contains("***"))),
        "{masked:?}"
    );
    crate::report_contract::assert_evidence_quotes_the_bundle(&root, &json);
}

#[test]
fn redact_replaces_addresses_where_the_report_quotes_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("bundle");
    bundle_with_secrets(&root);
    let plain = report(&root, "md", false);
    for address in ["10.0.2.7", "fe80::42:aff:fe00:207", "02:42:0a:00:02:07"] {
        assert!(plain.contains(address), "{address} is quoted unredacted");
    }
    for format in FORMATS {
        let text = report(&root, format, true);
        for address in ["10.0.2.7", "fe80::42:aff:fe00:207", "02:42:0a:00:02:07"] {
            assert!(!text.contains(address), "{format}: {address} leaked");
        }
        for placeholder in ["peer=ip-1", "gw=ip6-1", "mac=mac-1"] {
            assert!(
                text.contains(placeholder),
                "{format}: {placeholder} missing"
            );
        }
    }
}

#[test]
fn container_facts_keep_no_environment_value_and_mask_arguments() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("bundle");
    bundle_with_secrets(&root);
    let out = postmortem()
        .args(["inspect", "--facts"])
        .arg(&root)
        .output()
        .expect("run postmortem");
    assert!(out.status.success());
    let facts: Value = serde_json::from_slice(&out.stdout).expect("facts are JSON");
    let container = &facts["containers"][0]["value"];
    let env: Vec<&str> = container["env_names"]
        .as_array()
        .expect("env names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(env.contains(&"DB_PASSWORD"), "{env:?}");
    let command: Vec<&str> = container["command"]
        .as_array()
        .expect("command")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        command,
        [
            "/docker-entrypoint.sh",
            "--password=***",
            "java",
            "-jar",
            "/app/crm-api.jar"
        ]
    );
    assert!(!container["env_names"].to_string().contains("hunter2"));
}
