//! Keras `padding` modes and the output length / leading pad they give along one spatial axis.
use crate::error::{LayerError, Result};

/// Keras `padding`: `"valid"`, `"same"` or (Conv1D only) `"causal"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// No padding; windows that would leave the input are dropped.
    Valid,
    /// Zero padding so the output has `ceil(len / stride)` steps (TF split: extra pad at the end).
    Same,
    /// Left padding by `dilation · (kernel - 1)`, so `output[t]` never sees `input[t+1..]`.
    Causal,
}

impl Padding {
    /// Parse a Keras padding name (case-insensitive, as Keras accepts).
    pub fn from_name(layer: &str, name: &str, allow_causal: bool) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            "causal" if allow_causal => Ok(Padding::Causal),
            other => Err(LayerError::config(
                layer,
                format!(
                    "unknown padding '{other}'; use \"valid\" or \"same\"{}",
                    if allow_causal { " or \"causal\"" } else { "" }
                ),
            )),
        }
    }
    /// Keras name.
    pub fn name(&self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
            Padding::Causal => "causal",
        }
    }
}

/// Output length and leading zero-pad of a window of `kernel` taps spaced `dilation` apart, moved
/// `stride` at a time over `len` steps. `None` when the window never fits (valid padding on an
/// input shorter than the dilated kernel).
pub fn out_len(
    padding: Padding,
    len: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> Option<(usize, usize)> {
    let span = dilation * (kernel.max(1) - 1) + 1;
    let stride = stride.max(1);
    match padding {
        Padding::Valid => (len >= span).then(|| ((len - span) / stride + 1, 0)),
        Padding::Same => {
            if len == 0 {
                return Some((0, 0));
            }
            let out = len.div_ceil(stride);
            let total = ((out - 1) * stride + span).saturating_sub(len);
            Some((out, total / 2))
        }
        Padding::Causal => Some((len.div_ceil(stride), span - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_match_keras() {
        // Conv1D(5) valid on 15 steps → 11; same → 15 with pad 2; causal → 15 with pad 4.
        assert_eq!(out_len(Padding::Valid, 15, 5, 1, 1), Some((11, 0)));
        assert_eq!(out_len(Padding::Same, 15, 5, 1, 1), Some((15, 2)));
        assert_eq!(out_len(Padding::Causal, 15, 5, 1, 1), Some((15, 4)));
        // Strided same: ceil(10/3) = 4, total pad = 3*3+3-10 = 2 → 1 before.
        assert_eq!(out_len(Padding::Same, 10, 3, 3, 1), Some((4, 1)));
        // Dilated valid: span 2*(3-1)+1 = 5 → 10-5+1 = 6.
        assert_eq!(out_len(Padding::Valid, 10, 3, 1, 2), Some((6, 0)));
        // Kernel longer than the sequence.
        assert_eq!(out_len(Padding::Valid, 3, 5, 1, 1), None);
        assert!(Padding::from_name("Conv2D", "causal", false).is_err());
        assert_eq!(
            Padding::from_name("Conv1D", "SAME", true).unwrap(),
            Padding::Same
        );
    }
}
