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
///
/// Worked out in integers ([`round_cost_exact`]) where that is sure to give the same double as
/// writing the digits and parsing them back ([`round_cost_by_text`], which the rest take, and
/// tests hold the two to).
pub fn round_cost(usd: f64) -> f64 {
    if !usd.is_finite() || usd == 0.0 {
        return usd;
    }
    round_cost_exact(usd).unwrap_or_else(|| round_cost_by_text(usd))
}

/// [`round_cost`] by writing `usd` with [`COST_DIGITS`] significant digits (rounded from its
/// exact value) and parsing the text back (to the double nearest to it).
fn round_cost_by_text(usd: f64) -> f64 {
    format!("{usd:.*e}", COST_DIGITS - 1).parse().unwrap_or(usd)
}

/// Powers of ten a double holds exactly (up to 10^22).
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// [`round_cost_by_text`]'s answer for a finite, non-zero `usd` of magnitude 10^-17 to 10^6,
/// without the text: `|usd| = m × 2^k` exactly, so `|usd| × 10^q` (`q` making it six digits
/// before the point) is `m × 10^q / 2^-k`, whose integer part and remainder are a shift and a
/// mask of a 128-bit product; rounded to the nearest integer `n`, `n / 10^q` is one division
/// of two doubles held exactly, rounded once to the nearest double, as parsing `n`'s digits
/// is. `None` (the text decides) for a tie, which the text may round either way, and for
/// values out of that range or subnormal.
fn round_cost_exact(usd: f64) -> Option<f64> {
    let bits = usd.to_bits();
    let biased = i32::try_from(bits >> 52 & 0x7ff).ok()?;
    if biased == 0 || biased == 0x7ff {
        return None;
    }
    let m = bits & ((1 << 52) - 1) | 1 << 52;
    // |usd| = m × 2^k, and 2^e2 <= |usd| < 2^(e2 + 1).
    let k = biased - 1075;
    let e2 = biased - 1023;
    // floor(e2 × log10 2), by a fixed-point factor: the decimal exponent is this or one more.
    let e0 = (e2 * 78_913) >> 18;
    let shift = u32::try_from(-k).ok().filter(|s| (1..=127).contains(s))?;
    for e in [e0, e0 + 1] {
        let q = usize::try_from(i32::try_from(COST_DIGITS).ok()? - 1 - e).ok()?;
        let pow = *EXACT_POW10.get(q)?;
        let scaled = u128::from(m).checked_mul(10u128.checked_pow(u32::try_from(q).ok()?)?)?;
        let int = scaled >> shift;
        if int >= 1_000_000 {
            continue;
        }
        if int < 100_000 {
            return None;
        }
        let rest = scaled & ((1 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let n = match rest.cmp(&half) {
            std::cmp::Ordering::Less => int,
            std::cmp::Ordering::Greater => int + 1,
            std::cmp::Ordering::Equal => return None,
        };
        // At most 10^6: exact as a double.
        #[allow(clippy::cast_precision_loss)]
        let v = n as f64 / pow;
        return Some(if usd < 0.0 { -v } else { v });
    }
    None
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

/// Every pair of decimal digits, `00` to `99`.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends `v` in decimal, as `serde_json` and `Display` write it, without allocating: two
/// digits a division.
pub fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let pair = |n: u64| {
        let i = 2 * (n % 100) as usize;
        [DIGIT_PAIRS[i], DIGIT_PAIRS[i + 1]]
    };
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while v >= 100 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&pair(v));
        v /= 100;
    }
    if v >= 10 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&pair(v));
    } else {
        at -= 1;
        digits[at] = b'0' + v as u8;
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer rounding of costs gives the very double the text does, on random doubles of
    /// every magnitude, single-precision values widened (as costs are kept) and sums of them,
    /// values next to ties and powers of ten, and ties; and decides most costs itself.
    #[test]
    fn costs_rounded_in_integers_as_by_text() {
        let mut rng = crate::testing::XorShift(0x00c0_57ed_d011_a125);
        let (mut tried, mut decided) = (0u32, 0u32);
        let mut check = |v: f64| {
            for v in [v, -v] {
                let want = round_cost_by_text(v);
                if let Some(got) = round_cost_exact(v) {
                    assert_eq!(got.to_bits(), want.to_bits(), "{v:e}: {got:e} vs {want:e}");
                    decided += 1;
                }
                assert_eq!(round_cost(v).to_bits(), want.to_bits(), "{v:e}");
                tried += 1;
            }
        };
        for _ in 0..200_000 {
            let pick = rng.below(8);
            let v = match pick {
                // Any finite double.
                0 => f64::from_bits(rng.next() & !(0x7ff << 52) | rng.below(0x7ff) << 52),
                // A cost kept as a 32-bit float, widened.
                1 => f64::from(f32::from_bits(rng.next() as u32 & 0x7f7f_ffff)),
                2 => f64::from((rng.below(1 << 24) as f32) * 1e-9 * (1 + rng.below(1000)) as f32),
                // A sum of such costs.
                3 => (0..1 + rng.below(50))
                    .map(|_| f64::from(rng.below(1 << 20) as f32 * 1e-7))
                    .sum(),
                // Six or seven digits and a power of ten, give or take a few units in the last
                // place: next to a tie, or a tie (a decimal half that a double holds).
                4 | 5 => {
                    let digits = if pick == 4 { 1_000_000 } else { 10_000_000 };
                    let d = (digits / 10 + rng.below(digits - digits / 10)) as f64;
                    let d = if pick == 5 { d + 0.5 } else { d };
                    let p = rng.below(30) as i32 - 24;
                    let v = d * 10f64.powi(p);
                    let ulps = rng.below(7) as i64 - 3;
                    f64::from_bits(v.to_bits().wrapping_add_signed(ulps))
                }
                // Next to a power of ten.
                6 => {
                    let v = 10f64.powi(rng.below(40) as i32 - 30);
                    f64::from_bits(v.to_bits().wrapping_add_signed(rng.below(9) as i64 - 4))
                }
                // Doubles with few significant bits: halves, quarters, small integers.
                _ => (rng.below(1 << 24) as f64) / f64::from(1u32 << rng.below(12)),
            };
            if v.is_finite() && v != 0.0 {
                check(v);
            }
        }
        for v in [
            f64::MIN_POSITIVE,
            f64::MAX,
            5e-324,
            123_456.5,
            999_999.5,
            0.000_999_999_5,
            999_999.499_999_999_9,
            1e6,
            1e-17,
            9.999_995e-18,
            f64::from(0.000_612_3_f32),
        ] {
            check(v);
        }
        assert!(decided > tried / 2, "{decided} of {tried}");
    }

    /// Decimals as `Display` writes them: every number up to 100,000, each power of ten and
    /// its neighbours, the largest, random ones of every length.
    #[test]
    fn decimals_as_display_writes_them() {
        let mut rng = crate::testing::XorShift(0x0dec_1a1a_0dec_1a1a);
        let powers = (0..20).map(|p| 10u64.pow(p));
        let near = powers.flat_map(|p| [p - 1, p, p + 1]);
        let random = (0..100_000).map(|_| rng.next() >> rng.below(64));
        let all: Vec<u64> = (0..100_000)
            .chain(near)
            .chain([u64::MAX])
            .chain(random)
            .collect();
        let mut out = Vec::new();
        for v in all {
            out.clear();
            out.extend_from_slice(b"x");
            push_decimal(&mut out, v);
            assert_eq!(out, format!("x{v}").into_bytes());
        }
    }

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
