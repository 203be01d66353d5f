//! Row gathers (embedding lookup) and scatter-add on device. Ids arrive on the host (they are an
//! `IntTensor`), are range-checked there by the caller, and are copied up once per call.
use super::context::cuda_err;
use super::kernels::Family;
use super::storage::{alloc, grid, storage, tensor, zeros, CudaStorage};
use crate::error::Result;
use crate::tensor::Tensor;
use cudarc::driver::{CudaSlice, PushKernelArg};

fn upload_ids(s: &CudaStorage, op: &'static str, ids: &[i64]) -> Result<CudaSlice<i64>> {
    s.dev.stream.clone_htod(ids).map_err(|e| cuda_err(op, e))
}

/// Rows `ids` of a `[vocab, dim]` table; output shape `out_shape` (= ids.shape + [dim]).
pub fn gather_rows(table: &Tensor, ids: &[i64], out_shape: Vec<usize>) -> Result<Tensor> {
    let s = storage(table, "gather_rows")?;
    let dev = s.device();
    let dim = table.shape[1];
    let total = ids.len() * dim;
    let mut out = alloc(dev, "gather_rows", total)?;
    if total > 0 {
        let d_ids = upload_ids(s, "gather_rows", ids)?;
        let (n64, d64) = (ids.len() as u64, dim as u64);
        let f = dev.func(Family::Gather, "gather_rows_f32")?;
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&*s.buf).arg(&d_ids).arg(&mut out).arg(&n64).arg(&d64);
        // SAFETY: every id was checked to be < vocab by the caller; out holds n_ids·dim.
        unsafe { l.launch(grid(total)) }.map_err(|e| cuda_err("gather_rows", e))?;
    }
    Ok(tensor(dev, out, out_shape))
}

/// Add row `i` of `g` (`[n_ids, dim]` flattened) into row `ids[i]` of a zero `[vocab, dim]`.
pub fn scatter_add_rows(g: &Tensor, ids: &[i64], vocab: usize, dim: usize) -> Result<Tensor> {
    let s = storage(g, "scatter_add_rows")?;
    let dev = s.device();
    let mut out = zeros(dev, "scatter_add_rows", vocab * dim)?;
    let total = ids.len() * dim;
    if total > 0 {
        let d_ids = upload_ids(s, "scatter_add_rows", ids)?;
        let (n64, d64) = (ids.len() as u64, dim as u64);
        let f = dev.func(Family::Gather, "scatter_add_rows_f32")?;
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&*s.buf).arg(&d_ids).arg(&mut out).arg(&n64).arg(&d64);
        // SAFETY: every id was checked to be < vocab by the caller; g holds n_ids·dim.
        unsafe { l.launch(grid(total)) }.map_err(|e| cuda_err("scatter_add_rows", e))?;
    }
    Ok(tensor(dev, out, vec![vocab, dim]))
}
