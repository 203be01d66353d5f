//! `Interner`: a string → (dense id, value) table for the hot token loops. Keys live once in an
//! arena; a table slot holds the key's length, its bytes when it is at most 16 bytes long, and
//! the value, so looking up or counting a typical word touches one slot and never calls `memcmp`.

use crate::error::{Result, TextError};
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use std::hash::Hasher;

/// Keys up to this many bytes are compared inside the table slot.
const INLINE: usize = 16;

/// One table entry.
#[derive(Clone, Copy)]
struct Slot<V> {
    id: u32,
    /// Key length, saturated at `u32::MAX` (longer keys are compared in the arena anyway).
    len: u32,
    /// `short_words` of the key when it has at most `INLINE` bytes, zeros otherwise; as u32s
    /// so that a slot with a 4-byte value takes 28 bytes, not 32.
    words: [u32; 4],
    val: V,
}

/// A key prepared for lookups: hash, saturated length and (short keys) its `short_words`.
struct Probe<'a> {
    key: &'a str,
    hash: u64,
    len: u32,
    words: [u32; 4],
}

/// `[a, b]` as four u32 halves.
#[inline]
fn halves([a, b]: [u64; 2]) -> [u32; 4] {
    [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32]
}

/// Two words that, with the length, identify a key of at most 16 bytes: the first and last 8
/// bytes (overlapping), the first and last 4, or bytes 0, len/2 and len-1. Every byte is covered,
/// and it is a few loads instead of a `memcpy` into a zero-padded buffer.
#[inline]
fn short_words(b: &[u8]) -> [u64; 2] {
    let n = b.len();
    let le8 = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let le4 = |i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[i..i + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    if n >= 8 {
        [le8(0), le8(n - 8)]
    } else if n >= 4 {
        [le4(0), le4(n - 4)]
    } else if n > 0 {
        [
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        ]
    } else {
        [0, 0]
    }
}

/// 64×64→128-bit multiply folded to 64 bits (the mixing step of foldhash / wyhash).
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

impl<'a> Probe<'a> {
    #[inline]
    fn new(key: &'a str) -> Self {
        let b = key.as_bytes();
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        // Fixed constants (no random seed), so every run builds identical tables.
        const K: [u64; 3] = [
            0x243f_6a88_85a3_08d3,
            0x1319_8a2e_0370_7344,
            0xa409_3822_299f_31d0,
        ];
        if b.len() <= INLINE {
            let words = short_words(b);
            let hash = fold_mul(words[0] ^ K[0], words[1] ^ K[1] ^ u64::from(len));
            Probe {
                key,
                hash: fold_mul(hash, K[2]),
                len,
                words: halves(words),
            }
        } else {
            let mut h = rustc_hash::FxHasher::default();
            h.write(b);
            Probe {
                key,
                hash: fold_mul(h.finish() ^ K[0], K[2]),
                len,
                words: [0; 4],
            }
        }
    }

    #[inline]
    fn with_hash(key: &'a str, hash: u64) -> Self {
        let b = key.as_bytes();
        Probe {
            key,
            hash,
            len: u32::try_from(b.len()).unwrap_or(u32::MAX),
            words: if b.len() <= INLINE {
                halves(short_words(b))
            } else {
                [0; 4]
            },
        }
    }

    /// Whether slot `s` holds this key (`arena`/`spans`: the interner's key storage).
    #[inline]
    fn matches<V>(&self, s: &Slot<V>, arena: &str, spans: &[(usize, usize)]) -> bool {
        if s.len != self.len || s.words != self.words {
            return false;
        }
        if self.key.len() <= INLINE {
            true
        } else {
            let (a, b) = spans[s.id as usize];
            arena.as_bytes()[a..b] == *self.key.as_bytes()
        }
    }
}

/// Interned strings with ids `0..len()` in insertion order, each with a value of type `V`.
#[derive(Clone)]
pub(crate) struct Interner<V> {
    table: HashTable<Slot<V>>,
    arena: String,
    /// id → (start, end) of the key in `arena`.
    spans: Vec<(usize, usize)>,
    /// id → hash: table growth and merging never rehash a key.
    hashes: Vec<u64>,
}

impl<V> std::fmt::Debug for Interner<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Interner({} keys)", self.len())
    }
}

impl<V> Default for Interner<V> {
    fn default() -> Self {
        Interner {
            table: HashTable::new(),
            arena: String::new(),
            spans: Vec::new(),
            hashes: Vec::new(),
        }
    }
}

impl<V> Interner<V> {
    /// Number of distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The key with id `id` (`id < len()`).
    pub(crate) fn key(&self, id: usize) -> &str {
        let (a, b) = self.spans[id];
        &self.arena[a..b]
    }

    /// All keys in id order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.iter().map(|&(a, b)| &self.arena[a..b])
    }
}

impl<V: Copy> Interner<V> {
    /// An empty interner with room for `n` keys.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Interner {
            table: HashTable::with_capacity(n),
            arena: String::new(),
            spans: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
        }
    }

    /// All values in id order.
    pub(crate) fn values(&self) -> Vec<V> {
        let mut out: Vec<Option<V>> = vec![None; self.len()];
        for s in &self.table {
            out[s.id as usize] = Some(s.val);
        }
        // Every id has exactly one slot, so nothing is None here.
        out.into_iter().flatten().collect()
    }

    /// The value of `key`, if interned.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        let p = Probe::new(key);
        self.table
            .find(p.hash, |s| p.matches(s, &self.arena, &self.spans))
            .map(|s| &s.val)
    }

    /// The value of `key`, inserting `key` with the next id and value `init` when new;
    /// the flag is `true` when it was inserted.
    #[inline]
    pub(crate) fn entry(&mut self, key: &str, init: V) -> Result<(&mut V, bool)> {
        self.entry_probe(&Probe::new(key), init)
    }

    /// `entry` for key `id` of another interner (its stored hash is reused).
    pub(crate) fn entry_from<W>(
        &mut self,
        other: &Interner<W>,
        id: usize,
        init: V,
    ) -> Result<(&mut V, bool)> {
        self.entry_probe(&Probe::with_hash(other.key(id), other.hashes[id]), init)
    }

    fn entry_probe(&mut self, p: &Probe<'_>, init: V) -> Result<(&mut V, bool)> {
        let (arena, spans, hashes) = (&self.arena, &self.spans, &self.hashes);
        let entry = self.table.entry(
            p.hash,
            |s| p.matches(s, arena, spans),
            |s| hashes[s.id as usize],
        );
        let vacant = match entry {
            Entry::Occupied(o) => return Ok((&mut o.into_mut().val, false)),
            Entry::Vacant(v) => v,
        };
        let Ok(id) = u32::try_from(self.spans.len()) else {
            return Err(TextError::InvalidValue {
                op: "vocabulary",
                option: "texts",
                reason: "more than 4 294 967 295 distinct tokens; use a smaller corpus".into(),
            });
        };
        let start = self.arena.len();
        self.arena.push_str(p.key);
        self.spans.push((start, self.arena.len()));
        self.hashes.push(p.hash);
        let slot = Slot {
            id,
            len: p.len,
            words: p.words,
            val: init,
        };
        Ok((&mut vacant.insert(slot).into_mut().val, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_insertion_order() {
        let mut it: Interner<u32> = Interner::default();
        let long = "a-very-long-token-over-sixteen-bytes";
        for (k, v) in [("b", 0), (long, 1), ("", 2)] {
            assert_eq!(it.entry(k, v).unwrap(), (&mut v.clone(), true));
        }
        *it.entry("b", 9).unwrap().0 += 10;
        assert_eq!(it.entry(long, 9).unwrap(), (&mut 1, false));
        assert_eq!(it.get("b"), Some(&10));
        assert_eq!(it.get("b\0"), None);
        assert_eq!(it.get(&long[..20]), None);
        assert_eq!(it.get(""), Some(&2));
        assert_eq!(it.keys().collect::<Vec<_>>(), ["b", long, ""]);
        assert_eq!(it.values(), [10, 1, 2]);
        let mut other: Interner<()> = Interner::with_capacity(4);
        other.entry("z", ()).unwrap();
        assert!(other.entry_from(&it, 1, ()).unwrap().1);
        assert_eq!(other.get(long), Some(&()));
        assert_eq!(other.key(1), long);
    }

    #[test]
    fn short_words_identify_short_keys() {
        // All strings over a 3-letter alphabet up to length 9 are told apart.
        let mut seen = std::collections::HashSet::new();
        let mut keys = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..9 {
            level = level
                .iter()
                .flat_map(|k| ["a", "b", "\0"].map(|c| format!("{k}{c}")))
                .collect();
            keys.extend(level.iter().cloned());
        }
        for k in &keys {
            assert!(seen.insert((k.len(), short_words(k.as_bytes()))), "{k:?}");
        }
        let mut it = Interner::default();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(it.entry(k, i).unwrap(), (&mut i.clone(), true), "{k:?}");
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(it.get(k), Some(&i));
        }
    }

    #[test]
    fn many_keys_survive_growth() {
        let mut it = Interner::default();
        for i in 0..5000usize {
            assert!(it.entry(&format!("w{i}"), i).unwrap().1);
        }
        for i in 0..5000usize {
            assert_eq!(it.get(&format!("w{i}")), Some(&i));
        }
        assert_eq!(it.values(), (0..5000).collect::<Vec<_>>());
    }
}
