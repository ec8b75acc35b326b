//! Number formatting shared by the tables and the TUI.

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 error`, `3 errors`, `1,204 spans`: a count with its noun, singular or plural.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

/// [`count`] of a 64-bit count.
pub fn count_u64(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A count that stopped at a cap says so: `100,000+` when `capped`, else `1,234`.
pub fn at_least(n: u64, capped: bool) -> String {
    format!("{}{}", thousands(n), if capped { "+" } else { "" })
}

/// A duration that may be negative (a span that ends before it starts): `−12ms`, `3.2s`.
pub fn signed_duration(ns: i64) -> String {
    if ns < 0 {
        format!("−{}", crate::time::human_duration(ns.saturating_neg()))
    } else {
        crate::time::human_duration(ns)
    }
}

/// A span's duration as the views show it: `850ms`; `−12ms ⚠` when it ends before it starts,
/// `? no start` without a start time (its duration is unknown, not 0).
pub fn span_duration((start, end): (i64, i64)) -> String {
    if start <= 0 {
        "? no start".to_owned()
    } else if end > 0 && end < start {
        format!("{} ⚠", signed_duration(end - start))
    } else if end >= start {
        crate::time::human_duration(end - start)
    } else {
        crate::time::human_duration(0)
    }
}

/// `part` of `whole` as a percentage with one decimal.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0%".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let p = part as f64 * 100.0 / whole as f64;
    format!("{p:.1}%")
}

/// A size in bytes for people: `812 B`, `4.2 KB`, `199.9 MB`, `1.1 GB` (powers of 1000).
pub fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n < 1000 {
        format!("{n} B")
    } else if n < 1_000_000 {
        format!("{:.1} KB", f / 1e3)
    } else if n < 1_000_000_000 {
        format!("{:.1} MB", f / 1e6)
    } else {
        format!("{:.1} GB", f / 1e9)
    }
}

/// Compact token count: `950`, `12.3k`, `4.1M`.
pub fn tokens(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n < 1000 {
        n.to_string()
    } else if n < 1_000_000 {
        format!("{:.1}k", f / 1e3)
    } else {
        format!("{:.1}M", f / 1e6)
    }
}

/// Significant digits a cost is given to in JSON: sesstui keeps each span's cost as a 32-bit
/// float (about 7 significant digits) and adds them up, so a sum is exact to about 6.
pub const COST_DIGITS: usize = 6;

/// A cost in USD for JSON, rounded to [`COST_DIGITS`] significant digits: `0.0006123`, not
/// `0.0006122999911895022` (the 32-bit value widened).
pub fn round_cost(usd: f64) -> f64 {
    if !usd.is_finite() || usd == 0.0 {
        return usd;
    }
    format!("{usd:.*e}", COST_DIGITS - 1).parse().unwrap_or(usd)
}

/// US dollars with enough precision for per-call costs.
pub fn cost(usd: f64) -> String {
    if usd >= 1.0 {
        format!("${usd:.2}")
    } else if usd >= 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.6}")
    }
}

/// Appends `v` in decimal, as `serde_json` and `Display` write it, without allocating.
pub fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(100), "100");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(cost(0.00012), "$0.000120");
        assert_eq!(cost(0.5), "$0.5000");
        assert_eq!(count(1, "trace", "traces"), "1 trace");
        assert_eq!(round_cost(f64::from(0.000_612_3_f32)), 0.000_612_3);
        assert_eq!(round_cost(12.345_678_9), 12.3457);
        assert_eq!(round_cost(0.0), 0.0);
        assert_eq!(count(0, "span", "spans"), "0 spans");
        assert_eq!(count_u64(1_000, "orphan", "orphans"), "1,000 orphans");
        assert_eq!(at_least(100_000, true), "100,000+");
        assert_eq!(at_least(12, false), "12");
        assert_eq!(signed_duration(-12_000_000), "−12ms");
        assert_eq!(signed_duration(3_200_000_000), "3.2s");
    }
}
