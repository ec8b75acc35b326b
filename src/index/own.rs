//! Session ids found on spans themselves (rather than via their trace), beside the records in
//! 5 bytes a span that has one: which spans have one as [`Bits`] (a span's entry is its rank),
//! and per entry the interned id and the key it was found under. A span has at most one (the
//! scan keeps the best key's).

use super::bits::Bits;
use super::record::OwnSession;
use crate::format::keys::SessionKey;

#[derive(Clone, Debug, Default)]
pub struct OwnSessions {
    spans: Bits,
    sessions: Vec<u32>,
    keys: Vec<SessionKey>,
}

impl OwnSessions {
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The session id found on span `span`, if any.
    pub fn get(&self, span: u32) -> Option<OwnSession> {
        let at = self.spans.rank(span)? as usize;
        Some(OwnSession {
            span,
            session: *self.sessions.get(at)?,
            key: *self.keys.get(at)?,
        })
    }

    /// Every one, ascending by span.
    pub fn iter(&self) -> impl Iterator<Item = OwnSession> + '_ {
        self.spans
            .iter()
            .zip(self.sessions.iter().zip(&self.keys))
            .map(|(span, (&session, &key))| OwnSession { span, session, key })
    }

    /// Adds `o`; spans come in ascending order (one at or before the last is not taken:
    /// false).
    pub fn push(&mut self, o: OwnSession) -> bool {
        if !self.spans.insert(o.span) {
            return false;
        }
        self.sessions.push(o.session);
        self.keys.push(o.key);
        true
    }

    /// Appends a piece's (ascending by span), its spans now `base` on, its strings renamed by
    /// `name`.
    pub fn append(&mut self, piece: &[OwnSession], base: u32, name: impl Fn(u32) -> u32) {
        for o in piece {
            let taken = self.push(OwnSession {
                span: o.span.saturating_add(base),
                session: name(o.session),
                key: o.key,
            });
            // Pieces land in file order, their spans past every span before them.
            debug_assert!(taken, "a session id out of span order");
        }
    }

    /// Bytes its entries take.
    pub fn bytes(&self) -> usize {
        self.spans.bytes() + self.sessions.len() * 4 + self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_one_reads_back_as_pushed() {
        assert_eq!(std::mem::size_of::<SessionKey>(), 1);
        let mut rng = crate::testing::XorShift(5);
        let mut own = OwnSessions::default();
        let mut want = Vec::new();
        let mut span = 0u32;
        for k in 0..2000u32 {
            span += 1 + rng.below(100) as u32;
            let o = OwnSession {
                span,
                session: [0, 1, k, u32::MAX][rng.below(4) as usize],
                key: SessionKey::ALL[rng.below(SessionKey::ALL.len() as u64) as usize],
            };
            assert!(own.push(o));
            want.push(o);
        }
        assert!(!own.push(want[3]));
        assert_eq!(own.iter().collect::<Vec<_>>(), want);
        for o in &want {
            assert_eq!(own.get(o.span), Some(*o));
            assert!(own.get(o.span + 1).is_none() || want.iter().any(|w| w.span == o.span + 1));
        }
        assert_eq!(own.get(0), None);
        assert_eq!(own.get(u32::MAX), None);
        // A piece after it, renamed.
        let mut more = OwnSessions::default();
        more.append(&want[..10], 0, |s| s);
        more.append(&want[..10], span + 1, |s| s ^ 7);
        let got: Vec<OwnSession> = more.iter().collect();
        assert_eq!(&got[..10], &want[..10]);
        for (g, w) in got[10..].iter().zip(&want[..10]) {
            assert_eq!(
                (g.span, g.session, g.key),
                (w.span + span + 1, w.session ^ 7, w.key)
            );
        }
    }
}
