//! Virtual link resolution: links are followed inside the recorded tree only, after the whole
//! bundle was seen, so a target that comes later in the archive still resolves.
//!
//! The tree is a trie of path components: each folder, file and link is one node holding its
//! own name only, so a path of n components costs n small nodes, not n ancestor paths of up to
//! n components each. Memory and time stay linear in the bytes of the entry names, however
//! deep they go; resolving a link walks each component of its target once per hop.

use std::collections::{HashMap, VecDeque};

/// Links followed in a chain before giving up (the kernel's own limit is 40).
pub(crate) const MAX_HOPS: usize = 40;

/// A link as recorded, with its path relative to its archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawLink {
    pub(crate) path: String,
    pub(crate) target: String,
    pub(crate) hard: bool,
}

/// What a resolved link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    File(String),
    Dir(String),
}

/// Index of a [`Node`] in [`Tree::nodes`]; the tree's own root is 0.
type NodeId = usize;

const ROOT: NodeId = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A folder, recorded or implied by a path below it.
    Dir,
    File,
    /// A link: index of its target in [`Tree::targets`].
    Link(usize),
}

#[derive(Debug)]
struct Node {
    parent: NodeId,
    name: Box<str>,
    kind: Kind,
    children: HashMap<Box<str>, NodeId>,
}

/// The tree of one archive (or directory), relative to its own root.
#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    /// Link targets as recorded, and whether the link is a hard link.
    targets: Vec<(String, bool)>,
    /// The single top folder, against which absolute symlink targets resolve.
    root: Option<NodeId>,
}

impl Tree {
    pub(crate) fn new<'a>(
        files: impl IntoIterator<Item = &'a String>,
        dirs: impl IntoIterator<Item = &'a String>,
        links: &[RawLink],
    ) -> Tree {
        let mut tree = Tree {
            nodes: vec![Node {
                parent: ROOT,
                name: "".into(),
                kind: Kind::Dir,
                children: HashMap::new(),
            }],
            targets: Vec::new(),
            root: None,
        };
        for f in files {
            let node = tree.insert(f);
            tree.set_kind(node, Kind::File);
        }
        for d in dirs {
            tree.insert(d);
        }
        // A path recorded both as a link and as something else is followed as the link.
        for l in links {
            let node = tree.insert(&l.path);
            tree.targets.push((l.target.clone(), l.hard));
            tree.set_kind(node, Kind::Link(tree.targets.len() - 1));
        }
        tree.root = tree.top_folder();
        tree
    }

    /// The node of `path`, created with its missing folders.
    fn insert(&mut self, path: &str) -> NodeId {
        let mut at = ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at = match self.child(at, part) {
                Some(next) => next,
                None => {
                    let next = self.nodes.len();
                    self.nodes.push(Node {
                        parent: at,
                        name: part.into(),
                        kind: Kind::Dir,
                        children: HashMap::new(),
                    });
                    if let Some(node) = self.nodes.get_mut(at) {
                        node.children.insert(part.into(), next);
                    }
                    next
                }
            };
        }
        at
    }

    fn set_kind(&mut self, node: NodeId, kind: Kind) {
        if let Some(n) = self.nodes.get_mut(node).filter(|_| node != ROOT) {
            n.kind = kind;
        }
    }

    fn child(&self, node: NodeId, name: &str) -> Option<NodeId> {
        self.nodes.get(node)?.children.get(name).copied()
    }

    fn kind(&self, node: NodeId) -> Kind {
        self.nodes.get(node).map_or(Kind::Dir, |n| n.kind)
    }

    fn parent(&self, node: NodeId) -> NodeId {
        self.nodes.get(node).map_or(ROOT, |n| n.parent)
    }

    /// The path of a node, its names joined from the root down.
    fn path(&self, mut node: NodeId) -> String {
        let mut names: Vec<&str> = Vec::new();
        while node != ROOT {
            let Some(n) = self.nodes.get(node) else {
                break;
            };
            names.push(&n.name);
            node = n.parent;
        }
        names.reverse();
        names.join("/")
    }

    /// The single top entry when it is a folder holding everything.
    fn top_folder(&self) -> Option<NodeId> {
        let root = self.nodes.first()?;
        if root.children.len() != 1 {
            return None;
        }
        let (_, &top) = root.children.iter().next()?;
        (self.kind(top) == Kind::Dir).then_some(top)
    }

    #[cfg(test)]
    pub(crate) fn root(&self) -> Option<String> {
        self.root.map(|r| self.path(r))
    }

    /// Resolve a link to a file or folder of the tree, or say why it does not.
    pub(crate) fn resolve(&self, link: &RawLink) -> Result<Resolved, String> {
        let mut hops = 0usize;
        let mut pending: VecDeque<&str> = VecDeque::new();
        let from = self.find(&link.path).unwrap_or(ROOT);
        let mut at = self.jump(from, &link.target, link.hard, &mut pending);
        while let Some(part) = pending.pop_front() {
            match part {
                "" | "." => continue,
                ".." => {
                    if self.kind(at) == Kind::File {
                        return Err("target is not in the bundle".into());
                    }
                    if at == ROOT {
                        return Err("target is outside the bundle".into());
                    }
                    at = self.parent(at);
                    continue;
                }
                name => match self.child(at, name) {
                    Some(next) => at = next,
                    None => return Err("target is not in the bundle".into()),
                },
            }
            if let Kind::Link(index) = self.kind(at) {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(format!(
                        "link loop (more than {MAX_HOPS} links followed), not followed"
                    ));
                }
                let Some((target, hard)) = self.targets.get(index) else {
                    return Err("target is not in the bundle".into());
                };
                at = self.jump(at, target, *hard, &mut pending);
            }
        }
        match self.kind(at) {
            Kind::File => Ok(Resolved::File(self.path(at))),
            Kind::Dir => Ok(Resolved::Dir(self.path(at))),
            Kind::Link(_) => Err("target is not in the bundle".into()),
        }
    }

    /// The node of a recorded path.
    fn find(&self, path: &str) -> Option<NodeId> {
        path.split('/')
            .filter(|p| !p.is_empty())
            .try_fold(ROOT, |at, part| self.child(at, part))
    }

    /// Set up the walk of `target`, the target of the link at node `from`: the node it starts
    /// from, and its components put ahead of those left to walk.
    fn jump<'t>(
        &self,
        from: NodeId,
        target: &'t str,
        hard: bool,
        pending: &mut VecDeque<&'t str>,
    ) -> NodeId {
        for part in target.rsplit('/') {
            pending.push_front(part);
        }
        if hard {
            // Hard link targets are archive paths.
            ROOT
        } else if target.starts_with('/') {
            self.root.unwrap_or(ROOT)
        } else {
            self.parent(from)
        }
    }
}

/// The single top folder every path shares, if there is one and it is a folder.
pub(crate) fn top_folder<'a>(
    paths: impl Iterator<Item = &'a String>,
    is_dir: impl Fn(&str) -> bool,
) -> Option<String> {
    let mut top: Option<&str> = None;
    let mut any_below = false;
    for p in paths {
        let (first, below) = match p.split_once('/') {
            Some((first, _)) => (first, true),
            None => (p.as_str(), false),
        };
        match top {
            None => top = Some(first),
            Some(t) if t != first => return None,
            Some(_) => {}
        }
        any_below |= below;
    }
    let top = top?;
    (any_below || is_dir(top)).then(|| top.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(path: &str, target: &str, hard: bool) -> RawLink {
        RawLink {
            path: path.into(),
            target: target.into(),
            hard,
        }
    }

    fn tree(files: &[&str], links: &[RawLink]) -> Tree {
        let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
        Tree::new(&files, &[], links)
    }

    #[test]
    fn resolves_sosreport_style_links() {
        let links = vec![
            link("sos/dmesg", "sos_commands/kernel/dmesg", false),
            link("sos/etc/localtime", "/usr/share/zoneinfo/UTC", false),
            link("sos/free", "../sos/sos_commands/memory/free", false),
            link("sos/hard", "sos/sos_commands/kernel/dmesg", true),
            link("sos/cmds", "sos_commands", false),
            link("sos/via_dir", "cmds/kernel/dmesg", false),
        ];
        let t = tree(
            &[
                "sos/sos_commands/kernel/dmesg",
                "sos/sos_commands/memory/free",
                "sos/usr/share/zoneinfo/UTC",
            ],
            &links,
        );
        assert_eq!(t.root().as_deref(), Some("sos"));
        let want = |s: &str| Ok(Resolved::File(s.to_string()));
        assert_eq!(t.resolve(&links[0]), want("sos/sos_commands/kernel/dmesg"));
        assert_eq!(t.resolve(&links[1]), want("sos/usr/share/zoneinfo/UTC"));
        assert_eq!(t.resolve(&links[2]), want("sos/sos_commands/memory/free"));
        assert_eq!(t.resolve(&links[3]), want("sos/sos_commands/kernel/dmesg"));
        assert_eq!(
            t.resolve(&links[4]),
            Ok(Resolved::Dir("sos/sos_commands".into()))
        );
        assert_eq!(t.resolve(&links[5]), want("sos/sos_commands/kernel/dmesg"));
    }

    #[test]
    fn reports_outside_loop_and_missing() {
        let links = vec![
            link("a/out", "../../etc/passwd", false),
            link("a/x", "y", false),
            link("a/y", "x", false),
            link("a/gone", "nothing", false),
            link("a/self", "self", false),
        ];
        let t = tree(&["a/file"], &links);
        assert_eq!(
            t.resolve(&links[0]).unwrap_err(),
            "target is outside the bundle"
        );
        assert!(t.resolve(&links[1]).unwrap_err().starts_with("link loop"));
        assert_eq!(
            t.resolve(&links[3]).unwrap_err(),
            "target is not in the bundle"
        );
        assert!(t.resolve(&links[4]).unwrap_err().starts_with("link loop"));
    }

    #[test]
    fn deep_paths_cost_their_length() {
        // Fifty thousand folders deep: every ancestor as a full path would be 2.5 GB.
        let deep = "d/".repeat(50_000);
        let file = format!("{deep}f");
        let links = vec![
            link(&format!("{deep}up"), &"../".repeat(50_000), false),
            link("top", &file, false),
        ];
        let t = tree(&[&file], &links);
        assert!(t.nodes.len() < 50_010);
        assert_eq!(t.resolve(&links[0]), Ok(Resolved::Dir(String::new())));
        assert_eq!(t.resolve(&links[1]), Ok(Resolved::File(file.clone())));
    }

    #[test]
    fn missing_folder_and_file_as_folder_do_not_resolve() {
        let links = vec![
            link("a/x", "gone/../file", false),
            link("a/y", "file/../file", false),
        ];
        let t = tree(&["a/file"], &links);
        assert_eq!(
            t.resolve(&links[0]).unwrap_err(),
            "target is not in the bundle"
        );
        assert_eq!(
            t.resolve(&links[1]).unwrap_err(),
            "target is not in the bundle"
        );
    }

    #[test]
    fn top_folder_needs_one_shared_folder() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            top_folder(v(&["r/a", "r/b/c"]).iter(), |_| false),
            Some("r".into())
        );
        assert_eq!(top_folder(v(&["r/a", "s/b"]).iter(), |_| false), None);
        assert_eq!(top_folder(v(&["dmesg"]).iter(), |_| false), None);
        assert_eq!(top_folder(v(&["r"]).iter(), |_| true), Some("r".into()));
        assert_eq!(top_folder(v(&[]).iter(), |_| true), None);
    }
}
