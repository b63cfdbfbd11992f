//! Stack dump lines shared by every report: the `CPU: ... PID: ... Comm:` line, `Hardware name:`,
//! hex stack words, registers and the `Call Trace:` frames.

/// What a stack dump line is.
#[derive(Debug, PartialEq)]
pub enum DumpLine<'a> {
    /// A call trace frame. `function` is `None` for `? func+0x..` entries, which the unwinder
    /// found on the stack but could not prove to be part of the call chain.
    Frame { function: Option<&'a str> },
    /// `CPU: 5 PID: 839206 Comm: ...`.
    Cpu(CpuLine<'a>),
    /// Any other line of a dump (hardware name, hex words, registers, `Call Trace:`, `<TASK>`).
    Context,
}

/// The `CPU:` line of a dump.
#[derive(Debug, PartialEq, Default)]
pub struct CpuLine<'a> {
    pub pid: Option<u32>,
    pub comm: Option<&'a str>,
    pub release: Option<&'a str>,
}

/// Classify a (trimmed or untrimmed) message body as part of a stack dump.
pub fn classify(body: &str) -> Option<DumpLine<'_>> {
    let t = body.trim();
    if t.is_empty() {
        return None;
    }
    if t.starts_with("CPU:") || t.starts_with("Pid: ") {
        if let Some(cpu) = cpu_line(t) {
            return Some(DumpLine::Cpu(cpu));
        }
    }
    if matches!(
        t,
        "Call Trace:" | "<TASK>" | "</TASK>" | "<IRQ>" | "</IRQ>" | "<EOI>" | "<NMI>" | "</NMI>"
    ) || t.starts_with("Hardware name:")
        || t.starts_with("Workqueue:")
        || t.starts_with("Code:")
        || t.starts_with("Call trace:")
        || t.starts_with("Tainted:")
    {
        return Some(DumpLine::Context);
    }
    if let Some(frame) = frame_function(strip_context_marker(t)) {
        return Some(DumpLine::Frame { function: frame });
    }
    if is_hex_words(t) || is_register_line(t) {
        return Some(DumpLine::Context);
    }
    None
}

/// Kernels before 4.9 print the stack-switch marker on the same line as the next frame:
/// ` <IRQ>  [<ffffffff816360fc>] dump_stack+0x19/0x1b`, ` <EOI>  [<...>] ? native_safe_halt+0x6/0x10`.
fn strip_context_marker(t: &str) -> &str {
    ["<IRQ>", "<EOI>", "<NMI>", "<#DF>"]
        .iter()
        .find_map(|m| t.strip_prefix(m))
        .map_or(t, str::trim_start)
}

/// `[<ffffffff81687133>] dump_stack+0x19/0x1b`, `? func+0x5/0x7f`, `func+0x1/0x2 [module]`.
/// Returns `Some(None)` for a `?` frame.
fn frame_function(t: &str) -> Option<Option<&str>> {
    let mut rest = t;
    if let Some(r) = rest.strip_prefix("[<") {
        let close = r.find(">]")?;
        if !r[..close].bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        rest = r[close + 2..].trim_start();
    }
    let unreliable = rest.starts_with("? ");
    if unreliable {
        rest = rest[2..].trim_start();
    }
    let token = rest.split(' ').next()?;
    let plus = token.find("+0x")?;
    let name = &token[..plus];
    let offsets = &token[plus + 1..];
    if name.is_empty()
        || !offsets.contains("/0x")
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$'))
    {
        return None;
    }
    Some(if unreliable { None } else { Some(name) })
}

fn is_hex_words(t: &str) -> bool {
    let mut any = false;
    for w in t.split_ascii_whitespace() {
        let w = w.trim_start_matches('<').trim_end_matches('>');
        if !(w.len() == 8 || w.len() == 16) || !w.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        any = true;
    }
    any
}

/// `RIP: 0033:0x7efde8451109`, `RAX: 000000000000dff1 RBX: ...`, `R10: ...`, `pc : ...`.
fn is_register_line(t: &str) -> bool {
    let Some(colon) = t.find(':') else {
        return false;
    };
    let name = t[..colon].trim_end();
    let short_upper = (2..=4).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let arm = matches!(name, "pc" | "lr" | "sp" | "pstate");
    (short_upper || arm)
        && t[colon + 1..]
            .trim_start()
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_hexdigit())
}

/// `CPU: 5 PID: 839206 Comm: runc:[1:CHILD] Tainted: G  E  ---- T 3.10.0-514.26.2.el7.x86_64 #1`,
/// also `Comm:runc` without the space and `Not tainted 5.15.0-1087-azure #96-Ubuntu`.
/// 2.6.32 prints `Pid: 2431, comm: java Not tainted 2.6.32-358.el6.x86_64 #1` instead.
pub fn cpu_line(t: &str) -> Option<CpuLine<'_>> {
    let (pid_at, comm_at) = match (t.find("PID:"), t.find("Comm:")) {
        (Some(p), Some(c)) => (p, c),
        _ if t.starts_with("Pid: ") => (0, t.find(", comm:")? + 2),
        _ => return None,
    };
    let pid = t[pid_at + 4..]
        .split_ascii_whitespace()
        .next()
        .and_then(|p| p.trim_end_matches(',').parse().ok());
    let after_comm = t[comm_at + 5..].trim_start();
    let comm_end = [" Tainted:", " Not tainted", " tainted"]
        .iter()
        .filter_map(|m| after_comm.find(m))
        .min();
    let comm = match comm_end {
        Some(e) => Some(after_comm[..e].trim()),
        None => after_comm.split_ascii_whitespace().next(),
    }
    .filter(|c| !c.is_empty());
    let tail = match comm_end {
        Some(e) => &after_comm[e..],
        None => after_comm,
    };
    let words: Vec<&str> = tail.split_ascii_whitespace().collect();
    let release = words
        .iter()
        .position(|w| w.starts_with('#'))
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| words.get(i).copied())
        .filter(|r| r.as_bytes().first().is_some_and(u8::is_ascii_digit) && r.contains('.'));
    Some(CpuLine { pid, comm, release })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(
            classify(" [<ffffffff81687133>] dump_stack+0x19/0x1b"),
            Some(DumpLine::Frame {
                function: Some("dump_stack")
            })
        );
        assert_eq!(
            classify(" [<ffffffffa03029e1>] nf_conntrack_init_net+0x101/0x250 [nf_conntrack]"),
            Some(DumpLine::Frame {
                function: Some("nf_conntrack_init_net")
            })
        );
        assert_eq!(
            classify(" ? srso_alias_return_thunk+0x5/0x7f"),
            Some(DumpLine::Frame { function: None })
        );
        assert_eq!(
            classify(" oom_kill_process.cold+0xb/0x10"),
            Some(DumpLine::Frame {
                function: Some("oom_kill_process.cold")
            })
        );
        assert_eq!(classify("Mem-Info:"), None);
        assert_eq!(classify("active_anon:1 inactive_anon:2"), None);
    }

    #[test]
    fn frames_after_a_stack_marker_on_the_same_line() {
        // 3.10 (RHEL 7) softirq trace: the marker and the first frame share a line.
        assert_eq!(
            classify(" <IRQ>  [<ffffffff816360fc>] dump_stack+0x19/0x1b"),
            Some(DumpLine::Frame {
                function: Some("dump_stack")
            })
        );
        assert_eq!(
            classify(" <EOI>  [<ffffffff81058e96>] ? native_safe_halt+0x6/0x10"),
            Some(DumpLine::Frame { function: None })
        );
        assert_eq!(classify(" <IRQ> "), Some(DumpLine::Context));
        assert_eq!(classify("<IRQ> not a frame"), None);
    }

    #[test]
    fn context_lines() {
        for l in [
            " ffff8803b2254e60 000000009f4901bf ffff880066f2fd60 ffffffff81687133",
            "RIP: 0033:0x7efde8451109",
            "RAX: 000000000000dff1 RBX: 0000000000000020 RCX: 000055a84b591000",
            " <TASK>",
            "Hardware name: Google Google, BIOS Google 01/01/2011",
        ] {
            assert_eq!(classify(l), Some(DumpLine::Context), "{l}");
        }
    }

    #[test]
    fn cpu_lines() {
        let c = cpu_line("CPU: 5 PID: 839206 Comm: runc:[1:CHILD] Tainted: G            E  ------------ T 3.10.0-514.26.2.el7.x86_64 #1").unwrap();
        assert_eq!(c.pid, Some(839206));
        assert_eq!(c.comm, Some("runc:[1:CHILD]"));
        assert_eq!(c.release, Some("3.10.0-514.26.2.el7.x86_64"));
        let c = cpu_line(
            "CPU: 5 PID: 839206 Comm:runc:[1:CHILD] Tainted: G E T 3.10.0-514.26.2.el7.x86_64 #1",
        )
        .unwrap();
        assert_eq!(c.comm, Some("runc:[1:CHILD]"));
        let c = cpu_line("CPU: 0 PID: 7788 Comm: bash Not tainted 5.15.0-1087-azure #96-Ubuntu")
            .unwrap();
        assert_eq!(c.release, Some("5.15.0-1087-azure"));
        assert!(cpu_line("CPU: Physical Processor ID: 0").is_none());
        let c = cpu_line("Pid: 2431, comm: java Not tainted 2.6.32-358.el6.x86_64 #1").unwrap();
        assert_eq!(c.pid, Some(2431));
        assert_eq!(c.comm, Some("java"));
        assert_eq!(c.release, Some("2.6.32-358.el6.x86_64"));
        assert!(matches!(
            classify("Pid: 2431, comm: java Not tainted 2.6.32-358.el6.x86_64 #1"),
            Some(DumpLine::Cpu(_))
        ));
    }
}
