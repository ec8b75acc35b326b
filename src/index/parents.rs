//! The spans' parent ids, out of the records: a column the scan fills and the model consumes.
//!
//! A parent id is 8 bytes a span needs once, to find its parent: the model's trees turn it into
//! a link to the parent span (`Model::parent`, 2 bytes), after which the parent's own span id
//! gives it back. So the index keeps the ids in a column, one per span, until the model has
//! linked the spans ([`ParentIds::settle`]); then it drops the column and keeps only the ids
//! the links do not give back: orphans (their parent is not in the files), links cut (cycles),
//! re-exports (not linked), spans hung elsewhere than their id says (adopted orphans, handoffs),
//! and parent ids of all zeros with no span to hang under. [`ParentIds::get`] reads an id
//! either way.

use super::record::{SpanRec, flag};

/// A span with no parent in `Model::parent`.
const NONE: u32 = u32::MAX;

/// The parent ids of an index's spans (see the module).
#[derive(Clone, Debug, Default)]
pub struct ParentIds {
    /// The parent id of span `from + k` as written (0 when it names none; an interned string
    /// with [`flag::PARENT_TEXT`]), for the spans no model has linked yet.
    column: Vec<u64>,
    from: u32,
    /// (span, parent id) of the spans before `from` whose link does not give their parent id
    /// back, ascending by span.
    kept: Vec<(u32, u64)>,
}

/// Whether span `i`'s link (`parent(i)`) gives `id` back as its parent id.
fn linked(i: u32, id: u64, spans: &[SpanRec], parent: impl Fn(u32) -> u32) -> bool {
    let Some(s) = spans.get(i as usize) else {
        return false;
    };
    spans
        .get(parent(i) as usize)
        .is_some_and(|p| p.span_id == id && p.has(flag::SPAN_ID_TEXT) == s.has(flag::PARENT_TEXT))
}

/// Whether span `i` (with parent id `id`) needs its id kept once linked by `parent`.
pub fn to_keep(i: u32, id: u64, spans: &[SpanRec], parent: impl Fn(u32) -> u32) -> bool {
    spans
        .get(i as usize)
        .is_some_and(|s| s.has(flag::HAS_PARENT) && !linked(i, id, spans, parent))
}

/// Span `i`'s link in `parent` (`NONE` past its end).
fn link_in(parent: &[u32]) -> impl Fn(u32) -> u32 + '_ {
    |i| parent.get(i as usize).copied().unwrap_or(NONE)
}

impl ParentIds {
    /// The first span not linked yet: the column holds the ids of the spans from here on.
    pub fn from(&self) -> u32 {
        self.from
    }

    /// The ids of the spans not linked yet, from [`ParentIds::from`] on.
    pub fn column(&self) -> &[u64] {
        &self.column
    }

    /// The column, to append the ids of new spans to (the merge of a scan's pieces).
    pub(super) fn column_mut(&mut self) -> &mut Vec<u64> {
        &mut self.column
    }

    /// Span `i`'s parent id as written (0 for none: see [`flag::HAS_PARENT`]); `parent` is the
    /// model's links, for the spans it linked.
    pub fn get(&self, i: u32, spans: &[SpanRec], parent: &[u32]) -> u64 {
        self.get_with(i, spans, link_in(parent))
    }

    /// [`ParentIds::get`], span `p`'s link read as `parent(p)`.
    pub fn get_with(&self, i: u32, spans: &[SpanRec], parent: impl Fn(u32) -> u32) -> u64 {
        if let Some(k) = i.checked_sub(self.from) {
            return self.column.get(k as usize).copied().unwrap_or(0);
        }
        if !spans
            .get(i as usize)
            .is_some_and(|s| s.has(flag::HAS_PARENT))
        {
            return 0;
        }
        match self.kept.binary_search_by_key(&i, |&(s, _)| s) {
            Ok(k) => self.kept[k].1,
            Err(_) => spans.get(parent(i) as usize).map_or(0, |p| p.span_id),
        }
    }

    /// Sets span `i`'s parent id (a span placed under another before the model links it).
    pub fn set(&mut self, i: u32, id: u64) {
        if let Some(k) = i.checked_sub(self.from) {
            if let Some(slot) = self.column.get_mut(k as usize) {
                *slot = id;
            }
            return;
        }
        match self.kept.binary_search_by_key(&i, |&(s, _)| s) {
            Ok(k) => self.kept[k].1 = id,
            Err(k) => self.kept.insert(k, (i, id)),
        }
    }

    /// The model linked every span (`parent`): keeps the ids of the spans of the column that
    /// their link does not give back, and drops the column.
    pub fn settle(&mut self, spans: &[SpanRec], parent: &[u32]) {
        self.relink(&[], spans, parent);
    }

    /// [`ParentIds::settle`], span `i`'s link read as `parent(i)` (the trees' table, while they
    /// are built).
    pub fn settle_with(&mut self, spans: &[SpanRec], parent: impl Fn(u32) -> u32) {
        self.relink_with(&[], spans, parent);
    }

    /// [`ParentIds::settle`] for a column that holds every span's id, the ids to keep found by
    /// the caller as it linked the spans: `kept`, (span, id) of every span for which
    /// [`to_keep`] holds, in any order.
    pub fn settle_found(&mut self, mut kept: Vec<(u32, u64)>, spans: &[SpanRec]) {
        debug_assert_eq!(self.from, 0, "a column of every span");
        kept.sort_unstable_by_key(|&(s, _)| s);
        kept.shrink_to_fit();
        self.kept = kept;
        self.column = Vec::new();
        self.from = u32::try_from(spans.len()).unwrap_or(NONE);
    }

    /// The model linked again the spans `ids` names (span, parent id as [`ParentIds::get`]
    /// gave it before, ascending by span) and every span of the column (`parent`, its links
    /// now): keeps the ids their links do not give back, and drops the column.
    pub fn relink(&mut self, ids: &[(u32, u64)], spans: &[SpanRec], parent: &[u32]) {
        self.relink_with(ids, spans, link_in(parent));
    }

    /// [`ParentIds::relink`], span `i`'s link read as `parent(i)`.
    pub fn relink_with(
        &mut self,
        ids: &[(u32, u64)],
        spans: &[SpanRec],
        parent: impl Fn(u32) -> u32,
    ) {
        let from = self.from;
        if !ids.is_empty() {
            self.kept
                .retain(|(s, _)| ids.binary_search_by_key(s, |&(i, _)| i).is_err());
            self.kept.extend(
                ids.iter()
                    .filter(|&&(i, id)| i < from && to_keep(i, id, spans, &parent))
                    .copied(),
            );
            self.kept.sort_unstable_by_key(|&(s, _)| s);
        }
        // The column's spans come after every span kept so far.
        for (k, &id) in self.column.iter().enumerate() {
            let i = from.saturating_add(u32::try_from(k).unwrap_or(NONE));
            if to_keep(i, id, spans, &parent) {
                self.kept.push((i, id));
            }
        }
        self.kept.shrink_to_fit();
        self.column = Vec::new();
        self.from = u32::try_from(spans.len()).unwrap_or(NONE);
    }

    /// Every span's id back in the column (a model built again from the index: its links
    /// `parent` are about to go).
    pub fn unsettle(&mut self, spans: &[SpanRec], parent: &[u32]) {
        self.unsettle_with(spans, link_in(parent));
    }

    /// [`ParentIds::unsettle`], span `i`'s link read as `parent(i)`.
    pub fn unsettle_with(&mut self, spans: &[SpanRec], parent: impl Fn(u32) -> u32) {
        let n = u32::try_from(spans.len()).unwrap_or(NONE);
        let mut column = Vec::with_capacity(spans.len());
        column.extend((0..n.min(self.from)).map(|i| self.get_with(i, spans, &parent)));
        column.append(&mut self.column);
        self.column = column;
        self.kept = Vec::new();
        self.from = 0;
    }

    /// Bytes held, for the memory figures: the column's and the kept ids'.
    pub fn bytes(&self) -> usize {
        self.column.len() * 8 + self.kept.len() * std::mem::size_of::<(u32, u64)>()
    }

    /// How many ids are kept beside the links.
    pub fn kept(&self) -> usize {
        self.kept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::{Kind, Status};

    fn span(id: u64, flags: u8) -> SpanRec {
        SpanRec::new(id, 0, 0, Kind::Chain, Status::Unset, flags)
    }

    /// Linked, a span's parent id comes from its parent's record; the ids no link gives back
    /// are kept; built again, the column is as it was.
    #[test]
    fn ids_survive_the_links() {
        let has = flag::HAS_PARENT;
        let spans = [
            span(10, 0),                       // a root
            span(11, has),                     // under 10
            span(12, has),                     // an orphan: 99 is not in the file
            span(13, has),                     // hung under 11 though it names 10 (a handoff)
            span(14, has | flag::PARENT_TEXT), // names the text id 10: not span 10
            span(15, has),                     // all zeros, a root
        ];
        let column = vec![0, 10, 99, 10, 10, 0];
        let mut ids = ParentIds::default();
        ids.column_mut().extend(&column);
        let parent = [NONE, 0, NONE, 1, NONE, NONE];
        let got =
            |ids: &ParentIds| -> Vec<u64> { (0..6).map(|i| ids.get(i, &spans, &parent)).collect() };
        assert_eq!(got(&ids), column);
        ids.settle(&spans, &parent);
        assert_eq!(ids.column().len(), 0);
        assert_eq!(ids.from(), 6);
        assert_eq!(ids.kept(), 4, "{ids:?}");
        assert_eq!(got(&ids), column);
        ids.unsettle(&spans, &parent);
        assert_eq!((ids.column(), ids.from(), ids.kept()), (&column[..], 0, 0));
        // Linked again, span 2 found its parent (1 now names 99: its id changed meanwhile).
        ids.settle(&spans, &parent);
        let mut relinked = spans;
        relinked[1].span_id = 99;
        let parent2 = [NONE, 0, 1, 1, NONE, NONE];
        let before: Vec<(u32, u64)> = [1u32, 2]
            .iter()
            .map(|&i| (i, ids.get(i, &spans, &parent)))
            .collect();
        ids.relink(&before, &relinked, &parent2);
        assert_eq!(ids.get(2, &relinked, &parent2), 99);
        assert_eq!(ids.get(1, &relinked, &parent2), 10);
        assert_eq!(ids.get(3, &relinked, &parent2), 10);
        assert_eq!(ids.kept(), 3, "{ids:?}");
    }
}
