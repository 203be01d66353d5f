//! Seeded random numbers: the same seed gives bit-identical weights, shuffles and dropout masks.
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng as _, SeedableRng};
use ndarray_rand::rand_distr::{Distribution, StandardNormal};

/// A seedable generator shared by initializers, shuffling and dropout.
#[derive(Debug, Clone)]
pub struct Rng {
    inner: StdRng,
}

impl Rng {
    /// A generator with a fixed seed.
    pub fn seed(seed: u64) -> Self {
        Self {
            inner: StdRng::seed_from_u64(seed),
        }
    }
    /// Uniform f32 in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.inner.random::<f32>()
    }
    /// Standard normal f32.
    pub fn normal(&mut self) -> f32 {
        let v: f64 = StandardNormal.sample(&mut self.inner);
        v as f32
    }
    /// Uniform integer in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.inner.random_range(0..n.max(1))
    }
    /// A new u64 (to derive child generators).
    pub fn next_u64(&mut self) -> u64 {
        self.inner.random::<u64>()
    }
    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.inner.random_range(0..=i);
            v.swap(i, j);
        }
    }
}
