//! `pad_sequences`: keras.utils.pad_sequences with the same defaults (maxlen = longest,
//! padding and truncating "pre", value 0), returning a row-major `Padded` matrix.

use crate::error::{Result, TextError};
use crate::matrix::Padded;
use crate::tokenizer::alloc_zeroed;
use rayon::prelude::*;

/// Which end of a sequence gets padded or cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Pre,
    Post,
}

impl Side {
    fn parse(option: &'static str, s: &str) -> Result<Side> {
        match s {
            "pre" => Ok(Side::Pre),
            "post" => Ok(Side::Post),
            _ => Err(TextError::option(
                "pad_sequences",
                option,
                s,
                &["pre", "post"],
            )),
        }
    }
}

/// The keyword arguments of `pad_sequences`, as a builder:
/// `PadSequences::new().maxlen(4).padding("post").truncating("post").value(0)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PadSequences {
    maxlen: Option<usize>,
    padding: String,
    truncating: String,
    value: i64,
}

impl Default for PadSequences {
    fn default() -> Self {
        Self::new()
    }
}

impl PadSequences {
    /// Keras defaults: maxlen = longest sequence, padding "pre", truncating "pre", value 0.
    pub fn new() -> Self {
        PadSequences {
            maxlen: None,
            padding: "pre".into(),
            truncating: "pre".into(),
            value: 0,
        }
    }

    /// Output width; longer sequences are truncated.
    pub fn maxlen(mut self, maxlen: usize) -> Self {
        self.maxlen = Some(maxlen);
        self
    }

    /// "pre" (pad at the start, Keras default) or "post".
    pub fn padding(mut self, padding: &str) -> Self {
        self.padding = padding.to_string();
        self
    }

    /// "pre" (drop values at the start, Keras default) or "post".
    pub fn truncating(mut self, truncating: &str) -> Self {
        self.truncating = truncating.to_string();
        self
    }

    /// The padding value (e.g. `max_features + 1` in the Quora example).
    pub fn value(mut self, value: i64) -> Self {
        self.value = value;
        self
    }
}

/// Pads/truncates `sequences` to a `[len(sequences), maxlen]` matrix, like `keras.utils.pad_sequences`.
/// The output is i64 (Keras's default dtype is int32; i64 keeps any `value` exact).
/// `maxlen(0)` gives zero-width rows. With no sequences and no `maxlen` Keras fails, and so do we.
pub fn pad_sequences<Q: AsRef<[i64]> + Sync>(
    sequences: &[Q],
    options: PadSequences,
) -> Result<Padded> {
    let padding = Side::parse("padding", &options.padding)?;
    let truncating = Side::parse("truncating", &options.truncating)?;
    let cols = match options.maxlen {
        Some(m) => m,
        None => sequences
            .iter()
            .map(|s| s.as_ref().len())
            .max()
            .ok_or(TextError::EmptySequences)?,
    };
    let rows = sequences.len();
    let mut data: Vec<i64> = alloc_zeroed(rows, cols, "pad_sequences")?;
    if cols == 0 {
        return Ok(Padded { rows, cols, data });
    }
    data.par_chunks_mut(cols)
        .with_min_len(1024)
        .zip(sequences.par_iter())
        .for_each(|(row, seq)| {
            let s = seq.as_ref();
            let kept = if s.len() <= cols {
                s
            } else if truncating == Side::Pre {
                &s[s.len() - cols..]
            } else {
                &s[..cols]
            };
            let (dst, fill) = match padding {
                Side::Post => {
                    let (d, f) = row.split_at_mut(kept.len());
                    (d, f)
                }
                Side::Pre => {
                    let (f, d) = row.split_at_mut(cols - kept.len());
                    (d, f)
                }
            };
            dst.copy_from_slice(kept);
            fill.fill(options.value);
        });
    Ok(Padded { rows, cols, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seqs() -> Vec<Vec<i64>> {
        vec![
            vec![1, 2, 3, 4, 5],
            vec![1, 2, 6, 7],
            vec![1, 2, 8],
            vec![1, 2, 9],
        ]
    }

    #[test]
    fn lecture_post_post() {
        let p = pad_sequences(
            &seqs(),
            PadSequences::new()
                .maxlen(4)
                .padding("post")
                .truncating("post"),
        )
        .unwrap();
        assert_eq!(
            p.to_nested(),
            vec![
                vec![1, 2, 3, 4],
                vec![1, 2, 6, 7],
                vec![1, 2, 8, 0],
                vec![1, 2, 9, 0]
            ]
        );
    }

    #[test]
    fn defaults_are_pre() {
        let p = pad_sequences(&seqs(), PadSequences::new()).unwrap();
        assert_eq!(p.shape(), (4, 5));
        assert_eq!(p.row(2).unwrap(), [0, 0, 1, 2, 8]);
        let p = pad_sequences(&seqs(), PadSequences::new().maxlen(3).value(-1)).unwrap();
        assert_eq!(p.row(0).unwrap(), [3, 4, 5]);
        let empty: Vec<Vec<i64>> = vec![vec![], vec![7]];
        let p = pad_sequences(&empty, PadSequences::new().maxlen(2).value(9)).unwrap();
        assert_eq!(p.to_nested(), vec![vec![9, 9], vec![9, 7]]);
    }

    #[test]
    fn bad_options_are_typed_errors() {
        assert!(matches!(
            pad_sequences(&seqs(), PadSequences::new().padding("middle")),
            Err(TextError::InvalidOption {
                option: "padding",
                ..
            })
        ));
        assert!(matches!(
            pad_sequences(&seqs(), PadSequences::new().truncating("x")),
            Err(TextError::InvalidOption {
                option: "truncating",
                ..
            })
        ));
        let none: Vec<Vec<i64>> = vec![];
        assert_eq!(
            pad_sequences(&none, PadSequences::new()),
            Err(TextError::EmptySequences)
        );
        assert_eq!(
            pad_sequences(&none, PadSequences::new().maxlen(3))
                .unwrap()
                .shape(),
            (0, 3)
        );
        assert!(pad_sequences(&seqs(), PadSequences::new().maxlen(usize::MAX)).is_err());
    }
}
