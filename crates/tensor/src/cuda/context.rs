//! One CUDA context, stream, cuBLAS handle and kernel cache per device ordinal, created on first use.
//!
//! Every driver/cuBLAS/NVRTC library is loaded dynamically; before touching one we check that it
//! can be found, so a machine without the driver gets `TensorError::Cuda` instead of cudarc's panic.
use super::kernels::{self, Family};
use crate::error::{Result, TensorError};
use cudarc::cublas::CudaBlas;
use cudarc::driver::{CudaContext, CudaFunction, CudaModule, CudaStream};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Map a cudarc error into the crate's error, naming the op.
pub(crate) fn cuda_err(op: &'static str, e: impl std::fmt::Display) -> TensorError {
    TensorError::Cuda {
        op,
        message: e.to_string(),
    }
}

/// Everything needed to run ops on one device. Shared (`Arc`) by all its tensors.
pub struct CudaDev {
    pub(crate) ordinal: usize,
    pub(crate) stream: Arc<CudaStream>,
    pub(crate) blas: CudaBlas,
    modules: Mutex<HashMap<Family, Arc<CudaModule>>>,
    functions: Mutex<HashMap<&'static str, CudaFunction>>,
}

impl std::fmt::Debug for CudaDev {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaDev(cuda:{})", self.ordinal)
    }
}

/// Whether the driver library can be loaded (does not initialise it).
pub(crate) fn driver_present() -> bool {
    // SAFETY: only tries to dlopen the library; no symbol is called.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

fn devices() -> &'static Mutex<HashMap<usize, Arc<CudaDev>>> {
    static DEVICES: OnceLock<Mutex<HashMap<usize, Arc<CudaDev>>>> = OnceLock::new();
    DEVICES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Number of visible CUDA devices (0 when the driver is missing or reports an error).
pub fn device_count() -> usize {
    if !driver_present() {
        return 0;
    }
    CudaContext::device_count().map_or(0, |n| n.max(0) as usize)
}

/// The device handle for `ordinal`, creating context, stream and cuBLAS handle on first use.
pub(crate) fn device(ordinal: usize) -> Result<Arc<CudaDev>> {
    let mut map = devices()
        .lock()
        .map_err(|_| cuda_err("device", "device table lock poisoned by a panic"))?;
    if let Some(d) = map.get(&ordinal) {
        return Ok(d.clone());
    }
    if !driver_present() {
        return Err(TensorError::Cuda {
            op: "device",
            message: "the CUDA driver library (libcuda) was not found; install the NVIDIA driver or use Device::Cpu".into(),
        });
    }
    let count = device_count();
    if ordinal >= count {
        return Err(TensorError::Cuda {
            op: "device",
            message: format!("cuda:{ordinal} does not exist: {count} CUDA device(s) visible"),
        });
    }
    // SAFETY: only tries to dlopen the library.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return Err(TensorError::Cuda {
            op: "device",
            message:
                "the cuBLAS library (libcublas) was not found; install the CUDA toolkit's cuBLAS"
                    .into(),
        });
    }
    let ctx = CudaContext::new(ordinal).map_err(|e| cuda_err("device", e))?;
    // One stream per device: ordering is implicit, so per-buffer event tracking is pure overhead.
    // SAFETY: all work of this crate goes through the single stream created below.
    unsafe { ctx.disable_event_tracking() };
    let stream = ctx.default_stream();
    let blas = CudaBlas::new(stream.clone()).map_err(|e| cuda_err("cublas init", e))?;
    let dev = Arc::new(CudaDev {
        ordinal,
        stream,
        blas,
        modules: Mutex::new(HashMap::new()),
        functions: Mutex::new(HashMap::new()),
    });
    map.insert(ordinal, dev.clone());
    Ok(dev)
}

impl CudaDev {
    /// A kernel by name from its family's module, loading (and if needed compiling) the module once.
    pub(crate) fn func(&self, family: Family, name: &'static str) -> Result<CudaFunction> {
        let lock_err = || cuda_err("kernel cache", "lock poisoned by a panic");
        if let Some(f) = self.functions.lock().map_err(|_| lock_err())?.get(name) {
            return Ok(f.clone());
        }
        let module = {
            let mut mods = self.modules.lock().map_err(|_| lock_err())?;
            match mods.get(&family) {
                Some(m) => m.clone(),
                None => {
                    let m = kernels::load(self.stream.context(), family)?;
                    mods.insert(family, m.clone());
                    m
                }
            }
        };
        let f = module
            .load_function(name)
            .map_err(|e| cuda_err("load kernel", format!("{name}: {e}")))?;
        self.functions
            .lock()
            .map_err(|_| lock_err())?
            .insert(name, f.clone());
        Ok(f)
    }

    /// Wait for all queued work on this device's stream.
    pub fn synchronize(&self) -> Result<()> {
        self.stream
            .synchronize()
            .map_err(|e| cuda_err("synchronize", e))
    }
}
