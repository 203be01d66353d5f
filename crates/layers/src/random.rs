//! The process-wide seed (`keras.utils.set_random_seed`) that new models draw their RNG from.
use kerust_tensor::Rng;
use std::sync::Mutex;

static GLOBAL: Mutex<Option<Rng>> = Mutex::new(None);

/// Seed every random choice made afterwards: weight initialisation, shuffling, dropout. Without a
/// call the seed is 0, so runs are reproducible by default.
pub fn set_random_seed(seed: u64) {
    *GLOBAL.lock().unwrap_or_else(|e| e.into_inner()) = Some(Rng::seed(seed));
}

/// A child generator drawn from the global one.
pub fn next_rng() -> Rng {
    let mut g = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let rng = g.get_or_insert_with(|| Rng::seed(0));
    Rng::seed(rng.next_u64())
}
