//! Keras text preprocessing for Rust: `Tokenizer`, `pad_sequences`, `TextVectorizer` (the engine of Keras `TextVectorization`) and the hashing trick. No tensor dependency: usable with any framework.
//!
//! ```
//! use kerust_text::{pad_sequences, PadSequences, Tokenizer};
//! let texts = ["I love Stats so much", "I love ML too", "I love DS", "I love NN"];
//! let mut tok = Tokenizer::new().num_words(10);
//! tok.fit_on_texts(&texts).unwrap();
//! let seqs = tok.texts_to_sequences(&texts).unwrap();
//! let x = pad_sequences(&seqs, PadSequences::new().maxlen(4).padding("post").truncating("post")).unwrap();
//! assert_eq!(x.row(2).unwrap(), [1, 2, 8, 0]);
//! ```
//!
//! Where we differ from Keras (on purpose, documented):
//! - `Tokenizer::word_docs` is in first-appearance order (Keras: Python set order, random per run).
//! - An unfitted Tokenizer with `oov_token` drops unknown words (Keras appends `None`).
//! - `sequences_to_matrix` skips negative indices (numpy would wrap them to the last columns).
//! - `pad_sequences` returns i64 (Keras int32 by default) and `maxlen(0)` gives zero-width rows.
//! - `one_hot` hashes with MD5 like `hashing_trick(hash_function='md5')`; Keras uses Python's
//!   salted `hash`, which differs every run.
//! - `TextVectorizer`: `output_mode="one_hot"` is not offered (it is meant for categorical
//!   inputs, not split text); `split("none")` yields one token per text in a `[batch, 1]` int
//!   output; the vocabulary and idf weights travel inside `get_config` (Keras: an asset file).

pub mod bench;
mod counting;
mod error;
mod hashing;
mod interner;
mod matrix;
mod pad;
mod standardize;
mod tokenizer;
mod tokenizer_json;
mod vectorizer;
mod vectorizer_config;
mod word_sequence;

pub use error::{Result, TextError};
pub use hashing::{hashing_trick, md5_index, one_hot, HashingTrick};
pub use matrix::{Matrix, Padded};
pub use pad::{pad_sequences, PadSequences};
pub use standardize::{Split, SplitFn, Standardize, StandardizeFn};
pub use tokenizer::{OrderedMap, Tokenizer};
pub use vectorizer::{Ngrams, OutputMode, TextVectorizer, Vectorized, MASK_TOKEN, OOV_TOKEN};
pub use word_sequence::{text_to_word_sequence, DEFAULT_FILTERS};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<Tokenizer>();
        assert_send_sync::<TextVectorizer>();
        assert_send_sync::<TextError>();
    }
}
