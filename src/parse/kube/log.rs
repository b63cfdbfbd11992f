//! What a kubelet or CRI runtime log message says happened to a pod or a container.
//!
//! The message is read after its framing and its klog or logrus header are taken off
//! ([`crate::parse::daemon_log`]). Two generations of kubelet messages are read:
//! - structured klog (1.21+): a quoted message then `key=value` pairs,
//!   `"Killing container with a grace period" pod="default/nginx" podUID=...
//!   containerName="nginx" containerID="containerd://..." gracePeriod=30`;
//! - the older free text: `Killing container "docker://<id>" with 30 second grace period`,
//!   `Liveness probe for "<pod>_<ns>(<uid>):<container>" failed (failure): ...`,
//!   `eviction manager: pods <pod>_<ns>(<uid>) evicted successfully`,
//!   `Failed to admit pod <pod>_<ns>(<uid>) - node has conditions: [MemoryPressure]`.
//!
//! containerd's CRI plugin says `TaskOOM event container_id:"<id>"` and `StopContainer for
//! "<id>" with timeout 30 (s)`. dockerd says `Container failed to exit within 10s of signal 15 -
//! using the force` (20.10+, the id in its `container=` field) or `Container <id> failed to exit
//! within 10 seconds of signal 15 - using the force` (older), and `Processing signal
//! 'terminated'` when it is told to stop. A message none of these is `None`: most of a kubelet
//! log says nothing of a pod's fate.

use std::collections::BTreeMap;

use crate::facts::{KubeAction, KubeLogEvent};
use crate::parse::daemon_log::{logfmt_pairs, unquote_go};

/// Read `message` (a klog or logrus message, without its header).
pub fn read(message: &str) -> Option<KubeLogEvent> {
    let m = message.trim();
    if let Some(quoted) = m.strip_prefix('"') {
        let (msg, tail) = unquote_go(quoted);
        let pairs: BTreeMap<String, String> = logfmt_pairs(tail).into_iter().collect();
        return structured(&msg, &pairs);
    }
    free_text(m)
}

/// A structured klog message `msg` with its `pairs`.
fn structured(msg: &str, pairs: &BTreeMap<String, String>) -> Option<KubeLogEvent> {
    let get = |k: &str| pairs.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let action = if msg.starts_with("Killing container with a grace period") {
        KubeAction::Killing {
            grace_seconds: get("gracePeriod").and_then(|g| g.parse().ok()),
        }
    } else if msg == "Probe failed" {
        KubeAction::ProbeFailed {
            probe: get("probeType").unwrap_or("").to_string(),
        }
    } else if msg == "Message for Container of pod"
        && get("containerMessage").is_some_and(|c| c.contains("failed liveness probe"))
    {
        KubeAction::LivenessRestart
    } else if msg.contains("pod is evicted successfully") {
        KubeAction::Evicted
    } else if msg.starts_with("Eviction manager: attempting to reclaim") {
        KubeAction::EvictionReclaim {
            resource: get("resourceName").unwrap_or("").to_string(),
        }
    } else if msg == "Error syncing pod, skipping" {
        // err="failed to \"StartContainer\" for \"X\" with CrashLoopBackOff: \"back-off 5m0s
        // restarting failed container=X pod=Y_NS(UID)\"": the names are the pairs' too.
        let mut event = back_off(get("err")?)?;
        if let Some(pod) = get("pod") {
            let (ns, name) = split_pod(pod);
            event.namespace = ns.map(str::to_string);
            event.pod = Some(name.to_string());
        }
        if let Some(uid) = get("podUID") {
            event.pod_uid = Some(uid.to_string());
        }
        return Some(event);
    } else {
        return None;
    };
    let mut event = KubeLogEvent::new(action);
    if let Some(pod) = get("pod") {
        let (ns, name) = split_pod(pod);
        event.namespace = ns.map(str::to_string);
        event.pod = Some(name.to_string());
    }
    event.pod_uid = get("podUID").map(str::to_string);
    event.container = get("containerName").map(str::to_string);
    event.container_id = get("containerID").map(|id| strip_scheme(id).to_string());
    event.detail = get("output").map(str::to_string);
    Some(event)
}

/// A restart held back: `back-off 5m0s restarting failed container=X pod=Y_NS(UID)`, wherever
/// it is in the text (the error of `Error syncing pod`, with its quotes escaped or not).
fn back_off(text: &str) -> Option<KubeLogEvent> {
    let at = text.find("restarting failed container=")?;
    let before = text[..at].trim_end();
    let delay = before
        .rsplit_once(['b', 'B'])
        .and_then(|(_, r)| r.strip_prefix("ack-off "))
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    let rest = &text[at + "restarting failed container=".len()..];
    let end = |s: &str| s.find([' ', '"', '\\']).unwrap_or(s.len());
    let container = &rest[..end(rest)];
    let mut event = KubeLogEvent::new(KubeAction::BackOff { delay });
    event.container = Some(container.to_string()).filter(|c| !c.is_empty());
    if let Some((_, pod)) = rest.split_once("pod=") {
        // `name_ns(uid)`: the uid's parenthesis closes it.
        let pod = match pod.find(')') {
            Some(close) => &pod[..=close],
            None => &pod[..end(pod)],
        };
        fill_old_pod(&mut event, pod);
    }
    Some(event)
}

/// An unstructured kubelet message, or a containerd CRI message.
fn free_text(m: &str) -> Option<KubeLogEvent> {
    if m.contains("CrashLoopBackOff") || m.contains("ack-off ") {
        if let Some(event) = back_off(m) {
            return Some(event);
        }
    }
    if let Some(rest) = m.strip_prefix("Killing container ") {
        // `"docker://<id>" with 30 second grace period`, `with id docker://<id>:Need to kill Pod`
        let id = quoted(rest).or_else(|| {
            rest.strip_prefix("with id ")
                .map(|r| r.split([':', ' ']).take(2).collect::<Vec<_>>().join(":"))
        });
        let grace = rest
            .split_once(" with ")
            .and_then(|(_, g)| g.split_whitespace().next())
            .and_then(|n| n.parse().ok());
        let mut event = KubeLogEvent::new(KubeAction::Killing {
            grace_seconds: grace,
        });
        event.container_id = id.map(|id| strip_scheme(&id).to_string());
        return Some(event);
    }
    for probe in ["Liveness", "Readiness", "Startup"] {
        let Some(rest) = m
            .strip_prefix(probe)
            .and_then(|r| r.strip_prefix(" probe for "))
        else {
            continue;
        };
        if !rest.contains(" failed") {
            return None;
        }
        let mut event = KubeLogEvent::new(KubeAction::ProbeFailed {
            probe: probe.to_string(),
        });
        event.detail = rest
            .split_once("): ")
            .map(|(_, output)| output.trim().to_string())
            .filter(|o| !o.is_empty());
        if let Some(target) = quoted(rest) {
            // `<pod>_<ns>(<uid>):<container>`
            let (pod, container) = target.rsplit_once(':').unwrap_or((target.as_str(), ""));
            fill_old_pod(&mut event, pod);
            event.container = Some(container.to_string()).filter(|c| !c.is_empty());
        }
        return Some(event);
    }
    if let Some(rest) = m.strip_prefix("eviction manager: ") {
        if let Some(resource) = rest.strip_prefix("attempting to reclaim ") {
            return Some(KubeLogEvent::new(KubeAction::EvictionReclaim {
                resource: resource.trim().to_string(),
            }));
        }
        if let Some(pods) = rest.strip_suffix(" evicted successfully") {
            let pod = pods
                .trim_start_matches("pods ")
                .trim_start_matches("pod ")
                .trim();
            let mut event = KubeLogEvent::new(KubeAction::Evicted);
            fill_old_pod(&mut event, pod);
            return Some(event);
        }
        return None;
    }
    if let Some(rest) = m.strip_prefix("Failed to admit pod ") {
        let (pod, why) = rest.split_once(" - ")?;
        let conditions = why.split_once("conditions: ")?.1.trim();
        let mut event = KubeLogEvent::new(KubeAction::AdmitRejected {
            conditions: conditions.trim_matches(['[', ']']).to_string(),
        });
        fill_old_pod(&mut event, pod.trim());
        return Some(event);
    }
    if let Some(rest) = m.strip_prefix("TaskOOM event ") {
        // `container_id:"<id>"` (containerd 1.5+) or `&TaskOOM{ContainerID:<id>,...}`.
        let id = rest
            .strip_prefix("container_id:")
            .and_then(quoted)
            .or_else(|| {
                let after = rest.split_once("ContainerID:")?.1;
                Some(after.split([',', '}']).next()?.to_string())
            })?;
        let mut event = KubeLogEvent::new(KubeAction::RuntimeOom);
        event.container_id = Some(id);
        return Some(event);
    }
    if let Some(rest) = m.strip_prefix("Container ") {
        return forced_kill(rest);
    }
    if let Some(rest) = m.strip_prefix("Processing signal ") {
        let signal = rest.trim().trim_matches(['\'', '"']);
        return Some(KubeLogEvent::new(KubeAction::RuntimeShutdown {
            signal: signal.to_string(),
        }))
        .filter(|_| !signal.is_empty());
    }
    if let Some(rest) = m.strip_prefix("StopContainer for ") {
        let timeout = rest
            .split_once(" with timeout ")
            .and_then(|(_, t)| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())?;
        let mut event = KubeLogEvent::new(KubeAction::RuntimeStop {
            timeout_seconds: Some(timeout),
        });
        event.container_id = quoted(rest);
        return Some(event);
    }
    None
}

/// dockerd's kill of a container that outlived its stop signal, `rest` following `Container `:
/// `[<id> ]failed to exit within <10s|10 seconds> of signal 15 - using the force`, or docker
/// 1.x's `<id> failed to exit within 10 seconds of kill - trying direct SIGKILL`.
fn forced_kill(rest: &str) -> Option<KubeLogEvent> {
    let (id, after) = rest.split_once("failed to exit within ")?;
    let mut words = after.split_whitespace();
    let grace = words.next().and_then(|w| match w.parse::<u64>() {
        // `10 seconds`
        Ok(n) => Some(n),
        // `10s`, `1m0s`: a Go duration
        Err(_) => go_duration_seconds(w),
    });
    let signal = after
        .split_once("of signal ")
        .and_then(|(_, s)| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .or_else(|| after.contains("trying direct SIGKILL").then_some(15));
    let mut event = KubeLogEvent::new(KubeAction::RuntimeForcedKill {
        grace_seconds: grace,
        signal,
    });
    event.container_id = Some(id.trim().to_string()).filter(|id| !id.is_empty());
    Some(event)
}

/// Whole seconds of a Go duration such as `10s`, `1m30s`, `1h0m0s` (fractions dropped).
fn go_duration_seconds(d: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in d.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let whole: u64 = number.split('.').next()?.parse().ok()?;
        total = total.checked_add(whole.checked_mul(unit)?)?;
        number.clear();
    }
    number.is_empty().then_some(total)
}

/// The first Go-quoted string of `s`, unquoted.
fn quoted(s: &str) -> Option<String> {
    let (_, after) = s.split_once('"')?;
    let (value, _) = unquote_go(after);
    Some(value.into_owned()).filter(|v| !v.is_empty())
}

/// `namespace/name` as the two, the namespace absent when not given.
pub(crate) fn split_pod(pod: &str) -> (Option<&str>, &str) {
    match pod.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, pod),
    }
}

/// The older kubelet's pod form, `<name>_<namespace>(<uid>)`, into `event`.
fn fill_old_pod(event: &mut KubeLogEvent, pod: &str) {
    let (named, uid) = match pod.split_once('(') {
        Some((n, rest)) => (n, rest.strip_suffix(')')),
        None => (pod, None),
    };
    match named.rsplit_once('_') {
        Some((name, ns)) => {
            event.pod = Some(name.to_string());
            event.namespace = Some(ns.to_string());
        }
        None => event.pod = Some(named.to_string()).filter(|n| !n.is_empty()),
    }
    event.pod_uid = uid.map(str::to_string);
}

/// A container id without its `containerd://`, `cri-o://`, `docker://` scheme.
pub fn strip_scheme(id: &str) -> &str {
    id.split_once("://").map_or(id, |(_, id)| id).trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::daemon_log;
    use crate::parse::text::numbered_lines;

    /// The kube events of a sample log, as the daemon log parser files them.
    fn events(text: &str) -> Vec<KubeLogEvent> {
        daemon_log::parse(text)
            .records
            .into_iter()
            .filter_map(|r| r.kube)
            .collect()
    }

    use crate::parse::testing::text as sample;

    /// Both forms of the kubelet's back-off: structured klog's `Error syncing pod, skipping`
    /// and the older free text.
    #[test]
    fn crashloop_back_off_in_both_forms() {
        let text = sample("kubelet_log/composed-crashloop-backoff-old-and-structured.txt");
        let got = events(&text);
        assert_eq!(got.len(), 3, "{got:?}");
        let delays: Vec<Option<&str>> = got
            .iter()
            .map(|e| match &e.action {
                KubeAction::BackOff { delay } => delay.as_deref(),
                _ => Some("not a back-off"),
            })
            .collect();
        assert_eq!(delays, [Some("10s"), Some("20s"), Some("40s")]);
        for e in &got {
            assert_eq!(e.pod_label().as_deref(), Some("default/nginx"));
            assert_eq!(e.container.as_deref(), Some("nginx"));
            assert_eq!(
                e.pod_uid.as_deref(),
                Some("5931aa75-4603-4e65-b552-7c71cf55cfb5")
            );
        }
        // An image pull's back-off is not a restart's.
        assert_eq!(read("Back-off pulling image \"ubuntu:latest\""), None);
    }

    #[test]
    fn killing_with_a_grace_period_in_structured_klog() {
        let text = sample("kubelet_log/vijayrod-aks-syslog-pod-delete-killing-grace-period.txt");
        let got = events(&text);
        assert_eq!(got.len(), 1, "{got:?}");
        let e = &got[0];
        assert_eq!(
            e.action,
            KubeAction::Killing {
                grace_seconds: Some(30)
            }
        );
        assert_eq!(e.pod_label().as_deref(), Some("default/nginx"));
        assert_eq!(
            e.pod_uid.as_deref(),
            Some("5da5612b-9738-493c-af51-a213072997f6")
        );
        assert_eq!(e.container.as_deref(), Some("nginx"));
        assert_eq!(
            e.container_id.as_deref(),
            Some("c65a36d4090569f70b6badb5b6127ad773ebd7e5ce18d3872b8e93ee4fb52cab")
        );
    }

    #[test]
    fn eviction_in_structured_klog() {
        let text = sample("kubelet_log/vijayrod-aks-syslog-eviction-manager-memory.txt");
        let got = events(&text);
        let actions: Vec<&str> = got.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["killing", "evicted"]);
        assert_eq!(got[1].pod_label().as_deref(), Some("default/nginx"));
    }

    /// The klog messages of a sample, their headers taken off.
    fn messages(text: &str) -> Vec<String> {
        numbered_lines(text)
            .filter_map(|(_, line)| Some(line.split_once("] ")?.1.to_string()))
            .collect()
    }

    #[test]
    fn eviction_in_the_older_free_text() {
        let text = sample("kubelet_log/k8s-58541-journal-ru-locale-eviction-1.9.txt");
        // A journal in a Russian locale (`янв 20 00:20:07`), read whole by the daemon log
        // parser.
        let got = events(&text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0].action,
            KubeAction::AdmitRejected {
                conditions: "MemoryPressure".into()
            }
        );
        assert_eq!(
            got[0].pod_label().as_deref(),
            Some("kube-system/kube-proxy-bbrr6")
        );
        assert_eq!(
            got[0].pod_uid.as_deref(),
            Some("860629c4-fd5e-11e7-880c-6c626d3ed96f")
        );
        assert_eq!(
            got[1].action,
            KubeAction::EvictionReclaim {
                resource: "memory".into()
            }
        );
    }

    #[test]
    fn probe_successes_and_runs_are_not_events() {
        let text = sample("kubelet_log/k8s-106566-e2e-kubelet.log-structured-prober.txt");
        for m in messages(&text) {
            assert_eq!(read(&m), None, "{m}");
        }
    }

    #[test]
    fn probe_failures_old_and_new() {
        let new = read(
            r#""Probe failed" probeType="Liveness" pod="default/web-7d4b9c" podUID=0b7c2a54-3f1e-4a8b-9d6e-2f5a1c7e8b90 containerName="web" probeResult="failure" output="HTTP probe failed with statuscode: 500""#,
        );
        assert_eq!(
            new.map(|e| (e.action, e.container)),
            Some((
                KubeAction::ProbeFailed {
                    probe: "Liveness".into()
                },
                Some("web".into())
            ))
        );
        let old = read(
            r#"Liveness probe for "liveness-exec_default(7c1b2b8a-2f7a-11e8-b467-0ed5f89f718b):liveness" failed (failure): cat: can't open '/tmp/healthy': No such file or directory"#,
        );
        let old = old.expect("an old-style probe failure");
        assert_eq!(
            old.detail.as_deref(),
            Some("cat: can't open '/tmp/healthy': No such file or directory")
        );
        assert_eq!(old.pod_label().as_deref(), Some("default/liveness-exec"));
        assert_eq!(old.container.as_deref(), Some("liveness"));
    }

    #[test]
    fn containerd_oom_and_stop() {
        let text = sample("containerd_log/vijayrod-aks-syslog-container-lifecycle-grep.txt");
        let got = events(&text);
        let actions: Vec<&str> = got.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["killing", "runtime_stop"]);
        assert_eq!(
            got[1].action,
            KubeAction::RuntimeStop {
                timeout_seconds: Some(30)
            }
        );
        let oom = read(
            r#"TaskOOM event container_id:"25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca""#,
        )
        .expect("a TaskOOM event");
        assert_eq!(oom.action, KubeAction::RuntimeOom);
        assert_eq!(
            oom.container_id.as_deref(),
            Some("25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca")
        );
    }

    #[test]
    fn dockerd_forced_kills_and_shutdown() {
        // docker 20.10: the id in the `container=` field, the grace period a Go duration.
        let text = sample("recorded/docker-20.10-cgroup1-oom-and-start-failures/dockerd.log");
        let got = events(&text);
        let actions: Vec<&str> = got.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["runtime_shutdown", "runtime_forced_kill"]);
        assert_eq!(
            got[0].action,
            KubeAction::RuntimeShutdown {
                signal: "terminated".into()
            }
        );
        assert_eq!(
            got[1].action,
            KubeAction::RuntimeForcedKill {
                grace_seconds: Some(10),
                signal: Some(15)
            }
        );
        assert_eq!(
            got[1].container_id.as_deref(),
            Some("e83d4a00bbbed09d32af6d3160439e24abd00db77195852fe3fabc0b906e2f5f")
        );
        // docker 1.x-17.x: the short id in the message, the grace period in seconds.
        let old = read(
            "Container 5d1e0b9c7a3f failed to exit within 10 seconds of signal 15 - using the force",
        )
        .expect("a forced kill");
        assert_eq!(old.container_id.as_deref(), Some("5d1e0b9c7a3f"));
        assert_eq!(
            old.action,
            KubeAction::RuntimeForcedKill {
                grace_seconds: Some(10),
                signal: Some(15)
            }
        );
        assert_eq!(go_duration_seconds("1m30s"), Some(90));
        assert_eq!(go_duration_seconds("1.5s"), Some(1));
        assert_eq!(go_duration_seconds("10x"), None);
        assert_eq!(read("Container 5d1e0b9c7a3f started"), None);
    }
}
