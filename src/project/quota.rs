//! Sizes for the memory store's quota (`--memory-quota`, `[memory] quota` in aether.toml):
//! reading them, printing them, and the limits. Here rather than in `run::memory` because the
//! configuration reads them too, and configuration does not depend on the interpreter.

/// The default quota: the most bytes a store's data may take before writes that would grow it
/// further are refused. Generous for memories and logs, small enough that a runaway loop stops
/// long before it fills a disk.
pub const DEFAULT_QUOTA: u64 = 256 * 1024 * 1024;

/// The smallest quota accepted: an empty store already takes a few pages.
pub const MIN_QUOTA: u64 = 64 * 1024;

/// Reads a size: a whole number of bytes, or one with a unit: `B`, `KiB`, `MiB`, `GiB`, `TiB`
/// (powers of 1024, also written `K`, `M`, `G`, `T`) or `KB`, `MB`, `GB`, `TB` (powers of
/// 1000), case-insensitive, with or without a space: `256MiB`, `64 MiB`, `1g`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let bad = || {
        format!(
            "`{text}` is not a size (a whole number with an optional unit: 65536, 512KiB, \
             256MiB, 1GiB, 10MB)"
        )
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(bad()),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Reads a quota ([`parse_size`]) and checks it is at least [`MIN_QUOTA`].
pub fn parse_quota(text: &str) -> Result<u64, String> {
    let quota = parse_size(text)?;
    if quota < MIN_QUOTA {
        return Err(format!(
            "a memory quota of {} is too small: an empty store takes a few pages; the least is {}",
            format_size(quota),
            format_size(MIN_QUOTA)
        ));
    }
    Ok(quota)
}

/// A size for people: `256 MiB` when it is a whole number of a binary unit, else with one
/// decimal (`1.5 MiB`), else in bytes.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes % size == 0 {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print() {
        for (text, bytes) in [
            ("65536", 65_536),
            ("512KiB", 512 << 10),
            ("256 MiB", 256 << 20),
            ("1g", 1 << 30),
            ("2 TiB", 2 << 40),
            ("10MB", 10_000_000),
            ("3 kb", 3_000),
            (" 7 B ", 7),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for bad in ["", "MiB", "1.5 MiB", "-1", "12 parsecs", "99999999999 TiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(parse_quota("1 KiB").unwrap_err().contains("too small"));
        assert_eq!(parse_quota("64KiB"), Ok(MIN_QUOTA));
        assert_eq!(format_size(DEFAULT_QUOTA), "256 MiB");
        assert_eq!(format_size(3 << 19), "1.5 MiB");
        assert_eq!(format_size(1000), "1000 bytes");
    }
}
