//! GEMM against a right-hand matrix packed once and reused: an RNN multiplies the same recurrent
//! kernel `U` by a new state every time step, and a general `sgemm` repacks `U` on each of those
//! calls (at units 32–64 the packing costs about as much as the product). `PackedB` lays `U` out
//! in column panels once per sequence; `sgemm_packed` then reads the left operand in place.
use crate::error::{Result, TensorError};
use rayon::prelude::*;

/// Rows of C per micro-tile.
const MR: usize = 6;
/// Below this many multiply-adds one thread is faster than splitting the rows over two.
const PAR_FLOPS: usize = 1 << 21;

/// A `k × n` right-hand operand stored as `⌈n / nr⌉` panels of `k × nr` floats (zero-padded).
#[derive(Debug, Clone)]
pub struct PackedB {
    k: usize,
    n: usize,
    nr: usize,
    panels: Vec<f32>,
}

/// The instruction set the micro-kernel runs with; picked once per pack.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Isa {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx512,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2Fma,
    #[cfg_attr(not(target_arch = "aarch64"), allow(dead_code))]
    Neon,
    Portable,
}

fn isa() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx2Fma;
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        return Isa::Neon;
    }
    #[allow(unreachable_code)]
    Isa::Portable
}

impl PackedB {
    /// Pack `op(b)` (`k × n`): `b` is stored `k × n` row-major, or `n × k` when `trans`.
    pub fn new(b: &[f32], k: usize, n: usize, trans: bool) -> Result<Self> {
        let need = k
            .checked_mul(n)
            .ok_or_else(|| TensorError::InvalidArgument {
                op: "PackedB::new",
                message: format!("k={k} × n={n} overflows"),
            })?;
        if b.len() < need {
            return Err(TensorError::InvalidArgument {
                op: "PackedB::new",
                message: format!("buffer of {} floats is too small for k={k} n={n}", b.len()),
            });
        }
        // 32 columns are two AVX-512 registers; narrower vector units get 16.
        Ok(Self::pack(
            b,
            k,
            n,
            trans,
            if isa() == Isa::Avx512 { 32 } else { 16 },
        ))
    }

    /// Pack with panels `nr` columns wide (lengths checked by the caller).
    fn pack(b: &[f32], k: usize, n: usize, trans: bool, nr: usize) -> Self {
        // `b` holds k·n floats, so the padded size k·(n + nr) fits in usize for any real buffer.
        let n_panels = n.div_ceil(nr);
        let mut panels = vec![0.0f32; n_panels * k * nr];
        // An empty operand has no panels (`chunks_mut(0)` would panic).
        for (jp, panel) in panels.chunks_mut((k * nr).max(1)).enumerate() {
            let j0 = jp * nr;
            let w = nr.min(n - j0);
            if trans {
                // Column j of op(b) is row j of `b`: write each panel row contiguously, reading
                // the w rows of `b` side by side (w short streams the prefetcher follows).
                let src: Vec<&[f32]> = (j0..j0 + w).map(|j| &b[j * k..(j + 1) * k]).collect();
                for (p, dst) in panel.chunks_mut(nr).enumerate() {
                    for (d, row) in dst.iter_mut().zip(&src) {
                        *d = row[p];
                    }
                }
            } else {
                for (p, dst) in panel.chunks_mut(nr).enumerate() {
                    dst[..w].copy_from_slice(&b[p * n + j0..p * n + j0 + w]);
                }
            }
        }
        PackedB { k, n, nr, panels }
    }

    /// Inner dimension.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Columns.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// `c = a · B + beta · c` for row-major `a` (`m × k`) and `c` (`m × n`); `beta` is 0 or 1 in
/// practice but any value works. Each element of `c` is one dot product accumulated in order
/// `p = 0..k` with fused multiply-adds, so the result does not depend on threading.
pub fn sgemm_packed(m: usize, a: &[f32], b: &PackedB, beta: f32, c: &mut [f32]) -> Result<()> {
    let (k, n) = (b.k, b.n);
    if a.len() < m * k || c.len() < m * n {
        return Err(TensorError::InvalidArgument {
            op: "sgemm_packed",
            message: format!(
                "buffers too small for m={m} n={n} k={k}: a={}, c={}",
                a.len(),
                c.len()
            ),
        });
    }
    let (a, c) = (&a[..m * k], &mut c[..m * n]);
    if k == 0 {
        // An empty product: C = beta·C (no panels to walk).
        c.iter_mut().for_each(|v| *v *= beta);
        return Ok(());
    }
    if m * n * k >= PAR_FLOPS && m >= 2 * MR {
        // Split on a tile boundary; each half is the same per-element computation.
        let half = (m / 2).div_ceil(MR) * MR;
        let (a0, a1) = a.split_at(half * k);
        let (c0, c1) = c.split_at_mut(half * n);
        [(a0, c0), (a1, c1)]
            .into_par_iter()
            .for_each(|(a, c)| dispatch(c.len() / n.max(1), a, b, beta, c));
    } else {
        dispatch(m, a, b, beta, c);
    }
    Ok(())
}

fn dispatch(m: usize, a: &[f32], b: &PackedB, beta: f32, c: &mut [f32]) {
    match (isa(), b.nr) {
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx512, 32) => {
            // SAFETY: the CPU has AVX-512F (checked by `isa`).
            unsafe { rows_avx512(m, a, b, beta, c) }
        }
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx2Fma, 16) | (Isa::Avx512, 16) => {
            // SAFETY: the CPU has AVX2 and FMA (AVX-512 machines have both too).
            unsafe { rows_avx2(m, a, b, beta, c) }
        }
        (Isa::Neon, 16) => rows::<16>(m, a, b, beta, c, f32::mul_add),
        (_, 32) => rows::<32>(m, a, b, beta, c, |x, y, z| x * y + z),
        _ => rows::<16>(m, a, b, beta, c, |x, y, z| x * y + z),
    }
}

/// `rows_*`: all tiles of C with one ISA's micro-tile, dispatching the row remainder to `R < MR`.
macro_rules! rows_with {
    ($name:ident, $feature:literal, $nr:literal, $tile:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $name(m: usize, a: &[f32], b: &PackedB, beta: f32, c: &mut [f32]) {
            for_tiles::<$nr>(m, a, b, beta, c, |r, blk| match r {
                6 => x86::$tile::<6>(blk),
                5 => x86::$tile::<5>(blk),
                4 => x86::$tile::<4>(blk),
                3 => x86::$tile::<3>(blk),
                2 => x86::$tile::<2>(blk),
                _ => x86::$tile::<1>(blk),
            })
        }
    };
}
rows_with!(rows_avx512, "avx512f,fma", 32, tile_avx512);
rows_with!(rows_avx2, "avx2,fma", 16, tile_avx2);

/// One block of C to compute: `rows` (≤ `MR`) rows of A against one panel of B, written into
/// columns `j0 .. j0 + w` of `c` (row stride `ldc`) as `beta·c + a·panel`.
pub(crate) struct Block<'a> {
    k: usize,
    a: &'a [f32],
    panel: &'a [f32],
    c: &'a mut [f32],
    ldc: usize,
    j0: usize,
    w: usize,
    beta: f32,
}

impl Block<'_> {
    /// Write accumulator row `i` (its first `w` lanes valid).
    #[inline(always)]
    fn store_row(&mut self, i: usize, acc: &[f32]) {
        let dst = &mut self.c[i * self.ldc + self.j0..i * self.ldc + self.j0 + self.w];
        if self.beta == 0.0 {
            dst.copy_from_slice(&acc[..dst.len()]);
        } else {
            for (d, &s) in dst.iter_mut().zip(acc) {
                *d = self.beta * *d + s;
            }
        }
    }
}

/// Walk the `MR`-row tiles of C and the column panels of B; `f(rows, block)` computes one block.
#[inline(always)]
fn for_tiles<const NR: usize>(
    m: usize,
    a: &[f32],
    b: &PackedB,
    beta: f32,
    c: &mut [f32],
    mut f: impl FnMut(usize, Block<'_>),
) {
    let (k, n) = (b.k, b.n);
    let mut i0 = 0;
    while i0 < m {
        let mr = MR.min(m - i0);
        for (jp, panel) in b.panels.chunks_exact(k * NR).enumerate() {
            let j0 = jp * NR;
            let block = Block {
                k,
                a: &a[i0 * k..(i0 + mr) * k],
                panel,
                c: &mut c[i0 * n..(i0 + mr) * n],
                ldc: n,
                j0,
                w: NR.min(n - j0),
                beta,
            };
            f(mr, block);
        }
        i0 += mr;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The micro-tiles with explicit vector intrinsics, so the accumulators provably live in
    //! registers: `R` rows × 32 columns (two `zmm`) or × 16 columns (two `ymm`).
    use super::Block;
    use std::arch::x86_64::*;

    /// One `R × 2·lanes` micro-tile for one vector ISA: two vector accumulators per row.
    macro_rules! tile_with {
        ($name:ident, $feature:literal, $vec:ty, $lanes:literal,
         $zero:ident, $load:ident, $set1:ident, $fmadd:ident, $store:ident) => {
            #[inline]
            #[target_feature(enable = $feature)]
            pub(in super::super) fn $name<const R: usize>(mut blk: Block<'_>) {
                const NR: usize = 2 * $lanes;
                let (k, a, panel) = (blk.k, blk.a, blk.panel);
                assert!(a.len() >= R * k && panel.len() >= k * NR);
                let mut lo: [$vec; R] = [$zero(); R];
                let mut hi: [$vec; R] = [$zero(); R];
                let (ap, bp) = (a.as_ptr(), panel.as_ptr());
                for p in 0..k {
                    // SAFETY: p < k, so p·NR + NR − 1 < panel.len() and i·k + p < a.len()
                    // (asserted above).
                    unsafe {
                        let b0 = $load(bp.add(p * NR));
                        let b1 = $load(bp.add(p * NR + $lanes));
                        for i in 0..R {
                            let x = $set1(*ap.add(i * k + p));
                            lo[i] = $fmadd(x, b0, lo[i]);
                            hi[i] = $fmadd(x, b1, hi[i]);
                        }
                    }
                }
                let mut buf = [0.0f32; NR];
                for i in 0..R {
                    // SAFETY: buf has NR = 2·lanes floats.
                    unsafe {
                        $store(buf.as_mut_ptr(), lo[i]);
                        $store(buf.as_mut_ptr().add($lanes), hi[i]);
                    }
                    blk.store_row(i, &buf);
                }
            }
        };
    }
    tile_with!(
        tile_avx512,
        "avx512f,fma",
        __m512,
        16,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_storeu_ps
    );
    tile_with!(
        tile_avx2,
        "avx2,fma",
        __m256,
        8,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        _mm256_storeu_ps
    );
}

/// The portable path: generic tiles, `fma(x, y, acc)` = `x·y + acc`.
#[inline(always)]
fn rows<const NR: usize>(
    m: usize,
    a: &[f32],
    b: &PackedB,
    beta: f32,
    c: &mut [f32],
    fma: impl Fn(f32, f32, f32) -> f32 + Copy,
) {
    for_tiles::<NR>(m, a, b, beta, c, |r, blk| match r {
        6 => tile::<6, NR>(blk, fma),
        5 => tile::<5, NR>(blk, fma),
        4 => tile::<4, NR>(blk, fma),
        3 => tile::<3, NR>(blk, fma),
        2 => tile::<2, NR>(blk, fma),
        _ => tile::<1, NR>(blk, fma),
    })
}

/// One `R × NR` block of C: the accumulators stay in registers for the whole `k` loop.
#[inline(always)]
fn tile<const R: usize, const NR: usize>(
    mut blk: Block<'_>,
    fma: impl Fn(f32, f32, f32) -> f32 + Copy,
) {
    let k = blk.k;
    let mut acc = [[0.0f32; NR]; R];
    let a_rows: [&[f32]; R] = std::array::from_fn(|i| &blk.a[i * k..(i + 1) * k]);
    for (p, bp) in blk.panel.chunks_exact(NR).enumerate().take(k) {
        let bp: &[f32; NR] = bp.try_into().expect("panel rows are NR wide");
        for (acc_i, row) in acc.iter_mut().zip(&a_rows) {
            let x = row[p];
            for (s, &y) in acc_i.iter_mut().zip(bp) {
                *s = fma(x, y, *s);
            }
        }
    }
    for (i, acc_i) in acc.iter().enumerate() {
        blk.store_row(i, acc_i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::gemm::sgemm;

    fn data(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.731 + seed).sin()).collect()
    }

    #[test]
    fn matches_sgemm_for_every_tile_remainder() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (7, 5, 33),
            (13, 64, 256),
            (6, 32, 128),
            (150, 32, 10),
        ] {
            for &trans in &[false, true] {
                for &beta in &[0.0f32, 1.0] {
                    let a = data(m * k, 0.3);
                    let bm = data(k * n, 1.7);
                    let mut want = data(m * n, 2.9);
                    let got = want.clone();
                    sgemm(false, trans, m, n, k, 1.0, &a, &bm, beta, &mut want).unwrap();
                    // The detected ISA's panels, and both widths (16 runs the AVX2 tile on
                    // x86 machines that have it, 32 the AVX-512 one or the portable path).
                    let packs = [
                        PackedB::new(&bm, k, n, trans).unwrap(),
                        PackedB::pack(&bm, k, n, trans, 16),
                        PackedB::pack(&bm, k, n, trans, 32),
                    ];
                    for pb in &packs {
                        let mut got = got.clone();
                        sgemm_packed(m, &a, pb, beta, &mut got).unwrap();
                        for (g, w) in got.iter().zip(&want) {
                            assert!((g - w).abs() < 1e-4, "m={m} k={k} n={n} nr={}", pb.nr);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn threaded_split_gives_the_same_bits() {
        let (m, k, n) = (1030, 64, 256);
        let a = data(m * k, 0.1);
        let pb = PackedB::new(&data(k * n, 0.2), k, n, false).unwrap();
        let mut whole = vec![0.0f32; m * n];
        sgemm_packed(m, &a, &pb, 0.0, &mut whole).unwrap();
        // Row by row is single-threaded and tiles differently; every element must agree.
        let mut by_row = vec![0.0f32; m * n];
        for i in 0..m {
            sgemm_packed(1, &a[i * k..], &pb, 0.0, &mut by_row[i * n..]).unwrap();
        }
        assert_eq!(whole, by_row);
    }

    #[test]
    fn empty_shapes_do_not_panic() {
        let pb = PackedB::new(&[], 0, 3, false).unwrap();
        let mut c = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        sgemm_packed(2, &[], &pb, 0.5, &mut c).unwrap();
        assert_eq!(c, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
        let pb = PackedB::new(&[], 4, 0, true).unwrap();
        sgemm_packed(2, &[1.0; 8], &pb, 1.0, &mut []).unwrap();
        sgemm_packed(
            0,
            &[],
            &PackedB::new(&[1.0; 6], 2, 3, false).unwrap(),
            1.0,
            &mut [],
        )
        .unwrap();
    }

    #[test]
    fn short_buffers_are_errors() {
        assert!(PackedB::new(&[1.0; 5], 2, 3, false).is_err());
        let pb = PackedB::new(&[1.0; 6], 2, 3, false).unwrap();
        assert!(sgemm_packed(2, &[1.0; 3], &pb, 0.0, &mut [0.0; 6]).is_err());
        assert!(sgemm_packed(2, &[1.0; 4], &pb, 0.0, &mut [0.0; 5]).is_err());
    }
}
