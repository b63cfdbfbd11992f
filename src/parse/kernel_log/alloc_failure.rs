//! `page allocation failure` reports of every era.
//!
//! ```text
//! runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0                 (2.6.3x – 4.4)
//! swapper: page allocation failure. order:1, mode:0x20                             (very old)
//! kworker/0:1: page allocation failure: order:4, mode:0x14040c0(GFP_KERNEL|__GFP_COMP), nodemask=(null)
//! sh: page allocation failure: order:7, mode:0x40a20(GFP_ATOMIC|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0
//! ```
//! followed by the `<comm> cpuset=... mems_allowed=...` line (4.10 – 4.19), the stack dump and
//! the Mem-Info block.

use crate::facts::{AllocFailure, GfpMask, Stamp};

use super::LogLine;

/// What the header line says.
#[derive(Debug, Default, PartialEq)]
pub struct Header {
    pub task: String,
    pub order: Option<u32>,
    pub gfp: Option<GfpMask>,
    pub nodemask: Option<String>,
    pub cpuset: Option<String>,
    pub mems_allowed: Option<String>,
}

const MARKER: &str = "page allocation failure";

/// Parse a header line body; `None` when the body is not an allocation failure header.
pub fn parse_header(body: &str) -> Option<Header> {
    let at = body.find(MARKER)?;
    let task = body[..at].trim_end();
    let task = task.strip_suffix(':').unwrap_or(task).trim();
    let rest = &body[at + MARKER.len()..];
    let rest = rest.strip_prefix([':', '.'])?;
    Some(Header {
        task: task.to_string(),
        order: value_after(rest, "order:").and_then(|v| v.parse().ok()),
        gfp: value_after(rest, "mode:").and_then(parse_gfp),
        nodemask: value_after(rest, "nodemask=").map(str::to_string),
        cpuset: value_after(rest, "cpuset=").map(str::to_string),
        mems_allowed: value_after(rest, "mems_allowed=").map(str::to_string),
    })
}

/// The text after `key` up to the next `,` or white space. `nodemask=(null)` keeps its parens.
pub fn value_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let at = s.find(key)?;
    let v = &s[at + key.len()..];
    let end = v
        .find(|c: char| c == ',' || c.is_whitespace())
        .unwrap_or(v.len());
    let v = &v[..end];
    (!v.is_empty()).then_some(v)
}

/// `0x10c0d0` or `0x14040c0(GFP_KERNEL|__GFP_COMP)` → raw and printed names. Decoding by
/// release happens once the report's release is known.
pub fn parse_gfp(v: &str) -> Option<GfpMask> {
    let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"))?;
    let digits = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
    let raw = u64::from_str_radix(hex.get(..digits)?, 16).ok()?;
    let after = &hex[digits..];
    let printed = match after.strip_prefix('(') {
        Some(names) => {
            let names = names.split(')').next().unwrap_or("");
            names
                .split('|')
                .filter(|n| !n.is_empty() && *n != "none")
                .map(str::to_string)
                .collect()
        }
        None => Vec::new(),
    };
    Some(GfpMask {
        raw,
        printed,
        decoded: Vec::new(),
    })
}

/// `<comm> cpuset=<cgroup> mems_allowed=<nodes>` (the separate line of 4.10 – 4.19 and of OOM
/// reports up to 4.18).
pub fn parse_cpuset_line(body: &str) -> Option<(String, String)> {
    let t = body.trim();
    let cs = t.find(" cpuset=")?;
    let cpuset = value_after(&t[cs..], "cpuset=")?;
    let mems = value_after(&t[cs..], "mems_allowed=")?;
    Some((cpuset.to_string(), mems.to_string()))
}

/// Start a report from its header line; the order must be readable.
pub fn start(h: Header, l: &LogLine<'_>, stamp: &Stamp) -> AllocFailure {
    AllocFailure {
        header: l.line(),
        stamp: stamp.clone(),
        task: h.task,
        pid: None,
        order: h.order.unwrap_or_default(),
        gfp: h.gfp.unwrap_or_default(),
        nodemask: h.nodemask,
        cpuset: h.cpuset,
        mems_allowed: h.mems_allowed,
        kernel_release: None,
        call_trace: Vec::new(),
        trace_lines: Vec::new(),
        mem_info: None,
        end_line: l.no,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_of_every_era() {
        let h = parse_header(
            "runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0      //comment",
        )
        .unwrap();
        assert_eq!(h.task, "runc:[1:CHILD]");
        assert_eq!(h.order, Some(6));
        assert_eq!(h.gfp.as_ref().map(|g| g.raw), Some(0x10c0d0));

        let h = parse_header("swapper: page allocation failure. order:9, mode:0xd0").unwrap();
        assert_eq!(h.task, "swapper");
        assert_eq!(h.order, Some(9));

        let h = parse_header("kworker/0:1: page allocation failure: order:4, mode:0x14040c0(GFP_KERNEL|__GFP_COMP), nodemask=(null)").unwrap();
        assert_eq!(h.task, "kworker/0:1");
        let g = h.gfp.unwrap();
        assert_eq!(g.raw, 0x14040c0);
        assert_eq!(g.printed, vec!["GFP_KERNEL", "__GFP_COMP"]);
        assert_eq!(h.nodemask.as_deref(), Some("(null)"));

        let h = parse_header("sh: page allocation failure: order:7, mode:0x40a20(GFP_ATOMIC|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0").unwrap();
        assert_eq!(h.cpuset.as_deref(), Some("/"));
        assert_eq!(h.mems_allowed.as_deref(), Some("0"));

        assert!(parse_header("page allocation failures are fun").is_none());
    }

    #[test]
    fn cpuset_line() {
        assert_eq!(
            parse_cpuset_line("runc:[1:CHILD] cpuset=ddf54396 mems_allowed=0-1"),
            Some(("ddf54396".to_string(), "0-1".to_string()))
        );
    }
}
