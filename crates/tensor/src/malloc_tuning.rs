//! Keeps glibc's malloc from handing the large per-step buffers of training back to the kernel.
//!
//! A training step allocates and frees the same multi-megabyte buffers every batch (gate
//! activations, projected inputs, gradients). With glibc's defaults, blocks over its dynamic mmap
//! threshold are `mmap`ed and `munmap`ed each time and a freed heap top above the trim threshold is
//! returned with `brk`, so every step page-faults them back in, zero-filled by the kernel, and
//! unmapping them interrupts the other threads (TLB shootdowns). On the SST LSTM(32) workload
//! (batch 150, 55 steps) that was ~37 % of training time. Raising both thresholds once makes the
//! freed blocks stay in the heap for the next step; peak RSS is unchanged (the same buffers are
//! reused), and [`TrainingHeap`] hands the retained memory back when `fit` ends. Nothing happens on other C libraries, or when the user already tunes malloc
//! (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, `GLIBC_TUNABLES`) or sets
//! `KERUST_MALLOC_DEFAULTS=1`.

/// Largest block served from the heap instead of its own mapping (glibc's maximum: 32 MiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free heap top kept before giving memory back to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 128 << 20;

/// Whether the user asked to leave malloc alone or tunes it already.
fn user_tunes_malloc() -> bool {
    [
        "KERUST_MALLOC_DEFAULTS",
        "MALLOC_MMAP_THRESHOLD_",
        "MALLOC_TRIM_THRESHOLD_",
        "GLIBC_TUNABLES",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some())
}

/// Raise glibc's mmap and trim thresholds once per process (see the module docs). Returns
/// whether the thresholds are now kerust's (false on other C libraries or when opted out).
pub fn keep_freed_buffers() -> bool {
    static APPLIED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *APPLIED.get_or_init(|| !user_tunes_malloc() && apply())
}

/// Held for the duration of a `fit`: sets the thresholds on creation and returns the freed heap
/// to the kernel (`malloc_trim`) when dropped, so memory kept between steps is not kept after.
pub struct TrainingHeap {
    tuned: bool,
}

impl TrainingHeap {
    pub fn new() -> Self {
        TrainingHeap {
            tuned: keep_freed_buffers(),
        }
    }
}

impl Default for TrainingHeap {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TrainingHeap {
    fn drop(&mut self) {
        if self.tuned {
            trim();
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases free memory; no live allocation is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply() -> bool {
    // SAFETY: mallopt only changes allocator parameters; both values are within glibc's limits.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_once_on_glibc_unless_opted_out() {
        let first = keep_freed_buffers();
        assert_eq!(first, keep_freed_buffers());
        let expect = cfg!(all(target_os = "linux", target_env = "gnu")) && !user_tunes_malloc();
        assert_eq!(first, expect);
        // Still a working allocator afterwards, also across a trim: a large block round-trips.
        let heap = TrainingHeap::new();
        let v = vec![1.5f32; 3 << 20];
        assert_eq!(v.iter().sum::<f32>(), 1.5 * (3 << 20) as f32);
        drop(v);
        drop(heap);
        let w = vec![2.0f32; 3 << 20];
        assert_eq!(w[(3 << 20) - 1], 2.0);
    }
}
