//! The `Mem-Info:` block (`show_free_areas`): page counters, per-zone watermarks, `lowmem_reserve`,
//! buddy free lists and the closing totals.

use crate::facts::{FreeLists, Line, MemInfoDump, Warning, ZoneDump};

use super::LogLine;

/// Collects one Mem-Info block line by line.
#[derive(Debug)]
pub struct MemInfoBuilder {
    dump: MemInfoDump,
    /// Whether any zone, buddy or total line was read (counters can no longer follow).
    past_counters: bool,
}

/// Whether a body starts a Mem-Info block.
pub fn is_start(body: &str) -> bool {
    body.trim_start().starts_with("Mem-Info:")
}

/// Whether a line can open a Mem-Info block whose `Mem-Info:` header was not logged (a zone or
/// buddy line on its own, as pasted excerpts often have).
pub fn is_headless_start(body: &str) -> bool {
    let t = body.trim();
    let rest = strip_node(t).1;
    // Stricter than inside a block: an ordinary message must not open one by accident.
    // The total of a buddy line follows its last list, `4096kB` or its types `(M)`; the
    // literal search of the prefilter relies on that.
    (is_zone_line(rest) && rest.contains(" min:") && rest.contains(" high:"))
        || (is_buddy_line(rest)
            && rest.contains("kB")
            && (rest.contains("kB = ") || rest.contains(") = ")))
}

impl MemInfoBuilder {
    pub fn new(first_line: u32) -> MemInfoBuilder {
        MemInfoBuilder {
            dump: MemInfoDump {
                first_line,
                ..MemInfoDump::default()
            },
            past_counters: false,
        }
    }

    /// Offer a line; returns whether it belongs to the block.
    pub fn feed(&mut self, l: &LogLine<'_>, warnings: &mut Vec<Warning>) -> bool {
        let t = l.body.trim();
        if t.is_empty() {
            return false;
        }
        if is_start(t) {
            // A new block, unless this is the block's own header.
            return l.no == self.dump.first_line && self.dump.counters_pages.is_empty();
        }
        if t.ends_with(" per-cpu:") || (t.starts_with("CPU") && t.contains(" hi:")) {
            return true;
        }
        let (node, rest) = strip_node(t);
        if is_buddy_line(rest) {
            self.past_counters = true;
            self.buddy_line(node, rest, l, warnings);
            return true;
        }
        if is_zone_line(rest) {
            self.past_counters = true;
            self.zone_line(node, rest, l, warnings);
            return true;
        }
        if let Some(values) = rest.strip_prefix("lowmem_reserve[]:") {
            self.lowmem_reserve(values, l, warnings);
            return true;
        }
        if rest.starts_with("hugepages_total=") {
            self.past_counters = true;
            return true;
        }
        if node.is_some() {
            // 4.8+ per-node counters (`Node 0 active_anon:...kB ... all_unreclaimable? no`).
            return first_field_is_counter(rest);
        }
        if self.totals_line(t, l, warnings) {
            self.past_counters = true;
            return true;
        }
        if !self.past_counters && first_field_is_counter(t) {
            self.counters(t, l, warnings);
            return true;
        }
        false
    }

    pub fn finish(self) -> MemInfoDump {
        self.dump
    }

    fn counters(&mut self, t: &str, l: &LogLine<'_>, warnings: &mut Vec<Warning>) {
        for field in fields(t) {
            match field {
                Field::Value { name, value, unit } => {
                    if unit.is_some() {
                        continue;
                    }
                    self.dump.counters_pages.insert(name.to_string(), value);
                }
                Field::Bad(token) => warnings.push(Warning::at(
                    l.no,
                    format!("Mem-Info counter `{token}` is not a number"),
                )),
                Field::Word(_) => {}
            }
        }
    }

    fn zone_line(
        &mut self,
        node: Option<u32>,
        rest: &str,
        l: &LogLine<'_>,
        warnings: &mut Vec<Warning>,
    ) {
        let (zone, values) = rest.split_once(' ').unwrap_or((rest, ""));
        let mut z = ZoneDump {
            node,
            zone: zone.to_string(),
            line: Some(l.line()),
            ..ZoneDump::default()
        };
        for field in fields(values) {
            match field {
                Field::Value {
                    name,
                    value,
                    unit: Some(_),
                } => match name {
                    "free" => z.free_kb = Some(value),
                    "min" => z.min_kb = Some(value),
                    "low" => z.low_kb = Some(value),
                    "high" => z.high_kb = Some(value),
                    other => {
                        z.fields_kb.insert(other.to_string(), value);
                    }
                },
                Field::Value { unit: None, .. } | Field::Word(_) => {}
                Field::Bad(token) => warnings.push(Warning::at(
                    l.no,
                    format!("zone {zone}: field `{token}` is not a kB value"),
                )),
            }
        }
        for (name, v) in [
            ("free", z.free_kb),
            ("min", z.min_kb),
            ("low", z.low_kb),
            ("high", z.high_kb),
        ] {
            if v.is_none() {
                warnings.push(Warning::at(
                    l.no,
                    format!("zone {zone}: no readable `{name}:` value"),
                ));
            }
        }
        self.dump.zones.push(z);
    }

    fn lowmem_reserve(&mut self, values: &str, l: &LogLine<'_>, warnings: &mut Vec<Warning>) {
        let mut reserve = Vec::new();
        for v in values.split_ascii_whitespace() {
            match v.parse::<u64>() {
                Ok(n) => reserve.push(n),
                Err(_) => {
                    warnings.push(Warning::at(
                        l.no,
                        format!("lowmem_reserve value `{v}` is not a number"),
                    ));
                    return;
                }
            }
        }
        match self.dump.zones.last_mut() {
            Some(z) if z.lowmem_reserve_line.is_none() => {
                z.lowmem_reserve = reserve;
                z.lowmem_reserve_line = Some(l.line());
            }
            _ => warnings.push(Warning::at(
                l.no,
                "lowmem_reserve[] line without a zone line before it",
            )),
        }
    }

    fn buddy_line(
        &mut self,
        node: Option<u32>,
        rest: &str,
        l: &LogLine<'_>,
        warnings: &mut Vec<Warning>,
    ) {
        let Some((zone, lists)) = rest.split_once(':') else {
            return;
        };
        let zone = zone.trim();
        let parsed = match parse_free_lists(lists, l.line()) {
            Ok(f) => f,
            Err(msg) => {
                warnings.push(Warning::at(l.no, format!("zone {zone} free lists: {msg}")));
                return;
            }
        };
        if let Some(z) = self
            .dump
            .zones
            .iter_mut()
            .find(|z| z.zone == zone && z.node == node && z.free_lists.is_none())
        {
            z.free_lists = Some(parsed);
            return;
        }
        self.dump.zones.push(ZoneDump {
            node,
            zone: zone.to_string(),
            free_lists: Some(parsed),
            ..ZoneDump::default()
        });
    }

    /// `221859 total pagecache pages`, `Free swap  = 0kB`, `4194174 pages RAM`, ...
    fn totals_line(&mut self, t: &str, l: &LogLine<'_>, warnings: &mut Vec<Warning>) -> bool {
        if t.starts_with("Swap cache stats:") {
            return true;
        }
        for (prefix, slot) in [
            ("Free swap", &mut self.dump.free_swap_kb),
            ("Total swap", &mut self.dump.total_swap_kb),
        ] {
            if let Some(v) = t.strip_prefix(prefix) {
                let v = v.trim_start().trim_start_matches('=').trim();
                match v.strip_suffix("kB").and_then(|n| n.trim().parse().ok()) {
                    Some(n) => *slot = Some(n),
                    None => warnings.push(Warning::at(
                        l.no,
                        format!("{prefix}: `{v}` is not a kB value"),
                    )),
                }
                return true;
            }
        }
        let Some((num, what)) = t.split_once(' ') else {
            return false;
        };
        let Ok(n) = num.parse::<u64>() else {
            return false;
        };
        let what = what.trim();
        match what {
            "total pagecache pages" => self.dump.total_pagecache_pages = Some(n),
            "pages in swap cache" => self.dump.swap_cache_pages = Some(n),
            "pages RAM" => self.dump.pages_ram = Some(n),
            "pages HighMem/MovableOnly" | "pages HighMem" => self.dump.pages_highmem = Some(n),
            "pages reserved" => self.dump.pages_reserved = Some(n),
            w if w.starts_with("pages ") => {}
            _ => return false,
        }
        true
    }
}

/// `Node 3 rest` → (Some(3), "rest").
fn strip_node(t: &str) -> (Option<u32>, &str) {
    if let Some(r) = t.strip_prefix("Node ") {
        if let Some((n, rest)) = r.split_once(' ') {
            if let Ok(n) = n.parse::<u32>() {
                return (Some(n), rest.trim_start());
            }
        }
    }
    (None, t)
}

/// `Normal free:95232kB min:...`: a zone name, then `free:`.
fn is_zone_line(rest: &str) -> bool {
    let mut it = rest.split_ascii_whitespace();
    let (Some(zone), Some(next)) = (it.next(), it.next()) else {
        return false;
    };
    is_zone_name(zone) && next.starts_with("free:")
}

/// `Normal: 15952*4kB (UEM) ...`.
fn is_buddy_line(rest: &str) -> bool {
    let Some((zone, lists)) = rest.split_once(':') else {
        return false;
    };
    is_zone_name(zone.trim())
        && lists
            .trim_start()
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit())
        && lists.contains('*')
}

fn is_zone_name(z: &str) -> bool {
    !z.is_empty()
        && z.len() <= 16
        && z.bytes().all(|b| b.is_ascii_alphanumeric())
        && z.as_bytes()[0].is_ascii_uppercase()
}

fn first_field_is_counter(t: &str) -> bool {
    matches!(fields(t).next(), Some(Field::Value { .. }))
}

/// One `name:value[kB]` field of a Mem-Info line.
#[derive(Debug, PartialEq)]
pub enum Field<'a> {
    Value {
        name: &'a str,
        value: u64,
        unit: Option<&'a str>,
    },
    /// A token that looks like a field but whose value is unreadable.
    Bad(&'a str),
    /// A word without a colon (`all_unreclaimable?`, `no`).
    Word(&'a str),
}

/// Split `name:NkB` tokens, including glued ones such as `shmem:232948kBslab_reclaimable:5108320kB`.
pub fn fields(s: &str) -> impl Iterator<Item = Field<'_>> {
    s.split_ascii_whitespace().flat_map(|token| {
        let mut out = Vec::new();
        let mut rest = token;
        while !rest.is_empty() {
            let Some(colon) = rest.find(':') else {
                out.push(Field::Word(rest));
                break;
            };
            let name = &rest[..colon];
            let after = &rest[colon + 1..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if name.is_empty() || digits == 0 {
                out.push(Field::Bad(rest));
                break;
            }
            let Ok(value) = after[..digits].parse::<u64>() else {
                out.push(Field::Bad(rest));
                break;
            };
            let tail = &after[digits..];
            let (unit, tail) = if let Some(t) = tail.strip_prefix("kB") {
                (Some("kB"), t)
            } else if let Some(t) = tail.strip_prefix("KB") {
                (Some("KB"), t)
            } else {
                (None, tail)
            };
            out.push(Field::Value { name, value, unit });
            if tail.is_empty() {
                break;
            }
            if !tail.as_bytes()[0].is_ascii_alphabetic() {
                out.push(Field::Bad(tail));
                break;
            }
            rest = tail;
        }
        out
    })
}

/// `15952*4kB (UEM) 2235*8kB (UEM) ... 0*4096kB = 95976kB` (also `(UEM)2235*8kB` glued).
pub fn parse_free_lists(s: &str, line: Line) -> Result<FreeLists, String> {
    let mut lists = FreeLists {
        line,
        ..FreeLists::default()
    };
    let b = s.as_bytes();
    let mut i = 0;
    let number = |i: &mut usize| -> Option<u64> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        s.get(start..*i)?.parse().ok()
    };
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' => i += 1,
            b'(' => {
                let close = s[i..].find(')').ok_or("unclosed `(`")? + i;
                let letters = &s[i + 1..close];
                match lists.migratetypes.last_mut() {
                    Some(m) => m.push_str(letters),
                    None => return Err("migratetype letters before any count".into()),
                }
                i = close + 1;
            }
            b'=' => {
                i += 1;
                while i < b.len() && b[i] == b' ' {
                    i += 1;
                }
                let total = number(&mut i).ok_or("unreadable total after `=`")?;
                if !s[i..].trim_start().starts_with("kB") {
                    return Err("total is not in kB".into());
                }
                lists.total_kb = Some(total);
                break;
            }
            c if c.is_ascii_digit() => {
                let count = number(&mut i).ok_or("unreadable count")?;
                if b.get(i) != Some(&b'*') {
                    return Err(format!("count {count} without `*size`"));
                }
                i += 1;
                let size = number(&mut i).ok_or("unreadable block size")?;
                if !s[i..].starts_with("kB") {
                    return Err("block size is not in kB".into());
                }
                i += 2;
                if lists.counts.is_empty() {
                    lists.page_kb = size;
                }
                lists.counts.push(count);
                lists.migratetypes.push(String::new());
            }
            _ => {
                let rest: String = s[i..].chars().take(20).collect();
                return Err(format!("unexpected text `{rest}`"));
            }
        }
    }
    if lists.counts.is_empty() {
        return Err("no `count*size` items".into());
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headless_starts() {
        for start in [
            "Node 0 Normal free:95232kB min:45056kB low:56320kB high:67584kB",
            "Node 0 Normal: 15952*4kB (UEM) 1*8kB = 63816kB",
            "Node 0 DMA32: 7*4kB (UM) 3*2048kB (M) = 6172kB",
            "DMA: 1*4kB 2*8kB 0*4096kB = 20kB",
        ] {
            assert!(is_headless_start(start), "{start}");
        }
        // The total must follow a size or a type, as the prefilter's literals assume.
        for not in [
            "Node 0 Normal: 15952*4kB x = 63816kB",
            "Node 0 Normal: 15952*4kB",
            "Normal free:95232kB low:56320kB",
        ] {
            assert!(!is_headless_start(not), "{not}");
        }
    }

    #[test]
    fn glued_fields_split() {
        let v: Vec<_> =
            fields("shmem:232948kBslab_reclaimable:5108320kB all_unreclaimable? no").collect();
        assert_eq!(
            v,
            vec![
                Field::Value {
                    name: "shmem",
                    value: 232948,
                    unit: Some("kB")
                },
                Field::Value {
                    name: "slab_reclaimable",
                    value: 5108320,
                    unit: Some("kB")
                },
                Field::Word("all_unreclaimable?"),
                Field::Word("no"),
            ]
        );
        assert_eq!(
            fields("free:abckB").collect::<Vec<_>>(),
            vec![Field::Bad("free:abckB")]
        );
    }

    #[test]
    fn free_lists_glued_and_twelve_orders() {
        let f = parse_free_lists(
            " 15952*4kB (UEM)2235*8kB (UEM) 859*16kB (UEM) 17*32kB (UE) 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 95976kB",
            Line::default(),
        )
        .unwrap();
        assert_eq!(f.counts, vec![15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(f.migratetypes[1], "UEM");
        assert_eq!(f.migratetypes[4], "");
        assert_eq!(f.total_kb, Some(95976));
        assert_eq!(f.page_kb, 4);
        assert!(parse_free_lists(" 12*4kB (U) 3*xkB = 4kB", Line::default()).is_err());
    }
}
