//! Replacing what identifies a customer (host names, addresses, container and service names,
//! private registries) with stable placeholders, for reports that go into a public knowledge
//! base.
//!
//! Names come from the bundle's facts ([`Known`]); addresses are found by their shape. Each value
//! gets a placeholder of its class numbered in order of first appearance (`host-1`, `ip-2`), the
//! same value always the same placeholder within one report, so the story still reads: the
//! container that died is the one that was created.
//!
//! Container ids are kept, cut to docker's 12-character short form: they are random and say
//! nothing about the customer, and the short form still ties a timeline row to its evidence line
//! (only someone holding the customer's own logs can map them back). Every 64-hex-digit run is
//! cut the same way, which also shortens image digests and network ids.

use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::sync::LazyLock;

use regex::Regex;

use crate::facts::Facts;

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Host,
    Domain,
    Container,
    Service,
    Network,
    Registry,
    Image,
    Ip,
    Ip6,
    Mac,
}

impl Class {
    fn prefix(self) -> &'static str {
        match self {
            Class::Host => "host",
            Class::Domain => "domain",
            Class::Container => "container",
            Class::Service => "service",
            Class::Network => "network",
            Class::Registry => "registry",
            Class::Image => "image",
            Class::Ip => "ip",
            Class::Ip6 => "ip6",
            Class::Mac => "mac",
        }
    }
}

/// Names read from the bundle that identify the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub hosts: Vec<String>,
    pub containers: Vec<String>,
    /// Swarm services, compose projects and services, Kubernetes pods and namespaces.
    pub services: Vec<String>,
    pub networks: Vec<String>,
    /// Image references as written (`registry.example.com/acme/api:1.4@sha256:...`).
    pub images: Vec<String>,
}

/// Labels (and event attributes) whose value names a service, a project or a pod.
const SERVICE_LABELS: &[&str] = &[
    "com.docker.swarm.service.name",
    "com.docker.compose.project",
    "com.docker.compose.service",
    "com.docker.stack.namespace",
    "io.kubernetes.pod.name",
    "io.kubernetes.pod.namespace",
    "io.kubernetes.container.name",
];

/// Labels whose value names a container.
const CONTAINER_LABELS: &[&str] = &["com.docker.swarm.task.name", "name"];

/// Values that name nothing of the customer's: built-in networks and namespaces, loopback names.
const GENERIC_NAMES: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "(none)",
    "default",
    "kube-system",
    "bridge",
    "host",
    "none",
    "ingress",
    "docker_gwbridge",
    "docker0",
    "pod",
];

/// Registries anyone can pull from: their host names are not the customer's.
const PUBLIC_REGISTRIES: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "quay.io",
    "gcr.io",
    "ghcr.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "registry.access.redhat.com",
    "registry.redhat.io",
];

impl Known {
    /// The names in a bundle's facts.
    pub fn from_facts(facts: &Facts) -> Known {
        let mut k = Known::default();
        for h in &facts.hostname {
            k.hosts.push(h.value.text.trim().to_string());
        }
        for u in &facts.uname {
            k.hosts.extend(u.value.hostname.clone());
        }
        for log in &facts.kernel_logs {
            k.hosts.extend(log.value.hostnames.iter().cloned());
        }
        for m in &facts.manifest {
            k.hosts.extend(m.value.hostname.clone());
        }
        for c in &facts.containers {
            let c = &c.value;
            k.containers.extend(c.name.clone());
            k.images.extend(c.image.clone());
            k.take_labels(&c.labels);
        }
        for events in &facts.docker_events {
            for e in &events.value {
                if e.object_type == "network" {
                    k.networks
                        .extend(e.attributes.get("name").map(|n| n.to_string()));
                    continue;
                }
                k.images
                    .extend(e.attributes.get("image").map(|i| i.to_string()));
                k.take_labels(&e.attributes);
            }
        }
        for errors in &facts.runtime_errors {
            for e in &errors.value {
                if let Some(c) = &e.container {
                    if !is_hex_id(c) {
                        k.containers.push(c.clone());
                    }
                }
            }
        }
        k
    }

    /// Labels of a container, or attributes of an event (whose strings are shared).
    fn take_labels<K, V>(&mut self, labels: &BTreeMap<K, V>)
    where
        K: std::borrow::Borrow<str> + Ord,
        V: AsRef<str>,
    {
        for key in SERVICE_LABELS {
            self.services
                .extend(labels.get(*key).map(|v| v.as_ref().to_string()));
        }
        for key in CONTAINER_LABELS {
            self.containers
                .extend(labels.get(*key).map(|v| v.as_ref().to_string()));
        }
    }
}

fn is_hex_id(s: &str) -> bool {
    s.len() >= 12 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A name to look for in text, and what it stands for.
#[derive(Debug, Clone)]
struct Candidate {
    /// Lower case (matching ignores ASCII case).
    needle: String,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    /// One placeholder: `(class, identity)`; a host's short name shares its full name's identity.
    One(Class, String),
    /// An image repository: registry placeholder (when private) and image placeholder, or the
    /// registry host alone.
    Image {
        registry: Option<String>,
        path: String,
    },
}

/// Replaces identifying values with placeholders, numbering them as they are first met.
#[derive(Debug)]
pub struct Anonymizer {
    /// Longest first, so a container name wins over the service name inside it.
    candidates: Vec<Candidate>,
    assigned: BTreeMap<(Class, String), String>,
    counters: BTreeMap<Class, u32>,
}

impl Anonymizer {
    pub fn new(known: &Known) -> Anonymizer {
        let mut candidates = Vec::new();
        let mut add = |needle: &str, target: Target| {
            let needle = needle.trim().to_ascii_lowercase();
            if needle.chars().count() >= 3 && !GENERIC_NAMES.contains(&needle.as_str()) {
                candidates.push(Candidate { needle, target });
            }
        };
        for h in &known.hosts {
            let full = h.trim().to_ascii_lowercase();
            add(&full, Target::One(Class::Host, full.clone()));
            if let Some((short, domain)) = full.split_once('.') {
                // `web01.corp.example` is also `web01`, and its domain names the customer.
                if !short.bytes().all(|b| b.is_ascii_digit()) {
                    add(short, Target::One(Class::Host, full.clone()));
                    add(domain, Target::One(Class::Domain, domain.to_string()));
                }
            }
        }
        for c in &known.containers {
            let name = c.trim().trim_start_matches('/').to_ascii_lowercase();
            if !is_hex_id(&name) {
                add(&name, Target::One(Class::Container, name.clone()));
            }
        }
        for s in &known.services {
            let s = s.trim().to_ascii_lowercase();
            add(&s, Target::One(Class::Service, s.clone()));
        }
        for n in &known.networks {
            let n = n.trim().to_ascii_lowercase();
            add(&n, Target::One(Class::Network, n.clone()));
        }
        for image in &known.images {
            let Some((registry, path)) = split_image(image) else {
                continue;
            };
            let registry = registry.filter(|r| !PUBLIC_REGISTRIES.contains(&r.as_str()));
            let official = path.starts_with("library/") || !path.contains('/');
            match (&registry, official) {
                // A public image keeps its name: it helps the diagnosis and names no one.
                (None, true) => continue,
                (Some(r), _) => {
                    add(
                        &format!("{r}/{path}"),
                        Target::Image {
                            registry: Some(r.clone()),
                            path: path.clone(),
                        },
                    );
                    add(
                        r,
                        Target::Image {
                            registry: Some(r.clone()),
                            path: String::new(),
                        },
                    );
                }
                (None, false) => {}
            }
            if !official {
                add(
                    &path,
                    Target::Image {
                        registry: None,
                        path: path.clone(),
                    },
                );
            }
        }
        candidates.sort_by(|a, b| {
            b.needle
                .len()
                .cmp(&a.needle.len())
                .then_with(|| a.needle.cmp(&b.needle))
        });
        candidates.dedup_by(|a, b| a.needle == b.needle);
        Anonymizer {
            candidates,
            assigned: BTreeMap::new(),
            counters: BTreeMap::new(),
        }
    }

    fn placeholder(&mut self, class: Class, identity: &str) -> String {
        let key = (class, identity.to_string());
        if let Some(p) = self.assigned.get(&key) {
            return p.clone();
        }
        let n = self.counters.entry(class).or_insert(0);
        *n = n.saturating_add(1);
        let p = format!("{}-{n}", class.prefix());
        self.assigned.insert(key, p.clone());
        p
    }

    fn replacement(&mut self, target: &Target) -> String {
        match target {
            Target::One(class, identity) => self.placeholder(*class, identity),
            Target::Image { registry, path } => {
                let registry = registry
                    .as_ref()
                    .map(|r| self.placeholder(Class::Registry, r));
                let image = (!path.is_empty()).then(|| self.placeholder(Class::Image, path));
                match (registry, image) {
                    (Some(r), Some(i)) => format!("{r}/{i}"),
                    (Some(r), None) => r,
                    (None, Some(i)) => i,
                    (None, None) => String::new(),
                }
            }
        }
    }

    /// The text with every identifying value replaced.
    pub fn anonymize(&mut self, text: &str) -> String {
        let s = self.replace_known(text);
        let s = self.replace_pattern(&s, &MAC, Class::Mac, |m| {
            !m.split([':', '-']).all(|g| g == "00")
        });
        let s = self.replace_pattern(&s, &IPV4, Class::Ip, is_identifying_ipv4);
        let s = self.replace_ipv6(&s);
        shorten_long_ids(&s)
    }

    /// Replace the known names, matched whole (not inside a longer word) and ignoring case.
    fn replace_known(&mut self, text: &str) -> String {
        if self.candidates.is_empty() {
            return text.to_string();
        }
        let lower = text.to_ascii_lowercase();
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < text.len() {
            let starts_word = i == 0 || !is_name_byte(bytes[i - 1]);
            let mut matched = None;
            if starts_word && text.is_char_boundary(i) {
                for (ci, c) in self.candidates.iter().enumerate() {
                    let end = i + c.needle.len();
                    if lower.as_bytes().get(i..end) == Some(c.needle.as_bytes())
                        && bytes.get(end).is_none_or(|&b| !is_name_byte(b))
                        && text.is_char_boundary(end)
                    {
                        matched = Some((ci, end));
                        break;
                    }
                }
            }
            match matched {
                Some((ci, end)) => {
                    let target = self.candidates[ci].target.clone();
                    out.push_str(&text[copied..i]);
                    out.push_str(&self.replacement(&target));
                    copied = end;
                    i = end;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Replace each match of `re` that stands alone (not inside a longer word or number) and that
    /// `wanted` accepts.
    fn replace_pattern(
        &mut self,
        text: &str,
        re: &Regex,
        class: Class,
        wanted: fn(&str) -> bool,
    ) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for m in re.find_iter(text) {
            if !stands_alone(text, m.start(), m.end()) || !wanted(m.as_str()) {
                continue;
            }
            out.push_str(&text[copied..m.start()]);
            let identity = m.as_str().to_ascii_lowercase();
            out.push_str(&self.placeholder(class, &identity));
            copied = m.end();
        }
        out.push_str(&text[copied..]);
        out
    }

    /// IPv6 addresses: runs of hex digits and colons that parse as one, except `::` and `::1`.
    fn replace_ipv6(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for m in IPV6_CANDIDATE.find_iter(text) {
            let mut end = m.end();
            let mut found = text[m.start()..end].parse::<Ipv6Addr>().ok();
            if found.is_none() && text[m.start()..end].ends_with(':') {
                // `fe80::1: link up`: the colon after the address is punctuation.
                end -= 1;
                found = text[m.start()..end].parse::<Ipv6Addr>().ok();
            }
            let Some(addr) = found else {
                continue;
            };
            if addr.is_loopback() || addr.is_unspecified() {
                continue;
            }
            let before = text[..m.start()].chars().next_back();
            let after = text[end..].chars().next();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                || after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            out.push_str(&text[copied..m.start()]);
            let p = self.placeholder(Class::Ip6, &addr.to_string());
            out.push_str(&p);
            copied = end;
        }
        out.push_str(&text[copied..]);
        out
    }
}

static MAC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5,}")
        .expect("the pattern is a valid constant")
});

static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")
        .expect("the pattern is a valid constant")
});

static IPV6_CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}")
        .expect("the pattern is a valid constant")
});

static LONG_HEX_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9a-f]{64}").expect("the pattern is a valid constant"));

/// Loopback, unspecified and broadcast-style addresses and netmasks name no one.
fn is_identifying_ipv4(ip: &str) -> bool {
    !(ip.starts_with("127.") || ip.starts_with("0.") || ip.starts_with("255."))
}

/// Bytes that continue a name: `beta_004` inside `beta_0045` is not `beta_004`.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A match is a whole address when no letter, digit or further dotted part touches it
/// (`1.2.3.4.5` is a version, not an address).
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut rest = text[end..].chars();
    let after = rest.next();
    let after2 = rest.next();
    let touches = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    !(touches(before)
        || touches(after)
        || before == Some('.')
        || (after == Some('.') && after2.is_some_and(|c| c.is_ascii_digit())))
}

/// Cut 64-hex-digit ids (container ids, digests) to their 12-character short form.
pub fn shorten_long_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for m in LONG_HEX_ID.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if alnum(before) || alnum(after) {
            continue;
        }
        out.push_str(&text[copied..m.start() + 12]);
        copied = m.end();
    }
    out.push_str(&text[copied..]);
    out
}

/// `registry.example.com:5000/acme/api:1.4@sha256:...` -> (`Some(registry.example.com:5000)`,
/// `acme/api`), lower case. `None` for an image id (`sha256:...`) or an empty reference.
fn split_image(reference: &str) -> Option<(Option<String>, String)> {
    let r = reference.trim().to_ascii_lowercase();
    if r.is_empty() || r.starts_with("sha256:") || is_hex_id(&r) {
        return None;
    }
    let without_digest = r.split('@').next().unwrap_or(&r);
    // A tag is after the last `:` that follows the last `/`.
    let slash = without_digest.rfind('/');
    let name = match without_digest.rfind(':') {
        Some(colon) if slash.is_none_or(|s| colon > s) => &without_digest[..colon],
        _ => without_digest,
    };
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            Some((Some(first.to_string()), rest.to_string()))
        }
        _ => Some((None, name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            hosts: vec!["beta_004".into(), "web01.corp.example.net".into()],
            containers: vec![
                "/crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u".into(),
                "crm_api.2.w2e8r4t6y1u3i5o7p9a0s2d4f".into(),
            ],
            services: vec!["crm_api".into(), "default".into()],
            networks: vec!["crm_default".into(), "ingress".into()],
            images: vec![
                "registry-vpc.cn-hangzhou.aliyuncs.com/acme/crm-api:1.4.3@sha256:a733c88d37530f9035daf22ab5e0313c70c359c5cb0dbe0fcbc6bb80f2df0325".into(),
                "nginx:1.13".into(),
                "acme/worker:2".into(),
            ],
        }
    }

    #[test]
    fn hosts_containers_services_in_order_of_appearance() {
        let mut a = Anonymizer::new(&known());
        assert_eq!(
            a.anonymize(
                "Jan 23 20:10:01 beta_004 dockerd: name=crm_api.2.w2e8r4t6y1u3i5o7p9a0s2d4f"
            ),
            "Jan 23 20:10:01 host-1 dockerd: name=container-1"
        );
        assert_eq!(
            a.anonymize("Container crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u of crm_api on BETA_004"),
            "Container container-2 of service-1 on host-1"
        );
        assert_eq!(
            a.anonymize("\"Name\": \"/crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u\","),
            "\"Name\": \"/container-2\","
        );
        // Inside a longer word a name is not that name.
        assert_eq!(a.anonymize("beta_0045 xcrm_api"), "beta_0045 xcrm_api");
        // A bundle name carries the host between dashes.
        assert_eq!(
            a.anonymize("sosreport-beta_004-2018-01-23.tar.xz"),
            "sosreport-host-1-2018-01-23.tar.xz"
        );
        assert_eq!(
            a.anonymize("network crm_default, ingress"),
            "network network-1, ingress"
        );
    }

    #[test]
    fn fully_qualified_hosts_and_their_domain() {
        let mut a = Anonymizer::new(&known());
        assert_eq!(
            a.anonymize("web01 web01.corp.example.net web02.corp.example.net"),
            "host-1 host-1 web02.domain-1"
        );
    }

    #[test]
    fn private_registry_images() {
        let mut a = Anonymizer::new(&known());
        assert_eq!(
            a.anonymize("image=registry-vpc.cn-hangzhou.aliyuncs.com/acme/crm-api:1.4.2@sha256:690b129a37a95de2438ecf643405c7ec5391317af1789e685820e0eb33cc9576,"),
            "image=registry-1/image-1:1.4.2@sha256:690b129a37a9,"
        );
        assert_eq!(
            a.anonymize(
                "pull from registry-vpc.cn-hangzhou.aliyuncs.com failed; acme/worker:2; nginx:1.13"
            ),
            "pull from registry-1 failed; image-2:2; nginx:1.13"
        );
    }

    #[test]
    fn addresses() {
        let mut a = Anonymizer::new(&Known::default());
        assert_eq!(
            a.anonymize("from 10.0.2.7:8080 to 10.255.0.12/24, again 10.0.2.7."),
            "from ip-1:8080 to ip-2/24, again ip-1."
        );
        assert_eq!(
            a.anonymize("lo 127.0.0.1 any 0.0.0.0"),
            "lo 127.0.0.1 any 0.0.0.0"
        );
        assert_eq!(
            a.anonymize("link 02:42:ac:11:00:02 MAC=02:42:ac:11:00:02:02:42:0a:00:00:05:08:00"),
            "link mac-1 MAC=mac-2"
        );
        assert_eq!(
            a.anonymize("addr fe80::42:acff:fe11:2: up, peer [2001:db8::1]:443, lo ::1"),
            "addr ip6-1: up, peer [ip6-2]:443, lo ::1"
        );
    }

    #[test]
    fn ordinary_text_keeps_its_numbers() {
        let mut a = Anonymizer::new(&known());
        for line in [
            "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0",
            "Node 0 Normal free:95232kB min:55536kB low:69420kB",
            "Linux 3.10.0-514.26.2.el7.x86_64 #1 SMP",
            "Jan 23 20:10:01 12:10:00.999 UTC 2018-01-23T20:10:01.281604778+08:00",
            "[<ffffffff811a62d0>] kmem_cache_create_memcg+0x110/0x230",
            "kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12",
            "container_linux.go:262: process_linux.go:247",
            "version 1.2.3.4.5 and 17.06.2-ce",
        ] {
            assert_eq!(a.anonymize(line), line);
        }
    }

    #[test]
    fn long_ids_are_cut_to_their_short_form() {
        assert_eq!(
            shorten_long_ids("container die 3f2a8c1e9b7d4e6f0a5c2d8b1e7f9a3c6d4b2e8f1a7c5d9e3b6f0a2c8d4e1b7f (x)"),
            "container die 3f2a8c1e9b7d (x)"
        );
    }

    #[test]
    fn placeholders_are_deterministic() {
        let text = "beta_004 10.0.0.1 crm_api.2.k3v9x0q1f2m8d6s4a7p5o1i9u 10.0.0.2 10.0.0.1";
        let run = || Anonymizer::new(&known()).anonymize(text);
        assert_eq!(run(), run());
        assert_eq!(run(), "host-1 ip-1 container-1 ip-2 ip-1");
    }

    #[test]
    fn image_references_split() {
        assert_eq!(
            split_image("registry.example.com:5000/acme/api:1.4@sha256:00"),
            Some((Some("registry.example.com:5000".into()), "acme/api".into()))
        );
        assert_eq!(split_image("nginx:1.13"), Some((None, "nginx".into())));
        assert_eq!(split_image("sha256:5193c5d6"), None);
    }
}
