//! Quantities in words, the same in every report, message and log: the one byte formatter.

/// A byte count in binary units, as `free -h` prints it: `512 B`, `256 KiB`, `6.3 GiB`,
/// `150 MiB`. One decimal below a hundred units, dropped when it rounds to `.0`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("PiB");
    if value >= 100.0 {
        return format!("{value:.0} {name}");
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {name}")
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_in_binary_units() {
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1000), "1000 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(256 * 1024), "256 KiB");
        assert_eq!(bytes(4096 << 10), "4 MiB");
        assert_eq!(bytes(268_435_456), "256 MiB");
        assert_eq!(bytes(6_764_573_491), "6.3 GiB");
        assert_eq!(bytes(5_108_320 * 1024), "4.9 GiB");
        assert_eq!(bytes(13_367_060 * 1024), "12.7 GiB");
        assert_eq!(bytes(150 * 1024 * 1024 + 1), "150 MiB");
        assert_eq!(bytes(u64::MAX), "16384 PiB");
        assert_eq!(bytes(16_744_700 * 1024), "16 GiB");
    }
}
