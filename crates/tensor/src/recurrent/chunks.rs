//! Batch chunks for the recurrent time loops: the sequences of a batch are independent, so each
//! contiguous range of rows runs its whole time loop (forward or BPTT) as one task, with one
//! fork-join per call instead of one per step. Every row's arithmetic is the same in any split,
//! so the results do not depend on the number of chunks or threads.
use rayon::prelude::*;
use std::ops::Range;

/// Rows per chunk below which the packed GEMM's 6-row tiles run mostly empty.
const MIN_ROWS: usize = 8;
/// Multiply-adds a chunk's whole loop must have to be worth a task of its own (a fork-join costs
/// a few microseconds; each half of the tweets LSTM loop, 7.9 M multiply-adds in all, took
/// about 165 µs).
const MIN_FMAS: usize = 1 << 18;

/// Contiguous row ranges covering `0..b`: one per worker thread while each keeps at least
/// `MIN_ROWS` rows and `MIN_FMAS` of the `fmas_per_row` each row costs over the whole loop.
fn batch_chunks(b: usize, fmas_per_row: usize) -> Vec<Range<usize>> {
    let by_work = (b.saturating_mul(fmas_per_row) / MIN_FMAS).max(1);
    let n = rayon::current_num_threads()
        .min(b / MIN_ROWS)
        .min(by_work)
        .max(1);
    (0..n).map(|i| i * b / n..(i + 1) * b / n).collect()
}

/// One batch chunk's views of a recurrent loop's buffers: its first row, its per-step slices of
/// each time-major buffer and its rows of each batch-major one, in the order given to
/// [`chunk_views`].
pub struct Chunk<'a, const S: usize, const R: usize> {
    pub lo: usize,
    pub steps: [Vec<&'a mut [f32]>; S],
    pub rows: [&'a mut [f32]; R],
}

/// Split the buffers of a time loop over `b` rows into the chunks of
/// [`batch_chunks`]`(b, fmas_per_row)`: `steps` are time-major `[t][b][w]` buffers with their
/// `w`, `rows` batch-major `[b][len]` ones with their `len`.
pub fn chunk_views<'a, const S: usize, const R: usize>(
    b: usize,
    fmas_per_row: usize,
    steps: [(&'a mut [f32], usize); S],
    rows: [(&'a mut [f32], usize); R],
) -> Vec<Chunk<'a, S, R>> {
    let ranges = batch_chunks(b, fmas_per_row);
    let mut steps = steps.map(|(buf, w)| split_rows(buf, b, w, &ranges).into_iter());
    let mut rows = rows.map(|(buf, len)| split_batch(buf, b, len, &ranges).into_iter());
    ranges
        .iter()
        .map(|r| Chunk {
            lo: r.start,
            steps: std::array::from_fn(|i| steps[i].next().unwrap_or_default()),
            rows: std::array::from_fn(|i| rows[i].next().unwrap_or_default()),
        })
        .collect()
}

/// Split a buffer of blocks of `b` rows, `row_len` floats each (a time-major `[t][b][w]` buffer
/// has `t` blocks; a batch-major `[b][..]` one has one), into the rows of each range: one list
/// per range, holding that range's slice of every block in order.
fn split_rows<'a>(
    buf: &'a mut [f32],
    b: usize,
    row_len: usize,
    ranges: &[Range<usize>],
) -> Vec<Vec<&'a mut [f32]>> {
    let mut out: Vec<Vec<&'a mut [f32]>> = ranges.iter().map(|_| Vec::new()).collect();
    if b == 0 || row_len == 0 {
        return out;
    }
    for block in buf.chunks_mut(b * row_len) {
        let mut rest = block;
        for (list, r) in out.iter_mut().zip(ranges) {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(r.len() * row_len);
            list.push(head);
            rest = tail;
        }
    }
    out
}

/// [`split_rows`] of a single-block buffer (`[b][row_len]`): one slice per range.
fn split_batch<'a>(
    buf: &'a mut [f32],
    b: usize,
    row_len: usize,
    ranges: &[Range<usize>],
) -> Vec<&'a mut [f32]> {
    split_rows(buf, b, row_len, ranges)
        .into_iter()
        .map(|list| list.into_iter().next().unwrap_or_default())
        .collect()
}

/// Runs `f` on every chunk, one rayon task each; a single chunk runs on the calling thread (no
/// hop to the pool for loops too small to split).
pub fn for_each_chunk<T: Send, E: Send>(
    chunks: Vec<T>,
    f: impl Fn(T) -> Result<(), E> + Sync + Send,
) -> Result<(), E> {
    if chunks.len() <= 1 {
        return chunks.into_iter().try_for_each(f);
    }
    chunks.into_par_iter().try_for_each(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_batch_in_order() {
        for b in [0, 1, 7, 8, 17, 32, 33, 1000] {
            let r = batch_chunks(b, 1 << 20);
            assert!(!r.is_empty());
            assert_eq!(r[0].start, 0);
            assert_eq!(r.last().unwrap().end, b);
            assert!(r.windows(2).all(|w| w[0].end == w[1].start));
            assert!(r.len() == 1 || r.iter().all(|c| c.len() >= MIN_ROWS));
        }
        assert_eq!(batch_chunks(32, 1).len(), 1, "tiny loops stay on one task");
    }

    #[test]
    fn for_each_chunk_runs_every_chunk_and_passes_errors_on() {
        let mut buf = vec![0.0f32; 40];
        let ranges = [0..8, 8..20];
        let parts = split_batch(&mut buf, 20, 2, &ranges);
        let fill = |(i, p): (usize, &mut [f32])| -> Result<(), ()> {
            p.fill(i as f32 + 1.0);
            Ok(())
        };
        for_each_chunk(parts.into_iter().enumerate().collect(), fill).unwrap();
        assert!(buf[..16].iter().all(|&v| v == 1.0) && buf[16..].iter().all(|&v| v == 2.0));
        let fails = |i: usize| if i == 1 { Err(i) } else { Ok(()) };
        assert_eq!(for_each_chunk(vec![0, 1], fails), Err(1));
        assert_eq!(for_each_chunk(vec![1], fails), Err(1));
    }

    #[test]
    fn chunk_views_cover_every_buffer_once() {
        // Enough work for one chunk per thread; every float is handed to exactly one chunk.
        let (b, t) = (32, 3);
        let mut steps = vec![0.0f32; t * b * 5];
        let mut rows = vec![0.0f32; b * 2];
        let chunks = chunk_views(b, 1 << 20, [(&mut steps[..], 5)], [(&mut rows[..], 2)]);
        assert_eq!(chunks.len(), batch_chunks(b, 1 << 20).len());
        for c in chunks {
            let Chunk {
                lo,
                steps: [per_step],
                rows: [r],
            } = c;
            assert_eq!(per_step.len(), t);
            for s in per_step {
                s.iter_mut().for_each(|v| *v += 1.0 + lo as f32);
            }
            r.iter_mut().for_each(|v| *v += 1.0);
        }
        assert!(rows.iter().all(|&v| v == 1.0));
        // Row i of every step got 1 + the first row of its chunk.
        let ranges = batch_chunks(b, 1 << 20);
        for (i, v) in steps.iter().enumerate() {
            let row = (i / 5) % b;
            let lo = ranges.iter().find(|r| r.contains(&row)).unwrap().start;
            assert_eq!(*v, 1.0 + lo as f32);
        }
    }

    #[test]
    fn split_rows_hands_out_each_ranges_rows_of_every_block() {
        // 3 blocks of b = 4 rows of 2 floats, split into rows 0..1 and 1..4.
        let mut buf: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let ranges = [0..1, 1..4];
        let parts = split_rows(&mut buf, 4, 2, &ranges);
        assert_eq!(parts[0].len(), 3);
        assert_eq!(parts[0][1], &[8.0, 9.0]);
        assert_eq!(parts[1][2], &[18.0, 19.0, 20.0, 21.0, 22.0, 23.0]);
        let mut flat = vec![0.0f32; 0];
        let empty = split_batch(&mut flat, 4, 2, &ranges);
        assert!(empty.iter().all(|s| s.is_empty()));
        let mut one = vec![1.0f32; 8];
        let halves = split_batch(&mut one, 4, 2, &ranges);
        assert_eq!((halves[0].len(), halves[1].len()), (2, 6));
    }
}
