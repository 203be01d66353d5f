//! Where a tensor's data lives, and which device a model uses when the user names none
//! (`KERUST_DEVICE`, else the first CUDA device when one is usable, else the CPU).
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Result, TensorError};

/// The environment variable that overrides the default device: `cpu`, `cuda` or `cuda:N`.
pub const DEVICE_ENV: &str = "KERUST_DEVICE";

/// A compute device. `Cuda(ordinal)` exists in every build; without the `cuda` feature using it
/// returns `TensorError::NotCompiledWithCuda`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    #[default]
    Cpu,
    Cuda(usize),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

impl FromStr for Device {
    type Err = TensorError;

    /// Parse `cpu`, `cuda`, `cuda:N`, `gpu`, `gpu:N`, or TensorFlow's `/CPU:0` and `/GPU:N`
    /// (case-insensitive, surrounding spaces ignored). Only the syntax is checked here;
    /// [`Device::check_usable`] says whether this build and machine can use it.
    fn from_str(spec: &str) -> Result<Self> {
        let bad = |why: &str| TensorError::InvalidArgument {
            op: "Device::from_str",
            message: format!(
                "{spec:?} is not a device: {why}; write `cpu`, `cuda` or `cuda:N` (N = 0, 1, ...)"
            ),
        };
        let lower = spec.trim().to_ascii_lowercase();
        let body = lower.strip_prefix('/').unwrap_or(&lower);
        let (kind, ordinal) = match body.split_once(':') {
            Some((kind, n)) => {
                let n: usize = n
                    .parse()
                    .map_err(|_| bad("the part after `:` is not a device number"))?;
                (kind, Some(n))
            }
            None => (body, None),
        };
        match (kind, ordinal) {
            ("cpu", None | Some(0)) => Ok(Device::Cpu),
            ("cpu", Some(_)) => Err(bad("there is one CPU device, `cpu` (or `/CPU:0`)")),
            ("cuda" | "gpu", n) => Ok(Device::Cuda(n.unwrap_or(0))),
            _ => Err(bad("unknown device kind")),
        }
    }
}

impl Device {
    /// The device a model uses when none is named: `$KERUST_DEVICE` when set and non-empty
    /// (checked with [`Device::check_usable`], so a typo or a missing GPU is an error rather than
    /// a silent CPU run), else `cuda:0` when this build has CUDA and a device answers, else the CPU.
    pub fn default_device() -> Result<Device> {
        match std::env::var(DEVICE_ENV) {
            Ok(spec) if !spec.trim().is_empty() => {
                let device: Device = spec.parse().map_err(|e| match e {
                    TensorError::InvalidArgument { message, .. } => TensorError::InvalidArgument {
                        op: "KERUST_DEVICE",
                        message,
                    },
                    other => other,
                })?;
                device.check_usable()?;
                Ok(device)
            }
            _ if crate::cuda_backend::is_available() => Ok(Device::Cuda(0)),
            _ => Ok(Device::Cpu),
        }
    }

    /// `Ok` when tensors can be placed on this device in this build on this machine; otherwise
    /// the reason: CUDA not compiled in, or no device with that ordinal.
    pub fn check_usable(self) -> Result<()> {
        match self {
            Device::Cpu => Ok(()),
            Device::Cuda(n) => {
                if !cfg!(feature = "cuda") {
                    return Err(TensorError::NotCompiledWithCuda);
                }
                let count = crate::cuda_backend::device_count();
                if n >= count {
                    return Err(TensorError::InvalidArgument {
                        op: "Device::check_usable",
                        message: format!(
                            "cuda:{n} does not exist: this machine has {count} usable CUDA device(s); \
                             pick one below {count} or use `cpu`"
                        ),
                    });
                }
                Ok(())
            }
        }
    }
}

/// Set while [`with_device_paths`] runs.
static DEVICE_PATHS: AtomicBool = AtomicBool::new(false);

/// Run `f` with every op that has a separate device path (autograd ops, optimizer updates) taking
/// it for CPU tensors too. The device paths are written as tensor ops, so on the CPU they compute
/// the same values as the fused host loops; this is how their arithmetic is tested on machines
/// without a GPU. Process-wide: a test using it should be alone in its test binary.
pub fn with_device_paths<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            DEVICE_PATHS.store(self.0, Ordering::Relaxed);
        }
    }
    let _reset = Reset(DEVICE_PATHS.swap(true, Ordering::Relaxed));
    f()
}

/// Whether an op on `device` takes its device path: the data is on a GPU, or
/// [`with_device_paths`] is running.
pub fn takes_device_path(device: Device) -> bool {
    device != Device::Cpu || DEVICE_PATHS.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spellings_users_write() {
        for (spec, want) in [
            ("cpu", Device::Cpu),
            (" CPU ", Device::Cpu),
            ("/CPU:0", Device::Cpu),
            ("cuda", Device::Cuda(0)),
            ("cuda:1", Device::Cuda(1)),
            ("GPU:2", Device::Cuda(2)),
            ("/GPU:0", Device::Cuda(0)),
        ] {
            assert_eq!(spec.parse::<Device>().unwrap(), want, "{spec}");
        }
        assert_eq!(
            Device::Cuda(3).to_string().parse::<Device>().unwrap(),
            Device::Cuda(3)
        );
    }

    #[test]
    fn rejects_what_is_not_a_device_and_says_what_to_write() {
        for spec in ["tpu", "cuda:x", "cuda:-1", "cpu:1", "", "cuda:0:1"] {
            let err = spec.parse::<Device>().unwrap_err().to_string();
            assert!(
                err.contains("`cpu`, `cuda` or `cuda:N`") || err.contains("one CPU"),
                "{spec}: {err}"
            );
        }
    }

    #[test]
    fn cuda_is_refused_where_it_cannot_run() {
        assert!(Device::Cpu.check_usable().is_ok());
        let err = Device::Cuda(0).check_usable();
        if cfg!(feature = "cuda") && crate::cuda_backend::device_count() > 0 {
            assert!(err.is_ok());
        } else {
            assert!(err.is_err());
        }
        // No machine has this many devices.
        assert!(Device::Cuda(4096).check_usable().is_err());
    }
}
