//! `hashing_trick` and `one_hot`: words → indices in `[1, n)` through a stable hash.
//! The hash is MD5 exactly as Keras's `hashing_trick(hash_function='md5')`:
//! `int(md5(word.encode('utf-8')).hexdigest(), 16) % (n - 1) + 1`. Keras's `one_hot` uses
//! Python's salted `hash`, which changes every run; ours uses MD5 too so results are reproducible.

use crate::error::{Result, TextError};
use crate::word_sequence::{WordSplitter, DEFAULT_FILTERS};
use md5::{Digest, Md5};

/// Keyword arguments of `hashing_trick` / `one_hot`: `HashingTrick::new().lower(false)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashingTrick {
    hash_function: String,
    filters: String,
    lower: bool,
    split: String,
}

impl Default for HashingTrick {
    fn default() -> Self {
        Self::new()
    }
}

impl HashingTrick {
    /// Defaults: md5, Keras's default filters, lower, split on " ".
    pub fn new() -> Self {
        HashingTrick {
            hash_function: "md5".into(),
            filters: DEFAULT_FILTERS.into(),
            lower: true,
            split: " ".into(),
        }
    }

    /// Only "md5" is accepted: Python's `hash` is salted per process and cannot be reproduced.
    pub fn hash_function(mut self, hash_function: &str) -> Self {
        self.hash_function = hash_function.to_string();
        self
    }

    /// Characters turned into separators.
    pub fn filters(mut self, filters: &str) -> Self {
        self.filters = filters.to_string();
        self
    }

    /// Lowercase first.
    pub fn lower(mut self, lower: bool) -> Self {
        self.lower = lower;
        self
    }

    /// Word separator.
    pub fn split(mut self, split: &str) -> Self {
        self.split = split.to_string();
        self
    }
}

/// MD5 of the UTF-8 bytes read as a big-endian 128-bit integer, mapped to `[1, n)`.
pub fn md5_index(word: &str, n: usize) -> i64 {
    let digest = Md5::digest(word.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest);
    let modulus = (n.max(2) - 1) as u128;
    (u128::from_be_bytes(bytes) % modulus) as i64 + 1
}

/// Keras `hashing_trick(text, n, hash_function='md5', ...)`: indices in `[1, n - 1]`; 0 is reserved.
pub fn hashing_trick(text: &str, n: usize, options: HashingTrick) -> Result<Vec<i64>> {
    hash_words("hashing_trick", text, n, &options)
}

/// Keras `one_hot(text, n, ...)` with a stable MD5 hash instead of Python's salted `hash`.
pub fn one_hot(text: &str, n: usize, options: HashingTrick) -> Result<Vec<i64>> {
    hash_words("one_hot", text, n, &options)
}

fn hash_words(op: &'static str, text: &str, n: usize, options: &HashingTrick) -> Result<Vec<i64>> {
    if options.hash_function != "md5" {
        return Err(TextError::option(
            op,
            "hash_function",
            &options.hash_function,
            &["md5"],
        ));
    }
    if n < 2 {
        return Err(TextError::InvalidValue {
            op,
            option: "n",
            reason: format!(
                "the hashing space must have at least 2 slots (index 0 is reserved), got {n}"
            ),
        });
    }
    let splitter = WordSplitter::new(op, &options.filters, options.lower, &options.split)?;
    let mut out = Vec::new();
    splitter.for_each_word(text, |w| out.push(md5_index(w, n)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_python() {
        // python: int(md5(b'hello').hexdigest(), 16) % 9 + 1 == 8
        // (md5('hello') = 5d41402abc4b2a76b9719d911017c592)
        let v = u128::from_str_radix("5d41402abc4b2a76b9719d911017c592", 16).unwrap();
        assert_eq!(md5_index("hello", 10), (v % 9) as i64 + 1);
        let idx = hashing_trick("Hello, hello world", 10, HashingTrick::new()).unwrap();
        assert_eq!(idx[0], idx[1]);
        assert!(idx.iter().all(|&i| (1..10).contains(&i)));
    }

    #[test]
    fn bad_arguments() {
        assert!(hashing_trick("a", 1, HashingTrick::new()).is_err());
        assert!(matches!(
            one_hot("a", 5, HashingTrick::new().hash_function("hash")),
            Err(TextError::InvalidOption {
                option: "hash_function",
                ..
            })
        ));
        assert_eq!(
            one_hot("", 5, HashingTrick::new()).unwrap(),
            Vec::<i64>::new()
        );
    }
}
