//! `free` output of any procps version, with any unit flag, stored in bytes.
//!
//! Layouts:
//! - old procps (<= 3.3.9): `total used free shared buffers cached`, then a
//!   `-/+ buffers/cache:` row and `Swap:`;
//! - procps-ng 3.3.10+: `total used free shared buff/cache available`; `-w` splits
//!   `buffers` and `cache` (7 columns); `-t` adds a `Total:` row; `-l` adds `Low:`/`High:`.
//!
//! Columns are mapped by header name. When the header words are unknown (a translated header:
//! `utilisé libre partagé tamp/cache disponible`) the columns are mapped by position, which the
//! number of Mem values and the presence of the `-/+ buffers/cache` row make unambiguous. The Mem
//! row is the first row whose label ends with `:`; the swap row is `Swap:` or, in a translated
//! output, the first other labelled row after Mem (`Partition d'échange:`).
//!
//! Unit: from the flags of a pasted `free` command line when there is one (`free -mh`, `free -b`),
//! else from the values themselves (`15G`, `923Mi`, `0B` are human-readable), else `free`'s
//! default KiB, with a warning that the unit was assumed. `-h` values are rounded by `free`
//! itself (`5.5G`), so their bytes are only as precise as printed.
//!
//! Only the first table is read; a second one (two runs pasted together) is reported in a warning.

use crate::facts::{Facts, Free, FreeLayout, FreeRow, Line, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// How the numbers of a `free` table are scaled.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    /// Plain numbers times this many bytes (`-b` 1, `-k` 1024, `-m`, `-g`, `--mega`...).
    Scaled { bytes: u64, name: &'static str },
    /// `-h`: every value carries its own suffix; `si` makes `K`/`M`/`G` powers of 1000.
    Human { si: bool },
}

impl Unit {
    fn name(self) -> String {
        match self {
            Unit::Scaled { name, .. } => name.to_string(),
            Unit::Human { si: false } => "human".to_string(),
            Unit::Human { si: true } => "human (SI)".to_string(),
        }
    }
}

const KIB: Unit = Unit::Scaled {
    bytes: 1024,
    name: "KiB",
};

/// The unit selected by the flags of a `free` command line, if the line is one: `free` first on
/// the line or right after a prompt, followed only by options.
fn unit_from_command(cleaned: &str) -> Option<Unit> {
    let before_pipe = cleaned.split('|').next().unwrap_or("");
    let tokens: Vec<&str> = fields(before_pipe).collect();
    let at = tokens
        .iter()
        .position(|t| *t == "free" || t.ends_with("/free"))?;
    if at > 0 && !tokens.get(at - 1)?.ends_with(['#', '$', '>', '%']) {
        return None;
    }
    let args = tokens.get(at + 1..).unwrap_or(&[]);
    let mut scaled: Option<char> = None;
    let mut human = false;
    let mut si = false;
    let mut expect_value = false;
    for arg in args {
        if expect_value {
            expect_value = false;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            match long {
                "bytes" => scaled = Some('b'),
                "kibi" | "kilo" => scaled = Some(if long == "kilo" { 'K' } else { 'k' }),
                "mebi" => scaled = Some('m'),
                "mega" => scaled = Some('M'),
                "gibi" => scaled = Some('g'),
                "giga" => scaled = Some('G'),
                "tebi" => scaled = Some('t'),
                "tera" => scaled = Some('T'),
                "pebi" => scaled = Some('p'),
                "peta" => scaled = Some('P'),
                "human" => human = true,
                "si" => si = true,
                _ => {}
            }
        } else if let Some(short) = arg.strip_prefix('-') {
            for c in short.chars() {
                match c {
                    'b' | 'k' | 'm' | 'g' => scaled = Some(c),
                    'h' => human = true,
                    's' | 'c' => expect_value = true,
                    _ => {}
                }
            }
        } else {
            // `free` takes no operands: this is prose that mentions the word.
            return None;
        }
    }
    if human {
        return Some(Unit::Human { si });
    }
    // Without a unit option, `free` prints KiB.
    let unit = scaled.map_or(KIB, |c| {
        let (bytes, name): (u64, &'static str) = match (c, si) {
            ('b', _) => (1, "bytes"),
            ('k', false) => (1 << 10, "KiB"),
            ('k', true) | ('K', _) => (1_000, "kB"),
            ('m', false) => (1 << 20, "MiB"),
            ('m', true) | ('M', _) => (1_000_000, "MB"),
            ('g', false) => (1 << 30, "GiB"),
            ('g', true) | ('G', _) => (1_000_000_000, "GB"),
            ('t', _) => (1 << 40, "TiB"),
            ('T', _) => (1_000_000_000_000, "TB"),
            ('p', _) => (1 << 50, "PiB"),
            _ => (1_000_000_000_000_000, "PB"),
        };
        Unit::Scaled { bytes, name }
    });
    Some(unit)
}

/// Whether a token has a human-readable suffix (`5.5G`, `0B`, `923Mi`).
fn has_suffix(token: &str) -> bool {
    token.ends_with(|c: char| c.is_ascii_alphabetic())
}

/// Read one value in bytes. A suffixed value is read by its suffix whatever the unit flag said;
/// a plain number is scaled by the unit.
fn value_bytes(token: &str, unit: Unit) -> Option<u64> {
    let split = token
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(token.len());
    let (number, suffix) = token.split_at(split);
    if number.is_empty()
        || !number
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return None;
    }
    if suffix.is_empty() {
        if let Unit::Scaled { bytes, .. } = unit {
            if let Ok(n) = number.parse::<u64>() {
                return n.checked_mul(bytes);
            }
            return None;
        }
        // Human output always prints a suffix; only a bare zero is unambiguous.
        return (number.parse::<u64>().ok()? == 0).then_some(0);
    }
    let si = matches!(unit, Unit::Human { si: true });
    let (letter, binary) = match suffix {
        "B" => ('B', true),
        s if s.len() == 2 && s.ends_with('i') => (s.chars().next()?, true),
        s if s.len() == 1 => (s.chars().next()?, !si),
        _ => return None,
    };
    let power = match letter.to_ascii_uppercase() {
        'B' => 0,
        'K' => 1,
        'M' => 2,
        'G' => 3,
        'T' => 4,
        'P' => 5,
        'E' => 6,
        _ => return None,
    };
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    // Some locales print a decimal comma (`5,5G`).
    let v: f64 = number.replace(',', ".").parse().ok()?;
    let bytes = (v * base.powi(power)).round();
    (bytes.is_finite() && bytes < 1.8e19).then_some(bytes as u64)
}

/// A labelled row: the label (tokens up to the one ending in `:`) and the value tokens.
fn labelled_row(cleaned: &str) -> Option<(String, Vec<&str>)> {
    let tokens: Vec<&str> = fields(cleaned).collect();
    let end = tokens.iter().position(|t| t.ends_with(':'))?;
    // Labels are one or two words (`Mem:`, `-/+ buffers/cache:`, `Partition d'échange:`).
    if end > 2 {
        return None;
    }
    let label = tokens.get(..=end)?.join(" ");
    let values = tokens.get(end + 1..)?.to_vec();
    if !values.first()?.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((label, values))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Total,
    Used,
    Free,
    Shared,
    Buffers,
    Cache,
    BuffCache,
    Available,
}

fn known_column(word: &str) -> Option<Col> {
    Some(match word {
        "total" => Col::Total,
        "used" => Col::Used,
        "free" => Col::Free,
        "shared" => Col::Shared,
        "buffers" => Col::Buffers,
        "cached" | "cache" => Col::Cache,
        "buff/cache" => Col::BuffCache,
        "available" => Col::Available,
        _ => return None,
    })
}

fn positional_columns(values: usize, old_layout: bool) -> Option<Vec<Col>> {
    use Col::*;
    Some(match (values, old_layout) {
        (6, true) => vec![Total, Used, Free, Shared, Buffers, Cache],
        (6, false) => vec![Total, Used, Free, Shared, BuffCache, Available],
        (7, _) => vec![Total, Used, Free, Shared, Buffers, Cache, Available],
        (3, _) => vec![Total, Used, Free],
        _ => return None,
    })
}

fn fill_row(columns: &[Col], values: &[u64]) -> FreeRow {
    let mut row = FreeRow::default();
    for (col, v) in columns.iter().zip(values) {
        let slot = match col {
            Col::Total => &mut row.total_bytes,
            Col::Used => &mut row.used_bytes,
            Col::Free => &mut row.free_bytes,
            Col::Shared => &mut row.shared_bytes,
            Col::Buffers => &mut row.buffers_bytes,
            Col::Cache => &mut row.cache_bytes,
            Col::BuffCache => &mut row.buff_cache_bytes,
            Col::Available => &mut row.available_bytes,
        };
        *slot = Some(*v);
    }
    row
}

struct RawRow<'a> {
    no: u32,
    raw: &'a str,
    label: String,
    values: Vec<String>,
}

/// The `free` command line a file name records: sosreport's `free_-m`, a collector's
/// `free-mh.txt`. `None` when the name carries no flags.
pub fn command_from_path(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    // sosreport names each file after the command it ran: its `free` ran without a flag.
    if name == "free" && path.contains("sos_commands/") {
        return Some("free".to_string());
    }
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    let rest = stem.strip_prefix("free")?.trim_start_matches(['_', ' ']);
    rest.starts_with('-')
        .then(|| format!("free {}", rest.replace('_', " ")))
}

/// The warning of a table whose unit nothing states; [`settle_units`] takes it back when the
/// bundle's `MemTotal` says the unit.
pub const UNIT_NOT_STATED: &str = "the unit of this free output is not stated (no command line, \
     no suffixes, no MemTotal in the bundle): assumed KiB, free's default; values are wrong if \
     it was run with -m, -g or -b";

/// Settle the unit of every `free` table whose unit was assumed, from the bundle's `MemTotal`
/// (`/proc/meminfo`, in KiB): `free`'s total is `MemTotal` in the unit it was run with. A
/// table so settled loses its warning; one that no `MemTotal` settles keeps it.
pub fn settle_units(facts: &mut Facts) {
    let Some(mem_total_kib) = facts
        .meminfo
        .iter()
        .find_map(|m| m.value.value("MemTotal"))
        .and_then(|kib| u64::try_from(kib).ok())
        .filter(|&kib| kib > 0)
    else {
        return;
    };
    let mut settled: Vec<String> = Vec::new();
    for sourced in &mut facts.free {
        let free = &mut sourced.value;
        let Some(total) = free.mem.total_bytes.filter(|&t| t > 0) else {
            continue;
        };
        if !free.unit_assumed {
            continue;
        }
        // Read as KiB, `total` is bytes = printed * 1024; the printed number in the unit of
        // `MemTotal` would be `mem_total_kib`.
        let printed = total / 1024;
        let scale = [(1u64, "KiB"), (1024, "MiB"), (1024 * 1024, "GiB")]
            .into_iter()
            .chain(std::iter::once((0, "B")))
            .find(|&(factor, _)| {
                let expected = mem_total_kib
                    .checked_div(factor)
                    .unwrap_or(mem_total_kib.saturating_mul(1024));
                // `free -g` rounds down to whole GiB; the others agree to the unit.
                expected > 0 && printed.abs_diff(expected) <= (expected / 10).max(1)
            });
        let Some((factor, name)) = scale else {
            continue;
        };
        let rescale = |row: &mut FreeRow| {
            for v in [
                &mut row.total_bytes,
                &mut row.used_bytes,
                &mut row.free_bytes,
                &mut row.shared_bytes,
                &mut row.buffers_bytes,
                &mut row.cache_bytes,
                &mut row.buff_cache_bytes,
                &mut row.available_bytes,
            ]
            .into_iter()
            .flatten()
            {
                *v = if factor == 0 {
                    *v / 1024
                } else {
                    v.saturating_mul(factor)
                };
            }
        };
        rescale(&mut free.mem);
        if let Some(swap) = free.swap.as_mut() {
            rescale(swap);
        }
        free.unit = name.to_string();
        free.unit_assumed = false;
        settled.push(sourced.path.clone());
    }
    for source in facts
        .sources
        .iter_mut()
        .filter(|s| settled.contains(&s.path))
    {
        source.warnings.retain(|w| w.message != UNIT_NOT_STATED);
    }
}

/// Parse `free` output.
pub fn parse(text: &str) -> Parsed<Option<Free>> {
    parse_with_command(text, None)
}

/// Parse `free` output produced by `command` (known from the file's name or the collector's
/// manifest) when the text itself does not show the command line.
pub fn parse_with_command(text: &str, command: Option<&str>) -> Parsed<Option<Free>> {
    let mut warnings = Vec::new();
    let mut command_unit: Option<Unit> = command.and_then(unit_from_command);
    let mut header: Vec<String> = Vec::new();
    let mut mem: Option<RawRow> = None;
    let mut rest: Vec<RawRow> = Vec::new();
    for (no, raw) in numbered_lines(text) {
        let cleaned = clean(raw);
        if cleaned.is_empty() {
            continue;
        }
        if let Some(unit) = unit_from_command(&cleaned) {
            if mem.is_none() {
                command_unit = Some(unit);
                continue;
            }
            // A second run: the table read so far is complete.
            warnings.push(Warning::at(
                no,
                "another `free` run follows; only the first table is read",
            ));
            break;
        }
        if is_prompt_line(raw) {
            continue;
        }
        match labelled_row(&cleaned) {
            Some((label, values)) => {
                let row = RawRow {
                    no,
                    raw,
                    label,
                    values: values.into_iter().map(str::to_string).collect(),
                };
                if mem.is_none() {
                    mem = Some(row);
                } else if row.label == "Mem:" {
                    warnings.push(Warning::at(
                        no,
                        "a second Mem row follows; only the first table is read",
                    ));
                    break;
                } else {
                    rest.push(row);
                }
            }
            None if mem.is_none() => {
                // The header is the last unlabelled line before the Mem row.
                header = fields(&cleaned).map(str::to_string).collect();
            }
            None => {}
        }
    }
    let Some(mem) = mem else {
        if !text.trim().is_empty() {
            warnings.push(Warning::file("no Mem row found in free output"));
        }
        return Parsed::new(None, warnings);
    };

    let has_buffers_row = rest.iter().any(|r| r.label.starts_with("-/+"));
    let suffixed = std::iter::once(&mem)
        .chain(&rest)
        .any(|r| r.values.iter().any(|v| has_suffix(v)));
    let unit_assumed = command_unit.is_none() && !suffixed;
    let unit = match command_unit {
        Some(u) => u,
        None if suffixed => Unit::Human { si: false },
        None => {
            warnings.push(Warning::at(mem.no, UNIT_NOT_STATED));
            KIB
        }
    };

    let known: Option<Vec<Col>> = header.iter().map(|h| known_column(h)).collect();
    let columns = match known {
        Some(cols) if cols.len() == mem.values.len() => cols,
        _ => match positional_columns(mem.values.len(), has_buffers_row) {
            Some(cols) => cols,
            None => {
                warnings.push(Warning::at(
                    mem.no,
                    format!(
                        "free Mem row has {} values and the header does not name them; not read",
                        mem.values.len()
                    ),
                ));
                return Parsed::new(None, warnings);
            }
        },
    };
    // Old procps prints `cached` (new prints `cache`) and, unless run with `-o`, the
    // `-/+ buffers/cache` row.
    let old_header = header.iter().any(|h| h == "cached");
    let layout = if has_buffers_row || (old_header && !columns.contains(&Col::Available)) {
        FreeLayout::BuffersCache
    } else {
        FreeLayout::Available
    };

    let read = |row: &RawRow, warnings: &mut Vec<Warning>| -> Option<Vec<u64>> {
        let values: Option<Vec<u64>> = row.values.iter().map(|v| value_bytes(v, unit)).collect();
        if values.is_none() {
            warnings.push(Warning::at(
                row.no,
                format!(
                    "free {} row has a value that cannot be read; skipped",
                    row.label
                ),
            ));
        }
        values
    };
    let Some(mem_values) = read(&mem, &mut warnings) else {
        return Parsed::new(None, warnings);
    };
    let mut free = Free {
        layout,
        unit: unit.name(),
        mem: fill_row(&columns, &mem_values),
        swap: None,
        mem_line: Some(line(mem.no, mem.raw)),
        swap_line: None,
        unit_assumed,
    };
    let swap_row = rest.iter().find(|r| r.label == "Swap:").or_else(|| {
        rest.iter().find(|r| {
            !r.label.starts_with("-/+") && !matches!(r.label.as_str(), "Total:" | "Low:" | "High:")
        })
    });
    if let Some(row) = swap_row {
        if row.values.len() != 3 {
            warnings.push(Warning::at(
                row.no,
                format!(
                    "free swap row has {} values, not 3; skipped",
                    row.values.len()
                ),
            ));
        } else if let Some(values) = read(row, &mut warnings) {
            free.swap = Some(fill_row(&[Col::Total, Col::Used, Col::Free], &values));
            free.swap_line = Some(Line::new(row.no, row.raw));
        }
    }
    Parsed::new(Some(free), warnings)
}

#[cfg(test)]
mod path_command_tests {
    use super::*;

    #[test]
    fn the_file_name_gives_the_unit() {
        assert_eq!(
            command_from_path("sos_commands/memory/free_-m").as_deref(),
            Some("free -m")
        );
        assert_eq!(
            command_from_path("x/free-mh.txt").as_deref(),
            Some("free -mh")
        );
        assert_eq!(command_from_path("free.txt"), None);
        assert_eq!(command_from_path("freeze.log"), None);
        let text = "              total        used        free      shared  buff/cache   available\nMem:          24105         579       22655           8        1124       23525\n";
        let p = parse_with_command(text, command_from_path("free-m.txt").as_deref());
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let free = p.value.expect("parsed");
        assert_eq!(free.mem.total_bytes, Some(24105 * 1024 * 1024));
        assert!(parse(text)
            .warnings
            .iter()
            .any(|w| w.message.contains("assumed KiB")));
    }
}

/// `free`, of every procps and unit flag.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Free,
    paths: Paths {
        sosreport: &["sos_commands/memory/free*"],
        collector: &["free-m.txt"],
        supportconfig: &["free*"],
        plain: &["free*"],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        let command = command_from_path(path);
        let text = String::from_utf8_lossy(bytes);
        super::file_one(
            &mut facts.free,
            path,
            parse_with_command(&text, command.as_deref()),
        )
    }),
};

/// A `Mem:` row of figures says `free`; a header naming its columns fits it.
fn sniff(head: &Head<'_>) -> Option<Strength> {
    if head.lines().any(is_mem_row) {
        return Some(Strength::Strong);
    }
    head.lines()
        .any(|l| l.contains("total") && l.contains("used") && l.contains("free"))
        .then_some(Strength::Plausible)
}

/// A `free` row of memory figures: `Mem:  15G  5.5G  270M ...` or `Mem: 16267516 5742860 ...`.
fn is_mem_row(line: &str) -> bool {
    let mut fields = fields(line);
    if fields.next() != Some("Mem:") {
        return false;
    }
    fields.filter(|f| is_size_figure(f)).count() >= 3
}

/// `1015732`, `5.5G`, `0B`, `8,2M` (comma decimals in some locales), `3.6Gi`.
fn is_size_figure(f: &str) -> bool {
    let number_end = f
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(f.len());
    let (number, unit) = f.split_at(number_end);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    matches!(
        unit,
        "" | "B" | "K" | "M" | "G" | "T" | "P" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle_with(free_text: &str, free_path: &str, mem_total_kib: Option<u64>) -> Facts {
        let mut facts = Facts::default();
        if let Some(kib) = mem_total_kib {
            let meminfo = format!("MemTotal:       {kib} kB\nMemFree:         1000 kB\n");
            super::super::parse_into(
                &mut facts,
                "proc/meminfo",
                SourceKind::Meminfo,
                meminfo.as_bytes(),
            );
        }
        let outcome = super::super::parse_into(
            &mut facts,
            free_path,
            SourceKind::Free,
            free_text.as_bytes(),
        );
        facts.sources.push(crate::facts::SourceInfo {
            path: free_path.to_string(),
            size: 0,
            kind: SourceKind::Free,
            detection: crate::sources::Detection::Path,
            records: outcome.records,
            warnings: outcome.warnings,
            problem: None,
            mtime: None,
        });
        settle_units(&mut facts);
        facts
    }

    const FREE_M: &str =
        "              total        used        free      shared  buff/cache   available\n\
        Mem:          15885        5623         270         278        9991        6451\n\
        Swap:             0           0           0\n";

    #[test]
    fn mem_total_settles_the_unit_of_a_bare_table() {
        let facts = bundle_with(FREE_M, "free", Some(16_266_652));
        let free = &facts.free[0].value;
        assert_eq!(free.unit, "MiB");
        assert_eq!(free.mem.total_bytes, Some(15885 * 1024 * 1024));
        assert!(facts.sources[0].warnings.is_empty());
        // The same table without a MemTotal keeps its warning and its assumed KiB.
        let facts = bundle_with(FREE_M, "free", None);
        assert_eq!(facts.free[0].value.unit, "KiB");
        assert_eq!(facts.sources[0].warnings[0].message, UNIT_NOT_STATED);
        // A MemTotal that matches no unit leaves the warning too.
        let facts = bundle_with(FREE_M, "free", Some(1_000));
        assert_eq!(facts.sources[0].warnings.len(), 1);
    }

    #[test]
    fn sosreports_free_is_kib_by_its_name() {
        let kib = FREE_M.replace("15885", "16266652");
        let facts = bundle_with(&kib, "sos/sos_commands/memory/free", None);
        assert_eq!(facts.free[0].value.unit, "KiB");
        assert!(facts.sources[0].warnings.is_empty());
    }
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    const K: u64 = 1024;
    const M: u64 = 1024 * 1024;
    const G: u64 = 1024 * 1024 * 1024;

    fn read(name: &str) -> Parsed<Option<Free>> {
        parse(&test_data(&format!("free/{name}")))
    }

    fn free(p: &Parsed<Option<Free>>) -> &Free {
        p.value.as_ref().expect("a free table")
    }

    fn gib(x: f64) -> Option<u64> {
        Some((x * G as f64).round() as u64)
    }

    fn mib(x: f64) -> Option<u64> {
        Some((x * M as f64).round() as u64)
    }

    #[test]
    fn seed_free_mh() {
        let p = read("seed-beta004-mh.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.unit, "human");
        assert_eq!(f.layout, FreeLayout::Available);
        assert_eq!(f.mem.total_bytes, Some(15 * G));
        assert_eq!(f.mem.used_bytes, gib(5.5));
        assert_eq!(f.mem.free_bytes, Some(270 * M));
        assert_eq!(f.mem.shared_bytes, Some(278 * M));
        assert_eq!(f.mem.buff_cache_bytes, gib(9.7));
        assert_eq!(f.mem.available_bytes, gib(6.3));
        let swap = f.swap.as_ref().expect("swap");
        assert_eq!(swap.total_bytes, Some(0));
        assert_eq!(f.mem_line.as_ref().map(|l| l.no), Some(3));
        assert_eq!(f.swap_line.as_ref().map(|l| l.no), Some(4));
    }

    #[test]
    fn new_layout_mt_two_runs() {
        let p = read("new-procps-4-mt-ubuntu2204.txt");
        let f = free(&p);
        assert_eq!(f.unit, "MiB");
        assert_eq!(f.mem.total_bytes, Some(7937 * M));
        assert_eq!(f.mem.available_bytes, Some(3213 * M));
        assert_eq!(f.mem.buff_cache_bytes, Some(3360 * M));
        assert_eq!(f.swap.as_ref().and_then(|s| s.used_bytes), Some(M));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.contains("only the first table"));
    }

    #[test]
    fn bytes_with_bare_command_line() {
        let p = read("new-procps-b-bytes-lxc.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.unit, "bytes");
        assert_eq!(f.mem.total_bytes, Some(8589934592));
        assert_eq!(f.mem.available_bytes, Some(8297521152));
        assert_eq!(
            f.swap.as_ref().and_then(|s| s.free_bytes),
            Some(17179869184)
        );
    }

    #[test]
    fn french_locale_by_position() {
        let p = read("new-procps-fr-locale.txt");
        let f = free(&p);
        assert_eq!(f.layout, FreeLayout::Available);
        assert_eq!(f.mem.total_bytes, Some(2070188 * K));
        assert_eq!(f.mem.used_bytes, Some(190652 * K));
        assert_eq!(f.mem.buff_cache_bytes, Some(1655096 * K));
        assert_eq!(f.mem.available_bytes, Some(1812208 * K));
        assert_eq!(f.swap.as_ref().and_then(|s| s.total_bytes), Some(0));
        assert_eq!(f.swap_line.as_ref().map(|l| l.no), Some(3));
        // No command line, no suffixes: the KiB unit is assumed, and said so.
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.contains("assumed KiB"));
    }

    #[test]
    fn unflagged_gigabytes_are_reported_as_assumed() {
        let p = read("new-procps-g-gigabytes.txt");
        let f = free(&p);
        assert_eq!(f.unit, "KiB");
        assert_eq!(f.mem.total_bytes, Some(31 * K));
        assert!(p.warnings[0].message.contains("assumed KiB"));
        let p = read("new-procps-m-available.txt");
        assert_eq!(free(&p).mem.available_bytes, Some(21095 * K));
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn human_centos73() {
        let p = read("new-procps-h-centos73.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.mem.total_bytes, gib(3.6));
        assert_eq!(f.mem.shared_bytes, mib(8.2));
        assert_eq!(f.mem.used_bytes, Some(143 * M));
        assert_eq!(f.swap.as_ref().and_then(|s| s.total_bytes), Some(0));
    }

    #[test]
    fn wide_human_total() {
        let p = read("new-procps-hwt-wide-total.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.layout, FreeLayout::Available);
        assert_eq!(f.mem.buffers_bytes, Some(0));
        assert_eq!(f.mem.cache_bytes, gib(2.3));
        assert_eq!(f.mem.buff_cache_bytes, None);
        assert_eq!(f.mem.available_bytes, gib(4.9));
        // The swap row is Swap:, not Total:.
        assert_eq!(f.swap.as_ref().and_then(|s| s.total_bytes), Some(511 * M));
    }

    #[test]
    fn kib_samples() {
        let p = read("new-procps-k-centos7.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.unit, "KiB");
        assert_eq!(f.mem.available_bytes, Some(746304 * K));
        let p = read("new-procps-kb-nri-flex.txt");
        assert_eq!(free(&p).mem.used_bytes, Some(630952 * K));
        let p = read("new-procps-w-wide-kb.txt");
        let f = free(&p);
        assert_eq!(f.mem.shared_bytes, Some(14869576 * K));
        assert_eq!(f.mem.buffers_bytes, Some(12644 * K));
        assert_eq!(f.mem.cache_bytes, Some(50334128 * K));
        assert_eq!(f.mem.available_bytes, Some(36105664 * K));
    }

    #[test]
    fn old_layouts() {
        let p = read("old-procps-buffers-cache-line.txt");
        let f = free(&p);
        assert_eq!(f.layout, FreeLayout::BuffersCache);
        assert_eq!(f.mem.total_bytes, Some(12286456 * K));
        assert_eq!(f.mem.buffers_bytes, Some(81912 * K));
        assert_eq!(f.mem.cache_bytes, Some(6545228 * K));
        assert_eq!(f.mem.available_bytes, None);
        assert_eq!(f.swap.as_ref().and_then(|s| s.used_bytes), Some(54528 * K));

        let p = read("old-procps-k-centos6.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.layout, FreeLayout::BuffersCache);
        assert_eq!(f.mem.free_bytes, Some(340144 * K));

        let p = read("old-procps-m-centos6-trailing-space.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.unit, "MiB");
        assert_eq!(f.mem.cache_bytes, Some(710 * M));

        let p = read("old-procps-m-tm-total.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.mem.total_bytes, Some(7915 * M));
        assert_eq!(f.swap.as_ref().and_then(|s| s.total_bytes), Some(15257 * M));

        let p = read("old-procps-raspbian.txt");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = free(&p);
        assert_eq!(f.unit, "KiB");
        assert_eq!(f.mem.total_bytes, Some(948016 * K));
    }

    #[test]
    fn binary_suffixes_and_si() {
        let text = "$ free -h\n  total used free shared buff/cache available\n\
                    Mem: 1.2Ti 923Mi 10Gi 0B 1Ki 2.5Ti\nSwap: 0B 0B 0B\n";
        let f = parse(text).value.expect("table");
        assert_eq!(
            f.mem.total_bytes,
            Some((1.2 * (1u64 << 40) as f64).round() as u64)
        );
        assert_eq!(f.mem.used_bytes, Some(923 * M));
        assert_eq!(f.mem.free_bytes, Some(10 * G));
        let text = "$ free -h --si\n total used free shared buff/cache available\n\
                    Mem: 16G 5.5G 270M 0B 9.7G 6.3G\n";
        let f = parse(text).value.expect("table");
        assert_eq!(f.unit, "human (SI)");
        assert_eq!(f.mem.total_bytes, Some(16_000_000_000));
    }

    #[test]
    fn unreadable_values() {
        let p = parse("free -m\n total used free\nMem: 10 2x 8\n");
        assert!(p.value.is_none());
        assert_eq!(p.warnings[0].line, Some(3));
        let p = parse("free -m\n total used free shared buff/cache available\nMem: 10 2 8 1 1 1\nSwap: 1 x 1\n");
        assert!(p.value.as_ref().is_some_and(|f| f.swap.is_none()));
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(4));
    }

    #[test]
    fn old_layout_without_buffers_row() {
        let text = "$ free -o\n             total       used       free     shared    buffers     cached\n\
                    Mem:       1914328    1574184     340144          0     233380     458080\n\
                    Swap:            0          0          0\n";
        let p = parse(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let f = p.value.expect("table");
        assert_eq!(f.layout, FreeLayout::BuffersCache);
        assert_eq!(f.mem.cache_bytes, Some(458080 * K));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn generated_kib_tables_parse_back(values in prop::collection::vec(0u64..(1 << 40), 9)) {
            let mut text = String::from("[root@host ~]# free -k\n               total        used        free      shared  buff/cache   available\nMem:   ");
            for v in &values[..6] {
                text.push_str(&format!(" {v:>11}"));
            }
            text.push_str("\nSwap:  ");
            for v in &values[6..] {
                text.push_str(&format!(" {v:>11}"));
            }
            text.push('\n');
            let p = parse(&text);
            prop_assert!(p.warnings.is_empty());
            let f = p.value.expect("table");
            let kib = |i: usize| Some(values[i] * K);
            prop_assert_eq!(f.mem.total_bytes, kib(0));
            prop_assert_eq!(f.mem.shared_bytes, kib(3));
            prop_assert_eq!(f.mem.available_bytes, kib(5));
            prop_assert_eq!(f.swap.and_then(|s| s.free_bytes), kib(8));
        }

        #[test]
        fn never_panics_on_rowlike(s in "((free( -[bkmghwt]{1,3})*|[a-z/ ]{0,30}|(Mem|Swap|Total|-/\\+ b):( [0-9]{1,20}(\\.[0-9])?[BKMGTPi]{0,2}){0,8})\n){0,5}") {
            let _ = parse(&s);
        }
    }
}
