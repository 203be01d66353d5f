//! Timings on the device: the fused LSTM and GRU at the tweets workload's shapes (batch 32,
//! 15 steps, embedding 128, 64 units; 215 steps an epoch, 5 epochs), forward + backward as in
//! training and forward alone over the 762 validation tweets, against the CPU loop on this
//! machine and, given a Python with torch, PyTorch's cuDNN `nn.LSTM` at the same shapes and a
//! full PyTorch tweets-LSTM training on the GPU.
use super::report::Report;
use kerust_tensor::recurrent::{rnn, Cell, SequenceInputs, SequenceOptions};
use kerust_tensor::{cuda_backend, Device, Rng, Tensor};
use serde_json::{json, Value as Json};
use std::process::Command;
use std::time::Instant;

const BATCH: usize = 32;
const STEPS: usize = 15;
const FEATURES: usize = 128;
const UNITS: usize = 64;
const STEPS_PER_EPOCH: usize = 215; // ceil(6851 / 32)
const EPOCHS: usize = 5;
const PREDICT_ROWS: usize = 762;

/// Seconds for `iters` forward+backward calls of `cell` (or forward only) on `device`.
fn time_op(
    cell: Cell,
    device: Device,
    rows: usize,
    iters: usize,
    backward: bool,
) -> Result<f64, String> {
    let mut rng = Rng::seed(29);
    let g = cell.gates();
    let e =
        |r: kerust_tensor::Result<Tensor>| r.and_then(|t| t.to(device)).map_err(|e| e.to_string());
    let x = e(Tensor::rand_uniform(
        &[rows, STEPS, FEATURES],
        -1.0,
        1.0,
        &mut rng,
    ))?;
    let k = e(Tensor::rand_uniform(
        &[FEATURES, g * UNITS],
        -0.1,
        0.1,
        &mut rng,
    ))?;
    let rk = e(Tensor::rand_uniform(
        &[UNITS, g * UNITS],
        -0.1,
        0.1,
        &mut rng,
    ))?;
    let bias = e(Tensor::zeros(&cell.bias_shape(UNITS)))?;
    let d_out = e(Tensor::ones(&[rows, UNITS]))?;
    let inputs = SequenceInputs {
        bias: Some(&bias),
        ..SequenceInputs::new(&x, &k, &rk)
    };
    let sync = || match device {
        Device::Cuda(i) => cuda_backend::synchronize(i).map_err(|e| e.to_string()),
        Device::Cpu => Ok(()),
    };
    let once = || -> Result<(), String> {
        let (outs, back) =
            rnn(cell, &inputs, SequenceOptions::default()).map_err(|e| e.to_string())?;
        if backward {
            let grads = back
                .backward(&[Some(d_out.clone())])
                .map_err(|e| e.to_string())?;
            std::hint::black_box(grads);
        }
        std::hint::black_box(outs);
        Ok(())
    };
    once()?; // warm-up: kernel loading, cuBLAS handles, allocator
    sync()?;
    let t = Instant::now();
    for _ in 0..iters {
        once()?;
    }
    sync()?;
    Ok(t.elapsed().as_secs_f64())
}

/// Fused op timings on the GPU and the CPU loop, then the PyTorch side.
pub fn run(r: &mut Report, torch: Option<&str>) {
    let train_iters = STEPS_PER_EPOCH * EPOCHS;
    for (name, cell) in [("lstm", Cell::lstm()), ("gru", Cell::gru())] {
        for (dev_name, device) in [("cuda", Device::Cuda(0)), ("cpu", Device::Cpu)] {
            let key = format!("kerust_{name}64_op_fwd_bwd_5ep_{dev_name}_s");
            match time_op(cell, device, BATCH, train_iters, true) {
                Ok(s) => r.figure(&key, json!(s)),
                Err(e) => r.compare(&key, 0.0, Err(e)),
            }
            let key = format!("kerust_{name}64_op_predict{PREDICT_ROWS}_{dev_name}_s");
            match time_op(cell, device, PREDICT_ROWS, 1, false) {
                Ok(s) => r.figure(&key, json!(s)),
                Err(e) => r.compare(&key, 0.0, Err(e)),
            }
        }
    }
    r.figure(
        "model_training_on_gpu",
        json!("not run: layers do not place their weights on the device yet (issue 17 item 3)"),
    );
    if let Some(py) = torch {
        match torch_side(py) {
            Ok(v) => r.figure("torch_cudnn", v),
            Err(e) => r.figure("torch_cudnn", json!(format!("skipped: {e}"))),
        }
    }
}

/// Runs `xtask/gpu_check/torch_cudnn.py` and returns its JSON line.
fn torch_side(python: &str) -> Result<Json, String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("gpu_check/torch_cudnn.py");
    let out = Command::new(python)
        .arg(&script)
        .args(
            [
                BATCH,
                STEPS,
                FEATURES,
                UNITS,
                STEPS_PER_EPOCH * EPOCHS,
                PREDICT_ROWS,
            ]
            .map(|n| n.to_string()),
        )
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("KERUST_GPU_CHECK "))
        .ok_or_else(|| {
            format!(
                "no result line; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )
        })?;
    serde_json::from_str(line).map_err(|e| format!("bad JSON from torch script: {e}"))
}
