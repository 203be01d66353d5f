//! Keras's `_keras_logits`: `softmax` and `sigmoid` outputs remember their input, so a
//! cross-entropy loss on probabilities can be computed from the logits instead (stable, no clipping).
use crate::tape::{Tape, Var};
use kerust_tensor::Tensor;

/// Which activation produced a probability tensor from its logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogitsOf {
    /// `softmax` over the last axis.
    Softmax,
    /// Element-wise `sigmoid`.
    Sigmoid,
}

impl Tape {
    /// Remember that `output` is `kind(logits)`.
    pub(crate) fn mark_logits(&self, output: &Var, kind: LogitsOf, logits: &Var) {
        self.inner
            .borrow_mut()
            .logits
            .insert(output.id, (kind, logits.id, logits.value.clone()));
    }

    fn logits_of(&self, id: usize) -> Option<(LogitsOf, usize, Tensor)> {
        self.inner.borrow().logits.get(&id).cloned()
    }
}

impl Var {
    /// The logits this probability tensor was computed from, when it is the direct output of
    /// `softmax` (last axis) or `sigmoid` — what Keras keeps as `output._keras_logits`.
    pub fn keras_logits(&self) -> Option<(LogitsOf, Var)> {
        let (kind, id, value) = self.tape.logits_of(self.id)?;
        Some((
            kind,
            Var {
                id,
                value,
                tape: self.tape.clone(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_and_sigmoid_outputs_know_their_logits() {
        let tape = Tape::new();
        let x = tape.param(Tensor::from_vec(vec![1.0, -2.0, 0.5, 3.0], &[2, 2]).unwrap());
        let (kind, z) = x.softmax(-1).unwrap().keras_logits().unwrap();
        assert_eq!(
            (kind, z.value.to_vec().unwrap()),
            (LogitsOf::Softmax, x.value.to_vec().unwrap())
        );
        let (kind, _) = x.sigmoid().unwrap().keras_logits().unwrap();
        assert_eq!(kind, LogitsOf::Sigmoid);
        // Softmax over another axis, other ops and leaves carry none.
        assert!(x.softmax(0).unwrap().keras_logits().is_none());
        assert!(x.tanh().unwrap().keras_logits().is_none());
        assert!(x.keras_logits().is_none());
        // Gradients flow to x through the logits var.
        let y = x.sigmoid().unwrap();
        let (_, z) = y.keras_logits().unwrap();
        let g = tape.backward(&z.sum_all().unwrap()).unwrap();
        assert_eq!(g.get(&x).unwrap().to_vec().unwrap(), vec![1.0; 4]);
    }
}
