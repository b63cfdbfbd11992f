//! Container runtime versions: `docker version`, `docker info`, `podman version`,
//! `runc --version`, `containerd --version`, `crictl version`.
//!
//! Which runc a node runs decides whether a memory limit switched on kernel-memory accounting
//! (runc 1.0.0-rc3 to rc93 do it for every cgroup v1 container with a limit), so the analysis
//! needs the versions, and they arrive in several shapes:
//!
//! ```text
//! runc version 1.0.0-rc3            docker version            docker info
//! commit: 992a5be...                Client:                   Server Version: 17.06.2-ce
//! spec: 1.0.0-rc5                    Version:      17.06.2-ce runc version: 810190c...
//!                                   Server:                   containerd version: cfb82a8...
//! containerd github.com/...         Engine:
//!   containerd v1.6.21 3dce8eb...     Version:    20.10.7
//!                                    runc:
//!                                     Version:    1.0.0-rc95
//!                                     GitCommit:  b9ee9c6
//! ```

use crate::facts::{Line, RuntimeVersion, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::Parsed;
use crate::sources::sniff::sniff_regex;
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Parse any of the version outputs above; one record per component found.
pub fn parse(text: &str) -> Parsed<Vec<RuntimeVersion>> {
    let mut out: Vec<RuntimeVersion> = Vec::new();
    let mut warnings = Vec::new();
    // `docker version` sections: the component the next `Version:` belongs to.
    let mut section: Option<String> = None;
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let l = clean(raw);
        let l = l.as_ref();
        if l.is_empty() {
            continue;
        }
        let line = Line::new(no, raw);
        // `runc version 1.0.0-rc3` / `runc version spec: 1.0.0-rc2-dev` (runc of 2016).
        if let Some(rest) = l.strip_prefix("runc version ") {
            let v = rest.trim();
            let version = (!v.starts_with("spec")).then(|| v.to_string());
            out.push(RuntimeVersion {
                component: "runc".into(),
                version,
                commit: None,
                line,
            });
            section = Some("runc".into());
            continue;
        }
        // `containerd github.com/containerd/containerd v1.6.21 3dce8eb...`
        if let Some(rest) = l.strip_prefix("containerd ") {
            let words: Vec<&str> = fields(rest).collect();
            if let Some(v) = words.iter().find(|w| is_version(w)) {
                let commit = words
                    .iter()
                    .skip_while(|w| *w != v)
                    .nth(1)
                    .map(|c| c.to_string());
                out.push(RuntimeVersion {
                    component: "containerd".into(),
                    version: Some(v.trim_start_matches('v').to_string()),
                    commit,
                    line,
                });
                continue;
            }
        }
        if let Some(c) = l.strip_prefix("commit:") {
            if let Some(last) = out.last_mut().filter(|r| r.commit.is_none()) {
                last.commit = Some(c.trim().to_string());
            }
            continue;
        }
        let Some((key, value)) = l.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        // Section headers of `docker version` / `podman version`.
        if value.is_empty() || key == "Server" || key == "Client" {
            section = match key {
                "Client" => Some("docker-client".into()),
                "Server" | "Engine" => Some("docker-engine".into()),
                "containerd" => Some("containerd".into()),
                "runc" => Some("runc".into()),
                "docker-init" => Some("docker-init".into()),
                _ => section,
            };
            continue;
        }
        match key {
            "Version" => {
                if let Some(component) = &section {
                    // `Server:` of old docker (17.03) has its Version directly under it.
                    out.push(RuntimeVersion {
                        component: component.clone(),
                        version: Some(value.to_string()),
                        commit: None,
                        line,
                    });
                } else {
                    out.push(RuntimeVersion {
                        component: "podman".into(),
                        version: Some(value.to_string()),
                        commit: None,
                        line,
                    });
                }
            }
            "GitCommit" | "Git commit" => {
                if let Some(last) = out.last_mut().filter(|r| r.commit.is_none()) {
                    last.commit = Some(value.to_string());
                }
            }
            // `docker info`.
            "Server Version" => out.push(RuntimeVersion {
                component: "docker-engine".into(),
                version: Some(value.to_string()),
                commit: None,
                line,
            }),
            "runc version" | "containerd version" | "init version" => {
                let component = match key {
                    "runc version" => "runc",
                    "containerd version" => "containerd",
                    _ => "docker-init",
                };
                // `810190ceaa507aa2727d7ae6f4790c76ec150bd2` (a commit) or
                // `v1.1.12-0-g51d5e94` (a described version).
                let (version, commit) = if value.starts_with('v') || value.contains('.') {
                    let v = value.trim_start_matches('v');
                    (Some(v.split("-0-g").next().unwrap_or(v).to_string()), None)
                } else {
                    (
                        None,
                        Some(value.split_whitespace().next().unwrap_or(value).to_string()),
                    )
                };
                out.push(RuntimeVersion {
                    component: component.into(),
                    version,
                    commit,
                    line,
                });
            }
            "RuntimeVersion" if section.is_none() => out.push(RuntimeVersion {
                component: "crictl-runtime".into(),
                version: Some(value.to_string()),
                commit: None,
                line,
            }),
            _ => {}
        }
    }
    if out.is_empty() && !text.trim().is_empty() {
        warnings.push(Warning::file("no runtime version found in this output"));
    }
    Parsed::new(out, warnings)
}

fn is_version(word: &str) -> bool {
    let w = word.trim_start_matches('v');
    w.split('.').count() >= 2 && w.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// `docker version`, `docker info`, `runc --version`, `containerd --version` and kin.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::RuntimeVersion,
    paths: Paths {
        sosreport: &[
            "sos_commands/docker/docker_version*",
            "sos_commands/docker/docker_info*",
            "sos_commands/podman/podman_version*",
            "sos_commands/podman/podman_info*",
        ],
        collector: &[
            "docker/version*",
            "docker/info*",
            "podman/version*",
            "podman/info*",
            "cri/version*",
            "runc-version.txt",
            "containerd-version.txt",
        ],
        supportconfig: &["docker version*", "docker info*", "runc --version*"],
        plain: &[
            "runc-version*",
            "runc_version*",
            "runc_--version*",
            "containerd-version*",
            "containerd_--version*",
            "docker-version*",
            "docker_version*",
            "docker-info*",
            "docker_info*",
            "podman-version*",
            "podman_version*",
            "podman-info*",
            "podman_info*",
        ],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_list(
            &mut facts.runtime_versions,
            path,
            parse(&String::from_utf8_lossy(bytes)),
        )
    }),
};

sniff_regex!(RUNC_VERSION, r"^runc version \S+");
sniff_regex!(CONTAINERD_VERSION, r"^containerd \S+ v?[0-9]+\.[0-9]+");

fn sniff(head: &Head<'_>) -> Option<Strength> {
    let first = head.first()?;
    if RUNC_VERSION.is_match(first)
        || CONTAINERD_VERSION.is_match(first)
        || (first == "Client:" && head.lines().any(|l| l.starts_with("Version:")))
        || head.lines().any(|l| l.starts_with("Server Version:"))
    {
        return Some(Strength::Strong);
    }
    head.lines()
        .any(|l| l.contains("Version:") || l.contains(" version "))
        .then_some(Strength::Plausible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(text: &str) -> Vec<(String, Option<String>, Option<String>)> {
        parse(text)
            .value
            .into_iter()
            .map(|r| (r.component, r.version, r.commit))
            .collect()
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn runc_of_2017() {
        let v = versions("runc version 1.0.0-rc3\ncommit: 992a5be178a62e026f4069f443c6164912adbf09\nspec: 1.0.0-rc5\n");
        assert_eq!(
            v,
            vec![(
                "runc".into(),
                s("1.0.0-rc3"),
                s("992a5be178a62e026f4069f443c6164912adbf09")
            )]
        );
    }

    #[test]
    fn containerd() {
        let v = versions("containerd github.com/containerd/containerd v1.6.21 3dce8eb055cbb6872793272b4f20ed16117344f8\n");
        assert_eq!(
            v,
            vec![(
                "containerd".into(),
                s("1.6.21"),
                s("3dce8eb055cbb6872793272b4f20ed16117344f8")
            )]
        );
    }

    #[test]
    fn docker_version_with_components() {
        let text = "Client: Docker Engine - Community\n Version:           20.10.7\n API version:       1.41\n Git commit:        f0df350\n\nServer: Docker Engine - Community\n Engine:\n  Version:          20.10.7\n  Git commit:       b0f5bc3\n containerd:\n  Version:          1.4.6\n  GitCommit:        d71fcd7d8303cbf684402823e425e9dd2e99285d\n runc:\n  Version:          1.0.0-rc95\n  GitCommit:        b9ee9c6314599f1b4a7f497e1f1f856fe433d3b7\n docker-init:\n  Version:          0.19.0\n";
        let v = versions(text);
        let comp: Vec<&str> = v.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            comp,
            [
                "docker-client",
                "docker-engine",
                "containerd",
                "runc",
                "docker-init"
            ]
        );
        assert_eq!(v[3].1, s("1.0.0-rc95"));
        assert_eq!(v[3].2, s("b9ee9c6314599f1b4a7f497e1f1f856fe433d3b7"));
    }

    #[test]
    fn old_docker_version_and_info() {
        let v = versions("Client:\n Version:      17.03.2-ce\n API version:  1.27\n\nServer:\n Version:      17.03.2-ce\n");
        assert_eq!(v.len(), 2);
        assert_eq!(v[1], ("docker-engine".into(), s("17.03.2-ce"), None));
        let v = versions("Containers: 12\n Running: 3\nServer Version: 17.06.2-ce\nrunc version: 810190ceaa507aa2727d7ae6f4790c76ec150bd2\ncontainerd version: v1.6.21\n");
        assert_eq!(v[0], ("docker-engine".into(), s("17.06.2-ce"), None));
        assert_eq!(
            v[1],
            (
                "runc".into(),
                None,
                s("810190ceaa507aa2727d7ae6f4790c76ec150bd2")
            )
        );
        assert_eq!(v[2], ("containerd".into(), s("1.6.21"), None));
    }

    #[test]
    fn nothing_readable_warns() {
        let p = parse("Cannot connect to the Docker daemon\n");
        assert!(p.value.is_empty());
        assert_eq!(p.warnings.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "(runc version |containerd |Client:|Server:| Version: |commit:|GitCommit:|[a-z0-9.:-]{1,8}|\n| ){0,40}") {
            let _ = parse(&text);
        }
    }
}
