//! The activations a fused recurrent loop supports, as scalar functions with their derivatives,
//! and the fast branch-free `exp`/`tanh`/`sigmoid` the gate loops vectorize.
use std::fmt;

/// An activation or its derivative on one scalar.
pub type ScalarFn = fn(f32) -> f32;

/// An activation inside a recurrent cell (Keras `activation` / `recurrent_activation`). Other
/// Keras activations are not element-wise-with-a-derivative-in-terms-of-the-output and are
/// refused by the layers before they reach the op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrentActivation {
    /// `tanh` (Keras default `activation`).
    Tanh,
    /// `sigmoid` (Keras default `recurrent_activation`).
    Sigmoid,
    /// Keras 3 `hard_sigmoid`: `clip(x / 6 + 1/2, 0, 1)`.
    HardSigmoid,
    /// `relu`.
    Relu,
    /// `linear` (identity).
    Linear,
}

impl RecurrentActivation {
    /// The Keras name (`"tanh"`, `"hard_sigmoid"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Tanh => "tanh",
            Self::Sigmoid => "sigmoid",
            Self::HardSigmoid => "hard_sigmoid",
            Self::Relu => "relu",
            Self::Linear => "linear",
        }
    }
    /// `f(x)` on one scalar.
    pub fn function(self) -> ScalarFn {
        match self {
            Self::Tanh => f32::tanh,
            Self::Sigmoid => crate::sigmoid,
            Self::HardSigmoid => |x| (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Self::Relu => |x| x.max(0.0),
            Self::Linear => |x| x,
        }
    }
    /// `f'(x)` written in terms of `y = f(x)` (what the backward pass has saved).
    pub fn derivative(self) -> ScalarFn {
        match self {
            Self::Tanh => |y| 1.0 - y * y,
            Self::Sigmoid => |y| y * (1.0 - y),
            Self::HardSigmoid => |y| if y > 0.0 && y < 1.0 { 1.0 / 6.0 } else { 0.0 },
            Self::Relu => |y| if y > 0.0 { 1.0 } else { 0.0 },
            Self::Linear => |_| 1.0,
        }
    }
}

impl fmt::Display for RecurrentActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `exp(x)` in f32 (Cephes polynomial, ~1 ulp), branch-free so gate loops vectorize; libm's
/// `expf`/`tanhf` calls were a sixth of an LSTM training step.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5·2²³: adding it rounds to the nearest integer
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_2e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // n sits in the low mantissa bits of `shifted` (ulp 1 there), so 2ⁿ is an integer add and a
    // shift: no saturating float→int conversion in the vector loop.
    let n_bits = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    y * f32::from_bits(n_bits.wrapping_add(127) << 23)
}

/// `tanh(x) = 1 − 2 / (e^{2x} + 1)` on [`fast_exp`].
#[inline(always)]
pub fn fast_tanh(x: f32) -> f32 {
    1.0 - 2.0 / (fast_exp(2.0 * x) + 1.0)
}

/// `sigmoid(x) = 1 / (1 + e^{−x})` on [`fast_exp`].
#[inline(always)]
pub fn fast_sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

/// Apply activation `a` to a slice in place, with vectorizable loops for the
/// common gate activations.
#[inline]
pub(crate) fn apply_act(a: RecurrentActivation, xs: &mut [f32]) {
    match a {
        RecurrentActivation::Tanh => wide_map(xs, false),
        RecurrentActivation::Sigmoid => wide_map(xs, true),
        RecurrentActivation::Linear => {}
        _ => {
            let f = a.function();
            xs.iter_mut().for_each(|v| *v = f(*v))
        }
    }
}

#[inline(always)]
fn gate_map(xs: &mut [f32], sigmoid: bool) {
    if sigmoid {
        xs.iter_mut().for_each(|v| *v = fast_sigmoid(*v));
    } else {
        xs.iter_mut().for_each(|v| *v = fast_tanh(*v));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gate_map_avx512(xs: &mut [f32], sigmoid: bool) {
    gate_map(xs, sigmoid)
}

/// `fast_sigmoid` / `fast_tanh` over a slice with the widest vectors the CPU has. Same IEEE
/// operations in every lane and no FMA contraction, so the bits equal the scalar loop's.
fn wide_map(xs: &mut [f32], sigmoid: bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { gate_map_avx512(xs, sigmoid) };
        }
    }
    gate_map(xs, sigmoid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_gate_maps_equal_the_scalar_functions() {
        let xs: Vec<f32> = (-3000..3000).map(|i| i as f32 * 0.031 + 0.0007).collect();
        for sigmoid in [false, true] {
            let mut v = xs.clone();
            wide_map(&mut v, sigmoid);
            let f = if sigmoid { fast_sigmoid } else { fast_tanh };
            for (a, x) in v.iter().zip(&xs) {
                assert_eq!(a.to_bits(), f(*x).to_bits(), "x = {x}");
            }
        }
    }

    #[test]
    fn fast_activations_match_libm() {
        let mut worst = (0.0f32, 0.0f32, 0.0f32);
        for i in -20000..=20000 {
            let x = i as f32 * 1e-3;
            let e = (fast_exp(x) - x.exp()).abs() / x.exp();
            worst.0 = worst.0.max(e);
            worst.1 = worst.1.max((fast_tanh(x) - x.tanh()).abs());
            worst.2 = worst.2.max((fast_sigmoid(x) - crate::sigmoid(x)).abs());
        }
        assert!(
            worst.0 < 1e-6 && worst.1 < 2e-7 && worst.2 < 2e-7,
            "{worst:?}"
        );
        assert_eq!(fast_tanh(100.0), 1.0);
        assert_eq!(fast_tanh(-100.0), -1.0);
        assert!(fast_sigmoid(-200.0) >= 0.0 && fast_sigmoid(200.0) == 1.0);
    }
}
