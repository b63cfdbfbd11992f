//! OCI runtime `config.json` (the bundle config runc is started with).
//!
//! Read: `ociVersion` (its absence, with no `process` and no `linux` either, means the file is
//! not an OCI config), `hostname`, `process.args`, `process.env` (names only: values are
//! secrets), `linux.resources.memory.{limit,reservation,swap,kernel,kernelTCP,swappiness,
//! disableOOMKiller}`, `linux.cgroupsPath` and `annotations`.
//!
//! The container id comes from the annotations runtimes set (CRI-O, containerd CRI, podman),
//! else from `hostname` (docker sets it to the short id), else it is empty. `linux.cgroupsPath`
//! is the container's own cgroup (which names its parent) and is filed as
//! [`Container::cgroup_parent`]; the annotations are filed as labels.

use serde_json::Value;

use crate::facts::{Container, ContainerState, Engine, Line, MemoryLimits, Warning};
use crate::parse::container_inspect::{json_documents, LineIndex, Positions, Reader};
use crate::parse::Parsed;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

/// Annotations that carry the container id, in order of preference.
const ID_ANNOTATIONS: &[&str] = &[
    "io.kubernetes.cri-o.ContainerID",
    "io.kubernetes.cri.container-id",
    "io.container.id",
];
/// Annotations that carry the container name.
const NAME_ANNOTATIONS: &[&str] = &[
    "io.kubernetes.cri.container-name",
    "io.kubernetes.cri-o.ContainerName",
    "io.kubernetes.container.name",
    "io.kubernetes.cri-o.Name",
];
/// Annotations that carry the image name.
const IMAGE_ANNOTATIONS: &[&str] = &[
    "io.kubernetes.cri.image-name",
    "io.kubernetes.cri-o.ImageName",
    "org.opencontainers.image.ref.name",
];

pub fn parse(text: &str) -> Parsed<Option<Container>> {
    let mut warnings = Vec::new();
    let index = LineIndex::new(text);
    let docs = json_documents(text, &index, &mut warnings);
    let Some(doc) = docs.first() else {
        if warnings.is_empty() {
            warnings.push(Warning::file("no JSON document found"));
        }
        return Parsed::new(None, warnings);
    };
    if docs.len() > 1 {
        warnings.push(Warning::at(
            index.line_of(docs[1].start),
            "more than one JSON document; only the first is read as the OCI config",
        ));
    }
    let start_line = index.line_of(doc.start);
    let Value::Object(obj) = &doc.value else {
        warnings.push(Warning::at(start_line, "OCI config is not a JSON object"));
        return Parsed::new(None, warnings);
    };
    if !obj.contains_key("ociVersion") && !obj.contains_key("process") && !obj.contains_key("linux")
    {
        warnings.push(Warning::at(
            start_line,
            "JSON object has no ociVersion, process or linux: not an OCI config",
        ));
        return Parsed::new(None, warnings);
    }
    let body = &text[doc.start..doc.end];
    let positions = Positions::scan(body, doc.start, 4);
    let at = |path: &[&str]| positions.get(&path.join("\u{1f}"));
    let line_of = |path: &[&str]| at(path).map(|o| index.line_of(o));
    let mut r = Reader {
        warnings: &mut warnings,
        line_of: &line_of,
    };

    if r.string(obj, &["ociVersion"]).is_none() {
        let msg = "OCI config without ociVersion";
        r.warnings.push(Warning::at(start_line, msg));
    }
    let annotations = r.string_map(obj, &["annotations"]);
    let from_annotations = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| annotations.get(*k))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let hostname = r.string(obj, &["hostname"]).filter(|h| !h.is_empty());
    let id = from_annotations(ID_ANNOTATIONS)
        .or(hostname)
        .unwrap_or_default();
    let name = from_annotations(NAME_ANNOTATIONS);
    let image = from_annotations(IMAGE_ANNOTATIONS);

    let mem = ["linux", "resources", "memory"];
    let field = |k: &'static str| [mem[0], mem[1], mem[2], k];
    let mut memory = MemoryLimits {
        limit_bytes: r.int(obj, &field("limit")),
        reservation_bytes: r.int(obj, &field("reservation")),
        swap_bytes: r.int(obj, &field("swap")),
        kernel_bytes: r.int(obj, &field("kernel")),
        kernel_tcp_bytes: r.int(obj, &field("kernelTCP")),
        swappiness: r.int(obj, &field("swappiness")),
        oom_kill_disable: r.boolean(obj, &field("disableOOMKiller")),
        ..MemoryLimits::default()
    };
    if memory.limit_bytes.is_some() {
        if let Some(offset) = at(&field("limit")) {
            let no = index.line_of(offset);
            let text_of_line = index.line_text(text, no);
            let text_of_line = if text_of_line.len() > 400 {
                format!("\"limit\": {}", memory.limit_bytes.unwrap_or_default())
            } else {
                text_of_line.to_string()
            };
            memory.limit_line = Some(Line::new(no, text_of_line));
        }
    }
    // Arguments carry passwords as often as the environment does (`--password=...`).
    let command = crate::redact::mask_args(&r.string_list(obj, &["process", "args"]));
    let env_names = r.env_names(obj, &["process", "env"]);
    let cgroup_parent = r
        .string(obj, &["linux", "cgroupsPath"])
        .filter(|s| !s.is_empty());

    let container = Container {
        engine: Engine::Oci,
        id,
        name,
        image,
        created: None,
        state: ContainerState::default(),
        memory,
        env_names,
        command,
        labels: annotations,
        cgroup_parent,
        runtime: None,
        line: Line::new(start_line, index.line_text(text, start_line)),
        sizing_env: crate::redact::sizing_env(&r.string_list(obj, &["process", "env"])),
    };
    Parsed::new(Some(container), warnings)
}

/// An OCI runtime `config.json`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::OciConfig,
    paths: Paths {
        sosreport: &[],
        collector: &[],
        supportconfig: &[],
        plain: &[
            "config.json",
            "oci-config.json",
            "oci_config.json",
            "ociconfig.json",
        ],
    },
    sniff: Some(|head| head.has_key("ociVersion").then_some(Strength::Strong)),
    parse: Parse::Whole(|facts, path, bytes| {
        super::file_one(
            &mut facts.containers,
            path,
            parse(&String::from_utf8_lossy(bytes)),
        )
    }),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// A runc bundle config as docker 17.x wrote it for the incident's container (256 MiB limit).
    const CONFIG: &str = r#"{
	"ociVersion": "1.0.0-rc5-dev",
	"process": {
		"user": {"uid": 0, "gid": 0},
		"args": ["nginx", "-g", "daemon off;"],
		"env": ["PATH=/usr/local/sbin:/usr/local/bin", "DB_PASSWORD=hunter2", "HOSTNAME=0fdb48ad1c3e"],
		"cwd": "/"
	},
	"root": {"path": "/var/lib/docker/overlay2/abc/merged"},
	"hostname": "0fdb48ad1c3e",
	"linux": {
		"resources": {
			"memory": {
				"limit": 268435456,
				"reservation": 0,
				"swap": 536870912,
				"kernel": -1,
				"kernelTCP": -1,
				"swappiness": 0,
				"disableOOMKiller": false
			}
		},
		"cgroupsPath": "/docker/0fdb48ad1c3e4b4ba8b0f2c83a9dd2ab6b1ce9d0a2f5e2b6d6a0f6d0c6f1ff37",
		"namespaces": [{"type": "mount"}, {"type": "network"}]
	}
}
"#;

    #[test]
    fn docker_runc_config() {
        let p = parse(CONFIG);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let c = p.value.unwrap();
        assert_eq!(c.engine, Engine::Oci);
        assert_eq!(c.id, "0fdb48ad1c3e");
        assert_eq!(c.command, ["nginx", "-g", "daemon off;"]);
        assert_eq!(c.env_names, ["PATH", "DB_PASSWORD", "HOSTNAME"]);
        assert_eq!(c.memory.limit_bytes, Some(268_435_456));
        let l = c.memory.limit_line.as_ref().unwrap();
        assert_eq!((l.no, l.text.trim()), (14, "\"limit\": 268435456,"));
        assert_eq!(c.memory.reservation_bytes, Some(0));
        assert_eq!(c.memory.swap_bytes, Some(536_870_912));
        assert_eq!(c.memory.kernel_bytes, Some(-1));
        assert_eq!(c.memory.kernel_tcp_bytes, Some(-1));
        assert_eq!(c.memory.swappiness, Some(0));
        assert_eq!(c.memory.oom_kill_disable, Some(false));
        assert_eq!(
            c.cgroup_parent.as_deref(),
            Some("/docker/0fdb48ad1c3e4b4ba8b0f2c83a9dd2ab6b1ce9d0a2f5e2b6d6a0f6d0c6f1ff37")
        );
        assert_eq!(c.line.no, 1);
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn cri_annotations_give_id_name_and_image() {
        let text = r#"{"ociVersion":"1.0.2","hostname":"pod-a","annotations":{"io.kubernetes.cri-o.ContainerID":"abc123","io.kubernetes.cri-o.ContainerName":"k8s_app","io.kubernetes.cri-o.ImageName":"nginx:1.25"},"linux":{"cgroupsPath":"kubepods-pod1.slice:crio:abc123"}}"#;
        let p = parse(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let c = p.value.unwrap();
        assert_eq!(c.id, "abc123");
        assert_eq!(c.name.as_deref(), Some("k8s_app"));
        assert_eq!(c.image.as_deref(), Some("nginx:1.25"));
        assert_eq!(c.labels.len(), 3);
        assert_eq!(c.memory.limit_bytes, None);
    }

    #[test]
    fn not_an_oci_config() {
        let p = parse(r#"{"collector":"postmortem-collect"}"#);
        assert!(p.value.is_none());
        assert_eq!(p.warnings.len(), 1);
        let p = parse("");
        assert!(p.value.is_none());
        let p =
            parse(r#"{"ociVersion":"1.0.0","linux":{"resources":{"memory":{"limit":"256m"}}}}"#);
        let c = p.value.unwrap();
        assert_eq!(c.id, "");
        assert_eq!(c.memory.limit_bytes, None);
        assert!(p.warnings[0]
            .message
            .contains("linux.resources.memory.limit"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }

    #[test]
    fn deeply_nested_json_does_not_crash() {
        let p = parse(&"[".repeat(10_000));
        assert!(p.value.is_none());
        assert!(!p.warnings.is_empty());
    }
}
