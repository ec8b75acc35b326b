//! Span and trace ids in every spelling the exporters use, normalised to one form.
//!
//! OTLP writes hex (any case), generic protobuf JSON and MLflow 3 write base64 of the raw bytes,
//! the OTel Python console exporter writes `0x…`, MLflow names traces `tr-<hex>` or
//! `trace:/<location>/<hex>`. The same span gets the same id whichever file it came from.

use base64::Engine;
use std::borrow::Cow;

/// A normalised id: 64- or 128-bit values for hex and base64 forms, text for anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Id<'a> {
    Hex64(u64),
    Hex128(u128),
    Text(Cow<'a, str>),
}

fn all_hex(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_hexdigit())
}

const fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Hex digit values; 0xff marks bytes that are not hex digits.
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)]
        if let Some(v) = hex_digit(i as u8) {
            t[i] = v;
        }
        i += 1;
    }
    t
};

fn parse_hex64(b: &[u8]) -> Option<u64> {
    let mut v = 0u64;
    let mut bad = 0u8;
    for &c in b {
        let d = HEX[usize::from(c)];
        bad |= d;
        v = v << 4 | u64::from(d & 0xf);
    }
    (bad & 0xf0 == 0).then_some(v)
}

fn parse_hex(b: &[u8]) -> Option<u128> {
    if b.len() > 16 {
        let (hi, lo) = b.split_at(b.len() - 16);
        return Some(u128::from(parse_hex64(hi)?) << 64 | u128::from(parse_hex64(lo)?));
    }
    parse_hex64(b).map(u128::from)
}

/// The common case without allocation: 16 or 32 hex digits.
pub fn normalize_bytes(raw: &[u8]) -> Option<Option<Id<'static>>> {
    let v = match raw.len() {
        16 => Id::Hex64(u64::try_from(parse_hex(raw)?).ok()?),
        32 => Id::Hex128(parse_hex(raw)?),
        _ => return None,
    };
    Some(match v {
        Id::Hex64(0) | Id::Hex128(0) => None,
        id => Some(id),
    })
}

/// Normalises a raw id; `None` for empty or all-zero ids (OTLP's "no parent").
pub fn normalize(raw: &str) -> Option<Id<'_>> {
    if let Some(fast) = normalize_bytes(raw.as_bytes()) {
        return fast;
    }
    let s = raw.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let s = s.strip_prefix("tr-").unwrap_or(s);
    let s = match s.strip_prefix("trace:/") {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest),
        None => s,
    };
    if s.is_empty() {
        return None;
    }
    let id = match s.len() {
        16 if all_hex(s) => Id::Hex64(u64::from_str_radix(s, 16).ok()?),
        32 if all_hex(s) => Id::Hex128(u128::from_str_radix(s, 16).ok()?),
        12 | 24 => match decode_base64(s) {
            Some(id) => id,
            None => Id::Text(Cow::Borrowed(s)),
        },
        _ => Id::Text(Cow::Borrowed(s)),
    };
    match id {
        Id::Hex64(0) | Id::Hex128(0) => None,
        id => Some(id),
    }
}

fn decode_base64(s: &str) -> Option<Id<'static>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    match bytes.len() {
        8 => Some(Id::Hex64(u64::from_be_bytes(bytes.try_into().ok()?))),
        16 => Some(Id::Hex128(u128::from_be_bytes(bytes.try_into().ok()?))),
        _ => None,
    }
}

/// True when an MLflow-style `tr-` prefix marks the raw trace id.
pub fn is_mlflow_trace_id(raw: &str) -> bool {
    raw.trim().starts_with("tr-")
}

pub fn hex64(v: u64) -> String {
    format!("{v:016x}")
}

pub fn hex128(v: u128) -> String {
    format!("{v:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_any_case_and_prefix() {
        assert_eq!(
            normalize("5B8EFFF798038103"),
            Some(Id::Hex64(0x5b8e_fff7_9803_8103))
        );
        assert_eq!(
            normalize("0x35cdfb3c0553c357"),
            Some(Id::Hex64(0x35cd_fb3c_0553_c357))
        );
        assert_eq!(
            normalize("5B8EFFF798038103D269B633813FC60C"),
            Some(Id::Hex128(0x5b8e_fff7_9803_8103_d269_b633_813f_c60c))
        );
    }

    #[test]
    fn base64_forms_match_hex() {
        // From FORMATS.md: MLflow's span trace_id and its tr- id name the same bytes.
        assert_eq!(
            normalize("FaK2PX4RSikI042NlC9+BQ=="),
            normalize("15a2b63d7e114a2908d38d8d942f7e05")
        );
        assert_eq!(
            normalize("tr-15a2b63d7e114a2908d38d8d942f7e05"),
            normalize("FaK2PX4RSikI042NlC9+BQ==")
        );
        assert_eq!(
            normalize("xotAmGUZfzI="),
            Some(Id::Hex64(0xc68b_4098_6519_7f32))
        );
    }

    #[test]
    fn empty_zero_and_other() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("  "), None);
        assert_eq!(normalize("0000000000000000"), None);
        assert_eq!(normalize("run-7"), Some(Id::Text(Cow::Borrowed("run-7"))));
        assert_eq!(
            normalize("trace:/uc.schema/15a2b63d7e114a2908d38d8d942f7e05"),
            normalize("15a2b63d7e114a2908d38d8d942f7e05")
        );
    }
}
