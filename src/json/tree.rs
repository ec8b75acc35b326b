//! A JSON value as a flat tree of nodes, for a viewer that folds, skips and copies: each node
//! knows its key, its kind, the bytes it was read from and where its subtree ends, so nothing
//! is parsed twice and no walk needs recursion.
//!
//! Built without recursion whatever the depth, and within a [`Budget`]: strings are decoded up
//! to a cap (the rest is left in the source, named by its size), and reading stops after so
//! many nodes or so many bytes of decoded text, saying how many bytes of the value were not
//! read. A 200 MB string costs its scan and the cap, never its size.

use super::{Cursor, JsonError, RawStr, Scalar, ValueKind};
use std::ops::Range;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    Str,
    Num,
    Bool,
    Null,
}

impl Kind {
    pub fn is_container(self) -> bool {
        matches!(self, Kind::Object | Kind::Array)
    }
}

/// How a node is reached from its parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// The root.
    None,
    /// Item `i` of an array.
    Index(u32),
    /// A member of an object: its name, decoded (cut to [`Budget::key_bytes`]).
    Name(Box<str>),
}

/// One value of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub key: Key,
    /// The key's name was longer than [`Budget::key_bytes`] and is cut.
    pub key_cut: bool,
    pub kind: Kind,
    pub depth: u32,
    /// The parent's index (`u32::MAX` for the root).
    pub parent: u32,
    /// One past the index of the last node of this node's subtree.
    pub end: u32,
    /// Members or items read.
    pub children: u32,
    /// The value's bytes in the source (a string's quotes included).
    pub raw: Range<usize>,
    /// A scalar's text: a string decoded (at most [`Budget::string_bytes`] of it as written),
    /// a number as written, `true`, `false`, `null`. Empty for containers.
    pub text: String,
    /// `text` holds only the first part of the value.
    pub text_cut: bool,
}

impl Node {
    /// Bytes of a string's contents as written (escapes included), or of a scalar's text.
    pub fn size(&self) -> usize {
        match self.kind {
            Kind::Str => self.raw.len().saturating_sub(2),
            _ => self.raw.len(),
        }
    }

    /// A scalar whose text holds only part of it.
    pub fn is_cut(&self) -> bool {
        self.text_cut
    }
}

/// How much a tree reads.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Nodes read at most.
    pub nodes: usize,
    /// Bytes of decoded text (strings and keys) kept at most, over all nodes.
    pub text_bytes: usize,
    /// Bytes of one string read at most (as written).
    pub string_bytes: usize,
    /// Bytes of one key read at most (as written).
    pub key_bytes: usize,
}

/// A value read as a tree.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub nodes: Vec<Node>,
    /// Bytes of the value after the last node read, when the budget ran out (0: all read).
    pub rest: usize,
    /// Where the value ends in the source.
    pub end: usize,
}

struct Frame {
    node: u32,
    object: bool,
    first: bool,
    count: u32,
}

/// The text of a string as written in `raw` (its contents, without the quotes), decoded up to
/// `cap` bytes of it; and whether it was cut.
pub fn decode(raw: &[u8], cap: usize) -> (String, bool) {
    let s = RawStr::plain(raw);
    if raw.len() <= cap {
        return (s.decode().into_owned(), false);
    }
    (s.prefix(cap).decode().into_owned(), true)
}

impl Tree {
    /// Reads the JSON value at the start of `bytes`, checking it as it goes (what is past the
    /// budget is counted, not read: `bytes` is taken to hold the value and whitespace).
    pub fn parse(bytes: &[u8], budget: Budget) -> Result<Tree, JsonError> {
        let mut end = bytes.len();
        while end > 0 && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let mut c = Cursor::new(bytes);
        let mut nodes: Vec<Node> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut text_used = 0usize;
        let mut rest = 0;
        loop {
            let (key, key_cut) = match stack.last_mut() {
                None if !nodes.is_empty() => break,
                None => (Key::None, false),
                Some(top) => {
                    let more = if top.object {
                        c.next_key(&mut top.first)?
                    } else {
                        c.next_item(&mut top.first)?
                    };
                    if !more {
                        let n = top.node as usize;
                        nodes[n].children = top.count;
                        nodes[n].end = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
                        nodes[n].raw.end = c.pos();
                        stack.pop();
                        continue;
                    }
                    let i = top.count;
                    top.count += 1;
                    if top.object {
                        let k = c.key();
                        let (name, cut) = decode(k.raw, budget.key_bytes);
                        text_used += name.len();
                        (Key::Name(name.into_boxed_str()), cut)
                    } else {
                        (Key::Index(i), false)
                    }
                }
            };
            c.skip_ws();
            let start = c.pos();
            if nodes.len() >= budget.nodes || text_used >= budget.text_bytes {
                rest = end.saturating_sub(start);
                if let Some(top) = stack.last_mut() {
                    top.count -= 1;
                }
                break;
            }
            let depth = u32::try_from(stack.len()).unwrap_or(u32::MAX);
            let parent = stack.last().map_or(u32::MAX, |f| f.node);
            let index = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
            let mut node = Node {
                key,
                key_cut,
                kind: Kind::Null,
                depth,
                parent,
                end: index.saturating_add(1),
                children: 0,
                raw: start..start,
                text: String::new(),
                text_cut: false,
            };
            match c.peek_kind()? {
                kind @ (ValueKind::Object | ValueKind::Array) => {
                    let object = kind == ValueKind::Object;
                    node.kind = if object { Kind::Object } else { Kind::Array };
                    if object {
                        c.object_start()?;
                    } else {
                        c.array_start()?;
                    }
                    stack.push(Frame {
                        node: index,
                        object,
                        first: true,
                        count: 0,
                    });
                }
                _ => {
                    match c.scalar()? {
                        Scalar::Str(s) => {
                            let (text, cut) = decode(s.raw, budget.string_bytes);
                            text_used += text.len();
                            node.kind = Kind::Str;
                            node.text = text;
                            node.text_cut = cut;
                        }
                        Scalar::Num(n) => {
                            node.kind = Kind::Num;
                            let (text, cut) = decode(n, budget.key_bytes);
                            node.text = text;
                            node.text_cut = cut;
                        }
                        Scalar::Bool(b) => {
                            node.kind = Kind::Bool;
                            node.text = b.to_string();
                        }
                        Scalar::Null => node.text = "null".to_owned(),
                    }
                    node.raw.end = c.pos();
                }
            }
            nodes.push(node);
        }
        if rest == 0 {
            end = c.pos();
        }
        // Containers left open when the budget ran out end with what was read.
        let n = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
        while let Some(f) = stack.pop() {
            let node = &mut nodes[f.node as usize];
            node.children = f.count;
            node.end = n;
            node.raw.end = end;
        }
        Ok(Tree { nodes, rest, end })
    }

    /// The node's parent, if it has one.
    pub fn parent(&self, node: u32) -> Option<u32> {
        self.nodes
            .get(node as usize)
            .map(|n| n.parent)
            .filter(|&p| p != u32::MAX)
    }

    /// The node's ancestors, nearest first.
    pub fn ancestors(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(self.parent(node), move |&p| self.parent(p))
    }

    /// The node's path as jq writes it: `.name`, `["a key.with dots"]`, `[0]`; `.` for the
    /// root. Keys are written as JSON strings when they are not plain identifiers.
    pub fn path(&self, node: u32) -> String {
        let mut parts: Vec<String> = std::iter::once(node)
            .chain(self.ancestors(node))
            .filter_map(|n| match &self.nodes[n as usize].key {
                Key::None => None,
                Key::Index(i) => Some(format!("[{i}]")),
                Key::Name(k) => Some(if is_identifier(k) {
                    format!(".{k}")
                } else {
                    format!(
                        "[{}]",
                        serde_json::to_string(&**k).unwrap_or_else(|_| "\"\"".into())
                    )
                }),
            })
            .collect();
        parts.reverse();
        let p = parts.concat();
        if p.is_empty() {
            ".".to_owned()
        } else if p.starts_with('[') {
            format!(".{p}")
        } else {
            p
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a key jq takes after a dot.
fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Budget = Budget {
        nodes: usize::MAX,
        text_bytes: usize::MAX,
        string_bytes: usize::MAX,
        key_bytes: usize::MAX,
    };

    #[test]
    fn nodes_in_order_with_subtrees_and_keys() {
        let src = br#"{"a": [1, {"b": null}], "c.d": "x\ny", "e": {}}"#;
        let t = Tree::parse(src, ALL).unwrap();
        let kinds: Vec<Kind> = t.nodes.iter().map(|n| n.kind).collect();
        use Kind::*;
        assert_eq!(kinds, [Object, Array, Num, Object, Null, Str, Object]);
        assert_eq!(t.nodes[0].end, 7);
        assert_eq!(t.nodes[0].children, 3);
        assert_eq!(t.nodes[1].end, 5);
        assert_eq!(t.nodes[1].children, 2);
        assert_eq!(t.nodes[3].key, Key::Index(1));
        assert_eq!(t.nodes[5].text, "x\ny");
        assert_eq!(&src[t.nodes[5].raw.clone()], br#""x\ny""#);
        assert_eq!(&src[t.nodes[1].raw.clone()], br#"[1, {"b": null}]"#);
        assert_eq!(t.path(4), ".a[1].b");
        assert_eq!(t.path(5), r#".["c.d"]"#);
        assert_eq!(t.path(0), ".");
        assert_eq!(t.rest, 0);
    }

    #[test]
    fn paths_quote_keys_as_jq_wants() {
        let src = br#"{"attributes": {"llm.input_messages": [{"message.content": "hi"}]}}"#;
        let t = Tree::parse(src, ALL).unwrap();
        let leaf = t.nodes.iter().position(|n| n.text == "hi").unwrap() as u32;
        assert_eq!(
            t.path(leaf),
            r#".attributes["llm.input_messages"][0]["message.content"]"#
        );
        let t = Tree::parse(br#"[{"a\"b\u001b": 1}]"#, ALL).unwrap();
        assert_eq!(t.path(2), r#".[0]["a\"b\u001b"]"#);
    }

    #[test]
    fn a_budget_caps_strings_and_stops_reading() {
        let long = format!(r#"{{"s": "{}", "n": [1, 2, 3, 4, 5]}}"#, "x".repeat(1000));
        let b = Budget {
            nodes: 5,
            text_bytes: usize::MAX,
            string_bytes: 10,
            key_bytes: 10,
        };
        let t = Tree::parse(long.as_bytes(), b).unwrap();
        assert_eq!(t.nodes[1].text, "x".repeat(10));
        assert!(t.nodes[1].is_cut());
        assert_eq!(t.nodes[1].size(), 1000);
        assert_eq!(t.nodes.len(), 5);
        // Stopped before the item `3`: the bytes from it on are counted.
        assert_eq!(t.rest, "3, 4, 5]}".len());
        assert_eq!(t.nodes[2].children, 2);
        assert_eq!(t.nodes[0].end, 5);
    }

    #[test]
    fn deep_values_need_no_recursion() {
        let n = 200_000;
        let deep = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let t = Tree::parse(deep.as_bytes(), ALL).unwrap();
        assert_eq!(t.nodes.len(), n + 1);
        assert_eq!(t.nodes[n].depth as usize, n);
        assert_eq!(t.path(3), ".[0][0][0]");
        assert!(Tree::parse(b"[1,", ALL).is_err());
    }
}
