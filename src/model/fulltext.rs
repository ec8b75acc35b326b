//! Full-text search over the raw bytes of the span records, matches mapped back to spans.

use super::Model;
use crate::index::record::flag;
use memchr::memmem;

/// Spans whose record contains `needle` (as typed, or as JSON would escape it), in file order.
pub fn search(model: &Model, needle: &str, limit: usize) -> Vec<u32> {
    let mut needles = vec![needle.as_bytes().to_vec()];
    let escaped = serde_json::to_string(needle).unwrap_or_default();
    let escaped = escaped.trim_matches('"');
    if escaped != needle {
        needles.push(escaped.as_bytes().to_vec());
    }
    let spans = &model.index.spans;
    // Records are stored in file order; keep a sorted view in case a format nests them otherwise.
    let order: Vec<u32> = if spans.windows(2).all(|w| w[0].loc <= w[1].loc) {
        Vec::new()
    } else {
        let mut o: Vec<u32> = (0..u32::try_from(spans.len()).unwrap_or(u32::MAX)).collect();
        o.sort_by_key(|&i| spans[i as usize].loc);
        o
    };
    let nth = |k: usize| {
        if order.is_empty() {
            k
        } else {
            order[k] as usize
        }
    };
    let mut hits = Vec::new();
    for (f, src) in model.index.sources.iter().enumerate() {
        // Bytes that are no longer the file's are not searched (see `crate::source`).
        if !src.intact() {
            continue;
        }
        let bytes = src.bytes();
        for n in &needles {
            if n.is_empty() {
                continue;
            }
            let finder = memmem::Finder::new(n);
            let mut last_span = u32::MAX;
            for at in finder.find_iter(bytes) {
                let loc = crate::index::record::SpanRec::new_loc(
                    u16::try_from(f).unwrap_or(u16::MAX),
                    at as u64,
                );
                // The last span starting at or before the match, if the match lies inside it.
                let k = if order.is_empty() {
                    spans.partition_point(|s| s.loc <= loc)
                } else {
                    order.partition_point(|&i| spans[i as usize].loc <= loc)
                };
                let Some(k) = k.checked_sub(1) else { continue };
                let i = nth(k);
                let s = &spans[i];
                let inside = s.file() as usize == f
                    && at as u64 >= s.offset()
                    && (at as u64) < s.offset() + u64::from(s.len);
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                if inside && i != last_span && !s.has(flag::DUPLICATE) {
                    hits.push(i);
                    last_span = i;
                    if hits.len() >= limit {
                        break;
                    }
                }
            }
        }
    }
    hits.sort_unstable();
    hits.dedup();
    hits
}
