//! Helpers shared by the CUDA test files (included with `mod cuda_common;`).
#![allow(dead_code)]
use kerust_tensor::{cuda_backend, Device, Rng, Tensor};

/// The device to test on, or `None` after printing the skip reason (to stderr directly, so it
/// shows even when the harness captures output).
pub fn gpu(test: &str) -> Option<Device> {
    if cuda_backend::is_available() {
        Some(Device::Cuda(0))
    } else {
        kerust_test_support::skip(test, "no CUDA device");
        None
    }
}

/// Random uniform tensor in [-1, 1).
pub fn rand(shape: &[usize], rng: &mut Rng) -> Tensor {
    Tensor::rand_uniform(shape, -1.0, 1.0, rng).unwrap()
}

/// Assert that a device result matches the CPU result within `tol` (absolute, scaled by magnitude).
pub fn close(what: &str, gpu: &Tensor, cpu: &Tensor, tol: f32) {
    assert_eq!(gpu.shape(), cpu.shape(), "{what}: shape");
    assert!(
        gpu.device() != Device::Cpu,
        "{what}: result left the device"
    );
    let (g, c) = (gpu.to_vec().unwrap(), cpu.to_vec().unwrap());
    for (i, (a, b)) in g.iter().zip(&c).enumerate() {
        let ok = (a - b).abs() <= tol * (1.0 + b.abs()) || (a.is_nan() && b.is_nan());
        assert!(ok, "{what}: element {i}: cuda {a} vs cpu {b}");
    }
}
