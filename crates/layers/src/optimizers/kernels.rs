//! Fused element loops of the optimizers, compiled for AVX-512 / AVX2 when the CPU has them and
//! split over rayon for big weights. No FMA contraction and no reductions, so every variant (and
//! every chunking) gives the same bits as the plain scalar loop.
use kerust_autograd::row_grad::NO_ROW;
use rayon::prelude::*;

/// Elements per rayon task; weights smaller than two tasks stay on the calling thread.
const CHUNK: usize = 1 << 15;

/// Adam's per-step constants (Keras 3: bias correction folded into the learning rate).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdamCoef {
    pub lr: f32,
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
}

/// `g = None` is an all-zero gradient, written as the same float ops with `0.0`.
#[inline(always)]
fn adam_body(w: &mut [f32], g: Option<&[f32]>, m: &mut [f32], v: &mut [f32], c: AdamCoef) {
    let (b1, b2, lr, eps) = (c.beta_1, c.beta_2, c.lr, c.epsilon);
    let n = w.len().min(m.len()).min(v.len());
    let (w, m, v) = (&mut w[..n], &mut m[..n], &mut v[..n]);
    match g {
        Some(g) => {
            let g = &g[..n];
            for i in 0..n {
                m[i] += (g[i] - m[i]) * (1.0 - b1);
                v[i] += (g[i] * g[i] - v[i]) * (1.0 - b2);
                w[i] -= lr * m[i] / (v[i].sqrt() + eps);
            }
        }
        None => {
            let z = 0.0f32;
            for i in 0..n {
                m[i] += (z - m[i]) * (1.0 - b1);
                v[i] += (z * z - v[i]) * (1.0 - b2);
                w[i] -= lr * m[i] / (v[i].sqrt() + eps);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn adam_avx512(w: &mut [f32], g: Option<&[f32]>, m: &mut [f32], v: &mut [f32], c: AdamCoef) {
    adam_body(w, g, m, v, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn adam_avx2(w: &mut [f32], g: Option<&[f32]>, m: &mut [f32], v: &mut [f32], c: AdamCoef) {
    adam_body(w, g, m, v, c)
}

/// One Adam pass over a slice, the widest vector unit this CPU has.
fn adam_slice(w: &mut [f32], g: Option<&[f32]>, m: &mut [f32], v: &mut [f32], c: AdamCoef) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { adam_avx512(w, g, m, v, c) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { adam_avx2(w, g, m, v, c) };
        }
    }
    adam_body(w, g, m, v, c)
}

/// Dense Adam over a whole weight.
pub(crate) fn adam_dense(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: AdamCoef) {
    if w.len() < 2 * CHUNK {
        return adam_slice(w, Some(g), m, v, c);
    }
    w.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|(((w, g), m), v)| adam_slice(w, Some(g), m, v, c));
}

/// Adam over a `[slots.len(), dim]` table whose gradient is `rows` for the rows with a slot and
/// zero elsewhere: one pass, no dense gradient. Equal bit for bit to [`adam_dense`] on the
/// densified gradient.
pub(crate) fn adam_rows(
    w: &mut [f32],
    slots: &[u32],
    rows: &[f32],
    dim: usize,
    m: &mut [f32],
    v: &mut [f32],
    c: AdamCoef,
) {
    if dim == 0 {
        return;
    }
    let per_task = (CHUNK / dim).max(1);
    let run = |w: &mut [f32], m: &mut [f32], v: &mut [f32], slots: &[u32]| {
        let mut r = 0;
        while r < slots.len() {
            // A run of rows without gradient decays in one call.
            let start = r;
            while r < slots.len() && slots[r] == NO_ROW {
                r += 1;
            }
            if r > start {
                let span = start * dim..r * dim;
                adam_slice(
                    &mut w[span.clone()],
                    None,
                    &mut m[span.clone()],
                    &mut v[span],
                    c,
                );
            }
            if r < slots.len() {
                let k = slots[r] as usize;
                let span = r * dim..(r + 1) * dim;
                adam_slice(
                    &mut w[span.clone()],
                    Some(&rows[k * dim..(k + 1) * dim]),
                    &mut m[span.clone()],
                    &mut v[span],
                    c,
                );
                r += 1;
            }
        }
    };
    if w.len() < 2 * CHUNK {
        return run(w, m, v, slots);
    }
    w.par_chunks_mut(per_task * dim)
        .zip(m.par_chunks_mut(per_task * dim))
        .zip(v.par_chunks_mut(per_task * dim))
        .zip(slots.par_chunks(per_task))
        .for_each(|(((w, m), v), s)| run(w, m, v, s));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], c: AdamCoef) {
        for i in 0..w.len() {
            m[i] += (g[i] - m[i]) * (1.0 - c.beta_1);
            v[i] += (g[i] * g[i] - v[i]) * (1.0 - c.beta_2);
            w[i] -= c.lr * m[i] / (v[i].sqrt() + c.epsilon);
        }
    }

    fn bits(x: &[f32]) -> Vec<u32> {
        x.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn vector_parallel_and_row_sparse_adam_equal_the_scalar_loop() {
        let (vocab, dim) = (700, 100); // 70 000 elements: the parallel path
        let n = vocab * dim;
        let c = AdamCoef {
            lr: 0.0013,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        };
        let w0: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 * 1e-4 - 0.05)
            .collect();
        let mut slots = vec![NO_ROW; vocab];
        let touched = [3usize, 4, 250, 699, 0, 351];
        let mut rows = Vec::new();
        for (k, &r) in touched.iter().enumerate() {
            slots[r] = k as u32;
            rows.extend((0..dim).map(|j| ((k * dim + j) as f32 * 0.013).sin() * 1e-2));
        }
        let mut dense_g = vec![0.0f32; n];
        for (k, &r) in touched.iter().enumerate() {
            dense_g[r * dim..(r + 1) * dim].copy_from_slice(&rows[k * dim..(k + 1) * dim]);
        }
        let (mut ws, mut ms, mut vs) = (w0.clone(), vec![0.0; n], vec![0.0; n]);
        let (mut wd, mut md, mut vd) = (w0.clone(), vec![0.0; n], vec![0.0; n]);
        let (mut wr, mut mr, mut vr) = (w0, vec![0.0; n], vec![0.0; n]);
        for _ in 0..3 {
            scalar(&mut ws, &dense_g, &mut ms, &mut vs, c);
            adam_dense(&mut wd, &dense_g, &mut md, &mut vd, c);
            adam_rows(&mut wr, &slots, &rows, dim, &mut mr, &mut vr, c);
        }
        assert_eq!(bits(&ws), bits(&wd));
        assert_eq!(bits(&ms), bits(&md));
        assert_eq!(bits(&vs), bits(&vd));
        assert_eq!(bits(&ws), bits(&wr));
        assert_eq!(bits(&ms), bits(&mr));
        assert_eq!(bits(&vs), bits(&vr));
        assert_ne!(bits(&ws[..dim]), bits(&wr[dim..2 * dim]));
    }
}
