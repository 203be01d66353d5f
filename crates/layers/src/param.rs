//! A layer weight: a named tensor with a process-unique id the tape and optimizer key on, and
//! [`checked_weight_numel`], the size check every build runs before it allocates a weight.
use crate::error::LayerError;
use crate::regularizers::Regularizer;
use kerust_tensor::Tensor;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One weight of a layer (`kernel`, `bias`, `embeddings`, ...).
#[derive(Debug, Clone)]
pub struct Param {
    id: u64,
    /// Keras weight name without the layer prefix, e.g. `kernel`.
    pub name: String,
    /// The current weights.
    pub value: Tensor,
    /// Whether the optimizer updates it (Keras `trainable` weights).
    pub trainable: bool,
    /// Penalty added to the loss while training.
    pub regularizer: Option<Regularizer>,
}

impl Param {
    /// A new trainable weight.
    pub fn new(name: &str, value: Tensor) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            name: name.to_string(),
            value,
            trainable: true,
            regularizer: None,
        }
    }
    /// A weight the optimizer never touches (e.g. BatchNormalization moving mean).
    pub fn non_trainable(name: &str, value: Tensor) -> Self {
        Self {
            trainable: false,
            ..Self::new(name, value)
        }
    }
    /// Attach a regularizer.
    pub fn with_regularizer(mut self, r: Option<Regularizer>) -> Self {
        self.regularizer = r;
        self
    }
    /// Process-unique identity (copies made by `clone` share it; `fresh_id` gives a new one).
    pub fn id(&self) -> u64 {
        self.id
    }
    /// Give this weight a new identity (used by `clone_model`).
    pub fn fresh_id(&mut self) {
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    }
    /// Number of scalars.
    pub fn numel(&self) -> usize {
        self.value.numel()
    }
}

/// Most scalars one weight may hold: 2^32 (16 GiB of f32). Far above any model kerust trains, far
/// below what an attacker's `units: 10^12` asks for.
pub const MAX_WEIGHT_NUMEL: usize = 1 << 32;

/// Why a weight shape was refused before allocating it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeightSizeError {
    /// A dimension is zero: Keras refuses `units=0`, `filters=0`, `input_dim=0`.
    #[error("weight '{weight}' would have shape {shape:?}: every size must be a positive integer (check units / filters / input_dim / output_dim and the input's last dimension)")]
    Zero {
        /// The weight's name (`kernel`, `embeddings`, ...).
        weight: String,
        /// The shape that was asked for.
        shape: Vec<usize>,
    },
    /// The product of the dimensions overflows, or its bytes exceed `isize::MAX`.
    #[error("weight '{weight}' would have shape {shape:?}: its size overflows the address space; use sizes that fit in memory")]
    Overflow {
        /// The weight's name (`kernel`, `embeddings`, ...).
        weight: String,
        /// The shape that was asked for.
        shape: Vec<usize>,
    },
    /// More scalars than [`MAX_WEIGHT_NUMEL`].
    #[error("weight '{weight}' would have shape {shape:?} = {numel} values ({bytes} bytes of f32), over the limit of {limit} values; lower the layer's sizes")]
    TooLarge {
        /// The weight's name (`kernel`, `embeddings`, ...).
        weight: String,
        /// The shape that was asked for.
        shape: Vec<usize>,
        /// Scalars in that shape.
        numel: u128,
        /// Bytes those scalars take as f32.
        bytes: u128,
        /// The largest number of scalars a weight may have.
        limit: usize,
    },
    /// The allocator refused the memory (fallible reservation, so no abort).
    #[error("weight '{weight}' would have shape {shape:?} = {bytes} bytes of f32, which this machine cannot allocate; lower the layer's sizes")]
    OutOfMemory {
        /// The weight's name (`kernel`, `embeddings`, ...).
        weight: String,
        /// The shape that was asked for.
        shape: Vec<usize>,
        /// Bytes the allocator refused.
        bytes: u128,
    },
}

/// The number of scalars of a weight of `shape`, refused when a size is zero, overflows, exceeds
/// [`MAX_WEIGHT_NUMEL`] or cannot be reserved (a fallible allocation probe that touches no page).
pub fn weight_numel(weight: &str, shape: &[usize]) -> Result<usize, WeightSizeError> {
    let w = || weight.to_string();
    let s = || shape.to_vec();
    if shape.contains(&0) {
        return Err(WeightSizeError::Zero {
            weight: w(),
            shape: s(),
        });
    }
    let wide: u128 = shape
        .iter()
        .try_fold(1u128, |a, &d| a.checked_mul(d as u128))
        .ok_or_else(|| WeightSizeError::Overflow {
            weight: w(),
            shape: s(),
        })?;
    let bytes = wide.saturating_mul(4);
    if bytes > isize::MAX as u128 {
        return Err(WeightSizeError::Overflow {
            weight: w(),
            shape: s(),
        });
    }
    if wide > MAX_WEIGHT_NUMEL as u128 {
        return Err(WeightSizeError::TooLarge {
            weight: w(),
            shape: s(),
            numel: wide,
            bytes,
            limit: MAX_WEIGHT_NUMEL,
        });
    }
    let numel = wide as usize;
    let mut probe: Vec<f32> = Vec::new();
    probe
        .try_reserve_exact(numel)
        .map_err(|_| WeightSizeError::OutOfMemory {
            weight: w(),
            shape: s(),
            bytes,
        })?;
    Ok(numel)
}

/// [`weight_numel`] for a layer's build: the error names the layer and says how to fix it.
/// Call it before creating each weight (`checked_weight_numel(self.name(), "kernel", &[fan_in, units])?`).
pub fn checked_weight_numel(layer: &str, weight: &str, shape: &[usize]) -> crate::Result<usize> {
    weight_numel(weight, shape)
        .map_err(|e| LayerError::config(format!("layer '{layer}'"), e.to_string()))
}

/// `value` when it is positive; else a config error naming `context` and `what` (Keras refuses
/// `batch_size=0` and empty inputs).
pub fn checked_positive(context: &str, what: &str, value: usize) -> crate::Result<usize> {
    if value == 0 {
        return Err(LayerError::config(
            context,
            format!("{what} must be a positive integer, got 0"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_before_allocating() {
        assert_eq!(weight_numel("kernel", &[4, 3]), Ok(12));
        assert!(matches!(
            weight_numel("kernel", &[4, 0]),
            Err(WeightSizeError::Zero { .. })
        ));
        assert!(matches!(
            weight_numel("embeddings", &[usize::MAX / 2, 8]),
            Err(WeightSizeError::Overflow { .. })
        ));
        assert!(matches!(
            weight_numel("kernel", &[4, 1_000_000_000_000]),
            Err(WeightSizeError::TooLarge {
                numel: 4_000_000_000_000,
                ..
            })
        ));
        assert!(matches!(
            weight_numel("kernel", &[1 << 16, (1 << 16) + 1]),
            Err(WeightSizeError::TooLarge { .. })
        ));
        let e = checked_weight_numel("dense_3", "kernel", &[4, 0]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("dense_3") && msg.contains("[4, 0]") && msg.contains("units"),
            "{msg}"
        );
    }

    #[test]
    fn absurd_layer_sizes_are_errors_not_aborts() {
        use crate::{Dense, Embedding, Sequential};
        let build = |layer: Box<dyn crate::Layer>, input: &[usize]| {
            let mut m = Sequential::new();
            m.add(crate::core::input::Input::new(input))?;
            m.add_boxed(layer)
        };
        let e = build(Box::new(Dense::new(1_000_000_000_000)), &[4]).unwrap_err();
        assert!(e.to_string().contains("kernel"), "{e}");
        let e = build(Box::new(Dense::new(0)), &[4]).unwrap_err();
        assert!(e.to_string().contains("positive"), "{e}");
        let e = build(Box::new(Embedding::new(usize::MAX / 2, 8)), &[5]).unwrap_err();
        assert!(e.to_string().contains("overflows"), "{e}");
        assert!(build(Box::new(Dense::new(3)), &[4]).is_ok());
        let x = kerust_tensor::Tensor::zeros(&[2, 4]).unwrap();
        let mut m = Sequential::new();
        m.add(Dense::new(1).input_shape(&[4])).unwrap();
        assert!(m.predict_multi(x.clone(), 0).is_err());
        let empty = kerust_tensor::Tensor::zeros(&[0, 4]).unwrap();
        assert!(m.predict_multi(empty, 8).is_err());
        assert!(m.predict_multi(x, 8).is_ok());
    }
}
