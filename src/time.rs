//! Timestamps in every unit and spelling the exporters use, as nanoseconds since the epoch (UTC).

/// Interprets an integer epoch timestamp by its magnitude: s, ms, µs or ns; `None` when it is
/// not positive or the nanoseconds do not fit in an `i64` (after 2262-04-11).
pub fn from_epoch(v: i128) -> Option<i64> {
    let ns = match v {
        v if v <= 0 => return None,
        v if v >= 100_000_000_000_000_000 => v,
        v if v >= 100_000_000_000_000 => v.checked_mul(1_000)?,
        v if v >= 100_000_000_000 => v.checked_mul(1_000_000)?,
        v => v.checked_mul(1_000_000_000)?,
    };
    i64::try_from(ns).ok()
}

/// [`from_epoch`] of a whole number as read (no sign), in 64-bit arithmetic: the same answer.
#[inline]
pub fn from_epoch_u64(v: u64) -> Option<i64> {
    // Past `i64::MAX` it is taken as nanoseconds, which do not fit.
    let v = i64::try_from(v).ok()?;
    match v {
        0 => None,
        v if v >= 100_000_000_000_000_000 => Some(v),
        v if v >= 100_000_000_000_000 => v.checked_mul(1_000),
        v if v >= 100_000_000_000 => v.checked_mul(1_000_000),
        v => v.checked_mul(1_000_000_000),
    }
}

/// Interprets a fractional epoch timestamp (seconds or milliseconds with a fraction).
pub fn from_epoch_f64(v: f64) -> Option<i64> {
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    let scale = if v >= 1e17 {
        1.0
    } else if v >= 1e14 {
        1e3
    } else if v >= 1e11 {
        1e6
    } else {
        1e9
    };
    #[allow(clippy::cast_possible_truncation)]
    let ns = (v * scale).round() as i128;
    i64::try_from(ns).ok()
}

/// The number `b` spells in decimal; `None` if it is not all digits or does not fit.
fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0i64, |a, &c| {
        a.checked_mul(10)?.checked_add(i64::from(c - b'0'))
    })
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// The common case of [`parse`] read straight from a JSON string's raw bytes, `"` excluded:
/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 9 digits, then `Z` or `±HH:MM`, with
/// nothing else (no escapes, no spaces). Returns `(nanoseconds, bytes read)` with the same
/// value [`parse`] gives such a string, or `None` for any other form (then [`parse`] decides,
/// on the decoded string, so that what an odd spelling means is decided in one place).
///
/// Times come in runs of the same minute (a span's start and end, the rows of a busy
/// moment): the last minute read (`YYYY-MM-DDTHH:MM`, 16 bytes) is kept with its seconds, per
/// thread, and a time in it reads only its seconds, fraction and offset.
///
/// The spelling Python's `isoformat` gives UTC times with microseconds
/// (`…:SS.ffffff+00:00`, 32 bytes) in the minute kept is read first, as one pattern
/// ([`micro_utc_tail`]), in a few registers; any other time, or any doubt, is read by
/// [`parse_iso_parts`].
#[inline]
pub fn parse_iso_plain(b: &[u8]) -> Option<(i64, usize)> {
    if let Some(t) = b.first_chunk::<32>()
        && let (Some(minute), Some(tail)) = (t.first_chunk::<16>(), t.last_chunk::<16>())
        && u128::from_le_bytes(*minute) == LAST_MINUTE.get().0
        && let Some(us) = micro_utc_tail(tail)
        && let Some(ns) = LAST_MINUTE
            .get()
            .1
            .checked_mul(1_000_000_000)
            .and_then(|base| base.checked_add(us * 1000))
            .filter(|&ns| ns > 0)
    {
        return Some((ns, 32));
    }
    parse_iso_parts(b)
}

/// [`parse_iso_plain`] one part at a time: the minute (kept, or read and kept), the seconds,
/// the fraction, the offset.
#[inline(never)]
fn parse_iso_parts(b: &[u8]) -> Option<(i64, usize)> {
    // The fixed part as one array: one bounds check, then every digit read as a byte.
    let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    let minute_bytes: [u8; 16] = *head.first_chunk()?;
    let minute = u128::from_le_bytes(minute_bytes);
    let (last, last_secs) = LAST_MINUTE.get();
    let base = if minute == last {
        last_secs
    } else {
        let secs = minute_secs(&minute_bytes)?;
        LAST_MINUTE.set((minute, secs));
        secs
    };
    let (a, z) = (head[17].wrapping_sub(b'0'), head[18].wrapping_sub(b'0'));
    if head[16] != b':' || a > 9 || z > 9 {
        return None;
    }
    let se = i64::from(a * 10 + z);
    if se > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ns = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        (frac_ns, i) = fraction(b, i)?;
    }
    let offset_s = match b.get(i)? {
        b'Z' => {
            i += 1;
            0
        }
        // UTC as Python's `isoformat` writes it, compared whole.
        b'+' if b.get(i..i + 6) == Some(b"+00:00") => {
            i += 6;
            0
        }
        sign @ (b'+' | b'-') => {
            let zone: &[u8; 5] = b.get(i + 1..i + 6)?.try_into().ok()?;
            let digit = |k: usize| {
                let v = zone[k].wrapping_sub(b'0');
                (v <= 9).then_some(i64::from(v))
            };
            if zone[2] != b':' {
                return None;
            }
            let off = (digit(0)? * 10 + digit(1)?) * 3600 + (digit(3)? * 10 + digit(4)?) * 60;
            i += 6;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let secs = base + se - offset_s;
    let ns = secs
        .checked_mul(1_000_000_000)?
        .checked_add(frac_ns)
        .filter(|&ns| ns > 0)?;
    Some((ns, i))
}

/// The 16 bytes after a time's minute when they are `:SS.ffffff+00:00` (seconds at most 60):
/// the seconds and the fraction as microseconds (`SSffffff`), else `None`. Two words: each
/// byte less its pattern's byte (the pattern has `0` for a digit) must be below 10 where a
/// digit goes and 0 elsewhere, which one addition per word tells for all eight bytes at once
/// (0x76 added to a byte below 0x80 sets its top bit when it is 10 or more, 0x7f when it is 1
/// or more; no carry leaves a byte below 0x80, and a byte of 0x80 or more is caught by its own
/// top bit).
#[inline(always)]
fn micro_utc_tail(tail: &[u8; 16]) -> Option<i64> {
    const PATTERN_LO: u64 = u64::from_le_bytes(*b":00.0000");
    const PATTERN_HI: u64 = u64::from_le_bytes(*b"00+00:00");
    const ADD_LO: u64 = u64::from_le_bytes([0x7f, 0x76, 0x76, 0x7f, 0x76, 0x76, 0x76, 0x76]);
    const ADD_HI: u64 = u64::from_le_bytes([0x76, 0x76, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f]);
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let (lo, hi) = (tail.first_chunk::<8>()?, tail.last_chunk::<8>()?);
    let lo = u64::from_le_bytes(*lo) ^ PATTERN_LO;
    let hi = u64::from_le_bytes(*hi) ^ PATTERN_HI;
    if (lo.wrapping_add(ADD_LO) | lo | hi.wrapping_add(ADD_HI) | hi) & TOPS != 0 {
        return None;
    }
    // Every byte is a digit's value now (0 where the pattern has no digit): the eight digits
    // `SSffffff` in order, the first the most significant.
    let d = (lo >> 8) & 0xffff | (lo >> 32) << 16 | hi << 48;
    let pairs = (d * 10 + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let fours = (pairs * 100 + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    let us = (fours * 10_000 + (fours >> 32)) & 0xffff_ffff;
    // Seconds past 60 are no time.
    (us < 61_000_000).then_some(us.cast_signed())
}

thread_local! {
    /// The last minute [`parse_iso_plain`] read on this thread (its 16 bytes) and its seconds
    /// since the epoch; at first a minute whose seconds are known.
    static LAST_MINUTE: std::cell::Cell<(u128, i64)> =
        const { std::cell::Cell::new((u128::from_le_bytes(*b"1970-01-01T00:00"), 0)) };
}

/// The seconds since the epoch at `YYYY-MM-DDTHH:MM`; `None` if it is not one.
fn minute_secs(head: &[u8; 16]) -> Option<i64> {
    if head[4] != b'-' || head[7] != b'-' || head[10] != b'T' || head[13] != b':' {
        return None;
    }
    // Two digits at `i`, or 100 (out of every range below) when either is not a digit.
    let two = |i: usize| -> i64 {
        let (a, z) = (head[i].wrapping_sub(b'0'), head[i + 1].wrapping_sub(b'0'));
        if a > 9 || z > 9 {
            return 100;
        }
        i64::from(a * 10 + z)
    };
    let (hi, lo) = (two(0), two(2));
    let (mo, day) = (two(5), two(8));
    let (h, mi) = (two(11), two(14));
    if hi > 99
        || lo > 99
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&day)
        || h > 23
        || mi > 59
    {
        return None;
    }
    let y = hi * 100 + lo;
    Some(days_from_civil(y, mo, day) * 86_400 + h * 3600 + mi * 60)
}

/// The fraction of a second whose digits start at `from` (after the `.`): 1 to 9 digits, as
/// nanoseconds, and where it ends; `None` for none or more than 9. Eight bytes at a time where
/// the buffer has them.
#[inline(always)]
fn fraction(b: &[u8], from: usize) -> Option<(i64, usize)> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let Some(word) = b
        .get(from..from + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    else {
        return fraction_bytes(b, from);
    };
    let x = u64::from_le_bytes(word);
    // A byte is a digit when, less '0', it is below 10: adding 0x76 then sets no top bit
    // (a carry out of a byte that is no digit only reaches bytes after the first such).
    let t = x ^ ZEROS;
    let not_digit = (t.wrapping_add(0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080;
    let n = (not_digit.trailing_zeros() / 8) as usize;
    if n == 0 {
        return None;
    }
    // The digits, the bytes after them taken as zeros: the fraction in tens of nanoseconds.
    let keep = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    let tens = crate::json::eight_digits((x & keep | ZEROS & !keep).to_le_bytes())?;
    let mut ns = i64::try_from(tens).ok()? * 10;
    let mut end = from + n;
    if n == 8
        && let Some(&c) = b.get(end)
        && c.is_ascii_digit()
    {
        ns += i64::from(c - b'0');
        end += 1;
        if b.get(end).is_some_and(u8::is_ascii_digit) {
            return None;
        }
    }
    Some((ns, end))
}

/// [`fraction`] a byte at a time (fewer than 8 bytes left).
fn fraction_bytes(b: &[u8], from: usize) -> Option<(i64, usize)> {
    let mut i = from;
    let mut frac_ns = 0i64;
    while let Some(&c) = b.get(i)
        && c.is_ascii_digit()
    {
        if i - from == 9 {
            return None;
        }
        frac_ns = frac_ns * 10 + i64::from(c - b'0');
        i += 1;
    }
    if i == from {
        return None;
    }
    // Scaled to nanoseconds: 1 to 9 digits were read.
    frac_ns *= [
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ][i - from - 1];
    Some((frac_ns, i))
}

/// Parses ISO 8601 / RFC 3339 (`T` or space, optional fraction up to ns, `Z`, `±hh:mm`, or no
/// zone, which is taken as UTC as Arize writes it), or an all-digit epoch string.
pub fn parse(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return from_epoch(i128::from(digits(b)?));
    }
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return s.trim().parse::<f64>().ok().and_then(from_epoch_f64);
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut frac_ns = 0i64;
    if let Some(r) = rest.strip_prefix(b".") {
        let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut scale = 100_000_000;
        for &c in r.iter().take(n.min(9)) {
            frac_ns += i64::from(c - b'0') * scale;
            scale /= 10;
        }
        rest = &r[n..];
    }
    let offset_s = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), tz @ ..] => {
            let (oh, om) = match tz {
                [a, b, b':', c, d] | [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                [a, b] => (digits(&[*a, *b])?, 0),
                _ => return None,
            };
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset_s;
    secs.checked_mul(1_000_000_000)?
        .checked_add(frac_ns)
        .filter(|&ns| ns > 0)
}

/// Formats nanoseconds as ISO 8601 UTC with milliseconds: `2026-11-22T02:11:33.818Z`.
pub fn iso_ms(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let ms = ns.rem_euclid(1_000_000_000) / 1_000_000;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, se) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if !(0..=9999).contains(&y) {
        return format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{se:02}.{ms:03}Z");
    }
    // Written digit by digit (headless output writes two of these per session and span).
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, v: i64| {
        let mut v = v;
        for k in (at..at + width).rev() {
            out[k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y);
    put(5, 2, m);
    put(8, 2, d);
    put(11, 2, h);
    put(14, 2, mi);
    put(17, 2, se);
    put(20, 3, ms);
    out.iter().map(|&c| char::from(c)).collect()
}

/// A short human duration: `850ms`, `3.2s`, `4m05s`, `2h03m`.
pub fn human_duration(ns: i64) -> String {
    let ms = ns.max(0) / 1_000_000;
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{}.{}s", ms / 1000, ms % 1000 / 100)
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000)
    } else if ms < 86_400_000 {
        format!("{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000)
    } else {
        format!("{}d{:02}h", ms / 86_400_000, ms % 86_400_000 / 3_600_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_read_in_place_agrees_with_parse() {
        for s in [
            "2026-11-18T10:21:33.123456+00:00",
            "2026-11-18T10:21:33.123456-07:30",
            "2026-02-28T23:59:60Z",
            "2026-11-18T10:21:33Z",
            "2026-11-18T10:21:33.1+05:45",
            "2026-11-18T10:21:33.123456789Z",
            "1970-01-01T00:00:00.000001Z",
            "1969-12-31T23:59:59Z",
            "2026-13-18T10:21:33Z",
            "2026-11-18T24:21:33Z",
            "2026-11-18T10:21:33.Z",
            "2026-11-18T10:21:33.1234567891Z",
            "2026-11-18T10:21:33+0000",
            "2026-11-18T10:21:33+00",
            "2026-11-18T10:21:33",
            "2026-11-18 10:21:33Z",
            "2026-11-18t10:21:33Z",
            "2026-1a-18T10:21:33Z",
            "9999-12-31T23:59:59.999999999+00:00",
        ] {
            let plain = parse_iso_plain(s.as_bytes());
            if let Some((t, n)) = plain {
                assert_eq!(n, s.len(), "{s}");
                assert_eq!(Some(t), parse(s), "{s}");
            }
        }
        // The forms it takes, it reads whole.
        for s in ["2026-11-18T10:21:33.123456+00:00", "2026-11-18T10:21:33Z"] {
            assert_eq!(parse_iso_plain(s.as_bytes()).map(|p| p.0), parse(s), "{s}");
        }
    }

    #[test]
    fn iso_read_in_place_agrees_with_parse_on_random_strings() {
        let mut rng = crate::testing::XorShift(19);
        let alphabet = b"0123456789-T:.Z+ x";
        for _ in 0..20_000 {
            // A well-formed time, then (half the time) a few of its bytes changed or cut.
            let n = |rng: &mut crate::testing::XorShift, m: u64| rng.next() % m;
            let frac_digits = n(&mut rng, 11) as usize;
            let mut s = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                1971 + n(&mut rng, 300),
                1 + n(&mut rng, 12),
                1 + n(&mut rng, 31),
                n(&mut rng, 24),
                n(&mut rng, 60),
                n(&mut rng, 61)
            );
            if frac_digits > 0 {
                s.push('.');
                for _ in 1..frac_digits {
                    s.push(char::from(b'0' + n(&mut rng, 10) as u8));
                }
            }
            match n(&mut rng, 3) {
                0 => s.push('Z'),
                k => s.push_str(&format!(
                    "{}{:02}:{:02}",
                    if k == 1 { '+' } else { '-' },
                    n(&mut rng, 24),
                    n(&mut rng, 60)
                )),
            }
            if n(&mut rng, 2) == 0 {
                // Well formed: read whole, to the same time.
                let want = parse(&s).map(|t| (t, s.len()));
                assert_eq!(parse_iso_plain(s.as_bytes()), want, "{s}");
                continue;
            }
            let mut b = s.into_bytes();
            for _ in 0..1 + n(&mut rng, 3) {
                let at = n(&mut rng, b.len() as u64) as usize;
                b[at] = alphabet[n(&mut rng, alphabet.len() as u64) as usize];
            }
            b.truncate(b.len() - n(&mut rng, 4) as usize);
            let s = String::from_utf8(b).unwrap_or_default();
            // Changed: whatever it reads, `parse` reads the same way.
            if let Some((t, n)) = parse_iso_plain(s.as_bytes()) {
                assert_eq!(Some(t), parse(&s[..n]), "{s}");
            }
        }
    }

    /// Times in runs of one minute (the minute kept between calls), their seconds, fractions
    /// and offsets varied or spoiled, and now and then the minute itself spoiled: each read
    /// as [`parse`] reads it, whatever came before.
    #[test]
    fn iso_minutes_kept_between_reads_agree_with_parse() {
        let mut rng = crate::testing::XorShift(0x150_0001);
        let n = |rng: &mut crate::testing::XorShift, m: u64| rng.next() % m;
        let alphabet = b"0123456789-T:.Z+ x";
        let mut minute = String::new();
        for k in 0..50_000 {
            if k % 8 == 0 {
                minute = format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}",
                    1971 + n(&mut rng, 300),
                    1 + n(&mut rng, 13),
                    n(&mut rng, 33),
                    n(&mut rng, 25),
                    n(&mut rng, 61)
                );
            }
            let mut s = format!("{minute}:{:02}", n(&mut rng, 62));
            let digits = n(&mut rng, 12);
            if digits > 0 {
                s.push('.');
                for _ in 1..digits {
                    s.push(char::from(b'0' + n(&mut rng, 10) as u8));
                }
            }
            s.push_str(["Z", "+00:00", "-07:30", "+05:45"][n(&mut rng, 4) as usize]);
            let mut b = s.into_bytes();
            if n(&mut rng, 3) == 0 {
                let at = n(&mut rng, b.len() as u64) as usize;
                b[at] = alphabet[n(&mut rng, alphabet.len() as u64) as usize];
            }
            let s = String::from_utf8(b).unwrap_or_default();
            // Read alone and at the start of a longer buffer (the fraction's word then whole),
            // exactly as the reading without a kept minute or words reads it.
            for text in [s.clone(), format!("{s}\",\"end_time\":1")] {
                let got = parse_iso_plain(text.as_bytes());
                assert_eq!(got, parse_iso_plain_reference(text.as_bytes()), "{text}");
                if let Some((t, len)) = got {
                    assert_eq!(Some(t), parse(&text[..len]), "{text}");
                }
            }
        }
    }

    /// The shape read as one pattern (`:SS.ffffff+00:00` after the minute): well formed, then
    /// with one or two bytes of the pattern's 16 (or the byte after) set to anything, each read
    /// exactly as the reading without a kept minute, words or patterns reads it.
    #[test]
    fn iso_microseconds_in_utc_read_as_one_pattern_agree_with_parse() {
        let mut rng = crate::testing::XorShift(0x150_0002);
        let n = |rng: &mut crate::testing::XorShift, m: u64| rng.next() % m;
        let near = b"0123456789:.+-Z /";
        let mut fast = 0;
        for k in 0..60_000 {
            let mut b = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
                1971 + n(&mut rng, 300),
                1 + n(&mut rng, 12),
                1 + n(&mut rng, 28),
                n(&mut rng, 24),
                n(&mut rng, 60),
                n(&mut rng, 62),
                n(&mut rng, 1_000_000)
            )
            .into_bytes();
            if k % 3 != 0 {
                for _ in 0..1 + n(&mut rng, 2) {
                    let at = 16 + n(&mut rng, 17) as usize;
                    let byte = if n(&mut rng, 2) == 0 {
                        near[n(&mut rng, near.len() as u64) as usize]
                    } else {
                        n(&mut rng, 256) as u8
                    };
                    match b.get_mut(at) {
                        Some(c) => *c = byte,
                        None => b.push(byte),
                    }
                }
            }
            for text in [b.clone(), [&b[..], b"\",\"end_time\":1"].concat()] {
                let got = parse_iso_plain(&text);
                assert_eq!(got, parse_iso_plain_reference(&text), "{text:?}");
                if let Some((t, len)) = got {
                    let s = std::str::from_utf8(&text[..len]).unwrap_or_default();
                    assert_eq!(Some(t), parse(s), "{text:?}");
                    fast += usize::from(len == 32);
                }
            }
        }
        // Most of the well-formed ones were read.
        assert!(fast > 30_000, "{fast}");
    }

    /// [`parse_iso_plain`] as it was before it kept the last minute and read fractions a
    /// word at a time: the definition the faster reading is held to.
    fn parse_iso_plain_reference(b: &[u8]) -> Option<(i64, usize)> {
        // The fixed part as one array: one bounds check, then every digit read as a byte.
        let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
        if head[4] != b'-'
            || head[7] != b'-'
            || head[10] != b'T'
            || head[13] != b':'
            || head[16] != b':'
        {
            return None;
        }
        // Two digits at `i`, or 100 (out of every range below) when either is not a digit.
        let two = |i: usize| -> i64 {
            let (a, z) = (head[i].wrapping_sub(b'0'), head[i + 1].wrapping_sub(b'0'));
            if a > 9 || z > 9 {
                return 100;
            }
            i64::from(a * 10 + z)
        };
        let (hi, lo) = (two(0), two(2));
        let (mo, day) = (two(5), two(8));
        let (h, mi, se) = (two(11), two(14), two(17));
        if hi > 99
            || lo > 99
            || !(1..=12).contains(&mo)
            || !(1..=31).contains(&day)
            || h > 23
            || mi > 59
            || se > 60
        {
            return None;
        }
        let y = hi * 100 + lo;
        let mut i = 19;
        let mut frac_ns = 0i64;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let from = i;
            while let Some(&c) = b.get(i)
                && c.is_ascii_digit()
            {
                if i - from == 9 {
                    return None;
                }
                frac_ns = frac_ns * 10 + i64::from(c - b'0');
                i += 1;
            }
            if i == from {
                return None;
            }
            // Scaled to nanoseconds: 1 to 9 digits were read.
            frac_ns *= [
                100_000_000,
                10_000_000,
                1_000_000,
                100_000,
                10_000,
                1_000,
                100,
                10,
                1,
            ][i - from - 1];
        }
        let offset_s = match b.get(i)? {
            b'Z' => {
                i += 1;
                0
            }
            sign @ (b'+' | b'-') => {
                let zone: &[u8; 5] = b.get(i + 1..i + 6)?.try_into().ok()?;
                let digit = |k: usize| {
                    let v = zone[k].wrapping_sub(b'0');
                    (v <= 9).then_some(i64::from(v))
                };
                if zone[2] != b':' {
                    return None;
                }
                let off = (digit(0)? * 10 + digit(1)?) * 3600 + (digit(3)? * 10 + digit(4)?) * 60;
                i += 6;
                if *sign == b'+' { off } else { -off }
            }
            _ => return None,
        };
        let secs = days_from_civil(y, mo, day) * 86_400 + h * 3600 + mi * 60 + se - offset_s;
        let ns = secs
            .checked_mul(1_000_000_000)?
            .checked_add(frac_ns)
            .filter(|&ns| ns > 0)?;
        Some((ns, i))
    }

    const T: i64 = 1_795_313_493_744_000_000; // 2026-11-22T02:11:33.744Z

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(from_epoch(1_795_313_493_744), Some(T));
        assert_eq!(from_epoch(1_795_313_493_744_000), Some(T));
        assert_eq!(from_epoch(1_795_313_493_744_000_000), Some(T));
        assert_eq!(from_epoch(1_795_313_493), Some(T - 744_000_000));
        assert_eq!(from_epoch(0), None);
        assert_eq!(from_epoch_f64(1_795_313_493.744), Some(T));
    }

    #[test]
    fn whole_epochs_read_the_same_in_64_bits() {
        let mut rng = crate::testing::XorShift(7);
        let mut cases: Vec<u64> = vec![0, 1, u64::MAX, i64::MAX as u64, i64::MAX as u64 + 1];
        for p in [11u32, 14, 17] {
            let b = 10u64.pow(p);
            cases.extend([b - 1, b, b + 1]);
        }
        // Where each unit's nanoseconds stop fitting.
        for unit in [1_000_000_000u64, 1_000_000, 1_000] {
            let last = i64::MAX as u64 / unit;
            cases.extend([last - 1, last, last + 1]);
        }
        for _ in 0..10_000 {
            let digits = rng.below(20) as u32;
            cases.push(rng.below(u64::MAX) % 10u64.saturating_pow(digits).max(1));
        }
        for v in cases {
            assert_eq!(from_epoch_u64(v), from_epoch(i128::from(v)), "{v}");
        }
    }

    #[test]
    fn digit_strings_too_long_for_an_i64_are_no_time() {
        // Found by the fuzzer: this overflowed (a panic in debug builds).
        assert_eq!(parse("17953134000000000001"), None);
        assert_eq!(parse("99999999999999999999999999999999999999999"), None);
        assert_eq!(parse("1795313493744000000"), Some(T));
    }

    #[test]
    fn iso_spellings() {
        for s in [
            "2026-11-22T02:11:33.744Z",
            "2026-11-22T02:11:33.744000+00:00",
            "2026-11-22T02:11:33.744",
            "2026-11-22 02:11:33.744000",
            "2026-11-22T03:11:33.744+01:00",
            "2026-11-21T21:11:33.744-0500",
            "1795313493744",
        ] {
            assert_eq!(parse(s), Some(T), "{s}");
        }
        assert_eq!(
            parse("2026-11-22T02:11:33.842955123Z"),
            Some(1_795_313_493_842_955_123)
        );
        assert_eq!(parse("not a time"), None);
        assert_eq!(parse("2026-13-22T02:11:33Z"), None);
        // What does not fit is no time, never a wrapped one.
        assert_eq!(parse("99999999999999999999"), None);
        assert_eq!(parse("9999999999999999999"), None);
        assert_eq!(parse("9999-12-31T23:59:59Z"), None);
        assert_eq!(parse("1960-01-01T00:00:00Z"), None);
        assert_eq!(parse("1e400"), None);
        assert_eq!(parse("NaN"), None);
        assert_eq!(from_epoch(i128::MAX), None);
        assert_eq!(from_epoch(99_999_999_999_999_999_999), None);
    }

    #[test]
    fn formats_iso_ms() {
        assert_eq!(iso_ms(T), "2026-11-22T02:11:33.744Z");
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse(&iso_ms(T + 5_000_000)), Some(T + 5_000_000));
        assert_eq!(iso_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_ms(i64::MAX), "2262-04-11T23:47:16.854Z");
        // Read back, every time to the millisecond.
        let mut rng = crate::testing::XorShift(3);
        for _ in 0..10_000 {
            let t = (rng.next() >> 1) as i64;
            let ms = t - t % 1_000_000;
            assert_eq!(parse(&iso_ms(t)), (ms > 0).then_some(ms), "{t}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(850_000_000), "850ms");
        assert_eq!(human_duration(3_250_000_000), "3.2s");
        assert_eq!(human_duration(245_000_000_000), "4m05s");
        assert_eq!(human_duration(7_380_000_000_000), "2h03m");
    }
}
