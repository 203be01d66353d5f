//! `on_pool`: runs one training step on the rayon pool, with a second worker kept awake to help.
use std::sync::atomic::{AtomicBool, Ordering};

/// Run `f` on a rayon worker (directly when the caller already is one). A training step issues a
/// dozen parallel ops (GEMM halves, batch chunks of the recurrent loops, optimizer chunks); from a
/// thread outside the pool each would inject its job and park that thread until it is done, so
/// the step is injected once instead and its parallel ops fork and join between the workers.
/// Meanwhile one other worker keeps looking for the step's work instead of going to sleep
/// between its parallel ops (waking a sleeping worker costs tens of microseconds per op).
pub(crate) fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    let done = AtomicBool::new(false);
    rayon::scope(|scope| {
        let owner = rayon::current_thread_index();
        let done = &done;
        scope.spawn(move |_| help_until(done, owner));
        // Set even when `f` panics, so the helper (and with it the scope) always ends.
        let _finish = SetOnDrop(done);
        f()
    })
}

/// Run the pool's pending jobs until `done`; returns at once on the thread running the step
/// itself (`owner`), which would otherwise wait on its own continuation.
fn help_until(done: &AtomicBool, owner: Option<usize>) {
    if rayon::current_thread_index() == owner {
        return;
    }
    while !done.load(Ordering::Acquire) {
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            std::hint::spin_loop();
        }
    }
}

/// Sets the flag when dropped.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}
