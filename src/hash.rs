//! The hasher for in-memory maps keyed by ids and interned strings (not attacker-sensitive:
//! maps live for one run over one user's own file).

pub type Build = std::hash::BuildHasherDefault<rustc_hash::FxHasher>;
pub type Map<K, V> = std::collections::HashMap<K, V, Build>;
pub type Set<K> = std::collections::HashSet<K, Build>;
