//! Known issues: the knowledge-base articles of a folder (`--kb DIR`), read by their front
//! matter, and the article a report's signature matches.
//!
//! An article is a Markdown file (`*.md`) that starts with a front-matter block: a line `---`,
//! `key: value` lines, and a closing `---`. postmortem reads `title` and `signature`; an article
//! written by hand needs only those two. A signature matches a report's:
//!
//! - **exactly**, when the two are the same text;
//! - **by prefix**, when the article's signature ends in `/*`: the report's signature starts
//!   with the part before `/*`, segment for segment (`container.start-failure/*` matches every
//!   start failure, whatever its cause).
//!
//! An exact match wins over a prefix match, a longer prefix over a shorter one, and between
//! equals the file name that sorts first. A node where nothing failed but whose risks have the
//! family an article's front matter gives (`family:`) is heading for that issue: its report
//! names the article in its state, not its headline. A file whose front matter cannot be read is a
//! warning, never an error: the other articles are still used.

use std::fs;
use std::path::Path;

use crate::analyze::signature::SEPARATOR;
use crate::report::{KnownIssue, Report};

/// Largest article read: a knowledge-base article is a few KiB.
pub const MAX_ARTICLE_BYTES: u64 = 1 << 20;

/// An article of the knowledge base, as its front matter describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The file name in the folder.
    pub file: String,
    pub title: String,
    /// The signature without a trailing `/*`.
    pub signature: String,
    /// The signature ended in `/*`: it matches by prefix.
    pub prefix: bool,
    /// The signature's family (`family:`), when the front matter gives it: a node with risks
    /// whose family it is is heading for this issue.
    pub family: Option<String>,
}

/// The articles of a folder and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnowledgeBase {
    pub articles: Vec<Article>,
    /// One line each: `FILE: what is wrong`.
    pub warnings: Vec<String>,
}

/// Why the folder itself could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the knowledge-base folder {path}: {source}")]
pub struct KbError {
    pub path: String,
    pub source: std::io::Error,
}

/// Read every `*.md` file of `dir` (not its sub-folders), in file name order.
pub fn load(dir: &Path) -> Result<KnowledgeBase, KbError> {
    let err = |source| KbError {
        path: dir.display().to_string(),
        source,
    };
    let mut files: Vec<(String, std::path::PathBuf)> = fs::read_dir(dir)
        .map_err(err)?
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, path)| {
            name.to_ascii_lowercase().ends_with(".md") && !name.starts_with('.') && path.is_file()
        })
        .collect();
    files.sort();
    let mut kb = KnowledgeBase::default();
    for (name, path) in files {
        match read_article(&path) {
            Ok(text) => match parse(&name, &text) {
                Ok(a) => kb.articles.push(a),
                Err(e) => kb.warnings.push(format!("{name}: {e}")),
            },
            Err(e) => kb.warnings.push(format!("{name}: cannot read: {e}")),
        }
    }
    Ok(kb)
}

fn read_article(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(MAX_ARTICLE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_ARTICLE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} KiB", MAX_ARTICLE_BYTES >> 10),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// An article from its text: the front matter's `title` and `signature`.
pub fn parse(file: &str, text: &str) -> Result<Article, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    if lines.next().map(str::trim_end) != Some("---") {
        return Err("no front matter (the file does not start with a `---` line)".into());
    }
    let mut title = None;
    let mut signature = None;
    let mut family = None;
    let mut closed = false;
    for (n, line) in lines.enumerate() {
        if matches!(line.trim_end(), "---" | "...") {
            closed = true;
            break;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("front matter line {}: not `key: value`", n + 2));
        };
        let value = unquote(value.trim());
        match key.trim() {
            "title" => title = Some(value),
            "signature" => signature = Some(value),
            "family" => family = Some(value),
            _ => {}
        }
    }
    if !closed {
        return Err("the front matter is not closed by a `---` line".into());
    }
    let title = title
        .filter(|t| !t.trim().is_empty())
        .ok_or("the front matter has no `title`")?;
    let signature = signature.ok_or("the front matter has no `signature`")?;
    let (key, prefix) = match signature.strip_suffix("/*") {
        Some(k) => (k.to_string(), true),
        None => (signature.clone(), false),
    };
    if !is_signature(&key) {
        return Err(format!(
            "`signature: {}` is not a signature (segments of lower-case letters, digits, `.`, \
             `:` and `-`, joined by `/`, with an optional `/*` at the end)",
            crate::render::escape::one_line(&signature)
        ));
    }
    if let Some(f) = family.as_ref().filter(|f| !is_signature(f)) {
        return Err(format!(
            "`family: {}` is not a signature family",
            crate::render::escape::one_line(f)
        ));
    }
    Ok(Article {
        file: file.to_string(),
        title: crate::render::escape::one_line(title.trim()),
        signature: key,
        prefix,
        family,
    })
}

/// A YAML scalar as written on one line: double-quoted (with `\"` and `\\`), single-quoted
/// (with `''`), or plain.
fn unquote(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else {
                out.push(c);
            }
        }
        out
    } else if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        value.to_string()
    }
}

fn is_signature(text: &str) -> bool {
    !text.is_empty()
        && text.split(SEPARATOR).all(|segment| {
            !segment.is_empty()
                && segment.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | ':' | '-')
                })
        })
}

/// The article a signature matches, and how.
pub fn find<'a>(articles: &'a [Article], signature: &str) -> Option<(&'a Article, &'static str)> {
    if let Some(a) = articles
        .iter()
        .find(|a| !a.prefix && a.signature == signature)
    {
        return Some((a, "exact"));
    }
    let segments: Vec<&str> = signature.split(SEPARATOR).collect();
    articles
        .iter()
        .filter(|a| a.prefix)
        .filter(|a| {
            let head: Vec<&str> = a.signature.split(SEPARATOR).collect();
            head.len() <= segments.len() && segments[..head.len()] == head[..]
        })
        // Longest prefix first; the first file among equals (the articles are in file order).
        .min_by_key(|a| std::cmp::Reverse(a.signature.split(SEPARATOR).count()))
        .map(|a| (a, "prefix"))
}

/// The article whose failure a node with risks of this family is heading for: the first, in
/// file order, whose front matter gives the family.
pub fn find_family<'a>(articles: &'a [Article], family: &str) -> Option<&'a Article> {
    articles
        .iter()
        .find(|a| a.family.as_deref() == Some(family))
}

/// Name the article the report's signature matches as its known issue: by signature for a
/// failure, by family for a node with risks (which keeps its headline: nothing failed).
pub fn annotate(report: &mut Report, kb: &KnowledgeBase) {
    let found = report.signature.as_ref().and_then(|s| match s.kind {
        crate::report::SignatureKind::Failure => find(&kb.articles, &s.key),
        crate::report::SignatureKind::Risk => {
            find_family(&kb.articles, &s.family).map(|a| (a, "family"))
        }
    });
    report.known_issue = found.map(|(a, how)| KnownIssue {
        title: a.title.clone(),
        file: a.file.clone(),
        matched: how.to_string(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "container.start-failure/mm.high-order-alloc-failure:order6:netns-conntrack/mm.external-fragmentation:order6/memcg.kmem-accounting:el7";

    fn article(file: &str, signature: &str) -> Article {
        parse(
            file,
            &format!("---\ntitle: \"{file}\"\nsignature: {signature}\n---\n# x\n"),
        )
        .expect("an article")
    }

    #[test]
    fn front_matter_as_written_or_by_hand() {
        let a = parse(
            "seed.md",
            "\u{feff}---\r\ntitle: \"Containers fail: \\\"unshare\\\"\"\r\nsignature: a.b/c.d:x\r\nowner: sre\r\n---\r\nbody",
        )
        .expect("parsed");
        assert_eq!(a.title, "Containers fail: \"unshare\"");
        assert_eq!(a.signature, "a.b/c.d:x");
        assert!(!a.prefix);
        let b = parse("b.md", "---\ntitle: 'It''s known'\nsignature: a.b/*\n---\n").unwrap();
        assert_eq!(b.title, "It's known");
        assert!(b.prefix);
        assert_eq!(b.family, None);
        let c = parse(
            "c.md",
            "---\ntitle: c\nsignature: a.b/c.d:x\nfamily: c.d:x\n---\n",
        )
        .unwrap();
        assert_eq!(
            find_family(&[c], "c.d:x").map(|a| a.file.as_str()),
            Some("c.md")
        );
    }

    #[test]
    fn bad_front_matter_says_what_is_wrong() {
        for (text, says) in [
            ("# no front matter\n", "no front matter"),
            ("---\ntitle: x\nsignature: a.b\n", "not closed"),
            ("---\nsignature: a.b\n---\n", "no `title`"),
            ("---\ntitle: x\n---\n", "no `signature`"),
            (
                "---\ntitle: x\nsignature: Host beta_004\n---\n",
                "not a signature",
            ),
            ("---\ntitle x\n---\n", "not `key: value`"),
        ] {
            let e = parse("a.md", text).expect_err(text);
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn exact_before_the_longest_prefix() {
        let articles = vec![
            article("any-start.md", "container.start-failure/*"),
            article(
                "frag.md",
                "container.start-failure/mm.high-order-alloc-failure:order6:netns-conntrack/*",
            ),
            article("seed.md", SEED),
        ];
        assert_eq!(
            find(&articles, SEED).map(|(a, h)| (a.file.as_str(), h)),
            Some(("seed.md", "exact"))
        );
        let other = "container.start-failure/mm.high-order-alloc-failure:order6:netns-conntrack/mm.memory-exhaustion:order6";
        assert_eq!(
            find(&articles, other).map(|(a, h)| (a.file.as_str(), h)),
            Some(("frag.md", "prefix"))
        );
        assert_eq!(
            find(&articles, "container.start-failure").map(|(a, _)| a.file.as_str()),
            Some("any-start.md")
        );
        // Segment for segment: `container.start-failure-x` is not under `container.start-failure/*`.
        assert_eq!(find(&articles, "container.start-failure-x/y"), None);
        assert_eq!(
            find(&articles, "oom.global-kill/mm.memory-exhaustion"),
            None
        );
    }
}
