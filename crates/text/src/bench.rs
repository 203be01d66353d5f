//! Benchmark entry points (the `cargo xtask bench` workloads of issue #4), kept here so the bench
//! harness measures exactly the public API a user would call.

use crate::error::Result;
use crate::matrix::{Matrix, Padded};
use crate::pad::{pad_sequences, PadSequences};
use crate::tokenizer::Tokenizer;
use crate::vectorizer::TextVectorizer;

/// `Tokenizer().fit_on_texts(texts)`, `texts_to_sequences(texts)`, `pad_sequences(seqs, maxlen)`.
pub fn tokenizer_pipeline<S: AsRef<str> + Sync>(texts: &[S], maxlen: usize) -> Result<Padded> {
    let mut tok = Tokenizer::new();
    tok.fit_on_texts(texts)?;
    let seqs = tok.texts_to_sequences(texts)?;
    pad_sequences(&seqs, PadSequences::new().maxlen(maxlen))
}

/// `TextVectorization(output_sequence_length=n)`, `adapt(texts)`, then `call(texts)`.
pub fn vectorization_pipeline<S: AsRef<str> + Sync>(
    texts: &[S],
    output_sequence_length: usize,
) -> Result<Matrix<i64>> {
    let mut tv = TextVectorizer::new().output_sequence_length(output_sequence_length);
    tv.adapt(texts)?;
    let out = tv.call(texts)?;
    // Int mode always yields ids; the fallback keeps this total without unwrap.
    Ok(out.into_int().unwrap_or(Matrix {
        rows: 0,
        cols: 0,
        data: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelines_run_on_the_lecture() {
        let texts = [
            "I love Stats so much",
            "I love ML too",
            "I love DS",
            "I love NN",
        ];
        let p = tokenizer_pipeline(&texts, 15).unwrap();
        assert_eq!(p.row(3).unwrap()[11..], [0, 1, 2, 9]);
        let v = vectorization_pipeline(&texts, 4).unwrap();
        assert_eq!(v.shape(), (4, 4));
        assert_eq!(v.row(0).unwrap()[..2], [3, 2]);
    }
}
