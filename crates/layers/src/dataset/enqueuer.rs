//! Keras's `OrderedEnqueuer` with threads: `workers` threads call `get` on the batch indices of an
//! epoch in order of claim, the consumer receives the batches in epoch order, and no more than
//! `max_queue_size` batches are being prepared or waiting at any time (so memory stays bounded
//! whatever the dataset's size).
use super::py_dataset::{DatasetBatch, PyDataset};
use crate::error::{LayerError, Result};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};

/// Shared between the workers and the consumer.
struct Queue {
    /// Next position of `order` a worker may claim.
    next: usize,
    /// Positions handed to the consumer so far.
    consumed: usize,
    /// Finished batches waiting for the consumer, by position.
    ready: BTreeMap<usize, Result<DatasetBatch>>,
    /// The consumer stopped (done, error, or `stop_training`): workers exit.
    stop: bool,
}

/// Read the batches `order[0], order[1], …` of `ds` and hand each to `each(position, index, batch)`
/// in that order, on the calling thread. `each` returns `Ok(false)` to stop early. With
/// `ds.workers() > 1` the batches are prepared ahead by that many scoped threads.
pub fn for_each_ordered<D: PyDataset + ?Sized>(
    ds: &D,
    order: &[usize],
    mut each: impl FnMut(usize, usize, Result<DatasetBatch>) -> Result<bool>,
) -> Result<()> {
    let workers = ds.workers();
    if workers <= 1 {
        for (pos, &index) in order.iter().enumerate() {
            if !each(pos, index, get_caught(ds, index))? {
                break;
            }
        }
        return Ok(());
    }
    // Keras's queue holds max_queue_size futures; 0 would deadlock, so at least one.
    let capacity = ds.max_queue_size().max(1);
    let queue = Mutex::new(Queue {
        next: 0,
        consumed: 0,
        ready: BTreeMap::new(),
        stop: false,
    });
    let changed = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| worker(ds, order, capacity, &queue, &changed));
        }
        let result = consume(order, &queue, &changed, &mut each);
        // Release the workers whatever happened; the scope joins them.
        lock(&queue).stop = true;
        changed.notify_all();
        result
    })
}

fn lock(q: &Mutex<Queue>) -> std::sync::MutexGuard<'_, Queue> {
    // A poisoned lock only means a thread panicked while holding it; the data is still consistent
    // (every update is a single assignment or insert).
    q.lock().unwrap_or_else(|e| e.into_inner())
}

/// `ds.get(index)`, with a panic turned into an error (a panicking worker must not leave the
/// consumer waiting for its batch forever).
fn get_caught<D: PyDataset + ?Sized>(ds: &D, index: usize) -> Result<DatasetBatch> {
    catch_unwind(AssertUnwindSafe(|| ds.get(index))).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        Err(LayerError::Data(format!(
            "PyDataset.get({index}) panicked: {msg}"
        )))
    })
}

fn worker<D: PyDataset + ?Sized>(
    ds: &D,
    order: &[usize],
    capacity: usize,
    queue: &Mutex<Queue>,
    changed: &Condvar,
) {
    loop {
        let pos = {
            let mut q = lock(queue);
            // Claim the next position once fewer than `capacity` are in flight or waiting.
            while !q.stop && q.next < order.len() && q.next >= q.consumed + capacity {
                q = changed.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            if q.stop || q.next >= order.len() {
                return;
            }
            q.next += 1;
            q.next - 1
        };
        let batch = get_caught(ds, order[pos]);
        lock(queue).ready.insert(pos, batch);
        changed.notify_all();
    }
}

fn consume(
    order: &[usize],
    queue: &Mutex<Queue>,
    changed: &Condvar,
    each: &mut impl FnMut(usize, usize, Result<DatasetBatch>) -> Result<bool>,
) -> Result<()> {
    for (pos, &index) in order.iter().enumerate() {
        let batch = {
            let mut q = lock(queue);
            loop {
                if let Some(b) = q.ready.remove(&pos) {
                    q.consumed = pos + 1;
                    break b;
                }
                q = changed.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        // A slot freed up: a waiting worker may claim the next position.
        changed.notify_all();
        if !each(pos, index, batch)? {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerust_tensor::Tensor;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Records how many `get` calls run or wait at once, to check the queue bound.
    struct Probe {
        n: usize,
        workers: usize,
        queue: usize,
        started: AtomicUsize,
        max_ahead: AtomicUsize,
        consumed: AtomicUsize,
    }

    impl PyDataset for Probe {
        fn len(&self) -> usize {
            self.n
        }
        fn get(&self, index: usize) -> Result<DatasetBatch> {
            let started = self.started.fetch_add(1, Ordering::SeqCst) + 1;
            let ahead = started - self.consumed.load(Ordering::SeqCst);
            self.max_ahead.fetch_max(ahead, Ordering::SeqCst);
            if index == 13 {
                panic!("boom at 13");
            }
            // Uneven work so batches finish out of order.
            std::thread::sleep(std::time::Duration::from_micros(
                ((index * 7) % 5) as u64 * 200,
            ));
            Ok(DatasetBatch::x_only(Tensor::from_vec(
                vec![index as f32],
                &[1, 1],
            )?))
        }
        fn workers(&self) -> usize {
            self.workers
        }
        fn max_queue_size(&self) -> usize {
            self.queue
        }
    }

    fn probe(n: usize, workers: usize, queue: usize) -> Probe {
        Probe {
            n,
            workers,
            queue,
            started: AtomicUsize::new(0),
            max_ahead: AtomicUsize::new(0),
            consumed: AtomicUsize::new(0),
        }
    }

    #[test]
    fn batches_arrive_in_order_and_the_queue_stays_bounded() {
        for workers in [1, 2, 4] {
            let ds = probe(12, workers, 3);
            let order: Vec<usize> = (0..12).rev().collect();
            let mut seen = Vec::new();
            for_each_ordered(&ds, &order, |pos, index, b| {
                let v = b?.x[0].to_float()?.to_vec()?[0] as usize;
                assert_eq!((order[pos], index), (v, v));
                seen.push(v);
                ds.consumed.fetch_add(1, Ordering::SeqCst);
                Ok(true)
            })
            .unwrap();
            assert_eq!(seen, order, "workers={workers}");
            let ahead = ds.max_ahead.load(Ordering::SeqCst);
            // Claimed but not yet consumed: at most the queue size (plus the one being consumed).
            assert!(ahead <= 3 + 1, "workers={workers}: {ahead} batches ahead");
        }
    }

    #[test]
    fn a_panicking_get_is_an_error_and_stopping_early_ends_the_workers() {
        let ds = probe(20, 3, 4);
        let order: Vec<usize> = (0..20).collect();
        let err = for_each_ordered(&ds, &order, |_, _, b| b.map(|_| true)).unwrap_err();
        assert!(
            err.to_string().contains("get(13) panicked: boom at 13"),
            "{err}"
        );
        let ds = probe(20, 3, 4);
        let mut n = 0;
        for_each_ordered(&ds, &order, |_, _, _| {
            n += 1;
            Ok(n < 5)
        })
        .unwrap();
        assert_eq!(n, 5);
        // Workers stop claiming once the consumer stops: no more than the queue ahead of it.
        assert!(ds.started.load(Ordering::SeqCst) <= 5 + 4);
    }
}
