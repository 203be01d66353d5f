//! The kernel sources (`crates/tensor/kernels/*.cu`) and their committed PTX, embedded at compile
//! time. A PTX file records a hash of the source it was built from (`cargo xtask cuda` writes it);
//! when that hash does not match the embedded source, or the driver rejects the PTX, the source is
//! compiled at run time with NVRTC instead.
use super::context::cuda_err;
use crate::error::{Result, TensorError};
use cudarc::driver::{CudaContext, CudaModule};
use cudarc::nvrtc::Ptx;
use std::sync::Arc;

/// One `.cu` file: an op family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Elementwise,
    Reduce,
    Gather,
    Layout,
    Lstm,
    Gru,
}

/// Source and committed PTX of one family.
#[derive(Debug, Clone, Copy)]
pub struct KernelSource {
    pub family: Family,
    /// File stem in `crates/tensor/kernels/`.
    pub name: &'static str,
    pub cu: &'static str,
    pub ptx: &'static str,
}

/// Every kernel family, in a fixed order.
pub const SOURCES: [KernelSource; 6] = [
    KernelSource {
        family: Family::Elementwise,
        name: "elementwise",
        cu: include_str!("../../kernels/elementwise.cu"),
        ptx: include_str!("../../kernels/elementwise.ptx"),
    },
    KernelSource {
        family: Family::Reduce,
        name: "reduce",
        cu: include_str!("../../kernels/reduce.cu"),
        ptx: include_str!("../../kernels/reduce.ptx"),
    },
    KernelSource {
        family: Family::Gather,
        name: "gather",
        cu: include_str!("../../kernels/gather.cu"),
        ptx: include_str!("../../kernels/gather.ptx"),
    },
    KernelSource {
        family: Family::Layout,
        name: "layout",
        cu: include_str!("../../kernels/layout.cu"),
        ptx: include_str!("../../kernels/layout.ptx"),
    },
    KernelSource {
        family: Family::Lstm,
        name: "lstm",
        cu: include_str!("../../kernels/lstm.cu"),
        ptx: include_str!("../../kernels/lstm.ptx"),
    },
    KernelSource {
        family: Family::Gru,
        name: "gru",
        cu: include_str!("../../kernels/gru.cu"),
        ptx: include_str!("../../kernels/gru.ptx"),
    },
];

/// Virtual architecture the PTX targets (Turing and newer JIT it; nvcc and NVRTC both use it).
pub const PTX_ARCH: &str = "compute_75";

/// First line of a generated PTX file; the hex FNV-1a hash of the source follows it.
pub const HASH_PREFIX: &str = "// kerust-source-fnv1a64: ";

/// FNV-1a 64-bit hash of a kernel source (stable across platforms and Rust versions).
pub fn source_hash(src: &str) -> u64 {
    src.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether `ptx` was generated from exactly `cu`.
pub fn ptx_is_fresh(cu: &str, ptx: &str) -> bool {
    let want = format!("{HASH_PREFIX}{:016x}", source_hash(cu));
    ptx.lines().next() == Some(want.as_str())
}

/// Compile CUDA C source to PTX text with NVRTC (needs libnvrtc at run time, no GPU).
pub fn compile_ptx(name: &str, cu: &str) -> Result<String> {
    // SAFETY: only tries to dlopen the library.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err(TensorError::Cuda {
            op: "nvrtc",
            message: format!(
                "kernel family '{name}' needs runtime compilation but libnvrtc was not found; run `cargo xtask cuda` or install NVRTC"
            ),
        });
    }
    let opts = cudarc::nvrtc::CompileOptions {
        name: Some(format!("{name}.cu")),
        arch: Some(PTX_ARCH),
        ..Default::default()
    };
    let ptx = cudarc::nvrtc::compile_ptx_with_opts(cu, opts)
        .map_err(|e| cuda_err("nvrtc", format!("{name}.cu: {e:?}")))?;
    Ok(ptx.to_src())
}

/// Load a family's module into `ctx`: committed PTX when fresh, else NVRTC.
pub(crate) fn load(ctx: &Arc<CudaContext>, family: Family) -> Result<Arc<CudaModule>> {
    let src = SOURCES
        .iter()
        .find(|s| s.family == family)
        .ok_or_else(|| cuda_err("load kernels", format!("unknown family {family:?}")))?;
    if ptx_is_fresh(src.cu, src.ptx) {
        if let Ok(m) = ctx.load_module(Ptx::from_src(src.ptx)) {
            return Ok(m);
        }
    }
    let ptx = compile_ptx(src.name, src.cu)?;
    ctx.load_module(Ptx::from_src(ptx))
        .map_err(|e| cuda_err("load kernels", format!("{}: {e}", src.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_ptx_matches_its_source() {
        for s in SOURCES {
            assert!(
                ptx_is_fresh(s.cu, s.ptx),
                "kernels/{}.ptx is stale: run `cargo xtask cuda`",
                s.name
            );
            assert!(s.ptx.contains(".entry"), "{}.ptx has no kernels", s.name);
        }
    }

    #[test]
    fn hash_is_fnv1a() {
        assert_eq!(source_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(source_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
