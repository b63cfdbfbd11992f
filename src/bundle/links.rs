//! Virtual link resolution: links are followed inside the recorded tree only, after the whole
//! bundle was seen, so a target that comes later in the archive still resolves.

use std::collections::{HashMap, HashSet, VecDeque};

use super::path::parent;

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

/// The tree of one archive (or directory), relative to its own root.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    files: HashSet<String>,
    dirs: HashSet<String>,
    links: HashMap<String, (String, bool)>,
    /// The single top folder, against which absolute symlink targets resolve.
    root: Option<String>,
}

impl Tree {
    pub(crate) fn new<'a>(
        files: impl IntoIterator<Item = &'a String>,
        dirs: impl IntoIterator<Item = &'a String>,
        links: &[RawLink],
    ) -> Tree {
        let mut tree = Tree::default();
        for f in files {
            tree.files.insert(f.clone());
            tree.add_parents(f);
        }
        for d in dirs {
            tree.dirs.insert(d.clone());
            tree.add_parents(d);
        }
        for l in links {
            tree.links
                .insert(l.path.clone(), (l.target.clone(), l.hard));
            tree.add_parents(&l.path);
        }
        let all = tree
            .files
            .iter()
            .chain(tree.dirs.iter())
            .chain(tree.links.keys());
        tree.root = top_folder(all, |p| tree.dirs.contains(p));
        tree
    }

    fn add_parents(&mut self, path: &str) {
        let mut dir = parent(path);
        while !dir.is_empty() && self.dirs.insert(dir.to_string()) {
            dir = parent(dir);
        }
    }

    #[cfg(test)]
    pub(crate) fn root(&self) -> Option<&str> {
        self.root.as_deref()
    }

    /// Resolve a link to a file or folder of the tree, or say why it does not.
    pub(crate) fn resolve(&self, link: &RawLink) -> Result<Resolved, String> {
        let mut hops = 0usize;
        let mut resolved: Vec<String> = Vec::new();
        let mut pending: VecDeque<String> = VecDeque::new();
        self.jump(
            &link.path,
            &link.target,
            link.hard,
            &mut resolved,
            &mut pending,
        );
        while let Some(part) = pending.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if resolved.pop().is_none() {
                        return Err("target is outside the bundle".into());
                    }
                    continue;
                }
                _ => resolved.push(part),
            }
            let here = resolved.join("/");
            if let Some((target, hard)) = self.links.get(&here) {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(format!(
                        "link loop (more than {MAX_HOPS} links followed), not followed"
                    ));
                }
                resolved.pop();
                let mut rest: VecDeque<String> = VecDeque::new();
                self.jump(&here, target, *hard, &mut resolved, &mut rest);
                rest.extend(pending.drain(..));
                pending = rest;
            }
        }
        let here = resolved.join("/");
        if self.files.contains(&here) {
            Ok(Resolved::File(here))
        } else if here.is_empty() || self.dirs.contains(&here) {
            Ok(Resolved::Dir(here))
        } else {
            Err("target is not in the bundle".into())
        }
    }

    /// Set up the walk of `target`, the target of the link at `from`: where it starts and the
    /// components left to walk.
    fn jump(
        &self,
        from: &str,
        target: &str,
        hard: bool,
        resolved: &mut Vec<String>,
        pending: &mut VecDeque<String>,
    ) {
        resolved.clear();
        if hard {
            // Hard link targets are archive paths.
        } else if target.starts_with('/') {
            if let Some(root) = &self.root {
                resolved.push(root.clone());
            }
        } else {
            resolved.extend(
                parent(from)
                    .split('/')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            );
        }
        pending.extend(target.split('/').map(str::to_string));
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
        assert_eq!(t.root(), Some("sos"));
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
